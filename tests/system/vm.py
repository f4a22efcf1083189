#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
# SPDX-FileCopyrightText: 2026 The ichip authors
"""vm.py - boot the system VM once (through its reboot) and play the host.

  vm.py --disk IMG --kernel VMLINUZ --initrd INITRD --sim ICHIP-SIM
        --certs DIR --work DIR [--timeout S]

The host side of the system checks (tests/system/guest/run.sh):
  * ichip-sim on a pty is the module behind the guest's 16550 ttyS1
    (QEMU isa-serial, -serial /dev/pts/N): a UART, as on hardware;
  * two TLS servers on 127.0.0.1 (gnutls-serv --http and our
    ichip-tls-echo) with the certificate
    from `ichipctl pki`: HTTPS (TLS 1.3 only) and an echo server.  The
    guest has no network card at all: the simulated module, running on
    the host, makes the TCP connections, so nothing in the VM reaches
    anything but these servers;
  * "ICHIP-HOST plug|unplug" on the console: a second ichip-sim behind a
    pci-serial hot-plugged through the QEMU monitor (PCI hot-plug: the
    cloud kernels have no USB at all);
  * the console goes to WORK/console.log; TAP lines are echoed live.
Exit status: QEMU's (0 after the guest's power-off), 124 on timeout.
"""
import argparse
import os
import signal
import socket
import subprocess
import sys
import time


# the tests' process helpers (tests/integration/procs.py): one copy
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                '..', 'integration'))
from procs import free_port, is_listening, wait_until  # noqa: E402


def wait_file(path, timeout=10):
    """The text of path once something has written it."""
    def written():
        if os.path.exists(path) and os.path.getsize(path) > 0:
            return open(path).read().strip()
        return None
    return wait_until(written, timeout, f'{path} to be written', 0.05)


def wait_port(port, timeout=10):
    wait_until(lambda: is_listening(port), timeout,
               f'something to listen on {port}', 0.1)


class Monitor:
    """QEMU's human monitor on a unix socket."""

    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX)
        end = time.monotonic() + 20
        while True:
            try:
                self.sock.connect(path)
                break
            except OSError:
                if time.monotonic() > end:
                    raise
                time.sleep(0.1)
        self.read_prompt()

    def read_prompt(self):
        buf = b''
        self.sock.settimeout(20)
        while not buf.endswith(b'(qemu) '):
            chunk = self.sock.recv(4096)
            if not chunk:
                break
            buf += chunk
        return buf.decode(errors='replace')

    def cmd(self, line):
        self.sock.sendall(line.encode() + b'\n')
        out = self.read_prompt()
        # the monitor echoes the command line; keep what follows it
        return out.split('\n', 1)[-1].replace('(qemu) ', '').strip()


def main():
    procs = []
    # a SIGTERM (check.sh interrupted) still stops QEMU and the servers
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        return run(procs)
    finally:
        for p in procs:
            if p.poll() is None:
                p.terminate()
        for p in procs:
            try:
                p.wait(5)
            except subprocess.TimeoutExpired:
                p.kill()


def run(procs):
    ap = argparse.ArgumentParser()
    for a in ('disk', 'kernel', 'initrd', 'sim', 'echo', 'certs', 'work'):
        ap.add_argument('--' + a, required=True)
    ap.add_argument('--timeout', type=int, default=900)
    ap.add_argument('--memory', default='1024')
    ap.add_argument('--smp', default='2')
    args = ap.parse_args()
    w = args.work
    os.makedirs(w, exist_ok=True)
    for f in os.listdir(w):     # a fresh module (no CA) for every run
        if f.endswith(('.state', '.pty', '.trace', '.log')):
            os.unlink(os.path.join(w, f))

    def spawn(cmd, log):
        p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                             stdout=open(os.path.join(w, log), 'w'),
                             stderr=subprocess.STDOUT)
        procs.append(p)
        return p

    def sim(name):
        ptyf = os.path.join(w, name + '.pty')
        if os.path.exists(ptyf):
            os.unlink(ptyf)
        spawn([args.sim, '--pty-file', ptyf,
               '--state', os.path.join(w, name + '.state'),
               '--trace', os.path.join(w, name + '.trace')], name + '.log')
        return wait_file(ptyf)

    http, echo = free_port(), free_port()
    cert = ['--x509certfile', os.path.join(args.certs, 'server.pem'),
            '--x509keyfile', os.path.join(args.certs, 'server.key')]
    spawn(['gnutls-serv', '--http', '-p', str(http),
           '--priority', 'NORMAL:-VERS-ALL:+VERS-TLS1.3'] + cert, 'https.log')
    # not gnutls-serv --echo: it drops every connection 30 s after
    # accepting it, and alice's session is held open longer than that
    # (tests/e2e/tls-echo.c)
    spawn([args.echo, str(echo), os.path.join(args.certs, 'server.pem'),
           os.path.join(args.certs, 'server.key')], 'echo.log')
    wait_port(http)
    wait_port(echo)
    uart = sim('sim-uart0')

    mon_path = os.path.join(w, 'monitor.sock')
    if os.path.exists(mon_path):
        os.unlink(mon_path)
    append = ('root=/dev/vda rw console=ttyS0 quiet loglevel=3 '
              'systemd.show_status=0 panic=10 '
              f'ichip.http={http} ichip.echo={echo}')
    # TCG, as the issue wants: this machine's /dev/kvm (nested) fails on
    # the guest kernel ("KVM internal error ... emulation failure").
    accel = os.environ.get('ICHIP_SYSTEM_ACCEL', 'tcg')
    qemu = ['qemu-system-x86_64', '-accel', accel, '-machine', 'pc',
            '-m', args.memory, '-smp', args.smp, '-nodefaults', '-display', 'none',
            '-nic', 'none',
            '-kernel', args.kernel, '-initrd', args.initrd, '-append', append,
            '-drive', f'file={args.disk},format=raw,if=virtio',
            '-serial', 'stdio', '-serial', uart,
            '-monitor', f'unix:{mon_path},server=on,wait=off']
    t0 = time.monotonic()
    vm = subprocess.Popen(qemu, stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    procs.append(vm)
    mon = Monitor(mon_path)
    log = open(os.path.join(w, 'console.log'), 'w')
    os.set_blocking(vm.stdout.fileno(), False)
    buf = b''
    rc = None
    boots = 0
    while True:
        if time.monotonic() - t0 > args.timeout:
            print(f'# vm.py: timeout after {args.timeout} s', flush=True)
            vm.kill()
            rc = 124
            break
        chunk = vm.stdout.read()
        if chunk:
            buf += chunk
        elif vm.poll() is not None:
            rc = vm.returncode
            break
        else:
            time.sleep(0.05)
            continue
        while b'\n' in buf:
            raw, buf = buf.split(b'\n', 1)
            line = raw.decode(errors='replace').rstrip('\r')
            stamp = time.monotonic() - t0
            log.write(f'[{stamp:7.2f}] {line}\n')
            log.flush()
            if line.startswith('# phase'):
                boots += 1
                print(f'# vm.py: boot {boots} reached the checks at {stamp:.1f} s',
                      flush=True)
            if line.startswith(('ok ', 'not ok ', '#')):
                print(line, flush=True)
            if line.startswith('ICHIP-HOST plug'):
                pty = sim('sim-hotplug0')
                print('# host: ' + mon.cmd(f'chardev-add serial,id=hp0,path={pty}'),
                      flush=True)
                print('# host: ' + mon.cmd('device_add pci-serial,chardev=hp0,id=hpser0'),
                      flush=True)
            elif line.startswith('ICHIP-HOST unplug'):
                print('# host: ' + mon.cmd('device_del hpser0'), flush=True)
    print(f'# vm.py: qemu exited with {rc} after {time.monotonic() - t0:.1f} s',
          flush=True)
    return rc


if __name__ == '__main__':
    sys.exit(main())
