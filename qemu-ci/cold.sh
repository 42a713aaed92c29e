#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# cold.sh - prove the cold path: the whole `make test` from an empty build
# area, as a new user's first run takes it, timed stage by stage.
#
# CI reuses a warm build area, so it never unpacks the kernel source, makes
# its git repository or builds the kernel from nothing; this does.  The
# host packages are installed once per machine (make setup), so on a host
# that has them the setup stage only builds bindgen into the new area.
#
# Usage: cold.sh COLD_BUILD_DIR REPO_DIR
# Writes COLD_BUILD_DIR/cold-times.txt.
set -euo pipefail
COLD=${1:?usage: cold.sh COLD_BUILD REPO}
REPO=$(cd "${2:?}" && pwd)

case "$(cd "$(dirname "$COLD")" && pwd)/$(basename "$COLD")" in
/ | "$HOME" | "$REPO" | "$REPO"/*) echo "cold: refusing to empty $COLD" >&2; exit 2 ;;
esac
echo "cold: emptying $COLD"
rm -rf "$COLD"
mkdir -p "$COLD"
COLD=$(cd "$COLD" && pwd)

times=()
stage() {
	local name=$1 start rc=0; shift
	start=$(date +%s)
	make --no-print-directory -f "$REPO/Makefile" BUILD="$COLD" "$@" || rc=$?
	times+=("$name $(( $(date +%s) - start ))s")
	echo "cold: $name took $(( $(date +%s) - start ))s (exit $rc)"
	return $rc
}
total=$(date +%s)
ok=0
stage setup setup && stage kernel kernel && stage test test && ok=1
summary="cold: ${times[*]}, total $(( $(date +%s) - total ))s, $( [ $ok = 1 ] && echo passed || echo FAILED )"
echo "$summary" | tee "$COLD/cold-times.txt"
[ $ok = 1 ]
