/*
 * mm/buddy_debug.c - the buddy's debug aids: errors, traces and
 * poisoning.
 *
 * mm/buddy.c calls each through one hook: buddy_fail on bad input,
 * buddy_trace for trace lines, buddy_poison_range when a block becomes
 * free, buddy_poison_check when a free block is handed out.  A free
 * block is poisoned whole: its list links live in the zone's metadata.
 *
 * Invariant: with poisoning on, every byte of a free block holds
 * BUDDY_POISON until someone writes after free.
 * Bounds: O(1) per error or trace; O(block size) per fill or check.
 * Metadata: none.
 * Read after: mm/buddy.c.  Tests: mm/buddy_test.c.
 */
#include "buddy_internal.h"

/* The byte freed pages are filled with when poisoning is on. */
#define BUDDY_POISON    0x6Bu

const char *const buddy_err_name[BUDDY_ERR_COUNT] = {
    [BUDDY_OK] = "ok",
    [BUDDY_NOMEM] = "out of memory",
    [BUDDY_ERR_FOREIGN] = "foreign address",
    [BUDDY_ERR_MISALIGNED] = "misaligned address",
    [BUDDY_ERR_INTERIOR] = "interior address",
    [BUDDY_ERR_DOUBLE_FREE] = "double free",
    [BUDDY_ERR_NOT_ALLOCATED] = "not allocated",
    [BUDDY_ERR_ORDER] = "order too large",
    [BUDDY_ERR_SIZE] = "bad size",
    [BUDDY_ERR_ZONE] = "bad zone",
    [BUDDY_ERR_POISON] = "poison overwritten",
};

/* Counts ERR and, in debug mode, stops naming ADDR. */
enum buddy_err
buddy_fail(struct buddy *b, enum buddy_err err, uintptr_t addr)
{
    mm_err_count(b->nerr, err, buddy_err_name, "buddy", "allocator",
                 b->name, addr);
    return err;
}

void
buddy_trace_print(const struct buddy *b, const char *event,
                  const struct buddy_zone *z, uintptr_t pfn, unsigned order)
{
    mm_print("trace: buddy %s zone=%u addr=0x%08lx order=%u\n", event,
             buddy_zone_index(b, z), (unsigned long)pfn_addr(pfn), order);
}

/* A zone added or removed, for a viewer replaying the trace. */
void
buddy_trace_zone(const struct buddy *b, const char *event,
                 const struct buddy_zone *z)
{
    if (mm_switch.trace & MM_TRACE_BUDDY)
        mm_print("trace: buddy %s zone=%u addr=0x%08lx pages=%zu "
                 "allocator=%s\n", event, buddy_zone_index(b, z),
                 (unsigned long)pfn_addr(z->pfns.first), z->npages, b->name);
}

/* Fills bytes at addr with the poison byte. */
void
buddy_poison_range(void *addr, size_t bytes)
{
    mm_memset(addr, BUDDY_POISON, bytes);
}

/* Fills a free block with the poison byte. */
void
buddy_poison_fill(uintptr_t pfn, unsigned order)
{
    buddy_poison_range((uint8_t *)pfn_addr(pfn), MM_PAGE << order);
}

/*
 * Counts BUDDY_ERR_POISON at the first byte of the free block at pfn
 * that is not poison.  The block is still free memory,
 * only its contents were disturbed, so the caller hands it out anyway.
 */
void
buddy_poison_check(struct buddy *b, uintptr_t pfn, unsigned order)
{
    const uint8_t *p = (const uint8_t *)pfn_addr(pfn);
    size_t i;

    for (i = 0; i < (MM_PAGE << order); i++)
        if (p[i] != BUDDY_POISON) {
            buddy_fail(b, BUDDY_ERR_POISON, (uintptr_t)&p[i]);
            return;
        }
}
