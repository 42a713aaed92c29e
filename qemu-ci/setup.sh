#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# setup.sh - install everything utrace-rs needs on a Debian bookworm host.
#
# Idempotent; needs root.  Installs, from Debian's archive:
#   - linux-source-7.2 from trixie-backports (forky / sid as fall-backs), with
#     those suites pinned low (50) so that nothing else on the host upgrades;
#   - rustc-web + rust-web-src (the kernel's rustc and the matching library
#     source), clang/lld/llvm of rustc's LLVM (toolchain.env), libclang for bindgen;
#   - qemu-system-x86, the kernel build dependencies and the guest userland
#     (busybox-static, strace); gdb, for make bench's single-stepped trace;
# and bindgen-cli from the Rust crate registry at a pinned version.  Debian's
# gdb-minimal (gdb without Python: 32 MB with its libraries, where the full
# gdb needs 73 MB and a Python tree) is fetched and unpacked into
# TOOLS/gdb-minimal, not installed: it would replace the host's full gdb,
# whose Python the trace needs.  The guest's gdb tests run it.  It ends
# with the kernel's own `make rustavailable`, and fails naming what is missing.
#
# For ARCH=arm64 it also installs the arm64 guest's tools (cross_arm64):
# QEMU's aarch64 emulator, Debian's cross gcc and C library for the guest
# programs, and Debian's arm64 busybox-static and strace, fetched (dpkg learns
# the arm64 architecture for that download; nothing of arm64 is installed on
# the host) and unpacked into TOOLS/arm64/busybox and TOOLS/arm64/strace, and
# Debian's arm64 gdb-minimal with the libraries it links, unpacked into the
# tree TOOLS/arm64/gdb-root.
# Installing packages needs root; fetching a missing program into an
# existing build area does not.  The kernel needs no cross tools: clang
# builds for every architecture.
#
# Usage: setup.sh TOOLS_DIR KERNEL_TARBALL_DIR [ARCH]
set -euo pipefail

TOOLS=${1:?usage: setup.sh TOOLS_DIR SRC_DIR [ARCH]}
SRCDIR=${2:?usage: setup.sh TOOLS_DIR SRC_DIR [ARCH]}
ARCH=${3:-x86_64}
BINDGEN_VERSION=0.73.2
STAMP=$TOOLS/.setup-done-v1

die() { echo "setup: error: $*" >&2; exit 1; }

# shellcheck source=qemu-ci/toolchain.env
. "$(dirname "$0")/toolchain.env"

HOST_PKGS=(rustc-web rust-web-src rust-web-clippy clang-$LLVM_VERSION lld-$LLVM_VERSION llvm-$LLVM_VERSION libclang-$LLVM_VERSION-dev
	   qemu-system-x86 bc bison flex libelf-dev libssl-dev cpio kmod rsync
	   python3 make gcc libc6-dev xz-utils git patch busybox-static strace
	   ca-certificates gdb)

have_all() {
	for p in "${HOST_PKGS[@]}" linux-source-7.2; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || return 1
	done
	[ -x "$TOOLS/bin/bindgen" ] && "$TOOLS/bin/bindgen" --version | grep -q "$BINDGEN_VERSION" &&
	[ -x "$TOOLS/gdb-minimal/usr/bin/gdb" ]
}

if [ -f "$STAMP" ] && have_all; then
	echo "setup: everything already installed"
else
	[ "$(id -u)" = 0 ] || die "must run as root to install packages; try: sudo make setup"
	export DEBIAN_FRONTEND=noninteractive
	# Newer suites, from the mirror the host already uses, pinned below the
	# host's own release so only packages asked for by name come from them.
	mirror=$(sed -n 's/^URIs:[[:space:]]*\(.*\/debian\)[[:space:]]*$/\1/p' \
		 /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n1)
	[ -n "$mirror" ] || mirror=$(awk '$1=="deb" && $2 ~ /\/debian\/?$/ {print $2; exit}' \
				     /etc/apt/sources.list 2>/dev/null)
	[ -n "$mirror" ] || die "cannot find the host's Debian mirror in /etc/apt/sources.list*"
	cat > /etc/apt/sources.list.d/utrace-rs-newer.sources <<SRC
Types: deb
URIs: $mirror
Suites: trixie trixie-backports forky sid
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
	cat > /etc/apt/preferences.d/utrace-rs-newer <<PIN
Package: *
Pin: release n=trixie
Pin-Priority: 50

Package: *
Pin: release n=trixie-backports
Pin-Priority: 50

Package: *
Pin: release n=forky
Pin-Priority: 40

Package: *
Pin: release n=sid
Pin-Priority: 30
PIN
	apt-get update -q || die "apt-get update failed"
	apt-get install -y -q --no-install-recommends "${HOST_PKGS[@]}" \
		|| die "apt-get install of the host packages failed"
	for suite in trixie-backports forky sid; do
		if apt-get install -y -q --no-install-recommends -t "$suite" linux-source-7.2; then
			break
		fi
	done
	dpkg-query -W linux-source-7.2 >/dev/null 2>&1 \
		|| die "linux-source-7.2 is in none of trixie-backports, forky, sid"

	if [ ! -x "$TOOLS/bin/bindgen" ] || ! "$TOOLS/bin/bindgen" --version | grep -q "$BINDGEN_VERSION"; then
		CARGO=$(command -v cargo || true)
		[ -n "$CARGO" ] || [ ! -x "$HOME/.cargo/bin/cargo" ] || CARGO=$HOME/.cargo/bin/cargo
		if [ -z "$CARGO" ]; then
			apt-get install -y -q --no-install-recommends cargo-web || die "no cargo"
			CARGO=$(command -v cargo) || die "no cargo after installing cargo-web"
		fi
		LIBCLANG_PATH=/usr/lib/llvm-$LLVM_VERSION/lib "$CARGO" install --locked --root "$TOOLS" \
			bindgen-cli --version "$BINDGEN_VERSION" || die "cargo install bindgen-cli failed"
	fi
	if [ ! -x "$TOOLS/gdb-minimal/usr/bin/gdb" ]; then
		deb=$(mktemp -d)
		# apt downloads as its own user where it can write.
		chown _apt "$deb" 2>/dev/null || true
		(cd "$deb" && apt-get download -q gdb-minimal) \
			|| { rm -rf "$deb"; die "apt-get download gdb-minimal failed"; }
		rm -rf "$TOOLS/gdb-minimal"
		dpkg-deb -x "$deb"/gdb-minimal_*.deb "$TOOLS/gdb-minimal" \
			|| { rm -rf "$deb"; die "unpacking gdb-minimal failed"; }
		rm -rf "$deb"
	fi
	mkdir -p "$TOOLS"
	touch "$STAMP"
fi

# download_arm64 DIR PKG: Debian's PKG for arm64, as a .deb in DIR.  If the
# download fails with old package lists, root updates them once and tries
# again.
download_arm64() {
	(cd "$1" && apt-get download -q "$2:arm64") && return 0
	[ "$(id -u)" = 0 ] && apt-get update -q && (cd "$1" && apt-get download -q "$2:arm64")
}

# fetch_arm64 PKG FILE NAME: FILE of Debian's PKG for arm64, as
# TOOLS/arm64/NAME, unless it is there.  Written under another name and
# moved into place, so that an interrupted fetch leaves nothing that looks
# done.
fetch_arm64() {
	local pkg=$1 file=$2 name=$3 deb

	[ -x "$TOOLS/arm64/$name" ] && return 0
	deb=$(mktemp -d)
	chown _apt "$deb" 2>/dev/null || true
	download_arm64 "$deb" "$pkg" || { rm -rf "$deb"; die "apt-get download $pkg:arm64 failed"; }
	dpkg-deb -x "$deb/$pkg"_*_arm64.deb "$deb/root" \
		|| { rm -rf "$deb"; die "unpacking $pkg:arm64 failed"; }
	mkdir -p "$TOOLS/arm64"
	install -m 755 "$deb/root/$file" "$TOOLS/arm64/.$name.tmp" \
		&& mv "$TOOLS/arm64/.$name.tmp" "$TOOLS/arm64/$name" \
		|| { rm -rf "$deb"; die "installing $name failed"; }
	rm -rf "$deb"
}

# gdb-minimal for arm64 and the packages of every library it links (its
# NEEDED closure: libdebuginfod brings curl, GnuTLS, Kerberos and LDAP),
# bookworm's names; glibc's part is the cross compiler's sysroot's.
# initramfs.sh checks the closure when it packs gdb, and names a library
# missing from this list.
GDB_ARM64_PKGS=(gdb-minimal libdebuginfod1 libexpat1 libgcc-s1 libgmp10 liblzma5
	libreadline8 libstdc++6 libtinfo6 libxxhash0 libzstd1 zlib1g libbrotli1
	libbz2-1.0 libcom-err2 libcurl3-gnutls libdw1 libelf1 libffi8 libgnutls30
	libgssapi-krb5-2 libhogweed6 libidn2-0 libk5crypto3 libkeyutils1 libkrb5-3
	libkrb5support0 libldap-2.5-0 libnettle8 libnghttp2-14 libp11-kit0 libpsl5
	librtmp1 libsasl2-2 libssh2-1 libssl3 libtasn1-6 libunistring2)

# fetch_arm64_tree NAME PKG...: the PKGs for arm64 unpacked into one tree,
# TOOLS/arm64/NAME, unless it is there (made aside, then moved into place).
fetch_arm64_tree() {
	local name=$1 deb p
	shift

	[ -d "$TOOLS/arm64/$name" ] && return 0
	deb=$(mktemp -d)
	chown _apt "$deb" 2>/dev/null || true
	for p in "$@"; do
		download_arm64 "$deb" "$p" >/dev/null \
			|| { rm -rf "$deb"; die "apt-get download $p:arm64 failed"; }
	done
	for p in "$deb"/*.deb; do
		dpkg-deb -x "$p" "$deb/root" || { rm -rf "$deb"; die "unpacking $p failed"; }
	done
	mkdir -p "$TOOLS/arm64"
	rm -rf "$TOOLS/arm64/.$name.tmp"
	mv "$deb/root" "$TOOLS/arm64/.$name.tmp" && mv "$TOOLS/arm64/.$name.tmp" "$TOOLS/arm64/$name" \
		|| { rm -rf "$deb"; die "installing $name failed"; }
	rm -rf "$deb"
}

# The arm64 guest's tools.
cross_arm64() {
	local pkgs=(qemu-system-arm gcc-aarch64-linux-gnu libc6-dev-arm64-cross) p missing=0

	for p in "${pkgs[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing=1
	done
	if [ $missing = 1 ]; then
		[ "$(id -u)" = 0 ] || die "must run as root to install the arm64 tools; try: sudo make setup ARCH=arm64 BUILD=$(dirname "$TOOLS")"
		export DEBIAN_FRONTEND=noninteractive
		if ! dpkg --print-foreign-architectures | grep -qx arm64; then
			dpkg --add-architecture arm64
			apt-get update -q || die "apt-get update failed"
		fi
		apt-get install -y -q --no-install-recommends "${pkgs[@]}" \
			|| die "apt-get install of the arm64 tools failed"
	fi
	fetch_arm64 busybox-static bin/busybox busybox
	# strace:arm64 links libc alone, which the guest takes from the cross
	# compiler's sysroot (libc6-dev-arm64-cross: glibc 2.36, as bookworm's
	# libc6:arm64, built apart).
	fetch_arm64 strace usr/bin/strace strace
	fetch_arm64_tree gdb-root "${GDB_ARM64_PKGS[@]}"
}
case $ARCH in
x86_64) ;;
arm64) cross_arm64
       for t in qemu-system-aarch64 aarch64-linux-gnu-gcc; do
	       command -v "$t" >/dev/null || die "$t missing"
       done ;;
*) die "unknown architecture '$ARCH' (x86_64 or arm64)" ;;
esac

tarball=$(ls /usr/src/linux-source-7.2.tar.* 2>/dev/null | head -n1)
[ -n "$tarball" ] || die "/usr/src/linux-source-7.2.tar.* missing (linux-source-7.2 not installed?)"
[ -x /usr/bin/rustc ] || die "/usr/bin/rustc missing (rustc-web)"
[ -d "$(/usr/bin/rustc --print sysroot)/lib/rustlib/src/rust/library" ] \
	|| die "rust library source missing (rust-web-src)"
for t in clang-$LLVM_VERSION ld.lld-$LLVM_VERSION llvm-ar-$LLVM_VERSION llvm-link-$LLVM_VERSION qemu-system-x86_64 busybox; do
	command -v "$t" >/dev/null || die "$t missing"
done
echo "setup: host tools ready ($(/usr/bin/rustc --version), bindgen $BINDGEN_VERSION, $(basename "$tarball"))"
