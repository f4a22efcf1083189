# SPDX-License-Identifier: GPL-2.0-only
# SPDX-FileCopyrightText: 2026 The ichip authors
# shellcheck shell=sh
# Sourced by 61-bench-cpu.sh in the VM when tools/bench/profile-vm-cpu.py
# installs it as /etc/bench-profile.sh: with ichipd (kernel transport),
# ichip-sim and the TLS server still running, perf record -a -g of one
# SINK and one SOURCE session of N bytes (cpu-clock: TCG has no PMU),
# then the reports, lines prefixed "PROF ": by process (% of all samples,
# idle included), and for ichipd and its TLS worker by symbol, self and
# inclusive, in % of that process's samples.
# Not part of make bench or make check: a diagnosis tool (issue 16).
echo 0 > /proc/sys/kernel/kptr_restrict
echo -1 > /proc/sys/kernel/perf_event_paranoid

report() {	# report DATA NAME perf-report-options...
	data=$1 name=$2; shift 2
	perf report -i "$data" --stdio -g none "$@" 2>/dev/null |
		grep -v '^#' | grep -v '^$' | head -n 50 | sed "s/^/PROF $name /"
}

for dir in sink source; do
	# the TLS worker runs, as in the measured sessions
	printf 'SOURCE 1 warm\n' | ichipctl connect 127.0.0.1:"$PORT" > /dev/null
	perf record -q -a -g -e cpu-clock -F 2000 -o "$W/prof-$dir.data" \
		-- sleep 3600 > /dev/null 2>&1 &
	PP=$!
	sleep 1		# perf is recording
	session $dir "$N" || echo "PROF $dir session failed"
	kill -INT $PP
	wait $PP
	echo "PROF $dir by process"
	report "$W/prof-$dir.data" $dir --no-children --sort comm \
		--percent-limit 0.5
	for c in ichipd ichip-tls-worke; do
		echo "PROF $dir $c self"
		report "$W/prof-$dir.data" $dir --no-children --comms $c \
			--percentage relative --sort dso,sym --percent-limit 1.5
	done
	echo "PROF $dir ichipd inclusive"
	report "$W/prof-$dir.data" $dir --children --comms ichipd \
		--percentage relative --sort sym --percent-limit 4
done
