#!/usr/bin/env bash
# tools/run.sh - what "make run" and "make debug" do: build what the
# boot needs, boot it in QEMU with the serial console on this terminal,
# and end with one line saying what happened and the exit status.
#
#   tools/run.sh run       boot (quit QEMU with Ctrl-A x)
#   tools/run.sh debug     boot halted, waiting for gdb on :1234
#
# Knobs come from the environment, as make passes them:
#   MEM=128M     memory, as QEMU's -m takes it (2M up; K, M, G or T)
#   ARGS="..."   kernel options; any character but a line break
#   VGA=1        show the VGA screen too
#   TIMEOUT=N    seconds before the boot counts as hung (default none)
#   TRACE=file   load file as a Multiboot module, named by its path: an
#                allocation trace for the kernel's "replay" (option and
#                console command; kernel/replay.c)
#   BUILD, QEMU, MAKE  the build directory, QEMU and make to use
#
# From 8M up the kernel boots from the GRUB ISO, as on a real machine.
# GRUB needs room for itself and the whole kernel file: at 3M it stops
# with "out of memory" on the VGA screen, and at 4M it already fails
# with today's kernel, so below 8M (a margin for the kernel to grow)
# QEMU's own Multiboot loader (-kernel) boots it.  Below 2M the kernel cannot run (it is loaded at 1 MiB and
# its image, stack and boot data fill most of the next MiB): refused.
# Exit statuses: tools/status.sh.
set -u
cd "$(dirname "$0")/.."
. tools/status.sh

mode=${1:-run}
MEM=${MEM:-128M}
ARGS=${ARGS:-}
VGA=${VGA:-0}
TIMEOUT=${TIMEOUT:-0}
BUILD=${BUILD:-build}
QEMU=${QEMU:-qemu-system-i386}
MAKE=${MAKE:-make}
TRACE=${TRACE:-}
ELF=$BUILD/kmemlab.elf
ISO_MIN_KIB=8192        # GRUB boots from -m 5M today; 8M leaves a margin
MEM_MIN_KIB=2048

case $mode in
    run|debug) ;;
    *) echo "usage: tools/run.sh run|debug" >&2; exit $ST_REFUSED ;;
esac

# mem_kib SIZE: SIZE (QEMU's -m syntax: a number, MiB unless K, M, G or T
# follows) in KiB, or nothing if it is not a size.
mem_kib() {
    local n unit
    [[ $1 =~ ^([0-9]+)([KkMmGgTt]?)$ ]] || return 0
    n=$((10#${BASH_REMATCH[1]})) unit=${BASH_REMATCH[2]:-M}
    case $unit in
        [Kk]) echo $((n)) ;;
        [Mm]) echo $((n * 1024)) ;;
        [Gg]) echo $((n * 1024 * 1024)) ;;
        [Tt]) echo $((n * 1024 * 1024 * 1024)) ;;
    esac
}

kib=$(mem_kib "$MEM")
[ -n "$kib" ] || finish $mode $ST_REFUSED "MEM=$MEM is not a memory size;" \
    "write it as QEMU's -m takes it, e.g. MEM=512M or MEM=2G"
[ "$kib" -ge $MEM_MIN_KIB ] || finish $mode $ST_REFUSED "MEM=$MEM is too" \
    "small: the kernel is loaded at 1 MiB and needs at least 2M"
[ "${ARGS_LINE_BREAK:-0}" = 0 ] || ARGS+=$'\n'   # make's sign of one
case $ARGS in
    *$'\n'*|*$'\r'*) finish $mode $ST_REFUSED "ARGS holds a line break," \
        "which a kernel command line cannot carry" ;;
esac
[[ $TIMEOUT =~ ^[0-9]+$ ]] || finish $mode $ST_REFUSED \
    "TIMEOUT=$TIMEOUT is not a number of seconds"
# QEMU's -initrd takes a comma list of modules, so a path with a comma
# (or a line break) cannot be carried; it is refused at every MEM, so
# that a TRACE boots the same through GRUB and without.
if [ -n "$TRACE" ]; then
    [ -f "$TRACE" ] || finish $mode $ST_REFUSED "TRACE=$TRACE: no such file"
    case $TRACE in
        *,*|*$'\n'*) finish $mode $ST_REFUSED "TRACE=$TRACE: a path with" \
            "a comma or a line break cannot be passed as a module" ;;
    esac
fi

tools/deps.sh boot || finish $mode $ST_BUILD "build error: the boot tools" \
    "are missing (see above)"
"$MAKE" --no-print-directory BUILD="$BUILD" "$ELF" ||
    finish $mode $ST_BUILD "build error: the kernel did not build (see above)"

# Files of this run only (two runs may share build/): QEMU's reset log,
# and the ISO that carries ARGS, removed at the end.
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kmemlab-run.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
qemu_args=(-m "$MEM" -no-reboot -serial mon:stdio
    -device isa-debug-exit,iobase=0xf4,iosize=0x04
    -d cpu_reset -D "$tmp/qemu.log")
[ "$VGA" = 1 ] || qemu_args+=(-display none)
if [ "$kib" -lt $ISO_MIN_KIB ]; then
    echo "$mode: MEM=$MEM is below the 8M that GRUB needs; booting through" \
        "QEMU's own Multiboot loader (-kernel) instead of the ISO" >&2
    qemu_args+=(-kernel "$ELF" -append "$ARGS")
    [ -z "$TRACE" ] || qemu_args+=(-initrd "$TRACE")
elif [ -z "$ARGS" ] && [ -z "$TRACE" ]; then
    "$MAKE" --no-print-directory BUILD="$BUILD" "$BUILD/kmemlab.iso" ||
        finish $mode $ST_BUILD "build error: the ISO did not build (see above)"
    qemu_args+=(-cdrom "$BUILD/kmemlab.iso")
else
    tools/mkiso.sh "$ELF" "$tmp/run.iso" "$ARGS" "" "$TRACE"
    case $? in
        0) ;;
        2) finish $mode $ST_REFUSED "ARGS cannot be passed through GRUB (see above)" ;;
        *) finish $mode $ST_BUILD "build error: the ISO did not build (see above)" ;;
    esac
    qemu_args+=(-cdrom "$tmp/run.iso")
fi
if [ $mode = debug ]; then
    qemu_args+=(-s -S)
    echo "QEMU is halted; now run: gdb -x tools/gdbinit" >&2
fi

if [ "$TIMEOUT" -gt 0 ]; then
    # --foreground: QEMU keeps this terminal for the serial console.
    timeout --foreground "$TIMEOUT" "$QEMU" "${qemu_args[@]}"
else
    "$QEMU" "${qemu_args[@]}"
fi
qemu_outcome $? "$tmp/qemu.log" "$TIMEOUT"
finish $mode "$OUTCOME" "$OUTCOME_TEXT"
