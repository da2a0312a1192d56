/*
 * mm/test.h - self-tests that register themselves.
 *
 * A test is written next to the code it tests with MM_TEST(module, name).
 * The macro defines the function and drops a pointer to its description
 * into the linker section "mm_tests".  Because the section name is a C
 * identifier, the linker (ld, in the kernel and on the host alike) defines
 * __start_mm_tests and __stop_mm_tests around it, and mm_test_run() walks
 * from one to the other: there is no central list to edit.
 *
 * The same test sources run in the kernel ("selftest: ..." lines) and on
 * the host under ASan/UBSan ("hosttest: ..." lines).
 *
 * Invariant: the section holds only pointers to struct mm_test, so no
 * padding between entries can break the walk.
 * Bounds: a check is O(1); a run is linear in the number of tests.
 * Metadata: one pointer and one struct mm_test per test.
 * Read after: mm/port.h.  Runner: mm/test.c.
 */
#ifndef MM_TEST_H
#define MM_TEST_H

#include "port.h"

/* The state of one running test: passed to every test as "t". */
struct mm_t {
    const char *mod;        /* module name, e.g. "buddy" */
    const char *name;       /* test function name */
    unsigned nchecks;       /* checks evaluated */
    unsigned nfailed;       /* checks that failed */
    bool catching;          /* mm_panic records instead of stopping */
    unsigned npanics;       /* panics caught since catching began */
    char panic_msg[192];    /* text of the last panic caught */
    uint64_t rand_state;    /* xorshift64 state for mm_test_rand() */
};

struct mm_test {
    const char *mod;
    const char *name;
    void (*fn)(struct mm_t *t);
};

/*
 * MM_TEST(mod, fn) { body } defines a test.  The "##" operator pastes
 * tokens, so mm_test_##fn becomes mm_test_split_merge for fn=split_merge;
 * "#fn" turns the name into the string "split_merge".
 */
#define MM_TEST(mod, fn)                                              \
    static void fn(struct mm_t *t);                                   \
    static const struct mm_test mm_test_##fn = { #mod, #fn, fn };     \
    static const struct mm_test *const mm_testp_##fn                  \
        MM_USED MM_NOSANITIZE MM_SECTION("mm_tests") = &mm_test_##fn; \
    static void fn(struct mm_t *t)

/*
 * Checks record a failure with file:line, the expression and the values,
 * and let the test go on.  Each evaluates to true when it held, so a test
 * can stop early: if (!MM_CHECK(t, p != NULL)) return;
 */
#define MM_CHECK(t, e)                                                  \
    mm_check((t), (e) != 0, __FILE__, __LINE__, #e)
#define MM_CHECK_EQ(t, a, b)                                            \
    mm_check_eq((t), (long long)(a), (long long)(b), true,              \
                __FILE__, __LINE__, #a " == " #b)
#define MM_CHECK_NE(t, a, b)                                            \
    mm_check_eq((t), (long long)(a), (long long)(b), false,             \
                __FILE__, __LINE__, #a " != " #b)
#define MM_CHECK_PTR_EQ(t, a, b)                                        \
    mm_check_eq((t), (long long)(uintptr_t)(a),                         \
                (long long)(uintptr_t)(b), true,                        \
                __FILE__, __LINE__, #a " == " #b)
#define MM_CHECK_STR(t, a, b)                                           \
    mm_check_str((t), (a), (b), __FILE__, __LINE__, #a " == " #b)
/* The last caught panic named ADDR as "0x%08lx" and contained WHAT. */
#define MM_CHECK_PANIC(t, what, addr)                                   \
    mm_check_panic((t), (what), (uintptr_t)(addr), __FILE__, __LINE__)

bool mm_check(struct mm_t *t, bool ok, const char *file, int line,
              const char *expr);
bool mm_check_eq(struct mm_t *t, long long a, long long b, bool want_equal,
                 const char *file, int line, const char *expr);
bool mm_check_str(struct mm_t *t, const char *a, const char *b,
                  const char *file, int line, const char *expr);
bool mm_check_panic(struct mm_t *t, const char *what, uintptr_t addr,
                    const char *file, int line);

/*
 * Catching panics lets a test prove that debug mode stops on bad input
 * and names the address: between catch and release, mm_panic() copies its
 * message to t->panic_msg, counts it in t->npanics and returns.
 */
void mm_test_catch_panics(struct mm_t *t);
void mm_test_release_panics(struct mm_t *t);
bool mm_test_caught_panic(const char *fmt, va_list ap);

/*
 * Capturing prints lets a test check a report's exact text: between
 * capture and release, mm_print() appends to buf (cut to size - 1
 * characters, always NUL-terminated) instead of printing.  The ports
 * ask mm_test_caught_print() first, as they ask mm_test_caught_panic().
 * A test releases what it captured before it ends.
 */
void mm_test_capture_prints(char *buf, size_t size);
void mm_test_release_prints(void);
bool mm_test_caught_print(const char *fmt, va_list ap);

/* snprintf through the port, e.g. to build the text a panic must hold. */
void mm_test_format(char *buf, size_t size, const char *fmt, ...)
    MM_PRINTF(3, 4);

/* True if s contains sub; for checking panic and report text. */
bool mm_test_contains(const char *s, const char *sub);

/*
 * Zeroed room for a test's large locals (mm/test_static.c), valid until
 * the test ends: struct mm_test_pages *tp = mm_test_static(sizeof *tp).
 */
void *mm_test_static(size_t bytes);

/* A repeatable pseudo-random number (xorshift64*), seeded per test. */
uint64_t mm_test_rand(struct mm_t *t);

/* Below n (n > 0); slightly biased for huge n, which tests do not use. */
static inline uint64_t
mm_test_rand_below(struct mm_t *t, uint64_t n)
{
    return mm_test_rand(t) % n;
}

/*
 * Runs every registered test whose "mod" or "mod.name" appears in the
 * comma-separated filter (all tests when filter is NULL or empty),
 * printing "<prefix>: ok mod.name" or "<prefix>: FAIL mod.name ..." for
 * each and "<prefix>: N passed, M failed" at the end.  Returns M.
 * If an item of the filter names no test, nothing runs: each such item
 * is reported with its near matches ("<prefix>: no test matches "x"",
 * "<prefix>: near match buddy.y"), the summary counts one failure per
 * item, and the result is -1.
 */
int mm_test_run(const char *filter, const char *prefix);

/*
 * mm_test_run over the tests [first, last) instead of the registered
 * ones; the runner's own tests use it on tests made up for the purpose.
 * It may be called from inside a running test.
 */
int mm_test_run_list(const struct mm_test *const *first,
                     const struct mm_test *const *last, const char *filter,
                     const char *prefix);

/*
 * A check to run after every test, such as the kernel's page ledger
 * (kernel/ledger.c): it prints what it finds wrong and returns how many
 * problems it found.  mm_test_run_with runs the tests as mm_test_run
 * does and calls after (unless NULL) when each test returns; a test
 * after which it finds a problem fails, its result line saying
 * "check after the test: N problems".  The caller passes the check; no
 * mm/ layer reads it.
 */
typedef unsigned mm_test_after_fn(void);
int mm_test_run_with(const char *filter, const char *prefix,
                     mm_test_after_fn *after);

/*
 * Runs one test through run (which prints its result line) and says
 * whether it passed.  Each port defines it: the host runs the test in a
 * child process with a time limit, so that a panic, a failed assertion,
 * a crash or a hang fails that test alone and the run goes on to its
 * summary; the kernel runs the test in place.  The runner calls it for
 * the tests it runs itself, not for a run started inside a test.
 */
typedef bool mm_test_one_fn(const struct mm_test *d, mm_test_after_fn *after);
bool mm_test_isolated(mm_test_one_fn *run, const struct mm_test *d,
                      mm_test_after_fn *after, const char *prefix);

/*
 * Prints the name of every test, "mod.name", one per line: bare when
 * prefix is NULL, else as "<prefix>: test mod.name" and a last line
 * "<prefix>: N tests".  Returns N.
 */
int mm_test_list(const char *prefix);

#endif /* MM_TEST_H */
