#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
# SPDX-FileCopyrightText: 2026 The ichip authors
"""make bench: performance ratios of ichip, measured side by side.

  /usr/bin/python3 tools/bench/bench.py --build BUILD [--only NAMES]
      [--skip NAMES] [--json PATH] [--no-vm] [--keep-tmp]

Every metric is a ratio of two things measured in the same run on the same
machine (absolute times vary on shared machines), printed as a table with
its target and PASS/MISS, plus the raw numbers, and written as JSON to
BUILD/bench.json.  A MISS is a finding, not a failure: the exit status is
0 unless a measurement could not be made (then 1; the JSON says why).

Metrics (names for --only/--skip):
  framer     framing core throughput / memcpy of the same bytes (>= 0.5)
  goodput    session goodput / line capacity at 921600 baud, host-tls,
             upload and download (>= 0.95 each)
  rtt        Device1.Command("AT+i") round trip through D-Bus, ichipd,
             netlink, n_ichip, the pty and ichip-sim / a raw pty
             write-read with a trivial peer (<= 1.5), in the QEMU VM
             (tests/vm/run.sh); the same on the host with the tty
             transport is reported alongside
  cpu        ichipd + TLS worker CPU seconds per MB moved / a bare
             GnuTLS client's (bench-tls-client) over loopback (<= 1.3)
  rss        ichipd idle VmRSS (<= 4 MiB); VmRSS of ichipd + TLS worker
             per open session beyond
             GnuTLS's own (<= 64 KiB)
  handshake  OpenSession (host-tls) time at 115200 baud / the time the
             handshake's TLS bytes take on that line (<= 1.1)
  fairness   8 simulated devices x 10 sessions downloading at once:
             max/min per-session goodput (<= 1.2)
  signals    D-Bus signals ichipd sends per MB moved through a host-tls
             session (<= 1), and per second with that session idle (0)

The stacks (private dbus-daemon, ichip-sim, TLS servers, ichipd) are the
integration harness's own (tests/integration/fixtures.py).
"""

import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(os.path.dirname(HERE))
MB = 1 << 20
TICK = os.sysconf('SC_CLK_TCK')

ALL = ['framer', 'goodput', 'rtt', 'cpu', 'rss', 'handshake', 'fairness',
       'signals']


def log(msg):
    print(f'bench: {msg}', file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------
# /proc readings of ichipd

def proc_cpu_s(pid):
    """utime + stime of pid in seconds, from /proc/PID/stat."""
    with open(f'/proc/{pid}/stat') as f:
        fields = f.read().rsplit(')', 1)[1].split()
    # fields[0] is field 3 (state): utime is field 14, stime 15
    return (int(fields[11]) + int(fields[12])) / TICK


def proc_cpu_split(pid):
    """(utime, stime) of pid in seconds."""
    with open(f'/proc/{pid}/stat') as f:
        fields = f.read().rsplit(')', 1)[1].split()
    return int(fields[11]) / TICK, int(fields[12]) / TICK


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
    """VmRSS, RssAnon, RssFile, VmHWM of pid in KiB."""
    out = {}
    with open(f'/proc/{pid}/status') as f:
        for line in f:
            k, _, v = line.partition(':')
            if k in ('VmRSS', 'RssAnon', 'RssFile', 'RssShmem', 'VmHWM'):
                out[k] = int(v.split()[0])
    return out


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


def daemon_cpu_s(pid):
    return proc_cpu_s(pid) + sum(proc_cpu_s(w) for w in worker_pids(pid))


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


# ---------------------------------------------------------------------------
# The benchmark

class Bench:
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
        """BUILD/tools/bench/NAME; built here with cc when meson has not
        (the tools/bench subdir not yet in the top-level meson.build)."""
        p = os.path.join(self.bin_dir, name)
        if os.access(p, os.X_OK):
            return p
        out = os.path.join(self.tmp, name)
        if os.access(out, os.X_OK):
            return out
        src = os.path.join(HERE, f'{name}.c')
        cmd = ['cc', '-O2', '-g', '-std=gnu11', '-D_GNU_SOURCE',
               '-I', os.path.join(SRC, 'include', 'uapi'),
               '-I', os.path.join(SRC, 'driver'), '-o', out, src]
        if name == 'bench-framer':
            cmd.append(os.path.join(SRC, 'driver', 'ichip_frame.c'))
        for pkg in extra_libs:
            cmd += subprocess.run(['pkg-config', '--cflags', '--libs', pkg],
                                  check=True, capture_output=True,
                                  text=True).stdout.split()
        log(f'{p} not built (add tools/bench to meson.build); '
            f'building {out}')
        subprocess.run(cmd, check=True)
        return out

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

    # ---- signals ----

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
        self.record('signals per MB moved', len(seen) / moved, 1, 'le',
                    {'signals': len(seen), 'mb_moved': moved}, unit='/MB',
                    note='every signal from org.ichip during a host-tls '
                         'echo, both directions counted')
        self.record('signals per s, idle session', idle / idle_s, 0, 'le',
                    {'signals': idle, 'seconds': idle_s}, unit='/s',
                    note='one open host-tls session, no traffic')

    # ---- framer ----

    def m_framer(self):
        exe = self.tool('bench-framer')
        out = subprocess.run([exe, '--json', '--seconds', '3'], check=True,
                             capture_output=True, text=True,
                             timeout=60).stdout
        r = json.loads(out)
        self.record('framer throughput / memcpy', r['ratio'], 0.5, 'ge', r,
                    note='RX stream of a busy device (SRCV payloads 1 B-'
                         '16 KiB + RP7/SSND/OK/ERROR/query lines), 4 KiB '
                         'flip-buffer chunks')

    # ---- goodput at 921600 ----

    def m_goodput(self):
        baud = 921600
        line = baud / 10
        n = int(self.args.goodput_kib) * 1024
        st = Stack('goodput', self.args.keep_tmp)
        try:
            st.start(sim_extra=['--baud', str(baud)])
            certs = self.certs()
            st.client.set_ca(st.devs[0], certs.ca.pem)
            srv = st.server(certs)
            rates = {}
            for direction in ('upload', 'download'):
                _, sock = st.client.open_session(st.devs[0], 'localhost',
                                                 srv.port)
                sock.settimeout(120)
                t0 = time.monotonic()
                (sink if direction == 'upload' else source)(sock, n)
                dt = time.monotonic() - t0
                sock.close()
                rates[direction] = n / dt
            for direction, rate in rates.items():
                self.record(f'goodput / line, {direction}', rate / line,
                            0.95, 'ge',
                            {'bytes': n, 'goodput_Bps': round(rate),
                             'line_Bps': line, 'baud': baud},
                            note='host-tls, ichip-sim --baud 921600, tty '
                                 'transport on the host')
        finally:
            st.stop()

    # ---- rss + cpu (one unthrottled stack) ----

    def m_rss(self):
        st = Stack('rss', self.args.keep_tmp)
        try:
            st.start()
            certs = self.certs()
            st.client.set_ca(st.devs[0], certs.ca.pem)
            srv = st.server(certs)
            time.sleep(1.0)
            idle = proc_status(st.pid)
            idle_maps = rss_by_file(st.pid)
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
        self.record('ichipd idle RSS (MiB)', idle['VmRSS'] / 1024, 4.0, 'le',
                    {'status_kb': idle, 'rss_by_file_kb': idle_maps,
                     'bare_gnutls_client_rss_kb_1_session':
                         int(bare['rss1_kb'])}, unit='MiB',
                    note='one device, no session, 1 s after ready')
        self.record('ichipd RSS per session beyond GnuTLS (KiB)',
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
        mb = 2 * n / 1e6
        ichipd_total = sum(ichipd_s.values())
        bare_total = sum(b['cpu_s'] for b in bare.values())
        self.record('ichipd CPU/MB / bare GnuTLS CPU/MB',
                    ichipd_total / bare_total, 1.3, 'le',
                    {'bytes_each_way': n, 'ichipd_cpu_s': ichipd_s,
                     'ichipd_user_sys_s': split,
                     'ichipd_wall_s': wall,
                     'ichipd_cpu_s_per_MB': round(ichipd_total / mb, 6),
                     'bare_cpu_s': {k: v['cpu_s'] for k, v in bare.items()},
                     'bare_cpu_s_per_MB': round(bare_total / mb, 6)},
                    note='upload + download through a host-tls session, '
                         'ichip-sim unthrottled; handshake included on both '
                         'sides')

    # ---- handshake at 115200 ----

    def m_handshake(self):
        baud = 115200
        line = baud / 10
        st = Stack('handshake', self.args.keep_tmp)
        try:
            st.start(sim_extra=['--baud', str(baud)])
            certs = self.certs()
            dev = st.devs[0]
            st.client.set_ca(dev, certs.ca.pem)
            srv = st.server(certs)
            exe = self.tool('bench-tls-client', ['gnutls'])
            out = subprocess.run([exe, certs.ca.pem_path, str(srv.port),
                                  'handshake'], check=True,
                                 capture_output=True, text=True,
                                 timeout=60).stdout
            hs = {k: float(v) for k, v in
                  (kv.split('=') for kv in out.split())}
            times, wire = [], []
            for _ in range(3):
                c0 = st.counters(dev)
                t0 = time.monotonic()
                path, sock = st.client.open_session(dev, 'localhost',
                                                    srv.port)
                times.append(time.monotonic() - t0)
                c1 = st.counters(dev)
                wire.append({'tx': c1.get('tx-bytes', 0) - c0.get('tx-bytes', 0),
                             'rx': c1.get('rx-bytes', 0) - c0.get('rx-bytes', 0)})
                sock.close()
                st.client.wait_closed(path)
        finally:
            st.stop()
        tls_bytes = hs['hs_tx'] + hs['hs_rx']
        wire_time = tls_bytes / line
        t = statistics.median(times)
        self.record('TLS handshake time / bytes-on-wire time', t / wire_time,
                    1.1, 'le',
                    {'opensession_s': [round(x, 4) for x in times],
                     'median_s': round(t, 4),
                     'tls_handshake_bytes': {'tx': hs['hs_tx'],
                                             'rx': hs['hs_rx']},
                     'wire_time_s': round(wire_time, 4),
                     'bare_loopback_handshake_s': hs['hs_s'],
                     'line_bytes_during_opensession': wire,
                     'ratio_vs_all_line_bytes': round(
                         t / (statistics.median(
                             [w['tx'] + w['rx'] for w in wire]) / line), 4)},
                    note='OpenSession (STCP + host-tls handshake, median of '
                         '3) at 115200 baud / (TLS handshake bytes both ways, '
                         'from a bare GnuTLS client against the same server) '
                         '/ 11520 B/s')

    # ---- fairness: 8 devices x 10 sessions ----

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
        self.record('8 dev x 10 sessions: max/min goodput',
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

    # ---- rtt: in the VM, and on the host for reference ----

    def host_rtt(self, n):
        exe = self.tool('bench-rtt', ['libsystemd'])
        st = Stack('rtt', self.args.keep_tmp)
        try:
            st.start(ichipd_extra=['--debug-commands'])
            env = st.bus.env()
            res = {}
            for mode, args in (('dbus', ['dbus', st.devs[0], str(n)]),
                               ('dbus-get', ['dbus-get', str(n)]),
                               ('pty', ['pty', str(n)])):
                out = subprocess.run([exe, *args], env=env, check=True,
                                     capture_output=True, text=True,
                                     timeout=120).stdout
                res[mode] = parse_kv(out)
        finally:
            st.stop()
        return res

    def vm_rtt(self, n):
        exe = self.tool('bench-rtt', ['libsystemd'])
        ko = os.path.join(SRC, 'driver', 'n_ichip.ko')
        if not os.path.exists(ko):
            raise RuntimeError('driver/n_ichip.ko not built (make module)')
        build = self.build
        e2e = os.path.join(build, 'e2e')
        subprocess.run([os.path.join(SRC, 'tests', 'e2e', 'prepare.sh'), e2e],
                       check=True, capture_output=True)
        bins = [exe, os.path.join(build, 'daemon', 'ichipd'),
                os.path.join(build, 'tests', 'sim', 'ichip-sim'),
                '/usr/bin/dbus-daemon']
        argv = [os.path.join(SRC, 'tests', 'vm', 'run.sh'), '--build', build,
                '--name', 'bench', '--module', ko, '--timeout', '300']
        for b in bins:
            argv += ['--bin', b]
        conf = os.path.join(self.tmp, 'bench-rtt.conf')
        with open(conf, 'w') as f:
            f.write(f'N={n}\n')
        argv += ['--file', f'{e2e}:/etc/ichip-e2e',
                 '--file', f'{conf}:/etc/bench-rtt.conf',
                 '--file', f'{os.path.join(SRC, "tests/e2e/passwd")}:/etc/passwd',
                 '--file', f'{os.path.join(SRC, "tests/e2e/group")}:/etc/group',
                 '--test', os.path.join(HERE, '60-bench-rtt.sh')]
        t0 = time.monotonic()
        p = subprocess.run(argv, cwd=SRC, capture_output=True, text=True,
                           timeout=400)
        log(f'VM run took {time.monotonic() - t0:.1f} s (exit {p.returncode})')
        console = os.path.join(build, 'vm', 'bench-console.log')
        res = {}
        try:
            with open(console, errors='replace') as f:
                for line in f:
                    m = re.search(r'BENCH-RTT (mode=\S+ .*)$', line)
                    if m:
                        kv = parse_kv(m.group(1))
                        res[kv['mode']] = kv
        except FileNotFoundError:
            pass
        if p.returncode != 0 or not {'dbus', 'pty'} <= set(res):
            tail = '\n'.join((p.stdout + p.stderr).splitlines()[-30:])
            raise RuntimeError(f'VM round-trip run failed (exit '
                               f'{p.returncode}); console {console}\n{tail}')
        return res

    def m_rtt(self):
        n = int(self.args.rtt_n)
        host = self.host_rtt(n)
        raw = {'host_tty_transport': {
            k: {kk: v[kk] for kk in ('per_call_us', 'p50_us', 'min_us')}
            for k, v in host.items()}}
        raw['host_ratio_mean'] = round(host['dbus']['per_call_us'] /
                                       host['pty']['per_call_us'], 3)
        where = 'vm'
        vm = None
        if self.args.no_vm:
            where = 'host'
        else:
            try:
                vm = self.vm_rtt(n)
            except Exception as e:  # noqa: BLE001
                log(f'VM round trip failed, falling back to the host: {e}')
                raw['vm_error'] = str(e)[:2000]
                where = 'host'
        if vm:
            raw['vm_kernel_transport'] = {
                k: {kk: v[kk] for kk in ('per_call_us', 'p50_us', 'min_us')}
                for k, v in vm.items()}
            src = vm
            note = ('in the QEMU VM (TCG): ichipd --transport kernel '
                    '--debug-commands, Device1.Command("AT+i") vs a raw '
                    'pty write/read with a trivial peer; mean per call')
        else:
            src = host
            note = ('HOST, tty transport (the VM run was not made): '
                    'Device1.Command("AT+i") vs raw pty write/read')
        raw['dbus_hop_only_us'] = src.get('dbus-get', {}).get('per_call_us')
        self.record(f'command round trip / raw pty ({where})',
                    src['dbus']['per_call_us'] / src['pty']['per_call_us'],
                    1.5, 'le', raw, note=note)

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


def parse_kv(text):
    out = {}
    for kv in text.split():
        k, _, v = kv.partition('=')
        try:
            out[k] = float(v)
        except ValueError:
            out[k] = v
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--build', default=os.path.join(SRC, 'build'))
    ap.add_argument('--only', default='', help='comma-separated metrics')
    ap.add_argument('--skip', default='', help='comma-separated metrics')
    ap.add_argument('--json', default=None,
                    help='output file (default BUILD/bench.json)')
    ap.add_argument('--no-vm', action='store_true',
                    help='round trip on the host only')
    ap.add_argument('--keep-tmp', action='store_true')
    ap.add_argument('--goodput-kib', default=1024)
    ap.add_argument('--cpu-mib', default=64)
    ap.add_argument('--rtt-n', default=2000)
    ap.add_argument('--fair-window', default=30)
    ap.add_argument('--signals-mib', default=8)
    args = ap.parse_args()

    os.environ['ICHIP_BUILD'] = os.path.abspath(args.build)
    sys.path.insert(0, os.path.join(SRC, 'tests', 'integration'))
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
          f'{len(b.errors)} not measured; {total:.0f} s')
    out = args.json or os.path.join(args.build, 'bench.json')
    with open(out + '.tmp', 'w') as f:
        json.dump({'results': b.results, 'errors': b.errors,
                   'seconds': round(total, 1),
                   'host': socket.gethostname(),
                   'cpus': os.cpu_count(),
                   'time': time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())},
                  f, indent=2, sort_keys=True)
    os.replace(out + '.tmp', out)
    print(f'wrote {out}')
    return 1 if b.errors else 0


if __name__ == '__main__':
    sys.exit(main())
