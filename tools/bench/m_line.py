# SPDX-License-Identifier: GPL-2.0-only
# SPDX-FileCopyrightText: 2026 The ichip authors
"""make bench: the line: goodput at 921600 and 3000000 baud (target 5),
interactive latency under load (target 6), fairness of 8 devices x 10
sessions (target 9)."""

import os
import socket
import statistics
import time

from benchlib import Stack, percentile, sink, source


class LineMetrics:
    def m_goodput(self):
        for baud in (921600, 3000000):
            self.goodput_at(baud)

    def goodput_at(self, baud):
        line = baud / 10
        n = int(self.args.goodput_kib) * 1024
        rates = self.goodput_once(baud, n, False, f'goodput{baud}')
        for direction, rate in rates.items():
            self.record(f'5 goodput / line, {direction}, {baud}',
                        rate / line, 0.95, 'ge',
                        {'bytes': n, 'goodput_Bps': round(rate),
                         'line_Bps': line, 'baud': baud},
                        note=f'host-tls, ichip-sim --baud {baud} with '
                             'its realistic defaults (echo on), tty '
                             'transport on the host')

    def m_cksum(self):
        """Issue 17: what checksum mode costs on a clean line.  Goodput
        at 921600 both ways with ichipd.conf checksum-mode = yes and
        without, alternating, three runs each; the medians' ratio."""
        baud = 921600
        n = int(self.args.goodput_kib) * 1024
        runs = {False: {'upload': [], 'download': []},
                True: {'upload': [], 'download': []}}
        for rnd in range(3):
            for cksum in (False, True):
                for direction, rate in self.goodput_once(
                        baud, n, cksum, f'cksum{rnd}').items():
                    runs[cksum][direction].append(rate)
        for direction in ('upload', 'download'):
            on = statistics.median(runs[True][direction])
            off = statistics.median(runs[False][direction])
            self.record(f'17 goodput with / without checksum mode, '
                        f'{direction}, {baud}', on / off, 0.98, 'ge',
                        {'bytes': n,
                         'with_Bps': [round(r) for r in runs[True][direction]],
                         'without_Bps': [round(r) for r in
                                         runs[False][direction]],
                         'baud': baud},
                        note='host-tls, one session, ichip-sim --baud '
                             f'{baud} (echo on, clean line); 3 runs each '
                             'way, alternating, medians compared')

    def goodput_once(self, baud, n, cksum, tag):
        """{direction: B/s} of one session, each way, on a fresh stack."""
        from procs import wait_until
        extra = []
        st = Stack(f'{tag}{"-cksum" if cksum else ""}', self.args.keep_tmp)
        try:
            if cksum:
                conf = os.path.join(st.tmp, 'ichipd.conf')
                with open(conf, 'w') as f:
                    f.write('[daemon]\nchecksum-mode = yes\n')
                extra = ['--config', conf]
            st.start(sim_extra=['--baud', str(baud)], ichipd_extra=extra)
            certs = self.certs()
            st.client.set_ca(st.devs[0], certs.ca.pem)
            want = '1' if cksum else '0'
            wait_until(lambda: st.sims[0].params().get('CKSM', '0') == want,
                       10, f'CKSM={want} in the module')
            srv = st.server(certs)
            rates = {}
            for direction in ('upload', 'download'):
                _, sock = st.client.open_session(st.devs[0], 'localhost',
                                                 srv.port)
                sock.settimeout(120)
                t0 = time.monotonic()
                (sink if direction == 'upload' else source)(sock, n)
                rates[direction] = n / (time.monotonic() - t0)
                sock.close()
            return rates
        finally:
            st.stop()

    def m_latency(self):
        """1-byte echoes through one session: idle, then while the nine
        other sessions of the device stream at full rate (five download,
        four upload), at 921600 baud."""
        import threading
        baud = 921600
        n_echo = int(self.args.latency_n)
        st = Stack('latency', self.args.keep_tmp)
        stop = threading.Event()
        threads = []
        try:
            st.start(sim_extra=['--baud', str(baud)])
            certs = self.certs()
            dev = st.devs[0]
            st.client.set_ca(dev, certs.ca.pem)
            echo_srv = st.server(certs, mode='echo')
            bulk_srv = st.server(certs)
            _, es = st.client.open_session(dev, 'localhost', echo_srv.port)
            es.settimeout(30)
            bulk = [st.client.open_session(dev, 'localhost',
                                           bulk_srv.port)[1]
                    for _ in range(9)]

            def echoes(k):
                out = []
                for _ in range(k):
                    t0 = time.monotonic()
                    es.sendall(b'x')
                    if es.recv(16) != b'x':
                        raise RuntimeError('echo session lost its byte')
                    out.append(time.monotonic() - t0)
                    time.sleep(0.005)
                return out
            echoes(10)                      # warm-up
            idle = echoes(n_echo)

            def down(s):
                s.sendall(f'SOURCE {1 << 40} bench\n'.encode())
                s.settimeout(1)
                while not stop.is_set():
                    try:
                        if not s.recv(1 << 16):
                            return
                    except socket.timeout:
                        continue
                    except OSError:
                        return

            def up(s):
                s.sendall(f'SINK {1 << 40}\n'.encode())
                block = b'u' * 16384
                s.settimeout(1)
                while not stop.is_set():
                    try:
                        s.sendall(block)
                    except socket.timeout:
                        continue
                    except OSError:
                        return
            for i, s in enumerate(bulk):
                t = threading.Thread(target=down if i < 5 else up,
                                     args=(s,), daemon=True)
                t.start()
                threads.append(t)
            time.sleep(3)                   # the streams fill the queues
            c0 = st.counters(dev)
            t0 = time.monotonic()
            loaded = echoes(n_echo)
            dt = time.monotonic() - t0
            c1 = st.counters(dev)
            stop.set()
            for t in threads:
                t.join(5)
            for s in bulk + [es]:
                s.close()
        finally:
            stop.set()
            st.stop()
        line_bytes = sum(c1.get(k, 0) - c0.get(k, 0)
                         for k in ('tx-bytes', 'rx-bytes'))
        p_idle, p_load = percentile(idle, 99), percentile(loaded, 99)
        self.record('6 interactive p99 under load / idle p99',
                    p_load / p_idle, 3.0, 'le',
                    {'idle_ms': {'p50': round(percentile(idle, 50) * 1e3, 2),
                                 'p99': round(p_idle * 1e3, 2)},
                     'load_ms': {'p50': round(percentile(loaded, 50) * 1e3,
                                              2),
                                 'p99': round(p_load * 1e3, 2),
                                 'max': round(max(loaded) * 1e3, 2)},
                     'echoes': n_echo,
                     'line_Bps_during_load': round(line_bytes / dt),
                     'line_Bps': baud / 10},
                    note='1-byte host-tls echo, one session; 9 others on '
                         'the same device (5 SOURCE, 4 SINK) at full rate, '
                         'ichip-sim --baud 921600')

    def m_fairness(self):
        import selectors
        baud = 921600
        n_dev, per_dev = 8, 10
        window = float(self.args.fair_window)
        st = Stack('fairness', self.args.keep_tmp)
        try:
            st.start(n_sims=n_dev, sim_extra=['--baud', str(baud)])
            certs = self.certs()
            for d in st.devs:
                st.client.set_ca(d, certs.ca.pem)
            srv = st.server(certs)
            socks = []
            for i in range(per_dev):
                for d in st.devs:
                    socks.append((d, st.client.open_session(
                        d, 'localhost', srv.port)[1]))
            for _, s in socks:
                s.sendall(f'SOURCE {1 << 40} bench\n'.encode())
                s.setblocking(False)
            sel = selectors.DefaultSelector()
            counts = [0] * len(socks)
            for i, (_, s) in enumerate(socks):
                sel.register(s, selectors.EVENT_READ, i)
            warm = 3.0
            t_start = time.monotonic()
            t_measure = t_start + warm
            t_end = t_measure + window
            while True:
                now = time.monotonic()
                if now >= t_end:
                    break
                for key, _ in sel.select(min(0.1, t_end - now)):
                    try:
                        data = key.fileobj.recv(1 << 16)
                    except BlockingIOError:
                        continue
                    if not data:
                        sel.unregister(key.fileobj)
                        continue
                    if time.monotonic() >= t_measure:
                        counts[key.data] += len(data)
            for _, s in socks:
                s.close()
        finally:
            st.stop()
        rates = [c / window for c in counts]
        per_dev_rate = {}
        for (d, _), r in zip(socks, rates):
            per_dev_rate.setdefault(d, 0)
            per_dev_rate[d] += r
        lo = min(rates)
        self.record('9 fairness 8 dev x 10 sessions max/min',
                    max(rates) / lo if lo > 0 else float('inf'), 1.2, 'le',
                    {'window_s': window, 'min_Bps': round(lo),
                     'max_Bps': round(max(rates)),
                     'mean_Bps': round(statistics.mean(rates)),
                     'per_device_Bps': {k.rsplit('/', 1)[-1]: round(v)
                                        for k, v in per_dev_rate.items()},
                     'line_Bps': baud / 10},
                    note='ichip-sim --baud 921600 each, one ichipd, host-tls '
                         'downloads, bytes counted over the window after a '
                         f'{warm:.0f} s warm-up')
