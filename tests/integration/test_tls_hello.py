#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
# SPDX-FileCopyrightText: 2026 The ichip authors
"""What ichip's TLS client puts in a ClientHello (issue 16, target 8).

Every byte of a handshake crosses the serial line, so the ClientHello
carries what a server needs and no more: one key share (X25519), no TLS
1.2 session-ticket extension (ichip resumes TLS 1.3 only), no
encrypt-then-MAC extension while TLS 1.2 is AEAD-only.  Seen through a
relay between the simulator's TCP and the test server (tlswire.py).
The byte counts themselves are `make bench`'s.
"""

import harness
import tlswire

SESSION = 'org.ichip.Session1'


class HelloTest(harness.IchipTestCase):
    def serve(self, extra=()):
        self.start_stack()
        self.client.set_ca(self.dev, self.certs.ca.pem)
        srv = self.start_pyserver('echo', self.certs.server, extra)
        self.relay = tlswire.Relay(srv.port)
        self.addCleanup(self.relay.stop)

    def open_echo(self, **options):
        """OpenSession through the relay + a 1-byte echo; returns
        (TLSVersion, that connection's records per direction)."""
        n = len(self.relay.conns)
        path, sock = self.client.open_session(self.dev, 'localhost',
                                              self.relay.port, **options)
        sock.settimeout(30)
        sock.sendall(b'x')
        self.assertEqual(sock.recv(16), b'x')
        version = str(self.client.prop(path, SESSION, 'TLSVersion'))
        sock.close()
        self.client.wait_closed(path)
        wire = self.relay.wire(n)
        return version, {d: tlswire.records(wire[d]) for d in 'CS'}

    def hellos(self, recs):
        return [tlswire.client_hello(body) for ctype, _, body in recs['C']
                if ctype == 22 and body[0] == 1]

    def retries(self, recs):
        return [body for ctype, _, body in recs['S']
                if ctype == 22 and tlswire.is_hello_retry(body)]

    def test_one_key_share(self):
        """Full handshake, then a resumed one: each ClientHello carries a
        single X25519 key share, and the server takes it (no retry)."""
        self.serve()
        for what in ('full', 'resumed'):
            version, recs = self.open_echo()
            self.assertEqual(version, 'TLS1.3')
            (hello,) = self.hellos(recs)
            harness.note(f'{what}: key shares {hello["key_shares"]}, '
                         f'extensions {sorted(map(str, hello["extensions"]))}')
            self.assertEqual(hello['key_shares'], [('x25519', 32)])
            self.assertEqual(self.retries(recs), [])
            self.assertEqual('pre_shared_key' in hello['extensions'],
                             what == 'resumed')

    def test_no_tls12_extras(self):
        """No TLS 1.2 session-ticket extension (ichip never resumes TLS
        1.2, and it would invite a ticket message nobody keeps) and, with
        TLS 1.2 AEAD-only, no encrypt-then-MAC extension; both come back
        where they mean something: encrypt-then-MAC with the older
        suites."""
        self.serve()
        _, recs = self.open_echo()
        (hello,) = self.hellos(recs)
        self.assertNotIn('session_ticket', hello['extensions'])
        self.assertNotIn('encrypt_then_mac', hello['extensions'])
        _, recs = self.open_echo(allow_legacy_tls12_suites=True)
        (hello,) = self.hellos(recs)
        self.assertNotIn('session_ticket', hello['extensions'])
        self.assertIn('encrypt_then_mac', hello['extensions'])

    def test_server_without_x25519(self):
        """A server with P-256 only asks again (HelloRetryRequest) and
        the session opens; the documented price of sending one share.
        The second session still resumes (no certificate on the line)."""
        self.serve(['--curve', 'prime256v1'])
        version, recs = self.open_echo()
        self.assertEqual(version, 'TLS1.3')
        self.assertEqual(len(self.retries(recs)), 1)
        hellos = self.hellos(recs)
        self.assertEqual([h['key_shares'] for h in hellos],
                         [[('x25519', 32)], [('secp256r1', 65)]])
        full = sum(size for _, size, _ in recs['S'])
        _, recs = self.open_echo()
        again = sum(size for _, size, _ in recs['S'])
        harness.note(f'server bytes: full {full}, resumed {again}')
        self.assertIn('pre_shared_key', self.hellos(recs)[-1]['extensions'])
        self.assertLess(again, full / 2, 'the second handshake was full')


if __name__ == '__main__':
    harness.main()
