/*
 * kernel/lib.c - the few C library functions a freestanding kernel needs.
 *
 * GCC may emit calls to memset, memcpy, memmove and memcmp even in
 * freestanding code (for struct copies and large initialisers), so they
 * must exist under exactly those names.
 */
#include "kernel.h"

bool
kstreq(const char *a, const char *b)
{
    while (*a != '\0' && *a == *b) {
        a++;
        b++;
    }
    return *a == *b;
}

size_t
kstrlen(const char *s)
{
    size_t n = 0;

    while (s[n] != '\0')
        n++;
    return n;
}

/*
 * "rep stosb" stores AL to [EDI], ECX times; "rep stosl" stores EAX,
 * four bytes at a time.  Long runs go by words from a word boundary
 * (QEMU without KVM emulates each repetition, so that is four times
 * fewer), the ends by bytes.
 */
void *
memset(void *dst, int c, size_t n)
{
    void *d = dst;
    size_t head, words;
    uint32_t v = (uint8_t)c * 0x01010101u;

    if (n >= 16) {
        head = -(uintptr_t)d & 3;
        words = (n - head) / 4;
        n -= head + words * 4;
        __asm__ volatile("rep stosb" : "+D"(d), "+c"(head) : "a"(v)
                         : "memory");
        __asm__ volatile("rep stosl" : "+D"(d), "+c"(words) : "a"(v)
                         : "memory");
    }
    __asm__ volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(v) : "memory");
    return dst;
}

void *
memcpy(void *dst, const void *src, size_t n)
{
    void *d = dst;

    __asm__ volatile("rep movsb" : "+D"(d), "+S"(src), "+c"(n) : :
                     "memory");
    return dst;
}

void *
memmove(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;

    if (d <= s || d >= s + n)
        return memcpy(dst, src, n);
    while (n-- > 0)
        d[n] = s[n];
    return dst;
}

int
memcmp(const void *a, const void *b, size_t n)
{
    const unsigned char *x = a, *y = b;
    size_t i;

    for (i = 0; i < n; i++)
        if (x[i] != y[i])
            return x[i] < y[i] ? -1 : 1;
    return 0;
}
