// SPDX-License-Identifier: GPL-2.0-only
// SPDX-FileCopyrightText: 2026 The ichip authors
/*
 * The RP4 list, "(n0,n1,...,n9)": per socket the bytes waiting or the
 * negated error code (-200 unused, -203 down; some modules print -1 for
 * unused).  ichipd acts on each value (poller.c): -200 ends a session as
 * module-reset, -203 as peer-closed.  A list the serial line damaged
 * must not be read shifted or with a code cut short, so it is refused
 * whole: fewer than ten values, a value that is no number, a negative
 * value that is no error code, anything after the closing parenthesis.
 * The next poll asks again.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rp4.h"

/* -1, or an error code (3 digits, 200-230 for sockets) */
static int rp4_value_ok(long v)
{
	return v >= 0 || v == -1 || (v <= -100 && v >= -999);
}

int rp4_parse(const char *text, long *vals, int max)
{
	const char *p = strchr(text, '(');
	char *end;
	int n = 0;

	if (!p)
		return 0;
	p++;
	for (;;) {
		if (n == max || (*p != '-' && (*p < '0' || *p > '9')))
			return 0;
		errno = 0;
		vals[n] = strtol(p, &end, 10);
		if (end == p || errno || !rp4_value_ok(vals[n]))
			return 0;
		n++;
		p = end;
		if (*p == ')')
			break;
		if (*p++ != ',')
			return 0;
	}
	return p[1] == '\0' && n >= RP4_SOCKETS ? n : 0;
}
