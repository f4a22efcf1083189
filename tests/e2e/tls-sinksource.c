// SPDX-License-Identifier: GPL-2.0-only
// SPDX-FileCopyrightText: 2026 The ichip authors
/*
 * The sinksource mode of ichip-tls-echo: tests/integration/tcpserv.py's
 * sinksource protocol in C, for the VM, which has no Python (the CPU
 * target of `make bench`, tools/bench/61-bench-cpu.sh).  One request
 * line per connection:
 *
 *   SINK <n>\n            read n bytes, answer "<sha256 hex> <n>\n"
 *   SOURCE <n> <seed>\n   send n bytes of tcpserv.py's stream(seed)
 *   anything else         close at once
 *
 * then close_notify, waiting up to CLOSE_WAIT_S for the client's, as
 * tcpserv.py's close_tls() does.  The stream is tcpserv.py's byte for
 * byte (its digest is the same), so a client may check what it got.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "tls-serv.h"

#define BLOCK		65536	/* tcpserv.py's BLOCK: one stream block */
#define LINE_MAX_LEN	256	/* tcpserv.py's read_line() limit */
#define IDLE_S		60	/* a stalled client ends its connection */
#define CLOSE_WAIT_S	2	/* tcpserv.py's close_tls() wait */

static void set_rcvtimeo(int fd, int secs)
{
	struct timeval tv = { .tv_sec = secs };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
}

/* one record; 0 at close_notify, < 0 on error or IDLE_S of silence */
static ssize_t recv_some(gnutls_session_t s, char *buf, size_t n)
{
	ssize_t r;

	do
		r = gnutls_record_recv(s, buf, n);
	while (r == GNUTLS_E_INTERRUPTED);
	return r;
}

/*
 * SINK: n bytes hashed (the first @have of them at @pre, the rest read
 * into @buf), then the answer.
 */
static const char *sink(gnutls_session_t s, char *buf, const char *pre,
			size_t have, unsigned long long n,
			unsigned long long *total)
{
	unsigned char md[32];
	char line[2 * sizeof(md) + 32];
	gnutls_hash_hd_t h;
	size_t i;
	int len;

	if (gnutls_hash_init(&h, GNUTLS_DIG_SHA256) < 0)
		return "hash init failed";
	if (have > n)		/* more than asked for: not ours to hash */
		have = (size_t)n;
	gnutls_hash(h, pre, have);
	*total += have;
	while (*total < n) {
		ssize_t r = recv_some(s, buf, BLOCK < n - *total ? BLOCK :
				      (size_t)(n - *total));

		if (r <= 0)	/* short: answer with what came */
			break;
		gnutls_hash(h, buf, (size_t)r);
		*total += (size_t)r;
	}
	gnutls_hash_deinit(h, md);
	for (i = 0; i < sizeof(md); i++)
		sprintf(line + 2 * i, "%02x", md[i]);
	len = snprintf(line + 2 * sizeof(md), sizeof(line) - 2 * sizeof(md),
		       " %llu\n", *total);
	return tls_send_all(s, line, 2 * sizeof(md) + (size_t)len) < 0 ?
	       "answer not sent" : NULL;
}

/* SOURCE: tcpserv.py's stream_chunks(n, seed) */
static const char *source(gnutls_session_t s, char *buf,
			  unsigned long long n, const char *seed,
			  unsigned long long *total)
{
	unsigned char base[32];
	unsigned long long index = 0;
	size_t i;

	if (gnutls_hash_fast(GNUTLS_DIG_SHA256, seed, strlen(seed), base) < 0)
		return "hash failed";
	for (i = 0; i < BLOCK; i += sizeof(base))
		memcpy(buf + i, base, sizeof(base));
	while (*total < n) {
		size_t take = n - *total < BLOCK ? (size_t)(n - *total) : BLOCK;

		/* each block starts with its index, big-endian */
		for (i = 0; i < 8; i++)
			buf[i] = (char)(index >> (56 - 8 * i));
		if (tls_send_all(s, buf, take) < 0)
			return "send failed";
		*total += take;
		index++;
	}
	return NULL;
}

const char *tls_sinksource(gnutls_session_t s, int fd,
			   unsigned long long *total)
{
	static char buf[BLOCK];
	char seed[LINE_MAX_LEN], word[8];
	unsigned long long n;
	const char *err, *how;
	size_t have = 0, len;
	char *nl = NULL;
	int r, words;

	set_rcvtimeo(fd, IDLE_S);
	while (!nl && have < LINE_MAX_LEN) {
		ssize_t k = recv_some(s, buf + have, sizeof(buf) - have);

		if (k <= 0)
			return k < 0 ? gnutls_strerror((int)k) : "no request";
		nl = memchr(buf + have, '\n', (size_t)k);
		have += (size_t)k;
	}
	if (!nl || nl - buf >= LINE_MAX_LEN)
		return "request line too long";
	*nl = '\0';
	len = (size_t)(nl + 1 - buf);
	words = sscanf(buf, "%7s %llu %255s", word, &n, seed);
	/* anything else: closed at once, cleanly, as tcpserv.py does */
	err = NULL;
	how = "bad request, close_notify";
	if (words == 2 && !strcmp(word, "SINK")) {
		err = sink(s, buf, buf + len, have - len, n, total);
		how = "close_notify";
	} else if (words == 3 && !strcmp(word, "SOURCE")) {
		err = source(s, buf, n, seed, total);
		how = "close_notify";
	}
	if (err)
		return err;
	/* close_notify, then the client's for a while (tcpserv's unwrap) */
	set_rcvtimeo(fd, CLOSE_WAIT_S);
	do
		r = gnutls_bye(s, GNUTLS_SHUT_RDWR);
	while (r == GNUTLS_E_INTERRUPTED);
	return how;
}
