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
TRACE ?=

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
	kernel/format_test.c \
	kernel/tracefile.c \
	kernel/tracefile_test.c

KERNEL_SRCS := \
	kernel/bench.c \
	kernel/buddy_boot.c \
	kernel/console.c \
	kernel/cpu.c \
	kernel/crash.c \
	kernel/kheap_boot.c \
	kernel/ledger.c \
	kernel/lib.c \
	kernel/lib_test.c \
	kernel/main.c \
	kernel/memmap_boot.c \
	kernel/monitor.c \
	kernel/monitor_alloc.c \
	kernel/monitor_cmds.c \
	kernel/monitor_pictures.c \
	kernel/monitor_stress.c \
	kernel/panic.c \
	kernel/pool_boot.c \
	kernel/port.c \
	kernel/replay.c

# mm/: every allocator and its tests; built into the kernel and the host.
MM_SRCS := \
	mm/bitmap_test.c \
	mm/buddy.c \
	mm/buddy_check.c \
	mm/buddy_debug.c \
	mm/buddy_owner.c \
	mm/buddy_park.c \
	mm/buddy_park_test.c \
	mm/buddy_reclaim.c \
	mm/buddy_reclaim_test.c \
	mm/buddy_report.c \
	mm/buddy_report_test.c \
	mm/buddy_resize.c \
	mm/buddy_slow.c \
	mm/buddy_test.c \
	mm/buddy_tree.c \
	mm/buddy_tree_test.c \
	mm/buddy_zone.c \
	mm/buddy_zone_picture.c \
	mm/err.c \
	mm/err_test.c \
	mm/kheap.c \
	mm/kheap_array.c \
	mm/kheap_check.c \
	mm/kheap_debug.c \
	mm/kheap_extent.c \
	mm/kheap_large.c \
	mm/kheap_owner.c \
	mm/kheap_picture.c \
	mm/kheap_picture_test.c \
	mm/kheap_report.c \
	mm/kheap_report_test.c \
	mm/kheap_resize.c \
	mm/kheap_test.c \
	mm/kmalloc.c \
	mm/ledger.c \
	mm/ledger_claim.c \
	mm/ledger_report.c \
	mm/ledger_test.c \
	mm/list_test.c \
	mm/memmap.c \
	mm/memmap_check.c \
	mm/memmap_report.c \
	mm/memmap_owner.c \
	mm/memmap_test.c \
	mm/pool.c \
	mm/pool_park.c \
	mm/pool_check.c \
	mm/pool_debug.c \
	mm/pool_init.c \
	mm/pool_owner.c \
	mm/pool_picture.c \
	mm/pool_picture_test.c \
	mm/pool_report.c \
	mm/pool_test.c \
	mm/regress_test.c \
	mm/slab.c \
	mm/slab_picture.c \
	mm/slab_picture_test.c \
	mm/slab_test.c \
	mm/table.c \
	mm/table_test.c \
	mm/test.c \
	mm/test_capture.c \
	mm/test_static.c \
	mm/test_filter.c \
	mm/test_test.c \
	mm/testpages.c

HOST_SRCS := \
	tests/host/main.c \
	tests/host/port.c

# Benchmarks: the allocators (no tests) at -O2 beside the baselines.
BENCH_SRCS := \
	tests/bench/baselines.c \
	tests/bench/bench.c \
	tests/bench/ref_buddy.c \
	tests/bench/ref_kmalloc.c \
	tests/bench/ref_objlist.c \
	tests/bench/refs_test.c \
	tests/host/port.c
BENCH_MM_SRCS := $(filter-out %_test.c mm/test.c mm/test_capture.c mm/test_filter.c mm/test_static.c mm/testpages.c,$(MM_SRCS))

# Trace replay (make replay): kmalloc and glibc, built as the benchmarks.
REPLAY_SRCS := \
	kernel/format.c \
	kernel/tracefile.c \
	tests/bench/replay.c \
	tests/host/port.c

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
ROBJS := $(patsubst %.c,$(BUILD)/bench/%.o,$(REPLAY_SRCS) $(BENCH_MM_SRCS))
REPLAY := $(BUILD)/bench/replay

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

# A dry run (make -n, as the docs check uses) checks and installs nothing.
DRY_RUN := $(findstring n,$(filter-out -%,$(firstword $(MAKEFLAGS))))

# A missing tool stops the build with one line naming its package.
need = $(if $(DRY_RUN)$(shell command -v $(1) 2>/dev/null),,$(error $(1) not found: \
	install the Debian package $(2), or run tools/deps.sh))

# The scripts behind run, debug, test and bench install what their task
# needs first (tools/deps.sh GROUP); the targets without a script of
# their own do it here.
DEPS_GROUPS := $(if $(filter bench-count,$(MAKECMDGOALS)),bench) \
	$(if $(filter hosttest,$(MAKECMDGOALS)),host) \
	$(if $(filter tests docs-check docs-update,$(MAKECMDGOALS)),test) \
	$(if $(filter fuzz,$(MAKECMDGOALS)),host fuzz) \
	$(if $(filter coverage,$(MAKECMDGOALS)),host) \
	$(if $(filter viz figures,$(MAKECMDGOALS)),boot viz) \
	$(if $(filter demo,$(MAKECMDGOALS)),boot) \
	$(if $(filter labs lab grade breakit labcheck,$(MAKECMDGOALS)),lab) \
	$(if $(filter debug,$(MAKECMDGOALS)),debug)
ifeq ($(DRY_RUN),)
ifneq ($(strip $(DEPS_GROUPS)),)
ifneq ($(shell tools/deps.sh $(DEPS_GROUPS) >&2; echo $$?),0)
$(error tools/deps.sh could not install the tools; see above)
endif
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
	TRACE=$(call shquote,$(value TRACE)) \
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

$(REPLAY): $(ROBJS)
	@$(if $(Q),echo "  BENCHLD $@")
	$(Q)$(HOSTCC) $(BCFLAGS) -o $@ $(ROBJS)

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

# make bench-kmalloc: the kmalloc timing tables (W4, both size mixes)
# alone, against glibc and the reference kmallocs.
.PHONY: bench-kmalloc
bench-kmalloc: $(BENCH)
	$(Q)$(BENCH) time w4

# make replay TRACE=file: replay an allocation trace (malloc-lab format)
# through kmalloc and glibc malloc; see docs/performance.md.
.PHONY: replay
replay: $(REPLAY)
	@[ -n "$(TRACE)" ] || { echo "make replay needs TRACE=file, e.g." \
		"TRACE=tests/traces/kernel-like.rep"; exit 2; }
	$(Q)$(REPLAY) $(TRACE)

.PHONY: hosttest
hosttest: $(HOSTTEST)
	$(Q)$(HOSTTEST) $(call shquote,$(value T))

# make tests: the name of every test, for T=... and selftest=...
.PHONY: tests
tests: $(HOSTTEST) $(ELF)
	$(Q)BUILD=$(call shquote,$(BUILD)) QEMU=$(call shquote,$(QEMU)) \
		tools/tests.sh

# Fuzzing.  Each tests/fuzz/NAME.c builds twice: with clang's libFuzzer
# into $(BUILD)/fuzz/NAME ("make fuzz" runs each for FUZZ_S seconds),
# and with gcc and tests/fuzz/replay.c into $(BUILD)/fuzz/replay-NAME,
# which "make test" runs on every saved input (tests/fuzz/corpus/NAME,
# seeds; tests/fuzz/repro/NAME, every reproducer ever found).
FUZZ_NAMES := \
	buddy \
	cmdline \
	format \
	kheap \
	memmap \
	pool \
	tracefile
FUZZ_S ?= 10
FUZZCC ?= clang
FUZZ_LIB_SRCS := $(filter-out %_test.c mm/test.c mm/test_capture.c mm/test_filter.c mm/test_static.c mm/testpages.c,$(MM_SRCS)) \
	$(filter-out %_test.c,$(KLIB_SRCS)) \
	tests/fuzz/fuzz.c \
	tests/host/port.c
FUZZERS := $(FUZZ_NAMES:%=$(BUILD)/fuzz/%)
REPLAYS := $(FUZZ_NAMES:%=$(BUILD)/fuzz/replay-%)
FCFLAGS := -std=gnu11 -O1 -g -fsanitize=address,undefined \
	-fno-sanitize-recover=all -fno-omit-frame-pointer -DMM_HOST \
	-DFUZZ_LIBFUZZER $(WARN) -MMD -MP

$(BUILD)/fuzz/obj/%.o: %.c Makefile
	$(call need,$(FUZZCC),clang)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  FUZZCC  $<")
	$(Q)$(FUZZCC) $(FCFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(FUZZERS): $(BUILD)/fuzz/%: $(BUILD)/fuzz/obj/tests/fuzz/%.o \
		$(FUZZ_LIB_SRCS:%.c=$(BUILD)/fuzz/obj/%.o)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  FUZZLD  $@")
	$(Q)$(FUZZCC) $(FCFLAGS) -fsanitize=fuzzer -o $@ $^

$(REPLAYS): $(BUILD)/fuzz/replay-%: $(BUILD)/host/tests/fuzz/%.o \
		$(BUILD)/host/tests/fuzz/replay.o \
		$(FUZZ_LIB_SRCS:%.c=$(BUILD)/host/%.o)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  HOSTLD  $@")
	$(Q)$(HOSTCC) $(HCFLAGS) -o $@ $^

.PHONY: fuzz
fuzz: $(FUZZERS) $(REPLAYS)
	$(Q)BUILD=$(BUILD) FUZZ_S=$(FUZZ_S) tools/fuzz.sh $(FUZZ_NAMES)

test: $(REPLAYS)

# Coverage.  The host tests and the fuzz replays, built with gcov
# counters under $(BUILD)/cov, run over the same objects; then
# tools/coverage.sh prints line and branch coverage per file of
# COV_FILES and fails if a file of COV_GATED has a line never run
# (lines marked LCOV_EXCL_LINE in the source, with the reason, excepted).
COV_FILES := $(filter-out %_test.c,$(MM_SRCS) $(KLIB_SRCS))
# Every line of mm/ and of the freestanding kernel files runs in a test.
COV_GATED ?= $(COV_FILES)
COV_CFLAGS := -std=gnu11 -O0 -g --coverage -fno-toplevel-reorder -DMM_HOST \
	$(WARN) -MMD -MP
COV_REPLAYS := $(FUZZ_NAMES:%=$(BUILD)/cov/replay-%)

$(BUILD)/cov/obj/%.o: %.c Makefile
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  COVCC   $<")
	$(Q)$(HOSTCC) $(COV_CFLAGS) -c -o $@ $<

$(BUILD)/cov/hosttest: $(patsubst %.c,$(BUILD)/cov/obj/%.o,$(KLIB_SRCS) \
		$(MM_SRCS) $(HOST_SRCS))
	@$(if $(Q),echo "  COVLD   $@")
	$(Q)$(HOSTCC) $(COV_CFLAGS) -o $@ $^

$(COV_REPLAYS): $(BUILD)/cov/replay-%: $(BUILD)/cov/obj/tests/fuzz/%.o \
		$(BUILD)/cov/obj/tests/fuzz/replay.o \
		$(FUZZ_LIB_SRCS:%.c=$(BUILD)/cov/obj/%.o)
	@$(if $(Q),echo "  COVLD   $@")
	$(Q)$(HOSTCC) $(COV_CFLAGS) -o $@ $^

.PHONY: coverage
coverage: $(BUILD)/cov/hosttest $(COV_REPLAYS)
	$(call need,gcov,gcc)
	$(Q)BUILD=$(BUILD) COV_FILES="$(COV_FILES)" COV_GATED="$(COV_GATED)" \
		tools/coverage.sh $(FUZZ_NAMES)


# make run: boot, serial on this terminal (quit: Ctrl-A x); tools/run.sh.
.PHONY: run
run:
	$(Q)$(KNOBS) TIMEOUT=$(RUN_TIMEOUT) tools/run.sh run

# QEMU for make demo (make run and make debug start theirs in tools/run.sh).
QEMU_FLAGS := -m $(MEM) -no-reboot -serial mon:stdio \
	-device isa-debug-exit,iobase=0xf4,iosize=0x04 \
	$(if $(filter 1,$(VGA)),,-display none)

# make demo: one boot that walks through every layer, running the
# console commands of tools/demo.cmds, one per line, as the run= option.
# QEMU's own loader (-kernel) passes the quotes and ';' intact.
.PHONY: demo
demo: $(ELF) tools/demo.cmds
	$(Q)script=$$(sed 's/;/,/g' tools/demo.cmds | paste -sd ';' - | \
		sed 's/;/; /g'); \
		$(QEMU) $(QEMU_FLAGS) -kernel $(ELF) \
		-append "quiet run=\"$$script\""; status=$$?; \
		[ $$status -ne 33 ] || status=0; exit $$status

# make debug: QEMU waits for gdb on :1234; in another terminal run
# "gdb -x tools/gdbinit" to load symbols and stop at kmain.
.PHONY: debug
debug:
	$(Q)$(KNOBS) TIMEOUT=$(RUN_TIMEOUT) tools/run.sh debug

.PHONY: test
test:
	$(Q)$(KNOBS) TIMEOUT=$(call shquote,$(TIMEOUT)) \
		JOBS=$(call shquote,$(JOBS)) tools/test.sh

# make viz: boot a scenario with tracing on (QEMU's own Multiboot loader,
# serial into $(VIZ_DIR)/$(VIZ_NAME).log) and replay the log as one
# self-contained page, $(VIZ_DIR)/kmemlab.html.  See docs/pictures.md.
VIZ_NAME ?= selftests
VIZ_ARGS ?= $(VIZ_DEFAULT_ARGS)
# ("$\" at a line's end joins it to the next without a space.)
VIZ_DEFAULT_ARGS := selftest=buddy.textbook_split_and_merge,$\
	buddy.randomized_stress_poisoned,kheap.page_return_and_hysteresis,$\
	pool.growth_shrink_and_slab_return trace=buddy,kmalloc,pool exit
VIZ_DIR := $(BUILD)/viz
VIZ_TOOL := tools/viz.py

# viz_boot LOG ARGS: boots the kernel with ARGS, serial into LOG.  A
# kernel that exits with failure (its tests failed) still gives a log.
define viz_boot
	$(call need,$(QEMU),qemu-system-x86)
	$(call need,python3,python3)
	@mkdir -p $(dir $(1))
	@$(if $(Q),echo "  BOOT    $(2)")
	$(Q)timeout $(TIMEOUT) $(QEMU) -kernel $(ELF) -append "$(2)" \
		-m $(MEM) -no-reboot -display none -serial file:$(1) \
		-monitor none -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
		</dev/null >$(1).qemu 2>&1; status=$$?; \
		sed -i 's/\r$$//' $(1); \
		[ $$status -eq 33 ] || [ $$status -eq 35 ] || \
		{ echo "viz: the boot ended with status $$status; log: $(1)"; \
		  exit 1; }
endef

.PHONY: viz
viz: $(ELF)
	$(call viz_boot,$(VIZ_DIR)/$(VIZ_NAME).log,$(VIZ_ARGS))
	$(Q)$(VIZ_TOOL) $(VIZ_DIR)/$(VIZ_NAME).log -o $(VIZ_DIR)/kmemlab.html
	@echo "open file://$(abspath $(VIZ_DIR)/kmemlab.html)"

# make figures: the SVG figures of docs/pictures.md, from a boot of the
# default scenario at 128 MiB, whatever VIZ_ARGS and MEM say.
FIG_DIR := docs/figures
FIG_LOG := $(VIZ_DIR)/figures.log
FIGURES := \
	$(FIG_DIR)/kmalloc-pages.svg \
	$(FIG_DIR)/pool-slabs.svg \
	$(FIG_DIR)/stress-frag.svg \
	$(FIG_DIR)/stress-map.svg \
	$(FIG_DIR)/stress-orders.svg \
	$(FIG_DIR)/textbook-alloc-d.svg \
	$(FIG_DIR)/textbook-free-a.svg

.PHONY: figures
figures: MEM := 128M
figures: $(ELF)
	$(call viz_boot,$(FIG_LOG),$(VIZ_DEFAULT_ARGS))
	$(Q)v="$(VIZ_TOOL) $(FIG_LOG) -q --svg"; \
	$$v $(FIG_DIR)/textbook-alloc-d.svg --zone test --nth-event 9 && \
	$$v $(FIG_DIR)/textbook-free-a.svg --zone test --nth-event 11 && \
	$$v $(FIG_DIR)/stress-map.svg --zone 'test#2' --nth-event 3000 && \
	$$v $(FIG_DIR)/stress-orders.svg --figure orders --zone 'test#2' && \
	$$v $(FIG_DIR)/stress-frag.svg --figure frag --zone 'test#2' && \
	$$v $(FIG_DIR)/kmalloc-pages.svg --figure kmalloc && \
	$$v $(FIG_DIR)/pool-slabs.svg --figure pool
	@echo "figures: $(FIGURES)"
# make docs-check: the output quoted in README.md and docs/*.md against
# real boots, and every command they show (tools/docs-check.py).
.PHONY: docs-check
docs-check: $(ELF) $(HOSTTEST)
	$(call need,python3,python3)
	$(Q)BUILD=$(BUILD) QEMU=$(QEMU) tools/docs-check.py

# make docs-update: rewrite the output blocks that differ, from real boots.
.PHONY: docs-update
docs-update: $(ELF) $(HOSTTEST)
	$(call need,python3,python3)
	$(Q)BUILD=$(BUILD) QEMU=$(QEMU) tools/docs-check.py --update
# The replay tool's and the references' checks run in make test
# (tests/boot/replay.sh, tests/boot/refs.sh).
test: $(REPLAY) $(BENCH)

# The labs (docs/labs/README.md): student trees, the grader, seeded bugs.
LAB ?=
BUG ?=
LABDIR ?=
.PHONY: labs
labs:
	$(Q)python3 tools/lab.py list

.PHONY: lab
lab:
	@test -n "$(LAB)" || { echo "make lab: which lab? e.g. make lab LAB=1 (make labs lists them)"; exit 2; }
	$(Q)python3 tools/lab.py strip "$(LAB)" "$(or $(LABDIR),$(BUILD)/lab-$(LAB))"

.PHONY: grade
grade:
	$(Q)python3 tools/lab.py grade $(LAB)

.PHONY: breakit
breakit:
	@test -n "$(BUG)" || { echo "make breakit: which bug? e.g. make breakit BUG=1 (make labs lists them)"; exit 2; }
	$(Q)python3 tools/lab.py breakit "$(BUG)" "$(or $(LABDIR),$(BUILD)/breakit-$(BUG))"

.PHONY: labcheck
labcheck:
	$(Q)python3 tools/lab.py check

.PHONY: clean
clean:
	rm -rf $(BUILD)

.PHONY: help
help:
	@echo "Targets (exit statuses: README.md, section Exit statuses):"
	@echo "  all (default)  build $(ELF) and $(ISO)"
	@echo "  run            build, boot in QEMU, serial here; quit: Ctrl-A x"
	@echo "  demo           one boot that walks through every layer at the console"
	@echo "  debug          as run, but halted until gdb -x tools/gdbinit attaches"
	@echo "  test           host tests, in-kernel self-tests, boot and crash checks"
	@echo "  hosttest       the self-tests natively under ASan and UBSan (T=...)"
	@echo "  tests          list every test's name (for T=... and selftest=...)"
	@echo "  fuzz           each fuzz harness for FUZZ_S=$(FUZZ_S) seconds"
	@echo "  coverage       line and branch coverage; fails under 100% lines"
	@echo "                 in COV_GATED files"
	@echo "  bench          timings, instruction counts, in-kernel cycles"
	@echo "  bench-count    the instruction counts (callgrind) alone"
	@echo "  bench-kmalloc  the kmalloc timing tables (W4) alone"
	@echo "  viz            boot VIZ_ARGS traced, write $(BUILD)/viz/kmemlab.html"
	@echo "  figures        the SVG figures of docs/pictures.md, from a boot"
	@echo "  docs-check     quoted output and commands in the docs are true"
	@echo "  docs-update    rewrite the docs' output blocks from real boots"
	@echo "  replay         replay TRACE=file through kmalloc and glibc"
	@echo "  labs           list the labs and the seeded bugs"
	@echo "  lab            write the student tree of LAB=N to LABDIR"
	@echo "  grade          grade LAB=N (all labs; in a student tree its own)"
	@echo "  breakit        write a copy of the tree with seeded bug BUG=N"
	@echo "  labcheck       every lab strips, scores 0 stripped and full solved;"
	@echo "                 every seeded bug applies, builds and is caught"
	@echo "  clean          remove $(BUILD)/"
	@echo "  help           this list"
	@echo "Knobs (make run MEM=512M ARGS='selftest=buddy'):"
	@echo "  MEM=size       memory for run/debug (default $(MEM)): 2M up; below 8M no GRUB"
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
	@echo "  FUZZ_S=$(FUZZ_S)       fuzz: seconds per harness"
	@echo "  FUZZCC=cc      fuzz: the libFuzzer compiler (default $(FUZZCC))"
	@echo "  COV_GATED=...  coverage: the files that must have every line run"
	@echo "  VIZ_ARGS=...   viz: the kernel options of the traced boot"
	@echo "  VIZ_NAME=name  viz: the log's name (default $(VIZ_NAME))"
	@echo "  TRACE=file     replay: the trace to replay; run/debug: load it as a"
	@echo "                 module for the kernel's replay (ARGS=replay)"
	@echo "  LAB=N          lab, grade: the lab"
	@echo "  BUG=N          breakit: the seeded bug"
	@echo "  LABDIR=dir     lab, breakit: where the tree goes (default"
	@echo "                 $(BUILD)/lab-N, $(BUILD)/breakit-N)"

-include $(KOBJS:.o=.d) $(HOBJS:.o=.d) $(BOBJS:.o=.d) $(ROBJS:.o=.d)
-include $(wildcard $(BUILD)/fuzz/obj/*/*.d $(BUILD)/fuzz/obj/*/*/*.d)
-include $(wildcard $(BUILD)/host/tests/fuzz/*.d)
-include $(wildcard $(BUILD)/cov/obj/*/*.d $(BUILD)/cov/obj/*/*/*.d)
