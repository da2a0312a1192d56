/*
 * tests/bench/baselines.h - the simple allocators kmemlab is measured
 * against, written here so each costs exactly what it should:
 *
 *   freelist   a singly linked list of free 4 KiB pages (xv6's kalloc):
 *              order 0 only, the practical floor for a page allocator;
 *   bitmap     one bit per page, first fit by a linear scan that tests
 *              each start position in turn, as Pintos's palloc does with
 *              bitmap_scan: any number of contiguous pages;
 *   objlist    a singly linked list of free fixed-size objects: the
 *              floor for a pool.
 */
#ifndef BENCH_BASELINES_H
#define BENCH_BASELINES_H

#include <stddef.h>
#include <stdint.h>

struct freelist {
    void *head;
};

/*
 * Every baseline call is a real call (defined in baselines.c, never
 * inlined), as a kernel's kalloc/kfree are, so the compiler cannot fold
 * an alloc/free pair into nothing and the comparison is call for call.
 */
void freelist_init(struct freelist *f, void *arena, size_t npages);
void *freelist_alloc(struct freelist *f);
void freelist_free(struct freelist *f, void *p);

struct bitmap {
    uint8_t *base;
    size_t npages;
    uint64_t *bits;         /* bit set: page in use */
};

void bitmap_init(struct bitmap *b, void *arena, size_t npages);
void *bitmap_alloc(struct bitmap *b, size_t npages);
void bitmap_free(struct bitmap *b, void *p, size_t npages);
void bitmap_fini(struct bitmap *b);

struct objlist {
    void *head;
};

void objlist_init(struct objlist *o, void *buf, size_t nobjs, size_t size);
void *objlist_alloc(struct objlist *o);
void objlist_free(struct objlist *o, void *p);

#endif /* BENCH_BASELINES_H */
