#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
# SPDX-FileCopyrightText: 2026 The ichip authors
"""Bulk transfers through a host-tls session, sha256-exact, with rates.

Correctness is asserted (every byte, in order, both directions); speed is
only reported: the rate depends on the machine, and the ratio to the
line rate at 921600 baud is a number to watch, not a pass/fail line.
ICHIP_BIG_MB changes the size of the big transfer (default 100),
ICHIP_BAUD_MB the size of the one at 921600 baud (default 1), which also
checks that the module's receive buffer lost nothing (software flow
control, the realistic default of ichip-sim and ichipd).
"""

import os
import re
import time

import harness
from tcpserv import client_sink as sink, client_source as source, \
    stream_sha256

MB = 1 << 20
BIG = int(os.environ.get('ICHIP_BIG_MB', '100')) * MB
BAUD_SIZE = int(os.environ.get('ICHIP_BAUD_MB', '1')) * MB


class TransferTest(harness.IchipTestCase):
    time_limit = int(os.environ.get('ICHIP_TRANSFER_TIME_LIMIT', '540'))

    def start(self, sim_extra=()):
        self.start_stack(sim_extra=sim_extra)
        self.client.set_ca(self.dev, self.certs.ca.pem)
        self.srv = self.start_pyserver('sinksource', self.certs.server)

    def open(self):
        path, sock = self.client.open_session(self.dev, 'localhost',
                                              self.srv.port)
        self.addCleanup(sock.close)
        sock.settimeout(120)        # no progress for 2 min: a hang
        return path, sock

    def upload(self, n, seed):
        """Returns bytes/s of an n-byte upload; asserts it arrived exact."""
        _, sock = self.open()
        t0 = time.monotonic()
        digest, count = sink(sock, n, seed)
        rate = n / (time.monotonic() - t0)
        self.assertEqual(count, n)
        self.assertEqual(digest, stream_sha256(n, seed))
        return rate

    def download(self, n, seed):
        _, sock = self.open()
        t0 = time.monotonic()
        digest, count = source(sock, n, seed)
        rate = n / (time.monotonic() - t0)
        self.assertEqual(count, n)
        self.assertEqual(digest, stream_sha256(n, seed))
        return rate

    def test_big_transfer_unthrottled(self):
        self.start()
        up = self.upload(BIG, 'up')
        harness.note(f'host-tls upload {BIG // MB} MiB: '
                     f'{up / MB:.2f} MiB/s')
        down = self.download(BIG, 'down')
        harness.note(f'host-tls download {BIG // MB} MiB: '
                     f'{down / MB:.2f} MiB/s')

    def test_goodput_at_921600_baud(self):
        """1 MiB each way at 921600 baud; goodput / line rate reported."""
        baud = 921600
        self.start(sim_extra=['--baud', str(baud)])
        line_rate = baud / 10
        up = self.upload(BAUD_SIZE, 'up-baud')
        down = self.download(BAUD_SIZE, 'down-baud')
        st = dict((k, int(v)) for k, v in re.findall(
            r'(\w+)=(\d+)\b', self.sim.control('status')))
        harness.note(f'921600 baud, host-tls, {BAUD_SIZE // MB} MiB: '
                     f'upload {up:.0f} B/s (ratio {up / line_rate:.3f}), '
                     f'download {down:.0f} B/s (ratio '
                     f'{down / line_rate:.3f}); module buffer: '
                     f'{st["uart_lost"]} bytes lost, {st["waits"]} WAITs, '
                     f'{st["wait_ignored"]} ignored')
        self.assertEqual(st['uart_lost'], 0)
        self.assertGreater(st['waits'], 0)


if __name__ == '__main__':
    harness.main()
