#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
# SPDX-FileCopyrightText: 2026 The ichip authors
"""Findings of the security review of ichipd (issue 12), one test each.

Each test failed on the code before its fix.  Callers other than root run
as another uid (nobody) on a bus configured like the system bus with the
shipped dbus/org.ichip.conf (fixtures.SystemBus), so the bus policy and
sd-bus's own privilege check are both in the path.
"""

import hashlib
import os
import signal
import subprocess
import threading

import dbus

import harness
from client import DEVICE, MANAGER, MANAGER_PATH, OBJMGR, PROPS, SESSION
from client import error_name, recv_exactly
from fixtures import (BUILD, ICHIPD_ASAN_BIN, SRC_ROOT, UserHolding,
                      as_user)
from tcpserv import stream_sha256
from procs import children, proc_status

ICHIPCTL_BIN = os.path.join(BUILD, 'daemon', 'ichipctl')

ICHIP = 'org.ichip'
MB = 1 << 20


class UnprivilegedReadTest(harness.IchipTestCase):
    """Finding 2: the read methods answer ordinary users."""

    def test_other_uid_reads_devices_and_ca(self):
        self.start_stack(system_like=True)
        self.client.set_ca(self.dev, self.certs.ca.pem)
        res = as_user(self.bus.address, [
            (ICHIP, MANAGER_PATH, MANAGER, 'GetDevices', '', []),
            (ICHIP, self.dev, DEVICE, 'GetCA', '', []),
            (ICHIP, '/', OBJMGR, 'GetManagedObjects', '', []),
            (ICHIP, self.dev, PROPS, 'Get', 'ss', [DEVICE, 'Name']),
            # control: the shipped policy is in force for this caller
            (ICHIP, MANAGER_PATH, MANAGER, 'NoSuchMethod', '', []),
        ])
        self.assertEqual(res[0], {'ok': [self.dev]})
        self.assertIn('ok', res[1], res[1])
        self.assertEqual(bytes.fromhex(res[1]['ok']['bytes']).strip(),
                         self.certs.ca.pem.strip())
        self.assertIn(self.dev, res[2].get('ok', {}), res[2])
        self.assertEqual(res[3], {'ok': str(self.client.prop(self.dev, DEVICE,
                                                             'Name'))})
        self.assertEqual(res[4].get('error'),
                         'org.freedesktop.DBus.Error.AccessDenied', res[4])


class CommandAfterRemoveTest(harness.IchipTestCase):
    """Finding 4: Device1.Command held the raw device pointer across the
    asynchronous polkit call; the device removed meanwhile meant a
    use-after-free.  ichipd runs under ASan, polkit holds the answer."""

    def test_device_removed_while_polkit_decides(self):
        self.start_bus()
        self.start_polkitd()
        pk = self.polkitd.mock
        pk.SetAllowed(['org.ichip.raw-command', 'org.ichip.manage-devices'])
        pk.SimulateHangActions(['org.ichip.raw-command'])
        self.sim = self.start_sim()
        self.start_ichipd([self.sim.link], ['--debug-commands'],
                          allow_all=False, binary=ICHIPD_ASAN_BIN)
        self.client = self.connect()
        dev = self.wait_for_device()
        replies = []
        obj = self.client.bus.get_object(ICHIP, dev, introspect=False)
        obj.Command('AT+iRP1', dbus_interface=DEVICE, signature='s',
                    timeout=60,
                    reply_handler=lambda r: replies.append(('ok', r)),
                    error_handler=lambda e: replies.append(
                        ('error', error_name(e))))
        harness.wait_until(lambda: pk.HaveHangingCalls(), 20,
                           'polkit to hold the Command check',
                           pump=self.pump)
        self.client.call(MANAGER_PATH, MANAGER, 'RemoveDevice', dev,
                         signature='o')
        pk.ReleaseHangingCalls()
        harness.wait_until(lambda: replies, 20, 'the Command reply',
                           pump=self.pump)
        self.assertEqual(replies, [('error', 'org.ichip.Error.DeviceLost')])
        self.assertIchipdAlive()
        self.assertNotIn('AddressSanitizer', self.ichipd.log())


class SocketLeakTest(harness.IchipTestCase):
    """Finding 1: an OpenSession deadline that fires while AT+iSTCP is in
    flight must not leave the module socket open for nobody."""

    def test_deadline_during_connect_leaks_no_socket(self):
        self.start_stack()
        srv = self.start_pyserver('echo')
        # every answer 400 ms late: each 100 ms deadline fires mid-STCP
        self.assertTrue(self.sim.control('slow 400').startswith('ok'))
        for _ in range(12):
            self.assertDBusError('org.ichip.Error.Timeout',
                                 self.client.open_session, self.dev,
                                 '127.0.0.1', srv.port, security='plain',
                                 timeout_ms=dbus.UInt32(100))
        self.assertTrue(self.sim.control('slow 0').startswith('ok'))
        harness.wait_until(
            lambda: ' sockets=0 ' in self.sim.control('status') + ' ', 30,
            'the module to have no socket open')
        socks = []
        for _ in range(10):     # all ten module sockets are usable
            path, sock = self.client.open_session(
                self.dev, '127.0.0.1', srv.port, security='plain')
            socks.append(sock)
            self.addCleanup(sock.close)
        socks[-1].sendall(b'still works\n')
        socks[-1].settimeout(20)
        self.assertEqual(socks[-1].recv(100), b'still works\n')

    def test_unowned_socket_is_swept(self):
        """A module socket no session owns (opened behind ichipd's back)
        is closed by the poller while sessions run."""
        self.start_stack(ichipd_extra=['--debug-commands'])
        srv = self.start_pyserver('echo')
        path, sock = self.client.open_session(self.dev, '127.0.0.1',
                                              srv.port, security='plain')
        self.addCleanup(sock.close)
        handle = self.client.call(self.dev, DEVICE, 'Command',
                                  f'AT+iSTCP:127.0.0.1,{srv.port}',
                                  signature='s')
        # the module opened a second socket (the poller may already be
        # closing it: the session keeps it running)
        # the module prints handles zero-padded (at-plus-i.md §7)
        self.assertRegex(str(handle), r'^[0-9]{1,3}$')
        sock.sendall(b'x')      # the poller runs while data moves
        harness.wait_until(
            lambda: ' sockets=1 ' in self.sim.control('status') + ' ', 30,
            'the unowned socket to be closed')


def read_to_eof(sock, timeout=30):
    sock.settimeout(timeout)
    data = b''
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            return data
        data += chunk


class TruncationTest(harness.IchipTestCase):
    """Finding 3: a host-tls stream whose TCP ends without close_notify is
    `truncated`, not `peer-closed`; the reason can be read after EOF."""

    def setUp(self):
        super().setUp()
        self.start_stack()
        self.client.set_ca(self.dev, self.certs.ca.pem)
        self.srv = self.start_pyserver('sinksource', self.certs.server)

    def source(self, verb, n):
        path, sock = self.client.open_session(self.dev, '127.0.0.1',
                                              self.srv.port)
        self.addCleanup(sock.close)
        sock.sendall(f'{verb} {n} seed7\n'.encode())
        data = read_to_eof(sock)
        self.assertEqual(len(data), n)
        self.assertEqual(hashlib.sha256(data).hexdigest(),
                         stream_sha256(n, 'seed7'))
        # no signal handling here: the property alone tells, after EOF
        reason = self.client.prop(path, SESSION, 'CloseReason')
        self.assertEqual(self.client.prop(path, SESSION, 'State'), 'closed')
        self.assertEqual(self.client.wait_closed(path), reason)
        sock.close()
        harness.wait_until(lambda: any(p == path for p, _ in
                                       self.client.removed), 10,
                           f'{path} to be removed', pump=self.pump)
        return reason

    def test_cut_stream_is_truncated(self):
        self.assertEqual(self.source('CUT', 20000), 'truncated')

    def test_clean_close_is_peer_closed(self):
        self.assertEqual(self.source('SOURCE', 20000), 'peer-closed')

    def test_ichipctl_connect_fails_on_truncation(self):
        env = self.bus.env()
        for verb, code in (('SOURCE', 0), ('CUT', 7)):    # 7: EXIT_TLS
            with self.subTest(verb):
                r = subprocess.run(
                    [ICHIPCTL_BIN, 'connect', f'127.0.0.1:{self.srv.port}'],
                    input=f'{verb} 3000 s\n'.encode(), capture_output=True,
                    env=env, timeout=120)
                self.assertEqual(r.returncode, code, r.stderr)
                self.assertEqual(len(r.stdout), 3000)
                if code:
                    self.assertIn(b'truncated', r.stderr)


class ModuleTextTest(harness.IchipTestCase):
    """Finding 5: bytes from the module that are not UTF-8 (a D-Bus string
    must be) are escaped instead of breaking GetManagedObjects."""

    def test_non_utf8_firmware_version(self):
        self.start_stack(sim_extra=[b'--firmware', b'V\xff\xfe1\\\x01'],
                         ichipd_extra=['--debug-commands'])
        want = 'V\\xff\\xfe1\\\\\\x01'
        harness.wait_until(
            lambda: self.client.prop(self.dev, DEVICE, 'FirmwareVersion'),
            20, 'the RP1 answer', pump=self.pump)
        self.assertEqual(self.client.prop(self.dev, DEVICE,
                                          'FirmwareVersion'), want)
        objs = self.client.call('/', OBJMGR, 'GetManagedObjects',
                                signature='')
        self.assertEqual(objs[self.dev][DEVICE]['FirmwareVersion'], want)
        # the raw passthrough answers too (no reply at all before)
        self.assertEqual(self.client.call(self.dev, DEVICE, 'Command',
                                          'AT+iRP1', signature='s'), want)
        self.assertIchipdAlive()


class SessionLimitsTest(harness.IchipTestCase):
    """Finding 7: a per-user session limit, an idle timeout, and no
    connect carried on for a caller that left the bus."""

    def config(self, text):
        path = os.path.join(self.tmp, 'ichipd.conf')
        with open(path, 'w') as f:
            f.write('[daemon]\n' + text)
        return ['--config', path]

    def test_per_user_limit(self):
        self.start_stack(system_like=True, ichipd_extra=self.config(
            'max-sessions-per-user = 2\n'))
        srv = self.start_pyserver('echo')
        call = (ICHIP, self.dev, DEVICE, 'OpenSession', 'sqa{sv}',
                ['127.0.0.1', srv.port, {'security': 'plain'}])
        user = UserHolding(self.bus.address, [call] * 3)
        self.addCleanup(user.stop)
        res = user.results
        self.assertEqual([r.get('ok', [None, None])[1] for r in res[:2]],
                         ['fd', 'fd'], res)
        self.assertEqual(res[2].get('error'),
                         'org.ichip.Error.TooManySessions', res[2])
        # another user (root, exempt) still gets a socket of the device
        path, sock = self.client.open_session(self.dev, '127.0.0.1',
                                              srv.port, security='plain')
        sock.close()
        # the user's sessions end with its fds
        user.stop()
        harness.wait_until(
            lambda: not self.client.prop(self.dev, DEVICE, 'Sessions'), 20,
            'the held sessions to close', pump=self.pump)

    def test_idle_timeout(self):
        self.start_stack(ichipd_extra=self.config(
            'session-idle-timeout = 2\n'))
        srv = self.start_pyserver('echo')
        path, sock = self.client.open_session(self.dev, '127.0.0.1',
                                              srv.port, security='plain')
        self.addCleanup(sock.close)
        sock.settimeout(20)
        for i in range(5):      # 3 s of traffic: activity keeps it open
            sock.sendall(b'ping\n')
            self.assertEqual(sock.recv(100), b'ping\n')
            self.pump(0.6)
        self.assertNotIn(path, self.client.closed)
        self.assertEqual(self.client.wait_closed(path, timeout=20),
                         'idle-timeout')
        self.assertEqual(self.client.prop(path, SESSION, 'CloseReason'),
                         'idle-timeout')

    def test_caller_leaving_during_connect_cancels(self):
        self.start_stack()
        srv = self.start_pyserver('echo')
        self.assertTrue(self.sim.control('slow 1500').startswith('ok'))
        other = dbus.bus.BusConnection(self.bus.address)
        obj = other.get_object(ICHIP, self.dev, introspect=False)
        obj.OpenSession('127.0.0.1', dbus.UInt16(srv.port),
                        {'security': 'plain'}, dbus_interface=DEVICE,
                        signature='sqa{sv}', timeout=60,
                        reply_handler=lambda *a: None,
                        error_handler=lambda e: None)
        other.flush()
        self.pump(0.3)
        other.close()
        harness.wait_until(lambda: 'left the bus' in self.ichipd.log(), 20,
                           'ichipd to cancel the connect')
        self.assertTrue(self.sim.control('slow 0').startswith('ok'))
        self.pump(3)        # the STCP answer came, any open would be done
        harness.wait_until(
            lambda: ' sockets=0 ' in self.sim.control('status') + ' ', 20,
            'the connected socket to be closed')
        counters = self.client.prop(self.dev, DEVICE, 'Counters')
        self.assertEqual(counters['sessions-opened'], 0)
        self.assertIchipdAlive()


class SignalRateTest(harness.IchipTestCase):
    """Finding 6: no PropertiesChanged per AT command.  Every signal
    ichipd sends is counted: none while sessions idle, and at most one per
    MB moved during a transfer (make bench reports the same rates)."""

    def test_signals_idle_and_during_transfer(self):
        self.start_stack()
        self.client.set_ca(self.dev, self.certs.ca.pem)
        srv = self.start_pyserver('echo', self.certs.server)
        path, sock = self.client.open_session(self.dev, '127.0.0.1',
                                              srv.port)
        self.addCleanup(sock.close)
        signals = []
        self.client.bus.add_signal_receiver(
            lambda *a, **kw: signals.append((kw['path'], kw['member'])),
            bus_name=ICHIP, path_keyword='path', member_keyword='member')
        self.pump(1)
        signals.clear()
        self.pump(3)                    # one session, idle
        self.assertEqual(signals, [], 'signals while idle')
        n = 2 * MB
        payload = os.urandom(n)
        got = []
        reader = threading.Thread(target=lambda: got.append(
            recv_exactly(sock, n, 120)))
        reader.start()
        sock.sendall(payload)
        reader.join(150)
        self.assertEqual(got[0], payload)
        self.pump(1)
        moved_mb = 2 * n / MB
        self.assertLessEqual(len(signals), moved_mb,
                             f'{len(signals)} signals for {moved_mb} MB: '
                             f'{signals[:10]}')


class LowsTest(harness.IchipTestCase):
    """Finding 8: the lows of the review, one test each."""

    def test_get_devices_in_order_added(self):
        self.start_bus()
        sims = [self.start_sim(f'ttyICHIP{i}') for i in range(3)]
        self.start_ichipd([s.link for s in sims])
        self.client = self.connect()
        devs = harness.wait_until(
            lambda: self.client.name_has_owner() and
            len(self.client.devices()) == 3 and self.client.devices(), 20,
            'three devices')
        ports = [str(self.client.prop(d, DEVICE, 'Port')) for d in devs]
        self.assertEqual(ports, [s.link for s in sims])

    def test_clear_ca_removes_unloadable_persisted_copy(self):
        """ClearCA with no CA loaded still removes the persisted copy
        (here one that cannot be loaded), so RestoreCA has nothing."""
        self.start_bus()
        self.sim = self.start_sim()
        state = os.path.join(self.tmp, 'state')
        os.makedirs(state)
        name = os.path.basename(os.path.realpath(self.sim.pty))
        name = 'pts' + name if '/pts/' in self.sim.pty else name
        bad = os.path.join(state, f'dev-{name}.ca.pem')
        with open(bad, 'w') as f:
            f.write('-----BEGIN CERTIFICATE-----\nnot base64\n'
                    '-----END CERTIFICATE-----\n')
        self.start_ichipd([self.sim.link])
        self.client = self.connect()
        self.dev = self.wait_for_device()
        self.assertEqual(self.client.prop(self.dev, DEVICE, 'CALocation'),
                         'none')
        self.client.call(self.dev, DEVICE, 'ClearCA', signature='')
        self.assertFalse(os.path.exists(bad), 'persisted copy left')
        self.assertDBusError('org.ichip.Error.NoCA', self.client.call,
                             self.dev, DEVICE, 'RestoreCA', signature='')


    def test_short_tls_record_send(self):
        """A server with a small record_size_limit: gnutls_record_send
        takes part of a chunk at a time, which is not an error."""
        self.start_stack()
        self.client.set_ca(self.dev, self.certs.ca.pem)
        srv = self.start_gnutls(self.certs.server,
                                extra=['--recordsize=512'])
        path, sock = self.client.open_session(self.dev, 'localhost',
                                              srv.port)
        self.addCleanup(sock.close)
        line = b'x' * 20000 + b'\r\n'
        sock.sendall(line)
        self.assertEqual(recv_exactly(sock, len(line)), line)
        self.assertNotIn(path, self.client.closed)

    def test_close_sends_close_notify(self):
        self.start_stack()
        self.client.set_ca(self.dev, self.certs.ca.pem)
        srv = self.start_pyserver('echo', self.certs.server)
        path, sock = self.client.open_session(self.dev, '127.0.0.1',
                                              srv.port)
        self.addCleanup(sock.close)
        sock.sendall(b'hello\n')
        self.assertEqual(recv_exactly(sock, 6), b'hello\n')
        self.client.call(path, SESSION, 'Close', signature='')
        self.assertEqual(self.client.wait_closed(path), 'closed')
        harness.wait_until(lambda: 'close_notify' in open(
            srv.proc.log_path).read(), 20, 'the server to see close_notify')

    def test_host_tls_offers_only_forward_secret_aead(self):
        """Servers that only do TLS 1.2 CBC suites or RSA key exchange
        are refused, unless the session allows older TLS 1.2 suites."""
        self.start_stack()
        self.client.set_ca(self.dev, self.certs.ca.pem)
        old = {
            'cbc': 'NORMAL:-VERS-ALL:+VERS-TLS1.2:-CIPHER-ALL:'
                   '+AES-128-CBC:+AES-256-CBC:-MAC-ALL:+SHA1:+SHA256',
            'rsa-kx': 'NORMAL:-VERS-ALL:+VERS-TLS1.2:-KX-ALL:+RSA',
        }
        for what, priority in old.items():
            with self.subTest(what):
                srv = self.start_gnutls(self.certs.server, priority=priority)
                self.assertDBusError('org.ichip.Error.HandshakeFailed',
                                     self.client.open_session, self.dev,
                                     'localhost', srv.port)
                path, sock = self.client.open_session(
                    self.dev, 'localhost', srv.port,
                    allow_legacy_tls12_suites=True)
                self.addCleanup(sock.close)
                self.assertEqual(self.client.prop(path, SESSION,
                                                  'TLSVersion'), 'TLS1.2')
                sock.sendall(b'old suites\r\n')
                self.assertEqual(recv_exactly(sock, 12), b'old suites\r\n')
        srv = self.start_gnutls(self.certs.server)
        path, sock = self.client.open_session(self.dev, 'localhost', srv.port)
        self.addCleanup(sock.close)
        cipher = str(self.client.prop(path, SESSION, 'Cipher'))
        self.assertRegex(cipher, 'GCM|CHACHA20|CCM')

    def test_system_trust_read_once(self):
        """The system trust store is read once, not per session (on the
        event loop): by the TLS worker when it starts, which logs it."""
        self.start_stack()
        self.client.set_ca(self.dev, self.certs.ca.pem)
        srv = self.start_gnutls(self.certs.server)
        for _ in range(3):
            path, sock = self.client.open_session(self.dev, 'localhost',
                                                  srv.port,
                                                  system_trust=True)
            sock.sendall(b'x\r\n')
            self.assertEqual(recv_exactly(sock, 3), b'x\r\n')
            sock.close()
            self.client.wait_closed(path)
        self.assertEqual(self.ichipd.log().count(
            'reading the system trust store'), 1)

    def test_name_limits_as_documented(self):
        """Device names: what ichipd.conf(5), the sample config and the
        udev rules say is what ichipd accepts (1 to 64 characters)."""
        import re
        docs = {}
        for rel in ('Documentation/man/ichipd.conf.5', 'etc/ichipd.conf',
                    'udev/60-ichip.rules',
                    'Documentation/dbus/org.ichip.Manager1.rst'):
            with open(os.path.join(SRC_ROOT, rel)) as f:
                text = f.read().replace('\n#', ' ').replace('\n', ' ')
            docs[rel] = [int(n) for n in re.findall(
                r'1 to (\d+)\s+(?:characters|of )', text)]
        self.assertEqual({r: n for r, n in docs.items() if n != [64]}, {})
        self.start_bus()
        self.sim = self.start_sim()
        conf = os.path.join(self.tmp, 'ichipd.conf')
        for name, ok in (('a' * 64, True), ('a' * 65, False),
                         ('.hidden', False), ('x-1_2.y', True)):
            with self.subTest(name=name):
                with open(conf, 'w') as f:
                    f.write(f'[device {name}]\nport = {self.sim.link}\n')
                d = self.start_ichipd([], ['--config', conf, '--no-udev'])
                if ok:
                    self.client = self.connect()
                    dev = self.wait_for_device()
                    self.assertEqual(self.client.prop(dev, DEVICE, 'Name'),
                                     name)
                else:
                    harness.wait_until(lambda: not d.alive(), 20,
                                       'ichipd to refuse the name')
                d.stop()

    def call_async(self, path, iface, method, sig, *args, timeout=60):
        """Send a call; returns the list its reply lands in."""
        out = []
        obj = self.client.bus.get_object(ICHIP, path, introspect=False)
        obj.get_dbus_method(method, iface)(
            *args, signature=sig, timeout=timeout,
            reply_handler=lambda *r: out.append(('ok',) + r),
            error_handler=lambda e: out.append(('error', error_name(e))))
        return out

    def test_pending_callers_answered_when_device_goes(self):
        self.start_stack(ichipd_extra=['--debug-commands'],
                         binary=ICHIPD_ASAN_BIN)
        self.assertTrue(self.sim.control('stall 8000').startswith('ok'))
        cmd = self.call_async(self.dev, DEVICE, 'Command', 's', 'AT+iRP5')
        ca = self.call_async(self.dev, DEVICE, 'SetCA', 'aya{sv}',
                             dbus.ByteArray(self.certs.ca.pem),
                             dbus.Dictionary({}, signature='sv'))
        self.pump(0.5)
        self.client.call(MANAGER_PATH, MANAGER, 'RemoveDevice', self.dev,
                         signature='o')
        harness.wait_until(lambda: cmd and ca, 5, 'both callers answered',
                           pump=self.pump)
        self.assertEqual(cmd, [('error', 'org.ichip.Error.DeviceLost')])
        self.assertEqual(ca, [('error', 'org.ichip.Error.DeviceLost')])
        self.assertIchipdAlive()
        self.assertNotIn('AddressSanitizer', self.ichipd.log())

    def test_ca_operations_serialised(self):
        """SetCA(A), SetCA(B), ClearCA, SetCA(A) sent at once: each is
        done and verified before the next starts, so every one succeeds
        and A is the CA in the end."""
        self.start_stack(binary=ICHIPD_ASAN_BIN)
        empty = dbus.Dictionary({}, signature='sv')
        a, b = self.certs.ca, self.certs.other_ca
        replies = [
            self.call_async(self.dev, DEVICE, 'SetCA', 'aya{sv}',
                            dbus.ByteArray(a.pem), empty),
            self.call_async(self.dev, DEVICE, 'SetCA', 'aya{sv}',
                            dbus.ByteArray(b.pem), empty),
            self.call_async(self.dev, DEVICE, 'ClearCA', ''),
            self.call_async(self.dev, DEVICE, 'SetCA', 'aya{sv}',
                            dbus.ByteArray(a.pem), empty)]
        harness.wait_until(lambda: all(replies), 60, 'four CA replies',
                           pump=self.pump)
        self.assertEqual([r[0][0] for r in replies], ['ok'] * 4, replies)
        self.assertEqual(self.client.get_ca(self.dev).strip(), a.pem.strip())
        self.assertEqual(self.client.prop(self.dev, DEVICE, 'CALocation'),
                         'module')
        self.assertNotIn('AddressSanitizer', self.ichipd.log())

    def test_host_only_set_changes_nothing_when_module_clear_fails(self):
        """SetCA host-only clears the module's CA first; when that fails,
        the old CA stays the anchor and no host-only copy is written."""
        self.start_stack()
        self.client.set_ca(self.dev, self.certs.ca.pem)
        fpr = self.client.prop(self.dev, DEVICE, 'CAFingerprint')
        self.assertTrue(self.sim.control('stall 15000').startswith('ok'))
        self.assertDBusError(('org.ichip.Error.Timeout',
                              'org.ichip.Error.DeviceError'),
                             self.client.set_ca, self.dev,
                             self.certs.other_ca.pem, host_only=True)
        self.assertEqual(self.client.prop(self.dev, DEVICE, 'CALocation'),
                         'module')
        self.assertEqual(self.client.prop(self.dev, DEVICE, 'CAFingerprint'),
                         fpr)
        self.assertEqual([f for f in os.listdir(self.ichipd.state_dir)
                          if 'host-ca' in f], [])


class PrivilegeSeparationTest(harness.IchipTestCase):
    """TLS records and server certificates are parsed by the TLS worker:
    no capabilities, seccomp mode 2, no new privileges; its crash ends
    the host-tls sessions with a named reason, nothing else."""

    def setUp(self):
        super().setUp()
        self.start_stack()
        self.client.set_ca(self.dev, self.certs.ca.pem)
        self.srv = self.start_pyserver('echo', self.certs.server)

    def open_tls(self):
        path, sock = self.client.open_session(self.dev, '127.0.0.1',
                                              self.srv.port)
        self.addCleanup(sock.close)
        sock.sendall(b'ping\n')
        self.assertEqual(recv_exactly(sock, 5), b'ping\n')
        return path, sock

    def worker(self):
        pids = harness.wait_until(
            lambda: children(self.ichipd.proc.pid, 'ichip-tls-worker'),
            10, 'the TLS worker')
        self.assertEqual(len(pids), 1, pids)
        return pids[0]

    def test_worker_has_no_privileges(self):
        self.open_tls()
        st = proc_status(self.worker())
        harness.note(f'worker: CapEff {st["CapEff"]} CapPrm {st["CapPrm"]} '
                     f'Seccomp {st["Seccomp"]} NoNewPrivs '
                     f'{st["NoNewPrivs"]} Uid {st["Uid"]} VmRSS '
                     f'{st.get("VmRSS", "?").strip()} RssAnon '
                     f'{st.get("RssAnon", "?").strip()}')
        self.assertEqual(int(st['CapEff'], 16), 0)
        self.assertEqual(int(st['CapPrm'], 16), 0)
        self.assertEqual(int(st['CapAmb'], 16), 0)
        self.assertEqual(st['Seccomp'].strip(), '2')
        self.assertEqual(st['NoNewPrivs'].strip(), '1')
        # ichipd runs as root here: the worker runs as nobody
        self.assertEqual(st['Uid'].split()[:2], ['65534', '65534'])

    def test_worker_crash_ends_tls_sessions_only(self):
        plain_srv = self.start_pyserver('echo')
        tls = [self.open_tls()[0] for _ in range(2)]
        ppath, psock = self.client.open_session(
            self.dev, '127.0.0.1', plain_srv.port, security='plain')
        self.addCleanup(psock.close)
        old = self.worker()
        os.kill(old, signal.SIGSEGV)
        for path in tls:
            self.assertEqual(self.client.wait_closed(path),
                             'worker-crashed')
            self.assertEqual(self.client.prop(path, SESSION,
                                              'CloseReason'),
                             'worker-crashed')
        self.assertIchipdAlive()
        self.assertEqual(self.client.devices(), [self.dev])
        psock.sendall(b'plain goes on\n')
        self.assertEqual(recv_exactly(psock, 14), b'plain goes on\n')
        self.assertNotIn(ppath, self.client.closed)
        path, sock = self.open_tls()    # a new worker serves new sessions
        self.assertNotEqual(self.worker(), old)


class CertificateIntakeTest(harness.IchipTestCase):
    """SetCA's input (any allowed caller's bytes) is parsed by the TLS
    worker, not by the process holding CAP_NET_ADMIN: the worker starts
    for it, and a dead worker costs one answer, not ichipd."""

    def test_set_ca_parsed_by_worker(self):
        self.start_stack()
        pid = self.ichipd.proc.pid
        self.assertEqual(children(pid, 'ichip-tls-worker'), [])
        self.assertDBusError('org.ichip.Error.InvalidCertificate',
                             self.client.set_ca, self.dev,
                             b'-----BEGIN CERTIFICATE-----\n\xff\xfe\n'
                             b'-----END CERTIFICATE-----\n')
        workers = children(pid, 'ichip-tls-worker')
        self.assertEqual(len(workers), 1, 'no worker parsed the input')
        self.client.set_ca(self.dev, self.certs.ca.pem)
        self.assertEqual(children(pid, 'ichip-tls-worker'), workers)
        os.kill(workers[0], signal.SIGKILL)
        harness.wait_until(lambda: 'TLS worker' in self.ichipd.log() and
                           'signal 9' in self.ichipd.log(), 10,
                           'ichipd to notice the worker died')
        self.client.set_ca(self.dev, self.certs.other_ca.pem)
        self.assertEqual(self.client.get_ca(self.dev).strip(),
                         self.certs.other_ca.pem.strip())
        self.assertNotEqual(children(pid, 'ichip-tls-worker'), workers)
        self.assertIchipdAlive()

    def test_worker_runs_from_a_private_build_tree(self):
        """ichipd run as root from a tree nobody may enter (a clone in
        /root, mode 0700: make run in a container): the worker still
        starts.  ichipd opens it before dropping to nobody, so the
        directories' permissions do not decide; SetCA needs it."""
        if os.geteuid() != 0:
            self.skipTest('only root drops the worker to nobody')
        priv = os.path.join(self.tmp, 'root-only')
        os.makedirs(os.path.join(priv, 'daemon'))
        os.chmod(priv, 0o700)
        for exe in ('ichipd', 'ichip-tls-worker'):
            dst = os.path.join(priv, 'daemon', exe)
            with open(os.path.join(BUILD, 'daemon', exe), 'rb') as a, \
                    open(dst, 'wb') as b:
                b.write(a.read())
            os.chmod(dst, 0o755)
        self.start_stack(binary=os.path.join(priv, 'daemon', 'ichipd'))
        self.client.set_ca(self.dev, self.certs.ca.pem)
        self.assertEqual(self.client.get_ca(self.dev).strip(),
                         self.certs.ca.pem.strip())
        self.assertIchipdAlive()


if __name__ == '__main__':
    harness.main()
