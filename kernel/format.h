/*
 * kernel/format.h - printf-style formatting without libc.
 *
 * Conversions: %c %s %d %i %u %x %X %p %%, with the length modifiers
 * l, ll and z (%ld %lu %lx %lld %llu %llx %zu %zd %zx ...), the flags
 * '-' (left-justify) and '0' (zero-pad), and a width (digits or '*').
 * A negative '*' width means '-' and its absolute value, as in C.  A
 * width above KFORMAT_MAX_WIDTH is cut to it (C would overflow int on
 * "%2147483648d" or on an INT_MIN '*' width; here both give 4096).
 * %p prints 0x and the address zero-padded to the pointer width; flags
 * and width do not change it.
 * Unknown conversions are copied through as written.
 */
#ifndef KERNEL_FORMAT_H
#define KERNEL_FORMAT_H

#include <stdarg.h>
#include <stddef.h>

#define KFORMAT_MAX_WIDTH   4096    /* widest field: larger widths cut */

/* Calls out(c, ctx) for each character; returns how many were produced. */
int kformat(void (*out)(char c, void *ctx), void *ctx, const char *fmt,
            va_list ap);

/* C99 semantics: at most size bytes including the NUL; returns the
 * length the whole result would have had. */
int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int ksnprintf(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif /* KERNEL_FORMAT_H */
