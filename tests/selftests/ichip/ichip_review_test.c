// SPDX-License-Identifier: GPL-2.0-only
// SPDX-FileCopyrightText: 2026 The ichip authors
/*
 * kselftests for the findings of the tty/netlink review of n_ichip
 * (issue 13).  Each failed on the module before its fix; the finding's
 * number is in the comment above its test.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "ichip_nl.h"
#include "ichip_peer.h"
#include "ichip_raw.h"

#include "ichip_fixture.h"

/*
 * 1: a command outlives the socket that sent it.  Any user may bind() the
 * freed portid; the RESULT (an SRCV payload here) must not reach it.
 */
TEST_F(dev, result_not_sent_to_recycled_portid)
{
	int to_parent[2], ready[2], status;
	struct inl_dev d;
	uint32_t port;
	pid_t sender, thief;
	char c;

	ASSERT_EQ(0, pipe(to_parent));
	ASSERT_EQ(0, pipe(ready));
	sender = fork();
	ASSERT_LE(0, sender);
	if (sender == 0) {
		struct inl nl;
		uint64_t cookie;

		if (inl_open(&nl) ||
		    inl_exec(&nl, self->d.index, "AT+iSRCV:0", NULL, 0, 10000,
			     &cookie))
			exit(1);
		port = inl_port(&nl);
		if (write(to_parent[1], &port, sizeof(port)) != sizeof(port))
			exit(2);
		exit(0);	/* the socket closes with the process */
	}
	ASSERT_EQ(sizeof(port), read(to_parent[0], &port, sizeof(port)));
	ASSERT_EQ(sender, waitpid(sender, &status, 0));
	ASSERT_EQ(0, status);
	ASSERT_TRUE(PEER_HEARS(self->master, "AT+iSRCV:0\r"));

	thief = fork();
	ASSERT_LE(0, thief);
	if (thief == 0) {
		struct inl nl;

		drop_privileges();
		if (inl_open_port(&nl, port) || inl_port(&nl) != port)
			exit(98);
		if (write(ready[1], "r", 1) != 1)
			exit(97);
		inl_poll(&nl, 1500);
		exit(nl.nresults ? 1 : 0);
	}
	ASSERT_EQ(1, read(ready[0], &c, 1));
	ASSERT_EQ(0, PEER_SAYS(self->master, "I/6:secret\r\n"));
	ASSERT_EQ(thief, waitpid(thief, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));	/* 1: the payload leaked */
	ASSERT_EQ(0, inl_dev_get(&self->nl, self->d.index, &d));
	EXPECT_EQ(1, d.stats[ICHIP_A_STATS_RESULTS_LOST]);
	EXPECT_EQ(0, d.queue_depth);
}

/*
 * 2: the module answers an SSND after its header (I/ERROR 203).  The
 * payload the tty driver still holds must never reach it: a payload
 * holding "\rAT+iFD\r" would factory-reset it.  Then a resync ping.
 *
 * What the driver already passed on is not recalled (a UART's FIFO; for
 * a pty, the peer's own read buffer: at most N_TTY_BUF_SIZE - 1 bytes
 * beyond what the peer read).  So the peer sees at most 4095 more bytes
 * of the payload, in order, then "AT+i\r"; before the fix it saw the
 * whole 32 KiB.
 */
TEST_F(dev, early_ssnd_answer_flushes_payload)
{
	static const char hdr[] = "AT+iSSND:0,32768:";
	size_t n = ICHIP_DATA_LEN_MAX, i, got, k;
	uint8_t *payload = malloc(n), *rest = malloc(n + 64);
	struct inl_result r;
	struct inl_dev d;
	uint64_t cookie;

	ASSERT_TRUE(payload && rest);
	for (i = 0; i < n; i += 8)
		memcpy(payload + i, "\rAT+iFD\r", 8);
	ASSERT_EQ(0, inl_exec(&self->nl, self->d.index, "AT+iSSND:0,32768",
			      payload, n, 0, &cookie));
	ASSERT_TRUE(peer_expect(self->master, hdr, sizeof(hdr) - 1));
	ASSERT_EQ(0, PEER_SAYS(self->master, "I/ERROR (203)\r\n"));
	ASSERT_EQ(0, inl_wait_result(&self->nl, cookie, 3000, &r));
	EXPECT_EQ(ICHIP_STATUS_ERROR, r.status);
	EXPECT_EQ(203, r.module_error);
	inl_result_free(&r);
	got = (size_t)peer_read(self->master, rest, n + 64, 500);
	TH_LOG("after the answer: %zu bytes", got);
	ASSERT_LE(5, got);
	k = got - 5;
	EXPECT_GE(4095, k);
	EXPECT_EQ(0, memcmp(rest, payload, k));
	EXPECT_EQ(0, memcmp(rest + k, "AT+i\r", 5));
	ASSERT_EQ(0, PEER_SAYS(self->master, "I/OK\r\n"));
	usleep(100000);
	ASSERT_EQ(0, inl_dev_get(&self->nl, self->d.index, &d));
	EXPECT_EQ(ICHIP_DEV_STATE_IDLE, d.state);
	EXPECT_EQ(1, d.stats[ICHIP_A_STATS_RESYNCS]);
	free(payload);
	free(rest);
}

/*
 * 3: EXECs from a socket whose receive buffer is full of unread replies.
 * A command whose cookie reply could not be delivered must not run: the
 * client saw an error (ENOBUFS), a retry would run it twice.
 */
TEST_F(dev, exec_reply_lost_means_not_queued)
{
	struct raw_part p = { 0 };
	struct inl_dev d;
	int fd, i;

	fd = raw_open(1);	/* the kernel rounds it up to its minimum */
	ASSERT_LE(0, fd);
	for (i = 0; i < 16; i++)
		ASSERT_EQ(0, raw_exec(fd, self->nl.family, self->d.index,
				      "AT+iRP7", 60000));
	while (raw_recv(fd, 65536, 200, &p) != -ETIMEDOUT)
		;
	ASSERT_EQ(0, inl_dev_get(&self->nl, self->d.index, &d));
	TH_LOG("%u of 16 cookies delivered, queue depth %u", p.nexec,
	       d.queue_depth);
	ASSERT_GT(16, p.nexec);		/* the buffer did fill up */
	EXPECT_EQ(p.nexec, d.queue_depth);
	close(fd);
}

/* 4: after unplug and replug, the old index names nothing. */
TEST(index_not_reused_after_detach)
{
	int ma, sa, mb, sb;
	char na[32], nb[32];
	struct inl nl;
	struct inl_dev a, b;
	uint64_t cookie;

	ASSERT_EQ(0, inl_open(&nl));
	ASSERT_EQ(0, open_pty(&ma, &sa, na, sizeof(na)));
	ASSERT_EQ(0, open_pty(&mb, &sb, nb, sizeof(nb)));
	ASSERT_EQ(0, attach(sa));
	ASSERT_EQ(0, inl_dev_find(&nl, na, &a));
	ASSERT_EQ(0, detach(sa));
	ASSERT_EQ(0, attach(sb));
	ASSERT_EQ(0, inl_dev_find(&nl, nb, &b));
	EXPECT_NE(a.index, b.index);
	EXPECT_EQ(-ENODEV, inl_exec(&nl, a.index, "AT+iRP7", NULL, 0, 0,
				    &cookie));
	EXPECT_EQ(-ENODEV, inl_dev_get(&nl, a.index, &a));
	EXPECT_TRUE(peer_silent(mb, 100));
	inl_close(&nl);
	close(sa);
	close(ma);
	close(sb);
	close(mb);
}

/*
 * 6: a serial tty (8250; pty slaves reset termios on hangup anyway) hangs
 * up while attached and while a second descriptor keeps it open.  The
 * next open reinstalls termios.c_line: it must be N_TTY, so root's open
 * does not silently re-attach and a user who may not attach gets a tty,
 * not EPERM, and no device.
 */
TEST(reopen_after_hangup_gets_n_tty)
{
	static const char tty[] = "/dev/ttyS1";
	struct inl nl;
	struct inl_dev d;
	int fd, keep, ld, status;
	pid_t pid;

	fd = open(tty, O_RDWR | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		SKIP(return, "%s: %s (the VM gives it a second UART)", tty,
		     strerror(errno));
	keep = open(tty, O_RDWR | O_NOCTTY | O_NONBLOCK);
	ASSERT_LE(0, keep);
	ASSERT_EQ(0, chmod(tty, 0666));
	ASSERT_EQ(0, inl_open(&nl));
	ASSERT_EQ(0, attach(fd));
	ASSERT_EQ(0, inl_dev_find(&nl, "ttyS1", &d));
	ASSERT_EQ(0, ioctl(fd, TIOCVHANGUP));
	EXPECT_EQ(-ENODEV, inl_dev_get(&nl, d.index, &d));

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		drop_privileges();
		fd = open(tty, O_RDWR | O_NOCTTY | O_NONBLOCK);
		if (fd < 0)
			exit(errno & 0x7f);
		if (ioctl(fd, TIOCGETD, &ld) || ld != N_TTY)
			exit(0x80);
		close(fd);
		exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	/* an errno: the open failed (EPERM from the ldisc open) */
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(-ENOENT, inl_dev_find(&nl, "ttyS1", &d));

	/* root's reopen does not re-attach either */
	fd = open(tty, O_RDWR | O_NOCTTY | O_NONBLOCK);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ioctl(fd, TIOCGETD, &ld));
	EXPECT_EQ(N_TTY, ld);
	EXPECT_EQ(-ENOENT, inl_dev_find(&nl, "ttyS1", &d));
	close(fd);
	close(keep);
	chmod(tty, 0600);
	inl_close(&nl);
}

/*
 * 7: the tty driver's write fails (an unplugged usb-serial adapter says
 * ENODEV or EIO).  No write_wakeup will ever come: the command must fail
 * at once with that errno, not after its (here ten-minute) timeout.
 * ttyFAULT0 is the selftests' ichip_faulty_tty module.
 */
static int set_fault(int err)
{
	static const char path[] =
		"/sys/module/ichip_faulty_tty/parameters/fail_errno";
	char buf[16];
	int fd = open(path, O_WRONLY), n, ok;

	if (fd < 0)
		return -errno;
	n = snprintf(buf, sizeof(buf), "%d", err);
	ok = write(fd, buf, (size_t)n) == n;
	close(fd);
	return ok ? 0 : -EIO;
}

TEST(tty_write_error_fails_at_once)
{
	struct inl_result r;
	struct inl_dev d;
	struct inl nl;
	uint64_t cookie;
	int fd;

	fd = open("/dev/ttyFAULT0", O_RDWR | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		SKIP(return, "/dev/ttyFAULT0: %s (ichip_faulty_tty not loaded)",
		     strerror(errno));
	ASSERT_EQ(0, inl_open(&nl));
	ASSERT_EQ(0, attach(fd));
	ASSERT_EQ(0, inl_dev_find(&nl, "ttyFAULT0", &d));
	ASSERT_EQ(0, set_fault(EIO));
	ASSERT_EQ(0, inl_exec(&nl, d.index, "AT+iRP7", NULL, 0, 600000,
			      &cookie));
	ASSERT_EQ(0, inl_wait_result(&nl, cookie, 3000, &r));
	EXPECT_EQ(ICHIP_STATUS_FAILED, r.status);
	EXPECT_EQ(EIO, r.err);
	inl_result_free(&r);
	/* the resync pings fail the same way: the module is unreachable */
	ASSERT_EQ(0, inl_dev_get(&nl, d.index, &d));
	EXPECT_EQ(ICHIP_DEV_STATE_UNRESPONSIVE, d.state);
	EXPECT_EQ(0, d.queue_depth);
	/* writes work again: the next EXEC goes out (after a resync ping) */
	ASSERT_EQ(0, set_fault(0));
	ASSERT_EQ(0, inl_exec(&nl, d.index, "AT+iRP7", NULL, 0, 0, &cookie));
	ASSERT_EQ(0, inl_dev_get(&nl, d.index, &d));
	EXPECT_EQ(ICHIP_DEV_STATE_RESYNC, d.state);
	EXPECT_LT(0, d.stats[ICHIP_A_STATS_TX_BYTES]);
	inl_close(&nl);
	close(fd);
}

/*
 * 12: the documented order on the client's socket.  A command that fails
 * at once (the tty write fails) is the one case where the RESULT comes
 * before the ACK; the reply with the cookie always comes first.
 */
TEST(reply_result_ack_order)
{
	struct raw_part p = { 0 };
	struct inl_dev d;
	struct inl nl;
	int fd, tty;

	tty = open("/dev/ttyFAULT0", O_RDWR | O_NOCTTY | O_NONBLOCK);
	if (tty < 0)
		SKIP(return, "/dev/ttyFAULT0: %s (ichip_faulty_tty not loaded)",
		     strerror(errno));
	ASSERT_EQ(0, inl_open(&nl));
	ASSERT_EQ(0, attach(tty));
	ASSERT_EQ(0, inl_dev_find(&nl, "ttyFAULT0", &d));
	fd = raw_open(0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, set_fault(EIO));
	ASSERT_EQ(0, raw_exec_ack(fd, nl.family, d.index, "AT+iRP7", 600000));
	while (p.norder < 3 && raw_recv(fd, 65536, 2000, &p) > 0)
		;
	ASSERT_EQ(0, set_fault(0));
	TH_LOG("order %s", p.order);
	EXPECT_STREQ("XRA", p.order);
	close(fd);
	ASSERT_EQ(0, detach(tty));
	inl_close(&nl);
	close(tty);
}

/*
 * 8: attach publishes the device only when it is set up.  ttyFAULT0's
 * flush_buffer (which n_ichip's open calls) sleeps a second; while it
 * does, the open has not finished and a dump must not list the device
 * (an EXEC then would write bytes the flush drops, or use work items not
 * yet initialised).
 */
static int read_param(const char *name)
{
	char path[128], buf[16] = "";
	int fd, n;

	snprintf(path, sizeof(path),
		 "/sys/module/ichip_faulty_tty/parameters/%s", name);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	n = (int)read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n > 0 ? atoi(buf) : -1;
}

static int write_param(const char *name, const char *val)
{
	char path[128];
	int fd, ok;

	snprintf(path, sizeof(path),
		 "/sys/module/ichip_faulty_tty/parameters/%s", name);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	ok = write(fd, val, strlen(val)) == (ssize_t)strlen(val);
	close(fd);
	return ok ? 0 : -EIO;
}

TEST(listed_only_when_set_up)
{
	struct inl_dev d;
	struct inl nl;
	int fd, i, status, inside;
	pid_t pid;

	fd = open("/dev/ttyFAULT0", O_RDWR | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		SKIP(return, "/dev/ttyFAULT0: %s (ichip_faulty_tty not loaded)",
		     strerror(errno));
	ASSERT_EQ(0, inl_open(&nl));
	ASSERT_EQ(0, write_param("flush_delay_ms", "1000"));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		exit(attach(fd) ? 1 : 0);
	for (i = 0; i < 500 && read_param("flushing") != 1; i++)
		usleep(10000);
	ASSERT_EQ(1, read_param("flushing"));
	EXPECT_EQ(-ENOENT, inl_dev_find(&nl, "ttyFAULT0", &d));
	inside = read_param("flushing") == 1;
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, status);
	ASSERT_EQ(0, write_param("flush_delay_ms", "0"));
	ASSERT_TRUE(inside);	/* the dump ran while the open was held */
	EXPECT_EQ(0, inl_dev_find(&nl, "ttyFAULT0", &d));
	ASSERT_EQ(0, detach(fd));
	inl_close(&nl);
	close(fd);
}

/*
 * 9: a device detached between two parts of a dump.  Resuming by
 * position skipped another device; by index nothing is skipped or
 * repeated, and the dump says it was interrupted.
 */
#define NSTABLE 64
TEST_F_TIMEOUT(dev, dump_resumes_by_index, 120)
{
	int m[NSTABLE], s[NSTABLE], seen[NSTABLE] = { 0 }, i, j, fd, parts = 0;
	struct inl_dev devs[NSTABLE];
	struct raw_part p = { 0 };
	char name[32];

	/* self->d (attached first: lowest index) is the one that goes */
	for (i = 0; i < NSTABLE; i++) {
		ASSERT_EQ(0, open_pty(&m[i], &s[i], name, sizeof(name)));
		ASSERT_EQ(0, attach(s[i]));
		ASSERT_EQ(0, inl_dev_find(&self->nl, name, &devs[i]));
	}
	fd = raw_open(0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, raw_dump_start(fd, self->nl.family));
	/* part 1 read; reading it made the kernel fill part 2 */
	ASSERT_LT(0, raw_recv(fd, 4096, 2000, &p));
	parts++;
	ASSERT_FALSE(p.done);
	ASSERT_EQ(0, detach(self->slave));
	while (!p.done && !p.err && parts < 100) {
		ASSERT_LT(0, raw_recv(fd, 4096, 2000, &p));
		parts++;
	}
	TH_LOG("%d parts, %u devices, intr %d", parts, p.ndev, p.intr);
	ASSERT_LE(3, parts);
	EXPECT_EQ(0, p.err);
	for (i = 0; i < (int)p.ndev; i++)
		for (j = 0; j < NSTABLE; j++)
			if (p.dev[i] == devs[j].index)
				seen[j]++;
	for (j = 0, i = 0; j < NSTABLE; j++) {
		if (seen[j] != 1) {
			TH_LOG("device %u seen %d times", devs[j].index,
			       seen[j]);
			i++;
		}
	}
	EXPECT_EQ(0, i);
	EXPECT_TRUE(p.intr);
	close(fd);
	for (i = 0; i < NSTABLE; i++) {
		close(s[i]);
		close(m[i]);
	}
}

/*
 * 10: a module (or line noise) spewing lines while nothing is in flight.
 * Every line is counted; events are rate-limited (a burst of 16, then 16
 * a second: Documentation/n_ichip.rst), and the link works.
 */
#define UNSOL_PER_S 16

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

TEST_F(dev, unsolicited_flood_is_bounded)
{
	static char flood[4000 * 8];
	struct inl mon;
	struct inl_event ev;
	struct inl_result r;
	struct inl_dev d;
	int i, events = 0, ret;
	double t0, elapsed;

	ASSERT_EQ(0, inl_open(&mon));
	ASSERT_EQ(0, inl_join(&mon, ICHIP_MCGRP_EVENTS));
	for (i = 0; i < 4000; i++)
		memcpy(flood + i * 8, "I/DONE\r\n", 8);
	t0 = now_s();
	ASSERT_EQ(0, peer_write(self->master, flood, sizeof(flood)));
	for (i = 0; i < 200; i++) {	/* until the module took all of it */
		ASSERT_EQ(0, inl_dev_get(&self->nl, self->d.index, &d));
		if (d.stats[ICHIP_A_STATS_UNSOLICITED] >= 4000)
			break;
		usleep(50000);
	}
	/* the events may span this long (plus the 500 ms drain below) */
	elapsed = now_s() - t0 + 0.5;
	for (;;) {
		ret = inl_next_event(&mon, 500, &ev);
		if (ret) {
			/* an overrun of a 1 MiB buffer: events unbounded */
			if (ret != -ETIMEDOUT) {
				TH_LOG("event socket overrun (%d)", ret);
				events = 1 << 30;
			}
			break;
		}
		if (ev.cmd == ICHIP_CMD_DEV_STATE &&
		    ev.event == ICHIP_DEV_EVENT_UNSOLICITED)
			events++;
		inl_event_free(&ev);
	}
	TH_LOG("%d events for %llu lines in %.1f s", events,
	       (unsigned long long)d.stats[ICHIP_A_STATS_UNSOLICITED],
	       elapsed);
	EXPECT_EQ(4000, d.stats[ICHIP_A_STATS_UNSOLICITED]);
	EXPECT_LE(1, events);
	EXPECT_GE(UNSOL_PER_S * (2 + (int)elapsed), events);
	inl_close(&mon);

	ASSERT_EQ(0, inl_exec(&self->nl, self->d.index, "AT+iRP7", NULL, 0, 0,
			      &r.cookie));
	ASSERT_TRUE(PEER_HEARS(self->master, "AT+iRP7\r"));
	ASSERT_EQ(0, PEER_SAYS(self->master, "I/0001\r\n"));
	ASSERT_EQ(0, inl_wait_result(&self->nl, r.cookie, 3000, &r));
	EXPECT_STREQ("0001", r.text);
	inl_result_free(&r);
}

/*
 * 10: received bytes alternating with line-error bytes (parity, framing:
 * a noisy line).  One monitor copy per received buffer, not one skb per
 * run between two flagged bytes.  ttyFAULT0 injects them (a pty cannot).
 */
TEST(line_errors_cost_no_message_each)
{
	struct inl mon, nl;
	struct inl_event ev;
	struct inl_dev d;
	size_t bytes = 0;
	int fd, copies = 0;

	fd = open("/dev/ttyFAULT0", O_RDWR | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		SKIP(return, "/dev/ttyFAULT0: %s (ichip_faulty_tty not loaded)",
		     strerror(errno));
	ASSERT_EQ(0, inl_open(&nl));
	ASSERT_EQ(0, inl_open(&mon));
	ASSERT_EQ(0, attach(fd));
	ASSERT_EQ(0, inl_dev_find(&nl, "ttyFAULT0", &d));
	ASSERT_EQ(0, inl_join(&mon, ICHIP_MCGRP_MONITOR));
	ASSERT_EQ(0, write_param("inject_noise", "1000"));
	while (!inl_next_event(&mon, 500, &ev)) {
		if (ev.cmd == ICHIP_CMD_MONITOR && ev.dev == d.index &&
		    ev.dir == ICHIP_MON_DIR_RX) {
			copies++;
			bytes += ev.data_len;
		}
		inl_event_free(&ev);
	}
	ASSERT_EQ(0, inl_dev_get(&nl, d.index, &d));
	TH_LOG("%d monitor copies of %zu bytes; noise %llu", copies, bytes,
	       (unsigned long long)d.stats[ICHIP_A_STATS_NOISE]);
	EXPECT_EQ(500, d.stats[ICHIP_A_STATS_NOISE]);
	EXPECT_EQ(1000, bytes);
	/*
	 * One per flip buffer the tty delivers (they hold 256 bytes or
	 * more), so a handful; before the fix one per unflagged byte, 500.
	 */
	EXPECT_GE(16, copies);
	ASSERT_EQ(0, detach(fd));
	inl_close(&mon);
	inl_close(&nl);
	close(fd);
}

/* 12: queue_max takes 1..4096 only. */
TEST(queue_max_is_bounded)
{
	static const char path[] = "/sys/module/n_ichip/parameters/queue_max";
	static const char *const bad[] = { "0", "4097", "1000000", "-1" };
	char buf[32] = "";
	size_t i;
	int fd, ok = 1;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		fd = open(path, O_WRONLY);
		ASSERT_LE(0, fd);
		if (write(fd, bad[i], strlen(bad[i])) >= 0) {
			TH_LOG("queue_max=%s accepted", bad[i]);
			ok = 0;
		}
		close(fd);
	}
	EXPECT_TRUE(ok);
	fd = open(path, O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(4, write(fd, "4096", 4));
	ASSERT_EQ(2, write(fd, "64", 2));
	ASSERT_LT(0, pread(fd, buf, sizeof(buf) - 1, 0));
	EXPECT_STREQ("64\n", buf);
	close(fd);
}

/* 12: tcflow() stops and restarts output; tcflush() works. */
TEST_F(dev, tcflow_and_tcflush)
{
	struct inl_result r;
	uint64_t cookie;

	ASSERT_EQ(0, tcflow(self->slave, TCOOFF));
	ASSERT_EQ(0, inl_exec(&self->nl, self->d.index, "AT+iRP7", NULL, 0,
			      0, &cookie));
	EXPECT_TRUE(peer_silent(self->master, 300));
	ASSERT_EQ(0, tcflow(self->slave, TCOON));
	ASSERT_TRUE(PEER_HEARS(self->master, "AT+iRP7\r"));
	ASSERT_EQ(0, PEER_SAYS(self->master, "I/0004\r\n"));
	ASSERT_EQ(0, inl_wait_result(&self->nl, cookie, 3000, &r));
	EXPECT_STREQ("0004", r.text);
	inl_result_free(&r);
	EXPECT_EQ(0, tcflush(self->slave, TCIOFLUSH));
	EXPECT_EQ(0, tcflush(self->slave, TCOFLUSH));
}

/* 12: the command is one NUL-terminated string, no NUL inside. */
TEST_F(dev, cmd_is_one_nul_terminated_string)
{
	uint32_t idx = self->d.index;
	uint64_t cookie;

	EXPECT_EQ(-EINVAL, inl_exec_raw(&self->nl, &idx, "AT+i", 4, NULL,
					&cookie));
	EXPECT_EQ(-EINVAL, inl_exec_raw(&self->nl, &idx, "AT+i\0AT+iFD", 12,
					NULL, &cookie));
	EXPECT_TRUE(peer_silent(self->master, 100));
	EXPECT_EQ(0, inl_exec_raw(&self->nl, &idx, "AT+i", 5, NULL, &cookie));
	EXPECT_TRUE(PEER_HEARS(self->master, "AT+i\r"));
}

/* 12: no ABI_VERSION attribute beside the family's version. */
TEST_F(dev, version_only_in_the_family)
{
	EXPECT_FALSE(self->d.has_unused);
}

TEST_HARNESS_MAIN
