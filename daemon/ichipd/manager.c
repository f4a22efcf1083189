// SPDX-License-Identifier: GPL-2.0-only
// SPDX-FileCopyrightText: 2026 The ichip authors
/*
 * org.ichip.Manager1 at /org/ichip, and the device registry.  Each method
 * validates, then authorizes (polkit), then acts.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "device.h"
#include "errors.h"
#include "ichip-dbus-members.h"
#include "ichip-dbus.h"
#include "log.h"
#include "manager.h"
#include "polkit.h"
#include "util.h"


struct device *manager_find_device(struct manager *m, const char *path)
{
	struct device *d;

	for (d = m->devices; d; d = d->next)
		if (!strcmp(d->path, path))
			return d;
	return NULL;
}

static struct device *find_by_port(struct manager *m, const char *port)
{
	struct device *d;

	for (d = m->devices; d; d = d->next)
		if (!strcmp(d->port, port))
			return d;
	return NULL;
}

static struct device *find_by_name(struct manager *m, const char *name)
{
	struct device *d;

	for (d = m->devices; d; d = d->next)
		if (!strcmp(d->name, name))
			return d;
	return NULL;
}

/* 1-64 of [A-Za-z0-9._-], not starting with '.': it names state files. */
bool device_name_ok(const char *name)
{
	size_t i, n = strlen(name);

	if (!n || n > 64 || name[0] == '.')
		return false;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)name[i]) && !strchr("._-", name[i]))
			return false;
	return true;
}

int manager_add_device(struct manager *m, const char *port,
		       unsigned int baud, enum dev_flow flow, const char *name,
		       struct device **out, sd_bus_error *error)
{
	char tty[65];
	struct device *d, **pp;
	int r;

	if (find_by_port(m, port))
		return sd_bus_error_setf(error, ERR_BUSY,
					 "%s is already managed", port);
	/* the tty's kernel name by default: stable for the persisted CA */
	if (!name) {
		kernel_tty_name(port, tty, sizeof(tty));
		name = tty;
	}
	if (!device_name_ok(name))
		return sd_bus_error_setf(error, ERR_INVALID_ARGUMENT,
					 "bad device name '%s'", name);
	if (find_by_name(m, name))
		return sd_bus_error_setf(error, ERR_BUSY,
					 "a device named %s exists", name);
	r = device_new(m, port, baud, flow, name, &d, error);
	if (r < 0)
		return r;
	/* appended: GetDevices lists them in the order they were added */
	for (pp = &m->devices; *pp; pp = &(*pp)->next)
		;
	*pp = d;
	if (out)
		*out = d;
	return 0;
}

void manager_remove_device(struct manager *m, struct device *d,
			   const char *reason)
{
	struct device **pp;

	for (pp = &m->devices; *pp; pp = &(*pp)->next) {
		if (*pp == d) {
			*pp = d->next;
			break;
		}
	}
	device_free(d, reason);
}

static int method_get_devices(sd_bus_message *msg, void *userdata,
			      sd_bus_error *error)
{
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
	struct manager *m = userdata;
	struct device *d;
	int r;

	r = sd_bus_message_new_method_return(msg, &reply);
	if (r < 0)
		return r;
	r = sd_bus_message_open_container(reply, 'a', "o");
	for (d = m->devices; r >= 0 && d; d = d->next)
		r = sd_bus_message_append(reply, "o", d->path);
	if (r >= 0)
		r = sd_bus_message_close_container(reply);
	return r < 0 ? r : sd_bus_send(NULL, reply, NULL);
}

struct add_request {
	struct manager *m;
	char *port;
	char *name;
	uint32_t baud;
	enum dev_flow flow;
};

static void add_authorized(void *userdata, sd_bus_message *msg, int allowed,
			   const sd_bus_error *perr)
{
	_cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
	struct add_request *req = userdata;
	struct device *d;
	int r;

	if (!allowed) {
		polkit_reply_denied(msg, perr,
				    "not authorized to manage devices");
		goto out;
	}
	r = manager_add_device(req->m, req->port, req->baud, req->flow,
			       req->name, &d, &error);
	if (r < 0) {
		if (!sd_bus_error_is_set(&error))
			sd_bus_error_set_errno(&error, r);
		sd_bus_reply_method_error(msg, &error);
		goto out;
	}
	sd_bus_reply_method_return(msg, "o", d->path);
out:
	free(req->port);
	free(req->name);
	free(req);
}

static int method_add_device(sd_bus_message *msg, void *userdata,
			     sd_bus_error *error)
{
	struct manager *m = userdata;
	struct add_request *req;
	const char *port, *name = NULL, *flow = "xonxoff";
	uint32_t baud = 115200;
	const struct option_spec spec[] = {
		{ "baud", 'u', &baud, NULL },
		{ "flow", 's', &flow, NULL },
		{ "name", 's', &name, NULL },
		{ NULL, 0, NULL, NULL },
	};
	int r;

	r = sd_bus_message_read(msg, "s", &port);
	if (r < 0)
		return r;
	r = options_parse(msg, spec, error);
	if (r < 0)
		return r;
	if (port[0] != '/' || strlen(port) > 256)
		return sd_bus_error_setf(error, ERR_INVALID_ARGUMENT,
					 "port must be an absolute path");
	if (dev_flow_parse(flow) < 0)
		return sd_bus_error_setf(error, ERR_INVALID_ARGUMENT,
			"flow must be 'none', 'xonxoff' or 'rtscts'");
	if (name && !device_name_ok(name))
		return sd_bus_error_setf(error, ERR_INVALID_ARGUMENT,
			"bad device name: 1-64 of A-Z a-z 0-9 . _ -");

	req = calloc(1, sizeof(*req));
	if (!req)
		return -ENOMEM;
	req->m = m;
	req->port = strdup(port);
	req->name = name ? strdup(name) : NULL;
	req->baud = baud;
	req->flow = (enum dev_flow)dev_flow_parse(flow);
	r = polkit_check(m, msg, ICHIP_ACTION_MANAGE_DEVICES, add_authorized,
			 req);
	if (r < 0) {
		free(req->port);
		free(req->name);
		free(req);
		return r;
	}
	return 1;
}

static void remove_authorized(void *userdata, sd_bus_message *msg,
			      int allowed, const sd_bus_error *perr)
{
	struct manager *m = userdata;
	struct device *d;
	const char *path;

	if (!allowed) {
		polkit_reply_denied(msg, perr,
				    "not authorized to manage devices");
		return;
	}
	sd_bus_message_rewind(msg, true);
	if (sd_bus_message_read(msg, "o", &path) < 0)
		return;
	d = manager_find_device(m, path);
	if (!d) {	/* removed meanwhile */
		sd_bus_reply_method_errorf(msg, ERR_NOT_FOUND,
					   "no device %s", path);
		return;
	}
	manager_remove_device(m, d, "device-lost");
	sd_bus_reply_method_return(msg, NULL);
}

static int method_remove_device(sd_bus_message *msg, void *userdata,
				sd_bus_error *error)
{
	struct manager *m = userdata;
	const char *path;
	int r;

	r = sd_bus_message_read(msg, "o", &path);
	if (r < 0)
		return r;
	if (!manager_find_device(m, path))
		return sd_bus_error_setf(error, ERR_NOT_FOUND, "no device %s",
					 path);
	r = polkit_check(m, msg, ICHIP_ACTION_MANAGE_DEVICES,
			 remove_authorized, m);
	return r < 0 ? r : 1;
}

static int property_get_version(sd_bus *bus, const char *path,
				const char *interface, const char *property,
				sd_bus_message *reply, void *userdata,
				sd_bus_error *error)
{
	return sd_bus_message_append(reply, "s", ICHIP_VERSION);
}

static const sd_bus_vtable manager_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_PROPERTY(ICHIP_MANAGER1_VERSION, "s", property_get_version, 0,
			SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_METHOD_WITH_ARGS(ICHIP_MANAGER1_GET_DEVICES, SD_BUS_NO_ARGS,
				SD_BUS_RESULT("ao", devices),
				method_get_devices, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS(ICHIP_MANAGER1_ADD_DEVICE,
				SD_BUS_ARGS("s", port, "a{sv}", options),
				SD_BUS_RESULT("o", device),
				method_add_device,
				SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS(ICHIP_MANAGER1_REMOVE_DEVICE,
				SD_BUS_ARGS("o", device),
				SD_BUS_NO_RESULT, method_remove_device,
				SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_VTABLE_END
};

int manager_new(sd_event *e, sd_bus *bus, struct manager **out)
{
	struct manager *m = calloc(1, sizeof(*m));
	int r;

	if (!m)
		return -ENOMEM;
	m->event = sd_event_ref(e);
	m->bus = sd_bus_ref(bus);
	r = sd_bus_add_object_manager(bus, &m->om_slot, "/");
	if (r >= 0)
		r = sd_bus_add_object_vtable(bus, &m->slot, ICHIP_MANAGER_PATH,
					     ICHIP_MANAGER_IFACE,
					     manager_vtable, m);
	if (r < 0) {
		manager_free(m);
		return r;
	}
	*out = m;
	return 0;
}

void manager_free(struct manager *m)
{
	while (m->devices)
		manager_remove_device(m, m->devices, "device-lost");
	sd_bus_slot_unref(m->slot);
	sd_bus_slot_unref(m->om_slot);
	sd_bus_unref(m->bus);
	sd_event_unref(m->event);
	free(m->state_dir);
	free(m);
}
