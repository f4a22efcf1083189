// SPDX-License-Identifier: GPL-2.0-only
// SPDX-FileCopyrightText: 2026 The ichip authors
/*
 * ichip-sim tests: the command set: basic answers, echo, TCP sockets, a peer
 * closing, limits, checksum mode and the +++ escape.
 */
#include "test-sim.h"

void test_basic(void)
{
	struct dut d;
	char big[2200];
	const struct ichip_result *r;

	dut_start(&d, "basic", "--firmware", "FW-TEST 9.9", "--serial",
		  "SN42", NULL);
	EXPECT_OK(&d, "AT+i");
	EXPECT_OK(&d, "at+i");
	EXPECT_TEXT(&d, "FW-TEST 9.9", "AT+iRP0");
	EXPECT_TEXT(&d, "FW-TEST 9.9", "at+irp1");
	EXPECT_TEXT(&d, "SN42", "AT+iRP5");
	EXPECT_TEXT(&d, "offline, 0 socket(s)", "AT+iRP2");
	r = cmd(&d, "AT+iRP8");
	CHECK(is_ok(r) && strlen(text_of(&d, r)) == 20 &&
	      d.text[10] == 'T', "RP8 '%s'", d.text);
	EXPECT_ERR(&d, 42, "AT+iRP3");
	EXPECT_ERR(&d, 53, "AT+iXYZZY");
	EXPECT_ERR(&d, 53, "AT+i!");
	EXPECT_ERR(&d, 41, "AT+iHN#x");
	EXPECT_ERR(&d, 43, "AT+iFD:1");
	EXPECT_ERR(&d, 43, "AT+iHN?x");
	EXPECT_ERR(&d, 49, "AT+iHN:x");
	EXPECT_ERR(&d, 49, "AT+iHN");
	/* parameters: =, ~, ?, =? */
	EXPECT_TEXT(&d, "iChip", "AT+iHN?");
	EXPECT_OK(&d, "AT+iHN=module-1");
	EXPECT_TEXT(&d, "module-1", "AT+ihn?");
	EXPECT_OK(&d, "AT+iHN~temp");
	EXPECT_TEXT(&d, "temp", "AT+iHN?");
	EXPECT_TEXT(&d, "String", "AT+iHN=?");
	EXPECT_TEXT(&d, "3-9, 'a' or 'h'", "AT+iBDRF=?");
	EXPECT_TEXT(&d, "a", "AT+iBDRF?");
	EXPECT_OK(&d, "AT+iBDRF=9");
	EXPECT_ERR(&d, 42, "AT+iBDRF=x");
	EXPECT_ERR(&d, 42, "AT+iCKSM=2");
	EXPECT_ERR(&d, 44, "AT+iCKSM=x");
	EXPECT_ERR(&d, 44, "AT+iCKSM=");
	EXPECT_OK(&d, "AT+iMTTF=65536");	/* modulo 65535 */
	EXPECT_TEXT(&d, "1", "AT+iMTTF?");
	EXPECT_OK(&d, "AT+iBDRA");
	/* DOWN ends the session: the ~ value is gone */
	r = cmd(&d, "AT+iDOWN");
	CHECK(is_ok(r) && !strcmp(text_of(&d, r), "ONLINE"), "DOWN '%s'",
	      d.text);
	EXPECT_TEXT(&d, "module-1", "AT+iHN?");
	EXPECT_OK(&d, "AT+iFD");
	EXPECT_TEXT(&d, "iChip", "AT+iHN?");
	EXPECT_TEXT(&d, "a", "AT+iBDRF?");
	/* garbage before AT+i is skipped, LF ignored, bit 7 ignored */
	r = raw(&d, ICHIP_REPLY_STATUS, "\n\x01junkAT+i\r\n", 11);
	CHECK(is_ok(r), "garbage prefix");
	/* the echo is of the 7-bit text, so it is not the command's echo */
	r = raw(&d, ICHIP_REPLY_QUERY, "AT+iRP\xb0\r", 8);
	CHECK(is_ok(r) && !strcmp(text_of(&d, r), "AT+iRP0\nFW-TEST 9.9"),
	      "bit 7: '%s'", d.text);
	r = raw(&d, ICHIP_REPLY_STATUS, "AT+iH\x01N?\r", 9);
	CHECK(err_of(r) == 51, "control char -> %d", err_of(r));
	/* overlong line */
	memset(big, 'A', sizeof(big));
	memcpy(big, "AT+iHN=", 7);
	big[sizeof(big) - 1] = '\r';
	r = raw(&d, ICHIP_REPLY_STATUS, big, sizeof(big));
	CHECK(err_of(r) == 111, "overlong -> %d", err_of(r));
	/* exactly 2048 bytes is a legal line (value too long for HN) */
	big[2048] = '\r';
	r = raw(&d, ICHIP_REPLY_STATUS, big, 2049);
	CHECK(err_of(r) == 42, "2048-byte line -> %d", err_of(r));
	/* empty lines draw no answer: the next command's is the first */
	r = raw(&d, ICHIP_REPLY_STATUS, "\r\r\rAT+i\r", 8);
	CHECK(is_ok(r), "blank lines: %d/%d", r ? (int)r->status : -1, err_of(r));
	dut_stop(&d);
}

void test_echo(void)
{
	struct dut d;
	const struct ichip_result *r;
	struct ichip_event ev;
	u8 buf[256];
	size_t len = 0;

	dut_start(&d, "echo", "--echo", NULL);
	/* echo then result: read it all and look for the echoed line */
	write_all(d.fd, "AT+iRQ\bP0\r", 10);
	msleep(300);
	len = (size_t)read(d.fd, buf, sizeof(buf));
	CHECK(len > 0 && memmem(buf, len, "AT+iRQ\b \bP0\r\n", 13) &&
	      memmem(buf, len, "I/OK\r\n", 6), "echo with backspace: '%.*s'",
	      (int)len, buf);
	/* the framing core recognises the echo */
	ichip_frame_expect(d.f, ICHIP_REPLY_STATUS, "AT+i", 4);
	write_all(d.fd, "AT+i\r", 5);
	msleep(200);
	len = (size_t)read(d.fd, buf, sizeof(buf));
	size_t off = ichip_frame_feed(d.f, buf, len, &ev);
	CHECK(ev.type == ICHIP_EV_ECHO, "first event %d", ev.type);
	ichip_frame_feed(d.f, buf + off, len - off, &ev);
	CHECK(ev.type == ICHIP_EV_RESULT && is_ok(&d.f->res), "ping result");
	control_ok(&d, "echo off");
	r = cmd(&d, "AT+iRP0");
	CHECK(is_ok(r) && d.f->stats.echoes == 1, "echo off");
	dut_stop(&d);
}

void test_tcp(void)
{
	static const u8 payload[] = "I/OK\r\n\0\xffI/ERROR (203)\r\n\xff";
	struct server sv = { .echo = true };
	struct dut d;
	char trace[300], want[64];
	const struct ichip_result *r;
	size_t plen = sizeof(payload) - 1;
	char *log;

	server_start(&sv);
	snprintf(trace, sizeof(trace), "%s/tcp.trace", tmpdir);
	dut_start(&d, "tcp", "--trace", trace, NULL);
	EXPECT_TEXT(&d, "000", "AT+iSTCP:127.0.0.1,%d", sv.port);
	EXPECT_TEXT(&d, "online, 1 socket(s)", "AT+iRP2");
	EXPECT_TEXT(&d, "(000)", "AT+iSCS:0");
	snprintf(want, sizeof(want), "(127.0.0.1:%d)", sv.port);
	EXPECT_TEXT(&d, want, "AT+iGPNM:0");
	r = cmd_data(&d, "AT+iSSND%:0,24", payload, plen, CMD_TIMEOUT_MS);
	CHECK(is_ok(r), "SSND binary");
	msleep(200);
	EXPECT_TEXT(&d, "0001", "AT+iRP7");
	EXPECT_TEXT(&d, "(24)", "AT+iSST:0");
	EXPECT_TEXT(&d, "(24,-200,-200,-200,-200,-200,-200,-200,-200,-200)",
		    "AT+iRP4");
	r = cmd(&d, "AT+iSRCV:0,10");
	CHECK(is_ok(r) && r->data_len == 10 && !memcmp(r->data, payload, 10),
	      "SRCV max 10");
	r = cmd(&d, "AT+iSRCV:0");
	CHECK(is_ok(r) && r->data_len == plen - 10 &&
	      !memcmp(r->data, payload + 10, plen - 10), "SRCV rest");
	r = cmd(&d, "AT+iSRCV:0");
	CHECK(is_ok(r) && r->data_len == 0, "SRCV empty -> I/0");
	EXPECT_ERR(&d, 42, "AT+iSRCV:0,0");
	/* SSND without %, then SDMP drops what came back */
	r = cmd_data(&d, "AT+iSSND:0,3", "abc", 3, CMD_TIMEOUT_MS);
	CHECK(is_ok(r), "SSND");
	msleep(200);
	EXPECT_OK(&d, "AT+iSDMP:0");
	EXPECT_TEXT(&d, "(0)", "AT+iSST:0");
	EXPECT_OK(&d, "AT+iSFSH:0");
	EXPECT_OK(&d, "AT+iSFSH%%:0");
	/* zero-length stream */
	r = cmd_data(&d, "AT+iSSND:0,0", NULL, 0, CMD_TIMEOUT_MS);
	CHECK(is_ok(r), "SSND 0");
	/* unknown handles: the stream is still swallowed */
	r = cmd_data(&d, "AT+iSSND:5,4", "AT+i", 4, CMD_TIMEOUT_MS);
	CHECK(err_of(r) == 200, "SSND free handle -> %d", err_of(r));
	EXPECT_ERR(&d, 200, "AT+iSRCV:5");
	EXPECT_ERR(&d, 200, "AT+iSST:5");
	EXPECT_ERR(&d, 200, "AT+iSCLS:11");
	EXPECT_ERR(&d, 44, "AT+iSST:");
	EXPECT_ERR(&d, 44, "AT+iSST:x");
	EXPECT_ERR(&d, 41, "AT+iSST?");
	/* a second socket: closing one leaves the module online */
	EXPECT_TEXT(&d, "001", "AT+iSTCP:127.0.0.1,%d", sv.port);
	r = cmd(&d, "AT+iSCLS:1");
	CHECK(is_ok(r) && !strcmp(text_of(&d, r), "ONLINE"), "SCLS 1 '%s'",
	      d.text);
	r = cmd(&d, "AT+i!SCLS:0");
	CHECK(is_ok(r) && !strcmp(text_of(&d, r), "ONLINE"), "!SCLS '%s'",
	      d.text);
	EXPECT_TEXT(&d, "000", "AT+iSTCP:localhost,%d", sv.port);
	r = cmd(&d, "AT+iscls:0");
	CHECK(is_ok(r) && !strcmp(text_of(&d, r), "DONE"), "SCLS last '%s'",
	      d.text);
	dut_stop(&d);
	log = slurp(trace, NULL);
	CHECK(strstr(log, "> AT+iSTCP:127.0.0.1") && strstr(log, "< I/0") &&
	      strstr(log, "[24 bytes] 49 2f 4f 4b 0d 0a 00 ff") &&
	      strstr(log, "< I/10: [10 bytes]"), "trace:\n%s", log);
	free(log);
}

void test_peer_close(void)
{
	struct server sv = { .send_bytes = 5, .close_at_once = true };
	struct server refuse = { 0 };
	struct dut d;
	const struct ichip_result *r;

	server_start(&sv);
	dut_start(&d, "peer", NULL);
	EXPECT_TEXT(&d, "000", "AT+iSTCP:127.0.0.1,%d", sv.port);
	msleep(300);
	/* bytes still readable after the peer closed */
	EXPECT_TEXT(&d, "(5)", "AT+iSST:0");
	r = cmd(&d, "AT+iSRCV:0");
	CHECK(is_ok(r) && r->data_len == 5, "SRCV after close");
	EXPECT_TEXT(&d, "(-203)", "AT+iSST:0");
	EXPECT_TEXT(&d, "(-203)", "AT+iSCS:0");
	EXPECT_TEXT(&d, "(-203,-200,-200,-200,-200,-200,-200,-200,-200,-200)",
		    "AT+iRP4");
	EXPECT_ERR(&d, 203, "AT+iSRCV:0");
	EXPECT_ERR(&d, 203, "AT+iSFSH:0");
	r = cmd_data(&d, "AT+iSSND:0,2", "hi", 2, CMD_TIMEOUT_MS);
	CHECK(err_of(r) == 203, "SSND on closed -> %d", err_of(r));
	EXPECT_ERR(&d, 221, "AT+iSSL:0");
	r = cmd(&d, "AT+iSCLS:0");
	CHECK(is_ok(r) && !strcmp(text_of(&d, r), "DONE"), "SCLS");
	/* connection refused, bad arguments */
	refuse.lfd = listen_any(&refuse.port);
	close(refuse.lfd);
	EXPECT_ERR(&d, 203, "AT+iSTCP:127.0.0.1,%d", refuse.port);
	EXPECT_ERR(&d, 44, "AT+iSTCP:127.0.0.1,x");
	EXPECT_ERR(&d, 52, "AT+iSTCP:127.0.0.1");
	EXPECT_ERR(&d, 46, "AT+iSTCP:,80");
	EXPECT_ERR(&d, 42, "AT+iSTCP:127.0.0.1,0");
	EXPECT_ERR(&d, 207, "AT+iSTCP:no-such-host.invalid,80");
	EXPECT_TEXT(&d, "0000", "AT+iRP7");
	dut_stop(&d);
}

void test_limits(void)
{
	struct server sv = { .echo = true };
	struct dut d;
	char want[4];

	server_start(&sv);
	dut_start(&d, "limits", NULL);
	for (int i = 0; i < 10; i++) {
		snprintf(want, sizeof(want), "%03d", i);
		EXPECT_TEXT(&d, want, "AT+iSTCP:127.0.0.1,%d", sv.port);
	}
	EXPECT_ERR(&d, 204, "AT+iSTCP:127.0.0.1,%d", sv.port);
	EXPECT_OK(&d, "AT+iSCLS:4");
	EXPECT_TEXT(&d, "004", "AT+iSTCP:127.0.0.1,%d", sv.port);
	/* DOWN closes them all */
	EXPECT_OK(&d, "AT+iDOWN");
	EXPECT_TEXT(&d, "(-200,-200,-200,-200,-200,-200,-200,-200,-200,-200)",
		    "AT+iRP4");
	dut_stop(&d);

	dut_start(&d, "limits3", "--max-sockets", "2", NULL);
	EXPECT_TEXT(&d, "000", "AT+iSTCP:127.0.0.1,%d", sv.port);
	EXPECT_TEXT(&d, "001", "AT+iSTCP:127.0.0.1,%d", sv.port);
	EXPECT_ERR(&d, 204, "AT+iSTCP:127.0.0.1,%d", sv.port);
	EXPECT_ERR(&d, 200, "AT+iSST:2");
	dut_stop(&d);
}

void test_checksum(void)
{
	struct server sv = { .echo = true };
	struct dut d;
	const struct ichip_result *r;
	u8 pkt[7] = { 'h', 'e', 'l', 'l', 'o' };
	unsigned int sum = 0;
	static u8 big[2051];

	for (int i = 0; i < 5; i++)
		sum += pkt[i];
	sum = (0x10000 - sum) & 0xffff;
	pkt[5] = (u8)(sum >> 8);
	pkt[6] = (u8)sum;
	server_start(&sv);
	/* no echo: the raw writes below are not commands the framer knows */
	dut_start(&d, "cksm", "--no-echo", NULL);
	EXPECT_OK(&d, "AT+iCKSM=1");
	EXPECT_TEXT(&d, "000", "AT+iSTCP:127.0.0.1,%d", sv.port);
	/* the checksum trails the stream: raw, as the framer counts sz */
	write_all(d.fd, "AT+iSSND:0,5:hello", 18);
	CHECK(drain(&d, 300) == 0, "SSND answered before the checksum");
	r = raw(&d, ICHIP_REPLY_STATUS, pkt + 5, 2);
	CHECK(is_ok(r), "SSND good checksum -> %d", err_of(r));
	pkt[6] ^= 1;
	write_all(d.fd, "AT+iSSND:0,5:hello", 18);
	r = raw(&d, ICHIP_REPLY_STATUS, pkt + 5, 2);
	CHECK(err_of(r) == 228, "bad checksum -> %d", err_of(r));
	memcpy(big, "AT+iSSND:0,2049:", 16);
	write_all(d.fd, big, 16);
	r = raw(&d, ICHIP_REPLY_STATUS, big, 2049 + 2);
	CHECK(err_of(r) == 227, "cksm SSND > 2048 -> %d", err_of(r));
	msleep(200);
	/* SRCV appends the checksum; the data itself is what was sent */
	r = cmd(&d, "AT+iSRCV:0");
	CHECK(is_ok(r) && r->data_len == 5 && !memcmp(r->data, "hello", 5),
	      "SRCV in checksum mode");
	drain(&d, 100);
	dut_stop(&d);
}

void test_escape(void)
{
	struct server sv = { .echo = true };
	struct dut d;
	const struct ichip_result *r;

	server_start(&sv);
	dut_start(&d, "escape", NULL);
	EXPECT_OK(&d, "AT+iHN~temporary");
	EXPECT_TEXT(&d, "000", "AT+iSTCP:127.0.0.1,%d", sv.port);
	msleep(600);
	/* +++ after silence: unsolicited I/ERROR (056), all closed */
	ichip_frame_expect(d.f, ICHIP_REPLY_STATUS, NULL, 0);
	write_all(d.fd, "+++", 3);
	r = wait_result(&d, 2000);
	CHECK(err_of(r) == 56, "+++ -> %d", err_of(r));
	EXPECT_TEXT(&d, "(-200,-200,-200,-200,-200,-200,-200,-200,-200,-200)",
		    "AT+iRP4");
	EXPECT_TEXT(&d, "iChip", "AT+iHN?");
	/* +++ inside a payload is data */
	EXPECT_TEXT(&d, "000", "AT+iSTCP:127.0.0.1,%d", sv.port);
	msleep(600);
	r = cmd_data(&d, "AT+iSSND:0,3", "+++", 3, CMD_TIMEOUT_MS);
	CHECK(is_ok(r), "+++ as payload");
	dut_stop(&d);
}
