// SPDX-License-Identifier: GPL-2.0-only
// SPDX-FileCopyrightText: 2026 The ichip authors
/*
 * bench-rtt: command round-trip times for `make bench`.
 *
 *   bench-rtt dbus DEVICE_PATH N     N sequential Device1.Command("AT+i")
 *                                    (ichipd --debug-commands): D-Bus ->
 *                                    ichipd -> transport -> tty -> module
 *                                    and back; exactly one module command
 *   bench-rtt dbus-get N             N sequential Manager1.Version property
 *                                    reads: the D-Bus hop alone (no wire)
 *   bench-rtt method N               N Manager1.GetDevices: an ichipd
 *                                    method without arguments
 *   bench-rtt ping N                 N org.freedesktop.DBus.Peer.Ping to
 *                                    org.ichip: the bus and sd-bus alone
 *   bench-rtt tty PATH N             N write "AT+i\r" / read up to "I/OK\r\n"
 *                                    on a tty whose other end is ichip-sim:
 *                                    the simulator's share, no ichip code
 *   bench-rtt pty N                  N write "AT+i\r" / read "I/OK\r\n"
 *                                    round trips on a raw pty pair whose
 *                                    other end is a trivial echo peer
 *
 * The system bus is $DBUS_SYSTEM_BUS_ADDRESS.  Prints one line:
 *   mode=... n=N total_s=... per_call_us=... min_us=... p50_us=...
 */
#include <errno.h>
#include <fcntl.h>
#include <pty.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-bus.h>

#include "ichip-dbus-members.h"
#include "ichip-dbus.h"
#include "bench-time.h"

static void report(const char *mode, double *t, int n, double total)
{
	qsort(t, (size_t)n, sizeof(*t), cmp_d);
	printf("mode=%s n=%d total_s=%.6f per_call_us=%.2f min_us=%.2f "
	       "p50_us=%.2f p90_us=%.2f\n", mode, n, total, total / n * 1e6,
	       t[0] * 1e6, t[n / 2] * 1e6, t[n * 9 / 10] * 1e6);
}

static int run_dbus(const char *dev, int n, double *t, bool ping,
		    bool method)
{
	sd_bus *bus = NULL;
	double t0, t1;
	int i, r;

	r = sd_bus_open_system(&bus);
	if (r < 0) {
		fprintf(stderr, "bench-rtt: bus: %s\n", strerror(-r));
		return 1;
	}
	for (i = -10; i < n; i++) {	/* 10 warm-up calls */
		sd_bus_error err = SD_BUS_ERROR_NULL;
		sd_bus_message *reply = NULL;

		t0 = now();
		if (ping)
			r = sd_bus_call_method(bus, ICHIP_BUS_NAME,
					       ICHIP_MANAGER_PATH,
					       "org.freedesktop.DBus.Peer",
					       "Ping", &err, &reply, "");
		else if (method)
			r = sd_bus_call_method(bus, ICHIP_BUS_NAME,
					       ICHIP_MANAGER_PATH,
					       ICHIP_MANAGER_IFACE,
					       ICHIP_MANAGER1_GET_DEVICES,
					       &err, &reply, "");
		else if (dev)
			r = sd_bus_call_method(bus, ICHIP_BUS_NAME, dev,
					       ICHIP_DEVICE_IFACE,
					       ICHIP_DEVICE1_COMMAND,
					       &err, &reply, "s", "AT+i");
		else
			r = sd_bus_get_property(bus, ICHIP_BUS_NAME,
						ICHIP_MANAGER_PATH,
						ICHIP_MANAGER_IFACE,
						ICHIP_MANAGER1_VERSION,
						&err, &reply, "s");
		t1 = now();
		if (r < 0) {
			fprintf(stderr, "bench-rtt: call: %s: %s\n",
				err.name ? err.name : "", err.message ?
				err.message : strerror(-r));
			return 1;
		}
		sd_bus_message_unref(reply);
		sd_bus_error_free(&err);
		if (i >= 0)
			t[i] = t1 - t0;
	}
	sd_bus_flush_close_unref(bus);
	return 0;
}

static void make_raw(int fd)
{
	struct termios tio;

	tcgetattr(fd, &tio);
	cfmakeraw(&tio);
	tcsetattr(fd, TCSANOW, &tio);
}

/* read until the byte @end; returns 0, or -1 on EOF/error */
static int read_until(int fd, char end)
{
	char buf[64];

	for (;;) {
		ssize_t k = read(fd, buf, sizeof(buf));

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		if (memchr(buf, end, (size_t)k))
			return 0;
	}
}

/* read until "OK\r\n" (the echo of the command comes first) */
static int read_ok(int fd)
{
	char buf[256];
	size_t have = 0;

	for (;;) {
		ssize_t k = read(fd, buf + have, sizeof(buf) - 1 - have);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		have += (size_t)k;
		buf[have] = '\0';
		if (strstr(buf, "OK\r\n"))
			return 0;
		if (have > sizeof(buf) / 2) {	/* keep the tail only */
			memmove(buf, buf + have - 8, 8);
			have = 8;
		}
	}
}

static int run_tty(const char *path, int n, double *t)
{
	int fd = open(path, O_RDWR | O_NOCTTY), i;
	double t0;

	if (fd < 0) {
		perror(path);
		return 1;
	}
	make_raw(fd);
	for (i = -10; i < n; i++) {
		t0 = now();
		if (write(fd, "AT+i\r", 5) != 5 || read_ok(fd) < 0) {
			perror("tty round trip");
			return 1;
		}
		if (i >= 0)
			t[i] = now() - t0;
	}
	close(fd);
	return 0;
}

static int run_pty(int n, double *t)
{
	int master, slave, i, st;
	double t0;
	pid_t pid;

	if (openpty(&master, &slave, NULL, NULL, NULL) < 0) {
		perror("openpty");
		return 1;
	}
	make_raw(master);
	make_raw(slave);
	pid = fork();
	if (pid == 0) {			/* the echo peer: the "module" */
		close(master);
		while (read_until(slave, '\r') == 0)
			if (write(slave, "I/OK\r\n", 6) != 6)
				break;
		_exit(0);
	}
	close(slave);
	for (i = -10; i < n; i++) {
		t0 = now();
		if (write(master, "AT+i\r", 5) != 5 ||
		    read_until(master, '\n') < 0) {
			perror("pty round trip");
			return 1;
		}
		if (i >= 0)
			t[i] = now() - t0;
	}
	close(master);
	kill(pid, SIGTERM);
	waitpid(pid, &st, 0);
	return 0;
}

int main(int argc, char **argv)
{
	double *t, t0, total;
	const char *mode;
	int n, r;

	if (argc < 3) {
		fprintf(stderr, "usage: %s dbus DEV N | dbus-get N | method N |"
			" ping N | tty PATH N | pty N\n", argv[0]);
		return 2;
	}
	mode = argv[1];
	n = atoi(argv[argc - 1]);
	if (n < 1)
		n = 1;
	t = calloc((size_t)n, sizeof(*t));
	if (!t)
		return 2;
	t0 = now();
	if (!strcmp(mode, "dbus") && argc == 4)
		r = run_dbus(argv[2], n, t, false, false);
	else if (!strcmp(mode, "dbus-get"))
		r = run_dbus(NULL, n, t, false, false);
	else if (!strcmp(mode, "ping"))
		r = run_dbus(NULL, n, t, true, false);
	else if (!strcmp(mode, "method"))
		r = run_dbus(NULL, n, t, false, true);
	else if (!strcmp(mode, "tty") && argc == 4)
		r = run_tty(argv[2], n, t);
	else if (!strcmp(mode, "pty"))
		r = run_pty(n, t);
	else
		r = 2;
	if (r)
		return r;
	total = 0;
	for (int i = 0; i < n; i++)
		total += t[i];
	(void)t0;
	report(mode, t, n, total);
	return 0;
}
