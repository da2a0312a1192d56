# Makefile - builds, boots and tests kmemlab.  "make help" lists targets.
#
# One non-recursive Makefile.  The kernel is built with the i686 cross
# compiler; the same mm/ sources (and the freestanding parts of kernel/)
# are built natively with AddressSanitizer and UBSan into build/hosttest.

MAKEFLAGS += --no-builtin-rules
.SUFFIXES:
.DELETE_ON_ERROR:

# Knobs: make run MEM=512M ARGS="trace=buddy quiet" VGA=1
MEM ?= 128M
ARGS ?=
VGA ?= 0
TIMEOUT ?= 300
POISON ?= 0
GUARD ?= 0

CROSS ?= i686-linux-gnu-
KCC := $(CROSS)gcc
NASM ?= nasm
HOSTCC ?= gcc
QEMU ?= qemu-system-i386

ifeq ($(V),1)
Q :=
else
Q := @
endif

BOOT_SRCS := \
	boot/entry.asm \
	boot/isr.asm

DRIVER_SRCS := \
	drivers/qemu_exit.c \
	drivers/serial.c \
	drivers/vga.c

# Kernel sources that are freestanding and also run in the host tests.
KLIB_SRCS := \
	kernel/cmdline.c \
	kernel/cmdline_test.c \
	kernel/format.c \
	kernel/format_test.c

KERNEL_SRCS := \
	kernel/bench.c \
	kernel/buddy_boot.c \
	kernel/console.c \
	kernel/cpu.c \
	kernel/crash.c \
	kernel/kheap_boot.c \
	kernel/lib.c \
	kernel/main.c \
	kernel/memmap_boot.c \
	kernel/panic.c \
	kernel/pool_boot.c \
	kernel/port.c

# mm/: every allocator and its tests; built into the kernel and the host.
MM_SRCS := \
	mm/bitmap_test.c \
	mm/buddy.c \
	mm/buddy_check.c \
	mm/buddy_debug.c \
	mm/buddy_report.c \
	mm/buddy_resize.c \
	mm/buddy_test.c \
	mm/buddy_zone.c \
	mm/err.c \
	mm/err_test.c \
	mm/kheap.c \
	mm/kheap_check.c \
	mm/kheap_debug.c \
	mm/kheap_extent.c \
	mm/kheap_large.c \
	mm/kheap_report.c \
	mm/kheap_resize.c \
	mm/kheap_test.c \
	mm/kmalloc.c \
	mm/list_test.c \
	mm/memmap.c \
	mm/memmap_test.c \
	mm/pool.c \
	mm/pool_check.c \
	mm/pool_debug.c \
	mm/pool_init.c \
	mm/pool_report.c \
	mm/pool_test.c \
	mm/table.c \
	mm/table_test.c \
	mm/test.c \
	mm/testpages.c

HOST_SRCS := \
	tests/host/main.c \
	tests/host/port.c

# Benchmarks: the allocators (no tests) at -O2 beside the baselines.
BENCH_SRCS := \
	tests/bench/baselines.c \
	tests/bench/bench.c \
	tests/host/port.c
BENCH_MM_SRCS := $(filter-out %_test.c mm/test.c mm/testpages.c,$(MM_SRCS))

BUILD ?= build
ELF := $(BUILD)/kmemlab.elf
ISO := $(BUILD)/kmemlab.iso
HOSTTEST := $(BUILD)/hosttest

KOBJS := $(BOOT_SRCS:%.asm=$(BUILD)/kernel/%.o) \
	$(patsubst %.c,$(BUILD)/kernel/%.o,$(DRIVER_SRCS) $(KLIB_SRCS) \
		$(KERNEL_SRCS) $(MM_SRCS))
HOBJS := $(patsubst %.c,$(BUILD)/host/%.o,$(KLIB_SRCS) $(MM_SRCS) \
	$(HOST_SRCS))
BOBJS := $(patsubst %.c,$(BUILD)/bench/%.o,$(BENCH_SRCS) $(BENCH_MM_SRCS))
BENCH := $(BUILD)/bench/bench

WARN := -Wall -Wextra -Werror
KCFLAGS := -m32 -march=i686 -std=gnu11 -O2 -g -ffreestanding -fno-pie \
	-fno-pic -fno-stack-protector -fno-omit-frame-pointer \
	-fno-asynchronous-unwind-tables -mno-sse -mno-mmx -fno-toplevel-reorder \
	-DMM_KERNEL \
	-DMM_POISON_DEFAULT=$(POISON) -DMM_GUARD_DEFAULT=$(GUARD) \
	$(WARN) -MMD -MP
KLDFLAGS := -m32 -nostdlib -static -no-pie -T linker.ld \
	-Wl,--build-id=none -Wl,-z,noexecstack -Wl,--no-warn-rwx-segments
HCFLAGS := -std=gnu11 -O1 -g -fsanitize=address,undefined -fno-toplevel-reorder \
	-fno-sanitize-recover=all -fno-omit-frame-pointer -DMM_HOST \
	$(WARN) -MMD -MP
BCFLAGS := -std=gnu11 -O2 -g -DMM_HOST -DMM_BENCH $(WARN) -MMD -MP

# A missing tool stops the build with one line naming its package.
need = $(if $(shell command -v $(1) 2>/dev/null),,$(error $(1) not found: \
	install the Debian package $(2), or run tools/deps.sh))

# "make run", "make test" and kin install whatever is missing first.
ifneq ($(filter run test debug bench bench-count,$(MAKECMDGOALS)),)
ifneq ($(shell tools/deps.sh >&2; echo $$?),0)
$(error tools/deps.sh could not install the tools; see above)
endif
endif

QEMU_FLAGS := -m $(MEM) -no-reboot -serial mon:stdio \
	-device isa-debug-exit,iobase=0xf4,iosize=0x04
ifneq ($(VGA),1)
QEMU_FLAGS += -display none
endif

.PHONY: all
all: $(ELF) $(ISO)

$(BUILD)/kernel/%.o: %.asm Makefile
	$(call need,$(NASM),nasm)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  NASM    $<")
	$(Q)$(NASM) -f elf32 -g -F dwarf -MD $(@:.o=.d) -MP -o $@ $<

$(BUILD)/kernel/%.o: %.c Makefile
	$(call need,$(KCC),gcc-i686-linux-gnu)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(KCC) $(KCFLAGS) -c -o $@ $<

$(ELF): $(KOBJS) linker.ld
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(KCC) $(KLDFLAGS) -o $@ $(KOBJS) -lgcc
	$(call need,grub-file,grub-common)
	$(Q)grub-file --is-x86-multiboot $@ || \
		{ echo "$@ is not a Multiboot v1 kernel"; exit 1; }

$(ISO): $(ELF) iso/grub.cfg tools/mkiso.sh
	$(call need,grub-mkrescue,grub-pc-bin grub-common xorriso mtools)
	@$(if $(Q),echo "  ISO     $@")
	$(Q)tools/mkiso.sh $(ELF) $@ ""

$(BUILD)/host/%.o: %.c Makefile
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  HOSTCC  $<")
	$(Q)$(HOSTCC) $(HCFLAGS) -c -o $@ $<

$(HOSTTEST): $(HOBJS)
	@$(if $(Q),echo "  HOSTLD  $@")
	$(Q)$(HOSTCC) $(HCFLAGS) -o $@ $(HOBJS)

$(BUILD)/bench/%.o: %.c Makefile
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  BENCHCC $<")
	$(Q)$(HOSTCC) $(BCFLAGS) -c -o $@ $<

$(BENCH): $(BOBJS)
	@$(if $(Q),echo "  BENCHLD $@")
	$(Q)$(HOSTCC) $(BCFLAGS) -o $@ $(BOBJS)

# make bench: host timings against the baselines, instruction counts
# under callgrind, and the in-kernel benchmarks under QEMU -icount.
.PHONY: bench
bench: $(BENCH) $(ELF)
	$(Q)BUILD=$(BUILD) QEMU=$(QEMU) tools/bench.sh all

# make bench-count: the callgrind instruction counts alone.
.PHONY: bench-count
bench-count: $(BENCH)
	$(Q)BUILD=$(BUILD) tools/bench.sh count

.PHONY: hosttest
hosttest: $(HOSTTEST)
	$(HOSTTEST) $(T)

# make run: boot the ISO, serial on this terminal (quit: Ctrl-A x).
# The kernel's success status (33, see drivers/qemu_exit.h) counts as 0.
.PHONY: run
run: $(ISO)
	$(Q)iso=$(ISO); if [ -n "$(ARGS)" ]; then iso=$(BUILD)/run.iso; \
		tools/mkiso.sh $(ELF) $$iso "$(ARGS)"; fi; \
		$(QEMU) $(QEMU_FLAGS) -cdrom $$iso; status=$$?; \
		[ $$status -ne 33 ] || status=0; exit $$status

# make debug: QEMU waits for gdb on :1234; in another terminal run
# "gdb -x tools/gdbinit" to load symbols and stop at kmain.
.PHONY: debug
debug: $(ISO)
	$(Q)iso=$(ISO); if [ -n "$(ARGS)" ]; then iso=$(BUILD)/run.iso; \
		tools/mkiso.sh $(ELF) $$iso "$(ARGS)"; fi; \
		echo "QEMU is halted; now run: gdb -x tools/gdbinit"; \
		$(QEMU) $(QEMU_FLAGS) -cdrom $$iso -s -S

.PHONY: test
test: $(ISO) $(HOSTTEST)
	$(Q)BUILD=$(BUILD) QEMU=$(QEMU) TIMEOUT=$(TIMEOUT) tools/test.sh

.PHONY: clean
clean:
	rm -rf $(BUILD)

.PHONY: help
help:
	@echo "kmemlab make targets:"
	@echo "  all (default)  build $(ELF) and $(ISO)"
	@echo "  run            boot in QEMU, serial here (MEM=$(MEM) ARGS=... VGA=1)"
	@echo "  debug          boot halted, waiting for gdb -x tools/gdbinit"
	@echo "  test           host tests, in-kernel self-tests, crash checks"
	@echo "  hosttest       host tests only (T=filter, e.g. T=buddy)"
	@echo "  bench          timings, instruction counts, in-kernel cycles"
	@echo "  bench-count    the instruction counts (callgrind) alone"
	@echo "  clean          remove $(BUILD)/"
	@echo "  help           this list"
	@echo "Knobs: MEM ARGS VGA TIMEOUT QEMU BUILD V=1 (show commands),"
	@echo "       POISON=7 GUARD=1 (kernel debug defaults; see mm/port.h)"

-include $(KOBJS:.o=.d) $(HOBJS:.o=.d) $(BOBJS:.o=.d)
