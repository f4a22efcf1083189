/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * TLS 1.3 session tickets of the TLS worker, kept in memory only (never
 * written anywhere), bounded, one per key: the device, the server (host
 * and port), the trust anchor and the options a session was verified
 * with.  A ticket resumes one later session with the same key only.
 */
#ifndef ICHIP_TLS_WORKER_TICKETS_H
#define ICHIP_TLS_WORKER_TICKETS_H

#include <stddef.h>
#include <stdint.h>

#include <gnutls/gnutls.h>

#define TICKETS_MAX		64	/* keys kept; the oldest go first */
#define TICKET_DATA_MAX		8192	/* a bigger one is not kept */
#define TICKET_KEY_MAX		64	/* a SHA-256, hex */

/*
 * The key of a session, into key[TICKET_KEY_MAX + 1]: SHA-256 over what
 * ichipd said (device and port), the host, the flags and the anchor.
 */
int ticket_key(char *key, const void *dev, size_t dev_len, const char *host,
	       uint32_t flags, const void *pem, size_t pem_len);
/* Store the session's resumption data under key (replaces). */
void ticket_put(const char *key, gnutls_session_t tls);
/* Hand the ticket for key (if any) to a new session, once: it is gone. */
void ticket_take(const char *key, gnutls_session_t tls);

#endif /* ICHIP_TLS_WORKER_TICKETS_H */
