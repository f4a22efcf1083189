// SPDX-License-Identifier: GPL-2.0-only
// SPDX-FileCopyrightText: 2026 The ichip authors
/*
 * ichipctl connect: OpenSession, then copy stdin to the session fd and
 * the session fd to stdout until the session ends, like socat or
 * gnutls-cli.  The session fd carries plaintext; ichipd does the TLS.
 *
 * Stdin EOF half-closes (shutdown SHUT_WR), so the server still gets to
 * answer; the session fd's EOF ends the copy.  Both directions are
 * buffered and the session fd is non-blocking, so a slow reader on one
 * side never stops the other direction.  The close reason, when it says
 * something went wrong, sets the exit code: read from the session's
 * CloseReason after the fd's EOF (ichipd keeps the closed object until
 * we close the fd), else from the Closed signal.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ichipctl.h"

#define BRIDGE_BUF (64 * 1024)
/* How long to wait for Closed after the fd ended: it is sent first. */
#define CLOSED_WAIT_USEC (500 * 1000)

struct target {
	char host[256];
	uint16_t port;
};

struct session_watch {
	char *path;		/* the session's object path */
	char *reason;		/* Closed(reason), once seen */
};

struct bridge {
	int sfd;
	char in[BRIDGE_BUF];	/* stdin -> session */
	size_t in_len, in_off;
	bool in_eof, shut_sent;
	char out[BRIDGE_BUF];	/* session -> stdout */
	size_t out_len, out_off;
	bool sess_eof;
};

/* HOST:PORT, [IPV6]:PORT. */
static int parse_target(const char *arg, struct target *t)
{
	const char *colon, *host = arg;
	size_t hlen;
	char *end;
	long port;

	if (arg[0] == '[') {
		end = strchr(arg, ']');
		if (!end || end[1] != ':')
			return ctl_usage_err("connect: '%s': expected [ADDRESS]:PORT",
					     arg);
		host = arg + 1;
		hlen = (size_t)(end - host);
		colon = end + 1;
	} else {
		colon = strrchr(arg, ':');
		if (!colon)
			return ctl_usage_err("connect: '%s': expected HOST:PORT",
					     arg);
		if (memchr(arg, ':', (size_t)(colon - arg)))
			return ctl_usage_err("connect: '%s': write IPv6 addresses "
					     "as [ADDRESS]:PORT", arg);
		hlen = (size_t)(colon - arg);
	}
	errno = 0;
	port = strtol(colon + 1, &end, 10);
	if (!hlen || hlen >= sizeof(t->host))
		return ctl_usage_err("connect: '%s': bad host", arg);
	if (errno || end == colon + 1 || *end || port < 1 || port > 65535)
		return ctl_usage_err("connect: '%s': port must be 1..65535",
				     arg);
	memcpy(t->host, host, hlen);
	t->host[hlen] = '\0';
	t->port = (uint16_t)port;
	return EXIT_OK;
}

static int append_options(sd_bus_message *m, const struct ctl *c)
{
	const char *security = "host-tls";
	int r;

	if (ctl_has(c, OPT_PLAIN))
		security = "plain";
	else if (ctl_has(c, OPT_LEGACY_DEVICE_TLS))
		security = "device-tls";
	r = sd_bus_message_open_container(m, 'a', "{sv}");
	if (r >= 0)
		r = sd_bus_message_append(m, "{sv}", "security", "s", security);
	/* the module's TLS 1.0 is weak: asking for it is an explicit act */
	if (r >= 0 && ctl_has(c, OPT_LEGACY_DEVICE_TLS))
		r = sd_bus_message_append(m, "{sv}", "allow-legacy-tls", "b", 1);
	if (r >= 0 && ctl_has(c, OPT_SYSTEM_TRUST))
		r = sd_bus_message_append(m, "{sv}", "system-trust", "b", 1);
	if (r >= 0 && ctl_has(c, OPT_CONNECT_TIMEOUT))
		r = sd_bus_message_append(m, "{sv}", "timeout-ms", "u",
					  c->connect_timeout_ms);
	if (r >= 0)
		r = sd_bus_message_close_container(m);
	return r;
}

static int on_closed(sd_bus_message *m, void *userdata, sd_bus_error *e)
{
	struct session_watch *w = userdata;
	const char *reason;

	if (!w->path || strcmp(sd_bus_message_get_path(m), w->path))
		return 0;
	if (sd_bus_message_read(m, "s", &reason) > 0 && !w->reason)
		w->reason = strdup(reason);
	return 0;
}

/*
 * The D-Bus timeout of OpenSession covers connect and handshake over a
 * slow serial line: longer than sd-bus's 25 s default unless asked.
 */
static uint64_t open_timeout_usec(const struct ctl *c)
{
	if (ctl_has(c, OPT_TIMEOUT))
		return c->timeout_usec;
	if (ctl_has(c, OPT_CONNECT_TIMEOUT))
		return (uint64_t)c->connect_timeout_ms * 1000 + 10000000;
	return 120ULL * 1000000;
}

static int open_session(struct ctl *c, const char *path, const char *name,
			const struct target *t, struct session_watch *w,
			int *fd)
{
	sd_bus_error e = SD_BUS_ERROR_NULL;
	sd_bus_message *m = NULL, *reply = NULL;
	const char *spath;
	char what[300];
	int r, sfd;

	r = ctl_new_call(c, &m, path, ICHIP_DEVICE_IFACE,
			 ICHIP_DEVICE1_OPEN_SESSION);
	if (r)
		return r;
	sd_bus_message_set_allow_interactive_authorization(m, 1);
	r = sd_bus_message_append(m, "sq", t->host, t->port);
	if (r >= 0)
		r = append_options(m, c);
	snprintf(what, sizeof(what), "%s: connecting to %s port %u", name,
		 t->host, t->port);
	if (r >= 0)
		r = sd_bus_call(c->bus, m, open_timeout_usec(c), &e, &reply);
	sd_bus_message_unref(m);
	if (r < 0) {
		r = ctl_bus_fail(what, &e, r);
		sd_bus_error_free(&e);
		return r;
	}
	r = sd_bus_message_read(reply, "oh", &spath, &sfd);
	if (r > 0) {
		/* the fd belongs to the message: keep our own copy */
		*fd = fcntl(sfd, F_DUPFD_CLOEXEC, 3);
		w->path = strdup(spath);
	}
	sd_bus_message_unref(reply);
	if (r <= 0 || *fd < 0 || !w->path) {
		ctl_err("%s: bad OpenSession reply", what);
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

static int print_session_info(struct ctl *c, const char *dev,
			      const char *spath)
{
	sd_bus_message *reply = NULL;
	struct json j;
	int r;

	r = ctl_get_all(c, spath, ICHIP_SESSION_IFACE, &reply);
	if (r)
		return r;
	/* stdout is the data stream: the description goes to stderr */
	json_init(&j, stderr);
	json_object_begin(&j);
	json_key(&j, "Path");
	json_string(&j, spath);
	json_key(&j, "Device");
	json_string(&j, dev);
	r = ctl_print_props(reply, &j);
	json_object_end(&j);
	json_finish(&j);
	sd_bus_message_unref(reply);
	if (r < 0) {
		ctl_err("%s: malformed property reply", spath);
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

/* ---- the copy loop ------------------------------------------------------ */

static int stdin_read(struct bridge *b)
{
	ssize_t n = read(STDIN_FILENO, b->in, sizeof(b->in));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (n < 0) {
		ctl_err("reading stdin: %s", strerror(errno));
		return EXIT_FAIL;
	}
	if (n == 0)
		b->in_eof = true;
	b->in_len = (size_t)n;
	b->in_off = 0;
	return 0;
}

static void session_write(struct bridge *b)
{
	ssize_t n = send(b->sfd, b->in + b->in_off, b->in_len - b->in_off,
			 MSG_NOSIGNAL | MSG_DONTWAIT);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n < 0) {
		/* ichipd closed its end: nothing more can be sent */
		b->in_eof = true;
		b->in_len = b->in_off = 0;
		return;
	}
	b->in_off += (size_t)n;
	if (b->in_off == b->in_len)
		b->in_len = b->in_off = 0;
}

static void session_read(struct bridge *b)
{
	ssize_t n = recv(b->sfd, b->out, sizeof(b->out), MSG_DONTWAIT);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		b->sess_eof = true;
		return;
	}
	b->out_len = (size_t)n;
	b->out_off = 0;
}

static int stdout_write(struct bridge *b)
{
	ssize_t n = write(STDOUT_FILENO, b->out + b->out_off,
			  b->out_len - b->out_off);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n < 0) {
		ctl_err("writing stdout: %s", strerror(errno));
		return EXIT_FAIL;
	}
	b->out_off += (size_t)n;
	if (b->out_off == b->out_len)
		b->out_len = b->out_off = 0;
	return 0;
}

static void setup_poll(const struct bridge *b, sd_bus *bus,
		       struct pollfd *p)
{
	p[0] = (struct pollfd){ .fd = -1, .events = POLLIN };
	if (!b->in_eof && !b->in_len)
		p[0].fd = STDIN_FILENO;
	p[1] = (struct pollfd){ .fd = -1 };
	if (b->in_len)
		p[1].events |= POLLOUT;
	if (!b->sess_eof && !b->out_len)
		p[1].events |= POLLIN;
	if (p[1].events)
		p[1].fd = b->sfd;
	p[2] = (struct pollfd){ .fd = b->out_len ? STDOUT_FILENO : -1,
				.events = POLLOUT };
	p[3] = (struct pollfd){ .fd = sd_bus_get_fd(bus),
				.events = (short)sd_bus_get_events(bus) };
}

static int pump_bus(sd_bus *bus)
{
	int r;

	while ((r = sd_bus_process(bus, NULL)) > 0)
		;
	return r;
}

static int bridge_run(struct bridge *b, sd_bus *bus)
{
	struct pollfd p[4];
	int r;

	while (!b->sess_eof || b->out_len) {
		setup_poll(b, bus, p);
		if (poll(p, 4, -1) < 0) {
			if (errno == EINTR)
				continue;
			ctl_err("poll: %s", strerror(errno));
			return EXIT_FAIL;
		}
		r = p[0].revents ? stdin_read(b) : 0;
		if (r)
			return r;
		if (p[1].revents & (POLLOUT | POLLERR | POLLHUP) && b->in_len)
			session_write(b);
		if (b->in_eof && !b->in_len && !b->shut_sent) {
			shutdown(b->sfd, SHUT_WR);
			b->shut_sent = true;
		}
		if (p[1].revents & (POLLIN | POLLERR | POLLHUP) && !b->out_len)
			session_read(b);
		r = p[2].revents ? stdout_write(b) : 0;
		if (r)
			return r;
		if (p[3].revents)
			pump_bus(bus);
	}
	return EXIT_OK;
}

/* The exit code a Closed reason stands for; a clean end is 0. */
static int closed_reason_code(const char *name, const char *reason)
{
	static const char *const clean[] = {
		"closed", "app-closed", "peer-closed",
	};
	/* not clean: a host-tls stream cut off without close_notify */
	size_t i;

	if (!reason)
		return EXIT_OK;
	for (i = 0; i < ARRAY_SIZE(clean); i++)
		if (!strcmp(reason, clean[i]))
			return EXIT_OK;
	ctl_err("%s: session closed: %s", name, reason);
	return strcmp(reason, "tls-error") && strcmp(reason, "truncated") ?
	       EXIT_DEVICE : EXIT_TLS;
}

static void wait_closed(sd_bus *bus, struct session_watch *w)
{
	int i;

	for (i = 0; i < 10; i++) {
		if (pump_bus(bus) < 0 || w->reason)
			return;
		sd_bus_wait(bus, CLOSED_WAIT_USEC / 10);
	}
}

/* The closed session stays until our fd closes: ask it why it ended. */
static void read_close_reason(struct ctl *c, struct session_watch *w)
{
	sd_bus_error e = SD_BUS_ERROR_NULL;
	char *reason = NULL;
	int r;

	r = sd_bus_get_property_string(c->bus, ICHIP_BUS_NAME, w->path,
				       ICHIP_SESSION_IFACE,
				       ICHIP_SESSION1_CLOSE_REASON, &e,
				       &reason);
	sd_bus_error_free(&e);
	if (r < 0 || !reason || !reason[0]) {
		free(reason);
		return;
	}
	free(w->reason);
	w->reason = reason;
}

int cmd_connect(struct ctl *c)
{
	struct session_watch w = { 0 };
	sd_bus_slot *slot = NULL;
	char *path = NULL, *name = NULL;
	struct bridge *b = NULL;
	struct target t;
	int r, fd = -1;

	if (ctl_has(c, OPT_PLAIN) && ctl_has(c, OPT_LEGACY_DEVICE_TLS))
		return ctl_usage_err("connect: --plain and --legacy-device-tls "
				     "exclude each other");
	r = parse_target(c->args[0], &t);
	if (r)
		return r;
	r = ctl_pick_device(c, c->device, &path, &name);
	if (r)
		return r;
	/* before OpenSession: a session that ends at once must not be missed */
	if (sd_bus_match_signal(c->bus, &slot, ICHIP_BUS_NAME, NULL,
				ICHIP_SESSION_IFACE,
				ICHIP_SESSION1_CLOSED, on_closed,
				&w) < 0)
		slot = NULL;	/* only the exit code gets less precise */
	r = open_session(c, path, name, &t, &w, &fd);
	if (!r && ctl_has(c, OPT_JSON))
		r = print_session_info(c, name, w.path);
	else if (!r && isatty(STDERR_FILENO))
		fprintf(stderr, "ichipctl: connected to %s port %u via %s\n",
			t.host, t.port, name);
	if (r)
		goto out;
	b = calloc(1, sizeof(*b));
	if (!b) {
		ctl_err("out of memory");
		r = EXIT_FAIL;
		goto out;
	}
	b->sfd = fd;
	/* a closed stdout is an error to report, not a silent death */
	signal(SIGPIPE, SIG_IGN);
	r = bridge_run(b, c->bus);
	if (!r)
		read_close_reason(c, &w);
	close(fd);
	fd = -1;
	if (!r && !w.reason && slot)
		wait_closed(c->bus, &w);
	if (!r)
		r = closed_reason_code(name, w.reason);
out:
	if (fd >= 0)
		close(fd);
	sd_bus_slot_unref(slot);
	free(b);
	free(w.path);
	free(w.reason);
	free(path);
	free(name);
	return r;
}
