// SPDX-License-Identifier: GPL-2.0-only
// SPDX-FileCopyrightText: 2026 The ichip authors
/*
 * Run-time control: a unix stream socket, one text command per line, one
 * reply line per command ("ok [info]" or "error <reason>").  Lets a test
 * switch faults on and off while the host is talking to the module.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "sim.h"

#define CTL_CLIENTS	8
#define CTL_LINE_MAX	256

struct ctl_client {
	int fd;
	size_t len;
	char line[CTL_LINE_MAX];
};

struct sim_control {
	int fd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct ctl_client c[CTL_CLIENTS];
};

int sim_control_open(struct sim *s, const char *path)
{
	struct sim_control *ctl = calloc(1, sizeof(*ctl));
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	if (!ctl)
		return -1;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		sim_err("control path too long: %s", path);
		free(ctl);
		return -1;
	}
	for (int i = 0; i < CTL_CLIENTS; i++)
		ctl->c[i].fd = -1;
	strcpy(sa.sun_path, path);
	strcpy(ctl->path, path);
	unlink(path);
	ctl->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
			 0);
	if (ctl->fd < 0 || bind(ctl->fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    listen(ctl->fd, 4)) {
		sim_err("control %s: %s", path, strerror(errno));
		if (ctl->fd >= 0)
			close(ctl->fd);
		free(ctl);
		return -1;
	}
	s->control = ctl;
	return 0;
}

void sim_control_close(struct sim *s)
{
	struct sim_control *ctl = s->control;

	if (!ctl)
		return;
	for (int i = 0; i < CTL_CLIENTS; i++)
		if (ctl->c[i].fd >= 0)
			close(ctl->c[i].fd);
	close(ctl->fd);
	unlink(ctl->path);
	free(ctl);
	s->control = NULL;
}

int sim_control_pollfds(struct sim *s, struct pollfd *pfd)
{
	struct sim_control *ctl = s->control;
	int n = 0;

	if (!ctl)
		return 0;
	pfd[n].fd = ctl->fd;
	pfd[n++].events = POLLIN;
	for (int i = 0; i < CTL_CLIENTS; i++) {
		pfd[n].fd = ctl->c[i].fd;	/* -1 is ignored by poll */
		pfd[n++].events = POLLIN;
	}
	return n;
}

static int ctl_num(const char *arg, double max, double *v)
{
	char *end;

	if (!arg)
		return -1;
	*v = strtod(arg, &end);
	return (end == arg || *end || !(*v >= 0) || *v > max) ? -1 : 0;
}

static const char ctl_help[] =
	"ok ping status noise RATE drop PROB corrupt PROB stall MS slow MS "
	"baud N ignore-ssnd N "
	"echo on|off seed N reset hangup quit";

/* Returns the reply; @after is set for actions that follow the reply. */
static const char *ctl_exec(struct sim *s, char *cmd, char *buf, size_t cap,
			    int *after)
{
	char *arg = strchr(cmd, ' ');
	double v;

	if (arg)
		*arg++ = 0;
	if (!strcmp(cmd, "ping"))
		return "ok";
	if (!strcmp(cmd, "help"))
		return ctl_help;
	if (!strcmp(cmd, "status")) {
		int n = snprintf(buf, cap, "ok online=%d sockets=%d busy=%d ",
				 s->online, sim_sock_open_count(s), s->busy);

		sim_line_status(s->line, buf + n, cap - (size_t)n);
		return buf;
	}
	if (!strcmp(cmd, "reset") || !strcmp(cmd, "hangup") ||
	    !strcmp(cmd, "quit")) {
		*after = cmd[0];
		return "ok";
	}
	if (!strcmp(cmd, "echo") && arg &&
	    (!strcmp(arg, "on") || !strcmp(arg, "off"))) {
		s->o->echo = !strcmp(arg, "on");
		return "ok";
	}
	if (!strcmp(cmd, "noise") && !ctl_num(arg, 1e6, &v)) {
		sim_line_set_noise(s->line, v);
	} else if (!strcmp(cmd, "drop") && !ctl_num(arg, 1.0, &v)) {
		sim_line_set_drop(s->line, v);
	} else if (!strcmp(cmd, "corrupt") && !ctl_num(arg, 1.0, &v)) {
		sim_line_set_corrupt(s->line, v);
	} else if (!strcmp(cmd, "stall") && !ctl_num(arg, 3600000, &v)) {
		sim_line_stall(s->line, (unsigned int)v, sim_now_ns());
	} else if (!strcmp(cmd, "slow") && !ctl_num(arg, 600000, &v)) {
		sim_line_set_slow(s->line, (unsigned int)v);
	} else if (!strcmp(cmd, "baud") && !ctl_num(arg, 1e8, &v)) {
		sim_line_set_baud(s->line, (unsigned long)v);
	} else if (!strcmp(cmd, "ignore-ssnd") && !ctl_num(arg, 1000, &v)) {
		s->faults.ignore_ssnd = (unsigned int)v;
	} else if (!strcmp(cmd, "seed") && !ctl_num(arg, 1.8e19, &v)) {
		s->rng = (u64)v;
	} else {
		snprintf(buf, cap, "error unknown command or bad argument: %s",
			 cmd);
		return buf;
	}
	return "ok";
}

static void ctl_line(struct sim *s, struct ctl_client *c)
{
	char buf[512], out[600];
	int after = 0;
	const char *reply;
	ssize_t w;

	sim_trace_text('!', c->line, strlen(c->line));
	reply = ctl_exec(s, c->line, buf, sizeof(buf), &after);
	snprintf(out, sizeof(out), "%s\n", reply);
	w = write(c->fd, out, strlen(out));
	(void)w;
	if (after == 'r')
		sim_module_reset(s, "control");
	else if (after == 'h')
		sim_hangup(s);
	else if (after == 'q')
		s->quit = true;
}

static void ctl_read(struct sim *s, struct ctl_client *c)
{
	char tmp[256];
	ssize_t n = read(c->fd, tmp, sizeof(tmp));

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		close(c->fd);
		c->fd = -1;
		return;
	}
	for (ssize_t i = 0; i < n && c->fd >= 0; i++) {
		if (tmp[i] == '\r')
			continue;
		if (tmp[i] != '\n') {
			if (c->len < CTL_LINE_MAX - 1)
				c->line[c->len++] = tmp[i];
			continue;
		}
		c->line[c->len] = 0;
		c->len = 0;
		ctl_line(s, c);
	}
}

void sim_control_event(struct sim *s, struct pollfd *pfd, int n)
{
	struct sim_control *ctl = s->control;

	if (!ctl || !n)
		return;
	if (pfd[0].revents & POLLIN) {
		int fd = accept4(ctl->fd, NULL, NULL,
				 SOCK_NONBLOCK | SOCK_CLOEXEC);

		for (int i = 0; fd >= 0 && i < CTL_CLIENTS; i++) {
			if (ctl->c[i].fd < 0) {
				ctl->c[i].fd = fd;
				ctl->c[i].len = 0;
				fd = -1;
			}
		}
		if (fd >= 0)
			close(fd);	/* full */
	}
	for (int i = 0; i < CTL_CLIENTS; i++)
		if (pfd[1 + i].revents && ctl->c[i].fd >= 0)
			ctl_read(s, &ctl->c[i]);
}
