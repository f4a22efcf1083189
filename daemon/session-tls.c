// SPDX-License-Identifier: GPL-2.0-only
/*
 * host-tls: ichipd runs TLS 1.2/1.3 itself over a plain module socket,
 * verifying the server against the device's CA (and optionally the system
 * store) and the host name.  GnuTLS reads and writes the session's
 * buffers, never a socket: the module moves the bytes.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gnutls/x509.h>

#include "ca.h"
#include "errors.h"
#include "log.h"
#include "session.h"

/*
 * The priority: the system's crypto policy (@SYSTEM, GnuTLS's system
 * configuration; what it forbids in [overrides] stays forbidden whatever
 * is appended), else GnuTLS's NORMAL where no system policy is configured
 * (Debian ships none).  On top: TLS 1.3 and 1.2 only, never a silent
 * downgrade to what the module has; and in TLS 1.2 only forward-secret
 * key exchange with AEAD ciphers, unless the session asked for older
 * TLS 1.2 suites (allow-legacy-tls12-suites).
 */
#define TLS_BASES		{ "@SYSTEM", "NORMAL" }
#define TLS_VERSIONS		":-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:%PROFILE_MEDIUM"
#define TLS_FS_AEAD		":-KX-ALL:+ECDHE-ECDSA:+ECDHE-RSA:+DHE-RSA" \
				":-CIPHER-ALL:+AES-256-GCM:+AES-128-GCM" \
				":+CHACHA20-POLY1305:+AES-256-CCM:+AES-128-CCM" \
				":-MAC-ALL:+AEAD"

/* [0]: forward-secret AEAD only, [1]: with older TLS 1.2 suites */
static gnutls_priority_t priorities[2];

static int priority_get(bool legacy, gnutls_priority_t *out)
{
	static const char *const bases[] = TLS_BASES;
	char text[512];
	size_t i;
	int r = GNUTLS_E_INVALID_REQUEST;

	if (priorities[legacy]) {
		*out = priorities[legacy];
		return 0;
	}
	for (i = 0; i < sizeof(bases) / sizeof(bases[0]); i++) {
		snprintf(text, sizeof(text), "%s%s%s", bases[i], TLS_VERSIONS,
			 legacy ? "" : TLS_FS_AEAD);
		r = gnutls_priority_init(&priorities[legacy], text, NULL);
		if (r >= 0) {
			log_debug("host-tls priority: %s", text);
			*out = priorities[legacy];
			return 0;
		}
		priorities[legacy] = NULL;
	}
	return r;
}

/*
 * Certificate credentials, shared: one per trust anchor (and with or
 * without the system store), kept while sessions use them and a few
 * more after.  Loading the system store parses hundreds of certificates
 * on the event loop: once, not per session.
 */
#define CRED_CACHE_MAX	8

struct tls_cred {
	struct tls_cred *next;
	gnutls_certificate_credentials_t c;
	char fpr[65];			/* the anchor's, "" for none */
	bool system;
	unsigned int refs;
};

static struct tls_cred *creds;

static void cred_trim(void)
{
	struct tls_cred **pp, *c, **last;
	unsigned int n;

	for (;;) {
		n = 0;
		last = NULL;
		for (pp = &creds; *pp; pp = &(*pp)->next) {
			n++;
			if (!(*pp)->refs)
				last = pp;	/* the oldest unused one */
		}
		if (n <= CRED_CACHE_MAX || !last)
			return;
		c = *last;
		*last = c->next;
		gnutls_certificate_free_credentials(c->c);
		free(c);
	}
}

static int cred_get(const struct ca_cert *anchor, bool system,
		    struct tls_cred **out)
{
	const char *fpr = anchor ? ca_fingerprint(anchor) : "";
	gnutls_datum_t pem;
	struct tls_cred *c;
	int r;

	for (c = creds; c; c = c->next) {
		if (c->system == system && !strcmp(c->fpr, fpr)) {
			c->refs++;
			*out = c;
			return 0;
		}
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return GNUTLS_E_MEMORY_ERROR;
	snprintf(c->fpr, sizeof(c->fpr), "%s", fpr);
	c->system = system;
	r = gnutls_certificate_allocate_credentials(&c->c);
	if (r < 0) {
		free(c);
		return r;
	}
	if (anchor) {
		pem.data = (unsigned char *)ca_pem(anchor);
		pem.size = (unsigned int)ca_pem_len(anchor);
		r = gnutls_certificate_set_x509_trust_mem(c->c, &pem,
							  GNUTLS_X509_FMT_PEM);
	}
	if (r >= 0 && system) {
		log_debug("reading the system trust store");
		r = gnutls_certificate_set_x509_system_trust(c->c);
	}
	if (r < 0) {
		gnutls_certificate_free_credentials(c->c);
		free(c);
		return r;
	}
	c->refs = 1;
	c->next = creds;
	creds = c;
	cred_trim();
	*out = c;
	return 0;
}

static void cred_put(struct tls_cred *c)
{
	if (c && c->refs)
		c->refs--;
	cred_trim();
}

static ssize_t tls_push(gnutls_transport_ptr_t ptr, const void *data,
			size_t len)
{
	struct session *s = ptr;

	/* the pump only sends when a whole record fits: this never fails */
	if (buf_append(&s->net_out, data, len) < 0) {
		gnutls_transport_set_errno(s->tls, ENOMEM);
		return -1;
	}
	return (ssize_t)len;
}

static ssize_t tls_pull(gnutls_transport_ptr_t ptr, void *data, size_t len)
{
	struct session *s = ptr;
	size_t n = s->net_in.len < len ? s->net_in.len : len;

	if (!n) {
		if (s->peer_eof)
			return 0;
		gnutls_transport_set_errno(s->tls, EAGAIN);
		return -1;
	}
	memcpy(data, s->net_in.data, n);
	buf_consume(&s->net_in, n);
	return (ssize_t)n;
}

static bool is_ip_literal(const char *host)
{
	unsigned char addr[16];

	return inet_pton(AF_INET, host, addr) == 1 ||
	       inet_pton(AF_INET6, host, addr) == 1;
}

int session_tls_start(struct session *s, const struct ca_cert *anchor,
		      char *why, size_t why_len)
{
	gnutls_priority_t prio;
	int r;

	r = cred_get(anchor, s->system_trust, &s->cred);
	if (r < 0)
		goto fail;
	r = priority_get(s->legacy_suites, &prio);
	if (r < 0)
		goto fail;
	r = gnutls_init(&s->tls, GNUTLS_CLIENT | GNUTLS_NONBLOCK);
	if (r < 0)
		goto fail;
	r = gnutls_priority_set(s->tls, prio);
	if (r >= 0)
		r = gnutls_credentials_set(s->tls, GNUTLS_CRD_CERTIFICATE,
					   s->cred->c);
	if (r >= 0 && !is_ip_literal(s->host))
		r = gnutls_server_name_set(s->tls, GNUTLS_NAME_DNS, s->host,
					   strlen(s->host));
	if (r < 0)
		goto fail;
	gnutls_session_set_verify_cert(s->tls, s->host, 0);
	gnutls_transport_set_ptr(s->tls, s);
	gnutls_transport_set_push_function(s->tls, tls_push);
	gnutls_transport_set_pull_function(s->tls, tls_pull);
	gnutls_handshake_set_timeout(s->tls, 0);	/* our own deadline */
	return 0;
fail:
	snprintf(why, why_len, "TLS setup: %s", gnutls_strerror(r));
	return -EIO;
}

/* Why verification failed, in the words of the D-Bus docs. */
static void verify_reason(struct session *s, char *why, size_t why_len)
{
	unsigned int status = gnutls_session_get_verify_cert_status(s->tls);
	const char *reason = "not trusted";

	if (status & GNUTLS_CERT_EXPIRED)
		reason = "certificate expired";
	else if (status & GNUTLS_CERT_NOT_ACTIVATED)
		reason = "certificate not yet valid";
	else if (status & GNUTLS_CERT_UNEXPECTED_OWNER)
		reason = "hostname mismatch";
	else if (status & GNUTLS_CERT_INSECURE_ALGORITHM)
		reason = "weak key or insecure algorithm";
	else if (status & GNUTLS_CERT_SIGNER_NOT_FOUND)
		reason = "unknown CA or self-signed certificate";
	else if (status & GNUTLS_CERT_REVOKED)
		reason = "certificate revoked";
	snprintf(why, why_len, "%s:%u: %s", s->host, s->port, reason);
}

static void record_details(struct session *s)
{
	const gnutls_datum_t *chain;
	unsigned int n = 0;

	s->tls_version = strdup(gnutls_protocol_get_name(
		gnutls_protocol_get_version(s->tls)));
	s->cipher = strdup(gnutls_ciphersuite_get(s->tls) ?: "");
	chain = gnutls_certificate_get_peers(s->tls, &n);
	if (chain && n) {
		s->peer_der = malloc(chain[0].size);
		if (s->peer_der) {
			memcpy(s->peer_der, chain[0].data, chain[0].size);
			s->peer_der_len = chain[0].size;
		}
	}
}

int session_tls_handshake(struct session *s, const char **err_name,
			  char *why, size_t why_len)
{
	int r;

	/* a flight of handshake messages must fit the outgoing buffer */
	if (buf_room(&s->net_out, SESSION_NET_OUT_MAX) < 16384)
		return 0;
	r = gnutls_handshake(s->tls);
	if (r == GNUTLS_E_SUCCESS) {
		record_details(s);
		return 1;
	}
	if (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED)
		return 0;
	if (r == GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR) {
		*err_name = ERR_VERIFY_FAILED;
		verify_reason(s, why, why_len);
	} else if (r == GNUTLS_E_PREMATURE_TERMINATION && s->peer_eof) {
		*err_name = ERR_HANDSHAKE_FAILED;
		snprintf(why, why_len, "%s:%u closed during the handshake",
			 s->host, s->port);
	} else {
		*err_name = ERR_HANDSHAKE_FAILED;
		snprintf(why, why_len, "%s:%u: %s", s->host, s->port,
			 gnutls_strerror(r));
	}
	return -EIO;
}

void session_tls_cleanup(void)
{
	struct tls_cred *c;
	int i;

	for (i = 0; i < 2; i++) {
		if (priorities[i])
			gnutls_priority_deinit(priorities[i]);
		priorities[i] = NULL;
	}
	while ((c = creds)) {	/* every session is gone by now */
		creds = c->next;
		gnutls_certificate_free_credentials(c->c);
		free(c);
	}
}

void session_tls_end(struct session *s)
{
	if (s->tls)
		gnutls_deinit(s->tls);
	cred_put(s->cred);
	s->tls = NULL;
	s->cred = NULL;
}

void session_tls_free(struct session *s)
{
	session_tls_end(s);
	free(s->cipher);
	free(s->tls_version);
	free(s->peer_der);
	s->tls = NULL;
	s->cred = NULL;
	s->cipher = NULL;
	s->tls_version = NULL;
	s->peer_der = NULL;
}
