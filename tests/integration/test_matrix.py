#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
# SPDX-FileCopyrightText: 2026 The ichip authors
"""Every variant the evidence leaves open, through ichipd's tty transport.

What shipped modules do is only partly documented (at-plus-i.md §7): the
SSND payload may or may not be echoed, RP4/RP7 may or may not end with
I/OK, a CR LF may or may not follow the SRCV stream, and a host may run
with software flow control or with none (SSNDs of 256 bytes).  One test
per combination moves 1 MiB each way through a host-tls session, sha256
checked, on an ichip-sim of that kind with a real-sized receive buffer,
and checks that the module lost no byte; the flow-control combinations
must actually have been paced (WAIT seen).  A last test shows the buffer
bites: 32 KiB SSNDs to a module that sends no WAIT lose bytes.

ICHIP_MATRIX_BAUD sets the line (default 3000000, BDRD=1: the fastest a
module runs, to keep make check short); ICHIP_MATRIX_KB the size each
way (default 1024).  The kernel transport runs the same matrix in the
VM (tests/e2e/60-matrix-kernel.sh).
"""

import itertools
import os
import re

import harness
from tcpserv import client_sink as sink, client_source as source, \
    stream_sha256

BAUD = os.environ.get('ICHIP_MATRIX_BAUD', '3000000')
SIZE = int(os.environ.get('ICHIP_MATRIX_KB', '1024')) * 1024

# (name, ichip-sim options, ichipd flow)
ECHO_PAYLOAD = [('echo-payload', ['--echo-payload', 'yes']),
                ('no-echo-payload', ['--echo-payload', 'no'])]
RP_TRAILER = [('rp-trailer', ['--rp-trailer', 'yes']),
              ('no-rp-trailer', ['--rp-trailer', 'no'])]
SRCV_CRLF = [('srcv-crlf', ['--srcv-crlf', 'yes']),
             ('no-srcv-crlf', ['--srcv-crlf', 'no'])]
FLOW = [('soft', ['--flow', 'soft'], 'xonxoff'),
        ('none', ['--flow', 'none'], 'none')]


def status(sim):
    """The simulator's counters as a dict of ints."""
    answer = sim.control('status')
    return {k: int(v) for k, v in re.findall(r'(\w+)=(\d+)\b', answer)}


class MatrixTest(harness.IchipTestCase):
    time_limit = 300

    def start_variant(self, sim_extra, flow):
        self.start_bus()
        self.sim = self.start_sim(extra=['--baud', BAUD, *sim_extra])
        conf = os.path.join(self.tmp, 'ichipd.conf')
        with open(conf, 'w') as f:
            f.write(f'[device matrix]\nport = {self.sim.link}\n'
                    f'baud = 115200\nflow = {flow}\n')
        self.start_ichipd([], ['--config', conf])
        self.client = self.connect()
        self.dev = self.wait_for_device()
        self.client.set_ca(self.dev, self.certs.ca.pem)
        self.srv = self.start_pyserver('sinksource', self.certs.server)

    def open(self):
        _, sock = self.client.open_session(self.dev, 'localhost',
                                           self.srv.port)
        self.addCleanup(sock.close)
        sock.settimeout(60)
        return sock

    def run_variant(self, sim_extra, flow, paced):
        self.start_variant(sim_extra, flow)
        digest, count = sink(self.open(), SIZE, 'up')
        self.assertEqual(count, SIZE)
        self.assertEqual(digest, stream_sha256(SIZE, 'up'))
        digest, count = source(self.open(), SIZE, 'down')
        self.assertEqual(count, SIZE)
        self.assertEqual(digest, stream_sha256(SIZE, 'down'))
        st = status(self.sim)
        self.assertEqual(st['uart_lost'], 0, 'the module lost bytes')
        if paced:
            self.assertGreater(st['waits'], 0, 'flow control never used')
        else:
            self.assertEqual(st['waits'], 0)
        harness.note(f'{self._testMethodName}: waits {st["waits"]}, '
                     f'lost {st["uart_lost"]}')

    def test_no_flow_control_loses_bytes(self):
        """The host relies on WAIT, the module sends none: bytes are lost."""
        self.start_variant(['--flow', 'none', '--uart-stall', '512,4096'],
                           'xonxoff')
        sock = self.open()
        sock.settimeout(20)
        # the SSND never completes: the module stops answering, ichipd
        # ends the session (EOF before the server's count line: sink's
        # ValueError) or the socket times out (OSError); the subject
        # here is the lost bytes (close reasons: test_errors.py)
        try:
            sink(sock, SIZE, 'lossy')
        except (OSError, ValueError):
            pass
        lost = status(self.sim)['uart_lost']
        harness.note(f'no flow control, 32 KiB SSNDs: {lost} bytes lost')
        self.assertGreater(lost, 0)


def _add(names, sim_extra, flow, paced):
    def test(self):
        self.run_variant(sim_extra, flow, paced)
    test.__doc__ = ', '.join(names)
    setattr(MatrixTest, 'test_' + '__'.join(names).replace('-', '_'), test)


for (e, eo), (r, ro), (c, co), (f, fo, hf) in itertools.product(
        ECHO_PAYLOAD, RP_TRAILER, SRCV_CRLF, FLOW):
    _add([e, r, c, f], eo + ro + co + fo, hf, f == 'soft')


if __name__ == '__main__':
    harness.main()
