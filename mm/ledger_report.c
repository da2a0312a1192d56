/*
 * mm/ledger_report.c - the page ledger's words: its complaint lines and
 * its report.
 *
 * mm/ledger.c settles the claims and calls ledger_complain_* for each
 * break of the chain it finds; this file words and counts them, and
 * prints the report of who owns how many pages.
 *
 * Bounds: a complaint is O(1); the report O(kinds x owners).
 * Metadata: none of its own.
 * Read after: mm/ledger.c.  Tests: mm/ledger_test.c.
 */
#include "ledger_internal.h"

static void
fmt(char *buf, size_t size, const char *f, ...) MM_PRINTF(3, 4);

/* snprintf through the port. */
static void
fmt(char *buf, size_t size, const char *f, ...)
{
    va_list ap;

    va_start(ap, f);
    mm_vsnprintf(buf, size, f, ap);
    va_end(ap);
}

/*
 * Owner i in words, for complaints and the page query: "free buddy
 * block", "reserved (kernel image)", "kmalloc bucket page size 64",
 * "pool slab of "pool_cache"".
 */
void
ledger_describe(const struct ledger *l, unsigned i, char *buf, size_t size)
{
    const struct ledger_owner *o = &l->owner[i];
    const char *label = ledger_kind_label((enum ledger_kind)o->kind);

    switch (o->kind) {
    case LEDGER_RESERVED:
        fmt(buf, size, "%s (%s)", label, o->name ? o->name : "no reason");
        break;
    case LEDGER_POOL_SLAB:
        fmt(buf, size, "pool slab of \"%s\"", o->name ? o->name : "");
        break;
    case LEDGER_POOL_BAD:
        fmt(buf, size, "pool slab of \"%s\" with a bad header",
            o->name ? o->name : "");
        break;
    case LEDGER_KMALLOC_BUCKET:
    case LEDGER_KMALLOC_SLAB:
        fmt(buf, size, "%s size %lu", label, (unsigned long)o->detail);
        break;
    default:
        fmt(buf, size, "%s", label);
    }
}

/* Prints and counts one complaint; keeps the first one's text. */
void
ledger_complain(struct ledger *l, const char *fmt, ...)
{
    char line[sizeof l->first_problem];
    va_list ap;

    va_start(ap, fmt);
    mm_vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (l->problems++ == 0)
        mm_memcpy(l->first_problem, line, sizeof line);
    if (!l->quiet)
        mm_print("%s\n", line);
}

void
ledger_complain_none(struct ledger *l, uint64_t first, uint64_t end)
{
    ledger_complain(l, "ledger: page 0x%08lx has no owner (%llu pages from "
             "there)", page_addr(first), (unsigned long long)(end - first));
}

void
ledger_complain_two(struct ledger *l, unsigned a, unsigned b, uint64_t first,
             uint64_t end)
{
    char da[96], db[96];

    ledger_describe(l, a, da, sizeof da);
    ledger_describe(l, b, db, sizeof db);
    ledger_complain(l, "ledger: page 0x%08lx has two owners: %s and %s (%llu "
             "pages from there)", page_addr(first), da, db,
             (unsigned long long)(end - first));
}

void
ledger_complain_empty(struct ledger *l, unsigned holder, uint64_t first,
               uint64_t end)
{
    char d[96];

    ledger_describe(l, holder, d, sizeof d);
    ledger_complain(l, "ledger: page 0x%08lx has no owner inside %s (%llu pages "
             "from there)", page_addr(first), d,
             (unsigned long long)(end - first));
}

/* ---- the report ---------------------------------------------------- */

uint64_t
ledger_kind_pages(const struct ledger *l, enum ledger_kind kind)
{
    uint64_t n = 0;
    unsigned i;

    for (i = 0; i < l->nowners; i++)
        if (l->owner[i].kind == kind)
            n += l->owner[i].pages;
    return n;
}

static void
print_pages(const char *what, uint64_t pages)
{
    mm_print("ledger: %s %llu pages (%llu KiB)", what,
             (unsigned long long)pages,
             (unsigned long long)(pages * (MM_PAGE / 1024)));
}

/* One owner's line, e.g. "ledger: reserved 95 pages (380 KiB) kernel image". */
static void
print_owner(const struct ledger_owner *o)
{
    print_pages(ledger_kind_label((enum ledger_kind)o->kind), o->pages);
    if (o->kind == LEDGER_KMALLOC_BUCKET || o->kind == LEDGER_KMALLOC_SLAB)
        mm_print(" size %lu\n", (unsigned long)o->detail);
    else if (o->kind == LEDGER_KMALLOC_LARGE ||
             o->kind == LEDGER_KMALLOC_RUN)
        mm_print(" order %lu\n", (unsigned long)o->detail);
    else if (o->kind == LEDGER_EDGE)
        mm_print(", %lu bytes usable each\n", (unsigned long)o->detail);
    else if (o->name != NULL)
        mm_print(" %s\n", o->name);
    else
        mm_print("\n");
}

/*
 * The report, one fact per line: every owner with pages, in the order
 * of the kinds (the memory map's first, then the buddy's, then the
 * layers above); then the three figures the memory map's "memory:" line
 * gives (not usable, kept back with its usable part, free regions); then
 * the total and the number of problems.  Call after ledger_settle.
 */
void
ledger_print(const struct ledger *l)
{
    uint64_t total = 0;
    unsigned k, i;

    for (k = 0; k < LEDGER_KIND_COUNT; k++)
        for (i = 0; i < l->nowners; i++)
            if (l->owner[i].kind == k && l->owner[i].pages != 0) {
                print_owner(&l->owner[i]);
                total += l->owner[i].pages;
            }
    print_pages("not usable", l->group_pages[LEDGER_GROUP_NOT_USABLE]);
    mm_print("\n");
    print_pages("kept back", l->group_pages[LEDGER_GROUP_KEPT]);
    mm_print(", %llu KiB of it usable\n",
             (unsigned long long)(l->kept_usable_bytes >> 10));
    print_pages("free regions", l->group_pages[LEDGER_GROUP_FREE]);
    mm_print("\n");
    print_pages("total", total);
    mm_print(", %u problems\n", l->problems);
}
