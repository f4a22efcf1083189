// SPDX-License-Identifier: GPL-2.0-only
// SPDX-FileCopyrightText: 2026 The ichip authors
/*
 * Fallback transport: ichipd drives the tty itself with the framing core
 * when n_ichip is not loaded.  The kernel's queue rules, from the same
 * queue core (driver/ichip_cmdq_core.c): one command on the wire,
 * per-command timeout, resync with a bare AT+i, three failed pings fail
 * the queue with EIO.  This file does the I/O, the timer and callbacks.
 *
 * Software flow control: while an SSND is in flight, the framer's WAIT and
 * CONTINUE (found only outside counted payloads, so 0x11/0x13 inside SRCV
 * data stay data) stop and restart our output with tcflow(): on a UART
 * that halts the transmitter at once, bytes already written included.
 * The status report that follows WAIT goes up as an unsolicited line.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "ichip_cmdq_core.h"
#include "log.h"
#include "transport.h"

#define TTY_QUEUE_MAX 256
#define TTY_READS_MAX 16	/* per wakeup: 64 KiB of a raw tty */

struct tty_cmd {
	struct ichip_cq_cmd cq;
	uint64_t id;
	xport_done_fn done;		/* NULL: cancelled */
	void *userdata;
	char *text;
	uint8_t *wire;
};

struct xport_tty {
	struct xport x;
	sd_event *event;
	int fd;
	sd_event_source *io;
	sd_event_source *timer;
	uint64_t deadline;		/* of the command in flight; 0: none */
	struct ichip_frame *frame;
	struct ichip_cq cq;		/* queue, timeouts, resync: the core */
	uint64_t next_id;
	uint64_t tx_bytes, rx_bytes;
	bool dead;
	int write_error;		/* reported by lost_defer */
	sd_event_source *lost_defer;
	unsigned int dispatching;	/* callbacks running: defer free */
	bool free_pending;
	char text[ICHIP_TEXT_LEN_MAX + 1];
};

static void tty_really_free(struct xport_tty *t);

static struct tty_cmd *cmd_new(const char *text, size_t len,
			       const void *data, size_t data_len, int kind,
			       bool cksum)
{
	size_t wire_max = ICHIP_WIRE_MAX_CKSUM(len, data_len);
	struct tty_cmd *cmd = calloc(1, sizeof(*cmd));

	if (!cmd)
		return NULL;
	cmd->text = malloc(len + 1);
	cmd->wire = malloc(wire_max);
	if (!cmd->text || !cmd->wire) {
		free(cmd->text);
		free(cmd->wire);
		free(cmd);
		return NULL;
	}
	memcpy(cmd->text, text, len);
	cmd->text[len] = '\0';
	cmd->cq.text = cmd->text;
	cmd->cq.text_len = len;
	cmd->cq.wire = cmd->wire;
	cmd->cq.wire_len = cksum ?
		ichip_cmd_wire_cksum(cmd->wire, wire_max, text, len, data,
				     data_len) :
		ichip_cmd_wire(cmd->wire, wire_max, text, len, data, data_len);
	cmd->cq.kind = kind;
	cmd->cq.cksum = cksum;
	/* an SSND's stream: what follows "<text>:" (checksum included) */
	if (cmd->cq.wire_len > len && cmd->wire[len] == ':')
		cmd->cq.data_len = cmd->cq.wire_len - len - 1;
	cmd->cq.timeout_ms = ichip_cmd_default_timeout_ms(text, len);
	return cmd;
}

static void cmd_free(struct tty_cmd *cmd)
{
	free(cmd->text);
	free(cmd->wire);
	free(cmd);
}

static void update_io(struct xport_tty *t)
{
	const uint8_t *buf;
	uint32_t events = EPOLLIN;

	if (ichip_cq_tx_peek(&t->cq, &buf))
		events |= EPOLLOUT;
	sd_event_source_set_io_events(t->io, events);
}

static void lost(struct xport_tty *t, int err)
{
	if (t->dead)
		return;
	t->dead = true;
	t->cq.halted = true;
	log_warning("tty transport: line lost: %s", strerror(err));
	/* whatever read() said (EIO on a hung-up pty), the line is gone */
	ichip_cq_fail_all(&t->cq, EPIPE);
	ichip_cq_set_state(&t->cq, ICHIP_DEV_STATE_HUNGUP);
	sd_event_source_set_enabled(t->io, SD_EVENT_OFF);
	if (t->x.ev->lost)
		t->x.ev->lost(t->x.owner, err);
}

static void tx_push(struct xport_tty *t)
{
	const uint8_t *buf;
	size_t len;

	while ((len = ichip_cq_tx_peek(&t->cq, &buf))) {
		ssize_t n = write(t->fd, buf, len);

		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			/*
			 * Not from here: tx_push runs inside exec(), and the
			 * callbacks lost() runs could free the caller.
			 */
			t->write_error = errno;
			sd_event_source_set_enabled(t->lost_defer,
						    SD_EVENT_ONESHOT);
			return;
		}
		t->tx_bytes += (uint64_t)n;
		ichip_cq_tx_advance(&t->cq, (size_t)n);
	}
	update_io(t);
}

/* The queue core's actions. */

/* Run a command's callback; the callback may queue more or free us. */
static void op_complete(void *owner, struct ichip_cq_cmd *c,
			const struct ichip_result *res, int err)
{
	struct xport_tty *t = owner;
	struct tty_cmd *cmd = (struct tty_cmd *)c;
	struct xport_reply r = {
		.status = ICHIP_STATUS_FAILED, .err = err, .text = "",
	};

	if (res) {
		memcpy(t->text, res->text, res->text_len);
		t->text[res->text_len] = '\0';
		r.status = res->status;
		r.module_error = res->module_error;
		r.text = t->text;
		r.text_len = res->text_len;
		r.data = res->data;
		r.data_len = res->data_len;
	}
	if (cmd->done) {
		t->dispatching++;
		cmd->done(cmd->userdata, &r);
		t->dispatching--;
	}
	cmd_free(cmd);
}

static void op_tx_start(void *owner)
{
	tx_push(owner);
}

/*
 * The deadline moves with every write and every command; the timer does
 * not: one due earlier stays, and on_timeout() moves it on when it fires
 * before the deadline.  Moving it each time cost a timerfd_settime per
 * write (a fifth of ichipd's CPU in a transfer, perf in issue 16).
 */
static void op_arm(void *owner, unsigned int ms)
{
	struct xport_tty *t = owner;
	uint64_t now, when;
	int on = SD_EVENT_OFF;

	sd_event_now(t->event, CLOCK_MONOTONIC, &now);
	t->deadline = now + ms * 1000ULL;
	if (sd_event_source_get_enabled(t->timer, &on) >= 0 &&
	    on != SD_EVENT_OFF &&
	    sd_event_source_get_time(t->timer, &when) >= 0 &&
	    when <= t->deadline)
		return;
	sd_event_source_set_time(t->timer, t->deadline);
	sd_event_source_set_enabled(t->timer, SD_EVENT_ONESHOT);
}

/* No deadline; a timer still set fires once for nothing (on_timeout). */
static void op_disarm(void *owner)
{
	struct xport_tty *t = owner;

	t->deadline = 0;
}

/* WAIT: stop our output, already written bytes included; CONTINUE. */
static void op_flow(void *owner, bool stop)
{
	struct xport_tty *t = owner;

	if (tcflow(t->fd, stop ? TCOOFF : TCOON) && errno != ENOTTY)
		log_debug("tty transport: tcflow: %m");
	update_io(t);
}

static void op_state(void *owner, enum ichip_dev_state old)
{
	struct xport_tty *t = owner;

	if (t->x.ev->state)
		t->x.ev->state(t->x.owner, t->cq.state);
}

static void op_resync(void *owner, bool ok, unsigned int failed)
{
	if (!ok)
		log_warning("tty transport: module not answering; failing %u commands",
			    failed);
}

static void op_unsolicited(void *owner, const char *text, size_t len)
{
	struct xport_tty *t = owner;
	char line[ICHIP_LINE_MAX + 1];

	memcpy(line, text, len);
	line[len] = '\0';
	if (t->x.ev->unsolicited)
		t->x.ev->unsolicited(t->x.owner, line);
}

static const struct ichip_cq_ops tty_cq_ops = {
	.complete = op_complete,
	.tx_start = op_tx_start,
	.arm = op_arm,
	.disarm = op_disarm,
	.flow = op_flow,
	.state = op_state,
	.resync = op_resync,
	.unsolicited = op_unsolicited,
};

static void rx(struct xport_tty *t, const uint8_t *buf, size_t len)
{
	t->rx_bytes += len;
	if (!t->dead)
		ichip_cq_rx(&t->cq, buf, len);
}

static int on_io(sd_event_source *s, int fd, uint32_t events, void *ud)
{
	struct xport_tty *t = ud;
	uint8_t buf[65536];
	ssize_t n;
	int i;

	t->dispatching++;
	/*
	 * A raw tty hands out at most 4 KiB (N_TTY's buffer) per read while
	 * more may wait in its flip buffers: read on, up to TTY_READS_MAX
	 * times, rather than back through epoll for each 4 KiB (perf, issue
	 * 16: a wakeup per read was a third of ichipd's CPU in a transfer).
	 */
	for (i = 0; (events & EPOLLIN) && i < TTY_READS_MAX && !t->dead;
	     i++) {
		n = read(fd, buf, sizeof(buf));
		if (n > 0) {
			rx(t, buf, (size_t)n);
			continue;
		}
		if (n == 0 || (errno != EAGAIN && errno != EINTR))
			lost(t, n == 0 ? EPIPE : errno);
		break;
	}
	if (!(events & EPOLLIN) && (events & (EPOLLHUP | EPOLLERR)))
		lost(t, EPIPE);
	if (!t->dead && (events & EPOLLOUT))
		tx_push(t);
	t->dispatching--;
	if (!t->dispatching && t->free_pending)
		tty_really_free(t);
	return 0;
}

static int on_write_error(sd_event_source *s, void *ud)
{
	struct xport_tty *t = ud;

	t->dispatching++;
	lost(t, t->write_error);
	t->dispatching--;
	if (!t->dispatching && t->free_pending)
		tty_really_free(t);
	return 0;
}

static int on_timeout(sd_event_source *s, uint64_t usec, void *ud)
{
	struct xport_tty *t = ud;
	uint64_t now;

	if (!t->deadline)
		return 0;	/* disarmed since it was set */
	sd_event_now(t->event, CLOCK_MONOTONIC, &now);
	if (now < t->deadline) {	/* progress since: not yet due */
		sd_event_source_set_time(t->timer, t->deadline);
		sd_event_source_set_enabled(t->timer, SD_EVENT_ONESHOT);
		return 0;
	}
	t->deadline = 0;
	t->dispatching++;
	ichip_cq_timeout(&t->cq);
	t->dispatching--;
	if (!t->dispatching && t->free_pending)
		tty_really_free(t);
	return 0;
}

static int tty_exec(struct xport *x, const char *text, const void *data,
		    size_t data_len, unsigned int timeout_ms,
		    xport_done_fn done, void *userdata, uint64_t *id)
{
	struct xport_tty *t = (struct xport_tty *)x;
	size_t len = strlen(text);
	struct tty_cmd *cmd;
	int kind;

	if (t->dead)
		return -EPIPE;
	if (t->cq.depth >= TTY_QUEUE_MAX)
		return -EBUSY;
	kind = ichip_cmd_classify(text, len, data_len);
	if (kind < 0)
		return kind;
	cmd = cmd_new(text, len, data, data_len, kind, x->cksum);
	if (!cmd)
		return -ENOMEM;
	if (timeout_ms)
		cmd->cq.timeout_ms = timeout_ms;
	cmd->done = done;
	cmd->userdata = userdata;
	cmd->id = ++t->next_id;
	if (id)
		*id = cmd->id;
	ichip_cq_queue(&t->cq, &cmd->cq);
	return 0;
}

/* Every command the core holds, for cancel and free. */
static void for_each_cmd(struct xport_tty *t,
			 void (*fn)(struct tty_cmd *cmd, uint64_t id),
			 uint64_t id)
{
	struct ichip_cq_cmd *c = ichip_cq_inflight(&t->cq);

	if (c)
		fn((struct tty_cmd *)c, id);
	if (t->cq.suspect)
		fn((struct tty_cmd *)t->cq.suspect, id);
	if (t->cq.held)
		fn((struct tty_cmd *)t->cq.held, id);
	for (c = t->cq.head; c; c = c->next)
		fn((struct tty_cmd *)c, id);
}

static void cancel_one(struct tty_cmd *cmd, uint64_t id)
{
	if (cmd->id == id || !id)
		cmd->done = NULL;
}

static void tty_cancel(struct xport *x, uint64_t id)
{
	for_each_cmd((struct xport_tty *)x, cancel_one, id);
}

static int tty_counters(struct xport *x, struct xport_counters *c)
{
	struct xport_tty *t = (struct xport_tty *)x;
	const struct ichip_cq_stats *q = &t->cq.stats;

	memset(c, 0, sizeof(*c));
	c->tx_bytes = t->tx_bytes;
	c->rx_bytes = t->rx_bytes;
	c->commands = q->commands;
	c->module_errors = q->module_errors;
	c->timeouts = q->timeouts;
	c->resyncs = q->resyncs;
	c->overruns = t->frame->stats.overflows;
	c->noise = q->noise;
	c->unsolicited = q->unsolicited;
	c->cksum_errors = q->cksum_errors;
	c->cksum_retries = q->cksum_retries;
	return 0;
}

static void tty_really_free(struct xport_tty *t)
{
	/* every callback is off (tty_free): this only frees the commands */
	t->cq.halted = true;
	if (t->timer && t->io)
		ichip_cq_fail_all(&t->cq, EPIPE);
	sd_event_source_disable_unref(t->io);
	sd_event_source_disable_unref(t->timer);
	sd_event_source_disable_unref(t->lost_defer);
	sd_event_unref(t->event);
	if (t->fd >= 0)
		close(t->fd);
	free(t->frame);
	free(t);
}

static void tty_free(struct xport *x)
{
	struct xport_tty *t = (struct xport_tty *)x;

	/* no callbacks after free, even for commands still queued */
	t->dead = true;
	t->cq.halted = true;
	for_each_cmd(t, cancel_one, 0);
	if (t->dispatching)
		t->free_pending = true;
	else
		tty_really_free(t);
}

static const struct xport_ops tty_ops = {
	.name = "tty",
	.exec = tty_exec,
	.cancel = tty_cancel,
	.counters = tty_counters,
	.free = tty_free,
};

/*
 * The line's speed in bits/s, for the core's SSND probe (0: not a tty or
 * an unusual speed, the probe then waits for the SSND's timeout).
 */
static unsigned int tty_baud(int fd)
{
	static const struct { speed_t s; unsigned int bps; } speeds[] = {
		{ B9600, 9600 }, { B19200, 19200 }, { B38400, 38400 },
		{ B57600, 57600 }, { B115200, 115200 }, { B230400, 230400 },
		{ B460800, 460800 }, { B921600, 921600 },
	};
	struct termios tio;
	speed_t sp;
	size_t i;

	if (tcgetattr(fd, &tio))
		return 0;
	sp = cfgetospeed(&tio);
	for (i = 0; i < sizeof(speeds) / sizeof(speeds[0]); i++)
		if (speeds[i].s == sp)
			return speeds[i].bps;
	return 0;
}

int xport_tty_new(sd_event *e, int fd, const struct xport_events *ev,
		  void *owner, struct xport **out)
{
	struct xport_tty *t = calloc(1, sizeof(*t));
	int r;

	if (!t)
		return -ENOMEM;
	t->x.ops = &tty_ops;
	t->x.ev = ev;
	t->x.owner = owner;
	t->fd = fd;
	t->event = sd_event_ref(e);
	t->frame = calloc(1, sizeof(*t->frame));
	if (!t->frame) {
		r = -ENOMEM;
		goto fail;
	}
	ichip_frame_reset(t->frame);
	ichip_cq_init(&t->cq, t->frame, &tty_cq_ops, t);
	t->cq.baud = tty_baud(fd);
	r = sd_event_add_io(e, &t->io, fd, EPOLLIN, on_io, t);
	if (r < 0)
		goto fail;
	/* 1 ms accuracy: the default would let a 1 s timeout run 1.25 s */
	r = sd_event_add_time(e, &t->timer, CLOCK_MONOTONIC, UINT64_MAX, 1000,
			      on_timeout, t);
	if (r < 0)
		goto fail;
	sd_event_source_set_enabled(t->timer, SD_EVENT_OFF);
	r = sd_event_add_defer(e, &t->lost_defer, on_write_error, t);
	if (r < 0)
		goto fail;
	sd_event_source_set_enabled(t->lost_defer, SD_EVENT_OFF);
	*out = &t->x;
	return 0;
fail:
	t->fd = -1;	/* the caller keeps its fd on failure */
	tty_really_free(t);
	return r;
}
