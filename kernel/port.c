/*
 * kernel/port.c - mm/port.h inside the kernel.
 *
 * mm/ prints through kprintf, panics through panic(), locks by turning
 * interrupts off (one CPU), and gets scratch memory for its self-tests
 * from the kernel's page allocator.
 */
#include "../mm/port.h"
#include "../mm/test.h"
#include "format.h"
#include "io.h"
#include "kernel.h"

struct mm_switches mm_switch = {
    .poison = MM_POISON_DEFAULT,
    .guard = MM_GUARD_DEFAULT,
};

void
mm_assert_fail(const char *file, int line, const char *expr)
{
    panic_at(file, line, "assertion failed: %s", expr);
}

void
mm_panic(const char *fmt, ...)
{
    char msg[192];
    va_list ap;

    va_start(ap, fmt);
    if (mm_test_caught_panic(fmt, ap)) {
        va_end(ap);
        return;
    }
    va_end(ap);
    va_start(ap, fmt);
    kvsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    panic("%s", msg);
}

void
mm_vprint(const char *fmt, va_list ap)
{
    if (mm_test_caught_print(fmt, ap))
        return;
    kvprintf(fmt, ap);
}

void
mm_print(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    mm_vprint(fmt, ap);
    va_end(ap);
}

int
mm_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    return kvsnprintf(buf, size, fmt, ap);
}

void *
mm_memset(void *dst, int c, size_t n)
{
    return memset(dst, c, n);
}

void *
mm_memcpy(void *dst, const void *src, size_t n)
{
    return memcpy(dst, src, n);
}


/* The order of the smallest power-of-two page block holding bytes. */
static unsigned
scratch_order(size_t bytes)
{
    unsigned order = 0;

    while ((MM_PAGE << order) < bytes)
        order++;
    return order;
}

void *
mm_scratch_alloc(size_t bytes)
{
    return kernel_pages_alloc(scratch_order(bytes));
}

void
mm_scratch_free(void *p, size_t bytes)
{
    (void)bytes;
    kernel_pages_free(p);
}

/* The kernel runs each self-test in place: a panic ends the boot. */
bool
mm_test_isolated(mm_test_one_fn *run, const struct mm_test *d,
                 mm_test_after_fn *after, const char *prefix)
{
    (void)prefix;
    return run(d, after);
}
