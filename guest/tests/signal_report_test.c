// SPDX-License-Identifier: GPL-2.0
/*
 * signal_report_test - signals the engines make up, and handlers they
 * choose: utrace's UTRACE_SIGNAL_REPORT and report_signal's return_ka.
 *
 * Test engines of /dev/utrace-test (uapi/linux/utrace_test.h):
 *
 *  - UTRACE_TEST_MAKE_UP engines, with UTRACE_TEST_EVENT_SIGNAL_REPORT,
 *    make up a signal in the report with no signal that follows a quiesce
 *    report (UTRACE_TEST_INTERRUPT).  A made-up signal is never queued: it
 *    is taken at once, whatever the task blocks, and left nowhere.
 *  - UTRACE_TEST_HANDLER engines deliver a signal with another handler
 *    than the task's (SIG_IGN, SIG_DFL, or a function of the task), and
 *    leave the task's own sigaction as it was.
 *
 * The child is a fork of this program: what its handlers saw is written
 * to a shared page; the parent checks it, the engines' logs and wait()'s
 * status.
 */
#define _GNU_SOURCE
#include <poll.h>
#include <pthread.h>
#include <ucontext.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <linux/io_uring.h>
#include "ktap.h"
#include "ptrace.h"
#include "utrace_test_dev.h"

#define QUIESCE UTRACE_TEST_EVENT_QUIESCE
#define SIG_REPORT UTRACE_TEST_EVENT_SIGNAL_REPORT
#define SIDE_SIGNAL UTRACE_TEST_SIDE_SIGNAL
#define SIDE_SIGNAL_REPORT UTRACE_TEST_SIDE_SIGNAL_REPORT
#define DELIVER UTRACE_TEST_SIGNAL_DELIVER
#define IGN UTRACE_TEST_SIGNAL_IGN
#define TERM UTRACE_TEST_SIGNAL_TERM

/* The handler values of UTRACE_TEST_HANDLER and of SIGNAL records' args[3]. */
#define H_DFL 0
#define H_IGN 1

/* What the child saw, on a page it shares with the parent. */
static struct observed {
	int runs;		/* calls of its own SIGUSR1 handler */
	int signo, code;	/* the siginfo of the last one (SA_SIGINFO) */
	int alt_runs;		/* calls of alt_handler() */
	int alt_signo;		/* its argument */
	int read_ret, read_errno;	/* its wait in read() */
	int runs_in_wait;	/* runs when the wait ended */
	int pending;		/* SIGUSR1 pending after the wait */
	int blocked;		/* SIGUSR1 still blocked after it */
	unsigned long handler_after;	/* its sigaction, read back */
	unsigned long flags_after;
	int survived;		/* got past its own signal */
	int segv_runs;		/* calls of its SIGSEGV handler */
	int handler_turn;	/* handler runs so far, SIGUSR1's and SIGSEGV's */
	int usr1_turn, segv_turn;	/* the turn each of those ran in (1, 2) */
	unsigned long segv_rip;	/* the SIGSEGV handler's saved RIP */
	unsigned long after_syscall;	/* the address after its syscall instruction */
	long syscall_ret;	/* what that syscall returned */
} *ob;

/* Maps the page (once) and clears it; 0 if that failed. */
static int ob_init(void)
{
	if (!ob) {
		void *p = mmap(NULL, sizeof(*ob), PROT_READ | PROT_WRITE,
			       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

		CHECK(p != MAP_FAILED, "mmap: %s", strerror(errno));
		if (p == MAP_FAILED)
			return 0;
		ob = p;
	}
	memset(ob, 0, sizeof(*ob));
	ob->read_ret = -2;
	return 1;
}

/* The child's own SIGUSR1 handler, with its siginfo. */
static void on_usr1_info(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	ob->runs++;
	ob->signo = si->si_signo;
	ob->code = si->si_code;
}

/* The child's own SIGUSR1 handler, plain. */
static void on_usr1(int sig)
{
	(void)sig;
	ob->runs++;
}

/* Another function of the child, that an engine may deliver with. */
static void alt_handler(int sig)
{
	ob->alt_runs++;
	ob->alt_signo = sig;
}

/*
 * The made-up signal cases.  The child handles SIGUSR1 (SA_SIGINFO, no
 * SA_RESTART) but blocks it, and waits in a read() of quit_pipe, which a
 * handler run breaks (EINTR) and a byte from the parent ends.  It notes
 * what it saw, unblocks SIGUSR1 (a signal left pending would run the
 * handler once more now), and exits 0.
 */
static int quit_pipe[2];

static void block_usr1_and_read(void)
{
	struct sigaction sa = { .sa_sigaction = on_usr1_info, .sa_flags = SA_SIGINFO };
	sigset_t set, now;
	char c;

	close(quit_pipe[1]);
	sigaction(SIGUSR1, &sa, NULL);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	errno = 0;
	ob->read_ret = read(quit_pipe[0], &c, 1);
	ob->read_errno = errno;
	ob->runs_in_wait = ob->runs;
	sigpending(&now);
	ob->pending = sigismember(&now, SIGUSR1);
	sigprocmask(SIG_BLOCK, NULL, &now);
	ob->blocked = sigismember(&now, SIGUSR1);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	_exit(0);
}

/* Forks block_usr1_and_read(), held; attach, then call reader_go(). */
static pid_t reader_child(int go[2])
{
	if (!ob_init())
		return -1;
	CHECK(pipe(quit_pipe) == 0, "pipe");
	/* The parent keeps the read end too: a late quit byte is no SIGPIPE. */
	return utd_held_child(go, block_usr1_and_read);
}

/* Whether @pid sleeps in a read() of its @fd now (/proc/PID/syscall). */
static int in_read_of(pid_t pid, int fd)
{
	char path[64], buf[256] = "";
	unsigned long arg0 = ~0UL;
	long nr = -1;
	int f, n;

	snprintf(path, sizeof(path), "/proc/%d/syscall", pid);
	f = open(path, O_RDONLY | O_CLOEXEC);
	n = f < 0 ? -1 : read(f, buf, sizeof(buf) - 1);
	if (f >= 0)
		close(f);
	return n > 0 && sscanf(buf, "%ld %lx", &nr, &arg0) == 2 && nr == SYS_read &&
	       arg0 == (unsigned long)fd;
}

/* Lets the child go, and waits until it sleeps in its read(); 1 if it does. */
static int reader_go(int go[2], pid_t pid)
{
	int waiting;

	utd_release(go);
	waiting = UTD_POLL(in_read_of(pid, quit_pipe[0]));
	CHECK(waiting, "the child never waited in its read()");
	return waiting;
}

/*
 * Waits up to @ms for the child to end by itself (*@by_itself = 1); then
 * sends it the quit byte and waits for it (SIGKILL after 5 s more).
 * Returns its wait status.
 */
static int reader_end(pid_t pid, int ms, int *by_itself)
{
	int status = -1;

	*by_itself = utd_wait_exit_within(pid, ms, &status);
	if (!*by_itself) {
		CHECK(write(quit_pipe[1], "q", 1) == 1, "write the quit byte");
		if (!utd_wait_exit_within(pid, 5000, &status)) {
			CHECK(0, "the child did not end on its quit byte");
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
		}
	}
	close(quit_pipe[0]);
	close(quit_pipe[1]);
	return status;
}

/* An engine that makes up @sig with si_code @code and disposition @how. */
static int maker(int fd, pid_t pid, unsigned int id, int sig, int code,
		 unsigned int how, unsigned int events)
{
	struct utrace_test_attach a = {
		.pid = pid, .kind = UTRACE_TEST_MAKE_UP, .events = events,
		.id = id, .nr = sig, .arg = (unsigned int)code, .value = how,
	};

	return utd_attach(fd, a);
}

/* An engine that delivers @sig (-1: any) with @handler (H_DFL, H_IGN, or an address). */
static int diverter(int fd, pid_t pid, unsigned int id, int sig, unsigned int events,
		    long long handler)
{
	struct utrace_test_attach a = {
		.pid = pid, .kind = UTRACE_TEST_HANDLER, .events = events,
		.id = id, .nr = sig, .value = handler,
	};

	return utd_attach(fd, a);
}

/*
 * Reads the log, and keeps the records of @side, in order, in @out (up to
 * @max); returns how many there were.
 */
static int read_side(int fd, unsigned int side, struct utrace_test_record *out, int max)
{
	struct utrace_test_record r[64];
	int n = utd_read(fd, r, 64), kept = 0;

	for (int i = 0; i < n; i++) {
		if (r[i].side != side)
			continue;
		if (kept < max)
			out[kept] = r[i];
		kept++;
	}
	return kept;
}

/*
 * A made-up SIGUSR1 (DELIVER) reaches a task that blocks it, asleep in a
 * read(): its handler runs at once (the read fails EINTR), with the
 * made-up si_code and si_signo in its siginfo; the signal is left pending
 * nowhere (not after the handler, not when the task unblocks it), and the
 * mask is as the task set it.  The maker logs one report with no signal
 * made up before it.
 */
static void made_up_signal_runs_the_handler_though_blocked(void)
{
	struct utrace_test_record r[4];
	int fd = utd_open(), go[2], slot, status, by_itself, n;
	pid_t pid = reader_child(go);

	if (pid < 0)
		return;
	slot = maker(fd, pid, 1, SIGUSR1, SI_QUEUE, DELIVER, QUIESCE | SIG_REPORT);
	if (reader_go(go, pid))
		CHECK(ioctl(fd, UTRACE_TEST_INTERRUPT, slot) == 0, "interrupt: %s",
		      strerror(errno));
	status = reader_end(pid, 5000, &by_itself);
	CHECK(by_itself, "the made-up signal did not break the child's read()");
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %#x, wanted exit 0",
	      status);
	CHECK(ob->runs_in_wait == 1 && ob->read_ret == -1 && ob->read_errno == EINTR,
	      "handler runs %d in the wait, read returned %d (%s), wanted 1 run and EINTR",
	      ob->runs_in_wait, ob->read_ret, strerror(ob->read_errno));
	CHECK(ob->signo == SIGUSR1 && ob->code == SI_QUEUE,
	      "the handler's siginfo: signo %d code %d, wanted %d and the made-up %d",
	      ob->signo, ob->code, SIGUSR1, SI_QUEUE);
	CHECK(!ob->pending, "the made-up SIGUSR1 was left pending");
	CHECK(ob->blocked, "SIGUSR1 is no longer blocked after the handler");
	CHECK(ob->runs == 1, "the handler ran %d times in all (again at the unblock?)",
	      ob->runs);
	n = read_side(fd, SIDE_SIGNAL_REPORT, r, 4);
	CHECK(n == 1, "%d signal reports, wanted 1", n);
	if (n == 1)
		CHECK(r[0].id == 1 && r[0].nr == 0 && r[0].ret == 0,
		      "report: id %u nr %lld ret %lld, wanted id 1, nothing made up before, first",
		      r[0].id, (long long)r[0].nr, (long long)r[0].ret);
	close(fd);
}

/*
 * A made-up SIGUSR1 with TERM kills the process by SIGUSR1 (no core),
 * though the task handles it and blocks it; its handler never runs.
 */
static void made_up_signal_terminates(void)
{
	struct utrace_test_record r[4];
	int fd = utd_open(), go[2], slot, status, by_itself, n;
	pid_t pid = reader_child(go);

	if (pid < 0)
		return;
	slot = maker(fd, pid, 1, SIGUSR1, SI_KERNEL, TERM, QUIESCE | SIG_REPORT);
	if (reader_go(go, pid))
		CHECK(ioctl(fd, UTRACE_TEST_INTERRUPT, slot) == 0, "interrupt: %s",
		      strerror(errno));
	status = reader_end(pid, 5000, &by_itself);
	CHECK(by_itself, "the made-up SIGUSR1 (TERM) did not end the child");
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGUSR1 && !WCOREDUMP(status),
	      "status %#x, wanted killed by SIGUSR1, no core", status);
	CHECK(ob->runs == 0, "the handler ran %d times", ob->runs);
	n = read_side(fd, SIDE_SIGNAL_REPORT, r, 4);
	CHECK(n == 1 && r[0].id == 1 && r[0].nr == 0, "%d signal reports, wanted 1", n);
	close(fd);
}

/*
 * Without UTRACE_TEST_EVENT_SIGNAL_REPORT the maker is never asked: its
 * quiesce report comes, nothing is made up, and the child sleeps on.
 * Once the event is set, the next interrupt makes the signal up.
 */
static void made_up_signal_needs_the_event(void)
{
	struct utrace_test_record r[8];
	struct utrace_test_events ev;
	int fd = utd_open(), go[2], slot, status, by_itself, n = 0, quiesced = 0;
	pid_t pid = reader_child(go);

	if (pid < 0)
		return;
	slot = maker(fd, pid, 1, SIGUSR1, SI_KERNEL, DELIVER, QUIESCE);
	if (!reader_go(go, pid) || slot < 0)
		goto out;
	CHECK(ioctl(fd, UTRACE_TEST_INTERRUPT, slot) == 0, "interrupt: %s", strerror(errno));
	for (int i = 0; i < 5000 && !quiesced; i++) {
		int got = utd_read(fd, r + n, 8 - n);

		n += got > 0 ? got : 0;
		for (int k = 0; k < n; k++)
			quiesced |= r[k].side == UTRACE_TEST_SIDE_QUIESCE;
		if (!quiesced)
			usleep(1000);
	}
	CHECK(quiesced, "no quiesce report");
	/* The report with no signal would follow the quiesce report at once. */
	utd_msleep(100);
	for (int k = 0; k < n; k++)
		CHECK(r[k].side != SIDE_SIGNAL_REPORT,
		      "a signal report (nr %lld) for an engine without the event",
		      (long long)r[k].nr);
	n = read_side(fd, SIDE_SIGNAL_REPORT, r, 8);
	CHECK(n == 0, "%d signal reports for an engine without the event", n);
	CHECK(ob->runs == 0, "a signal was made up without the event: the handler ran");
	CHECK(UTD_POLL(in_read_of(pid, quit_pipe[0])), "the child left its read()");

	/* Now with the event: made up at the next interrupt. */
	ev.slot = slot;
	ev.events = QUIESCE | SIG_REPORT;
	CHECK(ioctl(fd, UTRACE_TEST_SET_EVENTS, &ev) == 0, "set events: %s", strerror(errno));
	CHECK(ioctl(fd, UTRACE_TEST_INTERRUPT, slot) == 0, "interrupt: %s", strerror(errno));
out:
	status = reader_end(pid, 5000, &by_itself);
	CHECK(by_itself && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "status %#x%s, wanted exit 0 once the signal was made up", status,
	      by_itself ? "" : " after the quit byte");
	CHECK(ob->runs_in_wait == 1 && ob->runs == 1 && !ob->pending,
	      "with the event: %d runs in the wait, %d in all, pending %d; wanted 1, 1, 0",
	      ob->runs_in_wait, ob->runs, ob->pending);
	n = read_side(fd, SIDE_SIGNAL_REPORT, r, 8);
	CHECK(n == 1 && r[0].nr == 0, "%d signal reports once the event was set, wanted 1", n);
	close(fd);
}

/*
 * The report with no signal goes to the engines in attach order (a RECORD
 * engine with the event logs it too): the one before the maker sees no
 * signal, the maker sees none before it, the one after sees the made-up
 * SIGUSR1, its si_code (a negative one: arg is an int) and its IGN.  IGN
 * drops it: the handler does not run, the child sleeps on, and nothing is
 * left pending.
 */
static void made_up_signal_seen_by_later_engines_in_attach_order(void)
{
	struct utrace_test_record r[8];
	int fd = utd_open(), go[2], slot, status, by_itself, n = 0;
	pid_t pid = reader_child(go);

	if (pid < 0)
		return;
	utd_attach_simple(fd, pid, UTRACE_TEST_RECORD, QUIESCE | SIG_REPORT, 1, 0);
	slot = maker(fd, pid, 2, SIGUSR1, SI_QUEUE, IGN, QUIESCE | SIG_REPORT);
	utd_attach_simple(fd, pid, UTRACE_TEST_RECORD, QUIESCE | SIG_REPORT, 3, 0);
	if (reader_go(go, pid) && slot >= 0) {
		CHECK(ioctl(fd, UTRACE_TEST_INTERRUPT, slot) == 0, "interrupt: %s",
		      strerror(errno));
		for (int i = 0; i < 5000 && n < 3; i++) {
			struct utrace_test_record more[8];
			int got = read_side(fd, SIDE_SIGNAL_REPORT, more, 8);

			for (int k = 0; k < got && k < 8 && n < 8; k++)
				r[n++] = more[k];
			if (n < 3)
				usleep(1000);
		}
		CHECK(UTD_POLL(in_read_of(pid, quit_pipe[0])),
		      "the child left its read(): an ignored made-up signal did something");
	}
	status = reader_end(pid, 0, &by_itself);
	CHECK(!by_itself && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "status %#x, wanted exit 0 on the quit byte", status);
	CHECK(ob->runs == 0 && !ob->pending && ob->read_ret == 1,
	      "handler runs %d, pending %d, read returned %d: wanted 0, 0 and the quit byte",
	      ob->runs, ob->pending, ob->read_ret);
	n += read_side(fd, SIDE_SIGNAL_REPORT, r + n, 8 - n);
	CHECK(n == 3, "%d signal reports, wanted one per engine", n);
	if (n != 3)
		goto out;
	CHECK(r[0].id == 1 && r[1].id == 2 && r[2].id == 3, "order %u %u %u, wanted 1 2 3",
	      r[0].id, r[1].id, r[2].id);
	CHECK(r[0].nr == 0 && r[1].nr == 0,
	      "engines 1 and 2 saw signals %lld and %lld, wanted none",
	      (long long)r[0].nr, (long long)r[1].nr);
	CHECK(r[2].nr == SIGUSR1 && (long long)r[2].args[0] == SI_QUEUE && r[2].args[2] == IGN,
	      "engine 3 saw signal %lld code %lld disposition %#llx, wanted %d %d %#x",
	      (long long)r[2].nr, (long long)r[2].args[0], (unsigned long long)r[2].args[2],
	      SIGUSR1, SI_QUEUE, IGN);
	for (int k = 0; k < 3; k++)
		CHECK(r[k].ret == 0, "engine %u: a repeated report", r[k].id);
out:
	close(fd);
}

/*
 * A ptrace tracer never sees a made-up signal, attached before the maker
 * or after it: no signal-delivery stop, the handler runs once.
 */
static void made_up_signal_unseen_by_the_tracer(void)
{
	for (int tracer_first = 0; tracer_first < 2; tracer_first++) {
		const char *order = tracer_first ? "tracer first" : "tracer last";
		int fd = utd_open(), go[2], slot, status = -1, ended = 0, saw_usr1 = 0;
		pid_t pid = reader_child(go);
		double t0;

		if (pid < 0)
			return;
		if (tracer_first)
			CHECK(ptrace(PTRACE_SEIZE, pid, 0, 0) == 0, "seize: %s", strerror(errno));
		slot = maker(fd, pid, 1, SIGUSR1, SI_KERNEL, DELIVER, QUIESCE | SIG_REPORT);
		if (!tracer_first)
			CHECK(ptrace(PTRACE_SEIZE, pid, 0, 0) == 0, "seize: %s", strerror(errno));
		if (reader_go(go, pid))
			CHECK(ioctl(fd, UTRACE_TEST_INTERRUPT, slot) == 0, "interrupt: %s",
			      strerror(errno));
		/* Pass on whatever the tracer stops for, until the end (5 s). */
		for (t0 = utd_now(); !ended && utd_now() - t0 < 5.0;) {
			pid_t w = waitpid(pid, &status, WNOHANG);

			if (w == pid && WIFSTOPPED(status)) {
				int sig = status >> 16 ? 0 : WSTOPSIG(status);

				saw_usr1 |= sig == SIGUSR1;
				ptrace(PTRACE_CONT, pid, 0, sig);
			} else if (w == pid) {
				ended = 1;
			} else {
				usleep(1000);
			}
		}
		if (!ended) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
		}
		close(quit_pipe[0]);
		close(quit_pipe[1]);
		CHECK(ended && WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "%s: status %#x%s", order, status, ended ? "" : ", never ended by itself");
		CHECK(!saw_usr1, "%s: the tracer saw the made-up SIGUSR1", order);
		CHECK(ob->runs == 1 && ob->code == SI_KERNEL,
		      "%s: handler runs %d, code %d; wanted 1 and %d", order, ob->runs,
		      ob->code, SI_KERNEL);
		close(fd);
	}
}

/*
 * A MAKE_UP engine's settings are refused whole: a signal out of 1..64, a
 * held or an unknown disposition.  The edges (1, 64, each disposition)
 * are taken.
 */
static void make_up_refuses_bad_input(void)
{
	static const long long bad_nr[] = { 0, 65, -1 };
	static const long long bad_how[] = {
		UTRACE_TEST_SIGNAL_DELIVER | UTRACE_TEST_SIGNAL_HOLD,
		UTRACE_TEST_SIGNAL_TERM | UTRACE_TEST_SIGNAL_HOLD,
		0x50, 0x60, 0x70, 0x08, 0x200, -1,
	};
	static const long long good_how[] = {
		UTRACE_TEST_SIGNAL_DELIVER, UTRACE_TEST_SIGNAL_IGN, UTRACE_TEST_SIGNAL_TERM,
		UTRACE_TEST_SIGNAL_CORE, UTRACE_TEST_SIGNAL_STOP,
	};
	struct utrace_test_attach a = {
		.pid = 0, .kind = UTRACE_TEST_MAKE_UP, .events = QUIESCE | SIG_REPORT,
		.id = 1, .nr = SIGUSR1, .arg = SI_KERNEL,
	};
	int fd = utd_open();

	for (unsigned int i = 0; i < sizeof(bad_nr) / sizeof(bad_nr[0]); i++) {
		a.nr = bad_nr[i];
		a.value = DELIVER;
		errno = 0;
		CHECK(ioctl(fd, UTRACE_TEST_ATTACH, &a) == -1 && errno == EINVAL,
		      "signal %lld: not refused with EINVAL (%s)", bad_nr[i], strerror(errno));
	}
	for (unsigned int i = 0; i < sizeof(bad_how) / sizeof(bad_how[0]); i++) {
		a.nr = SIGUSR1;
		a.value = bad_how[i];
		errno = 0;
		CHECK(ioctl(fd, UTRACE_TEST_ATTACH, &a) == -1 && errno == EINVAL,
		      "disposition %#llx: not refused with EINVAL (%s)", bad_how[i],
		      strerror(errno));
	}
	close(fd);
	/* Good settings, on ourselves: no report is asked for, nothing is made up. */
	for (unsigned int i = 0; i < sizeof(good_how) / sizeof(good_how[0]); i++) {
		fd = utd_open();
		a.nr = i & 1 ? 64 : 1;
		a.value = good_how[i];
		errno = 0;
		CHECK(ioctl(fd, UTRACE_TEST_ATTACH, &a) >= 0,
		      "signal %lld disposition %#llx refused: %s", a.nr, good_how[i],
		      strerror(errno));
		close(fd);
	}
}

/*
 * The return_ka cases.  The child installs on_usr1 for SIGUSR1 with
 * sa_flags own_flags, signals itself, reads its sigaction back and exits 0
 * if it survived.
 */
static int own_flags;

static void handle_usr1_then_signal_self(void)
{
	struct sigaction sa = { .sa_handler = on_usr1, .sa_flags = own_flags }, now;

	sigaction(SIGUSR1, &sa, NULL);
	syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), SIGUSR1);
	ob->survived = 1;
	if (sigaction(SIGUSR1, NULL, &now) == 0) {
		ob->handler_after = (unsigned long)now.sa_handler;
		ob->flags_after = now.sa_flags;
	}
	_exit(0);
}

/* Runs that child (with @flags) under the engines @setup attaches; its status. */
static int run_self_signaller(int fd, int flags, void (*setup)(int fd, pid_t pid))
{
	int go[2];
	pid_t pid;

	if (!ob_init())
		return -1;
	own_flags = flags;
	pid = utd_held_child(go, handle_usr1_then_signal_self);
	setup(fd, pid);
	return utd_release_and_wait(go, pid);
}

/*
 * Checks the SIGNAL records of a child's one SIGUSR1: one per engine, in
 * attach order (ids 1..@n), each with the handler @handlers[i] in args[3];
 * the first with the signal's own si_code and class, nothing chosen before.
 */
static void check_handler_records(int fd, int n, const unsigned long long *handlers)
{
	struct utrace_test_record r[8];
	int got = read_side(fd, SIDE_SIGNAL, r, 8);

	CHECK(got == n, "%d signal records, wanted %d (one per engine)", got, n);
	if (got != n)
		return;
	CHECK(r[0].nr == SIGUSR1 && (long long)r[0].args[0] == SI_TKILL &&
	      r[0].args[1] == UTRACE_TEST_EVENT_SIGNAL && r[0].args[2] == DELIVER,
	      "first record: signal %lld code %lld class %#llx before %#llx",
	      (long long)r[0].nr, (long long)r[0].args[0], (unsigned long long)r[0].args[1],
	      (unsigned long long)r[0].args[2]);
	for (int i = 0; i < n; i++)
		CHECK(r[i].id == (unsigned int)i + 1 && r[i].nr == SIGUSR1 &&
		      r[i].args[3] == handlers[i],
		      "record %d: engine %u signal %lld handler %#llx, wanted engine %d handler %#llx",
		      i, r[i].id, (long long)r[i].nr, (unsigned long long)r[i].args[3], i + 1,
		      handlers[i]);
}

static unsigned long long own_handler_addr(void)
{
	return (unsigned long)on_usr1;
}

static unsigned long long alt_handler_addr(void)
{
	return (unsigned long)alt_handler;
}

static void divert_to_ignore(int fd, pid_t pid)
{
	diverter(fd, pid, 1, SIGUSR1, UTRACE_TEST_EVENT_SIGNAL, H_IGN);
}

/*
 * Diverted to SIG_IGN: the task's handler does not run, the task goes on,
 * and its sigaction still names its handler.  The engine logged the
 * task's own handler.
 */
static void handler_diverted_to_ignore_leaves_the_sigaction(void)
{
	int fd = utd_open(), status;
	unsigned long long handlers[1] = { own_handler_addr() };

	status = run_self_signaller(fd, 0, divert_to_ignore);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0 && ob->survived,
	      "status %#x, wanted exit 0", status);
	CHECK(ob->runs == 0, "the task's own handler ran %d times", ob->runs);
	CHECK(ob->handler_after == own_handler_addr(),
	      "the task's sigaction reads %#lx, not its handler %#llx", ob->handler_after,
	      own_handler_addr());
	check_handler_records(fd, 1, handlers);
	close(fd);
}

static void divert_to_default(int fd, pid_t pid)
{
	diverter(fd, pid, 1, SIGUSR1, UTRACE_TEST_EVENT_SIGNAL, H_DFL);
}

/*
 * Diverted to SIG_DFL: SIGUSR1's default action kills the task, though it
 * has a handler (which does not run).
 */
static void handler_diverted_to_default_kills(void)
{
	int fd = utd_open(), status;
	unsigned long long handlers[1] = { own_handler_addr() };

	status = run_self_signaller(fd, 0, divert_to_default);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGUSR1 && !WCOREDUMP(status),
	      "status %#x, wanted killed by SIGUSR1", status);
	CHECK(ob->runs == 0 && !ob->survived, "the handler ran %d times, survived %d",
	      ob->runs, ob->survived);
	check_handler_records(fd, 1, handlers);
	close(fd);
}

static void divert_to_alt(int fd, pid_t pid)
{
	diverter(fd, pid, 1, SIGUSR1, UTRACE_TEST_EVENT_SIGNAL, alt_handler_addr());
}

/*
 * Diverted to another function of the task: that function runs as the
 * handler, with the signal number; the task's own does not, and its
 * sigaction is unchanged.
 */
static void handler_diverted_to_another_function(void)
{
	int fd = utd_open(), status;
	unsigned long long handlers[1] = { own_handler_addr() };

	status = run_self_signaller(fd, 0, divert_to_alt);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0 && ob->survived,
	      "status %#x, wanted exit 0", status);
	CHECK(ob->alt_runs == 1 && ob->alt_signo == SIGUSR1,
	      "alt_handler ran %d times with %d, wanted once with %d", ob->alt_runs,
	      ob->alt_signo, SIGUSR1);
	CHECK(ob->runs == 0, "the task's own handler ran %d times", ob->runs);
	CHECK(ob->handler_after == own_handler_addr(), "the task's sigaction reads %#lx",
	      ob->handler_after);
	check_handler_records(fd, 1, handlers);
	close(fd);
}

static void record_usr1(int fd, pid_t pid)
{
	utd_attach_simple(fd, pid, UTRACE_TEST_RECORD, UTRACE_TEST_EVENT_SIGNAL, 1, 0);
}

/*
 * SA_RESETHAND: the task's own action resets to SIG_DFL when its handler
 * runs (checked first, under a RECORD engine), but not when an engine
 * diverted the delivery to another handler: the task's own never ran.
 */
static void diverted_delivery_skips_sa_resethand(void)
{
	int fd = utd_open(), status;

	status = run_self_signaller(fd, SA_RESETHAND, record_usr1);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0 && ob->runs == 1,
	      "undiverted: status %#x, handler runs %d", status, ob->runs);
	CHECK(ob->handler_after == (unsigned long)SIG_DFL,
	      "undiverted: the action was not reset by SA_RESETHAND (%#lx)", ob->handler_after);
	close(fd);

	fd = utd_open();
	status = run_self_signaller(fd, SA_RESETHAND, divert_to_alt);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0 && ob->alt_runs == 1 &&
	      ob->runs == 0, "diverted: status %#x, alt runs %d, own runs %d", status,
	      ob->alt_runs, ob->runs);
	CHECK(ob->handler_after == own_handler_addr() && (ob->flags_after & SA_RESETHAND),
	      "diverted: the task's action reads %#lx flags %#lx, wanted its handler, SA_RESETHAND",
	      ob->handler_after, ob->flags_after);
	close(fd);
}

static void record_ignore_alt_record(int fd, pid_t pid)
{
	utd_attach_simple(fd, pid, UTRACE_TEST_RECORD, UTRACE_TEST_EVENT_SIGNAL, 1, 0);
	diverter(fd, pid, 2, SIGUSR1, UTRACE_TEST_EVENT_SIGNAL, H_IGN);
	diverter(fd, pid, 3, SIGUSR1, UTRACE_TEST_EVENT_SIGNAL, alt_handler_addr());
	utd_attach_simple(fd, pid, UTRACE_TEST_RECORD, UTRACE_TEST_EVENT_SIGNAL, 4, 0);
}

/*
 * Each engine sees the handler as the engines before left it: 1 and 2 the
 * task's own, 3 the SIG_IGN of 2, 4 the function of 3; the last one's
 * choice is delivered (alt_handler runs).
 */
static void later_engine_sees_the_diverted_handler(void)
{
	int fd = utd_open(), status;
	unsigned long long handlers[4] = {
		own_handler_addr(), own_handler_addr(), H_IGN, alt_handler_addr(),
	};

	status = run_self_signaller(fd, 0, record_ignore_alt_record);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %#x", status);
	CHECK(ob->alt_runs == 1 && ob->runs == 0, "alt runs %d, own runs %d, wanted 1 and 0",
	      ob->alt_runs, ob->runs);
	check_handler_records(fd, 4, handlers);
	close(fd);
}

/*
 * The child: SIGTERM (default action) blocked, sent to itself, unblocked:
 * dequeued then, not killed at the send.  Exits 0 if it survives.
 */
static void sigterm_blocked_then_unblocked(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, NULL);
	kill(getpid(), SIGTERM);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	ob->survived = 1;
	_exit(0);
}

/*
 * An observer (SIGNAL_OBSERVE) cannot divert a fatal signal: a HANDLER
 * engine that observes SIGTERM and would deliver it with SIG_IGN hears of
 * the dequeued signal (with the task's SIG_DFL) and the task dies of it
 * all the same.  The same engine intercepting SIGTERM saves the task.
 */
static void observer_cannot_divert_a_fatal_signal(void)
{
	for (int observe = 1; observe >= 0; observe--) {
		const char *who = observe ? "observer" : "interceptor";
		unsigned int events = UTRACE_TEST_EVENT_SIGNAL_TERM |
				      (observe ? UTRACE_TEST_EVENT_SIGNAL_OBSERVE : 0);
		struct utrace_test_record r[4];
		int fd = utd_open(), go[2], status = -1, n;
		pid_t pid;

		if (!ob_init())
			return;
		pid = utd_held_child(go, sigterm_blocked_then_unblocked);
		diverter(fd, pid, 1, SIGTERM, events, H_IGN);
		utd_release(go);
		if (!utd_wait_exit_within(pid, 5000, &status)) {
			CHECK(0, "%s: the child did not end", who);
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
		}
		if (observe)
			CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM && !ob->survived,
			      "observer: status %#x, wanted killed by SIGTERM", status);
		else
			CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0 && ob->survived,
			      "interceptor: status %#x, wanted exit 0 (SIGTERM ignored)", status);
		n = read_side(fd, SIDE_SIGNAL, r, 4);
		CHECK(n == 1, "%s: %d signal records, wanted 1", who, n);
		if (n == 1)
			CHECK(r[0].nr == SIGTERM && r[0].args[1] == UTRACE_TEST_EVENT_SIGNAL_TERM &&
			      r[0].args[3] == H_DFL,
			      "%s: signal %lld class %#llx handler %#llx, wanted %d %#x SIG_DFL",
			      who, (long long)r[0].nr, (unsigned long long)r[0].args[1],
			      (unsigned long long)r[0].args[3], SIGTERM,
			      UTRACE_TEST_EVENT_SIGNAL_TERM);
		close(fd);
	}
}

/*
 * A HANDLER engine's handler must be SIG_DFL, SIG_IGN or a user address:
 * -1 and anything from 1 << 47 up (kernel addresses) are refused; 0, 1
 * and a function of ours are taken.
 */
static void handler_refuses_bad_input(void)
{
	static const unsigned long long bad[] = {
		~0ULL, 1ULL << 47, (1ULL << 47) + 0x1000, 0xffffffff81000000ULL,
		1ULL << 63,
	};
	unsigned long long good[] = { H_DFL, H_IGN, alt_handler_addr() };
	struct utrace_test_attach a = {
		.pid = 0, .kind = UTRACE_TEST_HANDLER, .events = UTRACE_TEST_EVENT_SIGNAL,
		.id = 1, .nr = SIGUSR1,
	};
	int fd = utd_open();

	for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		a.value = (long long)bad[i];
		errno = 0;
		CHECK(ioctl(fd, UTRACE_TEST_ATTACH, &a) == -1 && errno == EINVAL,
		      "handler %#llx: not refused with EINVAL (%s)", bad[i], strerror(errno));
	}
	close(fd);
	for (unsigned int i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		fd = utd_open();
		a.value = (long long)good[i];
		a.nr = i == 2 ? -1 : SIGUSR1;
		errno = 0;
		CHECK(ioctl(fd, UTRACE_TEST_ATTACH, &a) >= 0, "handler %#llx refused: %s",
		      good[i], strerror(errno));
		close(fd);
	}
}

/*
 * The review's cases.  Helpers first.
 */

/* Whether @pid sleeps in system call @nr now (/proc/PID/syscall). */
static int in_syscall(pid_t pid, long nr)
{
	char path[64], buf[256] = "";
	long now = -1;
	int f, n;

	snprintf(path, sizeof(path), "/proc/%d/syscall", pid);
	f = open(path, O_RDONLY | O_CLOEXEC);
	n = f < 0 ? -1 : read(f, buf, sizeof(buf) - 1);
	if (f >= 0)
		close(f);
	return n > 0 && sscanf(buf, "%ld", &now) == 1 && now == nr;
}

/*
 * Whether @pid is reported stopped (waitid(WSTOPPED)) within about @ms;
 * its stop signal in *@sig.  Its exit, if it comes, is left to be waited
 * for.
 */
static int stopped_within(pid_t pid, int ms, int *sig)
{
	for (int waited = 0; waited <= ms; waited += 10) {
		siginfo_t si;

		memset(&si, 0, sizeof(si));
		if (waitid(P_PID, pid, &si, WSTOPPED | WNOHANG) == 0 && si.si_pid == pid) {
			*sig = si.si_status;
			return 1;
		}
		utd_msleep(10);
	}
	return 0;
}

/*
 * The child of the cases below that do not block SIGUSR1: it handles it
 * (on_usr1_info, SA_SIGINFO | own_flags, no SA_RESTART), waits in a read()
 * of quit_pipe, notes what it saw and its sigaction for SIGUSR1 as it
 * reads it back then, and exits 0.
 */
static void handle_usr1_and_read(void)
{
	struct sigaction sa = {
		.sa_sigaction = on_usr1_info, .sa_flags = SA_SIGINFO | own_flags,
	}, now;
	char c;

	close(quit_pipe[1]);
	sigaction(SIGUSR1, &sa, NULL);
	errno = 0;
	ob->read_ret = read(quit_pipe[0], &c, 1);
	ob->read_errno = errno;
	ob->runs_in_wait = ob->runs;
	if (sigaction(SIGUSR1, NULL, &now) == 0) {
		ob->handler_after = (unsigned long)now.sa_handler;
		ob->flags_after = now.sa_flags;
	}
	_exit(0);
}

/* Forks handle_usr1_and_read() with @flags, held; then reader_go(). */
static pid_t handler_reader_child(int go[2], int flags)
{
	if (!ob_init())
		return -1;
	own_flags = flags;
	CHECK(pipe(quit_pipe) == 0, "pipe");
	return utd_held_child(go, handle_usr1_and_read);
}

/* The SIGUSR1 handler of the synchronous case: counts, notes its turn. */
static void usr1_handler(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)si;
	(void)uc;
	ob->runs++;
	ob->usr1_turn = ++ob->handler_turn;
}

/* Its SIGSEGV handler: counts, notes its turn and where it returns to. */
static void segv_handler(int sig, siginfo_t *si, void *uc)
{
	const ucontext_t *ctx = uc;

	(void)sig;
	(void)si;
	ob->segv_runs++;
	ob->segv_turn = ++ob->handler_turn;
#if defined(__x86_64__)
	ob->segv_rip = (unsigned long)ctx->uc_mcontext.gregs[REG_RIP];
#else
	ob->segv_rip = (unsigned long)ctx->uc_mcontext.pc;
#endif
}

/*
 * The child: handles SIGUSR1 and SIGSEGV, and queues itself a SIGSEGV
 * with a positive si_code (SEGV_MAPERR: a "synchronous" signal, which
 * get_signal() takes first) by rt_tgsigqueueinfo(), made inline so that
 * it knows the address after the syscall instruction: where the frame of
 * the SIGSEGV must return to.
 */
static void queue_self_a_synchronous_segv(void)
{
	struct sigaction usr1 = { .sa_sigaction = usr1_handler, .sa_flags = SA_SIGINFO };
	struct sigaction segv = { .sa_sigaction = segv_handler, .sa_flags = SA_SIGINFO };
	long pid = getpid(), tid = syscall(SYS_gettid), ret;
	unsigned long after;
	siginfo_t info;

	sigaction(SIGUSR1, &usr1, NULL);
	sigaction(SIGSEGV, &segv, NULL);
	memset(&info, 0, sizeof(info));
	info.si_signo = SIGSEGV;
	info.si_code = SEGV_MAPERR;
#if defined(__x86_64__)
	{
		/* No call between this and the asm: r10 must hold. */
		register long r10 __asm__("r10") = (long)&info;

		__asm__ volatile("syscall\n"
				 "1:\tlea 1b(%%rip), %1"
				 : "=a"(ret), "=r"(after)
				 : "0"((long)SYS_rt_tgsigqueueinfo), "D"(pid), "S"(tid),
				   "d"((long)SIGSEGV), "r"(r10)
				 : "rcx", "r11", "memory");
	}
#else
	{
		/* The svc, and the address of the instruction after it. */
		register long x8 __asm__("x8") = SYS_rt_tgsigqueueinfo;
		register long x0 __asm__("x0") = pid;
		register long x1 __asm__("x1") = tid;
		register long x2 __asm__("x2") = SIGSEGV;
		register long x3 __asm__("x3") = (long)&info;

		__asm__ volatile("svc #0\n"
				 "1:\tadr %1, 1b"
				 : "+r"(x0), "=r"(after)
				 : "r"(x8), "r"(x1), "r"(x2), "r"(x3)
				 : "memory");
		ret = x0;
	}
#endif
	ob->syscall_ret = ret;
	ob->after_syscall = after;
	_exit(0);
}

/*
 * A synchronous signal (a SIGSEGV with a positive si_code) is pending
 * when a made-up SIGUSR1 is due: the SIGSEGV is taken first, so that its
 * frame returns to where the task was (the instruction after its
 * syscall), and the made-up signal's frame is set up on top of it, so
 * SIGUSR1's handler runs first.  Were the made-up signal taken first,
 * the SIGSEGV frame would return into SIGUSR1's handler, and its handler
 * would run first.
 *
 * Engine 1 holds the child at the entry of its rt_tgsigqueueinfo(); the
 * interrupt for engine 2 (the maker) comes meanwhile, so its quiesce
 * report, and the made-up report after it, come at the syscall's way
 * back to user mode, with the SIGSEGV queued.  (UTRACE_TEST_STOP does
 * not stop at syscall exits: the entry is where it can hold the task.)
 */
static void synchronous_signal_comes_before_a_made_up_one(void)
{
	struct utrace_test_attach stop = {
		.kind = UTRACE_TEST_STOP, .events = UTRACE_TEST_EVENT_SYSCALL_ENTRY,
		.id = 1, .nr = SYS_rt_tgsigqueueinfo,
	};
	int fd = utd_open(), go[2], held, made, status = -1;
	pid_t pid;

	if (!ob_init())
		return;
	pid = utd_held_child(go, queue_self_a_synchronous_segv);
	stop.pid = pid;
	held = utd_attach(fd, stop);
	made = maker(fd, pid, 2, SIGUSR1, SI_QUEUE, DELIVER, QUIESCE | SIG_REPORT);
	utd_release(go);
	if (held >= 0 && made >= 0 && UTD_POLL(utd_stopped(fd, held))) {
		CHECK(ioctl(fd, UTRACE_TEST_INTERRUPT, made) == 0, "interrupt: %s",
		      strerror(errno));
		CHECK(ioctl(fd, UTRACE_TEST_RESUME, held) == 0, "resume: %s", strerror(errno));
	} else {
		CHECK(0, "the child never stopped at the entry of its rt_tgsigqueueinfo()");
	}
	if (!utd_wait_exit_within(pid, 5000, &status)) {
		CHECK(0, "the child did not end");
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
	}
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %#x, wanted exit 0",
	      status);
	CHECK(ob->syscall_ret == 0, "rt_tgsigqueueinfo() returned %ld", ob->syscall_ret);
	CHECK(ob->runs == 1 && ob->segv_runs == 1,
	      "SIGUSR1's handler ran %d times, SIGSEGV's %d; wanted once each", ob->runs,
	      ob->segv_runs);
	CHECK(ob->segv_rip != (unsigned long)usr1_handler,
	      "the SIGSEGV frame returns into SIGUSR1's handler (%#lx): the made-up signal "
	      "was taken before the synchronous one", ob->segv_rip);
	CHECK(ob->segv_rip == ob->after_syscall,
	      "the SIGSEGV frame returns to %#lx, not after the syscall (%#lx)", ob->segv_rip,
	      ob->after_syscall);
	CHECK(ob->usr1_turn == 1 && ob->segv_turn == 2,
	      "SIGUSR1's handler ran in turn %d, SIGSEGV's in turn %d; wanted 1 then 2",
	      ob->usr1_turn, ob->segv_turn);
	close(fd);
}

/*
 * The child: SIGUSR1 handled (no SA_RESTART), an io_uring with nothing
 * submitted, and a wait in io_uring_enter() for one completion, which
 * only a signal ends.  Exit bits: 1 the handler did not run, 2 the wait
 * did not fail EINTR, 4 no io_uring.  An alarm ends it otherwise.
 */
static void wait_in_io_uring(void)
{
	struct sigaction sa = { .sa_handler = on_usr1 };
	struct io_uring_params params;
	long ring, ret;
	int wrong = 0;

	alarm(10);
	sigaction(SIGUSR1, &sa, NULL);
	memset(&params, 0, sizeof(params));
	ring = syscall(SYS_io_uring_setup, 4, &params);
	if (ring < 0)
		_exit(4);
	errno = 0;
	ret = syscall(SYS_io_uring_enter, ring, 0, 1, IORING_ENTER_GETEVENTS, NULL, 0);
	ob->read_ret = ret;
	ob->read_errno = errno;
	ob->runs_in_wait = ob->runs;
	if (ob->runs != 1)
		wrong |= 1;
	if (ret != -1 || ob->read_errno != EINTR)
		wrong |= 2;
	_exit(wrong);
}

/*
 * A made-up signal breaks a wait in io_uring_enter(), whose loop runs the
 * task's task works itself (the interrupt's quiesce report among them)
 * and clears TIF_NOTIFY_SIGNAL: the handler runs, the wait fails EINTR.
 */
static void made_up_signal_breaks_an_io_uring_wait(void)
{
	int fd = utd_open(), go[2], slot, status = -1, waiting;
	pid_t pid;

	if (!ob_init())
		return;
	pid = utd_held_child(go, wait_in_io_uring);
	slot = maker(fd, pid, 1, SIGUSR1, SI_QUEUE, DELIVER, QUIESCE | SIG_REPORT);
	utd_release(go);
	waiting = UTD_POLL(in_syscall(pid, SYS_io_uring_enter));
	CHECK(waiting, "the child never waited in io_uring_enter()");
	if (waiting && slot >= 0)
		CHECK(ioctl(fd, UTRACE_TEST_INTERRUPT, slot) == 0, "interrupt: %s",
		      strerror(errno));
	/* Its alarm (10 s) ends it if the signal never comes. */
	if (!utd_wait_exit_within(pid, 12000, &status)) {
		CHECK(0, "the child did not end");
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
	}
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "status %#x (killed by %d: 14 is its alarm; exit bits 1: no handler, "
	      "2: no EINTR, 4: no io_uring)", status, WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	CHECK(ob->runs_in_wait == 1 && ob->read_ret == -1 && ob->read_errno == EINTR,
	      "handler runs %d in the wait, io_uring_enter returned %d (%s); wanted 1 and EINTR",
	      ob->runs_in_wait, ob->read_ret, strerror(ob->read_errno));
	close(fd);
}

/*
 * A made-up SIGUSR1 delivered with the task's own sigaction, which has
 * SA_RESETHAND: the handler runs, and the task's action is reset to
 * SIG_DFL, as for a real SIGUSR1.
 */
static void made_up_signal_honours_sa_resethand(void)
{
	int fd = utd_open(), go[2], slot, status, by_itself;
	pid_t pid = handler_reader_child(go, SA_RESETHAND);

	if (pid < 0)
		return;
	slot = maker(fd, pid, 1, SIGUSR1, SI_QUEUE, DELIVER, QUIESCE | SIG_REPORT);
	if (reader_go(go, pid) && slot >= 0)
		CHECK(ioctl(fd, UTRACE_TEST_INTERRUPT, slot) == 0, "interrupt: %s",
		      strerror(errno));
	status = reader_end(pid, 5000, &by_itself);
	CHECK(by_itself && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "status %#x%s, wanted exit 0 once the made-up signal broke the read", status,
	      by_itself ? "" : " after the quit byte");
	CHECK(ob->runs == 1 && ob->read_ret == -1 && ob->read_errno == EINTR,
	      "handler runs %d, read returned %d (%s); wanted 1 and EINTR", ob->runs,
	      ob->read_ret, strerror(ob->read_errno));
	CHECK(ob->handler_after == (unsigned long)SIG_DFL,
	      "the task's action for SIGUSR1 reads %#lx (flags %#lx) after the handler, not "
	      "SIG_DFL (SA_RESETHAND)", ob->handler_after, ob->flags_after);
	close(fd);
}

/* Another thread of the child: sets SIGUSR1 to SIG_IGN when told, replies. */
static int cmd_pipe[2], reply_pipe[2];

static void *ignore_usr1_when_told(void *arg)
{
	struct sigaction ign = { .sa_handler = SIG_IGN };
	char c;

	(void)arg;
	if (read(cmd_pipe[0], &c, 1) != 1)
		return NULL;
	c = sigaction(SIGUSR1, &ign, NULL) == 0 ? 'i' : 'x';
	if (write(reply_pipe[1], &c, 1) != 1)
		_exit(103);
	return NULL;
}

/*
 * The child: SIGUSR1 handled (on_usr1_info), a thread that ignores it on
 * the parent's word, and the main thread in a read() of quit_pipe.
 */
static void handle_usr1_with_a_thread_and_read(void)
{
	struct sigaction sa = { .sa_sigaction = on_usr1_info, .sa_flags = SA_SIGINFO };
	pthread_t t;
	char c;

	close(quit_pipe[1]);
	sigaction(SIGUSR1, &sa, NULL);
	if (pthread_create(&t, NULL, ignore_usr1_when_told, NULL))
		_exit(102);
	errno = 0;
	ob->read_ret = read(quit_pipe[0], &c, 1);
	ob->read_errno = errno;
	ob->runs_in_wait = ob->runs;
	_exit(0);
}

/*
 * A made-up SIGUSR1 is delivered with the task's sigaction as it is at
 * delivery: engine 1 makes it up (the task handles it then), engine 2
 * holds the task in the same report, meanwhile another thread sets
 * SIGUSR1 to SIG_IGN; once engine 2 lets go, the signal is ignored: the
 * handler does not run, and the main thread sleeps on in its read().
 */
static void made_up_signal_uses_the_sigaction_at_delivery(void)
{
	int fd = utd_open(), go[2], made, held, status, by_itself;
	char reply = 0;
	pid_t pid;

	if (!ob_init())
		return;
	CHECK(pipe(quit_pipe) == 0 && pipe(cmd_pipe) == 0 && pipe(reply_pipe) == 0, "pipe");
	pid = utd_held_child(go, handle_usr1_with_a_thread_and_read);
	made = maker(fd, pid, 1, SIGUSR1, SI_QUEUE, DELIVER, QUIESCE | SIG_REPORT);
	held = utd_attach_simple(fd, pid, UTRACE_TEST_STOP, QUIESCE | SIG_REPORT, 2, 0);
	if (reader_go(go, pid) && made >= 0 && held >= 0) {
		CHECK(ioctl(fd, UTRACE_TEST_INTERRUPT, made) == 0, "interrupt: %s",
		      strerror(errno));
		if (UTD_POLL(utd_stopped(fd, held))) {
			struct pollfd pfd = { .fd = reply_pipe[0], .events = POLLIN };

			CHECK(write(cmd_pipe[1], "i", 1) == 1, "tell the thread");
			CHECK(poll(&pfd, 1, 5000) == 1 && read(reply_pipe[0], &reply, 1) == 1 &&
			      reply == 'i', "the thread did not set SIG_IGN (reply %#x)", reply);
			CHECK(ioctl(fd, UTRACE_TEST_RESUME, held) == 0, "resume: %s",
			      strerror(errno));
		} else {
			CHECK(0, "engine 2 never held the task in the made-up report");
		}
	}
	status = reader_end(pid, 300, &by_itself);
	CHECK(!by_itself && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "status %#x, %s; wanted exit 0 on the quit byte", status,
	      by_itself ? "ended by itself (its read was broken)" : "ended on the quit byte");
	CHECK(ob->runs == 0 && ob->read_ret == 1,
	      "the handler ran %d times, read returned %d (%s): the signal was delivered "
	      "with the sigaction it was made up with, not SIG_IGN", ob->runs, ob->read_ret,
	      strerror(ob->read_errno));
	for (int i = 0; i < 2; i++) {
		close(cmd_pipe[i]);
		close(reply_pipe[i]);
	}
	close(fd);
}

/*
 * A handler an engine chooses for a signal the task left at SIG_DFL is
 * refused: the task's sigaction has no SA_RESTORER, and on x86-64 a frame
 * without one cannot be set up.  The task dies of the SIGTERM itself
 * (not of the SIGSEGV a failed frame would force), and alt_handler never
 * runs.
 */
static void sigterm_to_self(void)
{
	syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), SIGTERM);
	ob->survived = 1;
	_exit(0);
}

static void a_handler_for_a_signal_without_a_restorer_is_refused(void)
{
	struct utrace_test_record r[4];
	int fd, go[2], status = -1, n;
	pid_t pid;

#if !defined(__x86_64__)
	/* arm64 returns from a handler through the vDSO: it needs no restorer. */
	KTAP_SKIP("x86-64's frames need SA_RESTORER; arm64's return through the vDSO");
	return;
#endif
	fd = utd_open();
	if (!ob_init())
		return;
	pid = utd_held_child(go, sigterm_to_self);
	diverter(fd, pid, 1, SIGTERM, UTRACE_TEST_EVENT_SIGNAL_TERM, alt_handler_addr());
	utd_release(go);
	if (!utd_wait_exit_within(pid, 5000, &status)) {
		CHECK(0, "the child did not end");
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
	}
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM,
	      "status %#x (killed by %d), wanted killed by SIGTERM", status,
	      WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	CHECK(ob->alt_runs == 0 && !ob->survived, "alt_handler ran %d times, survived %d",
	      ob->alt_runs, ob->survived);
	n = read_side(fd, SIDE_SIGNAL, r, 4);
	CHECK(n == 1 && r[0].nr == SIGTERM && r[0].args[3] == H_DFL,
	      "%d signal records (first: signal %lld handler %#llx), wanted 1 SIGTERM with SIG_DFL",
	      n, n > 0 ? (long long)r[0].nr : 0LL,
	      n > 0 ? (unsigned long long)r[0].args[3] : 0ULL);
	close(fd);
}

/*
 * SIGKILL and SIGSTOP are the kernel's alone: no engine makes them up
 * (MAKE_UP, any disposition) or delivers them with another handler
 * (HANDLER: SIG_DFL, SIG_IGN or a function).  Each attach fails EINVAL.
 */
static void kill_and_stop_cannot_be_made_up_or_diverted(void)
{
	static const int sigs[] = { SIGKILL, SIGSTOP };
	static const long long hows[] = { DELIVER, IGN, TERM, UTRACE_TEST_SIGNAL_STOP };

	for (unsigned int s = 0; s < 2; s++) {
		long long handlers[] = { H_DFL, H_IGN, (long long)alt_handler_addr() };

		for (unsigned int i = 0; i < sizeof(hows) / sizeof(hows[0]); i++) {
			struct utrace_test_attach a = {
				.kind = UTRACE_TEST_MAKE_UP, .events = QUIESCE | SIG_REPORT,
				.id = 1, .nr = sigs[s], .arg = SI_KERNEL, .value = hows[i],
			};
			int fd = utd_open();

			errno = 0;
			CHECK(ioctl(fd, UTRACE_TEST_ATTACH, &a) == -1 && errno == EINVAL,
			      "MAKE_UP signal %d disposition %#llx: not refused with EINVAL (%s)",
			      sigs[s], hows[i], strerror(errno));
			close(fd);
		}
		for (unsigned int i = 0; i < 3; i++) {
			struct utrace_test_attach a = {
				.kind = UTRACE_TEST_HANDLER, .events = UTRACE_TEST_EVENT_SIGNAL_ALL,
				.id = 1, .nr = sigs[s], .value = handlers[i],
			};
			int fd = utd_open();

			errno = 0;
			CHECK(ioctl(fd, UTRACE_TEST_ATTACH, &a) == -1 && errno == EINVAL,
			      "HANDLER signal %d handler %#llx: not refused with EINVAL (%s)",
			      sigs[s], (unsigned long long)handlers[i], strerror(errno));
			close(fd);
		}
	}
}

/*
 * A made-up SIGUSR1 with the STOP disposition: engine 2 holds the task in
 * the made-up report; a SIGCONT sent meanwhile cancels the stop that
 * would follow, as it does for the stop after a tracer's signal stop.
 * The child is never reported stopped, and sleeps on in its read().
 */
static void sigcont_during_a_made_up_report_cancels_its_stop(void)
{
	int fd = utd_open(), go[2], made, held, status, by_itself, sig = 0, stopped = 0;
	pid_t pid = reader_child(go);

	if (pid < 0)
		return;
	made = maker(fd, pid, 1, SIGUSR1, SI_QUEUE, UTRACE_TEST_SIGNAL_STOP, QUIESCE | SIG_REPORT);
	held = utd_attach_simple(fd, pid, UTRACE_TEST_STOP, QUIESCE | SIG_REPORT, 2, 0);
	if (reader_go(go, pid) && made >= 0 && held >= 0) {
		CHECK(ioctl(fd, UTRACE_TEST_INTERRUPT, made) == 0, "interrupt: %s",
		      strerror(errno));
		if (UTD_POLL(utd_stopped(fd, held))) {
			CHECK(kill(pid, SIGCONT) == 0, "SIGCONT: %s", strerror(errno));
			CHECK(ioctl(fd, UTRACE_TEST_RESUME, held) == 0, "resume: %s",
			      strerror(errno));
			stopped = stopped_within(pid, 300, &sig);
			CHECK(!stopped, "the child stopped (by %d) though SIGCONT came during the "
			      "made-up report", sig);
		} else {
			CHECK(0, "engine 2 never held the task in the made-up report");
		}
	}
	if (stopped)
		kill(pid, SIGCONT);
	status = reader_end(pid, 0, &by_itself);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %#x, wanted exit 0",
	      status);
	CHECK(ob->runs == 0 && ob->read_ret == 1,
	      "handler runs %d, read returned %d (%s); wanted none and the quit byte", ob->runs,
	      ob->read_ret, strerror(ob->read_errno));
	close(fd);
}

/*
 * The same for a dequeued signal: a SIGNAL engine answers STOP for the
 * child's SIGUSR1 and holds it in the report; a SIGCONT sent meanwhile
 * cancels the stop.  The handler does not run (the disposition is STOP).
 */
static void sigcont_during_a_signal_report_cancels_its_stop(void)
{
	struct utrace_test_attach a = {
		.kind = UTRACE_TEST_SIGNAL, .events = UTRACE_TEST_EVENT_SIGNAL, .id = 1,
		.nr = SIGUSR1, .arg = 1, .value = UTRACE_TEST_SIGNAL_STOP,
	};
	int fd = utd_open(), go[2], slot, status, by_itself, sig = 0, stopped = 0;
	pid_t pid = handler_reader_child(go, 0);

	if (pid < 0)
		return;
	a.pid = pid;
	slot = utd_attach(fd, a);
	if (reader_go(go, pid) && slot >= 0) {
		CHECK(kill(pid, SIGUSR1) == 0, "SIGUSR1: %s", strerror(errno));
		if (UTD_POLL(utd_stopped(fd, slot))) {
			CHECK(kill(pid, SIGCONT) == 0, "SIGCONT: %s", strerror(errno));
			CHECK(ioctl(fd, UTRACE_TEST_RESUME, slot) == 0, "resume: %s",
			      strerror(errno));
			stopped = stopped_within(pid, 300, &sig);
			CHECK(!stopped, "the child stopped (by %d) though SIGCONT came during the "
			      "signal report", sig);
		} else {
			CHECK(0, "the engine never held the task in the report of its SIGUSR1");
		}
	}
	if (stopped)
		kill(pid, SIGCONT);
	status = reader_end(pid, 0, &by_itself);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %#x, wanted exit 0",
	      status);
	CHECK(ob->runs == 0 && ob->read_ret == 1,
	      "handler runs %d, read returned %d (%s); wanted none (STOP) and the quit byte",
	      ob->runs, ob->read_ret, strerror(ob->read_errno));
	close(fd);
}

/*
 * An observer (SIGNAL_OBSERVE) changes no signal, so it makes none up:
 * SIGNAL_REPORT with SIGNAL_OBSERVE is refused at attach (a MAKE_UP
 * engine, a RECORD engine) and by SET_EVENTS, whichever of the two bits
 * comes second.  The two apart are taken.
 */
static void an_observer_cannot_make_up_signals(void)
{
	const unsigned int observer = UTRACE_TEST_EVENT_SIGNAL_OBSERVE |
				      UTRACE_TEST_EVENT_SIGNAL_TERM | QUIESCE;
	struct utrace_test_attach a = {
		.kind = UTRACE_TEST_MAKE_UP, .events = observer | SIG_REPORT, .id = 1,
		.nr = SIGUSR1, .arg = SI_KERNEL, .value = DELIVER,
	};
	struct utrace_test_events ev;
	int fd = utd_open(), slot;

	errno = 0;
	CHECK(ioctl(fd, UTRACE_TEST_ATTACH, &a) == -1 && errno == EINVAL,
	      "a MAKE_UP observer with SIGNAL_REPORT: not refused with EINVAL (%s)",
	      strerror(errno));
	a.kind = UTRACE_TEST_RECORD;
	a.nr = -1;
	a.arg = 0;
	a.value = 0;
	errno = 0;
	CHECK(ioctl(fd, UTRACE_TEST_ATTACH, &a) == -1 && errno == EINVAL,
	      "a RECORD observer with SIGNAL_REPORT: not refused with EINVAL (%s)",
	      strerror(errno));
	close(fd);

	/* An observer, then SIGNAL_REPORT added. */
	fd = utd_open();
	slot = utd_attach_simple(fd, 0, UTRACE_TEST_RECORD, observer, 1, 0);
	if (slot >= 0) {
		ev.slot = slot;
		ev.events = observer | SIG_REPORT;
		errno = 0;
		CHECK(ioctl(fd, UTRACE_TEST_SET_EVENTS, &ev) == -1 && errno == EINVAL,
		      "SET_EVENTS adding SIGNAL_REPORT to an observer: not refused with "
		      "EINVAL (%s)", strerror(errno));
	}
	close(fd);

	/* A made-up report engine, then SIGNAL_OBSERVE added. */
	fd = utd_open();
	slot = utd_attach_simple(fd, 0, UTRACE_TEST_RECORD,
				 UTRACE_TEST_EVENT_SIGNAL_TERM | QUIESCE | SIG_REPORT, 1, 0);
	if (slot >= 0) {
		ev.slot = slot;
		ev.events = observer | SIG_REPORT;
		errno = 0;
		CHECK(ioctl(fd, UTRACE_TEST_SET_EVENTS, &ev) == -1 && errno == EINVAL,
		      "SET_EVENTS adding SIGNAL_OBSERVE to a SIGNAL_REPORT engine: not refused "
		      "with EINVAL (%s)", strerror(errno));
	}
	close(fd);
}

/*
 * The child: exits at once, by exit(), not exit_group(): a group exit
 * stops for no engine (no SIGKILL could end the stop).
 */
static void just_exit(void)
{
	syscall(SYS_exit, 0);
}

/*
 * A task must not die with TIF_SIGPENDING set by a made-up report it will
 * never make: its exit's interruptible waits (an io_uring cancel, a tty
 * drain) would then not wait but spin.  Engine 1 holds the child in its
 * exit report; a report request for engine 2 (with SIGNAL_REPORT) comes
 * meanwhile: its kick runs in the exit (exit_task_work()), after the
 * task is marked exiting, and must not arm the report.  The death report
 * records whether the dying task had a signal pending: it must not, as
 * for the control (engine 2 without SIGNAL_REPORT).
 */
static void an_exiting_task_arms_no_signal_report(void)
{
	for (int with_report = 0; with_report < 2; with_report++) {
		struct utrace_test_attach stop = {
			.kind = UTRACE_TEST_STOP, .events = UTRACE_TEST_EVENT_EXIT, .id = 1,
			.nr = -1,
		};
		const unsigned int events = QUIESCE | UTRACE_TEST_EVENT_DEATH |
					    (with_report ? SIG_REPORT : 0);
		const char *what = with_report ? "with the made-up report" : "control";
		struct utrace_test_record d[4];
		int fd = utd_open(), go[2], held, made, status = -1, n;
		pid_t pid = utd_held_child(go, just_exit);

		stop.pid = pid;
		held = utd_attach(fd, stop);
		made = maker(fd, pid, 2, SIGUSR1, SI_KERNEL, DELIVER, events);
		utd_release(go);
		if (held >= 0 && made >= 0 && UTD_POLL(utd_stopped(fd, held))) {
			CHECK(ioctl(fd, UTRACE_TEST_REPORT, made) == 0, "%s: report: %s", what,
			      strerror(errno));
			CHECK(ioctl(fd, UTRACE_TEST_RESUME, held) == 0, "%s: resume: %s", what,
			      strerror(errno));
		} else {
			CHECK(0, "%s: the child never stopped in its exit report", what);
		}
		if (!utd_wait_exit_within(pid, 5000, &status)) {
			CHECK(0, "%s: the child did not end", what);
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
		}
		CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "%s: status %#x, wanted exit 0", what, status);
		n = read_side(fd, UTRACE_TEST_SIDE_DEATH, d, 4);
		CHECK(n == 1, "%s: %d death records", what, n);
		if (n == 1)
			CHECK(d[0].args[1] == 0, "%s: the task died with a signal pending", what);
		close(fd);
	}
}

KTAP_MAIN("guest_signal_report",
	  KTAP_CASE(made_up_signal_runs_the_handler_though_blocked),
	  KTAP_CASE(made_up_signal_terminates),
	  KTAP_CASE(made_up_signal_needs_the_event),
	  KTAP_CASE(made_up_signal_seen_by_later_engines_in_attach_order),
	  KTAP_CASE(made_up_signal_unseen_by_the_tracer),
	  KTAP_CASE(make_up_refuses_bad_input),
	  KTAP_CASE(handler_diverted_to_ignore_leaves_the_sigaction),
	  KTAP_CASE(handler_diverted_to_default_kills),
	  KTAP_CASE(handler_diverted_to_another_function),
	  KTAP_CASE(diverted_delivery_skips_sa_resethand),
	  KTAP_CASE(later_engine_sees_the_diverted_handler),
	  KTAP_CASE(observer_cannot_divert_a_fatal_signal),
	  KTAP_CASE(handler_refuses_bad_input),
	  KTAP_CASE(synchronous_signal_comes_before_a_made_up_one),
	  KTAP_CASE(made_up_signal_breaks_an_io_uring_wait),
	  KTAP_CASE(made_up_signal_honours_sa_resethand),
	  KTAP_CASE(made_up_signal_uses_the_sigaction_at_delivery),
	  KTAP_CASE(a_handler_for_a_signal_without_a_restorer_is_refused),
	  KTAP_CASE(kill_and_stop_cannot_be_made_up_or_diverted),
	  KTAP_CASE(sigcont_during_a_made_up_report_cancels_its_stop),
	  KTAP_CASE(sigcont_during_a_signal_report_cancels_its_stop),
	  KTAP_CASE(an_exiting_task_arms_no_signal_report),
	  KTAP_CASE(an_observer_cannot_make_up_signals))
