/* SPDX-License-Identifier: GPL-2.0-only */
/* SPDX-FileCopyrightText: 2026 The ichip authors */
/*
 * A transport carries AT+i commands to one module and their results back,
 * asynchronously on ichipd's sd-event loop.  Two implementations: the
 * kernel's n_ichip over generic netlink, and ichipd driving the tty itself
 * with the same framing core (when the module is not loaded).
 */
#ifndef ICHIPD_TRANSPORT_H
#define ICHIPD_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <systemd/sd-event.h>
#include <linux/ichip.h>

struct xport_reply {
	enum ichip_status status;
	int err;			/* positive errno when FAILED */
	unsigned int module_error;	/* nnn of I/ERROR (nnn) */
	const char *text;		/* NUL-terminated, "" if none */
	size_t text_len;
	const uint8_t *data;
	size_t data_len;
};

typedef void (*xport_done_fn)(void *userdata, const struct xport_reply *r);

struct xport;

struct xport_events {
	/* a module line with no command in flight (I/DONE, a boot banner) */
	void (*unsolicited)(void *owner, const char *line);
	/* the tty hung up or the device went away: the transport is dead */
	void (*lost)(void *owner, int err);
	/* the device state changed (IDLE/BUSY/RESYNC/...) */
	void (*state)(void *owner, enum ichip_dev_state state);
};

struct xport_counters {
	uint64_t tx_bytes, rx_bytes, commands, module_errors, timeouts;
	uint64_t resyncs, overruns, noise, unsolicited;
	uint64_t cksum_errors, cksum_retries;	/* checksum mode */
};

struct xport_ops {
	const char *name;	/* "kernel" or "tty" */
	int (*exec)(struct xport *x, const char *cmd, const void *data,
		    size_t data_len, unsigned int timeout_ms,
		    xport_done_fn done, void *userdata, uint64_t *id);
	/* the callback of @id will not be called (the command still runs) */
	void (*cancel)(struct xport *x, uint64_t id);
	int (*counters)(struct xport *x, struct xport_counters *c);
	void (*free)(struct xport *x);
};

struct xport {
	const struct xport_ops *ops;
	const struct xport_events *ev;
	void *owner;
	/*
	 * The module is in checksum mode (AT+iCKSM=1): commands queued from
	 * now on carry SSND checksums and expect SRCV ones, and bad ones are
	 * retried (driver/ichip_cmdq_core.c) before a command fails with
	 * ICHIP_STATUS_CHECKSUM.
	 */
	bool cksum;
};

/*
 * Both take ownership of @fd, an open tty configured by the caller.
 * The kernel transport attaches n_ichip to it; it fails with -ENOENT when
 * the module is not loaded or -EPERM without CAP_NET_ADMIN.
 */
int xport_kernel_new(sd_event *e, int fd, const char *tty_name,
		     const struct xport_events *ev, void *owner,
		     struct xport **out);
int xport_tty_new(sd_event *e, int fd, const struct xport_events *ev,
		  void *owner, struct xport **out);

static inline int xport_exec(struct xport *x, const char *cmd,
			     const void *data, size_t data_len,
			     unsigned int timeout_ms, xport_done_fn done,
			     void *userdata, uint64_t *id)
{
	return x->ops->exec(x, cmd, data, data_len, timeout_ms, done,
			    userdata, id);
}

#endif /* ICHIPD_TRANSPORT_H */
