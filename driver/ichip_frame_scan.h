/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/* SPDX-FileCopyrightText: 2026 The ichip authors */
/*
 * The framer's line scan: how many bytes of a line go by before one that
 * the framer must look at (CR or LF; ':' where a payload header may end;
 * with flow control on, any control byte, since WAIT and CONTINUE are
 * configurable).  Every reply line passes through it, so it is the
 * framer's hot path: eight bytes per step where the byte order allows,
 * because a byte-at-a-time loop pays a mispredicted exit on every line
 * (a busy line's replies are short: "I/16384:", "I/0007").  The table
 * is the definition; the word step must agree with it byte for byte
 * (unit test frame-scan).
 */
#ifndef ICHIP_FRAME_SCAN_H
#define ICHIP_FRAME_SCAN_H

#include "ichip_frame_shim.h"

#define ICHIP_STOP_EOL		1
#define ICHIP_STOP_COLON	2
#define ICHIP_STOP_CTRL		4

static const u8 ichip_line_stop[256] = {
	['\r'] = ICHIP_STOP_EOL, ['\n'] = ICHIP_STOP_EOL,
	[':'] = ICHIP_STOP_COLON,
	[0x00 ... 0x09] = ICHIP_STOP_CTRL, [0x0b ... 0x0c] = ICHIP_STOP_CTRL,
	[0x0e ... 0x1f] = ICHIP_STOP_CTRL, [0x7f ... 0xff] = ICHIP_STOP_CTRL,
};

/* The table, a byte at a time: the reference, and the last few bytes. */
static inline size_t ichip_scan_bytes(const u8 *p, size_t n, u8 mask)
{
	size_t i = 0;

	while (i < n && !(ichip_line_stop[p[i]] & mask))
		i++;
	return i;
}

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define ICHIP_REP8(b)	((u64)(b) * 0x0101010101010101ULL)

/*
 * 0x80 in every byte of @w below @lim (at most 0x80), and maybe in bytes
 * above the lowest such byte (a borrow): so the lowest flag is exact.
 */
static inline u64 ichip_bytes_below(u64 w, u8 lim)
{
	return (w - ICHIP_REP8(lim)) & ~w & ICHIP_REP8(0x80);
}

static inline u64 ichip_bytes_equal(u64 w, u8 c)
{
	return ichip_bytes_below(w ^ ICHIP_REP8(c), 1);
}

/* The table's stops in @w, as 0x80 flags; exact at the lowest flag. */
static inline u64 ichip_stops(u64 w, u8 mask)
{
	u64 m;

	if (mask & ICHIP_STOP_CTRL)	/* CR and LF are below 0x20 too */
		m = ichip_bytes_below(w, 0x20) | (w & ICHIP_REP8(0x80)) |
		    ichip_bytes_equal(w, 0x7f);
	else
		m = ichip_bytes_equal(w, '\r') | ichip_bytes_equal(w, '\n');
	if (mask & ICHIP_STOP_COLON)
		m |= ichip_bytes_equal(w, ':');
	return m;
}

static inline size_t ichip_scan_line(const u8 *p, size_t n, u8 mask)
{
	size_t i;

	for (i = 0; i + 8 <= n; i += 8) {
		u64 w, m;

		memcpy(&w, p + i, 8);	/* one unaligned load */
		m = ichip_stops(w, mask);
		if (m)
			return i + (size_t)__builtin_ctzll(m) / 8;
	}
	return i + ichip_scan_bytes(p + i, n - i, mask);
}
#else
static inline size_t ichip_scan_line(const u8 *p, size_t n, u8 mask)
{
	return ichip_scan_bytes(p, n, mask);
}
#endif

#endif /* ICHIP_FRAME_SCAN_H */
