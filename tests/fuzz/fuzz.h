/*
 * tests/fuzz/fuzz.h - what every fuzz harness shares.
 *
 * A harness is one function, LLVMFuzzerTestOneInput(data, size), that
 * reads its input as a program - a setup and a list of operations - runs
 * it against the code under test and checks every result against an
 * independent model.  A failed check aborts, which the engine records
 * as a crash and keeps the input as a reproducer.
 *
 * The same harness builds two ways (see the Makefile):
 *   build/fuzz/NAME      clang + libFuzzer + ASan/UBSan: "make fuzz";
 *   build/fuzz/replay-NAME  gcc + ASan/UBSan + tests/fuzz/replay.c:
 *                        runs saved inputs as ordinary tests.
 * Either binary, run with a file (replay: with -v), prints the input's
 * operations as it runs them: that is the decoder of a reproducer.
 *
 * Invariant: an input of any length is a valid program: reading past
 * its end gives zeros, so the fuzzer never wastes time on parse errors.
 */
#ifndef FUZZ_FUZZ_H
#define FUZZ_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The input, read front to back. */
struct fuzz_in {
    const uint8_t *data;
    size_t size;
    size_t pos;             /* next byte to read */
};

static inline bool
fuzz_more(const struct fuzz_in *in)
{
    return in->pos < in->size;
}

/* The next n bytes (n <= 8), little-endian; zeros past the end. */
static inline uint64_t
fuzz_take(struct fuzz_in *in, unsigned n)
{
    uint64_t v = 0;
    unsigned i;

    for (i = 0; i < n; i++, in->pos++)
        if (in->pos < in->size)
            v |= (uint64_t)in->data[in->pos] << (8 * i);
    return v;
}

static inline uint8_t
fuzz_u8(struct fuzz_in *in)
{
    return (uint8_t)fuzz_take(in, 1);
}

static inline uint16_t
fuzz_u16(struct fuzz_in *in)
{
    return (uint16_t)fuzz_take(in, 2);
}

static inline uint32_t
fuzz_u32(struct fuzz_in *in)
{
    return (uint32_t)fuzz_take(in, 4);
}

static inline uint64_t
fuzz_u64(struct fuzz_in *in)
{
    return fuzz_take(in, 8);
}

/* True when operations are printed (a single input being decoded). */
extern bool fuzz_verbose;

/* Prints one decoded operation when fuzz_verbose is set. */
void fuzz_op(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Reports a failed check with the operation count, then aborts. */
void fuzz_fail(const char *file, int line, const char *expr)
    __attribute__((noreturn));

#define FUZZ_CHECK(e)                                                   \
    ((e) ? (void)0 : fuzz_fail(__FILE__, __LINE__, #e))

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif /* FUZZ_FUZZ_H */
