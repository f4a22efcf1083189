/* SPDX-License-Identifier: GPL-2.0-only */
/* SPDX-FileCopyrightText: 2026 The ichip authors */
#ifndef ICHIPD_UTIL_H
#define ICHIPD_UTIL_H

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-bus.h>

#define _cleanup_(f) __attribute__((cleanup(f)))

static inline void freep(void *p)
{
	free(*(void **)p);
}

/* One accepted key of an a{sv} options dictionary. */
struct option_spec {
	const char *key;
	char type;		/* 'b', 's', 'u', 'q' */
	void *out;		/* bool *, const char **, uint32_t *, uint16_t * */
	bool *seen;		/* optional */
};

/*
 * Read an a{sv} from @m into the outputs of @spec (NULL-key terminated).
 * Unknown keys and wrong value types are refused with InvalidArgument:
 * a typo in an option must not silently change a security decision.
 */
int options_parse(sd_bus_message *m, const struct option_spec *spec,
		  sd_bus_error *error);

#endif /* ICHIPD_UTIL_H */
