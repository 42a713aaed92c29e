# SPDX-License-Identifier: GPL-2.0
#
# spin-guest.sh - sourced by trace-syscall.sh and profile.sh: boots the
# guest with QEMU's gdbstub on a unix socket and waits until its init
# spins on getpid() (utrace_ci.bench=spin, qemu-ci/init).
#
# spin_guest KERNEL INITRD WORK_DIR [KERNEL_ARGS...]
#   Starts QEMU in the background (its pid in $qpid, the socket at
#   WORK_DIR/gdb.sock) and returns once the guest spins; fails after 2
#   minutes.  The caller kills $qpid when done.

spin_guest() {
	local kernel=$1 initrd=$2 work=$3
	shift 3
	timeout 300 qemu-system-x86_64 -accel tcg -smp 2 -m 2048 -nodefaults -nographic \
		-no-reboot -display none -kernel "$kernel" -initrd "$initrd" \
		-append "console=ttyS0 panic=-1 reboot=t kunit.enable=0 utrace_ci.bench=spin $*" \
		-chardev file,id=con,path="$work/console.log" -serial chardev:con \
		-chardev file,id=res,path="$work/results.log" -serial chardev:res \
		-chardev socket,path="$work/gdb.sock",server=on,wait=off,id=gdb0 -gdb chardev:gdb0 \
		< /dev/null > "$work/qemu.log" 2>&1 &
	qpid=$!
	for _ in $(seq 1 240); do
		grep -q 'spinning on getpid' "$work/console.log" 2>/dev/null && return 0
		sleep 0.5
	done
	echo "spin-guest: the guest did not start spinning" >&2
	return 1
}
