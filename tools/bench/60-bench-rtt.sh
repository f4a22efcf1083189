#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# SPDX-FileCopyrightText: 2026 The ichip authors
# In the VM (tests/vm/run.sh, run by tools/bench/bench.py): ichipd on the
# kernel transport (n_ichip) with --debug-commands against ichip-sim on a
# pty, then bench-rtt: N Device1.Command("AT+i") round trips, N Manager1
# property reads (the D-Bus hop alone), N Peer.Ping (the bus alone), N raw
# pty round trips with a trivial peer; and bench-nl: N EXEC("AT+i") through
# genl and n_ichip (the netlink hop alone); then ROUNDS rounds of the
# lean EXEC client and a raw write/read on a second simulator's tty, in
# turn.  Result lines start with "BENCH-RTT ", a round's with "round=R".
N=2000
ROUNDS=5
# shellcheck source=tools/bench/vm-bench-lib.sh
. /etc/bench-vm-lib.sh
# shellcheck source=/dev/null
[ -r /etc/bench-rtt.conf ] && . /etc/bench-rtt.conf

bench_stack_up
# a second simulator, driven straight through its tty: its own share
ichip-sim --pty-link $W/tty1 --state $W/sim1.state > $W/sim1.out 2> $W/sim1.log &
SIM1PID=$!
wait_for 5 test -e $W/tty1 || { echo "no sim 1"; exit 1; }
bench_ichipd --debug-commands
rc=0
if wait_for 20 bench-rtt dbus /org/ichip/dev0 1; then
	for m in "dbus /org/ichip/dev0" dbus-get ping pty; do
		# shellcheck disable=SC2086
		out=$(bench-rtt $m "$N") || rc=1
		echo "BENCH-RTT $out"
	done
	out=$(bench-nl "$N") || rc=1
	echo "BENCH-RTT $out"
	# target 2a's two sides take turns, N/ROUNDS calls each a round: a
	# stall of the emulator's host then lands in one round of one side,
	# and the median of the rounds' ratios leaves it out
	r=1
	while [ $r -le "$ROUNDS" ]; do
		out=$(bench-nl lean "$((N / ROUNDS))") || rc=1
		echo "BENCH-RTT round=$r $out"
		out=$(bench-rtt tty $W/tty1 "$((N / ROUNDS))") || rc=1
		echo "BENCH-RTT round=$r $out"
		r=$((r + 1))
	done
	# tools/bench/profile-vm-rtt.sh only: perf and ftrace of the same
	# round trips, on the same setup
	# shellcheck source=/dev/null
	[ -r /etc/bench-profile.sh ] && . /etc/bench-profile.sh
else
	echo "ichipd never answered Command"; rc=1
	cat $W/ichipd.log
fi
bench_stack_down $SIM1PID
exit $rc
