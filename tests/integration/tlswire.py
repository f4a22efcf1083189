# SPDX-License-Identifier: GPL-2.0-only
# SPDX-FileCopyrightText: 2026 The ichip authors
"""What a TLS connection puts on the wire, seen from a relay.

Relay sits between the simulator (the module's TCP) and a test server
and keeps every byte of each connection, both ways.  records() splits a
direction into TLS records; client_hello() names a ClientHello's
extensions and key shares.  Encrypted records are counted, never
decrypted: what they are follows from their order (TLS 1.3: the
server's EncryptedExtensions, Certificate, CertificateVerify, Finished,
then NewSessionTickets; the client's Finished).
Used by the integration tests (test_tls_hello.py) and make bench.
"""

import socket
import struct
import threading

CONTENT = {20: 'change_cipher_spec', 21: 'alert', 22: 'handshake',
           23: 'application_data'}
HANDSHAKE = {1: 'client_hello', 2: 'server_hello'}
EXTENSIONS = {0: 'server_name', 5: 'status_request',
              10: 'supported_groups', 11: 'ec_point_formats',
              13: 'signature_algorithms', 16: 'alpn',
              21: 'padding', 22: 'encrypt_then_mac',
              23: 'extended_master_secret', 28: 'record_size_limit',
              35: 'session_ticket', 41: 'pre_shared_key',
              42: 'early_data', 43: 'supported_versions',
              45: 'psk_key_exchange_modes', 51: 'key_share',
              0xff01: 'renegotiation_info'}
GROUPS = {0x17: 'secp256r1', 0x18: 'secp384r1', 0x19: 'secp521r1',
          0x1d: 'x25519', 0x1e: 'x448'}
# a ServerHello whose random is this is a HelloRetryRequest (RFC 8446)
HRR_RANDOM = bytes.fromhex('cf21ad74e59a6111be1d8c021e65b891'
                           'c2a211167abb8c5e079e09e2c8a8339c')


class Relay:
    """127.0.0.1:port -> 127.0.0.1:target; conns: one dict per accepted
    connection, {'C': client-to-server bytes, 'S': server-to-client}."""

    def __init__(self, target):
        self.target = target
        self.conns = []
        self.lock = threading.Lock()
        self.lsock = socket.socket()
        self.lsock.bind(('127.0.0.1', 0))
        self.lsock.listen(8)
        self.port = self.lsock.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                down, _ = self.lsock.accept()
            except OSError:
                return
            try:
                up = socket.create_connection(('127.0.0.1', self.target))
            except OSError:
                down.close()    # the client sees the server refuse
                continue
            wire = {'C': bytearray(), 'S': bytearray()}
            with self.lock:
                self.conns.append(wire)
            for src, dst, d in ((down, up, 'C'), (up, down, 'S')):
                threading.Thread(target=self._pump, args=(src, dst, wire, d),
                                 daemon=True).start()

    def _pump(self, src, dst, wire, d):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                with self.lock:
                    wire[d] += data
                dst.sendall(data)
        except OSError:
            pass
        try:
            dst.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    def wire(self, i):
        """A copy of connection i's bytes: {'C': bytes, 'S': bytes}."""
        with self.lock:
            return {d: bytes(b) for d, b in self.conns[i].items()}

    def stop(self):
        self.lsock.close()


def records(data):
    """[(content type, record bytes incl. the 5-byte header, body)]."""
    out = []
    i = 0
    while i + 5 <= len(data):
        ctype, _, n = struct.unpack('>BHH', data[i:i + 5])
        out.append((ctype, 5 + n, data[i + 5:i + 5 + n]))
        i += 5 + n
    return out


def _extensions(body):
    out = {}
    i = 0
    while i + 4 <= len(body):
        etype, n = struct.unpack('>HH', body[i:i + 4])
        out[EXTENSIONS.get(etype, etype)] = body[i + 4:i + 4 + n]
        i += 4 + n
    return out


def client_hello(rec_body):
    """A ClientHello record's body -> {'session_id': bytes, 'suites': n,
    'extensions': {name: data}, 'key_shares': [(group, key bytes)]}."""
    if rec_body[0] != 1:
        raise ValueError('not a ClientHello')
    i = 4 + 2 + 32
    sid = rec_body[i + 1:i + 1 + rec_body[i]]
    i += 1 + len(sid)
    n_suites = struct.unpack('>H', rec_body[i:i + 2])[0]
    i += 2 + n_suites
    i += 1 + rec_body[i]
    ext_len = struct.unpack('>H', rec_body[i:i + 2])[0]
    exts = _extensions(rec_body[i + 2:i + 2 + ext_len])
    shares = []
    ks = exts.get('key_share', b'')
    j = 2
    while j + 4 <= len(ks):
        group, n = struct.unpack('>HH', ks[j:j + 4])
        shares.append((GROUPS.get(group, group), n))
        j += 4 + n
    return {'session_id': sid, 'suites': n_suites // 2,
            'extensions': exts, 'key_shares': shares}


def is_hello_retry(rec_body):
    return rec_body[0] == 2 and rec_body[6:38] == HRR_RANDOM


def account(wire):
    """Per-record sizes of one connection: {'C': [(label, bytes)],
    'S': [...]}; encrypted records are labelled by their position."""
    out = {}
    for d in 'CS':
        seq = []
        n_enc = 0
        for ctype, size, body in records(wire[d]):
            if ctype == 22:
                label = HANDSHAKE.get(body[0], f'handshake {body[0]}')
                if is_hello_retry(body):
                    label = 'hello_retry_request'
                seq.append((label, size))
            elif ctype == 20:
                seq.append(('change_cipher_spec', size))
            elif ctype == 23:
                seq.append((f'encrypted {n_enc}', size))
                n_enc += 1
            else:
                seq.append((CONTENT.get(ctype, str(ctype)), size))
        out[d] = seq
    return out
