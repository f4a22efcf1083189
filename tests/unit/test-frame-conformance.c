// SPDX-License-Identifier: GPL-2.0-only
// SPDX-FileCopyrightText: 2026 The ichip authors
/*
 * The framing core against the conformance transcripts
 * (tests/conformance/): what shipped modules say, fed whole, a byte at a
 * time and split at every offset.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ichip_frame.h"
#include "tap.h"
#include "../conformance/transcript.h"

static void tr_start(struct ichip_frame *f, const struct tr_xchg *x,
		     char *cmd, size_t cap)
{
	const unsigned char *data;
	size_t dlen;
	int kind;

	tr_command(x, cmd, cap, &data, &dlen);
	kind = ichip_cmd_classify(cmd, strlen(cmd), dlen);
	if (data)
		ichip_frame_expect_ssnd(f, cmd, strlen(cmd), data, dlen);
	else
		ichip_frame_expect(f, kind < 0 ? ICHIP_REPLY_STATUS : kind,
				   cmd, strlen(cmd));
}

/* Does the result in @f match what the transcript says? */
static bool tr_matches(const struct ichip_frame *f, const struct tr_xchg *x)
{
	const struct ichip_result *r = &f->res;

	if (!x->ok)
		return r->status == ICHIP_STATUS_ERROR &&
		       r->module_error == x->error;
	if (r->status != ICHIP_STATUS_OK)
		return false;
	if (x->has_text && (r->text_len != strlen(x->text) ||
			    memcmp(r->text, x->text, r->text_len)))
		return false;
	return !x->has_data || (r->data_len == x->data_len &&
				!memcmp(r->data, x->data, x->data_len));
}

/*
 * All module bytes of the transcript fed in two pieces cut at @cut (0:
 * whole; SIZE_MAX: one byte at a time); each exchange's command is
 * expected once the one before has its result.  Returns how many results
 * matched in order, -1 on a wrong or extra result.
 */
static int tr_replay(struct ichip_frame *f, const struct transcript *t,
		     const u8 *in, size_t len, size_t cut)
{
	static char cmd[TR_XCHG_MAX][TR_BYTES_MAX];
	size_t pos = 0, end;
	int k = 0;

	ichip_frame_reset(f);
	ichip_frame_forget_module(f);
	tr_start(f, &t->x[0], cmd[0], sizeof(cmd[0]));
	while (pos < len) {
		struct ichip_event ev;

		end = cut == SIZE_MAX ? pos + 1 : cut > pos ? cut : len;
		pos += ichip_frame_feed(f, in + pos, end - pos, &ev);
		if (ev.type != ICHIP_EV_RESULT)
			continue;
		if (k >= t->n || !tr_matches(f, &t->x[k]))
			return -1;
		if (++k < t->n)
			tr_start(f, &t->x[k], cmd[k], sizeof(cmd[k]));
	}
	return k;
}

static void test_conformance(struct ichip_frame *f, const char *dir)
{
	static struct transcript t;
	static u8 in[TR_XCHG_MAX * TR_BYTES_MAX];
	struct dirent **names;
	int n = dir ? scandir(dir, &names, NULL, alphasort) : -1;
	int files = 0;

	for (int i = 0; i < n; i++) {
		const char *name = names[i]->d_name;
		size_t nl = strlen(name), len = 0, bad = 0;
		char path[1024], *text;

		if (nl < 5 || strcmp(name + nl - 4, ".txt"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, name);
		text = tr_slurp(path);
		if (!text || tr_parse(&t, text, 8080)) {
			tap_ok(0, "conformance %s parses: %s", name, t.err);
			free(text);
			continue;
		}
		free(text);
		files++;
		for (int k = 0; k < t.n; k++) {
			memcpy(in + len, t.x[k].recv, t.x[k].recv_len);
			len += t.x[k].recv_len;
		}
		if (tr_replay(f, &t, in, len, 0) != t.n)
			bad = 1;
		if (!bad && tr_replay(f, &t, in, len, SIZE_MAX) != t.n)
			bad = 2;
		for (size_t c = 1; !bad && c < len; c++)
			if (tr_replay(f, &t, in, len, c) != t.n)
				bad = 3 + c;
		tap_ok(!bad, "conformance %s (%s) %s", name, t.source,
		       !bad ? "" : bad == 1 ? "whole" : bad == 2 ? "bytewise" :
		       "split");
	}
	for (int i = 0; i < n; i++)
		free(names[i]);
	if (n >= 0)
		free(names);
	tap_ok(files >= 10, "conformance transcripts found: %d in %s", files,
	       dir ? dir : "(no directory given)");
}

int main(int argc, char **argv)
{
	struct ichip_frame *f = calloc(1, sizeof(*f));

	if (!f)
		return 2;
	test_conformance(f, argc > 1 ? argv[1] : NULL);
	free(f);
	return tap_done();
}
