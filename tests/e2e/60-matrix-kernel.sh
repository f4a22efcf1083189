#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# SPDX-FileCopyrightText: 2026 The ichip authors
# The module-variant matrix through the kernel transport (n_ichip), as
# tests/integration/test_matrix.py runs it through the tty transport: for
# every combination of the points at-plus-i.md §7 leaves open (payload
# echo, RP4/RP7 trailer, CR LF after SRCV data, soft or no flow control),
# ichip-sim plays that module on a pty with a real-sized receive buffer at
# 3 Mbaud, ichipd drives it through n_ichip, and a host-tls session echoes
# about MATRIX_KB KiB (default 256: the VM runs under TCG) of text lines,
# sha256-checked; the module must have lost no byte and, with soft flow
# control, paced the host.  The echo server is ichip-tls-echo, not
# gnutls-serv --echo: that one drops every connection 30 s after
# accepting it, and a no-flow-control variant (256-byte SSNDs) can take
# longer than that on a loaded machine (tls-echo.c).
# MATRIX_FLOW picks the flow control half (soft, the default, or none:
# 61-matrix-kernel-none.sh), so each half fits the VM's per-test limit.
# Prints TAP.  Files prepared on the host are in /etc/ichip-e2e.
E=/etc/ichip-e2e
W=/tmp/matrix
# not the system bus socket: ichipd refuses --test-allow-all there
BUS=unix:path=/run/ichip-test-bus
KB=${MATRIX_KB:-256}
FLOW=${MATRIX_FLOW:-soft}
export DBUS_SYSTEM_BUS_ADDRESS=$BUS
n=0 failed=0

wait_for() {	# wait_for SECONDS command...
	t=$(($1 * 10)); shift
	while [ $t -gt 0 ]; do "$@" > /dev/null 2>&1 && return 0; sleep 0.1; t=$((t - 1)); done
	return 1
}

# status KEY: a counter the simulator logged when it exited
status() {
	grep -o "exit: .*" $W/sim.log | tr ' ' '\n' | sed -n "s/^$1=//p"
}

mkdir -p $W
ifconfig lo 127.0.0.1 up 2>/dev/null || ip link set lo up
[ -s /etc/machine-id ] || echo 0123456789abcdef0123456789abcdef > /etc/machine-id
dbus-daemon --config-file=$E/test-bus.conf --address=$BUS --fork --nopidfile
wait_for 5 test -S /run/ichip-test-bus
ichip-tls-echo 4434 $E/server.pem $E/server.key > $W/serv.log 2>&1 &
SERVPID=$!
wait_for 5 sh -c "netstat -ltn 2>/dev/null | grep -q :4434"
# random bytes as hex lines: 16 bytes a line, about three times as long
dd if=/dev/urandom bs=1024 count=$((KB / 3)) 2> /dev/null | od -An -tx1 -v > $W/data
want=$(sha256sum < $W/data | cut -d' ' -f1)

# one VARIANT-NAME SIM-OPTIONS... : one combination
one() {
	name=$1; flow=$2; shift 2
	n=$((n + 1))
	rm -f $W/tty0 $W/sim.ctl
	# shellcheck disable=SC2068
	ichip-sim --pty-link $W/tty0 --control $W/sim.ctl --baud 3000000 \
		$@ > $W/sim.out 2> $W/sim.log &
	simpid=$!
	wait_for 5 test -e $W/tty0
	printf '[device m]\nport = %s\nflow = %s\n' $W/tty0 "$flow" > $W/ichipd.conf
	ichipd --state-dir $W/state --transport kernel --test-allow-all \
		--no-udev --config $W/ichipd.conf > $W/ichipd.log 2>&1 &
	ipid=$!
	ok=1 why=
	wait_for 10 busctl call org.ichip /org/ichip org.ichip.Manager1 GetDevices || { ok=0; why="no device"; }
	dev=$(busctl call org.ichip /org/ichip org.ichip.Manager1 GetDevices 2>/dev/null | grep -o '/org/ichip/dev[0-9]*' | head -n 1)
	# shellcheck disable=SC2046
	[ $ok = 1 ] && { busctl call org.ichip "$dev" org.ichip.Device1 SetCA 'aya{sv}' \
		$(wc -c < $E/ca.pem) $(od -An -tu1 -v $E/ca.pem) 0 > /dev/null 2>&1 || { ok=0; why="SetCA"; }; }
	[ $ok = 1 ] && { timeout 300 ichipctl connect 127.0.0.1:4434 < $W/data > $W/got 2> $W/connect.log
		got=$(sha256sum < $W/got | cut -d' ' -f1)
		[ "$got" = "$want" ] || { ok=0; why="sha256 differs ($(wc -c < $W/got) bytes back)"; }; }
	kill $ipid 2>/dev/null
	wait_for 5 sh -c "! kill -0 $ipid"
	kill $simpid 2>/dev/null
	wait_for 5 sh -c "! kill -0 $simpid"
	lost=$(status uart_lost) waits=$(status waits)
	[ "$lost" = 0 ] || { ok=0; why="$why; module lost ${lost:-?} bytes"; }
	if [ "$flow" = xonxoff ]; then
		[ "${waits:-0}" -gt 0 ] || { ok=0; why="$why; no WAIT"; }
	fi
	if [ $ok = 1 ]; then
		echo "ok $n - kernel transport, $name: waits $waits, lost $lost"
	else
		echo "not ok $n - kernel transport, $name: $why"; failed=$((failed + 1))
		sed 's/^/#   /' $W/ichipd.log | tail -n 10
		sed 's/^/#   /' $W/connect.log | tail -n 5
		sed 's/^/#   /' $W/serv.log | tail -n 3
	fi
}

hf=xonxoff; [ "$FLOW" = none ] && hf=none
for e in yes no; do for r in yes no; do for c in yes no; do
	one "echo-payload $e, rp-trailer $r, srcv-crlf $c, flow $FLOW" $hf \
		--echo-payload $e --rp-trailer $r --srcv-crlf $c --flow "$FLOW"
done; done; done

kill $SERVPID 2>/dev/null
killall dbus-daemon 2>/dev/null
echo "1..$n"
[ $failed -eq 0 ]
