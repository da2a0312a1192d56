/*
 * kernel/monitor_cmds.c - the monitor's command table, its argument
 * parsing, and the commands that report or switch things.
 *
 * Every command is one line of monitor_cmds[] below; "help" and the
 * usage lines are generated from it.  Output lines start with the
 * command's or the layer's name, one fact per line; bad input gets one
 * "error: ..." line and the usage, and changes nothing.
 *
 * Invariant: a command that gets bad input prints the error before it
 * changes any state (the allocators' own errors are the exception: they
 * are counted by the allocator, which is the point of trying them).
 * Bounds: parsing is O(line); the reports walk what they report.
 * Metadata: the last address printed ("$").
 */
#include "monitor.h"

#include "../drivers/serial.h"
#include "../mm/buddy.h"
#include "../mm/kheap.h"
#include "../mm/memmap.h"
#include "../mm/pool.h"
#include "../mm/test.h"
#include "cmdline.h"
#include "format.h"
#include "kernel.h"
#include "ledger.h"

MM_STATIC_ASSERT(BUDDY_ERR_COUNT <= 16 && KHEAP_ERR_COUNT <= 16 &&
                 POOL_ERR_COUNT <= 16, "struct monitor_errs holds 16");

static uintptr_t last_addr;

/* ---- arguments ------------------------------------------------------ */

enum monitor_result
monitor_error(const char *fmt, ...)
{
    va_list ap;

    kprintf("error: ");
    va_start(ap, fmt);
    kvprintf(fmt, ap);
    va_end(ap);
    kprintf("\n");
    return MON_USAGE;
}

uintptr_t
monitor_note_addr(uintptr_t addr)
{
    last_addr = addr;
    return addr;
}

/* Digits of base 10 or 16 into *out; false on none, a stray or overflow. */
static bool
parse_digits(const char *s, unsigned base, uint64_t *out)
{
    uint64_t v = 0;
    unsigned d;

    if (*s == '\0')
        return false;
    for (; *s != '\0'; s++) {
        if (*s >= '0' && *s <= '9')
            d = (unsigned)(*s - '0');
        else if (base == 16 && (*s | 0x20) >= 'a' && (*s | 0x20) <= 'f')
            d = (unsigned)((*s | 0x20) - 'a' + 10);
        else
            return false;
        if (v > (UINT64_MAX - d) / base)
            return false;
        v = v * base + d;
    }
    *out = v;
    return true;
}

/* A plain number: decimal, or hex after 0x. */
static bool
parse_number(const char *s, uint64_t *out)
{
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
        return parse_digits(s + 2, 16, out);
    return parse_digits(s, 10, out);
}

bool
monitor_number(const char *word, const char *what, uint64_t *out)
{
    if (parse_number(word, out))
        return true;
    monitor_error("bad %s \"%s\" (decimal or 0x hex)", what, word);
    return false;
}

bool
monitor_size(const char *word, size_t *out)
{
    char digits[24];
    size_t n = kstrlen(word), shift = 0;
    uint64_t v;

    if (n > 0 && (word[n - 1] == 'K' || word[n - 1] == 'k'))
        shift = 10;
    else if (n > 0 && (word[n - 1] == 'M' || word[n - 1] == 'm'))
        shift = 20;
    if (shift != 0)
        n--;
    if (n >= sizeof digits) {
        monitor_error("bad size \"%s\" (too long)", word);
        return false;
    }
    memcpy(digits, word, n);
    digits[n] = '\0';
    if (!parse_number(digits, &v) || v > (SIZE_MAX >> shift)) {
        monitor_error("bad size \"%s\" (decimal or 0x hex, K or M suffix,"
                      " below 4G)", word);
        return false;
    }
    *out = (size_t)(v << shift);
    return true;
}

bool
monitor_addr(const char *word, uintptr_t *out)
{
    uint64_t v, off = 0;

    if (word[0] == '$') {
        if (word[1] != '\0' && ((word[1] != '+' && word[1] != '-') ||
                                !parse_number(word + 2, &off))) {
            monitor_error("bad address \"%s\" ($, $+N or $-N)", word);
            return false;
        }
        v = word[1] == '-' ? last_addr - off : last_addr + off;
    } else if (!monitor_number(word, "address", &v)) {
        return false;
    }
    if (v > UINTPTR_MAX) {
        monitor_error("address \"%s\" above 4 GiB", word);
        return false;
    }
    *out = (uintptr_t)v;
    return true;
}

/* The optional COUNT at argv[i]: 1 if absent, else 1..MONITOR_MAX_COUNT. */
bool
monitor_count(int argc, char **argv, int i, unsigned *out)
{
    uint64_t v = 1;

    if (i < argc && !monitor_number(argv[i], "count", &v))
        return false;
    if (v == 0 || v > MONITOR_MAX_COUNT) {
        monitor_error("count %s is not 1 to %u", argv[i], MONITOR_MAX_COUNT);
        return false;
    }
    *out = (unsigned)v;
    return true;
}

/* ---- error counters ------------------------------------------------- */

void
monitor_errs_save(struct monitor_errs *e, const struct pool *p)
{
    const struct buddy *b = kernel_buddy_allocator();
    unsigned i;

    for (i = 0; i < BUDDY_ERR_COUNT; i++)
        e->buddy[i] = b->nerr[i];
    for (i = 0; i < KHEAP_ERR_COUNT; i++)
        e->kheap[i] = kmalloc_heap()->nerr[i];
    for (i = 0; p != NULL && i < POOL_ERR_COUNT; i++)
        e->pool[i] = p->nerr[i];
}

/*
 * Prints the allocator's own error line for every counter that moved
 * since e was saved - "buddy: double free at 0x00400000 (allocator
 * kernel)", the text debug mode panics with - and returns how many.
 */
unsigned
monitor_errs_report(const struct monitor_errs *e, const struct pool *p,
                    uintptr_t addr)
{
    const struct buddy *b = kernel_buddy_allocator();
    const struct kheap *h = kmalloc_heap();
    unsigned i, n = 0;

    for (i = BUDDY_NOMEM + 1; i < BUDDY_ERR_COUNT; i++) {
        if (b->nerr[i] == e->buddy[i])
            continue;
        kprintf("buddy: %s at 0x%08lx (allocator %s)\n",
                buddy_err_name[i], (unsigned long)addr, b->name);
        n++;
    }
    for (i = KHEAP_NOMEM + 1; i < KHEAP_ERR_COUNT; i++) {
        if (h->nerr[i] == e->kheap[i])
            continue;
        kprintf("kheap: %s at 0x%08lx (heap %s)\n", kheap_err_name[i],
                (unsigned long)addr, h->name);
        n++;
    }
    for (i = POOL_NOMEM + 1; p != NULL && i < POOL_ERR_COUNT; i++) {
        if (p->nerr[i] == e->pool[i])
            continue;
        kprintf("pool: %s at 0x%08lx (pool %s)\n", pool_err_name[i],
                (unsigned long)addr, p->name);
        n++;
    }
    return n;
}

/* ---- reports -------------------------------------------------------- */

static enum monitor_result
cmd_mem(int argc, char **argv)
{
    const struct memmap *m = memmap_boot_map();
    const struct buddy *b = kernel_buddy_allocator();

    (void)argc;
    (void)argv;
    memmap_print_raw(m);
    memmap_print_reserved(m);
    memmap_print_free(m);
    memmap_print_summary(m);
    kprintf("mem: page allocator %zu of %zu pages free (%zu KiB free)\n",
            buddy_free_pages(b), buddy_managed_pages(b),
            buddy_free_pages(b) * (size_t)(MM_PAGE / 1024));
    kprintf("mem: kmalloc holds %zu pages\n",
            kheap_pages_held(kmalloc_heap()));
    return MON_OK;
}

static enum monitor_result
cmd_buddyinfo(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    buddy_print_buddyinfo(kernel_buddy_allocator());
    return MON_OK;
}

static enum monitor_result
cmd_zone(int argc, char **argv)
{
    const struct buddy *b = kernel_buddy_allocator();
    uint64_t n = 0;

    if (argc > 1 && !monitor_number(argv[1], "zone", &n))
        return MON_USAGE;
    if (n >= buddy_nzones(b))
        return monitor_error("no zone %s (zones 0 to %u)", argv[1],
                             buddy_nzones(b) - 1);
    kprintf("zone: legend %s\n", buddy_picture_legend);
    if (argc > 1)
        buddy_print_zone_picture(b, (unsigned)n);
    else
        buddy_print_picture(b);
    return MON_OK;
}

static enum monitor_result
cmd_slabinfo(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    pool_print_slabinfo();
    return MON_OK;
}

static enum monitor_result
cmd_vmstat(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    kheap_print_stats(kmalloc_heap());
    return MON_OK;
}

/* Prints "errors: LAYER NAME N" for each non-zero counter; returns how
 * many lines it printed. */
static unsigned
print_nonzero(const char *layer, const unsigned long *nerr, unsigned first,
              unsigned count, const char *const *names)
{
    unsigned i, n = 0;

    for (i = first; i < count; i++) {
        if (nerr[i] != 0) {
            kprintf("errors: %s %s %lu\n", layer, names[i], nerr[i]);
            n++;
        }
    }
    return n;
}

static enum monitor_result
cmd_errors(int argc, char **argv)
{
    const struct memmap *m = memmap_boot_map();
    const struct pool *p = NULL;
    unsigned n;
    char layer[40];

    (void)argc;
    (void)argv;
    n = print_nonzero("memmap", m->nerr, MEMMAP_OK + 1, MEMMAP_ERR_COUNT,
                      memmap_err_name);
    n += print_nonzero("buddy", kernel_buddy_allocator()->nerr,
                       BUDDY_NOMEM + 1, BUDDY_ERR_COUNT, buddy_err_name);
    n += print_nonzero("kmalloc", kmalloc_heap()->nerr, KHEAP_NOMEM + 1,
                       KHEAP_ERR_COUNT, kheap_err_name);
    while ((p = pool_registry_next(p)) != NULL) {
        ksnprintf(layer, sizeof layer, "pool %s", p->name);
        n += print_nonzero(layer, p->nerr, POOL_NOMEM + 1, POOL_ERR_COUNT,
                           pool_err_name);
    }
    if (irq_unexpected_count() != 0) {
        kprintf("errors: irq unexpected %lu\n", irq_unexpected_count());
        n++;
    }
    if (serial_rx_overruns() != 0) {
        kprintf("errors: serial overrun %lu\n", serial_rx_overruns());
        n++;
    }
    if (n == 0)
        kprintf("errors: none\n");
    return MON_OK;
}

static enum monitor_result
cmd_check(int argc, char **argv)
{
    const struct pool *p = NULL;
    unsigned bad, npools = 0;

    (void)argc;
    (void)argv;
    kprintf("check: memmap %u problems\n", memmap_check(memmap_boot_map()));
    kprintf("check: buddy %u problems\n",
            buddy_check(kernel_buddy_allocator()));
    kprintf("check: kmalloc %u problems\n", kheap_check(kmalloc_heap()));
    for (bad = 0; (p = pool_registry_next(p)) != NULL; npools++)
        bad += pool_check((struct pool *)p);
    kprintf("check: pool %u problems in %u pools\n", bad, npools);
    kprintf("check: ledger %u problems\n", ledger_check());
    return MON_OK;
}

/* page ADDR: who holds the page with ADDR, from the page ledger. */
static enum monitor_result
cmd_page(int argc, char **argv)
{
    uintptr_t a;

    if (argc < 2)
        return monitor_error("page needs an ADDR");
    if (!monitor_addr(argv[1], &a))
        return MON_USAGE;
    ledger_print_page(a);
    return MON_OK;
}

static enum monitor_result
cmd_ledger(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    ledger_report();
    return MON_OK;
}

/* ---- switches ------------------------------------------------------- */

static const char *const layer_names[] = { "buddy", "kmalloc", "pool" };

/* "buddy,pool" -> bits 0 and 2; "off" -> 0; an unknown name: error. */
static bool
parse_layers(const char *list, unsigned *bits)
{
    char word[16];
    unsigned i;

    *bits = 0;
    if (kstreq(list, "off"))
        return true;
    while (cmdline_list_next(&list, word, sizeof word)) {
        for (i = 0; i < 3 && !kstreq(word, layer_names[i]); i++)
            ;
        if (i == 3) {
            monitor_error("unknown layer \"%s\" (buddy, kmalloc, pool)",
                          word);
            return false;
        }
        *bits |= 1u << i;
    }
    return true;
}

static void
print_layers(const char *what, unsigned bits)
{
    unsigned i;
    bool first = true;

    kprintf("switch: %s ", what);
    for (i = 0; i < 3; i++) {
        if (bits & (1u << i)) {
            kprintf(first ? "%s" : ",%s", layer_names[i]);
            first = false;
        }
    }
    kprintf(first ? "off\n" : "\n");
}

static enum monitor_result
cmd_trace(int argc, char **argv)
{
    unsigned bits;

    if (argc > 1 && !parse_layers(argv[1], &bits))
        return MON_USAGE;
    if (argc > 1) {
        if (bits != 0)          /* traces see the buddy's own lists */
            buddy_flush(kernel_buddy_allocator());
        mm_switch.trace = bits;
        pool_trace_switched();
        kmalloc_trace_switched();
    }
    print_layers("trace", mm_switch.trace);
    return MON_OK;
}

static enum monitor_result
cmd_poison(int argc, char **argv)
{
    unsigned bits;

    if (argc > 1 && !parse_layers(argv[1], &bits))
        return MON_USAGE;
    if (argc > 1)
        mm_switch.poison = bits;
    print_layers("poison", mm_switch.poison);
    kprintf("switch: poison applies to pools created from now on; buddy "
            "%s, kmalloc %s since boot\n",
            kernel_buddy_allocator()->poison ? "on" : "off",
            kmalloc_heap()->poison ? "on" : "off");
    return MON_OK;
}

/* "on" or "off" at argv[1] into *v; with no argument *v stays. */
static bool
parse_on_off(int argc, char **argv, bool *v)
{
    if (argc < 2)
        return true;
    if (kstreq(argv[1], "on") || kstreq(argv[1], "off")) {
        *v = kstreq(argv[1], "on");
        return true;
    }
    monitor_error("\"%s\" is neither on nor off", argv[1]);
    return false;
}

static enum monitor_result
cmd_guard(int argc, char **argv)
{
    if (!parse_on_off(argc, argv, &mm_switch.guard))
        return MON_USAGE;
    kprintf("switch: guard %s\n", mm_switch.guard ? "on" : "off");
    kprintf("switch: guard applies to heaps created from now on; the "
            "kmalloc heap has it %s since boot\n",
            kmalloc_heap()->guard ? "on" : "off");
    return MON_OK;
}

static enum monitor_result
cmd_debug(int argc, char **argv)
{
    if (!parse_on_off(argc, argv, &mm_switch.debug))
        return MON_USAGE;
    kprintf("switch: debug %s%s\n", mm_switch.debug ? "on" : "off",
            mm_switch.debug ? " (the next bad input to an allocator panics)" : "");
    return MON_OK;
}

/* ---- running ---------------------------------------------------------- */

static enum monitor_result
cmd_selftest(int argc, char **argv)
{
    mm_test_run_with(argc > 1 ? argv[1] : NULL, "selftest",
                     ledger_after_test);
    return MON_OK;
}

static enum monitor_result
cmd_bench(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    bench_run();
    return MON_OK;
}

/* replay [N] [corrupt LINE]: boot module N as an allocation trace. */
static enum monitor_result
cmd_replay(int argc, char **argv)
{
    uint64_t module = 0, line = 0;
    unsigned n = memmap_boot_nmodules();

    if (argc > 1 && !monitor_number(argv[1], "module", &module))
        return MON_USAGE;
    if (argc == 3 || (argc == 4 && !kstreq(argv[2], "corrupt")))
        return monitor_error("expected \"corrupt LINE\" after the module");
    if (argc == 4 && !monitor_number(argv[3], "line", &line))
        return MON_USAGE;
    if (module >= n)
        return monitor_error("no boot module %llu (%u loaded): load a trace "
                             "with make run TRACE=file",
                             (unsigned long long)module, n);
    replay_module((unsigned)module, (unsigned long)line);
    return MON_OK;
}

static enum monitor_result
cmd_echo(int argc, char **argv)
{
    int i;

    for (i = 1; i < argc; i++)
        kprintf(i == 1 ? "%s" : " %s", argv[i]);
    kprintf("\n");
    return MON_OK;
}

static enum monitor_result
cmd_exit(int argc, char **argv)
{
    if (argc > 1 && !kstreq(argv[1], "fail"))
        return monitor_error("\"%s\" is not \"fail\"", argv[1]);
    kernel_exit(argc == 1);
}

static enum monitor_result cmd_help(int argc, char **argv);

/* ---- the table ------------------------------------------------------ */

/* Sorted by topic as "help" lists them; a new command is one entry. */
const struct monitor_cmd monitor_cmds[] = {
    { "help", "[COMMAND]", 2,
      "list the commands, or one command's usage", "help alloc", cmd_help },
    { "mem", "", 1,
      "memory map, reservations and totals", "mem", cmd_mem },
    { "buddyinfo", "", 1,
      "free blocks of each order in each zone", "buddyinfo", cmd_buddyinfo },
    { "zone", "[N]", 2,
      "picture of every zone, or of zone N", "zone 2", cmd_zone },
    { "tree", "ADDR [ORDER]", 3,
      "the block around ADDR as its tree of buddies", "tree 0x400000 4",
      monitor_cmd_tree },
    { "slabs", "POOL [order]", 3,
      "every slab of POOL as cells (order: free lists)", "slabs pool_cache",
      monitor_cmd_slabs },
    { "kpages", "[BUCKET [order]]", 3,
      "kmalloc's pages by bucket, or BUCKET's slabs as cells", "kpages 64",
      monitor_cmd_kpages },
    { "slabinfo", "", 1,
      "every pool, as /proc/slabinfo", "slabinfo", cmd_slabinfo },
    { "vmstat", "", 1,
      "the kmalloc buckets, as vmstat -m", "vmstat", cmd_vmstat },
    { "errors", "", 1,
      "every non-zero error counter of every layer", "errors", cmd_errors },
    { "check", "", 1,
      "run every layer's invariant checker", "check", cmd_check },
    { "page", "ADDR", 2,
      "which layer owns the page with ADDR, in what role", "page $",
      cmd_page },
    { "ledger", "", 1,
      "every page's owner, totalled per owner", "ledger", cmd_ledger },
    { "alloc", "ORDER [COUNT]", 3,
      "allocate 2^ORDER pages (COUNT times)", "alloc 3", monitor_cmd_alloc },
    { "allocb", "SIZE", 2,
      "allocate whole pages for SIZE bytes", "allocb 12K",
      monitor_cmd_allocb },
    { "free", "ADDR", 2,
      "free a page block", "free $", monitor_cmd_free },
    { "resize", "ADDR SIZE", 3,
      "grow or shrink a page block", "resize $ 64K", monitor_cmd_resize },
    { "size", "ADDR", 2,
      "size of the page block at ADDR", "size $", monitor_cmd_size },
    { "kmalloc", "SIZE [COUNT]", 3,
      "allocate SIZE bytes (COUNT times)", "kmalloc 100",
      monitor_cmd_kmalloc },
    { "kfree", "ADDR", 2,
      "free a kmalloc block", "kfree $", monitor_cmd_kfree },
    { "krealloc", "ADDR SIZE", 3,
      "resize a kmalloc block", "krealloc $ 300", monitor_cmd_krealloc },
    { "ksize", "ADDR", 2,
      "usable size of a kmalloc block", "ksize $", monitor_cmd_ksize },
    { "pool", "create NAME SIZE [static N] [ctor] | alloc NAME [COUNT] | "
      "free NAME ADDR | destroy NAME", 7,
      "fixed-size object pools (slabs)", "pool create inode 200 ctor",
      monitor_cmd_pool },
    { "trace", "[buddy,kmalloc,pool|off]", 2,
      "one line per allocator event", "trace buddy", cmd_trace },
    { "poison", "[buddy,kmalloc,pool|off]", 2,
      "poison freed memory of new pools", "poison pool", cmd_poison },
    { "guard", "[on|off]", 2,
      "guard bytes after blocks of new heaps", "guard on", cmd_guard },
    { "debug", "[on|off]", 2,
      "make bad input to an allocator panic", "debug off", cmd_debug },
    { "stress", "buddy|kmalloc|pool N [SEED]", 4,
      "N random operations against a shadow model", "stress kmalloc 10000 7",
      monitor_cmd_stress },
    { "frag", "", 1,
      "fragment memory, show it, merge it back", "frag", monitor_cmd_frag },
    { "selftest", "[NAMES]", 2,
      "run the self-tests (all, or a comma list)", "selftest buddy",
      cmd_selftest },
    { "bench", "", 1,
      "run the in-kernel benchmarks", "bench", cmd_bench },
    { "replay", "[N] [corrupt LINE]", 4,
      "replay boot module N (default 0) as an allocation trace", "replay",
      cmd_replay },
    { "echo", "[TEXT]", 16,
      "print TEXT", "echo hello", cmd_echo },
    { "exit", "[fail]", 2,
      "leave QEMU with success (or failure)", "exit", cmd_exit },
    { NULL, NULL, 0, NULL, NULL, NULL },
};

const struct monitor_cmd *
monitor_find(const char *name)
{
    const struct monitor_cmd *c;

    for (c = monitor_cmds; c->name != NULL; c++)
        if (kstreq(c->name, name))
            return c;
    return NULL;
}

void
monitor_print_usage(const struct monitor_cmd *c)
{
    kprintf("usage: %s%s%s\n", c->name, c->args[0] ? " " : "", c->args);
}

static enum monitor_result
cmd_help(int argc, char **argv)
{
    const struct monitor_cmd *c;

    if (argc > 1) {
        if ((c = monitor_find(argv[1])) == NULL)
            return monitor_error("unknown command \"%s\"", argv[1]);
        monitor_print_usage(c);
        kprintf("help: %s\n", c->synopsis);
        kprintf("example: %s\n", c->example);
        return MON_OK;
    }
    for (c = monitor_cmds; c->name != NULL; c++)
        kprintf("help: %-9s %s\n", c->name, c->synopsis);
    kprintf("help: numbers are decimal or 0x hex; sizes take K or M; "
            "$ is the last address printed\n");
    return MON_OK;
}

/* ---- running a line ------------------------------------------------- */

/* Splits line in place at spaces; returns the word count or -1. */
static int
split_words(char *line, char **argv)
{
    int argc = 0;

    for (;;) {
        while (*line == ' ' || *line == '\t')
            *line++ = '\0';
        if (*line == '\0')
            return argc;
        if (argc == MONITOR_MAX_ARGS)
            return -1;
        argv[argc++] = line;
        while (*line != '\0' && *line != ' ' && *line != '\t')
            line++;
    }
}

void
monitor_exec(char *line)
{
    char *argv[MONITOR_MAX_ARGS];
    const struct monitor_cmd *c;
    int argc = split_words(line, argv);

    if (argc < 0) {
        monitor_error("more than %u words", MONITOR_MAX_ARGS);
        return;
    }
    if (argc == 0 || argv[0][0] == '#')     /* empty, or a comment */
        return;
    if ((c = monitor_find(argv[0])) == NULL) {
        monitor_error("unknown command \"%s\"", argv[0]);
        monitor_print_usage(monitor_find("help"));
        return;
    }
    if (argc > c->max_words) {
        monitor_error("too many arguments to %s", c->name);
        monitor_print_usage(c);
        return;
    }
    if (c->run(argc, argv) != MON_OK)
        monitor_print_usage(c);
}
