// SPDX-License-Identifier: GPL-2.0-only
// SPDX-FileCopyrightText: 2026 The ichip authors
/*
 * bench-copy: the plain-copy baseline of the CPU target of `make bench`.
 *
 *   bench-copy N
 *
 * A relay that does what ichipd's byte path does without any protocol:
 * N bytes from an AF_UNIX socketpair (the app) to a raw pty slave (the
 * line), then N bytes from the pty back to the socketpair.  The app and
 * the module end (the pty master) are threads of their own that only
 * write or drain; the relay's CPU time alone is counted (its thread's
 * CLOCK_THREAD_CPUTIME_ID).  Reads and writes are 16 KiB, as ichipd's
 * app side; the relay blocks in read/write, the cheapest way there is.
 * Prints one line:  cpu_s=... bytes=... seconds=...
 */
#include <errno.h>
#include <pthread.h>
#include <pty.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define CHUNK	16384

static size_t total;
static int app_fd, mod_fd;

static double clock_s(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t k = write(fd, p, n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

/* writes total bytes to fd, in CHUNK writes */
static void *producer(void *arg)
{
	static char buf[CHUNK];
	int fd = *(int *)arg;
	size_t left = total, n;

	memset(buf, 'x', sizeof(buf));
	while (left) {
		n = left < sizeof(buf) ? left : sizeof(buf);
		if (write_all(fd, buf, n))
			break;
		left -= n;
	}
	return NULL;
}

/* reads total bytes from fd and drops them */
static void *consumer(void *arg)
{
	static char buf[CHUNK];
	int fd = *(int *)arg;
	size_t left = total;

	while (left) {
		ssize_t k = read(fd, buf, sizeof(buf));

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		left -= (size_t)k;
	}
	return NULL;
}

/* the measured relay: total bytes from in to out */
static int relay(int in, int out)
{
	static char buf[CHUNK];
	size_t left = total;

	while (left) {
		ssize_t k = read(in, buf, left < sizeof(buf) ? left :
				 sizeof(buf));

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0 || write_all(out, buf, (size_t)k))
			return -1;
		left -= (size_t)k;
	}
	return 0;
}

static int leg(int in, int out, int *prod_fd, int *cons_fd)
{
	pthread_t p, c;
	int r;

	pthread_create(&c, NULL, consumer, cons_fd);
	pthread_create(&p, NULL, producer, prod_fd);
	r = relay(in, out);
	pthread_join(p, NULL);
	pthread_join(c, NULL);
	return r;
}

int main(int argc, char **argv)
{
	int sp[2], master, slave;
	struct termios tio;
	double c0, w0;

	if (argc != 2 || atol(argv[1]) <= 0) {
		fprintf(stderr, "usage: %s N\n", argv[0]);
		return 2;
	}
	total = (size_t)atol(argv[1]);
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sp) ||
	    openpty(&master, &slave, NULL, NULL, NULL)) {
		perror("bench-copy");
		return 1;
	}
	tcgetattr(slave, &tio);
	cfmakeraw(&tio);
	tcsetattr(slave, TCSANOW, &tio);
	tcgetattr(master, &tio);
	cfmakeraw(&tio);
	tcsetattr(master, TCSANOW, &tio);
	app_fd = sp[1];
	mod_fd = master;
	c0 = clock_s(CLOCK_THREAD_CPUTIME_ID);
	w0 = clock_s(CLOCK_MONOTONIC);
	/* upload: app -> relay -> line; download: line -> relay -> app */
	if (leg(sp[0], slave, &app_fd, &mod_fd) ||
	    leg(slave, sp[0], &mod_fd, &app_fd)) {
		fprintf(stderr, "bench-copy: relay failed\n");
		return 1;
	}
	printf("cpu_s=%.6f bytes=%zu seconds=%.6f\n",
	       clock_s(CLOCK_THREAD_CPUTIME_ID) - c0, 2 * total,
	       clock_s(CLOCK_MONOTONIC) - w0);
	return 0;
}
