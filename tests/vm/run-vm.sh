#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# SPDX-FileCopyrightText: 2026 The ichip authors
# run-vm.sh - boot a kernel + initramfs in QEMU and turn the guest's verdict
# into an exit code.
#
#   run-vm.sh -k VMLINUZ -i INITRD -l LOG [-t TIMEOUT_S] [-m MEM_MB]
#             [-s SMP] [-a "extra kernel args"]
#
#   -l LOG   serial console log; every line starts with seconds since qemu
#            started (host clock), e.g. "   2.031 vmtest: kernel ..."
#   defaults: -t 600 -m 1024 -s 2
#
# Env: VM_ACCEL=tcg (default) | kvm | auto (kvm when /dev/kvm is writable);
# VM_TCG_OPTS (default thread=single, see below) for -accel tcg.
# TCG is the default on purpose: on the project's machines /dev/kvm exists
# and is writable, but KVM dies with "KVM internal error ... emulation
# failure" about 2 minutes into the boot, and qemu then hangs until timeout.
#
# The kernel gets "console=ttyS0 panic=-1 quiet panic_on_warn=1 oops=panic"
# plus -a: a WARN, BUG or oops panics, and with -no-reboot qemu then exits
# at once without the summary line, which fails the run.
#
# Exit: 0 only when the guest's last summary line says "0 failed" and the
# guest ended through isa-debug-exit with code 0 (qemu status 1);
# 124 = timeout; 1 = anything else (failures, crash, no summary).
# Prints "vm: ..." status lines; the summary line itself is in the log.
set -euo pipefail

usage() { sed -n '4,26p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

kernel='' initrd='' log='' timeout_s=600 mem=1024 smp=2 extra=''
KERNEL_ARGS='console=ttyS0 panic=-1 quiet panic_on_warn=1 oops=panic'
# The guest's closing line, as printed by init.sh.
SUMMARY_RE='^[0-9]+ passed, [0-9]+ failed(, [0-9]+ skipped)?$'

parse_args() {
	local opt OPTIND=1
	while getopts "k:i:l:t:m:s:a:h" opt; do
		case $opt in
		k) kernel=$OPTARG ;;
		i) initrd=$OPTARG ;;
		l) log=$OPTARG ;;
		t) timeout_s=$OPTARG ;;
		m) mem=$OPTARG ;;
		s) smp=$OPTARG ;;
		a) extra=$OPTARG ;;
		*) usage ;;
		esac
	done
	if [ -z "$kernel" ] || [ -z "$initrd" ] || [ -z "$log" ]; then usage; fi
	local f
	for f in "$kernel" "$initrd"; do
		[ -r "$f" ] || { echo "run-vm.sh: cannot read $f" >&2; exit 2; }
	done
}

usecs() { echo $((10#${EPOCHREALTIME/[.,]/})); }
secs() { printf '%d.%03d' $(($1 / 1000000)) $(($1 % 1000000 / 1000)); }

# stamp T0: prefix each console line with host seconds since T0 and drop
# the serial CRs.  Host time, not guest time: it shows where a TCG boot spends.
stamp() {
	local t0=$1 line
	while IFS= read -r line || [ -n "$line" ]; do
		printf '%8s %s\n' "$(secs $(($(usecs) - t0)))" "${line%$'\r'}"
	done
}

main() {
	parse_args "$@"
	local accel=${VM_ACCEL:-tcg} t0 qrc summary
	if [ "$accel" = auto ]; then
		accel=tcg
		[ -w /dev/kvm ] && accel=kvm
	fi
	# One TCG thread for all vCPUs (they still interleave; the guest is
	# SMP).  With one thread per vCPU (MTTCG), QEMU 7.2 let a vCPU run a
	# stale int3 that another vCPU's text_poke_bp had already removed:
	# Debian's 6.12 died at boot with "Oops: int3" in a static-key site
	# (once in about 25 boots under load).  Measured here: no slower, the
	# 2 cores are shared anyway.  VM_TCG_OPTS=thread=multi for MTTCG.
	local tcg_opts=''
	[ "$accel" = tcg ] && tcg_opts=,${VM_TCG_OPTS:-thread=single}
	mkdir -p "$(dirname "$log")"

	t0=$(usecs)
	# -nodefaults: no VGA, NIC or floppy to probe, one UART on stdio (the
	# console) and a second on null (ttyS1: a real 8250 tty for the tests
	# that need a serial driver's hangup semantics); the log stays free of
	# firmware escape codes.  stdin is /dev/null so the run
	# behaves the same with and without a terminal (CI has none).
	# timeout -k: qemu gets SIGTERM, then SIGKILL 5 s later if still there.
	set +e
	timeout -k 5 "$timeout_s" \
		qemu-system-x86_64 -accel "$accel$tcg_opts" -nodefaults -display none -no-reboot \
		-m "$mem" -smp "$smp" -serial stdio -serial null \
		-device isa-debug-exit,iobase=0xf4,iosize=0x04 \
		-kernel "$kernel" -initrd "$initrd" \
		-append "$KERNEL_ARGS${extra:+ $extra}" </dev/null 2>&1 | stamp "$t0" > "$log"
	qrc=${PIPESTATUS[0]}
	set -e

	summary=$(cut -c10- "$log" | grep -aE "$SUMMARY_RE" | tail -n 1 || true)
	echo "vm: accel=$accel$tcg_opts smp=$smp mem=${mem}M qemu_rc=$qrc time=$(secs $(($(usecs) - t0)))s log=$log"
	if [ "$qrc" = 124 ] || [ "$qrc" = 137 ]; then
		echo "vm: TIMEOUT after ${timeout_s}s"
		exit 124
	fi
	if [ -z "$summary" ]; then
		echo "vm: no summary line from the guest (kernel panic or /init died; see the log)"
		exit 1
	fi
	# isa-debug-exit: qemu status 1 = vm-exit 0, 3 = vm-exit 1; 0 = the guest
	# powered off without vm-exit.
	local failed=${summary#*passed, }
	failed=${failed%% failed*}
	[ "$failed" = 0 ] || exit 1
	[ "$qrc" = 1 ] || { echo "vm: guest said '$summary' but qemu exited $qrc"; exit 1; }
}

main "$@"
