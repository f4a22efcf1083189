#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# SPDX-FileCopyrightText: 2026 The ichip authors
# resolve-ns.sh TEST-SIM ICHIP-SIM - run the simulator's name-resolution
# test against the /etc/hosts a Debian installer (and Docker) writes, where
# localhost is also ::1 and listed first.  The resolver reads that file
# through nss_wrapper (libnss-wrapper), so the test needs no root and no
# mount namespace and the host's own /etc/hosts does not matter; the test
# itself refuses to pass unless localhost really resolves to ::1 first.
# The IPv6-only name points into 100::/64, the discard-only prefix, so
# code that wrongly resolves it reaches nothing.
set -euo pipefail
test_sim=$1 sim=$2
# awk reads to the end: an early exit would kill ldconfig with SIGPIPE
# mid-output, which pipefail turns into a failed test
lib=$(/sbin/ldconfig -p | awk '/libnss_wrapper\.so / && !n++ {print $NF}')
[ -n "$lib" ] || lib=/usr/lib/$(gcc -print-multiarch 2>/dev/null)/libnss_wrapper.so
[ -r "$lib" ] || { echo "resolve-ns.sh: libnss_wrapper.so not found (make deps)" >&2; exit 1; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cat >"$dir/hosts" <<'HOSTS'
::1		localhost ip6-localhost ip6-loopback
127.0.0.1	localhost
100::1		ichip-v6only.test
HOSTS
LD_PRELOAD=$lib NSS_WRAPPER_HOSTS=$dir/hosts "$test_sim" "$sim" resolve
