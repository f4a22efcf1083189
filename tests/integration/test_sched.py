#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
# SPDX-FileCopyrightText: 2026 The ichip authors
"""The chunk policy of a shared line (daemon/session-sched.c, issue 16).

A session alone on its device moves full-size SRCVs and SSNDs; while
another session is active, bulk commands are at most SCHED_SHARED (1024)
bytes and take turns, so an interactive byte waits for one short
command.  Asserted here: the command sizes on the wire (the simulator's
trace) and every byte of the concurrent transfers; what it does to the
latency under load is `make bench`'s (target 6), not a test's.
"""

import os
import re
import threading

import harness
from tcpserv import client_sink as sink, client_source as source, \
    stream_sha256

SHARED = 1024


def sizes(trace, offset):
    """(SRCV sizes asked, SSND sizes sent) in the trace from offset."""
    with open(trace, 'rb') as f:
        f.seek(offset)
        text = f.read().decode('ascii', 'replace')
    return ([int(n) for n in re.findall(r'> AT\+iSRCV:\d+,(\d+)', text)],
            [int(n) for n in re.findall(r'> AT\+iSSND%?:\d+,(\d+)', text)])


class SchedTest(harness.IchipTestCase):
    def setUp(self):
        super().setUp()
        self.start_stack()
        self.srv = self.start_pyserver('sinksource')

    def open(self):
        _, sock = self.client.open_session(self.dev, '127.0.0.1',
                                           self.srv.port, security='plain')
        self.addCleanup(sock.close)
        sock.settimeout(60)
        return sock

    def test_alone_full_size(self):
        off = os.path.getsize(self.sim.trace_path)
        digest, _ = source(self.open(), 1 << 20, 'alone-down')
        self.assertEqual(digest, stream_sha256(1 << 20, 'alone-down'))
        digest, _ = sink(self.open(), 1 << 20, 'alone-up')
        self.assertEqual(digest, stream_sha256(1 << 20, 'alone-up'))
        srcv, ssnd = sizes(self.sim.trace_path, off)
        self.assertGreater(max(srcv), SHARED)
        self.assertGreater(max(ssnd), SHARED)

    def test_shared_line_short_commands(self):
        socks = [self.open() for _ in range(3)]
        off = os.path.getsize(self.sim.trace_path)
        results = {}

        def run(i, s):
            if i == 2:
                results[i] = sink(s, 2 << 20, f'up{i}')
            else:
                results[i] = source(s, 2 << 20, f'down{i}')
        threads = [threading.Thread(target=run, args=(i, s))
                   for i, s in enumerate(socks)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        for i in range(3):
            seed = f'up{i}' if i == 2 else f'down{i}'
            self.assertEqual(results[i][0], stream_sha256(2 << 20, seed))
        srcv, ssnd = sizes(self.sim.trace_path, off)
        big_srcv = sum(1 for n in srcv if n > SHARED)
        big_ssnd = sum(1 for n in ssnd if n > SHARED)
        harness.note(f'3 sessions: {len(srcv)} SRCVs ({big_srcv} over '
                     f'{SHARED}), {len(ssnd)} SSNDs ({big_ssnd} over)')
        # the tail of the last stream runs alone: full size again there
        self.assertLess(big_srcv + big_ssnd, (len(srcv) + len(ssnd)) / 4)


if __name__ == '__main__':
    harness.main()
