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
#include "session.h"

/* TLS 1.2 is the floor: never a silent downgrade to what the module has. */
#define HOST_TLS_PRIORITY \
	"NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:%PROFILE_MEDIUM"

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
	gnutls_datum_t pem;
	int r;

	r = gnutls_certificate_allocate_credentials(&s->cred);
	if (r < 0)
		goto fail;
	if (anchor) {
		pem.data = (unsigned char *)ca_pem(anchor);
		pem.size = (unsigned int)ca_pem_len(anchor);
		r = gnutls_certificate_set_x509_trust_mem(s->cred, &pem,
							  GNUTLS_X509_FMT_PEM);
		if (r < 0)
			goto fail;
	}
	if (s->system_trust) {
		r = gnutls_certificate_set_x509_system_trust(s->cred);
		if (r < 0)
			goto fail;
	}
	r = gnutls_init(&s->tls, GNUTLS_CLIENT | GNUTLS_NONBLOCK);
	if (r < 0)
		goto fail;
	r = gnutls_priority_set_direct(s->tls, HOST_TLS_PRIORITY, NULL);
	if (r >= 0)
		r = gnutls_credentials_set(s->tls, GNUTLS_CRD_CERTIFICATE,
					   s->cred);
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

void session_tls_end(struct session *s)
{
	if (s->tls)
		gnutls_deinit(s->tls);
	if (s->cred)
		gnutls_certificate_free_credentials(s->cred);
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
