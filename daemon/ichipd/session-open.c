// SPDX-License-Identifier: GPL-2.0-only
// SPDX-FileCopyrightText: 2026 The ichip authors
/*
 * OpenSession(): authorize, connect a module socket (AT+iSTCP), secure it
 * (host-tls handshake through the TLS worker, device-tls by AT+iSSL, or
 * plain), then hand the session to session_opened().
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
#include "device-ca.h"
#include "device.h"
#include "errors.h"
#include "ichip-dbus.h"
#include "log.h"
#include "manager.h"
#include "polkit.h"
#include "poller.h"
#include "session.h"
#include "tls-client.h"
#include "util.h"

#define CONNECT_TIMEOUT_MS	30000

void handshake_step(struct session *s)
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

/* device-tls: the module's SSL on the socket, after any STCP in flight */
void session_start_ssl(struct session *s)
{
	char cmd[32];

	s->ssl_due = connect_barrier_up(s->d);
	if (s->ssl_due)
		return;		/* session-connect.c starts it */
	snprintf(cmd, sizeof(cmd), "AT+iSSL:%d", s->handle);
	if (xport_exec(s->d->x, cmd, NULL, 0, 0, on_ssl, s,
		       &s->pending_cmd) < 0) {
		open_failed(s, ERR_DEVICE_ERROR, "cannot queue SSL");
		return;
	}
	s->cmd_busy = true;
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

/* The socket number an STCP answer gave, or -1. */
static int given_handle(const struct xport_reply *r)
{
	int handle;

	if (r->status != ICHIP_STATUS_OK || sscanf(r->text, "%d", &handle) != 1 ||
	    handle < 0 || handle >= ICHIPD_MAX_SOCKETS)
		return -1;
	return handle;
}

static void on_connected(void *userdata, const struct xport_reply *r)
{
	struct session *s = userdata;
	struct device *d = s->d;
	char why[256];
	int handle = given_handle(r);

	s->cmd_busy = false;
	/* first: its old holder lets go, before any SCLS due is sent */
	if (handle >= 0)
		reset_holder_of(s, handle);
	connect_answered(d, handle);
	if (s->orphan) {	/* connected for nobody: close it at once */
		if (handle >= 0) {
			log_dev(LOG_INFO, d->name,
				"closing module socket %d: its session is gone",
				handle);
			device_close_socket(d, handle);
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
	    (d->closing || d->close_due) && !s->stcp_retried) {
		snprintf(why, sizeof(why), "AT+iSTCP:%s,%u", s->host, s->port);
		if (xport_exec(d->x, why, NULL, 0, 0, on_connected, s,
			       &s->pending_cmd) == 0) {
			connect_sent(d);
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
	if (handle < 0) {
		open_failed(s, ERR_DEVICE_ERROR, "module gave no socket handle");
		return;
	}
	s->handle = handle;
	if (s->security == SECURITY_DEVICE_TLS) {
		session_start_ssl(s);
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
	connect_sent(d);
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
		if (polkit_check(d->m, m, ICHIP_ACTION_LEGACY_TLS,
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
	r = polkit_check(d->m, m, ICHIP_ACTION_OPEN_SESSION, open_authorized,
			 req);
	if (r < 0) {
		open_request_free(req);
		return r;
	}
	return 1;
}
