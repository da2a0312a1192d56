/*
 * drivers/serial.c - COM1 16550 UART at 115200 baud, 8N1, polled.
 *
 * Polled means we never take an interrupt: to send we wait until the
 * transmit holding register is empty (line status bit 5), then write the
 * byte; to receive we look at "data ready" (bit 0).  serial_flush waits
 * for the transmitter to be completely idle (bit 6), so every byte has
 * left the UART before the kernel exits QEMU.
 *
 * Register map, offsets from the base port 0x3F8 (DLAB = divisor latch
 * access bit, in the line control register):
 *   +0 data (DLAB=0) / divisor low (DLAB=1)
 *   +1 interrupt enable (DLAB=0) / divisor high (DLAB=1)
 *   +2 FIFO control      +3 line control
 *   +4 modem control     +5 line status
 */
#include "serial.h"

#include "../kernel/io.h"

#define COM1            0x3F8
#define REG_DATA        0
#define REG_IER         1
#define REG_FCR         2
#define REG_LCR         3
#define REG_MCR         4
#define REG_LSR         5

#define LCR_8N1         0x03    /* 8 data bits, no parity, 1 stop bit */
#define LCR_DLAB        0x80
#define FCR_ENABLE      0xC7    /* enable and clear FIFOs, 14-byte level */
#define MCR_DTR_RTS     0x03
#define LSR_DATA_READY  0x01
#define LSR_THR_EMPTY   0x20
#define LSR_IDLE        0x40

#define BAUD_DIVISOR    1       /* 115200 / 1 */

static bool serial_ready;

void
serial_init(void)
{
    outb(COM1 + REG_IER, 0x00);             /* no interrupts */
    outb(COM1 + REG_LCR, LCR_DLAB);
    outb(COM1 + REG_DATA, BAUD_DIVISOR & 0xFF);
    outb(COM1 + REG_IER, BAUD_DIVISOR >> 8);
    outb(COM1 + REG_LCR, LCR_8N1);
    outb(COM1 + REG_FCR, FCR_ENABLE);
    outb(COM1 + REG_MCR, MCR_DTR_RTS);
    serial_ready = true;
}

void
serial_putc(char c)
{
    if (!serial_ready)
        return;
    if (c == '\n')
        serial_putc('\r');
    while ((inb(COM1 + REG_LSR) & LSR_THR_EMPTY) == 0)
        ;
    outb(COM1 + REG_DATA, (unsigned char)c);
}

bool
serial_getc(char *c)
{
    if (!serial_ready || (inb(COM1 + REG_LSR) & LSR_DATA_READY) == 0)
        return false;
    *c = (char)inb(COM1 + REG_DATA);
    return true;
}

void
serial_flush(void)
{
    if (!serial_ready)
        return;
    while ((inb(COM1 + REG_LSR) & LSR_IDLE) == 0)
        ;
}
