// SPDX-License-Identifier: GPL-2.0-only
// SPDX-FileCopyrightText: 2026 The ichip authors
/*
 * ichipd's cache of TLS 1.3 session tickets (tls-tickets.h).  A resumed
 * handshake sends no certificate, so the line carries a fraction of a
 * full one's bytes (issue 16, bench target 8).  Single use: TLS 1.3
 * tickets should not be reused, and the resumed session brings new ones.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/crypto.h>

#include "tls-tickets.h"

struct ticket {
	char key[TICKET_KEY_MAX + 1];
	uint8_t *data;
	size_t len;
	uint64_t age;		/* when stored: the smallest goes first */
};

static struct ticket tickets[TICKETS_MAX];
static uint64_t clock_;

static void hash_part(gnutls_hash_hd_t h, const void *p, size_t n)
{
	uint64_t len = n;

	/* length-prefixed: no two keys run into each other */
	gnutls_hash(h, &len, sizeof(len));
	gnutls_hash(h, p, n);
}

int ticket_key(char *key, const char *dev, unsigned int port,
	       const char *host, uint32_t flags, const void *pem,
	       size_t pem_len)
{
	gnutls_hash_hd_t h;
	uint8_t d[32];
	int i;

	if (gnutls_hash_init(&h, GNUTLS_DIG_SHA256) < 0)
		return -1;
	hash_part(h, dev, strlen(dev));
	hash_part(h, &port, sizeof(port));
	hash_part(h, host, strlen(host));
	hash_part(h, &flags, sizeof(flags));
	hash_part(h, pem, pem_len);
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

void ticket_put(const char *key, const void *data, size_t len)
{
	struct ticket *t = find(key);
	int i;

	if (!len || len > TICKET_DATA_MAX)
		return;
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
	t->data = malloc(len);
	if (!t->data)
		return;
	memcpy(t->data, data, len);
	t->len = len;
	t->age = ++clock_;
	snprintf(t->key, sizeof(t->key), "%s", key);
}

uint8_t *ticket_take(const char *key, size_t *len)
{
	struct ticket *t = find(key);
	uint8_t *p;

	if (!t)
		return NULL;
	p = t->data;
	*len = t->len;
	t->data = NULL;		/* the caller has it now */
	drop(t);
	return p;
}

void tickets_clear(void)
{
	int i;

	for (i = 0; i < TICKETS_MAX; i++)
		drop(&tickets[i]);
}
