// SPDX-License-Identifier: GPL-2.0-only
// SPDX-FileCopyrightText: 2026 The ichip authors
/*
 * Command line options.  Every option is documented here in --help and in
 * Documentation/man/ichip-sim.1; keep the two in step.
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
	OPT_TLS_TIMEOUT, OPT_ON_HANGUP, OPT_NOISE, OPT_DROP, OPT_CORRUPT,
	OPT_STALL,
	OPT_RESET_EVERY, OPT_HANGUP_AFTER, OPT_SLOW, OPT_SEED, OPT_TTY,
	OPT_PROFILE, OPT_NO_ECHO, OPT_ECHO_PAYLOAD, OPT_RP_TRAILER,
	OPT_SRCV_CRLF, OPT_CA_END, OPT_BLANK_LINE, OPT_HANDLE_WIDTH,
	OPT_ERROR_FORMAT, OPT_FLOW, OPT_FLOW_BYTES, OPT_UART_BUFFER,
	OPT_UART_FIFO, OPT_UART_STALL, OPT_FLOW_GRACE,
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
	{ "no-echo",		no_argument,	   NULL, OPT_NO_ECHO },
	{ "profile",		required_argument, NULL, OPT_PROFILE },
	{ "echo-payload",	required_argument, NULL, OPT_ECHO_PAYLOAD },
	{ "rp-trailer",		required_argument, NULL, OPT_RP_TRAILER },
	{ "srcv-crlf",		required_argument, NULL, OPT_SRCV_CRLF },
	{ "ca-end",		required_argument, NULL, OPT_CA_END },
	{ "blank-line",		required_argument, NULL, OPT_BLANK_LINE },
	{ "handle-width",	required_argument, NULL, OPT_HANDLE_WIDTH },
	{ "error-format",	required_argument, NULL, OPT_ERROR_FORMAT },
	{ "flow",		required_argument, NULL, OPT_FLOW },
	{ "flow-bytes",		required_argument, NULL, OPT_FLOW_BYTES },
	{ "uart-buffer",	required_argument, NULL, OPT_UART_BUFFER },
	{ "uart-fifo",		required_argument, NULL, OPT_UART_FIFO },
	{ "uart-stall",		required_argument, NULL, OPT_UART_STALL },
	{ "flow-grace",		required_argument, NULL, OPT_FLOW_GRACE },
	{ "baud",		required_argument, NULL, OPT_BAUD },
	{ "max-sockets",	required_argument, NULL, OPT_MAX_SOCKETS },
	{ "ca-max",		required_argument, NULL, OPT_CA_MAX },
	{ "rx-buffer",		required_argument, NULL, OPT_RX_BUFFER },
	{ "connect-timeout",	required_argument, NULL, OPT_CONNECT_TIMEOUT },
	{ "tls-timeout",	required_argument, NULL, OPT_TLS_TIMEOUT },
	{ "on-hangup",		required_argument, NULL, OPT_ON_HANGUP },
	{ "noise",		required_argument, NULL, OPT_NOISE },
	{ "drop",		required_argument, NULL, OPT_DROP },
	{ "corrupt",		required_argument, NULL, OPT_CORRUPT },
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
"  --echo, --no-echo     echo command input (default on; lab: off)\n"
"  --on-hangup exit|reopen  after a hang-up fault: exit (default) or\n"
"                        open a new pty (new path printed, link updated)\n"
"Profile (see PROTOCOL NOTES in ichip-sim(1)):\n"
"  --profile realistic|lab  a shipped module (default) or the old model;\n"
"                        other options given override the profile\n"
"  --echo-payload yes|no SSND payload echoed (default no)\n"
"  --rp-trailer yes|no   I/OK after the RP4/RP7 list (default no)\n"
"  --srcv-crlf yes|no    CR LF after the SRCV stream (default yes)\n"
"  --ca-end end|cr       CA value ends at the END line, or one CR later\n"
"                        (default end)\n"
"  --blank-line ignore|ok|error  answer to an empty line (default ignore)\n"
"  --handle-width N      zero-pad socket handles to N digits (default 3;\n"
"                        lab: 0)\n"
"  --error-format nospace|space  I/ERROR(nnn) (default) or I/ERROR (nnn)\n"
"UART and flow control:\n"
"  --flow none|soft|hard flow control while FLW bit 0 is clear\n"
"                        (default soft; FLW=1 always means hard)\n"
"  --flow-bytes W,C      WAIT and CONTINUE byte values (default 19,17:\n"
"                        XOFF, XON)\n"
"  --uart-buffer N       module receive buffer in bytes (default 256;\n"
"                        0: unbounded, as in lab); needs --baud\n"
"  --uart-fifo N         UART FIFO on top of the buffer (default 16)\n"
"  --uart-stall B,E      the module stops reading for B byte times after\n"
"                        every E SSND payload bytes (default 512,8192)\n"
"  --flow-grace MS       host latency forgiven after WAIT on a pty\n"
"                        (default 1000)\n"
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
"  --corrupt PROB        flip a bit of each byte from/to the host with PROB\n"
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

/* A shipped module as at-plus-i.md §7 shows it, or the old lab model. */
static void profile(struct sim_opts *o, bool lab)
{
	o->lab = lab;
	o->echo = !lab;
	o->echo_payload = false;
	o->rp_trailer = false;
	o->srcv_crlf = true;
	o->ca_end_cr = false;
	o->blank = SIM_BLANK_IGNORE;
	o->handle_width = lab ? 0 : 3;
	o->error_space = lab;
	o->flow = lab ? SIM_FLOW_NONE : SIM_FLOW_SOFT;
	o->flow_wait = 0x13;
	o->flow_cont = 0x11;
	o->uart_buffer = lab ? 0 : 256;
	o->uart_fifo = 16;
	o->stall_bytes = lab ? 0 : 512;
	o->stall_every = lab ? 0 : 8192;
	o->flow_grace_ms = 1000;
}

static int choice(const char *name, const char *arg, const char *const *v,
		  int *out)
{
	for (int i = 0; v[i]; i++) {
		if (!strcmp(arg, v[i])) {
			*out = i;
			return 0;
		}
	}
	fprintf(stderr, "ichip-sim: --%s: '%s' is not one of", name, arg);
	for (int i = 0; v[i]; i++)
		fprintf(stderr, " %s", v[i]);
	fputc('\n', stderr);
	return -1;
}

static int bool_arg(const char *name, const char *arg, bool *out)
{
	static const char *const yn[] = { "no", "yes", NULL };
	int v;

	if (choice(name, arg, yn, &v))
		return -1;
	*out = v;
	return 0;
}

/* "A,B": two numbers (0x.. or decimal) each in min..max. */
static int pair_arg(const char *name, const char *arg, unsigned long max,
		    unsigned long *a, unsigned long *b)
{
	char *end;

	errno = 0;
	*a = strtoul(arg, &end, 0);
	if (errno || end == arg || *end != ',' || *a > max)
		goto bad;
	arg = end + 1;
	*b = strtoul(arg, &end, 0);
	if (errno || end == arg || *end || *b > max)
		goto bad;
	return 0;
bad:
	fprintf(stderr, "ichip-sim: --%s: want two numbers 0..%lu as A,B\n",
		name, max);
	return -1;
}

static int module_opt(struct sim_opts *o, int c, const char *arg)
{
	static const char *const ends[] = { "end", "cr", NULL };
	static const char *const blanks[] = { "ignore", "ok", "error", NULL };
	static const char *const errs[] = { "nospace", "space", NULL };
	static const char *const flows[] = { "none", "soft", "hard", NULL };
	unsigned long a, b;
	int v;

	switch (c) {
	case OPT_NO_ECHO: o->echo = false; return 0;
	case OPT_ECHO_PAYLOAD:
		return bool_arg("echo-payload", arg, &o->echo_payload);
	case OPT_RP_TRAILER:
		return bool_arg("rp-trailer", arg, &o->rp_trailer);
	case OPT_SRCV_CRLF: return bool_arg("srcv-crlf", arg, &o->srcv_crlf);
	case OPT_CA_END:
		if (choice("ca-end", arg, ends, &v))
			return -1;
		o->ca_end_cr = v;
		return 0;
	case OPT_BLANK_LINE:
		if (choice("blank-line", arg, blanks, &v))
			return -1;
		o->blank = (enum sim_blank)v;
		return 0;
	case OPT_HANDLE_WIDTH:
		return uint_arg("handle-width", arg, 0, 5, &o->handle_width);
	case OPT_ERROR_FORMAT:
		if (choice("error-format", arg, errs, &v))
			return -1;
		o->error_space = v;
		return 0;
	case OPT_FLOW:
		if (choice("flow", arg, flows, &v))
			return -1;
		o->flow = (enum sim_flow)v;
		return 0;
	case OPT_FLOW_BYTES:
		if (pair_arg("flow-bytes", arg, 255, &a, &b))
			return -1;
		if (a == b || a == '\r' || b == '\r' || a == '\n' || b == '\n' ||
		    (a >= 0x20 && a < 0x7f) || (b >= 0x20 && b < 0x7f)) {
			fputs("ichip-sim: --flow-bytes: two different control "
			      "bytes other than CR and LF\n", stderr);
			return -1;
		}
		o->flow_wait = (u8)a;
		o->flow_cont = (u8)b;
		return 0;
	case OPT_UART_BUFFER:
		return uint_arg("uart-buffer", arg, 0, 1u << 20,
				&o->uart_buffer);
	case OPT_UART_FIFO:
		return uint_arg("uart-fifo", arg, 0, 4096, &o->uart_fifo);
	case OPT_UART_STALL:
		if (pair_arg("uart-stall", arg, 1u << 20, &a, &b))
			return -1;
		o->stall_bytes = (unsigned int)a;
		o->stall_every = (unsigned int)b;
		return 0;
	case OPT_FLOW_GRACE:
		return uint_arg("flow-grace", arg, 0, 60000,
				&o->flow_grace_ms);
	}
	return -1;
}

static void defaults(struct sim_opts *o)
{
	memset(o, 0, sizeof(*o));
	profile(o, false);
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
	case OPT_PROFILE: return 0;	/* applied before the others */
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
	case OPT_CORRUPT:
		return real_arg("corrupt", arg, 1.0, &o->corrupt_prob);
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
	return module_opt(o, c, arg);
}

/* --profile first, wherever it is: the other options refine it. */
static int find_profile(struct sim_opts *o, int argc, char **argv)
{
	static const char *const names[] = { "realistic", "lab", NULL };
	int c, v;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "vhV", long_opts, NULL)) != -1) {
		if (c != OPT_PROFILE)
			continue;
		if (choice("profile", optarg, names, &v))
			return -1;
		profile(o, v == 1);
	}
	opterr = 1;
	optind = 0;
	return 0;
}

/* Returns 0 to run, 1 to exit successfully (help), -1 on a usage error. */
int sim_opts_parse(struct sim_opts *o, int argc, char **argv)
{
	int c;

	defaults(o);
	if (find_profile(o, argc, argv)) {
		fputs("Try 'ichip-sim --help'.\n", stderr);
		return -1;
	}
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
