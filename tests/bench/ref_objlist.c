/*
 * tests/bench/ref_objlist.c - the checked object free list (refs.h).
 *
 * The bare object list (objlist, baselines.c) plus the checks kmemlab's
 * pools make on a pool's own objects: a free must lie in the buffer
 * (foreign), on an object boundary (misaligned; objects are 2^shift
 * bytes, so a mask, not a division) and not be free already (one bit
 * per object); an alloc follows a link only if it points into the
 * buffer (a link overwritten through a freed object is refused, and the
 * list is cut there rather than followed).
 *
 * Invariant: an object is on the list exactly when its bit is set.
 * Bounds: O(1).  Metadata: 1 bit per object, outside the buffer.
 */
#include "refs.h"

#include <stdlib.h>

#define NOINLINE    __attribute__((noinline))

void
ref_objlist_init(struct ref_objlist *o, void *buf, size_t nobjs,
                 unsigned shift)
{
    size_t i;

    o->buf = buf;
    o->nobjs = nobjs;
    o->shift = shift;
    o->bytes = (uintptr_t)nobjs << shift;
    o->mask = ((uintptr_t)1 << shift) - 1;
    o->isfree = calloc((nobjs + 63) / 64, sizeof *o->isfree);
    o->head = NULL;
    for (i = 0; i < REF_ERR_COUNT; i++)
        o->nerr[i] = 0;
    for (i = nobjs; i > 0; i--)
        ref_objlist_free(o, o->buf + ((i - 1) << shift));
}

void
ref_objlist_fini(struct ref_objlist *o)
{
    free(o->isfree);
}

/* An object, or NULL when none is free or the next link is bad. */
NOINLINE void *
ref_objlist_alloc(struct ref_objlist *o)
{
    uint8_t *p = o->head, *next;
    size_t i;

    if (p == NULL)
        return NULL;
    next = *(uint8_t **)p;
    if (next != NULL && ((uintptr_t)(next - o->buf) >= o->bytes ||
                         ((uintptr_t)(next - o->buf) & o->mask))) {
        o->nerr[REF_ERR_LINK]++;
        next = NULL;
    }
    o->head = next;
    i = (size_t)(p - o->buf) >> o->shift;
    o->isfree[i / 64] &= ~((uint64_t)1 << (i % 64));
    return p;
}

/* Why p cannot be freed: the error, counted (cold). */
static NOINLINE enum ref_err
refuse(struct ref_objlist *o, uintptr_t off)
{
    enum ref_err err;

    if (off >= o->bytes)                        /* below wraps: huge */
        err = REF_ERR_FOREIGN;
    else if (off & o->mask)
        err = REF_ERR_MISALIGNED;
    else
        err = REF_ERR_DOUBLE_FREE;
    o->nerr[err]++;
    return err;
}

/* Frees p, refusing what a pool refuses: one test per check. */
NOINLINE enum ref_err
ref_objlist_free(struct ref_objlist *o, void *p)
{
    uintptr_t off = (uintptr_t)p - (uintptr_t)o->buf;
    size_t i = off >> o->shift;

    if (off >= o->bytes || (off & o->mask) ||
        (o->isfree[i / 64] & ((uint64_t)1 << (i % 64))))
        return refuse(o, off);
    o->isfree[i / 64] |= (uint64_t)1 << (i % 64);
    *(void **)p = o->head;
    o->head = p;
    return REF_OK;
}
