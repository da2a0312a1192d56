/*
 * kernel/crash.c - deliberate faults, to see (and test) the exception
 * report: crash=divide, crash=ud, crash=gp, crash=panic, crash=assert.
 */
#include "kernel.h"

static void
crash_divide(void)
{
    /* A divide by zero the compiler cannot see or remove. */
    __asm__ volatile("xor %%ecx, %%ecx; div %%ecx" : : : "eax", "ecx",
                     "edx");
}

static void
crash_ud(void)
{
    __asm__ volatile("ud2");
}

static void
crash_gp(void)
{
    /* Selector 0x1230 (GDT index 0x246) is far past our 3-entry GDT, so
     * loading it raises #GP with the selector as error code. */
    __asm__ volatile("mov $0x1230, %%ax; mov %%ax, %%ds" : : : "eax");
}

static void
crash_panic(void)
{
    panic("crash: deliberate panic");
}

static void
crash_assert(void)
{
    volatile int one = 1;

    kassert(one == 2);
}

static const struct {
    const char *name;
    void (*fn)(void);
} crash_kinds[] = {
    { "divide", crash_divide },
    { "ud", crash_ud },
    { "gp", crash_gp },
    { "panic", crash_panic },
    { "assert", crash_assert },
};

void
crash_raise(const char *what)
{
    size_t i;

    for (i = 0; i < sizeof crash_kinds / sizeof crash_kinds[0]; i++) {
        if (kstreq(what, crash_kinds[i].name)) {
            kprintf("crash: raising %s\n", what);
            crash_kinds[i].fn();
            panic("crash: %s raised no exception", what);
        }
    }
    panic("crash: unknown kind \"%s\" (known: divide, ud, gp, panic, "
          "assert)", what);
}
