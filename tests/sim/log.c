// SPDX-License-Identifier: GPL-2.0-only
// SPDX-FileCopyrightText: 2026 The ichip authors
/*
 * Diagnostics on stderr and the optional command trace: one line per
 * command or response, with a timestamp and a direction, binary payloads
 * as length plus a hex preview so the trace stays greppable.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sim.h"

#define TRACE_PREVIEW	16

static const char *log_prog = "ichip-sim";
static bool log_verbose;
static FILE *trace_fp;

u64 sim_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * SIM_NSEC + (u64)ts.tv_nsec;
}

void sim_log_init(const char *prog, bool verbose)
{
	log_prog = prog;
	log_verbose = verbose;
}

static void vlog(const char *level, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

static void vlog(const char *level, const char *fmt, va_list ap)
{
	char msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	fprintf(stderr, "%s[%d]: %s%s\n", log_prog, (int)getpid(), level, msg);
}

void sim_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("error: ", fmt, ap);
	va_end(ap);
}

void sim_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("", fmt, ap);
	va_end(ap);
}

void sim_dbg(const char *fmt, ...)
{
	va_list ap;

	if (!log_verbose)
		return;
	va_start(ap, fmt);
	vlog("debug: ", fmt, ap);
	va_end(ap);
}

int sim_trace_open(const char *path)
{
	trace_fp = fopen(path, "ae");
	if (!trace_fp)
		return -1;
	setvbuf(trace_fp, NULL, _IOLBF, 0);
	return 0;
}

void sim_trace_close(void)
{
	if (trace_fp)
		fclose(trace_fp);
	trace_fp = NULL;
}

/* Wall-clock stamp: traces are read next to other logs. */
static void trace_stamp(char dir)
{
	struct timespec ts;
	struct tm tm;
	char buf[32];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	fprintf(trace_fp, "%s.%06ldZ %c ", buf, ts.tv_nsec / 1000, dir);
}

/* Printable text as is; anything else as \xNN so one entry = one line. */
static void trace_escaped(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c >= 0x20 && c < 0x7f && c != '\\')
			fputc(c, trace_fp);
		else
			fprintf(trace_fp, "\\x%02x", c);
	}
}

void sim_trace_text(char dir, const char *text, size_t len)
{
	if (!trace_fp)
		return;
	trace_stamp(dir);
	trace_escaped(text, len);
	fputc('\n', trace_fp);
}

void sim_trace_data(char dir, const char *head, const u8 *data, size_t len)
{
	if (!trace_fp)
		return;
	trace_stamp(dir);
	trace_escaped(head, strlen(head));
	fprintf(trace_fp, " [%zu bytes]", len);
	for (size_t i = 0; i < len && i < TRACE_PREVIEW; i++)
		fprintf(trace_fp, " %02x", data[i]);
	if (len > TRACE_PREVIEW)
		fputs(" ...", trace_fp);
	fputc('\n', trace_fp);
}
