/* SPDX-License-Identifier: GPL-2.0-only */
/* SPDX-FileCopyrightText: 2026 The ichip authors */
/*
 * Raw generic netlink for the selftests that must control exactly when
 * the kernel's messages are read: a dump read one part at a time, a
 * receive buffer left full.  libnl would read ahead.
 */
#ifndef ICHIP_RAW_H
#define ICHIP_RAW_H

#include <stddef.h>
#include <stdint.h>

/* A NETLINK_GENERIC socket; @rcvbuf > 0 sets SO_RCVBUF. -errno on error. */
int raw_open(int rcvbuf);
/* EXEC without NLM_F_ACK; 0 or -errno of send(). */
int raw_exec(int fd, int family, uint32_t dev, const char *cmd,
	     uint32_t timeout_ms);
/* EXEC with NLM_F_ACK. */
int raw_exec_ack(int fd, int family, uint32_t dev, const char *cmd,
		 uint32_t timeout_ms);
/* Start a DEV_GET dump; 0 or -errno. */
int raw_dump_start(int fd, int family);

struct raw_part {
	unsigned int ndev;
	uint32_t dev[256];	/* DEV_INDEX of each DEV_GET message */
	unsigned int nexec;	/* EXEC replies */
	unsigned int nresult;	/* RESULT messages */
	int intr;		/* some message had NLM_F_DUMP_INTR */
	int done;		/* NLMSG_DONE seen */
	int err;		/* first NLMSG_ERROR's error, or recv's -errno */
	char order[32];		/* arrival order: X reply, R result, A ack */
	unsigned int norder;
};

/* One recv() of at most @bufsize bytes, parsed into @p (added to). */
int raw_recv(int fd, size_t bufsize, int timeout_ms, struct raw_part *p);

#endif /* ICHIP_RAW_H */
