// SPDX-License-Identifier: GPL-2.0-only
// SPDX-FileCopyrightText: 2026 The ichip authors
/*
 * The ichip-sim test harness: one simulator per test (temp dir, random
 * ports) driven over the pty like a host would, with the shared framing
 * core parsing the answers; loopback peers; certificates.
 */
#include "test-sim.h"

const char *sim_exe;
char tmpdir[256];
int failures;

double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void msleep(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

/* ---- one simulator instance ---- */

int read_line_fd(int fd, char *buf, size_t cap, int timeout_ms)
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

void open_slave(struct dut *d)
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
void dut_start(struct dut *d, const char *name, ...)
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

int dut_wait(struct dut *d, int timeout_ms)
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

void dut_stop(struct dut *d)
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

void write_all(int fd, const void *p, size_t n)
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
size_t drain(struct dut *d, int ms)
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
const struct ichip_result *wait_result(struct dut *d, int timeout_ms)
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

const struct ichip_result *cmd_data(struct dut *d, const char *cmd,
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

const struct ichip_result *cmd(struct dut *d, const char *fmt, ...)
{
	static char text[ICHIP_CMD_LEN_MAX + 1];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	return cmd_data(d, text, NULL, 0, CMD_TIMEOUT_MS);
}

/* Raw bytes on the wire, the reply parsed as @kind. */
const struct ichip_result *raw(struct dut *d, enum ichip_reply_kind k,
			       const void *p, size_t n)
{
	ichip_frame_expect(d->f, k, NULL, 0);
	write_all(d->fd, p, n);
	return wait_result(d, CMD_TIMEOUT_MS);
}

const char *text_of(struct dut *d, const struct ichip_result *r)
{
	size_t n = r && r->text ? r->text_len : 0;

	memcpy(d->text, n ? r->text : "", n);
	d->text[n] = 0;
	return d->text;
}

bool is_ok(const struct ichip_result *r)
{
	return r && r->status == ICHIP_STATUS_OK;
}

int err_of(const struct ichip_result *r)
{
	if (!r)
		return -1;	/* timeout */
	return r->status == ICHIP_STATUS_ERROR ? (int)r->module_error : 0;
}

/* Control socket: one line out, one line back. */
void control(struct dut *d, const char *line, char *reply, size_t cap)
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

void control_ok(struct dut *d, const char *line)
{
	char reply[512];

	control(d, line, reply, sizeof(reply));
	CHECK(!strncmp(reply, "ok", 2), "control '%s': %s", line, reply);
}

/* ---- loopback peers ---- */

int listen_any(int *port)
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

void serve_plain(struct server *sv, int fd)
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

void serve_tls(struct server *sv, int fd)
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

void *conn_thread(void *arg)
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

void *accept_thread(void *arg)
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

void server_start(struct server *sv)
{
	pthread_t t;

	sv->lfd = listen_any(&sv->port);
	pthread_create(&t, NULL, accept_thread, sv);
	pthread_detach(t);
}

/* ---- certificates (certtool, at test time) ---- */

void sh(const char *fmt, ...)
{
	char c[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c, sizeof(c), fmt, ap);
	va_end(ap);
	REQUIRE(system(c) == 0, "command failed: %s", c);
}

char *slurp(const char *path, size_t *len)
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

void make_ca(const char *name, const char *cn)
{
	sh("cd %s && certtool --no-text --generate-privkey --key-type rsa --bits 2048 "
	   "--outfile %s.key >/dev/null 2>&1 && printf 'cn = %s\\nca\\n"
	   "cert_signing_key\\nexpiration_days = 30\\n' > %s.tmpl && "
	   "certtool --no-text --generate-self-signed --load-privkey %s.key "
	   "--template %s.tmpl --outfile %s.pem >/dev/null 2>&1",
	   tmpdir, name, cn, name, name, name, name);
}

void make_certs(void)
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
const struct ichip_result *set_pem(struct dut *d, const char *param,
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
