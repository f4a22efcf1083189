#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# SPDX-FileCopyrightText: 2026 The ichip authors
# build-initramfs.sh - pack a busybox initramfs for the test VM.  No root needed.
#
#   build-initramfs.sh -o OUT.cpio[.gz] -i INIT [-m MOD.ko]... [-b BIN]...
#                      [-B DIR]... [-t TEST]... [-f SRC:DST]... [-d DIR]...
#
#   -o OUT      output; gzip-compressed when it ends in .gz, else plain cpio
#   -i INIT     script installed as /init (tests/vm/init.sh)
#   -m MOD.ko   kernel module -> /lib/modules/ (insmod'ed by /init in name order)
#   -b BIN      executable -> /bin/, with every shared library ldd reports,
#               at the same absolute path as on the host (so RUNPATHs still
#               work); a bare name is looked up in PATH
#   -B DIR      like -b for every executable file directly in DIR
#   -t TEST     test script -> /tests/ (run by /init in name order); a
#               directory means every *.sh in it
#   -f SRC:DST  file or directory copied to DST (absolute) in the image,
#               mode kept; later -f win, so they can replace /etc/passwd
#   -d DIR      empty directory to create in the image
#
# Env: BUSYBOX (default /bin/busybox; must be static, from busybox-static).
# Needs: busybox-static, cpio, gzip, ldd (libc-bin).
set -euo pipefail

usage() { sed -n '4,23p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
die() { echo "${0##*/}: $*" >&2; exit 1; }

out='' init=''
mods=() bins=() bindirs=() tests=() files=() dirs=()
root=''
declare -A seen_lib=() seen_name=()

parse_args() {
	local opt OPTIND=1
	while getopts "o:i:m:b:B:t:f:d:h" opt; do
		case $opt in
		o) out=$OPTARG ;;
		i) init=$OPTARG ;;
		m) mods+=("$OPTARG") ;;
		b) bins+=("$OPTARG") ;;
		B) bindirs+=("$OPTARG") ;;
		t) tests+=("$OPTARG") ;;
		f) files+=("$OPTARG") ;;
		d) dirs+=("$OPTARG") ;;
		*) usage ;;
		esac
	done
	shift $((OPTIND - 1))
	if [ $# -ne 0 ] || [ -z "$out" ] || [ -z "$init" ]; then usage; fi
}

check_busybox() {
	BUSYBOX=${BUSYBOX:-/bin/busybox}
	[ -x "$BUSYBOX" ] || die "no $BUSYBOX (install busybox-static)"
	# A dynamic busybox would need its libc in the image before /init runs.
	if ldd "$BUSYBOX" >/dev/null 2>&1; then
		die "$BUSYBOX is dynamically linked (install busybox-static)"
	fi
}

make_skeleton() {
	mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,run,root,etc,lib/modules,tests,var}
	chmod 1777 "$root/tmp"
	ln -s ../run "$root/var/run"
	cp "$BUSYBOX" "$root/bin/busybox"
	# /init installs the other applet links itself (busybox --install -s).
	ln -s busybox "$root/bin/sh"
	install -m 0755 "$init" "$root/init"
	# Enough for id, dbus-daemon and friends; replace with -f for more users.
	echo 'root:x:0:0:root:/root:/bin/sh' > "$root/etc/passwd"
	echo 'root:x:0:' > "$root/etc/group"
}

# claim NAME WHAT: two inputs must not silently overwrite each other.
claim() {
	[ -z "${seen_name[$1]:-}" ] || die "two inputs want $1: ${seen_name[$1]} and $2"
	seen_name[$1]=$2
}

# copy_libs BIN: copy what the dynamic loader needs for BIN.  ldd lines look
# like "libx.so.1 => /path/libx.so.1 (0x...)" or "/lib64/ld-linux-x86-64.so.2 (0x...)".
copy_libs() {
	local lib
	ldd "$1" >/dev/null 2>&1 || return 0	# static binary or script
	while read -r lib; do
		[ -n "${seen_lib[$lib]:-}" ] && continue
		seen_lib[$lib]=1
		mkdir -p "$root${lib%/*}"
		cp -L "$lib" "$root$lib"
	done < <(ldd "$1" | grep -oE '/[^ ]+ \(0x' | cut -d' ' -f1)
	if ldd "$1" | grep -q 'not found'; then
		die "$1: missing shared libraries: $(ldd "$1" | grep 'not found' | tr -s ' \t\n' ' ')"
	fi
}

add_bin() {
	local bin=$1 path
	path=$bin
	[[ $bin == */* ]] || path=$(command -v "$bin") || die "$bin: not found in PATH"
	if [ ! -f "$path" ] || [ ! -x "$path" ]; then die "$path: not an executable file"; fi
	claim "/bin/${path##*/}" "$path"
	install -m 0755 "$path" "$root/bin/${path##*/}"
	copy_libs "$path"
}

add_bindir() {
	local f n=0
	[ -d "$1" ] || die "$1: not a directory"
	for f in "$1"/*; do
		if [ ! -f "$f" ] || [ ! -x "$f" ]; then continue; fi
		add_bin "$f"
		n=$((n + 1))
	done
	[ "$n" -gt 0 ] || die "$1: no executables in it"
}

add_test() {
	local t
	if [ -d "$1" ]; then
		for t in "$1"/*.sh; do
			[ -e "$t" ] && add_test "$t"
		done
		return 0
	fi
	[ -f "$1" ] || die "$1: no such test"
	claim "/tests/${1##*/}" "$1"
	install -m 0755 "$1" "$root/tests/"
}

add_file() {
	local src=${1%%:*} dst=${1#*:}
	[[ $1 == *:* && $dst == /* ]] || die "-f $1: want SRC:/ABSOLUTE/DST"
	[ -e "$src" ] || die "-f $1: no $src"
	mkdir -p "$root$(dirname "$dst")"
	rm -rf "${root:?}$dst"
	cp -a "$src" "$root$dst"
}

add_module() {
	[ -f "$1" ] || die "$1: no such module"
	claim "/lib/modules/${1##*/}" "$1"
	cp "$1" "$root/lib/modules/"
}

# pack: sorted, owned by root (cpio -R 0:0 without being root), written
# to a temporary name first so a failed build never leaves a usable image.
pack() {
	local tmp=$out.tmp.$$
	(cd "$root" && find . -print0 | LC_ALL=C sort -z |
		cpio --null -o -H newc -R 0:0 --quiet) > "$tmp.cpio"
	if [[ $out == *.gz ]]; then
		gzip -1 -c "$tmp.cpio" > "$tmp"
		rm -f "$tmp.cpio"
	else
		mv "$tmp.cpio" "$tmp"
	fi
	mv "$tmp" "$out"
}

main() {
	local x
	parse_args "$@"
	check_busybox
	root=$(mktemp -d)
	# mktemp makes it 0700: the guest's / must be 0755 as on any system,
	# or an unprivileged test process cannot even reach /dev
	chmod 755 "$root"
	trap 'rm -rf "$root" "$out".tmp.$$*' EXIT
	make_skeleton
	for x in "${mods[@]}"; do add_module "$x"; done
	for x in "${bins[@]}"; do add_bin "$x"; done
	for x in "${bindirs[@]}"; do add_bindir "$x"; done
	for x in "${tests[@]}"; do add_test "$x"; done
	for x in "${dirs[@]}"; do mkdir -p "$root/$x"; done
	for x in "${files[@]}"; do add_file "$x"; done
	pack
	echo "initramfs: $out ($(du -h "$out" | cut -f1))"
}

main "$@"
