/* SPDX-License-Identifier: GPL-2.0-only */
/* SPDX-FileCopyrightText: 2026 The ichip authors */
/*
 * ichipd logging: structured journal entries when running under systemd
 * (JOURNAL_STREAM is set), plain "<level>message" lines on stderr
 * otherwise.  DEVICE= and SESSION= fields make `journalctl DEVICE=dev0`
 * work.
 */
#ifndef ICHIPD_LOG_H
#define ICHIPD_LOG_H

#include <syslog.h>

void log_setup(int max_level);
void log_full(int level, const char *device, const char *session,
	      const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#define log_error(...)   log_full(LOG_ERR, NULL, NULL, __VA_ARGS__)
#define log_warning(...) log_full(LOG_WARNING, NULL, NULL, __VA_ARGS__)
#define log_notice(...)  log_full(LOG_NOTICE, NULL, NULL, __VA_ARGS__)
#define log_info(...)    log_full(LOG_INFO, NULL, NULL, __VA_ARGS__)
#define log_debug(...)   log_full(LOG_DEBUG, NULL, NULL, __VA_ARGS__)
#define log_dev(level, dev, ...) log_full(level, dev, NULL, __VA_ARGS__)
#define log_session(level, dev, sess, ...) \
	log_full(level, dev, sess, __VA_ARGS__)

#endif /* ICHIPD_LOG_H */
