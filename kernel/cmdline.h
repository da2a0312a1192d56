/*
 * kernel/cmdline.h - the kernel command line as a table of options.
 *
 * Syntax: words separated by spaces; each word is "key" or "key=value";
 * a value may be a comma list ("selftest=buddy,kheap").  Double quotes
 * group: inside them spaces do not end the word, and the quotes
 * themselves are removed, so run="alloc 0; exit" is one option whose
 * value is `alloc 0; exit`.  A first word
 * that contains '/' is the kernel's own path (GRUB and QEMU's -kernel
 * loader both put it there) and is kept apart, not taken as an option.
 */
#ifndef KERNEL_CMDLINE_H
#define KERNEL_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>

#define CMDLINE_MAX_LEN     2048    /* bytes kept, NUL included (room
                                       for a run="..." script) */
#define CMDLINE_MAX_OPTS    16

struct cmdline_opt {
    const char *key;
    const char *value;      /* NULL for a bare "key" */
};

struct cmdline {
    char buf[CMDLINE_MAX_LEN];          /* private copy, split in place */
    struct cmdline_opt opt[CMDLINE_MAX_OPTS];
    unsigned nopts;
    const char *path;                   /* kernel path, or NULL */
    unsigned nproblems;                 /* problems passed to warn() */
};

/*
 * Called once per problem: "line too long", "too many options",
 * "malformed option", "repeated option" (the later one wins),
 * "unknown option", "unterminated quote" (the word runs to the end of
 * the line).  word is the offending word.
 */
typedef void cmdline_warn_fn(const char *problem, const char *word);

/* Parses line (NULL is an empty line); returns the number of problems. */
unsigned cmdline_parse(struct cmdline *c, const char *line,
                       cmdline_warn_fn *warn);

/* Reports every option whose key is not in known (NULL-terminated). */
unsigned cmdline_check_known(struct cmdline *c, const char *const *known,
                             cmdline_warn_fn *warn);

/* The option named key, or NULL. */
const struct cmdline_opt *cmdline_find(const struct cmdline *c,
                                       const char *key);

/*
 * Copies the next item of a comma list into word (cut to size - 1
 * characters) and moves *cursor past it; false at the end of the list.
 * "a,,b" yields "a", "" and "b".
 */
bool cmdline_list_next(const char **cursor, char *word, size_t size);

/* Does the comma list contain item exactly? */
bool cmdline_list_has(const char *list, const char *item);

#endif /* KERNEL_CMDLINE_H */
