#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# SPDX-FileCopyrightText: 2026 The ichip authors
# In the VM (tests/vm/run.sh, run by tools/bench/m_cpu.py): target 3 of
# make bench on the kernel transport.  ichipd with --transport kernel
# (n_ichip) against ichip-sim on a pty (unthrottled, as on the host), the
# CA and the server's certificate made on the host, ichip-tls-echo
# sinksource as the TLS server on 127.0.0.1.  RUNS times, back to back:
#   ichipd  N bytes up (SINK) and N down (SOURCE) through a host-tls
#           session (ichipctl connect: OpenSession, then the fd); the CPU
#           of ichipd and its TLS worker from /proc/PID/task/*/schedstat
#   bare    bench-tls-client moving the same bytes (its own getrusage)
#   small   a session of one byte through each of the two: what a
#           session costs whatever it moves (the handshake, mostly)
#   copy    bench-copy N: the same bytes socketpair <-> pty in ichipd's
#           chunks (its relay thread's CPU clock); bench-copy N turns too
# All on the guest's clocks, so the ratio compares like with like.  Every
# part also reports the CPU of the kernel's worker threads (kworker,
# ksoftirqd) over its span: the pty's receive side runs there (for
# n_ichip that includes its framing), charged to neither side's process.
# Result lines start with "BENCH-CPU ".
C=/etc/bench-cpu	# ca.pem, server.pem, server.key (the bench's)
N=2097152
RUNS=3
PORT=4433
# shellcheck source=tools/bench/vm-bench-lib.sh
. /etc/bench-vm-lib.sh
# shellcheck source=/dev/null
[ -r /etc/bench-cpu.conf ] && . /etc/bench-cpu.conf

# ns on a CPU of every thread of the processes given (schedstat field 1);
# builtins only, so reading it costs the guest little
cpu_ns() {
	s=0
	for p in "$@"; do
		for t in /proc/"$p"/task/*; do
			read -r ns _ < "$t/schedstat" && s=$((s + ns))
		done
	done
	echo $s
}

# the same for the kernel's worker threads (where a pty's input is
# processed, n_ichip's receive path included)
kthreads_ns() {
	s=0
	for p in /proc/[0-9]*; do
		# a thread that ended meanwhile has nothing to add
		{ read -r comm < "$p/comm"; } 2>/dev/null || continue
		case $comm in
		kworker*|ksoftirqd*)
			{ read -r ns _ < "$p/schedstat"; } 2>/dev/null &&
				s=$((s + ns)) ;;
		esac
	done
	echo $s
}

# ichipd's TLS worker(s): children of ichipd named ichip-tls-worker
workers() {
	out=
	for f in /proc/[0-9]*/stat; do
		{ read -r pid comm _ ppid _ < "$f"; } 2>/dev/null || continue
		[ "$ppid" = "$IPID" ] && [ "$comm" = "(ichip-tls-worke)" ] &&
			out="$out $pid"
	done
	echo "${out# }"
}

uptime_ms() {	# /proc/uptime has hundredths ("08" is no octal here)
	read -r up _ < /proc/uptime
	echo $(( ${up%.*} * 1000 + 1${up#*.} * 10 - 1000 ))
}

# session DIRECTION BYTES: one host-tls session through ichipd
session() {
	n=$2
	if [ "$1" = sink ]; then
		{ printf 'SINK %s\n' "$n"; head -c "$n" /dev/zero; } |
			timeout 600 ichipctl connect 127.0.0.1:$PORT > $W/answer ||
			return 1
		# tcpserv.py's answer: "<sha256> <count>"
		read -r _ got < $W/answer
	else
		# the request, with stdin held open until the stream has
		# ended: as the host's client, no half-close before the end
		rm -f $W/in; mkfifo $W/in
		timeout 600 ichipctl connect 127.0.0.1:$PORT < $W/in |
			wc -c > $W/count &
		exec 3> $W/in
		printf 'SOURCE %s bench\n' "$n" >&3
		wait $!
		exec 3>&-
		read -r got < $W/count
	fi
	[ "$got" = "$n" ] || { echo "$1: $got of $n bytes"; return 1; }
}

# ichipd_part RUN NAME DIRECTION BYTES: one session, measured
ichipd_part() {
	# a session first, unmeasured: the TLS worker runs (it stops after
	# 10 s without a session; the host half measures a running one)
	printf 'SOURCE 1 warm\n' | ichipctl connect 127.0.0.1:$PORT > /dev/null
	w0=$(workers)
	[ -n "$w0" ] || { echo "no TLS worker after a session"; return 1; }
	t0=$(uptime_ms); k0=$(kthreads_ns)
	d0=$(cpu_ns $IPID)
	# shellcheck disable=SC2086 # $w0: a list of pids
	w0c=$(cpu_ns $w0)
	session "$3" "$4" || return 1
	d1=$(cpu_ns $IPID)
	# shellcheck disable=SC2086
	w1c=$(cpu_ns $w0)
	k1=$(kthreads_ns); t1=$(uptime_ms)
	w1=$(workers)
	[ "$w0" = "$w1" ] ||
		{ echo "TLS worker changed during the transfer: $w0 -> $w1"; return 1; }
	echo "BENCH-CPU run=$1 part=ichipd dir=$2 ichipd_ns=$((d1 - d0))" \
	     "worker_ns=$((w1c - w0c)) kthreads_ns=$((k1 - k0))" \
	     "wall_ms=$((t1 - t0)) bytes=$4"
}

# measured PART RUN NAME command...: a baseline that prints cpu_s=...
measured() {
	part=$1 run=$2 dir=$3; shift 3
	k0=$(kthreads_ns)
	out=$("$@") || { echo "$part $dir failed: $out"; return 1; }
	k1=$(kthreads_ns)
	echo "BENCH-CPU run=$run part=$part dir=$dir $out kthreads_ns=$((k1 - k0))"
}

bench_stack_up
ichip-tls-echo $PORT $C/server.pem $C/server.key sinksource 2> $W/serv.log &
SERVPID=$!
# shellcheck disable=SC2119 # no extra options
bench_ichipd
rc=0
# the device is ready once it takes the CA (as the host half sets it)
if wait_for 30 ichipctl ca set $C/ca.pem; then
	i=1
	while [ $i -le "$RUNS" ] && [ $rc -eq 0 ]; do
		# "small": a session of one byte, what a session costs
		# whatever it moves (the handshake, mostly): in raw only
		ichipd_part $i small source 1 || rc=1
		for dir in sink source; do
			ichipd_part $i $dir $dir "$N" || rc=1
		done
		measured bare $i small bench-tls-client $C/ca.pem $PORT \
			source 1 || rc=1
		for dir in sink source; do
			measured bare $i $dir bench-tls-client $C/ca.pem $PORT \
				$dir "$N" || rc=1
		done
		measured copy $i both bench-copy "$N" || rc=1
		measured copy-turns $i both bench-copy "$N" turns || rc=1
		i=$((i + 1))
	done
	# a diagnosis only (never make bench): a profile of the same
	# sessions on the same setup, when /etc/bench-profile.sh is given
	# shellcheck source=/dev/null
	[ $rc -eq 0 ] && [ -r /etc/bench-profile.sh ] && . /etc/bench-profile.sh
else
	echo "ichipd never took the CA"; rc=1
fi
[ $rc -eq 0 ] || { cat $W/ichipd.log; tail -n 20 $W/serv.log; }
bench_stack_down $SERVPID
exit $rc
