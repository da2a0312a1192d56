/*
 * mm/regress_test.c - regression tests, module "regress".
 *
 * The break-it labs (docs/labs/breakit.md) ask for a test here that
 * fails on a tree with a seeded bug and passes on the correct one:
 * `make grade` in a break-it tree runs `hosttest regress` on both.
 * Write each test as MM_TEST(regress, NAME) (mm/test.h); the tests of
 * other test files of mm/ show how to build a state and check it.
 */
#include "test.h"
