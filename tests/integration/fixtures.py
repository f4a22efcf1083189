# SPDX-License-Identifier: GPL-2.0-only
# SPDX-FileCopyrightText: 2026 The ichip authors
"""The programs an integration test runs: bus, simulator, servers, ichipd.

Each class starts its program, waits until it is really ready (a printed
line, a listening port, a bus name) and knows how to stop it.  The test
case (harness.IchipTestCase) registers the stop as a cleanup so teardown
runs in reverse order even when the test fails.
"""

import datetime
import os
import re
import socket
import subprocess

from procs import Proc, free_port, is_listening, wait_until

HERE = os.path.dirname(os.path.abspath(__file__))
SRC_ROOT = os.path.dirname(os.path.dirname(HERE))
BUILD = os.environ.get('ICHIP_BUILD', os.path.join(SRC_ROOT, 'build'))
SIM_BIN = os.path.join(BUILD, 'tests', 'sim', 'ichip-sim')
ICHIPD_BIN = os.path.join(BUILD, 'daemon', 'ichipd')
BUS_CONF = os.path.join(SRC_ROOT, 'dbus', 'test-bus.conf')
SYSTEM_BUS_CONF_IN = os.path.join(HERE, 'system-bus.conf.in')
ICHIP_POLICY = os.path.join(SRC_ROOT, 'dbus', 'org.ichip.conf')
ASUSER = os.path.join(HERE, 'asuser.py')
POLKIT_TEMPLATE = os.path.join(HERE, 'polkitd_template.py')
POLKIT_NAME = 'org.freedesktop.PolicyKit1'
POLKIT_PATH = '/org/freedesktop/PolicyKit1/Authority'
ICHIPD_ASAN_BIN = os.path.join(BUILD, 'daemon', 'ichipd-asan')
PYTHON = '/usr/bin/python3'

# The TLS servers' priorities: what a modern server accepts, and a legacy
# one the simulated module's TLS 1.0 (RSA key exchange, CBC) can reach.
MODERN_PRIORITY = 'NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2'
LEGACY_PRIORITY = 'NORMAL:+VERS-TLS1.0:+RSA:+AES-128-CBC:+SHA1'

# Used when dbus/test-bus.conf is missing (it is written separately).
FALLBACK_BUS_CONF = """<busconfig>
  <type>system</type>
  <listen>unix:tmpdir=/tmp</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
  </policy>
</busconfig>
"""


class Bus:
    """A private dbus-daemon acting as the system bus of one test."""

    def __init__(self, tmp, conf=BUS_CONF):
        self.path = os.path.join(tmp, 'bus')
        self.address = f'unix:path={self.path}'
        if not os.path.exists(conf):
            conf = os.path.join(tmp, 'test-bus.conf')
            with open(conf, 'w') as f:
                f.write(FALLBACK_BUS_CONF)
        self.proc = Proc('dbus-daemon',
                         ['dbus-daemon', f'--config-file={conf}',
                          f'--address={self.address}', '--nofork',
                          '--print-address=1'],
                         os.path.join(tmp, 'dbus-daemon.log'),
                         stdout=subprocess.PIPE)
        printed = self.proc.read_line(10, 'its address')
        if not printed.startswith(self.address):
            raise RuntimeError(f'dbus-daemon listens on {printed}, '
                               f'not {self.address}')

    def env(self):
        """Environment for programs that should use this bus as system."""
        env = dict(os.environ)
        env['DBUS_SYSTEM_BUS_ADDRESS'] = self.address
        env.pop('DBUS_SESSION_BUS_ADDRESS', None)
        return env

    def stop(self):
        self.proc.stop()


class SystemBus(Bus):
    """A private bus with the system bus's default policy and the shipped
    dbus/org.ichip.conf: the bus other uids meet (tests/integration/
    system-bus.conf.in).  The test directory is opened to all so that a
    client running as another uid can reach the socket."""

    def __init__(self, tmp):
        with open(SYSTEM_BUS_CONF_IN) as f:
            text = f.read().replace('@POLICY@', ICHIP_POLICY)
        conf = os.path.join(tmp, 'system-bus.conf')
        with open(conf, 'w') as f:
            f.write(text)
        os.chmod(tmp, 0o755)
        super().__init__(tmp, conf)


class Polkitd:
    """python3-dbusmock's polkitd template (extended with challenges by
    polkitd_template.py) as org.freedesktop.PolicyKit1 on the test bus.
    Everything is denied until the test says otherwise (self.mock)."""

    def __init__(self, tmp, bus):
        self.bus = bus
        self.proc = Proc('polkitd mock',
                         [PYTHON, '-m', 'dbusmock', '--system', '--template',
                          POLKIT_TEMPLATE],
                         os.path.join(tmp, 'polkitd.log'), env=bus.env(),
                         stdout=subprocess.DEVNULL)
        import dbus
        self.conn = dbus.bus.BusConnection(bus.address)

        def owned():
            if not self.proc.alive():
                raise RuntimeError('the polkitd mock exited')
            return self.conn.name_has_owner(POLKIT_NAME)
        wait_until(owned, 20, 'the polkitd mock on the bus')
        obj = self.conn.get_object(POLKIT_NAME, POLKIT_PATH,
                                   introspect=False)
        self.mock = dbus.Interface(obj, 'org.freedesktop.DBus.Mock')

    def checks(self):
        return [(str(k), str(n), str(a), int(f))
                for k, n, a, f in self.mock.GetChecks()]

    def stop(self):
        self.conn.close()
        self.proc.stop()


class Sim:
    """ichip-sim on a pty, with a state file, a control socket, a trace."""

    def __init__(self, tmp, name='ttyICHIP0', extra=()):
        self.link = os.path.join(tmp, name)
        self.state_path = os.path.join(tmp, f'{name}.state')
        self.control_path = os.path.join(tmp, f'{name}.ctl')
        self.trace_path = os.path.join(tmp, f'{name}.trace')
        argv = [SIM_BIN, '--pty-link', self.link, '--state', self.state_path,
                '--control', self.control_path, '--trace', self.trace_path,
                *extra]
        self.proc = Proc(f'ichip-sim {name}', argv,
                         os.path.join(tmp, f'{name}.sim.log'),
                         stdout=subprocess.PIPE)
        self.pty = self.proc.read_line(10, 'the pty path')

    def control(self, command, timeout=10):
        """One control command; returns the answer line ("ok ...")."""
        with socket.socket(socket.AF_UNIX) as s:
            s.settimeout(timeout)
            s.connect(self.control_path)
            s.sendall(command.encode() + b'\n')
            answer = b''
            while not answer.endswith(b'\n'):
                chunk = s.recv(4096)
                if not chunk:
                    break
                answer += chunk
        return answer.decode().strip()

    def params(self):
        """The nonvolatile parameters as the state file holds them."""
        try:
            with open(self.state_path) as f:
                lines = f.read().splitlines()
        except FileNotFoundError:
            return {}
        params = {}
        for line in lines:
            name, _, value = line.partition('=')
            params[name] = value.replace('\\n', '\n')
        return params

    def trace(self):
        try:
            with open(self.trace_path, errors='replace') as f:
                return f.read().splitlines()
        except FileNotFoundError:
            return []

    def records(self):
        """The trace as (seconds, direction, text) in order: '>' to the
        module, '<' from it, '!' a fault or control command."""
        out = []
        for line in self.trace():
            m = re.match(r'^(\S+)Z ([<>!]) (.*)$', line)
            if m:
                t = datetime.datetime.fromisoformat(m.group(1))
                out.append((t.timestamp(), m.group(2), m.group(3)))
        return out

    def ca_writes(self):
        """How many times the CA parameter was written or cleared."""
        return sum(1 for line in self.trace()
                   if '(PEM value)' in line or '(PEM cleared)' in line)

    def stop(self):
        self.proc.stop()


class GnutlsServer:
    """gnutls-serv on 127.0.0.1: echo (default) or HTTP."""

    def __init__(self, tmp, cert, priority=MODERN_PRIORITY, mode='--echo',
                 extra=()):
        for attempt in range(5):
            self.port = free_port()
            log = os.path.join(tmp, f'gnutls-serv-{self.port}.log')
            self.proc = Proc(f'gnutls-serv {self.port}',
                             ['gnutls-serv', mode, '--crlf', '--quiet',
                              '--disable-client-cert',
                              f'--x509certfile={cert.pem_path}',
                              f'--x509keyfile={cert.key_path}',
                              f'--priority={priority}',
                              '-p', str(self.port), *extra], log)
            try:
                wait_until(lambda: is_listening(self.port)
                           or not self.proc.alive(), 10,
                           f'gnutls-serv on port {self.port}')
            except TimeoutError:
                self.proc.stop()
                raise
            if self.proc.alive():
                return
            self.proc.stop()        # port taken meanwhile: another one
        raise RuntimeError(f'gnutls-serv would not start; see {log}')

    def stop(self):
        self.proc.stop()


class PyServer:
    """tcpserv.py (echo or sink/source), plain or TLS, on 127.0.0.1."""

    def __init__(self, tmp, mode, cert=None, extra=()):
        argv = [PYTHON, os.path.join(HERE, 'tcpserv.py')]
        if cert:
            argv += ['--cert', cert.pem_path, '--key', cert.key_path]
        argv += list(extra)
        argv.append(mode)
        log = os.path.join(tmp, f'tcpserv-{mode}-{id(self)}.log')
        self.proc = Proc(f'tcpserv {mode}', argv, log,
                         stdout=subprocess.PIPE)
        self.port = int(self.proc.read_line(10, 'its port').split()[1])

    def stop(self):
        self.proc.stop()


class Ichipd:
    """build/daemon/ichipd on the private bus, driving one or more ptys."""

    def __init__(self, tmp, bus, devices, extra=(), allow_all=True,
                 binary=ICHIPD_BIN):
        self.state_dir = os.path.join(tmp, 'state')
        self.log_path = os.path.join(tmp, 'ichipd.log')
        os.makedirs(self.state_dir, exist_ok=True)
        argv = [binary, '--state-dir', self.state_dir,
                '--transport', 'tty', '--log-level', 'debug', *extra]
        if allow_all:
            argv.append('--test-allow-all')
        for dev in devices:
            argv += ['--device', dev]
        env = bus.env()
        # an ASan build reports to the log; leaks are not this test's subject
        env['ASAN_OPTIONS'] = 'detect_leaks=0'
        self.proc = Proc('ichipd', argv, self.log_path, env=env)

    def log(self):
        with open(self.log_path, 'rb') as f:
            return f.read().decode('utf-8', 'replace')

    def alive(self):
        return self.proc.alive()

    def stop(self):
        return self.proc.stop()


def have_ichipd():
    return os.access(ICHIPD_BIN, os.X_OK)


def as_user(address, calls, uid=65534, gid=65534):
    """D-Bus calls made by another uid (default nobody): asuser.py.

    calls: [(bus name, path, interface, method, signature, [args])];
    returns per call {'ok': result} or {'error': name, 'message': text}.
    """
    import json
    res = subprocess.run([PYTHON, ASUSER, str(uid), str(gid), address,
                          json.dumps([list(c) for c in calls])],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         timeout=60)
    if res.returncode:
        raise RuntimeError(f'asuser.py failed: {res.stderr.decode()}')
    return json.loads(res.stdout)


class UserHolding:
    """as_user, but the process stays (holding its bus connection and
    the fds it got) until stop(); .results has the answers."""

    def __init__(self, address, calls, uid=65534, gid=65534):
        import json
        self.p = subprocess.Popen(
            [PYTHON, ASUSER, str(uid), str(gid), address,
             json.dumps([list(c) for c in calls]), 'hold'],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        line = self.p.stdout.readline()
        if not line:
            self.p.wait(10)
            raise RuntimeError('asuser.py failed')
        self.results = json.loads(line)

    def stop(self):
        if self.p.poll() is None:
            self.p.stdin.close()
            try:
                self.p.wait(10)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()


def gnutls_cli(port, ca, host='localhost', data=b'', extra=(), timeout=20):
    """Run gnutls-cli against a server: returns (returncode, stdout).

    The cross-check that a server is reachable with plain GnuTLS and the
    given CA, independent of ichipd.
    """
    res = subprocess.run(['gnutls-cli', f'--x509cafile={ca.pem_path}',
                          '-p', str(port), *extra, host],
                         input=data, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, timeout=timeout)
    return res.returncode, res.stdout
