# SPDX-License-Identifier: GPL-2.0-only
# SPDX-FileCopyrightText: 2026 The ichip authors
# shellcheck shell=sh
# Sourced by 60-bench-rtt.sh in the VM when tools/bench/profile-vm-rtt.sh
# installs it as /etc/bench-profile.sh: with ichipd (kernel transport) and
# ichip-sim still running, profile the netlink round trip (bench-nl) and,
# for comparison, the same with a lean client (bench-nl lean), the raw pty
# one (bench-rtt pty) and the simulator alone (bench-rtt tty):
#   1. perf record -a -g, cpu-clock (TCG has no PMU), then perf report
#      sorted by process and by symbol, lines prefixed "PROF ";
#   2. one ftrace capture (sched_switch/sched_wakeup, workqueue starts,
#      and the functions of each hop) of a few round trips, lines prefixed
#      "FTRACE ", which tools/bench/hops.py turns into per-hop times.
# Not part of make bench or make check: a diagnosis tool (issue 16).
PN=${PROFILE_N:-1000}
T=/sys/kernel/tracing
[ -d $T/events ] || mount -t tracefs tracefs $T 2>/dev/null
echo 0 > /proc/sys/kernel/kptr_restrict
echo -1 > /proc/sys/kernel/perf_event_paranoid

prof() {	# prof NAME COMMAND...: record COMMAND, print the reports
	name=$1; shift
	perf record -q -a -g -e cpu-clock -F 4000 -o "$W/$name.data" -- "$@" \
		> "$W/$name.out" 2> "$W/$name.err"
	echo "PROF $name: $(cat "$W/$name.out")"
	for s in comm comm,dso,sym; do
		echo "PROF $name sort=$s"
		perf report -i "$W/$name.data" --stdio --no-children \
			--sort $s -g none --percent-limit 0.7 2>/dev/null |
			grep -v '^#' | grep -v '^$' | head -n 60 |
			sed "s/^/PROF $name /"
	done
	# per process, inclusive (children): what each one's time is spent in
	for c in $(perf report -i "$W/$name.data" --stdio --no-children \
			--sort comm -g none --percent-limit 2 2>/dev/null |
			grep -v '^#' | awk 'NF == 2 { print $2 }'); do
		echo "PROF $name comm=$c inclusive, % of all samples"
		perf report -i "$W/$name.data" --stdio --children --sort dso,sym \
			--comms "$c" -g none --percent-limit 0.5 2>/dev/null |
			grep -v '^#' | grep -v '^$' | head -n 70 |
			sed "s/^/PROF $name /"
	done
}

if [ "${PROFILE_PERF:-1}" = 1 ]; then
	prof nl bench-nl "$PN"
	prof lean bench-nl lean "$PN"
	prof pty bench-rtt pty "$PN"
	prof tty bench-rtt tty "$W/tty1" "$PN"
fi

# ftrace: the hops of a few round trips, function entry times only
FUNCS='__sys_sendmsg ___sys_recvmsg __sys_sendto __sys_recvfrom do_sys_poll genl_rcv_msg ichip_nl_exec_doit
ichip_tx_push pty_write tty_flip_buffer_push flush_to_ldisc n_tty_receive_buf2
n_tty_read n_tty_write ichip_ldisc_receive_buf ichip_genl_result
netlink_unicast ksys_read ksys_write do_pselect.constprop.0'
if [ -w $T/set_ftrace_filter ]; then
	echo 0 > $T/tracing_on
	echo > $T/trace
	echo 8192 > $T/buffer_size_kb
	: > $T/set_ftrace_filter
	for f in $FUNCS; do
		echo "$f" >> $T/set_ftrace_filter 2>/dev/null ||
			echo "FTRACE-NOTE no function $f"
	done
	echo function > $T/current_tracer
	for e in sched/sched_switch sched/sched_wakeup \
		 workqueue/workqueue_execute_start; do
		echo 1 > $T/events/$e/enable
	done
	echo 1 > $T/tracing_on
	for m in nl lean pty tty; do
		echo "hops $m begin" > $T/trace_marker
		case $m in
		nl) bench-nl 30 > /dev/null ;;
		lean) bench-nl lean 30 > /dev/null ;;
		pty) bench-rtt pty 30 > /dev/null ;;
		tty) bench-rtt tty "$W/tty1" 30 > /dev/null ;;
		esac
		echo "hops $m end" > $T/trace_marker
	done
	echo 0 > $T/tracing_on
	# before the tracer goes back to nop: that empties the buffer
	sed -n 's/^/FTRACE /p' $T/trace
	echo nop > $T/current_tracer
else
	echo "FTRACE-NOTE no $T/set_ftrace_filter: no function tracer"
fi
