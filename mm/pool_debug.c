/*
 * mm/pool_debug.c - the pools' debug aids: errors, traces, zeroing and
 * poisoning, and the report of a broken free link.
 *
 * mm/pool.c calls each of these through one hook: pool_fail on bad
 * input, pool_trace for trace lines, and, for a pool with any flag set
 * (POOL_ZERO, POOL_POISON, POOL_TRACED), pool_aid_alloc and
 * pool_aid_free around an object's life (pool_aid_grow poisons a new
 * slab of a poisoned pool); the slab layer calls pool_bad_link when the link it was
 * about to follow is no free object of its slab (a write after free hit
 * it), before it rebuilds the list from the free table.
 *
 * Invariant: a free object of a poisoned pool holds the poison byte in
 * every byte after its link word.
 * Bounds: O(1), except poisoning and its check (O(object size)) and
 * pool_aid_grow (O(slab size)).
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

/* Fills obj after its link word with the poison byte. */
static void
poison_fill(const struct pool *p, void *obj)
{
    mm_memset((uint8_t *)obj + sizeof(void *), POOL_POISON_BYTE,
              p->geom.size - sizeof(void *));
}

/*
 * Counts a write after free if a byte of obj past its link word is not
 * poison (the link itself was checked by the slab; poisoned pools have
 * no constructor, so their link is the first word), then zeroes obj for
 * a POOL_ZERO pool.  obj is handed out anyway.
 */
void
pool_aid_alloc(struct pool *p, void *obj)
{
    const uint8_t *b = obj;
    size_t i;

    pool_trace(p, "alloc", (uintptr_t)obj);
    if (p->flags & POOL_POISON)
        for (i = sizeof(void *); i < p->geom.size; i++)
            if (b[i] != POOL_POISON_BYTE) {
                pool_fail(p, POOL_ERR_POISON, (uintptr_t)&b[i]);
                break;
            }
    if (p->flags & POOL_ZERO)
        mm_memset(obj, 0, p->geom.size);
}

void
pool_aid_free(struct pool *p, void *obj)
{
    pool_trace(p, "free", (uintptr_t)obj);
    if (p->flags & POOL_POISON)
        poison_fill(p, obj);
}

void
pool_aid_grow(struct pool *p, struct slab *s)
{
    uint32_t i;

    for (i = 0; i < p->geom.nobjs; i++)
            poison_fill(p, slab_object(s, &p->geom, i));
}

/* Counts the broken link, at where (the slab's object 0 when the list
 * ended early); the slab then rebuilds its list from its table. */
void
pool_bad_link(struct slab *s, uintptr_t where)
{
    pool_fail(s->cache, POOL_ERR_LINK, where);
}
