# SPDX-License-Identifier: GPL-2.0-only
# SPDX-FileCopyrightText: 2026 The ichip authors
# shellcheck shell=bash
# lib.sh - helpers shared by the VM test scripts (sourced, not run).
#
# The one place that decides which kernel the VM boots and which headers the
# module is built against: both come from the same Debian meta flavour, so
# the module's vermagic always matches the booted kernel.  The ABI number
# (6.1.0-NN) changes with every security update and old ones leave the
# archive, so it is never written down anywhere: it is resolved here.

# Flavour of Debian's linux-image-* / linux-headers-* meta packages.
# cloud-amd64 boots fastest under TCG (LZ4 vmlinuz); see tests/vm/README.md.
VM_KERNEL_FLAVOUR=${VM_KERNEL_FLAVOUR:-cloud-amd64}

vm_die() {
	echo "${0##*/}: $*" >&2
	exit 1
}

# vm_image_pkg: print the versioned image package the meta package points
# to right now, e.g. linux-image-6.1.0-56-cloud-amd64.  Uses the local apt
# lists (no network); each apt-cache call costs ~0.7 s here, so call once.
vm_image_pkg() {
	local meta=linux-image-$VM_KERNEL_FLAVOUR pkg
	pkg=$(apt-cache depends "$meta" 2>/dev/null |
		awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ { print $2; exit }')
	[ -n "$pkg" ] ||
		vm_die "cannot resolve $meta with apt-cache (run 'apt-get update' or tools/install-deps.sh)"
	printf '%s\n' "$pkg"
}

# vm_kver: print the kernel release the VM boots, e.g. 6.1.0-56-cloud-amd64.
vm_kver() {
	local pkg
	pkg=$(vm_image_pkg) || return 1
	printf '%s\n' "${pkg#linux-image-}"
}

# vm_check_headers KVER: the module is built against these; fail loudly if
# the installed headers belong to another ABI (apt lists newer than the
# installed linux-headers-<flavour>, or the headers were never installed).
vm_check_headers() {
	[ -d "/usr/src/linux-headers-$1" ] ||
		vm_die "no /usr/src/linux-headers-$1 (the VM kernel's headers): run tools/install-deps.sh, which installs/upgrades linux-headers-$VM_KERNEL_FLAVOUR"
}

# vm_apt_download DIR PKG: download PKG's candidate .deb into DIR unless a
# .deb of PKG is already there.  Prints the .deb path.  Output of apt is
# shown only on failure (as root it always warns about the _apt sandbox).
vm_apt_download() {
	local dir=$1 pkg=$2 deb out
	mkdir -p "$dir"
	deb=$(vm_cached_deb "$dir" "$pkg")
	if [ -z "$deb" ]; then
		out=$(cd "$dir" && apt-get download -q "$pkg" 2>&1) ||
			vm_die "apt-get download $pkg failed (stale apt lists? run 'apt-get update'):
$out"
		deb=$(vm_cached_deb "$dir" "$pkg")
		[ -n "$deb" ] || vm_die "apt-get download $pkg left no .deb in $dir"
	fi
	printf '%s\n' "$deb"
}

# vm_cached_deb DIR PKG: a cached .deb of PKG in DIR (last in name order), or nothing.
vm_cached_deb() {
	local f last=''
	for f in "$1/$2"_*.deb; do
		[ -e "$f" ] && last=$f
	done
	printf '%s' "$last"
}
