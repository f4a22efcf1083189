// SPDX-License-Identifier: GPL-2.0-only
// SPDX-FileCopyrightText: 2026 The ichip authors
/*
 * ichip-sim tests: the UART buffer and flow control, the module variants, baud
 * rates and parallel simulators.
 */
#include "test-sim.h"

/*
 * An SSND the way a host with software flow control sends it: WAIT and
 * CONTINUE from the framer stop and restart the tty's output (TCOOFF /
 * TCOON, what n_ichip's stop_tty() does); @honour false ignores them.
 */
const struct ichip_result *ssnd_flow(struct dut *d, const char *hdr,
				     const u8 *data, size_t dlen,
				     bool honour, int timeout_ms,
					    unsigned int *waits)
{
	static u8 wire[ICHIP_WIRE_MAX(ICHIP_CMD_LEN_MAX, ICHIP_DATA_LEN_MAX)];
	static u8 buf[65536];
	size_t hlen = strlen(hdr), n, pos = 0;
	double end = now_s() + timeout_ms / 1000.0;
	bool stopped = false;

	REQUIRE(ichip_cmd_classify(hdr, hlen, dlen) == ICHIP_REPLY_STATUS,
		"classify %s", hdr);
	n = ichip_cmd_wire(wire, sizeof(wire), hdr, hlen, data, dlen);
	ichip_frame_expect_ssnd(d->f, hdr, hlen, data, dlen);
	while (now_s() < end) {
		struct pollfd p = { d->fd, POLLIN, 0 };
		ssize_t r;

		if (pos < n && !stopped)
			p.events |= POLLOUT;
		if (poll(&p, 1, 10) < 0)
			break;
		if (p.revents & POLLOUT) {
			r = write(d->fd, wire + pos, n - pos);
			if (r > 0)
				pos += (size_t)r;
		}
		if (!(p.revents & POLLIN))
			continue;
		r = read(d->fd, buf, sizeof(buf));
		for (size_t off = 0; r > 0 && off < (size_t)r;) {
			struct ichip_event ev;

			off += ichip_frame_feed(d->f, buf + off, (size_t)r - off,
						&ev);
			if (ev.type == ICHIP_EV_WAIT && honour) {
				stopped = true;
				++*waits;
				tcflow(d->fd, TCOOFF);
			} else if (ev.type == ICHIP_EV_CONTINUE && honour) {
				stopped = false;
				tcflow(d->fd, TCOON);
			} else if (ev.type == ICHIP_EV_RESULT) {
				tcflow(d->fd, TCOON);
				return &d->f->res;
			}
		}
	}
	tcflow(d->fd, TCOON);
	ichip_frame_abandon(d->f);
	return NULL;
}

/* A counter from the control socket's status line. */
static unsigned long long status_num(struct dut *d, const char *key)
{
	char reply[512], k[40];
	const char *p;

	control(d, "status", reply, sizeof(reply));
	snprintf(k, sizeof(k), " %s=", key);
	p = strstr(reply, k);
	REQUIRE(p, "status has no %s: %s", key, reply);
	return strtoull(p + strlen(k), NULL, 10);
}

/* Bytes/s through SRCV (module -> host) and SSND (host -> module). */
static void baud_run(const char *baud, size_t total)
{
	struct server sv = { .send_bytes = total };
	struct server sink = { 0 };
	struct dut d;
	const struct ichip_result *r;
	static u8 out[16000];
	double rate = atof(baud) / 10, t, got;
	size_t n = 0;
	unsigned int waits = 0;

	server_start(&sv);
	server_start(&sink);
	/* the throttle alone: the receive buffer has its own test (uart) */
	dut_start(&d, baud, "--baud", baud, "--uart-buffer", "0", NULL);
	EXPECT_TEXT(&d, "000", "AT+iSTCP:127.0.0.1,%d", sv.port);
	msleep(300);
	t = now_s();
	while (n < total) {
		r = cmd_data(&d, "AT+iSRCV:0,16384", NULL, 0, 10000);
		REQUIRE(is_ok(r), "SRCV at %s baud", baud);
		n += r->data_len;
	}
	got = (double)n / (now_s() - t);
	/*
	 * Only the ceiling is a property of the simulator: it never runs
	 * faster than the line.  How close it comes on a loaded machine is a
	 * performance figure, which make bench measures, not this test.
	 */
	CHECK(got < rate * 1.05,
	      "module->host at %s baud: %.0f B/s, line %.0f B/s", baud, got,
	      rate);
	fprintf(stderr, "%s baud: module->host %.0f B/s (%.1f%%)\n", baud,
		got, 100 * got / rate);
	EXPECT_TEXT(&d, "001", "AT+iSTCP:127.0.0.1,%d", sink.port);
	t = now_s();
	r = ssnd_flow(&d, "AT+iSSND:001,16000", out, sizeof(out), true,
		      10000, &waits);
	got = sizeof(out) / (now_s() - t);
	CHECK(is_ok(r), "SSND at %s baud", baud);
	/* the pty itself buffers a few KiB, so the host side runs ahead */
	CHECK(got < rate * 1.6,
	      "host->module at %s baud: %.0f B/s, line %.0f B/s", baud, got,
	      rate);
	fprintf(stderr, "%s baud: host->module %.0f B/s (%.1f%%)\n", baud,
		got, 100 * got / rate);
	dut_stop(&d);
}

/*
 * The module's UART buffer (--uart-buffer 256, FIFO 16) and its pauses:
 * a host that sends a long SSND without flow control loses bytes, as on
 * hardware; WAIT/CONTINUE honoured, RTS/CTS, or SSNDs of 256 bytes lose
 * nothing.
 */
void test_uart(void)
{
	struct server sink = { 0 };
	struct dut d;
	const struct ichip_result *r;
	static u8 big[ICHIP_DATA_LEN_MAX];
	unsigned int waits = 0;

	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (u8)(i * 13);	/* 0x11 and 0x13 included */
	server_start(&sink);

	dut_start(&d, "uart-soft", "--baud", "921600", NULL);
	EXPECT_TEXT(&d, "000", "AT+iSTCP:127.0.0.1,%d", sink.port);
	r = ssnd_flow(&d, "AT+iSSND%:000,32768", big, sizeof(big), true,
		      20000, &waits);
	CHECK(is_ok(r), "64 KiB SSND with soft flow control");
	CHECK(waits > 0 && status_num(&d, "waits") == waits,
	      "WAIT seen %u times", waits);
	CHECK(status_num(&d, "uart_lost") == 0, "nothing lost");
	CHECK(d.f->stats.flow_reports == waits,
	      "each WAIT followed by an RP4 report (%llu)",
	      (unsigned long long)d.f->stats.flow_reports);
	/* ignored: the grace runs out, bytes are lost, the count is off */
	r = ssnd_flow(&d, "AT+iSSND%:000,32768", big, sizeof(big), false,
		      3000, &waits);
	CHECK(!r, "SSND with WAIT ignored does not complete");
	CHECK(status_num(&d, "wait_ignored") > 0 &&
	      status_num(&d, "uart_lost") > 0, "WAIT ignored: bytes lost");
	dut_stop(&d);

	dut_start(&d, "uart-none", "--baud", "921600", "--flow", "none", NULL);
	EXPECT_TEXT(&d, "000", "AT+iSTCP:127.0.0.1,%d", sink.port);
	for (size_t off = 0; off < 8192; off += 256) {
		r = ssnd_flow(&d, "AT+iSSND%:000,256", big + off, 256, false,
			      5000, &waits);
		CHECK(is_ok(r), "256-byte SSND without flow control");
	}
	CHECK(status_num(&d, "uart_lost") == 0, "256-byte SSNDs: none lost");
	r = ssnd_flow(&d, "AT+iSSND%:000,32768", big, 32768, false, 3000,
		      &waits);
	CHECK(!r && status_num(&d, "uart_lost") > 0,
	      "32 KiB SSND without flow control: %llu bytes lost",
	      status_num(&d, "uart_lost"));
	dut_stop(&d);

	dut_start(&d, "uart-hard", "--baud", "921600", NULL);
	EXPECT_OK(&d, "AT+iFLW=1");
	EXPECT_TEXT(&d, "000", "AT+iSTCP:127.0.0.1,%d", sink.port);
	r = ssnd_flow(&d, "AT+iSSND%:000,32768", big, sizeof(big), false,
		      20000, &waits);
	CHECK(is_ok(r) && status_num(&d, "uart_lost") == 0 &&
	      status_num(&d, "waits") == 0, "RTS/CTS: nothing lost, no WAIT");
	dut_stop(&d);
}

/* The switches for what the evidence leaves open (at-plus-i.md §7). */
void test_variants(void)
{
	struct server sv = { .echo = true };
	struct dut d;
	const struct ichip_result *r;
	u8 buf[256];
	size_t len;
	unsigned int waits = 0;

	server_start(&sv);
	/* realistic default: echo, in-line result, padded handle, I/ERROR( */
	dut_start(&d, "var-default", NULL);
	write_all(d.fd, "AT+iSSND%:007,3:abc", 19);
	msleep(300);
	len = (size_t)read(d.fd, buf, sizeof(buf));
	CHECK(len == 30 && !memcmp(buf, "AT+iSSND%:007,3:I/ERROR(200)\r\n", 30),
	      "in-line SSND error: '%.*s'", (int)len, buf);
	ichip_frame_reset(d.f);
	EXPECT_TEXT(&d, "000", "AT+iSTCP:127.0.0.1,%d", sv.port);
	r = ssnd_flow(&d, "AT+iSSND%:000,5", (const u8 *)"hello", 5, true,
		      5000, &waits);
	CHECK(is_ok(r) && d.f->echo_payload == ICHIP_ECHO_PAYLOAD_NO,
	      "SSND in-line, payload not echoed");
	msleep(200);
	r = cmd(&d, "AT+iSRCV:000");
	CHECK(is_ok(r) && r->data_len == 5, "SRCV after in-line SSND");
	write_all(d.fd, "\r", 1);
	msleep(100);
	CHECK(read(d.fd, buf, sizeof(buf)) == 2, "blank line: echo only");
	dut_stop(&d);

	dut_start(&d, "var-open", "--echo-payload", "yes", "--rp-trailer",
		  "yes", "--srcv-crlf", "no", "--blank-line", "error",
		  "--error-format", "space", NULL);
	EXPECT_TEXT(&d, "000", "AT+iSTCP:127.0.0.1,%d", sv.port);
	r = ssnd_flow(&d, "AT+iSSND%:000,5", (const u8 *)"h\x13l\x11o", 5,
		      true, 5000, &waits);
	CHECK(is_ok(r) && d.f->echo_payload == ICHIP_ECHO_PAYLOAD_YES,
	      "SSND with echoed payload");
	msleep(200);
	/* RP4, its trailer I/OK, then the next command sent at once */
	ichip_frame_expect(d.f, ICHIP_REPLY_VALUE, "AT+iRP4", 7);
	write_all(d.fd, "AT+iRP4\r", 8);
	msleep(200);
	len = (size_t)read(d.fd, buf, sizeof(buf));
	{
		size_t off = 0;
		struct ichip_event ev;

		while (off < len) {
			off += ichip_frame_feed(d.f, buf + off, len - off, &ev);
			if (ev.type == ICHIP_EV_RESULT)
				ichip_frame_expect(d.f, ICHIP_REPLY_DATA,
						   "AT+iSRCV:000", 12);
		}
	}
	CHECK(d.f->stats.stale == 1, "RP4 trailer dropped before the echo");
	write_all(d.fd, "AT+iSRCV:000\r", 13);
	r = wait_result(&d, 2000);
	CHECK(is_ok(r) && r->data_len == 5 && !memcmp(r->data, "h\x13l\x11o", 5),
	      "SRCV right after RP4 with trailer, no CR LF after the data");
	EXPECT_TEXT(&d, "0000", "AT+iRP7");
	EXPECT_OK(&d, "AT+i");
	write_all(d.fd, "\r", 1);
	msleep(100);
	len = (size_t)read(d.fd, buf, sizeof(buf));
	CHECK(len == 17 && !memcmp(buf, "\r\nI/ERROR (053)\r\n", 17),
	      "blank line answered: '%.*s'", (int)len, buf);
	dut_stop(&d);

	dut_start(&d, "var-ca", "--ca-end", "cr", "--blank-line", "ok",
		  "--handle-width", "1", NULL);
	EXPECT_TEXT(&d, "0", "AT+iSTCP:127.0.0.1,%d", sv.port);
	ichip_frame_expect(d.f, ICHIP_REPLY_STATUS, "AT+iCA=", 7);
	write_all(d.fd, "AT+iCA=\r\r", 9);
	CHECK(is_ok(wait_result(&d, 2000)), "CA cleared");
	dut_stop(&d);
}

void test_baud(void)
{
	baud_run("115200", 16000);
	baud_run("921600", 65536);
}

void test_parallel(void)
{
	struct dut d[8];
	char name[16];

	for (int i = 0; i < 8; i++) {
		snprintf(name, sizeof(name), "par%d", i);
		dut_start(&d[i], name, NULL);
	}
	for (int round = 0; round < 5; round++)
		for (int i = 0; i < 8; i++)
			EXPECT_OK(&d[i], "AT+i");
	for (int i = 0; i < 8; i++)
		dut_stop(&d[i]);
}
