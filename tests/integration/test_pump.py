#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
# SPDX-FileCopyrightText: 2026 The ichip authors
"""The session pump's bulk path (daemon/session-pump.c, issue 16).

A download streams: after an SRCV answer of SESSION_SRCV_BULK (4096)
bytes or more the session asks again at once, without an RP4 first, and
the stream's pause shows as an empty answer (I/0).  host-tls gathers the
ciphertext of three SRCVs for one TLS worker request.  What is asserted is
the wire order in the simulator's trace and every byte, in order; how
much CPU it saves is `make bench`'s to say (target 3), not a test's.
"""

import re

import harness
from tcpserv import client_source as source, stream_sha256

SRCV_BULK = 4096


class PumpTest(harness.IchipTestCase):
    def download(self, n, seed, **open_opts):
        _, sock = self.client.open_session(self.dev, *self.target,
                                           **open_opts)
        self.addCleanup(sock.close)
        sock.settimeout(60)
        digest, count = source(sock, n, seed)
        self.assertEqual(count, n)
        self.assertEqual(digest, stream_sha256(n, seed))

    def chained_srcvs(self):
        """SRCVs sent right after a bulk SRCV answer (no RP4 between),
        and empty answers to SRCV."""
        chained = empty = 0
        last_answer = None
        pending_srcv = False
        for _, d, text in self.sim.records():
            if d == '>':
                if text.startswith('AT+iSRCV'):
                    if last_answer is not None and last_answer >= SRCV_BULK:
                        chained += 1
                    pending_srcv = True
                last_answer = None
                continue
            m = re.match(r'^I/(\d+)(:|$)', text)
            if pending_srcv and m:
                last_answer = int(m.group(1))
                if last_answer == 0:
                    empty += 1
                pending_srcv = False
        return chained, empty

    def test_host_tls_download_streams(self):
        self.start_stack()
        self.client.set_ca(self.dev, self.certs.ca.pem)
        srv = self.start_pyserver('sinksource', self.certs.server)
        self.target = ('localhost', srv.port)
        self.download(4 << 20, 'pump-tls')
        chained, empty = self.chained_srcvs()
        harness.note(f'host-tls 4 MiB: {chained} SRCVs chained, '
                     f'{empty} empty answers')
        self.assertGreater(chained, 0, 'every SRCV waited for an RP4')

    def test_plain_download_streams(self):
        """plain: the same chaining, no worker (every byte still exact)."""
        self.start_stack()
        srv = self.start_pyserver('sinksource')
        self.target = ('127.0.0.1', srv.port)
        self.download(2 << 20, 'pump-plain', security='plain')
        chained, _ = self.chained_srcvs()
        self.assertGreater(chained, 0, 'every SRCV waited for an RP4')

    def test_interactive_not_chained(self):
        """Small answers do not chain: a 1-byte echo costs no extra SRCV."""
        self.start_stack()
        srv = self.start_pyserver('echo')
        _, sock = self.client.open_session(self.dev, '127.0.0.1', srv.port,
                                           security='plain')
        self.addCleanup(sock.close)
        sock.settimeout(30)
        for _ in range(5):
            sock.sendall(b'x')
            self.assertEqual(sock.recv(16), b'x')
        chained, empty = self.chained_srcvs()
        self.assertEqual((chained, empty), (0, 0))


if __name__ == '__main__':
    harness.main()
