#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# SPDX-FileCopyrightText: 2026 The ichip authors
# frame-diff.sh - does the framing core in the work tree behave exactly as
# it did at a git revision?  For changes meant to be faster, not
# different (make bench target 1).
#
#   tools/frame-diff.sh [REV] [SESSIONS]      (REV: HEAD, SESSIONS: 30000)
#
# Builds tools/frame-diff.c against REV's driver/ and against the work
# tree's, runs both on the same seeded sessions and compares every event
# and counter.  Prints the number of events and "same", or the first
# difference; exits 1 on a difference, 2 when a build fails (REV older
# than the functions frame-diff.c calls).
set -uo pipefail
rev=${1:-HEAD} n=${2:-30000}
cd "$(dirname "$0")/.." || exit 2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/old"
git archive "$rev" driver include | tar -x -C "$tmp/old" || exit 2
for v in old new; do
	src=$tmp/old
	[ $v = new ] && src=.
	cc -std=c11 -O2 -D_GNU_SOURCE -Wall -Wextra -Werror \
		-Wno-unused-parameter -I"$src/include/uapi" -I"$src/driver" \
		tools/frame-diff.c "$src"/driver/ichip_frame*.c \
		"$src/driver/ichip_cmd.c" -o "$tmp/frame-diff-$v" || exit 2
	"$tmp/frame-diff-$v" "$n" > "$tmp/$v.txt" || exit 2
done
events=$(grep -c '^[0-9]' "$tmp/old.txt")
if cmp -s "$tmp/old.txt" "$tmp/new.txt"; then
	echo "frame-diff: $n sessions, $events events: same as $rev"
	exit 0
fi
echo "frame-diff: $n sessions differ from $rev (< $rev, > work tree):"
diff "$tmp/old.txt" "$tmp/new.txt" | head -20
exit 1
