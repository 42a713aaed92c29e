#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# profile.sh - where a TCG guest spends its time while a task with N no-op
# engines calls getpid() in a loop: qemu-ci/pcsample.py samples the vCPUs'
# instruction pointers through QEMU's gdbstub and prints the hottest
# kernel symbols.  A tool for finding costs, not for timing them (that is
# `make bench`).
#
# Usage: profile.sh BZIMAGE SYSTEM_MAP INITRAMFS ENGINES [SECONDS]
set -euo pipefail
KERNEL=${1:?}; MAP=${2:?}; INITRD=${3:?}; ENGINES=${4:?}; SECONDS_=${5:-20}
HERE=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'kill "$qpid" 2>/dev/null || true; rm -rf "$work"' EXIT

timeout 300 qemu-system-x86_64 -accel tcg -smp 2 -m 2048 -nodefaults -nographic \
	-no-reboot -display none -kernel "$KERNEL" -initrd "$INITRD" \
	-append "console=ttyS0 panic=-1 reboot=t kunit.enable=0 utrace_ci.bench=spin utrace_ci.spin_engines=$ENGINES" \
	-chardev file,id=con,path="$work/console.log" -serial chardev:con \
	-chardev file,id=res,path="$work/results.log" -serial chardev:res \
	-chardev socket,path="$work/gdb.sock",server=on,wait=off,id=gdb0 -gdb chardev:gdb0 \
	< /dev/null > "$work/qemu.log" 2>&1 &
qpid=$!
for _ in $(seq 1 240); do
	grep -q 'spinning on getpid' "$work/console.log" 2>/dev/null && break
	sleep 0.5
done
grep -q 'spinning on getpid' "$work/console.log" || { echo "profile: the guest did not start spinning" >&2; exit 1; }
python3 "$HERE/pcsample.py" "$work/gdb.sock" "$MAP" "$SECONDS_" 0.01 2
