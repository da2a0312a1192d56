/*
 * mm/err.h - counting and reporting errors and check violations.
 *
 * Every layer has one enum of errors whose last entry counts them, a
 * table of their names, and one counter per error in its state.  Bad
 * input is counted here and, with mm_switch.debug on, stops the machine
 * with a message that names the address:
 *
 *     pool: double free at 0x00203118 (pool dentries)
 *
 * Reports print every counter through mm_err_print, one per line.
 * Checkers (buddy_check and kin) count violations in a struct
 * mm_verdict, which also keeps the first one so a test can assert
 * exactly which violation a corruption caused.
 *
 * Invariant: a counter only ever grows; a verdict's first is the text
 * of the first violation it was told of.
 * Bounds: O(1) per error or violation; a report is O(errors).
 * Metadata: none; the counters live in each layer's state.
 * Read after: mm/port.h.  Tests: mm/err_test.c.
 */
#ifndef MM_ERR_H
#define MM_ERR_H

#include "port.h"

/*
 * Counts error err in nerr[] and, in debug mode, panics with
 * "MODULE: NAME at 0xADDR (KIND OWNER)", e.g. module "buddy", kind
 * "allocator", owner "kernel".  In non-debug mode, or when a self-test
 * catches the panic, it returns and the caller returns its error.
 */
void mm_err_count(unsigned long *nerr, unsigned err,
                  const char *const *names, const char *module,
                  const char *kind, const char *owner, uintptr_t addr)
    MM_COLD;

/*
 * Prints "PREFIX[OWNER: ]error NAME COUNT" for errors from..count-1, the
 * name left-aligned in width columns: "buddy: error double free    0",
 * or with owner "dentries": "pool: dentries: error double free    0".
 * owner may be NULL.
 */
void mm_err_print(const char *prefix, const char *owner,
                  const char *const *names, const unsigned long *nerr,
                  unsigned from, unsigned count, int width);

/* What a checker found: how many violations, and the first one. */
struct mm_verdict {
    unsigned nbad;              /* violations found */
    const char *first;          /* what the first one was, or NULL */
    uintptr_t first_addr;       /* where it was */
};

/* Records one violation; returns 1, to be added to a count. */
unsigned mm_verdict_add(struct mm_verdict *v, const char *what,
                        uintptr_t addr);

#endif /* MM_ERR_H */
