#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""Findings of the security review of ichipd (issue 12), one test each.

Each test failed on the code before its fix.  Callers other than root run
as another uid (nobody) on a bus configured like the system bus with the
shipped dbus/org.ichip.conf (fixtures.SystemBus), so the bus policy and
sd-bus's own privilege check are both in the path.
"""

import dbus

import harness
from client import DEVICE, MANAGER, MANAGER_PATH, OBJMGR, PROPS
from client import error_name
from fixtures import ICHIPD_ASAN_BIN, as_user

ICHIP = 'org.ichip'


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
        self.client.call(self.dev, DEVICE, 'Command',
                         f'AT+iSTCP:127.0.0.1,{srv.port}', signature='s')
        self.assertIn(' sockets=2 ', self.sim.control('status') + ' ')
        sock.sendall(b'x')      # the poller runs while data moves
        harness.wait_until(
            lambda: ' sockets=1 ' in self.sim.control('status') + ' ', 30,
            'the unowned socket to be closed')


if __name__ == '__main__':
    harness.main()
