/*
 * kernel/pool_boot.c - placeholder until this layer lands.
 */
#include "kernel.h"

void
pool_boot(void)
{
}

void
pool_report(void)
{
}
