# tests/gdb/session.py - one gdb session of tests/boot/gdb.sh.
#
# Runs inside "gdb -batch" after tools/gdb/kmem.py, attached to a kernel
# that QEMU holds halted.  The environment says what to do:
#   KMEM_NAME   the boot's name, the prefix of every check
#   KMEM_LOG    the boot's serial log
#   KMEM_MODE   compare  - at the prompt (serial_rx_enable, after the
#                          run= script), run the kmem twin of each
#                          console report in the script and compare
#                          the lines with the kernel's;
#               corrupt  - when the console's check reaches buddy_check,
#                          break a free list of the buddy, of a kmalloc
#                          bucket page and of pool "dentries"; at the
#                          prompt, kmem check must print the kernel's
#                          own violations, naming the same addresses;
#               locked   - stopped in the middle of a free, with the
#                          allocator's lock held (interrupts off): the
#                          commands still read everything;
#               break    - kmem break alloc order=3 and kmem break free
#                          ADDR stop where they should and nowhere else.
# Prints "gdbtest: ok NAME.WHAT" or "gdbtest: FAIL NAME.WHAT: why" per
# check and ends with "gdbtest: N passed, M failed".  gdb's "source"
# runs this file in the namespace kmem.py was sourced into, so its
# readers (buddy, zones, list_entries, kheap, pools) are used
# directly.
import os
import re

import gdb

NAME = os.environ["KMEM_NAME"]
LOG = os.environ["KMEM_LOG"]
MODE = os.environ["KMEM_MODE"]
PROMPT = "kmemlab> "
counts = [0, 0]


def ok(what):
    counts[0] += 1
    print("gdbtest: ok %s.%s" % (NAME, what))


def fail(what, why):
    counts[1] += 1
    print("gdbtest: FAIL %s.%s: %s" % (NAME, what, why))


def kmem(command):
    """The lines a kmem command prints, or an error line."""
    try:
        return gdb.execute("kmem " + command, to_string=True).splitlines()
    except gdb.error as e:
        return ["gdb error: %s" % e]


def stop_at(function):
    """Continues until function is reached (one temporary breakpoint)."""
    gdb.Breakpoint(function, temporary=True)
    gdb.execute("continue")


def sections():
    """(command, lines) for each console command the script ran."""
    with open(LOG, encoding="utf-8", errors="replace") as f:
        lines = [l.rstrip("\r\n") for l in f]
    out = []
    for line in lines:
        if line.startswith(PROMPT):
            out.append((line[len(PROMPT):], []))
        elif out:
            out[-1][1].append(line)
    return out


# The console's check runs every layer's checker; kmem check redoes
# those it prints a "check: LAYER" line for.  Violation lines start
# "MODULE: check:" (the buddy, the memory map) and are kept for the
# covered layers.
CHECK_MODULES = {"memmap": "memmap", "buddy": "buddy", "kmalloc": "kheap",
                 "pool": "pool"}


def check_lines(kernel, got):
    covered = [l.split()[1] for l in got if l.startswith("check: ")]
    keep = tuple("check: %s " % c for c in covered) + tuple(
        "%s: check:" % CHECK_MODULES.get(c, c) for c in covered)
    return [l for l in kernel if l.startswith(keep)]


def twin(command, kernel):
    """The kmem command for a console command, and the kernel's lines
    to compare with, or None for commands that are no report."""
    words = command.split()
    if not words:
        return None
    if words[0] in ("buddyinfo", "zone", "slabinfo", "vmstat", "errors"):
        return command, kernel
    if words[0] == "page" and kernel:
        m = re.match(r"^page: (0x[0-9a-f]{8}) ", kernel[0])
        return ("page %s" % m.group(1), kernel) if m else None
    if words[0] == "check":
        return "check", None
    return None


def compare_one(command, kernel, seen):
    """Compares the console's report command (its lines kernel) with its
    kmem twin, run now."""
    t = twin(command, kernel)
    if t is None:
        return
    kcmd, want = t
    got = kmem(kcmd)
    if want is None:
        want = check_lines(kernel, got)
    what = "-".join(kcmd.split())
    seen[what] = seen.get(what, 0) + 1
    if seen[what] > 1:
        what += "-%d" % seen[what]
    if got == want and got:
        ok(what)
        return
    for i in range(max(len(got), len(want))):
        g = got[i] if i < len(got) else "(nothing)"
        w = want[i] if i < len(want) else "(nothing)"
        if g != w:
            fail(what, "line %d: kernel \"%s\", gdb \"%s\"" % (i + 1, w, g))
            return
    fail(what, "no lines")


def compare_all(freelists=True):
    """Stops before each command of the run= script (monitor_exec) and
    at the prompt; at each stop, the command before has printed all its
    lines and nothing has changed since, so its report is compared."""
    seen = {}
    done = 0
    gdb.Breakpoint("monitor_exec")
    gdb.Breakpoint("serial_rx_enable")
    while True:
        gdb.execute("continue")
        s = sections()
        finished = s if gdb.selected_frame().name() == "serial_rx_enable" \
            else s[:-1]
        for command, kernel in finished[done:]:
            compare_one(command, kernel, seen)
        done = len(finished)
        if gdb.selected_frame().name() == "serial_rx_enable":
            break
    if not seen:
        fail("compare", "no report of the run= script found in %s" % LOG)
    if freelists:
        check_freelists()


def check_freelists():
    """Every free list walks to as many blocks as buddyinfo counts, and
    the first blocks of each are, by kmem page, free blocks of that
    order."""
    bad = []
    for z in zones(buddy()):
        for k in range(z.norders):
            lines = kmem("freelist %u %u" % (k, z.index))
            blocks = [l.split()[1] for l in lines[1:-1]]
            if lines[-1] != "freelist: %u blocks on the list" % z.nfree(k):
                bad.append("zone %u order %u: %s" % (z.index, k, lines[-1]))
            for b in blocks[:4]:
                role = kmem("page %s" % b.split("-")[0])
                if not role[0].endswith(" free buddy block order %u [%s]"
                                        % (k, b)):
                    bad.append("%s: %s" % (b, role))
    if bad:
        fail("freelists", "; ".join(bad[:3]))
    else:
        ok("freelists")


def write_word(addr, v):
    gdb.selected_inferior().write_memory(addr, v.to_bytes(4, "little"))


def corrupt_buddy():
    """Points the next link of the first block A of a free list (order 1
    or more, two blocks at least) at the second page of the block after
    it; returns the line buddy_check prints for it, the kmem freelist
    command and the start of the line it must print."""
    for z in zones(buddy()):
        for k in range(z.norders - 1, 0, -1):
            if z.nfree(k) < 2:
                continue
            a = z.link(z.head(k))[0]
            bad = z.link(a)[0] + 1
            write_word(z.link_addr(a), bad)
            a_addr = (z.first + a) << PAGE_SHIFT
            bad_addr = (z.first + bad) << PAGE_SHIFT
            print("gdbtest: wrote %u as the next link of 0x%08x, to "
                  "0x%08x (zone %u order %u)" % (bad, a_addr, bad_addr,
                                                 z.index, k))
            return ("buddy: check: bad free-list entry at 0x%08x" % a_addr,
                    "freelist %u %u" % (k, z.index),
                    "freelist: bad link to 0x%08x after 0x%08x: " %
                    (bad_addr, a_addr))
    return None


def corrupt_kheap():
    """Points the first free block of a kmalloc bucket's partial slab
    past the slab's last object; returns the line kheap_check prints."""
    h = kheap()
    for i in range(length(h["bucket"])):
        b = h["bucket"][i]
        links = list_entries(b["partial"], int(b["npages"]))
        s = slab_of_link(links[0]) if links else None
        if s is not None and int(s["freelist"]):
            g = b["geom"]
            bad = int(s["base"]) + int(g["size"]) * int(g["nobjs"])
            write_word(int(s["freelist"]) + int(g["link_off"]), bad)
            return "kheap: check: bad free-list entry at 0x%08x" % bad
    return None


def corrupt_pool(name):
    """Points the first free object of pool name's first partial slab
    past the slab's last object, or, when no slab lists a free object,
    the first entry of the pool's parked array; returns the line
    pool_check prints."""
    for p in pools():
        if string(p["name"]) != name:
            continue
        g = p["geom"]
        slabs = [slab_of_link(l)
                 for l in list_entries(p["partial"], int(p["nslabs"]))]
        for s in slabs:
            if int(s["freelist"]):
                bad = int(s["base"]) + int(g["size"]) * int(g["nobjs"])
                write_word(int(s["freelist"]) + int(g["link_off"]), bad)
                return "pool: check: bad free-list entry at 0x%08x " \
                    "(pool %s)" % (bad, name)
        if int(p["nparked"]) and slabs:
            s = slabs[0]
            bad = int(s["base"]) + int(g["size"]) * int(g["nobjs"])
            write_word(address(p["parked"][0]), bad)
            return "pool: check: bad parked entry at 0x%08x (pool %s)" % \
                (bad, name)
    return None


def expect_named(what, line):
    """line is printed by kmem check and once by the kernel's check."""
    if line is None:
        fail(what, "nothing to corrupt")
        return
    got = kmem("check")
    with open(LOG, encoding="utf-8", errors="replace") as f:
        kernel = [l for l in f if l.startswith(line)]
    if any(l.startswith(line) for l in got) and len(kernel) == 1:
        ok(what)
    else:
        fail(what, "\"%s\": %d kernel lines, kmem check printed %s" %
             (line, len(kernel), got))


def run_corrupt():
    """Breaks a free list of each layer while the console's check is
    about to run, then compares both checks' lines."""
    stop_at("buddy_check")
    found = corrupt_buddy()
    kline = corrupt_kheap()
    pline = corrupt_pool("dentries")
    compare_all(freelists=False)
    if found is None:
        fail("buddy-names-block", "no free list with two blocks")
        return
    line, command, want = found
    expect_named("buddy-names-block", line)
    expect_named("kmalloc-names-block", kline)
    expect_named("pool-names-object", pline)
    got = kmem(command)
    if any(l.startswith(want) for l in got):
        ok("freelist-stops")
    else:
        fail("freelist-stops", "no \"%s\" in %s" % (want, got))


def run_locked():
    """Stops inside the merge loop of a free: the lock is held."""
    stop_at("merge_up")
    eflags = int(gdb.parse_and_eval("$eflags"))
    if eflags & 0x200 == 0:
        ok("lock-held")
    else:
        fail("lock-held", "interrupts are on (eflags 0x%x)" % eflags)
    nzones = int(gdb.parse_and_eval("kernel_buddy.nzones"))
    info = kmem("buddyinfo")
    nodes = [l for l in info if l.startswith("Node 0, zone")]
    if len(nodes) == nzones and info[:nzones] == nodes and \
            len(info) == nzones + 1 and \
            re.match(r"^buddy: parked: [0-9]+ of 32 order-0 pages$",
                     info[nzones]):
        ok("buddyinfo")
    else:
        fail("buddyinfo", "%d zones, got %s" % (nzones, info))
    pic = kmem("zone")
    if sum(l.startswith("buddy: zone ") for l in pic) == nzones:
        ok("zone")
    else:
        fail("zone", "got %s" % pic)
    chk = kmem("check")
    if any(re.match(r"^check: buddy [0-9]+ problems$", l) for l in chk):
        ok("check")
    else:
        fail("check", "got %s" % chk)


def stopped_in(names):
    """The function of the frame stopped in, if it is one of names."""
    f = gdb.selected_frame()
    return f.name() if f.name() in names else None


def run_break():
    """kmem break alloc order=3 stops at each order-3 allocation and at
    no other; kmem break free ADDR at the free of ADDR and at no other
    (the script frees a bad address first)."""
    allocs = ("buddy_alloc", "buddy_alloc_locked")
    said = gdb.execute("kmem break alloc order=3", to_string=True)
    got = []
    for i in range(2):
        said = gdb.execute("continue", to_string=True)
        if not stopped_in(allocs):
            fail("alloc-order", "stop %d in %s" % (i, gdb.selected_frame()
                                                   .name()))
            return
        order = int(gdb.selected_frame().read_var("order"))
        msg = [l for l in said.splitlines() if l.startswith("kmem: ")]
        gdb.execute("finish", to_string=True)
        got.append((order, msg, int(gdb.parse_and_eval("$"))))
    if all(o == 3 and msg == ["kmem: buddy_alloc allocator kernel order 3"]
           and a for o, msg, a in got):
        ok("alloc-order")
    else:
        fail("alloc-order", "stops %s" % got)
    gdb.execute("delete")
    addr = got[1][2] or 0
    gdb.execute("kmem break free 0x%x" % addr, to_string=True)
    said = gdb.execute("continue", to_string=True)
    frees = ("buddy_free", "buddy_free_locked")
    want = "kmem: buddy_free allocator kernel addr 0x%08x" % addr
    if stopped_in(frees) and \
            int(gdb.selected_frame().read_var("addr")) == addr and \
            want in said.splitlines():
        ok("free-addr")
    else:
        fail("free-addr", "wanted \"%s\", got %s" % (want, said.splitlines()))
    gdb.execute("delete")
    stop_at("serial_rx_enable")
    with open(LOG, encoding="utf-8", errors="replace") as f:
        log = f.read()
    # Both alloc 3 lines name what the breakpoints saw returned.
    if all("alloc: 0x%08x order 3" % a in log for _, _, a in got if a) and \
            "misaligned address at 0x00001234" in log:
        ok("kernel-agrees")
    else:
        fail("kernel-agrees", "alloc lines for %s not in %s" % (got, LOG))


{"compare": compare_all,
 "corrupt": run_corrupt,
 "locked": run_locked,
 "break": run_break}[MODE]()
print("gdbtest: %d passed, %d failed" % (counts[0], counts[1]))
