// SPDX-License-Identifier: GPL-2.0-only
// SPDX-FileCopyrightText: 2026 The ichip authors
/*
 * Software flow control against an echoed SSND payload (issue 11).
 *
 * A module that echoes payload bytes and paces the host with WAIT (XOFF)
 * and CONTINUE (XON) sends both through the same byte stream: a WAIT that
 * equals the next payload byte to be echoed can only be told from the
 * echo by what follows it.  WAIT and CONTINUE jump the module's output
 * queue, so the report that follows WAIT may come at once (nothing was
 * queued: ichip-sim's usual case at 3 Mbaud) or after the echo bytes that
 * were queued.  Each exchange is fed whole, byte by byte and split in two
 * at every offset, and must give the same events every time; a WAIT the
 * host never hears of is a lost module buffer (the matrix's 1-in-4 stall).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frame-trace.h"
#include "ichip_frame.h"
#include "tap.h"

static struct ichip_frame frame;

/* One SSND exchange in the chunks ending at @cuts; events into @t. */
static void run(const char *hdr, const u8 *pl, size_t pl_len,
		enum ichip_echo_payload echo, const u8 *in, size_t len,
		const size_t *cuts, size_t ncuts, struct trace *t)
{
	size_t start = 0, c;

	ichip_frame_reset(&frame);
	ichip_frame_forget_module(&frame);
	ichip_frame_set_flow(&frame, true, 0, 0);
	frame.echo_known = true;
	frame.echo_payload = echo;
	ichip_frame_expect_ssnd(&frame, hdr, strlen(hdr), pl, pl_len);
	t->len = 0;
	t->buf[0] = '\0';
	for (c = 0; c <= ncuts; c++) {
		size_t end = c < ncuts ? cuts[c] : len;

		while (start < end) {
			struct ichip_event ev;
			size_t used = ichip_frame_feed(&frame, in + start,
						       end - start, &ev);

			start += used;
			trace_event(t, &frame, &ev, TRACE_BRIEF);
			if (!used && ev.type == ICHIP_EV_NONE)
				break;
		}
	}
}

static void check(const char *name, const char *hdr, const char *pl,
		  size_t pl_len, enum ichip_echo_payload echo, const char *in,
		  size_t len, const char *want)
{
	static size_t cuts[4096];
	const u8 *p = (const u8 *)pl, *b = (const u8 *)in;
	struct trace t;
	size_t i, bad = 0;
	int whole, bytes;

	run(hdr, p, pl_len, echo, b, len, NULL, 0, &t);
	whole = !strcmp(t.buf, want);
	if (!whole)
		printf("# %s: want %s\n#   got  %s\n", name, want, t.buf);
	for (i = 0; i < len && i < 4096; i++)
		cuts[i] = i + 1;
	run(hdr, p, pl_len, echo, b, len, cuts, i, &t);
	bytes = !strcmp(t.buf, want);
	for (i = 1; i < len && !bad; i++) {
		run(hdr, p, pl_len, echo, b, len, &i, 1, &t);
		if (strcmp(t.buf, want))
			bad = i;
	}
	tap_ok(whole && bytes && !bad,
	       "%s (whole %d, bytewise %d, first bad split %zu)", name, whole,
	       bytes, bad);
}

#define CHECK(name, hdr, pl, echo, in, want) \
	check(name, hdr, pl, sizeof(pl) - 1, echo, in, sizeof(in) - 1, want)

#define YES ICHIP_ECHO_PAYLOAD_YES
#define NO ICHIP_ECHO_PAYLOAD_NO

int main(void)
{
	/* the matrix's stall: WAIT equals the next echo byte, report at once */
	CHECK("WAIT as the next echo byte, report at once", "AT+iSSND%:0,6",
	      "ab\023def", YES,
	      "AT+iSSND%:0,6:ab\023I/(2,-200)\r\n\021\023defI/OK\r\n",
	      "ECHOWAITUNSOL(I/(2,-200))CONTRESULT(1)");
	CHECK("WAIT as the next echo byte, report starts like the payload",
	      "AT+iSSND%:0,6", "ab\023I/x", YES,
	      "AT+iSSND%:0,6:ab\023I/(2,-200)\r\n\021\023I/xI/OK\r\n",
	      "ECHOWAITUNSOL(I/(2,-200))CONTRESULT(1)");
	CHECK("WAIT as the next echo byte, then I/( of the payload",
	      "AT+iSSND%:0,7", "ab\023I/(x", YES,
	      "AT+iSSND%:0,7:ab\023I/(2,-200)\r\n\021\023I/(xI/OK\r\n",
	      "ECHOWAITUNSOL(I/(2,-200))CONTRESULT(1)");
	/*
	 * The last payload byte: the echo looked complete, so the WAIT is
	 * known when its report line ends (reported after the line).
	 */
	CHECK("WAIT as the last payload byte, report at once",
	      "AT+iSSND%:0,3", "ab\023", YES,
	      "AT+iSSND%:0,3:ab\023I/(2,-200)\r\n\021\023I/OK\r\n",
	      "ECHOUNSOL(I/(2,-200))WAITCONTRESULT(1)");
	CHECK("two WAIT-valued payload bytes, WAIT before the second",
	      "AT+iSSND%:0,6", "a\023\023def", YES,
	      "AT+iSSND%:0,6:a\023\023I/(2,-200)\r\n\021\023defI/OK\r\n",
	      "ECHOWAITUNSOL(I/(2,-200))CONTRESULT(1)");

	/* WAIT jumped queued echo: the next byte tells (already handled) */
	CHECK("WAIT as the next echo byte, queued echo after it",
	      "AT+iSSND%:0,6", "ab\023def", YES,
	      "AT+iSSND%:0,6:ab\023\023dI/(3,-200)\r\n\021efI/OK\r\n",
	      "ECHOWAITUNSOL(I/(3,-200))CONTRESULT(1)");
	/* a real echoed 0x13, then a WAIT that is no echo byte: one WAIT */
	CHECK("echoed 0x13, then WAIT and report", "AT+iSSND%:0,6",
	      "a\023cdef", YES,
	      "AT+iSSND%:0,6:a\023\023cI/(3,-200)\r\n\021defI/OK\r\n",
	      "ECHOWAITUNSOL(I/(3,-200))CONTRESULT(1)");
	CHECK("echoed 0x13 as the report begins, WAIT sent before",
	      "AT+iSSND%:0,6", "ab\023def", YES,
	      "AT+iSSND%:0,6:a\023b\023I/(3,-200)\r\n\021defI/OK\r\n",
	      "ECHOWAITUNSOL(I/(3,-200))CONTRESULT(1)");

	/* CONTINUE equal to the next echo byte, the echo right after it */
	CHECK("CONTINUE as the next echo byte, echo after it",
	      "AT+iSSND%:0,6", "ab\021def", YES,
	      "AT+iSSND%:0,6:ab\023I/(2,-200)\r\n\021\021defI/OK\r\n",
	      "ECHOWAITUNSOL(I/(2,-200))CONTRESULT(1)");
	CHECK("echoed 0x11 payload, no flow control", "AT+iSSND%:0,6",
	      "ab\021\023ef", YES, "AT+iSSND%:0,6:ab\021\023efI/OK\r\n",
	      "ECHORESULT(1)");

	/* the module paused inside the header: the report splits its echo */
	CHECK("report inside the header's echo", "AT+iSSND%:0,6", "abcdef",
	      YES, "AT+iSSND%\023I/(0,-200)\r\n\021:0,6:abcdefI/OK\r\n",
	      "WAITUNSOL(I/(0,-200))CONTECHORESULT(1)");
	/*
	 * The echo after a report starts with the bytes of a line end
	 * (CONTINUE jumped into the report line, as it jumps queued output).
	 */
	CHECK("payload echo resumes with CR after a report", "AT+iSSND%:0,6",
	      "ab\r\023ef", YES,
	      "AT+iSSND%:0,6:ab\023I/(2,\021-200)\r\n\r\023efI/OK\r\n",
	      "ECHOWAITCONTUNSOL(I/(2,-200))RESULT(1)");
	CHECK("payload echo resumes with LF after a report", "AT+iSSND%:0,6",
	      "ab\n\023ef", YES,
	      "AT+iSSND%:0,6:ab\023I/(2,\021-200)\r\n\n\023efI/OK\r\n",
	      "ECHOWAITCONTUNSOL(I/(2,-200))RESULT(1)");
	CHECK("CONTINUE between the report's CR and LF, then CR LF echoed",
	      "AT+iSSND%:0,6", "ab\r\nef", YES,
	      "AT+iSSND%:0,6:ab\023I/(2,-200)\r\021\n\r\nefI/OK\r\n",
	      "ECHOWAITUNSOL(I/(2,-200))CONTRESULT(1)");

	/* a stray LF inside the echo: no report, the echo goes on (no loop) */
	CHECK("stray LF inside the payload echo", "AT+iSSND%:0,6", "abcdef",
	      YES, "AT+iSSND%:0,6:ab\ncdefI/OK\r\n", "ECHORESULT(1)");

	/* no payload echo: nothing to mix up, the same events */
	CHECK("WAIT while the payload is not echoed", "AT+iSSND%:0,6",
	      "ab\023def", NO,
	      "AT+iSSND%:0,6:\023I/(0,-200)\r\n\021I/OK\r\n",
	      "ECHOWAITUNSOL(I/(0,-200))CONTRESULT(1)");
	return tap_done();
}
