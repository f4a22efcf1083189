# SPDX-License-Identifier: GPL-2.0-only
# SPDX-FileCopyrightText: 2026 The ichip authors
"""Integration test harness: a unittest base class and a TAP runner.

Each test gets its own temporary directory, private bus, simulator(s),
servers and ichipd, so test files (and tests) can run in parallel.
Everything a test starts is stopped by cleanups, which unittest runs in
reverse order even when the test fails; the logs of the failed test are
printed (as TAP comments) before the directory is removed.  A per-test
alarm bounds each test in time.

Run one file:      /usr/bin/python3 tests/integration/test_ca.py
Run one test:      /usr/bin/python3 tests/integration/test_ca.py \\
                       CATest.test_identical_set_writes_nothing
Environment:       ICHIP_BUILD (build dir, default <src>/build),
                   ICHIP_KEEP_TMP=1 (keep the temp dirs),
                   ICHIP_TAP=1 (TAP output, as meson runs it).
"""

import atexit
import os
import shutil
import signal
import sys
import tempfile
import traceback
import unittest

import fixtures
from certs import CertSet
from client import Client, error_name, pump
from procs import note, wait_until

KEEP_TMP = os.environ.get('ICHIP_KEEP_TMP') == '1'
TEST_TIME_LIMIT = int(os.environ.get('ICHIP_TEST_TIME_LIMIT', '240'))

_certs = None


def shared_certs():
    """The CertSet of this process, made on first use."""
    global _certs
    if _certs is None:
        d = tempfile.mkdtemp(prefix='ichip-certs-')
        if not KEEP_TMP:
            atexit.register(shutil.rmtree, d, True)
        _certs = CertSet(d)
    return _certs


class TestTimeout(Exception):
    pass


def _alarm(signum, frame):
    raise TestTimeout(f'test exceeded its {TEST_TIME_LIMIT} s limit')


class IchipTestCase(unittest.TestCase):
    """Base class: fixtures as methods, teardown as cleanups."""

    time_limit = TEST_TIME_LIMIT
    needs_ichipd = True

    def setUp(self):
        if self.needs_ichipd and not fixtures.have_ichipd():
            self.skipTest(f'{fixtures.ICHIPD_BIN} not built')
        self.tmp = tempfile.mkdtemp(prefix=f'ichip-{self._testMethodName}-')
        self.addCleanup(self._remove_tmp)
        self._logs = []
        self.addCleanup(self._dump_logs_on_failure)
        signal.signal(signal.SIGALRM, _alarm)
        signal.alarm(self.time_limit)
        self.addCleanup(signal.alarm, 0)
        self.certs = shared_certs()

    # ---- teardown helpers ----

    def _remove_tmp(self):
        if KEEP_TMP:
            note(f'kept {self.tmp}')
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)

    def _failed(self):
        outcome = getattr(self, '_outcome', None)
        return outcome is None or not getattr(outcome, 'success', False)

    def _dump_logs_on_failure(self):
        if not self._failed():
            return
        for name, path in self._logs:
            try:
                with open(path, 'rb') as f:
                    text = f.read().decode('utf-8', 'replace')
            except OSError:
                continue
            lines = text.splitlines()
            note(f'---- {name} ({path}), last {min(len(lines), 80)} lines')
            note('\n'.join(lines[-80:]))

    def _own(self, thing, name, *log_paths):
        """Stop `thing` at teardown and print its logs if the test fails."""
        self.addCleanup(thing.stop)
        for p in log_paths:
            self._logs.append((name, p))
        return thing

    # ---- fixtures ----

    def start_bus(self, system_like=False):
        """The test's bus: wide open, or (system_like) with the system
        bus's default policy and the shipped dbus/org.ichip.conf."""
        self.bus = (fixtures.SystemBus(self.tmp) if system_like
                    else fixtures.Bus(self.tmp))
        return self._own(self.bus, 'dbus-daemon', self.bus.proc.log_path)

    def start_polkitd(self):
        self.polkitd = fixtures.Polkitd(self.tmp, self.bus)
        return self._own(self.polkitd, 'polkitd mock',
                         self.polkitd.proc.log_path)

    def start_sim(self, name='ttyICHIP0', extra=()):
        sim = fixtures.Sim(self.tmp, name, extra)
        return self._own(sim, f'ichip-sim {name}', sim.proc.log_path,
                         sim.trace_path)

    def start_ichipd(self, devices, extra=(), **kw):
        d = fixtures.Ichipd(self.tmp, self.bus, devices, extra, **kw)
        self.ichipd = self._own(d, 'ichipd', d.proc.log_path)
        return self.ichipd

    def connect(self):
        c = Client(self.bus.address)
        self.addCleanup(c.close)
        return c

    def start_gnutls(self, cert, **kw):
        srv = fixtures.GnutlsServer(self.tmp, cert, **kw)
        return self._own(srv, f'gnutls-serv {srv.port}', srv.proc.log_path)

    def start_pyserver(self, mode, cert=None, extra=()):
        srv = fixtures.PyServer(self.tmp, mode, cert, extra)
        return self._own(srv, f'tcpserv {mode}', srv.proc.log_path)

    def start_stack(self, sim_extra=(), ichipd_extra=(), system_like=False,
                    **ichipd_kw):
        """Bus + one simulator + ichipd; returns the device object path.

        Ready means: org.ichip is on the bus and GetDevices lists a
        device whose State is no longer being probed.  ichipd_kw go to
        fixtures.Ichipd (allow_all, binary).
        """
        self.start_bus(system_like)
        self.sim = self.start_sim(extra=sim_extra)
        self.start_ichipd([self.sim.link], ichipd_extra, **ichipd_kw)
        self.client = self.connect()
        self.dev = self.wait_for_device()
        return self.dev

    def wait_for_device(self, timeout=20):
        c = self.client

        def ready():
            if not self.ichipd.alive():
                raise RuntimeError('ichipd exited during start-up')
            if not c.name_has_owner():
                return None
            devs = c.devices()
            return devs[0] if devs else None
        return wait_until(ready, timeout, 'ichipd to list the device')

    # ---- assertions ----

    def assertDBusError(self, name, fn, *args, **kw):
        """fn(*args) must fail with D-Bus error `name` (or one of them)."""
        names = (name,) if isinstance(name, str) else tuple(name)
        try:
            fn(*args, **kw)
        except Exception as e:  # noqa: BLE001 - we report what came
            got = error_name(e)
            if got not in names:
                self.fail(f'expected {" or ".join(names)}, got '
                          f'{got or type(e).__name__}: {e}')
            return e
        self.fail(f'expected {" or ".join(names)}, but the call succeeded')

    def assertIchipdAlive(self):
        """ichipd still runs and still answers."""
        self.assertTrue(self.ichipd.alive(), 'ichipd died')
        self.assertIsInstance(self.client.devices(), list)

    def pump(self, seconds=0.0):
        pump(seconds)


class TapResult(unittest.TestResult):
    """TAP 13 lines, one per test, for meson's 'tap' protocol."""

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.n = 0
        self._reported = set()      # test ids with their TAP line out

    def _line(self, ok, test, directive=''):
        name = test.id().split('.', 1)[-1]
        status = 'ok' if ok else 'not ok'
        if test.id() in self._reported:     # a subTest already failed it
            note(f'also {status} - {name}{directive}')
            return
        self._reported.add(test.id())
        self.n += 1
        print(f'{status} {self.n} - {name}{directive}', flush=True)

    def addSubTest(self, test, subtest, err):
        """A failed subTest fails its test: unittest calls no addFailure
        for it, so the test's `not ok` is printed here (once)."""
        super().addSubTest(test, subtest, err)
        if err is not None:
            note(''.join(traceback.format_exception(*err)))
            self._line(False, test, f' {subtest._subDescription()}')

    def addSuccess(self, test):
        super().addSuccess(test)
        self._line(True, test)

    def addFailure(self, test, err):
        super().addFailure(test, err)
        note(''.join(traceback.format_exception(*err)))
        self._line(False, test)

    def addError(self, test, err):
        super().addError(test, err)
        note(''.join(traceback.format_exception(*err)))
        self._line(False, test)

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self._line(True, test, f' # SKIP {reason}')

    def addExpectedFailure(self, test, err):
        super().addExpectedFailure(test, err)
        self._line(True, test, ' # TODO expected failure')

    def addUnexpectedSuccess(self, test):
        super().addUnexpectedSuccess(test)
        self._line(False, test, ' # unexpected success')


def main():
    """unittest.main, or TAP when ICHIP_TAP=1 (meson sets it)."""
    if os.environ.get('ICHIP_TAP') != '1':
        unittest.main(verbosity=2)
        return
    loader = unittest.TestLoader()
    names = sys.argv[1:]
    module = sys.modules['__main__']
    suite = (loader.loadTestsFromNames(names, module) if names
             else loader.loadTestsFromModule(module))
    print(f'1..{suite.countTestCases()}', flush=True)
    result = TapResult()
    suite.run(result)
    sys.exit(0 if result.wasSuccessful() else 1)
