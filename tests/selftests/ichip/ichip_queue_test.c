// SPDX-License-Identifier: GPL-2.0-only
// SPDX-FileCopyrightText: 2026 The ichip authors
/*
 * kselftests of n_ichip's command queue knobs and events: timeout
 * ranges, queue_max changed at run time, dev-new and resync events.
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

/*
 * n_ichip.rst: TIMEOUT_MS outside 10..600000 is refused with ERANGE (the
 * attribute policy), not just some error; both bounds are accepted.
 */
TEST_F(dev, timeout_out_of_range_is_erange)
{
	static const uint32_t bad[] = { 0, 9, 600001, 0xffffffff };
	uint32_t idx = self->d.index;
	uint64_t cookie;
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		TH_LOG("TIMEOUT_MS %u", bad[i]);
		EXPECT_EQ(-ERANGE, inl_exec_raw(&self->nl, &idx, "AT+i", 5,
						&bad[i], &cookie));
	}
	EXPECT_EQ(0, inl_exec(&self->nl, idx, "AT+i", NULL, 0, 10, &cookie));
	EXPECT_EQ(0, inl_exec(&self->nl, idx, "AT+i", NULL, 0, 600000,
			      &cookie));
}

#define QUEUE_MAX_PARAM "/sys/module/n_ichip/parameters/queue_max"

static int param_rw(const char *path, unsigned int *old, unsigned int val)
{
	FILE *f = fopen(path, "r+");
	int ok;

	if (!f)
		return -errno;
	ok = (!old || fscanf(f, "%u", old) == 1) &&
	     fseek(f, 0, SEEK_SET) == 0 && fprintf(f, "%u\n", val) > 0;
	return fclose(f) == 0 && ok ? 0 : -EIO;
}

/*
 * n_ichip.rst: queue_max is writable at run time and the new bound
 * applies to the next EXEC (and DEV_GET reports it).
 */
TEST_F(dev, queue_max_changed_at_run_time)
{
	unsigned int old, i;
	uint64_t cookie;
	struct inl_dev d;

	ASSERT_EQ(0, param_rw(QUEUE_MAX_PARAM, &old, 3));
	for (i = 0; i < 3; i++)
		EXPECT_EQ(0, inl_exec(&self->nl, self->d.index, "AT+iRP4",
				      NULL, 0, 60000, &cookie));
	EXPECT_EQ(-EBUSY, inl_exec(&self->nl, self->d.index, "AT+iRP4",
				   NULL, 0, 0, &cookie));
	ASSERT_EQ(0, inl_dev_get(&self->nl, self->d.index, &d));
	EXPECT_EQ(3, d.queue_max);
	EXPECT_EQ(3, d.queue_depth);
	/* raised again: the next EXEC fits */
	ASSERT_EQ(0, param_rw(QUEUE_MAX_PARAM, NULL, 4));
	EXPECT_EQ(0, inl_exec(&self->nl, self->d.index, "AT+iRP4", NULL, 0,
			      0, &cookie));
	EXPECT_EQ(-EBUSY, inl_exec(&self->nl, self->d.index, "AT+iRP4",
				   NULL, 0, 0, &cookie));
	ASSERT_EQ(0, param_rw(QUEUE_MAX_PARAM, NULL, old));
}

/* The next event of @cmd (and @event, if not 0) for @dev, draining the
 * peer meanwhile (resync pings are padded with 32 KiB of CRs). */
static int wait_event(struct inl *mon, int master, uint8_t cmd,
		      uint32_t event, uint32_t dev, int timeout_ms)
{
	struct inl_event ev;
	char junk[4096];
	int waited, found = 0;

	for (waited = 0; waited < timeout_ms && !found; waited += 100) {
		while (read(master, junk, sizeof(junk)) > 0)
			;
		if (inl_next_event(mon, 100, &ev))
			continue;
		found = ev.cmd == cmd && ev.dev == dev &&
			(!event || ev.event == event);
		inl_event_free(&ev);
	}
	return found;
}

/*
 * n_ichip.rst, events group: DEV_NEW when the ldisc is attached;
 * RESYNC_OK when the ping after a timeout is answered, RESYNC_FAILED
 * after three failed pings (the queue fails with EIO).
 */
TEST(events_dev_new_and_resync)
{
	int master, slave;
	char name[32];
	struct inl nl, mon;
	struct inl_dev d;
	struct inl_result r;
	uint64_t cookie;

	ASSERT_EQ(0, inl_open(&nl));
	ASSERT_EQ(0, inl_open(&mon));
	ASSERT_EQ(0, inl_join(&mon, ICHIP_MCGRP_EVENTS));
	ASSERT_EQ(0, open_pty(&master, &slave, name, sizeof(name)));
	ASSERT_EQ(0, attach(slave));
	ASSERT_EQ(0, inl_dev_find(&nl, name, &d));
	EXPECT_TRUE(wait_event(&mon, master, ICHIP_CMD_DEV_NEW, 0, d.index,
			       3000));

	/* a timeout, then the ping is answered */
	ASSERT_EQ(0, inl_exec(&nl, d.index, "AT+iRP7", NULL, 0, 100,
			      &cookie));
	ASSERT_TRUE(PEER_HEARS(master, "AT+iRP7\r"));
	ASSERT_EQ(0, inl_wait_result(&nl, cookie, 3000, &r));
	EXPECT_EQ(ICHIP_STATUS_FAILED, r.status);
	EXPECT_EQ(ETIMEDOUT, r.err);
	inl_result_free(&r);
	ASSERT_TRUE(PEER_HEARS(master, "AT+i\r"));
	ASSERT_EQ(0, PEER_SAYS(master, "I/OK\r\n"));
	EXPECT_TRUE(wait_event(&mon, master, ICHIP_CMD_DEV_STATE,
			       ICHIP_DEV_EVENT_RESYNC_OK, d.index, 3000));

	/* a timeout and three unanswered pings */
	ASSERT_EQ(0, inl_exec(&nl, d.index, "AT+iRP7", NULL, 0, 100,
			      &cookie));
	EXPECT_TRUE(wait_event(&mon, master, ICHIP_CMD_DEV_STATE,
			       ICHIP_DEV_EVENT_RESYNC_FAILED, d.index, 10000));
	ASSERT_EQ(0, inl_dev_get(&nl, d.index, &d));
	EXPECT_EQ(ICHIP_DEV_STATE_UNRESPONSIVE, d.state);

	inl_close(&mon);
	inl_close(&nl);
	close(slave);
	close(master);
}

TEST_HARNESS_MAIN
