// SPDX-License-Identifier: GPL-2.0-only
// SPDX-FileCopyrightText: 2026 The ichip authors
/*
 * The scripted module peer of the selftests: a pty whose slave end
 * carries the line discipline and whose master end the test reads and
 * writes as the module would.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "ichip_peer.h"

int open_pty(int *master, int *slave, char *name, size_t name_len)
{
	int ptn;

	*master = posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK);
	if (*master < 0 || grantpt(*master) || unlockpt(*master))
		return -errno;
	if (ioctl(*master, TIOCGPTN, &ptn))
		return -errno;
	*slave = open(ptsname(*master), O_RDWR | O_NOCTTY);
	if (*slave < 0)
		return -errno;
	snprintf(name, name_len, "pts%d", ptn);
	return 0;
}

int attach(int slave)
{
	int ld = N_ICHIP;

	return ioctl(slave, TIOCSETD, &ld) ? -errno : 0;
}

int detach(int slave)
{
	int ld = N_TTY;

	return ioctl(slave, TIOCSETD, &ld) ? -errno : 0;
}

/* Read exactly @n bytes from the peer end, or fail after @timeout_ms. */
ssize_t peer_read(int fd, void *buf, size_t n, int timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	size_t got = 0;

	while (got < n) {
		ssize_t r;

		if (poll(&pfd, 1, timeout_ms) <= 0)
			break;
		r = read(fd, (char *)buf + got, n - got);
		if (r <= 0) {
			if (r < 0 && errno == EAGAIN)
				continue;
			break;
		}
		got += (size_t)r;
	}
	return (ssize_t)got;
}

/* Did the host send exactly @want (then nothing else for a moment)? */
int peer_expect(int fd, const void *want, size_t n)
{
	char *buf = malloc(n + 1);
	int ok;

	if (!buf)
		return 0;
	ok = peer_read(fd, buf, n, 6000) == (ssize_t)n && !memcmp(buf, want, n);
	if (!ok)
		fprintf(stderr, "# peer got %.*s\n", (int)n, buf);
	free(buf);
	return ok;
}

int peer_write(int fd, const void *buf, size_t n)
{
	size_t done = 0;

	while (done < n) {
		struct pollfd pfd = { .fd = fd, .events = POLLOUT };
		ssize_t w = write(fd, (const char *)buf + done, n - done);

		if (w < 0 && errno == EAGAIN) {
			poll(&pfd, 1, 1000);
			continue;
		}
		if (w <= 0)
			return -1;
		done += (size_t)w;
	}
	return 0;
}

/* Nothing at all arrives at the peer within @ms. */
int peer_silent(int fd, int ms)
{
	char c;

	return peer_read(fd, &c, 1, ms) == 0;
}

void drop_privileges(void)
{
	if (setgid(65534) || setuid(65534))
		exit(99);
}
