// SPDX-License-Identifier: GPL-2.0-only
// SPDX-FileCopyrightText: 2026 The ichip authors
/*
 * Unit tests of the command queue core: a checksum-mode SRCV whose
 * answer the line damaged (its header, so the framer never saw it) or
 * whose command the module never got.  Only AT+i!SRCV can get the data
 * back, and only if the module ran the SRCV; if it did not, !SRCV hands
 * out data already delivered (that socket's last, or the module's).  The
 * core knows what it delivered: a refetch that brings it again is not
 * delivered twice, the SRCV goes afresh instead.
 */
#include "cmdq-fake.h"
#include "tap.h"

/* "I/<n>:<data><checksum>\r\n" for @data */
static size_t reply(struct fake *f, const char *data)
{
	u8 buf[64];
	size_t n = strlen(data);
	u16 sum = ichip_cksum((const u8 *)data, n);
	size_t len = (size_t)snprintf((char *)buf, sizeof(buf), "I/%zu:", n);

	memcpy(buf + len, data, n);
	len += n;
	buf[len++] = (u8)(sum >> 8);
	buf[len++] = (u8)sum;
	buf[len++] = '\r';
	buf[len++] = '\n';
	return say_n(f, buf, len);
}

/* Time out the SRCV on the wire, answer the resync ping. */
static void lose_answer(struct fake *f)
{
	ichip_cq_timeout(&f->cq);
	drain(f);
	say(f, "I/OK\r\n");
	drain(f);
}

static void test_lost_header(void)
{
	struct fake *f = fake_new();
	struct cmd a;

	ichip_cq_queue(&f->cq, cmd_cksum(&a, "AT+iSRCV:0,5", NULL));
	drain(f);
	reply(f, "hello");
	tap_ok(f->ndone == 1 && !strcmp(f->done[0].data, "hello"),
	       "srcv: delivered");

	/* the module ran it, the header was lost: !SRCV brings it back */
	ichip_cq_queue(&f->cq, cmd_cksum(&a, "AT+iSRCV:0,5", NULL));
	drain(f);
	say(f, "I5:world\xfd\xe4\r\n");
	tap_ok(f->ndone == 1, "lost header: nothing delivered");
	lose_answer(f);
	tap_ok(!strcmp(f->wire, "AT+i!SRCV:0,5\r"),
	       "lost header: fetched again with !SRCV (%s)", f->wire);
	reply(f, "world");
	tap_ok(f->ndone == 2 && f->done[1].status == ICHIP_STATUS_OK &&
	       !strcmp(f->done[1].data, "world"),
	       "lost header: the data, once");
	tap_ok(f->cq.stats.timeouts == 1 && f->cq.stats.cksum_retries == 1,
	       "lost header: a timeout and a retry counted");

	/* the module never got it: !SRCV brings the last data again */
	ichip_cq_queue(&f->cq, cmd_cksum(&a, "AT+iSRCV:0,5", NULL));
	drain(f);
	lose_answer(f);
	reply(f, "world");
	tap_ok(f->ndone == 2, "never ran: the old data is not delivered again");
	drain(f);
	tap_ok(!strcmp(f->wire, "AT+iSRCV:0,5\r"),
	       "never ran: the SRCV goes afresh (%s)", f->wire);
	reply(f, "fresh");
	tap_ok(f->ndone == 3 && !strcmp(f->done[2].data, "fresh"),
	       "never ran: then the new data");
	free(f);
}

/* !SRCV's "last data": the module's (any socket) or the socket's own. */
static void test_other_socket(void)
{
	struct fake *f = fake_new();
	struct cmd a;

	ichip_cq_queue(&f->cq, cmd_cksum(&a, "AT+iSRCV:0,5", NULL));
	drain(f);
	reply(f, "zero0");
	ichip_cq_queue(&f->cq, cmd_cksum(&a, "AT+iSRCV:1,5", NULL));
	drain(f);
	reply(f, "one11");
	ichip_cq_queue(&f->cq, cmd_cksum(&a, "AT+iSRCV:0,5", NULL));
	drain(f);
	lose_answer(f);
	reply(f, "one11");
	drain(f);
	tap_ok(f->ndone == 2 && !strcmp(f->wire, "AT+iSRCV:0,5\r"),
	       "module's last: another socket's data is not delivered");
	reply(f, "zero1");
	tap_ok(f->ndone == 3 && !strcmp(f->done[2].data, "zero1"),
	       "module's last: the fresh SRCV's data is");

	/* socket 0's last is "zero1", the module's is now "one22" */
	ichip_cq_queue(&f->cq, cmd_cksum(&a, "AT+iSRCV:1,5", NULL));
	drain(f);
	reply(f, "one22");
	ichip_cq_queue(&f->cq, cmd_cksum(&a, "AT+iSRCV:0,5", NULL));
	drain(f);
	lose_answer(f);
	reply(f, "zero1");
	drain(f);
	tap_ok(f->ndone == 4 && !strcmp(f->wire, "AT+iSRCV:0,5\r"),
	       "socket's last: delivered before, not again");
	reply(f, "zero2");
	tap_ok(f->ndone == 5 && !strcmp(f->done[4].data, "zero2"),
	       "socket's last: then the new data");
	free(f);
}

static void test_bounds(void)
{
	struct fake *f = fake_new();
	struct cmd a;
	int i;

	/* every answer lost: bounded, then the timeout is the outcome */
	ichip_cq_queue(&f->cq, cmd_cksum(&a, "AT+iSRCV:0,5", NULL));
	drain(f);
	for (i = 0; i < ICHIP_CQ_CKSUM_RETRIES; i++)
		lose_answer(f);
	tap_ok(f->ndone == 0, "bounds: %d refetches", ICHIP_CQ_CKSUM_RETRIES);
	ichip_cq_timeout(&f->cq);
	tap_ok(f->ndone == 1 && f->done[0].err == ETIMEDOUT,
	       "bounds: then ETIMEDOUT");
	drain(f);
	say(f, "I/OK\r\n");

	/* without checksum mode there is no telling: ETIMEDOUT at once */
	ichip_cq_queue(&f->cq, cmd_make(&a, "AT+iSRCV:0,5", NULL, 0));
	drain(f);
	ichip_cq_timeout(&f->cq);
	tap_ok(f->ndone == 2 && f->done[1].err == ETIMEDOUT,
	       "no cksum: ETIMEDOUT at once");
	free(f);
}

int main(void)
{
	test_lost_header();
	test_other_socket();
	test_bounds();
	return tap_done();
}
