#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# kernel.sh - build a utrace-rs kernel, incrementally, outside git.
#
#   $BUILD/linux   Debian's linux-source-7.2, unpacked once into a git
#                  repository whose tag `base` is the unmodified tarball;
#                  the work tree is `base` plus kernel-patches/*.patch.
#   $BUILD/linux-stock   a second work tree of that repository at `base`
#                  (the stock flavour only).
#   $BUILD/obj, obj-prod, obj-stock   the kbuild output trees (O=), one per
#                  flavour, so building one never makes another cold.
#
# Architectures: x86_64 (the default) and arm64, each with what it adds in
# qemu-ci/arch/ARCH/ (arch.env, kernel.config, kernel-debug.config).  An
# architecture other than x86_64 has its own output trees (obj-arm64,
# obj-arm64-prod...); the source tree and its patches are shared.
#
# Flavours, from one description (qemu-ci/kernel.config):
#   test   patched, + qemu-ci/kernel-debug.config (KASAN, lockdep...)
#   prod   patched, no debug options: what `make bench` measures
#   stock  unpatched, no debug options, no CONFIG_UTRACE*: the A/B baseline
#
# A changed patch set is applied to a scratch index first; only when every
# patch applies is the work tree moved to the result, and git rewrites just
# the files whose content changes.  So the tree is never half-patched, and
# an unchanged file keeps its timestamp (no needless rebuild).
#
# Usage: kernel.sh BUILD_DIR REPO_DIR TOOLS_DIR [test|prod|stock] [x86_64|arm64]
set -euo pipefail

BUILD=${1:?usage: kernel.sh BUILD REPO TOOLS [FLAVOUR] [ARCH]}
REPO=$(cd "${2:?}" && pwd)
TOOLS=${3:?}
FLAVOUR=${4:-test}
ARCH=${5:-x86_64}
SRC=$BUILD/linux
LOGS=$BUILD/logs
ARCH_DIR=$REPO/qemu-ci/arch/$ARCH
[ -f "$ARCH_DIR/arch.env" ] || { echo "kernel: unknown architecture '$ARCH' (x86_64 or arm64)" >&2; exit 2; }
# x86_64's trees keep the names they had before there were two.
suffix=; [ "$ARCH" = x86_64 ] || suffix=-$ARCH
case $FLAVOUR in
test)  OBJ=$BUILD/obj$suffix;        TREE=$SRC ;;
prod)  OBJ=$BUILD/obj$suffix-prod;   TREE=$SRC ;;
stock) OBJ=$BUILD/obj$suffix-stock;  TREE=$BUILD/linux-stock ;;
*) echo "kernel: unknown flavour '$FLAVOUR' (test, prod or stock)" >&2; exit 2 ;;
esac
mkdir -p "$BUILD" "$LOGS" "$OBJ"
label=$FLAVOUR; [ "$ARCH" = x86_64 ] || label="$ARCH $FLAVOUR"

die() { echo "kernel ($label): error: $*" >&2; exit 1; }
say() { echo "kernel ($label): $*"; }

# shellcheck source=qemu-ci/toolchain.env
. "$REPO/qemu-ci/toolchain.env"
# shellcheck source=qemu-ci/arch/x86_64/arch.env
. "$ARCH_DIR/arch.env"
# bindgen loads libclang at run time: name the one of our LLVM.
export LIBCLANG_PATH=/usr/lib/llvm-$LLVM_VERSION/lib
KMAKE=(make -C "$TREE" O="$OBJ" LLVM=-$LLVM_VERSION RUSTC=/usr/bin/rustc
       HOSTRUSTC=/usr/bin/rustc BINDGEN="$TOOLS/bin/bindgen")
# Another architecture is cross-built: LLVM= builds for any, clang being a
# cross compiler.  x86_64, the host's, is built as kbuild's default.
[ "$ARCH" = x86_64 ] || KMAKE+=(ARCH="$KBUILD_ARCH")
[ -x "$TOOLS/bin/bindgen" ] || die "bindgen missing: run 'make setup' first"

# The build tree's git is ours alone: the user's global and system settings
# (identity, hooks, signing, auto-gc...) never reach it.  Background
# maintenance is off in the repository's own configuration (auto_off), so
# no gc holds a lock while a later step checks the tree out (issue: a gc
# that started after the first 100,000-object commit left HEAD.lock behind).
export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1
export GIT_AUTHOR_NAME=utrace-rs GIT_AUTHOR_EMAIL=utrace-rs@example.invalid
export GIT_COMMITTER_NAME=utrace-rs GIT_COMMITTER_EMAIL=utrace-rs@example.invalid
git_at() { local dir=$1; shift; git -C "$dir" -c core.hooksPath=/dev/null "$@"; }
git_src() { git_at "$SRC" "$@"; }
auto_off() {
	git_at "$1" config gc.auto 0
	git_at "$1" config gc.autoDetach false
	git_at "$1" config maintenance.auto false
	git_at "$1" config core.fsmonitor false
	git_at "$1" config commit.gpgSign false
}

# A build area left by an interrupted step is repaired, with one line each,
# never reported as a git error.  We hold the build area's flock (Makefile),
# and the repository runs no background git, so any lock file is stale.
repair_src() {
	local locks
	locks=$(find "$SRC/.git" -maxdepth 3 -name '*.lock' -type f 2>/dev/null || true)
	if [ -n "$locks" ]; then
		say "removing $(echo "$locks" | wc -l) stale git lock file(s) left by an interrupted step"
		echo "$locks" | xargs rm -f
	fi
	auto_off "$SRC"
	if ! git_src rev-parse -q --verify 'base^{commit}' > /dev/null ||
	   ! git_src rev-parse -q --verify 'HEAD^{commit}' > /dev/null; then
		say "the source tree's repository is damaged; unpacking it again"
		return 1
	fi
}

# 1. The source tree, one per Debian package version.
pkgver=$(dpkg-query -W -f='${Version}' linux-source-7.2 2>/dev/null) \
	|| die "linux-source-7.2 is not installed: run 'make setup'"
#    The tree is made in $SRC.tmp and renamed into place only when whole,
#    and linux.version is written last: a half-unpacked tree is never used.
if [ ! -d "$SRC/.git" ] || [ "$(cat "$BUILD/linux.version" 2>/dev/null)" != "$pkgver" ] ||
   ! repair_src; then
	if [ -d "$SRC" ] || [ -d "$SRC.tmp" ]; then
		say "the source tree is missing, incomplete or of another version; making it again"
	fi
	say "unpacking linux-source-7.2 $pkgver (cold build follows)"
	rm -rf "$SRC" "$SRC.tmp" "$BUILD/linux-stock" "$BUILD"/obj "$BUILD"/obj-* \
		"$BUILD/linux.version" "$BUILD/.patches" "$BUILD"/.config-hash*
	mkdir -p "$SRC.tmp" "$OBJ"
	tar -C "$SRC.tmp" --strip-components=1 -xf /usr/src/linux-source-7.2.tar.xz
	git -C "$SRC.tmp" init -q
	auto_off "$SRC.tmp"
	git_at "$SRC.tmp" add -f -A .	# Debian's .gitignore ignores the top level
	git_at "$SRC.tmp" commit -q --no-verify -m "linux-source-7.2 $pkgver, unmodified"
	git_at "$SRC.tmp" tag base
	mv "$SRC.tmp" "$SRC"
	echo "$pkgver" > "$BUILD/linux.version"
fi

# 2. The patch set (the stock flavour has its own work tree at base).
# The cover letter (0000-cover-letter.patch) is for readers: no diff.
patches=()
for p in "$REPO"/kernel-patches/*.patch; do
	[ "$(basename "$p")" = 0000-cover-letter.patch ] || patches+=("$p")
done
phash=$(cat "${patches[@]}" | sha256sum | cut -d' ' -f1)
if [ "$FLAVOUR" = stock ]; then
	if ! git_at "$TREE" rev-parse -q --verify HEAD > /dev/null 2>&1 ||
	   [ "$(git_at "$TREE" rev-parse HEAD)" != "$(git_src rev-parse 'base^{commit}')" ]; then
		say "making the unpatched work tree $TREE"
		rm -rf "$TREE"
		git_src worktree prune
		git_src worktree add -q --detach "$TREE" base
	fi
	if ! git_at "$TREE" diff --quiet HEAD --; then
		git_at "$TREE" checkout -q -f HEAD -- .
		say "the unpatched tree differed from base (interrupted step or edit): restored"
	fi
fi
if [ "$FLAVOUR" != stock ]; then
	if [ "$(cat "$BUILD/.patches" 2>/dev/null)" != "$phash" ]; then
		say "applying ${#patches[@]} kernel patches"
		idx=$BUILD/.patch-index
		rm -f "$idx"
		GIT_INDEX_FILE=$idx git_src read-tree base
		for p in "${patches[@]}"; do
			GIT_INDEX_FILE=$idx git_src apply --cached "$p" \
				|| { rm -f "$idx"; die "patch $(basename "$p") does not apply to linux $pkgver; the tree is unchanged"; }
		done
		tree=$(GIT_INDEX_FILE=$idx git_src write-tree)
		rm -f "$idx"
		commit=$(git_src commit-tree "$tree" -p base -m "base + utrace-rs patches $phash")
		git_src checkout -q -f --detach "$commit"
		echo "$phash" > "$BUILD/.patches"
	fi
	# Nothing but the patches may differ from base.  A difference is an
	# interrupted checkout or a stray edit: the edit is saved, the tree restored.
	if ! git_src diff --quiet HEAD --; then
		saved=$LOGS/source-edits-$(date +%Y%m%d-%H%M%S).diff
		git_src diff HEAD -- > "$saved" || true
		git_src checkout -q -f HEAD -- .
		say "the source tree differed from the patched tree (interrupted step or edit): restored; the difference is in $saved"
	fi

	# 3. The repository, linked in as kernel/utrace.
	ln -sfn "$REPO" "$SRC/kernel/utrace"
fi

# 4. The configuration: allnoconfig plus our fragments, then checked.
frags=("$REPO/qemu-ci/kernel.config" "$ARCH_DIR/kernel.config" "$REPO/kunit/utrace.kunitconfig")
if [ "$FLAVOUR" = test ]; then
	frags+=("$REPO/qemu-ci/kernel-debug.config")
	[ ! -f "$ARCH_DIR/kernel-debug.config" ] || frags+=("$ARCH_DIR/kernel-debug.config")
fi
[ -n "${UTRACE_EXTRA_CONFIG:-}" ] && frags+=("$UTRACE_EXTRA_CONFIG")
hashfile=$BUILD/.config-hash$suffix; [ "$FLAVOUR" = test ] || hashfile=$BUILD/.config-hash$suffix-$FLAVOUR
fragment=$BUILD/fragment$suffix-$FLAVOUR.config
chash=$( (cat "${frags[@]}"; echo "$FLAVOUR" "$LLVM_VERSION" "$ARCH"; [ "$FLAVOUR" = stock ] || echo "$phash") | sha256sum | cut -d' ' -f1)
if [ ! -f "$OBJ/.config" ] || [ "$(cat "$hashfile" 2>/dev/null)" != "$chash" ]; then
	say "configuring"
	mkdir -p "$OBJ"
	# The stock kernel has no utrace-rs: its options are taken away.
	grep -h '^CONFIG_' "${frags[@]}" |
		if [ "$FLAVOUR" = stock ]; then grep -v '^CONFIG_UTRACE'; else cat; fi > "$fragment"
	"${KMAKE[@]}" KCONFIG_ALLCONFIG="$fragment" allnoconfig \
		> "$LOGS/kernel-config$suffix-$FLAVOUR.log" 2>&1 || { tail -20 "$LOGS/kernel-config$suffix-$FLAVOUR.log"; die "configuration failed"; }
	missing=0
	while IFS= read -r line; do
		sym=${line%%=*}; val=${line#*=}
		if [ "$val" = n ]; then
			grep -q "^$sym=" "$OBJ/.config" && { echo "  $sym: wanted n, got $(grep "^$sym=" "$OBJ/.config")"; missing=1; }
		else
			grep -qx "$line" "$OBJ/.config" || { echo "  $line: got '$(grep -E "^(# )?$sym[= ]" "$OBJ/.config" || echo absent)'"; missing=1; }
		fi
	done < "$fragment"
	[ $missing = 0 ] || die "the options above did not survive configuration (unmet dependencies?)"
	echo "$chash" > "$hashfile"
fi

# 5. Build.
start=$(date +%s)
# `modules` runs modpost: Module.symvers, which the sample C engine (an
# external module, samples/) links against.
log=$LOGS/kernel-build$suffix-$FLAVOUR.log
say "building (log: $log)"
if ! "${KMAKE[@]}" -j"$(nproc)" "$KERNEL_TARGET" modules > "$log" 2>&1; then
	grep -E 'error|Error' "$log" | head -40
	tail -15 "$log"
	die "kernel build failed"
fi
say "built $OBJ/$KERNEL_IMAGE in $(( $(date +%s) - start ))s"

# 6. The patched uapi headers (incremental: unchanged files keep their
#    timestamps), for the guest programs: $OBJ/usr/include.
"${KMAKE[@]}" headers >> "$log" 2>&1 || die "headers_install failed"
