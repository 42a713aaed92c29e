#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The `make demo` walk-through, run inside the guest by /init: strace
# stacked over a partial VM, in the right order and in the naive one.
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

step "5. Debian's strace over the VM through ptrace-compat"
echo "not built yet (ptrace-compat, issue 4)"
