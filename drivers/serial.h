/*
 * drivers/serial.h - COM1, a 16550 UART: polled output, interrupt-driven
 * input into a ring buffer.
 */
#ifndef DRIVERS_SERIAL_H
#define DRIVERS_SERIAL_H

#include <stdbool.h>

#define SERIAL_IRQ          4       /* COM1's line on the master PIC */
#define SERIAL_RX_RING      1024    /* bytes of input buffered, a power
                                       of two */

void serial_init(void);
void serial_putc(char c);
bool serial_getc(char *c);
void serial_flush(void);

/* Input by interrupt: enable once, after the IDT and PIC are set up. */
void serial_rx_enable(void);
void serial_irq(void);
bool serial_rx_read(char *c);
bool serial_rx_pending(void);
unsigned long serial_rx_overruns(void);

#endif /* DRIVERS_SERIAL_H */
