/*
 * mm/err.c - counting and reporting errors and check violations.
 *
 * See mm/err.h.  The panic text is one string literal, so every error
 * message of every layer can be found with one grep: "at 0x%08lx (".
 *
 * Invariant: as in mm/err.h.
 * Bounds: O(1) per call, O(errors) per report.
 * Metadata: none.
 * Read after: mm/err.h.  Tests: mm/err_test.c.
 */
#include "err.h"

void
mm_err_count(unsigned long *nerr, unsigned err, const char *const *names,
             const char *module, const char *kind, const char *owner,
             uintptr_t addr)
{
    nerr[err]++;
    if (mm_switch.debug)
        mm_panic("%s: %s at 0x%08lx (%s %s)", module, names[err],
                 (unsigned long)addr, kind, owner);
}

void
mm_err_print(const char *prefix, const char *owner, const char *const *names,
             const unsigned long *nerr, unsigned from, unsigned count,
             int width)
{
    unsigned e;

    for (e = from; e < count; e++)
        mm_print("%s%s%serror %-*s %lu\n", prefix, owner ? owner : "",
                 owner ? ": " : "", width, names[e], nerr[e]);
}

unsigned
mm_verdict_add(struct mm_verdict *v, const char *what, uintptr_t addr)
{
    if (v->nbad++ == 0) {
        v->first = what;
        v->first_addr = addr;
    }
    return 1;
}
