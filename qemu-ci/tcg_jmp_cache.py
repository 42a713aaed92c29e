#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""tcg_jmp_cache.py - what a traced syscall costs TCG beyond its instructions.

Reads a trace of trace_syscall.py and prints the instruction count, the
functions in order, and the translation blocks whose start addresses share
a slot of QEMU TCG's per-CPU jump cache.  TCG reaches a block after a
return, an indirect jump or a jump to another page through that cache
(tb_jmp_cache_hash_func(), accel/tcg/tb-hash.h, QEMU 7.2: 4096 slots,
indexed by bits of the page number and of the offset).  Two blocks of the
hot path in one slot evict each other: every syscall then misses the cache
twice and looks both blocks up in TCG's global hash table, tens of
nanoseconds each.  Hardware pays nothing for this: it is layout, not work.

Usage: tcg_jmp_cache.py TRACE [TRACE...]  (exit 0; a report, not a test)
"""
import collections
import sys

JMP_CACHE_BITS = 12
PAGE_BITS = 12
JMP_PAGE_BITS = JMP_CACHE_BITS // 2


def jmp_cache_slot(pc):
    tmp = pc ^ (pc >> (PAGE_BITS - JMP_PAGE_BITS))
    page_mask = (1 << JMP_CACHE_BITS) - (1 << JMP_PAGE_BITS)
    return ((tmp >> (PAGE_BITS - JMP_PAGE_BITS)) & page_mask) | \
        (tmp & ((1 << JMP_PAGE_BITS) - 1))


def first_round_trip(path):
    steps = []
    for line in open(path):
        if line.startswith("COUNT"):
            break
        where, pc = line.split()
        steps.append((where, int(pc, 16)))
    return steps


def main():
    for path in sys.argv[1:]:
        steps = first_round_trip(path)
        pcs = [pc for _, pc in steps]
        # A block starts wherever control did not fall through.
        starts = sorted({pcs[0]} | {b for a, b in zip(pcs, pcs[1:]) if not 0 < b - a <= 15})
        slots = collections.defaultdict(list)
        for pc in starts:
            slots[jmp_cache_slot(pc)].append(pc)
        alias = [v for v in slots.values() if len(v) > 1]
        funcs = []
        for where, _ in steps:
            f = where.split("+")[0]
            if not funcs or funcs[-1] != f:
                funcs.append(f)
        names = dict((pc, w) for w, pc in steps)
        print(f"{path}: {len(steps)} instructions, {len(starts)} blocks; "
              f"jump-cache aliasing: {'none' if not alias else ''}")
        for group in alias:
            print("   same slot: " + ", ".join(f"{names[pc]} (0x{pc:x})" for pc in group))
        print("   path: " + " > ".join(funcs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
