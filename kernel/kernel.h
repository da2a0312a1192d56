/*
 * kernel/kernel.h - what the kernel's parts share: printing, panics,
 * boot options and the boot steps of each memory layer.
 */
#ifndef KERNEL_KERNEL_H
#define KERNEL_KERNEL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mm_pagesrc;          /* mm/pagesrc.h */
struct buddy;               /* mm/buddy.h */
struct memmap;              /* mm/memmap.h */

#define KMEMLAB_VERSION "0.1.0"

/* kernel/console.c: formatted output to serial and VGA at once. */
int kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int kvprintf(const char *fmt, va_list ap);
void console_putc(char c);

/* kernel/panic.c: report file:line and the message, then exit QEMU. */
void panic_at(const char *file, int line, const char *fmt, ...)
    __attribute__((noreturn, format(printf, 3, 4)));
#define panic(...) panic_at(__FILE__, __LINE__, __VA_ARGS__)
#define kassert(e)                                                      \
    ((e) ? (void)0 : panic_at(__FILE__, __LINE__, "assertion failed: %s", #e))
void kernel_exit(bool success) __attribute__((noreturn));

/* kernel/main.c: the boot options, parsed from the command line. */
struct kopts {
    bool quiet;                 /* summaries only, no detailed reports */
    bool exit;                  /* exit QEMU after the boot reports */
    bool selftest;              /* run self-tests, then exit */
    const char *selftest_only;  /* comma list of tests, or NULL for all */
    const char *crash;          /* deliberate fault to raise, or NULL */
    bool bench;                 /* run the in-kernel benchmarks */
    const char *run;            /* monitor script ("cmd; cmd"), or NULL */
    bool replay;                /* replay the trace modules, then exit */
};
extern struct kopts kopts;

/* kernel/lib.c: the C library functions the kernel needs. */
bool kstreq(const char *a, const char *b);
size_t kstrlen(const char *s);
void *memset(void *dst, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);

/* kernel/cpu.c: GDT, IDT, PIC; one IRQ line unmasked at a time. */
void cpu_init(void);
void irq_unmask(unsigned irq);
unsigned long irq_unexpected_count(void);

/* kernel/crash.c: raise the fault the "crash=" option names. */
void crash_raise(const char *what);

/*
 * The memory layers' boot steps, called by kmain in this order.  Each
 * prints its report lines unless kopts.quiet asks for summaries only.
 *
 * memmap_boot: read the Multiboot information, sanitise the map, reserve
 *   what is in use and keep the free regions (kernel/memmap_boot.c).
 * buddy_boot: hand every free region to the page allocator
 *   (kernel/buddy_boot.c).  kernel_pages_alloc/free are the kernel's
 *   page allocator from then on (alloc gives NULL before buddy_boot),
 *   and kernel_pagesrc() the same allocator as a page source for the
 *   layers above (mm/pagesrc.h).
 * kheap_boot: set up the global kmalloc heap (kernel/kheap_boot.c).
 * pool_boot: create the kernel's own slab pools (kernel/pool_boot.c).
 * X_report: print that layer's current state, after the boot steps
 *   and again after the self-tests (buddy, kheap and pool only: the
 *   memory map does not change after boot).
 */
void memmap_boot(uint32_t mbi_phys);
unsigned memmap_boot_nfree(void);
unsigned memmap_boot_nmodules(void);
void memmap_boot_module(unsigned i, uint64_t *start, uint64_t *end,
                        const char **string);
void memmap_boot_free(unsigned i, uintptr_t *base, size_t *size_bytes);
void buddy_boot(void);
void buddy_report(void);
struct buddy;               /* mm/buddy.h */
struct buddy *kernel_buddy_allocator(void);
struct memmap;              /* mm/memmap.h */
const struct memmap *memmap_boot_map(void);
void *kernel_pages_alloc(unsigned order);
void kernel_pages_free(void *addr);
const struct mm_pagesrc *kernel_pagesrc(void);
void kheap_boot(void);
void kheap_report(void);
void pool_boot(void);
void pool_report(void);
struct pool;                /* mm/pool.h */
struct pool *kpool_create(const char *name, size_t objsize, size_t align,
                          unsigned flags);
int kpool_destroy(struct pool *p);

/* kernel/bench.c: the "bench" option's in-kernel benchmarks. */
void bench_run(void);

/*
 * kernel/replay.c: replay boot module i as an allocation trace through
 * kmalloc, flipping a byte of the block allocated on trace line
 * corrupt_line (0: none) to test the check; true if it ran clean.
 * replay_boot, the "replay" option: every module; false if none.
 */
bool replay_module(unsigned i, unsigned long corrupt_line);
bool replay_boot(void);

#endif /* KERNEL_KERNEL_H */
