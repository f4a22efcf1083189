#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
# SPDX-FileCopyrightText: 2026 The ichip authors
"""D-Bus calls made by another uid: how an ordinary user meets ichipd.

    asuser.py UID GID ADDRESS CALLS_JSON [hold]

CALLS_JSON is a list of [bus_name, path, interface, method, signature,
args]; byte-array arguments are given as {"bytes": "<hex>"}.  The process
drops to UID/GID (no supplementary groups) before connecting, then prints
one JSON list: per call {"ok": <result>} or {"error": <D-Bus error name>,
"message": ...}.  File descriptors received (OpenSession) show as "fd".
With "hold", it then keeps its bus connection and those descriptors
until stdin closes (a user holding sessions).  Run by the tests (as root)
through subprocess.
"""

import json
import os
import sys


HELD = []


def plain(v):
    """A dbus-python value as JSON-able data (bytes as hex)."""
    import dbus
    if isinstance(v, dbus.types.UnixFd):
        HELD.append(v.take())
        return 'fd'
    if isinstance(v, (bytes, dbus.ByteArray)):
        return {'bytes': bytes(v).hex()}
    if isinstance(v, (list, tuple, dbus.Array, dbus.Struct)):
        return [plain(x) for x in v]
    if isinstance(v, (dict, dbus.Dictionary)):
        return {str(k): plain(x) for k, x in v.items()}
    if isinstance(v, (bool, dbus.Boolean)):
        return bool(v)
    if isinstance(v, int):
        return int(v)
    return str(v)


def arg(v):
    import dbus
    if isinstance(v, dict) and set(v) == {'bytes'}:
        return dbus.ByteArray(bytes.fromhex(v['bytes']))
    return v


def main():
    uid, gid, address, calls = (int(sys.argv[1]), int(sys.argv[2]),
                                sys.argv[3], json.loads(sys.argv[4]))
    os.setgroups([])
    os.setgid(gid)
    os.setuid(uid)
    import dbus
    bus = dbus.bus.BusConnection(address)
    out = []
    for name, path, iface, method, sig, args in calls:
        obj = bus.get_object(name, path, introspect=False)
        try:
            res = obj.get_dbus_method(method, iface)(
                *[arg(a) for a in args], signature=sig, timeout=30,
                byte_arrays=True)
            out.append({'ok': plain(res)})
        except dbus.DBusException as e:
            out.append({'error': e.get_dbus_name(),
                        'message': e.get_dbus_message()})
    print(json.dumps(out), flush=True)
    if sys.argv[5:] == ['hold']:
        sys.stdin.read()
        bus.close()


if __name__ == '__main__':
    main()
