// SPDX-License-Identifier: GPL-2.0-only
// SPDX-FileCopyrightText: 2026 The ichip authors
/*
 * ichipctl version, device list|show, ca show|set|clear|restore: thin
 * wrappers around Manager1 and Device1 (Documentation/dbus/).
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ichipctl.h"

/* The most `ca set` reads: ichipd refuses more than 64 KiB itself. */
#define CA_FILE_MAX (64 * 1024 + 1)

/* One property wanted from a GetAll reply. */
struct prop_want {
	const char *name;
	char type;		/* 's' (char ** out, malloc'ed) or 't' */
	void *out;
};

static int read_string(sd_bus_message *m, char **out)
{
	const char *s;
	int r = sd_bus_message_read(m, "v", "s", &s);

	if (r >= 0) {
		free(*out);	/* a property twice: the last one counts */
		*out = strdup(s);
	}
	return r;
}

/* Pick the wanted properties out of an a{sv}; skip the others. */
static int read_props(sd_bus_message *m, const struct prop_want *want)
{
	const struct prop_want *w;
	const char *name;
	int r;

	r = sd_bus_message_enter_container(m, 'a', "{sv}");
	while (r >= 0 && (r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
		r = sd_bus_message_read(m, "s", &name);
		for (w = want; r >= 0 && w->name; w++)
			if (!strcmp(w->name, name))
				break;
		if (r < 0)
			break;
		if (!w->name)
			r = sd_bus_message_skip(m, "v");
		else if (w->type == 't')
			r = sd_bus_message_read(m, "v", "t", w->out);
		else
			r = read_string(m, w->out);
		if (r >= 0)
			r = sd_bus_message_exit_container(m);
	}
	if (r >= 0)
		r = sd_bus_message_exit_container(m);
	if (r < 0) {
		ctl_err("malformed property reply: %s", strerror(-r));
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

/* ---- version ------------------------------------------------------------ */

int cmd_version(struct ctl *c)
{
	struct json j;
	char *daemon = NULL;
	int r;

	if (!ctl_has(c, OPT_JSON))
		printf("ichipctl %s\n", ctl_client_version());
	r = ctl_get_string(c, ICHIP_MANAGER_PATH, ICHIP_MANAGER_IFACE,
			   ICHIP_MANAGER1_VERSION, &daemon);
	if (r)
		return r;
	if (ctl_has(c, OPT_JSON)) {
		json_init(&j, stdout);
		json_object_begin(&j);
		json_key(&j, "client");
		json_string(&j, ctl_client_version());
		json_key(&j, "daemon");
		json_string(&j, daemon);
		json_object_end(&j);
		json_finish(&j);
	} else {
		printf("ichipd %s\n", daemon);
	}
	free(daemon);
	return EXIT_OK;
}

/* ---- device list -------------------------------------------------------- */

enum {
	COL_NAME,
	COL_PORT,
	COL_STATE,
	COL_TRANSPORT,
	COL_FIRMWARE,
	COL_CA,
	NCOLS
};

static const char *const col_title[NCOLS] = {
	"NAME", "PORT", "STATE", "TRANSPORT", "FIRMWARE", "CA",
};

/* The D-Bus property behind each column (JSON uses these names). */
static const char *const col_prop[NCOLS] = {
	ICHIP_DEVICE1_NAME, ICHIP_DEVICE1_PORT, ICHIP_DEVICE1_STATE,
	ICHIP_DEVICE1_TRANSPORT, ICHIP_DEVICE1_FIRMWARE_VERSION,
	ICHIP_DEVICE1_CA_LOCATION,
};

struct dev_row {
	char *path;
	char *col[NCOLS];
};

static void free_rows(struct dev_row *rows, size_t n)
{
	size_t i, k;

	for (i = 0; i < n; i++) {
		free(rows[i].path);
		for (k = 0; k < NCOLS; k++)
			free(rows[i].col[k]);
	}
	free(rows);
}

static int fetch_row(struct ctl *c, struct dev_row *row)
{
	struct prop_want want[NCOLS + 1] = { 0 };
	sd_bus_message *reply = NULL;
	int r, k;

	for (k = 0; k < NCOLS; k++)
		want[k] = (struct prop_want){ col_prop[k], 's', &row->col[k] };
	r = ctl_get_all(c, row->path, ICHIP_DEVICE_IFACE, &reply);
	if (r)
		return r;
	r = read_props(reply, want);
	sd_bus_message_unref(reply);
	for (k = 0; k < NCOLS && !r; k++)
		if (!row->col[k])
			row->col[k] = strdup("");
	return r;
}

static int cmp_rows(const void *a, const void *b)
{
	/* dev2 before dev10 */
	return strverscmp(((const struct dev_row *)a)->path,
			  ((const struct dev_row *)b)->path);
}

static int fetch_rows(struct ctl *c, struct dev_row **out, size_t *n)
{
	struct dev_row *rows;
	size_t cnt, i;
	void *t;
	int r;

	r = ctl_device_table(c, sizeof(*rows), offsetof(struct dev_row, path),
			     &t, &cnt);
	if (r)
		return r;
	rows = t;
	for (i = 0; i < cnt && !r; i++)
		r = fetch_row(c, &rows[i]);
	if (r) {
		free_rows(rows, cnt);
		return r;
	}
	if (cnt)
		qsort(rows, cnt, sizeof(*rows), cmp_rows);
	*out = rows;
	*n = cnt;
	return EXIT_OK;
}

static void print_rows_json(const struct dev_row *rows, size_t n)
{
	struct json j;
	size_t i, k;

	json_init(&j, stdout);
	json_array_begin(&j);
	for (i = 0; i < n; i++) {
		json_object_begin(&j);
		json_key(&j, "Path");
		json_string(&j, rows[i].path);
		for (k = 0; k < NCOLS; k++) {
			json_key(&j, col_prop[k]);
			json_string(&j, rows[i].col[k]);
		}
		json_object_end(&j);
	}
	json_array_end(&j);
	json_finish(&j);
}

static void print_row(const char *const *col, const int *width)
{
	int k;

	/* no padding after the last column */
	for (k = 0; k + 1 < NCOLS; k++)
		printf("%-*s  ", width[k], col[k]);
	printf("%s\n", col[k]);
}

static void print_rows_text(const struct dev_row *rows, size_t n)
{
	int width[NCOLS];
	size_t i, k;

	for (k = 0; k < NCOLS; k++) {
		width[k] = (int)strlen(col_title[k]);
		for (i = 0; i < n; i++)
			if ((int)strlen(rows[i].col[k]) > width[k])
				width[k] = (int)strlen(rows[i].col[k]);
	}
	print_row(col_title, width);
	for (i = 0; i < n; i++)
		print_row((const char *const *)rows[i].col, width);
}

int cmd_device_list(struct ctl *c)
{
	struct dev_row *rows = NULL;
	size_t n = 0;
	int r;

	r = fetch_rows(c, &rows, &n);
	if (r)
		return r;
	if (ctl_has(c, OPT_JSON))
		print_rows_json(rows, n);
	else
		print_rows_text(rows, n);
	free_rows(rows, n);
	return EXIT_OK;
}

/* ---- device show -------------------------------------------------------- */

int cmd_device_show(struct ctl *c)
{
	sd_bus_message *reply = NULL;
	char *path = NULL, *name = NULL;
	struct json j;
	int r;

	r = ctl_pick_device(c, c->nargs ? c->args[0] : NULL, &path, &name);
	if (r)
		return r;
	r = ctl_get_all(c, path, ICHIP_DEVICE_IFACE, &reply);
	if (r)
		goto out;
	if (ctl_has(c, OPT_JSON)) {
		json_init(&j, stdout);
		json_object_begin(&j);
		json_key(&j, "Path");
		json_string(&j, path);
	} else {
		printf("%-16s %s\n", "Path", path);
	}
	r = ctl_print_props(reply, ctl_has(c, OPT_JSON) ? &j : NULL);
	if (r < 0) {
		fflush(stdout);
		ctl_err("%s: malformed property reply: %s", name, strerror(-r));
		r = EXIT_FAIL;
		goto out;
	}
	if (ctl_has(c, OPT_JSON)) {
		json_object_end(&j);
		json_finish(&j);
	}
	r = EXIT_OK;
out:
	sd_bus_message_unref(reply);
	free(path);
	free(name);
	return r;
}

/* ---- ca show ------------------------------------------------------------ */

struct ca_info {
	char *subject, *fingerprint, *location;
	uint64_t not_after;
	char *pem;		/* NULL: no CA (NoCA) */
};

static int fetch_ca_pem(struct ctl *c, const char *path, const char *name,
			struct ca_info *ca)
{
	sd_bus_message *m = NULL, *reply = NULL;
	const void *p;
	char what[128];
	size_t n;
	int r;

	r = ctl_new_call(c, &m, path, ICHIP_DEVICE_IFACE, ICHIP_DEVICE1_GET_CA);
	if (r)
		return r;
	snprintf(what, sizeof(what), "%s: GetCA", name);
	r = ctl_call(c, m, &reply, what);
	sd_bus_message_unref(m);
	if (r)
		return r;
	r = sd_bus_message_read_array(reply, 'y', &p, &n);
	if (r >= 0) {
		ca->pem = strndup(p, n);
		r = ca->pem ? 0 : -ENOMEM;
	}
	sd_bus_message_unref(reply);
	if (r < 0) {
		ctl_err("%s: GetCA: malformed reply", name);
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

static void print_ca_json(const char *name, const struct ca_info *ca)
{
	struct json j;

	json_init(&j, stdout);
	json_object_begin(&j);
	json_key(&j, "Device");
	json_string(&j, name);
	json_key(&j, ICHIP_DEVICE1_CA_LOCATION);
	json_string(&j, ca->location);
	json_key(&j, ICHIP_DEVICE1_CA_SUBJECT);
	json_string(&j, ca->subject);
	json_key(&j, ICHIP_DEVICE1_CA_FINGERPRINT);
	json_string(&j, ca->fingerprint);
	json_key(&j, ICHIP_DEVICE1_CA_NOT_AFTER);
	json_uint(&j, ca->not_after);
	json_key(&j, "PEM");
	if (ca->pem)
		json_string(&j, ca->pem);
	else
		json_null(&j);
	json_object_end(&j);
	json_finish(&j);
}

static void print_ca_text(const char *name, const struct ca_info *ca)
{
	time_t t = (time_t)ca->not_after;
	char when[64] = "-";
	struct tm tm;

	if (ca->not_after && gmtime_r(&t, &tm))
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
	printf("Device:      %s\n", name);
	printf("Location:    %s\n", ca->location);
	printf("Subject:     %s\n", *ca->subject ? ca->subject : "-");
	printf("Fingerprint: %s\n", *ca->fingerprint ? ca->fingerprint : "-");
	printf("Not after:   %s\n", when);
	if (ca->pem)
		printf("%s%s", ca->pem,
		       *ca->pem && ca->pem[strlen(ca->pem) - 1] != '\n' ?
		       "\n" : "");
}

int cmd_ca_show(struct ctl *c)
{
	struct ca_info ca = { 0 };
	const struct prop_want want[] = {
		{ ICHIP_DEVICE1_CA_SUBJECT, 's', &ca.subject },
		{ ICHIP_DEVICE1_CA_FINGERPRINT, 's', &ca.fingerprint },
		{ ICHIP_DEVICE1_CA_LOCATION, 's', &ca.location },
		{ ICHIP_DEVICE1_CA_NOT_AFTER, 't', &ca.not_after },
		{}
	};
	sd_bus_message *reply = NULL;
	char *path = NULL, *name = NULL;
	int r, pem_r;

	r = ctl_pick_device(c, c->nargs ? c->args[0] : NULL, &path, &name);
	if (r)
		return r;
	r = ctl_get_all(c, path, ICHIP_DEVICE_IFACE, &reply);
	if (!r)
		r = read_props(reply, want);
	sd_bus_message_unref(reply);
	if (!r && (!ca.subject || !ca.fingerprint || !ca.location)) {
		ctl_err("%s: ichipd did not report the CA properties", name);
		r = EXIT_FAIL;
	}
	if (r)
		goto out;
	/* no CA: show the (empty) properties, then fail with NoCA */
	pem_r = fetch_ca_pem(c, path, name, &ca);
	if (pem_r && pem_r != EXIT_NOT_FOUND) {
		r = pem_r;
		goto out;
	}
	if (ctl_has(c, OPT_JSON))
		print_ca_json(name, &ca);
	else
		print_ca_text(name, &ca);
	r = pem_r;
out:
	free(ca.subject);
	free(ca.fingerprint);
	free(ca.location);
	free(ca.pem);
	free(path);
	free(name);
	return r;
}

/* ---- ca set, clear, restore -------------------------------------------- */

static int read_file(const char *file, char **buf, size_t *len)
{
	FILE *f = strcmp(file, "-") ? fopen(file, "rb") : stdin;
	size_t n;

	if (!f) {
		ctl_err("%s: %s", file, strerror(errno));
		return errno == ENOENT ? EXIT_NOT_FOUND : EXIT_FAIL;
	}
	*buf = malloc(CA_FILE_MAX);
	n = *buf ? fread(*buf, 1, CA_FILE_MAX, f) : 0;
	if (!*buf || ferror(f)) {
		ctl_err("%s: cannot read: %s", file,
			*buf ? strerror(errno) : "out of memory");
		if (f != stdin)
			fclose(f);
		free(*buf);
		return EXIT_FAIL;
	}
	if (f != stdin)
		fclose(f);
	*len = n;
	return EXIT_OK;
}

static int append_bool_opt(sd_bus_message *m, const char *key, bool on)
{
	if (!on)
		return 0;
	return sd_bus_message_append(m, "{sv}", key, "b", 1);
}

static int build_set_ca(sd_bus_message *m, struct ctl *c, const char *buf,
			size_t len)
{
	int r;

	r = sd_bus_message_append_array(m, 'y', buf, len);
	if (r >= 0)
		r = sd_bus_message_open_container(m, 'a', "{sv}");
	if (r >= 0)
		r = append_bool_opt(m, "force", ctl_has(c, OPT_FORCE));
	if (r >= 0)
		r = append_bool_opt(m, "allow-self-signed-leaf",
				    ctl_has(c, OPT_SELF_SIGNED_LEAF));
	if (r >= 0)
		r = append_bool_opt(m, "host-only", ctl_has(c, OPT_HOST_ONLY));
	if (r >= 0)
		r = sd_bus_message_close_container(m);
	return r;
}

/* Say what is trusted now: the answer a user wants after a change. */
static int report_ca(struct ctl *c, const char *path, const char *name,
		     const char *verb)
{
	char *loc = NULL, *fp = NULL;
	int r;

	r = ctl_get_string(c, path, ICHIP_DEVICE_IFACE,
			   ICHIP_DEVICE1_CA_LOCATION, &loc);
	if (!r)
		r = ctl_get_string(c, path, ICHIP_DEVICE_IFACE,
				   ICHIP_DEVICE1_CA_FINGERPRINT, &fp);
	if (!r)
		printf("%s: CA %s (location %s%s%s)\n", name, verb, loc,
		       *fp ? ", sha256 " : "", fp);
	free(loc);
	free(fp);
	return r;
}

/* A state-changing Device1 call: polkit may ask the user. */
static int device_change(struct ctl *c, const char *member,
			 sd_bus_message **m, char **path, char **name)
{
	int r;

	r = ctl_pick_device(c, c->device, path, name);
	if (r)
		return r;
	r = ctl_new_call(c, m, *path, ICHIP_DEVICE_IFACE, member);
	if (r)
		return r;
	sd_bus_message_set_allow_interactive_authorization(*m, 1);
	return EXIT_OK;
}

int cmd_ca_set(struct ctl *c)
{
	sd_bus_message *m = NULL;
	char *path = NULL, *name = NULL, *buf = NULL;
	char what[128];
	size_t len = 0;
	int r;

	r = read_file(c->args[0], &buf, &len);
	if (r)
		return r;
	r = device_change(c, ICHIP_DEVICE1_SET_CA, &m, &path, &name);
	if (r)
		goto out;
	if (build_set_ca(m, c, buf, len) < 0) {
		ctl_err("SetCA: cannot build the call");
		r = EXIT_FAIL;
		goto out;
	}
	snprintf(what, sizeof(what), "%s: SetCA %s", name, c->args[0]);
	r = ctl_call(c, m, NULL, what);
	if (!r)
		r = report_ca(c, path, name, "set");
out:
	sd_bus_message_unref(m);
	free(buf);
	free(path);
	free(name);
	return r;
}

static int simple_ca_call(struct ctl *c, const char *member, const char *verb)
{
	sd_bus_message *m = NULL;
	char *path = NULL, *name = NULL;
	char what[128];
	int r;

	r = device_change(c, member, &m, &path, &name);
	if (!r) {
		snprintf(what, sizeof(what), "%s: %s", name, member);
		r = ctl_call(c, m, NULL, what);
	}
	if (!r)
		r = report_ca(c, path, name, verb);
	sd_bus_message_unref(m);
	free(path);
	free(name);
	return r;
}

int cmd_ca_clear(struct ctl *c)
{
	return simple_ca_call(c, ICHIP_DEVICE1_CLEAR_CA, "cleared");
}

int cmd_ca_restore(struct ctl *c)
{
	return simple_ca_call(c, ICHIP_DEVICE1_RESTORE_CA, "restored");
}
