// SPDX-License-Identifier: GPL-2.0-only
// SPDX-FileCopyrightText: 2026 The ichip authors
/*
 * ichipd's side of the TLS worker (tls-worker-proto.h): starting it
 * without capabilities, the synchronous request/answer, and noticing its
 * death.  A request is bounded work in the worker, as it was inline
 * before, so waiting for the answer keeps the event loop's latency as
 * it was.  A worker that dies (or does not answer within
 * TLS_WORKER_TIMEOUT_MS) takes its sessions with it: they end with
 * reason worker-crashed, the devices and every other session stay, and
 * the next host-tls session starts a new worker.
 *
 * With no session of its own for TLS_WORKER_IDLE_US the worker is
 * stopped: an idle ichipd is then ichipd alone (the worker's heap, with
 * the parsed system trust store, is more than ichipd's whole private
 * memory; issue 16, bench target 4).  The next request starts one again;
 * the session tickets are ichipd's (tls-tickets.c), so resumption
 * survives that.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "manager.h"
#include "session.h"
#include "tls-client.h"

#define TLS_WORKER_TIMEOUT_MS	10000
#define TLS_WORKER_IDLE_US	(10 * 1000000ULL)
#define WORKER_NAME		"ichip-tls-worker"
#define NOBODY			65534	/* the worker's uid when ichipd is root */

static struct {
	struct manager *m;
	int fd;
	pid_t pid;
	unsigned int gen;		/* which worker a session's id is of */
	uint64_t next_sid;
	sd_event_source *hup;
	sd_event_source *crash_defer;
	sd_event_source *idle;
	unsigned int sessions;		/* WK_NEW done, WK_FREE not yet */
	uint8_t req[WK_MSG_MAX];
	uint8_t ans[2 * WK_MSG_MAX + 4096];
} w = { .fd = -1 };

static void worker_path(char *out, size_t len)
{
	char self[PATH_MAX], *slash;
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	/* next to ichipd (the build tree), else where it is installed */
	if (n > 0) {
		self[n] = '\0';
		slash = strrchr(self, '/');
		if (slash && (size_t)(slash - self) + sizeof(WORKER_NAME) + 1 <
			     len) {
			memcpy(out, self, (size_t)(slash - self) + 1);
			strcpy(out + (slash - self) + 1, WORKER_NAME);
			if (!access(out, X_OK))
				return;
		}
	}
	snprintf(out, len, "%s/" WORKER_NAME, ICHIP_LIBEXECDIR);
}

/* In the child, between fork and exec: nothing that allocates. */
static void child_exec(int fd, const char *path)
{
	char *const argv[] = { WORKER_NAME, NULL };
	sigset_t none;
	int exe;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	if ((fd == 3 ? fcntl(3, F_SETFD, 0) : dup2(fd, 3)) < 0)
		_exit(127);
	/* the tty, netlink and bus fds stay with ichipd */
	syscall(SYS_close_range, 4U, ~0U, 0U);
	/* ambient capabilities would survive exec: CAP_NET_ADMIN stays here */
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	/*
	 * Opened while still root: nobody may not be able to reach it (a
	 * build tree under /root, mode 0700); the file itself is 0755, and
	 * fexecve checks only that.
	 */
	exe = open(path, O_RDONLY | O_CLOEXEC);
	if (exe < 0)
		_exit(127);
	if (geteuid() == 0 && (setgroups(0, NULL) || setgid(NOBODY) ||
			       setuid(NOBODY)))
		_exit(127);
	fexecve(exe, argv, environ);
	_exit(127);
}

static void worker_stop(void)
{
	if (w.fd >= 0)
		close(w.fd);
	w.fd = -1;
	w.sessions = 0;
	w.hup = sd_event_source_disable_unref(w.hup);
	if (w.pid > 0) {
		kill(w.pid, SIGKILL);
		waitpid(w.pid, NULL, 0);
	}
	w.pid = 0;
}

static int on_crash_defer(sd_event_source *src, void *userdata)
{
	w.crash_defer = sd_event_source_disable_unref(w.crash_defer);
	sessions_tls_worker_crashed(w.m);
	return 0;
}

/*
 * The worker is gone: its sessions end, but not from inside whatever
 * request noticed it (the caller may be walking a session list).
 */
static void worker_lost(const char *why)
{
	int status = 0;

	log_error("TLS worker: %s", why);
	/*
	 * Its socket closes while it exits, maybe before it can be reaped:
	 * wait for it (SIGKILL first, for a hung one; one that is exiting
	 * keeps its own status).
	 */
	if (w.pid > 0) {
		kill(w.pid, SIGKILL);
		if (waitpid(w.pid, &status, 0) == w.pid) {
			if (WIFSIGNALED(status))
				log_error("TLS worker killed by signal %d (%s)",
					  WTERMSIG(status),
					  strsignal(WTERMSIG(status)));
			else
				log_error("TLS worker exited with status %d",
					  WEXITSTATUS(status));
		}
		w.pid = 0;
	}
	worker_stop();
	w.gen++;
	if (!w.crash_defer)
		sd_event_add_defer(w.m->event, &w.crash_defer, on_crash_defer,
				   NULL);
}

static int on_hup(sd_event_source *src, int fd, uint32_t events, void *ud)
{
	uint8_t b;

	/* between requests the worker sends nothing: this is its end */
	if (recv(fd, &b, 1, MSG_PEEK | MSG_DONTWAIT) <= 0 || events & EPOLLHUP)
		worker_lost("it went away");
	return 0;
}

static int worker_start(void)
{
	const struct timeval timeout = {
		.tv_sec = TLS_WORKER_TIMEOUT_MS / 1000,
		.tv_usec = TLS_WORKER_TIMEOUT_MS % 1000 * 1000,
	};
	char path[PATH_MAX];
	int sv[2];
	pid_t pid;

	worker_path(path, sizeof(path));
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		close(sv[0]);
		close(sv[1]);
		return -errno;
	}
	if (pid == 0)
		child_exec(sv[1], path);
	close(sv[1]);
	w.fd = sv[0];
	w.pid = pid;
	/* an answer not here in time: the worker hangs (tls_call) */
	if (setsockopt(w.fd, SOL_SOCKET, SO_RCVTIMEO, &timeout,
		       sizeof(timeout)) < 0) {
		int err = errno;

		worker_stop();
		return -err;
	}
	if (sd_event_add_io(w.m->event, &w.hup, w.fd, EPOLLIN, on_hup,
			    NULL) < 0) {
		worker_stop();
		return -ENOMEM;
	}
	log_info("TLS worker started: %s, pid %d", path, (int)pid);
	return 0;
}

void tls_worker_setup(struct manager *m)
{
	w.m = m;
	w.gen = 1;
}

void tls_worker_shutdown(void)
{
	w.crash_defer = sd_event_source_disable_unref(w.crash_defer);
	w.idle = sd_event_source_disable_unref(w.idle);
	worker_stop();
}

pid_t tls_worker_pid(void)
{
	return w.pid;
}

/* ---- requests ----------------------------------------------------------- */

void tls_req_init(struct tls_req *r, uint32_t op, const struct session *s)
{
	memset(&r->h, 0, sizeof(r->h));
	r->h.op = op;
	r->h.sid = s ? s->tls_sid : 0;
	r->off = sizeof(r->h);
	r->failed = false;
}

void tls_req_put(struct tls_req *r, const void *p, size_t n)
{
	if (wk_put(w.req, sizeof(w.req), &r->off, p, n) < 0)
		r->failed = true;
}

static bool alive_for(const struct session *s)
{
	return w.fd >= 0 && (!s || s->tls_gen == w.gen);
}

/*
 * Send @r; for all but WK_FREE wait for the answer, left in *ans.
 * -EPIPE when the worker is gone (or was replaced since @s began).
 */
static int on_idle(sd_event_source *src, uint64_t usec, void *userdata)
{
	if (w.sessions || w.fd < 0)
		return 0;
	log_info("TLS worker stopped: no session for %llu s",
		 (unsigned long long)(TLS_WORKER_IDLE_US / 1000000));
	worker_stop();
	w.gen++;	/* no session holds an id of it: none goes stale */
	malloc_trim(0);	/* what its requests left in the heap goes back */
	return 0;
}

/* Count the worker's sessions; without any, stop it after a while. */
static void count_sessions(const struct tls_req *r, const struct tls_ans *a)
{
	uint64_t now;

	if (r->h.op == WK_NEW && a && a->h.status >= 0)
		w.sessions++;
	else if (r->h.op == WK_FREE && w.sessions)
		w.sessions--;
	if (w.sessions || w.fd < 0)
		return;
	if (!w.idle &&
	    sd_event_add_time(w.m->event, &w.idle, CLOCK_MONOTONIC,
			      UINT64_MAX, 1000000, on_idle, NULL) < 0)
		return;
	sd_event_now(w.m->event, CLOCK_MONOTONIC, &now);
	sd_event_source_set_time(w.idle, now + TLS_WORKER_IDLE_US);
	sd_event_source_set_enabled(w.idle, SD_EVENT_ONESHOT);
}

int tls_call(struct tls_req *r, const struct session *s,
	     struct tls_ans *ans)
{
	ssize_t n;
	int rc;

	if (r->failed)
		return -EMSGSIZE;
	if (!s && w.fd < 0 && (rc = worker_start()) < 0)
		return rc;
	if (!alive_for(s))
		return -EPIPE;
	memcpy(w.req, &r->h, sizeof(r->h));
	if (send(w.fd, w.req, r->off, MSG_NOSIGNAL) < 0) {
		worker_lost(strerror(errno));
		return -EPIPE;
	}
	if (r->h.op == WK_FREE) {
		count_sessions(r, NULL);
		return 0;
	}
	/* blocking, SO_RCVTIMEO bounds it: no poll() per request (issue 16) */
	do {
		n = recv(w.fd, w.ans, sizeof(w.ans), 0);
	} while (n < 0 && errno == EINTR);
	if (n < (ssize_t)sizeof(ans->h)) {
		worker_lost(n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) ?
			    "no answer in time" : "it went away");
		return -EPIPE;
	}
	memcpy(&ans->h, w.ans, sizeof(ans->h));
	if (ans->h.op != r->h.op || ans->h.sid != r->h.sid) {
		worker_lost("an answer to another request");
		return -EPIPE;
	}
	ans->msg = w.ans;
	ans->len = (size_t)n;
	ans->off = sizeof(ans->h);
	count_sessions(r, ans);
	return 0;
}

int tls_ans_get(struct tls_ans *a, const uint8_t **p, size_t *n)
{
	return wk_get(a->msg, a->len, &a->off, p, n);
}

uint64_t tls_new_sid(unsigned int *gen)
{
	*gen = w.gen;
	return ++w.next_sid;
}

unsigned int tls_worker_gen(void)
{
	return w.gen;
}
