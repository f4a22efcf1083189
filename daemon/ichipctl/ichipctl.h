/* SPDX-License-Identifier: GPL-2.0-only */
/* SPDX-FileCopyrightText: 2026 The ichip authors */
/*
 * ichipctl: the command-line client of ichipd.  Shared by the command
 * files: the parsed command line, the exit codes (one per error class,
 * documented in ichipctl(1)), and the D-Bus helpers that turn every
 * failure into one line on stderr plus its exit code.
 */
#ifndef ICHIPCTL_H
#define ICHIPCTL_H

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-bus.h>

#include "ichip-dbus-members.h"
#include "ichip-dbus.h"
#include "ichipctl-json.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))


enum ctl_exit {
	EXIT_OK = 0,
	EXIT_FAIL = 1,
	EXIT_USAGE = 2,
	EXIT_NOT_FOUND = 3,
	EXIT_DENIED = 4,
	EXIT_CERT = 5,
	EXIT_DEVICE = 6,
	EXIT_TLS = 7,
	EXIT_NO_DAEMON = 8,
};

/* Options, as bits: each command says which ones it accepts. */
enum ctl_opt {
	OPT_JSON		= 1 << 0,
	OPT_DEVICE		= 1 << 1,
	OPT_TIMEOUT		= 1 << 2,
	OPT_FORCE		= 1 << 3,
	OPT_SELF_SIGNED_LEAF	= 1 << 4,
	OPT_HOST_ONLY		= 1 << 5,
	OPT_PLAIN		= 1 << 6,
	OPT_LEGACY_DEVICE_TLS	= 1 << 7,
	OPT_SYSTEM_TRUST	= 1 << 8,
	OPT_CONNECT_TIMEOUT	= 1 << 9,
	OPT_CN			= 1 << 10,
	OPT_BITS		= 1 << 11,
	OPT_DAYS		= 1 << 12,
	OPT_OUT			= 1 << 13,
};

/* Accepted by every command (harmless where they do nothing). */
#define OPT_GLOBAL (OPT_JSON | OPT_DEVICE | OPT_TIMEOUT)

struct ctl {
	unsigned int opts;		/* enum ctl_opt bits seen */
	const char *device;		/* --device NAME|PATH */
	uint64_t timeout_usec;		/* --timeout; 0 = sd-bus default */
	uint32_t connect_timeout_ms;
	const char *cn;
	unsigned int bits;
	unsigned int days;
	const char *out;
	char **args;			/* operands after the noun and verb */
	int nargs;
	sd_bus *bus;			/* opened on first use */
};

static inline bool ctl_has(const struct ctl *c, enum ctl_opt o)
{
	return c->opts & o;
}

void ctl_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Usage error: prints the message and a hint, returns EXIT_USAGE. */
int ctl_usage_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Connect to the system bus; EXIT_NO_DAEMON when there is none. */
int ctl_bus(struct ctl *c);

/*
 * Report a failed D-Bus call as "ichipctl: <what>: <message> (<Name>)"
 * and return the exit code of the error's class.
 */
int ctl_bus_fail(const char *what, const sd_bus_error *e, int r);

/* A method call to ichipd; @m is built by the caller after this. */
int ctl_new_call(struct ctl *c, sd_bus_message **m, const char *path,
		 const char *iface, const char *member);

/* Send @m, wait for the reply; on error report it with @what. */
int ctl_call(struct ctl *c, sd_bus_message *m, sd_bus_message **reply,
	     const char *what);

/* One property of ichipd's object @path; reply positioned on the variant. */
int ctl_get_property(struct ctl *c, const char *path, const char *iface,
		     const char *prop, sd_bus_message **reply);
int ctl_get_string(struct ctl *c, const char *path, const char *iface,
		   const char *prop, char **out);

/* All properties of @iface at @path: reply positioned on the a{sv}. */
int ctl_get_all(struct ctl *c, const char *path, const char *iface,
		sd_bus_message **reply);

/*
 * The device a command acts on: @arg (a positional DEV) or --device, by
 * Name or object path, else the only device.  @path and @name are
 * malloc'ed.
 */
/*
 * GetDevices() as a zeroed array of @elem-byte entries, each entry's
 * object path (a malloc'ed char * at @path_off) set; the caller fills in
 * the rest and frees the paths, then the array.
 */
int ctl_device_table(struct ctl *c, size_t elem, size_t path_off,
		     void **out, size_t *n);

int ctl_pick_device(struct ctl *c, const char *arg, char **path,
		    char **name);

/* Print the variant at the read position (text or JSON). */
int ctl_print_variant(sd_bus_message *m, struct json *j);

const char *ctl_client_version(void);

/*
 * Every "name: value" of the a{sv} at the read position: JSON members
 * into @j (inside an open object), or aligned text lines on stdout.
 */
int ctl_print_props(sd_bus_message *m, struct json *j);

/* Commands. */
int cmd_version(struct ctl *c);
int cmd_device_list(struct ctl *c);
int cmd_device_show(struct ctl *c);
int cmd_ca_show(struct ctl *c);
int cmd_ca_set(struct ctl *c);
int cmd_ca_clear(struct ctl *c);
int cmd_ca_restore(struct ctl *c);
int cmd_connect(struct ctl *c);
int cmd_monitor(struct ctl *c);
int cmd_pki_init_ca(struct ctl *c);
int cmd_pki_issue(struct ctl *c);
int cmd_pki_csr(struct ctl *c);
int cmd_pki_self_signed(struct ctl *c);

#endif /* ICHIPCTL_H */
