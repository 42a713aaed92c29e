#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""ab.py - the patched/stock comparison of qemu-ci/ab.sh.

Each boot gives a median per call (syscall-ab's AB-MEDIAN lines).  For
each call: the ratio of the median of the patched boots to the median of
the stock boots, its spread over every (patched, stock) pair of boots,
and, as the noise it must be read against, stock against itself over
every pair of distinct stock boots.  Goal: patched/stock 1.00 within that
noise.  Writes OUT/ab.json and prints a table.
"""
import glob
import itertools
import json
import os
import re
import statistics
import sys


def boots(out, kind):
    per_call = {}
    for path in sorted(glob.glob(os.path.join(out, f"boot-*-{kind}.log"))):
        for line in open(path):
            m = re.match(r"AB-MEDIAN (\S+) ([0-9.]+)", line)
            if m:
                per_call.setdefault(m.group(1), []).append(float(m.group(2)))
    return per_call


def main():
    out = sys.argv[1]
    patched, stock = boots(out, "patched"), boots(out, "stock")
    rows = []
    print(f"{'call (no engines)':<18} {'stock ns':>9} {'patched ns':>10} "
          f"{'patched/stock':>13} {'spread':>13} {'stock/stock noise':>17}  goal")
    for call in stock:
        s, p = stock[call], patched.get(call, [])
        if not p or len(s) < 2:
            print(f"{call}: not enough boots", file=sys.stderr)
            return 1
        ratio = statistics.median(p) / statistics.median(s)
        pairs = [a / b for a, b in itertools.product(p, s)]
        noise = [a / b for a, b in itertools.permutations(s, 2)]
        lo_n, hi_n = min(noise), max(noise)
        met = lo_n <= ratio <= hi_n
        rows.append({"call": call, "stock_ns": statistics.median(s),
                     "patched_ns": statistics.median(p), "ratio": ratio,
                     "ratio_lo": min(pairs), "ratio_hi": max(pairs),
                     "noise_lo": lo_n, "noise_hi": hi_n,
                     "goal": "1.00 within stock/stock noise", "met": met,
                     "boots": {"stock": s, "patched": p}})
        print(f"{call:<18} {statistics.median(s):9.1f} {statistics.median(p):10.1f} "
              f"{ratio:13.3f} {min(pairs):6.3f}-{max(pairs):<6.3f} "
              f"{lo_n:8.3f}-{hi_n:<8.3f}  {'met' if met else 'NOT met'}")
    json.dump({"pairs": len(next(iter(stock.values()))), "rows": rows},
              open(os.path.join(out, "ab.json"), "w"), indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
