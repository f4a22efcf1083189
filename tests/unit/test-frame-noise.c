// SPDX-License-Identifier: GPL-2.0-only
// SPDX-FileCopyrightText: 2026 The ichip authors
/*
 * Unit tests of the framing core on a noisy line: random bytes the line
 * adds toward the host (ichip-sim --noise) that arrive just before a
 * reply and share its line, since nothing ends them.  A reply behind
 * such junk is still the command's answer: status words, values and SRCV
 * payload headers, at every split.  What must not change: with nothing
 * in flight a line is unsolicited, and a query's text lines are text.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frame-outcome.h"
#include "ichip_frame.h"
#include "tap.h"

static struct ichip_frame f;

static void feed(const u8 *buf, size_t n, size_t chunk, struct outcome *o)
{
	feed_frame(&f, buf, n, chunk, o);
}

/*
 * Junk as the line makes it, less what ends a line (CR, LF), what ends
 * an SRCV header (':') and the flow control bytes: those are the other
 * tests' subject.
 */
static size_t junk(u8 *out, size_t n, unsigned int seed)
{
	size_t i = 0;

	while (i < n) {
		u8 c;

		seed = seed * 1103515245u + 12345u;
		c = (u8)(seed >> 16);
		if (c == '\r' || c == '\n' || c == ':' ||
		    c == ICHIP_FLOW_WAIT_DEFAULT ||
		    c == ICHIP_FLOW_CONTINUE_DEFAULT)
			continue;
		out[i++] = c;
	}
	return n;
}

static void start(enum ichip_reply_kind kind, const char *cmd, bool cksum)
{
	ichip_frame_reset(&f);
	ichip_frame_forget_module(&f);
	ichip_frame_set_cksum(&f, cksum);
	if (kind != ICHIP_REPLY_NONE)
		ichip_frame_expect(&f, kind, cmd, strlen(cmd));
}

/* @reply behind @nj junk bytes, split at every offset; all must pass. */
static void behind_junk(enum ichip_reply_kind kind, const char *cmd,
			const u8 *reply, size_t rn, size_t nj,
			enum ichip_status want, const char *what)
{
	u8 buf[256];
	size_t n = junk(buf, nj, (unsigned int)(nj * 7 + rn)), split;
	int bad = 0;

	memcpy(buf + n, reply, rn);
	n += rn;
	for (split = 1; split <= n; split++) {
		struct outcome o = { 0 };

		start(kind, cmd, kind == ICHIP_REPLY_DATA);
		feed(buf, split, n, &o);
		feed(buf + split, n - split, n, &o);
		if (o.results != 1 || o.status != want)
			bad++;
	}
	tap_ok(!bad, "%s behind %zu junk bytes: the answer (%d splits bad)",
	       what, nj, bad);
}

static void test_status(void)
{
	static const u8 ok[] = "I/OK\r\n";
	static const u8 err[] = "I/ERROR (228)\r\n";
	static const u8 val[] = "I/007\r\n";
	struct outcome o = { 0 };
	size_t nj;

	for (nj = 1; nj <= 40; nj += 13) {
		behind_junk(ICHIP_REPLY_STATUS, "AT+iSSND%:7,3", ok,
			    sizeof(ok) - 1, nj, ICHIP_STATUS_OK, "I/OK");
		behind_junk(ICHIP_REPLY_STATUS, "AT+i", err, sizeof(err) - 1,
			    nj, ICHIP_STATUS_ERROR, "I/ERROR (228)");
		behind_junk(ICHIP_REPLY_VALUE, "AT+iSTCP:h,1", val,
			    sizeof(val) - 1, nj, ICHIP_STATUS_OK, "I/007");
	}

	/* the code survives, and the value is the value */
	start(ICHIP_REPLY_STATUS, "AT+i", false);
	feed((const u8 *)"\x81xyI/ERROR (228)\r\n", 18, 64, &o);
	tap_ok(o.results == 1 && o.module_error == 228,
	       "junk: the error code is the module's");
	memset(&o, 0, sizeof(o));
	start(ICHIP_REPLY_VALUE, "AT+iSTCP:h,1", false);
	feed((const u8 *)"~~I/(I/003\r\n", 12, 64, &o);
	tap_ok(o.results == 1 && !strcmp(o.text, "003"),
	       "junk: the last I/ starts the answer (%s)", o.text);
	tap_ok(f.stats.noise >= 1, "junk: counted as noise");
}

static void test_srcv(void)
{
	/* "hello" sums to 0x214: checksum 0xfdec */
	static const u8 reply[] = "I/5:hello\xfd\xec\r\n";
	struct outcome o = { 0 };
	size_t nj;

	for (nj = 1; nj <= 40; nj += 13)
		behind_junk(ICHIP_REPLY_DATA, "AT+iSRCV:0,5", reply,
			    sizeof(reply) - 1, nj, ICHIP_STATUS_OK,
			    "SRCV header");
	start(ICHIP_REPLY_DATA, "AT+iSRCV:0,5", true);
	feed((const u8 *)"\xee\x42", 2, 64, &o);
	feed(reply, sizeof(reply) - 1, 64, &o);
	tap_ok(o.results == 1 && o.data_len == 5 &&
	       !memcmp(o.data, "hello", 5), "SRCV behind junk: the data");
	memset(&o, 0, sizeof(o));
	start(ICHIP_REPLY_DATA, "AT+iSRCV:0,5", true);
	feed((const u8 *)"\xeeI/0\r\n", 6, 64, &o);
	tap_ok(o.results == 1 && o.status == ICHIP_STATUS_OK && !o.data_len,
	       "SRCV behind junk: I/0 is empty");
}

static void test_unchanged(void)
{
	struct outcome o = { 0 };

	/* nothing in flight: junk and all is one unsolicited line */
	start(ICHIP_REPLY_NONE, NULL, false);
	feed((const u8 *)"\x99zI/OK\r\n", 8, 64, &o);
	tap_ok(!o.results && o.unsolicited == 1,
	       "idle: a junk line is unsolicited, never a result");

	/* a query's text may hold "I/": text, the command goes on */
	memset(&o, 0, sizeof(o));
	start(ICHIP_REPLY_QUERY, "AT+iCA?", false);
	feed((const u8 *)"MIIBaI/OK\r\n", 11, 64, &o);
	tap_ok(!o.results, "query: a text line holding I/OK is text");
	feed((const u8 *)"I/OK\r\n", 6, 64, &o);
	tap_ok(o.results == 1 && !strcmp(o.text, "MIIBaI/OK"),
	       "query: completed by its own I/OK, text kept (%s)", o.text);

	/* junk with no reply behind it is noise: the command waits */
	memset(&o, 0, sizeof(o));
	start(ICHIP_REPLY_STATUS, "AT+i", false);
	feed((const u8 *)"\x99zzI\r\n/OK\r\n", 11, 64, &o);
	tap_ok(!o.results, "no I/ in the line: noise, no result");
}

/*
 * A module that echoes, and a byte of an SSND header's echo lost: the
 * rest of the header and the result share a line.  The result is the
 * SSND's, also right after an RP4, whose stray trailing I/OK (some
 * modules send one) would come before the echo, not after it.
 */
static void test_damaged_echo(void)
{
	static const char ssnd[] = "AT+iSSND%:6,5";
	static const u8 data[] = "hello\xfd\xec";
	struct outcome o = { 0 };

	start(ICHIP_REPLY_VALUE, "AT+iRP4", true);
	feed((const u8 *)"AT+iRP4\r\nI/(1,2)\r\n", 18, 64, &o);
	tap_ok(o.results == 1, "damaged echo: RP4 answered");
	ichip_frame_expect_ssnd(&f, ssnd, sizeof(ssnd) - 1, data, 7);
	feed((const u8 *)"AT+iSSND%:,5:", 13, 1, &o);
	feed((const u8 *)"I/OK\r\n", 6, 64, &o);
	tap_ok(o.results == 2 && o.status == ICHIP_STATUS_OK,
	       "damaged echo: the I/OK behind it is the SSND's");

	/* noise before the echo: no echo seen, the same line though */
	start(ICHIP_REPLY_VALUE, "AT+iRP4", true);
	feed((const u8 *)"AT+iRP4\r\nI/(1,2)\r\n", 18, 64, &o);
	ichip_frame_expect_ssnd(&f, ssnd, sizeof(ssnd) - 1, data, 7);
	feed((const u8 *)"\x99" "AT+iSSND%:6,5:\x87" "2I/OK\r\n", 22, 64, &o);
	tap_ok(o.results == 4 && o.status == ICHIP_STATUS_OK,
	       "noise before the echo: the I/OK after it is the SSND's");
}

/*
 * The same after an RP4, the echo losing or changing a byte inside its
 * "AT+i": the rest of the header shows the echo went by, so the I/OK
 * after it is the SSND's, not the RP4's stray one.  With the payload
 * echoed and without.
 */
static void test_echo_head_damaged(void)
{
	static const char ssnd[] = "AT+iSSND%:6,5";
	static const u8 data[] = "hello\xfd\xec";
	int bad = 0, tried = 0;
	size_t at, k;
	int payload;

	for (payload = 0; payload <= 1; payload++) {
		for (at = 0; at < 4; at++) {
			for (k = 0; k < 2; k++) {
				struct outcome o = { 0 };
				u8 buf[64];
				size_t n = 0;

				start(ICHIP_REPLY_VALUE, "AT+iRP4", true);
				feed((const u8 *)"AT+iRP4\r\nI/(1,2)\r\n", 18,
				     64, &o);
				ichip_frame_expect_ssnd(&f, ssnd,
							sizeof(ssnd) - 1,
							data, 7);
				memcpy(buf, "AT+iSSND%:6,5:", 14);
				if (k)
					buf[at] ^= 0x40;	/* changed */
				else
					memmove(buf + at, buf + at + 1,
						13 - at);	/* lost */
				n = k ? 14 : 13;
				if (payload) {
					memcpy(buf + n, data, 7);
					n += 7;
				}
				memcpy(buf + n, "I/OK\r\n", 6);
				n += 6;
				feed(buf, n, 64, &o);
				tried++;
				if (o.results != 2 ||
				    o.status != ICHIP_STATUS_OK)
					bad++;
			}
		}
	}
	tap_ok(!bad, "echo damaged in its AT+i: the I/OK is the SSND's (%d of %d bad)",
	       bad, tried);
}

int main(void)
{
	test_status();
	test_srcv();
	test_unchanged();
	test_damaged_echo();
	test_echo_head_damaged();
	return tap_done();
}
