/*
 * kernel/monitor.h - the kernel monitor: a console on COM1 that drives
 * and inspects every allocator.
 *
 * kernel/monitor.c reads lines (line editor, history, scripts) and runs
 * them; kernel/monitor_cmds.c holds the command table and the reports;
 * kernel/monitor_alloc.c the commands that allocate and free;
 * kernel/monitor_stress.c "stress" and "frag"; kernel/monitor_pictures.c
 * the pictures.  docs/console.md is the user's guide.
 *
 * A command is one entry in monitor_cmds[]: its name, its arguments,
 * a one-line synopsis, an example, how many words its line may have,
 * and the function that runs it.  The
 * function gets the words of the line (argv[0] is the command's name)
 * and returns MON_OK, or MON_USAGE after printing a one-line "error:"
 * (monitor_error), whereupon the monitor prints the usage line.
 */
#ifndef KERNEL_MONITOR_H
#define KERNEL_MONITOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MONITOR_LINE_MAX    256     /* bytes per line, NUL included */
#define MONITOR_MAX_ARGS    16      /* words per line */
#define MONITOR_HISTORY     16      /* lines kept for up/down */
#define MONITOR_MAX_COUNT   1024    /* largest COUNT of one command */
#define MONITOR_PROMPT      "kmemlab> "

enum monitor_result {
    MON_OK = 0,
    MON_USAGE,                  /* bad input: print the usage line */
};

struct monitor_cmd {
    const char *name;
    const char *args;           /* "ORDER [COUNT]", or "" */
    int max_words;              /* most words on its line, name included */
    const char *synopsis;       /* one line for "help" */
    const char *example;        /* a line that works, for "help CMD" */
    enum monitor_result (*run)(int argc, char **argv);
};

/* kernel/monitor.c */
void monitor_run(const char *script, bool exit_after)
    __attribute__((noreturn));
void monitor_exec(char *line);

/* kernel/monitor_cmds.c: the table, and help over it. */
extern const struct monitor_cmd monitor_cmds[];
const struct monitor_cmd *monitor_find(const char *name);
void monitor_print_usage(const struct monitor_cmd *c);

/*
 * Argument parsing, shared by every command.  A number is decimal or
 * 0x hex; a size may end in K or M (x1024, x1048576); an address may be
 * "$", the last address a command printed, or "$+N" / "$-N" from it.
 * Each prints "error: ..." naming the word and returns false.
 */
bool monitor_number(const char *word, const char *what, uint64_t *out);
bool monitor_size(const char *word, size_t *out);
bool monitor_addr(const char *word, uintptr_t *out);
bool monitor_count(int argc, char **argv, int i, unsigned *out);
enum monitor_result monitor_error(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

/* Every address a command prints goes through here: "$" is the last. */
uintptr_t monitor_note_addr(uintptr_t addr);

/* Errors the allocators count: snapshot before a call, report after. */
struct monitor_errs {
    unsigned long buddy[16];
    unsigned long kheap[16];
    unsigned long pool[16];
};
struct pool;
void monitor_errs_save(struct monitor_errs *e, const struct pool *p);
unsigned monitor_errs_report(const struct monitor_errs *e,
                             const struct pool *p, uintptr_t addr);

/* The commands, one function each, in the files named above. */
enum monitor_result monitor_cmd_alloc(int argc, char **argv);
enum monitor_result monitor_cmd_allocb(int argc, char **argv);
enum monitor_result monitor_cmd_free(int argc, char **argv);
enum monitor_result monitor_cmd_resize(int argc, char **argv);
enum monitor_result monitor_cmd_size(int argc, char **argv);
enum monitor_result monitor_cmd_kmalloc(int argc, char **argv);
enum monitor_result monitor_cmd_kfree(int argc, char **argv);
enum monitor_result monitor_cmd_krealloc(int argc, char **argv);
enum monitor_result monitor_cmd_ksize(int argc, char **argv);
enum monitor_result monitor_cmd_pool(int argc, char **argv);
enum monitor_result monitor_cmd_stress(int argc, char **argv);
enum monitor_result monitor_cmd_frag(int argc, char **argv);
enum monitor_result monitor_cmd_tree(int argc, char **argv);
enum monitor_result monitor_cmd_slabs(int argc, char **argv);
enum monitor_result monitor_cmd_kpages(int argc, char **argv);

#endif /* KERNEL_MONITOR_H */
