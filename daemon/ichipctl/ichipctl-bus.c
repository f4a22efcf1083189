// SPDX-License-Identifier: GPL-2.0-only
// SPDX-FileCopyrightText: 2026 The ichip authors
/*
 * ichipctl's side of D-Bus: connecting, calling ichipd, mapping each
 * error name to its exit code (the one place that knows the classes),
 * picking the device a command acts on, and printing property values.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ichipctl.h"

void ctl_err(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("ichipctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int ctl_usage_err(const char *fmt, ...)
{
	va_list ap;

	fputs("ichipctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'ichipctl --help'.\n", stderr);
	return EXIT_USAGE;
}

struct err_class {
	const char *name;
	int code;
};

#define FDE(n) "org.freedesktop.DBus.Error." n

static const struct err_class err_classes[] = {
	{ ERR_NOT_FOUND, EXIT_NOT_FOUND },
	{ ERR_NO_CA, EXIT_NOT_FOUND },
	{ FDE("UnknownObject"), EXIT_NOT_FOUND },
	{ FDE("UnknownInterface"), EXIT_NOT_FOUND },
	{ ERR_PERMISSION_DENIED, EXIT_DENIED },
	{ FDE("AccessDenied"), EXIT_DENIED },
	{ FDE("InteractiveAuthorizationRequired"), EXIT_DENIED },
	{ ERR_INVALID_CERT, EXIT_CERT },
	{ ERR_CERT_EXPIRED, EXIT_CERT },
	{ ERR_WEAK_KEY, EXIT_CERT },
	{ ERR_NOT_CA, EXIT_CERT },
	{ ERR_CERT_TOO_LARGE, EXIT_CERT },
	{ ERR_UNSUPPORTED_KEY, EXIT_CERT },
	{ ERR_CERT_MISMATCH, EXIT_CERT },
	{ ERR_DEVICE_ERROR, EXIT_DEVICE },
	{ ERR_DEVICE_LOST, EXIT_DEVICE },
	{ ERR_TIMEOUT, EXIT_DEVICE },
	{ ERR_BUSY, EXIT_DEVICE },
	{ ERR_TOO_MANY_SESSIONS, EXIT_DEVICE },
	/* ichipd did not answer within --timeout */
	{ FDE("NoReply"), EXIT_DEVICE },
	{ FDE("Timeout"), EXIT_DEVICE },
	{ ERR_VERIFY_FAILED, EXIT_TLS },
	{ ERR_HANDSHAKE_FAILED, EXIT_TLS },
	{ ERR_CONNECT_FAILED, EXIT_TLS },
	{ ERR_LEGACY_TLS_REFUSED, EXIT_TLS },
	{ FDE("ServiceUnknown"), EXIT_NO_DAEMON },
	{ FDE("NameHasNoOwner"), EXIT_NO_DAEMON },
	{ FDE("Disconnected"), EXIT_NO_DAEMON },
};

static int exit_code_of(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(err_classes); i++)
		if (!strcmp(err_classes[i].name, name))
			return err_classes[i].code;
	return EXIT_FAIL;
}

int ctl_bus_fail(const char *what, const sd_bus_error *e, int r)
{
	const char *suffix;
	int code;

	if (!sd_bus_error_is_set(e)) {
		ctl_err("%s: %s", what, strerror(r < 0 ? -r : EIO));
		return EXIT_FAIL;
	}
	code = exit_code_of(e->name);
	suffix = strrchr(e->name, '.');
	suffix = suffix ? suffix + 1 : e->name;
	if (code == EXIT_NO_DAEMON)
		ctl_err("%s: ichipd is not running (%s is not on the bus) (%s)",
			what, ICHIP_BUS_NAME, suffix);
	else
		ctl_err("%s: %s (%s)", what,
			e->message && *e->message ? e->message : e->name,
			suffix);
	return code;
}

int ctl_bus(struct ctl *c)
{
	int r;

	if (c->bus)
		return EXIT_OK;
	/* honours DBUS_SYSTEM_BUS_ADDRESS (the tests' private bus) */
	r = sd_bus_open_system(&c->bus);
	if (r < 0) {
		c->bus = NULL;
		ctl_err("cannot connect to the system bus: %s (is ichipd "
			"running?)", strerror(-r));
		return EXIT_NO_DAEMON;
	}
	return EXIT_OK;
}

int ctl_new_call(struct ctl *c, sd_bus_message **m, const char *path,
		 const char *iface, const char *member)
{
	int r = ctl_bus(c);

	if (r)
		return r;
	r = sd_bus_message_new_method_call(c->bus, m, ICHIP_BUS_NAME, path,
					   iface, member);
	if (r < 0) {
		ctl_err("%s: cannot build the call: %s", member, strerror(-r));
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

/*
 * A call polkit may hold at a password prompt waits as long as ichipd
 * waits for polkit (120 s), not sd-bus's 25 s: a person typing a
 * password often needs more.  --timeout still wins.
 */
static uint64_t call_timeout_usec(const struct ctl *c, sd_bus_message *m)
{
	if (!ctl_has(c, OPT_TIMEOUT) &&
	    sd_bus_message_get_allow_interactive_authorization(m) > 0)
		return 120ULL * 1000000;
	return c->timeout_usec;
}

int ctl_call(struct ctl *c, sd_bus_message *m, sd_bus_message **reply,
	     const char *what)
{
	sd_bus_error e = SD_BUS_ERROR_NULL;
	int r, code = EXIT_OK;

	r = sd_bus_call(c->bus, m, call_timeout_usec(c, m), &e, reply);
	if (r < 0)
		code = ctl_bus_fail(what, &e, r);
	sd_bus_error_free(&e);
	return code;
}

int ctl_get_property(struct ctl *c, const char *path, const char *iface,
		     const char *prop, sd_bus_message **reply)
{
	sd_bus_message *m = NULL;
	char what[128];
	int r;

	r = ctl_new_call(c, &m, path, "org.freedesktop.DBus.Properties",
			 "Get");
	if (r)
		return r;
	if (sd_bus_message_append(m, "ss", iface, prop) < 0) {
		sd_bus_message_unref(m);
		return EXIT_FAIL;
	}
	snprintf(what, sizeof(what), "%s: reading %s", path, prop);
	r = ctl_call(c, m, reply, what);
	sd_bus_message_unref(m);
	return r;
}

int ctl_get_string(struct ctl *c, const char *path, const char *iface,
		   const char *prop, char **out)
{
	sd_bus_message *reply = NULL;
	const char *s;
	int r;

	r = ctl_get_property(c, path, iface, prop, &reply);
	if (r)
		return r;
	r = sd_bus_message_read(reply, "v", "s", &s);
	if (r >= 0)
		*out = strdup(s);
	sd_bus_message_unref(reply);
	if (r < 0 || !*out) {
		ctl_err("%s: bad %s property", path, prop);
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

int ctl_get_all(struct ctl *c, const char *path, const char *iface,
		sd_bus_message **reply)
{
	sd_bus_message *m = NULL;
	char what[128];
	int r;

	r = ctl_new_call(c, &m, path, "org.freedesktop.DBus.Properties",
			 "GetAll");
	if (r)
		return r;
	if (sd_bus_message_append(m, "s", iface) < 0) {
		sd_bus_message_unref(m);
		return EXIT_FAIL;
	}
	snprintf(what, sizeof(what), "%s: reading properties", path);
	r = ctl_call(c, m, reply, what);
	sd_bus_message_unref(m);
	return r;
}

/* ---- choosing the device ------------------------------------------------ */

struct dev_entry {
	char *path;
	char *name;
};

static void free_entries(struct dev_entry *d, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(d[i].path);
		free(d[i].name);
	}
	free(d);
}

static int device_paths(struct ctl *c, char ***paths, size_t *n)
{
	sd_bus_message *m = NULL, *reply = NULL;
	char **p = NULL, **np;
	const char *path;
	size_t cnt = 0, i;
	int r;

	r = ctl_new_call(c, &m, ICHIP_MANAGER_PATH, ICHIP_MANAGER_IFACE,
			 ICHIP_MANAGER1_GET_DEVICES);
	if (r)
		return r;
	r = ctl_call(c, m, &reply, "listing devices");
	sd_bus_message_unref(m);
	if (r)
		return r;
	r = sd_bus_message_enter_container(reply, 'a', "o");
	while (r >= 0 && (r = sd_bus_message_read(reply, "o", &path)) > 0) {
		np = realloc(p, (cnt + 1) * sizeof(*p));
		if (!np || !(np[cnt] = strdup(path))) {
			p = np ? np : p;
			r = -ENOMEM;
			break;
		}
		p = np;
		cnt++;
	}
	sd_bus_message_unref(reply);
	if (r != 0) {
		for (i = 0; i < cnt; i++)
			free(p[i]);
		free(p);
		ctl_err("listing devices: %s", r < 0 ? strerror(-r) :
			"malformed reply");
		return EXIT_FAIL;
	}
	*paths = p;
	*n = cnt;
	return EXIT_OK;
}

int ctl_device_table(struct ctl *c, size_t elem, size_t path_off,
		     void **out, size_t *n)
{
	uint8_t *t;
	char **paths;
	size_t cnt, i;
	int r;

	r = device_paths(c, &paths, &cnt);
	if (r)
		return r;
	t = calloc(cnt ? cnt : 1, elem);
	for (i = 0; i < cnt; i++) {
		if (t)
			memcpy(t + i * elem + path_off, &paths[i],
			       sizeof(paths[i]));
		else
			free(paths[i]);
	}
	free(paths);
	if (!t) {
		ctl_err("listing devices: %s", strerror(ENOMEM));
		return EXIT_FAIL;
	}
	*out = t;
	*n = cnt;
	return EXIT_OK;
}

/* GetDevices() and each device's Name. */
static int list_devices(struct ctl *c, struct dev_entry **out, size_t *n)
{
	struct dev_entry *d;
	size_t cnt, i;
	void *t;
	int r;

	r = ctl_device_table(c, sizeof(*d), offsetof(struct dev_entry, path),
			     &t, &cnt);
	if (r)
		return r;
	d = t;
	for (i = 0; i < cnt; i++) {
		r = ctl_get_string(c, d[i].path, ICHIP_DEVICE_IFACE,
				   ICHIP_DEVICE1_NAME,
				   &d[i].name);
		if (r) {
			free_entries(d, cnt);
			return r;
		}
	}
	*out = d;
	*n = cnt;
	return EXIT_OK;
}

static void list_names(const struct dev_entry *d, size_t n, char *buf,
		       size_t len)
{
	size_t i, used = 0;

	buf[0] = '\0';
	for (i = 0; i < n && used < len; i++)
		used += snprintf(buf + used, len - used, "%s%s", i ? ", " : "",
				 d[i].name);
}

static int pick(const struct dev_entry *d, size_t n, const char *want)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(want, want[0] == '/' ? d[i].path : d[i].name))
			return (int)i;
	return -1;
}

int ctl_pick_device(struct ctl *c, const char *arg, char **path,
		    char **name)
{
	const char *want = arg ? arg : c->device;
	struct dev_entry *d = NULL;
	char names[512];
	size_t n = 0;
	int r, i;

	r = list_devices(c, &d, &n);
	if (r)
		return r;
	list_names(d, n, names, sizeof(names));
	if (!n) {
		ctl_err("ichipd manages no device");
		r = EXIT_NOT_FOUND;
	} else if (want) {
		i = pick(d, n, want);
		if (i < 0) {
			ctl_err("no device %s (devices: %s) (NotFound)", want,
				names);
			r = EXIT_NOT_FOUND;
		} else {
			*path = strdup(d[i].path);
			*name = strdup(d[i].name);
		}
	} else if (n > 1) {
		ctl_err("%zu devices (%s): choose one with --device NAME", n,
			names);
		r = EXIT_USAGE;
	} else {
		*path = strdup(d[0].path);
		*name = strdup(d[0].name);
	}
	free_entries(d, n);
	return r;
}

/* ---- printing values ---------------------------------------------------- */

static int print_value(sd_bus_message *m, struct json *j, int depth);

/* A number, as read by sd-bus into a 64-bit slot of its signedness. */
static void print_number(struct json *j, bool is_signed, int64_t sv,
			 uint64_t uv)
{
	if (j && is_signed)
		json_int(j, sv);
	else if (j)
		json_uint(j, uv);
	else if (is_signed)
		printf("%lld", (long long)sv);
	else
		printf("%llu", (unsigned long long)uv);
}

static int print_basic(sd_bus_message *m, char type, struct json *j)
{
	union {
		uint8_t y;
		int b;
		int16_t n;
		uint16_t q;
		int32_t i;
		uint32_t u;
		int64_t x;
		uint64_t t;
		const char *s;
	} v;
	int r;

	/* ichipd's properties use no doubles or fds */
	if (type == 'd' || type == 'h') {
		if (j)
			json_null(j);
		else
			fputs("-", stdout);
		return sd_bus_message_skip(m, (char[]){ type, 0 });
	}
	r = sd_bus_message_read_basic(m, type, &v);
	if (r <= 0)
		return r < 0 ? r : -EBADMSG;
	switch (type) {
	case 'y':
		print_number(j, false, 0, v.y);
		break;
	case 'n':
		print_number(j, true, v.n, 0);
		break;
	case 'q':
		print_number(j, false, 0, v.q);
		break;
	case 'i':
		print_number(j, true, v.i, 0);
		break;
	case 'u':
		print_number(j, false, 0, v.u);
		break;
	case 'x':
		print_number(j, true, v.x, 0);
		break;
	case 't':
		print_number(j, false, 0, v.t);
		break;
	case 'b':
		if (j)
			json_bool(j, v.b);
		else
			fputs(v.b ? "yes" : "no", stdout);
		break;
	default:	/* s, o, g */
		if (j)
			json_string(j, v.s);
		else
			fputs(v.s, stdout);
		break;
	}
	return 0;
}

/* ay: a hex string in JSON (certificates), its size in text. */
static int print_bytes(sd_bus_message *m, struct json *j)
{
	const uint8_t *p;
	size_t n, i;
	char *hex;
	int r;

	r = sd_bus_message_read_array(m, 'y', (const void **)&p, &n);
	if (r < 0)
		return r;
	if (!j) {
		printf("[%zu bytes]", n);
		return 0;
	}
	hex = malloc(2 * n + 1);
	if (!hex)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		sprintf(hex + 2 * i, "%02x", p[i]);
	hex[2 * n] = '\0';
	json_string(j, hex);
	free(hex);
	return 0;
}

static void text_indent(int depth)
{
	printf("\n%*s", 2 * depth, "");
}

/* a{..}: a JSON object; in text, one "key: value" line each. */
static int print_dict(sd_bus_message *m, const char *contents,
		      struct json *j, int depth)
{
	char key_type = contents[1], entry[64];
	size_t len = strlen(contents);
	int r;

	/* "{st}" -> the entry's own signature "st" */
	if (len < 4 || len - 2 >= sizeof(entry))
		return sd_bus_message_skip(m, NULL);
	memcpy(entry, contents + 1, len - 2);
	entry[len - 2] = '\0';
	r = sd_bus_message_enter_container(m, 'a', contents);
	if (r < 0)
		return r;
	if (j)
		json_object_begin(j);
	while ((r = sd_bus_message_enter_container(m, 'e', entry)) > 0) {
		const char *key;
		char num[32];

		if (key_type == 's' || key_type == 'o') {
			r = sd_bus_message_read_basic(m, key_type, &key);
		} else {
			uint64_t k = 0;

			r = sd_bus_message_read_basic(m, key_type, &k);
			snprintf(num, sizeof(num), "%llu", (unsigned long long)k);
			key = num;
		}
		if (r < 0)
			return r;
		if (j) {
			json_key(j, key);
		} else {
			text_indent(depth + 1);
			printf("%s: ", key);
		}
		r = print_value(m, j, depth + 1);
		if (r < 0)
			return r;
		r = sd_bus_message_exit_container(m);
		if (r < 0)
			return r;
	}
	if (r < 0)
		return r;
	if (j)
		json_object_end(j);
	return sd_bus_message_exit_container(m);
}

/* Other arrays: a JSON array; in text, items separated by spaces. */
static int print_array(sd_bus_message *m, const char *contents,
		       struct json *j, int depth)
{
	bool first = true;
	int r;

	r = sd_bus_message_enter_container(m, 'a', contents);
	if (r < 0)
		return r;
	if (j)
		json_array_begin(j);
	while ((r = sd_bus_message_at_end(m, false)) == 0) {
		if (!j && !first)
			putchar(' ');
		first = false;
		r = print_value(m, j, depth);
		if (r < 0)
			return r;
	}
	if (r < 0)
		return r;
	if (j)
		json_array_end(j);
	else if (first)
		printf("(none)");
	return sd_bus_message_exit_container(m);
}

static int print_value(sd_bus_message *m, struct json *j, int depth)
{
	const char *contents;
	char type;
	int r;

	r = sd_bus_message_peek_type(m, &type, &contents);
	if (r <= 0)
		return r < 0 ? r : -EBADMSG;
	switch (type) {
	case 'v':
		r = sd_bus_message_enter_container(m, 'v', contents);
		if (r < 0)
			return r;
		r = print_value(m, j, depth);
		if (r < 0)
			return r;
		return sd_bus_message_exit_container(m);
	case 'a':
		if (!strcmp(contents, "y"))
			return print_bytes(m, j);
		if (contents[0] == '{')
			return print_dict(m, contents, j, depth);
		return print_array(m, contents, j, depth);
	case 'r':
		/* ichipd has no struct properties; skip, stay parseable */
		if (j)
			json_null(j);
		return sd_bus_message_skip(m, NULL);
	default:
		return print_basic(m, type, j);
	}
}

int ctl_print_variant(sd_bus_message *m, struct json *j)
{
	return print_value(m, j, 0);
}

int ctl_print_props(sd_bus_message *m, struct json *j)
{
	const char *name;
	int r;

	r = sd_bus_message_enter_container(m, 'a', "{sv}");
	while (r >= 0 && (r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
		r = sd_bus_message_read(m, "s", &name);
		if (r < 0)
			break;
		if (j)
			json_key(j, name);
		else
			printf("%-16s ", name);
		r = ctl_print_variant(m, j);
		if (r >= 0 && !j)
			putchar('\n');
		if (r >= 0)
			r = sd_bus_message_exit_container(m);
	}
	if (r >= 0)
		r = sd_bus_message_exit_container(m);
	return r;
}
