// SPDX-License-Identifier: GPL-2.0-only
// SPDX-FileCopyrightText: 2026 The ichip authors
/*
 * org.ichip.Device1: one module on one tty.  ichipd opens the tty, sets
 * termios, and either attaches n_ichip (kernel transport) or drives the
 * line itself (tty transport).  It holds the fd: when ichipd exits, the
 * line discipline detaches and nothing is left behind.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "device-ca.h"
#include "device.h"
#include "errors.h"
#include "ichip-dbus-members.h"
#include "ichip-dbus.h"
#include "ichip_frame.h"
#include "log.h"
#include "manager.h"
#include "polkit.h"
#include "poller.h"
#include "session.h"
#include "text.h"
#include "util.h"

static const struct {
	unsigned int baud;
	speed_t speed;
} bauds[] = {
	{ 2400, B2400 }, { 4800, B4800 }, { 9600, B9600 }, { 19200, B19200 },
	{ 38400, B38400 }, { 57600, B57600 }, { 115200, B115200 },
	{ 230400, B230400 }, { 460800, B460800 }, { 921600, B921600 },
	{ 1000000, B1000000 }, { 3000000, B3000000 },
};

static speed_t baud_speed(unsigned int baud)
{
	size_t i;

	for (i = 0; i < sizeof(bauds) / sizeof(bauds[0]); i++)
		if (bauds[i].baud == baud)
			return bauds[i].speed;
	return 0;
}

int dev_flow_parse(const char *s)
{
	if (!strcmp(s, "none"))
		return DEV_FLOW_NONE;
	if (!strcmp(s, "xonxoff"))
		return DEV_FLOW_XONXOFF;
	if (!strcmp(s, "rtscts"))
		return DEV_FLOW_RTSCTS;
	return -1;
}

static int open_port(const char *port, unsigned int baud, bool rtscts,
		     sd_bus_error *error)
{
	struct termios tio;
	speed_t speed = baud_speed(baud);
	int fd;

	if (!speed)
		return sd_bus_error_setf(error, ERR_INVALID_ARGUMENT,
					 "unsupported baud rate %u", baud);
	fd = open(port, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return sd_bus_error_setf(error, ERR_NOT_FOUND,
						 "%s: no such port", port);
		if (errno == EACCES || errno == EPERM)
			return sd_bus_error_setf(error, ERR_PERMISSION_DENIED,
						 "%s: %m", port);
		return sd_bus_error_setf(error, ERR_DEVICE_ERROR, "%s: %m",
					 port);
	}
	if (tcgetattr(fd, &tio)) {
		close(fd);
		return sd_bus_error_setf(error, ERR_INVALID_ARGUMENT,
					 "%s is not a tty", port);
	}
	cfmakeraw(&tio);
	cfsetspeed(&tio, speed);
	tio.c_cflag |= CLOCAL | CREAD;
	if (rtscts)
		tio.c_cflag |= CRTSCTS;
	else
		tio.c_cflag &= ~CRTSCTS;
	tio.c_cc[VMIN] = 1;
	tio.c_cc[VTIME] = 0;
	if (tcsetattr(fd, TCSANOW, &tio) || tcflush(fd, TCIOFLUSH)) {
		close(fd);
		return sd_bus_error_setf(error, ERR_DEVICE_ERROR,
					 "%s: cannot configure: %m", port);
	}
	return fd;
}

/* The kernel's name for the tty: "pts3" for /dev/pts/3, else basename. */
void kernel_tty_name(const char *port, char *out, size_t len)
{
	char real[PATH_MAX];
	const char *base;

	if (!realpath(port, real))
		snprintf(real, sizeof(real), "%s", port);
	if (!strncmp(real, "/dev/pts/", 9)) {
		snprintf(out, len, "pts%.60s", real + 9);
		return;
	}
	base = strrchr(real, '/');
	snprintf(out, len, "%.63s", base ? base + 1 : real);
}

void device_emit_changed(struct device *d, const char *prop)
{
	sd_bus_emit_properties_changed(d->m->bus, d->path, ICHIP_DEVICE_IFACE,
				       prop, NULL);
}

void device_wait(struct device *d, struct dev_waiter *w)
{
	w->next = d->waiters;
	d->waiters = w;
}

void device_unwait(struct device *d, struct dev_waiter *w)
{
	struct dev_waiter **pp;

	for (pp = &d->waiters; *pp; pp = &(*pp)->next) {
		if (*pp == w) {
			*pp = w->next;
			return;
		}
	}
}

/* ---- transport events ------------------------------------------------ */

static void on_unsolicited(void *owner, const char *line)
{
	struct device *d = owner;

	/*
	 * The RP4 list a module sends after a WAIT byte (flow control, many
	 * per MiB uploaded): routine, and no socket event.
	 */
	if (!strncmp(line, "I/(", 3)) {
		log_dev(LOG_DEBUG, d->name, "flow control report: %s", line);
		return;
	}
	/* socket states are re-read by the next poll (a reset shows there) */
	log_dev(LOG_INFO, d->name, "module says: %s", line);
	poller_kick(d);
}

static int remove_deferred(sd_event_source *s, void *userdata)
{
	struct device *d = userdata;

	sd_event_source_disable_unref(s);
	d->lost_defer = NULL;
	manager_remove_device(d->m, d, "device-lost");
	return 0;
}

static void on_lost(void *owner, int err)
{
	struct device *d = owner;

	if (d->lost)
		return;
	d->lost = true;
	log_dev(LOG_WARNING, d->name, "device lost: %s", strerror(err));
	/* not from inside the transport's own callback */
	sd_event_add_defer(d->m->event, &d->lost_defer, remove_deferred, d);
}

static const char *state_name(enum ichip_dev_state s);

/*
 * ready <-> busy flips with every AT command: thousands a second during
 * a transfer, several a second from the idle poller.  Nobody needs them
 * signalled (Device1.rst says so); the other changes are signalled.
 */
static void on_state(void *owner, enum ichip_dev_state state)
{
	struct device *d = owner;
	const char *old = state_name(d->state), *new = state_name(state);

	d->state = state;
	if (!strcmp(old, new) ||
	    ((!strcmp(old, "ready") || !strcmp(old, "busy")) &&
	     (!strcmp(new, "ready") || !strcmp(new, "busy"))))
		return;
	device_emit_changed(d, ICHIP_DEVICE1_STATE);
}

static const struct xport_events device_events = {
	.unsolicited = on_unsolicited,
	.lost = on_lost,
	.state = on_state,
};

/* ---- module queries at start ----------------------------------------- */

/* An answer that becomes a string property. */
static void set_answer(struct device *d, char **field, const char *prop,
		       const struct xport_reply *r)
{
	if (r->status != ICHIP_STATUS_OK)
		return;
	free(*field);
	*field = text_escape(r->text, r->text_len);
	device_emit_changed(d, prop);
}

static void on_firmware(void *userdata, const struct xport_reply *r)
{
	struct device *d = userdata;

	set_answer(d, &d->firmware, ICHIP_DEVICE1_FIRMWARE_VERSION, r);
}

static void on_serial(void *userdata, const struct xport_reply *r)
{
	struct device *d = userdata;

	set_answer(d, &d->serial, ICHIP_DEVICE1_SERIAL, r);
}

static void on_ca_query(void *userdata, const struct xport_reply *r)
{
	struct device *d = userdata;

	if (r->status == ICHIP_STATUS_OK)
		device_ca_from_module(d, r->text);
}

static void on_scls(void *userdata, const struct xport_reply *r)
{
	struct close_slot *c = userdata;

	/* answered or not: if it is still open, the poller sees it unowned */
	c->d->closing &= (uint16_t)~(1u << c->handle);
}

/*
 * Release a module socket; nobody waits for the answer.  "!": stay
 * online, other sockets may be in use.  At most one SCLS per handle at a
 * time: a second one queued behind an STCP that reuses the handle would
 * close someone else's socket.  While it is on its way the handle is
 * marked closing: the poller's sweep leaves it alone, and an STCP refused
 * for want of sockets is asked again behind it (session.c).
 */
void device_close_socket(struct device *d, int handle)
{
	struct close_slot *c;
	char cmd[32];

	if (handle < 0 || handle >= ICHIPD_MAX_SOCKETS || d->lost ||
	    (d->closing & (1u << handle)))
		return;
	/* behind an STCP it could close the new socket: session-connect.c */
	if (connect_barrier_up(d)) {
		d->close_due |= (uint16_t)(1u << handle);
		return;
	}
	c = &d->close_slots[handle];
	c->d = d;
	c->handle = handle;
	snprintf(cmd, sizeof(cmd), "AT+i!SCLS:%d", handle);
	if (xport_exec(d->x, cmd, NULL, 0, 0, on_scls, c, NULL) == 0)
		d->closing |= (uint16_t)(1u << handle);
}

/*
 * Sockets open at start belong to nobody: a previous ichipd died holding
 * them.  Close them, or the module stays short of sockets for good.
 */
static void on_stale_sockets(void *userdata, const struct xport_reply *r)
{
	struct device *d = userdata;
	const char *p = strchr(r->text, '(');
	char *end;
	long v;
	int h;

	if (r->status != ICHIP_STATUS_OK || !p)
		return;
	for (h = 0, p++; h < ICHIPD_MAX_SOCKETS; h++, p = end + 1) {
		v = strtol(p, &end, 10);
		if (end == p)
			break;
		/*
		 * Commands run in order: this RP4 answered before any STCP
		 * of ours, so every socket in use now is stale, and a new
		 * STCP never gets one of these handles (one queued before
		 * these SCLSs and refused is asked again: session.c).
		 */
		if (v != -200) {
			log_dev(LOG_NOTICE, d->name,
				"closing module socket %d left by a previous run",
				h);
			device_close_socket(d, h);
		}
		if (*end != ',')
			break;
	}
}

static void on_cksum(void *userdata, const struct xport_reply *r)
{
	struct device *d = userdata;

	if (r->status == ICHIP_STATUS_OK)
		return;
	d->x->cksum = false;
	log_dev(LOG_WARNING, d->name,
		"AT+iCKSM=1 refused (status %d, error %u): no checksum mode",
		r->status, r->module_error);
}

static void query_module(struct device *d)
{
	xport_exec(d->x, "AT+i", NULL, 0, 0, NULL, NULL, NULL);
	/*
	 * Checksum mode (ichipd.conf checksum-mode): saved in the module
	 * (=, not ~: a session value would end with the module's next
	 * I/DONE).  Commands run in order, so every SSND and SRCV queued
	 * from here on goes out after it, with checksums.
	 */
	if (d->m->checksum_mode &&
	    !xport_exec(d->x, "AT+iCKSM=1", NULL, 0, 0, on_cksum, d, NULL))
		d->x->cksum = true;
	xport_exec(d->x, "AT+iRP4", NULL, 0, 0, on_stale_sockets, d, NULL);
	xport_exec(d->x, "AT+iRP1", NULL, 0, 0, on_firmware, d, NULL);
	xport_exec(d->x, "AT+iRP5", NULL, 0, 0, on_serial, d, NULL);
	xport_exec(d->x, "AT+iCA?", NULL, 0, 0, on_ca_query, d, NULL);
	device_flow_setup(d);
}

/* ---- properties -------------------------------------------------------- */

static const char *state_name(enum ichip_dev_state s)
{
	switch (s) {
	case ICHIP_DEV_STATE_BUSY:		return "busy";
	case ICHIP_DEV_STATE_RESYNC:		return "resync";
	case ICHIP_DEV_STATE_UNRESPONSIVE:	return "unresponsive";
	case ICHIP_DEV_STATE_HUNGUP:		return "hungup";
	default:				return "ready";
	}
}

static int get_string(sd_bus *bus, const char *path, const char *interface,
		      const char *property, sd_bus_message *reply,
		      void *userdata, sd_bus_error *error)
{
	struct device *d = userdata;
	const char *v = "";

	if (!strcmp(property, ICHIP_DEVICE1_NAME))
		v = d->name;
	else if (!strcmp(property, ICHIP_DEVICE1_PORT))
		v = d->port;
	else if (!strcmp(property, ICHIP_DEVICE1_TRANSPORT))
		v = d->x->ops->name;
	else if (!strcmp(property, ICHIP_DEVICE1_STATE))
		v = state_name(d->state);
	else if (!strcmp(property, ICHIP_DEVICE1_FIRMWARE_VERSION))
		v = d->firmware ? d->firmware : "";
	else if (!strcmp(property, ICHIP_DEVICE1_SERIAL))
		v = d->serial ? d->serial : "";
	return sd_bus_message_append(reply, "s", v);
}

static int get_counters(sd_bus *bus, const char *path, const char *interface,
			const char *property, sd_bus_message *reply,
			void *userdata, sd_bus_error *error)
{
	struct device *d = userdata;
	struct xport_counters c = { 0 };
	int r;

	d->x->ops->counters(d->x, &c);
	r = sd_bus_message_open_container(reply, 'a', "{st}");
	if (r < 0)
		return r;
#define PUT(key, val) \
	if (r >= 0) \
		r = sd_bus_message_append(reply, "{st}", key, (uint64_t)(val))
	PUT("tx-bytes", c.tx_bytes);
	PUT("rx-bytes", c.rx_bytes);
	PUT("commands", c.commands);
	PUT("module-errors", c.module_errors);
	PUT("timeouts", c.timeouts);
	PUT("resyncs", c.resyncs);
	PUT("overruns", c.overruns);
	PUT("noise", c.noise);
	PUT("unsolicited", c.unsolicited);
	PUT("checksum-errors", c.cksum_errors);
	PUT("checksum-retries", c.cksum_retries);
	PUT("sessions-opened", d->counters.sessions_opened);
	PUT("session-bytes-in", d->counters.session_bytes_in);
	PUT("session-bytes-out", d->counters.session_bytes_out);
#undef PUT
	return r < 0 ? r : sd_bus_message_close_container(reply);
}

static int get_sessions(sd_bus *bus, const char *path, const char *interface,
			const char *property, sd_bus_message *reply,
			void *userdata, sd_bus_error *error)
{
	return device_session_paths(userdata, reply);
}

/* ---- Command(): raw passthrough for debugging ------------------------ */

/*
 * The device may be removed while polkit decides: only its path crosses
 * the asynchronous call, and the device is looked up again after it.
 */
struct command_request {
	struct dev_waiter w;	/* first: the waiter is the request */
	struct manager *m;
	char path[64];
	sd_bus_message *msg;
};

static void command_gone(struct dev_waiter *w)
{
	struct command_request *req = (struct command_request *)w;

	sd_bus_reply_method_errorf(req->msg, ERR_DEVICE_LOST, "device gone");
	sd_bus_message_unref(req->msg);
	free(req);
}

static void on_command(void *userdata, const struct xport_reply *r)
{
	_cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
	struct command_request *req = userdata;
	struct device *d = manager_find_device(req->m, req->path);
	sd_bus_message *m = req->msg;

	if (d)
		device_unwait(d, &req->w);
	free(req);

	if (r->status == ICHIP_STATUS_OK) {
		_cleanup_(freep) char *text = text_escape(r->text, r->text_len);

		if (text)
			sd_bus_reply_method_return(m, "s", text);
		else
			sd_bus_reply_method_errorf(m, ERR_DEVICE_ERROR,
						   "out of memory");
	} else {
		error_from_reply(&error, r, "command");
		sd_bus_reply_method_error(m, &error);
	}
	sd_bus_message_unref(m);
}

static void command_authorized(void *userdata, sd_bus_message *m,
			       int allowed, const sd_bus_error *perr)
{
	struct command_request *req = userdata;
	struct device *d = manager_find_device(req->m, req->path);
	const char *cmd;
	int r;

	if (!allowed) {
		polkit_reply_denied(m, perr, "not authorized for raw commands");
		free(req);
		return;
	}
	if (!d || d->lost) {
		sd_bus_reply_method_errorf(m, ERR_DEVICE_LOST, "device gone");
		free(req);
		return;
	}
	sd_bus_message_rewind(m, true);
	sd_bus_message_read(m, "s", &cmd);
	req->msg = sd_bus_message_ref(m);
	req->w.gone = command_gone;
	r = xport_exec(d->x, cmd, NULL, 0, 0, on_command, req, NULL);
	if (r < 0) {
		sd_bus_message_unref(m);
		free(req);
		sd_bus_reply_method_errorf(m, ERR_DEVICE_ERROR,
					   "cannot queue: %s", strerror(-r));
		return;
	}
	device_wait(d, &req->w);
}

static int method_command(sd_bus_message *m, void *userdata,
			  sd_bus_error *error)
{
	struct device *d = userdata;
	struct command_request *req;
	const char *cmd;
	int r;

	if (!d->m->debug_commands)
		return sd_bus_error_setf(error, ERR_NOT_SUPPORTED,
					 "ichipd runs without --debug-commands");
	r = sd_bus_message_read(m, "s", &cmd);
	if (r < 0)
		return r;
	/* SSND and SRCV carry binary payloads a string cannot hold */
	r = ichip_cmd_classify(cmd, strlen(cmd), 0);
	if (r < 0 || r == ICHIP_REPLY_DATA || strchr(cmd, '\r') ||
	    strcasestr(cmd, "SSND"))
		return sd_bus_error_setf(error, ERR_INVALID_ARGUMENT,
			"not a valid single-line AT+i command (SSND/SRCV refused)");
	req = calloc(1, sizeof(*req));
	if (!req)
		return -ENOMEM;
	req->m = d->m;
	snprintf(req->path, sizeof(req->path), "%s", d->path);
	r = polkit_check(d->m, m, ICHIP_ACTION_RAW_COMMAND, command_authorized,
			 req);
	if (r < 0)
		free(req);
	return r < 0 ? r : 1;
}

const sd_bus_vtable device_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_PROPERTY(ICHIP_DEVICE1_NAME, "s", get_string, 0,
			SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_PROPERTY(ICHIP_DEVICE1_PORT, "s", get_string, 0,
			SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_PROPERTY(ICHIP_DEVICE1_BAUD, "u", NULL,
			offsetof(struct device, baud),
			SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_PROPERTY(ICHIP_DEVICE1_TRANSPORT, "s", get_string, 0,
			SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_PROPERTY(ICHIP_DEVICE1_STATE, "s", get_string, 0,
			SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
	SD_BUS_PROPERTY(ICHIP_DEVICE1_FIRMWARE_VERSION, "s", get_string, 0,
			SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
	SD_BUS_PROPERTY(ICHIP_DEVICE1_SERIAL, "s", get_string, 0,
			SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
	SD_BUS_PROPERTY(ICHIP_DEVICE1_COUNTERS, "a{st}", get_counters, 0, 0),
	SD_BUS_PROPERTY(ICHIP_DEVICE1_CA_FINGERPRINT, "s", property_get_ca, 0,
			SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
	SD_BUS_PROPERTY(ICHIP_DEVICE1_CA_SUBJECT, "s", property_get_ca, 0,
			SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
	SD_BUS_PROPERTY(ICHIP_DEVICE1_CA_NOT_AFTER, "t", property_get_ca, 0,
			SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
	SD_BUS_PROPERTY(ICHIP_DEVICE1_CA_LOCATION, "s", property_get_ca, 0,
			SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
	SD_BUS_PROPERTY(ICHIP_DEVICE1_SESSIONS, "ao", get_sessions, 0,
			SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
	SD_BUS_METHOD_WITH_ARGS(ICHIP_DEVICE1_SET_CA,
				SD_BUS_ARGS("ay", certificate,
					    "a{sv}", options),
				SD_BUS_NO_RESULT, method_set_ca,
				SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS(ICHIP_DEVICE1_GET_CA, SD_BUS_NO_ARGS,
				SD_BUS_RESULT("ay", certificate),
				method_get_ca, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS(ICHIP_DEVICE1_CLEAR_CA, SD_BUS_NO_ARGS,
				SD_BUS_NO_RESULT,
				method_clear_ca, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS(ICHIP_DEVICE1_RESTORE_CA, SD_BUS_NO_ARGS,
				SD_BUS_NO_RESULT, method_restore_ca,
				SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS(ICHIP_DEVICE1_OPEN_SESSION,
				SD_BUS_ARGS("s", host, "q", port,
					    "a{sv}", options),
				SD_BUS_RESULT("o", session, "h", fd),
				method_open_session,
				SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_METHOD_WITH_ARGS(ICHIP_DEVICE1_COMMAND,
				SD_BUS_ARGS("s", command),
				SD_BUS_RESULT("s", response), method_command,
				SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_VTABLE_END
};

/* ---- lifetime --------------------------------------------------------- */

static int make_transport(struct device *d, int fd, sd_bus_error *error)
{
	char tty[64];
	int r = -ENOENT;

	kernel_tty_name(d->port, tty, sizeof(tty));
	if (d->m->transport != TRANSPORT_TTY) {
		r = xport_kernel_new(d->m->event, fd, tty, &device_events, d,
				     &d->x);
		if (r == 0)
			return 0;
		if (d->m->transport == TRANSPORT_KERNEL)
			return sd_bus_error_setf(error, ERR_DEVICE_ERROR,
						 "%s: n_ichip: %s", d->port,
						 strerror(-r));
		log_dev(LOG_WARNING, d->name,
			"n_ichip unavailable (%s): ichipd drives %s itself",
			strerror(-r), d->port);
	}
	r = xport_tty_new(d->m->event, fd, &device_events, d, &d->x);
	if (r < 0)
		return sd_bus_error_set_errnof(error, -r, "%s: %m", d->port);
	return 0;
}

int device_new(struct manager *m, const char *port, unsigned int baud,
	       enum dev_flow flow, const char *name, struct device **out,
	       sd_bus_error *error)
{
	struct device *d = calloc(1, sizeof(*d));
	int fd, r;

	if (!d)
		return -ENOMEM;
	d->m = m;
	d->num = m->next_device++;
	snprintf(d->path, sizeof(d->path), ICHIP_DEVICE_PATH_PREFIX "%u", d->num);
	snprintf(d->name, sizeof(d->name), "%s", name);
	d->port = strdup(port);
	d->baud = baud;
	d->flow = flow;
	d->state = ICHIP_DEV_STATE_IDLE;

	fd = open_port(port, baud, flow == DEV_FLOW_RTSCTS, error);
	if (fd < 0) {
		r = fd;
		goto fail;
	}
	r = make_transport(d, fd, error);
	if (r < 0) {
		close(fd);
		goto fail;
	}
	r = sd_bus_add_object_vtable(m->bus, &d->slot, d->path,
				     ICHIP_DEVICE_IFACE, device_vtable, d);
	if (r < 0)
		goto fail;
	device_ca_load(d);
	query_module(d);
	sd_bus_emit_object_added(m->bus, d->path);
	log_dev(LOG_INFO, d->name, "%s at %u baud, %s transport", port, baud,
		d->x->ops->name);
	*out = d;
	return 0;
fail:
	if (d->x)
		d->x->ops->free(d->x);
	free(d->port);
	free(d);
	return r;
}

void device_free(struct device *d, const char *reason)
{
	struct dev_waiter *w;

	sd_event_source_disable_unref(d->lost_defer);
	sessions_close_all(d, reason);
	sessions_free_orphans(d);
	poller_stop(d);
	if (d->x)
		d->x->ops->free(d->x);	/* no callbacks after this */
	/* so the callers waiting for one are answered here */
	while ((w = d->waiters)) {
		d->waiters = w->next;
		w->gone(w);
	}
	sd_bus_emit_object_removed(d->m->bus, d->path);
	sd_bus_slot_unref(d->slot);
	device_ca_free(d);
	log_dev(LOG_INFO, d->name, "removed (%s)", reason);
	free(d->firmware);
	free(d->serial);
	free(d->port);
	free(d);
}

/*
 * Checksum mode: has the line damaged nothing for a minute?  Then an
 * SRCV may ask for more than 2 KiB (session_srcv_size()).  The
 * transport's counters are read at most once a second (for n_ichip a
 * netlink round trip); a device starts calm.
 */
#define LINE_CALM_US	(60 * 1000000ULL)

bool device_line_calm(struct device *d)
{
	struct xport_counters c;
	uint64_t now;

	sd_event_now(d->m->event, CLOCK_MONOTONIC, &now);
	if (!d->cksum_read_us || now - d->cksum_read_us >= 1000000) {
		memset(&c, 0, sizeof(c));
		d->cksum_read_us = now;
		if (d->x->ops->counters(d->x, &c) < 0 ||
		    c.cksum_errors != d->cksum_seen) {
			d->cksum_seen = c.cksum_errors;
			d->cksum_damage_us = now;
		}
	}
	return !d->cksum_damage_us || now - d->cksum_damage_us >= LINE_CALM_US;
}
