/*
 * tests/fuzz/fuzz.c - the support every harness links: the decoder's
 * printing, the failure report, and (under libFuzzer) the switch that
 * turns the decoder on when the binary is given a file to run.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../../mm/port.h"
#include "fuzz.h"

bool fuzz_verbose;

void
fuzz_op(const char *fmt, ...)
{
    va_list ap;

    if (!fuzz_verbose)
        return;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
}

void
fuzz_fail(const char *file, int line, const char *expr)
{
    fflush(stdout);
    fprintf(stderr, "fuzz: check failed: %s:%d: %s\n", file, line, expr);
    abort();
}

/*
 * The host port calls these to let a running self-test catch a panic or
 * a print.  Harnesses run no self-test: every panic is real and aborts,
 * every print is printed.
 */
bool
mm_test_caught_panic(const char *fmt, va_list ap)
{
    (void)fmt;
    (void)ap;
    return false;
}

bool
mm_test_caught_print(const char *fmt, va_list ap)
{
    (void)fmt;
    (void)ap;
    return false;
}

/*
 * AddressSanitizer reads its options from this hook.  Its printf
 * interceptor warns about "%--%", which the format harness hands to the
 * C library on purpose (C allows flags and a width before %%).
 */
const char *
__asan_default_options(void)
{
    return "check_printf=0";
}

#ifdef FUZZ_LIBFUZZER
/*
 * libFuzzer calls this once before any input.  "build/fuzz/buddy FILE"
 * runs FILE once: then print its operations, so the binary decodes a
 * reproducer.  Fuzzing (a directory or no argument) stays quiet.
 */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    struct stat st;
    int i;

    for (i = 1; i < *argc; i++)
        if ((*argv)[i][0] != '-' && stat((*argv)[i], &st) == 0 &&
            S_ISREG(st.st_mode))
            fuzz_verbose = true;
    setvbuf(stdout, NULL, _IOLBF, 0);
    return 0;
}
#endif
