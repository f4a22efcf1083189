// SPDX-License-Identifier: GPL-2.0-only
// SPDX-FileCopyrightText: 2026 The ichip authors
/*
 * A certificate's parsed fields as bytes and back.
 *
 * ichipd does not parse certificates: the TLS worker does (ca_parse,
 * ca_load, ca_from_module_answer) and sends the result as these bytes,
 * which ca_deserialize() checks and copies without any X.509 parsing.
 * Layout: "ICA1", then der, pem, subject, key_desc as u32 length + bytes,
 * the 64-character fingerprint, not_before and not_after (i64), pk (i32),
 * bits (u32) and the flags is_ca, self_signed, fits (one byte each).
 */
#include <stdlib.h>
#include <string.h>

#include "ca-cert.h"
#include "ca-wire.h"
#include "ca.h"

#define CA_FIELDS_MAGIC "ICA1"

static int put_blob(uint8_t **p, const void *data, size_t n)
{
	uint32_t len = (uint32_t)n;

	memcpy(*p, &len, 4);
	memcpy(*p + 4, data, n);
	*p += 4 + n;
	return 0;
}

int ca_serialize(const struct ca_cert *c, uint8_t **out, size_t *len)
{
	size_t sub = strlen(c->subject), key = strlen(c->key_desc);
	size_t n = 4 + 16 + c->der_len + c->pem_len + sub + key + 64 + 8 + 8 +
		   4 + 4 + 3;
	int64_t t;
	int32_t pk = c->pk;
	uint8_t *buf = malloc(n), *p = buf;

	if (!buf)
		return CA_ERR_NOMEM;
	memcpy(p, CA_FIELDS_MAGIC, 4);
	p += 4;
	put_blob(&p, c->der, c->der_len);
	put_blob(&p, c->pem, c->pem_len);
	put_blob(&p, c->subject, sub);
	put_blob(&p, c->key_desc, key);
	memcpy(p, c->fingerprint, 64);
	p += 64;
	t = c->not_before;
	memcpy(p, &t, 8);
	t = c->not_after;
	memcpy(p + 8, &t, 8);
	memcpy(p + 16, &pk, 4);
	memcpy(p + 20, &c->bits, 4);
	p[24] = c->is_ca;
	p[25] = c->self_signed;
	p[26] = c->fits;
	*out = buf;
	*len = n;
	return CA_OK;
}

static int get_blob(const uint8_t **p, const uint8_t *end, size_t max,
		    const uint8_t **data, size_t *n)
{
	uint32_t len;

	if (end - *p < 4)
		return -1;
	memcpy(&len, *p, 4);
	if (len > max || (size_t)(end - *p - 4) < len)
		return -1;
	*data = *p + 4;
	*n = len;
	*p += 4 + len;
	return 0;
}

static char *text_dup(const uint8_t *p, size_t n)
{
	char *s;

	if (memchr(p, '\0', n))
		return NULL;
	s = malloc(n + 1);
	if (s) {
		memcpy(s, p, n);
		s[n] = '\0';
	}
	return s;
}

int ca_deserialize(const void *buf, size_t len, struct ca_cert **out)
{
	const uint8_t *p = buf, *end = p + len, *der, *pem, *sub, *key;
	size_t der_n, pem_n, sub_n, key_n, i;
	struct ca_cert *c;
	int64_t t;
	int32_t pk;

	*out = NULL;
	if (len < 4 || memcmp(p, CA_FIELDS_MAGIC, 4))
		return CA_ERR_INVALID;
	p += 4;
	if (get_blob(&p, end, CA_INPUT_MAX, &der, &der_n) ||
	    get_blob(&p, end, 2 * CA_INPUT_MAX, &pem, &pem_n) ||
	    get_blob(&p, end, CA_INPUT_MAX, &sub, &sub_n) ||
	    get_blob(&p, end, 31, &key, &key_n) || end - p != 64 + 27 ||
	    !der_n || !pem_n)
		return CA_ERR_INVALID;
	for (i = 0; i < 64; i++)
		if (!strchr("0123456789abcdef", p[i]) || !p[i])
			return CA_ERR_INVALID;
	for (i = 64 + 24; i < 64 + 27; i++)	/* the flags: 0 or 1 */
		if (p[i] > 1)
			return CA_ERR_INVALID;
	c = calloc(1, sizeof(*c));
	if (!c)
		return CA_ERR_NOMEM;
	c->der = malloc(der_n);
	c->pem = text_dup(pem, pem_n);
	c->subject = text_dup(sub, sub_n);
	if (!c->der || !c->pem || !c->subject || memchr(key, '\0', key_n)) {
		ca_free(c);
		return CA_ERR_INVALID;
	}
	memcpy(c->der, der, der_n);
	c->der_len = der_n;
	c->pem_len = pem_n;
	memcpy(c->key_desc, key, key_n);
	memcpy(c->fingerprint, p, 64);
	p += 64;
	memcpy(&t, p, 8);
	c->not_before = (time_t)t;
	memcpy(&t, p + 8, 8);
	c->not_after = (time_t)t;
	memcpy(&pk, p + 16, 4);
	c->pk = pk;
	memcpy(&c->bits, p + 20, 4);
	c->is_ca = p[24];
	c->self_signed = p[25];
	c->fits = p[26];
	*out = c;
	return CA_OK;
}

struct ca_cert *ca_dup(const struct ca_cert *c)
{
	struct ca_cert *copy = NULL;
	uint8_t *buf;
	size_t len;

	if (!c || ca_serialize(c, &buf, &len) != CA_OK)
		return NULL;
	ca_deserialize(buf, len, &copy);
	free(buf);
	return copy;
}
