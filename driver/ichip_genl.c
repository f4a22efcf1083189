// SPDX-License-Identifier: GPL-2.0-only
// SPDX-FileCopyrightText: 2026 The ichip authors
/*
 * Generic netlink family "ichip" (Documentation/netlink/specs/ichip.yaml):
 * DEV_GET, EXEC, unicast RESULT, and the events and monitor groups.
 * A doit never waits for the module: EXEC queues and answers a cookie.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ktime.h>
#include <linux/netlink.h>
#include <linux/notifier.h>
#include <net/genetlink.h>
#include <net/sock.h>

#include "compat.h"
#include "ichip.h"

enum ichip_mcgrp_index {
	ICHIP_NLGRP_EVENTS,
	ICHIP_NLGRP_MONITOR,
};

static const struct genl_multicast_group ichip_mcgrps[] = {
	[ICHIP_NLGRP_EVENTS] = {
		.name = ICHIP_MCGRP_EVENTS,
		.flags = GENL_MCAST_CAP_NET_ADMIN,
	},
	/* raw traffic carries certificates and payloads: admin only */
	[ICHIP_NLGRP_MONITOR] = {
		.name = ICHIP_MCGRP_MONITOR,
		.flags = GENL_MCAST_CAP_NET_ADMIN,
	},
};

static struct genl_family ichip_genl_family;

/* not const: 6.1's nla_policy.range is a plain pointer */
static struct netlink_range_validation ichip_timeout_range = {
	.min = ICHIP_TIMEOUT_MIN_MS,
	.max = ICHIP_TIMEOUT_MAX_MS,
};

static const struct nla_policy ichip_dev_get_policy[ICHIP_A_DEV_INDEX + 1] = {
	[ICHIP_A_DEV_INDEX] = { .type = NLA_U32 },
};

static const struct nla_policy ichip_exec_policy[ICHIP_A_CKSUM + 1] = {
	[ICHIP_A_DEV_INDEX] = { .type = NLA_U32 },
	[ICHIP_A_CMD] = { .type = NLA_NUL_STRING, .len = ICHIP_CMD_LEN_MAX },
	[ICHIP_A_DATA] = { .type = NLA_BINARY, .len = ICHIP_DATA_LEN_MAX },
	[ICHIP_A_TIMEOUT_MS] = NLA_POLICY_FULL_RANGE(NLA_U32,
						     &ichip_timeout_range),
	[ICHIP_A_CKSUM] = { .type = NLA_FLAG },
};

static int ichip_put_stats(struct sk_buff *msg, const struct ichip_dev *dev)
{
	const struct ichip_stats *s = &dev->stats;
	const struct ichip_cq_stats *q = &dev->cq.stats;
	struct nlattr *nest = nla_nest_start(msg, ICHIP_A_STATS);

	if (!nest)
		return -EMSGSIZE;
#define PUT(attr, val) \
	nla_put_u64_64bit(msg, attr, val, ICHIP_A_STATS_PAD)
	if (PUT(ICHIP_A_STATS_TX_BYTES, s->tx_bytes) ||
	    PUT(ICHIP_A_STATS_RX_BYTES, s->rx_bytes) ||
	    PUT(ICHIP_A_STATS_COMMANDS, q->commands) ||
	    PUT(ICHIP_A_STATS_MODULE_ERRORS, q->module_errors) ||
	    PUT(ICHIP_A_STATS_TIMEOUTS, q->timeouts) ||
	    PUT(ICHIP_A_STATS_RESYNCS, q->resyncs) ||
	    PUT(ICHIP_A_STATS_OVERRUNS, dev->frame->stats.overflows) ||
	    PUT(ICHIP_A_STATS_NOISE, s->noise + q->noise) ||
	    PUT(ICHIP_A_STATS_UNSOLICITED, q->unsolicited) ||
	    PUT(ICHIP_A_STATS_RESULTS_LOST, s->results_lost) ||
	    PUT(ICHIP_A_STATS_CKSUM_ERRORS, q->cksum_errors) ||
	    PUT(ICHIP_A_STATS_CKSUM_RETRIES, q->cksum_retries)) {
		nla_nest_cancel(msg, nest);
		return -EMSGSIZE;
	}
#undef PUT
	nla_nest_end(msg, nest);
	return 0;
}

static int ichip_put_text(struct sk_buff *msg, const char *text, size_t len)
{
	struct nlattr *attr = nla_reserve(msg, ICHIP_A_TEXT, len + 1);

	if (!attr)
		return -EMSGSIZE;
	memcpy(nla_data(attr), text, len);
	((char *)nla_data(attr))[len] = '\0';
	return 0;
}

/* The device description shared by DEV_GET and the events. */
static int ichip_fill_dev(struct sk_buff *msg, struct ichip_dev *dev)
{
	lockdep_assert_held(&dev->lock);
	if (nla_put_u32(msg, ICHIP_A_DEV_INDEX, dev->index) ||
	    nla_put_string(msg, ICHIP_A_DEV_NAME, dev->name) ||
	    nla_put_u32(msg, ICHIP_A_DEV_STATE, dev->cq.state) ||
	    nla_put_u32(msg, ICHIP_A_QUEUE_DEPTH, dev->cq.depth) ||
	    nla_put_u32(msg, ICHIP_A_QUEUE_MAX, READ_ONCE(ichip_queue_max)))
		return -EMSGSIZE;
	return ichip_put_stats(msg, dev);
}

static int ichip_dev_msg(struct sk_buff *msg, struct ichip_dev *dev,
			 u32 portid, u32 seq, int flags,
			 struct netlink_callback *cb)
{
	void *hdr;

	hdr = genlmsg_put(msg, portid, seq, &ichip_genl_family, flags,
			  ICHIP_CMD_DEV_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (cb)
		genl_dump_check_consistent(cb, hdr);
	mutex_lock(&dev->lock);
	if (ichip_fill_dev(msg, dev)) {
		mutex_unlock(&dev->lock);
		genlmsg_cancel(msg, hdr);
		return -EMSGSIZE;
	}
	mutex_unlock(&dev->lock);
	genlmsg_end(msg, hdr);
	return 0;
}

static int ichip_nl_dev_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct ichip_dev *dev;
	struct sk_buff *msg;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, ICHIP_A_DEV_INDEX))
		return -EINVAL;
	dev = ichip_dev_get(genl_info_net(info),
			    nla_get_u32(info->attrs[ICHIP_A_DEV_INDEX]));
	if (!dev) {
		NL_SET_ERR_MSG_ATTR(info->extack,
				    info->attrs[ICHIP_A_DEV_INDEX],
				    "no such ichip device");
		return -ENODEV;
	}
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	err = msg ? ichip_dev_msg(msg, dev, info->snd_portid,
				  info->snd_seq, 0, NULL) : -ENOMEM;
	ichip_dev_put(dev);
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return genlmsg_reply(msg, info);
}

/*
 * Resumes by device index, not by position: a device detached between two
 * parts of a dump shifts no other device out of it.  A dump that spans a
 * change of the device set carries NLM_F_DUMP_INTR.
 */
static int ichip_nl_dev_get_dumpit(struct sk_buff *skb,
				   struct netlink_callback *cb)
{
	struct net *net = sock_net(skb->sk);
	struct ichip_dev *dev;
	unsigned long index;
	int err = 0;

	mutex_lock(&ichip_devs_lock);
	cb->seq = ichip_devs_gen;
	xa_for_each_start(&ichip_devs, index, dev, cb->args[0]) {
		if (!net_eq(dev->net, net))
			continue;
		err = ichip_dev_msg(skb, dev, NETLINK_CB(cb->skb).portid,
				    cb->nlh->nlmsg_seq, NLM_F_MULTI, cb);
		if (err)
			break;
		cb->args[0] = index + 1;
	}
	if (!err)
		cb->args[0] = ULONG_MAX;	/* done, even if devices follow */
	mutex_unlock(&ichip_devs_lock);
	return err && !skb->len ? err : skb->len;
}

static void ichip_exec_errmsg(struct genl_info *info, int err)
{
	switch (err) {
	case -EINVAL:
		GENL_SET_ERR_MSG(info, "malformed AT+i command or SSND size mismatch");
		break;
	case -E2BIG:
		GENL_SET_ERR_MSG(info, "command or payload too long");
		break;
	case -EBUSY:
		GENL_SET_ERR_MSG(info, "command queue full");
		break;
	case -EPIPE:
		GENL_SET_ERR_MSG(info, "tty hung up");
		break;
	case -ENODEV:
		GENL_SET_ERR_MSG(info, "device detached");
		break;
	}
}

static int ichip_nl_exec_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **attrs = info->attrs;
	const char *text;
	const u8 *data = NULL;
	size_t len, data_len = 0;
	u32 timeout_ms = 0;
	struct ichip_dev *dev;
	struct ichip_cmd *cmd;
	struct sk_buff *reply;
	void *hdr;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, ICHIP_A_DEV_INDEX) ||
	    GENL_REQ_ATTR_CHECK(info, ICHIP_A_CMD))
		return -EINVAL;
	/* NLA_NUL_STRING: terminated; a NUL before the end is refused */
	text = nla_data(attrs[ICHIP_A_CMD]);
	len = strnlen(text, nla_len(attrs[ICHIP_A_CMD]));
	if (len + 1 != nla_len(attrs[ICHIP_A_CMD])) {
		NL_SET_ERR_MSG_ATTR(info->extack, attrs[ICHIP_A_CMD],
				    "NUL inside the command");
		return -EINVAL;
	}
	if (attrs[ICHIP_A_DATA]) {
		data = nla_data(attrs[ICHIP_A_DATA]);
		data_len = nla_len(attrs[ICHIP_A_DATA]);
	}
	if (attrs[ICHIP_A_TIMEOUT_MS])
		timeout_ms = nla_get_u32(attrs[ICHIP_A_TIMEOUT_MS]);

	dev = ichip_dev_get(genl_info_net(info),
			    nla_get_u32(attrs[ICHIP_A_DEV_INDEX]));
	if (!dev) {
		NL_SET_ERR_MSG_ATTR(info->extack, attrs[ICHIP_A_DEV_INDEX],
				    "no such ichip device");
		return -ENODEV;
	}
	reply = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!reply) {
		ichip_dev_put(dev);
		return -ENOMEM;
	}
	hdr = genlmsg_put_reply(reply, info, &ichip_genl_family, 0,
				ICHIP_CMD_EXEC);

	/*
	 * Reply first, then queue, all under the device lock: the cookie
	 * reaches the socket before any RESULT can (both are sent under this
	 * lock), and a reply that cannot be delivered (full receive buffer)
	 * means the command never runs, so the error the client gets is
	 * true and a retry duplicates nothing.
	 */
	mutex_lock(&dev->lock);
	cmd = hdr ? ichip_cmdq_prepare(dev, text, len, data, data_len,
				       timeout_ms, nla_get_flag(attrs[ICHIP_A_CKSUM]),
				       info) : ERR_PTR(-EMSGSIZE);
	if (IS_ERR(cmd)) {
		err = PTR_ERR(cmd);
	} else if (nla_put_u32(reply, ICHIP_A_DEV_INDEX, dev->index) ||
		   nla_put_u64_64bit(reply, ICHIP_A_COOKIE, cmd->cookie,
				     ICHIP_A_PAD)) {
		ichip_cmdq_discard(cmd);
		err = -EMSGSIZE;	/* cannot happen: 32 bytes */
	} else {
		genlmsg_end(reply, hdr);
		err = genlmsg_reply(reply, info);
		reply = NULL;
		if (err)
			ichip_cmdq_discard(cmd);
		else
			ichip_cmdq_queue(dev, cmd);
	}
	mutex_unlock(&dev->lock);

	if (err)
		ichip_exec_errmsg(info, err);
	nlmsg_free(reply);
	ichip_dev_put(dev);
	return err;
}

static const struct genl_ops ichip_genl_ops[] = {
	{
		.cmd = ICHIP_CMD_DEV_GET,
		.doit = ichip_nl_dev_get_doit,
		.dumpit = ichip_nl_dev_get_dumpit,
		.policy = ichip_dev_get_policy,
		.maxattr = ARRAY_SIZE(ichip_dev_get_policy) - 1,
	},
	{
		.cmd = ICHIP_CMD_EXEC,
		.doit = ichip_nl_exec_doit,
		.policy = ichip_exec_policy,
		.maxattr = ARRAY_SIZE(ichip_exec_policy) - 1,
		.flags = GENL_ADMIN_PERM,
	},
};

static struct genl_family ichip_genl_family __ro_after_init = {
	.name = ICHIP_FAMILY_NAME,
	.version = ICHIP_FAMILY_VERSION,
	.maxattr = ICHIP_A_MAX,
	.netnsok = true,
	.module = THIS_MODULE,
	.ops = ichip_genl_ops,
	.n_ops = ARRAY_SIZE(ichip_genl_ops),
	.mcgrps = ichip_mcgrps,
	.n_mcgrps = ARRAY_SIZE(ichip_mcgrps),
};

void ichip_genl_result(struct ichip_dev *dev, struct ichip_cmd *cmd,
		       enum ichip_status status, int err,
		       const struct ichip_result *res)
{
	size_t text_len = res ? res->text_len : 0;
	size_t data_len = res ? res->data_len : 0;
	struct sk_buff *msg;
	void *hdr;

	lockdep_assert_held(&dev->lock);
	if (!cmd->portid)	/* its socket closed: the portid may be reused */
		goto lost;
	msg = genlmsg_new(nla_total_size(text_len + 1) +
			  nla_total_size(data_len) + 128, GFP_KERNEL);
	if (!msg)
		goto lost;
	hdr = genlmsg_put(msg, 0, 0, &ichip_genl_family, 0, ICHIP_CMD_RESULT);
	if (!hdr ||
	    nla_put_u32(msg, ICHIP_A_DEV_INDEX, dev->index) ||
	    nla_put_u64_64bit(msg, ICHIP_A_COOKIE, cmd->cookie, ICHIP_A_PAD) ||
	    nla_put_u32(msg, ICHIP_A_STATUS, status) ||
	    (err && nla_put_u32(msg, ICHIP_A_ERRNO, err)) ||
	    (res && nla_put_u32(msg, ICHIP_A_MODULE_ERROR,
				res->module_error)) ||
	    (text_len && ichip_put_text(msg, res->text, text_len)) ||
	    (data_len && nla_put(msg, ICHIP_A_DATA, data_len, res->data))) {
		nlmsg_free(msg);
		goto lost;
	}
	genlmsg_end(msg, hdr);
	/* non-blocking: a client that stops reading loses its results */
	if (genlmsg_unicast(cmd->net, msg, cmd->portid))
		goto lost;
	return;
lost:
	dev->stats.results_lost++;
}

void ichip_genl_dev_event(struct ichip_dev *dev, u8 cmd,
			  enum ichip_dev_event event, const char *text,
			  size_t text_len)
{
	struct sk_buff *msg;
	void *hdr;

	lockdep_assert_held(&dev->lock);
	if (!genl_has_listeners(&ichip_genl_family, dev->net,
				ICHIP_NLGRP_EVENTS))
		return;
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE + text_len, GFP_KERNEL);
	if (!msg)
		return;
	hdr = genlmsg_put(msg, 0, 0, &ichip_genl_family, 0, cmd);
	if (!hdr || ichip_fill_dev(msg, dev) ||
	    nla_put_u32(msg, ICHIP_A_EVENT, event) ||
	    (text_len && ichip_put_text(msg, text, text_len))) {
		nlmsg_free(msg);
		return;
	}
	genlmsg_end(msg, hdr);
	genlmsg_multicast_netns(&ichip_genl_family, dev->net, msg, 0,
				ICHIP_NLGRP_EVENTS, GFP_KERNEL);
}

void ichip_genl_monitor(struct ichip_dev *dev, enum ichip_mon_dir dir,
			const u8 *buf, size_t len)
{
	u64 now = ktime_get_ns();
	struct sk_buff *msg;
	size_t n;
	void *hdr;

	lockdep_assert_held(&dev->lock);
	if (!genl_has_listeners(&ichip_genl_family, dev->net,
				ICHIP_NLGRP_MONITOR))
		return;
	for (; len; buf += n, len -= n) {
		n = min_t(size_t, len, ICHIP_MONITOR_CHUNK);
		msg = genlmsg_new(nla_total_size(n) + 64, GFP_KERNEL);
		if (!msg)
			return;
		hdr = genlmsg_put(msg, 0, 0, &ichip_genl_family, 0,
				  ICHIP_CMD_MONITOR);
		if (!hdr || nla_put_u32(msg, ICHIP_A_DEV_INDEX, dev->index) ||
		    nla_put_u32(msg, ICHIP_A_MON_DIR, dir) ||
		    nla_put_u64_64bit(msg, ICHIP_A_MON_TIME_NS, now,
				      ICHIP_A_PAD) ||
		    nla_put(msg, ICHIP_A_DATA, n, buf)) {
			nlmsg_free(msg);
			return;
		}
		genlmsg_end(msg, hdr);
		genlmsg_multicast_netns(&ichip_genl_family, dev->net, msg, 0,
					ICHIP_NLGRP_MONITOR, GFP_KERNEL);
	}
}

/*
 * A netlink socket closed: commands it sent must not deliver their
 * RESULT to whichever socket binds that portid next.
 */
static int ichip_netlink_notify(struct notifier_block *nb,
				unsigned long state, void *ptr)
{
	struct netlink_notify *n = ptr;
	struct ichip_dev *dev;
	unsigned long index;

	if (state != NETLINK_URELEASE || n->protocol != NETLINK_GENERIC)
		return NOTIFY_DONE;
	mutex_lock(&ichip_devs_lock);
	xa_for_each(&ichip_devs, index, dev) {
		mutex_lock(&dev->lock);
		ichip_cmdq_forget_portid(dev, n->net, n->portid);
		mutex_unlock(&dev->lock);
	}
	mutex_unlock(&ichip_devs_lock);
	return NOTIFY_DONE;
}

static struct notifier_block ichip_netlink_notifier = {
	.notifier_call = ichip_netlink_notify,
};

int ichip_genl_register(void)
{
	int err;

	err = netlink_register_notifier(&ichip_netlink_notifier);
	if (err)
		return err;
	err = genl_register_family(&ichip_genl_family);
	if (err)
		netlink_unregister_notifier(&ichip_netlink_notifier);
	return err;
}

void ichip_genl_unregister(void)
{
	genl_unregister_family(&ichip_genl_family);
	netlink_unregister_notifier(&ichip_netlink_notifier);
}
