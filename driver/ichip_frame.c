// SPDX-License-Identifier: GPL-2.0-only OR MIT
// SPDX-FileCopyrightText: 2026 The ichip authors
/*
 * AT+i framing core: a byte-at-a-time state machine over the module's
 * output, told by the host what the command in flight expects.
 *
 * The context matters because the protocol is ambiguous without it: an
 * SRCV payload is raw bytes that may contain "I/OK\r\n", SCLS answers with
 * two lines, and I/DONE may arrive on its own when a socket closes.  Every
 * buffer is bounded; what does not fit is counted and dropped, and the
 * parser stays in step by still counting announced payload bytes.
 */
#include "ichip_frame.h"
#include "ichip_frame_priv.h"
#include "ichip_frame_scan.h"


/* ---- response side ---------------------------------------------------- */

static void text_reset(struct ichip_frame *f)
{
	f->text_len = 0;
	f->text_overflow = false;
}

static void text_add(struct ichip_frame *f, const char *s, size_t n)
{
	size_t need = n + (f->text_len ? 1 : 0);

	if (f->text_overflow || need > ICHIP_TEXT_LEN_MAX - f->text_len) {
		if (!f->text_overflow)
			f->stats.overflows++;
		f->text_overflow = true;
		return;
	}
	if (f->text_len)
		f->text[f->text_len++] = '\n';
	memcpy(f->text + f->text_len, s, n);
	f->text_len += n;
}

static void context_clear(struct ichip_frame *f)
{
	f->expect = ICHIP_REPLY_NONE;
	f->cmd = NULL;
	f->cmd_len = 0;
	f->seen_ok = false;
	f->echo_seen = false;
	f->ssnd = false;
	f->data = NULL;
	f->data_len = 0;
	f->echo_resume = 0;
	f->echo_armed = false;
	f->echo_lf = false;
	f->flow_pending = ICHIP_EV_NONE;
	f->echo_wait_at = 0;
	f->report_due = false;
	f->rp_value = false;
	f->cmd_all = 0;
	f->pem = ICHIP_PEM_NONE;
	if (f->rx == ICHIP_RX_ECHO)
		f->rx = ICHIP_RX_LINE;
}

void ichip_frame_reset(struct ichip_frame *f)
{
	struct ichip_frame_stats stats = f->stats;

	context_clear(f);
	f->rx = ICHIP_RX_LINE;
	f->line_len = 0;
	f->line_overflow = false;
	f->payload_len = 0;
	f->payload_pos = 0;
	f->payload_overflow = false;
	f->stray_ok = false;
	text_reset(f);
	memset(&f->res, 0, sizeof(f->res));
	f->stats = stats;
}

void ichip_frame_set_flow(struct ichip_frame *f, bool on, u8 wait, u8 cont)
{
	f->flow_off = !on;
	f->flow_wait = wait;
	f->flow_cont = cont;
}

void ichip_frame_forget_module(struct ichip_frame *f)
{
	f->echo_known = false;
	f->echo_payload = ICHIP_ECHO_PAYLOAD_UNKNOWN;
	f->stray_ok = false;
}

void ichip_frame_expect(struct ichip_frame *f, enum ichip_reply_kind kind,
			const char *cmd, size_t cmd_len)
{
	context_clear(f);
	f->expect = kind;
	f->cmd = cmd;
	/* a multi-line PEM command is echoed line by line: match the first */
	f->cmd_len = ichip_cmd_traits(cmd, cmd_len, &f->ssnd, &f->rp_value);
	f->cmd_all = cmd_len;
	f->echo_pos = 0;
	text_reset(f);	/* f->res is written whole when the result is ready */
}

void ichip_frame_expect_ssnd(struct ichip_frame *f, const char *cmd,
			     size_t cmd_len, const u8 *data, size_t data_len)
{
	ichip_frame_expect(f, ICHIP_REPLY_STATUS, cmd, cmd_len);
	f->data = data;
	f->data_len = data ? data_len : 0;
}

void ichip_frame_abandon(struct ichip_frame *f)
{
	/*
	 * An SRCV payload in progress is still counted to stay in step.
	 * No answer: assume nothing about the echo until it shows again.
	 */
	f->echo_known = false;
	context_clear(f);
	text_reset(f);
}

static void complete(struct ichip_frame *f, struct ichip_event *ev,
		     enum ichip_status status, unsigned int module_error,
		     size_t data_len)
{
	if (f->text_overflow && status == ICHIP_STATUS_OK)
		status = ICHIP_STATUS_OVERFLOW;
	f->res.status = status;
	f->res.module_error = module_error;
	f->res.text = f->text;
	f->res.text_len = f->text_len;
	f->res.data = f->payload;
	f->res.data_len = data_len;
	f->stats.results++;
	/*
	 * Learn whether SSND payloads are echoed: the echo matched the whole
	 * payload, or the result came right after the echoed header.
	 */
	if (f->ssnd && f->echo_seen && f->data_len &&
	    f->echo_payload == ICHIP_ECHO_PAYLOAD_UNKNOWN) {
		if (f->echo_pos == f->cmd_len + 1 + f->data_len)
			f->echo_payload = ICHIP_ECHO_PAYLOAD_YES;
		else if (f->echo_pos == f->cmd_len + 1)
			f->echo_payload = ICHIP_ECHO_PAYLOAD_NO;
	}
	if (f->rp_value && status == ICHIP_STATUS_OK)
		f->stray_ok = true;
	context_clear(f);
	ev->type = ICHIP_EV_RESULT;
}

void ichip_frame_complete(struct ichip_frame *f, struct ichip_event *ev,
			  enum ichip_status status, size_t data_len)
{
	complete(f, ev, status, 0, data_len);
}

static void line_event(struct ichip_frame *f, struct ichip_event *ev,
		       enum ichip_event_type type, const char *line, size_t n)
{
	if (type == ICHIP_EV_UNSOLICITED)
		f->stats.unsolicited++;
	else if (type == ICHIP_EV_NOISE)
		f->stats.noise++;
	ev->type = type;
	ev->line = line;
	ev->len = n;
}

/* "ERROR", "ERROR (056)" or "ERROR(056)": the code, 0 when absent. */
bool ichip_frame_parse_error(const char *s, size_t n, unsigned int *code)
{
	size_t i = 5;
	u64 v;

	if (n < 5 || !starts_with(s, n, "ERROR"))
		return false;
	*code = 0;
	if (n == 5)
		return true;
	if (s[i] == ' ')
		i++;
	if (i >= n || s[i] != '(' || s[n - 1] != ')')
		return false;
	/* codes are three digits: "(28)" is a damaged "(228)", not 28 */
	if (n - i - 2 != 3 || !parse_uint(s + i + 1, 3, &v))
		return false;
	*code = (unsigned int)v;
	return true;
}

static bool is_marker(const char *s, size_t n)
{
	static const char *const markers[] = {
		"DONE", "ONLINE", "OFFLINE", "RCV", "PART", "EOP", "EOM",
		"MBE", "UPDATE",
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(markers); i++)
		if (word_is(s, n, markers[i]))
			return true;
	return false;
}

/* A line that does not start with "I/". */
static void bare_line(struct ichip_frame *f, struct ichip_event *ev,
		      const char *line, size_t n)
{
	if (f->expect == ICHIP_REPLY_QUERY)
		text_add(f, line, n);
	else if (f->expect == ICHIP_REPLY_NONE)
		line_event(f, ev, ICHIP_EV_UNSOLICITED, line, n);
	else
		line_event(f, ev, ICHIP_EV_NOISE, line, n);
}

/* The body of an "I/..." line that is not OK, ERROR, BUSY or a marker. */
static void value_line(struct ichip_frame *f, struct ichip_event *ev,
		       const char *line, size_t n)
{
	const char *body = line + 2;
	size_t bn = n - 2;

	switch (f->expect) {
	case ICHIP_REPLY_VALUE:
		text_add(f, body, bn);
		complete(f, ev, ICHIP_STATUS_OK, 0, 0);
		return;
	case ICHIP_REPLY_QUERY:
		text_add(f, body, bn);
		return;
	case ICHIP_REPLY_DATA:
		if (bn == 1 && body[0] == '0') {
			complete(f, ev, ICHIP_STATUS_OK, 0, 0);
			return;
		}
		break;
	case ICHIP_REPLY_NONE:
		line_event(f, ev, ICHIP_EV_UNSOLICITED, line, n);
		return;
	default:
		break;
	}
	line_event(f, ev, ICHIP_EV_NOISE, line, n);
}

/* A line of a PEM block: the answer's text, or the write's echo. */
static bool pem_line(struct ichip_frame *f, struct ichip_event *ev,
		     const char *line, size_t n)
{
	switch (ichip_frame_pem_line(f, line, n)) {
	case ICHIP_PEM_ANSWER:
		f->stray_ok = false;
		text_add(f, line, n);
		return true;
	case ICHIP_PEM_ECHO:
		f->stats.echoes++;
		ev->type = ICHIP_EV_ECHO;
		return true;
	default:
		return false;
	}
}

static void echo_wait_report(struct ichip_frame *f);

static void end_line(struct ichip_frame *f, struct ichip_event *ev)
{
	const char *line = f->line;
	size_t n = f->line_len;
	enum ichip_status status;
	unsigned int code;
	bool overflow = f->line_overflow, number;

	f->line_len = 0;
	f->line_overflow = false;
	f->stats.lines++;

	if (overflow) {
		f->stats.overflows++;
		if (f->expect != ICHIP_REPLY_NONE)
			f->text_overflow = true;
		ev->type = ICHIP_EV_OVERFLOW;
		return;
	}
	if (f->cmd && n == f->cmd_len && !memcmp(line, f->cmd, n)) {
		f->stats.echoes++;
		f->echo_seen = true;
		f->echo_known = true;
		f->stray_ok = false;
		if (n < f->cmd_all) {	/* a PEM value: its lines follow */
			f->pem = ICHIP_PEM_ECHO;
			f->pem_next = n + 1;
		}
		ev->type = ICHIP_EV_ECHO;
		return;
	}
	if ((f->pem || f->expect == ICHIP_REPLY_QUERY) &&
	    pem_line(f, ev, line, n))
		return;
	/* a call only while an SSND waits: every other line skips it */
	if (f->ssnd && ichip_frame_mend(f, line, n, &status, &code)) {
		complete(f, ev, status, code, 0);
		return;
	}
	if (n < 2 || line[0] != 'I' || line[1] != '/') {
		size_t at = ichip_frame_junk_reply(f, line, n);

		if (!at) {
			f->stray_ok = false;
			bare_line(f, ev, line, n);
			return;
		}
		line += at;	/* a reply behind junk */
		n -= at;
	}
	/* numbers and lists are never status words: skip those compares */
	number = n > 2 && (is_digit(line[2]) || line[2] == '(' ||
			   line[2] == '-');
	/* stale results are status words too (ichip_frame_junk.c) */
	if (!number && ichip_frame_stale(f, line + 2, n - 2))
		return;
	f->stray_ok = false;
	/* WAIT is followed by an RP4 report: not the SSND's answer */
	if (f->ssnd && line[2] == '(') {
		f->stats.flow_reports++;
		echo_wait_report(f);
		line_event(f, ev, ICHIP_EV_UNSOLICITED, line, n);
		return;
	}
	if (number) {
		value_line(f, ev, line, n);
		return;
	}

	if (word_is(line + 2, n - 2, "OK")) {
		if (f->expect == ICHIP_REPLY_NONE)
			line_event(f, ev, ICHIP_EV_UNSOLICITED, line, n);
		else if (f->expect == ICHIP_REPLY_CLOSE && !f->seen_ok)
			f->seen_ok = true;
		else
			complete(f, ev, ICHIP_STATUS_OK, 0, 0);
	} else if (ichip_frame_parse_error(line + 2, n - 2, &code)) {
		if (f->expect == ICHIP_REPLY_NONE) {
			line_event(f, ev, ICHIP_EV_UNSOLICITED, line, n);
		} else if (f->expect == ICHIP_REPLY_CLOSE && f->seen_ok) {
			/* DOWN: an aborted activity, after the command's OK */
			text_add(f, line + 2, n - 2);
			complete(f, ev, ICHIP_STATUS_OK, 0, 0);
		} else {
			complete(f, ev, ICHIP_STATUS_ERROR, code, 0);
		}
	} else if (word_is(line + 2, n - 2, "BUSY")) {
		if (f->expect == ICHIP_REPLY_NONE)
			line_event(f, ev, ICHIP_EV_UNSOLICITED, line, n);
		else
			complete(f, ev, ICHIP_STATUS_BUSY, 0, 0);
	} else if (is_marker(line + 2, n - 2)) {
		if (f->expect == ICHIP_REPLY_CLOSE && f->seen_ok) {
			text_add(f, line + 2, n - 2);
			complete(f, ev, ICHIP_STATUS_OK, 0, 0);
		} else {
			/* activity ended on its own: not this command's answer */
			line_event(f, ev, ICHIP_EV_UNSOLICITED, line, n);
		}
	} else {
		value_line(f, ev, line, n);
	}
}

/* In DATA context, "I/<digits>:" starts a counted binary payload. */
static bool payload_header(struct ichip_frame *f, u64 *size)
{
	size_t at;	/* of "I/": 0, or behind junk (ichip_frame_junk.c) */

	if (f->expect != ICHIP_REPLY_DATA || f->line_len < 4 ||
	    !ichip_frame_header_at(f, &at))
		return false;
	return parse_uint(f->line + at + 2, f->line_len - at - 3, size);
}

static void payload_start(struct ichip_frame *f, u64 size,
			  struct ichip_event *ev)
{
	f->line_len = 0;
	f->stats.lines++;
	/*
	 * 2^32 and up is refused, not counted: a 32-bit size_t would
	 * truncate it, and no module buffers that much anyway.
	 */
	if (size > 0xffffffffULL) {
		f->stats.overflows++;
		complete(f, ev, ICHIP_STATUS_OVERFLOW, 0, 0);
		return;
	}
	f->payload_pos = 0;
	f->rx_sum = 0;
	f->payload_len = (size_t)size;
	f->payload_overflow = size > ICHIP_DATA_LEN_MAX;
	if (f->payload_overflow)
		f->stats.overflows++;
	if (size == 0)
		complete(f, ev, ICHIP_STATUS_OK, 0, 0);
	else
		f->rx = ICHIP_RX_PAYLOAD;
}

static size_t payload_feed(struct ichip_frame *f, const u8 *buf, size_t len,
			   struct ichip_event *ev)
{
	size_t n = f->payload_len - f->payload_pos;

	if (n > len)
		n = len;
	if (!f->payload_overflow)
		memcpy(f->payload + f->payload_pos, buf, n);
	if (f->cksum)
		f->rx_sum = ichip_cksum_add(f->rx_sum, buf, n);
	f->payload_pos += n;
	f->stats.payload_bytes += n;
	if (f->payload_pos < f->payload_len)
		return n;
	if (f->cksum) {		/* two checksum bytes first: see cksum_feed */
		f->rx = ICHIP_RX_CKSUM;
		f->cksum_pos = 0;
		return n;
	}

	/* The CR LF after the payload arrives as an empty line: skipped. */
	f->rx = ICHIP_RX_LINE;
	if (f->expect != ICHIP_REPLY_DATA)
		return n;	/* abandoned (timed out) meanwhile */
	if (f->payload_overflow)
		complete(f, ev, ICHIP_STATUS_OVERFLOW, 0, 0);
	else
		complete(f, ev, ICHIP_STATUS_OK, 0, f->payload_len);
	return n;
}

/*
 * Bytes up to the next CR, LF, ':' when a payload header may end, or a
 * possible flow control byte (ichip_frame_scan.h).
 */
static size_t line_run(const struct ichip_frame *f, const u8 *p, size_t n)
{
	u8 mask = f->expect == ICHIP_REPLY_DATA ?
		  ICHIP_STOP_EOL | ICHIP_STOP_COLON : ICHIP_STOP_EOL;

	if (!f->flow_off)
		mask |= ICHIP_STOP_CTRL;
	return ichip_scan_line(p, n, mask);
}

static u8 flow_wait(const struct ichip_frame *f)
{
	return f->flow_wait ? f->flow_wait : ICHIP_FLOW_WAIT_DEFAULT;
}

static u8 flow_cont(const struct ichip_frame *f)
{
	return f->flow_cont ? f->flow_cont : ICHIP_FLOW_CONTINUE_DEFAULT;
}

/*
 * A whole "I/<size>:" at the start of a line, as every SRCV answer
 * starts: the bytes it took (0: not one, or not all of it in @p) and the
 * size.  The same as the byte path (line_run, line_append, the ':' and
 * payload_header) would find, without copying the header into f->line.
 */
static size_t header_whole(const struct ichip_frame *f, const u8 *p,
			   size_t n, u64 *size)
{
	size_t i, end = n < 2 + ICHIP_PAYLOAD_SIZE_DIGITS ? n :
			2 + ICHIP_PAYLOAD_SIZE_DIGITS;
	u64 v = 0;

	if (f->expect != ICHIP_REPLY_DATA || f->ssnd || f->line_len ||
	    f->line_overflow || n < 4 || p[0] != 'I' || p[1] != '/')
		return 0;
	for (i = 2; i < end && is_digit(p[i]); i++)
		v = v * 10 + (u64)(p[i] - '0');
	if (i == 2 || i == n || p[i] != ':')
		return 0;
	/* a ':' configured as a flow byte takes the byte path */
	if (!f->flow_off && (p[i] == flow_wait(f) || p[i] == flow_cont(f)))
		return 0;
	*size = v;
	return i + 1;
}

/* A WAIT or CONTINUE byte outside any counted payload. */
static bool flow_byte(struct ichip_frame *f, u8 c, struct ichip_event *ev)
{
	if (f->flow_off)
		return false;
	if (c == flow_wait(f)) {
		f->stats.flow_waits++;
		f->report_due = true;
		ev->type = ICHIP_EV_WAIT;
		return true;
	}
	if (c == flow_cont(f)) {
		f->stats.flow_continues++;
		ev->type = ICHIP_EV_CONTINUE;
		return true;
	}
	return false;
}

/* ---- the echo of an SSND ---------------------------------------------- */

/*
 * With echo on, an SSND comes back as "<header>:" (no CR: the module
 * counts bytes, nothing ends the line), maybe the payload, then the
 * result on the same line.  The echo is matched against what was sent;
 * the payload part only while the module may echo payloads.
 */
static size_t echo_len(const struct ichip_frame *f)
{
	size_t n = f->cmd_len + 1;

	if (f->echo_payload != ICHIP_ECHO_PAYLOAD_NO)
		n += f->data_len;
	return n;
}

static u8 echo_at(const struct ichip_frame *f, size_t pos)
{
	if (pos < f->cmd_len)
		return (u8)f->cmd[pos];
	if (pos == f->cmd_len)
		return ':';
	return f->data[pos - f->cmd_len - 1];
}

static bool echo_may_start(const struct ichip_frame *f, u8 c)
{
	return f->rx == ICHIP_RX_LINE && f->ssnd && !f->echo_seen &&
	       !f->line_len && !f->line_overflow && f->cmd_len &&
	       c == (u8)f->cmd[0];
}

static void line_append(struct ichip_frame *f, const u8 *p, size_t n);

/* The header's ':' matched: that is the echo (reported once). */
static void echo_header(struct ichip_frame *f, struct ichip_event *ev)
{
	f->echo_known = true;
	f->stray_ok = false;
	f->stats.echoes++;
	ev->type = ICHIP_EV_ECHO;
}

/* Done matching: back to lines (the result is next). */
static void echo_done(struct ichip_frame *f)
{
	f->rx = ICHIP_RX_LINE;
	f->echo_seen = true;
}

/*
 * Payload bytes that matched an echo that was not one: they start the
 * line after all, except WAIT/CONTINUE bytes among them, which were the
 * module's: the last of them is reported after the next byte.
 */
static void echo_rollback(struct ichip_frame *f, size_t from, size_t to)
{
	struct ichip_event flow;
	size_t i;
	u8 c;

	for (i = from; i < to; i++) {
		c = echo_at(f, i);
		flow.type = ICHIP_EV_NONE;
		if (flow_byte(f, c, &flow))
			f->flow_pending = flow.type;
		else
			line_append(f, &c, 1);
	}
}

/*
 * A report line during an SSND.  With no WAIT reported for it, the last
 * payload byte, WAIT-valued and taken as its echo, was the WAIT (nothing
 * was queued behind it): report it, and match that byte's echo again.
 */
static void echo_wait_report(struct ichip_frame *f)
{
	struct ichip_event flow;
	size_t len = f->cmd_len + 1 + f->data_len;

	if (!f->report_due && f->echo_seen && f->echo_wait_at == len &&
	    f->echo_payload == ICHIP_ECHO_PAYLOAD_YES &&
	    flow_byte(f, flow_wait(f), &flow)) {
		f->flow_pending = flow.type;
		f->echo_seen = false;
		f->echo_resume = len - 1;
	}
	f->echo_wait_at = 0;
	f->report_due = false;
}

/*
 * How many of the echo bytes before @pos were the "I/(" of a report line
 * (@c being what follows them in the report).
 */
static size_t report_start(const struct ichip_frame *f, size_t pos,
			   size_t hdr, u8 c)
{
	static const char rp[] = "I/(";
	size_t k, i;

	for (k = 3; k > 0; k--) {
		if (pos < hdr + k)
			continue;
		if (k == 3 ? !is_digit(c) && c != '-' : c != (u8)rp[k])
			continue;
		for (i = 0; i < k && echo_at(f, pos - k + i) == (u8)rp[i]; i++)
			;
		if (i == k)
			return k;
	}
	return 0;
}

/*
 * One byte in ECHO state; false: not consumed, parse it as a line byte.
 * A WAIT or CONTINUE byte equal to the echo expected here is taken as
 * echo: if it was not, the next byte tells (a report line, or the echo
 * byte again) and the state is repaired then.
 */
static bool echo_byte(struct ichip_frame *f, u8 c, struct ichip_event *ev)
{
	size_t hdr = f->cmd_len + 1, len = echo_len(f), pos = f->echo_pos;
	bool yes = f->echo_payload == ICHIP_ECHO_PAYLOAD_YES;

	if (pos < len && c == echo_at(f, pos)) {
		if (!f->flow_off && c == flow_wait(f))
			f->echo_wait_at = pos + 1;
		if (++f->echo_pos == hdr)
			echo_header(f, ev);
		if (f->echo_pos == len)
			echo_done(f);
		return true;
	}
	if (flow_byte(f, c, ev))
		return true;
	if (pos < hdr && f->report_due && c == 'I') {
		/* the report of a WAIT splits the header's echo: resume after */
		f->echo_resume = pos;
		f->rx = ICHIP_RX_LINE;
		return false;
	}
	if (pos < hdr) {
		/* not the echo after all: what matched starts a line */
		f->stray_ok &= pos < 4;	/* past "AT+i" it was: junk.c */
		f->rx = ICHIP_RX_LINE;
		line_append(f, (const u8 *)f->cmd, pos);
		return false;
	}
	if (yes) {
		/*
		 * A report line inside the payload echo; then the rest.  Its
		 * "I/(" may have matched echo bytes: take those back.
		 */
		size_t k = report_start(f, pos, hdr, c);
		size_t back = k;

		/*
		 * A report comes only after a WAIT: with none reported, the
		 * WAIT-valued byte just before it went as echo but was the
		 * module's WAIT (nothing was queued behind it).  Tell the
		 * host now, or it sends into a full buffer.
		 */
		if (!f->report_due && (k || c == 'I') &&
		    f->echo_wait_at && f->echo_wait_at == pos - k) {
			struct ichip_event flow;

			back++;
			f->echo_wait_at = 0;
			if (flow_byte(f, flow_wait(f), &flow))
				f->flow_pending = flow.type;
		}
		f->echo_resume = pos - back;
		f->echo_pos = pos - back;
		f->rx = ICHIP_RX_LINE;
		line_append(f, (const u8 *)"I/(", k);
		/*
		 * The end of a report line, split by a flow byte that
		 * jumped the module's output queue (CR, CONTINUE, LF):
		 * nothing starts here, the echo resumes at the next byte.
		 */
		if (c == '\r' || c == '\n') {
			f->echo_armed = true;
			f->echo_lf = true;	/* this byte is the report's */
		}
		return false;
	}
	/* the payload was not echoed: bytes that matched it start a line */
	echo_done(f);
	f->echo_pos = hdr;
	echo_rollback(f, hdr, pos);
	return false;
}

/* Append a run of ordinary bytes, dropping what exceeds the line bound. */
static void line_append(struct ichip_frame *f, const u8 *p, size_t n)
{
	size_t room = ICHIP_LINE_MAX - f->line_len;

	if (f->line_overflow)
		return;
	if (n > room) {
		n = room;
		f->line_overflow = true;
	}
	memcpy(f->line + f->line_len, p, n);
	f->line_len += n;
}

/*
 * After a report line inside an echoed payload, the next byte continues
 * the echo, but for the rest of the report's CR LF (a payload may start
 * with CR or LF) and a flow byte that jumped ahead of it.
 */
static void echo_resume(struct ichip_frame *f, u8 c)
{
	if (f->echo_lf && (c == '\r' || c == '\n' || (!f->flow_off &&
			   (c == flow_wait(f) || c == flow_cont(f))))) {
		f->echo_lf = c != '\n';
		return;
	}
	if (f->ssnd && !f->echo_seen) {
		f->rx = ICHIP_RX_ECHO;
		f->echo_pos = f->echo_resume;
	}
	f->echo_resume = 0;
	f->echo_armed = false;
	f->echo_lf = false;
}

size_t ichip_frame_feed(struct ichip_frame *f, const u8 *buf, size_t len,
			struct ichip_event *ev)
{
	size_t i = 0, run;
	u64 size;
	u8 c;

	ev->type = ICHIP_EV_NONE;
	ev->line = NULL;
	ev->len = 0;

	while (i < len && ev->type == ICHIP_EV_NONE) {
		/* a flow byte found in a rollback, once a byte was consumed */
		if (f->flow_pending && i) {
			ev->type = f->flow_pending;
			f->flow_pending = ICHIP_EV_NONE;
			break;
		}
		if (f->rx == ICHIP_RX_PAYLOAD) {
			i += payload_feed(f, buf + i, len - i, ev);
			continue;
		}
		if (f->rx == ICHIP_RX_CKSUM) {
			i += ichip_frame_cksum_feed(f, buf + i, len - i, ev);
			continue;
		}
		if (f->echo_armed && f->rx == ICHIP_RX_LINE && !f->line_len)
			echo_resume(f, buf[i]);
		if (echo_may_start(f, buf[i])) {
			f->rx = ICHIP_RX_ECHO;
			f->echo_pos = 0;
		}
		if (f->rx == ICHIP_RX_ECHO) {
			if (echo_byte(f, buf[i], ev))
				i++;
			continue;
		}
		c = buf[i];
		if (c == '\r' || c == '\n') {	/* no run to scan for */
			i++;
			if (f->line_len || f->line_overflow) {
				end_line(f, ev);
				f->echo_armed = f->echo_resume != 0;
				f->echo_lf = c == '\r';
			}
			continue;
		}
		run = header_whole(f, buf + i, len - i, &size);
		if (run) {
			i += run;
			payload_start(f, size, ev);
			continue;
		}
		/* whole runs, not bytes: the hot path of a busy line */
		run = line_run(f, buf + i, len - i);
		if (run) {
			line_append(f, buf + i, run);
			i += run;
			continue;
		}
		i++;
		if (flow_byte(f, c, ev))
			continue;
		line_append(f, &c, 1);		/* ':' in DATA, control bytes */
		if (!f->line_overflow && payload_header(f, &size))
			payload_start(f, size, ev);
	}
	if (ev->type == ICHIP_EV_NONE && f->flow_pending && i) {
		ev->type = f->flow_pending;
		f->flow_pending = ICHIP_EV_NONE;
	}
	return i;
}
