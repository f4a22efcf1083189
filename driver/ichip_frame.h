/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/* SPDX-FileCopyrightText: 2026 The ichip authors */
/*
 * The AT+i framing core: turns the byte stream a module sends into
 * command results, and checks and classifies the commands a host sends.
 *
 * Pure C with no kernel or libc dependency beyond ichip_frame_shim.h, so
 * the same file is built into n_ichip.ko, the userspace tests, the fuzzer,
 * ichip-sim's tests and ichipd's fallback transport.  It never allocates:
 * the caller owns struct ichip_frame (about 43 KiB).
 */
#ifndef ICHIP_FRAME_H
#define ICHIP_FRAME_H

#include "ichip_frame_shim.h"
#include <linux/ichip.h>

/* Longest response line kept; longer lines are dropped and counted. */
#define ICHIP_LINE_MAX		2048

/* What the command in flight expects back; decides when it is complete. */
enum ichip_reply_kind {
	ICHIP_REPLY_NONE,	/* nothing in flight: lines are unsolicited */
	ICHIP_REPLY_STATUS,	/* I/OK, I/ERROR or I/BUSY */
	ICHIP_REPLY_QUERY,	/* value lines, then I/OK */
	ICHIP_REPLY_VALUE,	/* one I/<value> line (STCP, SST, RP4, RP7...) */
	ICHIP_REPLY_DATA,	/* SRCV: I/<n>:<n raw bytes> or I/0 */
	ICHIP_REPLY_CLOSE,	/* SCLS, DOWN: I/OK, then I/DONE or I/ONLINE */
};

enum ichip_event_type {
	ICHIP_EV_NONE,		/* all bytes consumed, nothing complete */
	ICHIP_EV_RESULT,	/* command in flight complete: see frame.res */
	ICHIP_EV_UNSOLICITED,	/* a line while nothing is in flight */
	ICHIP_EV_NOISE,		/* a line that fits no reply form */
	ICHIP_EV_ECHO,		/* the module echoed the command */
	ICHIP_EV_OVERFLOW,	/* a line over ICHIP_LINE_MAX was dropped */
	ICHIP_EV_WAIT,		/* software flow control: stop sending */
	ICHIP_EV_CONTINUE,	/* software flow control: send again */
};

/* Software flow control bytes when none are configured (at-plus-i.md §4). */
#define ICHIP_FLOW_WAIT_DEFAULT		0x13	/* XOFF */
#define ICHIP_FLOW_CONTINUE_DEFAULT	0x11	/* XON */

/* Does the module echo SSND payload bytes?  Learnt from the first SSND. */
enum ichip_echo_payload {
	ICHIP_ECHO_PAYLOAD_UNKNOWN,
	ICHIP_ECHO_PAYLOAD_NO,
	ICHIP_ECHO_PAYLOAD_YES,
};

/* A PEM block on the line (ichip_frame_pem.c), and whose lines it holds. */
enum ichip_pem {
	ICHIP_PEM_NONE,
	ICHIP_PEM_ANSWER,	/* a query's answer: the text */
	ICHIP_PEM_ECHO,		/* the echo of a PEM value being written */
};

struct ichip_event {
	enum ichip_event_type type;
	const char *line;	/* UNSOLICITED, NOISE: the line, no CR/LF */
	size_t len;
};

struct ichip_result {
	enum ichip_status status;
	unsigned int module_error;	/* nnn of I/ERROR (nnn), else 0 */
	const char *text;		/* response text, lines joined by \n */
	size_t text_len;
	const u8 *data;			/* SRCV payload */
	size_t data_len;
};

struct ichip_frame_stats {
	u64 lines;
	u64 results;
	u64 unsolicited;
	u64 noise;
	u64 echoes;
	u64 overflows;		/* lines, texts, payloads: each once */
	u64 payload_bytes;
	u64 flow_waits;		/* WAIT bytes seen outside payloads */
	u64 flow_continues;
	u64 flow_reports;	/* I/(...) status reports during an SSND */
	u64 stale;		/* results before the command's echo */
	u64 cksum_errors;	/* SRCV payloads whose checksum was wrong */
	u64 mended;		/* SSND answers read through damage */
};

enum ichip_rx_state {
	ICHIP_RX_LINE,		/* collecting a text line */
	ICHIP_RX_PAYLOAD,	/* counting the bytes of I/<n>: */
	ICHIP_RX_PAYLOAD_END,	/* optional CR LF after a payload */
	ICHIP_RX_ECHO,		/* matching the echo of an SSND */
	ICHIP_RX_CKSUM,		/* the checksum after an SRCV payload */
};

struct ichip_frame {
	/* context, set by ichip_frame_expect() */
	enum ichip_reply_kind expect;
	const char *cmd;	/* borrowed: command text, for echo detection */
	size_t cmd_len;
	bool seen_ok;		/* CLOSE: I/OK arrived, waiting for 2nd line */
	bool echo_seen;		/* this command's echo went by */
	bool ssnd;		/* an SSND: its result may follow the echo */
	const u8 *data;		/* borrowed: SSND payload, for its echo */
	size_t data_len;
	size_t echo_pos;	/* ECHO: bytes of header:payload matched */
	size_t echo_resume;	/* a line inside the payload echo: resume */
	bool echo_armed;	/* that line ended: resume at the next byte */
	bool echo_lf;		/* it ended in CR: an LF is still its own */
	enum ichip_event_type flow_pending;	/* found in a rollback */
	size_t echo_wait_at;	/* 1 + where a WAIT-valued byte went as echo */
	bool report_due;	/* WAIT reported, its RP4 report not yet */
	bool rp_value;		/* RP4/RP7: a trailing I/OK may follow */
	size_t cmd_all;		/* the whole command; cmd_len is its 1st line */
	enum ichip_pem pem;	/* inside a PEM block: lines are its own */
	size_t pem_next;	/* ECHO: where the next echoed line is in cmd */

	/* what the module has shown; kept across resets */
	bool echo_known;	/* the module echoes commands */
	bool stray_ok;		/* an RP4/RP7 trailer I/OK may still come */
	enum ichip_echo_payload echo_payload;
	bool flow_off;		/* WAIT/CONTINUE bytes are plain bytes */
	u8 flow_wait, flow_cont;

	enum ichip_rx_state rx;
	size_t line_len;
	bool line_overflow;
	size_t payload_len;	/* announced size */
	size_t payload_pos;	/* bytes counted so far */
	bool payload_overflow;	/* announced size over ICHIP_DATA_LEN_MAX */
	u8 end_seen;		/* PAYLOAD_END: CR/LF bytes skipped */

	/* checksum mode (AT+iCKSM=1, ichip_frame_cksum.c); kept on reset */
	bool cksum;
	u16 rx_sum;		/* byte sum of the payload so far */
	u8 cksum_pos;		/* CKSUM: bytes of the checksum seen */
	u8 cksum_got[2];

	size_t text_len;
	bool text_overflow;

	struct ichip_result res;
	struct ichip_frame_stats stats;

	char line[ICHIP_LINE_MAX];
	char text[ICHIP_TEXT_LEN_MAX];
	u8 payload[ICHIP_DATA_LEN_MAX];
};

/*
 * Forget everything, including the command in flight; stats, flow control
 * settings and what was learnt about the module's echo are kept.
 */
void ichip_frame_reset(struct ichip_frame *f);

/*
 * Software flow control: @wait and @cont are the module's WAIT and
 * CONTINUE bytes (0 for the XOFF/XON default).  Outside counted payloads
 * they become ICHIP_EV_WAIT / ICHIP_EV_CONTINUE; inside they are data.
 * With @on false they are ordinary bytes.  On by default.
 */
void ichip_frame_set_flow(struct ichip_frame *f, bool on, u8 wait, u8 cont);

/* Forget what was learnt about the module's echo (a new module). */
void ichip_frame_forget_module(struct ichip_frame *f);

/*
 * A command is about to go on the wire: expect its reply.  @cmd must stay
 * valid until the result event (it is used to recognise an echo).
 */
void ichip_frame_expect(struct ichip_frame *f, enum ichip_reply_kind kind,
			const char *cmd, size_t cmd_len);

/*
 * The same for an SSND: @cmd is the text before the payload's ':', @data
 * its payload (borrowed like @cmd).  The module may echo the header and
 * the payload and put the result on the same line: "<header>:I/OK".
 */
void ichip_frame_expect_ssnd(struct ichip_frame *f, const char *cmd,
			     size_t cmd_len, const u8 *data, size_t data_len);

/* Nothing in flight any more (timeout): later lines are unsolicited. */
void ichip_frame_abandon(struct ichip_frame *f);

/*
 * Consume bytes until one event completes or @len runs out.  Returns how
 * many bytes were consumed; call again with the rest.  Pointers in @ev and
 * f->res stay valid until the next call.
 */
size_t ichip_frame_feed(struct ichip_frame *f, const u8 *buf, size_t len,
			struct ichip_event *ev);

/*
 * Check a host command and tell what it expects back.  @cmd is the text
 * without the final CR; @data_len is the SSND payload size (0 if none).
 * Returns the reply kind, or a negative errno:
 *   -EINVAL  not "AT+i...", bad bytes (CR only inside a PEM parameter
 *            value, LF never), payload given for a non-SSND command, or
 *            an SSND whose <sz> differs from @data_len
 *   -E2BIG   command longer than ICHIP_CMD_LEN_MAX, payload over ICHIP_DATA_LEN_MAX
 */
int ichip_cmd_classify(const char *cmd, size_t len, size_t data_len);

/*
 * The bytes that go on the wire for a checked command: the text and CR, or
 * for SSND the text, ':' and the payload (no CR: the module counts bytes).
 * Returns the length written, or 0 if @cap is too small.
 * ICHIP_WIRE_MAX(len, data_len) bytes always suffice.
 */
#define ICHIP_WIRE_MAX(len, data_len)	((len) + 1 + (data_len))
size_t ichip_cmd_wire(u8 *out, size_t cap, const char *cmd, size_t len,
		      const u8 *data, size_t data_len);

/*
 * Checksum mode (at-plus-i.md §3, AT+iCKSM=1): every SRCV payload and SSND
 * stream is followed by two bytes, big-endian, the two's complement of
 * the byte sum mod 65536.  With @on, the framer reads and checks them
 * after an SRCV payload: a mismatch completes the command with
 * ICHIP_STATUS_CHECKSUM and no data.  Kept across ichip_frame_reset().
 */
void ichip_frame_set_cksum(struct ichip_frame *f, bool on);

/*
 * The WAIT last reported was line noise, not the module's (no RP4 report
 * followed it): forget the report it promised.
 */
void ichip_frame_wait_noise(struct ichip_frame *f);

/* The checksum of @n bytes at @p: what follows them on the wire. */
u16 ichip_cksum(const u8 *p, size_t n);
/* The running byte sum the checksum is made of. */
u16 ichip_cksum_add(u16 sum, const u8 *p, size_t n);

/*
 * ichip_cmd_wire() for a module in checksum mode: an SSND's stream gets
 * its two checksum bytes (other commands are the same as without).
 * ICHIP_WIRE_MAX_CKSUM(len, data_len) bytes always suffice.
 */
#define ICHIP_CKSUM_LEN		2
#define ICHIP_WIRE_MAX_CKSUM(len, data_len) \
	(ICHIP_WIRE_MAX(len, data_len) + ICHIP_CKSUM_LEN)
size_t ichip_cmd_wire_cksum(u8 *out, size_t cap, const char *cmd, size_t len,
			    const u8 *data, size_t data_len);

/* Default timeout for a command of this text, in milliseconds. */
unsigned int ichip_cmd_default_timeout_ms(const char *cmd, size_t len);

#endif /* ICHIP_FRAME_H */
