// SPDX-License-Identifier: GPL-2.0-only
// SPDX-FileCopyrightText: 2026 The ichip authors
/*
 * libFuzzer target for SetCA's certificate intake (daemon/lib/ca.c).
 * Input: byte 0 picks the options, the rest is what a D-Bus caller
 * (ca_parse) or the module (ca_from_module_answer) hands us.  Besides the
 * sanitizers it asserts ca.c's promises: an accepted certificate
 * round-trips through its normalised PEM and module text unchanged.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ca.h"

static void check(int cond)
{
	if (!cond)
		abort();
}

/* What ichipd relies on for every certificate it holds. */
static void check_cert(const struct ca_cert *c, size_t module_max)
{
	struct ca_cert *again = NULL;
	size_t n = ca_pem_len(c), der_len;
	char *text = malloc(n + 1);

	check(strlen(ca_pem(c)) == n && ca_pem(c)[n - 1] == '\n');
	check(strlen(ca_fingerprint(c)) == 64);
	check(ca_der(c, &der_len) && der_len > 0);
	check(!ca_fits_module(c) || n <= module_max);
	check(ca_module_text(c, text, n + 1) == n - 1 && !strchr(text, '\n'));
	check(ca_load(ca_pem(c), n, &again) == CA_OK && ca_same(c, again));
	ca_free(again);
	again = ca_from_module_answer(text, n - 1);
	check(again && ca_same(c, again));
	ca_free(again);
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ca_options o = { .now = 1700000000 };
	struct ca_cert *c;
	char why[128];
	int ret;

	if (!size)
		return 0;
	o.force = data[0] & 1;
	o.allow_self_signed_leaf = data[0] & 2;
	o.host_only = data[0] & 4;
	o.module_max = data[0] & 8 ? 600 : 0;
	ret = ca_parse(data + 1, size - 1, &o, &c, why, sizeof(why));
	check((ret == CA_OK) == (c != NULL));
	check(ret == CA_OK || (why[0] && memchr(why, 0, sizeof(why))));
	if (c)
		check_cert(c, o.module_max ? o.module_max : CA_MODULE_MAX_DEFAULT);
	ca_free(c);
	c = ca_from_module_answer((const char *)data, size);
	if (c)
		check_cert(c, CA_MODULE_MAX_DEFAULT);
	ca_free(c);
	return 0;
}
