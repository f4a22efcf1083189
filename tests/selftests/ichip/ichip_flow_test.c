// SPDX-License-Identifier: GPL-2.0-only
// SPDX-FileCopyrightText: 2026 The ichip authors
/*
 * kselftests of n_ichip's flow control: WAIT/CONTINUE from the module
 * stop and restart its transmitter only outside counted payloads (the
 * fixture and the scripted peer are those of ichip_test.c).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "ichip_nl.h"
#include "ichip_peer.h"

#include "ichip_fixture.h"	/* one attached pty */

/* ---- software flow control (WAIT/CONTINUE) -------------------------- */

/*
 * The master in packet mode shows what the line discipline does to the
 * slave's output: stop_tty() arrives as TIOCPKT_STOP, start_tty() as
 * TIOCPKT_START.  Data reads come with a leading TIOCPKT_DATA byte.
 */
static int pkt_on(int master)
{
	int on = 1;

	return ioctl(master, TIOCPKT, &on) ? -errno : 0;
}

/* Data bytes (status bytes are collected in @status) until @n came. */
static ssize_t pkt_read(int fd, void *buf, size_t n, int timeout_ms,
			int *status)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN | POLLPRI };
	uint8_t tmp[4097];
	size_t got = 0;

	while (got < n) {
		ssize_t r;
		size_t want = n - got < 4096 ? n - got : 4096;

		if (poll(&pfd, 1, timeout_ms) <= 0)
			break;
		r = read(fd, tmp, want + 1);
		if (r <= 0) {
			if (r < 0 && errno == EAGAIN)
				continue;
			break;
		}
		if (tmp[0] != TIOCPKT_DATA) {
			*status |= tmp[0];
			continue;
		}
		memcpy((char *)buf + got, tmp + 1, (size_t)r - 1);
		got += (size_t)r - 1;
	}
	return (ssize_t)got;
}

/*
 * Wait up to @ms for a status bit.  A 1-byte read returns a pending
 * status before any data, and only TIOCPKT_DATA (no data) otherwise.
 */
static int pkt_status(int fd, int bit, int ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN | POLLPRI };
	int status = 0, i;
	uint8_t b;

	for (i = 0; i < ms && !(status & bit); i++) {
		if (poll(&pfd, 1, 1) > 0 && read(fd, &b, 1) == 1 &&
		    b != TIOCPKT_DATA)
			status |= b;
		else
			usleep(1000);
	}
	return !!(status & bit);
}

TEST_F(dev, wait_continue_pace_an_ssnd)
{
	static const char hdr[] = "AT+iSSND%:000,8";
	struct inl mon;
	struct inl_event ev;
	struct inl_result r;
	uint64_t cookie;
	char wire[64];
	int status = 0, unsol = 0, i;

	ASSERT_EQ(0, inl_open(&mon));
	ASSERT_EQ(0, inl_join(&mon, ICHIP_MCGRP_EVENTS));
	ASSERT_EQ(0, pkt_on(self->master));
	ASSERT_EQ(0, inl_exec(&self->nl, self->d.index, hdr, "ab\x13" "cd\x11" "ef",
			      8, 0, &cookie));
	ASSERT_EQ(24, pkt_read(self->master, wire, 24, 3000, &status));
	ASSERT_EQ(0, memcmp(wire, "AT+iSSND%:000,8:ab\x13" "cd\x11" "ef", 24));
	/* the echoed header, WAIT, the RP4 report on the same line */
	ASSERT_EQ(0, PEER_SAYS(self->master,
			       "AT+iSSND%:000,8:\x13I/(0,-200)\r\n"));
	EXPECT_TRUE(pkt_status(self->master, TIOCPKT_STOP, 3000));
	ASSERT_EQ(0, PEER_SAYS(self->master, "\x11"));
	EXPECT_TRUE(pkt_status(self->master, TIOCPKT_START, 3000));
	/* the result in-line, after the echo */
	ASSERT_EQ(0, PEER_SAYS(self->master, "I/OK\r\n"));
	ASSERT_EQ(0, inl_wait_result(&self->nl, cookie, 3000, &r));
	EXPECT_EQ(ICHIP_STATUS_OK, r.status);
	inl_result_free(&r);
	/* the report went up as an unsolicited line */
	for (i = 0; i < 10 && !unsol; i++) {
		if (inl_next_event(&mon, 1000, &ev))
			break;
		if (ev.cmd == ICHIP_CMD_DEV_STATE &&
		    ev.event == ICHIP_DEV_EVENT_UNSOLICITED && ev.text &&
		    !strcmp(ev.text, "I/(0,-200)"))
			unsol = 1;
		inl_event_free(&ev);
	}
	EXPECT_TRUE(unsol);
	inl_close(&mon);
}

TEST_F(dev, flow_bytes_in_srcv_data_stop_nothing)
{
	static const char reply[] = "I/6:\x13\x13\x11\x13\x13\x13\r\n";
	struct inl_result r;
	uint64_t cookie;
	char wire[64];
	int status = 0;

	ASSERT_EQ(0, pkt_on(self->master));
	ASSERT_EQ(0, inl_exec(&self->nl, self->d.index, "AT+iSRCV:000",
			      NULL, 0, 0, &cookie));
	ASSERT_EQ(13, pkt_read(self->master, wire, 13, 3000, &status));
	ASSERT_EQ(0, peer_write(self->master, reply, sizeof(reply) - 1));
	ASSERT_EQ(0, inl_wait_result(&self->nl, cookie, 3000, &r));
	EXPECT_EQ(ICHIP_STATUS_OK, r.status);
	ASSERT_EQ(6, r.data_len);
	EXPECT_EQ(0, memcmp(r.data, "\x13\x13\x11\x13\x13\x13", 6));
	inl_result_free(&r);
	/* n_tty would have stopped the tty on the first 0x13 */
	EXPECT_FALSE(pkt_status(self->master, TIOCPKT_STOP, 300));
	/* and a WAIT with no SSND in flight stops nothing either */
	ASSERT_EQ(0, PEER_SAYS(self->master, "\x13"));
	EXPECT_FALSE(pkt_status(self->master, TIOCPKT_STOP, 300));
	ASSERT_EQ(0, PEER_SAYS(self->master, "\x11"));
}

TEST_F(dev, ssnd_stopped_by_wait_is_restarted_by_its_result)
{
	struct inl_result r;
	uint64_t cookie;
	char wire[64];
	int status = 0;

	ASSERT_EQ(0, pkt_on(self->master));
	ASSERT_EQ(0, inl_exec(&self->nl, self->d.index, "AT+iSSND:0,2", "hi",
			      2, 0, &cookie));
	ASSERT_EQ(15, pkt_read(self->master, wire, 15, 3000, &status));
	ASSERT_EQ(0, PEER_SAYS(self->master, "\x13"));
	EXPECT_TRUE(pkt_status(self->master, TIOCPKT_STOP, 3000));
	/* an error result without CONTINUE: the next command must flow */
	ASSERT_EQ(0, PEER_SAYS(self->master, "I/ERROR(203)\r\n"));
	ASSERT_EQ(0, inl_wait_result(&self->nl, cookie, 3000, &r));
	EXPECT_EQ(203, r.module_error);
	inl_result_free(&r);
	EXPECT_TRUE(pkt_status(self->master, TIOCPKT_START, 3000));
}

/* ---- the module's side of a pty: its writer is woken ----------------- */

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * A module end on a pty master (ichip-sim) that filled the pty waits for
 * POLLOUT.  n_ichip takes the bytes in receive_buf; N_TTY's read path is
 * what wakes a pty master's writer, so unless n_ichip does, the writer
 * sleeps until its own timeout (ichip-sim: 1 s per 16 KiB SRCV answer).
 * POLL_BOUND_MS is a "never" (the wakeup comes within milliseconds), not
 * a performance bound.
 */
#define POLL_BOUND_MS	10000

TEST_F(dev, module_writer_on_a_full_pty_is_woken)
{
	static char blank[4096];	/* empty lines: ignored by the framer */
	struct pollfd pfd = { .fd = self->master, .events = POLLOUT };
	int flags = fcntl(self->master, F_GETFL), i, r;
	double t0, waited;
	ssize_t k;

	for (i = 0; i < (int)sizeof(blank); i += 2)
		memcpy(blank + i, "\r\n", 2);
	ASSERT_EQ(0, fcntl(self->master, F_SETFL, flags | O_NONBLOCK));
	for (i = 0; i < 3; i++) {
		while ((k = write(self->master, blank, sizeof(blank))) > 0)
			;
		ASSERT_EQ(EAGAIN, errno);
		t0 = mono_s();
		r = poll(&pfd, 1, POLL_BOUND_MS);
		waited = mono_s() - t0;
		ASSERT_EQ(1, r);
		/* woken by the room n_ichip made, not by poll's timeout */
		EXPECT_LT(waited, POLL_BOUND_MS / 2000.0)
			TH_LOG("round %d: POLLOUT after %.3f s", i, waited);
	}
	fcntl(self->master, F_SETFL, flags);
}

/* ---- conformance transcripts (tests/conformance) --------------------- */

TEST_HARNESS_MAIN
