/* SPDX-License-Identifier: GPL-2.0-only */
/* SPDX-FileCopyrightText: 2026 The ichip authors */
/*
 * n_ichip internals: one struct ichip_dev per tty with the line
 * discipline attached, shared by the ldisc, command queue and netlink.
 *
 * Locking: ichip_devs_lock (the device index) nests outside dev->lock.
 * Everything that touches the wire, the framer or the queue holds
 * dev->lock, a mutex: all callers run in process context (the tty flip
 * buffer work, netlink doit, our own work items).  Only ->write_wakeup
 * may come from interrupt context and it just schedules tx_work.  The
 * one tty call made without dev->lock is the receive path's flush of the
 * driver's buffer (ichip_rx_flush): for a pty it takes the other end's
 * buffer lock, which that end's receive work holds while it may wait
 * for a dev->lock.
 */
#ifndef ICHIP_H
#define ICHIP_H

#include <linux/kref.h>
#include <linux/list.h>
#include <linux/ratelimit.h>
#include <linux/mutex.h>
#include <linux/tty.h>
#include <linux/workqueue.h>
#include <net/genetlink.h>
#include <net/net_namespace.h>

#include <linux/ichip.h>
#include "ichip_frame.h"
#include "ichip_cmdq_core.h"

#define ICHIP_MONITOR_CHUNK	1024
#define ICHIP_QUEUE_MAX_LIMIT	4096
/* Unsolicited-line events per device: a burst, then this many a second. */
#define ICHIP_UNSOL_BURST	16

/* A netlink EXEC; the queue core's part (text, wire) points into buf. */
struct ichip_cmd {
	struct ichip_cq_cmd cq;
	u64 cookie;
	u32 portid;		/* where RESULT goes; 0 once that socket closed */
	struct net *net;	/* held reference */
	u8 buf[];
};

/* What the queue core does not count (see ichip_cq_stats). */
struct ichip_stats {
	u64 tx_bytes;
	u64 rx_bytes;
	u64 noise;		/* bytes with a tty line error */
	u64 results_lost;
};

struct ichip_dev {
	struct mutex lock;
	struct kref ref;
	u32 index;			/* key in ichip_devs */
	char name[64];
	struct net *net;		/* of the attaching process */
	struct tty_struct *tty;		/* NULL once detached */

	bool detached;
	struct ichip_cq cq;		/* queue, state, in-flight command */
	unsigned long deadline;		/* jiffies: inflight times out */

	struct work_struct tx_work;
	struct delayed_work timeout_work;

	struct ichip_frame *frame;
	struct ichip_stats stats;
	struct ratelimit_state unsol_rs;	/* unsolicited-line events */
};

/* ichip_main.c */
extern unsigned int ichip_queue_max;
extern struct mutex ichip_devs_lock;
extern struct xarray ichip_devs;
extern unsigned int ichip_devs_gen;
struct ichip_dev *ichip_dev_get(struct net *net, u32 index);
void ichip_dev_put(struct ichip_dev *dev);
struct ichip_dev *ichip_dev_create(struct tty_struct *tty);
void ichip_dev_publish(struct ichip_dev *dev);
void ichip_dev_unlist(struct ichip_dev *dev);

/* ichip_ldisc.c */
int ichip_ldisc_register(int num);
void ichip_ldisc_unregister(void);
void ichip_tx_push(struct ichip_dev *dev);

/* ichip_cmdq.c */
void ichip_cmdq_init(struct ichip_dev *dev);
struct ichip_cmd *ichip_cmdq_prepare(struct ichip_dev *dev, const char *text,
				     size_t len, const u8 *data,
				     size_t data_len, unsigned int timeout_ms,
				     bool cksum, struct genl_info *info);
int ichip_cmdq_queue(struct ichip_dev *dev, struct ichip_cmd *cmd);
void ichip_cmdq_discard(struct ichip_cmd *cmd);
void ichip_cmdq_forget_portid(struct ichip_dev *dev, struct net *net,
			      u32 portid);
size_t ichip_cmdq_rx(struct ichip_dev *dev, const u8 *buf, size_t len);

/* ichip_genl.c */
int ichip_genl_register(void);
void ichip_genl_unregister(void);
void ichip_genl_result(struct ichip_dev *dev, struct ichip_cmd *cmd,
		       enum ichip_status status, int err,
		       const struct ichip_result *res);
void ichip_genl_dev_event(struct ichip_dev *dev, u8 cmd,
			  enum ichip_dev_event event, const char *text,
			  size_t text_len);
void ichip_genl_monitor(struct ichip_dev *dev, enum ichip_mon_dir dir,
			const u8 *buf, size_t len);

#endif /* ICHIP_H */
