// SPDX-License-Identifier: GPL-2.0-only
// SPDX-FileCopyrightText: 2026 The ichip authors
/*
 * ichip-sim tests: each test starts its own simulator (temp dir, random
 * ports) and drives it over the pty like a host would, with the shared
 * framing core parsing the answers.  Usage: test-sim ICHIP_SIM TEST.
 * Exit 0 pass, 1 fail, 77 skip.
 */
#include "test-sim.h"

static const struct {
	const char *name;
	void (*fn)(void);
} tests[] = {
	{ "basic", test_basic }, { "echo", test_echo }, { "tcp", test_tcp },
	{ "peer-close", test_peer_close }, { "limits", test_limits },
	{ "checksum", test_checksum }, { "escape", test_escape },
	{ "tls", test_tls }, { "pem", test_pem }, { "persist", test_persist },
	{ "noise", test_noise }, { "drop", test_drop },
	{ "stall-slow", test_stall_slow }, { "reset", test_reset },
	{ "hangup", test_hangup }, { "baud", test_baud },
	{ "parallel", test_parallel }, { "control", test_control },
	{ "options", test_options }, { "resolve", test_resolve },
	{ "uart", test_uart },
	{ "variants", test_variants }, { "conformance", test_conformance },
};

int main(int argc, char **argv)
{
	char cmdline[300];

	if (argc != 3) {
		fprintf(stderr, "usage: test-sim ICHIP_SIM TEST\n");
		return 2;
	}
	sim_exe = argv[1];
	signal(SIGPIPE, SIG_IGN);
	snprintf(tmpdir, sizeof(tmpdir), "%s/ichip-sim-test.XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	REQUIRE(mkdtemp(tmpdir), "mkdtemp");
	for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		if (strcmp(argv[2], tests[i].name))
			continue;
		tests[i].fn();
		snprintf(cmdline, sizeof(cmdline), "rm -rf %s", tmpdir);
		if (!failures && system(cmdline))
			fprintf(stderr, "could not remove %s\n", tmpdir);
		fprintf(stderr, "%s: %s (%d failures)\n", argv[2],
			failures ? "FAIL" : "ok", failures);
		return failures ? 1 : 0;
	}
	fprintf(stderr, "no test '%s'\n", argv[2]);
	return 2;
}
