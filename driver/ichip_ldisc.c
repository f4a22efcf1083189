// SPDX-License-Identifier: GPL-2.0-only
// SPDX-FileCopyrightText: 2026 The ichip authors
/*
 * The line discipline: attach/detach, bytes in from the tty, bytes out to
 * it with write_wakeup flow control.  The protocol lives in ichip_cmdq.c
 * and the framing core; this file only moves bytes and lifetimes.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/module.h>
#include <linux/nsproxy.h>
#include <linux/user_namespace.h>
#include <linux/tty.h>
#include <linux/tty_ldisc.h>

#include "compat.h"
#include "ichip.h"

/* Write as much of the command on the wire as the tty takes now. */
void ichip_tx_push(struct ichip_dev *dev)
{
	struct tty_struct *tty = dev->tty;
	const u8 *buf;
	size_t len;
	int n;

	lockdep_assert_held(&dev->lock);
	if (!tty)
		return;
	while ((len = ichip_cq_tx_peek(&dev->cq, &buf))) {
		/* set before writing: the driver may drain and wake at once */
		set_bit(TTY_DO_WRITE_WAKEUP, &tty->flags);
		n = tty->ops->write(tty, buf, len);
		if (n < 0) {	/* the driver failed: no wakeup will come */
			ichip_cq_tx_failed(&dev->cq, -n);
			return;
		}
		if (n == 0)
			return;	/* full: write_wakeup resumes; timeout backs */
		ichip_genl_monitor(dev, ICHIP_MON_DIR_TX, buf, n);
		dev->stats.tx_bytes += n;
		ichip_cq_tx_advance(&dev->cq, n);
	}
	clear_bit(TTY_DO_WRITE_WAKEUP, &tty->flags);
}

static void ichip_tx_work(struct work_struct *work)
{
	struct ichip_dev *dev = container_of(work, struct ichip_dev, tx_work);

	mutex_lock(&dev->lock);
	if (!dev->detached)
		ichip_tx_push(dev);
	mutex_unlock(&dev->lock);
}

/*
 * Drop what the tty driver still holds of an SSND the module answered
 * early (UART FIFO, usb-serial or pty buffer), then let the queue go on.
 * Not under dev->lock: a pty's flush takes the other end's buffer lock,
 * and a receive work holding its buffer lock takes a dev->lock (with
 * n_ichip on both ends of a pty, an ABBA deadlock).  The tty core keeps
 * the ldisc (and dev) while this receive_buf runs.
 */
static void ichip_rx_flush(struct ichip_dev *dev, struct tty_struct *tty)
{
	mutex_unlock(&dev->lock);
	tty_driver_flush_buffer(tty);
	mutex_lock(&dev->lock);
	ichip_cq_flushed(&dev->cq);
}

static int ichip_ldisc_open(struct tty_struct *tty)
{
	struct ichip_dev *dev;

	/*
	 * The device becomes reachable over netlink: an admin decision, and
	 * one user-namespace model for the whole family: devices live only
	 * in network namespaces owned by the initial user namespace, where
	 * the monitor and events groups (ns_capable on the netns owner)
	 * demand the same capability as attach and EXEC (capable()).  A
	 * container root thus never reads a device host root attached.
	 */
	if (!capable(CAP_NET_ADMIN) ||
	    current->nsproxy->net_ns->user_ns != &init_user_ns)
		return -EPERM;
	if (!tty->ops->write)
		return -EOPNOTSUPP;

	dev = ichip_dev_create(tty);
	if (IS_ERR(dev))
		return PTR_ERR(dev);
	INIT_WORK(&dev->tx_work, ichip_tx_work);
	tty->disc_data = dev;
	tty->receive_room = 65536;
	tty_driver_flush_buffer(tty);

	/* listed last: an EXEC finds a device that is completely set up */
	ichip_dev_publish(dev);
	mutex_lock(&dev->lock);
	ichip_genl_dev_event(dev, ICHIP_CMD_DEV_NEW, ICHIP_DEV_EVENT_STATE,
			     NULL, 0);
	mutex_unlock(&dev->lock);
	return 0;
}

static void ichip_ldisc_close(struct tty_struct *tty)
{
	struct ichip_dev *dev = tty->disc_data;

	ichip_dev_unlist(dev);

	mutex_lock(&dev->lock);
	dev->detached = true;
	ichip_cq_fail_all(&dev->cq, ENODEV);
	dev->tty = NULL;
	ichip_genl_dev_event(dev, ICHIP_CMD_DEV_DEL, ICHIP_DEV_EVENT_STATE,
			     NULL, 0);
	mutex_unlock(&dev->lock);

	/* both work items see ->detached and do nothing from here on */
	clear_bit(TTY_DO_WRITE_WAKEUP, &tty->flags);
	cancel_work_sync(&dev->tx_work);
	cancel_delayed_work_sync(&dev->timeout_work);
	tty->disc_data = NULL;
	ichip_dev_put(dev);
}

static void ichip_ldisc_hangup(struct tty_struct *tty)
{
	struct ichip_dev *dev = tty->disc_data;

	mutex_lock(&dev->lock);
	if (!dev->detached) {
		ichip_cq_fail_all(&dev->cq, EPIPE);
		ichip_cq_set_state(&dev->cq, ICHIP_DEV_STATE_HUNGUP);
	}
	mutex_unlock(&dev->lock);

	/*
	 * A hangup detaches for good.  Serial drivers (8250, usb-serial)
	 * keep termios across a hangup, so the next open would re-attach
	 * whoever opens the tty, silently, or fail the open of a user who
	 * may not attach.  The next open gets N_TTY; ichipd re-attaches.
	 */
	down_write(&tty->termios_rwsem);
	tty->termios.c_line = N_TTY;
	up_write(&tty->termios_rwsem);
}

static ICHIP_RX_PROTO(ichip_ldisc_receive_buf)
{
	struct ichip_dev *dev = tty->disc_data;
	size_t i = 0, start, n = count;

	mutex_lock(&dev->lock);
	/* one monitor copy per buffer, line-error bytes included */
	if (!dev->detached)
		ichip_genl_monitor(dev, ICHIP_MON_DIR_RX, cp, n);
	while (!dev->detached && i < n) {
		/* a byte with a line error (parity, framing, break) is noise */
		if (fp && fp[i] != TTY_NORMAL) {
			dev->stats.noise++;
			i++;
			continue;
		}
		start = i;
		while (i < n && (!fp || fp[i] == TTY_NORMAL))
			i++;
		i = start + ichip_cmdq_rx(dev, cp + start, i - start);
		if (dev->cq.need_flush)
			ichip_rx_flush(dev, tty);
	}
	mutex_unlock(&dev->lock);
	/*
	 * On a pty, the writer on the master (a simulator, a serial bridge)
	 * may wait for the room these bytes leave.  N_TTY wakes it from its
	 * read path; we take the bytes here, so we wake it, or it sleeps
	 * until its own timeout.
	 */
	if (tty->driver->type == TTY_DRIVER_TYPE_PTY && tty->link)
		tty_wakeup(tty->link);
}

static void ichip_ldisc_write_wakeup(struct tty_struct *tty)
{
	struct ichip_dev *dev = tty->disc_data;

	/* may run in IRQ context: defer to process context */
	schedule_work(&dev->tx_work);
}

static int ichip_ldisc_ioctl(struct tty_struct *tty, unsigned int cmd,
			     unsigned long arg)
{
	int ret;

	/* termios stays adjustable (baud, flow control) while attached */
	ret = tty_mode_ioctl(tty, cmd, arg);
	if (ret != -ENOIOCTLCMD)
		return ret;
	/* tcflow() and tcflush() (TCXONC, TCFLSH) work as on N_TTY */
	return n_tty_ioctl_helper(tty, cmd, arg);
}

/*
 * A new speed (stty, or ichipd after the module's baud switch): the
 * checksum-mode SSND probe waits for the SSND's wire time at this one.
 */
static void ichip_ldisc_set_termios(struct tty_struct *tty,
				    const struct ktermios *old)
{
	struct ichip_dev *dev = tty->disc_data;

	mutex_lock(&dev->lock);
	dev->cq.baud = tty_get_baud_rate(tty);
	mutex_unlock(&dev->lock);
}

static struct tty_ldisc_ops ichip_ldisc_ops = {
	.owner		= THIS_MODULE,
	.name		= "n_ichip",
	.open		= ichip_ldisc_open,
	.close		= ichip_ldisc_close,
	.hangup		= ichip_ldisc_hangup,
	.ioctl		= ichip_ldisc_ioctl,
	.set_termios	= ichip_ldisc_set_termios,
	.receive_buf	= ichip_ldisc_receive_buf,
	.write_wakeup	= ichip_ldisc_write_wakeup,
};

int ichip_ldisc_register(int num)
{
	ichip_ldisc_ops.num = num;
	return tty_register_ldisc(&ichip_ldisc_ops);
}

void ichip_ldisc_unregister(void)
{
	tty_unregister_ldisc(&ichip_ldisc_ops);
}
