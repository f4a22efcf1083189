# SPDX-License-Identifier: GPL-2.0-only
"""make bench: TLS 1.3 resumption (target 8): a second OpenSession to the
same server puts at most 40% of a full handshake's bytes on the line; the
time to first byte at 115200 baud is reported for both."""

import subprocess
import time

from benchlib import Stack


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
            for _ in range(2):
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
                sock.close()
                st.client.wait_closed(path)
                runs.append({
                    'opensession_s': round(t_open, 4),
                    'ttfb_s': round(ttfb, 4),
                    'line_tx': c1.get('tx-bytes', 0) - c0.get('tx-bytes', 0),
                    'line_rx': c1.get('rx-bytes', 0) - c0.get('rx-bytes', 0),
                })
        finally:
            st.stop()
        full, again = (r['line_tx'] + r['line_rx'] for r in runs)
        self.record('8 TLS resumption: line bytes 2nd / 1st open',
                    again / full, 0.4, 'le',
                    {'full': runs[0], 'second': runs[1],
                     'bare_tls_handshake_bytes': {'tx': hs['hs_tx'],
                                                  'rx': hs['hs_rx']},
                     'opensession_vs_wire_time_full': round(
                         runs[0]['opensession_s'] /
                         ((hs['hs_tx'] + hs['hs_rx']) / line), 3)},
                    note='host-tls OpenSession + a 1-byte echo, twice to '
                         'the same server, ichip-sim --baud 115200; line '
                         'bytes from Device1.Counters (commands, answers, '
                         'TLS records); ttfb = OpenSession call to the '
                         'echoed byte')
