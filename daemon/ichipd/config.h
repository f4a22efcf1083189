/* SPDX-License-Identifier: GPL-2.0-only */
/* SPDX-FileCopyrightText: 2026 The ichip authors */
#ifndef ICHIPD_CONFIG_H
#define ICHIPD_CONFIG_H

#include <stdbool.h>

#include "manager.h"


#define CONFIG_DEVICES_MAX 32

struct config_device {
	char name[65];
	char port[256];
	unsigned int baud;
	enum dev_flow flow;
};

/* defaults of the [daemon] keys (ichipd.conf(5)) */
#define CONFIG_SESSIONS_PER_USER	8	/* of a device's 10 sockets */
#define CONFIG_IDLE_TIMEOUT_S		900	/* 0: never idle out */

struct config {
	enum transport_choice transport;
	bool debug_commands;
	bool checksum_mode;			/* AT+iCKSM=1 on every device */
	unsigned int max_sessions_per_user;	/* per device; 0: no limit */
	unsigned int session_idle_timeout_s;
	struct config_device devices[CONFIG_DEVICES_MAX];
	unsigned int ndevices;
};

/* Read @path into @c (defaults kept); a missing file is fine.  0/-errno. */
int config_load(const char *path, struct config *c);

#endif /* ICHIPD_CONFIG_H */
