/* SPDX-License-Identifier: GPL-2.0-only */
/* SPDX-FileCopyrightText: 2026 The ichip authors */
/*
 * Certificate intake for the module's CA parameter (AT+iCA).
 *
 * SetCA hands us whatever the caller had: PEM or DER, LF or CRLF, maybe a
 * whole bundle by mistake.  ca_parse() turns it into exactly one X.509
 * certificate that is fit to be a trust anchor, or says in one line why
 * not.  The module stores at most 1300 PEM characters and its SSL speaks
 * RSA only; a certificate that cannot live there may still be kept by
 * ichipd alone (host_only) for host-tls sessions.
 *
 * Thread safety: no global state; a struct ca_cert is immutable after
 * ca_parse() and may be read from any thread.  GnuTLS >= 3.3 initialises
 * itself from a library constructor, so callers need no
 * gnutls_global_init().
 */
#ifndef ICHIPD_CA_H
#define ICHIPD_CA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

/* The module's limit for the CA parameter, in PEM characters. */
#define CA_MODULE_MAX_DEFAULT	1300
/* Anything larger is not a single certificate someone meant to send. */
#define CA_INPUT_MAX		(64 * 1024)

/* Why a certificate was refused; CA_OK when it was not. */
enum ca_error {
	CA_OK = 0,
	CA_ERR_INVALID,		/* not exactly one X.509 cert, or > 64 KiB */
	CA_ERR_EXPIRED,		/* expired or not yet valid */
	CA_ERR_WEAK_KEY,	/* RSA/DSA < 2048 bits, EC < 224 bits */
	CA_ERR_NOT_CA,		/* no CA:TRUE and not an allowed self-signed leaf */
	CA_ERR_TOO_LARGE,	/* normalised PEM > module_max */
	CA_ERR_UNSUPPORTED_KEY,	/* not RSA: the module cannot use it */
	CA_ERR_NOMEM,
};

/* SetCA's options; all false/0 is the strict default. */
struct ca_options {
	bool force;			/* accept expired, not yet valid, weak key */
	bool allow_self_signed_leaf;	/* accept a self-signed non-CA cert */
	bool host_only;			/* accept TOO_LARGE / UNSUPPORTED_KEY */
	size_t module_max;		/* 0 = CA_MODULE_MAX_DEFAULT */
	time_t now;			/* 0 = time(NULL); tests fix it */
};

struct ca_cert;

/*
 * ca_parse() - parse and validate one certificate for the CA parameter.
 * @buf, @len: PEM (LF or CRLF, text around the block allowed, no other
 *	PEM block) or DER (exactly one certificate, nothing after it).
 * @opt: policy; NULL means the strict default.
 * @out: on CA_OK, the new certificate (free with ca_free()); else NULL.
 * @why, @why_len: may be NULL/0; gets a one-line reason on failure
 *	("RSA key of 1024 bits; 2048 needed (use force)"), "" on success.
 *
 * Checks run in this order, the first failure wins: INVALID, NOT_CA,
 * EXPIRED, WEAK_KEY, UNSUPPORTED_KEY, TOO_LARGE.  force waives EXPIRED
 * and WEAK_KEY; host_only waives UNSUPPORTED_KEY and TOO_LARGE; nothing
 * waives INVALID or NOT_CA for a certificate that is not self-signed.
 *
 * Return: an enum ca_error.
 */
int ca_parse(const void *buf, size_t len, const struct ca_options *opt,
	     struct ca_cert **out, char *why, size_t why_len);

/*
 * ca_load() - parse one certificate without any policy check (only
 * CA_ERR_INVALID / CA_ERR_NOMEM).  For anchors that were validated when
 * they were set and may have aged since: the persisted copy and the
 * module's read-back.  ca_fits_module() uses CA_MODULE_MAX_DEFAULT.
 * Return: an enum ca_error.
 */
int ca_load(const void *buf, size_t len, struct ca_cert **out);

/* ca_free() - release a certificate; NULL is fine. */
void ca_free(struct ca_cert *c);

/*
 * ca_pem() - the normalised PEM: BEGIN line, 64-character base64 lines,
 * END line, LF line ends, a final LF; NUL-terminated.  ca_pem_len() is
 * its length without the NUL, which is what the module's limit counts.
 */
const char *ca_pem(const struct ca_cert *c);
size_t ca_pem_len(const struct ca_cert *c);

/* ca_der() - the DER encoding; *len gets its size. */
const uint8_t *ca_der(const struct ca_cert *c, size_t *len);

/* ca_fingerprint() - SHA-256 of the DER, 64 lower-case hex digits. */
const char *ca_fingerprint(const struct ca_cert *c);

/* ca_subject() - the subject as an RFC 4514 string ("" if empty). */
const char *ca_subject(const struct ca_cert *c);

/* ca_not_before(), ca_not_after() - validity bounds, seconds since epoch. */
time_t ca_not_before(const struct ca_cert *c);
time_t ca_not_after(const struct ca_cert *c);

/*
 * ca_key_desc() - the public key for messages, e.g. "RSA-2048",
 * "ECDSA-256".
 */
const char *ca_key_desc(const struct ca_cert *c);

/*
 * ca_fits_module() - true when the module can hold and use it: an RSA
 * key and ca_pem_len() within the module_max given to ca_parse().
 * False means host-only (CALocation "host-only").
 */
bool ca_fits_module(const struct ca_cert *c);

/* ca_same() - true when both hold the same DER (NULLs are never same). */
bool ca_same(const struct ca_cert *a, const struct ca_cert *b);

/*
 * ca_module_text() - the value for "AT+iCA=": the PEM lines separated by
 * CR, no final CR (the transport terminates the command line).
 * Like snprintf(): returns the length it needs (ca_pem_len() - 1) and
 * writes it NUL-terminated only when @cap is larger; otherwise writes
 * "" (when @cap > 0) so a short buffer never holds a partial PEM.
 */
size_t ca_module_text(const struct ca_cert *c, char *out, size_t cap);

/*
 * ca_from_module_answer() - the certificate in an "AT+iCA?" answer (the
 * subject and validity lines, then the PEM lines; joined by LF, CR or
 * CRLF) or NULL when the answer is empty, holds no certificate or it
 * does not parse.  No policy checks: it is what the module holds.
 */
struct ca_cert *ca_from_module_answer(const char *text, size_t len);

/*
 * ca_error_name() - the D-Bus error name for an enum ca_error
 * (org.ichip.Error.InvalidCertificate, .CertificateExpired, .WeakKey,
 * .NotCA, .CertificateTooLarge, .UnsupportedKeyType); NULL for CA_OK and
 * CA_ERR_NOMEM (map that one to org.freedesktop.DBus.Error.NoMemory)
 * and for unknown values.
 */
const char *ca_error_name(int err);

#endif /* ICHIPD_CA_H */
