/*
 * mm/port.h - the one door between mm/ and the world around it.
 *
 * Everything in mm/ is freestanding C that builds twice: into the 32-bit
 * kernel (MM_KERNEL) and natively on a 64-bit host under AddressSanitizer
 * and UBSan (MM_HOST).  Whatever mm/ needs from its surroundings - fixed-
 * width types, printing, panicking, locking, debug switches, scratch
 * memory for self-tests - it asks for here and nowhere else.
 * kernel/port.c and tests/host/port.c implement the functions.
 *
 * Invariant: no other mm/ file includes a header from outside mm/.
 * Bounds and metadata: none; this is declarations only.
 * Read first.  Tests: mm/test.c runs them; each mm/X_test.c holds some.
 */
#ifndef MM_PORT_H
#define MM_PORT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#if !defined(MM_KERNEL) && !defined(MM_HOST)
#error "build mm/ with -DMM_KERNEL or -DMM_HOST"
#endif

/* The page size every layer counts in: 4 KiB, the x86 page. */
#define MM_PAGE_SHIFT   12
#define MM_PAGE         (1UL << MM_PAGE_SHIFT)

/* Compiler attributes, named so a student can look each one up once. */
#define MM_USED             __attribute__((used))
#define MM_SECTION(name)    __attribute__((section(name)))
#define MM_ALIGNED(n)       __attribute__((aligned(n)))
#define MM_NORETURN         __attribute__((noreturn))
#define MM_PRINTF(f, a)     __attribute__((format(printf, f, a)))
#define MM_UNUSED           __attribute__((unused))
/* For the few helpers on an allocator's fast path: always inlined. */
#define MM_INLINE           inline __attribute__((always_inline))
/* For what the fast path only calls when something is off: kept out of
 * line, so the fast path keeps its registers for itself. */
#define MM_COLD             __attribute__((cold, noinline))
#define MM_NOINLINE         __attribute__((noinline))
#define MM_UNLIKELY(e)      __builtin_expect(!!(e), 0)
#define MM_LIKELY(e)        __builtin_expect(!!(e), 1)
/* Tells the compiler e holds (a fact proved elsewhere) so that it can
 * drop a test; UBSan checks it on the host. */
#define MM_ASSUME(e)        do { if (!(e)) __builtin_unreachable(); } while (0)
/* Keeps AddressSanitizer from padding a variable; GCC needs nothing. */
#define MM_NOSANITIZE

#define MM_STATIC_ASSERT(e, why)    _Static_assert(e, why)
#define MM_ARRAY_SIZE(a)            (sizeof(a) / sizeof((a)[0]))

/*
 * MM_ASSERT guards mm/'s own invariants, never caller input (that gets an
 * error code).  It is always on: a broken invariant means corrupt state,
 * and going on would only hide where it broke.
 */
#define MM_ASSERT(e)                                                    \
    ((e) ? (void)0 : mm_assert_fail(__FILE__, __LINE__, #e))

void mm_assert_fail(const char *file, int line, const char *expr)
    MM_NORETURN;

/*
 * Stops the machine with a message of the form
 * "module: what at 0xADDR (details)".  While a self-test catches panics
 * (mm_test_catch_panics in mm/test.h) it records the message and returns,
 * so the caller must go on to return its error code as if nothing
 * happened; in every other case it never returns.
 */
void mm_panic(const char *fmt, ...) MM_PRINTF(1, 2);

/*
 * The body of a lab's function in a student tree (tools/lab.py writes
 * it): says, as a panic, which function is still to be written.
 */
#define MM_LAB_MISSING(fn)  mm_panic("not implemented: %s", fn)

/* Prints to the console (serial in the kernel, stdout on the host). */
void mm_print(const char *fmt, ...) MM_PRINTF(1, 2);
void mm_vprint(const char *fmt, va_list ap);

/* C99 vsnprintf: writes at most size bytes, returns the full length. */
int mm_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);

/* Byte fills and copies; the compiler may also emit calls to these. */
void *mm_memset(void *dst, int c, size_t n);
void *mm_memcpy(void *dst, const void *src, size_t n);

/*
 * Locks.  The kernel has one CPU, so a lock saves the interrupt flag and
 * disables interrupts; mm_unlock puts the flag back.  On the host both
 * are no-ops (the host tests are single-threaded).  They are inline: an
 * allocator takes one on every call.  "pushf; pop" copies EFLAGS into a
 * register; "cli" clears the interrupt flag; "push; popf" restores it.
 */
struct mm_lock {
    unsigned long saved_flags;  /* EFLAGS at mm_lock time */
};

#ifdef MM_KERNEL
static MM_INLINE void
mm_lock(struct mm_lock *l)
{
    __asm__ volatile("pushf; pop %0; cli" : "=r"(l->saved_flags) : :
                     "memory");
}

static MM_INLINE void
mm_unlock(struct mm_lock *l)
{
    __asm__ volatile("push %0; popf" : : "r"(l->saved_flags) :
                     "memory", "cc");
}
#else
static MM_INLINE void
mm_lock(struct mm_lock *l)
{
    (void)l;
}

static MM_INLINE void
mm_unlock(struct mm_lock *l)
{
    (void)l;
}
#endif

/*
 * The debug switches: the one mutable global every layer reads.  Set
 * from the kernel command line (kernel/main.c) or by a host test; a
 * layer reads poison and guard once, when an allocator is created, and
 * debug and trace on every error and event.
 *   debug:  every bad-input error panics naming the address (option
 *           "debug"; always on while a self-test runs).
 *   trace:  MM_TRACE_* bits; each layer prints one "trace:" line per
 *           event (option "trace=buddy,kmalloc,pool").
 *   poison: MM_POISON_* bits; freed memory is filled with a pattern
 *           that is checked when it is handed out again (option
 *           "poison" for all, "poison=buddy,kmalloc,pool" for some;
 *           build-time default "make POISON=7").
 *   guard:  kmalloc puts guard bytes after each block's requested size
 *           and checks them on free (option "guard"; "make GUARD=1").
 * kernel/port.c and tests/host/port.c define it.
 */
struct mm_switches {
    bool debug;
    unsigned trace;             /* MM_TRACE_* bits */
    unsigned poison;            /* MM_POISON_* bits */
    bool guard;
};

extern struct mm_switches mm_switch;

#define MM_TRACE_BUDDY      (1u << 0)
#define MM_TRACE_KMALLOC    (1u << 1)
#define MM_TRACE_POOL       (1u << 2)

#define MM_POISON_BUDDY     (1u << 0)
#define MM_POISON_KMALLOC   (1u << 1)
#define MM_POISON_POOL      (1u << 2)
#define MM_POISON_ALL       (MM_POISON_BUDDY | MM_POISON_KMALLOC | \
                             MM_POISON_POOL)

/* Build-time defaults of the switches (make POISON=... GUARD=...). */
#ifndef MM_POISON_DEFAULT
#define MM_POISON_DEFAULT   0
#endif
#ifndef MM_GUARD_DEFAULT
#define MM_GUARD_DEFAULT    0
#endif

/*
 * Scratch memory for self-tests that need more than a static buffer:
 * bytes rounded up to a power of two of pages, aligned to that size, or
 * NULL.  The kernel takes it from its page allocator, the host from libc.
 * Free with the same byte count.
 */
void *mm_scratch_alloc(size_t bytes);
void mm_scratch_free(void *p, size_t bytes);

/*
 * How long randomized stress tests run: the full count on the host, a
 * tenth of it in the kernel so that "make test" stays quick.
 */
#ifdef MM_HOST
#define MM_STRESS_OPS   1000000UL
#else
#define MM_STRESS_OPS   100000UL
#endif

#endif /* MM_PORT_H */
