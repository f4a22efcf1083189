# SPDX-License-Identifier: GPL-2.0-only
# SPDX-FileCopyrightText: 2026 The ichip authors
"""make bench: target 3 on the kernel transport, in the QEMU VM (TCG):
ichipd + TLS worker CPU per MB / (bare GnuTLS client + plain copy of the
same bytes through the same tty path), all three measured inside the
guest on the guest's clocks by tools/bench/61-bench-cpu.sh:

- ichipd (--transport kernel: n_ichip on the pty of an unthrottled
  ichip-sim) moves N bytes up and N down through a host-tls session;
  the client is ichipctl connect (OpenSession, then the fd), the server
  ichip-tls-echo sinksource (tcpserv.py's protocol in C: the VM has no
  Python); the CPU of ichipd and its TLS worker from schedstat;
- bench-tls-client moves the same bytes against the same server;
- bench-copy relays them socketpair <-> pty, as on the host.  The copy
  is the same one: the kernel transport's bytes still cross a tty (n_ichip
  writes and reads the pty ichip-sim holds), and a plain relay with no
  protocol can only reach that tty by write()/read() on it, which is what
  bench-copy does.  Everything n_ichip and genl add on the way (the
  netlink messages, the framing in the kernel) is ichip's cost, so it is
  not in the baseline.

Both baselines and ichipd leave the pty's receive side (flush_to_ldisc,
n_ichip's framing of the module's answers in it) to the kernel's worker
threads, which no process is charged for: their CPU over each part is in
raw (kthreads_s), not in the ratio.

The bare client's CPU is counted from its connect on (bench-tls-client's
init_s, its exec, dynamic loading, GnuTLS's global init and the CA file,
taken out): ichipd and its TLS worker had paid those long before, and
with N small they are about a tenth of the client's CPU here.
The ratio with them is in raw (ratio_with_client_startup).  So is the
CPU of a session of one byte on either side (session_cpu_s: the
handshake, mostly; about the same for ichipd and the bare client) and
ratio_per_byte, the ratio once two of those are taken out of each side:
what moving the bytes costs, as the host's 64 MiB measure it.

N is small (4 MiB) because TCG runs the guest 10-50x slower than the
host.  With N small the TLS handshake weighs more than on the host: it
is in both sides alike (ichipd's worker and the bare client do one per
session), which pulls the ratio towards 1.  (This bench found that a
download through n_ichip on a pty stalled ~1 s every ~32 KiB: n_ichip
took the bytes in receive_buf and did not wake the writer on the pty's
master, which N_TTY does from its read path, so ichip-sim waited out its
1 s poll timeout.  n_ichip wakes it now; the flow selftest
module_writer_on_a_full_pty_is_woken.)

Where ichipd's share goes (tools/bench/profile-vm-cpu.py, perf in the
guest): the netlink EXEC of each SSND/SRCV (netlink_sendmsg, genl,
n_ichip's queue and its pty write in ichipd's own context) about 30 %,
recv() from the app and the TLS worker about 20-38 %, the worker's
datagrams, timerfd_settime 4-7 %, and clock_gettime about 10 %: the
guest's clocksource is the HPET (read_hpet in the profile), so the vDSO
falls back to a syscall, which the host does not pay; it does not set
the ratio, though: booted with clocksource=tsc tsc=reliable, read_hpet
left the profile and the ratio stayed (1.361 against 1.359, median of 5
each).  The worker's time is nettle's AES and GHASH in C (the guest
CPU has no AES-NI), as the bare client's is."""

import os

from benchlib import HERE, parse_kv, runs_summary
from vmrun import run_vm

# the medians of each run's numbers that both halves report
PER_MB = ('ichipd_cpu_s_per_MB', 'bare_cpu_s_per_MB', 'copy_cpu_s_per_MB',
          'copy_turns_cpu_s_per_MB', 'ratio_vs_copy_with_turns')


def run_cpu_vm(build, tmp, ca, cert, key, n, runs_n, name='bench-cpu',
               extra_bins=(), extra_files=None):
    """61-bench-cpu.sh in the VM: RUNS runs of N bytes each way with the
    CA and the server's certificate and key given (PEM files); returns
    run_vm()'s (exit code, BENCH-CPU lines, console, tail)."""
    bins = [os.path.join(build, 'tools', 'bench', 'bench-tls-client'),
            os.path.join(build, 'tools', 'bench', 'bench-copy'),
            os.path.join(build, 'daemon', 'ichipd'),
            # next to ichipd: ichipd looks for its worker there first
            os.path.join(build, 'daemon', 'ichip-tls-worker'),
            os.path.join(build, 'daemon', 'ichipctl'),
            os.path.join(build, 'tests', 'sim', 'ichip-sim'),
            os.path.join(build, 'tests', 'e2e', 'ichip-tls-echo'),
            '/usr/bin/dbus-daemon', *extra_bins]
    for b in bins:
        if not os.access(b, os.X_OK):
            raise RuntimeError(f'{b} not built (make all)')
    conf = os.path.join(tmp, 'bench-cpu.conf')
    with open(conf, 'w') as f:
        f.write(f'N={n}\nRUNS={runs_n}\n')
    files = {conf: '/etc/bench-cpu.conf', ca: '/etc/bench-cpu/ca.pem',
             cert: '/etc/bench-cpu/server.pem',
             key: '/etc/bench-cpu/server.key', **(extra_files or {})}
    # ~12 s a run of 4 MiB each way on 2 busy cores, the boot aside
    timeout = 120 + runs_n * (20 + 10 * max(1, n >> 20))
    return run_vm(build, name, bins, files,
                  os.path.join(HERE, '61-bench-cpu.sh'), 'BENCH-CPU',
                  timeout, test_timeout=timeout - 60)


class CpuVmMetrics:
    def vm_cpu(self, n, runs_n):
        certs = self.certs()
        rc, lines, console, tail = run_cpu_vm(
            self.build, self.tmp, certs.ca.pem_path, certs.server.pem_path,
            certs.server.key_path, n, runs_n)
        by_run = {}
        for kv in map(parse_kv, lines):
            by_run.setdefault(int(kv['run']), {})[
                f'{kv["part"]}/{kv["dir"]}'] = kv
        parts = {f'{who}/{what}' for who in ('ichipd', 'bare')
                 for what in ('small', 'sink', 'source')}
        parts |= {'copy/both', 'copy-turns/both'}
        done = [r for r in sorted(by_run) if parts <= set(by_run[r])]
        if rc != 0 or len(done) != runs_n:
            raise RuntimeError(f'VM CPU run failed (exit {rc}, {len(done)} '
                               f'of {runs_n} runs whole); console '
                               f'{console}\n{tail}')
        return [self._vm_run(by_run[r], n) for r in done]

    @staticmethod
    def _vm_run(p, n):
        """One run's ratio and its parts, in s and s/MB."""
        mb = 2 * n / 1e6
        d = {k: (p[f'ichipd/{k}']['ichipd_ns'] +
                 p[f'ichipd/{k}']['worker_ns']) / 1e9
             for k in ('sink', 'source')}
        ichipd_s = sum(d.values())
        # a long-lived client pays exec and GnuTLS's init once, not per
        # session (ichipd and its worker had paid them already)
        bare_init_s = sum(p[f'bare/{k}']['init_s']
                          for k in ('sink', 'source'))
        bare_s = (p['bare/sink']['cpu_s'] + p['bare/source']['cpu_s'] -
                  bare_init_s)
        copy_s = p['copy/both']['cpu_s']
        # what a session costs whatever it moves (a 1-byte one); two
        # sessions' worth out, the rest is the cost per byte moved
        small = p['ichipd/small']
        ichipd_fix = (small['ichipd_ns'] + small['worker_ns']) / 1e9
        bare_fix = p['bare/small']['cpu_s'] - p['bare/small']['init_s']
        ichipd_var = ichipd_s - 2 * ichipd_fix
        bare_var = bare_s - 2 * bare_fix
        turns_s = p['copy-turns/both']['cpu_s']
        kth = {k: round(sum(v['kthreads_ns'] for kk, v in p.items()
                            if kk.startswith(k + '/')) / 1e9, 4)
               for k in ('ichipd', 'bare', 'copy')}
        return {
            'ratio': round(ichipd_s / (bare_s + copy_s), 4),
            'ichipd_cpu_s_per_MB': round(ichipd_s / mb, 6),
            'bare_cpu_s_per_MB': round(bare_s / mb, 6),
            'copy_cpu_s_per_MB': round(copy_s / mb, 6),
            'copy_turns_cpu_s_per_MB': round(turns_s / mb, 6),
            'ratio_vs_copy_with_turns': round(
                ichipd_s / (bare_s + turns_s), 4),
            'ratio_with_client_startup': round(
                ichipd_s / (bare_s + bare_init_s + copy_s), 4),
            'bare_init_s': round(bare_init_s, 4),
            'session_cpu_s': {'ichipd': round(ichipd_fix, 4),
                              'bare': round(bare_fix, 4)},
            'ichipd_per_byte_cpu_s_per_MB': round(ichipd_var / mb, 6),
            'bare_per_byte_cpu_s_per_MB': round(bare_var / mb, 6),
            'ratio_per_byte': round(ichipd_var / (bare_var + copy_s), 4),
            'ichipd': {k: {'ichipd_s': round(p[f'ichipd/{k}']['ichipd_ns'] /
                                             1e9, 4),
                           'worker_s': round(p[f'ichipd/{k}']['worker_ns'] /
                                             1e9, 4),
                           'wall_s': p[f'ichipd/{k}']['wall_ms'] / 1e3}
                       for k in ('sink', 'source')},
            'bare_cpu_s': {k: p[f'bare/{k}']['cpu_s']
                           for k in ('sink', 'source')},
            'copy_cpu_s': copy_s,
            'kthreads_s': kth,
        }

    def m_cpu_vm(self):
        """The VM half of target 3, its own record line."""
        n = int(float(self.args.cpu_vm_mib) * (1 << 20))
        runs_n = int(self.args.cpu_vm_runs)
        name = (f'3 ichipd CPU / (bare GnuTLS + plain copy) (VM, kernel '
                f'transport, median of {runs_n})')
        if self.args.no_vm:
            raise RuntimeError(f'--no-vm: "{name}" is measured in the VM '
                               f'only; not measured')
        runs = self.vm_cpu(n, runs_n)
        med, raw = runs_summary(runs, PER_MB + (
            'ratio_with_client_startup', 'ratio_per_byte',
            'ichipd_per_byte_cpu_s_per_MB', 'bare_per_byte_cpu_s_per_MB'))
        self.record(name, med, 1.3, 'le', {'bytes_each_way': n, **raw},
                    note='in the QEMU VM (TCG), on the guest\'s clocks: '
                         'ichipd + TLS worker CPU (schedstat) for N bytes '
                         'up and N down through a host-tls session on the '
                         'kernel transport (n_ichip, ichip-sim unthrottled '
                         'on a pty; client ichipctl connect, server '
                         'ichip-tls-echo sinksource) / (bench-tls-client '
                         'moving the same bytes + bench-copy relaying them '
                         'socketpair <-> pty, as on the host: a plain '
                         'relay reaches the tty by write/read, n_ichip and '
                         'genl are ichip\'s cost); the bare client\'s '
                         'CPU without its exec and GnuTLS init (init_s: '
                         'a daemon pays them once; with them: '
                         'ratio_with_client_startup); handshake included '
                         '(ratio_per_byte: without a 1-byte session\'s '
                         'cost per session on either side), '
                         'and it weighs more than on the host: N is small '
                         'because TCG is slow; kthreads_s: the kernel '
                         'workers\' CPU over each part, in no ratio')
