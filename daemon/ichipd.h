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
struct ca_request;
struct session;

/*
 * A D-Bus caller waiting for a module answer.  When the device goes, the
 * transport calls no callback any more: device_free() answers every
 * waiter through gone() instead of leaving the caller to time out.
 */
struct dev_waiter {
	struct dev_waiter *next;
	void (*gone)(struct dev_waiter *w);
};

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

struct device_counters {
	uint64_t sessions_opened;
	uint64_t session_bytes_in;
	uint64_t session_bytes_out;
};

/*
 * Host flow control: none (SSNDs stay at 256 bytes, at-plus-i.md §7),
 * the module's WAIT/CONTINUE bytes (its default), or RTS/CTS.
 */
enum dev_flow { DEV_FLOW_NONE, DEV_FLOW_XONXOFF, DEV_FLOW_RTSCTS };
#define DEV_FLOW_DEFAULT DEV_FLOW_XONXOFF
/* "none", "xonxoff", "rtscts": the value, or -1 */
int dev_flow_parse(const char *s);

/* an AT+i!SCLS in flight, so a handle is not closed twice */
struct close_slot {
	struct device *d;
	int handle;
};

struct device {
	struct device *next;
	struct manager *m;
	unsigned int num;
	char path[64];
	char name[65];
	char *port;
	unsigned int baud;
	enum dev_flow flow;
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
	/* sessions freed while their AT+iSTCP runs: the socket it opens is
	 * closed when the answer comes (finding 1 of issue 12) */
	struct session *orphans;
	uint16_t closing;		/* bit h: SCLS of handle h in flight */
	struct close_slot close_slots[ICHIPD_MAX_SOCKETS];
	unsigned int next_session;
	struct device_counters counters;
	struct dev_waiter *waiters;
	/* CA operations run one at a time: the others wait their turn */
	unsigned int ca_busy;		/* CA writes in flight */
	struct ca_request *ca_queue;
	/* the poller: one RP4 for all sockets, then SRCV where data waits */
	sd_event_source *poll_timer;
	bool poll_busy;
	uint64_t poll_interval_us;
	uint64_t poll_active_until;	/* CLOCK_MONOTONIC usec: poll fast */
};

/* manager.c */
int manager_new(sd_event *e, sd_bus *bus, struct manager **out);
void manager_free(struct manager *m);
int manager_add_device(struct manager *m, const char *port,
		       unsigned int baud, enum dev_flow flow, const char *name,
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
	       enum dev_flow flow, const char *name, struct device **out,
	       sd_bus_error *error);
void device_free(struct device *d, const char *reason);
void device_emit_changed(struct device *d, const char *prop);
void device_wait(struct device *d, struct dev_waiter *w);
void device_unwait(struct device *d, struct dev_waiter *w);
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
void sessions_free_orphans(struct device *d);
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
/* Answer a refused call: PermissionDenied, or InteractiveAuthorization-
 * Required when polkit could authenticate but the caller did not allow it. */
int polkit_reply_denied(sd_bus_message *m, const sd_bus_error *perr,
			const char *why);

#endif /* ICHIPD_H */
