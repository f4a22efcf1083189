# SPDX-License-Identifier: GPL-2.0-only
# SPDX-FileCopyrightText: 2026 The ichip authors
"""make bench: what ichipd costs: CPU per MB moved (target 3) and memory,
idle and per session (target 4)."""

import subprocess
import time

from benchlib import (MB, Stack, daemon_cpu_s, daemon_rss_kb, proc_cpu_split,
                      proc_status, rss_by_file, sink, smaps_rollup, source,
                      worker_pids)


class ResourceMetrics:
    def m_rss(self):
        st = Stack('rss', self.args.keep_tmp)
        try:
            st.start()
            certs = self.certs()
            st.client.set_ca(st.devs[0], certs.ca.pem)
            srv = st.server(certs)
            # idle: the TLS worker (started by SetCA) stops after 10 s
            # without a session; ichipd alone is what stays
            t0 = time.monotonic()
            while worker_pids(st.pid) and time.monotonic() - t0 < 30:
                time.sleep(0.5)
            worker_s = round(time.monotonic() - t0, 1)
            time.sleep(1.0)
            idle = proc_status(st.pid)
            idle_maps = rss_by_file(st.pid)
            idle_roll = {'ichipd': smaps_rollup(st.pid)}
            for w in worker_pids(st.pid):
                idle_roll[f'worker {w}'] = smaps_rollup(w)
            # one session first, closed: one-time costs (GnuTLS global
            # init, trust list parsing, first buffers) are not per session
            path, s = st.client.open_session(st.devs[0], 'localhost',
                                             srv.port)
            s.close()
            st.client.wait_closed(path)
            time.sleep(0.3)
            before = proc_status(st.pid)
            before['VmRSS'] = daemon_rss_kb(st.pid)
            socks = []
            for _ in range(10):
                socks.append(st.client.open_session(st.devs[0], 'localhost',
                                                    srv.port)[1])
            time.sleep(0.5)
            after = proc_status(st.pid)
            after['VmRSS'] = daemon_rss_kb(st.pid)
            for s in socks:
                s.close()
        finally:
            st.stop()
        exe = self.tool('bench-tls-client', ['gnutls'])
        srv_st = Stack('rss-bare', self.args.keep_tmp)
        try:
            srv = srv_st.server(self.certs())
            out = subprocess.run([exe, self.certs().ca.pem_path,
                                  str(srv.port), 'sessions', '11'],
                                 check=True, capture_output=True, text=True,
                                 timeout=60).stdout
        finally:
            srv_st.stop()
        bare = dict(kv.split('=') for kv in out.split())
        bare_per = float(bare['per_session_kb'])
        per = (after['VmRSS'] - before['VmRSS']) / 10
        uss = sum(v['uss_kb'] for v in idle_roll.values())
        anon = sum(v['anon_kb'] for v in idle_roll.values())
        self.record('4 idle private memory (RssAnon, MiB)', anon / 1024, 1.0,
                    'le',
                    {'uss_mib': round(uss / 1024, 3),
                     'smaps_rollup_kb': idle_roll,
                     'pss_kb': sum(v['pss_kb'] for v in idle_roll.values()),
                     'waited_for_worker_stop_s': worker_s,
                     'status_kb': idle, 'rss_by_file_kb': idle_maps,
                     'bare_gnutls_client_rss_kb_1_session':
                         int(bare['rss1_kb'])}, unit='MiB',
                    note='anonymous memory (smaps_rollup Anonymous = '
                         'RssAnon) of ichipd and its TLS worker if it runs, '
                         'one device with a CA, no session, once the idle '
                         'worker has stopped (10 s); USS (Private_Clean + '
                         'Private_Dirty, which also counts the clean pages '
                         'of ichipd\'s binary that no other process maps) '
                         'and PSS alongside')
        self.record('4 RSS per session beyond GnuTLS (KiB)',
                    per - bare_per, 64, 'le',
                    {'ichipd_before_kb': before, 'ichipd_after10_kb': after,
                     'ichipd_per_session_kb': per,
                     'gnutls_per_session_kb': bare_per,
                     'gnutls_client': bare},
                    unit='KiB',
                    note='(VmRSS of ichipd + its TLS worker with 10 idle '
                         'host-tls sessions - the same after one session '
                         'opened and closed)/10, minus a '
                         'bare GnuTLS client\'s VmRSS per extra session '
                         '(11 sessions vs 1, same server and priority)')

    def m_cpu(self):
        n = int(self.args.cpu_mib) * MB
        st = Stack('cpu', self.args.keep_tmp)
        try:
            st.start()
            certs = self.certs()
            st.client.set_ca(st.devs[0], certs.ca.pem)
            srv = st.server(certs)
            ichipd_s = {}
            split = {}
            wall = {}
            for direction in ('sink', 'source'):
                c0 = daemon_cpu_s(st.pid)
                u0, s0 = proc_cpu_split(st.pid)
                t0 = time.monotonic()
                _, sock = st.client.open_session(st.devs[0], 'localhost',
                                                 srv.port)
                sock.settimeout(120)
                (sink if direction == 'sink' else source)(sock, n)
                sock.close()
                wall[direction] = time.monotonic() - t0
                ichipd_s[direction] = daemon_cpu_s(st.pid) - c0
                u1, s1 = proc_cpu_split(st.pid)
                split[direction] = {'user': round(u1 - u0, 3),
                                    'sys': round(s1 - s0, 3)}
                ichipd_s[direction] = round(ichipd_s[direction], 3)
            exe = self.tool('bench-tls-client', ['gnutls'])
            bare = {}
            for direction in ('sink', 'source'):
                out = subprocess.run([exe, certs.ca.pem_path, str(srv.port),
                                      direction, str(n)], check=True,
                                     capture_output=True, text=True,
                                     timeout=300).stdout
                bare[direction] = {k: float(v) for k, v in
                                   (kv.split('=') for kv in out.split())}
        finally:
            st.stop()
        out = subprocess.run([self.tool('bench-copy'), str(n)], check=True,
                             capture_output=True, text=True,
                             timeout=300).stdout
        copy = {k: float(v) for k, v in (kv.split('=') for kv in out.split())}
        mb = 2 * n / 1e6
        ichipd_total = sum(ichipd_s.values())
        bare_total = sum(b['cpu_s'] for b in bare.values())
        base = bare_total + copy['cpu_s']
        self.record('3 ichipd CPU / (bare GnuTLS + plain copy) (host)',
                    ichipd_total / base, 1.3, 'le',
                    {'bytes_each_way': n, 'ichipd_cpu_s': ichipd_s,
                     'ichipd_user_sys_s': split,
                     'ichipd_wall_s': wall,
                     'ichipd_cpu_s_per_MB': round(ichipd_total / mb, 6),
                     'bare_cpu_s': {k: v['cpu_s'] for k, v in bare.items()},
                     'bare_cpu_s_per_MB': round(bare_total / mb, 6),
                     'copy_cpu_s': copy['cpu_s'],
                     'copy_cpu_s_per_MB': round(copy['cpu_s'] / mb, 6),
                     'ratio_vs_bare_gnutls_only': round(
                         ichipd_total / bare_total, 3)},
                    note='ichipd + TLS worker CPU for N bytes up and N down '
                         'through a host-tls session (tty transport, '
                         'ichip-sim unthrottled) / (a bare GnuTLS client '
                         'moving the same bytes + bench-copy relaying them '
                         'socketpair <-> pty); handshake included')
