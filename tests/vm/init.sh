#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# SPDX-FileCopyrightText: 2026 The ichip authors
# init.sh - /init of the test VM (busybox sh).  Installed by build-initramfs.sh.
#
# Mounts the pseudo file systems, insmods every /lib/modules/*.ko, runs
# /tests/*.sh in name order, checks the kernel log, prints a summary as the
# last line ("N passed, N failed[, N skipped]") and ends the VM through
# isa-debug-exit (vm-exit 0 = all passed, 1 = failures).
#
# Counting: a test script that prints TAP result lines ("ok N ..." /
# "not ok N ..." at the start of a line, as kselftest binaries do) counts
# one test per line, "# SKIP" ones as skipped; it also gets one extra failure
# if it exits non-zero (other than 4) without a "not ok", or prints fewer
# results than its "1..N" plans.  A script with no TAP lines is one test:
# exit 0 = pass, 4 = skip (kselftest's KSFT_SKIP), anything else = fail.
# A tainted or complaining kernel log is one more failed test.
#
# Kernel command line knobs (the kernel hands unknown a=b words to /init as
# environment variables):
#   vmtest_only=GLOB     run only tests whose file name matches GLOB
#   vmtest_timeout=SECS  per-test timeout (default 300); on expiry = fail
#
# Each script runs in its own session with / as working directory and stdin
# from /dev/null; anything it leaves running is killed when it exits (start
# a helper a later test needs with "setsid -f cmd >/dev/null 2>&1", or
# better, let each test start its own).
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
export HOME=/root

# Applet links are made here rather than on the host: ~400 forks less there,
# and busybox never replaces a binary the image already has.
/bin/busybox --install -s

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm /root
mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /tmp
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
hostname vmtest
# The kernel boots with "quiet" (console loglevel 4: errors only) to keep TCG
# boots short.  From here on warnings reach the console too, so the WARN or
# oops that panic_on_warn/oops=panic turns into a panic shows its backtrace
# in the log before qemu exits.
dmesg -n 5
ip link set lo up 2>/dev/null	# for tests that talk over 127.0.0.1

# What fails the run when it shows up in the kernel log.
# Lockdep and debugobjects reports start with WARNING:, KFENCE's with BUG:;
# their other lines are listed too, in case a kernel words them otherwise.
DMESG_BAD='WARNING:|BUG:|Oops|general protection|Call Trace:|UBSAN|KASAN|KFENCE|kernel BUG|refcount_t|list_add corruption|list_del corruption|possible circular locking|possible recursive locking|inconsistent lock state|ODEBUG|INFO: lockdep'
# Taint bits that are expected: O (4096, out-of-tree module) and E (8192,
# unsigned module).  Any other bit (W = a WARN, D = an oops, ...) fails.
TAINT_OK=$((4096 | 8192))

pass=0 fail=0 skip=0

now() { cut -d' ' -f1 /proc/uptime; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2fs", b - a }'; }

load_modules() {
	for m in /lib/modules/*.ko; do
		[ -e "$m" ] || continue
		if insmod "$m"; then
			echo "insmod ${m##*/}: ok"
		else
			echo "--- FAIL insmod ${m##*/}"
			fail=$((fail + 1))
		fi
	done
}

# tap_count FILE: print "passed failed skipped planned results" for the TAP
# result lines in FILE (top-level lines only; indented ones are subtests).
tap_count() {
	awk '
	/^ok( |$)/ || /^not ok( |$)/ {
		n++
		if (tolower($0) ~ /# *skip/) s++
		else if ($1 == "ok") p++
		else f++
	}
	/^1\.\.[0-9]+/ { split($1, a, "\\.\\."); plan += a[2]
		if (a[2] == 0) zero++ }	# "1..0 # SKIP reason": whole file skipped
	END { if (n == 0 && zero) s++
	      print p + 0, f + 0, s + 0, plan + 0, n + 0 }' "$1"
}

# run_script SCRIPT: run SCRIPT in its own session, output on stdout, exit
# status into /run/vmtest.rc.  On timeout the whole session is killed, and so
# is whatever the script left running in the background when it ends: those
# would keep the output pipe open and hang the run.
run_script() {
	# shellcheck disable=SC2016 # $1 is for the inner sh
	setsid sh -c 'cd / && exec sh "$1"' sh "$1" </dev/null 2>&1 &
	pid=$!	# not a group leader, so setsid did not fork: pid = session = group
	(sleep "$TIMEOUT"; kill -KILL -"$pid") >/dev/null 2>&1 &
	watchdog=$!
	wait "$pid"
	echo $? > /run/vmtest.rc
	kill -KILL -"$pid" "$watchdog" 2>/dev/null
}

# run_test SCRIPT: run one script with its output prefixed by its name (live,
# so a test that hangs or crashes the kernel still shows what it printed).
run_test() {
	t=$1 name=${1##*/}
	name=${name%.sh}
	out=/run/vmtest.$name.out
	: > "$out"	# awk only creates it when the test prints something
	echo "=== RUN   $name"
	start=$(now)
	run_script "$t" |
		awk -v p="$name| " -v f="$out" '{ print p $0; print > f; fflush() }'
	rc=$(cat /run/vmtest.rc)
	took=$(since "$start")

	# shellcheck disable=SC2046 # split on purpose: five numbers
	set -- $(tap_count "$out")
	tp=${1:-0} tf=${2:-1} ts=${3:-0} plan=${4:-0} results=${5:-0}
	note=''
	if [ "$results" -eq 0 ] && [ "$ts" -eq 0 ]; then
		case $rc in
		0) tp=1 ;;
		4) ts=1 ;;
		*) tf=1 ;;
		esac
	else
		# A crash or exit(1) after the last result line must not pass.
		if [ "$rc" -ne 0 ] && [ "$rc" -ne 4 ] && [ "$tf" -eq 0 ]; then
			tf=$((tf + 1)) note="$note, exited $rc"
		fi
		if [ "$results" -lt "$plan" ]; then
			tf=$((tf + 1)) note="$note, $results of $plan planned results"
		fi
	fi
	[ "$rc" -eq 137 ] && note="$note, killed after ${TIMEOUT}s"
	pass=$((pass + tp)) fail=$((fail + tf)) skip=$((skip + ts))

	if [ "$tf" -gt 0 ]; then verdict=FAIL
	elif [ "$tp" -gt 0 ]; then verdict=PASS
	else verdict=SKIP; fi
	if [ "$results" -gt 0 ]; then
		echo "--- $verdict $name ($took, rc=$rc: $tp passed, $tf failed, $ts skipped$note)"
	else
		echo "--- $verdict $name ($took, rc=$rc$note)"
	fi
}

run_tests() {
	ran=0
	for t in /tests/*.sh; do
		[ -e "$t" ] || continue
		# shellcheck disable=SC2254 # ONLY is a glob on purpose
		case ${t##*/} in $ONLY) ;; *) continue ;; esac
		run_test "$t"
		ran=$((ran + 1))
	done
	if [ "$ran" -eq 0 ]; then
		echo "--- FAIL no test in /tests matched '$ONLY'"
		fail=$((fail + 1))
	fi
}

# check_kernel: a WARN/BUG/oops that did not panic still fails the run.
check_kernel() {
	taint=$(cat /proc/sys/kernel/tainted)
	bad=''
	dmesg | grep -qE "$DMESG_BAD" && bad="kernel log matches /$DMESG_BAD/"
	[ $((taint & ~TAINT_OK)) -ne 0 ] && bad="${bad:+$bad; }tainted=$taint"
	if [ -n "$bad" ]; then
		echo "--- FAIL kernel-log ($bad)"
		dmesg | grep -E -B3 -A25 "$DMESG_BAD" | head -n 120
		fail=$((fail + 1))
	fi
}

TIMEOUT=${vmtest_timeout:-300}
ONLY=${vmtest_only:-*}
echo "vmtest: kernel $(uname -r), init at $(now)s, cpus $(nproc)"
boot_lines=$(dmesg | wc -l)
load_modules
run_tests
check_kernel
echo "--- dmesg since boot (module and test messages) ---"
dmesg | tail -n +$((boot_lines + 1))
echo "--- end dmesg, tainted=$(cat /proc/sys/kernel/tainted), uptime $(now)s ---"

if [ "$skip" -gt 0 ]; then
	echo "$pass passed, $fail failed, $skip skipped"
else
	echo "$pass passed, $fail failed"
fi
# qemu exits with (code << 1) | 1: 1 = all passed, 3 = failures.
vm-exit "$([ "$fail" -eq 0 ] && echo 0 || echo 1)"
poweroff -f
