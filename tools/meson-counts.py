#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""Count passed/failed/skipped tests in a meson testlog.json.

A test whose output has TAP lines counts each "ok"/"not ok" line (meson's
log does not say which protocol a test used); any other test counts once
by its result.  Prints "PASSED FAILED SKIPPED" and the failures.
"""
import json
import re
import sys

TAP = re.compile(r"^(not ok|ok)\b[^#]*(#\s*(SKIP|TODO))?", re.I)


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


def main(path):
    totals = [0, 0, 0]
    bad = []
    with open(path) as f:
        for line in f:
            entry = json.loads(line)
            c = count(entry)
            totals = [a + b for a, b in zip(totals, c)]
            if c[1]:
                bad.append(f"{entry['name']}: {entry['result']}")
    print(*totals)
    for b in bad:
        print("  FAILED", b)


if __name__ == "__main__":
    main(sys.argv[1])
