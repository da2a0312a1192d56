/*
 * mm/pool_debug.c - the pools' debug aids: errors, traces, poisoning
 * and the repair of a broken free list.
 *
 * mm/pool.c calls each of these through one hook: pool_fail on bad
 * input, pool_trace for trace lines, pool_poison_fill and
 * pool_poison_check around a free object's life, and pool_link_ok /
 * pool_link_repair when a free-list link does not agree with the free
 * table (a write after free hit it).
 *
 * Invariant: a repair leaves the free list holding exactly the carved
 * objects whose bit is set (less the one being handed out).
 * Bounds: O(1), except a poison fill or check (O(object size)) and a
 * repair (O(objects per slab)).
 * Metadata: none.
 * Read after: mm/pool.c.  Tests: mm/pool_test.c.
 */
#include "pool_internal.h"

#define POOL_POISON_BYTE    0x6Bu

const char *const pool_err_name[POOL_ERR_COUNT] = {
    [POOL_OK] = "ok",
    [POOL_NOMEM] = "out of memory",
    [POOL_ERR_NULL] = "free of NULL",
    [POOL_ERR_FOREIGN] = "foreign pointer",
    [POOL_ERR_WRONG_POOL] = "object of another pool",
    [POOL_ERR_MISALIGNED] = "not an object boundary",
    [POOL_ERR_DOUBLE_FREE] = "double free",
    [POOL_ERR_POISON] = "write after free",
    [POOL_ERR_LINK] = "free link overwritten",
    [POOL_ERR_PARAM] = "bad parameters",
    [POOL_ERR_BUSY] = "objects still in use",
};

/* Counts ERR and, in debug mode, stops naming the pool and ADDR. */
enum pool_err
pool_fail(struct pool *p, enum pool_err err, uintptr_t addr)
{
    mm_err_count(p->nerr, err, pool_err_name, "pool", "pool", p->name,
                 addr);
    return err;
}

void
pool_trace_print(const struct pool *p, const char *event, uintptr_t addr)
{
    mm_print("trace: pool %s pool=%s addr=0x%08lx\n", event, p->name,
             (unsigned long)addr);
}

/* Fills a freed object with the poison byte, its link word too. */
void
pool_poison_fill(const struct pool *p, void *obj)
{
    mm_memset(obj, POOL_POISON_BYTE, p->objsize);
}

/*
 * Counts a write after free if a byte of obj past its link word is not
 * poison (the link is checked by pool_link_ok; poisoned pools have no
 * constructor, so their link is the first word).  obj is used anyway.
 */
void
pool_poison_check(struct pool *p, const void *obj)
{
    const uint8_t *b = obj;
    size_t i;

    for (i = sizeof(void *); i < p->objsize; i++)
        if (b[i] != POOL_POISON_BYTE) {
            pool_fail(p, POOL_ERR_POISON, (uintptr_t)&b[i]);
            return;
        }
}

/*
 * Counts the broken link (at skip's link word, or at the slab when the
 * list lost objects) and rebuilds s's free list from its free table,
 * leaving out skip, the object being handed out.  The free table is the
 * truth; the list is only a fast way through it.
 */
void
pool_link_repair(struct pool *p, struct pool_slab *s, const void *skip)
{
    unsigned i;

    pool_fail(p, POOL_ERR_LINK, skip != NULL ?
              (uintptr_t)link_of(p, (void *)skip) : s->base);
    s->freelist = NULL;
    for (i = s->ncarved; i-- > 0;) {
        void *obj = pool_object_at(s, i);

        if (obj != skip && pool_is_free(s, i)) {
            *link_of(p, obj) = s->freelist;
            s->freelist = obj;
        }
    }
}
