/*
 * kernel/ledger.h - the kernel's page ledger: one owner for every page
 * below 4 GiB, asked of every memory layer (kernel/ledger.c, on top of
 * mm/ledger.c).
 */
#ifndef KERNEL_LEDGER_H
#define KERNEL_LEDGER_H

#include <stdint.h>

/*
 * ledger_report: the per-owner totals and the memory map's figures, one
 * fact per line ("ledger: free buddy block 32459 pages (129836 KiB)"),
 * ending "ledger: total N pages (K KiB), P problems".
 * ledger_check: checks every page below 4 GiB has exactly one owner;
 * prints one line per problem, returns how many.
 * ledger_print_page: one line saying who holds the page with addr and
 * in what role ("page: 0x00400000 free buddy block order 3 [...]").
 * ledger_after_test: ledger_check for mm_test_run_with (mm/test.h),
 * counting the checks for the report.
 */
void ledger_report(void);
unsigned ledger_check(void);
void ledger_print_page(uintptr_t addr);
unsigned ledger_after_test(void);

#endif /* KERNEL_LEDGER_H */
