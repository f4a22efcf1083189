/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef ICHIPD_CONFIG_H
#define ICHIPD_CONFIG_H

#include <stdbool.h>

#include "ichipd.h"

#define CONFIG_DEVICES_MAX 32

struct config_device {
	char name[65];
	char port[256];
	unsigned int baud;
	enum dev_flow flow;
};

struct config {
	enum transport_choice transport;
	bool debug_commands;
	struct config_device devices[CONFIG_DEVICES_MAX];
	unsigned int ndevices;
};

/* Read @path into @c (defaults kept); a missing file is fine.  0/-errno. */
int config_load(const char *path, struct config *c);

#endif /* ICHIPD_CONFIG_H */
