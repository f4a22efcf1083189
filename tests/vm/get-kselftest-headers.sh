#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# SPDX-FileCopyrightText: 2026 The ichip authors
# get-kselftest-headers.sh DEST [DEB_CACHE] - put kselftest.h and
# kselftest_harness.h into DEST (a directory in the build tree).
#
# No Debian package ships them as files; they are inside linux-source-X.Y
# (always linux-source-6.1, see source_pkg), a 139 MB
# .deb holding the kernel tree as a .tar.xz.  Extracting them costs ~10 s,
# so once DEST has both headers nothing is done.  The .deb is kept in
# DEB_CACHE when given (else downloaded to a temporary directory and
# deleted).  The headers are GPL-2.0 kernel files, not ours: they live in
# the build directory only and are never committed.
#
# Env: LINUX_SOURCE_PKG overrides the package name.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

HEADERS=(kselftest.h kselftest_harness.h)

usage() { sed -n '4,16p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

have_headers() {
	local h
	for h in "${HEADERS[@]}"; do
		[ -s "$1/$h" ] || return 1
	done
}

# source_pkg: linux-source-6.1, whatever kernel the VM boots.  The
# selftest binary is userspace and independent of the kernel under test;
# 6.12's harness trips -Werror=clobbered with gcc 12 (kselftest_harness.h
# line 419), so one harness, 6.1's, serves the whole kernel matrix.
source_pkg() {
	echo "${LINUX_SOURCE_PKG:-linux-source-6.1}"
}

# extract DEB DIR: stream the kernel tarball out of the .deb and take the
# two headers.  tar --occurrence=1 stops reading after the last match (saves
# ~1 s); the writers upstream then die of SIGPIPE, so the pipeline status
# says nothing: the extracted files are the verdict.
extract() {
	local deb=$1 dir=$2 h pats=()
	for h in "${HEADERS[@]}"; do
		pats+=("*/tools/testing/selftests/$h")
	done
	set +o pipefail
	dpkg --fsys-tarfile "$deb" |
		tar -xO --wildcards './usr/src/linux-source-*.tar.xz' |
		tar -xJ -C "$dir" --occurrence=1 --wildcards --strip-components=4 "${pats[@]}" || true
	set -o pipefail
	have_headers "$dir" || vm_die "$deb: no ${HEADERS[*]} in its kernel tarball"
}

main() {
	if [ $# -lt 1 ] || [ $# -gt 2 ]; then usage; fi
	local dest=$1 cache=${2:-} pkg tmp deb h
	have_headers "$dest" && return 0

	pkg=$(source_pkg)
	tmp=$(mktemp -d)
	# shellcheck disable=SC2064 # expand now: tmp is local
	trap "rm -rf '$tmp'" EXIT
	deb=$(vm_apt_download "${cache:-$tmp/deb}" "$pkg")
	mkdir -p "$tmp/x"
	extract "$deb" "$tmp/x"
	mkdir -p "$dest"
	for h in "${HEADERS[@]}"; do
		cp "$tmp/x/$h" "$dest/$h.tmp"
		mv "$dest/$h.tmp" "$dest/$h"	# a half-copied header never looks done
	done
	echo "kselftest headers from $(basename "$deb") -> $dest"
}

main "$@"
