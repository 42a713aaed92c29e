#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# ab.sh - what the hooks cost a task with no engines: boots the stock and
# the patched production kernels in turn (stock first, then alternating),
# each running /usr/bin/syscall-ab, and compares them with qemu-ci/ab.py.
# Then, for each kernel, the instructions of one getpid() round trip and
# their TCG jump-cache aliasing (trace-syscall.sh, tcg_jmp_cache.py): the
# part of the comparison that does not depend on the emulator's timing.
#
# Usage: ab.sh PATCHED_BZIMAGE STOCK_BZIMAGE INITRAMFS OUT_DIR PAIRS [KERNEL_ARGS...]
set -euo pipefail
PATCHED=${1:?}; STOCK=${2:?}; INITRD=${3:?}; OUT=${4:?}; PAIRS=${5:?}; shift 5
HERE=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$OUT"
rm -f "$OUT"/boot-*.log
for i in $(seq 1 "$PAIRS"); do
	for k in stock patched; do
		img=$STOCK; [ $k = patched ] && img=$PATCHED
		echo "ab: boot $i of $PAIRS, $k kernel"
		UTRACE_TIMEOUT=300 bash "$HERE/run.sh" "$img" "$INITRD" "$OUT/run" /dev/null \
			utrace_ci.bench=ab kunit.enable=0 "$@" > "$OUT/run.log" 2>&1 ||
			{ cat "$OUT/run.log"; echo "ab: the $k boot failed" >&2; exit 1; }
		grep '^AB' "$OUT/run/results.log" > "$OUT/boot-$i-$k.log" ||
			{ cat "$OUT/run/results.log"; echo "ab: no timings from the $k boot" >&2; exit 1; }
	done
done
python3 "$HERE/ab.py" "$OUT"
for k in stock patched; do
	img=$STOCK; [ $k = patched ] && img=$PATCHED
	map=$(dirname "$img")/../../../System.map
	bash "$HERE/trace-syscall.sh" "$img" "$map" "$INITRD" "$OUT/trace-$k.txt"
done
python3 "$HERE/tcg_jmp_cache.py" "$OUT/trace-stock.txt" "$OUT/trace-patched.txt"
