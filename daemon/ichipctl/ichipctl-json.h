/* SPDX-License-Identifier: GPL-2.0-only */
/* SPDX-FileCopyrightText: 2026 The ichip authors */
/*
 * A tiny streaming JSON writer for `ichipctl -J`: objects, arrays,
 * strings, numbers, booleans, null; indented two spaces.  It tracks only
 * where commas go; the caller nests correctly.  Strings are escaped per
 * RFC 8259 and invalid UTF-8 becomes U+FFFD, so the output always parses.
 */
#ifndef ICHIPCTL_JSON_H
#define ICHIPCTL_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_DEPTH_MAX 16

struct json {
	FILE *f;
	int depth;
	bool first[JSON_DEPTH_MAX];	/* nothing written yet at this level */
	bool after_key;			/* a value completes "key": */
};

void json_init(struct json *j, FILE *f);
void json_object_begin(struct json *j);
void json_object_end(struct json *j);
void json_array_begin(struct json *j);
void json_array_end(struct json *j);
void json_key(struct json *j, const char *key);
void json_string(struct json *j, const char *s);
void json_string_len(struct json *j, const char *s, size_t len);
void json_uint(struct json *j, uint64_t v);
void json_int(struct json *j, int64_t v);
void json_bool(struct json *j, bool v);
void json_null(struct json *j);
/* Ends the document with a newline. */
void json_finish(struct json *j);

#endif /* ICHIPCTL_JSON_H */
