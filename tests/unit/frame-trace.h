/* SPDX-License-Identifier: GPL-2.0-only */
/* SPDX-FileCopyrightText: 2026 The ichip authors */
/*
 * The framer's events as one comparable string, for the framing core's
 * unit tests: "ECHO", "RESULT(0,0,text,data)", "UNSOL(line)", ...  Bytes
 * that are not printable are written \xNN, so a trace is one line.
 * TRACE_BRIEF leaves out what a test of flow and splitting does not
 * compare: a result's text and data, a noise line's bytes.
 */
#ifndef ICHIP_FRAME_TRACE_H
#define ICHIP_FRAME_TRACE_H

#include <stdarg.h>
#include <stdio.h>

#include "ichip_frame.h"

#define TRACE_MAX 4096

enum { TRACE_FULL, TRACE_BRIEF };

struct trace {
	char buf[TRACE_MAX];
	size_t len;
};

static void trace_add(struct trace *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void trace_add(struct trace *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(t->buf + t->len, TRACE_MAX - t->len, fmt, ap);
	va_end(ap);
	if (n > 0 && (size_t)n < TRACE_MAX - t->len)
		t->len += (size_t)n;
}

static inline void trace_bytes(struct trace *t, const void *p, size_t n)
{
	const unsigned char *b = p;
	size_t i;

	for (i = 0; i < n; i++) {
		if (b[i] >= 0x20 && b[i] < 0x7f && b[i] != '\\')
			trace_add(t, "%c", b[i]);
		else
			trace_add(t, "\\x%02x", b[i]);
	}
}

static inline void trace_event(struct trace *t, const struct ichip_frame *f,
			       const struct ichip_event *ev, int how)
{
	static const char *const name[] = {
		[ICHIP_EV_RESULT] = "RESULT", [ICHIP_EV_UNSOLICITED] = "UNSOL",
		[ICHIP_EV_NOISE] = "NOISE", [ICHIP_EV_ECHO] = "ECHO",
		[ICHIP_EV_OVERFLOW] = "OVERFLOW", [ICHIP_EV_WAIT] = "WAIT",
		[ICHIP_EV_CONTINUE] = "CONT",
	};

	if (ev->type == ICHIP_EV_NONE)
		return;
	trace_add(t, "%s", name[ev->type]);
	if (ev->type == ICHIP_EV_RESULT) {
		trace_add(t, "(%d", f->res.status);
		if (how == TRACE_FULL) {
			trace_add(t, ",%u,", f->res.module_error);
			trace_bytes(t, f->res.text, f->res.text_len);
			trace_add(t, ",");
			trace_bytes(t, f->res.data, f->res.data_len);
		}
		trace_add(t, ")");
	} else if (ev->type == ICHIP_EV_UNSOLICITED ||
		   (ev->type == ICHIP_EV_NOISE && how == TRACE_FULL)) {
		trace_add(t, "(");
		trace_bytes(t, ev->line,
			    how == TRACE_FULL || ev->len < 40 ? ev->len : 40);
		trace_add(t, ")");
	}
}

#endif
