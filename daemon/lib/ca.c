// SPDX-License-Identifier: GPL-2.0-only
// SPDX-FileCopyrightText: 2026 The ichip authors
/*
 * Certificate intake for the module's CA parameter: extract exactly one
 * certificate from what the caller gave, judge it as a trust anchor for
 * the module (or for ichipd alone), and normalise it.  Persisting is
 * ca-store.c, the fields as bytes for the TLS worker ca-wire.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "ca-cert.h"
#include "ca.h"
#include "ichip-dbus.h"

#define PEM_BEGIN	"-----BEGIN CERTIFICATE-----"
#define PEM_END		"-----END CERTIFICATE-----"
/* GnuTLS' value for "no well-defined expiration" (RFC 5280 4.1.2.5). */
#define CA_NO_EXPIRY	((time_t)253402300799)	/* 9999-12-31T23:59:59Z */

__attribute__((format(printf, 3, 4)))
static void say(char *why, size_t why_len, const char *fmt, ...)
{
	va_list ap;

	if (!why || !why_len)
		return;
	va_start(ap, fmt);
	vsnprintf(why, why_len, fmt, ap);
	va_end(ap);
}

/*
 * Length of the DER TLV at @p (tag, definite length, contents), or 0 when
 * it is not a SEQUENCE or runs past @len.  Certificates are far below
 * 2^32 bytes, so longer length fields are refused.
 */
static size_t der_seq_len(const uint8_t *p, size_t len)
{
	size_t hdr = 2, body = 0, n, i;

	if (len < 2 || p[0] != 0x30)
		return 0;
	if (p[1] < 0x80) {
		body = p[1];
	} else {
		n = p[1] & 0x7f;
		if (n == 0 || n > 4 || len < 2 + n)
			return 0;	/* indefinite or absurd */
		for (i = 0; i < n; i++)
			body = (body << 8) | p[2 + i];
		hdr += n;
	}
	if (body > len - hdr)
		return 0;
	return hdr + body;
}

static size_t count_blocks(const uint8_t *p, size_t len)
{
	static const char mark[] = "-----BEGIN";
	const uint8_t *end = p + len, *hit;
	size_t n = 0;

	while ((hit = memmem(p, (size_t)(end - p), mark, sizeof(mark) - 1))) {
		n++;
		p = hit + sizeof(mark) - 1;
	}
	return n;
}

/* The DER inside the one PEM certificate block of @p. */
static int pem_to_der(const uint8_t *p, size_t len, gnutls_datum_t *der,
		      char *why, size_t why_len)
{
	const uint8_t *b, *e;
	gnutls_datum_t blk;
	size_t blocks = count_blocks(p, len);

	if (blocks > 1) {
		say(why, why_len, "%zu PEM blocks; give exactly one certificate",
		    blocks);
		return CA_ERR_INVALID;
	}
	b = memmem(p, len, PEM_BEGIN, strlen(PEM_BEGIN));
	if (!b) {
		say(why, why_len, "PEM block is not a CERTIFICATE");
		return CA_ERR_INVALID;
	}
	e = memmem(b, len - (size_t)(b - p), PEM_END, strlen(PEM_END));
	if (!e) {
		say(why, why_len, "PEM certificate has no END line (truncated?)");
		return CA_ERR_INVALID;
	}
	blk.data = (unsigned char *)b;
	blk.size = (unsigned int)(e - b + strlen(PEM_END));
	if (gnutls_pem_base64_decode2("CERTIFICATE", &blk, der) < 0) {
		say(why, why_len, "PEM certificate has bad base64");
		return CA_ERR_INVALID;
	}
	return CA_OK;
}

/*
 * Exactly one certificate's DER from PEM or DER input.  The outer length
 * must cover the DER exactly: trailing bytes would be a second
 * certificate or garbage the caller did not mean to trust.
 */
static int extract_der(const uint8_t *p, size_t len, gnutls_datum_t *der,
		       char *why, size_t why_len)
{
	int ret;

	der->data = NULL;
	der->size = 0;
	if (count_blocks(p, len)) {
		ret = pem_to_der(p, len, der, why, why_len);
		if (ret)
			return ret;
	} else {
		der->data = gnutls_malloc(len ? len : 1);
		if (!der->data)
			return CA_ERR_NOMEM;
		memcpy(der->data, p, len);
		der->size = (unsigned int)len;
	}
	if (der_seq_len(der->data, der->size) != der->size) {
		say(why, why_len, count_blocks(p, len) ?
		    "PEM block does not hold one DER certificate" :
		    "neither PEM nor a single DER certificate");
		gnutls_free(der->data);
		der->data = NULL;
		return CA_ERR_INVALID;
	}
	return CA_OK;
}

/* The TBSCertificate: the first element of the outer SEQUENCE. */
static int der_tbs(const gnutls_datum_t *der, gnutls_datum_t *tbs)
{
	size_t hdr = der->data[1] < 0x80 ? 2 : 2 + (der->data[1] & 0x7f);
	size_t n = der_seq_len(der->data + hdr, der->size - hdr);

	if (!n)
		return -1;
	tbs->data = der->data + hdr;
	tbs->size = (unsigned int)n;
	return 0;
}

/*
 * Self-signed: issuer equals subject and the certificate's own key
 * verifies its signature.  Old digests are allowed: an anchor's self
 * signature protects nothing, it only tells a root from a leaf.
 */
static bool is_self_signed(gnutls_x509_crt_t crt, const gnutls_datum_t *der)
{
	const unsigned int flags = GNUTLS_VERIFY_ALLOW_BROKEN |
				   GNUTLS_VERIFY_ALLOW_SIGN_WITH_SHA1;
	gnutls_pubkey_t pub = NULL;
	gnutls_datum_t tbs, sig = { NULL, 0 };
	size_t sig_len = 0;
	bool ok = false;
	int algo;

	if (!gnutls_x509_crt_check_issuer(crt, crt) || der_tbs(der, &tbs))
		return false;
	algo = gnutls_x509_crt_get_signature_algorithm(crt);
	if (algo < 0 ||
	    gnutls_x509_crt_get_signature(crt, NULL, &sig_len) !=
	    GNUTLS_E_SHORT_MEMORY_BUFFER || sig_len > CA_INPUT_MAX)
		return false;
	sig.data = malloc(sig_len ? sig_len : 1);
	if (!sig.data || gnutls_pubkey_init(&pub) < 0)
		goto out;
	if (gnutls_x509_crt_get_signature(crt, (char *)sig.data, &sig_len) < 0 ||
	    gnutls_pubkey_import_x509(pub, crt, 0) < 0)
		goto out;
	sig.size = (unsigned int)sig_len;
	ok = gnutls_pubkey_verify_data2(pub, (gnutls_sign_algorithm_t)algo,
					flags, &tbs, &sig) >= 0;
out:
	if (pub)
		gnutls_pubkey_deinit(pub);
	free(sig.data);
	return ok;
}

static int set_text(struct ca_cert *c, gnutls_x509_crt_t crt,
		    const gnutls_datum_t *der)
{
	gnutls_datum_t dn = { NULL, 0 }, pem = { NULL, 0 };
	uint8_t hash[32];
	size_t i;

	if (gnutls_pem_base64_encode2("CERTIFICATE", der, &pem) < 0)
		return CA_ERR_NOMEM;
	c->pem = strndup((const char *)pem.data, pem.size);
	gnutls_free(pem.data);
	if (!c->pem)
		return CA_ERR_NOMEM;
	c->pem_len = strlen(c->pem);

	/* An empty subject is legal (RFC 5280 SAN-only); show it as "". */
	if (gnutls_x509_crt_get_dn3(crt, &dn, 0) >= 0) {
		c->subject = strndup((const char *)dn.data, dn.size);
		gnutls_free(dn.data);
	} else {
		c->subject = strdup("");
	}
	if (!c->subject)
		return CA_ERR_NOMEM;

	if (gnutls_hash_fast(GNUTLS_DIG_SHA256, der->data, der->size, hash) < 0)
		return CA_ERR_NOMEM;
	for (i = 0; i < sizeof(hash); i++)
		snprintf(c->fingerprint + 2 * i, 3, "%02x", hash[i]);
	return CA_OK;
}

/* Short names for messages; GnuTLS says "EC/ECDSA". */
static const char *pk_name(int pk)
{
	switch (pk) {
	case GNUTLS_PK_RSA:
		return "RSA";
	case GNUTLS_PK_RSA_PSS:
		return "RSA-PSS";
	case GNUTLS_PK_DSA:
		return "DSA";
	case GNUTLS_PK_ECDSA:
		return "ECDSA";
	default:
		return gnutls_pk_algorithm_get_name((gnutls_pk_algorithm_t)pk);
	}
}

static int set_key(struct ca_cert *c, gnutls_x509_crt_t crt,
		   char *why, size_t why_len)
{
	unsigned int bits = 0;
	int pk = gnutls_x509_crt_get_pk_algorithm(crt, &bits);

	/* A key GnuTLS cannot name could not verify anything, anywhere. */
	if (pk <= 0 || pk == GNUTLS_PK_UNKNOWN) {
		say(why, why_len, "unknown public key algorithm");
		return CA_ERR_INVALID;
	}
	c->pk = pk;
	c->bits = bits;
	snprintf(c->key_desc, sizeof(c->key_desc), "%s-%u", pk_name(pk), bits);
	return CA_OK;
}

static int set_times(struct ca_cert *c, gnutls_x509_crt_t crt,
		     char *why, size_t why_len)
{
	c->not_before = gnutls_x509_crt_get_activation_time(crt);
	c->not_after = gnutls_x509_crt_get_expiration_time(crt);
	if (c->not_before == (time_t)-1) {
		say(why, why_len, "unreadable notBefore time");
		return CA_ERR_INVALID;
	}
	/* -1 is also GnuTLS' answer for 99991231235959Z: never expires. */
	if (c->not_after == (time_t)-1)
		c->not_after = CA_NO_EXPIRY;
	return CA_OK;
}

/* Everything ca_cert holds, from a DER that was just imported as @crt. */
static int fill(struct ca_cert *c, gnutls_x509_crt_t crt,
		const gnutls_datum_t *der, char *why, size_t why_len)
{
	unsigned int critical = 0;
	int ret;

	c->der = malloc(der->size);
	if (!c->der)
		return CA_ERR_NOMEM;
	memcpy(c->der, der->data, der->size);
	c->der_len = der->size;
	ret = set_key(c, crt, why, why_len);
	if (!ret)
		ret = set_times(c, crt, why, why_len);
	if (!ret)
		ret = set_text(c, crt, der);
	if (ret)
		return ret;
	c->is_ca = gnutls_x509_crt_get_ca_status(crt, &critical) > 0;
	c->self_signed = is_self_signed(crt, der);
	return CA_OK;
}

/* Parse @buf into a new ca_cert: CA_ERR_INVALID / CA_ERR_NOMEM only. */
static int load(const void *buf, size_t len, struct ca_cert **out,
		char *why, size_t why_len)
{
	gnutls_datum_t der;
	gnutls_x509_crt_t crt;
	struct ca_cert *c;
	int ret;

	*out = NULL;
	if (!buf || !len) {
		say(why, why_len, "empty certificate");
		return CA_ERR_INVALID;
	}
	if (len > CA_INPUT_MAX) {
		say(why, why_len, "input of %zu bytes; one certificate is at most %d",
		    len, CA_INPUT_MAX);
		return CA_ERR_INVALID;
	}
	ret = extract_der(buf, len, &der, why, why_len);
	if (ret)
		return ret;
	if (gnutls_x509_crt_init(&crt) < 0) {
		gnutls_free(der.data);
		return CA_ERR_NOMEM;
	}
	ret = gnutls_x509_crt_import(crt, &der, GNUTLS_X509_FMT_DER);
	if (ret < 0) {
		say(why, why_len, "not an X.509 certificate: %s",
		    gnutls_strerror(ret));
		ret = CA_ERR_INVALID;
		goto out;
	}
	c = calloc(1, sizeof(*c));
	ret = c ? fill(c, crt, &der, why, why_len) : CA_ERR_NOMEM;
	if (ret)
		ca_free(c);
	else
		*out = c;
out:
	gnutls_x509_crt_deinit(crt);
	gnutls_free(der.data);
	return ret;
}

int ca_load(const void *buf, size_t len, struct ca_cert **out)
{
	int ret = load(buf, len, out, NULL, 0);

	if (!ret)
		(*out)->fits = (*out)->pk == GNUTLS_PK_RSA &&
			       (*out)->pem_len <= CA_MODULE_MAX_DEFAULT;
	return ret;
}

static const char *day(time_t t, char *buf, size_t cap)
{
	struct tm tm;

	if (!gmtime_r(&t, &tm) || !strftime(buf, cap, "%Y-%m-%d %H:%M:%SZ", &tm))
		snprintf(buf, cap, "@%lld", (long long)t);
	return buf;
}

static int check_anchor(const struct ca_cert *c, const struct ca_options *o,
			char *why, size_t why_len)
{
	if (c->is_ca)
		return CA_OK;
	if (!c->self_signed) {
		say(why, why_len, "not a CA (no basicConstraints CA:TRUE) and not self-signed: it cannot be a trust anchor");
		return CA_ERR_NOT_CA;
	}
	if (!o->allow_self_signed_leaf) {
		say(why, why_len, "self-signed certificate without CA:TRUE (use allow-self-signed-leaf)");
		return CA_ERR_NOT_CA;
	}
	return CA_OK;
}

static int check_time(const struct ca_cert *c, const struct ca_options *o,
		      char *why, size_t why_len)
{
	time_t now = o->now ? o->now : time(NULL);
	char t[40];

	if (o->force)
		return CA_OK;
	if (now < c->not_before) {
		say(why, why_len, "not valid before %s (use force)",
		    day(c->not_before, t, sizeof(t)));
		return CA_ERR_EXPIRED;
	}
	if (now > c->not_after) {
		say(why, why_len, "expired on %s (use force)",
		    day(c->not_after, t, sizeof(t)));
		return CA_ERR_EXPIRED;
	}
	return CA_OK;
}

/* Below 112-bit security (NIST SP 800-131A): RSA/DSA 2048, EC 224. */
static unsigned int min_bits(int pk)
{
	switch (pk) {
	case GNUTLS_PK_RSA:
	case GNUTLS_PK_RSA_PSS:
	case GNUTLS_PK_DSA:
		return 2048;
	default:
		return 224;
	}
}

static int check_key(const struct ca_cert *c, const struct ca_options *o,
		     char *why, size_t why_len)
{
	const char *name = pk_name(c->pk);

	if (!o->force && c->bits < min_bits(c->pk)) {
		say(why, why_len, "%s key of %u bits; %u needed (use force)",
		    name, c->bits, min_bits(c->pk));
		return CA_ERR_WEAK_KEY;
	}
	if (!o->host_only && c->pk != GNUTLS_PK_RSA) {
		say(why, why_len, "%s key; the module's SSL speaks RSA only (use host-only)",
		    name);
		return CA_ERR_UNSUPPORTED_KEY;
	}
	return CA_OK;
}

static int check_policy(struct ca_cert *c, const struct ca_options *o,
			char *why, size_t why_len)
{
	size_t max = o->module_max ? o->module_max : CA_MODULE_MAX_DEFAULT;
	int ret;

	ret = check_anchor(c, o, why, why_len);
	if (!ret)
		ret = check_time(c, o, why, why_len);
	if (!ret)
		ret = check_key(c, o, why, why_len);
	if (ret)
		return ret;
	c->fits = c->pk == GNUTLS_PK_RSA && c->pem_len <= max;
	if (!o->host_only && c->pem_len > max) {
		say(why, why_len,
		    "PEM of %zu characters; the module holds %zu (use host-only)",
		    c->pem_len, max);
		return CA_ERR_TOO_LARGE;
	}
	return CA_OK;
}

int ca_parse(const void *buf, size_t len, const struct ca_options *opt,
	     struct ca_cert **out, char *why, size_t why_len)
{
	static const struct ca_options strict;
	struct ca_cert *c;
	int ret;

	say(why, why_len, "%s", "");
	*out = NULL;
	ret = load(buf, len, &c, why, why_len);
	if (ret)
		return ret;
	ret = check_policy(c, opt ? opt : &strict, why, why_len);
	if (ret) {
		ca_free(c);
		return ret;
	}
	*out = c;
	return CA_OK;
}

void ca_free(struct ca_cert *c)
{
	if (!c)
		return;
	free(c->der);
	free(c->pem);
	free(c->subject);
	free(c);
}

const char *ca_pem(const struct ca_cert *c)
{
	return c->pem;
}

size_t ca_pem_len(const struct ca_cert *c)
{
	return c->pem_len;
}

const uint8_t *ca_der(const struct ca_cert *c, size_t *len)
{
	*len = c->der_len;
	return c->der;
}

const char *ca_fingerprint(const struct ca_cert *c)
{
	return c->fingerprint;
}

const char *ca_subject(const struct ca_cert *c)
{
	return c->subject;
}

time_t ca_not_before(const struct ca_cert *c)
{
	return c->not_before;
}

time_t ca_not_after(const struct ca_cert *c)
{
	return c->not_after;
}

const char *ca_key_desc(const struct ca_cert *c)
{
	return c->key_desc;
}

bool ca_fits_module(const struct ca_cert *c)
{
	return c->fits;
}

bool ca_same(const struct ca_cert *a, const struct ca_cert *b)
{
	return a && b && a->der_len == b->der_len &&
	       !memcmp(a->der, b->der, a->der_len);
}

size_t ca_module_text(const struct ca_cert *c, char *out, size_t cap)
{
	size_t n = c->pem_len - 1, i;	/* the PEM always ends with LF */

	if (cap <= n) {
		if (cap)
			out[0] = '\0';
		return n;
	}
	for (i = 0; i < n; i++)
		out[i] = c->pem[i] == '\n' ? '\r' : c->pem[i];
	out[n] = '\0';
	return n;
}

/* Next line of @p[*pos..len) ending at CR, LF or CRLF. */
static bool next_line(const char *p, size_t len, size_t *pos,
		      const char **line, size_t *line_len)
{
	size_t i = *pos;

	if (i >= len)
		return false;
	*line = p + i;
	while (i < len && p[i] != '\r' && p[i] != '\n')
		i++;
	*line_len = (size_t)(p + i - *line);
	if (i < len && p[i] == '\r')
		i++;
	if (i < len && p[i] == '\n')
		i++;
	*pos = i;
	return true;
}

static bool line_is(const char *l, size_t n, const char *s)
{
	return n == strlen(s) && !memcmp(l, s, n);
}

/*
 * Only whole BEGIN/END lines count, so a subject line that happens to
 * contain the markers (the CN is the certificate owner's choice) cannot
 * shift what we compare.
 */
struct ca_cert *ca_from_module_answer(const char *text, size_t len)
{
	struct ca_cert *c = NULL;
	size_t pos = 0, n, used = 0;
	const char *l;
	bool in = false;
	char *pem;

	if (!text || !len || len > CA_INPUT_MAX)
		return NULL;
	pem = malloc(len + 1);
	if (!pem)
		return NULL;
	while (next_line(text, len, &pos, &l, &n)) {
		if (!in && !line_is(l, n, PEM_BEGIN))
			continue;
		in = true;
		memcpy(pem + used, l, n);
		used += n;
		pem[used++] = '\n';
		if (line_is(l, n, PEM_END))
			break;
	}
	if (in)
		ca_load(pem, used, &c);
	free(pem);
	return c;
}

const char *ca_error_name(int err)
{
	switch (err) {
	case CA_ERR_INVALID:
		return ERR_INVALID_CERT;
	case CA_ERR_EXPIRED:
		return ERR_CERT_EXPIRED;
	case CA_ERR_WEAK_KEY:
		return ERR_WEAK_KEY;
	case CA_ERR_NOT_CA:
		return ERR_NOT_CA;
	case CA_ERR_TOO_LARGE:
		return ERR_CERT_TOO_LARGE;
	case CA_ERR_UNSUPPORTED_KEY:
		return ERR_UNSUPPORTED_KEY;
	default:
		return NULL;
	}
}
