// SPDX-License-Identifier: GPL-2.0-only
// SPDX-FileCopyrightText: 2026 The ichip authors
/*
 * libFuzzer target for ca_deserialize() (daemon/lib/ca.c): the certificate
 * fields the TLS worker sends ichipd.  A compromised worker controls
 * these bytes, so ichipd checks every length without X.509 parsing.
 * Asserts: what it accepts has consistent accessors and serialises back
 * to the same bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ca-wire.h"
#include "ca.h"

static void check(int cond)
{
	if (!cond)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ca_cert *c = NULL, *copy;
	uint8_t *again;
	size_t len, der_len;

	if (ca_deserialize(data, size, &c) != CA_OK) {
		check(!c);
		return 0;
	}
	check(strlen(ca_pem(c)) == ca_pem_len(c));
	check(strlen(ca_fingerprint(c)) == 64);
	check(ca_der(c, &der_len) && der_len > 0);
	check(ca_serialize(c, &again, &len) == CA_OK);
	check(len == size && !memcmp(again, data, size));
	free(again);
	copy = ca_dup(c);
	check(copy && ca_same(copy, c));
	ca_free(copy);
	ca_free(c);
	return 0;
}
