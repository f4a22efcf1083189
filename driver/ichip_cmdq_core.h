/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/* SPDX-FileCopyrightText: 2026 The ichip authors */
/*
 * The command queue core: a FIFO of AT+i commands, one on the wire at a
 * time, each with its own timeout; a timeout fails that command and
 * resynchronises with a bare "AT+i" before the queue goes on; when
 * ICHIP_CQ_RESYNC_TRIES pings in a row fail, everything queued fails with
 * EIO and the device is UNRESPONSIVE.  Nothing queued is ever dropped
 * without a completion.
 *
 * Checksum mode (a command's cksum, the module in AT+iCKSM=1): an SRCV
 * whose checksum is wrong is fetched again with AT+i!SRCV, an SSND the
 * module refused with I/ERROR (228) is sent again from the same bytes,
 * each up to ICHIP_CQ_CKSUM_RETRIES times; then the command completes
 * as ICHIP_STATUS_CHECKSUM.  A checksum-mode SSND that goes unanswered
 * is held (cq->suspect) and the module probed with "AAT+i": a byte of
 * the stream lost on the line leaves the module counting, the probe's
 * first byte completes the stream and the module answers I/ERROR (228),
 * proof that it dropped the data, and the SSND is sent again (the rest
 * of the probe is a ping).  Each line draws one answer, so an answer
 * followed by another was the SSND's own, late; one alone was the
 * ping's: the SSND's answer was lost, the module may have sent the data,
 * and the SSND fails with ETIMEDOUT.  With cq->baud known the probe goes
 * ICHIP_CQ_SSND_PROBE_MS after the SSND's bytes are on the wire, else at
 * its timeout.  A checksum-mode SRCV that times out (its header damaged,
 * or the command never reached the module) is fetched again with
 * AT+i!SRCV; data the core delivered before (the socket's last SRCV, or
 * the module's) means the module never ran it, and it goes afresh.  A
 * checksum-mode command the module could not parse (I/ERROR 041-053, its
 * command line damaged) ran not at all: it goes again as it went, an
 * SSND (whose data was never taken) after a resync ping; one answered
 * 200 (no such socket: the line may have made the handle up) goes again
 * once.  Written here once for n_ichip and ichipd.
 *
 * Pure state machine, like the framing core it drives: no I/O, no timers,
 * no allocation, no locking.  The caller (n_ichip's ichip_cmdq.c, ichipd's
 * transport-tty.c) owns the commands' memory and does what the ops table
 * asks: write the bytes ichip_cq_tx_peek() shows, arm or stop a timer,
 * stop or restart output, deliver completions.  It calls back in with
 * ichip_cq_rx() for received bytes and ichip_cq_timeout() when the timer
 * fires.  Callbacks may queue new commands (ichip_cq_queue) re-entrantly.
 */
#ifndef ICHIP_CMDQ_CORE_H
#define ICHIP_CMDQ_CORE_H

#include "ichip_frame.h"

/* Unanswered resync pings in a row before the queue is failed. */
#define ICHIP_CQ_RESYNC_TRIES	3
/*
 * Checksum-mode retries of one command before it fails.  The first goes
 * at once (a byte lost here and there); each later one waits longer, so
 * that together they outlast a burst of line noise, which damages every
 * copy sent while it lasts (see ichip_cq_backoff_ms).
 */
#define ICHIP_CQ_CKSUM_RETRIES	7
/* An unanswered checksum-mode SSND, on the wire whole, is probed after */
#define ICHIP_CQ_SSND_PROBE_MS	300
/*
 * A module's WAIT comes with an RP4 report.  In checksum mode, a WAIT
 * whose report does not follow within this (plus the report's wire time)
 * was line noise, an XOFF-valued byte: the SSND goes on.  Going on into
 * a full buffer by mistake costs a 228 and a resend; waiting for the
 * timeout stalls every session for 10 s.
 */
#define ICHIP_CQ_WAIT_REPORT_MS	300
/* I/ERROR (228): SSND checksum mismatch, the data dropped. */
#define ICHIP_CKSUM_MODULE_ERROR	228

/* A command as the core sees it; embed it in the caller's own command. */
struct ichip_cq_cmd {
	struct ichip_cq_cmd *next;	/* FIFO link, the core's */
	const char *text;		/* without CR; valid until completion */
	size_t text_len;
	const u8 *wire;			/* ichip_cmd_wire() of text (+ data) */
	size_t wire_len;
	size_t data_len;		/* SSND payload at wire + text_len + 1 */
	enum ichip_reply_kind kind;
	unsigned int timeout_ms;
	bool cksum;			/* checksum mode: wire has SSND's sum */
	/* the core's */
	bool refetch;			/* next time as AT+i!SRCV */
	bool verify;			/* its answer may be older data */
	unsigned int retries;
};

/* What an SRCV delivered, to know it again (length, FNV-1a hash). */
struct ichip_cq_seen {
	unsigned int len, hash;
};
#define ICHIP_CQ_HANDLES	12	/* 0..9 clients, 10..11 listeners */

struct ichip_cq_stats {
	u64 commands;		/* completed by the module (any status) */
	u64 module_errors;	/* I/ERROR, I/BUSY */
	u64 timeouts;
	u64 resyncs;		/* pings queued */
	u64 noise;
	u64 unsolicited;
	u64 cksum_errors;	/* bad SRCV sums, SSND 228s, damaged lines */
	u64 cksum_retries;	/* commands sent again for them */
};

struct ichip_cq;

struct ichip_cq_ops {
	/*
	 * @cmd is done: @res is the module's answer, or NULL and @err a
	 * positive errno.  The core has forgotten @cmd; the caller frees it.
	 */
	void (*complete)(void *owner, struct ichip_cq_cmd *cmd,
			 const struct ichip_result *res, int err);
	/* new bytes to write: see ichip_cq_tx_peek() */
	void (*tx_start)(void *owner);
	/* (re)start the one timer for @ms from now; stop it */
	void (*arm)(void *owner, unsigned int ms);
	void (*disarm)(void *owner);
	/* the module's WAIT (@stop) or CONTINUE: stop/restart output now */
	void (*flow)(void *owner, bool stop);
	/* the state changed (ichip_cq_set_state included) */
	void (*state)(void *owner, enum ichip_dev_state old);
	/* a resync ping was answered (@ok) or the queue was failed */
	void (*resync)(void *owner, bool ok, unsigned int failed);
	/* a line with nothing in flight */
	void (*unsolicited)(void *owner, const char *line, size_t len);
};

struct ichip_cq {
	const struct ichip_cq_ops *ops;
	void *owner;
	struct ichip_frame *frame;	/* the caller's */
	/*
	 * An SSND answered before all of it left (or with an error): the
	 * caller must flush its driver's output first, ichip_cq_rx() stops
	 * and ichip_cq_flushed() delivers the completion and resyncs.
	 */
	bool flush_early_ssnd;

	enum ichip_dev_state state;
	bool halted;			/* line gone: nothing goes on the wire */
	struct ichip_cq_cmd *head, *tail;	/* waiting */
	struct ichip_cq_cmd *inflight;	/* on the wire (or &ping) */
	struct ichip_cq_cmd *parked;	/* answered, waits for a flush */
	struct ichip_cq_cmd *suspect;	/* unanswered SSND, see above */
	bool probe_one;			/* one answer to the probe so far: */
	enum ichip_status probe_status;	/* ... this */
	unsigned int probe_error;
	unsigned int baud;		/* the line's, for the probe; 0: unknown */
	/* the last SRCV data delivered, the module's and each socket's */
	struct ichip_cq_seen seen_any, seen[ICHIP_CQ_HANDLES];
	struct ichip_cq_cmd *held;	/* a retry waiting out its backoff */
	bool held_armed;		/* ... and the timer counts it */
	bool need_flush;
	bool resync_pending;		/* a ping goes before the queue */
	unsigned int depth;		/* queued + inflight + parked */
	unsigned int resync_tries;
	const u8 *tx_wire;		/* what inflight sends */
	size_t tx_wire_len;
	size_t tx_pos;			/* of tx_wire (+ fill) */
	size_t tx_fill;			/* CRs before the ping */
	bool tx_stopped;		/* the module sent WAIT */
	bool wait_window;		/* ... its report not seen yet */

	struct ichip_cq_cmd ping;
	struct ichip_cq_stats stats;
	/* AT+i!SRCV<tail of the SRCV>, then CR: a refetch's text and wire */
	char refetch[ICHIP_CMD_LEN_MAX + 2];
};

void ichip_cq_init(struct ichip_cq *cq, struct ichip_frame *frame,
		   const struct ichip_cq_ops *ops, void *owner);

/* Append @cmd (its core fields filled in); it may go on the wire now. */
void ichip_cq_queue(struct ichip_cq *cq, struct ichip_cq_cmd *cmd);

/* Bytes to write next: returns how many at *@buf (0: nothing now). */
size_t ichip_cq_tx_peek(struct ichip_cq *cq, const u8 **buf);
/* @n of them were accepted; the deadline counts from the last progress */
void ichip_cq_tx_advance(struct ichip_cq *cq, size_t n);
/* The write failed with positive @err: fail the command, resync. */
void ichip_cq_tx_failed(struct ichip_cq *cq, int err);

/*
 * Feed received bytes.  Returns how many were used: all, unless the
 * caller must flush its output first (cq->need_flush, then
 * ichip_cq_flushed() and feed the rest).
 */
size_t ichip_cq_rx(struct ichip_cq *cq, const u8 *buf, size_t len);
void ichip_cq_flushed(struct ichip_cq *cq);

/* The timer armed by ops->arm fired (a timeout, or a backoff's end). */
void ichip_cq_timeout(struct ichip_cq *cq);

/* Complete everything (parked, in flight, queued) with @err. */
void ichip_cq_fail_all(struct ichip_cq *cq, int err);

void ichip_cq_set_state(struct ichip_cq *cq, enum ichip_dev_state state);

/* The command on the wire, NULL for none or a resync ping. */
static inline struct ichip_cq_cmd *ichip_cq_inflight(struct ichip_cq *cq)
{
	return cq->inflight == &cq->ping ? NULL : cq->inflight;
}

#endif /* ICHIP_CMDQ_CORE_H */
