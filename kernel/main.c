/*
 * kernel/main.c - kmain: the boot sequence, from GRUB's jump to idle.
 *
 *   1. serial, VGA, GDT, IDT and PICs, so that anything after can print
 *      and any fault is reported;
 *   2. the banner and the command line options;
 *   3. the memory layers, bottom up: memory map, buddy page allocator,
 *      kmalloc heap, slab pools, each printing its report;
 *   4. what the options ask for: a deliberate crash, the self-tests, the
 *      benchmarks, a trace replay (kernel/replay.c), or exit; otherwise
 *      the monitor (kernel/monitor.c): the script of the "run=" option,
 *      if any, then the prompt.
 */
#include "../drivers/serial.h"
#include "../drivers/vga.h"
#include "../mm/port.h"
#include "../mm/test.h"
#include "cmdline.h"
#include "kernel.h"
#include "monitor.h"
#include "ledger.h"
#include "multiboot.h"

struct kopts kopts;

static struct cmdline kernel_cmdline;

static const char *const known_options[] = {
    "bench",        /* run the in-kernel benchmarks, then exit */
    "crash",        /* crash=divide|ud|gp|panic|assert|triple|hang */
    "debug",        /* bad input to an allocator panics */
    "exit",         /* exit QEMU after the boot reports */
    "guard",        /* kmalloc guard bytes after each block */
    "poison",       /* poison or poison=buddy,kmalloc,pool: fill freed
                       memory with a pattern, check it on reuse */
    "quiet",        /* summary lines only */
    "replay",       /* replay each module as an allocation trace through
                       kmalloc, then exit */
    "run",          /* run="cmd; cmd": monitor commands after the boot */
    "selftest",     /* selftest or selftest=name,name: run self-tests;
                       selftest=list: list them */
    "trace",        /* trace=buddy,kmalloc,pool: one line per event */
    NULL,
};

static void
cmdline_warn(const char *problem, const char *word)
{
    kprintf("cmdline: %s \"%s\"\n", problem, word);
}

/* The command line GRUB passed, or "" if it passed none. */
static const char *
boot_cmdline(uint32_t mbi_phys)
{
    const struct multiboot_info *mbi =
        (const struct multiboot_info *)(uintptr_t)mbi_phys;

    if ((mbi->flags & MULTIBOOT_INFO_CMDLINE) == 0)
        return "";
    return (const char *)(uintptr_t)mbi->cmdline;
}

/*
 * The bits a list of layer names selects: "buddy" -> bit 0, "kmalloc" ->
 * bit 1, "pool" -> bit 2, as MM_TRACE_* and MM_POISON_* both number them.
 * An unknown name in the list is reported.
 */
static unsigned
layer_bits(const char *option, const char *list)
{
    static const char *const layers[] = { "buddy", "kmalloc", "pool" };
    unsigned bits = 0, i;
    char word[16];

    while (cmdline_list_next(&list, word, sizeof word)) {
        for (i = 0; i < 3 && !kstreq(word, layers[i]); i++)
            ;
        if (i < 3)
            bits |= 1u << i;
        else
            kprintf("cmdline: unknown layer \"%s\" in %s\n", word, option);
    }
    return bits;
}

/* Parses the command line into kopts and the mm/ switches. */
static void
options_init(uint32_t mbi_phys)
{
    struct cmdline *c = &kernel_cmdline;
    const struct cmdline_opt *o;
    unsigned i;

    cmdline_parse(c, boot_cmdline(mbi_phys), cmdline_warn);
    cmdline_check_known(c, known_options, cmdline_warn);
    kprintf("cmdline: %u options", c->nopts);
    for (i = 0; i < c->nopts; i++)
        kprintf(i == 0 ? ": %s%s%s" : " %s%s%s", c->opt[i].key,
                c->opt[i].value ? "=" : "", c->opt[i].value ? c->opt[i].value
                                                            : "");
    kprintf("\n");
    kopts.quiet = cmdline_find(c, "quiet") != NULL;
    kopts.exit = cmdline_find(c, "exit") != NULL;
    kopts.bench = cmdline_find(c, "bench") != NULL;
    kopts.replay = cmdline_find(c, "replay") != NULL;
    if ((o = cmdline_find(c, "selftest")) != NULL) {
        kopts.selftest = true;
        kopts.selftest_only = o->value;
    }
    if ((o = cmdline_find(c, "run")) != NULL)
        kopts.run = o->value != NULL ? o->value : "";
    if ((o = cmdline_find(c, "crash")) != NULL)
        kopts.crash = o->value != NULL ? o->value : "";
    if ((o = cmdline_find(c, "trace")) != NULL)
        mm_switch.trace = layer_bits("trace", o->value);
    if ((o = cmdline_find(c, "poison")) != NULL)
        mm_switch.poison = o->value ? layer_bits("poison", o->value) : MM_POISON_ALL;
    if (cmdline_find(c, "guard") != NULL)
        mm_switch.guard = true;
    mm_switch.debug = cmdline_find(c, "debug") != NULL;
}

static void
reports(void)
{
    buddy_report();
    kheap_report();
    pool_report();
    ledger_report();
}

void __attribute__((noreturn))
kmain(uint32_t magic, uint32_t mbi_phys)
{
    int failed;

    serial_init();
    vga_init();
    cpu_init();
    kprintf("kmemlab " KMEMLAB_VERSION
            ": a teaching kernel for memory allocation (i686, Multiboot v1)"
            "\n");
    if (magic != MULTIBOOT_BOOTLOADER_MAGIC)
        panic("boot: magic 0x%08x is not Multiboot's 0x%08x", magic,
              MULTIBOOT_BOOTLOADER_MAGIC);
    options_init(mbi_phys);
    memmap_boot(mbi_phys);
    buddy_boot();
    kheap_boot();
    pool_boot();
    if (!kopts.quiet)
        reports();
    if (kopts.crash != NULL)
        crash_raise(kopts.crash);
    if (kopts.selftest && kopts.selftest_only != NULL &&
        kstreq(kopts.selftest_only, "list")) {
        mm_test_list("selftest");           /* selftest=list: names only */
        kernel_exit(true);
    }
    if (kopts.selftest) {
        failed = mm_test_run_with(kopts.selftest_only, "selftest",
                                  ledger_after_test);
        if (!kopts.quiet)
            reports();
        kernel_exit(failed == 0);
    }
    if (kopts.bench) {
        bench_run();
        kernel_exit(true);
    }
    if (kopts.replay)
        kernel_exit(replay_boot());
    if (kopts.exit && kopts.run == NULL)
        kernel_exit(true);
    monitor_run(kopts.run, kopts.exit);
}
