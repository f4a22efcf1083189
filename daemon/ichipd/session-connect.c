// SPDX-License-Identifier: GPL-2.0-only
// SPDX-FileCopyrightText: 2026 The ichip authors
/*
 * The connect barrier.  A module reset frees every socket number, and the
 * AT+iSTCP that runs after it may be handed a number an older session
 * still holds (the module gives the lowest free one); ichipd learns that
 * only from the STCP's answer (session-open.c, reset_holder_of).  The
 * module runs commands in order, so a command naming a socket that was
 * queued behind that STCP would run on the NEW socket: the older
 * session's bytes sent to another session's server (SSND), the new
 * session's bytes read by the older one (SRCV), or its socket closed
 * (SCLS).  So while an STCP is on its way, nothing that names a socket is
 * queued: SSND and SRCV wait (the line runs one command at a time anyway,
 * so nothing is lost but a queue slot), an SCLS is remembered and sent
 * after the answer, unless the answer handed that very number out again
 * (then the socket it meant is gone already).  When the last STCP's
 * answer has been taken, every session is pumped again.
 */
#include "device.h"
#include "manager.h"
#include "poller.h"
#include "session.h"

bool connect_barrier_up(const struct device *d)
{
	return d->connecting > 0;
}

void connect_sent(struct device *d)
{
	d->connecting++;
}

/* The sessions' commands that waited go now; also an SSL that waited. */
static int on_wake(sd_event_source *src, void *userdata)
{
	struct device *d = userdata;
	struct session *s, *next;

	if (connect_barrier_up(d))
		return 0;	/* another STCP went out meanwhile */
	for (s = d->sessions; s; s = next) {
		next = s->next;		/* s may be freed */
		if (s->ssl_due)
			session_start_ssl(s);
		else if (s->state == SESSION_HANDSHAKE)
			send_to_module(s);
		else if (s->state == SESSION_OPEN)
			session_pump(s);
	}
	poller_kick(d);
	return 0;
}

void connect_answered(struct device *d, int handle)
{
	uint16_t due;
	int h;

	if (d->connecting)
		d->connecting--;
	/* that number is the new socket's: the one the SCLS meant is gone */
	if (handle >= 0 && handle < ICHIPD_MAX_SOCKETS)
		d->close_due &= (uint16_t)~(1u << handle);
	if (connect_barrier_up(d))
		return;
	due = d->close_due;
	d->close_due = 0;
	for (h = 0; h < ICHIPD_MAX_SOCKETS; h++)
		if (due & (1u << h))
			device_close_socket(d, h);
	if (!d->connect_wake &&
	    sd_event_add_defer(d->m->event, &d->connect_wake, on_wake, d) < 0)
		return;
	sd_event_source_set_enabled(d->connect_wake, SD_EVENT_ONESHOT);
}

void connect_barrier_stop(struct device *d)
{
	d->connect_wake = sd_event_source_disable_unref(d->connect_wake);
	d->connecting = 0;
	d->close_due = 0;
}
