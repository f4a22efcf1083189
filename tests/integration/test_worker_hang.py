#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
# SPDX-FileCopyrightText: 2026 The ichip authors
"""A TLS worker that stops answering (daemon/ichipd/tls-client.c).

ichipd waits for the worker's answer in a blocking recv() bounded by
SO_RCVTIMEO (TLS_WORKER_TIMEOUT_MS, 10 s), not in a poll() per request
(issue 16, bench target 3).  A stopped worker must still cost its host-tls
sessions only: they end with reason worker-crashed after the timeout,
ichipd answers on the bus again, and the next session gets a new worker.
"""

import os
import signal
import time

import harness
from procs import children
from test_security import recv_exactly


class WorkerHangTest(harness.IchipTestCase):
    def test_stopped_worker_times_out(self):
        self.start_stack()
        self.client.set_ca(self.dev, self.certs.ca.pem)
        srv = self.start_pyserver('echo', self.certs.server)
        path, sock = self.client.open_session(self.dev, '127.0.0.1',
                                              srv.port)
        self.addCleanup(sock.close)
        sock.sendall(b'ping\n')
        self.assertEqual(recv_exactly(sock, 5), b'ping\n')
        workers = children(self.ichipd.proc.pid, 'ichip-tls-worker')
        self.assertEqual(len(workers), 1, workers)
        os.kill(workers[0], signal.SIGSTOP)
        self.addCleanup(lambda: os.path.exists(f'/proc/{workers[0]}') and
                        os.kill(workers[0], signal.SIGKILL))
        t0 = time.monotonic()
        sock.sendall(b'stuck\n')        # a WK_SEND the worker never answers
        self.assertEqual(self.client.wait_closed(path, timeout=40),
                         'worker-crashed')
        waited = time.monotonic() - t0
        harness.note(f'session ended {waited:.1f} s after the worker stopped')
        self.assertGreaterEqual(waited, 9, 'ended before the timeout')
        self.assertIchipdAlive()
        self.assertEqual(self.client.devices(), [self.dev])
        path, sock2 = self.client.open_session(self.dev, '127.0.0.1',
                                               srv.port)
        self.addCleanup(sock2.close)
        sock2.sendall(b'again\n')
        self.assertEqual(recv_exactly(sock2, 6), b'again\n')
        self.assertNotEqual(children(self.ichipd.proc.pid,
                                     'ichip-tls-worker'), workers)


if __name__ == '__main__':
    harness.main()
