# tests/boot/gdb.sh - the gdb commands (tools/gdb/kmem.py) against the
# kernel's own reports.  Sourced by tools/test.sh.
#
# Each session starts QEMU halted (-S) with its gdb stub on a free port
# and the kernel loaded by QEMU (-kernel build/kmemlab.elf); gdb -batch
# loads kmem.py and tests/gdb/session.py, which lets the run= script go
# one command at a time and compares each report the console printed
# with the kmem command's lines at that moment.  The serial log is
# build/logs/NAME.log, gdb's output build/logs/NAME.gdb; every check is
# a "gdbtest:" line there, counted into the totals.

# free_port: a TCP port on 127.0.0.1 nobody listens on now.
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# gdb_session NAME MEM MODE "OPTIONS": boots halted, runs the session of
# MODE (tests/gdb/session.py), ends QEMU; BOOT_LOG is then gdb's output.
gdb_session() {
    local name=$1 mem=$2 mode=$3 args=$4 port qemu
    local log=$LOGS/$name.log out=$LOGS/$name.gdb
    boot_progress "$name"
    port=$(free_port)
    rm -f "$log"
    timeout "$TIMEOUT" "$QEMU" -kernel "$ELF" -append "$args" -m "$mem" \
        -no-reboot -display none -serial "file:$log" -monitor none \
        -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
        -S -gdb "tcp:127.0.0.1:$port" </dev/null >"$log.qemu" 2>&1 &
    qemu=$!
    # gdb retries the connection until QEMU listens (up to 10 s).
    KMEM_NAME=$name KMEM_LOG=$log KMEM_MODE=$mode \
        timeout "$TIMEOUT" gdb -batch -nx -ex 'set confirm off' \
        -ex "file $ELF" -ex 'source tools/gdb/kmem.py' \
        -ex 'set tcp connect-timeout 10' \
        -ex "target remote 127.0.0.1:$port" \
        -ex 'source tests/gdb/session.py' -ex kill \
        </dev/null >"$out" 2>&1
    kill "$qemu" 2>/dev/null
    wait "$qemu" 2>/dev/null
    sed -i 's/\r$//' "$log"
    grep '^gdbtest: FAIL' "$out"
    BOOT_NAME=""
    BOOT_LOG=$out
}

# The reports of one console script, each at the moment it printed:
# buddyinfo, pictures, slabinfo, vmstat, errors, check and the page
# roles of kernel blocks, free blocks, kmalloc bucket pages and runs,
# a pool slab, the kernel image, metadata, holes and edges.
SCRIPT='alloc 0; free $; page $; buddyinfo; check'            # parked
SCRIPT+='; alloc 0; alloc 3 2; buddyinfo; zone; zone 2; errors; check'
SCRIPT+='; page $; alloc 1; page $; free $; page $; page 0x100000'
SCRIPT+='; page 0x9f000; page 0x9fc00; page 0xfffff000; page 0x1000'
SCRIPT+='; kmalloc 100 3; page $; kmalloc 6000; page $; kmalloc 20'
SCRIPT+='; page $; pool create dentries 200; pool alloc dentries 3'
SCRIPT+='; page $; slabinfo; vmstat; kfree 0x1234'
SCRIPT+='; pool free dentries 0x1234; errors; buddyinfo; check'
gdb_session gdb-128M 128M compare "run=\"$SCRIPT\""
expect_summary gdb-128M.reports gdbtest

# The smallest and the largest memory: the same reports.
gdb_session gdb-2M 2M compare 'run="alloc 0 3; buddyinfo; zone; check; errors"'
expect_summary gdb-2M.reports gdbtest
gdb_session gdb-8G 8G compare 'run="alloc 10 3; buddyinfo; zone; zone 2; check"'
expect_summary gdb-8G.reports gdbtest

# Free lists broken by gdb while the console's check runs (the buddy's,
# a kmalloc bucket page's, a pool's): the kernel's checkers and kmem
# check name the same addresses.
gdb_session gdb-corrupt 128M corrupt 'run="alloc 3; kmalloc 100 2; kfree $; pool create dentries 200; pool alloc dentries 2; pool free dentries $; check"'
expect_summary gdb-corrupt.check gdbtest

# Breakpoints on allocator events stop at the order and the address
# asked for, and at nothing before.
gdb_session gdb-break 128M break 'run="alloc 0; alloc 3; alloc 1; alloc 3; free 0x1234; free $; alloc 3"'
expect_summary gdb-break.stops gdbtest

# Stopped inside a free, the allocator's lock held: an order-1 block
# whose buddy is free (the second alloc 1 splits an order-2 block), as
# an order-0 free parks its page instead of merging it.
gdb_session gdb-locked 128M locked 'run="alloc 1; alloc 1; free $"'
expect_summary gdb-locked.commands gdbtest
