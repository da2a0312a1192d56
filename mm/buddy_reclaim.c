/*
 * mm/buddy_reclaim.c - reclaim: asking the layers above for pages back
 * before an allocation fails.
 *
 * A layer that keeps pages it could give back (kmalloc's cached empty
 * slabs, a pool's empty slabs) registers a struct buddy_reclaimer.  When
 * buddy_alloc finds no block large enough, it drops its lock, calls each
 * reclaimer once, takes the lock again and retries once; only a retry
 * that fails too counts as out of memory.  The lock is dropped because a
 * reclaimer gives its pages back with buddy_free, which takes it.
 *
 * A reclaimer must therefore not hold its own lock while it calls the
 * buddy, since the buddy may call it back from inside buddy_alloc; a
 * layer either calls its page source with its own lock released, or
 * takes its lock with a try in its reclaim function and gives up when
 * the lock is held.  An allocation made from inside a reclaimer does not
 * reclaim again: it fails at once (counted), so reclaim never recurses.
 *
 *     buddy_alloc(order 3)       no free block of order >= 3
 *       unlock
 *       kmalloc_reclaim()  ->    buddy_free(empty slab) ... returns 4
 *       pool_reclaim()     ->    returns 0
 *       lock, retry              finds the block that kmalloc freed
 *
 * Invariant: the buddy's lock is not held while a reclaimer runs; each
 * registered reclaimer is on the list once.
 * Bounds: a failing allocation calls each reclaimer once, then retries
 * once: O(reclaimers + BUDDY_MAX_ORDER) plus what the reclaimers do.
 * Adding is O(1), removing O(reclaimers).
 * Metadata: one pointer in struct buddy, three words per reclaimer.
 * Read after: mm/buddy.c.  Tests: mm/buddy_test.c.
 */
#include "buddy_internal.h"

/* Registers r with b; r's memory must stay valid until it is removed. */
void
buddy_add_reclaimer(struct buddy *b, struct buddy_reclaimer *r)
{
    mm_lock(&b->lock);
    r->next = b->reclaimers;
    b->reclaimers = r;
    mm_unlock(&b->lock);
}

/* Takes r off b's list; nothing happens if it is not on it. */
void
buddy_remove_reclaimer(struct buddy *b, struct buddy_reclaimer *r)
{
    struct buddy_reclaimer **pp;

    mm_lock(&b->lock);
    for (pp = &b->reclaimers; *pp != NULL; pp = &(*pp)->next)
        if (*pp == r) {
            *pp = r->next;
            break;
        }
    mm_unlock(&b->lock);
}

/*
 * The slow end of buddy_alloc, called with b locked when no zone had an
 * order-order block: unless a reclaim is already running, unlocks, calls
 * every reclaimer once, locks again and retries once.  Returns the
 * block, or NULL counted as nomem.  Returns with b locked.
 */
void *
buddy_alloc_reclaim(struct buddy *b, unsigned order)
{
    struct buddy_reclaimer *r;
    void *p = NULL;

    if (b->reclaimers != NULL && !b->reclaiming) {
        b->reclaiming = true;
        mm_unlock(&b->lock);
        for (r = b->reclaimers; r != NULL; r = r->next)
            r->reclaim(r->arg);
        mm_lock(&b->lock);
        b->reclaiming = false;
        buddy_flush_locked(b);      /* what they freed may have parked */
        p = buddy_alloc_locked(b, order);
    }
    if (p == NULL)
        b->nerr[BUDDY_NOMEM]++;
    return p;
}
