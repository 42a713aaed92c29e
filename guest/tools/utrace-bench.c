// SPDX-License-Identifier: GPL-2.0
/*
 * utrace-bench - what each way of intercepting a syscall costs, in one boot.
 *
 * Every mechanism is measured as a ratio to untraced getpid() measured
 * right before it in the same process, over several interleaved rounds;
 * the table gives the median ratio and its spread, and, beside the
 * times, figures that machine noise does not move: tracer stops, ptrace
 * calls and context switches per traced syscall.  Run by `make bench`;
 * the JSON goes to stdout after the line "JSON:".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <linux/utrace.h>
#include <linux/utrace_test.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "ptrace.h"

#define ROUNDS 5
#define CALLS 20000
/* Each traced call costs a tracer round trip: fewer calls give as stable
 * a ratio. */
#define PTRACE_CALLS 1000
#define MAX_ROWS 32

static double now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e9 + t.tv_nsec;
}

/* ns per getpid over @n calls in this process. */
static double loop_ns(int n)
{
	double t0 = now_ns();

	for (int i = 0; i < n; i++)
		syscall(SYS_getpid);
	return (now_ns() - t0) / n;
}

struct row {
	const char *name;
	double ratio[ROUNDS];
	double ns[ROUNDS];
	double stops, ptrace_calls, switches;	/* per traced syscall; <0: n/a */
};

static struct row rows[MAX_ROWS];
static int nrows;

static struct row *row(const char *name)
{
	for (int i = 0; i < nrows; i++)
		if (!strcmp(rows[i].name, name))
			return &rows[i];
	rows[nrows].name = name;
	rows[nrows].stops = rows[nrows].ptrace_calls = rows[nrows].switches = -1;
	return &rows[nrows++];
}

/* A child that measures untraced, then traced, and reports both. */
struct result {
	double base, traced;
	long switches;	/* voluntary + involuntary, during the traced loop */
};

static long switches_now(int who)
{
	struct rusage ru;

	getrusage(who, &ru);
	return ru.ru_nvcsw + ru.ru_nivcsw;
}

/* ---- in-process mechanisms: set up, loop, tear down ---- */

static int seccomp_filter(void)
{
	/* Looks at an argument, so seccomp's cache cannot answer for it. */
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0])),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x5eccu, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = sizeof(f) / sizeof(f[0]), .filter = f };

	return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	       syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog);
}

/* @n no-op engines on this process (they log only a syscall never made). */
static int noop_engines(int n)
{
	int fd = open("/dev/utrace-test", O_RDWR);

	for (int i = 0; fd >= 0 && i < n; i++) {
		struct utrace_test_attach a = {
			.kind = UTRACE_TEST_RECORD, .id = i, .nr = 511,
			.events = UTRACE_TEST_EVENT_SYSCALL_ENTRY | UTRACE_TEST_EVENT_SYSCALL_EXIT,
		};
		if (ioctl(fd, UTRACE_TEST_ATTACH, &a) < 0)
			return -1;
	}
	return fd;
}

static int strace_over_vm(void)
{
	const char *rules = "return getuid 1000";
	int fd = open("/dev/utrace", O_RDWR);
	struct utrace_vm_attach v = { .rules = (unsigned long)rules, .rules_len = strlen(rules) };
	struct utrace_strace_attach s = { 0 };

	if (fd < 0 || ioctl(fd, UTRACE_ATTACH_VM, &v) < 0 || ioctl(fd, UTRACE_ATTACH_STRACE, &s) < 0)
		return -1;
	return fd;
}

/* Runs @setup in a child, measures there; -1 if the mechanism failed. */
static int in_child(int (*setup)(int), int arg, struct result *r)
{
	int p[2];
	pid_t pid;

	if (pipe(p))
		return -1;
	pid = fork();
	if (pid == 0) {
		struct result res;
		long sw;

		res.base = loop_ns(CALLS);
		if (setup(arg) < 0)
			_exit(1);
		sw = switches_now(RUSAGE_SELF);
		res.traced = loop_ns(CALLS);
		res.switches = switches_now(RUSAGE_SELF) - sw;
		if (write(p[1], &res, sizeof(res)) != sizeof(res))
			_exit(2);
		_exit(0);
	}
	close(p[1]);
	if (read(p[0], r, sizeof(*r)) != sizeof(*r))
		r->traced = -1;
	close(p[0]);
	waitpid(pid, NULL, 0);
	return r->traced < 0 ? -1 : 0;
}

static int setup_none(int arg) { (void)arg; return 0; }
static int setup_seccomp(int arg) { (void)arg; return seccomp_filter(); }
static int setup_engines(int n) { return noop_engines(n) < 0 ? -1 : 0; }
static int setup_stacked(int arg) { (void)arg; return strace_over_vm() < 0 ? -1 : 0; }

/* ---- signals: a signal to oneself, taken by a handler ---- */

#define SIGNALS 500

static volatile sig_atomic_t signals_taken;

static void take_signal(int sig)
{
	(void)sig;
	signals_taken++;
}

/* ns per SIGUSR1 sent to this thread and taken by its handler. */
static double signal_loop_ns(int n)
{
	pid_t pid = getpid(), tid = syscall(SYS_gettid);
	double t0;

	signal(SIGUSR1, take_signal);
	t0 = now_ns();
	for (int i = 0; i < n; i++)
		syscall(SYS_tgkill, pid, tid, SIGUSR1);
	return (now_ns() - t0) / n;
}

/* One engine that watches every signal (and logs none: nr 511). */
static int signal_engine(void)
{
	int fd = open("/dev/utrace-test", O_RDWR);
	struct utrace_test_attach a = {
		.kind = UTRACE_TEST_RECORD, .id = 1, .nr = 511,
		.events = UTRACE_TEST_EVENT_SIGNAL_ALL,
	};

	return fd < 0 || ioctl(fd, UTRACE_TEST_ATTACH, &a) < 0 ? -1 : fd;
}

/*
 * Signals in a child: untraced, then under @how: 0 one signal engine, 1 a
 * ptrace tracer that passes each signal on from its signal-delivery stop.
 */
static int signal_costs(int how, struct result *r)
{
	int p[2], status;
	pid_t pid;

	if (pipe(p))
		return -1;
	pid = fork();
	if (pid == 0) {
		struct result res = { 0 };

		res.base = signal_loop_ns(SIGNALS);
		if (how == 0 && signal_engine() < 0)
			_exit(1);
		if (how == 1) {
			ptrace(PTRACE_TRACEME, 0, 0, 0);
			raise(SIGSTOP);
		}
		res.traced = signal_loop_ns(SIGNALS);
		if (write(p[1], &res, sizeof(res)) != sizeof(res))
			_exit(2);
		_exit(0);
	}
	close(p[1]);
	while (waitpid(pid, &status, 0) == pid && WIFSTOPPED(status)) {
		int sig = WSTOPSIG(status);

		ptrace(PTRACE_CONT, pid, 0, sig == SIGSTOP ? 0 : sig);
	}
	if (read(p[0], r, sizeof(*r)) != sizeof(*r))
		r->traced = -1;
	close(p[0]);
	return r->traced < 0 ? -1 : 0;
}

/* ---- ptrace monitors: the tracer counts stops and calls ---- */

struct counts {
	long stops, calls, switches;
};

/*
 * A tracee that measures its own loops, and its tracer, which resumes it
 * at every stop with @request:
 *  - PTRACE_SYSCALL: every call stops at entry and exit;
 *  - PTRACE_SYSEMU: every call stops once and is skipped; the tracer
 *    emulates getpid;
 *  - PTRACE_SYSVM (as a mode): the tracer virtualizes getpid with
 *    PTRACE_VM_SKIPCALL, its result set in the same PTRACE_MULTI call as
 *    the resume, and lets every other call run without an exit stop
 *    (PTRACE_VM_SKIPEXIT): one stop per call, as SYSEMU, without having to
 *    emulate the calls it does not care about.
 */
static int ptrace_monitor(long request, struct result *r, struct counts *c)
{
	int p[2], status;
	pid_t pid;
	long sw;

	if (pipe(p))
		return -1;
	pid = fork();
	if (pid == 0) {
		struct result res;

		res.base = loop_ns(PTRACE_CALLS);
		ptrace(PTRACE_TRACEME, 0, 0, 0);
		raise(SIGSTOP);
		res.traced = loop_ns(PTRACE_CALLS);
		res.switches = 0;
		/* Stop tracing ourselves: the result goes out untraced. */
		raise(SIGSTOP);
		if (write(p[1], &res, sizeof(res)) != sizeof(res))
			_exit(2);
		_exit(0);
	}
	close(p[1]);
	memset(c, 0, sizeof(*c));
	waitpid(pid, &status, 0);	/* the first SIGSTOP */
	sw = switches_now(RUSAGE_SELF);
	ptrace(request == PTRACE_SYSVM ? PTRACE_SYSCALL : request, pid, 0, 0);
	c->calls++;
	for (long emulated = 0;;) {
		struct user_regs_struct regs;
		long next = request;

		waitpid(pid, &status, 0);
		if (WIFEXITED(status) || WIFSIGNALED(status))
			break;
		if (WIFSTOPPED(status) && WSTOPSIG(status) == SIGSTOP) {
			/* the second SIGSTOP: done */
			ptrace(PTRACE_DETACH, pid, 0, 0);
			break;
		}
		c->stops++;
		if (request == PTRACE_SYSVM) {
			struct ptrace_multi batch[2] = {
				{ PTRACE_SETREGS, 0, &regs, 0 },
				{ PTRACE_SYSCALL, PTRACE_VM_SKIPCALL, 0, 0 },
			};

			/* Every stop is an entry stop: no exit stops. */
			ptrace(PTRACE_GETREGS, pid, 0, &regs);
			c->calls += 2;
			if (regs.orig_rax != SYS_getpid) {
				ptrace(PTRACE_SYSCALL, pid, PTRACE_VM_SKIPEXIT, 0);
				continue;
			}
			regs.rax = pid;
			if (ptrace(PTRACE_MULTI, pid, batch, 2) != 2)
				return -1;
			continue;
		}
		if (request == PTRACE_SYSEMU) {
			/* Every call is skipped: emulate getpid, "succeed" others. */
			ptrace(PTRACE_GETREGS, pid, 0, &regs);
			regs.rax = regs.orig_rax == SYS_getpid ? (unsigned long)pid : 0;
			ptrace(PTRACE_SETREGS, pid, 0, &regs);
			c->calls += 2;
			/* After the measured loop, let the tracee's calls run. */
			if (regs.orig_rax == SYS_getpid && ++emulated == PTRACE_CALLS)
				next = PTRACE_CONT;
		}
		ptrace(next, pid, 0, 0);
		c->calls++;
	}
	c->switches = switches_now(RUSAGE_SELF) - sw;
	if (read(p[0], r, sizeof(*r)) != sizeof(*r))
		r->traced = -1;
	close(p[0]);
	waitpid(pid, NULL, 0);
	return r->traced < 0 ? -1 : 0;
}

/*
 * A seccomp user-notification monitor: the filter sends getpid to a
 * supervisor (this process, through the listener fd it takes from the
 * child with pidfd_getfd), which answers with the pid; other calls run.
 */
static int unotify_monitor(struct result *r, struct counts *c)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getpid, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = sizeof(f) / sizeof(f[0]), .filter = f };
	struct seccomp_notif req;
	struct seccomp_notif_resp resp;
	int p[2], q[2], listener = -1, pidfd, child_fd;
	pid_t pid;
	long sw;

	if (pipe(p) || pipe(q))
		return -1;
	pid = fork();
	if (pid == 0) {
		struct result res;
		int fd;
		char go;

		res.base = loop_ns(PTRACE_CALLS);
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
			_exit(1);
		fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
			     SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
		if (fd < 0 || write(p[1], &fd, sizeof(fd)) != sizeof(fd) ||
		    read(q[0], &go, 1) != 1)
			_exit(1);
		res.traced = loop_ns(PTRACE_CALLS);
		res.switches = 0;
		if (write(p[1], &res, sizeof(res)) != sizeof(res))
			_exit(2);
		_exit(0);
	}
	close(p[1]);
	close(q[0]);
	memset(c, 0, sizeof(*c));
	pidfd = syscall(SYS_pidfd_open, pid, 0);
	if (pidfd >= 0 && read(p[0], &child_fd, sizeof(child_fd)) == sizeof(child_fd))
		listener = syscall(SYS_pidfd_getfd, pidfd, child_fd, 0);
	if (listener < 0 || write(q[1], "g", 1) != 1) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return -1;
	}
	sw = switches_now(RUSAGE_SELF);
	for (long n = 0; n < PTRACE_CALLS; n++) {
		memset(&req, 0, sizeof(req));
		if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, &req))
			break;
		resp = (struct seccomp_notif_resp){ .id = req.id, .val = pid };
		if (ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp))
			break;
		c->stops++;
		c->calls += 2;	/* supervisor ioctls, counted in the ptrace column */
	}
	c->switches = switches_now(RUSAGE_SELF) - sw;
	if (read(p[0], r, sizeof(*r)) != sizeof(*r))
		r->traced = -1;
	close(p[0]);
	close(q[1]);
	close(listener);
	close(pidfd);
	waitpid(pid, NULL, 0);
	return r->traced < 0 ? -1 : 0;
}

/* ---- memory: slab bytes per attached engine and per task with one ---- */

/* SUnreclaim of /proc/meminfo, in bytes (registries and engines are there). */
static long slab_bytes(void)
{
	char line[128];
	long kb = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "SUnreclaim: %ld kB", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return kb * 1024;
}

#define MEM_TASKS 192

/*
 * Slab bytes of MEM_TASKS sleeping children with @engines no-op engines
 * each (one device fd, so one shared log, per 32 children).
 */
static long children_slab(int engines)
{
	pid_t kids[MEM_TASKS];
	long before, after = -1;
	int p[2], n = 0, fd = -1;
	char c;

	if (pipe(p))
		return -1;
	before = slab_bytes();
	for (; n < MEM_TASKS; n++) {
		if (engines && n % 32 == 0) {
			if (fd >= 0)
				close(fd);
			fd = open("/dev/utrace-test", O_RDWR);
		}
		kids[n] = fork();
		if (kids[n] == 0) {
			for (int i = 0; i < engines; i++) {
				struct utrace_test_attach a = {
					.kind = UTRACE_TEST_RECORD, .id = i, .nr = 511,
					.events = UTRACE_TEST_EVENT_SYSCALL_ENTRY,
				};
				if (ioctl(fd, UTRACE_TEST_ATTACH, &a) < 0)
					_exit(1);
			}
			if (write(p[1], "r", 1) != 1)
				_exit(1);
			pause();
			_exit(0);
		}
		if (kids[n] < 0 || read(p[0], &c, 1) != 1)
			break;
	}
	if (n == MEM_TASKS)
		after = slab_bytes();
	for (int i = 0; i < n; i++) {
		kill(kids[i], SIGKILL);
		waitpid(kids[i], NULL, 0);
	}
	if (fd >= 0)
		close(fd);
	close(p[0]);
	close(p[1]);
	return after < 0 ? -1 : after - before;
}

/*
 * Memory per task with one engine (its registry, engine list, attachment
 * and engine) and per further engine, from children with 0, 1 and 2
 * engines.  The debug kernel's slab redzones and KASAN quarantine (of the
 * engine lists an attach replaces) count in.
 */
static void memory_costs(double *per_engine, double *per_task)
{
	long m0 = children_slab(0), m1 = children_slab(1), m2 = children_slab(2);

	*per_engine = *per_task = -1;
	if (m0 < 0 || m1 < 0 || m2 < 0)
		return;
	*per_task = (m1 - m0) / (double)MEM_TASKS;
	*per_engine = (m2 - m1) / (double)MEM_TASKS;
}

/* ---- reading a stopped tracee: registers + 256 bytes ---- */

static char target_buf[256] = "utrace-bench";

static void peek_costs(double *peek_ns, double *vm_ns, double *multi_ns, long *peek_calls)
{
	struct user_regs_struct regs;
	char out[256];
	pid_t pid = fork();
	int status, n = 200;
	double t0;

	if (pid == 0) {
		ptrace(PTRACE_TRACEME, 0, 0, 0);
		raise(SIGSTOP);
		_exit(0);
	}
	waitpid(pid, &status, 0);
	t0 = now_ns();
	for (int i = 0; i < n; i++) {
		ptrace(PTRACE_GETREGS, pid, 0, &regs);
		for (size_t w = 0; w < sizeof(out) / sizeof(long); w++)
			((long *)out)[w] = ptrace(PTRACE_PEEKDATA, pid, target_buf + w * sizeof(long), 0);
	}
	*peek_ns = (now_ns() - t0) / n;
	*peek_calls = 1 + sizeof(out) / sizeof(long);
	t0 = now_ns();
	for (int i = 0; i < n; i++) {
		struct iovec local = { out, sizeof(out) }, remote = { target_buf, sizeof(out) };

		ptrace(PTRACE_GETREGS, pid, 0, &regs);
		process_vm_readv(pid, &local, 1, &remote, 1, 0);
	}
	*vm_ns = (now_ns() - t0) / n;
	t0 = now_ns();
	for (int i = 0; i < n; i++) {
		struct ptrace_multi batch[2] = {
			{ PTRACE_GETREGS, 0, &regs, 0 },
			{ PTRACE_PEEKCHARDATA, (long)target_buf, out, sizeof(out) },
		};

		if (ptrace(PTRACE_MULTI, pid, batch, 2) != 2) {
			*multi_ns = -1;
			break;
		}
	}
	if (*multi_ns == 0)
		*multi_ns = (now_ns() - t0) / n;
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/* ---- attach + detach rate ---- */

static double attach_detach_per_sec(void)
{
	int fd = open("/dev/utrace-test", O_RDWR);
	int done = 0;
	double t0 = now_ns();

	while (fd >= 0 && done < 400) {
		struct utrace_test_attach a = {
			.kind = UTRACE_TEST_RECORD, .nr = 511,
			.events = UTRACE_TEST_EVENT_SYSCALL_ENTRY,
		};
		int slot = ioctl(fd, UTRACE_TEST_ATTACH, &a);

		if (slot < 0 || ioctl(fd, UTRACE_TEST_DETACH, slot))
			break;
		done++;
		if (slot == 63) {
			close(fd);
			fd = open("/dev/utrace-test", O_RDWR);
		}
	}
	if (fd >= 0)
		close(fd);
	return done / ((now_ns() - t0) / 1e9);
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void stats(const double *v, double *med, double *lo, double *hi)
{
	double s[ROUNDS];

	memcpy(s, v, sizeof(s));
	qsort(s, ROUNDS, sizeof(double), cmp);
	*med = s[ROUNDS / 2];
	*lo = s[0];
	*hi = s[ROUNDS - 1];
}

static void record(const char *name, int round, struct result *r, double stops,
		   double calls, double switches)
{
	struct row *w = row(name);

	w->ratio[round] = r->traced / r->base;
	w->ns[round] = r->traced;
	w->stops = stops;
	w->ptrace_calls = calls;
	w->switches = switches;
}

int main(void)
{
	static const int engine_counts[] = { 1, 2, 4, 8, 16 };
	static const char *engine_names[] = {
		"engines: 1 no-op", "engines: 2 no-op", "engines: 4 no-op",
		"engines: 8 no-op", "engines: 16 no-op",
	};
	static const char *signal_names[] = {
		"one engine watching signals", "ptrace signal-delivery stop",
	};
	double peek_ns, vm_ns, multi_ns = 0, rate, med, lo, hi, per_engine, per_task;
	double sig_base[ROUNDS] = { 0 }, sig_ns[2][ROUNDS] = { { 0 } }, sig_med[3];
	long peek_calls;
	struct result r;
	struct counts c;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (int round = 0; round < ROUNDS; round++) {
		if (!in_child(setup_none, 0, &r))
			record("untraced getpid", round, &r, 0, 0, r.switches / (double)CALLS);
		if (!in_child(setup_seccomp, 0, &r))
			record("seccomp filter, RET_ALLOW", round, &r, 0, 0, r.switches / (double)CALLS);
		for (unsigned int i = 0; i < sizeof(engine_counts) / sizeof(int); i++)
			if (!in_child(setup_engines, engine_counts[i], &r))
				record(engine_names[i], round, &r, 0, 0, r.switches / (double)CALLS);
		if (!in_child(setup_stacked, 0, &r))
			record("strace engine over VM engine", round, &r, 0, 0,
			       r.switches / (double)CALLS);
		if (!ptrace_monitor(PTRACE_SYSCALL, &r, &c))
			record("ptrace monitor, PTRACE_SYSCALL", round, &r,
			       c.stops / (double)PTRACE_CALLS, c.calls / (double)PTRACE_CALLS,
			       c.switches / (double)PTRACE_CALLS);
		if (!ptrace_monitor(PTRACE_SYSEMU, &r, &c))
			record("ptrace monitor, PTRACE_SYSEMU", round, &r,
			       c.stops / (double)PTRACE_CALLS, c.calls / (double)PTRACE_CALLS,
			       c.switches / (double)PTRACE_CALLS);
		if (!unotify_monitor(&r, &c))
			record("seccomp user notification", round, &r,
			       c.stops / (double)PTRACE_CALLS, c.calls / (double)PTRACE_CALLS,
			       c.switches / (double)PTRACE_CALLS);
		if (!ptrace_monitor(PTRACE_SYSVM, &r, &c))
			record("ptrace monitor, SYSVM + MULTI", round, &r,
			       c.stops / (double)PTRACE_CALLS, c.calls / (double)PTRACE_CALLS,
			       c.switches / (double)PTRACE_CALLS);
	}
	for (int round = 0; round < ROUNDS; round++)
		for (int how = 0; how < 2; how++)
			if (!signal_costs(how, &r)) {
				sig_base[round] = r.base;
				sig_ns[how][round] = r.traced;
			}
	stats(sig_base, &sig_med[0], &lo, &hi);
	stats(sig_ns[0], &sig_med[1], &lo, &hi);
	stats(sig_ns[1], &sig_med[2], &lo, &hi);
	peek_costs(&peek_ns, &vm_ns, &multi_ns, &peek_calls);
	rate = attach_detach_per_sec();
	memory_costs(&per_engine, &per_task);

	printf("%-34s %8s %17s %8s %7s %8s %8s\n", "mechanism (getpid)", "ratio", "spread",
	       "ns/call", "stops", "ptrace", "switch");
	for (int i = 0; i < nrows; i++) {
		double nmed, nlo, nhi;

		stats(rows[i].ratio, &med, &lo, &hi);
		stats(rows[i].ns, &nmed, &nlo, &nhi);
		printf("%-34s %8.2f %8.2f-%-8.2f %8.0f %7.2f %8.2f %8.3f\n", rows[i].name, med,
		       lo, hi, nmed, rows[i].stops, rows[i].ptrace_calls, rows[i].switches);
	}
	printf("\na signal to oneself, taken by a handler (median ns per signal):\n");
	printf("  untraced:                      %8.0f ns\n", sig_med[0]);
	for (int how = 0; how < 2; how++)
		printf("  %-30s %8.0f ns (%.2fx)\n", signal_names[how], sig_med[how + 1],
		       sig_med[0] > 0 ? sig_med[how + 1] / sig_med[0] : 0);
	printf("\nreading registers + 256 bytes of a stopped tracee:\n");
	printf("  PTRACE_PEEKDATA word by word: %8.0f ns (%ld ptrace calls)\n", peek_ns, peek_calls);
	printf("  process_vm_readv:             %8.0f ns (1 ptrace call + 1 syscall)\n", vm_ns);
	printf("  PTRACE_MULTI:                 %8.0f ns (1 ptrace call)\n", multi_ns);
	printf("engine attach + detach: %.0f pairs/s\n", rate);
	printf("memory (slab, debug kernel): %.0f bytes per task with one engine, "
	       "%.0f per further engine\n", per_task, per_engine);

	printf("JSON: {\"rounds\": %d, \"calls\": %d, \"rows\": [", ROUNDS, CALLS);
	for (int i = 0; i < nrows; i++) {
		stats(rows[i].ratio, &med, &lo, &hi);
		printf("%s{\"name\": \"%s\", \"ratio_median\": %.3f, \"ratio_min\": %.3f, "
		       "\"ratio_max\": %.3f, \"stops_per_call\": %.3f, \"ptrace_calls_per_call\": %.3f, "
		       "\"switches_per_call\": %.4f}",
		       i ? ", " : "", rows[i].name, med, lo, hi, rows[i].stops,
		       rows[i].ptrace_calls, rows[i].switches);
	}
	printf("], \"peekdata_ns\": %.0f, \"process_vm_readv_ns\": %.0f, \"multi_ns\": %.0f, "
	       "\"attach_detach_per_s\": %.0f, \"bytes_per_engine\": %.0f, "
	       "\"bytes_per_task_with_engine\": %.0f, \"signal_ns\": %.0f, "
	       "\"signal_engine_ns\": %.0f, \"signal_ptrace_ns\": %.0f}\n", peek_ns, vm_ns,
	       multi_ns, rate, per_engine, per_task, sig_med[0], sig_med[1], sig_med[2]);
	return 0;
}
