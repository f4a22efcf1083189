# SPDX-License-Identifier: GPL-2.0-only
# SPDX-FileCopyrightText: 2026 The ichip authors
"""make bench: TLS 1.3 resumption (target 8): a second OpenSession to the
same server puts at most 40% of a full handshake's bytes on the line; the
time to first byte at 115200 baud is reported for both."""

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
            srv = st.server(certs, mode='echo')
            exe = self.tool('bench-tls-client', ['gnutls'])
            out = subprocess.run([exe, certs.ca.pem_path, str(srv.port),
                                  'handshake'], check=True,
                                 capture_output=True, text=True,
                                 timeout=60).stdout
            hs = {k: float(v) for k, v in
                  (kv.split('=') for kv in out.split())}
            runs = []
            trace = st.sims[0].trace_path
            for _ in range(2):
                t_off = os.path.getsize(trace)
                c0 = st.counters(dev)
                t0 = time.monotonic()
                path, sock = st.client.open_session(dev, 'localhost',
                                                    srv.port)
                t_open = time.monotonic() - t0
                sock.settimeout(30)
                sock.sendall(b'x')
                if sock.recv(16) != b'x':
                    raise RuntimeError('the echo did not come back')
                ttfb = time.monotonic() - t0
                c1 = st.counters(dev)
                tls = tls_bytes(trace, t_off)
                sock.close()
                st.client.wait_closed(path)
                runs.append({
                    'opensession_s': round(t_open, 4),
                    'ttfb_s': round(ttfb, 4),
                    'line_tx': c1.get('tx-bytes', 0) - c0.get('tx-bytes', 0),
                    'line_rx': c1.get('rx-bytes', 0) - c0.get('rx-bytes', 0),
                    'tls_tx': tls[0] - 23, 'tls_rx': tls[1] - 23,
                })
        finally:
            st.stop()
        full, again = (r['tls_tx'] + r['tls_rx'] for r in runs)
        self.record('8 TLS resumption: TLS bytes 2nd / 1st open',
                    again / full, 0.4, 'le',
                    {'full': runs[0], 'second': runs[1],
                     'bare_tls_handshake_bytes': {'tx': hs['hs_tx'],
                                                  'rx': hs['hs_rx']},
                     'line_bytes_ratio': round(
                         (runs[1]['line_tx'] + runs[1]['line_rx']) /
                         (runs[0]['line_tx'] + runs[0]['line_rx']), 3),
                     'opensession_vs_wire_time_full': round(
                         runs[0]['opensession_s'] /
                         ((hs['hs_tx'] + hs['hs_rx']) / line), 3)},
                    note='host-tls OpenSession + a 1-byte echo, twice to '
                         'the same server, ichip-sim --baud 115200; TLS '
                         'bytes = SSND and SRCV payloads on the line (the '
                         'simulator trace) less the echo records, i.e. the '
                         'handshake and the session tickets; line_* = all '
                         'line bytes (Device1.Counters, RP4 polls '
                         'included); ttfb = OpenSession call to the echoed '
                         'byte')
