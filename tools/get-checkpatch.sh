#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# SPDX-FileCopyrightText: 2026 The ichip authors
# get-checkpatch.sh DEST [DEB_CACHE] - put the kernel's checkpatch.pl (and
# the data files it reads) into DEST, from Debian's linux-source package.
# Kernel tools, GPL-2.0: build directory only, never committed.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../tests/vm/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../tests/vm/lib.sh"

dest=${1:?usage: get-checkpatch.sh DEST [DEB_CACHE]}
cache=${2:-$dest/cache}
files=(checkpatch.pl spelling.txt const_structs.checkpatch)
[ -s "$dest/checkpatch.pl" ] && exit 0

kver=$(vm_kver)
pkg="linux-source-$(echo "$kver" | cut -d. -f1,2)"
deb=$(vm_apt_download "$cache" "$pkg")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pats=()
for f in "${files[@]}"; do pats+=("*/scripts/$f"); done
# tar stops after the last match; the writers then die of SIGPIPE
set +o pipefail
dpkg --fsys-tarfile "$deb" |
	tar -xO --wildcards './usr/src/linux-source-*.tar.xz' |
	tar -xJ -C "$tmp" --occurrence=1 --wildcards --strip-components=2 "${pats[@]}" || true
set -o pipefail
mkdir -p "$dest"
for f in "${files[@]}"; do
	[ -s "$tmp/$f" ] || { echo "get-checkpatch.sh: $f not in $deb" >&2; exit 1; }
	cp "$tmp/$f" "$dest/$f"
done
chmod +x "$dest/checkpatch.pl"
echo "checkpatch from $(basename "$deb") -> $dest"
