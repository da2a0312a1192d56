#!/usr/bin/env bash
# tools/deps.sh - install what one kmemlab task needs, on first use.
#
#   tools/deps.sh [--check] [GROUP...]     (no GROUP: all of them)
#
# Groups, each with the tools it adds and why:
#   build    assemble, compile and link the kernel
#   boot     build, plus GRUB's ISO tools and QEMU (make run)
#   host     the native compiler with ASan and UBSan (make hosttest)
#   test     boot and host, plus python3 for the docs check, gdb for
#            the gdb commands' checks and chromium for the pictures'
#            page tests (make test)
#   bench    boot, host and python3, plus valgrind's callgrind (make bench)
#   lab      boot, host and python3: what the labs' targets run (make lab,
#            make grade, make breakit, make labcheck)
#   fuzz     clang and llvm with libFuzzer
#   viz      chromium, which renders the pictures
#   debug    gdb (make debug)
#   all      every group (.ci/run)
# Quiet when everything is there.  Otherwise, on Debian or Ubuntu, it
# says what is missing and why, and installs it with apt-get (as root,
# or through sudo); elsewhere it says what to install and fails.  With
# --check it only says what is missing and exits 1.
set -u

# group  check  package  why  (check: a command, dir:PATH, file:PATH,
# or asan, which compiles a program with -fsanitize=address,undefined)
NEEDS="
build  nasm                     nasm                     assembles the boot code
build  i686-linux-gnu-gcc       gcc-i686-linux-gnu       compiles the kernel
build  i686-linux-gnu-ld        binutils-i686-linux-gnu  links the kernel
build  grub-file                grub-common              checks the Multiboot header
build  make                     make                     runs the build
boot   grub-mkrescue            grub-common              builds the boot ISO
boot   dir:/usr/lib/grub/i386-pc grub-pc-bin             holds GRUB's BIOS modules for the ISO
boot   xorriso                  xorriso                  writes the ISO image
boot   mformat                  mtools                   writes the ISO's boot image
boot   qemu-system-i386         qemu-system-x86          runs the kernel
boot   timeout                  coreutils                stops a hung boot
host   gcc                      gcc                      builds the host tests
host   asan                     libasan8                 AddressSanitizer for the host tests
host   asan                     libubsan1                UBSan for the host tests
check  python3                  python3                  runs the docs check and the trace tools
bench  valgrind                 valgrind                 counts instructions (callgrind)
bench  file:/usr/include/valgrind/callgrind.h valgrind   marks the measured loop for callgrind
fuzz   clang                    clang                    builds the fuzzers (libFuzzer)
fuzz   llvm-symbolizer          llvm                     names the frames of a fuzzer's crash
viz    python3                  python3                  runs tools/viz.py
viz    chromium                 chromium                 renders the pictures
debug  gdb                      gdb                      debugs the kernel (make debug)
"

# expand GROUP: the base groups GROUP stands for.
expand() {
    case $1 in
        build|host|fuzz|viz|debug) echo "$1" ;;
        boot) echo build boot ;;
        test) echo build boot host check debug viz ;;
        bench) echo build boot host check bench ;;
        lab) echo build boot host check ;;
        all) echo build boot host check bench fuzz viz debug ;;
        *) return 1 ;;
    esac
}

# present CHECK: is the tool there?
present() {
    case $1 in
        dir:*) [ -d "${1#dir:}" ] ;;
        file:*) [ -f "${1#file:}" ] ;;
        asan) command -v gcc >/dev/null 2>&1 &&
              echo 'int main(void){return 0;}' |
              gcc -x c -fsanitize=address,undefined -o /dev/null - 2>/dev/null ;;
        *) command -v "$1" >/dev/null 2>&1 ;;
    esac
}

check=0
groups=""
for arg in "$@"; do
    case $arg in
        --check) check=1 ;;
        -h|--help) sed -n '2,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) g=$(expand "$arg") || {
               echo "deps: no group \"$arg\" (groups: build boot host test" \
                   "bench lab fuzz viz debug all)" >&2; exit 2; }
           groups="$groups $g" ;;
    esac
done
[ -n "$groups" ] || groups=$(expand all)

missing="" why=""
checked=" "
while read -r group chk pkg reason; do
    [ -n "$group" ] || continue
    case " $groups " in *" $group "*) ;; *) continue ;; esac
    case $checked in *" $chk "*) ok=1 ;; *) ok=0 ;; esac
    if [ $ok = 0 ] && ! present "$chk"; then
        case " $missing " in *" $pkg "*) ;; *)
            missing="$missing $pkg"
            why="$why  $pkg: $reason"$'\n' ;;
        esac
    else
        checked="$checked$chk "
    fi
done <<< "$NEEDS"
missing=${missing# }
[ -z "$missing" ] && exit 0

echo "kmemlab needs these packages (for:$groups):" >&2
printf '%s' "$why" >&2
[ $check = 0 ] || exit 1
if ! command -v apt-get >/dev/null 2>&1; then
    echo "This is not a Debian-like system: install their equivalents" \
        "(an i686-elf cross gcc and binutils will do for the first)." >&2
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
