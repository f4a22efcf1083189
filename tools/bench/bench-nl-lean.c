// SPDX-License-Identifier: GPL-2.0-only
// SPDX-FileCopyrightText: 2026 The ichip authors
/*
 * bench-nl-lean: the client's share of the netlink round trip (issue 16,
 * target 2a; tools/bench/profile-vm-rtt.sh).  One EXEC("AT+i") per round
 * trip over a plain AF_NETLINK socket, with the fewest system calls the
 * family allows: one sendmsg without NLM_F_ACK (an error still comes
 * back, as NLMSG_ERROR), one recv of the cookie reply (already queued when
 * sendmsg returns), one blocking recv of the RESULT: three calls, as the
 * raw pty client's write + read.  The libnl client of bench-nl (the
 * selftests') adds ACK handling, MSG_PEEK reads, poll() and clock reads.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <linux/genetlink.h>
#include <linux/ichip.h>
#include <linux/netlink.h>

#include "bench-nl-lean.h"

#define NLA_ALIGNED(len)	(((len) + NLA_ALIGNTO - 1) & ~(NLA_ALIGNTO - 1))

static size_t put_attr(char *p, uint16_t type, const void *data,
		       uint16_t len)
{
	struct nlattr *a = (struct nlattr *)p;

	a->nla_type = type;
	a->nla_len = (uint16_t)(NLA_HDRLEN + len);
	memcpy(p + NLA_HDRLEN, data, len);
	memset(p + NLA_HDRLEN + len, 0, NLA_ALIGNED(len) - len);
	return NLA_HDRLEN + NLA_ALIGNED(len);
}

int lean_open(struct lean *l, int family, uint32_t dev, const char *cmd)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct timeval tv = { .tv_sec = 10 };	/* no answer: fail, not hang */
	struct nlmsghdr *h = (struct nlmsghdr *)l->req;
	struct genlmsghdr *g;
	size_t len = NLMSG_HDRLEN + GENL_HDRLEN;
	size_t clen = strlen(cmd) + 1;

	if (clen > 256)
		return -EINVAL;
	l->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (l->fd < 0 || bind(l->fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    setsockopt(l->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)))
		return -errno;
	memset(l->req, 0, sizeof(l->req));
	g = (struct genlmsghdr *)(l->req + NLMSG_HDRLEN);
	g->cmd = ICHIP_CMD_EXEC;
	g->version = ICHIP_FAMILY_VERSION;
	len += put_attr(l->req + len, ICHIP_A_DEV_INDEX, &dev, sizeof(dev));
	len += put_attr(l->req + len, ICHIP_A_CMD, cmd, (uint16_t)clen);
	h->nlmsg_len = (uint32_t)len;
	h->nlmsg_type = (uint16_t)family;
	h->nlmsg_flags = NLM_F_REQUEST;
	return 0;
}

/* The u64/u32 attribute @type of the one genl message in @buf, or -1. */
static int get_attr(const char *buf, ssize_t n, uint16_t type, void *out,
		    size_t size)
{
	const struct nlmsghdr *h = (const struct nlmsghdr *)buf;
	size_t off = NLMSG_HDRLEN + GENL_HDRLEN;

	if (n < (ssize_t)off || h->nlmsg_len > (size_t)n)
		return -1;
	while (off + NLA_HDRLEN <= h->nlmsg_len) {
		const struct nlattr *a = (const struct nlattr *)(buf + off);

		if (a->nla_len < NLA_HDRLEN || off + a->nla_len > h->nlmsg_len)
			return -1;
		if ((a->nla_type & NLA_TYPE_MASK) == type &&
		    a->nla_len == NLA_HDRLEN + size) {
			memcpy(out, buf + off + NLA_HDRLEN, size);
			return 0;
		}
		off += NLA_ALIGNED(a->nla_len);
	}
	return -1;
}

/* Receive one message; 0 and its genl command in *cmd, or -1. */
static ssize_t recv_one(struct lean *l, uint8_t *cmd)
{
	const struct nlmsghdr *h = (const struct nlmsghdr *)l->buf;
	ssize_t n;

	do
		n = recv(l->fd, l->buf, sizeof(l->buf), 0);
	while (n < 0 && errno == EINTR);
	if (n < (ssize_t)(NLMSG_HDRLEN + GENL_HDRLEN) ||
	    h->nlmsg_type == NLMSG_ERROR)
		return -1;
	*cmd = ((const struct genlmsghdr *)(l->buf + NLMSG_HDRLEN))->cmd;
	return n;
}

int lean_exec(struct lean *l, uint32_t *status)
{
	struct nlmsghdr *h = (struct nlmsghdr *)l->req;
	uint64_t cookie, rc;
	uint8_t cmd;
	ssize_t n;

	h->nlmsg_seq++;
	if (send(l->fd, l->req, h->nlmsg_len, 0) != (ssize_t)h->nlmsg_len)
		return -1;
	n = recv_one(l, &cmd);
	if (n < 0 || cmd != ICHIP_CMD_EXEC ||
	    get_attr(l->buf, n, ICHIP_A_COOKIE, &cookie, sizeof(cookie)))
		return -1;
	n = recv_one(l, &cmd);	/* nothing else is sent to this socket */
	if (n < 0 || cmd != ICHIP_CMD_RESULT ||
	    get_attr(l->buf, n, ICHIP_A_COOKIE, &rc, sizeof(rc)) ||
	    rc != cookie ||
	    get_attr(l->buf, n, ICHIP_A_STATUS, status, sizeof(*status)))
		return -1;
	return 0;
}

void lean_close(struct lean *l)
{
	close(l->fd);
}
