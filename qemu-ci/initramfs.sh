#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# initramfs.sh - pack the test guest: busybox, /init, the programs, and
# Debian's own strace and gdb (dynamic) with exactly the libraries they link.
#
# Usage: initramfs.sh REPO GUEST_BIN_DIR OUTPUT.cpio.gz GDB [BUSYBOX
#                     [STRACE SYSROOT]]
# (GDB: Debian's gdb-minimal as setup.sh unpacks it; /usr/bin/gdb in the
# guest; "-" for none.  BUSYBOX: a static busybox of the guest's
# architecture, the host's by default.)  A guest of another architecture
# than the host's (arm64) gets Debian's strace and gdb of its architecture
# (STRACE, GDB), with the C library's part of what they link (the loader,
# libc, libm...) taken from the cross compiler's SYSROOT (its lib/ holds
# them), and every other library from the tree the program was unpacked in.
set -euo pipefail
REPO=${1:?}; BIN=${2:?}; OUT=${3:?}; GDB=${4:?}; BUSYBOX=${5:-/bin/busybox}
STRACE=${6:-}; SYSROOT=${7:-}
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

die() { echo "initramfs: error: $*" >&2; exit 1; }

# add_dynamic BIN [AS]: BIN at its own path (or at AS), and each library ldd
# names (and the dynamic loader) as a plain file at the path the loader will
# look for it.
add_dynamic() {
	local bin=$1 as=${2:-$1} libs lib

	[ -x "$bin" ] || die "$bin missing (make setup installs it)"
	libs=$(ldd "$bin") || die "ldd $bin failed"
	! grep -q 'not found' <<< "$libs" || die "$bin: a library is missing: $libs"
	install -D -m 755 "$bin" "$stage$as"
	# "name => /path (addr)" and the loader's "/path (addr)"; not the vDSO.
	for lib in $(awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' <<< "$libs"); do
		install -D -m 755 "$(readlink -f "$lib")" "$stage$lib"
	done
}

# needed FILE: the sonames FILE's dynamic section names.  readelf in the C
# locale: its words are parsed.
needed() {
	LC_ALL=C readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'
}

# add_foreign_dynamic BIN AS: a program of the guest's other architecture,
# at AS, with its loader (at the path its PT_INTERP names) and every library
# it links, directly or through another, in /lib (where the loader looks).
# A library is the SYSROOT's if the SYSROOT has it (the C library's), else
# the one in BIN's own tree (BIN/../../lib/*-linux-gnu and usr/lib/...: a
# Debian package unpacked whole); one found in neither fails the packing.
add_foreign_dynamic() {
	local bin=$1 as=$2 interp tree lib dir found
	local -a todo seen=()

	[ -x "$bin" ] || die "$bin missing (make setup installs it)"
	[ -d "$SYSROOT/lib" ] || die "no sysroot for $bin ('$SYSROOT')"
	interp=$(LC_ALL=C readelf -l "$bin" | sed -n 's/.*interpreter: \(.*\)]/\1/p')
	[ -n "$interp" ] || die "$bin: no loader named"
	install -D -m 755 "$bin" "$stage$as"
	install -D -m 755 "$(readlink -f "$SYSROOT/lib/$(basename "$interp")")" "$stage$interp"
	tree=$(dirname "$(dirname "$(dirname "$bin")")")
	mapfile -t todo < <(needed "$bin")
	while [ ${#todo[@]} -gt 0 ]; do
		lib=${todo[0]}
		todo=("${todo[@]:1}")
		case " ${seen[*]} " in *" $lib "*) continue ;; esac
		seen+=("$lib")
		[ "$lib" != "$(basename "$interp")" ] || continue
		found=
		for dir in "$SYSROOT/lib" "$tree"/lib/*-linux-gnu "$tree"/usr/lib/*-linux-gnu; do
			[ -e "$dir/$lib" ] && { found=$(readlink -f "$dir/$lib"); break; }
		done
		[ -n "$found" ] || die "$bin: $lib is in neither $SYSROOT/lib nor $tree (setup.sh's package list?)"
		install -D -m 755 "$found" "$stage/lib/$lib"
		mapfile -t -O ${#todo[@]} todo < <(needed "$found")
	done
}

chmod 755 "$stage"
mkdir -p "$stage"/{bin,sbin,usr/bin,dev,proc,sys,tmp,tests,etc,root}
cp "$BUSYBOX" "$stage/bin/busybox"
cp "$REPO/qemu-ci/init" "$stage/init"
cp "$REPO/qemu-ci/demo.sh" "$stage/usr/bin/utrace-demo"
if [ -z "$STRACE" ]; then
	add_dynamic /usr/bin/strace
	[ "$GDB" = - ] || add_dynamic "$GDB" /usr/bin/gdb
else
	add_foreign_dynamic "$STRACE" /usr/bin/strace
	[ "$GDB" = - ] || add_foreign_dynamic "$GDB" /usr/bin/gdb
fi
chmod 755 "$stage/init"
mknod "$stage/dev/console" c 5 1
mknod "$stage/dev/null" c 1 3
echo "root:x:0:0:root:/root:/bin/sh" > "$stage/etc/passwd"
echo "nobody:x:65534:65534:nobody:/:/bin/sh" >> "$stage/etc/passwd"
echo "root:x:0:" > "$stage/etc/group"
echo "nogroup:x:65534:" >> "$stage/etc/group"
# Test programs run in name order; tools are commands.
for p in "$BIN"/tests/*; do
	[ -x "$p" ] && cp "$p" "$stage/tests/"
done
for p in "$BIN"/tools/*; do
	[ -x "$p" ] && cp "$p" "$stage/usr/bin/"
done
# Kernel modules (the sample C engine), for the tests to load.
mkdir -p "$stage/lib/modules"
for p in "$BIN"/modules/*.ko; do
	[ -f "$p" ] && cp "$p" "$stage/lib/modules/"
done
# The kernel's own selftests, which /tests/kselftest_ptrace runs.
mkdir -p "$stage/kselftest/ptrace"
for p in "$BIN"/kselftest/ptrace/*; do
	if [ -x "$p" ]; then
		cp "$p" "$stage/kselftest/ptrace/"
	fi
done
(cd "$stage" && find . -print0 | cpio --null -o -H newc --quiet) | gzip -1 > "$OUT.tmp"
mv "$OUT.tmp" "$OUT"
