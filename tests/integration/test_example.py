#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
# SPDX-FileCopyrightText: 2026 The ichip authors
"""Documentation/examples/ichip-fetch.py works as documented.

Examples rot silently; this runs the shipped one, unmodified, against a
local HTTPS server (gnutls-serv --http serving a known page) through
ichipd and the simulated module.
"""

import os
import subprocess

import harness
from fixtures import PYTHON, SRC_ROOT

EXAMPLE = os.path.join(SRC_ROOT, 'Documentation', 'examples',
                       'ichip-fetch.py')
PAGE = '<html><body>ichip fetch test page</body></html>\n'


class ExampleTest(harness.IchipTestCase):

    def fetch(self, target, timeout=90):
        return subprocess.run([PYTHON, EXAMPLE, target], env=self.bus.env(),
                              capture_output=True, timeout=timeout)

    def test_fetch_prints_the_page(self):
        self.start_stack()
        self.client.set_ca(self.dev, self.certs.ca.pem)
        page = os.path.join(self.tmp, 'page.html')
        with open(page, 'w') as f:
            f.write(PAGE)
        srv = self.start_gnutls(self.certs.server, mode='--http',
                                extra=[f'--httpdata={page}'])
        res = self.fetch(f'localhost:{srv.port}')
        out = res.stdout.decode(errors='replace')
        self.assertEqual(res.returncode, 0, res.stderr.decode())
        self.assertRegex(out, r'^HTTP/1\.[01] 200')
        self.assertIn(PAGE.strip(), out)

    def test_fetch_reports_errors(self):
        """A server the CA does not vouch for: a D-Bus error, exit != 0."""
        self.start_stack()
        self.client.set_ca(self.dev, self.certs.ca.pem)
        srv = self.start_gnutls(self.certs.otherca_server, mode='--http')
        res = self.fetch(f'localhost:{srv.port}')
        self.assertNotEqual(res.returncode, 0)
        self.assertIn(b'org.ichip.Error.VerifyFailed', res.stderr)


if __name__ == '__main__':
    harness.main()
