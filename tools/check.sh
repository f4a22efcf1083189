#!/bin/bash
# check.sh - run every test suite of ichip and print one summary.
#
#   tools/check.sh [--build DIR] [--fuzz-build DIR] [--fuzz-runs N]
#                  [--suites "meson uapi docs checkpatch install fuzz vm"]
#
# Suites: meson tests (unit, simulator, integration), the uapi/spec
# agreement check, a bounded libFuzzer smoke run of every fuzz target,
# and the kselftests inside a QEMU VM against the real n_ichip.ko.
# Expects `make all fuzz-build` to have run.  The last line is always
# "N passed, N failed"; the exit code is 0 only when nothing failed.
set -uo pipefail

build=build fuzz_build=build-fuzz fuzz_runs=1000000
suites="meson uapi docs checkpatch install fuzz vm system"
while [ $# -gt 0 ]; do
	case $1 in
	--build) build=$2; shift ;;
	--fuzz-build) fuzz_build=$2; shift ;;
	--fuzz-runs) fuzz_runs=$2; shift ;;
	--suites) suites=$2; shift ;;
	*) sed -n '2,12p' "$0"; exit 2 ;;
	esac
	shift
done
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 2

passed=0 failed=0 skipped=0
summary=()

# record SUITE PASSED FAILED [SKIPPED] [NOTE]
record() {
	passed=$((passed + $2)) failed=$((failed + $3)) skipped=$((skipped + ${4:-0}))
	summary+=("$(printf '%-22s %5d passed %4d failed %4d skipped  %s' \
		"$1" "$2" "$3" "${4:-0}" "${5:-}")")
}

section() { printf '\n==== %s ====\n' "$*"; }

run_meson() {
	local t0=$SECONDS counts
	section "meson tests ($build)"
	meson test -C "$build" --no-rebuild --print-errorlogs \
		--num-processes 2 2>&1 | tail -n 40
	counts=$(/usr/bin/python3 tools/meson-counts.py \
		"$build/meson-logs/testlog.json")
	echo "$counts" | sed -n '2,$p'
	# shellcheck disable=SC2086
	record meson $(echo "$counts" | head -n 1) "$((SECONDS - t0)) s"
}

run_uapi() {
	section "uapi header vs netlink spec"
	if /usr/bin/python3 tools/check-uapi.py; then
		record uapi-spec 1 0
	else
		record uapi-spec 0 1
	fi
}

run_fuzz_smoke() {
	local out line
	section "fuzz smoke ($fuzz_runs runs per target)"
	out=$(tools/fuzz.sh --fuzz-build "$fuzz_build" --runs "$fuzz_runs" 2>&1)
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
		if echo "$out" | grep -qE '(ERROR|WARNING):'; then
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
	fails=$(echo "$out" | grep -c '^FAIL')
	[ "$rc" -ne 0 ] && [ "$fails" -eq 0 ] && fails=1
	record docs "$(echo "$out" | grep -c '^OK')" "$fails" \
		"$(echo "$out" | grep -c '^SKIP')"
}

# make install DESTDIR=tmp, then the installed tree checked (TAP).
run_install() {
	local out
	section "install tree (DESTDIR)"
	out=$(tools/check-install.sh "$build" 2>&1)
	echo "$out" | tail -n 70
	record install "$(echo "$out" | grep -c '^ok ')" \
		"$(echo "$out" | grep -c '^not ok ')" 0
	echo "$out" | grep -qE '^1\.\.[0-9]+' || record install 0 1
}

# Host binaries the guest needs for the end-to-end test (libs follow).
vm_bins() {
	local b
	for b in "$build/selftests/ichip_test" "$build/daemon/ichipd" \
		 "$build/daemon/ichipctl" "$build/tests/sim/ichip-sim" \
		 /usr/bin/dbus-daemon /usr/bin/busctl /usr/bin/gnutls-serv; do
		[ -x "$b" ] && printf -- '--bin\n%s\n' "$b"
	done
}

run_vm() {
	local out line p f s args
	section "kselftests and ichipd end to end in a QEMU VM"
	tests/e2e/prepare.sh "$build/e2e" || { record vm 0 1; return; }
	mapfile -t args < <(vm_bins)
	out=$(tests/vm/run.sh --build "$build" --module driver/n_ichip.ko \
		"${args[@]}" \
		--file "$build/e2e:/etc/ichip-e2e" \
		--file tests/e2e/passwd:/etc/passwd \
		--file tests/e2e/group:/etc/group \
		--test tests/selftests/ichip/vm \
		--test tests/e2e/50-ichipd-kernel.sh 2>&1)
	echo "$out" | tail -n 80
	line=$(echo "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed' | tail -n 1)
	if [ -z "$line" ]; then
		record vm 0 1 0 "no summary from the VM"
		return
	fi
	p=$(echo "$line" | awk '{print $1}')
	f=$(echo "$line" | awk '{print $3}')
	s=$(echo "$line" | sed -n 's/.*, \([0-9]*\) skipped.*/\1/p')
	record vm "$p" "$f" "${s:-0}"
}

# The system VM stage (tests/system/run.sh): the .debs installed in a
# cached Debian 12 image, booted with systemd on the 6.1 and 6.12 cloud
# kernels, checked as ordinary users against the real bus policy, polkitd
# and udev, with ichip-sim behind an emulated UART.
run_system() {
	local out line t0=$SECONDS
	section "system VM: Debian 12, systemd, polkit, udev, .debs"
	out=$(tests/system/run.sh --build "$build" 2>&1)
	echo "$out" | tail -n 150
	line=$(echo "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed' | tail -n 1)
	if [ -z "$line" ]; then
		record system 0 1 0 "no summary from tests/system/run.sh"
		return
	fi
	record system "$(echo "$line" | awk '{print $1}')" \
		"$(echo "$line" | awk '{print $3}')" 0 "$((SECONDS - t0)) s"
}

for suite in $suites; do
	case $suite in
	meson) run_meson ;;
	uapi) run_uapi ;;
	checkpatch) run_checkpatch ;;
	docs) run_docs ;;
	install) run_install ;;
	fuzz) run_fuzz_smoke ;;
	vm) run_vm ;;
	system) run_system ;;
	*) echo "unknown suite $suite"; exit 2 ;;
	esac
done

section summary
printf '%s\n' "${summary[@]}"
if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
