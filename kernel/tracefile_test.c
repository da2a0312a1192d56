/*
 * kernel/tracefile_test.c - tests of kernel/tracefile.c, in kernel and
 * on host.  The bad traces are tests/traces/tiny.rep with one line
 * changed, as tests/boot/replay.sh changes it for the host replay, and
 * must get the same messages.
 */
#include "../mm/test.h"
#include "tracefile.h"

/* tests/traces/tiny.rep: ops on lines 5 to 11. */
#define TINY_HEADER "4096\n3\n7\n1\n"
#define TINY_OPS "a 0 100\na 1 2000\nr 0 300\nf 1\na 2 5000\nf 0\nf 2\n"

static struct tracefile tf;
static uint8_t live[TRACEFILE_LIVE_BYTES(20)];

static size_t
len_of(const char *s)
{
    size_t n = 0;

    while (s[n] != '\0')
        n++;
    return n;
}

/* Opens and validates text: "" if it is a good trace, else the message. */
static const char *
check_trace(const char *text)
{
    if (!tracefile_open(&tf, text, len_of(text)) ||
        !tracefile_validate(&tf, live))
        return tf.msg;
    return "";
}

/* tiny.rep reads back op by op, and validates with its counts. */
MM_TEST(tracefile, tiny_trace_reads_back)
{
    static const char text[] = TINY_HEADER TINY_OPS;
    struct tracefile_op op;

    MM_CHECK_STR(t, check_trace(text), "");
    MM_CHECK_EQ(t, tf.heap_bytes, 4096);
    MM_CHECK_EQ(t, tf.nids, 3);
    MM_CHECK_EQ(t, tf.nops, 7);
    MM_CHECK_EQ(t, tf.weight, 1);
    MM_CHECK_EQ(t, tf.counts[0], 3);            /* a */
    MM_CHECK_EQ(t, tf.counts[1], 3);            /* f */
    MM_CHECK_EQ(t, tf.counts[2], 1);            /* r */
    MM_CHECK_EQ(t, tracefile_next(&tf, &op), 1);     /* rewound: line 5 */
    MM_CHECK_EQ(t, op.kind, 'a');
    MM_CHECK_EQ(t, op.id, 0);
    MM_CHECK_EQ(t, op.bytes, 100);
    MM_CHECK_EQ(t, op.line, 5);
    MM_CHECK_EQ(t, tracefile_next(&tf, &op), 1);
    MM_CHECK_EQ(t, tracefile_next(&tf, &op), 1);
    MM_CHECK_EQ(t, op.kind, 'r');
    MM_CHECK_EQ(t, op.bytes, 300);
    MM_CHECK_EQ(t, tracefile_next(&tf, &op), 1);
    MM_CHECK_EQ(t, op.kind, 'f');
    MM_CHECK_EQ(t, op.id, 1);
    MM_CHECK_EQ(t, op.bytes, 0);
    MM_CHECK_EQ(t, op.line, 8);
    while (tracefile_next(&tf, &op) == 1)
        ;
    MM_CHECK_EQ(t, op.line, 11);
    MM_CHECK_EQ(t, tf.nread, 7);
    MM_CHECK_EQ(t, tracefile_next(&tf, &op), 0);     /* stays at the end */
}

/* Blank lines, \r\n, tabs and a last line without '\n' are all fine. */
MM_TEST(tracefile, blanks_and_line_ends)
{
    MM_CHECK_STR(t, check_trace("4096\r\n 3 \r\n7\n\t1\n\n"
                                "a 0 100\r\n  \n a\t1  2000 \nr 0 300\n\n"
                                "f 1\na 2 5000\nf 0\nf 2"), "");
    MM_CHECK_EQ(t, tf.counts[0] + tf.counts[1] + tf.counts[2], 7);
    MM_CHECK_STR(t, check_trace("0\n0\n0\n0\n"), "");   /* no ops at all */
    MM_CHECK_STR(t, check_trace("0\n1\n2\n0\na 0 0\nf 0\n\n\n"), "");
}

/* Each malformed line is named, with the host replay's words. */
MM_TEST(tracefile, malformed_lines_named)
{
    MM_CHECK_STR(t, check_trace(TINY_HEADER "a 0 100\na 1 2000\nr 0 300\n"
                                "x 1\n"), "8: unknown op: x 1");
    MM_CHECK_STR(t, check_trace(TINY_HEADER "a 0 100\na 1 2000\nr 0 300\n"
                                "f 7\n"),
                 "8: id 7 out of range (the header says 3 ids)");
    MM_CHECK_STR(t, check_trace(TINY_HEADER "a 0 100\na 1 2000\nr 0 300\n"
                                "f 1\na 2\n"), "9: expected 'a ID BYTES': a 2");
    MM_CHECK_STR(t, check_trace(TINY_HEADER "a 0 100\nf 0 7\n"),
                 "6: expected 'f ID': f 0 7");
    MM_CHECK_STR(t, check_trace(TINY_HEADER "r 0 -1\r\n"),
                 "5: expected 'r ID BYTES': r 0 -1");
    MM_CHECK_STR(t, check_trace(TINY_HEADER "a 0 1x\n"),
                 "5: expected 'a ID BYTES': a 0 1x");
    MM_CHECK_STR(t, check_trace(TINY_HEADER "f\n"), "5: expected 'f ID': f");
    /* A number too large for an unsigned long, even on a 64-bit host. */
    MM_CHECK_STR(t, check_trace(TINY_HEADER "a 0 99999999999999999999\n"),
                 "5: expected 'a ID BYTES': a 0 99999999999999999999");
}

/* The header: four numbers, each on its own line. */
MM_TEST(tracefile, header_checked)
{
    MM_CHECK_STR(t, check_trace("4096\nthree\n7\n1\n" TINY_OPS),
                 "2: header line is not a number: three");
    MM_CHECK_STR(t, check_trace("4096\n3 ids\n"),
                 "2: header line is not a number: 3 ids");
    MM_CHECK_STR(t, check_trace("4096\n\n7\n1\n"),
                 "2: header line is not a number: ");
    MM_CHECK_STR(t, check_trace("4096\n3\n"),
                 "3: trace ends in its 4-line header");
    MM_CHECK_STR(t, check_trace(""), "1: trace ends in its 4-line header");
}

/* Fewer or more ops than the header says. */
MM_TEST(tracefile, op_count_checked)
{
    MM_CHECK_STR(t, check_trace(TINY_HEADER "a 0 100\na 1 2000\nr 0 300\n"
                                "f 1\na 2 5000\nf 0\n"),
                 "10: trace ends after 6 of its 7 ops (truncated)");
    MM_CHECK_STR(t, check_trace(TINY_HEADER TINY_OPS "\na 0 1\n"),
                 "13: more ops than the header's 7");
}

/* Each op must find its id in the right state. */
MM_TEST(tracefile, id_states_checked)
{
    MM_CHECK_STR(t, check_trace(TINY_HEADER "a 0 100\na 1 2000\nr 0 300\n"
                                "f 1\na 2 5000\nf 1\n"),
                 "10: free of id 1, which is not allocated");
    MM_CHECK_STR(t, check_trace(TINY_HEADER "a 0 100\na 1 2000\nr 2 300\n"),
                 "7: realloc of id 2, which is not allocated");
    MM_CHECK_STR(t, check_trace(TINY_HEADER "a 0 100\na 1 2000\nr 0 300\n"
                                "f 1\na 0 64\n"),
                 "9: alloc of id 0, which is still allocated");
    /* Ids 8 and more use the second byte of live: id 10 is bit 2. */
    MM_CHECK_STR(t, check_trace("0\n20\n4\n0\na 10 1\na 2 1\na 18 1\n"
                                "a 10 1\n"),
                 "8: alloc of id 10, which is still allocated");
    MM_CHECK_EQ(t, live[1], 1u << 2);
}

/* A quoted line is cut at TRACEFILE_QUOTE_MAX; bytes not printable are
 * shown as '?'. */
MM_TEST(tracefile, quoted_lines_cut_and_cleaned)
{
    MM_CHECK_STR(t, check_trace(TINY_HEADER "q\001\177 this line is much "
                                "longer than forty characters\n"),
                 "5: unknown op: q?? this line is much longer than forty ...");
}
