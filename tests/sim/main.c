// SPDX-License-Identifier: GPL-2.0-only
// SPDX-FileCopyrightText: 2026 The ichip authors
/*
 * ichip-sim main: set up, then one ppoll() loop over the line, the host
 * sockets, the control socket and a signalfd.  Single-threaded, so no
 * locking anywhere; many instances run side by side without sharing
 * anything but the loopback interface.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "sim.h"

#define MAX_PFD		(2 + 9 + SIM_CLIENT_SOCKS)
#define IDLE_NS		(1000LL * 1000 * 1000)

static int signals_open(void)
{
	sigset_t set;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	return signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}

/* The hang-up fault: drop the master so the host sees a hangup. */
static int do_hangup(struct sim *s)
{
	sim_info("hang-up: closing %s", sim_line_path(s->line));
	sim_trace_text('!', "hangup", 6);
	s->faults.hangup_now = false;
	sim_sockets_close_all(s);
	sim_clear_busy(s);
	sim_session_end(s);
	sim_parser_reset(s);
	sim_line_close(s->line, s->o->on_hangup == SIM_HANGUP_EXIT);
	s->line = NULL;
	if (s->o->on_hangup == SIM_HANGUP_EXIT) {
		s->quit = true;
		return 0;
	}
	s->line = sim_line_open(s);
	return s->line ? 0 : -1;
}

static void sockets_io(struct sim *s, struct pollfd *pfd, int *map, int n,
		       u64 now)
{
	for (int i = 0; i < n; i++)
		if (pfd[i].revents)
			sim_sockets_event(s, map[i], pfd[i].revents, now);
	sim_sockets_timers(s, now);
}

static int loop_once(struct sim *s, int sfd)
{
	struct pollfd pfd[MAX_PFD];
	int map[SIM_CLIENT_SOCKS];
	u64 now = sim_now_ns(), timeout = IDLE_NS;
	struct timespec ts;
	int n = 0, nline, nctl, nsock, ret;

	sim_faults_timers(s, now, &timeout);
	if (s->quit)
		return 0;
	if (s->faults.hangup_now)
		return do_hangup(s);
	pfd[n].fd = sfd;
	pfd[n++].events = POLLIN;
	nline = n;
	n += sim_line_pollfd(s->line, &pfd[n], &timeout, now);
	nctl = n;
	n += sim_control_pollfds(s, &pfd[n]);
	nsock = n;
	n += sim_sockets_pollfds(s, &pfd[n], map, &timeout, now);
	ts.tv_sec = (time_t)(timeout / SIM_NSEC);
	ts.tv_nsec = (long)(timeout % SIM_NSEC);
	ret = ppoll(pfd, (nfds_t)n, &ts, NULL);
	if (ret < 0)
		return errno == EINTR ? 0 : -1;
	now = sim_now_ns();
	if (pfd[0].revents) {
		struct signalfd_siginfo si;

		if (read(sfd, &si, sizeof(si)) > 0)
			sim_info("signal %u: exiting", si.ssi_signo);
		s->quit = true;
		return 0;
	}
	sim_control_event(s, &pfd[nctl], nsock - nctl);
	sockets_io(s, &pfd[nsock], map, n - nsock, now);
	if (s->faults.hangup_now || s->quit)
		return 0;
	if (sim_line_io(s, pfd[nline].revents, now)) {
		sim_err("%s: line lost: %s", sim_line_path(s->line),
			strerror(errno));
		return -1;
	}
	sim_line_consume(s, now);
	return 0;
}

int main(int argc, char **argv)
{
	static struct sim_opts o;
	static struct sim s;
	int sfd, ret;

	ret = sim_opts_parse(&o, argc, argv);
	if (ret)
		return ret > 0 ? 0 : 2;
	sim_log_init("ichip-sim", o.verbose);
	if (sim_core_init(&s, &o))
		return 1;
	s.emit = sim_line_emit;
	sfd = signals_open();
	if (sfd < 0 || (o.trace && sim_trace_open(o.trace)) ||
	    (o.control && sim_control_open(&s, o.control))) {
		sim_err("setup: %s", strerror(errno));
		return 1;
	}
	sim_faults_init(&s, sim_now_ns());
	s.line = sim_line_open(&s);
	if (!s.line)
		return 1;
	sim_dbg("ready on %s", sim_line_path(s.line));
	while (!s.quit)
		if (loop_once(&s, sfd)) {
			s.exit_code = 1;
			break;
		}
	sim_params_save(&s.params);
	sim_sockets_close_all(&s);
	if (s.line) {
		/* the line's counters (UART losses...) for whoever reads logs */
		char st[512];

		sim_line_status(s.line, st, sizeof(st));
		sim_info("exit: %s", st);
	}
	sim_line_close(s.line, true);
	sim_control_close(&s);
	sim_core_free(&s);
	sim_trace_close();
	close(sfd);
	return s.exit_code;
}
