// SPDX-License-Identifier: GPL-2.0-only
// SPDX-FileCopyrightText: 2026 The ichip authors
/*
 * org.ichip.Session1: a session's life (bookkeeping, close, linger, free)
 * and its D-Bus object.  Opening is session-open.c, moving bytes
 * session-pump.c, host-tls session-tls.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ca.h"
#include "device.h"
#include "errors.h"
#include "ichip-dbus-members.h"
#include "ichip-dbus.h"
#include "log.h"
#include "manager.h"
#include "poller.h"
#include "session.h"
#include "tls-client.h"
#include "util.h"

/* ---- buffers ------------------------------------------------------------ */

/*
 * Consuming advances data instead of moving what is left down: an SSND
 * takes 32 KiB off the front of up to 128 KiB, and the memmove that did
 * was a twentieth of ichipd's CPU in a transfer (perf, issue 16).  The
 * bytes move down only when an append would not fit behind them.
 */
int buf_reserve(struct buf *b, size_t cap)
{
	size_t head = b->base ? (size_t)(b->data - b->base) : 0;
	uint8_t *p;

	if (head + cap <= b->cap)
		return 0;
	if (head) {
		memmove(b->base, b->data, b->len);
		b->data = b->base;
		if (cap <= b->cap)
			return 0;
	}
	cap = (cap + 4095) & ~(size_t)4095;
	p = realloc(b->base, cap);
	if (!p)
		return -ENOMEM;
	b->base = b->data = p;
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
	b->data += n;
	b->len -= n;
	if (!b->len)
		b->data = b->base;
}

static void buf_free(struct buf *b)
{
	free(b->base);
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

void unlink_orphan(struct session *s)
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

void session_free(struct session *s)
{
	struct xport *x = s->d->x;
	bool orphan = connect_in_flight(s);

	sched_forget(s);
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
			device_emit_changed(s->d, ICHIP_DEVICE1_SESSIONS);
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
void open_failed(struct session *s, const char *name,
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
	sched_forget(s);
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

	/*
	 * Behind a connect (session-connect.c) an SSND could reach another
	 * session's socket: then the pending data is dropped (Session1.rst).
	 */
	if (s->handle < 0 || s->peer_eof || s->d->lost ||
	    connect_barrier_up(s->d))
		return;
	if (s->security == SECURITY_HOST_TLS && s->tls_sid && !s->bye_sent) {
		session_tls_bye(s);
		s->bye_sent = true;
	}
	if (s->ssnd_busy) {	/* runs on, but its bytes are no longer ours */
		s->d->x->ops->cancel(s->d->x, s->ssnd_id);
		s->ssnd_busy = false;
		sched_done(s, SCHED_SSND);
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
		 * a connection reset during the handshake, or a handshake
		 * command the line damaged, is HandshakeFailed
		 */
		open_failed(s, !strcmp(reason, "device-lost") ? ERR_DEVICE_LOST :
			    !strcmp(reason, "timeout") ? ERR_TIMEOUT :
			    !strcmp(reason, "peer-closed") ||
			    (!strcmp(reason, "line-errors") &&
			     s->state == SESSION_HANDSHAKE) ?
			    ERR_HANDSHAKE_FAILED : ERR_DEVICE_ERROR, reason);
		return;
	}
	s->state = SESSION_CLOSED;
	s->close_reason = reason;
	log_session(LOG_INFO, s->d->name, s->path + strlen(s->d->path) + 1,
		    "closed (%s): %llu bytes in, %llu out", reason,
		    (unsigned long long)s->bytes_in,
		    (unsigned long long)s->bytes_out);
	sd_bus_emit_signal(s->d->m->bus, s->path, ICHIP_SESSION_IFACE,
			   ICHIP_SESSION1_CLOSED, "s", reason);
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
				       ICHIP_SESSION_IFACE, ICHIP_SESSION1_STATE,
				       ICHIP_SESSION1_CLOSE_REASON, NULL);
	device_emit_changed(s->d, ICHIP_DEVICE1_SESSIONS);
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
	sched_stop(d);
	connect_barrier_stop(d);
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

	if (!strcmp(property, ICHIP_SESSION1_HOST))
		return sd_bus_message_append(reply, "s", s->host);
	if (!strcmp(property, ICHIP_SESSION1_PORT))
		return sd_bus_message_append(reply, "q", s->port);
	if (!strcmp(property, ICHIP_SESSION1_SECURITY))
		return sd_bus_message_append(reply, "s", sec[s->security]);
	if (!strcmp(property, ICHIP_SESSION1_STATE))
		return sd_bus_message_append(reply, "s",
				s->state != SESSION_OPEN ? "closed" :
				s->app_gone ? "closing" : "open");
	if (!strcmp(property, ICHIP_SESSION1_TLS_VERSION))
		return sd_bus_message_append(reply, "s",
				s->tls_version ? s->tls_version : "");
	if (!strcmp(property, ICHIP_SESSION1_CIPHER))
		return sd_bus_message_append(reply, "s",
				s->cipher ? s->cipher : "");
	if (!strcmp(property, ICHIP_SESSION1_PEER_CERTIFICATE))
		return sd_bus_message_append_array(reply, 'y',
				s->peer_der ? s->peer_der : (uint8_t *)"",
				s->peer_der_len);
	if (!strcmp(property, ICHIP_SESSION1_CLOSE_REASON))
		return sd_bus_message_append(reply, "s",
				s->close_reason ? s->close_reason : "");
	if (!strcmp(property, ICHIP_SESSION1_BYTES_IN))
		return sd_bus_message_append(reply, "t", s->bytes_in);
	return sd_bus_message_append(reply, "t", s->bytes_out);
}

static const sd_bus_vtable session_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_PROPERTY(ICHIP_SESSION1_HOST, "s", get_prop, 0, SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_PROPERTY(ICHIP_SESSION1_PORT, "q", get_prop, 0, SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_PROPERTY(ICHIP_SESSION1_SECURITY, "s", get_prop, 0,
			SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_PROPERTY(ICHIP_SESSION1_STATE, "s", get_prop, 0,
			SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
	SD_BUS_PROPERTY(ICHIP_SESSION1_TLS_VERSION, "s", get_prop, 0,
			SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
	SD_BUS_PROPERTY(ICHIP_SESSION1_CIPHER, "s", get_prop, 0,
			SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
	SD_BUS_PROPERTY(ICHIP_SESSION1_PEER_CERTIFICATE, "ay", get_prop, 0,
			SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
	SD_BUS_PROPERTY(ICHIP_SESSION1_CLOSE_REASON, "s", get_prop, 0,
			SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
	SD_BUS_PROPERTY(ICHIP_SESSION1_BYTES_IN, "t", get_prop, 0, 0),
	SD_BUS_PROPERTY(ICHIP_SESSION1_BYTES_OUT, "t", get_prop, 0, 0),
	SD_BUS_METHOD_WITH_ARGS(ICHIP_SESSION1_CLOSE, SD_BUS_NO_ARGS, SD_BUS_NO_RESULT,
				method_close, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_SIGNAL_WITH_ARGS(ICHIP_SESSION1_CLOSED, SD_BUS_ARGS("s", reason), 0),
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
void session_opened(struct session *s)
{
	struct manager *m = s->d->m;
	int r;

	sd_event_source_disable_unref(s->deadline);
	s->deadline = NULL;
	sd_event_now(m->event, CLOCK_MONOTONIC, &s->last_active);
	r = sd_bus_add_object_vtable(m->bus, &s->slot, s->path,
				     ICHIP_SESSION_IFACE, session_vtable, s);
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
	device_emit_changed(s->d, ICHIP_DEVICE1_SESSIONS);
	log_session(LOG_INFO, s->d->name, s->path + strlen(s->d->path) + 1,
		    "open to %s:%u (%s%s%s)", s->host, s->port,
		    s->security == SECURITY_PLAIN ? "plain" :
		    s->security == SECURITY_DEVICE_TLS ? "device-tls" :
		    "host-tls ", s->tls_version ? s->tls_version : "",
		    "");
	poller_kick(s->d);
	session_pump(s);	/* may close (and free) s */
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
