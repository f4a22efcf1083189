// SPDX-License-Identifier: GPL-2.0-only
// SPDX-FileCopyrightText: 2026 The ichip authors
/*
 * Unit tests of the framing core's checksum mode (AT+iCKSM=1,
 * driver/ichip_frame_cksum.c): SRCV payloads checked at every split
 * offset, corrupted payloads and checksums, bytes dropped anywhere in a
 * reply followed by a resync, flow bytes inside checksums, SSND wire
 * bytes and their echo.  The promise under test: a payload whose
 * checksum is wrong is never delivered as data.
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

/* Feed in two pieces split at @split. */
static void feed_split(const u8 *buf, size_t n, size_t split,
		       struct outcome *o)
{
	feed(buf, split, n + 1, o);
	feed(buf + split, n - split, n + 1, o);
}

static void srcv_start(void)
{
	ichip_frame_reset(&f);
	ichip_frame_forget_module(&f);
	ichip_frame_set_cksum(&f, true);
	ichip_frame_expect(&f, ICHIP_REPLY_DATA, "AT+iSRCV:0", 10);
}

/* "I/<n>:<payload><cksum>\r\n" into @out; returns its length. */
static size_t srcv_reply(u8 *out, const u8 *payload, size_t n)
{
	u16 sum = ichip_cksum(payload, n);
	size_t len = (size_t)sprintf((char *)out, "I/%zu:", n);

	memcpy(out + len, payload, n);
	len += n;
	out[len++] = (u8)(sum >> 8);
	out[len++] = (u8)sum;
	out[len++] = '\r';
	out[len++] = '\n';
	return len;
}

static void test_sum(void)
{
	const u8 hello[] = "hello";	/* 532 = 0x214 */
	u8 zero[1] = { 0 };

	tap_ok(ichip_cksum(hello, 5) == 0xfdec,
	       "cksum: two's complement of the byte sum (0x%04x)",
	       ichip_cksum(hello, 5));
	tap_ok(ichip_cksum(zero, 1) == 0 && ichip_cksum(NULL, 0) == 0,
	       "cksum: zero sums to zero, mod 65536");
	tap_ok((u16)(ichip_cksum_add(0, hello, 5) + ichip_cksum(hello, 5)) == 0,
	       "cksum: payload + checksum sums to 0");
}

static void test_wire(void)
{
	u8 out[64];
	size_t n;

	n = ichip_cmd_wire_cksum(out, sizeof(out), "AT+iSSND%:000,5", 15,
				 (const u8 *)"hello", 5);
	tap_ok(n == 23 && !memcmp(out, "AT+iSSND%:000,5:hello\xfd\xec", 23),
	       "wire: SSND stream ends in its checksum, big-endian");
	n = ichip_cmd_wire_cksum(out, sizeof(out), "AT+iRP4", 7, NULL, 0);
	tap_ok(n == 8 && !memcmp(out, "AT+iRP4\r", 8),
	       "wire: other commands unchanged");
	n = ichip_cmd_wire_cksum(out, 22, "AT+iSSND%:000,5", 15,
				 (const u8 *)"hello", 5);
	tap_ok(n == 0, "wire: a buffer one byte short is refused");
}

static void test_srcv_splits(void)
{
	const u8 payload[] = "data\r\nI/OK\r\n\x13\x11";
	size_t plen = sizeof(payload) - 1, n, split;
	int good = 0, total = 0;
	u8 wire[64];
	struct outcome o;

	n = srcv_reply(wire, payload, plen);
	for (split = 0; split <= n; split++) {
		memset(&o, 0, sizeof(o));
		srcv_start();
		feed_split(wire, n, split, &o);
		total++;
		good += o.results == 1 && o.status == ICHIP_STATUS_OK &&
			o.data_len == plen && !memcmp(o.data, payload, plen);
	}
	tap_ok(good == total, "srcv: good checksum, every split offset (%d/%d)",
	       good, total);
	memset(&o, 0, sizeof(o));
	srcv_start();
	feed(wire, n, 1, &o);
	tap_ok(o.results == 1 && o.status == ICHIP_STATUS_OK &&
	       o.data_len == plen, "srcv: byte by byte");
	tap_ok(f.stats.cksum_errors == 0, "srcv: no checksum error counted");
}

/* Every payload byte flipped, at every split: CHECKSUM, never data. */
static void test_srcv_corrupt(void)
{
	const u8 payload[] = "hello, world";
	size_t plen = sizeof(payload) - 1, n, at, split, hdr = 5;
	int bad = 0, total = 0;
	u8 wire[64], copy[64];
	struct outcome o;
	u64 errors;

	n = srcv_reply(wire, payload, plen);
	ichip_frame_reset(&f);
	errors = f.stats.cksum_errors;
	for (at = hdr; at < hdr + plen + ICHIP_CKSUM_LEN; at++) {
		for (split = 0; split <= n; split++) {
			memcpy(copy, wire, n);
			copy[at] ^= 0x20;
			memset(&o, 0, sizeof(o));
			srcv_start();
			feed_split(copy, n, split, &o);
			total++;
			bad += o.results == 1 &&
			       o.status == ICHIP_STATUS_CHECKSUM &&
			       o.data_len == 0;
		}
	}
	tap_ok(bad == total,
	       "srcv: a flipped payload or checksum byte is a CHECKSUM result, no data (%d/%d)",
	       bad, total);
	tap_ok(f.stats.cksum_errors - errors == (u64)total,
	       "srcv: every one counted");
}

/*
 * A byte dropped anywhere in the reply: never OK with other data than
 * sent; after a resync (abandon, reset, a ping) the framer is in step.
 */
static void test_srcv_drop(void)
{
	const u8 payload[] = "0123456789abcdef";
	size_t plen = sizeof(payload) - 1, n, at;
	int wrong = 0, cksum = 0, recovered = 0, total = 0;
	u8 wire[64], copy[64];
	struct outcome o, p;

	n = srcv_reply(wire, payload, plen);
	for (at = 0; at < n; at++) {
		memcpy(copy, wire, at);
		memcpy(copy + at, wire + at + 1, n - at - 1);
		memset(&o, 0, sizeof(o));
		srcv_start();
		feed(copy, n - 1, 5, &o);
		total++;
		if (o.results && o.status == ICHIP_STATUS_OK &&
		    (o.data_len != plen || memcmp(o.data, payload, plen)))
			wrong++;
		if (o.results && o.status == ICHIP_STATUS_CHECKSUM)
			cksum++;
		/* what the queue core does on a timeout, then a ping */
		if (!o.results)
			ichip_frame_abandon(&f);
		ichip_frame_expect(&f, ICHIP_REPLY_STATUS, "AT+i", 4);
		memset(&p, 0, sizeof(p));
		feed((const u8 *)"I/OK\r\n", 6, 6, &p);
		if (!p.results) {	/* a failed ping resets the framer */
			ichip_frame_reset(&f);
			ichip_frame_expect(&f, ICHIP_REPLY_STATUS, "AT+i", 4);
			feed((const u8 *)"I/OK\r\n", 6, 6, &p);
		}
		recovered += p.results == 1 && p.status == ICHIP_STATUS_OK;
	}
	tap_ok(!wrong, "drop: no wrong data delivered as OK (%d of %d drops)",
	       wrong, total);
	tap_ok(cksum >= (int)(plen + ICHIP_CKSUM_LEN),
	       "drop: inside payload or checksum: CHECKSUM (%d)", cksum);
	tap_ok(recovered == total, "drop: back in step after a resync (%d/%d)",
	       recovered, total);
}

/* Checksum bytes that equal WAIT/CONTINUE are data, not flow control. */
static void test_flow_bytes(void)
{
	u8 payload[300], wire[400];
	size_t plen = 0, n;
	unsigned int sum = 0, target = 0x10000 - 0x1311;	/* cksum 0x1311 */
	struct outcome o;
	u64 waits;

	while (sum + 0xff <= target) {
		payload[plen++] = 0xff;
		sum += 0xff;
	}
	payload[plen++] = (u8)(target - sum);
	n = srcv_reply(wire, payload, plen);
	tap_ok(wire[n - 4] == 0x13 && wire[n - 3] == 0x11,
	       "flow: checksum bytes are WAIT, CONTINUE");
	memset(&o, 0, sizeof(o));
	srcv_start();
	waits = f.stats.flow_waits;
	feed(wire, n, 7, &o);
	tap_ok(o.results == 1 && o.status == ICHIP_STATUS_OK &&
	       f.stats.flow_waits == waits,
	       "flow: taken as checksum, not as flow control");
}

static void test_overflow_in_step(void)
{
	static u8 wire[ICHIP_DATA_LEN_MAX + 64];
	size_t n = (size_t)sprintf((char *)wire, "I/%d:",
				   ICHIP_DATA_LEN_MAX + 10);
	struct outcome o;

	memset(wire + n, 'x', ICHIP_DATA_LEN_MAX + 10);
	n += ICHIP_DATA_LEN_MAX + 10;
	memcpy(wire + n, "\x00\x00\r\nI/DONE\r\n", 12);
	n += 12;
	memset(&o, 0, sizeof(o));
	srcv_start();
	feed(wire, n, 4096, &o);
	tap_ok(o.results == 1 && o.status == ICHIP_STATUS_OVERFLOW &&
	       o.unsolicited == 1,
	       "overflow: checksum bytes counted, the next line parsed");

	/* timed out mid-payload: still counted, checksum included */
	memset(&o, 0, sizeof(o));
	srcv_start();
	feed((const u8 *)"I/4:ab", 6, 6, &o);
	ichip_frame_abandon(&f);
	feed((const u8 *)"cd\x01\x02\r\nI/ONLINE\r\n", 16, 16, &o);
	tap_ok(!o.results && o.unsolicited == 1,
	       "abandoned: payload and checksum skipped, then a line");
}

static void test_ssnd(void)
{
	u8 wire[64];
	size_t n = ichip_cmd_wire_cksum(wire, sizeof(wire), "AT+iSSND%:000,5",
					15, (const u8 *)"hello", 5);
	static const char echoed[] = "AT+iSSND%:000,5:hello\xfd\xecI/OK\r\n";
	static const char bad[] = "AT+iSSND%:000,5:I/ERROR (228)\r\n";
	struct outcome o;

	memset(&o, 0, sizeof(o));
	ichip_frame_reset(&f);
	ichip_frame_set_cksum(&f, true);
	ichip_frame_expect_ssnd(&f, "AT+iSSND%:000,5", 15, wire + 16, n - 16);
	feed((const u8 *)echoed, sizeof(echoed) - 1, 3, &o);
	tap_ok(o.results == 1 && o.status == ICHIP_STATUS_OK,
	       "ssnd: echoed stream with checksum, result in-line");
	memset(&o, 0, sizeof(o));
	ichip_frame_expect_ssnd(&f, "AT+iSSND%:000,5", 15, wire + 16, n - 16);
	feed((const u8 *)bad, sizeof(bad) - 1, 4, &o);
	tap_ok(o.results == 1 && o.status == ICHIP_STATUS_ERROR &&
	       o.module_error == 228, "ssnd: I/ERROR (228) in-line");
}

static void test_off(void)
{
	u8 wire[64];
	size_t n = srcv_reply(wire, (const u8 *)"hello", 5);
	struct outcome o;

	memset(&o, 0, sizeof(o));
	srcv_start();
	ichip_frame_set_cksum(&f, false);
	feed(wire, n - 4, 64, &o);
	tap_ok(o.results == 1 && o.status == ICHIP_STATUS_OK &&
	       o.data_len == 5, "off: no checksum read");
	ichip_frame_set_cksum(&f, true);
	ichip_frame_reset(&f);
	tap_ok(f.cksum, "reset keeps checksum mode (a module setting)");
}

int main(void)
{
	test_sum();
	test_wire();
	test_srcv_splits();
	test_srcv_corrupt();
	test_srcv_drop();
	test_flow_bytes();
	test_overflow_in_step();
	test_ssnd();
	test_off();
	return tap_done();
}
