# tools/gdb/kmem.py - gdb commands that print the allocators' state.
#
# Loaded by tools/gdbinit ("source tools/gdb/kmem.py").  Every command
# reads the kernel's memory through gdb and calls no kernel function, so
# it works on a kernel stopped anywhere: at a breakpoint, inside an
# allocator that holds its lock, after a fault.  Where the kernel's
# console has the same report, the output is the same, line for line:
#
#   kmem buddyinfo          as the console's "buddyinfo"
#   kmem zone [N]           as "zone [N]": the picture of the zones
#   kmem freelist ORDER [ZONE]  the blocks on one free list, in order
#   kmem block ADDR         the buddy block holding ADDR, its buddy
#   kmem page ADDR          as "page ADDR": who owns the page, in what role
#   kmem slabinfo           as "slabinfo"
#   kmem vmstat             as "vmstat"
#   kmem errors             as "errors"
#   kmem check              as "check": each checker's rules, redone here
#   kmem break alloc [order=K]  stop when a block (of order K) is taken
#   kmem break free [ADDR]  stop when a block (the one at ADDR) is freed
#
# Structures are read field by field, by name, through the debug
# information of build/kmemlab.elf: a field that moves needs no change
# here.  What the debug information cannot give (the page-state bits,
# #defines in mm/buddy.h) is written once below.  Each layer's code is a
# group of its own, in the order of the layers: memory map, buddy,
# kmalloc, pools; then the commands.
#
# The allocator the buddy commands read is "set kmem-buddy EXPR" (by
# default kernel_buddy, the kernel's page allocator; inside buddy_alloc
# "set kmem-buddy *b" reads the allocator being called).
#
# Invariant: nothing here writes the kernel's memory or calls its code.
# Bounds: buddyinfo, errors and break are O(zones x orders); freelist
# O(list length), cut at the list's count plus one; zone, page and check
# read each zone's state bytes in one transfer and walk its blocks.
import gdb

# ---- constants the debug information does not hold ------------------

PAGE_SHIFT = 12                 # MM_PAGE_SHIFT, mm/port.h
PAGE = 1 << PAGE_SHIFT
META_FREE = 0x80                # BUDDY_META_*, mm/buddy.h
META_ALLOC = 0x40
META_TAIL = 0x20
META_RSVD = 0x10
META_ORDER = 0x0F
KHEAP_PAGE_BUCKET = 1           # KHEAP_PAGE_*, mm/kheap.h
KHEAP_PAGE_LARGE = 2
PICTURE_COLS = 64               # mm/buddy_report.c
PICTURE_CHARS = 256
MEMMAP_LIMIT = 1 << 32          # mm/memmap.h: nothing kept above 4 GiB


class KmemError(Exception):
    """A command's argument or the kernel's state stops the command."""


# ---- reading the kernel ----------------------------------------------

def out(line):
    """Prints one line of a report."""
    gdb.write(line + "\n")


def value(expr):
    """The value of a C expression in the stopped kernel."""
    try:
        return gdb.parse_and_eval(expr)
    except gdb.error as e:
        raise KmemError("cannot read %s: %s" % (expr, e))


def deref(v):
    """A struct from a struct or a pointer to one."""
    if v.type.strip_typedefs().code == gdb.TYPE_CODE_PTR:
        return v.dereference()
    return v


def number(arg, what):
    """A command argument as an integer: a number or any expression."""
    try:
        return int(gdb.parse_and_eval(arg)) & 0xFFFFFFFFFFFFFFFF
    except gdb.error:
        raise KmemError("bad %s \"%s\"" % (what, arg))


def at(addr, type_name):
    """The object of type type_name at address addr."""
    t = gdb.lookup_type(type_name)
    return gdb.Value(addr).cast(t.pointer()).dereference()


def address(v):
    """The address of an lvalue, as an integer."""
    return int(v.address)


def offset_of(type_name, field):
    """offsetof(type_name, field), from the type's fields."""
    for f in gdb.lookup_type(type_name).fields():
        if f.name == field:
            return f.bitpos // 8
    raise KmemError("%s has no field %s" % (type_name, field))


def length(array):
    """The number of elements of an array member."""
    lo, hi = array.type.strip_typedefs().range()
    return hi - lo + 1


def read_bytes(addr, n):
    """n bytes of memory at addr, in one transfer."""
    try:
        return bytes(gdb.selected_inferior().read_memory(addr, n))
    except gdb.MemoryError as e:
        raise KmemError("cannot read %d bytes at 0x%08x: %s" % (n, addr, e))


def word(addr):
    """The pointer-sized word at addr, as an integer."""
    size = gdb.lookup_type("void").pointer().sizeof
    return int.from_bytes(read_bytes(addr, size), "little")


def bits_set(words, n):
    """How many of bits 0..n-1 of a bitmap (32-bit words) are set."""
    return sum((words[i // 32] >> (i % 32)) & 1 for i in range(n))


def bit(words, i):
    """Bit i of a bitmap of 32-bit words."""
    return (words[i // 32] >> (i % 32)) & 1


def u32s(v):
    """A uint32_t array member as a list of integers."""
    return [int(v[i]) for i in range(length(v))]


def string(v):
    """A C string (char *) as Python text, or "" for NULL."""
    if int(v) == 0:
        return ""
    return v.string()


def enum_value(type_name, name):
    """The value of enumerator name of enum type_name."""
    for f in gdb.lookup_type(type_name).fields():
        if f.name == name:
            return f.enumval
    raise KmemError("%s has no %s" % (type_name, name))


def names(array_expr):
    """A table of error names (const char *const[]) as a list."""
    a = value(array_expr)
    return [string(a[i]) for i in range(length(a))]


def hex8(n):
    """An address as the kernel prints it: 0x%08lx."""
    return "0x%08x" % n


# ---- the memory map (mm/memmap.h) -----------------------------------

def memmap():
    """The kernel's memory map (kernel/memmap_boot.c)."""
    return value("kernel_memmap")


def memmap_ranges(m, table, count):
    """(base, end, type, why) of the first count entries of a table."""
    return [(int(m[table][i]["base"]), int(m[table][i]["end"]),
             int(m[table][i]["type"]), string(m[table][i]["why"]))
            for i in range(int(m[count]))]


def memmap_claims(m):
    """The memory map's claims on the pages below 4 GiB, as the page
    ledger takes them (mm/memmap_owner.c): (first pfn, end pfn, role),
    role "hole", "edge page, N bytes usable" or "reserved (WHY)".
    Pages of the free regions are claimed by no one here."""
    usable = enum_value("enum memmap_type", "MEMMAP_USABLE")
    rsv = memmap_ranges(m, "rsv", "nrsv")
    claims = []
    w = {"pos": 0, "edge": 0, "bytes": 0}

    def flush_edge():
        if w["bytes"] == 0:
            return
        if w["edge"] > w["pos"]:
            claims.append((w["pos"], w["edge"], "hole"))
        claims.append((w["edge"], w["edge"] + 1,
                       "edge page, %d bytes usable" % w["bytes"]))
        w["pos"], w["bytes"] = w["edge"] + 1, 0

    def add_edge(pfn, nbytes):
        if w["bytes"] != 0 and w["edge"] != pfn:
            flush_edge()
        w["edge"] = pfn
        w["bytes"] += nbytes

    def claim_usable(first, end):
        flush_edge()
        if first > w["pos"]:
            claims.append((w["pos"], first, "hole"))
        cur = first
        for base, rend, _, why in rsv:
            s_ = max(base >> PAGE_SHIFT, cur)
            e_ = min((rend + PAGE - 1) >> PAGE_SHIFT, end)
            if e_ > s_:
                claims.append((s_, e_, "reserved (%s)" %
                               (why or "no reason")))
                cur = e_
        w["pos"] = end

    for a, b, typ, _ in memmap_ranges(m, "map", "nmap"):
        if typ != usable:
            continue
        fa, fb = (a + PAGE - 1) >> PAGE_SHIFT, b >> PAGE_SHIFT
        if fa > fb:
            add_edge(a >> PAGE_SHIFT, b - a)
            continue
        if a & (PAGE - 1):
            add_edge(fa - 1, (fa << PAGE_SHIFT) - a)
        if fb > fa:
            claim_usable(fa, fb)
        if b & (PAGE - 1):
            add_edge(fb, b - (fb << PAGE_SHIFT))
    flush_edge()
    end = MEMMAP_LIMIT >> PAGE_SHIFT
    if end > w["pos"]:
        claims.append((w["pos"], end, "hole"))
    return claims


def pages_range(first, end):
    """" [0x00400000-0x00407fff]": pages [first, end), as the ledger."""
    return " [%s-%s]" % (hex8(first << PAGE_SHIFT),
                         hex8((end << PAGE_SHIFT) - 1))


def memmap_page_role(m, pfn):
    """The role the memory map gives page pfn, worded as the console's
    "page" (kernel/ledger.c), or None for a page of a free region."""
    for first, end, role in memmap_claims(m):
        if first <= pfn < end:
            return role + pages_range(first, end) if role == "hole" \
                else role
    return None


def memmap_free_region(m, pfn):
    """The free region [first, end) pfns holding pfn, or None."""
    for base, end, _, _ in memmap_ranges(m, "free", "nfree"):
        if base >> PAGE_SHIFT <= pfn < end >> PAGE_SHIFT:
            return base >> PAGE_SHIFT, end >> PAGE_SHIFT
    return None


def memmap_check(m):
    """memmap_check's rules: the free regions are aligned, sorted,
    inside usable memory and clear of every reservation."""
    usable = enum_value("enum memmap_type", "MEMMAP_USABLE")
    mapped = [(b, e) for b, e, t, _ in memmap_ranges(m, "map", "nmap")
              if t == usable]
    rsv = memmap_ranges(m, "rsv", "nrsv")
    free = memmap_ranges(m, "free", "nfree")
    bad = 0
    for i, (base, end, _, _) in enumerate(free):
        what = None
        if (base | end) & (PAGE - 1) or end <= base:
            what = "unaligned or empty"
        elif i > 0 and base < free[i - 1][1]:
            what = "unsorted or overlapping"
        elif end > MEMMAP_LIMIT or not any(b <= base and end <= e
                                           for b, e in mapped):
            what = "outside usable memory"
        for rb, re_, _, _ in rsv:
            if what is None and base < re_ and rb < end:
                what = "overlaps a reservation"
        if what is not None:
            out("memmap: check: free region %u %s" % (i, what))
            bad += 1
    return bad


# ---- the buddy allocator (mm/buddy.h) -------------------------------

class Zone:
    """One struct buddy_zone: its fields and, on demand, its state
    bytes (read once, in one transfer)."""

    def __init__(self, v, index):
        self.v = v
        self.index = index                  # by address, as reports say
        self.first = int(v["pfns"]["first"])
        self.last = int(v["pfns"]["last"])
        self.npages = int(v["npages"])
        self.norders = length(v["nfree"])
        self._meta = None

    def meta(self):
        if self._meta is None:
            n = self.last - self.first + 1
            self._meta = read_bytes(int(self.v["meta"]), n)
        return self._meta

    def state(self, pfn):
        return self.meta()[pfn - self.first]

    def has(self, pfn):
        return self.first <= pfn <= self.last

    def nfree(self, k):
        return int(self.v["nfree"][k])

    def head(self, k):
        """The address of free-list head k (its sentinel)."""
        return address(self.v["free"][k])

    def head_of(self, pfn):
        """(head pfn, state byte) of the block holding pfn, or None.
        Blocks are aligned, so the head is pfn with low bits cleared."""
        for k in range(self.norders):
            h = pfn & ~((1 << k) - 1)
            if h < self.first:
                break
            m = self.state(h)
            if m & (META_FREE | META_ALLOC) and (m & META_ORDER) >= k:
                return h, m
        return None


def buddy():
    """The allocator the buddy commands read (parameter kmem-buddy)."""
    return deref(value(BUDDY_PARAM.value))


def zones(b):
    """The zones of b in address order (the sorted table by_addr)."""
    off = offset_of("struct buddy_zone", "pfns")
    return [Zone(at(int(b["by_addr"][i]) - off, "struct buddy_zone"), i)
            for i in range(int(b["nzones"]))]


def zone_arg(b, arg):
    """The zone numbered arg (by address) of b."""
    zs = zones(b)
    n = number(arg, "zone")
    if n >= len(zs):
        raise KmemError("no zone %s (zones 0 to %d)" % (arg, len(zs) - 1))
    return zs[n]


def buddy_zone_of(b, pfn):
    """The zone of b holding page pfn, or None."""
    for z in zones(b):
        if z.has(pfn):
            return z
    return None


def buddyinfo(b):
    """buddy_print_buddyinfo: one line per zone, as /proc/buddyinfo."""
    for z in zones(b):
        out("Node 0, zone %8u" % z.index +
            "".join(" %6u" % z.nfree(k) for k in range(z.norders)))


def picture_char(seen):
    """'.' all free, '#' all allocated, 'm' reserved, '+' a mix."""
    return {1: ".", 2: "#", 4: "m"}.get(seen, "+")


def picture(z):
    """The picture of one zone, as buddy_print_picture draws it: one
    character per run of pages, 64 to a line."""
    per = (z.npages + PICTURE_CHARS - 1) // PICTURE_CHARS
    out("buddy: zone %u [mem %s-%s] %u pages, %u per char" %
        (z.index, hex8(z.first << PAGE_SHIFT),
         hex8(((z.last + 1) << PAGE_SHIFT) - 1), z.npages, per))
    meta = z.meta()
    done = run = state = seen = 0
    pfn = z.first
    line = ""
    while done < z.npages:
        if run == 0:
            m = meta[pfn - z.first]
            run = 1 << (m & META_ORDER) if m & (META_FREE | META_ALLOC) \
                else 1
            state = 1 if m & META_FREE else 2 if m & META_ALLOC else 4
            pfn += run
        # a whole run of the same state at once: the characters it fills
        step = min(run, per - done % per, z.npages - done)
        seen |= state
        run -= step
        done += step
        if done % per == 0 or done == z.npages:
            line += picture_char(seen)
            seen = 0
            if len(line) == PICTURE_COLS or done == z.npages:
                out("buddy: |" + line + "|")
                line = ""


def link_at(addr):
    """The struct mm_list at addr: (next, prev) as integers."""
    l = at(addr, "struct mm_list")
    return int(l["next"]), int(l["prev"])


def walk_list(z, k):
    """Follows free list k of zone z from its head, with a guard: stops
    at the head, at a link that is no free order-k block of z, at a
    broken back link, at a block seen before, or after count + 1
    entries.  Yields (address, problem or None) per link followed."""
    head = z.head(k)
    seen = set()
    prev = head
    try:
        addr = link_at(head)[0]
    except gdb.MemoryError:
        yield None, "cannot read the list head at %s" % hex8(head)
        return
    while addr != head:
        pfn = addr >> PAGE_SHIFT
        if addr in seen:
            yield addr, "a cycle: seen before"
            return
        seen.add(addr)
        if addr & (PAGE - 1) or not z.has(pfn):
            yield addr, "not a page of zone %u" % z.index
            return
        if z.state(pfn) != META_FREE | k:
            yield addr, "state 0x%02x, not a free order-%u head" % \
                (z.state(pfn), k)
            return
        try:
            nxt, back = link_at(addr)
        except gdb.MemoryError:
            yield addr, "cannot read its links"
            return
        if back != prev:
            yield addr, "its prev link is %s, not %s" % (hex8(back),
                                                        hex8(prev))
            return
        if len(seen) > z.nfree(k):
            yield addr, "beyond the count of %u" % z.nfree(k)
            return
        yield addr, None
        prev, addr = addr, nxt
    if link_at(head)[1] != prev:
        yield None, "the head's prev link is %s, not the last block %s" % \
            (hex8(link_at(head)[1]), hex8(prev))


def freelist(b, k, z):
    """The blocks on free list k of zone z, in list order; a problem ends
    the walk with a line naming the link that leads astray."""
    if k >= z.norders:
        raise KmemError("no order %u (orders 0 to %u)" % (k, z.norders - 1))
    out("freelist: zone %u order %u: %u blocks counted" %
        (z.index, k, z.nfree(k)))
    n = 0
    last = "the head"
    for addr, problem in walk_list(z, k):
        if problem is not None:
            where = "" if addr is None else " to %s" % hex8(addr)
            out("freelist: bad link%s after %s: %s" % (where, last, problem))
            return
        n += 1
        last = hex8(addr)
        out("freelist: %s-%s" % (hex8(addr), hex8(addr + (PAGE << k) - 1)))
    out("freelist: %u blocks on the list" % n)


def state_name(m):
    """A page-state byte in words (mm/buddy_internal.h)."""
    if m & META_FREE:
        return "free order %u" % (m & META_ORDER)
    if m & META_ALLOC:
        return "allocated order %u" % (m & META_ORDER)
    if m == META_TAIL:
        return "tail"
    if m == META_RSVD:
        return "reserved"
    return "bad state"


def block(b, addr):
    """The block holding addr: its state byte (and where it lives, for a
    watchpoint), its range and its buddy's state."""
    pfn = addr >> PAGE_SHIFT
    z = buddy_zone_of(b, pfn)
    if z is None:
        out("block: %s is in no zone of allocator %s" %
            (hex8(addr), string(b["name"])))
        return
    m = z.state(pfn)
    meta_addr = int(z.v["meta"]) + pfn - z.first
    out("block: page %s zone %u state 0x%02x (%s) at %s" %
        (hex8(pfn << PAGE_SHIFT), z.index, m, state_name(m),
         hex8(meta_addr)))
    found = z.head_of(pfn)
    if m == META_RSVD or found is None:
        return
    h, hm = found
    k = hm & META_ORDER
    out("block: %s-%s %s, first page %s" %
        (hex8(h << PAGE_SHIFT), hex8(((h + (1 << k)) << PAGE_SHIFT) - 1),
         state_name(hm), hex8(h << PAGE_SHIFT)))
    bud = h ^ (1 << k)
    if k + 1 >= z.norders:
        out("block: order %u is the largest: no buddy" % k)
    elif not z.has(bud):
        out("block: buddy %s is outside the zone" % hex8(bud << PAGE_SHIFT))
    else:
        bm = z.state(bud)
        note = ""
        if bm == META_FREE | k:
            note = ": both free, left unmerged" if hm & META_FREE else \
                ": freeing this block merges the two"
        out("block: buddy %s state 0x%02x (%s) at %s%s" %
            (hex8(bud << PAGE_SHIFT), bm, state_name(bm),
             hex8(int(z.v["meta"]) + bud - z.first), note))


def buddy_page_role(b, pfn):
    """The role of page pfn in the allocator, as the page ledger names
    it (mm/buddy_owner.c), or None if no zone holds it."""
    z = buddy_zone_of(b, pfn)
    if z is None:
        return None
    nrsvd = int(z.v["nreserved"])
    if pfn < z.first + nrsvd:
        return "buddy metadata" + pages_range(z.first, z.first + nrsvd)
    found = z.head_of(pfn)
    if found is None:
        return ""                   # a page of no block: no one's
    h, m = found
    k = m & META_ORDER
    what = "free buddy block" if m & META_FREE else "kernel block"
    return "%s order %u%s" % (what, k, pages_range(h, h + (1 << k)))


def buddy_errors_nonzero(b):
    """(name, count) of every non-zero error counter of b."""
    nomem = enum_value("enum buddy_err", "BUDDY_NOMEM")
    err_names = names("buddy_err_name")
    return [(err_names[e], int(b["nerr"][e]))
            for e in range(nomem + 1, len(err_names))
            if int(b["nerr"][e]) != 0]


class BuddyChecker:
    """buddy_check's rules over the raw state bytes and lists; prints
    each violation as it does."""

    def __init__(self):
        self.bad = 0

    def violation(self, z, pfn, what):
        out("buddy: check: %s at %s (zone first pfn 0x%x)" %
            (what, hex8(pfn << PAGE_SHIFT), z.first))
        self.bad += 1

    def block(self, z, pfn, nfree):
        """One block of the page walk; returns its free pages."""
        m = z.state(pfn)
        k = m & META_ORDER
        size = 1 << k
        if pfn & (size - 1):
            self.violation(z, pfn, "block not naturally aligned")
        if pfn + size > z.last + 1:
            self.violation(z, pfn, "block runs past the zone")
            return 0
        meta = z.meta()
        base = pfn - z.first
        tails = meta[base + 1:base + size]
        if tails.count(META_TAIL) != size - 1:
            i = next(i for i, t in enumerate(tails) if t != META_TAIL)
            self.violation(z, pfn + 1 + i, "page inside a block is not a "
                           "tail")
            return 0
        if not m & META_FREE or k >= z.norders:
            return 0                # (a corrupt order above the
                                    # largest has no count to add to)
        nfree[k] += 1
        bud = pfn ^ size
        if k + 1 < z.norders and z.has(bud) and z.state(bud) == m:
            self.violation(z, pfn, "free buddies left unmerged")
        return size

    def list(self, z, k):
        n = 0
        try:
            addr = link_at(z.head(k))[0]
            while addr != z.head(k):
                pfn = addr >> PAGE_SHIFT
                nxt = link_at(addr)[0] if z.has(pfn) else None
                if not z.has(pfn) or z.state(pfn) != META_FREE | k or \
                        link_at(nxt)[1] != addr:
                    return self.violation(z, pfn, "bad free-list entry")
                n += 1
                if n > z.nfree(k):
                    return self.violation(z, pfn, "free list longer than "
                                          "its count")
                addr = nxt
        except gdb.MemoryError:
            return self.violation(z, addr >> PAGE_SHIFT,
                                  "bad free-list entry")
        mask = (int(z.v["free_mask"]) >> k) & 1
        if n != z.nfree(k) or (n != 0) != bool(mask):
            self.violation(z, z.first, "free count or mask wrong")

    def zone(self, z):
        """Walks z's pages block by block; returns its free pages."""
        nfree = [0] * z.norders
        pfn, end, rsvd, free_pages = z.first, z.last + 1, 0, 0
        while pfn < end:
            m = z.state(pfn)
            if m == META_RSVD:
                rsvd += 1
                pfn += 1
                continue
            if not m & (META_FREE | META_ALLOC):
                self.violation(z, pfn, "tail page where a block should "
                               "start")
                return free_pages
            free_pages += self.block(z, pfn, nfree)
            pfn += 1 << (m & META_ORDER)
        if rsvd != int(z.v["nreserved"]):
            self.violation(z, z.first, "reserved page count wrong")
        for k in range(z.norders):
            if nfree[k] != z.nfree(k):
                self.violation(z, z.first, "per-order count differs from "
                               "the pages")
            self.list(z, k)
        return free_pages

    def run(self, b):
        zs = zones(b)
        firsts = [(z.first, z.last) for z in zs]
        if any(f > l for f, l in firsts) or any(
                firsts[i][1] >= firsts[i + 1][0]
                for i in range(len(firsts) - 1)):
            self.violation(Zone(b["zone"][0], 0), 0,
                           "zones overlap or unsorted")
        free_pages = managed = 0
        for z in zs:
            if z.last - z.first + 1 != z.npages:
                self.violation(z, z.first, "zone range and size differ")
            free_pages += self.zone(z)
            managed += z.npages - int(z.v["nreserved"])
        if free_pages != int(b["free_pages"]) or \
                managed != int(b["managed_pages"]):
            self.violation(Zone(b["zone"][0], 0), 0,
                           "page totals differ from counts")
        return self.bad


# ---- the kmalloc heap (mm/kheap.h) ----------------------------------

def kheap():
    """The global kmalloc heap (mm/kmalloc.c)."""
    return value("kmalloc_global")


def vmstat(h):
    """kheap_print_stats: one row per bucket, the page runs, the total,
    in the columns of vmstat -m."""
    out("kmalloc: %6s %8s %8s %6s %10s %8s" %
        ("Size", "InUse", "Free", "Pages", "Requests", "HighUse"))
    inuse, nfree = int(h["large_inuse"]), 0
    requests, pages = int(h["large_requests"]), int(h["large_pages"])
    for i in range(length(h["bucket"])):
        b = h["bucket"][i]
        out("kmalloc: %6u %8u %8u %6u %10u %8u" %
            (int(b["size"]), int(b["inuse"]), int(b["nfree"]),
             int(b["npages"]), int(b["requests"]), int(b["hwm"])))
        inuse += int(b["inuse"])
        nfree += int(b["nfree"])
        requests += int(b["requests"])
        pages += int(b["npages"])
    out("kmalloc: %6s %8u %8s %6u %10u %8u" %
        ("large", int(h["large_inuse"]), "-", int(h["large_pages"]),
         int(h["large_requests"]), int(h["large_hwm"])))
    out("kmalloc: %6s %8u %8u %6u %10u %8s" %
        ("total", inuse, nfree, pages, requests, "-"))


def kheap_errors(h):
    """Lines "errors: kmalloc NAME N" of the non-zero counters."""
    nomem = enum_value("enum kheap_err", "KHEAP_NOMEM")
    err_names = names("kheap_err_name")
    n = 0
    for e in range(nomem + 1, len(err_names)):
        if int(h["nerr"][e]):
            out("errors: kmalloc %s %u" % (err_names[e], int(h["nerr"][e])))
            n += 1
    return n


def kheap_extents(h):
    """The extents of h by address (struct kheap_extent values)."""
    off = offset_of("struct kheap_extent", "area")
    return [at(int(h["ext"][i]) - off, "struct kheap_extent")
            for i in range(int(h["next"]))]


def kheap_entry(e, pfn):
    """The page-table entry of page pfn in extent e, or None."""
    j = pfn - (int(e["first_page"]) >> PAGE_SHIFT)
    if 0 <= j < int(e["npages"]):
        return e["page"][j]
    return None


def kheap_page_role(h, pfn):
    """The role of page pfn inside the kmalloc heap h, as the page
    ledger words it (mm/kheap_owner.c), or None outside its extents."""
    addr = pfn << PAGE_SHIFT
    e = next((e for e in kheap_extents(h)
              if int(e["area"]["first"]) <= addr <= int(e["area"]["last"])),
             None)
    if e is None:
        return None
    z = buddy_zone_of(h["pages"], pfn)
    if z is None:
        first = int(e["area"]["first"]) >> PAGE_SHIFT
        return "kmalloc extent" + pages_range(
            first, first + (int(e["size_bytes"]) >> PAGE_SHIFT))
    nrsvd = int(z.v["nreserved"])
    if pfn < z.first + nrsvd:
        return "kmalloc metadata" + pages_range(z.first, z.first + nrsvd)
    found = z.head_of(pfn)
    if found is None:
        return ""
    head, m = found
    k = m & META_ORDER
    if m & META_FREE:
        return "kmalloc unused order %u%s" % (k, pages_range(head,
                                                            head + (1 << k)))
    entry = kheap_entry(e, pfn)
    if entry is not None and int(entry["kind"]) == KHEAP_PAGE_BUCKET:
        b = h["bucket"][int(entry["bucket"])]
        size = int(b["size"])
        return "kmalloc bucket page size %u, %u of %u blocks free" % \
            (size, int(entry["nfree"]), PAGE // size)
    entry = kheap_entry(e, head)
    if entry is not None and int(entry["kind"]) == KHEAP_PAGE_LARGE:
        n = 1 << int(entry["bucket"])
        return "kmalloc large run order %u%s" % (int(entry["bucket"]),
                                                pages_range(head, head + n))
    return "kmalloc page" + pages_range(head, head + (1 << k))


class KheapChecker:
    """kheap_check's rules over the extents' page tables, bucket lists
    and totals, then buddy_check's over the heap's own buddy; prints
    each violation as they do."""

    def __init__(self, h):
        self.h = h
        self.bad = 0

    def fail(self, what, addr):
        out("kheap: check: %s at %s" % (what, hex8(addr)))
        self.bad += 1

    def page(self, e, j, pg, nfree):
        """One bucket page: free list, bitmap and count agree."""
        size = int(self.h["bucket"][int(pg["bucket"])]["size"])
        page = int(e["first_page"]) + j * PAGE
        freemap = u32s(pg["freemap"])
        n, blk = 0, int(pg["freelist"])
        while blk != 0 and n <= PAGE // size:
            off = (blk - page) & 0xFFFFFFFF
            if off >= PAGE or off % size or not bit(freemap, off // size):
                return self.fail("bad free-list entry", blk)
            n += 1
            blk = word(blk)
        if n != int(pg["nfree"]) or \
                bits_set(freemap, PAGE // size) != int(pg["nfree"]):
            return self.fail("free count, list and bitmap differ", page)
        nfree[int(pg["bucket"])] += n

    def bucket_list(self, b, bi, with_free):
        head = address(b["pages"])
        off = offset_of("struct kheap_page", "link")
        listed, l = 0, int(b["pages"]["next"])
        while l != head:
            listed += 1
            if listed > int(b["npages"]):
                return self.fail("bucket list loops", bi)
            pg = at(l - off, "struct kheap_page")
            if int(pg["kind"]) != KHEAP_PAGE_BUCKET or \
                    int(pg["bucket"]) != bi or int(pg["nfree"]) == 0:
                return self.fail("page on the wrong list", bi)
            l = int(pg["link"]["next"])
        if listed != with_free:
            self.fail("page with free blocks off its list", bi)

    def run(self):
        h = self.h
        nb = length(h["bucket"])
        nfree, npages, with_free = [0] * nb, [0] * nb, [0] * nb
        runs = large = 0
        keys = (0x4B484541, 0x50455854)    # KHEAP_KEY1, KHEAP_KEY2
        for e in kheap_extents(h):
            if (int(e["key1"]), int(e["key2"])) != keys or \
                    int(e["heap"]) != address(h):
                self.fail("extent keys", int(e["area"]["first"]))
                continue
            for j in range(int(e["npages"])):
                pg = e["page"][j]
                kind = int(pg["kind"])
                if kind == KHEAP_PAGE_BUCKET:
                    npages[int(pg["bucket"])] += 1
                    with_free[int(pg["bucket"])] += int(pg["nfree"]) > 0
                    self.page(e, j, pg, nfree)
                elif kind == KHEAP_PAGE_LARGE:
                    runs += 1
                    large += 1 << int(pg["bucket"])
        for i in range(nb):
            b = h["bucket"][i]
            if nfree[i] != int(b["nfree"]) or npages[i] != int(b["npages"]):
                self.fail("bucket totals differ from its pages", i)
            self.bucket_list(b, i, with_free[i])
        if runs != int(h["large_inuse"]) or large != int(h["large_pages"]):
            self.fail("page-run totals differ", runs)
        return self.bad + BuddyChecker().run(h["pages"])


# ---- the pools (mm/pool.h) ------------------------------------------

def pools():
    """Every live pool, newest first, from the registry."""
    p = value("'mm/pool_report.c'::registry")["first"]
    found, seen = [], set()
    while int(p) != 0 and int(p) not in seen:
        seen.add(int(p))
        found.append(p.dereference())
        p = p.dereference()["next_pool"]
    return found


def pool_slabs(p):
    """The slabs of pool p, by address (struct pool_slab values)."""
    off = offset_of("struct pool_slab", "mem")
    return [at(int(p["slab"][i]) - off, "struct pool_slab")
            for i in range(int(p["nslabs"]))]


def pool_page_role(pfn):
    """The role of page pfn in a slab of a growing pool, as the page
    ledger words it (mm/pool_owner.c), or None."""
    addr = pfn << PAGE_SHIFT
    for p in pools():
        if int(p["src"]) == 0:
            continue                # a static pool's buffer is its caller's
        for sl in pool_slabs(p):
            if int(sl["mem"]["first"]) <= addr <= int(sl["mem"]["last"]):
                return "pool slab of \"%s\", %u of %u objects free" % \
                    (string(p["name"]), int(sl["nfree"]), int(sl["nobjs"]))
    return None


class PoolChecker:
    """pool_check's rules over one pool's slabs, free lists and partial
    list; prints each violation as it does."""

    SLAB_MAGIC = 0x534C4142         # POOL_SLAB_MAGIC, mm/pool.h

    def __init__(self, p):
        self.p = p
        self.bad = 0

    def fail(self, what, addr):
        out("pool: check: %s at %s (pool %s)" % (what, hex8(addr),
                                                 string(self.p["name"])))
        self.bad += 1

    def slab(self, sl):
        """One slab: free list, free table, carve mark and count agree;
        returns its free objects (0 after a violation)."""
        p = self.p
        first = int(sl["mem"]["first"])
        if int(sl["magic"]) != self.SLAB_MAGIC or \
                int(sl["pool"]) != address(p):
            return self.fail("slab header", first) or 0
        nobjs, ncarved = int(sl["nobjs"]), int(sl["ncarved"])
        freemap = [int(w) for w in
                   (sl["freemap"][i] for i in range((nobjs + 31) // 32))]
        base, size = int(sl["base"]), int(p["objsize"])
        listed, obj = 0, int(sl["freelist"])
        while obj != 0 and listed <= nobjs:
            idx = ((obj - base) & 0xFFFFFFFF) // size
            if idx >= ncarved or not bit(freemap, idx):
                return self.fail("bad free-list entry", obj) or 0
            listed += 1
            obj = word(obj + int(p["link_off"]))
        if any(not bit(freemap, i) for i in range(ncarved, nobjs)):
            return self.fail("uncarved object in use", first) or 0
        if bits_set(freemap, nobjs) != int(sl["nfree"]) or \
                listed + nobjs - ncarved != int(sl["nfree"]):
            return self.fail("free count, list and table differ",
                             first) or 0
        return int(sl["nfree"])

    def partial(self, slabs):
        p = self.p
        head = address(p["partial"])
        off = offset_of("struct pool_slab", "link")
        listed, l = 0, int(p["partial"]["next"])
        while l != head:
            listed += 1
            if listed > int(p["nslabs"]):
                return self.fail("partial list loops", 0)
            sl = at(l - off, "struct pool_slab")
            if int(sl["nfree"]) == 0:
                return self.fail("full slab on the partial list",
                                 int(sl["mem"]["first"]))
            l = int(sl["link"]["next"])
        if listed != sum(int(sl["nfree"]) > 0 for sl in slabs):
            self.fail("slab with free objects off the partial list", 0)

    def run(self):
        slabs = pool_slabs(self.p)
        firsts = [(int(sl["mem"]["first"]), int(sl["mem"]["last"]))
                  for sl in slabs]
        if any(f > l for f, l in firsts) or any(
                firsts[i][1] >= firsts[i + 1][0]
                for i in range(len(firsts) - 1)):
            self.fail("slab table unsorted", 0)
        nfree = sum(self.slab(sl) for sl in slabs)
        self.partial(slabs)
        if sum(int(sl["nobjs"]) for sl in slabs) - nfree != \
                int(self.p["active"]):
            self.fail("active count differs from the slabs", 0)
        return self.bad


def slabinfo():
    """pool_print_slabinfo: every live pool as /proc/slabinfo 2.1."""
    out("slabinfo - version: 2.1")
    out("# name            <active_objs> <num_objs> <objsize> "
        "<objperslab> <pagesperslab> : slabdata <active_slabs> "
        "<num_slabs>")
    for p in pools():
        slabs = pool_slabs(p)
        nobjs = sum(int(s["nobjs"]) for s in slabs)
        active = sum(int(s["nfree"]) < int(s["nobjs"]) for s in slabs)
        pages = 1 << int(p["slab_order"]) if int(p["src"]) else 0
        out("%-17s %6u %6u %6u %4u %4u : slabdata %6u %6u" %
            (string(p["name"]), int(p["active"]), nobjs, int(p["objsize"]),
             int(p["objs_per_slab"]), pages, active, int(p["nslabs"])))


def pool_errors():
    """Lines "errors: pool NAME REASON N" of the non-zero counters."""
    nomem = enum_value("enum pool_err", "POOL_NOMEM")
    err_names = names("pool_err_name")
    n = 0
    for p in pools():
        for e in range(nomem + 1, len(err_names)):
            if int(p["nerr"][e]):
                out("errors: pool %s %s %u" % (string(p["name"]),
                                               err_names[e],
                                               int(p["nerr"][e])))
                n += 1
    return n


# ---- breakpoints on allocator events ---------------------------------

class EventBreak(gdb.Breakpoint):
    """A breakpoint at the entry of one allocator function that stops
    only when the argument named arg equals want (any value if None),
    and says which allocator and what it was asked."""

    def __init__(self, function, arg, want, show):
        super().__init__(function)
        self.function, self.arg, self.want, self.show = function, arg, \
            want, show

    def stop(self):
        frame = gdb.selected_frame()
        try:
            got = int(frame.read_var(self.arg))
            name = string(deref(frame.read_var("b"))["name"])
        except (gdb.error, ValueError) as e:
            out("kmem: %s: cannot read %s (%s); stopping" %
                (self.function, self.arg, e))
            return True
        if self.want is not None and (got & 0xFFFFFFFF) != self.want:
            return False
        out("kmem: %s allocator %s %s" % (self.function, name,
                                          self.show(got)))
        return True


def cmd_break(args):
    if not args or args[0] not in ("alloc", "free") or len(args) > 2:
        raise KmemError("usage: kmem break alloc [order=K] | "
                        "kmem break free [ADDR]")
    want = None
    if args[0] == "alloc":
        if len(args) == 2:
            if not args[1].startswith("order="):
                raise KmemError("usage: kmem break alloc [order=K]")
            want = number(args[1][len("order="):], "order")
        for f in ("buddy_alloc", "buddy_alloc_locked"):
            EventBreak(f, "order", want, lambda k: "order %u" % k)
    else:
        if len(args) == 2:
            want = number(args[1], "address") & 0xFFFFFFFF
        for f in ("buddy_free", "buddy_free_locked"):
            EventBreak(f, "addr", want, lambda a: "addr " + hex8(a))


# ---- commands ---------------------------------------------------------

class BuddyParam(gdb.Parameter):
    """The struct buddy (or pointer to one) the kmem buddy commands read:
    a C expression, evaluated at each command."""

    set_doc = "Set the allocator the kmem commands read."
    show_doc = "Show the allocator the kmem commands read."

    def __init__(self):
        super().__init__("kmem-buddy", gdb.COMMAND_DATA, gdb.PARAM_STRING)
        self.value = "kernel_buddy"

    def get_set_string(self):
        return ""

    def get_show_string(self, svalue):
        return "kmem commands read the allocator %s" % svalue


BUDDY_PARAM = BuddyParam()


def cmd_buddyinfo(args):
    buddyinfo(buddy())


def cmd_zone(args):
    b = buddy()
    zs = [zone_arg(b, args[0])] if args else zones(b)
    out("zone: legend . free  # allocated  m metadata or reserved  + mixed")
    for z in zs:
        picture(z)


def cmd_freelist(args):
    if not args or len(args) > 2:
        raise KmemError("usage: kmem freelist ORDER [ZONE]")
    b = buddy()
    z = zone_arg(b, args[1] if len(args) > 1 else "0")
    freelist(b, number(args[0], "order"), z)


def cmd_block(args):
    if len(args) != 1:
        raise KmemError("usage: kmem block ADDR")
    block(buddy(), number(args[0], "address"))


def cmd_page(args):
    if len(args) != 1:
        raise KmemError("usage: kmem page ADDR")
    page = number(args[0], "address") & ~(PAGE - 1)
    pfn = page >> PAGE_SHIFT
    m = memmap()
    role = memmap_page_role(m, pfn)
    if role is None:
        role = buddy_page_role(value("kernel_buddy"), pfn)
        if role is not None:
            role = LAYER_ROLES(page, role)
    if role is None and memmap_free_region(m, pfn) is not None:
        role = "unmanaged" + pages_range(*memmap_free_region(m, pfn))
    if not role:
        out("page: %s has no owner" % hex8(page))
    else:
        out("page: %s %s" % (hex8(page), role))


def cmd_vmstat(args):
    vmstat(kheap())


def cmd_slabinfo(args):
    slabinfo()


def cmd_errors(args):
    n = 0
    m = memmap()
    err_names = names("memmap_err_name")
    for e in range(1, len(err_names)):
        if int(m["nerr"][e]):
            out("errors: memmap %s %u" % (err_names[e], int(m["nerr"][e])))
            n += 1
    for name, count in buddy_errors_nonzero(value("kernel_buddy")):
        out("errors: buddy %s %u" % (name, count))
        n += 1
    n += LAYER_ERRORS()
    for what, expr in (("irq unexpected", "irq_unexpected"),
                       ("serial overrun", "rx_overruns")):
        if int(value(expr)):
            out("errors: %s %u" % (what, int(value(expr))))
            n += 1
    if n == 0:
        out("errors: none")


def cmd_check(args):
    out("check: memmap %u problems" % memmap_check(memmap()))
    out("check: buddy %u problems" % BuddyChecker().run(buddy()))
    LAYER_CHECKS()


def layer_roles(page, role):
    """The deepest owner of a page the kernel's buddy handed out: the
    kmalloc heap or a pool, when one holds it."""
    if not role.startswith("kernel block"):
        return role
    pfn = page >> PAGE_SHIFT
    deeper = kheap_page_role(kheap(), pfn)
    if deeper is None:
        deeper = pool_page_role(pfn)
    return role if deeper is None else deeper


def layer_errors():
    return kheap_errors(kheap()) + pool_errors()


def layer_checks():
    out("check: kmalloc %u problems" % KheapChecker(kheap()).run())
    ps = pools()
    out("check: pool %u problems in %u pools" %
        (sum(PoolChecker(p).run() for p in ps), len(ps)))


# The kmalloc and pool groups fill these in (below).
LAYER_ROLES = layer_roles
LAYER_ERRORS = layer_errors
LAYER_CHECKS = layer_checks

COMMANDS = {
    "buddyinfo": cmd_buddyinfo,
    "zone": cmd_zone,
    "freelist": cmd_freelist,
    "block": cmd_block,
    "page": cmd_page,
    "slabinfo": cmd_slabinfo,
    "vmstat": cmd_vmstat,
    "errors": cmd_errors,
    "check": cmd_check,
    "break": cmd_break,
}


class Kmem(gdb.Command):
    """Print the allocators' state from the kernel's memory.

kmem buddyinfo            free blocks of each order in each zone
kmem zone [N]             picture of every zone, or of zone N
kmem freelist ORDER [ZONE]  the blocks on one free list (zone 0 default)
kmem block ADDR           the buddy block holding ADDR and its buddy
kmem page ADDR            which layer owns the page with ADDR, in what role
kmem slabinfo             every pool, as /proc/slabinfo
kmem vmstat               the kmalloc buckets, as vmstat -m
kmem errors               every non-zero error counter of every layer
kmem check                every layer's checker, redone from the raw state
kmem break alloc [order=K]  stop when the page allocator hands out a block
kmem break free [ADDR]    stop when a block (the one at ADDR) is freed

ADDR, ORDER, N are numbers or C expressions (kmem page p).  The buddy
commands read "set kmem-buddy EXPR" (default kernel_buddy)."""

    def __init__(self):
        super().__init__("kmem", gdb.COMMAND_DATA, gdb.COMPLETE_NONE)

    def invoke(self, arg, from_tty):
        argv = gdb.string_to_argv(arg)
        if not argv or argv[0] not in COMMANDS:
            raise gdb.GdbError("kmem: unknown command \"%s\"; see help kmem"
                               % (argv[0] if argv else ""))
        try:
            COMMANDS[argv[0]](argv[1:])
        except KmemError as e:
            raise gdb.GdbError("kmem %s: %s" % (argv[0], e))
        except gdb.MemoryError as e:
            raise gdb.GdbError("kmem %s: %s" % (argv[0], e))


Kmem()
