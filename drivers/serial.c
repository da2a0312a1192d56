/*
 * drivers/serial.c - COM1 16550 UART at 115200 baud, 8N1.
 *
 * Output is polled: to send we wait until the transmit holding register
 * is empty (line status bit 5), then write the byte.  serial_flush waits
 * for the transmitter to be completely idle (bit 6), so every byte has
 * left the UART before the kernel exits QEMU.
 *
 * Input is interrupt-driven once serial_rx_enable() has run: the UART
 * raises IRQ 4 when a byte arrives, serial_irq() moves every byte waiting
 * in the UART's 16-byte FIFO into a ring buffer, and the console reads
 * the ring with serial_rx_read().  Before that, serial_getc() polls.
 *
 * Invariant: rx_tail <= rx_head <= rx_tail + SERIAL_RX_RING (free-running
 * counters; index = counter % SERIAL_RX_RING).  No byte is ever dropped:
 * when the ring is full the handler switches the receive interrupt off
 * and leaves the rest in the UART, whose full FIFO makes the sender wait
 * (QEMU holds back its input); the reader switches it on again once it
 * has made room.  Only a byte that overruns the UART itself is lost, and
 * that is counted (line status bit 1).
 * Bounds: an interrupt moves at most 16 bytes; a read is O(1).
 * Metadata: the ring, SERIAL_RX_RING bytes.
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
#define IER_RX          0x01    /* interrupt when a byte is received */
#define MCR_OUT2        0x08    /* routes the UART's interrupt to the PIC */
#define LSR_DATA_READY  0x01
#define LSR_OVERRUN     0x02
#define LSR_THR_EMPTY   0x20
#define LSR_IDLE        0x40

#define BAUD_DIVISOR    1       /* 115200 / 1 */

static bool serial_ready;

/*
 * The receive ring.  Only the interrupt handler advances rx_head and only
 * the reader advances rx_tail, so with one CPU neither needs a lock; the
 * reader turns interrupts off just to re-enable the receive interrupt.
 */
static volatile char rx_ring[SERIAL_RX_RING];
static volatile unsigned rx_head, rx_tail;
static volatile bool rx_throttled;      /* ring was full: IER_RX off */
static volatile unsigned long rx_overruns;

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

/* Polled input, for use before serial_rx_enable(). */
bool
serial_getc(char *c)
{
    if (!serial_ready || (inb(COM1 + REG_LSR) & LSR_DATA_READY) == 0)
        return false;
    *c = (char)inb(COM1 + REG_DATA);
    return true;
}

/*
 * Switches input to the interrupt: the UART signals each received byte
 * on IRQ 4 (the caller unmasks that line at the PIC).  OUT2 must be set
 * for the signal to leave the UART on a PC.
 */
void
serial_rx_enable(void)
{
    if (!serial_ready)
        return;
    outb(COM1 + REG_MCR, MCR_DTR_RTS | MCR_OUT2);
    outb(COM1 + REG_IER, IER_RX);
}

/*
 * IRQ 4: moves the bytes the UART holds into the ring until the UART is
 * empty or the ring is full; a full ring throttles (see the header).
 */
void
serial_irq(void)
{
    uint8_t lsr;

    while ((lsr = inb(COM1 + REG_LSR)) & LSR_DATA_READY) {
        if (lsr & LSR_OVERRUN)
            rx_overruns++;
        if (rx_head - rx_tail == SERIAL_RX_RING) {
            rx_throttled = true;
            outb(COM1 + REG_IER, 0);
            return;
        }
        rx_ring[rx_head % SERIAL_RX_RING] = (char)inb(COM1 + REG_DATA);
        rx_head++;
    }
}

/* Takes the oldest received byte; false if the ring is empty. */
bool
serial_rx_read(char *c)
{
    unsigned long flags;

    if (rx_head == rx_tail)
        return false;
    *c = rx_ring[rx_tail % SERIAL_RX_RING];
    rx_tail++;
    if (rx_throttled) {
        flags = irq_save();
        rx_throttled = false;
        outb(COM1 + REG_IER, IER_RX);
        serial_irq();           /* what waited while we were throttled */
        irq_restore(flags);
    }
    return true;
}

/* Is a byte waiting in the ring?  Call with interrupts off to sleep. */
bool
serial_rx_pending(void)
{
    return rx_head != rx_tail;
}

unsigned long
serial_rx_overruns(void)
{
    return rx_overruns;
}

void
serial_flush(void)
{
    if (!serial_ready)
        return;
    while ((inb(COM1 + REG_LSR) & LSR_IDLE) == 0)
        ;
}
