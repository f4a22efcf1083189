/* SPDX-License-Identifier: GPL-2.0-only */
/* SPDX-FileCopyrightText: 2026 The ichip authors */
/* Devices from udev: ports marked ICHIP_DEVICE=1 come and go. */
#ifndef ICHIPD_UDEV_H
#define ICHIPD_UDEV_H

struct manager;

int udev_start(struct manager *m);
void udev_stop(struct manager *m);

#endif /* ICHIPD_UDEV_H */
