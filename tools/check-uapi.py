#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
# SPDX-FileCopyrightText: 2026 The ichip authors
"""Prove that include/uapi/linux/ichip.h and the YNL spec agree.

Every constant the spec implies must exist in the header with the same
value (checked by compiling and running a probe against the header), and
every ICHIP_ constant of the header must be described by the spec.

Naming, as the kernel's YNL C generator does it: ICHIP_<CONST>,
ICHIP_<ENUM>_<ENTRY>, <attr-set name-prefix><ATTR>, <ops name-prefix><OP>,
ICHIP_MCGRP_<GROUP>; '-' becomes '_', all upper case.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

import yaml


def c_name(*parts):
    return "".join(parts).upper().replace("-", "_")


def expected_constants(spec):
    fam = spec["name"]
    want = {
        c_name(fam, "-family-name"): spec["name"],
        c_name(fam, "-family-version"): spec.get("version", 1),
    }
    for d in spec.get("definitions", []):
        if d["type"] == "const":
            want[c_name(fam, "-", d["name"])] = d["value"]
        elif d["type"] in ("enum", "flags"):
            prefix = d.get("name-prefix", fam + "-" + d["name"] + "-")
            value = d.get("value-start", 0)
            for e in d["entries"]:
                ename = e["name"] if isinstance(e, dict) else e
                want[c_name(prefix, ename)] = value
                value += 1
    for aset in spec["attribute-sets"]:
        prefix = aset.get("name-prefix", fam + "-a-" + aset["name"] + "-")
        value = 0
        for attr in aset["attributes"]:
            value = attr.get("value", value + 1)
            want[c_name(prefix, attr["name"])] = value
    ops = spec["operations"]
    prefix = ops.get("name-prefix", fam + "-cmd-")
    value = 0
    for op in ops["list"]:
        value = op.get("value", value + 1)
        want[c_name(prefix, op["name"])] = value
    for grp in spec.get("mcast-groups", {}).get("list", []):
        want[c_name(fam, "-mcgrp-", grp["name"])] = grp["name"]
    return want


def header_constants(path):
    """ICHIP_* names defined by the header (macros and enumerators)."""
    text = open(path).read()
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    names = set(re.findall(r"#define\s+(ICHIP_\w+)", text))
    for body in re.findall(r"enum\s*\w*\s*\{(.*?)\}", text, flags=re.S):
        names |= set(re.findall(r"\b(ICHIP_\w+)\s*[,=]", body + ","))
    # bookkeeping every netlink header has, not ABI the spec describes
    return {n for n in names
            if not n.endswith("_UNSPEC") and not n.endswith("_MAX")}


def probe_values(header_dir, names, cc):
    lines = ["#include <stdio.h>", "#include <linux/ichip.h>",
             "#define S(x) _Generic((x), char *: \"s\", default: \"d\")",
             "int main(void) {"]
    for n in names:
        lines.append(
            f'  if (S({n})[0] == \'s\') printf("{n}=%s\\n", (char *)(long)({n}));'
            f' else printf("{n}=%lld\\n", (long long)({n}));')
    lines += ["  return 0;", "}"]
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "probe.c")
        exe = os.path.join(tmp, "probe")
        open(src, "w").write("\n".join(lines) + "\n")
        build = subprocess.run([cc, "-w", "-I", header_dir, "-o", exe, src],
                               capture_output=True, text=True,
                               env={**os.environ, "LC_ALL": "C"})
        if build.returncode:
            missing = sorted(set(re.findall(r"'(ICHIP_\w+)' undeclared",
                                            build.stderr)))
            return None, missing or [build.stderr.strip()]
        out = subprocess.run([exe], capture_output=True, text=True,
                             check=True).stdout
    values = {}
    for line in out.splitlines():
        k, v = line.split("=", 1)
        values[k] = v
    return values, []


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--spec", default="Documentation/netlink/specs/ichip.yaml")
    ap.add_argument("--uapi", default="include/uapi")
    ap.add_argument("--cc", default=os.environ.get("CC", "cc"))
    args = ap.parse_args()

    spec = yaml.safe_load(open(args.spec))
    want = expected_constants(spec)
    header = os.path.join(args.uapi, "linux", "ichip.h")
    errors = []

    values, missing = probe_values(args.uapi, sorted(want), args.cc)
    for n in missing:
        errors.append(f"in spec, not in header: {n}")
    for n, v in sorted((values or {}).items()):
        if str(want[n]) != v:
            errors.append(f"{n}: spec says {want[n]}, header says {v}")
    for n in sorted(header_constants(header) - set(want)):
        errors.append(f"in header, not in spec: {n}")

    for e in errors:
        print(f"check-uapi: {e}", file=sys.stderr)
    print(f"check-uapi: {len(want)} constants compared, {len(errors)} mismatches")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
