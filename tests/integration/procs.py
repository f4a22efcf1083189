# SPDX-License-Identifier: GPL-2.0-only
# SPDX-FileCopyrightText: 2026 The ichip authors
"""Child processes of the integration tests: start, wait for, stop.

The one module of process, port and /proc helpers: the integration tests,
the soak, the system VM stage's host side (tests/system/vm.py) and make
bench (tools/bench/bench.py) import it rather than keep their own copies.

Every child runs in its own process group so that stopping it also stops
whatever it spawned, and its stderr goes to a log file that the harness
prints when a test fails.  Waiting is always by polling a condition with a
deadline: a fixed sleep is either too short on a loaded machine or wastes
time on an idle one.
"""

import os
import signal
import socket
import subprocess
import time


def note(msg):
    """A diagnostic line that keeps TAP output valid ("# ..." lines)."""
    for line in str(msg).splitlines() or ['']:
        print(f'# {line}', flush=True)


def wait_until(predicate, timeout, what, interval=0.02, pump=None):
    """Poll predicate() until it returns a true value; raise on timeout.

    `pump`, when given, runs between polls (the D-Bus main loop).
    """
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f'timed out after {timeout} s waiting for '
                               f'{what}')
        if pump:
            pump(interval)
        else:
            time.sleep(interval)


def free_port():
    """A TCP port on 127.0.0.1 that was free a moment ago.

    For programs that need the port on their command line (gnutls-serv);
    callers retry when the program then fails to listen.
    """
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def is_listening(port, host='127.0.0.1'):
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


class Proc:
    """A child process in its own process group, stderr to a log file."""

    def __init__(self, name, argv, log_path, env=None, stdout=None,
                 stdin=subprocess.DEVNULL):
        self.name = name
        self.argv = [a if isinstance(a, bytes) else str(a) for a in argv]
        self.log_path = log_path
        self._log = open(log_path, 'ab')
        self.p = subprocess.Popen(self.argv, stdin=stdin,
                                  stdout=stdout or self._log,
                                  stderr=self._log, env=env,
                                  start_new_session=True)

    @property
    def pid(self):
        return self.p.pid

    def alive(self):
        return self.p.poll() is None

    def read_line(self, timeout, what):
        """The next stdout line (for programs that announce readiness)."""
        import selectors
        sel = selectors.DefaultSelector()
        sel.register(self.p.stdout, selectors.EVENT_READ)
        try:
            if not sel.select(timeout):
                raise TimeoutError(f'{self.name}: no {what} within '
                                   f'{timeout} s')
        finally:
            sel.close()
        line = self.p.stdout.readline()
        if not line:
            raise RuntimeError(f'{self.name} exited before printing {what} '
                               f'(status {self.p.poll()}); see '
                               f'{self.log_path}')
        return line.decode().strip()

    def signal(self, sig):
        """Signal the whole group; a group already gone is fine."""
        try:
            os.killpg(self.p.pid, sig)
        except ProcessLookupError:
            pass

    def stop(self, grace=5.0):
        """SIGTERM the group, then SIGKILL after `grace` seconds."""
        if self.alive():
            self.signal(signal.SIGTERM)
            try:
                self.p.wait(grace)
            except subprocess.TimeoutExpired:
                self.signal(signal.SIGKILL)
                self.p.wait(5)
        self.signal(signal.SIGKILL)     # stragglers of the group
        if self.p.stdout:
            self.p.stdout.close()
        self._log.close()
        return self.p.returncode


def proc_status(pid):
    """/proc/PID/status as a dict of each field's text ('VmRSS':
    '1234 kB', 'CapEff': '0000000000000000', ...)."""
    with open(f'/proc/{pid}/status') as f:
        return dict(line.rstrip('\n').split(':\t', 1) for line in f
                    if ':\t' in line)


def status_kb(pid, field):
    """A size field of /proc/PID/status (VmRSS, VmHWM ...) in kB."""
    return int(proc_status(pid)[field].split()[0])


def fd_count(pid):
    """How many file descriptors pid holds open."""
    return len(os.listdir(f'/proc/{pid}/fd'))


def children(pid, name):
    """PIDs of pid's children whose command is name (as the kernel keeps
    it: 15 characters)."""
    found = []
    for entry in os.listdir('/proc'):
        if not entry.isdigit():
            continue
        try:
            with open(f'/proc/{entry}/stat') as f:
                stat = f.read()
        except OSError:
            continue
        comm = stat[stat.index('(') + 1:stat.rindex(')')]
        ppid = int(stat[stat.rindex(')') + 2:].split()[1])
        if ppid == pid and comm == name[:15]:
            found.append(int(entry))
    return found
