/* SPDX-License-Identifier: GPL-2.0-only */
/* SPDX-FileCopyrightText: 2026 The ichip authors */
/* org.ichip.Error.* (named in ichip-dbus.h) mapped to errno values once. */
#ifndef ICHIPD_ERRORS_H
#define ICHIPD_ERRORS_H

#include <systemd/sd-bus.h>

#include "ichip-dbus.h"

extern const sd_bus_error_map ichip_error_map[];

/* A failed transport reply as a D-Bus error: Timeout, DeviceLost, ... */
struct xport_reply;
int error_from_reply(sd_bus_error *error, const struct xport_reply *r,
		     const char *what);

#endif /* ICHIPD_ERRORS_H */
