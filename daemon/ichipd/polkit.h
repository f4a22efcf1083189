/* SPDX-License-Identifier: GPL-2.0-only */
/* SPDX-FileCopyrightText: 2026 The ichip authors */
/* Authorization of D-Bus calls through polkit (org.ichip.policy). */
#ifndef ICHIPD_POLKIT_H
#define ICHIPD_POLKIT_H

#include <systemd/sd-bus.h>

struct manager;

typedef void (*polkit_done_fn)(void *userdata, sd_bus_message *m,
			       int allowed, const sd_bus_error *error);
int polkit_check(struct manager *mgr, sd_bus_message *m, const char *action,
		 polkit_done_fn done, void *userdata);
/* Answer a refused call: PermissionDenied, or InteractiveAuthorization-
 * Required when polkit could authenticate but the caller did not allow it. */
int polkit_reply_denied(sd_bus_message *m, const sd_bus_error *perr,
			const char *why);

#endif /* ICHIPD_POLKIT_H */
