/*
 * kernel/tracefile.c - reads an allocation trace held in memory
 * (the format: kernel/tracefile.h).
 *
 * The text is read in place, a line at a time: a line is the bytes up
 * to the next '\n' (or the end), with a final '\r' and blanks around
 * the words ignored.  Numbers are decimal digits and nothing else, so
 * "-1", "1x" and a number too large for an unsigned long are all
 * malformed.
 *
 * Invariant: pos is 0, or just after a '\n', or len; line counts the
 * lines before pos; nread counts the ops among them after the header.
 * Bounds: each call reads one line (or the blank lines before one), so
 * a whole pass is O(len); validate adds O(nids / 8) to clear live.
 * Metadata: the struct; live holds 1 bit per id.
 * Tests: kernel/tracefile_test.c.
 */
#include "tracefile.h"

#include <stdarg.h>

#include "format.h"

#define HEADER_LINES 4

static bool
is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

static const char *
skip_blanks(const char *s, const char *end)
{
    while (s < end && is_blank(*s))
        s++;
    return s;
}

/*
 * Reads the next line into [*s, *e) and counts it; false at the end of
 * the text.  A last line without its '\n' is still a line.
 */
static bool
next_line(struct tracefile *t, const char **s, const char **e)
{
    const char *p, *end = t->text + t->len;

    if (t->pos == t->len)
        return false;
    *s = p = t->text + t->pos;
    while (p < end && *p != '\n')
        p++;
    *e = p;
    t->pos = (size_t)(p - t->text) + (p < end);     /* past the '\n' */
    t->line++;
    return true;
}

/*
 * Digits at *s into *out, moving *s past them; false if there are none
 * or the number does not fit an unsigned long.
 */
static bool
parse_number(const char **s, const char *end, unsigned long *out)
{
    const unsigned long max = (unsigned long)-1;
    const char *p = *s;
    unsigned long v = 0, d;

    if (p == end || *p < '0' || *p > '9')
        return false;
    for (; p < end && *p >= '0' && *p <= '9'; p++) {
        d = (unsigned long)(*p - '0');
        if (v > (max - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *s = p;
    *out = v;
    return true;
}

/* Writes "LINE: what" into t->msg; returns -1 for the caller to pass. */
static int
fail(struct tracefile *t, const char *fmt, ...)
{
    va_list ap;
    int n = ksnprintf(t->msg, sizeof t->msg, "%lu: ", t->line);

    va_start(ap, fmt);
    kvsnprintf(t->msg + n, sizeof t->msg - (size_t)n, fmt, ap);
    va_end(ap);
    return -1;
}

/*
 * Copies line [s, e) into buf for a message: a final '\r' dropped, a
 * byte that is not printable ASCII shown as '?', and a line longer than
 * TRACEFILE_QUOTE_MAX cut there and marked "...".
 */
static const char *
quote(char *buf, const char *s, const char *e)
{
    size_t n = 0;

    if (e > s && e[-1] == '\r')
        e--;
    for (; s < e && n < TRACEFILE_QUOTE_MAX; s++)
        buf[n++] = *s >= ' ' && *s <= '~' ? *s : '?';
    if (s < e) {
        buf[n++] = '.';
        buf[n++] = '.';
        buf[n++] = '.';
    }
    buf[n] = '\0';
    return buf;
}

/* Reads header line number i + 1 into *out. */
static bool
header_number(struct tracefile *t, unsigned i, unsigned long *out)
{
    char q[TRACEFILE_QUOTE_MAX + 4];
    const char *s, *e, *p;

    if (!next_line(t, &s, &e)) {
        t->line = i + 1;
        fail(t, "trace ends in its 4-line header");
        return false;
    }
    p = skip_blanks(s, e);
    if (!parse_number(&p, e, out) || skip_blanks(p, e) != e) {
        fail(t, "header line is not a number: %s", quote(q, s, e));
        return false;
    }
    return true;
}

bool
tracefile_open(struct tracefile *t, const void *text, size_t len)
{
    unsigned long *field[HEADER_LINES] = { &t->heap_bytes, &t->nids,
                                           &t->nops, &t->weight };
    unsigned i;

    *t = (struct tracefile){ .text = text, .len = len };
    for (i = 0; i < HEADER_LINES; i++)
        if (!header_number(t, i, field[i]))
            return false;
    t->ops_pos = t->pos;
    return true;
}

/* Parses op line [s, e) into *op; -1 with t->msg if it is malformed. */
static int
parse_op(struct tracefile *t, const char *s, const char *e,
         struct tracefile_op *op)
{
    static const char *const form[] = { "a ID BYTES", "f ID", "r ID BYTES" };
    char q[TRACEFILE_QUOTE_MAX + 4];
    const char *p = skip_blanks(s, e);
    unsigned long bytes = 0;
    unsigned k;
    bool ok;

    for (k = 0; k < 3 && *p != "afr"[k]; k++)
        ;
    if (k == 3)
        return fail(t, "unknown op: %s", quote(q, s, e));
    p = skip_blanks(p + 1, e);
    ok = parse_number(&p, e, &op->id);
    if (ok && k != 1) {                     /* a and r: then BYTES */
        p = skip_blanks(p, e);
        ok = parse_number(&p, e, &bytes);
    }
    if (!ok || skip_blanks(p, e) != e)
        return fail(t, "expected '%s': %s", form[k], quote(q, s, e));
    if (op->id >= t->nids)
        return fail(t, "id %lu out of range (the header says %lu ids)",
                    op->id, t->nids);
    op->kind = "afr"[k];
    op->bytes = bytes;
    op->line = t->line;
    return 1;
}

int
tracefile_next(struct tracefile *t, struct tracefile_op *op)
{
    const char *s, *e;

    for (;;) {
        if (!next_line(t, &s, &e)) {
            if (t->nread < t->nops)
                return fail(t, "trace ends after %lu of its %lu ops "
                            "(truncated)", t->nread, t->nops);
            return 0;
        }
        if (skip_blanks(s, e) != e)
            break;                          /* not a blank line */
    }
    if (t->nread == t->nops)
        return fail(t, "more ops than the header's %lu", t->nops);
    if (parse_op(t, s, e, op) < 0)
        return -1;
    t->nread++;
    return 1;
}

void
tracefile_rewind(struct tracefile *t)
{
    t->pos = t->ops_pos;
    t->line = HEADER_LINES;
    t->nread = 0;
}

bool
tracefile_validate(struct tracefile *t, uint8_t *live)
{
    struct tracefile_op op;
    unsigned long i;
    uint8_t bit;
    int r;

    for (i = 0; i < TRACEFILE_LIVE_BYTES(t->nids); i++)
        live[i] = 0;
    t->counts[0] = t->counts[1] = t->counts[2] = 0;
    tracefile_rewind(t);
    while ((r = tracefile_next(t, &op)) == 1) {
        bit = (uint8_t)(1u << (op.id & 7));     /* id 10: byte 1, bit 2 */
        if (op.kind == 'a' && (live[op.id >> 3] & bit)) {
            fail(t, "alloc of id %lu, which is still allocated", op.id);
            return false;
        }
        if (op.kind != 'a' && !(live[op.id >> 3] & bit)) {
            fail(t, "%s of id %lu, which is not allocated",
                 op.kind == 'f' ? "free" : "realloc", op.id);
            return false;
        }
        live[op.id >> 3] ^= op.kind == 'r' ? 0 : bit;
        t->counts[op.kind == 'a' ? 0 : op.kind == 'f' ? 1 : 2]++;
    }
    if (r < 0)
        return false;
    tracefile_rewind(t);
    return true;
}
