/* SPDX-License-Identifier: GPL-2.0-only */
/* SPDX-FileCopyrightText: 2026 The ichip authors */
/* ichipd's side of the TLS worker: see tls-client.c, tls-worker-proto.h */
#ifndef ICHIPD_TLS_CLIENT_H
#define ICHIPD_TLS_CLIENT_H

#include <stdbool.h>
#include <sys/types.h>

#include "manager.h"
#include "tls-worker-proto.h"

struct session;

struct tls_req {
	struct wk_hdr h;
	size_t off;
	bool failed;
};

struct tls_ans {
	struct wk_hdr h;
	const uint8_t *msg;
	size_t len, off;
};

void tls_worker_setup(struct manager *m);
void tls_worker_shutdown(void);
pid_t tls_worker_pid(void);
uint64_t tls_new_sid(unsigned int *gen);
unsigned int tls_worker_gen(void);

void tls_req_init(struct tls_req *r, uint32_t op, const struct session *s);
void tls_req_put(struct tls_req *r, const void *p, size_t n);
/* @s NULL: a request that may start the worker (WK_NEW) */
int tls_call(struct tls_req *r, const struct session *s,
	     struct tls_ans *ans);
int tls_ans_get(struct tls_ans *a, const uint8_t **p, size_t *n);

/* session.c: the worker died, its sessions end */
void sessions_tls_worker_crashed(struct manager *m);

#endif /* ICHIPD_TLS_CLIENT_H */
