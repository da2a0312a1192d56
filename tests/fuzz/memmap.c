/*
 * tests/fuzz/memmap.c - fuzzes mm/memmap.c against an interval model.
 *
 * Input: byte 0 = number of reservations (low 3 bits); then for each a
 * 64-bit base and a 64-bit end; the rest is the raw Multiboot map, any
 * bytes at all, handed to memmap_parse.
 *
 * The model parses the map itself and decides page by page which pages
 * below 4 GiB are free: a page is free when usable entries cover all of
 * it, no other entry touches it and no reservation touches it.  It
 * only looks at pages where something changes (every boundary rounded
 * down and up to a page), so it stays fast with ranges up to 2^64.  The
 * free regions memmap computes must be exactly those pages, unless one
 * of its tables overflowed (then: a subset), and memmap_check must hold.
 */
#include <string.h>

#include "../../mm/memmap.h"
#include "fuzz.h"

#define PG          4096ULL
#define LIMIT       MEMMAP_LIMIT
#define MAX_PTS     (4 * (MEMMAP_MAX_ENTRIES + 8) + 2)

struct model {
    uint64_t base[MEMMAP_MAX_ENTRIES], end[MEMMAP_MAX_ENTRIES];
    uint32_t type[MEMMAP_MAX_ENTRIES];
    unsigned n;
    bool too_many;                  /* more entries than the table */
    uint64_t rbase[8], rend[8];     /* reservations accepted */
    unsigned nr;
};

static uint64_t
rd(const uint8_t *p, unsigned n)
{
    uint64_t v = 0;

    while (n-- > 0)
        v = v << 8 | p[n];
    return v;
}

/* The model's own parse: the rules of mm/memmap.h, written again. */
static void
model_parse(struct model *md, const uint8_t *p, size_t len)
{
    size_t off = 0;

    while (off + 24 <= len) {
        uint64_t size = rd(p + off, 4), b = rd(p + off + 4, 8),
                 l = rd(p + off + 12, 8);

        if (size < 20 || size > len - off - 4)
            return;
        if (md->n == MEMMAP_MAX_ENTRIES) {
            md->too_many = true;
            return;
        }
        md->base[md->n] = b;
        md->end[md->n] = b + l < b ? ~0ULL : b + l;
        md->type[md->n] = (uint32_t)rd(p + off + 20, 4);
        md->n++;
        off += 4 + size;
    }
}

static bool
overlaps(uint64_t a, uint64_t b, uint64_t c, uint64_t d)
{
    return a < d && c < b;
}

/* Is the page at a free in the model? */
static bool
model_page_free(const struct model *md, uint64_t a)
{
    uint64_t b = a + PG, covered = a;
    unsigned i;
    bool progress = true;

    for (i = 0; i < md->n; i++)
        if (md->type[i] != MEMMAP_USABLE && md->end[i] > md->base[i] &&
            overlaps(a, b, md->base[i], md->end[i]))
            return false;
    for (i = 0; i < md->nr; i++)
        if (overlaps(a, b, md->rbase[i], md->rend[i]))
            return false;
    /* Usable entries must cover [a, b): extend the covered prefix. */
    while (covered < b && progress) {
        progress = false;
        for (i = 0; i < md->n; i++)
            if (md->type[i] == MEMMAP_USABLE && md->base[i] <= covered &&
                md->end[i] > covered) {
                covered = md->end[i] < b ? md->end[i] : b;
                progress = true;
            }
    }
    return covered >= b;
}

static void
add_pt(uint64_t *pts, unsigned *n, uint64_t x)
{
    if (x > LIMIT)
        x = LIMIT;
    pts[(*n)++] = x & ~(PG - 1);
    pts[(*n)++] = x >= LIMIT - PG ? LIMIT : (x + PG - 1) & ~(PG - 1);
}

static void
sort(uint64_t *v, unsigned n)
{
    unsigned i, j;

    for (i = 1; i < n; i++) {
        uint64_t x = v[i];

        for (j = i; j > 0 && v[j - 1] > x; j--)
            v[j] = v[j - 1];
        v[j] = x;
    }
}

/* Is [a, b) covered by memmap's free regions (touching ones joined)? */
static bool
memmap_covers(const struct memmap *m, uint64_t a, uint64_t b)
{
    unsigned i;

    for (i = 0; i < m->nfree && a < b; i++)
        if (m->free[i].base <= a && m->free[i].end > a)
            a = m->free[i].end;
    return a >= b;
}

/* Is any page of [a, b) in memmap's free regions? */
static bool
memmap_touches(const struct memmap *m, uint64_t a, uint64_t b)
{
    unsigned i;

    for (i = 0; i < m->nfree; i++)
        if (overlaps(a, b, m->free[i].base, m->free[i].end))
            return true;
    return false;
}

/* Compares memmap's free regions with the model, piece by piece. */
static void
compare(const struct memmap *m, const struct model *md, bool exact)
{
    uint64_t pts[MAX_PTS], model_bytes = 0;
    unsigned n = 0, i;

    pts[n++] = 0;
    pts[n++] = LIMIT;
    for (i = 0; i < md->n; i++) {
        add_pt(pts, &n, md->base[i]);
        add_pt(pts, &n, md->end[i]);
    }
    for (i = 0; i < md->nr; i++) {
        add_pt(pts, &n, md->rbase[i]);
        add_pt(pts, &n, md->rend[i]);
    }
    sort(pts, n);
    for (i = 0; i + 1 < n; i++) {
        uint64_t a = pts[i], b = pts[i + 1];

        if (a == b)
            continue;
        /* No boundary inside [a, b): its pages all share one state. */
        if (model_page_free(md, a)) {
            model_bytes += b - a;
            if (exact)
                FUZZ_CHECK(memmap_covers(m, a, b));
        } else {
            FUZZ_CHECK(!memmap_touches(m, a, b));
        }
    }
    if (exact)
        FUZZ_CHECK(memmap_free_bytes(m) == model_bytes);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct memmap m;
    static struct model md;
    struct fuzz_in in = { data, size, 0 };
    uint64_t rb[8], re[8];
    unsigned nr = fuzz_u8(&in) & 7, i;
    unsigned long parse_too_many;
    const uint8_t *map;

    for (i = 0; i < nr; i++) {
        rb[i] = fuzz_u64(&in);
        re[i] = fuzz_u64(&in);
    }
    map = in.pos < size ? data + in.pos : data;
    size = in.pos < size ? size - in.pos : 0;
    memmap_init(&m);
    memset(&md, 0, sizeof md);
    fuzz_op("parse %zu bytes -> %s", size,
            memmap_err_name[memmap_parse(&m, map, size)]);
    model_parse(&md, map, size);
    FUZZ_CHECK(m.nraw == md.n);
    for (i = 0; i < md.n; i++) {
        fuzz_op("  entry %u: [0x%016llx, 0x%016llx) type %u", i,
                (unsigned long long)md.base[i], (unsigned long long)md.end[i],
                (unsigned)md.type[i]);
        FUZZ_CHECK(m.raw[i].base == md.base[i] && m.raw[i].end == md.end[i]);
        FUZZ_CHECK(m.raw[i].type == md.type[i]);
    }
    parse_too_many = m.nerr[MEMMAP_ERR_TOO_MANY];
    FUZZ_CHECK((parse_too_many != 0) == md.too_many);
    memmap_sanitise(&m);
    for (i = 0; i < nr; i++) {
        enum memmap_err err = memmap_reserve(&m, rb[i], re[i], "fuzz");

        fuzz_op("reserve [0x%016llx, 0x%016llx) -> %s",
                (unsigned long long)rb[i], (unsigned long long)re[i],
                memmap_err_name[err]);
        FUZZ_CHECK(err == (re[i] < rb[i] ? MEMMAP_ERR_RANGE : MEMMAP_OK));
        if (err == MEMMAP_OK && re[i] > rb[i]) {
            md.rbase[md.nr] = rb[i];
            md.rend[md.nr++] = re[i];
        }
    }
    memmap_compute_free(&m);
    for (i = 0; i < m.nfree; i++)
        fuzz_op("free [0x%016llx, 0x%016llx)",
                (unsigned long long)m.free[i].base,
                (unsigned long long)m.free[i].end);
    FUZZ_CHECK(memmap_check(&m) == 0);
    /* A table that filled up later drops regions: then only a subset. */
    compare(&m, &md, m.nerr[MEMMAP_ERR_TOO_MANY] == parse_too_many);
    return 0;
}
