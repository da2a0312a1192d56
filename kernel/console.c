/*
 * kernel/console.c - kprintf: format once, write to serial and VGA.
 *
 * Characters go out one at a time through kformat's callback, so a line
 * of any length needs no buffer.  Interrupts are off while a call prints,
 * so lines from an interrupt handler can never be torn apart.
 * console_putc sends one character the same way: the line editor
 * (kernel/monitor.c) echoes what is typed with it, so the VGA screen
 * mirrors the session just as the serial line shows it.
 */
#include "kernel.h"

#include "../drivers/serial.h"
#include "../drivers/vga.h"
#include "format.h"
#include "io.h"

static void
console_out(char c, void *ctx)
{
    (void)ctx;
    serial_putc(c);
    vga_putc(c);
}

int
kvprintf(const char *fmt, va_list ap)
{
    unsigned long flags = irq_save();
    int n = kformat(console_out, NULL, fmt, ap);

    irq_restore(flags);
    return n;
}

int
kprintf(const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = kvprintf(fmt, ap);
    va_end(ap);
    return n;
}

void
console_putc(char c)
{
    unsigned long flags = irq_save();

    console_out(c, NULL);
    irq_restore(flags);
}
