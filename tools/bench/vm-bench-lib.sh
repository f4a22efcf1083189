# SPDX-License-Identifier: GPL-2.0-only
# SPDX-FileCopyrightText: 2026 The ichip authors
# shellcheck shell=sh
# Sourced by the bench's guest scripts (60-bench-rtt.sh, 61-bench-cpu.sh)
# from /etc/bench-vm-lib.sh, where tools/bench/vmrun.py installs it: what
# both do to bring up and take down ichipd's stack in the VM.
E=/etc/ichip-e2e
W=/tmp/bench
# not the system bus socket: ichipd refuses --test-allow-all there
BUS=unix:path=/run/ichip-test-bus
export DBUS_SYSTEM_BUS_ADDRESS=$BUS

wait_for() {	# wait_for SECONDS command...
	t=$(($1 * 10)); shift
	while [ $t -gt 0 ]; do "$@" > /dev/null 2>&1 && return 0; sleep 0.1; t=$((t - 1)); done
	return 1
}

# the loopback, a machine id, the private bus, ichip-sim on $W/tty0
# (SIMPID); exits the script if one of them does not come up
bench_stack_up() {
	mkdir -p $W /run/dbus
	# ichipd's TLS worker runs as nobody and must reach /bin and /lib
	chmod 755 /
	ifconfig lo 127.0.0.1 up 2>/dev/null || ip link set lo up
	[ -s /etc/machine-id ] ||
		echo 0123456789abcdef0123456789abcdef > /etc/machine-id
	dbus-daemon --config-file=$E/test-bus.conf --address=$BUS --fork \
		--nopidfile
	wait_for 5 test -S /run/ichip-test-bus || { echo "no bus"; exit 1; }
	ichip-sim --pty-link $W/tty0 --state $W/sim.state > $W/sim.out \
		2> $W/sim.log &
	SIMPID=$!
	wait_for 5 test -e $W/tty0 || { echo "no sim"; exit 1; }
}

# ichipd on the kernel transport (n_ichip) on $W/tty0 (IPID); options
# given are added
bench_ichipd() {
	ichipd --state-dir $W/state --device $W/tty0 --transport kernel \
		--test-allow-all --no-udev --config /dev/null \
		--log-level notice "$@" > $W/ichipd.log 2>&1 &
	IPID=$!
}

# ichipd, then the simulators (PIDs given too) and the bus
bench_stack_down() {
	kill "$IPID"
	wait_for 5 sh -c "! kill -0 $IPID"
	kill "$SIMPID" "$@" 2>/dev/null
	wait_for 5 sh -c "! kill -0 $SIMPID"
	killall dbus-daemon 2>/dev/null
}
