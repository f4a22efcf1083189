// SPDX-License-Identifier: GPL-2.0-only
// SPDX-FileCopyrightText: 2026 The ichip authors
/*
 * n_ichip: line discipline for Connect One iChip / W24 modules (AT+i).
 * Module parameters, the device registry and module init/exit.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/moduleparam.h>
#include <linux/module.h>
#include <linux/nsproxy.h>
#include <net/genetlink.h>
#include <linux/slab.h>
#include <linux/tty.h>
#include <linux/xarray.h>

#include "ichip.h"

static int ldisc = N_DEVELOPMENT;
module_param(ldisc, int, 0444);
MODULE_PARM_DESC(ldisc, "line discipline number (default N_DEVELOPMENT, 29; autoload only for 29)");

/* Bounded: 0 would refuse every EXEC, a huge value pins unbounded memory. */
unsigned int ichip_queue_max = 64;

static int ichip_queue_max_set(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 1, ICHIP_QUEUE_MAX_LIMIT);
}

static const struct kernel_param_ops ichip_queue_max_ops = {
	.set = ichip_queue_max_set,
	.get = param_get_uint,
};

module_param_cb(queue_max, &ichip_queue_max_ops, &ichip_queue_max, 0644);
MODULE_PARM_DESC(queue_max, "commands queued per device before EXEC fails with EBUSY (1..4096)");

/*
 * Devices by index.  Indexes are allocated cyclically, like ifindex: a
 * client still holding the index of an unplugged device gets ENODEV, not
 * another module.  An index is reserved (NULL entry) while the device is
 * set up and published only when it is complete.
 */
DEFINE_MUTEX(ichip_devs_lock);
DEFINE_XARRAY_ALLOC(ichip_devs);
static u32 ichip_next_index;
/* Bumped on every publish and unlist: dumps flag NLM_F_DUMP_INTR. */
unsigned int ichip_devs_gen = 1;

struct ichip_dev *ichip_dev_get(struct net *net, u32 index)
{
	struct ichip_dev *dev;

	mutex_lock(&ichip_devs_lock);
	dev = xa_load(&ichip_devs, index);
	if (dev && net_eq(dev->net, net))
		kref_get(&dev->ref);
	else
		dev = NULL;
	mutex_unlock(&ichip_devs_lock);
	return dev;
}

static void ichip_dev_release(struct kref *ref)
{
	struct ichip_dev *dev = container_of(ref, struct ichip_dev, ref);

	put_net(dev->net);
	kvfree(dev->frame);
	kfree(dev);
}

void ichip_dev_put(struct ichip_dev *dev)
{
	kref_put(&dev->ref, ichip_dev_release);
}

/* Called by the ldisc open: a new device with its index reserved. */
struct ichip_dev *ichip_dev_create(struct tty_struct *tty)
{
	struct ichip_dev *dev;
	u32 index;
	int err;

	dev = kzalloc(sizeof(*dev), GFP_KERNEL);
	if (!dev)
		return ERR_PTR(-ENOMEM);
	dev->frame = kvzalloc(sizeof(*dev->frame), GFP_KERNEL);
	if (!dev->frame) {
		kfree(dev);
		return ERR_PTR(-ENOMEM);
	}
	mutex_lock(&ichip_devs_lock);
	err = xa_alloc_cyclic(&ichip_devs, &index, NULL, xa_limit_31b,
			      &ichip_next_index, GFP_KERNEL);
	mutex_unlock(&ichip_devs_lock);
	if (err < 0) {
		kvfree(dev->frame);
		kfree(dev);
		return ERR_PTR(err);
	}
	dev->index = index;
	mutex_init(&dev->lock);
	kref_init(&dev->ref);
	strscpy(dev->name, tty->name, sizeof(dev->name));
	dev->net = get_net(current->nsproxy->net_ns);
	dev->tty = tty;
	ichip_frame_reset(dev->frame);
	ichip_cmdq_init(dev);
	/* the line's speed at attach, for the checksum-mode SSND probe */
	dev->cq.baud = tty_get_baud_rate(tty);
	return dev;
}

/* Last step of the ldisc open: from here netlink can reach the device. */
void ichip_dev_publish(struct ichip_dev *dev)
{
	mutex_lock(&ichip_devs_lock);
	xa_store(&ichip_devs, dev->index, dev, GFP_KERNEL);
	ichip_devs_gen++;
	mutex_unlock(&ichip_devs_lock);
}

/*
 * Called by the ldisc close, or when the open fails after create:
 * unreachable at once, freed on the last put.  The index is not reused
 * until the 31-bit space wraps.
 */
void ichip_dev_unlist(struct ichip_dev *dev)
{
	mutex_lock(&ichip_devs_lock);
	xa_erase(&ichip_devs, dev->index);
	ichip_devs_gen++;
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
	WARN_ON(!xa_empty(&ichip_devs));
	xa_destroy(&ichip_devs);
}

module_init(ichip_init);
module_exit(ichip_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Line discipline for Connect One iChip / W24 AT+i modules");
/*
 * The alias can only name the default number: it must be known before
 * the module (and its ldisc= parameter) is loaded.  With another ldisc=,
 * load the module explicitly (see Documentation/n_ichip.rst).
 */
MODULE_ALIAS_LDISC(N_DEVELOPMENT);
MODULE_ALIAS_GENL_FAMILY(ICHIP_FAMILY_NAME);
