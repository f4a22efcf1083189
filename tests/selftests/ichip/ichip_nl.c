// SPDX-License-Identifier: GPL-2.0-only
// SPDX-FileCopyrightText: 2026 The ichip authors
/*
 * Synchronous ichip netlink client for the selftests, on libnl-genl-3.
 * RESULTs and events that arrive while waiting for something else are
 * queued, so interleaved traffic is never lost by the test client.
 */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include "ichip_nl.h"

struct inl_rx {
	struct inl *c;
	bool done;		/* ACK, error or end of dump */
	int err;		/* negative errno from NLMSG_ERROR */
	uint64_t cookie;	/* EXEC reply */
	bool have_cookie;
	struct inl_dev *dev;	/* DEV_GET do target */
};

static char *dup_text(struct nlattr *a)
{
	size_t n;
	char *s;

	if (!a)
		return NULL;
	n = (size_t)nla_len(a);
	s = malloc(n + 1);
	if (!s)
		return NULL;
	memcpy(s, nla_data(a), n);
	s[n] = '\0';
	return s;
}

static uint8_t *dup_data(struct nlattr *a, size_t *len)
{
	uint8_t *p;

	*len = a ? (size_t)nla_len(a) : 0;
	p = malloc(*len ? *len : 1);
	if (p && *len)
		memcpy(p, nla_data(a), *len);
	return p;
}

static uint32_t get_u32(struct nlattr **tb, int attr)
{
	return tb[attr] ? nla_get_u32(tb[attr]) : 0;
}

static void parse_dev(struct nlattr **tb, struct inl_dev *d)
{
	struct nlattr *st[ICHIP_A_STATS_MAX + 1];
	int i;

	memset(d, 0, sizeof(*d));
	d->index = get_u32(tb, ICHIP_A_DEV_INDEX);
	if (tb[ICHIP_A_DEV_NAME])
		nla_strlcpy(d->name, tb[ICHIP_A_DEV_NAME], sizeof(d->name));
	d->state = get_u32(tb, ICHIP_A_DEV_STATE);
	d->has_unused = tb[ICHIP_A_UNUSED] != NULL;
	d->queue_depth = get_u32(tb, ICHIP_A_QUEUE_DEPTH);
	d->queue_max = get_u32(tb, ICHIP_A_QUEUE_MAX);
	if (tb[ICHIP_A_STATS] &&
	    !nla_parse_nested(st, ICHIP_A_STATS_MAX, tb[ICHIP_A_STATS], NULL))
		for (i = 1; i <= ICHIP_A_STATS_MAX; i++)
			if (st[i] && i != ICHIP_A_STATS_PAD)
				d->stats[i] = nla_get_u64(st[i]);
}

static void queue_result(struct inl *c, struct nlattr **tb)
{
	struct inl_result *r;

	if (c->nresults == INL_QUEUE)
		return;
	r = &c->results[c->nresults++];
	memset(r, 0, sizeof(*r));
	r->cookie = tb[ICHIP_A_COOKIE] ? nla_get_u64(tb[ICHIP_A_COOKIE]) : 0;
	r->dev = get_u32(tb, ICHIP_A_DEV_INDEX);
	r->status = get_u32(tb, ICHIP_A_STATUS);
	r->err = get_u32(tb, ICHIP_A_ERRNO);
	r->module_error = get_u32(tb, ICHIP_A_MODULE_ERROR);
	r->text = tb[ICHIP_A_TEXT] ? dup_text(tb[ICHIP_A_TEXT]) : strdup("");
	r->data = dup_data(tb[ICHIP_A_DATA], &r->data_len);
}

static void queue_event(struct inl *c, uint8_t cmd, struct nlattr **tb)
{
	struct inl_event *ev;

	if (c->nevents == INL_QUEUE)
		return;
	ev = &c->events[c->nevents++];
	memset(ev, 0, sizeof(*ev));
	ev->cmd = cmd;
	ev->dev = get_u32(tb, ICHIP_A_DEV_INDEX);
	ev->state = get_u32(tb, ICHIP_A_DEV_STATE);
	ev->event = get_u32(tb, ICHIP_A_EVENT);
	ev->dir = get_u32(tb, ICHIP_A_MON_DIR);
	ev->text = dup_text(tb[ICHIP_A_TEXT]);
	ev->data = dup_data(tb[ICHIP_A_DATA], &ev->data_len);
}

static int on_valid(struct nl_msg *msg, void *arg)
{
	struct inl_rx *rx = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct genlmsghdr *gh = nlmsg_data(nlh);
	struct nlattr *tb[ICHIP_A_MAX + 1];
	struct inl *c = rx->c;

	if (genlmsg_parse(nlh, 0, tb, ICHIP_A_MAX, NULL))
		return NL_SKIP;
	switch (gh->cmd) {
	case ICHIP_CMD_EXEC:
		if (tb[ICHIP_A_COOKIE]) {
			rx->cookie = nla_get_u64(tb[ICHIP_A_COOKIE]);
			rx->have_cookie = true;
		}
		break;
	case ICHIP_CMD_RESULT:
		queue_result(c, tb);
		break;
	case ICHIP_CMD_DEV_GET:
		if (rx->dev) {
			parse_dev(tb, rx->dev);
		} else if (c->devs && c->ndevs < c->devs_cap) {
			parse_dev(tb, &c->devs[c->ndevs]);
			c->ndevs++;
		}
		break;
	default:
		queue_event(c, gh->cmd, tb);
		break;
	}
	return NL_OK;
}

/* ACK and end of dump: NL_OK, so messages behind them are still read */
static int on_done(struct nl_msg *msg, void *arg)
{
	((struct inl_rx *)arg)->done = true;
	return NL_OK;
}

static int on_error(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct inl_rx *rx = arg;

	rx->err = e->error;
	rx->done = true;
	return NL_STOP;
}

static int seq_any(struct nl_msg *msg, void *arg)
{
	return NL_OK;
}

static struct nl_cb *make_cb(struct inl_rx *rx)
{
	struct nl_cb *cb = nl_cb_alloc(NL_CB_DEFAULT);

	if (!cb)
		return NULL;
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_valid, rx);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, on_done, rx);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, on_done, rx);
	nl_cb_err(cb, NL_CB_CUSTOM, on_error, rx);
	/* RESULT and events carry sequence number 0 */
	nl_cb_set(cb, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, seq_any, NULL);
	return cb;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* Receive until rx->done (if @until_done) or the deadline. */
static int receive(struct inl *c, struct inl_rx *rx, int timeout_ms,
		   bool until_done)
{
	long long deadline = now_ms() + timeout_ms;
	struct pollfd pfd = { .fd = nl_socket_get_fd(c->sk), .events = POLLIN };
	struct nl_cb *cb = make_cb(rx);
	int ret = 0;

	if (!cb)
		return -ENOMEM;
	for (;;) {
		long long left = deadline - now_ms();

		if (until_done && rx->done)
			break;
		if (left < 0) {
			ret = -ETIMEDOUT;
			break;
		}
		ret = poll(&pfd, 1, (int)left);
		if (ret < 0) {
			ret = -errno;
			break;
		}
		if (ret == 0) {
			if (until_done)
				continue;
			break;
		}
		ret = nl_recvmsgs(c->sk, cb);
		if (ret < 0 && ret != -NLE_AGAIN && !rx->done) {
			ret = -EIO;
			break;
		}
		ret = 0;
		if (!until_done)
			deadline = now_ms();	/* drain what is queued, return */
	}
	nl_cb_put(cb);
	return ret;
}

int inl_open_port(struct inl *c, uint32_t port)
{
	memset(c, 0, sizeof(*c));
	c->sk = nl_socket_alloc();
	if (!c->sk)
		return -ENOMEM;
	if (port)
		nl_socket_set_local_port(c->sk, port);
	if (genl_connect(c->sk))
		goto fail;
	nl_socket_set_nonblocking(c->sk);
	nl_socket_set_buffer_size(c->sk, 1 << 20, 1 << 20);
	c->family = genl_ctrl_resolve(c->sk, ICHIP_FAMILY_NAME);
	if (c->family < 0)
		goto fail;
	return 0;
fail:
	nl_socket_free(c->sk);
	c->sk = NULL;
	return -ENOENT;
}

int inl_open(struct inl *c)
{
	return inl_open_port(c, 0);
}

uint32_t inl_port(struct inl *c)
{
	return nl_socket_get_local_port(c->sk);
}

void inl_discard(struct inl *c)
{
	unsigned int i;

	for (i = 0; i < c->nresults; i++)
		inl_result_free(&c->results[i]);
	for (i = 0; i < c->nevents; i++)
		inl_event_free(&c->events[i]);
	c->nresults = 0;
	c->nevents = 0;
}

void inl_close(struct inl *c)
{
	inl_discard(c);
	if (c->sk)
		nl_socket_free(c->sk);
	c->sk = NULL;
}

static struct nl_msg *new_msg(struct inl *c, uint8_t cmd, int flags)
{
	struct nl_msg *msg = nlmsg_alloc_size(ICHIP_DATA_LEN_MAX + 8192);

	if (msg && !genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, c->family, 0,
				flags, cmd, ICHIP_FAMILY_VERSION)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

/* Send and wait for the ACK or error. */
static int transact(struct inl *c, struct nl_msg *msg, struct inl_rx *rx)
{
	int ret = nl_send_auto(c->sk, msg);

	nlmsg_free(msg);
	if (ret < 0)
		return -EIO;
	ret = receive(c, rx, 5000, true);
	return ret ? ret : rx->err;
}

int inl_exec_raw(struct inl *c, const uint32_t *dev, const void *cmd,
		 size_t cmd_len, const uint32_t *timeout_ms, uint64_t *cookie)
{
	struct inl_rx rx = { .c = c };
	struct nl_msg *msg = new_msg(c, ICHIP_CMD_EXEC, NLM_F_ACK);
	int ret;

	if (!msg)
		return -ENOMEM;
	if ((dev && nla_put_u32(msg, ICHIP_A_DEV_INDEX, *dev)) ||
	    (cmd && nla_put(msg, ICHIP_A_CMD, (int)cmd_len, cmd)) ||
	    (timeout_ms && nla_put_u32(msg, ICHIP_A_TIMEOUT_MS, *timeout_ms))) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	ret = transact(c, msg, &rx);
	if (!ret && !rx.have_cookie)
		ret = -EPROTO;
	if (!ret && cookie)
		*cookie = rx.cookie;
	return ret;
}

int inl_exec(struct inl *c, uint32_t dev, const char *cmd, const void *data,
	     size_t data_len, uint32_t timeout_ms, uint64_t *cookie)
{
	return inl_exec_cksum(c, dev, cmd, data, data_len, timeout_ms, false,
			      cookie);
}

int inl_exec_cksum(struct inl *c, uint32_t dev, const char *cmd,
		   const void *data, size_t data_len, uint32_t timeout_ms,
		   int cksum, uint64_t *cookie)
{
	struct inl_rx rx = { .c = c };
	struct nl_msg *msg = new_msg(c, ICHIP_CMD_EXEC, NLM_F_ACK);
	int ret;

	if (!msg)
		return -ENOMEM;
	if (nla_put_u32(msg, ICHIP_A_DEV_INDEX, dev) ||
	    nla_put_string(msg, ICHIP_A_CMD, cmd) ||
	    (data && nla_put(msg, ICHIP_A_DATA, (int)data_len, data)) ||
	    (timeout_ms && nla_put_u32(msg, ICHIP_A_TIMEOUT_MS, timeout_ms)) ||
	    (cksum && nla_put_flag(msg, ICHIP_A_CKSUM))) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	ret = transact(c, msg, &rx);
	if (!ret && !rx.have_cookie)
		ret = -EPROTO;
	if (!ret && cookie)
		*cookie = rx.cookie;
	return ret;
}

static bool take_result(struct inl *c, uint64_t cookie, struct inl_result *r)
{
	unsigned int i;

	for (i = 0; i < c->nresults; i++) {
		if (c->results[i].cookie != cookie)
			continue;
		*r = c->results[i];
		memmove(&c->results[i], &c->results[i + 1],
			(c->nresults - i - 1) * sizeof(*r));
		c->nresults--;
		return true;
	}
	return false;
}

int inl_wait_result(struct inl *c, uint64_t cookie, int timeout_ms,
		    struct inl_result *r)
{
	long long deadline = now_ms() + timeout_ms;

	for (;;) {
		struct inl_rx rx = { .c = c };
		long long left;
		int ret;

		if (take_result(c, cookie, r))
			return 0;
		left = deadline - now_ms();
		if (left <= 0)
			return -ETIMEDOUT;
		ret = receive(c, &rx, (int)left, false);
		if (ret && ret != -ETIMEDOUT)
			return ret;
	}
}

void inl_result_free(struct inl_result *r)
{
	free(r->text);
	free(r->data);
	r->text = NULL;
	r->data = NULL;
}

int inl_poll(struct inl *c, int timeout_ms)
{
	struct inl_rx rx = { .c = c };

	return receive(c, &rx, timeout_ms, false);
}

int inl_dev_get(struct inl *c, uint32_t index, struct inl_dev *d)
{
	struct inl_rx rx = { .c = c, .dev = d };
	struct nl_msg *msg = new_msg(c, ICHIP_CMD_DEV_GET, NLM_F_ACK);

	if (!msg)
		return -ENOMEM;
	if (nla_put_u32(msg, ICHIP_A_DEV_INDEX, index)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	return transact(c, msg, &rx);
}

int inl_dev_dump(struct inl *c, struct inl_dev *out, unsigned int max)
{
	struct inl_rx rx = { .c = c };
	struct nl_msg *msg = new_msg(c, ICHIP_CMD_DEV_GET, NLM_F_DUMP);
	int ret;

	if (!msg)
		return -ENOMEM;
	c->devs = out;
	c->devs_cap = max;
	c->ndevs = 0;
	ret = transact(c, msg, &rx);
	c->devs = NULL;
	return ret ? ret : (int)c->ndevs;
}

int inl_dev_find(struct inl *c, const char *name, struct inl_dev *d)
{
	static struct inl_dev devs[256];
	int n = inl_dev_dump(c, devs, 256), i;

	for (i = 0; i < n; i++) {
		if (!strcmp(devs[i].name, name)) {
			*d = devs[i];
			return 0;
		}
	}
	return n < 0 ? n : -ENOENT;
}

/*
 * The group's id is asked on a socket of its own: one that already gets
 * multicast copies (a second join) may read one of those in place of the
 * controller's answer, and the join fails (seen once in stress under a
 * flood of monitor copies).
 */
int inl_join(struct inl *c, const char *group)
{
	struct nl_sock *q = nl_socket_alloc();
	int id = -1, ret;

	if (!q)
		return -ENOMEM;
	if (!genl_connect(q))
		id = genl_ctrl_resolve_grp(q, ICHIP_FAMILY_NAME, group);
	nl_socket_free(q);
	if (id < 0)
		return -ENOENT;
	ret = nl_socket_add_membership(c->sk, id);
	if (ret == -NLE_PERM)
		return -EPERM;
	return ret ? -EIO : 0;
}

int inl_next_event(struct inl *c, int timeout_ms, struct inl_event *ev)
{
	long long deadline = now_ms() + timeout_ms;

	for (;;) {
		struct inl_rx rx = { .c = c };
		long long left;
		int ret;

		if (c->nevents) {
			*ev = c->events[0];
			memmove(&c->events[0], &c->events[1],
				(c->nevents - 1) * sizeof(*ev));
			c->nevents--;
			return 0;
		}
		left = deadline - now_ms();
		if (left <= 0)
			return -ETIMEDOUT;
		ret = receive(c, &rx, (int)left, false);
		if (ret && ret != -ETIMEDOUT)
			return ret;
	}
}

void inl_event_free(struct inl_event *ev)
{
	free(ev->text);
	free(ev->data);
	ev->text = NULL;
	ev->data = NULL;
}
