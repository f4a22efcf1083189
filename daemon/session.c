// SPDX-License-Identifier: GPL-2.0-only
/*
 * org.ichip.Session1 and OpenSession(): connect a module socket, secure it
 * (host-tls in ichipd, device-tls in the module, or plain), then pump
 * bytes between the module and the app's socketpair end.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ca.h"
#include "errors.h"
#include "log.h"
#include "session.h"
#include "tls-client.h"
#include "util.h"

#define CONNECT_TIMEOUT_MS	30000
#define APP_READ_CHUNK		16384

/* ---- buffers ------------------------------------------------------------ */

int buf_reserve(struct buf *b, size_t cap)
{
	uint8_t *p;

	if (b->cap >= cap)
		return 0;
	p = realloc(b->data, cap);
	if (!p)
		return -ENOMEM;
	b->data = p;
	b->cap = cap;
	return 0;
}

int buf_append(struct buf *b, const void *p, size_t n)
{
	if (buf_reserve(b, b->len + n) < 0)
		return -ENOMEM;
	memcpy(b->data + b->len, p, n);
	b->len += n;
	return 0;
}

void buf_consume(struct buf *b, size_t n)
{
	memmove(b->data, b->data + n, b->len - n);
	b->len -= n;
}

static void buf_free(struct buf *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}

/* ---- lookup and bookkeeping --------------------------------------------- */

/* Sessions that hold (or are getting) a module socket: not the closed. */
unsigned int device_session_count(struct device *d)
{
	struct session *s;
	unsigned int n = 0;

	for (s = d->sessions; s; s = s->next)
		if (s->state != SESSION_CLOSED)
			n++;
	return n;
}

int device_session_paths(struct device *d, sd_bus_message *reply)
{
	struct session *s;
	int r;

	r = sd_bus_message_open_container(reply, 'a', "o");
	for (s = d->sessions; r >= 0 && s; s = s->next)
		if (s->slot && s->state != SESSION_CLOSED)
			r = sd_bus_message_append(reply, "o", s->path);
	return r < 0 ? r : sd_bus_message_close_container(reply);
}

static void unlink_session(struct session *s)
{
	struct session **pp;

	for (pp = &s->d->sessions; *pp; pp = &(*pp)->next) {
		if (*pp == s) {
			*pp = s->next;
			return;
		}
	}
}

/*
 * A session whose AT+iSTCP is still in flight cannot know the handle the
 * module will give it: it stays, stripped, on d->orphans until the answer
 * comes, and the socket is closed then (on_connected).
 */
static bool connect_in_flight(const struct session *s)
{
	return s->cmd_busy && s->handle < 0 && !s->d->lost;
}

static void unlink_orphan(struct session *s)
{
	struct session **pp;

	for (pp = &s->d->orphans; *pp; pp = &(*pp)->next) {
		if (*pp == s) {
			*pp = s->next;
			return;
		}
	}
}

void sessions_free_orphans(struct device *d)
{
	struct session *s;

	while ((s = d->orphans)) {
		d->orphans = s->next;
		d->x->ops->cancel(d->x, s->pending_cmd);
		free(s);
	}
}

static void session_free(struct session *s)
{
	struct xport *x = s->d->x;
	bool orphan = connect_in_flight(s);

	if (s->cmd_busy && !orphan)
		x->ops->cancel(x, s->pending_cmd);
	if (s->ssnd_busy)
		x->ops->cancel(x, s->ssnd_id);
	if (s->srcv_busy)
		x->ops->cancel(x, s->srcv_id);
	unlink_session(s);
	sd_event_source_disable_unref(s->io);
	sd_event_source_disable_unref(s->deadline);
	sd_event_source_disable_unref(s->idle);
	sd_event_source_disable_unref(s->owner_gone);
	sd_bus_slot_unref(s->owner_slot);
	if (s->open_msg)
		sd_bus_message_unref(s->open_msg);
	if (s->slot) {
		sd_bus_emit_object_removed(s->d->m->bus, s->path);
		sd_bus_slot_unref(s->slot);
		if (s->state != SESSION_CLOSED)
			device_emit_changed(s->d, "Sessions");
	}
	if (s->fd >= 0)
		close(s->fd);
	if (s->app_fd >= 0)
		close(s->app_fd);
	session_tls_free(s);
	buf_free(&s->net_in);
	buf_free(&s->net_out);
	buf_free(&s->app_out);
	free(s->host);
	free(s->owner);
	if (orphan) {
		s->host = s->owner = NULL;
		s->fd = s->app_fd = -1;
		s->io = s->deadline = s->idle = s->owner_gone = NULL;
		s->owner_slot = NULL;
		s->open_msg = NULL;
		s->slot = NULL;
		s->orphan = true;
		s->next = s->d->orphans;
		s->d->orphans = s;
		return;
	}
	free(s);
}

/* Release the module socket; nobody waits for the answer. */
static void close_module_socket(struct session *s)
{
	device_close_socket(s->d, s->handle);
	s->handle = -1;
}

/* Fail a session that has not been handed out yet. */
static void open_failed(struct session *s, const char *name,
			const char *msg)
{
	log_session(LOG_NOTICE, s->d->name, s->host, "open failed: %s", msg);
	if (s->open_msg)
		sd_bus_reply_method_errorf(s->open_msg, name, "%s", msg);
	close_module_socket(s);
	session_free(s);
}

/*
 * A closed session keeps its object until the app closes its fd: an app
 * that only looks after its fd reported EOF can still read CloseReason.
 * Everything else goes now: the module socket, TLS state, buffers.  Our
 * end is shut for writing (the app reads EOF); the app's close (or its
 * own shutdown) then shows as a hang-up and frees the session.
 */
static void session_linger(struct session *s)
{
	struct xport *x = s->d->x;

	if (s->ssnd_busy)
		x->ops->cancel(x, s->ssnd_id);
	if (s->srcv_busy)
		x->ops->cancel(x, s->srcv_id);
	s->ssnd_busy = s->srcv_busy = false;
	s->idle = sd_event_source_disable_unref(s->idle);
	session_tls_end(s);
	buf_free(&s->net_in);
	buf_free(&s->net_out);
	buf_free(&s->app_out);
	shutdown(s->fd, SHUT_WR);
	sd_event_source_set_io_events(s->io, EPOLLIN);
	sd_event_source_set_enabled(s->io, SD_EVENT_ON);
}

/*
 * Closing on our side (Close(), idle timeout): the server gets what is
 * already encrypted and a TLS close_notify before the socket closes, so
 * it can tell our close from a cut.  Commands run in order: the SSNDs
 * queued here go out before the SCLS that follows.
 */
static void flush_for_close(struct session *s)
{
	size_t max = s->security == SECURITY_DEVICE_TLS ?
		     SESSION_SSND_SSL_MAX : SESSION_SSND_MAX, n;
	char cmd[48];

	if (s->handle < 0 || s->peer_eof || s->d->lost)
		return;
	if (s->security == SECURITY_HOST_TLS && s->tls_sid && !s->bye_sent) {
		session_tls_bye(s);
		s->bye_sent = true;
	}
	if (s->ssnd_busy) {	/* runs on, but its bytes are no longer ours */
		s->d->x->ops->cancel(s->d->x, s->ssnd_id);
		s->ssnd_busy = false;
		buf_consume(&s->net_out, s->ssnd_len);
	}
	while (s->net_out.len) {
		n = s->net_out.len < max ? s->net_out.len : max;
		snprintf(cmd, sizeof(cmd), "AT+iSSND%%:%d,%zu", s->handle, n);
		if (xport_exec(s->d->x, cmd, s->net_out.data, n, 0, NULL, NULL,
			       NULL) < 0)
			break;	/* queue full: the rest is dropped */
		buf_consume(&s->net_out, n);
	}
}

static void session_end(struct session *s, const char *reason, bool linger)
{
	if (s->state != SESSION_OPEN) {
		if (s->state == SESSION_CLOSED) {
			session_free(s);
			return;
		}
		/*
		 * errors.rst: an unanswered command is Timeout; Device1.rst:
		 * a connection reset during the handshake is HandshakeFailed
		 */
		open_failed(s, !strcmp(reason, "device-lost") ? ERR_DEVICE_LOST :
			    !strcmp(reason, "timeout") ? ERR_TIMEOUT :
			    !strcmp(reason, "peer-closed") ?
			    ERR_HANDSHAKE_FAILED : ERR_DEVICE_ERROR, reason);
		return;
	}
	s->state = SESSION_CLOSED;
	s->close_reason = reason;
	log_session(LOG_INFO, s->d->name, s->path + strlen(s->d->path) + 1,
		    "closed (%s): %llu bytes in, %llu out", reason,
		    (unsigned long long)s->bytes_in,
		    (unsigned long long)s->bytes_out);
	sd_bus_emit_signal(s->d->m->bus, s->path, "org.ichip.Session1",
			   "Closed", "s", reason);
	if (!strcmp(reason, "closed") || !strcmp(reason, "idle-timeout"))
		flush_for_close(s);
	/*
	 * A reset lost the socket and the module may hand its number to
	 * the next STCP: a closed session, lingering, holds no number.
	 */
	if (strcmp(reason, "device-lost") && strcmp(reason, "module-reset"))
		close_module_socket(s);
	else
		s->handle = -1;
	/* nobody left to ask: the app closed its fd */
	if (!linger || s->app_gone) {
		session_free(s);
		return;
	}
	sd_bus_emit_properties_changed(s->d->m->bus, s->path,
				       "org.ichip.Session1", "State",
				       "CloseReason", NULL);
	device_emit_changed(s->d, "Sessions");
	session_linger(s);
}

void session_close(struct session *s, const char *reason)
{
	session_end(s, reason, true);
}

/* The device goes: its sessions and their objects with it. */
void sessions_close_all(struct device *d, const char *reason)
{
	while (d->sessions)
		session_end(d->sessions, reason, false);
}

/* ---- the pump ----------------------------------------------------------- */

static void update_io(struct session *s)
{
	uint32_t events = 0;

	if (s->state != SESSION_OPEN)
		return;
	/* read from the app only when a whole record fits towards the line */
	if (!s->app_eof &&
	    buf_room(&s->net_out, SESSION_NET_OUT_MAX) >= APP_READ_CHUNK + 1024)
		events |= EPOLLIN;
	if (s->app_out.len)
		events |= EPOLLOUT;
	sd_event_source_set_io_events(s->io, events);
}

static void on_ssnd(void *userdata, const struct xport_reply *r);

/* Why a failed SSND/SRCV ends the session, in Closed() reasons. */
static const char *reason_from_reply(const struct xport_reply *r)
{
	if (r->status == ICHIP_STATUS_FAILED)
		return r->err == EPIPE || r->err == ENODEV ? "device-lost" :
		       "timeout";
	/* checksum mode: the payload stayed corrupt through every retry */
	if (r->status == ICHIP_STATUS_CHECKSUM)
		return "line-errors";
	/* 200: the socket does not exist any more: the module was reset */
	if (r->status == ICHIP_STATUS_ERROR && r->module_error == 200)
		return "module-reset";
	/* 203: socket down: the server closed or reset the connection */
	if (r->status == ICHIP_STATUS_ERROR && r->module_error == 203)
		return "peer-closed";
	return "module-error";
}

/*
 * A failed SSND/SRCV ends the session.  A timeout or an unexpected error
 * is not named at once: a module reset also loses the reply on the wire,
 * or answers the rest of an SSND payload as a bad command.  The next RP4
 * (after this command in the queue) tells a reset (-200: "module-reset")
 * from the reason the reply gave; see poller.c.
 */
static void session_cmd_failed(struct session *s, const struct xport_reply *r)
{
	const char *reason = reason_from_reply(r);

	if (s->state == SESSION_OPEN && (!strcmp(reason, "timeout") ||
					 !strcmp(reason, "module-error"))) {
		s->failed = reason;
		poller_kick(s->d);
		return;
	}
	session_close(s, reason);
}

static void send_to_module(struct session *s)
{
	size_t max = s->security == SECURITY_DEVICE_TLS ?
		     SESSION_SSND_SSL_MAX : SESSION_SSND_MAX;
	size_t n;
	char cmd[48];
	int r;

	/* over 256 bytes "iChip assumes host flow control" (at-plus-i.md §7) */
	if (s->d->flow == DEV_FLOW_NONE && max > SESSION_SSND_NOFLOW_MAX)
		max = SESSION_SSND_NOFLOW_MAX;
	/* checksum mode streams are 2048 bytes at most (error 227) */
	if (s->d->x->cksum && max > SESSION_SSND_SSL_MAX)
		max = SESSION_SSND_SSL_MAX;
	n = s->net_out.len < max ? s->net_out.len : max;

	if (s->ssnd_busy || !n || s->handle < 0 || s->peer_eof || s->failed)
		return;
	snprintf(cmd, sizeof(cmd), "AT+iSSND%%:%d,%zu", s->handle, n);
	r = xport_exec(s->d->x, cmd, s->net_out.data, n, 0, on_ssnd, s,
		       &s->ssnd_id);
	if (r < 0)
		return;	/* queue full: the next pump retries */
	s->ssnd_busy = true;
	s->ssnd_len = n;
}

static void on_ssnd(void *userdata, const struct xport_reply *r)
{
	struct session *s = userdata;
	struct device *d = s->d;	/* the pump may free s */

	s->ssnd_busy = false;
	if (r->status != ICHIP_STATUS_OK) {
		session_cmd_failed(s, r);
		return;
	}
	buf_consume(&s->net_out, s->ssnd_len);
	/* a handshake record may take more than one SSND (256 bytes) */
	if (s->state == SESSION_HANDSHAKE)
		send_to_module(s);
	else
		session_pump(s);
	poller_kick(d);		/* an answer is likely on its way */
}

/* Plaintext from the app towards the module (TLS-encrypted if host-tls). */
static int from_app(struct session *s)
{
	uint8_t chunk[APP_READ_CHUNK];
	ssize_t n;
	int r;

	while (!s->app_eof &&
	       buf_room(&s->net_out, SESSION_NET_OUT_MAX) >= sizeof(chunk) + 1024) {
		n = read(s->fd, chunk, sizeof(chunk));
		if (n < 0)
			return errno == EAGAIN || errno == EINTR ? 0 : -errno;
		if (n == 0) {
			s->app_eof = true;
			break;
		}
		s->bytes_out += (uint64_t)n;
		s->d->counters.session_bytes_out += (uint64_t)n;
		sd_event_now(s->d->m->event, CLOCK_MONOTONIC, &s->last_active);
		if (s->security != SECURITY_HOST_TLS) {
			if (buf_append(&s->net_out, chunk, (size_t)n) < 0)
				return -ENOMEM;
			continue;
		}
		/* the worker encrypts (a short record send is no error) */
		r = session_tls_send(s, chunk, (size_t)n);
		if (r < 0)
			return r;
	}
	/* the app is done sending: tell the server (TLS close_notify) */
	if (s->app_eof && s->security == SECURITY_HOST_TLS && !s->bye_sent) {
		session_tls_bye(s);
		s->bye_sent = true;
	}
	return 0;
}

/* Bytes from the module towards the app (decrypted if host-tls). */
static int to_app(struct session *s)
{
	ssize_t n;
	int r;

	if (s->security != SECURITY_HOST_TLS) {
		if (buf_append(&s->app_out, s->net_in.data, s->net_in.len) < 0)
			return -ENOMEM;
		buf_consume(&s->net_in, s->net_in.len);
	} else if (buf_room(&s->app_out, SESSION_APP_OUT_MAX) >= 16384 &&
		   !s->tls_ended && (s->net_in.len || s->peer_eof)) {
		/* the worker decrypts what fits, and says how it ended */
		r = session_tls_recv(s);
		if (r == -ESHUTDOWN)
			return r;
		if (r < 0)
			return -EPROTO;
		if (r == WK_RECV_CLOSE_NOTIFY) {
			s->peer_eof = s->tls_ended = true;
		} else if (r == WK_RECV_TRUNCATED) {
			/* TCP ended without close_notify: maybe cut off */
			s->truncated = s->tls_ended = true;
		}
	}
	while (s->app_out.len) {
		n = write(s->fd, s->app_out.data, s->app_out.len);
		if (n < 0)
			return errno == EAGAIN || errno == EINTR ? 0 : -errno;
		s->bytes_in += (uint64_t)n;
		s->d->counters.session_bytes_in += (uint64_t)n;
		sd_event_now(s->d->m->event, CLOCK_MONOTONIC, &s->last_active);
		buf_consume(&s->app_out, (size_t)n);
	}
	return 0;
}

void session_pump(struct session *s)
{
	int r;

	if (s->state != SESSION_OPEN)
		return;
	if (s->app_gone) {
		/*
		 * Nobody to deliver to: send what the app wrote before it
		 * closed, then close.  Reads resume as SSNDs complete (a closed
		 * socket would wake epoll forever).
		 */
		sd_event_source_set_enabled(s->io, SD_EVENT_OFF);
		if (from_app(s) < 0) {
			session_close(s, "app-closed");
			return;
		}
		send_to_module(s);
		if (s->app_eof && !s->ssnd_busy &&
		    (!s->net_out.len || s->peer_eof))
			session_close(s, "app-closed");
		return;
	}
	r = to_app(s);
	if (r == -EPIPE || r == -ECONNRESET) {
		session_close(s, "app-closed");
		return;
	}
	if (r < 0) {
		session_close(s, r == -EPROTO ? "tls-error" :
			      r == -ESHUTDOWN ? "worker-crashed" :
			      "module-error");
		return;
	}
	r = from_app(s);
	if (r < 0) {
		session_close(s, r == -EIO ? "tls-error" :
			      r == -ESHUTDOWN ? "worker-crashed" :
			      "app-closed");
		return;
	}
	send_to_module(s);
	/* everything the server sent has reached the app: done */
	if (s->peer_eof && !s->net_in.len && !s->app_out.len &&
	    !s->srcv_busy) {
		session_close(s, s->truncated ? "truncated" : "peer-closed");
		return;
	}
	/* RP4 said more is waiting: fetch it without another poll round */
	if (s->module_avail > 0 && session_wants_data(s))
		session_srcv(s, session_srcv_size(s));
	update_io(s);
}

bool session_wants_data(const struct session *s)
{
	return s->handle >= 0 && !s->srcv_busy && !s->failed &&
	       s->state != SESSION_CLOSED &&
	       buf_room(&s->net_in, SESSION_NET_IN_MAX) >= 4096 &&
	       buf_room(&s->app_out, SESSION_APP_OUT_MAX) >= 65536;
}

static void handshake_step(struct session *s);

static void on_srcv(void *userdata, const struct xport_reply *r)
{
	struct session *s = userdata;

	s->srcv_busy = false;
	if (r->status == ICHIP_STATUS_ERROR && r->module_error == 203) {
		s->peer_eof = true;
	} else if (r->status != ICHIP_STATUS_OK) {
		session_cmd_failed(s, r);
		return;
	} else if (buf_append(&s->net_in, r->data, r->data_len) < 0) {
		session_close(s, "module-error");
		return;
	}
	/* less than asked for: nothing more waits until the next poll */
	if (r->data_len < s->srcv_len)
		s->module_avail = 0;
	else
		s->module_avail -= (int64_t)r->data_len;
	if (s->state == SESSION_HANDSHAKE)
		handshake_step(s);
	else
		session_pump(s);
}

/* How much one SRCV should ask for: what waits, what fits, what is allowed. */
size_t session_srcv_size(const struct session *s)
{
	size_t want = (size_t)s->module_avail;
	size_t room = buf_room(&s->net_in, SESSION_NET_IN_MAX);

	if (want > room)
		want = room;
	/*
	 * Checksum mode: a damaged payload is fetched again whole, and one
	 * of 16 KiB on a line that flips 1 byte in 10^4 is damaged 4 times
	 * in 5; 2 KiB, as SSND's limit, almost never 4 times in a row.
	 */
	if (s->d->x->cksum && want > SESSION_SSND_SSL_MAX)
		want = SESSION_SSND_SSL_MAX;
	return want > ICHIP_DATA_LEN_MAX ? ICHIP_DATA_LEN_MAX : want;
}

void session_srcv(struct session *s, size_t max)
{
	char cmd[48];

	snprintf(cmd, sizeof(cmd), "AT+iSRCV:%d,%zu", s->handle, max);
	if (xport_exec(s->d->x, cmd, NULL, 0, 0, on_srcv, s, &s->srcv_id) == 0) {
		s->srcv_busy = true;
		s->srcv_len = max;
	}
}

/* RP4 reported a negative state for our socket. */
void session_socket_gone(struct session *s, int code)
{
	if (code == -200) {	/* no such socket: the module was reset */
		session_close(s, "module-reset");
		return;
	}
	s->peer_eof = true;
	if (s->state == SESSION_HANDSHAKE)
		handshake_step(s);
	else
		session_pump(s);
}

/* A closed session: discard what the app still writes, end at its close. */
static void lingering_io(struct session *s, uint32_t events)
{
	uint8_t sink[4096];
	ssize_t n = 1;
	int i;

	for (i = 0; i < 16 && n > 0; i++)
		n = read(s->fd, sink, sizeof(sink));
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR) ||
	    (events & (EPOLLHUP | EPOLLERR)))
		session_free(s);
}

static int on_app_io(sd_event_source *src, int fd, uint32_t events,
		     void *userdata)
{
	struct session *s = userdata;

	if (s->state == SESSION_CLOSED) {
		lingering_io(s, events);
		return 0;
	}

	/* the app closed its end: take what it wrote, send it, then close */
	if ((events & (EPOLLHUP | EPOLLERR)) && !s->app_gone) {
		s->app_gone = true;
		sd_bus_emit_properties_changed(s->d->m->bus, s->path,
					       "org.ichip.Session1", "State",
					       NULL);
	}
	session_pump(s);
	return 0;
}

/* ---- D-Bus object ------------------------------------------------------- */

static int method_close(sd_bus_message *m, void *userdata,
			sd_bus_error *error)
{
	struct session *s = userdata;
	const char *sender = sd_bus_message_get_sender(m);
	_cleanup_(sd_bus_creds_unrefp) sd_bus_creds *creds = NULL;
	uid_t uid = (uid_t)-1;

	if (sd_bus_query_sender_creds(m, SD_BUS_CREDS_EUID, &creds) >= 0)
		sd_bus_creds_get_euid(creds, &uid);
	if (uid != 0 && (!sender || strcmp(sender, s->owner)))
		return sd_bus_error_setf(error, ERR_PERMISSION_DENIED,
					 "only the session's owner may close it");
	sd_bus_reply_method_return(m, NULL);
	/* on a closed session: the app is done with it, remove the object */
	session_close(s, "closed");
	return 1;
}

static int get_prop(sd_bus *bus, const char *path, const char *interface,
		    const char *property, sd_bus_message *reply,
		    void *userdata, sd_bus_error *error)
{
	static const char *const sec[] = { "host-tls", "device-tls", "plain" };
	struct session *s = userdata;

	if (!strcmp(property, "Host"))
		return sd_bus_message_append(reply, "s", s->host);
	if (!strcmp(property, "Port"))
		return sd_bus_message_append(reply, "q", s->port);
	if (!strcmp(property, "Security"))
		return sd_bus_message_append(reply, "s", sec[s->security]);
	if (!strcmp(property, "State"))
		return sd_bus_message_append(reply, "s",
				s->state != SESSION_OPEN ? "closed" :
				s->app_gone ? "closing" : "open");
	if (!strcmp(property, "TLSVersion"))
		return sd_bus_message_append(reply, "s",
				s->tls_version ? s->tls_version : "");
	if (!strcmp(property, "Cipher"))
		return sd_bus_message_append(reply, "s",
				s->cipher ? s->cipher : "");
	if (!strcmp(property, "PeerCertificate"))
		return sd_bus_message_append_array(reply, 'y',
				s->peer_der ? s->peer_der : (uint8_t *)"",
				s->peer_der_len);
	if (!strcmp(property, "CloseReason"))
		return sd_bus_message_append(reply, "s",
				s->close_reason ? s->close_reason : "");
	if (!strcmp(property, "BytesIn"))
		return sd_bus_message_append(reply, "t", s->bytes_in);
	return sd_bus_message_append(reply, "t", s->bytes_out);
}

static const sd_bus_vtable session_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_PROPERTY("Host", "s", get_prop, 0, SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_PROPERTY("Port", "q", get_prop, 0, SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_PROPERTY("Security", "s", get_prop, 0,
			SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_PROPERTY("State", "s", get_prop, 0,
			SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
	SD_BUS_PROPERTY("TLSVersion", "s", get_prop, 0,
			SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
	SD_BUS_PROPERTY("Cipher", "s", get_prop, 0,
			SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
	SD_BUS_PROPERTY("PeerCertificate", "ay", get_prop, 0,
			SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
	SD_BUS_PROPERTY("CloseReason", "s", get_prop, 0,
			SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
	SD_BUS_PROPERTY("BytesIn", "t", get_prop, 0, 0),
	SD_BUS_PROPERTY("BytesOut", "t", get_prop, 0, 0),
	SD_BUS_METHOD_WITH_ARGS("Close", SD_BUS_NO_ARGS, SD_BUS_NO_RESULT,
				method_close, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_SIGNAL_WITH_ARGS("Closed", SD_BUS_ARGS("s", reason), 0),
	SD_BUS_VTABLE_END
};

/*
 * No byte in either direction for the idle timeout: the session ends, so
 * a forgotten connection does not hold one of the module's ten sockets
 * for good.  One timer per session, moved on only when it fires.
 */
static int on_idle(sd_event_source *src, uint64_t usec, void *userdata)
{
	struct session *s = userdata;
	uint64_t idle = s->d->m->idle_timeout_us;

	if (usec < s->last_active + idle) {
		sd_event_source_set_time(src, s->last_active + idle);
		sd_event_source_set_enabled(src, SD_EVENT_ONESHOT);
		return 0;
	}
	session_close(s, "idle-timeout");
	return 0;
}

/* Connected and secured: export the object and hand the app its fd. */
static void session_opened(struct session *s)
{
	struct manager *m = s->d->m;
	int r;

	sd_event_source_disable_unref(s->deadline);
	s->deadline = NULL;
	sd_event_now(m->event, CLOCK_MONOTONIC, &s->last_active);
	r = sd_bus_add_object_vtable(m->bus, &s->slot, s->path,
				     "org.ichip.Session1", session_vtable, s);
	if (r >= 0)
		r = sd_event_add_io(m->event, &s->io, s->fd, EPOLLIN,
				    on_app_io, s);
	if (r >= 0 && m->idle_timeout_us)
		r = sd_event_add_time(m->event, &s->idle, CLOCK_MONOTONIC,
				      s->last_active + m->idle_timeout_us,
				      1000000, on_idle, s);
	if (r < 0) {
		open_failed(s, ERR_DEVICE_ERROR, "cannot export the session");
		return;
	}
	s->state = SESSION_OPEN;
	r = sd_bus_reply_method_return(s->open_msg, "oh", s->path, s->app_fd);
	sd_bus_message_unref(s->open_msg);
	s->open_msg = NULL;
	close(s->app_fd);	/* sd-bus sent a duplicate */
	s->app_fd = -1;
	if (r < 0) {
		session_close(s, "app-closed");
		return;
	}
	s->d->counters.sessions_opened++;
	sd_bus_emit_object_added(m->bus, s->path);
	device_emit_changed(s->d, "Sessions");
	log_session(LOG_INFO, s->d->name, s->path + strlen(s->d->path) + 1,
		    "open to %s:%u (%s%s%s)", s->host, s->port,
		    s->security == SECURITY_PLAIN ? "plain" :
		    s->security == SECURITY_DEVICE_TLS ? "device-tls" :
		    "host-tls ", s->tls_version ? s->tls_version : "",
		    "");
	poller_kick(s->d);
	session_pump(s);	/* may close (and free) s */
}

static void handshake_step(struct session *s)
{
	const char *name = ERR_HANDSHAKE_FAILED;
	char why[256];
	int r;

	r = session_tls_handshake(s, &name, why, sizeof(why));
	if (r < 0) {
		open_failed(s, name, why);
		return;
	}
	send_to_module(s);
	if (r == 1) {
		session_opened(s);
		return;
	}
	if (s->peer_eof && !s->net_in.len)
		open_failed(s, ERR_HANDSHAKE_FAILED,
			    "server closed the connection during the handshake");
	else
		poller_kick(s->d);
}

/* A command that got no answer: the line went away, or it timed out. */
static const char *failed_error(const struct xport_reply *r)
{
	return r->err == EPIPE || r->err == ENODEV ? ERR_DEVICE_LOST :
	       ERR_TIMEOUT;
}

static const char *failed_why(struct session *s, const struct xport_reply *r,
			      char *why, size_t len)
{
	snprintf(why, len, "%s:%u: %s", s->host, s->port,
		 r->err == EPIPE || r->err == ENODEV ? "device lost" :
		 "the module did not answer");
	return why;
}

static void on_ssl(void *userdata, const struct xport_reply *r)
{
	struct session *s = userdata;
	char why[160];

	s->cmd_busy = false;
	if (r->status == ICHIP_STATUS_OK) {
		session_opened(s);
		return;
	}
	if (r->status == ICHIP_STATUS_FAILED) {
		open_failed(s, failed_error(r), failed_why(s, r, why,
							   sizeof(why)));
		return;
	}
	snprintf(why, sizeof(why), "%s:%u: module SSL error %03u", s->host,
		 s->port, r->module_error);
	switch (r->module_error) {
	case 222:
		open_failed(s, ERR_NO_CA, "the module has no CA certificate");
		break;
	case 220:
		open_failed(s, ERR_VERIFY_FAILED, why);
		break;
	case 225:
		open_failed(s, ERR_TOO_MANY_SESSIONS,
			    "the module allows one SSL socket at a time");
		break;
	default:
		open_failed(s, ERR_HANDSHAKE_FAILED, why);
		break;
	}
}

/*
 * The module handed out a socket number another session still holds: it
 * lost that socket in a reset (whose reply loss may have left the holder
 * waiting for an RP4 that now shows the number in use).  The holder must
 * not close it: it is the new session's now.
 */
static void reset_holder_of(struct session *s, int handle)
{
	struct session *o;

	for (o = s->d->sessions; o; o = o->next) {
		if (o != s && o->handle == handle) {
			o->handle = -1;
			session_close(o, "module-reset");
			return;
		}
	}
}

static void on_connected(void *userdata, const struct xport_reply *r)
{
	struct session *s = userdata;
	char why[256];
	int handle;

	s->cmd_busy = false;
	if (s->orphan) {	/* connected for nobody: close it at once */
		if (r->status == ICHIP_STATUS_OK &&
		    sscanf(r->text, "%d", &handle) == 1) {
			log_dev(LOG_INFO, s->d->name,
				"closing module socket %d: its session is gone",
				handle);
			device_close_socket(s->d, handle);
		}
		unlink_orphan(s);
		free(s);
		return;
	}
	if (r->status == ICHIP_STATUS_FAILED) {
		open_failed(s, failed_error(r), failed_why(s, r, why,
							   sizeof(why)));
		return;
	}
	/*
	 * No free socket while SCLSs queued behind this STCP are on their
	 * way (stale sockets at start, sessions just closed): ask again
	 * behind them, once.
	 */
	if (r->status == ICHIP_STATUS_ERROR && r->module_error == 204 &&
	    s->d->closing && !s->stcp_retried) {
		snprintf(why, sizeof(why), "AT+iSTCP:%s,%u", s->host, s->port);
		if (xport_exec(s->d->x, why, NULL, 0, 0, on_connected, s,
			       &s->pending_cmd) == 0) {
			s->stcp_retried = true;
			s->cmd_busy = true;
			return;
		}
	}
	if (r->status != ICHIP_STATUS_OK) {
		snprintf(why, sizeof(why), "%s:%u: module error %03u", s->host,
			 s->port, r->module_error);
		open_failed(s, r->module_error == 204 ? ERR_TOO_MANY_SESSIONS :
			    ERR_CONNECT_FAILED, why);
		return;
	}
	if (sscanf(r->text, "%d", &handle) != 1 || handle < 0 ||
	    handle >= ICHIPD_MAX_SOCKETS) {
		open_failed(s, ERR_DEVICE_ERROR, "module gave no socket handle");
		return;
	}
	reset_holder_of(s, handle);
	s->handle = handle;
	if (s->security == SECURITY_DEVICE_TLS) {
		char cmd[32];

		snprintf(cmd, sizeof(cmd), "AT+iSSL:%d", handle);
		if (xport_exec(s->d->x, cmd, NULL, 0, 0, on_ssl, s,
			       &s->pending_cmd) < 0) {
			open_failed(s, ERR_DEVICE_ERROR, "cannot queue SSL");
			return;
		}
		s->cmd_busy = true;
		return;
	}
	if (s->security == SECURITY_PLAIN) {
		session_opened(s);
		return;
	}
	s->state = SESSION_HANDSHAKE;
	handshake_step(s);
}

static int on_deadline(sd_event_source *src, uint64_t usec, void *userdata)
{
	struct session *s = userdata;

	open_failed(s, ERR_TIMEOUT, "connect and handshake took too long");
	return 0;
}

/* ---- OpenSession --------------------------------------------------------- */

struct open_args {
	char *host;
	uint16_t port;
	enum session_security security;
	bool system_trust;
	bool legacy_suites;
	uint32_t timeout_ms;
};

/* Host names and IP literals only: the host goes into an AT+i argument. */
static bool host_ok(const char *host)
{
	size_t i, n = strlen(host);

	if (!n || n > 253)
		return false;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)host[i]) && !strchr(".-:_", host[i]))
			return false;
	return true;
}

static int on_owner_gone(sd_event_source *src, void *userdata)
{
	struct session *s = userdata;

	s->owner_gone = sd_event_source_disable_unref(s->owner_gone);
	if (s->state == SESSION_OPEN)
		return 0;	/* the fd may live on in another process */
	if (s->state == SESSION_CLOSED) {
		session_free(s);
		return 0;
	}
	log_session(LOG_INFO, s->d->name, s->host,
		    "caller %s left the bus: connect cancelled", s->owner);
	open_failed(s, ERR_DEVICE_ERROR, "the caller left the bus");
	return 0;
}

/* The owner's unique name lost its owner: it left the bus. */
static int on_owner_changed(sd_bus_message *m, void *userdata,
			    sd_bus_error *error)
{
	struct session *s = userdata;
	const char *name, *old, *new;

	if (sd_bus_message_read(m, "sss", &name, &old, &new) < 0 ||
	    strcmp(name, s->owner) || *new || s->owner_gone)
		return 0;
	/* not from inside the slot's own callback: the slot goes with s */
	sd_event_add_defer(s->d->m->event, &s->owner_gone, on_owner_gone, s);
	return 0;
}

static void watch_owner(struct session *s)
{
	char match[256];

	if (!s->owner[0] || strlen(s->owner) > 100)
		return;
	snprintf(match, sizeof(match),
		 "type='signal',sender='org.freedesktop.DBus',"
		 "path='/org/freedesktop/DBus',interface='org.freedesktop.DBus',"
		 "member='NameOwnerChanged',arg0='%s'", s->owner);
	sd_bus_add_match_async(s->d->m->bus, &s->owner_slot, match,
			       on_owner_changed, NULL, s);
}

static int start_session(struct device *d, sd_bus_message *m,
			 struct open_args *a, uid_t uid)
{
	struct session *s = calloc(1, sizeof(*s));
	int pair[2], r;
	char cmd[300];

	if (!s)
		return -ENOMEM;
	s->d = d;
	s->fd = s->app_fd = -1;
	s->handle = -1;
	s->num = d->next_session++;
	snprintf(s->path, sizeof(s->path), "%s/session%u", d->path, s->num);
	s->host = a->host;
	a->host = NULL;
	s->port = a->port;
	s->security = a->security;
	s->system_trust = a->system_trust;
	s->legacy_suites = a->legacy_suites;
	s->owner = strdup(sd_bus_message_get_sender(m) ?: "");
	s->uid = uid;
	s->open_msg = sd_bus_message_ref(m);
	s->state = SESSION_CONNECTING;
	s->next = d->sessions;
	d->sessions = s;

	/* the app's end stays blocking: simple clients just read() */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) ||
	    fcntl(pair[0], F_SETFL, O_NONBLOCK)) {
		open_failed(s, ERR_DEVICE_ERROR, "socketpair failed");
		return 1;
	}
	s->fd = pair[0];
	s->app_fd = pair[1];
	if (s->owner)
		watch_owner(s);
	if (s->security == SECURITY_HOST_TLS) {
		char why[160];

		if (session_tls_start(s, device_anchor(d), why, sizeof(why))) {
			open_failed(s, ERR_HANDSHAKE_FAILED, why);
			return 1;
		}
	}
	r = sd_event_add_time_relative(d->m->event, &s->deadline,
				       CLOCK_MONOTONIC,
				       a->timeout_ms * 1000ULL, 0,
				       on_deadline, s);
	snprintf(cmd, sizeof(cmd), "AT+iSTCP:%s,%u", s->host, s->port);
	if (r >= 0)
		r = xport_exec(d->x, cmd, NULL, 0, 0, on_connected, s,
			       &s->pending_cmd);
	if (r < 0) {
		open_failed(s, ERR_DEVICE_ERROR, "cannot queue the connect");
		return 1;
	}
	s->cmd_busy = true;
	return 1;
}

struct open_request {
	struct manager *mgr;
	char path[64];
	uid_t uid;
	struct open_args a;
	bool legacy_checked;
};

static uid_t sender_uid(sd_bus_message *m)
{
	_cleanup_(sd_bus_creds_unrefp) sd_bus_creds *creds = NULL;
	uid_t uid = (uid_t)-1;

	if (sd_bus_query_sender_creds(m, SD_BUS_CREDS_EUID, &creds) >= 0)
		sd_bus_creds_get_euid(creds, &uid);
	return uid;
}

/*
 * The per-user limit (ichipd.conf max-sessions-per-user, per device,
 * root exempt) counts a user's closed sessions that still linger too;
 * the oldest of those is removed to make room (evict), so lingering
 * objects stay bounded without refusing the user.
 */
static bool user_has_room(struct device *d, uid_t uid, bool evict)
{
	unsigned int cap = d->m->max_sessions_per_user, n;
	struct session *s, *oldest_closed;

	if (!cap || uid == 0)
		return true;
	for (;;) {
		n = 0;
		oldest_closed = NULL;
		/* newest first: the last closed one found is the oldest */
		for (s = d->sessions; s; s = s->next) {
			if (s->uid != uid)
				continue;
			if (s->state == SESSION_CLOSED)
				oldest_closed = s;
			if (s->state != SESSION_CLOSED || evict)
				n++;
		}
		if (n < cap)
			return true;
		if (!evict || !oldest_closed)
			return false;
		session_free(oldest_closed);
	}
}

static void open_request_free(struct open_request *req)
{
	free(req->a.host);
	free(req);
}

static void open_authorized(void *userdata, sd_bus_message *m, int allowed,
			    const sd_bus_error *perr)
{
	struct open_request *req = userdata;
	struct device *d = manager_find_device(req->mgr, req->path);

	if (!allowed) {
		polkit_reply_denied(m, perr, req->legacy_checked ?
				    "not authorized for legacy TLS" :
				    "not authorized to open sessions");
		goto out;
	}
	if (!d) {
		sd_bus_reply_method_errorf(m, ERR_DEVICE_LOST, "device gone");
		goto out;
	}
	/* device-tls needs its own, stronger authorization too */
	if (req->a.security == SECURITY_DEVICE_TLS && !req->legacy_checked) {
		req->legacy_checked = true;
		if (polkit_check(d->m, m, "org.ichip.legacy-tls",
				 open_authorized, req) < 0) {
			sd_bus_reply_method_errorf(m, ERR_PERMISSION_DENIED,
						   "authorization failed");
			goto out;
		}
		return;
	}
	if (device_session_count(d) >= ICHIPD_SESSIONS_LIMIT) {
		sd_bus_reply_method_errorf(m, ERR_TOO_MANY_SESSIONS,
					   "%u sessions open on %s",
					   ICHIPD_SESSIONS_LIMIT, d->name);
		goto out;
	}
	if (!user_has_room(d, req->uid, true)) {
		sd_bus_reply_method_errorf(m, ERR_TOO_MANY_SESSIONS,
					   "%u sessions of this user on %s",
					   d->m->max_sessions_per_user, d->name);
		goto out;
	}
	start_session(d, m, &req->a, req->uid);
out:
	open_request_free(req);
}

static bool has_device_tls(struct device *d)
{
	struct session *s;

	for (s = d->sessions; s; s = s->next)
		if (s->security == SECURITY_DEVICE_TLS)
			return true;
	return false;
}

int method_open_session(sd_bus_message *m, void *userdata,
			sd_bus_error *error)
{
	struct device *d = userdata;
	const char *host, *security = "host-tls";
	bool legacy = false, system_trust = false, legacy_suites = false;
	uint32_t timeout_ms = CONNECT_TIMEOUT_MS;
	struct open_request *req;
	uint16_t port;
	const struct option_spec spec[] = {
		{ "security", 's', &security, NULL },
		{ "allow-legacy-tls", 'b', &legacy, NULL },
		{ "system-trust", 'b', &system_trust, NULL },
		{ "allow-legacy-tls12-suites", 'b', &legacy_suites, NULL },
		{ "timeout-ms", 'u', &timeout_ms, NULL },
		{ NULL, 0, NULL, NULL },
	};
	enum session_security sec;
	uid_t uid;
	int r;

	r = sd_bus_message_read(m, "sq", &host, &port);
	if (r < 0)
		return r;
	r = options_parse(m, spec, error);
	if (r < 0)
		return r;
	if (!host_ok(host))
		return sd_bus_error_setf(error, ERR_INVALID_ARGUMENT,
					 "bad host name");
	if (port == 0)
		return sd_bus_error_setf(error, ERR_INVALID_ARGUMENT,
					 "port 0");
	if (timeout_ms < 100 || timeout_ms > 600000)
		return sd_bus_error_setf(error, ERR_INVALID_ARGUMENT,
					 "timeout-ms out of 100..600000");
	if (!strcmp(security, "host-tls"))
		sec = SECURITY_HOST_TLS;
	else if (!strcmp(security, "device-tls"))
		sec = SECURITY_DEVICE_TLS;
	else if (!strcmp(security, "plain"))
		sec = SECURITY_PLAIN;
	else
		return sd_bus_error_setf(error, ERR_INVALID_ARGUMENT,
					 "unknown security mode '%s'", security);
	if (system_trust && sec != SECURITY_HOST_TLS)
		return sd_bus_error_setf(error, ERR_INVALID_ARGUMENT,
					 "system-trust applies to host-tls only");
	if (legacy_suites && sec != SECURITY_HOST_TLS)
		return sd_bus_error_setf(error, ERR_INVALID_ARGUMENT,
			"allow-legacy-tls12-suites applies to host-tls only");
	if (sec == SECURITY_DEVICE_TLS && !legacy)
		return sd_bus_error_setf(error, ERR_LEGACY_TLS_REFUSED,
			"device-tls is the module's SSL3/TLS1.0: pass allow-legacy-tls to use it");
	if (sec == SECURITY_DEVICE_TLS && has_device_tls(d))
		return sd_bus_error_setf(error, ERR_TOO_MANY_SESSIONS,
			"the module allows one device-tls session at a time");
	if (sec == SECURITY_HOST_TLS && !device_anchor(d) && !system_trust)
		return sd_bus_error_setf(error, ERR_NO_CA,
			"%s has no CA certificate to verify servers with",
			d->name);
	if (device_session_count(d) >= ICHIPD_SESSIONS_LIMIT)
		return sd_bus_error_setf(error, ERR_TOO_MANY_SESSIONS,
					 "%u sessions open on %s",
					 ICHIPD_SESSIONS_LIMIT, d->name);
	if (d->lost)
		return sd_bus_error_setf(error, ERR_DEVICE_LOST, "device lost");
	uid = sender_uid(m);
	if (uid == (uid_t)-1)
		return sd_bus_error_setf(error, ERR_PERMISSION_DENIED,
					 "cannot tell the caller's uid");
	if (!user_has_room(d, uid, false))
		return sd_bus_error_setf(error, ERR_TOO_MANY_SESSIONS,
					 "%u sessions of this user on %s",
					 d->m->max_sessions_per_user, d->name);

	req = calloc(1, sizeof(*req));
	if (!req)
		return -ENOMEM;
	req->mgr = d->m;
	req->uid = uid;
	snprintf(req->path, sizeof(req->path), "%s", d->path);
	req->a.host = strdup(host);
	req->a.port = port;
	req->a.security = sec;
	req->a.system_trust = system_trust;
	req->a.legacy_suites = legacy_suites;
	req->a.timeout_ms = timeout_ms;
	r = polkit_check(d->m, m, "org.ichip.open-session", open_authorized,
			 req);
	if (r < 0) {
		open_request_free(req);
		return r;
	}
	return 1;
}

/*
 * The TLS worker died: the sessions whose TLS state it held end (open
 * ones with reason worker-crashed, ones still connecting with an
 * error); plain and device-tls sessions and the devices go on.
 */
void sessions_tls_worker_crashed(struct manager *m)
{
	unsigned int gen = tls_worker_gen();
	struct device *d;
	struct session *s;

again:
	for (d = m->devices; d; d = d->next) {
		for (s = d->sessions; s; s = s->next) {
			if (s->security != SECURITY_HOST_TLS || !s->tls_sid ||
			    s->tls_gen == gen || s->state == SESSION_CLOSED)
				continue;
			s->tls_sid = 0;
			if (s->state == SESSION_OPEN)
				session_close(s, "worker-crashed");
			else
				open_failed(s, ERR_HANDSHAKE_FAILED,
					    "the TLS worker crashed");
			goto again;	/* the list changed */
		}
	}
}
