// SPDX-License-Identifier: GPL-2.0-only
// SPDX-FileCopyrightText: 2026 The ichip authors
/*
 * Multithreaded stress of n_ichip: EXEC from several sockets with short
 * timeouts, DEV_GET dumps, monitor and events listeners, while another
 * thread attaches, detaches, hangs up and closes ptys under them and a
 * peer thread drains (sometimes late, so write_wakeup, TX work and the
 * timeout work all fire around close).  The verdict is the kernel's: the
 * VM fails the run on any splat; this test checks that every kind of
 * operation happened and that nothing is left attached.
 *
 * Runs ICHIP_STRESS_SECONDS (default 20, at most 60).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "ichip_nl.h"
#include "ichip_peer.h"

#define EXEC_THREADS 3

static atomic_bool stop, lifecycle_done;
static atomic_int cur_index = -1;
static int cur_master = -1;		/* under master_lock */
static pthread_mutex_t master_lock = PTHREAD_MUTEX_INITIALIZER;

static atomic_ulong n_exec_ok, n_exec_err, n_results, n_dumps, n_dump_devs,
	n_events, n_monitor, n_cycles, n_detach, n_vhangup, n_master_close,
	n_slave_close, n_answers, n_peer_bytes, n_attach_fail;

static unsigned int rnd(unsigned int *seed, unsigned int n)
{
	*seed = *seed * 1103515245u + 12345u;
	return (*seed >> 16) % n;
}

static void *lifecycle(void *arg)
{
	unsigned int seed = 1;
	struct inl nl;
	char name[32];

	if (inl_open(&nl))
		return (void *)1;
	while (!stop) {
		struct inl_dev d;
		int m, s, how;

		if (open_pty(&m, &s, name, sizeof(name)) || attach(s)) {
			n_attach_fail++;
			usleep(1000);
			continue;
		}
		if (!inl_dev_find(&nl, name, &d))
			cur_index = (int)d.index;
		pthread_mutex_lock(&master_lock);
		cur_master = m;
		pthread_mutex_unlock(&master_lock);
		usleep(2000 + rnd(&seed, 30000));

		how = (int)rnd(&seed, 4);
		if (how == 2) {		/* the module side vanishes first */
			pthread_mutex_lock(&master_lock);
			cur_master = -1;
			close(m);
			pthread_mutex_unlock(&master_lock);
			n_master_close++;
			usleep(rnd(&seed, 3000));
			close(s);
		} else {
			if (how == 0 && !detach(s))
				n_detach++;
			if (how == 1 && !ioctl(s, TIOCVHANGUP))
				n_vhangup++;
			if (how == 3)
				n_slave_close++;
			close(s);
			usleep(rnd(&seed, 3000));
			pthread_mutex_lock(&master_lock);
			cur_master = -1;
			close(m);
			pthread_mutex_unlock(&master_lock);
		}
		n_cycles++;
	}
	lifecycle_done = true;	/* last pty closed: every command ends */
	inl_close(&nl);
	return NULL;
}

/* The module: answers some commands, sometimes stops reading a while. */
static void *peer(void *arg)
{
	unsigned int seed = 2;
	char buf[8192];

	while (!stop) {
		ssize_t n, i;

		if (rnd(&seed, 20) == 0) {
			usleep(20000);	/* let TX back up */
			continue;
		}
		pthread_mutex_lock(&master_lock);
		if (cur_master >= 0) {
			n = read(cur_master, buf, sizeof(buf));
			if (n > 0) {
				n_peer_bytes += (unsigned long)n;
				for (i = 0; i < n; i++)
					if (buf[i] == '\r' && rnd(&seed, 2) &&
					    write(cur_master, "I/OK\r\n", 6) == 6)
						n_answers++;
			}
		}
		pthread_mutex_unlock(&master_lock);
		usleep(500);
	}
	return NULL;
}

static void *execs(void *arg)
{
	static uint8_t payload[4096];
	unsigned int seed = (unsigned int)(uintptr_t)arg, i = 0;
	unsigned long ok_here = 0, results_here = 0;
	struct inl nl;
	uint64_t cookie;

	memset(payload, 'p', sizeof(payload));
	if (inl_open(&nl))
		return (void *)1;
	while (!stop) {
		int idx = cur_index, ret;

		if (idx < 0) {
			usleep(1000);
			continue;
		}
		if (rnd(&seed, 4) == 0)
			ret = inl_exec(&nl, (uint32_t)idx, "AT+iSSND:0,4096",
				       payload, sizeof(payload),
				       10 + rnd(&seed, 40), &cookie);
		else
			ret = inl_exec(&nl, (uint32_t)idx, "AT+iRP7", NULL, 0,
				       10 + rnd(&seed, 40), &cookie);
		if (ret) {
			n_exec_err++;
		} else {
			n_exec_ok++;
			ok_here++;
		}
		if (++i % 16 == 0) {
			inl_poll(&nl, 0);
			n_results += nl.nresults;
			results_here += nl.nresults;
			inl_discard(&nl);
		}
	}
	/* every EXEC that got a cookie gets its RESULT, late ones too */
	while (!lifecycle_done)
		usleep(1000);
	for (i = 0; i < 50 && nl.nresults < ok_here - results_here; i++)
		inl_poll(&nl, 100);
	n_results += nl.nresults;
	inl_close(&nl);
	return NULL;
}

static void *dumps(void *arg)
{
	static struct inl_dev devs[64];
	struct inl nl;
	int n, idx;

	if (inl_open(&nl))
		return (void *)1;
	while (!stop) {
		n = inl_dev_dump(&nl, devs, 64);
		if (n >= 0) {
			n_dumps++;
			n_dump_devs += (unsigned long)n;
		}
		idx = cur_index;
		if (idx >= 0)
			inl_dev_get(&nl, (uint32_t)idx, &devs[0]);
		inl_discard(&nl);
	}
	inl_close(&nl);
	return NULL;
}

static void *listener(void *arg)
{
	struct inl nl;
	unsigned int i;

	if (inl_open(&nl) || inl_join(&nl, ICHIP_MCGRP_MONITOR) ||
	    inl_join(&nl, ICHIP_MCGRP_EVENTS))
		return (void *)1;
	while (!stop) {
		inl_poll(&nl, 50);
		for (i = 0; i < nl.nevents; i++) {
			if (nl.events[i].cmd == ICHIP_CMD_MONITOR)
				n_monitor++;
			else
				n_events++;
		}
		inl_discard(&nl);
	}
	inl_close(&nl);
	return NULL;
}

FIXTURE(stress) {
	int unused;
};

FIXTURE_SETUP(stress)
{
}

FIXTURE_TEARDOWN(stress)
{
}

TEST_F_TIMEOUT(stress, everything_at_once, 90)
{
	const char *env = getenv("ICHIP_STRESS_SECONDS");
	int secs = env ? atoi(env) : 20, i;
	pthread_t t[EXEC_THREADS + 4];
	void *ret;
	struct inl nl;
	struct inl_dev devs[64];

	if (secs < 1 || secs > 60)
		secs = 20;
	ASSERT_EQ(0, pthread_create(&t[0], NULL, lifecycle, NULL));
	ASSERT_EQ(0, pthread_create(&t[1], NULL, peer, NULL));
	ASSERT_EQ(0, pthread_create(&t[2], NULL, dumps, NULL));
	ASSERT_EQ(0, pthread_create(&t[3], NULL, listener, NULL));
	for (i = 0; i < EXEC_THREADS; i++)
		ASSERT_EQ(0, pthread_create(&t[4 + i], NULL, execs,
					    (void *)(uintptr_t)(i + 10)));
	sleep((unsigned int)secs);
	stop = true;
	for (i = 0; i < EXEC_THREADS + 4; i++) {
		ASSERT_EQ(0, pthread_join(t[i], &ret));
		EXPECT_EQ(NULL, ret);
	}
	TH_LOG("stress %ds: %lu cycles (%lu detach, %lu vhangup, %lu master-first, %lu slave-first), %lu attach failures",
		       secs, n_cycles, n_detach, n_vhangup, n_master_close,
		       n_slave_close, n_attach_fail);
	TH_LOG("stress: %lu EXEC ok, %lu EXEC refused, %lu RESULTs, %lu dumps (%lu devices), %lu events, %lu monitor copies, %lu peer bytes, %lu answers",
		       n_exec_ok, n_exec_err, n_results, n_dumps, n_dump_devs,
		       n_events, n_monitor, n_peer_bytes, n_answers);
	EXPECT_LT(0, n_cycles);
	EXPECT_LT(0, n_exec_ok);
	EXPECT_EQ(n_exec_ok, n_results);	/* none lost without a RESULT */
	EXPECT_LT(0, n_dumps);
	EXPECT_LT(0, n_events);
	EXPECT_LT(0, n_monitor);
	EXPECT_LT(0, n_answers);
	EXPECT_EQ(0, n_attach_fail);
	/* every pty is closed: nothing may be left attached */
	ASSERT_EQ(0, inl_open(&nl));
	EXPECT_EQ(0, inl_dev_dump(&nl, devs, 64));
	inl_close(&nl);
}

TEST_HARNESS_MAIN
