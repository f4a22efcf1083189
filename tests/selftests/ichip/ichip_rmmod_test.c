// SPDX-License-Identifier: GPL-2.0-only
// SPDX-FileCopyrightText: 2026 The ichip authors
/*
 * Unloading n_ichip: refused while a tty uses the line discipline or a
 * dump is unfinished, and clean while dumps race the unload.  Runs last:
 * the second test leaves the module unloaded.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "ichip_nl.h"
#include "ichip_peer.h"
#include "ichip_raw.h"

#define NPTY 32

static int rmmod(void)
{
	return syscall(SYS_delete_module, "n_ichip", O_NONBLOCK) ? -errno : 0;
}

static int loaded(void)
{
	char line[256];
	FILE *f = fopen("/proc/modules", "r");
	int found = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "n_ichip ", 8))
			found = 1;
	fclose(f);
	return found;
}

/*
 * A module still in use: the tty core and an unfinished dump each hold
 * a reference, and delete_module() says EWOULDBLOCK (EAGAIN).
 */
TEST(rmmod_refused_while_attached_or_dumping)
{
	int m[NPTY], s[NPTY], i, fd, family;
	struct raw_part p = { 0 };
	struct inl nl;
	char name[32];

	ASSERT_EQ(0, inl_open(&nl));
	family = nl.family;
	inl_close(&nl);
	for (i = 0; i < NPTY; i++) {
		ASSERT_EQ(0, open_pty(&m[i], &s[i], name, sizeof(name)));
		ASSERT_EQ(0, attach(s[i]));
	}
	EXPECT_EQ(-EWOULDBLOCK, rmmod());
	EXPECT_EQ(1, loaded());

	/* detached again, but a dump is half read */
	fd = raw_open(0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, raw_dump_start(fd, family));
	ASSERT_LT(0, raw_recv(fd, 4096, 2000, &p));
	for (i = 0; i < NPTY; i++)
		ASSERT_EQ(0, detach(s[i]));
	ASSERT_FALSE(p.done);
	EXPECT_EQ(-EWOULDBLOCK, rmmod());
	while (!p.done && !p.err)
		ASSERT_LT(0, raw_recv(fd, 4096, 2000, &p));
	EXPECT_EQ(0, p.err);
	close(fd);
	for (i = 0; i < NPTY; i++) {
		close(s[i]);
		close(m[i]);
	}
	EXPECT_EQ(1, loaded());
}

static atomic_bool stop;
static atomic_ulong dumps;

static void *dumper(void *arg)
{
	int family = (int)(intptr_t)arg;

	while (!stop) {
		struct raw_part p = { 0 };
		int fd = raw_open(0);

		if (fd < 0)
			return (void *)1;
		if (!raw_dump_start(fd, family))
			while (!p.done && !p.err &&
			       raw_recv(fd, 4096, 1000, &p) > 0)
				;
		if (p.done)
			dumps++;
		close(fd);
	}
	return NULL;
}

/* Dumps in a loop on two threads while the module unloads under them. */
TEST(rmmod_racing_dumps)
{
	int m[NPTY], s[NPTY], i, ret = -EWOULDBLOCK, tries = 0;
	pthread_t t[2];
	struct inl nl;
	char name[32];
	void *r;

	ASSERT_EQ(0, inl_open(&nl));
	for (i = 0; i < NPTY; i++) {
		ASSERT_EQ(0, open_pty(&m[i], &s[i], name, sizeof(name)));
		ASSERT_EQ(0, attach(s[i]));
		ASSERT_EQ(0, detach(s[i]));	/* churn the index space */
	}
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, pthread_create(&t[i], NULL, dumper,
					    (void *)(intptr_t)nl.family));
	inl_close(&nl);
	usleep(200000);
	while (ret == -EWOULDBLOCK && tries++ < 100000) {
		ret = rmmod();
		if (ret)
			usleep(100);
	}
	stop = true;
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, pthread_join(t[i], &r));
		EXPECT_EQ(NULL, r);
	}
	TH_LOG("unloaded after %d tries, %lu dumps completed",
		       tries, dumps);
	EXPECT_EQ(0, ret);
	EXPECT_EQ(0, loaded());
	EXPECT_LT(0, dumps);
	/* and a tty can no longer pick the discipline */
	ASSERT_EQ(0, open_pty(&m[0], &s[0], name, sizeof(name)));
	EXPECT_NE(0, attach(s[0]));
	close(s[0]);
	close(m[0]);
	for (i = 1; i < NPTY; i++) {
		close(s[i]);
		close(m[i]);
	}
}

TEST_HARNESS_MAIN
