// SPDX-License-Identifier: GPL-2.0
/*
 * guest_channel: /dev/utrace-channel, engines a user-space monitor answers
 * for (<linux/utrace_channel.h>).
 *
 * Each case forks a child that waits on a pipe, attaches a channel engine
 * to it, lets it go, and answers its events as a monitor would: a
 * virtualized getpid, changed arguments and results, the child's memory
 * read and rewritten, the close and SIGKILL letting waiting tasks go,
 * refused replies and attaches, and the order among other engines.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/audit.h>
#include <linux/utrace.h>
#include <linux/utrace_channel.h>
#include "cgroup.h"
#include "ktap.h"
#include "ptrace.h"
#include "regs.h"
#include "utrace_test_dev.h"

/* How long a monitor loop waits for a child, at most (a debug TCG guest). */
#define SERVE_SECONDS 60

static int chan_open(void)
{
	return open("/dev/utrace-channel", O_RDWR | O_CLOEXEC);
}

static int chan_attach(int fd, pid_t pid, unsigned int events)
{
	struct utrace_channel_attach a = { .pid = pid, .events = events };

	return ioctl(fd, UTRACE_CHANNEL_ATTACH, &a);
}

/* One event within @ms milliseconds: 1, or 0 if none came. */
static int next_event(int fd, struct utrace_channel_event *ev, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	if (poll(&p, 1, ms) <= 0)
		return 0;
	return read(fd, ev, sizeof(*ev)) == sizeof(*ev);
}

/* Writes one reply: 0, or -errno. */
static int answer(int fd, const struct utrace_channel_reply *r)
{
	return write(fd, r, sizeof(*r)) == sizeof(*r) ? 0 : -errno;
}

/* A child stopped on a pipe until go() lets it run @body. */
struct child {
	pid_t pid;
	int go;
};

static struct child spawn(int (*body)(void))
{
	struct child c = { -1, -1 };
	int p[2];

	if (pipe2(p, O_CLOEXEC))
		return c;
	c.pid = fork();
	if (c.pid == 0) {
		char x;

		close(p[1]);
		if (read(p[0], &x, 1) != 1)
			_exit(100);
		_exit(body());
	}
	close(p[0]);
	c.go = p[1];
	return c;
}

static void go(struct child *c)
{
	if (write(c->go, "g", 1) != 1)
		KTAP_DIAG("could not let the child go: %s", strerror(errno));
	close(c->go);
	c->go = -1;
}

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

typedef void (*policy_t)(int fd, const struct utrace_channel_event *ev,
			 struct utrace_channel_reply *r);

static int events_seen;

/*
 * Answers the events of @c with @policy (each reply starts as a plain
 * CONTINUE; no policy: every event continues; a policy that answered the
 * event itself sets the reply's id to 0) until the child exits; returns
 * its wait status, or -1 if it did not exit in time (it is killed then).
 */
static int serve(int fd, struct child *c, policy_t policy)
{
	double end = now() + SERVE_SECONDS;
	int st;

	events_seen = 0;
	while (now() < end) {
		struct utrace_channel_event ev;

		if (next_event(fd, &ev, 20)) {
			struct utrace_channel_reply r = { .id = ev.id };
			int err;

			events_seen++;
			if (policy)
				policy(fd, &ev, &r);
			/* A policy that answered the event itself clears the id. */
			if (!r.id)
				continue;
			err = answer(fd, &r);
			CHECK(err == 0, "reply to nr %lld: %s", (long long)ev.nr, strerror(-err));
			continue;
		}
		if (waitpid(c->pid, &st, WNOHANG) == c->pid)
			return st;
	}
	KTAP_DIAG("child %d did not exit in %d s", c->pid, SERVE_SECONDS);
	kill(c->pid, SIGKILL);
	waitpid(c->pid, &st, 0);
	return -1;
}

static int exited_with(int st, int code)
{
	return st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == code;
}

/* --- a virtualized getpid --------------------------------------------- */

static pid_t seen_pid, seen_tid;
static unsigned int seen_arch;
static int seen_getppid;

static pid_t monitor_pid;	/* the test's own pid, the children's parent */

static int getpid_twice(void)
{
	long a = syscall(SYS_getpid), b = syscall(SYS_getppid);

	return (a == 4242 ? 0 : 1) | (b == monitor_pid ? 0 : 2);
}

static void virtual_getpid(int fd, const struct utrace_channel_event *ev,
			   struct utrace_channel_reply *r)
{
	(void)fd;
	if (ev->kind != UTRACE_CHANNEL_SYSCALL_ENTRY)
		return;
	if (ev->nr == SYS_getpid) {
		r->action = UTRACE_CHANNEL_ABORT;
		r->result = 4242;
	}
	if (ev->nr == SYS_getppid) {
		seen_getppid++;
		seen_pid = ev->pid;
		seen_tid = ev->tid;
		seen_arch = ev->arch;
	}
}

static void getpid_is_virtualized_and_getppid_passes(void)
{
	int fd = chan_open(), st, n;
	struct child c;

	CHECK(fd >= 0, "open /dev/utrace-channel: %s", strerror(errno));
	if (fd < 0)
		return;
	monitor_pid = getpid();
	c = spawn(getpid_twice);
	n = chan_attach(fd, c.pid, UTRACE_CHANNEL_ENTRY);
	CHECK(n >= 0, "attach: %s", strerror(errno));
	go(&c);
	seen_getppid = 0;
	st = serve(fd, &c, virtual_getpid);
	CHECK(exited_with(st, 0), "the child's status %#x (1: getpid not 4242, 2: getppid changed)",
	      st);
	CHECK(seen_getppid == 1, "getppid entries seen: %d", seen_getppid);
	CHECK(seen_pid == c.pid && seen_tid == c.pid, "the event's pid %d tid %d, child %d",
	      seen_pid, seen_tid, c.pid);
	CHECK(seen_arch == REGS_AUDIT_ARCH, "arch %#x", seen_arch);
	/* read's return, getpid, getppid, exit_group at least. */
	CHECK(events_seen >= 3, "%d events", events_seen);
	close(fd);
}

/* --- arguments and results changed ------------------------------------ */

static int out_pipe[2];

static int write_and_getppid(void)
{
	long w = syscall(SYS_write, out_pipe[1], "hello", 5);
	long p = syscall(SYS_getppid);

	return (w == 2 ? 0 : 1) | (p == 777 ? 0 : 2);
}

static int exits_seen, aborted_seen;

static void change_things(int fd, const struct utrace_channel_event *ev,
			  struct utrace_channel_reply *r)
{
	(void)fd;
	if (ev->kind == UTRACE_CHANNEL_SYSCALL_ENTRY) {
		if (ev->nr == SYS_write && (int)ev->args[0] == out_pipe[1]) {
			memcpy(r->args, ev->args, sizeof(r->args));
			r->args[2] = 2;
			r->flags = UTRACE_CHANNEL_SET_ARGS;
		}
		if (ev->nr == SYS_getppid)
			r->flags = UTRACE_CHANNEL_WANT_EXIT;
		return;
	}
	exits_seen++;
	if (ev->flags & UTRACE_CHANNEL_ABORTED)
		aborted_seen++;
	if (ev->nr == SYS_getppid && ev->result == getpid()) {
		r->flags = UTRACE_CHANNEL_SET_RESULT;
		r->result = 777;
	}
}

static void arguments_and_results_are_changed(void)
{
	int fd = chan_open(), st;
	char buf[16] = { 0 };
	struct child c;

	if (pipe2(out_pipe, O_NONBLOCK)) {
		CHECK(0, "pipe: %s", strerror(errno));
		return;
	}
	c = spawn(write_and_getppid);
	CHECK(chan_attach(fd, c.pid, UTRACE_CHANNEL_ENTRY) >= 0, "attach: %s", strerror(errno));
	go(&c);
	exits_seen = aborted_seen = 0;
	st = serve(fd, &c, change_things);
	CHECK(exited_with(st, 0), "the child's status %#x (1: write not cut to 2, 2: getppid not 777)",
	      st);
	CHECK(read(out_pipe[0], buf, sizeof(buf)) == 2 && !memcmp(buf, "he", 2),
	      "the pipe holds \"%s\"", buf);
	/* Only the exit WANT_EXIT asked for: no UTRACE_CHANNEL_EXIT. */
	CHECK(exits_seen == 1 && aborted_seen == 0, "%d exits, %d aborted", exits_seen,
	      aborted_seen);
	close(out_pipe[0]);
	close(out_pipe[1]);
	close(fd);
}

/* --- every exit, and an aborted call's ----------------------------------- */

static int abort_getuid(void)
{
	errno = 0;
	return syscall(SYS_getuid) == -1 && errno == EPERM ? 0 : 1;
}

static void abort_getuid_policy(int fd, const struct utrace_channel_event *ev,
				struct utrace_channel_reply *r)
{
	(void)fd;
	if (ev->kind == UTRACE_CHANNEL_SYSCALL_ENTRY && ev->nr == SYS_getuid) {
		r->action = UTRACE_CHANNEL_ABORT;
		r->result = -EPERM;
	}
	if (ev->kind == UTRACE_CHANNEL_SYSCALL_EXIT) {
		exits_seen++;
		if (ev->nr == SYS_getuid && (ev->flags & UTRACE_CHANNEL_ABORTED) &&
		    ev->result == -EPERM)
			aborted_seen++;
	}
}

static void every_exit_and_the_aborted_one(void)
{
	int fd = chan_open(), st;
	struct child c = spawn(abort_getuid);

	CHECK(chan_attach(fd, c.pid, UTRACE_CHANNEL_ENTRY | UTRACE_CHANNEL_EXIT) >= 0,
	      "attach: %s", strerror(errno));
	go(&c);
	exits_seen = aborted_seen = 0;
	st = serve(fd, &c, abort_getuid_policy);
	CHECK(exited_with(st, 0), "the child's status %#x", st);
	/* read's exit (it was waiting), getuid's; exit_group has none. */
	CHECK(exits_seen >= 2 && aborted_seen == 1, "%d exits, %d aborted getuid", exits_seen,
	      aborted_seen);
	close(fd);
}

/* --- the waiting task's memory ---------------------------------------- */

static char child_path[64] = "/no/such/file";

static int open_the_path(void)
{
	long fd = syscall(SYS_openat, AT_FDCWD, child_path, O_RDONLY);

	return fd >= 0 ? 0 : 1;
}

static int mem(int fd, __u64 id, __u32 op, __u64 addr, void *buf, __u64 len)
{
	struct utrace_channel_mem m = {
		.id = id, .op = op, .addr = addr, .buf = (unsigned long)buf, .len = len,
	};

	return ioctl(fd, UTRACE_CHANNEL_MEM, &m);
}

static int mem_checked;

static void rewrite_the_path(int fd, const struct utrace_channel_event *ev,
			     struct utrace_channel_reply *r)
{
	char s[64] = { 0 }, four[4];
	struct utrace_channel_mem bad = { .id = ev->id, .op = UTRACE_CHANNEL_MEM_READ, .reserved = 1 };
	int n;

	(void)r;
	if (ev->kind != UTRACE_CHANNEL_SYSCALL_ENTRY || ev->nr != SYS_openat)
		return;
	mem_checked = 1;
	n = mem(fd, ev->id, UTRACE_CHANNEL_MEM_STRING, ev->args[1], s, sizeof(s));
	CHECK(n == 14 && !strcmp(s, "/no/such/file"), "STRING: %d \"%s\"", n, s);
	n = mem(fd, ev->id, UTRACE_CHANNEL_MEM_STRING, ev->args[1], s, 3);
	CHECK(n == 3, "STRING of 3: %d", n);
	n = mem(fd, ev->id, UTRACE_CHANNEL_MEM_READ, ev->args[1], four, 4);
	CHECK(n == 4 && !memcmp(four, "/no/", 4), "READ: %d", n);
	n = mem(fd, ev->id, UTRACE_CHANNEL_MEM_WRITE, ev->args[1], "/dev/null", 10);
	CHECK(n == 10, "WRITE: %d (%s)", n, strerror(errno));
	/* Errors, none of which changes anything. */
	CHECK_ERRNO(mem(fd, ev->id + (1 << 16), UTRACE_CHANNEL_MEM_READ, ev->args[1], s, 4),
		    ENOENT);
	CHECK_ERRNO(mem(fd, ev->id, 9, ev->args[1], s, 4), EINVAL);
	CHECK_ERRNO(ioctl(fd, UTRACE_CHANNEL_MEM, &bad), EINVAL);
	CHECK_ERRNO(mem(fd, ev->id, UTRACE_CHANNEL_MEM_READ, ev->args[1], s, (1 << 20) + 1),
		    EINVAL);
	CHECK_ERRNO(mem(fd, ev->id, UTRACE_CHANNEL_MEM_READ, ev->args[1], (void *)8, 4), EFAULT);
	CHECK_ERRNO(mem(fd, ev->id, UTRACE_CHANNEL_MEM_READ, 16, s, 4), EIO);
	CHECK_ERRNO(ioctl(fd, UTRACE_CHANNEL_MEM, (void *)8), EFAULT);
}

static void the_waiting_task_s_memory(void)
{
	int fd = chan_open(), st;
	struct child c = spawn(open_the_path);

	CHECK(chan_attach(fd, c.pid, UTRACE_CHANNEL_ENTRY) >= 0, "attach: %s", strerror(errno));
	go(&c);
	mem_checked = 0;
	st = serve(fd, &c, rewrite_the_path);
	CHECK(mem_checked, "no openat event");
	CHECK(exited_with(st, 0), "the child's status %#x (1: the path was not rewritten)", st);
	close(fd);
}

/* --- letting waiting tasks go ----------------------------------------- */

static int getpid_result(void)
{
	long r;

	errno = 0;
	r = syscall(SYS_getpid);
	return r == -1 && errno == ENOSYS ? 1 : r == getpid() ? 0 : 2;
}

/*
 * Reads events of @fd, continuing the others, until an entry of call @nr
 * (left waiting, in *@ev); its id, or 0.
 */
static __u64 wait_for_entry(int fd, long nr, struct utrace_channel_event *ev)
{
	double end = now() + SERVE_SECONDS;

	while (now() < end) {
		struct utrace_channel_reply r = { 0 };

		if (!next_event(fd, ev, 50))
			continue;
		if (ev->kind == UTRACE_CHANNEL_SYSCALL_ENTRY && ev->nr == nr)
			return ev->id;
		r.id = ev->id;
		CHECK(answer(fd, &r) == 0, "reply: %s", strerror(errno));
	}
	return 0;
}

/* Reads events of @fd until a getpid entry; its id, or 0. */
static __u64 wait_for_getpid(int fd)
{
	struct utrace_channel_event ev;

	return wait_for_entry(fd, SYS_getpid, &ev);
}

static int wait_status(pid_t pid, int seconds)
{
	double end = now() + seconds;
	int st;

	while (now() < end) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			return st;
		usleep(10000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	return -1;
}

static void close_lets_go(int on_close, int code)
{
	/*
	 * The child first: a child forked after the open would hold the
	 * channel's file too, and the close below would not be its last.
	 */
	struct child c = spawn(getpid_result);
	int fd = chan_open(), st;

	CHECK(ioctl(fd, UTRACE_CHANNEL_SET_ON_CLOSE, on_close) == 0, "SET_ON_CLOSE: %s",
	      strerror(errno));
	CHECK(chan_attach(fd, c.pid, UTRACE_CHANNEL_ENTRY) >= 0, "attach: %s", strerror(errno));
	CHECK_ERRNO(ioctl(fd, UTRACE_CHANNEL_SET_ON_CLOSE, UTRACE_CHANNEL_ON_CLOSE_RUN), EBUSY);
	go(&c);
	CHECK(wait_for_getpid(fd) != 0, "no getpid event");
	/* The child waits at getpid's entry: the close lets it go. */
	close(fd);
	st = wait_status(c.pid, SERVE_SECONDS);
	CHECK(exited_with(st, code), "the child's status %#x, wanted exit %d", st, code);
}

static void close_lets_waiting_tasks_run(void)
{
	close_lets_go(UTRACE_CHANNEL_ON_CLOSE_RUN, 0);
}

static void close_fails_waiting_calls_with_enosys(void)
{
	close_lets_go(UTRACE_CHANNEL_ON_CLOSE_ENOSYS, 1);
}

static void detach_lets_the_waiting_task_go(void)
{
	int fd = chan_open(), st, n;
	struct child c = spawn(getpid_result);

	n = chan_attach(fd, c.pid, UTRACE_CHANNEL_ENTRY);
	CHECK(n >= 0, "attach: %s", strerror(errno));
	go(&c);
	CHECK(wait_for_getpid(fd) != 0, "no getpid event");
	CHECK(ioctl(fd, UTRACE_CHANNEL_DETACH, n) == 0, "detach: %s", strerror(errno));
	CHECK_ERRNO(ioctl(fd, UTRACE_CHANNEL_DETACH, n), ESRCH);
	st = wait_status(c.pid, SERVE_SECONDS);
	CHECK(exited_with(st, 0), "the child's status %#x", st);
	close(fd);
}

static void sigkill_ends_a_wait(void)
{
	int fd = chan_open(), st;
	struct child c = spawn(getpid_result);
	struct utrace_channel_reply r = { 0 };
	char s[8];

	CHECK(chan_attach(fd, c.pid, UTRACE_CHANNEL_ENTRY) >= 0, "attach: %s", strerror(errno));
	go(&c);
	r.id = wait_for_getpid(fd);
	CHECK(r.id != 0, "no getpid event");
	kill(c.pid, SIGKILL);
	st = wait_status(c.pid, SERVE_SECONDS);
	CHECK(st != -1 && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "the child's status %#x",
	      st);
	/* Its event waits no more. */
	CHECK(answer(fd, &r) == -ENOENT, "a reply to the killed task's event");
	CHECK_ERRNO(mem(fd, r.id, UTRACE_CHANNEL_MEM_READ, 0x400000, s, 1), ENOENT);
	close(fd);
}

/* --- refused replies, reads and attaches ------------------------------- */

static void replies_and_reads_are_checked(void)
{
	int fd = chan_open(), st;
	struct child c = spawn(getpid_result);
	struct utrace_channel_reply r[2] = { { 0 } };
	struct utrace_channel_event ev[2];
	char small[8];

	CHECK_ERRNO(read(fd, small, sizeof(small)), EINVAL);
	fcntl(fd, F_SETFL, O_NONBLOCK);
	CHECK_ERRNO(read(fd, ev, sizeof(ev)), EAGAIN);
	fcntl(fd, F_SETFL, 0);
	CHECK_ERRNO(lseek(fd, 0, SEEK_SET), ESPIPE);
	CHECK(chan_attach(fd, c.pid, UTRACE_CHANNEL_ENTRY) >= 0, "attach: %s", strerror(errno));
	go(&c);
	r[0].id = wait_for_getpid(fd);
	CHECK(r[0].id != 0, "no getpid event");
	/* Each refused, the event still waiting. */
	r[0].action = 2;
	CHECK(answer(fd, &r[0]) == -EINVAL, "unknown action");
	r[0].action = UTRACE_CHANNEL_CONTINUE;
	r[0].flags = UTRACE_CHANNEL_SET_RESULT;
	CHECK(answer(fd, &r[0]) == -EINVAL, "a result at entry");
	r[0].flags = 1 << 9;
	CHECK(answer(fd, &r[0]) == -EINVAL, "an unknown flag");
	r[0].flags = 0;
	r[0].id += 1 << 16;
	CHECK(answer(fd, &r[0]) == -ENOENT, "another id");
	r[0].id -= 1 << 16;
	CHECK_ERRNO(write(fd, r, sizeof(r[0]) - 1), EINVAL);
	CHECK_ERRNO(syscall(SYS_write, fd, 8L, sizeof(r[0])), EFAULT);
	/* Two replies: the first taken, the second (the same id) refused. */
	r[1] = r[0];
	r[0].action = UTRACE_CHANNEL_ABORT;
	r[0].result = 55;
	CHECK(write(fd, r, sizeof(r)) == sizeof(r[0]), "a batch of a good and a stale reply");
	st = serve(fd, &c, NULL);
	/* getpid returned 55: neither ENOSYS nor its pid. */
	CHECK(exited_with(st, 2), "the child's status %#x", st);
	close(fd);
}

static void attaches_are_checked(void)
{
	int fd = chan_open(), st;
	pid_t helper;

	CHECK_ERRNO(chan_attach(fd, getpid(), 0), EINVAL);
	CHECK_ERRNO(chan_attach(fd, getpid(), 1 << 5), EINVAL);
	{
		struct utrace_channel_attach a = {
			.pid = getpid(), .events = UTRACE_CHANNEL_ENTRY, .flags = 1 << 1,
		};

		CHECK_ERRNO(ioctl(fd, UTRACE_CHANNEL_ATTACH, &a), EINVAL);
		a.flags = 0;
		a.syscalls_size = UTRACE_CHANNEL_SYSCALLS_MAX + 1;
		CHECK_ERRNO(ioctl(fd, UTRACE_CHANNEL_ATTACH, &a), EINVAL);
	}
	CHECK_ERRNO(chan_attach(fd, -1, UTRACE_CHANNEL_ENTRY), EINVAL);
	CHECK_ERRNO(chan_attach(fd, 0x3ffffff, UTRACE_CHANNEL_ENTRY), ESRCH);
	CHECK_ERRNO(ioctl(fd, UTRACE_CHANNEL_DETACH, 5), ESRCH);
	CHECK_ERRNO(ioctl(fd, UTRACE_CHANNEL_SET_ON_CLOSE, 7), EINVAL);
	CHECK_ERRNO(ioctl(fd, UTRACE_CHANNEL_ATTACH, (void *)8), EFAULT);
	CHECK_ERRNO(ioctl(fd, _IO(UTRACE_CHANNEL_IOC_MAGIC, 0x7f), 0), ENOTTY);
	close(fd);
	/* An unprivileged monitor may not attach to init. */
	helper = fork();
	if (helper == 0) {
		int f;

		if (setgid(65534) || setuid(65534))
			_exit(10);
		f = chan_open();
		if (f < 0)
			_exit(11);
		if (chan_attach(f, 1, UTRACE_CHANNEL_ENTRY) != -1 || errno != EPERM)
			_exit(12);
		_exit(0);
	}
	waitpid(helper, &st, 0);
	CHECK(exited_with(st, 0), "the unprivileged monitor's status %#x (12: not EPERM)", st);
}

/* --- children, execs and exits -------------------------------------- */

static pid_t grandchild_tid;
static unsigned int grandchild_engine, clones_seen, grandchild_getpids, exits_changed;

/* Forks a grandchild that exits 0 if its getpid is virtualized; exits
 * with the grandchild's exit status. */
static int fork_a_grandchild(void)
{
	int st;
	pid_t g = fork();

	if (g == 0)
		_exit(syscall(SYS_getpid) == 4242 ? 0 : 1);
	if (g < 0 || waitpid(g, &st, 0) != g || !WIFEXITED(st))
		return 100;
	return WEXITSTATUS(st);
}

static void follow_policy(int fd, const struct utrace_channel_event *ev,
			  struct utrace_channel_reply *r)
{
	(void)fd;
	switch (ev->kind) {
	case UTRACE_CHANNEL_CLONE:
		clones_seen++;
		grandchild_tid = ev->args[0];
		grandchild_engine = ev->args[1];
		break;
	case UTRACE_CHANNEL_SYSCALL_ENTRY:
		if (ev->nr == SYS_getpid && ev->pid == grandchild_tid &&
		    ev->engine == grandchild_engine) {
			grandchild_getpids++;
			r->action = UTRACE_CHANNEL_ABORT;
			r->result = 4242;
		}
		break;
	case UTRACE_CHANNEL_TASK_EXIT:
		/* The grandchild's code, exit(0), becomes exit(7). */
		if (ev->pid == grandchild_tid && ev->result == 0) {
			exits_changed++;
			r->flags = UTRACE_CHANNEL_SET_RESULT;
			r->result = 7 << 8;
		}
		break;
	}
}

static void children_are_followed_and_their_exit_changed(void)
{
	struct child c = spawn(fork_a_grandchild);
	int fd = chan_open(), st;
	struct utrace_channel_attach a = {
		.pid = c.pid,
		.events = UTRACE_CHANNEL_ENTRY | UTRACE_CHANNEL_EVENT_CLONE |
			  UTRACE_CHANNEL_EVENT_TASK_EXIT,
		.flags = UTRACE_CHANNEL_FOLLOW,
	};

	CHECK(ioctl(fd, UTRACE_CHANNEL_ATTACH, &a) >= 0, "attach: %s", strerror(errno));
	go(&c);
	clones_seen = grandchild_getpids = exits_changed = 0;
	grandchild_tid = -1;
	st = serve(fd, &c, follow_policy);
	/* 0 would be a getpid not virtualized or an exit not changed. */
	CHECK(exited_with(st, 7), "the child's status %#x (1: the grandchild's getpid "
	      "was not virtualized, 0: its exit not changed)", st);
	CHECK(clones_seen == 1 && grandchild_tid > 0 && grandchild_engine != (unsigned int)-1,
	      "%u clone events, grandchild %d, engine %d", clones_seen, grandchild_tid,
	      (int)grandchild_engine);
	CHECK(grandchild_getpids == 1 && exits_changed == 1, "%u getpids, %u exits changed",
	      grandchild_getpids, exits_changed);
	close(fd);
}

static unsigned int execs_seen;
static unsigned long long exec_ip;

static int exec_true(void)
{
	char *argv[] = { "true", NULL };

	execv("/bin/true", argv);
	return 99;
}

static void exec_policy(int fd, const struct utrace_channel_event *ev,
			struct utrace_channel_reply *r)
{
	(void)fd;
	(void)r;
	if (ev->kind == UTRACE_CHANNEL_EXEC) {
		execs_seen++;
		exec_ip = ev->instruction_pointer;
	}
}

static void an_exec_is_reported(void)
{
	struct child c = spawn(exec_true);
	int fd = chan_open(), st;

	CHECK(chan_attach(fd, c.pid, UTRACE_CHANNEL_EVENT_EXEC) >= 0, "attach: %s",
	      strerror(errno));
	go(&c);
	execs_seen = 0;
	st = serve(fd, &c, exec_policy);
	CHECK(exited_with(st, 0), "the child's status %#x", st);
	CHECK(execs_seen == 1 && exec_ip != 0, "%u exec events, ip %#llx", execs_seen, exec_ip);
	/* Only the exec: no syscall was reported. */
	CHECK(events_seen == 1, "%d events", events_seen);
	close(fd);
}

/* --- review findings -------------------------------------------------- */

static int kill_pipe[2];

static int write_a_byte(void)
{
	syscall(SYS_write, kill_pipe[1], "x", 1);
	return 0;
}

/*
 * The monitor kills the task waiting at a write's entry and answers at
 * once: the answer must not count, the write must not run.  Before the
 * fix the answer often beat the woken task, which then wrote.
 */
static void an_answer_after_sigkill_does_not_run_the_call(void)
{
	int ran = 0, tries = 20;

	for (int i = 0; i < tries; i++) {
		struct child c;
		struct utrace_channel_event ev;
		double end;
		char b;
		int fd, st;

		if (pipe2(kill_pipe, O_NONBLOCK | O_CLOEXEC))
			break;
		c = spawn(write_a_byte);
		fd = chan_open();
		CHECK(chan_attach(fd, c.pid, UTRACE_CHANNEL_ENTRY) >= 0, "attach: %s",
		      strerror(errno));
		go(&c);
		end = now() + SERVE_SECONDS;
		while (now() < end && next_event(fd, &ev, 50) >= 0) {
			struct utrace_channel_reply r = { .id = ev.id };

			if (ev.kind != UTRACE_CHANNEL_SYSCALL_ENTRY)
				continue;
			if (ev.nr == SYS_write && (int)ev.args[0] == kill_pipe[1]) {
				kill(c.pid, SIGKILL);
				answer(fd, &r);
				break;
			}
			answer(fd, &r);
		}
		st = wait_status(c.pid, SERVE_SECONDS);
		CHECK(st != -1 && WIFSIGNALED(st), "child %d: status %#x", i, st);
		ran += read(kill_pipe[0], &b, 1) == 1;
		close(fd);
		close(kill_pipe[0]);
		close(kill_pipe[1]);
	}
	CHECK(ran == 0, "the write of a killed task ran %d times in %d", ran, tries);
}

/*
 * An engine farther from user mode than the channel (attached before it,
 * called after it at entry) lets every write run.  The monitor kills the
 * task waiting at a write's entry and never answers: the write must not
 * run, whatever that engine answers after the channel's wait ended.
 */
static void a_killed_wait_is_not_undone_by_a_later_engine(void)
{
	struct utrace_test_attach run = {
		.kind = UTRACE_TEST_RUN, .events = UTRACE_TEST_EVENT_SYSCALL_ENTRY, .id = 1,
		.nr = SYS_write,
	};
	int tfd = utd_open(), fd = chan_open(), st;
	struct utrace_channel_event ev;
	struct child c;
	char b;

	if (pipe2(kill_pipe, O_NONBLOCK | O_CLOEXEC))
		return;
	c = spawn(write_a_byte);
	run.pid = c.pid;
	CHECK(utd_attach(tfd, run) >= 0, "the RUN engine: %s", strerror(errno));
	CHECK(chan_attach(fd, c.pid, UTRACE_CHANNEL_ENTRY) >= 0, "attach: %s", strerror(errno));
	go(&c);
	CHECK(wait_for_entry(fd, SYS_write, &ev), "no write entry");
	kill(c.pid, SIGKILL);
	st = wait_status(c.pid, SERVE_SECONDS);
	CHECK(st != -1 && WIFSIGNALED(st), "child: status %#x", st);
	CHECK(read(kill_pipe[0], &b, 1) == -1, "the killed task's write ran: an engine after "
	      "the channel let it run");
	close(fd);
	close(tfd);
	close(kill_pipe[0]);
	close(kill_pipe[1]);
}

static int spin_getppid(void)
{
	for (;;)
		syscall(SYS_getppid);
	return 0;
}

struct reader_args {
	int fd;
	volatile int stop;
	int efaults, events;
};

static void *answer_everything(void *arg)
{
	struct reader_args *a = arg;

	while (!a->stop) {
		struct utrace_channel_event ev[4];
		struct pollfd p = { .fd = a->fd, .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, 20) <= 0)
			continue;
		n = read(a->fd, ev, sizeof(ev));
		if (n < 0 && errno == EFAULT)
			a->efaults++;
		for (ssize_t i = 0; n > 0 && i < n / (ssize_t)sizeof(ev[0]); i++) {
			struct utrace_channel_reply r = { .id = ev[i].id };

			a->events++;
			answer(a->fd, &r);
		}
	}
	return NULL;
}

/*
 * Attaches and detaches against a task that makes calls all the time,
 * while a reader answers: an event queued while its engine's attach is
 * still under way is readable (it was counted, not found: read failed
 * with EFAULT and poll spun).
 */
static void events_of_an_attach_under_way_are_readable(void)
{
	struct child c = spawn(spin_getppid);
	struct reader_args a = { .fd = chan_open() };
	pthread_t t;

	fcntl(a.fd, F_SETFL, O_NONBLOCK);
	go(&c);
	pthread_create(&t, NULL, answer_everything, &a);
	for (int i = 0; i < 300; i++) {
		int n = chan_attach(a.fd, c.pid, UTRACE_CHANNEL_ENTRY);

		CHECK(n >= 0, "attach %d: %s", i, strerror(errno));
		if (n >= 0)
			CHECK(ioctl(a.fd, UTRACE_CHANNEL_DETACH, n) == 0, "detach %d: %s", i,
			      strerror(errno));
	}
	a.stop = 1;
	pthread_join(t, NULL);
	CHECK(a.efaults == 0, "%d reads failed with EFAULT (%d events)", a.efaults, a.events);
	KTAP_DIAG("%d events answered over 300 attaches", a.events);
	kill(c.pid, SIGKILL);
	waitpid(c.pid, NULL, 0);
	close(a.fd);
}

static int nothing(void)
{
	return 0;
}

static void own_process_and_dead_engines_are_refused(void)
{
	int fd = chan_open(), n, st;
	struct child c = spawn(nothing);

	CHECK_ERRNO(chan_attach(fd, 0, UTRACE_CHANNEL_ENTRY), EPERM);
	CHECK_ERRNO(chan_attach(fd, getpid(), UTRACE_CHANNEL_ENTRY), EPERM);
	n = chan_attach(fd, c.pid, UTRACE_CHANNEL_ENTRY);
	CHECK(n >= 0, "attach: %s", strerror(errno));
	go(&c);
	st = serve(fd, &c, NULL);
	CHECK(exited_with(st, 0), "the child's status %#x", st);
	/* Its task is dead: the number names no engine now. */
	CHECK_ERRNO(ioctl(fd, UTRACE_CHANNEL_DETACH, n), ESRCH);
	close(fd);
}

/*
 * An attach refused after the channel reserved its slot (the task holds
 * 256 engines) does not fix the close outcome.
 */
static void a_refused_attach_leaves_the_outcome_open(void)
{
	struct child c = spawn(nothing);
	int full = chan_open(), fresh = chan_open(), held = 0;

	for (int i = 0; i < 300; i++)
		if (chan_attach(full, c.pid, UTRACE_CHANNEL_EVENT_EXEC) >= 0)
			held++;
		else
			break;
	CHECK(held == 256, "%d engines attached to one task (%s)", held, strerror(errno));
	CHECK_ERRNO(chan_attach(fresh, c.pid, UTRACE_CHANNEL_ENTRY), ENOSPC);
	CHECK(ioctl(fresh, UTRACE_CHANNEL_SET_ON_CLOSE, UTRACE_CHANNEL_ON_CLOSE_ENOSYS) == 0,
	      "SET_ON_CLOSE after a refused attach: %s", strerror(errno));
	kill(c.pid, SIGKILL);
	waitpid(c.pid, NULL, 0);
	close(full);
	close(fresh);
}

static int aborted_entries;

static void count_aborted(int fd, const struct utrace_channel_event *ev,
			  struct utrace_channel_reply *r)
{
	(void)fd;
	(void)r;
	if (ev->kind == UTRACE_CHANNEL_SYSCALL_ENTRY && ev->nr == SYS_getuid &&
	    (ev->flags & UTRACE_CHANNEL_ABORTED))
		aborted_entries++;
}

static int getuid_is_1000(void)
{
	return syscall(SYS_getuid) == 1000 ? 0 : 1;
}

/* The VM engine, nearer to the program, aborts getuid: the channel is told. */
static void an_entry_aborted_nearer_the_program_is_marked(void)
{
	static const char rules[] = "return getuid 1000";
	struct child c = spawn(getuid_is_1000);
	int cfd = chan_open(), vfd = open("/dev/utrace", O_RDWR), st;
	struct utrace_vm_attach v = {
		.pid = c.pid, .rules = (unsigned long)rules, .rules_len = sizeof(rules) - 1,
	};

	CHECK(chan_attach(cfd, c.pid, UTRACE_CHANNEL_ENTRY) >= 0, "attach: %s", strerror(errno));
	CHECK(ioctl(vfd, UTRACE_ATTACH_VM, &v) >= 0, "vm: %s", strerror(errno));
	go(&c);
	aborted_entries = 0;
	st = serve(cfd, &c, count_aborted);
	CHECK(exited_with(st, 0), "the child's status %#x", st);
	CHECK(aborted_entries == 1, "%d getuid entries marked aborted", aborted_entries);
	close(vfd);
	close(cfd);
}

/* --- the order among engines ----------------------------------------- */

static int getppid_only(void)
{
	return syscall(SYS_getppid) == 777 ? 0 : 1;
}

static void result_777(int fd, const struct utrace_channel_event *ev,
		       struct utrace_channel_reply *r)
{
	(void)fd;
	if (ev->kind == UTRACE_CHANNEL_SYSCALL_EXIT && ev->nr == SYS_getppid) {
		r->flags = UTRACE_CHANNEL_SET_RESULT;
		r->result = 777;
	}
}

/* Whether @text has a "getppid() ... = @want" line (strace pads to a column). */
static int getppid_line(const char *text, long want)
{
	for (const char *p = text; (p = strstr(p, "getppid()")); p++) {
		const char *q = p + strlen("getppid()");
		long v;

		while (*q == ' ')
			q++;
		if (sscanf(q, "= %ld", &v) == 1 && v == want)
			return 1;
	}
	return 0;
}

/*
 * strace attached @strace_first before the channel engine or after it:
 * the trace shows the result the engines before it left at exit.
 */
static void order_with_strace(int strace_first, long want)
{
	struct utrace_strace_attach sa = { 0 };
	int cfd = chan_open(), sfd = open("/dev/utrace", O_RDWR | O_NONBLOCK), st;
	struct child c = spawn(getppid_only);
	static char text[8192];
	ssize_t n;

	sa.pid = c.pid;
	if (strace_first)
		CHECK(ioctl(sfd, UTRACE_ATTACH_STRACE, &sa) >= 0, "strace: %s", strerror(errno));
	CHECK(chan_attach(cfd, c.pid, UTRACE_CHANNEL_EXIT) >= 0, "attach: %s", strerror(errno));
	if (!strace_first)
		CHECK(ioctl(sfd, UTRACE_ATTACH_STRACE, &sa) >= 0, "strace: %s", strerror(errno));
	go(&c);
	st = serve(cfd, &c, result_777);
	CHECK(exited_with(st, 0), "the child's status %#x (1: getppid not 777)", st);
	n = read(sfd, text, sizeof(text) - 1);
	text[n > 0 ? n : 0] = 0;
	CHECK(getppid_line(text, want), "no getppid() = %ld in the trace:\n%s", want, text);
	close(sfd);
	close(cfd);
}

static void strace_inside_sees_the_monitor_s_result(void)
{
	/* strace attached second: closer to the program, last at exit. */
	order_with_strace(0, 777);
}

static void strace_outside_sees_the_kernel_s_result(void)
{
	order_with_strace(1, getpid());
}

/* --- syscall sets ------------------------------------------------------ */

/*
 * Attaches a channel engine to @pid told of @events and only of the calls
 * @nrs (@n of them; @size bytes of bitmap): its number, or -1 (errno).
 */
static int chan_attach_set(int fd, pid_t pid, unsigned int events, unsigned int flags,
			   const long *nrs, int n, unsigned int size)
{
	unsigned char bits[UTRACE_CHANNEL_SYSCALLS_MAX + 1] = { 0 };
	struct utrace_channel_attach a = {
		.pid = pid, .events = events, .flags = flags,
		.syscalls_size = size, .syscalls = (unsigned long)bits,
	};

	for (int i = 0; i < n; i++)
		bits[nrs[i] / 8] |= 1 << (nrs[i] % 8);
	return ioctl(fd, UTRACE_CHANNEL_ATTACH, &a);
}

/*
 * A child running @body (as spawn() makes it) with an engine of @fd that
 * hears of @events for the call @nr only, let go.
 */
static struct child spawn_watched(int fd, int (*body)(void), long nr, unsigned int events)
{
	struct child c = spawn(body);

	CHECK(chan_attach_set(fd, c.pid, events, 0, &nr, 1, 64) >= 0, "attach: %s",
	      strerror(errno));
	go(&c);
	return c;
}

/* Syscall events of getpid, and of any other call. */
static int set_entries, set_exits, set_others;

static void count_getpid_and_virtualize_it(int fd, const struct utrace_channel_event *ev,
					   struct utrace_channel_reply *r)
{
	(void)fd;
	if (ev->kind != UTRACE_CHANNEL_SYSCALL_ENTRY && ev->kind != UTRACE_CHANNEL_SYSCALL_EXIT)
		return;
	if (ev->nr != SYS_getpid) {
		set_others++;
		return;
	}
	if (ev->kind == UTRACE_CHANNEL_SYSCALL_EXIT) {
		set_exits++;
		return;
	}
	set_entries++;
	r->action = UTRACE_CHANNEL_ABORT;
	r->result = 4242;
}

static int getpid_getppid_getuid(void)
{
	long a = syscall(SYS_getpid), b = syscall(SYS_getppid);

	syscall(SYS_getuid);
	return (a == 4242 ? 0 : 1) | (b == monitor_pid ? 0 : 2);
}

static void a_syscall_set_names_the_calls_reported(void)
{
	const long nrs[] = { SYS_getpid };
	int fd = chan_open(), st;
	struct child c;

	monitor_pid = getpid();
	c = spawn(getpid_getppid_getuid);
	CHECK(chan_attach_set(fd, c.pid, UTRACE_CHANNEL_ENTRY | UTRACE_CHANNEL_EXIT, 0, nrs, 1,
			      64) >= 0, "attach: %s", strerror(errno));
	go(&c);
	set_entries = set_exits = set_others = 0;
	st = serve(fd, &c, count_getpid_and_virtualize_it);
	CHECK(exited_with(st, 0), "the child's status %#x (1: getpid not 4242, 2: getppid changed)",
	      st);
	/* Not read's exit, getppid, getuid or exit_group: outside the set. */
	CHECK(set_entries == 1 && set_exits == 1 && set_others == 0,
	      "getpid: %d entries, %d exits; %d events of other calls", set_entries, set_exits,
	      set_others);
	close(fd);
}

/* getpid twice (virtualized), getppid and getuid between (not in the set). */
static int two_getpids_and_others(void)
{
	long a = syscall(SYS_getpid);

	syscall(SYS_getppid);
	syscall(SYS_getuid);
	return a == 4242 && syscall(SYS_getpid) == 4242 ? 0 : 1;
}

static int fork_a_getpid_caller(void)
{
	pid_t pid = fork();
	int st;

	if (pid == 0)
		_exit(two_getpids_and_others());
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return 4;
	return WEXITSTATUS(st) | (syscall(SYS_getpid) == 4242 ? 0 : 8);
}

static void a_followed_child_has_its_parent_s_set(void)
{
	const long nrs[] = { SYS_getpid };
	int fd = chan_open(), st;
	struct child c = spawn(fork_a_getpid_caller);

	/* A set just wide enough for getpid (39 on x86_64, 172 on arm64). */
	CHECK(chan_attach_set(fd, c.pid, UTRACE_CHANNEL_ENTRY, UTRACE_CHANNEL_FOLLOW, nrs, 1,
			      SYS_getpid / 8 + 1) >= 0, "attach: %s", strerror(errno));
	go(&c);
	set_entries = set_exits = set_others = 0;
	st = serve(fd, &c, count_getpid_and_virtualize_it);
	CHECK(exited_with(st, 0), "the child's status %#x (1: the grandchild's getpid not 4242, "
	      "4: no grandchild, 8: the child's getpid not 4242)", st);
	/* The grandchild's getpid twice, the child's once; no fork, wait4, exit. */
	CHECK(set_entries == 3 && set_others == 0, "getpid: %d entries; %d events of other calls",
	      set_entries, set_others);
	close(fd);
}

/*
 * The channel closed while its engine gives a forked child its own (the
 * follow held open by UTRACE_TEST_INHERIT_DELAY): the fill finds the
 * channel closed and detaches the child's engine (EPIPE), and the child
 * runs its getpid, as its parent does: neither killed as a child the
 * monitor could not hold, nor waiting for a monitor that is gone (review
 * of the follow in engine-core: untested).
 */
static int fork_a_plain_getpid_caller(void)
{
	pid_t pid = fork();
	int st;

	if (pid == 0)
		_exit(syscall(SYS_getpid) > 0 ? 0 : 1);
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return 4;
	return WIFSIGNALED(st) ? 20 + WTERMSIG(st) : WEXITSTATUS(st);
}

static void a_child_followed_while_the_channel_closes_runs(void)
{
	const long nrs[] = { SYS_getpid };
	/* The channel opened after the fork: a child holding it would keep it open. */
	struct child c = spawn(fork_a_plain_getpid_caller);
	int fd = chan_open(), tfd = utd_open(), st = -1, delayed0, delayed;

	/* A set just wide enough for getpid (39 on x86_64, 172 on arm64). */
	CHECK(chan_attach_set(fd, c.pid, UTRACE_CHANNEL_ENTRY, UTRACE_CHANNEL_FOLLOW, nrs, 1,
			      SYS_getpid / 8 + 1) >= 0, "attach: %s", strerror(errno));
	delayed0 = ioctl(tfd, UTRACE_TEST_INHERIT_DELAYED, 0);
	CHECK(ioctl(tfd, UTRACE_TEST_INHERIT_DELAY, 800) == 0, "INHERIT_DELAY: %s",
	      strerror(errno));
	go(&c);
	delayed = utd_wait_delay_entered(tfd, UTRACE_TEST_INHERIT_DELAYED, delayed0, 5000);
	CHECK(delayed > delayed0, "the child's fork never reached the follow's delay");
	close(fd);
	if (!utd_wait_exit_within(c.pid, 5000, &st)) {
		CHECK(0, "the child did not exit (state %c)", utd_proc_state(c.pid));
		kill(c.pid, SIGKILL);
		waitpid(c.pid, &st, 0);
	} else {
		CHECK(exited_with(st, 0), "the child's status %#x (exit 20 + signal: the grandchild "
		      "was killed)", st);
	}
	ioctl(tfd, UTRACE_TEST_INHERIT_DELAY, 0);
	close(tfd);
}

#if defined(__x86_64__)
/* ia32's getpid, through int $0x80 from this 64-bit program. */
#define IA32_GETPID 20

static int ia32_getpid_and_native_getpid(void)
{
	long ret;

	asm volatile("int $0x80" : "=a"(ret) : "a"((long)IA32_GETPID) : "memory");
	return (ret == 4343 ? 0 : 1) | (syscall(SYS_getpid) == getpid() ? 0 : 2);
}

static int ia32_seen, native_seen;

static void virtualize_ia32_calls(int fd, const struct utrace_channel_event *ev,
				  struct utrace_channel_reply *r)
{
	(void)fd;
	if (ev->kind != UTRACE_CHANNEL_SYSCALL_ENTRY)
		return;
	if (ev->arch != AUDIT_ARCH_I386) {
		native_seen++;
		return;
	}
	ia32_seen += ev->nr == IA32_GETPID;
	r->action = UTRACE_CHANNEL_ABORT;
	r->result = 4343;
}

static void calls_of_another_abi_pass_any_set(void)
{
	int fd = chan_open(), st;
	struct child c = spawn(ia32_getpid_and_native_getpid);

	/* An empty set: no native call. */
	CHECK(chan_attach_set(fd, c.pid, UTRACE_CHANNEL_ENTRY, 0, NULL, 0, 1) >= 0, "attach: %s",
	      strerror(errno));
	go(&c);
	ia32_seen = native_seen = 0;
	st = serve(fd, &c, virtualize_ia32_calls);
	CHECK(exited_with(st, 0), "the child's status %#x (1: the ia32 getpid not virtualized, "
	      "2: the native one changed)", st);
	CHECK(ia32_seen == 1 && native_seen == 0, "%d ia32 getpid entries, %d native entries",
	      ia32_seen, native_seen);
	close(fd);
}
#else
static void calls_of_another_abi_pass_any_set(void)
{
	KTAP_SKIP("ia32 calls (int $0x80) are x86_64's; arm64's AArch32 has no table yet");
}
#endif

static void syscall_sets_are_checked(void)
{
	const long all[] = { 0 };
	struct utrace_channel_attach a = {
		.pid = 0, .events = UTRACE_CHANNEL_ENTRY,
		.syscalls_size = UTRACE_CHANNEL_SYSCALLS_MAX, .syscalls = 8,
	};
	int fd = chan_open();
	struct child c = spawn(getpid_result);
	int n;

	a.pid = c.pid;
	CHECK_ERRNO(ioctl(fd, UTRACE_CHANNEL_ATTACH, &a), EFAULT);
	a.syscalls_size = UTRACE_CHANNEL_SYSCALLS_MAX + 1;
	/* The size is refused before the bitmap is read. */
	CHECK_ERRNO(ioctl(fd, UTRACE_CHANNEL_ATTACH, &a), EINVAL);
	CHECK_ERRNO(chan_attach_set(fd, c.pid, UTRACE_CHANNEL_ENTRY, 0, all, 1,
				    UTRACE_CHANNEL_SYSCALLS_MAX + 1), EINVAL);
	CHECK_ERRNO(chan_attach_set(fd, c.pid, 0, 0, all, 1, 1), EINVAL);
	/* Refused attaches attached nothing: the child runs free. */
	n = chan_attach_set(fd, c.pid, UTRACE_CHANNEL_EXIT, 0, all, 1,
			    UTRACE_CHANNEL_SYSCALLS_MAX);
	CHECK(n >= 0, "a set of the largest size: %s", strerror(errno));
	CHECK(ioctl(fd, UTRACE_CHANNEL_DETACH, n) == 0, "detach: %s", strerror(errno));
	go(&c);
	CHECK(exited_with(wait_status(c.pid, SERVE_SECONDS), 0), "the child");
	close(fd);
}

/* --- a monitor's file installed in the task (ADDFD) --------------------- */

#define ADDFD_FILE "/tmp/channel-addfd"

static int addfd(int fd, __u64 id, int srcfd, unsigned int newfd, unsigned int flags,
		 unsigned int newfd_flags)
{
	struct utrace_channel_addfd a = {
		.id = id, .srcfd = srcfd, .newfd = newfd, .flags = flags,
		.newfd_flags = newfd_flags,
	};

	return ioctl(fd, UTRACE_CHANNEL_ADDFD, &a);
}

static void write_addfd_file(void)
{
	int fd = open(ADDFD_FILE, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	CHECK(fd >= 0 && write(fd, "hello", 5) == 5, "write %s: %s", ADDFD_FILE, strerror(errno));
	close(fd);
}

/* Whether @fd reads "hello" at 0. */
static int reads_hello(int fd)
{
	char buf[8] = { 0 };

	return pread(fd, buf, sizeof(buf), 0) == 5 && !memcmp(buf, "hello", 5);
}

/* Opens a virtual path: exits with the descriptor it got if it reads hello. */
static int open_virtual(void)
{
	long fd = syscall(SYS_openat, AT_FDCWD, "/virtual/greeting", O_RDONLY);

	return fd >= 3 && fd < 100 && reads_hello(fd) ? (int)fd : 200;
}

static int sent_fd, late_reply;

static void send_the_file(int fd, const struct utrace_channel_event *ev,
			  struct utrace_channel_reply *r)
{
	char path[64] = { 0 };
	int file;

	if (ev->kind != UTRACE_CHANNEL_SYSCALL_ENTRY || ev->nr != SYS_openat)
		return;
	if (mem(fd, ev->id, UTRACE_CHANNEL_MEM_STRING, ev->args[1], path, sizeof(path) - 1) <= 0 ||
	    strcmp(path, "/virtual/greeting"))
		return;
	file = open(ADDFD_FILE, O_RDONLY | O_CLOEXEC);
	sent_fd = addfd(fd, ev->id, file, 0, UTRACE_CHANNEL_ADDFD_SEND, 0);
	CHECK(sent_fd >= 3, "ADDFD SEND: %s", strerror(errno));
	close(file);
	/* The descriptor was the answer: the event waits no more. */
	late_reply = answer(fd, r);
	r->id = 0;
}

static void addfd_sends_a_file_as_the_call_s_result(void)
{
	int fd = chan_open(), st;
	struct child c;

	write_addfd_file();
	c = spawn_watched(fd, open_virtual, SYS_openat, UTRACE_CHANNEL_ENTRY);
	sent_fd = late_reply = -1;
	st = serve(fd, &c, send_the_file);
	CHECK(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == sent_fd,
	      "the child's status %#x, the descriptor sent %d (200: it read no hello)", st, sent_fd);
	CHECK(late_reply == -ENOENT, "a reply after the SEND: %s", strerror(-late_reply));
	close(fd);
}

/* After its getppid, descriptor 77 must read hello and be close-on-exec. */
static int fd_77_after_getppid(void)
{
	syscall(SYS_getppid);
	return (reads_hello(77) ? 0 : 1) | (fcntl(77, F_GETFD) == FD_CLOEXEC ? 0 : 2);
}

static int placed;

static void place_at_77(int fd, const struct utrace_channel_event *ev,
			struct utrace_channel_reply *r)
{
	int file;

	(void)r;
	if (ev->kind != UTRACE_CHANNEL_SYSCALL_ENTRY || ev->nr != SYS_getppid)
		return;
	file = open(ADDFD_FILE, O_RDONLY | O_CLOEXEC);
	placed = addfd(fd, ev->id, file, 77, UTRACE_CHANNEL_ADDFD_SETFD, O_CLOEXEC);
	close(file);
}

static void addfd_places_a_file_and_the_call_goes_on(void)
{
	int fd = chan_open(), st;
	struct child c;

	write_addfd_file();
	c = spawn_watched(fd, fd_77_after_getppid, SYS_getppid, UTRACE_CHANNEL_ENTRY);
	placed = -1;
	st = serve(fd, &c, place_at_77);
	CHECK(placed == 77, "ADDFD SETFD 77: %d (%s)", placed, strerror(errno));
	CHECK(exited_with(st, 0), "the child's status %#x (1: 77 does not read hello, 2: not "
	      "close-on-exec)", st);
	close(fd);
}

/* A child with at most 32 descriptors, which makes a getppid. */
static int few_files_then_getppid(void)
{
	struct rlimit rl = { 32, 32 };

	if (setrlimit(RLIMIT_NOFILE, &rl))
		return 3;
	syscall(SYS_getppid);
	/* Nothing a refused request could have installed. */
	return fcntl(100, F_GETFD) == -1 && errno == EBADF ? 0 : 1;
}

static void addfd_requests_are_checked(void)
{
	const long nrs[] = { SYS_getppid };
	int fd = chan_open(), file = open(ADDFD_FILE, O_RDONLY | O_CLOEXEC);
	struct child c = spawn(few_files_then_getppid);
	struct utrace_channel_event ev;
	struct utrace_channel_reply r = { 0 };
	__u64 id;

	write_addfd_file();
	CHECK(chan_attach_set(fd, c.pid, UTRACE_CHANNEL_ENTRY | UTRACE_CHANNEL_EVENT_TASK_EXIT, 0,
			      nrs, 1, 64) >= 0, "attach: %s", strerror(errno));
	go(&c);
	id = wait_for_entry(fd, SYS_getppid, &ev);
	CHECK(id, "no getppid entry");
	CHECK_ERRNO(ioctl(fd, UTRACE_CHANNEL_ADDFD, (void *)8), EFAULT);
	CHECK_ERRNO(addfd(fd, id, file, 0, 1 << 5, 0), EINVAL);
	CHECK_ERRNO(addfd(fd, id, file, 0, 0, O_NONBLOCK), EINVAL);
	CHECK_ERRNO(addfd(fd, id, file, 5, 0, 0), EINVAL);
	CHECK_ERRNO(addfd(fd, id, -1, 0, 0, 0), EBADF);
	CHECK_ERRNO(addfd(fd, id + (1 << 16), file, 0, 0, 0), ENOENT);
	CHECK_ERRNO(addfd(fd, id, file, 0x80000000u, UTRACE_CHANNEL_ADDFD_SETFD, 0), EBADF);
	/* Past the task's RLIMIT_NOFILE: its own answer. */
	CHECK_ERRNO(addfd(fd, id, file, 100, UTRACE_CHANNEL_ADDFD_SETFD, 0), EBADF);
	/* A refused request changed nothing: the event still waits. */
	r.id = id;
	CHECK(answer(fd, &r) == 0, "the reply after refused requests: %s", strerror(errno));
	/* The task's exit: no syscall to answer with a descriptor. */
	while (next_event(fd, &ev, 5000) && ev.kind != UTRACE_CHANNEL_TASK_EXIT) {
		r.id = ev.id;
		answer(fd, &r);
	}
	CHECK(ev.kind == UTRACE_CHANNEL_TASK_EXIT, "no task-exit event");
	CHECK_ERRNO(addfd(fd, ev.id, file, 0, UTRACE_CHANNEL_ADDFD_SEND, 0), EINVAL);
	/* Nor a plain one: the task's files are closed a few lines later. */
	CHECK_ERRNO(addfd(fd, ev.id, file, 0, 0, 0), EINVAL);
	r.id = ev.id;
	CHECK(answer(fd, &r) == 0, "the exit's reply: %s", strerror(errno));
	CHECK(exited_with(wait_status(c.pid, SERVE_SECONDS), 0),
	      "the child (1: a refused request installed a file, 3: setrlimit)");
	close(file);
	close(fd);
}

/*
 * A request pending on a frozen task: a second one and a reply are EBUSY
 * while a SEND is pending; a signal withdraws it (nothing installed); a
 * detach fails a pending one with ESRCH.  The v1 freezer holds the task in
 * its wait, where it cannot serve requests.
 */
struct pending {
	int fd, srcfd;
	__u64 id;
	unsigned int newfd, flags;
	int ret, err;
};

static void *pending_addfd(void *arg)
{
	struct pending *p = arg;

	p->ret = addfd(p->fd, p->id, p->srcfd, p->newfd, p->flags, 0);
	p->err = errno;
	return NULL;
}

static void on_usr1(int sig)
{
	(void)sig;
}

/*
 * Waits (up to 5 s) until a SEND is pending on event @id: 1, or 0.  The
 * probe is a reply with an unknown action, which a pending SEND refuses
 * (EBUSY) before the action is even looked at, and nothing else accepts.
 */
static int wait_send_pending(int fd, __u64 id)
{
	struct utrace_channel_reply probe = { .id = id, .action = 99 };

	for (int i = 0; i < 500; i++) {
		if (answer(fd, &probe) == -EBUSY)
			return 1;
		usleep(10 * 1000);
	}
	return 0;
}

/* Waits (up to 5 s) until the test device's counter @req exceeds @before. */
static int wait_delayed(int tfd, unsigned long req, int before)
{
	for (int i = 0; i < 500; i++) {
		if (ioctl(tfd, req, 0) > before)
			return 1;
		usleep(10 * 1000);
	}
	return 0;
}

/* After its getppid (which must return its parent), nothing at 90 or 91. */
static int getppid_and_no_fds(void)
{
	long p = syscall(SYS_getppid);

	return (p == getppid() ? 0 : 1) | (fcntl(90, F_GETFD) == -1 ? 0 : 2) |
	       (fcntl(91, F_GETFD) == -1 ? 0 : 4);
}

static void a_pending_addfd_is_withdrawn_or_failed(void)
{
	const long nrs[] = { SYS_getppid };
	struct sigaction sa = { .sa_handler = on_usr1 };	/* no SA_RESTART */
	int fd = chan_open(), file = open(ADDFD_FILE, O_RDONLY | O_CLOEXEC), n, err;
	struct child c = spawn(getppid_and_no_fds);
	struct utrace_channel_event ev;
	struct utrace_channel_reply r = { 0 };
	struct pending p = { .fd = fd, .srcfd = file };
	pthread_t t;

	sigaction(SIGUSR1, &sa, NULL);
	write_addfd_file();
	err = cg_v1_group("channel");
	CHECK(err == 0, "the v1 freezer's group: %s", strerror(-err));
	n = chan_attach_set(fd, c.pid, UTRACE_CHANNEL_ENTRY, 0, nrs, 1, 64);
	CHECK(n >= 0, "attach: %s", strerror(errno));
	go(&c);
	p.id = wait_for_entry(fd, SYS_getppid, &ev);
	CHECK(p.id, "no getppid entry");
	CHECK(cg_v1_move("channel", c.pid) == 0 && cg_v1_freeze("channel", 1) == 0,
	      "the waiting child did not freeze");

	/* A SEND pending: a second request and a reply are refused. */
	p.newfd = 90;
	p.flags = UTRACE_CHANNEL_ADDFD_SETFD | UTRACE_CHANNEL_ADDFD_SEND;
	pthread_create(&t, NULL, pending_addfd, &p);
	CHECK(wait_send_pending(fd, p.id), "the SEND never became pending");
	CHECK_ERRNO(addfd(fd, p.id, file, 0, 0, 0), EBUSY);
	r.id = p.id;
	CHECK(answer(fd, &r) == -EBUSY, "a reply while a SEND is pending: %s",
	      strerror(-answer(fd, &r)));
	/* A signal withdraws it. */
	pthread_kill(t, SIGUSR1);
	pthread_join(t, NULL);
	CHECK(p.ret == -1 && p.err == EINTR, "the interrupted ADDFD: %d (%s)", p.ret,
	      strerror(p.err));

	/* Another pending: the detach fails it. */
	p.newfd = 91;
	p.flags = UTRACE_CHANNEL_ADDFD_SETFD | UTRACE_CHANNEL_ADDFD_SEND;
	pthread_create(&t, NULL, pending_addfd, &p);
	CHECK(wait_send_pending(fd, p.id), "the second SEND never became pending");
	CHECK(ioctl(fd, UTRACE_CHANNEL_DETACH, n) == 0, "detach: %s", strerror(errno));
	pthread_join(t, NULL);
	CHECK(p.ret == -1 && p.err == ESRCH, "the ADDFD the detach ended: %d (%s)", p.ret,
	      strerror(p.err));

	CHECK(cg_v1_freeze("channel", 0) == 0, "thaw");
	CHECK(exited_with(wait_status(c.pid, SERVE_SECONDS), 0),
	      "the child (1: getppid answered, 2: the withdrawn SEND installed 90, 4: the failed "
	      "request installed 91)");
	close(file);
	close(fd);
	rmdir(CG_V1 "/channel");
}

/* --- review of ADDFD and the sets ------------------------------------- */

/* Its getppid must fail with EPERM; nothing at 92 or 93 unless @want93. */
static int want93;

static int getppid_eperm(void)
{
	long p;

	errno = 0;
	p = syscall(SYS_getppid);
	return (p == -1 && errno == EPERM ? 0 : 1) | (fcntl(92, F_GETFD) == -1 ? 0 : 2) |
	       ((fcntl(93, F_GETFD) != -1) == want93 ? 0 : 4);
}

/* A child of getppid_eperm waiting at its getppid's entry, event id *@id. */
static struct child waiting_at_getppid(int fd, __u64 *id)
{
	struct child c = spawn_watched(fd, getppid_eperm, SYS_getppid, UTRACE_CHANNEL_ENTRY);
	struct utrace_channel_event ev;

	*id = wait_for_entry(fd, SYS_getppid, &ev);
	CHECK(*id, "no getppid entry");
	return c;
}

/*
 * Review finding 1: a request the monitor withdrew (a signal) after its
 * task woke for it, but before the task looked, made the task leave its
 * wait unanswered and run the call.  The delay holds the woken task.
 */
static void a_withdrawn_addfd_leaves_the_event_waiting(void)
{
	struct sigaction sa = { .sa_handler = on_usr1 };
	int tfd = utd_open(), fd = chan_open(), file = open("/dev/null", O_RDONLY | O_CLOEXEC);
	struct pending p = { .fd = fd, .srcfd = file, .newfd = 92,
			     .flags = UTRACE_CHANNEL_ADDFD_SETFD };
	struct utrace_channel_reply r = { .action = UTRACE_CHANNEL_ABORT, .result = -EPERM };
	int before = ioctl(tfd, UTRACE_TEST_ADDFD_DELAYED, 0);
	struct child c;
	pthread_t t;

	sigaction(SIGUSR1, &sa, NULL);
	want93 = 0;
	c = waiting_at_getppid(fd, &p.id);
	CHECK(ioctl(tfd, UTRACE_TEST_ADDFD_DELAY, 1000) == 0, "arm: %s", strerror(errno));
	pthread_create(&t, NULL, pending_addfd, &p);
	/* The task woke for the request and sleeps in the delay: withdraw it. */
	CHECK(wait_delayed(tfd, UTRACE_TEST_ADDFD_DELAYED, before),
	      "the task never woke for the request");
	pthread_kill(t, SIGUSR1);
	pthread_join(t, NULL);
	CHECK(p.ret == -1 && p.err == EINTR, "the withdrawn ADDFD: %d (%s)", p.ret,
	      strerror(p.err));
	/* Past the delay: the task looked and found nothing. */
	usleep(2000 * 1000);
	r.id = p.id;
	CHECK(answer(fd, &r) == 0, "the event is gone after the withdrawal (%s): the task left "
	      "its wait unanswered", strerror(errno));
	CHECK(exited_with(wait_status(c.pid, SERVE_SECONDS), 0),
	      "the child (1: getppid ran, 2: the withdrawn request installed 92)");
	ioctl(tfd, UTRACE_TEST_ADDFD_DELAY, 0);
	close(file);
	close(tfd);
	close(fd);
}

/*
 * Review finding 2: the task held the channel's lock across the install,
 * whose close of a replaced file may block (a FUSE ->flush()): every
 * monitor call and every other traced task waited with it, unkillably.
 * The delay stands for the slow install; a poll(2) of the channel, which
 * takes its lock, must not wait for it.
 */
static void a_slow_install_does_not_hold_the_channel(void)
{
	int tfd = utd_open(), fd = chan_open(), file = open("/dev/null", O_RDONLY | O_CLOEXEC);
	struct pending p = { .fd = fd, .srcfd = file, .newfd = 93,
			     .flags = UTRACE_CHANNEL_ADDFD_SETFD };
	struct utrace_channel_reply r = { .action = UTRACE_CHANNEL_ABORT, .result = -EPERM };
	struct pollfd pf = { .fd = fd, .events = POLLIN };
	int before = ioctl(tfd, UTRACE_TEST_INSTALL_DELAYED, 0);
	struct child c;
	double t0, took;
	pthread_t t;

	want93 = 1;
	c = waiting_at_getppid(fd, &p.id);
	CHECK(ioctl(tfd, UTRACE_TEST_INSTALL_DELAY, 2000) == 0, "arm: %s", strerror(errno));
	pthread_create(&t, NULL, pending_addfd, &p);
	CHECK(wait_delayed(tfd, UTRACE_TEST_INSTALL_DELAYED, before), "the install never began");
	t0 = now();
	poll(&pf, 1, 0);
	took = now() - t0;
	pthread_join(t, NULL);
	CHECK(took < 1.0, "a poll of the channel waited %.2f s for a task's install", took);
	CHECK(p.ret == 93, "ADDFD SETFD 93: %d (%s)", p.ret, strerror(p.err));
	r.id = p.id;
	CHECK(answer(fd, &r) == 0, "the reply: %s", strerror(errno));
	CHECK(exited_with(wait_status(c.pid, SERVE_SECONDS), 0),
	      "the child (1: getppid not refused, 4: 93 not installed)");
	ioctl(tfd, UTRACE_TEST_INSTALL_DELAY, 0);
	close(file);
	close(tfd);
	close(fd);
}

/*
 * Review finding 3: a channel file installed in its own traced task kept
 * the channel open past the monitor's death, and the task's exit wait
 * with it, for good.  Refused.
 */
static void a_channel_file_is_not_installed(void)
{
	struct utrace_channel_reply r = { .action = UTRACE_CHANNEL_ABORT, .result = -EPERM };
	int fd = chan_open(), other = chan_open();
	struct child c;

	want93 = 0;
	c = waiting_at_getppid(fd, &r.id);
	CHECK_ERRNO(addfd(fd, r.id, fd, 0, 0, 0), EINVAL);
	CHECK_ERRNO(addfd(fd, r.id, other, 0, 0, 0), EINVAL);
	CHECK(answer(fd, &r) == 0, "the reply: %s", strerror(errno));
	CHECK(exited_with(wait_status(c.pid, SERVE_SECONDS), 0), "the child");
	close(other);
	close(fd);
}

/* Review finding 10: a task that is not dumpable gets no file (as MEM). */
static int undumpable_getppid(void)
{
	if (prctl(PR_SET_DUMPABLE, 0))
		return 3;
	return getppid_eperm();
}

static void an_undumpable_task_gets_no_file(void)
{
	struct utrace_channel_reply r = { .action = UTRACE_CHANNEL_ABORT, .result = -EPERM };
	int fd = chan_open(), file = open("/dev/null", O_RDONLY | O_CLOEXEC);
	struct utrace_channel_event ev;
	struct child c;

	want93 = 0;
	c = spawn_watched(fd, undumpable_getppid, SYS_getppid, UTRACE_CHANNEL_ENTRY);
	r.id = wait_for_entry(fd, SYS_getppid, &ev);
	CHECK_ERRNO(addfd(fd, r.id, file, 92, UTRACE_CHANNEL_ADDFD_SETFD, 0), EPERM);
	CHECK(answer(fd, &r) == 0, "the reply: %s", strerror(errno));
	CHECK(exited_with(wait_status(c.pid, SERVE_SECONDS), 0),
	      "the child (2: 92 installed, 3: prctl)");
	close(file);
	close(fd);
}

/*
 * Review finding 7: the exit of a call whose entry the engine was told of
 * comes to it whatever number the call has by then (here its own reply
 * turned getppid into getuid, outside its set).
 */
static int exits_of_getuid;

static void getppid_becomes_getuid(int fd, const struct utrace_channel_event *ev,
				   struct utrace_channel_reply *r)
{
	(void)fd;
	if (ev->kind == UTRACE_CHANNEL_SYSCALL_ENTRY && ev->nr == SYS_getppid) {
		r->flags = UTRACE_CHANNEL_SET_NR;
		r->nr = SYS_getuid;
	}
	if (ev->kind == UTRACE_CHANNEL_SYSCALL_EXIT)
		exits_of_getuid += ev->nr == SYS_getuid;
}

static int getppid_once(void)
{
	return syscall(SYS_getppid) == (long)getuid() ? 0 : 1;
}

static void an_exit_follows_its_entry_whatever_its_number(void)
{
	int fd = chan_open(), st;
	struct child c = spawn_watched(fd, getppid_once, SYS_getppid,
				       UTRACE_CHANNEL_ENTRY | UTRACE_CHANNEL_EXIT);

	exits_of_getuid = 0;
	st = serve(fd, &c, getppid_becomes_getuid);
	CHECK(exited_with(st, 0), "the child's status %#x (1: getppid did not become getuid)", st);
	CHECK(exits_of_getuid == 1, "%d exits of the renumbered call", exits_of_getuid);
	close(fd);
}

/*
 * Review finding 4: a request woke a task the cgroup v2 freezer held
 * frozen (a waiting task counts as frozen), which then ran to install it.
 * It must wait for the thaw.
 */
static void a_request_waits_for_the_v2_thaw(void)
{
	int fd = chan_open(), file = open("/dev/null", O_RDONLY | O_CLOEXEC);
	struct pending p = { .fd = fd, .srcfd = file, .newfd = 93,
			     .flags = UTRACE_CHANNEL_ADDFD_SETFD, .ret = -2 };
	struct utrace_channel_reply r = { .action = UTRACE_CHANNEL_ABORT, .result = -EPERM };
	int err = cg_v2_group("channel");
	struct child c;
	pthread_t t;

	CHECK(err == 0, "the cgroup v2 group: %s", strerror(-err));
	if (err)
		return;
	want93 = 1;
	c = waiting_at_getppid(fd, &p.id);
	CHECK(cg_v2_move("channel", c.pid) == 0, "move: %s", strerror(errno));
	CHECK(cg_write_file(CG_V2 "/channel/cgroup.freeze", "1") == 0, "freeze");
	CHECK(cg_file_has_within(CG_V2 "/channel/cgroup.events", "frozen 1", 2000),
	      "the waiting child did not freeze");
	pthread_create(&t, NULL, pending_addfd, &p);
	usleep(500 * 1000);
	CHECK(p.ret == -2, "the request was served in a frozen group (%d)", p.ret);
	CHECK(cg_file_has_within(CG_V2 "/channel/cgroup.events", "frozen 1", 0),
	      "the group is no longer frozen");
	CHECK(cg_write_file(CG_V2 "/channel/cgroup.freeze", "0") == 0, "thaw");
	pthread_join(t, NULL);
	CHECK(p.ret == 93, "ADDFD after the thaw: %d (%s)", p.ret, strerror(p.err));
	r.id = p.id;
	CHECK(answer(fd, &r) == 0, "the reply: %s", strerror(errno));
	CHECK(exited_with(wait_status(c.pid, SERVE_SECONDS), 0),
	      "the child (1: getppid not refused, 4: 93 not installed)");
	close(file);
	close(fd);
	rmdir(CG_V2 "/channel");
}

/* --- re-review of the fixes ---------------------------------------- */

/* Its getppid must fail with EPERM and leave its lowest free descriptor free. */
static int no_new_fd_after_getppid(void)
{
	int lowest = dup(0);
	long p;

	close(lowest);
	errno = 0;
	p = syscall(SYS_getppid);
	return (p == -1 && errno == EPERM ? 0 : 1) | (fcntl(lowest, F_GETFD) == -1 ? 0 : 2);
}

/*
 * Re-review findings 1 and 4: a SEND withdrawn while the task installs it
 * is not published (nothing is closed by its number: another thread may
 * hold it by then), and the event takes a reply at once, not EBUSY until
 * the install ends.
 */
static void a_send_withdrawn_during_its_install_is_not_published(void)
{
	struct sigaction sa = { .sa_handler = on_usr1 };
	int tfd = utd_open(), fd = chan_open(), file = open("/dev/null", O_RDONLY | O_CLOEXEC);
	struct pending p = { .fd = fd, .srcfd = file, .flags = UTRACE_CHANNEL_ADDFD_SEND };
	struct utrace_channel_reply r = { .action = UTRACE_CHANNEL_ABORT, .result = -EPERM };
	int before = ioctl(tfd, UTRACE_TEST_INSTALL_DELAYED, 0);
	struct utrace_channel_event ev;
	struct child c;
	pthread_t t;

	sigaction(SIGUSR1, &sa, NULL);
	c = spawn_watched(fd, no_new_fd_after_getppid, SYS_getppid, UTRACE_CHANNEL_ENTRY);
	p.id = wait_for_entry(fd, SYS_getppid, &ev);
	CHECK(ioctl(tfd, UTRACE_TEST_INSTALL_DELAY, 1000) == 0, "arm: %s", strerror(errno));
	pthread_create(&t, NULL, pending_addfd, &p);
	CHECK(wait_delayed(tfd, UTRACE_TEST_INSTALL_DELAYED, before), "the install never began");
	pthread_kill(t, SIGUSR1);
	pthread_join(t, NULL);
	CHECK(p.ret == -1 && p.err == EINTR, "the withdrawn SEND: %d (%s)", p.ret,
	      strerror(p.err));
	r.id = p.id;
	CHECK(answer(fd, &r) == 0, "a reply after the withdrawal: %s", strerror(errno));
	CHECK(exited_with(wait_status(c.pid, SERVE_SECONDS), 0),
	      "the child (1: getppid not refused, 2: the withdrawn file was installed)");
	ioctl(tfd, UTRACE_TEST_INSTALL_DELAY, 0);
	close(file);
	close(tfd);
	close(fd);
}

/*
 * Re-review finding 2: a repeated round of the entry (an engine farther
 * from user mode stopped the task and asked for another report) must not
 * lose the exit of a call the engine saw enter and renumbered out of its
 * set.
 */
/* getppid, which the monitor turns into getuid: root's 0, with no other getuid. */
static int getppid_as_root_s_getuid(void)
{
	return syscall(SYS_getppid) == 0 ? 0 : 1;
}

static void a_repeated_entry_keeps_the_exit(void)
{
	const long nrs[] = { SYS_getppid };
	struct utrace_test_attach stop = {
		.kind = UTRACE_TEST_STOP, .events = UTRACE_TEST_EVENT_SYSCALL_ENTRY, .id = 1,
		.nr = SYS_getuid,
	};
	struct utrace_channel_reply r = { .flags = UTRACE_CHANNEL_SET_NR, .nr = SYS_getuid };
	int tfd = utd_open(), fd = chan_open(), slot, st, i;
	struct child c = spawn(getppid_as_root_s_getuid);
	struct utrace_channel_event ev;

	stop.pid = c.pid;
	slot = utd_attach(tfd, stop);
	CHECK(chan_attach_set(fd, c.pid, UTRACE_CHANNEL_ENTRY | UTRACE_CHANNEL_EXIT, 0, nrs, 1,
			      64) >= 0, "attach: %s", strerror(errno));
	go(&c);
	r.id = wait_for_entry(fd, SYS_getppid, &ev);
	CHECK(answer(fd, &r) == 0, "renumber: %s", strerror(errno));
	for (i = 0; i < 500 && ioctl(tfd, UTRACE_TEST_STOPPED, slot) != 1; i++)
		usleep(10 * 1000);
	CHECK(ioctl(tfd, UTRACE_TEST_RESUME_REPORT, slot) == 0, "resume and report: %s",
	      strerror(errno));
	exits_of_getuid = 0;
	st = serve(fd, &c, getppid_becomes_getuid);
	CHECK(exited_with(st, 0), "the child's status %#x", st);
	CHECK(exits_of_getuid == 1, "%d exits of the renumbered call after a repeated entry",
	      exits_of_getuid);
	close(tfd);
	close(fd);
}

/*
 * Re-review finding 3: an engine attached while its task sleeps in a call
 * of its set hears of that call's exit, as an engine without a set does.
 */
static int read_pipe[2];

static int read_a_byte(void)
{
	char b;

	return read(read_pipe[0], &b, 1) == 1 ? 0 : 1;
}

static int read_exits;

static void count_read_exits(int fd, const struct utrace_channel_event *ev,
			     struct utrace_channel_reply *r)
{
	(void)fd;
	(void)r;
	read_exits += ev->kind == UTRACE_CHANNEL_SYSCALL_EXIT && ev->nr == SYS_read;
}

static void an_engine_attached_during_a_call_hears_its_exit(void)
{
	const long nrs[] = { SYS_read };
	int fd = chan_open(), st, i;
	struct child c;
	char path[64], stat[256];

	if (pipe2(read_pipe, O_CLOEXEC))
		return;
	c = spawn(read_a_byte);
	go(&c);
	/* Asleep in its read (state S in /proc). */
	snprintf(path, sizeof(path), "/proc/%d/wchan", c.pid);
	for (i = 0; i < 500; i++) {
		int pf = open(path, O_RDONLY | O_CLOEXEC);
		ssize_t n = pf < 0 ? -1 : read(pf, stat, sizeof(stat) - 1);

		if (pf >= 0)
			close(pf);
		if (n > 0 && (stat[n] = 0, strstr(stat, "pipe")))
			break;
		usleep(10 * 1000);
	}
	CHECK(chan_attach_set(fd, c.pid, UTRACE_CHANNEL_ENTRY | UTRACE_CHANNEL_EXIT, 0, nrs, 1,
			      64) >= 0, "attach: %s", strerror(errno));
	CHECK(write(read_pipe[1], "x", 1) == 1, "write");
	read_exits = 0;
	st = serve(fd, &c, count_read_exits);
	CHECK(exited_with(st, 0), "the child's status %#x", st);
	CHECK(read_exits == 1, "%d exits of the read the engine was attached during", read_exits);
	close(read_pipe[0]);
	close(read_pipe[1]);
	close(fd);
}

/* Calls getpid every millisecond, for about three seconds. */
static int getpid_every_ms(void)
{
	for (int i = 0; i < 3000; i++) {
		syscall(SYS_getpid);
		usleep(1000);
	}
	return 0;
}

/*
 * The task skips its entry report for a native call outside the set of
 * the one engine that wants entries (engine-core's skip_entry_report()):
 * an engine attached to such a task must still hear its next calls, the
 * change of engines sending it back to its report.
 */
static void an_engine_attached_to_a_filtered_task_hears_its_calls(void)
{
	struct utrace_test_record rec[64];
	int fd = chan_open(), tfd = utd_open(), n = 0, slot;
	struct child c = spawn_watched(fd, getpid_every_ms, SYS_getppid, UTRACE_CHANNEL_ENTRY);
	struct utrace_test_attach a = {
		.pid = c.pid, .kind = UTRACE_TEST_RECORD,
		.events = UTRACE_TEST_EVENT_SYSCALL_ENTRY, .id = 7, .nr = SYS_getpid,
	};

	/* Its getpids and nanosleeps go by the engines meanwhile. */
	usleep(100 * 1000);
	slot = utd_attach(tfd, a);
	for (int i = 0; i < 200 && n == 0; i++) {
		usleep(10 * 1000);
		n = utd_read(tfd, rec, 64);
	}
	CHECK(n > 0 && rec[0].nr == SYS_getpid, "the engine attached later heard %d getpid "
	      "entries", n);
	ioctl(tfd, UTRACE_TEST_DETACH, slot);
	kill(c.pid, SIGKILL);
	wait_status(c.pid, SERVE_SECONDS);
	close(tfd);
	close(fd);
}

/*
 * A tracer's syscall stops are made in the entry report, at the tracer's
 * place among the engines: the report must not be skipped for a call
 * outside an engine's set while the tracer traces syscalls.  The first syscall stop after an
 * interrupt is an entry stop; an exit stop first says the entry stop was
 * skipped.
 */
static void a_tracer_stops_at_calls_outside_an_engine_s_set(void)
{
	struct ptrace_syscall_info info = { 0 };
	int fd = chan_open(), status = 0, stops = 0;
	struct child c = spawn_watched(fd, getpid_every_ms, SYS_getppid, UTRACE_CHANNEL_ENTRY);

	usleep(50 * 1000);
	CHECK(ptrace(PTRACE_SEIZE, c.pid, 0, PTRACE_O_TRACESYSGOOD) == 0, "seize: %s",
	      strerror(errno));
	CHECK(ptrace(PTRACE_INTERRUPT, c.pid, 0, 0) == 0, "interrupt: %s", strerror(errno));
	CHECK(waitpid(c.pid, &status, 0) == c.pid && WIFSTOPPED(status), "status %#x", status);
	while (stops++ < 8) {
		CHECK(ptrace(PTRACE_SYSCALL, c.pid, 0, 0) == 0, "SYSCALL: %s", strerror(errno));
		if (waitpid(c.pid, &status, 0) != c.pid || !WIFSTOPPED(status) ||
		    WSTOPSIG(status) == (SIGTRAP | 0x80))
			break;
	}
	CHECK(WIFSTOPPED(status) && WSTOPSIG(status) == (SIGTRAP | 0x80), "no syscall stop: "
	      "status %#x", status);
	CHECK(ptrace(PTRACE_GET_SYSCALL_INFO, c.pid, sizeof(info), &info) > 0, "info: %s",
	      strerror(errno));
	CHECK(info.op == PTRACE_SYSCALL_INFO_ENTRY, "the first syscall stop is op %d, nr %lld "
	      "(1: entry; 2: exit: its entry stop was skipped)", info.op,
	      (long long)info.entry.nr);
	kill(c.pid, SIGKILL);
	wait_status(c.pid, SERVE_SECONDS);
	close(fd);
}

/* --- UTRACE_CHANNEL_EXCHANGE: a reply and the next read in one call ---- */

static long exchange(int fd, struct utrace_channel_exchange *x)
{
	return ioctl(fd, UTRACE_CHANNEL_EXCHANGE, x);
}

/* Three getpids, each answered with its own result; then a getppid. */
static int three_getpids(void)
{
	long a = syscall(SYS_getpid), b = syscall(SYS_getpid), c = syscall(SYS_getpid);

	return (a == 101 && b == 102 && c == 103 ? 0 : 1) |
	       (syscall(SYS_getppid) == monitor_pid ? 0 : 2);
}

static void an_exchange_answers_an_event_and_reads_the_next(void)
{
	struct utrace_channel_reply r = { .action = UTRACE_CHANNEL_ABORT };
	struct utrace_channel_event ev[2] = { { 0 } };
	struct utrace_channel_exchange x = {
		.replies = (unsigned long)&r, .events = (unsigned long)ev, .nr_events = 2,
	};
	int fd = chan_open(), st;
	struct child c;
	long n;

	monitor_pid = getpid();
	c = spawn_watched(fd, three_getpids, SYS_getpid, UTRACE_CHANNEL_ENTRY);
	/* No reply yet: it only waits for the first event (replied untouched). */
	x.replied = 7;
	n = exchange(fd, &x);
	CHECK(n == 1 && x.replied == 7, "the first exchange: %ld events (%s), %u replied", n,
	      n < 0 ? strerror(errno) : "", x.replied);
	for (int i = 0; i < 3 && n == 1; i++) {
		CHECK(ev[0].kind == UTRACE_CHANNEL_SYSCALL_ENTRY && ev[0].nr == SYS_getpid &&
		      ev[0].pid == c.pid, "event %d: kind %u nr %lld pid %d", i, ev[0].kind,
		      (long long)ev[0].nr, ev[0].pid);
		r.id = ev[0].id;
		r.result = 101 + i;
		x.nr_replies = 1;
		/* The last: reply only, never a wait (getppid is not in the set). */
		x.nr_events = i < 2 ? 2 : 0;
		memset(ev, 0, sizeof(ev));
		n = exchange(fd, &x);
		CHECK(n == (i < 2 ? 1 : 0) && x.replied == 1,
		      "exchange %d: %ld events (%s), %u replied", i, n,
		      n < 0 ? strerror(errno) : "", x.replied);
	}
	st = wait_status(c.pid, SERVE_SECONDS);
	CHECK(exited_with(st, 0), "the child's status %#x (1: a getpid's result, 2: getppid)",
	      st);
	close(fd);
}

/* A getpid, then another 400 ms later. */
static int getpid_then_later_getpid(void)
{
	long a = syscall(SYS_getpid), b;

	usleep(400 * 1000);
	b = syscall(SYS_getpid);
	return a == 55 && b == 56 ? 0 : 1;
}

/*
 * Answers getpid_then_later_getpid()'s second getpid (event @id) with 56,
 * checks that the child @pid exits 0, and closes the channel @fd.
 */
static void answer_second_getpid(int fd, __u64 id, pid_t pid)
{
	struct utrace_channel_reply r = { .id = id, .action = UTRACE_CHANNEL_ABORT,
					  .result = 56 };
	int st;

	CHECK(answer(fd, &r) == 0, "the second reply: %s", strerror(errno));
	st = wait_status(pid, SERVE_SECONDS);
	CHECK(exited_with(st, 0), "the child's status %#x (1: the getpids' results)", st);
	close(fd);
}

/* Four getpids, 400 ms apart, answered 55, 56, 57 and 58. */
static int four_slow_getpids(void)
{
	long a = syscall(SYS_getpid), b, c, d;

	usleep(400 * 1000);
	b = syscall(SYS_getpid);
	usleep(400 * 1000);
	c = syscall(SYS_getpid);
	usleep(400 * 1000);
	d = syscall(SYS_getpid);
	return a == 55 && b == 56 && c == 57 && d == 58 ? 0 : 1;
}

static void on_alarm_restart(int sig)
{
	(void)sig;
}

static struct utrace_channel_reply zero_replies[1024];

/*
 * @init in a fresh mapping of two pages, placed so that its bytes before
 * @writable_from are on a read-only page and the rest on a writable one
 * (sizeof: all read-only); NULL if it cannot be mapped.
 */
static struct utrace_channel_exchange *partly_read_only(struct utrace_channel_exchange init,
							 size_t writable_from)
{
	char *pages = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			   -1, 0);
	struct utrace_channel_exchange *x;

	CHECK(pages != MAP_FAILED, "mmap: %s", strerror(errno));
	if (pages == MAP_FAILED)
		return NULL;
	x = (void *)(pages + 4096 - writable_from);
	*x = init;
	mprotect(pages, 4096, PROT_READ);
	return x;
}

static void unmap_partly_read_only(struct utrace_channel_exchange *x, size_t writable_from)
{
	munmap((char *)x + writable_from - 4096, 8192);
}

/* The next getpid entry through @x into @ev, not the event @prev: 1 if so. */
static int next_getpid_exchange(int fd, struct utrace_channel_exchange *x,
				const struct utrace_channel_event *ev, __u64 prev)
{
	long n = exchange(fd, x);

	CHECK(n == 1 && ev->nr == SYS_getpid && ev->id != prev, "the next getpid: %ld events "
	      "(%s), nr %lld", n, n < 0 ? strerror(errno) : "", (long long)ev->nr);
	return n == 1;
}

/*
 * Refused exchanges change nothing but what their replies before took: a
 * refused reply stops them and reads nothing, a bad pointer for the events
 * leaves them unread, a write-back that faults still leaves the replies
 * taken, and a signal in the wait after a reply is EINTR for a handler
 * without SA_RESTART, with nr_replies set to 0 (review: a restart must not
 * give the replies again).
 */
static void exchanges_are_checked(void)
{
	struct utrace_channel_reply r[2] = { { .action = UTRACE_CHANNEL_ABORT, .result = 55 } };
	struct utrace_channel_event ev = { 0 };
	struct utrace_channel_exchange x = { .events = (unsigned long)&ev }, *ro;
	struct sigaction sa = { .sa_handler = on_alarm_restart }, old;	/* no SA_RESTART */
	struct itimerval t = { .it_value = { .tv_usec = 100 * 1000 },
			       .it_interval = { .tv_usec = 100 * 1000 } }, off = { 0 };
	int fd = chan_open(), st;
	struct child c;

	CHECK_ERRNO(exchange(fd, (void *)8), EFAULT);
	/* Refused before any reply: replied is not written. */
	x.flags = 1;
	x.replied = 9;
	CHECK_ERRNO(exchange(fd, &x), EINVAL);
	x.flags = 0;
	x.replies = (unsigned long)r;
	x.nr_replies = 1025;
	CHECK_ERRNO(exchange(fd, &x), EINVAL);
	CHECK(x.replied == 9, "replied written by a refused exchange: %u", x.replied);
	/* 1024 is the limit, not over it: the first (id 0) is refused. */
	x.replies = (unsigned long)zero_replies;
	x.nr_replies = 1024;
	CHECK_ERRNO(exchange(fd, &x), ENOENT);
	CHECK(x.replied == 0, "%u of 1024 unknown replies taken", x.replied);
	x.nr_replies = 0;
	/* Nothing to read: O_NONBLOCK is EAGAIN, no room is 0. */
	fcntl(fd, F_SETFL, O_NONBLOCK);
	x.nr_events = 1;
	CHECK_ERRNO(exchange(fd, &x), EAGAIN);
	fcntl(fd, F_SETFL, 0);
	x.nr_events = 0;
	CHECK(exchange(fd, &x) == 0, "an empty exchange: %s", strerror(errno));

	c = spawn_watched(fd, four_slow_getpids, SYS_getpid, UTRACE_CHANNEL_ENTRY);
	r[0].id = wait_for_getpid(fd);
	CHECK(r[0].id != 0, "no getpid event");
	/* A bad reply pointer: nothing taken. */
	x.replies = 8;
	x.nr_replies = 1;
	x.replied = 9;
	CHECK_ERRNO(exchange(fd, &x), EFAULT);
	CHECK(x.replied == 0, "%u replied through a bad pointer", x.replied);
	/* An unknown action first: refused, nothing taken, nothing read. */
	r[1] = r[0];
	r[1].action = 2;
	x.replies = (unsigned long)&r[1];
	CHECK_ERRNO(exchange(fd, &x), EINVAL);
	CHECK(x.replied == 0, "%u replied with an unknown action", x.replied);
	/* A good reply and a stale one: the first taken, then ENOENT. */
	r[1] = r[0];
	x.replies = (unsigned long)r;
	x.nr_replies = 2;
	x.nr_events = 1;
	CHECK_ERRNO(exchange(fd, &x), ENOENT);
	CHECK(x.replied == 1, "%u replied of a good and a stale reply", x.replied);
	CHECK(ev.id == 0, "an event was read after a refused reply");
	/*
	 * The second getpid comes 400 ms later: events to a bad pointer are
	 * EFAULT, and the event stays unread for the next exchange.
	 */
	x.nr_replies = 0;
	x.events = 8;
	CHECK_ERRNO(exchange(fd, &x), EFAULT);
	x.events = (unsigned long)&ev;
	next_getpid_exchange(fd, &x, &ev, r[0].id);
	/*
	 * Its reply from a read-only argument: the write-back of replied
	 * faults, and the reply was taken all the same (the child's 56).
	 */
	r[0].id = ev.id;
	r[0].result = 56;
	ro = partly_read_only((struct utrace_channel_exchange){ .replies = (unsigned long)r,
								.nr_replies = 1 }, sizeof(*ro));
	if (!ro)
		return;
	CHECK_ERRNO(exchange(fd, ro), EFAULT);
	unmap_partly_read_only(ro, sizeof(*ro));
	next_getpid_exchange(fd, &x, &ev, r[0].id);
	/*
	 * Its reply, then a wait that a signal ends before the fourth getpid
	 * comes: EINTR, the reply taken, nr_replies 0.
	 */
	sigaction(SIGALRM, &sa, &old);
	r[0].id = ev.id;
	r[0].result = 57;
	x.nr_replies = 1;
	x.replied = 9;
	setitimer(ITIMER_REAL, &t, NULL);
	CHECK_ERRNO(exchange(fd, &x), EINTR);
	setitimer(ITIMER_REAL, &off, NULL);
	CHECK(x.replied == 1 && x.nr_replies == 0, "after the signal: %u replied, nr_replies %u",
	      x.replied, x.nr_replies);
	next_getpid_exchange(fd, &x, &ev, r[0].id);
	/*
	 * Its reply from an argument whose nr_replies the call cannot clear
	 * (read-only; replied writable), and a signal with SA_RESTART in the
	 * wait (the child exits): the call may not restart, EINTR (review).
	 */
	r[0].id = ev.id;
	r[0].result = 58;
	ro = partly_read_only((struct utrace_channel_exchange){
		.replies = (unsigned long)r, .nr_replies = 1,
		.events = (unsigned long)&ev, .nr_events = 1 }, offsetof(typeof(*ro), replied));
	if (!ro)
		return;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &t, NULL);
	CHECK_ERRNO(exchange(fd, ro), EINTR);
	setitimer(ITIMER_REAL, &off, NULL);
	CHECK(ro->replied == 1 && ro->nr_replies == 1, "an uncleared restart: %u replied, "
	      "nr_replies %u", ro->replied, ro->nr_replies);
	unmap_partly_read_only(ro, offsetof(typeof(*ro), replied));
	sigaction(SIGALRM, &old, NULL);
	st = wait_status(c.pid, SERVE_SECONDS);
	CHECK(exited_with(st, 0), "the child's status %#x (1: the getpids' results)", st);
	close(fd);
}

/* The second getpid of a child waits for a byte on this pipe. */
static int later_pipe[2];

static int getpid_then_getpid_on_cue(void)
{
	long a = syscall(SYS_getpid), b;
	char x;

	close(later_pipe[1]);
	if (read(later_pipe[0], &x, 1) != 1)
		return 3;
	b = syscall(SYS_getpid);
	return a == 55 && b == 56 ? 0 : 1;
}

/*
 * The monitor of an_exchange_restarts_after(): attaches to @pid, answers
 * its first getpid with an exchange that then waits, and checks what that
 * exchange returns after its wait was interrupted and it went on.  Exit codes: 0 right, 1 no event,
 * 2 the exchange failed, 3 its fields, 4 the last reply.
 */
static int stopped_monitor(pid_t pid, int ready)
{
	struct utrace_channel_reply r = { .action = UTRACE_CHANNEL_ABORT, .result = 55 };
	struct utrace_channel_event ev = { 0 };
	struct utrace_channel_exchange x = { .replies = (unsigned long)&r, .nr_replies = 1,
					     .events = (unsigned long)&ev, .nr_events = 1 };
	const long nrs[] = { SYS_getpid };
	int fd = chan_open();
	long n;

	if (chan_attach_set(fd, pid, UTRACE_CHANNEL_ENTRY, 0, nrs, 1, 64) < 0 ||
	    write(ready, "a", 1) != 1)
		return 1;
	r.id = wait_for_getpid(fd);
	if (!r.id)
		return 1;
	n = exchange(fd, &x);
	if (n != 1)
		return 2;
	if (ev.nr != SYS_getpid || x.replied != 1 || x.nr_replies != 0)
		return 3;
	r.id = ev.id;
	r.result = 56;
	return answer(fd, &r) ? 4 : 0;
}

/* What ends the wait of a monitor's exchange without a handler. */
enum interruption { BY_SIGSTOP, BY_V2_FREEZER, BY_PTRACE_INTERRUPT };

/* Interrupts @monitor's wait by @how, and lets it go on. */
static void interrupt_monitor(pid_t monitor, enum interruption how)
{
	int st = 0, err;

	switch (how) {
	case BY_SIGSTOP:
		kill(monitor, SIGSTOP);
		for (int i = 0; i < 500; i++) {
			if (waitpid(monitor, &st, WUNTRACED | WNOHANG) == monitor)
				break;
			usleep(10 * 1000);
		}
		CHECK(WIFSTOPPED(st), "the monitor did not stop: %#x", st);
		kill(monitor, SIGCONT);
		return;
	case BY_V2_FREEZER:
		err = cg_v2_group("channel_monitor");
		CHECK(err == 0, "the cgroup v2 group: %s", strerror(-err));
		if (err)
			return;
		CHECK(cg_v2_move("channel_monitor", monitor) == 0, "move: %s", strerror(errno));
		CHECK(cg_write_file(CG_V2 "/channel_monitor/cgroup.freeze", "1") == 0, "freeze");
		CHECK(cg_file_has_within(CG_V2 "/channel_monitor/cgroup.events", "frozen 1", 2000),
		      "the monitor did not freeze");
		CHECK(cg_write_file(CG_V2 "/channel_monitor/cgroup.freeze", "0") == 0, "thaw");
		return;
	case BY_PTRACE_INTERRUPT:
		CHECK(ptrace(PTRACE_SEIZE, monitor, 0, 0) == 0, "seize: %s", strerror(errno));
		CHECK(ptrace(PTRACE_INTERRUPT, monitor, 0, 0) == 0, "interrupt: %s",
		      strerror(errno));
		CHECK(waitpid(monitor, &st, __WALL) == monitor && WIFSTOPPED(st) &&
		      st >> 16 == PTRACE_EVENT_STOP, "the monitor's interrupt stop: %#x", st);
		CHECK(ptrace(PTRACE_DETACH, monitor, 0, 0) == 0, "detach: %s", strerror(errno));
		return;
	}
}

/*
 * Review finding: a stop of the monitor (SIGSTOP, the freezer, a
 * debugger's attach) ends an exchange's wait without a handler; the call
 * must restart without giving its replies twice, not fail with EINTR.
 */
static void an_exchange_restarts_after(enum interruption how)
{
	int ready[2], st;
	pid_t monitor;
	struct child c;
	char x;

	if (pipe2(later_pipe, O_CLOEXEC) || pipe2(ready, O_CLOEXEC)) {
		CHECK(0, "pipe: %s", strerror(errno));
		return;
	}
	c = spawn(getpid_then_getpid_on_cue);
	close(later_pipe[0]);
	monitor = fork();
	if (monitor == 0) {
		close(ready[0]);
		close(later_pipe[1]);
		_exit(stopped_monitor(c.pid, ready[1]));
	}
	close(ready[1]);
	CHECK(read(ready[0], &x, 1) == 1, "the monitor did not attach");
	close(ready[0]);
	go(&c);
	/* The monitor answers the first getpid, then waits in its exchange. */
	CHECK(UTD_POLL(utd_in_syscall(monitor, SYS_ioctl)), "the monitor is not in its exchange");
	interrupt_monitor(monitor, how);
	if (write(later_pipe[1], "g", 1) != 1)
		KTAP_DIAG("could not cue the child: %s", strerror(errno));
	close(later_pipe[1]);
	st = wait_status(monitor, SERVE_SECONDS);
	CHECK(exited_with(st, 0), "the monitor's status %#x (2: the exchange failed, 3: its "
	      "fields)", st);
	st = wait_status(c.pid, SERVE_SECONDS);
	CHECK(exited_with(st, 0), "the child's status %#x", st);
	if (how == BY_V2_FREEZER)
		rmdir(CG_V2 "/channel_monitor");
}

static void a_stopped_exchange_restarts_without_its_replies(void)
{
	an_exchange_restarts_after(BY_SIGSTOP);
}

static void a_frozen_exchange_restarts_without_its_replies(void)
{
	an_exchange_restarts_after(BY_V2_FREEZER);
}

static void an_exchange_interrupted_by_a_tracer_restarts_without_its_replies(void)
{
	an_exchange_restarts_after(BY_PTRACE_INTERRUPT);
}

/*
 * A signal in an exchange's wait that took no reply restarts it
 * (SA_RESTART): it returns the event that came after the signal.
 */
static void an_exchange_without_replies_restarts(void)
{
	struct utrace_channel_event ev = { 0 };
	struct utrace_channel_exchange x = { .events = (unsigned long)&ev, .nr_events = 1 };
	struct sigaction sa = { .sa_handler = on_alarm_restart, .sa_flags = SA_RESTART }, old;
	struct itimerval t = { .it_value = { .tv_usec = 50 * 1000 } };
	struct utrace_channel_reply r = { .action = UTRACE_CHANNEL_ABORT, .result = 55 };
	int fd = chan_open();
	struct child c;

	c = spawn(getpid_then_later_getpid);
	/* The first getpid is answered by the serve below; the second comes late. */
	CHECK(chan_attach_set(fd, c.pid, UTRACE_CHANNEL_ENTRY, 0,
			      (const long[]){ SYS_getpid }, 1, 64) >= 0, "attach: %s",
	      strerror(errno));
	go(&c);
	r.id = wait_for_getpid(fd);
	CHECK(answer(fd, &r) == 0, "the first reply: %s", strerror(errno));
	sigaction(SIGALRM, &sa, &old);
	setitimer(ITIMER_REAL, &t, NULL);
	CHECK(exchange(fd, &x) == 1 && ev.nr == SYS_getpid, "after the signal: nr %lld (%s)",
	      (long long)ev.nr, strerror(errno));
	sigaction(SIGALRM, &old, NULL);
	answer_second_getpid(fd, ev.id, c.pid);
}

static int getpid_is_55(void)
{
	return syscall(SYS_getpid) == 55 ? 0 : 1;
}

#define BATCH_CHILDREN 6

/* Lets child @i go, and waits until it waits in its getpid's entry. */
static void go_to_getpid(struct child *c, int i)
{
	go(c);
	CHECK(UTD_POLL(utd_in_syscall(c->pid, SYS_getpid)), "child %d does not wait in getpid",
	      i);
}

/* Answers event @id: its getpid returns 55. */
static void answer_55(int fd, __u64 id)
{
	struct utrace_channel_reply r = { .id = id, .action = UTRACE_CHANNEL_ABORT, .result = 55 };

	CHECK(answer(fd, &r) == 0, "reply: %s", strerror(errno));
}

/* Each of the @n children of getpid_is_55 exits with 0. */
static void all_got_55(const struct child *c, int n)
{
	for (int i = 0; i < n; i++) {
		int st = wait_status(c[i].pid, SERVE_SECONDS);

		CHECK(exited_with(st, 0), "child %d's status %#x (1: getpid not 55)", i, st);
	}
}

/*
 * Review finding: an exchange takes at most 4 events whatever nr_events
 * says (here UINT32_MAX, into 4 records that end at a page the caller
 * cannot write), an event that does not fit before a fault stays unread,
 * and replies given with O_NONBLOCK and nothing to read are taken (EAGAIN,
 * replied counts them).
 */
static void an_exchange_reads_at_most_four_and_leaves_the_rest(void)
{
	struct utrace_channel_reply r[BATCH_CHILDREN] = { { 0 } };
	struct utrace_channel_exchange x = { 0 }, *xp;
	struct child c[BATCH_CHILDREN];
	struct utrace_channel_event *ev;
	int fd = chan_open(), got = 0, waiting = 0;
	long n;
	char *pages;

	pages = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(pages != MAP_FAILED, "mmap: %s", strerror(errno));
	if (pages == MAP_FAILED)
		return;
	mprotect(pages + 4096, 4096, PROT_NONE);
	for (int i = 0; i < BATCH_CHILDREN; i++)
		c[i] = spawn_watched(fd, getpid_is_55, SYS_getpid, UTRACE_CHANNEL_ENTRY);
	/* Every child waits in its getpid's entry: six events unread. */
	for (int t = 0; t < 1000 && waiting < BATCH_CHILDREN; t++) {
		waiting = 0;
		for (int i = 0; i < BATCH_CHILDREN; i++)
			waiting += utd_in_syscall(c[i].pid, SYS_getpid);
		if (waiting < BATCH_CHILDREN)
			usleep(10 * 1000);
	}
	CHECK(waiting == BATCH_CHILDREN, "%d children wait in getpid", waiting);
	/* All six are queued: a read that finds none is the test's failure, not a hang. */
	fcntl(fd, F_SETFL, O_NONBLOCK);
	/* Four records ending at the guard page: four events, not more. */
	ev = (struct utrace_channel_event *)(pages + 4096) - 4;
	x.events = (unsigned long)ev;
	x.nr_events = UINT32_MAX;
	n = exchange(fd, &x);
	CHECK(n == 4, "an exchange with room for UINT32_MAX read %ld (%s)", n,
	      n < 0 ? strerror(errno) : "");
	for (int i = 0; i < n && i < 4; i++)
		r[got++].id = ev[i].id;
	/* Room for one before the guard page, two asked: one read, one left. */
	ev = (struct utrace_channel_event *)(pages + 4096) - 1;
	x.events = (unsigned long)ev;
	x.nr_events = 2;
	n = exchange(fd, &x);
	CHECK(n == 1, "an exchange with room for one read %ld (%s)", n,
	      n < 0 ? strerror(errno) : "");
	if (n == 1)
		r[got++].id = ev[0].id;
	x.events = (unsigned long)pages;
	x.nr_events = 1;
	n = exchange(fd, &x);
	CHECK(n == 1, "the event left: %ld (%s)", n, n < 0 ? strerror(errno) : "");
	if (n == 1)
		r[got++].id = ((struct utrace_channel_event *)pages)->id;
	/*
	 * The six replies, and nothing to read: EAGAIN, the replies taken.
	 * The argument straddles two pages, all but replied and flags on a
	 * read-only one: only replied is written back (review: the whole
	 * argument was, from the kernel's copy).
	 */
	for (int i = 0; i < got; i++) {
		r[i].action = UTRACE_CHANNEL_ABORT;
		r[i].result = 55;
	}
	xp = partly_read_only((struct utrace_channel_exchange){
		.replies = (unsigned long)r, .nr_replies = got,
		.events = (unsigned long)pages, .nr_events = 1 }, offsetof(typeof(*xp), replied));
	if (xp) {
		CHECK_ERRNO(exchange(fd, xp), EAGAIN);
		CHECK(got == BATCH_CHILDREN && xp->replied == BATCH_CHILDREN,
		      "%u of %d replies taken", xp->replied, got);
		unmap_partly_read_only(xp, offsetof(typeof(*xp), replied));
	}
	all_got_55(c, BATCH_CHILDREN);
	munmap(pages, 8192);
	close(fd);
}

/*
 * Events are read oldest first, whatever the slots their engines sit in:
 * six children attached in one order wait in getpid in the reverse one.
 * A read of four takes the four oldest of six (more than fit); the next
 * read takes the last two (all that are unread), still oldest first.
 */
static void events_are_read_oldest_first(void)
{
	struct utrace_channel_event ev[4];
	struct child c[BATCH_CHILDREN];
	int fd = chan_open(), next = BATCH_CHILDREN - 1;
	long nr = SYS_getpid;

	for (int i = 0; i < BATCH_CHILDREN; i++) {
		c[i] = spawn(getpid_is_55);
		CHECK(chan_attach_set(fd, c[i].pid, UTRACE_CHANNEL_ENTRY, 0, &nr, 1, 64) >= 0,
		      "attach %d: %s", i, strerror(errno));
	}
	/* The last attached queues first: each waits before the next goes. */
	for (int i = BATCH_CHILDREN - 1; i >= 0; i--)
		go_to_getpid(&c[i], i);
	fcntl(fd, F_SETFL, O_NONBLOCK);
	for (int round = 0; round < 2; round++) {
		long n = read(fd, ev, sizeof(ev));
		int want = round == 0 ? 4 : BATCH_CHILDREN - 4;

		CHECK(n == want * (long)sizeof(ev[0]), "read %d: %ld bytes (%s), wanted %d events",
		      round, n, n < 0 ? strerror(errno) : "", want);
		for (int k = 0; k < n / (long)sizeof(ev[0]); k++, next--) {
			CHECK(next >= 0 && ev[k].pid == c[next].pid,
			      "read %d, event %d: pid %d, wanted child %d's (%d)", round, k,
			      ev[k].pid, next, next >= 0 ? c[next].pid : -1);
			answer_55(fd, ev[k].id);
		}
	}
	CHECK(next == -1, "%d events not read", next + 1);
	all_got_55(c, BATCH_CHILDREN);
	close(fd);
}

/* Spawns @n children of @fd's getpid entries, each waiting in turn. */
static void spawn_waiting_in_order(int fd, struct child *c, int *number, int n)
{
	long nr = SYS_getpid;

	for (int i = 0; i < n; i++) {
		c[i] = spawn(getpid_is_55);
		number[i] = chan_attach_set(fd, c[i].pid, UTRACE_CHANNEL_ENTRY, 0, &nr, 1, 64);
		CHECK(number[i] >= 0, "attach %d: %s", i, strerror(errno));
		go_to_getpid(&c[i], i);
	}
}

/*
 * An unread event leaves the queue with its wait: of three children
 * waiting in getpid, the first is killed and the second's engine is
 * detached (it runs the real getpid); a read with room for one finds the
 * third's event, and then nothing is left.
 */
static void events_gone_unread_leave_the_queue(void)
{
	struct utrace_channel_event ev;
	struct pollfd pf;
	struct child c[3];
	int fd = chan_open(), number[3], st;
	long n;

	spawn_waiting_in_order(fd, c, number, 3);
	kill(c[0].pid, SIGKILL);
	st = wait_status(c[0].pid, SERVE_SECONDS);
	CHECK(st != -1 && WIFSIGNALED(st), "the killed child's status %#x", st);
	CHECK(ioctl(fd, UTRACE_CHANNEL_DETACH, number[1]) == 0, "detach: %s", strerror(errno));
	st = wait_status(c[1].pid, SERVE_SECONDS);
	CHECK(exited_with(st, 1), "the detached child's status %#x (1: the real getpid)", st);
	CHECK(fcntl(fd, F_SETFL, O_NONBLOCK) == 0, "O_NONBLOCK: %s", strerror(errno));
	n = read(fd, &ev, sizeof(ev));
	CHECK(n == (long)sizeof(ev) && ev.pid == c[2].pid,
	      "read %ld bytes (%s), pid %d; wanted the third child's event (%d)", n,
	      n < 0 ? strerror(errno) : "", n > 0 ? ev.pid : 0, c[2].pid);
	if (n > 0)
		answer_55(fd, ev.id);
	pf = (struct pollfd){ .fd = fd, .events = POLLIN };
	CHECK(poll(&pf, 1, 0) == 0, "readable with every event gone or read");
	CHECK_ERRNO(read(fd, &ev, sizeof(ev)), EAGAIN);
	st = wait_status(c[2].pid, SERVE_SECONDS);
	CHECK(exited_with(st, 0), "the third child's status %#x (1: getpid not 55)", st);
	close(fd);
}

/*
 * Events a reader did not get go back in their place by age: of six
 * waiting in order, a read of four whose second record faults gets the
 * first; the next read gets the second to the fifth, in order, and the
 * last read the sixth.
 */
static void events_not_copied_keep_their_place(void)
{
	struct utrace_channel_event *ev;
	struct child c[BATCH_CHILDREN];
	int fd = chan_open(), number[BATCH_CHILDREN], next = 0;
	char *pages;

	pages = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(pages != MAP_FAILED, "mmap: %s", strerror(errno));
	if (pages == MAP_FAILED)
		return;
	CHECK(mprotect(pages + 4096, 4096, PROT_NONE) == 0, "mprotect: %s", strerror(errno));
	spawn_waiting_in_order(fd, c, number, BATCH_CHILDREN);
	CHECK(fcntl(fd, F_SETFL, O_NONBLOCK) == 0, "O_NONBLOCK: %s", strerror(errno));
	/* The second record straddles the guard page. */
	ev = (struct utrace_channel_event *)(pages + 4096 - sizeof(*ev) - sizeof(*ev) / 2);
	for (int round = 0; round < 3; round++) {
		long want = round == 0 ? 1 : round == 1 ? 4 : 1;
		long n = read(fd, ev, 4 * sizeof(*ev));

		CHECK(n == want * (long)sizeof(*ev), "read %d: %ld bytes (%s), wanted %ld events",
		      round, n, n < 0 ? strerror(errno) : "", want);
		for (int k = 0; k < n / (long)sizeof(*ev); k++, next++) {
			CHECK(next < BATCH_CHILDREN && ev[k].pid == c[next].pid,
			      "read %d, event %d: pid %d, wanted child %d's", round, k, ev[k].pid,
			      next);
			answer_55(fd, ev[k].id);
		}
		/* From the second read on, the records start where all four fit. */
		ev = (struct utrace_channel_event *)pages;
	}
	CHECK(next == BATCH_CHILDREN, "%d events read, wanted %d", next, BATCH_CHILDREN);
	all_got_55(c, BATCH_CHILDREN);
	munmap(pages, 8192);
	close(fd);
}

/*
 * Review finding: a task held just before it queues its event, while its
 * engine is detached and the slot given out until its generation came
 * round again (2^20 attaches; the test kernel steps the generation by
 * 2^19, so two do it), queued into the new occupant's slot, where no
 * reply, detach or close could reach it, and a read of it warned. It
 * must find its engine gone and run its call as without the engine.
 */
static void a_stale_engine_does_not_queue_in_a_reused_slot(void)
{
	int tfd = utd_open(), fd = chan_open(), before, st;
	struct utrace_channel_event ev;
	struct child a, b, c;
	long nr = SYS_getpid, na, nb, nc, n;

	before = ioctl(tfd, UTRACE_TEST_QUEUE_DELAYED, 0);
	CHECK(ioctl(tfd, UTRACE_TEST_CHANNEL_GEN_STEP, 1UL << 19) == 0, "step: %s",
	      strerror(errno));
	a = spawn(getpid_is_55);
	na = chan_attach_set(fd, a.pid, UTRACE_CHANNEL_ENTRY, 0, &nr, 1, 64);
	CHECK(na >= 0, "attach a: %s", strerror(errno));
	CHECK(ioctl(tfd, UTRACE_TEST_QUEUE_DELAY, 1500) == 0, "arm: %s", strerror(errno));
	go(&a);
	CHECK(wait_delayed(tfd, UTRACE_TEST_QUEUE_DELAYED, before),
	      "the task never came to its queue");
	CHECK(ioctl(fd, UTRACE_CHANNEL_DETACH, na) == 0, "detach a: %s", strerror(errno));
	b = spawn(getpid_is_55);
	nb = chan_attach_set(fd, b.pid, UTRACE_CHANNEL_ENTRY, 0, &nr, 1, 64);
	CHECK(nb >= 0 && ioctl(fd, UTRACE_CHANNEL_DETACH, nb) == 0, "attach, detach b: %s",
	      strerror(errno));
	c = spawn(getpid_is_55);
	nc = chan_attach_set(fd, c.pid, UTRACE_CHANNEL_ENTRY, 0, &nr, 1, 64);
	CHECK(nc == na, "c's engine number %ld, wanted a's again (%ld): the slot's "
	      "generation did not come round", nc, na);
	/* a leaves its delay: its engine is gone, its getpid is the real one. */
	st = wait_status(a.pid, SERVE_SECONDS);
	CHECK(exited_with(st, 1), "a's status %#x (1: the real getpid; -1: stuck in a "
	      "slot that is not its engine's)", st);
	fcntl(fd, F_SETFL, O_NONBLOCK);
	CHECK_ERRNO(read(fd, &ev, sizeof(ev)), EAGAIN);
	/* c, the slot's occupant, is served as usual. */
	fcntl(fd, F_SETFL, 0);
	go(&c);
	n = next_event(fd, &ev, SERVE_SECONDS * 1000);
	CHECK(n == 1 && ev.pid == c.pid, "c's event: %ld, pid %d (c: %d)", n, ev.pid, c.pid);
	if (n == 1)
		answer_55(fd, ev.id);
	CHECK(exited_with(wait_status(c.pid, SERVE_SECONDS), 0), "c's status (1: getpid not 55)");
	kill(b.pid, SIGKILL);
	waitpid(b.pid, NULL, 0);
	close(b.go);
	ioctl(tfd, UTRACE_TEST_QUEUE_DELAY, 0);
	ioctl(tfd, UTRACE_TEST_CHANNEL_GEN_STEP, 0);
	close(fd);
	close(tfd);
}

/* What an SA_RESTART handler saw of the exchange that its signal ended. */
static struct utrace_channel_exchange restart_x;
static volatile __u32 seen_nr_replies = 99, seen_replied = 99;
static volatile int handler_runs;

static void on_alarm_look(int sig)
{
	(void)sig;
	seen_nr_replies = restart_x.nr_replies;
	seen_replied = restart_x.replied;
	handler_runs++;
}

/*
 * An exchange that gave a reply and then waits, ended by signals whose
 * handler has SA_RESTART: the handler sees nr_replies 0 and replied 1,
 * and the restarted call returns the event that comes later (review).
 */
static void an_exchange_with_replies_restarts_under_sa_restart(void)
{
	struct utrace_channel_reply r = { .action = UTRACE_CHANNEL_ABORT, .result = 55 };
	struct utrace_channel_event ev = { 0 };
	struct sigaction sa = { .sa_handler = on_alarm_look, .sa_flags = SA_RESTART }, old;
	struct itimerval t = { .it_value = { .tv_usec = 50 * 1000 },
			       .it_interval = { .tv_usec = 50 * 1000 } }, off = { 0 };
	int fd = chan_open();
	struct child c = spawn_watched(fd, getpid_then_later_getpid, SYS_getpid,
				       UTRACE_CHANNEL_ENTRY);
	long n;

	r.id = wait_for_getpid(fd);
	CHECK(r.id != 0, "no getpid event");
	restart_x = (struct utrace_channel_exchange){ .replies = (unsigned long)&r,
						      .nr_replies = 1, .replied = 9,
						      .events = (unsigned long)&ev, .nr_events = 1 };
	handler_runs = 0;
	sigaction(SIGALRM, &sa, &old);
	setitimer(ITIMER_REAL, &t, NULL);
	n = exchange(fd, &restart_x);
	setitimer(ITIMER_REAL, &off, NULL);
	sigaction(SIGALRM, &old, NULL);
	CHECK(n == 1 && ev.nr == SYS_getpid && ev.id != r.id, "the restarted exchange: %ld "
	      "(%s), nr %lld", n, n < 0 ? strerror(errno) : "", (long long)ev.nr);
	CHECK(handler_runs > 0 && seen_nr_replies == 0 && seen_replied == 1,
	      "%d handler runs; the last saw nr_replies %u, replied %u", handler_runs,
	      seen_nr_replies, seen_replied);
	CHECK(restart_x.replied == 1 && restart_x.nr_replies == 0, "after: replied %u, "
	      "nr_replies %u", restart_x.replied, restart_x.nr_replies);
	answer_second_getpid(fd, ev.id, c.pid);
}

/* Two monitor threads on one channel: one exchanges, the other reads and writes. */
#define RACE_CALLS 400

static int getpid_many(void)
{
	for (int i = 0; i < RACE_CALLS; i++)
		if (syscall(SYS_getpid) != 4242)
			return 1;
	return 0;
}

struct racer {
	int fd, exchange;
	volatile int *stop;
	long answered, errors;
};

static void *race_monitor(void *arg)
{
	struct racer *m = arg;
	struct utrace_channel_event ev[4];
	struct utrace_channel_reply r[4];
	struct utrace_channel_exchange x = { .replies = (unsigned long)r,
					     .events = (unsigned long)ev, .nr_events = 4 };

	while (!*m->stop) {
		struct pollfd p = { .fd = m->fd, .events = POLLIN };
		long n;

		if (poll(&p, 1, 20) <= 0)
			continue;
		if (m->exchange) {
			x.nr_replies = 0;
			n = exchange(m->fd, &x);
		} else {
			n = read(m->fd, ev, sizeof(ev));
			n = n > 0 ? n / (long)sizeof(ev[0]) : n;
		}
		if (n < 0) {
			/* The other thread took them first. */
			m->errors += errno != EAGAIN;
			continue;
		}
		for (long i = 0; i < n; i++)
			r[i] = (struct utrace_channel_reply){ .id = ev[i].id,
							      .action = UTRACE_CHANNEL_ABORT,
							      .result = 4242 };
		if (m->exchange) {
			x.nr_replies = n;
			x.nr_events = 0;
			m->errors += exchange(m->fd, &x) != 0 || x.replied != n;
			x.nr_events = 4;
		} else {
			m->errors += write(m->fd, r, n * sizeof(r[0])) != (ssize_t)(n * sizeof(r[0]));
		}
		m->answered += n;
	}
	return NULL;
}

/*
 * An exchange and a read(2) + write(2) monitor answering the same
 * channel's events from two threads: each event reaches one of them, is
 * answered once, and nothing is reported (KASAN, lockdep) under the race.
 */
static void two_threads_exchange_and_read_one_channel(void)
{
	volatile int stop = 0;
	int fd = open("/dev/utrace-channel", O_RDWR | O_CLOEXEC | O_NONBLOCK), st;
	struct racer a = { .fd = fd, .exchange = 1, .stop = &stop };
	struct racer b = { .fd = fd, .exchange = 0, .stop = &stop };
	struct child c = spawn_watched(fd, getpid_many, SYS_getpid, UTRACE_CHANNEL_ENTRY);
	pthread_t ta, tb;

	pthread_create(&ta, NULL, race_monitor, &a);
	pthread_create(&tb, NULL, race_monitor, &b);
	st = wait_status(c.pid, SERVE_SECONDS * 2);
	stop = 1;
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	CHECK(exited_with(st, 0), "the child's status %#x (1: a getpid not virtualized)", st);
	CHECK(a.answered + b.answered == RACE_CALLS && !a.errors && !b.errors,
	      "answered %ld by the exchange, %ld by read + write; errors %ld, %ld", a.answered,
	      b.answered, a.errors, b.errors);
	close(fd);
}

KTAP_MAIN("guest_channel",
	  KTAP_CASE(getpid_is_virtualized_and_getppid_passes),
	  KTAP_CASE(arguments_and_results_are_changed),
	  KTAP_CASE(every_exit_and_the_aborted_one),
	  KTAP_CASE(the_waiting_task_s_memory),
	  KTAP_CASE(close_lets_waiting_tasks_run),
	  KTAP_CASE(close_fails_waiting_calls_with_enosys),
	  KTAP_CASE(detach_lets_the_waiting_task_go),
	  KTAP_CASE(sigkill_ends_a_wait),
	  KTAP_CASE(replies_and_reads_are_checked),
	  KTAP_CASE(attaches_are_checked),
	  KTAP_CASE(children_are_followed_and_their_exit_changed),
	  KTAP_CASE(a_child_followed_while_the_channel_closes_runs),
	  KTAP_CASE(an_exec_is_reported),
	  KTAP_CASE(an_answer_after_sigkill_does_not_run_the_call),
	  KTAP_CASE(a_killed_wait_is_not_undone_by_a_later_engine),
	  KTAP_CASE(events_of_an_attach_under_way_are_readable),
	  KTAP_CASE(own_process_and_dead_engines_are_refused),
	  KTAP_CASE(a_refused_attach_leaves_the_outcome_open),
	  KTAP_CASE(an_entry_aborted_nearer_the_program_is_marked),
	  KTAP_CASE(strace_inside_sees_the_monitor_s_result),
	  KTAP_CASE(strace_outside_sees_the_kernel_s_result),
	  KTAP_CASE(a_syscall_set_names_the_calls_reported),
	  KTAP_CASE(a_followed_child_has_its_parent_s_set),
	  KTAP_CASE(an_engine_attached_to_a_filtered_task_hears_its_calls),
	  KTAP_CASE(a_tracer_stops_at_calls_outside_an_engine_s_set),
	  KTAP_CASE(calls_of_another_abi_pass_any_set),
	  KTAP_CASE(syscall_sets_are_checked),
	  KTAP_CASE(addfd_sends_a_file_as_the_call_s_result),
	  KTAP_CASE(addfd_places_a_file_and_the_call_goes_on),
	  KTAP_CASE(addfd_requests_are_checked),
	  KTAP_CASE(a_pending_addfd_is_withdrawn_or_failed),
	  KTAP_CASE(a_withdrawn_addfd_leaves_the_event_waiting),
	  KTAP_CASE(a_slow_install_does_not_hold_the_channel),
	  KTAP_CASE(a_channel_file_is_not_installed),
	  KTAP_CASE(an_undumpable_task_gets_no_file),
	  KTAP_CASE(an_exit_follows_its_entry_whatever_its_number),
	  KTAP_CASE(a_request_waits_for_the_v2_thaw),
	  KTAP_CASE(a_send_withdrawn_during_its_install_is_not_published),
	  KTAP_CASE(a_repeated_entry_keeps_the_exit),
	  KTAP_CASE(an_engine_attached_during_a_call_hears_its_exit),
	  KTAP_CASE(an_exchange_answers_an_event_and_reads_the_next),
	  KTAP_CASE(exchanges_are_checked),
	  KTAP_CASE(an_exchange_without_replies_restarts),
	  KTAP_CASE(a_stopped_exchange_restarts_without_its_replies),
	  KTAP_CASE(a_frozen_exchange_restarts_without_its_replies),
	  KTAP_CASE(an_exchange_interrupted_by_a_tracer_restarts_without_its_replies),
	  KTAP_CASE(an_exchange_reads_at_most_four_and_leaves_the_rest),
	  KTAP_CASE(events_are_read_oldest_first),
	  KTAP_CASE(events_gone_unread_leave_the_queue),
	  KTAP_CASE(events_not_copied_keep_their_place),
	  KTAP_CASE(a_stale_engine_does_not_queue_in_a_reused_slot),
	  KTAP_CASE(an_exchange_with_replies_restarts_under_sa_restart),
	  KTAP_CASE(two_threads_exchange_and_read_one_channel))
