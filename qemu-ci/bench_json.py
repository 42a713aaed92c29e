#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""bench_json.py - stamp the guest benchmark's JSON for the build area.

Adds what the numbers depend on: kernel version (from the console), QEMU
accelerator, guest CPU count and the date.  Carries every goal the guest
checked, with whether it was met, and counts them: a row whose goal the
guest marked has "goal" and "goal_met" (true, false, or null for a row
without a goal); "goals" lists every goal, those below the table too.
Prints the goals that were not met on stderr.
"""
import datetime
import json
import re
import sys

results, console = sys.argv[1], sys.argv[2]
data = None
for line in open(results, errors="replace"):
    if line.startswith("JSON: "):
        data = json.loads(line[len("JSON: "):])
if data is None:
    sys.exit("bench_json: the guest printed no JSON (see " + results + ")")
version = "?"
# Boot messages of debug options the guest cannot see from user space.
banners = {
    "KernelAddressSanitizer initialized": "kasan",
    "Lock dependency validator": "lockdep",
    "Kernel memory leak detector initialized": "kmemleak",
    "kfence: initialized": "kfence",
}
seen = []
for line in open(console, errors="replace"):
    m = re.search(r"Linux version (\S+)", line)
    if m and version == "?":
        version = m.group(1)
    for text, name in banners.items():
        if text in line and name not in seen:
            seen.append(name)

goals = data.get("goals")
if goals is None:
    sys.exit("bench_json: the guest's JSON has no goals (an older utrace-bench?)")
for row in data.get("rows", []):
    if "goal" not in row or "goal_met" not in row:
        sys.exit("bench_json: row %r carries no goal fields" % row.get("name"))
    if row["goal"] is not None and not any(g["what"] == row["name"] for g in goals):
        sys.exit("bench_json: row %r has a goal missing from the goal list" % row["name"])
met = [g for g in goals if g["met"] is True]
not_met = [g for g in goals if g["met"] is not True]
data["goals_summary"] = {
    "met": len(met),
    "not_met": len(not_met),
    "not_met_list": ["%s: %s (goal %s)" % (g["what"], g["value"], g["goal"]) for g in not_met],
}

debug = " ".join(sorted(set(data.get("kernel_debug_options", "").split()) | set(seen)))
data["stamp"] = {
    "kernel": version,
    "kernel_flavour": "debug (" + debug + ")" if debug else "production (no debug option found)",
    "accelerator": "tcg",
    "guest_cpus": data.get("cpus", 2),
    "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
}
json.dump(data, sys.stdout, indent=2)
print()
print("bench: %d goals met, %d not met" % (len(met), len(not_met)), file=sys.stderr)
for g in not_met:
    print("  not met: %s: %s (goal %s)" % (g["what"], g["value"], g["goal"]), file=sys.stderr)
