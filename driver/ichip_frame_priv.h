/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/* SPDX-FileCopyrightText: 2026 The ichip authors */
/*
 * Shared by the framing core's files (ichip_frame.c, ichip_cmd.c,
 * ichip_frame_cksum.c) and nothing else: small text helpers and the
 * hooks one file offers another.
 */
#ifndef ICHIP_FRAME_PRIV_H
#define ICHIP_FRAME_PRIV_H

#include "ichip_frame.h"

#define ICHIP_PAYLOAD_SIZE_DIGITS	10

static inline bool is_digit(u8 c)
{
	return c >= '0' && c <= '9';
}

static inline bool is_alpha(u8 c)
{
	return (u8)((c | 0x20) - 'a') < 26;	/* bit 5 is the case */
}

static inline char to_upper(char c)
{
	return (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
}

/* Case-insensitive compare of s[0..n) with an upper-case literal. */
static inline bool word_is(const char *s, size_t n, const char *word)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!word[i] || to_upper(s[i]) != word[i])
			return false;
	return word[n] == '\0';
}

static inline bool starts_with(const char *s, size_t n, const char *prefix)
{
	size_t i;

	for (i = 0; prefix[i]; i++)
		if (i >= n || to_upper(s[i]) != prefix[i])
			return false;
	return true;
}

/* Parse s[0..n) as a decimal number; false if empty, not digits, huge. */
static inline bool parse_uint(const char *s, size_t n, u64 *out)
{
	u64 v = 0;
	size_t i;

	if (n == 0 || n > ICHIP_PAYLOAD_SIZE_DIGITS)
		return false;
	for (i = 0; i < n; i++) {
		if (!is_digit(s[i]))
			return false;
		v = v * 10 + (u64)(s[i] - '0');
	}
	*out = v;
	return true;
}

/* ichip_cmd.c */
bool ichip_cmd_is_ssnd(const char *cmd, size_t len);
/*
 * SSND (a payload follows)?  RP4/RP7 (a trailing I/OK may follow)?
 * Returns the length of the first line (what the module echoes first).
 */
size_t ichip_cmd_traits(const char *cmd, size_t len, bool *ssnd,
			bool *rp_value);

/* ichip_frame.c: a result of the command in flight */
void ichip_frame_complete(struct ichip_frame *f, struct ichip_event *ev,
			  enum ichip_status status, size_t data_len);
/* "ERROR", "ERROR (056)" or "ERROR(056)": the code, 0 when absent. */
bool ichip_frame_parse_error(const char *s, size_t n, unsigned int *code);

/* ichip_frame_cksum.c: the two bytes after an SRCV payload */
size_t ichip_frame_cksum_feed(struct ichip_frame *f, const u8 *buf,
			      size_t len, struct ichip_event *ev);

/*
 * ichip_frame_junk.c: the offset of a reply behind junk in @line, 0 for
 * none; where the SRCV header f->line ends in starts (false: none).
 */
size_t ichip_frame_junk_reply(struct ichip_frame *f, const char *line,
			      size_t n);
bool ichip_frame_header_at(struct ichip_frame *f, size_t *at);
/* ... and a result that cannot be this command's: counted, to be dropped */
bool ichip_frame_stale(struct ichip_frame *f, const char *s, size_t n);

/*
 * ichip_frame_mend.c: is @line the SSND's answer, damaged by the line?
 * Called only while an SSND waits (f->ssnd).
 */
bool ichip_frame_mend(struct ichip_frame *f, const char *line, size_t n,
		      enum ichip_status *status, unsigned int *code);

/*
 * ichip_frame_pem.c: the PEM block @line belongs to (updating f->pem), or
 * ICHIP_PEM_NONE: then it is read as usual.
 */
enum ichip_pem ichip_frame_pem_line(struct ichip_frame *f, const char *line,
				    size_t n);

#endif /* ICHIP_FRAME_PRIV_H */
