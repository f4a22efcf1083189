# SPDX-License-Identifier: GPL-2.0-only
# SPDX-FileCopyrightText: 2026 The ichip authors
"""make bench: what every metric module shares: /proc readings of ichipd
and its TLS worker, the stacks (tests/integration/fixtures.py), bulk
transfers against tcpserv.py, and small parsing helpers."""

import os
import re
import shutil
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(os.path.dirname(HERE))
MB = 1 << 20


def log(msg):
    print(f'bench: {msg}', file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------
# /proc readings of ichipd

def rss_by_file(pid, top=8):
    """The mappings that hold most of pid's RSS (KiB), summed by file."""
    sums = {}
    name = None
    with open(f'/proc/{pid}/smaps') as f:
        for line in f:
            parts = line.split()
            if re.match(r'^[0-9a-f]+-[0-9a-f]+ ', line):
                name = os.path.basename(parts[5]) if len(parts) > 5 \
                    else '[anon]'
            elif parts and parts[0] == 'Rss:':
                sums[name] = sums.get(name, 0) + int(parts[1])
    return dict(sorted(sums.items(), key=lambda kv: -kv[1])[:top])


def proc_status(pid):
    """VmRSS, RssAnon, RssFile, RssShmem, VmHWM of pid in KiB (parsed by
    tests/integration/procs.py, the one reader of /proc/PID/status)."""
    from procs import proc_status as status   # on sys.path, as above
    st = status(pid)
    return {k: int(st[k].split()[0])
            for k in ('VmRSS', 'RssAnon', 'RssFile', 'RssShmem', 'VmHWM')
            if k in st}


# ---------------------------------------------------------------------------
# Stacks built from the integration harness's fixtures

def worker_pids(pid):
    """ichipd's TLS worker (ichip-tls-worker), if it runs."""
    from procs import children     # tests/integration: on sys.path in main
    return children(pid, 'ichip-tls-worker')


def daemon_rss_kb(pid):
    """VmRSS of ichipd and its TLS worker together: the worker holds the
    GnuTLS state that ichipd held before privilege separation."""
    return proc_status(pid)['VmRSS'] + sum(
        proc_status(w)['VmRSS'] for w in worker_pids(pid))


class Stack:
    """A temp dir, a private bus, N simulators, servers, ichipd."""

    def __init__(self, name, keep=False):
        import fixtures
        self.fx = fixtures
        self.tmp = tempfile.mkdtemp(prefix=f'ichip-bench-{name}-')
        self.keep = keep
        self.things = []
        self.sims = []
        self.ichipd = None
        self.client = None
        self.devs = []

    def own(self, thing):
        self.things.append(thing)
        return thing

    def start(self, n_sims=1, sim_extra=(), ichipd_extra=()):
        from client import Client
        from procs import wait_until
        self.bus = self.own(self.fx.Bus(self.tmp))
        for i in range(n_sims):
            self.sims.append(self.own(self.fx.Sim(self.tmp, f'ttyICHIP{i}',
                                                  list(sim_extra))))
        # the harness starts ichipd with --log-level debug; a benchmark
        # measures the daemon as deployed (later options win)
        self.ichipd = self.own(self.fx.Ichipd(
            self.tmp, self.bus, [s.link for s in self.sims],
            ['--log-level', 'notice', *ichipd_extra]))
        self.client = Client(self.bus.address)

        def ready():
            if not self.ichipd.alive():
                raise RuntimeError(f'ichipd exited during start-up; see '
                                   f'{self.ichipd.proc.log_path}')
            if not self.client.name_has_owner():
                return None
            devs = self.client.devices()
            if len(devs) < n_sims:
                return None
            for d in devs:
                st = str(self.client.prop(d, 'org.ichip.Device1', 'State'))
                if st != 'ready':
                    return None
            return devs
        self.devs = wait_until(ready, 30, 'ichipd to list every device')
        return self

    @property
    def pid(self):
        return self.ichipd.proc.pid

    def server(self, certs, mode='sinksource'):
        return self.own(self.fx.PyServer(self.tmp, mode, certs.server))

    def counters(self, dev):
        c = self.client.prop(dev, 'org.ichip.Device1', 'Counters')
        return {str(k): int(v) for k, v in c.items()}

    def stop(self):
        if self.client:
            try:
                self.client.close()
            except Exception:  # noqa: BLE001
                pass
        for t in reversed(self.things):
            try:
                t.stop()
            except Exception:  # noqa: BLE001
                pass
        if not self.keep:
            shutil.rmtree(self.tmp, ignore_errors=True)
        else:
            log(f'kept {self.tmp}')


def sink(sock, n):
    """Upload n bytes to SINK; returns when the server's digest arrives."""
    from tcpserv import client_sink
    _, count = client_sink(sock, n, 'bench')
    if count != n:
        raise RuntimeError(f'SINK got {count} of {n} bytes')


def source(sock, n):
    from tcpserv import client_source
    _, got = client_source(sock, n, 'bench')
    if got != n:
        raise RuntimeError(f'SOURCE delivered {got} of {n} bytes')




def runs_summary(runs, keys):
    """The median of the runs' ratios, and the raw numbers that go with
    it: min, median, max and the median of each of keys."""
    import statistics
    ratios = sorted(r['ratio'] for r in runs)
    med = statistics.median(ratios)
    return med, {'min': ratios[0], 'median': med, 'max': ratios[-1],
                 'median_per_MB': {k: statistics.median(r[k] for r in runs)
                                   for k in keys},
                 'runs': runs}


def parse_kv(text):
    out = {}
    for kv in text.split():
        k, _, v = kv.partition('=')
        try:
            out[k] = float(v)
        except ValueError:
            out[k] = v
    return out


def smaps_rollup(pid):
    """USS (Private_Clean + Private_Dirty), PSS, RSS of pid in KiB."""
    vals = {}
    with open(f'/proc/{pid}/smaps_rollup') as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 2 and parts[0].endswith(':'):
                try:
                    vals[parts[0][:-1]] = int(parts[1])
                except ValueError:
                    pass
    return {'uss_kb': vals.get('Private_Clean', 0) +
            vals.get('Private_Dirty', 0),
            'pss_kb': vals.get('Pss', 0), 'rss_kb': vals.get('Rss', 0),
            'anon_kb': vals.get('Anonymous', 0)}


def percentile(xs, p):
    """The p-th percentile (0..100) of xs, nearest rank."""
    s = sorted(xs)
    if not s:
        return float('nan')
    k = max(0, min(len(s) - 1, int(round(p / 100 * len(s) + 0.5)) - 1))
    return s[k]


def loadavg():
    with open('/proc/loadavg') as f:
        return [float(x) for x in f.read().split()[:3]]
