#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
# SPDX-FileCopyrightText: 2026 The ichip authors
"""ichip-fetch: fetch a page over TLS through an iChip module, via ichipd.

  ichip-fetch.py [--device PATH] [--path /] HOST:PORT

ichipd runs TLS 1.2/1.3 on the host ("host-tls") over a plain socket of
the module and hands us one end of a socketpair carrying plaintext, so
this is an ordinary socket program.  The device's CA (SetCA) must be the
one that signed the server's certificate.  Needs python3-dbus only: the
call is blocking, no main loop.
"""

import argparse
import socket
import sys

import dbus


def open_session(bus, device, host, port):
    """OpenSession on `device` (default: the first one ichipd manages)."""
    if not device:
        manager = bus.get_object('org.ichip', '/org/ichip')
        devices = manager.GetDevices(dbus_interface='org.ichip.Manager1')
        if not devices:
            sys.exit('ichip-fetch: ichipd manages no device')
        device = devices[0]
    dev = bus.get_object('org.ichip', device)
    path, fd = dev.OpenSession(host, dbus.UInt16(port),
                               {'security': 'host-tls'},
                               dbus_interface='org.ichip.Device1',
                               signature='sqa{sv}', timeout=60)
    sock = socket.socket(fileno=fd.take())
    sock.setblocking(True)      # whatever mode the fd came in
    return sock


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('target', metavar='HOST:PORT')
    ap.add_argument('--device', help='Device1 object path')
    ap.add_argument('--path', default='/')
    args = ap.parse_args()
    host, _, port = args.target.rpartition(':')
    try:
        sock = open_session(dbus.SystemBus(), args.device, host, int(port))
    except dbus.DBusException as e:
        sys.exit(f'ichip-fetch: {e.get_dbus_name()}: {e.get_dbus_message()}')
    with sock:
        sock.sendall(f'GET {args.path} HTTP/1.0\r\nHost: {host}\r\n'
                     f'Connection: close\r\n\r\n'.encode())
        while True:
            data = sock.recv(65536)
            if not data:        # the server closed: HTTP/1.0 ends here
                break
            sys.stdout.buffer.write(data)
    sys.stdout.flush()


if __name__ == '__main__':
    main()
