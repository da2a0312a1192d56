/*
 * mm/memmap_report.c - the memory map's reports and its byte totals.
 *
 * The raw table in Linux's e820 style, the reservations, the free
 * regions and the one summary line; the sums the summary (and the page
 * ledger) is built from.
 *
 * Invariant, metadata: those of mm/memmap.c.  Bounds: O(entries).
 * Read after: mm/memmap.c.  Tests: mm/memmap_test.c.
 */
#include "memmap.h"

uint64_t
memmap_usable_bytes(const struct memmap *m)
{
    uint64_t sum = 0;
    unsigned i;

    for (i = 0; i < m->nmap; i++)
        if (m->map[i].type == MEMMAP_USABLE)
            sum += m->map[i].end - m->map[i].base;
    return sum;
}

uint64_t
memmap_free_bytes(const struct memmap *m)
{
    uint64_t sum = 0;
    unsigned i;

    for (i = 0; i < m->nfree; i++)
        sum += m->free[i].end - m->free[i].base;
    return sum;
}

static void
print_range(const char *prefix, const struct memmap_range *r,
            const char *what)
{
    mm_print("%s[mem 0x%016llx-0x%016llx] %s\n", prefix,
             (unsigned long long)r->base, (unsigned long long)(r->end - 1),
             what);
}

/* One line per raw entry, in Linux's e820 style (inclusive end). */
void
memmap_print_raw(const struct memmap *m)
{
    unsigned i;

    for (i = 0; i < m->nraw; i++) {
        if (m->raw[i].end <= m->raw[i].base)
            mm_print("mmap: [mem 0x%016llx-0x%016llx] %s (empty)\n",
                     (unsigned long long)m->raw[i].base,
                     (unsigned long long)m->raw[i].base,
                     memmap_type_name(m->raw[i].type));
        else
            print_range("mmap: ", &m->raw[i],
                        memmap_type_name(m->raw[i].type));
    }
}

void
memmap_print_reserved(const struct memmap *m)
{
    unsigned i;

    for (i = 0; i < m->nrsv; i++)
        print_range("memmap: reserved ", &m->rsv[i], m->rsv[i].why);
}

void
memmap_print_free(const struct memmap *m)
{
    unsigned i;

    for (i = 0; i < m->nfree; i++)
        mm_print("memmap: free [mem 0x%016llx-0x%016llx] %llu KiB\n",
                 (unsigned long long)m->free[i].base,
                 (unsigned long long)(m->free[i].end - 1),
                 (unsigned long long)((m->free[i].end - m->free[i].base)
                                      >> 10));
}

/*
 * The one summary line.  U: usable memory below 4 GiB in the sanitised
 * map; F: free, handed to the page allocator; K = U - F: usable memory
 * kept back (reservations, and partial pages at unaligned edges);
 * I: usable memory at or above 4 GiB, ignored.
 */
void
memmap_print_summary(const struct memmap *m)
{
    uint64_t u = memmap_usable_bytes(m), f = memmap_free_bytes(m);

    mm_print("memory: %llu KiB usable, %llu KiB reserved, %llu KiB free in "
             "%u regions, %llu KiB ignored above 4 GiB\n",
             (unsigned long long)(u >> 10), (unsigned long long)((u - f) >> 10),
             (unsigned long long)(f >> 10), m->nfree,
             (unsigned long long)(m->ignored_bytes >> 10));
}
