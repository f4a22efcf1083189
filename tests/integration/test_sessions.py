#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
# SPDX-FileCopyrightText: 2026 The ichip authors
"""Sessions through ichipd: host-tls, device-tls, plain; bad peers; closes.

The servers run on 127.0.0.1; the simulated module connects to them with
real sockets, so every byte checked here crossed the pty, the AT+i socket
commands and (for TLS) a real handshake.
"""

import os

import harness
from client import DEVICE, SESSION, recv_exactly
from fixtures import LEGACY_PRIORITY, gnutls_cli
from procs import free_port

# What VerifyFailed's message must name for each bad peer (lower case;
# any one of the words will do).
VERIFY_REASONS = {
    'expired_server': ('expired',),
    'wronghost_server': ('hostname', 'host name'),
    'otherca_server': ('unknown ca', 'unknown issuer', 'not trusted'),
    'self_server': ('self-signed', 'self signed'),
    'weak_server': ('weak', 'insecure'),
}


def echo_roundtrip(test, sock, payload):
    sock.sendall(payload)
    test.assertEqual(recv_exactly(sock, len(payload)), payload)


class SessionTest(harness.IchipTestCase):

    def setUp(self):
        super().setUp()
        self.start_stack()
        self.client.set_ca(self.dev, self.certs.ca.pem)

    def open(self, port, host='localhost', **opts):
        path, sock = self.client.open_session(self.dev, host, port, **opts)
        self.addCleanup(sock.close)
        return path, sock

    def session_props(self, path):
        return self.client.props(path, SESSION)

    def assertSessionGone(self, path):
        """The object is removed after Closed; Sessions no longer lists it."""
        harness.wait_until(
            lambda: path not in self.client.prop(self.dev, DEVICE,
                                                 'Sessions'),
            10, f'{path} to leave Sessions', pump=self.pump)
        self.assertDBusError(('org.freedesktop.DBus.Error.UnknownObject',
                              'org.freedesktop.DBus.Error.UnknownMethod',
                              'org.freedesktop.DBus.Error.UnknownInterface'),
                             self.session_props, path)

    # ---- the three modes ----

    def test_host_tls_echo(self):
        """TLS 1.2/1.3 by ichipd to gnutls-serv: text exact, cert exposed."""
        srv = self.start_gnutls(self.certs.server)
        rc, out = gnutls_cli(srv.port, self.certs.ca, data=b'x\n')
        self.assertEqual(rc, 0, 'gnutls-cli itself cannot reach the server')
        path, sock = self.open(srv.port)
        line = b'ichip host-tls line\r\n'
        echo_roundtrip(self, sock, line)
        p = self.session_props(path)
        self.assertEqual(p['Security'], 'host-tls')
        self.assertEqual(p['Host'], 'localhost')
        self.assertEqual(p['Port'], srv.port)
        self.assertEqual(p['State'], 'open')
        self.assertIn(p['TLSVersion'], ('TLS1.3', 'TLS1.2'))
        self.assertTrue(p['Cipher'])
        self.assertEqual(bytes(p['PeerCertificate']), self.certs.server.der)
        self.assertEqual(p['BytesOut'], len(line))
        self.assertEqual(p['BytesIn'], len(line))

    def test_host_tls_binary_echo(self):
        """Every byte value, CR LF and "+++" survive the module path.

        gnutls-serv's echo is text-only, so this uses tcpserv.py's TLS
        echo (Python ssl, TLS 1.3), also checked with gnutls-cli.
        """
        srv = self.start_pyserver('echo', self.certs.server)
        rc, out = gnutls_cli(srv.port, self.certs.ca, data=b'x\n')
        self.assertEqual(rc, 0, 'gnutls-cli itself cannot reach the server')
        path, sock = self.open(srv.port)
        payload = (os.urandom(40000) + bytes(range(256)) * 8 +
                   b'\r\n+++\r\nAT+iSSND:0,5:\r\n' + b'\x00' * 3000)
        echo_roundtrip(self, sock, payload)
        p = self.session_props(path)
        self.assertEqual(p['TLSVersion'], 'TLS1.3')
        self.assertEqual((p['BytesOut'], p['BytesIn']),
                         (len(payload), len(payload)))

    def test_host_tls_is_default(self):
        srv = self.start_gnutls(self.certs.server)
        path, sock = self.open(srv.port)
        self.assertEqual(self.session_props(path)['Security'], 'host-tls')

    def test_device_tls_with_legacy_allowed(self):
        srv = self.start_gnutls(self.certs.server, priority=LEGACY_PRIORITY)
        path, sock = self.open(srv.port, security='device-tls',
                               allow_legacy_tls=True)
        echo_roundtrip(self, sock, b'legacy TLS through the module\n')
        p = self.session_props(path)
        self.assertEqual(p['Security'], 'device-tls')

    def test_device_tls_refused_without_opt_in(self):
        srv = self.start_gnutls(self.certs.server, priority=LEGACY_PRIORITY)
        self.assertDBusError('org.ichip.Error.LegacyTLSRefused',
                             self.client.open_session, self.dev, 'localhost',
                             srv.port, security='device-tls')
        self.assertDBusError('org.ichip.Error.LegacyTLSRefused',
                             self.client.open_session, self.dev, 'localhost',
                             srv.port, security='device-tls',
                             allow_legacy_tls=False)

    def test_plain_echo(self):
        srv = self.start_pyserver('echo')
        path, sock = self.open(srv.port, host='127.0.0.1', security='plain')
        echo_roundtrip(self, sock, bytes(range(256)) * 20)
        p = self.session_props(path)
        self.assertEqual(p['Security'], 'plain')
        self.assertEqual(p['TLSVersion'], '')
        self.assertEqual(bytes(p['PeerCertificate']), b'')

    def test_app_fd_is_blocking(self):
        """The fd the app gets is a blocking stream socket.

        Beyond the letter of org.ichip.Session1(5), but what a plain client (read
        until EOF, like ichip-fetch.py) expects: O_NONBLOCK is a property of
        the open file, so a non-blocking socketpair end would make every
        naive read fail with EAGAIN.
        """
        import fcntl
        import socket
        srv = self.start_pyserver('echo')
        path, sock = self.open(srv.port, host='127.0.0.1', security='plain')
        self.assertEqual(sock.type, socket.SOCK_STREAM)
        self.assertEqual(sock.family, socket.AF_UNIX)
        flags = fcntl.fcntl(sock.fileno(), fcntl.F_GETFL)
        self.assertFalse(flags & os.O_NONBLOCK, 'the app fd is O_NONBLOCK')

    def test_host_tls_without_ca(self):
        self.client.call(self.dev, DEVICE, 'ClearCA', signature='')
        srv = self.start_gnutls(self.certs.server)
        self.assertDBusError('org.ichip.Error.NoCA', self.client.open_session,
                             self.dev, 'localhost', srv.port)

    def test_connect_failed(self):
        port = free_port()      # nobody listens there
        self.assertDBusError('org.ichip.Error.ConnectFailed',
                             self.client.open_session, self.dev,
                             '127.0.0.1', port, security='plain')

    # ---- bad peers ----

    def test_bad_peers_fail_verification(self):
        """Each bad server: VerifyFailed, and the message says why."""
        for role, words in VERIFY_REASONS.items():
            with self.subTest(role):
                srv = self.start_gnutls(getattr(self.certs, role))
                e = self.assertDBusError('org.ichip.Error.VerifyFailed',
                                         self.client.open_session, self.dev,
                                         'localhost', srv.port)
                msg = e.get_dbus_message().lower()
                self.assertTrue(any(w in msg for w in words),
                                f'{role}: "{msg}" names none of {words}')
        self.assertEqual(list(self.client.prop(self.dev, DEVICE,
                                               'Sessions')), [])

    # ---- how sessions end ----

    def test_close_method(self):
        srv = self.start_gnutls(self.certs.server)
        path, sock = self.open(srv.port)
        self.client.call(path, SESSION, 'Close', signature='')
        self.assertEqual(self.client.wait_closed(path), 'closed')
        self.assertEqual(recv_exactly(sock, 1, timeout=10), b'',
                         'the app fd stays open after Close()')
        # closed, but kept until the app closes its fd
        self.assertEqual(self.session_props(path)['CloseReason'], 'closed')
        sock.close()
        self.assertSessionGone(path)

    def test_app_closes_fd(self):
        srv = self.start_gnutls(self.certs.server)
        path, sock = self.open(srv.port)
        echo_roundtrip(self, sock, b'before close\n')
        sock.close()
        self.assertEqual(self.client.wait_closed(path), 'app-closed')
        self.assertSessionGone(path)

    def test_peer_closes(self):
        """The server ends the connection (TLS close_notify, then FIN)."""
        srv = self.start_pyserver('sinksource', self.certs.server)
        path, sock = self.open(srv.port)
        sock.sendall(b'CLOSE\n')
        self.assertEqual(self.client.wait_closed(path), 'peer-closed')
        self.assertEqual(recv_exactly(sock, 1, timeout=10), b'')
        sock.close()
        self.assertSessionGone(path)

    def test_plain_peer_closes(self):
        srv = self.start_pyserver('sinksource')
        path, sock = self.open(srv.port, host='127.0.0.1', security='plain')
        sock.sendall(b'CLOSE\n')
        self.assertEqual(self.client.wait_closed(path), 'peer-closed')
        sock.close()
        self.assertSessionGone(path)

    def test_counters_count_sessions(self):
        srv = self.start_pyserver('echo')
        before = self.client.prop(self.dev, DEVICE, 'Counters')
        path, sock = self.open(srv.port, host='127.0.0.1', security='plain')
        echo_roundtrip(self, sock, b'z' * 1000)
        after = self.client.prop(self.dev, DEVICE, 'Counters')
        self.assertEqual(after['sessions-opened'],
                         before['sessions-opened'] + 1)
        self.assertGreaterEqual(after['session-bytes-out'] -
                                before['session-bytes-out'], 1000)
        self.assertGreaterEqual(after['session-bytes-in'] -
                                before['session-bytes-in'], 1000)


if __name__ == '__main__':
    harness.main()
