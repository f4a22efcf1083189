// SPDX-License-Identifier: GPL-2.0-only
// SPDX-FileCopyrightText: 2026 The ichip authors
/*
 * Unit tests of the command queue core (driver/ichip_cmdq_core.c), the
 * queue/timeout/resync state machine n_ichip and ichipd's tty transport
 * share.  A fake owner records what the core asks for (bytes to write,
 * timer, flow control, completions) and plays the module with the real
 * framing core.
 */
#include "cmdq-fake.h"
#include "tap.h"

static void test_fifo(void)
{
	struct fake *f = fake_new();
	struct cmd a, b, c;

	ichip_cq_queue(&f->cq, cmd_make(&a, "AT+iRP1", NULL, 0));
	ichip_cq_queue(&f->cq, cmd_make(&b, "AT+iRP2", NULL, 0));
	ichip_cq_queue(&f->cq, cmd_make(&c, "AT+iRP3", NULL, 0));
	tap_ok(f->cq.depth == 3, "fifo: depth counts queued + in flight");
	drain(f);
	tap_ok(!strcmp(f->wire, "AT+iRP1\r"), "fifo: only the first on the wire");
	tap_ok(f->cq.state == ICHIP_DEV_STATE_BUSY, "fifo: BUSY");
	tap_ok(f->armed_ms == a.cq.timeout_ms, "fifo: its timeout armed");
	say(f, "I/one\r\nI/OK\r\n");
	tap_ok(f->ndone == 1 && f->done[0].status == ICHIP_STATUS_OK &&
	       !strcmp(f->done[0].text, "AT+iRP1"), "fifo: first completed");
	drain(f);
	tap_ok(!strcmp(f->wire, "AT+iRP2\r"), "fifo: then the second");
	say(f, "I/OK\r\n");
	drain(f);
	tap_ok(f->ndone == 2, "fifo: second completed");
	tap_ok(!strcmp(f->wire, "AT+iRP3\r"), "fifo: third on the wire");
	say(f, "I/ERROR (041)\r\n");
	tap_ok(f->ndone == 3 && f->done[2].status == ICHIP_STATUS_ERROR,
	       "fifo: error result delivered");
	tap_ok(f->cq.stats.commands == 3 && f->cq.stats.module_errors == 1,
	       "fifo: commands and module errors counted");
	tap_ok(f->cq.depth == 0 && f->cq.state == ICHIP_DEV_STATE_IDLE &&
	       !f->armed_ms, "fifo: idle, no timer");
	free(f);
}

static void test_timeout_resync(void)
{
	struct fake *f = fake_new();
	struct cmd a, b;

	ichip_cq_queue(&f->cq, cmd_make(&a, "AT+iRP4", NULL, 100));
	ichip_cq_queue(&f->cq, cmd_make(&b, "AT+iRP7", NULL, 0));
	drain(f);
	ichip_cq_timeout(&f->cq);
	tap_ok(f->ndone == 1 && f->done[0].err == ETIMEDOUT,
	       "timeout: the command fails with ETIMEDOUT");
	tap_ok(f->cq.state == ICHIP_DEV_STATE_RESYNC,
	       "timeout: RESYNC state");
	drain(f);
	tap_ok(!strcmp(f->wire, "AT+i\r"), "timeout: a bare AT+i, unpadded");
	tap_ok(f->armed_ms == f->cq.ping.timeout_ms, "timeout: ping armed");
	/* a late answer to RP4 would be taken for the ping's: the framer's job */
	say(f, "I/OK\r\n");
	tap_ok(f->resync_ok == 1 && f->ndone == 1,
	       "resync: answered, no completion for the ping");
	drain(f);
	tap_ok(!strcmp(f->wire, "AT+iRP7\r"), "resync: the queue goes on");
	tap_ok(f->cq.stats.timeouts == 1 && f->cq.stats.resyncs == 1,
	       "resync: counted once each");
	free(f);
}

static void test_unresponsive(void)
{
	struct fake *f = fake_new();
	struct cmd a, b, c;
	size_t n;
	int i;

	ichip_cq_queue(&f->cq, cmd_make(&a, "AT+iRP4", NULL, 100));
	ichip_cq_queue(&f->cq, cmd_make(&b, "AT+iRP7", NULL, 0));
	drain(f);
	ichip_cq_timeout(&f->cq);
	n = drain(f);
	tap_ok(n == 5, "unresponsive: first ping unpadded");
	ichip_cq_timeout(&f->cq);
	n = drain(f);
	tap_ok(n == ICHIP_DATA_LEN_MAX + 5 &&
	       f->wire[0] == '\r' && f->wire[ICHIP_DATA_LEN_MAX - 1] == '\r' &&
	       !strcmp(f->wire + ICHIP_DATA_LEN_MAX, "AT+i\r"),
	       "unresponsive: later pings padded with CRs (%zu bytes)", n);
	ichip_cq_timeout(&f->cq);
	drain(f);
	tap_ok(f->ndone == 1, "unresponsive: two pings: queue still waits");
	ichip_cq_timeout(&f->cq);
	tap_ok(f->ndone == 2 && f->done[1].err == EIO,
	       "unresponsive: third failed ping fails the queue with EIO");
	tap_ok(f->resync_failed == 1 && f->failed_count == 1,
	       "unresponsive: reported with the number failed");
	tap_ok(f->cq.state == ICHIP_DEV_STATE_UNRESPONSIVE && !f->cq.depth &&
	       !f->armed_ms, "unresponsive: state, empty, no timer");
	tap_ok(f->cq.stats.resyncs == 3 && f->cq.stats.timeouts == 4,
	       "unresponsive: 3 resyncs, 4 timeouts");
	/* the next command pings first (unpadded again) */
	ichip_cq_queue(&f->cq, cmd_make(&c, "AT+iRP1", NULL, 0));
	drain(f);
	tap_ok(!strcmp(f->wire, "AT+i\r"), "unresponsive: next EXEC pings first");
	say(f, "I/OK\r\n");
	drain(f);
	tap_ok(!strcmp(f->wire, "AT+iRP1\r") &&
	       f->cq.state == ICHIP_DEV_STATE_BUSY,
	       "unresponsive: module back, command goes out");
	for (i = 0; i < f->nstates; i++)
		if (f->states[i] == ICHIP_DEV_STATE_UNRESPONSIVE)
			break;
	tap_ok(i < f->nstates, "unresponsive: state change announced");
	free(f);
}

/* A completion that queues the next command: the resync ping goes first. */
static void test_reentrant(void)
{
	struct fake *f = fake_new();
	struct cmd a, b;

	ichip_cq_queue(&f->cq, cmd_make(&a, "AT+iRP4", NULL, 100));
	drain(f);
	f->requeue = cmd_make(&b, "AT+iRP7", NULL, 0);
	ichip_cq_timeout(&f->cq);
	drain(f);
	tap_ok(!strcmp(f->wire, "AT+i\r"),
	       "reentrant: ping before a command queued by the timeout's completion");
	say(f, "I/OK\r\n");
	drain(f);
	tap_ok(!strcmp(f->wire, "AT+iRP7\r"), "reentrant: then the new command");

	/* fail_all: a command queued from a failure callback survives */
	f->requeue = cmd_make(&a, "AT+iRP1", NULL, 0);
	ichip_cq_fail_all(&f->cq, EPIPE);
	tap_ok(f->done[f->ndone - 1].err == EPIPE,
	       "reentrant: fail_all fails what it held");
	drain(f);
	tap_ok(!strcmp(f->wire, "AT+iRP1\r") && f->cq.depth == 1 &&
	       f->armed_ms, "reentrant: a command queued meanwhile runs, armed");
	free(f);
}

static void test_tx(void)
{
	struct fake *f = fake_new();
	struct cmd a;
	const u8 *buf;
	int arms;

	ichip_cq_queue(&f->cq, cmd_make(&a, "AT+iRP7", NULL, 0));
	tap_ok(f->tx_starts == 1, "tx: queueing asks for a write");
	tap_ok(ichip_cq_tx_peek(&f->cq, &buf) == 8, "tx: whole command shown");
	arms = f->arms;
	ichip_cq_tx_advance(&f->cq, 3);
	tap_ok(f->arms == arms + 1, "tx: progress re-arms the deadline");
	tap_ok(ichip_cq_tx_peek(&f->cq, &buf) == 5 && buf[0] == 'i',
	       "tx: the rest from where it stopped");
	ichip_cq_tx_failed(&f->cq, EIO);
	tap_ok(f->ndone == 1 && f->done[0].err == EIO,
	       "tx: a failed write fails the command with its errno");
	drain(f);
	tap_ok(!strcmp(f->wire, "AT+i\r") &&
	       f->cq.stats.timeouts == 0, "tx: then resyncs, no timeout counted");
	free(f);
}

static void test_ssnd(void)
{
	struct fake *f = fake_new();
	struct cmd a, b;
	const u8 *buf;
	size_t used;

	/* WAIT inside an SSND stops output; CONTINUE restarts it */
	ichip_cq_queue(&f->cq, cmd_make(&a, "AT+iSSND%:000,5", "hello", 0));
	tap_ok(ichip_cq_tx_peek(&f->cq, &buf) == 21, "ssnd: header and payload");
	ichip_cq_tx_advance(&f->cq, 10);
	say(f, "\x13");
	tap_ok(f->flows_stopped == 1 && !ichip_cq_tx_peek(&f->cq, &buf),
	       "ssnd: WAIT stops output");
	f->tx_starts = 0;
	say(f, "\x11");
	tap_ok(f->tx_starts == 1 && ichip_cq_tx_peek(&f->cq, &buf) == 11,
	       "ssnd: CONTINUE restarts it");
	drain(f);
	say(f, "I/OK\r\n");
	tap_ok(f->ndone == 1 && f->done[0].status == ICHIP_STATUS_OK,
	       "ssnd: sent and answered");

	/* answered early: with flush_early_ssnd the caller flushes first */
	f->cq.flush_early_ssnd = true;
	ichip_cq_queue(&f->cq, cmd_make(&b, "AT+iSSND%:000,5", "hello", 0));
	ichip_cq_tx_advance(&f->cq, 16);	/* header only */
	used = say(f, "I/ERROR (203)\r\nI/late\r\n");
	tap_ok(used < 23 && f->cq.need_flush && f->ndone == 1,
	       "ssnd: early answer parks the result, rx stops (%zu)", used);
	tap_ok(!ichip_cq_tx_peek(&f->cq, &buf),
	       "ssnd: nothing more to write");
	ichip_cq_flushed(&f->cq);
	tap_ok(f->ndone == 2 && f->done[1].status == ICHIP_STATUS_ERROR,
	       "ssnd: result after the flush");
	drain(f);
	tap_ok(!strcmp(f->wire, "AT+i\r"), "ssnd: then a resync ping");
	free(f);
}

static void test_unsolicited(void)
{
	struct fake *f = fake_new();

	say(f, "I/ONLINE\r\n");
	tap_ok(f->unsolicited == 1 && f->cq.stats.unsolicited == 1,
	       "unsolicited: reported and counted");
	free(f);
}

static void test_cksum_srcv(void)
{
	struct fake *f = fake_new();
	struct cmd a;
	/* "hello" sums to 0x214: checksum 0xfdec */
	static const u8 good[] = "I/5:hello\xfd\xec\r\n";
	static const u8 bad[] = "I/5:hellp\xfd\xec\r\n";
	int i;

	ichip_cq_queue(&f->cq, cmd_cksum(&a, "AT+iSRCV:0,100", NULL));
	drain(f);
	tap_ok(!strcmp(f->wire, "AT+iSRCV:0,100\r"), "cksum srcv: sent as is");
	say_n(f, bad, sizeof(bad) - 1);
	tap_ok(f->ndone == 0, "cksum srcv: a bad checksum completes nothing");
	drain(f);
	tap_ok(!strcmp(f->wire, "AT+i!SRCV:0,100\r"),
	       "cksum srcv: fetched again with AT+i!SRCV (%s)", f->wire);
	say_n(f, good, sizeof(good) - 1);
	tap_ok(f->ndone == 1 && f->done[0].status == ICHIP_STATUS_OK,
	       "cksum srcv: the good copy completes it");
	tap_ok(f->cq.stats.cksum_errors == 1 && f->cq.stats.cksum_retries == 1 &&
	       f->cq.stats.commands == 1 && f->cq.depth == 0,
	       "cksum srcv: one error, one retry, one command");

	/* bad every time: named, never data */
	ichip_cq_queue(&f->cq, cmd_cksum(&a, "AT+iSRCV:0", NULL));
	for (i = 0; i <= ICHIP_CQ_CKSUM_RETRIES; i++) {
		backoff_over(f);
		drain(f);
		say_n(f, bad, sizeof(bad) - 1);
	}
	tap_ok(f->ndone == 2 && f->done[1].status == ICHIP_STATUS_CHECKSUM,
	       "cksum srcv: CHECKSUM after %d retries", ICHIP_CQ_CKSUM_RETRIES);
	tap_ok(f->cq.stats.cksum_errors == 1 + 1 + ICHIP_CQ_CKSUM_RETRIES &&
	       f->cq.stats.cksum_retries == 1 + ICHIP_CQ_CKSUM_RETRIES,
	       "cksum srcv: every error and retry counted");
	tap_ok(!drain(f) && f->cq.state == ICHIP_DEV_STATE_IDLE,
	       "cksum srcv: nothing more sent");
	free(f);
}

static void test_cksum_ssnd(void)
{
	struct fake *f = fake_new();
	struct cmd a, b;
	const u8 *buf;
	size_t n;

	ichip_cq_queue(&f->cq, cmd_cksum(&a, "AT+iSSND%:000,5", "hello"));
	n = drain(f);
	tap_ok(n == 23 && !memcmp(f->wire, "AT+iSSND%:000,5:hello\xfd\xec", 23),
	       "cksum ssnd: stream ends in its checksum");
	say(f, "I/ERROR (228)\r\n");
	tap_ok(f->ndone == 0, "cksum ssnd: 228 completes nothing");
	n = drain(f);
	tap_ok(n == 23 && !memcmp(f->wire, "AT+iSSND%:000,5:hello\xfd\xec", 23),
	       "cksum ssnd: sent again from the same bytes");
	say(f, "I/OK\r\n");
	tap_ok(f->ndone == 1 && f->done[0].status == ICHIP_STATUS_OK &&
	       f->cq.stats.cksum_retries == 1, "cksum ssnd: then OK");

	/* answered early where the caller flushes: resync, then again */
	f->cq.flush_early_ssnd = true;
	ichip_cq_queue(&f->cq, cmd_cksum(&b, "AT+iSSND%:000,5", "hello"));
	ichip_cq_tx_advance(&f->cq, 16);
	say(f, "I/ERROR (228)\r\n");
	tap_ok(f->cq.need_flush && !ichip_cq_tx_peek(&f->cq, &buf),
	       "cksum ssnd: early 228 waits for the flush");
	ichip_cq_flushed(&f->cq);
	drain(f);
	tap_ok(!strcmp(f->wire, "AT+i\r") && f->ndone == 1,
	       "cksum ssnd: a resync ping first");
	say(f, "I/OK\r\n");
	n = drain(f);
	tap_ok(n == 23, "cksum ssnd: then the SSND again");
	say(f, "I/OK\r\n");
	tap_ok(f->ndone == 2 && f->done[1].status == ICHIP_STATUS_OK,
	       "cksum ssnd: completed once");

	/* without checksum mode, 228 is just a module error */
	ichip_cq_queue(&f->cq, cmd_make(&a, "AT+iSSND%:000,5", "hello", 0));
	drain(f);
	say(f, "I/ERROR (228)\r\n");
	ichip_cq_flushed(&f->cq);
	tap_ok(f->ndone == 3 && f->done[2].status == ICHIP_STATUS_ERROR,
	       "no cksum: 228 delivered as an error, not retried");
	free(f);
}

/*
 * A byte of a checksum-mode SSND lost on the way: the module waits for
 * it and does not answer.  Written whole and unanswered for
 * ICHIP_CQ_SSND_PROBE_MS, the SSND is held and the module probed with
 * "AAT+i": its first byte completes the stream and the module answers
 * I/ERROR (228), proof that it dropped the data, so the SSND goes again;
 * the rest is a ping.  Every line draws one answer: an I/OK (or error)
 * followed by another was the SSND's own, late; alone, it was the
 * ping's, and the SSND's answer is lost: unknown, it fails.
 */
static void test_cksum_ssnd_lost_byte(void)
{
	struct fake *f = fake_new();
	struct cmd a, b;
	const u8 *buf;
	size_t n;
	int i;

	f->cq.baud = 921600;	/* 23 bytes: 0 ms on the wire */
	ichip_cq_queue(&f->cq, cmd_cksum(&a, "AT+iSSND%:000,5", "hello"));
	ichip_cq_queue(&f->cq, cmd_make(&b, "AT+iRP4", NULL, 0));
	ichip_cq_tx_advance(&f->cq, 10);
	tap_ok(f->armed_ms == a.cq.timeout_ms,
	       "probe: while it is written, the SSND's own timeout");
	drain(f);
	tap_ok(f->armed_ms == ICHIP_CQ_SSND_PROBE_MS,
	       "probe: written whole, probed after %u ms", f->armed_ms);
	ichip_cq_timeout(&f->cq);
	tap_ok(f->ndone == 0 && f->cq.depth == 2,
	       "lost byte: the unanswered SSND is not completed yet");
	drain(f);
	tap_ok(!strcmp(f->wire, "AAT+i\r"), "lost byte: the probe (%s)",
	       f->wire);
	say(f, "I/ERROR (228)\r\n");
	tap_ok(f->ndone == 0 && !ichip_cq_tx_peek(&f->cq, &buf),
	       "lost byte: 228 completes nothing, the ping's answer is due");
	say(f, "I/OK\r\n");
	n = drain(f);
	tap_ok(n == 23 && !memcmp(f->wire, "AT+iSSND%:000,5:hello\xfd\xec", 23),
	       "lost byte: then the SSND again, before the queue");
	say(f, "I/OK\r\n");
	tap_ok(f->ndone == 1 && f->done[0].status == ICHIP_STATUS_OK &&
	       !strcmp(f->done[0].text, "AT+iSSND%:000,5"),
	       "lost byte: completed once, OK");
	tap_ok(f->cq.stats.cksum_errors == 1 && f->cq.stats.cksum_retries == 1 &&
	       f->cq.stats.timeouts == 1, "lost byte: counted");
	drain(f);
	tap_ok(!strcmp(f->wire, "AT+iRP4\r"), "lost byte: the queue goes on");
	say(f, "I/(0)\r\n");

	/* one I/OK and no more: the ping's; the SSND's answer was lost */
	ichip_cq_queue(&f->cq, cmd_cksum(&a, "AT+iSSND%:000,5", "hello"));
	drain(f);
	ichip_cq_timeout(&f->cq);
	drain(f);
	say(f, "I/OK\r\n");
	tap_ok(f->ndone == 2 && f->armed_ms == f->cq.ping.timeout_ms,
	       "answer lost: one I/OK waits for a second");
	ichip_cq_timeout(&f->cq);
	tap_ok(f->ndone == 3 && f->done[2].err == ETIMEDOUT,
	       "answer lost: the SSND fails ETIMEDOUT, never sent again");
	tap_ok(!drain(f) && f->cq.state == ICHIP_DEV_STATE_IDLE,
	       "answer lost: resynced, nothing more on the wire");

	/* two answers: the first was the SSND's, late */
	ichip_cq_queue(&f->cq, cmd_cksum(&a, "AT+iSSND%:000,5", "hello"));
	drain(f);
	ichip_cq_timeout(&f->cq);
	drain(f);
	say(f, "I/OK\r\nI/OK\r\n");
	tap_ok(f->ndone == 4 && f->done[3].status == ICHIP_STATUS_OK &&
	       f->cq.state == ICHIP_DEV_STATE_IDLE && !drain(f),
	       "slow module: the SSND's late I/OK completes it, not sent again");
	ichip_cq_queue(&f->cq, cmd_cksum(&a, "AT+iSSND%:000,5", "hello"));
	drain(f);
	ichip_cq_timeout(&f->cq);
	drain(f);
	say(f, "I/ERROR (203)\r\nI/OK\r\n");
	tap_ok(f->ndone == 5 && f->done[4].status == ICHIP_STATUS_ERROR &&
	       f->done[4].err == 0, "slow module: its late error is the SSND's");

	/* the probe unanswered: a 228 to a later (padded) ping is proof too */
	ichip_cq_queue(&f->cq, cmd_cksum(&a, "AT+iSSND%:000,5", "hello"));
	drain(f);
	ichip_cq_timeout(&f->cq);
	drain(f);
	ichip_cq_timeout(&f->cq);
	n = drain(f);
	tap_ok(n == ICHIP_DATA_LEN_MAX + 5, "no answer: then a padded ping");
	say(f, "I/ERROR (228)\r\nI/OK\r\n");
	n = drain(f);
	tap_ok(f->ndone == 5 && n == 23,
	       "later ping: 228 sends the SSND again");
	say(f, "I/OK\r\n");
	tap_ok(f->ndone == 6 && f->done[5].status == ICHIP_STATUS_OK,
	       "later ping: then OK");

	/* every copy lost a byte: named, after the retries */
	ichip_cq_queue(&f->cq, cmd_cksum(&a, "AT+iSSND%:000,5", "hello"));
	for (i = 0; i <= ICHIP_CQ_CKSUM_RETRIES; i++) {
		drain(f);
		ichip_cq_timeout(&f->cq);
		drain(f);
		say(f, "I/ERROR (228)\r\nI/OK\r\n");
		backoff_over(f);
	}
	tap_ok(f->ndone == 7 && f->done[6].status == ICHIP_STATUS_CHECKSUM,
	       "retries spent: CHECKSUM");

	/* a later retry waits out its backoff after the probe's ping */
	ichip_cq_queue(&f->cq, cmd_cksum(&a, "AT+iSSND%:000,5", "hello"));
	for (i = 0; i < 2; i++) {
		drain(f);
		ichip_cq_timeout(&f->cq);
		drain(f);
		say(f, "I/ERROR (228)\r\nI/OK\r\n");
	}
	tap_ok(f->cq.held == &a.cq && f->armed_ms >= 100,
	       "probe, backoff: armed after the ping (%u ms)", f->armed_ms);
	backoff_over(f);
	n = drain(f);
	say(f, "I/OK\r\n");
	tap_ok(n == 23 && f->ndone == 8 && f->done[7].status == ICHIP_STATUS_OK,
	       "probe, backoff: then sent again, OK");

	/* the module gone: the held SSND fails with the queue */
	ichip_cq_queue(&f->cq, cmd_cksum(&a, "AT+iSSND%:000,5", "hello"));
	drain(f);
	ichip_cq_timeout(&f->cq);
	for (i = 0; i < ICHIP_CQ_RESYNC_TRIES; i++) {
		drain(f);
		ichip_cq_timeout(&f->cq);
	}
	tap_ok(f->ndone == 9 && f->done[8].err == EIO && !f->cq.depth,
	       "unresponsive: the held SSND fails with EIO");

	/* without checksum mode: no probe, a timeout fails the SSND */
	ichip_cq_queue(&f->cq, cmd_make(&a, "AT+iSSND%:000,5", "hello", 0));
	drain(f);
	say(f, "I/OK\r\n");		/* the resync after EIO */
	drain(f);
	tap_ok(f->armed_ms == a.cq.timeout_ms, "no cksum: no probe");
	ichip_cq_timeout(&f->cq);
	tap_ok(f->ndone == 10 && f->done[9].err == ETIMEDOUT,
	       "no cksum: ETIMEDOUT at once");
	free(f);
}

/*
 * A burst of line noise damages every copy of a payload sent while it
 * lasts: after the first retry, each waits longer, together longer than
 * a burst (2 s in `make soak`), and nothing else goes meanwhile (the
 * module's "last SRCV data" must stay the one fetched again).
 */
static void test_cksum_backoff(void)
{
	struct fake *f = fake_new();
	struct cmd a, b;
	static const u8 bad[] = "I/5:hellp\xfd\xec\r\n";
	static const u8 good[] = "I/5:hello\xfd\xec\r\n";
	unsigned int waited = 0;
	int i;

	ichip_cq_queue(&f->cq, cmd_cksum(&a, "AT+iSRCV:0,5", NULL));
	drain(f);
	say_n(f, bad, sizeof(bad) - 1);
	drain(f);
	tap_ok(!strcmp(f->wire, "AT+i!SRCV:0,5\r"),
	       "backoff: the first retry at once");
	say_n(f, bad, sizeof(bad) - 1);
	tap_ok(!drain(f) && f->cq.held == &a.cq && f->armed_ms >= 100,
	       "backoff: the second waits (%u ms)", f->armed_ms);
	ichip_cq_queue(&f->cq, cmd_make(&b, "AT+iRP4", NULL, 0));
	tap_ok(!drain(f), "backoff: nothing else goes meanwhile");
	for (i = 2; i <= ICHIP_CQ_CKSUM_RETRIES; i++) {
		waited += f->armed_ms;
		backoff_over(f);
		drain(f);
		tap_ok(!strcmp(f->wire, "AT+i!SRCV:0,5\r"),
		       "backoff: retry %d after the wait", i);
		if (i < ICHIP_CQ_CKSUM_RETRIES)
			say_n(f, bad, sizeof(bad) - 1);
	}
	/*
	 * A 2 s noise burst damages every copy sent while it lasts; the
	 * 100 MiB soak lost a session whose one retry after the burst met
	 * a dropped byte: three retries come after the first 2 s.
	 */
	tap_ok(waited > 7000, "backoff: the retries span %u ms", waited);
	say_n(f, good, sizeof(good) - 1);
	tap_ok(f->ndone == 1 && f->done[0].status == ICHIP_STATUS_OK,
	       "backoff: the last retry's good copy completes it");
	tap_ok(f->cq.stats.timeouts == 0, "backoff: no timeout counted");
	drain(f);
	tap_ok(!strcmp(f->wire, "AT+iRP4\r"), "backoff: then the queue");

	/* held, then the line is gone: it fails with the rest */
	ichip_cq_queue(&f->cq, cmd_cksum(&a, "AT+iSRCV:0,5", NULL));
	say(f, "I/(0)\r\n");
	drain(f);
	say_n(f, bad, sizeof(bad) - 1);
	drain(f);
	say_n(f, bad, sizeof(bad) - 1);
	ichip_cq_fail_all(&f->cq, EPIPE);
	tap_ok(f->ndone == 3 && f->done[2].err == EPIPE && !f->cq.held &&
	       !f->cq.depth, "backoff: a held retry fails with the queue");
	free(f);
}

/*
 * A byte of an SSND's command line lost ("AT+iSSD%:..."): the module
 * cannot parse it and answers I/ERROR (041-053) at the first CR in the
 * payload, the rest of which it reads as lines.  It never took the data:
 * in checksum mode the SSND goes again, after a resync ping (the junk
 * lines end where they end).
 */
static void test_cksum_ssnd_refused(void)
{
	struct fake *f = fake_new();
	struct cmd a;
	size_t n;

	ichip_cq_queue(&f->cq, cmd_cksum(&a, "AT+iSSND%:000,5", "hello"));
	drain(f);
	say(f, "I/ERROR(051)\r\n");
	tap_ok(f->ndone == 0, "refused: 051 completes nothing");
	drain(f);
	tap_ok(!strcmp(f->wire, "AT+i\r"), "refused: a resync ping (%s)",
	       f->wire);
	say(f, "I/OK\r\n");
	n = drain(f);
	tap_ok(n == 23 && !memcmp(f->wire, "AT+iSSND%:000,5:hello\xfd\xec", 23),
	       "refused: then the SSND again");
	say(f, "I/OK\r\n");
	tap_ok(f->ndone == 1 && f->done[0].status == ICHIP_STATUS_OK &&
	       f->cq.stats.cksum_retries == 1, "refused: sent once, OK");

	/*
	 * No CR in the payload: the probe's ends the junk line, and the
	 * module refuses it: the SSND's answer, the ping's may be lost
	 */
	f->cq.baud = 921600;
	ichip_cq_queue(&f->cq, cmd_cksum(&a, "AT+iSSND%:000,5", "hello"));
	drain(f);
	ichip_cq_timeout(&f->cq);
	drain(f);
	say(f, "I/ERROR(051)\r\n");
	tap_ok(f->ndone == 1 && f->cq.state == ICHIP_DEV_STATE_RESYNC,
	       "refused, probed: 051 to the probe completes nothing");
	ichip_cq_timeout(&f->cq);
	drain(f);
	say(f, "I/OK\r\n");
	n = drain(f);
	say(f, "I/OK\r\n");
	tap_ok(n == 23 && f->ndone == 2 && f->done[1].status == ICHIP_STATUS_OK,
	       "refused, probed: sent again, OK");
	f->cq.baud = 0;

	/* other errors are the socket's: no retry */
	ichip_cq_queue(&f->cq, cmd_cksum(&a, "AT+iSSND%:000,5", "hello"));
	drain(f);
	say(f, "I/ERROR(203)\r\n");
	tap_ok(f->ndone == 3 && f->done[2].status == ICHIP_STATUS_ERROR,
	       "refused: 203 is delivered, not retried");

	/* without checksum mode: delivered (Session1.rst: line-errors) */
	ichip_cq_queue(&f->cq, cmd_make(&a, "AT+iSSND%:000,5", "hello", 0));
	drain(f);
	say(f, "I/ERROR(051)\r\n");
	tap_ok(f->ndone == 4 && f->done[3].status == ICHIP_STATUS_ERROR,
	       "no cksum: 051 is delivered");
	free(f);
}

/*
 * Any checksum-mode command the module refused as malformed (a digit of
 * "AT+iSRCV:2,1024" lost: "AT+iSRCV:,1024", I/ERROR (044)) never ran: it
 * goes again as it was, an SRCV as SRCV (not !SRCV, which would hand out
 * the last data again), without a ping (no stream went as lines), and
 * fails with the module's error once the retries are spent.
 */
static void test_cksum_refused(void)
{
	struct fake *f = fake_new();
	struct cmd a;
	int i;

	ichip_cq_queue(&f->cq, cmd_cksum(&a, "AT+iSRCV:2,1024", NULL));
	drain(f);
	say(f, "I/ERROR(044)\r\n");
	tap_ok(f->ndone == 0, "refused SRCV: 044 completes nothing");
	drain(f);
	tap_ok(!strcmp(f->wire, "AT+iSRCV:2,1024\r"),
	       "refused SRCV: sent again as it was (%s)", f->wire);
	say(f, "I/5:hello\xfd\xec\r\n");
	tap_ok(f->ndone == 1 && f->done[0].status == ICHIP_STATUS_OK &&
	       f->done[0].data_len == 5, "refused SRCV: then its data");

	ichip_cq_queue(&f->cq, cmd_cksum(&a, "AT+iSST:3", NULL));
	for (i = 0; i <= ICHIP_CQ_CKSUM_RETRIES; i++) {
		backoff_over(f);
		drain(f);
		if (strcmp(f->wire, "AT+iSST:3\r"))
			break;
		say(f, "I/ERROR(041)\r\n");
	}
	tap_ok(i == ICHIP_CQ_CKSUM_RETRIES + 1 && f->ndone == 2 &&
	       f->done[1].status == ICHIP_STATUS_ERROR &&
	       f->done[1].module_error == 41,
	       "refused every time: the module's error once retries are spent");

	/*
	 * 200, no such socket: the comma of "AT+iSRCV:8,1024" lost makes
	 * handle 81024.  Sent again once, at once; a socket really gone
	 * (a module reset) answers 200 again, and that is the answer.
	 */
	ichip_cq_queue(&f->cq, cmd_cksum(&a, "AT+iSRCV:8,1024", NULL));
	drain(f);
	say(f, "I/ERROR(200)\r\n");
	drain(f);
	tap_ok(f->ndone == 2 && !strcmp(f->wire, "AT+iSRCV:8,1024\r"),
	       "no such socket: sent again at once (%s)", f->wire);
	say(f, "I/0\r\n");
	tap_ok(f->ndone == 3 && f->done[2].status == ICHIP_STATUS_OK,
	       "no such socket: then answered");
	ichip_cq_queue(&f->cq, cmd_cksum(&a, "AT+iSRCV:8,1024", NULL));
	drain(f);
	say(f, "I/ERROR(200)\r\n");
	drain(f);
	say(f, "I/ERROR(200)\r\n");
	tap_ok(f->ndone == 4 && f->done[3].status == ICHIP_STATUS_ERROR &&
	       f->done[3].module_error == 200,
	       "no such socket twice: the module's answer, no more tries");
	free(f);
}

/*
 * A WAIT byte with no RP4 report behind it is line noise (a module's
 * WAIT comes with its report, at-plus-i.md section 7).  In checksum mode
 * it stops a SSND only for the report's window, not until the timeout
 * (which stalls every session for 10 s); a WAIT whose report comes waits
 * for CONTINUE.  Without checksum mode a WAIT is obeyed as before: going
 * on into a full buffer would lose bytes nothing checks.
 */
static void test_stray_wait(void)
{
	struct fake *f = fake_new();
	struct cmd a, b, c;
	const u8 *buf;
	unsigned int window;

	f->cq.baud = 921600;
	ichip_cq_queue(&f->cq, cmd_cksum(&a, "AT+iSSND%:000,5", "hello"));
	ichip_cq_tx_advance(&f->cq, 10);
	say(f, "\x13");
	window = f->armed_ms;
	tap_ok(!ichip_cq_tx_peek(&f->cq, &buf) &&
	       window >= ICHIP_CQ_WAIT_REPORT_MS && window < a.cq.timeout_ms,
	       "stray WAIT: output stops, the report's window armed (%u ms)",
	       window);
	f->tx_starts = 0;
	ichip_cq_timeout(&f->cq);
	tap_ok(f->tx_starts == 1 && ichip_cq_tx_peek(&f->cq, &buf) == 13 &&
	       !f->ndone && !f->cq.stats.timeouts &&
	       f->armed_ms == a.cq.timeout_ms,
	       "stray WAIT: no report, noise: the SSND goes on, its timeout armed");
	drain(f);
	say(f, "I/OK\r\n");
	tap_ok(f->ndone == 1 && f->done[0].status == ICHIP_STATUS_OK,
	       "stray WAIT: the SSND answered");

	/* the module's WAIT: its report comes, output waits for CONTINUE */
	ichip_cq_queue(&f->cq, cmd_cksum(&b, "AT+iSSND%:000,5", "hello"));
	ichip_cq_tx_advance(&f->cq, 10);
	say(f, "\x13I/(5,-1,-1,-1,-1,-1,-1,-1,-1,-1)\r\n");
	tap_ok(!ichip_cq_tx_peek(&f->cq, &buf) &&
	       f->armed_ms == b.cq.timeout_ms,
	       "WAIT with its report: stopped, the SSND's timeout armed again");
	f->tx_starts = 0;
	say(f, "\x11");
	tap_ok(f->tx_starts == 1 && ichip_cq_tx_peek(&f->cq, &buf) == 13,
	       "WAIT with its report: CONTINUE restarts output");
	drain(f);
	say(f, "I/OK\r\n");
	tap_ok(f->ndone == 2 && f->done[1].status == ICHIP_STATUS_OK,
	       "WAIT with its report: the SSND answered");

	/* without checksum mode: no window, a WAIT holds until CONTINUE */
	ichip_cq_queue(&f->cq, cmd_make(&c, "AT+iSSND%:000,5", "hello", 0));
	ichip_cq_tx_advance(&f->cq, 10);
	say(f, "\x13");
	tap_ok(!ichip_cq_tx_peek(&f->cq, &buf) &&
	       f->armed_ms == c.cq.timeout_ms,
	       "WAIT without checksum mode: obeyed, no window");
	free(f);
}

int main(void)
{
	test_fifo();
	test_timeout_resync();
	test_unresponsive();
	test_reentrant();
	test_tx();
	test_ssnd();
	test_unsolicited();
	test_cksum_srcv();
	test_cksum_ssnd();
	test_cksum_ssnd_lost_byte();
	test_cksum_backoff();
	test_cksum_ssnd_refused();
	test_cksum_refused();
	test_stray_wait();
	return tap_done();
}
