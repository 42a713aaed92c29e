// SPDX-License-Identifier: GPL-2.0
/*
 * ptrace_vm_test - PTRACE_SYSVM, from the tracer and from the tracee.
 *
 * The ABI is the comment above PTRACE_SYSVM in the patched <linux/ptrace.h>
 * (and Documentation/ptrace-multi.md): at a syscall-entry stop the addr of
 * PTRACE_SYSCALL / CONT / SINGLESTEP / SINGLEBLOCK may carry
 * PTRACE_VM_SKIPEXIT (the call runs, no exit stop) or PTRACE_VM_SKIPCALL
 * (the call does not run, no exit stop, the tracee gets the result the
 * tracer set).  Each case forks a tracee that stops itself with SIGSTOP,
 * then makes a known sequence of calls: the target call (once or twice),
 * then getppid twice as markers, and reports what each call returned.  The
 * tracer walks the stops one by one and checks which stop comes next, what
 * the calls did to the file system, and what the tracee got.
 *
 * Then the same with a seccomp filter in the tracee (ptrace comes before
 * seccomp), and with /dev/utrace-test engines stacked (ptrace takes its
 * place in the engine order: the last attached sits closest to user mode,
 * Documentation/design.md section 2).
 *
 * Every wait is bounded: tracees run under alarm(), and each case arms an
 * alarm in the tracer whose handler only interrupts the blocking call.
 */
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <linux/utrace_test.h>
#include "ptrace.h"
#include "regs.h"
#include "ktap.h"
#include "utrace_test_dev.h"

#define CANARY 0x0b0b0b0b0b0b0b0bL

/*
 * The path calls the cases make: x86_64's mkdir and unlink, or, on arm64,
 * which has only their *at forms, mkdirat and unlinkat from the current
 * directory.  set_body() takes their arguments as the old forms', and puts
 * AT_FDCWD in front for the *at ones.
 */
#ifdef SYS_mkdir
#define NR_MKDIR SYS_mkdir
#define NR_UNLINK SYS_unlink
#define PATH_CALLS_ARE_AT 0
#else
#define NR_MKDIR SYS_mkdirat
#define NR_UNLINK SYS_unlinkat
#define PATH_CALLS_ARE_AT 1
#endif

/* A word of the tracee's memory a batch pokes (the same address after fork). */
static long poke_target;

#define ENTRY UTRACE_TEST_EVENT_SYSCALL_ENTRY
#define EXIT UTRACE_TEST_EVENT_SYSCALL_EXIT

/* What the tracee does, set by the case before the fork. */
static long body_nr;
static unsigned long body_args[3];
static int body_times = 1;
/*
 * Seccomp filter the tracee installs before its SIGSTOP, if nr >= 0: the
 * action for syscall filter_nr, and for filter_nr2 if that is >= 0.
 */
static long filter_nr = -1, filter_nr2 = -1;
static unsigned int filter_action, filter_action2;
/* The tracee's ends of its pipes. */
static int report_fd = -1, go_fd = -1;
/* The tracer's end of the go pipe. */
static int go_w = -1;

struct report {
	long ret[2];
	long err[2];
	long marker[2];
};

static long pt(long req, pid_t pid, unsigned long addr, unsigned long data)
{
	return syscall(SYS_ptrace, req, pid, addr, data);
}

static void on_alarm(int sig)
{
	(void)sig;
}

/* Bounds the case: the tracer's blocking calls fail with EINTR after @s s. */
static void deadline(unsigned int s)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	alarm(s);
}

static void child_limits(void)
{
	signal(SIGALRM, SIG_DFL);
	alarm(30);
}

static int install_filter(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, REGS_AUDIT_ARCH, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned int)filter_nr, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, filter_action),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned int)filter_nr2, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, filter_action2),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {
		.len = sizeof(f) / sizeof(f[0]),
		.filter = f,
	};

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -1;
	return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog);
}

/*
 * The tracee's program after its SIGSTOP: the target call body_times times,
 * then getppid twice, then the report.
 */
static void body_calls(void)
{
	struct report r;

	memset(&r, 0, sizeof(r));
	for (int i = 0; i < body_times && i < 2; i++) {
		errno = 0;
		r.ret[i] = syscall(body_nr, body_args[0], body_args[1], body_args[2]);
		r.err[i] = errno;
	}
	r.marker[0] = syscall(SYS_getppid);
	r.marker[1] = syscall(SYS_getppid);
	if (write(report_fd, &r, sizeof(r)) != sizeof(r))
		_exit(3);
	_exit(0);
}

/* Blocks on the go pipe, then exits. */
static void body_block(void)
{
	char c;

	_exit(read(go_fd, &c, 1) == 1 ? 0 : 4);
}

/*
 * Forks a tracee that runs @body after its SIGSTOP.  With @hold, it first
 * waits for a byte on the go pipe (so that engines can be attached before
 * it asks to be traced): release it with await_tracee().  Returns its pid
 * and the read end of its report pipe, or -1 (case failed).
 */
static pid_t fork_tracee(void (*body)(void), int hold, int *report)
{
	int rep[2], go[2];
	pid_t pid;

	*report = -1;
	if (pipe(rep) || pipe(go)) {
		KTAP_DIAG("pipe: %s", strerror(errno));
		ktap_case_failed = 1;
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		KTAP_DIAG("fork: %s", strerror(errno));
		ktap_case_failed = 1;
		return -1;
	}
	if (pid == 0) {
		/*
		 * Before the filter: raise() would call getpid.  And not getpid
		 * either: an engine attached to us right after the fork may
		 * already virtualize it.  A lone thread's tid is its pid.
		 */
		pid_t me = syscall(SYS_gettid);
		char c;

		close(rep[0]);
		close(go[1]);
		report_fd = rep[1];
		go_fd = go[0];
		child_limits();
		if (hold && read(go_fd, &c, 1) != 1)
			_exit(101);
		if (filter_nr >= 0 && install_filter())
			_exit(102);
		if (pt(PTRACE_TRACEME, 0, 0, 0))
			_exit(100);
		syscall(SYS_kill, me, SIGSTOP);
		body();
		_exit(0);
	}
	close(rep[1]);
	close(go[0]);
	go_w = go[1];
	*report = rep[0];
	return pid;
}

static void kill_tracee(pid_t pid, int report)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	if (report >= 0)
		close(report);
	if (go_w >= 0)
		close(go_w);
	go_w = -1;
}

/*
 * Releases a held tracee (@hold as given to fork_tracee()), waits for its
 * SIGSTOP and sets the options.  0, or -1 with the tracee killed.
 */
static int await_tracee(pid_t pid, int hold, int report, long options)
{
	int st = 0;

	if (hold && write(go_w, "g", 1) != 1) {
		KTAP_DIAG("write go: %s", strerror(errno));
		goto fail;
	}
	if (waitpid(pid, &st, 0) != pid) {
		KTAP_DIAG("waitpid for tracee %d: %s", pid, strerror(errno));
		goto fail;
	}
	if (!WIFSTOPPED(st) || WSTOPSIG(st) != SIGSTOP) {
		KTAP_DIAG("tracee %d did not stop in its SIGSTOP: status %#x (exit 102: seccomp filter refused)",
			  pid, st);
		goto fail;
	}
	if (pt(PTRACE_SETOPTIONS, pid, 0,
	       PTRACE_O_TRACESYSGOOD | PTRACE_O_EXITKILL | options)) {
		KTAP_DIAG("PTRACE_SETOPTIONS: %s", strerror(errno));
		goto fail;
	}
	return 0;
fail:
	ktap_case_failed = 1;
	kill_tracee(pid, report);
	return -1;
}

static pid_t start_tracee(void (*body)(void), long options, int *report)
{
	pid_t pid = fork_tracee(body, 0, report);

	if (pid < 0 || await_tracee(pid, 0, *report, options))
		return -1;
	return pid;
}

static int read_full(int fd, void *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = read(fd, (char *)buf + done, len - done);

		if (n <= 0)
			return -1;
		done += n;
	}
	return 0;
}

/*
 * The tracee was resumed without syscall stops: reads its report and reaps
 * it.  0 if it reported and exited 0.
 */
static int collect_report(pid_t pid, int report, struct report *r)
{
	int st = 0, ok;

	memset(r, 0, sizeof(*r));
	ok = read_full(report, r, sizeof(*r)) == 0;
	if (!ok)
		KTAP_DIAG("no report from tracee %d: %s", pid,
			  errno ? strerror(errno) : "EOF");
	else if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) ||
		 WEXITSTATUS(st) != 0) {
		KTAP_DIAG("tracee %d after its report: status %#x", pid, st);
		ok = 0;
	}
	kill_tracee(pid, report);
	if (!ok)
		ktap_case_failed = 1;
	return ok ? 0 : -1;
}

/* PTRACE_CONT, then collect_report(). */
static int finish_tracee(pid_t pid, int report, struct report *r)
{
	if (pt(PTRACE_CONT, pid, 0, 0)) {
		KTAP_DIAG("PTRACE_CONT: %s", strerror(errno));
		ktap_case_failed = 1;
		kill_tracee(pid, report);
		return -1;
	}
	return collect_report(pid, report, r);
}

enum stop_kind {
	ST_ERROR, ST_ENTRY, ST_EXIT, ST_SECCOMP, ST_SIGNAL, ST_EXITED, ST_KILLED,
};

struct stop {
	enum stop_kind kind;
	int sig;		/* ST_SIGNAL, ST_KILLED; ST_EXITED: status */
	long nr;		/* ST_ENTRY, ST_EXIT, ST_SECCOMP */
	long rval;		/* ST_EXIT */
	unsigned long msg;	/* ST_SECCOMP: the filter's data */
	char desc[96];
};

/* Waits for the tracee's next stop (or end) and describes it. */
static void next_stop(pid_t pid, struct stop *s)
{
	struct ptrace_syscall_info info;
	int st = 0;

	memset(s, 0, sizeof(*s));
	s->nr = -1;
	if (waitpid(pid, &st, __WALL) != pid) {
		s->kind = ST_ERROR;
		snprintf(s->desc, sizeof(s->desc), "waitpid failed: %s",
			 strerror(errno));
		return;
	}
	if (WIFEXITED(st)) {
		s->kind = ST_EXITED;
		s->sig = WEXITSTATUS(st);
		snprintf(s->desc, sizeof(s->desc), "exit %d", s->sig);
		return;
	}
	if (WIFSIGNALED(st)) {
		s->kind = ST_KILLED;
		s->sig = WTERMSIG(st);
		snprintf(s->desc, sizeof(s->desc), "killed by signal %d", s->sig);
		return;
	}
	if (regs_get_nr(pid, &s->nr))
		s->nr = -1;
	if (WSTOPSIG(st) == (SIGTRAP | 0x80)) {
		memset(&info, 0, sizeof(info));
		pt(PTRACE_GET_SYSCALL_INFO, pid, sizeof(info), (unsigned long)&info);
		if (info.op == PTRACE_SYSCALL_INFO_ENTRY) {
			s->kind = ST_ENTRY;
			s->nr = (long)info.entry.nr;
			snprintf(s->desc, sizeof(s->desc), "entry of syscall %ld", s->nr);
		} else {
			s->kind = ST_EXIT;
			s->rval = (long)info.exit.rval;
			snprintf(s->desc, sizeof(s->desc), "exit of syscall %ld = %ld",
				 s->nr, s->rval);
		}
	} else if (st >> 8 == (SIGTRAP | (PTRACE_EVENT_SECCOMP << 8))) {
		s->kind = ST_SECCOMP;
		pt(PTRACE_GETEVENTMSG, pid, 0, (unsigned long)&s->msg);
		snprintf(s->desc, sizeof(s->desc), "seccomp stop of syscall %ld (data %#lx)",
			 s->nr, s->msg);
	} else {
		s->kind = ST_SIGNAL;
		s->sig = WSTOPSIG(st);
		snprintf(s->desc, sizeof(s->desc), "signal stop %d (%s), event %d",
			 s->sig, strsignal(s->sig), st >> 16);
	}
}

/* Checks that the next stop is @kind (of syscall @nr, if >= 0). */
static int expect_stop(pid_t pid, enum stop_kind kind, long nr,
		       const char *why, struct stop *s)
{
	static const char * const names[] = {
		"?", "entry", "exit", "seccomp stop", "signal stop", "exit", "death",
	};
	struct stop local;

	if (!s)
		s = &local;
	next_stop(pid, s);
	if (s->kind == kind && (nr < 0 || s->nr == nr))
		return 0;
	KTAP_DIAG("%s: the next stop is %s, wanted the %s of syscall %ld",
		  why, s->desc, names[kind], nr);
	ktap_case_failed = 1;
	return -1;
}

static int resume(pid_t pid, long req, unsigned long addr, const char *why)
{
	if (pt(req, pid, addr, 0) == 0)
		return 0;
	KTAP_DIAG("%s: ptrace(%ld, addr %#lx) failed: %s", why, req, addr,
		  strerror(errno));
	ktap_case_failed = 1;
	return -1;
}

/*
 * Resumes with PTRACE_SYSCALL until the entry stop of syscall @nr.  The
 * tracee makes a few calls of its own first (none yet: the SIGSTOP is a plain kill).
 */
static int to_entry(pid_t pid, long nr)
{
	struct stop s;

	for (int i = 0; i < 32; i++) {
		if (pt(PTRACE_SYSCALL, pid, 0, 0))
			break;
		next_stop(pid, &s);
		if (s.kind == ST_ENTRY && s.nr == nr)
			return 0;
		if (s.kind != ST_ENTRY && s.kind != ST_EXIT) {
			KTAP_DIAG("on the way to syscall %ld: %s", nr, s.desc);
			break;
		}
	}
	KTAP_DIAG("tracee %d never reached the entry of syscall %ld (%s)",
		  pid, nr, strerror(errno));
	ktap_case_failed = 1;
	return -1;
}

/* Sets the result register (rax, x0) of a tracee at a syscall stop. */
static int set_result(pid_t pid, long value)
{
	tracee_regs regs;

	if (regs_read(pid, &regs) == 0) {
		regs_set_ret(&regs, value);
		if (regs_write(pid, &regs) == 0)
			return 0;
	}
	KTAP_DIAG("reading / writing the registers: %s", strerror(errno));
	ktap_case_failed = 1;
	return -1;
}

static void set_body(long nr, unsigned long a0, unsigned long a1, int times)
{
	int at = PATH_CALLS_ARE_AT && (nr == NR_MKDIR || nr == NR_UNLINK);

	body_nr = nr;
	body_args[0] = at ? (unsigned long)AT_FDCWD : a0;
	body_args[1] = at ? a0 : a1;
	body_args[2] = at ? a1 : 0;
	body_times = times;
	filter_nr = -1;
	filter_nr2 = -1;
}

static int exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

/* /dev/utrace-test */

static int attach(int fd, pid_t pid, unsigned int kind, unsigned int id,
		  long nr, long value)
{
	struct utrace_test_attach a = {
		.pid = pid, .kind = kind, .events = ENTRY | EXIT, .id = id,
		.nr = nr, .value = value,
	};
	int slot = ioctl(fd, UTRACE_TEST_ATTACH, &a);

	if (slot < 0) {
		KTAP_DIAG("attach engine %u kind %u to %d: %s", id, kind, pid,
			  strerror(errno));
		ktap_case_failed = 1;
	}
	return slot;
}

/*
 * A tracee of body_calls() with engine 1 (@kind, for syscall @nr, @value)
 * attached before it asks to be traced: the engine sits inside the
 * tracer, which sets the PTRACE_O_* @options.  Returns it stopped in its
 * SIGSTOP, with *@fd the engine's file; -1 with everything undone (case
 * failed).
 */
static pid_t tracee_inside_engine_opts(unsigned int kind, long nr, long value,
				       long options, int *report, int *fd)
{
	pid_t pid = fork_tracee(body_calls, 1, report);

	*fd = -1;
	if (pid < 0)
		return -1;
	*fd = utd_open();
	if (*fd < 0 || attach(*fd, pid, kind, 1, nr, value) < 0) {
		kill_tracee(pid, *report);
		goto fail;
	}
	if (await_tracee(pid, 1, *report, options))
		goto fail;
	return pid;
fail:
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
	return -1;
}

static pid_t tracee_inside_engine(unsigned int kind, long nr, long value, int *report,
				  int *fd)
{
	return tracee_inside_engine_opts(kind, nr, value, 0, report, fd);
}

/*
 * Checks that the engine log holds exactly @n records now, the given sides
 * of syscall @nr, exits with result @ret (unless @check_ret is 0).
 */
static void expect_log(int fd, const char *when, int n, const unsigned int *sides,
		       long nr, int check_ret, long ret)
{
	struct utrace_test_record r[16];
	int got = utd_read(fd, r, 16);

	CHECK(got == n, "%s: the engine logged %d records, wanted %d", when, got, n);
	for (int i = 0; got != n && i < got && i < 16; i++)
		KTAP_DIAG("  %s: record %d: engine %u %s of %lld ret %lld", when, i,
			  r[i].id, r[i].side == UTRACE_TEST_SIDE_ENTRY ? "entry" : "exit",
			  (long long)r[i].nr, (long long)r[i].ret);
	for (int i = 0; i < n && i < got; i++) {
		CHECK(r[i].side == sides[i] && r[i].nr == nr,
		      "%s: record %d is side %u of syscall %lld, wanted side %u of %ld",
		      when, i, r[i].side, (long long)r[i].nr, sides[i], nr);
		if (check_ret && r[i].side == UTRACE_TEST_SIDE_EXIT)
			CHECK(r[i].ret == ret,
			      "%s: the engine saw the exit return %lld, wanted %ld",
			      when, (long long)r[i].ret, ret);
	}
}

#define N UTRACE_TEST_SIDE_ENTRY
#define X UTRACE_TEST_SIDE_EXIT

/* ------------------------------------------------------------------ */

static void probe_returns_the_mask(void)
{
	int report, st;
	long ret;
	pid_t pid;

	deadline(20);
	pid = start_tracee(body_block, 0, &report);
	if (pid < 0)
		return;
	ret = pt(PTRACE_SYSVM, pid, 0, 0);
	CHECK(ret == PTRACE_VM_MASK, "PTRACE_SYSVM on a stopped tracee returned %ld (%s), wanted %#x",
	      ret, strerror(errno), PTRACE_VM_MASK);
	/* Running (blocked on its pipe): not stopped. */
	CHECK(pt(PTRACE_CONT, pid, 0, 0) == 0, "PTRACE_CONT: %s", strerror(errno));
	CHECK_ERRNO(pt(PTRACE_SYSVM, pid, 0, 0), ESRCH);
	CHECK(write(go_w, "g", 1) == 1, "write");
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0,
	      "tracee status %#x", st);
	kill_tracee(pid, report);
	/* Not a tracee at all. */
	CHECK_ERRNO(pt(PTRACE_SYSVM, 1, 0, 0), ESRCH);
}

static void skipexit_runs_the_call_without_its_exit_stop(void)
{
	static const char path[] = "/tmp/vm-skipexit";
	struct report rep;
	struct stop s;
	int report;
	pid_t pid;

	deadline(20);
	rmdir(path);
	set_body(NR_MKDIR, (unsigned long)path, 0700, 1);
	pid = start_tracee(body_calls, 0, &report);
	if (pid < 0)
		return;
	if (to_entry(pid, NR_MKDIR) ||
	    resume(pid, PTRACE_SYSCALL, PTRACE_VM_SKIPEXIT, "mkdir entry"))
		goto out;
	expect_stop(pid, ST_ENTRY, SYS_getppid,
		    "after PTRACE_SYSCALL with SKIPEXIT at mkdir's entry", NULL);
	CHECK(exists(path), "SKIPEXIT: the mkdir did not run (%s is missing)", path);
	/* The bits do not outlive the call: the next one has its exit stop. */
	if (resume(pid, PTRACE_SYSCALL, 0, "getppid entry"))
		goto out;
	if (expect_stop(pid, ST_EXIT, SYS_getppid,
			"PTRACE_SYSCALL addr 0 on the call after a SKIPEXIT", &s) == 0)
		CHECK(s.rval == getpid(), "getppid exit stop: rval %ld, wanted %d",
		      s.rval, getpid());
	if (finish_tracee(pid, report, &rep) == 0)
		CHECK(rep.ret[0] == 0, "the tracee's mkdir returned %ld (%s), wanted 0",
		      rep.ret[0], strerror(rep.err[0]));
	rmdir(path);

	/* A call with a result: the tracee gets the real one. */
	set_body(SYS_getpid, 0, 0, 1);
	pid = start_tracee(body_calls, 0, &report);
	if (pid < 0)
		return;
	if (to_entry(pid, SYS_getpid) ||
	    resume(pid, PTRACE_SYSCALL, PTRACE_VM_SKIPEXIT, "getpid entry"))
		goto out;
	expect_stop(pid, ST_ENTRY, SYS_getppid,
		    "after PTRACE_SYSCALL with SKIPEXIT at getpid's entry", NULL);
	if (finish_tracee(pid, report, &rep) == 0)
		CHECK(rep.ret[0] == pid, "SKIPEXIT: the tracee's getpid returned %ld, wanted %d",
		      rep.ret[0], pid);
	return;
out:
	kill_tracee(pid, report);
	rmdir(path);
}

static void skipcall_gives_the_tracee_the_tracer_result(void)
{
	static const char * const how[] = {
#if defined(__x86_64__)
		"PTRACE_SETREGS", "PTRACE_POKEUSER", "a PTRACE_MULTI batch",
#else
		"PTRACE_SETREGSET", "PTRACE_SETREGSET alone", "a PTRACE_MULTI batch",
#endif
	};
	struct report rep;
	int report;
	pid_t pid;

	deadline(30);
	for (int i = 0; i < 3; i++) {
		long value = 4242 + i;

		set_body(SYS_getpid, 0, 0, 1);
		pid = start_tracee(body_calls, 0, &report);
		if (pid < 0)
			return;
		if (to_entry(pid, SYS_getpid)) {
			kill_tracee(pid, report);
			return;
		}
		if (i == 0) {
			if (set_result(pid, value) ||
			    resume(pid, PTRACE_SYSCALL, PTRACE_VM_SKIPCALL, how[i])) {
				kill_tracee(pid, report);
				continue;
			}
		} else if (i == 1) {
#if defined(__x86_64__)
			CHECK(pt(PTRACE_POKEUSR, pid, offsetof(struct user, regs.rax),
				 value) == 0, "POKEUSER rax: %s", strerror(errno));
#else
			/* arm64 has no PTRACE_POKEUSR: its register set alone. */
			tracee_regs regs;
			struct iovec io = { &regs, sizeof(regs) };

			CHECK(regs_read(pid, &regs) == 0, "GETREGSET: %s", strerror(errno));
			regs_set_ret(&regs, value);
			CHECK(pt(PTRACE_SETREGSET, pid, NT_PRSTATUS, (unsigned long)&io) == 0,
			      "SETREGSET: %s", strerror(errno));
#endif
			if (resume(pid, PTRACE_SYSCALL, PTRACE_VM_SKIPCALL, how[i])) {
				kill_tracee(pid, report);
				continue;
			}
		} else {
			tracee_regs regs;
			struct iovec io;
			struct ptrace_multi r[2];
			long ret;

			CHECK(regs_read(pid, &regs) == 0, "reading the registers: %s",
			      strerror(errno));
			regs_set_ret(&regs, value);
			r[0] = regs_multi(&regs, &io, 1);
			r[1] = (struct ptrace_multi){ PTRACE_SYSCALL,
						      PTRACE_VM_SKIPCALL, NULL, 0 };
			ret = pt(PTRACE_MULTI, pid, (unsigned long)r, 2);
			CHECK(ret == 0, "SETREGS + PTRACE_SYSCALL(SKIPCALL) batch returned %ld (%s); lengths %ld %ld",
			      ret, strerror(errno), r[0].length, r[1].length);
			if (ret != 0) {
				kill_tracee(pid, report);
				continue;
			}
		}
		expect_stop(pid, ST_ENTRY, SYS_getppid, how[i], NULL);
		if (finish_tracee(pid, report, &rep) == 0)
			CHECK(rep.ret[0] == value,
			      "SKIPCALL with the result set by %s: the tracee's getpid returned %ld, wanted %ld",
			      how[i], rep.ret[0], value);
	}
}

static void skipcall_leaves_no_trace_on_the_file_system(void)
{
	static const char dir[] = "/tmp/vm-skipcall-dir";
	static const char file[] = "/tmp/vm-skipcall-file";
	struct report rep;
	int report, fd;
	pid_t pid;

	deadline(20);
	rmdir(dir);
	set_body(NR_MKDIR, (unsigned long)dir, 0700, 1);
	pid = start_tracee(body_calls, 0, &report);
	if (pid < 0)
		return;
	if (to_entry(pid, NR_MKDIR) || set_result(pid, -EACCES) ||
	    resume(pid, PTRACE_SYSCALL, PTRACE_VM_SKIPCALL, "mkdir entry")) {
		kill_tracee(pid, report);
		return;
	}
	expect_stop(pid, ST_ENTRY, SYS_getppid, "after SKIPCALL at mkdir's entry", NULL);
	CHECK(!exists(dir), "SKIPCALL: the skipped mkdir created %s", dir);
	if (finish_tracee(pid, report, &rep) == 0)
		CHECK(rep.ret[0] == -1 && rep.err[0] == EACCES,
		      "the tracee's skipped mkdir returned %ld errno %ld, wanted -1 EACCES",
		      rep.ret[0], rep.err[0]);
	rmdir(dir);

	fd = open(file, O_CREAT | O_WRONLY, 0600);
	CHECK(fd >= 0, "create %s: %s", file, strerror(errno));
	close(fd);
	set_body(NR_UNLINK, (unsigned long)file, 0, 1);
	pid = start_tracee(body_calls, 0, &report);
	if (pid < 0)
		return;
	if (to_entry(pid, NR_UNLINK) || set_result(pid, 0) ||
	    resume(pid, PTRACE_SYSCALL, PTRACE_VM_SKIPCALL, "unlink entry")) {
		kill_tracee(pid, report);
		return;
	}
	expect_stop(pid, ST_ENTRY, SYS_getppid, "after SKIPCALL at unlink's entry", NULL);
	CHECK(exists(file), "SKIPCALL: the skipped unlink removed %s", file);
	if (finish_tracee(pid, report, &rep) == 0)
		CHECK(rep.ret[0] == 0, "the tracee's skipped unlink returned %ld (%s), wanted the tracer's 0",
		      rep.ret[0], strerror(rep.err[0]));
	unlink(file);
}

static void skip_bits_with_cont_singlestep_singleblock(void)
{
	static const struct {
		const char *what;
		long req;
	} reqs[] = {
		{ "PTRACE_CONT", PTRACE_CONT },
		{ "PTRACE_SINGLESTEP", PTRACE_SINGLESTEP },
#ifdef PTRACE_SINGLEBLOCK
		{ "PTRACE_SINGLEBLOCK", PTRACE_SINGLEBLOCK },
#endif
	};
	static const char dir[] = "/tmp/vm-skipexit-cont";
	struct report rep;
	struct stop s;
	int report;
	pid_t pid;

	deadline(40);
	for (int i = 0; i < (int)(sizeof(reqs) / sizeof(reqs[0])); i++) {
		long value = 5000 + i;

		set_body(SYS_getpid, 0, 0, 1);
		pid = start_tracee(body_calls, 0, &report);
		if (pid < 0)
			return;
		if (to_entry(pid, SYS_getpid) || set_result(pid, value) ||
		    resume(pid, reqs[i].req, PTRACE_VM_SKIPCALL, reqs[i].what)) {
			kill_tracee(pid, report);
			continue;
		}
		if (reqs[i].req != PTRACE_CONT) {
			/* Stepping: the next stop is a trap, no syscall stop. */
			next_stop(pid, &s);
			CHECK(s.kind == ST_SIGNAL && s.sig == SIGTRAP,
			      "%s with SKIPCALL: the next stop is %s, wanted a SIGTRAP",
			      reqs[i].what, s.desc);
			if (s.kind != ST_SIGNAL) {
				kill_tracee(pid, report);
				continue;
			}
			if (finish_tracee(pid, report, &rep))
				continue;
		} else if (collect_report(pid, report, &rep)) {
			continue;
		}
		CHECK(rep.ret[0] == value,
		      "%s with SKIPCALL: the tracee's getpid returned %ld, wanted the tracer's %ld",
		      reqs[i].what, rep.ret[0], value);
	}
	/* PTRACE_CONT with SKIPEXIT: the call runs. */
	rmdir(dir);
	set_body(NR_MKDIR, (unsigned long)dir, 0700, 1);
	pid = start_tracee(body_calls, 0, &report);
	if (pid < 0)
		return;
	if (to_entry(pid, NR_MKDIR) ||
	    resume(pid, PTRACE_CONT, PTRACE_VM_SKIPEXIT, "mkdir entry")) {
		kill_tracee(pid, report);
		return;
	}
	if (collect_report(pid, report, &rep) == 0)
		CHECK(rep.ret[0] == 0 && exists(dir),
		      "PTRACE_CONT with SKIPEXIT: mkdir returned %ld (%s), %s %s",
		      rep.ret[0], strerror(rep.err[0]), dir,
		      exists(dir) ? "exists" : "is missing");
	rmdir(dir);
}

static void addr_zero_one_and_other_bits_keep_their_meaning(void)
{
	struct report rep;
	struct stop s;
	int report;
	pid_t pid;

	deadline(20);
	set_body(SYS_getpid, 0, 0, 1);
	pid = start_tracee(body_calls, 0, &report);
	if (pid < 0)
		return;
	if (to_entry(pid, SYS_getpid))
		goto out;
	/* gdb's 0 */
	if (resume(pid, PTRACE_SYSCALL, 0, "addr 0") ||
	    expect_stop(pid, ST_EXIT, SYS_getpid, "PTRACE_SYSCALL addr 0 at an entry", &s))
		goto out;
	CHECK(s.rval == pid, "getpid exit stop rval %ld, wanted %d", s.rval, pid);
	if (resume(pid, PTRACE_SYSCALL, 0, "to getppid") ||
	    expect_stop(pid, ST_ENTRY, SYS_getppid, "after getpid", NULL))
		goto out;
	/* strace's 1 */
	if (resume(pid, PTRACE_SYSCALL, 1, "addr 1") ||
	    expect_stop(pid, ST_EXIT, SYS_getppid, "PTRACE_SYSCALL addr 1 at an entry", &s))
		goto out;
	CHECK(s.rval == getpid(), "getppid exit stop rval %ld, wanted %d", s.rval,
	      getpid());
	if (resume(pid, PTRACE_SYSCALL, 0x8, "to the second getppid") ||
	    expect_stop(pid, ST_ENTRY, SYS_getppid, "after addr 0x8 at an exit stop", NULL))
		goto out;
	/* Bits outside PTRACE_VM_MASK are ignored. */
	if (resume(pid, PTRACE_SYSCALL, 0x9 | 0x100, "addr 0x109") ||
	    expect_stop(pid, ST_EXIT, SYS_getppid, "PTRACE_SYSCALL addr 0x109 at an entry", NULL))
		goto out;
	if (finish_tracee(pid, report, &rep) == 0)
		CHECK(rep.ret[0] == pid && rep.marker[0] == getpid() &&
		      rep.marker[1] == getpid(),
		      "the tracee got getpid %ld, getppid %ld %ld", rep.ret[0],
		      rep.marker[0], rep.marker[1]);
	return;
out:
	kill_tracee(pid, report);
}

static void bit_4_alone_is_einval_and_changes_nothing(void)
{
	static const long reqs[] = {
		PTRACE_SYSCALL, PTRACE_CONT, PTRACE_SINGLESTEP,
#ifdef PTRACE_SINGLEBLOCK
		PTRACE_SINGLEBLOCK,
#endif
	};
	static const unsigned long addrs[] = { 0x4, 0x5, 0xc, 0x104 };
	struct report rep;
	struct stop s;
	int report, st;
	pid_t pid;

	deadline(20);
	set_body(SYS_getpid, 0, 0, 1);
	pid = start_tracee(body_calls, 0, &report);
	if (pid < 0)
		return;
	if (to_entry(pid, SYS_getpid))
		goto out;
	for (size_t i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++) {
		for (size_t j = 0; j < sizeof(addrs) / sizeof(addrs[0]); j++) {
			long ret;

			errno = 0;
			ret = pt(reqs[i], pid, addrs[j], 0);
			CHECK(ret == -1 && errno == EINVAL,
			      "request %ld addr %#lx returned %ld (%s), wanted EINVAL",
			      reqs[i], addrs[j], ret, strerror(errno));
			if (ret == 0)
				goto out;
		}
	}
	/*
	 * In a batch, the refused resume is the failing element, and the
	 * element before it took effect: a word of the tracee's memory.
	 */
	{
		long canary = CANARY, word;
		struct ptrace_multi r[2] = {
			{ PTRACE_POKEDATA, (unsigned long)&poke_target, &canary, 0 },
			{ PTRACE_SYSCALL, 0x4, NULL, 0 },
		};
		long ret;

		ret = pt(PTRACE_MULTI, pid, (unsigned long)r, 2);
		CHECK(ret == -1 && errno == EINVAL && r[1].length == -EINVAL,
		      "POKEDATA + PTRACE_SYSCALL(0x4) returned %ld (%s), length %ld, wanted -1, EINVAL marked on element 1",
		      ret, strerror(errno), r[1].length);
		errno = 0;
		word = ptrace(PTRACE_PEEKDATA, pid, &poke_target, 0);
		CHECK(!errno && word == CANARY,
		      "the POKEDATA before the refused resume did not take effect (%#lx, %s)",
		      word, strerror(errno));
	}
	/* A resume failing for its signal leaves no bits either. */
	CHECK_ERRNO(pt(PTRACE_SYSCALL, pid, PTRACE_VM_SKIPCALL, 1000), EIO);
	CHECK(waitpid(pid, &st, WNOHANG) == 0 &&
	      pt(PTRACE_SYSVM, pid, 0, 0) == PTRACE_VM_MASK,
	      "the tracee is no longer stopped after the refused requests");
	/* Unchanged: addr 0 gives the exit stop, and the call runs. */
	if (resume(pid, PTRACE_SYSCALL, 0, "addr 0") ||
	    expect_stop(pid, ST_EXIT, SYS_getpid,
			"PTRACE_SYSCALL addr 0 after refused SYSVM requests", &s))
		goto out;
	CHECK(s.rval == pid, "getpid exit stop rval %ld, wanted %d", s.rval, pid);
	if (finish_tracee(pid, report, &rep) == 0)
		CHECK(rep.ret[0] == pid, "the tracee's getpid returned %ld", rep.ret[0]);
	return;
out:
	kill_tracee(pid, report);
}

/*
 * SKIPCALL acts only at a syscall-entry stop: given at the SIGSTOP stop or
 * at an exit stop, the next calls run.  With and without an engine on the
 * task (the engine path makes ptrace's stops itself).
 */
static void skipcall_outside_an_entry_stop_does_nothing(void)
{
	static const char dir[] = "/tmp/vm-stale";
	struct utrace_test_record r[16];
	struct report rep;
	struct stop s;
	int report, fd = -1, n;
	pid_t pid;

	deadline(30);
	for (int engine = 0; engine < 2; engine++) {
		rmdir(dir);
		set_body(NR_MKDIR, (unsigned long)dir, 0700, 1);
		pid = start_tracee(body_calls, 0, &report);
		if (pid < 0)
			return;
		if (engine) {
			/* Tracer first, engine after: the engine is outside. */
			fd = utd_open();
			if (fd < 0 || attach(fd, pid, UTRACE_TEST_RECORD, 1,
					     NR_MKDIR, 0) < 0) {
				kill_tracee(pid, report);
				return;
			}
		}
		if (resume(pid, PTRACE_CONT, PTRACE_VM_SKIPCALL, "at the SIGSTOP stop")) {
			kill_tracee(pid, report);
			return;
		}
		if (collect_report(pid, report, &rep) == 0)
			CHECK(rep.ret[0] == 0 && exists(dir),
			      "%s: after PTRACE_CONT with SKIPCALL at a signal stop, mkdir returned %ld (%s) and %s %s",
			      engine ? "with an engine" : "alone", rep.ret[0],
			      strerror(rep.err[0]), dir, exists(dir) ? "exists" : "is missing");
		if (engine) {
			n = utd_read(fd, r, 16);
			CHECK(n == 2 && r[1].side == X && r[1].ret == 0,
			      "the engine saw %d records of mkdir (last ret %lld), wanted entry and exit = 0",
			      n, n > 0 ? (long long)r[n - 1].ret : 0LL);
			close(fd);
		}
		rmdir(dir);
	}

	/* At an exit stop. */
	set_body(SYS_getpid, 0, 0, 1);
	pid = start_tracee(body_calls, 0, &report);
	if (pid < 0)
		return;
	if (to_entry(pid, SYS_getpid) || resume(pid, PTRACE_SYSCALL, 0, "getpid entry") ||
	    expect_stop(pid, ST_EXIT, SYS_getpid, "addr 0 at getpid's entry", NULL) ||
	    resume(pid, PTRACE_SYSCALL, PTRACE_VM_SKIPCALL, "getpid exit") ||
	    expect_stop(pid, ST_ENTRY, SYS_getppid, "SKIPCALL at an exit stop", NULL) ||
	    resume(pid, PTRACE_SYSCALL, 0, "getppid entry") ||
	    expect_stop(pid, ST_EXIT, SYS_getppid, "addr 0 at getppid's entry", &s)) {
		kill_tracee(pid, report);
		return;
	}
	CHECK(s.rval == getpid(), "getppid after a SKIPCALL at an exit stop returned %ld, wanted %d",
	      s.rval, getpid());
	if (finish_tracee(pid, report, &rep) == 0)
		CHECK(rep.ret[0] == pid && rep.marker[0] == getpid(),
		      "the tracee got getpid %ld getppid %ld", rep.ret[0], rep.marker[0]);
}

/*
 * ptrace comes before seccomp: a call skipped at its entry stop never
 * reaches the filter.  Each with a control run where the filter acts.
 */
static void skipcall_comes_before_seccomp(void)
{
	static const char dir[] = "/tmp/vm-seccomp";
	struct report rep;
	struct stop s;
	int report;
	pid_t pid;

	deadline(30);
	rmdir(dir);
	/* RET_KILL_PROCESS on mkdir, skipped. */
	set_body(NR_MKDIR, (unsigned long)dir, 0700, 1);
	filter_nr = NR_MKDIR;
	filter_action = SECCOMP_RET_KILL_PROCESS;
	pid = start_tracee(body_calls, 0, &report);
	if (pid < 0)
		return;
	if (to_entry(pid, NR_MKDIR) || set_result(pid, -EEXIST) ||
	    resume(pid, PTRACE_SYSCALL, PTRACE_VM_SKIPCALL, "mkdir entry")) {
		kill_tracee(pid, report);
		return;
	}
	expect_stop(pid, ST_ENTRY, SYS_getppid, "SKIPCALL of a mkdir seccomp kills", NULL);
	if (finish_tracee(pid, report, &rep) == 0)
		CHECK(rep.ret[0] == -1 && rep.err[0] == EEXIST,
		      "the skipped mkdir returned %ld errno %ld, wanted -1 EEXIST",
		      rep.ret[0], rep.err[0]);
	CHECK(!exists(dir), "the skipped mkdir created %s", dir);

	/* Control: let it through, and the filter kills the tracee. */
	pid = start_tracee(body_calls, 0, &report);
	if (pid < 0)
		return;
	if (to_entry(pid, NR_MKDIR)) {
		kill_tracee(pid, report);
		return;
	}
	memset(&s, 0, sizeof(s));
	strcpy(s.desc, "a PTRACE_SYSCALL failure");
	for (int i = 0; i < 8; i++) {
		if (pt(PTRACE_SYSCALL, pid, 0, 0))
			break;
		next_stop(pid, &s);
		if (s.kind != ST_ENTRY && s.kind != ST_EXIT)
			break;
	}
	CHECK(s.kind == ST_KILLED && s.sig == SIGSYS,
	      "control: with the mkdir let through the tracee ended with %s, wanted death by SIGSYS",
	      s.desc);
	CHECK(!exists(dir), "control: the killed mkdir created %s", dir);
	kill_tracee(pid, report);

	/* RET_ERRNO(EPERM) on getpid, skipped with the tracer's value. */
	set_body(SYS_getpid, 0, 0, 1);
	filter_nr = SYS_getpid;
	filter_action = SECCOMP_RET_ERRNO | EPERM;
	pid = start_tracee(body_calls, 0, &report);
	if (pid < 0)
		return;
	if (to_entry(pid, SYS_getpid) || set_result(pid, 4242) ||
	    resume(pid, PTRACE_SYSCALL, PTRACE_VM_SKIPCALL, "getpid entry")) {
		kill_tracee(pid, report);
		return;
	}
	expect_stop(pid, ST_ENTRY, SYS_getppid, "SKIPCALL of a getpid seccomp fails", NULL);
	if (finish_tracee(pid, report, &rep) == 0)
		CHECK(rep.ret[0] == 4242,
		      "the skipped getpid returned %ld errno %ld, wanted the tracer's 4242 (not seccomp's EPERM)",
		      rep.ret[0], rep.err[0]);
	/* Control. */
	pid = start_tracee(body_calls, 0, &report);
	if (pid < 0)
		return;
	if (to_entry(pid, SYS_getpid) || resume(pid, PTRACE_SYSCALL, 0, "getpid entry") ||
	    expect_stop(pid, ST_EXIT, SYS_getpid, "control: addr 0 at getpid's entry", &s)) {
		kill_tracee(pid, report);
		return;
	}
	CHECK(s.rval == -EPERM, "control: the filtered getpid's exit stop shows %ld, wanted -EPERM",
	      s.rval);
	if (finish_tracee(pid, report, &rep) == 0)
		CHECK(rep.ret[0] == -1 && rep.err[0] == EPERM,
		      "control: the filtered getpid returned %ld errno %ld", rep.ret[0],
		      rep.err[0]);
	filter_nr = -1;
}

/*
 * A RET_TRACE filter on getpid: its seccomp stop comes after the entry
 * stop; the latest resume (there or at the seccomp stop) decides the exit
 * stop; a SKIPCALL skips the seccomp stop too.
 */
static void skip_bits_and_seccomp_ret_trace(void)
{
	struct report rep;
	struct stop s;
	int report;
	pid_t pid;

	deadline(30);
	for (int at_seccomp = 0; at_seccomp < 2; at_seccomp++) {
		/* SKIPEXIT at entry, then at the seccomp stop SKIPEXIT or 0. */
		set_body(SYS_getpid, 0, 0, 1);
		filter_nr = SYS_getpid;
		filter_action = SECCOMP_RET_TRACE | 0x77;
		pid = start_tracee(body_calls, PTRACE_O_TRACESECCOMP, &report);
		if (pid < 0)
			return;
		if (to_entry(pid, SYS_getpid) ||
		    resume(pid, PTRACE_SYSCALL, PTRACE_VM_SKIPEXIT, "getpid entry") ||
		    expect_stop(pid, ST_SECCOMP, SYS_getpid,
				"SKIPEXIT at the entry of a RET_TRACE call", &s)) {
			kill_tracee(pid, report);
			continue;
		}
		CHECK(s.msg == 0x77, "seccomp stop data %#lx, wanted 0x77", s.msg);
		if (resume(pid, PTRACE_SYSCALL, at_seccomp ? 0 : PTRACE_VM_SKIPEXIT,
			   "seccomp stop")) {
			kill_tracee(pid, report);
			continue;
		}
		if (at_seccomp) {
			/* The latest resume, without bits, brings the exit stop back. */
			if (expect_stop(pid, ST_EXIT, SYS_getpid,
					"SKIPEXIT at entry, addr 0 at the seccomp stop", &s) == 0)
				CHECK(s.rval == pid, "exit stop rval %ld, wanted %d",
				      s.rval, pid);
		} else {
			expect_stop(pid, ST_ENTRY, SYS_getppid,
				    "SKIPEXIT at entry and at the seccomp stop", NULL);
		}
		if (finish_tracee(pid, report, &rep) == 0)
			CHECK(rep.ret[0] == pid,
			      "the RET_TRACE getpid returned %ld, wanted %d (it ran)",
			      rep.ret[0], pid);
	}
	/* SKIPCALL at entry: no seccomp stop. */
	pid = start_tracee(body_calls, PTRACE_O_TRACESECCOMP, &report);
	if (pid < 0)
		return;
	if (to_entry(pid, SYS_getpid) || set_result(pid, 4242) ||
	    resume(pid, PTRACE_SYSCALL, PTRACE_VM_SKIPCALL, "getpid entry")) {
		kill_tracee(pid, report);
		return;
	}
	expect_stop(pid, ST_ENTRY, SYS_getppid, "SKIPCALL of a RET_TRACE call", NULL);
	if (finish_tracee(pid, report, &rep) == 0)
		CHECK(rep.ret[0] == 4242, "the skipped getpid returned %ld, wanted 4242",
		      rep.ret[0]);
	filter_nr = -1;
}

/* Empties the engine log of @fd. */
static void drain_log(int fd)
{
	struct utrace_test_record r[64];

	while (utd_read(fd, r, 64) > 0)
		;
}

/* Whether the log @r of @n records holds a record of syscall @nr. */
static int log_has(const struct utrace_test_record *r, int n, long nr)
{
	for (int i = 0; i < n; i++)
		if (r[i].nr == nr)
			return 1;
	return 0;
}

/*
 * Sets the syscall number (orig_rax; arm64's NT_ARM_SYSTEM_CALL) and the
 * result register of a tracee at a syscall stop.
 */
static int set_nr(pid_t pid, long nr, long result)
{
	if (regs_set_nr(pid, nr) == 0 && set_result(pid, result) == 0)
		return 0;
	KTAP_DIAG("setting the number and result: %s", strerror(errno));
	ktap_case_failed = 1;
	return -1;
}

/*
 * The tracee, resumed by the tracer, must run to its end with no other
 * stop: waits for its exit (status 0), then reads its report.  0, or -1
 * with the case failed and the tracee gone.
 */
static int runs_to_its_end(pid_t pid, int report, struct report *rep, const char *why)
{
	struct stop s;
	int ok;

	ok = expect_stop(pid, ST_EXITED, -1, why, &s) == 0;
	if (ok && s.sig != 0) {
		KTAP_DIAG("%s: the tracee exited %d", why, s.sig);
		ok = 0;
	}
	memset(rep, 0, sizeof(*rep));
	if (ok && read_full(report, rep, sizeof(*rep))) {
		KTAP_DIAG("%s: no report from the tracee", why);
		ok = 0;
	}
	kill_tracee(pid, report);
	if (!ok)
		ktap_case_failed = 1;
	return ok ? 0 : -1;
}

/*
 * What an engine inside the tracer makes of a RET_TRACE call: a RECORD
 * engine (every call) attached first, a tracer (TRACEME) with
 * PTRACE_O_TRACESECCOMP after, a filter tracing getpid (data 0x55).  At
 * the seccomp stop the tracer, which sits outside the engine, turns the
 * call into @new_nr (result @result if @new_nr is -1, a skip) or leaves it
 * (@new_nr == SYS_getpid).  @req is how the tracer resumes from the
 * SIGSTOP: PTRACE_CONT (a seccomp-only tracer, as strace --seccomp-bpf)
 * or PTRACE_SYSCALL (the entry stop first).
 *
 * The seccomp stop must come before the engine hears of the call, the
 * engine must see what the tracer made of it, and seccomp's final check
 * must not stop the tracer a second time.  Returns the engine's log from
 * the seccomp stop on, in @r (up to @max records), and its length, with
 * the tracee's report in @rep and its pid in @tracee; -1 if the case
 * failed on the way.
 */
static int seccomp_stop_with_an_engine_inside(long req, long new_nr, long result,
					      struct report *rep, pid_t *tracee,
					      struct utrace_test_record *r, int max)
{
	struct stop s;
	int report, fd, n = -1;
	pid_t pid;

	set_body(SYS_getpid, 0, 0, 1);
	filter_nr = SYS_getpid;
	filter_action = SECCOMP_RET_TRACE | 0x55;
	pid = tracee_inside_engine_opts(UTRACE_TEST_RECORD, -1, 0, PTRACE_O_TRACESECCOMP,
					&report, &fd);
	filter_nr = -1;
	*tracee = pid;
	if (pid < 0)
		return -1;
	drain_log(fd);
	if (req == PTRACE_SYSCALL) {
		if (to_entry(pid, SYS_getpid))
			goto kill;
		n = utd_read(fd, r, max);
		CHECK(!log_has(r, n, SYS_getpid),
		      "at the tracer's entry stop the engine inside it already heard of getpid");
		if (resume(pid, PTRACE_CONT, 0, "getpid entry stop"))
			goto kill;
	} else if (resume(pid, PTRACE_CONT, 0, "SIGSTOP")) {
		goto kill;
	}
	if (expect_stop(pid, ST_SECCOMP, SYS_getpid, "getpid under RET_TRACE", &s))
		goto kill;
	CHECK(s.msg == 0x55, "seccomp stop data %#lx, wanted 0x55", s.msg);
	n = utd_read(fd, r, max);
	CHECK(!log_has(r, n, SYS_getpid),
	      "at the seccomp stop the engine inside the tracer already heard of the call: the stop is not at the tracer's place");
	if (new_nr != SYS_getpid && set_nr(pid, new_nr, result))
		goto kill;
	if (resume(pid, PTRACE_CONT, 0, "seccomp stop") ||
	    runs_to_its_end(pid, report, rep, "after the seccomp stop (no second one)")) {
		close(fd);
		return -1;
	}
	n = utd_read(fd, r, max);
	close(fd);
	return n;
kill:
	kill_tracee(pid, report);
	close(fd);
	ktap_case_failed = 1;
	return -1;
}

/*
 * The tracer turns a RET_TRACE getpid into getppid at its seccomp stop:
 * the engine inside it sees getppid only, entry and exit, with the
 * parent's pid; the tracee gets that too.  Resumed from the SIGSTOP with
 * PTRACE_CONT and with PTRACE_SYSCALL.
 */
static void seccomp_stop_comes_before_an_engine_inside(void)
{
	static const long reqs[] = { PTRACE_CONT, PTRACE_SYSCALL };
	struct utrace_test_record r[64];
	struct report rep;

	deadline(30);
	for (int i = 0; i < 2; i++) {
		pid_t pid;
		int n = seccomp_stop_with_an_engine_inside(reqs[i], SYS_getppid, 0,
							   &rep, &pid, r, 64);

		if (n < 0)
			continue;
		CHECK(rep.ret[0] == getpid(),
		      "resumed with %ld: the tracee's getpid turned getppid returned %ld, wanted %d",
		      reqs[i], rep.ret[0], getpid());
		CHECK(n >= 2 && r[0].side == N && r[0].nr == SYS_getppid &&
		      r[1].side == X && r[1].nr == SYS_getppid && r[1].ret == getpid(),
		      "resumed with %ld: the engine inside saw %d records, the first side %u of %lld, then side %u of %lld = %lld; wanted getppid's entry and exit = %d",
		      reqs[i], n, n > 0 ? r[0].side : 0, n > 0 ? (long long)r[0].nr : 0LL,
		      n > 1 ? r[1].side : 0, n > 1 ? (long long)r[1].nr : 0LL,
		      n > 1 ? (long long)r[1].ret : 0LL, getpid());
		CHECK(!log_has(r, n, SYS_getpid),
		      "resumed with %ld: the engine inside the tracer saw the getpid the tracer replaced",
		      reqs[i]);
	}
}

/*
 * The tracer leaves the RET_TRACE call as it is: seccomp's check once
 * the engines have run takes the stop as made (RET_TRACE allows), so the
 * tracer stops once and the call runs; and a tracer that skips the call
 * there (number -1, result set) skips it for the engine inside too.
 */
static void seccomp_stop_once_and_its_skip_with_an_engine_inside(void)
{
	struct utrace_test_record r[64];
	struct report rep;
	pid_t pid;
	int n;

	deadline(30);
	n = seccomp_stop_with_an_engine_inside(PTRACE_CONT, SYS_getpid, 0, &rep, &pid,
					       r, 64);
	if (n >= 0) {
		CHECK(rep.ret[0] == pid,
		      "the RET_TRACE getpid left as it is returned %ld, wanted %d",
		      rep.ret[0], pid);
		CHECK(n >= 2 && r[0].side == N && r[0].nr == SYS_getpid &&
		      r[1].side == X && r[1].ret == pid,
		      "the engine inside saw %d records, the first side %u of %lld; wanted getpid's entry and exit = %d",
		      n, n > 0 ? r[0].side : 0, n > 0 ? (long long)r[0].nr : 0LL, pid);
	}
	n = seccomp_stop_with_an_engine_inside(PTRACE_CONT, -1, 4242, &rep, &pid, r, 64);
	if (n >= 0) {
		CHECK(rep.ret[0] == 4242,
		      "the call the tracer skipped at its seccomp stop returned %ld, wanted 4242",
		      rep.ret[0]);
		CHECK(!log_has(r, n, SYS_getpid),
		      "the engine inside saw the getpid the tracer skipped at its seccomp stop");
	}
}

/*
 * Seccomp still judges the call that runs.  (1) The tracer turns the
 * RET_TRACE getpid into getppid, which the filter answers EPERM: the
 * check after the engines applies it, as the kernel's recheck after its
 * stop does.  (2) An engine inside the tracer changes the call after the
 * tracer let it go (getpid's first argument, 0 -> 0x1234): the tracer did
 * not see that call, so it gets a second seccomp stop, with the engine's
 * argument, instead of the filter taking the first stop for it.
 */
static void seccomp_judges_the_call_the_engines_leave(void)
{
	struct report rep;
	struct stop s;
	tracee_regs regs;
	int report, fd;
	pid_t pid;

	deadline(30);
	set_body(SYS_getpid, 0, 0, 1);
	filter_nr = SYS_getpid;
	filter_action = SECCOMP_RET_TRACE | 0x55;
	filter_nr2 = SYS_getppid;
	filter_action2 = SECCOMP_RET_ERRNO | EPERM;
	pid = tracee_inside_engine_opts(UTRACE_TEST_RECORD, -1, 0, PTRACE_O_TRACESECCOMP,
					&report, &fd);
	filter_nr = filter_nr2 = -1;
	if (pid < 0)
		return;
	if (resume(pid, PTRACE_CONT, 0, "SIGSTOP") ||
	    expect_stop(pid, ST_SECCOMP, SYS_getpid, "getpid under RET_TRACE", NULL) ||
	    set_nr(pid, SYS_getppid, 0) || resume(pid, PTRACE_CONT, 0, "seccomp stop")) {
		kill_tracee(pid, report);
	} else if (runs_to_its_end(pid, report, &rep, "getpid turned getppid") == 0) {
		CHECK(rep.ret[0] == -1 && rep.err[0] == EPERM,
		      "the getppid the tracer made at its seccomp stop returned %ld (errno %ld), wanted -1 EPERM from the filter",
		      rep.ret[0], rep.err[0]);
	}
	close(fd);

	set_body(SYS_getpid, 0, 0, 1);
	filter_nr = SYS_getpid;
	filter_action = SECCOMP_RET_TRACE | 0x55;
	pid = tracee_inside_engine_opts(UTRACE_TEST_REWRITE_ARG, SYS_getpid, 0x1234,
					PTRACE_O_TRACESECCOMP, &report, &fd);
	filter_nr = -1;
	if (pid < 0)
		return;
	if (resume(pid, PTRACE_CONT, 0, "SIGSTOP") ||
	    expect_stop(pid, ST_SECCOMP, SYS_getpid, "getpid under RET_TRACE", NULL) ||
	    regs_read(pid, &regs))
		goto kill;
	CHECK(regs_arg(&regs, 0) == 0,
	      "at the first seccomp stop getpid's first argument is %#lx, wanted 0 (the engine inside has not run)",
	      regs_arg(&regs, 0));
	if (resume(pid, PTRACE_CONT, 0, "first seccomp stop") ||
	    expect_stop(pid, ST_SECCOMP, SYS_getpid,
			"getpid changed by the engine inside after the tracer's stop: its own stop",
			&s) ||
	    regs_read(pid, &regs))
		goto kill;
	CHECK(regs_arg(&regs, 0) == 0x1234,
	      "at the second seccomp stop getpid's first argument is %#lx, wanted the engine's 0x1234",
	      regs_arg(&regs, 0));
	if (resume(pid, PTRACE_CONT, 0, "second seccomp stop") == 0 &&
	    runs_to_its_end(pid, report, &rep, "after the second seccomp stop") == 0)
		CHECK(rep.ret[0] == pid, "getpid returned %ld, wanted %d", rep.ret[0], pid);
	close(fd);
	return;
kill:
	ktap_case_failed = 1;
	kill_tracee(pid, report);
	close(fd);
}

/*
 * No seccomp stop for a call that does not run: an ABORT engine (getpid
 * -> 4242) outside the tracer aborts it before the tracer's place, and
 * seccomp never sees an aborted call.  And with the engine inside, a
 * tracer that did not ask for seccomp stops leaves RET_TRACE to fail the
 * call with ENOSYS, as without engines.
 */
static void no_seccomp_stop_for_an_aborted_call(void)
{
	struct report rep;
	int report, fd;
	pid_t pid;

	deadline(30);
	set_body(SYS_getpid, 0, 0, 1);
	filter_nr = SYS_getpid;
	filter_action = SECCOMP_RET_TRACE | 0x55;
	pid = start_tracee(body_calls, PTRACE_O_TRACESECCOMP, &report);
	filter_nr = -1;
	if (pid < 0)
		return;
	fd = utd_open();
	if (fd < 0 || attach(fd, pid, UTRACE_TEST_ABORT, 1, SYS_getpid, 4242) < 0 ||
	    resume(pid, PTRACE_CONT, 0, "SIGSTOP")) {
		kill_tracee(pid, report);
	} else if (runs_to_its_end(pid, report, &rep,
				   "getpid aborted by an engine outside the tracer (no seccomp stop)") == 0) {
		CHECK(rep.ret[0] == 4242, "the aborted getpid returned %ld, wanted 4242",
		      rep.ret[0]);
	}
	if (fd >= 0)
		close(fd);

	set_body(SYS_getpid, 0, 0, 1);
	filter_nr = SYS_getpid;
	filter_action = SECCOMP_RET_TRACE | 0x55;
	pid = tracee_inside_engine_opts(UTRACE_TEST_RECORD, SYS_getpid, 0, 0, &report, &fd);
	filter_nr = -1;
	if (pid < 0)
		return;
	if (resume(pid, PTRACE_CONT, 0, "SIGSTOP"))
		kill_tracee(pid, report);
	else if (runs_to_its_end(pid, report, &rep, "RET_TRACE, no seccomp stops asked") == 0)
		CHECK(rep.ret[0] == -1 && rep.err[0] == ENOSYS,
		      "RET_TRACE without a tracer of seccomp stops returned %ld (errno %ld), wanted -1 ENOSYS",
		      rep.ret[0], rep.err[0]);
	close(fd);
}

/*
 * SIGKILLs a tracee held in a stop (@stop names it) before its mkdir of
 * @dir ran, and checks that it died of it and that the mkdir never ran.
 */
static void kill_in_a_stop_before_mkdir(pid_t pid, int report, const char *dir,
					const char *stop)
{
	int st = 0;

	kill(pid, SIGKILL);
	CHECK(waitpid(pid, &st, 0) == pid && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL,
	      "the tracee did not die of SIGKILL (status %#x)", st);
	CHECK(!exists(dir), "the mkdir of a task killed in its %s created %s", stop, dir);
	rmdir(dir);
	close(report);
	if (go_w >= 0)
		close(go_w);
	go_w = -1;
}

/*
 * A SIGKILL in the seccomp stop made at the tracer's place: the call
 * (mkdir) never runs, though the engine inside the tracer lets every
 * call run (UTRACE_TEST_RUN), as for a SIGKILL in the entry stop.
 */
static void sigkill_in_the_seccomp_stop_is_final(void)
{
	static const char dir[] = "/tmp/vm-killed-seccomp-mkdir";
	int report, fd;
	pid_t pid;

	deadline(30);
	rmdir(dir);
	set_body(NR_MKDIR, (unsigned long)dir, 0700, 1);
	filter_nr = NR_MKDIR;
	filter_action = SECCOMP_RET_TRACE;
	pid = tracee_inside_engine_opts(UTRACE_TEST_RUN, -1, 0, PTRACE_O_TRACESECCOMP,
					&report, &fd);
	filter_nr = -1;
	if (pid < 0)
		return;
	if (resume(pid, PTRACE_CONT, 0, "SIGSTOP") ||
	    expect_stop(pid, ST_SECCOMP, NR_MKDIR, "mkdir under RET_TRACE", NULL)) {
		kill_tracee(pid, report);
		goto out_fd;
	}
	kill_in_a_stop_before_mkdir(pid, report, dir, "seccomp stop");
out_fd:
	if (fd >= 0)
		close(fd);
}

/*
 * The tracer detaches in the seccomp stop made at its place: the call it
 * let go runs once (mkdir creates the directory and returns 0), with no
 * other stop and no ENOSYS, as without engines.
 */
static void detach_in_the_seccomp_stop_runs_the_call(void)
{
	static const char dir[] = "/tmp/vm-detached-seccomp-mkdir";
	struct report rep;
	int report, fd;
	pid_t pid;

	deadline(30);
	rmdir(dir);
	set_body(NR_MKDIR, (unsigned long)dir, 0700, 1);
	filter_nr = NR_MKDIR;
	filter_action = SECCOMP_RET_TRACE;
	pid = tracee_inside_engine_opts(UTRACE_TEST_RECORD, -1, 0, PTRACE_O_TRACESECCOMP,
					&report, &fd);
	filter_nr = -1;
	if (pid < 0)
		return;
	if (resume(pid, PTRACE_CONT, 0, "SIGSTOP") ||
	    expect_stop(pid, ST_SECCOMP, NR_MKDIR, "mkdir under RET_TRACE", NULL) ||
	    resume(pid, PTRACE_DETACH, 0, "seccomp stop")) {
		kill_tracee(pid, report);
	} else if (runs_to_its_end(pid, report, &rep, "after a detach in the seccomp stop") == 0) {
		CHECK(rep.ret[0] == 0, "the mkdir let go by a detach returned %ld (errno %ld), wanted 0",
		      rep.ret[0], rep.err[0]);
		CHECK(exists(dir), "the mkdir let go by a detach did not create %s", dir);
	}
	rmdir(dir);
	close(fd);
}

/*
 * Waits (up to 5 s) until the log of @fd, read into @r (@max records,
 * *@n read so far), holds @count records of @side of syscall @nr.  0 if
 * they came, -1 with the case failed.
 */
static int await_records(int fd, struct utrace_test_record *r, int max, int *n,
			 unsigned int side, long nr, int count)
{
	for (int tries = 0; tries < 500; tries++) {
		int got = utd_read(fd, r + *n, max - *n), seen = 0;

		if (got > 0)
			*n += got;
		for (int i = 0; i < *n; i++)
			seen += r[i].side == side && r[i].nr == nr;
		if (seen >= count)
			return 0;
		usleep(10000);
	}
	KTAP_DIAG("the engine logged %d records, not %d of side %u of syscall %ld", *n, count,
		  side, nr);
	ktap_case_failed = 1;
	return -1;
}

/*
 * A repeated round after the seccomp stop: a STOP engine inside the
 * tracer (attached first) holds getpid at its entry, after the tracer's
 * seccomp stop, and ends its stop asking for another report.  The entry
 * callbacks run again (the engine's second record is marked resumed), but
 * the tracer's stops are not repeated (design §2: "the tracer's entry stop
 * is not repeated"): the tracer sees one seccomp stop for the call, which
 * runs to its end (the engine stops at syscall entry only).
 */
static void seccomp_stop_once_across_a_repeated_round(void)
{
	struct utrace_test_attach a = {
		.kind = UTRACE_TEST_STOP, .events = ENTRY | EXIT, .id = 1, .nr = SYS_getpid,
	};
	struct utrace_test_record r[16];
	struct report rep;
	int report, fd, slot = -1, n = 0;
	pid_t pid;

	deadline(30);
	set_body(SYS_getpid, 0, 0, 1);
	filter_nr = SYS_getpid;
	filter_action = SECCOMP_RET_TRACE | 0x55;
	pid = fork_tracee(body_calls, 1, &report);
	filter_nr = -1;
	if (pid < 0)
		return;
	fd = utd_open();
	a.pid = pid;
	if (fd >= 0)
		slot = ioctl(fd, UTRACE_TEST_ATTACH, &a);
	if (slot < 0) {
		KTAP_DIAG("attach a STOP engine: %s", strerror(errno));
		ktap_case_failed = 1;
		kill_tracee(pid, report);
		goto out;
	}
	if (await_tracee(pid, 1, report, PTRACE_O_TRACESECCOMP))
		goto out;
	drain_log(fd);
	if (resume(pid, PTRACE_CONT, 0, "SIGSTOP") ||
	    expect_stop(pid, ST_SECCOMP, SYS_getpid, "getpid under RET_TRACE", NULL) ||
	    resume(pid, PTRACE_CONT, 0, "seccomp stop") ||
	    await_records(fd, r, 16, &n, N, SYS_getpid, 1))
		goto kill;
	/* The engine logs before it stops: wait until the task is parked. */
	if (!UTD_POLL(utd_stopped(fd, slot))) {
		KTAP_DIAG("the engine's entry stop did not come");
		goto kill;
	}
	if (ioctl(fd, UTRACE_TEST_RESUME_REPORT, slot)) {
		KTAP_DIAG("resume and report: %s", strerror(errno));
		goto kill;
	}
	if (await_records(fd, r, 16, &n, X, SYS_getpid, 1))
		goto kill;
	CHECK(n == 3 && r[0].side == N && r[0].ret == 0 && r[1].side == N && r[1].ret == 1 &&
	      r[2].side == X && r[2].ret == pid,
	      "the engine logged %d records (first side %u ret %lld, second side %u ret %lld); wanted getpid's entry, its resumed entry, its exit = %d",
	      n, r[0].side, (long long)r[0].ret, n > 1 ? r[1].side : 0,
	      n > 1 ? (long long)r[1].ret : 0LL, pid);
	if (runs_to_its_end(pid, report, &rep, "after the repeated round (no second seccomp stop)") == 0)
		CHECK(rep.ret[0] == pid, "getpid returned %ld, wanted %d", rep.ret[0], pid);
	goto out;
kill:
	ktap_case_failed = 1;
	kill_tracee(pid, report);
out:
	if (fd >= 0)
		close(fd);
}

/*
 * The other order: the tracer (TRACEME, RET_TRACE on getpid) first, a
 * RECORD engine attached at the SIGSTOP, outside it: the engine hears of
 * the call as the program made it before the tracer's seccomp stop, and
 * of the result the program gets after it.
 */
static void seccomp_stop_comes_after_an_engine_outside(void)
{
	struct utrace_test_record r[64];
	struct report rep;
	struct stop s;
	int report, fd, n;
	pid_t pid;

	deadline(30);
	set_body(SYS_getpid, 0, 0, 1);
	filter_nr = SYS_getpid;
	filter_action = SECCOMP_RET_TRACE | 0x55;
	pid = start_tracee(body_calls, PTRACE_O_TRACESECCOMP, &report);
	filter_nr = -1;
	if (pid < 0)
		return;
	fd = utd_open();
	if (fd < 0 || attach(fd, pid, UTRACE_TEST_RECORD, 1, -1, 0) < 0)
		goto out;
	if (resume(pid, PTRACE_CONT, 0, "SIGSTOP") ||
	    expect_stop(pid, ST_SECCOMP, SYS_getpid, "getpid under RET_TRACE", &s))
		goto out;
	n = utd_read(fd, r, 64);
	CHECK(n >= 1 && r[n - 1].side == N && r[n - 1].nr == SYS_getpid,
	      "at the seccomp stop the engine outside the tracer logged %d records, the last side %u of %lld; wanted getpid's entry",
	      n, n > 0 ? r[n - 1].side : 0, n > 0 ? (long long)r[n - 1].nr : 0LL);
	if (set_nr(pid, SYS_getppid, 0) || resume(pid, PTRACE_CONT, 0, "seccomp stop"))
		goto out;
	if (runs_to_its_end(pid, report, &rep, "after the seccomp stop") == 0) {
		n = utd_read(fd, r, 64);
		CHECK(n >= 1 && r[0].side == X && r[0].ret == getpid(),
		      "after the seccomp stop the engine outside logged %d records, the first side %u = %lld; wanted the exit = %d (the program's result)",
		      n, n > 0 ? r[0].side : 0, n > 0 ? (long long)r[0].ret : 0LL, getpid());
	}
	close(fd);
	return;
out:
	kill_tracee(pid, report);
	if (fd >= 0)
		close(fd);
}

/*
 * Order: RECORD engine attached first, tracer (TRACEME) after.  The tracer
 * sits outside the engine: at entry it stops before the engine is called,
 * at exit after.  A call it skips still reaches the engine, marked aborted
 * with the tracer's result (Documentation/design.md: "Engines inside it
 * still see the call, marked aborted").
 */
static void engine_inside_the_tracer(void)
{
	static const unsigned int entry_exit[] = { N, X };
	struct report rep;
	struct stop s;
	int report, fd;
	pid_t pid;

	deadline(30);
	set_body(SYS_getpid, 0, 0, 2);
	pid = tracee_inside_engine(UTRACE_TEST_RECORD, SYS_getpid, 0, &report, &fd);
	if (pid < 0)
		return;
	if (to_entry(pid, SYS_getpid))
		goto out;
	expect_log(fd, "at the tracer's entry stop of getpid 1 (tracer outside)",
		   0, NULL, SYS_getpid, 0, 0);
	if (set_result(pid, 4242) ||
	    resume(pid, PTRACE_SYSCALL, PTRACE_VM_SKIPCALL, "getpid 1 entry") ||
	    expect_stop(pid, ST_ENTRY, SYS_getpid, "SKIPCALL of getpid 1", NULL))
		goto out;
	expect_log(fd, "after the tracer skipped getpid 1", 2, entry_exit,
		   SYS_getpid, 1, 4242);
	/* getpid 2 runs: the engine reports its exit before the tracer's stop. */
	if (resume(pid, PTRACE_SYSCALL, 0, "getpid 2 entry") ||
	    expect_stop(pid, ST_EXIT, SYS_getpid, "addr 0 at getpid 2", &s))
		goto out;
	CHECK(s.rval == pid, "getpid 2 exit stop rval %ld, wanted %d", s.rval, pid);
	expect_log(fd, "at the tracer's exit stop of getpid 2", 2, entry_exit,
		   SYS_getpid, 1, pid);
	if (finish_tracee(pid, report, &rep) == 0)
		CHECK(rep.ret[0] == 4242 && rep.ret[1] == pid,
		      "the tracee got getpid %ld then %ld, wanted 4242 then %d",
		      rep.ret[0], rep.ret[1], pid);
	close(fd);
	return;
out:
	kill_tracee(pid, report);
	if (fd >= 0)
		close(fd);
}

/*
 * A tracer changes a call's first argument at its entry stop; an engine
 * inside it (attached first: called after the tracer at entry) changes the
 * third.  The engine sees the tracer's first argument, at entry and at
 * exit, and the call runs with both changes.  On arm64 the first argument
 * is in x0 and again in orig_x0, which syscall_get_arguments() reads: 7.2's
 * regsets write both at an entry stop (gpr_set()), or an engine would see
 * the old one and write it back.
 */
static void an_engine_inside_keeps_the_tracers_first_argument(void)
{
	static const char text[] = "abc";
	struct utrace_test_attach a = {
		.kind = UTRACE_TEST_REWRITE_ARG, .events = ENTRY | EXIT, .id = 1,
		.nr = SYS_write, .arg = 2, .value = 3,
	};
	struct utrace_test_record r[4];
	int report, fd = -1, null, n;
	struct report rep;
	tracee_regs regs;
	struct stop s;
	pid_t pid;

	deadline(30);
	null = open("/dev/null", O_WRONLY);
	CHECK(null >= 0, "open /dev/null: %s", strerror(errno));
	/* write(1000, "abc", 1): a descriptor the tracee does not have. */
	set_body(SYS_write, 1000, (unsigned long)text, 1);
	body_args[2] = 1;
	pid = fork_tracee(body_calls, 1, &report);
	close(null);
	if (pid < 0)
		return;
	fd = utd_open();
	a.pid = pid;
	if (fd < 0 || utd_attach(fd, a) < 0) {
		kill_tracee(pid, report);
		goto close_fd;
	}
	if (await_tracee(pid, 1, report, 0))
		goto close_fd;
	if (to_entry(pid, SYS_write))
		goto out;
	if (regs_read(pid, &regs)) {
		KTAP_DIAG("reading the registers: %s", strerror(errno));
		ktap_case_failed = 1;
		goto out;
	}
	CHECK(regs_arg(&regs, 0) == 1000, "the write's first argument is %lu, wanted 1000",
	      regs_arg(&regs, 0));
	regs_set_arg(&regs, 0, null);
	if (regs_write(pid, &regs)) {
		KTAP_DIAG("writing the registers: %s", strerror(errno));
		ktap_case_failed = 1;
		goto out;
	}
	if (resume(pid, PTRACE_SYSCALL, 0, "write entry") ||
	    expect_stop(pid, ST_EXIT, SYS_write, "the write's exit", &s))
		goto out;
	CHECK(s.rval == 3, "write returned %ld, wanted 3: write(/dev/null, \"abc\", 3)",
	      s.rval);
	n = utd_read(fd, r, 4);
	CHECK(n == 2, "the engine logged %d records, wanted the write's entry and exit", n);
	for (int i = 0; i < n && i < 2; i++)
		CHECK(r[i].args[0] == (unsigned long)null,
		      "the engine saw the write's first argument %llu at its %s, wanted the tracer's %d",
		      (unsigned long long)r[i].args[0], i ? "exit" : "entry", null);
	if (n == 2)
		CHECK(r[0].args[2] == 1 && r[1].args[2] == 3 && r[1].ret == 3,
		      "the engine saw the third argument %llu, then %llu = %lld; wanted 1, then 3 = 3",
		      (unsigned long long)r[0].args[2], (unsigned long long)r[1].args[2],
		      (long long)r[1].ret);
	/* Detached: the report's own write is not cut to 3 bytes. */
	close(fd);
	fd = -1;
	if (finish_tracee(pid, report, &rep) == 0)
		CHECK(rep.ret[0] == 3, "the tracee's write returned %ld (%s), wanted 3",
		      rep.ret[0], strerror(rep.err[0]));
	return;
out:
	kill_tracee(pid, report);
close_fd:
	if (fd >= 0)
		close(fd);
}

/*
 * Order: tracer first (TRACEME, the task has no engines yet), RECORD engine
 * attached at the SIGSTOP stop.  The engine sits outside the tracer: at
 * entry it is called before the tracer stops, at exit after; it sees the
 * result the tracer chose, as the program gets it.
 */
static void engine_outside_the_tracer(void)
{
	static const unsigned int entry[] = { N };
	static const unsigned int exit_only[] = { X };
	struct utrace_test_record r[4];
	struct report rep;
	struct stop s;
	int report, fd, n;
	pid_t pid;

	deadline(30);
	set_body(SYS_getpid, 0, 0, 2);
	pid = start_tracee(body_calls, 0, &report);
	if (pid < 0)
		return;
	fd = utd_open();
	if (fd < 0 || attach(fd, pid, UTRACE_TEST_RECORD, 1, SYS_getpid, 0) < 0)
		goto out;
	if (to_entry(pid, SYS_getpid))
		goto out;
	expect_log(fd, "at the tracer's entry stop of getpid 1 (engine outside)",
		   1, entry, SYS_getpid, 0, 0);
	if (set_result(pid, 4242) ||
	    resume(pid, PTRACE_SYSCALL, PTRACE_VM_SKIPCALL, "getpid 1 entry") ||
	    expect_stop(pid, ST_ENTRY, SYS_getpid, "SKIPCALL of getpid 1", NULL))
		goto out;
	/* Exit of 1 (the tracer's result), entry of 2 (before the tracer). */
	n = utd_read(fd, r, 4);
	CHECK(n == 2 && r[0].side == X && r[0].ret == 4242 && r[1].side == N,
	      "at getpid 2's entry stop the engine logged %d records (%u ret %lld, %u), wanted getpid 1's exit = 4242 and getpid 2's entry",
	      n, n > 0 ? r[0].side : 0, n > 0 ? (long long)r[0].ret : 0LL,
	      n > 1 ? r[1].side : 0);
	if (resume(pid, PTRACE_SYSCALL, 0, "getpid 2 entry") ||
	    expect_stop(pid, ST_EXIT, SYS_getpid, "addr 0 at getpid 2", &s))
		goto out;
	CHECK(s.rval == pid, "getpid 2 exit stop rval %ld, wanted %d", s.rval, pid);
	expect_log(fd, "at the tracer's exit stop of getpid 2 (the engine is next)",
		   0, NULL, SYS_getpid, 0, 0);
	if (resume(pid, PTRACE_SYSCALL, 0, "getpid 2 exit") ||
	    expect_stop(pid, ST_ENTRY, SYS_getppid, "after getpid 2", NULL))
		goto out;
	expect_log(fd, "after getpid 2", 1, exit_only, SYS_getpid, 1, pid);
	if (finish_tracee(pid, report, &rep) == 0)
		CHECK(rep.ret[0] == 4242 && rep.ret[1] == pid,
		      "the tracee got getpid %ld then %ld, wanted 4242 then %d",
		      rep.ret[0], rep.ret[1], pid);
	close(fd);
	return;
out:
	kill_tracee(pid, report);
	if (fd >= 0)
		close(fd);
}

/*
 * Order: ABORT engine (getpid -> 4242) attached first, tracer after: the
 * tracer is outside and sees the call as the program made it and the
 * result as the program gets it.  SKIPEXIT then lets the call go on to the
 * engine, without an exit stop.
 */
static void abort_engine_inside_the_tracer(void)
{
	struct report rep;
	struct stop s;
	int report, fd;
	pid_t pid;

	deadline(30);
	set_body(SYS_getpid, 0, 0, 2);
	pid = tracee_inside_engine(UTRACE_TEST_ABORT, SYS_getpid, 4242, &report, &fd);
	if (pid < 0)
		return;
	if (to_entry(pid, SYS_getpid) ||
	    resume(pid, PTRACE_SYSCALL, 0, "getpid 1 entry") ||
	    expect_stop(pid, ST_EXIT, SYS_getpid, "addr 0 at getpid 1", &s))
		goto out;
	CHECK(s.rval == 4242,
	      "the tracer outside an aborting engine saw getpid exit with %ld, wanted the engine's 4242",
	      s.rval);
	if (resume(pid, PTRACE_SYSCALL, 0, "getpid 1 exit") ||
	    expect_stop(pid, ST_ENTRY, SYS_getpid, "getpid 2", NULL) ||
	    resume(pid, PTRACE_SYSCALL, PTRACE_VM_SKIPEXIT, "getpid 2 entry") ||
	    expect_stop(pid, ST_ENTRY, SYS_getppid, "SKIPEXIT at getpid 2", NULL))
		goto out;
	if (finish_tracee(pid, report, &rep) == 0)
		CHECK(rep.ret[0] == 4242 && rep.ret[1] == 4242,
		      "the tracee got getpid %ld and %ld, wanted the engine's 4242 twice",
		      rep.ret[0], rep.ret[1]);
	close(fd);
	return;
out:
	kill_tracee(pid, report);
	if (fd >= 0)
		close(fd);
}

/*
 * Order: tracer first, ABORT engine (getpid -> 4242) attached at the
 * SIGSTOP stop: the engine is outside.  The tracer still stops at the
 * entry of the aborted call and sees the engine's result at its exit; it
 * cannot make the call run (Documentation/design.md).  Called last at
 * entry, a SKIPCALL of its own decides the result.
 */
static void abort_engine_outside_the_tracer(void)
{
	struct report rep;
	struct stop s;
	int report, fd;
	pid_t pid;

	deadline(30);
	set_body(SYS_getpid, 0, 0, 2);
	pid = start_tracee(body_calls, 0, &report);
	if (pid < 0)
		return;
	fd = utd_open();
	if (fd < 0 || attach(fd, pid, UTRACE_TEST_ABORT, 1, SYS_getpid, 4242) < 0)
		goto out;
	if (to_entry(pid, SYS_getpid) ||
	    resume(pid, PTRACE_SYSCALL, 0, "getpid 1 entry") ||
	    expect_stop(pid, ST_EXIT, SYS_getpid, "addr 0 at getpid 1", &s))
		goto out;
	CHECK(s.rval == 4242,
	      "the tracer inside an aborting engine saw getpid exit with %ld, wanted 4242 (it cannot make the call run)",
	      s.rval);
	if (resume(pid, PTRACE_SYSCALL, 0, "getpid 1 exit") ||
	    expect_stop(pid, ST_ENTRY, SYS_getpid, "getpid 2", NULL) ||
	    set_result(pid, 777) ||
	    resume(pid, PTRACE_SYSCALL, PTRACE_VM_SKIPCALL, "getpid 2 entry") ||
	    expect_stop(pid, ST_ENTRY, SYS_getppid, "SKIPCALL at getpid 2", NULL))
		goto out;
	if (finish_tracee(pid, report, &rep) == 0)
		CHECK(rep.ret[0] == 4242 && rep.ret[1] == 777,
		      "the tracee got getpid %ld and %ld, wanted the engine's 4242 then the tracer's 777",
		      rep.ret[0], rep.ret[1]);
	close(fd);
	return;
out:
	kill_tracee(pid, report);
	if (fd >= 0)
		close(fd);
}

/*
 * A skip is final (issue 16).  Order: a RUN engine (lets every call run)
 * attached first, the tracer after: the engine sits inside the tracer and
 * is called after its entry stop.  A call the tracer skips, with
 * PTRACE_VM_SKIPCALL or under PTRACE_SYSEMU, must not run all the same: a
 * ptrace sandbox, or a SYSEMU virtualizer such as UML, relies on it.
 * Before, the engine's run() undid the skip: getpid returned the pid.
 */
static void skip_is_final_against_a_run_engine_inside(void)
{
	struct report rep;
	int report, fd;
	pid_t pid;

	deadline(30);
	set_body(SYS_getpid, 0, 0, 2);
	pid = tracee_inside_engine(UTRACE_TEST_RUN, -1, 0, &report, &fd);
	if (pid < 0)
		return;
	/* getpid 1: SKIPCALL; getpid 2 runs, and SYSEMU takes the next call. */
	if (to_entry(pid, SYS_getpid) || set_result(pid, 4242) ||
	    resume(pid, PTRACE_SYSCALL, PTRACE_VM_SKIPCALL, "getpid 1 entry") ||
	    expect_stop(pid, ST_ENTRY, SYS_getpid, "SKIPCALL of getpid 1", NULL) ||
	    resume(pid, PTRACE_SYSEMU, 0, "getpid 2 entry") ||
	    expect_stop(pid, ST_ENTRY, SYS_getppid, "SYSEMU after getpid 2", NULL) ||
	    set_result(pid, 4343))
		goto out;
	if (finish_tracee(pid, report, &rep) == 0) {
		CHECK(rep.ret[0] == 4242,
		      "getpid skipped by SKIPCALL returned %ld (the engine inside ran it), wanted 4242",
		      rep.ret[0]);
		CHECK(rep.ret[1] == pid, "getpid 2 returned %ld, wanted %d", rep.ret[1], pid);
		CHECK(rep.marker[0] == 4343,
		      "getppid skipped under SYSEMU returned %ld (the engine inside ran it), wanted 4343",
		      rep.marker[0]);
	}
	close(fd);
	return;
out:
	kill_tracee(pid, report);
	if (fd >= 0)
		close(fd);
}

/*
 * A fatal signal that ends the tracer's entry stop skips the call too,
 * and the RUN engine inside the tracer must not run it on the way out:
 * the mkdir of a task SIGKILLed in its entry stop leaves no directory.
 */
static void sigkill_in_the_entry_stop_is_final(void)
{
	static const char dir[] = "/tmp/vm-killed-mkdir";
	int report, fd;
	pid_t pid;

	deadline(30);
	rmdir(dir);
	set_body(NR_MKDIR, (unsigned long)dir, 0700, 1);
	pid = tracee_inside_engine(UTRACE_TEST_RUN, -1, 0, &report, &fd);
	if (pid < 0)
		return;
	if (to_entry(pid, NR_MKDIR)) {
		kill_tracee(pid, report);
		goto out_fd;
	}
	kill_in_a_stop_before_mkdir(pid, report, dir, "entry stop");
out_fd:
	if (fd >= 0)
		close(fd);
}

/*
 * SKIPEXIT drops the syscall-exit stop, never a single-step trap (issue
 * 16).  From a stop that is not a syscall stop (here the tracee's
 * SIGSTOP), the tracer steps onto a syscall instruction, then over it
 * with SKIPEXIT in addr: the trap must come right after the instruction.
 * Before, the skip bit swallowed it, and the next trap came one
 * instruction later.
 */
static void skipexit_keeps_the_single_step_trap(void)
{
	tracee_regs regs;
	unsigned long sys_ip = 0;
	int report, st = 0, steps;
	pid_t pid;

	deadline(60);
	set_body(SYS_getpid, 0, 0, 1);
	pid = start_tracee(body_calls, 0, &report);
	if (pid < 0)
		return;
	for (steps = 0; steps < 20000; steps++) {
		long insn;

		if (regs_read(pid, &regs))
			break;
		errno = 0;
		insn = ptrace(PTRACE_PEEKTEXT, pid, regs_ip(&regs), 0);
		if (!errno && regs_is_syscall_insn(insn)) {
			sys_ip = regs_ip(&regs);
			break;
		}
		if (pt(PTRACE_SINGLESTEP, pid, 0, 0) || waitpid(pid, &st, 0) != pid ||
		    !WIFSTOPPED(st) || WSTOPSIG(st) != SIGTRAP)
			break;
	}
	CHECK(sys_ip, "no syscall instruction after %d steps (status %#x)", steps, st);
	if (!sys_ip) {
		kill_tracee(pid, report);
		return;
	}
	if (pt(PTRACE_SINGLESTEP, pid, PTRACE_VM_SKIPEXIT, 0) || waitpid(pid, &st, 0) != pid) {
		CHECK(0, "step over the syscall with SKIPEXIT: %s", strerror(errno));
		kill_tracee(pid, report);
		return;
	}
	CHECK(WIFSTOPPED(st) && WSTOPSIG(st) == SIGTRAP,
	      "after the step over the syscall: status %#x, wanted a SIGTRAP stop", st);
	if (WIFSTOPPED(st) && !regs_read(pid, &regs))
		CHECK(regs_ip(&regs) == sys_ip + SYSCALL_INSN_LEN,
		      "the step trap came at %#lx, wanted %#lx, right after the syscall instruction",
		      regs_ip(&regs), sys_ip + SYSCALL_INSN_LEN);
	kill_tracee(pid, report);
}

/*
 * Issue 16: View-OS (umview) finds the features with a behavioural probe,
 * not with PTRACE_SYSVM: a traced child makes getpid(); the tracer resumes
 * its entry stop with PTRACE_SYSCALL and addr 0x2 and expects the next stop
 * to be the entry of the following call (no exit stop: SKIPEXIT); resumes
 * that one with addr 0x6 and expects the call skipped (SKIPCALL); then
 * calls PTRACE_MULTI with a count of 0 and takes a non-negative result as
 * "MULTI present".  The probe, as umview makes it, must find all three.
 */
static void umview_style_probe_finds_sysvm_and_multi(void)
{
	struct report rep;
	int report, skipexit, skipcall, multi;
	long ret;
	pid_t pid;

	deadline(30);
	set_body(SYS_getpid, 0, 0, 2);
	pid = start_tracee(body_calls, 0, &report);
	if (pid < 0)
		return;
	if (to_entry(pid, SYS_getpid) || resume(pid, PTRACE_SYSCALL, 0x2, "probe: getpid 1"))
		goto out;
	skipexit = !expect_stop(pid, ST_ENTRY, SYS_getpid, "probe: addr 0x2 at getpid 1", NULL);
	if (!skipexit || resume(pid, PTRACE_SYSCALL, 0x6, "probe: getpid 2"))
		goto out;
	/* Skipped: the next stop is the next call's entry, and getpid failed. */
	skipcall = !expect_stop(pid, ST_ENTRY, SYS_getppid, "probe: addr 0x6 at getpid 2", NULL);
	errno = 0;
	ret = ptrace(PTRACE_MULTI, pid, NULL, 0);
	multi = ret >= 0;
	CHECK(multi, "probe: PTRACE_MULTI with count 0 returned %ld (%s)", ret, strerror(errno));
	if (!skipcall)
		goto out;
	/*
	 * The proposal's callers test any non-zero result as an error
	 * ("if (ptrace(PTRACE_MULTI, pid, req, 2)) ERROR"): a batch that
	 * succeeds returns 0.
	 */
	{
		tracee_regs regs = { 0 };
		struct iovec io;
		long nr = -1;
		struct ptrace_multi req[] = {
			regs_multi(&regs, &io, 0),
#if defined(__x86_64__)
			{ PTRACE_PEEKUSR, offsetof(struct user_regs_struct, orig_rax), &nr, 0 },
#endif
		};
		long n = sizeof(req) / sizeof(req[0]);

		errno = 0;
		ret = ptrace(PTRACE_MULTI, pid, req, n);
#if !defined(__x86_64__)
		/* arm64 keeps the number apart, and has no PTRACE_PEEKUSR. */
		regs_get_nr(pid, &nr);
#endif
		CHECK(ret == 0 && nr == SYS_getppid && regs_ip(&regs) != 0,
		      "a seed-style batch returned %ld (%s), the number %ld, wanted 0 and getppid",
		      ret, strerror(errno), nr);
	}
#if defined(__x86_64__)
	/* x86 enters every call with -ENOSYS in rax: a skip left it. */
	if (finish_tracee(pid, report, &rep) == 0)
		CHECK(rep.ret[0] == pid && rep.ret[1] == -1 && rep.err[1] == ENOSYS,
		      "probe: getpid returned %ld then %ld (%s), wanted %d then -1 ENOSYS",
		      rep.ret[0], rep.ret[1], strerror(rep.err[1]), pid);
#else
	/*
	 * arm64's result register is its first argument's: a call skipped
	 * with no result set returns that argument (0 here), as one a tracer
	 * skips by setting its number to -1.
	 */
	if (finish_tracee(pid, report, &rep) == 0)
		CHECK(rep.ret[0] == pid && rep.ret[1] == 0,
		      "probe: getpid returned %ld then %ld (%s), wanted %d then 0 (its argument)",
		      rep.ret[0], rep.ret[1], strerror(rep.err[1]), pid);
#endif
	return;
out:
	kill_tracee(pid, report);
}

KTAP_MAIN("guest_ptrace_vm",
	  KTAP_CASE(probe_returns_the_mask),
	  KTAP_CASE(umview_style_probe_finds_sysvm_and_multi),
	  KTAP_CASE(skipexit_runs_the_call_without_its_exit_stop),
	  KTAP_CASE(skipcall_gives_the_tracee_the_tracer_result),
	  KTAP_CASE(skipcall_leaves_no_trace_on_the_file_system),
	  KTAP_CASE(skip_bits_with_cont_singlestep_singleblock),
	  KTAP_CASE(addr_zero_one_and_other_bits_keep_their_meaning),
	  KTAP_CASE(bit_4_alone_is_einval_and_changes_nothing),
	  KTAP_CASE(skipcall_outside_an_entry_stop_does_nothing),
	  KTAP_CASE(skipcall_comes_before_seccomp),
	  KTAP_CASE(skip_bits_and_seccomp_ret_trace),
	  KTAP_CASE(seccomp_stop_comes_before_an_engine_inside),
	  KTAP_CASE(seccomp_stop_once_and_its_skip_with_an_engine_inside),
	  KTAP_CASE(seccomp_stop_comes_after_an_engine_outside),
	  KTAP_CASE(seccomp_judges_the_call_the_engines_leave),
	  KTAP_CASE(no_seccomp_stop_for_an_aborted_call),
	  KTAP_CASE(sigkill_in_the_seccomp_stop_is_final),
	  KTAP_CASE(detach_in_the_seccomp_stop_runs_the_call),
	  KTAP_CASE(seccomp_stop_once_across_a_repeated_round),
	  KTAP_CASE(engine_inside_the_tracer),
	  KTAP_CASE(an_engine_inside_keeps_the_tracers_first_argument),
	  KTAP_CASE(engine_outside_the_tracer),
	  KTAP_CASE(abort_engine_inside_the_tracer),
	  KTAP_CASE(skip_is_final_against_a_run_engine_inside),
	  KTAP_CASE(sigkill_in_the_entry_stop_is_final),
	  KTAP_CASE(skipexit_keeps_the_single_step_trap),
	  KTAP_CASE(abort_engine_outside_the_tracer))
