/* SPDX-License-Identifier: GPL-2.0-only */
/* SPDX-FileCopyrightText: 2026 The ichip authors */
/* ca-wire.c: a parsed certificate across the TLS worker's socket. */
#ifndef ICHIP_CA_WIRE_H
#define ICHIP_CA_WIRE_H

#include <stddef.h>
#include <stdint.h>

struct ca_cert;

/*
 * A certificate's parsed fields as bytes and back, without X.509 parsing
 * on the way back: the TLS worker parses, ichipd keeps what it found.
 * ca_serialize allocates *out; ca_deserialize checks every length.
 */
int ca_serialize(const struct ca_cert *c, uint8_t **out, size_t *len);
int ca_deserialize(const void *buf, size_t len, struct ca_cert **out);
struct ca_cert *ca_dup(const struct ca_cert *c);	/* the same way */

#endif /* ICHIP_CA_WIRE_H */
