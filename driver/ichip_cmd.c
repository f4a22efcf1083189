// SPDX-License-Identifier: GPL-2.0-only OR MIT
// SPDX-FileCopyrightText: 2026 The ichip authors
/*
 * The command side of the framing core: checks and classifies the AT+i
 * commands a host sends, builds their wire bytes and picks a default
 * timeout.  Pure C like ichip_frame.c, built into the same places.
 */
#include "ichip_frame.h"
#include "ichip_frame_priv.h"

struct ichip_cmd_parts {
	const char *code;	/* after "AT+i" and the ! @ flags */
	size_t code_len;	/* letters, then digits */
	const char *tail;	/* what follows the code */
	size_t tail_len;
};

/* @c is the letter @up (upper case) in either case: bit 5 is the case */
static inline bool letter_is(char c, char up)
{
	return ((u8)c & 0xdf) == (u8)up;
}

/*
 * Where the code starts: after "AT+i" (in any case, tested without a
 * loop: every command pays for it) and the ! @ flags; 0 if no "AT+i".
 */
static size_t code_at(const char *cmd, size_t len)
{
	size_t i = 4;

	if (len < 4 || !letter_is(cmd[0], 'A') || !letter_is(cmd[1], 'T') ||
	    cmd[2] != '+' || !letter_is(cmd[3], 'I'))
		return 0;
	while (i < len && (cmd[i] == '!' || cmd[i] == '@'))
		i++;
	return i;
}

static bool cmd_split(const char *cmd, size_t len, struct ichip_cmd_parts *p)
{
	size_t i = code_at(cmd, len), letters;

	if (!i)
		return false;
	p->code = cmd + i;
	while (i < len && is_alpha(cmd[i]))
		i++;
	letters = (size_t)(cmd + i - p->code);
	while (letters && i < len && is_digit(cmd[i]))
		i++;
	p->code_len = (size_t)(cmd + i - p->code);
	p->tail = cmd + i;
	p->tail_len = len - i;
	return true;
}

static bool code_in(const struct ichip_cmd_parts *p, const char *const *set)
{
	for (; *set; set++)
		if (word_is(p->code, p->code_len, *set))
			return true;
	return false;
}

static const char *const value_codes[] = {
	"STCP", "SUDP", "LTCP", "SST", "SCS", "LSST", "GPNM", "RP4", "RP7",
	NULL
};
static const char *const close_codes[] = { "SCLS", "DOWN", NULL };
static const char *const pem_codes[] = {
	"CA", "CA2", "CA3", "CA4", "CERT", "PKEY", NULL
};
static const char *const connect_codes[] = { "STCP", "SUDP", "LTCP", NULL };

static bool is_ssnd(const struct ichip_cmd_parts *p)
{
	return word_is(p->code, p->code_len, "SSND");
}

bool ichip_cmd_is_ssnd(const char *cmd, size_t len)
{
	struct ichip_cmd_parts p;

	return cmd_split(cmd, len, &p) && is_ssnd(&p);
}

static inline bool is_alnum(char c)
{
	return is_alpha((u8)c) || is_digit((u8)c);
}

/*
 * What the framer needs of the command in flight: it asks at every
 * ichip_frame_expect(), once per reply on a busy line, so the two codes
 * it looks for are compared in place, in straight lines, rather than
 * split out first (cmd_split() cuts a code as letters, then digits: a
 * letter code ends before no letter or digit, a digit one before no
 * digit).  Returns the length of the command's first line: a PEM value
 * (CA, CERT, PKEY) is echoed line by line, so its echo is matched up to
 * the first CR.  No other command holds a CR (ichip_cmd_classify()
 * refuses it), so only a PEM value's tail is scanned.
 */
size_t ichip_cmd_traits(const char *cmd, size_t len, bool *ssnd,
			bool *rp_value)
{
	struct ichip_cmd_parts p;
	const char *cr, *c;
	size_t i = code_at(cmd, len), n;

	*ssnd = false;
	*rp_value = false;
	if (!i)
		return len;
	c = cmd + i;
	n = len - i;
	if (n >= 4 && letter_is(c[0], 'S') && letter_is(c[1], 'S') &&
	    letter_is(c[2], 'N') && letter_is(c[3], 'D') &&
	    (n == 4 || !is_alnum(c[4]))) {
		*ssnd = true;
		return len;
	}
	if (n >= 3 && letter_is(c[0], 'R') && letter_is(c[1], 'P') &&
	    (c[2] == '4' || c[2] == '7') && (n == 3 || !is_digit(c[3]))) {
		*rp_value = true;
		return len;
	}
	/* a PEM value: CA=..., CERT~..., PKEY=... */
	if (!n || (!letter_is(c[0], 'C') && !letter_is(c[0], 'P')) ||
	    !cmd_split(cmd, len, &p) || !p.tail_len ||
	    (p.tail[0] != '=' && p.tail[0] != '~') || !code_in(&p, pem_codes))
		return len;
	cr = memchr(p.tail, '\r', p.tail_len);
	return cr ? (size_t)(cr - cmd) : len;
}

/* "[%]:<hn>,<sz>": the announced payload size of an SSND. */
static bool ssnd_size(const struct ichip_cmd_parts *p, u64 *size)
{
	const char *t = p->tail, *comma;
	size_t n = p->tail_len;

	if (n && t[0] == '%') {
		t++;
		n--;
	}
	if (!n || t[0] != ':')
		return false;
	t++;
	n--;
	comma = memchr(t, ',', n);
	if (!comma || !parse_uint(t, (size_t)(comma - t), size) ||
	    *size > 11)		/* handles 0..11 */
		return false;
	n -= (size_t)(comma + 1 - t);
	return parse_uint(comma + 1, n, size);
}

static bool cmd_bytes_ok(const char *cmd, size_t len,
			 const struct ichip_cmd_parts *p)
{
	bool pem_value = code_in(p, pem_codes) && p->tail_len &&
			 (p->tail[0] == '=' || p->tail[0] == '~');
	size_t i;

	for (i = 0; i < len; i++) {
		u8 c = (u8)cmd[i];

		if (c == '\r' && pem_value)
			continue;
		if (c < 0x20 || c > 0x7e)
			return false;
	}
	return true;
}

int ichip_cmd_classify(const char *cmd, size_t len, size_t data_len)
{
	struct ichip_cmd_parts p;
	u64 size;

	if (len > ICHIP_CMD_LEN_MAX || data_len > ICHIP_DATA_LEN_MAX)
		return -E2BIG;
	if (!cmd_split(cmd, len, &p) || !cmd_bytes_ok(cmd, len, &p))
		return -EINVAL;
	if (is_ssnd(&p)) {
		if (!ssnd_size(&p, &size) || size != data_len)
			return -EINVAL;
		return ICHIP_REPLY_STATUS;
	}
	if (data_len)
		return -EINVAL;
	if (p.tail_len == 1 && p.tail[0] == '?')
		return ICHIP_REPLY_QUERY;
	if (p.tail_len == 2 && p.tail[0] == '=' && p.tail[1] == '?')
		return ICHIP_REPLY_QUERY;
	if (code_in(&p, value_codes))
		return ICHIP_REPLY_VALUE;
	if (word_is(p.code, p.code_len, "SRCV"))
		return ICHIP_REPLY_DATA;
	if (code_in(&p, close_codes))
		return ICHIP_REPLY_CLOSE;
	if (p.code_len >= 3 && starts_with(p.code, p.code_len, "RP"))
		return ICHIP_REPLY_QUERY;	/* RP0, RP2, RP5...: text lines */
	return ICHIP_REPLY_STATUS;
}

size_t ichip_cmd_wire(u8 *out, size_t cap, const char *cmd, size_t len,
		      const u8 *data, size_t data_len)
{
	struct ichip_cmd_parts p;
	bool ssnd = cmd_split(cmd, len, &p) && is_ssnd(&p);

	if (cap < ICHIP_WIRE_MAX(len, data_len))
		return 0;
	memcpy(out, cmd, len);
	if (!ssnd) {
		out[len] = '\r';
		return len + 1;
	}
	out[len] = ':';
	if (data_len)
		memcpy(out + len + 1, data, data_len);
	return len + 1 + data_len;
}

unsigned int ichip_cmd_default_timeout_ms(const char *cmd, size_t len)
{
	struct ichip_cmd_parts p;

	if (!cmd_split(cmd, len, &p) || p.code_len == 0)
		return 1000;		/* bare AT+i: a ping */
	if (word_is(p.code, p.code_len, "SSL"))
		return 30000;		/* a handshake over a slow line */
	if (code_in(&p, connect_codes))
		return 20000;		/* DNS + TCP connect */
	if (code_in(&p, close_codes) || is_ssnd(&p) ||
	    word_is(p.code, p.code_len, "FD"))
		return 10000;		/* flushes and flash writes */
	return 5000;
}
