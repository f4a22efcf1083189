/* SPDX-License-Identifier: GPL-2.0-only */
/* SPDX-FileCopyrightText: 2026 The ichip authors */
/* bench-nl-lean.c: EXEC round trips with three system calls each. */
#ifndef BENCH_NL_LEAN_H
#define BENCH_NL_LEAN_H

#include <stdint.h>

struct lean {
	int fd;
	char req[512];		/* the EXEC request, built once */
	char buf[8192];		/* one received message */
};

/* Socket and request for EXEC(@cmd) on device @dev of genl @family. */
int lean_open(struct lean *l, int family, uint32_t dev, const char *cmd);
/* One round trip; 0 and the RESULT's status, or -1. */
int lean_exec(struct lean *l, uint32_t *status);
void lean_close(struct lean *l);

#endif
