// SPDX-License-Identifier: GPL-2.0-only
// SPDX-FileCopyrightText: 2026 The ichip authors
/*
 * The module's half of host flow control.  Parameter FLW bit 0 selects
 * RTS/CTS; clear, the module paces an SSND stream with WAIT/CONTINUE
 * bytes (at-plus-i.md §4).  The manual gives no restart for FLW (unlike
 * BDRF, "applied at next power-up"), and refuses to set bit 0 while the
 * host's CTS is not asserted (error 063): it acts at once.  So at start
 * ichipd reads FLW and, if bit 0 differs from the configured flow
 * (rtscts: set; none, xonxoff: clear), writes it back with the other
 * bits kept.  Writes go to the module's flash: only when it differs.
 */
#include <stdio.h>
#include <stdlib.h>

#include "device.h"
#include "log.h"

/* I/ERROR (063): "~CTSH must be low to switch to HW flow control" */
#define ICHIP_ERR_CTS_HIGH 63

static void on_flw_set(void *userdata, const struct xport_reply *r)
{
	struct device *d = userdata;

	if (r->status == ICHIP_STATUS_OK)
		log_dev(LOG_NOTICE, d->name, "module flow control set (%s)",
			d->flow == DEV_FLOW_RTSCTS ? "RTS/CTS" :
						     "WAIT/CONTINUE");
	else if (r->module_error == ICHIP_ERR_CTS_HIGH)
		log_dev(LOG_WARNING, d->name,
			"module refused RTS/CTS flow control: its CTS input is high (error 063; check the RTS/CTS wiring)");
	else
		log_dev(LOG_WARNING, d->name,
			"setting the module's flow control (AT+iFLW) failed (status %d, error %u)",
			r->status, r->module_error);
}

static void on_flw_query(void *userdata, const struct xport_reply *r)
{
	struct device *d = userdata;
	bool want = d->flow == DEV_FLOW_RTSCTS;
	unsigned long v = 0;
	char cmd[32], *end;

	if (r->status == ICHIP_STATUS_OK) {
		v = strtoul(r->text, &end, 10);
		if (end == r->text || *end || v > 255) {
			log_dev(LOG_WARNING, d->name,
				"module's FLW answer not understood: flow control left as it is");
			return;
		}
	}
	/*
	 * No answer to the query (a firmware without it): RTS/CTS is still
	 * asked for; bit 0 clear is assumed, not written at every start.
	 */
	if (r->status != ICHIP_STATUS_OK ? !want : !!(v & 1) == want)
		return;
	v = want ? v | 1 : v & ~1UL;
	snprintf(cmd, sizeof(cmd), "AT+iFLW=%lu", v);
	xport_exec(d->x, cmd, NULL, 0, 0, on_flw_set, d, NULL);
}

void device_flow_setup(struct device *d)
{
	xport_exec(d->x, "AT+iFLW?", NULL, 0, 0, on_flw_query, d, NULL);
}
