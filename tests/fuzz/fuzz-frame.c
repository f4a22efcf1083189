// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target for the framing core.  Input: byte 0 picks the reply
 * kind, byte 1 the chunk size, the rest is what the module "sends".
 * Besides the sanitizers, it asserts the core's own promises: progress on
 * every call, results within their bounds, no event without content.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ichip_frame.h"

static const char *const cmds[] = {
	"AT+i", "AT+iBDRF=9", "AT+iCA?", "AT+iRP4", "AT+iSRCV:0,100",
	"AT+iSCLS:0", "AT+iSTCP:127.0.0.1,80",
};

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
		      f->res.status <= ICHIP_STATUS_OVERFLOW);
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
	size_t chunk, pos = 2, ncmds = sizeof(cmds) / sizeof(cmds[0]);
	const char *cmd;
	int kind;

	if (size < 2)
		return 0;
	cmd = cmds[data[0] % ncmds];
	chunk = (size_t)data[1] + 1;
	kind = ichip_cmd_classify(cmd, strlen(cmd), 0);
	check(kind > 0);
	ichip_frame_reset(&f);
	ichip_frame_expect(&f, (enum ichip_reply_kind)kind, cmd, strlen(cmd));

	while (pos < size) {
		size_t n = size - pos < chunk ? size - pos : chunk;
		struct ichip_event ev;
		size_t used = ichip_frame_feed(&f, data + pos, n, &ev);

		check(used > 0 && used <= n);
		check_event(&f, &ev);
		pos += used;
		if (ev.type == ICHIP_EV_RESULT && (data[0] & 0x80))
			ichip_frame_expect(&f, (enum ichip_reply_kind)kind,
					   cmd, strlen(cmd));
	}
	/* the command checker sees the same bytes as a command */
	kind = ichip_cmd_classify((const char *)data + 2, size - 2,
				  data[1]);
	check(kind >= 0 || kind == -EINVAL || kind == -E2BIG);
	return 0;
}
