/*
 * drivers/serial.h - COM1, a 16550 UART, polled.
 */
#ifndef DRIVERS_SERIAL_H
#define DRIVERS_SERIAL_H

#include <stdbool.h>

void serial_init(void);
void serial_putc(char c);
bool serial_getc(char *c);
void serial_flush(void);

#endif /* DRIVERS_SERIAL_H */
