#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
# SPDX-FileCopyrightText: 2026 The ichip authors
"""Integration test of ichipctl against ichipd and the simulator.

  ICHIP_BUILD=<builddir> /usr/bin/python3 tests/integration/ichipctl_test.py

Starts its own private dbus-daemon (dbus/test-bus.conf), an ichip-sim on
a pty and ichipd (tty transport, --test-allow-all), then drives ichipctl
only through its command line, as a user would: exit codes, JSON
output, files written by `pki`, and bytes through `connect`.  Standard
library only.  Output is TAP.
"""

import base64
import hashlib
import json
import os
import shutil
import signal
import socket
import ssl
import stat
import subprocess
import sys
import tempfile
import threading
import time

SRC = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
BUILD = os.environ.get('ICHIP_BUILD', os.path.join(SRC, 'build'))
ICHIPCTL = os.path.join(BUILD, 'daemon', 'ichipctl')
ICHIPD = os.path.join(BUILD, 'daemon', 'ichipd')
SIM = os.path.join(BUILD, 'tests', 'sim', 'ichip-sim')

EXIT_USAGE, EXIT_NOT_FOUND, EXIT_CERT, EXIT_TLS, EXIT_NO_DAEMON = 2, 3, 5, 7, 8

TESTS = []


def test(fn):
    TESTS.append(fn)
    return fn


def note(msg):
    for line in str(msg).splitlines() or ['']:
        print(f'# {line}', flush=True)


class Fail(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise Fail(msg)


# ---- the environment ------------------------------------------------------

class Env:
    """Private bus + simulator + ichipd, all in process groups of their own."""

    def __init__(self):
        self.tmp = tempfile.mkdtemp(prefix='ichipctl-test-')
        self.procs = {}
        self.bus = os.path.join(self.tmp, 'bus')
        self.env = dict(os.environ,
                        DBUS_SYSTEM_BUS_ADDRESS=f'unix:path={self.bus}')

    def spawn(self, name, argv, stdout=subprocess.PIPE):
        log = open(os.path.join(self.tmp, f'{name}.log'), 'wb')
        p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=stdout,
                             stderr=log, env=self.env,
                             start_new_session=True)
        self.procs[name] = p
        return p

    def first_line(self, name, timeout=10):
        p = self.procs[name]
        deadline = time.monotonic() + timeout
        os.set_blocking(p.stdout.fileno(), False)
        buf = b''
        while b'\n' not in buf:
            if time.monotonic() > deadline or p.poll() is not None:
                raise RuntimeError(f'{name} printed no line; see '
                                   f'{self.tmp}/{name}.log')
            chunk = p.stdout.read()
            if chunk:
                buf += chunk
            else:
                time.sleep(0.02)
        return buf.split(b'\n')[0].decode()

    def start(self):
        self.spawn('dbus', ['dbus-daemon', '--config-file',
                            os.path.join(SRC, 'dbus', 'test-bus.conf'),
                            f'--address=unix:path={self.bus}', '--nofork',
                            '--print-address=1'])
        self.first_line('dbus')
        self.tty = os.path.join(self.tmp, 'tty0')
        self.spawn('sim', [SIM, '--pty-link', self.tty, '--state',
                           os.path.join(self.tmp, 'sim.state')])
        self.first_line('sim')
        self.start_daemon()

    def start_daemon(self):
        os.makedirs(os.path.join(self.tmp, 'state'), exist_ok=True)
        self.spawn('ichipd', [ICHIPD, '--state-dir',
                              os.path.join(self.tmp, 'state'), '--device',
                              self.tty, '--transport', 'tty',
                              '--test-allow-all', '--config', '/dev/null'],
                   stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while True:
            r = ctl('-J', 'device', 'list', check_json=False)
            if r.returncode == 0:
                devs = json.loads(r.stdout)
                if devs and devs[0]['State'] == 'ready':
                    return devs
            if time.monotonic() > deadline:
                raise RuntimeError('ichipd did not come up: '
                                   + r.stderr.decode(errors='replace'))
            time.sleep(0.1)

    def stop(self, name):
        p = self.procs.pop(name, None)
        if not p:
            return
        try:
            os.killpg(p.pid, signal.SIGTERM)
            p.wait(5)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            p.wait(5)
        if p.stdout:
            p.stdout.close()

    def cleanup(self, keep):
        for name in ['ichipd', 'sim2', 'sim', 'dbus']:
            self.stop(name)
        if keep:
            note(f'logs kept in {self.tmp}')
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)


ENV = None


class Result:
    def __init__(self, p):
        self.returncode = p.returncode
        self.stdout = p.stdout
        self.stderr = p.stderr

    def json(self):
        try:
            return json.loads(self.stdout)
        except ValueError as e:
            raise Fail(f'not JSON ({e}): {self.stdout[:300]!r}')

    def err(self):
        return self.stderr.decode(errors='replace')


def ctl(*args, input=None, timeout=60, check_json=True, env=None):
    p = subprocess.run([ICHIPCTL, *args], input=input,
                       capture_output=True, timeout=timeout,
                       env=env or ENV.env)
    r = Result(p)
    # every successful -J read command must print valid JSON
    if check_json and '-J' in args and r.returncode == 0 and \
            'connect' not in args:
        r.json()
    return r


def expect(r, code, what):
    check(r.returncode == code,
          f'{what}: exit {r.returncode}, expected {code}; stderr: '
          f'{r.err().strip()}')


def one_error_line(r, suffix):
    lines = r.err().strip().splitlines()
    check(len(lines) == 1, f'expected one stderr line, got {lines}')
    check(lines[0].startswith('ichipctl: '), f'bad prefix: {lines[0]}')
    check(lines[0].endswith(f'({suffix})'), f'no ({suffix}): {lines[0]}')


def pem_sha256(path):
    with open(path) as f:
        der = ssl.PEM_cert_to_DER_cert(f.read())
    return hashlib.sha256(der).hexdigest()


def certtool_sha256(path):
    out = subprocess.run(['certtool', '-i', '--hash', 'sha256', '--infile',
                          path], capture_output=True, text=True).stdout
    for line in out.splitlines():
        if 'sha256:' in line and 'Fingerprint' not in line:
            return line.split('sha256:')[1].strip()
    # "Fingerprint:\n\tsha1: ...\n\tsha256: ..."
    for line in out.splitlines():
        if line.strip().startswith('sha256:'):
            return line.split(':', 1)[1].strip()
    return None


# ---- a binary-safe TLS echo server ----------------------------------------

class EchoServer:
    """TLS (or plain) echo on 127.0.0.1: echoes until EOF, then closes."""

    def __init__(self, cert=None, key=None, close_after=None,
                 host='127.0.0.1'):
        self.close_after = close_after
        self.ctx = None
        if cert:
            self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self.ctx.load_cert_chain(cert, key)
        self.sock = socket.socket(socket.AF_INET6 if ':' in host
                                  else socket.AF_INET)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.errors = []
        threading.Thread(target=self.accept_loop, daemon=True).start()

    def accept_loop(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self.serve, args=(conn,),
                             daemon=True).start()

    def serve(self, conn):
        try:
            if self.ctx:
                conn = self.ctx.wrap_socket(conn, server_side=True)
            seen = 0
            while self.close_after is None or seen < self.close_after:
                data = conn.recv(65536)
                if not data:
                    break
                conn.sendall(data)
                seen += len(data)
            if self.ctx:
                try:
                    conn = conn.unwrap()
                except (ssl.SSLError, OSError):
                    pass
        except (ssl.SSLError, OSError) as e:
            self.errors.append(repr(e))
        finally:
            conn.close()

    def close(self):
        self.sock.close()


# ---- tests -----------------------------------------------------------------

@test
def version_json():
    r = ctl('-J', 'version')
    expect(r, 0, 'version -J')
    v = r.json()
    check(set(v) == {'client', 'daemon'}, f'keys: {v}')
    check(v['daemon'] and v['client'], f'empty version: {v}')
    r = ctl('version')
    expect(r, 0, 'version')
    check(r.stdout.decode().startswith('ichipctl '), r.stdout)


@test
def device_list():
    r = ctl('device', 'list', '-J')
    expect(r, 0, 'device list -J')
    devs = r.json()
    check(isinstance(devs, list) and len(devs) == 1, f'devices: {devs}')
    d = devs[0]
    for k in ['Path', 'Name', 'Port', 'State', 'Transport',
              'FirmwareVersion', 'CALocation']:
        check(k in d, f'no {k} in {d}')
    check(d['Transport'] == 'tty', d)
    check(d['FirmwareVersion'] == 'ICHIP-SIM 1.0', d)
    check(d['CALocation'] == 'none', d)
    r = ctl('device', 'list')
    expect(r, 0, 'device list')
    lines = r.stdout.decode().splitlines()
    check(lines[0].split()[:2] == ['NAME', 'PORT'], lines)
    check(lines[1].split()[0] == d['Name'], lines)


@test
def device_show():
    d = ctl('-J', 'device', 'list').json()[0]
    r = ctl('-J', 'device', 'show')
    expect(r, 0, 'device show -J')
    s = r.json()
    check(s['Path'] == d['Path'] and s['Name'] == d['Name'], s)
    for k in ['Port', 'Baud', 'State', 'Serial', 'CAFingerprint',
              'CASubject', 'CANotAfter', 'CALocation', 'Sessions']:
        check(k in s, f'no {k}')
    check(isinstance(s['Counters'], dict) and
          isinstance(s['Counters'].get('tx-bytes'), int), s['Counters'])
    check(isinstance(s['Baud'], int) and isinstance(s['Sessions'], list), s)
    # by name (positional and --device) and by object path
    for args in (['device', 'show', d['Name']],
                 ['--device', d['Path'], 'device', 'show'],
                 ['device', 'show', '-d', d['Name']]):
        r = ctl('-J', *args)
        expect(r, 0, ' '.join(args))
        check(r.json()['Name'] == d['Name'], args)
    r = ctl('device', 'show')
    expect(r, 0, 'device show')
    check(b'Counters' in r.stdout and b'tx-bytes:' in r.stdout, r.stdout)


@test
def two_devices_and_json_escaping():
    # a port path with every character class the JSON writer escapes
    link = os.path.join(ENV.tmp, 'tty "q" \\ \u00e9\t\x01')
    ENV.spawn('sim2', [SIM, '--pty-link', link])
    ENV.first_line('sim2')
    r = subprocess.run(['busctl', 'call', 'org.ichip', '/org/ichip',
                        'org.ichip.Manager1', 'AddDevice', 'sa{sv}', link,
                        '1', 'name', 's', 'second'],
                       capture_output=True, text=True, env=ENV.env,
                       timeout=30)
    check(r.returncode == 0, f'AddDevice: {r.stderr}')
    devs = []
    try:
        r = ctl('-J', 'device', 'list')
        expect(r, 0, 'device list -J with two devices')
        devs = r.json()
        check([d['Name'] for d in devs][1:] == ['second'], devs)
        check(devs[1]['Port'] == link, f'{devs[1]["Port"]!r} != {link!r}')
        r = ctl('device', 'show')
        expect(r, EXIT_USAGE, 'device show with two devices')
        check(devs[0]['Name'] in r.err() and 'second' in r.err(), r.err())
        r = ctl('-J', '-d', 'second', 'device', 'show')
        expect(r, 0, 'device show -d second')
        check(r.json()['Port'] == link, 'Port of second')
    finally:
        subprocess.run(['busctl', 'call', 'org.ichip', '/org/ichip',
                        'org.ichip.Manager1', 'RemoveDevice', 'o',
                        devs[1]['Path'] if len(devs) > 1 else
                        '/org/ichip/dev1'],
                       capture_output=True, env=ENV.env, timeout=30)
        ENV.stop('sim2')
    check(len(ctl('-J', 'device', 'list').json()) == 1, 'second not removed')


@test
def ca_show_without_ca():
    r = ctl('-J', 'ca', 'show')
    expect(r, EXIT_NOT_FOUND, 'ca show, no CA')
    c = r.json()
    check(c['PEM'] is None and c['CALocation'] == 'none', c)
    one_error_line(r, 'NoCA')


@test
def pki_init_ca():
    ca = os.path.join(ENV.tmp, 'ca')
    r = ctl('pki', 'init-ca', ca, '--cn', 'ichipctl test CA')
    expect(r, 0, 'pki init-ca')
    for f in ('ca.pem', 'ca.key'):
        check(os.path.exists(os.path.join(ca, f)), f'no {f}')
    mode = stat.S_IMODE(os.stat(os.path.join(ca, 'ca.key')).st_mode)
    check(mode == 0o600, f'ca.key mode {mode:o}')
    before = open(os.path.join(ca, 'ca.pem')).read()
    r = ctl('pki', 'init-ca', ca)
    expect(r, 1, 'second init-ca without --force')
    check('exists' in r.err(), r.err())
    check(open(os.path.join(ca, 'ca.pem')).read() == before,
          'ca.pem replaced without --force')
    out = subprocess.run(['openssl', 'x509', '-noout', '-subject', '-ext',
                          'basicConstraints', '-in',
                          os.path.join(ca, 'ca.pem')],
                         capture_output=True, text=True).stdout
    check('ichipctl test CA' in out and 'CA:TRUE' in out, out)


@test
def pki_issue():
    ca = os.path.join(ENV.tmp, 'ca')
    r = ctl('pki', 'issue', ca, 'localhost', '127.0.0.1')
    expect(r, 0, 'pki issue')
    srv = os.path.join(ca, 'server.pem')
    mode = stat.S_IMODE(os.stat(os.path.join(ca, 'server.key')).st_mode)
    check(mode == 0o600, f'server.key mode {mode:o}')
    v = subprocess.run(['openssl', 'verify', '-CAfile',
                        os.path.join(ca, 'ca.pem'), srv],
                       capture_output=True, text=True)
    check(v.returncode == 0, f'openssl verify: {v.stdout}{v.stderr}')
    v = subprocess.run(['certtool', '--verify', '--load-ca-certificate',
                        os.path.join(ca, 'ca.pem'), '--infile', srv],
                       capture_output=True, text=True)
    check(v.returncode == 0, f'certtool --verify: {v.stdout}{v.stderr}')
    out = subprocess.run(['openssl', 'x509', '-noout', '-ext',
                          'subjectAltName,extendedKeyUsage', '-in', srv],
                         capture_output=True, text=True).stdout
    check('DNS:localhost' in out and 'IP Address:127.0.0.1' in out and
          'TLS Web Server Authentication' in out, out)
    r = ctl('pki', 'issue', ca, 'localhost', '--out',
            os.path.join(ENV.tmp, 'other'))
    expect(r, 0, 'pki issue --out')
    check(os.path.exists(os.path.join(ENV.tmp, 'other.pem')), 'no --out')


@test
def pki_csr():
    prefix = os.path.join(ENV.tmp, 'req')
    r = ctl('pki', 'csr', prefix, 'device.example.com')
    expect(r, 0, 'pki csr')
    v = subprocess.run(['openssl', 'req', '-noout', '-verify', '-text',
                        '-in', prefix + '.csr'],
                       capture_output=True, text=True)
    check(v.returncode == 0 and 'device.example.com' in v.stdout,
          v.stdout + v.stderr)
    mode = stat.S_IMODE(os.stat(prefix + '.key').st_mode)
    check(mode == 0o600, f'key mode {mode:o}')


@test
def ca_set_and_show():
    ca_pem = os.path.join(ENV.tmp, 'ca', 'ca.pem')
    r = ctl('ca', 'set', ca_pem)
    expect(r, 0, 'ca set')
    r = ctl('-J', 'ca', 'show')
    expect(r, 0, 'ca show -J')
    c = r.json()
    want = pem_sha256(ca_pem)
    check(c['CAFingerprint'] == want, f'{c["CAFingerprint"]} != {want}')
    ct = certtool_sha256(ca_pem)
    check(ct is None or ct.replace(':', '').lower() == want,
          f'certtool says {ct}')
    check(c['CALocation'] == 'module', c)
    check('ichipctl test CA' in c['CASubject'], c)
    check(c['CANotAfter'] > time.time(), c)
    check(c['PEM'].startswith('-----BEGIN CERTIFICATE-----'), c['PEM'])
    r = ctl('ca', 'show')
    expect(r, 0, 'ca show')
    check(want.encode() in r.stdout and b'BEGIN CERTIFICATE' in r.stdout,
          r.stdout)
    r = ctl('-J', 'device', 'show')
    check(r.json()['CAFingerprint'] == want, 'device show fingerprint')


@test
def ca_set_refuses_leaf():
    r = ctl('ca', 'set', os.path.join(ENV.tmp, 'ca', 'server.pem'))
    expect(r, EXIT_CERT, 'ca set of a server certificate')
    one_error_line(r, 'NotCA')
    r = ctl('ca', 'set', '/etc/hostname')
    expect(r, EXIT_CERT, 'ca set of a non-certificate')
    one_error_line(r, 'InvalidCertificate')
    r = ctl('ca', 'set', os.path.join(ENV.tmp, 'missing.pem'))
    expect(r, EXIT_NOT_FOUND, 'ca set of a missing file')


@test
def self_signed_leaf():
    prefix = os.path.join(ENV.tmp, 'ss')
    r = ctl('pki', 'self-signed', prefix, 'localhost', '127.0.0.1')
    expect(r, 0, 'pki self-signed')
    r = ctl('ca', 'set', prefix + '.pem')
    expect(r, EXIT_CERT, 'ca set self-signed leaf without the flag')
    r = ctl('ca', 'set', prefix + '.pem', '--allow-self-signed-leaf')
    expect(r, 0, 'ca set --allow-self-signed-leaf')
    r = ctl('-J', 'ca', 'show')
    check(r.json()['CAFingerprint'] == pem_sha256(prefix + '.pem'),
          'self-signed fingerprint')
    # back to the CA for the connect tests; from stdin this time
    with open(os.path.join(ENV.tmp, 'ca', 'ca.pem'), 'rb') as f:
        r = ctl('ca', 'set', '-', input=f.read())
    expect(r, 0, 'ca set - (stdin)')


@test
def connect_echo_binary():
    ca = os.path.join(ENV.tmp, 'ca')
    srv = EchoServer(os.path.join(ca, 'server.pem'),
                     os.path.join(ca, 'server.key'))
    try:
        data = os.urandom(300 * 1024)
        r = ctl('connect', f'127.0.0.1:{srv.port}', input=data, timeout=300)
        expect(r, 0, 'connect')
        check(len(r.stdout) == len(data),
              f'{len(r.stdout)} bytes back of {len(data)}')
        check(r.stdout == data, 'echoed bytes differ')
    finally:
        srv.close()


@test
def connect_json_info():
    ca = os.path.join(ENV.tmp, 'ca')
    srv = EchoServer(os.path.join(ca, 'server.pem'),
                     os.path.join(ca, 'server.key'))
    try:
        r = ctl('-J', 'connect', f'127.0.0.1:{srv.port}',
                '--connect-timeout', '20000', input=b'hello\n')
        expect(r, 0, 'connect -J')
        check(r.stdout == b'hello\n', r.stdout)
        try:
            info = json.loads(r.stderr)
        except ValueError as e:
            raise Fail(f'stderr is not JSON ({e}): {r.stderr!r}')
        check(info['Host'] == '127.0.0.1' and info['Port'] == srv.port, info)
        check(info['Security'] == 'host-tls', info)
        check(info['TLSVersion'].startswith('TLS1.'), info)
        check(info['Path'].startswith('/org/ichip/'), info)
    finally:
        srv.close()


@test
def connect_plain_and_ipv6_syntax():
    # the module cannot half-close: the server has to end a plain session
    srv = EchoServer(close_after=len(b'\x00\xff plain\r\n'))
    try:
        r = ctl('connect', '--plain', f'127.0.0.1:{srv.port}',
                input=b'\x00\xff plain\r\n')
        expect(r, 0, 'connect --plain')
        check(r.stdout == b'\x00\xff plain\r\n', r.stdout)
    finally:
        srv.close()
    # [::1]:port is good syntax, but the module's stack is IPv4 only (as
    # ichip-sim plays it): the connect is the module's to refuse.
    r = ctl('connect', '--plain', '[::1]:443', input=b'v6!\n')
    expect(r, EXIT_TLS, 'connect --plain [::1]: the module has no IPv6')
    one_error_line(r, 'ConnectFailed')
    for bad in ('::1:443', '[::1]', 'host', 'host:0', 'host:99999', ':443'):
        r = ctl('connect', bad)
        expect(r, EXIT_USAGE, f'connect {bad}')


@test
def connect_failures():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        port = s.getsockname()[1]
    r = ctl('connect', f'127.0.0.1:{port}', '--connect-timeout', '5000',
            input=b'')
    expect(r, EXIT_TLS, 'connect to a closed port')
    one_error_line(r, 'ConnectFailed')
    # a server whose certificate the CA did not sign
    ss = os.path.join(ENV.tmp, 'ss')
    srv = EchoServer(ss + '.pem', ss + '.key')
    try:
        r = ctl('connect', f'127.0.0.1:{srv.port}', input=b'x')
        expect(r, EXIT_TLS, 'connect to an untrusted server')
        one_error_line(r, 'VerifyFailed')
    finally:
        srv.close()
    r = ctl('connect', '--plain', '--legacy-device-tls', '127.0.0.1:1')
    expect(r, EXIT_USAGE, '--plain with --legacy-device-tls')
    # the flag reaches ichipd (device-tls, allowed): the connect fails
    r = ctl('connect', '--legacy-device-tls', f'127.0.0.1:{port}',
            '--connect-timeout', '5000', input=b'')
    expect(r, EXIT_TLS, 'connect --legacy-device-tls to a closed port')


@test
def ca_clear_restore():
    r = ctl('ca', 'clear')
    expect(r, 0, 'ca clear')
    r = ctl('-J', 'ca', 'show')
    expect(r, EXIT_NOT_FOUND, 'ca show after clear')
    check(r.json()['CAFingerprint'] == '', 'fingerprint after clear')
    r = ctl('ca', 'restore')
    expect(r, EXIT_NOT_FOUND, 'ca restore with nothing persisted')
    one_error_line(r, 'NoCA')
    ca_pem = os.path.join(ENV.tmp, 'ca', 'ca.pem')
    expect(ctl('ca', 'set', ca_pem), 0, 'ca set again')
    r = ctl('ca', 'restore')
    expect(r, 0, 'ca restore')
    check(ctl('-J', 'ca', 'show').json()['CAFingerprint'] ==
          pem_sha256(ca_pem), 'fingerprint after restore')


@test
def unknown_device():
    r = ctl('-d', 'nosuch', 'device', 'show')
    expect(r, EXIT_NOT_FOUND, '--device nosuch')
    one_error_line(r, 'NotFound')
    r = ctl('ca', 'show', '/org/ichip/dev99')
    expect(r, EXIT_NOT_FOUND, 'unknown object path')
    r = ctl('-d', 'nosuch', 'ca', 'clear')
    expect(r, EXIT_NOT_FOUND, 'ca clear on nosuch')


@test
def usage_errors():
    for args in ([], ['frob'], ['device'], ['device', 'frob'],
                 ['ca', 'set'], ['ca', 'set', 'a', 'b'],
                 ['device', 'list', '--force'], ['--bogus', 'version'],
                 ['pki', 'init-ca', 'x', '--bits', 'many'],
                 ['pki', 'issue', 'x'], ['--timeout', '0', 'version'],
                 ['device', 'list', 'extra'], ['-d']):
        r = ctl(*args)
        expect(r, EXIT_USAGE, f'ichipctl {" ".join(args)}')
        check(r.err().startswith('ichipctl: '), r.err())
    r = ctl('--help')
    expect(r, 0, '--help')
    check(b'Usage:' in r.stdout, r.stdout)


@test
def monitor_without_kernel():
    if os.path.exists('/sys/module/n_ichip'):
        return 'SKIP n_ichip is loaded: monitor would run forever'
    r = ctl('monitor', timeout=10)
    check(r.returncode in (EXIT_NOT_FOUND, 4),
          f'monitor: exit {r.returncode}: {r.err()}')
    check('n_ichip' in r.err() or 'CAP_NET_ADMIN' in r.err(), r.err())


@test
def bash_completion():
    comp = os.path.join(SRC, 'daemon', 'ichipctl', 'ichipctl.bash-completion')
    script = f'''
source {comp}
COMP_WORDS=(ichipctl ca s); COMP_CWORD=2; _ichipctl; echo "${{COMPREPLY[*]}}"
COMP_WORDS=(ichipctl connect --p); COMP_CWORD=2; _ichipctl; echo "${{COMPREPLY[*]}}"
COMP_WORDS=(ichipctl p); COMP_CWORD=1; _ichipctl; echo "${{COMPREPLY[*]}}"
'''
    r = subprocess.run(['bash', '-c', script], capture_output=True,
                       text=True)
    lines = r.stdout.splitlines()
    check(r.returncode == 0 and len(lines) == 3, r.stdout + r.stderr)
    check(sorted(lines[0].split()) == ['set', 'show'], lines[0])
    check('--plain' in lines[1].split(), lines[1])
    check(lines[2].split() == ['pki'], lines[2])


@test
def man_page():
    page = os.path.join(SRC, 'Documentation', 'man', 'ichipctl.1')
    if not shutil.which('groff'):
        return 'SKIP no groff'
    r = subprocess.run(['groff', '-man', '-Tutf8', '-ww', '-z', page],
                       capture_output=True, text=True)
    check(r.returncode == 0 and not r.stderr, r.stderr)
    text = open(page).read()
    for code in range(9):
        check(f'\n.B {code}\n' in text or f'.IP {code}' in text or
              f'\\fB{code}\\fR' in text, f'exit status {code} undocumented')


@test
def daemon_not_running():
    ENV.stop('ichipd')
    r = ctl('device', 'list')
    expect(r, EXIT_NO_DAEMON, 'device list without ichipd')
    one_error_line(r, 'ServiceUnknown')
    r = ctl('-J', 'version')
    expect(r, EXIT_NO_DAEMON, 'version without ichipd')
    env = dict(ENV.env, DBUS_SYSTEM_BUS_ADDRESS=
               f'unix:path={ENV.tmp}/no-such-bus')
    r = ctl('device', 'list', env=env)
    expect(r, EXIT_NO_DAEMON, 'device list without a bus')
    # pki needs no daemon
    r = ctl('pki', 'self-signed', os.path.join(ENV.tmp, 'offline'), 'x.test')
    expect(r, 0, 'pki without ichipd')


def main():
    global ENV
    for path in (ICHIPCTL, ICHIPD, SIM):
        if not os.access(path, os.X_OK):
            print(f'1..0 # SKIP {path} not built (set ICHIP_BUILD)')
            return 0
    ENV = Env()
    print(f'1..{len(TESTS)}', flush=True)
    failed = 0
    try:
        ENV.start()
        for n, fn in enumerate(TESTS, 1):
            name = fn.__name__.replace('_', ' ')
            try:
                skip = fn()
                if isinstance(skip, str) and skip.startswith('SKIP'):
                    print(f'ok {n} - {name} # {skip}', flush=True)
                else:
                    print(f'ok {n} - {name}', flush=True)
            except (Fail, subprocess.TimeoutExpired, OSError,
                    KeyError, ValueError) as e:
                failed += 1
                print(f'not ok {n} - {name}', flush=True)
                note(f'{type(e).__name__}: {e}')
    except Exception as e:
        print(f'Bail out! {e}', flush=True)
        failed += 1
    finally:
        ENV.cleanup(keep=failed > 0)
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
