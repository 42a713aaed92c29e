// SPDX-License-Identifier: GPL-2.0
/*
 * utrace-bench - what each way of intercepting a syscall costs, in one boot,
 * and whether it meets the goal the project set for it.
 *
 * Every getpid row is a ratio to untraced getpid() measured right before
 * it in the same process, over interleaved rounds (all rows of round 1,
 * then all rows of round 2...); the table gives the median ratio, its
 * spread, the row's goal and whether the median meets it, and, beside the
 * times, figures that machine noise does not move: tracer stops, the
 * tracer's calls and the context switches of the tracer and of the traced
 * task per traced call.  Below the table: the noise, the per-engine slope,
 * reading a stopped tracee, attach + detach rates, memory per engine (from
 * per-cache slab object counts) and signals, each with its goal.  Run by
 * `make bench`; the JSON goes to stdout after the line "JSON:".
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <linux/utrace.h>
#include <linux/utrace_branch.h>
#include <linux/utrace_channel.h>
#include <linux/utrace_test.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "probe.h"
#include "ptrace.h"

#define ROUNDS 9
#define MAX_SAMPLES (2 * ROUNDS)
#define MAX_ROWS 48
#define MAX_GOALS 64
/* What the virtualizing monitors answer to getpid (the tracee checks it). */
#define VPID 4242
#define BENCH_FILE "/tmp/utrace-bench-file"
/* Test-engine events of an engine that wants no syscall: task events only. */
#define NO_SYSCALL_EVENTS (UTRACE_TEST_EVENT_EXEC | UTRACE_TEST_EVENT_EXIT)
#define BOTH_SIDES (UTRACE_TEST_EVENT_SYSCALL_ENTRY | UTRACE_TEST_EVENT_SYSCALL_EXIT)

/* Calls per loop, scaled down on a slow (debug) kernel by calibrate(). */
static int calls = 100000;	/* getpid in the task itself */
static int traced_calls = 2000;	/* getpid under a tracer or supervisor */
static int spin_pass_calls;	/* --spin-monitor channel-pass: its traced loop */
static int pairs = 1000;	/* attach + detach pairs */
static int ncpus = 1;
static double noise = -1;	/* |ratio - 1| of the untraced rounds, see main() */

static double now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e9 + t.tv_nsec;
}

static long switches_now(int who)
{
	struct rusage ru;

	getrusage(who, &ru);
	return ru.ru_nvcsw + ru.ru_nivcsw;
}

/* This task on @cpu only (-1: on every CPU). */
static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	for (int i = 0; i < ncpus; i++)
		if (cpu < 0 || i == cpu % ncpus)
			CPU_SET(i, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

/* ---- the measured loops ---- */

enum op { OP_GETPID, OP_OPENAT, OP_WRITE };

static const char *const op_names[] = { "getpid", "openat + close", "write 64 B" };
static int devnull = -1;
static char wbuf[64] = "utrace-bench writes these 64 bytes to /dev/null, again and again";

/* ns per @op over @n of them; wrong answers are added to *bad. */
static double op_loop(enum op op, int n, long expect, long *bad)
{
	double t0 = now_ns(), t;
	long b = 0;

	switch (op) {
	case OP_GETPID:
		for (int i = 0; i < n; i++)
			if (syscall(SYS_getpid) != expect)
				b++;
		break;
	case OP_OPENAT:
		for (int i = 0; i < n; i++) {
			int fd = openat(AT_FDCWD, BENCH_FILE, O_RDONLY);

			if (fd < 0 || close(fd))
				b++;
		}
		break;
	case OP_WRITE:
		for (int i = 0; i < n; i++)
			if (write(devnull, wbuf, sizeof(wbuf)) != sizeof(wbuf))
				b++;
		break;
	}
	t = (now_ns() - t0) / n;
	*bad += b;
	return t;
}

/* What a measured child reports. */
struct result {
	double base, traced;	/* ns per call untraced, then traced */
	long tracee_sw;		/* its context switches in the traced loop */
	long bad;		/* wrong answers */
	char err[96];		/* set if it failed */
};

/* What the tracer (or supervisor) counts, in the traced phase. */
struct counts {
	long stops, calls, switches;
};

static int send_result(int fd, struct result *res)
{
	return write(fd, res, sizeof(*res)) == sizeof(*res) ? 0 : -1;
}

/* Reads a child's result; makes up an error if it sent none. */
static int get_result(int fd, pid_t pid, struct result *r)
{
	int status = 0;

	memset(r, 0, sizeof(*r));
	if (read(fd, r, sizeof(*r)) != sizeof(*r)) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		snprintf(r->err, sizeof(r->err), "child sent no result (wait status 0x%x)", status);
		return -1;
	}
	waitpid(pid, &status, 0);
	if (!r->err[0] && r->bad)
		snprintf(r->err, sizeof(r->err), "%ld calls gave a wrong answer", r->bad);
	return r->err[0] ? -1 : 0;
}

/*
 * The end of a monitor row: a child the monitor gave up on (r->err says
 * why) is killed and reaped; otherwise its result is read.
 */
static void monitor_finish(pid_t pid, int result_fd, struct result *r)
{
	if (r->err[0]) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	} else {
		get_result(result_fd, pid, r);
	}
}

/* ---- rows and goals ---- */

enum col { C_RATIO, C_NS, C_STOPS, C_CALLS, C_TRSW, C_TESW, NCOL };

struct row {
	char name[64];
	const char *section;
	double v[NCOL][MAX_SAMPLES];	/* per sample; < 0: not applicable */
	int n, failed;
	char err[96];
	char goal[28];
	int met;			/* 1, 0, or -1: no goal */
	long lines_read, lines_lost;	/* strace rows; -1 otherwise */
};

static struct row rows[MAX_ROWS];
static int nrows;

static struct row *row(const char *section, const char *name)
{
	for (int i = 0; i < nrows; i++)
		if (!strcmp(rows[i].name, name))
			return &rows[i];
	if (nrows == MAX_ROWS) {
		fprintf(stderr, "utrace-bench: MAX_ROWS too small\n");
		exit(1);
	}
	snprintf(rows[nrows].name, sizeof(rows[nrows].name), "%s", name);
	rows[nrows].section = section;
	rows[nrows].met = -1;
	rows[nrows].lines_read = rows[nrows].lines_lost = -1;
	return &rows[nrows++];
}

static struct row *find_row(const char *name)
{
	for (int i = 0; i < nrows; i++)
		if (!strcmp(rows[i].name, name))
			return &rows[i];
	return NULL;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Median, min and max of @n values. */
static void stats(const double *v, int n, double *med, double *lo, double *hi)
{
	double s[MAX_SAMPLES > 64 ? MAX_SAMPLES : 64];

	if (n <= 0) {
		*med = *lo = *hi = -1;
		return;
	}
	memcpy(s, v, n * sizeof(double));
	qsort(s, n, sizeof(double), cmp);
	*med = n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
	*lo = s[0];
	*hi = s[n - 1];
}

static double median(const double *v, int n)
{
	double med, lo, hi;

	stats(v, n, &med, &lo, &hi);
	return med;
}

static double absd(double x)
{
	return x < 0 ? -x : x;
}

static double col_median(const struct row *w, enum col c)
{
	return median(w->v[c], w->n);
}

/* One sample of @w: @c is NULL for a task measured alone. */
static void record(struct row *w, int ok, const struct result *r, const struct counts *c,
		   int per)
{
	if (!ok) {
		w->failed++;
		if (!w->err[0])
			snprintf(w->err, sizeof(w->err), "%s", r->err[0] ? r->err : "failed");
		return;
	}
	if (w->n == MAX_SAMPLES)
		return;
	w->v[C_RATIO][w->n] = r->traced / r->base;
	w->v[C_NS][w->n] = r->traced;
	w->v[C_STOPS][w->n] = c ? c->stops / (double)per : 0;
	w->v[C_CALLS][w->n] = c ? c->calls / (double)per : 0;
	w->v[C_TRSW][w->n] = c ? c->switches / (double)per : -1;
	w->v[C_TESW][w->n] = r->tracee_sw / (double)per;
	w->n++;
}

/* Every goal, in the table or below it, for the summary and the JSON. */
struct goal {
	char what[80], goal[64], value[48];
	int met;
};

static struct goal goals[MAX_GOALS];
static int ngoals;

static void add_goal(const char *what, const char *goal, const char *value, int met)
{
	if (ngoals == MAX_GOALS)
		return;
	snprintf(goals[ngoals].what, sizeof(goals[0].what), "%s", what);
	snprintf(goals[ngoals].goal, sizeof(goals[0].goal), "%s", goal);
	snprintf(goals[ngoals].value, sizeof(goals[0].value), "%s", value);
	goals[ngoals++].met = met;
}

static const char *goals_value(const char *what)
{
	for (int i = 0; i < ngoals; i++)
		if (!strcmp(goals[i].what, what))
			return goals[i].value;
	return "error";
}

static const char *met_word(int met)
{
	return met < 0 ? "-" : met ? "met" : "NOT MET";
}

/* The row's median ratio against @limit; an errored row does not meet it. */
static void goal_max(const char *name, double limit)
{
	struct row *w = find_row(name);
	char value[48];

	if (!w)
		return;
	snprintf(w->goal, sizeof(w->goal), "<= %.2f", limit);
	w->met = w->n > 0 && col_median(w, C_RATIO) <= limit;
	snprintf(value, sizeof(value), w->n ? "%.2f" : "error", col_median(w, C_RATIO));
	add_goal(name, w->goal, value, w->met);
}

/* 1.00 within the noise of the untraced rounds. */
static void goal_noise(const char *name)
{
	struct row *w = find_row(name);
	char value[48];
	double med;

	if (!w || noise < 0)
		return;
	med = col_median(w, C_RATIO);
	snprintf(w->goal, sizeof(w->goal), "1.00 +-%.2f", noise);
	w->met = w->n > 0 && med <= 1 + noise && med >= 1 - noise;
	snprintf(value, sizeof(value), w->n ? "%.2f" : "error", med);
	add_goal(name, w->goal, value, w->met);
}

/* ---- in the task itself: seccomp, test engines ---- */

/* Which filter a row installs. */
enum { NO_FILTER, FILTER_RUNS, FILTER_CACHED };

static int seccomp_filter(int kind)
{
	/* Looks at an argument, so seccomp's cache cannot answer for it. */
	struct sock_filter runs[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0])),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x5eccu, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	/*
	 * Allows every call whatever its arguments: seccomp's cache answers
	 * for it without running it, so the row is what the slow entry path
	 * costs with one bit tested, as for a call outside a channel's set.
	 */
	struct sock_filter cached[] = {
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = sizeof(runs) / sizeof(runs[0]), .filter = runs };

	if (kind == FILTER_CACHED)
		prog = (struct sock_fprog){ .len = 1, .filter = cached };

	return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	       syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog);
}

/* @n test engines on @pid with @events; they log only syscall 511 (never
 * made) and the task events they asked for. */
static int attach_engines(int fd, pid_t pid, int n, unsigned int events, unsigned int flags)
{
	for (int i = 0; i < n; i++) {
		struct utrace_test_attach a = {
			.pid = pid, .kind = UTRACE_TEST_RECORD, .id = i, .nr = 511,
			.events = events, .flags = flags,
		};
		if (ioctl(fd, UTRACE_TEST_ATTACH, &a) < 0)
			return -1;
	}
	return 0;
}

struct spec {
	const char *name;
	int seccomp;		/* NO_FILTER, FILTER_RUNS or FILTER_CACHED */
	int n_sys;		/* no-op engines with syscall events... */
	unsigned int sys_events;	/* ...these */
	int n_none;		/* engines without syscall events (attached first) */
};

static const struct spec inproc[] = {
	{ "untraced getpid", 0, 0, 0, 0 },
	{ "seccomp filter RET_ALLOW (entry only)", FILTER_RUNS, 0, 0, 0 },
	{ "engines without syscall events: 1", 0, 0, 0, 1 },
	{ "engines without syscall events: 16", 0, 0, 0, 16 },
	{ "1 no-op engine, entry only", 0, 1, UTRACE_TEST_EVENT_SYSCALL_ENTRY, 0 },
	{ "1 no-op engine, exit only", 0, 1, UTRACE_TEST_EVENT_SYSCALL_EXIT, 0 },
	{ "no-op engines, entry+exit: 1", 0, 1, BOTH_SIDES, 0 },
	{ "no-op engines, entry+exit: 2", 0, 2, BOTH_SIDES, 0 },
	{ "no-op engines, entry+exit: 4", 0, 4, BOTH_SIDES, 0 },
	{ "no-op engines, entry+exit: 8", 0, 8, BOTH_SIDES, 0 },
	{ "no-op engines, entry+exit: 16", 0, 16, BOTH_SIDES, 0 },
	{ "1 no-op engine + 15 without syscall ev.", 0, 1, BOTH_SIDES, 15 },
	/* Last, so that the rows above keep their indices (the goals name them). */
	{ "seccomp filter, cached allow (entry only)", FILTER_CACHED, 0, 0, 0 },
};
#define NINPROC (int)(sizeof(inproc) / sizeof(inproc[0]))
static const int slope_rows[] = { 6, 7, 8, 9, 10 };	/* 1, 2, 4, 8, 16 engines */
static const int slope_n[] = { 1, 2, 4, 8, 16 };

static int setup(const struct spec *s, char *err, size_t len)
{
	int fd;

	if (s->seccomp && seccomp_filter(s->seccomp)) {
		snprintf(err, len, "seccomp filter: %s", strerror(errno));
		return -1;
	}
	if (!s->n_sys && !s->n_none)
		return 0;
	fd = open("/dev/utrace-test", O_RDWR);
	if (fd < 0 || attach_engines(fd, 0, s->n_none, NO_SYSCALL_EVENTS, 0) ||
	    attach_engines(fd, 0, s->n_sys, s->sys_events, 0)) {
		snprintf(err, len, "attach test engine: %s", strerror(errno));
		return -1;
	}
	return 0;	/* the fd stays open: closing it would detach them */
}

/* Untraced getpid, then @s set up, then getpid again, in a child on CPU 0. */
static int in_child(const struct spec *s, struct result *r)
{
	int p[2];
	pid_t pid;

	if (pipe(p))
		return -1;
	pid = fork();
	if (pid == 0) {
		struct result res = { 0 };
		long me = getpid(), sw;

		close(p[0]);
		pin(0);
		res.base = op_loop(OP_GETPID, calls, me, &res.bad);
		if (setup(s, res.err, sizeof(res.err)) == 0) {
			sw = switches_now(RUSAGE_SELF);
			res.traced = op_loop(OP_GETPID, calls, me, &res.bad);
			res.tracee_sw = switches_now(RUSAGE_SELF) - sw;
		}
		_exit(send_result(p[1], &res) ? 2 : 0);
	}
	close(p[1]);
	if (pid < 0) {
		close(p[0]);
		return -1;
	}
	pid = get_result(p[0], pid, r);
	close(p[0]);
	return pid;
}

/* ---- the strace engine over the VM engine, with a reader ---- */

#define VM_RULES "return getuid 1000\nredirect /virtual /tmp/real"

static char trace_text[64 * 1024];

/* Where count_lines() is in the stream: a read may end inside a line. */
static int bol = 1, notice;

/*
 * Whole lines in @buf, the next bytes of the trace, the drop notices left
 * out; adds the lines the notices count to *@lost.  A notice is a line of
 * its own where the gap is, anywhere in a read, and may be split across
 * two reads: its text is gathered until its newline.
 */
static long count_lines(const char *buf, size_t len, long *lost)
{
	static char note[64];
	static size_t note_len;
	long n = 0, dropped;

	for (size_t i = 0; i < len; i++) {
		if (bol) {
			notice = buf[i] == '<';
			note_len = 0;
		}
		if (notice && note_len < sizeof(note) - 1)
			note[note_len++] = buf[i];
		bol = buf[i] == '\n';
		if (!bol)
			continue;
		if (!notice) {
			n++;
			continue;
		}
		note[note_len] = 0;
		if (sscanf(note, "<utrace: %ld lines dropped>", &dropped) == 1)
			*lost += dropped;
	}
	return n;
}

/*
 * A child on CPU 0 times @op untraced; this process attaches the VM engine
 * and then the strace engine (closest to the program) to it, lets it time
 * @op again, and meanwhile, on CPU 1 (CPU 0 too on a one-CPU guest), drains
 * the trace pipe as a trace reader does: read(2) while there is text,
 * poll(2) when it is empty.
 */
static int strace_row(enum op op, struct result *r, long *lines, long *lost)
{
	int p[2], q[2], fd = -1, done = 0;
	int n = op == OP_GETPID ? calls : calls / 4;
	pid_t pid;
	char c = 0;

	*lines = *lost = 0;
	bol = 1;
	notice = 0;
	memset(r, 0, sizeof(*r));
	if (pipe(p) || pipe(q))
		return -1;
	pid = fork();
	if (pid == 0) {
		struct result res = { 0 };
		long me = getpid(), sw;

		close(p[0]);
		close(q[1]);
		pin(0);
		res.base = op_loop(op, n, me, &res.bad);
		if (write(p[1], "r", 1) != 1 || read(q[0], &c, 1) != 1)
			_exit(1);
		sw = switches_now(RUSAGE_SELF);
		res.traced = op_loop(op, n, me, &res.bad);
		res.tracee_sw = switches_now(RUSAGE_SELF) - sw;
		_exit(send_result(p[1], &res) ? 2 : 0);
	}
	close(p[1]);
	close(q[0]);
	pin(1);
	if (read(p[0], &c, 1) == 1) {
		struct utrace_vm_attach v = {
			.pid = pid, .rules = (unsigned long)VM_RULES, .rules_len = strlen(VM_RULES),
		};
		struct utrace_strace_attach s = { .pid = pid };

		fd = open("/dev/utrace", O_RDWR | O_NONBLOCK);
		if (fd < 0 || ioctl(fd, UTRACE_ATTACH_VM, &v) < 0 ||
		    ioctl(fd, UTRACE_ATTACH_STRACE, &s) < 0) {
			snprintf(r->err, sizeof(r->err), "attach VM + strace: %s (vm error %u)",
				 strerror(errno), v.error);
			kill(pid, SIGKILL);
		}
	}
	if (write(q[1], "g", 1) != 1 && !r->err[0])
		snprintf(r->err, sizeof(r->err), "the child is gone");
	while (fd >= 0 && !r->err[0]) {
		struct pollfd pf[2] = {
			{ .fd = fd, .events = POLLIN }, { .fd = p[0], .events = POLLIN },
		};
		ssize_t got = read(fd, trace_text, sizeof(trace_text) - 1);

		if (got > 0) {
			*lines += count_lines(trace_text, got, lost);
			continue;
		}
		if (got == 0 || done)
			break;
		if (errno != EAGAIN) {
			snprintf(r->err, sizeof(r->err), "read: %s", strerror(errno));
			break;
		}
		/* The result is there: one more pass drains what came before it. */
		if (poll(pf, 2, -1) > 0 && (pf[1].revents & POLLIN))
			done = 1;
	}
	pin(-1);
	monitor_finish(pid, p[0], r);
	if (fd >= 0)
		close(fd);
	close(p[0]);
	close(q[1]);
	return r->err[0] ? -1 : 0;
}

/* ---- monitors in another process ---- */

enum mon {
	MON_SYSCALL_BARE,	/* PTRACE_SYSCALL, resume only */
	MON_SYSCALL_VIRT,	/* PTRACE_SYSCALL: GETREGS at entry, POKEUSER rax at exit */
	MON_SYSEMU,		/* PTRACE_SYSEMU: every call emulated */
	MON_SECCOMP_TRACE,	/* seccomp RET_TRACE + SET_SYSCALL_INFO skip + CONT */
	MON_UNOTIFY,		/* seccomp user notification */
	MON_SYSVM,		/* SYSVM + MULTI */
	MON_SYSVM_ENGINE,	/* the same, on a task with a no-op engine */
	MON_CHANNEL_VIRT,	/* /dev/utrace-channel, set {getpid}: ABORT with VPID */
	MON_CHANNEL_XCHG,	/* the same, answered and read with one EXCHANGE */
	MON_CHANNEL_PASS,	/* the same engine, set {getppid}: getpid passes */
	NMON
};

static const char *const mon_names[NMON] = {
	"PTRACE_SYSCALL, resume only",
	"PTRACE_SYSCALL virtualizing getpid",
	"PTRACE_SYSEMU, emulating",
	"RET_TRACE+SET_SYSCALL_INFO skip",
	"seccomp user notification",
	"SYSVM + MULTI",
	"SYSVM + MULTI, task has 1 engine",
	"channel virtualized getpid",
	"channel virtualized getpid, EXCHANGE",
	"channel passed-through getpid",
};

/* A monitor row's name: the mechanism and its placement. */
static void mon_row_name(char *buf, size_t len, enum mon m, int cross)
{
	snprintf(buf, len, "%s [%s]", mon_names[m], cross ? "2 CPUs" : "1 CPU");
}

/* The traced loop's getpid calls: a call that never reaches the monitor
 * is timed over a loop as long as the rows without one. */
static int mon_calls(enum mon m)
{
	if (m == MON_CHANNEL_PASS)
		return spin_pass_calls ? spin_pass_calls : calls;
	return traced_calls;
}

static int trace_getpid_filter(int user_notif)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getpid, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, user_notif ? SECCOMP_RET_USER_NOTIF : SECCOMP_RET_TRACE),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = sizeof(f) / sizeof(f[0]), .filter = f };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -1;
	return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
		       user_notif ? SECCOMP_FILTER_FLAG_NEW_LISTENER : 0, &prog);
}

/* A ptrace call of the tracer: counted, its first error kept in r->err.
 * glibc's ptrace() reads addr and data as pointers: pass them as such. */
#define PT(req, pid, addr, data)						\
	({									\
		long __r = ptrace(req, pid, (void *)(long)(addr),		\
				  (void *)(long)(data));			\
		if (__r < 0 && !r->err[0])					\
			snprintf(r->err, sizeof(r->err), "%s: %s", #req,	\
				 strerror(errno));				\
		c->calls++;							\
		__r;								\
	})

/*
 * The tracee (on CPU @tracee_cpu) times getpid untraced (over as many calls
 * as the rows without a tracer: a short loop would make the base, and so
 * the ratio, noisy), then traced by
 * this process (on CPU 0), which resumes it at every stop as @m says.
 * Between the two loops it stops itself with SIGSTOP; after the traced
 * loop too, and the tracer detaches there.
 */
static int ptrace_monitor(enum mon m, int tracee_cpu, struct result *r, struct counts *c)
{
	int p[2], status;
	long emulated = 0, sw;
	int at_exit = 0, is_getpid = 0;
	pid_t pid;

	memset(c, 0, sizeof(*c));
	memset(r, 0, sizeof(*r));
	if (pipe(p))
		return -1;
	pid = fork();
	if (pid == 0) {
		struct result res = { 0 };
		long me = getpid(), sw0;

		close(p[0]);
		pin(tracee_cpu);
		res.base = op_loop(OP_GETPID, calls, me, &res.bad);
		if (m == MON_SYSVM_ENGINE) {
			int fd = open("/dev/utrace-test", O_RDWR);

			if (fd < 0 || attach_engines(fd, 0, 1, BOTH_SIDES, 0)) {
				snprintf(res.err, sizeof(res.err), "attach test engine: %s",
					 strerror(errno));
				_exit(send_result(p[1], &res) ? 2 : 1);
			}
		}
		if (m == MON_SECCOMP_TRACE && trace_getpid_filter(0) < 0) {
			snprintf(res.err, sizeof(res.err), "seccomp filter: %s", strerror(errno));
			_exit(send_result(p[1], &res) ? 2 : 1);
		}
		/* Counted from before the first stop: under SYSEMU, getrusage
		 * itself would be emulated. */
		sw0 = switches_now(RUSAGE_SELF);
		ptrace(PTRACE_TRACEME, 0, NULL, NULL);
		syscall(SYS_kill, me, SIGSTOP);
		res.traced = op_loop(OP_GETPID, traced_calls, m == MON_SYSCALL_BARE ? me : VPID,
				     &res.bad);
		/* Stop again: the tracer detaches, the result goes out untraced. */
		syscall(SYS_kill, me, SIGSTOP);
		res.tracee_sw = switches_now(RUSAGE_SELF) - sw0;
		_exit(send_result(p[1], &res) ? 2 : 0);
	}
	close(p[1]);
	pin(0);
	if (waitpid(pid, &status, 0) != pid || !WIFSTOPPED(status)) {
		/* It failed before it stopped: its result says why. */
		if (read(p[0], r, sizeof(*r)) != sizeof(*r) || !r->err[0])
			snprintf(r->err, sizeof(r->err), "tracee did not stop (status 0x%x)",
				 status);
		goto out;
	}
	sw = switches_now(RUSAGE_SELF);
	PT(PTRACE_SETOPTIONS, pid, 0,
	   PTRACE_O_EXITKILL | (m == MON_SECCOMP_TRACE ? PTRACE_O_TRACESECCOMP : 0));
	switch (m) {
	case MON_SECCOMP_TRACE:
		PT(PTRACE_CONT, pid, 0, 0);
		break;
	case MON_SYSEMU:
		PT(PTRACE_SYSEMU, pid, 0, 0);
		break;
	default:
		PT(PTRACE_SYSCALL, pid, 0, 0);
	}
	while (!r->err[0]) {
		struct user_regs_struct regs;

		if (waitpid(pid, &status, 0) != pid || WIFEXITED(status) || WIFSIGNALED(status)) {
			snprintf(r->err, sizeof(r->err), "tracee ended early (status 0x%x)", status);
			break;
		}
		if (WSTOPSIG(status) == SIGSTOP) {
			PT(PTRACE_DETACH, pid, 0, 0);
			break;
		}
		c->stops++;
		switch (m) {
		case MON_SYSCALL_BARE:
			PT(PTRACE_SYSCALL, pid, 0, 0);
			break;
		case MON_SYSCALL_VIRT:
			if (!at_exit) {
				PT(PTRACE_GETREGS, pid, 0, &regs);
				is_getpid = regs.orig_rax == SYS_getpid;
			} else if (is_getpid) {
				PT(PTRACE_POKEUSR, pid, offsetof(struct user_regs_struct, rax), VPID);
			}
			at_exit = !at_exit;
			PT(PTRACE_SYSCALL, pid, 0, 0);
			break;
		case MON_SYSEMU: {
			long next = PTRACE_SYSEMU;

			/* Every call is skipped: emulate getpid, "succeed" others. */
			PT(PTRACE_GETREGS, pid, 0, &regs);
			is_getpid = regs.orig_rax == SYS_getpid;
			regs.rax = is_getpid ? VPID : 0;
			PT(PTRACE_SETREGS, pid, 0, &regs);
			/* After the measured loop, let the tracee's calls run. */
			if (is_getpid && ++emulated == traced_calls)
				next = PTRACE_CONT;
			PT(next, pid, 0, 0);
			break;
		}
		case MON_SECCOMP_TRACE: {
			/* Only getpid comes here (the filter says so): skip it.
			 * A seccomp stop's SET_SYSCALL_INFO sets the number and
			 * the arguments, not the result: POKEUSER sets that. */
			struct ptrace_syscall_info info = {
				.op = PTRACE_SYSCALL_INFO_SECCOMP,
				.seccomp = { .nr = (__u64)-1 },
			};

			if (status >> 8 != (SIGTRAP | (PTRACE_EVENT_SECCOMP << 8))) {
				snprintf(r->err, sizeof(r->err), "unexpected stop 0x%x", status);
				break;
			}
			PT(PTRACE_SET_SYSCALL_INFO, pid, sizeof(info), &info);
			PT(PTRACE_POKEUSR, pid, offsetof(struct user_regs_struct, rax), VPID);
			PT(PTRACE_CONT, pid, 0, 0);
			break;
		}
		case MON_SYSVM:
		case MON_SYSVM_ENGINE: {
			/*
			 * The result goes in with POKEUSR, as the PTRACE_SYSCALL
			 * monitor it is compared with sets it (SETREGS would
			 * write every register: some 700 instructions more).
			 */
			long vpid = VPID;
			struct ptrace_multi batch[2] = {
				{ PTRACE_POKEUSR, offsetof(struct user_regs_struct, rax), &vpid, 0 },
				{ PTRACE_SYSCALL, PTRACE_VM_SKIPCALL, 0, 0 },
			};

			/* Every stop is an entry stop: no exit stops. */
			PT(PTRACE_GETREGS, pid, 0, &regs);
			if (regs.orig_rax != SYS_getpid) {
				PT(PTRACE_SYSCALL, pid, PTRACE_VM_SKIPEXIT, 0);
				break;
			}
			if (PT(PTRACE_MULTI, pid, batch, 2) != 0 && !r->err[0])
				snprintf(r->err, sizeof(r->err), "PTRACE_MULTI: not all done");
			break;
		}
		default:
			break;
		}
	}
	c->switches = switches_now(RUSAGE_SELF) - sw;
out:
	pin(-1);
	monitor_finish(pid, p[0], r);
	close(p[0]);
	return r->err[0] ? -1 : 0;
}

/*
 * A seccomp user-notification monitor: the filter sends getpid to a
 * supervisor (this process, on CPU 0, through the listener fd it takes
 * from the child with pidfd_getfd), which answers VPID; other calls run.
 */
static int unotify_monitor(int tracee_cpu, struct result *r, struct counts *c)
{
	struct seccomp_notif req;
	struct seccomp_notif_resp resp;
	int p[2], q[2], listener = -1, pidfd = -1, child_fd;
	pid_t pid;
	long sw;

	memset(c, 0, sizeof(*c));
	memset(r, 0, sizeof(*r));
	if (pipe(p) || pipe(q))
		return -1;
	pid = fork();
	if (pid == 0) {
		struct result res = { 0 };
		long me = getpid(), sw0;
		int fd;
		char go;

		close(p[0]);
		close(q[1]);
		pin(tracee_cpu);
		res.base = op_loop(OP_GETPID, calls, me, &res.bad);
		fd = trace_getpid_filter(1);
		if (fd < 0 || write(p[1], &fd, sizeof(fd)) != sizeof(fd) ||
		    read(q[0], &go, 1) != 1)
			_exit(1);
		sw0 = switches_now(RUSAGE_SELF);
		res.traced = op_loop(OP_GETPID, traced_calls, VPID, &res.bad);
		res.tracee_sw = switches_now(RUSAGE_SELF) - sw0;
		_exit(send_result(p[1], &res) ? 2 : 0);
	}
	close(p[1]);
	close(q[0]);
	pin(0);
	pidfd = syscall(SYS_pidfd_open, pid, 0);
	if (pidfd >= 0 && read(p[0], &child_fd, sizeof(child_fd)) == sizeof(child_fd))
		listener = syscall(SYS_pidfd_getfd, pidfd, child_fd, 0);
	if (listener < 0 || write(q[1], "g", 1) != 1) {
		snprintf(r->err, sizeof(r->err), "take the listener: %s", strerror(errno));
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		goto out;
	}
	sw = switches_now(RUSAGE_SELF);
	for (long n = 0; n < traced_calls; n++) {
		memset(&req, 0, sizeof(req));
		if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, &req)) {
			snprintf(r->err, sizeof(r->err), "NOTIF_RECV: %s", strerror(errno));
			break;
		}
		resp = (struct seccomp_notif_resp){ .id = req.id, .val = VPID };
		if (ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp)) {
			snprintf(r->err, sizeof(r->err), "NOTIF_SEND: %s", strerror(errno));
			break;
		}
		c->stops++;
		c->calls += 2;	/* the supervisor's ioctls */
	}
	c->switches = switches_now(RUSAGE_SELF) - sw;
	monitor_finish(pid, p[0], r);
out:
	pin(-1);
	close(p[0]);
	close(q[1]);
	if (listener >= 0)
		close(listener);
	if (pidfd >= 0)
		close(pidfd);
	return r->err[0] ? -1 : 0;
}

/* ---- a user-space engine: /dev/utrace-channel ---- */

/* How long a channel monitor waits for its child, at most. */
#define CHANNEL_SECONDS 60

static void on_alarm(int sig)
{
	(void)sig;	/* only interrupts a read that waits too long */
}

/*
 * A channel engine: this process (on CPU 0) opens /dev/utrace-channel
 * after forking the child (a child that held it would keep the channel
 * open) and attaches an engine to it that hears of syscall entries, with a
 * syscall set of one call.  MON_CHANNEL_VIRT: the set is {getpid}; each
 * event read is answered ABORT with VPID, the replies of a read written
 * at once.  MON_CHANNEL_XCHG: the same answers, each batch given with the
 * UTRACE_CHANNEL_EXCHANGE that reads the next (one call per event, where
 * VIRT makes two).  MON_CHANNEL_PASS: the set is {getppid}, so getpid is outside
 * it: the monitor only waits for the child's result, and any event it
 * reads is an error (getpid must never reach it).
 */
static int channel_monitor(enum mon m, int tracee_cpu, struct result *r, struct counts *c)
{
	int virt = m != MON_CHANNEL_PASS, xchg = m == MON_CHANNEL_XCHG;
	int in_set = virt ? SYS_getpid : SYS_getppid;
	unsigned char set[UTRACE_CHANNEL_SYSCALLS_MAX] = { 0 };
	struct utrace_channel_attach a = {
		.events = UTRACE_CHANNEL_ENTRY,
		.syscalls_size = in_set / 8 + 1,
		.syscalls = (unsigned long)set,
	};
	struct utrace_channel_event ev[8];
	struct utrace_channel_reply rep[8];
	struct utrace_channel_exchange x = {
		/* Room for 8; the channel gives at most 4 a call. */
		.replies = (unsigned long)rep, .events = (unsigned long)ev, .nr_events = 8,
	};
	struct sigaction alrm = { .sa_handler = on_alarm }, old;	/* no SA_RESTART */
	int p[2], q[2], ch = -1;
	long answered = 0, sw = 0;
	pid_t pid;
	char go;

	memset(c, 0, sizeof(*c));
	memset(r, 0, sizeof(*r));
	if (pipe(p) || pipe(q))
		return -1;
	pid = fork();
	if (pid < 0) {
		snprintf(r->err, sizeof(r->err), "fork: %s", strerror(errno));
		close(p[0]);
		close(p[1]);
		close(q[0]);
		close(q[1]);
		return -1;
	}
	if (pid == 0) {
		struct result res = { 0 };
		long me = getpid(), sw0;

		close(p[0]);
		close(q[1]);
		pin(tracee_cpu);
		res.base = op_loop(OP_GETPID, calls, me, &res.bad);
		if (write(p[1], "r", 1) != 1 || read(q[0], &go, 1) != 1)
			_exit(1);
		sw0 = switches_now(RUSAGE_SELF);
		res.traced = op_loop(OP_GETPID, mon_calls(m), virt ? VPID : me, &res.bad);
		res.tracee_sw = switches_now(RUSAGE_SELF) - sw0;
		_exit(send_result(p[1], &res) ? 2 : 0);
	}
	close(p[1]);
	close(q[0]);
	pin(0);
	set[in_set / 8] |= 1 << (in_set % 8);
	a.pid = pid;
	if (read(p[0], &go, 1) != 1) {
		snprintf(r->err, sizeof(r->err), "the child did not come up");
		goto out;
	}
	ch = open("/dev/utrace-channel", O_RDWR | O_CLOEXEC);
	if (ch < 0 || ioctl(ch, UTRACE_CHANNEL_ATTACH, &a) < 0) {
		snprintf(r->err, sizeof(r->err), "channel %s: %s", ch < 0 ? "open" : "attach",
			 strerror(errno));
		goto out;
	}
	sigaction(SIGALRM, &alrm, &old);
	alarm(CHANNEL_SECONDS);
	sw = switches_now(RUSAGE_SELF);
	if (write(q[1], "g", 1) != 1)
		snprintf(r->err, sizeof(r->err), "the child is gone");
	/* Virtualizing: every getpid of the loop, read as it comes. */
	while (virt && !r->err[0] && answered < traced_calls) {
		ssize_t got;
		int k;

		if (xchg) {
			/* The replies of the last batch, and the next batch. */
			long n = ioctl(ch, UTRACE_CHANNEL_EXCHANGE, &x);

			got = n > 0 ? n * (ssize_t)sizeof(ev[0]) : n;
			c->calls += 1;
		} else {
			got = read(ch, ev, sizeof(ev));
			c->calls += 2;	/* this read and the write of its replies */
		}
		k = got > 0 ? got / (int)sizeof(ev[0]) : 0;
		if (got <= 0) {
			snprintf(r->err, sizeof(r->err), "%s: %s", xchg ? "exchange" : "read",
				 !got ? "end of file" : errno == EINTR ? "no event in time" :
				 strerror(errno));
			break;
		}
		for (int i = 0; i < k; i++) {
			rep[i] = (struct utrace_channel_reply){ .id = ev[i].id };
			c->stops++;
			if (ev[i].kind != UTRACE_CHANNEL_SYSCALL_ENTRY || ev[i].nr != SYS_getpid) {
				snprintf(r->err, sizeof(r->err), "event kind %u nr %lld: not in the set",
					 ev[i].kind, (long long)ev[i].nr);
				continue;
			}
			rep[i].action = UTRACE_CHANNEL_ABORT;
			rep[i].result = VPID;
			answered++;
		}
		if (xchg)
			x.nr_replies = k;
		else if (write(ch, rep, k * sizeof(rep[0])) != (ssize_t)(k * sizeof(rep[0])) &&
			 !r->err[0])
			snprintf(r->err, sizeof(r->err), "write replies: %s", strerror(errno));
	}
	/* The last batch's replies, with no read. */
	if (xchg && x.nr_replies && !r->err[0]) {
		x.nr_events = 0;
		if (ioctl(ch, UTRACE_CHANNEL_EXCHANGE, &x) != 0)
			snprintf(r->err, sizeof(r->err), "the last replies: %s", strerror(errno));
		else if (x.replied != x.nr_replies)
			snprintf(r->err, sizeof(r->err), "the last replies: %u of %u taken",
				 x.replied, x.nr_replies);
		c->calls += 1;
	}
	/* Passing through: no event may come before the child's result. */
	while (!virt && !r->err[0]) {
		struct pollfd pf[2] = { { .fd = ch, .events = POLLIN }, { .fd = p[0], .events = POLLIN } };

		if (poll(pf, 2, CHANNEL_SECONDS * 1000) <= 0) {
			snprintf(r->err, sizeof(r->err), "no result in %d s", CHANNEL_SECONDS);
		} else if (pf[0].revents & POLLIN) {
			ssize_t got = read(ch, ev, sizeof(ev));

			c->stops += got > 0 ? got / (ssize_t)sizeof(ev[0]) : 0;
			snprintf(r->err, sizeof(r->err), "nr %lld reached the monitor (outside the set)",
				 got > 0 ? (long long)ev[0].nr : -1LL);
		} else if (pf[1].revents) {
			break;	/* the result is there */
		}
	}
	c->switches = switches_now(RUSAGE_SELF) - sw;
	alarm(0);
	sigaction(SIGALRM, &old, NULL);
out:
	pin(-1);
	monitor_finish(pid, p[0], r);
	if (ch >= 0)
		close(ch);
	close(p[0]);
	close(q[1]);
	return r->err[0] ? -1 : 0;
}

/* One sample of the monitor row @m in placement @cross. */
static int monitor_sample(enum mon m, int cross, struct result *r, struct counts *c)
{
	if (m == MON_UNOTIFY)
		return unotify_monitor(cross, r, c);
	if (m == MON_CHANNEL_VIRT || m == MON_CHANNEL_XCHG || m == MON_CHANNEL_PASS)
		return channel_monitor(m, cross, r, c);
	return ptrace_monitor(m, cross, r, c);
}

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

/*
 * Signals in a child: untraced, then under @how: 0 one engine watching
 * every signal (logging none: nr 511), 1 a ptrace tracer that passes each
 * signal on from its signal-delivery stop.  Both on CPU 0.
 */
static int signal_costs(int how, struct result *r)
{
	int p[2], status;
	pid_t pid;

	memset(r, 0, sizeof(*r));
	if (pipe(p))
		return -1;
	pid = fork();
	if (pid == 0) {
		struct result res = { 0 };

		close(p[0]);
		pin(0);
		res.base = signal_loop_ns(SIGNALS);
		if (how == 0) {
			int fd = open("/dev/utrace-test", O_RDWR);

			if (fd < 0 || attach_engines(fd, 0, 1, UTRACE_TEST_EVENT_SIGNAL_ALL, 0)) {
				snprintf(res.err, sizeof(res.err), "attach test engine: %s",
					 strerror(errno));
				_exit(send_result(p[1], &res) ? 2 : 1);
			}
		}
		if (how == 1) {
			ptrace(PTRACE_TRACEME, 0, NULL, NULL);
			raise(SIGSTOP);
		}
		res.traced = signal_loop_ns(SIGNALS);
		_exit(send_result(p[1], &res) ? 2 : 0);
	}
	close(p[1]);
	pin(0);
	/* The tracer passes every signal on, and suppresses its own SIGSTOP. */
	while (how == 1 && waitpid(pid, &status, 0) == pid && WIFSTOPPED(status)) {
		long sig = WSTOPSIG(status) == SIGSTOP ? 0 : WSTOPSIG(status);

		ptrace(PTRACE_CONT, pid, NULL, (void *)sig);
	}
	pin(-1);
	if (read(p[0], r, sizeof(*r)) != sizeof(*r))
		snprintf(r->err, sizeof(r->err), "child sent no result");
	if (how == 0 || !r->err[0])
		waitpid(pid, NULL, 0);
	close(p[0]);
	return r->err[0] ? -1 : 0;
}

/* ---- breakpoints: a probed function's call ---- */

#define PROBE_CALLS 1000
static const char *const probe_names[] = {
	"no probe", "tracefs uprobe_events probe", "an engine subscribed (logging)",
};

/* The probed function: a call and a return, nothing else. */
__attribute__((noinline, noipa)) long bench_probed(long a)
{
	return a + 1;
}

/*
 * ns per call of bench_probed() in a child on CPU 0: @how 0 with no probe,
 * 1 with the tracefs probe (set up and enabled by the caller), 2 with a
 * test engine that subscribed to it (it logs each hit: the log fills and
 * then counts drops).  -1 on error, with @err set.
 */
static double probe_cost(int how, char *err, size_t len)
{
	int p[2];
	double ns = -1;
	pid_t pid;

	if (pipe(p))
		return -1;
	pid = fork();
	if (pid == 0) {
		struct utrace_test_attach a = {
			.kind = UTRACE_TEST_RECORD, .events = UTRACE_TEST_EVENT_BREAKPOINT,
			.nr = -1,
		};
		struct utrace_test_probe pr = { .offset = file_offset_of(bench_probed) };
		double t0, r = -1;
		int fd;

		close(p[0]);
		pin(0);
		if (how == 2) {
			fd = open("/dev/utrace-test", O_RDWR);
			pr.fd = open("/proc/self/exe", O_RDONLY);
			pr.slot = fd < 0 ? -1 : ioctl(fd, UTRACE_TEST_ATTACH, &a);
			if (fd < 0 || pr.fd < 0 || (int)pr.slot < 0 ||
			    ioctl(fd, UTRACE_TEST_PROBE, &pr) < 0)
				_exit(write(p[1], &r, sizeof(r)) == sizeof(r) ? 1 : 2);
		}
		t0 = now_ns();
		for (int i = 0; i < PROBE_CALLS; i++)
			bench_probed(i);
		r = (now_ns() - t0) / PROBE_CALLS;
		_exit(write(p[1], &r, sizeof(r)) == sizeof(r) ? 0 : 2);
	}
	close(p[1]);
	if (pid < 0 || read(p[0], &ns, sizeof(ns)) != sizeof(ns) || ns < 0)
		snprintf(err, len, "%s: %s", probe_names[how],
			 pid < 0 ? strerror(errno) : "the child failed");
	if (pid > 0)
		waitpid(pid, NULL, 0);
	close(p[0]);
	return ns;
}

/* ---- branch trace: a branchy loop, stepped by the branch-trace engine ---- */

/*
 * The loop: per iteration a call, its return and the loop's jump back,
 * three taken branches in four instructions (the last jump falls
 * through).
 */
asm(".text\n"
    ".globl bench_branchy\n"
    "bench_branchy:\n"
    "1:	call bench_branchy_leaf\n"
    "	dec %rdi\n"
    "	jnz 1b\n"
    "	ret\n"
    "bench_branchy_leaf:\n"
    "	ret\n");
void bench_branchy(long n);

#define BRANCHY_UNTRACED 200000	/* iterations untraced */
#define BRANCHY_TRACED 1000	/* iterations with every instruction stepped */

/*
 * ns per iteration of bench_branchy() in a child on CPU 0, untraced
 * (@traced 0) or under a branch-trace engine (a ring of 4096) that the
 * parent attached; *@branches gets the branches the engine recorded in
 * the loop per iteration (from UTRACE_BRANCH_STATUS, before and after).
 * -1 on error, with @err set.
 */
static double branchy_cost(int traced, double *branches, char *err, size_t len)
{
	struct utrace_branch_status before, after;
	long iters = traced ? BRANCHY_TRACED : BRANCHY_UNTRACED;
	int go[2], res[2], step[2], fd = -1;
	double ns = -1;
	char c = 0;
	pid_t pid;

	if (pipe(go) || pipe(res) || pipe(step))
		return -1;
	pid = fork();
	if (pid == 0) {
		double t0, r = -1;

		close(go[1]);
		close(res[0]);
		close(step[0]);
		pin(0);
		if (read(go[0], &c, 1) != 1)
			_exit(2);
		/* The parent reads the counters between the two writes. */
		if (write(step[1], &c, 1) != 1 || read(go[0], &c, 1) != 1)
			_exit(2);
		t0 = now_ns();
		bench_branchy(iters);
		r = (now_ns() - t0) / iters;
		if (write(step[1], &c, 1) != 1 || read(go[0], &c, 1) != 1)
			_exit(2);
		_exit(write(res[1], &r, sizeof(r)) == sizeof(r) ? 0 : 2);
	}
	close(go[0]);
	close(res[1]);
	close(step[1]);
	if (pid < 0)
		goto out;
	if (traced) {
		struct utrace_branch_attach a = { .pid = pid, .records = 4096 };

		fd = open("/dev/utrace-branch", O_RDWR | O_CLOEXEC);
		if (fd < 0 || ioctl(fd, UTRACE_BRANCH_ATTACH, &a)) {
			snprintf(err, len, "branch trace: %s", strerror(errno));
			kill(pid, SIGKILL);
			goto out;
		}
	}
	memset(&before, 0, sizeof(before));
	memset(&after, 0, sizeof(after));
	if (write(go[1], &c, 1) != 1 || read(step[0], &c, 1) != 1 ||
	    (traced && ioctl(fd, UTRACE_BRANCH_STATUS, &before)) ||
	    write(go[1], &c, 1) != 1 || read(step[0], &c, 1) != 1 ||
	    (traced && ioctl(fd, UTRACE_BRANCH_STATUS, &after)) ||
	    write(go[1], &c, 1) != 1 || read(res[0], &ns, sizeof(ns)) != sizeof(ns)) {
		snprintf(err, len, "branchy loop%s: the child failed", traced ? " traced" : "");
		kill(pid, SIGKILL);
		ns = -1;
	}
	*branches = (double)(after.branches - before.branches) / iters;
out:
	if (pid > 0)
		waitpid(pid, NULL, 0);
	if (fd >= 0)
		close(fd);
	close(go[1]);
	close(res[0]);
	close(step[0]);
	return ns;
}

/*
 * Sets up (@on) or removes the tracefs probe on bench_probed(); it is
 * enabled only while its row runs (it applies to every process).
 */
static int tracefs_probe(int on)
{
	char exe[256] = { 0 }, def[400];

	if (!on)
		return tracefs_write("events/uprobes/utrace_bench/enable", "0") |
		       tracefs_write("uprobe_events", "-:uprobes/utrace_bench\n");
	mkdir("/sys/kernel/tracing", 0755);
	mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL);
	if (readlink("/proc/self/exe", exe, sizeof(exe) - 1) <= 0)
		return -1;
	snprintf(def, sizeof(def), "p:uprobes/utrace_bench %s:0x%lx\n", exe,
		 file_offset_of(bench_probed));
	return tracefs_write("uprobe_events", def) |
	       tracefs_write("events/uprobes/utrace_bench/enable", "1");
}

/* ---- reading a stopped tracee: registers + 256 bytes ---- */

static char target_buf[256] = "utrace-bench";

/* The ways peek_costs() times: the three reads, then two halves of the second. */
enum { PEEK_WORDS, PEEK_GETREGS_READV, PEEK_MULTI, PEEK_GETREGS, PEEK_READV, NPEEK };

/* The tracee's target_buf into @out with one process_vm_readv: whether it came whole. */
static int readv_target(pid_t pid, char out[sizeof(target_buf)])
{
	struct iovec local = { out, sizeof(target_buf) }, remote = { target_buf, sizeof(target_buf) };

	return process_vm_readv(pid, &local, 1, &remote, 1, 0) == sizeof(target_buf);
}

/*
 * ns per read with each method; -1 for one that failed. The halves of
 * GETREGS + readv, each alone, show what the goal asks: MULTI does one
 * GETREGS call's work and the copy, so MULTI <= 0.50 x (GETREGS + readv)
 * can hold only where a readv costs more than a GETREGS call.
 */
static void peek_costs(int n, double ns[NPEEK])
{
	struct user_regs_struct regs;
	char out[sizeof(target_buf)];
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		ptrace(PTRACE_TRACEME, 0, NULL, NULL);
		raise(SIGSTOP);
		_exit(0);
	}
	for (int k = 0; k < NPEEK; k++)
		ns[k] = -1;
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return;
	for (int k = 0; k < NPEEK; k++) {
		double t0 = now_ns();
		int ok = 1;

		for (int i = 0; i < n && ok; i++) {
			switch (k) {
			case PEEK_WORDS:
				ptrace(PTRACE_GETREGS, pid, NULL, &regs);
				for (size_t w = 0; w < sizeof(out) / sizeof(long); w++)
					((long *)out)[w] = ptrace(PTRACE_PEEKDATA, pid,
								  target_buf + w * sizeof(long), NULL);
				break;
			case PEEK_GETREGS_READV:
				ok = !ptrace(PTRACE_GETREGS, pid, NULL, &regs) && readv_target(pid, out);
				break;
			case PEEK_MULTI: {
				struct ptrace_multi batch[2] = {
					{ PTRACE_GETREGS, 0, &regs, 0 },
					{ PTRACE_PEEKCHARDATA, (long)target_buf, out, sizeof(out) },
				};

				ok = ptrace(PTRACE_MULTI, pid, batch, (void *)2L) == 0;
				break;
			}
			case PEEK_GETREGS:
				ok = !ptrace(PTRACE_GETREGS, pid, NULL, &regs);
				break;
			case PEEK_READV:
				ok = readv_target(pid, out);
				break;
			}
		}
		if (ok)
			ns[k] = (now_ns() - t0) / n;
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/* ---- attach + detach, engine and ptrace, on the same sleeping child ---- */

/* Pairs per second of test-engine attach + detach to @pid; -1 on error. */
static double engine_pairs(pid_t pid, char *err, size_t len)
{
	int fd = open("/dev/utrace-test", O_RDWR);
	double t0 = now_ns();

	for (int done = 0; done < pairs; done++) {
		struct utrace_test_attach a = {
			.pid = pid, .kind = UTRACE_TEST_RECORD, .nr = 511,
			.events = UTRACE_TEST_EVENT_SYSCALL_ENTRY,
		};
		int slot = fd < 0 ? -1 : ioctl(fd, UTRACE_TEST_ATTACH, &a);

		if (slot < 0 || ioctl(fd, UTRACE_TEST_DETACH, slot)) {
			snprintf(err, len, "engine attach/detach: %s", strerror(errno));
			if (fd >= 0)
				close(fd);
			return -1;
		}
		/* Slots are never reused: a new file every 64. */
		if (slot == 63) {
			close(fd);
			fd = open("/dev/utrace-test", O_RDWR);
		}
	}
	if (fd >= 0)
		close(fd);
	return pairs / ((now_ns() - t0) / 1e9);
}

/* Pairs per second of PTRACE_SEIZE + PTRACE_DETACH on @pid.  DETACH wants
 * a tracee in a ptrace stop: INTERRUPT and a wait come between. */
static double ptrace_pairs(pid_t pid, char *err, size_t len)
{
	double t0 = now_ns();
	int status;

	for (int done = 0; done < pairs; done++) {
		const char *what = "PTRACE_SEIZE";

		if (ptrace(PTRACE_SEIZE, pid, NULL, NULL) ||
		    (what = "PTRACE_INTERRUPT", ptrace(PTRACE_INTERRUPT, pid, NULL, NULL)) ||
		    (what = "waitpid", waitpid(pid, &status, __WALL) != pid) ||
		    (what = "PTRACE_DETACH", ptrace(PTRACE_DETACH, pid, NULL, NULL))) {
			snprintf(err, len, "%s: %s", what, strerror(errno));
			return -1;
		}
	}
	return pairs / ((now_ns() - t0) / 1e9);
}

/* ---- memory: per-cache slab object counts ---- */

#define MEM_TASKS 192
#define MAX_CACHES 320

struct slabs {
	int n;
	char name[MAX_CACHES][40];
	long objs[MAX_CACHES], size[MAX_CACHES];
};

/* Per-CPU caches and sheaves hold free objects that count as active:
 * let RCU frees land, then shrink every cache (not the aliases). */
static int settle_slabs(void)
{
	DIR *d = opendir("/sys/kernel/slab");
	struct dirent *e;
	char path[300];
	int shrunk = 0;

	usleep(150 * 1000);
	while (d && (e = readdir(d))) {
		int fd;

		if (e->d_name[0] == '.' || e->d_type != DT_DIR)
			continue;
		snprintf(path, sizeof(path), "/sys/kernel/slab/%s/shrink", e->d_name);
		fd = open(path, O_WRONLY);
		/* A cache that cannot shrink counts as it is. */
		if (fd >= 0 && write(fd, "1", 1) == 1)
			shrunk++;
		if (fd >= 0)
			close(fd);
	}
	if (d)
		closedir(d);
	return shrunk;
}

/* Active objects and object size of every cache in /proc/slabinfo. */
static int read_slabs(struct slabs *s)
{
	FILE *f;
	char line[512];

	settle_slabs();
	f = fopen("/proc/slabinfo", "r");
	s->n = 0;
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f) && s->n < MAX_CACHES) {
		long active, total, size;

		if (sscanf(line, "%39s %ld %ld %ld", s->name[s->n], &active, &total, &size) != 4)
			continue;
		s->objs[s->n] = active;
		s->size[s->n] = size;
		s->n++;
	}
	fclose(f);
	return s->n ? 0 : -1;
}

/* after - before, per cache, into @d (objects and bytes); total bytes. */
static long slab_delta(const struct slabs *before, const struct slabs *after, struct slabs *d)
{
	long bytes = 0;

	d->n = 0;
	for (int i = 0; i < after->n; i++) {
		long was = 0;

		for (int j = 0; j < before->n; j++)
			if (!strcmp(before->name[j], after->name[i])) {
				was = before->objs[j];
				break;
			}
		memcpy(d->name[d->n], after->name[i], sizeof(d->name[0]));
		d->objs[d->n] = after->objs[i] - was;
		d->size[d->n] = after->size[i];
		bytes += d->objs[d->n] * d->size[d->n];
		d->n++;
	}
	return bytes;
}

enum mem_set { MEM_NONE, MEM_INHERIT1, MEM_INHERIT2, MEM_OWN2, NMEM };

struct mem_result {
	long bytes;
	char err[96];
	struct slabs delta;
};

static struct {
	struct slabs before, after;
	struct mem_result res;
} *mem_shared;

/*
 * In a spawner child: MEM_TASKS sleeping children, and the slab bytes they
 * added.  MEM_INHERITn: the spawner has n engines that children inherit
 * (the same engine, a new attachment: no engine state of their own).
 * MEM_OWN2: each child attaches 2 engines of its own.  The engines watch
 * only the task's exit; each child's exit records prove its engines were
 * there.
 */
static void children_slab(enum mem_set set)
{
	static const int engines[NMEM] = { 0, 1, 2, 2 };
	struct mem_result *res = &mem_shared->res;
	struct utrace_test_record recs[1024];
	int p[2], n = 0, nfd = 0, fds[MEM_TASKS * 2 / 64 + 1];
	pid_t kids[MEM_TASKS];
	long exits = 0;
	char c;

	if (pipe(p) < 0)
		_exit(1);
	if (set == MEM_INHERIT1 || set == MEM_INHERIT2) {
		fds[nfd] = open("/dev/utrace-test", O_RDWR);
		if (fds[nfd++] < 0 || attach_engines(fds[0], 0, engines[set], UTRACE_TEST_EVENT_EXIT,
						     UTRACE_TEST_INHERIT)) {
			snprintf(res->err, sizeof(res->err), "attach inherited engines: %s",
				 strerror(errno));
			_exit(1);
		}
	}
	if (set == MEM_OWN2) {
		/* 64 slots a file: 32 children of 2 engines each. */
		for (; nfd < (MEM_TASKS + 31) / 32; nfd++)
			if ((fds[nfd] = open("/dev/utrace-test", O_RDWR)) < 0)
				_exit(1);
	}
	if (read_slabs(&mem_shared->before)) {
		snprintf(res->err, sizeof(res->err), "/proc/slabinfo: %s", strerror(errno));
		_exit(1);
	}
	for (; n < MEM_TASKS; n++) {
		kids[n] = fork();
		if (kids[n] == 0) {
			if (set == MEM_OWN2 &&
			    attach_engines(fds[n / 32], 0, 2, UTRACE_TEST_EVENT_EXIT, 0))
				_exit(1);
			if (write(p[1], "r", 1) != 1)
				_exit(1);
			for (;;)
				pause();
		}
		if (kids[n] < 0 || read(p[0], &c, 1) != 1)
			break;
	}
	if (n < MEM_TASKS)
		snprintf(res->err, sizeof(res->err), "only %d children came up", n);
	else if (read_slabs(&mem_shared->after))
		snprintf(res->err, sizeof(res->err), "/proc/slabinfo: %s", strerror(errno));
	for (int i = 0; i < n; i++) {
		kill(kids[i], SIGKILL);
		waitpid(kids[i], NULL, 0);
	}
	for (int i = 0; i < nfd; i++) {
		struct utrace_test_read rd = { .records = (unsigned long)recs, .max = 1024 };

		if (ioctl(fds[i], UTRACE_TEST_READ, &rd) == 0)
			for (unsigned int k = 0; k < rd.count; k++)
				exits += recs[k].side == UTRACE_TEST_SIDE_EXIT_EVENT;
	}
	if (!res->err[0] && exits != (long)n * engines[set])
		snprintf(res->err, sizeof(res->err), "%ld engine exit reports, want %d", exits,
			 n * engines[set]);
	if (!res->err[0])
		res->bytes = slab_delta(&mem_shared->before, &mem_shared->after, &res->delta);
	_exit(0);
}

static int mem_run(enum mem_set set, struct mem_result *out)
{
	pid_t pid;

	memset(&mem_shared->res, 0, sizeof(mem_shared->res));
	pid = fork();
	if (pid == 0)
		children_slab(set);
	if (pid < 0 || waitpid(pid, NULL, 0) != pid)
		snprintf(mem_shared->res.err, sizeof(mem_shared->res.err), "spawner failed");
	*out = mem_shared->res;
	return out->err[0] ? -1 : 0;
}

/* ---- the run ---- */

/* A slow (debug) kernel gets fewer calls per loop, so that one run stays
 * within the time limit; ratios need as many rounds, not as many calls. */
static double calibrate(void)
{
	long bad = 0;
	double base;

	/* Warm-up: caches, TLB, the CPU frequency of a real machine. */
	for (double t0 = now_ns(); now_ns() - t0 < 300e6;)
		op_loop(OP_GETPID, 1000, getpid(), &bad);
	base = op_loop(OP_GETPID, 20000, getpid(), &bad);
	if (base > 500) {
		double scale = 250 / base;

		calls = calls * scale < 2000 ? 2000 : calls * scale;
		traced_calls = traced_calls * scale < 100 ? 100 : traced_calls * scale;
		pairs = pairs * scale < 100 ? 100 : pairs * scale;
	}
	return base;
}

static void kernel_flavour(char *buf, size_t len)
{
	static const struct { const char *path, *name; } probes[] = {
		{ "/proc/lockdep", "lockdep" },
		{ "/sys/kernel/debug/kmemleak", "kmemleak" },
		{ "/sys/kernel/debug/failslab", "failslab" },
		{ "/sys/kernel/debug/kfence", "kfence" },
	};
	size_t at = 0;

	buf[0] = 0;
	for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++)
		if (!access(probes[i].path, F_OK))
			at += snprintf(buf + at, len - at, "%s%s", at ? " " : "", probes[i].name);
}

static void print_row(const struct row *w)
{
	double med, lo, hi;
	char spread[32], cols[NCOL][16];

	if (!w->n) {
		printf("%-44s error: %s\n", w->name, w->err);
		return;
	}
	stats(w->v[C_RATIO], w->n, &med, &lo, &hi);
	snprintf(spread, sizeof(spread), "%.2f-%.2f", lo, hi);
	for (int c = C_NS; c < NCOL; c++) {
		double m = col_median(w, c);

		if (m < 0)
			snprintf(cols[c], sizeof(cols[c]), "-");
		else
			snprintf(cols[c], sizeof(cols[c]), c == C_NS ? "%.0f" : "%.2f", m);
	}
	printf("%-44s %7.2f %13s %-12s %-7s %9s %5s %5s %6s %6s\n", w->name, med, spread,
	       w->met < 0 ? "-" : w->goal, met_word(w->met), cols[C_NS], cols[C_STOPS],
	       cols[C_CALLS], cols[C_TRSW], cols[C_TESW]);
	if (w->failed)
		printf("%-44s   (%d round(s) failed: %s)\n", "", w->failed, w->err);
}

static void json_str(const char *key, const char *s, int comma)
{
	printf("\"%s\": \"", key);
	for (; *s; s++)
		printf(*s == '"' || *s == '\\' ? "\\%c" : "%c", *s);
	printf("\"%s", comma ? ", " : "");
}

static const char *json_met(int met)
{
	return met < 0 ? "null" : met ? "true" : "false";
}

/*
 * `utrace-bench --spin N SECONDS`: N no-op engines (entry and exit) on
 * this task, then getpid() in a loop, for qemu-ci/trace-syscall.sh and
 * qemu-ci/profile.sh to look at the report path from the debugger.
 */
static int spin_with_engines(int n, int seconds)
{
	int fd = open("/dev/utrace-test", O_RDWR);
	time_t end = time(NULL) + seconds;

	if (fd < 0 || attach_engines(fd, 0, n, BOTH_SIDES, 0) < 0) {
		perror("utrace-bench --spin: attach");
		return 1;
	}
	while (time(NULL) < end)
		for (int i = 0; i < 100000; i++)
			syscall(SYS_getpid);
	return 0;
}

/*
 * `utrace-bench --spin-strace SECONDS`: a child calls getpid() in a loop
 * under the VM engine and the strace engine over it, as the "strace over
 * VM" row, while this process drains the trace as that row's reader does;
 * for qemu-ci/profile.sh.
 */
static int spin_strace(int seconds)
{
	struct utrace_vm_attach v = {
		.rules = (unsigned long)VM_RULES, .rules_len = strlen(VM_RULES),
	};
	struct utrace_strace_attach s = { 0 };
	int p[2], fd = open("/dev/utrace", O_RDWR | O_NONBLOCK);
	pid_t pid;
	char c;

	if (fd < 0 || pipe(p)) {
		perror("utrace-bench --spin-strace");
		return 1;
	}
	ncpus = sysconf(_SC_NPROCESSORS_ONLN);
	pid = fork();
	if (pid == 0) {
		time_t end;

		pin(0);
		if (read(p[0], &c, 1) != 1)
			_exit(1);
		end = time(NULL) + seconds;
		while (time(NULL) < end)
			for (int i = 0; i < 10000; i++)
				syscall(SYS_getpid);
		_exit(0);
	}
	pin(1);
	v.pid = s.pid = pid;
	if (ioctl(fd, UTRACE_ATTACH_VM, &v) < 0 || ioctl(fd, UTRACE_ATTACH_STRACE, &s) < 0 ||
	    write(p[1], "g", 1) != 1) {
		perror("utrace-bench --spin-strace: attach");
		kill(pid, SIGKILL);
		return 1;
	}
	/* Read while there is text, poll when there is none, until the end. */
	for (;;) {
		struct pollfd pf = { .fd = fd, .events = POLLIN };
		ssize_t got = read(fd, trace_text, sizeof(trace_text));

		if (got == 0 || (got < 0 && errno != EAGAIN))
			break;
		if (got < 0)
			poll(&pf, 1, -1);
	}
	waitpid(pid, NULL, 0);
	return 0;
}

/*
 * `utrace-bench --spin-monitor channel|channel-exchange|channel-pass|unotify|sysvm
 * SECONDS`: a child calls getpid() in a loop, virtualized by this process
 * through a channel engine (read + write, or EXCHANGE), seccomp user
 * notification or SYSVM + MULTI, or passed through by a channel engine
 * whose set leaves it out, both on CPU 0 (the rows' [1 CPU] placement), for about
 * SECONDS; for qemu-ci/profile.sh and trace-syscall.sh's ROUNDTRIP=1,
 * which compare where they spend their time.
 */
static int spin_monitor(const char *kind, int seconds)
{
	struct result r;
	struct counts c;
	int channel = !strcmp(kind, "channel"), sysvm = !strcmp(kind, "sysvm"), failed;
	int exchange = !strcmp(kind, "channel-exchange"), pass = !strcmp(kind, "channel-pass");

	if (!channel && !exchange && !pass && !sysvm && strcmp(kind, "unotify")) {
		fprintf(stderr, "utrace-bench --spin-monitor: channel, channel-exchange, "
			"channel-pass, unotify or sysvm\n");
		return 2;
	}
	/* No more than the channel monitor's 60 s alarm allows. */
	seconds = seconds > 50 ? 50 : seconds;
	ncpus = sysconf(_SC_NPROCESSORS_ONLN);
	/* A generous bound of calls a second in this guest. */
	traced_calls = seconds * 20000;
	/*
	 * A passed-through getpid never waits: far more than fit in SECONDS,
	 * after a short untraced baseline.
	 */
	if (pass) {
		spin_pass_calls = seconds * 1000000;
		calls = 1000;
		failed = channel_monitor(MON_CHANNEL_PASS, 0, &r, &c);
	} else if (channel || exchange)
		failed = channel_monitor(exchange ? MON_CHANNEL_XCHG : MON_CHANNEL_VIRT, 0, &r, &c);
	else if (sysvm)
		failed = ptrace_monitor(MON_SYSVM, 0, &r, &c);
	else
		failed = unotify_monitor(0, &r, &c);
	if (failed) {
		fprintf(stderr, "utrace-bench --spin-monitor: %s\n", r.err);
		return 1;
	}
	return 0;
}

/*
 * `utrace-bench --monitors [ROUNDS]`: the monitor rows alone, in ROUNDS
 * interleaved rounds (default 1), printed as in the table, without goals:
 * a quick check of them on any kernel (utrace_ci.bench=monitors,
 * `make bench-monitors`).  Fails if a row did.
 */
static int monitors_only(int rounds)
{
	struct result r;
	struct counts c;
	int failed = 0;
	double base0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	ncpus = sysconf(_SC_NPROCESSORS_ONLN);
	pin(-1);
	base0 = calibrate();	/* before the loop sizes it scales are printed */
	rounds = rounds < 1 ? 1 : rounds > MAX_SAMPLES ? MAX_SAMPLES : rounds;
	printf("utrace-bench --monitors: %d CPUs, warm-up getpid %.0f ns; loops of %d getpid "
	       "alone, %d under a monitor; %d round(s)\n\n", ncpus, base0, calls, traced_calls,
	       rounds);
	for (int round = 0; round < rounds; round++)
		for (int cross = 0; cross < (ncpus < 2 ? 1 : 2); cross++)
			for (enum mon m = 0; m < NMON; m++) {
				char name[64];
				int ok;

				mon_row_name(name, sizeof(name), m, cross);
				ok = !monitor_sample(m, cross, &r, &c);
				failed |= !ok;
				record(row("monitor", name), ok, &r, &c, mon_calls(m));
			}
	printf("%-44s %7s %13s %-12s %-7s %9s %5s %5s %6s %6s\n", "mechanism (ratio to untraced)",
	       "ratio", "spread", "goal", "met", "ns/call", "stops", "calls", "tracer", "tracee");
	for (int i = 0; i < nrows; i++)
		print_row(&rows[i]);
	return failed;
}

int main(int argc, char **argv)
{
	static const char *const signal_names[] = {
		"one engine watching signals", "ptrace signal-delivery stop",
	};
	static const char *const mem_names[NMEM] = {
		"no engine", "1 inherited engine", "2 inherited engines", "2 engines of its own",
	};
	double peek[NPEEK][ROUNDS], peek_ratio[ROUNDS], rate[2][ROUNDS], sig[3][ROUNDS];
	double probe_ns[3][ROUNDS], probe_ratio[ROUNDS];
	int nprobe = 0;
	char err_probe[160] = "";
	double branchy_ns[2][ROUNDS], branchy_slow[ROUNDS], branchy_per[ROUNDS], branchy_n[ROUNDS];
	int nbranchy = 0;
	char err_branchy[160] = "";
	double sig_base[2][ROUNDS];
	int npk[NPEEK] = { 0 }, nrt[2] = { 0 }, nsg[2] = { 0 };
	char err_sig[160] = "";
	double mem_first[ROUNDS], mem_further[ROUNDS], mem_own[ROUNDS];
	int npeek = 0, nrate = 0, nsig = 0, nmem = 0, sysvm_met[2] = { -1, -1 }, slope_met = 0;
	/* The channel's two ways of answering: read + write, and EXCHANGE. */
	static const enum mon channel_virt[2] = { MON_CHANNEL_VIRT, MON_CHANNEL_XCHG };
	int channel_met[2][2] = { { -1, -1 }, { -1, -1 } };
	char flavour[96], err_rate[96] = "", err_mem[96] = "", err_peek[96] = "";
	static struct mem_result mres[NMEM];
	static struct slabs mem_cache_sum[3];	/* per-cache objects, summed over rounds */
	double base0, slope = -1, sysvm_factor[2] = { -1, -1 };
	double channel_factor[2][2] = { { -1, -1 }, { -1, -1 } };
	struct result r;
	struct counts c;
	pid_t sleeper;

	if (argc == 4 && !strcmp(argv[1], "--spin"))
		return spin_with_engines(atoi(argv[2]), atoi(argv[3]));
	if (argc == 3 && !strcmp(argv[1], "--spin-strace"))
		return spin_strace(atoi(argv[2]));
	if (argc == 4 && !strcmp(argv[1], "--spin-monitor"))
		return spin_monitor(argv[2], atoi(argv[3]));
	if ((argc == 2 || argc == 3) && !strcmp(argv[1], "--monitors"))
		return monitors_only(argc == 3 ? atoi(argv[2]) : 1);
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	ncpus = sysconf(_SC_NPROCESSORS_ONLN);
	pin(-1);
	devnull = open("/dev/null", O_WRONLY);
	close(open(BENCH_FILE, O_WRONLY | O_CREAT, 0644));
	mem_shared = mmap(NULL, sizeof(*mem_shared), PROT_READ | PROT_WRITE,
			  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (mem_shared == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	kernel_flavour(flavour, sizeof(flavour));
	base0 = calibrate();
	printf("utrace-bench: %d CPUs, kernel debug options found: %s; warm-up getpid %.0f ns;\n"
	       "  %d rounds; loops of %d getpid alone, %d under a monitor; %d attach pairs\n\n",
	       ncpus, flavour[0] ? flavour : "none", base0, ROUNDS, calls, traced_calls, pairs);

	for (int round = 0; round < ROUNDS; round++) {
		/* The untraced row twice a round: its spread is the noise. */
		for (int i = 0; i < NINPROC; i++) {
			int ok = !in_child(&inproc[i], &r);

			record(row("alone", inproc[i].name), ok, &r, NULL, calls);
		}
		record(row("alone", inproc[0].name), !in_child(&inproc[0], &r), &r, NULL, calls);

		for (enum op op = OP_GETPID; op <= OP_WRITE; op++) {
			char name[64];
			long lines, lost;
			struct row *w;
			int ok;

			snprintf(name, sizeof(name), "strace over VM, reader: %s", op_names[op]);
			w = row("strace", name);
			ok = !strace_row(op, &r, &lines, &lost);
			record(w, ok, &r, NULL, op == OP_GETPID ? calls : calls / 4);
			if (ok) {
				w->lines_read = (w->lines_read < 0 ? 0 : w->lines_read) + lines;
				w->lines_lost = (w->lines_lost < 0 ? 0 : w->lines_lost) + lost;
			}
		}

		for (int cross = 0; cross < 2; cross++)
			for (enum mon m = 0; m < NMON; m++) {
				char name[64];
				int ok;

				mon_row_name(name, sizeof(name), m, cross);
				if (cross && ncpus < 2) {
					snprintf(r.err, sizeof(r.err), "only one CPU");
					record(row("monitor", name), 0, &r, NULL, 1);
					continue;
				}
				ok = !monitor_sample(m, cross, &r, &c);
				record(row("monitor", name), ok, &r, &c, mon_calls(m));
			}

		for (int how = 0; how < 2; how++) {
			if (signal_costs(how, &r)) {
				snprintf(err_sig, sizeof(err_sig), "%s: %s", signal_names[how], r.err);
				continue;
			}
			sig_base[how][nsg[how]] = r.base;
			sig[how + 1][nsg[how]++] = r.traced;
		}
		if (nsg[0] + nsg[1])
			sig[0][nsig++] = nsg[0] ? sig_base[0][nsg[0] - 1] : sig_base[1][nsg[1] - 1];

		{
			double ns[3];
			int ok = 1;

			/* A probe hit, three ways, in this round: the ratio in one boot. */
			for (int how = 0; how < 3; how++) {
				if (how == 1 && tracefs_probe(1)) {
					snprintf(err_probe, sizeof(err_probe), "tracefs probe: %s",
						 strerror(errno));
					tracefs_probe(0);
					ok = 0;
					continue;
				}
				ns[how] = probe_cost(how, err_probe, sizeof(err_probe));
				if (how == 1)
					tracefs_probe(0);
				ok &= ns[how] > 0;
			}
			if (ok) {
				for (int how = 0; how < 3; how++)
					probe_ns[how][nprobe] = ns[how];
				probe_ratio[nprobe++] = (ns[2] - ns[0]) / (ns[1] - ns[0]);
			}
		}

		{
			/* The branchy loop untraced and stepped, in this round. */
			double plain, stepped, dummy, per;

			plain = branchy_cost(0, &dummy, err_branchy, sizeof(err_branchy));
			stepped = branchy_cost(1, &per, err_branchy, sizeof(err_branchy));
			if (plain > 0 && stepped > 0 && per > 0) {
				branchy_ns[0][nbranchy] = plain;
				branchy_ns[1][nbranchy] = stepped;
				branchy_slow[nbranchy] = stepped / plain;
				branchy_per[nbranchy] = stepped / per;
				branchy_n[nbranchy++] = per;
			}
		}

		{
			double ns[NPEEK];

			peek_costs(traced_calls / 5 < 20 ? 20 : traced_calls / 5, ns);
			for (int k = 0; k < NPEEK; k++)
				if (ns[k] > 0)
					peek[k][npk[k]++] = ns[k];
			if (ns[PEEK_GETREGS_READV] > 0 && ns[PEEK_MULTI] > 0)
				peek_ratio[npeek++] = ns[PEEK_MULTI] / ns[PEEK_GETREGS_READV];
			if (ns[PEEK_GETREGS_READV] <= 0 || ns[PEEK_MULTI] <= 0 ||
			    ns[PEEK_GETREGS] <= 0 || ns[PEEK_READV] <= 0)
				snprintf(err_peek, sizeof(err_peek),
					 "a method failed (%.0f %.0f %.0f %.0f %.0f ns)",
					 ns[PEEK_WORDS], ns[PEEK_GETREGS_READV], ns[PEEK_MULTI],
					 ns[PEEK_GETREGS], ns[PEEK_READV]);
		}

		sleeper = fork();
		if (sleeper == 0) {
			for (;;)
				pause();
		}
		{
			double e = engine_pairs(sleeper, err_rate, sizeof(err_rate));
			double t = ptrace_pairs(sleeper, err_rate, sizeof(err_rate));

			if (e > 0)
				rate[0][nrt[0]++] = e;
			if (t > 0)
				rate[1][nrt[1]++] = t;
			if (e > 0 && t > 0)
				nrate++;
		}
		kill(sleeper, SIGKILL);
		waitpid(sleeper, NULL, 0);

		for (enum mem_set s = MEM_NONE; s < NMEM; s++)
			if (mem_run(s, &mres[s]) && !err_mem[0])
				snprintf(err_mem, sizeof(err_mem), "%s: %s", mem_names[s],
					 mres[s].err);
		if (!mres[0].err[0] && !mres[1].err[0] && !mres[2].err[0] && !mres[3].err[0]) {
			const struct slabs *d[NMEM] = {
				&mres[0].delta, &mres[1].delta, &mres[2].delta, &mres[3].delta,
			};
			static const int pairs[3][2] = { { 1, 0 }, { 2, 1 }, { 3, 2 } };

			mem_first[nmem] = (mres[1].bytes - mres[0].bytes) / (double)MEM_TASKS;
			mem_further[nmem] = (mres[2].bytes - mres[1].bytes) / (double)MEM_TASKS;
			mem_own[nmem] = (mres[3].bytes - mres[2].bytes) / (2.0 * MEM_TASKS);
			nmem++;
			/* Which caches grew, for each difference. */
			for (int k = 0; k < 3; k++) {
				struct slabs *sum = &mem_cache_sum[k];
				const struct slabs *hi = d[pairs[k][0]], *lo = d[pairs[k][1]];

				for (int i = 0; i < hi->n; i++) {
					long was = 0;
					int at;

					for (int j = 0; j < lo->n; j++)
						if (!strcmp(lo->name[j], hi->name[i]))
							was = lo->objs[j];
					for (at = 0; at < sum->n; at++)
						if (!strcmp(sum->name[at], hi->name[i]))
							break;
					if (at == sum->n) {
						if (sum->n == MAX_CACHES)
							continue;
						memcpy(sum->name[at], hi->name[i], sizeof(sum->name[0]));
						sum->size[at] = hi->size[i];
						sum->objs[at] = 0;
						sum->n++;
					}
					sum->objs[at] += hi->objs[i] - was;
				}
			}
		}
	}

	/* ---- goals ---- */
	{
		struct row *u = find_row(inproc[0].name);
		char value[48], goal[40];
		double x[5], y[5], sx = 0, sy = 0, sxx = 0, sxy = 0;
		int k = 0;

		/* The noise: how far from 1.00 the untraced ratios lie, the
		 * farthest one dropped (one disturbed loop is not the noise). */
		if (u && u->n) {
			double dev[MAX_SAMPLES];

			for (int i = 0; i < u->n; i++)
				dev[i] = absd(u->v[C_RATIO][i] - 1);
			qsort(dev, u->n, sizeof(double), cmp);
			noise = dev[u->n >= 4 ? u->n - 2 : u->n - 1];
		}
		goal_noise(inproc[2].name);
		goal_noise(inproc[3].name);
		goal_max(inproc[4].name, 1.30);
		goal_max(inproc[5].name, 1.30);
		for (int i = 0; i < 5; i++) {
			struct row *w = find_row(inproc[slope_rows[i]].name);

			goal_max(inproc[slope_rows[i]].name, 1.30 + 0.05 * (slope_n[i] - 1));
			if (w && w->n) {
				x[k] = slope_n[i];
				y[k++] = col_median(w, C_RATIO);
			}
		}
		goal_max(inproc[11].name, 1.30);
		if (k >= 2) {
			for (int i = 0; i < k; i++) {
				sx += x[i];
				sy += y[i];
				sxx += x[i] * x[i];
				sxy += x[i] * y[i];
			}
			slope = (k * sxy - sx * sy) / (k * sxx - sx * sx);
		}
		snprintf(value, sizeof(value), slope >= -0.5 ? "+%.3f" : "error", slope);
		slope_met = slope >= -0.5 && slope <= 0.05;
		add_goal("each further no-op engine (slope over 1..16)", "<= +0.05", value,
			 slope_met);
		goal_max("strace over VM, reader: getpid", 2.0);

		for (int cross = 0; cross < 2; cross++) {
			char vm[64], base[64];
			struct row *wv, *wb;

			mon_row_name(vm, sizeof(vm), MON_SYSVM, cross);
			mon_row_name(base, sizeof(base), MON_SYSCALL_VIRT, cross);
			wv = find_row(vm);
			wb = find_row(base);
			if (!wv)
				continue;
			snprintf(wv->goal, sizeof(wv->goal), "<=0.55 virt*");
			wv->met = 0;
			if (wv->n && wb && wb->n) {
				sysvm_factor[cross] = col_median(wv, C_RATIO) / col_median(wb, C_RATIO);
				wv->met = sysvm_factor[cross] <= 0.55 &&
					  col_median(wv, C_TRSW) <= 2.0;
			}
			sysvm_met[cross] = wv->met;
			if (sysvm_factor[cross] > 0)
				snprintf(value, sizeof(value), "%.3f x, %.2f tracer sw",
					 sysvm_factor[cross], col_median(wv, C_TRSW));
			else
				snprintf(value, sizeof(value), "error");
			add_goal(vm, "<= 0.55 x PTRACE_SYSCALL virt., <= 2 tracer sw", value,
				 wv->met);
		}

		/* The channel: a virtualized call cheaper than seccomp user
		 * notification's, a call outside the set at most 1.30. */
		for (int cross = 0; cross < 2; cross++) {
			char ch[64], un[64];
			struct row *wc, *wu;

			mon_row_name(un, sizeof(un), MON_UNOTIFY, cross);
			wu = find_row(un);
			for (int v = 0; v < 2; v++) {
				mon_row_name(ch, sizeof(ch), channel_virt[v], cross);
				wc = find_row(ch);
				if (!wc)
					continue;
				snprintf(wc->goal, sizeof(wc->goal), "< unotify**");
				wc->met = 0;
				if (wc->n && wu && wu->n) {
					channel_factor[v][cross] = col_median(wc, C_RATIO) /
								   col_median(wu, C_RATIO);
					wc->met = channel_factor[v][cross] < 1;
				}
				channel_met[v][cross] = wc->met;
				snprintf(value, sizeof(value), channel_factor[v][cross] > 0 ?
					 "%.3f x" : "error", channel_factor[v][cross]);
				add_goal(ch, "< seccomp user notification, same placement", value,
					 wc->met);
			}
			mon_row_name(ch, sizeof(ch), MON_CHANNEL_PASS, cross);
			goal_max(ch, 1.30);
		}

		if (npeek) {
			snprintf(value, sizeof(value), "%.2f", median(peek_ratio, npeek));
			add_goal("PTRACE_MULTI / (GETREGS + process_vm_readv)", "<= 0.50", value,
				 median(peek_ratio, npeek) <= 0.5);
		} else {
			add_goal("PTRACE_MULTI / (GETREGS + process_vm_readv)", "<= 0.50", "error", 0);
		}
		if (nrate) {
			snprintf(value, sizeof(value), "%.0f vs %.0f /s", median(rate[0], nrt[0]),
				 median(rate[1], nrt[1]));
			add_goal("engine attach+detach vs ptrace SEIZE..DETACH", ">= ptrace's", value,
				 median(rate[0], nrt[0]) >= median(rate[1], nrt[1]));
		} else {
			add_goal("engine attach+detach vs ptrace SEIZE..DETACH", ">= ptrace's", "error", 0);
		}
		snprintf(goal, sizeof(goal), "<= 256 B");
		snprintf(value, sizeof(value), nmem ? "%.0f B" : "error", median(mem_first, nmem));
		add_goal("memory: a task's first engine (beyond engine state)", goal, value,
			 nmem && median(mem_first, nmem) <= 256);
		snprintf(value, sizeof(value), nmem ? "%.0f B" : "error", median(mem_further, nmem));
		add_goal("memory: each further attachment", "<= 128 B", value,
			 nmem && median(mem_further, nmem) <= 128);
	}

	/* ---- the table ---- */
	printf("%-44s %7s %13s %-12s %-7s %9s %5s %5s %6s %6s\n", "mechanism (ratio to untraced)",
	       "ratio", "spread", "goal", "met", "ns/call", "stops", "calls", "tracer", "tracee");
	printf("%-44s %7s %13s %-12s %-7s %9s %5s %5s %6s %6s\n", "", "median", "min-max", "", "",
	       "median", "/call", "/call", "sw", "sw");
	for (int i = 0; i < nrows; i++) {
		if (!i || strcmp(rows[i].section, rows[i - 1].section))
			printf("%s\n", !strcmp(rows[i].section, "alone") ?
			       "-- getpid in the task alone (engines and filters in the task)" :
			       !strcmp(rows[i].section, "strace") ?
			       "-- strace engine over the VM engine; ratio to the same call untraced" :
			       "-- getpid under a monitor process: [1 CPU] both on CPU 0, "
			       "[2 CPUs] tracer CPU 0, tracee CPU 1");
		print_row(&rows[i]);
	}
	printf("* SYSVM + MULTI: <= 0.55 x the PTRACE_SYSCALL virtualizing row of the same "
	       "placement, and <= 2 tracer context switches per call\n");
	printf("** channel virtualized getpid (read + write, or EXCHANGE): below the seccomp "
	       "user notification row of the same placement\n");
	printf("\nnoise: the untraced ratios lie within 1.00 +-%.3f (%d loops, the farthest "
	       "one left out)\n", noise, find_row(inproc[0].name) ? find_row(inproc[0].name)->n : 0);
	if (slope >= -0.5)
		printf("each further no-op engine: %+.3f of an untraced call (least squares over "
		       "1..16 engines; goal <= +0.05: %s)\n", slope, met_word(slope_met));
	else
		printf("each further no-op engine: error (goal <= +0.05: NOT MET)\n");
	for (int i = 0; i < nrows; i++)
		if (rows[i].lines_read >= 0)
			printf("%s: %ld lines read, %ld lost over %d rounds\n", rows[i].name,
			       rows[i].lines_read, rows[i].lines_lost, rows[i].n);
	for (int cross = 0; cross < 2; cross++)
		printf("SYSVM + MULTI / PTRACE_SYSCALL virtualizing [%s]: %s (goal <= 0.55, with "
		       "<= 2 tracer switches a call*: %s)\n", cross ? "2 CPUs" : "1 CPU",
		       goals_value(cross ? "SYSVM + MULTI [2 CPUs]" : "SYSVM + MULTI [1 CPU]"),
		       met_word(sysvm_met[cross]));
	for (int v = 0; v < 2; v++)
		for (int cross = 0; cross < 2; cross++) {
			char ch[64];

			mon_row_name(ch, sizeof(ch), channel_virt[v], cross);
			printf("channel virtualized%s / seccomp user notification [%s]: %s "
			       "(goal < 1**: %s)\n", v ? ", EXCHANGE," : "",
			       cross ? "2 CPUs" : "1 CPU", goals_value(ch),
			       met_word(channel_met[v][cross]));
		}

	printf("\na signal to oneself, taken by a handler (median ns per signal, %d rounds):\n", nsig);
	printf("  untraced:                      %9.0f ns\n", median(sig[0], nsig));
	for (int how = 0; how < 2; how++)
		if (nsg[how])
			printf("  %-30s %9.0f ns (%.2fx)\n", signal_names[how],
			       median(sig[how + 1], nsg[how]),
			       median(sig[how + 1], nsg[how]) / median(sig_base[how], nsg[how]));
		else
			printf("  %-30s error: %s\n", signal_names[how], err_sig);

	printf("\na call of a probed function (median ns per call, %d rounds of %d calls):\n",
	       nprobe, PROBE_CALLS);
	if (nprobe < ROUNDS)
		printf("  error: %s\n", err_probe);
	if (nprobe) {
		double lo, hi, med;

		for (int how = 0; how < 3; how++)
			printf("  %-32s %9.0f ns (%+.0f ns a hit)\n", probe_names[how],
			       median(probe_ns[how], nprobe),
			       median(probe_ns[how], nprobe) - median(probe_ns[0], nprobe));
		stats(probe_ratio, nprobe, &med, &lo, &hi);
		printf("  a hit reported to an engine / a tracefs hit: %.2f (%.2f..%.2f)\n", med, lo,
		       hi);
	}

	printf("\na branchy loop (a call, its return and a jump back an iteration; median of %d "
	       "rounds):\n", nbranchy);
	if (nbranchy < ROUNDS)
		printf("  error: %s\n", err_branchy);
	if (nbranchy) {
		double lo, hi, med;

		printf("  untraced:                       %9.1f ns an iteration (%d iterations)\n",
		       median(branchy_ns[0], nbranchy), BRANCHY_UNTRACED);
		printf("  branch trace (software backend): %9.0f ns an iteration (%d iterations), "
		       "%.2f branches recorded an iteration\n",
		       median(branchy_ns[1], nbranchy), BRANCHY_TRACED,
		       median(branchy_n, nbranchy));
		stats(branchy_slow, nbranchy, &med, &lo, &hi);
		printf("  slowdown: %.0fx (%.0f..%.0f)\n", med, lo, hi);
		stats(branchy_per, nbranchy, &med, &lo, &hi);
		printf("  per branch recorded: %.0f ns (%.0f..%.0f)\n", med, lo, hi);
	}

	printf("\nreading registers + 256 bytes of a stopped tracee (median of %d rounds):\n", npeek);
	if (err_peek[0])
		printf("  error: %s\n", err_peek);
	printf("  PTRACE_PEEKDATA word by word: %9.0f ns (33 ptrace calls)\n",
	       median(peek[PEEK_WORDS], npk[PEEK_WORDS]));
	printf("  GETREGS + process_vm_readv:   %9.0f ns (1 ptrace call + 1 syscall)\n",
	       median(peek[PEEK_GETREGS_READV], npk[PEEK_GETREGS_READV]));
	if (npeek)
		printf("  PTRACE_MULTI:                 %9.0f ns (1 ptrace call): %.2f of GETREGS + "
		       "readv (goal <= 0.50: %s)\n", median(peek[PEEK_MULTI], npk[PEEK_MULTI]),
		       median(peek_ratio, npeek), met_word(median(peek_ratio, npeek) <= 0.5));
	else
		printf("  PTRACE_MULTI:                 error (goal <= 0.50 of GETREGS + readv: "
		       "NOT MET)\n");
	printf("  GETREGS alone:                %9.0f ns; process_vm_readv alone: %.0f ns "
	       "(MULTI, a GETREGS call and the copy, can be <= 0.50 only where readv costs "
	       "more than a GETREGS call)\n",
	       median(peek[PEEK_GETREGS], npk[PEEK_GETREGS]),
	       median(peek[PEEK_READV], npk[PEEK_READV]));

	printf("\nattach + detach on a sleeping child (median of %d rounds of %d pairs):\n", nrate,
	       pairs);
	if (nrate < ROUNDS)
		printf("  error: %s\n", err_rate);
	printf("  test engine attach + detach:              %8.0f pairs/s\n", median(rate[0], nrt[0]));
	printf("  ptrace SEIZE + INTERRUPT + wait + DETACH: %8.0f pairs/s (DETACH needs a stop)\n",
	       median(rate[1], nrt[1]));
	printf("  goal: engine >= ptrace: %s\n",
	       nrate ? met_word(median(rate[0], nrt[0]) >= median(rate[1], nrt[1])) : "NOT MET (error)");

	printf("\nmemory, from /proc/slabinfo (active objects x object size, every cache shrunk "
	       "first),\n%d sleeping children per set, median of %d rounds:\n", MEM_TASKS, nmem);
	if (nmem < ROUNDS)
		printf("  error: %s\n", err_mem);
	printf("  a task's first engine (registry, engine list, attachment): %6.0f B (goal <= 256: %s)\n",
	       median(mem_first, nmem), nmem ? met_word(median(mem_first, nmem) <= 256) : "NOT MET (error)");
	printf("  each further attachment of an engine:                      %6.0f B (goal <= 128: %s)\n",
	       median(mem_further, nmem), nmem ? met_word(median(mem_further, nmem) <= 128) : "NOT MET (error)");
	printf("  a test engine's own state (engine, device slot):           %6.0f B (no goal)\n",
	       median(mem_own, nmem));
	{
		static const char *const what[3] = {
			"first engine", "further attachment", "own engine state (x2)",
		};

		for (int k = 0; k < 3 && nmem; k++) {
			printf("  caches, %s, objects per task:", what[k]);
			for (int i = 0; i < mem_cache_sum[k].n; i++) {
				double per = mem_cache_sum[k].objs[i] / (double)nmem / MEM_TASKS;

				if (per >= 0.2 || per <= -0.2)
					printf(" %s %+.2f", mem_cache_sum[k].name[i], per);
			}
			printf("\n");
		}
	}

	{
		int met = 0, not_met = 0;

		for (int i = 0; i < ngoals; i++)
			goals[i].met ? met++ : not_met++;
		printf("\ngoals: %d met, %d not met%s\n", met, not_met, not_met ? ":" : "");
		for (int i = 0; i < ngoals; i++)
			if (!goals[i].met)
				printf("  %s: %s (goal %s)\n", goals[i].what, goals[i].value,
				       goals[i].goal);
	}

	/* ---- JSON ---- */
	printf("JSON: {\"rounds\": %d, \"calls\": %d, \"traced_calls\": %d, \"attach_pairs\": %d, "
	       "\"cpus\": %d, ", ROUNDS, calls, traced_calls, pairs, ncpus);
	json_str("kernel_debug_options", flavour, 1);
	printf("\"noise\": %.4f, \"slope_per_engine\": %.4f, \"rows\": [", noise, slope);
	for (int i = 0; i < nrows; i++) {
		const struct row *w = &rows[i];
		double med, lo, hi;

		stats(w->v[C_RATIO], w->n, &med, &lo, &hi);
		printf("%s{", i ? ", " : "");
		json_str("name", w->name, 1);
		json_str("section", w->section, 1);
		printf("\"rounds\": %d, \"ratio_median\": %.3f, \"ratio_min\": %.3f, "
		       "\"ratio_max\": %.3f, \"ns_median\": %.0f, \"stops_per_call\": %.3f, "
		       "\"tracer_calls_per_call\": %.3f, \"tracer_switches_per_call\": %.3f, "
		       "\"tracee_switches_per_call\": %.3f, ", w->n, med, lo, hi,
		       col_median(w, C_NS), col_median(w, C_STOPS), col_median(w, C_CALLS),
		       col_median(w, C_TRSW), col_median(w, C_TESW));
		if (w->lines_read >= 0)
			printf("\"lines_read\": %ld, \"lines_lost\": %ld, ", w->lines_read,
			       w->lines_lost);
		if (w->err[0])
			json_str("error", w->err, 1);
		if (w->met >= 0)
			json_str("goal", w->goal, 1);
		else
			printf("\"goal\": null, ");
		printf("\"goal_met\": %s}", json_met(w->met));
	}
	printf("], \"goals\": [");
	for (int i = 0; i < ngoals; i++) {
		printf("%s{", i ? ", " : "");
		json_str("what", goals[i].what, 1);
		json_str("goal", goals[i].goal, 1);
		json_str("value", goals[i].value, 1);
		printf("\"met\": %s}", json_met(goals[i].met));
	}
	printf("], \"memory_caches_objects_per_task\": {");
	for (int k = 0; k < 3; k++) {
		static const char *const keys[3] = {
			"first_engine", "further_attachment", "own_engine_state_x2",
		};

		printf("%s\"%s\": {", k ? ", " : "", keys[k]);
		for (int i = 0, first = 1; nmem && i < mem_cache_sum[k].n; i++) {
			double per = mem_cache_sum[k].objs[i] / (double)nmem / MEM_TASKS;

			if (per >= 0.2 || per <= -0.2) {
				printf("%s\"%s\": %.2f", first ? "" : ", ", mem_cache_sum[k].name[i], per);
				first = 0;
			}
		}
		printf("}");
	}
	printf("}, \"peekdata_ns\": %.0f, \"getregs_process_vm_readv_ns\": %.0f, "
	       "\"multi_ns\": %.0f, \"multi_ratio\": %.3f, \"engine_attach_detach_per_s\": %.0f, "
	       "\"ptrace_seize_detach_per_s\": %.0f, \"bytes_first_engine\": %.0f, "
	       "\"bytes_further_attachment\": %.0f, \"bytes_engine_own_state\": %.0f, "
	       "\"signal_ns\": %.0f, \"signal_engine_ns\": %.0f, \"signal_ptrace_ns\": %.0f, "
	       "\"probe_call_ns\": %.0f, \"probe_tracefs_ns\": %.0f, \"probe_engine_ns\": %.0f, "
	       "\"probe_engine_over_tracefs\": %.3f, \"branchy_untraced_ns\": %.1f, "
	       "\"branchy_traced_ns\": %.0f, \"branchy_slowdown\": %.1f, "
	       "\"branch_recorded_ns\": %.0f, \"branches_per_iteration\": %.2f}\n",
	       median(peek[PEEK_WORDS], npk[PEEK_WORDS]),
	       median(peek[PEEK_GETREGS_READV], npk[PEEK_GETREGS_READV]),
	       median(peek[PEEK_MULTI], npk[PEEK_MULTI]),
	       median(peek_ratio, npeek), median(rate[0], nrt[0]), median(rate[1], nrt[1]),
	       median(mem_first, nmem), median(mem_further, nmem), median(mem_own, nmem),
	       median(sig[0], nsig), median(sig[1], nsg[0]), median(sig[2], nsg[1]),
	       median(probe_ns[0], nprobe), median(probe_ns[1], nprobe),
	       median(probe_ns[2], nprobe), median(probe_ratio, nprobe),
	       median(branchy_ns[0], nbranchy), median(branchy_ns[1], nbranchy),
	       median(branchy_slow, nbranchy), median(branchy_per, nbranchy),
	       median(branchy_n, nbranchy));
	return 0;
}
