#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
# SPDX-FileCopyrightText: 2026 The ichip authors
"""make bench: performance ratios of ichip, measured side by side.

  /usr/bin/python3 tools/bench/bench.py --build BUILD [--only NAMES]
      [--skip NAMES] [--json PATH] [--no-vm] [--keep-tmp]

Every metric is a ratio of two things measured in the same run on the same
machine (absolute times vary on shared machines), printed as a table with
its target and PASS/MISS, plus the raw numbers, and written as JSON to
BUILD/bench.json with the load average before and after.  A MISS is a
finding, not a failure: the exit status is 0 unless a measurement could
not be made (then 1; the JSON says why).

Metrics (names for --only/--skip; the number is the target's in issue 16):
  framer      1  framing core throughput / memcpy, median of 5 (>= 0.5)
  rtt         2  netlink EXEC round trip / raw pty write-read, both to
                 ichip-sim, in the VM, median of 5 rounds that take turns
                 (<= 1.5); D-Bus method to ichipd /
                 Peer.Ping (<= 1.3)
  cpu         3  ichipd + TLS worker CPU per MB / (bare GnuTLS client +
                 plain socketpair<->pty copy) per MB, median of
                 --cpu-runs (<= 1.3), on the host (tty transport); and
                 the same in the VM (kernel transport), its own line,
                 median of --cpu-vm-runs of --cpu-vm-mib each way
  rss         4  idle RssAnon of ichipd (+ worker), one device (<= 1 MiB),
                 USS and PSS reported; RSS
                 per session beyond GnuTLS's own (<= 64 KiB)
  goodput     5  goodput / line, both ways, at 921600 and 3000000 baud
                 (>= 0.95)
  latency     6  1-byte echo p99 with 9 sessions streaming / idle p99 (<= 3)
  signals     7  D-Bus signals per MB moved (<= 1), per idle second (0)
  resumption  8  line bytes of a resumed OpenSession / a full one (<= 0.4;
                 server: leaf + intermediate; the lab leaf alone: raw)
  fairness    9  8 devices x 10 sessions: max/min goodput (<= 1.2)
  cksum      17  (issue 17) goodput with checksum mode / without, both
                 ways at 921600 on a clean line, medians of 3 (>= 0.98)

The metrics live in m_*.py by concern, the shared pieces in benchlib.py;
the stacks (private dbus-daemon, ichip-sim, TLS servers, ichipd) are the
integration harness's own (tests/integration/fixtures.py).
"""

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import traceback

from benchlib import HERE, SRC, loadavg, log
from m_basic import BasicMetrics
from m_cpu import CpuMetrics
from m_line import LineMetrics
from m_resources import ResourceMetrics
from m_rtt import RttMetrics
from m_tls import TlsMetrics

ALL = ['framer', 'rtt', 'cpu', 'rss', 'goodput', 'latency', 'signals',
       'resumption', 'fairness', 'cksum']

class Bench(BasicMetrics, RttMetrics, CpuMetrics, ResourceMetrics,
            LineMetrics, TlsMetrics):
    def __init__(self, args):
        self.args = args
        self.build = os.path.abspath(args.build)
        self.results = {}
        self.errors = {}
        self._certs = None
        self.bin_dir = os.path.join(self.build, 'tools', 'bench')
        self.tmp = tempfile.mkdtemp(prefix='ichip-bench-')

    # ---- helpers ----

    def certs(self):
        if self._certs is None:
            # only what the benchmark needs (CertSet also makes RSA 4096
            # and the bad certificates: slow, unused here)
            from certs import CertFactory
            f = CertFactory(os.path.join(self.tmp, 'certs'))

            class Certs:
                ca = f.self_signed('ca', 'ichip bench CA')
                server = f.server('server', ca)
            self._certs = Certs
        return self._certs

    def tool(self, name, extra_libs=()):
        """BUILD/tools/bench/NAME, as meson built it (make bench builds
        first; a missing tool is an error, never a silent stand-in)."""
        p = os.path.join(self.bin_dir, name)
        if not os.access(p, os.X_OK):
            raise SystemExit(f'bench: {p} not built (run make first)')
        return p

    def record(self, name, ratio, target, better, raw, unit='x',
               note=''):
        """better: 'ge' (ratio >= target passes) or 'le'."""
        ok = ratio >= target if better == 'ge' else ratio <= target
        self.results[name] = {
            'ratio': round(ratio, 4), 'target': target,
            'target_op': '>=' if better == 'ge' else '<=',
            'unit': unit, 'pass': bool(ok), 'raw': raw, 'note': note,
        }
        log(f'{name}: {ratio:.4g} ({"PASS" if ok else "MISS"}) {raw}')

    def run(self, name):
        fn = getattr(self, f'm_{name}')
        t0 = time.monotonic()
        log(f'--- {name}')
        try:
            fn()
        except Exception as e:  # noqa: BLE001 - a metric that failed
            self.errors[name] = f'{type(e).__name__}: {e}'
            log(f'{name} FAILED: {e}')
            traceback.print_exc(file=sys.stderr)
        log(f'{name} took {time.monotonic() - t0:.1f} s')
    # ---- output ----

    def table(self):
        rows = [('metric', 'ratio', 'target', 'result')]
        for name, r in self.results.items():
            rows.append((name, f'{r["ratio"]:.3f}',
                         f'{r["target_op"]} {r["target"]}',
                         'PASS' if r['pass'] else 'MISS'))
        for name, e in self.errors.items():
            rows.append((name, '-', '-', 'ERROR'))
        w = [max(len(r[i]) for r in rows) for i in range(4)]
        lines = []
        for i, r in enumerate(rows):
            lines.append('  '.join(c.ljust(w[j]) for j, c in enumerate(r)))
            if i == 0:
                lines.append('  '.join('-' * x for x in w))
        print('\n'.join(lines))
        print('\nraw numbers:')
        for name, r in self.results.items():
            print(f'  {name}: {json.dumps(r["raw"], sort_keys=True)}')
            if r['note']:
                print(f'    ({r["note"]})')
        for name, e in self.errors.items():
            print(f'  {name}: ERROR {e.splitlines()[0]}')



def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--build', default=os.path.join(SRC, 'build'))
    ap.add_argument('--only', default='', help='comma-separated metrics')
    ap.add_argument('--skip', default='', help='comma-separated metrics')
    ap.add_argument('--json', default=None,
                    help='output file (default BUILD/bench.json)')
    ap.add_argument('--no-vm', action='store_true',
                    help='no VM: target 2a and the VM half of 3 are '
                         'reported as not measured')
    ap.add_argument('--keep-tmp', action='store_true')
    ap.add_argument('--goodput-kib', default=1024)
    ap.add_argument('--cpu-mib', default=64)
    ap.add_argument('--cpu-runs', default=5)
    # TCG is 10-50x slower than the host: ~12 s a run in the VM
    ap.add_argument('--cpu-vm-mib', default=4)
    ap.add_argument('--cpu-vm-runs', default=5)
    ap.add_argument('--rtt-n', default=2000)
    ap.add_argument('--fair-window', default=30)
    ap.add_argument('--signals-mib', default=8)
    ap.add_argument('--latency-n', default=200)
    args = ap.parse_args()

    os.environ['ICHIP_BUILD'] = os.path.abspath(args.build)
    import fixtures
    for p in (fixtures.ICHIPD_BIN, fixtures.SIM_BIN):
        if not os.access(p, os.X_OK):
            print(f'bench: {p} not built (make all)', file=sys.stderr)
            return 1

    names = [n for n in (args.only.split(',') if args.only else ALL) if n]
    skip = set(args.skip.split(',')) if args.skip else set()
    unknown = [n for n in names + list(skip) if n not in ALL]
    if unknown:
        ap.error(f'unknown metric(s) {unknown}; known: {ALL}')
    b = Bench(args)
    t0 = time.monotonic()
    load0 = loadavg()
    try:
        for n in names:
            if n not in skip:
                b.run(n)
    finally:
        shutil.rmtree(b.tmp, ignore_errors=True)
    total = time.monotonic() - t0
    print()
    b.table()
    print(f'\n{len(b.results)} ratios, '
          f'{sum(1 for r in b.results.values() if r["pass"])} PASS, '
          f'{sum(1 for r in b.results.values() if not r["pass"])} MISS, '
          f'{len(b.errors)} not measured; {total:.0f} s; load average '
          f'{load0} before, {loadavg()} after ({os.cpu_count()} CPUs)')
    out = args.json or os.path.join(args.build, 'bench.json')
    with open(out + '.tmp', 'w') as f:
        json.dump({'results': b.results, 'errors': b.errors,
                   'seconds': round(total, 1),
                   'host': socket.gethostname(),
                   'cpus': os.cpu_count(),
                   'loadavg_before': load0, 'loadavg_after': loadavg(),
                   'time': time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())},
                  f, indent=2, sort_keys=True)
    os.replace(out + '.tmp', out)
    print(f'wrote {out}')
    return 1 if b.errors else 0


# the harness's fixtures (and the metric modules' imports of them)
sys.path.insert(0, os.path.join(SRC, 'tests', 'integration'))

if __name__ == '__main__':
    sys.exit(main())
