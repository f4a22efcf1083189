// SPDX-License-Identifier: GPL-2.0-only
// SPDX-FileCopyrightText: 2026 The ichip authors
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <systemd/sd-journal.h>

#include "log.h"

static int log_max = LOG_INFO;
static bool log_journal;

void log_setup(int max_level)
{
	log_max = max_level;
	/* systemd sets JOURNAL_STREAM when stderr goes to the journal */
	log_journal = getenv("JOURNAL_STREAM") != NULL;
}

void log_full(int level, const char *device, const char *session,
	      const char *fmt, ...)
{
	char msg[2048];
	va_list ap;

	if (level > log_max)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);

	if (log_journal) {
		sd_journal_send("MESSAGE=%s", msg, "PRIORITY=%d", level,
				"DEVICE=%s", device ? device : "",
				"SESSION=%s", session ? session : "",
				"SYSLOG_IDENTIFIER=ichipd", NULL);
		return;
	}
	if (device && session)
		fprintf(stderr, "<%d>%s/%s: %s\n", level, device, session, msg);
	else if (device)
		fprintf(stderr, "<%d>%s: %s\n", level, device, msg);
	else
		fprintf(stderr, "<%d>%s\n", level, msg);
}
