#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# SPDX-FileCopyrightText: 2026 The ichip authors
# selftest.sh BUILD_DIR - check the VM harness itself, no kernel module needed.
#
# Boots three VMs (~3 s each under TCG) through run.sh and checks the exit
# code and the closing line of each:
#   pass   plain, TAP, skipped tests, one that leaves a process behind
#                                                -> exit 0, "4 passed, 0 failed, 2 skipped"
#   fail   exit 1, "not ok", short TAP plan, exit 1 after TAP, a hung test
#                                                -> exit 1, "3 passed, 5 failed"
#   panic  the kernel panics mid-test            -> exit 1, "0 passed, 1 failed"
# Prints "N passed, N failed" over the three cases; exit 0 when all hold.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build=${1:?usage: selftest.sh BUILD_DIR}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
ok=0 bad=0

# script DIR NAME BODY: write an executable test script.
script() {
	mkdir -p "$1"
	printf '#!/bin/sh\n%s\n' "$3" > "$1/$2"
	chmod +x "$1/$2"
}

make_cases() {
	script "$work/pass" 10-plain.sh 'echo plain test; exit 0'
	script "$work/pass" 20-tap.sh 'printf "TAP version 13\n1..3\nok 1 a\nok 2 b\nok 3 c # SKIP no c here\n"'
	script "$work/pass" 30-skip.sh 'echo skipped; exit 4'
	script "$work/pass" 40-leftover.sh 'sleep 100 & echo left a sleep behind'

	script "$work/fail" 10-exit1.sh 'exit 1'
	script "$work/fail" 20-notok.sh 'printf "1..2\nok 1 a\nnot ok 2 b\n"; exit 1'
	script "$work/fail" 30-short-plan.sh 'printf "1..3\nok 1 a\n"'
	script "$work/fail" 40-exit-after-tap.sh 'printf "1..1\nok 1 a\n"; exit 1'
	script "$work/fail" 50-hang.sh 'sleep 60'

	script "$work/panic" 10-panic.sh 'echo c > /proc/sysrq-trigger; sleep 5'
}

# expect NAME RC LAST -- RUN.SH ARGS...: run one case and check it.
expect() {
	local name=$1 want_rc=$2 want_last=$3 rc=0 last
	shift 4
	"$HERE/run.sh" --build "$build" --name "selftest-$name" "$@" </dev/null > "$work/$name.out" 2>&1 || rc=$?
	last=$(tail -n 1 "$work/$name.out")
	if [ "$rc" = "$want_rc" ] && [ "$last" = "$want_last" ]; then
		echo "--- PASS selftest $name (rc=$rc, '$last')"
		ok=$((ok + 1))
	else
		echo "--- FAIL selftest $name: rc=$rc (want $want_rc), last line '$last' (want '$want_last')"
		sed 's/^/    /' "$work/$name.out"
		bad=$((bad + 1))
	fi
}

make_cases
expect pass 0 '4 passed, 0 failed, 2 skipped' -- --test "$work/pass"
expect fail 1 '3 passed, 5 failed' -- --test "$work/fail" --test-timeout 3
expect panic 1 '0 passed, 1 failed' -- --test "$work/panic"
echo "$ok passed, $bad failed"
[ "$bad" -eq 0 ]
