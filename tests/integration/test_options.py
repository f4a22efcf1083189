#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
# SPDX-FileCopyrightText: 2026 The ichip authors
"""Documented options no other test exercises, as far as a pty allows.

  system-trust   (Device1.OpenSession) with no device CA the session is
                 no longer refused with NoCA but verified against the
                 system store, which does not hold the test CA
                 (VerifyFailed); with a device CA as well, that CA still
                 verifies; with another mode it is refused.
                 Not testable without root: a server accepted through a
                 CA of the system store (the store cannot be changed).
  timeout-ms     see test_errors.py (Timeout, and the same open passing
                 with the default); out of range here.
  flow           (Manager1.AddDevice) rtscts sets CRTSCTS on the tty,
                 none and xonxoff (the default) clear it, anything else
                 is InvalidArgument.
                 Not testable on a pty: RTS/CTS themselves (a pty has no
                 modem lines) and a module honouring them.
                 The module's FLW bit 0 is made to match: set for rtscts,
                 cleared for none and xonxoff, other bits kept, and not
                 written when it already matches (flash).
  InterfacesAdded / InterfacesRemoved for AddDevice / RemoveDevice.
                 udev discovery itself is not testable here: it needs
                 udevd and a tty in sysfs (ptys are not).
"""

import os
import termios

import dbus

import harness
from client import DEVICE, MANAGER, MANAGER_PATH, OBJMGR, options, pump

ERR = 'org.ichip.Error.'


class OptionTest(harness.IchipTestCase):

    def open(self, port, host='localhost', **opts):
        path, sock = self.client.open_session(self.dev, host, port, **opts)
        self.addCleanup(sock.close)
        return path, sock

    # ---- system-trust ----

    def test_system_trust_without_device_ca(self):
        self.start_stack()
        srv = self.start_pyserver('echo', self.certs.server)
        self.assertDBusError(ERR + 'NoCA', self.open, srv.port)
        e = self.assertDBusError(ERR + 'VerifyFailed', self.open, srv.port,
                                 system_trust=True)
        harness.note(f'system store only: {e}')

    def test_system_trust_keeps_the_device_ca(self):
        self.start_stack()
        self.client.set_ca(self.dev, self.certs.ca.pem)
        srv = self.start_pyserver('echo', self.certs.server)
        _, sock = self.open(srv.port, system_trust=True)
        sock.settimeout(30)
        sock.sendall(b'both anchors\n')
        self.assertEqual(sock.recv(64), b'both anchors\n')

    def test_system_trust_only_for_host_tls(self):
        self.start_stack()
        self.client.set_ca(self.dev, self.certs.ca.pem)
        for sec in ('plain', 'device-tls'):
            with self.subTest(security=sec):
                self.assertDBusError(ERR + 'InvalidArgument', self.open,
                                     4433, security=sec,
                                     allow_legacy_tls=True,
                                     system_trust=True)

    def test_timeout_ms_range(self):
        self.start_stack()
        self.client.set_ca(self.dev, self.certs.ca.pem)
        for ms in (0, 99, 600001):
            with self.subTest(ms=ms):
                self.assertDBusError(ERR + 'InvalidArgument', self.open,
                                     4433, timeout_ms=dbus.UInt32(ms))

    # ---- flow, InterfacesAdded ----

    def add(self, sim, **opts):
        return str(self.client.call(MANAGER_PATH, MANAGER, 'AddDevice',
                                    sim.link, options(**opts),
                                    signature='sa{sv}'))

    def crtscts(self, sim):
        fd = os.open(sim.link, os.O_RDWR | os.O_NOCTTY)
        try:
            return bool(termios.tcgetattr(fd)[2] & termios.CRTSCTS)
        finally:
            os.close(fd)

    def set_crtscts(self, sim):
        fd = os.open(sim.link, os.O_RDWR | os.O_NOCTTY)
        try:
            attrs = termios.tcgetattr(fd)
            attrs[2] |= termios.CRTSCTS
            termios.tcsetattr(fd, termios.TCSANOW, attrs)
        finally:
            os.close(fd)

    def test_flow_and_interfaces_added(self):
        self.start_stack()
        added = []
        self.client.bus.add_signal_receiver(
            lambda path, ifaces: added.append((str(path), list(ifaces))),
            signal_name='InterfacesAdded', dbus_interface=OBJMGR)
        one = self.start_sim('ttyICHIP1')
        two = self.start_sim('ttyICHIP2')
        self.assertFalse(self.crtscts(one))
        p1 = self.add(one, flow='rtscts')
        self.assertTrue(self.crtscts(one), 'flow=rtscts left CRTSCTS off')
        # a port that had CRTSCTS on is cleared by flow=none
        self.set_crtscts(two)
        p2 = self.add(two, flow='none')
        self.assertFalse(self.crtscts(two), 'flow=none left CRTSCTS on')
        three = self.start_sim('ttyICHIP3')
        self.set_crtscts(three)
        p3 = self.add(three, flow='xonxoff')
        self.assertFalse(self.crtscts(three), 'flow=xonxoff left CRTSCTS on')
        harness.wait_until(lambda: {p for p, _ in added} >= {p1, p2, p3},
                           10, 'InterfacesAdded for the devices', pump=pump)
        for p, ifaces in added:
            self.assertIn(DEVICE, ifaces)
        self.assertDBusError(ERR + 'InvalidArgument', self.add,
                             self.start_sim('ttyICHIP4'), flow='hardware')
        self.client.call(MANAGER_PATH, MANAGER, 'RemoveDevice',
                         dbus.ObjectPath(p1), signature='o')
        harness.wait_until(lambda: any(p == p1 and DEVICE in i
                                       for p, i in self.client.removed),
                           10, 'InterfacesRemoved', pump=pump)

    def flw_after_add(self, name, flow, preset=None):
        """The module's FLW and the FLW writes once a device is set up."""
        if preset is not None:
            with open(os.path.join(self.tmp, f'{name}.state'), 'w') as f:
                f.write(f'FLW={preset}\n')
        sim = self.start_sim(name)
        path = self.add(sim, flow=flow)

        def answered():
            t = sim.trace()
            return any('> AT+iFLW?' in line and i + 1 < len(t) and
                       '< ' in t[i + 1] for i, line in enumerate(t))
        harness.wait_until(answered, 20, 'the FLW query answered')
        # commands run in order: a write the answer asked for is on the
        # wire before the answer to this one
        self.client.call(path, DEVICE, 'Command', 'AT+i', signature='s')
        writes = [line.split('> ', 1)[1] for line in sim.trace()
                  if '> AT+iFLW=' in line]
        return sim.params().get('FLW', '0'), writes

    def test_flow_sets_module_flw(self):
        self.start_stack(ichipd_extra=['--debug-commands'])
        self.assertEqual(self.flw_after_add('ttyICHIP1', 'rtscts'),
                         ('1', ['AT+iFLW=1']))
        # other bits kept; bit 0 cleared for the module's WAIT/CONTINUE
        self.assertEqual(self.flw_after_add('ttyICHIP2', 'xonxoff', 3),
                         ('2', ['AT+iFLW=2']))
        self.assertEqual(self.flw_after_add('ttyICHIP3', 'none', 1),
                         ('0', ['AT+iFLW=0']))
        # already as configured: no flash write
        self.assertEqual(self.flw_after_add('ttyICHIP4', 'rtscts', 5),
                         ('5', []))
        self.assertEqual(self.flw_after_add('ttyICHIP5', 'xonxoff'),
                         ('0', []))


if __name__ == '__main__':
    harness.main()
