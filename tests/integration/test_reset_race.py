#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
# SPDX-FileCopyrightText: 2026 The ichip authors
"""A module reset while OpenSession runs: during a connect (AT+iSTCP)
on the wire, and during the handshake.

The module answers one command at a time, in order.  A reset frees every
socket number, and the connect that runs after it may be handed the
number an older session still holds: ichipd only learns that from the
connect's answer.  A command for that number queued behind the connect
(an SSND, an SRCV, an SCLS of the older session) would run on the NEW
socket: the older session's bytes sent to the new session's server, the
new session's bytes read by the older one.  In the soak
(integration-robustness, fault `reset`) that broke new sessions'
handshakes: HandshakeFailed "closed during the handshake", "Decryption
has failed", "An illegal TLS extension was received".

The scripted module (fakemodule.py) holds the connect's answer while the
older session has bytes to send, so the race is taken every time.

A reset during the handshake fails OpenSession with DeviceError, its
message "module-reset" (Device1.rst), whether the module answered the
session's command with I/ERROR (200) or the reset swallowed the answer
(then the next RP4, -200 for the socket, tells the reset from a silent
module, as for an open session's Closed "module-reset").
"""

import os
import re
import threading

import dbus

import harness
from client import DEVICE, options, pump
from fakemodule import FakeModule

ERR = 'org.ichip.Error.'


class ResetRaceTest(harness.IchipTestCase):

    def start_fake(self):
        self.start_bus()
        self.fake = FakeModule(self.tmp)
        self.addCleanup(self.fake.stop)
        self.start_ichipd([self.fake.link])
        self.client = self.connect()
        self.dev = self.wait_for_device()

    def open_async(self, port):
        """OpenSession without waiting; the result lands in a list."""
        out = []
        obj = self.client.bus.get_object('org.ichip', self.dev,
                                         introspect=False)
        obj.get_dbus_method('OpenSession', DEVICE)(
            '127.0.0.1', dbus.UInt16(port), options(security='plain'),
            signature='sqa{sv}', timeout=60,
            reply_handler=lambda p, fd: out.append((str(p), fd.take())),
            error_handler=lambda e: out.append(e))
        return out

    def hold_connect(self):
        """The next STCP: the module resets (every socket gone), then the
        answer waits until `release` is set; it is the lowest free number,
        the one the older session holds."""
        fake = self.fake
        seen, release = threading.Event(), threading.Event()

        def reset_then_connect(text):
            fake.sockets.clear()
            seen.set()
            release.wait(30)
            return fake._stcp()
        fake.replies['STCP'] = reset_then_connect
        return seen, release

    def test_no_command_for_a_reused_number(self):
        """Session A holds socket 0 and has bytes to send while B's
        connect runs after a reset and gets socket 0: none of A's bytes
        reach socket 0 after the connect; A ends module-reset, B opens
        and its bytes go out on socket 0."""
        self.start_fake()
        fake = self.fake
        path_a, sock_a = self.client.open_session(
            self.dev, '127.0.0.1', 7, security='plain')
        self.addCleanup(sock_a.close)
        self.assertIn('0', [str(h) for h in fake.sockets])
        seen, release = self.hold_connect()
        opened = self.open_async(8)
        harness.wait_until(seen.is_set, 20, 'the connect', pump=pump)
        stcp_at = max(i for i, c in enumerate(fake.commands)
                      if 'STCP' in c)
        a_bytes = b'A: bytes of the session before the reset\n'
        sock_a.sendall(a_bytes)
        pump(1.0)           # ichipd reads them and wants to send them
        release.set()
        harness.wait_until(lambda: opened, 30, 'the new session',
                           pump=pump)
        self.assertIsInstance(opened[0], tuple, opened)
        path_b, fd_b = opened[0]
        self.addCleanup(os.close, fd_b)
        self.assertEqual(self.client.wait_closed(path_a, timeout=30),
                         'module-reset')
        b_bytes = b'B: the new session\n'
        os.write(fd_b, b_bytes)
        ssnd = re.compile(r'AT\+iSSND%?:0*(\d+),(\d+):')

        def sent_after():
            return [(int(m.group(1)), int(m.group(2)))
                    for m in (ssnd.match(c)
                              for c in fake.commands[stcp_at + 1:])
                    if m]
        harness.wait_until(lambda: (0, len(b_bytes)) in sent_after(), 20,
                           "B's bytes on socket 0", pump=pump)
        after = fake.commands[stcp_at + 1:]
        harness.note(f'after the connect: {after[:12]}')
        self.assertNotIn((0, len(a_bytes)), sent_after(),
                         f"A's bytes went to B's socket: {after}")
        # nothing of A's ran on socket 0 after the connect: the only
        # command for it is B's send (and polls, which name no socket)
        for c in after:
            m = re.match(r'AT\+i[!@]?(SSND%?|SRCV|SCLS|SSL):0*(\d+)', c)
            if m and int(m.group(2)) == 0:
                self.assertTrue(c.startswith(f'AT+iSSND%:0,{len(b_bytes)}:'),
                                f'a command of A on socket 0: {after}')
        self.assertEqual(list(fake.sockets), [0], fake.commands)
        self.assertIchipdAlive()


    def reset_mid_handshake(self, answer):
        """The ClientHello's SSND meets a reset: the module's sockets are
        gone and the SSND gets `answer`; OpenSession's error."""
        self.start_fake()
        fake = self.fake
        self.client.set_ca(self.dev, self.certs.ca.pem)

        def reset(text):
            fake.sockets.clear()
            return answer
        fake.replies['SSND'] = reset
        e = self.assertDBusError(ERR + 'DeviceError',
                                 self.client.open_session, self.dev,
                                 'localhost', 443,
                                 timeout_ms=dbus.UInt32(60000))
        harness.note(f'reset mid-handshake: {e}')
        self.assertIn('module-reset', str(e))
        self.assertIchipdAlive()

    def test_handshake_reset_error_200(self):
        """The module, reset, answers the SSND I/ERROR (200)."""
        self.reset_mid_handshake(b'I/ERROR (200)\r\n')

    def test_handshake_reset_reply_lost(self):
        """The reset swallows the SSND's answer: not Timeout, the next
        RP4 shows the socket gone (-200): module-reset."""
        self.reset_mid_handshake(b'')


if __name__ == '__main__':
    harness.main()
