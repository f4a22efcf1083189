#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
# SPDX-FileCopyrightText: 2026 The ichip authors
"""CA lifecycle through ichipd: set, compare, persist, clear, restore, refuse.

What the module holds is read from the simulator's state file (what a
real module keeps in flash), and module writes are counted in the
simulator's trace, so "no write when identical" is observed on the line
itself rather than taken from ichipd's word.
"""

import hashlib
import os
import ssl
import stat
import subprocess

import harness
from client import DEVICE, pump

MB = 1 << 20


def openssl_field(cert, option):
    """One field of `openssl x509` output, without its "name=" prefix."""
    out = subprocess.run(['openssl', 'x509', '-noout', option,
                          '-nameopt', 'RFC2253,-esc_msb', '-in', cert.pem_path],
                         capture_output=True, text=True, check=True).stdout
    return out.strip().split('=', 1)[1]


def der_of(pem_text):
    return ssl.PEM_cert_to_DER_cert(pem_text)


class CATest(harness.IchipTestCase):

    def setUp(self):
        super().setUp()
        self.start_stack(ichipd_extra=['--debug-commands'])

    # ---- helpers ----

    def ca_props(self):
        p = self.client.props(self.dev, DEVICE)
        return {k: p[k] for k in ('CAFingerprint', 'CASubject', 'CANotAfter',
                                  'CALocation')}

    def module_ca_der(self):
        """DER of the module's CA parameter ("" when empty)."""
        value = self.sim.params().get('CA', '')
        return der_of(value) if 'BEGIN CERTIFICATE' in value else b''

    def persisted_path(self, location='module'):
        """Where the copy lives: dev-<Name>.ca.pem (org.ichip.Device1(5)); a
        host-only anchor in dev-<Name>.host-ca.pem (as ichipd does; the
        contract names only the first)."""
        name = self.client.prop(self.dev, DEVICE, 'Name')
        kind = 'host-ca' if location == 'host-only' else 'ca'
        return os.path.join(self.ichipd.state_dir, f'dev-{name}.{kind}.pem')

    def assertCAIs(self, cert, location='module'):
        """Properties, GetCA, module and persisted copy all hold `cert`."""
        props = self.ca_props()
        self.assertEqual(props['CAFingerprint'],
                         hashlib.sha256(cert.der).hexdigest())
        self.assertEqual(props['CASubject'], openssl_field(cert, '-subject'))
        self.assertEqual(props['CANotAfter'], int(ssl.cert_time_to_seconds(
            openssl_field(cert, '-enddate'))))
        self.assertEqual(props['CALocation'], location)
        self.assertEqual(der_of(self.client.get_ca(self.dev).decode()),
                         cert.der)
        if location == 'module':
            self.assertEqual(self.module_ca_der(), cert.der)
            reply = self.client.call(self.dev, DEVICE, 'Command', 'AT+iCA?',
                                     signature='s')
            self.assertIn(openssl_field(cert, '-subject'), reply)
        path = self.persisted_path(location)
        self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o600)
        with open(path) as f:
            self.assertEqual(der_of(f.read()), cert.der)

    def assertNoCA(self):
        self.assertEqual(self.ca_props(), {
            'CAFingerprint': '', 'CASubject': '', 'CANotAfter': 0,
            'CALocation': 'none'})
        self.assertDBusError('org.ichip.Error.NoCA', self.client.get_ca,
                             self.dev)
        for location in ('module', 'host-only'):
            self.assertFalse(os.path.exists(self.persisted_path(location)))

    def refused(self, error, data, **opts):
        """SetCA(data) fails with `error` and the module is not written."""
        writes = self.sim.ca_writes()
        e = self.assertDBusError(f'org.ichip.Error.{error}',
                                 self.client.set_ca, self.dev, data, **opts)
        self.assertEqual(self.sim.ca_writes(), writes,
                         'a refused certificate reached the module')
        return e

    # ---- set / get / compare ----

    def test_set_pem(self):
        self.client.set_ca(self.dev, self.certs.ca.pem)
        self.assertCAIs(self.certs.ca)

    def test_set_base64_that_looks_like_replies(self):
        """One certificate in about 250 has a base64 line that starts
        with "I/"; some end one in "I/OK".  They are the certificate's,
        in the module's echo of the write and in its answer to AT+iCA?
        alike: set, verified, read back whole."""
        for cert in (self.certs.i_slash_ca, self.certs.i_ok_ca):
            with self.subTest(cert=cert.name):
                self.client.set_ca(self.dev, cert.pem)
                self.assertCAIs(cert)

    def test_set_der(self):
        self.client.set_ca(self.dev, self.certs.ca.der)
        self.assertCAIs(self.certs.ca)

    def test_set_emits_properties_changed(self):
        self.client.set_ca(self.dev, self.certs.ca.pem)
        pump(0.5)
        changed = set()
        for path, iface, props in self.client.changed:
            if path == self.dev and iface == DEVICE:
                changed |= set(props)
        self.assertLessEqual({'CAFingerprint', 'CASubject', 'CANotAfter',
                              'CALocation'}, changed)

    def test_identical_set_writes_nothing(self):
        """The same CA again (PEM or DER): success, no module write."""
        self.client.set_ca(self.dev, self.certs.ca.pem)
        writes = self.sim.ca_writes()
        self.assertGreaterEqual(writes, 1)
        self.client.set_ca(self.dev, self.certs.ca.pem)
        self.client.set_ca(self.dev, self.certs.ca.der)
        self.assertEqual(self.sim.ca_writes(), writes)
        self.assertCAIs(self.certs.ca)

    def test_replace_writes_again(self):
        """A different CA does reach the module (the counter can move)."""
        self.client.set_ca(self.dev, self.certs.ca.pem)
        writes = self.sim.ca_writes()
        self.client.set_ca(self.dev, self.certs.other_ca.pem)
        self.assertGreater(self.sim.ca_writes(), writes)
        self.assertCAIs(self.certs.other_ca)

    # ---- clear / restore ----

    def test_clear(self):
        self.client.set_ca(self.dev, self.certs.ca.pem)
        self.client.call(self.dev, DEVICE, 'ClearCA', signature='')
        self.assertNoCA()
        self.assertEqual(self.module_ca_der(), b'')

    def test_restore_after_factory_reset(self):
        """AT+iFD wipes the module; RestoreCA puts the persisted CA back."""
        self.client.set_ca(self.dev, self.certs.ca.pem)
        self.client.call(self.dev, DEVICE, 'Command', 'AT+iFD',
                         signature='s')
        self.assertEqual(self.module_ca_der(), b'', 'AT+iFD did not wipe')
        self.client.call(self.dev, DEVICE, 'RestoreCA', signature='')
        self.assertCAIs(self.certs.ca)

    def test_restore_with_nothing_persisted(self):
        self.assertDBusError('org.ichip.Error.NoCA', self.client.call,
                             self.dev, DEVICE, 'RestoreCA', signature='')

    # ---- refusals ----

    def test_invalid_certificates(self):
        """Garbage, two certificates, 10 MB: InvalidCertificate; old CA kept."""
        c = self.certs
        self.client.set_ca(self.dev, c.ca.pem)
        for what, data in (('garbage', b'this is not a certificate\n'),
                           ('empty', b''),
                           ('two PEM certs', c.ca.pem + c.other_ca.pem),
                           ('DER with trailing data', c.other_ca.der + b'x'),
                           ('10 MB', os.urandom(10 * MB))):
            with self.subTest(what):
                self.refused('InvalidCertificate', data)
        self.assertCAIs(c.ca)

    def test_expired_needs_force(self):
        self.refused('CertificateExpired', self.certs.expired_ca.pem)
        self.assertNoCA()
        self.client.set_ca(self.dev, self.certs.expired_ca.pem, force=True)
        self.assertCAIs(self.certs.expired_ca)

    def test_weak_key_needs_force(self):
        self.refused('WeakKey', self.certs.weak_ca.pem)
        self.client.set_ca(self.dev, self.certs.weak_ca.pem, force=True)
        self.assertCAIs(self.certs.weak_ca)

    def test_leaf_is_not_a_ca(self):
        """A CA-signed leaf is refused even with every option."""
        self.refused('NotCA', self.certs.leaf.pem)
        self.refused('NotCA', self.certs.leaf.pem, force=True,
                     allow_self_signed_leaf=True, host_only=True)
        self.assertNoCA()

    def test_self_signed_leaf_needs_option(self):
        self.refused('NotCA', self.certs.self_leaf.pem)
        self.client.set_ca(self.dev, self.certs.self_leaf.pem,
                           allow_self_signed_leaf=True)
        self.assertCAIs(self.certs.self_leaf)

    def test_too_large_is_host_only(self):
        """An RSA 4096 CA exceeds 1300 chars: refused, or kept host-only."""
        self.refused('CertificateTooLarge', self.certs.big_ca.pem)
        writes = self.sim.ca_writes()
        self.client.set_ca(self.dev, self.certs.big_ca.pem, host_only=True)
        self.assertCAIs(self.certs.big_ca, location='host-only')
        self.assertEqual(self.sim.ca_writes(), writes)
        self.assertNotEqual(self.module_ca_der(), self.certs.big_ca.der)

    def test_ecdsa_is_host_only(self):
        """The module's SSL is RSA only: an ECDSA CA is host-only or refused."""
        self.refused('UnsupportedKeyType', self.certs.ecdsa_ca.pem)
        self.client.set_ca(self.dev, self.certs.ecdsa_ca.pem, host_only=True)
        self.assertCAIs(self.certs.ecdsa_ca, location='host-only')
        self.assertNotEqual(self.module_ca_der(), self.certs.ecdsa_ca.der)

    def test_bad_option_type(self):
        self.refused('InvalidArgument', self.certs.ca.pem, force='yes')


if __name__ == '__main__':
    harness.main()
