// SPDX-License-Identifier: GPL-2.0-only
// SPDX-FileCopyrightText: 2026 The ichip authors
/*
 * frame-diff: every event of seeded random sessions through the framing
 * core, one line each, for tools/frame-diff.sh to compare two builds of
 * the core (a change meant to be faster, not different, must print the
 * same).  Each session sets flow control and checksum mode at random,
 * then runs commands (valid ones only: ichip_cmd_classify() keeps the
 * rest off the wire) against module output built from the shapes a
 * busy line carries and the ones that try the framer: payload headers
 * split anywhere, lookalikes inside payloads, echoes, junk before a
 * reply, flow bytes, stale and unsolicited lines, oversized numbers.
 *
 *   frame-diff [SESSIONS]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ichip_frame.h"

static unsigned int seed;

static unsigned int rnd(unsigned int n)
{
	seed = seed * 1103515245u + 12345u;
	return (seed >> 8) % n;
}

static const char *const cmds[] = {
	"AT+i", "AT+iRP7", "AT+iRP4", "AT+iSRCV:0,16384", "AT+iSRCV:3,100",
	"AT+iSSND%:1,5", "AT+iSSND:2,3", "AT+iSST:1", "AT+iSCLS:4",
	"AT+iRP1", "AT+iCA?", "AT+iCERT=-----BEGIN\rx\r-----END",
	"AT+iCA=AB\rCD", "at+isrcv:1,10", "AT+i!SRCV:2,20", "AT+iPKEY~A\rB",
	"AT+iBDRF=9", "AT+iRP45", "AT+iRP4A", "AT+irp7", "AT+iCA2=x\ry",
	"AT+i@ssnd%:1,3", "AT+iRP", "AT+i!", "AT+iC", "AT+iCA",
};

static u8 out[1 << 16];
static size_t out_len;

static void put(const char *s, size_t n)
{
	if (out_len + n <= sizeof(out)) {
		memcpy(out + out_len, s, n);
		out_len += n;
	}
}

static void puts_(const char *s)
{
	put(s, strlen(s));
}

static void payload(size_t n)
{
	static const char odd[] = "\r\nI/:\x11\x13";
	char b[32];
	size_t i;

	snprintf(b, sizeof(b), "I/%zu:", n);
	puts_(b);
	for (i = 0; i < n; i++) {
		char c = rnd(4) ? (char)rnd(256) : odd[rnd(sizeof(odd) - 1)];

		put(&c, 1);
	}
	if (rnd(4))
		puts_("\r\n");
}

/* What the module sends for command @ci: a few pieces. */
static void module_output(const char *cmd)
{
	static const char *const pieces[] = {
		"I/OK\r\n", "I/0007\r\n", "I/ERROR (203)\r\n", "\r\n",
		"I/12345678901:", "I/:", "xyI/5:abcde\r\n", "I/(12)\r\n",
		"I/ICHIP 1.0\r\nI/OK\r\n", "I/O", "I/1", "hello",
		"I/ONLINE\r\n", "I/0000\r\nI/OK\r\n", "I/1:\xfe\xff\r\n",
		"I/2048\r\n", "I/BUSY\r\n", "I/OK\r", "\nI/-1\r\n",
	};
	static const char flow[] = "\x11\x13\r\n:\x00\x7f\xff";
	int k, parts = 1 + (int)rnd(6);
	char b[24];

	for (k = 0; k < parts; k++) {
		unsigned int r = rnd(26);

		if (r < 3) {
			payload(rnd(40));
		} else if (r == 3) {
			puts_(cmd);
			puts_(rnd(2) ? "\r\n" : ":");
		} else if (r == 4) {
			put(&flow[rnd(sizeof(flow) - 1)], 1);
		} else if (r == 5) {
			snprintf(b, sizeof(b), "I/%u:", rnd(70000));
			puts_(b);
		} else {
			puts_(pieces[rnd(ARRAY_SIZE(pieces))]);
		}
	}
}

static void print_event(const struct ichip_frame *f,
			const struct ichip_event *ev, size_t pos)
{
	size_t i;

	printf("%zu:%d", pos, ev->type);
	if (ev->type == ICHIP_EV_RESULT) {
		printf(" s%d e%u t", f->res.status, f->res.module_error);
		for (i = 0; i < f->res.text_len; i++)
			printf("%02x", (u8)f->res.text[i]);
		printf(" d%zu:", f->res.data_len);
		for (i = 0; i < f->res.data_len; i++)
			printf("%02x", f->res.data[i]);
	} else if (ev->line) {
		printf(" l");
		for (i = 0; i < ev->len; i++)
			printf("%02x", (u8)ev->line[i]);
	}
	putchar('\n');
}

static void expect(struct ichip_frame *f, const char *cmd, int kind,
		   size_t data_len)
{
	if (data_len)
		ichip_frame_expect_ssnd(f, cmd, strlen(cmd),
					(const u8 *)"hello", data_len);
	else
		ichip_frame_expect(f, (enum ichip_reply_kind)kind, cmd,
				   strlen(cmd));
}

/* One command and the module's output for it, in random chunks. */
static void round_trip(struct ichip_frame *f)
{
	const char *cmd = cmds[rnd(ARRAY_SIZE(cmds))];
	const char *comma = strrchr(cmd, ',');
	size_t data_len = 0, pos = 0, chunk = 1 + rnd(64);
	struct ichip_event ev;
	int kind;

	if (comma && (strstr(cmd, "SSND") || strstr(cmd, "ssnd")))
		data_len = strtoul(comma + 1, NULL, 10);
	kind = ichip_cmd_classify(cmd, strlen(cmd), data_len);
	if (kind < 0) {
		printf("invalid %s\n", cmd);
		return;
	}
	out_len = 0;
	module_output(cmd);
	expect(f, cmd, kind, data_len);
	while (pos < out_len) {
		size_t end = pos + chunk < out_len ? pos + chunk : out_len;

		while (pos < end) {
			size_t used = ichip_frame_feed(f, out + pos, end - pos,
						       &ev);

			pos += used;
			if (ev.type != ICHIP_EV_NONE)
				print_event(f, &ev, pos);
			if (ev.type == ICHIP_EV_RESULT && rnd(2))
				expect(f, cmd, kind, data_len);
			if (!used && ev.type == ICHIP_EV_NONE) {
				printf("no progress at %zu\n", pos);
				return;
			}
		}
	}
	if (!rnd(5))
		ichip_frame_abandon(f);
}

static void print_stats(const struct ichip_frame_stats *st)
{
	const u64 v[] = {
		st->lines, st->results, st->unsolicited, st->noise,
		st->echoes, st->overflows, st->payload_bytes, st->flow_waits,
		st->flow_continues, st->flow_reports, st->stale,
		st->cksum_errors, st->mended,
	};
	size_t i;

	printf("stats");
	for (i = 0; i < ARRAY_SIZE(v); i++)
		printf(" %llu", (unsigned long long)v[i]);
	putchar('\n');
}

int main(int argc, char **argv)
{
	static struct ichip_frame f;
	int sess, n = argc > 1 ? atoi(argv[1]) : 30000;

	for (sess = 0; sess < n; sess++) {
		int r, rounds;

		seed = (unsigned int)sess * 7919u + 1;
		memset(&f, 0, sizeof(f));
		ichip_frame_reset(&f);
		if (!rnd(4))
			ichip_frame_set_flow(&f, rnd(2), rnd(3) ? 0 : ':', 0);
		if (!rnd(6))
			ichip_frame_set_cksum(&f, true);
		rounds = 1 + (int)rnd(8);
		printf("session %d\n", sess);
		for (r = 0; r < rounds; r++)
			round_trip(&f);
		print_stats(&f.stats);
	}
	return 0;
}
