#!/usr/bin/env bash
# tools/mkiso.sh - build a bootable ISO around the kernel.
#
#   tools/mkiso.sh KERNEL.elf OUT.iso "KERNEL OPTIONS" [EXTRA_DIR]
#
# Copies iso/ into a staging directory, puts the kernel at
# /boot/kmemlab.elf, writes the options into grub.cfg (@ARGS@) and runs
# grub-mkrescue.  If EXTRA_DIR is given, its files are copied over the
# staging tree too (a test can bring its own grub.cfg and modules).
set -eu
elf=$1 out=$2 args=${3:-} extra=${4:-}
stage=$(mktemp -d "${TMPDIR:-/tmp}/kmemlab-iso.XXXXXX")
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/boot/grub"
cp "$elf" "$stage/boot/kmemlab.elf"
# '|' cannot appear in kernel options, so it is a safe sed delimiter.
sed "s|@ARGS@|$args|" iso/grub.cfg > "$stage/boot/grub/grub.cfg"
if [ -n "$extra" ]; then
    cp -r "$extra"/. "$stage/"
    sed -i "s|@ARGS@|$args|" "$stage/boot/grub/grub.cfg"
fi
mkdir -p "$(dirname "$out")"
grub-mkrescue -o "$out" "$stage" >"$stage.log" 2>&1 ||
    { cat "$stage.log" >&2; rm -f "$stage.log"; exit 1; }
rm -f "$stage.log"
