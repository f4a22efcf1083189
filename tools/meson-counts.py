#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
# SPDX-FileCopyrightText: 2026 The ichip authors
"""Count passed/failed/skipped tests in a meson testlog.json.

  meson-counts.py TESTLOG.json [--expect N] [--details FILE]

A test whose output has TAP lines counts each "ok"/"not ok" line (meson's
log does not say which protocol a test used); "ok N - # SKIP why" is a
skip, not a pass.  Any other test counts once by its result.  With
--expect N, a log holding results for fewer or more than N registered
tests is itself a failure (an interrupted or stale run).

Prints "PASSED FAILED SKIPPED", then one "kind PASSED FAILED SKIPPED"
line per kind of test (unit assertions, simulator and integration
behaviour tests), then the failures.  With --details FILE, each failed
test's "not ok" lines with their diagnostics and the tail of its output
go to FILE: check.sh prints them last, where a CI log's tail shows them.
"""
import argparse
import json
import re

TAP = re.compile(r"^(not ok|ok)\b[^#]*(#\s*(SKIP|TODO))?", re.I)

# meson suite -> the kind of test it holds
KIND = {"unit": "unit", "sim": "behaviour-sim",
        "integration": "behaviour-integration"}


def count(entry):
    passed = failed = skipped = 0
    for line in (entry.get("stdout") or "").splitlines():
        m = TAP.match(line)
        if not m:
            continue
        if m.group(3):
            skipped += 1
        elif m.group(1).lower() == "ok":
            passed += 1
        else:
            failed += 1
    if passed + failed + skipped:
        # a crash after some "ok" lines must still count as a failure
        if entry["result"] not in ("OK", "SKIP", "EXPECTEDFAIL") and not failed:
            failed += 1
        return passed, failed, skipped
    if entry["result"] in ("OK", "EXPECTEDFAIL"):
        return 1, 0, 0
    if entry["result"] == "SKIP":
        return 0, 0, 1
    return 0, 1, 0


def details(entry, out, tail=15, per_fail=25):
    """What a failure looked like: each "not ok" line with the comment
    lines around it (a harness may say why before or after the verdict),
    then the last lines of stderr, or of stdout if it has no TAP."""
    print(f"--- {entry['name']}: {entry['result']} "
          f"({entry.get('duration', 0):.1f} s)", file=out)
    lines = (entry.get("stdout") or "").splitlines()
    tap = False
    for i, line in enumerate(lines):
        if not line.startswith("not ok"):
            continue
        tap = True
        before = []
        for c in reversed(lines[:i]):
            if not c.startswith("#"):
                break
            before.insert(0, c)
        for c in before[-per_fail:]:
            print(c, file=out)
        print(line, file=out)
        for c in lines[i + 1:i + 1 + per_fail]:
            if not c.startswith("#"):
                break
            print(c, file=out)
    # the tail of stdout only where no "not ok" line said it already
    for name in ("stderr",) if tap else ("stdout", "stderr"):
        rest = [x for x in (entry.get(name) or "").splitlines() if x.strip()]
        if rest:
            print(f"  (last lines of {name})", file=out)
            print("\n".join(rest[-tail:]), file=out)


def kind_of(name):
    # "ichip:sim / sim-tcp": the suite is between the colon and the slash;
    # corpus replays of fuzz targets are unit checks wherever they live.
    suite = name.split("/")[0].split(":")[-1].strip()
    if "fuzz-" in name:
        return "unit"
    return KIND.get(suite, suite)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("testlog")
    ap.add_argument("--expect", type=int)
    ap.add_argument("--details")
    args = ap.parse_args()
    totals = [0, 0, 0]
    kinds = {}
    bad = []
    names = set()
    try:
        with open(args.testlog) as f:
            entries = [json.loads(line) for line in f if line.strip()]
    except (OSError, ValueError) as e:
        entries = []
        bad.append(f"testlog: {e}")
        totals[1] += 1
    out = open(args.details, "w") if args.details else None
    for entry in entries:
        names.add(entry["name"])
        c = count(entry)
        totals = [a + b for a, b in zip(totals, c)]
        k = kinds.setdefault(kind_of(entry["name"]), [0, 0, 0])
        kinds[kind_of(entry["name"])] = [a + b for a, b in zip(k, c)]
        if c[1]:
            bad.append(f"{entry['name']}: {entry['result']}")
            if out:
                details(entry, out)
    if args.expect is not None and len(names) != args.expect:
        bad.append(f"{len(names)} results for {args.expect} registered "
                   "tests: the run was interrupted or the log is stale")
        totals[1] += 1
    if out:
        out.close()
    print(*totals)
    for k in sorted(kinds):
        print(k, *kinds[k])
    for b in bad:
        print("  FAILED", b)


if __name__ == "__main__":
    main()
