/* SPDX-License-Identifier: GPL-2.0-only */
/* SPDX-FileCopyrightText: 2026 The ichip authors */
/*
 * The fake owner of the command queue core for its unit tests: records
 * what the core asks for (bytes to write, timer, flow control,
 * completions) and plays the module through the real framing core.
 * Included by each test-cmdq-*.c (static: one copy per test program).
 */
#ifndef ICHIP_TEST_CMDQ_FAKE_H
#define ICHIP_TEST_CMDQ_FAKE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ichip_cmdq_core.h"

#define MAX_DONE 16

struct done {
	const char *text;
	enum ichip_status status;
	unsigned int module_error;
	int err;
	char data[16];		/* the first bytes of a DATA result */
	size_t data_len;
};

struct fake {
	struct ichip_cq cq;
	struct ichip_frame frame;
	struct done done[MAX_DONE];
	int ndone;
	unsigned int armed_ms;		/* 0: not armed */
	int arms, tx_starts, flows_stopped, resync_ok, resync_failed;
	unsigned int failed_count;
	enum ichip_dev_state states[32];
	int nstates;
	int unsolicited;
	/* a completion that queues this command (re-entrancy) */
	struct ichip_cq_cmd *requeue;
	/* what the "wire" got */
	char wire[65536];
	size_t wire_len;
};

static void op_complete(void *owner, struct ichip_cq_cmd *cmd,
			const struct ichip_result *res, int err)
{
	struct fake *f = owner;
	struct ichip_cq_cmd *next = f->requeue;

	if (f->ndone < MAX_DONE) {
		struct done *d = &f->done[f->ndone++];

		*d = (struct done){
			.text = cmd->text,
			.status = res ? res->status : ICHIP_STATUS_FAILED,
			.module_error = res ? res->module_error : 0,
			.err = err,
			.data_len = res ? res->data_len : 0,
		};
		if (res && res->data_len)
			memcpy(d->data, res->data,
			       res->data_len < sizeof(d->data) - 1 ?
			       res->data_len : sizeof(d->data) - 1);
	}
	if (next) {
		f->requeue = NULL;
		ichip_cq_queue(&f->cq, next);
	}
}

static void op_tx_start(void *owner)
{
	((struct fake *)owner)->tx_starts++;
}

static void op_arm(void *owner, unsigned int ms)
{
	struct fake *f = owner;

	f->armed_ms = ms;
	f->arms++;
}

static void op_disarm(void *owner)
{
	((struct fake *)owner)->armed_ms = 0;
}

static void op_flow(void *owner, bool stop)
{
	if (stop)
		((struct fake *)owner)->flows_stopped++;
}

static void op_state(void *owner, enum ichip_dev_state old)
{
	struct fake *f = owner;

	if (f->nstates < 32)
		f->states[f->nstates++] = f->cq.state;
}

static void op_resync(void *owner, bool ok, unsigned int failed)
{
	struct fake *f = owner;

	if (ok) {
		f->resync_ok++;
	} else {
		f->resync_failed++;
		f->failed_count = failed;
	}
}

static void op_unsolicited(void *owner, const char *line, size_t len)
{
	((struct fake *)owner)->unsolicited++;
}

static const struct ichip_cq_ops fake_ops = {
	.complete = op_complete,
	.tx_start = op_tx_start,
	.arm = op_arm,
	.disarm = op_disarm,
	.flow = op_flow,
	.state = op_state,
	.resync = op_resync,
	.unsolicited = op_unsolicited,
};

static inline struct fake *fake_new(void)
{
	struct fake *f = calloc(1, sizeof(*f));

	if (!f)
		abort();
	ichip_frame_reset(&f->frame);
	ichip_cq_init(&f->cq, &f->frame, &fake_ops, f);
	return f;
}

struct cmd {
	struct ichip_cq_cmd cq;
	u8 wire[ICHIP_WIRE_MAX_CKSUM(ICHIP_CMD_LEN_MAX, 64)];
};

static inline struct ichip_cq_cmd *cmd_make(struct cmd *c, const char *text,
				     const char *data, unsigned int timeout)
{
	size_t len = strlen(text), dlen = data ? strlen(data) : 0;
	int kind = ichip_cmd_classify(text, len, dlen);

	if (kind < 0)
		abort();
	memset(c, 0, sizeof(*c));
	c->cq.text = text;
	c->cq.text_len = len;
	c->cq.wire = c->wire;
	c->cq.wire_len = ichip_cmd_wire(c->wire, sizeof(c->wire), text, len,
					(const u8 *)data, dlen);
	c->cq.data_len = dlen;
	c->cq.kind = kind;
	c->cq.timeout_ms = timeout ? timeout :
			   ichip_cmd_default_timeout_ms(text, len);
	return &c->cq;
}

/* Take everything the core would write now (the tty accepts all). */
static inline size_t drain(struct fake *f)
{
	const u8 *buf;
	size_t n, total = 0;

	f->wire_len = 0;
	while ((n = ichip_cq_tx_peek(&f->cq, &buf))) {
		if (f->wire_len + n < sizeof(f->wire)) {
			memcpy(f->wire + f->wire_len, buf, n);
			f->wire_len += n;
		}
		total += n;
		ichip_cq_tx_advance(&f->cq, n);
	}
	f->wire[f->wire_len] = '\0';
	return total;
}

static inline size_t say(struct fake *f, const char *s)
{
	return ichip_cq_rx(&f->cq, (const u8 *)s, strlen(s));
}

/* A command in checksum mode: the SSND wire ends in the checksum. */
static inline struct ichip_cq_cmd *cmd_cksum(struct cmd *c, const char *text,
				      const char *data)
{
	size_t len = strlen(text), dlen = data ? strlen(data) : 0;

	cmd_make(c, text, data, 0);
	c->cq.cksum = true;
	c->cq.wire_len = ichip_cmd_wire_cksum(c->wire, sizeof(c->wire), text,
					      len, (const u8 *)data, dlen);
	if (dlen)
		c->cq.data_len = dlen + ICHIP_CKSUM_LEN;
	return &c->cq;
}

static inline size_t say_n(struct fake *f, const void *p, size_t n)
{
	return ichip_cq_rx(&f->cq, p, n);
}

/* A checksum retry waiting out its backoff: the timer, if armed, fires. */
static inline void backoff_over(struct fake *f)
{
	if (f->cq.held && !f->cq.inflight && f->armed_ms)
		ichip_cq_timeout(&f->cq);
}

#endif /* ICHIP_TEST_CMDQ_FAKE_H */
