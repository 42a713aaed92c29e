#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""bench_json.py - stamp the guest benchmark's JSON for the build area.

Adds what the numbers depend on: kernel version (from the console), QEMU
accelerator, guest CPU count and the date.
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
for line in open(console, errors="replace"):
    m = re.search(r"Linux version (\S+)", line)
    if m:
        version = m.group(1)
        break
data["stamp"] = {
    "kernel": version,
    "accelerator": "tcg",
    "guest_cpus": 2,
    "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
}
json.dump(data, sys.stdout, indent=2)
print()
