# tests/boot/platform.sh - the platform's boot checks (sourced by
# tools/test.sh, which defines boot, expect_exit, expect_log ...).

# The self-tests, in the kernel, at the default memory size.
boot selftest 128M "selftest"
expect_exit selftest.exit $EXIT_SUCCESS
expect_summary selftest.summary selftest
expect_log selftest.banner '^kmemlab [0-9]+\.[0-9]+\.[0-9]+: '

# A plain boot through GRUB with "exit" ends with success after its
# reports.
boot_grub exit 128M "exit"
expect_exit exit.status $EXIT_SUCCESS
expect_log exit.banner '^kmemlab [0-9]+\.[0-9]+\.[0-9]+: '
expect_log exit.options '^cmdline: 1 options: exit$'

# After a boot through GRUB the allocators' writes take QEMU's fast
# path.  QEMU keeps the translations of code it has run, and a write to
# a page that still holds one takes a slow path, which its trace event
# memory_notdirty_write_access reports; GRUB's and the BIOS's code ran
# in memory that is free now, and kernel/buddy_boot.c overwrites it
# before the allocators use it.  Two boots through GRUB, the writes
# counted outside the BIOS's area (0xa0000-0xfffff): a stress of each
# allocator adds next to nothing to what the boot itself writes (without
# the overwrite it added about 290,000).
notdirty_boot() {
    local iso=$BUILD/iso/$1.iso trace=$LOGS/$1.trace
    BOOT_NAME=$1
    BOOT_LOG=$LOGS/$1.log
    boot_progress "$1"
    mkdir -p "$BUILD/iso"
    rm -f "$trace"
    if tools/mkiso.sh "$ELF" "$iso" "$2" ""; then
        run_qemu -cdrom "$iso" -m 128M \
            -trace "memory_notdirty_write_access,file=$trace"
    else
        BOOT_STATUS=-1
    fi
    rm -f "$iso"
    NOTDIRTY=$(awk '$1 == "memory_notdirty_write_access" &&
                    !(length($4) == 7 && substr($4, 3, 1) ~ /[a-f]/)' \
               "$trace" 2>/dev/null | wc -l)
    rm -f "$trace"
}
notdirty_boot notdirty-exit "quiet exit"
expect_exit notdirty-exit.status $EXIT_SUCCESS
booted=$NOTDIRTY
notdirty_boot notdirty-stress \
    'quiet run="stress kmalloc 20000; stress buddy 20000; stress pool 20000; exit"'
expect_exit notdirty-stress.status $EXIT_SUCCESS
expect_log notdirty-stress.ran '^stress: pool passed: '
if [ "$booted" -eq 0 ]; then
    fail notdirty-stress.fast-path "QEMU traced no memory_notdirty_write_access event: it needs the log trace backend (qemu-system-i386 -trace help lists the events)"
elif [ "$booted" -gt 100000 ] && [ $((NOTDIRTY - booted)) -lt 10000 ]; then
    pass notdirty-stress.fast-path
else
    fail notdirty-stress.fast-path "slow-path writes: $booted booting, $NOTDIRTY booting and stressing (the stress may add 10000)"
fi

# Unknown and malformed options are reported, not ignored.
boot badopts 128M "exit frobnicate =x exit"
expect_exit badopts.status $EXIT_SUCCESS
expect_log badopts.unknown '^cmdline: unknown option "frobnicate"$'
expect_log badopts.malformed '^cmdline: malformed option "=x"$'
expect_log badopts.repeated '^cmdline: repeated option "exit"$'

# QEMU's own loader puts the kernel's path first on the line.
boot_kernel qemu-kernel 128M "exit"
expect_exit qemu-kernel.status $EXIT_SUCCESS
expect_log qemu-kernel.options '^cmdline: 1 options: exit$'

# The kernel is built for the i686: on an older CPU (no CMOV) boot/entry.asm
# says so and stops with failure before any C code runs; a Pentium II boots.
cpu_boot() {
    BOOT_NAME=$1
    BOOT_LOG=$LOGS/$1.log
    boot_progress "$1"
    run_qemu -cpu "$2" -kernel "$ELF" -append "exit" -m 32M
}
cpu_boot cpu-pentium pentium
expect_exit cpu-pentium.status $EXIT_FAILURE
expect_log cpu-pentium.says '^kmemlab: this CPU has no CMOV: the kernel needs an i686 \(Pentium Pro\) or later$'
expect_no_log cpu-pentium.no-exception '^exception: '
cpu_boot cpu-pentium2 pentium2
expect_exit cpu-pentium2.status $EXIT_SUCCESS
expect_no_log cpu-pentium2.no-complaint 'no CMOV'

# Each deliberate fault prints its report and ends with failure.
boot crash-divide 128M "crash=divide"
expect_exit crash-divide.status $EXIT_FAILURE
expect_log crash-divide.name '^exception: divide error \(vector 0\)$'
expect_log crash-divide.regs '^exception: eip 0x[0-9a-f]{8} cs 0x0008 eflags 0x[0-9a-f]{8}$'
expect_log crash-divide.gprs '^exception: eax 0x[0-9a-f]{8} ebx'

boot crash-ud 128M "crash=ud"
expect_exit crash-ud.status $EXIT_FAILURE
expect_log crash-ud.name '^exception: invalid opcode \(vector 6\)$'

boot crash-gp 128M "crash=gp"
expect_exit crash-gp.status $EXIT_FAILURE
expect_log crash-gp.name '^exception: general protection fault \(vector 13\)$'
expect_log crash-gp.errcode '^exception: error code 0x00001230$'

boot crash-panic 128M "crash=panic"
expect_exit crash-panic.status $EXIT_FAILURE
expect_log crash-panic.where '^panic: kernel/crash.c:[0-9]+: crash: deliberate panic$'

boot crash-assert 128M "crash=assert"
expect_exit crash-assert.status $EXIT_FAILURE
expect_log crash-assert.where '^panic: kernel/crash.c:[0-9]+: assertion failed: one == 2$'

# A kernel that cannot report must still fail the run, with a clear
# reason: a triple fault stops QEMU (-no-reboot) with status 0 and no
# exit line; a hang is ended by the timeout (status 124).
boot crash-triple 128M "crash=triple"
expect_exit crash-triple.status 0
expect_no_log crash-triple.no-exit-line '^kmemlab: exit'
BOOT_TIMEOUT=5 boot crash-hang 128M "crash=hang"
expect_exit crash-hang.status 124

# Layer lists: known names are taken, unknown ones reported.
boot layers 128M "exit trace=nosuch poison=buddy,bogus"
expect_exit layers.status $EXIT_SUCCESS
expect_log layers.trace '^cmdline: unknown layer "nosuch" in trace$'
expect_log layers.poison '^cmdline: unknown layer "bogus" in poison$'
