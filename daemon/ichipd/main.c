// SPDX-License-Identifier: GPL-2.0-only
// SPDX-FileCopyrightText: 2026 The ichip authors
/*
 * ichipd: the D-Bus service for Connect One iChip / W24 modules.
 * Parses the command line and config, connects to the system bus, and
 * runs the event loop until SIGTERM.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <systemd/sd-daemon.h>
#include <gnutls/gnutls.h>

#include "config.h"
#include "device.h"
#include "errors.h"
#include "ichip-dbus.h"
#include "log.h"
#include "manager.h"
#include "tls-client.h"
#include "udev.h"
#include "util.h"

#define DEFAULT_CONFIG		"/etc/ichip/ichipd.conf"
#define DEFAULT_STATE_DIR	"/var/lib/ichip"
#define CLI_DEVICES_MAX		32

struct args {
	const char *config;
	const char *state_dir;
	const char *devices[CLI_DEVICES_MAX];
	unsigned int ndevices;
	int transport;		/* -1: from the config */
	bool debug_commands;
	bool test_allow_all;
	bool no_udev;
	int log_level;
};

static void usage(FILE *out)
{
	fputs("Usage: ichipd [OPTIONS]\n"
	      "The D-Bus service (" ICHIP_BUS_NAME ") for iChip / W24 modules.\n\n"
	      "  --config FILE           config file (" DEFAULT_CONFIG ")\n"
	      "  --state-dir DIR         persisted CA copies (" DEFAULT_STATE_DIR ")\n"
	      "  --device PORT[:BAUD]    manage this tty (repeatable)\n"
	      "  --transport MODE        auto | kernel | tty\n"
	      "  --debug-commands        enable Device1.Command (raw AT+i)\n"
	      "  --test-allow-all        skip polkit: every caller is allowed (TESTS ONLY)\n"
	      "  --no-udev               ignore udev (only --device and the config)\n"
	      "  --log-level LEVEL       err | warning | notice | info | debug\n"
	      "  -h, --help              this text\n"
	      "  --version               print the version\n", out);
}

static int parse_transport(const char *v)
{
	if (!strcmp(v, "auto"))
		return TRANSPORT_AUTO;
	if (!strcmp(v, "kernel"))
		return TRANSPORT_KERNEL;
	if (!strcmp(v, "tty"))
		return TRANSPORT_TTY;
	return -1;
}

static int parse_level(const char *v)
{
	static const char *const names[] = {
		[LOG_ERR] = "err", [LOG_WARNING] = "warning",
		[LOG_NOTICE] = "notice", [LOG_INFO] = "info",
		[LOG_DEBUG] = "debug",
	};
	int i;

	for (i = LOG_ERR; i <= LOG_DEBUG; i++)
		if (names[i] && !strcmp(names[i], v))
			return i;
	return -1;
}

static int parse_args(int argc, char **argv, struct args *a)
{
	enum { O_CONFIG = 256, O_STATE, O_DEVICE, O_TRANSPORT, O_DEBUG,
	       O_TEST, O_LEVEL, O_VERSION, O_NO_UDEV };
	static const struct option opts[] = {
		{ "config", required_argument, NULL, O_CONFIG },
		{ "state-dir", required_argument, NULL, O_STATE },
		{ "device", required_argument, NULL, O_DEVICE },
		{ "transport", required_argument, NULL, O_TRANSPORT },
		{ "debug-commands", no_argument, NULL, O_DEBUG },
		{ "test-allow-all", no_argument, NULL, O_TEST },
		{ "log-level", required_argument, NULL, O_LEVEL },
		{ "no-udev", no_argument, NULL, O_NO_UDEV },
		{ "version", no_argument, NULL, O_VERSION },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case O_CONFIG: a->config = optarg; break;
		case O_STATE: a->state_dir = optarg; break;
		case O_DEVICE:
			if (a->ndevices == CLI_DEVICES_MAX)
				return -E2BIG;
			a->devices[a->ndevices++] = optarg;
			break;
		case O_TRANSPORT:
			a->transport = parse_transport(optarg);
			if (a->transport < 0)
				return -EINVAL;
			break;
		case O_DEBUG: a->debug_commands = true; break;
		case O_TEST: a->test_allow_all = true; break;
		case O_NO_UDEV: a->no_udev = true; break;
		case O_LEVEL:
			a->log_level = parse_level(optarg);
			if (a->log_level < 0)
				return -EINVAL;
			break;
		case O_VERSION:
			printf("ichipd %s\n", ICHIP_VERSION);
			exit(0);
		case 'h':
			usage(stdout);
			exit(0);
		default:
			return -EINVAL;
		}
	}
	return optind < argc ? -EINVAL : 0;
}

static void add_cli_device(struct manager *m, const char *spec)
{
	_cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
	char port[256], *colon;
	unsigned int baud = 115200;

	snprintf(port, sizeof(port), "%s", spec);
	/* by-path names hold colons: only a trailing ":<digits>" is a baud */
	colon = strrchr(port, ':');
	if (colon && colon[1] && strspn(colon + 1, "0123456789") ==
	    strlen(colon + 1)) {
		*colon = '\0';
		baud = (unsigned int)strtoul(colon + 1, NULL, 10);
	}
	if (manager_add_device(m, port, baud, DEV_FLOW_DEFAULT, NULL, NULL,
			       &error) < 0)
		log_error("%s: %s", port, error.message ? error.message :
			  "cannot add");
}

static void add_config_devices(struct manager *m, const struct config *c)
{
	_cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
	const struct config_device *cd;
	unsigned int i;

	for (i = 0; i < c->ndevices; i++) {
		cd = &c->devices[i];
		if (manager_add_device(m, cd->port, cd->baud, cd->flow,
				       cd->name, NULL, &error) < 0)
			log_error("%s: %s", cd->port, error.message ?
				  error.message : "cannot add");
		sd_bus_error_free(&error);
	}
}

#define SYSTEM_BUS_SOCKET "/run/dbus/system_bus_socket"

/*
 * --test-allow-all bypasses polkit: a test switch for private buses.  On
 * the real system bus it would let every local user do anything, so it
 * is refused there: when no private address is given, when the address
 * names the system socket, and when the socket connected to is the
 * system socket under another name.
 */
static bool address_is_system_bus(void)
{
	const char *addr = getenv("DBUS_SYSTEM_BUS_ADDRESS");

	return !addr || !*addr || strstr(addr, "=" SYSTEM_BUS_SOCKET) ||
	       strstr(addr, "=/var" SYSTEM_BUS_SOCKET);
}

static bool connected_to_system_bus(sd_bus *bus)
{
	struct sockaddr_un sa;
	socklen_t len = sizeof(sa);
	struct stat ours, sys;
	int fd = sd_bus_get_fd(bus);

	if (fd < 0 || stat(SYSTEM_BUS_SOCKET, &sys))
		return false;
	memset(&sa, 0, sizeof(sa));
	if (getpeername(fd, (struct sockaddr *)&sa, &len) ||
	    sa.sun_family != AF_UNIX || !sa.sun_path[0] ||
	    stat(sa.sun_path, &ours))
		return false;
	return ours.st_dev == sys.st_dev && ours.st_ino == sys.st_ino;
}

static int refuse_allow_all(void)
{
	log_error("--test-allow-all is a test switch and is refused on the system bus: give a private bus in DBUS_SYSTEM_BUS_ADDRESS");
	return -EPERM;
}

static int run(struct args *a, struct config *conf)
{
	_cleanup_(sd_event_unrefp) sd_event *e = NULL;
	_cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
	struct manager *m = NULL;
	sigset_t mask;
	unsigned int i;
	int r;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);	/* apps may close their fds any time */

	r = sd_event_default(&e);
	if (r >= 0)
		r = sd_event_add_signal(e, NULL, SIGTERM, NULL, NULL);
	if (r >= 0)
		r = sd_event_add_signal(e, NULL, SIGINT, NULL, NULL);
	if (a->test_allow_all && address_is_system_bus())
		return refuse_allow_all();
	if (r >= 0)
		r = sd_bus_open_system(&bus);
	if (r < 0) {
		log_error("cannot connect to the system bus: %s", strerror(-r));
		return r;
	}
	/* the connection is made lazily: make it now, then look at it */
	if (a->test_allow_all) {
		const char *unique;

		r = sd_bus_get_unique_name(bus, &unique);
		if (r < 0) {
			log_error("cannot connect to the bus: %s", strerror(-r));
			return r;
		}
		if (connected_to_system_bus(bus))
			return refuse_allow_all();
	}
	sd_bus_error_add_map(ichip_error_map);
	r = sd_bus_attach_event(bus, e, 0);
	if (r >= 0)
		r = manager_new(e, bus, &m);
	if (r < 0)
		return r;
	tls_worker_setup(m);
	m->state_dir = strdup(a->state_dir);
	m->transport = a->transport >= 0 ?
		       (enum transport_choice)a->transport : conf->transport;
	m->debug_commands = a->debug_commands || conf->debug_commands;
	m->checksum_mode = conf->checksum_mode;
	m->max_sessions_per_user = conf->max_sessions_per_user;
	m->idle_timeout_us = conf->session_idle_timeout_s * 1000000ULL;
	m->test_allow_all = a->test_allow_all;
	if (m->test_allow_all)
		log_warning("--test-allow-all: polkit is bypassed, every caller may do anything");

	add_config_devices(m, conf);
	for (i = 0; i < a->ndevices; i++)
		add_cli_device(m, a->devices[i]);
	if (!a->no_udev && udev_start(m) < 0)
		log_warning("udev enumeration failed: no hotplug discovery");

	r = sd_bus_request_name(bus, ICHIP_BUS_NAME, 0);
	if (r < 0) {
		log_error("cannot own " ICHIP_BUS_NAME ": %s", strerror(-r));
		manager_free(m);
		return r;
	}
	sd_notifyf(false, "READY=1\nSTATUS=managing %u device(s)",
		   conf->ndevices + a->ndevices);
	log_info("ichipd %s ready", ICHIP_VERSION);
	r = sd_event_loop(e);
	sd_notify(false, "STOPPING=1");
	udev_stop(m);
	manager_free(m);
	tls_worker_shutdown();
	return r;
}

int main(int argc, char **argv)
{
	struct args a = {
		.config = DEFAULT_CONFIG,
		.state_dir = DEFAULT_STATE_DIR,
		.transport = -1,
		.log_level = LOG_INFO,
	};
	struct config conf = {
		.transport = TRANSPORT_AUTO,
		.max_sessions_per_user = CONFIG_SESSIONS_PER_USER,
		.session_idle_timeout_s = CONFIG_IDLE_TIMEOUT_S,
	};
	int r;

	if (parse_args(argc, argv, &a) < 0) {
		usage(stderr);
		return 2;
	}
	log_setup(a.log_level);
	if (config_load(a.config, &conf) < 0)
		return 1;
	if (mkdir(a.state_dir, 0700) && errno != EEXIST) {
		log_error("%s: %m", a.state_dir);
		return 1;
	}
	gnutls_global_init();
	r = run(&a, &conf);
	gnutls_global_deinit();
	return r < 0 ? 1 : 0;
}
