// SPDX-License-Identifier: GPL-2.0-only OR MIT
// SPDX-FileCopyrightText: 2026 The ichip authors
/*
 * An SSND's answer that the line damaged.  A lost, added or changed byte
 * in "I/OK" leaves a line nothing else parses; the command would time
 * out, and since the module may have sent the data the host cannot send
 * it again: the session ends although the module said OK.  So too a
 * damaged "I/ERROR (228)": the data was dropped and can go again.
 *
 * Read a line as the answer it is one edit away from: at most 5 bytes
 * for "I/OK", at least 11 for an error, so no single fault turns one into
 * the other.  An error's three digits must be there as they are (a code
 * is never guessed: a damaged one leaves the line noise, and the command
 * queue's probe decides).  Only when the SSND's answer is the next thing
 * the module says: not while an RP4's stray I/OK may still come (that
 * too may arrive damaged), nor before the echo of a module that echoes.
 *
 * And a WAIT byte that was noise (the command queue found no report
 * behind it): no report is due.
 */
#include "ichip_frame.h"
#include "ichip_frame_priv.h"

/* Are @a and @b one lost, added or changed byte apart (not equal)? */
static bool one_edit(const char *a, size_t an, const char *b, size_t bn)
{
	size_t i = 0;

	if (an > bn)
		return one_edit(b, bn, a, an);
	if (bn - an > 1)
		return false;
	while (i < an && a[i] == b[i])
		i++;
	if (i == an)
		return an != bn;	/* equal, or b has one more at the end */
	if (an == bn)
		return !memcmp(a + i + 1, b + i + 1, an - i - 1);
	return !memcmp(a + i, b + i + 1, an - i);
}

/*
 * Where a line's last run of digits starts, if it is three long; else n.
 * (A digit elsewhere is a changed byte: one_edit() judges it.)
 */
static size_t three_digits(const char *s, size_t n)
{
	size_t end = n, at;

	while (end && !is_digit(s[end - 1]))
		end--;
	at = end;
	while (at && is_digit(s[at - 1]))
		at--;
	return end && end - at == 3 ? at : n;
}

static bool mend_error(const char *line, size_t n, unsigned int *code)
{
	char spaced[] = "I/ERROR (nnn)", tight[] = "I/ERROR(nnn)";
	size_t at = three_digits(line, n);

	if (at == n)
		return false;
	memcpy(spaced + 9, line + at, 3);
	memcpy(tight + 8, line + at, 3);
	/* undamaged in either form: the parser's, not ours */
	if ((n == 13 && !memcmp(line, spaced, 13)) ||
	    (n == 12 && !memcmp(line, tight, 12)))
		return false;
	if (!one_edit(line, n, spaced, 13) && !one_edit(line, n, tight, 12))
		return false;
	*code = (unsigned int)((line[at] - '0') * 100 +
			       (line[at + 1] - '0') * 10 + line[at + 2] - '0');
	return true;
}

bool ichip_frame_mend(struct ichip_frame *f, const char *line, size_t n,
		      enum ichip_status *status, unsigned int *code)
{
	if (f->expect != ICHIP_REPLY_STATUS || f->stray_ok ||
	    (f->echo_known && !f->echo_seen))
		return false;
	*code = 0;
	if (one_edit(line, n, "I/OK", 4))
		*status = ICHIP_STATUS_OK;
	else if (mend_error(line, n, code))
		*status = ICHIP_STATUS_ERROR;
	else
		return false;
	f->stats.mended++;
	return true;
}

void ichip_frame_wait_noise(struct ichip_frame *f)
{
	f->report_due = false;
	f->stats.noise++;
}
