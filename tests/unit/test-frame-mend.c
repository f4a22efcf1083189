// SPDX-License-Identifier: GPL-2.0-only
// SPDX-FileCopyrightText: 2026 The ichip authors
/*
 * Unit tests of the framing core's reading of a damaged SSND answer
 * (driver/ichip_frame_mend.c).  On a line that drops bytes and adds
 * noise, the module's "I/OK" after an SSND can lose or gain a byte.  The
 * data went out: the answer must still read as OK, or the host ends the
 * session (a resend could repeat TLS records).  So too "I/ERROR (228)":
 * the data was dropped and must go again.  Each answer is damaged once
 * at every position, by a lost byte, an added byte and a flipped bit,
 * and fed after the SSND's echo (module echoing) or alone, at every
 * split.  What must not change: a damaged error code is not guessed, a
 * line far from both is noise, and nothing but an SSND is mended.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frame-outcome.h"
#include "ichip_frame.h"
#include "tap.h"

static struct ichip_frame f;

static const char ssnd[] = "AT+iSSND%:6,5";
/* "hello" sums to 0x214: checksum 0xfdec */
static const u8 data[] = "hello\xfd\xec";

static void start(bool echo)
{
	struct outcome o = { 0 };

	ichip_frame_reset(&f);
	ichip_frame_forget_module(&f);
	ichip_frame_set_cksum(&f, true);
	ichip_frame_expect_ssnd(&f, ssnd, sizeof(ssnd) - 1, data, 7);
	if (echo)
		feed_frame(&f, (const u8 *)"AT+iSSND%:6,5:hello\xfd\xec", 21,
			   64, &o);
}

/* @line fed after an SSND, split at every offset: the count of bad. */
static int answer(const u8 *line, size_t n, bool echo, int want_results,
		  enum ichip_status want, unsigned int want_code)
{
	size_t split;
	int bad = 0;

	for (split = 1; split <= n; split++) {
		struct outcome o = { 0 };

		start(echo);
		feed_frame(&f, line, split, n, &o);
		feed_frame(&f, line + split, n - split, n, &o);
		if (o.results != want_results ||
		    (want_results && (o.status != want ||
				      o.module_error != want_code)))
			bad++;
	}
	return bad;
}

enum damage { LOST, ADDED, FLIPPED };

static const char *const damage_name[] = { "lost", "added", "flipped" };

/* @good with byte @at damaged as @d; 0 when @d cannot apply there. */
static size_t damage(u8 *out, const char *good, size_t at, enum damage d,
		     u8 noise)
{
	size_t n = strlen(good), k = 0, i;

	for (i = 0; i < n; i++) {
		if (i == at && d == LOST)
			continue;
		if (i == at && d == ADDED)
			out[k++] = noise;
		out[k] = (u8)good[i];
		if (i == at && d == FLIPPED)
			out[k] ^= noise;
		k++;
	}
	/* a byte that ends the line early, or ':' (a header): not this */
	for (i = 0; i < k; i++)
		if ((out[i] == '\r' || out[i] == '\n' || out[i] == ':') &&
		    i + 2 < k)
			return 0;
	return k;
}

static void mended(const char *good, enum ichip_status want,
		   unsigned int code, size_t first, size_t last, bool echo)
{
	static const u8 noise[] = { 0x01, 0x08, 0x20, 0x40, 0x80, 'x', 0x5a };
	int bad = 0, tried = 0;
	size_t at, k;
	int d;

	for (d = LOST; d <= FLIPPED; d++) {
		for (at = first; at <= last; at++) {
			for (k = 0; k < sizeof(noise); k++) {
				u8 buf[32];
				size_t n = damage(buf, good, at, d, noise[k]);

				if (!n)
					continue;
				tried++;
				bad += answer(buf, n, echo, 1, want, code) != 0;
				if (d == LOST)
					break;
			}
		}
		tap_ok(!bad, "%s%.*s, one byte %s: the answer (%d of %d bad)",
		       echo ? "echo, " : "", (int)strlen(good) - 2, good,
		       damage_name[d], bad, tried);
		bad = tried = 0;
	}
}

static void test_ok(void)
{
	u8 buf[] = "I/OK\r\n";

	tap_ok(!answer(buf, 6, true, 1, ICHIP_STATUS_OK, 0),
	       "undamaged I/OK after the echo");
	mended("I/OK\r\n", ICHIP_STATUS_OK, 0, 0, 3, true);
	mended("I/OK\r\n", ICHIP_STATUS_OK, 0, 0, 3, false);
}

static void test_error(void)
{
	/* the code's digits are the code: damage before them only */
	mended("I/ERROR (228)\r\n", ICHIP_STATUS_ERROR, 228, 0, 8, true);
	mended("I/ERROR (228)\r\n", ICHIP_STATUS_ERROR, 228, 0, 8, false);
	tap_ok(!answer((const u8 *)"I/ERROR (228\r\n", 14, true, 1,
		       ICHIP_STATUS_ERROR, 228),
	       "I/ERROR (228 without ')': the error");
}

static void test_unchanged(void)
{
	struct outcome o = { 0 };
	u64 before;

	/* a damaged code is not guessed: no answer, the queue probes */
	tap_ok(!answer((const u8 *)"I/ERROR (28)\r\n", 14, true, 0, 0, 0),
	       "a code that lost a digit: not an answer");
	tap_ok(!answer((const u8 *)"I/ERROR (2x8)\r\n", 15, true, 0, 0, 0),
	       "a code with a damaged digit: not an answer");
	/* two faults, or a line far from both: noise */
	tap_ok(!answer((const u8 *)"IOKx\r\n", 6, true, 0, 0, 0) &&
	       !answer((const u8 *)"/O\r\n", 4, true, 0, 0, 0) &&
	       !answer((const u8 *)"\x91\x22\r\n", 4, true, 0, 0, 0),
	       "two faults or noise: not an answer");
	/* only an SSND's answer is mended */
	ichip_frame_reset(&f);
	ichip_frame_forget_module(&f);
	ichip_frame_expect(&f, ICHIP_REPLY_STATUS, "AT+iSCLS:6", 10);
	feed_frame(&f, (const u8 *)"I/O\r\n", 5, 64, &o);
	tap_ok(!o.results, "not an SSND: I/O is noise");
	memset(&o, 0, sizeof(o));
	ichip_frame_reset(&f);
	ichip_frame_forget_module(&f);
	feed_frame(&f, (const u8 *)"I/O\r\n", 5, 64, &o);
	tap_ok(!o.results && o.unsolicited == 1,
	       "nothing in flight: I/O is unsolicited");
	/* a mended answer is counted */
	start(true);
	before = f.stats.mended;
	memset(&o, 0, sizeof(o));
	feed_frame(&f, (const u8 *)"I/K\r\n", 5, 64, &o);
	tap_ok(o.results == 1 && f.stats.mended == before + 1,
	       "a mended answer is counted");
}

int main(void)
{
	test_ok();
	test_error();
	test_unchanged();
	return tap_done();
}
