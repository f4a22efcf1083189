#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# SPDX-FileCopyrightText: 2026 The ichip authors
# get-kernel.sh BUILD_DIR - fetch and unpack the kernel the test VM boots.
#
# Resolves linux-image-$VM_KERNEL_FLAVOUR (default cloud-amd64) to its
# versioned package, downloads it into BUILD_DIR/vm/cache (once) and unpacks
# it into BUILD_DIR/vm/kernel/KVER (once).  The package is never installed:
# its postinst would run initramfs-tools and bootloader hooks on the host.
# Prints, and writes to BUILD_DIR/vm/kernel.env:
#   KVER=6.1.0-56-cloud-amd64
#   VMLINUZ=BUILD_DIR/vm/kernel/6.1.0-56-cloud-amd64/boot/vmlinuz-6.1.0-56-cloud-amd64
# Fails unless /usr/src/linux-headers-KVER exists (the module is built
# against those; see tools/install-deps.sh).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() { sed -n '4,16p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

# unpack DEB DIR: dpkg -x into a temporary sibling, then rename, so an
# interrupted run never leaves a half-unpacked kernel that looks complete.
unpack() {
	local deb=$1 dir=$2 tmp
	tmp=$(mktemp -d "$dir.tmp.XXXXXX")
	chmod 755 "$tmp"
	dpkg -x "$deb" "$tmp"
	rm -rf "$dir"
	mv "$tmp" "$dir"
}

main() {
	[ $# -eq 1 ] || usage
	local vmdir pkg kver deb kdir vmlinuz
	mkdir -p "$1/vm"
	vmdir=$(cd "$1/vm" && pwd)

	pkg=$(vm_image_pkg)
	kver=${pkg#linux-image-}
	vm_check_headers "$kver"

	kdir=$vmdir/kernel/$kver
	vmlinuz=$kdir/boot/vmlinuz-$kver
	if [ ! -s "$vmlinuz" ]; then
		deb=$(vm_apt_download "$vmdir/cache" "$pkg")
		mkdir -p "$vmdir/kernel"
		unpack "$deb" "$kdir"
		[ -s "$vmlinuz" ] || vm_die "$deb has no boot/vmlinuz-$kver"
	fi

	# %q keeps the env file safe to source whatever the build path is.
	printf 'KVER=%q\nVMLINUZ=%q\n' "$kver" "$vmlinuz" > "$vmdir/kernel.env.tmp"
	mv "$vmdir/kernel.env.tmp" "$vmdir/kernel.env"
	cat "$vmdir/kernel.env"
}

main "$@"
