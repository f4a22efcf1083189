// SPDX-License-Identifier: GPL-2.0-only
// SPDX-FileCopyrightText: 2026 The ichip authors
/* daemon/ichipd/text.c: module text escaped into valid UTF-8 for D-Bus. */
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "text.h"

static void check(const char *in, size_t len, const char *want)
{
	char *got = text_escape(in, len);

	tap_ok(got && !strcmp(got, want), "escape -> \"%s\" (got \"%s\")",
	       want, got ? got : "(null)");
	free(got);
}

int main(void)
{
	check("ICHIP 8.3", 9, "ICHIP 8.3");
	check("", 0, "");
	check("\xff\xfe", 2, "\\xff\\xfe");
	check("a\\b", 3, "a\\\\b");
	check("tab\there\x7f", 9, "tab\\x09here\\x7f");
	check("caf\xc3\xa9", 5, "caf\xc3\xa9");		/* U+00E9 kept */
	check("\xe2\x82\xac", 3, "\xe2\x82\xac");		/* U+20AC kept */
	check("\xf0\x9f\x98\x80", 4, "\xf0\x9f\x98\x80");	/* U+1F600 */
	check("\xc0\xaf", 2, "\\xc0\\xaf");			/* overlong '/' */
	check("\xed\xa0\x80", 3, "\\xed\\xa0\\x80");		/* surrogate */
	check("\xf4\x90\x80\x80", 4, "\\xf4\\x90\\x80\\x80");	/* > U+10FFFF */
	check("\xe2\x82", 2, "\\xe2\\x82");			/* cut short */
	check("a\0b", 3, "a\\x00b");				/* NUL inside */
	return tap_done();
}
