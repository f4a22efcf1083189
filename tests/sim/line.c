// SPDX-License-Identifier: GPL-2.0-only
// SPDX-FileCopyrightText: 2026 The ichip authors
/*
 * The serial line: a pty pair (the slave is what the host opens) or a
 * real tty, a token-bucket throttle that makes the line as slow as the
 * baud rate says (10 bits per byte, both directions), and the byte-level
 * faults: noise toward the host, dropped bytes, stalls and slow replies.
 *
 * We keep the slave open ourselves so that reads on the master never
 * fail with EIO while no host has the slave open.
 *
 * With a baud rate and --uart-buffer, host bytes land in a module buffer
 * the size of a real one, drained at the module's pace (parsing at once,
 * but pausing in long SSND streams as a module does while it sends):
 * what arrives while it is full is lost and counted, as on hardware.
 * Flow control then decides whether the host is stopped in time:
 *   soft  WAIT (XOFF) past half the buffer, then the RP4 report; CONTINUE
 *         (XON) once drained.  On a pty the master runs in packet mode,
 *         so the host's tcflow()/stop_tty() shows as TIOCPKT_STOP: a
 *         stopped host's bytes stay in the pty, as they stay in a stopped
 *         UART.  The FIFO's worth after WAIT is accepted; after that the
 *         line waits --flow-grace ms for the host to stop (scheduling
 *         latency a real module would not forgive), then takes bytes
 *         again, and loses what does not fit.
 *   hard  RTS/CTS: a pty has no modem lines, so "CTS low" is modelled
 *         by not reading while the buffer is full: nothing is lost.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "line-priv.h"
#include "sim.h"

const char *sim_line_path(struct sim_line *l)
{
	return l->path;
}

static void set_raw(int fd, unsigned long baud)
{
	static const struct { unsigned long baud; speed_t sp; } speeds[] = {
		{ 2400, B2400 }, { 4800, B4800 }, { 9600, B9600 },
		{ 19200, B19200 }, { 38400, B38400 }, { 57600, B57600 },
		{ 115200, B115200 }, { 230400, B230400 }, { 460800, B460800 },
		{ 921600, B921600 },
	};
	struct termios t;

	if (tcgetattr(fd, &t))
		return;
	cfmakeraw(&t);
	t.c_cflag |= CLOCAL | CREAD;
	for (size_t i = 0; i < sizeof(speeds) / sizeof(speeds[0]); i++)
		if (speeds[i].baud == baud)
			cfsetspeed(&t, speeds[i].sp);
	tcsetattr(fd, TCSANOW, &t);
}

/* Publish the slave path: written to a temp file then renamed, so a
 * reader never sees half a path. */
static void publish(struct sim *s, struct sim_line *l)
{
	const struct sim_opts *o = s->o;
	char tmp[4096];

	if (o->pty_file) {
		FILE *fp;

		snprintf(tmp, sizeof(tmp), "%s.tmp.%d", o->pty_file,
			 (int)getpid());
		fp = fopen(tmp, "we");
		if (fp) {
			fprintf(fp, "%s\n", l->path);
			if (fclose(fp) || rename(tmp, o->pty_file))
				sim_err("%s: %s", o->pty_file, strerror(errno));
		}
	}
	if (o->pty_link) {
		snprintf(tmp, sizeof(tmp), "%s.tmp.%d", o->pty_link,
			 (int)getpid());
		unlink(tmp);
		if (symlink(l->path, tmp) || rename(tmp, o->pty_link))
			sim_err("%s: %s", o->pty_link, strerror(errno));
	}
	printf("%s\n", l->path);
	fflush(stdout);
}

static int open_pty(struct sim_line *l)
{
	const char *name;

	l->fd = posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (l->fd < 0 || grantpt(l->fd) || unlockpt(l->fd))
		return -1;
	name = ptsname(l->fd);
	if (!name)
		return -1;
	snprintf(l->path, sizeof(l->path), "%s", name);
	l->slave_fd = open(l->path, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (l->slave_fd < 0)
		return -1;
	set_raw(l->slave_fd, 0);
	return 0;
}

/* Packet mode: the host stopping its output shows as TIOCPKT_STOP. */
static void set_packet(struct sim *s, struct sim_line *l)
{
	int on = 1;

	if (s->o->tty || !s->o->uart_buffer)
		return;
	l->pkt = !ioctl(l->fd, TIOCPKT, &on);
}

static int open_tty(struct sim_line *l, const char *path,
		    unsigned long baud)
{
	snprintf(l->path, sizeof(l->path), "%s", path);
	l->fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (l->fd < 0)
		return -1;
	set_raw(l->fd, baud);
	return 0;
}

struct sim_line *sim_line_open(struct sim *s)
{
	struct sim_line *l = calloc(1, sizeof(*l));
	int ret;

	if (!l)
		return NULL;
	l->fd = l->slave_fd = -1;
	l->s = s;
	ret = s->o->tty ? open_tty(l, s->o->tty, s->o->baud) : open_pty(l);
	if (ret) {
		sim_err("%s: %s", s->o->tty ? s->o->tty : "pty",
			strerror(errno));
		sim_line_close(l, false);
		return NULL;
	}
	set_packet(s, l);
	l->tok_ns = sim_now_ns();
	sim_line_set_baud(l, s->o->baud);
	sim_line_set_noise(l, s->o->noise_rate);
	sim_line_set_drop(l, s->o->drop_prob);
	l->corrupt = s->o->corrupt_prob;
	sim_line_set_slow(l, s->o->slow_ms);
	publish(s, l);
	return l;
}

void sim_line_discard_output(struct sim_line *l)
{
	while (l->head) {
		struct chunk *c = l->head;

		l->head = c->next;
		free(c);
	}
	l->tail = NULL;
	l->queued = 0;
}

void sim_line_close(struct sim_line *l, bool unlink_paths)
{
	if (!l)
		return;
	if (unlink_paths && l->s->o->pty_link)
		unlink(l->s->o->pty_link);
	if (unlink_paths && l->s->o->pty_file)
		unlink(l->s->o->pty_file);
	sim_line_discard_output(l);
	if (l->slave_fd >= 0)
		close(l->slave_fd);
	if (l->fd >= 0)
		close(l->fd);
	free(l);
}

void sim_line_set_baud(struct sim_line *l, unsigned long baud)
{
	l->rate = baud / 10.0;
	l->burst = l->rate * BURST_S;
	if (l->burst < 1.0)
		l->burst = 1.0;
	l->tok_in = l->tok_out = 0;
}

void sim_line_set_noise(struct sim_line *l, double rate)
{
	l->noise_rate = rate;
	l->noise_acc = 0;
	l->noise_ns = sim_now_ns();
}

void sim_line_set_drop(struct sim_line *l, double prob)
{
	l->drop = prob;
}

void sim_line_set_corrupt(struct sim_line *l, double prob)
{
	l->corrupt = prob;
}

void sim_line_set_slow(struct sim_line *l, unsigned int ms)
{
	l->slow_ms = ms;
}

void sim_line_stall(struct sim_line *l, unsigned int ms, u64 now)
{
	l->stall_until = now + (u64)ms * 1000000;
}

void sim_line_status(struct sim_line *l, char *buf, size_t cap)
{
	snprintf(buf, cap, "pty=%s baud=%.0f noise=%g drop=%g corrupt=%g slow=%u "
		 "queued=%zu uart_lost=%llu waits=%llu continues=%llu "
		 "wait_ignored=%llu stalls=%llu", l->path, l->rate * 10,
		 l->noise_rate, l->drop, l->corrupt, l->slow_ms, l->queued,
		 (unsigned long long)l->lost, (unsigned long long)l->waits,
		 (unsigned long long)l->continues,
		 (unsigned long long)l->ignored,
		 (unsigned long long)l->stalls);
}

/* Lost and flipped bytes are decided when they enter the line. */
static size_t drop_filter(struct sim *s, char dir, u8 *p, size_t n)
{
	return sim_byte_faults(s, dir, p, n, s->line->drop, s->line->corrupt);
}

void sim_line_emit(struct sim *s, const void *p, size_t n)
{
	struct sim_line *l = s->line;
	struct chunk *c;

	if (l->queued + n > LINE_OUT_MAX) {
		sim_err("host not reading: %zu bytes of output lost", n);
		return;
	}
	c = malloc(sizeof(*c) + n);
	if (!c)
		return;
	memcpy(c->d, p, n);
	c->len = drop_filter(s, '<', c->d, n);
	c->pos = 0;
	c->next = NULL;
	c->release_ns = sim_now_ns() + (u64)l->slow_ms * 1000000;
	if (l->tail)
		l->tail->next = c;
	else
		l->head = c;
	l->tail = c;
	l->queued += c->len;
}

static void refill(struct sim_line *l, u64 now)
{
	double dt = (double)(now - l->tok_ns) / SIM_NSEC;

	l->tok_ns = now;
	if (l->noise_rate > 0) {
		l->noise_acc += l->noise_rate *
				(double)(now - l->noise_ns) / SIM_NSEC;
		l->noise_ns = now;
		if (l->noise_acc > 4096)
			l->noise_acc = 4096;
	}
	if (!l->rate)
		return;
	l->tok_in += l->rate * dt;
	l->tok_out += l->rate * dt;
	if (l->tok_in > l->burst)
		l->tok_in = l->burst;
	if (l->tok_out > l->burst)
		l->tok_out = l->burst;
}

static double batch(struct sim_line *l)
{
	double b = l->rate * BATCH_S;

	if (b > l->burst)
		b = l->burst;
	return b < 1.0 ? 1.0 : b;
}

/* Nanoseconds until @tok reaches a batch, 0 if it has. */
static u64 token_wait(struct sim_line *l, double tok)
{
	double need = batch(l) - tok;

	if (!l->rate || need <= 0)
		return 0;
	return (u64)(need / l->rate * SIM_NSEC) + 1;
}

static bool out_ready(struct sim_line *l, u64 now)
{
	return (l->head && l->head->release_ns <= now) ||
	       l->noise_acc >= 1.0;
}

int sim_line_pollfd(struct sim_line *l, struct pollfd *pfd,
		    u64 *timeout_ns, u64 now)
{
	u64 w;

	refill(l, now);
	pfd->fd = l->fd;
	pfd->events = 0;
	pfd->revents = 0;
	if (l->stall_until > now) {
		min_ns(timeout_ns, l->stall_until - now);
		return 1;
	}
	if (l->pkt)
		pfd->events |= POLLPRI;		/* host stop/start */
	/*
	 * The pty wakes a reader for START with POLLIN only, and POLLIN
	 * would spin on the data a stopped host left: look every ms.
	 */
	if (l->host_stopped)
		min_ns(timeout_ns, 1000000);
	if (l->in_len && l->drain_until > now)
		min_ns(timeout_ns, l->drain_until - now);
	if (l->in_len < LINE_IN_MAX && !sim_uart_blocked(l->s, timeout_ns, now)) {
		w = token_wait(l, l->tok_in);
		if (!w)
			pfd->events |= POLLIN;
		else
			min_ns(timeout_ns, w);
	}
	if (out_ready(l, now)) {
		w = token_wait(l, l->tok_out);
		if (!w)
			pfd->events |= POLLOUT;
		else
			min_ns(timeout_ns, w);
	} else if (l->head) {
		min_ns(timeout_ns, l->head->release_ns - now);
	}
	if (l->noise_rate > 0 && l->noise_acc < 1.0)
		min_ns(timeout_ns, (u64)((1.0 - l->noise_acc) /
					 l->noise_rate * SIM_NSEC) + 1);
	return 1;
}

static size_t out_budget(struct sim_line *l, size_t want)
{
	if (l->rate && (double)want > l->tok_out)
		want = (size_t)l->tok_out;
	return want;
}

static int write_noise(struct sim *s)
{
	struct sim_line *l = s->line;
	u8 junk[256];
	size_t n = out_budget(l, (size_t)l->noise_acc);
	ssize_t w;

	if (n > sizeof(junk))
		n = sizeof(junk);
	if (!n)
		return 0;
	for (size_t i = 0; i < n; i++)
		junk[i] = (u8)sim_rand(s);
	w = write(l->fd, junk, n);
	if (w < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -1;
	sim_trace_data('!', "noise", junk, (size_t)w);
	l->noise_acc -= (double)w;
	if (l->rate)
		l->tok_out -= (double)w;
	return 0;
}

static int write_out(struct sim *s, u64 now)
{
	struct sim_line *l = s->line;

	if (l->noise_acc >= 1.0 && write_noise(s))
		return -1;
	while (l->head && l->head->release_ns <= now) {
		struct chunk *c = l->head;
		size_t n = out_budget(l, c->len - c->pos);
		ssize_t w;

		if (!n && c->len > c->pos)
			return 0;
		w = n ? write(l->fd, c->d + c->pos, n) : 0;
		if (w < 0)
			return errno == EAGAIN || errno == EINTR ? 0 : -1;
		c->pos += (size_t)w;
		l->queued -= (size_t)w;
		if (l->rate)
			l->tok_out -= (double)w;
		if (c->pos < c->len)
			return 0;
		l->head = c->next;
		if (!l->head)
			l->tail = NULL;
		free(c);
	}
	return 0;
}

/* Packet mode: a read starts with 0 before data, or is one status byte. */
static ssize_t pkt_read(struct sim_line *l, u8 *p, size_t n)
{
	u8 buf[LINE_IN_MAX + 1];
	ssize_t r;

	if (!l->pkt)
		return n ? read(l->fd, p, n) : 0;
	r = read(l->fd, buf, n + 1);
	if (r <= 0)
		return r;
	if (buf[0] == TIOCPKT_DATA) {
		memcpy(p, buf + 1, (size_t)r - 1);
		if (r == 1) {
			errno = EAGAIN;
			return -1;
		}
		return r - 1;
	}
	if (buf[0] & TIOCPKT_STOP)
		l->host_stopped = true;
	if (buf[0] & TIOCPKT_START)
		l->host_stopped = false;
	errno = EAGAIN;
	return -1;
}

static int read_in(struct sim *s, u64 now)
{
	struct sim_line *l = s->line;
	bool uart = sim_uart_on(s);
	size_t room = uart ? LINE_IN_MAX : LINE_IN_MAX - l->in_len;
	u8 tmp[LINE_IN_MAX];
	ssize_t n;

	if (l->rate && (double)room > l->tok_in)
		room = (size_t)l->tok_in;
	if (uart)
		room = sim_uart_window(s, room, now);
	n = pkt_read(l, uart ? tmp : l->in + l->in_len, room);
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -1;
	if (n == 0)
		return s->o->tty && room ? -1 : 0;
	if (l->rate)
		l->tok_in -= (double)n;
	if (uart)
		sim_uart_deliver(s, tmp, drop_filter(s, '>', tmp, (size_t)n),
				 now);
	else
		l->in_len += drop_filter(s, '>', l->in + l->in_len,
					  (size_t)n);
	return 0;
}

int sim_line_io(struct sim *s, short revents, u64 now)
{
	struct sim_line *l = s->line;

	if (l->stall_until > now)
		return 0;
	if ((revents & POLLPRI) || l->host_stopped || sim_uart_in_grace(s))
		pkt_read(l, NULL, 0);
	if ((revents & (POLLIN | POLLPRI)) && read_in(s, now))
		return -1;
	if ((revents & (POLLHUP | POLLERR)) && s->o->tty && !(revents & POLLIN))
		return -1;
	if (out_ready(l, now) && write_out(s, now))
		return -1;
	return 0;
}

void sim_line_consume(struct sim *s, u64 now)
{
	struct sim_line *l = s->line;
	size_t used;

	if (sim_uart_in_grace(s))
		return;			/* the module is frozen */
	sim_uart_grace_end(s, now);
	while (l->in_len && !s->busy && !s->quit && l->stall_until <= now &&
	       l->drain_until <= now) {
		used = sim_uart_feed_paced(s, now);
		memmove(l->in, l->in + used, l->in_len - used);
		l->in_len -= used;
		if (!used)
			break;
	}
	if (sim_uart_on(s))
		sim_uart_flow_check(s, now);
}
