#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
# SPDX-FileCopyrightText: 2026 The ichip authors
"""Small TCP/TLS test server for the integration tests (run as a process).

  tcpserv.py [--cert PEM --key KEY [--curve NAME]] MODE

Listens on 127.0.0.1, an ephemeral port, prints "PORT <n>" once it
listens, serves every connection in a thread until killed.  With --cert it
speaks TLS 1.2/1.3 (Python's ssl), else plain TCP; --curve limits its
key exchange groups to that one (a server without X25519).  Modes:

  echo        send back what arrives, until the client closes.
  sinksource  one request line per connection:
                SINK <n>\\n          read n bytes, answer "<sha256 hex> <n>\\n"
                SOURCE <n> <seed>\\n  send n bytes of stream(seed), close
                CUT <n> <seed>\\n     the same, then drop TCP without a TLS
                                    close_notify (a cut-off stream)
                LATER <ms> <n> <seed>\\n  wait ms, send as SOURCE, then
                                    close_notify and close at once, not
                                    waiting for the client's (as web
                                    servers do)
                anything else         close at once (the peer-closed case)

A separate process (not a thread of the test) so a 100 MB transfer does
not compete with the test for the GIL, and so the test can kill it.
"""

import argparse
import hashlib
import socket
import ssl
import sys
import threading
import time

BLOCK = 1 << 16


def stream_chunks(n, seed):
    """The deterministic byte stream of SOURCE: n bytes from `seed`.

    Each 64 KiB block starts with its index so a dropped, repeated or
    reordered block changes the digest.  Shared with the tests (imported).
    """
    base = hashlib.sha256(str(seed).encode()).digest() * (BLOCK // 32)
    index = 0
    while n > 0:
        block = index.to_bytes(8, 'big') + base[8:]
        take = min(n, BLOCK)
        yield block[:take]
        n -= take
        index += 1


def stream_sha256(n, seed):
    """sha256 hex of the SOURCE stream, as the client should see it."""
    h = hashlib.sha256()
    for chunk in stream_chunks(n, seed):
        h.update(chunk)
    return h.hexdigest()


def read_line(conn, limit=256):
    """One request line, read byte by byte so no payload is swallowed."""
    line = b''
    while not line.endswith(b'\n') and len(line) < limit:
        b = conn.recv(1)
        if not b:
            break
        line += b
    return line.decode('ascii', 'replace').strip()


def serve_sink(conn, n):
    h = hashlib.sha256()
    got = 0
    while got < n:
        data = conn.recv(min(BLOCK, n - got))
        if not data:
            break
        h.update(data)
        got += len(data)
    conn.sendall(f'{h.hexdigest()} {got}\n'.encode())


def serve_source(conn, n, seed):
    for chunk in stream_chunks(n, seed):
        conn.sendall(chunk)


def client_sink(sock, n, seed):
    """Client side of SINK: send n bytes of stream(seed); returns the
    server's (sha256 hex, byte count)."""
    sock.sendall(f'SINK {n}\n'.encode())
    for chunk in stream_chunks(n, seed):
        sock.sendall(chunk)
    digest, count = read_line(sock).split()
    return digest, int(count)


def client_source(sock, n, seed):
    """Client side of SOURCE: ask for n bytes of stream(seed); returns
    (sha256 hex, bytes received until EOF)."""
    sock.sendall(f'SOURCE {n} {seed}\n'.encode())
    h = hashlib.sha256()
    got = 0
    while True:
        data = sock.recv(1 << 16)
        if not data:
            break
        h.update(data)
        got += len(data)
    return h.hexdigest(), got


def serve_sinksource(conn):
    """How the TLS connection ends: 'clean' (close_notify both ways),
    'cut' (no close_notify: CUT) or 'now' (close_notify, then close)."""
    words = read_line(conn).split()
    if words[:1] == ['SINK'] and len(words) == 2:
        serve_sink(conn, int(words[1]))
    elif words[:1] in (['SOURCE'], ['CUT']) and len(words) == 3:
        serve_source(conn, int(words[1]), words[2])
        return 'cut' if words[0] == 'CUT' else 'clean'
    elif words[:1] == ['LATER'] and len(words) == 4:
        time.sleep(int(words[1]) / 1000)
        serve_source(conn, int(words[2]), words[3])
        return 'now'
    return 'clean'


def serve_echo(conn):
    while True:
        data = conn.recv(BLOCK)
        if not data:
            # TLS: ragged EOFs raise (suppress_ragged_eofs=False), so an
            # empty read is the client's close_notify; tests look for it
            if isinstance(conn, ssl.SSLSocket):
                print('tcpserv: echo: close_notify from the client',
                      file=sys.stderr, flush=True)
            break
        conn.sendall(data)


def handle(raw, ctx, mode):
    """One connection: TLS handshake if asked, the mode, then a clean close."""
    conn = raw
    try:
        if ctx:
            conn = ctx.wrap_socket(raw, server_side=True,
                                   suppress_ragged_eofs=False)
        end = 'clean'
        if mode == 'echo':
            serve_echo(conn)
        elif mode == 'sinksource':
            end = serve_sinksource(conn)
        if ctx and end == 'clean':
            close_tls(conn)
        elif ctx and end == 'now':
            close_tls(conn, wait=False)
        elif ctx:
            cut_tls(conn)
    except (OSError, ValueError) as e:
        print(f'tcpserv: {mode}: {e}', file=sys.stderr, flush=True)
    finally:
        try:
            conn.close()
        finally:
            raw.close()


def close_tls(conn, wait=True):
    """Send close_notify (a clean TLS close the client must notice).

    unwrap() then waits for the client's close_notify; a client that just
    drops the connection must not hold this thread for long.  Without
    @wait, close_notify goes out and the connection closes at once.
    """
    conn.settimeout(2 if wait else 0)
    try:
        conn.unwrap()
    except (OSError, ValueError):
        pass


def cut_tls(conn):
    """End TCP (FIN) with no close_notify, as a crashed server would.

    What the client still sends is read and dropped before the close: data
    left unread would turn the close into a reset, which loses the stream
    on the client's side instead of ending it.
    """
    conn.shutdown(socket.SHUT_WR)     # unwraps without close_notify
    conn.settimeout(2)
    try:
        while conn.recv(BLOCK):
            pass
    except OSError:
        pass


def tls_context(cert, key, curve=None):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(cert, key)
    if curve:
        ctx.set_ecdh_curve(curve)
    # a TCP end without close_notify must not read as a clean end of data
    ctx.options &= ~getattr(ssl, 'OP_IGNORE_UNEXPECTED_EOF', 0)
    return ctx


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--cert')
    ap.add_argument('--key')
    ap.add_argument('--curve')
    ap.add_argument('mode', choices=['echo', 'sinksource'])
    args = ap.parse_args()
    ctx = tls_context(args.cert, args.key, args.curve) if args.cert \
        else None
    lsock = socket.socket()
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind(('127.0.0.1', 0))
    lsock.listen(64)
    print(f'PORT {lsock.getsockname()[1]}', flush=True)
    while True:
        raw, _ = lsock.accept()
        threading.Thread(target=handle, args=(raw, ctx, args.mode),
                         daemon=True).start()


if __name__ == '__main__':
    main()
