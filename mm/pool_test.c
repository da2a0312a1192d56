/*
 * mm/pool_test.c - placeholder until this layer lands.
 */
#include "port.h"
