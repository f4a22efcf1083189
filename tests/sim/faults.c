// SPDX-License-Identifier: GPL-2.0-only
// SPDX-FileCopyrightText: 2026 The ichip authors
/*
 * Faults above the byte level: spontaneous module reset, hang-up and the
 * periodic schedules from the command line; the byte faults the line
 * applies (drop, corrupt); plus the one random number generator every
 * fault draws from, so --seed replays a run exactly.
 */
#include <stdio.h>
#include <string.h>

#include "sim.h"

#define MS	1000000ULL

/* splitmix64: tiny, good enough, and the same on every platform. */
u64 sim_rand(struct sim *s)
{
	u64 z = (s->rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

double sim_rand01(struct sim *s)
{
	return (double)(sim_rand(s) >> 11) / (double)(1ULL << 53);
}

/*
 * One byte fault in the trace: which byte of which chunk, in which
 * direction, and the bytes around it, so a broken session can be traced
 * to the command line, reply header, payload or checksum it hit.
 */
static void trace_fault(const char *what, char dir, const u8 *p, size_t n,
			size_t i, u8 old)
{
	size_t from = i > 12 ? i - 12 : 0;
	size_t to = n - i > 12 ? i + 12 : n;
	char head[64];

	snprintf(head, sizeof(head), "%s %c 0x%02x at %zu of %zu, from %zu:",
		 what, dir, old, i, n, from);
	sim_trace_data('!', head, p + from, to - from);
}

/*
 * Bytes entering the line in direction @dir ('>' from the host, '<' to
 * it): each lost with @drop, or one bit of it flipped with @corrupt (what
 * a noisy UART does inside a payload as well as anywhere else).  Returns
 * the bytes left.
 */
size_t sim_byte_faults(struct sim *s, char dir, u8 *p, size_t n,
		       double drop, double corrupt)
{
	size_t w = 0;

	if (drop <= 0 && corrupt <= 0)
		return n;
	for (size_t i = 0; i < n; i++) {
		u8 old = p[i];

		if (drop > 0 && sim_rand01(s) < drop) {
			trace_fault("drop", dir, p, n, i, old);
			continue;
		}
		p[w] = p[i];
		if (corrupt > 0 && sim_rand01(s) < corrupt) {
			p[w] ^= (u8)(1u << (sim_rand(s) & 7));
			trace_fault("flip", dir, p, n, w, old);
		}
		w++;
	}
	return w;
}

/*
 * Power-cycle behaviour: sockets gone, any reply in flight lost, session
 * and parser state forgotten, nonvolatile parameters kept, then the boot
 * banner.
 */
void sim_module_reset(struct sim *s, const char *why)
{
	sim_info("module reset (%s)", why);
	sim_trace_text('!', "reset", 5);
	sim_sockets_close_all(s);
	sim_clear_busy(s);
	sim_session_end(s);
	sim_parser_reset(s);
	if (s->line)
		sim_line_discard_output(s->line);
	sim_emit(s, "\r\n", 2);
	sim_reply_raw_line(s, s->o->banner, strlen(s->o->banner));
}

/* Picked up by the main loop, which owns the line. */
void sim_hangup(struct sim *s)
{
	s->faults.hangup_now = true;
}

void sim_faults_init(struct sim *s, u64 now)
{
	const struct sim_opts *o = s->o;

	memset(&s->faults, 0, sizeof(s->faults));
	if (o->stall_ms)
		s->faults.next_stall_ns = now + (o->stall_every_ms ?
						 o->stall_every_ms * MS : 0);
	if (o->reset_every_ms)
		s->faults.next_reset_ns = now + o->reset_every_ms * MS;
	if (o->hangup_after_ms)
		s->faults.hangup_ns = now + o->hangup_after_ms * MS;
}

static void due(u64 at, u64 now, u64 *timeout_ns)
{
	if (at > now && at - now < *timeout_ns)
		*timeout_ns = at - now;
}

void sim_faults_timers(struct sim *s, u64 now, u64 *timeout_ns)
{
	struct sim_faults *f = &s->faults;
	const struct sim_opts *o = s->o;

	if (f->next_stall_ns && now >= f->next_stall_ns) {
		sim_info("stall for %u ms", o->stall_ms);
		sim_trace_text('!', "stall", 5);
		sim_line_stall(s->line, o->stall_ms, now);
		f->next_stall_ns = o->stall_every_ms ?
				   now + o->stall_every_ms * MS : 0;
	}
	if (f->next_reset_ns && now >= f->next_reset_ns) {
		sim_module_reset(s, "--reset-every");
		f->next_reset_ns = now + o->reset_every_ms * MS;
	}
	if (f->hangup_ns && now >= f->hangup_ns) {
		f->hangup_ns = 0;
		sim_hangup(s);
	}
	due(f->next_stall_ns, now, timeout_ns);
	due(f->next_reset_ns, now, timeout_ns);
	due(f->hangup_ns, now, timeout_ns);
}
