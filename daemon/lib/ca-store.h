/* SPDX-License-Identifier: GPL-2.0-only */
/* SPDX-FileCopyrightText: 2026 The ichip authors */
/* Crash-safe files: the persisted CA copy, pki.c's keys (ca-store.c). */
#ifndef ICHIP_CA_STORE_H
#define ICHIP_CA_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct ca_cert;

/*
 * ca_store_write() - persist ca_pem() at @path, atomically: a 0600 temp
 * file in the same directory, fsync, rename over @path, fsync the
 * directory.  Return: 0 or -errno.
 */
int ca_store_write(const char *path, const struct ca_cert *c);

/* How a stored copy is parsed: ca_load(), or ichipd's ca_remote_load()
 * (the TLS worker parses, ichipd does not). */
typedef int (*ca_load_fn)(const void *buf, size_t len, struct ca_cert **out);

/*
 * ca_store_read() - read a persisted certificate (at most CA_INPUT_MAX
 * bytes) and parse it with @load (no policy: the copy was validated
 * when it was set).
 * Return: 0 with *out set; -errno when the file cannot be read (-ENOENT:
 * nothing persisted); what @load returns otherwise.
 */
int ca_store_read(const char *path, ca_load_fn load, struct ca_cert **out);

/*
 * ca_store_remove() - delete the persisted copy and fsync the directory.
 * Return: 0, also when there was nothing to delete, or -errno.
 */
int ca_store_remove(const char *path);

/*
 * ca_file_write() - write @len bytes to @path atomically (temp file in
 * the same directory created with @mode, fsync, rename or link, fsync
 * the directory).  @replace false: fail with -EEXIST rather than
 * replace an existing file (link(2) decides, so no race).  Shared by
 * the store and pki.c.  Return: 0 or -errno.
 */
int ca_file_write(const char *path, const void *data, size_t len,
		  mode_t mode, bool replace);

/*
 * ca_file_read() - read all of @path into a malloc'ed, NUL-terminated
 * buffer of at most @max bytes (-EFBIG when larger).
 * Return: 0 with *data and *len set, or -errno.
 */
int ca_file_read(const char *path, size_t max, char **data, size_t *len);

#endif /* ICHIP_CA_STORE_H */
