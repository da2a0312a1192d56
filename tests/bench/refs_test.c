/*
 * tests/bench/refs_test.c - checks that the references (refs.h) are
 * right, so the bench measures working allocators: "bench check".
 *
 * Prints "refcheck: ok NAME" or "refcheck: FAIL NAME (file:line)" per
 * check, then "refcheck: N passed, M failed"; tests/boot/refs.sh runs it
 * in make test.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "refs.h"

int refs_check(void);

static unsigned passed, failed;

static void
check(const char *name, int ok, int line)
{
    if (ok) {
        passed++;
        printf("refcheck: ok %s\n", name);
    } else {
        failed++;
        printf("refcheck: FAIL %s (%s:%d)\n", name, __FILE__, line);
    }
}

#define CHECK(name, e) check(name, (e) != 0, __LINE__)

/* Did exactly counter err move, by one, since the copy in before? */
static int
one_error(const unsigned long *now, const unsigned long *before,
          enum ref_err err)
{
    int i;

    for (i = 0; i < REF_ERR_COUNT; i++)
        if (now[i] != before[i] + (i == (int)err))
            return 0;
    return 1;
}

/* Memory on a 4 MiB boundary, so the expected blocks are easy to say. */
static void *
arena(size_t bytes)
{
    size_t big = (size_t)REF_PAGE << REF_MAX_ORDER;
    void *p = aligned_alloc(big, (bytes + big - 1) / big * big);

    memset(p, 0, bytes);
    return p;
}

/* 1027 pages: one 4 MiB block, then an order-1 and an order-0 block. */
static void
buddy_checks(void)
{
    enum { N = 1027 };
    uint8_t *mem = arena(N * REF_PAGE), *p[N], *big;
    unsigned long before[REF_ERR_COUNT];
    struct ref_buddy b;
    size_t n = 0, i, intact = 1, ok = 1;

    ref_buddy_init(&b, mem, N);
    while (n < N && (p[n] = ref_buddy_alloc(&b, 0)) != NULL) {
        *p[n] = (uint8_t)n;
        n++;
    }
    CHECK("buddy.every_page_once", n == N && ref_buddy_alloc(&b, 0) == NULL);
    for (i = 0; i < n; i++)
        intact &= *p[i] == (uint8_t)i;
    CHECK("buddy.pages_distinct", intact);
    for (i = 0; i < n; i++)             /* 1, 3, ... 1025, 0, 2, ... */
        ok &= ref_buddy_free_checked(&b, p[(i * 2 + 1) % N]) == REF_OK;
    CHECK("buddy.free_all", ok);
    big = ref_buddy_alloc(&b, REF_MAX_ORDER);
    CHECK("buddy.merged_back", big == mem);
    CHECK("buddy.one_4M_block", ref_buddy_alloc(&b, REF_MAX_ORDER) == NULL);
    CHECK("buddy.tail_order1", ref_buddy_alloc(&b, 1) == mem + 1024 * REF_PAGE);
    CHECK("buddy.tail_order0", ref_buddy_alloc(&b, 0) == mem + 1026 * REF_PAGE);
    CHECK("buddy.then_none", ref_buddy_alloc(&b, 0) == NULL);

    memcpy(before, b.nerr, sizeof before);
    CHECK("buddy.foreign", ref_buddy_free_checked(&b, mem - REF_PAGE) ==
          REF_ERR_FOREIGN && one_error(b.nerr, before, REF_ERR_FOREIGN));
    memcpy(before, b.nerr, sizeof before);
    CHECK("buddy.misaligned", ref_buddy_free_checked(&b, big + 8) ==
          REF_ERR_MISALIGNED && one_error(b.nerr, before, REF_ERR_MISALIGNED));
    memcpy(before, b.nerr, sizeof before);
    CHECK("buddy.interior", ref_buddy_free_checked(&b, big + REF_PAGE) ==
          REF_ERR_INTERIOR && one_error(b.nerr, before, REF_ERR_INTERIOR));
    CHECK("buddy.free_big", ref_buddy_free_checked(&b, big) == REF_OK);
    memcpy(before, b.nerr, sizeof before);
    CHECK("buddy.double_free", ref_buddy_free_checked(&b, big) ==
          REF_ERR_DOUBLE_FREE && one_error(b.nerr, before,
                                           REF_ERR_DOUBLE_FREE));
    ref_buddy_fini(&b);

    /* A region from page 1 to 1024: blocks still align in memory. */
    ref_buddy_init(&b, mem + REF_PAGE, 1023);
    CHECK("buddy.unaligned_order9", ref_buddy_alloc(&b, 9) ==
          mem + 512 * REF_PAGE);
    CHECK("buddy.unaligned_order0", ref_buddy_alloc(&b, 0) == mem + REF_PAGE);
    CHECK("buddy.unaligned_order1", ref_buddy_alloc(&b, 1) ==
          mem + 2 * REF_PAGE);
    memcpy(before, b.nerr, sizeof before);
    CHECK("buddy.below_region", ref_buddy_free_checked(&b, mem) ==
          REF_ERR_FOREIGN && one_error(b.nerr, before, REF_ERR_FOREIGN));
    ref_buddy_fini(&b);
    free(mem);
}

/* Random sizes up to 12 KiB: aligned, disjoint, all back; bad frees. */
static void
kmalloc_checks(void)
{
    enum { N = 1500, PAGES = 4096 };
    uint8_t *mem = arena((size_t)PAGES * REF_PAGE), *p[N], *q;
    unsigned long before[REF_ERR_COUNT];
    size_t size[N], i, j, aligned = 1, intact = 1, ok = 1;
    struct ref_kmalloc k;

    srand(1);
    ref_kmalloc_init(&k, mem, PAGES);
    for (i = 0; i < N; i++) {
        size_t cap = 16;

        size[i] = 1 + (size_t)rand() % (i % 50 ? 2048 : 12288);
        p[i] = ref_kmalloc_checked(&k, size[i]);
        while (cap < size[i])
            cap *= 2;
        cap = cap < REF_PAGE ? cap : REF_PAGE;
        aligned &= p[i] != NULL && (size_t)(p[i] - mem) % cap == 0;
        if (p[i] != NULL)
            memset(p[i], (int)(i & 0xFF), size[i]);
    }
    CHECK("kmalloc.aligned", aligned);
    for (i = 0; i < N; i++)
        for (j = 0; j < size[i]; j++)
            intact &= p[i][j] == (uint8_t)i;
    CHECK("kmalloc.disjoint", intact);
    q = p[1];                           /* 1..2048 bytes: >= 16 */
    memcpy(before, k.nerr, sizeof before);
    CHECK("kmalloc.foreign", ref_kfree_checked(&k, mem - 16) ==
          REF_ERR_FOREIGN && one_error(k.nerr, before, REF_ERR_FOREIGN));
    memcpy(before, k.nerr, sizeof before);
    CHECK("kmalloc.misaligned", ref_kfree_checked(&k, q + 8) ==
          REF_ERR_MISALIGNED && one_error(k.nerr, before, REF_ERR_MISALIGNED));
    for (i = 0; i < N; i++)
        ok &= ref_kfree_checked(&k, p[(i * 7) % N]) == REF_OK;
    CHECK("kmalloc.free_all", ok);
    q = ref_kmalloc_checked(&k, 64);
    memcpy(before, k.nerr, sizeof before);
    CHECK("kmalloc.interior", ref_kfree_checked(&k, q + 16) ==
          REF_ERR_INTERIOR && one_error(k.nerr, before, REF_ERR_INTERIOR));
    CHECK("kmalloc.free", ref_kfree_checked(&k, q) == REF_OK);
    memcpy(before, k.nerr, sizeof before);
    CHECK("kmalloc.double_free", ref_kfree_checked(&k, q) ==
          REF_ERR_DOUBLE_FREE && one_error(k.nerr, before,
                                           REF_ERR_DOUBLE_FREE));
    CHECK("kmalloc.free_null", ref_kfree_checked(&k, NULL) == REF_OK);
    q = ref_kmalloc_checked(&k, 5000);  /* a run: 2 pages */
    CHECK("kmalloc.run_aligned", (size_t)(q - mem) % (2 * REF_PAGE) == 0);
    CHECK("kmalloc.run_free", ref_kfree_checked(&k, q) == REF_OK);
    memcpy(before, k.nerr, sizeof before);
    CHECK("kmalloc.run_double_free", ref_kfree_checked(&k, q) ==
          REF_ERR_DOUBLE_FREE && one_error(k.nerr, before,
                                           REF_ERR_DOUBLE_FREE));
    ref_kmalloc_fini(&k);
    free(mem);
}

static void
objlist_checks(void)
{
    enum { N = 64 };
    uint8_t *mem = arena(N * 64), *p[N + 1], *a, *b;
    unsigned long before[REF_ERR_COUNT];
    struct ref_objlist o;
    size_t i, ok = 1;

    ref_objlist_init(&o, mem, N, 6);
    for (i = 0; i <= N; i++)
        p[i] = ref_objlist_alloc(&o);
    for (i = 0; i < N; i++)
        ok &= p[i] == mem + i * 64;
    CHECK("objlist.every_object_once", ok && p[N] == NULL);
    memcpy(before, o.nerr, sizeof before);
    CHECK("objlist.foreign", ref_objlist_free(&o, mem + N * 64) ==
          REF_ERR_FOREIGN && one_error(o.nerr, before, REF_ERR_FOREIGN));
    memcpy(before, o.nerr, sizeof before);
    CHECK("objlist.misaligned", ref_objlist_free(&o, p[3] + 8) ==
          REF_ERR_MISALIGNED && one_error(o.nerr, before, REF_ERR_MISALIGNED));
    CHECK("objlist.free", ref_objlist_free(&o, p[3]) == REF_OK);
    memcpy(before, o.nerr, sizeof before);
    CHECK("objlist.double_free", ref_objlist_free(&o, p[3]) ==
          REF_ERR_DOUBLE_FREE && one_error(o.nerr, before,
                                           REF_ERR_DOUBLE_FREE));
    ref_objlist_free(&o, p[5]);         /* list: 5 -> 3 */
    *(uint8_t **)p[5] = mem + 8;        /* a stray write over 5's link */
    memcpy(before, o.nerr, sizeof before);
    a = ref_objlist_alloc(&o);
    b = ref_objlist_alloc(&o);
    CHECK("objlist.bad_link", a == p[5] && b == NULL &&
          one_error(o.nerr, before, REF_ERR_LINK));
    ref_objlist_fini(&o);
    free(mem);
}

int
refs_check(void)
{
    buddy_checks();
    kmalloc_checks();
    objlist_checks();
    printf("refcheck: %u passed, %u failed\n", passed, failed);
    return failed != 0;
}
