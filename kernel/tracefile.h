/*
 * kernel/tracefile.h - reads an allocation trace held in memory.
 *
 * A trace is malloc-lab's format (the CS:APP malloc driver's), the one
 * tests/bench/replay.c reads from a file on the host:
 *
 *     4096            suggested heap size in bytes (read, not used)
 *     3               number of ids: an id is 0 .. ids - 1
 *     5               number of ops below
 *     1               weight (read, not used)
 *     a 0 100         allocate 100 bytes as id 0
 *     a 1 2000
 *     r 0 300         resize id 0 to 300 bytes
 *     f 1             free id 1
 *     f 0
 *
 * Blank lines are skipped; a line may end in \r\n.  An id may be
 * allocated again once freed.  The kernel gets the trace as a Multiboot
 * module (kernel/replay.c); the reader needs no allocator and copies
 * nothing, so it also runs in the host tests (kernel/tracefile_test.c).
 *
 * Every problem stops the reader with a message in t->msg that starts
 * with the line's number, "8: unknown op: x 1", worded as the host
 * replay words it: a header line that is not a number, an unknown op,
 * an op without its numbers, an id out of range, more or fewer ops than
 * the header says, and (tracefile_validate) an op on an id in the wrong
 * state.
 */
#ifndef KERNEL_TRACEFILE_H
#define KERNEL_TRACEFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TRACEFILE_MSG_MAX   128     /* bytes of a message, NUL included */
#define TRACEFILE_QUOTE_MAX 40      /* characters of a line quoted in it */

/* The ids' live bits that tracefile_validate needs: 1 bit per id. */
#define TRACEFILE_LIVE_BYTES(nids)  (((nids) + 7) / 8)

struct tracefile {
    const char *text;           /* the trace, not NUL-terminated */
    size_t len;                 /* its bytes */
    size_t pos;                 /* first byte not read yet */
    size_t ops_pos;             /* first byte after the header */
    unsigned long line;         /* number of the last line read */
    unsigned long heap_bytes;   /* header line 1 */
    unsigned long nids;         /* header line 2 */
    unsigned long nops;         /* header line 3 */
    unsigned long weight;       /* header line 4 */
    unsigned long nread;        /* ops read since the header */
    unsigned long counts[3];    /* a, f and r ops (tracefile_validate) */
    char msg[TRACEFILE_MSG_MAX]; /* "LINE: what", after a false or -1 */
};

struct tracefile_op {
    char kind;                  /* 'a', 'f' or 'r' */
    unsigned long id;           /* below nids */
    size_t bytes;               /* a and r; 0 for f */
    unsigned long line;         /* where it is in the trace */
};

/* Reads the 4-line header of text[0, len); false, with t->msg, if bad. */
bool tracefile_open(struct tracefile *t, const void *text, size_t len);

/*
 * Reads the next op into *op: 1 when there was one, 0 at the end of a
 * trace that had all its ops, -1 with t->msg on a bad line, a missing op
 * or an extra one.
 */
int tracefile_next(struct tracefile *t, struct tracefile_op *op);

/* Goes back to the first op. */
void tracefile_rewind(struct tracefile *t);

/*
 * Reads every op and checks that each finds its id in the right state:
 * an alloc a free id, a free or a realloc an allocated one.  live is
 * TRACEFILE_LIVE_BYTES(t->nids) bytes of scratch.  Counts the ops in
 * t->counts and rewinds; false with t->msg at the first problem.
 */
bool tracefile_validate(struct tracefile *t, uint8_t *live);

#endif /* KERNEL_TRACEFILE_H */
