// SPDX-License-Identifier: GPL-2.0-only
// SPDX-FileCopyrightText: 2026 The ichip authors
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "text.h"

/* Length of the valid UTF-8 sequence at @p (at most @n bytes), or 0. */
static size_t utf8_len(const uint8_t *p, size_t n)
{
	uint32_t cp, min;
	size_t len, i;

	if (p[0] < 0x80)
		return 1;
	if ((p[0] & 0xe0) == 0xc0) {
		len = 2, cp = p[0] & 0x1f, min = 0x80;
	} else if ((p[0] & 0xf0) == 0xe0) {
		len = 3, cp = p[0] & 0x0f, min = 0x800;
	} else if ((p[0] & 0xf8) == 0xf0) {
		len = 4, cp = p[0] & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

char *text_escape(const char *in, size_t len)
{
	const uint8_t *p = (const uint8_t *)in;
	char *out = malloc(len * 4 + 1), *o = out;
	size_t i = 0, n;

	if (!out)
		return NULL;
	while (i < len) {
		n = utf8_len(p + i, len - i);
		if (n == 1 && p[i] == '\\') {
			*o++ = '\\';
			*o++ = '\\';
		} else if (n == 1 && (p[i] < 0x20 || p[i] == 0x7f)) {
			n = 0;
		} else if (n) {
			for (size_t k = 0; k < n; k++)
				*o++ = (char)p[i + k];
		}
		if (!n) {
			o += sprintf(o, "\\x%02x", p[i]);
			n = 1;
		}
		i += n;
	}
	*o = '\0';
	return out;
}
