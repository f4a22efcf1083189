// SPDX-License-Identifier: GPL-2.0-only
// SPDX-FileCopyrightText: 2026 The ichip authors
/*
 * Command dispatch and the commands that are not about sockets: the bare
 * ping, parameters (=, ~, ?, =?), status reports (RPn), factory defaults,
 * software reset and the baud commands.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "sim.h"

int sim_parse_num(const char *str, unsigned long *out)
{
	unsigned long long v = 0;

	if (!isdigit((unsigned char)*str))
		return -1;
	for (; isdigit((unsigned char)*str); str++) {
		v = v * 10 + (unsigned long long)(*str - '0');
		/* the module takes numbers modulo 65535 */
		if (v > 0xffffffffULL)
			v %= 65535;
	}
	if (*str)
		return -1;
	if (v > 65535)
		v %= 65535;
	*out = (unsigned long)v;
	return 0;
}

/* Split comma-separated args into @scratch; returns the count or -1. */
int sim_split_args(const char *arg, char **v, int max, char *scratch,
		   size_t cap)
{
	int n = 0;
	char *p;

	if (strlen(arg) >= cap)
		return -1;
	strcpy(scratch, arg);
	p = scratch;
	for (;;) {
		if (n == max)
			return -1;
		v[n++] = p;
		p = strchr(p, ',');
		if (!p)
			return n;
		*p++ = 0;
	}
}

void sim_set_busy(struct sim *s, int hn)
{
	s->busy = true;
	s->busy_hn = hn;
}

void sim_clear_busy(struct sim *s)
{
	s->busy = false;
	s->busy_hn = -1;
}

/* Internet session over: '~' values revert to the permanent ones. */
void sim_session_end(struct sim *s)
{
	s->online = false;
	sim_params_end_session(&s->params);
}

static void reply_cert(struct sim *s, const char *pem)
{
	gnutls_datum_t d = { (unsigned char *)pem, (unsigned int)strlen(pem) };
	gnutls_x509_crt_t crt;
	char dn[512];
	size_t dn_len = sizeof(dn);
	const char *p = pem;

	if (gnutls_x509_crt_init(&crt) < 0)
		return;
	if (gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_PEM) >= 0) {
		time_t nb = gnutls_x509_crt_get_activation_time(crt);
		time_t na = gnutls_x509_crt_get_expiration_time(crt);
		char b1[32], b2[32];
		struct tm tm;

		if (gnutls_x509_crt_get_dn(crt, dn, &dn_len) < 0)
			strcpy(dn, "?");
		strftime(b1, sizeof(b1), "%Y-%m-%dT%H:%M:%SZ",
			 gmtime_r(&nb, &tm));
		strftime(b2, sizeof(b2), "%Y-%m-%dT%H:%M:%SZ",
			 gmtime_r(&na, &tm));
		sim_reply_line(s, "%s", dn);
		sim_reply_line(s, "%s - %s", b1, b2);
	}
	gnutls_x509_crt_deinit(crt);
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);

		sim_reply_raw_line(s, p, n);
		p += n + (nl ? 1 : 0);
	}
}

static void param_query(struct sim *s, struct sim_param *p)
{
	const char *v = sim_param_get(&s->params, p->def->name);
	unsigned int bits = 0;

	if (!*v) {
		sim_reply_raw_line(s, "", 0);
	} else if (p->def->kind == SIM_P_CERT) {
		reply_cert(s, v);
	} else if (p->def->kind == SIM_P_KEY) {
		/* never the key itself, as the module does */
		sim_pem_check(SIM_P_KEY, v, strlen(v), &bits);
		sim_reply_line(s, "%u", bits);
	} else {
		sim_reply_line(s, "%s", v);
	}
	sim_reply_ok(s);
}

static void cmd_param(struct sim *s, const struct sim_cmd *c,
		      struct sim_param *p)
{
	char value[SIM_LINE_MAX + 1];
	int err;

	switch (c->op) {
	case '?':
		param_query(s, p);
		return;
	case 'Q':
		sim_reply_line(s, "%s", p->def->allowed);
		sim_reply_ok(s);
		return;
	case '=':
	case '~':
		memcpy(value, c->arg, c->arg_len);
		value[c->arg_len] = 0;
		err = sim_param_set(&s->params, p, value, c->op == '~');
		if (err)
			sim_reply_err(s, err);
		else
			sim_reply_ok(s);
		return;
	}
	sim_reply_err(s, 49);
}

static void cmd_report(struct sim *s, const struct sim_cmd *c)
{
	int n = atoi(c->code + 2);
	char buf[64];
	time_t now;
	struct tm tm;

	switch (n) {
	case 0:
	case 1:
		sim_reply_line(s, "%s", s->o->firmware);
		break;
	case 2:
		sim_reply_line(s, "%s, %d socket(s)",
			       s->online ? "online" : "offline",
			       sim_sock_open_count(s));
		break;
	case 5:
		sim_reply_line(s, "%s", s->o->serial);
		break;
	case 8:
		now = time(NULL);
		strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ",
			 gmtime_r(&now, &tm));
		sim_reply_line(s, "%s", buf);
		break;
	default:
		sim_reply_err(s, 42);
		return;
	}
	sim_reply_ok(s);
}

static void cmd_factory(struct sim *s)
{
	sim_params_factory(&s->params);
	if (sim_params_save(&s->params)) {
		sim_reply_err(s, 100);
		return;
	}
	sim_reply_ok(s);
}

/* Software reset: every socket closed, session over. */
static void cmd_down(struct sim *s)
{
	sim_sockets_close_all(s);
	sim_session_end(s);
	sim_reply_ok(s);
	sim_reply_line(s, "I/ONLINE");
}

static bool is_report(const char *code)
{
	return !strncmp(code, "RP", 2) && isdigit((unsigned char)code[2]);
}

void sim_exec(struct sim *s, const struct sim_cmd *c)
{
	struct sim_param *p;

	if (!c->code[0]) {
		if (c->op || c->flag)
			sim_reply_err(s, 53);
		else
			sim_reply_ok(s);
		return;
	}
	if (sim_is_socket_cmd(c->code)) {
		sim_cmd_socket(s, c);
		return;
	}
	p = sim_param_find(&s->params, c->code);
	if (p) {
		cmd_param(s, c, p);
		return;
	}
	if (!strcmp(c->code, "FD") || !strcmp(c->code, "DOWN") ||
	    !strcmp(c->code, "BDRA") || is_report(c->code)) {
		if (c->op) {
			sim_reply_err(s, 43);
			return;
		}
		if (c->code[0] == 'F')
			cmd_factory(s);
		else if (c->code[0] == 'D')
			cmd_down(s);
		else if (c->code[0] == 'B')
			sim_reply_ok(s);
		else
			cmd_report(s, c);
		return;
	}
	sim_reply_err(s, 53);
}
