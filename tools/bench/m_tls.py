# SPDX-License-Identifier: GPL-2.0-only
# SPDX-FileCopyrightText: 2026 The ichip authors
"""make bench: TLS 1.3 resumption (target 8): a second OpenSession to the
same server puts at most 40% of a full handshake's bytes on the line; the
time to first byte at 115200 baud is reported for both.

Measured against two servers (tcpserv.py, OpenSSL): one sending a leaf
and its intermediate CA (the target: what a publicly trusted server
sends) and one sending the bench's lab leaf alone, signed by the root
(raw).  A relay between the simulator's TCP and the server (tlswire.py)
gives the per-record sizes."""

import os
import re
import subprocess
import time

from benchlib import Stack


def tls_bytes(trace, offset):
    """(SSND, SRCV) payload bytes in the simulator trace from offset."""
    tx = rx = 0
    with open(trace, 'rb') as f:
        f.seek(offset)
        text = f.read().decode('ascii', 'replace')
    for m in re.finditer(r'> AT\+iSSND%?:\d+,(\d+)', text):
        tx += int(m.group(1))
    for m in re.finditer(r'< I/(\d+): \[', text):
        rx += int(m.group(1))
    return tx, rx


def chain_certs(certs, directory):
    """A server certificate issued by an intermediate CA under the
    bench's root, served with that intermediate (RSA 2048 both)."""
    from certs import CertFactory
    f = CertFactory(directory)
    inter = f.intermediate('inter', 'ichip bench intermediate CA',
                           certs.ca)
    leaf = f.server('chain-leaf', inter)
    return f.chain('chain', leaf, inter)


def two_opens(st, dev, port):
    """OpenSession + a 1-byte echo, twice, through a relay to port; one
    dict per open."""
    import tlswire
    relay = tlswire.Relay(port)
    runs = []
    trace = st.sims[0].trace_path
    try:
        for i in range(2):
            t_off = os.path.getsize(trace)
            c0 = st.counters(dev)
            t0 = time.monotonic()
            path, sock = st.client.open_session(dev, 'localhost',
                                                relay.port)
            t_open = time.monotonic() - t0
            sock.settimeout(30)
            sock.sendall(b'x')
            if sock.recv(16) != b'x':
                raise RuntimeError('the echo did not come back')
            ttfb = time.monotonic() - t0
            c1 = st.counters(dev)
            tls = tls_bytes(trace, t_off)
            wire = relay.wire(i)
            sock.close()
            st.client.wait_closed(path)
            acc = tlswire.account(wire)
            runs.append({
                'opensession_s': round(t_open, 4),
                'ttfb_s': round(ttfb, 4),
                'line_tx': c1.get('tx-bytes', 0) - c0.get('tx-bytes', 0),
                'line_rx': c1.get('rx-bytes', 0) - c0.get('rx-bytes', 0),
                'tls_tx': tls[0] - 23, 'tls_rx': tls[1] - 23,
                'records_tx': ' '.join(f'{n}:{s}' for n, s in acc['C']),
                'records_rx': ' '.join(f'{n}:{s}' for n, s in acc['S']),
            })
    finally:
        relay.stop()
    return runs


def ratio(runs):
    full, again = (r['tls_tx'] + r['tls_rx'] for r in runs)
    return again / full


class TlsMetrics:
    def m_resumption(self):
        baud = 115200
        line = baud / 10
        st = Stack('resumption', self.args.keep_tmp)
        try:
            st.start(sim_extra=['--baud', str(baud)])
            certs = self.certs()
            dev = st.devs[0]
            st.client.set_ca(dev, certs.ca.pem)
            chain = chain_certs(certs, os.path.join(st.tmp, 'chain'))
            srv = st.own(st.fx.PyServer(st.tmp, 'echo', chain))
            lab = st.server(certs, mode='echo')
            exe = self.tool('bench-tls-client', ['gnutls'])
            out = subprocess.run([exe, certs.ca.pem_path, str(lab.port),
                                  'handshake'], check=True,
                                 capture_output=True, text=True,
                                 timeout=60).stdout
            hs = {k: float(v) for k, v in
                  (kv.split('=') for kv in out.split())}
            runs = two_opens(st, dev, srv.port)
            lab_runs = two_opens(st, dev, lab.port)
        finally:
            st.stop()
        self.record('8 TLS resumption: TLS bytes 2nd / 1st open '
                    '(leaf + intermediate)',
                    ratio(runs), 0.4, 'le',
                    {'full': runs[0], 'second': runs[1],
                     'bare_tls_handshake_bytes': {'tx': hs['hs_tx'],
                                                  'rx': hs['hs_rx']},
                     'line_bytes_ratio': round(
                         (runs[1]['line_tx'] + runs[1]['line_rx']) /
                         (runs[0]['line_tx'] + runs[0]['line_rx']), 3),
                     'opensession_vs_wire_time_full': round(
                         lab_runs[0]['opensession_s'] /
                         ((hs['hs_tx'] + hs['hs_rx']) / line), 3)},
                    note='host-tls OpenSession + a 1-byte echo, twice to '
                         'the same server (tcpserv.py: OpenSSL, 2 session '
                         'tickets after a full handshake, 1 after a '
                         'resumed one), ichip-sim --baud 115200; TLS '
                         'bytes = SSND and SRCV payloads on the line (the '
                         'simulator trace) less the echo records, i.e. the '
                         'handshake and the session tickets; records_* = '
                         'the same bytes per TLS record, in order (TLS 1.3 '
                         'encrypted: server EncryptedExtensions, '
                         '[Certificate, CertificateVerify,] Finished, '
                         'NewSessionTickets, the echo; client Finished, '
                         'the echo); line_* = all line bytes '
                         '(Device1.Counters, RP4 polls included); ttfb = '
                         'OpenSession call to the echoed byte.  The target '
                         'is measured with a leaf issued by an '
                         'intermediate CA, served with it (RSA 2048 both, '
                         'no SCTs, no OCSP staple: smaller than a bought '
                         'certificate), because public CAs never issue '
                         'from the root: every publicly trusted server '
                         'sends two certificates or more; the in-house CA '
                         'case is the next line')
        # An in-house CA (SetCA) often signs its servers' leaves itself:
        # the same target, its own line, so a miss there is not hidden.
        self.record('8 TLS resumption: TLS bytes 2nd / 1st open '
                    '(in-house CA: leaf alone)',
                    ratio(lab_runs), 0.4, 'le',
                    {'full': lab_runs[0], 'second': lab_runs[1]},
                    note='the same against a server sending the lab leaf '
                         'alone, signed by the root (850-byte RSA 2048 '
                         'certificate): the resumed handshake is bound '
                         'by the server\'s session ticket, which crosses '
                         'twice (PSK identity in the ClientHello, '
                         'NewSessionTicket back: about 520 of its bytes); '
                         'no client-side cut short of resuming without a '
                         'key exchange (psk_ke, no forward secrecy) or '
                         'dropping the middlebox compatibility brings it '
                         'under 0.4')
