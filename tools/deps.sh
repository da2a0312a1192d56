#!/usr/bin/env bash
# tools/deps.sh - install what kmemlab needs to build, boot and test.
#
# Quiet when everything is there.  Otherwise, on Debian or Ubuntu, it
# installs the missing packages with apt-get (as root, or through sudo);
# elsewhere it says what to install and fails.
#   tools/deps.sh           check, and install what is missing
#   tools/deps.sh --check   check only; exit 1 if something is missing
set -u

# command  package  (one line per tool)
TOOLS="
nasm                 nasm
i686-linux-gnu-gcc   gcc-i686-linux-gnu
i686-linux-gnu-ld    binutils-i686-linux-gnu
grub-mkrescue        grub-common
grub-file            grub-common
xorriso              xorriso
mformat              mtools
qemu-system-i386     qemu-system-x86
gcc                  gcc
make                 make
timeout              coreutils
valgrind             valgrind
python3              python3
"

missing=""
while read -r cmd pkg; do
    [ -n "$cmd" ] || continue
    command -v "$cmd" >/dev/null 2>&1 || missing="$missing $pkg"
done <<< "$TOOLS"
# grub-mkrescue needs the BIOS GRUB modules, which grub-pc-bin ships.
[ -d /usr/lib/grub/i386-pc ] || missing="$missing grub-pc-bin"
# The benchmarks count instructions with callgrind's client requests.
[ -f /usr/include/valgrind/callgrind.h ] || missing="$missing valgrind"
# The host tests link AddressSanitizer and UBSan (libasan, libubsan).
if command -v gcc >/dev/null 2>&1 &&
   ! echo 'int main(void){return 0;}' |
     gcc -x c -fsanitize=address,undefined -o /dev/null - 2>/dev/null; then
    missing="$missing libasan8 libubsan1"
fi

missing=$(echo "$missing" | tr ' ' '\n' | sort -u | tr '\n' ' ' | sed 's/^ *//; s/ *$//')
[ -z "$missing" ] && exit 0

echo "kmemlab needs these packages: $missing" >&2
if [ "${1:-}" = "--check" ]; then
    exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
    cat >&2 <<MSG
This is not a Debian-like system.  Install the equivalents of:
  nasm, binutils and gcc for i686-elf or i686-linux-gnu (a cross compiler
  with its libgcc), grub (BIOS platform, with grub-mkrescue and grub-file),
  xorriso, mtools, qemu-system-x86, valgrind, and a native gcc with
  libasan/libubsan.
MSG
    exit 1
fi
if [ "$(id -u)" -eq 0 ]; then
    sudo=""
elif command -v sudo >/dev/null 2>&1; then
    sudo="sudo"
else
    echo "Run as root: apt-get install -y $missing" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
echo "Installing: $missing" >&2
$sudo apt-get update -qq >&2 &&
    $sudo apt-get install -y -qq --no-install-recommends $missing >&2 ||
    { echo "apt-get failed; install by hand: $missing" >&2; exit 1; }
exit 0
