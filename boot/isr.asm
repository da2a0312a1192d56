; boot/isr.asm - interrupt entry stubs and segment reloading.
;
; The CPU pushes an error code for some exceptions and not for others.
; Each stub makes the stack look the same either way (pushing 0 where the
; CPU did not), pushes its vector number, saves the general registers and
; calls trap_dispatch(struct trap_frame *).  The layout of what ends up
; on the stack is struct trap_frame in kernel/cpu.h:
;
;   high  ss, esp        (only on a privilege change: never here)
;         eflags, cs, eip              <- pushed by the CPU
;         error code                   <- by the CPU or by the stub
;         vector                       <- by the stub
;         eax ecx edx ebx esp ebp esi edi  <- pusha
;   low   ds                           <- esp points here at the call

section .text

; Exceptions 8, 10-14, 17, 21, 29 and 30 push an error code.
%macro TRAP_NOERR 1
trap_stub_%1:
        push dword 0
        push dword %1
        jmp trap_common
%endmacro

%macro TRAP_ERR 1
trap_stub_%1:
        push dword %1
        jmp trap_common
%endmacro

%assign v 0
%rep 48
  %if v == 8 || (v >= 10 && v <= 14) || v == 17 || v == 21 || v == 29 || v == 30
    TRAP_ERR v
  %else
    TRAP_NOERR v
  %endif
  %assign v v + 1
%endrep

extern trap_dispatch
trap_common:
        pusha
        xor eax, eax
        mov ax, ds
        push eax
        mov ax, 0x10            ; kernel data selector
        mov ds, ax
        mov es, ax
        push esp                ; trap_dispatch(frame)
        cld
        call trap_dispatch
        add esp, 4
        pop eax
        mov ds, ax
        mov es, ax
        popa
        add esp, 8              ; drop vector and error code
        iret

; The table of stub addresses that kernel/cpu.c puts into the IDT.
section .rodata
global trap_stubs
trap_stubs:
%assign v 0
%rep 48
        dd trap_stub_ %+ v
  %assign v v + 1
%endrep

section .text
; gdt_load(const struct gdt_ptr *p): loads the GDT and reloads every
; segment register, CS through a far jump.
global gdt_load
gdt_load:
        mov eax, [esp + 4]
        lgdt [eax]
        mov ax, 0x10
        mov ds, ax
        mov es, ax
        mov fs, ax
        mov gs, ax
        mov ss, ax
        jmp 0x08:.reload_cs
.reload_cs:
        ret
