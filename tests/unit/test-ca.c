// SPDX-License-Identifier: GPL-2.0-only
// SPDX-FileCopyrightText: 2026 The ichip authors
/*
 * Unit tests for daemon/lib/ca.c: SetCA's certificate intake.  The
 * certificates are made fresh by pki.c in a temp directory, so none of
 * them expires in the tree; time-dependent cases pin ca_options.now.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "ca-store.h"
#include "ca.h"
#include "pki.h"
#include "tap.h"

#define DAY	86400
#define Y2100	((time_t)4102444800)

static char dir[] = "/tmp/test-ca.XXXXXX";

/* The certificates every case draws from. */
enum fx { CA, WEAK, BIG, EC, OLD, FUTURE, WEAK_OLD, SERVER, LEAF, LEAF_OLD,
	  SERVER_WEAK_OLD, NFX };

struct fixture {
	const char *name;
	char *pem;		/* the file pki.c wrote */
	size_t len;
	struct ca_cert *ref;	/* ca_load() of it */
};

static struct fixture fx[NFX] = {
	[CA] = { .name = "ca" }, [WEAK] = { .name = "weak" },
	[BIG] = { .name = "big" }, [EC] = { .name = "ec" },
	[OLD] = { .name = "old" }, [FUTURE] = { .name = "future" },
	[WEAK_OLD] = { .name = "weak-old" }, [SERVER] = { .name = "server" },
	[LEAF] = { .name = "leaf" }, [LEAF_OLD] = { .name = "leaf-old" },
	[SERVER_WEAK_OLD] = { .name = "server-weak-old" },
};

static char *path(const char *name, const char *ext)
{
	static char buf[4][512];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s%s", dir, name, ext);
	return buf[i];
}

static void make_fixtures(void)
{
	const time_t now = time(NULL);
	const char *srv[] = { "server.test", "192.0.2.1" }, *ftp[] = { "ftp.test" };
	struct pki_params weak = { .bits = 1024 }, big = { .bits = 3072 },
		ec = { .key_type = PKI_KEY_ECDSA_P256 },
		old = { .not_before = now - 400 * DAY, .days = 10 },
		future = { .not_before = now + 10 * DAY },
		weak_old = { .bits = 1024, .not_before = now - 400 * DAY, .days = 10 };
	char why[256];
	int i;

	tap_ok(!pki_init_ca(path("ca", ""), "Test CA", NULL, why, sizeof(why)),
	       "fixture ca %s", why);
	pki_init_ca(path("weak", ""), "Weak CA", &weak, why, sizeof(why));
	pki_init_ca(path("big", ""), "Big CA", &big, why, sizeof(why));
	pki_init_ca(path("ec", ""), "EC CA", &ec, why, sizeof(why));
	pki_init_ca(path("old", ""), "Old CA", &old, why, sizeof(why));
	pki_init_ca(path("future", ""), "Future CA", &future, why, sizeof(why));
	pki_init_ca(path("weak-old", ""), "Weak Old CA", &weak_old, why,
		    sizeof(why));
	pki_issue(path("ca", ".pem"), path("ca", ".key"), path("server", ""),
		  srv, 2, NULL, why, sizeof(why));
	pki_self_signed(path("leaf", ""), ftp, 1, NULL, why, sizeof(why));
	pki_self_signed(path("leaf-old", ""), ftp, 1, &old, why, sizeof(why));
	pki_issue(path("ca", ".pem"), path("ca", ".key"),
		  path("server-weak-old", ""), srv, 2, &weak_old, why,
		  sizeof(why));
	for (i = 0; i < NFX; i++) {
		int ret = ca_file_read(path(fx[i].name, ".pem"), 1 << 16,
				       &fx[i].pem, &fx[i].len);

		if (!tap_ok(!ret && !ca_load(fx[i].pem, fx[i].len, &fx[i].ref),
			    "fixture %s loads", fx[i].name)) {
			tap_done();
			exit(1);
		}
	}
}

enum form { PEM, DER, CRLF, TEXT };

/* @f's certificate in form @form, malloc'ed. */
static char *render(const struct fixture *f, enum form form, size_t *len)
{
	const char *pem = ca_pem(f->ref);
	size_t n = ca_pem_len(f->ref), i, o = 0;
	const uint8_t *der;
	char *out = malloc(2 * n + 64);

	switch (form) {
	case PEM:
		memcpy(out, f->pem, f->len);
		*len = f->len;
		break;
	case DER:
		der = ca_der(f->ref, len);
		memcpy(out, der, *len);
		break;
	case CRLF:	/* as Windows tools and mail clients leave it */
		o = (size_t)sprintf(out, "\r\n \t\r\n");
		for (i = 0; i < n; i++) {
			if (pem[i] == '\n')
				out[o++] = '\r';
			out[o++] = pem[i];
		}
		o += (size_t)sprintf(out + o, "\r\n  \r\n");
		*len = o;
		break;
	case TEXT:	/* RFC 7468 explanatory text around the block */
		*len = (size_t)sprintf(out, "subject=%s\n%s# end\n",
				       ca_subject(f->ref), pem);
		break;
	}
	return out;
}

struct tcase {
	enum fx cert;
	enum form form;
	struct ca_options opt;
	int expect;
	bool fits;
};

#define F	.force = true
#define LEAFOK	.allow_self_signed_leaf = true
#define HOST	.host_only = true

static const struct tcase cases[] = {
	{ CA, PEM, {}, CA_OK, true },
	{ CA, DER, {}, CA_OK, true },
	{ CA, CRLF, {}, CA_OK, true },
	{ CA, TEXT, {}, CA_OK, true },
	{ CA, PEM, { F, LEAFOK, HOST }, CA_OK, true },
	{ CA, PEM, { .now = Y2100 }, CA_ERR_EXPIRED, false },
	{ CA, PEM, { .now = 1 }, CA_ERR_EXPIRED, false },
	{ CA, DER, { .now = Y2100, F }, CA_OK, true },
	{ WEAK, PEM, {}, CA_ERR_WEAK_KEY, false },
	{ WEAK, DER, { HOST }, CA_ERR_WEAK_KEY, false },
	{ WEAK, PEM, { LEAFOK }, CA_ERR_WEAK_KEY, false },
	{ WEAK, PEM, { F }, CA_OK, true },
	{ BIG, PEM, {}, CA_ERR_TOO_LARGE, false },
	{ BIG, DER, { F }, CA_ERR_TOO_LARGE, false },
	{ BIG, PEM, { HOST }, CA_OK, false },
	{ BIG, PEM, { .module_max = 4096 }, CA_OK, true },
	{ EC, PEM, {}, CA_ERR_UNSUPPORTED_KEY, false },
	{ EC, PEM, { F }, CA_ERR_UNSUPPORTED_KEY, false },
	{ EC, PEM, { .module_max = 10 }, CA_ERR_UNSUPPORTED_KEY, false },
	{ EC, CRLF, { HOST }, CA_OK, false },
	{ EC, PEM, { HOST, .module_max = 10 }, CA_OK, false },
	{ OLD, PEM, {}, CA_ERR_EXPIRED, false },
	{ OLD, PEM, { HOST, LEAFOK }, CA_ERR_EXPIRED, false },
	{ OLD, DER, { F }, CA_OK, true },
	{ FUTURE, PEM, {}, CA_ERR_EXPIRED, false },
	{ FUTURE, PEM, { F }, CA_OK, true },
	{ WEAK_OLD, PEM, {}, CA_ERR_EXPIRED, false },	/* EXPIRED before WEAK_KEY */
	{ WEAK_OLD, PEM, { F }, CA_OK, true },
	{ SERVER, PEM, {}, CA_ERR_NOT_CA, false },
	{ SERVER, PEM, { LEAFOK }, CA_ERR_NOT_CA, false },	/* not self-signed */
	{ SERVER, DER, { F, LEAFOK, HOST }, CA_ERR_NOT_CA, false },
	{ SERVER_WEAK_OLD, PEM, {}, CA_ERR_NOT_CA, false },	/* NOT_CA first */
	{ LEAF, PEM, {}, CA_ERR_NOT_CA, false },
	{ LEAF, PEM, { F, HOST }, CA_ERR_NOT_CA, false },
	{ LEAF, PEM, { LEAFOK }, CA_OK, true },
	{ LEAF, DER, { LEAFOK }, CA_OK, true },
	{ LEAF_OLD, PEM, {}, CA_ERR_NOT_CA, false },	/* NOT_CA before EXPIRED */
	{ LEAF_OLD, PEM, { LEAFOK }, CA_ERR_EXPIRED, false },
	{ LEAF_OLD, PEM, { LEAFOK, F }, CA_OK, true },
};

static const char *const form_name[] = { "PEM", "DER", "CRLF", "TEXT" };

static void run_case(const struct tcase *t)
{
	const struct fixture *f = &fx[t->cert];
	struct ca_cert *c = (struct ca_cert *)&c;	/* must be reset */
	char why[256] = "x";
	size_t len;
	char *in = render(f, t->form, &len);
	int ret = ca_parse(in, len, &t->opt, &c, why, sizeof(why));

	tap_ok(ret == t->expect,
	       "%s %s force=%d leaf=%d host=%d max=%zu now=%lld: %s (%s)",
	       f->name, form_name[t->form], t->opt.force,
	       t->opt.allow_self_signed_leaf, t->opt.host_only,
	       t->opt.module_max, (long long)t->opt.now,
	       ret == t->expect ? "as expected" : ca_error_name(ret), why);
	if (ret == CA_OK) {
		tap_ok(c && ca_same(c, f->ref) && !why[0] &&
		       ca_fits_module(c) == t->fits,
		       "  same cert, fits=%d, no reason", t->fits);
	} else {
		tap_ok(!c && why[0] && !strchr(why, '\n'),
		       "  no cert, one-line reason");
	}
	ca_free(c);
	free(in);
}

static bool pem_is_normal(const char *pem, size_t len)
{
	const char *p = pem, *nl;
	size_t lines = 0, last = 64;

	if (len < 60 || pem[len - 1] != '\n' || strchr(pem, '\r') ||
	    strncmp(pem, "-----BEGIN CERTIFICATE-----\n", 28) ||
	    strcmp(pem + len - 26, "-----END CERTIFICATE-----\n"))
		return false;
	p += 28;
	while ((nl = strchr(p, '\n')) && strncmp(p, "-----END", 8)) {
		if (last != 64 || nl == p || nl - p > 64)
			return false;	/* only the last body line is short */
		last = (size_t)(nl - p);
		p = nl + 1;
		lines++;
	}
	return lines > 0 && p == pem + len - 26;
}

static void test_accessors(void)
{
	const struct ca_cert *c = fx[CA].ref;
	gnutls_datum_t d = { (unsigned char *)fx[CA].pem, (unsigned)fx[CA].len };
	gnutls_x509_crt_t crt;
	unsigned char fp[32];
	size_t fp_len = sizeof(fp), der_len, i;
	const uint8_t *der = ca_der(c, &der_len);
	char hex[65];

	gnutls_x509_crt_init(&crt);
	gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_PEM);
	gnutls_x509_crt_get_fingerprint(crt, GNUTLS_DIG_SHA256, fp, &fp_len);
	for (i = 0; i < sizeof(fp); i++)
		sprintf(hex + 2 * i, "%02x", fp[i]);
	tap_ok(!strcmp(ca_fingerprint(c), hex), "fingerprint %s", hex);
	tap_ok(!strcmp(ca_subject(c), "CN=Test CA"), "subject %s", ca_subject(c));
	tap_ok(ca_not_after(c) == gnutls_x509_crt_get_expiration_time(crt) &&
	       ca_not_after(c) - ca_not_before(c) == 3650 * DAY,
	       "validity 3650 days");
	tap_ok(!strcmp(ca_key_desc(c), "RSA-2048"), "key %s", ca_key_desc(c));
	tap_ok(!strcmp(ca_key_desc(fx[EC].ref), "ECDSA-256"), "key %s",
	       ca_key_desc(fx[EC].ref));
	tap_ok(der_len > 500 && der[0] == 0x30, "DER of %zu bytes", der_len);
	tap_ok(pem_is_normal(ca_pem(c), ca_pem_len(c)) &&
	       strlen(ca_pem(c)) == ca_pem_len(c),
	       "PEM normalised (64-char lines, LF, final LF)");
	tap_ok(pem_is_normal(ca_pem(fx[BIG].ref), ca_pem_len(fx[BIG].ref)),
	       "PEM of a 3072-bit CA normalised");
	tap_ok(!ca_same(c, NULL) && !ca_same(NULL, c) &&
	       !ca_same(c, fx[WEAK].ref) && ca_same(c, c), "ca_same");
	tap_ok(ca_pem_len(fx[BIG].ref) > 1300 && ca_pem_len(c) <= 1300,
	       "2048-bit CA fits 1300 chars (%zu), 3072-bit does not (%zu)",
	       ca_pem_len(c), ca_pem_len(fx[BIG].ref));
	gnutls_x509_crt_deinit(crt);
}

static int parse(const void *buf, size_t len, const struct ca_options *o,
		 char *why, size_t why_len)
{
	struct ca_cert *c;
	int ret = ca_parse(buf, len, o, &c, why, why_len);

	ca_free(c);
	return ret;
}

/* The module limit counts ca_pem_len(): exactly at it fits.  Time too. */
static void test_limits(void)
{
	size_t n = ca_pem_len(fx[CA].ref);
	struct ca_options at = { .module_max = n }, below = { .module_max = n - 1 };
	struct ca_options later = { .now = 0 };
	struct ca_cert *c;

	tap_ok(ca_parse(fx[CA].pem, fx[CA].len, &at, &c, NULL, 0) == CA_OK &&
	       ca_fits_module(c), "PEM of %zu chars, module_max %zu: fits",
	       n, n);
	ca_free(c);
	later.now = time(NULL) + 11 * DAY;
	tap_ok(parse(fx[FUTURE].pem, fx[FUTURE].len, &later, NULL, 0) == CA_OK,
	       "not-yet-valid CA is fine once its time comes");
	tap_ok(parse(fx[FUTURE].pem, fx[FUTURE].len, NULL, NULL, 0) ==
	       CA_ERR_EXPIRED, "NULL options: strict");
	tap_ok(parse(fx[OLD].pem, fx[OLD].len, &later, NULL, 0) == CA_ERR_EXPIRED,
	       "expired CA stays expired");
	tap_ok(parse(fx[CA].pem, fx[CA].len, &below, NULL, 0) == CA_ERR_TOO_LARGE,
	       "module_max %zu: too large", n - 1);
	below.host_only = true;
	tap_ok(ca_parse(fx[CA].pem, fx[CA].len, &below, &c, NULL, 0) == CA_OK &&
	       !ca_fits_module(c), "module_max %zu, host-only: kept, not fit",
	       n - 1);
	ca_free(c);
}

static char *concat(const void *a, size_t al, const void *b, size_t bl)
{
	char *out = malloc(al + bl + 1);

	memcpy(out, a, al);
	memcpy(out + al, b, bl);
	out[al + bl] = '\0';
	return out;
}

static void expect_invalid(const char *what, const void *buf, size_t len)
{
	char why[256] = "";
	int ret = parse(buf, len, NULL, why, sizeof(why));

	tap_ok(ret == CA_ERR_INVALID && why[0], "%s: InvalidCertificate (%s)",
	       what, why);
}

static void test_invalid_pem(void)
{
	const struct fixture *a = &fx[CA], *b = &fx[WEAK];
	char *key, *buf;
	size_t key_len, n;

	buf = concat(a->pem, a->len, b->pem, b->len);
	expect_invalid("two PEM certificates", buf, a->len + b->len);
	free(buf);
	ca_file_read(path("ca", ".key"), 1 << 16, &key, &key_len);
	buf = concat(a->pem, a->len, key, key_len);
	expect_invalid("certificate + private key", buf, a->len + key_len);
	free(buf);
	expect_invalid("private key alone", key, key_len);
	free(key);
	expect_invalid("PEM cut before END", a->pem, a->len / 2);
	buf = strdup(a->pem);
	n = strstr(buf, "-----END") - buf;
	memmove(buf + n / 2, buf + n, a->len - n + 1);
	expect_invalid("PEM body cut in half", buf, strlen(buf));
	free(buf);
	buf = strdup(a->pem);
	buf[100] = '!';
	expect_invalid("PEM with a bad base64 character", buf, a->len);
	buf[100] = 'A';
	buf[200] ^= 1;	/* still base64, but a broken certificate */
	expect_invalid("PEM with a flipped bit", buf, a->len);
	free(buf);
	buf = strdup("-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n");
	expect_invalid("empty PEM block", buf, strlen(buf));
	free(buf);
}

static void test_invalid_der(void)
{
	size_t n, m;
	const uint8_t *a = ca_der(fx[CA].ref, &n), *b = ca_der(fx[WEAK].ref, &m);
	char *buf = concat(a, n, b, m);
	static const uint8_t tiny[][6] = {
		{ 0x30 }, { 0x30, 0x80, 0, 0 }, { 0x30, 0x85, 1, 1, 1, 1 },
		{ 0x30, 0x84, 0xff, 0xff, 0xff, 0xff }, { 0x30, 0x00 },
	};
	size_t i;

	expect_invalid("two DER certificates", buf, n + m);
	expect_invalid("DER + one trailing byte", buf, n + 1);
	expect_invalid("DER cut short", buf, n - 1);
	free(buf);
	for (i = 0; i < sizeof(tiny) / sizeof(tiny[0]); i++)
		expect_invalid("tiny or absurd DER header", tiny[i],
			       i == 0 ? 1 : i == 4 ? 2 : 6);
}

static void test_invalid_junk(void)
{
	const size_t big = 10u << 20;
	char *buf = malloc(big), line[80];
	size_t i;

	srand(1);
	for (i = 0; i < 4096; i++)
		buf[i] = (char)rand();
	expect_invalid("4 KiB of random bytes", buf, 4096);
	expect_invalid("empty input", "", 0);
	expect_invalid("NULL input", NULL, 0);
	expect_invalid("text", "hello world\n", 12);
	/* 10 MB: a valid certificate at the front does not make it one */
	memset(buf, '\n', big);
	memcpy(buf, fx[CA].pem, fx[CA].len);
	expect_invalid("10 MB input", buf, big);
	expect_invalid("64 KiB + 1 input", buf, CA_INPUT_MAX + 1);
	tap_ok(parse(buf, CA_INPUT_MAX, NULL, line, sizeof(line)) == CA_OK,
	       "a certificate in exactly 64 KiB (whitespace padded) parses");
	free(buf);
	tap_ok(parse(fx[CA].pem, fx[CA].len, NULL, NULL, 0) == CA_OK &&
	       parse("x", 1, NULL, NULL, 0) == CA_ERR_INVALID &&
	       parse("x", 1, NULL, line, 1) == CA_ERR_INVALID && !line[0],
	       "why may be NULL or tiny");
	parse(fx[WEAK].pem, fx[WEAK].len, NULL, line, sizeof(line));
	tap_ok(!strcmp(line, "RSA key of 1024 bits; 2048 needed (use force)"),
	       "weak key reason: %s", line);
}

static void test_module_text(void)
{
	const struct ca_cert *c = fx[CA].ref;
	size_t n = ca_pem_len(c) - 1, i;
	long lines = 0;
	char *out = malloc(n + 1);

	tap_ok(ca_module_text(c, NULL, 0) == n, "module text needs %zu", n);
	out[0] = 'x';
	tap_ok(ca_module_text(c, out, n) == n && !out[0],
	       "one byte short: nothing written");
	tap_ok(ca_module_text(c, out, n + 1) == n && strlen(out) == n &&
	       !strchr(out, '\n') && out[n - 1] == '-',
	       "module text: no LF, no final CR");
	for (i = 0; i < n; i++)
		lines += (out[i] == '\r') - (ca_pem(c)[i] == '\n');
	tap_ok(lines == 0, "CR exactly where the PEM has LF");
	free(out);
}

/* What the simulator prints for AT+iCA? (tests/sim/commands.c). */
static char *sim_answer(const struct fixture *f, const char *eol)
{
	gnutls_datum_t d = { (unsigned char *)f->pem, (unsigned)f->len };
	gnutls_x509_crt_t crt;
	char dn[512], b1[32], b2[32], *out = malloc(8192), *o = out;
	const char *p = ca_pem(f->ref);
	size_t dn_len = sizeof(dn);
	time_t nb, na;
	struct tm tm;

	gnutls_x509_crt_init(&crt);
	gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_PEM);
	gnutls_x509_crt_get_dn(crt, dn, &dn_len);
	nb = gnutls_x509_crt_get_activation_time(crt);
	na = gnutls_x509_crt_get_expiration_time(crt);
	strftime(b1, sizeof(b1), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&nb, &tm));
	strftime(b2, sizeof(b2), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&na, &tm));
	gnutls_x509_crt_deinit(crt);
	o += sprintf(o, "%s%s%s - %s%s", dn, eol, b1, b2, eol);
	for (; *p; p++) {
		if (*p == '\n')
			o += sprintf(o, "%s", p[1] ? eol : "");
		else
			*o++ = *p;
	}
	*o = '\0';
	return out;
}

static void expect_answer(const char *what, const char *text, size_t len,
			  const struct ca_cert *want)
{
	struct ca_cert *c = ca_from_module_answer(text, len);

	tap_ok(want ? ca_same(c, want) : !c, "module answer, %s: %s", what,
	       want ? "the certificate" : "none");
	ca_free(c);
}

static void test_module_answer(void)
{
	const struct ca_cert *ca = fx[CA].ref;
	char *t, *u, *big;
	size_t n;

	t = sim_answer(&fx[CA], "\n");
	expect_answer("simulator format, LF", t, strlen(t), ca);
	n = strlen(t);
	expect_answer("cut before END", t, n - 10, NULL);
	u = concat(t, n, "\nI/OK\n", 6);
	expect_answer("with the I/OK line", u, strlen(u), ca);
	free(u);
	u = concat("-----BEGIN CERTIFICATE----- CN=x\n", 33, t, n);
	expect_answer("marker text in the subject line", u, strlen(u), ca);
	free(u);
	free(t);
	t = sim_answer(&fx[CA], "\r\n");
	expect_answer("CRLF", t, strlen(t), ca);
	free(t);
	t = sim_answer(&fx[LEAF], "\r");
	expect_answer("CR, self-signed leaf", t, strlen(t), fx[LEAF].ref);
	free(t);
	t = sim_answer(&fx[OLD], "\n");
	expect_answer("expired CA (no policy on read-back)", t, strlen(t),
		      fx[OLD].ref);
	free(t);
	expect_answer("empty", "", 0, NULL);
	expect_answer("NULL", NULL, 0, NULL);
	expect_answer("lone CRLF (the module's empty answer)", "\r\n", 2, NULL);
	expect_answer("garbage", "I/ERROR (116)\n", 14, NULL);
	big = calloc(1, 10u << 20);
	memset(big, 'A', (10u << 20) - 1);
	expect_answer("10 MB", big, (10u << 20) - 1, NULL);
	free(big);
}

static bool temp_left(void)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	bool found = false;

	while (d && (de = readdir(d)))
		found |= strstr(de->d_name, ".tmp.") != NULL;
	if (d)
		closedir(d);
	return found;
}

/* a stored copy judged again, as in 2100: the parser is the caller's */
static int load_in_2100(const void *buf, size_t len, struct ca_cert **out)
{
	struct ca_options later = { .now = Y2100 };

	return ca_parse(buf, len, &later, out, NULL, 0);
}

static void test_store(void)
{
	const char *p = path("dev-sim0.ca", ".pem");
	struct ca_cert *c = NULL;
	struct stat st;
	char *text;
	size_t len;

	umask(0);	/* 0600 must not depend on the caller's umask */
	tap_ok(ca_store_write(p, fx[CA].ref) == 0, "store write");
	tap_ok(!stat(p, &st) && (st.st_mode & 07777) == 0600, "store mode %o",
	       st.st_mode & 07777);
	tap_ok(!ca_file_read(p, 1 << 16, &text, &len) &&
	       len == ca_pem_len(fx[CA].ref) && !strcmp(text, ca_pem(fx[CA].ref)),
	       "store holds the normalised PEM");
	free(text);
	tap_ok(ca_store_write(p, fx[LEAF].ref) == 0 &&
	       ca_store_read(p, ca_load, &c) == 0 && ca_same(c, fx[LEAF].ref),
	       "store replace + read back (no policy)");
	ca_free(c);
	tap_ok(ca_store_read(p, load_in_2100, &c) == CA_ERR_NOT_CA && !c,
	       "store read with a policy parser: NotCA");
	ca_store_write(p, fx[CA].ref);
	tap_ok(ca_store_read(p, load_in_2100, &c) == CA_ERR_EXPIRED && !c,
	       "store read with policy in 2100: CertificateExpired");
	tap_ok(!temp_left(), "no temp files left");
	tap_ok(ca_store_remove(p) == 0 && stat(p, &st) && errno == ENOENT,
	       "store remove");
	tap_ok(ca_store_remove(p) == 0, "remove again: fine");
	tap_ok(ca_store_read(p, ca_load, &c) == -ENOENT && !c, "read missing: -ENOENT");
	tap_ok(ca_store_write("/nonexistent/dir/x.pem", fx[CA].ref) == -ENOENT,
	       "write into a missing dir: -ENOENT");
	tap_ok(ca_store_read(dir, ca_load, &c) == -EINVAL, "read a directory: -EINVAL");
	text = calloc(1, CA_INPUT_MAX + 1);
	ca_file_write(p, text, CA_INPUT_MAX + 1, 0600, true);
	tap_ok(ca_store_read(p, ca_load, &c) == -EFBIG, "read > 64 KiB: -EFBIG");
	ca_file_write(p, "junk\n", 5, 0600, true);
	tap_ok(ca_store_read(p, ca_load, &c) == CA_ERR_INVALID,
	       "read junk: InvalidCertificate");
	tap_ok(ca_file_write(p, "x", 1, 0600, false) == -EEXIST,
	       "no-replace write refuses an existing file");
	ca_store_remove(p);
	free(text);
	umask(022);
}

static void test_error_names(void)
{
	static const char *const want[] = {
		[CA_ERR_INVALID] = "org.ichip.Error.InvalidCertificate",
		[CA_ERR_EXPIRED] = "org.ichip.Error.CertificateExpired",
		[CA_ERR_WEAK_KEY] = "org.ichip.Error.WeakKey",
		[CA_ERR_NOT_CA] = "org.ichip.Error.NotCA",
		[CA_ERR_TOO_LARGE] = "org.ichip.Error.CertificateTooLarge",
		[CA_ERR_UNSUPPORTED_KEY] = "org.ichip.Error.UnsupportedKeyType",
	};
	int e;

	for (e = CA_ERR_INVALID; e <= CA_ERR_UNSUPPORTED_KEY; e++)
		tap_ok(!strcmp(ca_error_name(e), want[e]), "error name %s",
		       want[e]);
	tap_ok(!ca_error_name(CA_OK) && !ca_error_name(CA_ERR_NOMEM) &&
	       !ca_error_name(-1) && !ca_error_name(99), "no name otherwise");
}

static void cleanup(void)
{
	char cmd[600];
	int i;

	for (i = 0; i < NFX; i++) {
		free(fx[i].pem);
		ca_free(fx[i].ref);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd))
		fprintf(stderr, "could not remove %s\n", dir);
}

int main(void)
{
	size_t i;

	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	make_fixtures();
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(&cases[i]);
	test_accessors();
	test_limits();
	test_invalid_pem();
	test_invalid_der();
	test_invalid_junk();
	test_module_text();
	test_module_answer();
	test_store();
	test_error_names();
	cleanup();
	return tap_done();
}
