#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
# SPDX-FileCopyrightText: 2026 The ichip authors
"""Every polkit action of ichipd, decided by a polkit stand-in.

ichipd runs without --test-allow-all, on a bus configured like the system
bus with the shipped policy; python3-dbusmock's polkitd template (extended
with challenges: polkitd_template.py) answers CheckAuthorization.  For
each method and its action: allowed -> the method acts; denied ->
PermissionDenied; a challenge (what polkit answers for auth_admin) ->
InteractiveAuthorizationRequired when the caller did not allow
interaction, the agent's answer when it did.  The stand-in's log shows
the subject (the caller's unique bus name), the action and the flag.
Calls are made with GDBus, which can set the interactive flag.
"""

import os
import subprocess

import dbus
from gi.repository import Gio, GLib

import harness
from client import DEVICE, MANAGER, MANAGER_PATH
from fixtures import ICHIPD_BIN

ICHIP = 'org.ichip'
DENIED = 'org.ichip.Error.PermissionDenied'
NEED_AUTH = 'org.freedesktop.DBus.Error.InteractiveAuthorizationRequired'
INTERACTIVE = Gio.DBusCallFlags.ALLOW_INTERACTIVE_AUTHORIZATION


class PolkitTest(harness.IchipTestCase):

    def setUp(self):
        super().setUp()
        self.start_bus(system_like=True)
        self.start_polkitd()
        self.pk = self.polkitd.mock
        self.sim = self.start_sim()
        self.start_ichipd([self.sim.link], ['--debug-commands'],
                          allow_all=False)
        self.client = self.connect()
        self.dev = self.wait_for_device()
        self.gdbus = Gio.DBusConnection.new_for_address_sync(
            self.bus.address,
            Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT |
            Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION, None, None)
        self.addCleanup(self.gdbus.close_sync, None)

    def gcall(self, path, iface, method, args, interactive):
        """(None, reply) or (error name, message)."""
        try:
            reply, fds = self.gdbus.call_with_unix_fd_list_sync(
                ICHIP, path, iface, method, args, None,
                INTERACTIVE if interactive else Gio.DBusCallFlags.NONE,
                60000, None, None)
        except GLib.Error as e:
            return Gio.DBusError.get_remote_error(e), e.message
        if fds:
            for fd in fds.steal_fds():
                os.close(fd)
        return None, reply

    def decide(self, allowed=(), challenge=(), agent=True):
        self.pk.SetAllowed(dbus.Array(list(allowed), signature='s'))
        self.pk.SetChallenge(dbus.Array(list(challenge), signature='s'))
        self.pk.SetAgentAnswer(agent)

    def assertAction(self, action, call, ok, needs=(), cleanup=None):
        """call(interactive) -> (error, detail); ok((error, detail)) says
        whether the method acted.  needs: actions checked before;
        cleanup(result) runs after each case."""
        me = self.gdbus.get_unique_name()
        cases = [
            # (allowed, challenge, agent, interactive, expected)
            ((action,), (), True, False, 'ok'),
            ((), (), True, False, DENIED),
            ((), (), True, True, DENIED),
            ((), (action,), True, False, NEED_AUTH),
            ((), (action,), True, True, 'ok'),
            ((), (action,), False, True, DENIED),
        ]
        for allowed, challenge, agent, interactive, want in cases:
            with self.subTest(action=action, allowed=bool(allowed),
                              challenge=bool(challenge), agent=agent,
                              interactive=interactive):
                self.decide(list(needs) + list(allowed), challenge, agent)
                before = len(self.polkitd.checks())
                res = call(interactive)
                if want == 'ok':
                    self.assertTrue(ok(res), f'did not act: {res}')
                else:
                    self.assertEqual(res[0], want, res)
                checks = self.polkitd.checks()[before:]
                self.assertTrue(checks, 'polkit was not asked')
                kind, name, act, flags = checks[-1]
                self.assertEqual((kind, name, act, flags),
                                 ('system-bus-name', me, action,
                                  1 if interactive else 0))
                if cleanup:
                    cleanup(res)

    # ---- one test per action ----

    def test_set_ca(self):
        pem = GLib.Variant('(aya{sv})', (self.certs.ca.pem, {}))
        self.assertAction(
            'org.ichip.set-ca',
            lambda i: self.gcall(self.dev, DEVICE, 'SetCA', pem, i),
            lambda r: r[0] is None)
        self.assertAction(
            'org.ichip.set-ca',
            lambda i: self.gcall(self.dev, DEVICE, 'ClearCA', None, i),
            lambda r: r[0] is None)
        # nothing persisted after ClearCA: authorized, then NoCA
        self.assertAction(
            'org.ichip.set-ca',
            lambda i: self.gcall(self.dev, DEVICE, 'RestoreCA', None, i),
            lambda r: r[0] == 'org.ichip.Error.NoCA')

    def test_open_session(self):
        srv = self.start_pyserver('echo')
        args = GLib.Variant('(sqa{sv})', ('127.0.0.1', srv.port, {
            'security': GLib.Variant('s', 'plain')}))
        self.assertAction(
            'org.ichip.open-session',
            lambda i: self.gcall(self.dev, DEVICE, 'OpenSession', args, i),
            lambda r: r[0] is None)

    def test_legacy_tls(self):
        """device-tls needs open-session, then legacy-tls.  Allowed, it
        reaches the module (no server listens: ConnectFailed)."""
        args = GLib.Variant('(sqa{sv})', ('127.0.0.1', 1, {
            'security': GLib.Variant('s', 'device-tls'),
            'allow-legacy-tls': GLib.Variant('b', True),
            'timeout-ms': GLib.Variant('u', 5000)}))
        self.assertAction(
            'org.ichip.legacy-tls',
            lambda i: self.gcall(self.dev, DEVICE, 'OpenSession', args, i),
            lambda r: r[0] in ('org.ichip.Error.ConnectFailed',
                               'org.ichip.Error.Timeout'),
            needs=('org.ichip.open-session',))

    def test_raw_command(self):
        args = GLib.Variant('(s)', ('AT+iRP1',))
        self.assertAction(
            'org.ichip.raw-command',
            lambda i: self.gcall(self.dev, DEVICE, 'Command', args, i),
            lambda r: r[0] is None and r[1][0] == 'ICHIP-SIM 1.0')

    def test_manage_devices(self):
        other = self.start_sim('ttyICHIP1', ['--on-hangup', 'reopen'])
        args = GLib.Variant('(sa{sv})', (other.link, {}))
        added = []

        def remove_added(res):
            if res[0] is None:
                added.append(res[1][0])
                self.decide(['org.ichip.manage-devices'])
                self.client.call(MANAGER_PATH, MANAGER, 'RemoveDevice',
                                 res[1][0], signature='o')
        self.assertAction(
            'org.ichip.manage-devices',
            lambda i: self.gcall(MANAGER_PATH, MANAGER, 'AddDevice', args,
                                 i),
            lambda r: r[0] is None, cleanup=remove_added)
        self.assertEqual(len(added), 2)     # allowed, and agent said yes
        self.assertEqual(self.client.devices(), [self.dev])

        def add_other():
            real_decide(['org.ichip.manage-devices'])
            path = harness.wait_until(lambda: self.gcall(
                MANAGER_PATH, MANAGER, 'AddDevice', args, False), 20,
                'the second simulator to take a new line')
            self.assertIsNone(path[0], path)
            return path[1][0]
        removed = []

        def remove_other(i):
            path = add_other()
            real_decide(allowed, challenge, agent)
            res = self.gcall(MANAGER_PATH, MANAGER, 'RemoveDevice',
                             GLib.Variant('(o)', (path,)), i)
            removed.append(path not in self.client.devices())
            return res

        def cleanup(res):
            for p in self.client.devices():
                if p != self.dev:
                    real_decide(['org.ichip.manage-devices'])
                    self.client.call(MANAGER_PATH, MANAGER, 'RemoveDevice',
                                     p, signature='o')
        # assertAction's decide() is redone inside remove_other, after
        # the device is added again: keep what it set
        allowed = challenge = ()
        agent = True
        real_decide = self.decide

        def capture(a=(), c=(), g=True):
            nonlocal allowed, challenge, agent
            allowed, challenge, agent = a, c, g
            real_decide(a, c, g)
        self.decide = capture
        self.assertAction('org.ichip.manage-devices', remove_other,
                          lambda r: r[0] is None, cleanup=cleanup)
        self.decide = real_decide
        self.assertEqual(removed, [True, False, False, False, True, False])


class AllowAllTest(harness.IchipTestCase):
    """--test-allow-all is a test switch: ichipd refuses it on the real
    system bus (the default address, or the well-known socket)."""

    def test_refused_on_the_system_bus(self):
        state = os.path.join(self.tmp, 'state')
        argv = [ICHIPD_BIN, '--state-dir', state, '--no-udev',
                '--test-allow-all']
        for address in (None, 'unix:path=/run/dbus/system_bus_socket',
                        'unix:path=/var/run/dbus/system_bus_socket'):
            with self.subTest(address=address):
                env = dict(os.environ)
                env.pop('DBUS_SYSTEM_BUS_ADDRESS', None)
                if address:
                    env['DBUS_SYSTEM_BUS_ADDRESS'] = address
                r = subprocess.run(argv, env=env, capture_output=True,
                                   timeout=30)
                self.assertEqual(r.returncode, 1, r.stderr)
                self.assertIn(b'--test-allow-all is a test switch',
                              r.stderr)


if __name__ == '__main__':
    harness.main()
