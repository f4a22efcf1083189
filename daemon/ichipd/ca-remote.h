/* SPDX-License-Identifier: GPL-2.0-only */
/* SPDX-FileCopyrightText: 2026 The ichip authors */
/* ichipd's certificate intake, parsed by the TLS worker: ca-remote.c */
#ifndef ICHIPD_CA_REMOTE_H
#define ICHIPD_CA_REMOTE_H

#include "ca.h"

int ca_remote_parse(const void *buf, size_t len,
		    const struct ca_options *opt, struct ca_cert **out,
		    char *why, size_t why_len);
int ca_remote_load(const void *buf, size_t len, struct ca_cert **out);
struct ca_cert *ca_remote_from_module_answer(const char *text, size_t len);

#endif /* ICHIPD_CA_REMOTE_H */
