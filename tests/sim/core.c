// SPDX-License-Identifier: GPL-2.0-only
// SPDX-FileCopyrightText: 2026 The ichip authors
/*
 * The module without its line: parameters, parser and sockets.  main.c
 * adds the pty and the poll loop; the fuzzer feeds bytes straight in.
 */
#include <string.h>
#include <unistd.h>

#include "sim.h"

int sim_core_init(struct sim *s, struct sim_opts *o)
{
	memset(s, 0, sizeof(*s));
	s->o = o;
	s->busy_hn = -1;
	s->rng = o->seed_set ? o->seed : sim_now_ns() ^ (u64)getpid() << 32;
	sim_parser_init(&s->ps);
	sim_sockets_init(s);
	if (sim_params_init(&s->params, o->state, o->ca_max))
		return -1;
	return sim_tls_global_init(s);
}

void sim_core_free(struct sim *s)
{
	sim_sockets_close_all(s);
	sim_tls_global_free(s);
	sim_params_free(&s->params);
	buf_free(&s->ps.data);
	buf_free(&s->ps.pem);
}
