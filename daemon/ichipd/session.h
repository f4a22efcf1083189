/* SPDX-License-Identifier: GPL-2.0-only */
/* SPDX-FileCopyrightText: 2026 The ichip authors */
/*
 * A secure-socket session: one module TCP socket, bridged to one end of
 * an AF_UNIX socketpair whose other end the app holds.  Bytes move
 * through three bounded buffers, so a slow app or a slow line applies
 * backpressure instead of growing ichipd.
 */
#ifndef ICHIPD_SESSION_H
#define ICHIPD_SESSION_H

#include <sys/types.h>

#include "device.h"

#define SESSION_NET_IN_MAX	(64 * 1024)	/* from the module */
#define SESSION_NET_OUT_MAX	(128 * 1024)	/* to the module */
#define SESSION_APP_OUT_MAX	(256 * 1024)	/* to the app */
#define SESSION_SSND_MAX	ICHIP_DATA_LEN_MAX
#define SESSION_SSND_SSL_MAX	2048		/* module SSL record limit */
#define SESSION_SRCV_CKSUM_CALM	8192		/* session_srcv_size() */
#define SESSION_SSND_NOFLOW_MAX	256		/* no flow control (manual) */
/* an SRCV answer this big means a stream: SRCV again without an RP4 */
#define SESSION_SRCV_BULK	4096
/*
 * host-tls: ciphertext gathered for one worker request while SRCVs run
 * (up to twice this: three 16 KiB SRCV answers, one worker round trip)
 */
#define SESSION_SRCV_BULK_BATCH	24576

enum session_security {
	SECURITY_HOST_TLS,
	SECURITY_DEVICE_TLS,
	SECURITY_PLAIN,
};

enum session_state {
	SESSION_CONNECTING,
	SESSION_HANDSHAKE,
	SESSION_OPEN,
	SESSION_CLOSED,
};

struct buf {
	uint8_t *data;		/* the first byte not consumed */
	size_t len;
	uint8_t *base;		/* the allocation, cap bytes */
	size_t cap;
};

struct session {
	struct session *next;
	struct device *d;
	unsigned int num;
	char path[96];
	char *host;
	uint16_t port;
	enum session_security security;
	bool system_trust;
	char *owner;			/* D-Bus unique name of the opener */
	uid_t uid;			/* and its uid: per-user limit */
	sd_bus_slot *owner_slot;	/* NameOwnerChanged of the owner */
	sd_event_source *owner_gone;	/* acts on it outside the callback */
	sd_event_source *idle;		/* idle timeout */
	uint64_t last_active;		/* CLOCK_MONOTONIC usec, last byte */
	int handle;			/* module socket, -1 before STCP */
	enum session_state state;
	sd_bus_message *open_msg;	/* OpenSession waiting for its reply */
	sd_bus_slot *slot;
	int fd;				/* our end of the socketpair */
	int app_fd;			/* the app's end, until handed over */
	sd_event_source *io;
	sd_event_source *deadline;
	uint64_t pending_cmd;		/* STCP/SSL in flight (cancel id) */
	bool cmd_busy;
	bool orphan;			/* freed, waits for its STCP answer */
	const char *close_reason;	/* Closed(reason), kept while lingering */
	bool truncated;			/* TCP ended without TLS close_notify */
	bool tls_ended;			/* the worker said how the stream ended */

	uint64_t tls_sid;		/* in the TLS worker; 0: none */
	char tls_tkey[65];		/* its ticket key (tls-tickets.h) */
	unsigned int tls_gen;		/* of which worker */
	bool legacy_suites;		/* allow-legacy-tls12-suites */
	char *tls_version;
	char *cipher;
	uint8_t *peer_der;
	size_t peer_der_len;

	struct buf net_in, net_out, app_out;
	bool ssnd_busy, srcv_busy;
	uint64_t ssnd_id, srcv_id;
	size_t ssnd_len;
	size_t srcv_len;		/* asked for by the SRCV in flight */
	int64_t module_avail;		/* bytes RP4 said are waiting */
	bool app_eof;			/* the app shut down its write side */
	bool app_gone;			/* the app closed its end entirely */
	bool app_drained;		/* read said EAGAIN: wait for EPOLLIN */
	bool peer_eof;			/* the module socket is down */
	bool send_down;			/* SSND refused (203): fetch only */
	unsigned int ssnd_again;	/* SSNDs sent again: session-pump.c */
	bool bye_sent;
	const char *failed;		/* SSND/SRCV failed so: RP4 decides */
	bool stcp_retried;		/* refused (204) while SCLSs were due */
	bool ssl_due;			/* AT+iSSL waits for an STCP's answer */
	bool bulk_wait;			/* waits for the device's bulk turn */
	unsigned int bulk_held;		/* SCHED_SSND/SRCV: holds the turn */
	uint64_t bytes_in, bytes_out;
};

/* session.c: life and D-Bus object */
int method_open_session(sd_bus_message *m, void *userdata,
			sd_bus_error *error);
void session_close(struct session *s, const char *reason);
void sessions_close_all(struct device *d, const char *reason);
void sessions_free_orphans(struct device *d);
unsigned int device_session_count(struct device *d);
int device_session_paths(struct device *d, sd_bus_message *reply);
void session_free(struct session *s);
void open_failed(struct session *s, const char *name, const char *msg);
void unlink_orphan(struct session *s);
void session_opened(struct session *s);

/* session-pump.c */
void session_pump(struct session *s);
bool session_srcv(struct session *s, size_t max);	/* false: not sent */
size_t session_srcv_size(const struct session *s);
bool session_wants_data(const struct session *s);
void session_socket_gone(struct session *s, int code);
void send_to_module(struct session *s);
int on_app_io(sd_event_source *src, int fd, uint32_t events, void *userdata);

/* session-poll.c: the poller's view of a device's sessions */
#define SESSIONS_POLL_ACTIVE	1u	/* an SRCV went out: data moves */
#define SESSIONS_POLL_WAITING	2u	/* an answer from the server is due */
bool sessions_hold_sockets(const struct device *d);
bool sessions_own_handle(const struct device *d, int handle);
/* One session holds a socket, and a command of its own is in flight. */
bool sessions_streaming_alone(const struct device *d);
/* An RP4 answer (vals: its n per-socket values) for every session. */
unsigned int sessions_poll_result(struct device *d,
				  const struct xport_reply *r,
				  const long *vals, int n);

/* session-sched.c: the chunk policy of a shared line */
#define SCHED_SSND	1u
#define SCHED_SRCV	2u
/* How much of @want may go now (0: wait for the device's bulk turn). */
size_t sched_grant(struct session *s, size_t want);
void sched_took(struct session *s, size_t n, unsigned int kind);
void sched_done(struct session *s, unsigned int kind);	/* its answer came */
void sched_forget(struct session *s);		/* commands cancelled, or s goes */
void sched_stop(struct device *d);

/* session-open.c */
void handshake_step(struct session *s);
void session_start_ssl(struct session *s);

/*
 * session-connect.c: while an AT+iSTCP is in flight, no command naming a
 * socket is queued (a reset may let the STCP take an older session's
 * number); SSND/SRCV wait, SCLS is sent after the answer.
 */
bool connect_barrier_up(const struct device *d);
void connect_sent(struct device *d);
void connect_answered(struct device *d, int handle);	/* -1: none given */
void connect_barrier_stop(struct device *d);

/* session-tls.c */
int session_tls_start(struct session *s, const struct ca_cert *anchor,
		      char *why, size_t why_len);
/* 1 done, 0 in progress, <0 failed (why says, error name in *err_name) */
int session_tls_handshake(struct session *s, const char **err_name,
			  char *why, size_t why_len);
/* WK_RECV_* (plaintext appended to app_out), -ESHUTDOWN: worker gone */
int session_tls_recv(struct session *s);
/* ciphertext appended to net_out; -EIO, -ESHUTDOWN: worker gone */
int session_tls_send(struct session *s, const void *data, size_t len);
void session_tls_bye(struct session *s);	/* close_notify to net_out */
void session_tls_free(struct session *s);
/* Drop the TLS state, keep what the properties show (a closed session). */
void session_tls_end(struct session *s);

/* buffers */
int buf_reserve(struct buf *b, size_t cap);
int buf_append(struct buf *b, const void *p, size_t n);
void buf_consume(struct buf *b, size_t n);
static inline size_t buf_room(const struct buf *b, size_t max)
{
	return b->len >= max ? 0 : max - b->len;
}

#endif /* ICHIPD_SESSION_H */
