// SPDX-License-Identifier: GPL-2.0-only
// SPDX-FileCopyrightText: 2026 The ichip authors
/*
 * host-tls: TLS 1.2/1.3 over a plain module socket, verified against the
 * device's CA (and optionally the system store) and the host name.  The
 * TLS engine runs in the TLS worker (tls-worker.c), a process without
 * capabilities: here the session's ciphertext buffers are handed to it
 * and its answers taken back, as opaque bytes.  The module moves them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/gnutls.h>

#include "ca.h"
#include "errors.h"
#include "session.h"
#include "text.h"
#include "tls-client.h"
#include "tls-tickets.h"

static void crashed(struct session *s, char *why, size_t why_len)
{
	snprintf(why, why_len, "%s:%u: the TLS worker crashed", s->host,
		 s->port);
}

/* A text field of the worker's answer, fit for a D-Bus string. */
static char *field_dup(struct tls_ans *a)
{
	const uint8_t *p;
	size_t n;

	if (tls_ans_get(a, &p, &n) < 0 || n > 256)
		return NULL;
	return text_escape((const char *)p, n);
}

int session_tls_start(struct session *s, const struct ca_cert *anchor,
		      char *why, size_t why_len)
{
	struct tls_req q;
	struct tls_ans a;
	uint8_t *ticket;
	size_t ticket_len = 0;
	int r;

	s->tls_sid = tls_new_sid(&s->tls_gen);
	tls_req_init(&q, WK_NEW, s);
	q.h.flags = (s->system_trust ? WK_SYSTEM_TRUST : 0) |
		    (s->legacy_suites ? WK_LEGACY_SUITES : 0);
	tls_req_put(&q, s->host, strlen(s->host));
	tls_req_put(&q, anchor ? ca_pem(anchor) : "",
		    anchor ? ca_pem_len(anchor) : 0);
	/* a ticket of an earlier session with the same key: resume */
	ticket = NULL;
	if (ticket_key(s->tls_tkey, s->d->path, s->port, s->host, q.h.flags,
		       anchor ? ca_pem(anchor) : "",
		       anchor ? ca_pem_len(anchor) : 0) == 0)
		ticket = ticket_take(s->tls_tkey, &ticket_len);
	else
		s->tls_tkey[0] = '\0';
	if (ticket) {
		tls_req_put(&q, ticket, ticket_len);
		gnutls_memset(ticket, 0, ticket_len);
		free(ticket);
	}
	r = tls_call(&q, NULL, &a);
	if (r < 0) {
		s->tls_sid = 0;
		snprintf(why, why_len, "TLS setup: the TLS worker: %s",
			 strerror(-r));
		return -EIO;
	}
	s->tls_gen = tls_worker_gen();
	if (a.h.status < 0) {
		char *text = field_dup(&a);

		snprintf(why, why_len, "TLS setup: %s", text ? text : "failed");
		free(text);
		s->tls_sid = 0;
		return -EIO;
	}
	return 0;
}

/* The worker's ciphertext for the module, after a request. */
static int take_out(struct session *s, struct tls_ans *a)
{
	const uint8_t *p;
	size_t n;

	if (tls_ans_get(a, &p, &n) < 0)
		return -EPROTO;
	return buf_append(&s->net_out, p, n);
}


int session_tls_handshake(struct session *s, const char **err_name,
			  char *why, size_t why_len)
{
	const size_t in = s->net_in.len < WK_DATA_MAX ? s->net_in.len :
			  WK_DATA_MAX;
	struct tls_req q;
	struct tls_ans a;
	const uint8_t *p;
	size_t n;
	char *name, *text;

	/* a flight of handshake messages must fit the outgoing buffer */
	if (buf_room(&s->net_out, SESSION_NET_OUT_MAX) < 16384)
		return 0;
	tls_req_init(&q, WK_HANDSHAKE, s);
	q.h.flags = s->peer_eof && in == s->net_in.len;
	tls_req_put(&q, s->net_in.data, in);
	if (tls_call(&q, s, &a) < 0) {
		*err_name = ERR_HANDSHAKE_FAILED;
		crashed(s, why, why_len);
		return -EIO;
	}
	buf_consume(&s->net_in, a.h.aux <= in ? a.h.aux : in);
	if (take_out(s, &a) < 0) {
		*err_name = ERR_HANDSHAKE_FAILED;
		snprintf(why, why_len, "%s:%u: out of memory", s->host,
			 s->port);
		return -EIO;
	}
	if (a.h.status == 0)
		return 0;
	if (a.h.status == 1) {
		s->tls_version = field_dup(&a);
		s->cipher = field_dup(&a);
		if (tls_ans_get(&a, &p, &n) == 0 && n &&
		    (s->peer_der = malloc(n))) {
			memcpy(s->peer_der, p, n);
			s->peer_der_len = n;
		}
		return 1;
	}
	name = field_dup(&a);
	text = field_dup(&a);
	*err_name = name && !strcmp(name, "VerifyFailed") ? ERR_VERIFY_FAILED :
		    ERR_HANDSHAKE_FAILED;
	snprintf(why, why_len, "%s:%u%s%s", s->host, s->port,
		 text && !strcmp(text, "closed during the handshake") ?
		 " " : ": ", text ? text : "failed");
	free(name);
	free(text);
	return -EIO;
}

int session_tls_recv(struct session *s)
{
	const size_t in = s->net_in.len < WK_DATA_MAX ? s->net_in.len :
			  WK_DATA_MAX;
	size_t room = buf_room(&s->app_out, SESSION_APP_OUT_MAX);
	struct tls_req q;
	struct tls_ans a;
	const uint8_t *p;
	size_t n;

	if (room > WK_DATA_MAX)
		room = WK_DATA_MAX;
	tls_req_init(&q, WK_RECV, s);
	q.h.flags = s->peer_eof && in == s->net_in.len;
	q.h.aux = (uint32_t)room;
	tls_req_put(&q, s->net_in.data, in);
	if (tls_call(&q, s, &a) < 0)
		return -ESHUTDOWN;
	buf_consume(&s->net_in, a.h.aux <= in ? a.h.aux : in);
	if (tls_ans_get(&a, &p, &n) < 0 || n > room ||
	    buf_append(&s->app_out, p, n) < 0 || take_out(s, &a) < 0)
		return -EPROTO;
	return a.h.status;
}

int session_tls_send(struct session *s, const void *data, size_t len)
{
	struct tls_req q;
	struct tls_ans a;

	tls_req_init(&q, WK_SEND, s);
	tls_req_put(&q, data, len);
	if (tls_call(&q, s, &a) < 0)
		return -ESHUTDOWN;
	if (take_out(s, &a) < 0 || a.h.status < 0)
		return -EIO;
	return 0;
}

void session_tls_bye(struct session *s)
{
	struct tls_req q;
	struct tls_ans a;

	tls_req_init(&q, WK_BYE, s);
	if (tls_call(&q, s, &a) == 0)
		take_out(s, &a);
}

/* The session's TLS 1.3 ticket, if the server sent one, for the next. */
static void keep_ticket(struct session *s)
{
	struct tls_req q;
	struct tls_ans a;
	const uint8_t *p;
	size_t n;

	if (!s->tls_version || !s->tls_tkey[0])
		return;		/* no handshake done */
	tls_req_init(&q, WK_TICKET, s);
	if (tls_call(&q, s, &a) == 0 && a.h.status >= 0 &&
	    tls_ans_get(&a, &p, &n) == 0 && n)
		ticket_put(s->tls_tkey, p, n);
}

void session_tls_end(struct session *s)
{
	struct tls_req q;

	if (s->tls_sid && s->tls_gen == tls_worker_gen()) {
		keep_ticket(s);
		tls_req_init(&q, WK_FREE, s);
		tls_call(&q, s, NULL);
	}
	s->tls_sid = 0;
}

void session_tls_free(struct session *s)
{
	session_tls_end(s);
	free(s->cipher);
	free(s->tls_version);
	free(s->peer_der);
	s->cipher = NULL;
	s->tls_version = NULL;
	s->peer_der = NULL;
}
