/*
 * drivers/qemu_exit.c - the isa-debug-exit device (see qemu_exit.h).
 *
 * Serial output is flushed first so the host sees every byte.  Without
 * the device (real hardware, or QEMU started without it) the write does
 * nothing and we halt with interrupts off: a clean stop, never a reboot.
 */
#include "qemu_exit.h"

#include "../kernel/io.h"
#include "serial.h"

#define QEMU_EXIT_PORT  0xF4

void
qemu_exit(unsigned code)
{
    serial_flush();
    outb(QEMU_EXIT_PORT, (uint8_t)code);
    for (;;)
        __asm__ volatile("cli; hlt");
}
