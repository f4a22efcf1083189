// SPDX-License-Identifier: GPL-2.0-only
// SPDX-FileCopyrightText: 2026 The ichip authors
/*
 * Files that must survive a crash: the persisted CA copy and the keys
 * and certificates pki.c writes.  Written to a temp file, fsync'ed,
 * renamed (or linked, to refuse replacing), the directory fsync'ed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ca-store.h"
#include "ca.h"

/* The directory part of @path, for fsync after rename/unlink. */
static int fsync_parent(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir;
	int fd, ret = 0;

	if (!slash)
		dir = strdup(".");
	else
		dir = strndup(path, slash == path ? 1 : (size_t)(slash - path));
	if (!dir)
		return -ENOMEM;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(dir);
	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

static int write_all(int fd, const void *data, size_t len)
{
	const char *p = data;
	ssize_t n;

	while (len) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Fill a fresh temp file; mkostemp() creates it 0600 (key-safe). */
static int write_temp(char *tmp, const void *data, size_t len, mode_t mode)
{
	int fd = mkostemp(tmp, O_CLOEXEC), ret;

	if (fd < 0)
		return -errno;
	ret = mode == 0600 ? 0 : (fchmod(fd, mode) < 0 ? -errno : 0);
	if (!ret)
		ret = write_all(fd, data, len);
	if (!ret && fsync(fd) < 0)
		ret = -errno;
	if (close(fd) < 0 && !ret)
		ret = -errno;
	if (ret)
		unlink(tmp);
	return ret;
}

int ca_file_write(const char *path, const void *data, size_t len,
		  mode_t mode, bool replace)
{
	char *tmp;
	int ret;

	if (asprintf(&tmp, "%s.tmp.XXXXXX", path) < 0)
		return -ENOMEM;
	ret = write_temp(tmp, data, len, mode);
	if (ret)
		goto out;
	/* link(2) refuses an existing target atomically; rename replaces. */
	if (replace)
		ret = rename(tmp, path) < 0 ? -errno : 0;
	else
		ret = link(tmp, path) < 0 ? -errno : 0;
	if (ret || !replace)
		unlink(tmp);
	if (!ret)
		ret = fsync_parent(path);
out:
	free(tmp);
	return ret;
}

static int read_fd(int fd, size_t max, char **data, size_t *len)
{
	struct stat st;
	size_t cap, used = 0;
	ssize_t n = 0;
	char *buf;
	int ret;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	if ((uintmax_t)st.st_size > max)
		return -EFBIG;
	cap = (size_t)st.st_size + 1;	/* + 1: notice a growing file */
	buf = malloc(cap + 1);
	if (!buf)
		return -ENOMEM;
	while (used < cap) {
		n = read(fd, buf + used, cap - used);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		used += (size_t)n;
	}
	if (n < 0 || used == cap) {
		ret = n < 0 ? -errno : -EAGAIN;	/* growing under us */
		free(buf);
		return ret;
	}
	buf[used] = '\0';
	*data = buf;
	*len = used;
	return 0;
}

int ca_file_read(const char *path, size_t max, char **data, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY), ret;

	if (fd < 0)
		return -errno;
	ret = read_fd(fd, max, data, len);
	close(fd);
	return ret;
}

int ca_store_write(const char *path, const struct ca_cert *c)
{
	return ca_file_write(path, ca_pem(c), ca_pem_len(c), 0600, true);
}

int ca_store_read(const char *path, ca_load_fn load, struct ca_cert **out)
{
	size_t len;
	char *buf;
	int ret;

	*out = NULL;
	ret = ca_file_read(path, CA_INPUT_MAX, &buf, &len);
	if (ret)
		return ret;
	ret = load(buf, len, out);
	free(buf);
	return ret;
}

int ca_store_remove(const char *path)
{
	if (unlink(path) < 0)
		return errno == ENOENT ? 0 : -errno;
	return fsync_parent(path);
}
