#!/usr/bin/env python3
"""tests/console/drive.py - drives the kmemlab monitor live over serial.

    tests/console/drive.py KERNEL.elf LOG [QEMU]

Boots KERNEL under QEMU (-kernel, no options: the monitor's prompt),
with the serial port on QEMU's stdin and stdout, types at it as a user
would - one byte stream, no terminal - and checks what comes back.
Prints "console: ok NAME" or "console: FAIL NAME: why" per check and
ends with "console: N passed, M failed".  LOG gets the whole session.
Python 3 standard library only.
"""
import os
import re
import socket
import shutil
import subprocess
import sys
import tempfile
import threading
import time

PROMPT = "kmemlab> "
ADDR = r"0x[0-9a-f]{8}"
TIMEOUT = 60.0          # seconds for one command's answer

# Every command of the monitor: each must run at least once below.
COMMANDS = """help mem buddyinfo zone slabinfo vmstat errors check alloc allocb
free resize size kmalloc kfree krealloc ksize pool trace poison guard debug
stress frag selftest bench echo exit page ledger replay tree slabs
kpages""".split()


class Console:
    """One QEMU with the monitor on its stdin/stdout."""

    def __init__(self, elf, log, qemu):
        self.out = ""
        self.ran = set()        # first words of the lines run
        self.lock = threading.Lock()
        self.log = open(log, "w")
        # A socket path must be short (108 bytes): keep it in /tmp.
        self.tmpdir = tempfile.mkdtemp(prefix="kmemlab-console.")
        self.monitor_path = os.path.join(self.tmpdir, "monitor")
        self.proc = subprocess.Popen(
            [qemu, "-kernel", elf, "-m", "128M", "-no-reboot",
             "-display", "none", "-serial", "stdio",
             "-monitor", "unix:%s,server=on,wait=off" % self.monitor_path,
             "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT)
        threading.Thread(target=self._reader, daemon=True).start()

    def _reader(self):
        while True:
            b = self.proc.stdout.read1(4096)
            if not b:
                return
            text = b.decode("latin-1").replace("\r", "")
            self.log.write(text)
            self.log.flush()
            with self.lock:
                self.out += text

    def wait_for(self, pattern, start=0, timeout=TIMEOUT):
        """Waits until out[start:] matches pattern; returns the match."""
        end = time.time() + timeout
        rx = re.compile(pattern, re.S)
        while time.time() < end:
            with self.lock:
                m = rx.search(self.out, start)
            if m:
                return m
            if self.proc.poll() is not None:
                time.sleep(0.2)
                with self.lock:
                    return rx.search(self.out, start)
            time.sleep(0.02)
        return None

    def send(self, data):
        if isinstance(data, str):
            data = data.encode("latin-1")
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def type(self, keys, prompts=1, timeout=TIMEOUT):
        """Types keys; returns what came back up to the prompts-th prompt
        (None on timeout)."""
        with self.lock:
            start = len(self.out)
        self.send(keys)
        pat = r"(.*?\n" + re.escape(PROMPT) + r")" * prompts + r"$"
        # The reply ends in a prompt with nothing after it yet.
        end = time.time() + timeout
        while time.time() < end:
            m = self.wait_for(r"\n" + re.escape(PROMPT) + r"$", start,
                              end - time.time())
            if m is None:
                return None
            with self.lock:
                reply = self.out[start:]
            if reply.count("\n" + PROMPT) >= prompts:
                return reply
            time.sleep(0.05)
        return None

    def cmd(self, line, timeout=TIMEOUT):
        """Runs one line; returns its output lines (echo and prompt cut)."""
        if line.split():
            self.ran.add(line.split()[0])
        reply = self.type(line + "\r", timeout=timeout)
        if reply is None:
            return None
        lines = reply.split("\n")
        return lines[1:-1]      # drop the echoed line and the new prompt

    def vga_rows(self):
        """The VGA text screen's 25 rows, read from 0xB8000 through the
        QEMU monitor (low byte of each cell: the character)."""
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(10)
        sock.connect(self.monitor_path)
        data = b""
        try:
            sock.sendall(b"xp /2000hx 0xb8000\n")
            while data.count(b"\n") < 2000 // 8 + 1 or \
                    not data.rstrip().endswith(b"(qemu)"):
                chunk = sock.recv(65536)
                if not chunk:
                    break
                data += chunk
        except socket.timeout:
            pass
        sock.close()
        cells = []
        for line in data.decode("latin-1").split("\n"):
            m = re.match(r"^\s*([0-9a-f]+): ((?:0x[0-9a-f]{4} ?)+)", line)
            if m and int(m.group(1), 16) >= 0xb8000:
                cells += [int(h, 16) & 0xff for h in m.group(2).split()]
        text = "".join(chr(c) if 32 <= c < 127 else " " for c in cells)
        return [text[i:i + 80].rstrip() for i in range(0, 2000, 80)]

    def close(self):
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()
        shutil.rmtree(self.tmpdir, ignore_errors=True)


class Checks:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, name, ok, why=""):
        if ok:
            self.passed += 1
            print("console: ok " + name)
        else:
            self.failed += 1
            print("console: FAIL %s: %s" % (name, why))
        sys.stdout.flush()
        return ok


def has(lines, pattern):
    return lines is not None and any(re.search(pattern, l) for l in lines)


def show(lines):
    return "no answer (timeout)" if lines is None else repr(lines[:6])


def errors_map(con):
    """The errors command as {"buddy double free": 1, ...}."""
    out = con.cmd("errors") or []
    m = {}
    for l in out:
        g = re.match(r"^errors: (.*) (\d+)$", l)
        if g:
            m[g.group(1)] = int(g.group(2))
    return m


def last_addr(lines):
    for l in reversed(lines or []):
        for a in re.findall(r"0x[0-9a-f]{8}", l):
            return a
    return None


def free_pages(con):
    out = con.cmd("mem") or []
    for l in out:
        g = re.match(r"^mem: page allocator (\d+) of \d+ pages free", l)
        if g:
            return int(g.group(1))
    return None


def expect_one_error(t, con, name, line, err_line, counter):
    """line is bad input: the allocator's own error line, and exactly
    one counter moved, by one."""
    before = errors_map(con)
    pages = free_pages(con)
    out = con.cmd(line)
    after = errors_map(con)
    moved = {k: after.get(k, 0) - before.get(k, 0)
             for k in set(before) | set(after)
             if after.get(k, 0) != before.get(k, 0)}
    t.check(name + ".line", has(out, err_line), show(out))
    t.check(name + ".counter", moved == {counter: 1},
            "counters moved: %r" % moved)
    t.check(name + ".nothing-else", free_pages(con) == pages,
            "free pages changed")


def expect_usage(t, con, name, line, usage):
    """line is malformed: one error line, then the usage; no counter."""
    before = errors_map(con)
    out = con.cmd(line)
    ok = out is not None and len(out) == 2 and \
        out[0].startswith("error: ") and out[1].startswith("usage: " + usage)
    t.check(name, ok, show(out))
    t.check(name + ".no-counter", errors_map(con) == before, "counters moved")


def check_reports(t, con):
    out = con.cmd("help")
    missing = [c for c in COMMANDS if not has(out, r"^help: %s\s" % c)]
    t.check("help.lists-every-command", not missing, "missing %r" % missing)
    # A command added to the table must be added to COMMANDS, and so to
    # the checks below, before this passes.
    listed = [m.group(1) for l in out or []
              for m in [re.match(r"^help: (\S+) ", l)] if m]
    untested = [c for c in listed if c not in COMMANDS and c != "numbers"]
    t.check("help.every-command-tested", not untested,
            "no check drives %r" % untested)
    bad = []
    for c in COMMANDS:
        o = con.cmd("help " + c)
        if not (has(o, r"^usage: %s\b" % c) and has(o, r"^example: ")):
            bad.append(c)
    t.check("help.usage-and-example", not bad, "no usage for %r" % bad)
    out = con.cmd("mem")
    t.check("mem.map", has(out, r"^mmap: \[mem 0x[0-9a-f]{16}-"), show(out))
    t.check("mem.totals", has(out, r"^memory: \d+ KiB usable") and
            has(out, r"^mem: page allocator \d+ of \d+ pages free"),
            show(out))
    out = con.cmd("buddyinfo")
    t.check("buddyinfo", has(out, r"^Node 0, zone +\d+( +\d+){11}$"),
            show(out))
    out = con.cmd("zone")
    t.check("zone.legend", has(out, r"^zone: legend \. free"), show(out))
    one = con.cmd("zone 1")
    # The picture of zone 1 alone is the zone 1 part of the full one.
    part = []
    for l in out or []:
        if l.startswith("buddy: zone "):
            if part:
                break
            if l.startswith("buddy: zone 1 "):
                part.append(l)
        elif part:
            part.append(l)
    t.check("zone.one-zone", bool(part) and one is not None and
            one[1:] == part, "zone 1 %s vs %r" % (show(one), part[:3]))
    out = con.cmd("slabinfo")
    t.check("slabinfo", has(out, r"^slabinfo - version: 2\.1$") and
            has(out, r"^pool_cache "), show(out))
    out = con.cmd("vmstat")
    t.check("vmstat", has(out, r"^kmalloc:   Size    InUse"), show(out))
    out = con.cmd("errors")
    t.check("errors.none", out == ["errors: none"], show(out))
    out = con.cmd("check")
    t.check("check", out is not None and len(out) == 5 and
            all(re.search(r" 0 problems", l) for l in out), show(out))
    out = con.cmd("ledger")
    t.check("ledger", has(out, r"^ledger: free buddy block \d+ pages ") and
            has(out, r"^ledger: total \d+ pages \(\d+ KiB\), 0 problems$"),
            show(out))


def check_pages(t, con):
    out = con.cmd("alloc 2 3")
    addrs = [int(a, 16) for l in out or [] for a in
             re.findall(r"^alloc: (0x[0-9a-f]{8}) order 2 \(4 pages\)$", l)]
    t.check("alloc.count", len(set(addrs)) == 3, show(out))
    t.check("alloc.aligned", all(a % 16384 == 0 for a in addrs), show(out))
    out = con.cmd("page $")
    t.check("page.kernel-block",
            has(out, r"^page: %s kernel block order 2 \[%s-0x[0-9a-f]{8}\]$"
                % (ADDR, ADDR)), show(out))
    out = con.cmd("page 0x100000")
    t.check("page.reserved",
            out == ["page: 0x00100000 reserved (kernel image)"], show(out))
    out = con.cmd("page")
    t.check("page.no-addr", has(out, r"^error: page needs an ADDR$"),
            show(out))
    out = con.cmd("allocb 12K")
    t.check("allocb", has(out, r"^allocb: 0x[0-9a-f]{8} order 2 \(4 pages\)$"),
            show(out))
    out = con.cmd("resize $ 64K")
    t.check("resize", has(out, r"^resize: 0x[0-9a-f]{8} order 4 "), show(out))
    out = con.cmd("size $")
    t.check("size", has(out, r"^size: " + ADDR + r" is 65536 bytes "
                        r"\(order 4\)$"), show(out))
    addr = last_addr(out)
    out = con.cmd("free $")
    t.check("free", out == ["free: %s freed" % addr], show(out))
    expect_one_error(t, con, "free.double", "free " + addr,
                     r"^buddy: double free at %s \(allocator kernel\)$" % addr,
                     "buddy double free")
    expect_one_error(t, con, "free.misaligned", "free 0x1234",
                     r"^buddy: misaligned address at 0x00001234 ",
                     "buddy misaligned address")
    for a in addrs:
        con.cmd("free 0x%08x" % a)
    con.cmd("alloc 1")
    expect_one_error(t, con, "free.interior", "free $+0x1000",
                     r"^buddy: interior address at 0x[0-9a-f]{8} ",
                     "buddy interior address")
    out = con.cmd("free $")
    t.check("free.after-interior", has(out, r"^free: 0x[0-9a-f]{8} freed$"),
            show(out))


def check_tree(t, con):
    """tree: the picture of an allocated block and of a 4 MiB region,
    the XOR rule in each pair line, bad input, and nothing changed."""
    pages = free_pages(con)
    out = con.cmd("alloc 2")
    a = last_addr(out)
    out = con.cmd("tree $ 2")
    t.check("tree.legend", has(out, r"^tree: legend \. free  # allocated  "
                                    r"\+ split  m reserved  blank: "), show(out))
    t.check("tree.header", has(out, r"^tree: zone \d+ block \[mem %s-%s\] "
                                    r"order 2, 16 KiB$" % (a, ADDR)), show(out))
    t.check("tree.row", has(out, r"^tree: order  2 #{63}$"), show(out))
    pair = [g for l in out or [] for g in [re.match(
        r"^tree: order 2 block (%s) allocated: buddy pfn (0x[0-9a-f]+) \^ "
        r"0x4 = (0x[0-9a-f]+) (free|allocated|split|reserved|outside the "
        r"zone)$" % ADDR, l)] if g]
    t.check("tree.xor", len(pair) == 1 and pair[0].group(1) == a and
            int(pair[0].group(2), 16) == int(a, 16) >> 12 and
            int(pair[0].group(3), 16) == (int(a, 16) >> 12) ^ 4, show(out))
    con.cmd("free $")
    out = con.cmd("tree 0x400000")
    t.check("tree.default-order",
            has(out, r"^tree: zone \d+ block \[mem 0x00400000-0x007fffff\] "
                r"order 10, 4096 KiB$") and
            has(out, r"^tree: orders 10 to 5 drawn, below order 5 not "
                r"drawn$") and has(out, r"^tree: order 10 [.+#]{63}$"),
            show(out))
    out = con.cmd("tree 0x401000 4")
    t.check("tree.inside", has(out, r"^tree: all inside the free order-10 "
                                    r"block at 0x00400000$"), show(out))
    expect_usage(t, con, "tree.no-addr", "tree", "tree ")
    expect_usage(t, con, "tree.bad-addr", "tree x", "tree ")
    expect_usage(t, con, "tree.no-zone", "tree 0x90000000", "tree ")
    expect_usage(t, con, "tree.order-11", "tree 0x400000 11", "tree ")
    expect_usage(t, con, "tree.bad-order", "tree 0x400000 z", "tree ")
    expect_usage(t, con, "tree.beyond-zone", "tree 0x1000 1", "tree ")
    expect_usage(t, con, "tree.too-many", "tree 0x1000 0 0", "tree ")
    t.check("tree.nothing-changed", free_pages(con) == pages,
            "free pages changed")


def check_kmalloc(t, con):
    for size in (16, 32, 64, 128, 256, 512, 1024, 2048):
        out = con.cmd("kmalloc %d" % size)
        t.check("kmalloc.bucket-%d" % size,
                has(out, r"^kmalloc: %d bytes at 0x[0-9a-f]{8} \(bucket %d\)$"
                    % (size, size)), show(out))
        con.cmd("kfree $")
    out = con.cmd("kmalloc 5000")
    t.check("kmalloc.page-run",
            has(out, r"^kmalloc: 5000 bytes at 0x[0-9a-f]{5}000 "
                r"\(page run of 8192\)$"), show(out))
    con.cmd("kfree $")
    out = con.cmd("kmalloc 100 3")
    t.check("kmalloc.count", out is not None and len(out) == 3, show(out))
    out = con.cmd("ksize $")
    t.check("ksize", has(out, r"^ksize: 0x[0-9a-f]{8} is 128 bytes$"),
            show(out))
    out = con.cmd("krealloc $ 300")
    t.check("krealloc", has(out, r"^krealloc: 300 bytes at " + ADDR +
                            r" \(bucket 512\)$"), show(out))
    expect_one_error(t, con, "kfree.interior", "kfree $+16",
                     r"^kheap: interior pointer at " + ADDR +
                     r" \(heap kmalloc\)$",
                     "kmalloc interior pointer")
    a = last_addr(con.cmd("ksize $"))
    out = con.cmd("kfree $")
    t.check("kfree", out == ["kfree: %s freed" % a], show(out))
    expect_one_error(t, con, "kfree.double", "kfree $",
                     r"^kheap: double free at %s \(heap kmalloc\)$" % a,
                     "kmalloc double free")


def check_pools(t, con):
    out = con.cmd("pool create ta 64")
    t.check("pool.create", has(out, r"^pool: created ta, 64-byte objects, "
                               r"\d+ per slab$"), show(out))
    out = con.cmd("pool create tb 48 static 8")
    t.check("pool.create-static", has(out, r"^pool: created tb, 48-byte "
                                      r"objects, 8 per slab, static$"),
            show(out))
    out = con.cmd("pool alloc ta 2")
    ta = [last_addr([l]) for l in out or []]
    t.check("pool.alloc", len(ta) == 2 and all(ta), show(out))
    b = last_addr(con.cmd("pool alloc tb"))
    expect_one_error(t, con, "pool.wrong-pool", "pool free ta " + str(b),
                     r"^pool: object of another pool at %s \(pool ta\)$" % b,
                     "pool ta object of another pool")
    out = con.cmd("pool free tb $")
    t.check("pool.free", out == ["pool: tb freed %s" % b], show(out))
    expect_one_error(t, con, "pool.double", "pool free tb " + str(b),
                     r"^pool: double free at %s \(pool tb\)$" % b,
                     "pool tb double free")
    out = con.cmd("pool destroy ta")
    t.check("pool.destroy-busy", has(out, r"^pool: ta keeps 2 objects in use"),
            show(out))
    for a in ta:
        con.cmd("pool free ta %s" % a)
    out = con.cmd("pool destroy ta")
    t.check("pool.destroy", out == ["pool: destroyed ta"], show(out))
    con.cmd("pool destroy tb")
    out = con.cmd("pool create tc 100 ctor")
    t.check("pool.ctor-create", has(out, r", constructor$"), show(out))
    out = con.cmd("pool alloc tc")
    t.check("pool.ctor-runs",
            has(out, r"\(constructor runs so far: [1-9]\d*\)$"), show(out))
    con.cmd("pool free tc $")
    out = con.cmd("pool destroy tc")
    t.check("pool.ctor-destroy", out == ["pool: destroyed tc"], show(out))
    expect_usage(t, con, "pool.unknown-name", "pool alloc nosuch", "pool ")


def check_slabs(t, con):
    """slabs: a pool's slab as cells; the free list it shows is the order
    the next allocations come in; bad input; the static boot pool."""
    con.cmd("pool create pic 64")
    out = con.cmd("pool alloc pic 3")
    objs = [last_addr([l]) for l in out or []]
    con.cmd("pool free pic %s" % objs[1])
    out = con.cmd("slabs pic order")
    t.check("slabs.summary", has(out, r"^pool: pic: 2 of (\d+) objects in use, "
                                     r"1 slab of \1, 64 bytes each$"), show(out))
    t.check("slabs.legend", has(out, r"^pool: legend # in use  \. free  - "
                                     r"not carved yet$"), show(out))
    t.check("slabs.slab", has(out, r"^pool: pic slab %s partial: 2 of \d+ "
                                   r"in use$" % ADDR), show(out))
    t.check("slabs.cells", has(out, r"^pool: \|#\.#-+\|$"), show(out))
    # The freed object is parked: shown first, newest first, as the next
    # alloc's; the slab's own free list is empty.
    t.check("slabs.order", has(out, r"^pool: pic parked, newest first: "
                                    r"1 of \d+$") and
            has(out, r"^pool: parked: object 1 of slab %s$" % ADDR) and
            has(out, r"^pool: free list: empty$") and
            has(out, r"^pool: then carved: objects 3 to \d+$"), show(out))
    out = con.cmd("pool alloc pic")
    t.check("slabs.order-kept", last_addr(out) == objs[1], show(out))
    out = con.cmd("slabs pic")
    t.check("slabs.no-order", out is not None and len(out) == 4 and
            has(out, r"^pool: \|###-+\|$"), show(out))
    out = con.cmd("slabs boot_module")
    t.check("slabs.static", has(out, r"^pool: boot_module: \d+ of 8 objects "
                                     r"in use, 1 static slab of 8, "), show(out))
    expect_usage(t, con, "slabs.no-pool", "slabs", "slabs ")
    expect_usage(t, con, "slabs.unknown", "slabs nosuch", "slabs ")
    expect_usage(t, con, "slabs.bad-word", "slabs pic orders", "slabs ")
    expect_usage(t, con, "slabs.too-many", "slabs pic order x", "slabs ")
    for a in objs:
        con.cmd("pool free pic %s" % a)
    out = con.cmd("pool destroy pic")
    t.check("slabs.destroy", out == ["pool: destroyed pic"], show(out))


def check_kpages(t, con):
    """kpages: the map shows the 64-byte block's slab page as bucket 2;
    kpages 64 order draws that slab with the freed block on its free
    list; bad input."""
    out = con.cmd("kmalloc 64 3")
    blocks = [int(a, 16) for l in out or []
              for a in re.findall(r"^kmalloc: 64 bytes at (0x[0-9a-f]{8})", l)]
    if not t.check("kpages.alloc", len(blocks) == 3, show(out)):
        return
    con.cmd("kfree 0x%08x" % blocks[1])
    out = con.cmd("kpages")
    page = blocks[0] & ~0xfff
    line = page & ~0x3ffff
    rows = {int(m.group(1), 16): m.group(2) for l in out or []
            for m in [re.match(r"^kmalloc: map (0x[0-9a-f]{8}) \|(.{64})\|$",
                               l)] if m}
    t.check("kpages.legend", has(out, r"^kmalloc: map legend 0 16  1 32  "
                                     r"2 64 "), show(out))
    t.check("kpages.map", line in rows and
            rows[line][(page - line) >> 12] == "2", show(out))
    t.check("kpages.totals", has(out, r"^kmalloc: map [1-9]\d* bucket slabs "
                                     r"in \d+ pages, \d+ page runs in \d+ "
                                     r"pages$"), show(out))
    out = con.cmd("kpages 64 order")
    t.check("kpages.bucket", has(out, r"^kmalloc: bucket 64: \d+ blocks in "
                                     r"use, \d+ per slab of order 0, \d+ "
                                     r"pages held$"), show(out))
    t.check("kpages.slab", has(out, r"^kmalloc: bucket 64 slab 0x%08x "
                                   r"(partial|full): \d+ of \d+ in use$"
                                   % page), show(out))
    t.check("kpages.cells", has(out, r"^kmalloc: \|[#.-]+\|$") and
            has(out, r"^kmalloc: free list: \d+"), show(out))
    expect_usage(t, con, "kpages.not-a-bucket", "kpages 100", "kpages ")
    expect_usage(t, con, "kpages.too-big", "kpages 4096", "kpages ")
    expect_usage(t, con, "kpages.bad-size", "kpages x", "kpages ")
    expect_usage(t, con, "kpages.bad-word", "kpages 64 orders", "kpages ")
    expect_usage(t, con, "kpages.too-many", "kpages 64 order x", "kpages ")
    for b in (blocks[0], blocks[2]):
        con.cmd("kfree 0x%08x" % b)


def check_switches(t, con):
    out = con.cmd("trace buddy")
    t.check("trace.on", out == ["switch: trace buddy"], show(out))
    out = con.cmd("alloc 0")
    t.check("trace.alloc-line", has(out, r"^trace: buddy alloc zone=\d+ "
                                    r"addr=" + ADDR + r" order=0$"), show(out))
    out = con.cmd("free $")
    t.check("trace.free-line", has(out, r"^trace: buddy free zone=\d+ "
                                   r"addr=" + ADDR + r" order=0$"), show(out))
    out = con.cmd("trace kmalloc,pool")
    t.check("trace.list", out == ["switch: trace kmalloc,pool"], show(out))
    out = con.cmd("kmalloc 40")
    t.check("trace.kmalloc-line", has(out, r"^trace: kmalloc alloc size=40 "),
            show(out))
    con.cmd("kfree $")
    out = con.cmd("trace off")
    t.check("trace.off", out == ["switch: trace off"], show(out))
    out = con.cmd("alloc 0")
    t.check("trace.off-silent", out is not None and len(out) == 1 and
            not has(out, r"^trace: "), show(out))
    con.cmd("free $")
    out = con.cmd("poison pool")
    t.check("poison", has(out, r"^switch: poison pool$"), show(out))
    con.cmd("poison off")
    out = con.cmd("guard on")
    t.check("guard", has(out, r"^switch: guard on$"), show(out))
    con.cmd("guard off")
    out = con.cmd("debug off")
    t.check("debug", out == ["switch: debug off"], show(out))
    expect_usage(t, con, "trace.bad-layer", "trace nosuch", "trace ")
    expect_usage(t, con, "guard.bad", "guard maybe", "guard ")


def check_running(t, con):
    for layer in ("buddy", "kmalloc", "pool"):
        out = con.cmd("stress %s 3000 5" % layer)
        t.check("stress." + layer,
                has(out, r"^stress: %s passed: 0 patterns overwritten, "
                    r"0 overlaps, 0 misaligned, check 0 problems, "
                    r"0 errors counted$" % layer)
                and has(out, r"^stress: %s \d+ operations per second" % layer),
                show(out))
    expect_usage(t, con, "stress.bad-layer", "stress disk 10", "stress ")
    out = con.cmd("frag")
    t.check("frag", has(out, r"^frag: memory whole again: yes ") and
            has(out, r"^frag: 3\. every other page freed: "), show(out))
    out = con.cmd("selftest cmdline")
    t.check("selftest", has(out, r"^selftest: [1-9]\d* passed, 0 failed$"),
            show(out))
    out = con.cmd("bench", timeout=300)
    t.check("bench", has(out, r"^bench: .* cycles per "), show(out))
    # This boot has no module: replay refuses (tests/boot/replay.sh
    # replays real ones).
    expect_usage(t, con, "replay.no-module", "replay", "replay ")
    expect_usage(t, con, "replay.bad-words", "replay 0 spoil 6", "replay ")
    out = con.cmd("echo hello   world")
    t.check("echo", out == ["hello world"], show(out))


def check_bad_input(t, con):
    expect_usage(t, con, "bad.unknown-command", "frobnicate 3", "help ")
    expect_usage(t, con, "bad.number", "alloc 0x", "alloc ")
    expect_usage(t, con, "bad.hex-digit", "free 0x12g4", "free ")
    expect_usage(t, con, "bad.size-suffix", "kmalloc 12Q", "kmalloc ")
    expect_usage(t, con, "bad.overflow", "allocb 99999999999999999999999",
                 "allocb ")
    expect_usage(t, con, "bad.count", "alloc 0 0", "alloc ")
    expect_usage(t, con, "bad.too-many-args", "buddyinfo extra", "buddyinfo")
    expect_usage(t, con, "bad.missing-arg", "kfree", "kfree ")
    expect_usage(t, con, "bad.zone", "zone 99", "zone ")
    before = errors_map(con)
    out = con.cmd("echo " + "x" * 300)
    t.check("bad.long-line", out is not None and len(out) == 1 and
            re.match(r"^error: line of 305 characters is longer than 255; "
                     r"nothing run$", out[0]) is not None, show(out))
    t.check("bad.long-line-no-counter", errors_map(con) == before,
            "counters moved")
    out = con.cmd("kfree 0")
    t.check("bad.kfree-null", out == ["kfree: NULL: nothing to free, as "
                                      "kfree(NULL) does"], show(out))
    expect_one_error(t, con, "bad.ksize-foreign", "ksize 0",
                     r"^kheap: foreign pointer at 0x00000000 ",
                     "kmalloc foreign pointer")
    out = con.cmd("alloc 11")
    t.check("bad.order", has(out, r"^buddy: order too large at 0x0000000b "),
            show(out))


def check_editor(t, con):
    out = con.cmd("echo abx\x7fc")
    t.check("editor.backspace-del", out == ["abc"], show(out))
    out = con.cmd("echo abx\x08c")
    t.check("editor.backspace-bs", out == ["abc"], show(out))
    reply = con.type("echo abx\x7fc\r")
    t.check("editor.backspace-echo", reply is not None and
            reply.startswith("echo abx\b \bc\n"), repr(reply)[:80])
    out = con.cmd("echo junk\x15echo fresh")
    t.check("editor.ctrl-u", out == ["fresh"], show(out))
    pages = free_pages(con)
    reply = con.type("alloc 0\x03")
    t.check("editor.ctrl-c", reply is not None and
            reply.endswith("alloc 0^C\n" + PROMPT), repr(reply)[:80])
    t.check("editor.ctrl-c-ran-nothing", free_pages(con) == pages,
            "free pages changed")
    con.cmd("echo one")
    con.cmd("echo two")
    con.cmd("echo three")
    out = con.cmd("\x1b[A")
    t.check("editor.history-up", out == ["three"], show(out))
    out = con.cmd("\x1b[A\x1b[A\x1b[A")
    t.check("editor.history-up-up-up", out == ["one"], show(out))
    # History now ends one, two, three, one: up 3 times is two, down once
    # is three.
    out = con.cmd("\x1b[A\x1b[A\x1b[A\x1b[B")
    t.check("editor.history-down", out == ["three"], show(out))
    out = con.cmd("\x1bOA")
    t.check("editor.history-ss3", out == ["three"], show(out))
    reply = con.type("echo a\recho b\necho c\r\necho d\r", prompts=4)
    lines = [l for l in (reply or "").split("\n")
             if re.match(r"^[abcd]$", l)]
    t.check("editor.cr-lf-crlf", lines == ["a", "b", "c", "d"] and
            reply.count(PROMPT) == 4, repr(reply)[:120])


def check_random_bytes(t, con):
    """Any bytes at all, short of a line end, run nothing and break
    nothing: Ctrl-C then abandons whatever they left.  (The junk holds
    no Ctrl-C of its own, so the one sent after it is the only prompt
    to wait for.)"""
    import random
    rnd = random.Random(5)
    junk = bytes(b for b in (rnd.randrange(256) for _ in range(3000))
                 if b not in (3, 10, 13))
    before = errors_map(con)
    pages = free_pages(con)
    con.send(junk)
    reply = con.type("\x03")
    t.check("bad.random-bytes", reply is not None and
            reply.endswith("^C\n" + PROMPT), repr(reply)[-80:])
    out = con.cmd("echo alive")
    t.check("bad.random-bytes-alive", out == ["alive"], show(out))
    t.check("bad.random-bytes-nothing", errors_map(con) == before and
            free_pages(con) == pages, "state changed")
    reply = con.type("\x1b[\r")
    t.check("editor.escape-cut-by-enter", reply is not None and
            reply.endswith("\n" + PROMPT), repr(reply))


def check_vga(t, con):
    con.cmd("echo vga-mirror")
    with con.lock:
        start = len(con.out)
    con.send("echo abx\x7fc")      # typed, not yet run: on screen as is
    con.wait_for(re.escape("echo abx\b \bc"), start, 10)
    rows = con.vga_rows()
    t.check("vga.command", PROMPT + "echo vga-mirror" in rows and
            "vga-mirror" in rows, "screen: %r" % rows[-6:])
    t.check("vga.backspace", rows and rows[-1] == PROMPT + "echo abc",
            "last row %r" % (rows[-1] if rows else None))
    out = con.cmd("")
    t.check("vga.line-ran", out == ["abc"], show(out))


def check_paste(t, con):
    import random
    rnd = random.Random(11)
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789-+=_.,:/"
    lines = ["".join(rnd.choice(alphabet) for _ in range(120))
             for _ in range(34)]
    data = "".join("echo %s\r" % l for l in lines)
    t.check("paste.size", len(data) >= 4096, "only %d bytes" % len(data))
    reply = con.type(data, prompts=len(lines), timeout=120)
    got = [l for l in (reply or "").split("\n") if l in lines]
    t.check("paste.intact", got == lines,
            "%d of %d lines came back intact" % (len(got), len(lines)))
    out = con.cmd("errors")
    t.check("paste.no-overrun", not has(out, r"serial overrun"), show(out))


def main():
    elf, log = sys.argv[1], sys.argv[2]
    qemu = sys.argv[3] if len(sys.argv) > 3 else "qemu-system-i386"
    con = Console(elf, log, qemu)
    t = Checks()
    m = con.wait_for(r"kmemlab: type help for commands, exit to quit\n" +
                     re.escape(PROMPT) + "$")
    if t.check("prompt", m is not None, "no hint and prompt after boot"):
        check_reports(t, con)
        check_bad_input(t, con)
        check_pages(t, con)
        check_tree(t, con)
        check_kmalloc(t, con)
        check_pools(t, con)
        check_slabs(t, con)
        check_kpages(t, con)
        check_switches(t, con)
        check_editor(t, con)
        check_vga(t, con)
        check_random_bytes(t, con)
        check_paste(t, con)
        check_running(t, con)
        out = con.cmd("check")
        t.check("check.after-all", out is not None and len(out) == 5 and
                all(" 0 problems" in l for l in out), show(out))
        t.check("commands.all-run", set(COMMANDS) - con.ran == {"exit"},
                "never run: %r" % sorted(set(COMMANDS) - con.ran))
        con.send("exit\r")
        try:
            status = con.proc.wait(30)
        except subprocess.TimeoutExpired:
            status = None
        t.check("exit", status == 33 and
                con.wait_for(r"kmemlab: exit success\n", timeout=1),
                "QEMU status %r" % status)
    con.close()
    print("console: %d passed, %d failed" % (t.passed, t.failed))
    return 0 if t.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
