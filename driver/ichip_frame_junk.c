// SPDX-License-Identifier: GPL-2.0-only OR MIT
// SPDX-FileCopyrightText: 2026 The ichip authors
/*
 * Replies behind line noise.  Random bytes a noisy line adds toward the
 * host while the module is quiet have nothing to end them: the module's
 * next reply arrives on the same line, "<junk>I/OK".  Taken whole, the
 * line is noise and the command times out although the module answered
 * it (and an SSND's data may have gone out: it cannot be sent again).
 *
 * So while a command waits for its answer, a line that does not start
 * with "I/" is read from its last "I/": a reply holds no other, and junk
 * rarely ends in one.  Not for a query, whose text lines may hold "I/"
 * (base64), nor with nothing in flight, where the line is reported as
 * unsolicited as it came.  Junk holding "AT+i" held the echo of the
 * command (noise before it hid it from the echo matcher): the reply
 * after it is the command's, not the stray I/OK an RP4 may leave.
 */
#include "ichip_frame.h"
#include "ichip_frame_priv.h"

size_t ichip_frame_reply_at(const struct ichip_frame *f, const char *line,
			    size_t n)
{
	size_t i;

	if (f->expect == ICHIP_REPLY_NONE || f->expect == ICHIP_REPLY_QUERY ||
	    n < 3)
		return 0;
	/* at least one byte after "I/" */
	for (i = n - 3; i > 0; i--)
		if (line[i] == 'I' && line[i + 1] == '/')
			return i;
	return 0;
}

bool ichip_frame_junk_echoed(const char *line, size_t at)
{
	size_t i;

	for (i = 0; i + 4 <= at; i++)
		if (line[i] == 'A' && line[i + 1] == 'T' &&
		    line[i + 2] == '+' && (line[i + 3] | 0x20) == 'i')
			return true;
	return false;
}
