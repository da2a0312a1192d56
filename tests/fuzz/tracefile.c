/*
 * tests/fuzz/tracefile.c - the trace reader against a reference.
 *
 * Input: byte 0 picks how the rest becomes a trace: bit 0, raw bytes or
 * each byte mapped onto the pieces that matter ("a", "f", "r", digits,
 * a number too large, blanks, line ends, "-", "x"), so that lines with
 * structure come up often; bit 1 puts a good header in front, with
 * byte 1 % 6 ids and byte 2 % 12 ops, so that the op lines get read.
 * The reference below reads the trace again with plain string code,
 * following the rules in kernel/tracefile.h: both must accept the same
 * traces with the same ops, or stop at the same line for the same
 * reason; a message is NUL-terminated and starts with its line number.
 */
#include <stdio.h>
#include <string.h>

#include "../../kernel/tracefile.h"
#include "fuzz.h"

#define TEXT_MAX    2048
#define MAX_OPS     (TEXT_MAX / 2)    /* an op line takes 3 bytes or more */
#define MAX_IDS     64

/* Why a trace stops: the words its message starts with. */
static const char *const reasons[] = {
    "trace ends in its 4-line header", "header line is not a number",
    "unknown op", "expected '", "id ", "more ops than", "trace ends after",
    "alloc of id", "free of id", "realloc of id",
};
#define NREASONS (sizeof reasons / sizeof reasons[0])

struct ref {
    bool ok;
    bool big;                       /* more ids than MAX_IDS: not read */
    unsigned long line;             /* where it stopped */
    unsigned reason;                /* index in reasons */
    unsigned long nids, nops;
    struct tracefile_op op[MAX_OPS];
    unsigned long nread;
};

/* A word of a line: [s, s + n). */
struct word {
    const char *s;
    size_t n;
};

static bool
blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

/* Splits [s, e) at blanks into at most 8 words; returns how many. */
static unsigned
split(const char *s, const char *e, struct word *w)
{
    unsigned n = 0;

    while (s < e) {
        if (blank(*s)) {
            s++;
            continue;
        }
        w[n].s = s;
        while (s < e && !blank(*s))
            s++;
        w[n].n = (size_t)(s - w[n].s);
        if (++n == 8)
            break;
    }
    return n;
}

/* A word of decimal digits that fits an unsigned long. */
static bool
number(struct word w, unsigned long *out)
{
    unsigned long v = 0;
    size_t i;

    if (w.n == 0)
        return false;
    for (i = 0; i < w.n; i++) {
        if (w.s[i] < '0' || w.s[i] > '9')
            return false;
        if (__builtin_mul_overflow(v, 10, &v) ||
            __builtin_add_overflow(v, (unsigned long)(w.s[i] - '0'), &v))
            return false;
    }
    *out = v;
    return true;
}

static bool
stop(struct ref *r, unsigned long line, unsigned reason)
{
    r->ok = false;
    r->line = line;
    r->reason = reason;
    return false;
}

/* Checks op line w[0..n) as line lineno; false (with r's reason) if bad. */
static bool
ref_op(struct ref *r, struct word *w, unsigned n, unsigned long lineno,
       struct tracefile_op *op)
{
    struct word nums[8];
    unsigned k = 0, i, want;
    char kind = w[0].s[0];

    if (kind != 'a' && kind != 'f' && kind != 'r')
        return stop(r, lineno, 2);
    if (w[0].n > 1)                         /* "a1 2": the id follows */
        nums[k++] = (struct word){ w[0].s + 1, w[0].n - 1 };
    for (i = 1; i < n && k < 8; i++)
        nums[k++] = w[i];
    want = kind == 'f' ? 1 : 2;
    op->bytes = 0;
    if (k != want || !number(nums[0], &op->id) ||
        (want == 2 && !number(nums[1], &op->bytes)))
        return stop(r, lineno, 3);
    if (op->id >= r->nids)
        return stop(r, lineno, 4);
    op->kind = kind;
    op->line = lineno;
    return true;
}

/* The op finds its id in the right state, as tracefile_validate checks
 * while it reads; then the op changes that state. */
static bool
ref_live(struct ref *r, bool *live, const struct tracefile_op *op)
{
    if (op->kind == 'a' && live[op->id])
        return stop(r, op->line, 7);
    if (op->kind != 'a' && !live[op->id])
        return stop(r, op->line, op->kind == 'f' ? 8 : 9);
    if (op->kind != 'r')
        live[op->id] = op->kind == 'a';
    return true;
}

static void
ref_read(struct ref *r, const char *text, size_t len)
{
    const char *s = text, *end = text + len, *e;
    unsigned long lineno = 0, field[4];
    bool live[MAX_IDS] = { false };
    struct word w[8];
    unsigned n;

    memset(r, 0, sizeof *r);
    r->ok = true;
    while (s < end || lineno < 4) {
        if (s == end) {
            if (lineno < 4) {
                stop(r, lineno + 1, 0);
                return;
            }
            break;
        }
        e = memchr(s, '\n', (size_t)(end - s));
        e = e ? e : end;
        lineno++;
        n = split(s, e, w);
        s = e < end ? e + 1 : end;
        if (lineno <= 4) {
            if (n != 1 || !number(w[0], &field[lineno - 1])) {
                stop(r, lineno, 1);
                return;
            }
            r->nids = field[1];
            r->nops = lineno >= 3 ? field[2] : 0;
            if (lineno == 4 && r->nids > MAX_IDS) {
                r->big = true;
                return;
            }
            continue;
        }
        if (n == 0)
            continue;
        if (r->nread == r->nops) {
            stop(r, lineno, 5);
            return;
        }
        FUZZ_CHECK(r->nread < MAX_OPS);
        if (!ref_op(r, w, n, lineno, &r->op[r->nread]) ||
            !ref_live(r, live, &r->op[r->nread]))
            return;
        r->nread++;
    }
    if (r->nread < r->nops)
        stop(r, lineno, 6);
}

/* Builds the trace text from the input; returns its length. */
static size_t
build(struct fuzz_in *in, char *text)
{
    static const char *const pieces[] = {
        "a", "f", "r", "0", "1", "2", "5", "9", "99999999999999999999",
        " ", " ", "\t", "\n", "\n", "\r\n", "-", "x",
    };
    uint8_t mode = fuzz_u8(in), nids, nops;
    size_t n = 0, k;

    if (mode & 2) {
        nids = fuzz_u8(in) % 6;         /* in this order: byte 1, byte 2 */
        nops = fuzz_u8(in) % 12;
        n = (size_t)snprintf(text, TEXT_MAX, "0\n%u\n%u\n1\n", nids, nops);
    }
    while (fuzz_more(in) && n < TEXT_MAX - 32) {
        uint8_t b = fuzz_u8(in);

        if (mode & 1) {
            const char *piece = pieces[b % (sizeof pieces / sizeof *pieces)];

            k = strlen(piece);
            memcpy(text + n, piece, k);
            n += k;
        } else {
            text[n++] = (char)b;
        }
    }
    return n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_in in = { data, size, 0 };
    static char text[TEXT_MAX];
    static uint8_t live[TRACEFILE_LIVE_BYTES(MAX_IDS)];
    struct tracefile tf;
    struct tracefile_op op;
    struct ref ref;
    unsigned long i, line;
    size_t len = build(&in, text);
    bool ok = tracefile_open(&tf, text, len);

    ref_read(&ref, text, len);
    if (ok && tf.nids > MAX_IDS) {          /* beyond live[]: header only */
        fuzz_op("%zu bytes: %lu ids, not read further", len, tf.nids);
        FUZZ_CHECK(ref.big && ref.nids == tf.nids);
        return 0;
    }
    ok = ok && tracefile_validate(&tf, live);
    fuzz_op("%zu bytes: %s%s", len, ok ? "accepted" : "stopped at line ",
            ok ? "" : tf.msg);
    FUZZ_CHECK(ok == ref.ok);
    if (!ok) {
        FUZZ_CHECK(memchr(tf.msg, '\0', sizeof tf.msg) != NULL);
        FUZZ_CHECK(sscanf(tf.msg, "%lu: ", &line) == 1);
        FUZZ_CHECK(line == ref.line);
        FUZZ_CHECK(ref.reason < NREASONS);
        FUZZ_CHECK(strncmp(strchr(tf.msg, ' ') + 1, reasons[ref.reason],
                           strlen(reasons[ref.reason])) == 0);
        return 0;
    }
    FUZZ_CHECK(tf.nops == ref.nread);
    FUZZ_CHECK(tf.counts[0] + tf.counts[1] + tf.counts[2] == tf.nops);
    for (i = 0; i < ref.nread; i++) {
        FUZZ_CHECK(tracefile_next(&tf, &op) == 1);
        FUZZ_CHECK(op.kind == ref.op[i].kind && op.id == ref.op[i].id &&
                   op.bytes == ref.op[i].bytes &&
                   op.line == ref.op[i].line);
    }
    FUZZ_CHECK(tracefile_next(&tf, &op) == 0);
    return 0;
}
