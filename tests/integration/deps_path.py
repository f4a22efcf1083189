# SPDX-License-Identifier: GPL-2.0-only
# SPDX-FileCopyrightText: 2026 The ichip authors
"""A PATH that holds only what `make deps` gives a minimal Debian.

A minimal Debian 12 (mmdebstrap --variant=apt) has the Essential packages
and apt; `make deps` adds the packages tools/install-deps.sh lists, with
everything they depend on.  bin_dir() links the programs of exactly those
installed packages into a directory: a script run with PATH set to it
finds no program that a machine set up by `make deps` might lack (the
busctl of a systemd the list forgot, say).
"""

import os
import re
import subprocess

from fixtures import SRC_ROOT

INSTALL_DEPS = os.path.join(SRC_ROOT, 'tools', 'install-deps.sh')
BIN_DIRS = ('/bin/', '/sbin/', '/usr/bin/', '/usr/sbin/')


def _read(path):
    with open(path) as f:
        return f.read()


def listed_packages():
    """The PACKAGES=( ... ) array of tools/install-deps.sh."""
    text = _read(INSTALL_DEPS)
    body = re.search(r'^PACKAGES=\((.*?)^\)', text, re.M | re.S).group(1)
    names = []
    for line in body.splitlines():
        word = line.split('#', 1)[0].strip()
        if word:
            names.append(word)
    return names


def _installed():
    """{package: (dependency alternatives, essential)} and {virtual:
    providers} of the installed packages, from dpkg."""
    out = subprocess.run(
        ['dpkg-query', '-W', '-f',
         '${Package}\t${db:Status-Status}\t${Essential}\t'
         '${Pre-Depends}, ${Depends}\t${Provides}\n'],
        capture_output=True, text=True, check=True).stdout
    pkgs, provides = {}, {}
    for line in out.splitlines():
        name, status, essential, deps, prov = line.split('\t')
        if status != 'installed':
            continue
        alts = []
        for dep in deps.split(','):
            choice = [re.split(r'[\s(:]', a.strip(), maxsplit=1)[0]
                      for a in dep.split('|') if a.strip()]
            if choice:
                alts.append(choice)
        pkgs[name] = (alts, essential == 'yes')
        for p in prov.split(','):
            p = re.split(r'[\s(]', p.strip(), maxsplit=1)[0]
            if p:
                provides.setdefault(p, []).append(name)
    return pkgs, provides


def allowed_packages():
    """Essential + apt + the listed packages, closed over Depends (every
    installed alternative of an "a | b" counts: apt may have picked it)."""
    pkgs, provides = _installed()
    todo = [p for p, (_, ess) in pkgs.items() if ess]
    todo += ['apt'] + listed_packages()
    seen = set()
    while todo:
        name = todo.pop()
        for real in [name] + provides.get(name, []):
            if real in seen or real not in pkgs:
                continue
            seen.add(real)
            for choice in pkgs[real][0]:
                todo.extend(choice)
    return seen


def bin_dir(path):
    """Make path a directory of links to the programs of allowed_packages()
    and return it."""
    os.makedirs(path, exist_ok=True)
    files = subprocess.run(['dpkg', '-L', *sorted(allowed_packages())],
                           capture_output=True, text=True).stdout
    for f in files.splitlines():
        if not f.startswith(BIN_DIRS) or f.count('/') != f.startswith(
                '/usr/') + 2:
            continue
        link = os.path.join(path, os.path.basename(f))
        if os.path.lexists(link) or not os.access(f, os.X_OK) \
                or os.path.isdir(f):
            continue
        os.symlink(f, link)
    return path
