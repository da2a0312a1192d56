#!/usr/bin/env bash
# tools/mkiso.sh - build a bootable ISO around the kernel.
#
#   tools/mkiso.sh KERNEL.elf OUT.iso "KERNEL OPTIONS" [EXTRA_DIR] [MODULE]
#
# Copies iso/ into a staging directory, puts the kernel at
# /boot/kmemlab.elf, writes the options into grub.cfg in place of @ARGS@
# and runs grub-mkrescue.  If EXTRA_DIR is given (it may be ""), its
# files are copied over the staging tree too (a test can bring its own
# grub.cfg and modules).  If MODULE is given, the file goes in as
# /boot/module and @MODULE@ in grub.cfg becomes a "module" line that
# loads it with its path as the module's string, as QEMU's -initrd does
# (make run TRACE=file).
#
# The options may hold any character but a newline.  GRUB does not pass
# its multiboot line on as written: it joins its arguments with spaces,
# puts a backslash before each \, " and ', and wraps an argument that
# holds a space in double quotes.  So the options are split into words
# here exactly as the kernel splits them (kernel/cmdline.c: spaces and
# tabs end a word except inside double quotes, the quotes go, \\ \" \'
# stand for \ " '), and each word is handed to GRUB single-quoted (' as
# '\''): the kernel then reads the same words as from QEMU's -kernel.
# Exit status: 0 done, 1 grub-mkrescue failed, 2 options refused.
set -eu
elf=$1 out=$2 args=${3:-} extra=${4:-} module=${5:-}

# words OPTIONS: sets WORDS to the kernel's words of OPTIONS, or fails
# with a message if they cannot be carried through GRUB.
words() {
    local s=$1 w="" c i inword=0 quoted=0
    WORDS=()
    for ((i = 0; i < ${#s}; i++)); do
        c=${s:i:1}
        if [ "$c" = '\' ] && [[ "${s:i+1:1}" == [\\\"\'] ]]; then
            w+=${s:i+1:1}; i=$((i + 1)); inword=1
        elif [ "$c" = '"' ]; then
            quoted=$((1 - quoted)); inword=1
        elif [ $quoted = 0 ] && [[ "$c" == [$' \t'] ]]; then
            [ $inword = 0 ] || WORDS+=("$w")
            w="" inword=0
        else
            w+=$c; inword=1
        fi
    done
    [ $inword = 0 ] || WORDS+=("$w")
    if [ $quoted = 1 ]; then
        echo "mkiso: the options have an unterminated double quote," \
            "which GRUB cannot pass on: $s" >&2
        return 1
    fi
}

# grub_quote WORD: WORD in GRUB's single quotes.
grub_quote() {
    local q="'\\''"
    printf "'%s'" "${1//\'/$q}"
}

case $args in
    *$'\n'*|*$'\r'*)
        echo "mkiso: the options hold a line break, which a kernel command" \
            "line cannot carry" >&2
        exit 2 ;;
esac
words "$args" || exit 2
line=""
for w in ${WORDS[@]+"${WORDS[@]}"}; do
    line+="${line:+ }$(grub_quote "$w")"
done
modline=""
[ -z "$module" ] || modline="module /boot/module $(grub_quote "$module")"

# subst FILE KEY VALUE: replaces @KEY@ in FILE with VALUE (no sed: the
# words may hold any character sed would take as syntax).
subst() {
    local text done=""
    text=$(cat "$1"; echo x)
    text=${text%x}
    while [[ $text == *@$2@* ]]; do
        done+="${text%%@$2@*}$3"
        text=${text#*@$2@}
    done
    printf '%s' "$done$text" > "$1"
}

stage=$(mktemp -d "${TMPDIR:-/tmp}/kmemlab-iso.XXXXXX")
trap 'rm -rf "$stage" "$stage.log"' EXIT
mkdir -p "$stage/boot/grub"
cp "$elf" "$stage/boot/kmemlab.elf"
cp iso/grub.cfg "$stage/boot/grub/grub.cfg"
[ -z "$extra" ] || cp -r "$extra"/. "$stage/"
[ -z "$module" ] || cp "$module" "$stage/boot/module"
subst "$stage/boot/grub/grub.cfg" ARGS "$line"
subst "$stage/boot/grub/grub.cfg" MODULE "$modline"
mkdir -p "$(dirname "$out")"
grub-mkrescue -o "$out" "$stage" >"$stage.log" 2>&1 ||
    { cat "$stage.log" >&2; exit 1; }
