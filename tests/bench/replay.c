/*
 * tests/bench/replay.c - replays an allocation trace through kmalloc and
 * through glibc malloc (make replay TRACE=file).
 *
 * A trace is malloc-lab's format (the CS:APP malloc driver's):
 *
 *     4096            suggested heap size in bytes (read, not used)
 *     3               number of ids: an id is 0 .. ids - 1
 *     5               number of ops below
 *     1               weight (read, not used)
 *     a 0 100         allocate 100 bytes as id 0
 *     a 1 2000
 *     r 0 300         resize id 0 to 300 bytes
 *     f 1             free id 1
 *     f 0
 *
 * An id may be allocated again once freed.  The whole trace is checked
 * first, by the kernel's own reader (kernel/tracefile.c, which the
 * kernel's replay uses too); a bad one (unknown op, id out of range,
 * free or resize of an id not allocated, allocation of one still
 * allocated, a count that does not match) stops with a message naming
 * the line, exit status 1.
 *
 * Each allocator replays the trace twice.  The first pass fills every
 * block with a pattern of its own and checks the pattern before each
 * free and realloc (after a realloc, the part kept), and samples the
 * memory held after every op.  The second pass, timed, makes only the
 * calls: ns/op is the median of REPS such passes over the op count.
 *
 * For the tests of the check itself, REPLAY_CORRUPT=LINE in the
 * environment flips the first byte of the block allocated at trace line
 * LINE right after it is filled, as a stray write would.
 *
 * Held memory: for kmalloc, the pages its heap has taken from its page
 * source (a buddy over an arena of its own: managed pages less free
 * ones); for glibc, mallinfo2()'s arena + hblkhd (heap from the system
 * and mmapped blocks) less what this program had in use before it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "../../kernel/tracefile.h"
#include "../../mm/kheap.h"

#define REPS            5
#define ARENA_BYTES     ((size_t)1 << 30)   /* kmalloc's page source */

struct trace {
    const char *path;
    unsigned long nids, nops, counts[3];    /* counts: a, f, r */
    struct tracefile_op *op;
};

/* An allocator under test. */
struct heap {
    const char *name;
    void (*start)(void);        /* before the checked pass */
    void (*reset)(void);        /* before each timed pass */
    void *(*alloc)(size_t bytes);
    void (*free)(void *p);
    void *(*realloc)(void *p, size_t bytes);
    size_t (*held)(void);       /* bytes held now */
};

/* One id's block during a replay. */
struct block {
    uint8_t *p;
    size_t bytes;
    unsigned long serial;       /* which allocation: picks the pattern */
    unsigned long line;         /* where it was allocated */
};

static void
die(const char *fmt, ...)
{
    va_list ap;

    fflush(stdout);
    fprintf(stderr, "replay: ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n");
    exit(1);
}

/* ---- reading and checking a trace ----------------------------------- */

/*
 * Reads the whole file and checks it with the kernel's own trace reader
 * (kernel/tracefile.c), which words every message; then reads the ops
 * into t->op.  The text stays allocated: freeing a block glibc mmapped
 * would raise its mmap and trim thresholds (glibc's mallopt(3), "dynamic
 * mmap threshold") and so change what glibc holds in the replay.
 */
static void
read_trace(struct trace *t, const char *path)
{
    FILE *f = fopen(path, "r");
    struct tracefile tf;
    uint8_t *live;
    char *text;
    long len;
    unsigned long i;

    if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 ||
        fseek(f, 0, SEEK_SET) != 0)
        die("%s: %s", path, strerror(errno));
    text = malloc(len ? (size_t)len : 1);
    if (text == NULL || fread(text, 1, (size_t)len, f) != (size_t)len)
        die("%s: cannot read it", path);
    fclose(f);
    t->path = path;
    if (!tracefile_open(&tf, text, (size_t)len))
        die("%s:%s", path, tf.msg);
    t->nids = tf.nids;
    t->nops = tf.nops;
    t->op = calloc(t->nops ? t->nops : 1, sizeof *t->op);
    live = calloc(TRACEFILE_LIVE_BYTES(t->nids) + 1, 1);
    if (t->op == NULL || live == NULL)
        die("%s:3: %lu ops: no memory for them", path, t->nops);
    if (!tracefile_validate(&tf, live))
        die("%s:%s", path, tf.msg);
    for (i = 0; i < t->nops; i++)
        tracefile_next(&tf, &t->op[i]);     /* validated: each is an op */
    memcpy(t->counts, tf.counts, sizeof t->counts);
    free(live);
}

/* ---- the allocators ------------------------------------------------- */

static uint8_t *arena;
static struct buddy bd;
static struct mm_pagesrc src;
static struct kheap kh;
static size_t start_free;

/* A fresh buddy over the arena, and a growing heap over it. */
static void
km_start(void)
{
    if (arena == NULL) {
        arena = mmap(NULL, ARENA_BYTES, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (arena == MAP_FAILED)
            die("cannot map a %zu MiB arena", ARENA_BYTES >> 20);
    }
    buddy_init(&bd, "replay");
    if (buddy_add_zone(&bd, arena, ARENA_BYTES, 0, NULL) != BUDDY_OK)
        die("buddy_add_zone failed");
    buddy_pagesrc(&bd, &src);
    kheap_init_growing(&kh, "replay", &src);
    start_free = buddy_free_pages(&bd);
}

static void *
km_alloc(size_t bytes)
{
    return kheap_alloc(&kh, bytes);
}

static void
km_free(void *p)
{
    if (kheap_free(&kh, p) != KHEAP_OK)
        die("kmalloc: kfree refused 0x%lx", (unsigned long)(uintptr_t)p);
}

static void *
km_realloc(void *p, size_t bytes)
{
    return kheap_realloc(&kh, p, bytes);
}

static size_t
km_held(void)
{
    return (start_free - buddy_free_pages(&bd)) * MM_PAGE;
}

/*
 * glibc holds what it took from the system: arena (the heap) + hblkhd
 * (mmapped blocks).  Less what this program itself had in use before
 * the replay (uordblks + hblkhd then, after a trim), the rest is the
 * replay's: its blocks, their headers, and the free space glibc keeps.
 */
static size_t glibc_base;

static void
glibc_start(void)
{
    struct mallinfo2 mi;

    malloc_trim(0);
    mi = mallinfo2();
    glibc_base = mi.uordblks + mi.hblkhd;
}

static void *
glibc_alloc(size_t bytes)
{
    return malloc(bytes);
}

static void
glibc_free(void *p)
{
    free(p);
}

static void *
glibc_realloc(void *p, size_t bytes)
{
    return realloc(p, bytes);
}

static size_t
glibc_held(void)
{
    struct mallinfo2 mi = mallinfo2();
    size_t now = mi.arena + mi.hblkhd;

    return now > glibc_base ? now - glibc_base : 0;
}

/* Timed passes start glibc as the last pass left it: no trim. */
static void
glibc_reset(void)
{
}

static const struct heap heaps[] = {
    { "kmalloc", km_start, km_start, km_alloc, km_free, km_realloc,
      km_held },
    { "glibc", glibc_start, glibc_reset, glibc_alloc, glibc_free,
      glibc_realloc, glibc_held },
};

/* ---- the checked pass ----------------------------------------------- */

static inline uint8_t
pattern(unsigned long serial, size_t i)
{
    return (uint8_t)(serial * 151 + 17 + i * 7 + (i >> 8));
}

static void
fill(struct block *b, size_t from)
{
    size_t i;

    for (i = from; i < b->bytes; i++)
        b->p[i] = pattern(b->serial, i);
}

/* Dies if the first n bytes of b lost their pattern. */
static void
check(const struct heap *h, const struct block *b, size_t n,
      const struct tracefile_op *op)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (b->p[i] != pattern(b->serial, i))
            die("%s: block of id %lu (allocated at line %lu) changed at "
                "byte %zu, found at line %lu", h->name, op->id, b->line, i,
                op->line);
}

struct figures {
    size_t peak_requested, peak_held, final_held;
    double ns_per_op;
};

/*
 * Dies when the allocator gives no block for a request of bytes > 0,
 * saying why for kmalloc: a request above the page allocator's largest
 * block (4 MiB) has none, whatever is free.
 */
static void
need(const struct heap *h, const void *p, const struct tracefile_op *op)
{
    if (p != NULL || op->bytes == 0)
        return;
    if (h->alloc == km_alloc && buddy_order_for(op->bytes) < 0)
        die("%s: no block for %zu bytes at line %lu: more than the "
            "largest block, %zu bytes", h->name, op->bytes, op->line,
            (size_t)MM_PAGE << BUDDY_MAX_ORDER);
    die("%s: out of memory for %zu bytes at line %lu", h->name,
        op->bytes, op->line);
}

static unsigned long corrupt_line;     /* REPLAY_CORRUPT, or 0 */

static void
checked_pass(const struct heap *h, const struct trace *t,
             struct block *blk, struct figures *fig)
{
    size_t requested = 0, held;
    unsigned long i, serial = 0;

    h->start();
    for (i = 0; i < t->nops; i++) {
        const struct tracefile_op *op = &t->op[i];
        struct block *b = &blk[op->id];

        if (op->kind == 'a') {
            *b = (struct block){ h->alloc(op->bytes), op->bytes, ++serial,
                                 op->line };
            need(h, b->p, op);
            fill(b, 0);
            if (op->line == corrupt_line && b->bytes > 0)
                b->p[0] ^= 0xFF;
            requested += op->bytes;
        } else if (op->kind == 'f') {
            check(h, b, b->bytes, op);
            h->free(b->p);
            requested -= b->bytes;
            b->p = NULL;
        } else {
            size_t keep = b->bytes < op->bytes ? b->bytes : op->bytes;

            check(h, b, b->bytes, op);
            b->p = h->realloc(b->p, op->bytes);
            need(h, b->p, op);
            check(h, b, keep, op);
            requested += op->bytes - b->bytes;
            b->bytes = op->bytes;
            b->serial = ++serial;
            b->line = op->line;
            fill(b, 0);
        }
        held = h->held();
        if (requested > fig->peak_requested)
            fig->peak_requested = requested;
        if (held > fig->peak_held)
            fig->peak_held = held;
    }
    fig->final_held = h->held();
    for (i = 0; i < t->nids; i++)       /* what the trace left allocated */
        if (blk[i].p != NULL)
            h->free(blk[i].p);
}

/* ---- the timed pass ------------------------------------------------- */

static double
now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int
cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

static double
timed_pass(const struct heap *h, const struct trace *t, void **ptr)
{
    double ns[REPS], t0;
    unsigned long i;
    int r;

    for (r = 0; r < REPS; r++) {
        memset(ptr, 0, t->nids * sizeof *ptr);
        h->reset();
        t0 = now_ns();
        for (i = 0; i < t->nops; i++) {
            const struct tracefile_op *op = &t->op[i];

            if (op->kind == 'a')
                ptr[op->id] = h->alloc(op->bytes);
            else if (op->kind == 'f') {
                h->free(ptr[op->id]);
                ptr[op->id] = NULL;
            } else
                ptr[op->id] = h->realloc(ptr[op->id], op->bytes);
        }
        ns[r] = (now_ns() - t0) / (t->nops ? t->nops : 1);
        for (i = 0; i < t->nids; i++)   /* untimed: free what is left */
            if (ptr[i] != NULL)
                h->free(ptr[i]);
    }
    qsort(ns, REPS, sizeof ns[0], cmp_double);
    return ns[REPS / 2];
}

int
main(int argc, char **argv)
{
    struct figures fig[2];
    struct trace t = { 0 };
    struct block *blk;
    void **ptr;
    unsigned i;

    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc != 2) {
        fprintf(stderr, "usage: replay TRACE\n");
        return 2;
    }
    if (getenv("REPLAY_CORRUPT") != NULL)
        corrupt_line = strtoul(getenv("REPLAY_CORRUPT"), NULL, 10);
    read_trace(&t, argv[1]);
    blk = calloc(t.nids ? t.nids : 1, sizeof *blk);
    ptr = calloc(t.nids ? t.nids : 1, sizeof *ptr);
    printf("replay: %s: %lu ids, %lu ops (%lu a, %lu f, %lu r)\n", t.path,
           t.nids, t.nops, t.counts[0], t.counts[1], t.counts[2]);
    for (i = 0; i < 2; i++) {
        memset(&fig[i], 0, sizeof fig[i]);
        memset(blk, 0, t.nids * sizeof *blk);
        checked_pass(&heaps[i], &t, blk, &fig[i]);
        fig[i].ns_per_op = timed_pass(&heaps[i], &t, ptr);
    }
    printf("  %-10s %8s %15s %12s %12s %12s %8s\n", "allocator", "ops",
           "peak requested", "peak held", "utilisation", "final held",
           "ns/op");
    for (i = 0; i < 2; i++)
        printf("  %-10s %8lu %15zu %12zu %11.1f%% %12zu %8.1f\n",
               heaps[i].name, t.nops, fig[i].peak_requested,
               fig[i].peak_held,
               fig[i].peak_held ? 100.0 * fig[i].peak_requested /
                                      fig[i].peak_held : 0.0,
               fig[i].final_held, fig[i].ns_per_op);
    printf("replay: bytes held: kmalloc, pages its heap took from its page "
           "source; glibc, mallinfo2() arena + hblkhd less the "
           "bytes this program had in use before (uordblks + hblkhd)\n");
    printf("replay: ns/op: calls alone (no fill, no check), median of %d "
           "passes\n", REPS);
    printf("replay: contents: every block filled, checked before each free "
           "and realloc: all intact\n");
    return 0;
}
