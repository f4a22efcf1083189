// SPDX-License-Identifier: GPL-2.0-only
// SPDX-FileCopyrightText: 2026 The ichip authors
/*
 * kselftests of n_ichip and namespaces: the one user-namespace model
 * (devices live only in network namespaces owned by the initial user
 * namespace, so attach, EXEC, events and monitor all need CAP_NET_ADMIN
 * there) and the isolation of DEV_GET, EXEC and events between network
 * namespaces.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "ichip_nl.h"
#include "ichip_peer.h"

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY), ok;

	if (fd < 0)
		return -errno;
	ok = write(fd, text, strlen(text)) == (ssize_t)strlen(text);
	close(fd);
	return ok ? 0 : -EIO;
}

/*
 * Map root of @pid's new user namespace to host root: still a container
 * root, with capabilities over its own namespaces only.
 */
static int map_container_root(pid_t pid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/uid_map", pid);
	if (write_file(path, "0 0 1\n"))
		return -1;
	snprintf(path, sizeof(path), "/proc/%d/setgroups", pid);
	if (write_file(path, "deny"))
		return -1;
	snprintf(path, sizeof(path), "/proc/%d/gid_map", pid);
	return write_file(path, "0 0 1\n");
}

static int wait_exit(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/*
 * A container: its own user namespace owning its own network namespace.
 * Host root entering that netns may not attach there (the container's
 * root could then join "monitor" and read the traffic); the container's
 * root may not attach either.
 */
TEST(attach_in_container_netns_refused)
{
	int up[2], down[2], m, s;
	char name[32], c;
	pid_t box, host;

	ASSERT_EQ(0, pipe(up));
	ASSERT_EQ(0, pipe(down));
	box = fork();
	ASSERT_LE(0, box);
	if (box == 0) {
		int bad = 0;

		if (unshare(CLONE_NEWUSER | CLONE_NEWNET))
			exit(90);
		if (write(up[1], "u", 1) != 1 || read(down[0], &c, 1) != 1)
			exit(91);
		/* container root (uid 0, full capabilities in its userns) */
		if (getuid() != 0)
			exit(92);
		if (open_pty(&m, &s, name, sizeof(name)))
			exit(93);
		if (attach(s) != -EPERM)
			bad |= 1;
		if (read(down[0], &c, 1) != 1)	/* host is done */
			exit(94);
		exit(bad);
	}
	ASSERT_EQ(1, read(up[0], &c, 1));
	ASSERT_EQ(0, map_container_root(box));
	ASSERT_EQ(1, write(down[1], "m", 1));

	host = fork();
	ASSERT_LE(0, host);
	if (host == 0) {
		char path[64];
		int fd;

		snprintf(path, sizeof(path), "/proc/%d/ns/net", box);
		fd = open(path, O_RDONLY);
		if (fd < 0 || setns(fd, CLONE_NEWNET))
			exit(90);
		if (open_pty(&m, &s, name, sizeof(name)))
			exit(93);
		exit(attach(s) == -EPERM ? 0 : 1);
	}
	EXPECT_EQ(0, wait_exit(host));	/* 1: host root attached in there */
	ASSERT_EQ(1, write(down[1], "d", 1));
	EXPECT_EQ(0, wait_exit(box));
}

/*
 * Root of a user namespace that shares the initial network namespace:
 * it sees devices (DEV_GET is open to all) but may not act or listen.
 */
TEST(userns_root_cannot_exec_or_listen)
{
	int m, s, up[2], down[2];
	struct inl nl;
	struct inl_dev d;
	char name[32], c;
	pid_t box;

	ASSERT_EQ(0, open_pty(&m, &s, name, sizeof(name)));
	ASSERT_EQ(0, attach(s));
	ASSERT_EQ(0, inl_open(&nl));
	ASSERT_EQ(0, inl_dev_find(&nl, name, &d));
	ASSERT_EQ(0, pipe(up));
	ASSERT_EQ(0, pipe(down));
	box = fork();
	ASSERT_LE(0, box);
	if (box == 0) {
		struct inl cnl;
		struct inl_dev cd;
		uint64_t cookie;
		int bad = 0, m2, s2;

		if (unshare(CLONE_NEWUSER))
			exit(90);
		if (write(up[1], "u", 1) != 1 || read(down[0], &c, 1) != 1)
			exit(91);
		if (inl_open(&cnl))
			exit(92);
		if (inl_dev_get(&cnl, d.index, &cd))
			bad |= 1;
		if (inl_exec(&cnl, d.index, "AT+i", NULL, 0, 0, &cookie) !=
		    -EPERM)
			bad |= 2;
		if (inl_join(&cnl, ICHIP_MCGRP_MONITOR) != -EPERM)
			bad |= 4;
		if (inl_join(&cnl, ICHIP_MCGRP_EVENTS) != -EPERM)
			bad |= 8;
		if (open_pty(&m2, &s2, name, sizeof(name)) ||
		    attach(s2) != -EPERM)
			bad |= 16;
		exit(bad);
	}
	ASSERT_EQ(1, read(up[0], &c, 1));
	ASSERT_EQ(0, map_container_root(box));
	ASSERT_EQ(1, write(down[1], "m", 1));
	EXPECT_EQ(0, wait_exit(box));
	EXPECT_TRUE(peer_silent(m, 100));
	inl_close(&nl);
	close(s);
	close(m);
}

static int has_dev(struct inl *nl, uint32_t index)
{
	struct inl_dev devs[64];
	int n = inl_dev_dump(nl, devs, 64), i;

	for (i = 0; i < n; i++)
		if (devs[i].index == index)
			return 1;
	return 0;
}

/* Count the DEV_DEL events for @a and @b that arrive within @ms. */
static void count_dels(struct inl *nl, uint32_t a, uint32_t b, int ms,
		       int *na, int *nb)
{
	struct inl_event ev;

	*na = *nb = 0;
	while (!inl_next_event(nl, ms, &ev)) {
		if (ev.cmd == ICHIP_CMD_DEV_DEL && ev.dev == a)
			(*na)++;
		if (ev.cmd == ICHIP_CMD_DEV_DEL && ev.dev == b)
			(*nb)++;
		inl_event_free(&ev);
	}
}

/*
 * Two network namespaces, one device each: DEV_GET, EXEC, RESULT and
 * events each stay in the namespace the device was attached in.
 */
TEST(netns_isolation)
{
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct inl in, nn;
		struct inl_dev x, y, t;
		struct inl_result r;
		uint64_t cookie;
		int mx, sx, my, sy, bad = 0, dx, dy;
		char nx[32], ny[32];

		if (inl_open(&in) || inl_join(&in, ICHIP_MCGRP_EVENTS) ||
		    open_pty(&mx, &sx, nx, sizeof(nx)) || attach(sx) ||
		    inl_dev_find(&in, nx, &x))
			exit(90);
		if (unshare(CLONE_NEWNET))
			exit(91);
		if (inl_open(&nn) || inl_join(&nn, ICHIP_MCGRP_EVENTS) ||
		    open_pty(&my, &sy, ny, sizeof(ny)) || attach(sy) ||
		    inl_dev_find(&nn, ny, &y))
			exit(92);
		if (has_dev(&nn, x.index) || !has_dev(&in, x.index))
			bad |= 1;
		if (has_dev(&in, y.index) || !has_dev(&nn, y.index))
			bad |= 2;
		if (inl_dev_get(&nn, x.index, &t) != -ENODEV ||
		    inl_dev_get(&in, y.index, &t) != -ENODEV)
			bad |= 4;
		if (inl_exec(&nn, x.index, "AT+i", NULL, 0, 0, &cookie) !=
		    -ENODEV ||
		    inl_exec(&in, y.index, "AT+i", NULL, 0, 0, &cookie) !=
		    -ENODEV)
			bad |= 8;
		if (!peer_silent(mx, 100) || !peer_silent(my, 1))
			bad |= 16;
		/* EXEC in its own namespace works, the RESULT comes home */
		if (inl_exec(&nn, y.index, "AT+iRP7", NULL, 0, 0, &cookie) ||
		    !PEER_HEARS(my, "AT+iRP7\r") ||
		    PEER_SAYS(my, "I/0002\r\n") ||
		    inl_wait_result(&nn, cookie, 3000, &r))
			bad |= 32;
		inl_discard(&in);
		inl_discard(&nn);
		/* each namespace hears only of its own device going */
		if (detach(sx) || detach(sy))
			exit(93);
		count_dels(&in, x.index, y.index, 500, &dx, &dy);
		if (dx != 1 || dy != 0)
			bad |= 64;
		count_dels(&nn, x.index, y.index, 500, &dx, &dy);
		if (dx != 0 || dy != 1)
			bad |= 128;
		exit(bad);
	}
	EXPECT_EQ(0, wait_exit(pid));
}

TEST_HARNESS_MAIN
