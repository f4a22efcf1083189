// SPDX-License-Identifier: GPL-2.0-only
// SPDX-FileCopyrightText: 2026 The ichip authors
/*
 * Unit tests for daemon/lib/pki.c: what it writes must verify with GnuTLS
 * and with openssl (a second, independent implementation, run as a
 * subprocess), carry the extensions the module and TLS clients need,
 * keep keys 0600 and never overwrite them without force.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "ca-store.h"
#include "ca.h"
#include "pki.h"
#include "tap.h"

static char dir[] = "/tmp/test-pki.XXXXXX";
static bool have_openssl;

static char *path(const char *name)
{
	static char buf[8][512];
	static int i;

	i = (i + 1) % 8;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", dir, name);
	return buf[i];
}

/* A shell command line, in a static buffer. */
__attribute__((format(printf, 1, 2)))
static const char *sh(const char *fmt, ...)
{
	static char cmd[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return cmd;
}

/* Exit status of `sh -c line`, its stdout+stderr in *out (malloc'ed). */
static int run(char **out, const char *line)
{
	char cmd[2600], *text = NULL;
	size_t len;
	int st;

	snprintf(cmd, sizeof(cmd), "%s", line);
	strcat(cmd, " >");
	strcat(cmd, path("out.txt"));
	strcat(cmd, " 2>&1");
	st = system(cmd);
	if (ca_file_read(path("out.txt"), 1 << 20, &text, &len))
		text = strdup("");
	if (out)
		*out = text;
	else
		free(text);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static mode_t mode_of(const char *p)
{
	struct stat st;

	return stat(p, &st) ? (mode_t)-1 : st.st_mode & 07777;
}

static gnutls_x509_crt_t load_crt(const char *p)
{
	gnutls_x509_crt_t crt;
	gnutls_datum_t d;
	char *buf;
	size_t len;

	if (ca_file_read(p, 1 << 16, &buf, &len))
		return NULL;
	d.data = (unsigned char *)buf;
	d.size = (unsigned int)len;
	gnutls_x509_crt_init(&crt);
	if (gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_PEM) < 0) {
		gnutls_x509_crt_deinit(crt);
		crt = NULL;
	}
	free(buf);
	return crt;
}

/* ca_parse() of a file, with @opt. */
static int judge(const char *p, const struct ca_options *opt)
{
	struct ca_cert *c;
	size_t len;
	char *buf;
	int ret;

	if (ca_file_read(p, 1 << 16, &buf, &len))
		return -1;
	ret = ca_parse(buf, len, opt, &c, NULL, 0);
	ca_free(c);
	free(buf);
	return ret;
}

static bool file_starts(const char *p, const char *prefix)
{
	char *buf;
	size_t len;
	bool ok;

	if (ca_file_read(p, 1 << 16, &buf, &len))
		return false;
	ok = !strncmp(buf, prefix, strlen(prefix));
	free(buf);
	return ok;
}

static void check_openssl(const char *what, const char *cmd,
			  const char *const *want, size_t nwant)
{
	char *out;
	size_t i;
	int st;

	if (!have_openssl) {
		tap_ok(1, "%s # SKIP openssl not installed", what);
		return;
	}
	st = run(&out, cmd);
	tap_ok(st == 0, "%s: openssl exit %d", what, st);
	for (i = 0; i < nwant; i++)
		tap_ok(strstr(out, want[i]) != NULL, "  %s has \"%s\"", what,
		       want[i]);
	free(out);
}

/* `openssl verify -CAfile @ca @cert` says OK. */
static void verify_ok(const char *what, const char *ca, const char *cert)
{
	check_openssl(what, sh("openssl verify -CAfile %s %s", ca, cert),
		      (const char *const[]){ ": OK" }, 1);
}

static void test_init_ca(void)
{
	gnutls_x509_crt_t crt;
	unsigned int crit = 0, usage = 0;
	unsigned char buf[64];
	size_t len = sizeof(buf);
	unsigned int status = 1;
	char why[256];
	int ret;

	ret = pki_init_ca(dir, "Test CA", NULL, why, sizeof(why));
	tap_ok(ret == 0, "init-ca into a directory: %d %s", ret, why);
	tap_ok(mode_of(path("ca.key")) == 0600, "ca.key is 0600");
	tap_ok(mode_of(path("ca.pem")) == 0644, "ca.pem is 0644");
	tap_ok(file_starts(path("ca.key"), "-----BEGIN PRIVATE KEY-----"),
	       "ca.key is PKCS#8 PEM");
	crt = load_crt(path("ca.pem"));
	tap_ok(crt != NULL, "ca.pem imports");
	if (!crt)
		return;
	tap_ok(gnutls_x509_crt_get_version(crt) == 3, "version 3");
	tap_ok(gnutls_x509_crt_get_basic_constraints(crt, &crit, NULL, NULL) > 0 &&
	       crit, "basicConstraints CA:TRUE, critical");
	tap_ok(gnutls_x509_crt_get_key_usage(crt, &usage, &crit) >= 0 &&
	       usage == (GNUTLS_KEY_KEY_CERT_SIGN | GNUTLS_KEY_CRL_SIGN),
	       "keyUsage keyCertSign+cRLSign");
	tap_ok(gnutls_x509_crt_get_subject_key_id(crt, buf, &len, &crit) >= 0 &&
	       len == 20, "subjectKeyIdentifier");
	len = sizeof(buf);
	tap_ok(gnutls_x509_crt_get_serial(crt, buf, &len) >= 0 && len == 16 &&
	       !(buf[0] & 0x80), "serial: 16 bytes, positive");
	tap_ok(gnutls_x509_crt_verify(crt, &crt, 1, 0, &status) >= 0 &&
	       status == 0, "self-signature verifies with GnuTLS");
	gnutls_x509_crt_deinit(crt);
	tap_ok(judge(path("ca.pem"), NULL) == CA_OK, "ca_parse accepts init-ca");
	check_openssl("ca.pem text",
		      sh("openssl x509 -in %s -noout -text", path("ca.pem")),
		      (const char *const[]){
			"CA:TRUE", "Certificate Sign, CRL Sign",
			"Subject Key Identifier", "Issuer: CN = Test CA",
			"Public-Key: (2048 bit)" }, 5);
}

static void test_overwrite(void)
{
	struct pki_params force = { .force = true };
	char *before, *after, why[256];
	size_t len;
	int ret;

	ca_file_read(path("ca.key"), 1 << 16, &before, &len);
	ret = pki_init_ca(dir, "Other CA", NULL, why, sizeof(why));
	tap_ok(ret == -EEXIST && strstr(why, "force"),
	       "init-ca again: -EEXIST (%s)", why);
	ca_file_read(path("ca.key"), 1 << 16, &after, &len);
	tap_ok(!strcmp(before, after), "  ca.key untouched");
	free(after);
	ret = pki_init_ca(path("again"), "Again CA", NULL, why, sizeof(why));
	tap_ok(ret == 0 && mode_of(path("again.key")) == 0600 &&
	       mode_of(path("again.pem")) == 0644,
	       "init-ca to a prefix: again.key, again.pem");
	ret = pki_init_ca(path("again"), "Again CA", &force, why, sizeof(why));
	ca_file_read(path("again.key"), 1 << 16, &after, &len);
	tap_ok(ret == 0 && strcmp(before, after) &&
	       mode_of(path("again.key")) == 0600, "force replaces, still 0600");
	free(after);
	free(before);
	/* a lone existing certificate also stops it */
	ca_file_write(path("lone.pem"), "x", 1, 0644, false);
	tap_ok(pki_init_ca(path("lone"), "L", NULL, why, sizeof(why)) == -EEXIST &&
	       mode_of(path("lone.key")) == (mode_t)-1,
	       "existing lone.pem: -EEXIST, no key written");
}

static void test_issue(void)
{
	const char *hosts[] = { "server.test", "192.0.2.1", "::1", "*.wild.test" };
	gnutls_x509_crt_t ca = load_crt(path("ca.pem")), srv;
	unsigned char ski[64], aki[64];
	size_t ski_len = sizeof(ski), aki_len = sizeof(aki);
	unsigned int status = 1, crit;
	char why[256];
	int ret;

	ret = pki_issue(path("ca.pem"), path("ca.key"), path("server"), hosts, 4,
			NULL, why, sizeof(why));
	tap_ok(ret == 0, "issue: %d %s", ret, why);
	tap_ok(mode_of(path("server.key")) == 0600, "server.key is 0600");
	srv = load_crt(path("server.pem"));
	tap_ok(srv && ca, "server.pem imports");
	if (!srv || !ca)
		return;
	tap_ok(gnutls_x509_crt_verify(srv, &ca, 1, 0, &status) >= 0 &&
	       status == 0, "GnuTLS verifies server.pem against ca.pem");
	tap_ok(gnutls_x509_crt_check_hostname(srv, "server.test") &&
	       gnutls_x509_crt_check_hostname(srv, "192.0.2.1") &&
	       gnutls_x509_crt_check_hostname(srv, "::1") &&
	       gnutls_x509_crt_check_hostname(srv, "a.wild.test") &&
	       !gnutls_x509_crt_check_hostname(srv, "other.test"),
	       "hostnames and IPs match the SAN, others do not");
	tap_ok(gnutls_x509_crt_get_ca_status(srv, &crit) == 0, "CA:FALSE");
	tap_ok(gnutls_x509_crt_get_subject_key_id(ca, ski, &ski_len, &crit) >= 0 &&
	       gnutls_x509_crt_get_authority_key_id(srv, aki, &aki_len, &crit) >= 0 &&
	       aki_len == ski_len && !memcmp(aki, ski, aki_len),
	       "authorityKeyIdentifier = CA's subjectKeyIdentifier");
	gnutls_x509_crt_deinit(srv);
	gnutls_x509_crt_deinit(ca);
	verify_ok("openssl verify server.pem", path("ca.pem"), path("server.pem"));
	check_openssl("server.pem text",
		      sh("openssl x509 -in %s -noout -text", path("server.pem")),
		      (const char *const[]){
			"DNS:server.test", "IP Address:192.0.2.1",
			"IP Address:0:0:0:0:0:0:0:1", "DNS:*.wild.test",
			"TLS Web Server Authentication", "CA:FALSE",
			"Digital Signature, Key Encipherment",
			"Authority Key Identifier", "Subject: CN = server.test" }, 9);
	tap_ok(judge(path("server.pem"), NULL) == CA_ERR_NOT_CA,
	       "ca_parse rejects the issued server cert: NotCA");
	tap_ok(pki_issue(path("ca.pem"), path("ca.key"), path("server"), hosts,
			 1, NULL, why, sizeof(why)) == -EEXIST,
	       "issue again without force: -EEXIST");
}

static void expect_refused(const char *what, int ret, int want,
			   const char *prefix, const char *why)
{
	char key[600];

	snprintf(key, sizeof(key), "%s.key", prefix);
	tap_ok(ret == want && why[0] && mode_of(key) == (mode_t)-1,
	       "%s: %d (%s), nothing written", what, ret, why);
}

static void test_issue_refusals(void)
{
	const char *ok[] = { "ok.test" }, *bad[] = { "bad host!" },
		   *dash[] = { "-x.test" }, *dot[] = { "a..test" };
	struct pki_params tiny = { .bits = 512 }, ages = { .days = 40000 };
	char why[256];
	int ret;

	ret = pki_issue(path("ca.pem"), path("again.key"), path("r1"), ok, 1,
			NULL, why, sizeof(why));
	expect_refused("CA key does not match", ret, -EINVAL, path("r1"), why);
	ret = pki_issue(path("server.pem"), path("server.key"), path("r2"), ok,
			1, NULL, why, sizeof(why));
	expect_refused("issuer is not a CA", ret, -EINVAL, path("r2"), why);
	ret = pki_issue(path("none.pem"), path("ca.key"), path("r3"), ok, 1,
			NULL, why, sizeof(why));
	expect_refused("missing CA file", ret, -ENOENT, path("r3"), why);
	ret = pki_issue(path("ca.pem"), path("ca.key"), path("r4"), bad, 1,
			NULL, why, sizeof(why));
	expect_refused("bad host", ret, -EINVAL, path("r4"), why);
	ret = pki_issue(path("ca.pem"), path("ca.key"), path("r5"), dash, 1,
			NULL, why, sizeof(why));
	expect_refused("label starting with -", ret, -EINVAL, path("r5"), why);
	ret = pki_self_signed(path("r6"), dot, 1, NULL, why, sizeof(why));
	expect_refused("empty label", ret, -EINVAL, path("r6"), why);
	ret = pki_csr(path("r7"), ok, 0, NULL, why, sizeof(why));
	expect_refused("no hosts", ret, -EINVAL, path("r7"), why);
	ret = pki_init_ca(path("r8"), "x", &tiny, why, sizeof(why));
	expect_refused("512-bit RSA", ret, -EINVAL, path("r8"), why);
	ret = pki_init_ca(path("r9"), "x", &ages, why, sizeof(why));
	expect_refused("40000 days", ret, -EINVAL, path("r9"), why);
	ret = pki_init_ca(path("r10"), "", NULL, why, sizeof(why));
	expect_refused("empty CA name", ret, -EINVAL, path("r10"), why);
}

static void test_csr(void)
{
	const char *hosts[] = { "csr.test", "198.51.100.7" };
	gnutls_x509_crq_t crq;
	gnutls_datum_t d;
	char why[256], *buf;
	size_t len;
	int ret;

	ret = pki_csr(path("req"), hosts, 2, NULL, why, sizeof(why));
	tap_ok(ret == 0 && mode_of(path("req.key")) == 0600 &&
	       file_starts(path("req.csr"), "-----BEGIN NEW CERTIFICATE REQUEST"),
	       "csr: req.key (0600) + req.csr: %s", why);
	ca_file_read(path("req.csr"), 1 << 16, &buf, &len);
	d.data = (unsigned char *)buf;
	d.size = (unsigned int)len;
	gnutls_x509_crq_init(&crq);
	tap_ok(gnutls_x509_crq_import(crq, &d, GNUTLS_X509_FMT_PEM) >= 0 &&
	       gnutls_x509_crq_verify(crq, 0) >= 0,
	       "GnuTLS verifies the CSR's self-signature");
	gnutls_x509_crq_deinit(crq);
	free(buf);
	check_openssl("openssl req -verify",
		      sh("openssl req -in %s -noout -verify -text", path("req.csr")),
		      (const char *const[]){
			"DNS:csr.test", "IP Address:198.51.100.7",
			"TLS Web Server Authentication", "CN = csr.test" }, 4);
	tap_ok(pki_csr(path("req"), hosts, 2, NULL, why, sizeof(why)) == -EEXIST,
	       "csr again without force: -EEXIST");
}

static void test_self_signed(void)
{
	const char *hosts[] = { "ftp.test" };
	struct ca_options leaf = { .allow_self_signed_leaf = true };
	char why[256];
	int ret;

	ret = pki_self_signed(path("ftp"), hosts, 1, NULL, why, sizeof(why));
	tap_ok(ret == 0 && mode_of(path("ftp.key")) == 0600,
	       "self-signed: %d %s", ret, why);
	tap_ok(judge(path("ftp.pem"), NULL) == CA_ERR_NOT_CA,
	       "ca_parse: NotCA without allow-self-signed-leaf");
	tap_ok(judge(path("ftp.pem"), &leaf) == CA_OK,
	       "ca_parse: accepted with allow-self-signed-leaf");
	verify_ok("openssl verify self-signed", path("ftp.pem"), path("ftp.pem"));
	check_openssl("ftp.pem text",
		      sh("openssl x509 -in %s -noout -text", path("ftp.pem")),
		      (const char *const[]){
			"CA:FALSE", "DNS:ftp.test",
			"TLS Web Server Authentication" }, 3);
}

/* The certificates the rejection tests of SetCA need. */
static void test_variants(void)
{
	const time_t now = time(NULL);
	const char *hosts[] = { "old.test" };
	struct pki_params weak = { .bits = 1024 },
		ec = { .key_type = PKI_KEY_ECDSA_P256 },
		old = { .not_before = now - 30 * 86400, .days = 1 },
		future = { .not_before = now + 30 * 86400 };
	struct ca_options host = { .host_only = true };
	char why[256], *out;
	int st;

	pki_init_ca(path("weak"), "Weak", &weak, why, sizeof(why));
	tap_ok(judge(path("weak.pem"), NULL) == CA_ERR_WEAK_KEY, "1024 bits: WeakKey");
	pki_init_ca(path("ec"), "EC", &ec, why, sizeof(why));
	tap_ok(judge(path("ec.pem"), NULL) == CA_ERR_UNSUPPORTED_KEY &&
	       judge(path("ec.pem"), &host) == CA_OK,
	       "ECDSA CA: UnsupportedKeyType, fine host-only");
	tap_ok(file_starts(path("ec.key"), "-----BEGIN PRIVATE KEY-----"),
	       "ECDSA key is PKCS#8 too");
	pki_init_ca(path("old"), "Old", &old, why, sizeof(why));
	tap_ok(judge(path("old.pem"), NULL) == CA_ERR_EXPIRED, "expired CA");
	pki_init_ca(path("future"), "Future", &future, why, sizeof(why));
	tap_ok(judge(path("future.pem"), NULL) == CA_ERR_EXPIRED,
	       "not-yet-valid CA");
	pki_issue(path("ca.pem"), path("ca.key"), path("old-srv"), hosts, 1,
		  &old, why, sizeof(why));
	pki_issue(path("ca.pem"), path("ca.key"), path("ec-srv"), hosts, 1,
		  &ec, why, sizeof(why));
	if (!have_openssl) {
		tap_ok(1, "openssl checks # SKIP openssl not installed");
		return;
	}
	st = run(&out, sh("openssl verify -CAfile %s %s", path("ca.pem"),
			  path("old-srv.pem")));
	tap_ok(st != 0 && strstr(out, "expired"), "openssl: expired server cert");
	free(out);
	verify_ok("ECDSA server from RSA CA", path("ca.pem"), path("ec-srv.pem"));
	st = run(&out, sh("openssl x509 -in %s -noout -ext keyUsage",
			  path("ec-srv.pem")));
	tap_ok(st == 0 && strstr(out, "Digital Signature") &&
	       !strstr(out, "Key Encipherment"),
	       "ECDSA server: digitalSignature only");
	free(out);
}

static void test_long_name(void)
{
	const char *hosts[] = {
		"a-very-long-label-to-go-past-sixty-four.characters.example.example.test",
		"short.test" };
	char why[256];
	int ret;

	ret = pki_issue(path("ca.pem"), path("ca.key"), path("long"), hosts, 2,
			NULL, why, sizeof(why));
	tap_ok(ret == 0, "issue with a 71-char host (no CN, SAN only): %s", why);
	verify_ok("long name verifies", path("ca.pem"), path("long.pem"));
}

int main(void)
{
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	umask(022);
	have_openssl = run(NULL, "openssl version") == 0;
	test_init_ca();
	test_overwrite();
	test_issue();
	test_issue_refusals();
	test_csr();
	test_self_signed();
	test_variants();
	test_long_name();
	run(NULL, sh("rm -rf '%s'", dir));
	return tap_done();
}
