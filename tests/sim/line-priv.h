/* SPDX-License-Identifier: GPL-2.0-only */
/* SPDX-FileCopyrightText: 2026 The ichip authors */
/*
 * The serial line's state, shared by line.c (the pty, the throttle, the
 * byte faults) and uart.c (the module's receive buffer and flow control).
 */
#ifndef SIM_LINE_PRIV_H
#define SIM_LINE_PRIV_H

#include <stdbool.h>
#include <stddef.h>

#include "sim.h"

#define LINE_IN_MAX	4096
#define LINE_OUT_MAX	(4u << 20)	/* a host that never reads */
#define BURST_S		0.005		/* bucket depth: 5 ms of line time */
#define BATCH_S		0.002		/* wait for 2 ms worth of tokens */

struct chunk {
	struct chunk *next;
	u64 release_ns;		/* slow replies: not before this */
	size_t len, pos;
	u8 d[];
};

struct sim_line {
	int fd;
	int slave_fd;
	char path[256];
	double rate;		/* bytes/s, 0 = unthrottled */
	double burst;
	double tok_in, tok_out;
	u64 tok_ns;
	struct chunk *head, *tail;
	size_t queued;
	u8 in[LINE_IN_MAX];
	size_t in_len;
	double noise_rate, noise_acc;
	u64 noise_ns;
	double drop;
	double corrupt;		/* bit flips, like drop: either direction */
	unsigned int slow_ms;
	u64 stall_until;
	struct sim *s;
	/* UART model (see the top of this file) */
	bool pkt;		/* pty master in packet mode */
	bool host_stopped;	/* TIOCPKT_STOP seen, no START yet */
	bool wait_sent;		/* WAIT out, CONTINUE not yet */
	bool wait_ignored;	/* grace over: the host did not stop */
	u64 wait_ns;
	u64 after_wait;		/* bytes taken since WAIT */
	u64 drain_until;	/* the module pauses until then */
	u64 grace_ns;		/* grace period start, 0 if none */
	u64 pause_left;		/* of the module's pause, at grace start */
	u64 stall_count;	/* SSND bytes since the last pause */
	u64 lost, waits, continues, ignored, stalls;
};

static inline void min_ns(u64 *t, u64 v)
{
	if (v < *t)
		*t = v;
}

/* uart.c */
bool sim_uart_on(struct sim *s);
bool sim_uart_blocked(struct sim *s, u64 *timeout_ns, u64 now);
bool sim_uart_in_grace(struct sim *s);
void sim_uart_grace_end(struct sim *s, u64 now);
size_t sim_uart_window(struct sim *s, size_t want, u64 now);
void sim_uart_deliver(struct sim *s, const u8 *p, size_t n, u64 now);
void sim_uart_flow_check(struct sim *s, u64 now);
size_t sim_uart_feed_paced(struct sim *s, u64 now);

#endif /* SIM_LINE_PRIV_H */
