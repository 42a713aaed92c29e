#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""ktap.py - judge one run of the utrace-rs test guest.

Reads the kernel console (KUnit's KTAP, and any kernel report) and the
results port (the in-guest programs' KTAP, one suite each, plus the
markers qemu-ci/init writes), and prints one line per suite and, last,
the plain line `N passed, N failed, N skipped`.

The run fails, with the reason printed, on:
  - any failed or crashed test case;
  - a kernel report on the console: WARNING, BUG (KASAN, KFENCE, sleeping
    in atomic context...), oops, panic, lockdep splats, hung tasks, RCU
    stalls, soft lockups, list corruption, kmemleak leaks;
  - an expected suite that did not run (or did not finish);
  - a guest that never reached the end of /init (panic, hang, timeout).

Exit status: 0 only when none of the above happened.
"""

import argparse
import re
import sys

# Kernel reports that fail the run.  Each is a regex on one console line.
KERNEL_REPORTS = [
    (r"WARNING: ", "kernel WARNING"),
    (r"\bBUG: ", "kernel BUG (KASAN, KFENCE, atomic sleep, ...)"),
    # "traps: PROG[PID] general protection fault ip:..." is a user process's
    # fault, which the kernel only logs (a fuzzed tracee may well take one).
    (r"\bOops\b|^(?!traps: ).*general protection fault|Unable to handle", "kernel oops"),
    (r"Kernel panic", "kernel panic"),
    (r"possible (recursive|circular) locking|inconsistent lock state|"
     r"lock held when returning|suspicious RCU usage|bad unlock balance",
     "lockdep report"),
    (r"INFO: task .* blocked for more than", "hung task"),
    (r"rcu: INFO: .* detected stalls|rcu_.*self-detected stall", "RCU stall"),
    (r"soft lockup|hard LOCKUP", "lockup"),
    (r"list_(add|del) corruption|refcount_t: ", "data corruption check"),
    (r"kmemleak: .*new suspected memory leaks|unreferenced object 0x",
     "kmemleak leak"),
    (r"UBSAN: ", "UBSAN report"),
]

CASE_RE = re.compile(r"^(\s*)(not ok|ok) (\d+) (\S+)(.*)$")
SUBTEST_RE = re.compile(r"^(\s*)# Subtest: (\S+)")
EXIT_RE = re.compile(r"^# utrace-ci: exit (\S+) (\d+)")


def strip_prefix(line):
    """Removes a printk timestamp, if any, and trailing noise."""
    line = line.rstrip("\r\n")
    return re.sub(r"^\[\s*\d+\.\d+\]\s?", "", line)


class Suite:
    def __init__(self, name, indent, source):
        self.name = name
        self.indent = indent
        self.source = source
        self.cases = []  # (name, status)
        self.closed = False
        self.notes = []

    def counts(self):
        p = sum(1 for _, s in self.cases if s == "pass")
        f = sum(1 for _, s in self.cases if s == "fail")
        k = sum(1 for _, s in self.cases if s == "skip")
        return p, f, k


def parse_ktap(lines, source):
    """Parses KUnit-shaped KTAP into suites (nested suites count alone)."""
    suites = []
    stack = []
    for raw in lines:
        line = strip_prefix(raw)
        m = SUBTEST_RE.match(line)
        if m:
            s = Suite(m.group(2), len(m.group(1)), source)
            suites.append(s)
            stack.append(s)
            continue
        m = CASE_RE.match(line)
        if not m or not stack:
            continue
        indent, verdict, name, rest = len(m.group(1)), m.group(2), m.group(4), m.group(5)
        top = stack[-1]
        if indent == top.indent:
            status = "pass" if verdict == "ok" else "fail"
            if re.search(r"#\s*SKIP", rest, re.I):
                status = "skip"
            # A nested suite's own closing line is a case of its parent.
            top.cases.append((name, status))
        elif indent < top.indent and name == top.name:
            top.closed = True
            if verdict == "not ok" and not any(s == "fail" for _, s in top.cases):
                top.notes.append("suite reported not ok")
                top.cases.append(("<suite>", "fail"))
            stack.pop()
            if stack and indent == stack[-1].indent:
                # Parameterised tests: the closing line is a parent's case.
                pass
    return suites


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--console", required=True)
    ap.add_argument("--results", required=True)
    ap.add_argument("--expected", required=True)
    ap.add_argument("--qemu-status", default="ok")
    ap.add_argument("--timeout", default="?")
    # The architecture's list of guest programs not ported to it
    # (qemu-ci/arch/ARCH/not-ported): their suites are not expected.
    ap.add_argument("--not-ported", default=None)
    args = ap.parse_args()

    def read(path):
        try:
            with open(path, errors="replace") as f:
                return f.readlines()
        except FileNotFoundError:
            return []

    console = read(args.console)
    results = read(args.results)
    expected = [l.split("#")[0].strip() for l in read(args.expected)]
    expected = [e for e in expected if e]
    not_ported = {}
    for l in read(args.not_ported) if args.not_ported else []:
        words = l.split("#")[0].split(None, 2)
        if len(words) == 3 and words[1] != "-":
            not_ported[words[1]] = f"{words[0]}: {words[2].strip()}"
    expected = [e for e in expected if e not in not_ported]

    problems = []

    # Kernel reports.
    reports = []
    for i, raw in enumerate(console):
        line = strip_prefix(raw)
        for pat, what in KERNEL_REPORTS:
            if re.search(pat, line):
                reports.append((i + 1, what, line.strip()))
                break
    for lineno, what, line in reports[:20]:
        problems.append(f"{what} at console.log:{lineno}: {line}")
    if len(reports) > 20:
        problems.append(f"... and {len(reports) - 20} more kernel reports")

    suites = parse_ktap(console, "kunit") + parse_ktap(results, "guest")

    # Exit codes of the guest programs.
    exits = {}
    for raw in results:
        m = EXIT_RE.match(strip_prefix(raw))
        if m:
            exits[m.group(1)] = int(m.group(2))
    if any("kmemleak found leaks" in l for l in results):
        problems.append("kmemleak found leaks (see console.log)")

    passed = failed = skipped = 0
    print("suite results:")
    for s in suites:
        p, f, k = s.counts()
        if not s.closed:
            s.notes.append("did not finish (crashed or killed)")
            f += 1
        passed, failed, skipped = passed + p, failed + f, skipped + k
        verdict = "FAIL" if f else "ok"
        note = f" ({'; '.join(s.notes)})" if s.notes else ""
        print(f"  {verdict:4} {s.source:5} {s.name}: {p} passed, {f} failed, {k} skipped{note}")
        for name, st in s.cases:
            if st == "fail":
                print(f"         failed: {s.name}.{name}")
    for prog, rc in sorted(exits.items()):
        if rc != 0:
            reason = "killed by the time limit" if rc in (137, 124) else f"exit status {rc}"
            problems.append(f"guest program {prog}: {reason}")

    for suite, why in sorted(not_ported.items()):
        print(f"  skip  guest {suite}: not ported to this architecture ({why})")

    ran = {s.name for s in suites}
    for e in expected:
        if e not in ran:
            problems.append(f"expected suite {e} did not run")
            failed += 1

    finished = any(l.strip() == "UTRACE-CI END" for l in results)
    if args.qemu_status == "timeout":
        problems.append(f"guest timed out after {args.timeout}s (hung?); "
                        f"last console line: {strip_prefix(console[-1]).strip() if console else '<none>'}")
    elif args.qemu_status != "ok":
        problems.append(f"QEMU failed: {args.qemu_status}")
    elif not finished:
        problems.append("guest stopped before the end of /init (panic or reboot?)")

    if problems:
        print("problems:")
        for p in problems:
            print(f"  - {p}")
    print(f"{passed} passed, {failed} failed, {skipped} skipped")
    return 1 if (problems or failed) else 0


if __name__ == "__main__":
    sys.exit(main())
