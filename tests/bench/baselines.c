/*
 * tests/bench/baselines.c - the baseline allocators (baselines.h).
 */
#include "baselines.h"

#include <stdlib.h>
#include <string.h>

#define PAGE 4096
#define NOINLINE __attribute__((noinline))

NOINLINE void *
freelist_alloc(struct freelist *f)
{
    void *p = f->head;

    if (p != NULL)
        f->head = *(void **)p;
    return p;
}

NOINLINE void
freelist_free(struct freelist *f, void *p)
{
    *(void **)p = f->head;
    f->head = p;
}

NOINLINE void *
objlist_alloc(struct objlist *o)
{
    void *p = o->head;

    if (p != NULL)
        o->head = *(void **)p;
    return p;
}

NOINLINE void
objlist_free(struct objlist *o, void *p)
{
    *(void **)p = o->head;
    o->head = p;
}

void
freelist_init(struct freelist *f, void *arena, size_t npages)
{
    size_t i;

    f->head = NULL;
    for (i = npages; i > 0; i--)
        freelist_free(f, (uint8_t *)arena + (i - 1) * PAGE);
}

void
bitmap_init(struct bitmap *b, void *arena, size_t npages)
{
    b->base = arena;
    b->npages = npages;
    b->bits = calloc((npages + 63) / 64, sizeof *b->bits);
}

static int
bit_test(const struct bitmap *b, size_t i)
{
    return (b->bits[i / 64] >> (i % 64)) & 1;
}

static void
bits_set(struct bitmap *b, size_t first, size_t n, int value)
{
    size_t i;

    for (i = first; i < first + n; i++) {
        if (value)
            b->bits[i / 64] |= (uint64_t)1 << (i % 64);
        else
            b->bits[i / 64] &= ~((uint64_t)1 << (i % 64));
    }
}

/* Are pages [first, first + n) all free? */
static int
bits_all_free(const struct bitmap *b, size_t first, size_t n)
{
    size_t i;

    for (i = first; i < first + n; i++)
        if (bit_test(b, i))
            return 0;
    return 1;
}

/*
 * First fit exactly as Pintos's palloc finds pages (bitmap_scan): try
 * each start position in turn and test the npages bits from there.
 */
void *
bitmap_alloc(struct bitmap *b, size_t npages)
{
    size_t i;

    for (i = 0; i + npages <= b->npages; i++) {
        if (bits_all_free(b, i, npages)) {
            bits_set(b, i, npages, 1);
            return b->base + i * PAGE;
        }
    }
    return NULL;
}

void
bitmap_free(struct bitmap *b, void *p, size_t npages)
{
    bits_set(b, (size_t)((uint8_t *)p - b->base) / PAGE, npages, 0);
}

void
bitmap_fini(struct bitmap *b)
{
    free(b->bits);
}

void
objlist_init(struct objlist *o, void *buf, size_t nobjs, size_t size)
{
    size_t i;

    o->head = NULL;
    for (i = nobjs; i > 0; i--)
        objlist_free(o, (uint8_t *)buf + (i - 1) * size);
}
