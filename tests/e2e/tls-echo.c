// SPDX-License-Identifier: GPL-2.0-only
// SPDX-FileCopyrightText: 2026 The ichip authors
/*
 * ichip-tls-echo PORT CERT KEY [sinksource]: the TLS echo server of the
 * VM's module-variant matrix (tests/e2e/60-matrix-kernel.sh); with
 * "sinksource", tcpserv.py's sinksource server instead (tls-sinksource.c),
 * for the CPU target of `make bench` in the VM.
 *
 * gnutls-serv --echo will not do there: it schedules every connection
 * for close 30 s after accepting it, busy or not ("Scheduling inactive
 * connection for close"), and whatever it has not echoed by then is
 * lost.  A 256 KiB transfer through a no-flow-control module (256-byte
 * SSNDs) takes about that long in the VM under TCG, longer on a loaded
 * machine.  This server echoes every byte it receives for as long as
 * the client sends, and ends a connection only after the client's
 * close_notify (or its EOF), once all of it has gone back.
 *
 * Also the system stage's echo server (tests/system/vm.py), whose
 * sessions stay open for minutes and overlap: each connection is served
 * by a child of its own, on 127.0.0.1; one line on stderr per
 * connection: bytes echoed and how it ended, for the test's report.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gnutls/gnutls.h>

#include "tls-serv.h"

/* the largest TLS record's plaintext: one receive, one send */
#define ECHO_CHUNK	16384

int tls_send_all(gnutls_session_t s, const char *p, size_t n)
{
	while (n) {
		ssize_t r = gnutls_record_send(s, p, n);

		if (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED)
			continue;
		if (r < 0)
			return (int)r;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

/* Echo until the client is done; returns how it ended. */
static const char *echo(gnutls_session_t s, unsigned long long *total)
{
	static char buf[ECHO_CHUNK];
	ssize_t n;
	int r;

	for (;;) {
		n = gnutls_record_recv(s, buf, sizeof(buf));
		if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED)
			continue;
		if (n == 0)
			break;
		if (n < 0)	/* EOF without close_notify is one of these */
			return gnutls_strerror((int)n);
		r = tls_send_all(s, buf, (size_t)n);
		if (r < 0)
			return gnutls_strerror(r);
		*total += (unsigned long long)n;
	}
	/* everything is back: our close_notify, as the client sent its */
	do {
		r = gnutls_bye(s, GNUTLS_SHUT_WR);
	} while (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED);
	return r < 0 ? gnutls_strerror(r) : "close_notify";
}

static int listen_on(unsigned short port)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	int one = 1;
	int fd;

	a.sin_port = htons(port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, 4)) {
		close(fd);
		return -1;
	}
	return fd;
}

int main(int argc, char **argv)
{
	gnutls_certificate_credentials_t cred;
	unsigned long port;
	bool sinksource;
	char *end;
	int lfd, r;

	if (argc < 4 || argc > 5 ||
	    (argc == 5 && strcmp(argv[4], "sinksource"))) {
		fprintf(stderr,
			"usage: ichip-tls-echo PORT CERT KEY [sinksource]\n");
		return 2;
	}
	sinksource = argc == 5;
	port = strtoul(argv[1], &end, 10);
	if (*end || !port || port > 65535) {
		fprintf(stderr, "ichip-tls-echo: bad port %s\n", argv[1]);
		return 2;
	}
	/* a client that goes away mid-send ends its connection, not us */
	signal(SIGPIPE, SIG_IGN);
	signal(SIGCHLD, SIG_IGN);	/* children reaped by the kernel */
	if (gnutls_certificate_allocate_credentials(&cred) < 0)
		return 1;
	r = gnutls_certificate_set_x509_key_file(cred, argv[2], argv[3],
						 GNUTLS_X509_FMT_PEM);
	if (r < 0) {
		fprintf(stderr, "ichip-tls-echo: %s, %s: %s\n", argv[2],
			argv[3], gnutls_strerror(r));
		return 1;
	}
	lfd = listen_on((unsigned short)port);
	if (lfd < 0) {
		fprintf(stderr, "ichip-tls-echo: port %lu: %s\n", port,
			strerror(errno));
		return 1;
	}
	for (;;) {
		unsigned long long total = 0;
		gnutls_session_t s;
		const char *how;
		pid_t pid;
		int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			fprintf(stderr, "ichip-tls-echo: accept: %s\n",
				strerror(errno));
			return 1;
		}
		pid = fork();
		if (pid < 0) {
			fprintf(stderr, "ichip-tls-echo: fork: %s\n",
				strerror(errno));
			close(fd);
			continue;
		}
		if (pid > 0) {		/* the child serves it */
			close(fd);
			continue;
		}
		close(lfd);
		if (gnutls_init(&s, GNUTLS_SERVER) < 0 ||
		    gnutls_set_default_priority(s) < 0 ||
		    gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE,
					   cred) < 0) {
			fprintf(stderr, "ichip-tls-echo: session setup failed\n");
			return 1;
		}
		gnutls_transport_set_int(s, fd);
		do {
			r = gnutls_handshake(s);
		} while (r < 0 && !gnutls_error_is_fatal(r));
		if (r < 0)
			how = gnutls_strerror(r);
		else if (sinksource)
			how = tls_sinksource(s, fd, &total);
		else
			how = echo(s, &total);
		fprintf(stderr, "ichip-tls-echo: connection ended (%s): %llu bytes %s\n",
			how, total, sinksource ? "moved" : "echoed");
		gnutls_deinit(s);
		close(fd);
		_exit(0);
	}
}
