/*
 * tests/fuzz/buddy.c - fuzzes the buddy allocator against a shadow model.
 *
 * Input: a setup byte (poison on/off, one or two zones, metadata inside
 * or given, parking on/off), for each zone a 16-bit offset and a 16-bit page count and
 * a 16-bit used prefix; then operations, one byte each plus operands:
 *   alloc ORDER, alloc_bytes SIZE, free LIVE, resize LIVE SIZE, size
 *   LIVE, and every bad call: free of a foreign, a misaligned, an
 *   interior or an already freed address, resize and size of a freed
 *   block, an order or a size too large.
 * After every operation: buddy_check finds nothing; exactly the expected
 * error counter moved; every live block is naturally aligned, inside a
 * zone, overlaps no other, and still holds its pattern (the first 16
 * bytes of each page: free-list links would land there); free pages
 * plus live pages equal the managed pages.
 */
#include <string.h>

#include "../../mm/buddy.h"
#include "fuzz.h"

#define ARENA_PAGES     1024            /* 4 MiB per zone arena */
#define MAX_LIVE        64
#define MAX_FREED       16

struct live {
    uint8_t *addr;
    unsigned order;
    uint8_t seed;           /* pattern: byte i of page p is seed + p + i */
};

struct shadow {
    struct buddy b;
    uint8_t *zbase[2];          /* as given to buddy_add_zone, or NULL */
    uint8_t *zlo[2], *zhi[2];   /* whole pages the zone may manage */
    unsigned nzones;
    struct live live[MAX_LIVE];
    unsigned nlive;
    uint8_t *freed[MAX_FREED];  /* addresses freed earlier */
    unsigned nfreed;
    unsigned long nerr[BUDDY_ERR_COUNT];
    uint8_t next_seed;
};

static uint8_t arena[2][ARENA_PAGES * 4096] __attribute__((aligned(1 << 22)));
static uint8_t meta[2][BUDDY_META_SIZE(ARENA_PAGES + 1)];
static struct shadow S;

static void
fill(struct live *l)
{
    size_t p, i;

    for (p = 0; p < ((size_t)1 << l->order); p++)
        for (i = 0; i < 16; i++)
            l->addr[p * MM_PAGE + i] = (uint8_t)(l->seed + p + i);
}

static bool
intact(const struct live *l)
{
    size_t p, i;

    for (p = 0; p < ((size_t)1 << l->order); p++)
        for (i = 0; i < 16; i++)
            if (l->addr[p * MM_PAGE + i] != (uint8_t)(l->seed + p + i))
                return false;
    return true;
}

static bool
in_zone(const uint8_t *a, size_t len)
{
    unsigned z;

    for (z = 0; z < S.nzones; z++)
        if (a >= S.zlo[z] && a + len <= S.zhi[z])
            return true;
    return false;
}

/* Checks everything the header promises; err is the counter to move. */
static void
check_all(enum buddy_err err)
{
    size_t live_pages = 0;
    unsigned i, j, e;

    FUZZ_CHECK(buddy_check(&S.b) == 0);
    for (e = 0; e < BUDDY_ERR_COUNT; e++) {
        unsigned long want = S.nerr[e] + (e == (unsigned)err && e != 0);

        FUZZ_CHECK(S.b.nerr[e] == want);
        S.nerr[e] = want;
    }
    for (i = 0; i < S.nlive; i++) {
        struct live *l = &S.live[i];
        size_t len = MM_PAGE << l->order;

        live_pages += (size_t)1 << l->order;
        FUZZ_CHECK(((uintptr_t)l->addr & (len - 1)) == 0);
        FUZZ_CHECK(in_zone(l->addr, len));
        FUZZ_CHECK(intact(l));
        for (j = i + 1; j < S.nlive; j++)
            FUZZ_CHECK(l->addr + len <= S.live[j].addr ||
                       S.live[j].addr + (MM_PAGE << S.live[j].order) <=
                       l->addr);
    }
    FUZZ_CHECK(buddy_free_pages(&S.b) + live_pages ==
               buddy_managed_pages(&S.b));
}

static void
add_live(uint8_t *p, unsigned order)
{
    struct live *l = &S.live[S.nlive++];

    l->addr = p;
    l->order = order;
    l->seed = S.next_seed++;
    fill(l);
}

static void
remember_freed(uint8_t *p)
{
    S.freed[S.nfreed++ % MAX_FREED] = p;
}

static void
drop_live(unsigned i)
{
    remember_freed(S.live[i].addr);
    S.live[i] = S.live[--S.nlive];
}

/* The live block a page address falls in, or -1. */
static int
live_at(const uint8_t *a)
{
    unsigned i;

    for (i = 0; i < S.nlive; i++)
        if (a >= S.live[i].addr &&
            a < S.live[i].addr + (MM_PAGE << S.live[i].order))
            return (int)i;
    return -1;
}

static void
setup(struct fuzz_in *in)
{
    uint8_t cfg = fuzz_u8(in);
    unsigned z;

    memset(&S, 0, sizeof S);
    mm_switch.poison = cfg & 1 ? MM_POISON_BUDDY : 0;
    buddy_init(&S.b, "fuzz");
    buddy_set_parking(&S.b, (cfg & 0x10) != 0);
    S.nzones = 1 + ((cfg >> 1) & 1);
    for (z = 0; z < S.nzones; z++) {
        size_t off = fuzz_u16(in) % (64 * MM_PAGE);
        size_t size = (size_t)(fuzz_u16(in) % ARENA_PAGES) * MM_PAGE + 1;
        size_t used = fuzz_u16(in) % (8 * MM_PAGE);
        uint8_t *base = arena[z] + off;
        uint8_t *m = cfg & (4 << z) ? meta[z] : NULL;
        enum buddy_err err;

        if (off + size > sizeof arena[z])
            size = sizeof arena[z] - off;
        err = buddy_add_zone(&S.b, base, size, used, m);
        fuzz_op("zone %u: base arena+%zu size %zu used %zu meta %s -> %s",
                z, off, size, used, m ? "given" : "inside",
                buddy_err_name[err]);
        S.nerr[BUDDY_ERR_ZONE] += err == BUDDY_ERR_ZONE;
        FUZZ_CHECK(err == BUDDY_OK || err == BUDDY_ERR_ZONE);
        if (err == BUDDY_OK) {
            uintptr_t lo = ((uintptr_t)base + MM_PAGE - 1) & ~(MM_PAGE - 1);
            uintptr_t hi = ((uintptr_t)base + size) & ~(MM_PAGE - 1);

            S.zbase[z] = base;
            S.zlo[z] = (uint8_t *)lo;
            S.zhi[z] = (uint8_t *)hi;
        }
    }
    fuzz_op("managed %zu pages, %zu free, parking %s",
            buddy_managed_pages(&S.b), buddy_free_pages(&S.b),
            cfg & 0x10 ? "on" : "off");
    check_all(BUDDY_OK);
}

static void
op_alloc(unsigned order, bool bytes, size_t size)
{
    uint8_t *p = bytes ? buddy_alloc_bytes(&S.b, size)
                       : buddy_alloc(&S.b, order);
    enum buddy_err err = BUDDY_OK;

    if (bytes) {
        int o = buddy_order_for(size);

        fuzz_op("alloc_bytes %zu -> %p", size, (void *)p);
        err = o < 0 ? BUDDY_ERR_SIZE : BUDDY_OK;
        order = o < 0 ? 0 : (unsigned)o;
        FUZZ_CHECK(o < 0 || (MM_PAGE << o) >= size);
    } else {
        fuzz_op("alloc order %u -> %p", order, (void *)p);
        err = order > BUDDY_MAX_ORDER ? BUDDY_ERR_ORDER : BUDDY_OK;
    }
    if (p == NULL && err == BUDDY_OK)
        err = BUDDY_NOMEM;
    FUZZ_CHECK((p == NULL) == (err != BUDDY_OK));
    if (p != NULL && S.nlive < MAX_LIVE) {
        FUZZ_CHECK(buddy_size(&S.b, p) == MM_PAGE << order);
        add_live(p, order);
    } else if (p != NULL) {
        FUZZ_CHECK(buddy_free(&S.b, p) == BUDDY_OK);
    }
    check_all(err);
}

static void
op_resize(unsigned i, size_t size)
{
    struct live *l = &S.live[i];
    void *p = l->addr;
    int want = buddy_order_for(size);
    enum buddy_err err = buddy_resize(&S.b, &p, size);

    fuzz_op("resize live %u (%p, order %u) to %zu -> %s %p", i,
            (void *)l->addr, l->order, size, buddy_err_name[err], p);
    if (want < 0) {
        FUZZ_CHECK(err == BUDDY_ERR_SIZE && p == l->addr);
    } else if (err == BUDDY_NOMEM) {
        FUZZ_CHECK(p == l->addr && (unsigned)want > l->order);
    } else {
        unsigned keep = l->order < (unsigned)want ? l->order
                                                  : (unsigned)want;

        FUZZ_CHECK(err == BUDDY_OK);
        /* The contents of the smaller size moved along. */
        l->order = keep;
        l->addr = p;
        FUZZ_CHECK(intact(l));
        l->order = (unsigned)want;
        fill(l);
    }
    check_all(err);
}

/* buddy_size says only 0 or not: the error is the counter that moved. */
static enum buddy_err
counter_moved(bool ok)
{
    unsigned e;

    for (e = BUDDY_NOMEM; e < BUDDY_ERR_COUNT && !ok; e++)
        if (S.b.nerr[e] != S.nerr[e])
            return (enum buddy_err)e;
    return BUDDY_OK;
}

/* A bad free (or size, or resize) of addr: want is the error expected,
 * or BUDDY_OK to accept a double free or an interior one. */
static void
op_bad(const char *what, uint8_t *addr, enum buddy_err want, int call)
{
    void *p = addr;
    enum buddy_err err;
    size_t size = 0;

    if (call == 0)
        err = buddy_free(&S.b, addr);
    else if (call == 1)
        err = buddy_resize(&S.b, &p, MM_PAGE);
    else
        err = counter_moved((size = buddy_size(&S.b, addr)) != 0);
    fuzz_op("%s %s %p -> %s", call == 0 ? "free" : call == 1 ? "resize"
            : "size", what, (void *)addr,
            buddy_err_name[err]);
    FUZZ_CHECK(size == 0 && p == addr);
    if (want != BUDDY_OK)
        FUZZ_CHECK(err == want);
    else
        FUZZ_CHECK(err == BUDDY_ERR_INTERIOR ||
                   err == (call == 0 ? BUDDY_ERR_DOUBLE_FREE
                                     : BUDDY_ERR_NOT_ALLOCATED));
    check_all(err);
}

/* Removing a zone that still has a live block fails, changing nothing. */
static void
op_remove_busy(unsigned z)
{
    unsigned i;

    for (i = 0; i < S.nlive; i++)
        if (S.zbase[z] != NULL && S.live[i].addr >= S.zlo[z] &&
            S.live[i].addr < S.zhi[z]) {
            fuzz_op("remove zone %u, live %u in it", z, i);
            FUZZ_CHECK(buddy_remove_zone(&S.b, S.zbase[z]) ==
                       BUDDY_ERR_ZONE);
            check_all(BUDDY_ERR_ZONE);
            return;
        }
}

static void
op(struct fuzz_in *in)
{
    uint8_t code = fuzz_u8(in) % 11;
    unsigned i = S.nlive ? fuzz_u8(in) % S.nlive : 0;
    struct live *l = &S.live[i];
    int call = fuzz_u8(in) % 3;

    switch (code) {
    case 0:
        op_alloc(fuzz_u8(in) % (BUDDY_MAX_ORDER + 2), false, 0);
        break;
    case 1:
        op_alloc(0, true, fuzz_u32(in) % (5u << 20));
        break;
    case 2:
        if (S.nlive == 0)
            break;
        fuzz_op("free live %u (%p, order %u)", i, (void *)l->addr,
                l->order);
        FUZZ_CHECK(intact(l));
        FUZZ_CHECK(buddy_free(&S.b, l->addr) == BUDDY_OK);
        drop_live(i);
        check_all(BUDDY_OK);
        break;
    case 3:
        if (S.nlive > 0)
            op_resize(i, fuzz_u32(in) % (5u << 20));
        break;
    case 4:
        /* Not in any zone: the static S itself, page-aligned down. */
        op_bad("foreign", (uint8_t *)((uintptr_t)&S & ~(MM_PAGE - 1)),
               BUDDY_ERR_FOREIGN, call);
        break;
    case 5:
        if (S.nlive > 0)
            op_bad("misaligned", l->addr + 1 + fuzz_u16(in) % (MM_PAGE - 1),
                   BUDDY_ERR_MISALIGNED, call);
        break;
    case 6:
        if (S.nlive > 0 && l->order > 0)
            op_bad("interior", l->addr + MM_PAGE *
                   (1 + fuzz_u16(in) % ((1u << l->order) - 1)),
                   BUDDY_ERR_INTERIOR, call);
        break;
    case 7:
        if (S.nfreed > 0) {
            uint8_t *a = S.freed[fuzz_u8(in) % (S.nfreed < MAX_FREED ?
                                                S.nfreed : MAX_FREED)];

            if (live_at(a) < 0)
                op_bad("freed", a, BUDDY_OK, call);
        }
        break;
    case 8:
        if (S.nlive > 0) {
            fuzz_op("size live %u", i);
            FUZZ_CHECK(buddy_size(&S.b, l->addr) == MM_PAGE << l->order);
            check_all(BUDDY_OK);
        }
        break;
    case 9:
        op_remove_busy(call % S.nzones);
        break;
    default:
        fuzz_op("alloc order %u, too large", BUDDY_MAX_ORDER + 1);
        FUZZ_CHECK(buddy_alloc(&S.b, BUDDY_MAX_ORDER + 1) == NULL);
        check_all(BUDDY_ERR_ORDER);
        break;
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_in in = { data, size, 0 };
    unsigned n = 0;

    setup(&in);
    while (fuzz_more(&in) && n++ < 1000)
        op(&in);
    while (S.nlive > 0) {
        FUZZ_CHECK(buddy_free(&S.b, S.live[0].addr) == BUDDY_OK);
        drop_live(0);
        check_all(BUDDY_OK);
    }
    /* All free again: each zone comes out, and nothing is left. */
    for (n = 0; n < S.nzones; n++)
        if (S.zbase[n] != NULL)
            FUZZ_CHECK(buddy_remove_zone(&S.b, S.zbase[n]) == BUDDY_OK);
    FUZZ_CHECK(buddy_managed_pages(&S.b) == 0);
    FUZZ_CHECK(buddy_free_pages(&S.b) == 0 && buddy_nzones(&S.b) == 0);
    mm_switch.poison = 0;
    return 0;
}
