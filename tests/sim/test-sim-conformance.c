// SPDX-License-Identifier: GPL-2.0-only
// SPDX-FileCopyrightText: 2026 The ichip authors
/*
 * ichip-sim tests: the conformance transcripts of tests/conformance replayed against
 * the simulator.
 */
#include "test-sim.h"

/* Module output for @ms or until @want bytes came. */
static size_t collect(struct dut *d, u8 *buf, size_t want, int ms)
{
	double end = now_s() + ms / 1000.0;
	size_t got = 0;

	while (got < want) {
		int left = (int)((end - now_s()) * 1000);
		struct pollfd p = { d->fd, POLLIN, 0 };
		ssize_t n;

		if (left <= 0 || poll(&p, 1, left) <= 0)
			break;
		n = read(d->fd, buf + got, want - got);
		if (n > 0)
			got += (size_t)n;
	}
	return got;
}

/* One transcript of tests/conformance against the simulator. */
static void conformance_one(const char *dir, const char *name)
{
	static struct transcript t;
	static u8 out[TR_BYTES_MAX];
	struct server sv = { .echo = true };
	const char *argv[24];
	char path[1024], opts[256], *text, *save = NULL;
	struct dut d;
	int argc = 0;
	unsigned int waits = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	text = slurp(path, NULL);
	REQUIRE(text, "%s", path);
	if (!strncmp(strstr(text, "setup: ") ? strstr(text, "setup: ") + 7 :
		     "", "socket-down", 11))
		sv.close_at_once = true;
	server_start(&sv);
	REQUIRE(!tr_parse(&t, text, sv.port), "%s: %s", name, t.err);
	free(text);
	snprintf(opts, sizeof(opts), "%s", t.sim);
	for (char *o = strtok_r(opts, " ", &save); o && argc < 22;
	     o = strtok_r(NULL, " ", &save))
		argv[argc++] = o;
	argv[argc] = NULL;
	dut_start(&d, name, argc > 0 ? argv[0] : NULL, argc > 1 ? argv[1] :
		  NULL, argc > 2 ? argv[2] : NULL, argc > 3 ? argv[3] : NULL,
		  argc > 4 ? argv[4] : NULL, argc > 5 ? argv[5] : NULL, NULL);
	if (strcmp(t.setup, "none") && strcmp(t.setup, "server")) {
		EXPECT_TEXT(&d, "000", "AT+iSTCP:127.0.0.1,%d", sv.port);
		msleep(300);	/* socket-down: the peer has closed */
	}
	for (int k = 0; k < t.n; k++) {
		const struct tr_xchg *x = &t.x[k];
		const struct ichip_result *r;
		char cmd[TR_BYTES_MAX];
		const unsigned char *data;
		size_t dlen, got;

		if (t.compare_result) {
			tr_command(x, cmd, sizeof(cmd), &data, &dlen);
			r = data ? ssnd_flow(&d, cmd, data, dlen, true, 10000,
					     &waits) :
				   cmd_data(&d, cmd, NULL, 0, CMD_TIMEOUT_MS);
			CHECK(r && (x->ok ? r->status == ICHIP_STATUS_OK :
				    r->module_error == x->error),
			      "%s: exchange %d result", name, k);
			continue;
		}
		write_all(d.fd, x->send, x->send_len);
		got = collect(&d, out, x->recv_len, 3000);
		CHECK(got == x->recv_len && !memcmp(out, x->recv, got),
		      "%s: exchange %d: got '%.*s'", name, k, (int)got, out);
		/* and nothing more */
		CHECK(collect(&d, out, 1, 200) == 0, "%s: extra output", name);
	}
	if (t.compare_result)
		CHECK(waits > 0, "%s: no WAIT seen", name);
	dut_stop(&d);
}

/* The transcripts of tests/conformance, as the simulator plays them. */
void test_conformance(void)
{
	const char *dir = getenv("ICHIP_CONFORMANCE");
	struct dirent **names;
	int n, files = 0;

	REQUIRE(dir, "ICHIP_CONFORMANCE not set");
	n = scandir(dir, &names, NULL, alphasort);
	REQUIRE(n >= 0, "%s", dir);
	for (int i = 0; i < n; i++) {
		size_t nl = strlen(names[i]->d_name);

		if (nl > 4 && !strcmp(names[i]->d_name + nl - 4, ".txt")) {
			conformance_one(dir, names[i]->d_name);
			files++;
		}
		free(names[i]);
	}
	free(names);
	CHECK(files >= 10, "%d transcripts", files);
}
