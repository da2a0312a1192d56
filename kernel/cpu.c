/*
 * kernel/cpu.c - our own GDT and IDT, the 8259 PICs, and the trap handler.
 *
 * GRUB leaves a GDT we must not rely on, so we load a flat one: a code
 * and a data segment covering all 4 GiB.  The IDT sends vectors 0-31
 * (CPU exceptions) and 32-47 (hardware interrupts) to the stubs in
 * boot/isr.asm.  The PICs power up delivering IRQs 0-7 on vectors 8-15,
 * the same numbers as CPU exceptions (IRQ 0, the timer, would look like a
 * double fault), so we move them to 32-47 and mask every line.  The one
 * line kmemlab unmasks is IRQ 4, COM1's receive interrupt (vector 36),
 * for the console's input (drivers/serial.c).  Any other IRQ that
 * arrives - a masked line cannot, but a spurious IRQ 7 or 15 can - is
 * reported on a line of its own and counted, never silently dropped.
 *
 * An exception prints its name and vector, the error code, EIP, CS,
 * EFLAGS, CR2 for a page fault, and the general registers, then exits
 * QEMU with the failure status.
 */
#include "cpu.h"

#include "../drivers/serial.h"
#include "io.h"
#include "kernel.h"

#define GDT_CODE_SEL    0x08
#define IDT_VECTORS     48
#define IDT_INT_GATE    0x8E    /* present, ring 0, 32-bit interrupt gate */

#define PIC1_CMD        0x20
#define PIC1_DATA       0x21
#define PIC2_CMD        0xA0
#define PIC2_DATA       0xA1
#define PIC_ICW1        0x11    /* initialise, ICW4 follows, cascade */
#define PIC_ICW4_8086   0x01
#define PIC_EOI         0x20
#define PIC_READ_ISR    0x0B    /* OCW3: next read gives in-service bits */
#define PIC1_VECTOR     32
#define PIC2_VECTOR     40

struct gdt_ptr {
    uint16_t limit;
    uint32_t base;
} __attribute__((packed));

struct idt_entry {
    uint16_t offset_low;
    uint16_t selector;
    uint8_t zero;
    uint8_t type_attr;
    uint16_t offset_high;
} __attribute__((packed));

/*
 * Descriptor encodings: base 0, limit 0xFFFFF in 4 KiB units (4 GiB),
 * 32-bit.  0x9A = present, ring 0, code, readable; 0x92 = data, writable;
 * 0xCF = 4 KiB granularity, 32-bit, limit bits 16-19 = 0xF.
 */
static const uint64_t gdt[] = {
    0,                          /* 0x00: the required null descriptor */
    0x00CF9A000000FFFFULL,      /* 0x08: kernel code */
    0x00CF92000000FFFFULL,      /* 0x10: kernel data */
};

static struct idt_entry idt[IDT_VECTORS];
static unsigned long irq_unexpected;    /* IRQs that no driver asked for */

extern const uint32_t trap_stubs[IDT_VECTORS];   /* boot/isr.asm */
void gdt_load(const struct gdt_ptr *p);

static const char *const exception_names[32] = {
    "divide error", "debug", "non-maskable interrupt", "breakpoint",
    "overflow", "bound range exceeded", "invalid opcode",
    "device not available", "double fault", "coprocessor segment overrun",
    "invalid TSS", "segment not present", "stack-segment fault",
    "general protection fault", "page fault", "reserved",
    "x87 floating-point error", "alignment check", "machine check",
    "SIMD floating-point error", "virtualization exception",
    "control protection exception", "reserved", "reserved", "reserved",
    "reserved", "reserved", "reserved", "hypervisor injection exception",
    "VMM communication exception", "security exception", "reserved",
};

static void
pic_remap_and_mask(void)
{
    outb(PIC1_CMD, PIC_ICW1);
    io_wait();
    outb(PIC2_CMD, PIC_ICW1);
    io_wait();
    outb(PIC1_DATA, PIC1_VECTOR);   /* ICW2: vector base */
    io_wait();
    outb(PIC2_DATA, PIC2_VECTOR);
    io_wait();
    outb(PIC1_DATA, 4);             /* ICW3: slave on IRQ 2 */
    io_wait();
    outb(PIC2_DATA, 2);             /* ICW3: slave identity */
    io_wait();
    outb(PIC1_DATA, PIC_ICW4_8086);
    io_wait();
    outb(PIC2_DATA, PIC_ICW4_8086);
    io_wait();
    outb(PIC1_DATA, 0xFF);          /* mask every line */
    outb(PIC2_DATA, 0xFF);
}

static void
idt_init(void)
{
    struct gdt_ptr p = { sizeof idt - 1, (uint32_t)(uintptr_t)idt };
    unsigned v;

    for (v = 0; v < IDT_VECTORS; v++) {
        idt[v].offset_low = trap_stubs[v] & 0xFFFF;
        idt[v].selector = GDT_CODE_SEL;
        idt[v].zero = 0;
        idt[v].type_attr = IDT_INT_GATE;
        idt[v].offset_high = trap_stubs[v] >> 16;
    }
    __asm__ volatile("lidt %0" : : "m"(p));
}

void
cpu_init(void)
{
    struct gdt_ptr p = { sizeof gdt - 1, (uint32_t)(uintptr_t)gdt };

    gdt_load(&p);
    idt_init();
    pic_remap_and_mask();
}

static uint32_t
read_cr2(void)
{
    uint32_t v;

    __asm__ volatile("mov %%cr2, %0" : "=r"(v));
    return v;
}

/*
 * Unmasks one IRQ line (0-7, master PIC only: the console needs no
 * more).  Every other line keeps its mask bit.
 */
void
irq_unmask(unsigned irq)
{
    unsigned long flags = irq_save();

    if (irq < 8)
        outb(PIC1_DATA, inb(PIC1_DATA) & ~(1u << irq));
    irq_restore(flags);
}

unsigned long
irq_unexpected_count(void)
{
    return irq_unexpected;
}

/* Is IRQ line irq (0-15) really in service, or was it spurious? */
static bool
irq_in_service(unsigned irq)
{
    uint16_t cmd = irq < 8 ? PIC1_CMD : PIC2_CMD;

    outb(cmd, PIC_READ_ISR);
    return (inb(cmd) >> (irq & 7)) & 1;
}

/*
 * A masked line can still deliver a "spurious" IRQ 7 or 15, which no
 * chip has in service and which must get no EOI from its own chip (the
 * master still gets one for a spurious IRQ 15, which came through it).
 * An IRQ nobody unmasked is reported and counted; a real one gets its
 * EOI so the PIC can deliver the next.
 */
static void
irq_unexpected_report(unsigned irq)
{
    bool spurious = (irq == 7 || irq == 15) && !irq_in_service(irq);

    irq_unexpected++;
    kprintf("irq: unexpected %sIRQ %u (vector %u)\n",
            spurious ? "spurious " : "", irq, irq + PIC1_VECTOR);
    if (irq >= 8 && !spurious)
        outb(PIC2_CMD, PIC_EOI);
    if (irq >= 8 || !spurious)
        outb(PIC1_CMD, PIC_EOI);
}

static void
irq_dispatch(unsigned irq)
{
    if (irq == SERIAL_IRQ) {
        serial_irq();
        outb(PIC1_CMD, PIC_EOI);
        return;
    }
    irq_unexpected_report(irq);
}

void
trap_dispatch(struct trap_frame *f)
{
    if (f->vector >= PIC1_VECTOR) {
        irq_dispatch(f->vector - PIC1_VECTOR);
        return;
    }
    kprintf("exception: %s (vector %u)\n", exception_names[f->vector],
            f->vector);
    kprintf("exception: error code 0x%08x\n", f->error_code);
    kprintf("exception: eip 0x%08x cs 0x%04x eflags 0x%08x\n", f->eip,
            f->cs, f->eflags);
    if (f->vector == 14)
        kprintf("exception: cr2 0x%08x (faulting address)\n", read_cr2());
    kprintf("exception: eax 0x%08x ebx 0x%08x ecx 0x%08x edx 0x%08x\n",
            f->eax, f->ebx, f->ecx, f->edx);
    kprintf("exception: esi 0x%08x edi 0x%08x ebp 0x%08x esp 0x%08x\n",
            f->esi, f->edi, f->ebp, f->esp_at_pusha + 12);
    kernel_exit(false);
}
