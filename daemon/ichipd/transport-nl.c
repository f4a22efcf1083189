// SPDX-License-Identifier: GPL-2.0-only
// SPDX-FileCopyrightText: 2026 The ichip authors
/*
 * Kernel transport: n_ichip owns the line; ichipd attaches it to the tty
 * it holds open and talks generic netlink.  EXEC answers a cookie (matched
 * to our request by sequence number), the RESULT comes later (matched by
 * cookie).  The events group tells about hangups and unsolicited lines.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include "log.h"
#include "transport.h"

struct nl_pending {
	struct nl_pending *next;
	uint64_t id;
	uint32_t seq;
	uint64_t cookie;
	bool have_cookie;
	xport_done_fn done;
	void *userdata;
};

struct xport_nl {
	struct xport x;
	sd_event *event;
	int tty_fd;
	bool attached;		/* we set the ldisc: undo it on failure */
	uint32_t index;
	struct nl_sock *sk;	/* EXEC, RESULT, events: on the event loop */
	struct nl_sock *sync;	/* DEV_GET, answered at once by the kernel */
	struct nl_cb *cb;
	int family;
	sd_event_source *io;
	struct nl_pending *pending;
	uint64_t next_id;
	bool dead;
	unsigned int dispatching;
	bool free_pending;
};

/* The ldisc number n_ichip registered, from /proc/tty/ldiscs. */
static int ichip_ldisc_number(void)
{
	FILE *f = fopen("/proc/tty/ldiscs", "re");
	char name[64];
	int num, found = -ENOENT;

	if (!f)
		return -errno;
	while (fscanf(f, "%63s %d", name, &num) == 2)
		if (!strcmp(name, "n_ichip"))
			found = num;
	fclose(f);
	return found;
}

static struct nl_pending *take(struct xport_nl *t, bool by_cookie,
			       uint64_t key)
{
	struct nl_pending **pp, *p;

	for (pp = &t->pending; (p = *pp); pp = &p->next) {
		if (by_cookie ? (p->have_cookie && p->cookie == key) :
				(!p->have_cookie && p->seq == key)) {
			*pp = p->next;
			return p;
		}
	}
	return NULL;
}

static struct nl_pending *find_seq(struct xport_nl *t, uint32_t seq)
{
	struct nl_pending *p;

	for (p = t->pending; p; p = p->next)
		if (!p->have_cookie && p->seq == seq)
			return p;
	return NULL;
}

static void deliver(struct xport_nl *t, struct nl_pending *p,
		    const struct xport_reply *r)
{
	if (p->done && !t->dead) {
		t->dispatching++;
		p->done(p->userdata, r);
		t->dispatching--;
	}
	free(p);
}

static void lost(struct xport_nl *t, int err)
{
	struct xport_reply r = {
		.status = ICHIP_STATUS_FAILED, .err = err, .text = "",
	};
	struct nl_pending *p;

	if (t->dead)
		return;
	while ((p = t->pending)) {
		t->pending = p->next;
		deliver(t, p, &r);
	}
	t->dead = true;
	if (t->x.ev->lost)
		t->x.ev->lost(t->x.owner, err);
}

static void on_result(struct xport_nl *t, struct nlattr **tb)
{
	struct xport_reply r = { .text = "" };
	struct nl_pending *p;

	if (!tb[ICHIP_A_COOKIE])
		return;
	p = take(t, true, nla_get_u64(tb[ICHIP_A_COOKIE]));
	if (!p)
		return;
	r.status = tb[ICHIP_A_STATUS] ? nla_get_u32(tb[ICHIP_A_STATUS]) : 0;
	r.err = tb[ICHIP_A_ERRNO] ? (int)nla_get_u32(tb[ICHIP_A_ERRNO]) : 0;
	if (tb[ICHIP_A_MODULE_ERROR])
		r.module_error = nla_get_u32(tb[ICHIP_A_MODULE_ERROR]);
	if (tb[ICHIP_A_TEXT] && nla_len(tb[ICHIP_A_TEXT]) > 0) {
		r.text = nla_data(tb[ICHIP_A_TEXT]);
		r.text_len = strnlen(r.text, (size_t)nla_len(tb[ICHIP_A_TEXT]));
		if (r.text_len == (size_t)nla_len(tb[ICHIP_A_TEXT]))
			r.text = "", r.text_len = 0;	/* not terminated */
	}
	if (tb[ICHIP_A_DATA]) {
		r.data = nla_data(tb[ICHIP_A_DATA]);
		r.data_len = (size_t)nla_len(tb[ICHIP_A_DATA]);
	}
	deliver(t, p, &r);
}

static void on_dev_event(struct xport_nl *t, uint8_t cmd, struct nlattr **tb)
{
	uint32_t event, state;

	if (!tb[ICHIP_A_DEV_INDEX] ||
	    nla_get_u32(tb[ICHIP_A_DEV_INDEX]) != t->index)
		return;
	if (cmd == ICHIP_CMD_DEV_DEL) {
		lost(t, ENODEV);
		return;
	}
	event = tb[ICHIP_A_EVENT] ? nla_get_u32(tb[ICHIP_A_EVENT]) : 0;
	state = tb[ICHIP_A_DEV_STATE] ? nla_get_u32(tb[ICHIP_A_DEV_STATE]) : 0;
	if (event == ICHIP_DEV_EVENT_UNSOLICITED && tb[ICHIP_A_TEXT] &&
	    t->x.ev->unsolicited)
		t->x.ev->unsolicited(t->x.owner, nla_get_string(tb[ICHIP_A_TEXT]));
	if (event == ICHIP_DEV_EVENT_STATE && state && t->x.ev->state)
		t->x.ev->state(t->x.owner, state);
	if (state == ICHIP_DEV_STATE_HUNGUP)
		lost(t, EPIPE);
}

static int on_valid(struct nl_msg *msg, void *arg)
{
	struct xport_nl *t = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct genlmsghdr *gh = nlmsg_data(nlh);
	struct nlattr *tb[ICHIP_A_MAX + 1];
	struct nl_pending *p;

	if (genlmsg_parse(nlh, 0, tb, ICHIP_A_MAX, NULL))
		return NL_SKIP;
	switch (gh->cmd) {
	case ICHIP_CMD_EXEC:
		p = find_seq(t, nlh->nlmsg_seq);
		if (p && tb[ICHIP_A_COOKIE]) {
			p->cookie = nla_get_u64(tb[ICHIP_A_COOKIE]);
			p->have_cookie = true;
		}
		break;
	case ICHIP_CMD_RESULT:
		on_result(t, tb);
		break;
	case ICHIP_CMD_DEV_NEW:
	case ICHIP_CMD_DEV_DEL:
	case ICHIP_CMD_DEV_STATE:
		on_dev_event(t, gh->cmd, tb);
		break;
	}
	return NL_OK;
}

static int on_error(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct xport_nl *t = arg;
	struct xport_reply r = { .status = ICHIP_STATUS_FAILED, .text = "" };
	struct nl_pending *p = take(t, false, e->msg.nlmsg_seq);

	if (p) {
		r.err = -e->error;
		deliver(t, p, &r);
	}
	return NL_OK;
}

static int seq_any(struct nl_msg *msg, void *arg)
{
	return NL_OK;
}

static void nl_really_free(struct xport_nl *t);

static int on_io(sd_event_source *s, int fd, uint32_t events, void *ud)
{
	struct xport_nl *t = ud;
	int r;

	t->dispatching++;
	do {
		r = nl_recvmsgs(t->sk, t->cb);
	} while (r >= 0 && !t->dead && !t->free_pending);
	if (r < 0 && r != -NLE_AGAIN && !t->dead)
		log_warning("netlink receive: %s", nl_geterror(r));
	t->dispatching--;
	if (!t->dispatching && t->free_pending)
		nl_really_free(t);
	return 0;
}

static int nl_exec(struct xport *x, const char *cmd, const void *data,
		   size_t data_len, unsigned int timeout_ms,
		   xport_done_fn done, void *userdata, uint64_t *id)
{
	struct xport_nl *t = (struct xport_nl *)x;
	struct nl_pending *p;
	struct nl_msg *msg;
	int r;

	if (t->dead)
		return -EPIPE;
	msg = nlmsg_alloc_size(data_len + strlen(cmd) + 512);
	p = calloc(1, sizeof(*p));
	if (!msg || !p) {
		nlmsg_free(msg);
		free(p);
		return -ENOMEM;
	}
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, t->family, 0, 0,
			 ICHIP_CMD_EXEC, ICHIP_FAMILY_VERSION) ||
	    nla_put_u32(msg, ICHIP_A_DEV_INDEX, t->index) ||
	    nla_put_string(msg, ICHIP_A_CMD, cmd) ||
	    (data && nla_put(msg, ICHIP_A_DATA, (int)data_len, data)) ||
	    (timeout_ms && nla_put_u32(msg, ICHIP_A_TIMEOUT_MS, timeout_ms)) ||
	    (x->cksum && nla_put_flag(msg, ICHIP_A_CKSUM))) {
		nlmsg_free(msg);
		free(p);
		return -EMSGSIZE;
	}
	r = nl_send_auto(t->sk, msg);
	if (r < 0) {
		nlmsg_free(msg);
		free(p);
		return -EIO;
	}
	p->seq = nlmsg_hdr(msg)->nlmsg_seq;
	nlmsg_free(msg);
	p->id = ++t->next_id;
	p->done = done;
	p->userdata = userdata;
	p->next = t->pending;
	t->pending = p;
	if (id)
		*id = p->id;
	return 0;
}

static void nl_cancel(struct xport *x, uint64_t id)
{
	struct xport_nl *t = (struct xport_nl *)x;
	struct nl_pending *p;

	for (p = t->pending; p; p = p->next)
		if (p->id == id)
			p->done = NULL;
}

/* DEV_GET on the synchronous socket: the kernel answers at once. */
struct dev_get_ctx {
	struct xport_counters *c;
	uint32_t index;
	const char *name;	/* find by name instead of index */
	bool found;
};

static int on_dev_get(struct nl_msg *msg, void *arg)
{
	struct dev_get_ctx *ctx = arg;
	struct nlattr *tb[ICHIP_A_MAX + 1], *st[ICHIP_A_STATS_MAX + 1];
	struct xport_counters *c = ctx->c;

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, ICHIP_A_MAX, NULL) ||
	    !tb[ICHIP_A_DEV_INDEX])
		return NL_SKIP;
	if (ctx->name) {
		if (tb[ICHIP_A_DEV_NAME] &&
		    !strcmp(nla_get_string(tb[ICHIP_A_DEV_NAME]), ctx->name)) {
			ctx->index = nla_get_u32(tb[ICHIP_A_DEV_INDEX]);
			ctx->found = true;
		}
		return NL_OK;
	}
	ctx->found = true;
	if (!c || !tb[ICHIP_A_STATS] ||
	    nla_parse_nested(st, ICHIP_A_STATS_MAX, tb[ICHIP_A_STATS], NULL))
		return NL_OK;
#define GET(attr) (st[attr] ? nla_get_u64(st[attr]) : 0)
	c->tx_bytes = GET(ICHIP_A_STATS_TX_BYTES);
	c->rx_bytes = GET(ICHIP_A_STATS_RX_BYTES);
	c->commands = GET(ICHIP_A_STATS_COMMANDS);
	c->module_errors = GET(ICHIP_A_STATS_MODULE_ERRORS);
	c->timeouts = GET(ICHIP_A_STATS_TIMEOUTS);
	c->resyncs = GET(ICHIP_A_STATS_RESYNCS);
	c->overruns = GET(ICHIP_A_STATS_OVERRUNS);
	c->noise = GET(ICHIP_A_STATS_NOISE);
	c->unsolicited = GET(ICHIP_A_STATS_UNSOLICITED);
	c->cksum_errors = GET(ICHIP_A_STATS_CKSUM_ERRORS);
	c->cksum_retries = GET(ICHIP_A_STATS_CKSUM_RETRIES);
#undef GET
	return NL_OK;
}

static int dev_get(struct xport_nl *t, struct dev_get_ctx *ctx, bool dump)
{
	struct nl_msg *msg = nlmsg_alloc();
	int r;

	if (!msg)
		return -ENOMEM;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, t->family, 0,
			 dump ? NLM_F_DUMP : 0, ICHIP_CMD_DEV_GET,
			 ICHIP_FAMILY_VERSION) ||
	    (!dump && nla_put_u32(msg, ICHIP_A_DEV_INDEX, t->index))) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	nl_socket_modify_cb(t->sync, NL_CB_VALID, NL_CB_CUSTOM, on_dev_get,
			    ctx);
	r = nl_send_auto(t->sync, msg);
	nlmsg_free(msg);
	if (r >= 0)
		r = nl_recvmsgs_default(t->sync);
	if (r >= 0 && !dump)
		r = nl_wait_for_ack(t->sync);
	if (r < 0)
		return -EIO;
	return ctx->found ? 0 : -ENOENT;
}

static int nl_counters(struct xport *x, struct xport_counters *c)
{
	struct xport_nl *t = (struct xport_nl *)x;
	struct dev_get_ctx ctx = { .c = c };

	memset(c, 0, sizeof(*c));
	if (t->dead)
		return -ENODEV;
	return dev_get(t, &ctx, false);
}

static void nl_really_free(struct xport_nl *t)
{
	struct nl_pending *p;

	while ((p = t->pending)) {
		t->pending = p->next;
		free(p);
	}
	sd_event_source_disable_unref(t->io);
	sd_event_unref(t->event);
	if (t->cb)
		nl_cb_put(t->cb);
	if (t->sk)
		nl_socket_free(t->sk);
	if (t->sync)
		nl_socket_free(t->sync);
	/*
	 * Closing our fd detaches the line discipline only if it is the
	 * tty's last: give the tty back to N_TTY first (ichipd.8).
	 */
	if (t->tty_fd >= 0) {
		int n_tty = 0;

		if (t->attached)
			ioctl(t->tty_fd, TIOCSETD, &n_tty);
		close(t->tty_fd);
	}
	free(t);
}

static void nl_free(struct xport *x)
{
	struct xport_nl *t = (struct xport_nl *)x;
	struct nl_pending *p;

	for (p = t->pending; p; p = p->next)
		p->done = NULL;
	t->dead = true;
	if (t->dispatching)
		t->free_pending = true;
	else
		nl_really_free(t);
}

static const struct xport_ops nl_ops = {
	.name = "kernel",
	.exec = nl_exec,
	.cancel = nl_cancel,
	.counters = nl_counters,
	.free = nl_free,
};

static struct nl_sock *nl_open(void)
{
	struct nl_sock *sk = nl_socket_alloc();

	if (sk && genl_connect(sk)) {
		nl_socket_free(sk);
		return NULL;
	}
	return sk;
}

static int nl_setup(struct xport_nl *t, const char *tty_name)
{
	struct dev_get_ctx ctx = { .name = tty_name };
	int ldisc, grp, r;

	t->sk = nl_open();
	t->sync = nl_open();
	if (!t->sk || !t->sync)
		return -EIO;
	t->family = genl_ctrl_resolve(t->sync, ICHIP_FAMILY_NAME);
	ldisc = ichip_ldisc_number();
	if (t->family < 0 || ldisc < 0)
		return -ENOENT;		/* n_ichip is not loaded */
	if (ioctl(t->tty_fd, TIOCSETD, &ldisc))
		return -errno;
	t->attached = true;
	r = dev_get(t, &ctx, true);
	if (r)
		return r;
	t->index = ctx.index;

	grp = genl_ctrl_resolve_grp(t->sync, ICHIP_FAMILY_NAME,
				    ICHIP_MCGRP_EVENTS);
	if (grp < 0 || nl_socket_add_membership(t->sk, grp))
		return -EPERM;
	nl_socket_set_nonblocking(t->sk);
	nl_socket_set_buffer_size(t->sk, 4 << 20, 1 << 20);
	t->cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!t->cb)
		return -ENOMEM;
	nl_cb_set(t->cb, NL_CB_VALID, NL_CB_CUSTOM, on_valid, t);
	nl_cb_set(t->cb, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, seq_any, NULL);
	nl_cb_err(t->cb, NL_CB_CUSTOM, on_error, t);
	return sd_event_add_io(t->event, &t->io, nl_socket_get_fd(t->sk),
			       EPOLLIN, on_io, t);
}

int xport_kernel_new(sd_event *e, int fd, const char *tty_name,
		     const struct xport_events *ev, void *owner,
		     struct xport **out)
{
	struct xport_nl *t = calloc(1, sizeof(*t));
	int r;

	if (!t)
		return -ENOMEM;
	t->x.ops = &nl_ops;
	t->x.ev = ev;
	t->x.owner = owner;
	t->event = sd_event_ref(e);
	t->tty_fd = fd;
	r = nl_setup(t, tty_name);
	if (r < 0) {
		int n_tty = 0;

		/* the caller keeps its fd, back in its original state */
		if (t->attached)
			ioctl(fd, TIOCSETD, &n_tty);
		t->tty_fd = -1;
		nl_really_free(t);
		return r;
	}
	*out = &t->x;
	return 0;
}
