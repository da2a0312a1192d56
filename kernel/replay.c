/*
 * kernel/replay.c - replays an allocation trace, loaded as a Multiboot
 * module, through kmalloc: the kernel's side of "make replay".
 *
 * "make run TRACE=file" loads the file as a module (GRUB's "module"
 * line, or QEMU's -initrd below 8M); the "replay" option replays every
 * module and exits, the console's "replay" one module.  The trace is
 * read by kernel/tracefile.c (format in kernel/tracefile.h) and checked
 * whole before anything is allocated: a bad one gets one message naming
 * its line, "replay: NAME:8: unknown op: x 1", and nothing else happens.
 *
 * Then, as tests/bench/replay.c does on the host, the trace runs twice
 * over: a checked pass fills every block with a pattern of its
 * allocation, checks it before each free and realloc (after a realloc,
 * the part kept) and checks ksize() covers the request, and samples the
 * memory the heap holds after every op; then timed passes make only the
 * calls.  A block found changed, a refused request or a short ksize
 * stops the replay with a message naming the line, and every block
 * still allocated is freed.  Last, the module is read again: it must
 * still say what it said, or its pages were handed out.
 *
 * Only kmalloc's public calls touch the heap (kmalloc, kfree, krealloc,
 * ksize), and kheap_trim, in one place, to give its cache back.  "Held"
 * is what the host replay calls held: the pages the heap took from the
 * page allocator, counted as pages gone from its free count since the
 * start of the replay (after a trim: what the heap held before is not
 * the trace's).  Times are in TSC cycles, not calibrated to ns.
 *
 * Bounds: O(ops + ids) time and bytes besides the blocks themselves.
 * Metadata: from the page allocator, not from kmalloc (so that it is not
 * counted as held): 16 bytes per op (the ops, read once) and per id (its
 * block), in chunks of one largest buddy block (4 MiB, 262,144 entries)
 * and up to REPLAY_MAX_CHUNKS of them, and 1 bit per id.
 */
#include "../mm/buddy.h"
#include "../mm/kheap.h"
#include "io.h"
#include "kernel.h"
#include "tracefile.h"

#define REPLAY_TIMED_PASSES 3

/*
 * The op and block tables are cut into chunks of CHUNK_ENTRIES entries
 * of at most 16 bytes, one largest buddy block each: entry i is entry
 * i & CHUNK_MASK of chunk i >> CHUNK_SHIFT.  64 chunks: 16,777,216 ops
 * and as many ids.
 */
#define CHUNK_SHIFT         18
#define CHUNK_ENTRIES       (1UL << CHUNK_SHIFT)
#define CHUNK_MASK          (CHUNK_ENTRIES - 1)
#define REPLAY_MAX_CHUNKS   64

/* One id's block during the checked pass. */
struct replay_block {
    uint8_t *p;                 /* NULL while the id is free */
    size_t bytes;               /* as requested */
    unsigned long serial;       /* which allocation: picks the pattern */
    unsigned long line;         /* where it was allocated or resized */
};

/* One replay: the trace, its tables and the figures it prints. */
struct replay {
    const char *name;           /* the module's string */
    struct tracefile tf;
    void *op[REPLAY_MAX_CHUNKS];    /* every op, read once (struct
                                       tracefile_op): tf.nops in chunks */
    void *blk[REPLAY_MAX_CHUNKS];   /* struct replay_block: tf.nids */
    uint8_t *live;              /* TRACEFILE_LIVE_BYTES(tf.nids) */
    unsigned long corrupt_line; /* flip a byte of the block allocated
                                   here, to test the check; 0: none */
    uint64_t free_start;        /* page allocator's free bytes at start */
    uint64_t requested;         /* bytes the trace has allocated now */
    unsigned long serial;
    uint64_t peak_requested, peak_held, final_held, trimmed_held;
    uint64_t cycles_per_op;
};

MM_STATIC_ASSERT(sizeof(struct tracefile_op) <= 16 &&
                 sizeof(struct replay_block) <= 16 &&
                 (16UL << CHUNK_SHIFT) <= ((size_t)MM_PAGE << BUDDY_MAX_ORDER),
                 "a chunk of the tables fits one largest buddy block");

/* Op i of the trace. */
static inline struct tracefile_op *
op_at(const struct replay *r, unsigned long i)
{
    return (struct tracefile_op *)r->op[i >> CHUNK_SHIFT] + (i & CHUNK_MASK);
}

/* The block of id. */
static inline struct replay_block *
blk_at(const struct replay *r, unsigned long id)
{
    return (struct replay_block *)r->blk[id >> CHUNK_SHIFT] +
           (id & CHUNK_MASK);
}

/* How many of n entries chunk c holds. */
static inline unsigned long
chunk_entries(unsigned long n, unsigned long c)
{
    unsigned long left = n - (c << CHUNK_SHIFT);

    return left < CHUNK_ENTRIES ? left : CHUNK_ENTRIES;
}

/* ---- what the heap holds ------------------------------------------- */

/*
 * Bytes free in the page allocator now.  Nothing but kmalloc takes
 * pages during a replay, so the pages gone from here since the start are
 * what the heap took, as the host replay counts them: bucket pages, page
 * runs and the free room of its extents.  The one place that asks.
 */
static uint64_t
page_allocator_free_bytes(void)
{
    return (uint64_t)buddy_free_pages(kernel_buddy_allocator()) * MM_PAGE;
}

/* Gives the heap's cached pages back to the page allocator. */
static void
heap_give_back(void)
{
    kheap_trim(kmalloc_heap());
}

/* What the heap took from the page allocator since the start. */
static uint64_t
held_now(const struct replay *r)
{
    uint64_t free = page_allocator_free_bytes();

    return r->free_start > free ? r->free_start - free : 0;
}

/* ---- messages and tables -------------------------------------------- */

/* Prints "replay: NAME:LINE: what"; returns false for the caller. */
static bool
fail_at(const struct replay *r, unsigned long line, const char *fmt, ...)
{
    va_list ap;

    kprintf("replay: %s:%lu: ", r->name, line);
    va_start(ap, fmt);
    kvprintf(fmt, ap);
    va_end(ap);
    kprintf("\n");
    return false;
}

/* A block of pages for bytes from the page allocator; NULL if more than
 * its largest block, or if none is free. */
static void *
table_alloc(uint64_t bytes)
{
    unsigned order;

    for (order = 0; order <= BUDDY_MAX_ORDER; order++)
        if (((uint64_t)MM_PAGE << order) >= bytes)
            return kernel_pages_alloc(order);
    return NULL;
}

/*
 * Chunks for n entries of size bytes into chunk[]; false when more than
 * REPLAY_MAX_CHUNKS would be needed or the page allocator runs out (the
 * chunks had stay in chunk[], for unload).
 */
static bool
chunks_alloc(void **chunk, unsigned long n, size_t size)
{
    unsigned long c;

    if (n > (unsigned long)REPLAY_MAX_CHUNKS << CHUNK_SHIFT)
        return false;
    for (c = 0; c << CHUNK_SHIFT < n; c++)
        if ((chunk[c] = table_alloc((uint64_t)chunk_entries(n, c) *
                                    size)) == NULL)
            return false;
    return true;
}

static void
chunks_free(void **chunk)
{
    unsigned c;

    for (c = 0; c < REPLAY_MAX_CHUNKS && chunk[c] != NULL; c++)
        kernel_pages_free(chunk[c]);
}

/* Reads every op into r->op, and the ids' tables; false with a message. */
static bool
load(struct replay *r)
{
    struct tracefile *tf = &r->tf;
    unsigned long i, c;

    if (!chunks_alloc(r->op, tf->nops, sizeof(struct tracefile_op)))
        return fail_at(r, 3, "%lu ops: no memory for them", tf->nops);
    if (!chunks_alloc(r->blk, tf->nids, sizeof(struct replay_block)) ||
        (r->live = table_alloc(TRACEFILE_LIVE_BYTES(tf->nids))) == NULL)
        return fail_at(r, 2, "%lu ids: no memory for them", tf->nids);
    if (!tracefile_validate(tf, r->live)) {
        kprintf("replay: %s:%s\n", r->name, tf->msg);
        return false;
    }
    for (i = 0; i < tf->nops; i++)
        tracefile_next(tf, op_at(r, i));    /* validated: each is an op */
    for (c = 0; c << CHUNK_SHIFT < tf->nids; c++)
        memset(r->blk[c], 0,
               chunk_entries(tf->nids, c) * sizeof(struct replay_block));
    return true;
}

static void
unload(struct replay *r)
{
    chunks_free(r->op);
    chunks_free(r->blk);
    if (r->live != NULL)
        kernel_pages_free(r->live);
}

/* ---- the checked pass ----------------------------------------------- */

static inline uint8_t
pattern(unsigned long serial, size_t i)
{
    return (uint8_t)(serial * 151 + 17 + i * 7 + (i >> 8));
}

static void
fill(const struct replay_block *b)
{
    size_t i;

    for (i = 0; i < b->bytes; i++)
        b->p[i] = pattern(b->serial, i);
}

/* The first n bytes of b kept their pattern; else a message for op. */
static bool
intact(const struct replay *r, const struct replay_block *b, size_t n,
       const struct tracefile_op *op)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (b->p[i] != pattern(b->serial, i))
            return fail_at(r, op->line, "block of id %lu (allocated at "
                           "line %lu) changed at byte %zu", op->id, b->line,
                           i);
    return true;
}

/* kmalloc or krealloc gave p for op: a block, as large as asked. */
static bool
got_block(const struct replay *r, const void *p,
          const struct tracefile_op *op)
{
    if (p == NULL && op->bytes != 0 && buddy_order_for(op->bytes) < 0)
        return fail_at(r, op->line, "kmalloc returned NULL for %zu bytes: "
                       "more than the largest block, %zu bytes", op->bytes,
                       (size_t)MM_PAGE << BUDDY_MAX_ORDER);
    if (p == NULL && op->bytes != 0)
        return fail_at(r, op->line, "kmalloc returned NULL for %zu bytes",
                       op->bytes);
    if (p != NULL && ksize(p) < op->bytes)
        return fail_at(r, op->line, "ksize %zu is less than the %zu bytes "
                       "asked", ksize(p), op->bytes);
    return true;
}

/* A new pattern over the block of op, and the sums of what is asked. */
static void
take(struct replay *r, struct replay_block *b, const struct tracefile_op *op)
{
    r->requested += op->bytes;
    b->bytes = op->bytes;
    b->serial = ++r->serial;
    b->line = op->line;
    fill(b);
    if (op->line == r->corrupt_line && b->bytes > 0)
        b->p[0] ^= 0xFF;                    /* a stray write, on request */
}

static bool
checked_op(struct replay *r, const struct tracefile_op *op)
{
    struct replay_block *b = blk_at(r, op->id);
    size_t keep = b->bytes < op->bytes ? b->bytes : op->bytes;
    void *p;

    if (op->kind == 'a') {
        b->p = kmalloc(op->bytes);
        if (!got_block(r, b->p, op))
            return false;
        take(r, b, op);
        return true;
    }
    if (!intact(r, b, b->bytes, op))
        return false;
    r->requested -= b->bytes;
    if (op->kind == 'f') {
        kfree(b->p);
        b->p = NULL;
        b->bytes = 0;
        return true;
    }
    p = krealloc(b->p, op->bytes);
    if (!got_block(r, p, op))
        return false;                   /* b->p is still the old block */
    b->p = p;
    if (!intact(r, b, keep, op))
        return false;
    take(r, b, op);
    return true;
}

/* Frees every block the trace left allocated. */
static void
free_rest(struct replay *r)
{
    unsigned long i;

    for (i = 0; i < r->tf.nids; i++) {
        kfree(blk_at(r, i)->p);
        blk_at(r, i)->p = NULL;
    }
}

static bool
checked_pass(struct replay *r)
{
    uint64_t held;
    unsigned long i;
    bool ok = true;

    for (i = 0; i < r->tf.nops && ok; i++) {
        ok = checked_op(r, op_at(r, i));
        held = held_now(r);
        if (r->requested > r->peak_requested)
            r->peak_requested = r->requested;
        if (held > r->peak_held)
            r->peak_held = held;
    }
    r->final_held = held_now(r);
    free_rest(r);
    heap_give_back();
    r->trimmed_held = held_now(r);
    return ok;
}

/* ---- the timed passes ----------------------------------------------- */

/* One pass making the calls alone; returns its TSC cycles. */
static uint64_t
timed_pass(struct replay *r)
{
    const struct tracefile_op *op, *end;
    struct replay_block *b;
    uint64_t t0 = rdtsc(), cycles;
    unsigned long c;

    for (c = 0; c << CHUNK_SHIFT < r->tf.nops; c++) {
        op = (const struct tracefile_op *)r->op[c];
        end = op + chunk_entries(r->tf.nops, c);
        for (; op < end; op++) {
            b = blk_at(r, op->id);
            if (op->kind == 'a')
                b->p = kmalloc(op->bytes);
            else if (op->kind == 'f') {
                kfree(b->p);
                b->p = NULL;
            } else
                b->p = krealloc(b->p, op->bytes);
        }
    }
    cycles = rdtsc() - t0;
    free_rest(r);                       /* untimed: what the trace left */
    heap_give_back();
    return cycles;
}

/* The median pass's cycles over the number of ops. */
static void
timed_passes(struct replay *r)
{
    uint64_t c[REPLAY_TIMED_PASSES], x;
    unsigned i, j;

    for (i = 0; i < REPLAY_TIMED_PASSES; i++) {
        x = timed_pass(r);
        for (j = i; j > 0 && c[j - 1] > x; j--)     /* insertion sort */
            c[j] = c[j - 1];
        c[j] = x;
    }
    r->cycles_per_op = c[REPLAY_TIMED_PASSES / 2] /
                       (r->tf.nops ? r->tf.nops : 1);
}

/*
 * The module still holds the ops read before the replay: its pages were
 * reserved before the page allocator started, so none of the blocks
 * filled meanwhile can lie on them.  False, with a message, if one did.
 */
static bool
module_intact(struct replay *r)
{
    struct tracefile_op op;
    const struct tracefile_op *had;
    unsigned long i;

    tracefile_rewind(&r->tf);
    for (i = 0; i < r->tf.nops; i++) {
        had = op_at(r, i);
        if (tracefile_next(&r->tf, &op) != 1 || op.kind != had->kind ||
            op.id != had->id || op.bytes != had->bytes)
            return fail_at(r, had->line, "the trace changed in memory "
                           "during the replay");
    }
    return true;
}

/* ---- the report ----------------------------------------------------- */

static void
report(const struct replay *r)
{
    uint64_t permille = r->peak_held ?          /* rounded to nearest */
        (r->peak_requested * 1000 + r->peak_held / 2) / r->peak_held : 0;

    kprintf("replay: ops %lu\n", r->tf.nops);
    kprintf("replay: peak requested %llu bytes\n",
            (unsigned long long)r->peak_requested);
    kprintf("replay: peak held %llu bytes\n",
            (unsigned long long)r->peak_held);
    kprintf("replay: utilisation %llu.%llu%%\n",
            (unsigned long long)permille / 10,
            (unsigned long long)permille % 10);
    kprintf("replay: final held %llu bytes\n",
            (unsigned long long)r->final_held);
    kprintf("replay: held after freeing the rest and trimming %llu bytes\n",
            (unsigned long long)r->trimmed_held);
    kprintf("replay: time %llu TSC cycles per op (calls alone, median of "
            "%u passes)\n", (unsigned long long)r->cycles_per_op,
            REPLAY_TIMED_PASSES);
    kprintf("replay: contents: every block filled, checked before each "
            "free and realloc: all intact\n");
}

bool
replay_module(unsigned i, unsigned long corrupt_line)
{
    struct replay r = { .corrupt_line = corrupt_line };
    uint64_t start, end;
    bool ok;

    memmap_boot_module(i, &start, &end, &r.name);
    if (r.name == NULL || r.name[0] == '\0')
        r.name = "module";
    if (!tracefile_open(&r.tf, (const void *)(uintptr_t)start,
                        (size_t)(end - start))) {
        kprintf("replay: %s:%s\n", r.name, r.tf.msg);
        return false;
    }
    ok = load(&r);
    if (ok) {
        kprintf("replay: %s: %lu ids, %lu ops (%lu a, %lu f, %lu r)\n",
                r.name, r.tf.nids, r.tf.nops, r.tf.counts[0],
                r.tf.counts[1], r.tf.counts[2]);
        heap_give_back();
        r.free_start = page_allocator_free_bytes();
        ok = checked_pass(&r);
    }
    if (ok) {
        timed_passes(&r);
        ok = module_intact(&r);
    }
    if (ok)
        report(&r);
    unload(&r);
    kprintf("replay: %s %s\n", r.name, ok ? "done" : "stopped");
    return ok;
}

bool
replay_boot(void)
{
    unsigned i, n = memmap_boot_nmodules();
    bool ok = n > 0;

    if (n == 0)
        kprintf("replay: no trace: boot with a module, e.g. make run "
                "TRACE=tests/traces/tiny.rep ARGS=replay\n");
    for (i = 0; i < n; i++)
        ok &= replay_module(i, 0);
    return ok;
}
