// SPDX-License-Identifier: GPL-2.0-only
// SPDX-FileCopyrightText: 2026 The ichip authors
/*
 * The chunk policy of a shared line (issue 16, bench target 6).  The
 * line runs one command at a time, in order, so a 32 KiB SSND or SRCV
 * holds every other session's command for 355 ms at 921600 baud, and
 * with nine streams queued an interactive byte waited behind all nine.
 * So, per device:
 * - small commands (<= SCHED_SMALL bytes: interactive traffic, TLS
 *   alerts) always go at once;
 * - bulk commands take turns: one queued or on the wire at a time, the
 *   turn passed round-robin among the sessions that wait for it;
 * - while another session is active (moved bytes in the last
 *   SCHED_RECENT_US), a bulk command is at most SCHED_SHARED bytes, so an
 *   interactive command waits for one short command, not for 32 KiB.
 * A session alone on its device sends and receives full-size commands.
 * Connecting and handshakes are not held back (a few KiB, once).
 */
#include "device.h"
#include "manager.h"
#include "session.h"

#define SCHED_SMALL	512
#define SCHED_SHARED	1024
#define SCHED_RECENT_US	500000

/* Another open session moved bytes lately, or waits for its turn. */
static bool line_shared(const struct session *s)
{
	const struct session *o;
	uint64_t now;

	sd_event_now(s->d->m->event, CLOCK_MONOTONIC, &now);
	for (o = s->d->sessions; o; o = o->next)
		if (o != s && o->state == SESSION_OPEN &&
		    (o->bulk_wait || o->last_active + SCHED_RECENT_US >= now))
			return true;
	return false;
}

size_t sched_grant(struct session *s, size_t want)
{
	struct device *d = s->d;

	if (want <= SCHED_SMALL || s->state != SESSION_OPEN)
		return want;
	if (d->bulk_holder || (d->bulk_turn && d->bulk_turn != s)) {
		s->bulk_wait = true;
		return 0;
	}
	if (want > SCHED_SHARED && line_shared(s))
		want = SCHED_SHARED;
	return want;
}

void sched_took(struct session *s, size_t n, unsigned int kind)
{
	struct device *d = s->d;

	if (n <= SCHED_SMALL || s->state != SESSION_OPEN)
		return;
	d->bulk_holder = s;
	s->bulk_held = kind;
	s->bulk_wait = false;
	if (d->bulk_turn == s)
		d->bulk_turn = NULL;
}

/* The next waiting session after @s in session-number order, or NULL. */
static struct session *next_waiter(struct device *d, const struct session *s)
{
	struct session *o, *best = NULL, *first = NULL;

	for (o = d->sessions; o; o = o->next) {
		if (!o->bulk_wait || o->state != SESSION_OPEN)
			continue;
		if (o->num > s->num && (!best || o->num < best->num))
			best = o;
		if (!first || o->num < first->num)
			first = o;
	}
	return best ? best : first;
}

static int on_wake(sd_event_source *src, void *userdata)
{
	struct device *d = userdata;
	struct session *w;
	unsigned int tries = 0;

	/* a turn not taken (the session needs it no longer) passes on */
	while ((w = d->bulk_turn) && !d->bulk_holder &&
	       tries++ < ICHIPD_SESSIONS_LIMIT) {
		w->bulk_wait = false;
		session_pump(w);	/* may free w: d->bulk_turn says */
		if (d->bulk_turn != w)
			continue;
		d->bulk_turn = next_waiter(d, w);
	}
	return 0;
}

static void pass_turn(struct device *d, const struct session *from)
{
	d->bulk_turn = next_waiter(d, from);
	if (!d->bulk_turn)
		return;
	if (!d->bulk_wake &&
	    sd_event_add_defer(d->m->event, &d->bulk_wake, on_wake, d) < 0) {
		d->bulk_turn = NULL;	/* no wake-up: nobody may wait */
		return;
	}
	sd_event_source_set_enabled(d->bulk_wake, SD_EVENT_ONESHOT);
}

void sched_done(struct session *s, unsigned int kind)
{
	struct device *d = s->d;

	if (s->bulk_held != kind)
		return;
	s->bulk_held = 0;
	if (d->bulk_holder == s)
		d->bulk_holder = NULL;
	pass_turn(d, s);
}

void sched_forget(struct session *s)
{
	struct device *d = s->d;

	s->bulk_wait = false;
	if (s->bulk_held)
		sched_done(s, s->bulk_held);
	if (d->bulk_turn == s)
		pass_turn(d, s);
}

void sched_stop(struct device *d)
{
	d->bulk_wake = sd_event_source_disable_unref(d->bulk_wake);
	d->bulk_holder = d->bulk_turn = NULL;
}
