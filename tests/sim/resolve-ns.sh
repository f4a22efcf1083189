#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# resolve-ns.sh TEST-SIM ICHIP-SIM - run the simulator's name-resolution
# test against the /etc/hosts a Debian installer (and Docker) writes, where
# localhost is ::1 first, in a private mount namespace so the host's file is
# untouched.  Exit 77 (skip, with the reason) where no mount namespace can
# be made (not root, no unshare): never a silent pass.  The IPv6-only name
# points into 100::/64, the discard-only prefix, so no old code can reach
# anything through it.
set -euo pipefail
test_sim=$1 sim=$2
if [ -z "${ICHIP_RESOLVE_NS:-}" ]; then
	if ! command -v unshare >/dev/null ||
	   ! unshare -m true 2>/dev/null; then
		echo "SKIP: cannot create a mount namespace (needs root)" >&2
		exit 77
	fi
	exec env ICHIP_RESOLVE_NS=1 unshare -m "$0" "$@"
fi
hosts=$(mktemp)
trap 'rm -f "$hosts"' EXIT
cat >"$hosts" <<'HOSTS'
::1		localhost ip6-localhost ip6-loopback
127.0.0.1	localhost
100::1		ichip-v6only.test
HOSTS
# A private mount namespace can still share propagation with the host:
# make it private before bind-mounting over /etc/hosts.
mount --make-rprivate /
mount --bind "$hosts" /etc/hosts
exec "$test_sim" "$sim" resolve
