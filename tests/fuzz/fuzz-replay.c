// SPDX-License-Identifier: GPL-2.0-only
// SPDX-FileCopyrightText: 2026 The ichip authors
/*
 * Without libFuzzer (gcc builds), replay corpus files or directories
 * through a fuzz target, so the seeds run as a regression test everywhere.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(const char *path)
{
	static uint8_t buf[1 << 20];
	FILE *fp = fopen(path, "rb");
	size_t n;

	if (!fp) {
		perror(path);
		return -1;
	}
	n = fread(buf, 1, sizeof(buf), fp);
	fclose(fp);
	LLVMFuzzerTestOneInput(buf, n);
	return 1;
}

static int replay(const char *path)
{
	DIR *dir = opendir(path);
	struct dirent *de;
	char sub[4096];
	int count = 0, r;

	if (!dir)
		return replay_file(path);
	while ((de = readdir(dir))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
		r = replay_file(sub);
		if (r < 0) {
			closedir(dir);
			return r;
		}
		count += r;
	}
	closedir(dir);
	return count;
}

int main(int argc, char **argv)
{
	int i, total = 0, r;

	for (i = 1; i < argc; i++) {
		r = replay(argv[i]);
		if (r < 0)
			return 1;
		total += r;
	}
	printf("replayed %d inputs\n", total);
	return total ? 0 : 1;
}
