#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
# SPDX-FileCopyrightText: 2026 The ichip authors
"""The poller while one session streams alone (daemon/ichipd/poller.c,
issue 16 target 3).

A session alone on its device with an SSND or SRCV in flight learns from
that command's answer what an RP4 would tell it, so the poller asks at
most every POLL_STREAM_US (10 ms) while it streams; before, an RP4 went
after every SSND, an RP4 round trip per 32 KiB on a fast line.  With two
sessions the poller asks as before: the other one's data must still be
seen while the first streams.  What is asserted is the wire (the
simulator's timestamped trace) and the bytes; the CPU it saves is `make
bench`'s to say, not a test's.
"""

import threading

import harness
from tcpserv import read_line

POLL_STREAM_S = 0.010


def upload(sock, n, block=b'u' * 65536):
    """SINK n bytes as fast as Python sends them (faster than the line:
    the SSNDs follow each other); returns the byte count the server saw."""
    sock.sendall(f'SINK {n}\n'.encode())
    left = n
    while left:
        k = min(left, len(block))
        sock.sendall(block[:k])
        left -= k
    return int(read_line(sock).split()[1])


class PollStreamTest(harness.IchipTestCase):
    def open_plain(self, srv):
        _, sock = self.client.open_session(self.dev, '127.0.0.1', srv.port,
                                           security='plain')
        self.addCleanup(sock.close)
        sock.settimeout(60)
        return sock

    def test_lone_upload_polls_at_most_every_10ms(self):
        self.start_stack()
        srv = self.start_pyserver('sinksource')
        sock = self.open_plain(srv)
        n = 4 << 20
        self.assertEqual(upload(sock, n), n)
        w = [(t, text) for t, d, text in self.sim.records() if d == '>']
        ssnd = [t for t, text in w if text.startswith('AT+iSSND')]
        self.assertGreater(len(ssnd), 16, 'the upload took few SSNDs')
        first, last = ssnd[0], ssnd[-1]
        rp4 = [t for t, text in w if text.startswith('AT+iRP4') and
               first <= t <= last]
        span = last - first
        # RP4s queued >= 10 ms apart arrive within [span + one command];
        # a pause of the app (a loaded machine) ends the stream and may
        # poll at once: a quarter of the SSNDs is allowed for that
        bound = span / POLL_STREAM_S + len(ssnd) / 4 + 2
        harness.note(f'{len(ssnd)} SSNDs, {len(rp4)} RP4s in {span:.3f} s '
                     f'(bound {bound:.0f})')
        self.assertLessEqual(len(rp4), bound,
                             'an RP4 after (nearly) every SSND of a stream')

    def test_second_session_seen_while_one_streams(self):
        """Two sessions: the lone-stream rule does not apply, an echo of
        the second comes back while the first uploads."""
        self.start_stack()
        sink = self.start_pyserver('sinksource')
        echo = self.start_pyserver('echo')
        bulk = self.open_plain(sink)
        inter = self.open_plain(echo)
        n = 16 << 20
        done = []
        t = threading.Thread(target=lambda: done.append(upload(bulk, n)))
        t.start()
        try:
            for i in range(5):
                inter.sendall(b'%d' % i)
                self.assertEqual(inter.recv(16), b'%d' % i)
            streaming = not done
        finally:
            t.join(120)
        self.assertEqual(done, [n])
        if not streaming:
            self.skipTest('the upload ended before the echoes: no overlap '
                          'to check on this machine')


if __name__ == '__main__':
    harness.main()
