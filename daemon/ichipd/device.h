/* SPDX-License-Identifier: GPL-2.0-only */
/* SPDX-FileCopyrightText: 2026 The ichip authors */
/*
 * A module on a serial port (org.ichip.Device1 at /org/ichip/dev<N>):
 * its transport, its sessions, its CA, its poller state.  A device is
 * owned by the manager and owns its sessions.
 */
#ifndef ICHIPD_DEVICE_H
#define ICHIPD_DEVICE_H

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "transport.h"

#define ICHIPD_MAX_SOCKETS	10	/* module client sockets 0..9 */
#define ICHIPD_SESSIONS_LIMIT	ICHIPD_MAX_SOCKETS

struct ca_cert;
struct ca_request;
struct device;
struct manager;
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
/* Make the module's FLW bit 0 match the configured flow (device-flow.c). */
void device_flow_setup(struct device *d);

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
	/* the connect barrier (session-connect.c) */
	unsigned int connecting;	/* AT+iSTCPs in flight */
	uint16_t close_due;		/* bit h: SCLS of h after their answer */
	sd_event_source *connect_wake;
	struct close_slot close_slots[ICHIPD_MAX_SOCKETS];
	unsigned int next_session;
	struct device_counters counters;
	struct dev_waiter *waiters;
	/* CA operations run one at a time: the others wait their turn */
	unsigned int ca_busy;		/* CA writes in flight */
	struct ca_request *ca_queue;
	/* the poller: one RP4 for all sockets, then SRCV where data waits */
	/* bulk commands take turns (session-sched.c) */
	struct session *bulk_holder, *bulk_turn;
	sd_event_source *bulk_wake;
	sd_event_source *poll_timer;
	sd_event_source *poll_now;	/* defer: poll at the next turn */
	uint64_t poll_due;		/* CLOCK_MONOTONIC usec */
	bool poll_busy;
	uint64_t poll_interval_us;
	uint64_t poll_active_until;	/* CLOCK_MONOTONIC usec: poll fast */
	uint64_t poll_sent;		/* the last RP4 was queued then */
	bool poll_held;			/* held back for a lone stream */
	/* checksum mode: when the line last damaged a payload (usec) */
	uint64_t cksum_seen, cksum_read_us, cksum_damage_us;
};

void kernel_tty_name(const char *port, char *out, size_t len);
int device_new(struct manager *m, const char *port, unsigned int baud,
	       enum dev_flow flow, const char *name, struct device **out,
	       sd_bus_error *error);
void device_free(struct device *d, const char *reason);
void device_emit_changed(struct device *d, const char *prop);
void device_wait(struct device *d, struct dev_waiter *w);
void device_unwait(struct device *d, struct dev_waiter *w);
void device_close_socket(struct device *d, int handle);
bool device_line_calm(struct device *d);
extern const sd_bus_vtable device_vtable[];

#endif /* ICHIPD_DEVICE_H */
