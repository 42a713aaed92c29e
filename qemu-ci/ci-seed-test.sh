#!/usr/bin/env bash
# ci-seed-test.sh - checks .ci/run's fuzz seed without building anything:
# `make` is a shim that records its arguments.  Run it from anywhere:
#   bash qemu-ci/ci-seed-test.sh
# Cases, each in a `git archive` extraction of HEAD (no .git):
#   1. CI_COMMIT_SHA set: the seed is its first 8 hex digits;
#   2. no CI_COMMIT_SHA, no repository: a random seed, printed with its
#      replay line, and `make fuzz` gets that seed;
#   3. no CI_COMMIT_SHA, git absent (not on PATH): the same;
#   4. a real checkout that git refuses (a `git` that fails as on
#      "dubious ownership"): the same;
#   5. CI_COMMIT_SHA unset in a real checkout: the seed of HEAD;
# and in every case `make test` (x86_64, then arm64) and `make kernel-prod`
# ran first and the script exited 0.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0

mkdir -p "$tmp/bin" "$tmp/nogit" "$tmp/dubious"
cat > "$tmp/bin/make" <<'SHIM'
#!/bin/sh
echo "make $*" >> "$MAKE_LOG"
SHIM
chmod +x "$tmp/bin/make"
# No git at all: only what .ci/run needs besides it.
for t in bash dirname od tr; do ln -s "$(command -v $t)" "$tmp/nogit/$t"; done
ln -s "$tmp/bin/make" "$tmp/nogit/make"
ln -s "$tmp/bin/make" "$tmp/dubious/make"
cat > "$tmp/dubious/git" <<'SHIM'
#!/bin/sh
echo "fatal: detected dubious ownership in repository at '$PWD'" >&2
exit 128
SHIM
chmod +x "$tmp/dubious/git"

# The working tree as it is (uncommitted changes of tracked files included).
mkdir "$tmp/tree"
snap=$(git -C "$repo" stash create || true)
git -C "$repo" archive "${snap:-HEAD}" | tar -x -C "$tmp/tree"

# run NAME DIR PATH [VAR=VALUE...]: runs DIR/.ci/run; checks its output.
run() {
	local name=$1 dir=$2 path=$3 out seed replay
	shift 3
	: > "$tmp/make.log"
	if ! out=$(cd / && env -u CI_COMMIT_SHA "$@" PATH="$path" MAKE_LOG="$tmp/make.log" \
			GIT_CEILING_DIRECTORIES="$tmp" bash "$dir/.ci/run" 2>&1); then
		echo "not ok $name: .ci/run failed: $out"; fails=$((fails + 1)); return
	fi
	seed=$(sed -n 's/^ci: fuzz seed \([0-9]*\),.*/\1/p' <<< "$out")
	replay=$(sed -n 's/^ci: replay: //p' <<< "$out")
	if [ -z "$seed" ] || [ "$replay" != "make fuzz FUZZ_SEED=$seed FUZZ_ITERS=3000" ] ||
	   [ "$(cat "$tmp/make.log")" != "make test
make test ARCH=arm64
make kernel-prod
make fuzz FUZZ_SEED=$seed FUZZ_ITERS=3000" ]; then
		echo "not ok $name:"; echo "$out"; cat "$tmp/make.log"; fails=$((fails + 1)); return
	fi
	if [ -n "${want:-}" ] && [ "$seed" != "$want" ]; then
		echo "not ok $name: seed $seed, wanted $want"; fails=$((fails + 1)); return
	fi
	echo "ok $name: $(head -1 <<< "$out")"
}

want=$((16#deadbeef)) run commit-sha "$tmp/tree" "$tmp/bin:$PATH" CI_COMMIT_SHA=deadbeef0123456789
want= run archive "$tmp/tree" "$tmp/bin:$PATH"
want= run no-git "$tmp/tree" "$tmp/nogit"
want= run dubious "$repo" "$tmp/dubious:$PATH"
head=$(git -C "$repo" rev-parse HEAD)
want=$((16#${head:0:8})) run checkout "$repo" "$tmp/bin:$PATH"
exit $((fails != 0))
