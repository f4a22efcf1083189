// SPDX-License-Identifier: GPL-2.0-only
// SPDX-FileCopyrightText: 2026 The ichip authors
/*
 * libFuzzer target for ichip-sim's command parser: host bytes go straight
 * into a simulator core whose output is counted and dropped and whose
 * sockets are local socketpairs (no network, no pty, no state file).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

#define CHUNK		61
#define CHUNK_GAP_NS	(300LL * 1000 * 1000)

static size_t out_bytes;

static void sink(struct sim *s, const void *p, size_t n)
{
	out_bytes += n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sim_opts o;
	static struct sim s;
	u64 now = SIM_NSEC;

	memset(&o, 0, sizeof(o));
	o.firmware = "FUZZ";
	o.serial = "0";
	o.banner = "BOOT";
	o.max_sockets = SIM_CLIENT_SOCKS;
	o.ca_max = SIM_CA_MAX_DEFAULT;
	o.rx_max = SIM_RX_MAX_DEFAULT;
	o.seed_set = true;
	o.echo = size && (data[0] & 1);
	if (sim_core_init(&s, &o))
		abort();
	s.no_net = true;
	s.emit = sink;
	/* uneven chunks and time steps so +++ guard times get exercised */
	for (size_t off = 0; off < size; now += CHUNK_GAP_NS) {
		size_t n = size - off < CHUNK ? size - off : CHUNK;

		while (n) {
			size_t used = sim_parser_feed(&s, data + off, n, now);

			off += used;
			n -= used;
			if (s.busy)	/* cannot happen without a network */
				abort();
		}
	}
	sim_core_free(&s);
	return 0;
}
