/* SPDX-License-Identifier: GPL-2.0-only */
/* SPDX-FileCopyrightText: 2026 The ichip authors */
/*
 * TLS 1.3 session tickets of host-tls sessions, kept by ichipd in memory
 * only (never written anywhere), bounded, one per key: the device, the
 * server (host and port), the trust anchor and the options a session was
 * verified with.  A ticket resumes one later session with the same key.
 * ichipd holds them as opaque bytes (the TLS worker makes and reads
 * them), so they outlive a worker that stops when idle.
 */
#ifndef ICHIPD_TLS_TICKETS_H
#define ICHIPD_TLS_TICKETS_H

#include <stddef.h>
#include <stdint.h>

#define TICKETS_MAX		64	/* keys kept; the oldest go first */
#define TICKET_DATA_MAX		8192	/* a bigger one is not kept */
#define TICKET_KEY_MAX		64	/* a SHA-256, hex */

/*
 * The key of a session, into key[TICKET_KEY_MAX + 1]: SHA-256 over the
 * device path, port, host, options and the anchor PEM.
 */
int ticket_key(char *key, const char *dev, unsigned int port,
	       const char *host, uint32_t flags, const void *pem,
	       size_t pem_len);
/* Keep a ticket under key (replaces). */
void ticket_put(const char *key, const void *data, size_t len);
/* The ticket for key, to be freed by the caller, once: it is gone. */
uint8_t *ticket_take(const char *key, size_t *len);
void tickets_clear(void);

#endif /* ICHIPD_TLS_TICKETS_H */
