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
 * unsolicited as it came.  Junk holding "AT+i" (or, that damaged, the
 * rest of the command) held the echo of the command (noise before it hid
 * it from the echo matcher): the reply after it is the command's, not the stray I/OK an RP4 may leave (so
 * too when an echo the matcher followed past "AT+i" lost a byte).
 *
 * Also here: results that cannot be the command's (stale ones).
 */
#include "ichip_frame.h"
#include "ichip_frame_priv.h"

static size_t ichip_frame_reply_at(const struct ichip_frame *f,
				   const char *line, size_t n)
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

/* @s holds @w (of @wn bytes) before @at? */
static bool holds(const char *s, size_t at, const char *w, size_t wn)
{
	size_t i;

	for (i = 0; wn && i + wn <= at; i++)
		if (!memcmp(s + i, w, wn))
			return true;
	return false;
}

/*
 * The echo went by in the junk: its "AT+i", or, when a byte of that was
 * lost or changed, the rest of the command's header.
 */
static bool ichip_frame_junk_echoed(const struct ichip_frame *f,
				    const char *line, size_t at)
{
	size_t i;

	for (i = 0; i + 4 <= at; i++)
		if (line[i] == 'A' && line[i + 1] == 'T' &&
		    line[i + 2] == '+' && (line[i + 3] | 0x20) == 'i')
			return true;
	return f->cmd && f->cmd_len > 8 &&
	       holds(line, at, f->cmd + 4, f->cmd_len - 4);
}

size_t ichip_frame_junk_reply(struct ichip_frame *f, const char *line,
			      size_t n)
{
	size_t at = ichip_frame_reply_at(f, line, n);

	if (!at)
		return 0;
	f->stats.noise++;
	if (ichip_frame_junk_echoed(f, line, at))
		f->stray_ok = false;
	return at;
}

bool ichip_frame_header_at(struct ichip_frame *f, size_t *at)
{
	*at = 0;
	if (f->line[0] == 'I' && f->line[1] == '/')
		return true;
	/* behind junk: only the ':' just added ends a header */
	if (f->line[f->line_len - 1] != ':')
		return false;
	*at = ichip_frame_reply_at(f, f->line, f->line_len);
	if (*at)
		f->stats.noise++;
	return *at != 0;
}

static bool is_status_word(const char *s, size_t n)
{
	unsigned int code;

	return word_is(s, n, "OK") || word_is(s, n, "BUSY") ||
	       ichip_frame_parse_error(s, n, &code);
}

/*
 * Results that cannot be this command's: the I/OK some modules put after
 * an RP4/RP7 list, and, from a module known to echo, a status word before
 * the echo of a bare AT+i (the resync ping: the module may answer the
 * blank lines sent ahead of it).  They are counted and dropped.
 */
bool ichip_frame_stale(struct ichip_frame *f, const char *s, size_t n)
{
	bool before_echo = f->expect == ICHIP_REPLY_NONE ||
			   (f->echo_known && !f->echo_seen);

	if (f->stray_ok && before_echo && word_is(s, n, "OK")) {
		f->stray_ok = false;
		f->stats.stale++;
		return true;
	}
	if (f->expect != ICHIP_REPLY_NONE && f->echo_known && !f->echo_seen &&
	    f->cmd_len == 4 && is_status_word(s, n)) {
		f->stats.stale++;
		return true;
	}
	return false;
}
