// SPDX-License-Identifier: GPL-2.0
/*
 * n_ichip: line discipline for Connect One iChip / W24 modules (AT+i).
 * Module parameters, the device registry and module init/exit.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/idr.h>
#include <linux/module.h>
#include <linux/nsproxy.h>
#include <net/genetlink.h>
#include <linux/slab.h>
#include <linux/tty.h>

#include "ichip.h"

static int ldisc = N_DEVELOPMENT;
module_param(ldisc, int, 0444);
MODULE_PARM_DESC(ldisc, "line discipline number (default N_DEVELOPMENT, 29)");

unsigned int ichip_queue_max = 64;
module_param_named(queue_max, ichip_queue_max, uint, 0644);
MODULE_PARM_DESC(queue_max, "commands queued per device before EXEC fails with EBUSY");

DEFINE_MUTEX(ichip_devs_lock);
LIST_HEAD(ichip_devs);
static DEFINE_IDA(ichip_ida);

struct ichip_dev *ichip_dev_get(struct net *net, u32 index)
{
	struct ichip_dev *dev, *found = NULL;

	mutex_lock(&ichip_devs_lock);
	list_for_each_entry(dev, &ichip_devs, node) {
		if (dev->index == index && net_eq(dev->net, net)) {
			kref_get(&dev->ref);
			found = dev;
			break;
		}
	}
	mutex_unlock(&ichip_devs_lock);
	return found;
}

static void ichip_dev_release(struct kref *ref)
{
	struct ichip_dev *dev = container_of(ref, struct ichip_dev, ref);

	ida_free(&ichip_ida, dev->index);
	put_net(dev->net);
	kvfree(dev->frame);
	kfree(dev);
}

void ichip_dev_put(struct ichip_dev *dev)
{
	kref_put(&dev->ref, ichip_dev_release);
}

/* Called by the ldisc open: a new device, listed and announced. */
struct ichip_dev *ichip_dev_create(struct tty_struct *tty)
{
	struct ichip_dev *dev;
	int index;

	dev = kzalloc(sizeof(*dev), GFP_KERNEL);
	if (!dev)
		return ERR_PTR(-ENOMEM);
	dev->frame = kvzalloc(sizeof(*dev->frame), GFP_KERNEL);
	index = ida_alloc(&ichip_ida, GFP_KERNEL);
	if (!dev->frame || index < 0) {
		if (index >= 0)
			ida_free(&ichip_ida, index);
		kvfree(dev->frame);
		kfree(dev);
		return ERR_PTR(-ENOMEM);
	}
	dev->index = index;
	mutex_init(&dev->lock);
	kref_init(&dev->ref);
	strscpy(dev->name, tty->name, sizeof(dev->name));
	dev->net = get_net(current->nsproxy->net_ns);
	dev->tty = tty;
	dev->state = ICHIP_DEV_STATE_IDLE;
	ichip_frame_reset(dev->frame);
	ichip_cmdq_init(dev);

	mutex_lock(&ichip_devs_lock);
	list_add_tail(&dev->node, &ichip_devs);
	mutex_unlock(&ichip_devs_lock);
	return dev;
}

/* Called by the ldisc close: unlisted at once, freed on the last put. */
void ichip_dev_unlist(struct ichip_dev *dev)
{
	mutex_lock(&ichip_devs_lock);
	list_del_init(&dev->node);
	mutex_unlock(&ichip_devs_lock);
}

static int __init ichip_init(void)
{
	int ret;

	if (ldisc <= N_TTY || ldisc >= NR_LDISCS) {
		pr_err("ldisc=%d out of range 1..%d\n", ldisc, NR_LDISCS - 1);
		return -EINVAL;
	}
	ret = ichip_genl_register();
	if (ret)
		return ret;
	ret = ichip_ldisc_register(ldisc);
	if (ret) {
		ichip_genl_unregister();
		return ret;
	}
	pr_info("line discipline %d, netlink family \"%s\" v%d\n", ldisc,
		ICHIP_FAMILY_NAME, ICHIP_FAMILY_VERSION);
	return 0;
}

static void __exit ichip_exit(void)
{
	/* the tty core holds a module reference while a tty uses us */
	ichip_ldisc_unregister();
	ichip_genl_unregister();
	ida_destroy(&ichip_ida);
}

module_init(ichip_init);
module_exit(ichip_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Line discipline for Connect One iChip / W24 AT+i modules");
MODULE_ALIAS_LDISC(N_DEVELOPMENT);
MODULE_ALIAS_GENL_FAMILY(ICHIP_FAMILY_NAME);
