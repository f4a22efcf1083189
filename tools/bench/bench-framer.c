// SPDX-License-Identifier: GPL-2.0-only
// SPDX-FileCopyrightText: 2026 The ichip authors
/*
 * bench-framer: throughput of the AT+i framing core (driver/ichip_frame.c)
 * against memcpy of the same bytes, side by side in one process.
 *
 * The input is a realistic module-to-host stream of a busy device: the
 * replies of the command sequence ichipd's poller and sessions produce
 * (RP7 socket bitmaps, SRCV payloads of various sizes, SSND counts, I/OK,
 * an occasional I/ERROR and an empty I/0).  For each reply the framer is
 * told what the command expects (ichip_frame_expect), as n_ichip does, and
 * the stream is fed in the chunks a tty flip buffer hands the ldisc.  The
 * baseline copies the same chunks into a buffer with memcpy.
 *
 *   bench-framer [--seconds S] [--chunk N] [--json]
 *
 * Prints one line of key=value pairs (or a JSON object with --json):
 * framer and memcpy MB/s, their ratio, the mix (bytes, payload share).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ichip_frame.h"
#include "bench-time.h"

struct exchange {
	enum ichip_reply_kind kind;
	const char *cmd;
	size_t cmd_len;		/* known to the caller, as in n_ichip */
	size_t off, len;	/* reply bytes in the stream */
};

static u8 *stream;
static size_t stream_len, stream_cap;
static struct exchange *ex;
static size_t n_ex, ex_cap;
static size_t payload_total;

static void put(const void *p, size_t n)
{
	if (stream_len + n > stream_cap) {
		u8 *bigger;

		/* page-aligned, like every other buffer here: rep movsb speed
		 * depends on alignment, and heap placement must not decide
		 * the result */
		stream_cap = ((stream_len + n) * 2 + 4095) & ~(size_t)4095;
		bigger = aligned_alloc(4096, stream_cap);
		if (!bigger) {
			perror("aligned_alloc");
			exit(2);
		}
		if (stream_len)
			memcpy(bigger, stream, stream_len);
		free(stream);
		stream = bigger;
	}
	memcpy(stream + stream_len, p, n);
	stream_len += n;
}

static void add(enum ichip_reply_kind kind, const char *cmd, const char *reply)
{
	if (n_ex == ex_cap) {
		ex_cap = ex_cap ? ex_cap * 2 : 64;
		ex = realloc(ex, ex_cap * sizeof(*ex));
		if (!ex) {
			perror("realloc");
			exit(2);
		}
	}
	ex[n_ex].kind = kind;
	ex[n_ex].cmd = cmd;
	ex[n_ex].cmd_len = strlen(cmd);
	ex[n_ex].off = stream_len;
	put(reply, strlen(reply));
	ex[n_ex].len = stream_len - ex[n_ex].off;
	n_ex++;
}

/* SRCV reply: I/<n>:<n bytes>\r\n; the bytes include "I/OK\r\n" lookalikes */
static void add_srcv(size_t n, unsigned int seed)
{
	char hdr[32];
	size_t i, off;

	snprintf(hdr, sizeof(hdr), "I/%zu:", n);
	if (n_ex == ex_cap) {
		ex_cap = ex_cap ? ex_cap * 2 : 64;
		ex = realloc(ex, ex_cap * sizeof(*ex));
		if (!ex) {
			perror("realloc");
			exit(2);
		}
	}
	ex[n_ex].kind = ICHIP_REPLY_DATA;
	ex[n_ex].cmd = "AT+iSRCV:0,16384";
	ex[n_ex].cmd_len = strlen(ex[n_ex].cmd);
	ex[n_ex].off = stream_len;
	put(hdr, strlen(hdr));
	off = stream_len;
	for (i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		put(&(u8){ (u8)(seed >> 16) }, 1);
	}
	if (n >= 64)
		memcpy(stream + off + n / 2, "I/OK\r\n", 6);
	put("\r\n", 2);
	ex[n_ex].len = stream_len - ex[n_ex].off;
	n_ex++;
	payload_total += n;
}

/*
 * One "poll round" of a device with several sessions moving data: the
 * payload sizes are what TLS records split across the module's 16 KiB
 * socket buffer and the SSL 2048-byte SSND limit look like in traces.
 */
static void build_mix(void)
{
	static const size_t sizes[] = { 16384, 1460, 517, 16384, 2048, 90,
					8192, 1, 4096, 16384, 333, 2920 };
	unsigned int round, i;

	for (round = 0; round < 8; round++) {
		add(ICHIP_REPLY_VALUE, "AT+iRP7", "I/0007\r\n");
		for (i = 0; i < 3; i++)
			add_srcv(sizes[(round * 3 + i) % 12], round * 7 + i);
		add(ICHIP_REPLY_VALUE, "AT+iSSND%:1,2048", "I/2048\r\n");
		add(ICHIP_REPLY_VALUE, "AT+iSSND%:2,517", "I/517\r\n");
		add(ICHIP_REPLY_VALUE, "AT+iRP7", "I/0000\r\n");
		add(ICHIP_REPLY_DATA, "AT+iSRCV:3,16384", "I/0\r\n");
		add(ICHIP_REPLY_STATUS, "AT+i", "I/OK\r\n");
		add(ICHIP_REPLY_VALUE, "AT+iSST:1", "I/1024\r\n");
		if (round == 5)
			add(ICHIP_REPLY_STATUS, "AT+iSCLS:4",
			    "I/ERROR (203)\r\n");
		add(ICHIP_REPLY_QUERY, "AT+iRP1", "I/ICHIP-SIM 1.0\r\nI/OK\r\n");
	}
}

static volatile size_t sink;

/*
 * Feed the whole stream once, in @chunk-byte pieces regardless of reply
 * boundaries, switching the expected reply when a result completes.
 * Returns the number of results (must equal n_ex).
 */
static size_t framer_pass(struct ichip_frame *f, size_t chunk)
{
	size_t pos = 0, cur = 0, results = 0;
	struct ichip_event ev;

	ichip_frame_expect(f, ex[0].kind, ex[0].cmd, ex[0].cmd_len);
	while (pos < stream_len) {
		size_t end = pos + chunk < stream_len ? pos + chunk : stream_len;

		while (pos < end) {
			pos += ichip_frame_feed(f, stream + pos, end - pos, &ev);
			if (ev.type == ICHIP_EV_RESULT) {
				results++;
				sink += f->res.data_len + f->res.text_len;
				if (++cur < n_ex)
					ichip_frame_expect(f, ex[cur].kind,
							   ex[cur].cmd,
							   ex[cur].cmd_len);
			} else if (ev.type != ICHIP_EV_NONE) {
				fprintf(stderr, "unexpected event %d at %zu\n",
					ev.type, pos);
				exit(2);
			}
		}
	}
	return results;
}

static void memcpy_pass(u8 *dst, size_t chunk)
{
	size_t pos = 0;

	while (pos < stream_len) {
		size_t n = pos + chunk < stream_len ? chunk : stream_len - pos;

		memcpy(dst + pos, stream + pos, n);
		pos += n;
	}
	sink += dst[pos / 2];
}

int main(int argc, char **argv)
{
	double seconds = 1.0, t0, tf = 0, tm = 0;
	size_t chunk = 4096, passes_f = 0, passes_m = 0;
	int json = 0, i, rep;
	struct ichip_frame *f;
	u8 *dst;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--seconds") && i + 1 < argc)
			seconds = atof(argv[++i]);
		else if (!strcmp(argv[i], "--chunk") && i + 1 < argc)
			chunk = strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--json"))
			json = 1;
		else {
			fprintf(stderr,
				"usage: %s [--seconds S] [--chunk N] [--json]\n",
				argv[0]);
			return 2;
		}
	}
	if (!chunk)
		chunk = 1;
	build_mix();
	f = aligned_alloc(4096, (sizeof(*f) + 4095) & ~(size_t)4095);
	dst = aligned_alloc(4096, (stream_len + 4095) & ~(size_t)4095);
	if (f)
		memset(f, 0, sizeof(*f));
	if (!f || !dst)
		return 2;
	ichip_frame_reset(f);
	if (framer_pass(f, chunk) != n_ex) {
		fprintf(stderr, "framer did not complete every reply\n");
		return 2;
	}

	/* Alternate short slices of each so both see the same machine state. */
	for (rep = 0; tf + tm < seconds; rep++) {
		int k;

		t0 = now();
		for (k = 0; k < 20; k++)
			framer_pass(f, chunk);
		tf += now() - t0;
		passes_f += 20;
		t0 = now();
		for (k = 0; k < 20; k++)
			memcpy_pass(dst, chunk);
		tm += now() - t0;
		passes_m += 20;
		/* keep memcpy's slice about as long as the framer's */
		while (tm < tf * 0.5) {
			t0 = now();
			for (k = 0; k < 20; k++)
				memcpy_pass(dst, chunk);
			tm += now() - t0;
			passes_m += 20;
		}
	}

	double fr = passes_f * (double)stream_len / tf / 1e6;
	double mr = passes_m * (double)stream_len / tm / 1e6;

	if (json)
		printf("{\"framer_MBps\": %.1f, \"memcpy_MBps\": %.1f, "
		       "\"ratio\": %.4f, \"stream_bytes\": %zu, "
		       "\"replies\": %zu, \"payload_share\": %.4f, "
		       "\"chunk\": %zu}\n", fr, mr, fr / mr, stream_len, n_ex,
		       (double)payload_total / stream_len, chunk);
	else
		printf("framer_MBps=%.1f memcpy_MBps=%.1f ratio=%.4f "
		       "stream_bytes=%zu replies=%zu payload_share=%.4f "
		       "chunk=%zu\n", fr, mr, fr / mr, stream_len, n_ex,
		       (double)payload_total / stream_len, chunk);
	return 0;
}
