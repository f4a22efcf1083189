#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
# SPDX-FileCopyrightText: 2026 The ichip authors
"""ichip-tls-echo's sinksource mode speaks tcpserv.py's protocol.

usage: test-tls-sinksource.py SERVER BENCH_TLS_CLIENT

SERVER is ichip-tls-echo (run as SERVER PORT CERT KEY sinksource, with a
certificate for localhost from a fresh CA).  Its clients are the ones
that use tcpserv.py's server elsewhere: tcpserv.py's own client_sink()
and client_source() (the digest and the stream must be tcpserv.py's, and
the stream must end with close_notify), and bench-tls-client, the bare
GnuTLS baseline that `make bench` runs against it in the VM.  Prints TAP.
"""

import hashlib
import os
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'integration'))

from certs import CertFactory  # noqa: E402
from tcpserv import client_sink, client_source, stream_sha256  # noqa: E402

N = (1 << 20) + 123		# a last block that is not whole


def connect(port, ca):
    ctx = ssl.create_default_context(cafile=ca)
    raw = socket.create_connection(('127.0.0.1', port), timeout=30)
    # a TCP end without close_notify must raise, not read as the end
    return ctx.wrap_socket(raw, server_hostname='localhost',
                           suppress_ragged_eofs=False)


def cases(port, ca, client):
    """(description, passed, detail) of each check."""
    with connect(port, ca) as s:
        digest, count = client_sink(s, N, 'up')
    yield ('SINK answers the sha256 and count of what arrived',
           digest == stream_sha256(N, 'up') and count == N,
           f'{digest} {count}')
    with connect(port, ca) as s:
        try:
            digest, got = client_source(s, N, 'down')
            how = 'close_notify'
        except ssl.SSLError as e:
            digest, got, how = '', 0, str(e)
    yield ('SOURCE sends tcpserv.py\'s stream, then close_notify',
           digest == stream_sha256(N, 'down') and got == N,
           f'{got} bytes, {how}')
    with connect(port, ca) as s:
        s.sendall(b'SINK 5\nhello')	# request and data in one record
        answer = s.recv(256).decode()
    yield ('SINK takes data that came with the request line',
           answer.split() == [hashlib.sha256(b'hello').hexdigest(), '5'],
           answer.strip())
    with connect(port, ca) as s:
        s.sendall(b'NOPE\n')
        try:
            end = s.recv(256)
        except (ssl.SSLError, OSError) as e:
            end = str(e).encode()
    yield ('an unknown request ends the connection', end == b'',
           repr(end))
    for mode in ('sink', 'source'):
        p = subprocess.run([client, ca, str(port), mode, str(N)],
                           capture_output=True, text=True, timeout=60)
        yield (f'bench-tls-client {mode} moves all of it',
               p.returncode == 0 and f'bytes={N} ' in p.stdout,
               (p.stdout + p.stderr).strip())


def main(server, client):
    tmp = tempfile.mkdtemp(prefix='ichip-tls-sinksource-')
    f = CertFactory(os.path.join(tmp, 'certs'))
    ca = f.self_signed('ca', 'sinksource test CA')
    cert = f.server('server', ca)
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        port = s.getsockname()[1]
    log = open(os.path.join(tmp, 'server.log'), 'w')
    srv = subprocess.Popen([server, str(port), cert.pem_path, cert.key_path,
                            'sinksource'], stdout=log, stderr=log)
    failed = 0
    try:
        for _ in range(100):
            try:
                socket.create_connection(('127.0.0.1', port), 1).close()
                break
            except OSError:
                time.sleep(0.1)
        for i, (desc, ok, detail) in enumerate(cases(port, ca.pem_path,
                                                     client), 1):
            print(f'{"ok" if ok else "not ok"} {i} - {desc}')
            print(f'#   {detail}')
            failed += not ok
        print(f'1..{i}')
    finally:
        srv.terminate()
        srv.wait()
        log.close()
    with open(os.path.join(tmp, 'server.log')) as f:
        sys.stdout.write(''.join('# ' + x for x in f.readlines()[-8:]))
    shutil.rmtree(tmp)
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main(*sys.argv[1:3]))
