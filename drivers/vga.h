/*
 * drivers/vga.h - the VGA text console, 80x25, mirroring the serial output.
 */
#ifndef DRIVERS_VGA_H
#define DRIVERS_VGA_H

void vga_init(void);
void vga_putc(char c);

#endif /* DRIVERS_VGA_H */
