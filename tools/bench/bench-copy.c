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
 * CLOCK_THREAD_CPUTIME_ID).  The relay blocks in read/write, the cheapest
 * way there is, and moves the bytes in the pieces ichipd moves them in,
 * so neither side is charged for a chunking the other does not use:
 * - up: reads of up to 60 KiB from the app (ichipd's APP_READ_CHUNK,
 *   session-pump.c), written to the line at most 32 KiB at a time (one
 *   SSND's payload, ICHIP_DATA_LEN_MAX);
 * - down: the module end writes 16 KiB at a time (one SRCV answer: a
 *   module's socket buffer, ichip-sim's --rx-buffer default), the relay
 *   reads the line into a 64 KiB buffer (transport-tty.c) and writes to
 *   the app once 48 KiB are gathered (ichipd decrypts and delivers three
 *   SRCV answers at a time, SESSION_SRCV_BULK_BATCH).
 *
 *   bench-copy N turns
 *
 * The same with the line's turns and no other protocol: the relay writes
 * a 17-byte request before each 16 KiB it reads from the line (an SRCV)
 * and waits for a 6-byte answer after each 32 KiB it writes (an SSND),
 * and the module end answers them.  Not the baseline of the target; its
 * raw numbers say how much of ichipd's cost the command round trips of
 * AT+i alone would be.
 * Prints one line:  cpu_s=... bytes=... seconds=...
 */
#include <errno.h>
#include <stdbool.h>
#include <pthread.h>
#include <pty.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define APP_READ	(60 * 1024)	/* ichipd's reads from the app */
#define LINE_WRITE	32768		/* one SSND's payload */
#define MODULE_WRITE	16384		/* one SRCV answer */
#define LINE_READ	65536		/* ichipd's tty read buffer */
#define APP_WRITE	49152		/* three SRCV answers, gathered */

static size_t total;

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

static int turns;		/* "turns": request/answer as AT+i does */

#define REQ_LEN		17	/* "AT+iSRCV:0,16384\r" */
#define ANS_LEN		6	/* "I/OK\r\n" */

struct end {
	int fd;
	size_t chunk;		/* bytes per write */
	bool module;		/* the pty master: takes the turns */
};

static int read_all(int fd, char *p, size_t n)
{
	while (n) {
		ssize_t k = read(fd, p, n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

/* writes total bytes to e->fd, e->chunk bytes a write */
static void *producer(void *arg)
{
	static char buf[APP_READ];
	const struct end *e = arg;
	int fd = e->fd;
	size_t left = total, n;

	memset(buf, 'x', sizeof(buf));
	while (left) {
		n = left < e->chunk ? left : e->chunk;
		/* turns: the module end answers a request only */
		if (turns && e->module && read_all(fd, buf, REQ_LEN))
			break;
		if (write_all(fd, buf, n))
			break;
		left -= n;
	}
	return NULL;
}

/* reads total bytes from fd and drops them */
static void *consumer(void *arg)
{
	static char buf[LINE_READ];
	const struct end *e = arg;
	int fd = e->fd;
	size_t left = total, piece = 0;

	while (left) {
		ssize_t k = read(fd, buf, sizeof(buf));

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		left -= (size_t)k;
		piece += (size_t)k;
		/* turns: an answer after each whole write of the relay */
		if (turns && e->module && (piece >= LINE_WRITE || !left)) {
			piece -= piece >= LINE_WRITE ? LINE_WRITE : piece;
			if (write_all(fd, "I/OK\r\n", ANS_LEN))
				break;
		}
	}
	return NULL;
}

/*
 * The measured relay: total bytes from in to out, read up to @rd at a
 * time and written once @gather bytes are in (or the last ones), at most
 * @wr per write.
 */
static int relay(int in, int out, size_t rd, size_t gather, size_t wr,
		 bool from_line)
{
	static char buf[LINE_READ];
	size_t left = total, have = 0, off, n;
	char ans[ANS_LEN];

	while (left) {
		ssize_t k;

		n = left - have < rd ? left - have : rd;
		if (n > sizeof(buf) - have)
			n = sizeof(buf) - have;
		/* gathering: no more than the piece lacks (turns: whole SSNDs) */
		if (gather > 1 && n > gather - have)
			n = gather - have;
		/* turns, from the line: ask for one answer's worth, read it all */
		if (turns && from_line) {
			n = left - have < MODULE_WRITE ? left - have :
			    MODULE_WRITE;
			if (write_all(in, "AT+iSRCV:0,16384\r", REQ_LEN) ||
			    read_all(in, buf + have, n))
				return -1;
			k = (ssize_t)n;
		} else {
			k = read(in, buf + have, n);
		}
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		have += (size_t)k;
		if (have < gather && have < left)
			continue;
		for (off = 0; off < have; off += n) {
			n = have - off < wr ? have - off : wr;
			if (write_all(out, buf + off, n))
				return -1;
			/* turns, to the line: each write waits for its answer */
			if (turns && !from_line && read_all(out, ans, ANS_LEN))
				return -1;
		}
		left -= have;
		have = 0;
	}
	return 0;
}

static int leg(int in, int out, struct end *prod, struct end *cons,
	       size_t rd, size_t gather, size_t wr)
{
	pthread_t p, c;
	int r;

	pthread_create(&c, NULL, consumer, cons);
	pthread_create(&p, NULL, producer, prod);
	r = relay(in, out, rd, gather, wr, prod->module);
	pthread_join(p, NULL);
	pthread_join(c, NULL);
	return r;
}

int main(int argc, char **argv)
{
	struct end app, mod;
	int sp[2], master, slave;
	struct termios tio;
	double c0, w0;

	if (argc < 2 || argc > 3 || atol(argv[1]) <= 0 ||
	    (argc == 3 && strcmp(argv[2], "turns"))) {
		fprintf(stderr, "usage: %s N [turns]\n", argv[0]);
		return 2;
	}
	turns = argc == 3;
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
	app = (struct end){ .fd = sp[1], .chunk = APP_READ };
	mod = (struct end){ .fd = master, .chunk = MODULE_WRITE,
			    .module = true };
	c0 = clock_s(CLOCK_THREAD_CPUTIME_ID);
	w0 = clock_s(CLOCK_MONOTONIC);
	/* upload: app -> relay -> line; download: line -> relay -> app */
	if (leg(sp[0], slave, &app, &mod, APP_READ, turns ? LINE_WRITE : 1,
		LINE_WRITE) ||
	    leg(slave, sp[0], &mod, &app, LINE_READ, APP_WRITE, APP_WRITE)) {
		fprintf(stderr, "bench-copy: relay failed\n");
		return 1;
	}
	printf("cpu_s=%.6f bytes=%zu seconds=%.6f\n",
	       clock_s(CLOCK_THREAD_CPUTIME_ID) - c0, 2 * total,
	       clock_s(CLOCK_MONOTONIC) - w0);
	return 0;
}
