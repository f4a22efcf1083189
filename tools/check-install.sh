#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# SPDX-FileCopyrightText: 2026 The ichip authors
# check-install.sh - install into a scratch DESTDIR and check the result.
#
#   tools/check-install.sh [BUILD_DIR]        (default: build)
#
# Runs DESTDIR=$(mktemp -d) tools/install.sh, then checks the tree: every
# expected file present with sane modes, the unit verified by
# systemd-analyze and its exposure (systemd-analyze security --offline)
# at most 2.0, installed XML well-formed (and DTD-valid when the DTD is
# installed), each man page rendered by man without warnings, bash
# completions parsed by bash -n, dkms.conf sourced, the sample
# configuration (with every key uncommented) accepted by ichipd, ichip.pc
# and the UAPI header usable, the sysusers.d file accepted.
# Prints TAP ("ok N - ...", "not ok N - ...", "1..N"); exits 1 on any
# failure.  Note: tools/install.sh switches BUILD_DIR to --prefix=/usr.
# KEEP=1 keeps the scratch tree.
# ok/not_ok always succeed, so "test && ok ... || not_ok ..." is safe;
# sed prefixes every line of multi-line diagnostics.
# shellcheck disable=SC2015,SC2001
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2

BUILD=${1:-build}
EXPOSURE_MAX=2.0
n=0
failed=0

ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); echo "not ok $n - $*"; failed=1; }
skip() { n=$((n + 1)); echo "ok $n - # SKIP $*"; }
# check DESCRIPTION CMD...: ok when CMD succeeds; its output as diagnostics
check() {
	local what=$1 out
	shift
	if out=$("$@" 2>&1); then
		ok "$what"
	else
		not_ok "$what"
		[ -n "$out" ] && sed 's/^/# /' <<<"$out" | head -n 20
	fi
}

D=$(mktemp -d)
scratch=$(mktemp -d)
# shellcheck disable=SC2317 # called by the trap
cleanup() { [ "${KEEP:-0}" = 1 ] && echo "# kept $D" || rm -rf "$D"; rm -rf "$scratch"; }
trap cleanup EXIT

if out=$(DESTDIR=$D BUILD=$BUILD tools/install.sh 2>&1); then
	ok "tools/install.sh into $D"
else
	not_ok "tools/install.sh into $D"
	sed 's/^/# /' <<<"$out" | tail -n 20
	echo "1..$n"
	exit 1
fi

version=$(meson introspect --projectinfo "$BUILD" |
	python3 -c 'import json, sys; print(json.load(sys.stdin)["version"])')

# ---- files and modes -------------------------------------------------------
declare -A expect=(
	[usr/sbin/ichipd]=755
	[usr/libexec/ichip/ichip-tls-worker]=755
	[usr/lib/systemd/system/ichipd.service]=644
	[usr/lib/sysusers.d/ichip.conf]=644
	[usr/lib/modules-load.d/n_ichip.conf]=644
	[usr/lib/udev/rules.d/60-ichip.rules]=644
	[usr/share/dbus-1/system.d/org.ichip.conf]=644
	[usr/share/dbus-1/system-services/org.ichip.service]=644
	[usr/share/polkit-1/actions/org.ichip.policy]=644
	[usr/share/dbus-1/interfaces/org.ichip.Manager1.xml]=644
	[usr/share/dbus-1/interfaces/org.ichip.Device1.xml]=644
	[usr/share/dbus-1/interfaces/org.ichip.Session1.xml]=644
	[usr/share/man/man4/n_ichip.4]=644
	[usr/share/man/man5/ichipd.conf.5]=644
	[usr/share/man/man8/ichipd.8]=644
	[usr/share/man/man5/org.ichip.Manager1.5]=644
	[usr/share/man/man5/org.ichip.Device1.5]=644
	[usr/share/man/man5/org.ichip.Session1.5]=644
	[usr/share/man/man5/org.ichip.Error.5]=644
	[usr/include/linux/ichip.h]=644
	[usr/share/pkgconfig/ichip.pc]=644
	[etc/ichip/ichipd.conf]=644
	[usr/share/doc/ichip/examples/ichipd.conf]=644
	[usr/share/doc/ichip/admin-guide.rst]=644
	[usr/share/doc/ichip/architecture.rst]=644
	[usr/share/doc/ichip/architecture.svg]=644
	[usr/src/n_ichip-$version/dkms.conf]=644
	[usr/src/n_ichip-$version/Kbuild]=644
	[usr/src/n_ichip-$version/driver/Kbuild]=644
	[usr/src/n_ichip-$version/driver/ichip_main.c]=644
	[usr/src/n_ichip-$version/driver/ichip_frame.h]=644
	[usr/src/n_ichip-$version/include/uapi/linux/ichip.h]=644
)
# ichipctl and its man page, once ichipctl installs them
[ -e "$D/usr/bin/ichipctl" ] && expect[usr/bin/ichipctl]=755
[ -e "$D/usr/share/man/man1/ichipctl.1" ] && expect[usr/share/man/man1/ichipctl.1]=644
for f in $(printf '%s\n' "${!expect[@]}" | sort); do
	if [ ! -f "$D/$f" ]; then
		not_ok "/$f installed"
	elif [ "$(stat -c %a "$D/$f")" != "${expect[$f]}" ]; then
		not_ok "/$f mode $(stat -c %a "$D/$f"), expected ${expect[$f]}"
	else
		ok "/$f installed, mode ${expect[$f]}"
	fi
done
# every driver source file made it into the DKMS tree
missing=$(for f in driver/*.c driver/*.h; do
	case $f in *.mod.c) continue ;; esac
	[ -f "$D/usr/src/n_ichip-$version/$f" ] || echo "$f"
done)
[ -z "$missing" ] && ok "DKMS tree has every driver/*.[ch]" ||
	not_ok "DKMS tree lacks: $missing"
bad=$(find "$D" -mindepth 1 \( -perm /022 -o ! -user "$(id -u)" \) -printf '/%P %m\n')
[ -z "$bad" ] && ok "nothing group/other-writable" ||
	{ not_ok "group/other-writable files"; sed 's/^/# /' <<<"$bad"; }
stray=$(find "$D" -mindepth 1 -type f ! -path "$D/usr/*" ! -path "$D/etc/*" -printf '/%P\n')
[ -z "$stray" ] && ok "everything under /usr and /etc" ||
	{ not_ok "files outside /usr and /etc"; sed 's/^/# /' <<<"$stray"; }

# ---- systemd -------------------------------------------------------------------
unit=$D/usr/lib/systemd/system/ichipd.service
if command -v systemd-analyze >/dev/null; then
	# --root would not find dbus.socket (Type=dbus) in the scratch tree:
	# verify a copy whose ExecStart points into it, man pages from it.
	sed "s|^ExecStart=/usr/sbin/ichipd|ExecStart=$D/usr/sbin/ichipd|" \
		"$unit" >"$scratch/ichipd.service"
	check "systemd-analyze verify ichipd.service" \
		env MANPATH="$D/usr/share/man" systemd-analyze verify "$scratch/ichipd.service"
	out=$(systemd-analyze security --offline=true --root="$D" \
		--no-pager ichipd.service 2>&1)
	exposure=$(sed -n 's/.*Overall exposure level for ichipd.service: \([0-9.]*\).*/\1/p' <<<"$out")
	if [ -z "$exposure" ]; then
		not_ok "exposure of ichipd.service: not measured"
		sed 's/^/# /' <<<"$out" | tail -n 10
	elif awk -v e="$exposure" -v m="$EXPOSURE_MAX" 'BEGIN { exit !(e <= m) }'; then
		ok "exposure of ichipd.service $exposure <= $EXPOSURE_MAX"
	else
		not_ok "exposure of ichipd.service $exposure > $EXPOSURE_MAX"
		grep '✗' <<<"$out" | sed 's/^/# /'
	fi
else
	skip "systemd-analyze verify (no systemd-analyze)"
	skip "exposure (no systemd-analyze)"
fi
grep -q '^ExecStart=/usr/sbin/ichipd ' "$unit" &&
	grep -q '^BusName=org.ichip$' "$unit" &&
	grep -q '^Type=dbus$' "$unit" &&
	ok "ichipd.service: Type=dbus, BusName=org.ichip, ExecStart=/usr/sbin/ichipd" ||
	not_ok "ichipd.service: Type/BusName/ExecStart"
svc=$D/usr/share/dbus-1/system-services/org.ichip.service
user=$(sed -n 's/^User=//p' "$unit")
grep -qx 'Name=org.ichip' "$svc" && grep -qx 'SystemdService=ichipd.service' "$svc" &&
	grep -qx "User=$user" "$svc" &&
	ok "org.ichip.service activates ichipd.service as $user" ||
	not_ok "org.ichip.service: Name, SystemdService, User=$user"
grep -q "<policy user=\"$user\">" "$D/usr/share/dbus-1/system.d/org.ichip.conf" &&
	ok "org.ichip.conf lets $user own org.ichip" ||
	not_ok "org.ichip.conf: no policy for $user"
owners=$(grep -c "org.freedesktop.policykit.owner\">unix-user:$user<" \
	"$D/usr/share/polkit-1/actions/org.ichip.policy")
actions=$(grep -c '<action id=' "$D/usr/share/polkit-1/actions/org.ichip.policy")
[ "$owners" = "$actions" ] && ok "org.ichip.policy: $user owns all $actions actions" ||
	not_ok "org.ichip.policy: $user owns $owners of $actions actions"
grep -qx "u $user .*" "$D/usr/lib/sysusers.d/ichip.conf" &&
	ok "sysusers.d creates $user" || not_ok "sysusers.d does not create $user"
if command -v systemd-sysusers >/dev/null; then
	check "systemd-sysusers accepts ichip.conf" \
		systemd-sysusers --dry-run "$D/usr/lib/sysusers.d/ichip.conf"
fi
grep -qx n_ichip "$D/usr/lib/modules-load.d/n_ichip.conf" &&
	ok "modules-load.d loads n_ichip" || not_ok "modules-load.d: no n_ichip line"

# ---- udev ----------------------------------------------------------------------
rules=$D/usr/lib/udev/rules.d/60-ichip.rules
if command -v udevadm >/dev/null && udevadm verify --help >/dev/null 2>&1; then
	check "udevadm verify 60-ichip.rules" udevadm verify "$rules"
else
	skip "udevadm verify 60-ichip.rules (needs systemd >= 253)"
fi
grep -q 'ENV{ICHIP_DEVICE}!="1", GOTO="ichip_end"' "$rules" &&
	grep -q 'TAG+="systemd", ENV{SYSTEMD_WANTS}+="ichipd.service"' "$rules" &&
	grep -q '^LABEL="ichip_end"' "$rules" &&
	ok "60-ichip.rules tags ICHIP_DEVICE=1 ttys for ichipd.service" ||
	not_ok "60-ichip.rules: tagging rule or label missing"

# ---- XML -----------------------------------------------------------------------
# first_file PATH...: the first readable path, or nothing
first_file() {
	local f
	for f in "$@"; do [ -r "$f" ] && { echo "$f"; return; }; done
}
introspect_dtd=$(first_file /usr/share/xml/dbus-1/introspect.dtd /usr/share/dbus-1/introspect.dtd)
busconfig_dtd=$(first_file /usr/share/xml/dbus-1/busconfig.dtd /usr/share/dbus-1/busconfig.dtd)
polkit_dtd=$(first_file /usr/share/polkit-1/policyconfig-1.dtd)
xml() {	# xml FILE DTD
	local args=(--noout --nonet) what=well-formed
	[ -n "$2" ] && args+=(--dtdvalid "$2") what="valid ($(basename "$2"))"
	check "/${1#"$D"/} $what" xmllint "${args[@]}" "$1"
}
if command -v xmllint >/dev/null; then
	for f in "$D"/usr/share/dbus-1/interfaces/*.xml; do xml "$f" "$introspect_dtd"; done
	xml "$D/usr/share/dbus-1/system.d/org.ichip.conf" "$busconfig_dtd"
	xml "$D/usr/share/polkit-1/actions/org.ichip.policy" "$polkit_dtd"
else
	skip "XML (no xmllint: apt-get install libxml2-utils)"
fi

# ---- man pages -------------------------------------------------------------------
if command -v man >/dev/null; then
	for f in "$D"/usr/share/man/man*/*; do
		out=$(MANWIDTH=80 man --warnings -l "$f" 2>&1 >/dev/null)
		if [ -z "$out" ] && MANWIDTH=80 man -l "$f" 2>/dev/null | grep -q NAME; then
			ok "man ${f##*/} renders without warnings"
		else
			not_ok "man ${f##*/}"
			sed 's/^/# /' <<<"$out" | head -n 10
		fi
	done
else
	skip "man pages (no man: apt-get install man-db groff-base)"
fi

# ---- bash completion -------------------------------------------------------------
found=0
for f in "$D"/usr/share/bash-completion/completions/*; do
	[ -f "$f" ] || continue
	found=1
	check "bash -n ${f##*/} (completion)" bash -n "$f"
done
[ "$found" = 1 ] || skip "bash completion (none installed)"

# ---- DKMS ------------------------------------------------------------------------
dkms_conf=$D/usr/src/n_ichip-$version/dkms.conf
# shellcheck disable=SC2016 # expanded by the inner bash
check "dkms.conf sources, names n_ichip $version" bash -c '
	set -eu
	kernelver=6.1.0-0-amd64 kernel_source_dir=/lib/modules/6.1.0-0-amd64/build
	dkms_tree=/var/lib/dkms
	. "$1"
	[ "$PACKAGE_NAME" = n_ichip ] && [ "$PACKAGE_VERSION" = "$2" ]
	[ "${BUILT_MODULE_NAME[0]}" = n_ichip ]
	[ -d "$(dirname "$1")/${BUILT_MODULE_LOCATION[0]}" ]
	[ "$AUTOINSTALL" = yes ]
	case $MAKE in *"M=/var/lib/dkms/n_ichip/$2/build modules"*) ;; *) exit 1 ;; esac
	[ -f "$(dirname "$1")/Kbuild" ]
	[ -n "$CLEAN" ]' _ "$dkms_conf" "$version"

# The installed source builds as DKMS builds it: its MAKE line, from the
# top of the tree (the top-level Kbuild), W=1 -Werror, against the
# headers of the kernel the tests boot; in a copy, so that DESTDIR keeps
# only what was installed.
kdir=/usr/src/linux-headers-$(tests/vm/kver.sh 2>/dev/null)
if [ -d "$kdir" ]; then
	cp -a "$D/usr/src/n_ichip-$version" "$scratch/dkms-build"
	# shellcheck disable=SC2016 # expanded by the inner bash
	check "DKMS source builds n_ichip.ko with dkms.conf's MAKE" bash -c '
		set -eu
		kernel_source_dir=$1 dkms_tree=$2 PACKAGE_NAME=n_ichip
		. "$3/dkms.conf"
		# dkms builds in $dkms_tree/$PACKAGE_NAME/$PACKAGE_VERSION/build
		make=${MAKE[0]//$dkms_tree\/$PACKAGE_NAME\/$PACKAGE_VERSION\/build/$3}
		[ "$make" != "${MAKE[0]}" ]
		$make W=1 KCFLAGS=-Werror >/dev/null
		[ -f "$3/${BUILT_MODULE_LOCATION[0]}${BUILT_MODULE_NAME[0]}.ko" ]
		' _ "$kdir" /var/lib/dkms "$scratch/dkms-build"
else
	skip "DKMS build (no $kdir)"
fi

# ---- sample configuration ----------------------------------------------------------
ichipd=$BUILD/daemon/ichipd
conf=$D/etc/ichip/ichipd.conf
if [ -x "$ichipd" ]; then
	# ichipd loads the config before it connects to the bus: a config it
	# rejects says "not understood"; one it accepts gets as far as the bus
	# and exits 1 there.  Anything else (a crash, a signal) fails.
	try_conf() {	# try_conf FILE
		local out rc
		out=$(env DBUS_SYSTEM_BUS_ADDRESS="unix:path=$scratch/no-bus" \
			"$ichipd" --config "$1" --state-dir "$scratch/state" \
			--no-udev --transport tty 2>&1)
		rc=$?
		echo "$out"
		[ "$rc" -eq 1 ] || { echo "ichipd exited $rc"; return 1; }
		! grep -q 'not understood' <<<"$out" &&
			grep -q 'cannot connect to the system bus' <<<"$out"
	}
	check "ichipd accepts the installed ichipd.conf" try_conf "$conf"
	# every documented key, uncommented with its documented value
	sed -E 's/^#((\[[a-z]+( [a-z]+)?\])|([a-z-]+ = .*))$/\1/' "$conf" >"$scratch/all.conf"
	keys=$(grep -cE '^([a-z-]+ = |\[)' "$scratch/all.conf")
	check "ichipd accepts ichipd.conf with all $keys keys/sections uncommented" \
		try_conf "$scratch/all.conf"
	printf '[daemon]\ntransprot = tty\n' >"$scratch/typo.conf"
	if try_conf "$scratch/typo.conf" >/dev/null; then
		not_ok "ichipd rejects a typo (the check itself is broken)"
	else
		ok "ichipd rejects a typo (sanity of the two checks above)"
	fi
else
	skip "sample configuration ($ichipd not built)"
fi

# ---- UAPI header and pkg-config ------------------------------------------------------
if command -v pkg-config >/dev/null && command -v cc >/dev/null; then
	cflags=$(PKG_CONFIG_PATH=$D/usr/share/pkgconfig pkg-config --define-prefix --cflags ichip 2>&1 | sed 's/ *$//')
	check "ichip.pc: pkg-config --cflags ichip ($cflags)" \
		test "$cflags" = "-I$D/usr/include"
	# shellcheck disable=SC2086 # word splitting of cflags intended
	check "#include <linux/ichip.h> compiles with those flags" \
		cc -fsyntax-only -x c $cflags - <<<'#include <linux/ichip.h>
int main(void) { return ICHIP_FAMILY_VERSION == 1 ? 0 : 1; }'
else
	skip "pkg-config/cc missing"
fi

echo "1..$n"
exit "$failed"
