// SPDX-License-Identifier: GPL-2.0-only
// SPDX-FileCopyrightText: 2026 The ichip authors
/*
 * kselftests of n_ichip against the conformance transcripts
 * (tests/conformance/): what shipped modules say, replayed through the
 * real line discipline.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "ichip_nl.h"
#include "ichip_peer.h"

#include "ichip_fixture.h"	/* one attached pty */

#include "../../conformance/transcript.h"

/* Built from tests/conformance/ by the Makefile: { name, text } pairs. */
static const struct { const char *name, *text; } transcripts[] = {
#include "conformance.inc"
};

static int tr_inl_matches(const struct inl_result *r, const struct tr_xchg *x)
{
	if (!x->ok)
		return r->status == ICHIP_STATUS_ERROR &&
		       r->module_error == x->error;
	if (r->status != ICHIP_STATUS_OK)
		return 0;
	if (x->has_text && strcmp(r->text, x->text))
		return 0;
	return !x->has_data || (r->data_len == x->data_len &&
				!memcmp(r->data, x->data, x->data_len));
}

/* The scripted peer plays the module's side of every transcript. */
TEST(conformance_transcripts)
{
	static struct transcript t;
	static char host[TR_BYTES_MAX + 64];
	size_t i;

	ASSERT_LE(10, sizeof(transcripts) / sizeof(transcripts[0]));
	for (i = 0; i < sizeof(transcripts) / sizeof(transcripts[0]); i++) {
		int master, slave, k;
		char name[32];
		struct inl nl;
		struct inl_dev d;

		ASSERT_EQ(0, tr_parse(&t, transcripts[i].text, 8080))
			TH_LOG("%s: %s", transcripts[i].name, t.err);
		ASSERT_EQ(0, open_pty(&master, &slave, name, sizeof(name)));
		ASSERT_EQ(0, attach(slave));
		ASSERT_EQ(0, inl_open(&nl));
		ASSERT_EQ(0, inl_dev_find(&nl, name, &d));
		for (k = 0; k < t.n; k++) {
			const struct tr_xchg *x = &t.x[k];
			char cmd[TR_BYTES_MAX];
			const unsigned char *data;
			size_t dlen;
			struct inl_result r;
			uint64_t cookie;

			tr_command(x, cmd, sizeof(cmd), &data, &dlen);
			ASSERT_EQ(0, inl_exec(&nl, d.index, cmd, data, dlen, 0,
					      &cookie));
			/* the host's bytes, then (a PEM value) maybe a CR */
			ASSERT_EQ((ssize_t)x->send_len,
				  peer_read(master, host, x->send_len, 3000));
			EXPECT_EQ(0, memcmp(host, x->send, x->send_len))
				TH_LOG("%s: host sent %.*s", transcripts[i].name,
				       (int)x->send_len, host);
			peer_read(master, host, sizeof(host), 100);
			ASSERT_EQ(0, peer_write(master, x->recv, x->recv_len));
			ASSERT_EQ(0, inl_wait_result(&nl, cookie, 5000, &r))
				TH_LOG("%s: exchange %d: no result",
				       transcripts[i].name, k);
			EXPECT_TRUE(tr_inl_matches(&r, x))
				TH_LOG("%s: exchange %d: status %u error %u "
				       "text '%s'", transcripts[i].name, k,
				       r.status, r.module_error, r.text);
			inl_result_free(&r);
		}
		inl_close(&nl);
		close(slave);
		close(master);
	}
}

TEST_HARNESS_MAIN
