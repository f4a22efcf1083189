/* SPDX-License-Identifier: GPL-2.0-only */
/* SPDX-FileCopyrightText: 2026 The ichip authors */
/* The scripted module peer on a pty master, shared by the selftests. */
#ifndef ICHIP_PEER_H
#define ICHIP_PEER_H

#include <stddef.h>
#include <sys/types.h>

#ifndef N_ICHIP
#define N_ICHIP 29	/* N_DEVELOPMENT, the module's default */
#endif

/* A pty pair: master non-blocking (the peer), slave for the ldisc. */
int open_pty(int *master, int *slave, char *name, size_t name_len);
/* TIOCSETD to n_ichip / back to N_TTY; 0 or negative errno. */
int attach(int slave);
int detach(int slave);
/* Read up to exactly @n bytes, giving up after @timeout_ms of silence. */
ssize_t peer_read(int fd, void *buf, size_t n, int timeout_ms);
/* Did the host send exactly @want (within 3 s)? */
int peer_expect(int fd, const void *want, size_t n);
int peer_write(int fd, const void *buf, size_t n);
/* Nothing at all arrives at the peer within @ms. */
int peer_silent(int fd, int ms);
/* Become nobody/nogroup (exit 99 on failure). */
void drop_privileges(void);

#define PEER_SAYS(fd, s) peer_write(fd, s, sizeof(s) - 1)
#define PEER_HEARS(fd, s) peer_expect(fd, s, sizeof(s) - 1)

#endif /* ICHIP_PEER_H */
