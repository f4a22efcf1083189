#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
# SPDX-FileCopyrightText: 2026 The ichip authors
"""`make run` (tools/demo.sh) tells the truth, with what `make deps` gives.

The demo runs with a PATH that holds only the programs of the packages a
minimal Debian plus `make deps` installs (deps_path.py): once as it is,
where every step must pass and it must exit 0, and once against a broken
setup, a web server that stops listening once the demo has seen it up,
so the module's connect is refused: the demo must exit 1 and name the
steps that failed.
"""

import os
import shutil
import subprocess
import tempfile
import unittest

import harness
from deps_path import bin_dir
from fixtures import BUILD, PYTHON, SRC_ROOT

DEMO = os.path.join(SRC_ROOT, 'tools', 'demo.sh')

# gnutls-serv in name only: it answers the demo's "is it up?" connect,
# then closes its socket and exits, so every later connect is refused.
GONE_SERVER = '''#!%s
import socket, sys
port = int(sys.argv[sys.argv.index('-p') + 1])
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.1', port))
s.listen(1)
s.accept()[0].close()
s.close()
''' % PYTHON


class DemoTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix='ichip-demo-test-')
        cls.bin = bin_dir(os.path.join(cls.tmp, 'bin'))

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def demo(self, path):
        env = {k: v for k, v in os.environ.items()
               if not k.startswith('DBUS_')}
        env['PATH'] = path
        res = subprocess.run(['/bin/bash', DEMO, '--build', BUILD], env=env,
                             stdin=subprocess.DEVNULL, capture_output=True,
                             text=True, timeout=240)
        harness.note(f'demo exit {res.returncode}; its stderr ends:\n'
                     + '\n'.join(res.stderr.splitlines()[-8:]))
        return res

    def test_demo_passes_with_only_make_deps(self):
        for prog in ('busctl', 'dbus-daemon', 'gnutls-serv'):
            self.assertTrue(os.path.exists(os.path.join(self.bin, prog)),
                            f'{prog} is not in a package make deps installs')
        res = self.demo(self.bin)
        self.assertEqual(res.returncode, 0, res.stderr)
        self.assertIn('demo: every step did what it shows', res.stdout)
        self.assertNotIn('FAILED', res.stderr)
        self.assertNotIn('command not found', res.stderr)

    def test_refused_connect_fails_the_demo(self):
        fake = os.path.join(self.tmp, 'fake')
        os.makedirs(fake, exist_ok=True)
        with open(os.path.join(fake, 'gnutls-serv'), 'w') as f:
            f.write(GONE_SERVER)
        os.chmod(os.path.join(fake, 'gnutls-serv'), 0o755)
        res = self.demo(fake + ':' + self.bin)
        self.assertEqual(res.returncode, 1, res.stderr)
        self.assertIn('demo: FAILED: host-tls fetch', res.stderr)
        # the legacy path also needs the server: its expected refusal
        # (module SSL error) is not what comes, so it fails as well
        self.assertIn('2 step(s) failed', res.stderr)
        self.assertNotIn('every step did what it shows', res.stdout)


if __name__ == '__main__':
    harness.main()
