#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
# SPDX-FileCopyrightText: 2026 The ichip authors
"""What the server sent before it closed reaches the app, even when the
app writes after the close (at-plus-i.md §6: SSND to a socket whose peer
closed fails with 203, SRCV still returns what the module holds until it
is empty).

Found by the system VM under load: `ichipctl connect` sent its TLS
close_notify (stdin at EOF) after gnutls-serv had answered the GET and
closed; the SSND got I/ERROR (203) while the whole page still waited in
the module, and ichipd closed the socket: 0 bytes, exit 0.

Made certain here: the server answers the request a while later and
closes at once; meanwhile the module stalls (ichip-sim's `stall`), so
nothing of that answer has been fetched when the line runs again, and the
app's next write is queued (an SSND) before ichipd learns of the data.
The module then holds every byte of the answer while the socket is down.
The app must get every byte, then EOF, and the session end peer-closed.
"""

import hashlib
import time

import harness
from tcpserv import stream_sha256

N = 20000           # the module holds all of it (--rx-buffer 32768)
STALL_MS = 2500     # under every command timeout (>= 5 s)
LATER_MS = 800      # the server answers (and closes) inside the stall


class PeerCloseTest(harness.IchipTestCase):

    def setUp(self):
        super().setUp()
        self.start_stack(sim_extra=['--rx-buffer', '32768'])
        self.client.set_ca(self.dev, self.certs.ca.pem)

    def ssnd_refused_203(self):
        """Whether an SSND was answered I/ERROR (203) (socket down)."""
        r = self.sim.records()
        return any(a[1] == '>' and 'SSND' in a[2] and b[1] == '<' and
                   '203' in b[2] for a, b in zip(r, r[1:]))

    def later_then_write(self, cert, **opts):
        srv = self.start_pyserver('sinksource', cert)
        path, sock = self.client.open_session(self.dev, '127.0.0.1',
                                              srv.port, **opts)
        self.addCleanup(sock.close)
        sock.sendall(b'LATER %d %d seed9\n' % (LATER_MS, N))
        # the request's SSND is done long before the server answers
        time.sleep(0.3)
        self.assertTrue(self.sim.control(f'stall {STALL_MS}')
                        .startswith('ok'))
        # the server has answered and closed; the module holds it all
        time.sleep((LATER_MS + 500) / 1000)
        sock.sendall(b'one more line\n')
        sock.settimeout(60)
        data = b''
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
        harness.wait_until(self.ssnd_refused_203, 10,
                           'an SSND to meet the closed socket (else the '
                           'case was not reached)', pump=self.pump)
        self.assertEqual(len(data), N, 'bytes lost at the close')
        self.assertEqual(hashlib.sha256(data).hexdigest(),
                         stream_sha256(N, 'seed9'))
        self.assertEqual(self.client.wait_closed(path), 'peer-closed')

    def test_plain(self):
        self.later_then_write(None, security='plain')

    def test_host_tls(self):
        self.later_then_write(self.certs.server)


if __name__ == '__main__':
    harness.main()
