// SPDX-License-Identifier: GPL-2.0-only
// SPDX-FileCopyrightText: 2026 The ichip authors
/*
 * Certificate intake through the TLS worker: SetCA's input, the module's
 * AT+iCA? answer and the persisted copies are parsed there (ca.c, under
 * the worker's sandbox), and ichipd keeps the fields it sends back
 * (ca_deserialize, no X.509 parsing).  Same contracts as ca_parse,
 * ca_load and ca_from_module_answer; a dead worker is CA_ERR_NOMEM's
 * sibling: -EPIPE.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ca-remote.h"
#include "ca-wire.h"
#include "text.h"
#include "tls-client.h"

static int ask(uint32_t mode, const void *buf, size_t len,
	       const struct ca_options *opt, struct ca_cert **out,
	       char *why, size_t why_len)
{
	struct wk_ca_opts wo = { 0 };
	struct tls_req q;
	struct tls_ans a;
	const uint8_t *p;
	size_t n;
	int r;

	*out = NULL;
	if (opt) {
		wo.force = opt->force;
		wo.allow_self_signed_leaf = opt->allow_self_signed_leaf;
		wo.host_only = opt->host_only;
		wo.module_max = (uint32_t)opt->module_max;
		wo.now = opt->now;
	}
	tls_req_init(&q, WK_CA, NULL);
	q.h.flags = mode;
	tls_req_put(&q, buf, len);
	tls_req_put(&q, &wo, sizeof(wo));
	r = tls_call(&q, NULL, &a);
	if (r < 0) {
		if (why)
			snprintf(why, why_len,
				 "the certificate check failed: %s",
				 strerror(-r));
		return r;
	}
	if (tls_ans_get(&a, &p, &n) == 0 && why && why_len && n < 1024) {
		char *text = text_escape((const char *)p, n);

		snprintf(why, why_len, "%s", text ? text : "");
		free(text);
	}
	if (a.h.status != CA_OK)
		return a.h.status;
	if (tls_ans_get(&a, &p, &n) < 0)
		return CA_ERR_INVALID;
	return ca_deserialize(p, n, out);
}

int ca_remote_parse(const void *buf, size_t len,
		    const struct ca_options *opt, struct ca_cert **out,
		    char *why, size_t why_len)
{
	if (len > WK_DATA_MAX) {	/* CA_INPUT_MAX is WK_DATA_MAX */
		*out = NULL;
		snprintf(why, why_len, "more than %d bytes", CA_INPUT_MAX);
		return CA_ERR_INVALID;
	}
	return ask(WK_CA_PARSE, buf, len, opt, out, why, why_len);
}

int ca_remote_load(const void *buf, size_t len, struct ca_cert **out)
{
	return ask(WK_CA_LOAD, buf, len, NULL, out, NULL, 0);
}

struct ca_cert *ca_remote_from_module_answer(const char *text, size_t len)
{
	struct ca_cert *c = NULL;

	if (!text || !len || len > WK_DATA_MAX)
		return NULL;
	ask(WK_CA_MODULE, text, len, NULL, &c, NULL, 0);
	return c;
}
