#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# profile.sh - where a TCG guest spends its time while a task with N no-op
# engines (or, for ENGINES=strace, the strace engine over the VM engine,
# its trace drained by a reader; channel, channel-exchange or unotify: a getpid a monitor
# virtualizes through a channel engine or seccomp user notification) calls
# getpid() in a loop: qemu-ci/pcsample.py samples the vCPUs'
# instruction pointers through QEMU's gdbstub and prints the hottest
# kernel symbols.  A tool for finding costs, not for timing them (that is
# `make bench`).
#
# Usage: profile.sh BZIMAGE SYSTEM_MAP INITRAMFS ENGINES [SECONDS]
set -euo pipefail
KERNEL=${1:?}; MAP=${2:?}; INITRD=${3:?}; ENGINES=${4:?}; SECONDS_=${5:-20}
HERE=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
qpid=
trap 'kill "$qpid" 2>/dev/null || true; rm -rf "$work"' EXIT

# shellcheck source=qemu-ci/spin-guest.sh
. "$HERE/spin-guest.sh"
spin_guest "$KERNEL" "$INITRD" "$work" "utrace_ci.spin_engines=$ENGINES"
python3 "$HERE/pcsample.py" "$work/gdb.sock" "$MAP" "$SECONDS_" 0.01 2
