#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
# SPDX-FileCopyrightText: 2026 The ichip authors
"""Bad D-Bus input gets named errors and ichipd stays up.

ichipd is a system service reachable by any local user: malformed calls,
impossible arguments and floods must be answered (a named error is part
of the contract), never crash it or leak sessions.  After every case the
daemon must still answer GetDevices.
"""

import os

import dbus

import harness
from client import DEVICE, MANAGER, MANAGER_PATH, options, pump

INVALID_ARGS = ('org.freedesktop.DBus.Error.InvalidArgs',
                'org.ichip.Error.InvalidArgument')
NO_SUCH_OBJECT = ('org.freedesktop.DBus.Error.UnknownObject',
                  'org.freedesktop.DBus.Error.UnknownMethod',
                  'org.freedesktop.DBus.Error.UnknownInterface',
                  'org.ichip.Error.NotFound')
FLOOD = 1000
MODULE_SOCKETS = 10
IN_FLIGHT = 64      # below dbus-daemon's pending-reply limit per connection


class BadInputTest(harness.IchipTestCase):

    def setUp(self):
        super().setUp()
        self.start_stack()
        self.client.set_ca(self.dev, self.certs.ca.pem)
        self.echo = self.start_pyserver('echo')

    def call(self, *args, **kw):
        return self.client.call(*args, **kw)

    def refused(self, errors, fn, *args, **kw):
        self.assertDBusError(errors, fn, *args, **kw)
        self.assertIchipdAlive()

    def test_wrong_argument_types(self):
        dev = self.dev
        cases = [
            ('OpenSession', ('localhost', 'port', options()), 'ssa{sv}'),
            ('OpenSession', ('localhost', dbus.UInt16(1)), 'sq'),
            ('OpenSession', ('localhost', dbus.UInt32(443), options()),
             'sua{sv}'),
            ('OpenSession', ('localhost', dbus.UInt16(1), 'opts'), 'sqs'),
            ('SetCA', ('-----BEGIN CERTIFICATE-----', options()), 'sa{sv}'),
            ('SetCA', (dbus.ByteArray(b'x'),), 'ay'),
            ('GetCA', ('extra',), 's'),
        ]
        for method, args, sig in cases:
            with self.subTest(method=method, signature=sig):
                self.refused(INVALID_ARGS, self.call, dev, DEVICE, method,
                             *args, signature=sig)
        self.refused(INVALID_ARGS, self.call, MANAGER_PATH, MANAGER,
                     'RemoveDevice', 'not-a-path', signature='s')
        self.refused(INVALID_ARGS, self.call, MANAGER_PATH, MANAGER,
                     'AddDevice', dbus.Int32(5), options(), signature='ia{sv}')

    def test_bad_open_session_arguments(self):
        port = self.echo.port
        open_ = self.client.open_session
        cases = [
            ('empty host', '', port, {}),
            ('port 0', '127.0.0.1', 0, {}),
            ('unknown security', '127.0.0.1', port, {'security': 'quantum'}),
            ('security as u', '127.0.0.1', port,
             {'security': dbus.UInt32(1)}),
            ('timeout-ms as s', '127.0.0.1', port,
             {'security': 'plain', 'timeout_ms': 'soon'}),
            ('allow-legacy-tls as s', '127.0.0.1', port,
             {'security': 'device-tls', 'allow_legacy_tls': 'yes'}),
            ('system-trust as u', 'localhost', port,
             {'system_trust': dbus.UInt32(1)}),
        ]
        for what, host, p, opts in cases:
            with self.subTest(what):
                self.refused('org.ichip.Error.InvalidArgument', open_,
                             self.dev, host, p, **opts)
        self.assertEqual(list(self.client.prop(self.dev, DEVICE,
                                               'Sessions')), [])

    def test_unknown_objects(self):
        self.refused(NO_SUCH_OBJECT, self.call, '/org/ichip/dev99', DEVICE,
                     'GetCA', signature='')
        self.refused(NO_SUCH_OBJECT, self.client.open_session,
                     '/org/ichip/dev99', '127.0.0.1', self.echo.port)
        self.refused(NO_SUCH_OBJECT, self.call, '/org/ichip/dev0/session99',
                     'org.ichip.Session1', 'Close', signature='')
        self.refused('org.ichip.Error.NotFound', self.call, MANAGER_PATH,
                     MANAGER, 'RemoveDevice',
                     dbus.ObjectPath('/org/ichip/dev99'), signature='o')
        self.refused('org.ichip.Error.NotFound', self.call, MANAGER_PATH,
                     MANAGER, 'AddDevice', '/dev/no-such-tty', options(),
                     signature='sa{sv}')
        self.refused('org.ichip.Error.Busy', self.call, MANAGER_PATH,
                     MANAGER, 'AddDevice', self.sim.link, options(),
                     signature='sa{sv}')
        self.refused(('org.ichip.Error.InvalidArgument',), self.call,
                     MANAGER_PATH, MANAGER, 'AddDevice', self.sim.link,
                     options(baud='fast'), signature='sa{sv}')

    def test_huge_certificate(self):
        self.refused('org.ichip.Error.InvalidCertificate',
                     self.client.set_ca, self.dev, os.urandom(10 << 20))
        big_pem = self.certs.ca.pem * ((10 << 20) // len(self.certs.ca.pem))
        self.refused('org.ichip.Error.InvalidCertificate',
                     self.client.set_ca, self.dev, big_pem)
        self.assertEqual(self.client.prop(self.dev, DEVICE, 'CALocation'),
                         'module')

    def test_open_session_flood(self):
        """1000 OpenSession calls: 10 open, 990 TooManySessions, no leak."""
        results, socks = self.flood(FLOOD)
        by_name = {}
        for r in results:
            by_name[r] = by_name.get(r, 0) + 1
        harness.note(f'{FLOOD} OpenSession calls: {by_name}')
        self.assertIchipdAlive()
        ok = by_name.get('ok', 0)
        too_many = by_name.get('org.ichip.Error.TooManySessions', 0)
        # Device1.rst: up to 10 sessions (the module's sockets), then
        # TooManySessions; nobody closes one during the flood, so exactly
        self.assertEqual(ok, MODULE_SOCKETS, by_name)
        self.assertEqual(too_many, FLOOD - MODULE_SOCKETS, by_name)
        for s in socks:
            s.close()
        harness.wait_until(
            lambda: not self.client.prop(self.dev, DEVICE, 'Sessions'),
            30, 'every session to close', pump=pump)
        path, sock = self.client.open_session(self.dev, '127.0.0.1',
                                              self.echo.port,
                                              security='plain')
        sock.close()

    def flood(self, total):
        """OpenSession `total` times, IN_FLIGHT at a time, asynchronously.

        Returns (outcomes, sockets): 'ok' or the D-Bus error name for each
        call, and the sockets of the sessions that opened.
        """
        import socket
        obj = self.client.bus.get_object('org.ichip', self.dev,
                                         introspect=False)
        method = obj.get_dbus_method('OpenSession', DEVICE)
        results, socks = [], []
        state = {'sent': 0}

        def on_reply(path, fd):
            socks.append(socket.socket(fileno=fd.take()))
            results.append('ok')
            send_more()

        def on_error(e):
            results.append(e.get_dbus_name() or type(e).__name__)
            send_more()

        def send_more():
            while (state['sent'] < total and
                   state['sent'] - len(results) < IN_FLIGHT):
                state['sent'] += 1
                method('127.0.0.1', dbus.UInt16(self.echo.port),
                       options(security='plain'), signature='sqa{sv}',
                       reply_handler=on_reply, error_handler=on_error,
                       timeout=120)

        send_more()
        harness.wait_until(lambda: len(results) >= total, 200,
                           f'answers to {total} OpenSession calls',
                           pump=pump)
        return results, socks


if __name__ == '__main__':
    harness.main()
