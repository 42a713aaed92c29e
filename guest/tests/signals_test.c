// SPDX-License-Identifier: GPL-2.0
/*
 * signals_test - the signal, job-control and reap events of engine-core.
 *
 * Test engines of /dev/utrace-test (uapi/linux/utrace_test.h) watch a
 * child's signals and choose what it does with them: deliver, ignore,
 * terminate, dump core, stop, or hold; the parent checks the engines'
 * logs, the child's own view (did its handler run?) and wait()'s status.
 */
#include <pthread.h>
#include <sched.h>
#include <stddef.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include "ktap.h"
#include "ptrace.h"
#include "utrace_test_dev.h"
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <linux/utrace.h>

#define SIG_EV UTRACE_TEST_EVENT_SIGNAL_ALL
#define SIDE_SIGNAL UTRACE_TEST_SIDE_SIGNAL
#define SIDE_JCTL UTRACE_TEST_SIDE_JCTL
#define SIDE_REAP UTRACE_TEST_SIDE_REAP

/* Set by the child's SIGUSR1 handler; the child exits with it. */
static volatile sig_atomic_t handled;

static void on_usr1(int sig)
{
	(void)sig;
	handled = 1;
}

/*
 * The child: SIGUSR1 has a handler, SIGUSR2 is ignored.  It waits for
 * the go-ahead, signals itself with @sig (so the signal is taken before
 * it exits), then exits with 10 + handled.
 */
static int self_signal;

static void signal_self_then_exit(void)
{
	signal(SIGUSR1, on_usr1);
	signal(SIGUSR2, SIG_IGN);
	syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), self_signal);
	_exit(10 + handled);
}

/* A signal engine acting on @signo with @value (UTRACE_TEST_SIGNAL_*). */
static int signal_engine(int fd, pid_t pid, unsigned int id, int signo,
			 unsigned int value, unsigned int arg)
{
	struct utrace_test_attach a = {
		.pid = pid, .kind = UTRACE_TEST_SIGNAL, .events = SIG_EV,
		.id = id, .nr = signo, .value = value, .arg = arg,
	};

	return utd_attach(fd, a);
}

/* Runs the child with @sig under engines set up by @setup; its status. */
static int run_child(int sig, int fd, void (*setup)(int fd, pid_t pid))
{
	int go[2];
	pid_t pid;

	self_signal = sig;
	pid = utd_held_child(go, signal_self_then_exit);
	setup(fd, pid);
	return utd_release_and_wait(go, pid);
}

static void record_only(int fd, pid_t pid)
{
	utd_attach_simple(fd, pid, UTRACE_TEST_RECORD, SIG_EV, 1, 0);
}

/*
 * Each signal is reported under the class of what the task's sigaction
 * would do, with its si_code; an ignored signal is kept for the engine.
 */
static void signals_reported_by_class(void)
{
	static const struct {
		int sig;
		unsigned int class;
		int status;
	} cases[] = {
		{ SIGUSR1, UTRACE_TEST_EVENT_SIGNAL, 11 << 8 },
		{ SIGUSR2, UTRACE_TEST_EVENT_SIGNAL_IGN, 10 << 8 },
		{ SIGTERM, UTRACE_TEST_EVENT_SIGNAL_TERM, SIGTERM },
	};

	for (unsigned int i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct utrace_test_record r[8];
		int fd = utd_open(), status, n;

		status = run_child(cases[i].sig, fd, record_only);
		CHECK(status == cases[i].status, "signal %d: status %#x, wanted %#x",
		      cases[i].sig, status, cases[i].status);
		n = utd_read(fd, r, 8);
		CHECK(n == 1, "signal %d: %d records", cases[i].sig, n);
		if (n == 1)
			CHECK(r[0].side == SIDE_SIGNAL && r[0].nr == cases[i].sig &&
			      (long long)r[0].args[0] == SI_TKILL &&
			      r[0].args[1] == cases[i].class && r[0].args[2] == 0,
			      "signal %d: side %u nr %lld code %lld class %#llx before %#llx",
			      cases[i].sig, r[0].side, (long long)r[0].nr,
			      (long long)r[0].args[0], (unsigned long long)r[0].args[1],
			      (unsigned long long)r[0].args[2]);
		close(fd);
	}
}

static void ignore_usr1(int fd, pid_t pid)
{
	signal_engine(fd, pid, 1, SIGUSR1, UTRACE_TEST_SIGNAL_IGN, 0);
}

static void ignore_term(int fd, pid_t pid)
{
	signal_engine(fd, pid, 1, SIGTERM, UTRACE_TEST_SIGNAL_IGN, 0);
}

static void terminate_usr1(int fd, pid_t pid)
{
	signal_engine(fd, pid, 1, SIGUSR1, UTRACE_TEST_SIGNAL_TERM, 0);
}

/* Ignore drops a handled and a fatal signal; terminate beats a handler. */
static void ignore_and_terminate(void)
{
	int fd = utd_open(), status;

	status = run_child(SIGUSR1, fd, ignore_usr1);
	CHECK(status == 10 << 8, "ignored SIGUSR1: status %#x, wanted exit 10 (no handler)",
	      status);
	status = run_child(SIGTERM, fd, ignore_term);
	CHECK(status == 10 << 8, "ignored SIGTERM: status %#x, wanted exit 10", status);
	status = run_child(SIGUSR1, fd, terminate_usr1);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGUSR1 && !WCOREDUMP(status),
	      "terminated SIGUSR1: status %#x, wanted killed by SIGUSR1, no core", status);
	close(fd);
}

static void core_usr1(int fd, pid_t pid)
{
	signal_engine(fd, pid, 1, SIGUSR1, UTRACE_TEST_SIGNAL_CORE, 0);
}

static void dump_core_in_tmp(void)
{
	struct rlimit rl = { RLIM_INFINITY, RLIM_INFINITY };

	setrlimit(RLIMIT_CORE, &rl);
	if (chdir("/tmp"))
		_exit(99);
	signal_self_then_exit();
}

/* Core dump: the process dies of the signal, and its core is written. */
static void core_dump_chosen(void)
{
	int fd = utd_open(), go[2], status;
	struct stat st;
	pid_t pid;

	mkdir("/tmp", 0777);
	unlink("/tmp/core");
	self_signal = SIGUSR1;
	pid = utd_held_child(go, dump_core_in_tmp);
	core_usr1(fd, pid);
	status = utd_release_and_wait(go, pid);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGUSR1 && WCOREDUMP(status),
	      "status %#x, wanted killed by SIGUSR1 with a core", status);
	CHECK(stat("/tmp/core", &st) == 0 && st.st_size > 0, "no /tmp/core: %s",
	      strerror(errno));
	unlink("/tmp/core");
	close(fd);
}

/* The child tells the parent on this pipe that its handler is in place. */
static int ready[2];

/* The child for the later cases: a handler, then wait for signals. */
static void handle_usr1_and_wait(void)
{
	signal(SIGUSR1, on_usr1);
	if (write(ready[1], "r", 1) != 1)
		_exit(97);
	for (int i = 0; i < 2000 && !handled; i++)
		usleep(1000);
	_exit(10 + handled);
}

/* Forks handle_usr1_and_wait(); attach, then call go_and_wait_ready(). */
static pid_t handler_child(int go[2])
{
	CHECK(pipe(ready) == 0, "pipe");
	return utd_held_child(go, handle_usr1_and_wait);
}

static void go_and_wait_ready(int go[2])
{
	char c;

	utd_release(go);
	close(ready[1]);
	CHECK(read(ready[0], &c, 1) == 1, "the child did not get ready");
	close(ready[0]);
}

/*
 * Stop: the thread group stops as for SIGSTOP, with SIGUSR1 as its stop
 * signal; job-control engines hear it stop and continue.
 */
static void stop_chosen_and_job_control(void)
{
	struct utrace_test_record r[8];
	int fd = utd_open(), go[2], status = 0, n;
	pid_t pid = handler_child(go);

	signal_engine(fd, pid, 1, SIGUSR1, UTRACE_TEST_SIGNAL_STOP, 2);
	utd_attach_simple(fd, pid, UTRACE_TEST_RECORD, UTRACE_TEST_EVENT_JCTL, 2, 0);
	go_and_wait_ready(go);
	kill(pid, SIGUSR1);
	CHECK(waitpid(pid, &status, WUNTRACED) == pid, "waitpid: %s", strerror(errno));
	CHECK(WIFSTOPPED(status) && WSTOPSIG(status) == SIGUSR1, "status %#x, wanted stopped",
	      status);
	kill(pid, SIGCONT);
	/* The engine stopped it once: the next SIGUSR1 runs the handler. */
	kill(pid, SIGUSR1);
	CHECK(waitpid(pid, &status, 0) == pid, "waitpid: %s", strerror(errno));
	CHECK(status == 11 << 8, "status %#x, wanted exit 11 (handled after SIGCONT)", status);
	n = utd_read(fd, r, 8);
	/* 1: SIGUSR1, 2: stopping, 2: continued, 1: SIGUSR1 (1 logs no SIGCONT). */
	CHECK(n == 4, "%d records", n);
	if (n == 4) {
		CHECK(r[1].id == 2 && r[1].side == SIDE_JCTL && r[1].nr == 0,
		      "record 1: id %u side %u nr %lld, wanted a stop", r[1].id, r[1].side,
		      (long long)r[1].nr);
		CHECK(r[2].id == 2 && r[2].side == SIDE_JCTL && r[2].nr == 1,
		      "record 2: id %u side %u nr %lld, wanted a continue", r[2].id,
		      r[2].side, (long long)r[2].nr);
	}
	close(fd);
}

static void ignore_then_deliver(int fd, pid_t pid)
{
	signal_engine(fd, pid, 1, SIGUSR1, UTRACE_TEST_SIGNAL_IGN, 0);
	signal_engine(fd, pid, 2, SIGUSR1, UTRACE_TEST_SIGNAL_DELIVER, 0);
}

/* In attach order, each engine sees the previous choice; the last decides. */
static void last_engine_decides(void)
{
	struct utrace_test_record r[8];
	int fd = utd_open(), status, n;

	status = run_child(SIGUSR1, fd, ignore_then_deliver);
	CHECK(status == 11 << 8, "status %#x, wanted exit 11 (the handler ran)", status);
	n = utd_read(fd, r, 8);
	CHECK(n == 2, "%d records", n);
	if (n == 2)
		CHECK(r[0].id == 1 && r[0].args[2] == UTRACE_TEST_SIGNAL_DELIVER &&
		      r[1].id == 2 && r[1].args[2] == UTRACE_TEST_SIGNAL_IGN,
		      "engine %u saw %#llx, engine %u saw %#llx", r[0].id,
		      (unsigned long long)r[0].args[2], r[1].id,
		      (unsigned long long)r[1].args[2]);
	close(fd);
}

/*
 * Hold: the child stops with the signal put back; once the engine
 * resumes it, the signal is reported anew and delivered.
 */
static void held_signal_waits_for_resume(void)
{
	struct utrace_test_record r[8];
	int fd = utd_open(), go[2], status = 0, n, slot, stopped = 0;
	pid_t pid = handler_child(go);

	/* Once: the repeated report lets the signal go. */
	slot = signal_engine(fd, pid, 1, SIGUSR1,
			     UTRACE_TEST_SIGNAL_DELIVER | UTRACE_TEST_SIGNAL_HOLD, 2);
	go_and_wait_ready(go);
	kill(pid, SIGUSR1);
	for (int i = 0; i < 5000 && !stopped; i++) {
		stopped = ioctl(fd, UTRACE_TEST_STOPPED, slot);
		if (!stopped)
			usleep(1000);
	}
	CHECK(stopped == 1, "the child did not stop on its held signal");
	CHECK(waitpid(pid, &status, WNOHANG) == 0, "the child ended while held: %#x",
	      status);
	CHECK(ioctl(fd, UTRACE_TEST_RESUME, slot) == 0, "resume: %s", strerror(errno));
	CHECK(waitpid(pid, &status, 0) == pid, "waitpid");
	CHECK(status == 11 << 8, "status %#x, wanted exit 11 (delivered after resume)",
	      status);
	n = utd_read(fd, r, 8);
	CHECK(n == 2, "%d records, wanted the signal twice", n);
	if (n == 2)
		CHECK(r[0].nr == SIGUSR1 && r[1].nr == SIGUSR1, "signals %lld %lld",
		      (long long)r[0].nr, (long long)r[1].nr);
	close(fd);
}

static void exit_now(void)
{
	_exit(3);
}

/*
 * Reap: an engine that asked for it stays past the death report until the
 * parent's wait() reaps the child; one detached after the death hears
 * nothing more, and one that did not ask is gone at the death.
 */
static void reap_follows_death(void)
{
	for (int detach_first = 0; detach_first < 2; detach_first++) {
		struct utrace_test_record r[8];
		int fd = utd_open(), go[2], status, n = 0, plain;
		pid_t pid = utd_held_child(go, exit_now);
		siginfo_t si;

		utd_attach_simple(fd, pid, UTRACE_TEST_RECORD,
				  UTRACE_TEST_EVENT_DEATH | UTRACE_TEST_EVENT_REAP, 1, 0);
		plain = utd_attach_simple(fd, pid, UTRACE_TEST_RECORD,
					  UTRACE_TEST_EVENT_DEATH, 2, 0);
		utd_release(go);
		/* A zombie now, not reaped: wait without reaping. */
		CHECK(waitid(P_PID, pid, &si, WEXITED | WNOWAIT) == 0, "waitid: %s",
		      strerror(errno));
		for (int i = 0; i < 5000 && n < 2; i++) {
			int got = utd_read(fd, r + n, 8 - n);

			n += got > 0 ? got : 0;
			if (n < 2)
				usleep(1000);
		}
		CHECK(n == 2 && r[0].side == UTRACE_TEST_SIDE_DEATH &&
		      r[1].side == UTRACE_TEST_SIDE_DEATH, "%d death records", n);
		CHECK_ERRNO(ioctl(fd, UTRACE_TEST_DETACH, plain), ESRCH);
		if (detach_first)
			CHECK(ioctl(fd, UTRACE_TEST_DETACH, 0) == 0,
			      "detach before the reap: %s", strerror(errno));
		/* Detached, or its task dead: no stop either way. */
		CHECK_ERRNO(ioctl(fd, UTRACE_TEST_STOP_TASK, 0), ESRCH);
		CHECK(waitpid(pid, &status, 0) == pid && status == 3 << 8,
		      "status %#x", status);
		n = utd_read(fd, r, 8);
		if (detach_first) {
			CHECK(n == 0, "%d records after a detach", n);
		} else {
			CHECK(n == 1 && r[0].id == 1 && r[0].side == SIDE_REAP &&
			      r[0].nr == pid, "%d records; reap of %lld, wanted %d", n,
			      n > 0 ? (long long)r[0].nr : -1LL, pid);
			CHECK_ERRNO(ioctl(fd, UTRACE_TEST_DETACH, 0), ESRCH);
		}
		close(fd);
	}
}

static volatile pid_t thread_tid;

static void *thread_waits(void *arg)
{
	(void)arg;
	thread_tid = syscall(SYS_gettid);
	for (int i = 0; i < 2000 && !handled; i++)
		usleep(1000);
	return NULL;
}

/* The child: a thread of it takes SIGUSR1; it exits 10 + handled. */
static void thread_takes_the_signal(void)
{
	pthread_t t;

	signal(SIGUSR1, on_usr1);
	if (pthread_create(&t, NULL, thread_waits, NULL))
		_exit(98);
	while (!thread_tid)
		sched_yield();
	syscall(SYS_tgkill, getpid(), thread_tid, SIGUSR1);
	pthread_join(t, NULL);
	_exit(10 + handled);
}

/* An inherited engine follows a new thread and sees the signal it takes. */
static void thread_signal_seen_by_inherited_engine(void)
{
	struct utrace_test_record r[8];
	int fd = utd_open(), go[2], status, n;
	pid_t pid = utd_held_child(go, thread_takes_the_signal);
	struct utrace_test_attach a = {
		.pid = pid, .kind = UTRACE_TEST_SIGNAL, .events = SIG_EV, .id = 1,
		.nr = SIGUSR1, .value = UTRACE_TEST_SIGNAL_DELIVER,
		.flags = UTRACE_TEST_INHERIT,
	};

	utd_attach(fd, a);
	status = utd_release_and_wait(go, pid);
	CHECK(status == 11 << 8, "status %#x, wanted exit 11", status);
	n = utd_read(fd, r, 8);
	CHECK(n == 1 && r[0].nr == SIGUSR1 && (long long)r[0].args[0] == SI_TKILL,
	      "%d records, wanted the thread's SIGUSR1", n);
	close(fd);
}

/*
 * The tracer's signal stop takes its attach place among the engines: an
 * engine attached before the tracer sits inside it and sees a signal
 * first; if it drops the signal, the tracer never sees it.  An engine
 * attached after the tracer sees only what the tracer let through.
 */
static void tracer_signal_stop_in_attach_order(void)
{
	for (int tracer_first = 0; tracer_first < 2; tracer_first++) {
		int fd = utd_open(), go[2], status = 0, saw_usr1 = 0;
		pid_t pid = handler_child(go);

		if (tracer_first)
			CHECK(ptrace(PTRACE_SEIZE, pid, 0, 0) == 0, "seize: %s", strerror(errno));
		signal_engine(fd, pid, 1, SIGUSR1, UTRACE_TEST_SIGNAL_IGN, 0);
		if (!tracer_first)
			CHECK(ptrace(PTRACE_SEIZE, pid, 0, 0) == 0, "seize: %s", strerror(errno));
		go_and_wait_ready(go);
		kill(pid, SIGUSR1);
		/* Pass every signal the tracer stops on through, until the end. */
		while (waitpid(pid, &status, 0) == pid && WIFSTOPPED(status)) {
			int sig = WSTOPSIG(status);

			saw_usr1 |= sig == SIGUSR1;
			ptrace(PTRACE_CONT, pid, 0, sig);
		}
		/* The engine dropped it either way: the handler never ran. */
		CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 10,
		      "tracer %s: status %#x, wanted exit 10", tracer_first ? "first" : "last",
		      status);
		CHECK(saw_usr1 == tracer_first, "tracer attached %s %s SIGUSR1",
		      tracer_first ? "first" : "last", saw_usr1 ? "saw" : "did not see");
		close(fd);
	}
}

/*
 * Issue 16: do_signal_stop() drops siglock while the engines hear of the
 * group stop.  A tracer that seizes the task in that window must still get
 * the stop (as PTRACE_EVENT_STOP).  Before, the task stopped as an
 * untraced one, and the tracer's waitpid saw nothing until a SIGCONT.  The
 * engine dwells 100 ms in its job-control report; the tracer seizes as
 * soon as the report is logged.
 */
static void sleep_forever(void)
{
	for (;;)
		pause();
}

static void seize_during_the_job_control_report(void)
{
	struct utrace_test_record r[8];
	int fd = utd_open(), go[2], st = 0, in_report = 0, stopped = 0;
	pid_t pid = utd_held_child(go, sleep_forever);

	utd_attach_simple(fd, pid, UTRACE_TEST_DWELL, UTRACE_TEST_EVENT_JCTL, 1, 100000);
	utd_release(go);
	utd_msleep(50);
	kill(pid, SIGSTOP);
	for (int i = 0; i < 2000 && !in_report; i++) {
		int n = utd_read(fd, r, 8);

		for (int k = 0; k < n; k++)
			in_report |= r[k].side == UTRACE_TEST_SIDE_JCTL && r[k].nr == 0;
		if (!in_report)
			usleep(200);
	}
	CHECK(in_report, "no job-control report");
	CHECK(ptrace(PTRACE_SEIZE, pid, 0, 0) == 0, "seize: %s", strerror(errno));
	for (int i = 0; i < 300 && !stopped; i++) {
		pid_t w = waitpid(pid, &st, WNOHANG | __WALL);

		stopped = w == pid && WIFSTOPPED(st);
		if (!stopped)
			utd_msleep(10);
	}
	CHECK(stopped && st >> 16 == PTRACE_EVENT_STOP,
	      "the tracer that seized during the job-control report saw no stop (status %#x)",
	      st);
	kill(pid, SIGKILL);
	waitpid(pid, &st, __WALL);
	close(fd);
}

/* The listener of the child's seccomp filter, and the go-ahead for its call. */
static struct {
	volatile int listener;
	volatile int go;
} *notif;

/* Maps the shared flags (once) and clears them; 0 if that failed. */
static int notif_init(void)
{
	if (!notif)
		notif = mmap(NULL, sizeof(*notif), PROT_READ | PROT_WRITE,
			     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (notif == MAP_FAILED) {
		notif = NULL;
		CHECK(0, "mmap: %s", strerror(errno));
		return 0;
	}
	notif->listener = -1;
	notif->go = 0;
	return 1;
}

/*
 * The child: a seccomp filter hands its getppid() to a listener
 * (SECCOMP_RET_USER_NOTIF) whose wait, once the listener has received the
 * notification, only a fatal signal ends (WAIT_KILLABLE_RECV).
 */
static void getppid_through_a_listener(void)
{
	struct sock_filter insns[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getppid, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = 4, .filter = insns };
	int fd;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		_exit(101);
	fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
		     SECCOMP_FILTER_FLAG_NEW_LISTENER | SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV,
		     &prog);
	if (fd < 0)
		_exit(102);
	notif->listener = fd;
	while (!notif->go)
		usleep(1000);
	syscall(SYS_getppid);
	_exit(0);
}

enum watcher { NO_ENGINE, STRACE_ENGINE, OBSERVER, INTERCEPTOR };

/*
 * SIGTERM to a child in a killable wait (its getppid() held by a seccomp
 * listener that received it: the wait turns killable at its first wakeup),
 * with @who attached to it, after a SIGURG it ignores (which, queued
 * rather than dropped, would make the kernel skip the fatal short cut).  Returns 1 if it died of SIGTERM at once (within
 * 5 s), 0 if it was still waiting after 1 s and died of SIGTERM once its
 * call was answered; -1 otherwise.
 */
static int sigterm_in_a_killable_wait(enum watcher who)
{
	struct seccomp_notif req;
	struct seccomp_notif_resp resp;
	int fd = -1, go[2], pidfd = -1, listener = -1, status = -1, ret = -1, dead = 0;
	double t0;
	pid_t pid;

	if (!notif_init())
		return -1;
	pid = utd_held_child(go, getppid_through_a_listener);
	CHECK(pid > 0, "fork");
	if (pid <= 0)
		return -1;
	if (who == STRACE_ENGINE) {
		struct utrace_strace_attach a = { .pid = pid };

		fd = open("/dev/utrace", O_RDWR | O_CLOEXEC);
		CHECK(fd >= 0 && ioctl(fd, UTRACE_ATTACH_STRACE, &a) >= 0, "strace engine: %s",
		      strerror(errno));
	} else if (who != NO_ENGINE) {
		/*
		 * The interceptor asks for fatal signals only: a queued SIGURG
		 * would take the short cut away by itself (TIF_SIGPENDING).
		 */
		unsigned int events = who == OBSERVER ? SIG_EV | UTRACE_TEST_EVENT_SIGNAL_OBSERVE :
							UTRACE_TEST_EVENT_SIGNAL_TERM;

		fd = utd_open();
		utd_attach_simple(fd, pid, UTRACE_TEST_RECORD, events, 1, 0);
	}
	utd_release(go);
	for (int i = 0; i < 5000 && notif->listener < 0; i++)
		usleep(1000);
	CHECK(notif->listener >= 0, "the child made no listener");
	pidfd = syscall(SYS_pidfd_open, pid, 0);
	if (pidfd >= 0)
		listener = syscall(SYS_pidfd_getfd, pidfd, notif->listener, 0);
	CHECK(listener >= 0, "the child's listener: %s", strerror(errno));
	if (listener < 0)
		goto out;
	notif->go = 1;
	memset(&req, 0, sizeof(req));
	CHECK(ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, &req) == 0, "NOTIF_RECV: %s",
	      strerror(errno));
	CHECK(kill(pid, SIGURG) == 0, "kill");
	utd_msleep(100);
	CHECK(kill(pid, SIGTERM) == 0, "kill");
	/* Dead within 5 s (at once); an interceptor's child is given 1 s. */
	t0 = utd_now();
	while (!dead && utd_now() - t0 < (who == INTERCEPTOR ? 1.0 : 5.0)) {
		dead = waitpid(pid, &status, WNOHANG) == pid;
		if (!dead)
			usleep(1000);
	}
	if (dead) {
		ret = WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM ? 1 : -1;
		goto out;
	}
	memset(&resp, 0, sizeof(resp));
	resp.id = req.id;
	resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
	CHECK(ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp) == 0, "NOTIF_SEND: %s",
	      strerror(errno));
	dead = waitpid(pid, &status, 0) == pid;
	CHECK(dead, "waitpid");
	ret = WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM ? 0 : -1;
out:
	if (ret < 0)
		KTAP_DIAG("watcher %d: status %#x, %s", who, status,
			  dead ? "dead" : "not dead");
	if (ret < 0 && !dead) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
	}
	if (listener >= 0)
		close(listener);
	if (pidfd >= 0)
		close(pidfd);
	if (fd >= 0)
		close(fd);
	return ret;
}

/*
 * A fatal signal kills a task in a killable wait at once, as without
 * engines, when its engines only observe signals: the strace engine, or
 * a test engine with UTRACE_TEST_EVENT_SIGNAL_OBSERVE (an ignored signal
 * sent first is dropped, as without engines).  Only an engine that
 * intercepts signals takes the kernel's short cuts away (as ptrace does):
 * the task then sleeps on until its call is answered, and dies of the
 * signal after its engines heard of it.
 */
static void only_an_intercepting_engine_delays_a_fatal_signal(void)
{
	int r;

	CHECK((r = sigterm_in_a_killable_wait(NO_ENGINE)) == 1, "no engine: %d", r);
	CHECK((r = sigterm_in_a_killable_wait(STRACE_ENGINE)) == 1,
	      "the strace engine kept SIGTERM from ending the wait: %d", r);
	CHECK((r = sigterm_in_a_killable_wait(OBSERVER)) == 1,
	      "an observing engine kept SIGTERM from ending the wait: %d", r);
	CHECK((r = sigterm_in_a_killable_wait(INTERCEPTOR)) == 0,
	      "an intercepting engine: %d (1: the short cut was kept)", r);
}

static int blocked_signal;

/*
 * The child: blocked_signal blocked, it says so (notif->listener = 1),
 * waits for the go-ahead (the parent sent the signal meanwhile), unblocks
 * it, and exits 0 if it survives.
 */
static void blocked_then_unblocked(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, blocked_signal);
	sigprocmask(SIG_BLOCK, &set, NULL);
	notif->listener = 1;
	while (!notif->go)
		usleep(1000);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	_exit(0);
}

/*
 * An engine that observes the signals the kernel's short cuts decide about
 * hears of one the task dequeues (blocked when it was sent), but cannot
 * drop, hold or stop for it: an observed SIGTERM kills the task whatever
 * the observer answers, and an observed SIGURG it holds is simply ignored
 * (held, it would be queued again, dropped by the short cut, and leave the
 * task stopped for good).  An engine that intercepts SIGTERM can drop it.
 */
static void an_observer_cannot_change_a_signal_it_observes(void)
{
	static const struct {
		const char *name;
		int sig, observe;
		unsigned int value, arg;
		int term;	/* dies of SIGTERM; else exits 0 */
	} cases[] = {
		{ "observer drops SIGTERM", SIGTERM, 1, UTRACE_TEST_SIGNAL_IGN, 0, 1 },
		{ "observer stops for SIGTERM", SIGTERM, 1, UTRACE_TEST_SIGNAL_DELIVER, 1, 1 },
		{ "observer holds SIGURG", SIGURG, 1, UTRACE_TEST_SIGNAL_HOLD, 0, 0 },
		{ "interceptor drops SIGTERM", SIGTERM, 0, UTRACE_TEST_SIGNAL_IGN, 0, 0 },
	};

	for (unsigned int c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct utrace_test_attach a = {
			.kind = UTRACE_TEST_SIGNAL,
			.events = SIG_EV | (cases[c].observe ? UTRACE_TEST_EVENT_SIGNAL_OBSERVE : 0),
			.id = 1, .nr = cases[c].sig, .value = cases[c].value, .arg = cases[c].arg,
		};
		struct utrace_test_record r[8];
		int fd, go[2], status = -1, n, dead = 0;
		double t0;
		pid_t pid;

		if (!notif_init())
			return;
		blocked_signal = cases[c].sig;
		fd = utd_open();
		pid = utd_held_child(go, blocked_then_unblocked);
		CHECK(pid > 0, "fork");
		if (pid <= 0)
			return;
		a.pid = pid;
		utd_attach(fd, a);
		utd_release(go);
		for (int i = 0; i < 5000 && notif->listener != 1; i++)
			usleep(1000);
		CHECK(notif->listener == 1, "%s: the child did not block its signal", cases[c].name);
		CHECK(kill(pid, cases[c].sig) == 0, "kill");
		notif->go = 1;
		for (t0 = utd_now(); !dead && utd_now() - t0 < 5.0; usleep(1000))
			dead = waitpid(pid, &status, WNOHANG) == pid;
		if (!dead) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
		}
		n = utd_read(fd, r, 8);
		CHECK(n >= 1 && r[0].side == SIDE_SIGNAL && r[0].nr == cases[c].sig,
		      "%s: the engine did not hear of the dequeued signal (%d records)",
		      cases[c].name, n);
		if (cases[c].term)
			CHECK(dead && WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM,
			      "%s: status %#x%s", cases[c].name, status, dead ? "" : ", still alive");
		else
			CHECK(dead && WIFEXITED(status) && WEXITSTATUS(status) == 0,
			      "%s: status %#x%s", cases[c].name, status, dead ? "" : ", still alive");
		close(fd);
	}
}

/* Bad signal engine settings are refused whole. */
static void bad_signal_settings_refused(void)
{
	int fd = utd_open();
	struct utrace_test_attach a = {
		.pid = 0, .kind = UTRACE_TEST_SIGNAL, .events = SIG_EV, .id = 1, .nr = -1,
	};

	a.value = 0x50; /* utrace's TSTP: not offered */
	CHECK_ERRNO(ioctl(fd, UTRACE_TEST_ATTACH, &a), EINVAL);
	a.value = 0x200;
	CHECK_ERRNO(ioctl(fd, UTRACE_TEST_ATTACH, &a), EINVAL);
	a.value = 0;
	a.arg = 8;	/* bits 0..2 only */
	CHECK_ERRNO(ioctl(fd, UTRACE_TEST_ATTACH, &a), EINVAL);
	a.arg = 0;
	a.events = 1U << 20;	/* no such event */
	CHECK_ERRNO(ioctl(fd, UTRACE_TEST_ATTACH, &a), EINVAL);
	close(fd);
}

static volatile sig_atomic_t chld_code;

static void pause_loop(void)
{
	for (;;)
		pause();
}

static void on_chld(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	chld_code = si->si_code;
}

/*
 * A SIGCONT that comes while the engines hear of a group stop cancels the
 * stop: the engines hear that the task goes on, and the parent hears of
 * the stop that was cut short (SIGCHLD, CLD_STOPPED), as without engines.
 */
static void sigcont_during_the_stop_report(void)
{
	struct sigaction sa = { .sa_sigaction = on_chld, .sa_flags = SA_SIGINFO }, old;
	struct utrace_test_record r[4];
	int go[2], fd = utd_open(), n = 0;
	pid_t pid = utd_held_child(go, pause_loop);

	sigaction(SIGCHLD, &sa, &old);
	chld_code = 0;
	if (utd_attach_simple(fd, pid, UTRACE_TEST_DWELL, UTRACE_TEST_EVENT_JCTL, 1,
			      100000) < 0)
		goto out;
	utd_release(go);
	utd_msleep(50);
	kill(pid, SIGSTOP);
	/* The stopping record is logged before the engine dwells 100 ms. */
	for (int i = 0; i < 100 && n == 0; i++) {
		n = utd_read(fd, r, 4);
		if (n == 0)
			utd_msleep(5);
	}
	CHECK(n == 1 && r[0].nr == 0, "%d records, wanted stopping", n);
	kill(pid, SIGCONT);
	for (int i = 0; i < 100 && n < 2; i++) {
		int got = utd_read(fd, r + n, 4 - n);

		n += got > 0 ? got : 0;
		if (n < 2)
			utd_msleep(10);
	}
	CHECK(n == 2 && r[1].nr == 1, "%d records, wanted stopping then continued", n);
	for (int i = 0; i < 100 && !chld_code; i++)
		utd_msleep(10);
	CHECK(chld_code == CLD_STOPPED,
	      "the parent got SIGCHLD code %d, wanted CLD_STOPPED for the stop the SIGCONT cut short",
	      (int)chld_code);
out:
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	sigaction(SIGCHLD, &old, NULL);
	close(fd);
}

KTAP_MAIN("guest_signals",
	  KTAP_CASE(signals_reported_by_class),
	  KTAP_CASE(ignore_and_terminate),
	  KTAP_CASE(core_dump_chosen),
	  KTAP_CASE(stop_chosen_and_job_control),
	  KTAP_CASE(last_engine_decides),
	  KTAP_CASE(held_signal_waits_for_resume),
	  KTAP_CASE(reap_follows_death),
	  KTAP_CASE(thread_signal_seen_by_inherited_engine),
	  KTAP_CASE(tracer_signal_stop_in_attach_order),
	  KTAP_CASE(seize_during_the_job_control_report),
	  KTAP_CASE(sigcont_during_the_stop_report),
	  KTAP_CASE(only_an_intercepting_engine_delays_a_fatal_signal),
	  KTAP_CASE(an_observer_cannot_change_a_signal_it_observes),
	  KTAP_CASE(bad_signal_settings_refused))
