// SPDX-License-Identifier: GPL-2.0-only
// SPDX-FileCopyrightText: 2026 The ichip authors
/*
 * Unit tests of the framing core (driver/ichip_frame.c): every reply form
 * of at-plus-i.md, each fed whole, one byte at a time and split in two at
 * every offset; then the command checker and the wire form.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frame-trace.h"
#include "ichip_frame.h"
#include "tap.h"

/*
 * What a form runs against: the module as learnt so far (echo, payload
 * echo), flow control, an SSND payload, and commands that follow the
 * first one (each sent as soon as the one before has its result).
 */
static struct {
	const u8 *data;
	size_t data_len;
	enum ichip_echo_payload echo_payload;
	bool echo_known;
	bool flow_off;
	const char *next[4];
	size_t nnext, pos;
} ctx;

static void ctx_clear(void)
{
	memset(&ctx, 0, sizeof(ctx));
}

static void start_cmd(struct ichip_frame *f, const char *cmd)
{
	size_t n = strlen(cmd);
	int kind = ichip_cmd_classify(cmd, n, 0);

	if (ctx.data && ichip_cmd_classify(cmd, n, ctx.data_len) ==
			ICHIP_REPLY_STATUS && kind < 0)
		ichip_frame_expect_ssnd(f, cmd, n, ctx.data, ctx.data_len);
	else
		ichip_frame_expect(f, kind < 0 ? ICHIP_REPLY_STATUS : kind,
				   cmd, n);
}

/* Feed @in in the chunks given by @cuts (ascending offsets). */
static void run_chunks(struct ichip_frame *f, const char *cmd,
		       const u8 *in, size_t len, const size_t *cuts,
		       size_t ncuts, struct trace *t)
{
	size_t start = 0, c;

	ichip_frame_reset(f);
	ichip_frame_forget_module(f);
	f->echo_known = ctx.echo_known;
	f->echo_payload = ctx.echo_payload;
	ichip_frame_set_flow(f, !ctx.flow_off, 0, 0);
	ctx.pos = 0;
	if (cmd)
		start_cmd(f, cmd);
	t->len = 0;
	t->buf[0] = '\0';
	for (c = 0; c <= ncuts; c++) {
		size_t end = c < ncuts ? cuts[c] : len;

		while (start < end) {
			struct ichip_event ev;
			size_t used = ichip_frame_feed(f, in + start,
						       end - start, &ev);

			start += used;
			trace_event(t, f, &ev, TRACE_FULL);
			if (ev.type == ICHIP_EV_RESULT && ctx.pos < ctx.nnext)
				start_cmd(f, ctx.next[ctx.pos++]);
			if (!used && ev.type == ICHIP_EV_NONE)
				break;
		}
	}
}

/*
 * One reply form: the same trace must come out however the bytes are
 * split.  Checks whole, byte by byte, and every two-way split.
 */
static void check_form(struct ichip_frame *f, const char *name,
		       const char *cmd, const void *in, size_t len,
		       const char *want)
{
	static size_t cuts[16384];
	struct trace t;
	size_t i, bad_split = (size_t)-1;
	int whole_ok, bytes_ok;

	run_chunks(f, cmd, in, len, NULL, 0, &t);
	whole_ok = !strcmp(t.buf, want);
	if (!whole_ok)
		printf("# %s: want %s\n#   got  %s\n", name, want, t.buf);

	for (i = 0; i < len && i < 16384; i++)
		cuts[i] = i + 1;
	run_chunks(f, cmd, in, len, cuts, len < 16384 ? len : 16384, &t);
	bytes_ok = !strcmp(t.buf, want);

	for (i = 1; i < len && bad_split == (size_t)-1; i++) {
		run_chunks(f, cmd, in, len, &i, 1, &t);
		if (strcmp(t.buf, want))
			bad_split = i;
	}
	tap_ok(whole_ok && bytes_ok && bad_split == (size_t)-1,
	       "%s (whole %d, bytewise %d, split at %zd)", name, whole_ok,
	       bytes_ok, bad_split == (size_t)-1 ? -1 : (ssize_t)bad_split);
}

#define FORM(name, cmd, in, want) \
	check_form(f, name, cmd, in, sizeof(in) - 1, want)

static void test_reply_forms(struct ichip_frame *f)
{
	FORM("ok", "AT+iBDRF=9", "I/OK\r\n", "RESULT(1,0,,)");
	FORM("ping ok", "AT+i", "I/OK\r\n", "RESULT(1,0,,)");
	FORM("error without code", "AT+iXX=1", "I/ERROR\r\n",
	     "RESULT(2,0,,)");
	FORM("error with space", "AT+iXX=1", "I/ERROR (056)\r\n",
	     "RESULT(2,56,,)");
	FORM("error without space", "AT+iXX=1", "I/ERROR(116)\r\n",
	     "RESULT(2,116,,)");
	FORM("busy", "AT+iSSL:0", "I/BUSY\r\n", "RESULT(3,0,,)");
	FORM("bad error tail is noise", "AT+iXX=1",
	     "I/ERROR (5x)\r\nI/OK\r\n", "NOISE(I/ERROR (5x))RESULT(1,0,,)");
	FORM("blank lines skipped", "AT+iSFSH:0", "\r\n\r\nI/OK\r\n\r\n",
	     "RESULT(1,0,,)");
	FORM("lf only", "AT+iSFSH:0", "I/OK\n", "RESULT(1,0,,)");
	FORM("cr only", "AT+iSFSH:0", "I/OK\r", "RESULT(1,0,,)");
	FORM("query one line", "AT+iBDRF?", "9\r\nI/OK\r\n",
	     "RESULT(1,0,9,)");
	FORM("query I/ prefixed value", "AT+iRP8?", "I/2026-11-25T10:00\r\n"
	     "I/OK\r\n", "RESULT(1,0,2026-11-25T10:00,)");
	FORM("query allowed values", "AT+iBDRF=?",
	     "3-9, 'a' or 'h'\r\nI/OK\r\n",
	     "RESULT(1,0,3-9, 'a' or 'h',)");
	FORM("query multi line (CA)", "AT+iCA?",
	     "CN=Test CA\r\n-----BEGIN CERTIFICATE-----\r\nMIIB\r\n"
	     "-----END CERTIFICATE-----\r\nI/OK\r\n",
	     "RESULT(1,0,CN=Test CA\\x0a-----BEGIN CERTIFICATE-----\\x0aMIIB"
	     "\\x0a-----END CERTIFICATE-----,)");
	FORM("query empty CA", "AT+iCA?", "\r\nI/OK\r\n", "RESULT(1,0,,)");
	FORM("report RP0 text", "AT+iRP0", "IPG 8.32\r\nI/OK\r\n",
	     "RESULT(1,0,IPG 8.32,)");
	FORM("stcp handle", "AT+iSTCP:127.0.0.1,80", "I/0\r\n",
	     "RESULT(1,0,0,)");
	FORM("stcp error", "AT+iSTCP:127.0.0.1,80", "I/ERROR (204)\r\n",
	     "RESULT(2,204,,)");
	FORM("rp4 list", "AT+iRP4", "I/(1267,-200,-200)\r\n",
	     "RESULT(1,0,(1267,-200,-200),)");
	FORM("rp7 hex", "AT+iRP7", "I/0401\r\n", "RESULT(1,0,0401,)");
	FORM("sst", "AT+iSST:3", "I/(-203)\r\n", "RESULT(1,0,(-203),)");
	FORM("srcv empty", "AT+iSRCV:0,100", "I/0\r\n", "RESULT(1,0,,)");
	FORM("srcv zero header", "AT+iSRCV:0", "I/0:\r\n", "RESULT(1,0,,)");
	FORM("srcv payload", "AT+iSRCV:0,100", "I/5:hello\r\n",
	     "RESULT(1,0,,hello)");
	FORM("srcv payload without crlf", "AT+iSRCV:0,100", "I/5:hello",
	     "RESULT(1,0,,hello)");
	FORM("srcv payload looks like replies", "AT+iSRCV:1",
	     "I/15:I/OK\r\nI/ERROR\r\n\r\n",
	     "RESULT(1,0,,I/OK\\x0d\\x0aI/ERROR\\x0d\\x0a)");
	FORM("srcv payload NUL and 0xff", "AT+iSRCV:1",
	     "I/4:\0\xff\r\0\r\n", "RESULT(1,0,,\\x00\\xff\\x0d\\x00)");
	FORM("srcv error", "AT+iSRCV:1", "I/ERROR (203)\r\n",
	     "RESULT(2,203,,)");
	FORM("srcv count without colon is noise", "AT+iSRCV:1",
	     "I/5\r\nI/0\r\n", "NOISE(I/5)RESULT(1,0,,)");
	FORM("scls done", "AT+iSCLS:0", "I/OK\r\nI/DONE\r\n",
	     "RESULT(1,0,DONE,)");
	FORM("scls online", "AT+i!SCLS:0", "I/OK\r\nI/ONLINE\r\n",
	     "RESULT(1,0,ONLINE,)");
	FORM("scls error", "AT+iSCLS:7", "I/ERROR (200)\r\n",
	     "RESULT(2,200,,)");
	FORM("down aborted activity", "AT+iDOWN", "I/OK\r\nI/ERROR\r\n",
	     "RESULT(1,0,ERROR,)");
	FORM("done while other command", "AT+iSFSH:0",
	     "I/DONE\r\nI/OK\r\n", "UNSOL(I/DONE)RESULT(1,0,,)");
	FORM("echo skipped", "AT+iRP4", "AT+iRP4\r\nI/(0)\r\n",
	     "ECHORESULT(1,0,(0),)");
	FORM("echo of multi-line CA", "AT+iCA=-----BEGIN\rx\r-----END",
	     "AT+iCA=-----BEGIN\r\nI/OK\r\n", "ECHORESULT(1,0,,)");
	/* every PEM parameter, the four-letter ones too */
	FORM("echo of multi-line CERT", "AT+iCERT=-----BEGIN\rx\r-----END",
	     "AT+iCERT=-----BEGIN\r\nI/OK\r\n", "ECHORESULT(1,0,,)");
	FORM("echo of multi-line PKEY (~)", "AT+iPKEY~-----BEGIN\rx\r-----END",
	     "AT+iPKEY~-----BEGIN\r\nI/OK\r\n", "ECHORESULT(1,0,,)");
	FORM("echo of multi-line CA3", "AT+iCA3=-----BEGIN\rx\r-----END",
	     "AT+iCA3=-----BEGIN\r\nI/OK\r\n", "ECHORESULT(1,0,,)");
	/*
	 * Base64 may start a line with "I/" (one line in 4096: one
	 * certificate in about 250) or end one in "I/OK": inside a PEM
	 * block such a line is the certificate's, in the answer to a query
	 * and in the echo of a write alike.
	 */
	FORM("query CA: base64 lines that look like replies", "AT+iCA?",
	     "AT+iCA?\r\nCN=Test CA\r\n-----BEGIN CERTIFICATE-----\r\n"
	     "I/cJm7ic\r\nabc+I/OK\r\n-----END CERTIFICATE-----\r\n"
	     "I/OK\r\n",
	     "ECHORESULT(1,0,CN=Test CA\\x0a-----BEGIN CERTIFICATE-----\\x0a"
	     "I/cJm7ic\\x0aabc+I/OK\\x0a-----END CERTIFICATE-----,)");
	FORM("query CA: a whole I/OK line ends an answer cut short",
	     "AT+iCA?", "CN=x\r\n-----BEGIN CERTIFICATE-----\r\nI/OK\r\n",
	     "RESULT(1,0,CN=x\\x0a-----BEGIN CERTIFICATE-----,)");
	FORM("query CA: a line of base64 letters not 4k long ends it too",
	     "AT+iCA?", "-----BEGIN CERTIFICATE-----\r\nMIIB\r\nI/ERROR\r\n",
	     "RESULT(2,0,-----BEGIN CERTIFICATE-----\\x0aMIIB,)");
	FORM("query CA: an error inside the block still ends it", "AT+iCA?",
	     "-----BEGIN CERTIFICATE-----\r\nMIIB\r\nI/ERROR (056)\r\n",
	     "RESULT(2,56,-----BEGIN CERTIFICATE-----\\x0aMIIB,)");
	FORM("query: I/ lines outside a PEM block are values", "AT+iRP8?",
	     "I/cJm7\r\n-----END CERTIFICATE-----\r\nI/OK\r\n",
	     "RESULT(1,0,cJm7\\x0a-----END CERTIFICATE-----,)");
	FORM("echo of a CA line by line: base64 that looks like replies",
	     "AT+iCA=-----BEGIN CERTIFICATE-----\rI/cJm7\rab+I/OK\r"
	     "-----END CERTIFICATE-----",
	     "AT+iCA=-----BEGIN CERTIFICATE-----\r\nI/cJm7\r\nab+I/OK\r\n"
	     "-----END CERTIFICATE-----\r\nI/OK\r\n",
	     "ECHOECHOECHOECHORESULT(1,0,,)");
	FORM("echo of a CA line by line: the module's error after it",
	     "AT+iCA=-----BEGIN CERTIFICATE-----\rMIIB\r"
	     "-----END CERTIFICATE-----",
	     "AT+iCA=-----BEGIN CERTIFICATE-----\r\nMIIB\r\n"
	     "-----END CERTIFICATE-----\r\nI/ERROR (100)\r\n",
	     "ECHOECHOECHORESULT(2,100,,)");
	FORM("noise before ok", "AT+iSFSH:0", "garbage\r\nI/OK\r\n",
	     "NOISE(garbage)RESULT(1,0,,)");
	FORM("value for status is noise", "AT+iSFSH:0", "I/17\r\nI/OK\r\n",
	     "NOISE(I/17)RESULT(1,0,,)");
	FORM("unsolicited", NULL, "I/ERROR (056)\r\nI/DONE\r\nbanner\r\n",
	     "UNSOL(I/ERROR (056))UNSOL(I/DONE)UNSOL(banner)");
	FORM("unsolicited ok", NULL, "I/OK\r\nI/BUSY\r\nI/3\r\n",
	     "UNSOL(I/OK)UNSOL(I/BUSY)UNSOL(I/3)");
	FORM("data header outside srcv is text", "AT+iRP4", "I/5:ab\r\n",
	     "RESULT(1,0,5:ab,)");
}

#define SSND(name, hdr, pl, in, want) do {				\
	ctx.data = (const u8 *)(pl);					\
	ctx.data_len = sizeof(pl) - 1;					\
	FORM(name, hdr, in, want);					\
	ctx.data = NULL;						\
} while (0)

/*
 * What shipped modules do (at-plus-i.md §7): echo on, the SSND result on
 * the echoed header's line, payload echo either way, padded handles,
 * software flow control bytes and the RP4 report that follows WAIT.
 */
static void test_module_variants(struct ichip_frame *f)
{
	ctx_clear();
	SSND("ssnd result in-line", "AT+iSSND%:000,5", "hello",
	     "AT+iSSND%:000,5:I/OK\r\n", "ECHORESULT(1,0,,)");
	SSND("ssnd error in-line (GEVCU)", "AT+iSSND%:000,5", "hello",
	     "AT+iSSND%:000,5:I/ERROR (203)\r\n", "ECHORESULT(2,203,,)");
	SSND("ssnd error in-line, manual spelling", "AT+iSSND%:000,5",
	     "hello", "AT+iSSND%:000,5:I/ERROR(203)\r\n",
	     "ECHORESULT(2,203,,)");
	SSND("ssnd payload echoed, result in-line", "AT+iSSND%:0,5", "hello",
	     "AT+iSSND%:0,5:helloI/OK\r\n", "ECHORESULT(1,0,,)");
	SSND("ssnd echoed payload with CR LF and I/OK", "AT+iSSND:0,8",
	     "I/OK\r\nzz", "AT+iSSND:0,8:I/OK\r\nzzI/OK\r\n",
	     "ECHORESULT(1,0,,)");
	SSND("ssnd payload prefix not echoed", "AT+iSSND:0,4", "I/Ox",
	     "AT+iSSND:0,4:I/OK\r\n", "ECHORESULT(1,0,,)");
	SSND("ssnd echo line then result (lab echo)", "AT+iSSND%:0,5",
	     "hello", "AT+iSSND%:0,5:\r\nI/OK\r\n", "ECHORESULT(1,0,,)");
	SSND("ssnd without echo", "AT+iSSND%:0,5", "hello", "I/OK\r\n",
	     "RESULT(1,0,,)");
	SSND("ssnd WAIT, RP4 report in-line, CONTINUE", "AT+iSSND%:000,5",
	     "hello", "AT+iSSND%:000,5:\x13I/(0,-200)\r\n\x11I/OK\r\n",
	     "ECHOWAITUNSOL(I/(0,-200))CONTRESULT(1,0,,)");
	SSND("ssnd report without a line of its own", "AT+iSSND%:0,5",
	     "hello", "AT+iSSND%:0,5:\x13\r\nI/(0,-200)\r\n\x11I/OK\r\n",
	     "ECHOWAITUNSOL(I/(0,-200))CONTRESULT(1,0,,)");
	SSND("ssnd not echoed, WAIT and report before the result",
	     "AT+iSSND%:0,5", "hello",
	     "\x13I/(0,-200)\r\n\x11I/OK\r\n",
	     "WAITUNSOL(I/(0,-200))CONTRESULT(1,0,,)");

	SSND("ssnd WAIT equal to the first payload byte, not echoed",
	     "AT+iSSND%:0,3", "\x13" "bc",
	     "AT+iSSND%:0,3:\x13I/(0)\r\n\x11I/OK\r\n",
	     "ECHOWAITUNSOL(I/(0))CONTRESULT(1,0,,)");
	SSND("ssnd echoed XON/XOFF payload, echo not yet learnt",
	     "AT+iSSND%:0,5", "a\x13" "b\x11" "c",
	     "AT+iSSND%:0,5:a\x13" "b\x11" "cI/OK\r\n", "ECHORESULT(1,0,,)");
	tap_ok(f->echo_payload == ICHIP_ECHO_PAYLOAD_YES,
	       "payload echo learnt from a whole echoed payload");

	ctx.echo_known = true;
	ctx.echo_payload = ICHIP_ECHO_PAYLOAD_YES;
	SSND("ssnd echoed payload, report inside the echo", "AT+iSSND%:0,6",
	     "abcdef", "AT+iSSND%:0,6:abc\x13I/(3,-200)\r\n\x11" "defI/OK\r\n",
	     "ECHOWAITUNSOL(I/(3,-200))CONTRESULT(1,0,,)");
	SSND("ssnd report inside the echo where the payload has I/",
	     "AT+iSSND%:0,6", "abI/(f",
	     "AT+iSSND%:0,6:abI\x13I/(2,-200)\r\n\x11/(fI/OK\r\n",
	     "ECHOWAITUNSOL(I/(2,-200))CONTRESULT(1,0,,)");
	SSND("ssnd report where the echo would be I/( too",
	     "AT+iSSND%:0,6", "abI/(f",
	     "AT+iSSND%:0,6:abI/(2,-200)\r\nI/(fI/OK\r\n",
	     "ECHOUNSOL(I/(2,-200))RESULT(1,0,,)");
	SSND("ssnd report inside the echo after a matching I",
	     "AT+iSSND%:0,6", "abIxyz",
	     "AT+iSSND%:0,6:abI/(2,-200)\r\nIxyzI/OK\r\n",
	     "ECHOUNSOL(I/(2,-200))RESULT(1,0,,)");
	/* CONTINUE jumps the module's output queue: between CR and LF */
	SSND("ssnd CONTINUE between the report's CR and LF",
	     "AT+iSSND%:0,6", "abcdef",
	     "AT+iSSND%:0,6:abc\x13I/(3,-200)\r\x11\ndefI/OK\r\n",
	     "ECHOWAITUNSOL(I/(3,-200))CONTRESULT(1,0,,)");
	SSND("ssnd echoed XON/XOFF payload bytes are data", "AT+iSSND%:0,5",
	     "a\x13" "b\x11" "c", "AT+iSSND%:0,5:a\x13" "b\x11" "cI/OK\r\n",
	     "ECHORESULT(1,0,,)");
	ctx.echo_payload = ICHIP_ECHO_PAYLOAD_NO;
	SSND("ssnd payload known not echoed", "AT+iSSND%:0,5", "I/OKx",
	     "AT+iSSND%:0,5:I/OK\r\n", "ECHORESULT(1,0,,)");
	FORM("results before the echo are not this command's", "AT+i",
	     "I/ERROR(051)\r\nI/OK\r\nAT+i\r\nI/OK\r\n",
	     "ECHORESULT(1,0,,)");
	ctx_clear();

	FORM("srcv payload XON/XOFF bytes are data", "AT+iSRCV:0",
	     "I/4:\x11\x13" "ab\r\n", "RESULT(1,0,,\\x11\\x13ab)");
	FORM("srcv echoed, padded", "AT+iSRCV:000,100",
	     "AT+iSRCV:000,100\r\nI/3:\x13\x11\x13\r\n",
	     "ECHORESULT(1,0,,\\x13\\x11\\x13)");
	FORM("flow bytes around a status", "AT+iSFSH:0",
	     "\x13I/\x11OK\r\n", "WAITCONTRESULT(1,0,,)");
	ctx.flow_off = true;
	FORM("flow control off: XOFF is a line byte", "AT+iSFSH:0",
	     "\x13\r\nI/OK\r\n", "NOISE(\\x13)RESULT(1,0,,)");
	ctx_clear();
	FORM("padded handle", "AT+iSTCP:h,1", "AT+iSTCP:h,1\r\nI/000\r\n",
	     "ECHORESULT(1,0,000,)");
	FORM("padded list", "AT+iLSST:10", "I/(000,-1,-1,-1)\r\n",
	     "RESULT(1,0,(000,-1,-1,-1),)");

	/* RP4/RP7 with or without I/OK, the next command sent at once */
	ctx.next[0] = "AT+iSRCV:0";
	ctx.nnext = 1;
	FORM("rp4 with trailer, then srcv", "AT+iRP4",
	     "AT+iRP4\r\nI/(3,-200)\r\nI/OK\r\nAT+iSRCV:0\r\n"
	     "I/3:abc\r\n",
	     "ECHORESULT(1,0,(3,-200),)ECHORESULT(1,0,,abc)");
	FORM("rp4 without trailer, then srcv", "AT+iRP4",
	     "AT+iRP4\r\nI/(3,-200)\r\nAT+iSRCV:0\r\nI/3:abc\r\n",
	     "ECHORESULT(1,0,(3,-200),)ECHORESULT(1,0,,abc)");
	ctx.next[0] = "AT+i";
	FORM("rp7 with trailer, then ping", "AT+iRP7",
	     "AT+iRP7\r\nI/0001\r\nI/OK\r\nAT+i\r\nI/OK\r\n",
	     "ECHORESULT(1,0,0001,)ECHORESULT(1,0,,)");
	FORM("rp7 without trailer, then ping", "AT+iRP7",
	     "AT+iRP7\r\nI/0001\r\nAT+i\r\nI/OK\r\n",
	     "ECHORESULT(1,0,0001,)ECHORESULT(1,0,,)");
	ctx.next[0] = "AT+iSSND%:0,5";
	ctx.data = (const u8 *)"hello";
	ctx.data_len = 5;
	FORM("rp4 with trailer, then in-line ssnd", "AT+iRP4",
	     "AT+iRP4\r\nI/(0)\r\nI/OK\r\nAT+iSSND%:0,5:I/OK\r\n",
	     "ECHORESULT(1,0,(0),)ECHORESULT(1,0,,)");
	ctx_clear();
	FORM("rp4 trailer while idle is dropped", "AT+iRP4",
	     "I/(0)\r\nI/OK\r\n", "RESULT(1,0,(0),)");
}

static void test_overflow(struct ichip_frame *f)
{
	static u8 in[ICHIP_LINE_MAX * 2 + 64];
	struct trace t;
	size_t n;
	char hdr[32];

	/* a line one byte too long is dropped; the parser stays in step */
	memset(in, 'x', ICHIP_LINE_MAX + 1);
	memcpy(in + ICHIP_LINE_MAX + 1, "\r\nI/OK\r\n", 8);
	run_chunks(f, "AT+iSFSH:0", in, ICHIP_LINE_MAX + 9, NULL, 0, &t);
	tap_ok(!strcmp(t.buf, "OVERFLOWRESULT(5,0,,)"),
	       "overlong line: counted, result marked overflow (%s)", t.buf);

	/* the longest line still fits */
	memset(in, 'y', ICHIP_LINE_MAX);
	memcpy(in + ICHIP_LINE_MAX, "\r\nI/OK\r\n", 8);
	run_chunks(f, "AT+iX?", in, ICHIP_LINE_MAX + 8, NULL, 0, &t);
	tap_ok(f->res.status == ICHIP_STATUS_OK &&
	       f->res.text_len == ICHIP_LINE_MAX,
	       "line of exactly ICHIP_LINE_MAX bytes is kept");

	/* an SRCV payload over ICHIP_DATA_LEN_MAX: counted, dropped, in step */
	{
		size_t big = ICHIP_DATA_LEN_MAX + 10, pos = 0;
		u8 *buf = malloc(big + 64);
		struct ichip_event ev;
		int results = 0, over = 0;

		n = (size_t)snprintf(hdr, sizeof(hdr), "I/%zu:", big);
		memcpy(buf, hdr, n);
		memset(buf + n, 'I', big);
		memcpy(buf + n + big, "\r\nI/OK\r\n", 8);
		ichip_frame_reset(f);
		ichip_frame_expect(f, ICHIP_REPLY_DATA, "AT+iSRCV:0", 10);
		while (pos < n + big + 8) {
			pos += ichip_frame_feed(f, buf + pos,
						n + big + 8 - pos, &ev);
			if (ev.type == ICHIP_EV_RESULT) {
				results++;
				over = f->res.status == ICHIP_STATUS_OVERFLOW;
			} else if (ev.type == ICHIP_EV_UNSOLICITED) {
				results += 10;
			}
		}
		tap_ok(results == 11 && over,
		       "oversize payload: OVERFLOW result, then in step");
		free(buf);
	}
}

/*
 * A payload size of 2^32 or more is refused at the header, on every
 * architecture: a 32-bit size_t would truncate it and the framer would
 * count the wrong number of bytes, then read payload bytes as lines.
 */
static void test_huge_payload_size(struct ichip_frame *f)
{
	static const char *const sizes[] = {
		"4294967296", "4294967301", "9999999999",
	};
	char in[64];
	size_t i, n, pos;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		struct ichip_event ev;
		int over = 0, after = 0;

		n = (size_t)snprintf(in, sizeof(in), "I/%s:abcde\r\nI/OK\r\n",
				     sizes[i]);
		ichip_frame_reset(f);
		ichip_frame_expect(f, ICHIP_REPLY_DATA, "AT+iSRCV:0", 10);
		for (pos = 0; pos < n;) {
			pos += ichip_frame_feed(f, (const u8 *)in + pos,
						n - pos, &ev);
			if (ev.type == ICHIP_EV_RESULT)
				over = f->res.status == ICHIP_STATUS_OVERFLOW &&
				       f->res.data_len == 0;
			else if (ev.type == ICHIP_EV_UNSOLICITED)
				after++;
		}
		tap_ok(over && after == 2,
		       "payload size %s refused at the header (overflow %d, lines after %d)",
		       sizes[i], over, after);
	}
	/* the largest size below 2^32 is still counted, not refused */
	n = (size_t)snprintf(in, sizeof(in), "I/4294967295:ab");
	ichip_frame_reset(f);
	ichip_frame_expect(f, ICHIP_REPLY_DATA, "AT+iSRCV:0", 10);
	{
		struct ichip_event ev;
		int results = 0;

		for (pos = 0; pos < n;) {
			pos += ichip_frame_feed(f, (const u8 *)in + pos,
						n - pos, &ev);
			results += ev.type == ICHIP_EV_RESULT;
		}
		tap_ok(!results && f->payload_pos == 2,
		       "payload size 2^32-1 is counted (pos %zu)",
		       (size_t)f->payload_pos);
	}
}

static void test_text_limit(struct ichip_frame *f)
{
	size_t lines = ICHIP_TEXT_LEN_MAX / 64 + 2, i, pos = 0, len;
	u8 *buf = malloc(lines * 66 + 16);
	struct ichip_event ev;

	for (i = 0; i < lines; i++) {
		memset(buf + i * 66, 'q', 64);
		memcpy(buf + i * 66 + 64, "\r\n", 2);
	}
	len = lines * 66;
	memcpy(buf + len, "I/OK\r\n", 6);
	len += 6;
	ichip_frame_reset(f);
	ichip_frame_expect(f, ICHIP_REPLY_QUERY, "AT+iCA?", 7);
	ev.type = ICHIP_EV_NONE;
	while (pos < len && ev.type != ICHIP_EV_RESULT)
		pos += ichip_frame_feed(f, buf + pos, len - pos, &ev);
	tap_ok(ev.type == ICHIP_EV_RESULT &&
	       f->res.status == ICHIP_STATUS_OVERFLOW &&
	       f->res.text_len <= ICHIP_TEXT_LEN_MAX,
	       "query text over ICHIP_TEXT_LEN_MAX gives OVERFLOW");
	free(buf);
}

static void test_abandon(struct ichip_frame *f)
{
	static const u8 in[] = "I/6:I/OK\r\nI/OK\r\n";
	struct ichip_event ev;
	size_t pos;

	ichip_frame_reset(f);
	ichip_frame_expect(f, ICHIP_REPLY_DATA, "AT+iSRCV:0", 10);
	pos = ichip_frame_feed(f, in, 6, &ev);	/* "I/6:I/" */
	ichip_frame_abandon(f);			/* timed out */
	pos += ichip_frame_feed(f, in + pos, 4, &ev);	/* rest of payload */
	tap_ok(ev.type == ICHIP_EV_NONE && pos == 10,
	       "abandoned payload is still counted");
	ichip_frame_expect(f, ICHIP_REPLY_STATUS, "AT+i", 4);
	pos += ichip_frame_feed(f, in + pos, sizeof(in) - 1 - pos, &ev);
	tap_ok(ev.type == ICHIP_EV_RESULT && f->res.status == ICHIP_STATUS_OK,
	       "next command gets the next I/OK, not the payload's");
}

static void test_garbage_bytes(struct ichip_frame *f)
{
	u8 buf[4096];
	unsigned int seed = 1;
	size_t i, pos = 0;
	struct ichip_event ev;

	for (i = 0; i < sizeof(buf); i++) {
		seed = seed * 1103515245u + 12345u;
		buf[i] = (u8)(seed >> 16);
	}
	ichip_frame_reset(f);
	ichip_frame_expect(f, ICHIP_REPLY_QUERY, "AT+iCA?", 7);
	while (pos < sizeof(buf))
		pos += ichip_frame_feed(f, buf + pos, sizeof(buf) - pos, &ev);
	ichip_frame_reset(f);
	ichip_frame_expect(f, ICHIP_REPLY_STATUS, "AT+i", 4);
	pos = ichip_frame_feed(f, (const u8 *)"\r\nI/OK\r\n", 8, &ev);
	tap_ok(ev.type == ICHIP_EV_RESULT && f->res.status == ICHIP_STATUS_OK,
	       "after random garbage and a reset, framing works");
}

struct classify_case {
	const char *cmd;
	size_t data_len;
	int want;
};

static void test_classify(void)
{
	static const struct classify_case cases[] = {
		{ "AT+i", 0, ICHIP_REPLY_STATUS },
		{ "at+i", 0, ICHIP_REPLY_STATUS },
		{ "AT+iBDRF=9", 0, ICHIP_REPLY_STATUS },
		{ "AT+iBDRF~9", 0, ICHIP_REPLY_STATUS },
		{ "AT+iBDRF?", 0, ICHIP_REPLY_QUERY },
		{ "AT+iBDRF=?", 0, ICHIP_REPLY_QUERY },
		{ "AT+iCA?", 0, ICHIP_REPLY_QUERY },
		{ "AT+iRP0", 0, ICHIP_REPLY_QUERY },
		{ "AT+iRP10", 0, ICHIP_REPLY_QUERY },
		{ "AT+iRP4", 0, ICHIP_REPLY_VALUE },
		{ "AT+irp7", 0, ICHIP_REPLY_VALUE },
		{ "AT+iSTCP:example.com,443", 0, ICHIP_REPLY_VALUE },
		{ "AT+iSST:0", 0, ICHIP_REPLY_VALUE },
		{ "AT+iGPNM:0", 0, ICHIP_REPLY_VALUE },
		{ "AT+iSRCV:0,1024", 0, ICHIP_REPLY_DATA },
		{ "AT+i!SRCV", 0, ICHIP_REPLY_DATA },
		{ "AT+iSCLS:0", 0, ICHIP_REPLY_CLOSE },
		{ "AT+i!SCLS:0", 0, ICHIP_REPLY_CLOSE },
		{ "AT+iDOWN", 0, ICHIP_REPLY_CLOSE },
		{ "AT+iSSL:0", 0, ICHIP_REPLY_STATUS },
		{ "AT+iFD", 0, ICHIP_REPLY_STATUS },
		{ "AT+iSSND:0,5", 5, ICHIP_REPLY_STATUS },
		{ "AT+iSSND%:9,0", 0, ICHIP_REPLY_STATUS },
		{ "AT+iSSND%:0,32768", 32768, ICHIP_REPLY_STATUS },
		{ "AT+iCA=-----BEGIN CERTIFICATE-----\rMIIB\r"
		  "-----END CERTIFICATE-----", 0, ICHIP_REPLY_STATUS },
		{ "AT+iCA=\r", 0, ICHIP_REPLY_STATUS },
		/* refused */
		{ "", 0, -EINVAL },
		{ "AT", 0, -EINVAL },
		{ "ATI", 0, -EINVAL },
		{ "AT+xRP4", 0, -EINVAL },
		{ "AT+iRP4\r", 0, -EINVAL },
		{ "AT+iRP4\nAT+iFD", 0, -EINVAL },
		{ "AT+iBDRF=\r9", 0, -EINVAL },
		{ "AT+iCA=x\ny", 0, -EINVAL },
		{ "AT+i\x80", 0, -EINVAL },
		{ "AT+iRP4", 3, -EINVAL },
		{ "AT+iSSND:0,5", 4, -EINVAL },
		{ "AT+iSSND:0,5", 6, -EINVAL },
		{ "AT+iSSND:0,", 0, -EINVAL },
		{ "AT+iSSND:0", 0, -EINVAL },
		{ "AT+iSSND:12,1", 1, -EINVAL },
		{ "AT+iSSND:0,99999999999", 5, -EINVAL },
		{ "AT+iSSND:0,32769", 32769, -E2BIG },
	};
	static char longcmd[ICHIP_CMD_LEN_MAX + 2];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int got = ichip_cmd_classify(cases[i].cmd,
					     strlen(cases[i].cmd),
					     cases[i].data_len);
		struct trace t = { .len = 0 };

		trace_bytes(&t, cases[i].cmd, strlen(cases[i].cmd));
		tap_ok(got == cases[i].want, "classify \"%.40s\" %zu: %d",
		       t.buf, cases[i].data_len, got);
	}
	memcpy(longcmd, "AT+iX=", 6);
	memset(longcmd + 6, 'a', ICHIP_CMD_LEN_MAX - 6);
	tap_ok(ichip_cmd_classify(longcmd, ICHIP_CMD_LEN_MAX, 0) ==
	       ICHIP_REPLY_STATUS, "command of ICHIP_CMD_LEN_MAX accepted");
	longcmd[ICHIP_CMD_LEN_MAX] = 'a';
	tap_ok(ichip_cmd_classify(longcmd, ICHIP_CMD_LEN_MAX + 1, 0) == -E2BIG,
	       "command over ICHIP_CMD_LEN_MAX refused with E2BIG");
}

static void test_wire(void)
{
	u8 out[64];
	size_t n;

	n = ichip_cmd_wire(out, sizeof(out), "AT+iRP4", 7, NULL, 0);
	tap_ok(n == 8 && !memcmp(out, "AT+iRP4\r", 8), "wire: text + CR");
	n = ichip_cmd_wire(out, sizeof(out), "AT+iSSND%:0,3", 13,
			   (const u8 *)"a\rb", 3);
	tap_ok(n == 17 && !memcmp(out, "AT+iSSND%:0,3:a\rb", 17),
	       "wire: SSND text, colon, raw bytes, no CR");
	n = ichip_cmd_wire(out, 8, "AT+iSSND:0,3", 12,
			   (const u8 *)"abc", 3);
	tap_ok(n == 0, "wire: too small a buffer writes nothing");
}

static void test_timeouts(void)
{
	tap_ok(ichip_cmd_default_timeout_ms("AT+i", 4) == 1000,
	       "ping times out fast");
	tap_ok(ichip_cmd_default_timeout_ms("AT+iSSL:0", 9) == 30000,
	       "handshake gets 30 s");
	tap_ok(ichip_cmd_default_timeout_ms("AT+iSTCP:a,1", 12) == 20000,
	       "connect gets 20 s");
	tap_ok(ichip_cmd_default_timeout_ms("AT+iRP4", 7) == 5000,
	       "others get 5 s");
}

int main(void)
{
	struct ichip_frame *f = calloc(1, sizeof(*f));

	if (!f)
		return 2;
	test_reply_forms(f);
	test_module_variants(f);
	test_overflow(f);
	test_text_limit(f);
	test_huge_payload_size(f);
	test_abandon(f);
	test_garbage_bytes(f);
	test_classify();
	test_wire();
	test_timeouts();
	tap_ok(f->stats.lines > 0 && f->stats.overflows > 0,
	       "stats count lines (%llu) and overflows (%llu)",
	       (unsigned long long)f->stats.lines,
	       (unsigned long long)f->stats.overflows);
	free(f);
	return tap_done();
}
