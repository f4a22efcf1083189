# SPDX-License-Identifier: GPL-2.0-only
# SPDX-FileCopyrightText: 2026 The ichip authors
"""A scripted module on a pty, for answers ichip-sim never gives.

ichip-sim plays a healthy module and its line faults; some documented
errors need a module that answers wrongly on purpose: a CA parameter
that reads back differently from what was written (CertificateMismatch),
a socket error code other than 200/203 (Closed "module-error").  This is
not a simulator: it answers the few commands ichipd sends in those tests
(AT+i, RP1, RP4, RP5, CA, CA?, STCP, SRCV, SSND, SCLS) in the formats of
at-plus-i.md, each reply overridable, and logs every command it got.
Anything else, ichipd's AT+iFLW? included, gets I/ERROR (053): a
firmware without the command, which ichipd tolerates.
"""

import os
import re
import threading
import tty

SOCKETS = 10


class FakeModule:
    """A pty whose master end answers AT+i commands from a thread.

    `replies` maps a command code ('SRCV', 'CA?', ...) to a function
    (command text) -> reply bytes, overriding the defaults below.
    """

    def __init__(self, tmp, name='ttyFAKE0', replies=None):
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)
        self.link = os.path.join(tmp, name)
        os.symlink(os.ttyname(self.slave), self.link)
        self.replies = dict(replies or {})
        self.commands = []          # every command text, in order
        self.ca_written = []        # PEM text of every AT+iCA= write
        self.ca = ''                # what AT+iCA? shows (PEM or empty)
        self.sockets = {}           # handle -> bytes waiting
        self._buf = b''
        self._ca_lines = None       # collecting an AT+iCA= value
        self._stop = False
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    # ---- defaults ----

    def _rp4(self):
        vals = [str(self.sockets[h]) if h in self.sockets else '-200'
                for h in range(SOCKETS)]
        return f'I/({",".join(vals)})\r\n'.encode()

    def _ca_query(self):
        if not self.ca:
            return b'\r\nI/OK\r\n'
        pem = '\r\n'.join(self.ca.strip().splitlines())
        return (f'Subject: CN=fake\r\n{pem}\r\nI/OK\r\n').encode()

    def _stcp(self):
        for h in range(SOCKETS):
            if h not in self.sockets:
                self.sockets[h] = 0
                return f'I/{h:03d}\r\n'.encode()
        return b'I/ERROR (204)\r\n'

    def _scls(self, text):
        m = re.search(r':(\d+)', text)
        if m and int(m.group(1)) in self.sockets:
            del self.sockets[int(m.group(1))]
            return b'I/OK\r\nI/ONLINE\r\n'     # "!": stays online
        return b'I/ERROR (200)\r\n'

    def answer(self, text):
        code = re.match(r'AT\+i[!@]?([A-Za-z]*[0-9]*)(\?)?', text, re.I)
        key = (code.group(1).upper() + (code.group(2) or '')) if code else ''
        if key in self.replies:
            return self.replies[key](text)
        if key == '':
            return b'I/OK\r\n'
        if key == 'RP4':
            return self._rp4()
        if key == 'RP1':
            return b'FAKE-MODULE 1.0\r\nI/OK\r\n'
        if key == 'RP5':
            return b'FAKE0001\r\nI/OK\r\n'
        if key == 'CA?':
            return self._ca_query()
        if key == 'STCP':
            return self._stcp()
        if key == 'SCLS':
            return self._scls(text)
        if key == 'SRCV':
            return b'I/0\r\n'
        return b'I/ERROR (053)\r\n'

    # ---- the line ----

    def _reply(self, data):
        os.write(self.master, data)

    def _line(self, line):
        text = line.decode('latin-1')
        if self._ca_lines is not None:
            if not self._ca_lines and not text:     # AT+iCA=<CR><CR>
                self._ca_done('')
                return
            if text:
                self._ca_lines.append(text)
            if 'END CERTIFICATE' in text:
                self._ca_done('\n'.join(self._ca_lines) + '\n')
            return
        if not text:
            return                                  # blank lines: ignored
        self.commands.append(text)
        m = re.match(r'AT\+iCA=(.*)', text, re.I)
        if m and 'CA' not in self.replies:
            self._ca_lines = [m.group(1)] if m.group(1) else []
            if 'END CERTIFICATE' in m.group(1):
                self._ca_done(m.group(1) + '\n')
            return
        self._reply(self.answer(text))

    def _ca_done(self, pem):
        self._ca_lines = None
        self.ca_written.append(pem)
        self.ca = pem
        self._reply(b'I/OK\r\n')

    def _feed(self):
        while True:
            self._buf = self._buf.lstrip(b'\n')
            m = re.match(rb'(AT\+iSSND%?:(\d+),(\d+):)', self._buf, re.I)
            if m:
                end = len(m.group(1)) + int(m.group(3))
                if len(self._buf) < end:
                    return
                text = m.group(1).decode()
                self.commands.append(text)
                self._buf = self._buf[end:]
                self._reply(self.answer(text) if 'SSND' in self.replies
                            else b'I/OK\r\n')
                continue
            if self._buf[:8].upper().startswith(b'AT+ISSND') and \
                    b'\r' not in self._buf[:40]:
                return                              # header incomplete
            i = self._buf.find(b'\r')
            if i < 0:
                return
            line, self._buf = self._buf[:i], self._buf[i + 1:]
            self._line(line)

    def _run(self):
        while not self._stop:
            try:
                data = os.read(self.master, 65536)
            except OSError:
                return
            if not data:
                return
            self._buf += data
            self._feed()

    def stop(self):
        self._stop = True
        for fd in (self.slave, self.master):
            try:
                os.close(fd)
            except OSError:
                pass
        try:
            os.unlink(self.link)
        except OSError:
            pass
