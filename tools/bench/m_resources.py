# SPDX-License-Identifier: GPL-2.0-only
# SPDX-FileCopyrightText: 2026 The ichip authors
"""make bench: what ichipd costs in memory, idle and per session (target 4;
CPU per MB, target 3, is m_cpu.py's)."""

import subprocess
import time

from benchlib import (Stack, daemon_rss_kb, proc_status, rss_by_file,
                      smaps_rollup, worker_pids)


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
