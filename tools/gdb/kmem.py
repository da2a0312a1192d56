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
# here.  What the debug information cannot give (#defines: the page-state
# and owner bits, the slab magic) is written once below, naming its
# header.  Each layer's code is a group of its own, in the order of the
# layers: memory map, buddy, the shared slab and owner bytes, kmalloc,
# pools; then the breakpoints and the commands.
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
META_PARKED = 0xC0              # a free order-0 page in the array
OWNER_SLAB = 0x40               # MM_OWNER_*, mm/pagesrc.h
OWNER_LARGE = 0x80
OWNER_INSIDE = 0xC0
OWNER_KIND = 0xC0
OWNER_ORDER = 0x3F
SLAB_MAGIC = 0x534C4142         # mm/slab.h
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


def slab_of_link(l):
    """The struct slab whose list link is at address l (mm/slab.h)."""
    t = gdb.lookup_type("struct slab")
    return at(l - t["link"].bitpos // 8, "struct slab")


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

    def owner(self, pfn):
        """The owner byte of page pfn (mm/pagesrc.h)."""
        return read_bytes(int(self.v["owner"]) + pfn - self.first, 1)[0]

    def has(self, pfn):
        return self.first <= pfn <= self.last

    def nfree(self, k):
        return int(self.v["nfree"][k])

    def head(self, k):
        """The index of free-list head k among the zone's links."""
        return int(self.v["head0"]) + k

    def link(self, i):
        """Link i of the zone's free lists (struct buddy_link, in the
        metadata): (next, prev), page indices or head indices."""
        size = gdb.lookup_type("struct buddy_link").sizeof
        raw = read_bytes(int(self.v["link"]) + i * size, size)
        return (int.from_bytes(raw[:size // 2], "little"),
                int.from_bytes(raw[size // 2:], "little"))

    def link_addr(self, i):
        """Where link i lives, for a watchpoint or a deliberate write."""
        return int(self.v["link"]) + \
            i * gdb.lookup_type("struct buddy_link").sizeof

    def free_pages(self):
        """Free pages by the per-order counts (buddy_zone_nfree)."""
        return sum(self.nfree(k) << k for k in range(self.norders))

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
    """buddy_print_buddyinfo: one line per zone, as /proc/buddyinfo,
    then the array of parked pages (buddy_print_parked)."""
    for z in zones(b):
        out("Node 0, zone %8u" % z.index +
            "".join(" %6u" % z.nfree(k) for k in range(z.norders)))
    if int(b["park_max"]) != 0 or int(b["nparked"]) != 0:
        out("buddy: parked: %u of %u order-0 pages" %
            (int(b["nparked"]), length(b["parked"])))


def parked_pages(b):
    """The pfns the array of parked pages names, oldest first (entries
    whose zone pointer is no zone of b give None)."""
    firsts = {address(z.v): z.first for z in zones(b)}
    pfns = []
    for i in range(min(int(b["nparked"]), length(b["parked"]))):
        e = b["parked"][i]
        first = firsts.get(int(e["zone"]))
        pfns.append(None if first is None else first + int(e["index"]))
    return pfns


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


def walk_list(z, k):
    """Follows free list k of zone z from its head, with a guard: stops
    at the head, at a link that is no free order-k block of z, at a
    broken back link, at a block seen before, or after count + 1
    entries.  Yields (page address, problem or None) per link followed
    (None for the address of a link that is no page)."""
    h = z.head(k)
    seen = set()
    prev = h
    i = z.link(h)[0]
    while i != h:
        pfn = z.first + i
        addr = pfn << PAGE_SHIFT if i < z.npages else None
        if i in seen:
            yield addr, "a cycle: seen before"
            return
        seen.add(i)
        if i >= z.npages:
            yield None, "index %u is no page of zone %u" % (i, z.index)
            return
        if z.state(pfn) != META_FREE | k:
            yield addr, "state 0x%02x, not a free order-%u head" % \
                (z.state(pfn), k)
            return
        nxt, back = z.link(i)
        if back != prev:
            yield addr, "its prev link is index %u, not %u" % (back, prev)
            return
        if len(seen) > z.nfree(k):
            yield addr, "beyond the count of %u" % z.nfree(k)
            return
        yield addr, None
        prev, i = i, nxt
    if z.link(h)[1] != prev:
        yield None, "the head's prev link is index %u, not the last " \
            "block's %u" % (z.link(h)[1], prev)


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
    if m == META_PARKED:
        return "parked: free order 0, in the array"
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
    if hm == META_PARKED:
        out("block: on no free list: in the array of parked pages")
    elif hm & META_FREE:
        nxt, prev = z.link(h - z.first)
        out("block: free-list link %u at %s: next %u, prev %u (page "
            "indices; %u and up are the list heads)" %
            (h - z.first, hex8(z.link_addr(h - z.first)), nxt, prev,
             z.npages))
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
        self.parked = {}            # zone first pfn -> parked pages seen

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
        if m == META_PARKED:
            self.parked[z.first] = self.parked.get(z.first, 0) + 1
            if z.owner(pfn) != 0:
                self.violation(z, pfn, "parked page has an owner")
            return 1
        if not m & META_FREE or k >= z.norders:
            return 0                # (a corrupt order above the
                                    # largest has no count to add to)
        nfree[k] += 1
        bud = pfn ^ size
        if k + 1 < z.norders and z.has(bud) and z.state(bud) == m:
            self.violation(z, pfn, "free buddies left unmerged")
        if z.owner(pfn) != 0:
            self.violation(z, pfn, "free block has an owner")
        return size

    def list(self, z, k):
        """Walks list k: every entry a free head of order k in z, its
        next link back to it, no more entries than counted."""
        h, n = z.head(k), 0
        i = z.link(h)[0]
        while i != h:
            pfn = z.first + i
            if i >= z.npages or z.state(pfn) != META_FREE | k:
                return self.violation(z, pfn, "bad free-list entry")
            nxt = z.link(i)[0]
            if (nxt >= z.npages and nxt != h) or z.link(nxt)[1] != i:
                return self.violation(z, pfn, "bad free-list entry")
            n += 1
            if n > z.nfree(k):
                return self.violation(z, pfn, "free list longer than "
                                      "its count")
            i = nxt
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
        if self.parked.get(z.first, 0) != sum(
                1 for p in self.array if p is not None and z.has(p)):
            self.violation(z, z.first, "parked pages differ from the array")
        for k in range(z.norders):
            if nfree[k] != z.nfree(k):
                self.violation(z, z.first, "per-order count differs from "
                               "the pages")
            self.list(z, k)
        return free_pages

    def check_array(self, b, zs):
        """The array: each entry a parked page of b, none twice."""
        z0 = Zone(b["zone"][0], 0)
        if int(b["nparked"]) > int(b["park_max"]):
            self.violation(z0, 0, "more pages parked than allowed")
        seen = set()
        for pfn in self.array:
            z = None if pfn is None else \
                next((z for z in zs if z.has(pfn)), None)
            if z is None:
                return self.violation(z0, 0, "parked entry names no page")
            if z.state(pfn) != META_PARKED:
                self.violation(z, pfn, "parked entry's page is not parked")
            if pfn in seen:
                self.violation(z, pfn, "page parked twice")
            seen.add(pfn)

    def run(self, b):
        zs = zones(b)
        self.array = parked_pages(b)
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
        self.check_array(b, zs)
        if free_pages != sum(z.free_pages() for z in zs) + \
                int(b["nparked"]) or \
                managed != int(b["managed_pages"]):
            self.violation(Zone(b["zone"][0], 0), 0,
                           "page totals differ from counts")
        return self.bad


# ---- the shared slab (mm/slab.h) and the owner bytes (mm/pagesrc.h) --

def owner_of(pfn):
    """The owner byte of page pfn in the kernel's page allocator
    (mm/pagesrc.h), or None outside its zones."""
    z = buddy_zone_of(value("kernel_buddy"), pfn)
    return None if z is None else z.owner(pfn)


def slab_lookup(s, g, addr, limit):
    """The index of the object of slab s at addr, or -1 (slab_lookup:
    index by the reciprocal, then the object must start at addr)."""
    i = ((((addr - int(s["base"])) & 0xFFFFFFFF) * int(g["recip"]))
         >> 32)
    if i >= limit or int(s["base"]) + i * int(g["size"]) != addr:
        return -1
    return i


def slab_freemap(s, g):
    """Slab s's free table (bit i set: object i free) as a list."""
    n = (int(g["nobjs"]) + 31) // 32
    return [int(s["freemap"][i]) for i in range(n)]


def slab_check(s, g, nparked=0):
    """slab_check_parked's rules for slab s of geometry g whose cache
    holds nparked of its objects parked: (what, address) of the first
    violation, or None."""
    if int(s["magic"]) != SLAB_MAGIC:
        return "slab header", address(s)
    freemap = slab_freemap(s, g)
    ncarved, nobjs = int(s["ncarved"]), int(g["nobjs"])
    listed, obj = 0, int(s["freelist"])
    while obj != 0:
        k = slab_lookup(s, g, obj, ncarved)
        listed += 1
        if k < 0 or not bit(freemap, k) or listed > ncarved:
            return "bad free-list entry", obj
        obj = word(obj + int(g["link_off"]))
    if any(not bit(freemap, i) for i in range(ncarved, nobjs)):
        return "uncarved object in use", address(s)
    if bits_set(freemap, nobjs) != int(s["nfree"]) + nparked or \
            listed + nobjs - ncarved != int(s["nfree"]):
        return "free count, list and table differ", address(s)
    return None


def list_entries(head, limit):
    """The addresses of the links on the list at head (an lvalue), at
    most limit + 1 of them (one more than limit means a loop)."""
    found, l = [], int(head["next"])
    while l != address(head) and len(found) <= limit:
        found.append(l)
        l = int(at(l, "struct mm_list")["next"])
    return found


# ---- the kmalloc heap (mm/kheap.h) ----------------------------------

def kheap():
    """The global kmalloc heap (mm/kmalloc.c)."""
    return value("kmalloc_global")


def bucket_parked(b):
    """The blocks in bucket b's array (free, on no slab's list)."""
    return [int(b["array"][i]) for i in range(int(b["navail"]))]


def bucket_inuse(b):
    """kheap_inuse: blocks of bucket b handed out."""
    return int(b["nout"]) - int(b["navail"])


def parked_in(b, s):
    """kheap_parked_in: how many of b's array lie in slab s."""
    mask = ~((PAGE << int(b["geom"]["order"])) - 1)
    return sum(1 for p in bucket_parked(b) if p & mask == s)


def bucket_nfree(b):
    """Free blocks of bucket b: its partial slabs', its empty slab's and
    its array's."""
    n = int(b["navail"]) + (int(b["geom"]["nobjs"]) if int(b["empty"]) else 0)
    for l in list_entries(b["partial"], int(b["npages"])):
        n += int(slab_of_link(l)["nfree"])
    return n


def vmstat(h):
    """kheap_print_stats: one row per bucket, the page runs, the total,
    in the columns of vmstat -m."""
    out("kmalloc: %6s %8s %8s %6s %10s %8s" %
        ("Size", "InUse", "Free", "Pages", "Requests", "HighUse"))
    inuse, nfree = int(h["large_inuse"]), 0
    requests, pages = int(h["large_requests"]), int(h["large_pages"])
    for i in range(length(h["bucket"])):
        b = h["bucket"][i]
        bfree = bucket_nfree(b)
        out("kmalloc: %6u %8u %8u %6u %10u %8u" %
            (int(b["geom"]["size"]), bucket_inuse(b), bfree,
             int(b["npages"]), int(b["requests"]), int(b["hwm"])))
        inuse += bucket_inuse(b)
        nfree += bfree
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


def kheap_bucket_of(h, cache):
    """The bucket of h at address cache, or None (kheap_is_bucket)."""
    base = address(h["bucket"])
    size = h["bucket"].type.sizeof
    if not base <= cache < base + size:
        return None
    return h["bucket"][(cache - base) // h["bucket"][0].type.sizeof]


def kheap_page_role(h, pfn):
    """The role of page pfn in the kmalloc heap h, as the page ledger
    words it (mm/kheap_owner.c), found by the page's owner byte, or
    None when kmalloc does not hold it."""
    own = owner_of(pfn)
    if own is None:
        return None
    kind = own & OWNER_KIND
    if kind == OWNER_SLAB:
        order = own & OWNER_ORDER
        s = at((pfn & ~((1 << order) - 1)) << PAGE_SHIFT, "struct slab")
        b = kheap_bucket_of(h, int(s["cache"]))
        if int(s["magic"]) != SLAB_MAGIC or b is None:
            return None
        return "kmalloc bucket slab size %u, %u of %u blocks free" % \
            (int(b["geom"]["size"]),
             int(s["nfree"]) + parked_in(b, address(s)),
             int(b["geom"]["nobjs"]))
    if kind in (OWNER_LARGE, OWNER_INSIDE):
        for k in range(length(value("kernel_buddy")["zone"][0]["nfree"])):
            head = pfn & ~((1 << k) - 1)
            o = owner_of(head)
            if o is not None and o & OWNER_KIND == OWNER_LARGE and \
                    o & OWNER_ORDER >= k:
                n = 1 << (o & OWNER_ORDER)
                return "kmalloc large run order %u%s" % \
                    (o & OWNER_ORDER, pages_range(head, head + n))
    return None


class KheapChecker:
    """kheap_check's rules over the buckets' slabs (the heap over
    extents, for tests only, is left out); prints each violation as it
    does."""

    def __init__(self, h):
        self.h = h
        self.bad = 0

    def fail(self, what, addr):
        out("kheap: check: %s at %s" % (what, hex8(addr)))
        self.bad += 1
        return 0

    def slab(self, b, s, kept_empty):
        """One slab: header, owner byte, place, table; returns its blocks
        in use."""
        g = b["geom"]
        addr = address(s)
        if int(s["magic"]) != SLAB_MAGIC or int(s["cache"]) != address(b):
            return self.fail("slab header not its bucket's", addr)
        if owner_of(addr >> PAGE_SHIFT) != OWNER_SLAB | int(g["order"]):
            return self.fail("slab owner byte wrong", addr)
        if int(s["nfree"]) == 0 or \
                kept_empty != (int(s["nfree"]) == int(g["nobjs"])):
            return self.fail("slab on the wrong list", addr)
        why = slab_check(s, g, parked_in(b, addr))
        if why is not None:
            return self.fail(*why)
        return int(g["nobjs"]) - int(s["nfree"])

    def array(self, b):
        """b's array: each entry a free block of one of b's slabs, its
        word and bit right, none twice."""
        g = b["geom"]
        order = int(g["order"])
        seen = set()
        if int(b["navail"]) >= length(b["array"]):
            return self.fail("bucket array overfull", int(g["size"]))
        for i, p in enumerate(bucket_parked(b)):
            if owner_of(p >> PAGE_SHIFT) != OWNER_SLAB | order:
                return self.fail("bucket array entry not in a slab", p)
            s = at(p & ~((PAGE << order) - 1), "struct slab")
            k = -1
            if int(s["magic"]) == SLAB_MAGIC and \
                    int(s["cache"]) == address(b):
                k = slab_lookup(s, g, p, int(s["ncarved"]))
            if k < 0:
                return self.fail("bucket array entry not its block", p)
            wordp = int(s["freemap"]) + 4 * (k // 32)
            if not bit(slab_freemap(s, g), k) or \
                    int(b["array_word"][i]) != wordp or \
                    int(b["array_bit"][i]) != 1 << (k % 32):
                return self.fail("bucket array entry not free", p)
            if p in seen:
                return self.fail("bucket array entry twice", p)
            seen.add(p)
        return 0

    def bucket(self, b):
        g = b["geom"]
        bad = self.bad
        links = list_entries(b["partial"], int(b["npages"]))
        nslabs, inuse = 0, 0
        for l in links:
            nslabs += 1
            if nslabs > int(b["npages"]):
                self.fail("bucket list loops", int(g["size"]))
                break
            inuse += self.slab(b, slab_of_link(l), False)
        nslabs += int(b["nfull"])
        inuse += int(b["nfull"]) * int(g["nobjs"])
        if int(b["empty"]):
            nslabs += 1
            inuse += self.slab(b, b["empty"].dereference(), True)
        self.array(b)
        if self.bad == bad and (nslabs << int(g["order"]) != int(b["npages"])
                                or inuse != int(b["nout"])):
            self.fail("bucket totals differ from its slabs", int(g["size"]))

    def run(self):
        for i in range(length(self.h["bucket"])):
            self.bucket(self.h["bucket"][i])
        if int(self.h["large_inuse"]) > int(self.h["large_pages"]):
            self.fail("page-run totals differ", int(self.h["large_inuse"]))
        return self.bad


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


def pool_parked(p):
    """The entries of pool p's parked array that its fill covers, as
    (object, free-table word address, keep mask) (mm/pool.h)."""
    room = p["parked"].type.range()[1] + 1
    return [(int(p["parked"][k]), int(p["parked_word"][k]),
             int(p["parked_keep"][k]))
            for k in range(min(int(p["nparked"]), room))]


def pool_holder(p, addr):
    """pool_holder: the address of p's slab that holds addr, or None."""
    g = p["geom"]
    if not int(p["src"]):
        s = p["static_slab"]
        if 0 <= addr - int(s["base"]) < int(g["nobjs"]) * int(g["size"]):
            return address(s)
        return None
    own = owner_of(addr >> PAGE_SHIFT)
    order = int(g["order"])
    if own is None or own != OWNER_SLAB | order:
        return None
    start = addr & ~((1 << (PAGE_SHIFT + order)) - 1)
    s = at(start, "struct slab")
    if int(s["magic"]) == SLAB_MAGIC and int(s["cache"]) == address(p):
        return start
    return None


def pool_parked_in(p, s):
    """How many of p's parked objects slab s holds (pool_parked_in)."""
    return sum(1 for obj, _, _ in pool_parked(p)
               if pool_holder(p, obj) == address(s))


def pool_active(p):
    """Objects in use: taken from the slabs and not parked."""
    return int(p["ntaken"]) - int(p["nparked"])


def pool_slabs(p):
    """Every slab of p: the partial list, the full list, the cached one."""
    found = []
    for head in (p["partial"], p["full"]):
        found += [slab_of_link(l)
                  for l in list_entries(head, int(p["nslabs"]))]
    if int(p["cached"]):
        found.append(p["cached"].dereference())
    return found


def pool_page_role(pfn):
    """The role of page pfn in a slab of a growing pool, as the page
    ledger words it (mm/pool_owner.c), found by its owner byte, or
    None."""
    own = owner_of(pfn)
    if own is None or own & OWNER_KIND != OWNER_SLAB:
        return None
    order = own & OWNER_ORDER
    s = at((pfn & ~((1 << order) - 1)) << PAGE_SHIFT, "struct slab")
    for p in pools():
        if int(p["src"]) and int(s["magic"]) == SLAB_MAGIC and \
                int(s["cache"]) == address(p) and \
                int(p["geom"]["order"]) == order:
            return "pool slab of \"%s\", %u of %u objects free" % \
                (string(p["name"]), int(s["nfree"]) + pool_parked_in(p, s),
                 int(p["geom"]["nobjs"]))
    return None


def slabinfo():
    """pool_print_slabinfo: every live pool as /proc/slabinfo 2.1."""
    out("slabinfo - version: 2.1")
    out("# name            <active_objs> <num_objs> <objsize> "
        "<objperslab> <pagesperslab> : slabdata <active_slabs> "
        "<num_slabs>")
    for p in pools():
        g = p["geom"]
        nslabs, growing = int(p["nslabs"]), int(p["src"]) != 0
        active = sum(1 for s in pool_slabs(p)
                     if address(s) != int(p["cached"]) and
                     int(g["nobjs"]) - int(s["nfree"]) -
                     pool_parked_in(p, s) != 0)
        out("%-17s %6u %6u %6u %4u %4u : slabdata %6u %6u" %
            (string(p["name"]), pool_active(p), nslabs * int(g["nobjs"]),
             int(g["size"]), int(g["nobjs"]),
             1 << int(g["order"]) if growing else 0, active, nslabs))


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


class PoolChecker:
    """pool_check's rules over one pool's parked array, its partial and
    full lists and its cached slab; prints each violation as it does."""

    def __init__(self, p):
        self.p = p
        self.bad = 0
        self.listed = self.in_use = 0

    def fail(self, what, addr):
        out("pool: check: %s at %s (pool %s)" % (what, hex8(addr),
                                                 string(self.p["name"])))
        self.bad += 1

    def start(self, s):
        """Where slab s's memory starts (pool_slab_start)."""
        return address(s) if int(self.p["src"]) else int(s["base"])

    def slab(self, s):
        p, g = self.p, self.p["geom"]
        self.listed += 1
        self.in_use += int(g["nobjs"])
        if int(s["magic"]) != SLAB_MAGIC or int(s["cache"]) != address(p):
            why = ("slab header", address(s))
        else:
            why = slab_check(s, g, pool_parked_in(p, s))
        if why is not None:
            what, addr = why
            self.fail(what, self.start(s) if addr == address(s) else addr)
            return
        self.in_use -= int(s["nfree"])

    def list(self, head, full):
        """The slabs on one list; False if it loops."""
        nslabs = int(self.p["nslabs"])
        links = list_entries(head, nslabs)
        for n, l in enumerate(links):
            if n + 1 > nslabs:
                self.fail("full list loops" if full else
                          "partial list loops", 0)
                return False
            s = slab_of_link(l)
            self.slab(s)
            if not full and int(s["nfree"]) == 0:
                self.fail("full slab on the partial list", self.start(s))
            if full and int(s["nfree"]) != 0:
                self.fail("slab with free objects off the partial list", 0)
        return True

    def missing(self):
        """The slabs no list holds, told apart by their objects in use."""
        p = self.p
        nslabs, active = int(p["nslabs"]), int(p["ntaken"])
        missing = nslabs - self.listed
        if self.listed > nslabs:
            self.fail("more slabs listed than held", 0)
        elif active < self.in_use or (missing == 0 and
                                      active != self.in_use):
            self.fail("active count differs from the slabs", 0)
        elif missing != 0 and active - self.in_use < \
                missing * int(p["geom"]["nobjs"]):
            self.fail("slab with free objects off the partial list", 0)
        elif missing != 0:
            self.fail("full slab off the full list", 0)

    def entry(self, k, entries):
        """Entry k of the array: an object of a slab of p, free in its
        table, its word and mask its own, parked once."""
        p, g = self.p, self.p["geom"]
        obj, wordaddr, keep = entries[k]
        start = pool_holder(p, obj)
        i = -1
        if start is not None:
            s = p["static_slab"] if not int(p["src"]) else \
                at(start, "struct slab")
            i = slab_lookup(s, g, obj, int(s["ncarved"]))
        if i < 0 or wordaddr != int(s["freemap"]) + 4 * (i // 32) or \
                keep != ~(1 << (i % 32)) & 0xFFFFFFFF:
            self.fail("bad parked entry", obj)
            return
        if not bit(slab_freemap(s, g), i):
            self.fail("parked object in use", obj)
            return
        if any(entries[j][0] == obj for j in range(k)):
            self.fail("object parked twice", obj)

    def parked(self):
        p = self.p
        if int(p["nparked"]) > int(p["park_max"]):
            self.fail("parked count too high", 0)
            return
        entries = pool_parked(p)
        for k in range(len(entries)):
            self.entry(k, entries)

    def run(self):
        p = self.p
        self.parked()
        whole = self.list(p["partial"], False)
        whole = self.list(p["full"], True) and whole
        if int(p["cached"]):
            s = p["cached"].dereference()
            self.slab(s)
            if int(s["nfree"]) != int(p["geom"]["nobjs"]):
                self.fail("cached slab in use", self.start(s))
        if whole:
            self.missing()
        return self.bad


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
        for f in ("buddy_free", "buddy_free_order", "buddy_free_locked"):
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
