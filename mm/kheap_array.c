/*
 * mm/kheap_array.c - filling and emptying kmalloc's bucket arrays.
 *
 * Each bucket keeps the blocks freed last in an array (mm/kheap.c says
 * why): kfree pushes and kmalloc pops there, inline.  This file holds
 * what happens at the array's edges and around it: the free that fills
 * it sends the older half to the slabs' free lists (bucket_overflow),
 * kheap_flush empties every array (trim and the reclaim hook call it
 * first), the checker and the reports count a slab's blocks in the
 * array (kheap_parked_in), and a slab whose broken list is rebuilt takes
 * its blocks back from the array first (kheap_bad_link).
 *
 * Invariant: that of mm/kheap.c; a block leaves the array only for its
 * slab's list or for a caller.
 * Bounds: O(KHEAP_ARRAY) per overflow, count or repair (each moved block
 * O(1)); kheap_flush O(buckets x KHEAP_ARRAY) plus the slabs it gives
 * back.
 * Metadata: none beyond the arrays (mm/kheap.h).
 * Read after: mm/kheap.c.  Tests: mm/kheap_test.c.
 */
#include "kheap_internal.h"

/* Moves entry from of b's array, with its word and bit, to entry to. */
static void
array_move(struct kheap_bucket *b, size_t to, size_t from)
{
    b->array[to] = b->array[from];
    b->array_word[to] = b->array_word[from];
    b->array_bit[to] = b->array_bit[from];
}

/*
 * Moves the n oldest blocks of b's array to their slabs' lists, settling
 * each slab; slabs that must go back to the page source are linked on
 * gone.  h locked.
 */
static void
bucket_flush(struct kheap_bucket *b, unsigned n, struct mm_list *gone)
{
    unsigned i;

    for (i = 0; i < n; i++) {
        void *p = b->array[i];
        struct slab *s = slab_of(p, b->geom.order), *spare;

        slab_unpark_put(s, &b->geom, p);
        if ((spare = bucket_settle(b, s)) != NULL)
            mm_list_push(gone, &spare->link);
    }
    b->navail -= n;
    b->nout -= n;
    for (i = 0; i < b->navail; i++)
        array_move(b, i, i + n);
}

/* Gives the slabs on gone back to the page source (h unlocked). */
static size_t
release_gone(struct kheap *h, struct mm_list *gone, unsigned order)
{
    size_t pages = 0;

    while (!mm_list_empty(gone)) {
        struct slab *s = slab_of_link(gone->next);

        mm_list_unlink(&s->link);
        kheap_slab_release(h, s, order);
        pages += (size_t)1 << order;
    }
    return pages;
}

/*
 * kfree's way when it filled b's array: the older half goes to the
 * slabs, so that the array always has room for the next free.  Unlocks
 * h.
 */
enum kheap_err
bucket_overflow(struct kheap *h, struct kheap_bucket *b)
{
    struct mm_list gone;

    mm_list_init(&gone);
    bucket_flush(b, KHEAP_ARRAY / 2, &gone);
    mm_unlock(&h->lock);
    release_gone(h, &gone, b->geom.order);
    return KHEAP_OK;
}

/*
 * Empties every bucket's array into the slabs (trim, reclaim), giving
 * back the slabs that leaves empty beyond the one each bucket keeps.
 * Returns the pages given back.  h unlocked.
 */
size_t
kheap_flush(struct kheap *h)
{
    size_t pages = 0;
    unsigned i;

    for (i = 0; i < KHEAP_NBUCKETS; i++) {
        struct kheap_bucket *b = &h->bucket[i];
        struct mm_list gone;

        mm_list_init(&gone);
        mm_lock(&h->lock);
        bucket_flush(b, b->navail, &gone);
        mm_unlock(&h->lock);
        pages += release_gone(h, &gone, b->geom.order);
    }
    return pages;
}

/* How many blocks of b's array lie in slab s: O(array). */
unsigned
kheap_parked_in(const struct kheap_bucket *b, const struct slab *s)
{
    unsigned i, n = 0;

    for (i = 0; i < b->navail; i++)
        n += slab_of(b->array[i], b->geom.order) == s;
    return n;
}

/*
 * Told by the slab layer that s's list is broken and about to be
 * rebuilt from its table, which will list every block free in it: the
 * blocks of s in the array leave it first, so none is handed out twice.
 * (A slab is taken from only when the array is empty, but the lock is
 * dropped while a refill asks the page source.)
 */
void
kheap_bad_link(struct slab *s, uintptr_t where)
{
    struct kheap_bucket *b = s->cache;
    size_t i, n = 0;

    (void)where;
    for (i = 0; i < b->navail; i++)
        if (slab_of(b->array[i], b->geom.order) != s)
            array_move(b, n++, i);
    b->nout -= b->navail - n;
    b->navail = n;
}

