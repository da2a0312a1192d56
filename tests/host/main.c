/*
 * tests/host/main.c - runs the self-tests natively on the host.
 *
 * Usage: hosttest [filter]   e.g. hosttest buddy,kheap.bucket_choice
 * The same MM_TEST sources run in the kernel; here they run under
 * AddressSanitizer and UBSan.  Exit status 0 only when none failed.
 */
#include <stdio.h>

#include "../../mm/test.h"

int
main(int argc, char **argv)
{
    int failed;

    setvbuf(stdout, NULL, _IOLBF, 0);
    failed = mm_test_run(argc > 1 ? argv[1] : NULL, "hosttest");
    return failed == 0 ? 0 : 1;
}
