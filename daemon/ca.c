// SPDX-License-Identifier: GPL-2.0-only
// SPDX-FileCopyrightText: 2026 The ichip authors
/*
 * Certificate intake for the module's CA parameter: extract exactly one
 * certificate from what the caller gave, judge it as a trust anchor for
 * the module (or for ichipd alone), normalise it, and persist it.
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

#include "ca.h"

#define PEM_BEGIN	"-----BEGIN CERTIFICATE-----"
#define PEM_END		"-----END CERTIFICATE-----"
/* GnuTLS' value for "no well-defined expiration" (RFC 5280 4.1.2.5). */
#define CA_NO_EXPIRY	((time_t)253402300799)	/* 9999-12-31T23:59:59Z */

struct ca_cert {
	uint8_t *der;
	size_t der_len;
	char *pem;
	size_t pem_len;
	char *subject;
	char fingerprint[65];
	char key_desc[32];
	time_t not_before;
	time_t not_after;
	int pk;			/* gnutls_pk_algorithm_t */
	unsigned int bits;
	bool is_ca;
	bool self_signed;
	bool fits;
};

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
		return "InvalidCertificate";
	case CA_ERR_EXPIRED:
		return "CertificateExpired";
	case CA_ERR_WEAK_KEY:
		return "WeakKey";
	case CA_ERR_NOT_CA:
		return "NotCA";
	case CA_ERR_TOO_LARGE:
		return "CertificateTooLarge";
	case CA_ERR_UNSUPPORTED_KEY:
		return "UnsupportedKeyType";
	default:
		return NULL;
	}
}

/* The directory part of @path, for fsync after rename/unlink. */
static int fsync_parent(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir;
	int fd, ret = 0;

	if (!slash)
		dir = strdup(".");
	else
		dir = strndup(path, slash == path ? 1 : (size_t)(slash - path));
	if (!dir)
		return -ENOMEM;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(dir);
	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

static int write_all(int fd, const void *data, size_t len)
{
	const char *p = data;
	ssize_t n;

	while (len) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Fill a fresh temp file; mkostemp() creates it 0600 (key-safe). */
static int write_temp(char *tmp, const void *data, size_t len, mode_t mode)
{
	int fd = mkostemp(tmp, O_CLOEXEC), ret;

	if (fd < 0)
		return -errno;
	ret = mode == 0600 ? 0 : (fchmod(fd, mode) < 0 ? -errno : 0);
	if (!ret)
		ret = write_all(fd, data, len);
	if (!ret && fsync(fd) < 0)
		ret = -errno;
	if (close(fd) < 0 && !ret)
		ret = -errno;
	if (ret)
		unlink(tmp);
	return ret;
}

int ca_file_write(const char *path, const void *data, size_t len,
		  mode_t mode, bool replace)
{
	char *tmp;
	int ret;

	if (asprintf(&tmp, "%s.tmp.XXXXXX", path) < 0)
		return -ENOMEM;
	ret = write_temp(tmp, data, len, mode);
	if (ret)
		goto out;
	/* link(2) refuses an existing target atomically; rename replaces. */
	if (replace)
		ret = rename(tmp, path) < 0 ? -errno : 0;
	else
		ret = link(tmp, path) < 0 ? -errno : 0;
	if (ret || !replace)
		unlink(tmp);
	if (!ret)
		ret = fsync_parent(path);
out:
	free(tmp);
	return ret;
}

static int read_fd(int fd, size_t max, char **data, size_t *len)
{
	struct stat st;
	size_t cap, used = 0;
	ssize_t n = 0;
	char *buf;
	int ret;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	if ((uintmax_t)st.st_size > max)
		return -EFBIG;
	cap = (size_t)st.st_size + 1;	/* + 1: notice a growing file */
	buf = malloc(cap + 1);
	if (!buf)
		return -ENOMEM;
	while (used < cap) {
		n = read(fd, buf + used, cap - used);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		used += (size_t)n;
	}
	if (n < 0 || used == cap) {
		ret = n < 0 ? -errno : -EAGAIN;	/* growing under us */
		free(buf);
		return ret;
	}
	buf[used] = '\0';
	*data = buf;
	*len = used;
	return 0;
}

int ca_file_read(const char *path, size_t max, char **data, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY), ret;

	if (fd < 0)
		return -errno;
	ret = read_fd(fd, max, data, len);
	close(fd);
	return ret;
}

int ca_store_write(const char *path, const struct ca_cert *c)
{
	return ca_file_write(path, c->pem, c->pem_len, 0600, true);
}

int ca_store_read(const char *path, const struct ca_options *opt,
		  struct ca_cert **out)
{
	size_t len;
	char *buf;
	int ret;

	*out = NULL;
	ret = ca_file_read(path, CA_INPUT_MAX, &buf, &len);
	if (ret)
		return ret;
	if (opt)
		ret = ca_parse(buf, len, opt, out, NULL, 0);
	else
		ret = ca_load(buf, len, out);
	free(buf);
	return ret;
}

int ca_store_remove(const char *path)
{
	if (unlink(path) < 0)
		return errno == ENOENT ? 0 : -errno;
	return fsync_parent(path);
}

/* ---- a certificate's fields as bytes ------------------------------------ */

/*
 * ichipd does not parse certificates: the TLS worker does (ca_parse,
 * ca_load, ca_from_module_answer) and sends the result as these bytes,
 * which ca_deserialize() checks and copies without any X.509 parsing.
 * Layout: "ICA1", then der, pem, subject, key_desc as u32 length + bytes,
 * the 64-character fingerprint, not_before and not_after (i64), pk (i32),
 * bits (u32) and the flags is_ca, self_signed, fits (one byte each).
 */
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
