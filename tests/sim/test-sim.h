/* SPDX-License-Identifier: GPL-2.0-only */
/* SPDX-FileCopyrightText: 2026 The ichip authors */
/*
 * The ichip-sim test harness (test-sim-lib.c), shared by the test files:
 * a simulator on a pty driven like a host, answers parsed by the framing
 * core, loopback peers and certificates.
 */
#ifndef ICHIP_TEST_SIM_H
#define ICHIP_TEST_SIM_H

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <gnutls/gnutls.h>

#include "ichip_frame.h"
#include "../conformance/transcript.h"

#define CMD_TIMEOUT_MS	5000

extern const char *sim_exe;

extern char tmpdir[256];

extern int failures;

#define CHECK(cond, ...) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__,	\
			#cond);						\
		fprintf(stderr, __VA_ARGS__);				\
		fputc('\n', stderr);					\
		failures++;						\
	}								\
} while (0)

#define REQUIRE(cond, ...) do {						\
	bool ok_ = (cond);						\
	CHECK(ok_, __VA_ARGS__);					\
	if (!ok_)							\
		exit(1);						\
} while (0)

struct dut {
	pid_t pid;
	int out;		/* its stdout: pty path lines */
	int fd;			/* the pty slave: our serial line */
	char path[256];
	char ctl[300];
	struct ichip_frame *f;
	char text[ICHIP_TEXT_LEN_MAX + 1];
};

#define EXPECT_OK(d, ...) do {						\
	const struct ichip_result *r_ = cmd(d, __VA_ARGS__);		\
	CHECK(is_ok(r_), "%s -> status %d err %d", #__VA_ARGS__,	\
	      r_ ? (int)r_->status : -1, err_of(r_));			\
} while (0)

#define EXPECT_ERR(d, code, ...) do {					\
	int e_ = err_of(cmd(d, __VA_ARGS__));				\
	CHECK(e_ == (code), "%s -> %d, want %d", #__VA_ARGS__, e_,	\
	      code);							\
} while (0)

#define EXPECT_TEXT(d, want, ...) do {					\
	const struct ichip_result *r_ = cmd(d, __VA_ARGS__);		\
	const char *t_ = text_of(d, r_);				\
	CHECK(is_ok(r_) && !strcmp(t_, want), "%s -> '%s', want '%s'",	\
	      #__VA_ARGS__, t_, want);					\
} while (0)

struct server {
	int lfd;
	int port;
	bool tls;
	bool echo;
	size_t send_bytes;	/* send this many bytes on connect */
	bool close_at_once;	/* accept, then close */
	int tls_version;	/* what the last handshake negotiated */
	gnutls_certificate_credentials_t cred;
};

void sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

double now_s(void);
void msleep(int ms);
int read_line_fd(int fd, char *buf, size_t cap, int timeout_ms);
void open_slave(struct dut *d);
void dut_start(struct dut *d, const char *name, ...);
int dut_wait(struct dut *d, int timeout_ms);
void dut_stop(struct dut *d);
void write_all(int fd, const void *p, size_t n);
size_t drain(struct dut *d, int ms);
const struct ichip_result *wait_result(struct dut *d, int timeout_ms);
const struct ichip_result *cmd_data(struct dut *d, const char *cmd,
				    const void *data, size_t dlen,
				    int timeout_ms);
const struct ichip_result *cmd(struct dut *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
const struct ichip_result *raw(struct dut *d, enum ichip_reply_kind k,
			       const void *p, size_t n);
const char *text_of(struct dut *d, const struct ichip_result *r);
bool is_ok(const struct ichip_result *r);
int err_of(const struct ichip_result *r);
void control(struct dut *d, const char *line, char *reply, size_t cap);
void control_ok(struct dut *d, const char *line);
int listen_any(int *port);
void serve_plain(struct server *sv, int fd);
void serve_tls(struct server *sv, int fd);
void *conn_thread(void *arg);
void *accept_thread(void *arg);
void server_start(struct server *sv);
void sh(const char *fmt, ...);
char *slurp(const char *path, size_t *len);
void make_ca(const char *name, const char *cn);
void make_certs(void);
const struct ichip_result *set_pem(struct dut *d, const char *param,
				   const char *file);

/* an SSND paced by WAIT/CONTINUE (test-sim-uart.c) */
const struct ichip_result *ssnd_flow(struct dut *d, const char *hdr,
				     const u8 *data, size_t dlen,
				     bool honour, int timeout_ms,
				     unsigned int *waits);

/* the tests, one per file of concern */
void test_basic(void);
void test_echo(void);
void test_tcp(void);
void test_peer_close(void);
void test_limits(void);
void test_checksum(void);
void test_escape(void);
void test_tls(void);
void test_pem(void);
void test_persist(void);
void test_noise(void);
void test_drop(void);
void test_stall_slow(void);
void test_reset(void);
void test_hangup(void);
void test_control(void);
void test_options(void);
void test_resolve(void);
void test_uart(void);
void test_variants(void);
void test_baud(void);
void test_parallel(void);
void test_conformance(void);

#endif /* ICHIP_TEST_SIM_H */
