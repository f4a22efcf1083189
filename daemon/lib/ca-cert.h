/* SPDX-License-Identifier: GPL-2.0-only */
/* SPDX-FileCopyrightText: 2026 The ichip authors */
/*
 * The fields of a parsed certificate, private to the certificate
 * library: ca.c fills them from X.509, ca-wire.c from the TLS worker's
 * bytes.  Everyone else uses the accessors in ca.h.
 */
#ifndef ICHIP_CA_CERT_H
#define ICHIP_CA_CERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct ca_cert {
	uint8_t *der;
	size_t der_len;
	char *pem;
	size_t pem_len;
	char *subject;
	char fingerprint[65];
	char key_desc[32];
	time_t not_before;
	time_t not_after;
	int pk;			/* gnutls_pk_algorithm_t */
	unsigned int bits;
	bool is_ca;
	bool self_signed;
	bool fits;
};

#endif /* ICHIP_CA_CERT_H */
