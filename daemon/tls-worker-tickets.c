// SPDX-License-Identifier: GPL-2.0-only
/*
 * The TLS worker's ticket cache (tls-worker-tickets.h).  A resumed
 * handshake sends no certificate, so the line carries a fraction of a
 * full one's bytes (issue 16, bench target 8).  Single use: TLS 1.3
 * tickets should not be reused, and the resumed session brings new ones.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/crypto.h>

#include "tls-worker-tickets.h"

struct ticket {
	char key[TICKET_KEY_MAX + 1];
	uint8_t *data;
	size_t len;
	uint64_t age;		/* when stored: the smallest goes first */
};

static struct ticket tickets[TICKETS_MAX];
static uint64_t clock_;

int ticket_key(char *key, const void *dev, size_t dev_len, const char *host,
	       uint32_t flags, const void *pem, size_t pem_len)
{
	gnutls_hash_hd_t h;
	uint8_t d[32];
	int i;

	if (gnutls_hash_init(&h, GNUTLS_DIG_SHA256) < 0)
		return -1;
	/* each part length-prefixed: no two keys run into each other */
	gnutls_hash(h, &dev_len, sizeof(dev_len));
	gnutls_hash(h, dev, dev_len);
	i = (int)strlen(host);
	gnutls_hash(h, &i, sizeof(i));
	gnutls_hash(h, host, (size_t)i);
	gnutls_hash(h, &flags, sizeof(flags));
	gnutls_hash(h, &pem_len, sizeof(pem_len));
	gnutls_hash(h, pem, pem_len);
	gnutls_hash_deinit(h, d);
	for (i = 0; i < 32; i++)
		snprintf(key + 2 * i, 3, "%02x", d[i]);
	return 0;
}

static struct ticket *find(const char *key)
{
	int i;

	for (i = 0; i < TICKETS_MAX; i++)
		if (tickets[i].data && !strcmp(tickets[i].key, key))
			return &tickets[i];
	return NULL;
}

static void drop(struct ticket *t)
{
	if (t->data)
		gnutls_memset(t->data, 0, t->len);	/* key material */
	free(t->data);
	memset(t, 0, sizeof(*t));
}

void ticket_put(const char *key, gnutls_session_t tls)
{
	gnutls_datum_t d = { NULL, 0 };
	struct ticket *t = find(key);
	int i;

	/* TLS 1.3, and a ticket came: else there is nothing to resume */
	if (gnutls_protocol_get_version(tls) != GNUTLS_TLS1_3 ||
	    !(gnutls_session_get_flags(tls) & GNUTLS_SFLAGS_SESSION_TICKET) ||
	    gnutls_session_get_data2(tls, &d) < 0)
		return;
	if (d.size > TICKET_DATA_MAX) {
		gnutls_free(d.data);
		return;
	}
	if (!t) {
		t = &tickets[0];
		for (i = 0; i < TICKETS_MAX; i++) {
			if (!tickets[i].data) {
				t = &tickets[i];
				break;
			}
			if (tickets[i].age < t->age)
				t = &tickets[i];
		}
	}
	drop(t);
	t->data = malloc(d.size);
	if (t->data) {
		memcpy(t->data, d.data, d.size);
		t->len = d.size;
		t->age = ++clock_;
		snprintf(t->key, sizeof(t->key), "%s", key);
	}
	gnutls_memset(d.data, 0, d.size);
	gnutls_free(d.data);
}

void ticket_take(const char *key, gnutls_session_t tls)
{
	struct ticket *t = find(key);

	if (!t)
		return;
	/* a failed set only means a full handshake */
	gnutls_session_set_data(tls, t->data, t->len);
	drop(t);
}
