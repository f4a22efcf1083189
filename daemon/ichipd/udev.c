// SPDX-License-Identifier: GPL-2.0-only
// SPDX-FileCopyrightText: 2026 The ichip authors
/*
 * Devices from udev: ttys that our rules (udev/60-ichip.rules) or the
 * admin marked with ICHIP_DEVICE=1.  Optional ICHIP_BAUD, ICHIP_FLOW
 * (none|rtscts) and ICHIP_NAME properties tune them.  A tty that goes
 * away removes its device; its sessions close with "device-lost".
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-device.h>

#include "device.h"
#include "log.h"
#include "manager.h"
#include "udev.h"
#include "util.h"

static bool is_ichip(sd_device *dev)
{
	const char *v;

	return sd_device_get_property_value(dev, "ICHIP_DEVICE", &v) >= 0 &&
	       !strcmp(v, "1");
}

static void add_tty(struct manager *m, sd_device *dev)
{
	_cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
	const char *node, *baud = NULL, *flow = NULL, *name = NULL;

	if (sd_device_get_devname(dev, &node) < 0)
		return;
	sd_device_get_property_value(dev, "ICHIP_BAUD", &baud);
	sd_device_get_property_value(dev, "ICHIP_FLOW", &flow);
	sd_device_get_property_value(dev, "ICHIP_NAME", &name);
	if (manager_add_device(m, node, baud ? (unsigned int)atoi(baud) :
			       115200, flow && dev_flow_parse(flow) >= 0 ?
			       (enum dev_flow)dev_flow_parse(flow) :
			       DEV_FLOW_DEFAULT, name, NULL, &error) < 0)
		log_warning("udev: %s: %s", node, error.message ?
			    error.message : "cannot add");
}

static struct device *find_tty(struct manager *m, sd_device *dev)
{
	struct device *d;
	const char *node;

	if (sd_device_get_devname(dev, &node) < 0)
		return NULL;
	for (d = m->devices; d; d = d->next)
		if (!strcmp(d->port, node))
			return d;
	return NULL;
}

static int on_uevent(sd_device_monitor *mon, sd_device *dev, void *userdata)
{
	struct manager *m = userdata;
	sd_device_action_t action;

	struct device *d;

	if (sd_device_get_action(dev, &action) < 0)
		return 0;
	d = find_tty(m, dev);
	/* "change" too: udevadm trigger after the admin marked a port */
	if (action == SD_DEVICE_REMOVE ||
	    (action == SD_DEVICE_CHANGE && d && !is_ichip(dev))) {
		if (d)
			manager_remove_device(m, d, "device-lost");
	} else if ((action == SD_DEVICE_ADD || action == SD_DEVICE_CHANGE) &&
		   !d && is_ichip(dev)) {
		add_tty(m, dev);
	}
	return 0;
}

int udev_start(struct manager *m)
{
	_cleanup_(sd_device_enumerator_unrefp) sd_device_enumerator *e = NULL;
	sd_device *dev;
	int r;

	r = sd_device_monitor_new(&m->udev_monitor);
	if (r >= 0)
		r = sd_device_monitor_filter_add_match_subsystem_devtype(
			m->udev_monitor, "tty", NULL);
	if (r >= 0)
		r = sd_device_monitor_attach_event(m->udev_monitor, m->event);
	if (r >= 0)
		r = sd_device_monitor_start(m->udev_monitor, on_uevent, m);
	if (r < 0)
		log_warning("udev monitor: %s (hotplug disabled)", strerror(-r));

	r = sd_device_enumerator_new(&e);
	if (r >= 0)
		r = sd_device_enumerator_add_match_subsystem(e, "tty", true);
	if (r >= 0)
		r = sd_device_enumerator_add_match_property(e, "ICHIP_DEVICE",
							    "1");
	if (r < 0)
		return r;
	for (dev = sd_device_enumerator_get_device_first(e); dev;
	     dev = sd_device_enumerator_get_device_next(e))
		add_tty(m, dev);
	return 0;
}

void udev_stop(struct manager *m)
{
	m->udev_monitor = sd_device_monitor_unref(m->udev_monitor);
}
