/*
 * mm/memmap_test.c - crafted memory maps, in kernel and on host.
 *
 * Each test writes a map the way a boot loader would (size field, base,
 * length, type, little-endian), runs the pipeline and checks the exact
 * result, then checks the invariant of the free regions with
 * memmap_check().
 */
#include "memmap.h"
#include "test.h"

#define KiB     1024ULL
#define MiB     (1024 * KiB)
#define GiB     (1024 * MiB)

/* A map being written: bytes as GRUB lays them out. */
struct map_buf {
    uint8_t bytes[2048];
    size_t len;
};

static void
put_le(uint8_t *p, uint64_t v, unsigned nbytes)
{
    unsigned i;

    for (i = 0; i < nbytes; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* Appends one entry whose size field says size (20 normally). */
static void
entry_sized(struct map_buf *mb, uint32_t size, uint64_t base, uint64_t len,
            uint32_t type)
{
    uint8_t *p = mb->bytes + mb->len;

    mm_memset(p, 0xEE, 4 + size);       /* padding beyond 20 bytes */
    put_le(p, size, 4);
    put_le(p + 4, base, 8);
    put_le(p + 12, len, 8);
    put_le(p + 20, type, 4);
    mb->len += 4 + size;
}

static void
entry(struct map_buf *mb, uint64_t base, uint64_t len, uint32_t type)
{
    entry_sized(mb, 20, base, len, type);
}

/* Parses, sanitises and computes free regions with no reservations. */
static struct memmap *
run(struct mm_t *t, struct map_buf *mb, enum memmap_err want)
{
    struct memmap *m = mm_test_static(sizeof *m);

    memmap_init(m);
    mm_test_catch_panics(t);
    MM_CHECK_EQ(t, memmap_parse(m, mb->bytes, mb->len), want);
    mm_test_release_panics(t);
    MM_CHECK_EQ(t, t->npanics, want != MEMMAP_OK);
    t->npanics = 0;
    memmap_sanitise(m);
    memmap_compute_free(m);
    return m;
}

/* Is map entry i exactly [base, end) of type? */
static bool
map_is(const struct memmap *m, unsigned i, uint64_t base, uint64_t end,
       uint32_t type)
{
    return i < m->nmap && m->map[i].base == base && m->map[i].end == end &&
           m->map[i].type == type;
}

static bool
free_is(const struct memmap *m, unsigned i, uint64_t base, uint64_t end)
{
    return i < m->nfree && m->free[i].base == base && m->free[i].end == end;
}

MM_TEST(memmap, unsorted_entries_are_sorted)
{
    struct map_buf mb = { .len = 0 };
    struct memmap *m;

    entry(&mb, 1 * MiB, 7 * MiB, MEMMAP_USABLE);
    entry(&mb, 0, 640 * KiB, MEMMAP_USABLE);
    entry(&mb, 0xF0000, 64 * KiB, MEMMAP_RESERVED);
    m = run(t, &mb, MEMMAP_OK);
    MM_CHECK_EQ(t, m->nraw, 3);
    MM_CHECK_EQ(t, m->nmap, 3);
    MM_CHECK(t, map_is(m, 0, 0, 640 * KiB, MEMMAP_USABLE));
    MM_CHECK(t, map_is(m, 1, 0xF0000, 1 * MiB, MEMMAP_RESERVED));
    MM_CHECK(t, map_is(m, 2, 1 * MiB, 8 * MiB, MEMMAP_USABLE));
    MM_CHECK_EQ(t, m->nfree, 2);
    MM_CHECK_EQ(t, memmap_usable_bytes(m), 640 * KiB + 7 * MiB);
    MM_CHECK_EQ(t, memmap_check(m), 0);
}

/*
 * usable [0, 16M) with reserved [4M, 5M), ACPI NVS [4.5M, 6M) and
 * unusable [10M, 11M) inside:
 *   usable 0-4M, reserved 4-4.5M, NVS 4.5-6M, usable 6-10M,
 *   unusable 10-11M, usable 11-16M.
 */
MM_TEST(memmap, overlaps_resolved_restrictive_type_wins)
{
    struct map_buf mb = { .len = 0 };
    struct memmap *m;

    entry(&mb, 0, 16 * MiB, MEMMAP_USABLE);
    entry(&mb, 4 * MiB, 1 * MiB, MEMMAP_RESERVED);
    entry(&mb, 4 * MiB + 512 * KiB, 1536 * KiB, MEMMAP_ACPI_NVS);
    entry(&mb, 10 * MiB, 1 * MiB, MEMMAP_UNUSABLE);
    m = run(t, &mb, MEMMAP_OK);
    MM_CHECK_EQ(t, m->nmap, 6);
    MM_CHECK(t, map_is(m, 0, 0, 4 * MiB, MEMMAP_USABLE));
    MM_CHECK(t, map_is(m, 1, 4 * MiB, 4 * MiB + 512 * KiB,
                       MEMMAP_RESERVED));
    MM_CHECK(t, map_is(m, 2, 4 * MiB + 512 * KiB, 6 * MiB,
                       MEMMAP_ACPI_NVS));
    MM_CHECK(t, map_is(m, 3, 6 * MiB, 10 * MiB, MEMMAP_USABLE));
    MM_CHECK(t, map_is(m, 4, 10 * MiB, 11 * MiB, MEMMAP_UNUSABLE));
    MM_CHECK(t, map_is(m, 5, 11 * MiB, 16 * MiB, MEMMAP_USABLE));
    MM_CHECK_EQ(t, memmap_usable_bytes(m), 13 * MiB);
    MM_CHECK_EQ(t, memmap_check(m), 0);
}

/* Unknown types count as reserved and beat usable; ACPI data loses to
 * reserved. */
MM_TEST(memmap, unknown_types_are_reserved)
{
    struct map_buf mb = { .len = 0 };
    struct memmap *m;

    entry(&mb, 0, 2 * MiB, MEMMAP_USABLE);
    entry(&mb, 1 * MiB, 1 * MiB, 12);
    entry(&mb, 4 * MiB, 2 * MiB, MEMMAP_ACPI_DATA);
    entry(&mb, 5 * MiB, 2 * MiB, MEMMAP_RESERVED);
    m = run(t, &mb, MEMMAP_OK);
    MM_CHECK(t, map_is(m, 0, 0, 1 * MiB, MEMMAP_USABLE));
    MM_CHECK(t, map_is(m, 1, 1 * MiB, 2 * MiB, MEMMAP_RESERVED));
    MM_CHECK(t, map_is(m, 2, 4 * MiB, 5 * MiB, MEMMAP_ACPI_DATA));
    MM_CHECK(t, map_is(m, 3, 5 * MiB, 7 * MiB, MEMMAP_RESERVED));
    MM_CHECK_STR(t, memmap_type_name(12), "reserved");
    MM_CHECK_STR(t, memmap_type_name(MEMMAP_ACPI_NVS), "ACPI NVS");
}

MM_TEST(memmap, zero_length_and_duplicates)
{
    struct map_buf mb = { .len = 0 };
    struct memmap *m;

    entry(&mb, 1 * MiB, 0, MEMMAP_RESERVED);        /* empty: dropped */
    entry(&mb, 1 * MiB, 3 * MiB, MEMMAP_USABLE);
    entry(&mb, 1 * MiB, 3 * MiB, MEMMAP_USABLE);    /* duplicate */
    entry(&mb, 4 * MiB, 1 * MiB, MEMMAP_USABLE);    /* touching: merged */
    m = run(t, &mb, MEMMAP_OK);
    MM_CHECK_EQ(t, m->nraw, 4);
    MM_CHECK_EQ(t, m->nmap, 1);
    MM_CHECK(t, map_is(m, 0, 1 * MiB, 5 * MiB, MEMMAP_USABLE));
    MM_CHECK_EQ(t, memmap_usable_bytes(m), 4 * MiB);
    MM_CHECK(t, free_is(m, 0, 1 * MiB, 5 * MiB));
}

MM_TEST(memmap, four_gib_limit)
{
    struct map_buf mb = { .len = 0 };
    struct memmap *m;

    entry(&mb, 1 * MiB, 3 * GiB - 1 * MiB, MEMMAP_USABLE);
    entry(&mb, 4 * GiB - 256 * MiB, 512 * MiB, MEMMAP_USABLE); /* straddles */
    entry(&mb, 4 * GiB + 512 * MiB, 1 * GiB, MEMMAP_USABLE);   /* above */
    entry(&mb, 6 * GiB, 1 * GiB, MEMMAP_RESERVED);             /* above */
    m = run(t, &mb, MEMMAP_OK);
    MM_CHECK_EQ(t, m->nmap, 2);
    MM_CHECK(t, map_is(m, 1, 4 * GiB - 256 * MiB, 4 * GiB, MEMMAP_USABLE));
    MM_CHECK_EQ(t, m->ignored_bytes, 256 * MiB + 1 * GiB);
    MM_CHECK(t, free_is(m, 1, 4 * GiB - 256 * MiB, 4 * GiB));
    MM_CHECK_EQ(t, memmap_check(m), 0);
}

/* An entry size above 20 is skipped over by its size field. */
MM_TEST(memmap, entry_size_larger_than_20)
{
    struct map_buf mb = { .len = 0 };
    struct memmap *m;

    entry_sized(&mb, 24, 0, 640 * KiB, MEMMAP_USABLE);
    entry_sized(&mb, 36, 1 * MiB, 1 * MiB, MEMMAP_USABLE);
    entry(&mb, 2 * MiB, 1 * MiB, MEMMAP_RESERVED);
    m = run(t, &mb, MEMMAP_OK);
    MM_CHECK_EQ(t, m->nraw, 3);
    MM_CHECK(t, map_is(m, 1, 1 * MiB, 2 * MiB, MEMMAP_USABLE));
    MM_CHECK(t, map_is(m, 2, 2 * MiB, 3 * MiB, MEMMAP_RESERVED));
}

MM_TEST(memmap, empty_map)
{
    struct map_buf mb = { .len = 0 };
    struct memmap *m = run(t, &mb, MEMMAP_OK);

    MM_CHECK_EQ(t, m->nraw, 0);
    MM_CHECK_EQ(t, m->nmap, 0);
    MM_CHECK_EQ(t, m->nfree, 0);
    MM_CHECK_EQ(t, memmap_usable_bytes(m), 0);
}

/* A length that ends inside an entry keeps the entries before it. */
MM_TEST(memmap, length_cuts_an_entry)
{
    struct map_buf mb = { .len = 0 };
    struct memmap *m;

    entry(&mb, 0, 640 * KiB, MEMMAP_USABLE);
    entry(&mb, 1 * MiB, 8 * MiB, MEMMAP_USABLE);
    mb.len -= 10;
    m = run(t, &mb, MEMMAP_ERR_TRUNCATED);
    MM_CHECK_EQ(t, m->nraw, 1);
    MM_CHECK_EQ(t, m->nerr[MEMMAP_ERR_TRUNCATED], 1);
    MM_CHECK(t, free_is(m, 0, 0, 640 * KiB));
    /* A size field below 20 cannot be trusted: parsing stops there. */
    mb.len = 0;
    entry(&mb, 0, 640 * KiB, MEMMAP_USABLE);
    entry_sized(&mb, 12, 1 * MiB, 8 * MiB, MEMMAP_USABLE);
    entry(&mb, 16 * MiB, 8 * MiB, MEMMAP_USABLE);
    m = run(t, &mb, MEMMAP_ERR_ENTRY_SIZE);
    MM_CHECK_EQ(t, m->nraw, 1);
}

MM_TEST(memmap, more_entries_than_the_table)
{
    static struct map_buf mb;
    struct memmap *m;
    unsigned i;

    mb.len = 0;
    for (i = 0; i < MEMMAP_MAX_ENTRIES + 5; i++)
        entry(&mb, (uint64_t)i * 2 * MiB, 1 * MiB, MEMMAP_USABLE);
    m = run(t, &mb, MEMMAP_ERR_TOO_MANY);
    MM_CHECK_EQ(t, m->nraw, MEMMAP_MAX_ENTRIES);
    MM_CHECK_EQ(t, m->nmap, MEMMAP_MAX_ENTRIES);
    MM_CHECK_EQ(t, m->nerr[MEMMAP_ERR_TOO_MANY], 1);
    MM_CHECK_EQ(t, memmap_check(m), 0);
}

/*
 * A kernel at [1M, 1M+200K) and a module at [3M+100, 3M+5000) inside
 * usable [1M, 8M): the free regions go around both, on page boundaries.
 */
MM_TEST(memmap, reservations_cut_usable_ranges)
{
    struct map_buf mb = { .len = 0 };
    struct memmap *m;

    entry(&mb, 0, 640 * KiB, MEMMAP_USABLE);
    entry(&mb, 1 * MiB, 7 * MiB, MEMMAP_USABLE);
    m = run(t, &mb, MEMMAP_OK);
    MM_CHECK_EQ(t, memmap_reserve(m, 3 * MiB + 100, 3 * MiB + 5000,
                                  "module"), MEMMAP_OK);
    MM_CHECK_EQ(t, memmap_reserve(m, 1 * MiB, 1 * MiB + 200 * KiB,
                                  "kernel"), MEMMAP_OK);
    MM_CHECK_EQ(t, memmap_reserve(m, 0, MM_PAGE, "page 0"), MEMMAP_OK);
    memmap_compute_free(m);
    MM_CHECK_EQ(t, m->nfree, 3);
    MM_CHECK(t, free_is(m, 0, MM_PAGE, 640 * KiB));
    MM_CHECK(t, free_is(m, 1, 1 * MiB + 200 * KiB, 3 * MiB));
    MM_CHECK(t, free_is(m, 2, 3 * MiB + 2 * MM_PAGE, 8 * MiB));
    MM_CHECK_STR(t, m->rsv[0].why, "page 0");       /* kept sorted */
    MM_CHECK_EQ(t, memmap_check(m), 0);
    MM_CHECK_EQ(t, memmap_free_bytes(m), 636 * KiB + 1848 * KiB +
                5 * MiB - 2 * MM_PAGE);
    /* A backwards range is an error and changes nothing. */
    mm_test_catch_panics(t);
    MM_CHECK_EQ(t, memmap_reserve(m, 5 * MiB, 4 * MiB, "bad"),
                MEMMAP_ERR_RANGE);
    mm_test_release_panics(t);
    MM_CHECK_EQ(t, m->nrsv, 3);
    /* An empty range is accepted and ignored. */
    MM_CHECK_EQ(t, memmap_reserve(m, 5 * MiB, 5 * MiB, "none"), MEMMAP_OK);
    MM_CHECK_EQ(t, m->nrsv, 3);
}

/* Usable ranges are shrunk inward to whole pages. */
MM_TEST(memmap, unaligned_usable_ranges)
{
    struct map_buf mb = { .len = 0 };
    struct memmap *m;

    entry(&mb, 0x1234, 0x10000, MEMMAP_USABLE);     /* 0x1234-0x11233 */
    entry(&mb, 0x20800, 0x800, MEMMAP_USABLE);      /* no whole page */
    m = run(t, &mb, MEMMAP_OK);
    MM_CHECK_EQ(t, m->nfree, 1);
    MM_CHECK(t, free_is(m, 0, 0x2000, 0x11000));
    MM_CHECK_EQ(t, memmap_usable_bytes(m), 0x10000 + 0x800);
    MM_CHECK_EQ(t, memmap_check(m), 0);
}

/* The mem_lower/mem_upper fallback: two synthetic usable ranges. */
MM_TEST(memmap, fallback_ranges)
{
    struct memmap *m = mm_test_static(sizeof *m);

    memmap_init(m);
    MM_CHECK_EQ(t, memmap_add(m, 0, 639 * KiB, MEMMAP_USABLE), MEMMAP_OK);
    MM_CHECK_EQ(t, memmap_add(m, 1 * MiB, 31 * MiB, MEMMAP_USABLE),
                MEMMAP_OK);
    memmap_sanitise(m);
    memmap_compute_free(m);
    MM_CHECK_EQ(t, m->nfree, 2);
    MM_CHECK(t, free_is(m, 0, 0, 636 * KiB));      /* 639K: 3 KiB cut */
    MM_CHECK(t, free_is(m, 1, 1 * MiB, 32 * MiB));
    MM_CHECK_EQ(t, memmap_check(m), 0);
}

/* The checker itself finds a broken result. */
MM_TEST(memmap, check_finds_overlap)
{
    struct memmap *m = mm_test_static(sizeof *m);
    static char out[128];

    memmap_init(m);
    memmap_add(m, 0, 8 * MiB, MEMMAP_USABLE);
    memmap_sanitise(m);
    memmap_reserve(m, 2 * MiB, 3 * MiB, "x");
    memmap_compute_free(m);
    MM_CHECK_EQ(t, memmap_check(m), 0);
    m->free[0].end = 2 * MiB + MM_PAGE;              /* break it */
    mm_test_capture_prints(out, sizeof out);
    MM_CHECK_EQ(t, memmap_check(m), 1);
    mm_test_release_prints();
    MM_CHECK_STR(t, out, "memmap: check: free region 0 overlaps a "
                 "reservation\n");
}

/*
 * A reservation that ends within a page of 2^64: rounding its end up
 * must not wrap to 0, or the reservation is skipped and usable
 * [1 MiB, 2 MiB) stays free underneath it.
 */
MM_TEST(memmap, reservation_near_top_of_memory)
{
    struct memmap *m = mm_test_static(sizeof *m);

    memmap_init(m);
    memmap_add(m, 1 * MiB, 1 * MiB, MEMMAP_USABLE);
    memmap_add(m, 4 * MiB, 1 * MiB, MEMMAP_USABLE);
    memmap_sanitise(m);
    MM_CHECK_EQ(t, memmap_reserve(m, 1 * MiB, 0xfffffffffffff001ULL,
                                  "top"), MEMMAP_OK);
    memmap_compute_free(m);
    MM_CHECK_EQ(t, m->nfree, 0);
    MM_CHECK_EQ(t, memmap_check(m), 0);
    /* The same with the very last byte, and one ending at 2^64 - 1. */
    memmap_init(m);
    memmap_add(m, 1 * MiB, 1 * MiB, MEMMAP_USABLE);
    memmap_sanitise(m);
    memmap_reserve(m, 1 * MiB + MM_PAGE, ~0ULL, "all");
    memmap_compute_free(m);
    MM_CHECK_EQ(t, m->nfree, 1);
    MM_CHECK(t, free_is(m, 0, 1 * MiB, 1 * MiB + MM_PAGE));
    MM_CHECK_EQ(t, memmap_check(m), 0);
}

MM_TEST(memmap, type_names)
{
    MM_CHECK_STR(t, memmap_type_name(MEMMAP_USABLE), "usable");
    MM_CHECK_STR(t, memmap_type_name(MEMMAP_RESERVED), "reserved");
    MM_CHECK_STR(t, memmap_type_name(MEMMAP_ACPI_DATA), "ACPI data");
    MM_CHECK_STR(t, memmap_type_name(MEMMAP_ACPI_NVS), "ACPI NVS");
    MM_CHECK_STR(t, memmap_type_name(MEMMAP_UNUSABLE), "unusable");
    MM_CHECK_STR(t, memmap_type_name(0), "reserved");
}

/*
 * The reports, word for word: usable [0, 640K), an empty entry, usable
 * [1M, 8M); page 0 and a 200 KiB kernel at 1M reserved.
 */
MM_TEST(memmap, reports_exact_text)
{
    struct memmap *m = mm_test_static(sizeof *m);
    static char out[1024];

    memmap_init(m);
    memmap_add(m, 0, 640 * KiB, MEMMAP_USABLE);
    memmap_add(m, 1 * MiB, 0, MEMMAP_RESERVED);
    memmap_add(m, 1 * MiB, 7 * MiB, MEMMAP_USABLE);
    memmap_sanitise(m);
    memmap_reserve(m, 1 * MiB, 1 * MiB + 200 * KiB, "kernel");
    memmap_reserve(m, 0, MM_PAGE, "page 0");
    memmap_compute_free(m);
    mm_test_capture_prints(out, sizeof out);
    memmap_print_raw(m);
    memmap_print_reserved(m);
    memmap_print_free(m);
    memmap_print_summary(m);
    mm_test_release_prints();
    MM_CHECK_STR(t, out,
        "mmap: [mem 0x0000000000000000-0x000000000009ffff] usable\n"
        "mmap: [mem 0x0000000000100000-0x0000000000100000] reserved "
        "(empty)\n"
        "mmap: [mem 0x0000000000100000-0x00000000007fffff] usable\n"
        "memmap: reserved [mem 0x0000000000000000-0x0000000000000fff] "
        "page 0\n"
        "memmap: reserved [mem 0x0000000000100000-0x0000000000131fff] "
        "kernel\n"
        "memmap: free [mem 0x0000000000001000-0x000000000009ffff] 636 KiB\n"
        "memmap: free [mem 0x0000000000132000-0x00000000007fffff] "
        "6968 KiB\n"
        "memory: 7808 KiB usable, 204 KiB reserved, 7604 KiB free in 2 "
        "regions, 0 KiB ignored above 4 GiB\n");
}

/* More pieces than the sanitised map holds: the first 64 are kept. */
MM_TEST(memmap, sanitised_map_full)
{
    struct memmap *m = mm_test_static(sizeof *m);
    unsigned i;

    memmap_init(m);
    memmap_add(m, 0, 128 * MiB, MEMMAP_USABLE);
    for (i = 0; i < 63; i++)            /* 63 holes: 127 pieces */
        memmap_add(m, i * MiB + 512 * KiB, MM_PAGE, MEMMAP_RESERVED);
    mm_test_catch_panics(t);
    memmap_sanitise(m);
    mm_test_release_panics(t);
    /* The last piece dropped: from the last hole's end to 128M. */
    MM_CHECK_PANIC(t, "memmap: table full", 62 * MiB + 512 * KiB + MM_PAGE);
    MM_CHECK_EQ(t, m->nmap, MEMMAP_MAX_ENTRIES);
    MM_CHECK_EQ(t, m->nerr[MEMMAP_ERR_TOO_MANY], 127 - MEMMAP_MAX_ENTRIES);
    memmap_compute_free(m);
    MM_CHECK_EQ(t, m->nfree, MEMMAP_MAX_ENTRIES / 2);
    MM_CHECK_EQ(t, memmap_check(m), 0);
}

/* Reservations beyond the table are refused; free regions beyond theirs
 * are dropped; both counted. */
MM_TEST(memmap, reservation_and_free_tables_full)
{
    struct memmap *m = mm_test_static(sizeof *m);
    unsigned i;

    memmap_init(m);
    for (i = 0; i < 40; i++)            /* 40 usable ranges of 2 MiB */
        memmap_add(m, i * 4 * MiB, 2 * MiB, MEMMAP_USABLE);
    memmap_sanitise(m);
    for (i = 0; i < MEMMAP_MAX_RESERVED; i++)   /* each cuts one in two */
        MM_CHECK_EQ(t, memmap_reserve(m, i * 4 * MiB + 1 * MiB,
                                      i * 4 * MiB + 1 * MiB + 1, "x"),
                    MEMMAP_OK);
    mm_test_catch_panics(t);
    MM_CHECK_EQ(t, memmap_reserve(m, 200 * MiB, 201 * MiB, "one more"),
                MEMMAP_ERR_TOO_MANY);
    MM_CHECK_PANIC(t, "memmap: table full", 200 * MiB);
    MM_CHECK_EQ(t, m->nrsv, MEMMAP_MAX_RESERVED);
    memmap_compute_free(m);            /* 72 regions: 8 dropped */
    mm_test_release_panics(t);
    MM_CHECK_EQ(t, m->nfree, MEMMAP_MAX_FREE);
    MM_CHECK_EQ(t, m->nerr[MEMMAP_ERR_TOO_MANY], 1 + 8);
    MM_CHECK_EQ(t, memmap_check(m), 0);
}

/* Each way free[] can be wrong gets its own line from the checker. */
MM_TEST(memmap, check_names_each_violation)
{
    struct memmap *m = mm_test_static(sizeof *m);
    static char out[512];

    memmap_init(m);
    memmap_add(m, 0, 8 * MiB, MEMMAP_USABLE);
    memmap_sanitise(m);
    memmap_reserve(m, 2 * MiB, 3 * MiB, "x");
    memmap_compute_free(m);            /* [0, 2M) and [3M, 8M) */
    m->free[2] = (struct memmap_range){ 6 * MiB, 7 * MiB, 1, NULL };
    m->free[3] = (struct memmap_range){ 9 * MiB, 9 * MiB + 1, 1, NULL };
    m->free[4] = (struct memmap_range){ 10 * MiB, 10 * MiB, 1, NULL };
    m->free[5] = (struct memmap_range){ 12 * MiB, 13 * MiB, 1, NULL };
    m->free[6] = (struct memmap_range){ MEMMAP_LIMIT, MEMMAP_LIMIT + MM_PAGE,
                                       1, NULL };
    m->nfree = 7;
    mm_test_capture_prints(out, sizeof out);
    MM_CHECK_EQ(t, memmap_check(m), 5);
    mm_test_release_prints();
    MM_CHECK_STR(t, out,
        "memmap: check: free region 2 unsorted or overlapping\n"
        "memmap: check: free region 3 unaligned or empty\n"
        "memmap: check: free region 4 unaligned or empty\n"
        "memmap: check: free region 5 outside usable memory\n"
        "memmap: check: free region 6 outside usable memory\n");
}

/*
 * The size the comment of mm/memmap.c talks about, printed from sizeof
 * so that no comment has to quote a number.
 */
MM_TEST(memmap, sizes)
{
    mm_print("memmap: sizeof struct memmap %zu bytes\n",
             sizeof(struct memmap));
    MM_CHECK(t, sizeof(struct memmap) >=
                (2 * MEMMAP_MAX_ENTRIES + MEMMAP_MAX_RESERVED +
                 MEMMAP_MAX_FREE) * sizeof(struct memmap_range));
}
