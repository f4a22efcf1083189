# SPDX-License-Identifier: GPL-2.0-only
# SPDX-FileCopyrightText: 2026 The ichip authors
"""Test certificates, made with certtool at test time.

Nothing is checked in: every run makes a fresh in-house CA and the bad
certificates the tests need, so expiry dates never rot and no private key
lives in the tree.  Generation is done once per test process (RSA 4096
keys take a moment) and shared by the tests of that file.
"""

import os
import ssl
import subprocess
from dataclasses import dataclass


@dataclass
class Cert:
    """One certificate with its key: paths, PEM text and DER bytes."""
    name: str
    pem_path: str
    key_path: str

    @property
    def pem(self) -> bytes:
        with open(self.pem_path, 'rb') as f:
            return f.read()

    @property
    def der(self) -> bytes:
        return ssl.PEM_cert_to_DER_cert(self.pem.decode('ascii'))


# Validity windows: "expired" ones ended years ago, good ones last a year.
PAST = ('activation_date = "2015-01-01 00:00:00 UTC"\n'
        'expiration_date = "2016-01-01 00:00:00 UTC"\n')
GOOD = 'expiration_days = 365\n'

CA_TEMPLATE = 'ca\ncert_signing_key\n'
SERVER_TEMPLATE = ('tls_www_server\nsigning_key\nencryption_key\n')


def _certtool(*args, cwd):
    """certtool quietly; a failure shows its stderr (why it refused)."""
    res = subprocess.run(['certtool', '--no-text', *args], cwd=cwd,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                         text=True, timeout=120)
    if res.returncode != 0:
        raise RuntimeError(f'certtool {" ".join(args)}: {res.stderr}')


class CertFactory:
    """Makes keys and certificates in one directory."""

    def __init__(self, directory):
        self.dir = directory
        os.makedirs(directory, exist_ok=True)

    def _path(self, name, ext):
        return os.path.join(self.dir, f'{name}.{ext}')

    def key(self, name, kind='rsa', bits=2048):
        """A private key: RSA of `bits` or ECDSA P-256."""
        args = ['--generate-privkey', '--outfile', self._path(name, 'key')]
        if kind == 'rsa':
            args += ['--key-type', 'rsa', '--bits', str(bits)]
        else:
            args += ['--key-type', 'ecdsa', '--curve', 'secp256r1']
        _certtool(*args, cwd=self.dir)
        return self._path(name, 'key')

    def _template(self, name, text):
        path = self._path(name, 'tmpl')
        with open(path, 'w') as f:
            f.write(text)
        return path

    def self_signed(self, name, cn, ca=True, validity=GOOD, hosts=(),
                    kind='rsa', bits=2048):
        """A self-signed certificate: a CA root, or a leaf when ca=False."""
        key = self.key(name, kind, bits)
        text = f'cn = "{cn}"\n' + validity + _host_lines(hosts)
        text += CA_TEMPLATE if ca else SERVER_TEMPLATE
        _certtool('--generate-self-signed', '--load-privkey', key,
                  '--template', self._template(name, text),
                  '--outfile', self._path(name, 'pem'), cwd=self.dir)
        return Cert(name, self._path(name, 'pem'), key)

    def _issue(self, name, key, text, issuer):
        """A certificate for `key` from template `text`, signed by
        `issuer`."""
        _certtool('--generate-certificate', '--load-privkey', key,
                  '--load-ca-certificate', issuer.pem_path,
                  '--load-ca-privkey', issuer.key_path,
                  '--template', self._template(name, text),
                  '--outfile', self._path(name, 'pem'), cwd=self.dir)
        return Cert(name, self._path(name, 'pem'), key)

    def reply_lookalike(self, name, line_start):
        """A self-signed CA whose PEM has a base64 line that looks like
        a module's reply: one that starts with "I/" (line_start) or
        ends in "I/OK".  Base64 makes "I/" from the bytes 23 Fx and
        "I/OK" from 23 F3 8A: a '#' and a 4-byte UTF-8 character in the
        CN, moved along by padding until the '#' sits where a line
        starts (a multiple of 48 bytes into the DER) or where its last
        group does (45 past one)."""
        key = self.key(name, 'rsa', 2048)
        char, at = ('\U0001D11E', 0) if line_start else ('\U000CA000', 45)
        for pad in range(2 * 48):
            text = f'cn = "ichip {"x" * pad}#{char} CA"\n' + GOOD
            text += CA_TEMPLATE
            _certtool('--generate-self-signed', '--load-privkey', key,
                      '--template', self._template(name, text),
                      '--outfile', self._path(name, 'pem'), cwd=self.dir)
            cert = Cert(name, self._path(name, 'pem'), key)
            lines = cert.pem.decode().splitlines()
            if any(ln.startswith('I/') if line_start else
                   ln.endswith('I/OK') and len(ln) == 64 for ln in lines):
                return cert
        raise RuntimeError(f'{name}: no padding put {char!r} at {at}')

    def intermediate(self, name, cn, issuer, bits=2048):
        """A CA certificate signed by `issuer` (as public CAs issue
        server certificates: from a subordinate CA, never the root)."""
        key = self.key(name, 'rsa', bits)
        text = f'cn = "{cn}"\n' + GOOD + CA_TEMPLATE
        return self._issue(name, key, text, issuer)

    def chain(self, name, leaf, *issuers):
        """The leaf's certificate followed by its issuers' (what a
        server sends), with the leaf's key."""
        path = self._path(name, 'pem')
        with open(path, 'wb') as f:
            for c in (leaf, *issuers):
                f.write(c.pem)
        return Cert(name, path, leaf.key_path)

    def server(self, name, issuer, hosts=('localhost', '127.0.0.1'),
               validity=GOOD, bits=2048):
        """A server (leaf) certificate for `hosts`, signed by `issuer`."""
        key = self.key(name, 'rsa', bits)
        text = f'cn = "{hosts[0]}"\n' + validity + _host_lines(hosts)
        text += SERVER_TEMPLATE
        return self._issue(name, key, text, issuer)


def _host_lines(hosts):
    """SAN lines: IP literals as ip_address, the rest as dns_name."""
    lines = ''
    for h in hosts:
        kind = 'ip_address' if h.replace('.', '').isdigit() else 'dns_name'
        lines += f'{kind} = "{h}"\n'
    return lines


class CertSet:
    """Every certificate the integration tests use, by role.

    CAs for SetCA: ca (good, RSA 2048, fits the module), expired_ca,
    weak_ca (RSA 1024), ecdsa_ca (module cannot use it), big_ca (RSA 4096:
    over the module's 1300 characters), leaf (a server certificate, not a
    CA), self_leaf (self-signed, not a CA), i_slash_ca and i_ok_ca (a
    base64 line that starts with "I/" or ends in "I/OK", as a reply).
    Servers: server (localhost + 127.0.0.1, signed by ca), expired_server,
    wronghost_server (wrong.example), otherca_server (signed by other_ca),
    self_server (self-signed), weak_server (RSA 1024, signed by ca).
    """

    def __init__(self, directory):
        f = CertFactory(directory)
        self.dir = directory
        self.ca = f.self_signed('ca', 'ichip test CA')
        self.other_ca = f.self_signed('other-ca', 'some other CA')
        self.expired_ca = f.self_signed('expired-ca', 'expired CA',
                                        validity=PAST)
        self.weak_ca = f.self_signed('weak-ca', 'weak CA', bits=1024)
        self.ecdsa_ca = f.self_signed('ecdsa-ca', 'ECDSA CA', kind='ecdsa')
        self.big_ca = f.self_signed('big-ca', 'RSA 4096 CA', bits=4096)
        self.server = f.server('server', self.ca)
        self.leaf = self.server
        self.expired_server = f.server('expired-server', self.ca,
                                       validity=PAST)
        self.wronghost_server = f.server('wronghost-server', self.ca,
                                         hosts=('wrong.example',))
        self.otherca_server = f.server('otherca-server', self.other_ca)
        self.self_server = f.self_signed('self-server', 'localhost',
                                         ca=False,
                                         hosts=('localhost', '127.0.0.1'))
        self.self_leaf = self.self_server
        self.weak_server = f.server('weak-server', self.ca, bits=1024)
        self.i_slash_ca = f.reply_lookalike('i-slash-ca', True)
        self.i_ok_ca = f.reply_lookalike('i-ok-ca', False)

    def module_text_len(self, cert):
        """PEM length as the module counts it (64-column lines, LF)."""
        return len(ssl.DER_cert_to_PEM_cert(cert.der).replace('\r', ''))
