#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# SPDX-FileCopyrightText: 2026 The ichip authors
# demo.sh - what `make run` shows a newcomer, on a simulated module:
# a private D-Bus, ichip-sim on a pty, a TLS 1.3 web server on 127.0.0.1,
# ichipd; then the device, an in-house CA created and set on the module,
# a host-tls session fetching a page, the legacy path refused without
# opt-in, and the line traffic.  Everything stops at the end (or on ^C);
# nothing is left running or installed.  Every step is checked: the demo
# exits 1 and names the steps that did not do what they show (a step that
# shows a refusal passes only when that refusal, and no other error, came).
#
#   tools/demo.sh [--build DIR] [--baud N]
set -uo pipefail

build=build baud=115200
while [ $# -gt 0 ]; do
	case $1 in
	--build) build=$2; shift ;;
	--baud) baud=$2; shift ;;
	*) sed -n '4,12p' "$0"; exit 2 ;;
	esac
	shift
done
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 2
build=$(cd "$build" && pwd)
ichipctl=$build/daemon/ichipctl
work=$(mktemp -d /tmp/ichip-demo.XXXXXX)
pids=()
failed_steps=()

cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

bold() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*" >&2; "$@"; }
fail_step() { failed_steps+=("$1"); printf 'demo: FAILED: %s\n' "$1" >&2; }

# step NAME CMD...: run CMD; a non-zero exit fails the step NAME.
step() {
	local name=$1
	shift
	run "$@" || fail_step "$name"
}

# expect_refusal NAME PATTERN CMD...: CMD must fail with PATTERN in what
# it prints (the refusal this step shows); success or another error fails.
expect_refusal() {
	local name=$1 pattern=$2 out rc
	shift 2
	out=$(run "$@" 2>&1)
	rc=$?
	printf '%s\n' "$out"
	if [ "$rc" -eq 0 ] || ! grep -qE "$pattern" <<<"$out"; then
		fail_step "$name (wanted a failure matching '$pattern', got exit $rc)"
	fi
}

free_port() {
	/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

wait_for() {	# wait_for SECONDS command...
	local t=$(($1 * 10)); shift
	while [ $t -gt 0 ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1; t=$((t - 1))
	done
	echo "demo: timed out waiting for: $*" >&2
	return 1
}

start_bus() {
	dbus-daemon --config-file="$top/dbus/test-bus.conf" \
		--address="unix:path=$work/bus" --nofork --print-address=1 \
		>"$work/bus.addr" 2>"$work/bus.log" &
	pids+=($!)
	export DBUS_SYSTEM_BUS_ADDRESS="unix:path=$work/bus"
	wait_for 5 test -S "$work/bus"
}

start_sim() {
	"$build/tests/sim/ichip-sim" --pty-link "$work/ttyICHIP0" \
		--state "$work/sim.state" --trace "$work/line.trace" \
		--baud "$baud" >"$work/sim.out" 2>"$work/sim.log" &
	pids+=($!)
	wait_for 5 test -e "$work/ttyICHIP0"
}

start_ichipd() {
	"$build/daemon/ichipd" --state-dir "$work/state" --config /dev/null \
		--device "$work/ttyICHIP0:$baud" --no-udev --test-allow-all \
		>"$work/ichipd.log" 2>&1 &
	pids+=($!)
	wait_for 10 "$ichipctl" device list
}

start_web() {
	port=$(free_port)
	gnutls-serv --http -p "$port" --x509certfile "$work/pki/www.pem" \
		--x509keyfile "$work/pki/www.key" \
		--priority 'NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2' \
		>"$work/web.log" 2>&1 &
	pids+=($!)
	wait_for 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port"
}

bold "Starting a private bus, ichip-sim (a simulated module at $baud baud) and ichipd"
start_bus && start_sim && start_ichipd || {
	cat "$work"/*.log
	echo "demo: FAILED: starting the bus, ichip-sim and ichipd" >&2
	exit 1
}
echo "(the kernel module cannot load on this host; ichipd drives the tty itself,"
echo " the same framing core as n_ichip.  make check runs it with n_ichip in a VM.)"

bold "The device, as ichipd sees it over D-Bus"
step "device list" "$ichipctl" device list
step "device show" "$ichipctl" device show

bold "An in-house CA: created with ichipctl pki, a server certificate issued for localhost"
mkdir -p "$work/pki"
step "pki init-ca" "$ichipctl" pki init-ca "$work/pki" --cn "Demo in-house CA"
step "pki issue" "$ichipctl" pki issue "$work/pki" localhost 127.0.0.1 --out "$work/pki/www"
ls -l "$work/pki"

bold "Setting the module's CA parameter (validated, written, read back, persisted)"
step "ca set" "$ichipctl" ca set "$work/pki/ca.pem"
step "ca show" "$ichipctl" ca show

bold "A TLS 1.3 web server on 127.0.0.1 with that certificate"
start_web || { echo "demo: FAILED: starting the web server" >&2; exit 1; }
echo "listening on 127.0.0.1:$port"

bold "A host-tls session: ichipd runs TLS 1.3 over the module's TCP socket"
printf 'GET / HTTP/1.0\r\nHost: localhost\r\n\r\n' >"$work/request"
if run "$ichipctl" connect "localhost:$port" <"$work/request" >"$work/page" &&
	grep -q '^HTTP/1\.[01] 200' "$work/page"; then
	head -c 400 "$work/page" | sed -n '1,12p'
	echo "..."
	echo "($(wc -c <"$work/page") bytes)"
else
	fail_step "host-tls fetch (ichipctl connect: no HTTP 200 page)"
fi

bold "The module's own SSL3/TLS1.0 (device-tls) is refused unless asked for explicitly"
expect_refusal "device-tls without opt-in is refused" 'pass allow-legacy-tls' \
	busctl call org.ichip /org/ichip/dev0 org.ichip.Device1 OpenSession \
	'sqa{sv}' localhost "$port" 1 security s device-tls
echo "(LegacyTLSRefused: the request did not say allow-legacy-tls)"
echo
echo "With the opt-in, the module's TLS 1.0 meets a TLS 1.3-only server:"
expect_refusal "device-tls (TLS 1.0) against a TLS 1.3-only server fails" \
	'module SSL error 22[0-9]' \
	"$ichipctl" connect "localhost:$port" --legacy-device-tls </dev/null
echo "(that failure is why host-tls is the default)"

bold "What went over the serial line (the simulator's trace; ichipctl monitor shows this from n_ichip)"
grep -E 'AT\+i(STCP|SSND|SRCV|SCLS|CA)|I/[0-9]+:|I/(OK|ERROR)' "$work/line.trace" | head -n 16
echo "... $(wc -l <"$work/line.trace") lines in all"

bold "Counters"
"$ichipctl" device show | grep -iE 'bytes|commands|sessions' || true

bold "Done: stopping ichipd, the simulator and the bus"
if [ ${#failed_steps[@]} -gt 0 ]; then
	printf '\ndemo: %d step(s) failed:\n' "${#failed_steps[@]}" >&2
	printf '  - %s\n' "${failed_steps[@]}" >&2
	exit 1
fi
echo "demo: every step did what it shows"
