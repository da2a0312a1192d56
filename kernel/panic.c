/*
 * kernel/panic.c - the kernel's two ways out: panic and a clean exit.
 *
 * A panic prints "panic: file:line: message" and leaves QEMU with the
 * failure status (see drivers/qemu_exit.h), so a script sees it at once;
 * it never reboots and never hangs silently.
 */
#include "kernel.h"

#include "../drivers/qemu_exit.h"

static bool panicking;

void
kernel_exit(bool success)
{
    kprintf("kmemlab: exit %s\n", success ? "success" : "failure");
    qemu_exit(success ? QEMU_EXIT_SUCCESS : QEMU_EXIT_FAILURE);
}

void
panic_at(const char *file, int line, const char *fmt, ...)
{
    va_list ap;

    __asm__ volatile("cli");
    if (panicking)              /* a panic while printing a panic */
        qemu_exit(QEMU_EXIT_FAILURE);
    panicking = true;
    kprintf("panic: %s:%d: ", file, line);
    va_start(ap, fmt);
    kvprintf(fmt, ap);
    va_end(ap);
    kprintf("\n");
    kernel_exit(false);
}
