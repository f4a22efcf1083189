#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# SPDX-FileCopyrightText: 2026 The ichip authors
# prepare.sh OUTDIR - certificates and config for the VM end-to-end test,
# made on the host (certtool) so the guest needs no key generation.
set -euo pipefail
out=$1
top=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$out"
cd "$out"
[ -s ca.sha256 ] && exit 0
printf 'cn = "ichip e2e CA"\nca\ncert_signing_key\nexpiration_days = 3650\n' > ca.tmpl
printf 'cn = "localhost"\ndns_name = "localhost"\nip_address = "127.0.0.1"\ntls_www_server\nencryption_key\nsigning_key\nexpiration_days = 3650\n' > server.tmpl
certtool --generate-privkey --key-type rsa --bits 2048 --outfile ca.key 2>/dev/null
certtool --generate-self-signed --load-privkey ca.key --template ca.tmpl --outfile ca.pem 2>/dev/null
certtool --generate-privkey --key-type rsa --bits 2048 --outfile server.key 2>/dev/null
certtool --generate-certificate --load-privkey server.key --load-ca-certificate ca.pem \
	--load-ca-privkey ca.key --template server.tmpl --outfile server.pem 2>/dev/null
certtool --certificate-info --infile ca.pem --outder 2>/dev/null | sha256sum | cut -d' ' -f1 > ca.sha256
cp "$top/dbus/test-bus.conf" test-bus.conf
