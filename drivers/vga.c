/*
 * drivers/vga.c - VGA text mode console at physical 0xB8000.
 *
 * The screen is 25 rows of 80 cells; each cell is a 16-bit word, the
 * character in the low byte and its colour in the high byte.  Text is
 * written at the cursor and the screen scrolls up one row when full.
 * The hardware cursor is moved through CRT controller registers 14/15.
 */
#include "vga.h"

#include <stdint.h>

#include "../kernel/io.h"

#define VGA_COLS        80
#define VGA_ROWS        25
#define VGA_ATTR        0x0700  /* light grey on black */
#define VGA_CRTC_INDEX  0x3D4
#define VGA_CRTC_DATA   0x3D5

static volatile uint16_t *const vga_mem = (volatile uint16_t *)0xB8000;
static unsigned vga_row, vga_col;

static void
vga_move_cursor(void)
{
    unsigned pos = vga_row * VGA_COLS + vga_col;

    outb(VGA_CRTC_INDEX, 14);
    outb(VGA_CRTC_DATA, (uint8_t)(pos >> 8));
    outb(VGA_CRTC_INDEX, 15);
    outb(VGA_CRTC_DATA, (uint8_t)pos);
}

static void
vga_scroll(void)
{
    unsigned i;

    for (i = 0; i < (VGA_ROWS - 1) * VGA_COLS; i++)
        vga_mem[i] = vga_mem[i + VGA_COLS];
    for (; i < VGA_ROWS * VGA_COLS; i++)
        vga_mem[i] = VGA_ATTR | ' ';
    vga_row = VGA_ROWS - 1;
}

void
vga_init(void)
{
    unsigned i;

    for (i = 0; i < VGA_ROWS * VGA_COLS; i++)
        vga_mem[i] = VGA_ATTR | ' ';
    vga_row = 0;
    vga_col = 0;
    vga_move_cursor();
}

void
vga_putc(char c)
{
    if (c == '\n') {
        vga_col = 0;
        vga_row++;
    } else if (c == '\r') {
        vga_col = 0;
    } else if (c == '\b') {
        if (vga_col > 0)
            vga_col--;
    } else {
        vga_mem[vga_row * VGA_COLS + vga_col] = VGA_ATTR | (uint8_t)c;
        if (++vga_col == VGA_COLS) {
            vga_col = 0;
            vga_row++;
        }
    }
    if (vga_row == VGA_ROWS)
        vga_scroll();
    vga_move_cursor();
}
