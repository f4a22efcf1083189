// SPDX-License-Identifier: GPL-2.0-only
// SPDX-FileCopyrightText: 2026 The ichip authors
/*
 * n_ichip in checksum mode (EXEC with ICHIP_A_CKSUM, the module at
 * AT+iCKSM=1): the kernel appends the SSND checksum, checks the SRCV
 * one, fetches a bad SRCV again with AT+i!SRCV, sends an SSND answered
 * I/ERROR (228) again from its own copy, and names the failure
 * (ICHIP_STATUS_CHECKSUM) once 7 retries are spent (the later ones after
 * a backoff the kernel's timer ends); probes an SSND left unanswered (a
 * byte of it lost) and sends it again on the module's I/ERROR (228);
 * fetches an SRCV whose answer was lost again with AT+i!SRCV; sends a
 * command the module refused as malformed again, and one naming a socket
 * it does not know, once.  The pty
 * master plays the module byte for byte.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "ichip_nl.h"
#include "ichip_peer.h"
#include "ichip_fixture.h"

#define RETRIES 7

/* "hello" sums to 0x214: its checksum is 0xfdec */
static const char srcv_good[] = "I/5:hello\xfd\xec\r\n";
static const char srcv_bad[] = "I/5:hellp\xfd\xec\r\n";
static const char ssnd_wire[] = "AT+iSSND%:0,5:hello\xfd\xec";

/*
 * The line's speed, set after attach as a user would.  The probe of an
 * unanswered SSND waits 300 ms plus the SSND's wire time: at 50 baud
 * (the 21 bytes take 4.2 s) no scheduling delay of this process between
 * hearing an SSND and answering it draws a probe; at 300 baud (0.7 s)
 * the probe tests wait one second for theirs.
 */
static int line_speed(int fd, speed_t speed)
{
	struct termios t;

	if (tcgetattr(fd, &t) || cfsetospeed(&t, speed) ||
	    cfsetispeed(&t, speed))
		return -1;
	return tcsetattr(fd, TCSANOW, &t);
}

/* A flagged "AT+iSRCV:0" (@timeout_ms; 0: the default), heard. */
static bool srcv_heard(FIXTURE_DATA(dev) *self, uint32_t timeout_ms,
		       uint64_t *cookie)
{
	return !inl_exec_cksum(&self->nl, self->d.index, "AT+iSRCV:0", NULL,
			       0, timeout_ms, 1, cookie) &&
	       PEER_HEARS(self->master, "AT+iSRCV:0\r");
}

/* A flagged "AT+iSSND%:0,5" of "hello", heard with its checksum. */
static bool ssnd_heard(FIXTURE_DATA(dev) *self, uint64_t *cookie)
{
	return !inl_exec_cksum(&self->nl, self->d.index, "AT+iSSND%:0,5",
			       "hello", 5, 0, 1, cookie) &&
	       PEER_HEARS(self->master, ssnd_wire);
}

/* @cookie's result has @status, @module_error and @data (NULL: none). */
static bool result_is(FIXTURE_DATA(dev) *self, uint64_t cookie,
		      uint32_t status, uint32_t module_error, const char *data)
{
	size_t n = data ? strlen(data) : 0;
	struct inl_result r;
	bool ok;

	if (inl_wait_result(&self->nl, cookie, 3000, &r))
		return false;
	ok = r.status == status && r.module_error == module_error &&
	     r.data_len == n && (!n || !memcmp(r.data, data, n));
	if (!ok)
		fprintf(stderr, "# result: status %u, error %u, %zu bytes\n",
			r.status, r.module_error, r.data_len);
	inl_result_free(&r);
	return ok;
}

/* The device's checksum error and retry counters are @errors, @retries. */
static bool counted(FIXTURE_DATA(dev) *self, uint64_t errors,
		    uint64_t retries)
{
	struct inl_dev d;

	return !inl_dev_get(&self->nl, self->d.index, &d) &&
	       d.stats[ICHIP_A_STATS_CKSUM_ERRORS] == errors &&
	       d.stats[ICHIP_A_STATS_CKSUM_RETRIES] == retries;
}

TEST_F(dev, srcv_good_checksum)
{
	uint64_t cookie;

	ASSERT_TRUE(srcv_heard(self, 0, &cookie));
	ASSERT_EQ(0, PEER_SAYS(self->master, srcv_good));
	EXPECT_TRUE(result_is(self, cookie, ICHIP_STATUS_OK, 0, "hello"));
}

TEST_F(dev, srcv_bad_checksum_refetched)
{
	uint64_t cookie;

	ASSERT_TRUE(srcv_heard(self, 0, &cookie));
	ASSERT_EQ(0, PEER_SAYS(self->master, srcv_bad));
	/* the corrupt copy is not delivered; the module is asked again */
	ASSERT_TRUE(PEER_HEARS(self->master, "AT+i!SRCV:0\r"));
	ASSERT_EQ(0, PEER_SAYS(self->master, srcv_good));
	EXPECT_TRUE(result_is(self, cookie, ICHIP_STATUS_OK, 0, "hello"));
	EXPECT_TRUE(counted(self, 1, 1));
}

TEST_F(dev, srcv_bad_checksum_named_after_retries)
{
	uint64_t cookie;
	int i;

	ASSERT_TRUE(srcv_heard(self, 0, &cookie));
	ASSERT_EQ(0, PEER_SAYS(self->master, srcv_bad));
	for (i = 0; i < RETRIES; i++) {
		ASSERT_TRUE(PEER_HEARS(self->master, "AT+i!SRCV:0\r"));
		ASSERT_EQ(0, PEER_SAYS(self->master, srcv_bad));
	}
	EXPECT_TRUE(result_is(self, cookie, ICHIP_STATUS_CHECKSUM, 0, NULL));
	/* nothing more on the wire: the queue goes on */
	EXPECT_TRUE(peer_silent(self->master, 300));
}

TEST_F(dev, ssnd_checksum_added_by_kernel)
{
	uint64_t cookie;

	ASSERT_EQ(0, line_speed(self->slave, B50));
	ASSERT_TRUE(ssnd_heard(self, &cookie));
	ASSERT_EQ(0, PEER_SAYS(self->master, "I/OK\r\n"));
	EXPECT_TRUE(result_is(self, cookie, ICHIP_STATUS_OK, 0, NULL));

	/* without the flag: no checksum, as before */
	ASSERT_EQ(0, inl_exec(&self->nl, self->d.index, "AT+iSSND%:0,5",
			      "hello", 5, 0, &cookie));
	ASSERT_TRUE(PEER_HEARS(self->master, "AT+iSSND%:0,5:hello"));
	ASSERT_EQ(0, PEER_SAYS(self->master, "I/OK\r\n"));
	EXPECT_TRUE(result_is(self, cookie, ICHIP_STATUS_OK, 0, NULL));
}

/*
 * I/ERROR (228) after the whole stream: the kernel flushes what the tty
 * still holds, resyncs, then sends the SSND again from its own copy.
 */
TEST_F(dev, ssnd_228_resent)
{
	uint64_t cookie;

	ASSERT_EQ(0, line_speed(self->slave, B50));
	ASSERT_TRUE(ssnd_heard(self, &cookie));
	ASSERT_EQ(0, PEER_SAYS(self->master, "I/ERROR (228)\r\n"));
	ASSERT_TRUE(PEER_HEARS(self->master, "AT+i\r"));
	ASSERT_EQ(0, PEER_SAYS(self->master, "I/OK\r\n"));
	ASSERT_TRUE(PEER_HEARS(self->master, ssnd_wire));
	ASSERT_EQ(0, PEER_SAYS(self->master, "I/OK\r\n"));
	EXPECT_TRUE(result_is(self, cookie, ICHIP_STATUS_OK, 0, NULL));
	EXPECT_TRUE(counted(self, 1, 1));
}

TEST_F(dev, ssnd_228_named_after_retries)
{
	uint64_t cookie;
	int i;

	ASSERT_EQ(0, line_speed(self->slave, B50));
	ASSERT_EQ(0, inl_exec_cksum(&self->nl, self->d.index,
				    "AT+iSSND%:0,5", "hello", 5, 0, 1,
				    &cookie));
	for (i = 0; i <= RETRIES; i++) {
		ASSERT_TRUE(PEER_HEARS(self->master, ssnd_wire));
		ASSERT_EQ(0, PEER_SAYS(self->master, "I/ERROR (228)\r\n"));
		ASSERT_TRUE(PEER_HEARS(self->master, "AT+i\r"));
		ASSERT_EQ(0, PEER_SAYS(self->master, "I/OK\r\n"));
	}
	EXPECT_TRUE(result_is(self, cookie, ICHIP_STATUS_CHECKSUM, 228,
			      NULL));
}

/* Without the flag a 228 is an ordinary module error. */
TEST_F(dev, ssnd_228_without_cksum_not_retried)
{
	uint64_t cookie;

	ASSERT_EQ(0, inl_exec(&self->nl, self->d.index, "AT+iSSND%:0,5",
			      "hello", 5, 0, &cookie));
	ASSERT_TRUE(PEER_HEARS(self->master, "AT+iSSND%:0,5:hello"));
	ASSERT_EQ(0, PEER_SAYS(self->master, "I/ERROR (228)\r\n"));
	EXPECT_TRUE(result_is(self, cookie, ICHIP_STATUS_ERROR, 228, NULL));
}

/*
 * A byte of the SSND lost on the line: the module waits for it and says
 * nothing.  The kernel probes with "AAT+i" once the SSND is on the wire;
 * the module takes the first 'A' as the missing byte, answers 228, the
 * rest is a ping; the SSND goes again, once.
 */
TEST_F(dev, ssnd_lost_byte_probed)
{
	uint64_t cookie;

	ASSERT_EQ(0, line_speed(self->slave, B300));
	ASSERT_TRUE(ssnd_heard(self, &cookie));
	ASSERT_TRUE(PEER_HEARS(self->master, "AAT+i\r"));
	ASSERT_EQ(0, PEER_SAYS(self->master, "I/ERROR (228)\r\nI/OK\r\n"));
	ASSERT_TRUE(PEER_HEARS(self->master, ssnd_wire));
	ASSERT_EQ(0, PEER_SAYS(self->master, "I/OK\r\n"));
	EXPECT_TRUE(result_is(self, cookie, ICHIP_STATUS_OK, 0, NULL));
	EXPECT_TRUE(peer_silent(self->master, 300));
}

/*
 * The SRCV's answer lost (its header damaged): after the timeout and a
 * resync the kernel fetches it again with AT+i!SRCV; the module's copy
 * is new data, delivered once.
 */
TEST_F(dev, srcv_answer_lost_refetched)
{
	uint64_t cookie;

	ASSERT_TRUE(srcv_heard(self, 300, &cookie));
	ASSERT_EQ(0, PEER_SAYS(self->master, "I5:hello\xfd\xec\r\n"));
	ASSERT_TRUE(PEER_HEARS(self->master, "AT+i\r"));
	ASSERT_EQ(0, PEER_SAYS(self->master, "I/OK\r\n"));
	ASSERT_TRUE(PEER_HEARS(self->master, "AT+i!SRCV:0\r"));
	ASSERT_EQ(0, PEER_SAYS(self->master, srcv_good));
	EXPECT_TRUE(result_is(self, cookie, ICHIP_STATUS_OK, 0, "hello"));
}

/*
 * A flagged SRCV the module refused as malformed (a byte of its command
 * line lost: I/ERROR (044)) never ran: the kernel sends it again as it
 * was, not as AT+i!SRCV.
 */
TEST_F(dev, srcv_refused_sent_again)
{
	uint64_t cookie;

	ASSERT_TRUE(srcv_heard(self, 0, &cookie));
	ASSERT_EQ(0, PEER_SAYS(self->master, "I/ERROR (044)\r\n"));
	ASSERT_TRUE(PEER_HEARS(self->master, "AT+iSRCV:0\r"));
	ASSERT_EQ(0, PEER_SAYS(self->master, srcv_good));
	EXPECT_TRUE(result_is(self, cookie, ICHIP_STATUS_OK, 0, "hello"));
}

/*
 * I/ERROR (200), no such socket, to a flagged SRCV: the line may have
 * made the handle up (a lost comma).  Sent again once; 200 again is the
 * answer (the socket is gone).
 */
TEST_F(dev, srcv_no_socket_sent_again_once)
{
	uint64_t cookie;

	ASSERT_TRUE(srcv_heard(self, 0, &cookie));
	ASSERT_EQ(0, PEER_SAYS(self->master, "I/ERROR (200)\r\n"));
	ASSERT_TRUE(PEER_HEARS(self->master, "AT+iSRCV:0\r"));
	ASSERT_EQ(0, PEER_SAYS(self->master, "I/ERROR (200)\r\n"));
	EXPECT_TRUE(result_is(self, cookie, ICHIP_STATUS_ERROR, 200, NULL));
	EXPECT_TRUE(peer_silent(self->master, 300));
}

/*
 * The probe's wait follows the line's speed as it is now, not as it was
 * at attach: at 50 baud the SSND's 21 bytes take 4.2 s, so no probe
 * comes in the first second.
 */
TEST_F(dev, ssnd_probe_follows_line_speed)
{
	uint64_t cookie;

	ASSERT_EQ(0, line_speed(self->slave, B50));
	ASSERT_TRUE(ssnd_heard(self, &cookie));
	EXPECT_TRUE(peer_silent(self->master, 1000));
	ASSERT_EQ(0, PEER_SAYS(self->master, "I/OK\r\n"));
	EXPECT_TRUE(result_is(self, cookie, ICHIP_STATUS_OK, 0, NULL));
}

TEST_HARNESS_MAIN
