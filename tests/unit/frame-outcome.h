/* SPDX-License-Identifier: GPL-2.0-only */
/* SPDX-FileCopyrightText: 2026 The ichip authors */
/*
 * What the framing core made of a byte stream, for its unit tests: the
 * results (the last one's status, error, text and data) and how many
 * lines came unsolicited.  The stream is fed in pieces of a given size,
 * so a test can split it anywhere.
 */
#ifndef ICHIP_FRAME_OUTCOME_H
#define ICHIP_FRAME_OUTCOME_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ichip_frame.h"

struct outcome {
	int results;
	enum ichip_status status;
	unsigned int module_error;
	char text[64];
	u8 data[64];
	size_t data_len;
	int unsolicited;
};

/* Feed @n bytes of @buf to @f in pieces of at most @chunk. */
static inline void feed_frame(struct ichip_frame *f, const u8 *buf, size_t n,
			      size_t chunk, struct outcome *o)
{
	size_t pos = 0;

	while (pos < n) {
		struct ichip_event ev;
		size_t len = n - pos < chunk ? n - pos : chunk;
		size_t used = ichip_frame_feed(f, buf + pos, len, &ev);

		if (!used)
			abort();	/* the core promises progress */
		pos += used;
		if (ev.type == ICHIP_EV_UNSOLICITED)
			o->unsolicited++;
		if (ev.type != ICHIP_EV_RESULT)
			continue;
		o->results++;
		o->status = f->res.status;
		o->module_error = f->res.module_error;
		snprintf(o->text, sizeof(o->text), "%.*s",
			 (int)f->res.text_len, f->res.text);
		o->data_len = f->res.data_len;
		if (f->res.data_len <= sizeof(o->data))
			memcpy(o->data, f->res.data, f->res.data_len);
	}
}

#endif
