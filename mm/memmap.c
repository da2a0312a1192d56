/*
 * mm/memmap.c - the physical memory map: parse, sanitise, reserve.
 *
 * The BIOS describes memory as a list of ranges with a type (e820); the
 * boot loader copies the list into the Multiboot information.  The list
 * may be unsorted, overlapping, contradictory, and may reach past 4 GiB.
 * This file turns it into something a page allocator can trust:
 *
 *   parse     raw entries from the buffer: each is a 32-bit size (not
 *             counting itself, at least 20), then 64-bit base, 64-bit
 *             length and 32-bit type;
 *   sanitise  sort; drop empty entries; where entries overlap, the more
 *             restrictive type wins (unusable > ACPI NVS > reserved >
 *             ACPI data > usable); merge touching entries of one type;
 *             keep nothing at or above 4 GiB (usable memory there is
 *             counted as ignored);
 *   reserve   record ranges that are in use (the kernel, the boot
 *             information, modules, page 0), each with its reason;
 *   free      usable ranges, shrunk inward to whole 4 KiB pages, minus
 *             every reservation (grown outward to whole pages).
 *
 * Invariant: after memmap_compute_free, free[] is sorted, page aligned,
 * non-empty, disjoint from each other and from every reservation, and
 * inside usable memory below 4 GiB.
 * Bounds: parse O(n); sanitise O(n^2) over the 2n boundaries of n <= 64
 * entries; free O((usable + reserved) x regions) - all small tables.
 * Metadata: struct memmap (its size is printed by the memmap.sizes
 * test).
 * Beside it: the reports and byte totals (mm/memmap_report.c) and the
 * checker (mm/memmap_check.c).
 * Read after: mm/port.h.  Tests: mm/memmap_test.c.
 */
#include "memmap.h"

#define PAGE_MASK   ((uint64_t)MM_PAGE - 1)

const char *const memmap_err_name[MEMMAP_ERR_COUNT] = {
    [MEMMAP_OK] = "ok",
    [MEMMAP_ERR_ENTRY_SIZE] = "entry size below 20",
    [MEMMAP_ERR_TRUNCATED] = "entry cut off by the map's length",
    [MEMMAP_ERR_TOO_MANY] = "table full",
    [MEMMAP_ERR_RANGE] = "range ends before it starts",
};

static enum memmap_err
memmap_fail(struct memmap *m, enum memmap_err err, uint64_t where)
{
    m->nerr[err]++;
    if (mm_switch.debug)
        mm_panic("memmap: %s at 0x%08lx", memmap_err_name[err],
                 (unsigned long)where);
    return err;
}

void
memmap_init(struct memmap *m)
{
    mm_memset(m, 0, sizeof *m);
}

const char *
memmap_type_name(uint32_t type)
{
    switch (type) {
    case MEMMAP_USABLE:
        return "usable";
    case MEMMAP_ACPI_DATA:
        return "ACPI data";
    case MEMMAP_ACPI_NVS:
        return "ACPI NVS";
    case MEMMAP_UNUSABLE:
        return "unusable";
    default:
        return "reserved";
    }
}

/* ---- parse ---------------------------------------------------------- */

/* Reads a little-endian value byte by byte: the buffer may be unaligned. */
static uint64_t
read_le(const uint8_t *p, unsigned nbytes)
{
    uint64_t v = 0;

    while (nbytes-- > 0)
        v = (v << 8) | p[nbytes];
    return v;
}

/* Appends a raw entry as handed over; empty ones too (sanitise drops). */
enum memmap_err
memmap_add(struct memmap *m, uint64_t base, uint64_t len, uint32_t type)
{
    struct memmap_range *r;

    if (m->nraw == MEMMAP_MAX_ENTRIES)
        return memmap_fail(m, MEMMAP_ERR_TOO_MANY, base);
    r = &m->raw[m->nraw++];
    r->base = base;
    /* A length that wraps past 2^64 is cut at the top of memory. */
    r->end = base + len < base ? ~(uint64_t)0 : base + len;
    r->type = type;
    r->why = NULL;
    return MEMMAP_OK;
}

/*
 * Parses a Multiboot memory map of len bytes.  Stops at the first entry
 * whose size field is below 20 (MEMMAP_ERR_ENTRY_SIZE) or that the
 * length cuts in half (MEMMAP_ERR_TRUNCATED), and drops entries beyond
 * the table (MEMMAP_ERR_TOO_MANY); the entries before are kept.
 */
enum memmap_err
memmap_parse(struct memmap *m, const void *buf, size_t len)
{
    const uint8_t *p = buf;
    size_t off = 0;

    while (off < len) {
        uint64_t size;
        enum memmap_err err;

        if (len - off < 4 + 20)
            return memmap_fail(m, MEMMAP_ERR_TRUNCATED, off);
        size = read_le(p + off, 4);
        if (size < 20)
            return memmap_fail(m, MEMMAP_ERR_ENTRY_SIZE, off);
        if (size > len - off - 4)
            return memmap_fail(m, MEMMAP_ERR_TRUNCATED, off);
        err = memmap_add(m, read_le(p + off + 4, 8),
                         read_le(p + off + 12, 8),
                         (uint32_t)read_le(p + off + 20, 4));
        if (err != MEMMAP_OK)
            return err;
        off += 4 + (size_t)size;
    }
    return MEMMAP_OK;
}

/* ---- sanitise ------------------------------------------------------- */

/* How restrictive a type is: where entries overlap, the higher wins. */
static unsigned
type_rank(uint32_t type)
{
    switch (type) {
    case MEMMAP_USABLE:
        return 1;
    case MEMMAP_ACPI_DATA:
        return 2;
    case MEMMAP_ACPI_NVS:
        return 4;
    case MEMMAP_UNUSABLE:
        return 5;
    default:
        return 3;       /* reserved, and every type we do not know */
    }
}

static uint32_t
type_normal(uint32_t type)
{
    return type_rank(type) == 3 ? MEMMAP_RESERVED : type;
}

/* Sorts n values ascending; insertion sort, n is small. */
static void
sort_u64(uint64_t *v, unsigned n)
{
    unsigned i, j;

    for (i = 1; i < n; i++) {
        uint64_t x = v[i];

        for (j = i; j > 0 && v[j - 1] > x; j--)
            v[j] = v[j - 1];
        v[j] = x;
    }
}

/* The winning type over [a, b): the highest rank of raw entries there. */
static uint32_t
type_over(const struct memmap *m, uint64_t a, uint64_t b)
{
    unsigned i, best = 0;
    uint32_t type = 0;

    for (i = 0; i < m->nraw; i++) {
        const struct memmap_range *r = &m->raw[i];

        if (r->base <= a && r->end >= b && type_rank(r->type) > best) {
            best = type_rank(r->type);
            type = type_normal(r->type);
        }
    }
    return type;
}

/* Appends [a, b) of type to the sanitised map, merging with the last. */
static void
map_append(struct memmap *m, uint64_t a, uint64_t b, uint32_t type)
{
    struct memmap_range *last = m->nmap ? &m->map[m->nmap - 1] : NULL;

    if (last != NULL && last->end == a && last->type == type) {
        last->end = b;
        return;
    }
    if (m->nmap == MEMMAP_MAX_ENTRIES) {
        memmap_fail(m, MEMMAP_ERR_TOO_MANY, a);
        return;
    }
    m->map[m->nmap++] = (struct memmap_range){ a, b, type, NULL };
}

/*
 * Builds map[] from raw[]: every boundary of every entry (and 4 GiB)
 * cuts the line into elementary pieces; each piece gets the most
 * restrictive type that covers it, and touching pieces of one type
 * merge.  Example: usable [0, 100) and reserved [60, 80) give usable
 * [0, 60), reserved [60, 80), usable [80, 100).  Usable pieces at or
 * above 4 GiB are counted in ignored_bytes and dropped.
 */
/* Lab 1: cut the raw entries into pieces, give each the winning type */
void
memmap_sanitise(struct memmap *m)
{
    uint64_t pts[2 * MEMMAP_MAX_ENTRIES + 1];
    unsigned n = 0, i;

    m->nmap = 0;
    m->ignored_bytes = 0;
    pts[n++] = MEMMAP_LIMIT;
    for (i = 0; i < m->nraw; i++) {
        if (m->raw[i].end <= m->raw[i].base)
            continue;                       /* empty: dropped */
        pts[n++] = m->raw[i].base;
        pts[n++] = m->raw[i].end;
    }
    sort_u64(pts, n);
    for (i = 0; i + 1 < n; i++) {
        uint32_t type;

        if (pts[i] == pts[i + 1])
            continue;
        type = type_over(m, pts[i], pts[i + 1]);
        if (type == 0)
            continue;                       /* a hole */
        if (pts[i] >= MEMMAP_LIMIT) {
            if (type == MEMMAP_USABLE)
                m->ignored_bytes += pts[i + 1] - pts[i];
            continue;
        }
        map_append(m, pts[i], pts[i + 1], type);
    }
}

/* ---- reservations and free regions ---------------------------------- */

/*
 * Records [base, end) as in use, with the reason printed beside it.
 * Kept sorted by base.  MEMMAP_ERR_RANGE if end < base; an empty range
 * is accepted and ignored.
 */
/* Lab 1: record a range in use, keeping the table sorted */
enum memmap_err
memmap_reserve(struct memmap *m, uint64_t base, uint64_t end,
               const char *why)
{
    unsigned i;

    if (end < base)
        return memmap_fail(m, MEMMAP_ERR_RANGE, base);
    if (end == base)
        return MEMMAP_OK;
    if (m->nrsv == MEMMAP_MAX_RESERVED)
        return memmap_fail(m, MEMMAP_ERR_TOO_MANY, base);
    for (i = m->nrsv; i > 0 && m->rsv[i - 1].base > base; i--)
        m->rsv[i] = m->rsv[i - 1];
    m->rsv[i] = (struct memmap_range){ base, end, MEMMAP_RESERVED, why };
    m->nrsv++;
    return MEMMAP_OK;
}

/*
 * Rounds x up to a page boundary, saturating: an end within a page of
 * 2^64 (0xfffffffffffff001) would wrap to 0 and the reservation would
 * vanish, so it becomes ~0 instead - still above everything below 4 GiB.
 */
static uint64_t
page_up(uint64_t x)
{
    return x > ~PAGE_MASK ? ~(uint64_t)0 : (x + PAGE_MASK) & ~PAGE_MASK;
}

static void
free_append(struct memmap *m, uint64_t a, uint64_t b)
{
    if (a >= b)
        return;
    if (m->nfree == MEMMAP_MAX_FREE) {
        memmap_fail(m, MEMMAP_ERR_TOO_MANY, a);
        return;
    }
    m->free[m->nfree++] = (struct memmap_range){ a, b, MEMMAP_USABLE,
                                                 NULL };
}

/*
 * Adds the page-aligned part of usable range [a, b) minus every
 * reservation.  Reservations are sorted, so one pass cuts the range
 * into the pieces between them.  A reservation is grown outward to
 * whole pages: a page that is partly in use is not free.
 */
/* Lab 1: add a usable range minus every reservation, in whole pages */
static void
free_from_usable(struct memmap *m, uint64_t a, uint64_t b)
{
    unsigned i;

    a = page_up(a);
    b &= ~PAGE_MASK;
    for (i = 0; i < m->nrsv && a < b; i++) {
        uint64_t rb = m->rsv[i].base & ~PAGE_MASK;
        uint64_t re = page_up(m->rsv[i].end);

        if (re <= a || rb >= b)
            continue;
        free_append(m, a, rb);
        a = re;
    }
    free_append(m, a, b);
}

/* Computes free[] from the sanitised map and the reservations. */
void
memmap_compute_free(struct memmap *m)
{
    unsigned i;

    m->nfree = 0;
    for (i = 0; i < m->nmap; i++)
        if (m->map[i].type == MEMMAP_USABLE)
            free_from_usable(m, m->map[i].base, m->map[i].end);
}
