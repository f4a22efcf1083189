// SPDX-License-Identifier: GPL-2.0-only
// SPDX-FileCopyrightText: 2026 The ichip authors
/*
 * The module sends no data events: ichipd polls.  One AT+iRP4 reports
 * every socket (bytes waiting, or a negative error), then SRCV only where
 * data waits.  Polling is immediate while data flows and backs off to
 * POLL_IDLE_US when nothing happens, so an idle device costs little.
 * (RP4 rather than RP7: the same one command, but it also reports sockets
 * the peer closed and sockets a module reset made disappear.)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "device.h"
#include "log.h"
#include "manager.h"
#include "poller.h"
#include "session.h"

#define POLL_MIN_US	1000
#define POLL_IDLE_US	200000
/* keep polling fast this long after data moved: answers come in bursts */
#define POLL_ACTIVE_US	100000

static bool has_sockets(const struct device *d)
{
	const struct session *s;

	for (s = d->sessions; s; s = s->next)
		if (s->handle >= 0 && s->state != SESSION_CLOSED)
			return true;
	return false;
}

/* "(n0,n1,...)" from RP4; returns how many values were read. */
static int parse_rp4(const char *text, long *vals, int max)
{
	const char *p = strchr(text, '(');
	char *end;
	int n = 0;

	if (!p)
		return 0;
	p++;
	while (n < max) {
		vals[n++] = strtol(p, &end, 10);
		if (end == p)
			return n - 1;
		p = end;
		if (*p != ',')
			break;
		p++;
	}
	return n;
}

static void schedule(struct device *d, uint64_t delay_us);

static bool handle_owned(const struct device *d, int handle)
{
	const struct session *s;

	for (s = d->sessions; s; s = s->next)
		if (s->handle == handle)
			return true;
	return false;
}

/*
 * Sockets no session owns are closed: an SCLS or an STCP whose reply was
 * lost (noise, drops), a socket left when its session went.  Left open,
 * the module would run out of sockets for good.  Answers come in command
 * order, so every STCP sent before this RP4 has given its handle to its
 * session (or closed it, as an orphan) already; one sent after cannot
 * have a handle this RP4 reports as in use.  -200 is an unused handle;
 * any other value (data waiting, -203 down) holds a module socket.
 */
static void sweep_unowned(struct device *d, const long *vals, int n)
{
	int h;

	for (h = 0; h < n && h < ICHIPD_MAX_SOCKETS; h++) {
		if (vals[h] == -200 || handle_owned(d, h) ||
		    (d->closing & (1u << h)))
			continue;
		log_dev(LOG_NOTICE, d->name,
			"closing module socket %d: no session owns it", h);
		device_close_socket(d, h);
	}
}

static void on_rp4(void *userdata, const struct xport_reply *r)
{
	struct device *d = userdata;
	long vals[ICHIPD_MAX_SOCKETS + 2];
	struct session *s, *next;
	bool active = false, waiting = false;
	uint64_t now;
	int n;

	d->poll_busy = false;
	n = r->status == ICHIP_STATUS_OK ?
	    parse_rp4(r->text, vals, ICHIPD_MAX_SOCKETS + 2) : 0;
	sweep_unowned(d, vals, n);
	for (s = d->sessions; s; s = next) {
		next = s->next;
		/* ended already (a failed command's verdict came too late) */
		if (s->state == SESSION_CLOSED)
			continue;
		/*
		 * EIO: the transport's pings went unanswered too: the module
		 * stopped answering, and a session waiting on it would wait
		 * forever (a single lost RP4 is only asked again).
		 */
		if (r->status == ICHIP_STATUS_FAILED && r->err == EIO &&
		    s->handle >= 0 && s->state == SESSION_OPEN) {
			session_close(s, "timeout");
			continue;
		}
		/* its command failed: gone by a reset, or what the reply said */
		if (s->failed) {
			session_close(s, s->handle >= 0 && s->handle < n &&
				      vals[s->handle] == -200 ?
				      "module-reset" : s->failed);
			continue;
		}
		if (s->handle < 0 || s->handle >= n || s->srcv_busy)
			continue;
		if (vals[s->handle] < 0) {
			session_socket_gone(s, (int)vals[s->handle]);
			continue;
		}
		s->module_avail = vals[s->handle];
		if (s->module_avail > 0 && session_wants_data(s)) {
			session_srcv(s, session_srcv_size(s));
			active = true;
		}
		/* a request on its way or a handshake: an answer is due */
		if (s->net_out.len || s->ssnd_busy ||
		    s->state == SESSION_HANDSHAKE)
			waiting = true;
	}
	if (!has_sockets(d))
		return;
	sd_event_now(d->m->event, CLOCK_MONOTONIC, &now);
	if (active || waiting)
		d->poll_active_until = now + POLL_ACTIVE_US;
	if (active) {		/* data moved: ask again at once */
		d->poll_interval_us = 0;
	} else if (now < d->poll_active_until) {
		d->poll_interval_us = POLL_MIN_US;
	} else {
		d->poll_interval_us = d->poll_interval_us ?
				      d->poll_interval_us * 2 : POLL_MIN_US;
		if (d->poll_interval_us > POLL_IDLE_US)
			d->poll_interval_us = POLL_IDLE_US;
	}
	schedule(d, d->poll_interval_us);
}

static int on_timer(sd_event_source *src, uint64_t usec, void *userdata)
{
	struct device *d = userdata;

	if (d->poll_busy || !has_sockets(d) || d->lost)
		return 0;
	if (xport_exec(d->x, "AT+iRP4", NULL, 0, 0, on_rp4, d, NULL) == 0)
		d->poll_busy = true;
	else
		schedule(d, POLL_IDLE_US);	/* queue full: later */
	return 0;
}

static void schedule(struct device *d, uint64_t delay_us)
{
	uint64_t now;

	/* accuracy 1 us: sd-event's default (0) lets timers slip 250 ms */
	if (!d->poll_timer &&
	    sd_event_add_time(d->m->event, &d->poll_timer, CLOCK_MONOTONIC,
			      UINT64_MAX, 1, on_timer, d) < 0)
		return;
	sd_event_now(d->m->event, CLOCK_MONOTONIC, &now);
	sd_event_source_set_time(d->poll_timer, now + delay_us);
	sd_event_source_set_enabled(d->poll_timer, SD_EVENT_ONESHOT);
}

void poller_kick(struct device *d)
{
	uint64_t now;

	sd_event_now(d->m->event, CLOCK_MONOTONIC, &now);
	d->poll_active_until = now + POLL_ACTIVE_US;
	d->poll_interval_us = 0;
	if (!d->poll_busy)
		schedule(d, 0);
}

void poller_stop(struct device *d)
{
	sd_event_source_disable_unref(d->poll_timer);
	d->poll_timer = NULL;
}
