# SPDX-License-Identifier: GPL-2.0-only
# SPDX-FileCopyrightText: 2026 The ichip authors
"""make bench: the framing core's throughput (target 1) and the D-Bus
signals ichipd sends (target 7)."""

import json
import os
import statistics
import subprocess

from benchlib import MB, Stack


class BasicMetrics:
    def m_framer(self):
        """Five runs: a single run swings with the machine's load; the
        median is the result, min and max show the spread."""
        exe = self.tool('bench-framer')
        runs = []
        for _ in range(5):
            out = subprocess.run([exe, '--json', '--seconds', '2'],
                                 check=True, capture_output=True, text=True,
                                 timeout=60).stdout
            runs.append(json.loads(out))
        ratios = sorted(r['ratio'] for r in runs)
        med = statistics.median(ratios)
        self.record('1 framer throughput / memcpy (median of 5)', med, 0.5,
                    'ge', {'min': ratios[0], 'median': med,
                           'max': ratios[-1], 'runs': runs},
                    note='RX stream of a busy device (SRCV payloads 1 B-'
                         '16 KiB + RP7/SSND/OK/ERROR/query lines), 4 KiB '
                         'flip-buffer chunks; 5 runs of 2 s')

    def m_signals(self):
        import threading
        from client import pump
        mb = int(self.args.signals_mib)
        idle_s = 10
        st = Stack('signals', self.args.keep_tmp)
        try:
            st.start()
            certs = self.certs()
            st.client.set_ca(st.devs[0], certs.ca.pem)
            srv = st.server(certs, mode='echo')
            path, sock = st.client.open_session(st.devs[0], '127.0.0.1',
                                                srv.port)
            seen = []
            st.client.bus.add_signal_receiver(
                lambda *a, **kw: seen.append(kw['member']),
                bus_name='org.ichip', member_keyword='member')
            pump(1)
            seen.clear()
            pump(idle_s)
            idle = len(seen)
            seen.clear()
            n = mb * MB
            got = []

            def reader():
                left = n
                while left:
                    chunk = sock.recv(min(left, 1 << 16))
                    if not chunk:
                        break
                    left -= len(chunk)
                got.append(n - left)
            sock.settimeout(300)
            t = threading.Thread(target=reader)
            t.start()
            block = os.urandom(1 << 16)
            for _ in range(n >> 16):
                sock.sendall(block)
            t.join(600)
            if got != [n]:
                raise RuntimeError(f'echo returned {got} of {n} bytes')
            pump(1)
            moved = 2 * mb
            sock.close()
        finally:
            st.stop()
        self.record('7 signals per MB moved', len(seen) / moved, 1, 'le',
                    {'signals': len(seen), 'mb_moved': moved}, unit='/MB',
                    note='every signal from org.ichip during a host-tls '
                         'echo, both directions counted')
        self.record('7 signals per s, idle session', idle / idle_s, 0, 'le',
                    {'signals': idle, 'seconds': idle_s}, unit='/s',
                    note='one open host-tls session, no traffic')
