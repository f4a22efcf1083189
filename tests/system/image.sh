#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# SPDX-FileCopyrightText: 2026 The ichip authors
# image.sh - the cached Debian 12 base image of the system VM stage.
#
#   tests/system/image.sh      prints the path of base.tar
#
# A bookworm root file system made by mmdebstrap from the Debian archive:
# systemd as PID 1, dbus, polkitd, udev, logind sessions (libpam-systemd),
# sudo, DKMS with gcc, and two kernels with their headers: the 6.1 cloud
# kernel and bookworm's 6.12 cloud kernel (the VM boots either with
# -kernel; DKMS builds n_ichip for both when ichip-dkms is installed).
# Nothing of ichip is in it: tests/system/prepare.sh installs the .debs
# into a copy for every run.
#
# Cached outside the source tree, in $ICHIP_SYSTEM_CACHE (default
# /var/cache/ichip/system-vm), in a directory named after the SHA-256 of
# this recipe (this file), so a changed recipe builds a new image; older
# ones are removed.  Needs root (mmdebstrap's root mode keeps ownership).
set -euo pipefail

CACHE=${ICHIP_SYSTEM_CACHE:-/var/cache/ichip/system-vm}

# What the image holds, one package per line, with why.
PACKAGES=(
	systemd-sysv              # systemd as PID 1
	dbus                      # the system bus
	polkitd                   # the real polkit authority (and pkttyagent)
	libpam-systemd            # logind sessions for the test users
	udev                      # device events, SYSTEMD_WANTS
	kmod                      # modprobe, modules-load.d
	util-linux                # agetty, setpriv, runuser
	procps                    # ps, pgrep for the checks
	sudo                      # the admin is in group sudo
	dkms                      # builds ichip-dkms at image preparation
	linux-image-cloud-amd64   # the 6.1 cloud kernel
	linux-headers-cloud-amd64 #   and its headers, for DKMS
	linux-image-6.12-cloud-amd64   # bookworm's 6.12 cloud kernel
	linux-headers-6.12-cloud-amd64 #   and its headers, for DKMS
	initramfs-tools           # the initrd that loads virtio_blk
	libnl-3-200               # ichip's run-time libraries, so the .debs
	libnl-genl-3-200          #   install without a network
	libgnutls30               #   (apt resolves them from the image)
	python3-dbus              # the checks' D-Bus client (signals, fds)
	python3-gi                # dbus-python's main loop
)

# The archive, as the host's sources name it (main + updates + security):
# the image's kernels are the ones the host's apt lists know.
MIRRORS=(
	"deb http://deb.debian.org/debian bookworm main"
	"deb http://deb.debian.org/debian bookworm-updates main"
	"deb http://deb.debian.org/debian-security bookworm-security main"
)

die() { echo "image.sh: $*" >&2; exit 1; }

self=$(readlink -f "${BASH_SOURCE[0]}")
key=$(sha256sum "$self" | cut -c1-16)
dir=$CACHE/$key
base=$dir/base.tar

if [ -s "$base" ]; then
	echo "$base"
	exit 0
fi
[ "$(id -u)" -eq 0 ] || die "building the image needs root (mmdebstrap --mode=root)"
command -v mmdebstrap > /dev/null || die "no mmdebstrap: run tools/install-deps.sh"

mkdir -p "$dir"
# A recipe that changed leaves its old image behind: remove those.
find "$CACHE" -mindepth 1 -maxdepth 1 -type d ! -name "$key" -exec rm -rf {} +

# The initrd needs only virtio_blk (the cloud kernels have it as a module)
# and the ext4 root; a short list keeps it small and fast under TCG.
# modules.d is not a conffile, so the kernel's postinst finds it in place.
hook='mkdir -p "$1/usr/share/initramfs-tools/modules.d" "$1/etc/initramfs-tools/conf.d"
printf "virtio_pci\nvirtio_blk\n" > "$1/usr/share/initramfs-tools/modules.d/ichip-vm"
printf "MODULES=list\nCOMPRESS=gzip\n" > "$1/etc/initramfs-tools/conf.d/ichip-vm"'

t0=$SECONDS
echo "image.sh: building $base with mmdebstrap (once per recipe)" >&2
log=$dir/mmdebstrap.log
if ! mmdebstrap --mode=root --variant=apt --format=tar \
	--include="$(printf '%s,' "${PACKAGES[@]}" | sed 's/,$//')" \
	--essential-hook="$hook" \
	--customize-hook='rm -f "$1"/var/cache/apt/archives/*.deb' \
	bookworm "$base.tmp" "${MIRRORS[@]}" > "$log" 2>&1; then
	tail -n 30 "$log" >&2
	rm -f "$base.tmp"
	die "mmdebstrap failed (log: $log)"
fi
mv "$base.tmp" "$base"
echo "image.sh: built in $((SECONDS - t0)) s ($(du -h "$base" | cut -f1))" >&2
echo "$base"
