// SPDX-License-Identifier: GPL-2.0-only
// SPDX-FileCopyrightText: 2026 The ichip authors
/*
 * The module sends no data events: ichipd polls.  One AT+iRP4 reports
 * every socket (bytes waiting, or a negative error), then SRCV only where
 * data waits.  Polling is immediate while data flows and backs off to
 * POLL_IDLE_US when nothing happens, so an idle device costs little.
 * (RP4 rather than RP7: the same one command, but it also reports sockets
 * the peer closed and sockets a module reset made disappear.)
 *
 * The sessions are asked and told through session-poll.c; this file
 * only parses RP4 and keeps time.  "Poll now" is a deferred event, not a
 * timer set to now: while data flows that happens for every command, and
 * each timer change costs a timerfd_settime (perf, issue 16).  The timer
 * only ever fires early (on_timer then moves it on to poll_due).
 *
 * A session alone on its device with a command in flight (an SSND or
 * SRCV stream) learns from that command's answer what an RP4 would tell
 * it, so while it streams an RP4 goes at most every POLL_STREAM_US: not
 * after every SSND and every 1 ms of a download, which on a fast line
 * was an RP4 round trip and a timer wakeup per 32 KiB (perf, issue 16).
 * The poll held back goes as soon as the stream pauses.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "device.h"
#include "log.h"
#include "manager.h"
#include "poller.h"
#include "rp4.h"
#include "session.h"

#define POLL_MIN_US	1000
#define POLL_IDLE_US	200000
/* keep polling fast this long after data moved: answers come in bursts */
#define POLL_ACTIVE_US	100000
/* a lone stream: at most one RP4 this often (other sockets, orphans) */
#define POLL_STREAM_US	10000

static void schedule(struct device *d, uint64_t delay_us);

/* How long a poll due now waits for a lone stream (0: not at all). */
static uint64_t hold_us(struct device *d, uint64_t now)
{
	d->poll_held = sessions_streaming_alone(d) &&
		       now < d->poll_sent + POLL_STREAM_US;
	return d->poll_held ? d->poll_sent + POLL_STREAM_US - now : 0;
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
		if (vals[h] == -200 || sessions_own_handle(d, h) ||
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
	unsigned int flags;
	uint64_t now, hold;
	int n;

	d->poll_busy = false;
	n = r->status == ICHIP_STATUS_OK ?
	    rp4_parse(r->text, vals, ICHIPD_MAX_SOCKETS + 2) : 0;
	sweep_unowned(d, vals, n);
	flags = sessions_poll_result(d, r, vals, n);
	if (!sessions_hold_sockets(d))
		return;
	sd_event_now(d->m->event, CLOCK_MONOTONIC, &now);
	if (flags)
		d->poll_active_until = now + POLL_ACTIVE_US;
	if (flags & SESSIONS_POLL_ACTIVE) {	/* data moved: ask again now */
		d->poll_interval_us = 0;
	} else if (now < d->poll_active_until) {
		d->poll_interval_us = POLL_MIN_US;
	} else {
		d->poll_interval_us = d->poll_interval_us ?
				      d->poll_interval_us * 2 : POLL_MIN_US;
		if (d->poll_interval_us > POLL_IDLE_US)
			d->poll_interval_us = POLL_IDLE_US;
	}
	hold = hold_us(d, now);
	schedule(d, hold > d->poll_interval_us ? hold : d->poll_interval_us);
}

static void poll_due(struct device *d)
{
	uint64_t now, hold;

	if (d->poll_busy || !sessions_hold_sockets(d) || d->lost)
		return;
	sd_event_now(d->m->event, CLOCK_MONOTONIC, &now);
	hold = hold_us(d, now);
	if (hold) {
		schedule(d, hold);
		return;
	}
	if (xport_exec(d->x, "AT+iRP4", NULL, 0, 0, on_rp4, d, NULL) == 0) {
		d->poll_busy = true;
		d->poll_sent = now;
	} else {
		schedule(d, POLL_IDLE_US);	/* queue full: later */
	}
}

static int on_timer(sd_event_source *src, uint64_t usec, void *userdata)
{
	struct device *d = userdata;
	uint64_t now;

	sd_event_now(d->m->event, CLOCK_MONOTONIC, &now);
	if (now < d->poll_due) {	/* moved on since it was set */
		sd_event_source_set_time(src, d->poll_due);
		sd_event_source_set_enabled(src, SD_EVENT_ONESHOT);
		return 0;
	}
	poll_due(d);
	return 0;
}

static int on_defer(sd_event_source *src, void *userdata)
{
	struct device *d = userdata;
	uint64_t now;

	/* rescheduled for later since: the timer has it */
	sd_event_now(d->m->event, CLOCK_MONOTONIC, &now);
	if (now >= d->poll_due)
		poll_due(d);
	return 0;
}

static void schedule(struct device *d, uint64_t delay_us)
{
	uint64_t now, when;
	int on = SD_EVENT_OFF;

	sd_event_now(d->m->event, CLOCK_MONOTONIC, &now);
	d->poll_due = now + delay_us;
	if (!delay_us) {
		if (!d->poll_now &&
		    sd_event_add_defer(d->m->event, &d->poll_now, on_defer,
				       d) < 0)
			return;
		sd_event_source_set_enabled(d->poll_now, SD_EVENT_ONESHOT);
		return;
	}
	/* accuracy 1 us: sd-event's default (0) lets timers slip 250 ms */
	if (!d->poll_timer &&
	    sd_event_add_time(d->m->event, &d->poll_timer, CLOCK_MONOTONIC,
			      UINT64_MAX, 1, on_timer, d) < 0)
		return;
	/* one due earlier stays (on_timer moves it on): no timerfd change */
	if (sd_event_source_get_enabled(d->poll_timer, &on) >= 0 &&
	    on != SD_EVENT_OFF &&
	    sd_event_source_get_time(d->poll_timer, &when) >= 0 &&
	    when <= d->poll_due)
		return;
	sd_event_source_set_time(d->poll_timer, d->poll_due);
	sd_event_source_set_enabled(d->poll_timer, SD_EVENT_ONESHOT);
}

void poller_kick(struct device *d)
{
	uint64_t now;

	sd_event_now(d->m->event, CLOCK_MONOTONIC, &now);
	d->poll_active_until = now + POLL_ACTIVE_US;
	d->poll_interval_us = 0;
	if (!d->poll_busy)
		schedule(d, hold_us(d, now));
}

void poller_answered(struct device *d)
{
	if (d->poll_held && !sessions_streaming_alone(d))
		poller_kick(d);
}

void poller_stop(struct device *d)
{
	sd_event_source_disable_unref(d->poll_timer);
	d->poll_timer = NULL;
	sd_event_source_disable_unref(d->poll_now);
	d->poll_now = NULL;
}
