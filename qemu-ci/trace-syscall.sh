#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# trace-syscall.sh - the instructions one untraced getpid() runs in a
# kernel, counted by single-stepping the guest through QEMU's gdbstub,
# and the TCG jump-cache aliasing of that path (qemu-ci/tcg_jmp_cache.py).
#
# These are the deterministic half of the A/B: the timing in a TCG guest
# also pays for where the code lies, which hardware does not.
#
# Usage: trace-syscall.sh BZIMAGE SYSTEM_MAP INITRAMFS OUT_TRACE [KERNEL_ARGS...]
# (utrace_ci.spin_engines=N: the getpid of a task with N no-op engines)
set -euo pipefail
KERNEL=${1:?}; MAP=${2:?}; INITRD=${3:?}; OUT=${4:?}; shift 4
HERE=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'kill "$qpid" 2>/dev/null || true; rm -rf "$work"' EXIT

timeout 300 qemu-system-x86_64 -accel tcg -smp 2 -m 2048 -nodefaults -nographic \
	-no-reboot -display none -kernel "$KERNEL" -initrd "$INITRD" \
	-append "console=ttyS0 panic=-1 reboot=t kunit.enable=0 utrace_ci.bench=spin $*" \
	-chardev file,id=con,path="$work/console.log" -serial chardev:con \
	-chardev file,id=res,path="$work/results.log" -serial chardev:res \
	-chardev socket,path="$work/gdb.sock",server=on,wait=off,id=gdb0 -gdb chardev:gdb0 \
	< /dev/null > "$work/qemu.log" 2>&1 &
qpid=$!
for _ in $(seq 1 240); do
	grep -q 'spinning on getpid' "$work/console.log" 2>/dev/null && break
	sleep 0.5
done
grep -q 'spinning on getpid' "$work/console.log" || { echo "trace: the guest did not start spinning" >&2; exit 1; }
# gdb speaks to the unix socket through a small bridge (no local TCP here).
SYSTEM_MAP=$MAP OUT=$OUT timeout 240 gdb -q -batch -nx \
	-ex "target remote | python3 $HERE/gdb_unix_bridge.py $work/gdb.sock" \
	-x "$HERE/trace_syscall.py" > "$work/gdb.log" 2>&1 || true
grep -q '^COUNT' "$OUT" 2>/dev/null || { cat "$work/gdb.log" >&2; echo "trace: no trace" >&2; exit 1; }
