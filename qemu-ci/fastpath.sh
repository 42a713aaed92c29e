#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# fastpath.sh - what the series changes in the code every syscall runs:
# the x86_64 entry function, whose fast path (no syscall work) is the
# same with and without utrace-rs, stock against prod.
#
# For each function, the instructions of both kernels are compared with
# addresses, jump targets and RIP-relative displacements masked, so what
# remains are real differences: added instructions, changed masks, moved
# task_struct offsets.  Prints the count and the differing lines.
#
# Usage: fastpath.sh STOCK_OBJ PROD_OBJ [FUNCTION...]
set -euo pipefail
STOCK=${1:?usage: fastpath.sh STOCK_OBJ PROD_OBJ [FUNCTION...]}; PROD=${2:?}; shift 2
[ $# -gt 0 ] || set -- do_syscall_64
OBJDUMP=$(command -v llvm-objdump-22 || command -v llvm-objdump-19 || command -v objdump)

insns() {
	"$OBJDUMP" -d --no-show-raw-insn --disassemble-symbols="$2" "$1/vmlinux" 2>/dev/null |
		grep -E '^ *[0-9a-f]+:' |
		sed -E 's/^ *[0-9a-f]+:[[:space:]]*//; s/<[^>]*>//g; s/0x[0-9a-f]+\(%rip\)/REL(%rip)/g;
			s/ffffffff[0-9a-f]{8}//g; s/%gs:-?0x[0-9a-f]+/%gs:PERCPU/g; s/#.*//; s/[[:space:]]+$//'
}

for fn in "$@"; do
	a=$(insns "$STOCK" "$fn"); b=$(insns "$PROD" "$fn")
	echo "$fn: stock $(wc -l <<< "$a") instructions, prod $(wc -l <<< "$b")"
	diff <(echo "$a") <(echo "$b") | grep '^[<>]' | sed 's/^/  /' || echo "  identical"
done
