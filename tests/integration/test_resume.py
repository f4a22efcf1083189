#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
# SPDX-FileCopyrightText: 2026 The ichip authors
"""TLS 1.3 resumption of host-tls sessions (issue 16).

The TLS worker keeps the session tickets a server sends, in memory only,
one per device, server (host and port), trust anchor and options; a
later OpenSession with the same key resumes, so no certificate crosses
the line again.  What is asserted: the bytes the module carries (SRCV
payloads in the simulator trace), the peer certificate a resumed session
still shows, and that another device does not resume with the first
one's ticket.  How much time it saves is `make bench`'s (target 8).
"""

import os
import re

import harness
from client import pump
from procs import children

SESSION = 'org.ichip.Session1'


def srcv_bytes(trace, offset):
    with open(trace, 'rb') as f:
        f.seek(offset)
        text = f.read().decode('ascii', 'replace')
    return sum(int(n) for n in re.findall(r'< I/(\d+): \[', text))


class ResumeTest(harness.IchipTestCase):
    def open_echo(self, dev, *sims):
        """OpenSession + a 1-byte echo (the ticket arrives with the first
        record); returns (SRCV payload bytes on the simulators' lines,
        PeerCertificate, TLSVersion)."""
        offs = [os.path.getsize(sim.trace_path) for sim in sims]
        path, sock = self.client.open_session(dev, 'localhost',
                                              self.srv.port)
        sock.settimeout(30)
        sock.sendall(b'x')
        self.assertEqual(sock.recv(16), b'x')
        peer = bytes(self.client.prop(path, SESSION, 'PeerCertificate'))
        version = str(self.client.prop(path, SESSION, 'TLSVersion'))
        got = sum(srcv_bytes(sim.trace_path, off)
                  for sim, off in zip(sims, offs))
        sock.close()
        self.client.wait_closed(path)
        return got, peer, version

    def test_second_open_resumes(self):
        self.start_stack()
        self.client.set_ca(self.dev, self.certs.ca.pem)
        self.srv = self.start_pyserver('echo', self.certs.server)
        full, peer1, version = self.open_echo(self.dev, self.sim)
        again, peer2, _ = self.open_echo(self.dev, self.sim)
        harness.note(f'{version}: server to module {full} bytes, '
                     f'resumed {again}')
        self.assertEqual(version, 'TLS1.3')
        self.assertLess(again, full / 2, 'the second handshake was full')
        self.assertEqual(peer2, peer1, 'a resumed session lost its peer')
        # the resumed session's own ticket resumes the third
        third, _, _ = self.open_echo(self.dev, self.sim)
        self.assertLess(third, full / 2)

    def test_resume_after_the_worker_stopped(self):
        """The TLS worker stops when it has had no session for 10 s; the
        tickets are ichipd's, so the next session still resumes (in a new
        worker)."""
        self.start_stack()
        self.client.set_ca(self.dev, self.certs.ca.pem)
        self.srv = self.start_pyserver('echo', self.certs.server)
        pid = self.ichipd.proc.pid
        full, _, _ = self.open_echo(self.dev, self.sim)
        first = children(pid, 'ichip-tls-worker')
        self.assertTrue(first)
        harness.wait_until(lambda: not children(pid, 'ichip-tls-worker'),
                           40, 'the idle TLS worker to stop', pump=pump)
        again, peer, _ = self.open_echo(self.dev, self.sim)
        second = children(pid, 'ichip-tls-worker')
        harness.note(f'full {full} bytes; after the worker stopped '
                     f'{again}; workers {first} then {second}')
        self.assertNotEqual(second, first, 'the same worker went on')
        self.assertLess(again, full / 2, 'no resumption after the stop')
        self.assertTrue(peer)

    def test_other_device_does_not_resume(self):
        self.start_bus()
        one = self.start_sim('ttyICHIP0')
        two = self.start_sim('ttyICHIP1')
        self.start_ichipd([one.link, two.link])
        self.client = self.connect()

        def both():
            devs = self.client.devices() if \
                self.client.name_has_owner() else []
            return sorted(devs) if len(devs) == 2 else None
        devs = harness.wait_until(both, 20, 'two devices', pump=pump)
        for d in devs:
            self.client.set_ca(d, self.certs.ca.pem)
        self.srv = self.start_pyserver('echo', self.certs.server)
        first, _, _ = self.open_echo(devs[0], one, two)
        other, _, _ = self.open_echo(devs[1], one, two)
        harness.note(f'device 0 full: {first} bytes; device 1: {other}')
        self.assertGreater(other, first / 2,
                           'device 1 resumed with device 0\'s ticket')


if __name__ == '__main__':
    harness.main()
