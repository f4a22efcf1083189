// SPDX-License-Identifier: GPL-2.0-only
/*
 * Command line options.  Every option is documented here in --help and in
 * ichip-sim.1; keep the two in step.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

enum {
	OPT_PTY_LINK = 256, OPT_PTY_FILE, OPT_STATE, OPT_TRACE, OPT_CONTROL,
	OPT_FIRMWARE, OPT_SERIAL, OPT_BANNER, OPT_ECHO, OPT_BAUD,
	OPT_MAX_SOCKETS, OPT_CA_MAX, OPT_RX_BUFFER, OPT_CONNECT_TIMEOUT,
	OPT_TLS_TIMEOUT, OPT_ON_HANGUP, OPT_NOISE, OPT_DROP, OPT_STALL,
	OPT_RESET_EVERY, OPT_HANGUP_AFTER, OPT_SLOW, OPT_SEED, OPT_TTY,
};

static const struct option long_opts[] = {
	{ "tty",		required_argument, NULL, OPT_TTY },
	{ "pty-link",		required_argument, NULL, OPT_PTY_LINK },
	{ "pty-file",		required_argument, NULL, OPT_PTY_FILE },
	{ "state",		required_argument, NULL, OPT_STATE },
	{ "trace",		required_argument, NULL, OPT_TRACE },
	{ "control",		required_argument, NULL, OPT_CONTROL },
	{ "firmware",		required_argument, NULL, OPT_FIRMWARE },
	{ "serial",		required_argument, NULL, OPT_SERIAL },
	{ "banner",		required_argument, NULL, OPT_BANNER },
	{ "echo",		no_argument,	   NULL, OPT_ECHO },
	{ "baud",		required_argument, NULL, OPT_BAUD },
	{ "max-sockets",	required_argument, NULL, OPT_MAX_SOCKETS },
	{ "ca-max",		required_argument, NULL, OPT_CA_MAX },
	{ "rx-buffer",		required_argument, NULL, OPT_RX_BUFFER },
	{ "connect-timeout",	required_argument, NULL, OPT_CONNECT_TIMEOUT },
	{ "tls-timeout",	required_argument, NULL, OPT_TLS_TIMEOUT },
	{ "on-hangup",		required_argument, NULL, OPT_ON_HANGUP },
	{ "noise",		required_argument, NULL, OPT_NOISE },
	{ "drop",		required_argument, NULL, OPT_DROP },
	{ "stall",		required_argument, NULL, OPT_STALL },
	{ "reset-every",	required_argument, NULL, OPT_RESET_EVERY },
	{ "hangup-after",	required_argument, NULL, OPT_HANGUP_AFTER },
	{ "slow",		required_argument, NULL, OPT_SLOW },
	{ "seed",		required_argument, NULL, OPT_SEED },
	{ "verbose",		no_argument,	   NULL, 'v' },
	{ "help",		no_argument,	   NULL, 'h' },
	{ "version",		no_argument,	   NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static void usage(FILE *fp)
{
	fputs(
"Usage: ichip-sim [OPTION]...\n"
"Simulate a Connect One iChip/W24 module speaking AT+i on a pty or tty.\n"
"The pty slave path is printed as the first line on stdout once ready.\n"
"\n"
"Line:\n"
"  --tty PATH            use this tty (set raw) instead of a new pty\n"
"  --pty-link PATH       keep a symlink PATH -> pty slave\n"
"  --pty-file PATH       write the pty slave path to PATH (atomically)\n"
"  --baud N              throttle both directions to N/10 bytes/s (0: off)\n"
"  --echo                echo command input (default off)\n"
"  --on-hangup exit|reopen  after a hang-up fault: exit (default) or\n"
"                        open a new pty (new path printed, link updated)\n"
"Module:\n"
"  --state FILE          nonvolatile parameter store (atomic writes)\n"
"  --firmware STRING     RP0/RP1 version (default \"ICHIP-SIM 1.0\")\n"
"  --serial STRING       serial number for RP5 (default \"SIM00000001\")\n"
"  --banner STRING       line sent after a spontaneous reset\n"
"                        (default \"ICHIP-SIM BOOT\")\n"
"  --max-sockets N       client sockets, 1..10 (default 10)\n"
"  --ca-max N            CA/CERT/PKEY size limit in characters (default 1300)\n"
"  --rx-buffer N         per-socket input buffer, 1..32768 (default 16384)\n"
"  --connect-timeout MS  STCP connect timeout (default 10000)\n"
"  --tls-timeout MS      SSL handshake timeout (default 30000)\n"
"Faults (all also at run time through --control):\n"
"  --control PATH        unix stream socket for run-time control\n"
"  --noise RATE          inject RATE random bytes/s toward the host\n"
"  --drop PROB           lose each byte from/to the host with PROB (0..1)\n"
"  --stall MS[,EVERY]    stop answering for MS ms (once, or every EVERY ms)\n"
"  --reset-every MS      spontaneous module reset every MS ms\n"
"  --hangup-after MS     hang up the line MS ms after start\n"
"  --slow MS             delay every reply by MS ms\n"
"  --seed N              seed for all randomness (reproducible faults)\n"
"Diagnostics:\n"
"  --trace FILE          log every command and response to FILE\n"
"  -v, --verbose         debug messages on stderr\n"
"  -h, --help            this text\n"
"  -V, --version         print the version\n", fp);
}

static int num_arg(const char *name, const char *arg, unsigned long min,
		   unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(arg, &end, 10);
	if (errno || end == arg || *end || arg[0] == '-' || v < min ||
	    v > max) {
		fprintf(stderr, "ichip-sim: --%s: '%s' is not a number in "
			"%lu..%lu\n", name, arg, min, max);
		return -1;
	}
	*out = v;
	return 0;
}

static int uint_arg(const char *name, const char *arg, unsigned long min,
		    unsigned long max, unsigned int *out)
{
	unsigned long v;

	if (num_arg(name, arg, min, max, &v))
		return -1;
	*out = (unsigned int)v;
	return 0;
}

static int real_arg(const char *name, const char *arg, double max,
		    double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	if (errno || end == arg || *end || !(v >= 0.0) || v > max) {
		fprintf(stderr, "ichip-sim: --%s: '%s' is not in 0..%g\n",
			name, arg, max);
		return -1;
	}
	*out = v;
	return 0;
}

static int stall_arg(struct sim_opts *o, const char *arg)
{
	char ms[32];
	const char *comma = strchr(arg, ',');
	size_t n = comma ? (size_t)(comma - arg) : strlen(arg);

	if (n >= sizeof(ms)) {
		fprintf(stderr, "ichip-sim: --stall: bad value '%s'\n", arg);
		return -1;
	}
	memcpy(ms, arg, n);
	ms[n] = 0;
	if (uint_arg("stall", ms, 1, 3600000, &o->stall_ms))
		return -1;
	if (comma && uint_arg("stall", comma + 1, 1, 3600000,
			      &o->stall_every_ms))
		return -1;
	return 0;
}

static void defaults(struct sim_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->firmware = "ICHIP-SIM 1.0";
	o->serial = "SIM00000001";
	o->banner = "ICHIP-SIM BOOT";
	o->max_sockets = SIM_CLIENT_SOCKS;
	o->ca_max = SIM_CA_MAX_DEFAULT;
	o->rx_max = SIM_RX_MAX_DEFAULT;
	o->connect_timeout_ms = 10000;
	o->tls_timeout_ms = 30000;
	o->on_hangup = SIM_HANGUP_EXIT;
}

static int one_opt(struct sim_opts *o, int c, const char *arg)
{
	unsigned long v;

	switch (c) {
	case OPT_TTY: o->tty = arg; return 0;
	case OPT_PTY_LINK: o->pty_link = arg; return 0;
	case OPT_PTY_FILE: o->pty_file = arg; return 0;
	case OPT_STATE: o->state = arg; return 0;
	case OPT_TRACE: o->trace = arg; return 0;
	case OPT_CONTROL: o->control = arg; return 0;
	case OPT_FIRMWARE: o->firmware = arg; return 0;
	case OPT_SERIAL: o->serial = arg; return 0;
	case OPT_BANNER: o->banner = arg; return 0;
	case OPT_ECHO: o->echo = true; return 0;
	case 'v': o->verbose = true; return 0;
	case OPT_BAUD:
		if (num_arg("baud", arg, 0, 100000000, &v))
			return -1;
		o->baud = v;
		return 0;
	case OPT_MAX_SOCKETS:
		return uint_arg("max-sockets", arg, 1, SIM_CLIENT_SOCKS,
				&o->max_sockets);
	case OPT_CA_MAX:
		return uint_arg("ca-max", arg, 1, SIM_PEM_MAX, &o->ca_max);
	case OPT_RX_BUFFER:
		return uint_arg("rx-buffer", arg, 1, SIM_RX_MAX_LIMIT,
				&o->rx_max);
	case OPT_CONNECT_TIMEOUT:
		return uint_arg("connect-timeout", arg, 1, 600000,
				&o->connect_timeout_ms);
	case OPT_TLS_TIMEOUT:
		return uint_arg("tls-timeout", arg, 1, 600000,
				&o->tls_timeout_ms);
	case OPT_ON_HANGUP:
		if (!strcmp(arg, "exit")) {
			o->on_hangup = SIM_HANGUP_EXIT;
		} else if (!strcmp(arg, "reopen")) {
			o->on_hangup = SIM_HANGUP_REOPEN;
		} else {
			fprintf(stderr, "ichip-sim: --on-hangup: exit or "
				"reopen, not '%s'\n", arg);
			return -1;
		}
		return 0;
	case OPT_NOISE: return real_arg("noise", arg, 1e6, &o->noise_rate);
	case OPT_DROP: return real_arg("drop", arg, 1.0, &o->drop_prob);
	case OPT_STALL: return stall_arg(o, arg);
	case OPT_RESET_EVERY:
		return uint_arg("reset-every", arg, 1, 86400000,
				&o->reset_every_ms);
	case OPT_HANGUP_AFTER:
		return uint_arg("hangup-after", arg, 1, 86400000,
				&o->hangup_after_ms);
	case OPT_SLOW: return uint_arg("slow", arg, 0, 600000, &o->slow_ms);
	case OPT_SEED:
		if (num_arg("seed", arg, 0, ~0UL, &v))
			return -1;
		o->seed = v;
		o->seed_set = true;
		return 0;
	}
	return -1;
}

/* Returns 0 to run, 1 to exit successfully (help), -1 on a usage error. */
int sim_opts_parse(struct sim_opts *o, int argc, char **argv)
{
	int c;

	defaults(o);
	while ((c = getopt_long(argc, argv, "vhV", long_opts, NULL)) != -1) {
		if (c == 'h') {
			usage(stdout);
			return 1;
		}
		if (c == 'V') {
			printf("ichip-sim 0.1.0\n");
			return 1;
		}
		if (c == '?' || one_opt(o, c, optarg)) {
			fputs("Try 'ichip-sim --help'.\n", stderr);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "ichip-sim: unexpected argument '%s'\n",
			argv[optind]);
		return -1;
	}
	if (o->tty && (o->pty_link || o->pty_file)) {
		fputs("ichip-sim: --tty excludes --pty-link/--pty-file\n",
		      stderr);
		return -1;
	}
	return 0;
}
