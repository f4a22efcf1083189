#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
# SPDX-FileCopyrightText: 2026 The ichip authors
"""Faults mid-transfer: the line hangs up, the module resets.

A session must end with a Closed signal carrying the documented reason,
the app must see its fd end, and ichipd must stay up.  Hang-up: reason
device-lost, then the device is removed (InterfacesRemoved, gone from
GetDevices), as the admin guide says; "hungup" is only the state it has
on its way out.  Reset: the module lost its sockets: module-reset
(Session1.rst), also when the reset swallowed the reply of a command on
the wire; the device must serve a new session afterwards.
"""

import re
import time

import harness
from client import DEVICE, SESSION, pump, recv_exactly
from procs import wait_until

MB = 1 << 20
# the trace line of an SRCV reply with payload ("< I/16384: [...")
SRCV_REPLY = re.compile(r' < I/0*[1-9][0-9]*: \[')


class FaultTest(harness.IchipTestCase):

    def start(self):
        # a throttled line keeps the transfer going while the fault hits
        self.start_stack(sim_extra=['--baud', '921600'])
        self.client.set_ca(self.dev, self.certs.ca.pem)
        self.srv = self.start_pyserver('sinksource', self.certs.server)

    def transfer_in_progress(self):
        """A session downloading far more than will arrive before a fault."""
        path, sock = self.client.open_session(self.dev, 'localhost',
                                              self.srv.port)
        self.addCleanup(sock.close)
        sock.settimeout(60)
        sock.sendall(b'SOURCE %d 1\n' % (100 * MB))
        got = 0
        while got < 64 * 1024:
            data = sock.recv(1 << 16)
            self.assertTrue(data, 'stream ended before the fault')
            got += len(data)
        return path, sock

    def drain(self, sock, timeout=60):
        """Read until EOF (or a reset): the app must learn the end."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if not sock.recv(1 << 16):
                    return True
            except ConnectionResetError:
                return True
            except TimeoutError:
                return False
            pump()
        return False

    def device_removed(self):
        return self.dev not in self.client.devices()

    def test_hangup_mid_transfer(self):
        self.start()
        path, sock = self.transfer_in_progress()
        self.assertTrue(self.sim.control('hangup').startswith('ok'))
        reason = self.client.wait_closed(path, timeout=60)
        harness.note(f'hang-up: Closed("{reason}")')
        self.assertEqual(reason, 'device-lost')
        self.assertTrue(self.drain(sock), 'the session fd never ended')
        wait_until(self.device_removed, 30,
                   'the hung-up device to be removed', pump=pump)
        wait_until(lambda: any(p == self.dev and DEVICE in i
                               for p, i in self.client.removed),
                   10, 'InterfacesRemoved for the device', pump=pump)
        self.assertIchipdAlive()

    def test_reset_mid_transfer(self):
        self.start()
        path, sock = self.transfer_in_progress()
        self.assertTrue(self.sim.control('reset').startswith('ok'))
        reason = self.client.wait_closed(path, timeout=90)
        harness.note(f'module reset: Closed("{reason}")')
        self.assertEqual(reason, 'module-reset')
        self.assertTrue(self.drain(sock), 'the session fd never ended')
        self.assertIchipdAlive()
        self.assertUsableAgain()

    def test_reset_swallows_a_reply(self):
        """The reset hits while an SRCV reply is on the wire: the command
        times out (the module forgot it), yet the reason is module-reset."""
        self.start()
        path, sock = self.transfer_in_progress()
        timeouts0 = int(self.client.prop(self.dev, DEVICE,
                                         'Counters')['timeouts'])
        # 57600 baud: a 16 KiB reply takes ~3 s, under SRCV's 5 s timeout
        self.assertTrue(self.sim.control('baud 57600').startswith('ok'))
        mark = len(self.sim.trace())

        def reply_on_wire():
            lines = self.sim.trace()[mark:]
            return lines and SRCV_REPLY.search(lines[-1])
        wait_until(reply_on_wire, 30, 'an SRCV reply on the slow line')
        self.assertTrue(self.sim.control('reset').startswith('ok'))
        self.assertTrue(self.sim.control('baud 0').startswith('ok'))
        reason = self.client.wait_closed(path, timeout=90)
        harness.note(f'module reset with a reply on the wire: '
                     f'Closed("{reason}")')
        timeouts = int(self.client.prop(self.dev, DEVICE,
                                        'Counters')['timeouts'])
        self.assertGreater(timeouts, timeouts0,
                           'the reset did not cost a reply: the test '
                           'missed its case')
        self.assertEqual(reason, 'module-reset')
        self.assertTrue(self.drain(sock), 'the session fd never ended')
        self.assertIchipdAlive()
        self.assertUsableAgain()

    def test_reset_closed_session_stays_until_app_closes(self):
        """Session1.rst: a closed session stays, readable, until the app
        closes its fd.  After a reset the module hands the lost socket's
        number to the next session: the old one must not go with it."""
        self.start()
        path, sock = self.transfer_in_progress()
        self.assertTrue(self.sim.control('reset').startswith('ok'))
        self.assertEqual(self.client.wait_closed(path, timeout=90),
                         'module-reset')
        self.assertTrue(self.drain(sock), 'the session fd never ended')
        self.assertUsableAgain()    # a new session on the same number
        self.assertEqual(self.client.prop(path, SESSION, 'State'), 'closed')
        self.assertEqual(self.client.prop(path, SESSION, 'CloseReason'),
                         'module-reset')
        sock.close()
        wait_until(lambda: any(p == path for p, _ in self.client.removed),
                   10, f'{path} to be removed', pump=pump)

    def assertUsableAgain(self):
        """After a reset the device serves a new, working session."""
        echo = self.start_pyserver('echo')

        def try_open():
            try:
                return self.client.open_session(self.dev, '127.0.0.1',
                                                echo.port, security='plain')
            except Exception as e:  # noqa: BLE001 - retried until deadline
                harness.note(f'after reset: {e}')
                pump(0.5)
                return None
        _, sock = wait_until(try_open, 60, 'a session after the reset')
        self.addCleanup(sock.close)
        sock.sendall(b'alive\n')
        self.assertEqual(recv_exactly(sock, 6), b'alive\n')


if __name__ == '__main__':
    harness.main()
