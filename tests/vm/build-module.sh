#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# SPDX-FileCopyrightText: 2026 The ichip authors
# build-module.sh KDIR OUTDIR [faulty] - build n_ichip.ko (or, with
# "faulty", the selftests' ichip_faulty_tty.ko) for the kernel whose
# build tree (headers or O= directory) is KDIR, out of tree in OUTDIR.
#
# The kernel matrix needs one module per kernel; building in driver/
# would overwrite the module of the default kernel, so the sources
# (driver/ and the uapi header it includes) are copied to OUTDIR/src
# first.  Same flags as `make module`: W=1 and -Werror.  Prints the path
# of the module.  Rebuilds only when a source is newer than the module.
set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
kdir=${1:?usage: build-module.sh KDIR OUTDIR [faulty]}
out=${2:?usage: build-module.sh KDIR OUTDIR [faulty]}
out=$(mkdir -p "$out" && cd "$out" && pwd)	# kbuild wants M= absolute
if [ "${3:-}" = faulty ]; then
	src=$out/faulty
	ko=$src/ichip_faulty_tty.ko
	ft=$TOP/tests/selftests/ichip/faulty_tty
	if [ ! -f "$ko" ] || [ "$ft/ichip_faulty_tty.c" -nt "$ko" ]; then
		rm -rf "$src"
		mkdir -p "$src"
		cp "$ft"/ichip_faulty_tty.c "$ft"/Kbuild "$src/"
		make -s -C "$kdir" M="$src" W=1 KCFLAGS=-Werror modules >&2
	fi
	printf '%s\n' "$ko"
	exit 0
fi
src=$out/src
ko=$src/driver/n_ichip.ko

stale() {
	local f
	[ -f "$ko" ] || return 0
	for f in "$TOP"/Kbuild "$TOP"/driver/* "$TOP"/include/uapi/linux/ichip.h; do
		[ "$f" -nt "$ko" ] && return 0
	done
	return 1
}

if stale; then
	rm -rf "$src"
	mkdir -p "$src/driver" "$src/include/uapi/linux"
	cp "$TOP"/driver/*.[ch] "$TOP"/driver/Kbuild "$src/driver/"
	cp "$TOP"/include/uapi/linux/ichip.h "$src/include/uapi/linux/"
	cp "$TOP"/Kbuild "$src/"
	make -s -C "$kdir" M="$src" W=1 KCFLAGS=-Werror modules >&2
fi
printf '%s\n' "$ko"
