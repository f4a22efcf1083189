// SPDX-License-Identifier: GPL-2.0-only
// SPDX-FileCopyrightText: 2026 The ichip authors
/*
 * ichipctl monitor: a readable AT+i trace from the "monitor" multicast
 * group of the "ichip" generic netlink family (n_ichip, kernel transport
 * only; Documentation/netlink/specs/ichip.yaml).  One line per chunk the
 * kernel copies (at most 1024 bytes):
 *
 *   12:00:01.123456 ttyUSB0 > AT+iRP1\r
 *   12:00:01.130012 ttyUSB0 < I/ICHIP-SIM 1.0\r\n
 *   12:00:02.000001 ttyUSB0 > AT+iSSND%:0,300:[300 bytes] 16 03 01 ...
 *
 * The group needs CAP_NET_ADMIN; ichipd itself is not involved, so the
 * trace works while ichipd is stopped or hung.
 */
#include <errno.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>
#include <linux/ichip.h>

#include "ichipctl.h"

#define NAMES_MAX 64
#define HEX_PREVIEW 16

struct mon {
	int family;
	uint32_t filter;		/* dev-index to show; 0 = all */
	struct {
		uint32_t index;
		char name[64];
	} dev[NAMES_MAX];
	int ndev;
	int64_t mono_to_real_ns;	/* add to CLOCK_MONOTONIC for wall time */
};

static int64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* ---- device names: a DEV_GET dump -------------------------------------- */

static int on_dev(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[ICHIP_A_MAX + 1];
	struct mon *mon = arg;

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, ICHIP_A_MAX, NULL) ||
	    !tb[ICHIP_A_DEV_INDEX] || mon->ndev == NAMES_MAX)
		return NL_SKIP;
	mon->dev[mon->ndev].index = nla_get_u32(tb[ICHIP_A_DEV_INDEX]);
	mon->dev[mon->ndev].name[0] = '\0';
	if (tb[ICHIP_A_DEV_NAME])
		nla_strlcpy(mon->dev[mon->ndev].name, tb[ICHIP_A_DEV_NAME],
			    sizeof(mon->dev[0].name));
	mon->ndev++;
	return NL_OK;
}

static int load_names(struct mon *mon)
{
	struct nl_sock *sk = nl_socket_alloc();
	struct nl_msg *msg = nlmsg_alloc();
	int r = -NLE_NOMEM;

	mon->ndev = 0;
	if (!sk || !msg)
		goto out;
	r = genl_connect(sk);
	if (r < 0)
		goto out;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, mon->family, 0,
			 NLM_F_DUMP, ICHIP_CMD_DEV_GET, ICHIP_FAMILY_VERSION)) {
		r = -NLE_NOMEM;
		goto out;
	}
	nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, on_dev, mon);
	r = nl_send_auto(sk, msg);
	if (r >= 0)
		r = nl_recvmsgs_default(sk);
out:
	nlmsg_free(msg);
	nl_socket_free(sk);
	return r;
}

static const char *dev_name(struct mon *mon, uint32_t index)
{
	int i;

	for (i = 0; i < mon->ndev; i++)
		if (mon->dev[i].index == index && mon->dev[i].name[0])
			return mon->dev[i].name;
	return NULL;
}

/* DEV: a tty name (ttyUSB0, /dev/ttyUSB0), an index, or an ichipd name. */
static int resolve_filter(struct ctl *c, struct mon *mon, const char *want)
{
	char *path = NULL, *name = NULL, *port = NULL;
	const char *base = strrchr(want, '/');
	int i, r;

	base = base ? base + 1 : want;
	for (i = 0; i < mon->ndev; i++) {
		char num[16];

		snprintf(num, sizeof(num), "%u", mon->dev[i].index);
		if (!strcmp(mon->dev[i].name, base) || !strcmp(num, want)) {
			mon->filter = mon->dev[i].index;
			return EXIT_OK;
		}
	}
	/* an ichipd device: its Port names the tty */
	r = ctl_pick_device(c, want, &path, &name);
	if (!r)
		r = ctl_get_string(c, path, ICHIP_DEVICE_IFACE,
				   ICHIP_DEVICE1_PORT, &port);
	if (!r) {
		base = strrchr(port, '/');
		base = base ? base + 1 : port;
		r = EXIT_NOT_FOUND;
		for (i = 0; i < mon->ndev; i++)
			if (!strcmp(mon->dev[i].name, base)) {
				mon->filter = mon->dev[i].index;
				r = EXIT_OK;
			}
		if (r)
			ctl_err("monitor: %s (%s) is not an n_ichip device: "
				"only the kernel transport can be traced",
				want, port);
	}
	free(path);
	free(name);
	free(port);
	return r;
}

/* ---- formatting --------------------------------------------------------- */

static bool is_text(uint8_t b)
{
	return (b >= 0x20 && b < 0x7f) || b == '\r' || b == '\n' || b == '\t';
}

static void put_escaped(FILE *f, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		switch (p[i]) {
		case '\r':
			fputs("\\r", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		default:
			if (is_text(p[i]))
				fputc(p[i], f);
			else
				fprintf(f, "\\x%02x", p[i]);
		}
	}
}

/*
 * Binary payloads (SSND/SRCV data, TLS records) would flood the trace
 * with escapes: past the text prefix, a tail that is more than a quarter
 * non-text is shown as its size and the first bytes in hex.
 */
static void put_payload(FILE *f, const uint8_t *p, size_t n)
{
	size_t text = 0, odd = 0, i;

	while (text < n && is_text(p[text]))
		text++;
	for (i = text; i < n; i++)
		odd += !is_text(p[i]);
	if (n - text < 4 || odd * 4 <= n - text) {
		put_escaped(f, p, n);
		return;
	}
	put_escaped(f, p, text);
	fprintf(f, "[%zu bytes]", n - text);
	for (i = text; i < n && i < text + HEX_PREVIEW; i++)
		fprintf(f, " %02x", p[i]);
	if (n - text > HEX_PREVIEW)
		fputs(" ...", f);
}

static void put_time(FILE *f, const struct mon *mon, uint64_t mono_ns)
{
	int64_t real = (int64_t)mono_ns + mon->mono_to_real_ns;
	time_t sec = (time_t)(real / 1000000000);
	struct tm tm;
	char buf[32] = "?";

	if (localtime_r(&sec, &tm))
		strftime(buf, sizeof(buf), "%H:%M:%S", &tm);
	fprintf(f, "%s.%06ld", buf, (long)(real % 1000000000) / 1000);
}

static int on_monitor(struct nl_msg *msg, void *arg)
{
	struct genlmsghdr *gh = nlmsg_data(nlmsg_hdr(msg));
	struct nlattr *tb[ICHIP_A_MAX + 1];
	struct mon *mon = arg;
	const char *name;
	uint32_t index, dir;
	uint64_t t;

	if (gh->cmd != ICHIP_CMD_MONITOR ||
	    genlmsg_parse(nlmsg_hdr(msg), 0, tb, ICHIP_A_MAX, NULL))
		return NL_SKIP;
	index = tb[ICHIP_A_DEV_INDEX] ? nla_get_u32(tb[ICHIP_A_DEV_INDEX]) : 0;
	if (mon->filter && index != mon->filter)
		return NL_OK;
	dir = tb[ICHIP_A_MON_DIR] ? nla_get_u32(tb[ICHIP_A_MON_DIR]) : 0;
	t = tb[ICHIP_A_MON_TIME_NS] ? nla_get_u64(tb[ICHIP_A_MON_TIME_NS]) :
	    (uint64_t)clock_ns(CLOCK_MONOTONIC);
	put_time(stdout, mon, t);
	name = dev_name(mon, index);
	if (!name && !load_names(mon))	/* attached since the last dump */
		name = dev_name(mon, index);
	if (name)
		printf(" %s ", name);
	else
		printf(" ichip%u ", index);
	fputs(dir == ICHIP_MON_DIR_TX ? "> " : dir == ICHIP_MON_DIR_RX ?
	      "< " : "? ", stdout);
	if (tb[ICHIP_A_DATA])
		put_payload(stdout, nla_data(tb[ICHIP_A_DATA]),
			    (size_t)nla_len(tb[ICHIP_A_DATA]));
	putchar('\n');
	fflush(stdout);
	return NL_OK;
}

/* ---- the command -------------------------------------------------------- */

static int join_monitor(struct nl_sock *sk, struct mon *mon)
{
	int grp, r;

	mon->family = genl_ctrl_resolve(sk, ICHIP_FAMILY_NAME);
	if (mon->family < 0) {
		ctl_err("monitor: no \"%s\" netlink family: is the n_ichip "
			"module loaded? (NotFound)", ICHIP_FAMILY_NAME);
		return EXIT_NOT_FOUND;
	}
	grp = genl_ctrl_resolve_grp(sk, ICHIP_FAMILY_NAME, ICHIP_MCGRP_MONITOR);
	if (grp < 0) {
		ctl_err("monitor: the %s family has no \"%s\" group: %s",
			ICHIP_FAMILY_NAME, ICHIP_MCGRP_MONITOR, nl_geterror(grp));
		return EXIT_FAIL;
	}
	r = nl_socket_add_membership(sk, grp);
	if (r == -NLE_PERM) {
		ctl_err("monitor: joining the netlink monitor group needs "
			"CAP_NET_ADMIN: run as root (PermissionDenied)");
		return EXIT_DENIED;
	}
	if (r < 0) {
		ctl_err("monitor: joining the monitor group: %s",
			nl_geterror(r));
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

static int monitor_loop(struct nl_sock *sk, struct mon *mon)
{
	int r;

	for (;;) {
		r = nl_recvmsgs_default(sk);
		if (r == -NLE_NOMEM) {
			/* ENOBUFS: the kernel dropped copies; say so, go on */
			printf("# trace overrun: some traffic was not shown\n");
			continue;
		}
		if (r < 0 && r != -NLE_AGAIN && r != -NLE_INTR) {
			ctl_err("monitor: receiving: %s", nl_geterror(r));
			return EXIT_FAIL;
		}
	}
}

int cmd_monitor(struct ctl *c)
{
	struct nl_sock *sk = nl_socket_alloc();
	const char *want = c->nargs ? c->args[0] : c->device;
	struct mon *mon = calloc(1, sizeof(*mon));
	int r;

	if (!sk || !mon) {
		ctl_err("monitor: out of memory");
		r = EXIT_FAIL;
		goto out;
	}
	r = genl_connect(sk);
	if (r < 0) {
		ctl_err("monitor: netlink: %s", nl_geterror(r));
		r = EXIT_FAIL;
		goto out;
	}
	r = join_monitor(sk, mon);
	if (r)
		goto out;
	load_names(mon);
	if (want) {
		r = resolve_filter(c, mon, want);
		if (r)
			goto out;
	}
	mon->mono_to_real_ns = clock_ns(CLOCK_REALTIME) -
			       clock_ns(CLOCK_MONOTONIC);
	nl_socket_disable_seq_check(sk);
	nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, on_monitor, mon);
	nl_socket_set_buffer_size(sk, 1 << 20, 0);
	r = monitor_loop(sk, mon);
out:
	nl_socket_free(sk);
	free(mon);
	return r;
}
