/*
 * tests/fuzz/format.c - kernel/format.c against the host C library.
 *
 * Input: a buffer size byte, then pieces: each a literal character or a
 * conversion built from the bytes - flags '-' and '0', a width (none,
 * digits, or '*' with an argument from -300 to 300), a length (none, l,
 * ll, z) and one of d i u x X c s p %, with its argument.  Each piece is
 * formatted by ksnprintf and by the host's snprintf into buffers of the
 * chosen size; the returned lengths and the bytes written must agree.
 * An unknown conversion (%q) must come out exactly as written.
 * %p is compared with the form kernel/format.h documents, "0x" and the
 * address zero-padded to the pointer width, whatever flags and width.
 */
#include <stdio.h>
#include <string.h>

#include "../../kernel/format.h"
#include "fuzz.h"

/* The formats are built at run time: that is the point here. */
#pragma GCC diagnostic ignored "-Wformat-security"
#pragma GCC diagnostic ignored "-Wformat-nonliteral"

#define BUF     256

/* One conversion: its format for us and for libc, its argument. */
struct piece {
    char fmt[48];           /* what ksnprintf gets */
    char ref[48];           /* what snprintf gets (differs for %p) */
    bool star;
    int width;              /* the '*' argument */
    char conv;
    int length;             /* 0 none, 1 l, 2 ll, 3 z */
    uint64_t value;
    char str[24];
    bool null_str;
};

/* Formats p with f (ksnprintf or snprintf) and its typed argument. */
#define FORMAT_WITH(f, buf, size, fmt, p)                                    \
    ((p)->conv == 's' ? ((p)->star                                          \
        ? f(buf, size, fmt, (p)->width, (p)->null_str ? NULL : (p)->str)    \
        : f(buf, size, fmt, (p)->null_str ? NULL : (p)->str))               \
     : (p)->conv == 'p' ? ((p)->star                                        \
        ? f(buf, size, fmt, (p)->width, (void *)(uintptr_t)(p)->value)      \
        : f(buf, size, fmt, (void *)(uintptr_t)(p)->value))                 \
     : (p)->conv == '%' ? ((p)->star ? f(buf, size, fmt, (p)->width)        \
                                     : f(buf, size, fmt))                   \
     : (p)->conv == 'c' || (p)->length == 0 ? ((p)->star                    \
        ? f(buf, size, fmt, (p)->width, (int)(p)->value)                    \
        : f(buf, size, fmt, (int)(p)->value))                               \
     : (p)->length == 1 ? ((p)->star                                        \
        ? f(buf, size, fmt, (p)->width, (long)(p)->value)                   \
        : f(buf, size, fmt, (long)(p)->value))                              \
     : (p)->length == 2 ? ((p)->star                                        \
        ? f(buf, size, fmt, (p)->width, (long long)(p)->value)              \
        : f(buf, size, fmt, (long long)(p)->value))                         \
     : ((p)->star ? f(buf, size, fmt, (p)->width, (size_t)(p)->value)       \
                  : f(buf, size, fmt, (size_t)(p)->value)))

/* Builds the next piece from the input. */
static void
build(struct fuzz_in *in, struct piece *p)
{
    static const char convs[] = "diuxXcsp%q";   /* q: unknown */
    static const char *const lengths[] = { "", "l", "ll", "z" };
    uint8_t flags = fuzz_u8(in), wmode = fuzz_u8(in) % 3;
    char spec[32];
    int n = 0;

    memset(p, 0, sizeof *p);
    p->conv = convs[fuzz_u8(in) % (sizeof convs - 1)];
    p->length = strchr("diuxX", p->conv) ? fuzz_u8(in) % 4 : 0;
    p->value = fuzz_u64(in);
    spec[n++] = '%';
    if (flags & 1)
        spec[n++] = '-';
    if (flags & 2)
        spec[n++] = '0';
    if (flags & 4)
        spec[n++] = '-';            /* flags may repeat, in any order */
    if (wmode == 1) {
        n += sprintf(spec + n, "%u", fuzz_u16(in) % 300);
    } else if (wmode == 2) {
        p->star = true;
        p->width = (int)(fuzz_u16(in) % 601) - 300;
        spec[n++] = '*';
    }
    n += sprintf(spec + n, "%s%c", lengths[p->length], p->conv);
    if (p->conv == 's') {
        unsigned len = fuzz_u8(in) % 24, i;

        p->null_str = len == 23;
        for (i = 0; i < len && i < sizeof p->str - 1; i++)
            p->str[i] = (char)(' ' + fuzz_u8(in) % 95);
    }
    snprintf(p->fmt, sizeof p->fmt, "%s", spec);
    if (p->conv == 'p')
        snprintf(p->ref, sizeof p->ref, "0x%%0%zulx", sizeof(void *) * 2);
    else
        snprintf(p->ref, sizeof p->ref, "%s", spec);
}

/* Runs one piece through both and compares, with a size-byte buffer. */
static void
compare(const struct piece *p, size_t size, const char *prefix)
{
    char fmt[64], ref[64], got[BUF], want[BUF];
    int n, m;

    snprintf(fmt, sizeof fmt, "%s%s", prefix, p->fmt);
    snprintf(ref, sizeof ref, "%s%s", prefix, p->ref);
    memset(got, 0x55, sizeof got);
    memset(want, 0x55, sizeof want);
    if (p->conv == 'p') {
        n = FORMAT_WITH(ksnprintf, got, size, fmt, p);
        m = snprintf(want, size, ref, (unsigned long)(uintptr_t)p->value);
    } else if (p->conv == 'q') {
        /* Copied through as written; a '*' width still takes its int. */
        n = p->star ? ksnprintf(got, size, fmt, p->width)
                    : ksnprintf(got, size, fmt);
        m = snprintf(want, size, "%s", ref);
    } else {
        n = FORMAT_WITH(ksnprintf, got, size, fmt, p);
        m = FORMAT_WITH(snprintf, want, size, ref, p);
    }
    fuzz_op("\"%s\" size %zu -> %d \"%.*s\"", fmt, size, n,
            size ? (int)strnlen(got, size) : 0, got);
    FUZZ_CHECK(n == m);
    FUZZ_CHECK(memcmp(got, want, sizeof got) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_in in = { data, size, 0 };
    uint8_t sz = fuzz_u8(&in);
    size_t bufsize = sz < 200 ? sz : BUF;
    struct piece p;
    char prefix[2] = { 0, 0 };
    unsigned n = 0;

    while (fuzz_more(&in) && n++ < 64) {
        uint8_t lit = fuzz_u8(&in);

        /* A literal before the conversion, sometimes. */
        prefix[0] = lit >= 0x20 && lit < 0x7f && lit != '%' ? (char)lit : 0;
        build(&in, &p);
        compare(&p, bufsize, prefix);
    }
    return 0;
}
