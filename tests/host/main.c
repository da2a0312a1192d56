/*
 * tests/host/main.c - runs the self-tests natively on the host.
 *
 * Usage: hosttest [FILTER]   e.g. hosttest buddy,kheap.bucket_choice
 *        hosttest --list     the name of every test, one per line
 *        hosttest --help
 * The same MM_TEST sources run in the kernel; here they run under
 * AddressSanitizer and UBSan.  Exit status 0 when every selected test
 * passed, 1 when one failed or the filter named no test, 2 on a usage
 * error.
 */
#include <stdio.h>
#include <string.h>

#include "../../mm/test.h"

static void
usage(FILE *f)
{
    fprintf(f,
        "usage: hosttest [FILTER]    run the tests FILTER selects (all if none)\n"
        "       hosttest --list      list every test, one mod.name per line\n"
        "       hosttest --help      this text\n"
        "FILTER is a comma list of modules and mod.name tests, e.g.\n"
        "buddy,kheap.global_kmalloc; \"make hosttest T=FILTER\" passes one.\n");
}

int
main(int argc, char **argv)
{
    const char *arg = argc > 1 ? argv[1] : NULL;

    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc > 2 || (arg != NULL && arg[0] == '-' &&
                     strcmp(arg, "--help") != 0 && strcmp(arg, "-h") != 0 &&
                     strcmp(arg, "--list") != 0)) {
        fprintf(stderr, "hosttest: unexpected argument \"%s\"\n",
                argc > 2 ? argv[2] : arg);
        usage(stderr);
        return 2;
    }
    if (arg != NULL && (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0)) {
        usage(stdout);
        return 0;
    }
    if (arg != NULL && strcmp(arg, "--list") == 0)
        return mm_test_list(NULL) > 0 ? 0 : 1;
    return mm_test_run(arg, "hosttest") == 0 ? 0 : 1;
}
