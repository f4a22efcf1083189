// SPDX-License-Identifier: GPL-2.0-only
// SPDX-FileCopyrightText: 2026 The ichip authors
/*
 * In-house PKI for the module: CA, server certificates, CSRs and the
 * self-signed server case, with GnuTLS instead of shelling out to
 * openssl so that key handling (0600, never overwritten) is ours.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
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

#include "ca-store.h"
#include "ca.h"
#include "pki.h"

#define CN_MAX		64	/* ub-common-name, RFC 5280 */
#define DAYS_MAX	36500
#define SKEW		3600	/* default notBefore: an hour ago */

/* One pki_* call: resolved parameters, output paths, the reason slot. */
struct job {
	struct pki_params p;
	char key_path[PATH_MAX];
	char out_path[PATH_MAX];
	char *why;
	size_t why_len;
};

__attribute__((format(printf, 3, 4)))
static int fail(struct job *j, int err, const char *fmt, ...)
{
	va_list ap;

	if (j->why && j->why_len) {
		va_start(ap, fmt);
		vsnprintf(j->why, j->why_len, fmt, ap);
		va_end(ap);
	}
	return err;
}

static int tls_fail(struct job *j, const char *what, int ret)
{
	return fail(j, ret == GNUTLS_E_MEMORY_ERROR ? -ENOMEM : -EIO,
		    "%s: %s", what, gnutls_strerror(ret));
}

static int job_init(struct job *j, const struct pki_params *p,
		    unsigned int default_days, char *why, size_t why_len)
{
	memset(j, 0, sizeof(*j));
	j->why = why;
	j->why_len = why_len;
	if (why && why_len)
		why[0] = '\0';
	if (p)
		j->p = *p;
	if (!j->p.bits)
		j->p.bits = 2048;
	if (!j->p.days)
		j->p.days = default_days;
	if (!j->p.not_before)
		j->p.not_before = time(NULL) - SKEW;
	if (j->p.key_type == PKI_KEY_RSA &&
	    (j->p.bits < 1024 || j->p.bits > 16384))
		return fail(j, -EINVAL, "RSA key of %u bits; 1024..16384 possible",
			    j->p.bits);
	if (j->p.key_type != PKI_KEY_RSA && j->p.key_type != PKI_KEY_ECDSA_P256)
		return fail(j, -EINVAL, "unknown key type %d", j->p.key_type);
	if (j->p.days > DAYS_MAX)
		return fail(j, -EINVAL, "validity of %u days; at most %d",
			    j->p.days, DAYS_MAX);
	return 0;
}

/* <prefix>.key and <prefix>.<ext>; refuse existing ones unless forced. */
static int job_paths(struct job *j, const char *prefix, const char *ext)
{
	struct stat st;

	if (!prefix || !*prefix)
		return fail(j, -EINVAL, "empty output path");
	if ((size_t)snprintf(j->key_path, sizeof(j->key_path), "%s.key",
			     prefix) >= sizeof(j->key_path) ||
	    (size_t)snprintf(j->out_path, sizeof(j->out_path), "%s.%s",
			     prefix, ext) >= sizeof(j->out_path))
		return fail(j, -ENAMETOOLONG, "output path too long");
	if (j->p.force)
		return 0;
	/* Checked early so no key is generated in vain; link(2) in
	 * ca_file_write() still decides atomically. */
	if (!lstat(j->key_path, &st))
		return fail(j, -EEXIST, "%s exists; use force to replace it",
			    j->key_path);
	if (!lstat(j->out_path, &st))
		return fail(j, -EEXIST, "%s exists; use force to replace it",
			    j->out_path);
	return 0;
}

static bool dns_char(char ch, size_t label_len)
{
	if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	    (ch >= '0' && ch <= '9'))
		return true;
	return ch == '-' && label_len;	/* no label starts with '-' */
}

/* LDH labels of 1..63 characters, no label ending in '-'. */
static bool dns_name(const char *h)
{
	size_t label = 0, i;

	for (i = 0; h[i]; i++) {
		if (h[i] == '.') {
			if (!label || h[i - 1] == '-')
				return false;
			label = 0;
		} else if (!dns_char(h[i], label) || ++label > 63) {
			return false;
		}
	}
	return label && h[i - 1] != '-';
}

/* A host is an IP literal (raw bytes in @ip) or a DNS name (0 bytes). */
static int parse_host(const char *h, unsigned char ip[16], size_t *ip_len)
{
	size_t len = strlen(h);

	*ip_len = 0;
	if (inet_pton(AF_INET, h, ip) == 1) {
		*ip_len = 4;
		return 0;
	}
	if (inet_pton(AF_INET6, h, ip) == 1) {
		*ip_len = 16;
		return 0;
	}
	if (!len || len > 253)
		return -EINVAL;
	if (!strncmp(h, "*.", 2))
		h += 2;		/* a wildcard only as the whole first label */
	return dns_name(h) ? 0 : -EINVAL;
}

static int check_hosts(struct job *j, const char *const *hosts, size_t n)
{
	unsigned char ip[16];
	size_t i, len;

	if (!hosts || !n)
		return fail(j, -EINVAL, "no host name given");
	for (i = 0; i < n; i++)
		if (!hosts[i] || parse_host(hosts[i], ip, &len))
			return fail(j, -EINVAL, "not a host name or IP address: \"%s\"",
				    hosts[i] ? hosts[i] : "(null)");
	return 0;
}

static int gen_key(struct job *j, gnutls_x509_privkey_t *key)
{
	bool ec = j->p.key_type == PKI_KEY_ECDSA_P256;
	unsigned int bits = ec ?
		GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1) : j->p.bits;
	int ret;

	ret = gnutls_x509_privkey_init(key);
	if (ret < 0)
		return tls_fail(j, "key", ret);
	ret = gnutls_x509_privkey_generate(*key, ec ? GNUTLS_PK_ECDSA :
					   GNUTLS_PK_RSA, bits, 0);
	if (ret < 0) {
		gnutls_x509_privkey_deinit(*key);
		*key = NULL;
		return tls_fail(j, "key generation", ret);
	}
	return 0;
}

static int set_serial(gnutls_x509_crt_t crt)
{
	unsigned char serial[16];
	int ret = gnutls_rnd(GNUTLS_RND_NONCE, serial, sizeof(serial));

	if (ret < 0)
		return ret;
	/* positive, and no leading zero byte: minimal DER, 16 bytes */
	serial[0] = (serial[0] & 0x7f) | 0x40;
	return gnutls_x509_crt_set_serial(crt, serial, sizeof(serial));
}

static int set_ski(gnutls_x509_crt_t crt, gnutls_x509_privkey_t key)
{
	unsigned char id[64];
	size_t len = sizeof(id);
	int ret;

	ret = gnutls_x509_privkey_get_key_id(key, GNUTLS_KEYID_USE_SHA1,
					     id, &len);
	if (ret < 0)
		return ret;
	return gnutls_x509_crt_set_subject_key_id(crt, id, len);
}

static int set_cn_crt(gnutls_x509_crt_t crt, const char *cn)
{
	size_t len = strlen(cn);

	if (len > CN_MAX)	/* long DNS names live in the SAN only */
		return 0;
	return gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME,
					     0, cn, (unsigned int)len);
}

/* Fields every certificate we make shares: v3, serial, validity, SKI. */
static int crt_common(struct job *j, gnutls_x509_crt_t crt,
		      gnutls_x509_privkey_t key)
{
	time_t nb = j->p.not_before;
	int ret;

	if ((ret = gnutls_x509_crt_set_version(crt, 3)) < 0 ||
	    (ret = set_serial(crt)) < 0 ||
	    (ret = gnutls_x509_crt_set_activation_time(crt, nb)) < 0 ||
	    (ret = gnutls_x509_crt_set_expiration_time(crt,
			nb + (time_t)j->p.days * 86400)) < 0 ||
	    (ret = set_ski(crt, key)) < 0)
		return ret;
	return 0;
}

/*
 * A certificate for @key: named @cn (the CA), or carrying the subject
 * and extensions of the signed request @crq (a server), so a server
 * certificate says exactly what its CSR said.
 */
static int new_crt(struct job *j, gnutls_x509_privkey_t key, const char *cn,
		   gnutls_x509_crq_t crq, gnutls_x509_crt_t *crt)
{
	int ret;

	ret = gnutls_x509_crt_init(crt);
	if (ret < 0)
		return tls_fail(j, "certificate", ret);
	if (crq)
		ret = gnutls_x509_crt_set_crq(*crt, crq);
	else if ((ret = set_cn_crt(*crt, cn)) >= 0)
		ret = gnutls_x509_crt_set_key(*crt, key);
	if (ret >= 0 && crq)
		ret = gnutls_x509_crt_set_crq_extensions(*crt, crq);
	if (ret >= 0)
		ret = crt_common(j, *crt, key);
	if (ret < 0) {
		gnutls_x509_crt_deinit(*crt);
		*crt = NULL;
		return tls_fail(j, "certificate fields", ret);
	}
	return 0;
}

static unsigned int server_usage(gnutls_x509_privkey_t key)
{
	/* keyEncipherment only means something for RSA key transport */
	if (gnutls_x509_privkey_get_pk_algorithm(key) == GNUTLS_PK_RSA)
		return GNUTLS_KEY_DIGITAL_SIGNATURE | GNUTLS_KEY_KEY_ENCIPHERMENT;
	return GNUTLS_KEY_DIGITAL_SIGNATURE;
}

static int sign_crt(struct job *j, gnutls_x509_crt_t crt,
		    gnutls_x509_crt_t issuer, gnutls_x509_privkey_t issuer_key)
{
	gnutls_privkey_t pk;
	int ret;

	ret = gnutls_privkey_init(&pk);
	if (ret < 0)
		return tls_fail(j, "signing key", ret);
	ret = gnutls_privkey_import_x509(pk, issuer_key, 0);
	if (ret >= 0)
		ret = gnutls_x509_crt_privkey_sign(crt, issuer, pk,
						   GNUTLS_DIG_SHA256, 0);
	gnutls_privkey_deinit(pk);
	return ret < 0 ? tls_fail(j, "signing", ret) : 0;
}

/*
 * Key first (0600 from its creation), then the public file; if that
 * fails the new key goes too, so a retry starts clean.
 */
static int write_pair(struct job *j, gnutls_x509_privkey_t key,
		      const gnutls_datum_t *pub)
{
	gnutls_datum_t kp = { NULL, 0 };
	int ret;

	ret = gnutls_x509_privkey_export2_pkcs8(key, GNUTLS_X509_FMT_PEM, NULL,
						GNUTLS_PKCS_PLAIN, &kp);
	if (ret < 0)
		return tls_fail(j, "key export", ret);
	ret = ca_file_write(j->key_path, kp.data, kp.size, 0600, j->p.force);
	gnutls_memset(kp.data, 0, kp.size);
	gnutls_free(kp.data);
	if (ret)
		return fail(j, ret, "%s: %s%s", j->key_path, strerror(-ret),
			    ret == -EEXIST ? " (use force to replace it)" : "");
	ret = ca_file_write(j->out_path, pub->data, pub->size, 0644,
			    j->p.force);
	if (ret) {
		unlink(j->key_path);
		return fail(j, ret, "%s: %s", j->out_path, strerror(-ret));
	}
	return 0;
}

static int write_crt(struct job *j, gnutls_x509_privkey_t key,
		     gnutls_x509_crt_t crt)
{
	gnutls_datum_t pem = { NULL, 0 };
	int ret = gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &pem);

	if (ret < 0)
		return tls_fail(j, "certificate export", ret);
	ret = write_pair(j, key, &pem);
	gnutls_free(pem.data);
	return ret;
}

static int ca_exts(gnutls_x509_crt_t crt)
{
	int ret = gnutls_x509_crt_set_basic_constraints(crt, 1, -1);

	if (ret < 0)
		return ret;
	return gnutls_x509_crt_set_key_usage(crt, GNUTLS_KEY_KEY_CERT_SIGN |
					     GNUTLS_KEY_CRL_SIGN);
}

int pki_init_ca(const char *dir_or_prefix, const char *cn,
		const struct pki_params *p, char *why, size_t why_len)
{
	gnutls_x509_privkey_t key = NULL;
	gnutls_x509_crt_t crt = NULL;
	char prefix[PATH_MAX];
	struct stat st;
	struct job j;
	int ret;

	ret = job_init(&j, p, 3650, why, why_len);
	if (ret)
		return ret;
	if (!cn || !*cn || strlen(cn) > CN_MAX)
		return fail(&j, -EINVAL, "CA name must be 1..%d characters", CN_MAX);
	if (!dir_or_prefix)
		return fail(&j, -EINVAL, "no output path");
	if (!stat(dir_or_prefix, &st) && S_ISDIR(st.st_mode))
		snprintf(prefix, sizeof(prefix), "%s/ca", dir_or_prefix);
	else
		snprintf(prefix, sizeof(prefix), "%s", dir_or_prefix);
	ret = job_paths(&j, prefix, "pem");
	if (!ret)
		ret = gen_key(&j, &key);
	if (!ret)
		ret = new_crt(&j, key, cn, NULL, &crt);
	if (ret)
		goto out;
	ret = ca_exts(crt);
	if (ret < 0) {
		ret = tls_fail(&j, "CA extensions", ret);
		goto out;
	}
	ret = sign_crt(&j, crt, crt, key);
	if (!ret)
		ret = write_crt(&j, key, crt);
out:
	if (crt)
		gnutls_x509_crt_deinit(crt);
	if (key)
		gnutls_x509_privkey_deinit(key);
	return ret;
}

/* The issuing CA: its certificate and the key that matches it. */
struct issuer {
	gnutls_x509_crt_t crt;
	gnutls_x509_privkey_t key;
};

static void issuer_free(struct issuer *is)
{
	if (is->crt)
		gnutls_x509_crt_deinit(is->crt);
	if (is->key)
		gnutls_x509_privkey_deinit(is->key);
}

static int read_datum(struct job *j, const char *path, gnutls_datum_t *d,
		      char **buf)
{
	size_t len;
	int ret = ca_file_read(path, CA_INPUT_MAX, buf, &len);

	if (ret)
		return fail(j, ret, "%s: %s", path, strerror(-ret));
	d->data = (unsigned char *)*buf;
	d->size = (unsigned int)len;
	return 0;
}

static int same_key(gnutls_x509_crt_t crt, gnutls_x509_privkey_t key)
{
	unsigned char a[64], b[64];
	size_t al = sizeof(a), bl = sizeof(b);

	if (gnutls_x509_crt_get_key_id(crt, 0, a, &al) < 0 ||
	    gnutls_x509_privkey_get_key_id(key, 0, b, &bl) < 0)
		return 0;
	return al == bl && !memcmp(a, b, al);
}

static int load_issuer(struct job *j, const char *cert_path,
		       const char *key_path, struct issuer *is)
{
	gnutls_datum_t d;
	unsigned int crit;
	char *buf = NULL;
	int ret;

	memset(is, 0, sizeof(*is));
	ret = read_datum(j, cert_path, &d, &buf);
	if (ret)
		return ret;
	ret = gnutls_x509_crt_init(&is->crt);
	if (ret >= 0)
		ret = gnutls_x509_crt_import(is->crt, &d, GNUTLS_X509_FMT_PEM);
	free(buf);
	if (ret < 0)
		return fail(j, -EINVAL, "%s: %s", cert_path, gnutls_strerror(ret));
	if (gnutls_x509_crt_get_ca_status(is->crt, &crit) <= 0)
		return fail(j, -EINVAL, "%s is not a CA certificate", cert_path);
	ret = read_datum(j, key_path, &d, &buf);
	if (ret)
		return ret;
	ret = gnutls_x509_privkey_init(&is->key);
	if (ret >= 0)
		ret = gnutls_x509_privkey_import2(is->key, &d,
						  GNUTLS_X509_FMT_PEM, NULL, 0);
	gnutls_memset(buf, 0, d.size);
	free(buf);
	if (ret < 0)
		return fail(j, -EINVAL, "%s: %s", key_path, gnutls_strerror(ret));
	if (!same_key(is->crt, is->key))
		return fail(j, -EINVAL, "%s does not match %s", key_path,
			    cert_path);
	return 0;
}

/* authorityKeyIdentifier = the issuer's subjectKeyIdentifier (or key id). */
static int set_aki(gnutls_x509_crt_t crt, const struct issuer *is)
{
	unsigned char id[64];
	size_t len = sizeof(id);
	unsigned int crit;

	if (gnutls_x509_crt_get_subject_key_id(is->crt, id, &len, &crit) < 0) {
		len = sizeof(id);
		if (gnutls_x509_crt_get_key_id(is->crt, 0, id, &len) < 0)
			return GNUTLS_E_INTERNAL_ERROR;
	}
	return gnutls_x509_crt_set_authority_key_id(crt, id, len);
}

static int crq_fields(gnutls_x509_crq_t crq, gnutls_x509_privkey_t key,
		      const char *const *hosts, size_t n)
{
	unsigned char ip[16];
	size_t i, len;
	int ret;

	if ((ret = gnutls_x509_crq_set_version(crq, 1)) < 0 ||
	    (strlen(hosts[0]) <= CN_MAX &&
	     (ret = gnutls_x509_crq_set_dn_by_oid(crq,
			GNUTLS_OID_X520_COMMON_NAME, 0, hosts[0],
			(unsigned int)strlen(hosts[0]))) < 0) ||
	    (ret = gnutls_x509_crq_set_key(crq, key)) < 0 ||
	    (ret = gnutls_x509_crq_set_basic_constraints(crq, 0, -1)) < 0 ||
	    (ret = gnutls_x509_crq_set_key_usage(crq, server_usage(key))) < 0 ||
	    (ret = gnutls_x509_crq_set_key_purpose_oid(crq,
			GNUTLS_KP_TLS_WWW_SERVER, 0)) < 0)
		return ret;
	for (i = 0; i < n && ret >= 0; i++) {
		parse_host(hosts[i], ip, &len);
		ret = len ?
			gnutls_x509_crq_set_subject_alt_name(crq,
				GNUTLS_SAN_IPADDRESS, ip, (unsigned int)len,
				GNUTLS_FSAN_APPEND) :
			gnutls_x509_crq_set_subject_alt_name(crq,
				GNUTLS_SAN_DNSNAME, hosts[i],
				(unsigned int)strlen(hosts[i]),
				GNUTLS_FSAN_APPEND);
	}
	return ret;
}

static int sign_crq(gnutls_x509_crq_t crq, gnutls_x509_privkey_t key)
{
	gnutls_privkey_t pk;
	int ret = gnutls_privkey_init(&pk);

	if (ret < 0)
		return ret;
	ret = gnutls_privkey_import_x509(pk, key, 0);
	if (ret >= 0)
		ret = gnutls_x509_crq_privkey_sign(crq, pk, GNUTLS_DIG_SHA256, 0);
	gnutls_privkey_deinit(pk);
	return ret;
}

/* The signed server request for @key and @hosts (GnuTLS error codes). */
static int server_request(gnutls_x509_privkey_t key, const char *const *hosts,
			  size_t n, gnutls_x509_crq_t *crq)
{
	int ret = gnutls_x509_crq_init(crq);

	if (ret < 0)
		return ret;
	ret = crq_fields(*crq, key, hosts, n);
	if (ret >= 0)
		ret = sign_crq(*crq, key);
	if (ret < 0) {
		gnutls_x509_crq_deinit(*crq);
		*crq = NULL;
	}
	return ret;
}

/*
 * A server certificate for @hosts, signed by @is or by itself: the
 * request is built first (server_request(), as `pki csr` writes it) and
 * the certificate issued from it, so the server extensions exist once.
 */
static int make_server(struct job *j, const struct issuer *is,
		       const char *const *hosts, size_t n)
{
	gnutls_x509_privkey_t key = NULL;
	gnutls_x509_crq_t crq = NULL;
	gnutls_x509_crt_t crt = NULL;
	int ret;

	ret = gen_key(j, &key);
	if (ret)
		return ret;
	ret = server_request(key, hosts, n, &crq);
	if (ret < 0) {
		ret = tls_fail(j, "certificate request", ret);
		goto out;
	}
	ret = new_crt(j, key, NULL, crq, &crt);
	if (ret)
		goto out;
	if (is && (ret = set_aki(crt, is)) < 0) {
		ret = tls_fail(j, "authority key id", ret);
		goto out;
	}
	ret = is ? sign_crt(j, crt, is->crt, is->key) : sign_crt(j, crt, crt, key);
	if (!ret)
		ret = write_crt(j, key, crt);
out:
	if (crt)
		gnutls_x509_crt_deinit(crt);
	if (crq)
		gnutls_x509_crq_deinit(crq);
	gnutls_x509_privkey_deinit(key);
	return ret;
}

/* A server certificate or request job: 825 days, valid hosts, paths. */
static int server_job(struct job *j, const struct pki_params *p,
		      const char *const *hosts, size_t nhosts,
		      const char *out_prefix, const char *ext, char *why,
		      size_t why_len)
{
	int ret = job_init(j, p, 825, why, why_len);

	if (!ret)
		ret = check_hosts(j, hosts, nhosts);
	if (!ret)
		ret = job_paths(j, out_prefix, ext);
	return ret;
}

int pki_issue(const char *ca_cert_path, const char *ca_key_path,
	      const char *out_prefix, const char *const *hosts, size_t nhosts,
	      const struct pki_params *p, char *why, size_t why_len)
{
	struct issuer is;
	struct job j;
	int ret;

	ret = server_job(&j, p, hosts, nhosts, out_prefix, "pem", why,
			 why_len);
	if (ret)
		return ret;
	if (!ca_cert_path || !ca_key_path)
		return fail(&j, -EINVAL, "no CA certificate or key given");
	ret = load_issuer(&j, ca_cert_path, ca_key_path, &is);
	if (!ret)
		ret = make_server(&j, &is, hosts, nhosts);
	issuer_free(&is);
	return ret;
}

int pki_self_signed(const char *out_prefix, const char *const *hosts,
		    size_t nhosts, const struct pki_params *p,
		    char *why, size_t why_len)
{
	struct job j;
	int ret;

	ret = server_job(&j, p, hosts, nhosts, out_prefix, "pem", why,
			 why_len);
	if (!ret)
		ret = make_server(&j, NULL, hosts, nhosts);
	return ret;
}

int pki_csr(const char *out_prefix, const char *const *hosts, size_t nhosts,
	    const struct pki_params *p, char *why, size_t why_len)
{
	gnutls_x509_privkey_t key = NULL;
	gnutls_datum_t pem = { NULL, 0 };
	gnutls_x509_crq_t crq = NULL;
	struct job j;
	int ret;

	ret = server_job(&j, p, hosts, nhosts, out_prefix, "csr", why,
			 why_len);
	if (!ret)
		ret = gen_key(&j, &key);
	if (ret)
		return ret;
	ret = server_request(key, hosts, nhosts, &crq);
	if (ret >= 0)
		ret = gnutls_x509_crq_export2(crq, GNUTLS_X509_FMT_PEM, &pem);
	if (ret < 0)
		ret = tls_fail(&j, "certificate request", ret);
	else
		ret = write_pair(&j, key, &pem);
	gnutls_free(pem.data);
	if (crq)
		gnutls_x509_crq_deinit(crq);
	gnutls_x509_privkey_deinit(key);
	return ret;
}
