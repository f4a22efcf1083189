// SPDX-License-Identifier: GPL-2.0-only OR MIT
// SPDX-FileCopyrightText: 2026 The ichip authors
/*
 * The command queue core (see ichip_cmdq_core.h): shared by n_ichip and
 * ichipd's tty transport, so the queue, timeout and resync rules are
 * written once.  Order of work everywhere: first the core's own state is
 * made consistent, then callbacks run, since a completion may queue the
 * next command and re-enter.
 */
#include "ichip_cmdq_core.h"

/* I/ERROR 041-053: the module could not parse the command line */
#define ICHIP_CQ_SYNTAX_FIRST	41
#define ICHIP_CQ_SYNTAX_LAST	53
/* I/ERROR 200: no such socket */
#define ICHIP_CQ_NO_SOCKET	200

static const char ichip_cq_ping_text[] = "AT+i";
static const u8 ichip_cq_ping_wire[] = "AT+i\r";
#define ICHIP_CQ_PING_LEN	(sizeof(ichip_cq_ping_wire) - 1)
/* the probe: an SSND stream short of a byte takes the first 'A' */
static const char ichip_cq_probe_text[] = "AAT+i";
static const u8 ichip_cq_probe_wire[] = "AAT+i\r";

/* CRs padding a ping, handed out a chunk at a time. */
static const u8 ichip_cq_crs[256] = {
	[0 ... 255] = '\r',
};

void ichip_cq_init(struct ichip_cq *cq, struct ichip_frame *frame,
		   const struct ichip_cq_ops *ops, void *owner)
{
	memset(cq, 0, sizeof(*cq));
	cq->ops = ops;
	cq->owner = owner;
	cq->frame = frame;
	cq->state = ICHIP_DEV_STATE_IDLE;
	cq->ping.text = ichip_cq_ping_text;
	cq->ping.text_len = sizeof(ichip_cq_ping_text) - 1;
	cq->ping.wire = ichip_cq_ping_wire;
	cq->ping.wire_len = ICHIP_CQ_PING_LEN;
	cq->ping.kind = ICHIP_REPLY_STATUS;
	cq->ping.timeout_ms = ichip_cmd_default_timeout_ms(cq->ping.text,
							   cq->ping.text_len);
}

void ichip_cq_set_state(struct ichip_cq *cq, enum ichip_dev_state state)
{
	enum ichip_dev_state old = cq->state;

	if (old == state)
		return;
	cq->state = state;
	cq->ops->state(cq->owner, old);
}

static void ichip_cq_flow(struct ichip_cq *cq, bool stop)
{
	if (cq->tx_stopped == stop)
		return;
	cq->tx_stopped = stop;
	cq->ops->flow(cq->owner, stop);
}

/* Take the command off the wire: the framer and output forget it. */
static struct ichip_cq_cmd *ichip_cq_take_inflight(struct ichip_cq *cq)
{
	struct ichip_cq_cmd *cmd = cq->inflight;

	cq->inflight = NULL;
	cq->held_armed = false;
	cq->wait_window = false;
	cq->ops->disarm(cq->owner);
	ichip_cq_flow(cq, false);
	return cmd;
}

static size_t ichip_cq_tx_total(const struct ichip_cq *cq)
{
	return cq->tx_wire_len +
	       (cq->inflight == &cq->ping ? cq->tx_fill : 0);
}

/*
 * "AT+i!SRCV..." for "AT+iSRCV...": the module sends the last SRCV data
 * again (at-plus-i.md §1).  The tail (handle, maximum) stays.
 */
static size_t ichip_cq_refetch_text(struct ichip_cq *cq,
				    const struct ichip_cq_cmd *cmd)
{
	size_t n = cmd->text_len + 1;

	if (n + 1 > sizeof(cq->refetch) || cmd->text_len < 4)
		return 0;
	memcpy(cq->refetch, cmd->text, 4);
	cq->refetch[4] = '!';
	memcpy(cq->refetch + 5, cmd->text + 4, cmd->text_len - 4);
	cq->refetch[n] = '\r';
	return n;
}

static void ichip_cq_ping_as(struct ichip_cq *cq, bool probe)
{
	struct ichip_cq_cmd *p = &cq->ping;

	p->text = probe ? ichip_cq_probe_text : ichip_cq_ping_text;
	p->text_len = probe ? sizeof(ichip_cq_probe_text) - 1 :
			      sizeof(ichip_cq_ping_text) - 1;
	p->wire = probe ? ichip_cq_probe_wire : ichip_cq_ping_wire;
	p->wire_len = probe ? sizeof(ichip_cq_probe_wire) - 1 :
			      ICHIP_CQ_PING_LEN;
}

/* How long retry @n (1 = the first) of a damaged payload waits. */
static unsigned int ichip_cq_backoff_ms(unsigned int n)
{
	static const unsigned short ms[ICHIP_CQ_CKSUM_RETRIES] = {
		0, 100, 300, 800, 1600, 2400, 2400,
	};

	return n && n <= ICHIP_CQ_CKSUM_RETRIES ? ms[n - 1] : 0;
}

static void ichip_cq_kick(struct ichip_cq *cq)
{
	struct ichip_cq_cmd *cmd;

	if (cq->inflight || cq->halted || cq->need_flush ||
	    cq->state == ICHIP_DEV_STATE_HUNGUP)
		return;
	if (cq->held) {
		/* nothing goes until its backoff is over: ichip_cq_timeout */
		if (!cq->held_armed) {
			cq->held_armed = true;
			cq->ops->arm(cq->owner,
				     ichip_cq_backoff_ms(cq->held->retries));
		}
		return;
	}
	if (cq->resync_pending) {
		cq->resync_pending = false;
		/*
		 * After a ping went unanswered the module may be swallowing
		 * an SSND payload a dead host left half-sent: pad the next
		 * ones with CRs (blank lines, which the module ignores).
		 */
		cq->tx_fill = cq->resync_tries ? ICHIP_DATA_LEN_MAX : 0;
		cmd = &cq->ping;
		/* an SSND held: probe (padding CRs complete a stream too) */
		ichip_cq_ping_as(cq, cq->suspect && !cq->tx_fill);
	} else if (cq->head) {
		cmd = cq->head;
		cq->head = cmd->next;
		if (!cq->head)
			cq->tail = NULL;
		cmd->next = NULL;
	} else {
		return;
	}
	cq->inflight = cmd;
	cq->tx_pos = 0;
	cq->tx_wire = cmd->wire;
	cq->tx_wire_len = cmd->wire_len;
	ichip_cq_flow(cq, false);
	if (cmd != &cq->ping)
		ichip_frame_set_cksum(cq->frame, cmd->cksum);
	if (cmd->refetch && ichip_cq_refetch_text(cq, cmd)) {
		cq->tx_wire = (const u8 *)cq->refetch;
		cq->tx_wire_len = cmd->text_len + 2;
		ichip_frame_expect(cq->frame, cmd->kind, cq->refetch,
				   cmd->text_len + 1);
	} else if (cmd->data_len) {
		ichip_frame_expect_ssnd(cq->frame, cmd->text, cmd->text_len,
					cmd->wire + cmd->text_len + 1,
					cmd->data_len);
	} else {
		ichip_frame_expect(cq->frame, cmd->kind, cmd->text,
				   cmd->text_len);
	}
	ichip_cq_set_state(cq, cmd == &cq->ping ? ICHIP_DEV_STATE_RESYNC :
						  ICHIP_DEV_STATE_BUSY);
	cq->ops->arm(cq->owner, cmd->timeout_ms);
	cq->ops->tx_start(cq->owner);
}

static void ichip_cq_queue_resync(struct ichip_cq *cq)
{
	cq->resync_pending = true;
	cq->stats.resyncs++;
}

void ichip_cq_queue(struct ichip_cq *cq, struct ichip_cq_cmd *cmd)
{
	cmd->next = NULL;
	cq->depth++;
	/* an unresponsive module gets a resync before new work */
	if (cq->state == ICHIP_DEV_STATE_UNRESPONSIVE && !cq->inflight &&
	    !cq->head && !cq->resync_pending)
		ichip_cq_queue_resync(cq);
	if (cq->tail)
		cq->tail->next = cmd;
	else
		cq->head = cmd;
	cq->tail = cmd;
	ichip_cq_kick(cq);
}

static void ichip_cq_done(struct ichip_cq *cq, struct ichip_cq_cmd *cmd,
			  const struct ichip_result *res, int err)
{
	cq->depth--;
	cq->ops->complete(cq->owner, cmd, res, err);
}

void ichip_cq_fail_all(struct ichip_cq *cq, int err)
{
	struct ichip_cq_cmd *parked = cq->parked, *inflight, *list;
	struct ichip_cq_cmd *suspect = cq->suspect, *held = cq->held;

	/* detach everything first: a completion may queue anew */
	cq->parked = NULL;
	cq->suspect = NULL;
	cq->probe_one = false;
	cq->held = NULL;
	cq->held_armed = false;
	cq->need_flush = false;
	cq->resync_pending = false;
	inflight = cq->inflight ? ichip_cq_take_inflight(cq) : NULL;
	if (inflight)
		ichip_frame_abandon(cq->frame);
	list = cq->head;
	cq->head = NULL;
	cq->tail = NULL;
	cq->ops->disarm(cq->owner);

	if (parked)
		ichip_cq_done(cq, parked, NULL, err);
	if (suspect)
		ichip_cq_done(cq, suspect, NULL, err);
	if (held)
		ichip_cq_done(cq, held, NULL, err);
	if (inflight && inflight != &cq->ping)
		ichip_cq_done(cq, inflight, NULL, err);
	while (list) {
		struct ichip_cq_cmd *cmd = list;

		list = cmd->next;
		ichip_cq_done(cq, cmd, NULL, err);
	}
}

static void ichip_cq_resync_failed(struct ichip_cq *cq)
{
	unsigned int failed;

	/* the framer may be counting a payload the module never finished */
	ichip_frame_reset(cq->frame);
	if (++cq->resync_tries < ICHIP_CQ_RESYNC_TRIES) {
		ichip_cq_queue_resync(cq);
		return;
	}
	cq->resync_tries = 0;
	failed = cq->depth;
	ichip_cq_set_state(cq, ICHIP_DEV_STATE_UNRESPONSIVE);
	cq->ops->resync(cq->owner, false, failed);
	ichip_cq_fail_all(cq, EIO);
}

/* Checksum mode: did the line damage @cmd's payload (or its answer)? */
static bool ichip_cq_cksum_bad(const struct ichip_cq_cmd *cmd,
			       const struct ichip_result *res)
{
	if (!cmd->cksum)
		return false;
	if (res->status == ICHIP_STATUS_CHECKSUM)
		return true;
	return cmd->data_len && res->status == ICHIP_STATUS_ERROR &&
	       res->module_error == ICHIP_CKSUM_MODULE_ERROR;
}

/*
 * A checksum-mode command the module could not parse (I/ERROR 041-053):
 * the line damaged its command line, and the module ran nothing (an SSND
 * never took its data: the stream went as lines), so it may go again.
 */
static bool ichip_cq_refused(const struct ichip_cq_cmd *cmd,
			     const struct ichip_result *res)
{
	return cmd->cksum && res->status == ICHIP_STATUS_ERROR &&
	       res->module_error >= ICHIP_CQ_SYNTAX_FIRST &&
	       res->module_error <= ICHIP_CQ_SYNTAX_LAST;
}

/*
 * Or the handle it names does not exist (200): the line may have made
 * it up (the comma of "AT+iSRCV:8,1024" lost: handle 81024).  Once, at
 * once: a socket really gone answers 200 again, and a module reset
 * must not wait out the backoff of every session's command.
 */
static bool ichip_cq_no_socket(const struct ichip_cq_cmd *cmd,
			       const struct ichip_result *res)
{
	return cmd->cksum && !cmd->retries &&
	       res->status == ICHIP_STATUS_ERROR &&
	       res->module_error == ICHIP_CQ_NO_SOCKET;
}

/* ... and an SSND so refused (its stream went as lines: a ping first) */
static bool ichip_cq_ssnd_refused(const struct ichip_cq_cmd *cmd,
				  const struct ichip_result *res)
{
	return cmd->data_len && ichip_cq_refused(cmd, res);
}

/*
 * The line damaged @cmd: it goes again at the head of the queue (behind
 * a resync ping if one is pending); after a bad SRCV checksum as
 * AT+i!SRCV (@refetch) since the module has handed its data out already,
 * else as it went.  Returns false once retries are spent.
 */
static bool ichip_cq_cksum_retry(struct ichip_cq *cq,
				 struct ichip_cq_cmd *cmd, bool refetch)
{
	unsigned int wait;

	cq->stats.cksum_errors++;
	if (cmd->retries >= ICHIP_CQ_CKSUM_RETRIES)
		return false;
	cmd->retries++;
	cq->stats.cksum_retries++;
	cmd->refetch = refetch;
	wait = ichip_cq_backoff_ms(cmd->retries);
	if (wait) {
		/* nothing goes meanwhile: kick() arms the timer for it */
		cq->held = cmd;
		cq->held_armed = false;
		return true;
	}
	cmd->next = cq->head;
	cq->head = cmd;
	if (!cq->tail)
		cq->tail = cmd;
	return true;
}

/* The ping's own answer is still due: wait for it, nothing to send. */
static void ichip_cq_ping_rewait(struct ichip_cq *cq)
{
	struct ichip_cq_cmd *p = &cq->ping;

	cq->inflight = p;
	cq->tx_wire = p->wire;
	cq->tx_wire_len = p->wire_len;
	cq->tx_fill = 0;
	cq->tx_pos = p->wire_len;
	ichip_frame_expect(cq->frame, p->kind, p->text, p->text_len);
	cq->held_armed = false;		/* the timer is the ping's now */
	cq->ops->arm(cq->owner, p->timeout_ms);
}

/* The held SSND's own answer, as the probe told it. */
static void ichip_cq_suspect_done(struct ichip_cq *cq, enum ichip_status st,
				  unsigned int module_error)
{
	struct ichip_cq_cmd *cmd = cq->suspect;
	struct ichip_result r;

	cq->suspect = NULL;
	cq->probe_one = false;
	memset(&r, 0, sizeof(r));
	r.status = st;
	r.module_error = module_error;
	cq->stats.commands++;
	ichip_cq_done(cq, cmd, &r, 0);
}

/*
 * An answer while an SSND is held (ichip_cmdq_core.h): returns true when
 * it was the SSND's and the ping's own answer is still due.  Only an SSND
 * draws I/ERROR (228): its data was dropped, it goes again.  Another
 * first answer is kept until the next one tells whose it was.
 */
static bool ichip_cq_probe_answer(struct ichip_cq *cq,
				  const struct ichip_result *res)
{
	struct ichip_cq_cmd *cmd = cq->suspect;

	/* or it could not parse the SSND's command line (and the probe) */
	if ((res->status == ICHIP_STATUS_ERROR &&
	     res->module_error == ICHIP_CKSUM_MODULE_ERROR) ||
	    ichip_cq_ssnd_refused(cmd, res)) {
		if (ichip_cq_cksum_retry(cq, cmd, false)) {
			cq->suspect = NULL;
			cq->probe_one = false;
		} else {
			ichip_cq_suspect_done(cq, ICHIP_STATUS_CHECKSUM, 0);
		}
		return true;
	}
	if (!cq->probe_one) {
		cq->probe_one = true;
		cq->probe_status = res->status;
		cq->probe_error = res->module_error;
		return true;
	}
	/* a second answer: the first was the SSND's, late */
	ichip_cq_suspect_done(cq, cq->probe_status, cq->probe_error);
	return false;
}

static void ichip_cq_ping_done(struct ichip_cq *cq,
			       const struct ichip_result *res)
{
	if (res->status != ICHIP_STATUS_OK) {
		ichip_cq_resync_failed(cq);
	} else {
		cq->resync_tries = 0;
		ichip_cq_set_state(cq, ICHIP_DEV_STATE_IDLE);
		cq->ops->resync(cq->owner, true, 0);
	}
}

/* Put @cmd first in the queue (behind a resync ping if one is pending). */
static void ichip_cq_requeue_head(struct ichip_cq *cq, struct ichip_cq_cmd *cmd)
{
	cmd->next = cq->head;
	cq->head = cmd;
	if (!cq->tail)
		cq->tail = cmd;
}

/* The handle of "AT+i[!]SRCV:<hn>...", or -1. */
static int ichip_cq_srcv_handle(const struct ichip_cq_cmd *cmd)
{
	const char *p = memchr(cmd->text, ':', cmd->text_len);
	const char *end = cmd->text + cmd->text_len;
	int hn = 0;

	if (!p || ++p == end || *p < '0' || *p > '9')
		return -1;
	for (; p < end && *p >= '0' && *p <= '9'; p++) {
		hn = hn * 10 + (*p - '0');
		if (hn >= ICHIP_CQ_HANDLES)
			return -1;
	}
	return hn;
}

static struct ichip_cq_seen ichip_cq_seen_of(const struct ichip_result *res)
{
	struct ichip_cq_seen s = {
		.len = (unsigned int)res->data_len, .hash = 2166136261u,
	};
	size_t i;

	for (i = 0; i < res->data_len; i++) {
		s.hash ^= res->data[i];
		s.hash *= 16777619u;
	}
	return s;
}

static bool ichip_cq_seen_eq(struct ichip_cq_seen a, struct ichip_cq_seen b)
{
	return a.len && a.len == b.len && a.hash == b.hash;
}

/*
 * A checksum-mode SRCV's data: delivered, remembered; or, fetched again
 * after its answer was lost (cmd->verify), data delivered before, which
 * means the module never ran it: returns true, and it goes afresh.
 */
static bool ichip_cq_srcv_old(struct ichip_cq *cq, struct ichip_cq_cmd *cmd,
			      const struct ichip_result *res)
{
	int hn = ichip_cq_srcv_handle(cmd);
	struct ichip_cq_seen s;

	if (!cmd->cksum || cmd->kind != ICHIP_REPLY_DATA ||
	    res->status != ICHIP_STATUS_OK || !res->data_len)
		return false;
	s = ichip_cq_seen_of(res);
	if (cmd->verify && (ichip_cq_seen_eq(s, cq->seen_any) ||
			    (hn >= 0 && ichip_cq_seen_eq(s, cq->seen[hn])))) {
		cmd->verify = false;
		cmd->refetch = false;
		ichip_cq_requeue_head(cq, cmd);
		return true;
	}
	cq->seen_any = s;
	if (hn >= 0)
		cq->seen[hn] = s;
	return false;
}

/* The module answered @cmd (already off the wire); the queue goes on. */
static void ichip_cq_finish(struct ichip_cq *cq, struct ichip_cq_cmd *cmd,
			    const struct ichip_result *res)
{
	if (res->status == ICHIP_STATUS_ERROR ||
	    res->status == ICHIP_STATUS_BUSY)
		cq->stats.module_errors++;

	if (cmd == &cq->ping) {
		if (cq->suspect && ichip_cq_probe_answer(cq, res)) {
			ichip_cq_ping_rewait(cq);
			return;
		}
		ichip_cq_ping_done(cq, res);
	} else if ((ichip_cq_refused(cmd, res) ||
		    ichip_cq_no_socket(cmd, res)) &&
		   ichip_cq_cksum_retry(cq, cmd, cmd->refetch)) {
		/* an SSND's stream went as lines: a ping first */
		if (cmd->data_len)
			ichip_cq_queue_resync(cq);
	} else if (ichip_cq_cksum_bad(cmd, res) &&
		   ichip_cq_cksum_retry(cq, cmd,
					cmd->kind == ICHIP_REPLY_DATA)) {
		/* still this command's turn: kicked below */
	} else if (ichip_cq_srcv_old(cq, cmd, res)) {
		/* the module never ran it: it goes afresh, kicked below */
	} else {
		struct ichip_result bad;

		cq->stats.commands++;
		if (cq->state == ICHIP_DEV_STATE_BUSY)
			ichip_cq_set_state(cq, ICHIP_DEV_STATE_IDLE);
		if (ichip_cq_cksum_bad(cmd, res)) {
			/* retries spent: a named outcome, never data */
			bad = *res;
			bad.status = ICHIP_STATUS_CHECKSUM;
			bad.data_len = 0;
			res = &bad;
		}
		ichip_cq_done(cq, cmd, res, 0);
	}
	ichip_cq_kick(cq);
}

/* The framer completed the command on the wire. */
static void ichip_cq_complete(struct ichip_cq *cq)
{
	const struct ichip_result *res = &cq->frame->res;
	bool unsent = cq->tx_pos < ichip_cq_tx_total(cq);
	struct ichip_cq_cmd *cmd = ichip_cq_take_inflight(cq);

	/*
	 * An SSND answered early (I/ERROR after the header) or before all
	 * of it left: the payload bytes still in the driver's buffer would
	 * reach the module as AT+i lines.  The caller flushes them, then
	 * ichip_cq_flushed() completes it and resyncs: a client that has
	 * the result knows the rest of the payload is gone.
	 */
	if (cq->flush_early_ssnd && cmd->data_len &&
	    (unsent || res->status != ICHIP_STATUS_OK)) {
		cq->need_flush = true;
		cq->parked = cmd;
		return;
	}
	ichip_cq_finish(cq, cmd, res);
}

void ichip_cq_flushed(struct ichip_cq *cq)
{
	struct ichip_cq_cmd *cmd = cq->parked;

	cq->need_flush = false;
	cq->parked = NULL;
	if (!cmd) {		/* failed meanwhile (hangup) */
		ichip_cq_kick(cq);
		return;
	}
	ichip_cq_queue_resync(cq);
	ichip_cq_finish(cq, cmd, &cq->frame->res);
}

/*
 * WAIT during an SSND: stop output.  In checksum mode, while the SSND is
 * still going out, a window for the WAIT's report (ichip_cmdq_core.h).
 */
static void ichip_cq_wait(struct ichip_cq *cq)
{
	unsigned long ms = ICHIP_CQ_WAIT_REPORT_MS;

	ichip_cq_flow(cq, true);
	if (!cq->inflight->cksum || cq->wait_window ||
	    !cq->frame->report_due || cq->tx_pos >= ichip_cq_tx_total(cq))
		return;
	/* an RP4 report of 10 sockets is 60 bytes at most, 10 bits each */
	if (cq->baud)
		ms += 600000UL / cq->baud;
	cq->wait_window = true;
	cq->ops->arm(cq->owner, ms);
}

/* No report came: the WAIT was noise, the SSND goes on. */
static void ichip_cq_wait_noise(struct ichip_cq *cq)
{
	cq->wait_window = false;
	cq->stats.noise++;
	ichip_frame_wait_noise(cq->frame);
	ichip_cq_flow(cq, false);
	cq->ops->arm(cq->owner, cq->inflight->timeout_ms);
	cq->ops->tx_start(cq->owner);
}

size_t ichip_cq_rx(struct ichip_cq *cq, const u8 *buf, size_t len)
{
	struct ichip_event ev;
	size_t done = 0;

	while (done < len && !cq->need_flush && !cq->halted) {
		done += ichip_frame_feed(cq->frame, buf + done, len - done,
					 &ev);
		switch (ev.type) {
		case ICHIP_EV_RESULT:
			if (cq->inflight)
				ichip_cq_complete(cq);
			break;
		case ICHIP_EV_UNSOLICITED:
			cq->stats.unsolicited++;
			cq->ops->unsolicited(cq->owner, ev.line, ev.len);
			break;
		case ICHIP_EV_NOISE:
			cq->stats.noise++;
			break;
		case ICHIP_EV_WAIT:
			/* only an SSND stream is paced; stray bytes are not */
			if (cq->inflight && cq->frame->ssnd)
				ichip_cq_wait(cq);
			break;
		case ICHIP_EV_CONTINUE:
			if (cq->tx_stopped) {
				ichip_cq_flow(cq, false);
				cq->ops->tx_start(cq->owner);
			}
			break;
		case ICHIP_EV_OVERFLOW:	/* counted by the framer */
		case ICHIP_EV_ECHO:
		case ICHIP_EV_NONE:
			break;
		}
		if (cq->wait_window && (!cq->frame->report_due ||
					!cq->tx_stopped)) {
			/* its report (a real WAIT), or CONTINUE came */
			cq->wait_window = false;
			if (cq->inflight)
				cq->ops->arm(cq->owner, cq->inflight->timeout_ms);
		}
	}
	return done;
}

size_t ichip_cq_tx_peek(struct ichip_cq *cq, const u8 **buf)
{
	size_t pos = cq->tx_pos, n;

	if (!cq->inflight || cq->tx_stopped || cq->halted)
		return 0;
	if (cq->inflight == &cq->ping) {
		if (pos < cq->tx_fill) {
			n = cq->tx_fill - pos;
			*buf = ichip_cq_crs;
			return n < sizeof(ichip_cq_crs) ? n : sizeof(ichip_cq_crs);
		}
		pos -= cq->tx_fill;
	}
	*buf = cq->tx_wire + pos;
	return cq->tx_wire_len - pos;
}

void ichip_cq_tx_advance(struct ichip_cq *cq, size_t n)
{
	struct ichip_cq_cmd *cmd = cq->inflight;
	unsigned int ms;

	if (!cmd || !n)
		return;
	cq->tx_pos += n;
	ms = cmd->timeout_ms;
	/*
	 * A checksum-mode SSND handed out whole: probe when it stays
	 * unanswered once its bytes are on the wire (ichip_cmdq_core.h).
	 */
	if (cmd->cksum && cmd->data_len && cq->baud &&
	    cq->tx_pos >= ichip_cq_tx_total(cq)) {
		/* 10 bits a byte; a wire is a command plus 2 KiB at most */
		unsigned long wire_ms = (unsigned long)cq->tx_wire_len *
					10000UL / cq->baud;
		unsigned long probe = ICHIP_CQ_SSND_PROBE_MS + wire_ms;

		if (probe < ms)
			ms = (unsigned int)probe;
	}
	cq->ops->arm(cq->owner, ms);
}

/* The command on the wire is lost (@err) or timed out: fail, resync. */
static void ichip_cq_abort(struct ichip_cq *cq, int err)
{
	struct ichip_cq_cmd *cmd;

	if (!cq->inflight)
		return;
	cmd = ichip_cq_take_inflight(cq);
	ichip_frame_abandon(cq->frame);
	if (cmd == &cq->ping && cq->suspect && cq->probe_one) {
		/* one answer alone: the ping's; the SSND's was lost */
		struct ichip_result first;

		memset(&first, 0, sizeof(first));
		first.status = cq->probe_status;
		first.module_error = cq->probe_error;
		cmd = cq->suspect;
		cq->suspect = NULL;
		cq->probe_one = false;
		ichip_cq_done(cq, cmd, NULL, ETIMEDOUT);
		ichip_cq_ping_done(cq, &first);
	} else if (cmd == &cq->ping) {
		ichip_cq_resync_failed(cq);
	} else if (err == ETIMEDOUT && cmd->cksum &&
		   cmd->kind == ICHIP_REPLY_DATA &&
		   cmd->retries < ICHIP_CQ_CKSUM_RETRIES) {
		/*
		 * Its answer lost: fetch again (AT+i!SRCV), and check the
		 * data is not what the module handed out before.
		 */
		cmd->retries++;
		cq->stats.cksum_retries++;
		cmd->refetch = true;
		cmd->verify = true;
		ichip_cq_queue_resync(cq);
		ichip_cq_requeue_head(cq, cmd);
	} else if (err == ETIMEDOUT && cmd->cksum && cmd->data_len &&
		   !cq->suspect) {
		/* held: the resync tells whether a byte of it was lost */
		cq->suspect = cmd;
		ichip_cq_queue_resync(cq);
	} else {
		/* the ping first: the completion may queue the next command */
		ichip_cq_queue_resync(cq);
		ichip_cq_done(cq, cmd, NULL, err);
	}
	ichip_cq_kick(cq);
}

void ichip_cq_tx_failed(struct ichip_cq *cq, int err)
{
	ichip_cq_abort(cq, err);
}

void ichip_cq_timeout(struct ichip_cq *cq)
{
	struct ichip_cq_cmd *cmd = cq->held;

	if (cmd && !cq->inflight) {
		/* the backoff is over: the retry goes first */
		cq->held = NULL;
		cq->held_armed = false;
		cmd->next = cq->head;
		cq->head = cmd;
		if (!cq->tail)
			cq->tail = cmd;
		ichip_cq_kick(cq);
		return;
	}
	if (!cq->inflight)
		return;
	if (cq->wait_window) {
		ichip_cq_wait_noise(cq);
		return;
	}
	cq->stats.timeouts++;
	ichip_cq_abort(cq, ETIMEDOUT);
}
