/*
 * kernel/crash.c - deliberate faults, to see (and test) the exception
 * report: crash=divide, crash=ud, crash=gp, crash=panic, crash=assert.
 * Two more show what "make test" does when a kernel cannot report at
 * all: crash=triple (a fault with no IDT: the CPU resets, and QEMU,
 * started with -no-reboot, stops) and crash=hang (interrupts off, halt:
 * only the test's timeout ends it).
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
crash_triple(void)
{
    /* An IDT of limit 0: the breakpoint cannot be delivered, nor the
     * double fault that follows, so the CPU shuts down. */
    static const struct {
        uint16_t limit;
        uint32_t base;
    } __attribute__((packed)) no_idt = { 0, 0 };

    __asm__ volatile("lidt %0; int3" : : "m"(no_idt));
}

static void
crash_hang(void)
{
    for (;;)
        __asm__ volatile("cli; hlt");
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
    { "triple", crash_triple },
    { "hang", crash_hang },
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
          "assert, triple, hang)", what);
}
