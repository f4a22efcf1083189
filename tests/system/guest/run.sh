#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# SPDX-FileCopyrightText: 2026 The ichip authors
# run.sh - the system checks, run by ichip-system-test.service as root in
# the VM after each boot.  root only plays the administrator and the
# hardware: every D-Bus call that is checked is made by alice, bob or
# carol from their own logind session (user-server).  TAP lines go to the
# console and to /var/lib/ichip-system/tap (read back by the host from
# the disk image).  Phase 1 (first boot) ends with a reboot, phase 2 with
# the purge and a power-off.
#
# Host requests (the host watches the console): "ICHIP-HOST plug" adds a
# pci-serial whose host side is a second ichip-sim, "ICHIP-HOST unplug"
# removes it.  Ports of the host's test servers come on the kernel
# command line: ichip.http= (HTTPS, TLS 1.3 only) and ichip.echo= (TLS echo).
set -u
L=/usr/local/lib/ichip-system
E=/etc/ichip-system
S=/var/lib/ichip-system
R=/run/ichip-system
mkdir -p $S $R
TAP=$S/tap
phase=$(cat $S/phase 2>/dev/null || echo 1)
n=$(cat $S/n 2>/dev/null || echo 0)
failed=$(cat $S/failed 2>/dev/null || echo 0)
kernel=$(uname -r)
arg() { sed -n "s/.*ichip\.$1=\([^ ]*\).*/\1/p" /proc/cmdline; }
HTTP=$(arg http) ECHO=$(arg echo)

say() { echo "$*"; echo "$*" >> $TAP; }
save() { echo "$n" > $S/n; echo "$failed" > $S/failed; sync; }

# result OK DESC OUTFILE
result() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		say "ok $n - $2"
	else
		say "not ok $n - $2"
		failed=$((failed + 1))
		[ -s "$3" ] && sed 's/^/#   /' "$3" | tail -n 25 | tee -a $TAP
		# ichipd's last words, in the TAP too: check.sh repeats a
		# failure's comment lines at the end of the log
		journalctl -b -u ichipd.service -n 12 -o short-monotonic --no-pager |
			sed 's/^/# ichipd: /' | tee -a $TAP
	fi
	save
	[ "$1" = 0 ]
}

# check DESC CMD...: as root (the administrator's view)
check() {
	local desc=$1 out=$R/check.out
	shift
	"$@" > $out 2>&1
	result $? "$desc" $out
}

# as USER 'shell command' [TIMEOUT]: run in USER's login session; prints
# the output, returns the command's status (124 on timeout).
as() {
	local u=$1 cmd=$2 t=$((${3:-60} * 5)) d=$R/$1 req rc
	# a unique name: "as" also runs inside $(...), where a counter
	# would not advance and a later request would read a stale answer
	req=$(date +%s%N)
	echo "# [$(date +%T)] $u: ${cmd:0:100}" | tr '\n\t' '  ' > /dev/ttyS0
	echo > /dev/ttyS0
	echo "$cmd" > $d/.req && mv $d/.req $d/req.$req
	while [ ! -e $d/rc.$req ] && [ $t -gt 0 ]; do sleep 0.2; t=$((t - 1)); done
	cat $d/out.$req 2>/dev/null
	[ -e $d/rc.$req ] || { echo "(timed out)"; return 124; }
	rc=$(cat $d/rc.$req)
	rm -f $d/out.$req $d/rc.$req
	return "$rc"
}

# check_as USER DESC 'shell command' [TIMEOUT]
check_as() {
	local out=$R/check.out
	as "$1" "$3" "${4:-60}" > $out 2>&1
	result $? "$2 [$1]" $out
}

wait_for() {	# wait_for SECONDS CMD...: CMD is bounded by the deadline too
	local end=$((SECONDS + $1))
	shift
	while [ $SECONDS -lt $end ]; do
		if [ "$(type -t "$1")" = function ]; then
			"$@" > /dev/null 2>&1 && return 0
		else
			timeout $((end - SECONDS + 1)) "$@" > /dev/null 2>&1 && return 0
		fi
		sleep 0.2
	done
	return 1
}

# A test user's session: the VT getty logs them in, user-server answers.
# Logins are started early (login_user) and waited for when needed
# (start_user): under TCG a login takes ~10 s.
login_user() {	# login_user USER TTY
	echo "# [$(date +%T)] logging $1 in on $2"
	install -d -o "$1" -m 0700 $R/$1
	systemctl start --no-block "getty@$2.service"
}
start_user() {	# start_user USER TTY
	[ -d $R/$1 ] || login_user "$1" "$2"
	wait_for 60 test -e $R/$1/ready
}

host() { echo "ICHIP-HOST $*"; sleep 1; }

ichipd_pid() { systemctl show -p MainPID --value ichipd.service; }
dev_path() {	# dev_path NAME: the object path of the device named NAME
	as alice "ichipctl -J device list" | python3 -c '
import json, sys
for d in json.load(sys.stdin):
    if d.get("Name") == sys.argv[1] or d.get("name") == sys.argv[1]:
        print(d.get("path") or d.get("Path"))' "$1"
}

capeff_is_net_admin_only() {
	local pid
	pid=$(ichipd_pid)
	[ "$pid" -gt 0 ] || { echo "ichipd not running"; return 1; }
	grep -E '^(Uid|Gid|CapEff|CapPrm|CapBnd):' /proc/$pid/status
	grep -Eq "^Uid:[[:space:]]+$(id -u ichip)[[:space:]]" /proc/$pid/status &&
		grep -q '^CapEff:[[:space:]]*0000000000001000$' /proc/$pid/status
}

# no_unexpected_warnings: ichipd's warnings this boot, less the ones the
# checks cause on purpose (the unplugged module); prints what is left.
no_unexpected_warnings() {
	journalctl -b -u ichipd.service -p warning -o json --no-pager | python3 -c '
import json, sys
left = []
for line in sys.stdin:
    e = json.loads(line)
    if e.get("DEVICE") in ("hotplug0", "/dev/" + sys.argv[1]):
        continue        # unplugged on purpose
    left.append("%s: %s" % (e.get("DEVICE", "-"), e.get("MESSAGE")))
print("\n".join(left))
sys.exit(1 if left else 0)' "$(cat $S/hotplug_tty 2>/dev/null)"
}

hotplug_tty() {	# hotplug_tty: the tty udev named hotplug0, if any
	local t
	for t in /sys/class/tty/ttyS*; do
		udevadm info -q property -p "$t" 2>/dev/null |
			grep -q '^ICHIP_NAME=hotplug0$' && { echo "${t##*/}"; return 0; }
	done
	return 1
}

phase1() {
	say "# phase 1 on $kernel"
	login_user alice tty1
	login_user bob tty2
	login_user carol tty3
	start_user alice tty1
	check "n_ichip is loaded at boot (modules-load.d, built by DKMS for $kernel)" \
		sh -c "grep -q '^n_ichip ' /proc/modules && dkms status -k $kernel n_ichip | grep installed"
	check "alice is in an active local logind session on seat0" sh -c "
		s=\$(loginctl show-user alice -p Sessions --value | cut -d' ' -f1)
		loginctl show-session \$s -p Active -p Remote -p Seat -p Type
		loginctl show-session \$s -p Active --value | grep -qx yes &&
		loginctl show-session \$s -p Seat --value | grep -qx seat0 &&
		loginctl show-session \$s -p Remote --value | grep -qx no"
	check "no module marked at boot: ichipd is not running" \
		sh -c "! systemctl is-active ichipd.service && ! pgrep -x ichipd"

	check_as alice "ichipctl device list (D-Bus activation, no device yet)" \
		"ichipctl device list"
	check "the first call started ichipd.service by D-Bus activation" \
		sh -c "systemctl is-active ichipd.service && journalctl -b -u dbus -o cat | grep 'Activating via systemd: service name=.org.ichip.'"
	check "ichipd runs as user ichip with CapEff = CAP_NET_ADMIN only" capeff_is_net_admin_only

	# The administrator marks the UART the module sits on (admin guide).
	systemctl stop ichipd.service
	cat > /etc/udev/rules.d/59-ichip-local.rules <<-'RULES'
	SUBSYSTEM=="tty", KERNEL=="ttyS1", ENV{ICHIP_DEVICE}="1", ENV{ICHIP_NAME}="uart0"
	SUBSYSTEM=="tty", SUBSYSTEMS=="pci", ATTRS{vendor}=="0x1b36", ATTRS{device}=="0x0002", ENV{ICHIP_DEVICE}="1", ENV{ICHIP_NAME}="hotplug0"
	RULES
	udevadm control --reload
	udevadm trigger --action=add /sys/class/tty/ttyS1
	udevadm settle
	check "udev marks ttyS1 (ICHIP_DEVICE=1, SYSTEMD_WANTS=ichipd.service)" \
		sh -c "udevadm info -q property -n /dev/ttyS1 | grep -E '^(ICHIP|SYSTEMD_WANTS)' && udevadm info -q property -n /dev/ttyS1 | grep -qx 'SYSTEMD_WANTS=ichipd.service'"
	check "udev started ichipd for the marked port (SYSTEMD_WANTS)" \
		wait_for 30 systemctl is-active ichipd.service
	check "ichipd (udev-started) runs as ichip with CapEff = CAP_NET_ADMIN only" capeff_is_net_admin_only
	check_as alice "the UART module is listed, on the kernel transport" \
		"for i in \$(seq 60); do ichipctl device show uart0 2>&1 | grep -q 'ICHIP-SIM' && break; sleep 0.5; done
		 ichipctl device show uart0; ichipctl device show uart0 | grep -Eq 'Transport[^a-z]*kernel'"
	check "n_ichip's line discipline is registered" grep n_ichip /proc/tty/ldiscs
	U=$(dev_path uart0)
	check "systemctl status shows ichipd's STATUS= text" \
		sh -c "systemctl status ichipd.service --no-pager | grep -E '^ +Status: \"..*\"'"

	# Authorization, as the shipped polkit defaults have it.
	# A refusal counts only as polkit's (org.ichip.Error.PermissionDenied
	# from ichipd, ichipctl's exit 4), never as the bus policy's AccessDenied.
	check_as alice "alice may not SetCA without authentication (PermissionDenied)" \
		"ichipctl -d uart0 ca set $E/ca.pem > ~/o 2>&1; rc=\$?; cat ~/o; test \$rc -eq 4 && grep -q PermissionDenied ~/o"
	start_user carol tty3
	check_as carol "carol (sudo), 30 s at the polkit agent's password prompt, may SetCA" \
		"$L/agent.py --think 30 carol-secret ichipctl -d uart0 ca set $E/ca.pem" 180 ||
		{ loginctl list-sessions; journalctl -b -u polkit.service -o cat | tail -n 20; } | sed 's/^/#   /'
	check_as alice "ca show: the CA carol set, fingerprint and location module" \
		"ichipctl -d uart0 ca show; ichipctl -d uart0 ca show | grep -qi \$(cat $E/ca.sha256) && ichipctl -d uart0 ca show | grep -q module"
	check_as alice "GetCA returns the certificate carol set" \
		"busctl call org.ichip $(dev_path uart0) org.ichip.Device1 GetCA > ~/o; rc=\$?; head -c 300 ~/o; echo; echo \"expect: ay \$(wc -c < $E/ca.pem)\"; test \$rc -eq 0 && grep -q \"^ay \$(wc -c < $E/ca.pem) \" ~/o"
	check_as alice "GetManagedObjects lists Device1 uart0" \
		"busctl call org.ichip / org.freedesktop.DBus.ObjectManager GetManagedObjects | grep -q uart0"
	check_as alice "OpenSession + HTTPS GET over TLS 1.3 from the host, verified against the device's CA" \
		"printf 'GET / HTTP/1.0\r\n\r\n' | timeout 60 ichipctl -d uart0 connect localhost:$HTTP > /tmp/page; echo \"ichipctl exit \$?, \$(wc -c < /tmp/page) bytes\"; head -c 2000 /tmp/page; grep -q 'HTTP/1.0 200' /tmp/page && grep -q 'TLS1.3' /tmp/page" 90
	check_as alice "alice may not ClearCA without authentication (PermissionDenied)" \
		"ichipctl -d uart0 ca clear > ~/o 2>&1; rc=\$?; cat ~/o; test \$rc -eq 4 && grep -q PermissionDenied ~/o"
	# Command: off in the shipped unit (NotSupported, documented); with
	# --debug-commands (an admin's drop-in) polkit's raw-command decides.
	check_as alice "alice's raw Command is refused: NotSupported without --debug-commands" \
		"busctl call org.ichip $(dev_path uart0) org.ichip.Device1 Command s 'AT+iRP0' > ~/o 2>&1; rc=\$?; cat ~/o; test \$rc -ne 0 && grep -q 'without --debug-commands' ~/o"
	mkdir -p /etc/systemd/system/ichipd.service.d
	printf '[Service]\nExecStart=\nExecStart=/usr/sbin/ichipd --config=/etc/ichip/ichipd.conf --debug-commands\n' \
		> /etc/systemd/system/ichipd.service.d/debug.conf
	systemctl daemon-reload
	systemctl restart ichipd.service
	wait_for 60 sh -c "busctl get-property org.ichip $U org.ichip.Device1 FirmwareVersion | grep -q ICHIP"
	check_as alice "with --debug-commands, alice's raw Command is refused by polkit (PermissionDenied)" \
		"busctl call org.ichip $(dev_path uart0) org.ichip.Device1 Command s 'AT+iRP0' > ~/o 2>&1; rc=\$?; cat ~/o; test \$rc -ne 0 && grep -q 'not authorized for raw commands' ~/o"
	rm -rf /etc/systemd/system/ichipd.service.d
	systemctl daemon-reload
	systemctl restart ichipd.service
	wait_for 60 sh -c "busctl get-property org.ichip $U org.ichip.Device1 FirmwareVersion | grep -q ICHIP"
	check_as alice "alice may not run ichipctl monitor (needs CAP_NET_ADMIN, exit 4)" \
		"timeout 10 ichipctl monitor uart0; test \$? -eq 4"

	# A second user and alice's session.
	start_user bob tty2
	as alice "rm -f /tmp/s.in; mkfifo /tmp/s.in; (sleep 600 > /tmp/s.in &) ; nohup sh -c 'timeout 300 ichipctl -d uart0 connect localhost:$ECHO < /tmp/s.in > /tmp/s.out 2>&1' > /dev/null 2>&1 &" > /dev/null
	wait_for 60 sh -c "busctl call org.ichip / org.freedesktop.DBus.ObjectManager GetManagedObjects | grep -q '/org/ichip/dev[0-9]*/session[0-9]'"
	sess=$(busctl call org.ichip / org.freedesktop.DBus.ObjectManager GetManagedObjects | grep -o '/org/ichip/dev[0-9]*/session[0-9]*' | head -n 1)
	check_as bob "bob may not Close alice's session ($sess)" \
		"busctl call org.ichip '$sess' org.ichip.Session1 Close > ~/o 2>&1; rc=\$?; cat ~/o; test \$rc -ne 0 && grep -q \"only the session's owner\" ~/o"
	check_as bob "bob cannot read alice's session: no fd from ichipd, none in /proc" \
		"p=\$(pgrep -u alice -x ichipctl); test -n \"\$p\"; ! ls /proc/\$p/fd/ 2>/dev/null"
	check "alice's session is still open after bob's attempts" \
		sh -c "busctl get-property org.ichip '$sess' org.ichip.Session1 State | grep -q open"
	as alice "pkill -u alice -x sleep; sleep 1" > /dev/null

	# Hot-plug: a pci-serial with a second simulated module behind it.
	as alice "nohup python3 $L/watch.py > /tmp/events 2>&1 &
		for i in \$(seq 50); do grep -q watching /tmp/events && exit 0; sleep 0.2; done; exit 1" > /dev/null
	host plug
	wait_for 60 hotplug_tty && hotplug_tty > $S/hotplug_tty
	check "the hot-plugged pci-serial appears as a marked tty" \
		wait_for 60 hotplug_tty
	check_as alice "InterfacesAdded for the new Device1 hotplug0" \
		"for i in \$(seq 150); do grep -q 'added.*org.ichip.Device1' /tmp/events && ichipctl device show hotplug0 >/dev/null 2>&1 && break; sleep 0.2; done; cat /tmp/events; grep -q 'added.*org.ichip.Device1' /tmp/events"
	check_as alice "hotplug0 is on the kernel transport" \
		"for i in \$(seq 60); do ichipctl device show hotplug0 | grep -q ICHIP-SIM && break; sleep 0.5; done; ichipctl device show hotplug0 | grep -Eq 'Transport[^a-z]*kernel'"
	as alice "rm -f /tmp/h.in; mkfifo /tmp/h.in; (sleep 600 > /tmp/h.in &); nohup sh -c 'timeout 300 ichipctl -d hotplug0 connect localhost:$ECHO --plain < /tmp/h.in > /tmp/h.out 2>&1; echo rc=\$? >> /tmp/h.out' > /dev/null 2>&1 &" > /dev/null
	hp=$(dev_path hotplug0)
	wait_for 60 sh -c "busctl get-property org.ichip $hp org.ichip.Device1 Sessions | grep -q session" ||
		echo "# no session on hotplug0 (ichipd: $(systemctl show -p SubState --value ichipd))"
	host unplug
	check_as alice "unplugged mid-session: Closed with reason device-lost, then InterfacesRemoved" \
		"for i in \$(seq 150); do grep -q '^removed $hp ' /tmp/events && break; sleep 0.2; done; cat /tmp/events /tmp/h.out; grep -q '^closed $hp/session[0-9]* device-lost' /tmp/events && grep -q '^removed $hp .*org.ichip.Device1' /tmp/events"
	as alice "pkill -u alice -x sleep; pkill -u alice -f watch.py" > /dev/null

	# The journal: structured DEVICE= fields, no unexpected warnings.
	check "the journal holds DEVICE= fields from ichipd" \
		sh -c "journalctl -b -u ichipd.service -o export | grep -a '^DEVICE=' | sort -u"
	check "ichipd logged no unexpected warnings this boot" no_unexpected_warnings

	# Persistence across a restart.
	sha256sum /var/lib/ichip/*.ca.pem > $S/persisted.sha 2>&1
	as alice "ichipctl -d uart0 ca show" | grep -i fingerprint > $S/ca.fp
	systemctl restart ichipd.service
	check_as alice "CA intact after systemctl restart ichipd (module and persisted copy)" \
		"for i in \$(seq 60); do ichipctl -d uart0 ca show 2>/dev/null | grep -qi \$(cat $E/ca.sha256) && break; sleep 0.5; done; ichipctl -d uart0 ca show | grep -qi \$(cat $E/ca.sha256) && ichipctl -d uart0 ca show | grep -q module" 60
	check "the persisted copy is unchanged by the restart" \
		sh -c "sha256sum -c $S/persisted.sha"
	echo 2 > $S/phase
	save
	say "# rebooting"
	systemctl reboot
}

phase2() {
	say "# phase 2 on $kernel (after a reboot)"
	start_user alice tty1
	check "the marked UART started ichipd at boot (udev, SYSTEMD_WANTS)" \
		wait_for 60 systemctl is-active ichipd.service
	check_as alice "CA intact after the VM reboot (module and persisted copy)" \
		"for i in \$(seq 60); do ichipctl -d uart0 ca show 2>/dev/null | grep -qi \$(cat $E/ca.sha256) && break; sleep 0.5; done; ichipctl -d uart0 ca show; ichipctl -d uart0 ca show | grep -qi \$(cat $E/ca.sha256) && ichipctl -d uart0 ca show | grep -q module" 60
	check "the persisted copy is unchanged by the reboot" \
		sh -c "sha256sum -c $S/persisted.sha"

	# apt purge: no file, no process, no state left.
	dpkg -L ichip ichip-dkms | sort -u > $S/files
	check "apt purge ichip ichip-dkms succeeds" \
		env DEBIAN_FRONTEND=noninteractive apt-get purge -y ichip ichip-dkms
	check "after the purge: no ichipd process" sh -c "! pgrep -a ichipd"
	check "after the purge: none of the packages' files, no state, no module" sh -c "
		left=0
		while read -r f; do
			[ -d \"\$f\" ] && continue	# directories are shared (/lib, /usr/share/doc)
			[ -e \"\$f\" ] || [ -L \"\$f\" ] && { echo \"left: \$f\"; left=1; }
		done < $S/files
		for p in /etc/ichip /var/lib/ichip /usr/src/n_ichip-* /var/lib/dkms/n_ichip /usr/share/doc/ichip /usr/share/doc/ichip-dkms; do
			[ -e \"\$p\" ] && { echo \"left: \$p\"; left=1; }
		done
		find /lib/modules -name 'n_ichip.ko*' | grep . && left=1
		dpkg -l ichip ichip-dkms 2>/dev/null | grep -E '^(ii|rc)' && left=1
		exit \$left"
}

case $phase in
1) phase1 ;;
2) phase2
   say "1..$n"
   say "# $kernel: $n checks, $failed failed"
   echo finished > $S/phase
   sync
   systemctl poweroff ;;
*) say "# nothing to do in phase $phase"; systemctl poweroff ;;
esac
