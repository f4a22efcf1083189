# SPDX-License-Identifier: GPL-2.0-only
# SPDX-FileCopyrightText: 2026 The ichip authors
"""A minimal AT+i client on a pty, for the harness self-check only.

It proves that the simulator and the TLS servers can talk to each other
(the module's TLS 1.0 handshake reaches the legacy server) before any
ichipd test relies on it.  ichipd itself is never replaced by this.
"""

import os
import re
import select
import termios
import time
import tty

REPLY = re.compile(rb'I/(OK|ERROR ?\(\d+\)|-?\d+)\r\n')


class AtLine:
    """The host end of one simulated module's serial line."""

    def __init__(self, pty_path):
        self.fd = os.open(pty_path, os.O_RDWR | os.O_NOCTTY)
        tty.setraw(self.fd)
        termios.tcflush(self.fd, termios.TCIOFLUSH)
        self.buf = b''

    def close(self):
        os.close(self.fd)

    def _read_some(self, deadline):
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([self.fd], [], [], left)[0]:
            raise TimeoutError(f'no reply; so far {self.buf[-200:]!r}')
        self.buf += os.read(self.fd, 65536)

    def command(self, text, timeout=15):
        """Send one command line; return the reply text up to I/... ."""
        os.write(self.fd, text.encode('latin-1') + b'\r')
        # a module echoes what it is sent, each CR as CR LF
        return self.wait_reply(timeout, [text.replace('\r', '\r\n')
                                         .encode('latin-1') + b'\r\n'])

    def wait_reply(self, timeout=15, echoes=()):
        """The reply up to I/..., without the echo of the command."""
        deadline = time.monotonic() + timeout
        while True:
            m = REPLY.search(self.buf)
            if m:
                reply = self.buf[:m.end()]
                self.buf = self.buf[m.end():]
                for echo in echoes:
                    if reply.startswith(echo):
                        reply = reply[len(echo):]
                        break
                return reply.decode('latin-1').strip()
            self._read_some(deadline)

    def set_ca(self, pem_text):
        """AT+iCA= with the PEM lines separated by CR (the module form)."""
        lines = [l for l in pem_text.strip().splitlines() if l]
        return self.command('AT+iCA=' + '\r'.join(lines))

    def send(self, handle, data, timeout=15):
        head = f'AT+iSSND:{handle},{len(data)}:'.encode()
        os.write(self.fd, head + data)
        # the result follows the echoed header (and payload) in-line
        return self.wait_reply(timeout, [head + data, head])

    def receive(self, handle, want, timeout=15):
        """SRCV until `want` bytes came (polling: the module never pushes)."""
        got = b''
        deadline = time.monotonic() + timeout
        while len(got) < want and time.monotonic() < deadline:
            os.write(self.fd, f'AT+iSRCV:{handle}\r'.encode())
            got += self._srcv_payload(deadline)
            if len(got) < want:
                time.sleep(0.05)
        return got

    def _srcv_payload(self, deadline):
        while True:
            m = re.match(rb'\s*(?:AT\+iSRCV:\S*\r\n)?I/(\d+)(:?)', self.buf)
            if m and (m.group(2) or b'\r\n' in self.buf[m.end():m.end() + 2]):
                n = int(m.group(1))
                if not m.group(2):
                    self.buf = self.buf[m.end():].lstrip(b'\r\n')
                    return b''
                while len(self.buf) < m.end() + n + 2:
                    self._read_some(deadline)
                data = self.buf[m.end():m.end() + n]
                self.buf = self.buf[m.end() + n + 2:]
                return data
            if re.match(rb'\s*I/ERROR', self.buf) and b'\r\n' in self.buf:
                raise RuntimeError(self.wait_reply())
            self._read_some(deadline)
