/*
 * kernel/format_test.c - tests of kernel/format.c, in kernel and on host.
 *
 * Each case formats into a buffer and compares with the exact text C's
 * printf gives for the same format; edge values (INT_MIN, UINT64_MAX,
 * zero) are included because they are where converters break.
 */
#include "../mm/test.h"
#include "format.h"

/* Formats with ksnprintf and checks text and returned length. */
static void
check_fmt(struct mm_t *t, const char *want, const char *fmt, ...)
{
    char buf[128];
    va_list ap;
    int n, len = 0;

    va_start(ap, fmt);
    n = kvsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    while (want[len] != '\0')
        len++;
    MM_CHECK_STR(t, buf, want);
    MM_CHECK_EQ(t, n, len);
}

MM_TEST(format, signed_decimal)
{
    check_fmt(t, "0", "%d", 0);
    check_fmt(t, "-1", "%i", -1);
    check_fmt(t, "2147483647", "%d", 2147483647);
    check_fmt(t, "-2147483648", "%d", -2147483647 - 1);
    check_fmt(t, "-9223372036854775808", "%lld",
              (long long)(-9223372036854775807LL - 1));
    check_fmt(t, "9223372036854775807", "%lld", 9223372036854775807LL);
    check_fmt(t, "-42", "%zd", (ptrdiff_t)-42);
    check_fmt(t, "-7", "%ld", -7L);
}

MM_TEST(format, unsigned_and_hex)
{
    check_fmt(t, "4294967295", "%u", 4294967295u);
    check_fmt(t, "18446744073709551615", "%llu", 18446744073709551615ULL);
    check_fmt(t, "ffffffffffffffff", "%llx", 18446744073709551615ULL);
    check_fmt(t, "DEADBEEF", "%X", 0xDEADBEEFu);
    check_fmt(t, "deadbeef", "%x", 0xDEADBEEFu);
    check_fmt(t, "0", "%x", 0u);
    check_fmt(t, "123456789", "%zu", (size_t)123456789);
    check_fmt(t, "1f", "%lx", 31UL);
}

MM_TEST(format, width_and_flags)
{
    check_fmt(t, "   42", "%5d", 42);
    check_fmt(t, "42   |", "%-5d|", 42);
    check_fmt(t, "00042", "%05d", 42);
    check_fmt(t, "-0042", "%05d", -42);
    check_fmt(t, "  -42", "%5d", -42);
    check_fmt(t, "0x0000000000100000", "0x%016llx", 0x100000ULL);
    check_fmt(t, "00ff", "%04x", 255u);
    check_fmt(t, "123456", "%3d", 123456);
    check_fmt(t, "   ab", "%*s", 5, "ab");
    check_fmt(t, "ab   |", "%-5s|", "ab");
}

MM_TEST(format, chars_strings_pointers)
{
    char want[32];
    unsigned i;

    check_fmt(t, "x", "%c", 'x');
    check_fmt(t, "  x", "%3c", 'x');
    check_fmt(t, "hello", "%s", "hello");
    check_fmt(t, "(null)", "%s", (const char *)NULL);
    check_fmt(t, "100%", "100%%");
    check_fmt(t, "", "%s", "");
    /* %p: 0x and the address zero-padded to the pointer's width. */
    want[0] = '0';
    want[1] = 'x';
    for (i = 0; i < sizeof(void *) * 2; i++)
        want[2 + i] = i + 1 == sizeof(void *) * 2 ? '1' : '0';
    want[2 + i] = '\0';
    check_fmt(t, want, "%p", (void *)(uintptr_t)1);
}

MM_TEST(format, truncation_and_unknown)
{
    char buf[6];
    int n;

    n = ksnprintf(buf, sizeof buf, "%s", "abcdefghij");
    MM_CHECK_EQ(t, n, 10);              /* the length it would have had */
    MM_CHECK_STR(t, buf, "abcde");      /* cut, NUL-terminated */
    n = ksnprintf(buf, 0, "%d", 12345);
    MM_CHECK_EQ(t, n, 5);
    check_fmt(t, "%q", "%q");           /* unknown: copied through */
    check_fmt(t, "a%", "a%");           /* a lone trailing '%' */
}

/* A negative '*' width left-justifies with its absolute value, as C. */
MM_TEST(format, negative_star_width)
{
    check_fmt(t, "42   |", "%*d|", -5, 42);
    check_fmt(t, "ab   |", "%*s|", -5, "ab");
    check_fmt(t, "x  |", "%0*c|", -3, 'x');
    check_fmt(t, "-7  |", "%0*d|", -4, -7);     /* '-' beats '0' */
    check_fmt(t, "42|", "%*d|", 0, 42);
}

/* %p keeps its 0x%016lx form (on a 64-bit host) whatever the flags. */
MM_TEST(format, pointer_ignores_flags_and_width)
{
    char want[32], got[40];
    int n;

    mm_test_format(want, sizeof want, "0x%0*lx|", (int)sizeof(void *) * 2,
                   0xabcUL);
    n = ksnprintf(got, sizeof got, "%-p|", (void *)(uintptr_t)0xabc);
    MM_CHECK_STR(t, got, want);
    MM_CHECK_EQ(t, n, 2 + (int)sizeof(void *) * 2 + 1);
    ksnprintf(got, sizeof got, "%-40p|", (void *)(uintptr_t)0xabc);
    MM_CHECK_STR(t, got, want);
    ksnprintf(got, sizeof got, "%*p|", -30, (void *)(uintptr_t)0xabc);
    MM_CHECK_STR(t, got, want);
}

/*
 * ksnprintf without its format attribute: GCC would reject the huge
 * widths below at compile time, and they are the point of the test.
 */
static int
format_unchecked(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = kvsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

/*
 * Widths are capped at KFORMAT_MAX_WIDTH: digits that would overflow an
 * int and an INT_MIN '*' width (whose absolute value overflows) give a
 * 4096-character field instead of undefined behaviour.
 */
MM_TEST(format, huge_widths_are_capped)
{
    static char big[KFORMAT_MAX_WIDTH + 8];
    const int cap = KFORMAT_MAX_WIDTH, int_min = -2147483647 - 1;
    char b[8];
    int n;

    MM_CHECK_EQ(t, format_unchecked(b, 8, "%2147483648d", 1), cap);
    MM_CHECK_EQ(t, format_unchecked(b, 8, "%99999999999999999999d", 1),
                cap);
    MM_CHECK_EQ(t, format_unchecked(b, 8, "%4096d", 1), 4096);
    MM_CHECK_EQ(t, format_unchecked(b, 8, "%4095d", 1), 4095);
    MM_CHECK_EQ(t, format_unchecked(b, 8, "%4097d", 1), cap);
    MM_CHECK_EQ(t, format_unchecked(b, 8, "%*d", 2147483647, 1), cap);
    MM_CHECK_EQ(t, format_unchecked(b, 8, "%*d", int_min, 1), cap);
    /* INT_MIN means left-justified: the digit comes first. */
    n = format_unchecked(big, sizeof big, "%*d|", int_min, 7);
    MM_CHECK_EQ(t, n, KFORMAT_MAX_WIDTH + 1);
    MM_CHECK_EQ(t, big[0], '7');
    MM_CHECK_EQ(t, big[KFORMAT_MAX_WIDTH - 1], ' ');
    MM_CHECK_EQ(t, big[KFORMAT_MAX_WIDTH], '|');
}
