/* SPDX-License-Identifier: GPL-2.0-only */
/* SPDX-FileCopyrightText: 2026 The ichip authors */
/*
 * The in-house CA workflow (`ichipctl pki`), done with GnuTLS: make a CA
 * the module can hold, issue server certificates from it, write a CSR
 * for a commercial CA, or make the self-signed "FTP server" certificate
 * the module can trust directly (SetCA allow-self-signed-leaf).
 *
 * Every file is written atomically (ca_file_write()); private keys are
 * created 0600 from the start and never replaced without force.  All
 * functions return 0 or a negative errno and, on failure, put a
 * one-line reason in @why (may be NULL): -EEXIST (output exists, no
 * force), -EINVAL (bad host, bits, days; CA key does not match), -ENOENT
 * and other I/O errors, -EIO (GnuTLS refused; @why says where).
 *
 * No global state; safe to call from several threads.
 */
#ifndef ICHIPD_PKI_H
#define ICHIPD_PKI_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

enum pki_key_type {
	PKI_KEY_RSA = 0,
	PKI_KEY_ECDSA_P256,	/* the module cannot use it: host-only tests */
};

/* All zero: the defaults given per field. */
struct pki_params {
	unsigned int bits;	/* RSA: 0 = 2048 (fits the 1300-char CA
				 * parameter; 3072 does not), 1024..16384 */
	unsigned int days;	/* 0 = 3650 for a CA, 825 otherwise; <= 36500 */
	bool force;		/* replace existing output files */
	enum pki_key_type key_type;
	time_t not_before;	/* 0 = an hour ago (clock skew); tests set
				 * it in the past (expired) or the future */
};

/*
 * pki_init_ca() - a new CA: key + self-signed certificate with
 * basicConstraints CA:TRUE (critical), keyUsage keyCertSign+cRLSign,
 * subjectKeyIdentifier and a random 16-byte serial.
 * @dir_or_prefix: an existing directory gets ca.key and ca.pem; anything
 *	else is a prefix for <prefix>.key and <prefix>.pem.
 * @cn: the CA's common name (1..64 characters).
 */
int pki_init_ca(const char *dir_or_prefix, const char *cn,
		const struct pki_params *p, char *why, size_t why_len);

/*
 * pki_issue() - <out_prefix>.key + <out_prefix>.pem: a server certificate
 * signed by the CA in @ca_cert_path/@ca_key_path (key must match).
 * SAN from @hosts (IPv4/IPv6 literals become iPAddress, the rest
 * dNSName, "*." wildcards allowed), CN = the first host, keyUsage
 * digitalSignature (+keyEncipherment for RSA), extKeyUsage serverAuth,
 * authorityKeyIdentifier, CA:FALSE.
 */
int pki_issue(const char *ca_cert_path, const char *ca_key_path,
	      const char *out_prefix, const char *const *hosts, size_t nhosts,
	      const struct pki_params *p, char *why, size_t why_len);

/*
 * pki_csr() - <out_prefix>.key + <out_prefix>.csr: a PKCS#10 request
 * with the same subject and extensions pki_issue() would use, for a
 * commercial CA.  @p->days and @p->not_before are ignored.
 */
int pki_csr(const char *out_prefix, const char *const *hosts, size_t nhosts,
	    const struct pki_params *p, char *why, size_t why_len);

/*
 * pki_self_signed() - <out_prefix>.key + <out_prefix>.pem: a self-signed
 * server certificate (CA:FALSE, serverAuth, SAN as pki_issue()).  The
 * module can trust it as its CA with SetCA allow-self-signed-leaf.
 */
int pki_self_signed(const char *out_prefix, const char *const *hosts,
		    size_t nhosts, const struct pki_params *p,
		    char *why, size_t why_len);

#endif /* ICHIPD_PKI_H */
