#!/usr/bin/env python3
"""tools/viz.py - turns a kmemlab serial log into pictures.

Reads a serial log of a boot with trace=buddy,kmalloc,pool (the "trace:"
lines of mm/buddy.c, mm/kheap.c and mm/pool.c, and the boot reports) and
writes one self-contained HTML page - inline SVG and JavaScript, nothing
fetched - that replays the run: every buddy zone's blocks over time with
a slider and a play button, the free blocks per order and a
fragmentation measure over time, kmalloc pages per bucket and pool slabs
over time, and for the selected step the event and the state after it.
With --svg it writes one of those pictures as a stand-alone SVG file
instead, for the docs (make figures).

Replay: every buddy zone starts with its zone-add line and the cover
lines that follow (its free blocks; the pages none covers are its
reserved prefix); each alloc, free, split and merge then changes it.  A
trace line names a zone by its index in its allocator, and self-tests
build allocators inside blocks of the kernel's, so an event goes to the
most recently added live zone of that index holding the address where
the event fits the replayed state.  A zone dies at its zone-remove line
or when the block it lives in is freed.

Limits: up to MAX_EVENTS (250,000) events are replayed, the rest are
reported and dropped.  The page keeps a full copy of the state every
KEYFRAME (1,000) events, so any step is at most 1,000 replayed events
away, and the charts hold at most SAMPLES (600) points per line: a
100,000-event trace gives a page of about 3 MB that opens in about a
second.  Bad input (a truncated log, garbled or interleaved lines, an
unknown event, a log of another build, an event that does not fit the
replayed state) is reported on stderr and in the page, naming the log
line; the rest is still drawn.

Python 3 standard library only.  Read after: docs/buddy.md.
Tests: tests/viz/test_viz.py, tests/boot/viz.sh.  Chapter: docs/pictures.md.
"""
import argparse
import html
import json
import os
import re
import sys

PAGE = 4096
MAX_ORDER = 10
NORDERS = MAX_ORDER + 1
MAX_EVENTS = 250000
KEYFRAME = 1000
SAMPLES = 600
MAX_PRINTED = 20        # problems printed on stderr; the page has all
BUCKETS = ["16", "32", "64", "128", "256", "512", "1024", "2048", "large"]

FREE, ALLOC = 0, 1

# Event codes shared with the page's script (EV in PAGE_JS).
EV = {"cover": 0, "alloc": 1, "free": 2, "split": 3, "merge": 4,
      "zone-add": 5, "zone-remove": 6,
      "kmalloc alloc": 10, "kmalloc free": 11, "kmalloc refill": 12,
      "kmalloc return": 13, "kmalloc grow": 14, "kmalloc shrink": 15,
      "pool grow": 20, "pool return": 21, "pool alloc": 22, "pool free": 23}

RE_BUDDY = re.compile(r"trace: buddy (\S+) zone=(\d+) addr=0x([0-9a-f]+) "
                      r"order=(\d+)$")
RE_ZONE = re.compile(r"trace: buddy (\S+) zone=(\d+) addr=0x([0-9a-f]+) "
                     r"pages=(\d+) allocator=(\S.*)$")
RE_KMALLOC = re.compile(r"trace: kmalloc (\S+) size=(\d+) bucket=(\S+) "
                        r"addr=0x([0-9a-f]+)$")
RE_EXTENT = re.compile(r"trace: kmalloc (\S+) extent=0x([0-9a-f]+) "
                       r"pages=(\d+)$")
RE_POOL = re.compile(r"trace: pool (\S+) pool=(\S+) addr=0x([0-9a-f]+)$")
RE_BANNER = re.compile(r"kmemlab (\S+): ")
RE_BUDDYINFO = re.compile(r"Node 0, zone +(\d+)((?: +\d+)+)$")
RE_SELFTEST = re.compile(r"selftest: (ok|FAIL) (\S+)")
RE_LAST = re.compile(r"kmemlab: (exit|idle)")

BUDDY_EVENTS = ("cover", "alloc", "free", "split", "merge")
KMALLOC_EVENTS = ("alloc", "free", "refill", "return")
POOL_EVENTS = ("grow", "return", "alloc", "free")


def tree_version():
    """The version in this tree's kernel/kernel.h, or None."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                        "kernel", "kernel.h")
    try:
        with open(path) as f:
            m = re.search(r'KMEMLAB_VERSION "([^"]+)"', f.read())
    except OSError:
        return None
    return m.group(1) if m else None


class Zone:
    """One buddy zone as replayed: blocks by page offset from its base."""

    def __init__(self, zid, allocator, index, base, npages, born, line):
        self.id = zid
        self.allocator = allocator
        self.index = index
        self.base = base                # address of its first page
        self.npages = npages
        self.born = born                # first step it exists in
        self.died = None                # first step it no longer exists in
        self.line = line
        self.blocks = {}                # offset -> [order, FREE or ALLOC]
        self.nfree = [0] * NORDERS
        self.nevents = 0
        self.history = []               # (step, nfree tuple) per change

    def name(self):
        return "%s zone %d @0x%08x" % (self.allocator, self.index, self.base)

    def contains(self, addr):
        return self.base <= addr < self.base + self.npages * PAGE

    def set(self, off, order, state):
        old = self.blocks.get(off)
        if old is not None and old[1] == FREE:
            self.nfree[old[0]] -= 1
        self.blocks[off] = [order, state]
        if state == FREE:
            self.nfree[order] += 1

    def drop(self, off):
        old = self.blocks.pop(off)
        if old[1] == FREE:
            self.nfree[old[0]] -= 1


def frag_measures(nfree, order):
    """(unusable free space index for order, 1 - largest/free) or Nones.

    The index (Linux's, mm/vmstat.c) is the fraction of free pages in
    blocks too small for a request of 2^order pages.
    """
    total = sum(n << k for k, n in enumerate(nfree))
    if total == 0:
        return None, None
    usable = sum(n << k for k, n in enumerate(nfree) if k >= order)
    largest = max(k for k, n in enumerate(nfree) if n > 0)
    return (total - usable) / total, 1 - (1 << largest) / total


class Replay:
    """Parses a log and replays it; collects problems by line number."""

    def __init__(self, frag_order=4, max_events=MAX_EVENTS):
        self.frag_order = frag_order
        self.max_events = max_events
        self.zones = []
        self.steps = []         # (line, code, target, a, b) per event
        self.problems = []      # (line, text)
        self.notes = []         # (line, text): checks that passed
        self.phases = []        # (name, first step, last step, ok)
        self.version = None
        self.nlines = 0
        self.other_lines = 0
        self.dropped = 0
        self.stopped = False
        self.kmalloc_pages = [0] * len(BUCKETS)
        self.kmalloc_inuse = [0] * len(BUCKETS)
        self.kmalloc_history = []   # (step, pages tuple)
        self.large = {}             # address -> pages of a page run
        self.pools = []             # names, in order of first sight
        self.pool_slabs = {}
        self.pool_inuse = {}
        self.pool_history = []      # (step, slabs tuple)
        self.buddyinfo = []         # lines of the report being read
        self.mark = 0               # steps before the last report line
        self.ended = False          # saw "kmemlab: exit" or "idle"

    def problem(self, line, text):
        self.problems.append((line, text))

    # ---- reading ----------------------------------------------------

    def read(self, text):
        lines = text.split("\n")
        ends_cleanly = text.endswith("\n") or text == ""
        if ends_cleanly and lines and lines[-1] == "":
            lines.pop()
        for i, raw in enumerate(lines):
            if self.stopped:
                break
            last = i == len(lines) - 1
            self.line(i + 1, raw.rstrip("\r"), last and not ends_cleanly)
        self.nlines = len(lines)
        self.end_report(self.nlines + 1)
        self.finish()
        return self

    def line(self, n, s, unterminated):
        if unterminated:
            self.problem(n, "the log ends inside this line (truncated)")
        if not s.startswith("trace:"):
            pos = s.find("trace: ")
            if pos > 0:
                self.problem(n, "trace text in the middle of a line "
                             "(output interleaved); read from column %d"
                             % (pos + 1))
                s = s[pos:]
            else:
                self.report_line(n, s)
                return
        self.end_report(n)
        if len(self.steps) >= self.max_events:
            self.dropped += 1
            return
        self.trace_line(n, s)

    def report_line(self, n, s):
        m = RE_BUDDYINFO.match(s)
        if m:
            counts = [int(x) for x in m.group(2).split()]
            self.buddyinfo.append((n, int(m.group(1)), counts))
            return
        self.end_report(n)
        m = RE_BANNER.match(s)
        if m:
            if self.version is not None:
                self.problem(n, "a second boot starts here; only the "
                             "first is replayed")
                self.stopped = True
                return
            self.version = m.group(1)
            mine = tree_version()
            if mine is not None and mine != self.version:
                self.problem(n, "log from kmemlab %s, this tool is from "
                             "%s: formats may differ" % (self.version, mine))
            return
        if RE_LAST.match(s):
            self.ended = True
        m = RE_SELFTEST.match(s)
        if m:
            first = self.phases[-1][2] + 1 if self.phases else \
                self.mark + 1
            self.phases.append((m.group(2), first, len(self.steps),
                                m.group(1) == "ok"))
            return
        self.other_lines += 1
        self.mark = len(self.steps)

    def end_report(self, n):
        """Compares a finished buddyinfo report with the kernel's zones."""
        if not self.buddyinfo:
            return
        report, self.buddyinfo = self.buddyinfo, []
        live = {z.index: z for z in self.zones
                if z.allocator == "kernel" and z.died is None}
        if not live:
            return
        first = report[0][0]
        for line, index, counts in report:
            z = live.get(index)
            want = counts + [0] * (NORDERS - len(counts))
            if z is None:
                self.problem(line, "the kernel reports zone %d, which the "
                             "trace never added" % index)
            elif want[:NORDERS] != z.nfree:
                self.problem(line, "the kernel's buddyinfo for zone %d "
                             "differs from the replay (%s): events lost?"
                             % (index, " ".join(map(str, z.nfree))))
                return
        self.notes.append((first, "replay agrees with the kernel's "
                           "buddyinfo after step %d" % len(self.steps)))

    def trace_line(self, n, s):
        words = s.split()
        if len(words) < 3:
            self.problem(n, "trace line cut short: %r" % s)
            return
        layer, event = words[1], words[2]
        if layer == "buddy":
            self.buddy_line(n, s, event)
        elif layer == "kmalloc":
            self.kmalloc_line(n, s, event)
        elif layer == "pool":
            self.pool_line(n, s, event)
        else:
            self.problem(n, "unknown trace layer %r; line skipped" % layer)

    def malformed(self, n, s, layer, event):
        self.problem(n, "malformed %s %s line (cut short or from another "
                     "build): %r" % (layer, event, s))

    # ---- buddy ------------------------------------------------------

    def buddy_line(self, n, s, event):
        if event in ("zone-add", "zone-remove"):
            m = RE_ZONE.match(s)
            if not m:
                return self.malformed(n, s, "buddy", event)
            idx, addr, pages = int(m.group(2)), int(m.group(3), 16), \
                int(m.group(4))
            if event == "zone-add":
                self.zone_add(n, idx, addr, pages, m.group(5))
            else:
                self.zone_remove(n, idx, addr, m.group(5))
            return
        if event not in BUDDY_EVENTS:
            return self.problem(n, "unknown buddy event %r; line skipped"
                                % event)
        m = RE_BUDDY.match(s)
        if not m:
            return self.malformed(n, s, "buddy", event)
        idx, addr, order = int(m.group(2)), int(m.group(3), 16), \
            int(m.group(4))
        if order > MAX_ORDER or addr % PAGE:
            return self.problem(n, "buddy %s with order %d at 0x%08x is "
                                "impossible; line skipped"
                                % (event, order, addr))
        self.buddy_event(n, event, idx, addr, order)

    def zone_add(self, n, idx, addr, pages, allocator):
        for z in self.zones:
            if z.died is None and z.allocator == allocator and \
                    z.index >= idx:
                z.index += 1
        z = Zone(len(self.zones), allocator, idx, addr, pages,
                 len(self.steps) + 1, n)
        self.zones.append(z)
        self.step(n, EV["zone-add"], z.id, 0, 0, z)

    def zone_remove(self, n, idx, addr, allocator):
        for z in reversed(self.zones):
            if z.died is None and z.allocator == allocator and \
                    z.index == idx and z.base == addr:
                self.step(n, EV["zone-remove"], z.id, 0, 0, z)
                z.died = len(self.steps) + 1
                for o in self.zones:
                    if o.died is None and o.allocator == allocator and \
                            o.index > idx:
                        o.index -= 1
                return
        self.problem(n, "zone-remove of a zone never added; line skipped")

    def fits(self, z, event, off, order):
        """Does the event fit zone z's replayed state?"""
        size = 1 << order
        b = z.blocks.get(off)
        if (z.base // PAGE + off) % size or off + size > z.npages:
            return False
        if event == "alloc":
            return b == [order, FREE]
        if event == "free":
            return b == [order, ALLOC]
        if event == "split":
            return b is not None and b[0] == order and order > 0
        lo, hi = z.blocks.get(off), z.blocks.get(off + size // 2)
        return order > 0 and lo is not None and hi is not None and \
            lo[0] == order - 1 and hi[0] == order - 1 and \
            not (lo[1] == ALLOC and hi[1] == ALLOC)

    def buddy_event(self, n, event, idx, addr, order):
        cands = [z for z in reversed(self.zones)
                 if z.died is None and z.index == idx and z.contains(addr)]
        if event == "cover":
            cands = cands[:1]
        for z in cands:
            off = (addr - z.base) // PAGE
            if event == "cover":
                ok = off not in z.blocks and off + (1 << order) <= \
                    z.npages and (addr // PAGE) % (1 << order) == 0
            else:
                ok = self.fits(z, event, off, order)
            if ok:
                return self.apply(n, event, z, off, order)
        if not cands:
            self.problem(n, "buddy %s at 0x%08x names zone %d, but no live "
                         "zone %d holds that address (log from a build "
                         "without zone-add lines, or lines lost?)"
                         % (event, addr, idx, idx))
        else:
            z = cands[0]
            b = z.blocks.get((addr - z.base) // PAGE)
            have = "no block starts there" if b is None else \
                "the replay has a %s order-%d block there" % (
                    "free" if b[1] == FREE else "allocated", b[0])
            self.problem(n, "buddy %s of order %d at 0x%08x does not fit "
                         "the replayed %s: %s; line skipped"
                         % (event, order, addr, z.name(), have))

    def apply(self, n, event, z, off, order):
        size = 1 << order
        if event == "cover":
            z.set(off, order, FREE)
        elif event == "alloc":
            z.set(off, order, ALLOC)
        elif event == "free":
            z.set(off, order, FREE)
            self.retire_inside(z, z.base + off * PAGE, size * PAGE)
        elif event == "split":
            state = z.blocks[off][1]
            z.set(off, order - 1, state)
            z.set(off + size // 2, order - 1, FREE)
        else:
            lo, hi = z.blocks[off], z.blocks[off + size // 2]
            state = ALLOC if ALLOC in (lo[1], hi[1]) else FREE
            z.drop(off + size // 2)
            z.set(off, order, state)
        z.nevents += 1
        self.step(n, EV[event], z.id, off, order, z)

    def retire_inside(self, outer, addr, nbytes):
        """Zones living in a block that was just freed are gone."""
        for z in self.zones:
            if z is not outer and z.died is None and z.base >= addr and \
                    z.base + z.npages * PAGE <= addr + nbytes:
                z.died = len(self.steps) + 1

    def step(self, n, code, target, a, b, zone=None):
        self.steps.append((n, code, target, a, b))
        if zone is not None:
            zone.history.append((len(self.steps), tuple(zone.nfree)))

    # ---- kmalloc and pools ------------------------------------------

    def kmalloc_line(self, n, s, event):
        if event in ("grow", "shrink"):
            m = RE_EXTENT.match(s)
            if not m:
                return self.malformed(n, s, "kmalloc", event)
            return self.step(n, EV["kmalloc " + event], 0,
                             int(m.group(2), 16), int(m.group(3)))
        if event not in KMALLOC_EVENTS:
            return self.problem(n, "unknown kmalloc event %r; line skipped"
                                % event)
        m = RE_KMALLOC.match(s)
        if not m:
            return self.malformed(n, s, "kmalloc", event)
        size, bucket, addr = int(m.group(2)), m.group(3), int(m.group(4), 16)
        if bucket not in BUCKETS:
            return self.problem(n, "unknown kmalloc bucket %r; line skipped"
                                % bucket)
        bi = BUCKETS.index(bucket)
        if event == "alloc" and addr == 0:
            return self.step(n, EV["kmalloc alloc"], bi, 0, size)
        if bucket == "large":
            self.large_event(n, event, addr, size)
        elif event == "refill":
            self.kmalloc_pages[bi] += 1
        elif event == "return":
            self.kmalloc_pages[bi] -= 1
        elif event == "alloc":
            self.kmalloc_inuse[bi] += 1
        else:
            self.kmalloc_inuse[bi] -= 1
        self.step(n, EV["kmalloc " + event], bi, addr, size)
        self.kmalloc_history.append((len(self.steps),
                                     tuple(self.kmalloc_pages)))

    def large_event(self, n, event, addr, size):
        large = len(BUCKETS) - 1
        if event == "alloc":
            pages = 1
            while pages * PAGE < size:
                pages *= 2
            self.large[addr] = pages
            self.kmalloc_pages[large] += pages
            self.kmalloc_inuse[large] += 1
        elif event == "free":
            pages = self.large.pop(addr, None)
            if pages is None:
                self.problem(n, "kmalloc free of a page run at 0x%08x the "
                             "trace never allocated" % addr)
                pages = size // PAGE
            self.kmalloc_pages[large] -= pages
            self.kmalloc_inuse[large] -= 1

    def pool_line(self, n, s, event):
        if event not in POOL_EVENTS:
            return self.problem(n, "unknown pool event %r; line skipped"
                                % event)
        m = RE_POOL.match(s)
        if not m:
            return self.malformed(n, s, "pool", event)
        name, addr = m.group(2), int(m.group(3), 16)
        if name not in self.pool_slabs:
            self.pools.append(name)
            self.pool_slabs[name] = 0
            self.pool_inuse[name] = 0
        delta = 1 if event in ("grow", "alloc") else -1
        if event in ("grow", "return"):
            self.pool_slabs[name] += delta
        else:
            self.pool_inuse[name] += delta
        self.step(n, EV["pool " + event], self.pools.index(name), addr, 0)
        self.pool_history.append((len(self.steps), tuple(
            self.pool_slabs[p] for p in self.pools)))

    def finish(self):
        if self.dropped:
            self.problem(self.nlines, "%d events past the first %d were "
                         "dropped (the page's limit)"
                         % (self.dropped, self.max_events))
        if self.version is not None and not self.ended and \
                not self.stopped:
            self.problem(self.nlines, "the log stops before the kernel's "
                         "last line (kmemlab: exit or idle): cut short, or "
                         "the kernel crashed or hung")
        if self.version is None and self.nlines:
            self.problem(1, "no kmemlab banner: not a kmemlab boot log, or "
                         "its start is missing")
        if not self.steps:
            self.problem(self.nlines, "no trace events: boot with "
                         "trace=buddy,kmalloc,pool")
        self.problems.sort(key=lambda p: p[0])

    # ---- queries ------------------------------------------------------

    def nfree_at(self, z, step):
        """Zone z's free blocks per order after step (None if not live)."""
        if step < z.born or (z.died is not None and step >= z.died):
            return None
        cur = None
        lo, hi = 0, len(z.history)
        while lo < hi:
            mid = (lo + hi) // 2
            if z.history[mid][0] <= step:
                lo = mid + 1
            else:
                hi = mid
        if lo:
            cur = list(z.history[lo - 1][1])
        return cur

    def busiest(self, count):
        zs = [z for z in self.zones if z.nevents > 0]
        zs.sort(key=lambda z: -z.nevents)
        return sorted(zs[:count], key=lambda z: z.id)

    def step_of_line(self, line):
        """The step of the event at log line `line`, or None."""
        for i, s in enumerate(self.steps):
            if s[0] == line:
                return i + 1
        return None

    def blocks_at(self, z, step):
        """Zone z's blocks after `step`, by replaying from the start."""
        if step < z.born or (z.died is not None and step >= z.died):
            return None
        blocks = {}
        for i in range(z.born - 1, min(step, len(self.steps))):
            line, code, target, off, order = self.steps[i]
            if target != z.id or code > EV["zone-remove"]:
                continue
            apply_blocks(blocks, code, off, order)
        return blocks


def apply_blocks(blocks, code, off, order):
    """The page script's replay step (applyEvent), for --svg maps."""
    size = 1 << order
    if code in (EV["cover"], EV["free"]):
        blocks[off] = [order, FREE]
    elif code == EV["alloc"]:
        blocks[off] = [order, ALLOC]
    elif code == EV["split"]:
        blocks[off] = [order - 1, blocks[off][1]]
        blocks[off + size // 2] = [order - 1, FREE]
    elif code == EV["merge"]:
        hi = blocks.pop(off + size // 2)
        lo = blocks[off]
        blocks[off] = [order, ALLOC if ALLOC in (lo[1], hi[1]) else FREE]


# ---- SVG ----------------------------------------------------------------

ORDER_COLOURS = ["#c7e9c0", "#a1d99b", "#74c476", "#41ab5d", "#238b45",
                 "#006d2c", "#00441b", "#08519c", "#2171b5", "#4292c6",
                 "#6baed6"]
ALLOC_COLOUR = "#d95f02"
RSVD_COLOUR = "#bdbdbd"
LINE_COLOURS = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e",
                "#e6ab02", "#a6761d", "#666666", "#1f78b4", "#b2df8a",
                "#fb9a99"]


def esc(s):
    return html.escape(str(s), quote=True)


def sample_steps(first, last, count=SAMPLES):
    """At most `count` steps from first to last, both included."""
    n = last - first + 1
    if n <= count:
        return list(range(first, last + 1))
    return [first + (n - 1) * i // (count - 1) for i in range(count)]


def history_values(history, steps, default):
    """The value in effect at each of the (sorted) steps."""
    out, j, cur = [], 0, default
    for s in steps:
        while j < len(history) and history[j][0] <= s:
            cur = history[j][1]
            j += 1
        out.append(cur)
    return out


def chart_svg(title, steps, series, ymax, yfmt, integer=True, cls="chart",
              x_label="step", width=900, height=220):
    """A line chart: series is [(label, values, colour)] over steps."""
    left, right, top, bottom = 60, 190, 28, 34
    w, h = width - left - right, height - top - bottom
    x0, x1 = steps[0], max(steps[-1], steps[0] + 1)
    ymax = ymax or 1

    def px(s):
        return left + (s - x0) * w / (x1 - x0)

    def py(v):
        return top + h - v * h / ymax

    out = ['<svg xmlns="http://www.w3.org/2000/svg" class="%s" width="%d" '
           'height="%d" viewBox="0 0 %d %d" data-x0="%d" data-x1="%d" '
           'data-left="%d" data-w="%d" font-family="sans-serif" '
           'font-size="11">' % (cls, width, height, width, height, x0, x1,
                                left, w)]
    out.append('<rect x="0" y="0" width="%d" height="%d" fill="#fff"/>'
               % (width, height))
    out.append('<text x="%d" y="16" font-size="13" font-weight="bold">%s'
               '</text>' % (left, esc(title)))
    if integer:
        ymax = max(4, -(-ymax // 4) * 4)
    for i in range(5):
        v = ymax * i / 4
        y = py(v)
        out.append('<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" '
                   'stroke="#eee"/>' % (left, left + w, y, y))
        out.append('<text x="%d" y="%.1f" text-anchor="end">%s</text>'
                   % (left - 4, y + 4, esc(yfmt(v))))
    for s in (x0, (x0 + x1) // 2, x1):
        out.append('<text x="%.1f" y="%d" text-anchor="middle">%d</text>'
                   % (px(s), top + h + 14, s))
    out.append('<text x="%d" y="%d" text-anchor="middle">%s</text>'
               % (left + w // 2, height - 4, esc(x_label)))
    out.append('<rect x="%d" y="%d" width="%d" height="%d" fill="none" '
               'stroke="#999"/>' % (left, top, w, h))
    for i, (label, values, colour) in enumerate(series):
        pts = []
        prev = None
        for s, v in zip(steps, values):
            if v is None:
                prev = None
                continue
            if prev is not None:        # a step line: hold, then jump
                pts.append("%.1f,%.1f" % (px(s), py(prev)))
            pts.append("%.1f,%.1f" % (px(s), py(v)))
            prev = v
        if pts:
            out.append('<polyline fill="none" stroke="%s" stroke-width="1.5" '
                       'points="%s"/>' % (colour, " ".join(pts)))
        ly = top + 10 + i * 14
        out.append('<line x1="%d" x2="%d" y1="%d" y2="%d" stroke="%s" '
                   'stroke-width="3"/><text x="%d" y="%d">%s</text>'
                   % (left + w + 10, left + w + 26, ly, ly, colour,
                      left + w + 30, ly + 4, esc(label)))
    out.append('<line class="cursor" x1="-10" x2="-10" y1="%d" y2="%d" '
               'stroke="#000" stroke-dasharray="3,2"/>' % (top, top + h))
    out.append("</svg>")
    return "\n".join(out)


def zone_steps(r, z):
    last = (z.died - 1) if z.died is not None else len(r.steps)
    return sample_steps(z.born, max(last, z.born))


def orders_chart(r, z):
    steps = zone_steps(r, z)
    values = history_values(z.history, steps, (0,) * NORDERS)
    used = [k for k in range(NORDERS) if any(v[k] for v in values)]
    ymax = max([v[k] for v in values for k in used] or [1])
    series = [("order %d" % k, [v[k] for v in values], LINE_COLOURS[k])
              for k in used]
    return chart_svg("Free blocks per order: %s" % z.name(), steps, series,
                     ymax, lambda v: "%d" % v)


def frag_chart(r, z):
    steps = zone_steps(r, z)
    values = history_values(z.history, steps, (0,) * NORDERS)
    fu, lg = [], []
    for v in values:
        a, b = frag_measures(v, r.frag_order)
        fu.append(a)
        lg.append(b)
    series = [("unusable index, order %d" % r.frag_order, fu,
               LINE_COLOURS[1]),
              ("1 - largest/free", lg, LINE_COLOURS[2])]
    return chart_svg("Fragmentation: %s" % z.name(), steps, series, 1.0,
                     lambda v: "%.2f" % v, integer=False)


def kmalloc_chart(r):
    steps = sample_steps(1, max(len(r.steps), 1))
    values = history_values(r.kmalloc_history, steps, (0,) * len(BUCKETS))
    used = [i for i in range(len(BUCKETS)) if any(v[i] for v in values)]
    series = [(BUCKETS[i] + (" pages" if i == len(BUCKETS) - 1 else " B"),
               [v[i] for v in values], LINE_COLOURS[i]) for i in used]
    ymax = max([v[i] for v in values for i in used] or [1])
    return chart_svg("kmalloc: pages per bucket (all heaps)", steps, series,
                     ymax, lambda v: "%d" % v)


def pool_chart(r):
    steps = sample_steps(1, max(len(r.steps), 1))
    values = history_values(r.pool_history, steps, ())
    series = []
    for i, name in enumerate(r.pools):
        series.append((name, [v[i] if i < len(v) else 0 for v in values],
                       LINE_COLOURS[i % len(LINE_COLOURS)]))
    ymax = max([max(s[1]) for s in series] or [1])
    return chart_svg("pools: slabs per pool", steps, series, ymax,
                     lambda v: "%d" % v)


def cell_size(cols):
    """Pixels per page in the detail map: 14 for 64 columns, up to 48."""
    return max(14, min(48, 896 // cols))


def map_window(z, focus):
    """The pages [first, end) of zone z that the detail map shows."""
    if z.npages <= 1 << MAX_ORDER:
        return 0, z.npages
    region = 1 << MAX_ORDER
    pfn = z.base // PAGE + focus
    first = pfn - pfn % region - z.base // PAGE
    first = max(first, 0)
    return first, min(first + region, z.npages)


def map_svg(z, blocks, focus=None, title=None):
    """The detail map of zone z (the Python twin of drawDetail)."""
    first, end = map_window(z, focus or 0)
    cols = min(64, end - first)
    cell = cell_size(cols)
    rows = (end - first + cols - 1) // cols
    left, top = 90, 30
    width, height = left + cols * cell + 10, top + rows * cell + 40
    out = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
           'viewBox="0 0 %d %d" font-family="sans-serif" font-size="11">'
           % (width, height, width, height),
           '<rect width="%d" height="%d" fill="#fff"/>' % (width, height),
           '<text x="4" y="16" font-size="13" font-weight="bold">%s</text>'
           % esc(title or z.name())]
    for row in range(rows):
        out.append('<text x="%d" y="%d" text-anchor="end">0x%08x</text>'
                   % (left - 4, top + row * cell + 11,
                      z.base + (first + row * cols) * PAGE))
    out.append('<rect x="%d" y="%d" width="%d" height="%d" fill="%s"/>'
               % (left, top, cols * cell, rows * cell, RSVD_COLOUR))
    for off in sorted(blocks):
        order, state = blocks[off]
        lo, hi = max(off, first), min(off + (1 << order), end)
        if lo >= hi:
            continue
        fill = ORDER_COLOURS[order] if state == FREE else ALLOC_COLOUR
        p = lo
        while p < hi:
            row, col = (p - first) // cols, (p - first) % cols
            n = min(hi - p, cols - col)
            out.append('<rect class="blk" x="%d" y="%d" width="%d" '
                       'height="%d" fill="%s" stroke="#fff"/>'
                       % (left + col * cell, top + row * cell, n * cell,
                          cell, fill))
            if p == lo and n * cell >= 20:
                out.append('<text x="%d" y="%d" fill="%s">%d</text>'
                           % (left + col * cell + 3, top + row * cell + 11,
                              "#000" if state == ALLOC or order < 3
                              else "#fff", order))
            p += n
    out.append(legend_svg(left, top + rows * cell + 10))
    out.append("</svg>")
    return "\n".join(out)


def legend_svg(x, y):
    out = ['<g font-size="10">']
    items = [("allocated", ALLOC_COLOUR), ("reserved", RSVD_COLOUR)] + \
        [("free order %d" % k, ORDER_COLOURS[k]) for k in range(NORDERS)]
    for i, (label, colour) in enumerate(items):
        cx = x + (i % 7) * 100
        cy = y + (i // 7) * 14
        out.append('<rect x="%d" y="%d" width="10" height="10" fill="%s"/>'
                   '<text x="%d" y="%d">%s</text>'
                   % (cx, cy, colour, cx + 13, cy + 9, esc(label)))
    out.append("</g>")
    return "".join(out)


# ---- the page -----------------------------------------------------------

def page_data(r, charts):
    zones = [{"id": z.id, "name": z.name(), "allocator": z.allocator,
              "base": z.base, "npages": z.npages, "born": z.born,
              "died": z.died if z.died is not None else len(r.steps) + 1,
              "events": z.nevents, "line": z.line,
              "chart": charts.get(z.id)} for z in r.zones]
    cols = list(zip(*r.steps)) if r.steps else [(), (), (), (), ()]
    return {
        "version": r.version, "lines": r.nlines, "other": r.other_lines,
        "keyframe": KEYFRAME, "maxOrder": MAX_ORDER,
        "fragOrder": r.frag_order,
        "buckets": BUCKETS, "pools": r.pools, "zones": zones,
        "ev": {"line": list(cols[0]), "code": list(cols[1]),
               "target": list(cols[2]), "a": list(cols[3]),
               "b": list(cols[4])},
        "phases": [{"name": p[0], "first": p[1], "last": p[2], "ok": p[3]}
                   for p in r.phases],
        "problems": [{"line": p[0], "text": p[1]} for p in r.problems],
        "notes": [{"line": p[0], "text": p[1]} for p in r.notes],
        "colours": {"order": ORDER_COLOURS, "alloc": ALLOC_COLOUR,
                    "rsvd": RSVD_COLOUR},
    }


def write_page(r, out, source):
    charts, chart_html = {}, []
    for z in r.busiest(6):
        charts[z.id] = len(chart_html)
        chart_html.append('<div class="zchart" data-zone="%d">%s\n%s</div>'
                          % (z.id, orders_chart(r, z), frag_chart(r, z)))
    data = json.dumps(page_data(r, charts), separators=(",", ":"))
    data = data.replace("</", "<\\/")
    body = PAGE_HTML.replace("@TITLE@", esc(os.path.basename(source)))
    body = body.replace("@ZONECHARTS@", "\n".join(chart_html))
    body = body.replace("@KMALLOC@", kmalloc_chart(r))
    body = body.replace("@POOL@", pool_chart(r))
    body = body.replace("@LEGEND@", '<svg width="720" height="40">%s</svg>'
                        % legend_svg(0, 2))
    body = body.replace("@DATA@", data)
    body = body.replace("@SCRIPT@", PAGE_JS)
    with open(out, "w") as f:
        f.write(body)


PAGE_HTML = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>kmemlab viz: loading</title>
<style>
body { font-family: sans-serif; margin: 12px; color: #222; }
h1 { font-size: 18px; margin: 0 0 6px 0; }
h2 { font-size: 15px; margin: 14px 0 4px 0; }
#controls { position: sticky; top: 0; background: #f7f7f7; padding: 6px;
  border: 1px solid #ddd; z-index: 1; }
#slider { width: 60%; vertical-align: middle; }
#event { font-family: monospace; white-space: pre; }
#problems { color: #a00; font-family: monospace; white-space: pre-wrap;
  max-height: 9em; overflow: auto; }
#notes { color: #060; font-family: monospace; white-space: pre; }
table.state { border-collapse: collapse; font-family: monospace; }
table.state td, table.state th { border: 1px solid #ccc; padding: 1px 5px;
  text-align: right; }
.cols { display: flex; flex-wrap: wrap; gap: 18px; }
#phases span { display: inline-block; font-size: 11px; margin: 1px;
  padding: 0 3px; border: 1px solid #ccc; cursor: pointer; }
#phases span.cur { background: #ffe08a; }
svg.chart { cursor: crosshair; }
</style></head>
<body data-status="loading">
<h1>kmemlab: <span id="source">@TITLE@</span></h1>
<div id="status">loading...</div>
<div id="problems"></div><div id="notes"></div>
<div id="controls">
<button id="play">play</button>
<button id="prev">&lt;</button><button id="next">&gt;</button>
<input type="range" id="slider" min="0" max="0" value="0">
step <input id="stepbox" size="7"> of <span id="nsteps"></span>,
speed <select id="speed"><option>1</option><option>10</option>
<option selected>100</option><option>1000</option></select> steps/frame
<div id="event"></div>
<div id="phases"></div>
</div>
<h2>All zones (live at this step)</h2>
<svg id="overview" width="1000" height="20"></svg>
<div>@LEGEND@</div>
<h2>Detail: <select id="zonesel"></select> <span id="window"></span></h2>
<svg id="detail" width="1000" height="20"></svg>
<h2>State after this step</h2>
<div class="cols"><div id="zonestate"></div><div id="kstate"></div>
<div id="pstate"></div></div>
<h2>Over time (click a chart to jump)</h2>
<div id="zcharts">@ZONECHARTS@</div>
@KMALLOC@
@POOL@
<script type="application/json" id="data">@DATA@</script>
<script>@SCRIPT@</script>
</body></html>
"""

PAGE_JS = r"""
"use strict";
window.onerror = function (msg, src, line) {
  document.title = "kmemlab viz: script error";
  document.body.dataset.status = "error";
  document.getElementById("status").textContent =
    "script error: " + msg + " (line " + line + ")";
};
const D = JSON.parse(document.getElementById("data").textContent);
const EV = {cover: 0, alloc: 1, free: 2, split: 3, merge: 4, zoneAdd: 5,
  zoneRemove: 6, kmAlloc: 10, kmFree: 11, kmRefill: 12, kmReturn: 13,
  kmGrow: 14, kmShrink: 15, poolGrow: 20, poolReturn: 21, poolAlloc: 22,
  poolFree: 23};
const EVNAME = {0: "cover", 1: "alloc", 2: "free", 3: "split", 4: "merge",
  5: "zone-add", 6: "zone-remove", 10: "alloc", 11: "free", 12: "refill",
  13: "return", 14: "grow", 15: "shrink", 20: "grow", 21: "return",
  22: "alloc", 23: "free"};
const E = D.ev, N = E.code.length, PAGE = 4096, SVGNS = "http://www.w3.org/2000/svg";
const LARGE = D.buckets.length - 1;

/* The replayed state: blocks per zone (offset -> [order, free?]) and
 * counters.  A copy is kept every D.keyframe steps. */
function emptyState() {
  return {step: 0, zones: new Map(), kpages: D.buckets.map(() => 0),
    kinuse: D.buckets.map(() => 0), large: new Map(),
    slabs: D.pools.map(() => 0), inuse: D.pools.map(() => 0)};
}
function copyState(s) {
  const z = new Map();
  for (const [id, m] of s.zones) {
    const c = new Map();
    for (const [k, v] of m) c.set(k, v.slice());
    z.set(id, c);
  }
  return {step: s.step, zones: z, kpages: s.kpages.slice(),
    kinuse: s.kinuse.slice(), large: new Map(s.large),
    slabs: s.slabs.slice(), inuse: s.inuse.slice()};
}
function pow2pages(size) { let p = 1; while (p * PAGE < size) p *= 2; return p; }

/* Applies event i (0-based) to s: the same rules as the tool's replay. */
function applyEvent(s, i) {
  const c = E.code[i], t = E.target[i], a = E.a[i], b = E.b[i];
  if (c <= EV.zoneRemove) {
    if (c === EV.zoneAdd) { s.zones.set(t, new Map()); return; }
    if (c === EV.zoneRemove) return;
    const m = s.zones.get(t), size = 1 << b;
    if (c === EV.cover || c === EV.free) m.set(a, [b, 1]);
    else if (c === EV.alloc) m.set(a, [b, 0]);
    else if (c === EV.split) {
      m.set(a, [b - 1, m.get(a)[1]]);
      m.set(a + size / 2, [b - 1, 1]);
    } else {
      const hi = m.get(a + size / 2), lo = m.get(a);
      m.delete(a + size / 2);
      m.set(a, [b, lo[1] && hi[1] ? 1 : 0]);
    }
  } else if (c === EV.kmRefill) s.kpages[t]++;
  else if (c === EV.kmReturn) s.kpages[t]--;
  else if (c === EV.kmAlloc && a !== 0) {
    s.kinuse[t]++;
    if (t === LARGE) { const p = pow2pages(b); s.large.set(a, p); s.kpages[t] += p; }
  } else if (c === EV.kmFree) {
    s.kinuse[t]--;
    if (t === LARGE) { s.kpages[t] -= s.large.get(a) || b / PAGE; s.large.delete(a); }
  } else if (c === EV.poolGrow) s.slabs[t]++;
  else if (c === EV.poolReturn) s.slabs[t]--;
  else if (c === EV.poolAlloc) s.inuse[t]++;
  else if (c === EV.poolFree) s.inuse[t]--;
}

const keyframes = [emptyState()];
const indexStart = performance.now();
(function index() {
  const s = emptyState();
  for (let i = 0; i < N; i++) {
    applyEvent(s, i);
    s.step = i + 1;
    if (s.step % D.keyframe === 0) keyframes.push(copyState(s));
  }
})();
const indexMs = performance.now() - indexStart;

let cur = emptyState();
function stateAt(step) {
  if (step < cur.step || step - cur.step > D.keyframe) {
    cur = copyState(keyframes[Math.floor(step / D.keyframe)]);
  }
  while (cur.step < step) { applyEvent(cur, cur.step); cur.step++; }
  return cur;
}

function hex(a) { return "0x" + (a >>> 0).toString(16).padStart(8, "0"); }
function live(z, step) { return z.born <= step && step < z.died; }
function zoneIndexAt(z) { return z.name.replace(/^\S+ zone (\d+).*/, "$1"); }

/* The event as its trace line, and in words. */
function describe(i) {
  const c = E.code[i], t = E.target[i], a = E.a[i], b = E.b[i];
  if (c <= EV.zoneRemove) {
    const z = D.zones[t], addr = hex(z.base + a * PAGE);
    const words = {
      0: "zone set-up: the free order-" + b + " block at " + addr + " goes on free list " + b,
      1: "the free order-" + b + " block at " + addr + " is handed out",
      2: "the order-" + b + " block at " + addr + " is given back (merges follow if its buddy is free)",
      3: "the order-" + b + " block at " + addr + " is cut in two order-" + (b - 1) + " halves; the upper half goes on free list " + (b - 1),
      4: "buddies " + addr + " and " + hex(z.base + (a + (1 << (b - 1))) * PAGE) + " (order " + (b - 1) + ") become one order-" + b + " block",
      5: "a new zone: " + z.npages + " pages from " + hex(z.base) + " in allocator " + z.allocator,
      6: "the zone leaves allocator " + z.allocator};
    const line = c >= EV.zoneAdd ?
      "trace: buddy " + EVNAME[c] + " [" + z.name + ", " + z.npages + " pages]" :
      "trace: buddy " + EVNAME[c] + " [" + z.name + "] addr=" + addr + " order=" + b;
    return [line, words[c]];
  }
  if (c < EV.poolGrow) {
    if (c === EV.kmGrow || c === EV.kmShrink)
      return ["trace: kmalloc " + EVNAME[c] + " extent=" + hex(a) + " pages=" + b,
        c === EV.kmGrow ? "a heap takes a new extent of " + b + " pages" : "a heap gives back an empty extent"];
    const line = "trace: kmalloc " + EVNAME[c] + " size=" + b + " bucket=" + D.buckets[t] + " addr=" + hex(a);
    const words = {10: a === 0 ? "out of memory" : "a block of the " + D.buckets[t] + " bucket is handed out",
      11: "a block of the " + D.buckets[t] + " bucket comes back",
      12: "a page is carved into blocks of " + D.buckets[t] + " bytes",
      13: "a page of the " + D.buckets[t] + " bucket, all free, goes back to the page allocator"};
    return [line, words[c]];
  }
  const p = D.pools[t];
  const words = {20: "the pool takes a new slab", 21: "an empty slab goes back",
    22: "an object is handed out", 23: "an object comes back"};
  return ["trace: pool " + EVNAME[c] + " pool=" + p + " addr=" + hex(a), words[c]];
}

function el(tag, attrs, text) {
  const e = document.createElementNS(SVGNS, tag);
  for (const k in attrs) e.setAttribute(k, attrs[k]);
  if (text !== undefined) e.textContent = text;
  return e;
}

function nfreeOf(m) {
  const n = new Array(D.maxOrder + 1).fill(0);
  for (const [, v] of m) if (v[1]) n[v[0]]++;
  return n;
}

/* Every live zone as one strip; one rect per block. */
function drawOverview(s, step, focus) {
  const svg = document.getElementById("overview");
  svg.textContent = "";
  const left = 300, w = 680, h = 16;
  let y = 4;
  for (const z of D.zones) {
    if (!live(z, step)) continue;
    const m = s.zones.get(z.id);
    const g = el("g", {class: "zone", "data-zone": z.id, "data-allocator": z.allocator,
      "data-index": zoneIndexAt(z)});
    g.appendChild(el("text", {x: 0, y: y + 12, "font-size": 11}, z.name + " (" + z.npages + " pages)"));
    g.appendChild(el("rect", {x: left, y: y, width: w, height: h, fill: D.colours.rsvd}));
    for (const [off, v] of m) {
      const x = left + off * w / z.npages;
      const bw = Math.max(1, (1 << v[0]) * w / z.npages);
      g.appendChild(el("rect", {class: "blk", x: x.toFixed(2), y: y, width: bw.toFixed(2), height: h,
        fill: v[1] ? D.colours.order[v[0]] : D.colours.alloc,
        "data-state": v[1] ? "free" : "alloc", "data-order": v[0], "data-off": off}));
    }
    if (z.id === focus) g.appendChild(el("rect", {x: left - 2, y: y - 2, width: w + 4,
      height: h + 4, fill: "none", stroke: "#000"}));
    g.addEventListener("click", () => { pinned = z.id; render(); });
    svg.appendChild(g);
    y += h + 6;
  }
  svg.setAttribute("height", y + 4);
}

/* The selected zone page by page: at most one 1024-page region. */
function drawDetail(s, step, z, focusOff, hiOff, hiOrder) {
  const svg = document.getElementById("detail");
  svg.textContent = "";
  if (!z || !live(z, step)) {
    document.getElementById("window").textContent = "(not live at this step)";
    svg.setAttribute("height", 20);
    return;
  }
  const region = 1 << D.maxOrder;
  let first = 0, end = z.npages;
  if (z.npages > region) {
    const pfn = z.base / PAGE + focusOff;
    first = Math.max(0, pfn - pfn % region - z.base / PAGE);
    end = Math.min(first + region, z.npages);
  }
  document.getElementById("window").textContent = "pages " + hex(z.base + first * PAGE) +
    " to " + hex(z.base + end * PAGE - 1) + (z.npages > region ? " (the 4 MiB region of the last event)" : "");
  const cols = Math.min(64, end - first), left = 90, top = 4;
  const cell = Math.max(14, Math.min(48, Math.floor(896 / cols)));
  const rows = Math.ceil((end - first) / cols);
  for (let r = 0; r < rows; r++)
    svg.appendChild(el("text", {x: left - 4, y: top + r * cell + 11, "text-anchor": "end",
      "font-size": 11}, hex(z.base + (first + r * cols) * PAGE)));
  svg.appendChild(el("rect", {x: left, y: top, width: cols * cell, height: rows * cell, fill: D.colours.rsvd}));
  const m = s.zones.get(z.id);
  for (const [off, v] of m) {
    const lo = Math.max(off, first), hi = Math.min(off + (1 << v[0]), end);
    if (lo >= hi) continue;
    const g = el("g", {class: "dblk", "data-state": v[1] ? "free" : "alloc",
      "data-order": v[0], "data-addr": hex(z.base + off * PAGE)});
    for (let p = lo; p < hi; ) {
      const row = Math.floor((p - first) / cols), col = (p - first) % cols;
      const n = Math.min(hi - p, cols - col);
      g.appendChild(el("rect", {x: left + col * cell, y: top + row * cell, width: n * cell,
        height: cell, fill: v[1] ? D.colours.order[v[0]] : D.colours.alloc, stroke: "#fff"}));
      if (p === lo && n * cell >= 20)
        g.appendChild(el("text", {x: left + col * cell + 3, y: top + row * cell + 11, "font-size": 11,
          fill: !v[1] || v[0] < 3 ? "#000" : "#fff"}, v[0]));
      p += n;
    }
    const t = el("title", {}, (v[1] ? "free" : "allocated") + " order " + v[0] + " at " + hex(z.base + off * PAGE));
    g.appendChild(t);
    svg.appendChild(g);
  }
  if (hiOff !== null && hiOff + (1 << hiOrder) > first && hiOff < end) {
    const lo = Math.max(hiOff, first), hi = Math.min(hiOff + (1 << hiOrder), end);
    for (let p = lo; p < hi; ) {
      const row = Math.floor((p - first) / cols), col = (p - first) % cols;
      const n = Math.min(hi - p, cols - col);
      svg.appendChild(el("rect", {class: "hilite", x: left + col * cell + 1, y: top + row * cell + 1,
        width: n * cell - 2, height: cell - 2, fill: "none", stroke: "#000", "stroke-width": 2}));
      p += n;
    }
  }
  svg.setAttribute("height", top + rows * cell + 6);
  svg.setAttribute("width", left + cols * cell + 10);
}

function table(id, head, rows) {
  const d = document.getElementById(id);
  let h = "<table class='state'><tr>" + head.map(x => "<th>" + x + "</th>").join("") + "</tr>";
  for (const r of rows) h += "<tr>" + r.map(x => "<td>" + x + "</td>").join("") + "</tr>";
  d.innerHTML = h + "</table>";
}

function fragText(n) {
  let total = 0, usable = 0, largest = -1;
  n.forEach((c, k) => { total += c << k; if (k >= D.fragOrder) usable += c << k; if (c) largest = k; });
  if (total === 0) return ["-", "-", 0, "-"];
  return [((total - usable) / total).toFixed(3), (1 - (1 << largest) / total).toFixed(3), total,
    (1 << largest) + " pages"];
}

let step = 0, pinned = null, playing = false;

function render() {
  const s = stateAt(step);
  let focus = pinned, focusOff = 0, hiOff = null, hiOrder = 0;
  if (step > 0) {
    const i = step - 1, c = E.code[i];
    document.getElementById("event").textContent = "line " + E.line[i] + ": " +
      describe(i).join("\n         ");
    if (c <= EV.merge) {
      if (pinned === null || pinned === E.target[i]) {
        focus = E.target[i]; focusOff = E.a[i]; hiOff = E.a[i]; hiOrder = E.b[i];
      }
    }
    if (focus === null) {
      for (let j = i; j >= 0 && j > i - 5000; j--)
        if (E.code[j] <= EV.merge) { focus = E.target[j]; focusOff = E.a[j]; break; }
    }
  } else {
    document.getElementById("event").textContent = "step 0: before the first event";
  }
  drawOverview(s, step, focus);
  const z = focus === null ? null : D.zones[focus];
  drawDetail(s, step, z, focusOff, hiOff, hiOrder);
  document.getElementById("zonesel").value = pinned === null ? "auto" : String(pinned);
  if (z && live(z, step)) {
    const n = nfreeOf(s.zones.get(z.id)), f = fragText(n);
    table("zonestate", ["order"].concat(n.map((_, k) => k)),
      [["free blocks"].concat(n)]);
    document.getElementById("zonestate").dataset.free = n.join(" ");
    document.getElementById("zonestate").insertAdjacentHTML("beforeend",
      "<div id='zonefacts'>" + z.name + ": " + f[2] + " free pages, largest free block " + f[3] +
      ", unusable index (order " + D.fragOrder + ") " + f[0] + ", 1 - largest/free " + f[1] + "</div>");
  } else document.getElementById("zonestate").textContent = "";
  table("kstate", ["bucket", "pages", "in use"], D.buckets.map((b, i) => [b, s.kpages[i], s.kinuse[i]]));
  table("pstate", ["pool", "slabs", "objects in use"], D.pools.map((p, i) => [p, s.slabs[i], s.inuse[i]]));
  document.getElementById("slider").value = step;
  document.getElementById("stepbox").value = step;
  for (const svg of document.querySelectorAll("svg.chart")) {
    const x0 = +svg.dataset.x0, x1 = +svg.dataset.x1, l = +svg.dataset.left, w = +svg.dataset.w;
    const x = step >= x0 && step <= x1 ? l + (step - x0) * w / (x1 - x0) : -10;
    const c = svg.querySelector(".cursor");
    c.setAttribute("x1", x); c.setAttribute("x2", x);
  }
  for (const d of document.querySelectorAll(".zchart"))
    d.style.display = z && +d.dataset.zone === z.id ? "" : "none";
  for (const sp of document.querySelectorAll("#phases span"))
    sp.className = step >= +sp.dataset.first && step <= +sp.dataset.last ? "cur" : "";
  document.body.dataset.step = step;
  if (!playing) location.replace("#step=" + step);
}

function go(n) { step = Math.max(0, Math.min(N, n | 0)); render(); }

function setup() {
  document.getElementById("nsteps").textContent = N;
  const sl = document.getElementById("slider");
  sl.max = N;
  sl.addEventListener("input", () => go(+sl.value));
  document.getElementById("stepbox").addEventListener("change", e => go(+e.target.value));
  document.getElementById("prev").onclick = () => go(step - 1);
  document.getElementById("next").onclick = () => go(step + 1);
  document.getElementById("play").onclick = () => {
    playing = !playing;
    document.getElementById("play").textContent = playing ? "pause" : "play";
    if (playing) tick();
    else render();
  };
  function tick() {
    if (!playing) return;
    if (step >= N) { playing = false; document.getElementById("play").textContent = "play"; render(); return; }
    go(step + +document.getElementById("speed").value);
    setTimeout(tick, 40);     /* 25 frames a second */
  }
  const sel = document.getElementById("zonesel");
  sel.innerHTML = "<option value='auto'>zone of the current event</option>" +
    D.zones.map(z => "<option value='" + z.id + "'>" + z.name + " (" + z.events + " events)</option>").join("");
  sel.onchange = () => { pinned = sel.value === "auto" ? null : +sel.value; render(); };
  for (const svg of document.querySelectorAll("svg.chart"))
    svg.addEventListener("click", ev => {
      const r = svg.getBoundingClientRect(), x0 = +svg.dataset.x0, x1 = +svg.dataset.x1;
      const x = (ev.clientX - r.left) * svg.viewBox.baseVal.width / r.width;
      go(x0 + (x - +svg.dataset.left) * (x1 - x0) / +svg.dataset.w);
    });
  const ph = document.getElementById("phases");
  for (const p of D.phases) {
    const sp = document.createElement("span");
    sp.textContent = (p.ok ? "" : "FAIL ") + p.name;
    sp.dataset.first = p.first; sp.dataset.last = p.last;
    sp.title = "steps " + p.first + " to " + p.last;
    sp.onclick = () => go(p.first);
    ph.appendChild(sp);
  }
  document.getElementById("problems").textContent =
    D.problems.map(p => "line " + p.line + ": " + p.text).join("\n");
  document.getElementById("notes").textContent =
    D.notes.map(p => "line " + p.line + ": " + p.text).join("\n");
  const m = /step=(\d+)/.exec(location.hash);
  const lm = /line=(\d+)/.exec(location.hash);
  const zm = /zone=(\d+)/.exec(location.hash);
  if (zm) pinned = +zm[1];
  let want = m ? +m[1] : 0;
  if (lm) want = E.line.indexOf(+lm[1]) + 1;
  const autoplay = /\bplay\b/.test(location.hash);
  go(want);
  document.getElementById("status").textContent = "ready: " + N + " steps from " + D.lines +
    " log lines (" + D.other + " of them plain output; indexed in " + Math.round(indexMs) +
    " ms), " + D.zones.length + " zones, " + D.problems.length + " problems" +
    (D.version ? ", kmemlab " + D.version : "");
  document.body.dataset.status = "ready";
  document.title = "kmemlab viz: ready";
  if (autoplay) document.getElementById("play").click();
}
setup();
"""


# ---- command line --------------------------------------------------------

def list_zones(r):
    print("%4s  %-28s %8s %9s %9s %8s" % ("id", "zone", "pages", "born",
                                          "died", "events"))
    for z in r.zones:
        print("%4d  %-28s %8d %9d %9s %8d"
              % (z.id, z.name(), z.npages, z.born,
                 z.died if z.died is not None else "-", z.nevents))
    print("steps: %d" % len(r.steps))


def pick_zone(r, spec):
    """Zone by id ("5") or as ALLOCATOR[:INDEX][#N]: the N-th (from 1)
    zone added with that allocator name (and index), e.g. "test#2"."""
    if spec is None:
        zs = r.busiest(1)
        if not zs:
            sys.exit("viz: no zone has events to draw")
        return zs[0]
    if spec.isdigit() and int(spec) < len(r.zones):
        return r.zones[int(spec)]
    m = re.match(r"([^:#]+)(?::(\d+))?(?:#(\d+))?$", spec)
    if m:
        nth = int(m.group(3) or 1)
        for z in r.zones:
            if z.allocator == m.group(1) and \
                    (m.group(2) is None or int(m.group(2)) == z.index):
                nth -= 1
                if nth == 0:
                    return z
    sys.exit("viz: no zone %s (see --list)" % spec)


def pick_step(r, z, args):
    """The step a map or --state shows: --step, --line or --nth-event."""
    step = len(r.steps) if z.died is None else z.died - 1
    if args.step is not None:
        step = args.step
    if args.line is not None:
        step = r.step_of_line(args.line)
        if step is None:
            sys.exit("viz: no event at line %d" % args.line)
    if args.nth_event is not None:
        seen = 0
        for i in range(z.born - 1, len(r.steps)):
            if r.steps[i][2] == z.id and r.steps[i][1] <= EV["merge"]:
                seen += 1
                if seen == args.nth_event:
                    return i + 1
        sys.exit("viz: %s has only %d events" % (z.name(), seen))
    return step


def print_state(r, z, step):
    """The zone's free blocks and fragmentation after step, as text."""
    nfree = r.nfree_at(z, step)
    if nfree is None:
        sys.exit("viz: %s is not live at step %d" % (z.name(), step))
    line = r.steps[step - 1][0] if step > 0 else 0
    print("%s after step %d (log line %d)" % (z.name(), step, line))
    print("order       " + " ".join("%3d" % k for k in range(NORDERS)))
    print("free blocks " + " ".join("%3d" % n for n in nfree))
    fu, lg = frag_measures(nfree, r.frag_order)
    total = sum(n << k for k, n in enumerate(nfree))
    print("free pages %d, in blocks of order >= %d: %d"
          % (total, r.frag_order, sum(n << k for k, n in enumerate(nfree)
                                      if k >= r.frag_order)))
    if fu is None:
        print("no free pages: the measures are undefined")
    else:
        print("unusable free space index (order %d): %.3f"
              % (r.frag_order, fu))
        print("1 - largest/free: %.3f" % lg)


def write_svg(r, args):
    if args.figure in ("map", "orders", "frag"):
        z = pick_zone(r, args.zone)
    if args.figure == "map":
        step = pick_step(r, z, args)
        blocks = r.blocks_at(z, step)
        if blocks is None:
            sys.exit("viz: zone %d is not live at step %d" % (z.id, step))
        focus = 0
        for s in reversed(r.steps[:step]):
            if s[2] == z.id and s[1] <= EV["merge"]:
                focus = s[3]
                break
        svg = map_svg(z, blocks, focus, "%s after step %d (log line %d)"
                      % (z.name(), step, r.steps[step - 1][0]))
    elif args.figure == "orders":
        svg = orders_chart(r, z)
    elif args.figure == "frag":
        svg = frag_chart(r, z)
    elif args.figure == "kmalloc":
        svg = kmalloc_chart(r)
    else:
        svg = pool_chart(r)
    svg = svg.replace(' class="chart"', "", 1)
    with open(args.svg, "w") as f:
        f.write('<?xml version="1.0" encoding="UTF-8"?>\n' + svg + "\n")


def main(argv=None):
    ap = argparse.ArgumentParser(
        description="Replay a kmemlab serial log with trace lines as one "
        "self-contained HTML page (or, with --svg, one SVG figure).",
        epilog="Limits: at most %d events are replayed (the rest are "
        "dropped, with a message); the page keeps a copy of the state "
        "every %d events and charts at most %d points per line, so a "
        "100,000-event trace opens in about a second.  Problems in the "
        "log are printed as 'viz: LOG:LINE: what' and shown in the page."
        % (MAX_EVENTS, KEYFRAME, SAMPLES))
    ap.add_argument("log", help="serial log of a boot with trace=...")
    ap.add_argument("-o", "--output", help="HTML page to write "
                    "(default: the log's name with .html)")
    ap.add_argument("--svg", metavar="FILE", help="write one figure as SVG "
                    "instead of the page")
    ap.add_argument("--figure", default="map",
                    choices=["map", "orders", "frag", "kmalloc", "pool"],
                    help="which figure --svg draws (default: map)")
    ap.add_argument("--zone", help="map, orders, frag, --state: zone id "
                    "(see --list) or ALLOCATOR[:INDEX][#N], the N-th zone "
                    "added by that allocator (default: the busiest zone)")
    ap.add_argument("--step", type=int, help="map: the state after this "
                    "step (default: the last)")
    ap.add_argument("--line", type=int, help="map: the state after the "
                    "event at this log line")
    ap.add_argument("--nth-event", type=int, metavar="K", help="map, "
                    "--state: the state after the zone's K-th event")
    ap.add_argument("--state", action="store_true", help="print the "
                    "zone's free blocks and fragmentation at the step "
                    "and exit")
    ap.add_argument("--frag-order", type=int, default=4, help="order k of "
                    "the unusable free space index (default: 4, 64 KiB)")
    ap.add_argument("--max-events", type=int, default=MAX_EVENTS,
                    help=argparse.SUPPRESS)
    ap.add_argument("--list", action="store_true", help="list the zones "
                    "and exit")
    ap.add_argument("-q", "--quiet", action="store_true",
                    help="print problems only")
    args = ap.parse_args(argv)
    try:
        with open(args.log, encoding="utf-8", errors="replace") as f:
            text = f.read()
    except OSError as e:
        sys.exit("viz: %s" % e)
    r = Replay(args.frag_order, args.max_events).read(text)
    for line, what in r.problems[:MAX_PRINTED]:
        print("viz: %s:%d: %s" % (args.log, line, what), file=sys.stderr)
    if len(r.problems) > MAX_PRINTED:
        print("viz: %s: %d more problems (all are listed in the page)"
              % (args.log, len(r.problems) - MAX_PRINTED), file=sys.stderr)
    if args.list:
        list_zones(r)
        return 0
    if args.state:
        z = pick_zone(r, args.zone)
        print_state(r, z, pick_step(r, z, args))
        return 0
    if args.svg:
        write_svg(r, args)
        return 0
    out = args.output or os.path.splitext(args.log)[0] + ".html"
    write_page(r, out, args.log)
    if not args.quiet:
        print("viz: %d events, %d zones, %d problems, %d report checks "
              "passed -> %s" % (len(r.steps), len(r.zones), len(r.problems),
                               len(r.notes), out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
