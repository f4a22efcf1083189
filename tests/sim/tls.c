// SPDX-License-Identifier: GPL-2.0-only
// SPDX-FileCopyrightText: 2026 The ichip authors
/*
 * The module's own SSL client (AT+iSSL) with GnuTLS: TLS 1.0 at most,
 * RSA key exchange with the module's cipher list, the server verified
 * against the CA parameters only (CA, CA2..CA4 all trusted).
 *
 * Hostname: the module has no way to know which name the host meant (STCP
 * may take a dotted IP) and its manual only asks for a certificate "signed
 * by the CA", so, like the module, we do not check the name.  Validity
 * dates are checked (GnuTLS default); the module has a clock (RP8).
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "sim.h"

#define TLS_SEND_TIMEOUT_S	5

/*
 * Best first.  GnuTLS as built by Debian has no SSL 3.0 (the keyword is
 * accepted and ignored) and may lack RC4; the shorter strings are the
 * fallbacks if a cipher keyword is refused.
 */
static const char *const tls_priorities[] = {
	"NONE:+VERS-TLS1.0:+VERS-SSL3.0:+RSA:+AES-128-CBC:+AES-256-CBC:"
	"+3DES-CBC:+ARCFOUR-128:+SHA1:+MD5:+COMP-NULL:+SIGN-ALL:+CTYPE-X509",
	"NONE:+VERS-TLS1.0:+RSA:+AES-128-CBC:+AES-256-CBC:+3DES-CBC:+SHA1:"
	"+COMP-NULL:+SIGN-ALL:+CTYPE-X509",
};

static gnutls_priority_t tls_prio;

int sim_tls_global_init(struct sim *s)
{
	for (size_t i = 0; i < 2; i++)
		if (gnutls_priority_init(&tls_prio, tls_priorities[i], NULL) >= 0)
			return 0;
	sim_err("no usable TLS 1.0 priority string");
	return -1;
}

void sim_tls_global_free(struct sim *s)
{
	if (tls_prio)
		gnutls_priority_deinit(tls_prio);
	tls_prio = NULL;
}

static int load_trust(struct sim *s, gnutls_certificate_credentials_t cred)
{
	static const char *const slots[] = { "CA", "CA2", "CA3", "CA4" };
	int have = 0, loaded = 0;

	for (size_t i = 0; i < 4; i++) {
		const char *pem = sim_param_get(&s->params, slots[i]);
		gnutls_datum_t d = { (unsigned char *)pem,
				     (unsigned int)strlen(pem) };

		if (!*pem)
			continue;
		have++;
		if (gnutls_certificate_set_x509_trust_mem(cred, &d,
						GNUTLS_X509_FMT_PEM) > 0)
			loaded++;
	}
	if (!have)
		return 222;
	return loaded ? 0 : 219;
}

/* Optional client authentication from CERT + PKEY. */
static void load_client_cert(struct sim *s,
			     gnutls_certificate_credentials_t cred)
{
	const char *crt = sim_param_get(&s->params, "CERT");
	const char *key = sim_param_get(&s->params, "PKEY");
	gnutls_datum_t c = { (unsigned char *)crt, (unsigned int)strlen(crt) };
	gnutls_datum_t k = { (unsigned char *)key, (unsigned int)strlen(key) };

	if (*crt && *key &&
	    gnutls_certificate_set_x509_key_mem(cred, &c, &k,
						GNUTLS_X509_FMT_PEM) < 0)
		sim_info("CERT/PKEY unusable, no client certificate");
}

int sim_tls_start(struct sim *s, int hn)
{
	struct sim_sock *k = &s->sock[hn];
	gnutls_certificate_credentials_t cred;
	gnutls_session_t sess;
	int err;

	if (gnutls_certificate_allocate_credentials(&cred) < 0)
		return 219;
	err = load_trust(s, cred);
	if (!err && s->no_net)
		err = 220;	/* nobody to talk to */
	if (err) {
		gnutls_certificate_free_credentials(cred);
		return err;
	}
	load_client_cert(s, cred);
	if (gnutls_init(&sess, GNUTLS_CLIENT | GNUTLS_NONBLOCK) < 0) {
		gnutls_certificate_free_credentials(cred);
		return 219;
	}
	gnutls_priority_set(sess, tls_prio);
	gnutls_credentials_set(sess, GNUTLS_CRD_CERTIFICATE, cred);
	gnutls_transport_set_int(sess, k->fd);
	gnutls_handshake_set_timeout(sess, 0);
	k->tls = sess;
	k->tls_cred = cred;
	return 0;
}

int sim_tls_handshake(struct sim *s, int hn)
{
	struct sim_sock *k = &s->sock[hn];
	gnutls_session_t sess = k->tls;
	unsigned int status = 0;
	int ret;

	ret = gnutls_handshake(sess);
	if (ret == GNUTLS_E_AGAIN || ret == GNUTLS_E_INTERRUPTED)
		return 0;
	if (ret < 0) {
		sim_info("socket %d: SSL handshake failed: %s", hn,
			 gnutls_strerror(ret));
		return -220;
	}
	ret = gnutls_certificate_verify_peers2(sess, &status);
	if (ret < 0 || status) {
		gnutls_datum_t why = { NULL, 0 };

		gnutls_certificate_verification_status_print(status,
			GNUTLS_CRT_X509, &why, 0);
		sim_info("socket %d: server certificate rejected: %s", hn,
			 why.data ? (char *)why.data : gnutls_strerror(ret));
		gnutls_free(why.data);
		return -220;
	}
	sim_dbg("socket %d: %s %s", hn,
		gnutls_protocol_get_name(gnutls_protocol_get_version(sess)),
		gnutls_cipher_suite_get_name(gnutls_kx_get(sess),
					     gnutls_cipher_get(sess),
					     gnutls_mac_get(sess)));
	return 1;
}

bool sim_tls_want_write(struct sim *s, int hn)
{
	return s->sock[hn].tls &&
	       gnutls_record_get_direction(s->sock[hn].tls) == 1;
}

bool sim_tls_pending(struct sim *s, int hn)
{
	return s->sock[hn].tls &&
	       gnutls_record_check_pending(s->sock[hn].tls) > 0;
}

ssize_t sim_tls_recv(struct sim *s, int hn, u8 *p, size_t n)
{
	ssize_t ret = gnutls_record_recv(s->sock[hn].tls, p, n);

	if (ret >= 0)
		return ret;
	if (ret == GNUTLS_E_AGAIN || ret == GNUTLS_E_INTERRUPTED) {
		errno = EAGAIN;
		return -1;
	}
	if (ret == GNUTLS_E_PREMATURE_TERMINATION)
		return 0;
	sim_info("socket %d: SSL receive: %s", hn, gnutls_strerror((int)ret));
	errno = EIO;
	return -1;
}

/*
 * SSND payloads on SSL are at most 2 KiB: send them whole, blocking with
 * a timeout, rather than keeping a half-sent record around.
 */
int sim_tls_send(struct sim *s, int hn, const u8 *p, size_t n)
{
	struct sim_sock *k = &s->sock[hn];
	struct timeval tv = { TLS_SEND_TIMEOUT_S, 0 };
	int fl = fcntl(k->fd, F_GETFL);
	size_t off = 0;
	int err = 0;

	fcntl(k->fd, F_SETFL, fl & ~O_NONBLOCK);
	setsockopt(k->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	while (off < n) {
		ssize_t ret = gnutls_record_send(k->tls, p + off, n - off);

		if (ret == GNUTLS_E_INTERRUPTED)
			continue;
		if (ret < 0) {
			sim_info("socket %d: SSL send: %s", hn,
				 gnutls_strerror((int)ret));
			err = 208;
			break;
		}
		off += (size_t)ret;
	}
	fcntl(k->fd, F_SETFL, fl);
	return err;
}

void sim_tls_close(struct sim *s, int hn)
{
	struct sim_sock *k = &s->sock[hn];

	if (k->tls) {
		/* non-blocking: a close_notify if the socket takes it */
		gnutls_bye(k->tls, GNUTLS_SHUT_WR);
		gnutls_deinit(k->tls);
	}
	if (k->tls_cred)
		gnutls_certificate_free_credentials(k->tls_cred);
	k->tls = NULL;
	k->tls_cred = NULL;
}
