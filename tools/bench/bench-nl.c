// SPDX-License-Identifier: GPL-2.0-only
// SPDX-FileCopyrightText: 2026 The ichip authors
/*
 * bench-nl: the netlink half of the command round trip for `make bench`.
 *
 *   bench-nl N       N sequential EXEC("AT+i") / RESULT on the first ichip
 *                    device: genl -> n_ichip -> tty -> module and back
 *   bench-nl lean N  the same with bench-nl-lean.c's client: three system
 *                    calls a round trip (profile-vm-rtt.sh; mode=nl-lean)
 *
 * Run in the VM while ichipd holds the line discipline (it has no session
 * and sends nothing of its own).  Prints one line, as bench-rtt does:
 *   mode=nl n=N total_s=... per_call_us=... min_us=... p50_us=... p90_us=...
 * The client is the selftests' (tests/selftests/ichip/ichip_nl.c).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench-nl-lean.h"
#include "ichip_nl.h"
#include "bench-time.h"

int main(int argc, char **argv)
{
	static struct inl c;
	static struct lean l;
	uint32_t status;
	bool lean;
	struct inl_dev devs[4];
	struct inl_result res;
	uint64_t cookie;
	double *t, t0, total = 0;
	int n, i, ndev;

	lean = argc > 2 && !strcmp(argv[1], "lean");
	n = argc > 1 ? atoi(argv[argc - 1]) : 0;
	if (n < 1) {
		fprintf(stderr, "usage: %s [lean] N\n", argv[0]);
		return 2;
	}
	t = calloc((size_t)n, sizeof(*t));
	if (!t || inl_open(&c) < 0) {
		fprintf(stderr, "bench-nl: no ichip netlink family\n");
		return 1;
	}
	ndev = inl_dev_dump(&c, devs, 4);
	if (ndev < 1) {
		fprintf(stderr, "bench-nl: no ichip device\n");
		return 1;
	}
	if (lean && lean_open(&l, c.family, devs[0].index, "AT+i") < 0) {
		fprintf(stderr, "bench-nl: netlink socket failed\n");
		return 1;
	}
	for (i = -10; i < n; i++) {	/* 10 warm-up commands */
		t0 = now();
		if (lean) {
			if (lean_exec(&l, &status) < 0) {
				fprintf(stderr, "bench-nl: EXEC failed\n");
				return 1;
			}
			if (i >= 0)
				t[i] = now() - t0;
			if (status != ICHIP_STATUS_OK) {
				fprintf(stderr, "bench-nl: AT+i answered %u\n",
					status);
				return 1;
			}
			continue;
		}
		if (inl_exec(&c, devs[0].index, "AT+i", NULL, 0, 5000,
			     &cookie) < 0 ||
		    inl_wait_result(&c, cookie, 10000, &res) < 0) {
			fprintf(stderr, "bench-nl: EXEC failed\n");
			return 1;
		}
		if (i >= 0)
			t[i] = now() - t0;
		if (res.status != ICHIP_STATUS_OK) {
			fprintf(stderr, "bench-nl: AT+i answered %u\n",
				res.status);
			return 1;
		}
		inl_result_free(&res);
	}
	for (i = 0; i < n; i++)
		total += t[i];
	qsort(t, (size_t)n, sizeof(*t), cmp_d);
	printf("mode=%s n=%d total_s=%.6f per_call_us=%.2f min_us=%.2f "
	       "p50_us=%.2f p90_us=%.2f\n", lean ? "nl-lean" : "nl", n,
	       total, total / n * 1e6, t[0] * 1e6, t[n / 2] * 1e6, t[n * 9 / 10] * 1e6);
	inl_close(&c);
	return 0;
}
