# SPDX-License-Identifier: GPL-2.0-only
# SPDX-FileCopyrightText: 2026 The ichip authors
"""make bench: one QEMU VM run (tests/vm/run.sh) of a guest script, with
ichipd's stack and n_ichip.ko in it; the result lines it printed, parsed
from the console log.  Shared by the VM halves of targets 2a (m_rtt.py)
and 3 (m_cpu_vm.py)."""

import os
import re
import subprocess
import time

from benchlib import HERE, SRC, log


def run_vm(build, name, bins, files, test, prefix, timeout,
           test_timeout=None):
    """Boot the VM with bins (host paths) and files ({host: guest}), run
    the guest script test (killed after test_timeout s, run.sh's default
    300 if None), return (exit code, [what follows prefix on each console
    line of the guest's that has it], console log path, output tail)."""
    ko = os.path.join(SRC, 'driver', 'n_ichip.ko')
    if not os.path.exists(ko):
        raise RuntimeError('driver/n_ichip.ko not built (make module)')
    e2e = os.path.join(build, 'e2e')
    # the bus configuration and the e2e certificates
    subprocess.run([os.path.join(SRC, 'tests', 'e2e', 'prepare.sh'), e2e],
                   check=True, capture_output=True)
    argv = [os.path.join(SRC, 'tests', 'vm', 'run.sh'), '--build', build,
            '--name', name, '--module', ko, '--timeout', str(timeout)]
    if test_timeout:
        argv += ['--test-timeout', str(test_timeout)]
    for b in bins:
        argv += ['--bin', b]
    files = {e2e: '/etc/ichip-e2e',
             # the guest scripts' shared setup (vm-bench-lib.sh)
             os.path.join(HERE, 'vm-bench-lib.sh'): '/etc/bench-vm-lib.sh',
             os.path.join(SRC, 'tests/e2e/passwd'): '/etc/passwd',
             os.path.join(SRC, 'tests/e2e/group'): '/etc/group', **files}
    for host, guest in files.items():
        argv += ['--file', f'{host}:{guest}']
    argv += ['--test', test]
    t0 = time.monotonic()
    p = subprocess.run(argv, cwd=SRC, capture_output=True, text=True,
                       timeout=timeout + 100)
    log(f'VM run took {time.monotonic() - t0:.1f} s (exit {p.returncode})')
    console = os.path.join(build, 'vm', f'{name}-console.log')
    lines = []
    try:
        with open(console, errors='replace') as f:
            for line in f:
                m = re.search(re.escape(prefix) + r' (.*)$', line)
                if m:
                    lines.append(m.group(1))
    except FileNotFoundError:
        pass
    tail = '\n'.join((p.stdout + p.stderr).splitlines()[-30:])
    return p.returncode, lines, console, tail
