#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# SPDX-FileCopyrightText: 2026 The ichip authors
# Which kernel checkers this kernel runs.  With ICHIP_EXPECT_CHECKERS=1
# (set for the debug kernel) every one must be active, so a debug run can
# never pass on a kernel that checks nothing; stock kernels skip (4) at
# once (scanning their /proc/kallsyms costs 10 s under TCG).
[ "${ICHIP_EXPECT_CHECKERS:-0}" = 1 ] || { echo "stock kernel: not checked"; exit 4; }
ok=1 line=
check() {	# NAME TEST...
	name=$1
	shift
	if "$@" >/dev/null 2>&1; then
		line="$line $name=1"
	else
		line="$line $name=0"
		ok=0
	fi
}
check lockdep test -e /proc/lockdep
check kasan sh -c 'dmesg | grep -q "KernelAddressSanitizer initialized"'
check kfence test -d /sys/kernel/debug/kfence
check ubsan grep -q ' __ubsan_handle_' /proc/kallsyms
check atomic_sleep grep -qE ' __might_(sleep|resched)$' /proc/kallsyms
check debug_objects test -e /sys/kernel/debug/debug_objects/stats
echo "checkers:$line"
[ "$ok" = 1 ]
