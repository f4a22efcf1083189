// SPDX-License-Identifier: GPL-2.0-only
// SPDX-FileCopyrightText: 2026 The ichip authors
/*
 * What the poller (poller.c) asks of a device's sessions, and what it
 * tells them: the poller parses the module's socket report (AT+iRP4) and
 * keeps time; everything about a session's state is decided here.
 */
#include <errno.h>

#include "device.h"
#include "session.h"

bool sessions_hold_sockets(const struct device *d)
{
	const struct session *s;

	for (s = d->sessions; s; s = s->next)
		if (s->handle >= 0 && s->state != SESSION_CLOSED)
			return true;
	return false;
}

bool sessions_own_handle(const struct device *d, int handle)
{
	const struct session *s;

	for (s = d->sessions; s; s = s->next)
		if (s->handle == handle)
			return true;
	return false;
}

/*
 * The answer of that command pumps the session again and tells it what
 * an RP4 would (data, I/0, 203 for a closed socket): while it streams
 * alone, the poller need not ask after every command (poller.c).
 */
bool sessions_streaming_alone(const struct device *d)
{
	const struct session *s, *one = NULL;

	for (s = d->sessions; s; s = s->next) {
		if (s->handle < 0 || s->state == SESSION_CLOSED)
			continue;
		if (one)
			return false;
		one = s;
	}
	return one && one->state == SESSION_OPEN && !one->failed &&
	       (one->srcv_busy || one->ssnd_busy);
}

/* One session's part of an RP4 answer; SESSIONS_POLL_* flags. */
static unsigned int poll_one(struct session *s, const struct xport_reply *r,
			     const long *vals, int n)
{
	unsigned int flags = 0;

	/* ended already (a failed command's verdict came too late) */
	if (s->state == SESSION_CLOSED)
		return 0;
	/*
	 * EIO: the transport's pings went unanswered too: the module
	 * stopped answering, and a session waiting on it would wait
	 * forever (a single lost RP4 is only asked again).
	 */
	if (r->status == ICHIP_STATUS_FAILED && r->err == EIO &&
	    s->handle >= 0 && s->state == SESSION_OPEN) {
		session_close(s, "timeout");
		return 0;
	}
	/* its command failed: gone by a reset, or what the reply said */
	if (s->failed) {
		session_close(s, s->handle >= 0 && s->handle < n &&
			      vals[s->handle] == -200 ?
			      "module-reset" : s->failed);
		return 0;
	}
	if (s->handle < 0 || s->handle >= n)
		return 0;
	/* its SRCVs follow each other (a stream): keep polling fast */
	if (s->srcv_busy)
		return SESSIONS_POLL_WAITING;
	if (vals[s->handle] < 0) {
		session_socket_gone(s, (int)vals[s->handle]);
		return 0;
	}
	s->module_avail = vals[s->handle];
	if (s->module_avail > 0 && session_wants_data(s))
		flags |= session_srcv(s, session_srcv_size(s)) ?
			 SESSIONS_POLL_ACTIVE : SESSIONS_POLL_WAITING;
	/* a request on its way or a handshake: an answer is due */
	if (s->net_out.len || s->ssnd_busy || s->state == SESSION_HANDSHAKE)
		flags |= SESSIONS_POLL_WAITING;
	return flags;
}

unsigned int sessions_poll_result(struct device *d,
				  const struct xport_reply *r,
				  const long *vals, int n)
{
	struct session *s, *next;
	unsigned int flags = 0;

	for (s = d->sessions; s; s = next) {
		next = s->next;		/* s may be freed */
		flags |= poll_one(s, r, vals, n);
	}
	return flags;
}
