/*
 * mm/memmap.c - placeholder until this layer lands.
 */
#include "port.h"
