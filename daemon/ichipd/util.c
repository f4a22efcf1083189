// SPDX-License-Identifier: GPL-2.0-only
// SPDX-FileCopyrightText: 2026 The ichip authors
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "util.h"

static int read_value(sd_bus_message *m, const struct option_spec *o,
		      sd_bus_error *error)
{
	char sig[2] = { o->type, '\0' };
	int b, r;

	r = sd_bus_message_enter_container(m, 'v', sig);
	if (r < 0)
		return sd_bus_error_setf(error, ERR_INVALID_ARGUMENT,
					 "option '%s' must be of type '%s'",
					 o->key, sig);
	switch (o->type) {
	case 'b':
		r = sd_bus_message_read_basic(m, 'b', &b);
		if (r >= 0)
			*(bool *)o->out = b;
		break;
	default:
		r = sd_bus_message_read_basic(m, o->type, o->out);
		break;
	}
	if (r < 0)
		return r;
	if (o->seen)
		*o->seen = true;
	return sd_bus_message_exit_container(m);
}

int options_parse(sd_bus_message *m, const struct option_spec *spec,
		  sd_bus_error *error)
{
	const struct option_spec *o;
	const char *key;
	int r;

	r = sd_bus_message_enter_container(m, 'a', "{sv}");
	if (r < 0)
		return r;
	while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
		r = sd_bus_message_read(m, "s", &key);
		if (r < 0)
			return r;
		for (o = spec; o->key; o++)
			if (!strcmp(o->key, key))
				break;
		if (!o->key)
			return sd_bus_error_setf(error, ERR_INVALID_ARGUMENT,
						 "unknown option '%s'", key);
		r = read_value(m, o, error);
		if (r < 0)
			return r;
		r = sd_bus_message_exit_container(m);
		if (r < 0)
			return r;
	}
	if (r < 0)
		return r;
	return sd_bus_message_exit_container(m);
}
