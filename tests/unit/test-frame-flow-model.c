// SPDX-License-Identifier: GPL-2.0-only
// SPDX-FileCopyrightText: 2026 The ichip authors
/*
 * The framer against a model of a module with payload echo and software
 * flow control, in ichip-sim's output order (tests/sim/line.c): host
 * bytes land in a 256-byte buffer; the module drains it at once unless
 * it pauses (as it does while it sends data on), echoing what it takes;
 * WAIT past half the buffer, written ahead of the queued output, with the
 * RP4 report queued behind it; CONTINUE, again ahead of the queue, once
 * the buffer is down to an eighth.  After WAIT the module takes a FIFO's
 * worth more, then nothing until the host has stopped and started again.
 * The host writes in random pieces while not stopped, reads the line in
 * random pieces, and stops and starts on the framer's WAIT and CONTINUE.
 *
 * Random payloads, seeded: the same runs every time.  Every SSND must
 * end with its result.  A run that cannot go on (the host stopped with
 * no CONTINUE to come, or still sending into a module that waits for it
 * to stop) is a stall: the matrix's failure, in microseconds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ichip_frame.h"
#include "tap.h"

#define RUNS		30000
#define PAYLOAD_MAX	3200
#define BUF		256		/* the module's receive buffer */
#define FIFO		16		/* taken after WAIT */
#define LINE_MAX_Q	(64 * 1024)

static struct ichip_frame frame;
static unsigned long long rng = 0x9e3779b97f4a7c15ULL;

static unsigned int rnd(unsigned int n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned int)((rng >> 11) % n);
}

struct model {
	u8 host[PAYLOAD_MAX + 64];	/* the SSND on the wire */
	size_t total, sent, taken;	/* written by the host; taken */
	u8 in[BUF + FIFO];		/* the module's buffer */
	size_t in_len, after_wait;
	bool wait_sent, done;
	unsigned int pause;
	u8 queue[LINE_MAX_Q];		/* the module's output queue */
	size_t q_len;
	u8 line[LINE_MAX_Q];		/* on the line toward the host */
	size_t l_len;
	bool stopped, result;		/* the host's side */
};

static struct model m;

static void queue(const void *p, size_t n)
{
	memcpy(m.queue + m.q_len, p, n);
	m.q_len += n;
}

/* WAIT and CONTINUE: ahead of everything queued, as a UART sends them */
static void flow(u8 b)
{
	m.line[m.l_len++] = b;
}

static void module_step(void)
{
	size_t want = rnd(24), lim, k;

	/* bytes off the wire: none from a stopped host */
	lim = m.wait_sent ? (m.after_wait < FIFO ? FIFO - m.after_wait : 0) :
			    (m.in_len < BUF / 2 ? BUF / 2 - m.in_len : 0) + FIFO;
	if (m.stopped)
		lim = 0;
	want = want < lim ? want : lim;
	want = want < m.sent - m.taken ? want : m.sent - m.taken;
	memcpy(m.in + m.in_len, m.host + m.taken, want);
	m.in_len += want;
	m.taken += want;
	if (m.wait_sent)
		m.after_wait += want;
	/* drain, echoing, unless paused */
	if (m.pause) {
		m.pause--;
	} else if (!rnd(50)) {
		m.pause = 1 + rnd(40);
	} else if (m.in_len) {
		queue(m.in, m.in_len);
		m.in_len = 0;
		if (m.taken == m.total && !m.done) {
			m.done = true;
			queue("I/OK\r\n", 6);
		}
	}
	if (!m.wait_sent && m.in_len >= BUF / 2) {
		m.wait_sent = true;
		m.after_wait = 0;
		flow(0x13);
		queue("I/(0,-200)\r\n", 12);
	} else if (m.wait_sent && m.in_len <= BUF / 8) {
		m.wait_sent = false;
		flow(0x11);
	}
	/* queued output onto the line, a little at a time */
	k = rnd(40);
	k = k < m.q_len ? k : m.q_len;
	memcpy(m.line + m.l_len, m.queue, k);
	m.l_len += k;
	memmove(m.queue, m.queue + k, m.q_len - k);
	m.q_len -= k;
}

static void host_step(void)
{
	size_t k = rnd(3) ? m.l_len : rnd((unsigned int)m.l_len + 1), pos = 0;
	size_t a;

	while (pos < k) {
		struct ichip_event ev;

		pos += ichip_frame_feed(&frame, m.line + pos, k - pos, &ev);
		if (ev.type == ICHIP_EV_WAIT)
			m.stopped = true;
		else if (ev.type == ICHIP_EV_CONTINUE)
			m.stopped = false;
		else if (ev.type == ICHIP_EV_RESULT)
			m.result = frame.res.status == ICHIP_STATUS_OK;
	}
	memmove(m.line, m.line + k, m.l_len - k);
	m.l_len -= k;
	if (!m.stopped && m.sent < m.total) {
		a = 1 + rnd(64);
		m.sent += a < m.total - m.sent ? a : m.total - m.sent;
	}
}

/* One SSND; true when its result came. */
static bool run_one(void)
{
	size_t n = 200 + rnd(PAYLOAD_MAX - 200), i, hlen;
	static u8 payload[PAYLOAD_MAX];
	char hdr[40];
	int tick;

	memset(&m, 0, sizeof(m));
	for (i = 0; i < n; i++)
		payload[i] = (u8)rnd(256);
	hlen = (size_t)snprintf(hdr, sizeof(hdr), "AT+iSSND%%:0,%zu", n);
	memcpy(m.host, hdr, hlen);
	m.host[hlen] = ':';
	memcpy(m.host + hlen + 1, payload, n);
	m.total = hlen + 1 + n;
	ichip_frame_reset(&frame);
	ichip_frame_expect_ssnd(&frame, hdr, hlen, payload, n);
	for (tick = 0; tick < 100000 && !m.result; tick++) {
		module_step();
		host_step();
		/* nothing on its way, nothing to come: stalled */
		if (!m.l_len && !m.q_len && !m.in_len && !m.pause &&
		    (m.stopped ? !m.wait_sent : m.wait_sent &&
		     m.after_wait >= FIFO && m.sent > m.taken))
			break;
	}
	return m.result;
}

int main(void)
{
	int i, stalled = 0, first = -1;

	ichip_frame_forget_module(&frame);
	ichip_frame_set_flow(&frame, true, 0, 0);
	frame.echo_known = true;
	frame.echo_payload = ICHIP_ECHO_PAYLOAD_YES;
	for (i = 0; i < RUNS; i++) {
		if (!run_one()) {
			stalled++;
			if (first < 0)
				first = i;
		}
	}
	tap_ok(!stalled, "%d SSNDs with payload echo and WAIT/CONTINUE in ichip-sim's order: %d stalled (first: run %d)",
	       RUNS, stalled, first);
	return tap_done();
}
