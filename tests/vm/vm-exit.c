/* SPDX-License-Identifier: GPL-2.0-only */
/* SPDX-FileCopyrightText: 2026 The ichip authors */
/*
 * vm-exit CODE - end the test VM with an exit status the host can read.
 *
 * Writes CODE (0..127) to QEMU's isa-debug-exit device (run-vm.sh puts it
 * at I/O port 0xf4), which makes qemu-system-x86_64 exit at once with
 * status (CODE << 1) | 1.  Debian's cloud kernel has no /dev/port, so this
 * uses ioperm() + outb() instead; it must run as root, and is linked
 * statically so it needs nothing from the initramfs.
 *
 * Build: gcc -O2 -static -Wall -Wextra -o vm-exit vm-exit.c
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/io.h>

#define DEBUG_EXIT_PORT 0xf4

int main(int argc, char **argv)
{
	char *end;
	long code;

	if (argc != 2) {
		fprintf(stderr, "usage: vm-exit CODE (0..127)\n");
		return 2;
	}
	errno = 0;
	code = strtol(argv[1], &end, 10);
	if (errno || *end || end == argv[1] || code < 0 || code > 127) {
		fprintf(stderr, "vm-exit: bad code '%s'\n", argv[1]);
		return 2;
	}
	if (ioperm(DEBUG_EXIT_PORT, 1, 1)) {
		fprintf(stderr, "vm-exit: ioperm: %s\n", strerror(errno));
		return 1;
	}
	outb((unsigned char)code, DEBUG_EXIT_PORT);
	/* Only reached when QEMU has no isa-debug-exit device. */
	fprintf(stderr, "vm-exit: no isa-debug-exit device at 0x%x\n", DEBUG_EXIT_PORT);
	return 1;
}
