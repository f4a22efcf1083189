// SPDX-License-Identifier: GPL-2.0-only
// SPDX-FileCopyrightText: 2026 The ichip authors
/*
 * ichip-sim tests: SSL sockets, PEM parameters and the nonvolatile store.
 */
#include "test-sim.h"

static void tls_server(struct server *sv)
{
	char crt[512], key[512];

	snprintf(crt, sizeof(crt), "%s/srv.pem", tmpdir);
	snprintf(key, sizeof(key), "%s/srv.key", tmpdir);
	gnutls_certificate_allocate_credentials(&sv->cred);
	REQUIRE(gnutls_certificate_set_x509_key_file(sv->cred, crt, key,
					GNUTLS_X509_FMT_PEM) >= 0, "server key");
	sv->tls = true;
	server_start(sv);
}

void test_tls(void)
{
	static struct server sv, plain;
	static u8 big[2049];
	struct dut d;
	const struct ichip_result *r;
	char *ca;
	size_t ca_len;
	char path[512], camax[24];

	make_certs();
	tls_server(&sv);
	snprintf(path, sizeof(path), "%s/ca.pem", tmpdir);
	ca = slurp(path, &ca_len);
	/* the module's limit is 1300; a certtool CA may be a bit larger */
	snprintf(camax, sizeof(camax), "%zu", ca_len > 1300 ? ca_len : 1300);
	dut_start(&d, "tls", "--ca-max", camax, NULL);
	EXPECT_TEXT(&d, "000", "AT+iSTCP:127.0.0.1,%d", sv.port);
	EXPECT_ERR(&d, 222, "AT+iSSL:0");		/* no CA */
	EXPECT_ERR(&d, 221, "AT+iSSL:3");		/* not open */
	r = set_pem(&d, "CA", "ca.pem");
	CHECK(is_ok(r), "set CA -> %d", err_of(r));
	r = cmd(&d, "AT+iCA?");
	CHECK(is_ok(r) && strstr(text_of(&d, r), "CN=ichip test CA") &&
	      strstr(d.text, "-----BEGIN CERTIFICATE-----\n") &&
	      strstr(d.text, "-----END CERTIFICATE-----"), "CA? '%s'",
	      d.text);
	EXPECT_TEXT(&d, "String", "AT+iCA=?");
	r = cmd(&d, "AT+iSSL:0");
	CHECK(is_ok(r), "SSL with the right CA -> %d", err_of(r));
	r = cmd_data(&d, "AT+iSSND%:0,9", "I/OK\r\n\0\xff!", 9,
		     CMD_TIMEOUT_MS);
	CHECK(is_ok(r), "SSND over SSL");
	msleep(300);
	EXPECT_TEXT(&d, "(9,-200,-200,-200,-200,-200,-200,-200,-200,-200)",
		    "AT+iRP4");
	r = cmd(&d, "AT+iSRCV:0");
	CHECK(is_ok(r) && r->data_len == 9 &&
	      !memcmp(r->data, "I/OK\r\n\0\xff!", 9), "SRCV plaintext");
	/* the echo proves the server's handshake finished */
	CHECK(sv.tls_version == GNUTLS_TLS1_0, "negotiated %d, want TLS 1.0",
	      sv.tls_version);
	r = cmd_data(&d, "AT+iSSND:0,2049", big, sizeof(big), CMD_TIMEOUT_MS);
	CHECK(err_of(r) == 227, "SSL SSND > 2048 -> %d", err_of(r));
	r = cmd_data(&d, "AT+iSSND:0,2048", big, 2048, CMD_TIMEOUT_MS);
	CHECK(is_ok(r), "SSL SSND 2048");
	EXPECT_TEXT(&d, "001", "AT+iSTCP:127.0.0.1,%d", sv.port);
	EXPECT_ERR(&d, 225, "AT+iSSL:1");		/* one SSL socket */
	EXPECT_ERR(&d, 225, "AT+iSSL:0");
	r = cmd(&d, "AT+iSCLS:0");
	CHECK(is_ok(r) && !strcmp(text_of(&d, r), "ONLINE"), "SCLS SSL");
	/* CA2 holds the right CA, CA the wrong one: all slots are tried */
	r = set_pem(&d, "CA", "other.pem");
	CHECK(is_ok(r), "set other CA");
	r = cmd(&d, "AT+iSSL:1");
	CHECK(err_of(r) == 220, "SSL with the wrong CA -> %d", err_of(r));
	EXPECT_ERR(&d, 203, "AT+iSRCV:1");		/* socket is down */
	EXPECT_OK(&d, "AT+iSCLS:1");
	r = set_pem(&d, "CA2", "ca.pem");
	CHECK(is_ok(r), "set CA2");
	EXPECT_TEXT(&d, "000", "AT+iSTCP:127.0.0.1,%d", sv.port);
	r = cmd(&d, "AT+iSSL:0");
	CHECK(is_ok(r), "SSL via CA2 -> %d", err_of(r));
	EXPECT_OK(&d, "AT+iSCLS:0");
	/* a plain (echo) server is no SSL server: handshake error */
	plain.echo = true;
	server_start(&plain);
	EXPECT_TEXT(&d, "000", "AT+iSTCP:127.0.0.1,%d", plain.port);
	EXPECT_ERR(&d, 220, "AT+iSSL:0");
	free(ca);
	dut_stop(&d);
}

void test_pem(void)
{
	struct dut d;
	const struct ichip_result *r;
	char path[512], *pem, *w, c[4096];

	make_certs();
	dut_start(&d, "pem", "--ca-max", "4000", NULL);
	/* CRLF line ends: LF ignored */
	snprintf(path, sizeof(path), "%s/ca.pem", tmpdir);
	pem = slurp(path, NULL);
	w = c + sprintf(c, "AT+iCA3=");
	for (char *p = pem; *p; p++) {
		if (*p == '\n')
			*w++ = '\r';
		*w++ = *p;
	}
	r = raw(&d, ICHIP_REPLY_STATUS, c, (size_t)(w - c));
	CHECK(is_ok(r), "CA3 with CRLF -> %d", err_of(r));
	r = cmd(&d, "AT+iCA3?");
	CHECK(is_ok(r) && strstr(text_of(&d, r), "ichip test CA"), "CA3?");
	/* clear with CR CR */
	r = raw(&d, ICHIP_REPLY_STATUS, "AT+iCA3=\r\r", 10);
	CHECK(is_ok(r), "clear CA3");
	r = cmd(&d, "AT+iCA3?");
	CHECK(is_ok(r) && !text_of(&d, r)[0], "CA3 empty '%s'", d.text);
	/* a value that is no certificate */
	r = cmd(&d, "AT+iCA=-----BEGIN CERTIFICATE-----\rAAAA\r"
		    "-----END CERTIFICATE-----");
	CHECK(err_of(r) == 116, "bad cert -> %d", err_of(r));
	EXPECT_ERR(&d, 116, "AT+iCA=hello");
	r = cmd(&d, "AT+iPKEY=-----BEGIN RSA PRIVATE KEY-----\rAAAA\r"
		    "-----END RSA PRIVATE KEY-----");
	CHECK(err_of(r) == 117, "bad key -> %d", err_of(r));
	/* PKEY? tells the key size, never the key */
	r = set_pem(&d, "PKEY", "srv.key");
	CHECK(is_ok(r), "set PKEY -> %d", err_of(r));
	EXPECT_TEXT(&d, "2048", "AT+iPKEY?");
	r = set_pem(&d, "CERT", "srv.pem");
	CHECK(is_ok(r), "set CERT -> %d", err_of(r));
	/* an abandoned PEM value: the next AT+i line wins */
	write_all(d.fd, "AT+iCA4=-----BEGIN CERTIFICATE-----\rAAAA\r", 41);
	EXPECT_OK(&d, "AT+i");
	r = cmd(&d, "AT+iCA4?");
	CHECK(is_ok(r) && !text_of(&d, r)[0], "CA4 untouched");
	dut_stop(&d);
	/* the module's 1300-character limit */
	dut_start(&d, "pem2", "--ca-max", "1000", NULL);
	r = set_pem(&d, "CA", "ca.pem");
	CHECK(err_of(r) == 116, "CA over --ca-max -> %d", err_of(r));
	dut_stop(&d);
	free(pem);
}

void test_persist(void)
{
	struct dut d;
	char state[300], link[300], file[300], buf[256];
	struct stat st;
	const struct ichip_result *r;

	make_certs();
	snprintf(state, sizeof(state), "%s/state", tmpdir);
	snprintf(link, sizeof(link), "%s/tty", tmpdir);
	snprintf(file, sizeof(file), "%s/tty.path", tmpdir);
	dut_start(&d, "persist", "--state", state, "--pty-link", link,
		  "--pty-file", file, "--ca-max", "4000", NULL);
	CHECK(readlink(link, buf, sizeof(buf)) > 0, "pty link");
	EXPECT_OK(&d, "AT+iHN=persistent");
	EXPECT_OK(&d, "AT+iCKSM~1");
	EXPECT_OK(&d, "AT+iMTTF=77");
	r = set_pem(&d, "CA", "ca.pem");
	CHECK(is_ok(r), "set CA");
	CHECK(!stat(state, &st) && (st.st_mode & 0777) == 0600,
	      "state file 0600");
	dut_stop(&d);
	CHECK(lstat(link, &st) && lstat(file, &st), "link/file removed");
	CHECK(access(d.ctl, F_OK), "control socket removed");

	dut_start(&d, "persist", "--state", state, "--ca-max", "4000", NULL);
	EXPECT_TEXT(&d, "persistent", "AT+iHN?");
	EXPECT_TEXT(&d, "0", "AT+iCKSM?");		/* ~ is not saved */
	EXPECT_TEXT(&d, "77", "AT+iMTTF?");
	r = cmd(&d, "AT+iCA?");
	CHECK(is_ok(r) && strstr(text_of(&d, r), "ichip test CA"),
	      "CA survives a restart");
	EXPECT_OK(&d, "AT+iFD");
	dut_stop(&d);

	dut_start(&d, "persist", "--state", state, NULL);
	EXPECT_TEXT(&d, "iChip", "AT+iHN?");
	r = cmd(&d, "AT+iCA?");
	CHECK(is_ok(r) && !text_of(&d, r)[0], "FD cleared the CA");
	dut_stop(&d);
}
