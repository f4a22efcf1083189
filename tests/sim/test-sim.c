// SPDX-License-Identifier: GPL-2.0-only
// SPDX-FileCopyrightText: 2026 The ichip authors
/*
 * ichip-sim tests: each test starts its own simulator (temp dir, random
 * ports) and drives it over the pty like a host would, with the shared
 * framing core parsing the answers.  Usage: test-sim ICHIP_SIM TEST.
 * Exit 0 pass, 1 fail, 77 skip.
 */
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

static const char *sim_exe;
static char tmpdir[256];
static int failures;

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

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void msleep(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

/* ---- one simulator instance ---- */

struct dut {
	pid_t pid;
	int out;		/* its stdout: pty path lines */
	int fd;			/* the pty slave: our serial line */
	char path[256];
	char ctl[300];
	struct ichip_frame *f;
	char text[ICHIP_TEXT_LEN_MAX + 1];
};

static int read_line_fd(int fd, char *buf, size_t cap, int timeout_ms)
{
	size_t n = 0;
	double end = now_s() + timeout_ms / 1000.0;

	while (n + 1 < cap) {
		struct pollfd p = { fd, POLLIN, 0 };
		int left = (int)((end - now_s()) * 1000);

		if (left <= 0 || poll(&p, 1, left) <= 0)
			return -1;
		if (read(fd, buf + n, 1) != 1)
			return -1;
		if (buf[n] == '\n') {
			buf[n] = 0;
			return 0;
		}
		n++;
	}
	return -1;
}

static void open_slave(struct dut *d)
{
	struct termios t;

	d->fd = open(d->path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	REQUIRE(d->fd >= 0, "open %s: %s", d->path, strerror(errno));
	tcgetattr(d->fd, &t);
	cfmakeraw(&t);
	tcsetattr(d->fd, TCSANOW, &t);
	ichip_frame_reset(d->f);
}

/* Start ichip-sim with --control in tmpdir plus the given options. */
static void dut_start(struct dut *d, const char *name, ...)
{
	const char *argv[40];
	int argc = 0, pipefd[2];
	va_list ap;

	memset(d, 0, sizeof(*d));
	if (!d->f)
		d->f = calloc(1, sizeof(*d->f));
	REQUIRE(d->f, "calloc");
	snprintf(d->ctl, sizeof(d->ctl), "%s/%s.ctl", tmpdir, name);
	argv[argc++] = sim_exe;
	argv[argc++] = "--control";
	argv[argc++] = d->ctl;
	va_start(ap, name);
	while (argc < 38 && (argv[argc] = va_arg(ap, const char *)))
		argc++;
	va_end(ap);
	argv[argc] = NULL;
	REQUIRE(!pipe2(pipefd, O_CLOEXEC), "pipe");
	d->pid = fork();
	REQUIRE(d->pid >= 0, "fork");
	if (!d->pid) {
		/* never outlive the test, whatever way it ends */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		dup2(pipefd[1], 1);
		execv(sim_exe, (char *const *)argv);
		_exit(127);
	}
	close(pipefd[1]);
	d->out = pipefd[0];
	REQUIRE(!read_line_fd(d->out, d->path, sizeof(d->path), 5000),
		"ichip-sim did not print its pty");
	open_slave(d);
}

static int dut_wait(struct dut *d, int timeout_ms)
{
	int st;

	for (int i = 0; i < timeout_ms / 10; i++) {
		if (waitpid(d->pid, &st, WNOHANG) == d->pid) {
			d->pid = 0;
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
		}
		msleep(10);
	}
	return -1;
}

static void dut_stop(struct dut *d)
{
	if (d->pid) {
		kill(d->pid, SIGTERM);
		CHECK(dut_wait(d, 5000) == 0, "ichip-sim did not exit cleanly");
	}
	if (d->fd >= 0)
		close(d->fd);
	close(d->out);
	free(d->f);
	d->f = NULL;
}

static void write_all(int fd, const void *p, size_t n)
{
	const u8 *b = p;

	while (n) {
		struct pollfd pf = { fd, POLLOUT, 0 };
		ssize_t w;

		poll(&pf, 1, 1000);
		w = write(fd, b, n);
		if (w < 0 && errno == EAGAIN)
			continue;
		REQUIRE(w > 0, "write: %s", strerror(errno));
		b += w;
		n -= (size_t)w;
	}
}

/* Read and discard what the module sends, for @ms. */
static size_t drain(struct dut *d, int ms)
{
	double end = now_s() + ms / 1000.0;
	size_t total = 0;
	u8 buf[4096];

	for (;;) {
		int left = (int)((end - now_s()) * 1000);
		struct pollfd p = { d->fd, POLLIN, 0 };
		ssize_t n;

		if (left < 0 || poll(&p, 1, left < 0 ? 0 : left) <= 0)
			break;
		n = read(d->fd, buf, sizeof(buf));
		if (n <= 0)
			break;
		total += (size_t)n;
	}
	ichip_frame_reset(d->f);
	return total;
}

/* Feed module output until the result; NULL on timeout. */
static const struct ichip_result *wait_result(struct dut *d, int timeout_ms)
{
	static u8 buf[65536];
	static size_t len, pos;
	double end = now_s() + timeout_ms / 1000.0;

	for (;;) {
		struct ichip_event ev;
		struct pollfd p = { d->fd, POLLIN, 0 };
		int left;
		ssize_t n;

		while (pos < len) {
			pos += ichip_frame_feed(d->f, buf + pos, len - pos, &ev);
			if (ev.type == ICHIP_EV_RESULT) {
				/* the rest is stale: unsolicited or noise */
				len = pos = 0;
				return &d->f->res;
			}
		}
		len = pos = 0;
		left = (int)((end - now_s()) * 1000);
		if (left <= 0 || poll(&p, 1, left) <= 0)
			break;
		n = read(d->fd, buf, sizeof(buf));
		if (n > 0)
			len = (size_t)n;
	}
	ichip_frame_abandon(d->f);
	return NULL;
}

static const struct ichip_result *cmd_data(struct dut *d, const char *cmd,
					   const void *data, size_t dlen,
					   int timeout_ms)
{
	static u8 wire[ICHIP_WIRE_MAX(ICHIP_CMD_LEN_MAX, ICHIP_DATA_LEN_MAX)];
	size_t len = strlen(cmd), n;
	int kind = ichip_cmd_classify(cmd, len, dlen);

	REQUIRE(kind >= 0, "classify '%s': %d", cmd, kind);
	n = ichip_cmd_wire(wire, sizeof(wire), cmd, len, data, dlen);
	REQUIRE(n, "wire");
	ichip_frame_expect(d->f, (enum ichip_reply_kind)kind, cmd, len);
	write_all(d->fd, wire, n);
	return wait_result(d, timeout_ms);
}

static const struct ichip_result *cmd(struct dut *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static const struct ichip_result *cmd(struct dut *d, const char *fmt, ...)
{
	static char text[ICHIP_CMD_LEN_MAX + 1];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	return cmd_data(d, text, NULL, 0, CMD_TIMEOUT_MS);
}

/* Raw bytes on the wire, the reply parsed as @kind. */
static const struct ichip_result *raw(struct dut *d, enum ichip_reply_kind k,
				      const void *p, size_t n)
{
	ichip_frame_expect(d->f, k, NULL, 0);
	write_all(d->fd, p, n);
	return wait_result(d, CMD_TIMEOUT_MS);
}

static const char *text_of(struct dut *d, const struct ichip_result *r)
{
	size_t n = r && r->text ? r->text_len : 0;

	memcpy(d->text, n ? r->text : "", n);
	d->text[n] = 0;
	return d->text;
}

static bool is_ok(const struct ichip_result *r)
{
	return r && r->status == ICHIP_STATUS_OK;
}

static int err_of(const struct ichip_result *r)
{
	if (!r)
		return -1;	/* timeout */
	return r->status == ICHIP_STATUS_ERROR ? (int)r->module_error : 0;
}

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

/* Control socket: one line out, one line back. */
static void control(struct dut *d, const char *line, char *reply, size_t cap)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	char tmp[512];

	REQUIRE(strlen(d->ctl) < sizeof(sa.sun_path), "long path");
	memcpy(sa.sun_path, d->ctl, strlen(d->ctl) + 1);
	REQUIRE(!connect(fd, (struct sockaddr *)&sa, sizeof(sa)),
		"control connect: %s", strerror(errno));
	snprintf(tmp, sizeof(tmp), "%s\n", line);
	write_all(fd, tmp, strlen(tmp));
	REQUIRE(!read_line_fd(fd, reply ? reply : tmp,
			      reply ? cap : sizeof(tmp), 5000),
		"control: no reply to %s", line);
	close(fd);
}

static void control_ok(struct dut *d, const char *line)
{
	char reply[512];

	control(d, line, reply, sizeof(reply));
	CHECK(!strncmp(reply, "ok", 2), "control '%s': %s", line, reply);
}

/* ---- loopback peers ---- */

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

static int listen_any(int *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	REQUIRE(fd >= 0 && !bind(fd, (struct sockaddr *)&a, sizeof(a)) &&
		!listen(fd, 16), "listen: %s", strerror(errno));
	getsockname(fd, (struct sockaddr *)&a, &len);
	*port = ntohs(a.sin_port);
	return fd;
}

static void serve_plain(struct server *sv, int fd)
{
	u8 buf[4096];
	ssize_t n;

	if (sv->send_bytes) {
		u8 *big = malloc(sv->send_bytes);

		for (size_t i = 0; i < sv->send_bytes; i++)
			big[i] = (u8)(i * 7);
		for (size_t off = 0; off < sv->send_bytes; off += (size_t)n) {
			n = write(fd, big + off, sv->send_bytes - off);
			if (n <= 0)
				break;
		}
		free(big);
	}
	while (!sv->close_at_once && (n = read(fd, buf, sizeof(buf))) > 0)
		if (sv->echo && write(fd, buf, (size_t)n) != n)
			break;
	close(fd);
}

static void serve_tls(struct server *sv, int fd)
{
	gnutls_session_t s;
	u8 buf[4096];
	ssize_t n;

	gnutls_init(&s, GNUTLS_SERVER);
	gnutls_priority_set_direct(s, "NORMAL:+VERS-TLS1.0:+RSA:+SHA1:"
				   "+AES-128-CBC", NULL);
	gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, sv->cred);
	gnutls_transport_set_int(s, fd);
	gnutls_handshake_set_timeout(s, 10000);
	if (gnutls_handshake(s) >= 0) {
		sv->tls_version = (int)gnutls_protocol_get_version(s);
		while ((n = gnutls_record_recv(s, buf, sizeof(buf))) > 0)
			if (gnutls_record_send(s, buf, (size_t)n) != n)
				break;
		gnutls_bye(s, GNUTLS_SHUT_WR);
	}
	gnutls_deinit(s);
	close(fd);
}

static void *conn_thread(void *arg)
{
	struct server *sv = ((void **)arg)[0];
	int fd = (int)(long)((void **)arg)[1];

	free(arg);
	if (sv->tls)
		serve_tls(sv, fd);
	else
		serve_plain(sv, fd);
	return NULL;
}

static void *accept_thread(void *arg)
{
	struct server *sv = arg;

	for (;;) {
		int fd = accept4(sv->lfd, NULL, NULL, SOCK_CLOEXEC);
		void **a;
		pthread_t t;

		if (fd < 0)
			return NULL;
		a = malloc(2 * sizeof(void *));
		a[0] = sv;
		a[1] = (void *)(long)fd;
		pthread_create(&t, NULL, conn_thread, a);
		pthread_detach(t);
	}
}

static void server_start(struct server *sv)
{
	pthread_t t;

	sv->lfd = listen_any(&sv->port);
	pthread_create(&t, NULL, accept_thread, sv);
	pthread_detach(t);
}

/* ---- certificates (certtool, at test time) ---- */

static void sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void sh(const char *fmt, ...)
{
	char c[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c, sizeof(c), fmt, ap);
	va_end(ap);
	REQUIRE(system(c) == 0, "command failed: %s", c);
}

static char *slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	char *b = calloc(1, 65536);
	size_t n;

	REQUIRE(fp && b, "open %s", path);
	n = fread(b, 1, 65535, fp);
	fclose(fp);
	if (len)
		*len = n;
	return b;
}

static void make_ca(const char *name, const char *cn)
{
	sh("cd %s && certtool --no-text --generate-privkey --key-type rsa --bits 2048 "
	   "--outfile %s.key >/dev/null 2>&1 && printf 'cn = %s\\nca\\n"
	   "cert_signing_key\\nexpiration_days = 30\\n' > %s.tmpl && "
	   "certtool --no-text --generate-self-signed --load-privkey %s.key "
	   "--template %s.tmpl --outfile %s.pem >/dev/null 2>&1",
	   tmpdir, name, cn, name, name, name, name);
}

static void make_certs(void)
{
	make_ca("ca", "ichip test CA");
	make_ca("other", "some other CA");
	sh("cd %s && certtool --no-text --generate-privkey --key-type rsa --bits 2048 "
	   "--outfile srv.key >/dev/null 2>&1 && printf 'cn = 127.0.0.1\\n"
	   "ip_address = 127.0.0.1\\ntls_www_server\\nencryption_key\\n"
	   "signing_key\\nexpiration_days = 30\\n' > srv.tmpl && "
	   "certtool --no-text --generate-certificate --load-privkey srv.key "
	   "--load-ca-certificate ca.pem --load-ca-privkey ca.key "
	   "--template srv.tmpl --outfile srv.pem >/dev/null 2>&1", tmpdir);
}

/* "AT+iCA=" + PEM with CR line ends (the module's multi-line form). */
static const struct ichip_result *set_pem(struct dut *d, const char *param,
					  const char *file)
{
	static char c[ICHIP_CMD_LEN_MAX * 4];
	char path[512];
	char *pem, *w;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, file);
	pem = slurp(path, NULL);
	w = c + sprintf(c, "AT+i%s=", param);
	for (char *p = pem; *p; p++)
		*w++ = *p == '\n' ? '\r' : *p;
	while (w > c && w[-1] == '\r')
		w--;
	*w = 0;
	free(pem);
	if (strlen(c) > ICHIP_CMD_LEN_MAX) {	/* over the framer's max */
		strcat(c, "\r");
		return raw(d, ICHIP_REPLY_STATUS, c, strlen(c));
	}
	return cmd_data(d, c, NULL, 0, CMD_TIMEOUT_MS);
}

/* ---- the tests ---- */

static void test_basic(void)
{
	struct dut d;
	char big[2200];
	const struct ichip_result *r;

	dut_start(&d, "basic", "--firmware", "FW-TEST 9.9", "--serial",
		  "SN42", NULL);
	EXPECT_OK(&d, "AT+i");
	EXPECT_OK(&d, "at+i");
	EXPECT_TEXT(&d, "FW-TEST 9.9", "AT+iRP0");
	EXPECT_TEXT(&d, "FW-TEST 9.9", "at+irp1");
	EXPECT_TEXT(&d, "SN42", "AT+iRP5");
	EXPECT_TEXT(&d, "offline, 0 socket(s)", "AT+iRP2");
	r = cmd(&d, "AT+iRP8");
	CHECK(is_ok(r) && strlen(text_of(&d, r)) == 20 &&
	      d.text[10] == 'T', "RP8 '%s'", d.text);
	EXPECT_ERR(&d, 42, "AT+iRP3");
	EXPECT_ERR(&d, 53, "AT+iXYZZY");
	EXPECT_ERR(&d, 53, "AT+i!");
	EXPECT_ERR(&d, 41, "AT+iHN#x");
	EXPECT_ERR(&d, 43, "AT+iFD:1");
	EXPECT_ERR(&d, 43, "AT+iHN?x");
	EXPECT_ERR(&d, 49, "AT+iHN:x");
	EXPECT_ERR(&d, 49, "AT+iHN");
	/* parameters: =, ~, ?, =? */
	EXPECT_TEXT(&d, "iChip", "AT+iHN?");
	EXPECT_OK(&d, "AT+iHN=module-1");
	EXPECT_TEXT(&d, "module-1", "AT+ihn?");
	EXPECT_OK(&d, "AT+iHN~temp");
	EXPECT_TEXT(&d, "temp", "AT+iHN?");
	EXPECT_TEXT(&d, "String", "AT+iHN=?");
	EXPECT_TEXT(&d, "3-9, 'a' or 'h'", "AT+iBDRF=?");
	EXPECT_TEXT(&d, "a", "AT+iBDRF?");
	EXPECT_OK(&d, "AT+iBDRF=9");
	EXPECT_ERR(&d, 42, "AT+iBDRF=x");
	EXPECT_ERR(&d, 42, "AT+iCKSM=2");
	EXPECT_ERR(&d, 44, "AT+iCKSM=x");
	EXPECT_ERR(&d, 44, "AT+iCKSM=");
	EXPECT_OK(&d, "AT+iMTTF=65536");	/* modulo 65535 */
	EXPECT_TEXT(&d, "1", "AT+iMTTF?");
	EXPECT_OK(&d, "AT+iBDRA");
	/* DOWN ends the session: the ~ value is gone */
	r = cmd(&d, "AT+iDOWN");
	CHECK(is_ok(r) && !strcmp(text_of(&d, r), "ONLINE"), "DOWN '%s'",
	      d.text);
	EXPECT_TEXT(&d, "module-1", "AT+iHN?");
	EXPECT_OK(&d, "AT+iFD");
	EXPECT_TEXT(&d, "iChip", "AT+iHN?");
	EXPECT_TEXT(&d, "a", "AT+iBDRF?");
	/* garbage before AT+i is skipped, LF ignored, bit 7 ignored */
	r = raw(&d, ICHIP_REPLY_STATUS, "\n\x01junkAT+i\r\n", 11);
	CHECK(is_ok(r), "garbage prefix");
	/* the echo is of the 7-bit text, so it is not the command's echo */
	r = raw(&d, ICHIP_REPLY_QUERY, "AT+iRP\xb0\r", 8);
	CHECK(is_ok(r) && !strcmp(text_of(&d, r), "AT+iRP0\nFW-TEST 9.9"),
	      "bit 7: '%s'", d.text);
	r = raw(&d, ICHIP_REPLY_STATUS, "AT+iH\x01N?\r", 9);
	CHECK(err_of(r) == 51, "control char -> %d", err_of(r));
	/* overlong line */
	memset(big, 'A', sizeof(big));
	memcpy(big, "AT+iHN=", 7);
	big[sizeof(big) - 1] = '\r';
	r = raw(&d, ICHIP_REPLY_STATUS, big, sizeof(big));
	CHECK(err_of(r) == 111, "overlong -> %d", err_of(r));
	/* exactly 2048 bytes is a legal line (value too long for HN) */
	big[2048] = '\r';
	r = raw(&d, ICHIP_REPLY_STATUS, big, 2049);
	CHECK(err_of(r) == 42, "2048-byte line -> %d", err_of(r));
	/* empty lines draw no answer: the next command's is the first */
	r = raw(&d, ICHIP_REPLY_STATUS, "\r\r\rAT+i\r", 8);
	CHECK(is_ok(r), "blank lines: %d/%d", r ? (int)r->status : -1, err_of(r));
	dut_stop(&d);
}

static void test_echo(void)
{
	struct dut d;
	const struct ichip_result *r;
	struct ichip_event ev;
	u8 buf[256];
	size_t len = 0;

	dut_start(&d, "echo", "--echo", NULL);
	/* echo then result: read it all and look for the echoed line */
	write_all(d.fd, "AT+iRQ\bP0\r", 10);
	msleep(300);
	len = (size_t)read(d.fd, buf, sizeof(buf));
	CHECK(len > 0 && memmem(buf, len, "AT+iRQ\b \bP0\r\n", 13) &&
	      memmem(buf, len, "I/OK\r\n", 6), "echo with backspace: '%.*s'",
	      (int)len, buf);
	/* the framing core recognises the echo */
	ichip_frame_expect(d.f, ICHIP_REPLY_STATUS, "AT+i", 4);
	write_all(d.fd, "AT+i\r", 5);
	msleep(200);
	len = (size_t)read(d.fd, buf, sizeof(buf));
	size_t off = ichip_frame_feed(d.f, buf, len, &ev);
	CHECK(ev.type == ICHIP_EV_ECHO, "first event %d", ev.type);
	ichip_frame_feed(d.f, buf + off, len - off, &ev);
	CHECK(ev.type == ICHIP_EV_RESULT && is_ok(&d.f->res), "ping result");
	control_ok(&d, "echo off");
	r = cmd(&d, "AT+iRP0");
	CHECK(is_ok(r) && d.f->stats.echoes == 1, "echo off");
	dut_stop(&d);
}

static void test_tcp(void)
{
	static const u8 payload[] = "I/OK\r\n\0\xffI/ERROR (203)\r\n\xff";
	struct server sv = { .echo = true };
	struct dut d;
	char trace[300], want[64];
	const struct ichip_result *r;
	size_t plen = sizeof(payload) - 1;
	char *log;

	server_start(&sv);
	snprintf(trace, sizeof(trace), "%s/tcp.trace", tmpdir);
	dut_start(&d, "tcp", "--trace", trace, NULL);
	EXPECT_TEXT(&d, "000", "AT+iSTCP:127.0.0.1,%d", sv.port);
	EXPECT_TEXT(&d, "online, 1 socket(s)", "AT+iRP2");
	EXPECT_TEXT(&d, "(000)", "AT+iSCS:0");
	snprintf(want, sizeof(want), "(127.0.0.1:%d)", sv.port);
	EXPECT_TEXT(&d, want, "AT+iGPNM:0");
	r = cmd_data(&d, "AT+iSSND%:0,24", payload, plen, CMD_TIMEOUT_MS);
	CHECK(is_ok(r), "SSND binary");
	msleep(200);
	EXPECT_TEXT(&d, "0001", "AT+iRP7");
	EXPECT_TEXT(&d, "(24)", "AT+iSST:0");
	EXPECT_TEXT(&d, "(24,-200,-200,-200,-200,-200,-200,-200,-200,-200)",
		    "AT+iRP4");
	r = cmd(&d, "AT+iSRCV:0,10");
	CHECK(is_ok(r) && r->data_len == 10 && !memcmp(r->data, payload, 10),
	      "SRCV max 10");
	r = cmd(&d, "AT+iSRCV:0");
	CHECK(is_ok(r) && r->data_len == plen - 10 &&
	      !memcmp(r->data, payload + 10, plen - 10), "SRCV rest");
	r = cmd(&d, "AT+iSRCV:0");
	CHECK(is_ok(r) && r->data_len == 0, "SRCV empty -> I/0");
	EXPECT_ERR(&d, 42, "AT+iSRCV:0,0");
	/* SSND without %, then SDMP drops what came back */
	r = cmd_data(&d, "AT+iSSND:0,3", "abc", 3, CMD_TIMEOUT_MS);
	CHECK(is_ok(r), "SSND");
	msleep(200);
	EXPECT_OK(&d, "AT+iSDMP:0");
	EXPECT_TEXT(&d, "(0)", "AT+iSST:0");
	EXPECT_OK(&d, "AT+iSFSH:0");
	EXPECT_OK(&d, "AT+iSFSH%%:0");
	/* zero-length stream */
	r = cmd_data(&d, "AT+iSSND:0,0", NULL, 0, CMD_TIMEOUT_MS);
	CHECK(is_ok(r), "SSND 0");
	/* unknown handles: the stream is still swallowed */
	r = cmd_data(&d, "AT+iSSND:5,4", "AT+i", 4, CMD_TIMEOUT_MS);
	CHECK(err_of(r) == 200, "SSND free handle -> %d", err_of(r));
	EXPECT_ERR(&d, 200, "AT+iSRCV:5");
	EXPECT_ERR(&d, 200, "AT+iSST:5");
	EXPECT_ERR(&d, 200, "AT+iSCLS:11");
	EXPECT_ERR(&d, 44, "AT+iSST:");
	EXPECT_ERR(&d, 44, "AT+iSST:x");
	EXPECT_ERR(&d, 41, "AT+iSST?");
	/* a second socket: closing one leaves the module online */
	EXPECT_TEXT(&d, "001", "AT+iSTCP:127.0.0.1,%d", sv.port);
	r = cmd(&d, "AT+iSCLS:1");
	CHECK(is_ok(r) && !strcmp(text_of(&d, r), "ONLINE"), "SCLS 1 '%s'",
	      d.text);
	r = cmd(&d, "AT+i!SCLS:0");
	CHECK(is_ok(r) && !strcmp(text_of(&d, r), "ONLINE"), "!SCLS '%s'",
	      d.text);
	EXPECT_TEXT(&d, "000", "AT+iSTCP:localhost,%d", sv.port);
	r = cmd(&d, "AT+iscls:0");
	CHECK(is_ok(r) && !strcmp(text_of(&d, r), "DONE"), "SCLS last '%s'",
	      d.text);
	dut_stop(&d);
	log = slurp(trace, NULL);
	CHECK(strstr(log, "> AT+iSTCP:127.0.0.1") && strstr(log, "< I/0") &&
	      strstr(log, "[24 bytes] 49 2f 4f 4b 0d 0a 00 ff") &&
	      strstr(log, "< I/10: [10 bytes]"), "trace:\n%s", log);
	free(log);
}

static void test_peer_close(void)
{
	struct server sv = { .send_bytes = 5, .close_at_once = true };
	struct server refuse = { 0 };
	struct dut d;
	const struct ichip_result *r;

	server_start(&sv);
	dut_start(&d, "peer", NULL);
	EXPECT_TEXT(&d, "000", "AT+iSTCP:127.0.0.1,%d", sv.port);
	msleep(300);
	/* bytes still readable after the peer closed */
	EXPECT_TEXT(&d, "(5)", "AT+iSST:0");
	r = cmd(&d, "AT+iSRCV:0");
	CHECK(is_ok(r) && r->data_len == 5, "SRCV after close");
	EXPECT_TEXT(&d, "(-203)", "AT+iSST:0");
	EXPECT_TEXT(&d, "(-203)", "AT+iSCS:0");
	EXPECT_TEXT(&d, "(-203,-200,-200,-200,-200,-200,-200,-200,-200,-200)",
		    "AT+iRP4");
	EXPECT_ERR(&d, 203, "AT+iSRCV:0");
	EXPECT_ERR(&d, 203, "AT+iSFSH:0");
	r = cmd_data(&d, "AT+iSSND:0,2", "hi", 2, CMD_TIMEOUT_MS);
	CHECK(err_of(r) == 203, "SSND on closed -> %d", err_of(r));
	EXPECT_ERR(&d, 221, "AT+iSSL:0");
	r = cmd(&d, "AT+iSCLS:0");
	CHECK(is_ok(r) && !strcmp(text_of(&d, r), "DONE"), "SCLS");
	/* connection refused, bad arguments */
	refuse.lfd = listen_any(&refuse.port);
	close(refuse.lfd);
	EXPECT_ERR(&d, 203, "AT+iSTCP:127.0.0.1,%d", refuse.port);
	EXPECT_ERR(&d, 44, "AT+iSTCP:127.0.0.1,x");
	EXPECT_ERR(&d, 52, "AT+iSTCP:127.0.0.1");
	EXPECT_ERR(&d, 46, "AT+iSTCP:,80");
	EXPECT_ERR(&d, 42, "AT+iSTCP:127.0.0.1,0");
	EXPECT_ERR(&d, 207, "AT+iSTCP:no-such-host.invalid,80");
	EXPECT_TEXT(&d, "0000", "AT+iRP7");
	dut_stop(&d);
}

static void test_limits(void)
{
	struct server sv = { .echo = true };
	struct dut d;
	char want[4];

	server_start(&sv);
	dut_start(&d, "limits", NULL);
	for (int i = 0; i < 10; i++) {
		snprintf(want, sizeof(want), "%03d", i);
		EXPECT_TEXT(&d, want, "AT+iSTCP:127.0.0.1,%d", sv.port);
	}
	EXPECT_ERR(&d, 204, "AT+iSTCP:127.0.0.1,%d", sv.port);
	EXPECT_OK(&d, "AT+iSCLS:4");
	EXPECT_TEXT(&d, "004", "AT+iSTCP:127.0.0.1,%d", sv.port);
	/* DOWN closes them all */
	EXPECT_OK(&d, "AT+iDOWN");
	EXPECT_TEXT(&d, "(-200,-200,-200,-200,-200,-200,-200,-200,-200,-200)",
		    "AT+iRP4");
	dut_stop(&d);

	dut_start(&d, "limits3", "--max-sockets", "2", NULL);
	EXPECT_TEXT(&d, "000", "AT+iSTCP:127.0.0.1,%d", sv.port);
	EXPECT_TEXT(&d, "001", "AT+iSTCP:127.0.0.1,%d", sv.port);
	EXPECT_ERR(&d, 204, "AT+iSTCP:127.0.0.1,%d", sv.port);
	EXPECT_ERR(&d, 200, "AT+iSST:2");
	dut_stop(&d);
}

static void test_checksum(void)
{
	struct server sv = { .echo = true };
	struct dut d;
	const struct ichip_result *r;
	u8 pkt[7] = { 'h', 'e', 'l', 'l', 'o' };
	unsigned int sum = 0;
	static u8 big[2051];

	for (int i = 0; i < 5; i++)
		sum += pkt[i];
	sum = (0x10000 - sum) & 0xffff;
	pkt[5] = (u8)(sum >> 8);
	pkt[6] = (u8)sum;
	server_start(&sv);
	/* no echo: the raw writes below are not commands the framer knows */
	dut_start(&d, "cksm", "--no-echo", NULL);
	EXPECT_OK(&d, "AT+iCKSM=1");
	EXPECT_TEXT(&d, "000", "AT+iSTCP:127.0.0.1,%d", sv.port);
	/* the checksum trails the stream: raw, as the framer counts sz */
	write_all(d.fd, "AT+iSSND:0,5:hello", 18);
	CHECK(drain(&d, 300) == 0, "SSND answered before the checksum");
	r = raw(&d, ICHIP_REPLY_STATUS, pkt + 5, 2);
	CHECK(is_ok(r), "SSND good checksum -> %d", err_of(r));
	pkt[6] ^= 1;
	write_all(d.fd, "AT+iSSND:0,5:hello", 18);
	r = raw(&d, ICHIP_REPLY_STATUS, pkt + 5, 2);
	CHECK(err_of(r) == 228, "bad checksum -> %d", err_of(r));
	memcpy(big, "AT+iSSND:0,2049:", 16);
	write_all(d.fd, big, 16);
	r = raw(&d, ICHIP_REPLY_STATUS, big, 2049 + 2);
	CHECK(err_of(r) == 227, "cksm SSND > 2048 -> %d", err_of(r));
	msleep(200);
	/* SRCV appends the checksum; the data itself is what was sent */
	r = cmd(&d, "AT+iSRCV:0");
	CHECK(is_ok(r) && r->data_len == 5 && !memcmp(r->data, "hello", 5),
	      "SRCV in checksum mode");
	drain(&d, 100);
	dut_stop(&d);
}

static void test_escape(void)
{
	struct server sv = { .echo = true };
	struct dut d;
	const struct ichip_result *r;

	server_start(&sv);
	dut_start(&d, "escape", NULL);
	EXPECT_OK(&d, "AT+iHN~temporary");
	EXPECT_TEXT(&d, "000", "AT+iSTCP:127.0.0.1,%d", sv.port);
	msleep(600);
	/* +++ after silence: unsolicited I/ERROR (056), all closed */
	ichip_frame_expect(d.f, ICHIP_REPLY_STATUS, NULL, 0);
	write_all(d.fd, "+++", 3);
	r = wait_result(&d, 2000);
	CHECK(err_of(r) == 56, "+++ -> %d", err_of(r));
	EXPECT_TEXT(&d, "(-200,-200,-200,-200,-200,-200,-200,-200,-200,-200)",
		    "AT+iRP4");
	EXPECT_TEXT(&d, "iChip", "AT+iHN?");
	/* +++ inside a payload is data */
	EXPECT_TEXT(&d, "000", "AT+iSTCP:127.0.0.1,%d", sv.port);
	msleep(600);
	r = cmd_data(&d, "AT+iSSND:0,3", "+++", 3, CMD_TIMEOUT_MS);
	CHECK(is_ok(r), "+++ as payload");
	dut_stop(&d);
}

static void tls_server(struct server *sv)
{
	char crt[512], key[512];

	snprintf(crt, sizeof(crt), "%s/srv.pem", tmpdir);
	snprintf(key, sizeof(key), "%s/srv.key", tmpdir);
	gnutls_certificate_allocate_credentials(&sv->cred);
	REQUIRE(gnutls_certificate_set_x509_key_file(sv->cred, crt, key,
					GNUTLS_X509_FMT_PEM) >= 0, "server key");
	sv->tls = true;
	server_start(sv);
}

static void test_tls(void)
{
	static struct server sv, plain;
	static u8 big[2049];
	struct dut d;
	const struct ichip_result *r;
	char *ca;
	size_t ca_len;
	char path[512], camax[24];

	make_certs();
	tls_server(&sv);
	snprintf(path, sizeof(path), "%s/ca.pem", tmpdir);
	ca = slurp(path, &ca_len);
	/* the module's limit is 1300; a certtool CA may be a bit larger */
	snprintf(camax, sizeof(camax), "%zu", ca_len > 1300 ? ca_len : 1300);
	dut_start(&d, "tls", "--ca-max", camax, NULL);
	EXPECT_TEXT(&d, "000", "AT+iSTCP:127.0.0.1,%d", sv.port);
	EXPECT_ERR(&d, 222, "AT+iSSL:0");		/* no CA */
	EXPECT_ERR(&d, 221, "AT+iSSL:3");		/* not open */
	r = set_pem(&d, "CA", "ca.pem");
	CHECK(is_ok(r), "set CA -> %d", err_of(r));
	r = cmd(&d, "AT+iCA?");
	CHECK(is_ok(r) && strstr(text_of(&d, r), "CN=ichip test CA") &&
	      strstr(d.text, "-----BEGIN CERTIFICATE-----\n") &&
	      strstr(d.text, "-----END CERTIFICATE-----"), "CA? '%s'",
	      d.text);
	EXPECT_TEXT(&d, "String", "AT+iCA=?");
	r = cmd(&d, "AT+iSSL:0");
	CHECK(is_ok(r), "SSL with the right CA -> %d", err_of(r));
	r = cmd_data(&d, "AT+iSSND%:0,9", "I/OK\r\n\0\xff!", 9,
		     CMD_TIMEOUT_MS);
	CHECK(is_ok(r), "SSND over SSL");
	msleep(300);
	EXPECT_TEXT(&d, "(9,-200,-200,-200,-200,-200,-200,-200,-200,-200)",
		    "AT+iRP4");
	r = cmd(&d, "AT+iSRCV:0");
	CHECK(is_ok(r) && r->data_len == 9 &&
	      !memcmp(r->data, "I/OK\r\n\0\xff!", 9), "SRCV plaintext");
	/* the echo proves the server's handshake finished */
	CHECK(sv.tls_version == GNUTLS_TLS1_0, "negotiated %d, want TLS 1.0",
	      sv.tls_version);
	r = cmd_data(&d, "AT+iSSND:0,2049", big, sizeof(big), CMD_TIMEOUT_MS);
	CHECK(err_of(r) == 227, "SSL SSND > 2048 -> %d", err_of(r));
	r = cmd_data(&d, "AT+iSSND:0,2048", big, 2048, CMD_TIMEOUT_MS);
	CHECK(is_ok(r), "SSL SSND 2048");
	EXPECT_TEXT(&d, "001", "AT+iSTCP:127.0.0.1,%d", sv.port);
	EXPECT_ERR(&d, 225, "AT+iSSL:1");		/* one SSL socket */
	EXPECT_ERR(&d, 225, "AT+iSSL:0");
	r = cmd(&d, "AT+iSCLS:0");
	CHECK(is_ok(r) && !strcmp(text_of(&d, r), "ONLINE"), "SCLS SSL");
	/* CA2 holds the right CA, CA the wrong one: all slots are tried */
	r = set_pem(&d, "CA", "other.pem");
	CHECK(is_ok(r), "set other CA");
	r = cmd(&d, "AT+iSSL:1");
	CHECK(err_of(r) == 220, "SSL with the wrong CA -> %d", err_of(r));
	EXPECT_ERR(&d, 203, "AT+iSRCV:1");		/* socket is down */
	EXPECT_OK(&d, "AT+iSCLS:1");
	r = set_pem(&d, "CA2", "ca.pem");
	CHECK(is_ok(r), "set CA2");
	EXPECT_TEXT(&d, "000", "AT+iSTCP:127.0.0.1,%d", sv.port);
	r = cmd(&d, "AT+iSSL:0");
	CHECK(is_ok(r), "SSL via CA2 -> %d", err_of(r));
	EXPECT_OK(&d, "AT+iSCLS:0");
	/* a plain (echo) server is no SSL server: handshake error */
	plain.echo = true;
	server_start(&plain);
	EXPECT_TEXT(&d, "000", "AT+iSTCP:127.0.0.1,%d", plain.port);
	EXPECT_ERR(&d, 220, "AT+iSSL:0");
	free(ca);
	dut_stop(&d);
}

static void test_pem(void)
{
	struct dut d;
	const struct ichip_result *r;
	char path[512], *pem, *w, c[4096];

	make_certs();
	dut_start(&d, "pem", "--ca-max", "4000", NULL);
	/* CRLF line ends: LF ignored */
	snprintf(path, sizeof(path), "%s/ca.pem", tmpdir);
	pem = slurp(path, NULL);
	w = c + sprintf(c, "AT+iCA3=");
	for (char *p = pem; *p; p++) {
		if (*p == '\n')
			*w++ = '\r';
		*w++ = *p;
	}
	r = raw(&d, ICHIP_REPLY_STATUS, c, (size_t)(w - c));
	CHECK(is_ok(r), "CA3 with CRLF -> %d", err_of(r));
	r = cmd(&d, "AT+iCA3?");
	CHECK(is_ok(r) && strstr(text_of(&d, r), "ichip test CA"), "CA3?");
	/* clear with CR CR */
	r = raw(&d, ICHIP_REPLY_STATUS, "AT+iCA3=\r\r", 10);
	CHECK(is_ok(r), "clear CA3");
	r = cmd(&d, "AT+iCA3?");
	CHECK(is_ok(r) && !text_of(&d, r)[0], "CA3 empty '%s'", d.text);
	/* a value that is no certificate */
	r = cmd(&d, "AT+iCA=-----BEGIN CERTIFICATE-----\rAAAA\r"
		    "-----END CERTIFICATE-----");
	CHECK(err_of(r) == 116, "bad cert -> %d", err_of(r));
	EXPECT_ERR(&d, 116, "AT+iCA=hello");
	r = cmd(&d, "AT+iPKEY=-----BEGIN RSA PRIVATE KEY-----\rAAAA\r"
		    "-----END RSA PRIVATE KEY-----");
	CHECK(err_of(r) == 117, "bad key -> %d", err_of(r));
	/* PKEY? tells the key size, never the key */
	r = set_pem(&d, "PKEY", "srv.key");
	CHECK(is_ok(r), "set PKEY -> %d", err_of(r));
	EXPECT_TEXT(&d, "2048", "AT+iPKEY?");
	r = set_pem(&d, "CERT", "srv.pem");
	CHECK(is_ok(r), "set CERT -> %d", err_of(r));
	/* an abandoned PEM value: the next AT+i line wins */
	write_all(d.fd, "AT+iCA4=-----BEGIN CERTIFICATE-----\rAAAA\r", 41);
	EXPECT_OK(&d, "AT+i");
	r = cmd(&d, "AT+iCA4?");
	CHECK(is_ok(r) && !text_of(&d, r)[0], "CA4 untouched");
	dut_stop(&d);
	/* the module's 1300-character limit */
	dut_start(&d, "pem2", "--ca-max", "1000", NULL);
	r = set_pem(&d, "CA", "ca.pem");
	CHECK(err_of(r) == 116, "CA over --ca-max -> %d", err_of(r));
	dut_stop(&d);
	free(pem);
}

static void test_persist(void)
{
	struct dut d;
	char state[300], link[300], file[300], buf[256];
	struct stat st;
	const struct ichip_result *r;

	make_certs();
	snprintf(state, sizeof(state), "%s/state", tmpdir);
	snprintf(link, sizeof(link), "%s/tty", tmpdir);
	snprintf(file, sizeof(file), "%s/tty.path", tmpdir);
	dut_start(&d, "persist", "--state", state, "--pty-link", link,
		  "--pty-file", file, "--ca-max", "4000", NULL);
	CHECK(readlink(link, buf, sizeof(buf)) > 0, "pty link");
	EXPECT_OK(&d, "AT+iHN=persistent");
	EXPECT_OK(&d, "AT+iCKSM~1");
	EXPECT_OK(&d, "AT+iMTTF=77");
	r = set_pem(&d, "CA", "ca.pem");
	CHECK(is_ok(r), "set CA");
	CHECK(!stat(state, &st) && (st.st_mode & 0777) == 0600,
	      "state file 0600");
	dut_stop(&d);
	CHECK(lstat(link, &st) && lstat(file, &st), "link/file removed");
	CHECK(access(d.ctl, F_OK), "control socket removed");

	dut_start(&d, "persist", "--state", state, "--ca-max", "4000", NULL);
	EXPECT_TEXT(&d, "persistent", "AT+iHN?");
	EXPECT_TEXT(&d, "0", "AT+iCKSM?");		/* ~ is not saved */
	EXPECT_TEXT(&d, "77", "AT+iMTTF?");
	r = cmd(&d, "AT+iCA?");
	CHECK(is_ok(r) && strstr(text_of(&d, r), "ichip test CA"),
	      "CA survives a restart");
	EXPECT_OK(&d, "AT+iFD");
	dut_stop(&d);

	dut_start(&d, "persist", "--state", state, NULL);
	EXPECT_TEXT(&d, "iChip", "AT+iHN?");
	r = cmd(&d, "AT+iCA?");
	CHECK(is_ok(r) && !text_of(&d, r)[0], "FD cleared the CA");
	dut_stop(&d);
}

static void test_noise(void)
{
	struct dut d;
	size_t n;
	const struct ichip_result *r = NULL;

	dut_start(&d, "noise", "--seed", "7", NULL);
	control_ok(&d, "noise 2000");
	n = drain(&d, 500);
	CHECK(n > 300 && n < 3000, "noise bytes in 0.5 s: %zu", n);
	control_ok(&d, "noise 0");
	drain(&d, 100);
	/* the host resyncs with a ping */
	for (int i = 0; i < 3 && !is_ok(r); i++)
		r = cmd_data(&d, "AT+i", NULL, 0, 500);
	CHECK(is_ok(r), "ping after noise");
	dut_stop(&d);

	dut_start(&d, "noise2", "--noise", "1000", NULL);
	n = drain(&d, 400);
	CHECK(n > 100, "--noise: %zu bytes", n);
	dut_stop(&d);
}

static void test_drop(void)
{
	struct dut d;
	int ok = 0;

	dut_start(&d, "drop", "--seed", "1", NULL);
	control_ok(&d, "drop 1");
	CHECK(!cmd_data(&d, "AT+i", NULL, 0, 300), "reply with drop 1");
	control_ok(&d, "drop 0.05");
	for (int i = 0; i < 20; i++) {
		ok += is_ok(cmd_data(&d, "AT+i", NULL, 0, 150));
		drain(&d, 20);
	}
	CHECK(ok > 0 && ok < 20, "drop 0.05: %d of 20 pings answered", ok);
	control_ok(&d, "drop 0");
	write_all(d.fd, "\r", 1);
	drain(&d, 100);
	CHECK(is_ok(cmd(&d, "AT+i")), "ping after drop 0");
	dut_stop(&d);
}

static void test_stall_slow(void)
{
	struct dut d;
	double t;

	dut_start(&d, "stall", NULL);
	control_ok(&d, "stall 700");
	t = now_s();
	CHECK(is_ok(cmd(&d, "AT+i")), "ping through a stall");
	t = now_s() - t;
	CHECK(t > 0.5 && t < 3, "stall 700 ms: ping took %.3f s", t);
	control_ok(&d, "slow 300");
	t = now_s();
	CHECK(is_ok(cmd(&d, "AT+iRP0")), "slow ping");
	t = now_s() - t;
	CHECK(t > 0.25 && t < 2, "slow 300: %.3f s", t);
	control_ok(&d, "slow 0");
	t = now_s();
	CHECK(is_ok(cmd(&d, "AT+i")), "fast ping");
	CHECK(now_s() - t < 0.2, "slow 0");
	dut_stop(&d);

	dut_start(&d, "stall2", "--stall", "400,600", "--slow", "100", NULL);
	msleep(650);
	t = now_s();
	CHECK(is_ok(cmd(&d, "AT+i")), "ping in --stall");
	t = now_s() - t;
	CHECK(t > 0.2 && t < 3, "--stall 400,600 + --slow 100: %.3f s", t);
	dut_stop(&d);
}

static bool wait_banner(struct dut *d, int ms)
{
	static u8 buf[4096];
	size_t len = 0;
	double end = now_s() + ms / 1000.0;

	while (now_s() < end && len < sizeof(buf)) {
		struct pollfd p = { d->fd, POLLIN, 0 };
		ssize_t n;

		if (poll(&p, 1, 50) <= 0)
			continue;
		n = read(d->fd, buf + len, sizeof(buf) - len);
		if (n > 0)
			len += (size_t)n;
		if (memmem(buf, len, "ICHIP-SIM BOOT\r\n", 16))
			return true;
	}
	return false;
}

static void test_reset(void)
{
	struct server sv = { .echo = true };
	struct dut d;

	server_start(&sv);
	dut_start(&d, "reset", NULL);
	EXPECT_OK(&d, "AT+iHN=kept");
	EXPECT_OK(&d, "AT+iMTTF~5");
	EXPECT_TEXT(&d, "000", "AT+iSTCP:127.0.0.1,%d", sv.port);
	control_ok(&d, "reset");
	CHECK(wait_banner(&d, 2000), "boot banner after reset");
	EXPECT_TEXT(&d, "(-200,-200,-200,-200,-200,-200,-200,-200,-200,-200)",
		    "AT+iRP4");
	EXPECT_TEXT(&d, "kept", "AT+iHN?");
	EXPECT_TEXT(&d, "0", "AT+iMTTF?");
	/* a reset mid-command: the half line is forgotten */
	write_all(d.fd, "AT+iRP", 6);
	msleep(50);
	control_ok(&d, "reset");
	CHECK(wait_banner(&d, 2000), "banner");
	EXPECT_OK(&d, "AT+i");
	dut_stop(&d);

	dut_start(&d, "reset2", "--reset-every", "300", NULL);
	CHECK(wait_banner(&d, 2000), "--reset-every banner");
	dut_stop(&d);
}

static void test_hangup(void)
{
	struct dut d;
	char old[256], link[300], buf[256];
	struct pollfd p;
	ssize_t n;

	snprintf(link, sizeof(link), "%s/hup", tmpdir);
	dut_start(&d, "hangup", "--on-hangup", "reopen", "--pty-link", link,
		  NULL);
	EXPECT_OK(&d, "AT+i");
	strcpy(old, d.path);
	control_ok(&d, "hangup");
	p = (struct pollfd){ d.fd, POLLIN, 0 };
	CHECK(poll(&p, 1, 2000) == 1 && (p.revents & POLLHUP), "POLLHUP");
	n = read(d.fd, buf, sizeof(buf));
	CHECK(n == 0 || (n < 0 && errno == EIO), "read after hangup %zd", n);
	close(d.fd);
	REQUIRE(!read_line_fd(d.out, d.path, sizeof(d.path), 3000),
		"new pty after hangup");
	n = readlink(link, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = 0;
	CHECK(!strcmp(buf, d.path), "link follows the new pty: %s", buf);
	open_slave(&d);
	EXPECT_OK(&d, "AT+i");
	dut_stop(&d);

	dut_start(&d, "hangup2", "--hangup-after", "300", "--pty-link", link,
		  NULL);
	CHECK(dut_wait(&d, 3000) == 0, "--on-hangup exit: clean exit");
	CHECK(access(link, F_OK), "link removed");
	dut_stop(&d);
}

/*
 * An SSND the way a host with software flow control sends it: WAIT and
 * CONTINUE from the framer stop and restart the tty's output (TCOOFF /
 * TCOON, what n_ichip's stop_tty() does); @honour false ignores them.
 */
static const struct ichip_result *ssnd_flow(struct dut *d, const char *hdr,
					    const u8 *data, size_t dlen,
					    bool honour, int timeout_ms,
					    unsigned int *waits)
{
	static u8 wire[ICHIP_WIRE_MAX(ICHIP_CMD_LEN_MAX, ICHIP_DATA_LEN_MAX)];
	static u8 buf[65536];
	size_t hlen = strlen(hdr), n, pos = 0;
	double end = now_s() + timeout_ms / 1000.0;
	bool stopped = false;

	REQUIRE(ichip_cmd_classify(hdr, hlen, dlen) == ICHIP_REPLY_STATUS,
		"classify %s", hdr);
	n = ichip_cmd_wire(wire, sizeof(wire), hdr, hlen, data, dlen);
	ichip_frame_expect_ssnd(d->f, hdr, hlen, data, dlen);
	while (now_s() < end) {
		struct pollfd p = { d->fd, POLLIN, 0 };
		ssize_t r;

		if (pos < n && !stopped)
			p.events |= POLLOUT;
		if (poll(&p, 1, 10) < 0)
			break;
		if (p.revents & POLLOUT) {
			r = write(d->fd, wire + pos, n - pos);
			if (r > 0)
				pos += (size_t)r;
		}
		if (!(p.revents & POLLIN))
			continue;
		r = read(d->fd, buf, sizeof(buf));
		for (size_t off = 0; r > 0 && off < (size_t)r;) {
			struct ichip_event ev;

			off += ichip_frame_feed(d->f, buf + off, (size_t)r - off,
						&ev);
			if (ev.type == ICHIP_EV_WAIT && honour) {
				stopped = true;
				++*waits;
				tcflow(d->fd, TCOOFF);
			} else if (ev.type == ICHIP_EV_CONTINUE && honour) {
				stopped = false;
				tcflow(d->fd, TCOON);
			} else if (ev.type == ICHIP_EV_RESULT) {
				tcflow(d->fd, TCOON);
				return &d->f->res;
			}
		}
	}
	tcflow(d->fd, TCOON);
	ichip_frame_abandon(d->f);
	return NULL;
}

/* A counter from the control socket's status line. */
static unsigned long long status_num(struct dut *d, const char *key)
{
	char reply[512], k[40];
	const char *p;

	control(d, "status", reply, sizeof(reply));
	snprintf(k, sizeof(k), " %s=", key);
	p = strstr(reply, k);
	REQUIRE(p, "status has no %s: %s", key, reply);
	return strtoull(p + strlen(k), NULL, 10);
}

/* Bytes/s through SRCV (module -> host) and SSND (host -> module). */
static void baud_run(const char *baud, size_t total)
{
	struct server sv = { .send_bytes = total };
	struct server sink = { 0 };
	struct dut d;
	const struct ichip_result *r;
	static u8 out[16000];
	double rate = atof(baud) / 10, t, got;
	size_t n = 0;
	unsigned int waits = 0;

	server_start(&sv);
	server_start(&sink);
	/* the throttle alone: the receive buffer has its own test (uart) */
	dut_start(&d, baud, "--baud", baud, "--uart-buffer", "0", NULL);
	EXPECT_TEXT(&d, "000", "AT+iSTCP:127.0.0.1,%d", sv.port);
	msleep(300);
	t = now_s();
	while (n < total) {
		r = cmd_data(&d, "AT+iSRCV:0,16384", NULL, 0, 10000);
		REQUIRE(is_ok(r), "SRCV at %s baud", baud);
		n += r->data_len;
	}
	got = (double)n / (now_s() - t);
	/*
	 * Only the ceiling is a property of the simulator: it never runs
	 * faster than the line.  How close it comes on a loaded machine is a
	 * performance figure, which make bench measures, not this test.
	 */
	CHECK(got < rate * 1.05,
	      "module->host at %s baud: %.0f B/s, line %.0f B/s", baud, got,
	      rate);
	fprintf(stderr, "%s baud: module->host %.0f B/s (%.1f%%)\n", baud,
		got, 100 * got / rate);
	EXPECT_TEXT(&d, "001", "AT+iSTCP:127.0.0.1,%d", sink.port);
	t = now_s();
	r = ssnd_flow(&d, "AT+iSSND:001,16000", out, sizeof(out), true,
		      10000, &waits);
	got = sizeof(out) / (now_s() - t);
	CHECK(is_ok(r), "SSND at %s baud", baud);
	/* the pty itself buffers a few KiB, so the host side runs ahead */
	CHECK(got < rate * 1.6,
	      "host->module at %s baud: %.0f B/s, line %.0f B/s", baud, got,
	      rate);
	fprintf(stderr, "%s baud: host->module %.0f B/s (%.1f%%)\n", baud,
		got, 100 * got / rate);
	dut_stop(&d);
}

/*
 * The module's UART buffer (--uart-buffer 256, FIFO 16) and its pauses:
 * a host that sends a long SSND without flow control loses bytes, as on
 * hardware; WAIT/CONTINUE honoured, RTS/CTS, or SSNDs of 256 bytes lose
 * nothing.
 */
static void test_uart(void)
{
	struct server sink = { 0 };
	struct dut d;
	const struct ichip_result *r;
	static u8 big[ICHIP_DATA_LEN_MAX];
	unsigned int waits = 0;

	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (u8)(i * 13);	/* 0x11 and 0x13 included */
	server_start(&sink);

	dut_start(&d, "uart-soft", "--baud", "921600", NULL);
	EXPECT_TEXT(&d, "000", "AT+iSTCP:127.0.0.1,%d", sink.port);
	r = ssnd_flow(&d, "AT+iSSND%:000,32768", big, sizeof(big), true,
		      20000, &waits);
	CHECK(is_ok(r), "64 KiB SSND with soft flow control");
	CHECK(waits > 0 && status_num(&d, "waits") == waits,
	      "WAIT seen %u times", waits);
	CHECK(status_num(&d, "uart_lost") == 0, "nothing lost");
	CHECK(d.f->stats.flow_reports == waits,
	      "each WAIT followed by an RP4 report (%llu)",
	      (unsigned long long)d.f->stats.flow_reports);
	/* ignored: the grace runs out, bytes are lost, the count is off */
	r = ssnd_flow(&d, "AT+iSSND%:000,32768", big, sizeof(big), false,
		      3000, &waits);
	CHECK(!r, "SSND with WAIT ignored does not complete");
	CHECK(status_num(&d, "wait_ignored") > 0 &&
	      status_num(&d, "uart_lost") > 0, "WAIT ignored: bytes lost");
	dut_stop(&d);

	dut_start(&d, "uart-none", "--baud", "921600", "--flow", "none", NULL);
	EXPECT_TEXT(&d, "000", "AT+iSTCP:127.0.0.1,%d", sink.port);
	for (size_t off = 0; off < 8192; off += 256) {
		r = ssnd_flow(&d, "AT+iSSND%:000,256", big + off, 256, false,
			      5000, &waits);
		CHECK(is_ok(r), "256-byte SSND without flow control");
	}
	CHECK(status_num(&d, "uart_lost") == 0, "256-byte SSNDs: none lost");
	r = ssnd_flow(&d, "AT+iSSND%:000,32768", big, 32768, false, 3000,
		      &waits);
	CHECK(!r && status_num(&d, "uart_lost") > 0,
	      "32 KiB SSND without flow control: %llu bytes lost",
	      status_num(&d, "uart_lost"));
	dut_stop(&d);

	dut_start(&d, "uart-hard", "--baud", "921600", NULL);
	EXPECT_OK(&d, "AT+iFLW=1");
	EXPECT_TEXT(&d, "000", "AT+iSTCP:127.0.0.1,%d", sink.port);
	r = ssnd_flow(&d, "AT+iSSND%:000,32768", big, sizeof(big), false,
		      20000, &waits);
	CHECK(is_ok(r) && status_num(&d, "uart_lost") == 0 &&
	      status_num(&d, "waits") == 0, "RTS/CTS: nothing lost, no WAIT");
	dut_stop(&d);
}

/* The switches for what the evidence leaves open (at-plus-i.md §7). */
static void test_variants(void)
{
	struct server sv = { .echo = true };
	struct dut d;
	const struct ichip_result *r;
	u8 buf[256];
	size_t len;
	unsigned int waits = 0;

	server_start(&sv);
	/* realistic default: echo, in-line result, padded handle, I/ERROR( */
	dut_start(&d, "var-default", NULL);
	write_all(d.fd, "AT+iSSND%:007,3:abc", 19);
	msleep(300);
	len = (size_t)read(d.fd, buf, sizeof(buf));
	CHECK(len == 30 && !memcmp(buf, "AT+iSSND%:007,3:I/ERROR(200)\r\n", 30),
	      "in-line SSND error: '%.*s'", (int)len, buf);
	ichip_frame_reset(d.f);
	EXPECT_TEXT(&d, "000", "AT+iSTCP:127.0.0.1,%d", sv.port);
	r = ssnd_flow(&d, "AT+iSSND%:000,5", (const u8 *)"hello", 5, true,
		      5000, &waits);
	CHECK(is_ok(r) && d.f->echo_payload == ICHIP_ECHO_PAYLOAD_NO,
	      "SSND in-line, payload not echoed");
	msleep(200);
	r = cmd(&d, "AT+iSRCV:000");
	CHECK(is_ok(r) && r->data_len == 5, "SRCV after in-line SSND");
	write_all(d.fd, "\r", 1);
	msleep(100);
	CHECK(read(d.fd, buf, sizeof(buf)) == 2, "blank line: echo only");
	dut_stop(&d);

	dut_start(&d, "var-open", "--echo-payload", "yes", "--rp-trailer",
		  "yes", "--srcv-crlf", "no", "--blank-line", "error",
		  "--error-format", "space", NULL);
	EXPECT_TEXT(&d, "000", "AT+iSTCP:127.0.0.1,%d", sv.port);
	r = ssnd_flow(&d, "AT+iSSND%:000,5", (const u8 *)"h\x13l\x11o", 5,
		      true, 5000, &waits);
	CHECK(is_ok(r) && d.f->echo_payload == ICHIP_ECHO_PAYLOAD_YES,
	      "SSND with echoed payload");
	msleep(200);
	/* RP4, its trailer I/OK, then the next command sent at once */
	ichip_frame_expect(d.f, ICHIP_REPLY_VALUE, "AT+iRP4", 7);
	write_all(d.fd, "AT+iRP4\r", 8);
	msleep(200);
	len = (size_t)read(d.fd, buf, sizeof(buf));
	{
		size_t off = 0;
		struct ichip_event ev;

		while (off < len) {
			off += ichip_frame_feed(d.f, buf + off, len - off, &ev);
			if (ev.type == ICHIP_EV_RESULT)
				ichip_frame_expect(d.f, ICHIP_REPLY_DATA,
						   "AT+iSRCV:000", 12);
		}
	}
	CHECK(d.f->stats.stale == 1, "RP4 trailer dropped before the echo");
	write_all(d.fd, "AT+iSRCV:000\r", 13);
	r = wait_result(&d, 2000);
	CHECK(is_ok(r) && r->data_len == 5 && !memcmp(r->data, "h\x13l\x11o", 5),
	      "SRCV right after RP4 with trailer, no CR LF after the data");
	EXPECT_TEXT(&d, "0000", "AT+iRP7");
	EXPECT_OK(&d, "AT+i");
	write_all(d.fd, "\r", 1);
	msleep(100);
	len = (size_t)read(d.fd, buf, sizeof(buf));
	CHECK(len == 17 && !memcmp(buf, "\r\nI/ERROR (053)\r\n", 17),
	      "blank line answered: '%.*s'", (int)len, buf);
	dut_stop(&d);

	dut_start(&d, "var-ca", "--ca-end", "cr", "--blank-line", "ok",
		  "--handle-width", "1", NULL);
	EXPECT_TEXT(&d, "0", "AT+iSTCP:127.0.0.1,%d", sv.port);
	ichip_frame_expect(d.f, ICHIP_REPLY_STATUS, "AT+iCA=", 7);
	write_all(d.fd, "AT+iCA=\r\r", 9);
	CHECK(is_ok(wait_result(&d, 2000)), "CA cleared");
	dut_stop(&d);
}

/* Module output for @ms or until @want bytes came. */
static size_t collect(struct dut *d, u8 *buf, size_t want, int ms)
{
	double end = now_s() + ms / 1000.0;
	size_t got = 0;

	while (got < want) {
		int left = (int)((end - now_s()) * 1000);
		struct pollfd p = { d->fd, POLLIN, 0 };
		ssize_t n;

		if (left <= 0 || poll(&p, 1, left) <= 0)
			break;
		n = read(d->fd, buf + got, want - got);
		if (n > 0)
			got += (size_t)n;
	}
	return got;
}

/* One transcript of tests/conformance against the simulator. */
static void conformance_one(const char *dir, const char *name)
{
	static struct transcript t;
	static u8 out[TR_BYTES_MAX];
	struct server sv = { .echo = true };
	const char *argv[24];
	char path[1024], opts[256], *text, *save = NULL;
	struct dut d;
	int argc = 0;
	unsigned int waits = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	text = slurp(path, NULL);
	REQUIRE(text, "%s", path);
	if (!strncmp(strstr(text, "setup: ") ? strstr(text, "setup: ") + 7 :
		     "", "socket-down", 11))
		sv.close_at_once = true;
	server_start(&sv);
	REQUIRE(!tr_parse(&t, text, sv.port), "%s: %s", name, t.err);
	free(text);
	snprintf(opts, sizeof(opts), "%s", t.sim);
	for (char *o = strtok_r(opts, " ", &save); o && argc < 22;
	     o = strtok_r(NULL, " ", &save))
		argv[argc++] = o;
	argv[argc] = NULL;
	dut_start(&d, name, argc > 0 ? argv[0] : NULL, argc > 1 ? argv[1] :
		  NULL, argc > 2 ? argv[2] : NULL, argc > 3 ? argv[3] : NULL,
		  argc > 4 ? argv[4] : NULL, argc > 5 ? argv[5] : NULL, NULL);
	if (strcmp(t.setup, "none") && strcmp(t.setup, "server")) {
		EXPECT_TEXT(&d, "000", "AT+iSTCP:127.0.0.1,%d", sv.port);
		msleep(300);	/* socket-down: the peer has closed */
	}
	for (int k = 0; k < t.n; k++) {
		const struct tr_xchg *x = &t.x[k];
		const struct ichip_result *r;
		char cmd[TR_BYTES_MAX];
		const unsigned char *data;
		size_t dlen, got;

		if (t.compare_result) {
			tr_command(x, cmd, sizeof(cmd), &data, &dlen);
			r = data ? ssnd_flow(&d, cmd, data, dlen, true, 10000,
					     &waits) :
				   cmd_data(&d, cmd, NULL, 0, CMD_TIMEOUT_MS);
			CHECK(r && (x->ok ? r->status == ICHIP_STATUS_OK :
				    r->module_error == x->error),
			      "%s: exchange %d result", name, k);
			continue;
		}
		write_all(d.fd, x->send, x->send_len);
		got = collect(&d, out, x->recv_len, 3000);
		CHECK(got == x->recv_len && !memcmp(out, x->recv, got),
		      "%s: exchange %d: got '%.*s'", name, k, (int)got, out);
		/* and nothing more */
		CHECK(collect(&d, out, 1, 200) == 0, "%s: extra output", name);
	}
	if (t.compare_result)
		CHECK(waits > 0, "%s: no WAIT seen", name);
	dut_stop(&d);
}

/* The transcripts of tests/conformance, as the simulator plays them. */
static void test_conformance(void)
{
	const char *dir = getenv("ICHIP_CONFORMANCE");
	struct dirent **names;
	int n, files = 0;

	REQUIRE(dir, "ICHIP_CONFORMANCE not set");
	n = scandir(dir, &names, NULL, alphasort);
	REQUIRE(n >= 0, "%s", dir);
	for (int i = 0; i < n; i++) {
		size_t nl = strlen(names[i]->d_name);

		if (nl > 4 && !strcmp(names[i]->d_name + nl - 4, ".txt")) {
			conformance_one(dir, names[i]->d_name);
			files++;
		}
		free(names[i]);
	}
	free(names);
	CHECK(files >= 10, "%d transcripts", files);
}

static void test_baud(void)
{
	baud_run("115200", 16000);
	baud_run("921600", 65536);
}

static void test_parallel(void)
{
	struct dut d[8];
	char name[16];

	for (int i = 0; i < 8; i++) {
		snprintf(name, sizeof(name), "par%d", i);
		dut_start(&d[i], name, NULL);
	}
	for (int round = 0; round < 5; round++)
		for (int i = 0; i < 8; i++)
			EXPECT_OK(&d[i], "AT+i");
	for (int i = 0; i < 8; i++)
		dut_stop(&d[i]);
}

static void test_control(void)
{
	struct dut d;
	char reply[512];

	dut_start(&d, "control", NULL);
	control(&d, "status", reply, sizeof(reply));
	CHECK(!strncmp(reply, "ok online=0 sockets=0", 21), "status: %s",
	      reply);
	control(&d, "bogus", reply, sizeof(reply));
	CHECK(!strncmp(reply, "error", 5), "bogus: %s", reply);
	control(&d, "drop 2", reply, sizeof(reply));
	CHECK(!strncmp(reply, "error", 5), "drop 2: %s", reply);
	control_ok(&d, "ping");
	control_ok(&d, "baud 921600");
	EXPECT_OK(&d, "AT+i");
	control_ok(&d, "quit");
	CHECK(dut_wait(&d, 3000) == 0, "quit");
	dut_stop(&d);
}

static void test_options(void)
{
	const char *man = getenv("ICHIP_SIM_MAN");
	char c[1200];

	/* every option in --help is documented in the man page */
	if (man) {
		snprintf(c, sizeof(c), "for o in $(%s --help | grep -o -- "
			 "'--[a-z-]*' | sort -u); do grep -q -- \"$(echo $o | "
			 "sed 's/-/\\\\\\\\-/g')\" %s || { echo \"$o not in "
			 "man page\" >&2; exit 1; }; done", sim_exe, man);
		CHECK(system(c) == 0, "man page covers --help");
	}

	snprintf(c, sizeof(c), "%s --help | grep -q -- --reset-every", sim_exe);
	CHECK(system(c) == 0, "--help");
	snprintf(c, sizeof(c), "%s --max-sockets 11 2>/dev/null", sim_exe);
	CHECK(WEXITSTATUS(system(c)) == 2, "--max-sockets 11 refused");
	snprintf(c, sizeof(c), "%s --drop x 2>/dev/null", sim_exe);
	CHECK(WEXITSTATUS(system(c)) == 2, "--drop x refused");
}

/*
 * Name resolution as the module does it: IPv4 only.  Run by
 * resolve-ns.sh with a hosts file that lists ::1 first for localhost (as
 * Debian's installer writes it) and a name that has only an IPv6 address.
 */
static void test_resolve(void)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM };
	struct server sv = { .echo = true };
	struct addrinfo *ai = NULL;
	struct dut d;
	bool v6_first;

	REQUIRE(!getaddrinfo("localhost", "80", &hints, &ai), "resolver");
	v6_first = ai->ai_family == AF_INET6;
	freeaddrinfo(ai);
	/* without ::1 first this test would prove nothing: refuse to pass */
	REQUIRE(v6_first, "localhost must resolve to ::1 first here: run me "
		"through tests/sim/resolve-ns.sh");
	server_start(&sv);
	dut_start(&d, "resolve", NULL);
	EXPECT_TEXT(&d, "000", "AT+iSTCP:localhost,%d", sv.port);
	EXPECT_OK(&d, "AT+i!SCLS:0");
	EXPECT_ERR(&d, 207, "AT+iSTCP:ichip-v6only.test,%d", sv.port);
	EXPECT_ERR(&d, 207, "AT+iSTCP:::1,%d", sv.port);
	EXPECT_TEXT(&d, "000", "AT+iSTCP:127.0.0.1,%d", sv.port);
	dut_stop(&d);
}

static const struct {
	const char *name;
	void (*fn)(void);
} tests[] = {
	{ "basic", test_basic }, { "echo", test_echo }, { "tcp", test_tcp },
	{ "peer-close", test_peer_close }, { "limits", test_limits },
	{ "checksum", test_checksum }, { "escape", test_escape },
	{ "tls", test_tls }, { "pem", test_pem }, { "persist", test_persist },
	{ "noise", test_noise }, { "drop", test_drop },
	{ "stall-slow", test_stall_slow }, { "reset", test_reset },
	{ "hangup", test_hangup }, { "baud", test_baud },
	{ "parallel", test_parallel }, { "control", test_control },
	{ "options", test_options }, { "resolve", test_resolve },
	{ "uart", test_uart },
	{ "variants", test_variants }, { "conformance", test_conformance },
};

int main(int argc, char **argv)
{
	char cmdline[300];

	if (argc != 3) {
		fprintf(stderr, "usage: test-sim ICHIP_SIM TEST\n");
		return 2;
	}
	sim_exe = argv[1];
	signal(SIGPIPE, SIG_IGN);
	snprintf(tmpdir, sizeof(tmpdir), "%s/ichip-sim-test.XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	REQUIRE(mkdtemp(tmpdir), "mkdtemp");
	for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		if (strcmp(argv[2], tests[i].name))
			continue;
		tests[i].fn();
		snprintf(cmdline, sizeof(cmdline), "rm -rf %s", tmpdir);
		if (!failures && system(cmdline))
			fprintf(stderr, "could not remove %s\n", tmpdir);
		fprintf(stderr, "%s: %s (%d failures)\n", argv[2],
			failures ? "FAIL" : "ok", failures);
		return failures ? 1 : 0;
	}
	fprintf(stderr, "no test '%s'\n", argv[2]);
	return 2;
}
