# SPDX-License-Identifier: GPL-2.0
"""trace_syscall.py - gdb script: single-step one getpid() round trip.

Loaded by qemu-ci/trace-syscall.sh into gdb attached to QEMU's gdbstub.
Stops at the kernel's syscall entry with rax == __NR_getpid (39), then
steps instruction by instruction until the CPU is back in user mode, and
writes one "function+offset address" line per instruction, then "COUNT n".
Three round trips are stepped; the first is the one reported.

Environment: SYSTEM_MAP (the kernel's System.map), OUT (the file).
ROUNDTRIP=1: step until the CPU is back at the caller's own next user
instruction (the rcx the syscall saved) rather than at the first user
instruction: for a getpid that a monitor on the same CPU answers (the
spin_engines=channel and unotify guests), the whole exchange, the
monitor's user code and syscalls included, on one CPU.
"""
import bisect
import os

import gdb

syms = []
for line in open(os.environ["SYSTEM_MAP"]):
    addr, kind, name = line.split()[:3]
    if kind in "tTwW":
        syms.append((int(addr, 16), name))
syms.sort()
addrs = [a for a, _ in syms]
entry = dict((n, a) for a, n in syms)["entry_SYSCALL_64"]


def where(pc):
    i = bisect.bisect_right(addrs, pc) - 1
    return "%s+0x%x" % (syms[i][1], pc - syms[i][0]) if i >= 0 else "?"


gdb.execute("set pagination off")
gdb.execute("break *0x%x if $rax == 39" % entry)
roundtrip = os.environ.get("ROUNDTRIP") == "1"
limit = 2000000 if roundtrip else 20000
with open(os.environ["OUT"], "w") as out:
    for _ in range(3):
        gdb.execute("continue", to_string=True)
        back = int(gdb.parse_and_eval("$rcx")) & 0xFFFFFFFFFFFFFFFF
        n = 0
        while n < limit:
            pc = int(gdb.parse_and_eval("$pc")) & 0xFFFFFFFFFFFFFFFF
            if pc < 0x800000000000 and (not roundtrip or pc == back):
                break
            out.write("%s 0x%x\n" % (where(pc), pc))
            n += 1
            gdb.execute("stepi", to_string=True)
        out.write("COUNT %d\n" % n)
gdb.execute("kill")
