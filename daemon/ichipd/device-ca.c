// SPDX-License-Identifier: GPL-2.0-only
// SPDX-FileCopyrightText: 2026 The ichip authors
/*
 * The CA parameter of a device: SetCA, GetCA, ClearCA, RestoreCA and the
 * CA* properties.  A write is compared first (no flash wear when the
 * module already holds it), read back and verified after, and persisted
 * atomically so a factory reset can be undone.  A failed write leaves the
 * old CA in place and says so.  A certificate the module cannot hold is
 * kept host-only, for host-tls sessions.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ca-remote.h"
#include "ca-store.h"
#include "ca-wire.h"
#include "ca.h"
#include "device-ca.h"
#include "device.h"
#include "errors.h"
#include "ichip-dbus-members.h"
#include "ichip-dbus.h"
#include "log.h"
#include "manager.h"
#include "polkit.h"
#include "text.h"
#include "util.h"

#define CA_CMD_MAX (ICHIP_CMD_LEN_MAX + 1)

const struct ca_cert *device_anchor(const struct device *d)
{
	return d->host_ca ? d->host_ca : d->module_ca;
}

static void emit_ca_changed(struct device *d)
{
	sd_bus_emit_properties_changed(d->m->bus, d->path, ICHIP_DEVICE_IFACE,
				       ICHIP_DEVICE1_CA_FINGERPRINT,
				       ICHIP_DEVICE1_CA_SUBJECT,
				       ICHIP_DEVICE1_CA_NOT_AFTER,
				       ICHIP_DEVICE1_CA_LOCATION, NULL);
}

static void set_module_ca(struct device *d, struct ca_cert *c)
{
	ca_free(d->module_ca);
	d->module_ca = c;
	emit_ca_changed(d);
}

static void set_host_ca(struct device *d, struct ca_cert *c)
{
	ca_free(d->host_ca);
	d->host_ca = c;
	emit_ca_changed(d);
}

static void store_path(const struct device *d, bool host_only, char *out,
		       size_t len)
{
	snprintf(out, len, "%s/dev-%s.%s.pem", d->m->state_dir, d->name,
		 host_only ? "host-ca" : "ca");
}

/*
 * At start, before the module has answered AT+iCA?: the anchors persisted
 * earlier, so sessions opened right after a restart need not fail with
 * NoCA.  The module's answer confirms or replaces the provisional one.
 */
void device_ca_load(struct device *d)
{
	struct ca_cert *c = NULL;
	char path[512];

	store_path(d, true, path, sizeof(path));
	if (ca_store_read(path, ca_remote_load, &c) == 0)
		d->host_ca = c;
	c = NULL;
	store_path(d, false, path, sizeof(path));
	if (ca_store_read(path, ca_remote_load, &c) == 0)
		d->module_ca = c;
}

/* ---- the write / verify / persist chain -------------------------------- */

struct ca_op {
	struct dev_waiter w;	/* first: answered DeviceLost if d goes */
	struct manager *mgr;
	char path[64];		/* the device, looked up again on resume */
	sd_bus_message *m;	/* NULL: automatic restore, nobody to answer */
	struct ca_cert *cert;	/* to write; NULL clears */
	struct ca_cert *old;	/* put back if verification fails */
	bool put_back;
	bool keep_host;		/* a host-only anchor stays the anchor */
	struct ca_cert *host_after;	/* becomes the host-only anchor once
					 * the module's CA is cleared */
};

static void ca_run_queue(struct device *d);

static void op_free(struct ca_op *op)
{
	struct device *d = manager_find_device(op->mgr, op->path);

	if (d)
		device_unwait(d, &op->w);
	if (op->m)
		sd_bus_message_unref(op->m);
	ca_free(op->cert);
	ca_free(op->old);
	ca_free(op->host_after);
	free(op);
	if (d) {
		d->ca_busy--;
		ca_run_queue(d);
	}
}

static void op_gone(struct dev_waiter *w)
{
	struct ca_op *op = (struct ca_op *)w;

	if (op->m)
		sd_bus_reply_method_errorf(op->m, ERR_DEVICE_LOST,
					   "device gone");
	op_free(op);	/* the device is unlisted already: no queue run */
}

/* A copy of what ichipd holds: field by field, no X.509 parsing here. */
static struct ca_cert *copy_cert(const struct ca_cert *c)
{
	return ca_dup(c);
}

static struct ca_op *op_new(struct device *d, sd_bus_message *m,
			    struct ca_cert *cert)
{
	struct ca_op *op = calloc(1, sizeof(*op));

	if (!op)
		return NULL;
	op->mgr = d->m;
	snprintf(op->path, sizeof(op->path), "%s", d->path);
	op->m = m ? sd_bus_message_ref(m) : NULL;
	op->cert = cert;
	op->w.gone = op_gone;
	device_wait(d, &op->w);
	d->ca_busy++;
	return op;
}

static void op_fail(struct ca_op *op, const sd_bus_error *error)
{
	if (op->m)
		sd_bus_reply_method_error(op->m, error);
	else
		log_warning("automatic CA restore: %s", error->message);
	op_free(op);
}

static void op_failf(struct ca_op *op, const char *name, const char *msg)
{
	sd_bus_error error = SD_BUS_ERROR_MAKE_CONST(name, msg);

	op_fail(op, &error);
}

/* Persist what the module now holds, so RestoreCA can bring it back. */
static void persist(struct device *d, const struct ca_cert *c,
		    bool keep_host)
{
	char path[512], host[512];
	int r;

	store_path(d, false, path, sizeof(path));
	store_path(d, true, host, sizeof(host));
	r = c ? ca_store_write(path, c) : ca_store_remove(path);
	if (r < 0)
		log_dev(LOG_ERR, d->name, "persisting %s: %s", path,
			strerror(-r));
	if (keep_host)
		return;
	/* the user chose the module's CA: it is the anchor again */
	ca_store_remove(host);
	set_host_ca(d, NULL);
}

static int start_write(struct device *d, struct ca_op *op);
static int set_host_only(struct device *d, sd_bus_message *m,
			 struct ca_cert **cert);

static void on_verify(void *userdata, const struct xport_reply *r)
{
	struct ca_op *op = userdata;
	struct device *d = manager_find_device(op->mgr, op->path);
	struct ca_cert *now;
	struct ca_op *back;

	if (!d) {
		op_failf(op, ERR_DEVICE_LOST, "device gone");
		return;
	}
	now = r->status == ICHIP_STATUS_OK ?
	      ca_remote_from_module_answer(r->text, r->text_len) : NULL;
	if (r->status == ICHIP_STATUS_OK &&
	    (op->cert ? ca_same(now, op->cert) : now == NULL)) {
		persist(d, op->cert, op->keep_host);
		set_module_ca(d, now);
		if (op->host_after &&
		    set_host_only(d, op->m, &op->host_after)) {
			op_free(op);
			return;
		}
		log_dev(LOG_NOTICE, d->name, "CA parameter %s%s",
			op->cert ? "set to " : "cleared",
			op->cert ? ca_fingerprint(op->cert) : "");
		if (op->m)
			sd_bus_reply_method_return(op->m, NULL);
		op_free(op);
		return;
	}
	/* the journal says which, the caller only that they differ */
	log_dev(LOG_WARNING, d->name,
		"CA parameter read back as %s after writing %s%s",
		r->status != ICHIP_STATUS_OK ? "nothing (the query failed)" :
		now ? ca_fingerprint(now) : "no certificate",
		op->cert ? ca_fingerprint(op->cert) : "an empty value",
		op->put_back ? "; writing the old one back" : "");
	ca_free(now);
	if (op->put_back) {
		back = op_new(d, NULL, op->old);
		op->old = NULL;
		if (back && start_write(d, back) < 0)
			op_free(back);
	}
	op_failf(op, ERR_CERT_MISMATCH,
		 "the module holds something else after the write; the old CA was written back");
}

static void on_written(void *userdata, const struct xport_reply *r)
{
	_cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
	struct ca_op *op = userdata;
	struct device *d = manager_find_device(op->mgr, op->path);

	if (!d) {
		op_failf(op, ERR_DEVICE_LOST, "device gone");
		return;
	}
	if (r->status != ICHIP_STATUS_OK) {
		error_from_reply(&error, r, "writing the CA parameter");
		log_dev(LOG_WARNING, d->name, "%s; the old CA stays",
			error.message);
		op_fail(op, &error);
		return;
	}
	if (xport_exec(d->x, "AT+iCA?", NULL, 0, 0, on_verify, op, NULL) < 0)
		op_failf(op, ERR_DEVICE_ERROR, "cannot read the CA back");
}

static int start_write(struct device *d, struct ca_op *op)
{
	char cmd[CA_CMD_MAX];
	int n = snprintf(cmd, sizeof(cmd), "AT+iCA=");

	if (!op->cert)
		snprintf(cmd + n, sizeof(cmd) - (size_t)n, "\r");
	else if (ca_module_text(op->cert, cmd + n, sizeof(cmd) - (size_t)n) >=
		 sizeof(cmd) - (size_t)n)
		return -E2BIG;
	return xport_exec(d->x, cmd, NULL, 0, 0, on_written, op, NULL);
}

/*
 * Write @cert (NULL clears) and answer @m when verified; @host_after, if
 * given, becomes the host-only anchor once that is done.
 */
static void write_module(struct device *d, sd_bus_message *m,
			 struct ca_cert *cert, bool keep_host,
			 struct ca_cert *host_after)
{
	struct ca_op *op = op_new(d, m, cert);

	if (!op) {
		ca_free(cert);
		ca_free(host_after);
		if (m)
			sd_bus_reply_method_errorf(m, SD_BUS_ERROR_NO_MEMORY,
						   "out of memory");
		return;
	}
	op->old = copy_cert(d->module_ca);
	op->put_back = true;
	op->keep_host = keep_host;
	op->host_after = host_after;
	if (start_write(d, op) < 0)
		op_failf(op, ERR_DEVICE_ERROR, "cannot queue the write");
}

/* The answer to AT+iCA? at start; restores the persisted copy if empty. */
void device_ca_from_module(struct device *d, const char *answer)
{
	struct ca_cert *saved = NULL;
	char path[512];

	set_module_ca(d, ca_remote_from_module_answer(answer, strlen(answer)));
	if (d->module_ca)
		return;
	store_path(d, false, path, sizeof(path));
	if (ca_store_read(path, ca_remote_load, &saved) == 0) {
		log_dev(LOG_NOTICE, d->name,
			"CA parameter empty (factory reset?): restoring %s",
			ca_fingerprint(saved));
		write_module(d, NULL, saved, true, NULL);
	}
}

/* ---- methods ------------------------------------------------------------ */

struct ca_request {
	struct ca_request *next;	/* in the device's queue */
	struct manager *mgr;
	char path[64];
	sd_bus_message *m;		/* while queued */
	struct ca_cert *cert;
	bool host_only;
	enum { REQ_SET, REQ_CLEAR, REQ_RESTORE } what;
};

static void request_free(struct ca_request *req)
{
	if (req->m)
		sd_bus_message_unref(req->m);
	ca_free(req->cert);
	free(req);
}

/*
 * Persist *@cert as the host-only anchor and make it the anchor (taking
 * it).  0, or -errno after answering @m with the error.
 */
static int set_host_only(struct device *d, sd_bus_message *m,
			 struct ca_cert **cert)
{
	char path[512];
	int r;

	store_path(d, true, path, sizeof(path));
	r = ca_store_write(path, *cert);
	if (r < 0) {
		if (m)
			sd_bus_reply_method_errorf(m, ERR_DEVICE_ERROR,
						   "persisting: %s",
						   strerror(-r));
		return r;
	}
	set_host_ca(d, *cert);
	*cert = NULL;
	return 0;
}

static void do_set(struct device *d, sd_bus_message *m,
		   struct ca_request *req)
{
	if (req->host_only || !ca_fits_module(req->cert)) {
		/*
		 * The module must not keep trusting an anchor that is no longer
		 * the device's: its parameter is cleared first (device-tls then
		 * has none), and only then does the new anchor take over, so a
		 * failed clear changes nothing.
		 */
		if (d->module_ca) {
			write_module(d, m, NULL, true, req->cert);
			req->cert = NULL;
		} else if (set_host_only(d, m, &req->cert) == 0) {
			sd_bus_reply_method_return(m, NULL);
		}
		return;
	}
	/* compare before write: flash has a limited number of cycles */
	if (ca_same(d->module_ca, req->cert)) {
		persist(d, d->module_ca, false);
		sd_bus_reply_method_return(m, NULL);
		return;
	}
	write_module(d, m, req->cert, false, NULL);
	req->cert = NULL;
}

static void do_clear(struct device *d, sd_bus_message *m)
{
	char host[512], path[512];

	store_path(d, true, host, sizeof(host));
	ca_store_remove(host);
	if (!d->module_ca && !d->host_ca) {	/* nothing to wear flash for */
		/* but a persisted copy (maybe one that cannot be read) goes */
		store_path(d, false, path, sizeof(path));
		ca_store_remove(path);
		sd_bus_reply_method_return(m, NULL);
		return;
	}
	set_host_ca(d, NULL);
	write_module(d, m, NULL, false, NULL);
}

static void do_restore(struct device *d, sd_bus_message *m)
{
	struct ca_cert *saved = NULL;
	char path[512];
	int r;

	store_path(d, false, path, sizeof(path));
	r = ca_store_read(path, ca_remote_load, &saved);
	if (r) {
		sd_bus_reply_method_errorf(m, ERR_NO_CA,
					   "no persisted CA for %s", d->name);
		return;
	}
	write_module(d, m, saved, false, NULL);
}

static void run_request(struct device *d, sd_bus_message *m,
			struct ca_request *req)
{
	if (req->what == REQ_SET)
		do_set(d, m, req);
	else if (req->what == REQ_CLEAR)
		do_clear(d, m);
	else
		do_restore(d, m);
}

/*
 * One CA operation at a time per device: a second SetCA written between
 * the first one's write and its read-back would make both fail (or
 * worse, verify the wrong certificate).  Requests wait in order.
 */
static void ca_run_queue(struct device *d)
{
	struct ca_request *req;

	while (!d->ca_busy && (req = d->ca_queue)) {
		d->ca_queue = req->next;
		run_request(d, req->m, req);
		request_free(req);
	}
}

static void ca_authorized(void *userdata, sd_bus_message *m, int allowed,
			  const sd_bus_error *perr)
{
	struct ca_request *req = userdata, **pp;
	struct device *d = manager_find_device(req->mgr, req->path);

	if (!allowed) {
		polkit_reply_denied(m, perr, "not authorized to change the CA");
	} else if (!d) {
		sd_bus_reply_method_errorf(m, ERR_DEVICE_LOST, "device gone");
	} else if (d->ca_busy || d->ca_queue) {
		req->m = sd_bus_message_ref(m);
		for (pp = &d->ca_queue; *pp; pp = &(*pp)->next)
			;
		*pp = req;
		return;
	} else {
		run_request(d, m, req);
	}
	request_free(req);
}

static int authorize(struct device *d, sd_bus_message *m,
		     struct ca_request *req)
{
	int r;

	req->mgr = d->m;
	snprintf(req->path, sizeof(req->path), "%s", d->path);
	r = polkit_check(d->m, m, ICHIP_ACTION_SET_CA, ca_authorized, req);
	if (r < 0) {
		request_free(req);
		return r;
	}
	return 1;
}

int method_set_ca(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	struct device *d = userdata;
	struct ca_options opt = { .module_max = CA_MODULE_MAX_DEFAULT };
	struct ca_request *req;
	struct ca_cert *cert = NULL;
	const struct option_spec spec[] = {
		{ "force", 'b', &opt.force, NULL },
		{ "allow-self-signed-leaf", 'b', &opt.allow_self_signed_leaf,
		  NULL },
		{ "host-only", 'b', &opt.host_only, NULL },
		{ NULL, 0, NULL, NULL },
	};
	char why[256];
	const void *buf;
	size_t len;
	int r;

	r = sd_bus_message_read_array(m, 'y', &buf, &len);
	if (r < 0)
		return r;
	r = options_parse(m, spec, error);
	if (r < 0)
		return r;
	/* parsed by the TLS worker: the bytes come from any allowed caller */
	r = ca_remote_parse(buf, len, &opt, &cert, why, sizeof(why));
	if (r == CA_ERR_NOMEM)
		return -ENOMEM;
	if (r < 0)
		return sd_bus_error_setf(error, ERR_DEVICE_ERROR, "%s", why);
	if (r != CA_OK) {
		return sd_bus_error_setf(error, ca_error_name(r), "%s", why);
	}
	req = calloc(1, sizeof(*req));
	if (!req) {
		ca_free(cert);
		return -ENOMEM;
	}
	req->what = REQ_SET;
	req->cert = cert;
	req->host_only = opt.host_only;
	return authorize(d, m, req);
}

int method_clear_ca(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	struct ca_request *req = calloc(1, sizeof(*req));

	if (!req)
		return -ENOMEM;
	req->what = REQ_CLEAR;
	return authorize(userdata, m, req);
}

int method_restore_ca(sd_bus_message *m, void *userdata,
		      sd_bus_error *error)
{
	struct ca_request *req = calloc(1, sizeof(*req));

	if (!req)
		return -ENOMEM;
	req->what = REQ_RESTORE;
	return authorize(userdata, m, req);
}

int method_get_ca(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
	const struct ca_cert *c = device_anchor(userdata);
	int r;

	if (!c)
		return sd_bus_error_setf(error, ERR_NO_CA, "no CA certificate");
	r = sd_bus_message_new_method_return(m, &reply);
	if (r >= 0)
		r = sd_bus_message_append_array(reply, 'y', ca_pem(c),
						ca_pem_len(c));
	return r < 0 ? r : sd_bus_send(NULL, reply, NULL);
}

int property_get_ca(sd_bus *bus, const char *path, const char *interface,
		    const char *property, sd_bus_message *reply,
		    void *userdata, sd_bus_error *error)
{
	struct device *d = userdata;
	const struct ca_cert *c = device_anchor(d);

	if (!strcmp(property, ICHIP_DEVICE1_CA_NOT_AFTER))
		return sd_bus_message_append(reply, "t",
					     c ? (uint64_t)ca_not_after(c) : 0);
	if (!strcmp(property, ICHIP_DEVICE1_CA_FINGERPRINT))
		return sd_bus_message_append(reply, "s",
					     c ? ca_fingerprint(c) : "");
	if (!strcmp(property, ICHIP_DEVICE1_CA_SUBJECT)) {
		/* a DN's strings come from the certificate: any bytes */
		_cleanup_(freep) char *dn = c ? text_escape(ca_subject(c),
						strlen(ca_subject(c))) : NULL;

		return sd_bus_message_append(reply, "s", dn ? dn : "");
	}
	return sd_bus_message_append(reply, "s", !c ? "none" :
				     d->host_ca ? "host-only" : "module");
}

void device_ca_free(struct device *d)
{
	struct ca_request *req;

	while ((req = d->ca_queue)) {
		d->ca_queue = req->next;
		sd_bus_reply_method_errorf(req->m, ERR_DEVICE_LOST,
					   "device gone");
		request_free(req);
	}
	ca_free(d->module_ca);
	ca_free(d->host_ca);
	d->module_ca = d->host_ca = NULL;
}
