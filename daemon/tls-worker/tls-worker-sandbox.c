// SPDX-License-Identifier: GPL-2.0-only
// SPDX-FileCopyrightText: 2026 The ichip authors
/*
 * The TLS worker's sandbox, entered once GnuTLS is initialised and the
 * system trust store is read: no capabilities (none can come back:
 * no_new_privs), and a seccomp filter that allows only what serving
 * requests on the inherited socket needs.  No open(), no socket(), no
 * exec: whatever a malicious server makes of the worker, it reaches no
 * file, no network and no other process; a forbidden call kills it, and
 * ichipd ends its sessions (worker-crashed) and starts a new one.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <linux/capability.h>
#include <seccomp.h>
#include <sys/syscall.h>
#include <unistd.h>

int tls_worker_sandbox(void);

static int drop_capabilities(void)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct d[2];

	/* ichipd cleared the ambient set before exec; again, to be sure */
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	/*
	 * Started by a non-root ichipd, exec left no effective or permitted
	 * capability.  Under ichipd.service the inheritable set still holds
	 * CAP_NET_ADMIN (systemd puts ambient capabilities there too) and
	 * capset() is refused (the unit filters @privileged), so capset is
	 * only called when something usable is left: an inheritable bit
	 * alone grants nothing without file capabilities, and with
	 * NO_NEW_PRIVS and no execve (seccomp below) none can come.
	 */
	if (syscall(SYS_capget, &h, d) < 0)
		return -errno;
	if (d[0].effective || d[0].permitted ||
	    d[1].effective || d[1].permitted) {
		memset(d, 0, sizeof(d));
		if (syscall(SYS_capset, &h, d) < 0)
			return -errno;
	}
	return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ? -errno : 0;
}

static const int allowed[] = {
	/* the request socket */
	SCMP_SYS(read), SCMP_SYS(write), SCMP_SYS(recvfrom),
	SCMP_SYS(sendto), SCMP_SYS(recvmsg), SCMP_SYS(sendmsg),
	/* memory */
	SCMP_SYS(brk), SCMP_SYS(mmap), SCMP_SYS(munmap), SCMP_SYS(mremap),
	SCMP_SYS(madvise),
	/* GnuTLS: randomness, time, locks, its fork check */
	SCMP_SYS(getrandom), SCMP_SYS(clock_gettime), SCMP_SYS(gettimeofday),
	SCMP_SYS(time),
	SCMP_SYS(futex), SCMP_SYS(getpid),
	/* leaving */
	SCMP_SYS(exit), SCMP_SYS(exit_group), SCMP_SYS(rt_sigreturn),
	SCMP_SYS(close),
};

int tls_worker_sandbox(void)
{
	scmp_filter_ctx ctx;
	size_t i;
	int r;

	r = drop_capabilities();
	if (r < 0) {
		fprintf(stderr, "ichip-tls-worker: dropping capabilities: %s\n",
			strerror(-r));
		return r;
	}
	/*
	 * API level 1: load through prctl(PR_SET_SECCOMP); ichipd.service
	 * allows prctl but not the seccomp() syscall (not in @system-service).
	 */
	seccomp_api_set(1);
	/* the worker has one thread: killing it kills the process */
	ctx = seccomp_init(SCMP_ACT_KILL);
	if (!ctx)
		return -ENOMEM;
	for (i = 0, r = 0; r == 0 && i < sizeof(allowed) / sizeof(allowed[0]);
	     i++)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, allowed[i], 0);
	if (r == 0)
		r = seccomp_load(ctx);
	seccomp_release(ctx);
	if (r < 0)
		fprintf(stderr, "ichip-tls-worker: seccomp: %s\n",
			strerror(-r));
	return r;
}
