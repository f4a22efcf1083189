// SPDX-License-Identifier: GPL-2.0-only
// SPDX-FileCopyrightText: 2026 The ichip authors
/* Raw generic netlink helpers of the selftests (see ichip_raw.h). */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include <linux/ichip.h>
#include "ichip_raw.h"

int raw_open(int rcvbuf)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);

	if (fd < 0)
		return -errno;
	if ((rcvbuf > 0 &&
	     setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf))) ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

struct raw_msg {
	struct nlmsghdr nh;
	struct genlmsghdr gh;
	char attrs[2048];
};

static void put_attr(struct raw_msg *m, uint16_t type, const void *data,
		     size_t len)
{
	struct nlattr *a = (struct nlattr *)((char *)m + NLMSG_ALIGN(m->nh.nlmsg_len));

	a->nla_type = type;
	a->nla_len = (uint16_t)(NLA_HDRLEN + len);
	memcpy((char *)a + NLA_HDRLEN, data, len);
	m->nh.nlmsg_len = NLMSG_ALIGN(m->nh.nlmsg_len) + NLA_ALIGN(a->nla_len);
}

static int send_msg(int fd, struct raw_msg *m)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };

	if (sendto(fd, m, m->nh.nlmsg_len, 0, (struct sockaddr *)&sa,
		   sizeof(sa)) < 0)
		return -errno;
	return 0;
}

static void init_msg(struct raw_msg *m, int family, uint8_t cmd,
		     uint16_t flags)
{
	static uint32_t seq;

	memset(m, 0, sizeof(*m));
	m->nh.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
	m->nh.nlmsg_type = (uint16_t)family;
	m->nh.nlmsg_flags = NLM_F_REQUEST | flags;
	m->nh.nlmsg_seq = ++seq;
	m->gh.cmd = cmd;
	m->gh.version = ICHIP_FAMILY_VERSION;
}

static int exec_msg(int fd, int family, uint32_t dev, const char *cmd,
		    uint32_t timeout_ms, uint16_t flags)
{
	struct raw_msg m;

	init_msg(&m, family, ICHIP_CMD_EXEC, flags);
	put_attr(&m, ICHIP_A_DEV_INDEX, &dev, sizeof(dev));
	put_attr(&m, ICHIP_A_CMD, cmd, strlen(cmd) + 1);
	if (timeout_ms)
		put_attr(&m, ICHIP_A_TIMEOUT_MS, &timeout_ms,
			 sizeof(timeout_ms));
	return send_msg(fd, &m);
}

int raw_exec(int fd, int family, uint32_t dev, const char *cmd,
	     uint32_t timeout_ms)
{
	return exec_msg(fd, family, dev, cmd, timeout_ms, 0);
}

int raw_exec_ack(int fd, int family, uint32_t dev, const char *cmd,
		 uint32_t timeout_ms)
{
	return exec_msg(fd, family, dev, cmd, timeout_ms, NLM_F_ACK);
}

int raw_dump_start(int fd, int family)
{
	struct raw_msg m;

	init_msg(&m, family, ICHIP_CMD_DEV_GET, NLM_F_DUMP);
	return send_msg(fd, &m);
}

static uint32_t dev_index(struct nlmsghdr *nh)
{
	int len = (int)nh->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN);
	struct nlattr *a = (struct nlattr *)((char *)NLMSG_DATA(nh) + GENL_HDRLEN);

	for (; len >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN &&
	       a->nla_len <= len;
	     len -= NLA_ALIGN(a->nla_len),
	     a = (struct nlattr *)((char *)a + NLA_ALIGN(a->nla_len)))
		if (a->nla_type == ICHIP_A_DEV_INDEX)
			return *(uint32_t *)((char *)a + NLA_HDRLEN);
	return UINT32_MAX;
}

int raw_recv(int fd, size_t bufsize, int timeout_ms, struct raw_part *p)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	char *buf = malloc(bufsize);
	struct nlmsghdr *nh;
	ssize_t n;
	int len;

	if (!buf)
		return -ENOMEM;
	if (poll(&pfd, 1, timeout_ms) <= 0) {
		free(buf);
		return -ETIMEDOUT;
	}
	n = recv(fd, buf, bufsize, MSG_DONTWAIT);
	if (n < 0) {
		int err = -errno;

		if (!p->err)
			p->err = err;
		free(buf);
		return err;
	}
	len = (int)n;
	for (nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, len);
	     nh = NLMSG_NEXT(nh, len)) {
		if (nh->nlmsg_flags & NLM_F_DUMP_INTR)
			p->intr = 1;
		if (nh->nlmsg_type == NLMSG_DONE) {
			p->done = 1;
		} else if (nh->nlmsg_type == NLMSG_ERROR) {
			struct nlmsgerr *e = NLMSG_DATA(nh);

			if (!p->err)
				p->err = e->error;
			if (p->norder < sizeof(p->order) - 1)
				p->order[p->norder++] = e->error ? 'E' : 'A';
		} else {
			struct genlmsghdr *gh = NLMSG_DATA(nh);

			if (gh->cmd == ICHIP_CMD_DEV_GET && p->ndev < 256)
				p->dev[p->ndev++] = dev_index(nh);
			else if (gh->cmd == ICHIP_CMD_EXEC)
				p->nexec++;
			else if (gh->cmd == ICHIP_CMD_RESULT)
				p->nresult++;
			if (p->norder < sizeof(p->order) - 1 &&
			    (gh->cmd == ICHIP_CMD_EXEC ||
			     gh->cmd == ICHIP_CMD_RESULT))
				p->order[p->norder++] =
					gh->cmd == ICHIP_CMD_EXEC ? 'X' : 'R';
		}
	}
	free(buf);
	return (int)n;
}
