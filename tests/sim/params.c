// SPDX-License-Identifier: GPL-2.0-only
// SPDX-FileCopyrightText: 2026 The ichip authors
/*
 * The module's parameter database.  '=' values are nonvolatile: they live
 * in the state file, rewritten atomically (temp + fsync + rename + fsync
 * of the directory) on every change so a crash never leaves half a CA.
 * '~' values shadow the permanent one until the Internet session ends.
 *
 * State file format: one "NAME=VALUE" per line, VALUE with '\\' and
 * newline escaped as "\\\\" and "\\n".  Unknown names are ignored so a
 * newer file still loads.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "sim.h"

#define SIM_STRING_MAX	255

static const struct sim_param_def param_defs[] = {
	{ "CA",   SIM_P_CERT,   "",	   0, 0,   "String" },
	{ "CA2",  SIM_P_CERT,   "",	   0, 0,   "String" },
	{ "CA3",  SIM_P_CERT,   "",	   0, 0,   "String" },
	{ "CA4",  SIM_P_CERT,   "",	   0, 0,   "String" },
	{ "CERT", SIM_P_CERT,   "",	   0, 0,   "String" },
	{ "PKEY", SIM_P_KEY,    "",	   0, 0,   "String" },
	{ "BDRF", SIM_P_BAUD,   "a",	   0, 0,   "3-9, 'a' or 'h'" },
	{ "BDRD", SIM_P_NUMBER, "0",	   0, 255, "0-255" },
	{ "FLW",  SIM_P_NUMBER, "0",	   0, 255, "0-255" },
	{ "CKSM", SIM_P_NUMBER, "0",	   0, 1,   "0-1" },
	{ "MTTF", SIM_P_NUMBER, "0",	   0, 65535, "0-65535" },
	{ "HN",   SIM_P_STRING, "iChip",   0, 0,   "String" },
	{ "DIP",  SIM_P_STRING, "0.0.0.0", 0, 0,   "String" },
	{ "IPG",  SIM_P_STRING, "0.0.0.0", 0, 0,   "String" },
	{ "SNET", SIM_P_STRING, "0.0.0.0", 0, 0,   "String" },
	{ "DNS1", SIM_P_STRING, "0.0.0.0", 0, 0,   "String" },
	{ "DNS2", SIM_P_STRING, "0.0.0.0", 0, 0,   "String" },
	{ "WLSI", SIM_P_STRING, "",	   0, 0,   "String" },
};

#define N_PARAMS (sizeof(param_defs) / sizeof(param_defs[0]))

struct sim_param *sim_param_find(struct sim_params *ps, const char *name)
{
	for (size_t i = 0; i < ps->n; i++)
		if (!strcasecmp(ps->p[i].def->name, name))
			return &ps->p[i];
	return NULL;
}

static const char *param_value(const struct sim_param *p)
{
	if (p->temp)
		return p->temp;
	return p->value ? p->value : p->def->def;
}

const char *sim_param_get(struct sim_params *ps, const char *name)
{
	struct sim_param *p = sim_param_find(ps, name);

	return p ? param_value(p) : "";
}

/* PEM must parse as what the parameter holds: 116 cert, 117 key. */
int sim_pem_check(enum sim_param_kind kind, const char *pem, size_t len,
		  unsigned int *bits)
{
	gnutls_datum_t d = { (unsigned char *)pem, (unsigned int)len };
	int ret;

	if (kind == SIM_P_KEY) {
		gnutls_x509_privkey_t key;

		if (gnutls_x509_privkey_init(&key) < 0)
			return 117;
		ret = gnutls_x509_privkey_import(key, &d, GNUTLS_X509_FMT_PEM);
		if (ret >= 0 && bits)
			gnutls_x509_privkey_get_pk_algorithm2(key, bits);
		gnutls_x509_privkey_deinit(key);
		return ret < 0 ? 117 : 0;
	}

	gnutls_x509_crt_t crt;

	if (gnutls_x509_crt_init(&crt) < 0)
		return 116;
	ret = gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_PEM);
	gnutls_x509_crt_deinit(crt);
	return ret < 0 ? 116 : 0;
}

static int check_number(const struct sim_param_def *d, const char *v,
			char *norm, size_t cap)
{
	unsigned long n;

	if (!*v)
		return 44;
	if (sim_parse_num(v, &n))
		return 44;
	if (n < d->min || n > d->max)
		return 42;
	snprintf(norm, cap, "%lu", n);
	return 0;
}

static int check_value(struct sim_params *ps, const struct sim_param_def *d,
		       const char *v, char *norm, size_t cap)
{
	size_t len = strlen(v);

	switch (d->kind) {
	case SIM_P_NUMBER:
		return check_number(d, v, norm, cap);
	case SIM_P_BAUD:
		if (len != 1 || !strchr("aAhH3456789", v[0]))
			return 42;
		norm[0] = (char)(v[0] | 0x20);
		norm[1] = 0;	/* digits already have bit 5 set */
		return 0;
	case SIM_P_STRING:
		if (len > SIM_STRING_MAX)
			return 42;
		break;
	case SIM_P_CERT:
	case SIM_P_KEY:
		if (!len)
			break;
		if (len > ps->ca_max)
			return d->kind == SIM_P_KEY ? 117 : 116;
		if (sim_pem_check(d->kind, v, len, NULL))
			return d->kind == SIM_P_KEY ? 117 : 116;
		break;
	}
	if (len >= cap)
		return 42;
	memcpy(norm, v, len + 1);
	return 0;
}

int sim_param_set(struct sim_params *ps, struct sim_param *p,
		  const char *value, bool temporary)
{
	size_t cap = SIM_PEM_MAX + 1;
	char *norm = malloc(cap);
	int err;

	if (!norm)
		return 61;
	err = check_value(ps, p->def, value, norm, cap);
	if (err) {
		free(norm);
		return err;
	}
	if (temporary) {
		free(p->temp);
		p->temp = norm;
		return 0;
	}
	free(p->temp);
	p->temp = NULL;
	free(p->value);
	p->value = norm;
	return sim_params_save(ps) ? 86 : 0;
}

static void put_escaped(FILE *fp, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\')
			fputs("\\\\", fp);
		else if (*v == '\n')
			fputs("\\n", fp);
		else
			fputc(*v, fp);
	}
}

static int fsync_dir(const char *path)
{
	char *copy = strdup(path);
	int fd, ret = -1;

	if (!copy)
		return -1;
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		ret = fsync(fd);
		close(fd);
	}
	free(copy);
	return ret;
}

int sim_params_save(struct sim_params *ps)
{
	char tmp[4096];
	FILE *fp;
	int fd;

	if (!ps->state_path)
		return 0;
	snprintf(tmp, sizeof(tmp), "%s.tmp.%d", ps->state_path, (int)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || !(fp = fdopen(fd, "w"))) {
		sim_err("state %s: %s", tmp, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	fputs("# ichip-sim nonvolatile parameters\n", fp);
	for (size_t i = 0; i < ps->n; i++) {
		if (!ps->p[i].value)
			continue;
		fprintf(fp, "%s=", ps->p[i].def->name);
		put_escaped(fp, ps->p[i].value);
		fputc('\n', fp);
	}
	if (fflush(fp) || fsync(fd) || ferror(fp)) {
		sim_err("state %s: %s", tmp, strerror(errno));
		fclose(fp);
		unlink(tmp);
		return -1;
	}
	fclose(fp);
	if (rename(tmp, ps->state_path)) {
		sim_err("state %s: %s", ps->state_path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	fsync_dir(ps->state_path);
	return 0;
}

static void unescape(char *v)
{
	char *w = v;

	for (; *v; v++) {
		if (*v == '\\' && v[1] == 'n') {
			*w++ = '\n';
			v++;
		} else if (*v == '\\' && v[1] == '\\') {
			*w++ = '\\';
			v++;
		} else {
			*w++ = *v;
		}
	}
	*w = 0;
}

static void load_line(struct sim_params *ps, char *line)
{
	char *eq = strchr(line, '=');
	struct sim_param *p;
	size_t n = strlen(line);

	if (n && line[n - 1] == '\n')
		line[n - 1] = 0;
	if (line[0] == '#' || !eq)
		return;
	*eq = 0;
	p = sim_param_find(ps, line);
	if (!p) {
		sim_info("state: ignoring unknown parameter %s", line);
		return;
	}
	unescape(eq + 1);
	free(p->value);
	p->value = strdup(eq + 1);
}

static int params_load(struct sim_params *ps)
{
	FILE *fp = fopen(ps->state_path, "re");
	char *line = NULL;
	size_t cap = 0;

	if (!fp)
		return errno == ENOENT ? 0 : -1;
	while (getline(&line, &cap, fp) > 0)
		load_line(ps, line);
	free(line);
	fclose(fp);
	return 0;
}

int sim_params_init(struct sim_params *ps, const char *state_path,
		    unsigned int ca_max)
{
	memset(ps, 0, sizeof(*ps));
	ps->p = calloc(N_PARAMS, sizeof(*ps->p));
	if (!ps->p)
		return -1;
	ps->n = N_PARAMS;
	ps->state_path = state_path;
	ps->ca_max = ca_max;
	for (size_t i = 0; i < N_PARAMS; i++)
		ps->p[i].def = &param_defs[i];
	if (state_path && params_load(ps)) {
		sim_err("state %s: %s", state_path, strerror(errno));
		return -1;
	}
	return 0;
}

void sim_params_end_session(struct sim_params *ps)
{
	for (size_t i = 0; i < ps->n; i++) {
		free(ps->p[i].temp);
		ps->p[i].temp = NULL;
	}
}

void sim_params_factory(struct sim_params *ps)
{
	sim_params_end_session(ps);
	for (size_t i = 0; i < ps->n; i++) {
		free(ps->p[i].value);
		ps->p[i].value = NULL;
	}
}

void sim_params_free(struct sim_params *ps)
{
	sim_params_factory(ps);
	free(ps->p);
	ps->p = NULL;
}
