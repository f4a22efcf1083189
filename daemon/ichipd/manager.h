/* SPDX-License-Identifier: GPL-2.0-only */
/* SPDX-FileCopyrightText: 2026 The ichip authors */
/*
 * The manager (org.ichip.Manager1 at /org/ichip): the daemon's root
 * object, which owns the devices.  Everything runs on one sd-event loop.
 */
#ifndef ICHIPD_MANAGER_H
#define ICHIPD_MANAGER_H

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "device.h"

enum transport_choice {
	TRANSPORT_AUTO,
	TRANSPORT_KERNEL,
	TRANSPORT_TTY,
};

struct manager {
	sd_event *event;
	struct sd_device_monitor *udev_monitor;
	sd_bus *bus;
	sd_bus_slot *slot;
	sd_bus_slot *om_slot;
	char *state_dir;
	enum transport_choice transport;
	bool test_allow_all;
	bool debug_commands;
	bool checksum_mode;			/* ichipd.conf checksum-mode */
	unsigned int max_sessions_per_user;	/* per device, root exempt */
	uint64_t idle_timeout_us;		/* 0: no idle timeout */
	struct device *devices;
	unsigned int next_device;
};

int manager_new(sd_event *e, sd_bus *bus, struct manager **out);
void manager_free(struct manager *m);
int manager_add_device(struct manager *m, const char *port,
		       unsigned int baud, enum dev_flow flow, const char *name,
		       struct device **out, sd_bus_error *error);
void manager_remove_device(struct manager *m, struct device *d,
			   const char *reason);
struct device *manager_find_device(struct manager *m, const char *path);
bool device_name_ok(const char *name);

#endif /* ICHIPD_MANAGER_H */
