#!/usr/bin/env python3
"""tools/gentrace.py - a kernel-like allocation trace for make replay.

    tools/gentrace.py > tests/traces/kernel-like.rep

Writes a malloc-lab trace (see tests/bench/replay.c) whose request sizes
follow a kernel's kmalloc mix: 60 % fall in the 128-byte bucket (65-128
bytes), 33 % in the 64-byte one (33-64), 4 % in the 16-byte one (1-16),
1 % in the 32-byte one (17-32), and the other 2 % anywhere from 129 bytes
to 4 KiB; each size is uniform within its range.

The trace has three phases: a ramp, where 80 % of the ops allocate,
until PEAK blocks are live; a steady phase of STEADY ops where each op
frees or allocates with even odds, never above PEAK live; and a drain
that frees every block left, in random order.  In the first two phases
2 % of the ops resize a live block to a fresh size from the same mix.
Every allocation gets a fresh id.  The seed is fixed, so the output is
the same on every run; Python 3's standard library only.
"""
import random
import sys

SEED = 20261201
PEAK = 2600        # most blocks live at once
STEADY = 20000     # ops in the steady phase
MIX = [            # (share in percent, smallest, largest size in bytes)
    (60, 65, 128),
    (33, 33, 64),
    (4, 1, 16),
    (1, 17, 32),
    (2, 129, 4096),
]


def size(rng):
    """A request size drawn from MIX."""
    pick = rng.uniform(0, 100)
    for share, lo, hi in MIX:
        if pick < share:
            return rng.randint(lo, hi)
        pick -= share
    return rng.randint(MIX[-1][1], MIX[-1][2])


def main():
    rng = random.Random(SEED)
    ops, live, sizes = [], [], {}
    state = {"next_id": 0, "requested": 0, "peak": 0}

    def alloc():
        i = state["next_id"]
        state["next_id"] += 1
        sizes[i] = size(rng)
        live.append(i)
        ops.append("a %d %d" % (i, sizes[i]))
        state["requested"] += sizes[i]
        state["peak"] = max(state["peak"], state["requested"])

    def free_random():
        j = rng.randrange(len(live))
        live[j], live[-1] = live[-1], live[j]
        i = live.pop()
        ops.append("f %d" % i)
        state["requested"] -= sizes[i]

    def resize():
        i = live[rng.randrange(len(live))]
        new = size(rng)
        ops.append("r %d %d" % (i, new))
        state["requested"] += new - sizes[i]
        sizes[i] = new
        state["peak"] = max(state["peak"], state["requested"])

    while len(live) < PEAK:                         # ramp
        roll = rng.random()
        if live and roll < 0.02:
            resize()
        elif live and roll < 0.20:
            free_random()
        else:
            alloc()
    for _ in range(STEADY):                         # steady
        roll = rng.random()
        if roll < 0.02:
            resize()
        elif roll < 0.51 or len(live) >= PEAK:
            free_random()
        else:
            alloc()
    rng.shuffle(live)                               # drain
    for i in live:
        ops.append("f %d" % i)

    out = sys.stdout
    out.write("%d\n%d\n%d\n1\n" % (state["peak"], state["next_id"], len(ops)))
    out.write("\n".join(ops) + "\n")


if __name__ == "__main__":
    main()
