/*
 * kernel/bench.c - placeholder until the in-kernel benchmarks land.
 */
#include "kernel.h"

void
bench_run(void)
{
    kprintf("bench: no benchmarks in this build\n");
}
