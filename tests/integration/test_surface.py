#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
# SPDX-FileCopyrightText: 2026 The ichip authors
"""The D-Bus surface of the running ichipd matches dbus/org.ichip.*.xml.

The XML files are the one source of truth for the interfaces (docs and
clients are written from them); this test catches the daemon and the files
drifting apart: a method, property or signal added, dropped, renamed or
retyped on either side, or a property's change-signal behaviour.
"""

import os
import xml.etree.ElementTree as ET

import harness
from fixtures import SRC_ROOT

EMITS = 'org.freedesktop.DBus.Property.EmitsChangedSignal'
STANDARD = {'org.freedesktop.DBus.Peer', 'org.freedesktop.DBus.Introspectable',
            'org.freedesktop.DBus.Properties',
            'org.freedesktop.DBus.ObjectManager'}


def members(iface):
    """An interface element as {('method'|'property'|'signal', name): shape}.

    Methods: (in signature, out signature); signals: signature; properties:
    (type, access, EmitsChangedSignal with 'true' when absent).
    """
    out = {}
    for m in iface.findall('method'):
        args = m.findall('arg')
        sig_in = ''.join(a.get('type') for a in args
                         if a.get('direction', 'in') == 'in')
        sig_out = ''.join(a.get('type') for a in args
                          if a.get('direction') == 'out')
        out[('method', m.get('name'))] = (sig_in, sig_out)
    for s in iface.findall('signal'):
        out[('signal', s.get('name'))] = ''.join(
            a.get('type') for a in s.findall('arg'))
    for p in iface.findall('property'):
        emits = 'true'
        for a in p.findall('annotation'):
            if a.get('name') == EMITS:
                emits = a.get('value')
        out[('property', p.get('name'))] = (p.get('type'), p.get('access'),
                                            emits)
    return out


def interfaces(xml_text):
    root = ET.fromstring(xml_text)
    return {i.get('name'): i for i in root.findall('interface')}


def tree_interface(name):
    with open(os.path.join(SRC_ROOT, 'dbus', f'{name}.xml')) as f:
        return interfaces(f.read())[name]


class SurfaceTest(harness.IchipTestCase):

    def setUp(self):
        super().setUp()
        self.start_stack()
        srv = self.start_pyserver('echo')
        self.session, self.sock = self.client.open_session(
            self.dev, '127.0.0.1', srv.port, security='plain')
        self.addCleanup(self.sock.close)

    def assertMatchesTree(self, path, name):
        """The object at `path` has interface `name` exactly as in dbus/."""
        live_all = interfaces(self.client.introspect(path))
        self.assertIn(name, live_all, f'{path} lacks {name}')
        ours = {n for n in live_all if n not in STANDARD}
        self.assertEqual(ours, {name}, f'unexpected interfaces on {path}')
        want = members(tree_interface(name))
        got = members(live_all[name])
        for key in sorted(set(want) | set(got)):
            with self.subTest(object=path, member=key):
                self.assertIn(key, got, f'{key} missing from the daemon')
                self.assertIn(key, want, f'{key} not in dbus/{name}.xml')
                self.assertEqual(got[key], want[key])

    def test_manager_matches_xml(self):
        self.assertMatchesTree('/org/ichip', 'org.ichip.Manager1')

    def test_device_matches_xml(self):
        self.assertMatchesTree(self.dev, 'org.ichip.Device1')

    def test_session_matches_xml(self):
        self.assertMatchesTree(self.session, 'org.ichip.Session1')

    def test_object_tree(self):
        """/ is an ObjectManager that lists the manager, device, session."""
        self.assertIn('org.freedesktop.DBus.ObjectManager',
                      interfaces(self.client.introspect('/')))
        objects = self.client.call('/', 'org.freedesktop.DBus.ObjectManager',
                                   'GetManagedObjects', signature='')
        self.assertIn('org.ichip.Device1', objects[self.dev])
        self.assertIn('org.ichip.Session1', objects[self.session])
        self.assertRegex(self.dev, r'^/org/ichip/dev\d+$')
        self.assertRegex(self.session, r'^/org/ichip/dev\d+/session\d+$')
        self.assertTrue(self.session.startswith(self.dev + '/'))

    def test_properties_have_contract_values(self):
        """Enumerated properties hold values the contract lists."""
        c = self.client
        dev = c.props(self.dev, 'org.ichip.Device1')
        self.assertEqual(dev['Transport'], 'tty')
        self.assertIn(dev['State'], {'ready', 'busy', 'resync',
                                     'unresponsive', 'hungup'})
        self.assertEqual(dev['CALocation'], 'none')
        self.assertEqual(dev['CAFingerprint'], '')
        self.assertEqual(dev['FirmwareVersion'], 'ICHIP-SIM 1.0')
        self.assertEqual(dev['Serial'], 'SIM00000001')
        self.assertEqual(list(dev['Sessions']), [self.session])
        for k in ('tx-bytes', 'rx-bytes', 'commands', 'module-errors',
                  'timeouts', 'resyncs', 'overruns', 'noise', 'unsolicited',
                  'sessions-opened', 'session-bytes-in',
                  'session-bytes-out'):
            self.assertIn(k, dev['Counters'])
        ses = c.props(self.session, 'org.ichip.Session1')
        self.assertEqual(ses['Security'], 'plain')
        self.assertEqual(ses['State'], 'open')
        self.assertEqual(ses['TLSVersion'], '')
        self.assertEqual(bytes(ses['PeerCertificate']), b'')
        version = c.prop('/org/ichip', 'org.ichip.Manager1', 'Version')
        self.assertTrue(version)


if __name__ == '__main__':
    harness.main()
