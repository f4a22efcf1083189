#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
# SPDX-FileCopyrightText: 2026 The ichip authors
"""The VM matrix's TLS echo server echoes every byte, however long it takes.

usage: test-tls-echo.py [--hold SECONDS] SERVER [ARGS...]

Starts SERVER ARGS... with {port}, {cert} and {key} replaced (a fresh
self-signed certificate), then, as one TLS connection: a line every
quarter second for SECONDS (default 35, longer than the 30 s after which
gnutls-serv --echo drops a connection), then 128 KiB of text lines
followed at once by close_notify (data and close arriving together).
Passes only if the sha256 of what came back equals what was sent and
the server ended with its own close_notify.  Against gnutls-serv --echo
it fails (the reason the matrix does not use it); prints TAP.
"""

import hashlib
import os
import select
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import time


class Conn:
    """A TLS client over a non-blocking socket, driven by pump()."""

    def __init__(self, port):
        self.raw = socket.create_connection(('127.0.0.1', port), timeout=5)
        self.raw.setblocking(False)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE	# the subject is the echo
        self.inc, self.out = ssl.MemoryBIO(), ssl.MemoryBIO()
        self.tls = ctx.wrap_bio(self.inc, self.out)
        self.pending = b''
        self.got = hashlib.sha256()
        self.ngot = 0
        self.notify = self.eof = False
        while True:
            try:
                self.tls.do_handshake()
                break
            except ssl.SSLWantReadError:
                self.pump(time.monotonic() + 0.1)

    def pump(self, until):
        """Move bytes both ways until the time given or the end."""
        while not self.eof:
            self.pending += self.out.read()
            left = until - time.monotonic()
            if left <= 0 and not self.pending:
                return
            r, w, _ = select.select([self.raw], [self.raw] if self.pending
                                    else [], [], max(left, 0.01))
            if w:
                n = self.raw.send(self.pending)
                self.pending = self.pending[n:]
            if r:
                data = self.raw.recv(65536)
                if data:
                    self.inc.write(data)
                else:
                    self.inc.write_eof()
                    self.eof = True
            self.read_app()

    def read_app(self):
        try:
            while True:
                data = self.tls.read(65536)
                self.got.update(data)
                self.ngot += len(data)
        except ssl.SSLWantReadError:
            pass
        except ssl.SSLZeroReturnError:
            self.notify = self.eof = True
        except ssl.SSLError:
            self.eof = True	# EOF without close_notify


def main(argv):
    hold = 35.0
    if argv[:1] == ['--hold']:
        hold = float(argv[1])
        argv = argv[2:]
    tmp = tempfile.mkdtemp(prefix='tls-echo-')
    cert, key = os.path.join(tmp, 'cert.pem'), os.path.join(tmp, 'key.pem')
    tmpl = os.path.join(tmp, 'cert.tmpl')
    with open(tmpl, 'w') as f:
        f.write('cn = "localhost"\ntls_www_server\nexpiration_days = 2\n')
    subprocess.run(['certtool', '--generate-privkey', '--key-type', 'ecdsa',
                    '--outfile', key], check=True, capture_output=True)
    subprocess.run(['certtool', '--generate-self-signed', '--load-privkey',
                    key, '--template', tmpl, '--outfile', cert],
                   check=True, capture_output=True)
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        port = s.getsockname()[1]
    cmd = [a.format(port=port, cert=cert, key=key) for a in argv]
    log = open(os.path.join(tmp, 'server.log'), 'w')
    srv = subprocess.Popen(cmd, stdout=log, stderr=log)
    try:
        for _ in range(100):
            try:
                conn = Conn(port)
                break
            except OSError:
                time.sleep(0.1)
        else:
            print(f'not ok 1 - {cmd[0]} would not accept a connection')
            return 1
        sent, nsent = hashlib.sha256(), 0
        start = time.monotonic()
        i = 0
        while time.monotonic() - start < hold and not conn.eof:
            line = f'slow line {i}\n'.encode()
            conn.tls.write(line)
            sent.update(line)
            nsent += len(line)
            i += 1
            conn.pump(time.monotonic() + 0.25)
        bulk = b''.join(b'%06d %s\n' % (j, os.urandom(20).hex().encode())
                        for j in range(128 * 1024 // 48))
        conn.tls.write(bulk)
        sent.update(bulk)
        nsent += len(bulk)
        try:
            conn.tls.unwrap()	# our close_notify, right behind the data
        except ssl.SSLWantReadError:
            pass
        conn.pump(time.monotonic() + 60)
    finally:
        srv.terminate()
        srv.wait()
        log.close()
    ok = conn.got.digest() == sent.digest() and conn.notify
    print(f'{"ok" if ok else "not ok"} 1 - {os.path.basename(cmd[0])}: '
          f'{conn.ngot} of {nsent} bytes back after {hold:.0f} s, '
          f'close_notify {"yes" if conn.notify else "no"}')
    with open(os.path.join(tmp, 'server.log')) as f:
        sys.stdout.write(''.join('# ' + x for x in f.readlines()[-5:]))
    shutil.rmtree(tmp)
    print('1..1')
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
