// SPDX-License-Identifier: GPL-2.0-only
// SPDX-FileCopyrightText: 2026 The ichip authors
/*
 * The module's UART (see the top of line.c): host bytes land in a buffer
 * the size of a real one, drained at the module's pace; what arrives
 * while it is full is lost and counted.  WAIT/CONTINUE (soft) or "CTS"
 * (hard: not reading the pty) decide whether the host stops in time.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "line-priv.h"
#include "sim.h"

static enum sim_flow flow_mode(struct sim *s)
{
	/* FLW bit 0: host hardware flow control (at-plus-i.md §4) */
	if (atoi(sim_param_get(&s->params, "FLW")) & 1)
		return SIM_FLOW_HARD;
	return s->o->flow;
}

bool sim_uart_on(struct sim *s)
{
	return s->o->uart_buffer && s->line->rate;
}

static size_t uart_cap(struct sim *s)
{
	size_t cap = (size_t)s->o->uart_buffer + s->o->uart_fifo;

	return cap < LINE_IN_MAX ? cap : LINE_IN_MAX;
}

/* WAIT and CONTINUE go out ahead of queued output, like a UART's. */
static void flow_send(struct sim *s, u8 b)
{
	struct sim_line *l = s->line;

	if (write(l->fd, &b, 1) != 1) {
		struct chunk *c = malloc(sizeof(*c) + 1);

		if (!c)
			return;
		c->d[0] = b;
		c->len = 1;
		c->pos = 0;
		c->release_ns = 0;
		c->next = l->head;
		l->head = c;
		if (!l->tail)
			l->tail = c;
		l->queued++;
	}
}

void sim_uart_flow_check(struct sim *s, u64 now)
{
	struct sim_line *l = s->line;
	size_t high = s->o->uart_buffer / 2, low = s->o->uart_buffer / 8;
	char rp4[160];

	if (!sim_uart_on(s) || flow_mode(s) != SIM_FLOW_SOFT) {
		if (l->wait_sent) {	/* FLW changed under us */
			l->wait_sent = false;
			flow_send(s, s->o->flow_cont);
		}
		return;
	}
	if (!l->wait_sent && l->in_len >= high) {
		l->wait_sent = true;
		l->wait_ignored = false;
		l->grace_ns = 0;
		l->wait_ns = now;
		l->after_wait = 0;
		l->waits++;
		flow_send(s, s->o->flow_wait);
		sim_trace_text('!', "WAIT", 4);
		/* "automatically followed by an RP4 socket status report" */
		sim_rp4_line(s, rp4, sizeof(rp4));
		sim_reply_line(s, "%s", rp4);
	} else if (l->wait_sent && l->in_len <= low) {
		l->wait_sent = false;
		l->continues++;
		flow_send(s, s->o->flow_cont);
		sim_trace_text('!', "CONTINUE", 8);
	}
}

/*
 * Nothing may come off the wire now (and poll must not spin on POLLIN):
 * the host is stopped, CTS is low, or the host has the grace period to
 * react to WAIT.
 */
static bool grace_over(struct sim *s, u64 now);

bool sim_uart_blocked(struct sim *s, u64 *timeout_ns, u64 now)
{
	struct sim_line *l = s->line;
	u64 grace = (u64)s->o->flow_grace_ms * 1000000;

	if (!sim_uart_on(s))
		return false;
	if (l->host_stopped)
		return true;
	switch (flow_mode(s)) {
	case SIM_FLOW_HARD:
		return l->in_len >= uart_cap(s);
	case SIM_FLOW_SOFT:
		if (!sim_uart_in_grace(s) || grace_over(s, now))
			return false;	/* read_in decides it was ignored */
		min_ns(timeout_ns, l->grace_ns + grace - now);
		min_ns(timeout_ns, 1000000);	/* STOP wakes POLLIN only */
		return true;
	case SIM_FLOW_NONE:
		break;
	}
	return false;
}

/*
 * The grace period starts when the FIFO's worth after WAIT has arrived.
 * The module is frozen meanwhile (its pause resumes afterwards), so the
 * wait costs a host that ignores WAIT nothing it would not lose anyway.
 */
bool sim_uart_in_grace(struct sim *s)
{
	struct sim_line *l = s->line;

	return sim_uart_on(s) && flow_mode(s) == SIM_FLOW_SOFT && l->pkt &&
	       l->wait_sent && !l->wait_ignored && !l->host_stopped &&
	       l->after_wait >= s->o->uart_fifo;
}

static bool grace_over(struct sim *s, u64 now)
{
	struct sim_line *l = s->line;

	if (!l->grace_ns) {
		l->grace_ns = now;
		l->pause_left = l->drain_until > now ? l->drain_until - now : 0;
	}
	return now - l->grace_ns >= (u64)s->o->flow_grace_ms * 1000000;
}

/* Grace over (host stopped, or it ignored WAIT): the module goes on. */
void sim_uart_grace_end(struct sim *s, u64 now)
{
	struct sim_line *l = s->line;

	if (!l->grace_ns)
		return;
	l->drain_until = now + l->pause_left;
	l->grace_ns = 0;
}

/* How many bytes the wire may deliver now, flow control considered. */
size_t sim_uart_window(struct sim *s, size_t want, u64 now)
{
	struct sim_line *l = s->line;
	size_t cap = uart_cap(s), fifo = s->o->uart_fifo;

	if (l->host_stopped)
		return 0;		/* the host's transmitter is off */
	switch (flow_mode(s)) {
	case SIM_FLOW_HARD:
		return cap - l->in_len < want ? cap - l->in_len : want;
	case SIM_FLOW_SOFT:
		if (l->wait_ignored)
			return want;
		if (!l->wait_sent) {
			/* no further than WAIT's threshold and a FIFO */
			size_t high = s->o->uart_buffer / 2, lim = fifo;

			if (l->in_len < high)
				lim += high - l->in_len;
			return lim < want ? lim : want;
		}
		if (l->after_wait < fifo)
			return fifo - l->after_wait < want ?
			       (size_t)(fifo - l->after_wait) : want;
		if (l->pkt && !grace_over(s, now))
			return 0;	/* waiting for the host to stop */
		l->wait_ignored = true;
		l->ignored++;
		sim_info("host did not stop after WAIT: taking bytes again");
		return want;
	case SIM_FLOW_NONE:
		break;
	}
	return want;
}

/*
 * Bytes off the wire into the module buffer; what does not fit is lost.
 * A read brings a few ms of line time at once: it is delivered in FIFO
 * sized steps with the module draining in between, as it would while
 * the bytes trickle in, unless it is paused.
 */
void sim_uart_deliver(struct sim *s, const u8 *p, size_t n, u64 now)
{
	struct sim_line *l = s->line;
	size_t cap = uart_cap(s), step = s->o->uart_fifo ? s->o->uart_fifo : 1;

	while (n) {
		size_t fit = n < step ? n : step;

		if (fit > cap - l->in_len)
			fit = cap - l->in_len;
		if (!fit) {
			l->lost += n;
			sim_trace_text('!', "UART overrun", 12);
			return;
		}
		memcpy(l->in + l->in_len, p, fit);
		l->in_len += fit;
		if (l->wait_sent)
			l->after_wait += fit;
		p += fit;
		n -= fit;
		sim_line_consume(s, now);
	}
}

/*
 * The module's pace: parsing takes no time, but every --uart-stall E bytes
 * of an SSND stream it stops reading for B byte times (sending them on).
 * Only inside a stream, so a whole 256-byte SSND and its header fit.
 */
size_t sim_uart_feed_paced(struct sim *s, u64 now)
{
	struct sim_line *l = s->line;
	const struct sim_opts *o = s->o;
	size_t n = l->in_len, used;
	bool data = s->ps.st == PARSE_DATA;

	if (!sim_uart_on(s) || !o->stall_bytes || !o->stall_every)
		return sim_parser_feed(s, l->in, n, now);
	if (!data)
		n = 1;		/* up to the header: then count stream bytes */
	else if (n > o->stall_every - l->stall_count)
		n = (size_t)(o->stall_every - l->stall_count);
	used = sim_parser_feed(s, l->in, n, now);
	if (data) {
		l->stall_count += used;
		if (l->stall_count >= o->stall_every) {
			l->stall_count = 0;
			l->stalls++;
			l->drain_until = now + (u64)((double)o->stall_bytes /
						     l->rate * SIM_NSEC);
		}
	}
	return used;
}
