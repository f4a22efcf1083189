// SPDX-License-Identifier: GPL-2.0-only
// SPDX-FileCopyrightText: 2026 The ichip authors
/*
 * The session pump: bytes between the app's socketpair end and the module
 * socket (SSND out, SRCV in), through the TLS worker for host-tls.  Each
 * buffer is bounded; a full one stops the side that fills it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "device.h"
#include "ichip-dbus-members.h"
#include "ichip-dbus.h"
#include "log.h"
#include "manager.h"
#include "poller.h"
#include "session.h"
#include "tls-client.h"

/*
 * What one read from the app takes: for host-tls one TLS worker request
 * (WK_DATA_MAX less room for the header), so a bulk upload costs one
 * worker round trip per ~60 KiB, not per 16 KiB record (perf, issue 16).
 */
#define APP_READ_CHUNK		(60 * 1024)

/* ---- the pump ----------------------------------------------------------- */

static void update_io(struct session *s)
{
	uint32_t events = 0;

	if (s->state != SESSION_OPEN)
		return;
	/* read from the app only when a whole record fits towards the line */
	if (!s->app_eof &&
	    buf_room(&s->net_out, SESSION_NET_OUT_MAX) >= APP_READ_CHUNK + 1024)
		events |= EPOLLIN;
	if (s->app_out.len)
		events |= EPOLLOUT;
	sd_event_source_set_io_events(s->io, events);
}

static void on_ssnd(void *userdata, const struct xport_reply *r);

/* Why a failed SSND/SRCV ends the session, in Closed() reasons. */
static const char *reason_from_reply(const struct xport_reply *r)
{
	if (r->status == ICHIP_STATUS_FAILED)
		return r->err == EPIPE || r->err == ENODEV ? "device-lost" :
		       "timeout";
	/* checksum mode: the payload stayed corrupt through every retry */
	if (r->status == ICHIP_STATUS_CHECKSUM)
		return "line-errors";
	/* 200: the socket does not exist any more: the module was reset */
	if (r->status == ICHIP_STATUS_ERROR && r->module_error == 200)
		return "module-reset";
	/*
	 * 041-053: the module could not parse a command ichipd wrote whole
	 * (ichip_cmd_classify() checks each one): the line damaged it
	 */
	if (r->status == ICHIP_STATUS_ERROR && r->module_error >= 41 &&
	    r->module_error <= 53)
		return "line-errors";
	/* 203: socket down: the server closed or reset the connection */
	if (r->status == ICHIP_STATUS_ERROR && r->module_error == 203)
		return "peer-closed";
	return "module-error";
}

/*
 * A failed SSND/SRCV ends the session.  A timeout or an unexpected error
 * is not named at once: a module reset also loses the reply on the wire,
 * or answers the rest of an SSND payload as a bad command.  The next RP4
 * (after this command in the queue) tells a reset (-200: "module-reset")
 * from the reason the reply gave; see poller.c.  In the handshake too:
 * OpenSession then fails with DeviceError "module-reset" (Device1.rst).
 */
static void session_cmd_failed(struct session *s, const struct xport_reply *r)
{
	const char *reason = reason_from_reply(r);

	if ((s->state == SESSION_OPEN || s->state == SESSION_HANDSHAKE) &&
	    (!strcmp(reason, "timeout") || !strcmp(reason, "module-error") ||
	     !strcmp(reason, "line-errors"))) {
		s->failed = reason;
		poller_kick(s->d);
		return;
	}
	session_close(s, reason);
}

void send_to_module(struct session *s)
{
	size_t max = s->security == SECURITY_DEVICE_TLS ?
		     SESSION_SSND_SSL_MAX : SESSION_SSND_MAX;
	size_t n;
	char cmd[48];
	int r;

	/* over 256 bytes "iChip assumes host flow control" (at-plus-i.md §7) */
	if (s->d->flow == DEV_FLOW_NONE && max > SESSION_SSND_NOFLOW_MAX)
		max = SESSION_SSND_NOFLOW_MAX;
	/* checksum mode streams are 2048 bytes at most (error 227) */
	if (s->d->x->cksum && max > SESSION_SSND_SSL_MAX)
		max = SESSION_SSND_SSL_MAX;
	n = s->net_out.len < max ? s->net_out.len : max;

	if (s->send_down) {	/* nobody takes it: on_ssnd_refused() */
		buf_consume(&s->net_out, s->net_out.len);
		return;
	}
	if (s->ssnd_busy || !n || s->handle < 0 || s->peer_eof || s->failed)
		return;
	if (connect_barrier_up(s->d))
		return;		/* session-connect.c pumps after the answer */
	n = sched_grant(s, n);
	if (!n)
		return;		/* the turn comes: session-sched.c pumps */
	snprintf(cmd, sizeof(cmd), "AT+iSSND%%:%d,%zu", s->handle, n);
	r = xport_exec(s->d->x, cmd, s->net_out.data, n, 0, on_ssnd, s,
		       &s->ssnd_id);
	if (r < 0)
		return;	/* queue full: the next pump retries */
	s->ssnd_busy = true;
	s->ssnd_len = n;
	sched_took(s, n, SCHED_SSND);
}

/*
 * An SSND refused with 203: the peer closed (at-plus-i.md §6).  Nothing
 * more can be sent, but what the peer sent before it closed is still in
 * the module, and SRCV returns it until it is empty (then 203 as well):
 * closing the socket now would throw it away.  So stop sending and go on
 * fetching; the session ends peer-closed once every byte has reached the
 * app (session_pump).  The app's later writes fail with EPIPE, as on a
 * TCP socket whose peer has gone.
 */
static void on_ssnd_refused(struct session *s)
{
	s->send_down = true;
	buf_consume(&s->net_out, s->net_out.len);
	shutdown(s->fd, SHUT_RD);
	log_session(LOG_DEBUG, s->d->name, s->path + strlen(s->d->path) + 1,
		    "the peer closed: fetching what it sent");
}

/*
 * Checksum mode: an SSND whose answer the probe could not tell (one
 * answer, the ping's: ETIMEDOUT, ichip_cmdq_core.h).  The module either
 * sent the data and the line lost its answer, or never saw the command
 * (a byte of its "AT+i" lost: it ignores the line), and the second is
 * the likelier by far (checksum mode mends an answer one fault damaged).
 * A host-tls session sends it again: a copy the module did send reaches
 * the server as a replayed TLS record, which the server's TLS refuses,
 * so the session ends as it would have (tls-error for timeout), while
 * data the module never saw is saved.  Never plain or device-tls data:
 * a copy would reach the peer as data.  Bounded per session.
 */
#define SSND_AGAIN_MAX	8

static bool ssnd_may_go_again(const struct session *s,
			      const struct xport_reply *r)
{
	return r->status == ICHIP_STATUS_FAILED && r->err == ETIMEDOUT &&
	       s->d->x->cksum && s->security == SECURITY_HOST_TLS &&
	       s->ssnd_again < SSND_AGAIN_MAX;
}

static void on_ssnd(void *userdata, const struct xport_reply *r)
{
	struct session *s = userdata;
	struct device *d = s->d;	/* the pump may free s */

	s->ssnd_busy = false;
	sched_done(s, SCHED_SSND);
	if (ssnd_may_go_again(s, r)) {
		s->ssnd_again++;
		log_session(LOG_INFO, d->name, s->path + strlen(d->path) + 1,
			    "an SSND's answer lost: sent again (TLS refuses a copy)");
		if (s->state == SESSION_HANDSHAKE)
			send_to_module(s);
		else
			session_pump(s);
		return;
	}
	if (r->status == ICHIP_STATUS_ERROR && r->module_error == 203 &&
	    s->state == SESSION_OPEN) {
		on_ssnd_refused(s);
		session_pump(s);
		poller_kick(d);
		return;
	}
	if (r->status != ICHIP_STATUS_OK) {
		session_cmd_failed(s, r);
		return;
	}
	buf_consume(&s->net_out, s->ssnd_len);
	/* a handshake record may take more than one SSND (256 bytes) */
	if (s->state == SESSION_HANDSHAKE)
		send_to_module(s);
	else
		session_pump(s);
	poller_kick(d);		/* an answer is likely on its way */
}

/* Plaintext from the app towards the module (TLS-encrypted if host-tls). */
static int from_app(struct session *s)
{
	uint8_t chunk[APP_READ_CHUNK];
	ssize_t n;
	int r;

	/*
	 * Drained: nothing to read until epoll says so (a read per pump
	 * would be an EAGAIN per SRCV answer in a download; issue 16).
	 */
	while (!s->app_eof && !s->app_drained &&
	       buf_room(&s->net_out, SESSION_NET_OUT_MAX) >= sizeof(chunk) + 1024) {
		n = read(s->fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EAGAIN)
			s->app_drained = true;
		if (n < 0)
			return errno == EAGAIN || errno == EINTR ? 0 : -errno;
		if (n == 0) {
			s->app_eof = true;
			break;
		}
		s->bytes_out += (uint64_t)n;
		s->d->counters.session_bytes_out += (uint64_t)n;
		sd_event_now(s->d->m->event, CLOCK_MONOTONIC, &s->last_active);
		if (s->security != SECURITY_HOST_TLS) {
			if (buf_append(&s->net_out, chunk, (size_t)n) < 0)
				return -ENOMEM;
			continue;
		}
		/* the worker encrypts (a short record send is no error) */
		r = session_tls_send(s, chunk, (size_t)n);
		if (r < 0)
			return r;
	}
	/* the app is done sending: tell the server (TLS close_notify) */
	if (s->app_eof && s->security == SECURITY_HOST_TLS && !s->bye_sent) {
		session_tls_bye(s);
		s->bye_sent = true;
	}
	return 0;
}

/*
 * Bulk ciphertext with more on its way (an SRCV in flight): decrypt it
 * together with what that brings, one worker request per three SRCVs
 * of a module's 16 KiB (issue 16: a third fewer worker round trips).
 * Small amounts (interactive traffic) are decrypted at once.
 */
static bool decrypt_later(const struct session *s)
{
	return s->srcv_busy && !s->peer_eof &&
	       s->net_in.len >= SESSION_SRCV_BULK &&
	       s->net_in.len < 2 * SESSION_SRCV_BULK_BATCH;
}

/* Bytes from the module towards the app (decrypted if host-tls). */
static int to_app(struct session *s)
{
	ssize_t n;
	int r;

	if (s->security != SECURITY_HOST_TLS) {
		if (buf_append(&s->app_out, s->net_in.data, s->net_in.len) < 0)
			return -ENOMEM;
		buf_consume(&s->net_in, s->net_in.len);
	} else if (buf_room(&s->app_out, SESSION_APP_OUT_MAX) >= 16384 &&
		   !s->tls_ended && (s->net_in.len || s->peer_eof) &&
		   !decrypt_later(s)) {
		/* the worker decrypts what fits, and says how it ended */
		r = session_tls_recv(s);
		if (r == -ESHUTDOWN)
			return r;
		if (r < 0)
			return -EPROTO;
		if (r == WK_RECV_CLOSE_NOTIFY) {
			s->peer_eof = s->tls_ended = true;
		} else if (r == WK_RECV_TRUNCATED) {
			/* TCP ended without close_notify: maybe cut off */
			s->truncated = s->tls_ended = true;
		}
	}
	while (s->app_out.len) {
		n = write(s->fd, s->app_out.data, s->app_out.len);
		if (n < 0)
			return errno == EAGAIN || errno == EINTR ? 0 : -errno;
		s->bytes_in += (uint64_t)n;
		s->d->counters.session_bytes_in += (uint64_t)n;
		sd_event_now(s->d->m->event, CLOCK_MONOTONIC, &s->last_active);
		buf_consume(&s->app_out, (size_t)n);
	}
	return 0;
}

void session_pump(struct session *s)
{
	int r;

	if (s->state != SESSION_OPEN)
		return;
	if (s->app_gone) {
		/*
		 * Nobody to deliver to: send what the app wrote before it
		 * closed, then close.  Reads resume as SSNDs complete (a closed
		 * socket would wake epoll forever).
		 */
		sd_event_source_set_enabled(s->io, SD_EVENT_OFF);
		if (from_app(s) < 0) {
			session_close(s, "app-closed");
			return;
		}
		send_to_module(s);
		if (s->app_eof && !s->ssnd_busy &&
		    (!s->net_out.len || s->peer_eof))
			session_close(s, "app-closed");
		return;
	}
	/* the next SRCV first: the line works while the worker decrypts */
	if (s->module_avail > 0 && session_wants_data(s))
		session_srcv(s, session_srcv_size(s));
	r = to_app(s);
	if (r == -EPIPE || r == -ECONNRESET) {
		session_close(s, "app-closed");
		return;
	}
	if (r < 0) {
		session_close(s, r == -EPROTO ? "tls-error" :
			      r == -ESHUTDOWN ? "worker-crashed" :
			      "module-error");
		return;
	}
	r = from_app(s);
	if (r < 0) {
		session_close(s, r == -EIO ? "tls-error" :
			      r == -ESHUTDOWN ? "worker-crashed" :
			      "app-closed");
		return;
	}
	send_to_module(s);
	/* everything the server sent has reached the app: done */
	if (s->peer_eof && !s->net_in.len && !s->app_out.len &&
	    !s->srcv_busy) {
		session_close(s, s->truncated ? "truncated" : "peer-closed");
		return;
	}
	/* RP4 said more is waiting: fetch it without another poll round */
	if (s->module_avail > 0 && session_wants_data(s))
		session_srcv(s, session_srcv_size(s));
	update_io(s);
}

bool session_wants_data(const struct session *s)
{
	return s->handle >= 0 && !s->srcv_busy && !s->failed &&
	       s->state != SESSION_CLOSED &&
	       buf_room(&s->net_in, SESSION_NET_IN_MAX) >= 4096 &&
	       buf_room(&s->app_out, SESSION_APP_OUT_MAX) >= 65536;
}


static void on_srcv(void *userdata, const struct xport_reply *r)
{
	struct session *s = userdata;
	struct device *d = s->d;	/* the pump may free s */

	s->srcv_busy = false;
	sched_done(s, SCHED_SRCV);
	if (r->status == ICHIP_STATUS_ERROR && r->module_error == 203) {
		s->peer_eof = true;
	} else if (r->status != ICHIP_STATUS_OK) {
		session_cmd_failed(s, r);
		return;
	} else if (buf_append(&s->net_in, r->data, r->data_len) < 0) {
		session_close(s, "module-error");
		return;
	}
	/*
	 * A bulk answer: the stream goes on, ask again without waiting for
	 * an RP4 (I/0 if it did not).  Else less than asked for: nothing
	 * more waits until the next poll.
	 */
	if (r->data_len >= SESSION_SRCV_BULK && s->state == SESSION_OPEN)
		s->module_avail = SESSION_NET_IN_MAX;
	else if (r->data_len < s->srcv_len)
		s->module_avail = 0;
	else
		s->module_avail -= (int64_t)r->data_len;
	if (s->state == SESSION_HANDSHAKE)
		handshake_step(s);
	else
		session_pump(s);
	poller_answered(d);	/* the stream paused: the held poll goes */
}

/* How much one SRCV should ask for: what waits, what fits, what is allowed. */
size_t session_srcv_size(const struct session *s)
{
	size_t want = (size_t)s->module_avail;
	size_t room = buf_room(&s->net_in, SESSION_NET_IN_MAX);

	if (want > room)
		want = room;
	/*
	 * Checksum mode: a damaged payload is fetched again whole (AT+i!SRCV
	 * re-sends the same bytes), and one of 16 KiB on a line that flips
	 * 1 byte in 10^4 is damaged 4 times in 5; 2 KiB, as SSND's limit,
	 * almost never 4 times in a row.  On a line clean for a minute, 8 KiB:
	 * at 2 KiB the command, its echo and the turn per SRCV cost 3 % of a
	 * download; the first damage brings 2 KiB back.
	 */
	if (s->d->x->cksum && want > SESSION_SSND_SSL_MAX)
		want = device_line_calm(s->d) ?
		       (want > SESSION_SRCV_CKSUM_CALM ?
			SESSION_SRCV_CKSUM_CALM : want) :
		       SESSION_SSND_SSL_MAX;
	return want > ICHIP_DATA_LEN_MAX ? ICHIP_DATA_LEN_MAX : want;
}

bool session_srcv(struct session *s, size_t max)
{
	char cmd[48];

	if (connect_barrier_up(s->d))
		return false;	/* session-connect.c pumps after the answer */
	max = sched_grant(s, max);
	if (!max)
		return false;	/* the turn comes: session-sched.c pumps */
	snprintf(cmd, sizeof(cmd), "AT+iSRCV:%d,%zu", s->handle, max);
	if (xport_exec(s->d->x, cmd, NULL, 0, 0, on_srcv, s, &s->srcv_id) < 0)
		return false;
	s->srcv_busy = true;
	s->srcv_len = max;
	sched_took(s, max, SCHED_SRCV);
	return true;
}

/* RP4 reported a negative state for our socket. */
void session_socket_gone(struct session *s, int code)
{
	if (code == -200) {	/* no such socket: the module was reset */
		session_close(s, "module-reset");
		return;
	}
	s->peer_eof = true;
	if (s->state == SESSION_HANDSHAKE)
		handshake_step(s);
	else
		session_pump(s);
}

/* A closed session: discard what the app still writes, end at its close. */
static void lingering_io(struct session *s, uint32_t events)
{
	uint8_t sink[4096];
	ssize_t n = 1;
	int i;

	for (i = 0; i < 16 && n > 0; i++)
		n = read(s->fd, sink, sizeof(sink));
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR) ||
	    (events & (EPOLLHUP | EPOLLERR)))
		session_free(s);
}

int on_app_io(sd_event_source *src, int fd, uint32_t events,
	      void *userdata)
{
	struct session *s = userdata;

	if (s->state == SESSION_CLOSED) {
		lingering_io(s, events);
		return 0;
	}

	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR))
		s->app_drained = false;
	/* the app closed its end: take what it wrote, send it, then close */
	if ((events & (EPOLLHUP | EPOLLERR)) && !s->app_gone) {
		s->app_gone = true;
		sd_bus_emit_properties_changed(s->d->m->bus, s->path,
					       ICHIP_SESSION_IFACE,
					       ICHIP_SESSION1_STATE,
					       NULL);
	}
	session_pump(s);
	return 0;
}
