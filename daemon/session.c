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

unsigned int device_session_count(struct device *d)
{
	struct session *s;
	unsigned int n = 0;

	for (s = d->sessions; s; s = s->next)
		n++;
	return n;
}

int device_session_paths(struct device *d, sd_bus_message *reply)
{
	struct session *s;
	int r;

	r = sd_bus_message_open_container(reply, 'a', "o");
	for (s = d->sessions; r >= 0 && s; s = s->next)
		if (s->slot)
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

static void session_free(struct session *s)
{
	struct xport *x = s->d->x;

	if (s->cmd_busy)
		x->ops->cancel(x, s->pending_cmd);
	if (s->ssnd_busy)
		x->ops->cancel(x, s->ssnd_id);
	if (s->srcv_busy)
		x->ops->cancel(x, s->srcv_id);
	unlink_session(s);
	sd_event_source_disable_unref(s->io);
	sd_event_source_disable_unref(s->deadline);
	if (s->open_msg)
		sd_bus_message_unref(s->open_msg);
	if (s->slot) {
		sd_bus_emit_object_removed(s->d->m->bus, s->path);
		sd_bus_slot_unref(s->slot);
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

void session_close(struct session *s, const char *reason)
{
	if (s->state != SESSION_OPEN) {
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
	log_session(LOG_INFO, s->d->name, s->path + strlen(s->d->path) + 1,
		    "closed (%s): %llu bytes in, %llu out", reason,
		    (unsigned long long)s->bytes_in,
		    (unsigned long long)s->bytes_out);
	sd_bus_emit_signal(s->d->m->bus, s->path, "org.ichip.Session1",
			   "Closed", "s", reason);
	if (strcmp(reason, "device-lost") && strcmp(reason, "module-reset"))
		close_module_socket(s);
	session_free(s);
}

void sessions_close_all(struct device *d, const char *reason)
{
	while (d->sessions)
		session_close(d->sessions, reason);
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
	size_t n = s->net_out.len < max ? s->net_out.len : max;
	char cmd[48];
	int r;

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
	session_pump(s);
	poller_kick(d);		/* an answer is likely on its way */
}

/* Plaintext from the app towards the module (TLS-encrypted if host-tls). */
static int from_app(struct session *s)
{
	uint8_t chunk[APP_READ_CHUNK];
	ssize_t n, sent;

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
		if (s->security != SECURITY_HOST_TLS) {
			if (buf_append(&s->net_out, chunk, (size_t)n) < 0)
				return -ENOMEM;
			continue;
		}
		sent = gnutls_record_send(s->tls, chunk, (size_t)n);
		if (sent != n)
			return -EIO;
	}
	/* the app is done sending: tell the server (TLS close_notify) */
	if (s->app_eof && s->security == SECURITY_HOST_TLS && !s->bye_sent) {
		gnutls_bye(s->tls, GNUTLS_SHUT_WR);
		s->bye_sent = true;
	}
	return 0;
}

/* Bytes from the module towards the app (decrypted if host-tls). */
static int to_app(struct session *s)
{
	uint8_t chunk[16384];
	ssize_t n;

	if (s->security != SECURITY_HOST_TLS) {
		if (buf_append(&s->app_out, s->net_in.data, s->net_in.len) < 0)
			return -ENOMEM;
		buf_consume(&s->net_in, s->net_in.len);
	} else {
		while (buf_room(&s->app_out, SESSION_APP_OUT_MAX) >= sizeof(chunk)) {
			size_t before = s->net_in.len;

			n = gnutls_record_recv(s->tls, chunk, sizeof(chunk));
			/*
			 * EAGAIN also follows a post-handshake message (a TLS
			 * 1.3 session ticket) that was consumed: records behind
			 * it wait in net_in, so go on while bytes are taken.
			 */
			if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED) {
				if (s->net_in.len < before)
					continue;
				break;
			}
			if (n == 0) {		/* close_notify from the server */
				s->peer_eof = true;
				break;
			}
			if (n < 0)
				return n == GNUTLS_E_PREMATURE_TERMINATION &&
				       s->peer_eof ? 0 : -EPROTO;
			if (buf_append(&s->app_out, chunk, (size_t)n) < 0)
				return -ENOMEM;
		}
	}
	while (s->app_out.len) {
		n = write(s->fd, s->app_out.data, s->app_out.len);
		if (n < 0)
			return errno == EAGAIN || errno == EINTR ? 0 : -errno;
		s->bytes_in += (uint64_t)n;
		s->d->counters.session_bytes_in += (uint64_t)n;
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
		session_close(s, r == -EPROTO ? "tls-error" : "module-error");
		return;
	}
	r = from_app(s);
	if (r < 0) {
		session_close(s, r == -EIO ? "tls-error" : "app-closed");
		return;
	}
	send_to_module(s);
	/* everything the server sent has reached the app: done */
	if (s->peer_eof && !s->net_in.len && !s->app_out.len &&
	    !s->srcv_busy) {
		session_close(s, "peer-closed");
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

static int on_app_io(sd_event_source *src, int fd, uint32_t events,
		     void *userdata)
{
	struct session *s = userdata;

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
	SD_BUS_PROPERTY("BytesIn", "t", get_prop, 0, 0),
	SD_BUS_PROPERTY("BytesOut", "t", get_prop, 0, 0),
	SD_BUS_METHOD_WITH_ARGS("Close", SD_BUS_NO_ARGS, SD_BUS_NO_RESULT,
				method_close, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_SIGNAL_WITH_ARGS("Closed", SD_BUS_ARGS("s", reason), 0),
	SD_BUS_VTABLE_END
};

/* Connected and secured: export the object and hand the app its fd. */
static void session_opened(struct session *s)
{
	struct manager *m = s->d->m;
	int r;

	sd_event_source_disable_unref(s->deadline);
	s->deadline = NULL;
	r = sd_bus_add_object_vtable(m->bus, &s->slot, s->path,
				     "org.ichip.Session1", session_vtable, s);
	if (r >= 0)
		r = sd_event_add_io(m->event, &s->io, s->fd, EPOLLIN,
				    on_app_io, s);
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

static int start_session(struct device *d, sd_bus_message *m,
			 struct open_args *a)
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
	s->owner = strdup(sd_bus_message_get_sender(m) ?: "");
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
	struct open_args a;
	bool legacy_checked;
};

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
		sd_bus_reply_method_errorf(m, ERR_PERMISSION_DENIED,
					   req->legacy_checked ?
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
	start_session(d, m, &req->a);
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
	bool legacy = false, system_trust = false;
	uint32_t timeout_ms = CONNECT_TIMEOUT_MS;
	struct open_request *req;
	uint16_t port;
	const struct option_spec spec[] = {
		{ "security", 's', &security, NULL },
		{ "allow-legacy-tls", 'b', &legacy, NULL },
		{ "system-trust", 'b', &system_trust, NULL },
		{ "timeout-ms", 'u', &timeout_ms, NULL },
		{ NULL, 0, NULL, NULL },
	};
	enum session_security sec;
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

	req = calloc(1, sizeof(*req));
	if (!req)
		return -ENOMEM;
	req->mgr = d->m;
	snprintf(req->path, sizeof(req->path), "%s", d->path);
	req->a.host = strdup(host);
	req->a.port = port;
	req->a.security = sec;
	req->a.system_trust = system_trust;
	req->a.timeout_ms = timeout_ms;
	r = polkit_check(d->m, m, "org.ichip.open-session", open_authorized,
			 req);
	if (r < 0) {
		open_request_free(req);
		return r;
	}
	return 1;
}
