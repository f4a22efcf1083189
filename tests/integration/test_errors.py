#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
# SPDX-FileCopyrightText: 2026 The ichip authors
"""Documented errors and close reasons, each reached on purpose.

errors.rst, Device1.rst and Session1.rst name errors and Closed reasons
that no other test provokes.  Each case here makes exactly one of them
happen and checks that exactly that name comes back:

  NotSupported          Command without --debug-commands
  CertificateMismatch   the module's CA reads back differently (scripted
                        module, fakemodule.py); the old CA is put back
  HandshakeFailed       the server speaks only TLS 1.0/1.1, or resets
                        the connection mid-handshake
  Timeout               connect + handshake slower than timeout-ms; the
                        same open succeeds with the default timeout;
                        and a handshake command the module never answers
  DeviceLost            the line hangs up while OpenSession waits
  Closed(timeout)       the module stops answering mid-transfer, or
                        while the session is idle
  Closed(tls-error)     the server sends a corrupt record after the
                        handshake
  Closed(module-error)  the module answers SRCV with an error code other
                        than 200/203 (scripted module)

Closed(module-reset) is test_faults.py's.
"""

import hashlib
import os
import socket
import ssl
import threading
import time

import dbus

import harness
from client import DEVICE, options, pump
from fakemodule import FakeModule

ERR = 'org.ichip.Error.'


class TLSGarbageServer:
    """TLS 1.2/1.3 on 127.0.0.1: after the first line from the client, it
    writes bytes that are no TLS record straight onto the TCP socket."""

    def __init__(self, cert):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        ctx.load_cert_chain(cert.pem_path, cert.key_path)
        self.ctx = ctx
        self.lsock = socket.socket()
        self.lsock.bind(('127.0.0.1', 0))
        self.lsock.listen(4)
        self.port = self.lsock.getsockname()[1]
        self.sent_garbage = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        try:
            conn, _ = self.lsock.accept()
            conn.settimeout(60)
            tls = self.ctx.wrap_socket(conn, server_side=True)
            line = b''
            while not line.endswith(b'\n'):
                data = tls.recv(256)
                if not data:
                    return
                line += data
            # an application-data record header with a body that no key
            # decrypts: a bad record after the handshake
            os.write(tls.fileno(), b'\x17\x03\x03\x00\x40' + b'\xa5' * 64)
            self.sent_garbage.set()
            time.sleep(30)
        except OSError:
            pass

    def stop(self):
        self.lsock.close()


class ErrorTest(harness.IchipTestCase):

    def start_fake(self, replies=None, extra=()):
        """Bus + scripted module + ichipd; returns the device path."""
        self.start_bus()
        self.fake = FakeModule(self.tmp, replies=replies)
        self.addCleanup(self.fake.stop)
        self.start_ichipd([self.fake.link], extra)
        self.client = self.connect()
        self.dev = self.wait_for_device()
        return self.dev

    def open(self, port, host='localhost', **opts):
        path, sock = self.client.open_session(self.dev, host, port, **opts)
        self.addCleanup(sock.close)
        return path, sock

    # ---- method errors ----

    def test_command_without_debug_commands(self):
        """Device1.Command is NotSupported unless --debug-commands."""
        self.start_stack()
        trace0 = len(self.sim.trace())
        self.assertDBusError(ERR + 'NotSupported', self.client.call,
                             self.dev, DEVICE, 'Command', 'AT+iRP8',
                             signature='s')
        self.assertFalse([ln for ln in self.sim.trace()[trace0:]
                          if 'RP8' in ln], 'the command reached the module')
        self.assertIchipdAlive()

    def test_certificate_read_back_differs(self):
        """The module shows another CA after the write: CertificateMismatch,
        and the previous (empty) CA is written back."""
        other = self.certs.other_ca.pem.decode()
        queries = []

        # ichipd's start-up query (the first) sees the module's real, empty
        # CA: swapping the answer after start_fake() raced that query
        # (the device is listed before its start-up queries are answered)
        def wrong_ca(text):
            queries.append(text)
            if len(queries) == 1:
                return self.fake._ca_query()
            return b'Subject: CN=other\r\n' + \
                '\r\n'.join(other.strip().splitlines()).encode() + \
                b'\r\nI/OK\r\n'
        self.start_fake({'CA?': wrong_ca})
        harness.wait_until(lambda: queries, 10, "ichipd's start-up CA query",
                           pump=pump)
        self.assertDBusError(ERR + 'CertificateMismatch',
                             self.client.set_ca, self.dev,
                             self.certs.ca.pem)
        harness.wait_until(lambda: len(self.fake.ca_written) >= 2, 10,
                           'the old CA to be written back', pump=pump)
        self.assertIn('BEGIN CERTIFICATE', self.fake.ca_written[0])
        self.assertEqual(self.fake.ca_written[1], '',
                         'the previous (empty) CA was not put back')
        self.assertEqual(self.client.prop(self.dev, DEVICE,
                                          'CAFingerprint'), '')
        # the journal names both: what came back and what was written
        fps = [hashlib.sha256(c.der).hexdigest()
               for c in (self.certs.other_ca, self.certs.ca)]
        self.assertIn(f'CA parameter read back as {fps[0]} after writing '
                      f'{fps[1]}; writing the old one back',
                      self.ichipd.log())
        self.assertIchipdAlive()

    def test_handshake_failed(self):
        """A server with no TLS version in common: HandshakeFailed."""
        self.start_stack()
        self.client.set_ca(self.dev, self.certs.ca.pem)
        srv = self.start_gnutls(
            self.certs.server,
            priority='NORMAL:-VERS-ALL:+VERS-TLS1.1:+VERS-TLS1.0')
        e = self.assertDBusError(ERR + 'HandshakeFailed', self.open,
                                 srv.port)
        harness.note(f'HandshakeFailed: {e}')
        self.assertIchipdAlive()

    def test_timeout_ms(self):
        """timeout-ms bounds connect + handshake: Timeout; the same open
        on the same slow line succeeds with the default 30 s."""
        self.start_stack()
        self.client.set_ca(self.dev, self.certs.ca.pem)
        srv = self.start_pyserver('echo', self.certs.server)
        # every reply 400 ms late: a TLS 1.3 handshake takes 4+ round trips
        self.assertTrue(self.sim.control('slow 400').startswith('ok'))
        t0 = time.monotonic()
        self.assertDBusError(ERR + 'Timeout', self.open, srv.port,
                             timeout_ms=dbus.UInt32(500))
        took = time.monotonic() - t0
        harness.note(f'timeout-ms 500: Timeout after {took:.1f} s')
        self.assertLess(took, 20, 'timeout-ms was not applied')
        path, sock = self.open(srv.port)
        sock.settimeout(30)
        sock.sendall(b'slow but fine\n')
        self.assertEqual(sock.recv(64), b'slow but fine\n')

    def test_handshake_unanswered(self):
        """The module never answers the ClientHello's SSND: Timeout ("the
        module did not answer in time"), not a module error."""
        self.start_fake()
        self.client.set_ca(self.dev, self.certs.ca.pem)
        self.fake.replies['SSND'] = lambda text: b''
        e = self.assertDBusError(ERR + 'Timeout', self.open, 443,
                                 timeout_ms=dbus.UInt32(60000))
        harness.note(f'unanswered handshake: {e}')
        self.assertTrue([c for c in self.fake.commands if 'SSND' in c])
        self.assertIchipdAlive()

    def test_handshake_peer_reset(self):
        """The server resets the connection mid-handshake (SSND answered
        I/ERROR (203)): HandshakeFailed, as Device1.rst lists it."""
        self.start_fake()
        self.client.set_ca(self.dev, self.certs.ca.pem)
        self.fake.replies['SSND'] = lambda text: b'I/ERROR (203)\r\n'
        e = self.assertDBusError(ERR + 'HandshakeFailed', self.open, 443)
        harness.note(f'reset mid-handshake: {e}')
        self.assertIchipdAlive()

    def test_device_lost_during_open(self):
        """The line hangs up while OpenSession waits: DeviceLost."""
        self.start_stack()
        srv = self.start_pyserver('echo')
        # the module goes silent, the STCP waits, then the tty hangs up
        self.assertTrue(self.sim.control('stall 60000').startswith('ok'))
        obj = self.client.bus.get_object('org.ichip', self.dev,
                                         introspect=False)
        result = []
        obj.get_dbus_method('OpenSession', DEVICE)(
            '127.0.0.1', dbus.UInt16(srv.port),
            options(security='plain'), signature='sqa{sv}',
            reply_handler=lambda *a: result.append('ok'),
            error_handler=lambda e: result.append(e.get_dbus_name()),
            timeout=60)
        pump(1.0)
        self.assertFalse(result, 'OpenSession answered during the stall')
        self.assertTrue(self.sim.control('hangup').startswith('ok'))
        harness.wait_until(lambda: result, 30, 'the OpenSession answer',
                           pump=pump)
        self.assertEqual(result, [ERR + 'DeviceLost'])
        self.assertTrue(self.ichipd.alive())

    # ---- close reasons ----

    def transfer(self, port):
        path, sock = self.open(port)
        sock.settimeout(60)
        sock.sendall(b'SOURCE %d 1\n' % (100 << 20))
        got = 0
        while got < 64 * 1024:
            data = sock.recv(1 << 16)
            self.assertTrue(data, 'stream ended early')
            got += len(data)
        return path, sock

    def test_closed_timeout(self):
        """The module stops answering mid-transfer: Closed("timeout")."""
        self.start_stack(sim_extra=['--baud', '921600'])
        self.client.set_ca(self.dev, self.certs.ca.pem)
        srv = self.start_pyserver('sinksource', self.certs.server)
        path, sock = self.transfer(srv.port)
        self.assertTrue(self.sim.control('stall 40000').startswith('ok'))
        # keep reading: an SRCV must be on the wire when the module stops
        # (a session with nothing pending waits for the module instead)
        sock.settimeout(0.05)
        deadline = time.monotonic() + 40
        while path not in self.client.closed:
            self.assertLess(time.monotonic(), deadline, 'no Closed signal')
            try:
                if not sock.recv(1 << 16):
                    pump(0.05)
            except (TimeoutError, ConnectionResetError):
                pump(0.01)
        reason = self.client.closed[path][0]
        harness.note(f'module silent: Closed("{reason}")')
        self.assertEqual(reason, 'timeout')
        self.assertIchipdAlive()

    def test_closed_timeout_idle(self):
        """An idle session (only RP4 polls on the line) when the module
        stops answering: Closed("timeout") once the pings fail too."""
        self.start_stack()
        srv = self.start_pyserver('echo')
        path, sock = self.open(srv.port, host='127.0.0.1',
                               security='plain')
        sock.sendall(b'ping\n')
        sock.settimeout(30)
        self.assertEqual(sock.recv(16), b'ping\n')
        self.assertTrue(self.sim.control('stall 60000').startswith('ok'))
        reason = self.client.wait_closed(path, timeout=45)
        self.assertEqual(reason, 'timeout')
        self.assertIchipdAlive()

    def test_closed_tls_error(self):
        """A corrupt record after the handshake: Closed("tls-error")."""
        self.start_stack()
        self.client.set_ca(self.dev, self.certs.ca.pem)
        srv = TLSGarbageServer(self.certs.server)
        self.addCleanup(srv.stop)
        path, sock = self.open(srv.port)
        sock.sendall(b'hello\n')
        reason = self.client.wait_closed(path, timeout=40)
        self.assertTrue(srv.sent_garbage.is_set())
        self.assertEqual(reason, 'tls-error')
        self.assertIchipdAlive()

    def test_reset_reply_lost_socket_reused(self):
        """A reset swallows an SSND's reply, and a new session's STCP,
        queued meanwhile, gets the same socket number from the fresh
        module: the old session was reset (module-reset), whatever RP4
        says about that number now."""
        self.start_fake()
        fake = self.fake
        path, sock = self.open(7, host='127.0.0.1', security='plain')

        def reset_and_drop(text):
            fake.sockets.clear()        # the module restarts ...
            return b''                  # ... and the reply is lost
        fake.replies['SSND'] = reset_and_drop
        opened = []
        obj = self.client.bus.get_object('org.ichip', self.dev,
                                         introspect=False)
        sock.sendall(b'lost in the reset\n')
        harness.wait_until(lambda: any('SSND' in c for c in fake.commands),
                           10, 'the SSND', pump=pump)
        obj.get_dbus_method('OpenSession', DEVICE)(
            '127.0.0.1', dbus.UInt16(8), options(security='plain'),
            signature='sqa{sv}', timeout=60,
            reply_handler=lambda p, fd: opened.append((str(p), fd.take())),
            error_handler=lambda e: opened.append(e))
        reason = self.client.wait_closed(path, timeout=40)
        harness.wait_until(lambda: opened, 30, 'the new session',
                           pump=pump)
        self.assertIsInstance(opened[0], tuple, opened)
        # commands run in order: once a later RP4 is answered, an SCLS
        # the old session's close may have queued has run
        n0 = len(fake.commands)
        harness.wait_until(lambda: any('RP4' in c
                                       for c in fake.commands[n0:]),
                           10, 'the next poll', pump=pump)
        stcp = [c for c in fake.commands if 'STCP' in c]
        harness.note(f'commands: {fake.commands[-8:]}')
        self.assertEqual(len(stcp), 2)
        self.assertEqual(reason, 'module-reset')
        # and closing the old session did not close the new one's socket
        self.assertEqual(list(fake.sockets), [0], fake.commands)
        os.close(opened[0][1])
        self.assertIchipdAlive()

    def test_reset_mid_ssnd_error_reply(self):
        """A reset in the middle of an SSND payload: the fresh module
        answers the rest of the payload as a bad command (I/ERROR (053)),
        which ichipd reads as the SSND's result.  Its socket is gone
        (RP4: -200): module-reset, not module-error."""
        self.start_fake()
        fake = self.fake
        path, sock = self.open(7, host='127.0.0.1', security='plain')

        def reset_mid_payload(text):
            fake.sockets.clear()
            return b'I/ERROR (053)\r\n'
        fake.replies['SSND'] = reset_mid_payload
        sock.sendall(b'cut by the reset\n')
        reason = self.client.wait_closed(path, timeout=30)
        self.assertEqual(reason, 'module-reset')
        self.assertIchipdAlive()

    def test_lost_scls_socket_closed_later(self):
        """An SCLS whose reply is lost (a noisy line) leaves the module
        socket open: the next RP4 shows it in use and held by nobody,
        and ichipd closes it (else the module runs out of sockets)."""
        self.start_fake()
        fake = self.fake
        path, sock = self.open(7, host='127.0.0.1', security='plain')
        lost = []

        def scls(text):
            if not lost:
                lost.append(text)
                return b''              # reply lost; the socket stays
            return fake._scls(text)
        fake.replies['SCLS'] = scls
        sock.close()
        self.client.wait_closed(path, timeout=20)
        harness.wait_until(lambda: lost, 10, 'the SCLS', pump=pump)
        # another session keeps the poller going
        _, sock2 = self.open(8, host='127.0.0.1', security='plain')
        harness.wait_until(lambda: 0 not in fake.sockets, 40,
                           'the orphan socket 0 to be closed', pump=pump)
        self.assertEqual(list(fake.sockets), [1], fake.commands[-10:])
        sock2.close()

    def test_stale_sockets_closed_before_new_connects(self):
        """A previous ichipd left every module socket open; a session
        asked for while ichipd still starts is not refused for it."""
        fake_rp4 = []

        def first_rp4(text):
            if not fake_rp4:            # the start-up RP4: all stale
                fake_rp4.append(text)
                time.sleep(1.5)         # ... and slow, so the STCP
                self.fake.sockets = {h: 0 for h in range(10)}  # waits
            return self.fake._rp4()
        self.start_fake(replies={'RP4': first_rp4})
        try:
            path, sock = self.open(7, host='127.0.0.1', security='plain')
        finally:
            harness.note(f'commands: {self.fake.commands}')
        self.assertIn('AT+i!SCLS:9', self.fake.commands)
        self.assertEqual(len([c for c in self.fake.commands
                              if 'STCP' in c]), 2, self.fake.commands)

    def test_garbled_command_is_line_errors(self):
        """A byte lost on the line turns AT+iSSND% into AT+iSSN%: the
        module answers a syntax error (I/ERROR (051)) for a command
        ichipd wrote whole, its socket still up (RP4 >= 0): the line
        damaged it, Closed("line-errors"), not module-error."""
        self.start_fake()
        fake = self.fake
        fake.replies['SSND'] = lambda text: b'I/ERROR (051)\r\n'
        path, sock = self.open(7, host='127.0.0.1', security='plain')
        sock.sendall(b'garbled on the way\n')
        reason = self.client.wait_closed(path, timeout=30)
        self.assertEqual(reason, 'line-errors')
        self.assertIchipdAlive()

    def test_closed_module_error(self):
        """SRCV answered with I/ERROR (215): Closed("module-error")."""
        self.start_fake()
        fake = self.fake

        def rp4(text):
            fake.sockets = {h: 5 for h in fake.sockets}
            return fake._rp4()
        fake.replies['RP4'] = rp4
        fake.replies['SRCV'] = lambda text: b'I/ERROR (215)\r\n'
        path, sock = self.open(7, host='127.0.0.1', security='plain')
        reason = self.client.wait_closed(path, timeout=30)
        self.assertEqual(reason, 'module-error')
        self.assertTrue([c for c in fake.commands if 'SRCV' in c])
        self.assertIchipdAlive()



if __name__ == '__main__':
    harness.main()
