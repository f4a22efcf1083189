#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# SPDX-FileCopyrightText: 2026 The ichip authors
# fuzz.sh - long libFuzzer runs of every fuzz target (make fuzz).
#
#   tools/fuzz.sh [--fuzz-build DIR] [--runs N] [--expect-targets N]
#
# Each target runs on a copy of its seed corpus (libFuzzer writes new
# inputs into its first directory) under ASan+UBSan; crashes are left in
# DIR/fuzz-artifacts/ and fail the run.  Prints the executions per target.
# A target that exits 0 without executing N inputs fails, and so does a
# run that finds no target (or not the --expect-targets number).
set -uo pipefail
fuzz_build=build-fuzz runs=50000000 expect_targets=
while [ $# -gt 0 ]; do
	case $1 in
	--fuzz-build) fuzz_build=$2; shift ;;
	--runs) runs=$2; shift ;;
	--expect-targets) expect_targets=$2; shift ;;
	*) sed -n '4,14p' "$0"; exit 2 ;;
	esac
	shift
done
cd "$(dirname "$0")/.." || exit 2
artifacts=$fuzz_build/fuzz-artifacts
mkdir -p "$artifacts"
failed=0 passed=0
for f in "$fuzz_build"/tests/*/fuzz-*; do
	[ -x "$f" ] && [ -f "$f" ] || continue
	name=$(basename "$f")
	corpus=$(find tests -type d -name "corpus-${name#fuzz-}" | head -n 1)
	work=$fuzz_build/corpus-work/$name
	mkdir -p "$work"
	[ -n "$corpus" ] && cp -rn "$corpus/." "$work/"
	start=$SECONDS
	if out=$("$f" -runs="$runs" -max_len=4096 -timeout=10 \
		-rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$artifacts/$name-" "$work" 2>&1); then
		execs=$(echo "$out" | awk '/stat::number_of_executed_units/ {print $2}')
		if [ "${execs:-0}" -ge "$runs" ] 2>/dev/null; then
			echo "$name: $execs execs in $((SECONDS - start)) s, 0 crashes"
			passed=$((passed + 1))
		else
			echo "$out" | tail -n 20
			echo "$name: FAILED, exited 0 after ${execs:-no} executions of $runs"
			failed=$((failed + 1))
		fi
	else
		echo "$out" | tail -n 40
		echo "$name: FAILED, artifacts in $artifacts"
		failed=$((failed + 1))
	fi
done
found=$((passed + failed))
if [ "$found" -eq 0 ]; then
	echo "no fuzz target in $fuzz_build/tests/*/ (make fuzz-build)"
	failed=$((failed + 1))
elif [ -n "$expect_targets" ] && [ "$found" -ne "$expect_targets" ]; then
	echo "$found fuzz targets, expected $expect_targets"
	failed=$((failed + 1))
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
