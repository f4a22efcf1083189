#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# SPDX-FileCopyrightText: 2026 The ichip authors
# run.sh - the system VM stage: ichip as a Debian system runs it.
#
#   tests/system/run.sh [--build DIR] [--kernels "6.1 6.12"]
#
# 1. the cached Debian 12 base image (image.sh; built once per recipe,
#    in /var/cache/ichip/system-vm unless ICHIP_SYSTEM_CACHE says else);
# 2. the project's .debs (tools/deb.sh, lintian clean);
# 3. a CA and a server certificate made with `ichipctl pki` on the host;
# 4. prepare.sh: the .debs installed with apt into a copy of the image
#    (DKMS builds n_ichip for both kernels there), users, checks;
# 5. per kernel (Debian's 6.1 cloud kernel, bookworm's 6.12 cloud
#    kernel): vm.py boots the disk (two boots: the checks reboot it once)
#    with ichip-sim behind a 16550 UART, and the TAP results are read
#    back from the disk image (debugfs, no mounting).
# Prints every check as "ok N - KERNEL: ..." and ends with
# "N passed, N failed".  Needs root (mmdebstrap, chroot) and KVM or not.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 2

build=build kernels="6.1 6.12"
while [ $# -gt 0 ]; do
	case $1 in
	--build) build=$2; shift ;;
	--kernels) kernels=$2; shift ;;
	*) sed -n '4,19p' "$0"; exit 2 ;;
	esac
	shift
done
build=$(cd "$build" && pwd)
w=$build/system
certs=$w/certs
mkdir -p "$w"
passed=0 failed=0

die() { echo "system/run.sh: $*" >&2; echo "$passed passed, $((failed + 1)) failed"; exit 1; }
stamp() { printf '# %-34s %4d s\n' "$1" $((SECONDS - t0)); t0=$SECONDS; }

t0=$SECONDS
start=$SECONDS
base=$(tests/system/image.sh) || die "no base image"
stamp "base image (cached: $(basename "$(dirname "$base")"))"

# ICHIP_SYSTEM_REUSE=1 (debugging only): boot the disk prepared last time.
if [ -n "${ICHIP_SYSTEM_REUSE:-}" ] && [ -s "$w/vm/disk.img" ]; then
	echo "# ICHIP_SYSTEM_REUSE: the .debs and disk of the last run"
else
DEB_BUILD_OPTIONS=nocheck tools/deb.sh --out "$w/deb" > "$w/deb.log" 2>&1 ||
	{ tail -n 30 "$w/deb.log"; die "make deb failed"; }
stamp ".debs built, lintian clean"


rm -rf "$certs" && mkdir -p "$certs"
"$build/daemon/ichipctl" pki init-ca "$certs/ca" --cn "ichip system CA" > /dev/null &&
	"$build/daemon/ichipctl" pki issue "$certs/ca" localhost --out "$certs/server" > /dev/null ||
	die "ichipctl pki failed"
cp "$certs/ca/ca.pem" "$certs/ca.pem"
certtool --certificate-info --infile "$certs/ca.pem" --outder 2> /dev/null |
	sha256sum | cut -d' ' -f1 > "$certs/ca.sha256"
mkdir -p "$certs/guest"
cp "$certs/ca.pem" "$certs/ca.sha256" "$certs/guest/"

tests/system/prepare.sh "$base" "$w/deb" "$certs/guest" "$w/vm" > "$w/prepare.log" 2>&1 ||
	{ tail -n 30 "$w/prepare.log"; die "preparing the disk failed"; }
stamp "disk prepared (apt, DKMS, mke2fs)"
fi

# boot_one K: one kernel's VM run, in the background with the others
boot_one() {
	local k=$1 vmlinuz kver initrd disk
	vmlinuz=$(ls "$w/vm/boot/vmlinuz-$k".[0-9]*cloud-amd64 2>/dev/null | tail -n 1)
	kver=${vmlinuz##*/vmlinuz-}
	initrd=$w/vm/boot/initrd.img-$kver
	if [ -z "$vmlinuz" ] || [ ! -s "$initrd" ]; then
		echo "no cloud kernel $k.* with an initrd in the image" > "$w/run-$k.out"
		return 1
	fi
	echo "$kver" > "$w/run-$k.kver"
	disk=$w/disk-$k.img
	cp --sparse=always "$w/vm/disk.img" "$disk"
	tests/system/vm.py --disk "$disk" --kernel "$vmlinuz" --initrd "$initrd" \
		--sim "$build/tests/sim/ichip-sim" \
		--echo "$build/tests/e2e/ichip-tls-echo" --certs "$certs" \
		--work "$w/run-$k" --timeout "${ICHIP_SYSTEM_TIMEOUT:-900}" \
		--smp "$smp" > "$w/run-$k.out" 2>&1
}

# One kernel after the other, 2 vCPUs each: side by side with one vCPU
# each, TCG made carol's password check take longer than ichipctl's
# D-Bus timeout, and the whole was no faster.
smp=2
for k in $kernels; do
	rm -f "$w/run-$k.out" "$w/run-$k.kver" "$w/disk-$k.img"
	echo "# booting $k"
	boot_one "$k"
done
stamp "VMs ran (${kernels// /, })"

for k in $kernels; do
	kver=$(cat "$w/run-$k.kver" 2>/dev/null || echo "$k")
	disk=$w/disk-$k.img
	grep -E '^# (vm.py|host)' "$w/run-$k.out"
	tap=$(debugfs -R 'cat /var/lib/ichip-system/tap' "$disk" 2> /dev/null)
	p=$(echo "$tap" | grep -c '^ok ')
	f=$(echo "$tap" | grep -c '^not ok ')
	plan=$(echo "$tap" | sed -n 's/^1\.\.\([0-9]*\)$/\1/p' | tail -n 1)
	echo "# $kver: the guest's TAP file"
	echo "$tap" | sed "s/^\(\(not \)\{0,1\}ok [0-9]* - \)/\1$k: /"
	if [ -z "$plan" ] || [ $((p + f)) -ne "$plan" ]; then
		echo "not ok - $k: the checks did not finish (plan '${plan:-none}', $((p + f)) results; console: $w/run-$k/console.log)"
		tail -n 15 "$w/run-$k.out" | sed 's/^/#   /'
		grep -aE 'ok |ICHIP' "$w/run-$k/console.log" 2>/dev/null | tail -n 5 | sed 's/^/#   /'
		f=$((f + 1))
	fi
	if [ "$f" -gt 0 ]; then
		# the host's side of the failure: the module's last words and
		# the test servers' (check.sh repeats "# host-diag" lines)
		for l in sim-uart0.trace sim-uart0.log https.log echo.log; do
			[ -s "$w/run-$k/$l" ] || continue
			tail -n 12 "$w/run-$k/$l" | cut -c1-160 |
				sed "s|^|# host-diag $k $l: |"
		done
	fi
	passed=$((passed + p)) failed=$((failed + f))
	rm -f "$disk"
done
echo "# system stage: $((SECONDS - start)) s"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
