// SPDX-License-Identifier: GPL-2.0-only
// SPDX-FileCopyrightText: 2026 The ichip authors
/*
 * ichip-tls-worker: the host-tls engine of ichipd (TLS records, the
 * server's certificate chain) and its certificate intake (SetCA's input,
 * the module's CA, the persisted copies), in a process of its own that
 * has no
 * capabilities, no file access and a seccomp filter (tls-worker-sandbox.c).
 * ichipd starts it with the request socket on fd 3 (tls-worker-proto.h)
 * and restarts it when it dies; the sessions it served then end with
 * reason worker-crashed.
 *
 * One worker serves all sessions of all devices: its fixed cost (one
 * process: about 1.5 MiB of its own memory, with the system trust store
 * as DER, beside the shared libraries) is paid once, and a session costs
 * the worker only its GnuTLS state (credentials are shared per anchor),
 * within the 64 KiB a session may cost beyond GnuTLS (make bench: a few
 * KiB, ichipd and worker together).  A worker per device would multiply the fixed cost for no
 * protection between a device's own sessions; a worker per session
 * would cost a process per session.
 */
#include <errno.h>
#include <malloc.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "ca-wire.h"
#include "ca.h"
#include "tls-worker-proto.h"

#define WK_FD		3
#define OUT_MAX		(64 * 1024)

int tls_worker_sandbox(void);	/* tls-worker-sandbox.c */

/* ---- priorities and credentials (read before the sandbox closes) -------- */

/*
 * The system's crypto policy (@SYSTEM: what it forbids in [overrides]
 * stays forbidden whatever is appended), else GnuTLS's NORMAL where no
 * system policy is configured (Debian ships none).  On top: TLS 1.3 and
 * 1.2 only, and in TLS 1.2 only forward-secret key exchange with AEAD
 * ciphers, unless the session allows older TLS 1.2 suites (with AEAD
 * only, the encrypt-then-MAC extension would negotiate nothing: not
 * sent).  No TLS 1.2 session tickets either (GNUTLS_NO_TICKETS_TLS12):
 * ichip resumes TLS 1.3 only, and a TLS 1.2 server would send a ticket
 * across the line for nothing.
 *
 * Groups: X25519 first.  The ClientHello carries one
 * key share only (GNUTLS_KEY_SHARE_TOP), and on a serial line that
 * share is cheapest as X25519: 32 bytes against P-256's 65, and most
 * servers (OpenSSL's default list starts with it) take it as offered,
 * without naming their preferred groups back in EncryptedExtensions.
 * A server without X25519 answers with a HelloRetryRequest for its
 * group: one more round trip, paid by few.  The list is GnuTLS's
 * NORMAL set reordered; a group the system policy disables stays
 * disabled (its [overrides] hold whatever the priority string says).
 * TLS 1.3's middlebox compatibility stays on although it costs 70
 * bytes a handshake (a 32-byte session id each way, a client CCS):
 * without it, firewalls that inspect TLS drop some TLS 1.3 handshakes.
 */
#define TLS_VERSIONS	":-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:%PROFILE_MEDIUM"
#define TLS_GROUPS	":-GROUP-ALL:+GROUP-X25519:+GROUP-SECP256R1" \
			":+GROUP-SECP384R1:+GROUP-SECP521R1:+GROUP-X448" \
			":+GROUP-FFDHE2048:+GROUP-FFDHE3072:+GROUP-FFDHE4096" \
			":+GROUP-FFDHE6144:+GROUP-FFDHE8192"
#define TLS_FS_AEAD	":-KX-ALL:+ECDHE-ECDSA:+ECDHE-RSA:+DHE-RSA" \
			":-CIPHER-ALL:+AES-256-GCM:+AES-128-GCM" \
			":+CHACHA20-POLY1305:+AES-256-CCM:+AES-128-CCM" \
			":-MAC-ALL:+AEAD:%NO_ETM"

static gnutls_priority_t priorities[2];	/* [1]: older suites allowed */

static int priorities_init(void)
{
	static const char *const bases[] = { "@SYSTEM", "NORMAL" };
	char text[512];
	size_t i;
	int legacy, r = GNUTLS_E_INVALID_REQUEST;

	for (legacy = 0; legacy < 2; legacy++) {
		for (i = 0; i < 2; i++) {
			snprintf(text, sizeof(text), "%s%s%s%s", bases[i],
				 TLS_VERSIONS, TLS_GROUPS,
				 legacy ? "" : TLS_FS_AEAD);
			r = gnutls_priority_init(&priorities[legacy], text,
						 NULL);
			if (r >= 0)
				break;
			priorities[legacy] = NULL;
		}
		if (r < 0)
			return r;
	}
	return 0;
}

/*
 * The system trust store, read once at start, before the sandbox, and
 * kept as DER (a few hundred KiB): parsed certificates would cost
 * several MiB for as long as the worker runs, used or not.  Credentials
 * of system-trust sessions are built from it in memory.
 */
static gnutls_datum_t *system_cas;
static unsigned int n_system_cas;

static void system_trust_load(void)
{
	gnutls_x509_trust_list_t tl;
	gnutls_x509_trust_list_iter_t it = NULL;
	gnutls_x509_crt_t crt;
	gnutls_datum_t der, *grown;

	if (gnutls_x509_trust_list_init(&tl, 0) < 0)
		return;
	if (gnutls_x509_trust_list_add_system_trust(tl, 0, 0) > 0) {
		while (gnutls_x509_trust_list_iter_get_ca(tl, &it, &crt) >= 0) {
			grown = realloc(system_cas, (n_system_cas + 1) *
					sizeof(*grown));
			if (grown)
				system_cas = grown;
			if (grown && gnutls_x509_crt_export2(crt,
					GNUTLS_X509_FMT_DER, &der) >= 0)
				system_cas[n_system_cas++] = der;
			gnutls_x509_crt_deinit(crt);
			if (!grown)
				break;
		}
		gnutls_x509_trust_list_iter_deinit(it);
	}
	gnutls_x509_trust_list_deinit(tl, 1);
	/* once per worker: the tests count this line */
	fprintf(stderr, "ichip-tls-worker: reading the system trust store: "
		"%u certificates\n", n_system_cas);
}

/*
 * Certificate credentials, shared per trust anchor (and with or without
 * the system store); a few unused ones are kept for the next session.
 */
#define CRED_CACHE_MAX	8

struct cred {
	struct cred *next;
	gnutls_certificate_credentials_t c;
	uint8_t *pem;
	size_t pem_len;
	bool system;
	unsigned int refs;
};

static struct cred *creds;

static void cred_trim(void)
{
	struct cred **pp, *c, **last;
	unsigned int n;

	for (;;) {
		n = 0;
		last = NULL;
		for (pp = &creds; *pp; pp = &(*pp)->next) {
			n++;
			if (!(*pp)->refs)
				last = pp;
		}
		if (n <= CRED_CACHE_MAX || !last)
			return;
		c = *last;
		*last = c->next;
		gnutls_certificate_free_credentials(c->c);
		free(c->pem);
		free(c);
	}
}

static int cred_get(const uint8_t *pem, size_t pem_len, bool system,
		    struct cred **out)
{
	gnutls_datum_t d;
	struct cred *c;
	unsigned int i;
	int r = 0;

	for (c = creds; c; c = c->next) {
		if (c->system == system && c->pem_len == pem_len &&
		    !memcmp(c->pem, pem, pem_len)) {
			c->refs++;
			*out = c;
			return 0;
		}
	}
	c = calloc(1, sizeof(*c));
	if (!c || (pem_len && !(c->pem = malloc(pem_len)))) {
		free(c);
		return GNUTLS_E_MEMORY_ERROR;
	}
	if (pem_len)
		memcpy(c->pem, pem, pem_len);
	c->pem_len = pem_len;
	c->system = system;
	r = gnutls_certificate_allocate_credentials(&c->c);
	if (r >= 0 && pem_len) {
		d.data = c->pem;
		d.size = (unsigned int)pem_len;
		r = gnutls_certificate_set_x509_trust_mem(c->c, &d,
							  GNUTLS_X509_FMT_PEM);
	}
	for (i = 0; r >= 0 && system && i < n_system_cas; i++)
		r = gnutls_certificate_set_x509_trust_mem(c->c, &system_cas[i],
							  GNUTLS_X509_FMT_DER);
	if (r < 0) {
		if (c->c)
			gnutls_certificate_free_credentials(c->c);
		free(c->pem);
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

/* ---- sessions ----------------------------------------------------------- */

struct wsess {
	struct wsess *next;
	uint64_t sid;
	gnutls_session_t tls;
	struct cred *cred;
	char host[256];
	/* the request's ciphertext, read by the pull function */
	const uint8_t *in;
	size_t in_len, in_used;
	bool eof;
	/* ciphertext GnuTLS writes, sent with the answer */
	uint8_t *out;
	size_t out_len, out_cap;
	bool out_failed;
};

static struct wsess *sessions;
static unsigned int n_sessions;

static struct wsess *find(uint64_t sid)
{
	struct wsess *w;

	for (w = sessions; w; w = w->next)
		if (w->sid == sid)
			return w;
	return NULL;
}

static ssize_t push(gnutls_transport_ptr_t p, const void *data, size_t len)
{
	struct wsess *w = p;
	uint8_t *grown;

	if (w->out_len + len > OUT_MAX) {
		w->out_failed = true;
		gnutls_transport_set_errno(w->tls, ENOBUFS);
		return -1;
	}
	if (w->out_len + len > w->out_cap) {
		grown = realloc(w->out, w->out_len + len);
		if (!grown) {
			gnutls_transport_set_errno(w->tls, ENOMEM);
			return -1;
		}
		w->out = grown;
		w->out_cap = w->out_len + len;
	}
	memcpy(w->out + w->out_len, data, len);
	w->out_len += len;
	return (ssize_t)len;
}

static ssize_t pull(gnutls_transport_ptr_t p, void *data, size_t len)
{
	struct wsess *w = p;
	size_t n = w->in_len - w->in_used;

	if (!n) {
		if (w->eof)
			return 0;
		gnutls_transport_set_errno(w->tls, EAGAIN);
		return -1;
	}
	if (n > len)
		n = len;
	memcpy(data, w->in + w->in_used, n);
	w->in_used += n;
	return (ssize_t)n;
}

static bool is_ip_literal(const char *host)
{
	unsigned char addr[16];

	return inet_pton(AF_INET, host, addr) == 1 ||
	       inet_pton(AF_INET6, host, addr) == 1;
}

static void session_free(struct wsess *w)
{
	struct wsess **pp;

	for (pp = &sessions; *pp; pp = &(*pp)->next) {
		if (*pp == w) {
			*pp = w->next;
			break;
		}
	}
	n_sessions--;
	if (w->tls)
		gnutls_deinit(w->tls);
	if (w->cred)
		w->cred->refs--;
	cred_trim();
	free(w->out);
	free(w);
}

/* ---- requests ----------------------------------------------------------- */

static uint8_t req[WK_MSG_MAX], ans[WK_MSG_MAX + OUT_MAX];

struct answer {
	struct wk_hdr h;
	size_t off;
};

static void ans_init(struct answer *a, const struct wk_hdr *q)
{
	memset(&a->h, 0, sizeof(a->h));
	a->h.op = q->op;
	a->h.sid = q->sid;
	a->off = sizeof(a->h);
}

static void put(struct answer *a, const void *p, size_t n)
{
	if (wk_put(ans, sizeof(ans), &a->off, p, n) < 0)
		a->h.status = -EMSGSIZE;
}

static void put_str(struct answer *a, const char *s)
{
	put(a, s, strlen(s));
}

static void do_new(const struct wk_hdr *q, const uint8_t *p, size_t len,
		   struct answer *a)
{
	const uint8_t *host, *pem, *ticket = NULL;
	size_t off = sizeof(*q), host_len, pem_len, ticket_len = 0;
	struct wsess *w;
	int r;

	if (wk_get(req, len, &off, &host, &host_len) < 0 ||
	    wk_get(req, len, &off, &pem, &pem_len) < 0 || !host_len ||
	    host_len > 253 || find(q->sid) || n_sessions >= WK_SESSIONS_MAX) {
		a->h.status = -EINVAL;
		put_str(a, "bad request");
		return;
	}
	w = calloc(1, sizeof(*w));
	if (!w) {
		a->h.status = -ENOMEM;
		put_str(a, "out of memory");
		return;
	}
	w->sid = q->sid;
	memcpy(w->host, host, host_len);
	w->next = sessions;
	sessions = w;
	n_sessions++;
	r = cred_get(pem, pem_len, q->flags & WK_SYSTEM_TRUST, &w->cred);
	if (r >= 0)
		r = gnutls_init(&w->tls, GNUTLS_CLIENT | GNUTLS_NONBLOCK |
				GNUTLS_KEY_SHARE_TOP | GNUTLS_NO_TICKETS_TLS12);
	if (r >= 0)
		r = gnutls_priority_set(w->tls, priorities[
					!!(q->flags & WK_LEGACY_SUITES)]);
	if (r >= 0)
		r = gnutls_credentials_set(w->tls, GNUTLS_CRD_CERTIFICATE,
					   w->cred->c);
	if (r >= 0 && !is_ip_literal(w->host))
		r = gnutls_server_name_set(w->tls, GNUTLS_NAME_DNS, w->host,
					   strlen(w->host));
	/*
	 * A third field is a ticket of an earlier session (WK_TICKET) with
	 * the same device, server, anchor and flags: resume.  One GnuTLS
	 * does not accept is only a full handshake.
	 */
	if (r >= 0 && wk_get(req, len, &off, &ticket, &ticket_len) == 0 &&
	    ticket_len)
		gnutls_session_set_data(w->tls, ticket, ticket_len);
	if (r < 0) {
		a->h.status = -EIO;
		put_str(a, gnutls_strerror(r));
		session_free(w);
		return;
	}
	gnutls_session_set_verify_cert(w->tls, w->host, 0);
	gnutls_transport_set_ptr(w->tls, w);
	gnutls_transport_set_push_function(w->tls, push);
	gnutls_transport_set_pull_function(w->tls, pull);
	gnutls_handshake_set_timeout(w->tls, 0);	/* ichipd's deadline */
	put_str(a, "");
}

/* Why verification failed, in the words of the D-Bus docs. */
static const char *verify_reason(struct wsess *w)
{
	unsigned int status = gnutls_session_get_verify_cert_status(w->tls);

	if (status & GNUTLS_CERT_EXPIRED)
		return "certificate expired";
	if (status & GNUTLS_CERT_NOT_ACTIVATED)
		return "certificate not yet valid";
	if (status & GNUTLS_CERT_UNEXPECTED_OWNER)
		return "hostname mismatch";
	if (status & GNUTLS_CERT_INSECURE_ALGORITHM)
		return "weak key or insecure algorithm";
	if (status & GNUTLS_CERT_SIGNER_NOT_FOUND)
		return "unknown CA or self-signed certificate";
	if (status & GNUTLS_CERT_REVOKED)
		return "certificate revoked";
	return "not trusted";
}

static void feed(struct wsess *w, const struct wk_hdr *q, size_t len,
		 size_t *off)
{
	const uint8_t *data;
	size_t n;

	if (wk_get(req, len, off, &data, &n) < 0)
		n = 0, data = NULL;
	w->in = data;
	w->in_len = n;
	w->in_used = 0;
	w->eof = q->flags & 1;
	w->out_len = 0;
	w->out_failed = false;
}

static void do_handshake(struct wsess *w, const struct wk_hdr *q,
			 size_t len, struct answer *a)
{
	const gnutls_datum_t *chain;
	size_t off = sizeof(*q);
	unsigned int n = 0;
	char why[160];
	int r;

	feed(w, q, len, &off);
	r = gnutls_handshake(w->tls);
	a->h.aux = (uint32_t)w->in_used;
	if (r == GNUTLS_E_SUCCESS) {
		a->h.status = 1;
		put(a, w->out, w->out_len);
		put_str(a, gnutls_protocol_get_name(
				gnutls_protocol_get_version(w->tls)));
		put_str(a, gnutls_ciphersuite_get(w->tls) ?: "");
		chain = gnutls_certificate_get_peers(w->tls, &n);
		put(a, n ? chain[0].data : NULL, n ? chain[0].size : 0);
		return;
	}
	if (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED) {
		put(a, w->out, w->out_len);
		return;
	}
	a->h.status = -EIO;
	put(a, w->out, w->out_len);
	if (r == GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR) {
		put_str(a, "VerifyFailed");
		snprintf(why, sizeof(why), "%s", verify_reason(w));
	} else if (r == GNUTLS_E_PREMATURE_TERMINATION && w->eof) {
		put_str(a, "HandshakeFailed");
		snprintf(why, sizeof(why), "closed during the handshake");
	} else {
		put_str(a, "HandshakeFailed");
		snprintf(why, sizeof(why), "%s", gnutls_strerror(r));
	}
	put_str(a, why);
}

static void do_recv(struct wsess *w, const struct wk_hdr *q, size_t len,
		    struct answer *a)
{
	static uint8_t plain[WK_DATA_MAX];
	size_t off = sizeof(*q), room = q->aux, got = 0, before;
	ssize_t n;

	if (room > sizeof(plain))
		room = sizeof(plain);
	feed(w, q, len, &off);
	a->h.status = WK_RECV_MORE;
	while (room - got >= 16384) {
		before = w->in_used;
		n = gnutls_record_recv(w->tls, plain + got, room - got);
		/*
		 * EAGAIN also follows a post-handshake message (a TLS 1.3
		 * session ticket) that was consumed: records behind it wait,
		 * so go on while bytes are taken.
		 */
		if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED) {
			if (w->in_used > before)
				continue;
			break;
		}
		if (n == 0) {
			a->h.status = WK_RECV_CLOSE_NOTIFY;
			break;
		}
		if (n == GNUTLS_E_PREMATURE_TERMINATION && w->eof) {
			a->h.status = WK_RECV_TRUNCATED;
			break;
		}
		if (n < 0) {
			a->h.status = -EPROTO;
			break;
		}
		got += (size_t)n;
	}
	if (a->h.status == WK_RECV_MORE && room - got < 16384)
		a->h.status = WK_RECV_ROOM;
	a->h.aux = (uint32_t)w->in_used;
	put(a, plain, got);
	put(a, w->out, w->out_len);	/* e.g. a key update answer */
}

static void do_send(struct wsess *w, const struct wk_hdr *q, size_t len,
		    struct answer *a)
{
	const uint8_t *data;
	size_t off = sizeof(*q), n, done;
	ssize_t sent;

	w->out_len = 0;
	if (wk_get(req, len, &off, &data, &n) < 0) {
		a->h.status = -EINVAL;
		return;
	}
	/* a peer's record_size_limit makes this take a part at a time */
	for (done = 0; done < n; done += (size_t)sent) {
		sent = gnutls_record_send(w->tls, data + done, n - done);
		if (sent <= 0) {
			a->h.status = -EIO;
			break;
		}
	}
	put(a, w->out, w->out_len);
}

/* TLS 1.3, and the server sent a ticket: the data to resume with. */
static void do_ticket(struct wsess *w, struct answer *a)
{
	gnutls_datum_t d = { NULL, 0 };

	if (gnutls_protocol_get_version(w->tls) != GNUTLS_TLS1_3 ||
	    !(gnutls_session_get_flags(w->tls) &
	      GNUTLS_SFLAGS_SESSION_TICKET) ||
	    gnutls_session_get_data2(w->tls, &d) < 0) {
		put(a, NULL, 0);
		return;
	}
	put(a, d.data, d.size);
	gnutls_memset(d.data, 0, d.size);
	gnutls_free(d.data);
}

static void do_bye(struct wsess *w, struct answer *a)
{
	w->out_len = 0;
	gnutls_bye(w->tls, GNUTLS_SHUT_WR);
	put(a, w->out, w->out_len);
}

/* Certificate intake: the bytes of a D-Bus caller or of the module. */
static void do_ca(const struct wk_hdr *q, size_t len, struct answer *a)
{
	const uint8_t *data, *op;
	size_t off = sizeof(*q), n, opn;
	struct wk_ca_opts wo;
	struct ca_options opt = { 0 };
	struct ca_cert *c = NULL;
	uint8_t *fields = NULL;
	size_t fields_len = 0;
	char why[256] = "";

	if (wk_get(req, len, &off, &data, &n) < 0 ||
	    wk_get(req, len, &off, &op, &opn) < 0 || opn != sizeof(wo)) {
		a->h.status = -EINVAL;
		return;
	}
	memcpy(&wo, op, sizeof(wo));
	opt.force = wo.force;
	opt.allow_self_signed_leaf = wo.allow_self_signed_leaf;
	opt.host_only = wo.host_only;
	opt.module_max = wo.module_max;
	opt.now = (time_t)wo.now;
	if (q->flags == WK_CA_PARSE)
		a->h.status = ca_parse(data, n, &opt, &c, why, sizeof(why));
	else if (q->flags == WK_CA_LOAD)
		a->h.status = ca_load(data, n, &c);
	else if (q->flags == WK_CA_MODULE)
		a->h.status = (c = ca_from_module_answer((const char *)data,
							  n)) ? CA_OK :
			      CA_ERR_INVALID;
	else
		a->h.status = -EINVAL;
	if (c && a->h.status == CA_OK)
		a->h.status = ca_serialize(c, &fields, &fields_len);
	put_str(a, why);
	put(a, fields, fields_len);
	free(fields);
	ca_free(c);
}

static void serve(void)
{
	struct wk_hdr q;
	struct answer a;
	struct wsess *w;
	ssize_t len;

	for (;;) {
		len = recv(WK_FD, req, sizeof(req), 0);
		if (len < 0 && errno == EINTR)
			continue;
		if (len <= 0)
			return;		/* ichipd went away */
		if ((size_t)len < sizeof(q))
			continue;
		memcpy(&q, req, sizeof(q));
		ans_init(&a, &q);
		w = find(q.sid);
		if (q.op == WK_NEW) {
			do_new(&q, req, (size_t)len, &a);
		} else if (q.op == WK_CA) {
			do_ca(&q, (size_t)len, &a);
		} else if (!w) {
			if (q.op == WK_FREE)
				continue;
			a.h.status = -ENOENT;
		} else if (q.op == WK_FREE) {
			session_free(w);
			continue;
		} else if (q.op == WK_HANDSHAKE) {
			do_handshake(w, &q, (size_t)len, &a);
		} else if (q.op == WK_RECV) {
			do_recv(w, &q, (size_t)len, &a);
		} else if (q.op == WK_SEND) {
			do_send(w, &q, (size_t)len, &a);
		} else if (q.op == WK_BYE) {
			do_bye(w, &a);
		} else if (q.op == WK_TICKET) {
			do_ticket(w, &a);
		} else {
			a.h.status = -EINVAL;
		}
		memcpy(ans, &a.h, sizeof(a.h));
		if (send(WK_FD, ans, a.off, MSG_NOSIGNAL) < 0)
			return;
	}
}

int main(void)
{
	int r;

	r = gnutls_global_init();
	if (r >= 0)
		r = priorities_init();
	if (r < 0) {
		fprintf(stderr, "ichip-tls-worker: %s\n", gnutls_strerror(r));
		return 1;
	}
	system_trust_load();
	/* strftime() (ca.c's dates) loads the time zone on first use: now */
	tzset();
	malloc_trim(0);		/* the parse's peak goes back to the system */
	if (tls_worker_sandbox() < 0)
		return 1;
	serve();
	return 0;
}
