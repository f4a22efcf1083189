// SPDX-License-Identifier: GPL-2.0-only
// SPDX-FileCopyrightText: 2026 The ichip authors
/*
 * ichipctl - command-line client of ichipd (Connect One iChip/W24).
 *
 * Noun-verb commands like iwctl and mmcli.  Options may appear anywhere
 * on the line (GNU getopt permutes them); each command lists the ones it
 * accepts, so a misplaced option is a usage error instead of being
 * silently ignored.  `--` ends the options (a HOST starting with '-').
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ichipctl.h"

#ifndef ICHIP_VERSION
#define ICHIP_VERSION "unknown"
#endif

struct command {
	const char *noun;
	const char *verb;	/* NULL: the noun alone */
	int min_args, max_args;	/* operands; -1 = no limit */
	unsigned int opts;	/* accepted beyond OPT_GLOBAL */
	int (*run)(struct ctl *c);
};

#define CA_SET_OPTS (OPT_FORCE | OPT_SELF_SIGNED_LEAF | OPT_HOST_ONLY)
#define CONNECT_OPTS (OPT_PLAIN | OPT_LEGACY_DEVICE_TLS | OPT_SYSTEM_TRUST | \
		      OPT_CONNECT_TIMEOUT)

static const struct command commands[] = {
	{ "version", NULL, 0, 0, 0, cmd_version },
	{ "device", "list", 0, 0, 0, cmd_device_list },
	{ "device", "show", 0, 1, 0, cmd_device_show },
	{ "ca", "show", 0, 1, 0, cmd_ca_show },
	{ "ca", "set", 1, 1, CA_SET_OPTS, cmd_ca_set },
	{ "ca", "clear", 0, 0, 0, cmd_ca_clear },
	{ "ca", "restore", 0, 0, 0, cmd_ca_restore },
	{ "connect", NULL, 1, 1, CONNECT_OPTS, cmd_connect },
	{ "monitor", NULL, 0, 1, 0, cmd_monitor },
	{ "pki", "init-ca", 1, 1, OPT_CN | OPT_BITS | OPT_DAYS | OPT_FORCE,
	  cmd_pki_init_ca },
	{ "pki", "issue", 2, -1, OPT_OUT | OPT_BITS | OPT_DAYS | OPT_FORCE,
	  cmd_pki_issue },
	{ "pki", "csr", 2, -1, OPT_BITS | OPT_FORCE, cmd_pki_csr },
	{ "pki", "self-signed", 2, -1, OPT_BITS | OPT_DAYS | OPT_FORCE,
	  cmd_pki_self_signed },
};

static void usage(FILE *f)
{
	fputs("Usage: ichipctl [-J|--json] [-d|--device NAME|PATH] "
	      "[--timeout SEC] COMMAND ...\n"
	      "\n"
	      "  version                      client and daemon version\n"
	      "  device list                  managed devices\n"
	      "  device show [DEV]            all properties of a device\n"
	      "  ca show [DEV]                the trusted CA\n"
	      "  ca set FILE [--force] [--allow-self-signed-leaf] "
	      "[--host-only]\n"
	      "  ca clear | ca restore\n"
	      "  connect HOST:PORT [--plain | --legacy-device-tls] "
	      "[--system-trust]\n"
	      "          [--connect-timeout MS]  bridge stdin/stdout to a "
	      "session\n"
	      "  monitor [DEV]                AT+i trace (n_ichip netlink, "
	      "CAP_NET_ADMIN)\n"
	      "  pki init-ca DIR [--cn NAME] [--bits N] [--days N] "
	      "[--force]\n"
	      "  pki issue DIR HOST... [--out PREFIX] [--bits N] [--days N] "
	      "[--force]\n"
	      "  pki csr PREFIX HOST... [--bits N] [--force]\n"
	      "  pki self-signed PREFIX HOST... [--bits N] [--days N] "
	      "[--force]\n"
	      "\n"
	      "Exit status: 0 ok, 1 failure, 2 usage, 3 not found / no CA, "
	      "4 permission\ndenied, 5 certificate, 6 device, 7 TLS or "
	      "connection, 8 ichipd not running.\nSee ichipctl(1).\n", f);
}

enum {
	LOPT_TIMEOUT = 256,
	LOPT_FORCE,
	LOPT_SELF_SIGNED_LEAF,
	LOPT_HOST_ONLY,
	LOPT_PLAIN,
	LOPT_LEGACY_DEVICE_TLS,
	LOPT_SYSTEM_TRUST,
	LOPT_CONNECT_TIMEOUT,
	LOPT_CN,
	LOPT_BITS,
	LOPT_DAYS,
	LOPT_OUT,
	LOPT_VERSION,
};

static const struct option long_opts[] = {
	{ "json", no_argument, NULL, 'J' },
	{ "device", required_argument, NULL, 'd' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, LOPT_VERSION },
	{ "timeout", required_argument, NULL, LOPT_TIMEOUT },
	{ "force", no_argument, NULL, LOPT_FORCE },
	{ "allow-self-signed-leaf", no_argument, NULL, LOPT_SELF_SIGNED_LEAF },
	{ "host-only", no_argument, NULL, LOPT_HOST_ONLY },
	{ "plain", no_argument, NULL, LOPT_PLAIN },
	{ "legacy-device-tls", no_argument, NULL, LOPT_LEGACY_DEVICE_TLS },
	{ "system-trust", no_argument, NULL, LOPT_SYSTEM_TRUST },
	{ "connect-timeout", required_argument, NULL, LOPT_CONNECT_TIMEOUT },
	{ "cn", required_argument, NULL, LOPT_CN },
	{ "bits", required_argument, NULL, LOPT_BITS },
	{ "days", required_argument, NULL, LOPT_DAYS },
	{ "out", required_argument, NULL, LOPT_OUT },
	{}
};

/* The option bit and name of each long option, for "not accepted here". */
static const struct {
	enum ctl_opt bit;
	const char *name;
} opt_names[] = {
	{ OPT_FORCE, "--force" },
	{ OPT_SELF_SIGNED_LEAF, "--allow-self-signed-leaf" },
	{ OPT_HOST_ONLY, "--host-only" },
	{ OPT_PLAIN, "--plain" },
	{ OPT_LEGACY_DEVICE_TLS, "--legacy-device-tls" },
	{ OPT_SYSTEM_TRUST, "--system-trust" },
	{ OPT_CONNECT_TIMEOUT, "--connect-timeout" },
	{ OPT_CN, "--cn" },
	{ OPT_BITS, "--bits" },
	{ OPT_DAYS, "--days" },
	{ OPT_OUT, "--out" },
};

/* A decimal number in [min, max]; the whole string must be digits. */
static int parse_uint(const char *opt, const char *s, unsigned long min,
		      unsigned long max, unsigned long *out)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || v < min || v > max)
		return ctl_usage_err("%s: '%s' is not a number in %lu..%lu",
				     opt, s, min, max);
	*out = v;
	return EXIT_OK;
}

static int parse_value_opt(struct ctl *c, int o, const char *arg)
{
	unsigned long v;
	int r = EXIT_OK;

	switch (o) {
	case LOPT_TIMEOUT:
		r = parse_uint("--timeout", arg, 1, 86400, &v);
		c->timeout_usec = (uint64_t)v * 1000000;
		c->opts |= OPT_TIMEOUT;
		break;
	case LOPT_CONNECT_TIMEOUT:
		r = parse_uint("--connect-timeout", arg, 1, 600000, &v);
		c->connect_timeout_ms = (uint32_t)v;
		c->opts |= OPT_CONNECT_TIMEOUT;
		break;
	case LOPT_BITS:
		r = parse_uint("--bits", arg, 1024, 16384, &v);
		c->bits = (unsigned int)v;
		c->opts |= OPT_BITS;
		break;
	case LOPT_DAYS:
		r = parse_uint("--days", arg, 1, 36500, &v);
		c->days = (unsigned int)v;
		c->opts |= OPT_DAYS;
		break;
	case LOPT_CN:
		c->cn = arg;
		c->opts |= OPT_CN;
		break;
	case LOPT_OUT:
		c->out = arg;
		c->opts |= OPT_OUT;
		break;
	}
	return r;
}

/* Returns -1 when parsing is done and the command should run. */
static int parse_options(struct ctl *c, int argc, char **argv)
{
	static const unsigned int flag_bits[] = {
		[LOPT_FORCE - LOPT_FORCE] = OPT_FORCE,
		[LOPT_SELF_SIGNED_LEAF - LOPT_FORCE] = OPT_SELF_SIGNED_LEAF,
		[LOPT_HOST_ONLY - LOPT_FORCE] = OPT_HOST_ONLY,
		[LOPT_PLAIN - LOPT_FORCE] = OPT_PLAIN,
		[LOPT_LEGACY_DEVICE_TLS - LOPT_FORCE] = OPT_LEGACY_DEVICE_TLS,
		[LOPT_SYSTEM_TRUST - LOPT_FORCE] = OPT_SYSTEM_TRUST,
	};
	int o, r;

	opterr = 0;	/* our own messages, with the usage hint */
	while ((o = getopt_long(argc, argv, ":Jd:h", long_opts, NULL)) != -1) {
		switch (o) {
		case 'J':
			c->opts |= OPT_JSON;
			break;
		case 'd':
			c->device = optarg;
			c->opts |= OPT_DEVICE;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		case LOPT_VERSION:
			printf("ichipctl %s\n", ICHIP_VERSION);
			return EXIT_OK;
		case LOPT_FORCE ... LOPT_SYSTEM_TRUST:
			c->opts |= flag_bits[o - LOPT_FORCE];
			break;
		case ':':
			return ctl_usage_err("option %s needs a value",
					     argv[optind - 1]);
		case '?':
			return ctl_usage_err("unknown option %s",
					     argv[optind - 1]);
		default:
			r = parse_value_opt(c, o, optarg);
			if (r)
				return r;
		}
	}
	return -1;
}

static const struct command *find_command(const char *noun, const char *verb,
					  bool *noun_known)
{
	size_t i;

	*noun_known = false;
	for (i = 0; i < ARRAY_SIZE(commands); i++) {
		if (strcmp(commands[i].noun, noun))
			continue;
		*noun_known = true;
		if (!commands[i].verb || (verb && !strcmp(commands[i].verb, verb)))
			return &commands[i];
	}
	return NULL;
}

static int check_command(struct ctl *c, const struct command *cmd)
{
	unsigned int extra = c->opts & ~(cmd->opts | OPT_GLOBAL);
	size_t i;

	for (i = 0; i < ARRAY_SIZE(opt_names); i++)
		if (extra & opt_names[i].bit)
			return ctl_usage_err("%s%s%s does not take %s",
					     cmd->noun, cmd->verb ? " " : "",
					     cmd->verb ? cmd->verb : "",
					     opt_names[i].name);
	if (c->nargs < cmd->min_args)
		return ctl_usage_err("%s%s%s: missing operand", cmd->noun,
				     cmd->verb ? " " : "",
				     cmd->verb ? cmd->verb : "");
	if (cmd->max_args >= 0 && c->nargs > cmd->max_args)
		return ctl_usage_err("%s%s%s: unexpected operand '%s'",
				     cmd->noun, cmd->verb ? " " : "",
				     cmd->verb ? cmd->verb : "",
				     c->args[cmd->max_args]);
	return EXIT_OK;
}

static int run(struct ctl *c, int argc, char **argv)
{
	const struct command *cmd;
	const char *noun, *verb;
	bool noun_known;
	int r;

	r = parse_options(c, argc, argv);
	if (r >= 0)
		return r;
	if (optind >= argc)
		return ctl_usage_err("no command given");
	noun = argv[optind];
	verb = optind + 1 < argc ? argv[optind + 1] : NULL;
	cmd = find_command(noun, verb, &noun_known);
	if (!cmd && !noun_known)
		return ctl_usage_err("unknown command '%s'", noun);
	if (!cmd && !verb)
		return ctl_usage_err("%s: missing verb", noun);
	if (!cmd)
		return ctl_usage_err("%s: unknown verb '%s'", noun, verb);
	c->args = argv + optind + (cmd->verb ? 2 : 1);
	c->nargs = argc - optind - (cmd->verb ? 2 : 1);
	r = check_command(c, cmd);
	if (r)
		return r;
	return cmd->run(c);
}

int main(int argc, char **argv)
{
	struct ctl c = { 0 };
	int r;

	r = run(&c, argc, argv);
	sd_bus_flush_close_unref(c.bus);
	if (fflush(stdout) == EOF && !r) {
		ctl_err("writing output: %s", strerror(errno));
		r = EXIT_FAIL;
	}
	return r;
}

const char *ctl_client_version(void)
{
	return ICHIP_VERSION;
}
