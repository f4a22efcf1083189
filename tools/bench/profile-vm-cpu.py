#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
# SPDX-FileCopyrightText: 2026 The ichip authors
"""profile-vm-cpu.py - where ichipd's CPU goes on the kernel transport in
the VM (issue 16, target 3).  A diagnosis tool beside `make bench`, never
run by make check.

  /usr/bin/python3 tools/bench/profile-vm-cpu.py [--build BUILD] [--mib N]

Boots the bench VM of the CPU target with perf added, runs one round of
61-bench-cpu.sh (its BENCH-CPU lines), then vm-profile-cpu.sh: perf of
one SINK and one SOURCE session of N MiB through ichipd.  Writes
BUILD/vm/profile-cpu.txt.  The certificates are the VM end-to-end test's
(tests/e2e/prepare.sh).  Needs driver/n_ichip.ko (make all) and
/usr/bin/perf (Debian linux-perf, the VM kernel's version).
"""

import argparse
import os
import re
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import HERE, SRC  # noqa: E402
from m_cpu_vm import run_cpu_vm  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--build', default=os.path.join(SRC, 'build'))
    ap.add_argument('--mib', type=float, default=1)
    args = ap.parse_args()
    build = os.path.abspath(args.build)
    perf = shutil.which('perf')
    if not perf:
        sys.exit('no perf (apt install linux-perf)')
    e2e = os.path.join(build, 'e2e')    # run_vm() prepares it
    tmp = tempfile.mkdtemp()
    try:
        rc, _, console, tail = run_cpu_vm(
            build, tmp, os.path.join(e2e, 'ca.pem'),
            os.path.join(e2e, 'server.pem'), os.path.join(e2e, 'server.key'),
            int(args.mib * (1 << 20)), 1, name='profile-cpu',
            extra_bins=[perf],
            extra_files={os.path.join(HERE, 'vm-profile-cpu.sh'):
                         '/etc/bench-profile.sh'})
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    out = os.path.join(build, 'vm', 'profile-cpu.txt')
    with open(console, errors='replace') as f, open(out, 'w') as o:
        for line in f:
            m = re.search(r'61-bench-cpu\| ((BENCH-CPU|PROF) .*)$', line)
            if m:
                o.write(m.group(1) + '\n')
    print(tail.splitlines()[-1] if tail else '')
    print(f'report: {out}')
    return rc


if __name__ == '__main__':
    sys.exit(main())
