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
qpid=
trap 'kill "$qpid" 2>/dev/null || true; rm -rf "$work"' EXIT

# shellcheck source=qemu-ci/spin-guest.sh
. "$HERE/spin-guest.sh"
spin_guest "$KERNEL" "$INITRD" "$work" "$@"
# gdb speaks to the unix socket through a small bridge (no local TCP here).
SYSTEM_MAP=$MAP OUT=$OUT timeout ${TRACE_TIMEOUT:-240} gdb -q -batch -nx \
	-ex "target remote | python3 $HERE/gdb_unix_bridge.py $work/gdb.sock" \
	-x "$HERE/trace_syscall.py" > "$work/gdb.log" 2>&1 || true
grep -q '^COUNT' "$OUT" 2>/dev/null || { cat "$work/gdb.log" >&2; echo "trace: no trace" >&2; exit 1; }
