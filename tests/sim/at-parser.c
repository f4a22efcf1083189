// SPDX-License-Identifier: GPL-2.0-only
// SPDX-FileCopyrightText: 2026 The ichip authors
/*
 * The host side of the wire: turns bytes into commands.  Three states:
 * a CR-terminated command line, the counted binary stream of SSND (no
 * terminator: the byte count is the only delimiter) and the CR-separated
 * lines of a PEM parameter (CA, CA2..CA4, CERT, PKEY).  Every buffer is
 * bounded; nothing here trusts a length it did not check.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sim.h"

#define ESCAPE_GUARD_NS	(500LL * 1000 * 1000)	/* +++ needs 0.5 s silence */
#define SSND_SZ_MAX	4294967295ULL

void sim_parser_init(struct sim_parser *ps)
{
	struct buf data = ps->data, pem = ps->pem;

	data.len = 0;
	pem.len = 0;
	memset(ps, 0, sizeof(*ps));
	ps->data = data;
	ps->pem = pem;
	ps->st = PARSE_LINE;
}

void sim_parser_reset(struct sim *s)
{
	sim_parser_init(&s->ps);
}

static void echo(struct sim *s, const void *p, size_t n)
{
	if (s->o->echo)
		sim_emit(s, p, n);
}

/* Offset of "AT+I" (any case) in the line, or -1: garbage before it is
 * dropped the way a modem hunts for "AT". */
static long find_prefix(const char *l, size_t len)
{
	for (size_t i = 0; i + 4 <= len; i++)
		if (!strncasecmp(l + i, "AT+I", 4))
			return (long)i;
	return -1;
}

static bool is_pem_param(const char *code)
{
	static const char *const names[] = { "CA", "CA2", "CA3", "CA4",
					     "CERT", "PKEY" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(code, names[i]))
			return true;
	return false;
}

static int pem_error(const char *code)
{
	return strcmp(code, "PKEY") ? 116 : 117;
}

/* Split "AT+i[flag]CODE[tail]" into a command; returns 0 or an error. */
static int parse_cmd(const char *l, size_t len, struct sim_cmd *c)
{
	size_t i = 4, n = 0;

	memset(c, 0, sizeof(*c));
	if (i < len && (l[i] == '!' || l[i] == '@'))
		c->flag = l[i++];
	while (i < len && isalpha((unsigned char)l[i]) && n < 12)
		c->code[n++] = (char)toupper((unsigned char)l[i++]);
	while (i < len && isdigit((unsigned char)l[i]) && n < 15)
		c->code[n++] = l[i++];
	if (i < len && (isalnum((unsigned char)l[i])))
		return 53;			/* code too long */
	if (i == len)
		return 0;
	if (l[i] == '%') {
		c->pct = true;
		i++;
		if (i == len || l[i] != ':')
			return 41;
	}
	switch (l[i]) {
	case '?':
		if (i + 1 != len)
			return 43;
		c->op = '?';
		return 0;
	case '=':
		if (i + 2 == len && l[i + 1] == '?') {
			c->op = 'Q';
			return 0;
		}
		/* fall through */
	case '~':
	case ':':
		c->op = l[i];
		c->arg = l + i + 1;
		c->arg_len = len - i - 1;
		return 0;
	}
	return 41;
}

static bool printable(const char *l, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)l[i] < 0x20 || l[i] == 0x7f)
			return false;
	return true;
}

static void pem_begin(struct sim *s, const struct sim_cmd *c)
{
	struct sim_parser *ps = &s->ps;

	ps->st = PARSE_PEM;
	snprintf(ps->pem_name, sizeof(ps->pem_name), "%s", c->code);
	ps->pem_temp = c->op == '~';
	ps->pem_overflow = false;
	ps->pem.len = 0;
	ps->pem_started = c->arg_len > 0;
	if (ps->pem_started) {
		buf_put(&ps->pem, c->arg, c->arg_len, SIM_PEM_MAX);
		buf_put(&ps->pem, "\n", 1, SIM_PEM_MAX + 1);
	}
}

static void pem_finish(struct sim *s, bool clear)
{
	struct sim_parser *ps = &s->ps;
	struct sim_param *p = sim_param_find(&s->params, ps->pem_name);
	int err;

	ps->st = PARSE_LINE;
	if (ps->pem_overflow || ps->pem.len > SIM_PEM_MAX) {
		sim_trace_text('>', "(PEM value over the limit)", 26);
		sim_reply_err(s, pem_error(ps->pem_name));
		return;
	}
	if (clear)
		ps->pem.len = 0;
	buf_put(&ps->pem, "", 1, SIM_PEM_MAX + 2);
	sim_trace_data('>', clear ? "(PEM cleared)" : "(PEM value)",
		       ps->pem.d, ps->pem.len - 1);
	err = sim_param_set(&s->params, p, (char *)ps->pem.d, ps->pem_temp);
	ps->pem.len = 0;
	if (err)
		sim_reply_err(s, err);
	else
		sim_reply_ok(s);
}

static void exec_line(struct sim *s, const char *l, size_t len);

/* One CR-terminated line inside a PEM value. */
static void pem_line(struct sim *s, const char *l, size_t len)
{
	struct sim_parser *ps = &s->ps;

	if (find_prefix(l, len) == 0) {
		/* The host gave up (resync): drop the value silently so
		 * its ping gets the only reply. */
		sim_dbg("PEM value for %s abandoned", ps->pem_name);
		ps->st = PARSE_LINE;
		ps->pem.len = 0;
		exec_line(s, l, len);
		return;
	}
	if (!ps->pem_started) {
		if (!len) {
			pem_finish(s, true);
			return;
		}
		if (strncmp(l, "-----BEGIN", 10)) {
			ps->st = PARSE_LINE;
			sim_reply_err(s, pem_error(ps->pem_name));
			return;
		}
		ps->pem_started = true;
	}
	if (ps->pem_end_seen) {
		/* --ca-end cr: the CR after the END line ends the value */
		ps->pem_end_seen = false;
		pem_finish(s, false);
		if (len)
			exec_line(s, l, len);
		return;
	}
	if (!len)
		return;
	if (buf_put(&ps->pem, l, len, SIM_PEM_MAX) ||
	    buf_put(&ps->pem, "\n", 1, SIM_PEM_MAX))
		ps->pem_overflow = true;
	if (!strncmp(l, "-----END", 8)) {
		if (s->o->ca_end_cr)
			ps->pem_end_seen = true;
		else
			pem_finish(s, false);
	}
}

static void exec_line(struct sim *s, const char *l, size_t len)
{
	struct sim_cmd c;
	long at = find_prefix(l, len);
	int err;

	if (at < 0) {
		if (len)
			sim_dbg("ignoring line without AT+i (%zu bytes)", len);
		else if (s->o->blank == SIM_BLANK_OK)
			sim_reply_ok(s);
		else if (s->o->blank == SIM_BLANK_ERROR)
			sim_reply_err(s, 53);
		return;
	}
	l += at;
	len -= (size_t)at;
	sim_trace_text('>', l, len);
	if (!printable(l, len)) {
		sim_reply_err(s, 51);
		return;
	}
	err = parse_cmd(l, len, &c);
	if (err) {
		sim_reply_err(s, err);
		return;
	}
	if ((c.op == '=' || c.op == '~') && is_pem_param(c.code)) {
		if (c.arg_len && strncmp(c.arg, "-----BEGIN", 10)) {
			sim_reply_err(s, pem_error(c.code));
			return;
		}
		pem_begin(s, &c);
		return;
	}
	sim_exec(s, &c);
}

static void ssnd_finish(struct sim *s)
{
	struct sim_parser *ps = &s->ps;
	const u8 *d = ps->data.d;
	size_t n = ps->data.len;
	int err = ps->data_err;

	ps->st = PARSE_LINE;
	sim_trace_data('>', ps->data_head, ps->preview,
		       (size_t)ps->data_total);
	/*
	 * A shipped module puts the result on the echoed header's line
	 * (at-plus-i.md §7); the lab model ended the echo with CR LF.
	 */
	if (s->o->lab)
		echo(s, "\r\n", 2);
	if (!err && ps->data_cksm) {
		unsigned int sum = 0;

		for (size_t i = 0; i < n - 2; i++)
			sum += d[i];
		sum += ((unsigned int)d[n - 2] << 8) | d[n - 1];
		if (sum & 0xffff)
			err = 228;
		n -= 2;
	}
	if (!err)
		err = sim_ssnd_end(s, ps->data_hn, ps->data_buffered ? d : NULL,
				   ps->data_buffered ? n : 0, ps->data_pct);
	ps->data.len = 0;
	if (err)
		sim_reply_err(s, err);
	else if (!s->busy)
		sim_reply_ok(s);
}

/* "AT+i[flag]SSND[%]:<hn>,<sz>:" just completed?  Then count bytes. */
static bool ssnd_header(struct sim *s)
{
	struct sim_parser *ps = &s->ps;
	long at = find_prefix(ps->line, ps->len);
	const char *p;
	char *end;
	unsigned long hn;
	unsigned long long sz;

	if (at < 0)
		return false;
	p = ps->line + at + 4;
	if (*p == '!' || *p == '@')
		p++;
	if (strncasecmp(p, "SSND", 4))
		return false;
	p += 4;
	ps->data_pct = *p == '%';
	if (ps->data_pct)
		p++;
	if (*p++ != ':' || !isdigit((unsigned char)*p))
		return false;
	hn = strtoul(p, &end, 10);
	if (*end != ',' || !isdigit((unsigned char)end[1]))
		return false;
	sz = strtoull(end + 1, &end, 10);
	if (*end != ':' || end != ps->line + ps->len - 1)
		return false;
	if (s->faults.ignore_ssnd) {
		/*
		 * The control's "ignore-ssnd": as if the line had lost a
		 * byte of "AT+i": no command, the stream goes as lines.
		 */
		s->faults.ignore_ssnd--;
		sim_trace_text('!', "SSND header ignored", 19);
		ps->line[at + 1] = '?';
		return false;
	}

	snprintf(ps->data_head, sizeof(ps->data_head), "%.*s",
		 (int)(ps->len - (size_t)at), ps->line + at);
	ps->len = 0;
	if (sz > SSND_SZ_MAX || ps->overflow) {
		sim_trace_text('>', ps->data_head, strlen(ps->data_head));
		sim_reply_err(s, 230);
		return true;
	}
	ps->data_hn = hn > 99 ? 99 : (int)hn;
	ps->data_total = sz;
	ps->data_cksm = atoi(sim_param_get(&s->params, "CKSM")) == 1;
	ps->data_left = sz + (ps->data_cksm ? 2 : 0);
	ps->data_err = sim_ssnd_begin(s, ps->data_hn, sz,
				      &ps->data_buffered);
	if (ps->data_cksm) {
		ps->data_buffered = true;
		if (!ps->data_err && sz > SIM_SSL_SSND_MAX)
			ps->data_err = 227;
	}
	ps->data.len = 0;
	ps->preview_len = 0;
	ps->st = PARSE_DATA;
	if (!ps->data_left)
		ssnd_finish(s);
	return true;
}

static size_t feed_data(struct sim *s, const u8 *p, size_t n)
{
	struct sim_parser *ps = &s->ps;
	size_t take = n < ps->data_left ? n : (size_t)ps->data_left;
	size_t pv = sizeof(ps->preview) - ps->preview_len;

	if (pv > take)
		pv = take;
	memcpy(ps->preview + ps->preview_len, p, pv);
	ps->preview_len += pv;
	if (s->o->echo_payload)
		echo(s, p, take);
	ps->data_left -= take;
	if (!ps->data_err && ps->data_buffered) {
		if (buf_put(&ps->data, p, take, SIM_SSL_SSND_MAX + 2))
			ps->data_err = 227;
	} else if (!ps->data_err) {
		ps->data_err = sim_ssnd_stream(s, ps->data_hn, p, take);
	}
	if (!ps->data_left)
		ssnd_finish(s);
	return take;
}

static void escape(struct sim *s)
{
	sim_trace_text('>', "+++", 3);
	echo(s, "\r\n", 2);	/* the echoed +++ gets a line of its own */
	sim_sockets_close_all(s);
	sim_session_end(s);
	sim_reply_err(s, 56);
}

static void line_end(struct sim *s)
{
	struct sim_parser *ps = &s->ps;
	size_t len = ps->len;
	bool overflow = ps->overflow;

	ps->len = 0;
	ps->overflow = false;
	if (overflow) {
		sim_trace_text('>', "(line over 2048 bytes)", 22);
		sim_reply_err(s, 111);
		return;
	}
	if (ps->st == PARSE_PEM)
		pem_line(s, ps->line, len);
	else
		exec_line(s, ps->line, len);
}

/*
 * "-----END ...-----": with --ca-end end the value ends here, CR or not
 * (Libelium sends none after the END line, at-plus-i.md §7).
 */
static bool pem_end_line(struct sim *s)
{
	struct sim_parser *ps = &s->ps;

	return ps->st == PARSE_PEM && !s->o->ca_end_cr && ps->len > 13 &&
	       !strncmp(ps->line, "-----END ", 9) &&
	       !strcmp(ps->line + ps->len - 5, "-----");
}

static void line_byte(struct sim *s, u8 c, u64 now)
{
	struct sim_parser *ps = &s->ps;
	bool eat = ps->eat_eol;

	ps->eat_eol = false;
	if (!ps->len)
		ps->idle_before_ns = now - ps->last_byte_ns;
	ps->last_byte_ns = now;
	if (c == '\n')
		return;
	if (c == '\r') {
		if (eat)	/* the CR after an END line: taken already */
			return;
		echo(s, "\r\n", 2);
		line_end(s);
		return;
	}
	if (c == '\b' && s->o->echo) {
		if (ps->len) {
			ps->len--;
			echo(s, "\b \b", 3);
		}
		return;
	}
	c &= 0x7f;
	echo(s, &c, 1);
	if (ps->len >= SIM_LINE_MAX) {
		ps->overflow = true;
		return;
	}
	ps->line[ps->len++] = (char)c;
	ps->line[ps->len] = 0;
	if (ps->st == PARSE_LINE && c == '+' && ps->len == 3 &&
	    !strcmp(ps->line, "+++") &&
	    ps->idle_before_ns >= ESCAPE_GUARD_NS) {
		ps->len = 0;
		escape(s);
		return;
	}
	if (ps->st == PARSE_LINE && c == ':')
		ssnd_header(s);
	if (pem_end_line(s)) {
		/* the echoed line ends before the answer, as with a CR */
		echo(s, "\r\n", 2);
		line_end(s);
		ps->eat_eol = true;
	}
}

size_t sim_parser_feed(struct sim *s, const u8 *p, size_t n, u64 now)
{
	size_t i = 0;

	while (i < n && !s->busy && !s->quit) {
		if (s->ps.st == PARSE_DATA) {
			i += feed_data(s, p + i, n - i);
			continue;
		}
		line_byte(s, p[i++], now);
	}
	return i;
}
