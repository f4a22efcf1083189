#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# SPDX-FileCopyrightText: 2026 The ichip authors
# deb.sh - build the Debian packages ichip and ichip-dkms, and lint them.
#
#   tools/deb.sh [--out DIR]     (default DIR: build/deb)
#
# Copies the tracked (and new, not ignored) files of the work tree into
# DIR/src, so dpkg-buildpackage, which writes its results into the parent
# of the source tree, never touches anything outside DIR; builds binary
# packages unsigned (debian/rules runs the unit tests unless
# DEB_BUILD_OPTIONS has nocheck); then lintian must report no error.
# Leaves DIR/ichip_*.deb, DIR/ichip-dkms_*.deb and DIR/lintian.log.
set -euo pipefail
cd "$(dirname "$0")/.."

out=build/deb
case ${1:-} in
--out) out=$2 ;;
'') ;;
*) sed -n '4,14p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
mkdir -p "$out"
out=$(cd "$out" && pwd)

rm -rf "$out/src" "$out"/*.deb "$out"/*.changes "$out"/*.buildinfo
mkdir -p "$out/src"
git ls-files -z --cached --others --exclude-standard |
	tar --null -T - -c | tar -x -C "$out/src"

echo "deb.sh: dpkg-buildpackage in $out/src (log: $out/build.log)"
if ! (cd "$out/src" && dpkg-buildpackage -us -uc -b) > "$out/build.log" 2>&1; then
	tail -n 40 "$out/build.log"
	echo "deb.sh: dpkg-buildpackage failed" >&2
	exit 1
fi
rm -rf "$out/src"

# Errors fail the build; warnings and infos are shown for the record.
changes=$(ls "$out"/ichip_*.changes)
if ! lintian --fail-on error --pedantic "$changes" > "$out/lintian.log" 2>&1; then
	cat "$out/lintian.log"
	echo "deb.sh: lintian reports errors" >&2
	exit 1
fi
grep -v 'running with root privileges' "$out/lintian.log" || true
ls "$out"/*.deb
