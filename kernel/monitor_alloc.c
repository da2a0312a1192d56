/*
 * kernel/monitor_alloc.c - the monitor's commands that allocate and
 * free: pages (alloc, allocb, free, resize, size), kmalloc (kmalloc,
 * kfree, krealloc, ksize) and pools (pool create/alloc/free/destroy).
 *
 * Each prints every address it gets, so "$" names the last one.  A bad
 * address is handed to the allocator as it is: the allocator refuses
 * it, counts the error, and the monitor prints the allocator's error
 * line, e.g. "buddy: double free at 0x00400000 (allocator kernel)".
 * Nothing else changes.  With "debug on" the same input panics instead.
 *
 * Invariant: the pool table holds only pools that are alive (created
 * here, not yet destroyed); a static pool's buffer and free table are
 * kmalloc blocks freed with it.
 * Bounds: a command is COUNT (<= MONITOR_MAX_COUNT) allocator calls.
 * Metadata: MONITOR_POOLS table entries.
 */
#include "monitor.h"

#include "../mm/buddy.h"
#include "../mm/kheap.h"
#include "../mm/pool.h"
#include "kernel.h"

#define MONITOR_POOLS       8       /* pools the monitor can create */
#define POOL_NAME_MAX       16      /* bytes of a name, NUL included */

struct monitor_pool {
    char name[POOL_NAME_MAX];
    struct pool *pool;          /* NULL: the entry is unused */
    bool is_static;             /* descriptor, buffer, table: kmalloc */
    void *buf;
    uint32_t *freemap;
    unsigned long ctor_runs;    /* objects the constructor has built */
};

static struct monitor_pool pools[MONITOR_POOLS];

/* ---- pages ---------------------------------------------------------- */

static void
print_block(const char *cmd, void *p)
{
    size_t bytes = buddy_size(kernel_buddy_allocator(), p);

    kprintf("%s: 0x%08lx order %d (%zu page%s)\n", cmd,
            (unsigned long)monitor_note_addr((uintptr_t)p),
            buddy_order_for(bytes), bytes / (size_t)MM_PAGE,
            bytes == MM_PAGE ? "" : "s");
}

/* Reports a NULL result: out of memory, or the error that refused it. */
static void
print_failed(const char *cmd, const struct monitor_errs *e,
             const struct pool *p, uintptr_t arg)
{
    if (monitor_errs_report(e, p, arg) == 0)
        kprintf("%s: out of memory\n", cmd);
}

enum monitor_result
monitor_cmd_alloc(int argc, char **argv)
{
    struct monitor_errs e;
    uint64_t order;
    unsigned count, i;
    void *p;

    if (argc < 2)
        return monitor_error("alloc needs an ORDER");
    if (!monitor_number(argv[1], "order", &order) ||
        !monitor_count(argc, argv, 2, &count))
        return MON_USAGE;
    for (i = 0; i < count; i++) {
        monitor_errs_save(&e, NULL);
        p = buddy_alloc(kernel_buddy_allocator(),
                        order > 0xffff ? 0xffff : (unsigned)order);
        if (p == NULL) {
            print_failed("alloc", &e, NULL, (uintptr_t)order);
            break;
        }
        print_block("alloc", p);
    }
    return MON_OK;
}

enum monitor_result
monitor_cmd_allocb(int argc, char **argv)
{
    struct monitor_errs e;
    size_t size;
    void *p;

    if (argc < 2)
        return monitor_error("allocb needs a SIZE");
    if (!monitor_size(argv[1], &size))
        return MON_USAGE;
    monitor_errs_save(&e, NULL);
    p = buddy_alloc_bytes(kernel_buddy_allocator(), size);
    if (p == NULL)
        print_failed("allocb", &e, NULL, (uintptr_t)size);
    else
        print_block("allocb", p);
    return MON_OK;
}

/* The ADDR at argv[1] of a command that needs one. */
static bool
addr_arg(int argc, char **argv, uintptr_t *addr)
{
    if (argc < 2) {
        monitor_error("%s needs an ADDR", argv[0]);
        return false;
    }
    return monitor_addr(argv[1], addr);
}

enum monitor_result
monitor_cmd_free(int argc, char **argv)
{
    struct monitor_errs e;
    uintptr_t a;

    if (!addr_arg(argc, argv, &a))
        return MON_USAGE;
    monitor_errs_save(&e, NULL);
    if (buddy_free(kernel_buddy_allocator(), (void *)a) == BUDDY_OK)
        kprintf("free: 0x%08lx freed\n", (unsigned long)a);
    else
        monitor_errs_report(&e, NULL, a);
    return MON_OK;
}

enum monitor_result
monitor_cmd_resize(int argc, char **argv)
{
    struct monitor_errs e;
    uintptr_t a;
    size_t size;
    void *p;

    if (!addr_arg(argc, argv, &a))
        return MON_USAGE;
    if (argc < 3)
        return monitor_error("resize needs a SIZE");
    if (!monitor_size(argv[2], &size))
        return MON_USAGE;
    p = (void *)a;
    monitor_errs_save(&e, NULL);
    switch (buddy_resize(kernel_buddy_allocator(), &p, size)) {
    case BUDDY_OK:
        print_block("resize", p);
        break;
    case BUDDY_NOMEM:
        kprintf("resize: out of memory; 0x%08lx unchanged\n",
                (unsigned long)a);
        break;
    default:
        monitor_errs_report(&e, NULL, a);
    }
    return MON_OK;
}

enum monitor_result
monitor_cmd_size(int argc, char **argv)
{
    struct monitor_errs e;
    uintptr_t a;
    size_t bytes;

    if (!addr_arg(argc, argv, &a))
        return MON_USAGE;
    monitor_errs_save(&e, NULL);
    bytes = buddy_size(kernel_buddy_allocator(), (void *)a);
    if (bytes == 0) {
        if (monitor_errs_report(&e, NULL, a) == 0)
            kprintf("size: 0x%08lx is no block\n", (unsigned long)a);
    } else {
        kprintf("size: 0x%08lx is %zu bytes (order %d)\n", (unsigned long)a,
                bytes, buddy_order_for(bytes));
    }
    return MON_OK;
}

/* ---- kmalloc -------------------------------------------------------- */

static void
print_kblock(const char *cmd, size_t asked, void *p)
{
    size_t got = ksize(p);

    kprintf("%s: %zu bytes at 0x%08lx (%s %zu)\n", cmd, asked,
            (unsigned long)monitor_note_addr((uintptr_t)p),
            got > KHEAP_MAX_SMALL ? "page run of" : "bucket", got);
}

enum monitor_result
monitor_cmd_kmalloc(int argc, char **argv)
{
    struct monitor_errs e;
    unsigned count, i;
    size_t size;
    void *p;

    if (argc < 2)
        return monitor_error("kmalloc needs a SIZE");
    if (!monitor_size(argv[1], &size) ||
        !monitor_count(argc, argv, 2, &count))
        return MON_USAGE;
    if (size == 0)
        return monitor_error("kmalloc 0 gives no block");
    for (i = 0; i < count; i++) {
        monitor_errs_save(&e, NULL);
        if ((p = kmalloc(size)) == NULL) {
            print_failed("kmalloc", &e, NULL, (uintptr_t)size);
            break;
        }
        print_kblock("kmalloc", size, p);
    }
    return MON_OK;
}

enum monitor_result
monitor_cmd_kfree(int argc, char **argv)
{
    struct monitor_errs e;
    uintptr_t a;

    if (!addr_arg(argc, argv, &a))
        return MON_USAGE;
    if (a == 0) {
        kprintf("kfree: NULL: nothing to free, as kfree(NULL) does\n");
        return MON_OK;
    }
    monitor_errs_save(&e, NULL);
    if (kheap_free(kmalloc_heap(), (void *)a) == KHEAP_OK)
        kprintf("kfree: 0x%08lx freed\n", (unsigned long)a);
    else
        monitor_errs_report(&e, NULL, a);
    return MON_OK;
}

enum monitor_result
monitor_cmd_krealloc(int argc, char **argv)
{
    struct monitor_errs e;
    uintptr_t a;
    size_t size;
    void *p;

    if (!addr_arg(argc, argv, &a))
        return MON_USAGE;
    if (argc < 3)
        return monitor_error("krealloc needs a SIZE");
    if (!monitor_size(argv[2], &size))
        return MON_USAGE;
    if (size == 0)
        return monitor_error("krealloc to 0 bytes: use kfree");
    monitor_errs_save(&e, NULL);
    p = krealloc((void *)a, size);
    if (p != NULL)
        print_kblock("krealloc", size, p);
    else
        print_failed("krealloc", &e, NULL, a);
    return MON_OK;
}

enum monitor_result
monitor_cmd_ksize(int argc, char **argv)
{
    struct monitor_errs e;
    uintptr_t a;
    size_t n;

    if (!addr_arg(argc, argv, &a))
        return MON_USAGE;
    monitor_errs_save(&e, NULL);
    n = kheap_size(kmalloc_heap(), (void *)a);
    if (n == 0) {
        if (monitor_errs_report(&e, NULL, a) == 0)
            kprintf("ksize: 0x%08lx is no block\n", (unsigned long)a);
    } else {
        kprintf("ksize: 0x%08lx is %zu bytes\n", (unsigned long)a, n);
    }
    return MON_OK;
}

/* ---- pools ---------------------------------------------------------- */

static struct monitor_pool *
pool_named(const char *name)
{
    unsigned i;

    for (i = 0; i < MONITOR_POOLS; i++)
        if (pools[i].pool != NULL && kstreq(pools[i].name, name))
            return &pools[i];
    monitor_error("no pool \"%s\" (pool create makes one)", name);
    return NULL;
}

/* The constructor "ctor" installs: fills the object, counts the run. */
static void
pool_demo_ctor(void *obj, void *arg)
{
    struct monitor_pool *mp = arg;

    memset(obj, 0xC7, mp->pool->size);
    mp->ctor_runs++;
}

static size_t
round_up(size_t n, size_t to)
{
    return (n + to - 1) & ~(to - 1);
}

/*
 * A static pool of exactly n objects in kmalloc'd memory, its free
 * table too.  An object takes size bytes rounded up to 8, and a link
 * word after them when a constructor keeps the object's contents (as
 * pool_set_ctor lays it out).
 */
static enum pool_err
pool_make_static(struct monitor_pool *mp, size_t size, uint64_t n,
                 bool ctor)
{
    size_t obj = ctor ? round_up(round_up(size, sizeof(void *)) +
                                 sizeof(void *), 8)
                      : round_up(size < sizeof(void *) ? sizeof(void *)
                                                       : size, 8);
    size_t bytes = (size_t)n * obj;

    mp->pool = kzalloc(sizeof *mp->pool);
    mp->freemap = kcalloc(POOL_FREEMAP_WORDS(n), sizeof(uint32_t));
    mp->buf = kmalloc(bytes);
    mp->is_static = true;
    if (mp->pool == NULL || mp->freemap == NULL || mp->buf == NULL)
        return POOL_NOMEM;
    return pool_init_static(mp->pool, mp->name, mp->buf, bytes, size, 8, 0,
                            mp->freemap);
}

static void
pool_release(struct monitor_pool *mp)
{
    if (mp->is_static) {
        kfree(mp->buf);
        kfree(mp->freemap);
        kfree(mp->pool);
    }
    mp->pool = NULL;
}

/* Parses [static N] [ctor] from argv[i] on. */
static bool
pool_options(int argc, char **argv, int i, uint64_t *nstatic, bool *ctor)
{
    for (; i < argc; i++) {
        if (kstreq(argv[i], "ctor")) {
            *ctor = true;
        } else if (kstreq(argv[i], "static") && i + 1 < argc) {
            if (!monitor_number(argv[++i], "object count", nstatic))
                return false;
            if (*nstatic == 0 || *nstatic > 4096) {
                monitor_error("static pool of %s objects: 1 to 4096",
                              argv[i]);
                return false;
            }
        } else {
            monitor_error("\"%s\" is neither \"static N\" nor \"ctor\"",
                          argv[i]);
            return false;
        }
    }
    return true;
}

/* A free table entry whose name is new and fits; NULL after an error. */
static struct monitor_pool *
pool_slot(const char *name)
{
    unsigned i, free_slot = MONITOR_POOLS;

    if (kstrlen(name) >= POOL_NAME_MAX) {
        monitor_error("pool name \"%s\" longer than %u", name,
                      POOL_NAME_MAX - 1);
        return NULL;
    }
    for (i = 0; i < MONITOR_POOLS; i++) {
        if (pools[i].pool != NULL && kstreq(pools[i].name, name)) {
            monitor_error("pool \"%s\" exists", name);
            return NULL;
        }
        if (pools[i].pool == NULL && free_slot == MONITOR_POOLS)
            free_slot = i;
    }
    if (free_slot == MONITOR_POOLS)
        monitor_error("%u pools exist already", MONITOR_POOLS);
    return free_slot == MONITOR_POOLS ? NULL : &pools[free_slot];
}

static enum monitor_result
pool_create(int argc, char **argv)
{
    struct monitor_pool *mp;
    uint64_t nstatic = 0;
    bool ctor = false;
    size_t size;
    enum pool_err err;

    if (argc < 4)
        return monitor_error("pool create needs a NAME and a SIZE");
    if (!monitor_size(argv[3], &size) ||
        !pool_options(argc, argv, 4, &nstatic, &ctor) ||
        (mp = pool_slot(argv[2])) == NULL)
        return MON_USAGE;
    if (size == 0 || size > 64 * 1024)
        return monitor_error("object size %s: 1 byte to 64K", argv[3]);
    memcpy(mp->name, argv[2], kstrlen(argv[2]) + 1);
    mp->ctor_runs = 0;
    mp->is_static = false;
    if (nstatic != 0) {
        err = pool_make_static(mp, size, nstatic, ctor);
    } else {
        mp->pool = kpool_create(mp->name, size, 0, 0);
        err = mp->pool == NULL ? POOL_NOMEM : POOL_OK;
    }
    if (err == POOL_OK && ctor)
        err = pool_set_ctor(mp->pool, pool_demo_ctor, mp);
    if (err != POOL_OK) {
        kprintf("pool: cannot create %s: %s\n", mp->name,
                pool_err_name[err]);
        pool_release(mp);
        return MON_OK;
    }
    kprintf("pool: created %s, %zu-byte objects, %u per slab%s%s\n",
            mp->name, mp->pool->geom.size, mp->pool->geom.nobjs,
            nstatic ? ", static" : "", ctor ? ", constructor" : "");
    return MON_OK;
}

static enum monitor_result
pool_alloc_cmd(int argc, char **argv)
{
    struct monitor_pool *mp;
    struct monitor_errs e;
    unsigned count, i;
    void *o;

    if (argc < 3)
        return monitor_error("pool alloc needs a NAME");
    if ((mp = pool_named(argv[2])) == NULL ||
        !monitor_count(argc, argv, 3, &count))
        return MON_USAGE;
    for (i = 0; i < count; i++) {
        monitor_errs_save(&e, mp->pool);
        if ((o = pool_alloc(mp->pool)) == NULL) {
            if (monitor_errs_report(&e, mp->pool, 0) == 0)
                kprintf("pool: %s out of memory\n", mp->name);
            break;
        }
        kprintf("pool: %s object 0x%08lx", mp->name,
                (unsigned long)monitor_note_addr((uintptr_t)o));
        if (mp->pool->geom.ctor != NULL)
            kprintf(" (constructor runs so far: %lu)", mp->ctor_runs);
        kprintf("\n");
    }
    return MON_OK;
}

static enum monitor_result
pool_free_cmd(int argc, char **argv)
{
    struct monitor_pool *mp;
    struct monitor_errs e;
    uintptr_t a;

    if (argc < 4)
        return monitor_error("pool free needs a NAME and an ADDR");
    if ((mp = pool_named(argv[2])) == NULL || !monitor_addr(argv[3], &a))
        return MON_USAGE;
    monitor_errs_save(&e, mp->pool);
    if (pool_free(mp->pool, (void *)a) == POOL_OK)
        kprintf("pool: %s freed 0x%08lx\n", mp->name, (unsigned long)a);
    else
        monitor_errs_report(&e, mp->pool, a);
    return MON_OK;
}

static enum monitor_result
pool_destroy_cmd(int argc, char **argv)
{
    struct monitor_pool *mp;
    struct monitor_errs e;
    enum pool_err err;

    if (argc < 3)
        return monitor_error("pool destroy needs a NAME");
    if ((mp = pool_named(argv[2])) == NULL)
        return MON_USAGE;
    monitor_errs_save(&e, mp->pool);
    if (mp->is_static)
        err = pool_destroy(mp->pool);
    else
        err = (enum pool_err)kpool_destroy(mp->pool);
    if (err != POOL_OK) {
        monitor_errs_report(&e, mp->pool, (uintptr_t)mp->pool);
        kprintf("pool: %s keeps %zu objects in use; free them first\n",
                mp->name, pool_active(mp->pool));
        return MON_OK;
    }
    kprintf("pool: destroyed %s\n", mp->name);
    pool_release(mp);
    return MON_OK;
}

enum monitor_result
monitor_cmd_pool(int argc, char **argv)
{
    if (argc < 2)
        return monitor_error("pool needs create, alloc, free or destroy");
    if (kstreq(argv[1], "create"))
        return pool_create(argc, argv);
    if (kstreq(argv[1], "alloc"))
        return pool_alloc_cmd(argc, argv);
    if (kstreq(argv[1], "free"))
        return pool_free_cmd(argc, argv);
    if (kstreq(argv[1], "destroy"))
        return pool_destroy_cmd(argc, argv);
    return monitor_error("unknown pool command \"%s\"", argv[1]);
}
