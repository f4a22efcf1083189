/* SPDX-License-Identifier: GPL-2.0-only */
/* SPDX-FileCopyrightText: 2026 The ichip authors */
/*
 * A small synchronous libnl-genl client of the ichip family for the
 * selftests: EXEC with cookie, RESULT waiting, DEV_GET, events, monitor.
 */
#ifndef ICHIP_NL_H
#define ICHIP_NL_H

#include <stddef.h>
#include <stdint.h>
#include <linux/ichip.h>

#define INL_QUEUE	512
#define INL_TEXT	(ICHIP_TEXT_LEN_MAX + 1)

struct inl_result {
	uint64_t cookie;
	uint32_t dev;
	uint32_t status;
	uint32_t err;		/* ICHIP_A_ERRNO */
	uint32_t module_error;
	char *text;		/* malloc'd, NUL-terminated ("" if none) */
	uint8_t *data;		/* malloc'd */
	size_t data_len;
};

struct inl_dev {
	uint32_t index;
	char name[64];
	uint32_t state;
	int has_unused;		/* ICHIP_A_UNUSED present (never should be) */
	uint32_t queue_depth;
	uint32_t queue_max;
	uint64_t stats[ICHIP_A_STATS_MAX + 1];
};

struct inl_event {
	uint8_t cmd;		/* DEV_NEW, DEV_DEL, DEV_STATE, MONITOR */
	uint32_t dev;
	uint32_t state;
	uint32_t event;
	uint32_t dir;
	char *text;		/* malloc'd or NULL */
	uint8_t *data;		/* MONITOR bytes, malloc'd */
	size_t data_len;
};

struct inl {
	struct nl_sock *sk;
	int family;
	struct inl_result results[INL_QUEUE];
	unsigned int nresults;
	struct inl_event events[INL_QUEUE];
	unsigned int nevents;
	struct inl_dev *devs;	/* dump target */
	unsigned int ndevs, devs_cap;
};

int inl_open(struct inl *c);
/* inl_open bound to netlink port @port (0: the kernel picks). */
int inl_open_port(struct inl *c, uint32_t port);
uint32_t inl_port(struct inl *c);
void inl_close(struct inl *c);
/* Forget queued results and events (long-running stress clients). */
void inl_discard(struct inl *c);

/* Queue a command; 0 and *cookie, or the negative errno of the kernel. */
int inl_exec(struct inl *c, uint32_t dev, const char *cmd, const void *data,
	     size_t data_len, uint32_t timeout_ms, uint64_t *cookie);
/* inl_exec with the checksum-mode flag (ICHIP_A_CKSUM) when @cksum. */
int inl_exec_cksum(struct inl *c, uint32_t dev, const char *cmd,
		   const void *data, size_t data_len, uint32_t timeout_ms,
		   int cksum, uint64_t *cookie);
/* Like inl_exec but the caller picks which attributes go in. */
int inl_exec_raw(struct inl *c, const uint32_t *dev, const void *cmd,
		 size_t cmd_len, const uint32_t *timeout_ms, uint64_t *cookie);

/* Wait for the RESULT of @cookie; 0, or -ETIMEDOUT. Frees with below. */
int inl_wait_result(struct inl *c, uint64_t cookie, int timeout_ms,
		    struct inl_result *r);
void inl_result_free(struct inl_result *r);

int inl_dev_get(struct inl *c, uint32_t index, struct inl_dev *d);
/* Dump all devices; returns how many, fills up to @max. */
int inl_dev_dump(struct inl *c, struct inl_dev *out, unsigned int max);
/* Find a device by tty name through the dump; 0 or -ENOENT. */
int inl_dev_find(struct inl *c, const char *name, struct inl_dev *d);

/* Join "events" or "monitor"; 0 or negative errno. */
int inl_join(struct inl *c, const char *group);
/* Next event (in arrival order); 0, or -ETIMEDOUT. */
int inl_next_event(struct inl *c, int timeout_ms, struct inl_event *ev);
void inl_event_free(struct inl_event *ev);

/* Read what is pending without blocking (results and events queue up). */
int inl_poll(struct inl *c, int timeout_ms);

#endif /* ICHIP_NL_H */
