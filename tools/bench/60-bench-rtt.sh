#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# SPDX-FileCopyrightText: 2026 The ichip authors
# In the VM (tests/vm/run.sh, run by tools/bench/bench.py): ichipd on the
# kernel transport (n_ichip) with --debug-commands against ichip-sim on a
# pty, then bench-rtt: N Device1.Command("AT+i") round trips, N Manager1
# property reads (the D-Bus hop alone), N Peer.Ping (the bus alone), N raw
# pty round trips with a trivial peer; and bench-nl: N EXEC("AT+i") through
# genl and n_ichip (the netlink hop alone).  Result lines start with
# "BENCH-RTT ".
E=/etc/ichip-e2e
W=/tmp/bench
# not the system bus socket: ichipd refuses --test-allow-all there
BUS=unix:path=/run/ichip-test-bus
export DBUS_SYSTEM_BUS_ADDRESS=$BUS
N=2000
[ -r /etc/bench-rtt.conf ] && . /etc/bench-rtt.conf

wait_for() {	# wait_for SECONDS command...
	t=$(($1 * 10)); shift
	while [ $t -gt 0 ]; do "$@" > /dev/null 2>&1 && return 0; sleep 0.1; t=$((t - 1)); done
	return 1
}

mkdir -p $W /run/dbus
ifconfig lo 127.0.0.1 up 2>/dev/null || ip link set lo up
[ -s /etc/machine-id ] || echo 0123456789abcdef0123456789abcdef > /etc/machine-id
dbus-daemon --config-file=$E/test-bus.conf --address=$BUS --fork --nopidfile
wait_for 5 test -S /run/ichip-test-bus || { echo "no bus"; exit 1; }
ichip-sim --pty-link $W/tty0 --state $W/sim.state > $W/sim.out 2> $W/sim.log &
SIMPID=$!
wait_for 5 test -e $W/tty0 || { echo "no sim"; exit 1; }
# a second simulator, driven straight through its tty: its own share
ichip-sim --pty-link $W/tty1 --state $W/sim1.state > $W/sim1.out 2> $W/sim1.log &
SIM1PID=$!
wait_for 5 test -e $W/tty1 || { echo "no sim 1"; exit 1; }
ichipd --state-dir $W/state --device $W/tty0 --transport kernel \
	--debug-commands --test-allow-all --no-udev --config /dev/null \
	--log-level notice > $W/ichipd.log 2>&1 &
IPID=$!
rc=0
if wait_for 20 bench-rtt dbus /org/ichip/dev0 1; then
	for m in "dbus /org/ichip/dev0" dbus-get ping pty; do
		# shellcheck disable=SC2086
		out=$(bench-rtt $m "$N") || rc=1
		echo "BENCH-RTT $out"
	done
	out=$(bench-nl "$N") || rc=1
	echo "BENCH-RTT $out"
	out=$(bench-nl lean "$N") || rc=1
	echo "BENCH-RTT $out"
	out=$(bench-rtt tty $W/tty1 "$N") || rc=1
	echo "BENCH-RTT $out"
	# tools/bench/profile-vm-rtt.sh only: perf and ftrace of the same
	# round trips, on the same setup
	# shellcheck source=/dev/null
	[ -r /etc/bench-profile.sh ] && . /etc/bench-profile.sh
else
	echo "ichipd never answered Command"; rc=1
	cat $W/ichipd.log
fi
kill $IPID
wait_for 5 sh -c "! kill -0 $IPID"
kill $SIMPID $SIM1PID 2>/dev/null
wait_for 5 sh -c "! kill -0 $SIMPID"
killall dbus-daemon 2>/dev/null
exit $rc
