// SPDX-License-Identifier: GPL-2.0-only
// SPDX-FileCopyrightText: 2026 The ichip authors
/*
 * bench-tls-client: the bare GnuTLS baselines of `make bench`.
 *
 *   bench-tls-client CAFILE PORT sink N        upload N bytes (SINK)
 *   bench-tls-client CAFILE PORT source N      download N bytes (SOURCE)
 *   bench-tls-client CAFILE PORT handshake     handshake only
 *   bench-tls-client CAFILE PORT sessions N    hold N sessions open
 *
 * The server is tests/integration/tcpserv.py sinksource with TLS on
 * 127.0.0.1; the host name checked is "localhost"; the priority string is
 * ichipd's host-tls one, so both sides negotiate the same cipher suite.
 * What it prints (one line of key=value):
 *   sink/source: cpu_s (utime+stime of this process, from getrusage, the
 *     whole run incl. handshake), bytes, seconds, init_s (the part of
 *     cpu_s spent before connecting: exec, the dynamic loader, GnuTLS's
 *     global init and the CA file, which a long-lived client pays once;
 *     the VM's short transfers take it out, tools/bench/m_cpu_vm.py)
 *   handshake:  hs_tx, hs_rx (TLS bytes each way until the handshake is
 *     done), hs_s
 *   sessions:   rss1_kb (VmRSS with one session), rssN_kb (with N),
 *     per_session_kb = (rssN - rss1) / (N - 1)
 * The transfer moves data in 16 KiB application writes/reads, as ichipd's
 * pump does.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include "bench-time.h"

#define PRIORITY "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:%PROFILE_MEDIUM"

struct conn {
	int fd;
	gnutls_session_t s;
	size_t tx, rx;		/* TLS bytes on the socket */
};

static gnutls_certificate_credentials_t cred;

static void die(const char *what, int r)
{
	fprintf(stderr, "bench-tls-client: %s: %s\n", what,
		r < 0 ? gnutls_strerror(r) : strerror(errno));
	exit(1);
}

static ssize_t push(gnutls_transport_ptr_t p, const void *d, size_t n)
{
	struct conn *c = p;
	ssize_t r = send(c->fd, d, n, MSG_NOSIGNAL);

	if (r > 0)
		c->tx += (size_t)r;
	return r;
}

static ssize_t pull(gnutls_transport_ptr_t p, void *d, size_t n)
{
	struct conn *c = p;
	ssize_t r = recv(c->fd, d, n, 0);

	if (r > 0)
		c->rx += (size_t)r;
	return r;
}

static struct conn *open_conn(int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons((uint16_t)port) };
	struct conn *c = calloc(1, sizeof(*c));
	int r;

	if (!c)
		die("calloc", -1);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	c->fd = socket(AF_INET, SOCK_STREAM, 0);
	if (c->fd < 0 || connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)))
		die("connect", -1);
	r = gnutls_init(&c->s, GNUTLS_CLIENT);
	if (r < 0)
		die("gnutls_init", r);
	r = gnutls_priority_set_direct(c->s, PRIORITY, NULL);
	if (r < 0)
		die("priority", r);
	gnutls_credentials_set(c->s, GNUTLS_CRD_CERTIFICATE, cred);
	gnutls_server_name_set(c->s, GNUTLS_NAME_DNS, "localhost", 9);
	gnutls_session_set_verify_cert(c->s, "localhost", 0);
	gnutls_transport_set_ptr(c->s, c);
	gnutls_transport_set_push_function(c->s, push);
	gnutls_transport_set_pull_function(c->s, pull);
	do
		r = gnutls_handshake(c->s);
	while (r < 0 && !gnutls_error_is_fatal(r));
	if (r < 0)
		die("handshake", r);
	return c;
}

static void send_all(struct conn *c, const void *d, size_t n)
{
	const char *p = d;

	while (n) {
		ssize_t r = gnutls_record_send(c->s, p, n);

		if (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED)
			continue;
		if (r < 0)
			die("send", (int)r);
		p += r;
		n -= (size_t)r;
	}
}

static double cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	       ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static long vmrss_kb(void)
{
	char line[256];
	long kb = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

int main(int argc, char **argv)
{
	static char buf[16384];
	struct conn *c;
	double t0, init_s;
	int port, r;
	size_t n = 0, got = 0;

	if (argc < 4) {
		fprintf(stderr,
			"usage: %s CAFILE PORT sink|source|handshake|sessions [N]\n",
			argv[0]);
		return 2;
	}
	port = atoi(argv[2]);
	if (argc > 4)
		n = strtoull(argv[4], NULL, 0);
	if (gnutls_global_init() < 0 ||
	    gnutls_certificate_allocate_credentials(&cred) < 0)
		die("init", -1);
	r = gnutls_certificate_set_x509_trust_file(cred, argv[1],
						   GNUTLS_X509_FMT_PEM);
	if (r < 1)
		die("CA file", r < 0 ? r : -1);

	if (!strcmp(argv[3], "sessions")) {
		long rss1, rssn;
		size_t i;

		if (n < 2)
			n = 10;
		/* one session first: the library's one-time costs */
		c = open_conn(port);
		rss1 = vmrss_kb();
		for (i = 1; i < n; i++)
			open_conn(port);
		rssn = vmrss_kb();
		printf("rss1_kb=%ld rssN_kb=%ld n=%zu per_session_kb=%.1f\n",
		       rss1, rssn, n, (double)(rssn - rss1) / (double)(n - 1));
		return 0;
	}

	t0 = now();
	init_s = cpu_s();
	c = open_conn(port);
	if (!strcmp(argv[3], "handshake")) {
		printf("hs_tx=%zu hs_rx=%zu hs_s=%.6f\n", c->tx, c->rx,
		       now() - t0);
		gnutls_bye(c->s, GNUTLS_SHUT_WR);
		return 0;
	}
	if (!strcmp(argv[3], "sink")) {
		size_t left = n;

		memset(buf, 'x', sizeof(buf));
		r = snprintf(buf, sizeof(buf), "SINK %zu\n", n);
		send_all(c, buf, (size_t)r);
		memset(buf, 'x', sizeof(buf));
		while (left) {
			size_t k = left < sizeof(buf) ? left : sizeof(buf);

			send_all(c, buf, k);
			left -= k;
		}
		/* the server's digest line */
		for (;;) {
			ssize_t k = gnutls_record_recv(c->s, buf, sizeof(buf));

			if (k == GNUTLS_E_AGAIN || k == GNUTLS_E_INTERRUPTED)
				continue;
			if (k <= 0 || memchr(buf, '\n', (size_t)k))
				break;
		}
		got = n;
	} else if (!strcmp(argv[3], "source")) {
		r = snprintf(buf, sizeof(buf), "SOURCE %zu bench\n", n);
		send_all(c, buf, (size_t)r);
		for (;;) {
			ssize_t k = gnutls_record_recv(c->s, buf, sizeof(buf));

			if (k == GNUTLS_E_AGAIN || k == GNUTLS_E_INTERRUPTED)
				continue;
			if (k <= 0)
				break;
			got += (size_t)k;
		}
	} else {
		fprintf(stderr, "unknown mode %s\n", argv[3]);
		return 2;
	}
	double secs = now() - t0;

	printf("cpu_s=%.6f bytes=%zu seconds=%.6f init_s=%.6f\n", cpu_s(),
	       got, secs, init_s);
	return got == n ? 0 : 1;
}
