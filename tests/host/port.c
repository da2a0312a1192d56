/*
 * tests/host/port.c - mm/port.h on a 64-bit host, for the host tests and
 * (built with -DMM_BENCH, without the test runner) the benchmarks.
 *
 * Printing goes to stdout, panics abort (unless a test catches them),
 * each test runs in a child process with a time limit,
 * locks do nothing (the tests are single-threaded) and scratch memory
 * comes from aligned_alloc, so AddressSanitizer watches every byte of it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../mm/port.h"
#include "../../mm/test.h"

struct mm_switches mm_switch = {
    .poison = MM_POISON_DEFAULT,
    .guard = MM_GUARD_DEFAULT,
};

void
mm_assert_fail(const char *file, int line, const char *expr)
{
    fflush(stdout);
    fprintf(stderr, "assertion failed: %s:%d: %s\n", file, line, expr);
    abort();
}

void
mm_panic(const char *fmt, ...)
{
    va_list ap;

#ifndef MM_BENCH
    va_start(ap, fmt);
    if (mm_test_caught_panic(fmt, ap)) {
        va_end(ap);
        return;
    }
    va_end(ap);
#endif
    fflush(stdout);
    fprintf(stderr, "panic: ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n");
    abort();
}

void
mm_vprint(const char *fmt, va_list ap)
{
#ifndef MM_BENCH
    if (mm_test_caught_print(fmt, ap))
        return;
#endif
    vprintf(fmt, ap);
}

void
mm_print(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    mm_vprint(fmt, ap);
    va_end(ap);
}

int
mm_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    return vsnprintf(buf, size, fmt, ap);
}

void *
mm_memset(void *dst, int c, size_t n)
{
    return memset(dst, c, n);
}

void *
mm_memcpy(void *dst, const void *src, size_t n)
{
    return memcpy(dst, src, n);
}


/* Rounds bytes up to a power of two of pages, as the kernel's does. */
static size_t
scratch_round(size_t bytes)
{
    size_t size = MM_PAGE;

    while (size < bytes)
        size <<= 1;
    return size;
}

void *
mm_scratch_alloc(size_t bytes)
{
    size_t size = scratch_round(bytes);

    return aligned_alloc(size, size);
}

void
mm_scratch_free(void *p, size_t bytes)
{
    (void)bytes;
    free(p);
}

#ifndef MM_BENCH
#define TEST_TIME_LIMIT 120     /* seconds a test may run; MM_TEST_TIMEOUT */

/*
 * Runs one test in a child process.  The child prints the test's result
 * line and exits 0 (passed) or 1 (failed); any other end - a signal
 * (abort on a panic or a failed assertion, a crash) or the time limit -
 * is reported here, and the run goes on.  exit(), not _exit(), so that
 * coverage counters are written by the child too.
 */
bool
mm_test_isolated(mm_test_one_fn *run, const struct mm_test *d,
                 mm_test_after_fn *after, const char *prefix)
{
    const char *env = getenv("MM_TEST_TIMEOUT");
    unsigned limit = env != NULL && atoi(env) > 0 ? (unsigned)atoi(env)
                                                  : TEST_TIME_LIMIT;
    pid_t pid;
    int status;

    fflush(stdout);
    fflush(stderr);
    pid = fork();
    if (pid < 0)                    /* no child: run it here */
        return run(d, after);
    if (pid == 0) {
        alarm(limit);
        exit(run(d, after) ? 0 : 1);
    }
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return false;
    if (WIFEXITED(status))
        return WEXITSTATUS(status) == 0;
    if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM)
        printf("%s: FAIL %s.%s timed out after %u s\n", prefix, d->mod,
               d->name, limit);
    else
        printf("%s: FAIL %s.%s crashed (%s)\n", prefix, d->mod, d->name,
               WIFSIGNALED(status) ? strsignal(WTERMSIG(status))
                                   : "stopped");
    return false;
}
#endif
