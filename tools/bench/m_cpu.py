# SPDX-License-Identifier: GPL-2.0-only
# SPDX-FileCopyrightText: 2026 The ichip authors
"""make bench: what ichipd costs in CPU per MB moved (target 3), against
a bare GnuTLS client plus a plain copy of the same bytes through the same
tty path (bench-copy.c), on the host (tty transport).  The kernel
transport's half runs in the VM, its own record line (m_cpu_vm.py).

One run: N bytes up and N down through a host-tls session, then the bare
client both ways, then the copy.  A single run swings with the machine's
load (1.28-1.96 here), so the metric is the median of --cpu-runs runs,
each a ratio of its own three parts measured back to back; min and max
show the spread.  ichipd's CPU is read from /proc/PID/task/*/schedstat
(nanoseconds on a CPU, the clock getrusage() and CLOCK_THREAD_CPUTIME_ID
of the two baselines count in too), not from /proc/PID/stat's 10 ms
ticks.  The raw numbers also hold the ratio against a copy that takes
AT+i's turns (bench-copy N turns): how much the protocol's command round
trips alone would cost a relay."""

import os
import subprocess
import time

from benchlib import MB, Stack, runs_summary, sink, source, worker_pids
from m_cpu_vm import PER_MB, CpuVmMetrics


def task_cpu_ns(pid):
    """CPU time of every thread of pid, in ns (schedstat field 1)."""
    total = 0
    for tid in os.listdir(f'/proc/{pid}/task'):
        with open(f'/proc/{pid}/task/{tid}/schedstat') as f:
            total += int(f.read().split()[0])
    return total


def ctx_switches(pid):
    """(voluntary, involuntary) context switches of pid."""
    out = [0, 0]
    with open(f'/proc/{pid}/status') as f:
        for line in f:
            if line.startswith('voluntary_ctxt_switches'):
                out[0] = int(line.split()[1])
            elif line.startswith('nonvoluntary_ctxt_switches'):
                out[1] = int(line.split()[1])
    return out


class DaemonCpu:
    """CPU and context switches of ichipd and its TLS worker over a span;
    the worker must be the same one throughout (one that stopped or
    restarted would take its CPU time with it)."""

    def __init__(self, pid):
        self.pid = pid

    def __enter__(self):
        self.pids = [self.pid] + sorted(worker_pids(self.pid))
        self.cpu0 = {p: task_cpu_ns(p) for p in self.pids}
        self.ctx0 = {p: ctx_switches(p) for p in self.pids}
        return self

    def __exit__(self, *exc):
        if exc[0]:
            return False
        pids = [self.pid] + sorted(worker_pids(self.pid))
        if pids != self.pids:
            raise RuntimeError(f'TLS worker changed during the transfer: '
                               f'{self.pids} -> {pids}')
        self.cpu_s = {p: (task_cpu_ns(p) - self.cpu0[p]) / 1e9
                      for p in pids}
        self.ctx = {p: [a - b for a, b in zip(ctx_switches(p),
                                              self.ctx0[p])]
                    for p in pids}
        return False

    def split(self):
        """{'ichipd': s, 'worker': s} and their context switches."""
        w = [p for p in self.pids if p != self.pid]
        cpu = {'ichipd': self.cpu_s[self.pid],
               'worker': sum(self.cpu_s[p] for p in w)}
        ctx = {'ichipd': self.ctx[self.pid],
               'worker': [sum(self.ctx[p][i] for p in w) for i in (0, 1)]}
        return cpu, ctx


class CpuMetrics(CpuVmMetrics):
    def _cpu_ichipd(self, st, srv, n):
        """One run of N up and N down through ichipd."""
        out = {}
        for direction in ('sink', 'source'):
            t0 = time.monotonic()
            with DaemonCpu(st.pid) as dc:
                path, sock = st.client.open_session(st.devs[0],
                                                    'localhost', srv.port)
                sock.settimeout(120)
                try:
                    (sink if direction == 'sink' else source)(sock, n)
                except Exception as e:
                    # say how the session ended, not only that it did
                    sock.close()
                    try:
                        why = st.client.wait_closed(path, timeout=10)
                    except TimeoutError:
                        why = 'still open'
                    raise RuntimeError(f'{direction} of {n} bytes through '
                                       f'ichipd failed ({e!r}); session '
                                       f'{path}: {why}') from e
                sock.close()
                # the session's end (WK_FREE, SCLS) is its cost too
                st.client.wait_closed(path)
            cpu, ctx = dc.split()
            out[direction] = {'cpu_s': round(sum(cpu.values()), 4),
                              'ichipd_s': round(cpu['ichipd'], 4),
                              'worker_s': round(cpu['worker'], 4),
                              'ctx_vol_invol': ctx,
                              'wall_s': round(time.monotonic() - t0, 3)}
        return out

    def _cpu_bare(self, certs, srv, n):
        exe = self.tool('bench-tls-client', ['gnutls'])
        out = {}
        for direction in ('sink', 'source'):
            text = subprocess.run([exe, certs.ca.pem_path, str(srv.port),
                                   direction, str(n)], check=True,
                                  capture_output=True, text=True,
                                  timeout=300).stdout
            out[direction] = {k: float(v) for k, v in
                              (kv.split('=') for kv in text.split())}
        return out

    def _cpu_copy(self, n, *mode):
        text = subprocess.run([self.tool('bench-copy'), str(n), *mode],
                              check=True,
                              capture_output=True, text=True,
                              timeout=300).stdout
        return {k: float(v) for k, v in (kv.split('=') for kv in
                                         text.split())}

    def m_cpu(self):
        n = int(self.args.cpu_mib) * MB
        runs_n = int(self.args.cpu_runs)
        mb = 2 * n / 1e6
        runs = []
        st = Stack('cpu', self.args.keep_tmp)
        try:
            st.start()
            certs = self.certs()
            st.client.set_ca(st.devs[0], certs.ca.pem)
            srv = st.server(certs)
            for _ in range(runs_n):
                d = self._cpu_ichipd(st, srv, n)
                bare = self._cpu_bare(certs, srv, n)
                copy = self._cpu_copy(n)
                turns = self._cpu_copy(n, 'turns')
                ichipd_s = sum(x['cpu_s'] for x in d.values())
                bare_s = sum(b['cpu_s'] for b in bare.values())
                runs.append({
                    'ratio': round(ichipd_s / (bare_s + copy['cpu_s']), 4),
                    'ichipd_cpu_s_per_MB': round(ichipd_s / mb, 6),
                    'bare_cpu_s_per_MB': round(bare_s / mb, 6),
                    'copy_cpu_s_per_MB': round(copy['cpu_s'] / mb, 6),
                    # not the target's: the copy with AT+i's turns
                    'copy_turns_cpu_s_per_MB': round(turns['cpu_s'] / mb,
                                                     6),
                    'ratio_vs_copy_with_turns': round(
                        ichipd_s / (bare_s + turns['cpu_s']), 4),
                    'ichipd': d,
                    'bare_cpu_s': {k: v['cpu_s'] for k, v in bare.items()},
                    'copy_cpu_s': copy['cpu_s'],
                    'loadavg': os.getloadavg()[0],
                })
        finally:
            st.stop()
        med, raw = runs_summary(runs, PER_MB)
        self.record(f'3 ichipd CPU / (bare GnuTLS + plain copy) (host, '
                    f'median of {runs_n})', med, 1.3, 'le',
                    {'bytes_each_way': n, **raw},
                    note='ichipd + TLS worker CPU (schedstat) for N bytes '
                         'up and N down through a host-tls session (tty '
                         'transport, ichip-sim unthrottled) / (a bare '
                         'GnuTLS client moving the same bytes + bench-copy '
                         'relaying them socketpair <-> pty in ichipd\'s '
                         'chunks); handshake included; each run\'s three '
                         'parts back to back, the median of the runs\' '
                         'ratios.  ratio_vs_copy_with_turns: the same '
                         'against a copy that also takes AT+i\'s turns '
                         '(a request per 16 KiB read, an answer per 32 KiB '
                         'written; bench-copy N turns)')
        # the kernel transport, in the VM: its own line (m_cpu_vm.py)
        self.m_cpu_vm()
