/*
 * kernel/lib_test.c - tests of kernel/lib.c's memset, in the kernel
 * only (on the host memset is the C library's).
 *
 * memset takes whole words from a word boundary for runs of 16 bytes
 * or more and bytes at the ends, so every start alignment and every
 * length around that limit is tried, with guard bytes on both sides.
 */
#include "../mm/test.h"
#include "kernel.h"

MM_TEST(lib, memset_every_alignment_and_length)
{
    uint8_t buf[64];
    size_t off, len, i;
    bool ok = true;

    for (off = 0; off < 4; off++)
        for (len = 0; len <= 40; len++) {
            for (i = 0; i < sizeof buf; i++)
                buf[i] = 0xAA;
            if (memset(buf + 8 + off, 0x5C, len) != buf + 8 + off)
                ok = false;
            for (i = 0; i < sizeof buf; i++)
                if (buf[i] != (i >= 8 + off && i < 8 + off + len ?
                               0x5C : 0xAA))
                    ok = false;
        }
    MM_CHECK(t, ok);
}
