/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ichipd: the objects behind the D-Bus API (daemon/CONTRACT.md,
 * Documentation/dbus/) and how they own each other:
 * manager -> devices -> sessions.  Everything runs on one sd-event loop.
 */
#ifndef ICHIPD_H
#define ICHIPD_H

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "transport.h"

#define ICHIPD_MAX_SOCKETS	10	/* module client sockets 0..9 */
#define ICHIPD_SESSIONS_LIMIT	ICHIPD_MAX_SOCKETS

struct ca_cert;
struct session;

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
	struct device *devices;
	unsigned int next_device;
};

struct device_counters {
	uint64_t sessions_opened;
	uint64_t session_bytes_in;
	uint64_t session_bytes_out;
};

struct device {
	struct device *next;
	struct manager *m;
	unsigned int num;
	char path[64];
	char name[65];
	char *port;
	unsigned int baud;
	bool rtscts;
	struct xport *x;
	enum ichip_dev_state state;
	bool lost;
	sd_event_source *lost_defer;	/* removal after the device is lost */
	char *firmware;
	char *serial;
	struct ca_cert *module_ca;	/* what the module holds, as last read */
	struct ca_cert *host_ca;	/* host-only anchor; wins when set */
	sd_bus_slot *slot;
	struct session *sessions;
	unsigned int next_session;
	struct device_counters counters;
	/* the poller: one RP4 for all sockets, then SRCV where data waits */
	sd_event_source *poll_timer;
	bool poll_busy;
	uint64_t poll_interval_us;
	uint64_t poll_active_until;	/* CLOCK_MONOTONIC usec: poll fast */
	/* module sockets with an SCLS on its way (bit per handle) */
	uint32_t closing;
	struct scls_ctx {
		struct device *d;
		int handle;
	} scls_ctx[ICHIPD_MAX_SOCKETS];
};

/* manager.c */
int manager_new(sd_event *e, sd_bus *bus, struct manager **out);
void manager_free(struct manager *m);
int manager_add_device(struct manager *m, const char *port,
		       unsigned int baud, bool rtscts, const char *name,
		       struct device **out, sd_bus_error *error);
void manager_remove_device(struct manager *m, struct device *d,
			   const char *reason);
struct device *manager_find_device(struct manager *m, const char *path);
bool device_name_ok(const char *name);

/* udev.c */
int udev_start(struct manager *m);
void udev_stop(struct manager *m);

/* device.c */
void kernel_tty_name(const char *port, char *out, size_t len);
int device_new(struct manager *m, const char *port, unsigned int baud,
	       bool rtscts, const char *name, struct device **out,
	       sd_bus_error *error);
void device_free(struct device *d, const char *reason);
void device_emit_changed(struct device *d, const char *prop);
void device_close_socket(struct device *d, int handle);
extern const sd_bus_vtable device_vtable[];

/* device-ca.c */
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

/* session.c */
int method_open_session(sd_bus_message *m, void *userdata,
			sd_bus_error *error);
void session_close(struct session *s, const char *reason);
void sessions_close_all(struct device *d, const char *reason);
unsigned int device_session_count(struct device *d);
int device_session_paths(struct device *d, sd_bus_message *reply);

/* poller.c */
void poller_kick(struct device *d);
void poller_stop(struct device *d);

/* polkit.c */
typedef void (*polkit_done_fn)(void *userdata, sd_bus_message *m,
			       int allowed, const sd_bus_error *error);
int polkit_check(struct manager *mgr, sd_bus_message *m, const char *action,
		 polkit_done_fn done, void *userdata);

#endif /* ICHIPD_H */
