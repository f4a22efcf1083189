/* SPDX-License-Identifier: GPL-2.0-only */
/* SPDX-FileCopyrightText: 2026 The ichip authors */
/* ichip-tls-echo's modes: what each serves on one TLS connection. */
#ifndef ICHIP_TLS_SERV_H
#define ICHIP_TLS_SERV_H

#include <stddef.h>
#include <gnutls/gnutls.h>

/* all n bytes as records; 0 or a GnuTLS error */
int tls_send_all(gnutls_session_t s, const char *p, size_t n);

/*
 * One request of tcpserv.py's sinksource protocol on a connection whose
 * handshake is done (socket @fd); returns how it ended, *total = bytes
 * moved.
 */
const char *tls_sinksource(gnutls_session_t s, int fd,
			   unsigned long long *total);

#endif /* ICHIP_TLS_SERV_H */
