/*
 * mm/ledger_internal.h - what the page ledger's two files share.
 *
 * mm/ledger_claim.c takes the claims, mm/ledger.c settles them; mm/ledger_report.c
 * words the complaints and prints the report.
 * Read after: mm/ledger.h.
 */
#ifndef MM_LEDGER_INTERNAL_H
#define MM_LEDGER_INTERNAL_H

#include "ledger.h"

/* The address of page frame pfn, as the lines print it. */
static inline unsigned long
page_addr(uint64_t pfn)
{
    return (unsigned long)(pfn << MM_PAGE_SHIFT);
}

/* mm/ledger.c: what kind k is called, and how deep its claims sit. */
const char *ledger_kind_label(enum ledger_kind k);
unsigned ledger_kind_depth(enum ledger_kind k);

/* mm/ledger_claim.c: sorts claims by depth, then first page. */
void ledger_sort_claims(struct ledger_claim *c, size_t n);

/*
 * mm/ledger_report.c: prints and counts one complaint, keeping the first
 * one's text; and the three complaints of a broken chain, for the pages
 * [first, end): nobody owns them, two owners (a and b) claim them, or
 * holder holds them with nothing inside.
 */
void ledger_complain(struct ledger *l, const char *fmt, ...) MM_PRINTF(2, 3);
void ledger_complain_none(struct ledger *l, uint64_t first, uint64_t end);
void ledger_complain_two(struct ledger *l, unsigned a, unsigned b,
                         uint64_t first, uint64_t end);
void ledger_complain_empty(struct ledger *l, unsigned holder, uint64_t first,
                           uint64_t end);

#endif /* MM_LEDGER_INTERNAL_H */
