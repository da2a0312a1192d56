; boot/entry.asm - Multiboot v1 header and the kernel's first instructions.
;
; GRUB (or QEMU's -kernel loader) finds the header in the first 8 KiB of
; the image, loads the ELF at 1 MiB and jumps to _start in 32-bit protected
; mode with paging off, EAX = 0x2BADB002 and EBX = the physical address of
; the Multiboot information structure.  We set up a stack and call
; kmain(magic, mbi).  Nothing here touches memory GRUB handed over.
;
; The C code is built for the i686 (-march=i686) and uses its CMOV
; instructions.  On an older CPU the first one would be an invalid
; opcode, and so would the exception handler's, over and over; so
; check_cpu looks first (CPUID, leaf 1, EDX bit 15) and, without CMOV,
; says so on COM1 and stops QEMU with the failure status (35).

MB_MAGIC        equ 0x1BADB002
MB_PAGE_ALIGN   equ 1 << 0          ; load modules on 4 KiB boundaries
MB_MEMINFO      equ 1 << 1          ; pass mem_lower/upper and the map
MB_FLAGS        equ MB_PAGE_ALIGN | MB_MEMINFO
MB_CHECKSUM     equ -(MB_MAGIC + MB_FLAGS)

STACK_BYTES     equ 64 * 1024

EFLAGS_ID       equ 1 << 21         ; settable only if CPUID exists
CPUID_CMOV      equ 1 << 15         ; CPUID leaf 1, EDX: CMOV (i686)
COM1            equ 0x3F8           ; data; COM1 + 5: line status
LSR_THRE        equ 1 << 5          ; the transmitter takes a byte
QEMU_EXIT_PORT  equ 0xF4            ; isa-debug-exit (drivers/qemu_exit.h)
QEMU_EXIT_FAILURE equ 0x11

section .multiboot
align 4
        dd MB_MAGIC
        dd MB_FLAGS
        dd MB_CHECKSUM

section .bss
align 16
global boot_stack_bottom, boot_stack_top
boot_stack_bottom:
        resb STACK_BYTES
boot_stack_top:

section .text
global _start
extern kmain
_start:
        cli
        cld
        mov esp, boot_stack_top
        xor ebp, ebp            ; ends gdb's backtrace here
        push ebx                ; kmain(magic, mbi_phys)
        push eax
        call check_cpu          ; an older CPU stops here, saying why
        call kmain
.hang:                          ; kmain never returns; if it did, stop
        cli
        hlt
        jmp .hang

; Returns if the CPU has CMOV; else prints old_cpu on COM1 and stops.
; Clobbers eax, ecx, edx (ebx is kept, as the C calling convention asks).
check_cpu:
        pushfd                  ; CPUID exists if EFLAGS.ID can change
        pop eax
        mov ecx, eax
        xor eax, EFLAGS_ID
        push eax
        popfd
        pushfd
        pop eax
        push ecx                ; EFLAGS as it was
        popfd
        xor eax, ecx
        test eax, EFLAGS_ID
        jz .old
        push ebx                ; CPUID writes ebx
        mov eax, 1
        cpuid
        pop ebx
        test edx, CPUID_CMOV
        jz .old
        ret
.old:
        mov esi, old_cpu
.char:
        mov dx, COM1 + 5
.wait:
        in al, dx
        test al, LSR_THRE
        jz .wait
        lodsb
        test al, al
        jz .stop
        mov dx, COM1
        out dx, al
        jmp .char
.stop:
        mov al, QEMU_EXIT_FAILURE
        out QEMU_EXIT_PORT, al
        jmp _start.hang         ; without the device: halt

section .rodata
old_cpu:
        db "kmemlab: this CPU has no CMOV: the kernel needs an i686 "
        db "(Pentium Pro) or later", 13, 10, 0
