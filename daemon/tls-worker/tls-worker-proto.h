/* SPDX-License-Identifier: GPL-2.0-only */
/* SPDX-FileCopyrightText: 2026 The ichip authors */
/*
 * ichipd <-> ichip-tls-worker: the host-tls engine runs in a worker
 * process without capabilities, under seccomp, with no file access, so
 * the process holding CAP_NET_ADMIN never parses a TLS record or a
 * server's certificate.  ichipd moves the ciphertext between the module
 * and the worker as opaque bytes.
 *
 * One SOCK_SEQPACKET socketpair; ichipd asks, the worker answers, one
 * request at a time (each is bounded work: a handshake step, a batch of
 * records), in order.  Every message is a header and a payload of
 * length-prefixed fields (wk_put/wk_get).
 */
#ifndef ICHIP_TLS_WORKER_PROTO_H
#define ICHIP_TLS_WORKER_PROTO_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define WK_DATA_MAX	(64 * 1024)		/* bytes in one request */
#define WK_MSG_MAX	(WK_DATA_MAX + 4096)	/* header and fields too */
#define WK_SESSIONS_MAX	512

enum wk_op {
	WK_NEW = 1,	/* host, anchor PEM[, ticket] -> status (0 or -errno),
			 * why */
	WK_HANDSHAKE,	/* ciphertext in -> status (1 done, 0 more, <0),
			 * consumed, ciphertext out, then version, cipher,
			 * peer DER (done) or error name, why (failed) */
	WK_RECV,	/* ciphertext in, room -> status, consumed, plaintext */
	WK_SEND,	/* plaintext -> status, ciphertext */
	WK_BYE,		/* -> ciphertext (close_notify) */
	WK_FREE,	/* no answer */
	WK_CA,		/* certificate intake (ca.c): flags = WK_CA_*, bytes,
			 * struct wk_ca_opts -> status (enum ca_error or
			 * -errno), why, the fields (ca_serialize) */
	WK_TICKET,	/* -> TLS 1.3 resumption data (empty: none yet) */
};

#define WK_CA_PARSE	1	/* ca_parse: SetCA's input, with options */
#define WK_CA_LOAD	2	/* ca_load: a persisted copy */
#define WK_CA_MODULE	3	/* ca_from_module_answer: AT+iCA? */

struct wk_ca_opts {
	uint8_t force, allow_self_signed_leaf, host_only, pad;
	uint32_t module_max;
	int64_t now;
};

/* WK_NEW flags */
#define WK_SYSTEM_TRUST		1u
#define WK_LEGACY_SUITES	2u

/* WK_RECV status beyond errors */
#define WK_RECV_MORE		0	/* wants more ciphertext */
#define WK_RECV_CLOSE_NOTIFY	1	/* the server ended cleanly */
#define WK_RECV_TRUNCATED	2	/* TCP ended without close_notify */
#define WK_RECV_ROOM		3	/* stopped: the room is full */

struct wk_hdr {
	uint32_t op;
	uint32_t flags;		/* WK_NEW flags; RECV/HANDSHAKE: 1 = peer EOF */
	uint64_t sid;		/* ichipd's session id */
	int32_t status;
	uint32_t aux;		/* RECV: room; answers: bytes consumed */
};

/* A field: u32 length, then the bytes.  Both return 0 or -1 (no room). */
static inline int wk_put(uint8_t *msg, size_t cap, size_t *off,
			 const void *p, size_t n)
{
	uint32_t len = (uint32_t)n;

	if (n > WK_MSG_MAX || *off + 4 + n > cap)
		return -1;
	memcpy(msg + *off, &len, 4);
	if (n)
		memcpy(msg + *off + 4, p, n);
	*off += 4 + n;
	return 0;
}

static inline int wk_get(const uint8_t *msg, size_t len, size_t *off,
			 const uint8_t **p, size_t *n)
{
	uint32_t flen;

	if (*off + 4 > len)
		return -1;
	memcpy(&flen, msg + *off, 4);
	if (flen > len - *off - 4)
		return -1;
	*p = msg + *off + 4;
	*n = flen;
	*off += 4 + flen;
	return 0;
}

#endif /* ICHIP_TLS_WORKER_PROTO_H */
