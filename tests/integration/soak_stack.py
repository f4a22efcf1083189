# SPDX-License-Identifier: GPL-2.0-only
# SPDX-FileCopyrightText: 2026 The ichip authors
"""The robustness suite's stack pieces: a supervised ichipd, a sim that
survives hang-ups, restartable servers, /proc readings.

Built on fixtures.py/procs.py (not a rewrite of them):

  SupervisedIchipd  ichipd under a systemd-like supervisor
                    (Restart=on-failure, RestartSec): when it dies it is
                    started again on the same state dir and config.  The
                    device comes from a config file with a fixed name, so
                    the persisted CA (<state>/dev-<Name>.ca.pem) is found
                    again whatever pty the simulator is on.
  ReopeningSim      fixtures.Sim with --on-hangup reopen: after a hang-up
                    it reads the new pty path the simulator prints.
  RestartableServer fixtures.PyServer that can be killed and started again
                    (a new port; the caller reads .port afresh).
"""

import os
import signal
import subprocess
import time

import fixtures
from procs import Proc

DEVICE_NAME = 'soak0'


def is_sanitized(binary):
    """True for an ASan build (its RSS grows by design: quarantine)."""
    try:
        out = subprocess.run(['ldd', binary], stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, text=True,
                             timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return False
    return 'libasan' in out


class SupervisedIchipd:
    """ichipd with a restart-on-failure supervisor, polled by the test.

    poll() is called from the test's loop: a dead ichipd (not being
    stopped) is started again after `restart_sec`, like systemd's
    Restart=on-failure / RestartSec= in ichipd.service.
    """

    def __init__(self, tmp, bus, port, baud=115200, extra=(),
                 restart_sec=0.5, name=DEVICE_NAME, daemon_conf=''):
        self.tmp = tmp
        self.bus = bus
        self.name = name
        self.state_dir = os.path.join(tmp, 'state')
        os.makedirs(self.state_dir, exist_ok=True)
        self.config = os.path.join(tmp, 'ichipd-soak.conf')
        with open(self.config, 'w') as f:
            f.write(f'[daemon]\ntransport = tty\n{daemon_conf}\n'
                    f'[device {name}]\nport = {port}\nbaud = {baud}\n')
        self.log_path = os.path.join(tmp, 'ichipd.log')
        self.argv = [fixtures.ICHIPD_BIN, '--config', self.config,
                     '--state-dir', self.state_dir, '--transport', 'tty',
                     '--test-allow-all', '--log-level', 'debug', *extra]
        self.restart_sec = restart_sec
        self.starts = 0
        self.exits = []             # (returncode, seconds alive)
        self._dead_since = None
        self._stopping = False
        self.proc = None
        self._start()

    def _start(self):
        env = self.bus.env()
        # leak reports of an ASan build must not fail the soak run
        env.setdefault('ASAN_OPTIONS', 'detect_leaks=1:abort_on_error=0')
        self.proc = Proc('ichipd', self.argv, self.log_path, env=env)
        self.started_at = time.monotonic()
        self.starts += 1
        self._dead_since = None

    @property
    def pid(self):
        return self.proc.pid

    def alive(self):
        return self.proc.alive()

    def kill(self, sig=signal.SIGKILL):
        """The crash: SIGKILL (no cleanup at all); the supervisor restarts."""
        self.proc.signal(sig)
        try:
            self.proc.p.wait(10)
        except subprocess.TimeoutExpired:
            pass

    def poll(self):
        """Restart a dead ichipd after restart_sec; True if restarted."""
        if self._stopping or self.proc.alive():
            return False
        now = time.monotonic()
        if self._dead_since is None:
            self._dead_since = now
            self.exits.append((self.proc.p.returncode,
                               now - self.started_at))
            self.proc.stop()        # close its log handle, reap the group
            return False
        if now - self._dead_since < self.restart_sec:
            return False
        self._start()
        return True

    def stop(self):
        self._stopping = True
        return self.proc.stop()


class ReopeningSim(fixtures.Sim):
    """ichip-sim that opens a new pty after a hang-up (the link follows).

    As fixtures.Sim, but the trace is optional: a 1 GB soak would write
    a trace line per command (hundreds of MB).
    """

    def __init__(self, tmp, name='ttyICHIP0', extra=(), trace=True):
        self.link = os.path.join(tmp, name)
        self.state_path = os.path.join(tmp, f'{name}.state')
        self.control_path = os.path.join(tmp, f'{name}.ctl')
        self.trace_path = os.path.join(tmp, f'{name}.trace')
        argv = [fixtures.SIM_BIN, '--pty-link', self.link,
                '--state', self.state_path, '--control', self.control_path,
                '--on-hangup', 'reopen', *extra]
        if trace:
            argv += ['--trace', self.trace_path]
        self.proc = Proc(f'ichip-sim {name}', argv,
                         os.path.join(tmp, f'{name}.sim.log'),
                         stdout=subprocess.PIPE)
        self.pty = self.proc.read_line(10, 'the pty path')
        self.ptys = [self.pty]

    def hangup(self, timeout=10):
        """Hang up now; returns the new pty path once the sim reopened."""
        answer = self.control('hangup')
        if not answer.startswith('ok'):
            raise RuntimeError(f'sim hangup: {answer}')
        self.pty = self.proc.read_line(timeout, 'the new pty path')
        self.ptys.append(self.pty)
        return self.pty


class RestartableServer:
    """tcpserv.py that the test can kill (hard) and start again."""

    def __init__(self, tmp, mode, cert=None):
        self.tmp, self.mode, self.cert = tmp, mode, cert
        self.restarts = 0
        self.srv = fixtures.PyServer(tmp, mode, cert)
        self.log_paths = [self.srv.proc.log_path]

    @property
    def port(self):
        return self.srv.port

    def kill_and_restart(self):
        """SIGKILL: the kernel resets its connections; a new one listens."""
        self.srv.proc.signal(signal.SIGKILL)
        self.srv.stop()
        self.srv = fixtures.PyServer(self.tmp, self.mode, self.cert)
        self.log_paths.append(self.srv.proc.log_path)
        self.restarts += 1
        return self.srv.port

    def stop(self):
        self.srv.stop()
