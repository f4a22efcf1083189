#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# SPDX-FileCopyrightText: 2026 The ichip authors
# check.sh - run every test suite of ichip and print one summary.
#
#   tools/check.sh [--build DIR] [--fuzz-build DIR] [--fuzz-runs N]
#                  [--suites "meson uapi docs checkpatch reuse install fuzz vm"]
#
# Suites: meson tests (unit, simulator, integration), the uapi/spec
# agreement check, a bounded libFuzzer smoke run of every fuzz target,
# and the kselftests inside a QEMU VM against the real n_ichip.ko.
# Expects `make all fuzz-build` to have run.  The last line is always
# "N passed, N failed"; the exit code is 0 only when nothing failed.
set -uo pipefail

build=build fuzz_build=build-fuzz fuzz_runs=1000000
suites="meson uapi docs checkpatch reuse install fuzz vm system"
while [ $# -gt 0 ]; do
	case $1 in
	--build) build=$2; shift ;;
	--fuzz-build) fuzz_build=$2; shift ;;
	--fuzz-runs) fuzz_runs=$2; shift ;;
	--suites) suites=$2; shift ;;
	*) sed -n '4,14p' "$0"; exit 2 ;;
	esac
	shift
done
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 2

passed=0 failed=0 skipped=0
summary=()
declare -A kind_p=() kind_f=() kind_s=()

# kind_of SUITE: what a suite's results are, for the composition line.
kind_of() {
	case $1 in
	uapi-spec|docs|checkpatch|reuse|install) echo static ;;
	fuzz-smoke) echo fuzz-targets ;;
	vm*) echo behaviour-vm ;;
	system*) echo behaviour-system ;;
	*) echo "$1" ;;
	esac
}

# add_kind KIND PASSED FAILED SKIPPED
add_kind() {
	kind_p[$1]=$((${kind_p[$1]:-0} + $2))
	kind_f[$1]=$((${kind_f[$1]:-0} + $3))
	kind_s[$1]=$((${kind_s[$1]:-0} + $4))
}

# record SUITE PASSED FAILED [SKIPPED] [NOTE]
record() {
	passed=$((passed + $2)) failed=$((failed + $3)) skipped=$((skipped + ${4:-0}))
	summary+=("$(printf '%-22s %5d passed %4d failed %4d skipped  %s' \
		"$1" "$2" "$3" "${4:-0}" "${5:-}")")
	[ "$1" = meson ] || add_kind "$(kind_of "$1")" "$2" "$3" "${4:-0}"
}

section() { printf '\n==== %s ====\n' "$*"; }

# Each failure's diagnostics are kept and printed again at the end, next
# to the summary: a CI log that shows only its tail still says why.
fail_log=$(mktemp)
trap 'rm -f "$fail_log"' EXIT

# tap_failures SUITE < OUTPUT: the "not ok" lines with the comment lines
# around each (at most 25 before and 25 after), and the "# host-diag"
# lines of the system stage.
tap_failures() {
	awk -v s="$1" '
		/^# host-diag / { print; next }
		/^not ok / {
			print "--- " s ":"
			for (i = (k > 25 ? k - 25 : 0); i < k; i++) print b[i]
			print; n = 25; k = 0; next
		}
		/^#/ { if (n > 0) { print; n--; next } b[k++] = $0; next }
		{ n = 0; k = 0 }' >> "$fail_log"
}

# A failed or interrupted meson run, or a log that does not hold one
# result per registered test, is a failure whatever the log says: the
# old log is deleted first so it can never be read as this run's.
run_meson() {
	local t0=$SECONDS counts rc registered log=$build/meson-logs/testlog.json
	local kind p f s
	section "meson tests ($build)"
	rm -f "$log"
	registered=$(meson test -C "$build" --no-rebuild --list 2>/dev/null |
		grep -c ' / ')
	meson test -C "$build" --no-rebuild --print-errorlogs \
		--num-processes 2 >"$build/meson-test.out" 2>&1
	rc=$?
	tail -n 40 "$build/meson-test.out"
	counts=$(/usr/bin/python3 tools/meson-counts.py "$log" \
		--expect "$registered" --details "$build/meson-failures.txt")
	cat "$build/meson-failures.txt" >> "$fail_log" 2>/dev/null
	echo "$counts" | sed -n '2,$p'
	while read -r kind p f s; do
		add_kind "$kind" "$p" "$f" "$s"
	done < <(echo "$counts" | sed -n '2,$p' | grep -v '^  FAILED')
	# shellcheck disable=SC2046
	record meson $(echo "$counts" | head -n 1) "$((SECONDS - t0)) s, $registered tests"
	if [ "$rc" -ne 0 ] && ! echo "$counts" | head -n 1 | grep -qv ' 0 '; then
		record meson-exit 0 1 0 "meson test exited $rc with no failure counted"
	fi
}

run_uapi() {
	section "uapi header vs netlink spec"
	if /usr/bin/python3 tools/check-uapi.py; then
		record uapi-spec 1 0
	else
		record uapi-spec 0 1
	fi
}

# Every fuzz target must exist and run the whole budget: a target that
# exits 0 without running its executions is a failure (tools/fuzz.sh).
run_fuzz_smoke() {
	local out line targets
	section "fuzz smoke ($fuzz_runs runs per target)"
	# every fuzz target has a corpus replay registered with meson: that
	# list says how many targets the fuzz build must hold
	targets=$(meson test -C "$build" --no-rebuild --list 2>/dev/null |
		grep -cE '/ fuzz-.*-corpus$')
	out=$(tools/fuzz.sh --fuzz-build "$fuzz_build" --runs "$fuzz_runs" \
		--expect-targets "$targets" 2>&1)
	echo "$out" | tail -n 40
	line=$(echo "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed' | tail -n 1)
	if [ -z "$line" ]; then
		record fuzz-smoke 0 1 0 "no summary from tools/fuzz.sh"
		return
	fi
	record fuzz-smoke "$(echo "$line" | awk '{print $1}')" \
		"$(echo "$line" | awk '{print $3}')" 0 "$fuzz_runs runs each"
}

# The kernel's checkpatch on every driver file in git: a file passes
# with no ERROR and no WARNING.  compat.h exists to test kernel versions,
# which checkpatch discourages in code meant for mainline: allowed there.
run_checkpatch() {
	local f out p=0 q=0 ignore
	section "checkpatch (driver/, uapi)"
	tools/get-checkpatch.sh "$build/checkpatch" "$build/deb-cache" ||
		{ record checkpatch 0 1; return; }
	for f in $(git ls-files 'driver/*.[ch]' include/uapi/linux/ichip.h); do
		ignore=FILE_PATH_CHANGES
		[ "$(basename "$f")" = compat.h ] &&
			ignore=$ignore,LINUX_VERSION_CODE,CONSTANT_COMPARISON
		out=$(perl "$build/checkpatch/checkpatch.pl" --no-tree --terse \
			--ignore "$ignore" -f "$f" 2>&1)
		# a non-zero exit fails whatever it printed
		if [ $? -ne 0 ] || echo "$out" | grep -qE '(ERROR|WARNING):'; then
			echo "$out"
			q=$((q + 1))
		else
			p=$((p + 1))
		fi
	done
	echo "$p files clean, $q with findings"
	record checkpatch "$p" "$q"
}

# D-Bus XML, policy files and the docs that describe them agree.
run_docs() {
	local out rc fails
	section "D-Bus files and documentation"
	out=$(tools/check-dbus-files.sh 2>&1)
	rc=$?
	echo "$out" | grep -v '^OK' | tail -n 30
	echo "$out" | grep '^FAIL' | sed 's/^/--- docs: /' >> "$fail_log"
	fails=$(echo "$out" | grep -c '^FAIL')
	[ "$rc" -ne 0 ] && [ "$fails" -eq 0 ] && fails=1
	record docs "$(echo "$out" | grep -c '^OK')" "$fails" \
		"$(echo "$out" | grep -c '^SKIP')"
}

# Licences: reuse lint (REUSE 3.0) over every file git knows.  A file
# counts as passed when it has both a licence and a copyright line (its
# own SPDX lines, or .reuse/dep5); a failure prints reuse's list, which
# names every file without them.  A project-level finding (a licence used
# but not in LICENSES/, a deprecated or unused one) fails once more.
run_reuse() {
	local out rc total lic cr p f
	section "licences (reuse lint)"
	command -v reuse >/dev/null ||
		{ record reuse 0 1 0 "reuse is missing (make deps)"; return; }
	out=$(reuse lint 2>&1)
	rc=$?
	if [ "$rc" -ne 0 ]; then
		echo "$out"
	else
		echo "$out" | sed -n '/^# SUMMARY/,$p'
	fi
	total=$(echo "$out" | sed -n 's/^\* Files with license information: [0-9]* \/ \([0-9]*\)$/\1/p')
	lic=$(echo "$out" | sed -n 's/^\* Files with license information: \([0-9]*\) .*/\1/p')
	cr=$(echo "$out" | sed -n 's/^\* Files with copyright information: \([0-9]*\) .*/\1/p')
	if [ -z "$total" ] || [ -z "$lic" ] || [ -z "$cr" ]; then
		record reuse 0 1 0 "no summary from reuse lint"
		return
	fi
	p=$((lic < cr ? lic : cr))
	f=$((total - p))
	[ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && f=1
	record reuse "$p" "$f" 0 "$total files"
}

# make install DESTDIR=tmp, then the installed tree checked (TAP).
run_install() {
	local out
	section "install tree (DESTDIR)"
	local rc
	out=$(tools/check-install.sh "$build" 2>&1)
	rc=$?
	echo "$out" | tail -n 70
	echo "$out" | tap_failures install
	record install "$(echo "$out" | grep -E '^ok ' | grep -vc '# SKIP')" \
		"$(echo "$out" | grep -c '^not ok ')" \
		"$(echo "$out" | grep -E '^ok ' | grep -c '# SKIP')"
	echo "$out" | grep -qE '^1\.\.[0-9]+' ||
		record install 0 1 0 "no TAP plan"
	if [ "$rc" -ne 0 ] && ! echo "$out" | grep -q '^not ok '; then
		record install 0 1 0 "check-install.sh exited $rc"
	fi
}

# Host binaries the guest needs for the end-to-end test (libs follow).
vm_bins() {
	local b
	# ichip-tls-worker next to ichipd: ichipd looks there first
	for b in "$build"/selftests/ichip_*test "$build/daemon/ichipd" \
		 "$build/daemon/ichip-tls-worker" \
		 "$build/daemon/ichipctl" "$build/tests/sim/ichip-sim" \
		 "$build/tests/e2e/ichip-tls-echo" \
		 /usr/bin/dbus-daemon /usr/bin/busctl /usr/bin/gnutls-serv; do
		[ -x "$b" ] && printf -- '--bin\n%s\n' "$b"
	done
}

# vm_modules KERNEL: print "--module PATH" lines for run.sh: n_ichip.ko
# built for that kernel of the matrix (6.1's is `make module`'s, the
# others are built out of tree) and the selftests' ichip_faulty_tty.ko.
vm_modules() {
	local kdir ko ft
	case $1 in
	6.1) kdir=/usr/src/linux-headers-$(tests/vm/kver.sh) ;;
	debug) kdir=$(. "$build/vm/debug-kernel.env" && echo "$KDIR") ;;
	*) kdir=/usr/src/linux-headers-$(VM_KERNEL_FLAVOUR=$(vm_flavour "$1") tests/vm/kver.sh) ;;
	esac || return 1
	if [ "$1" = 6.1 ]; then
		ko=driver/n_ichip.ko
	else
		ko=$(tests/vm/build-module.sh "$kdir" "$build/vm/mod-$1") || return 1
	fi
	ft=$(tests/vm/build-module.sh "$kdir" "$build/vm/mod-$1" faulty) || return 1
	printf -- '--module\n%s\n--module\n%s\n' "$ko" "$ft"
}

# vm_flavour KERNEL: Debian's image flavour of a stock kernel of the matrix.
vm_flavour() {
	case $1 in
	6.1) echo cloud-amd64 ;;
	6.12) echo 6.12-cloud-amd64 ;;
	6.12-rt) echo 6.12-rt-amd64 ;;
	esac
}

# vm_kernels: the matrix.  ICHIP_VM_KERNELS overrides it (make
# check-kernel-debug sets "debug"); else the three stock kernels, plus the
# debug kernel when tests/vm/debug-kernel.sh has built it.
vm_kernels() {
	if [ -n "${ICHIP_VM_KERNELS:-}" ]; then
		echo "$ICHIP_VM_KERNELS"
	elif tests/vm/debug-kernel.sh --cached >/dev/null 2>&1; then
		echo "6.1 6.12 6.12-rt debug"
	else
		echo "6.1 6.12 6.12-rt"
	fi
}

# run_vm_kernel KERNEL: the kselftests, the stress test, the ichipd end
# to end test and the unload test on one kernel; its own record line.
run_vm_kernel() {
	local k=$1 out line p f s args mods modargs t0 kargs=() env=() append
	local rc matrix=()
	append="ICHIP_STRESS_SECONDS=${ICHIP_STRESS_SECONDS:-15}"
	section "kselftests and ichipd end to end in a QEMU VM: kernel $k"
	t0=$SECONDS
	if [ "$k" = debug ]; then
		tests/vm/debug-kernel.sh > "$build/vm/debug-kernel.env" ||
			{ record "vm-$k" 0 1 0 "no debug kernel"; return; }
		kargs=(--kernel-env "$build/vm/debug-kernel.env" --timeout 1500)
		append="$append ICHIP_EXPECT_CHECKERS=1"
	else
		env=(VM_KERNEL_FLAVOUR="$(vm_flavour "$k")")
	fi
	# The module-variant matrix checks the framing against module
	# behaviour, not the kernel: once, on the first kernel (it is the
	# longest VM test under TCG).
	[ "$k" = 6.1 ] && matrix=(--test tests/e2e/60-matrix-kernel.sh
		--test tests/e2e/61-matrix-kernel-none.sh)
	mods=$(vm_modules "$k") ||
		{ record "vm-$k" 0 1 0 "module build failed"; return; }
	mapfile -t modargs <<< "$mods"
	mapfile -t args < <(vm_bins)
	out=$(env "${env[@]}" tests/vm/run.sh --build "$build" --name "vm-$k" \
		"${modargs[@]}" "${kargs[@]}" "${args[@]}" \
		--append "$append" \
		--file "$build/e2e:/etc/ichip-e2e" \
		--file tests/e2e/passwd:/etc/passwd \
		--file tests/e2e/group:/etc/group \
		--test tests/selftests/ichip/vm \
		--test tests/e2e/50-ichipd-kernel.sh "${matrix[@]}" 2>&1)
	rc=$?
	echo "$out" | tail -n 80
	echo "$out" | tap_failures "vm-$k"
	echo "vm-$k: $((SECONDS - t0)) s (module, image, boot, tests)"
	line=$(echo "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed' | tail -n 1)
	if [ -z "$line" ]; then
		record "vm-$k" 0 1 0 "no summary from the VM"
		return
	fi
	p=$(echo "$line" | awk '{print $1}')
	f=$(echo "$line" | awk '{print $3}')
	s=$(echo "$line" | sed -n 's/.*, \([0-9]*\) skipped.*/\1/p')
	record "vm-$k" "$p" "$f" "${s:-0}" "$((SECONDS - t0)) s"
	# qemu's own status counts too (run-vm.sh: a clean summary with a
	# wrong exit is a failure)
	[ "$rc" -eq 0 ] || [ "$f" -gt 0 ] ||
		record "vm-$k-exit" 0 1 0 "run.sh exited $rc"
}

run_vm() {
	local k
	tests/e2e/prepare.sh "$build/e2e" || { record vm 0 1; return; }
	for k in $(vm_kernels); do
		run_vm_kernel "$k"
	done
}

# The system VM stage (tests/system/run.sh): the .debs installed in a
# cached Debian 12 image, booted with systemd on the 6.1 and 6.12 cloud
# kernels, checked as ordinary users against the real bus policy, polkitd
# and udev, with ichip-sim behind an emulated UART.
run_system() {
	local out line t0=$SECONDS
	section "system VM: Debian 12, systemd, polkit, udev, .debs"
	local rc
	out=$(tests/system/run.sh --build "$build" 2>&1)
	rc=$?
	echo "$out" | tail -n 150
	echo "$out" | tap_failures system
	line=$(echo "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed' | tail -n 1)
	if [ -z "$line" ]; then
		record system 0 1 0 "no summary from tests/system/run.sh"
		return
	fi
	record system "$(echo "$line" | awk '{print $1}')" \
		"$(echo "$line" | awk '{print $3}')" \
		"$(echo "$line" | sed -n 's/.*, \([0-9]*\) skipped.*/\1/p' | grep . || echo 0)" \
		"$((SECONDS - t0)) s"
	[ "$rc" -eq 0 ] || [ "$(echo "$line" | awk '{print $3}')" -gt 0 ] ||
		record system-exit 0 1 0 "tests/system/run.sh exited $rc"
}

for suite in $suites; do
	case $suite in
	meson) run_meson ;;
	uapi) run_uapi ;;
	checkpatch) run_checkpatch ;;
	docs) run_docs ;;
	reuse) run_reuse ;;
	install) run_install ;;
	fuzz) run_fuzz_smoke ;;
	vm) run_vm ;;
	system) run_system ;;
	*) echo "unknown suite $suite"; exit 2 ;;
	esac
done

# composition: what the numbers are made of, so that nobody mistakes a
# unit assertion or a static file check for a behaviour test.
composition() {
	local k line=""
	for k in $(printf '%s\n' "${!kind_p[@]}" | sort); do
		line+="${line:+; }$k ${kind_p[$k]}/${kind_f[$k]}/${kind_s[$k]}"
	done
	echo "composition (passed/failed/skipped): $line"
}

if [ -s "$fail_log" ]; then
	section "failures, with their diagnostics"
	cat "$fail_log"
fi
section summary
printf '%s\n' "${summary[@]}"
composition
# The failed tests by name, at most 8 lines, right above the last line:
# a CI log cut to its last 20 lines still names them.
if [ -s "$fail_log" ]; then
	awk '/^--- / { s = $2; if ($0 ~ /: (FAIL|ERROR|TIMEOUT)/) print "failed:", substr($0, 5); next }
	     /^not ok / { print "failed:", s, $0 }' "$fail_log" | head -n 8
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
