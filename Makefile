# Makefile - builds, boots and tests kmemlab.  "make help" lists targets.
#
# One non-recursive Makefile.  The kernel is built with the i686 cross
# compiler; the same mm/ sources (and the freestanding parts of kernel/)
# are built natively with AddressSanitizer and UBSan into build/hosttest.

MAKEFLAGS += --no-builtin-rules
.SUFFIXES:
.DELETE_ON_ERROR:

# Knobs: make run MEM=512M ARGS="trace=buddy quiet" VGA=1 ("make help")
MEM ?= 128M
ARGS ?=
VGA ?= 0
TIMEOUT ?= 300
T ?=
JOBS ?= 2
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
	mm/buddy.c \
	mm/buddy_test.c \
	mm/kheap.c \
	mm/kheap_test.c \
	mm/memmap.c \
	mm/memmap_test.c \
	mm/pool.c \
	mm/pool_test.c \
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

# The scripts behind run, debug, test and bench install what their task
# needs first (tools/deps.sh GROUP); the targets without a script of
# their own do it here.
DEPS_GROUPS := $(if $(filter bench-count,$(MAKECMDGOALS)),bench) \
	$(if $(filter hosttest,$(MAKECMDGOALS)),host) \
	$(if $(filter tests,$(MAKECMDGOALS)),test)
ifneq ($(strip $(DEPS_GROUPS)),)
ifneq ($(shell tools/deps.sh $(DEPS_GROUPS) >&2; echo $$?),0)
$(error tools/deps.sh could not install the tools; see above)
endif
endif

# Knobs reach the scripts as shell-quoted environment assignments of their
# raw text ($(value ...)): make would expand a '$' in an exported value,
# and pasting a value into a command would let ' | & ; " break it.
# A line break would split the command, so it becomes a space, and
# ARGS_LINE_BREAK=1 tells tools/run.sh to refuse ARGS that held one.
define newline


endef
shquote = '$(subst $(newline), ,$(subst ','\'',$(1)))'
KNOBS = MAKE="$(MAKE)" BUILD=$(call shquote,$(BUILD)) \
	QEMU=$(call shquote,$(QEMU)) MEM=$(call shquote,$(value MEM)) \
	ARGS=$(call shquote,$(value ARGS)) VGA=$(call shquote,$(VGA)) \
	ARGS_LINE_BREAK=$(if $(findstring $(newline),$(value ARGS)),1,0)
# make run has no time limit unless TIMEOUT is given; make test has 300 s.
RUN_TIMEOUT = $(if $(filter command% environment%,$(origin TIMEOUT)),$(TIMEOUT),0)

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
# The scripts build what they need themselves (with $(MAKE)), so that a
# build error is their status 5 too; tools/status.sh lists the statuses.
.PHONY: bench
bench:
	$(Q)$(KNOBS) tools/bench.sh all

# make bench-count: the callgrind instruction counts alone.
.PHONY: bench-count
bench-count: $(BENCH)
	$(Q)BUILD=$(BUILD) tools/bench.sh count

.PHONY: hosttest
hosttest: $(HOSTTEST)
	$(Q)$(HOSTTEST) $(call shquote,$(value T))

# make tests: the name of every test, for T=... and selftest=...
.PHONY: tests
tests: $(HOSTTEST) $(ELF)
	$(Q)BUILD=$(call shquote,$(BUILD)) QEMU=$(call shquote,$(QEMU)) \
		tools/tests.sh

# make run: boot, serial on this terminal (quit: Ctrl-A x); tools/run.sh.
.PHONY: run
run:
	$(Q)$(KNOBS) TIMEOUT=$(RUN_TIMEOUT) tools/run.sh run

# make debug: QEMU waits for gdb on :1234; in another terminal run
# "gdb -x tools/gdbinit" to load symbols and stop at kmain.
.PHONY: debug
debug:
	$(Q)$(KNOBS) TIMEOUT=$(RUN_TIMEOUT) tools/run.sh debug

.PHONY: test
test:
	$(Q)$(KNOBS) TIMEOUT=$(call shquote,$(TIMEOUT)) \
		JOBS=$(call shquote,$(JOBS)) tools/test.sh

.PHONY: clean
clean:
	rm -rf $(BUILD)

.PHONY: help
help:
	@echo "Targets (exit statuses: README.md, section Exit statuses):"
	@echo "  all (default)  build $(ELF) and $(ISO)"
	@echo "  run            build, boot in QEMU, serial here; quit: Ctrl-A x"
	@echo "  debug          as run, but halted until gdb -x tools/gdbinit attaches"
	@echo "  test           host tests, in-kernel self-tests, boot and crash checks"
	@echo "  hosttest       the self-tests natively under ASan and UBSan (T=...)"
	@echo "  tests          list every test's name (for T=... and selftest=...)"
	@echo "  bench          timings, instruction counts, in-kernel cycles"
	@echo "  bench-count    the instruction counts (callgrind) alone"
	@echo "  clean          remove $(BUILD)/"
	@echo "  help           this list"
	@echo "Knobs (make run MEM=512M ARGS='selftest=buddy'):"
	@echo "  MEM=size       memory for run/debug (default $(MEM)): 2M up; below 4M no GRUB"
	@echo "  ARGS=...       kernel options for run/debug; any character but a line break"
	@echo "  VGA=1          run/debug also show the VGA screen"
	@echo "  TIMEOUT=s      seconds before a boot is a hang (test: $(TIMEOUT); run: none)"
	@echo "  T=filter       hosttest: modules or tests, e.g. T=buddy,kheap"
	@echo "  JOBS=$(JOBS)         test: how many tests/boot/*.sh files run at once"
	@echo "  POISON=7       kernel default for poisoning (bits: buddy 1, kmalloc 2, pool 4)"
	@echo "  GUARD=1        kernel default for kmalloc guard bytes"
	@echo "  V=1            show the full build commands"
	@echo "  BUILD=dir      where everything is built (default build)"
	@echo "  QEMU=prog      the QEMU to run (default $(QEMU))"
	@echo "  CROSS=prefix   the cross toolchain (default $(CROSS))"
	@echo "  HOSTCC=cc      the host compiler (default $(HOSTCC))"
	@echo "  NASM=nasm      the assembler (default $(NASM))"

-include $(KOBJS:.o=.d) $(HOBJS:.o=.d) $(BOBJS:.o=.d)
