#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# SPDX-FileCopyrightText: 2026 The ichip authors
# run.sh - run kernel-module tests in a throwaway QEMU VM (the entry point
# `make check` uses).
#
#   tests/vm/run.sh --build BUILD_DIR [--module PATH.ko]... [--bin PATH]...
#       [--bindir DIR]... [--test SCRIPT|DIR]... [--file SRC:DST]... [--dir DIR]...
#       [--name NAME] [--only GLOB] [--timeout SECS] [--test-timeout SECS]
#       [--smp N] [--mem MB] [--append "KERNEL ARGS"] [--verbose]
#
#   --build DIR       build directory; artifacts go to DIR/vm/ (kernel cache,
#                     NAME.cpio.gz, NAME-console.log)
#   --kernel-env FILE boot the kernel FILE names (KVER=, VMLINUZ=, as
#                     debug-kernel.sh writes) instead of Debian's image of
#                     $VM_KERNEL_FLAVOUR
#   --module PATH.ko  insmod'ed at boot, in file name order; must be built
#                     for tests/vm/kver.sh's kernel
#   --bin PATH        executable for /bin in the guest (shared libs follow)
#   --bindir DIR      every executable in DIR, to /bin
#   --test SCRIPT     /tests/SCRIPT, run in name order; a DIR adds its *.sh
#   --file SRC:DST    extra file or directory at DST in the guest
#   --dir DIR         empty directory in the guest
#   --name NAME       artifact name, so several suites can share BUILD_DIR (default vm)
#   --only GLOB       run only the tests whose file name matches GLOB
#   --timeout SECS    whole VM (default 600); --test-timeout: each test (300)
#   --smp/--mem       guest CPUs (2) and memory in MB (1024)
#   --append ARGS     more kernel command line (e.g. panic_on_warn=0)
#   --verbose         print the whole console log even when all passed
#
# Prints the guest's per-test lines and, last, "N passed, N failed"; on a
# failure it prints the whole console log first.  Exit 0 only when every
# test passed.  Needs no terminal or stdin (CI=true runs are the same).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

build='' kernel_env='' name=vm only='' timeout_s=600 test_timeout=300 smp=2 mem=1024 append='' verbose=0
ibargs=()	# build-initramfs.sh arguments
modules=()

usage() { sed -n '4,33p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
die() { echo "run.sh: $*" >&2; exit 1; }

parse_args() {
	local opt val
	while [ $# -gt 0 ]; do
		opt=$1
		case $opt in
		--verbose) verbose=1; shift; continue ;;
		-h | --help) usage ;;
		--*=*) val=${opt#*=} opt=${opt%%=*}; shift ;;
		--*) [ $# -ge 2 ] || die "$opt needs a value"; val=$2; shift 2 ;;
		*) usage ;;
		esac
		case $opt in
		--build) build=$val ;;
		--kernel-env) kernel_env=$val ;;
		--module) modules+=("$val"); ibargs+=(-m "$val") ;;
		--bin) ibargs+=(-b "$val") ;;
		--bindir) ibargs+=(-B "$val") ;;
		--test) ibargs+=(-t "$val") ;;
		--file) ibargs+=(-f "$val") ;;
		--dir) ibargs+=(-d "$val") ;;
		--name) name=$val ;;
		--only) only=$val ;;
		--timeout) timeout_s=$val ;;
		--test-timeout) test_timeout=$val ;;
		--smp) smp=$val ;;
		--mem) mem=$val ;;
		--append) append=$val ;;
		*) die "unknown option $opt (see --help)" ;;
		esac
	done
	[ -n "$build" ] || usage
	[[ $name =~ ^[A-Za-z0-9._-]+$ ]] || die "--name: letters, digits, . _ - only"
	[[ $only != *[[:space:]]* ]] || die "--only: no spaces (it goes on the kernel command line)"
}

# check_vermagic KVER MOD...: a module built for another kernel fails in the
# guest with a bare "invalid module format"; say what is wrong here instead.
check_vermagic() {
	local kver=$1 m magic
	shift
	for m in "$@"; do
		[ -f "$m" ] || die "$m: no such module (build it first)"
		magic=$(tr '\0' '\n' < "$m" | sed -n 's/^vermagic=\([^ ]*\).*/\1/p' | head -n 1)
		[ "$magic" = "$kver" ] ||
			die "$m is built for '${magic:-?}', the VM boots $kver: build it with make -C /usr/src/linux-headers-\$(tests/vm/kver.sh) M=..."
	done
}

# build_vm_exit OUT: the static isa-debug-exit helper, rebuilt when its
# source changes.
build_vm_exit() {
	local out=$1 src=$HERE/vm-exit.c
	[ "$out" -nt "$src" ] && return 0
	gcc -O2 -static -Wall -Wextra -o "$out.tmp" "$src"
	mv "$out.tmp" "$out"
}

# report LOG RC: the guest's per-test lines (the whole log on failure or
# --verbose), then the summary line last.
report() {
	local log=$1 rc=$2 summary running
	if [ "$rc" -ne 0 ] || [ "$verbose" = 1 ]; then
		echo "----- console log: $log -----"
		cat "$log"
		echo "----- end of console log -----"
	fi
	# Strip the host timestamp column; keep insmod, test and TAP result lines.
	cut -c10- "$log" | grep -aE '^(insmod |=== RUN|--- (PASS|FAIL|SKIP)|[^ |]+\| (not )?ok )' || true
	summary=$(cut -c10- "$log" | grep -aE '^[0-9]+ passed, [0-9]+ failed(, [0-9]+ skipped)?$' | tail -n 1 || true)
	if [ -n "$summary" ] && [ "$rc" -ne 124 ]; then
		echo "$summary"
	else
		# No verdict from the guest (panic, timeout): one failed test, so a
		# crash can never read as a clean run.
		running=$(cut -c10- "$log" | sed -n 's/^=== RUN  *//p' | tail -n 1)
		echo "vm: the guest gave no summary (crash or timeout${running:+ during $running}): counted as one failure"
		echo "0 passed, 1 failed"
	fi
}

main() {
	parse_args "$@"
	local vmdir kver vmlinuz t0 t1 rc=0 args
	mkdir -p "$build/vm"
	vmdir=$(cd "$build/vm" && pwd)
	t0=$EPOCHREALTIME

	# KVER and VMLINUZ, from the env file get-kernel.sh writes (or --kernel-env).
	if [ -n "$kernel_env" ]; then
		# shellcheck source=/dev/null
		. "$kernel_env"
	else
		"$HERE/get-kernel.sh" "$build" >/dev/null
		# shellcheck source=/dev/null
		. "$vmdir/kernel.env"
	fi
	# shellcheck disable=SC2153 # both come from kernel.env
	kver=$KVER vmlinuz=$VMLINUZ
	check_vermagic "$kver" "${modules[@]}"

	build_vm_exit "$vmdir/vm-exit"
	"$HERE/build-initramfs.sh" -o "$vmdir/$name.cpio.gz" -i "$HERE/init.sh" \
		-b "$vmdir/vm-exit" "${ibargs[@]}" >/dev/null
	t1=$EPOCHREALTIME

	args="vmtest_timeout=$test_timeout${only:+ vmtest_only=$only}${append:+ $append}"
	"$HERE/run-vm.sh" -k "$vmlinuz" -i "$vmdir/$name.cpio.gz" -l "$vmdir/$name-console.log" \
		-t "$timeout_s" -s "$smp" -m "$mem" -a "$args" || rc=$?
	echo "vm: kernel $kver, prepare $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')s"
	report "$vmdir/$name-console.log" "$rc"
	exit "$rc"
}

main "$@"
