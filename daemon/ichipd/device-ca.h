/* SPDX-License-Identifier: GPL-2.0-only */
/* SPDX-FileCopyrightText: 2026 The ichip authors */
/*
 * A device's CA parameter on D-Bus: SetCA/GetCA/ClearCA/RestoreCA, the
 * persisted copy, and the anchor host-tls sessions verify against.
 */
#ifndef ICHIPD_DEVICE_CA_H
#define ICHIPD_DEVICE_CA_H

#include <systemd/sd-bus.h>

struct ca_cert;
struct device;

void device_ca_load(struct device *d);	/* persisted copy, at start */
void device_ca_from_module(struct device *d, const char *answer);
int method_set_ca(sd_bus_message *m, void *userdata, sd_bus_error *error);
int method_get_ca(sd_bus_message *m, void *userdata, sd_bus_error *error);
int method_clear_ca(sd_bus_message *m, void *userdata, sd_bus_error *error);
int method_restore_ca(sd_bus_message *m, void *userdata,
		      sd_bus_error *error);
int property_get_ca(sd_bus *bus, const char *path, const char *interface,
		    const char *property, sd_bus_message *reply,
		    void *userdata, sd_bus_error *error);
void device_ca_free(struct device *d);
/* The anchor host-tls sessions verify against: host-only, else module. */
const struct ca_cert *device_anchor(const struct device *d);

#endif /* ICHIPD_DEVICE_CA_H */
