// SPDX-License-Identifier: GPL-2.0-only
// SPDX-FileCopyrightText: 2026 The ichip authors
/*
 * Fallback transport: ichipd drives the tty itself with the framing core
 * when n_ichip is not loaded.  Same rules as the kernel queue: one command
 * on the wire, per-command timeout, resync with a bare AT+i, three failed
 * pings fail the queue with EIO.
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

#include "ichip_frame.h"
#include "log.h"
#include "transport.h"

#define TTY_RESYNC_TRIES 3
#define TTY_QUEUE_MAX 256
#define TTY_READS_MAX 16	/* per wakeup: 64 KiB of a raw tty */

struct tty_cmd {
	struct tty_cmd *next;
	uint64_t id;
	xport_done_fn done;		/* NULL: internal or cancelled */
	void *userdata;
	bool internal;
	enum ichip_reply_kind kind;
	unsigned int timeout_ms;
	char *text;
	size_t text_len;
	uint8_t *wire;
	size_t wire_len;
	size_t data_len;		/* SSND payload, at wire + text_len + 1 */
};

struct xport_tty {
	struct xport x;
	sd_event *event;
	int fd;
	sd_event_source *io;
	sd_event_source *timer;
	uint64_t deadline;		/* of the command in flight */
	struct ichip_frame *frame;
	struct tty_cmd *head, *tail, *inflight;
	size_t tx_pos;
	bool tx_stopped;		/* the module sent WAIT */
	unsigned int depth;
	unsigned int resync_tries;
	uint64_t next_id;
	enum ichip_dev_state state;
	struct xport_counters c;
	bool dead;
	int write_error;		/* reported by lost_defer */
	sd_event_source *lost_defer;
	unsigned int dispatching;	/* callbacks running: defer free */
	bool free_pending;
	char text[ICHIP_TEXT_LEN_MAX + 1];
};

static void tty_kick(struct xport_tty *t);
static void tty_really_free(struct xport_tty *t);
static void flow_stop(struct xport_tty *t, bool stop);

static struct tty_cmd *cmd_new(const char *text, size_t len,
			       const void *data, size_t data_len, int kind)
{
	struct tty_cmd *cmd = calloc(1, sizeof(*cmd));

	if (!cmd)
		return NULL;
	cmd->text = malloc(len + 1);
	cmd->wire = malloc(ICHIP_WIRE_MAX(len, data_len));
	if (!cmd->text || !cmd->wire) {
		free(cmd->text);
		free(cmd->wire);
		free(cmd);
		return NULL;
	}
	memcpy(cmd->text, text, len);
	cmd->text[len] = '\0';
	cmd->text_len = len;
	cmd->wire_len = ichip_cmd_wire(cmd->wire, ICHIP_WIRE_MAX(len, data_len),
				       text, len, data, data_len);
	cmd->kind = kind;
	cmd->data_len = data_len;
	cmd->timeout_ms = ichip_cmd_default_timeout_ms(text, len);
	return cmd;
}

static void cmd_free(struct tty_cmd *cmd)
{
	free(cmd->text);
	free(cmd->wire);
	free(cmd);
}

static void set_state(struct xport_tty *t, enum ichip_dev_state s)
{
	if (t->state == s)
		return;
	t->state = s;
	if (t->x.ev->state)
		t->x.ev->state(t->x.owner, s);
}

/* Run a command's callback; the callback may queue more or free us. */
static void finish(struct xport_tty *t, struct tty_cmd *cmd,
		   const struct xport_reply *r)
{
	if (!cmd->internal) {
		t->depth--;
		if (cmd->done) {
			t->dispatching++;
			cmd->done(cmd->userdata, r);
			t->dispatching--;
		}
	}
	cmd_free(cmd);
}

static void fail_cmd(struct xport_tty *t, struct tty_cmd *cmd, int err)
{
	struct xport_reply r = {
		.status = ICHIP_STATUS_FAILED, .err = err, .text = "",
	};

	finish(t, cmd, &r);
}

static void fail_all(struct xport_tty *t, int err)
{
	struct tty_cmd *cmd;

	flow_stop(t, false);

	if (t->inflight) {
		cmd = t->inflight;
		t->inflight = NULL;
		ichip_frame_abandon(t->frame);
		fail_cmd(t, cmd, err);
	}
	while ((cmd = t->head)) {
		t->head = cmd->next;
		if (!t->head)
			t->tail = NULL;
		fail_cmd(t, cmd, err);
	}
	sd_event_source_set_enabled(t->timer, SD_EVENT_OFF);
}

static void push_front(struct xport_tty *t, struct tty_cmd *cmd)
{
	cmd->next = t->head;
	t->head = cmd;
	if (!t->tail)
		t->tail = cmd;
}

/*
 * A resync ping; after one went unanswered, padded with CRs first: the
 * module may be swallowing an SSND payload a dead host left half-sent
 * (blank lines are ignored once it is done).
 */
static bool queue_resync(struct xport_tty *t)
{
	size_t fill = t->resync_tries ? ICHIP_DATA_LEN_MAX : 0;
	struct tty_cmd *cmd = cmd_new("AT+i", 4, NULL, 0, ICHIP_REPLY_STATUS);
	uint8_t *wire;

	if (!cmd)
		return false;
	if (fill) {
		wire = malloc(fill + cmd->wire_len);
		if (!wire) {
			cmd_free(cmd);
			return false;
		}
		memset(wire, '\r', fill);
		memcpy(wire + fill, cmd->wire, cmd->wire_len);
		free(cmd->wire);
		cmd->wire = wire;
		cmd->wire_len += fill;
	}
	cmd->internal = true;
	t->c.resyncs++;
	push_front(t, cmd);
	return true;
}

/*
 * The deadline moves with every write and every command; the timer does
 * not: one due earlier stays, and on_timeout moves it on when it fires
 * before the deadline.  Moving it each time cost a timerfd_settime per
 * write (a fifth of ichipd's CPU in a transfer, perf in issue 16).
 */
static void arm_timer(struct xport_tty *t)
{
	uint64_t now, when;
	int on = SD_EVENT_OFF;

	sd_event_now(t->event, CLOCK_MONOTONIC, &now);
	t->deadline = now + t->inflight->timeout_ms * 1000ULL;
	if (sd_event_source_get_enabled(t->timer, &on) >= 0 &&
	    on != SD_EVENT_OFF &&
	    sd_event_source_get_time(t->timer, &when) >= 0 &&
	    when <= t->deadline)
		return;
	sd_event_source_set_time(t->timer, t->deadline);
	sd_event_source_set_enabled(t->timer, SD_EVENT_ONESHOT);
}

/* WAIT: stop our output, already written bytes included; CONTINUE. */
static void flow_stop(struct xport_tty *t, bool stop)
{
	if (t->tx_stopped == stop)
		return;
	t->tx_stopped = stop;
	if (tcflow(t->fd, stop ? TCOOFF : TCOON) && errno != ENOTTY)
		log_debug("tty transport: tcflow: %m");
}

static void update_io(struct xport_tty *t)
{
	uint32_t events = EPOLLIN;

	if (t->inflight && t->tx_pos < t->inflight->wire_len &&
	    !t->tx_stopped)
		events |= EPOLLOUT;
	sd_event_source_set_io_events(t->io, events);
}

static void lost(struct xport_tty *t, int err)
{
	if (t->dead)
		return;
	t->dead = true;
	log_warning("tty transport: line lost: %s", strerror(err));
	/* whatever read() said (EIO on a hung-up pty), the line is gone */
	fail_all(t, EPIPE);
	set_state(t, ICHIP_DEV_STATE_HUNGUP);
	sd_event_source_set_enabled(t->io, SD_EVENT_OFF);
	if (t->x.ev->lost)
		t->x.ev->lost(t->x.owner, err);
}

static void tx_push(struct xport_tty *t)
{
	struct tty_cmd *cmd = t->inflight;

	while (cmd && t->tx_pos < cmd->wire_len && !t->tx_stopped) {
		ssize_t n = write(t->fd, cmd->wire + t->tx_pos,
				  cmd->wire_len - t->tx_pos);

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
		t->tx_pos += (size_t)n;
		t->c.tx_bytes += (uint64_t)n;
		arm_timer(t);	/* the deadline counts from the last progress */
	}
	update_io(t);
}

static void tty_kick(struct xport_tty *t)
{
	struct tty_cmd *cmd = t->head;

	if (t->inflight || !cmd || t->dead)
		return;
	t->head = cmd->next;
	if (!t->head)
		t->tail = NULL;
	t->inflight = cmd;
	t->tx_pos = 0;
	flow_stop(t, false);
	if (cmd->data_len)
		ichip_frame_expect_ssnd(t->frame, cmd->text, cmd->text_len,
					cmd->wire + cmd->text_len + 1,
					cmd->data_len);
	else
		ichip_frame_expect(t->frame, cmd->kind, cmd->text,
				   cmd->text_len);
	set_state(t, cmd->internal ? ICHIP_DEV_STATE_RESYNC :
				     ICHIP_DEV_STATE_BUSY);
	arm_timer(t);
	tx_push(t);
}

static void resync_failed(struct xport_tty *t)
{
	/* the framer may be counting a payload the module never finished */
	ichip_frame_reset(t->frame);
	if (++t->resync_tries < TTY_RESYNC_TRIES && queue_resync(t))
		return;
	t->resync_tries = 0;
	log_warning("tty transport: module not answering; failing %u commands",
		    t->depth);
	fail_all(t, EIO);
	set_state(t, ICHIP_DEV_STATE_UNRESPONSIVE);
}

static void complete(struct xport_tty *t)
{
	const struct ichip_result *res = &t->frame->res;
	struct tty_cmd *cmd = t->inflight;
	struct xport_reply r = { 0 };

	t->inflight = NULL;
	flow_stop(t, false);
	/* the timer stays: the next command's deadline is later */
	if (res->status == ICHIP_STATUS_ERROR ||
	    res->status == ICHIP_STATUS_BUSY)
		t->c.module_errors++;

	if (cmd->internal) {
		cmd_free(cmd);
		if (res->status == ICHIP_STATUS_OK) {
			t->resync_tries = 0;
			set_state(t, ICHIP_DEV_STATE_IDLE);
		} else {
			resync_failed(t);
		}
		return;
	}
	t->c.commands++;
	memcpy(t->text, res->text, res->text_len);
	t->text[res->text_len] = '\0';
	r.status = res->status;
	r.module_error = res->module_error;
	r.text = t->text;
	r.text_len = res->text_len;
	r.data = res->data;
	r.data_len = res->data_len;
	if (t->state == ICHIP_DEV_STATE_BUSY)
		set_state(t, ICHIP_DEV_STATE_IDLE);
	finish(t, cmd, &r);
}

static void rx(struct xport_tty *t, const uint8_t *buf, size_t len)
{
	struct ichip_event ev;
	char line[ICHIP_LINE_MAX + 1];
	size_t used;

	t->c.rx_bytes += len;
	while (len && !t->dead) {
		used = ichip_frame_feed(t->frame, buf, len, &ev);
		buf += used;
		len -= used;
		switch (ev.type) {
		case ICHIP_EV_RESULT:
			if (t->inflight)
				complete(t);
			break;
		case ICHIP_EV_UNSOLICITED:
			t->c.unsolicited++;
			memcpy(line, ev.line, ev.len);
			line[ev.len] = '\0';
			if (t->x.ev->unsolicited)
				t->x.ev->unsolicited(t->x.owner, line);
			break;
		case ICHIP_EV_NOISE:
			t->c.noise++;
			break;
		case ICHIP_EV_WAIT:
			/* only an SSND stream is paced; stray bytes are not */
			if (t->inflight && t->frame->ssnd) {
				flow_stop(t, true);
				update_io(t);
			}
			break;
		case ICHIP_EV_CONTINUE:
			if (t->tx_stopped) {
				flow_stop(t, false);
				tx_push(t);
			}
			break;
		default:	/* overflows: counted by the framer */
			break;
		}
	}
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
	if (!t->dead)
		tty_kick(t);
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
	struct tty_cmd *cmd = t->inflight;
	uint64_t now;

	if (!cmd)
		return 0;
	sd_event_now(t->event, CLOCK_MONOTONIC, &now);
	if (now < t->deadline) {	/* progress since: not yet due */
		sd_event_source_set_time(t->timer, t->deadline);
		sd_event_source_set_enabled(t->timer, SD_EVENT_ONESHOT);
		return 0;
	}
	t->dispatching++;
	t->inflight = NULL;
	flow_stop(t, false);
	ichip_frame_abandon(t->frame);
	t->c.timeouts++;
	if (cmd->internal) {
		cmd_free(cmd);
		resync_failed(t);
	} else {
		fail_cmd(t, cmd, ETIMEDOUT);
		if (!queue_resync(t))
			fail_all(t, ENOMEM);
	}
	tty_kick(t);
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
	if (t->depth >= TTY_QUEUE_MAX)
		return -EBUSY;
	kind = ichip_cmd_classify(text, len, data_len);
	if (kind < 0)
		return kind;
	cmd = cmd_new(text, len, data, data_len, kind);
	if (!cmd)
		return -ENOMEM;
	if (timeout_ms)
		cmd->timeout_ms = timeout_ms;
	cmd->done = done;
	cmd->userdata = userdata;
	cmd->id = ++t->next_id;
	if (id)
		*id = cmd->id;
	if (t->state == ICHIP_DEV_STATE_UNRESPONSIVE && !t->inflight &&
	    !t->head && !queue_resync(t)) {
		cmd_free(cmd);
		return -ENOMEM;
	}
	if (t->tail)
		t->tail->next = cmd;
	else
		t->head = cmd;
	t->tail = cmd;
	t->depth++;
	tty_kick(t);
	return 0;
}

static void tty_cancel(struct xport *x, uint64_t id)
{
	struct xport_tty *t = (struct xport_tty *)x;
	struct tty_cmd *cmd;

	if (t->inflight && t->inflight->id == id)
		t->inflight->done = NULL;
	for (cmd = t->head; cmd; cmd = cmd->next)
		if (cmd->id == id)
			cmd->done = NULL;
}

static int tty_counters(struct xport *x, struct xport_counters *c)
{
	struct xport_tty *t = (struct xport_tty *)x;

	*c = t->c;
	c->overruns = t->frame->stats.overflows;
	return 0;
}

static void tty_really_free(struct xport_tty *t)
{
	struct tty_cmd *cmd;

	if (t->inflight)
		cmd_free(t->inflight);
	while ((cmd = t->head)) {
		t->head = cmd->next;
		cmd_free(cmd);
	}
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
	struct tty_cmd *cmd;

	/* no callbacks after free, even for commands still queued */
	t->dead = true;
	for (cmd = t->head; cmd; cmd = cmd->next)
		cmd->done = NULL;
	if (t->inflight)
		t->inflight->done = NULL;
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
	t->state = ICHIP_DEV_STATE_IDLE;
	t->event = sd_event_ref(e);
	t->frame = calloc(1, sizeof(*t->frame));
	if (!t->frame) {
		r = -ENOMEM;
		goto fail;
	}
	ichip_frame_reset(t->frame);
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
