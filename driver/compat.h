/* SPDX-License-Identifier: GPL-2.0-only */
/* SPDX-FileCopyrightText: 2026 The ichip authors */
/*
 * Kernel API differences n_ichip spans: Debian 12's 6.1 is the reference,
 * newer kernels changed the ldisc receive and tty write signatures (6.6)
 * and not every 6.1 has capability-restricted multicast groups.
 */
#ifndef ICHIP_COMPAT_H
#define ICHIP_COMPAT_H

#include <linux/version.h>
#include <net/genetlink.h>

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 6, 0)
#define ICHIP_RX_PROTO(name) \
	void name(struct tty_struct *tty, const u8 *cp, const u8 *fp, \
		  size_t count)
#else
#define ICHIP_RX_PROTO(name) \
	void name(struct tty_struct *tty, const unsigned char *cp, \
		  const char *fp, int count)
#endif

/*
 * Without GENL_MCAST_CAP_NET_ADMIN any user could read the monitor group
 * (raw traffic, certificates included); refuse to build rather than leak.
 */
#ifndef GENL_MCAST_CAP_NET_ADMIN
#error "kernel lacks GENL_MCAST_CAP_NET_ADMIN (needed to protect the monitor group)"
#endif

#endif /* ICHIP_COMPAT_H */
