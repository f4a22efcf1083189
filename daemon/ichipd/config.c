// SPDX-License-Identifier: GPL-2.0-only
// SPDX-FileCopyrightText: 2026 The ichip authors
/*
 * /etc/ichip/ichipd.conf: an ini file (see ichipd.conf(5)).
 *
 *   [daemon]
 *   transport = auto | kernel | tty
 *   debug-commands = yes | no
 *   checksum-mode = yes | no        (AT+iCKSM=1 at device setup)
 *   max-sessions-per-user = N      (per device, 0..10, 0 = no limit)
 *   session-idle-timeout = SECONDS (0 = none)
 *
 *   [device NAME]
 *   port = /dev/ttyUSB0
 *   baud = 115200
 *   flow = none | xonxoff | rtscts
 *
 * Unknown sections or keys are errors: a typo must not go unnoticed.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "device.h"
#include "log.h"
#include "manager.h"

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static int parse_bool(const char *v, bool *out)
{
	if (!strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "1"))
		*out = true;
	else if (!strcmp(v, "no") || !strcmp(v, "false") || !strcmp(v, "0"))
		*out = false;
	else
		return -EINVAL;
	return 0;
}

static int parse_uint(const char *v, unsigned long max, unsigned int *out)
{
	unsigned long n;
	char *end;

	if (!*v || *v == '-')
		return -EINVAL;
	errno = 0;
	n = strtoul(v, &end, 10);
	if (*end || errno || n > max)
		return -EINVAL;
	*out = (unsigned int)n;
	return 0;
}

static int daemon_key(struct config *c, const char *k, const char *v)
{
	if (!strcmp(k, "transport")) {
		if (!strcmp(v, "auto"))
			c->transport = TRANSPORT_AUTO;
		else if (!strcmp(v, "kernel"))
			c->transport = TRANSPORT_KERNEL;
		else if (!strcmp(v, "tty"))
			c->transport = TRANSPORT_TTY;
		else
			return -EINVAL;
		return 0;
	}
	if (!strcmp(k, "debug-commands"))
		return parse_bool(v, &c->debug_commands);
	if (!strcmp(k, "checksum-mode"))
		return parse_bool(v, &c->checksum_mode);
	if (!strcmp(k, "max-sessions-per-user"))
		return parse_uint(v, ICHIPD_MAX_SOCKETS,
				  &c->max_sessions_per_user);
	if (!strcmp(k, "session-idle-timeout"))
		return parse_uint(v, 7 * 24 * 3600, &c->session_idle_timeout_s);
	return -EINVAL;
}

static int device_key(struct config_device *d, const char *k, const char *v)
{
	char *end;

	if (!strcmp(k, "port")) {
		if (v[0] != '/' || strlen(v) >= sizeof(d->port))
			return -EINVAL;
		strcpy(d->port, v);
	} else if (!strcmp(k, "baud")) {
		d->baud = (unsigned int)strtoul(v, &end, 10);
		if (*end || !d->baud)
			return -EINVAL;
	} else if (!strcmp(k, "flow")) {
		if (dev_flow_parse(v) < 0)
			return -EINVAL;
		d->flow = (enum dev_flow)dev_flow_parse(v);
	} else {
		return -EINVAL;
	}
	return 0;
}

static int section(struct config *c, char *name, struct config_device **dev)
{
	*dev = NULL;
	if (!strcmp(name, "daemon"))
		return 0;
	if (strncmp(name, "device ", 7) || c->ndevices == CONFIG_DEVICES_MAX)
		return -EINVAL;
	name = trim(name + 7);
	if (!device_name_ok(name))
		return -EINVAL;
	*dev = &c->devices[c->ndevices++];
	memset(*dev, 0, sizeof(**dev));
	strcpy((*dev)->name, name);
	(*dev)->baud = 115200;
	(*dev)->flow = DEV_FLOW_DEFAULT;
	return 0;
}

int config_load(const char *path, struct config *c)
{
	struct config_device *dev = NULL;
	bool in_daemon = false;
	char line[512], *p, *eq;
	unsigned int lineno = 0;
	FILE *f = fopen(path, "re");
	int r = 0;

	if (!f)
		return errno == ENOENT ? 0 : -errno;
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		p = trim(line);
		if (!*p || *p == '#' || *p == ';')
			continue;
		if (*p == '[') {
			eq = strchr(p, ']');
			if (!eq) {
				r = -EINVAL;
				break;
			}
			*eq = '\0';
			r = section(c, p + 1, &dev);
			in_daemon = !dev && !r;
		} else if ((eq = strchr(p, '='))) {
			*eq = '\0';
			if (dev)
				r = device_key(dev, trim(p), trim(eq + 1));
			else if (in_daemon)
				r = daemon_key(c, trim(p), trim(eq + 1));
			else
				r = -EINVAL;
		} else {
			r = -EINVAL;
		}
		if (r < 0)
			break;
	}
	fclose(f);
	if (r < 0) {
		log_error("%s:%u: not understood", path, lineno);
		return r;
	}
	for (unsigned int i = 0; i < c->ndevices; i++) {
		if (!c->devices[i].port[0]) {
			log_error("%s: device %s has no port", path,
				  c->devices[i].name);
			return -EINVAL;
		}
	}
	return 0;
}
