/*
 * kernel/format.c - printf-style formatting, freestanding.
 *
 * One engine, kformat(), walks the format string and sends characters to
 * a callback; kvsnprintf() and the console's kprintf() are thin users of
 * it.  Numbers are converted into a small buffer from the least
 * significant digit up, then padded and emitted.  64-bit division on the
 * 32-bit kernel calls libgcc's __udivdi3, which the link provides.
 *
 * Invariant: every character produced goes through out() exactly once,
 * and the return value counts them.
 * Bounds: O(length of the result).  Metadata: none (24-byte digit buffer).
 * Tests: kernel/format_test.c.
 */
#include "format.h"

#include <stdbool.h>
#include <stdint.h>

/* How one conversion is to be laid out. */
struct fmt_spec {
    bool left;          /* '-': pad on the right */
    bool zero;          /* '0': pad with zeros, after any sign */
    int width;          /* minimum field width in characters */
    int length;         /* 0 = int, 1 = long, 2 = long long, 3 = size_t */
};

struct fmt_out {
    void (*out)(char c, void *ctx);
    void *ctx;
    int count;          /* characters produced so far */
};

static void
emit(struct fmt_out *o, char c)
{
    o->out(c, o->ctx);
    o->count++;
}

static void
emit_pad(struct fmt_out *o, char c, int n)
{
    while (n-- > 0)
        emit(o, c);
}

/* Emits sign (or 0) then digits [s, s+n) padded to the spec's width. */
static void
emit_field(struct fmt_out *o, const struct fmt_spec *sp, char sign,
           const char *s, int n)
{
    int pad = sp->width - n - (sign != 0);

    if (!sp->left && !sp->zero)
        emit_pad(o, ' ', pad);
    if (sign != 0)
        emit(o, sign);
    if (!sp->left && sp->zero)
        emit_pad(o, '0', pad);
    while (n-- > 0)
        emit(o, *s++);
    if (sp->left)
        emit_pad(o, ' ', pad);
}

/* Converts v in base 10 or 16 and emits it with an optional sign. */
static void
emit_number(struct fmt_out *o, const struct fmt_spec *sp, uint64_t v,
            unsigned base, bool upper, char sign)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char buf[24];       /* 2^64 - 1 has 20 decimal digits */
    int n = sizeof buf;

    do {
        buf[--n] = digits[v % base];
        v /= base;
    } while (v != 0);
    emit_field(o, sp, sign, buf + n, (int)sizeof buf - n);
}

/* Reads the next argument as a signed value of the spec's length. */
static int64_t
arg_signed(const struct fmt_spec *sp, va_list *ap)
{
    switch (sp->length) {
    case 1:
        return va_arg(*ap, long);
    case 2:
        return va_arg(*ap, long long);
    case 3:
        return (int64_t)va_arg(*ap, ptrdiff_t);
    default:
        return va_arg(*ap, int);
    }
}

/* Reads the next argument as an unsigned value of the spec's length. */
static uint64_t
arg_unsigned(const struct fmt_spec *sp, va_list *ap)
{
    switch (sp->length) {
    case 1:
        return va_arg(*ap, unsigned long);
    case 2:
        return va_arg(*ap, unsigned long long);
    case 3:
        return va_arg(*ap, size_t);
    default:
        return va_arg(*ap, unsigned int);
    }
}

/*
 * Takes a '*' width w: negative means '-' and |w|, as C says.  INT_MIN
 * has no |w| in an int, so it is treated as INT_MAX, which the cap cuts
 * to KFORMAT_MAX_WIDTH like any other large width.  (__INT_MAX__ is the
 * compiler's own INT_MAX: limits.h is not freestanding in every setup.)
 */
static void
star_width(struct fmt_spec *sp, int w)
{
    if (w < 0) {
        sp->left = true;
        w = w == -__INT_MAX__ - 1 ? __INT_MAX__ : -w;
    }
    sp->width = w > KFORMAT_MAX_WIDTH ? KFORMAT_MAX_WIDTH : w;
}

/* Parses flags, width and length after a '%'; returns the conversion. */
static const char *
parse_spec(const char *f, struct fmt_spec *sp, va_list *ap)
{
    *sp = (struct fmt_spec){ 0 };
    for (;; f++) {
        if (*f == '-')
            sp->left = true;
        else if (*f == '0')
            sp->zero = true;
        else
            break;
    }
    if (*f == '*') {
        star_width(sp, va_arg(*ap, int));
        f++;
    }
    /* Digits saturate at the cap: "%2147483648d" cannot overflow. */
    while (*f >= '0' && *f <= '9') {
        sp->width = sp->width * 10 + (*f++ - '0');
        if (sp->width > KFORMAT_MAX_WIDTH)
            sp->width = KFORMAT_MAX_WIDTH;
    }
    if (*f == 'z') {
        sp->length = 3;
        f++;
    }
    while (*f == 'l' && sp->length < 2) {
        sp->length++;
        f++;
    }
    return f;
}

/* Emits one conversion c; returns false if c is not one we know. */
static bool
convert(struct fmt_out *o, struct fmt_spec *sp, char c, va_list *ap)
{
    int64_t sv;
    const char *s;
    int n = 0;

    switch (c) {
    case 'd':
    case 'i':
        sv = arg_signed(sp, ap);
        /* Negate as unsigned: -INT64_MIN does not fit in int64_t. */
        emit_number(o, sp, sv < 0 ? 0 - (uint64_t)sv : (uint64_t)sv, 10,
                    false, sv < 0 ? '-' : 0);
        return true;
    case 'u':
    case 'x':
    case 'X':
        emit_number(o, sp, arg_unsigned(sp, ap), c == 'u' ? 10 : 16,
                    c == 'X', 0);
        return true;
    case 'p':
        /* Always the documented 0x%016lx form: flags and width unused. */
        emit(o, '0');
        emit(o, 'x');
        sp->left = false;
        sp->zero = true;
        sp->width = (int)sizeof(void *) * 2;
        emit_number(o, sp, (uintptr_t)va_arg(*ap, void *), 16, false, 0);
        return true;
    case 'c':
        sp->zero = false;
        s = (const char[2]){ (char)va_arg(*ap, int), 0 };
        emit_field(o, sp, 0, s, 1);
        return true;
    case 's':
        s = va_arg(*ap, const char *);
        if (s == NULL)
            s = "(null)";
        while (s[n] != '\0')
            n++;
        sp->zero = false;
        emit_field(o, sp, 0, s, n);
        return true;
    case '%':
        emit(o, '%');
        return true;
    default:
        return false;
    }
}

int
kformat(void (*out)(char c, void *ctx), void *ctx, const char *fmt,
        va_list ap)
{
    struct fmt_out o = { out, ctx, 0 };
    struct fmt_spec sp;
    va_list aq;
    const char *f, *start;

    /* va_copy lets the helpers take the list by address portably. */
    va_copy(aq, ap);
    for (f = fmt; *f != '\0'; f++) {
        if (*f != '%') {
            emit(&o, *f);
            continue;
        }
        start = f;
        f = parse_spec(f + 1, &sp, &aq);
        if (*f == '\0' || !convert(&o, &sp, *f, &aq)) {
            while (start <= f && *start != '\0')
                emit(&o, *start++);
            if (*f == '\0')
                break;
        }
    }
    va_end(aq);
    return o.count;
}

/* Where kvsnprintf's characters go: into buf while room remains. */
struct fmt_buf {
    char *buf;
    size_t size;
    size_t len;         /* characters produced, stored or not */
};

static void
buf_out(char c, void *ctx)
{
    struct fmt_buf *b = ctx;

    if (b->len + 1 < b->size)
        b->buf[b->len] = c;
    b->len++;
}

int
kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct fmt_buf b = { buf, size, 0 };
    int n = kformat(buf_out, &b, fmt, ap);

    if (size > 0)
        buf[b.len < size ? b.len : size - 1] = '\0';
    return n;
}

int
ksnprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = kvsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}
