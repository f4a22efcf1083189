// SPDX-License-Identifier: GPL-2.0-only
// SPDX-FileCopyrightText: 2026 The ichip authors
/*
 * The module's socket interface (client handles 0..9) backed by real,
 * non-blocking host TCP sockets.  The module never reports socket events
 * by itself: data and peer close are only seen through SST/SCS/RP4/RP7/
 * SRCV, so all this file does unprompted is move bytes between the host
 * sockets and the per-handle buffers.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim.h"

#define SOCK_TX_MAX	(8u << 20)	/* host socket backlog before 208 */

static const char *const sock_cmds[] = {
	"STCP", "SST", "SCS", "SSND", "SRCV", "GPNM", "SDMP", "SFSH",
	"SCLS", "SSL", "RP4", "RP7",
};

bool sim_is_socket_cmd(const char *code)
{
	for (size_t i = 0; i < sizeof(sock_cmds) / sizeof(sock_cmds[0]); i++)
		if (!strcmp(code, sock_cmds[i]))
			return true;
	return false;
}

void sim_sockets_init(struct sim *s)
{
	memset(s->sock, 0, sizeof(s->sock));
	for (int i = 0; i < SIM_CLIENT_SOCKS; i++) {
		s->sock[i].fd = -1;
		s->sock[i].peer_fd = -1;
	}
}

static void close_fds(struct sim_sock *k)
{
	if (k->fd >= 0)
		close(k->fd);
	if (k->peer_fd >= 0)
		close(k->peer_fd);
	k->fd = k->peer_fd = -1;
}

void sim_sock_close(struct sim *s, int hn)
{
	struct sim_sock *k = &s->sock[hn];

	if (k->state == SOCK_FREE)
		return;
	sim_tls_close(s, hn);
	close_fds(k);
	buf_free(&k->rx);
	buf_free(&k->tx);
	buf_free(&k->last);
	memset(k, 0, sizeof(*k));
	k->fd = k->peer_fd = -1;
	if (s->busy && s->busy_hn == hn)
		sim_clear_busy(s);
}

void sim_sockets_close_all(struct sim *s)
{
	for (int i = 0; i < SIM_CLIENT_SOCKS; i++)
		sim_sock_close(s, i);
}

int sim_sock_open_count(struct sim *s)
{
	int n = 0;

	for (int i = 0; i < SIM_CLIENT_SOCKS; i++)
		n += s->sock[i].state != SOCK_FREE;
	return n;
}

/* The connection is gone: keep unread input, remember why. */
static void sock_down(struct sim *s, int hn, int err)
{
	struct sim_sock *k = &s->sock[hn];

	sim_dbg("socket %d down (%d)", hn, err);
	sim_tls_close(s, hn);
	close_fds(k);
	k->tx.len = 0;
	k->state = SOCK_DOWN;
	k->err = err;
}

static int sock_flush(struct sim *s, int hn)
{
	struct sim_sock *k = &s->sock[hn];

	while (k->tx.len) {
		ssize_t n = send(k->fd, k->tx.d, k->tx.len, MSG_NOSIGNAL);

		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return 0;
		if (n <= 0) {
			sock_down(s, hn, 203);
			return 203;
		}
		buf_drop(&k->tx, (size_t)n);
	}
	return 0;
}

/* ---- handle arguments ---- */

static int arg_handle(struct sim *s, const char *a, int *hn)
{
	unsigned long v;

	if (!*a)
		return 44;
	if (sim_parse_num(a, &v))
		return 44;
	if (v >= s->o->max_sockets || s->sock[v].state == SOCK_FREE)
		return 200;
	*hn = (int)v;
	return 0;
}

/* Parse "<hn>[,<extra>]"; @extra may be NULL when none is allowed. */
static int args_hn(struct sim *s, const struct sim_cmd *c, int *hn,
		   const char **extra)
{
	static char scratch[SIM_LINE_MAX + 1];
	char *v[3];
	char arg[SIM_LINE_MAX + 1];
	int n;

	if (c->op != ':')
		return 41;
	memcpy(arg, c->arg, c->arg_len);
	arg[c->arg_len] = 0;
	n = sim_split_args(arg, v, 3, scratch, sizeof(scratch));
	if (n < 1 || n > (extra ? 2 : 1))
		return n > 1 ? 45 : 44;
	if (extra)
		*extra = n == 2 ? v[1] : NULL;
	return arg_handle(s, v[0], hn);
}

/* ---- STCP ---- */

static int sock_bind_local(int fd, const struct addrinfo *ai,
			   unsigned long lport)
{
	struct sockaddr_storage ss;
	int one = 1;

	memset(&ss, 0, sizeof(ss));
	ss.ss_family = (sa_family_t)ai->ai_family;
	if (ai->ai_family == AF_INET)
		((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)lport);
	else
		((struct sockaddr_in6 *)&ss)->sin6_port =
			htons((uint16_t)lport);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	return bind(fd, (struct sockaddr *)&ss, ai->ai_addrlen);
}

static int stcp_connect(struct sim *s, int hn, const char *host,
			unsigned long port, unsigned long lport)
{
	struct sim_sock *k = &s->sock[hn];
	/*
	 * The module's own stack is IPv4 only: resolve as it does, so a host
	 * whose resolver lists ::1 first (Debian's /etc/hosts) still gets the
	 * 127.0.0.1 its test servers listen on.
	 */
	struct addrinfo hints = { .ai_family = AF_INET,
				  .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_NUMERICSERV };
	struct addrinfo *ai;
	char ps[24];
	int fd;

	snprintf(ps, sizeof(ps), "%lu", port);
	if (getaddrinfo(host, ps, &hints, &ai))
		return 207;
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    0);
	if (fd < 0) {
		freeaddrinfo(ai);
		return 207;
	}
	if (lport && sock_bind_local(fd, ai, lport)) {
		freeaddrinfo(ai);
		close(fd);
		return errno == EADDRINUSE ? 218 : 207;
	}
	memcpy(&k->peer, ai->ai_addr, ai->ai_addrlen);
	k->peer_len = ai->ai_addrlen;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) &&
	    errno != EINPROGRESS) {
		freeaddrinfo(ai);
		close(fd);
		return 203;
	}
	freeaddrinfo(ai);
	k->fd = fd;
	k->state = SOCK_CONNECTING;
	k->deadline_ns = sim_now_ns() +
			 (u64)s->o->connect_timeout_ms * 1000000;
	sim_set_busy(s, hn);
	return 0;
}

/* Fuzzing: a socketpair stands in for the network, connected at once. */
static int stcp_local(struct sim *s, int hn)
{
	struct sim_sock *k = &s->sock[hn];
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0,
		       sv))
		return 207;
	k->fd = sv[0];
	k->peer_fd = sv[1];
	k->peer.ss_family = AF_INET;
	k->peer_len = sizeof(struct sockaddr_in);
	k->state = SOCK_OPEN;
	s->online = true;
	sim_reply_line(s, "I/%0*d", (int)s->o->handle_width, hn);
	return 0;
}

static void cmd_stcp(struct sim *s, const struct sim_cmd *c)
{
	static char scratch[SIM_LINE_MAX + 1];
	char arg[SIM_LINE_MAX + 1];
	unsigned long port, lport = 0;
	char *v[4];
	int n, hn, err;

	if (c->op != ':') {
		sim_reply_err(s, 41);
		return;
	}
	memcpy(arg, c->arg, c->arg_len);
	arg[c->arg_len] = 0;
	n = sim_split_args(arg, v, 4, scratch, sizeof(scratch));
	if (n < 2 || n > 3 || !*v[0]) {
		sim_reply_err(s, n < 1 || !*v[0] ? 46 : n < 2 ? 52 : 45);
		return;
	}
	if (sim_parse_num(v[1], &port) || (n == 3 && sim_parse_num(v[2],
								    &lport))) {
		sim_reply_err(s, 44);
		return;
	}
	if (!port) {
		sim_reply_err(s, 42);
		return;
	}
	for (hn = 0; hn < (int)s->o->max_sockets; hn++)
		if (s->sock[hn].state == SOCK_FREE)
			break;
	if (hn == (int)s->o->max_sockets) {
		sim_reply_err(s, 204);
		return;
	}
	err = s->no_net ? stcp_local(s, hn) :
			  stcp_connect(s, hn, v[0], port, lport);
	if (err) {
		sim_sock_close(s, hn);
		sim_reply_err(s, err);
	}
}

static void connect_done(struct sim *s, int hn)
{
	struct sim_sock *k = &s->sock[hn];
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(k->fd, SOL_SOCKET, SO_ERROR, &err, &len) || err) {
		sim_dbg("socket %d connect: %s", hn, strerror(err));
		sim_sock_close(s, hn);
		sim_reply_err(s, 203);
		return;
	}
	k->state = SOCK_OPEN;
	s->online = true;
	sim_clear_busy(s);
	sim_reply_line(s, "I/%0*d", (int)s->o->handle_width, hn);
}

/* ---- status ---- */

/* Bytes waiting, or the negated error of a socket that is down. */
static long sock_status(struct sim *s, int hn)
{
	struct sim_sock *k = &s->sock[hn];

	if (hn >= (int)s->o->max_sockets || k->state == SOCK_FREE)
		return -200;
	if (k->rx.len)
		return (long)k->rx.len;
	return k->state == SOCK_DOWN ? -k->err : 0;
}

/* The RP4 list; also the report that follows a WAIT byte. */
void sim_rp4_line(struct sim *s, char *line, size_t cap)
{
	size_t n = 0;

	n += (size_t)snprintf(line + n, cap - n, "I/(");
	for (int i = 0; i < SIM_CLIENT_SOCKS && n < cap; i++)
		n += (size_t)snprintf(line + n, cap - n, "%s%ld",
				      i ? "," : "", sock_status(s, i));
	if (n < cap)
		snprintf(line + n, cap - n, ")");
}

static void cmd_rp4(struct sim *s)
{
	char line[160];

	sim_rp4_line(s, line, sizeof(line));
	sim_reply_line(s, "%s", line);
	if (s->o->rp_trailer)
		sim_reply_ok(s);	/* as the W24 RPi page has it */
}

static void cmd_rp7(struct sim *s)
{
	unsigned int map = 0;

	for (int i = 0; i < SIM_CLIENT_SOCKS; i++)
		if (s->sock[i].rx.len)
			map |= 1u << i;
	sim_reply_line(s, "I/%04X", map);
	if (s->o->rp_trailer)
		sim_reply_ok(s);
}

static void cmd_gpnm(struct sim *s, int hn)
{
	struct sim_sock *k = &s->sock[hn];
	char ip[INET6_ADDRSTRLEN] = "0.0.0.0";
	unsigned int port = 0;

	if (k->peer.ss_family == AF_INET) {
		struct sockaddr_in *a = (struct sockaddr_in *)&k->peer;

		inet_ntop(AF_INET, &a->sin_addr, ip, sizeof(ip));
		port = ntohs(a->sin_port);
	} else if (k->peer.ss_family == AF_INET6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&k->peer;

		inet_ntop(AF_INET6, &a->sin6_addr, ip, sizeof(ip));
		port = ntohs(a->sin6_port);
	}
	sim_reply_line(s, "I/(%s:%u)", ip, port);
}

/* ---- SRCV ---- */

static void reply_data(struct sim *s, const u8 *d, size_t n)
{
	char head[32];
	bool cksm = atoi(sim_param_get(&s->params, "CKSM")) == 1;

	snprintf(head, sizeof(head), "I/%zu:", n);
	sim_trace_data('<', head, d, n);
	sim_emit(s, head, strlen(head));
	sim_emit(s, d, n);
	if (cksm) {
		unsigned int sum = 0;
		u8 ck[2];

		for (size_t i = 0; i < n; i++)
			sum += d[i];
		sum = (0x10000 - (sum & 0xffff)) & 0xffff;
		ck[0] = (u8)(sum >> 8);
		ck[1] = (u8)sum;
		sim_emit(s, ck, 2);
	}
	if (s->o->srcv_crlf)
		sim_emit(s, "\r\n", 2);
}

static void cmd_srcv(struct sim *s, const struct sim_cmd *c, int hn,
		     const char *max_arg)
{
	struct sim_sock *k = &s->sock[hn];
	unsigned long max = SIM_RX_MAX_LIMIT;
	size_t n;

	if (max_arg && (sim_parse_num(max_arg, &max) || !max)) {
		sim_reply_err(s, max_arg[0] ? 42 : 44);
		return;
	}
	if (c->flag == '!' && k->last.len) {
		reply_data(s, k->last.d, k->last.len);
		return;
	}
	n = k->rx.len < max ? k->rx.len : max;
	if (!n) {
		if (k->state == SOCK_DOWN)
			sim_reply_err(s, k->err);
		else
			sim_reply_line(s, "I/0");
		return;
	}
	reply_data(s, k->rx.d, n);
	k->last.len = 0;
	buf_put(&k->last, k->rx.d, n, SIM_RX_MAX_LIMIT);
	buf_drop(&k->rx, n);
}

/* ---- SCLS ---- */

static void cmd_scls(struct sim *s, const struct sim_cmd *c, int hn)
{
	struct sim_sock *k = &s->sock[hn];

	if (k->state == SOCK_OPEN && !k->ssl && k->fd >= 0) {
		/* the module always flushes before closing */
		int fl = fcntl(k->fd, F_GETFL);

		fcntl(k->fd, F_SETFL, fl & ~O_NONBLOCK);
		sock_flush(s, hn);
	}
	sim_sock_close(s, hn);
	sim_reply_ok(s);
	if (!sim_sock_open_count(s) && c->flag != '!') {
		sim_session_end(s);
		sim_reply_line(s, "I/DONE");
	} else {
		sim_reply_line(s, "I/ONLINE");
	}
}

/* ---- SSL ---- */

static void cmd_ssl(struct sim *s, int hn)
{
	struct sim_sock *k = &s->sock[hn];
	int err;

	if (k->state != SOCK_OPEN) {
		sim_reply_err(s, 221);
		return;
	}
	for (int i = 0; i < SIM_CLIENT_SOCKS; i++) {
		if (s->sock[i].ssl) {
			sim_reply_err(s, 225);
			return;
		}
	}
	err = sim_tls_start(s, hn);
	if (err) {
		sim_reply_err(s, err);
		return;
	}
	k->state = SOCK_HANDSHAKE;
	k->ssl = true;
	k->deadline_ns = sim_now_ns() + (u64)s->o->tls_timeout_ms * 1000000;
	sim_set_busy(s, hn);
	/* may finish at once; otherwise the poll loop drives it */
	sim_sockets_event(s, hn, 0, sim_now_ns());
}

static void handshake_step(struct sim *s, int hn)
{
	int ret = sim_tls_handshake(s, hn);

	if (!ret)
		return;
	sim_clear_busy(s);
	if (ret < 0) {
		sock_down(s, hn, 203);
		s->sock[hn].ssl = false;
		sim_reply_err(s, -ret);
		return;
	}
	s->sock[hn].state = SOCK_OPEN;
	sim_reply_ok(s);
}

/* ---- dispatch ---- */

static void cmd_handle(struct sim *s, const struct sim_cmd *c, int hn,
		       const char *extra)
{
	struct sim_sock *k = &s->sock[hn];
	long st;

	if (!strcmp(c->code, "SRCV")) {
		cmd_srcv(s, c, hn, extra);
	} else if (!strcmp(c->code, "SST")) {
		sim_reply_line(s, "I/(%ld)", sock_status(s, hn));
	} else if (!strcmp(c->code, "SCS")) {
		st = k->state == SOCK_DOWN ? -k->err : 0;
		if (st)
			sim_reply_line(s, "I/(%ld)", st);
		else
			sim_reply_line(s, "I/(000)");
	} else if (!strcmp(c->code, "GPNM")) {
		cmd_gpnm(s, hn);
	} else if (!strcmp(c->code, "SDMP")) {
		k->rx.len = 0;
		sim_reply_ok(s);
	} else if (!strcmp(c->code, "SFSH")) {
		if (k->state == SOCK_DOWN || (k->fd >= 0 && sock_flush(s, hn)))
			sim_reply_err(s, k->err);
		else
			sim_reply_ok(s);
	} else if (!strcmp(c->code, "SCLS")) {
		cmd_scls(s, c, hn);
	} else if (!strcmp(c->code, "SSL")) {
		cmd_ssl(s, hn);
	}
}

void sim_cmd_socket(struct sim *s, const struct sim_cmd *c)
{
	const char *extra = NULL;
	int hn = -1, err;

	if (!strcmp(c->code, "STCP")) {
		cmd_stcp(s, c);
		return;
	}
	if (!strcmp(c->code, "RP4") || !strcmp(c->code, "RP7")) {
		if (c->op)
			sim_reply_err(s, 43);
		else if (c->code[2] == '4')
			cmd_rp4(s);
		else
			cmd_rp7(s);
		return;
	}
	if (!strcmp(c->code, "SSND")) {
		/* a well-formed SSND never gets here: the parser counts it */
		sim_reply_err(s, c->op == ':' ? 52 : 41);
		return;
	}
	err = args_hn(s, c, &hn, strcmp(c->code, "SRCV") ? NULL : &extra);
	if (err) {
		if (!strcmp(c->code, "SSL") && err == 200)
			err = 221;
		sim_reply_err(s, err);
		return;
	}
	cmd_handle(s, c, hn, extra);
}

/* ---- SSND, driven by the parser ---- */

int sim_ssnd_begin(struct sim *s, int hn, u64 sz, bool *buffered)
{
	struct sim_sock *k;

	*buffered = false;
	if (hn >= (int)s->o->max_sockets || s->sock[hn].state == SOCK_FREE)
		return 200;
	k = &s->sock[hn];
	if (k->state == SOCK_DOWN)
		return k->err;
	if (k->ssl) {
		*buffered = true;
		if (sz > SIM_SSL_SSND_MAX)
			return 227;
	}
	return 0;
}

int sim_ssnd_stream(struct sim *s, int hn, const u8 *p, size_t n)
{
	struct sim_sock *k = &s->sock[hn];

	if (k->state != SOCK_OPEN)
		return k->err ? k->err : 203;
	if (buf_put(&k->tx, p, n, SOCK_TX_MAX))
		return 208;
	return sock_flush(s, hn);
}

int sim_ssnd_end(struct sim *s, int hn, const u8 *p, size_t n, bool pct)
{
	struct sim_sock *k = &s->sock[hn];

	if (k->state != SOCK_OPEN)
		return k->err ? k->err : 203;
	if (k->ssl)
		return sim_tls_send(s, hn, p, n);
	if (p)
		return sim_ssnd_stream(s, hn, p, n);
	return 0;
}

/* ---- poll loop ---- */

int sim_sockets_pollfds(struct sim *s, struct pollfd *pfd, int *map,
			u64 *timeout_ns, u64 now)
{
	int n = 0;

	for (int i = 0; i < SIM_CLIENT_SOCKS; i++) {
		struct sim_sock *k = &s->sock[i];
		short ev = 0;

		if (k->fd < 0)
			continue;
		if (k->state == SOCK_CONNECTING) {
			ev = POLLOUT;
		} else if (k->state == SOCK_HANDSHAKE) {
			ev = sim_tls_want_write(s, i) ? POLLOUT : POLLIN;
		} else if (k->state == SOCK_OPEN) {
			if (k->rx.len < s->o->rx_max)
				ev |= POLLIN;
			if (k->tx.len)
				ev |= POLLOUT;
			if (k->ssl && sim_tls_pending(s, i) &&
			    k->rx.len < s->o->rx_max)
				*timeout_ns = 0;
		}
		if (k->state == SOCK_CONNECTING || k->state == SOCK_HANDSHAKE) {
			u64 left = k->deadline_ns > now ?
				   k->deadline_ns - now : 0;

			if (left < *timeout_ns)
				*timeout_ns = left;
		}
		pfd[n].fd = k->fd;
		pfd[n].events = ev;
		pfd[n].revents = 0;
		map[n++] = i;
	}
	return n;
}

static void sock_read(struct sim *s, int hn)
{
	struct sim_sock *k = &s->sock[hn];
	u8 tmp[4096];

	while (k->state == SOCK_OPEN && k->rx.len < s->o->rx_max) {
		size_t room = s->o->rx_max - k->rx.len;
		ssize_t n;

		if (room > sizeof(tmp))
			room = sizeof(tmp);
		if (k->ssl)
			n = sim_tls_recv(s, hn, tmp, room);
		else
			n = recv(k->fd, tmp, room, 0);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0) {
			sock_down(s, hn, 203);
			return;
		}
		buf_put(&k->rx, tmp, (size_t)n, s->o->rx_max);
	}
}

void sim_sockets_event(struct sim *s, int hn, short revents, u64 now)
{
	struct sim_sock *k = &s->sock[hn];

	switch (k->state) {
	case SOCK_CONNECTING:
		if (revents)
			connect_done(s, hn);
		break;
	case SOCK_HANDSHAKE:
		handshake_step(s, hn);
		break;
	case SOCK_OPEN:
		if (revents & POLLOUT)
			sock_flush(s, hn);
		if (revents & (POLLIN | POLLHUP | POLLERR) ||
		    (k->ssl && sim_tls_pending(s, hn)))
			sock_read(s, hn);
		break;
	default:
		break;
	}
}

void sim_sockets_timers(struct sim *s, u64 now)
{
	for (int i = 0; i < SIM_CLIENT_SOCKS; i++) {
		struct sim_sock *k = &s->sock[i];

		if (k->state == SOCK_OPEN && k->ssl && sim_tls_pending(s, i))
			sock_read(s, i);
		if (k->state != SOCK_CONNECTING && k->state != SOCK_HANDSHAKE)
			continue;
		if (now < k->deadline_ns)
			continue;
		sim_info("socket %d: %s timed out", i,
			 k->state == SOCK_CONNECTING ? "connect" : "handshake");
		if (k->state == SOCK_CONNECTING) {
			sim_sock_close(s, i);
			sim_reply_err(s, 203);
		} else {
			sim_clear_busy(s);
			sock_down(s, i, 203);
			k->ssl = false;
			sim_reply_err(s, 220);
		}
	}
}
