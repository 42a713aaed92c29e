#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh - boot the test guest under QEMU (TCG: KVM hangs on these hosts),
# with a hard time limit, and judge what it printed.
#
# The kernel console goes to OUT/console.log, the test programs' KTAP to
# OUT/results.log (a second serial port, so printk never interleaves with
# it); qemu-ci/ktap.py reads both and prints the verdict.
#
# On arm64 (UTRACE_ARCH=arm64) the guest is QEMU's virt board: the console
# on its PL011 UART, the KTAP on a virtio console (hvc0), as it has no
# second UART for the non-secure world.
#
# Usage: run.sh KERNEL_IMAGE INITRAMFS OUT_DIR EXPECTED_SUITES [KERNEL_ARGS...]
# Environment: UTRACE_TIMEOUT (seconds, default 900), UTRACE_SMP (2),
# UTRACE_ARCH (x86_64 or arm64; default x86_64).
set -uo pipefail
KERNEL=${1:?}; INITRD=${2:?}; OUT=${3:?}; EXPECTED=${4:?}; shift 4
HERE=$(cd "$(dirname "$0")" && pwd)
TIMEOUT=${UTRACE_TIMEOUT:-900}
mkdir -p "$OUT"
rm -f "$OUT/console.log" "$OUT/results.log"

ARCH=${UTRACE_ARCH:-x86_64}
# shellcheck source=qemu-ci/arch/x86_64/arch.env
. "$HERE/arch/$ARCH/arch.env" || exit 2
case $ARCH in
x86_64)
	machine=()
	results=(-chardev file,id=res,path="$OUT/results.log" -serial chardev:res)
	append="console=$CONSOLE reboot=t" ;;
arm64)
	machine=(-machine virt -cpu cortex-a57)
	results=(-device virtio-serial-device
		 -chardev file,id=res,path="$OUT/results.log" -device virtconsole,chardev=res)
	append="console=$CONSOLE utrace_ci.results=hvc0" ;;
esac
append="$append kunit.enable=1 panic=-1 loglevel=7 $*"
echo "qemu: booting $ARCH $(basename "$KERNEL") (tcg, ${UTRACE_SMP:-2} cpus, limit ${TIMEOUT}s): $append"
start=$(date +%s)
timeout -k 10 "$TIMEOUT" "$QEMU_SYSTEM" "${machine[@]}" \
	-accel tcg -smp "${UTRACE_SMP:-2}" -m 2048 \
	-nodefaults -nographic -no-reboot -display none \
	-kernel "$KERNEL" -initrd "$INITRD" -append "$append" \
	-chardev file,id=con,path="$OUT/console.log" -serial chardev:con \
	"${results[@]}" \
	< /dev/null
rc=$?
elapsed=$(( $(date +%s) - start ))
echo "qemu: exited with status $rc after ${elapsed}s"
status=ok
[ $rc = 124 ] || [ $rc = 137 ] && status=timeout
[ $status = ok ] && [ $rc != 0 ] && status="qemu-error-$rc"
# The guest must run on the CPUs asked for: races need two.
cpus=${UTRACE_SMP:-2}
if [ $status = ok ] && [ "$cpus" -gt 1 ] &&
   ! grep -q "smp: Brought up [0-9]* nodes\?, $cpus CPUs" "$OUT/console.log"; then
	status="guest-saw-fewer-than-$cpus-cpus"
fi
if [ -n "${UTRACE_DEMO:-}" ]; then
	# The walk-through itself, then the same check for kernel reports.
	grep -v '^UTRACE-CI' "$OUT/results.log"
	echo
fi
not_ported=()
[ ! -f "$HERE/arch/$ARCH/not-ported" ] || not_ported=(--not-ported "$HERE/arch/$ARCH/not-ported")
exec python3 "$HERE/ktap.py" --console "$OUT/console.log" --results "$OUT/results.log" \
	--expected "$EXPECTED" --qemu-status "$status" --timeout "$TIMEOUT" "${not_ported[@]}"
