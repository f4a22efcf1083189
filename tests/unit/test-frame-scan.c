// SPDX-License-Identifier: GPL-2.0-only
// SPDX-FileCopyrightText: 2026 The ichip authors
/*
 * Unit tests of the framer's line scan (driver/ichip_frame_scan.h): the
 * eight-bytes-a-step scan must stop where the byte table stops, for
 * every byte value at every position of a word, with every mask, at
 * every length (the last bytes go through the table), and on random
 * lines with several stop bytes (a borrow in the word step flags bytes
 * above the first stop: the lowest flag must still be the first).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ichip_frame_scan.h"
#include "tap.h"

static const u8 masks[] = {
	ICHIP_STOP_EOL,
	ICHIP_STOP_EOL | ICHIP_STOP_COLON,
	ICHIP_STOP_EOL | ICHIP_STOP_CTRL,
	ICHIP_STOP_EOL | ICHIP_STOP_COLON | ICHIP_STOP_CTRL,
};

/* one byte value @c at @pos in a 24-byte run of @fill: bad stops */
static int one_byte(u8 fill, u8 mask)
{
	u8 buf[24];
	int bad = 0;
	unsigned int c;
	size_t pos, n;

	for (c = 0; c < 256; c++)
		for (pos = 0; pos < sizeof(buf); pos++)
			for (n = pos; n <= sizeof(buf); n++) {
				memset(buf, fill, sizeof(buf));
				buf[pos] = (u8)c;
				if (ichip_scan_line(buf, n, mask) !=
				    ichip_scan_bytes(buf, n, mask))
					bad++;
			}
	return bad;
}

/* random lines, biased to stop bytes and borrow-prone neighbours */
static int random_lines(unsigned int seed, u8 mask)
{
	static const u8 pick[] = { '\r', '\n', ':', 0x00, 0x01, 0x11, 0x13,
				   0x1f, 0x20, 0x21, 0x3a, 0x3b, 0x7e, 0x7f,
				   0x80, 0xff, 'I', '/', '0', '9' };
	u8 buf[40];
	int bad = 0, round;
	size_t i, n;

	for (round = 0; round < 200000; round++) {
		for (i = 0; i < sizeof(buf); i++) {
			seed = seed * 1103515245u + 12345u;
			buf[i] = (seed >> 16) % 4 ? (u8)('A' + (seed >> 20) % 26) :
				 pick[(seed >> 8) % sizeof(pick)];
		}
		n = (seed >> 4) % (sizeof(buf) + 1);
		if (ichip_scan_line(buf, n, mask) !=
		    ichip_scan_bytes(buf, n, mask))
			bad++;
	}
	return bad;
}

int main(void)
{
	static const u8 fills[] = { 'A', ' ', 0x7e, 0x21 };
	size_t m, i;

	for (m = 0; m < ARRAY_SIZE(masks); m++) {
		int bad = 0;

		for (i = 0; i < ARRAY_SIZE(fills); i++)
			bad += one_byte(fills[i], masks[m]);
		tap_ok(bad == 0,
		       "mask %u: every byte, position and length as the table (%d differ)",
		       masks[m], bad);
		bad = random_lines(1717 + (unsigned int)m, masks[m]);
		tap_ok(bad == 0, "mask %u: 200000 random lines agree (%d differ)",
		       masks[m], bad);
	}
	/* the table itself: what the framer relies on */
	tap_ok(ichip_scan_bytes((const u8 *)"I/16384:xx", 10,
				ICHIP_STOP_EOL | ICHIP_STOP_COLON) == 7,
	       "a payload header stops at its ':'");
	tap_ok(ichip_scan_line((const u8 *)"I/OK\x13\r\n", 7,
			       ICHIP_STOP_EOL | ICHIP_STOP_CTRL) == 4,
	       "with flow control on, WAIT stops the scan");
	tap_ok(ichip_scan_line((const u8 *)"I/OK\x13\r\n", 7,
			       ICHIP_STOP_EOL) == 5,
	       "with flow control off, WAIT is a line byte");
	return tap_done();
}
