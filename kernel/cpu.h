/*
 * kernel/cpu.h - the register frame an interrupt stub builds.
 */
#ifndef KERNEL_CPU_H
#define KERNEL_CPU_H

#include <stdint.h>

/* What boot/isr.asm leaves on the stack, lowest address first. */
struct trap_frame {
    uint32_t ds;
    uint32_t edi, esi, ebp, esp_at_pusha, ebx, edx, ecx, eax; /* pusha */
    uint32_t vector;
    uint32_t error_code;        /* 0 where the CPU pushes none */
    uint32_t eip, cs, eflags;   /* pushed by the CPU */
};

void trap_dispatch(struct trap_frame *f);

#endif /* KERNEL_CPU_H */
