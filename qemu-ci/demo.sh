#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The `make demo` walk-through, run inside the guest by /init: strace
# stacked over a partial VM, in the right order and in the naive one, with
# the strace engine and then with Debian's own strace through ptrace; then
# the same with the VM in user space (uvm, over /dev/utrace-channel); last,
# the branch trace of the program.
RULES='return getuid 1000; return geteuid 1000; uname nodename vm-guest; redirect /virtual /tmp/real'

mkdir -p /tmp/real
echo "hello from /tmp/real" > /tmp/real/hostname

step() { printf '\n=== %s ===\n' "$1"; }

# traced ORDER: run sysinfo under the VM and strace engines in ORDER, and
# show what the program printed, then what strace saw (from its first
# getuid on: the program's own work, after the C library's start-up).
traced() {
	printf "\$ utrace --order %s --vm '%s' --strace -- sysinfo /virtual/hostname\n" "$1" "$RULES"
	utrace --order "$1" --vm "$RULES" --strace -- sysinfo /virtual/hostname \
		> /tmp/out 2> /tmp/trace
	echo "--- the program printed:"
	cat /tmp/out
	echo "--- strace saw:"
	sed -n '/^getuid/,$p' /tmp/trace
}

step "1. The program alone: root, the guest's name, no /virtual"
echo '$ sysinfo /virtual/hostname'
sysinfo /virtual/hostname

step "2. Under the VM engine: uid 1000, another host name, /virtual mapped to /tmp/real"
printf "\$ utrace --vm '%s' -- sysinfo /virtual/hostname\n" "$RULES"
utrace --vm "$RULES" -- sysinfo /virtual/hostname

step "3. strace stacked over the VM (strace attached last, closest to the program)"
echo "strace shows the calls as the program made them and the results as it got them:"
traced reverse

step "4. The naive order (strace attached first, under the VM)"
echo "strace now shows the real path and the real host name, which the program never saw:"
traced forward

# debian_strace ORDER VM: Debian's own /usr/bin/strace and a VM (VM is
# "utrace --vm", the VM engine, or "uvm --rules", the VM in user space),
# strace attached after the VM's engine ("outside") or before it
# ("inside"); shows what the program printed, then what strace saw of the
# calls the VM changes.
STRACE_OPTS='-qq -a0 -e signal=none -e trace=getuid,geteuid,uname,openat'
debian_strace() {
	vm=$2
	rm -f /tmp/strace.log
	if [ "$1" = outside ]; then
		printf "\$ %s '%s' -- strace %s -o /tmp/strace.log sysinfo /virtual/hostname\n" \
			"$vm" "$RULES" "$STRACE_OPTS"
		$vm "$RULES" -- strace $STRACE_OPTS -o /tmp/strace.log \
			sysinfo /virtual/hostname > /tmp/out
	else
		printf "\$ strace -f %s -o /tmp/strace.log %s '%s' -- sysinfo /virtual/hostname\n" \
			"$STRACE_OPTS" "$vm" "$RULES"
		strace -f $STRACE_OPTS -o /tmp/strace.log $vm "$RULES" -- \
			sysinfo /virtual/hostname > /tmp/out
	fi
	echo "--- the program printed:"
	cat /tmp/out
	echo "--- strace saw:"
	cat /tmp/strace.log
}

step "5. Debian's unmodified strace stacked over the VM engine through ptrace-compat"
echo "ptrace is one more layer, placed by the moment it attached. Started under the"
echo "VM, strace attaches to the program after the VM engine did: it sits outside the"
echo "VM, as in step 3, and shows what the program asked for and what it got:"
debian_strace outside "utrace --vm"
echo
echo "The naive order: strace -f takes utrace's child at fork, before utrace attaches"
echo "the VM engine to it, so strace sits inside the VM, as in step 4: the real path,"
echo "the real host name. (Its first line is utrace itself opening /dev/utrace.)"
debian_strace inside "utrace --vm"

# uvm_traced ORDER: sysinfo under uvm and the strace engine, strace
# attached after uvm's engine ("right": utrace runs under uvm and attaches
# strace to its own child, which uvm's engine already follows) or before it
# ("naive": utrace's strace engine follows uvm's child from its fork,
# before uvm attaches).  In the naive order strace traces uvm too: only the
# program's lines are shown, "[pid N] " first.
uvm_traced() {
	if [ "$1" = right ]; then
		printf "\$ uvm --rules '%s' -- utrace --strace -- sysinfo /virtual/hostname\n" "$RULES"
		uvm --rules "$RULES" -- utrace --strace -- sysinfo /virtual/hostname \
			> /tmp/out 2> /tmp/trace
	else
		printf "\$ utrace --strace -- uvm --rules '%s' -- sysinfo /virtual/hostname\n" "$RULES"
		utrace --strace -- uvm --rules "$RULES" -- sysinfo /virtual/hostname \
			> /tmp/out 2> /tmp/trace.all
		grep '^\[pid ' /tmp/trace.all > /tmp/trace
	fi
	echo "--- the program printed:"
	cat /tmp/out
	echo "--- strace saw:"
	sed -n '/getuid()/,$p' /tmp/trace
}

step "6. The VM in user space: uvm, a monitor over /dev/utrace-channel"
echo "The same rules, applied by a program: the channel engine stops the program at"
echo "the calls the rules name (its syscall set; the others never reach uvm), and uvm"
echo "answers: skip and return, edit uname's buffer, rewrite the path:"
printf "\$ uvm --rules '%s' -- sysinfo /virtual/hostname\n" "$RULES"
uvm --rules "$RULES" -- sysinfo /virtual/hostname

step "7. strace stacked over uvm (strace attached last, closest to the program)"
echo "As in step 3: the calls as the program made them, the results as it got them:"
uvm_traced right

step "8. The naive order (strace attached first, under uvm)"
echo "As in step 4: the real path and the real host name, which the program never saw:"
uvm_traced naive

step "9. Debian's unmodified strace stacked over uvm"
echo "As in step 5. Started under uvm, strace attaches to the program after uvm's"
echo "engine: it sits outside the VM and shows what the program asked for and got."
echo "(strace's child believes geteuid() and drops to uid 1000 for real before its"
echo "exec, which makes it undumpable: uvm, another process, may not read the path of"
echo "that execve, as ptrace may not, and says so; the in-kernel VM of step 5 reads it"
echo "in the task itself.)"
debian_strace outside "uvm --rules"
echo
echo "The naive order: strace -f takes uvm's child at fork, before uvm attaches its"
echo "engine, so strace sits inside the VM: the real path, the real host name."
debian_strace inside "uvm --rules"

step "10. The branch trace: the program's last taken branches"
echo "The branch-trace engine (/dev/utrace-branch) single-steps the program from its"
echo "execve and keeps a ring of its last taken branches, each judged with the kernel's"
echo "instruction decoder; once the program has exited, utrace prints them, oldest"
echo "first, with the functions of sysinfo's ELF file that hold each end (every"
echo "instruction traps, so the program runs thousands of times slower):"
echo '$ utrace --branches 12 -- sysinfo'
utrace --branches 12 -- sysinfo 2>&1
