// SPDX-License-Identifier: GPL-2.0-only
// SPDX-FileCopyrightText: 2026 The ichip authors
/*
 * ichipctl pki: the in-house CA and commercial-CSR workflow.  The work
 * is pki.c's (shared with the unit tests); this file maps the command
 * line onto it and says what was written.  No D-Bus: it runs offline.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ichipctl.h"
#include "pki.h"

#define DEFAULT_CA_CN "ichip in-house CA"

static struct pki_params params_of(const struct ctl *c)
{
	return (struct pki_params){
		.bits = c->bits,
		.days = c->days,
		.force = ctl_has(c, OPT_FORCE),
		.key_type = PKI_KEY_RSA,
	};
}

/* pki.c's reason already names the file and, for EEXIST, the force */
static int pki_fail(const char *verb, int err, const char *why)
{
	ctl_err("pki %s: %s", verb, *why ? why : strerror(-err));
	return EXIT_FAIL;
}

int cmd_pki_init_ca(struct ctl *c)
{
	struct pki_params p = params_of(c);
	const char *dir = c->args[0];
	char why[256] = "";
	int r;

	/* DIR is a directory by contract: make it, private (it holds keys) */
	if (mkdir(dir, 0700) && errno != EEXIST) {
		ctl_err("pki init-ca: %s: %s", dir, strerror(errno));
		return EXIT_FAIL;
	}
	r = pki_init_ca(dir, c->cn ? c->cn : DEFAULT_CA_CN, &p, why,
			sizeof(why));
	if (r)
		return pki_fail("init-ca", r, why);
	printf("%s/ca.pem: CA certificate\n%s/ca.key: CA private key "
	       "(keep it secret)\n", dir, dir);
	return EXIT_OK;
}

int cmd_pki_issue(struct ctl *c)
{
	struct pki_params p = params_of(c);
	const char *dir = c->args[0];
	char ca_pem[4096], ca_key[4096], out[4096];
	char why[256] = "";
	int r;

	snprintf(ca_pem, sizeof(ca_pem), "%s/ca.pem", dir);
	snprintf(ca_key, sizeof(ca_key), "%s/ca.key", dir);
	if (c->out)
		snprintf(out, sizeof(out), "%s", c->out);
	else
		snprintf(out, sizeof(out), "%s/server", dir);
	r = pki_issue(ca_pem, ca_key, out, (const char *const *)c->args + 1,
		      (size_t)c->nargs - 1, &p, why, sizeof(why));
	if (r)
		return pki_fail("issue", r, why);
	printf("%s.pem: server certificate signed by %s\n%s.key: its "
	       "private key\n", out, ca_pem, out);
	return EXIT_OK;
}

int cmd_pki_csr(struct ctl *c)
{
	struct pki_params p = params_of(c);
	const char *out = c->args[0];
	char why[256] = "";
	int r;

	r = pki_csr(out, (const char *const *)c->args + 1,
		    (size_t)c->nargs - 1, &p, why, sizeof(why));
	if (r)
		return pki_fail("csr", r, why);
	printf("%s.csr: certificate request for your CA\n%s.key: its "
	       "private key\n", out, out);
	return EXIT_OK;
}

int cmd_pki_self_signed(struct ctl *c)
{
	struct pki_params p = params_of(c);
	const char *out = c->args[0];
	char why[256] = "";
	int r;

	r = pki_self_signed(out, (const char *const *)c->args + 1,
			    (size_t)c->nargs - 1, &p, why, sizeof(why));
	if (r)
		return pki_fail("self-signed", r, why);
	printf("%s.pem: self-signed server certificate (trust it with "
	       "`ichipctl ca set %s.pem --allow-self-signed-leaf`)\n"
	       "%s.key: its private key\n", out, out, out);
	return EXIT_OK;
}
