/*
 * kernel/kheap_boot.c - placeholder until this layer lands.
 */
#include "kernel.h"

void
kheap_boot(void)
{
}

void
kheap_report(void)
{
}
