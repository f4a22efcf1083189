#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# SPDX-FileCopyrightText: 2026 The ichip authors
# profile-vm-rtt.sh - where the time of a netlink EXEC round trip goes in
# the VM (issue 16, target 2a).  A diagnosis tool beside `make bench`,
# never run by make check.
#
#   tools/bench/profile-vm-rtt.sh [BUILD_DIR] [N]
#   (PROFILE_PERF=0 in the environment: the ftrace capture only)
#
# Boots the bench VM (the setup of 60-bench-rtt.sh: ichipd on n_ichip,
# ichip-sim on a pty) with perf added, runs the usual BENCH-RTT lines, then
# vm-profile-rtt.sh: perf record -a -g -e cpu-clock of N bench-nl, bench-rtt
# pty and bench-rtt tty round trips, and an ftrace capture of 30 of each.
# Writes BUILD_DIR/vm/profile-rtt.txt (the perf reports) and
# BUILD_DIR/vm/profile-hops.txt (per-hop times from hops.py).
# Needs driver/n_ichip.ko for the VM kernel (make all) and /usr/bin/perf
# (Debian linux-perf, the VM kernel's version).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
build=$(cd "${1:-$SRC/build}" && pwd)
n=${2:-1000}
perf=$(command -v perf) || { echo "no perf (apt install linux-perf)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$SRC/tests/e2e/prepare.sh" "$build/e2e" > /dev/null
printf 'N=%s\nPROFILE_N=%s\nPROFILE_PERF=%s\n' "$n" "$n" "${PROFILE_PERF:-1}" > "$tmp/bench-rtt.conf"
args=(--build "$build" --name profile --module "$SRC/driver/n_ichip.ko"
      --timeout 1200 --test-timeout 1100)
for b in "$build/tools/bench/bench-rtt" "$build/tools/bench/bench-nl" \
	 "$build/daemon/ichipd" "$build/tests/sim/ichip-sim" \
	 /usr/bin/dbus-daemon "$perf"; do
	args+=(--bin "$b")
done
args+=(--file "$build/e2e:/etc/ichip-e2e"
       --file "$tmp/bench-rtt.conf:/etc/bench-rtt.conf"
       --file "$SRC/tests/e2e/passwd:/etc/passwd"
       --file "$SRC/tests/e2e/group:/etc/group"
       --file "$HERE/vm-bench-lib.sh:/etc/bench-vm-lib.sh"
       --file "$HERE/vm-profile-rtt.sh:/etc/bench-profile.sh"
       --test "$HERE/60-bench-rtt.sh")
rc=0
"$SRC/tests/vm/run.sh" "${args[@]}" > "$tmp/run.log" 2>&1 || rc=$?
tail -n 3 "$tmp/run.log"
log=$build/vm/profile-console.log
# console lines: "<host time> 60-bench-rtt| <guest line>"
sed -n 's/^.\{9\}60-bench-rtt| //p' "$log" > "$tmp/guest.txt"
grep -E '^(BENCH-RTT|PROF|FTRACE-NOTE)' "$tmp/guest.txt" |
	sed 's/^PROF //' > "$build/vm/profile-rtt.txt"
sed -n 's/^FTRACE //p' "$tmp/guest.txt" > "$build/vm/profile-ftrace.txt"
python3 "$HERE/hops.py" "$build/vm/profile-ftrace.txt" \
	> "$build/vm/profile-hops.txt" || rc=1
echo "perf reports: $build/vm/profile-rtt.txt"
echo "hops: $build/vm/profile-hops.txt (raw trace: profile-ftrace.txt)"
exit "$rc"
