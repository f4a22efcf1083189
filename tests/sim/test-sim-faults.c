// SPDX-License-Identifier: GPL-2.0-only
// SPDX-FileCopyrightText: 2026 The ichip authors
/*
 * ichip-sim tests: line faults (noise, drops, stalls, reset, hangup), the control
 * socket, option checking and name resolution.
 */
#include "test-sim.h"

void test_noise(void)
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

void test_drop(void)
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

void test_stall_slow(void)
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

void test_reset(void)
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

void test_hangup(void)
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

void test_control(void)
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

void test_options(void)
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
void test_resolve(void)
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
