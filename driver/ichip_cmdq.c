// SPDX-License-Identifier: GPL-2.0-only
// SPDX-FileCopyrightText: 2026 The ichip authors
/*
 * Command arbitration for n_ichip: a FIFO of commands from any number of
 * netlink clients, one on the wire at a time, each with a deadline.  The
 * rules (timeouts, resync with a bare "AT+i", EIO after failed pings) are
 * the queue core's, ichip_cmdq_core.c, shared with ichipd; this file is
 * its kernel side: allocation, the timeout work, the tty's flow control,
 * netlink RESULTs and events, all under dev->lock.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/jiffies.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/tty.h>

#include "ichip.h"

static atomic64_t ichip_next_cookie = ATOMIC64_INIT(0);

static struct ichip_cmd *ichip_cmd_alloc(const char *text, size_t len,
					 const u8 *data, size_t data_len,
					 enum ichip_reply_kind kind, bool cksum)
{
	size_t wire_max = ICHIP_WIRE_MAX_CKSUM(len, data_len);
	struct ichip_cmd *cmd;
	char *ctext;
	u8 *wire;

	cmd = kvzalloc(struct_size(cmd, buf, len + 1 + wire_max), GFP_KERNEL);
	if (!cmd)
		return NULL;
	ctext = (char *)cmd->buf;
	memcpy(ctext, text, len);
	ctext[len] = '\0';
	wire = cmd->buf + len + 1;
	cmd->cq.text = ctext;
	cmd->cq.text_len = len;
	cmd->cq.wire = wire;
	/* in checksum mode the kernel adds the sum: clients cannot err */
	cmd->cq.wire_len = cksum ?
		ichip_cmd_wire_cksum(wire, wire_max, text, len, data, data_len) :
		ichip_cmd_wire(wire, wire_max, text, len, data, data_len);
	/* an SSND's stream: what follows "<text>:" (checksum included) */
	if (cmd->cq.wire_len > len && wire[len] == ':')
		cmd->cq.data_len = cmd->cq.wire_len - len - 1;
	cmd->cq.cksum = cksum;
	cmd->cq.kind = kind;
	cmd->cq.timeout_ms = ichip_cmd_default_timeout_ms(text, len);
	return cmd;
}

static void ichip_cmd_free(struct ichip_cmd *cmd)
{
	if (cmd->net)
		put_net(cmd->net);
	kvfree(cmd);
}

/* The queue core's actions, run under dev->lock. */

static void ichip_cq_op_complete(void *owner, struct ichip_cq_cmd *c,
				 const struct ichip_result *res, int err)
{
	struct ichip_cmd *cmd = container_of(c, struct ichip_cmd, cq);

	ichip_genl_result(owner, cmd, res ? res->status : ICHIP_STATUS_FAILED,
			  err, res);
	ichip_cmd_free(cmd);
}

static void ichip_cq_op_tx_start(void *owner)
{
	ichip_tx_push(owner);
}

static void ichip_cq_op_arm(void *owner, unsigned int ms)
{
	struct ichip_dev *dev = owner;
	unsigned long delay = msecs_to_jiffies(ms);

	dev->deadline = jiffies + delay;
	mod_delayed_work(system_wq, &dev->timeout_work, delay);
}

static void ichip_cq_op_disarm(void *owner)
{
	struct ichip_dev *dev = owner;

	cancel_delayed_work(&dev->timeout_work);
}

/*
 * Software flow control: the module's WAIT stops the tty's output at once,
 * bytes already handed to the driver included (what n_tty does for IXON,
 * but only for WAIT bytes the framer found outside counted payloads: an
 * SRCV payload full of 0x13 stops nothing).  CONTINUE starts it again.
 */
static void ichip_cq_op_flow(void *owner, bool stop)
{
	struct ichip_dev *dev = owner;

	if (!dev->tty)
		return;
	if (stop)
		stop_tty(dev->tty);
	else
		start_tty(dev->tty);
}

static void ichip_cq_op_state(void *owner, enum ichip_dev_state old)
{
	struct ichip_dev *dev = owner;
	enum ichip_dev_state state = dev->cq.state;

	/* IDLE <-> BUSY flips with every command: too chatty to announce */
	if ((old == ICHIP_DEV_STATE_IDLE && state == ICHIP_DEV_STATE_BUSY) ||
	    (old == ICHIP_DEV_STATE_BUSY && state == ICHIP_DEV_STATE_IDLE))
		return;
	ichip_genl_dev_event(dev, ICHIP_CMD_DEV_STATE, ICHIP_DEV_EVENT_STATE,
			     NULL, 0);
}

static void ichip_cq_op_resync(void *owner, bool ok, unsigned int failed)
{
	struct ichip_dev *dev = owner;

	if (!ok)
		pr_warn_ratelimited("%s: module not answering; failing %u queued commands\n",
				    dev->name, failed);
	ichip_genl_dev_event(dev, ICHIP_CMD_DEV_STATE,
			     ok ? ICHIP_DEV_EVENT_RESYNC_OK :
				  ICHIP_DEV_EVENT_RESYNC_FAILED, NULL, 0);
}

static void ichip_cq_op_unsolicited(void *owner, const char *line,
				    size_t len)
{
	struct ichip_dev *dev = owner;

	/* a flood costs a counter (the core's), not an skb per line */
	if (__ratelimit(&dev->unsol_rs))
		ichip_genl_dev_event(dev, ICHIP_CMD_DEV_STATE,
				     ICHIP_DEV_EVENT_UNSOLICITED, line, len);
}

static const struct ichip_cq_ops ichip_cq_kernel_ops = {
	.complete	= ichip_cq_op_complete,
	.tx_start	= ichip_cq_op_tx_start,
	.arm		= ichip_cq_op_arm,
	.disarm		= ichip_cq_op_disarm,
	.flow		= ichip_cq_op_flow,
	.state		= ichip_cq_op_state,
	.resync		= ichip_cq_op_resync,
	.unsolicited	= ichip_cq_op_unsolicited,
};

/*
 * Feed received bytes to the queue core.  Returns how many were used: all
 * of them, unless a completion needs the tty driver's buffer flushed first
 * (dev->cq.need_flush); the caller flushes and feeds the rest.
 */
size_t ichip_cmdq_rx(struct ichip_dev *dev, const u8 *buf, size_t len)
{
	size_t done;

	lockdep_assert_held(&dev->lock);
	done = ichip_cq_rx(&dev->cq, buf, len);
	dev->stats.rx_bytes += done;
	return done;
}

static void ichip_timeout_work(struct work_struct *work)
{
	struct ichip_dev *dev = container_of(to_delayed_work(work),
					     struct ichip_dev, timeout_work);

	mutex_lock(&dev->lock);
	/* nothing on the wire and no retry waiting out its backoff */
	if ((!dev->cq.inflight && !dev->cq.held) || dev->detached)
		goto out;
	/* queued before a completion re-armed it: not this command's time */
	if (time_before(jiffies, dev->deadline)) {
		mod_delayed_work(system_wq, &dev->timeout_work,
				 dev->deadline - jiffies);
		goto out;
	}
	ichip_cq_timeout(&dev->cq);
out:
	mutex_unlock(&dev->lock);
}

void ichip_cmdq_init(struct ichip_dev *dev)
{
	ichip_cq_init(&dev->cq, dev->frame, &ichip_cq_kernel_ops, dev);
	/* the tty driver's buffer can be flushed: see ichip_rx_flush */
	dev->cq.flush_early_ssnd = true;
	INIT_DELAYED_WORK(&dev->timeout_work, ichip_timeout_work);
	ratelimit_state_init(&dev->unsol_rs, HZ, ICHIP_UNSOL_BURST);
	/* suppressed events are counted in stats, not logged */
	ratelimit_set_flags(&dev->unsol_rs, RATELIMIT_MSG_ON_RELEASE);
}

/*
 * EXEC in two steps, both under dev->lock: prepare checks and builds the
 * command; the caller delivers the cookie reply, and only then queues it
 * (or discards it when the reply could not be delivered), so a client
 * never sees an error for a command that runs.
 */
struct ichip_cmd *ichip_cmdq_prepare(struct ichip_dev *dev, const char *text,
				     size_t len, const u8 *data,
				     size_t data_len, unsigned int timeout_ms,
				     bool cksum, struct genl_info *info)
{
	struct ichip_cmd *cmd;
	int kind;

	lockdep_assert_held(&dev->lock);
	if (dev->detached)
		return ERR_PTR(-ENODEV);
	if (dev->cq.state == ICHIP_DEV_STATE_HUNGUP)
		return ERR_PTR(-EPIPE);
	if (dev->cq.depth >= READ_ONCE(ichip_queue_max))
		return ERR_PTR(-EBUSY);
	kind = ichip_cmd_classify(text, len, data_len);
	if (kind < 0)
		return ERR_PTR(kind);

	cmd = ichip_cmd_alloc(text, len, data, data_len, kind, cksum);
	if (!cmd)
		return ERR_PTR(-ENOMEM);
	if (timeout_ms)
		cmd->cq.timeout_ms = timeout_ms;
	cmd->portid = info->snd_portid;
	cmd->net = get_net(genl_info_net(info));
	cmd->cookie = atomic64_inc_return(&ichip_next_cookie);
	return cmd;
}

void ichip_cmdq_discard(struct ichip_cmd *cmd)
{
	ichip_cmd_free(cmd);
}

/* Queue a prepared command whose cookie the client already has. */
int ichip_cmdq_queue(struct ichip_dev *dev, struct ichip_cmd *cmd)
{
	lockdep_assert_held(&dev->lock);
	ichip_cq_queue(&dev->cq, &cmd->cq);
	return 0;
}

static void ichip_cmd_forget(struct ichip_cq_cmd *c, struct net *net,
			     u32 portid)
{
	struct ichip_cmd *cmd = container_of(c, struct ichip_cmd, cq);

	if (cmd->portid == portid && net_eq(cmd->net, net))
		cmd->portid = 0;
}

/*
 * The netlink socket @portid of @net closed: its commands still run (the
 * module cannot be told otherwise), but their RESULTs go nowhere, never
 * to a socket that binds the same portid later.
 */
void ichip_cmdq_forget_portid(struct ichip_dev *dev, struct net *net,
			      u32 portid)
{
	struct ichip_cq_cmd *c;

	lockdep_assert_held(&dev->lock);
	if (dev->cq.parked)
		ichip_cmd_forget(dev->cq.parked, net, portid);
	if (dev->cq.suspect)
		ichip_cmd_forget(dev->cq.suspect, net, portid);
	if (dev->cq.held)
		ichip_cmd_forget(dev->cq.held, net, portid);
	c = ichip_cq_inflight(&dev->cq);
	if (c)
		ichip_cmd_forget(c, net, portid);
	for (c = dev->cq.head; c; c = c->next)
		ichip_cmd_forget(c, net, portid);
}
