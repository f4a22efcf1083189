// SPDX-License-Identifier: GPL-2.0-only
// SPDX-FileCopyrightText: 2026 The ichip authors
/*
 * ichip_faulty_tty: a test-only tty driver (one port, /dev/ttyFAULT0)
 * whose write fails with -fail_errno while that parameter is set, and
 * otherwise accepts and drops everything; its flush_buffer can take
 * flush_delay_ms, with "flushing" reading 1 meanwhile; writing N to
 * inject_noise receives N bytes, every other one flagged TTY_PARITY.
 * No tty driver the VM kernels have can be made to fail a write on
 * demand, hold an ldisc open in a known place or produce line errors
 * (a pty never flags bytes); n_ichip's handling of a failing ->write
 * (issue 13, finding 7), its attach order (8) and its cost per
 * line-error byte (10) are tested on this one.  Loaded only in the test
 * VM, never installed.
 */
#include <linux/delay.h>
#include <linux/module.h>
#include <linux/tty.h>
#include <linux/tty_driver.h>
#include <linux/tty_flip.h>
#include <linux/version.h>

static int fail_errno;
module_param(fail_errno, int, 0644);
MODULE_PARM_DESC(fail_errno, "errno each write fails with; 0: writes succeed");

static unsigned int flush_delay_ms;
module_param(flush_delay_ms, uint, 0644);
MODULE_PARM_DESC(flush_delay_ms, "flush_buffer sleeps this long");

static int flushing;
module_param(flushing, int, 0444);
MODULE_PARM_DESC(flushing, "1 while flush_buffer sleeps");

static struct tty_driver *ft_driver;
static struct tty_port ft_port;
static const struct tty_port_operations ft_port_ops;

/* Receive N bytes ('a', 'b', ...), every odd one with a parity error. */
static int ft_inject_noise(const char *val, const struct kernel_param *kp)
{
	unsigned int n, i;
	int err = kstrtouint(val, 0, &n);

	if (err)
		return err;
	if (n > 65536)
		return -EINVAL;
	for (i = 0; i < n; i++)
		tty_insert_flip_char(&ft_port, 'a' + i % 26,
				     i % 2 ? TTY_PARITY : TTY_NORMAL);
	tty_flip_buffer_push(&ft_port);
	return 0;
}

static const struct kernel_param_ops ft_inject_ops = {
	.set = ft_inject_noise,
};

module_param_cb(inject_noise, &ft_inject_ops, NULL, 0200);
MODULE_PARM_DESC(inject_noise, "receive N bytes, every other one flagged");

static int ft_open(struct tty_struct *tty, struct file *filp)
{
	return tty_port_open(&ft_port, tty, filp);
}

static void ft_close(struct tty_struct *tty, struct file *filp)
{
	tty_port_close(&ft_port, tty, filp);
}

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 6, 0)
static ssize_t ft_write(struct tty_struct *tty, const u8 *buf, size_t count)
#else
static int ft_write(struct tty_struct *tty, const unsigned char *buf,
		    int count)
#endif
{
	int err = READ_ONCE(fail_errno);

	if (err > 0 && err < MAX_ERRNO)
		return -err;
	return count;
}

static void ft_flush_buffer(struct tty_struct *tty)
{
	unsigned int ms = READ_ONCE(flush_delay_ms);

	if (!ms)
		return;
	WRITE_ONCE(flushing, 1);
	msleep(ms);
	WRITE_ONCE(flushing, 0);
}

static unsigned int ft_write_room(struct tty_struct *tty)
{
	return 65536;
}

static const struct tty_operations ft_ops = {
	.open = ft_open,
	.close = ft_close,
	.write = ft_write,
	.write_room = ft_write_room,
	.flush_buffer = ft_flush_buffer,
};

static int __init ft_init(void)
{
	struct device *dev;
	int err;

	ft_driver = tty_alloc_driver(1, TTY_DRIVER_REAL_RAW |
				     TTY_DRIVER_DYNAMIC_DEV);
	if (IS_ERR(ft_driver))
		return PTR_ERR(ft_driver);
	ft_driver->driver_name = "ichip_faulty_tty";
	ft_driver->name = "ttyFAULT";
	ft_driver->type = TTY_DRIVER_TYPE_SERIAL;
	ft_driver->subtype = SERIAL_TYPE_NORMAL;
	ft_driver->init_termios = tty_std_termios;
	ft_driver->init_termios.c_cflag |= CLOCAL;
	tty_set_operations(ft_driver, &ft_ops);
	tty_port_init(&ft_port);
	ft_port.ops = &ft_port_ops;
	err = tty_register_driver(ft_driver);
	if (err)
		goto put;
	dev = tty_port_register_device(&ft_port, ft_driver, 0, NULL);
	if (IS_ERR(dev)) {
		err = PTR_ERR(dev);
		tty_unregister_driver(ft_driver);
		goto put;
	}
	return 0;
put:
	tty_driver_kref_put(ft_driver);
	tty_port_destroy(&ft_port);
	return err;
}

static void __exit ft_exit(void)
{
	tty_unregister_device(ft_driver, 0);
	tty_unregister_driver(ft_driver);
	tty_driver_kref_put(ft_driver);
	tty_port_destroy(&ft_port);
}

module_init(ft_init);
module_exit(ft_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("n_ichip selftests: a tty whose writes fail on demand");
