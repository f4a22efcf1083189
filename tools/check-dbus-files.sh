#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# SPDX-FileCopyrightText: 2026 The ichip authors
# check-dbus-files.sh - check the D-Bus and polkit files against each other.
#
#   tools/check-dbus-files.sh
#
# XML: every dbus/*.xml, *.conf and *.policy is well-formed (xmllint
# --noout --nonet), and valid against its DTD when the DTD is installed
# (no network: the DTDs' URLs are never fetched).  Names: every method,
# signal and property of dbus/org.ichip.*.xml has its heading, with the
# BlueZ-style signature, in Documentation/dbus/<interface>.rst; every
# method is allowed by dbus/org.ichip.conf; the names in
# daemon/lib/ichip-dbus.h are those of errors.rst, the polkit policy and
# the XML, and no other daemon or CLI source spells one; every
# org.ichip.Error or polkit action the pages name exists.  The rst pages
# are rendered when docutils is there, and dbus/test-bus.conf is started
# once with dbus-daemon.  One line per check; exit 1 if any failed.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
failed=0

report() {	# report OK|FAIL WHAT
	echo "$1: $2"
	[ "$1" = OK ] || failed=1
}

# first_file PATH...: the first existing path, or nothing
first_file() {
	local f
	for f in "$@"; do [ -r "$f" ] && { echo "$f"; return; }; done
}

introspect_dtd=$(first_file /usr/share/xml/dbus-1/introspect.dtd \
	/usr/share/dbus-1/introspect.dtd)
busconfig_dtd=$(first_file /usr/share/xml/dbus-1/busconfig.dtd \
	/usr/share/dbus-1/busconfig.dtd)
polkit_dtd=$(first_file /usr/share/polkit-1/policyconfig-1.dtd)

# xml_check FILE DTD: validate, or only parse when DTD is empty
xml_check() {
	local args=(--noout --nonet) what="well-formed (no DTD installed)"
	[ -n "$2" ] && args+=(--dtdvalid "$2") what="valid ($(basename "$2"))"
	if xmllint "${args[@]}" "$1" 2>&1; then
		report OK "$1 $what"
	else
		report FAIL "$1 not $what"
	fi
}

command -v xmllint >/dev/null || { echo "FAIL: xmllint missing (libxml2-utils)"; exit 1; }
for f in dbus/*.xml; do xml_check "$f" "$introspect_dtd"; done
for f in dbus/*.conf; do xml_check "$f" "$busconfig_dtd"; done
for f in dbus/*.policy; do xml_check "$f" "$polkit_dtd"; done

/usr/bin/python3 - <<'EOF' || failed=1
import glob, re, sys
import xml.etree.ElementTree as ET

failed = False

def report(ok, what):
    global failed
    print(("OK: " if ok else "FAIL: ") + what)
    failed |= not ok

# D-Bus signature -> the type words of the rst headings (BlueZ style)
WORDS = {"s": "string", "o": "object", "b": "boolean", "y": "byte",
         "q": "uint16", "u": "uint32", "t": "uint64", "n": "int16",
         "i": "int32", "x": "int64", "d": "double", "h": "fd",
         "a{sv}": "dict", "a{st}": "dict{string, uint64}"}

def word(sig):
    if sig in WORDS:
        return WORDS[sig]
    if sig.startswith("a"):
        return "array{%s}" % word(sig[1:])
    raise ValueError("no rst word for signature " + sig)

def headings(iface):
    """(kind, name, heading line) for every member of an interface."""
    for m in iface.findall("method"):
        ins = [a for a in m.findall("arg") if a.get("direction", "in") == "in"]
        outs = [a for a in m.findall("arg") if a.get("direction") == "out"]
        ret = ", ".join(word(a.get("type")) for a in outs) or "void"
        args = ", ".join("%s %s" % (word(a.get("type")), a.get("name"))
                         for a in ins)
        yield "method", m.get("name"), "%s %s(%s)" % (ret, m.get("name"), args)
    for s in iface.findall("signal"):
        args = ", ".join("%s %s" % (word(a.get("type")), a.get("name"))
                         for a in s.findall("arg"))
        yield "signal", s.get("name"), "void %s(%s)" % (s.get("name"), args)
    for p in iface.findall("property"):
        acc = "readonly" if p.get("access") == "read" else "readwrite"
        yield "property", p.get("name"), "%s %s [%s]" % (
            word(p.get("type")), p.get("name"), acc)

conf = ET.parse("dbus/org.ichip.conf").getroot()
allowed = {(r.get("send_interface"), r.get("send_member"))
           for r in conf.iter("allow")}

for xml in sorted(glob.glob("dbus/org.ichip.*.xml")):
    for iface in ET.parse(xml).getroot().findall("interface"):
        name = iface.get("name")
        rst = "Documentation/dbus/%s.rst" % name
        try:
            lines = {l.rstrip() for l in open(rst)}
        except OSError:
            report(False, "%s missing (for %s)" % (rst, xml))
            continue
        for kind, member, head in headings(iface):
            report(head in lines, "%s: %s %s documented as '%s'"
                   % (rst, kind, member, head))
            if kind == "method":
                report((name, member) in allowed,
                       "dbus/org.ichip.conf allows %s.%s" % (name, member))

# One source for the names C code spells: daemon/lib/ichip-dbus.h.  Its
# errors, polkit actions, interfaces and bus name are exactly those of
# the error page, the policy and the interface files, and no other C
# file of the daemon or the CLI spells an org.ichip name in a string.
hdr = open("daemon/lib/ichip-dbus.h").read()
def hdr_names(pattern):
    return set(re.findall(pattern, hdr, re.M))
errors_rst = open("Documentation/dbus/errors.rst").read()
h_err = hdr_names(r'^#define ERR_\w+\s+ICHIP_ERROR\("(\w+)"\)')
rst_err = set(re.findall(r"^:org\.ichip\.Error\.(\w+):", errors_rst, re.M))
report(len(h_err) >= 10, "ichip-dbus.h names %d errors" % len(h_err))
for n in sorted(h_err | rst_err):
    report(n in h_err and n in rst_err,
           "org.ichip.Error.%s in both ichip-dbus.h and errors.rst" % n)
policy_ids = {a.get("id") for a in
              ET.parse("dbus/org.ichip.policy").getroot().findall("action")}
h_act = hdr_names(r'^#define ICHIP_ACTION_\w+\s+"([\w.-]+)"')
for a in sorted(h_act | policy_ids):
    report(a in h_act and a in policy_ids,
           "polkit action %s in both ichip-dbus.h and org.ichip.policy" % a)
xml_ifaces = {i.get("name") for x in glob.glob("dbus/org.ichip.*.xml")
              for i in ET.parse(x).getroot().findall("interface")}
h_if = hdr_names(r'^#define ICHIP_\w+_IFACE\s+"([\w.]+)"')
for n in sorted(h_if | xml_ifaces):
    report(n in h_if and n in xml_ifaces,
           "interface %s in both ichip-dbus.h and dbus/*.xml" % n)
bus = hdr_names(r'^#define ICHIP_BUS_NAME\s+"([\w.]+)"')
report(bus == {"org.ichip"} and
       "Name=org.ichip\n" in open("dbus/org.ichip.service").read() and
       'own="org.ichip"' in open("dbus/org.ichip.conf").read(),
       "bus name org.ichip in ichip-dbus.h, the service file and the policy")
spelled = []
for src in sorted(glob.glob("daemon/*/*.[ch]") + glob.glob("tools/bench/*.c")):
    if src.endswith("/ichip-dbus.h"):
        continue
    for no, line in enumerate(open(src), 1):
        if re.search(r'"/?org[./]ichip', line):
            spelled.append("%s:%d" % (src, no))
report(not spelled, "no D-Bus name spelled outside ichip-dbus.h%s"
       % (": " + " ".join(spelled) if spelled else ""))
# member names come from the XML through tools/gen-dbus-members.py: a
# string literal that is a member name is a second spelling of it
members = {m.get("name") for x in glob.glob("dbus/org.ichip.*.xml")
           for i in ET.parse(x).getroot().findall("interface")
           for k in ("method", "property", "signal") for m in i.findall(k)}
literal = []
for src in sorted(glob.glob("daemon/*/*.[ch]") + glob.glob("tools/bench/*.c")):
    for no, line in enumerate(open(src), 1):
        if line.lstrip().startswith(("*", "/*", "//")):
            continue
        if any(w in members for w in re.findall(r'"(\w+)"', line)):
            literal.append("%s:%d" % (src, no))
report(not literal, "no D-Bus member name spelled as a literal%s"
       % (": " + " ".join(literal) if literal else ""))

known = set(re.findall(r"org\.ichip\.Error\.([A-Za-z]+)", errors_rst))
policy = ET.parse("dbus/org.ichip.policy").getroot()
actions = {a.get("id") for a in policy.findall("action")}
for rst in sorted(glob.glob("Documentation/dbus/org.ichip.*.rst")):
    text = open(rst).read()
    for n in sorted(set(re.findall(r"org\.ichip\.Error\.([A-Za-z]+)", text))):
        report(n in known, "%s: org.ichip.Error.%s is in errors.rst" % (rst, n))
    for a in sorted(set(re.findall(r"org\.ichip\.[a-z]+(?:-[a-z]+)+", text))):
        report(a in actions, "%s: polkit action %s is in org.ichip.policy"
               % (rst, a))
sys.exit(1 if failed else 0)
EOF

# render the rst pages when some python3 on PATH has docutils
if python3 -c 'import docutils' 2>/dev/null; then
	for f in Documentation/dbus/*.rst Documentation/*.rst; do
		if out=$(python3 -c 'import sys; from docutils.core import publish_cmdline; publish_cmdline(writer_name="null")' \
				--halt=warning --report=warning "$f" 2>&1); then
			report OK "$f renders"
		else
			echo "$out" | head -n 5
			report FAIL "$f does not render"
		fi
	done
else
	echo "SKIP: rst rendering (no docutils; apt-get install python3-docutils)"
fi

# the integration tests' bus starts and answers on the address given
if command -v dbus-daemon >/dev/null && command -v dbus-send >/dev/null; then
	dir=$(mktemp -d)
	dbus-daemon --config-file=dbus/test-bus.conf \
		--address="unix:path=$dir/bus" --nofork --print-address \
		>"$dir/address" 2>"$dir/log" &
	pid=$!
	for _ in $(seq 50); do [ -s "$dir/address" ] && break; sleep 0.1; done
	if dbus-send --bus="unix:path=$dir/bus" --print-reply \
			--dest=org.freedesktop.DBus / org.freedesktop.DBus.GetId \
			>/dev/null 2>&1; then
		report OK "dbus/test-bus.conf: dbus-daemon answers on $dir/bus"
	else
		cat "$dir/log"
		report FAIL "dbus/test-bus.conf: no bus on $dir/bus"
	fi
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	rm -rf "$dir"
else
	echo "SKIP: test bus (no dbus-daemon or dbus-send)"
fi

[ "$failed" -eq 0 ]
