#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# SPDX-FileCopyrightText: 2026 The ichip authors
# prepare.sh BASE_TAR DEB_DIR FILES_DIR OUT_DIR - the disk of one system VM run.
#
# Unpacks the cached base image (image.sh) into OUT_DIR/root, installs the
# project into it FROM ITS .debs with apt (ichip and ichip-dkms: DKMS
# builds n_ichip for every kernel in the image, here, at preparation
# time, natively), adds what a Debian installer would have made
# (/etc/hosts with ::1 localhost, machine-id, fstab, hostname), the test
# users, the checks (tests/system/guest -> /usr/local/lib/ichip-system)
# and FILES_DIR (certificates made on the host) -> /etc/ichip-system;
# then writes OUT_DIR/disk.img (ext4, mke2fs -d: no mounting) and copies
# the kernels and initrds to OUT_DIR/boot.  Runs as root (chroot).
set -euo pipefail

die() { echo "prepare.sh: $*" >&2; exit 1; }
[ $# -eq 4 ] || die "usage: prepare.sh BASE_TAR DEB_DIR FILES_DIR OUT_DIR"
base=$1 debs=$2 files=$3 out=$4
here=$(cd "$(dirname "$0")" && pwd)
root=$out/root

cleanup() {
	local m
	for m in proc sys dev/pts dev; do
		mountpoint -q "$root/$m" && umount -l "$root/$m"
	done
	return 0
}
trap cleanup EXIT

cleanup
rm -rf "${root:?}" "${out:?}/disk.img" "${out:?}/boot"
mkdir -p "$root" "$out/boot"
tar -xpf "$base" -C "$root" --numeric-owner

mount -t proc proc "$root/proc"
mount -t sysfs sysfs "$root/sys"
mount --bind /dev "$root/dev"
mount --bind /dev/pts "$root/dev/pts"
in_root() { chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
	DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8 "$@"; }

# The packages, as a user would install them (no network: every
# dependency is in the image already).
mkdir -p "$root/tmp/debs"
cp "$debs"/ichip_*.deb "$debs"/ichip-dkms_*.deb "$root/tmp/debs/"
in_root sh -c 'apt-get install -y --no-install-recommends /tmp/debs/*.deb' \
	> "$out/apt-install.log" 2>&1 || { tail -n 40 "$out/apt-install.log"; die "apt-get install of the .debs failed"; }
rm -rf "$root/tmp/debs"

# dkms's postinst builds for the running kernel and the newest one; a
# kernel it skipped is built by the "dkms autoinstall" that the kernel's
# own postinst hook runs on a real system.  Do that here, and insist
# that every kernel of the image has the module.
for k in "$root"/lib/modules/*; do
	kver=${k##*/}
	if ! in_root dkms status -k "$kver" n_ichip | grep -q installed; then
		in_root dkms autoinstall -k "$kver" >> "$out/apt-install.log" 2>&1 || true
	fi
	in_root dkms status -k "$kver" n_ichip | grep -q installed ||
		{ tail -n 40 "$out/apt-install.log"; die "DKMS did not install n_ichip for $kver"; }
done

# What the installer would have made.
echo ichip-vm > "$root/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\tichip-vm\n::1\t\tlocalhost ip6-localhost ip6-loopback\nff02::1\t\tip6-allnodes\nff02::2\t\tip6-allrouters\n' > "$root/etc/hosts"
echo '/dev/vda / ext4 rw,errors=remount-ro 0 1' > "$root/etc/fstab"
in_root sh -c 'rm -f /etc/machine-id && systemd-machine-id-setup' > /dev/null 2>&1

# Users: alice and bob ordinary (uid >= 1000), carol an administrator
# (group sudo = polkit admin on Debian).  Only carol authenticates.
in_root useradd -m -u 1000 -s /bin/bash alice
in_root useradd -m -u 1001 -s /bin/bash bob
in_root useradd -m -u 1002 -s /bin/bash -G sudo carol
echo 'carol:carol-secret' | in_root chpasswd
in_root passwd -l alice > /dev/null
in_root passwd -l bob > /dev/null

# Each user logs in on a VT (getty autologin): a real logind session on
# seat0.  alice's tty1 is the foreground VT, so hers is the active one.
for u in tty1:alice tty2:bob tty3:carol; do
	d=$root/etc/systemd/system/getty@${u%%:*}.service.d
	mkdir -p "$d"
	printf '[Service]\nExecStart=\nExecStart=-/sbin/agetty -o "-p -f -- \\\\u" --noclear --autologin %s - $TERM\n' \
		"${u#*:}" > "$d/autologin.conf"
done

# Quiet, quick boots: no timers that wake apt or scrub file systems.
for u in apt-daily.timer apt-daily-upgrade.timer dpkg-db-backup.timer \
	 e2scrub_all.timer e2scrub_reap.service fstrim.timer \
	 serial-getty@ttyS0.service; do
	ln -sf /dev/null "$root/etc/systemd/system/$u"
done

# The checks and their data.
mkdir -p "$root/usr/local/lib/ichip-system" "$root/etc/ichip-system"
cp -r "$here/guest/." "$root/usr/local/lib/ichip-system/"
cp -r "$files/." "$root/etc/ichip-system/"
chmod -R a+rX "$root/usr/local/lib/ichip-system" "$root/etc/ichip-system"
install -m 0644 "$here/guest/ichip-system-test.service" "$root/etc/systemd/system/"
install -m 0644 "$here/guest/zz-ichip-system.sh" "$root/etc/profile.d/"
mkdir -p "$root/etc/systemd/system/multi-user.target.wants"
ln -sf /etc/systemd/system/ichip-system-test.service \
	"$root/etc/systemd/system/multi-user.target.wants/ichip-system-test.service"

cp "$root"/boot/vmlinuz-* "$root"/boot/initrd.img-* "$out/boot/"
cleanup

size=$(( $(du -sm "$root" | cut -f1) + 600 ))
mke2fs -q -t ext4 -L ichip-root -d "$root" "$out/disk.img" "${size}M"
rm -rf "$root"
