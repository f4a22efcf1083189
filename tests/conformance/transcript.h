/* SPDX-License-Identifier: GPL-2.0-only */
/* SPDX-FileCopyrightText: 2026 The ichip authors */
/*
 * Conformance transcripts (tests/conformance/, files *.txt): short host
 * <-> module exchanges written from what host drivers for real modules
 * show (at-plus-i.md §7), one file per observation.  The same files are
 * replayed against the framing core (tests/unit), ichip-sim (tests/sim)
 * and n_ichip in the VM (tests/selftests), so this parser is a header
 * used by all three.
 *
 * Format, one "key: value" per line, '#' lines are comments:
 *   source:      where the observation comes from (required)
 *   observation: what it shows
 *   sim:         ichip-sim options that make it play the transcript
 *   setup:       none | server | socket-open | socket-down (sim only)
 *   compare:     bytes (default) or result: the sim's output is compared
 *                byte for byte, or only through the framer (timing)
 *   send:        bytes the host sends     } one exchange; repeated for
 *   recv:        bytes the module answers } more; "result" last
 *   result:      ok | ok text=T | ok data=D | error N
 * Bytes take \r \n \t \\ \xNN escapes and {N*c} repeats (c a character or
 * an escape); {PORT} stands for the port of the setup's server.
 */
#ifndef ICHIP_TRANSCRIPT_H
#define ICHIP_TRANSCRIPT_H

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define TR_BYTES_MAX	4096
#define TR_XCHG_MAX	6

struct tr_xchg {
	unsigned char send[TR_BYTES_MAX];
	size_t send_len;
	unsigned char recv[TR_BYTES_MAX];
	size_t recv_len;
	bool ok;
	unsigned int error;		/* with !ok */
	bool has_text, has_data;
	char text[256];
	unsigned char data[256];
	size_t data_len;
};

struct transcript {
	char source[256];
	char sim[256];
	char setup[32];
	bool compare_result;
	struct tr_xchg x[TR_XCHG_MAX];
	int n;
	char err[128];
};

static inline int tr_hex(int c)
{
	return isdigit(c) ? c - '0' : tolower(c) - 'a' + 10;
}

/* One escaped byte at *p; advances *p. */
static inline int tr_byte(const char **p)
{
	const char *s = *p;
	int c;

	if (*s != '\\') {
		*p = s + 1;
		return (unsigned char)*s;
	}
	switch (s[1]) {
	case 'r': c = '\r'; break;
	case 'n': c = '\n'; break;
	case 't': c = '\t'; break;
	case '\\': c = '\\'; break;
	case '{': c = '{'; break;
	case 'x':
		if (!isxdigit((unsigned char)s[2]) ||
		    !isxdigit((unsigned char)s[3]))
			return -1;
		*p = s + 4;
		return tr_hex((unsigned char)s[2]) * 16 +
		       tr_hex((unsigned char)s[3]);
	default:
		return -1;
	}
	*p = s + 2;
	return c;
}

/* Unescape @s into @out; {PORT} becomes @port.  Length, or -1. */
static inline long tr_bytes(const char *s, unsigned char *out, size_t cap,
			    int port)
{
	size_t n = 0;

	while (*s) {
		if (!strncmp(s, "{PORT}", 6)) {
			n += (size_t)snprintf((char *)out + n, cap - n, "%d",
					      port);
			s += 6;
		} else if (*s == '{') {
			char *end;
			unsigned long k = strtoul(s + 1, &end, 10);
			int c;

			if (*end != '*')
				return -1;
			s = end + 1;
			c = tr_byte(&s);
			if (c < 0 || *s != '}' || n + k > cap)
				return -1;
			s++;
			memset(out + n, c, k);
			n += k;
		} else {
			int c = tr_byte(&s);

			if (c < 0 || n >= cap)
				return -1;
			out[n++] = (unsigned char)c;
		}
		if (n >= cap)
			return -1;
	}
	return (long)n;
}

static inline int tr_result(struct tr_xchg *x, const char *v, int port)
{
	long n;

	if (!strncmp(v, "error ", 6)) {
		x->ok = false;
		x->error = (unsigned int)atoi(v + 6);
		return 0;
	}
	if (strncmp(v, "ok", 2))
		return -1;
	x->ok = true;
	v += 2;
	if (!strncmp(v, " text=", 6)) {
		n = tr_bytes(v + 6, (unsigned char *)x->text,
			     sizeof(x->text) - 1, port);
		if (n < 0)
			return -1;
		x->text[n] = '\0';
		x->has_text = true;
	} else if (!strncmp(v, " data=", 6)) {
		n = tr_bytes(v + 6, x->data, sizeof(x->data), port);
		if (n < 0)
			return -1;
		x->data_len = (size_t)n;
		x->has_data = true;
	} else if (*v) {
		return -1;
	}
	return 0;
}

/* Parse the text of one transcript.  0, or -1 with t->err set. */
static inline int tr_parse(struct transcript *t, const char *text, int port)
{
	const char *line = text;
	int lineno = 0;

	memset(t, 0, sizeof(*t));
	t->n = -1;
	snprintf(t->setup, sizeof(t->setup), "none");
	while (*line) {
		const char *eol = strchr(line, '\n');
		size_t len = eol ? (size_t)(eol - line) : strlen(line);
		char buf[TR_BYTES_MAX], *v;
		struct tr_xchg *x = t->n >= 0 ? &t->x[t->n] : NULL;
		long n = 0;

		lineno++;
		if (len >= sizeof(buf))
			goto bad;
		memcpy(buf, line, len);
		buf[len] = '\0';
		line = eol ? eol + 1 : line + len;
		if (!len || buf[0] == '#')
			continue;
		v = strchr(buf, ':');
		if (!v || v[1] != ' ')
			goto bad;
		*v = '\0';
		v += 2;
		if (!strcmp(buf, "source")) {
			snprintf(t->source, sizeof(t->source), "%s", v);
		} else if (!strcmp(buf, "observation")) {
			continue;
		} else if (!strcmp(buf, "sim")) {
			snprintf(t->sim, sizeof(t->sim), "%s", v);
		} else if (!strcmp(buf, "setup")) {
			snprintf(t->setup, sizeof(t->setup), "%s", v);
		} else if (!strcmp(buf, "compare")) {
			t->compare_result = !strcmp(v, "result");
		} else if (!strcmp(buf, "send")) {
			if (++t->n >= TR_XCHG_MAX)
				goto bad;
			x = &t->x[t->n];
			n = tr_bytes(v, x->send, sizeof(x->send), port);
			x->send_len = (size_t)n;
		} else if (!strcmp(buf, "recv") && x) {
			n = tr_bytes(v, x->recv, sizeof(x->recv), port);
			x->recv_len = (size_t)n;
		} else if (!strcmp(buf, "result") && x) {
			if (tr_result(x, v, port))
				goto bad;
		} else {
			goto bad;
		}
		if (n < 0)
			goto bad;
	}
	t->n++;
	if (!t->source[0] || !t->n) {
		snprintf(t->err, sizeof(t->err), "no source or no exchange");
		return -1;
	}
	return 0;
bad:
	snprintf(t->err, sizeof(t->err), "line %d not understood", lineno);
	return -1;
}

/*
 * The command a host sends for @x: the text (without the CR) and, for an
 * SSND, the payload after the header's second ':'.
 */
static inline void tr_command(const struct tr_xchg *x, char *cmd, size_t cap,
			      const unsigned char **data, size_t *data_len)
{
	const unsigned char *s = x->send;
	size_t n = x->send_len, i, colons = 0;
	bool ssnd = n > 8 && !strncasecmp((const char *)s, "AT+iSSND", 8);

	*data = NULL;
	*data_len = 0;
	for (i = 0; i < n; i++) {
		if (ssnd && s[i] == ':' && ++colons == 2) {
			*data = s + i + 1;
			*data_len = n - i - 1;
			break;
		}
	}
	if (!ssnd && n && s[n - 1] == '\r')
		i = n - 1;	/* the CR ends the line; a PEM value has more */
	if (i >= cap)
		i = cap - 1;
	memcpy(cmd, s, i);
	cmd[i] = '\0';
}

/* The whole file at @path, NUL-terminated (malloc'd), or NULL. */
static inline char *tr_slurp(const char *path)
{
	FILE *fp = fopen(path, "r");
	char *buf;
	long n;

	if (!fp)
		return NULL;
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	buf = n >= 0 ? malloc((size_t)n + 1) : NULL;
	if (buf && fread(buf, 1, (size_t)n, fp) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	if (buf)
		buf[n] = '\0';
	fclose(fp);
	return buf;
}

#endif /* ICHIP_TRANSCRIPT_H */
