/*
 * mm/memmap.h - the physical memory map: parse, sanitise, reserve.
 *
 * Turns the raw map a boot loader hands over into a sorted list of free,
 * page-aligned regions that overlap nothing in use.  Knows nothing of
 * where the map came from: it reads bytes and ranges.  See mm/memmap.c.
 */
#ifndef MM_MEMMAP_H
#define MM_MEMMAP_H

#include "port.h"

#define MEMMAP_MAX_ENTRIES  64      /* raw and sanitised entries kept */
#define MEMMAP_MAX_RESERVED 32      /* reservations */
#define MEMMAP_MAX_FREE     64      /* free regions */
#define MEMMAP_LIMIT        0x100000000ULL  /* 4 GiB: nothing kept above */

/* The e820 types, as the Multiboot map numbers them. */
enum memmap_type {
    MEMMAP_USABLE = 1,
    MEMMAP_RESERVED = 2,            /* also every unknown type */
    MEMMAP_ACPI_DATA = 3,           /* ACPI tables, reclaimable */
    MEMMAP_ACPI_NVS = 4,            /* ACPI non-volatile storage */
    MEMMAP_UNUSABLE = 5,            /* bad RAM */
};

enum memmap_err {
    MEMMAP_OK = 0,
    MEMMAP_ERR_ENTRY_SIZE,          /* an entry's size field below 20 */
    MEMMAP_ERR_TRUNCATED,           /* the buffer ends inside an entry */
    MEMMAP_ERR_TOO_MANY,            /* a table is full; the rest dropped */
    MEMMAP_ERR_RANGE,               /* a range that ends before it starts */
    MEMMAP_ERR_COUNT                /* keep last */
};

/* A range of physical memory [base, end): end is exclusive here. */
struct memmap_range {
    uint64_t base;
    uint64_t end;
    uint32_t type;                  /* enum memmap_type, or raw value */
    const char *why;                /* reservations: what is there */
};

struct memmap {
    struct memmap_range raw[MEMMAP_MAX_ENTRIES];    /* as handed over */
    unsigned nraw;
    struct memmap_range map[MEMMAP_MAX_ENTRIES];    /* sanitised */
    unsigned nmap;
    struct memmap_range rsv[MEMMAP_MAX_RESERVED];   /* sorted by base */
    unsigned nrsv;
    struct memmap_range free[MEMMAP_MAX_FREE];      /* the result */
    unsigned nfree;
    uint64_t ignored_bytes;         /* usable memory at/above 4 GiB */
    unsigned long nerr[MEMMAP_ERR_COUNT];
};

extern const char *const memmap_err_name[MEMMAP_ERR_COUNT];

void memmap_init(struct memmap *m);
enum memmap_err memmap_parse(struct memmap *m, const void *buf, size_t len);
enum memmap_err memmap_add(struct memmap *m, uint64_t base, uint64_t len,
                           uint32_t type);
void memmap_sanitise(struct memmap *m);
enum memmap_err memmap_reserve(struct memmap *m, uint64_t base,
                               uint64_t end, const char *why);
void memmap_compute_free(struct memmap *m);

const char *memmap_type_name(uint32_t type);
uint64_t memmap_usable_bytes(const struct memmap *m);
uint64_t memmap_free_bytes(const struct memmap *m);

void memmap_print_raw(const struct memmap *m);
void memmap_print_reserved(const struct memmap *m);
void memmap_print_free(const struct memmap *m);
void memmap_print_summary(const struct memmap *m);
unsigned memmap_check(const struct memmap *m);

/*
 * The page ledger's view (mm/memmap_owner.c): claims every page below
 * 4 GiB that is not wholly usable (a hole, or an edge page with its
 * usable bytes as detail) and every wholly usable page a reservation
 * touches (the reservation with the lowest base has it), leaving the
 * pages of the free regions to the page allocator.
 */
struct ledger;
void memmap_claim(const struct memmap *m, struct ledger *l);

#endif /* MM_MEMMAP_H */
