#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
# SPDX-FileCopyrightText: 2026 The ichip authors
"""Self-check of the integration harness; needs no ichipd.

If these fail, the ichipd tests would fail for reasons that are not
ichipd's: the private bus, the simulator, the certificates, the servers,
and the one thing only the harness can show: that the simulated module's
own TLS 1.0 reaches the legacy server but not the modern one.
"""

import hashlib
import socket
import ssl
import subprocess

import dbus

import harness
from atline import AtLine
from client import recv_exactly
from fixtures import LEGACY_PRIORITY, gnutls_cli
from tcpserv import stream_sha256


def cert_info(cert):
    return subprocess.run(['certtool', '-i', '--infile', cert.pem_path],
                          capture_output=True, text=True,
                          check=True).stdout


def tls_client(port, ca, host='localhost'):
    """A verifying Python TLS client, as a second opinion to gnutls-cli."""
    ctx = ssl.create_default_context(cafile=ca.pem_path)
    raw = socket.create_connection(('127.0.0.1', port), timeout=20)
    return ctx.wrap_socket(raw, server_hostname=host)


def presented_cert(port):
    """DER of the certificate a server presents (no verification)."""
    pem = ssl.get_server_certificate(('127.0.0.1', port), timeout=20)
    return ssl.PEM_cert_to_DER_cert(pem)


class HarnessTest(harness.IchipTestCase):
    needs_ichipd = False

    def test_private_bus_answers(self):
        """The private bus runs and a client can own and see names."""
        self.start_bus()
        bus = dbus.bus.BusConnection(self.bus.address)
        self.addCleanup(bus.close)
        bus.request_name('org.ichip')
        names = bus.list_names()
        self.assertIn('org.ichip', names)

    def test_certificates_have_intended_properties(self):
        """Each test certificate is what its name says (sizes, keys, dates)."""
        c = self.certs
        self.assertLessEqual(c.module_text_len(c.ca), 1300,
                             'the good CA must fit the module')
        self.assertGreater(c.module_text_len(c.big_ca), 1300)
        self.assertIn('CA): TRUE', cert_info(c.ca))
        self.assertIn('CA): FALSE', cert_info(c.leaf))
        self.assertIn('CA): FALSE', cert_info(c.self_leaf))
        self.assertIn('EC/ECDSA', cert_info(c.ecdsa_ca))
        self.assertIn('Modulus (bits 1024)', cert_info(c.weak_ca))
        self.assertIn('Modulus (bits 1024)', cert_info(c.weak_server))
        self.assertIn('Not After: Fri Jan 01 00:00:00 UTC 2016',
                      cert_info(c.expired_ca))
        self.assertIn('DNSname: wrong.example',
                      cert_info(c.wronghost_server))

    def test_simulator_answers_and_persists(self):
        """The sim answers AT+i on its pty, obeys control, keeps CA."""
        self.start_bus()
        sim = self.start_sim()
        self.assertTrue(sim.control('ping').startswith('ok'))
        line = AtLine(sim.pty)
        self.addCleanup(line.close)
        self.assertEqual(line.command('AT+i'), 'I/OK')
        self.assertEqual(line.set_ca(self.certs.ca.pem.decode()), 'I/OK')
        stored = sim.params().get('CA', '')
        self.assertEqual(ssl.PEM_cert_to_DER_cert(stored), self.certs.ca.der)
        self.assertGreaterEqual(sim.ca_writes(), 1)

    def test_modern_server_reached_by_gnutls_cli(self):
        """gnutls-cli with our CA reaches the TLS 1.3 echo server."""
        srv = self.start_gnutls(self.certs.server)
        rc, out = gnutls_cli(srv.port, self.certs.ca, data=b'hello\n')
        self.assertEqual(rc, 0, out.decode(errors='replace'))
        self.assertIn(b'TLS1.3', out)
        with tls_client(srv.port, self.certs.ca) as s:
            s.sendall(b'ping\n')
            self.assertEqual(recv_exactly(s, 5), b'ping\n')
            self.assertEqual(s.getpeercert(binary_form=True),
                             self.certs.server.der)

    def test_bad_servers_present_their_certificates(self):
        """Each bad-peer server serves the bad cert and GnuTLS rejects it."""
        c = self.certs
        for cert in (c.expired_server, c.wronghost_server, c.otherca_server,
                     c.self_server, c.weak_server):
            with self.subTest(cert=cert.name):
                srv = self.start_gnutls(cert)
                self.assertEqual(presented_cert(srv.port), cert.der)
                rc, out = gnutls_cli(srv.port, c.ca,
                                     extra=['--verify-profile=medium'])
                self.assertNotEqual(rc, 0, out.decode(errors='replace'))

    def test_module_tls_reaches_only_the_legacy_server(self):
        """The sim's TLS 1.0 works with the legacy server, not the modern."""
        self.start_bus()
        sim = self.start_sim()
        legacy = self.start_gnutls(self.certs.server,
                                   priority=LEGACY_PRIORITY)
        modern = self.start_gnutls(self.certs.server)
        line = AtLine(sim.pty)
        self.addCleanup(line.close)
        self.assertEqual(line.set_ca(self.certs.ca.pem.decode()), 'I/OK')
        h = line.command(f'AT+iSTCP:127.0.0.1,{legacy.port}')[2:]
        self.assertEqual(line.command(f'AT+iSSL:{h}', 40), 'I/OK')
        self.assertEqual(line.send(h, b'legacy echo\n'), 'I/OK')
        self.assertEqual(line.receive(h, 12), b'legacy echo\n')
        line.command(f'AT+iSCLS:{h}')
        h = line.command(f'AT+iSTCP:127.0.0.1,{modern.port}')[2:]
        self.assertRegex(line.command(f'AT+iSSL:{h}', 40), r'I/ERROR')

    def test_sink_source_server(self):
        """tcpserv.py: SINK digests what it gets, SOURCE sends the stream."""
        srv = self.start_pyserver('sinksource', self.certs.server)
        data = bytes(range(256)) * 4096
        with tls_client(srv.port, self.certs.ca) as s:
            s.sendall(f'SINK {len(data)}\n'.encode() + data)
            answer = s.recv(100).decode().split()
        self.assertEqual(answer, [hashlib.sha256(data).hexdigest(),
                                  str(len(data))])
        with tls_client(srv.port, self.certs.ca) as s:
            s.sendall(b'SOURCE 300000 7\n')
            got = recv_exactly(s, 300001)
        self.assertEqual(len(got), 300000)
        self.assertEqual(hashlib.sha256(got).hexdigest(),
                         stream_sha256(300000, 7))

    def test_plain_echo_server(self):
        srv = self.start_pyserver('echo')
        with socket.create_connection(('127.0.0.1', srv.port), 10) as s:
            s.sendall(b'plain\n')
            self.assertEqual(recv_exactly(s, 6), b'plain\n')

    def test_http_server(self):
        """gnutls-serv --http serves the page the example test expects."""
        page = self.write_page()
        srv = self.start_gnutls(self.certs.server, mode='--http',
                                extra=[f'--httpdata={page}'])
        rc, out = gnutls_cli(srv.port, self.certs.ca,
                             data=b'GET / HTTP/1.0\r\n\r\n')
        self.assertEqual(rc, 0, out.decode(errors='replace'))
        self.assertIn(b'ichip fetch test page', out)

    def write_page(self):
        path = f'{self.tmp}/page.html'
        with open(path, 'w') as f:
            f.write('<html><body>ichip fetch test page</body></html>\n')
        return path


if __name__ == '__main__':
    harness.main()
