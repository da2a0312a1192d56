/*
 * kernel/io.h - x86 port I/O and a few single instructions, inline.
 *
 * "asm volatile" embeds an instruction the compiler must not move or drop;
 * the strings after the colons name its outputs, inputs and what it
 * clobbers ("a" = EAX/AL, "Nd" = DX or an 8-bit constant port).
 */
#ifndef KERNEL_IO_H
#define KERNEL_IO_H

#include <stdint.h>

static inline void
outb(uint16_t port, uint8_t val)
{
    __asm__ volatile("outb %0, %1" : : "a"(val), "Nd"(port));
}

static inline uint8_t
inb(uint16_t port)
{
    uint8_t val;

    __asm__ volatile("inb %1, %0" : "=a"(val) : "Nd"(port));
    return val;
}

static inline void
outw(uint16_t port, uint16_t val)
{
    __asm__ volatile("outw %0, %1" : : "a"(val), "Nd"(port));
}

/* Gives the bus time to settle between PIC commands (port 0x80 is unused). */
static inline void
io_wait(void)
{
    outb(0x80, 0);
}

static inline unsigned long
irq_save(void)
{
    unsigned long flags;

    __asm__ volatile("pushf; pop %0; cli" : "=r"(flags) : : "memory");
    return flags;
}

static inline void
irq_restore(unsigned long flags)
{
    __asm__ volatile("push %0; popf" : : "r"(flags) : "memory", "cc");
}

static inline uint64_t
rdtsc(void)
{
    uint32_t lo, hi;

    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

#endif /* KERNEL_IO_H */
