#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# SPDX-FileCopyrightText: 2026 The ichip authors
# fresh-debian.sh - run a README command from a fresh clone on a fresh
# Debian 12, as a new user would: a root file system made by mmdebstrap
# (--include=ca-certificates,git,build-essential), the /etc/hosts that the
# Debian installer and Docker write (localhost is also ::1), a clone of
# this repository's HEAD, then `make TARGET` inside a chroot.
#
#   tools/fresh-debian.sh [--minimal] [--keep] [--dir DIR] TARGET...
#
#   --minimal  --variant=apt: no systemd, as in a minimal container
#              (default: Debian's standard variant, systemd installed but
#              not PID 1, as in a chroot or container)
#   --keep     keep the root file system afterwards (under DIR)
#   --dir DIR  where to build it (default /var/tmp/ichip-fresh)
# Needs root and mmdebstrap; the Debian archive must be reachable.
# The exit code is make's.
set -euo pipefail

variant=() keep=0 dir=/var/tmp/ichip-fresh
while [ $# -gt 0 ]; do
	case $1 in
	--minimal) variant=(--variant=apt) ;;
	--keep) keep=1 ;;
	--dir) dir=$2; shift ;;
	-*) sed -n '4,18p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
	*) break ;;
	esac
	shift
done
[ $# -gt 0 ] || { sed -n '4,18p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
top=$(cd "$(dirname "$0")/.." && pwd)
root=$dir/root
mounts=()

cleanup() {
	local i
	for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do
		umount -l "${mounts[$i]}" 2>/dev/null || true
	done
	[ "$keep" = 1 ] || rm -rf "$root"
}
trap cleanup EXIT

bind() {	# bind SRC DST-in-root [TYPE]
	mkdir -p "$root$2"
	if [ -n "${3:-}" ]; then
		mount -t "$3" "$3" "$root$2"
	else
		mount --rbind "$1" "$root$2"
	fi
	mounts+=("$root$2")
}

rm -rf "$root"
mkdir -p "$dir"
mmdebstrap "${variant[@]}" --include=ca-certificates,git,build-essential \
	bookworm "$root"
# What the Debian installer writes; mmdebstrap leaves these out.
cat >"$root/etc/hosts" <<'HOSTS'
127.0.0.1	localhost
127.0.1.1	debian

# The following lines are desirable for IPv6 capable hosts
::1     localhost ip6-localhost ip6-loopback
ff02::1 ip6-allnodes
ff02::2 ip6-allrouters
HOSTS
echo debian >"$root/etc/hostname"
cp /etc/resolv.conf "$root/etc/resolv.conf"
git clone -q "$top" "$root/root/ichip"

bind /proc /proc proc
bind /sys /sys
bind /dev /dev
mkdir -p "$root/tmp" && chmod 1777 "$root/tmp"
echo "fresh-debian: make $* in $root (variant ${variant[*]:-standard})"
chroot "$root" env -i HOME=/root TERM=dumb CI="${CI:-}" \
	PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
	LANG=C.UTF-8 make -C /root/ichip "$@" </dev/null
