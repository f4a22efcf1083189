// SPDX-License-Identifier: GPL-2.0-only
// SPDX-FileCopyrightText: 2026 The ichip authors
/*
 * Unit tests of ichipd's RP4 list parser (daemon/ichipd/rp4.c).  The list
 * is ichipd's only news of its sockets: a value read at the wrong place
 * ends a session ("-200": module-reset; "-203": peer-closed).  A list the
 * line damaged (a comma or a digit of a code lost, a byte added) must be
 * refused whole, never read shifted.
 */
#include <stdio.h>
#include <string.h>

#include "rp4.h"
#include "tap.h"

static int parse(const char *s, long *v)
{
	return rp4_parse(s, v, RP4_SOCKETS + 2);
}

int main(void)
{
	long v[RP4_SOCKETS + 2];

	tap_ok(parse("(16384,0,-200,-203,5,-200,-200,-200,-200,-200)", v) == 10 &&
	       v[0] == 16384 && v[2] == -200 && v[3] == -203 && v[9] == -200,
	       "rp4: ten values");
	tap_ok(parse("(000,-1,-1,-1,-1,-1,-1,-1,-1,-1)", v) == 10 && !v[0],
	       "rp4: padded handles");
	tap_ok(parse("(1,2,3,4,5,6,7,8,9,10,11,12)", v) == 12,
	       "rp4: listening sockets after the ten");
	tap_ok(!parse("(16384,0,16384-200,-200,-200,-200,-200,-200,-200)", v),
	       "rp4: a comma lost: refused, not read shifted");
	tap_ok(!parse("(16384,0,163840,-200,-200,-200,-200,-200,-200)", v),
	       "rp4: nine values: refused");
	tap_ok(!parse("(16384,0,-20,-200,-200,-200,-200,-200,-200,-200)", v),
	       "rp4: a code that lost a digit (-20): refused");
	tap_ok(!parse("(16384,0,-200,-200,-200,-200,-200,-200,-200,-200", v),
	       "rp4: no closing parenthesis: refused");
	tap_ok(!parse("(16384,0,-200,-200,-200,-200,-200,-200,-200,-200)x", v),
	       "rp4: a byte after it: refused");
	tap_ok(!parse("(16384,0,-200,-2x00,-200,-200,-200,-200,-200,-200)", v),
	       "rp4: a byte inside: refused");
	tap_ok(!parse("", v) && !parse("(", v), "rp4: empty: refused");
	return tap_done();
}
