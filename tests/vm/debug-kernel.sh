#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# SPDX-FileCopyrightText: 2026 The ichip authors
# debug-kernel.sh [--cached] - build (once) and print the debug kernel the
# VM tests run on: Debian's linux-source-X.Y with KASAN, UBSAN, lockdep
# (PROVE_LOCKING), DEBUG_ATOMIC_SLEEP, DEBUG_OBJECTS_WORK/TIMERS and KFENCE
# on a minimal serial-console config (tinyconfig + debug-kernel.config).
#
# The build lives outside the source tree, in
#   $ICHIP_DEBUG_KERNEL_CACHE (default /var/cache/ichip/debug-kernel)/KEY/
# where KEY hashes the config recipe, BUILD_REV and the source package
# version: a changed recipe is a new build, an unchanged one is never
# rebuilt (bump BUILD_REV when build() changes what it produces).  KEY/build is the kbuild output (O=) the module is built against
# with `make -C KEY/build M=$PWD`.  On success prints, and writes to
# KEY/kernel.env:
#   KVER=6.12.NN   VMLINUZ=KEY/bzImage   KDIR=KEY/build   BUILD_SECONDS=N
#
#   --cached   do not build: print the env of a finished build, or exit 3
#
# Env: LINUX_SOURCE_PKG (default linux-source-6.12; tools/install-deps.sh
# installs it), ICHIP_DEBUG_KERNEL_JOBS (default: number of CPUs).  The
# build runs under nice; on 2 shared cores it takes most of an hour.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
RECIPE=$HERE/debug-kernel.config
PKG=${LINUX_SOURCE_PKG:-linux-source-6.12}
CACHE=${ICHIP_DEBUG_KERNEL_CACHE:-/var/cache/ichip/debug-kernel}
JOBS=${ICHIP_DEBUG_KERNEL_JOBS:-$(nproc)}
BUILD_REV=1

die() { echo "debug-kernel.sh: $*" >&2; exit 1; }

pkg_version() {
	dpkg-query -W -f='${Version}' "$PKG" 2>/dev/null ||
		die "$PKG is not installed (run tools/install-deps.sh)"
}

# The SPDX lines of the recipe are no part of it: a licence header does
# not rebuild the kernel.
cache_key() {
	{ pkg_version; echo "rev $BUILD_REV"; sed '/SPDX-/d' "$RECIPE"; } |
		sha256sum | cut -c1-16
}

# unpack_source DIR: the kernel tree out of /usr/src/$PKG.tar.xz, once;
# renamed into place only when complete.
unpack_source() {
	local dir=$1 tarball=/usr/src/$PKG.tar.xz tmp
	[ -f "$dir/Makefile" ] && return 0
	[ -r "$tarball" ] || die "no $tarball (is $PKG installed?)"
	tmp=$(mktemp -d "$dir.tmp.XXXXXX")
	tar -xJf "$tarball" -C "$tmp" --strip-components=1
	rm -rf "$dir"
	mv "$tmp" "$dir"
}

# check_config OUT: every option the recipe asks for must have survived
# olddefconfig (a dependency it lacks silently drops it otherwise).
check_config() {
	local out=$1 line bad=0
	while IFS= read -r line; do
		case $line in CONFIG_*=*) ;; *) continue ;; esac
		grep -qxF "$line" "$out/.config" || { echo "not set: $line" >&2; bad=1; }
	done < "$RECIPE"
	[ "$bad" = 0 ] || die "the recipe does not hold on this source; see above"
}

build() {
	local dir=$1 src=$2 out=$1/build t0 kver
	t0=$SECONDS
	rm -rf "$out"
	mkdir -p "$out"
	make -s -C "$src" O="$out" tinyconfig
	"$src/scripts/kconfig/merge_config.sh" -m -O "$out" "$out/.config" "$RECIPE" >/dev/null
	make -s -C "$src" O="$out" olddefconfig
	check_config "$out"
	nice -n 10 make -s -C "$src" O="$out" -j"$JOBS" bzImage modules
	kver=$(cat "$out/include/config/kernel.release")
	cp "$out/arch/x86/boot/bzImage" "$dir/bzImage"
	printf 'KVER=%q\nVMLINUZ=%q\nKDIR=%q\nBUILD_SECONDS=%d\n' "$kver" \
		"$dir/bzImage" "$out" $((SECONDS - t0)) > "$dir/kernel.env.tmp"
	mv "$dir/kernel.env.tmp" "$dir/kernel.env"
}

main() {
	local cached=0 key dir src
	[ "${1:-}" = --cached ] && cached=1
	key=$(cache_key)
	dir=$CACHE/$key
	# an older build() stopped before Module.symvers, which out-of-tree
	# modules link against: finish it (modpost of vmlinux, a minute)
	if [ -s "$dir/kernel.env" ] && [ ! -s "$dir/build/Module.symvers" ] &&
	   [ "$cached" = 0 ]; then
		src=$CACHE/src-$(pkg_version | tr -c 'A-Za-z0-9.\n' _)
		nice -n 10 make -s -C "$src" O="$dir/build" -j"$JOBS" modules \
			>> "$dir/build.log" 2>&1 || die "make modules failed"
	fi
	if [ ! -s "$dir/kernel.env" ] || [ ! -s "$dir/build/Module.symvers" ]; then
		[ "$cached" = 0 ] || exit 3
		mkdir -p "$dir"
		src=$CACHE/src-$(pkg_version | tr -c 'A-Za-z0-9.\n' _)
		echo "debug-kernel.sh: building $PKG into $dir (log: $dir/build.log)" >&2
		unpack_source "$src"
		build "$dir" "$src" > "$dir/build.log" 2>&1 ||
			{ tail -n 30 "$dir/build.log" >&2; die "build failed"; }
	fi
	cat "$dir/kernel.env"
}

main "$@"
