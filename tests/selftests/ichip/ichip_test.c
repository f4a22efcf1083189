// SPDX-License-Identifier: GPL-2.0-only
// SPDX-FileCopyrightText: 2026 The ichip authors
/*
 * kselftests of n_ichip against the real module: a pty whose slave end
 * carries the line discipline and whose master end is a scripted module
 * peer driven by the test, plus netlink clients of the "ichip" family.
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

/* One RP7 answered by the peer. */
static int run_exec_answered(struct inl *nl, uint32_t dev, int master,
			     struct inl_result *r)
{
	uint64_t cookie;
	int ret = inl_exec(nl, dev, "AT+iRP7", NULL, 0, 0, &cookie);

	if (ret)
		return ret;
	if (!PEER_HEARS(master, "AT+iRP7\r") ||
	    PEER_SAYS(master, "I/0003\r\n"))
		return -EIO;
	return inl_wait_result(nl, cookie, 5000, r);
}

TEST_F(dev, describes_itself)
{
	struct inl_dev d;

	ASSERT_EQ(0, inl_dev_get(&self->nl, self->d.index, &d));
	EXPECT_STREQ(self->name, d.name);
	EXPECT_EQ(ICHIP_DEV_STATE_IDLE, d.state);
	EXPECT_FALSE(d.has_unused);	/* the version is the family's */
	EXPECT_EQ(0, d.queue_depth);
	EXPECT_LT(0, d.queue_max);
	EXPECT_EQ(-ENODEV, inl_dev_get(&self->nl, 999999, &d));
}

TEST_F(dev, exec_round_trip)
{
	struct inl_result r;
	uint64_t cookie;

	ASSERT_EQ(0, inl_exec(&self->nl, self->d.index, "AT+iRP4", NULL, 0,
			      0, &cookie));
	ASSERT_TRUE(PEER_HEARS(self->master, "AT+iRP4\r"));
	ASSERT_EQ(0, PEER_SAYS(self->master, "I/(12,-200,-200)\r\n"));
	ASSERT_EQ(0, inl_wait_result(&self->nl, cookie, 3000, &r));
	EXPECT_EQ(ICHIP_STATUS_OK, r.status);
	EXPECT_STREQ("(12,-200,-200)", r.text);
	inl_result_free(&r);

	/* a module error comes back with its code */
	ASSERT_EQ(0, inl_exec(&self->nl, self->d.index, "AT+iSSL:3", NULL, 0,
			      0, &cookie));
	ASSERT_TRUE(PEER_HEARS(self->master, "AT+iSSL:3\r"));
	ASSERT_EQ(0, PEER_SAYS(self->master, "I/ERROR (221)\r\n"));
	ASSERT_EQ(0, inl_wait_result(&self->nl, cookie, 3000, &r));
	EXPECT_EQ(ICHIP_STATUS_ERROR, r.status);
	EXPECT_EQ(221, r.module_error);
	inl_result_free(&r);

	/* a multi-line query */
	ASSERT_EQ(0, inl_exec(&self->nl, self->d.index, "AT+iCA?", NULL, 0,
			      0, &cookie));
	ASSERT_TRUE(PEER_HEARS(self->master, "AT+iCA?\r"));
	ASSERT_EQ(0, PEER_SAYS(self->master,
			       "CN=x\r\n-----BEGIN CERTIFICATE-----\r\nI/OK\r\n"));
	ASSERT_EQ(0, inl_wait_result(&self->nl, cookie, 3000, &r));
	EXPECT_STREQ("CN=x\n-----BEGIN CERTIFICATE-----", r.text);
	inl_result_free(&r);

	/* base64 that looks like replies is the certificate's own */
	ASSERT_EQ(0, inl_exec(&self->nl, self->d.index, "AT+iCA?", NULL, 0,
			      0, &cookie));
	ASSERT_TRUE(PEER_HEARS(self->master, "AT+iCA?\r"));
	ASSERT_EQ(0, PEER_SAYS(self->master,
			       "-----BEGIN CERTIFICATE-----\r\nI/cJm7ic\r\n"
			       "abc+I/OK\r\n-----END CERTIFICATE-----\r\n"
			       "I/OK\r\n"));
	ASSERT_EQ(0, inl_wait_result(&self->nl, cookie, 3000, &r));
	EXPECT_STREQ("-----BEGIN CERTIFICATE-----\nI/cJm7ic\nabc+I/OK\n"
		     "-----END CERTIFICATE-----", r.text);
	inl_result_free(&r);
}

TEST_F(dev, binary_ssnd_and_srcv)
{
	static const uint8_t payload[] = "I/OK\r\n\0\xff+++I/ERROR\r\n";
	size_t n = sizeof(payload) - 1;
	struct inl_result r;
	uint64_t cookie;
	char cmd[64], want[128], reply[128];
	size_t wl, rl;

	snprintf(cmd, sizeof(cmd), "AT+iSSND%%:0,%zu", n);
	ASSERT_EQ(0, inl_exec(&self->nl, self->d.index, cmd, payload, n, 0,
			      &cookie));
	wl = (size_t)snprintf(want, sizeof(want), "%s:", cmd);
	memcpy(want + wl, payload, n);
	ASSERT_TRUE(peer_expect(self->master, want, wl + n));
	ASSERT_EQ(0, PEER_SAYS(self->master, "I/OK\r\n"));
	ASSERT_EQ(0, inl_wait_result(&self->nl, cookie, 3000, &r));
	EXPECT_EQ(ICHIP_STATUS_OK, r.status);
	inl_result_free(&r);

	ASSERT_EQ(0, inl_exec(&self->nl, self->d.index, "AT+iSRCV:0,100",
			      NULL, 0, 0, &cookie));
	ASSERT_TRUE(PEER_HEARS(self->master, "AT+iSRCV:0,100\r"));
	rl = (size_t)snprintf(reply, sizeof(reply), "I/%zu:", n);
	memcpy(reply + rl, payload, n);
	memcpy(reply + rl + n, "\r\nI/DONE\r\n", 10);
	ASSERT_EQ(0, peer_write(self->master, reply, rl + n + 10));
	ASSERT_EQ(0, inl_wait_result(&self->nl, cookie, 3000, &r));
	EXPECT_EQ(ICHIP_STATUS_OK, r.status);
	ASSERT_EQ(n, r.data_len);
	EXPECT_EQ(0, memcmp(payload, r.data, n));
	inl_result_free(&r);
}

TEST_F(dev, largest_payload_both_ways)
{
	size_t n = ICHIP_DATA_LEN_MAX;
	uint8_t *payload = malloc(n), *wire = malloc(n + 64);
	struct inl_result r;
	uint64_t cookie;
	char cmd[64];
	size_t i, hl;

	ASSERT_TRUE(payload && wire);
	for (i = 0; i < n; i++)
		payload[i] = (uint8_t)(i * 7 + (i >> 8));
	snprintf(cmd, sizeof(cmd), "AT+iSSND:1,%zu", n);
	ASSERT_EQ(0, inl_exec(&self->nl, self->d.index, cmd, payload, n, 0,
			      &cookie));
	hl = strlen(cmd) + 1;
	ASSERT_EQ((ssize_t)(hl + n), peer_read(self->master, wire, hl + n,
					       5000));
	EXPECT_EQ(0, memcmp(wire + hl, payload, n));
	ASSERT_EQ(0, PEER_SAYS(self->master, "I/OK\r\n"));
	ASSERT_EQ(0, inl_wait_result(&self->nl, cookie, 3000, &r));
	EXPECT_EQ(ICHIP_STATUS_OK, r.status);
	inl_result_free(&r);

	ASSERT_EQ(0, inl_exec(&self->nl, self->d.index, "AT+iSRCV:1", NULL,
			      0, 0, &cookie));
	ASSERT_TRUE(PEER_HEARS(self->master, "AT+iSRCV:1\r"));
	hl = (size_t)sprintf((char *)wire, "I/%zu:", n);
	memcpy(wire + hl, payload, n);
	ASSERT_EQ(0, peer_write(self->master, wire, hl + n));
	ASSERT_EQ(0, inl_wait_result(&self->nl, cookie, 5000, &r));
	ASSERT_EQ(n, r.data_len);
	EXPECT_EQ(0, memcmp(payload, r.data, n));
	inl_result_free(&r);
	free(payload);
	free(wire);
}

TEST_F(dev, oversize_srcv_reply_is_counted_not_overrun)
{
	size_t n = ICHIP_DATA_LEN_MAX + 100, hl;
	uint8_t *wire = malloc(n + 64);
	struct inl_result r;
	struct inl_dev d;
	uint64_t cookie;

	ASSERT_TRUE(wire != NULL);
	hl = (size_t)sprintf((char *)wire, "I/%zu:", n);
	memset(wire + hl, 'I', n);
	memcpy(wire + hl + n, "\r\n", 2);
	ASSERT_EQ(0, inl_exec(&self->nl, self->d.index, "AT+iSRCV:0", NULL, 0,
			      0, &cookie));
	ASSERT_TRUE(PEER_HEARS(self->master, "AT+iSRCV:0\r"));
	ASSERT_EQ(0, peer_write(self->master, wire, hl + n + 2));
	ASSERT_EQ(0, inl_wait_result(&self->nl, cookie, 5000, &r));
	EXPECT_EQ(ICHIP_STATUS_OVERFLOW, r.status);
	EXPECT_EQ(0, r.data_len);
	inl_result_free(&r);
	ASSERT_EQ(0, inl_dev_get(&self->nl, self->d.index, &d));
	EXPECT_LE(1, d.stats[ICHIP_A_STATS_OVERRUNS]);
	free(wire);
}

TEST_F(dev, bad_requests_get_named_errors)
{
	static const uint8_t five[5] = "abcde";
	uint32_t idx = self->d.index, bad = 424242, tiny = 1;
	char *big = malloc(ICHIP_CMD_LEN_MAX + 10);
	uint64_t cookie;

	EXPECT_EQ(-EINVAL, inl_exec(&self->nl, idx, "RP4", NULL, 0, 0,
				    &cookie));
	EXPECT_EQ(-EINVAL, inl_exec(&self->nl, idx, "AT+iRP4\nAT+iFD", NULL,
				    0, 0, &cookie));
	EXPECT_EQ(-EINVAL, inl_exec(&self->nl, idx, "AT+iSSND:0,4", five, 5,
				    0, &cookie));
	EXPECT_EQ(-EINVAL, inl_exec(&self->nl, idx, "AT+iRP4", five, 5, 0,
				    &cookie));
	EXPECT_EQ(-ENODEV, inl_exec(&self->nl, bad, "AT+i", NULL, 0, 0,
				    &cookie));
	/* missing attributes, timeout out of range, over-long command */
	EXPECT_EQ(-EINVAL, inl_exec_raw(&self->nl, NULL, "AT+i", 5, NULL,
					&cookie));
	EXPECT_EQ(-EINVAL, inl_exec_raw(&self->nl, &idx, NULL, 0, NULL,
					&cookie));
	EXPECT_GT(0, inl_exec_raw(&self->nl, &idx, "AT+i", 5, &tiny,
				  &cookie));
	ASSERT_TRUE(big != NULL);
	memcpy(big, "AT+iX=", 6);
	memset(big + 6, 'a', ICHIP_CMD_LEN_MAX + 4);
	EXPECT_GT(0, inl_exec_raw(&self->nl, &idx, big,
				  ICHIP_CMD_LEN_MAX + 10, NULL, &cookie));
	free(big);
	/* none of it reached the wire */
	EXPECT_TRUE(peer_silent(self->master, 200));
}

TEST_F(dev, timeout_then_resync)
{
	struct inl_result r;
	struct inl_dev d;
	uint64_t cookie, next;

	ASSERT_EQ(0, inl_exec(&self->nl, self->d.index, "AT+iRP4", NULL, 0,
			      200, &cookie));
	ASSERT_EQ(0, inl_exec(&self->nl, self->d.index, "AT+iRP7", NULL, 0,
			      0, &next));
	ASSERT_TRUE(PEER_HEARS(self->master, "AT+iRP4\r"));
	/* no answer: the command fails, then a bare AT+i resyncs */
	ASSERT_EQ(0, inl_wait_result(&self->nl, cookie, 3000, &r));
	EXPECT_EQ(ICHIP_STATUS_FAILED, r.status);
	EXPECT_EQ(ETIMEDOUT, r.err);
	inl_result_free(&r);
	ASSERT_TRUE(PEER_HEARS(self->master, "AT+i\r"));
	ASSERT_EQ(0, inl_dev_get(&self->nl, self->d.index, &d));
	EXPECT_EQ(ICHIP_DEV_STATE_RESYNC, d.state);
	ASSERT_EQ(0, PEER_SAYS(self->master, "I/OK\r\n"));
	/* the queue carries on */
	ASSERT_TRUE(PEER_HEARS(self->master, "AT+iRP7\r"));
	ASSERT_EQ(0, PEER_SAYS(self->master, "I/0001\r\n"));
	ASSERT_EQ(0, inl_wait_result(&self->nl, next, 3000, &r));
	EXPECT_EQ(ICHIP_STATUS_OK, r.status);
	EXPECT_STREQ("0001", r.text);
	inl_result_free(&r);
	ASSERT_EQ(0, inl_dev_get(&self->nl, self->d.index, &d));
	EXPECT_EQ(1, d.stats[ICHIP_A_STATS_TIMEOUTS]);
	EXPECT_EQ(1, d.stats[ICHIP_A_STATS_RESYNCS]);
	EXPECT_EQ(ICHIP_DEV_STATE_IDLE, d.state);
}

TEST_F_TIMEOUT(dev, resync_gives_up_then_recovers, 60)
{
	struct inl_result r;
	struct inl_dev d;
	uint64_t first, queued;
	char drain[256];

	ASSERT_EQ(0, inl_exec(&self->nl, self->d.index, "AT+iRP4", NULL, 0,
			      100, &first));
	ASSERT_EQ(0, inl_exec(&self->nl, self->d.index, "AT+iRP7", NULL, 0,
			      0, &queued));
	ASSERT_EQ(0, inl_wait_result(&self->nl, first, 3000, &r));
	EXPECT_EQ(ETIMEDOUT, r.err);
	inl_result_free(&r);
	/* three silent pings (1 s each): the queue fails with EIO */
	ASSERT_EQ(0, inl_wait_result(&self->nl, queued, 8000, &r));
	EXPECT_EQ(ICHIP_STATUS_FAILED, r.status);
	EXPECT_EQ(EIO, r.err);
	inl_result_free(&r);
	ASSERT_EQ(0, inl_dev_get(&self->nl, self->d.index, &d));
	EXPECT_EQ(ICHIP_DEV_STATE_UNRESPONSIVE, d.state);
	EXPECT_EQ(3, d.stats[ICHIP_A_STATS_RESYNCS]);

	/* the later pings came padded with CRs (for a stale SSND): drain */
	while (peer_read(self->master, drain, sizeof(drain), 300) > 0)
		;
	/* the next command first pings; a live module brings it back */
	ASSERT_EQ(0, inl_exec(&self->nl, self->d.index, "AT+iRP7", NULL, 0,
			      0, &queued));
	ASSERT_TRUE(PEER_HEARS(self->master, "AT+i\r"));
	ASSERT_EQ(0, PEER_SAYS(self->master, "I/OK\r\n"));
	ASSERT_TRUE(PEER_HEARS(self->master, "AT+iRP7\r"));
	ASSERT_EQ(0, PEER_SAYS(self->master, "I/0000\r\n"));
	ASSERT_EQ(0, inl_wait_result(&self->nl, queued, 3000, &r));
	EXPECT_EQ(ICHIP_STATUS_OK, r.status);
	inl_result_free(&r);
}

/*
 * Read until @tail arrives; the bytes before it must all be @fill.  Reads
 * whole chunks: a byte per read() is too slow for the module's 1 s ping
 * timeout on a debug (KASAN, lockdep) kernel under TCG.
 */
static ssize_t peer_read_until(int fd, const char *tail, char fill,
			       int timeout_ms, int *clean)
{
	size_t tl = strlen(tail), got = 0, cap = 1 << 17;
	char *buf = malloc(cap);
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	ssize_t r;

	*clean = 1;
	while (buf && got < cap) {
		if (poll(&pfd, 1, timeout_ms) <= 0)
			break;
		r = read(fd, buf + got, cap - got);
		if (r < 0 && errno == EAGAIN)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
		if (got >= tl && !memcmp(buf + got - tl, tail, tl))
			break;
	}
	for (size_t i = 0; buf && got >= tl && i < got - tl; i++)
		if (buf[i] != fill)
			*clean = 0;
	free(buf);
	return (ssize_t)got;
}

TEST_F(dev, resync_pads_out_a_stale_payload)
{
	struct inl_result r;
	struct inl_dev d;
	uint64_t cookie;
	ssize_t n;
	int clean;

	/* the module is busy swallowing a payload a dead host left */
	ASSERT_EQ(0, inl_exec(&self->nl, self->d.index, "AT+iRP4", NULL, 0,
			      100, &cookie));
	ASSERT_EQ(0, inl_wait_result(&self->nl, cookie, 3000, &r));
	EXPECT_EQ(ETIMEDOUT, r.err);
	inl_result_free(&r);
	ASSERT_TRUE(PEER_HEARS(self->master, "AT+iRP4\r"));
	ASSERT_TRUE(PEER_HEARS(self->master, "AT+i\r"));	/* swallowed */
	/* the second ping comes padded: a payload of up to 32 KiB ends */
	n = peer_read_until(self->master, "AT+i\r", '\r', 3000, &clean);
	EXPECT_EQ(ICHIP_DATA_LEN_MAX + 5, n);
	EXPECT_TRUE(clean);
	ASSERT_EQ(0, PEER_SAYS(self->master, "I/OK\r\n"));
	usleep(100000);
	ASSERT_EQ(0, inl_dev_get(&self->nl, self->d.index, &d));
	EXPECT_EQ(ICHIP_DEV_STATE_IDLE, d.state);
	EXPECT_EQ(2, d.stats[ICHIP_A_STATS_RESYNCS]);
}

TEST_F(dev, queue_full_then_detach_fails_all)
{
	struct inl_dev d;
	uint64_t cookies[512], extra;
	unsigned int i, max;
	struct inl_result r;

	max = self->d.queue_max;
	ASSERT_LE(max, 512);
	for (i = 0; i < max; i++)
		ASSERT_EQ(0, inl_exec(&self->nl, self->d.index, "AT+iRP4",
				      NULL, 0, 60000, &cookies[i]));
	EXPECT_EQ(-EBUSY, inl_exec(&self->nl, self->d.index, "AT+iRP4", NULL,
				   0, 0, &extra));
	ASSERT_EQ(0, inl_dev_get(&self->nl, self->d.index, &d));
	EXPECT_EQ(max, d.queue_depth);
	EXPECT_EQ(ICHIP_DEV_STATE_BUSY, d.state);

	/* detaching fails every queued command, none is lost silently */
	ASSERT_EQ(0, detach(self->slave));
	for (i = 0; i < max; i++) {
		ASSERT_EQ(0, inl_wait_result(&self->nl, cookies[i], 3000, &r));
		EXPECT_EQ(ICHIP_STATUS_FAILED, r.status);
		EXPECT_EQ(ENODEV, r.err);
		inl_result_free(&r);
	}
	EXPECT_EQ(-ENOENT, inl_dev_find(&self->nl, self->name, &d));
}

TEST_F(dev, hangup_mid_frame)
{
	struct inl_result r;
	struct inl_dev d;
	uint64_t cookie;

	ASSERT_EQ(0, inl_exec(&self->nl, self->d.index, "AT+iSRCV:0", NULL,
			      0, 0, &cookie));
	ASSERT_TRUE(PEER_HEARS(self->master, "AT+iSRCV:0\r"));
	ASSERT_EQ(0, PEER_SAYS(self->master, "I/100:I/OK\r\n"));
	usleep(50000);
	close(self->master);	/* the module side goes away mid-payload */
	self->master = -1;
	ASSERT_EQ(0, inl_wait_result(&self->nl, cookie, 3000, &r));
	EXPECT_EQ(ICHIP_STATUS_FAILED, r.status);
	EXPECT_EQ(EPIPE, r.err);
	inl_result_free(&r);
	/* a pty hangup also kills the ldisc: the device is gone */
	EXPECT_EQ(-ENODEV, inl_dev_get(&self->nl, self->d.index, &d));
	EXPECT_EQ(-ENODEV, inl_exec(&self->nl, self->d.index, "AT+i", NULL, 0,
				    0, &cookie));
}

/* Queue 4 x 32 KiB while the peer never reads: TX waits for wakeup. */
static void queue_stuck_tx(struct __test_metadata *_metadata,
			   FIXTURE_DATA(dev) *self, uint64_t *cookies)
{
	size_t n = ICHIP_DATA_LEN_MAX;
	uint8_t *payload = calloc(1, n);
	char cmd[64];
	int i;

	ASSERT_TRUE(payload != NULL);
	snprintf(cmd, sizeof(cmd), "AT+iSSND:0,%zu", n);
	for (i = 0; i < 4; i++)
		ASSERT_EQ(0, inl_exec(&self->nl, self->d.index, cmd, payload,
				      n, 0, &cookies[i]));
	free(payload);
	usleep(100000);
}

static void expect_all_failed(struct __test_metadata *_metadata,
			      struct inl *nl, const uint64_t *cookies,
			      uint32_t err)
{
	struct inl_result r;
	int i;

	for (i = 0; i < 4; i++) {
		ASSERT_EQ(0, inl_wait_result(nl, cookies[i], 3000, &r));
		EXPECT_EQ(ICHIP_STATUS_FAILED, r.status);
		EXPECT_EQ(err, r.err);
		inl_result_free(&r);
	}
}

TEST_F(dev, detach_with_tx_pending)
{
	uint64_t cookies[4];

	queue_stuck_tx(_metadata, self, cookies);
	ASSERT_EQ(0, detach(self->slave));
	expect_all_failed(_metadata, &self->nl, cookies, ENODEV);
}

TEST_F(dev, close_with_tx_pending)
{
	uint64_t cookies[4];

	queue_stuck_tx(_metadata, self, cookies);
	/* the ldisc lives until both ends close; the master's close hangs up */
	close(self->slave);
	close(self->master);
	self->slave = self->master = -1;
	expect_all_failed(_metadata, &self->nl, cookies, EPIPE);
}

TEST_F(dev, garbage_and_oversize_lines)
{
	uint8_t junk[8192];
	struct inl_result r;
	struct inl_dev d;
	unsigned int seed = 7;
	uint64_t cookie;
	size_t i;

	for (i = 0; i < sizeof(junk); i++) {
		seed = seed * 1103515245u + 12345u;
		junk[i] = (uint8_t)(seed >> 16);
	}
	ASSERT_EQ(0, peer_write(self->master, junk, sizeof(junk)));
	memset(junk, 'x', sizeof(junk));	/* a line of 8 KiB */
	ASSERT_EQ(0, peer_write(self->master, junk, sizeof(junk)));
	ASSERT_EQ(0, PEER_SAYS(self->master, "\r\n"));
	usleep(100000);
	/* the link still works */
	ASSERT_EQ(0, inl_exec(&self->nl, self->d.index, "AT+iRP7", NULL, 0, 0,
			      &cookie));
	ASSERT_TRUE(PEER_HEARS(self->master, "AT+iRP7\r"));
	ASSERT_EQ(0, PEER_SAYS(self->master, "I/0002\r\n"));
	ASSERT_EQ(0, inl_wait_result(&self->nl, cookie, 3000, &r));
	EXPECT_STREQ("0002", r.text);
	inl_result_free(&r);
	ASSERT_EQ(0, inl_dev_get(&self->nl, self->d.index, &d));
	EXPECT_LE(1, d.stats[ICHIP_A_STATS_OVERRUNS]);
	EXPECT_LE(sizeof(junk) * 2, d.stats[ICHIP_A_STATS_RX_BYTES]);
	EXPECT_LE(1, d.stats[ICHIP_A_STATS_UNSOLICITED]);
}

TEST_F(dev, two_clients_interleave)
{
	struct inl other;
	uint64_t a[8], b[8];
	struct inl_result r;
	char reply[32];
	int i;

	ASSERT_EQ(0, inl_open(&other));
	for (i = 0; i < 8; i++) {
		ASSERT_EQ(0, inl_exec(&self->nl, self->d.index, "AT+iRP7",
				      NULL, 0, 0, &a[i]));
		ASSERT_EQ(0, inl_exec(&other, self->d.index, "AT+iRP7", NULL,
				      0, 0, &b[i]));
	}
	/* one command on the wire at a time, in arrival order */
	for (i = 0; i < 16; i++) {
		ASSERT_TRUE(PEER_HEARS(self->master, "AT+iRP7\r"));
		snprintf(reply, sizeof(reply), "I/%04d\r\n", i);
		ASSERT_EQ(0, peer_write(self->master, reply, strlen(reply)));
	}
	for (i = 0; i < 8; i++) {
		ASSERT_EQ(0, inl_wait_result(&self->nl, a[i], 3000, &r));
		snprintf(reply, sizeof(reply), "%04d", 2 * i);
		EXPECT_STREQ(reply, r.text);
		inl_result_free(&r);
		ASSERT_EQ(0, inl_wait_result(&other, b[i], 3000, &r));
		snprintf(reply, sizeof(reply), "%04d", 2 * i + 1);
		EXPECT_STREQ(reply, r.text);
		inl_result_free(&r);
	}
	/* nobody got the other's results */
	inl_poll(&self->nl, 100);
	inl_poll(&other, 100);
	EXPECT_EQ(0, self->nl.nresults);
	EXPECT_EQ(0, other.nresults);
	inl_close(&other);
}

TEST_F(dev, monitor_and_events)
{
	struct inl mon;
	struct inl_event ev;
	struct inl_result r;
	int seen_tx = 0, seen_rx = 0, seen_unsol = 0, i;

	ASSERT_EQ(0, inl_open(&mon));
	ASSERT_EQ(0, inl_join(&mon, ICHIP_MCGRP_MONITOR));
	ASSERT_EQ(0, inl_join(&mon, ICHIP_MCGRP_EVENTS));
	ASSERT_EQ(0, PEER_SAYS(self->master, "I/DONE\r\n"));
	ASSERT_EQ(0, run_exec_answered(&self->nl, self->d.index,
				       self->master, &r));
	inl_result_free(&r);
	for (i = 0; i < 20 && !(seen_tx && seen_rx && seen_unsol); i++) {
		if (inl_next_event(&mon, 1000, &ev))
			break;
		if (ev.cmd == ICHIP_CMD_MONITOR && ev.dev == self->d.index) {
			if (ev.dir == ICHIP_MON_DIR_TX && ev.data_len == 8 &&
			    !memcmp(ev.data, "AT+iRP7\r", 8))
				seen_tx = 1;
			if (ev.dir == ICHIP_MON_DIR_RX)
				seen_rx = 1;
		}
		if (ev.cmd == ICHIP_CMD_DEV_STATE &&
		    ev.event == ICHIP_DEV_EVENT_UNSOLICITED && ev.text &&
		    !strcmp(ev.text, "I/DONE"))
			seen_unsol = 1;
		inl_event_free(&ev);
	}
	EXPECT_TRUE(seen_tx);
	EXPECT_TRUE(seen_rx);
	EXPECT_TRUE(seen_unsol);

	/* detach is announced */
	ASSERT_EQ(0, detach(self->slave));
	for (i = 0; i < 20; i++) {
		ASSERT_EQ(0, inl_next_event(&mon, 2000, &ev));
		if (ev.cmd == ICHIP_CMD_DEV_DEL) {
			inl_event_free(&ev);
			break;
		}
		inl_event_free(&ev);
	}
	EXPECT_GT(20, i);
	inl_close(&mon);
}

/* ---- privileges ------------------------------------------------------ */

TEST(unprivileged_attach_refused)
{
	int master, slave, status;
	char name[32];
	pid_t pid;

	ASSERT_EQ(0, open_pty(&master, &slave, name, sizeof(name)));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		drop_privileges();
		exit(attach(slave) == -EPERM ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	/* and with the capability it works */
	EXPECT_EQ(0, attach(slave));
	close(slave);
	close(master);
}

TEST_F(dev, unprivileged_exec_and_mcast_refused)
{
	int status;
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct inl nl;
		struct inl_dev d;
		uint64_t cookie;
		int bad = 0;

		drop_privileges();
		if (inl_open(&nl))
			exit(98);
		/* reading is fine, acting and listening are not */
		if (inl_dev_get(&nl, self->d.index, &d))
			bad |= 1;
		if (inl_exec(&nl, self->d.index, "AT+i", NULL, 0, 0,
			     &cookie) != -EPERM)
			bad |= 2;
		if (inl_join(&nl, ICHIP_MCGRP_MONITOR) != -EPERM)
			bad |= 4;
		if (inl_join(&nl, ICHIP_MCGRP_EVENTS) != -EPERM)
			bad |= 8;
		exit(bad);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_TRUE(peer_silent(self->master, 100));
}

/* ---- lifetimes -------------------------------------------------------- */

FIXTURE(cycles) {
	int unused;
};

FIXTURE_SETUP(cycles)
{
}

FIXTURE_TEARDOWN(cycles)
{
}

TEST_F_TIMEOUT(cycles, attach_detach_10000, 300)
{
	int master, slave, i, fails = 0;
	char name[32];
	struct inl nl;
	struct inl_dev d;
	uint64_t cookie;
	struct inl_result r;

	ASSERT_EQ(0, open_pty(&master, &slave, name, sizeof(name)));
	ASSERT_EQ(0, inl_open(&nl));
	for (i = 0; i < 10000; i++) {
		if (attach(slave) || detach(slave))
			fails++;
		/* every 1000th time, with a command queued on the way out */
		if (i % 1000 == 0) {
			ASSERT_EQ(0, attach(slave));
			ASSERT_EQ(0, inl_dev_find(&nl, name, &d));
			ASSERT_EQ(0, inl_exec(&nl, d.index, "AT+iRP4", NULL, 0,
					      0, &cookie));
			ASSERT_EQ(0, detach(slave));
			ASSERT_EQ(0, inl_wait_result(&nl, cookie, 3000, &r));
			EXPECT_EQ(ENODEV, r.err);
			inl_result_free(&r);
		}
	}
	EXPECT_EQ(0, fails);
	EXPECT_EQ(-ENOENT, inl_dev_find(&nl, name, &d));
	inl_close(&nl);
	close(slave);
	close(master);
}

TEST_HARNESS_MAIN
