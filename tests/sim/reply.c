// SPDX-License-Identifier: GPL-2.0-only
// SPDX-FileCopyrightText: 2026 The ichip authors
/*
 * Everything the module says goes through here: reply lines are "I/..."
 * plus CR LF and each one is traced.  Also the small byte buffer used for
 * socket and parser queues.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

int buf_put(struct buf *b, const void *p, size_t n, size_t limit)
{
	if (b->len + n > limit)
		return -1;
	if (!n)
		return 0;
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		u8 *d;

		while (cap < b->len + n)
			cap *= 2;
		d = realloc(b->d, cap);
		if (!d)
			return -1;
		b->d = d;
		b->cap = cap;
	}
	memcpy(b->d + b->len, p, n);
	b->len += n;
	return 0;
}

void buf_drop(struct buf *b, size_t n)
{
	if (n >= b->len) {
		b->len = 0;
		return;
	}
	memmove(b->d, b->d + n, b->len - n);
	b->len -= n;
}

void buf_free(struct buf *b)
{
	free(b->d);
	memset(b, 0, sizeof(*b));
}

void sim_emit(struct sim *s, const void *p, size_t n)
{
	if (n)
		s->emit(s, p, n);
}

void sim_reply_raw_line(struct sim *s, const char *text, size_t len)
{
	sim_trace_text('<', text, len);
	sim_emit(s, text, len);
	sim_emit(s, "\r\n", 2);
}

void sim_reply_line(struct sim *s, const char *fmt, ...)
{
	char line[SIM_LINE_MAX];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line))
		n = sizeof(line) - 1;
	sim_reply_raw_line(s, line, (size_t)n);
}

void sim_reply_ok(struct sim *s)
{
	sim_reply_line(s, "I/OK");
}

void sim_reply_err(struct sim *s, int code)
{
	/* v8.32 manual text: I/ERROR(nnn); drivers: I/ERROR (nnn) */
	sim_reply_line(s, s->o->error_space ? "I/ERROR (%03d)" :
					      "I/ERROR(%03d)", code);
}
