// SPDX-License-Identifier: GPL-2.0-only
// SPDX-FileCopyrightText: 2026 The ichip authors
/*
 * libFuzzer target for the framing core.  Input: byte 0 picks the command
 * (bit 7: expect it again after each result; bit 6: flow control bytes
 * off; bit 5: checksum mode), byte 1 the chunk size, the rest is what the
 * module "sends".  The
 * SSND commands take their payload from the input's first bytes, so the
 * echo matcher sees payloads that the module echoes (or not).
 * Besides the sanitizers, it asserts the core's own promises: progress on
 * every call, results within their bounds, no event without content.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ichip_frame.h"

static const char *const cmds[] = {
	"AT+i", "AT+iBDRF=9", "AT+iCA?", "AT+iRP4", "AT+iSRCV:0,100",
	"AT+iSCLS:0", "AT+iSTCP:127.0.0.1,80", "AT+iSSND%:000,8",
	"AT+iSSND:0,1", "AT+iRP7",
};

/* The payload of an SSND command: its size from the text, from @data. */
static size_t ssnd_payload(const char *cmd, const uint8_t *data,
			   size_t size, const uint8_t **payload)
{
	const char *comma = strrchr(cmd, ',');
	size_t n = comma && strstr(cmd, "SSND") ? strtoul(comma + 1, NULL, 10) :
		   0;

	*payload = data + 2;
	return n && size >= 2 + n ? n : 0;
}

static void expect(struct ichip_frame *f, const char *cmd, int kind,
		   const uint8_t *payload, size_t n)
{
	if (n)
		ichip_frame_expect_ssnd(f, cmd, strlen(cmd), payload, n);
	else
		ichip_frame_expect(f, (enum ichip_reply_kind)kind, cmd,
				   strlen(cmd));
}

static void check(int cond)
{
	if (!cond)
		abort();
}

static void check_event(const struct ichip_frame *f,
			const struct ichip_event *ev)
{
	switch (ev->type) {
	case ICHIP_EV_RESULT:
		check(f->res.status >= ICHIP_STATUS_OK &&
		      f->res.status <= ICHIP_STATUS_CHECKSUM);
		/* a payload that failed its checksum is never data */
		check(f->res.status != ICHIP_STATUS_CHECKSUM ||
		      f->res.data_len == 0);
		check(f->res.text_len <= ICHIP_TEXT_LEN_MAX);
		check(f->res.data_len <= ICHIP_DATA_LEN_MAX);
		check(f->expect == ICHIP_REPLY_NONE);
		break;
	case ICHIP_EV_UNSOLICITED:
	case ICHIP_EV_NOISE:
		check(ev->line && ev->len <= ICHIP_LINE_MAX);
		break;
	default:
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ichip_frame f;
	size_t chunk, pos = 2, ncmds = sizeof(cmds) / sizeof(cmds[0]), plen;
	const uint8_t *payload;
	const char *cmd;
	int kind;

	if (size < 2)
		return 0;
	cmd = cmds[(data[0] & 0x1f) % ncmds];
	chunk = (size_t)data[1] + 1;
	plen = ssnd_payload(cmd, data, size, &payload);
	kind = ichip_cmd_classify(cmd, strlen(cmd), plen);
	if (kind < 0)	/* an SSND with too short an input */
		return 0;
	ichip_frame_reset(&f);
	ichip_frame_forget_module(&f);
	ichip_frame_set_flow(&f, !(data[0] & 0x40), 0, 0);
	ichip_frame_set_cksum(&f, data[0] & 0x20);
	/* in checksum mode the stream (and its echo) ends in 2 more bytes */
	if (plen && (data[0] & 0x20) && size >= 2 + plen + ICHIP_CKSUM_LEN)
		plen += ICHIP_CKSUM_LEN;
	expect(&f, cmd, kind, payload, plen);

	while (pos < size) {
		size_t n = size - pos < chunk ? size - pos : chunk;
		struct ichip_event ev;
		size_t used = ichip_frame_feed(&f, data + pos, n, &ev);

		check(used > 0 && used <= n);
		check_event(&f, &ev);
		pos += used;
		if (ev.type == ICHIP_EV_RESULT && (data[0] & 0x80))
			expect(&f, cmd, kind, payload, plen);
	}
	/* the command checker sees the same bytes as a command */
	kind = ichip_cmd_classify((const char *)data + 2, size - 2,
				  data[1]);
	check(kind >= 0 || kind == -EINVAL || kind == -E2BIG);
	return 0;
}
