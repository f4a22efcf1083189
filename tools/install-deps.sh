#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# SPDX-FileCopyrightText: 2026 The ichip authors
# install-deps.sh - install the Debian 12 packages ichip needs to build and test.
#
#   tools/install-deps.sh [--check]
#
# Idempotent and silent when everything is there: it asks dpkg first and
# runs apt-get update + install only for what is missing.  Also upgrades
# the linux-headers-* of each flavour of the kernel matrix (6.1 cloud,
# 6.12 cloud, 6.12 rt) when the apt lists point at a newer kernel ABI
# than the installed headers (the VM boots that newer kernel; see
# tests/vm/kver.sh).  Runs apt as root, or through sudo when not root.
# The VM kernel image is not needed on the host (tests/vm/get-kernel.sh
# downloads and unpacks it into the build directory), but Debian's 6.12
# headers depend on their image, so those two get installed anyway.
#
#   --check   only report what is missing; exit 1 if anything is
set -euo pipefail

# One package per line, with why.  Keep this list the only one.
PACKAGES=(
	# build
	gcc                       # C compiler (also builds the kernel module)
	make                      # kbuild for the kernel module
	libc6-dev                 # libc headers, and libc.a for the static vm-exit
	meson                     # build system
	ninja-build               # meson's backend
	pkg-config                # finds the libraries below
	clang                     # libFuzzer builds (tests/fuzz)
	libclang-rt-14-dev        # libFuzzer + ASan/UBSan runtimes for clang 14
	linux-headers-cloud-amd64 # headers of the kernel the test VM boots
	linux-headers-6.12-cloud-amd64 # the kernel matrix: bookworm's 6.12 (pulls its image too)
	linux-headers-6.12-rt-amd64    # ... and its PREEMPT_RT build
	libnl-3-dev               # netlink for ichipd and tests
	libnl-genl-3-dev          # generic netlink (the module's control interface)
	libgnutls28-dev           # TLS and certificate handling (ichipd, ichipctl pki)
	libsystemd-dev            # sd-bus (D-Bus API) and sd_notify
	libudev-dev               # device discovery in ichipd
	libseccomp-dev            # seccomp filter of the TLS worker (ichip-tls-worker)
	# tests
	qemu-system-x86           # the VM that runs the kernel-module tests
	busybox-static            # the VM's userland (/init and tools)
	cpio                      # packs the VM's initramfs
	kmod                      # modinfo/insmod on the host
	file                      # checks binary types in build and test scripts
	xz-utils                  # unpacks the kselftest headers from linux-source
	# the debug kernel (tests/vm/debug-kernel.sh: KASAN, lockdep, UBSAN ...)
	linux-source-6.12         # its source tree
	bc                        # kbuild: kernel/time/timeconst.h
	bison                     # kbuild: scripts/kconfig parser
	flex                      # kbuild: scripts/kconfig lexer
	libelf-dev                # kbuild: objtool (x86_64 ORC unwinder)
	gnutls-bin                # gnutls-serv/certtool for TLS integration tests
	openssl                   # second opinion: openssl verify on our certificates
	dbus-daemon               # private buses for integration and VM tests
	dbus-bin                  # dbus-send and friends
	systemd                   # busctl (demo, tests, VM guest), systemd-analyze verify
	libnss-wrapper            # a Debian /etc/hosts (::1 first) for the resolver test, unprivileged
	dbus-system-bus-common    # dbus.socket, which systemd-analyze verify needs for Type=dbus
	libxml2-utils             # xmllint checks the D-Bus XML
	python3                   # test helpers
	python3-yaml              # YAML test data and CI helpers
	python3-dbus              # D-Bus client side of integration tests
	python3-gi                # dbus-python's main loop, for D-Bus signals in tests
	python3-dbusmock          # polkitd stand-in (its polkitd template): tests of every polkit action
	python3-docutils          # renders the rst documentation in checks; rst2man makes the D-Bus man pages
	reuse                     # reuse lint: every file has its SPDX licence and copyright (tools/check.sh)
	graphviz                  # dot renders Documentation/architecture.dot to SVG at build time
	man-db                    # man -l renders the man pages in checks
	groff-base                # the formatter man-db uses
	# Debian packages (make deb) and the system VM stage (tests/system)
	dpkg-dev                  # dpkg-buildpackage
	debhelper                 # debian/rules (dh, compat 13)
	dh-dkms                   # dh_dkms: the ichip-dkms maintainer scripts
	fakeroot                  # dpkg-buildpackage when not run as root
	lintian                   # make deb fails on lintian errors
	mmdebstrap                # builds the system VM's Debian 12 root fs
	e2fsprogs                 # mke2fs -d: the VM disk image from that tree
)

# The flavours of the kernel matrix (tools/check.sh); for each, the
# headers' ABI must match the image the VM boots (tests/vm/lib.sh).
HEADERS_FLAVOURS=(cloud-amd64 6.12-cloud-amd64 6.12-rt-amd64)

die() { echo "install-deps.sh: $*" >&2; exit 1; }

# missing_packages: print the packages dpkg does not report as installed.
missing_packages() {
	local status pkg
	declare -A ok=()
	# One dpkg-query for all: unknown names only go to stderr.
	while read -r pkg status; do
		[ "$status" = installed ] && ok[$pkg]=1
	done < <(dpkg-query -W -f='${Package} ${db:Status-Status}\n' "${PACKAGES[@]}" 2>/dev/null || true)
	for pkg in "${PACKAGES[@]}"; do
		[ -n "${ok[$pkg]:-}" ] || echo "$pkg"
	done
}

# stale_headers: print the headers meta package of every flavour whose
# kernel (per the apt lists) has no headers here yet; fails when there
# are no apt lists to ask.
stale_headers() {
	local lib kver fl
	lib=$(dirname "${BASH_SOURCE[0]}")/../tests/vm/lib.sh
	[ -r "$lib" ] || return 0
	for fl in "${HEADERS_FLAVOURS[@]}"; do
		kver=$(
			# shellcheck source-path=SCRIPTDIR source=../tests/vm/lib.sh
			. "$lib"
			VM_KERNEL_FLAVOUR=$fl vm_kver 2>/dev/null
		) || return 1	# no apt lists yet: the install path updates and asks again
		[ -d "/usr/src/linux-headers-$kver" ] || echo "linux-headers-$fl"
	done
}

# as_root CMD...: run CMD as root, through sudo when needed.
as_root() {
	if [ "$(id -u)" -eq 0 ]; then
		"$@"
	elif command -v sudo >/dev/null; then
		sudo "$@"
	else
		die "not root and no sudo: run as root: $*"
	fi
}

main() {
	local check=0 todo
	case ${1:-} in
	--check) check=1 ;;
	'') ;;
	*) sed -n '4,16p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
	esac

	mapfile -t todo < <(missing_packages)
	if [ ${#todo[@]} -eq 0 ]; then
		mapfile -t todo < <(stale_headers || true)
	fi
	[ ${#todo[@]} -eq 0 ] && return 0
	if [ "$check" = 1 ]; then
		echo "missing: ${todo[*]}"
		exit 1
	fi

	echo "install-deps.sh: installing ${todo[*]}"
	export DEBIAN_FRONTEND=noninteractive
	as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		--no-install-recommends "${todo[@]}" >/dev/null
	# After the update the lists may name a newer kernel ABI than the one
	# just checked: install its headers too.
	mapfile -t todo < <(stale_headers || true)
	if [ ${#todo[@]} -gt 0 ]; then
		as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			--no-install-recommends "${todo[@]}" >/dev/null
	fi
	mapfile -t todo < <(missing_packages; stale_headers || true)
	[ ${#todo[@]} -eq 0 ] || die "still missing after apt-get: ${todo[*]}"
}

main "$@"
