/*
 * mm/kheap_check.c - the kmalloc checker: walks all of a heap's slabs.
 *
 * kheap_check compares what the fast path keeps in step: for each
 * bucket, every slab on its partial list and its empty slab - header
 * magic and owner, the owner bytes of its pages, its free list and free
 * table (slab_check_parked: blocks in the bucket's array are free in the
 * table but on no list), and the list it is on for its count of free
 * blocks - then each entry of the array (a free block of the bucket's,
 * its word and bit right, none twice), and the bucket's totals against
 * the slabs, counting the full slabs (on no list) as full; for a heap
 * over extents, each extent's keys and the private buddy.  Each
 * violation is printed ("kheap: check: WHAT at 0xADDR").  Runs are not
 * walked: nothing lists them but their owner bytes.
 *
 * Invariant: none of its own; it reads and changes nothing.
 * Bounds: O(slabs x (blocks per slab + KHEAP_ARRAY) + KHEAP_ARRAY^2)
 * per bucket, under the heap's lock.
 * Metadata: none.
 * Read after: mm/kheap.c.  Tests: mm/kheap_test.c.
 */
#include "kheap_internal.h"

static unsigned
check_fail(const char *what, uintptr_t addr)
{
    mm_print("kheap: check: %s at 0x%08lx\n", what, (unsigned long)addr);
    return 1;
}

/* Where a slab belongs, by its count of free blocks. */
enum slab_place { ON_PARTIAL, KEPT_EMPTY };

/* One slab of bucket b: header, owner bytes, list, table and count. */
static unsigned
check_slab(const struct kheap *h, const struct kheap_bucket *b,
           const struct slab *s, enum slab_place where, size_t *inuse)
{
    unsigned order = b->geom.order;
    const uint8_t *own = mm_pagesrc_owner(h->src, s);
    const char *why;
    uintptr_t at;

    if (s->magic != SLAB_MAGIC || s->cache != b)
        return check_fail("slab header not its bucket's", (uintptr_t)s);
    if (own == NULL || *own != (MM_OWNER_SLAB | order))
        return check_fail("slab owner byte wrong", (uintptr_t)s);
    if (s->nfree == 0 ||
        (where == KEPT_EMPTY) != (s->nfree == b->geom.nobjs))
        return check_fail("slab on the wrong list", (uintptr_t)s);
    if ((why = slab_check_parked(s, &b->geom, kheap_parked_in(b, s),
                                 &at)) != NULL)
        return check_fail(why, at);
    *inuse += b->geom.nobjs - s->nfree;
    return 0;
}

/* The slabs on list l of bucket b; a walk longer than npages loops. */
static unsigned
check_list(const struct kheap *h, const struct kheap_bucket *b,
           const struct mm_list *l, enum slab_place where, size_t *nslabs,
           size_t *inuse)
{
    const struct mm_list *n;
    unsigned bad = 0;

    for (n = l->next; n != l; n = n->next) {
        if (++*nslabs > b->npages)
            return bad + check_fail("bucket list loops", b->geom.size);
        bad += check_slab(h, b, slab_of_link((struct mm_list *)n), where,
                          inuse);
    }
    return bad;
}

/*
 * b's array: each entry a block of one of b's slabs, free in its table
 * and with the word and bit beside it that say so, and no block twice.
 */
static unsigned
check_array(const struct kheap *h, const struct kheap_bucket *b)
{
    size_t i, k;

    if (b->navail >= KHEAP_ARRAY)
        return check_fail("bucket array overfull", b->geom.size);
    for (i = 0; i < b->navail; i++) {
        uintptr_t p = (uintptr_t)b->array[i];
        const uint8_t *own = mm_pagesrc_owner(h->src, (void *)p);
        const struct slab *s;
        long at;

        if (own == NULL || *own != (MM_OWNER_SLAB | b->geom.order))
            return check_fail("bucket array entry not in a slab", p);
        s = slab_of((void *)p, b->geom.order);
        if (s->magic != SLAB_MAGIC || s->cache != b ||
            (at = slab_lookup(s, &b->geom, p, s->ncarved)) < 0)
            return check_fail("bucket array entry not its block", p);
        if (!mm_bitmap_test(s->freemap, (size_t)at) ||
            b->array_word[i] != &s->freemap[at / 32] ||
            b->array_bit[i] != 1u << (at % 32))
            return check_fail("bucket array entry not free", p);
        for (k = 0; k < i; k++)
            if (b->array[k] == b->array[i])
                return check_fail("bucket array entry twice", p);
    }
    return 0;
}

static unsigned
check_bucket(const struct kheap *h, const struct kheap_bucket *b)
{
    size_t nslabs = 0, inuse = 0;
    unsigned bad;

    bad = check_list(h, b, &b->partial, ON_PARTIAL, &nslabs, &inuse);
    nslabs += b->nfull;
    inuse += b->nfull * b->geom.nobjs;
    if (b->empty != NULL) {
        nslabs++;
        bad += check_slab(h, b, b->empty, KEPT_EMPTY, &inuse);
    }
    bad += check_array(h, b);
    if (bad == 0 && (nslabs << b->geom.order != b->npages ||
                     inuse != b->nout))
        bad += check_fail("bucket totals differ from its slabs",
                          b->geom.size);
    return bad;
}

/*
 * Walks every bucket's slabs and, over extents, every extent and the
 * private buddy.  Prints each violation; returns how many.
 */
unsigned
kheap_check(struct kheap *h)
{
    unsigned bad = 0, i;

    mm_lock(&h->lock);
    for (i = 0; i < h->next; i++) {
        const struct kheap_extent *e = kheap_extent_at(h, i);

        if (!kheap_extent_keys_ok(h, e))
            bad += check_fail("extent keys", e->area.first);
    }
    if (bad == 0)
        for (i = 0; i < KHEAP_NBUCKETS; i++)
            bad += check_bucket(h, &h->bucket[i]);
    if (h->large_inuse > h->large_pages)
        bad += check_fail("page-run totals differ", h->large_inuse);
    if (h->flags & KHEAP_F_EXTENTS)
        bad += buddy_check(&h->pages);
    mm_unlock(&h->lock);
    return bad;
}
