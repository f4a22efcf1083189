# SPDX-License-Identifier: GPL-2.0-only
# SPDX-FileCopyrightText: 2026 The ichip authors
"""The robustness suite's traffic: N lanes of host-tls sessions moving a
byte quota through ichipd, every byte checked, every end named.

A lane repeatedly takes a transfer (a SOURCE download or a SINK upload of
tcpserv.py's deterministic stream), opens a session for it and runs it in
a worker thread; a transfer whose session breaks is retried on a new
session until it arrives exact.  The main thread owns all of D-Bus (async
OpenSession, Closed and NameOwnerChanged signals): workers only touch
their socket, so nothing races in dbus-python.

What is checked per session:
  * downloads: every byte delivered equals the expected stream byte at
    that offset (a corrupt byte reaching the app is a failure at once,
    whether the session later completes or not), then the length;
  * uploads: the server's digest of what it received equals the digest
    of the stream prefix of that length (nothing corrupt got through);
  * the session ends with a Closed(reason) from the contract's list, or
    its ichipd vanished from the bus (SIGKILL: reason "daemon-killed");
  * no socket is silent for longer than the no-progress limit, no Closed
    signal is later than the close limit (nothing hangs).
"""

import collections
import hashlib
import queue
import socket
import threading
import time

import dbus

from client import (BUS_NAME, CLOSE_REASONS, DEVICE, SESSION, error_name,
                    options, pump)
from tcpserv import stream_chunks, stream_sha256

OPEN_ERRORS_OK_PREFIXES = ('org.ichip.Error.',
                           'org.freedesktop.DBus.Error.ServiceUnknown',
                           'org.freedesktop.DBus.Error.NameHasNoOwner',
                           'org.freedesktop.DBus.Error.NoReply',
                           'org.freedesktop.DBus.Error.UnknownObject',
                           'org.freedesktop.DBus.Error.UnknownMethod',
                           'org.freedesktop.DBus.Error.Disconnected')
DAEMON_KILLED = 'daemon-killed'


class ExpectedStream:
    """The bytes stream_chunks(n, seed) yields, compared piece by piece."""

    def __init__(self, n, seed):
        self._chunks = stream_chunks(n, seed)
        self._buf = b''
        self.offset = 0

    def check(self, data):
        """-1 if data is the next part of the stream, else the offset of
        the first wrong byte (absolute)."""
        while len(self._buf) < len(data):
            nxt = next(self._chunks, None)
            if nxt is None:
                break
            self._buf += nxt
        want = self._buf[:len(data)]
        if want != data:
            i = next((k for k in range(min(len(want), len(data)))
                      if want[k] != data[k]), min(len(want), len(data)))
            return self.offset + i
        self._buf = self._buf[len(data):]
        self.offset += len(data)
        return -1


class Run:
    """One session attempt of one transfer."""

    _ids = 0

    def __init__(self, lane, transfer, dev):
        Run._ids += 1
        self.id = Run._ids
        self.lane = lane
        self.transfer = transfer
        self.dev = dev
        self.path = None
        self.gen = None
        self.sock = None
        self.t_open = time.monotonic()
        self.t_end = None
        self.progress = 0           # bytes moved (written by the worker)
        self.outcome = None         # complete | broken | corrupt | hang
        self.detail = ''
        self.reason = None          # Closed(reason) or daemon-killed
        self.faults = []            # faults that hit while it ran
        self.open_error = None


class Transfer:
    _ids = 0

    def __init__(self, kind, size):
        Transfer._ids += 1
        self.id = Transfer._ids
        self.kind = kind
        self.size = size
        self.seed = f'soak-{self.id}'
        self.attempts = 0


def run_source(run, sock, limit):
    t = run.transfer
    sock.settimeout(limit)
    sock.sendall(f'SOURCE {t.size} {t.seed}\n'.encode())
    expect = ExpectedStream(t.size, t.seed)
    got = 0
    while True:
        data = sock.recv(1 << 16)
        if not data:
            break
        bad = expect.check(data)
        if bad >= 0:
            return 'corrupt', (f'download byte {bad} of {t.size} differs '
                               f'from the stream')
        got += len(data)
        run.progress = got
    if got == t.size:
        return 'complete', ''
    return 'broken', f'download ended at {got} of {t.size}'


def run_sink(run, sock, limit):
    t = run.transfer
    sock.settimeout(limit)
    sock.sendall(f'SINK {t.size}\n'.encode())
    sent = 0
    for chunk in stream_chunks(t.size, t.seed):
        sock.sendall(chunk)
        sent += len(chunk)
        run.progress = sent
    answer = b''
    while not answer.endswith(b'\n'):
        data = sock.recv(256)
        if not data:
            return 'broken', (f'upload: no digest from the server '
                              f'({sent} of {t.size} sent)')
        answer += data
        if len(answer) > 200:
            return 'corrupt', f'upload: garbage answer {answer[:80]!r}'
    try:
        digest, count = answer.decode().split()
        count = int(count)
    except (UnicodeDecodeError, ValueError):
        return 'corrupt', f'upload: garbage answer {answer!r}'
    if count > t.size or digest != stream_sha256(count, t.seed):
        return 'corrupt', (f'upload: server got {count} bytes whose '
                           f'digest differs from the stream')
    if count != t.size:
        return 'broken', f'upload: server got {count} of {t.size}'
    return 'complete', ''


def worker(run, sock, limit, results):
    """Thread body: one transfer on one session fd, then close the fd."""
    fn = run_source if run.transfer.kind == 'source' else run_sink
    try:
        outcome, detail = fn(run, sock, limit)
    except socket.timeout:
        outcome, detail = 'hang', (f'no progress for {limit} s at '
                                   f'{run.progress} bytes')
    except OSError as e:
        outcome, detail = 'broken', f'{type(e).__name__}: {e}'
    finally:
        sock.close()
    results.put((run, outcome, detail))


class Lane:
    def __init__(self, index, kinds):
        self.index = index
        self.kinds = kinds          # cycle of transfer kinds
        self.n = 0
        self.state = 'idle'         # idle | opening | running | backoff
        self.transfer = None
        self.run = None
        self.wake = 0.0
        self.backoff = 0.2
        self.prev = None            # the lane's last run

    def next_kind(self):
        kind = self.kinds[(self.index + self.n) % len(self.kinds)]
        self.n += 1
        return kind


class Engine:
    """Lanes, their sessions, and the bookkeeping of every end."""

    def __init__(self, client, nlanes, quota, session_bytes, target,
                 no_progress_s=60, close_limit_s=30, open_timeout_s=60,
                 kinds=('source', 'sink')):
        self.client = client
        self.bus = client.bus
        self.quota = quota
        self.session_bytes = session_bytes
        self.target = target        # () -> (dev, host, port) or None
        self.no_progress_s = no_progress_s
        self.close_limit_s = close_limit_s
        self.open_timeout_s = open_timeout_s
        self.lanes = [Lane(i, kinds) for i in range(nlanes)]
        self.results = queue.Queue()
        self.committed = 0          # bytes of transfers handed out
        self.done_bytes = 0         # bytes of transfers that arrived exact
        self.limit = None           # commit no further than this (gates)
        self.runs = []
        self.running = set()
        self.awaiting_close = []    # runs ended, Closed not yet seen
        self.open_errors = collections.Counter()
        self.failures = []          # strings: what must fail the test
        self.gen = 0                # ichipd incarnation (NameOwnerChanged)
        self.owner = None
        self.vanished = 0
        self.closed = {}            # (gen, path) -> reason
        self.hooks = []             # called on every tick
        self.active_faults = []     # faults on now: tag runs opened now
        self.last_complete = time.monotonic()
        self.bus.add_signal_receiver(
            self._on_closed, signal_name='Closed', dbus_interface=SESSION,
            path_keyword='path')
        self.bus.add_signal_receiver(
            self._on_owner, signal_name='NameOwnerChanged',
            dbus_interface='org.freedesktop.DBus', arg0=BUS_NAME)
        try:
            self.owner = str(self.bus.get_name_owner(BUS_NAME))
        except dbus.DBusException:
            self.owner = None

    # ---- signals ----

    def _on_closed(self, reason, path):
        self.closed.setdefault((self.gen, str(path)), str(reason))

    def _on_owner(self, name, old, new):
        if old:
            self.vanished += 1
        self.owner = str(new) or None
        if new:
            self.gen += 1

    # ---- the loop ----

    def tick(self, seconds=0.01):
        pump(seconds)
        while True:
            try:
                run, outcome, detail = self.results.get_nowait()
            except queue.Empty:
                break
            self._finished(run, outcome, detail)
        now = time.monotonic()
        for lane in self.lanes:
            self._advance(lane, now)
        self._check_closes(now)
        for hook in self.hooks:
            hook()

    def run_until(self, predicate, timeout, what):
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise TimeoutError(f'timed out after {timeout} s waiting '
                                   f'for {what}')
            self.tick()

    def idle(self):
        """Quota handed out and every lane and close settled."""
        return (self.committed >= self.quota and
                all(lane.state == 'idle' and lane.transfer is None
                    for lane in self.lanes) and not self.awaiting_close)

    def active_runs(self):
        return [lane.run for lane in self.lanes
                if lane.state in ('opening', 'running') and lane.run]

    def mark_fault(self, label):
        """Tag the sessions in flight with a fault; returns how many."""
        runs = self.active_runs()
        for run in runs:
            run.faults.append(label)
        return len(runs)

    # ---- lanes ----

    def _new_transfer(self, lane):
        left = self.quota - self.committed
        if left <= 0:
            return None
        if self.limit is not None:
            # the gate is exact: a fault must find work left to hit
            left = min(left, self.limit - self.committed)
            if left <= 0:
                return None
        t = Transfer(lane.next_kind(), min(self.session_bytes, left))
        self.committed += t.size
        return t

    def _advance(self, lane, now):
        if lane.state == 'backoff' and now >= lane.wake:
            lane.state = 'idle'
        if lane.state != 'idle':
            return
        # N lanes on N module sockets: the next STCP must not race the
        # SCLS of the lane's last session (TooManySessions is no outcome
        # of a fault-free run)
        if lane.prev is not None and lane.prev in self.awaiting_close:
            return
        if lane.transfer is None:
            lane.transfer = self._new_transfer(lane)
            if lane.transfer is None:
                return
        tgt = self.target()
        if tgt is None:             # no device right now (hang-up)
            return
        self._open(lane, *tgt)

    def _open(self, lane, dev, host, port):
        run = Run(lane, lane.transfer, dev)
        run.faults = list(self.active_faults)
        lane.prev = run
        lane.transfer.attempts += 1
        lane.run = run
        lane.state = 'opening'
        self.runs.append(run)

        def ok(path, fd):
            sock = socket.socket(fileno=fd.take())
            run.path = str(path)
            run.gen = self.gen
            if lane.run is not run:     # cannot happen; be safe
                sock.close()
                return
            lane.state = 'running'
            lane.backoff = 0.2
            self.running.add(run)
            threading.Thread(target=worker, daemon=True,
                             args=(run, sock, self.no_progress_s,
                                   self.results)).start()

        def err(e):
            run.detail = str(e)
            self._open_failed(lane, run, error_name(e) or
                              f'{type(e).__name__}: {e}')
        try:
            obj = self.bus.get_object(BUS_NAME, dev, introspect=False)
            obj.get_dbus_method('OpenSession', DEVICE)(
                host, dbus.UInt16(port), options(security='host-tls'),
                signature='sqa{sv}', timeout=self.open_timeout_s,
                reply_handler=ok, error_handler=err)
        except dbus.DBusException as e:
            self._open_failed(lane, run, error_name(e) or str(e))

    def _open_failed(self, lane, run, name):
        run.open_error = name
        run.outcome = 'open-failed'
        run.t_end = time.monotonic()
        self.open_errors[name] += 1
        if not name.startswith(OPEN_ERRORS_OK_PREFIXES):
            self.failures.append(f'run {run.id}: OpenSession failed with '
                                 f'an unexpected error: {name}')
        lane.run = None
        lane.state = 'backoff'
        lane.wake = time.monotonic() + lane.backoff
        lane.backoff = min(lane.backoff * 2, 2.0)

    def _finished(self, run, outcome, detail):
        lane = run.lane
        run.outcome = outcome
        run.detail = detail
        run.t_end = time.monotonic()
        self.running.discard(run)
        if outcome == 'complete':
            self.done_bytes += run.transfer.size
            self.last_complete = run.t_end
            lane.transfer = None
        elif outcome in ('corrupt', 'hang'):
            self.failures.append(f'run {run.id} ({run.transfer.kind} '
                                 f'{run.transfer.size}, {run.path}): '
                                 f'{outcome}: {detail}')
        lane.run = None
        lane.state = 'idle' if outcome == 'complete' else 'backoff'
        lane.wake = time.monotonic() + 0.1
        run.close_deadline = run.t_end + self.close_limit_s
        self.awaiting_close.append(run)

    def _check_closes(self, now):
        still = []
        for run in self.awaiting_close:
            reason = self.closed.get((run.gen, run.path))
            if reason is not None:
                run.reason = reason
                if reason not in CLOSE_REASONS:
                    self.failures.append(f'run {run.id}: Closed("{reason}")'
                                         f' is not a contract reason')
            elif self.gen != run.gen:
                run.reason = DAEMON_KILLED  # its ichipd vanished
            elif now > run.close_deadline:
                run.reason = 'NO-CLOSED-SIGNAL'
                self.failures.append(
                    f'run {run.id} ({run.path}): {run.outcome} '
                    f'({run.detail}) but no Closed signal within '
                    f'{self.close_limit_s} s')
            else:
                still.append(run)
        self.awaiting_close = still

    # ---- report ----

    def summary(self):
        ended = [r for r in self.runs if r.outcome and
                 r.outcome != 'open-failed']
        by = collections.Counter()
        for r in ended:
            by[(r.outcome, r.reason)] += 1
        return {
            'sessions': len(ended),
            'complete': sum(1 for r in ended if r.outcome == 'complete'),
            'by_outcome_reason': dict(by),
            'open_failures': dict(self.open_errors),
            'bytes_exact': self.done_bytes,
            'bytes_moved': sum(r.progress for r in self.runs),
        }
