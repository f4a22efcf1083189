// SPDX-License-Identifier: GPL-2.0-only OR MIT
// SPDX-FileCopyrightText: 2026 The ichip authors
/*
 * A PEM block on the line: the module's answer to a CA, CERT or PKEY
 * query, or its echo of such a value being written, one line at a time.
 * Base64 starts a line with "I/" once in 4096 lines (one certificate in
 * about 250) and may end one in "I/OK".  Read as replies, the first lost
 * its "I/" from the answer, the second ended a write early, and the CA
 * read back after a write was never the one written.
 *
 * An echo is known byte for byte: the command's next line, or the block
 * has ended.  An answer is not: from its BEGIN line to its END line a line
 * of base64 alone (a multiple of 4 characters) is the block's; any other
 * line ends the block and is read as usual, so an "I/ERROR (nnn)" still
 * ends the command.  So does a whole "I/OK" line: a module that cuts its
 * answer short must not leave the command waiting for its timeout, and a
 * certificate whose last base64 line is exactly "I/OK" (about one in 50
 * million) is the price.
 */
#include "ichip_frame.h"
#include "ichip_frame_priv.h"

/* "-----BEGIN ...-----" or "-----END ...-----" */
static bool marker_line(const char *s, size_t n, const char *word,
			size_t wn)
{
	return n >= 10 + wn && !memcmp(s, "-----", 5) &&
	       !memcmp(s + 5, word, wn) && !memcmp(s + n - 5, "-----", 5);
}

static bool base64_line(const char *s, size_t n)
{
	size_t i;

	if (!n || n % 4 || (n == 4 && !memcmp(s, "I/OK", 4)))
		return false;
	for (i = 0; i < n; i++) {
		u8 c = (u8)s[i];

		if (!is_alpha(c) && !is_digit(c) && c != '+' && c != '/' &&
		    c != '=')
			return false;
	}
	return true;
}

/* Is @line the echo of the command's next line?  Then move past it. */
static bool echo_line(struct ichip_frame *f, const char *line, size_t n)
{
	const char *next = f->cmd + f->pem_next;
	size_t left = f->cmd_all - f->pem_next;
	const char *cr = memchr(next, '\r', left);
	size_t len = cr ? (size_t)(cr - next) : left;

	if (n != len || memcmp(line, next, n))
		return false;
	if (cr)
		f->pem_next += len + 1;
	else
		f->pem = ICHIP_PEM_NONE;	/* the last line */
	return true;
}

enum ichip_pem ichip_frame_pem_line(struct ichip_frame *f, const char *line,
				    size_t n)
{
	switch (f->pem) {
	case ICHIP_PEM_NONE:
		/* an answer's block starts at its BEGIN line */
		if (f->expect != ICHIP_REPLY_QUERY ||
		    !marker_line(line, n, "BEGIN ", 6))
			return ICHIP_PEM_NONE;
		f->pem = ICHIP_PEM_ANSWER;
		return ICHIP_PEM_ANSWER;
	case ICHIP_PEM_ECHO:
		if (echo_line(f, line, n))
			return ICHIP_PEM_ECHO;
		break;
	case ICHIP_PEM_ANSWER:
		if (marker_line(line, n, "END ", 4)) {
			f->pem = ICHIP_PEM_NONE;
			return ICHIP_PEM_ANSWER;
		}
		if (base64_line(line, n))
			return ICHIP_PEM_ANSWER;
		break;
	}
	f->pem = ICHIP_PEM_NONE;
	return ICHIP_PEM_NONE;
}
