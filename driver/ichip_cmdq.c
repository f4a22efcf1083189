// SPDX-License-Identifier: GPL-2.0-only OR MIT
// SPDX-FileCopyrightText: 2026 The ichip authors
/*
 * Command arbitration: a FIFO of commands from any number of netlink
 * clients, one on the wire at a time, each with a deadline.  A timeout
 * fails that command and resynchronises with a bare "AT+i" before the
 * queue goes on; repeated resync failures fail the queue with EIO rather
 * than let it rot.  Nothing queued is ever dropped without a RESULT.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/jiffies.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/tty.h>

#include "ichip.h"

static atomic64_t ichip_next_cookie = ATOMIC64_INIT(0);

static const char ichip_ping[] = "AT+i";

static struct ichip_cmd *ichip_cmd_alloc(const char *text, size_t len,
					 const u8 *data, size_t data_len,
					 enum ichip_reply_kind kind)
{
	size_t wire_max = ICHIP_WIRE_MAX(len, data_len);
	struct ichip_cmd *cmd;

	cmd = kvzalloc(struct_size(cmd, buf, len + 1 + wire_max), GFP_KERNEL);
	if (!cmd)
		return NULL;
	cmd->text = (char *)cmd->buf;
	memcpy(cmd->text, text, len);
	cmd->text[len] = '\0';
	cmd->text_len = len;
	cmd->wire = cmd->buf + len + 1;
	cmd->wire_len = ichip_cmd_wire(cmd->wire, wire_max, text, len,
				       data, data_len);
	cmd->kind = kind;
	cmd->timeout_ms = ichip_cmd_default_timeout_ms(text, len);
	return cmd;
}

static void ichip_cmd_free(struct ichip_cmd *cmd)
{
	if (cmd->net)
		put_net(cmd->net);
	kvfree(cmd);
}

void ichip_set_state(struct ichip_dev *dev, enum ichip_dev_state state)
{
	enum ichip_dev_state old = dev->state;

	lockdep_assert_held(&dev->lock);
	if (old == state)
		return;
	dev->state = state;
	/* IDLE <-> BUSY flips with every command: too chatty to announce */
	if ((old == ICHIP_DEV_STATE_IDLE && state == ICHIP_DEV_STATE_BUSY) ||
	    (old == ICHIP_DEV_STATE_BUSY && state == ICHIP_DEV_STATE_IDLE))
		return;
	ichip_genl_dev_event(dev, ICHIP_CMD_DEV_STATE, ICHIP_DEV_EVENT_STATE,
			     NULL, 0);
}

static void ichip_arm_timeout(struct ichip_dev *dev)
{
	unsigned long delay = msecs_to_jiffies(dev->inflight->timeout_ms);

	dev->deadline = jiffies + delay;
	mod_delayed_work(system_wq, &dev->timeout_work, delay);
}

/*
 * Software flow control: the module's WAIT stops the tty's output at once,
 * bytes already handed to the driver included (what n_tty does for IXON,
 * but only for WAIT bytes the framer found outside counted payloads: an
 * SRCV payload full of 0x13 stops nothing).  CONTINUE starts it again.
 */
static void ichip_flow_stop(struct ichip_dev *dev, bool stop)
{
	if (dev->tx_stopped == stop)
		return;
	dev->tx_stopped = stop;
	if (!dev->tty)
		return;
	if (stop)
		stop_tty(dev->tty);
	else
		start_tty(dev->tty);
}

static void ichip_tx_abort(struct ichip_dev *dev)
{
	dev->tx_buf = NULL;
	ichip_flow_stop(dev, false);
	if (dev->tty)
		clear_bit(TTY_DO_WRITE_WAKEUP, &dev->tty->flags);
}

/* The SSND payload: after the text and ':' on the wire (else CR). */
static size_t ichip_cmd_data_len(const struct ichip_cmd *cmd)
{
	if (cmd->wire_len <= cmd->text_len || cmd->wire[cmd->text_len] != ':')
		return 0;
	return cmd->wire_len - cmd->text_len - 1;
}

/* Put the next command on the wire, if the wire is free. */
static void ichip_cmdq_kick(struct ichip_dev *dev)
{
	struct ichip_cmd *cmd;

	lockdep_assert_held(&dev->lock);
	if (dev->inflight || dev->detached || list_empty(&dev->queue) ||
	    dev->state == ICHIP_DEV_STATE_HUNGUP || dev->tx_flush)
		return;

	cmd = list_first_entry(&dev->queue, struct ichip_cmd, node);
	list_del(&cmd->node);
	dev->inflight = cmd;
	ichip_flow_stop(dev, false);
	if (ichip_cmd_data_len(cmd))
		ichip_frame_expect_ssnd(dev->frame, cmd->text, cmd->text_len,
					cmd->wire + cmd->text_len + 1,
					ichip_cmd_data_len(cmd));
	else
		ichip_frame_expect(dev->frame, cmd->kind, cmd->text,
				   cmd->text_len);
	ichip_set_state(dev, cmd->internal ? ICHIP_DEV_STATE_RESYNC :
					     ICHIP_DEV_STATE_BUSY);
	dev->tx_buf = cmd->wire;
	dev->tx_len = cmd->wire_len;
	dev->tx_pos = 0;
	ichip_arm_timeout(dev);
	ichip_tx_push(dev);
}

/* The deadline counts from the last byte the tty accepted. */
void ichip_cmdq_tx_progress(struct ichip_dev *dev)
{
	lockdep_assert_held(&dev->lock);
	if (dev->inflight)
		ichip_arm_timeout(dev);
}

/*
 * A resync ping.  After a ping went unanswered the module may be
 * swallowing an SSND payload that a dead host left half-sent, so later
 * pings first pad it out with CRs (blank lines, which the module ignores).
 */
static struct ichip_cmd *ichip_resync_alloc(size_t fill)
{
	size_t ping = sizeof(ichip_ping) - 1;
	struct ichip_cmd *cmd;

	cmd = kvzalloc(struct_size(cmd, buf, ping + 1 + fill + ping + 1),
		       GFP_KERNEL);
	if (!cmd)
		return NULL;
	cmd->text = (char *)cmd->buf;
	memcpy(cmd->text, ichip_ping, ping + 1);
	cmd->text_len = ping;
	cmd->wire = cmd->buf + ping + 1;
	memset(cmd->wire, '\r', fill);
	memcpy(cmd->wire + fill, ichip_ping, ping);
	cmd->wire[fill + ping] = '\r';
	cmd->wire_len = fill + ping + 1;
	cmd->kind = ICHIP_REPLY_STATUS;
	cmd->timeout_ms = ichip_cmd_default_timeout_ms(ichip_ping, ping);
	cmd->internal = true;
	return cmd;
}

static bool ichip_queue_resync(struct ichip_dev *dev)
{
	struct ichip_cmd *cmd;

	cmd = ichip_resync_alloc(dev->resync_tries ? ICHIP_DATA_LEN_MAX : 0);
	if (!cmd)
		return false;
	dev->stats.resyncs++;
	list_add(&cmd->node, &dev->queue);
	return true;
}

static void ichip_fail_cmd(struct ichip_dev *dev, struct ichip_cmd *cmd,
			   int err)
{
	if (!cmd->internal) {
		dev->depth--;
		ichip_genl_result(dev, cmd, ICHIP_STATUS_FAILED, err, NULL);
	}
	ichip_cmd_free(cmd);
}

/* Fail the command on the wire and everything queued, with @err. */
void ichip_cmdq_fail_all(struct ichip_dev *dev, int err)
{
	struct ichip_cmd *cmd, *tmp;

	lockdep_assert_held(&dev->lock);
	if (dev->flush_cmd) {	/* answered, RESULT parked for a flush */
		cmd = dev->flush_cmd;
		dev->flush_cmd = NULL;
		ichip_fail_cmd(dev, cmd, err);
	}
	if (dev->inflight) {
		cmd = dev->inflight;
		dev->inflight = NULL;
		ichip_frame_abandon(dev->frame);
		ichip_tx_abort(dev);
		ichip_fail_cmd(dev, cmd, err);
	}
	list_for_each_entry_safe(cmd, tmp, &dev->queue, node) {
		list_del(&cmd->node);
		ichip_fail_cmd(dev, cmd, err);
	}
	cancel_delayed_work(&dev->timeout_work);
}

static void ichip_resync_failed(struct ichip_dev *dev)
{
	/* the framer may be counting a payload the module never finished */
	ichip_frame_reset(dev->frame);
	if (++dev->resync_tries < ICHIP_RESYNC_TRIES &&
	    ichip_queue_resync(dev))
		return;
	dev->resync_tries = 0;
	pr_warn_ratelimited("%s: module not answering; failing %u queued commands\n",
			    dev->name, dev->depth);
	ichip_cmdq_fail_all(dev, EIO);
	ichip_set_state(dev, ICHIP_DEV_STATE_UNRESPONSIVE);
	ichip_genl_dev_event(dev, ICHIP_CMD_DEV_STATE,
			     ICHIP_DEV_EVENT_RESYNC_FAILED, NULL, 0);
}

static void ichip_resync_done(struct ichip_dev *dev,
			      const struct ichip_result *res)
{
	if (res->status != ICHIP_STATUS_OK) {
		ichip_resync_failed(dev);
		return;
	}
	dev->resync_tries = 0;
	ichip_set_state(dev, ICHIP_DEV_STATE_IDLE);
	ichip_genl_dev_event(dev, ICHIP_CMD_DEV_STATE,
			     ICHIP_DEV_EVENT_RESYNC_OK, NULL, 0);
}

/* RESULT (or resync outcome) of a completed command; the queue goes on. */
static void ichip_cmdq_finish(struct ichip_dev *dev, struct ichip_cmd *cmd,
			      const struct ichip_result *res)
{
	if (res->status == ICHIP_STATUS_ERROR ||
	    res->status == ICHIP_STATUS_BUSY)
		dev->stats.module_errors++;

	if (cmd->internal) {
		ichip_resync_done(dev, res);
	} else {
		dev->depth--;
		dev->stats.commands++;
		ichip_genl_result(dev, cmd, res->status, 0, res);
		if (dev->state == ICHIP_DEV_STATE_BUSY)
			ichip_set_state(dev, ICHIP_DEV_STATE_IDLE);
	}
	ichip_cmd_free(cmd);
	ichip_cmdq_kick(dev);
}

/* The framer completed the command on the wire. */
static void ichip_cmdq_complete(struct ichip_dev *dev)
{
	const struct ichip_result *res = &dev->frame->res;
	struct ichip_cmd *cmd = dev->inflight;
	bool unsent = dev->tx_buf;	/* answered before it was all sent */

	dev->inflight = NULL;
	cancel_delayed_work(&dev->timeout_work);
	ichip_flow_stop(dev, false);
	if (unsent)
		ichip_tx_abort(dev);
	/*
	 * An SSND answered early (I/ERROR after the header) or before all
	 * of it left: the payload bytes still in the tty driver's buffer
	 * would reach the module as AT+i lines.  The receive path flushes
	 * them (without dev->lock, see ichip_ldisc_receive_buf), then
	 * ichip_cmdq_flushed() sends the RESULT and a resync ping: a client
	 * that has the RESULT knows the rest of the payload is gone.
	 */
	if (cmd->payload && (unsent || res->status != ICHIP_STATUS_OK)) {
		dev->tx_flush = true;
		dev->flush_cmd = cmd;
		return;
	}
	ichip_cmdq_finish(dev, cmd, res);
}

/* The tty driver's buffer was flushed: the parked RESULT, then resync. */
void ichip_cmdq_flushed(struct ichip_dev *dev)
{
	struct ichip_cmd *cmd = dev->flush_cmd;

	lockdep_assert_held(&dev->lock);
	dev->tx_flush = false;
	dev->flush_cmd = NULL;
	if (!cmd) {		/* failed meanwhile (hangup) */
		ichip_cmdq_kick(dev);
		return;
	}
	ichip_queue_resync(dev);
	ichip_cmdq_finish(dev, cmd, &dev->frame->res);
}

/*
 * Feed received bytes to the framer.  Returns how many were used: all of
 * them, unless a completion needs the tty driver's buffer flushed first
 * (dev->tx_flush); the caller flushes and feeds the rest.
 */
size_t ichip_cmdq_rx(struct ichip_dev *dev, const u8 *buf, size_t len)
{
	struct ichip_event ev;
	size_t used, done = 0;

	lockdep_assert_held(&dev->lock);
	while (done < len && !dev->tx_flush) {
		used = ichip_frame_feed(dev->frame, buf + done, len - done,
					&ev);
		done += used;
		switch (ev.type) {
		case ICHIP_EV_RESULT:
			if (dev->inflight)
				ichip_cmdq_complete(dev);
			break;
		case ICHIP_EV_UNSOLICITED:
			/* a flood costs a counter, not an skb per line */
			dev->stats.unsolicited++;
			if (__ratelimit(&dev->unsol_rs))
				ichip_genl_dev_event(dev, ICHIP_CMD_DEV_STATE,
						     ICHIP_DEV_EVENT_UNSOLICITED,
						     ev.line, ev.len);
			break;
		case ICHIP_EV_NOISE:
			dev->stats.noise++;
			break;
		case ICHIP_EV_WAIT:
			/* only an SSND stream is paced; stray bytes are not */
			if (dev->inflight && dev->frame->ssnd)
				ichip_flow_stop(dev, true);
			break;
		case ICHIP_EV_CONTINUE:
			if (dev->tx_stopped) {
				ichip_flow_stop(dev, false);
				ichip_tx_push(dev);
			}
			break;
		case ICHIP_EV_OVERFLOW:	/* counted by the framer */
		case ICHIP_EV_ECHO:
		case ICHIP_EV_NONE:
			break;
		}
	}
	dev->stats.rx_bytes += done;
	return done;
}

static void ichip_timeout_work(struct work_struct *work)
{
	struct ichip_dev *dev = container_of(to_delayed_work(work),
					     struct ichip_dev, timeout_work);
	struct ichip_cmd *cmd;

	mutex_lock(&dev->lock);
	cmd = dev->inflight;
	if (!cmd || dev->detached)
		goto out;
	/* queued before a completion re-armed it: not this command's time */
	if (time_before(jiffies, dev->deadline)) {
		mod_delayed_work(system_wq, &dev->timeout_work,
				 dev->deadline - jiffies);
		goto out;
	}

	dev->inflight = NULL;
	ichip_frame_abandon(dev->frame);
	ichip_tx_abort(dev);
	dev->stats.timeouts++;
	if (cmd->internal) {
		ichip_cmd_free(cmd);
		ichip_resync_failed(dev);
	} else {
		ichip_fail_cmd(dev, cmd, ETIMEDOUT);
		if (!ichip_queue_resync(dev)) {
			ichip_cmdq_fail_all(dev, ENOMEM);
			ichip_set_state(dev, ICHIP_DEV_STATE_UNRESPONSIVE);
		}
	}
	ichip_cmdq_kick(dev);
out:
	mutex_unlock(&dev->lock);
}

void ichip_cmdq_init(struct ichip_dev *dev)
{
	INIT_LIST_HEAD(&dev->queue);
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
				     struct genl_info *info)
{
	struct ichip_cmd *cmd;
	int kind;

	lockdep_assert_held(&dev->lock);
	if (dev->detached)
		return ERR_PTR(-ENODEV);
	if (dev->state == ICHIP_DEV_STATE_HUNGUP)
		return ERR_PTR(-EPIPE);
	if (dev->depth >= READ_ONCE(ichip_queue_max))
		return ERR_PTR(-EBUSY);
	kind = ichip_cmd_classify(text, len, data_len);
	if (kind < 0)
		return ERR_PTR(kind);

	cmd = ichip_cmd_alloc(text, len, data, data_len, kind);
	if (!cmd)
		return ERR_PTR(-ENOMEM);
	if (timeout_ms)
		cmd->timeout_ms = timeout_ms;
	cmd->payload = data_len > 0;
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
	dev->depth++;
	/* an unresponsive module gets a resync before new work */
	if (dev->state == ICHIP_DEV_STATE_UNRESPONSIVE && !dev->inflight &&
	    list_empty(&dev->queue) && !ichip_queue_resync(dev)) {
		ichip_fail_cmd(dev, cmd, ENOMEM);
		return 0;
	}
	list_add_tail(&cmd->node, &dev->queue);
	ichip_cmdq_kick(dev);
	return 0;
}

/*
 * The netlink socket @portid of @net closed: its commands still run (the
 * module cannot be told otherwise), but their RESULTs go nowhere, never
 * to a socket that binds the same portid later.
 */
void ichip_cmdq_forget_portid(struct ichip_dev *dev, struct net *net,
			      u32 portid)
{
	struct ichip_cmd *cmd;

	lockdep_assert_held(&dev->lock);
	if (dev->inflight && dev->inflight->portid == portid &&
	    net_eq(dev->inflight->net, net))
		dev->inflight->portid = 0;
	list_for_each_entry(cmd, &dev->queue, node)
		if (cmd->portid == portid && net_eq(cmd->net, net))
			cmd->portid = 0;
}

/*
 * The tty refused the command's bytes (->write returned @err < 0): fail
 * it now with that errno rather than at its timeout, then resync, since
 * part of it may have reached the module.
 */
void ichip_cmdq_tx_failed(struct ichip_dev *dev, int err)
{
	struct ichip_cmd *cmd = dev->inflight;

	lockdep_assert_held(&dev->lock);
	if (!cmd)
		return;
	dev->inflight = NULL;
	cancel_delayed_work(&dev->timeout_work);
	ichip_frame_abandon(dev->frame);
	ichip_tx_abort(dev);
	if (cmd->internal) {
		ichip_cmd_free(cmd);
		ichip_resync_failed(dev);
	} else {
		ichip_fail_cmd(dev, cmd, -err);
		if (!ichip_queue_resync(dev)) {
			ichip_cmdq_fail_all(dev, ENOMEM);
			ichip_set_state(dev, ICHIP_DEV_STATE_UNRESPONSIVE);
		}
	}
	ichip_cmdq_kick(dev);
}
