// SPDX-License-Identifier: GPL-2.0
/*
 * ptrace_events_test - a tracer's stops at task events take its place
 * among the engines.
 *
 * A tracer is one layer among a task's engines, at the place its attach
 * time gives it (Documentation/design.md, section 2).  Task events are
 * told in attach order, from the kernel outwards: the engines attached
 * before the tracer (inside it) hear of an exec, an exit or a clone before
 * the tracer's PTRACE_EVENT_* stop, and the engines attached after it
 * (outside) after the tracer resumed the task.  The exit code flows the
 * same way: the tracer's event message is the code the engine inside it
 * left, and the engine outside sees the code the tracer left.
 *
 * Each case forks a child that waits until engine 1 is attached to it,
 * asks to be traced (PTRACE_TRACEME) and stops with SIGSTOP; the test, its
 * tracer, then attaches engine 2 and sets the event options, and the child
 * does the event.  At the tracer's event stop, only engine 1 has logged
 * it; once the tracer resumes the child, engine 2 has too.
 *
 * A clone is told differently: every engine hears of it before the child
 * runs (to follow it), and the tracer's stop comes after the child is
 * woken (a tracer waits for the new child there).  So at the tracer's
 * fork, vfork or clone stop both engines have heard of the child, which
 * had not run then; no engine can change what the tracer sees there.
 * The end of a vfork wait is a task event again: engine 1 hears of it
 * before the tracer's PTRACE_EVENT_VFORK_DONE stop, engine 2 after.
 * A traced task's group stop is its tracer's STOP trap: every engine hears
 * of it before the trap, and that the task runs again when it leaves it.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/utrace_test.h>
#include "ptrace.h"
#include "ktap.h"
#include "utrace_test_dev.h"

#define INSIDE 1
#define OUTSIDE 2

static long pt(long req, pid_t pid, unsigned long addr, unsigned long data)
{
	return syscall(SYS_ptrace, req, pid, addr, data);
}

/* What the child does once traced, set by each case before the fork. */
static void (*event_body)(void);

/* The child: traced by its parent, stopped, then the case's event. */
static void traced_child(void)
{
	pid_t me = syscall(SYS_gettid);

	if (pt(PTRACE_TRACEME, 0, 0, 0))
		_exit(100);
	syscall(SYS_kill, me, SIGSTOP);
	event_body();
	_exit(101);
}

/*
 * Forks the child with engine 1 (@kind, @value, @events) attached before
 * its tracer and engine 2 (a recorder of @events) after; sets @options.
 * Returns its pid, stopped in its SIGSTOP with no record logged, or -1
 * (the case failed, the child is gone).
 */
static pid_t traced_child_between(int fd, unsigned int kind, long long value,
				  unsigned int events, long options)
{
	struct utrace_test_record r[4];
	int go[2], st = 0;
	pid_t pid = utd_held_child(go, traced_child);

	if (pid < 0)
		return -1;
	if (utd_attach_simple(fd, pid, kind, events, INSIDE, value) < 0)
		goto fail;
	utd_release(go);
	if (waitpid(pid, &st, 0) != pid || !WIFSTOPPED(st) || WSTOPSIG(st) != SIGSTOP) {
		CHECK(0, "the child did not stop in its SIGSTOP: status %#x", st);
		goto fail;
	}
	if (utd_attach_simple(fd, pid, UTRACE_TEST_RECORD, events, OUTSIDE, 0) < 0)
		goto fail;
	if (pt(PTRACE_SETOPTIONS, pid, 0, PTRACE_O_EXITKILL | options)) {
		CHECK(0, "PTRACE_SETOPTIONS: %s", strerror(errno));
		goto fail;
	}
	CHECK(utd_read(fd, r, 4) == 0, "records logged before the event");
	return pid;
fail:
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return -1;
}

/* Resumes @pid and waits for its next stop of @event; 0 or -1 (CHECKed). */
static int cont_to_event(pid_t pid, int event, const char *what)
{
	int st = 0;

	if (pt(PTRACE_CONT, pid, 0, 0)) {
		CHECK(0, "PTRACE_CONT to the %s stop: %s", what, strerror(errno));
		return -1;
	}
	if (waitpid(pid, &st, __WALL) != pid || !WIFSTOPPED(st) ||
	    (st >> 8) != (SIGTRAP | (event << 8))) {
		CHECK(0, "no %s stop: status %#x", what, st);
		return -1;
	}
	return 0;
}

/*
 * Reads the log: wants exactly one record, of engine @id, side @side;
 * returns it in @r.  0 or -1 (CHECKed, with what was logged).
 */
static int expect_one(int fd, unsigned int id, unsigned int side,
		      struct utrace_test_record *r, const char *when)
{
	struct utrace_test_record all[8];
	int n = utd_read(fd, all, 8);

	CHECK(n == 1 && all[0].id == id && all[0].side == side,
	      "%s: %d records (first: engine %u side %u), wanted one of engine %u side %u",
	      when, n, n > 0 ? all[0].id : 0, n > 0 ? all[0].side : 0, id, side);
	if (n != 1 || all[0].id != id || all[0].side != side)
		return -1;
	*r = all[0];
	return 0;
}

/*
 * Waits for @pid's end, passing on the signals it stops at (SIGCHLD of
 * its own child); returns the wait status.
 */
static int wait_end(pid_t pid)
{
	int st = -1;

	while (waitpid(pid, &st, __WALL) == pid && WIFSTOPPED(st)) {
		int sig = WSTOPSIG(st) == SIGTRAP ? 0 : WSTOPSIG(st);

		if (pt(PTRACE_CONT, pid, 0, sig)) {
			CHECK(0, "PTRACE_CONT after stop %#x: %s", st, strerror(errno));
			break;
		}
	}
	return st;
}

/* Resumes @pid and waits for its end; returns the wait status. */
static int cont_to_end(pid_t pid)
{
	CHECK(pt(PTRACE_CONT, pid, 0, 0) == 0, "PTRACE_CONT: %s", strerror(errno));
	return wait_end(pid);
}

/*
 * Resumes @pid, which must then end without another stop (the tracer's
 * event stop was its only one); returns the wait status.
 */
static int cont_to_end_without_a_stop(pid_t pid)
{
	int st = -1;

	CHECK(pt(PTRACE_CONT, pid, 0, 0) == 0, "PTRACE_CONT: %s", strerror(errno));
	CHECK(waitpid(pid, &st, __WALL) == pid, "waitpid: %s", strerror(errno));
	if (WIFSTOPPED(st)) {
		CHECK(0, "another stop after the event stop: status %#x", st);
		kill(pid, SIGKILL);
		st = wait_end(pid);
	}
	return st;
}

static void exit_three(void)
{
	_exit(3);
}

static void raw_exit_three(void)
{
	/* The thread's exit, not exit_group: the group exit comes after. */
	syscall(SYS_exit, 3);
}

/*
 * PTRACE_EVENT_EXIT: engine 1, inside the tracer, changes the code from
 * exit(3) to exit(5); the tracer's message is exit(5); engine 2, outside,
 * sees exit(5) after the tracer resumed the child, and so does the parent.
 */
static void exit_stop_between_the_engines_of(void (*body)(void), const char *what)
{
	struct utrace_test_record r;
	unsigned long msg = 0;
	int fd = utd_open(), st;
	pid_t pid;

	KTAP_DIAG("%s", what);
	event_body = body;
	pid = traced_child_between(fd, UTRACE_TEST_SET_RETURN, 5 << 8,
				   UTRACE_TEST_EVENT_EXIT, PTRACE_O_TRACEEXIT);
	if (pid < 0)
		goto out;
	if (cont_to_event(pid, PTRACE_EVENT_EXIT, "exit")) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		goto out;
	}
	if (expect_one(fd, INSIDE, UTRACE_TEST_SIDE_EXIT_EVENT, &r,
		       "at the tracer's exit stop") == 0)
		CHECK(r.ret == 3 << 8, "the engine inside saw exit code %#llx, wanted 0x300",
		      (long long)r.ret);
	CHECK(pt(PTRACE_GETEVENTMSG, pid, 0, (unsigned long)&msg) == 0 && msg == 5 << 8,
	      "the tracer's exit message is %#lx, wanted 0x500 (the inside engine's code)",
	      msg);
	st = cont_to_end_without_a_stop(pid);
	if (expect_one(fd, OUTSIDE, UTRACE_TEST_SIDE_EXIT_EVENT, &r,
		       "after the tracer's exit stop") == 0)
		CHECK(r.ret == 5 << 8, "the engine outside saw exit code %#llx, wanted 0x500",
		      (long long)r.ret);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 5, "the parent saw status %#x, wanted exit 5",
	      st);
out:
	close(fd);
}

static void exit_stop_between_the_engines(void)
{
	exit_stop_between_the_engines_of(exit_three, "exit_group (_exit)");
	exit_stop_between_the_engines_of(raw_exit_three, "the last thread's exit (SYS_exit)");
}

/*
 * The registry outlives its engines: a child whose only engine was
 * detached before it exits still gets the tracer's exit stop, with the
 * kernel's message.
 */
static void exit_stop_after_the_engines_are_gone(void)
{
	unsigned long msg = 0;
	int fd = utd_open(), st;
	pid_t pid;

	event_body = exit_three;
	pid = traced_child_between(fd, UTRACE_TEST_RECORD, 0, UTRACE_TEST_EVENT_EXIT,
				   PTRACE_O_TRACEEXIT);
	if (pid < 0)
		goto out;
	/* Closing the file detaches both engines. */
	close(fd);
	fd = -1;
	if (cont_to_event(pid, PTRACE_EVENT_EXIT, "exit")) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		goto out;
	}
	CHECK(pt(PTRACE_GETEVENTMSG, pid, 0, (unsigned long)&msg) == 0 && msg == 3 << 8,
	      "the tracer's exit message is %#lx, wanted 0x300", msg);
	st = cont_to_end_without_a_stop(pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 3, "status %#x, wanted exit 3", st);
out:
	if (fd >= 0)
		close(fd);
}

static void exec_true(void)
{
	execl("/bin/true", "true", (char *)NULL);
}

/* PTRACE_EVENT_EXEC: engine 1 hears of the exec before the stop, 2 after. */
static void exec_stop_between_the_engines(void)
{
	struct utrace_test_record r;
	unsigned long msg = 0;
	int fd = utd_open(), st;
	pid_t pid;

	event_body = exec_true;
	pid = traced_child_between(fd, UTRACE_TEST_RECORD, 0, UTRACE_TEST_EVENT_EXEC,
				   PTRACE_O_TRACEEXEC);
	if (pid < 0)
		goto out;
	if (cont_to_event(pid, PTRACE_EVENT_EXEC, "exec")) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		goto out;
	}
	if (expect_one(fd, INSIDE, UTRACE_TEST_SIDE_EXEC, &r, "at the tracer's exec stop") == 0)
		CHECK(!strcmp((const char *)r.args, "/bin/true"), "exec path '%.47s'",
		      (const char *)r.args);
	CHECK(pt(PTRACE_GETEVENTMSG, pid, 0, (unsigned long)&msg) == 0 && msg == (unsigned long)pid,
	      "the tracer's exec message is %lu, wanted the pid %d", msg, pid);
	st = cont_to_end_without_a_stop(pid);
	expect_one(fd, OUTSIDE, UTRACE_TEST_SIDE_EXEC, &r, "after the tracer's exec stop");
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %#x, wanted exit 0", st);
out:
	close(fd);
}

/*
 * A tracer of old, without PTRACE_O_TRACEEXEC, gets the SIGTRAP that
 * ptrace_event() sends at the exec stop's place, exactly once.  It is a
 * signal, stopped at when the task next looks at its signals: after both
 * engines heard of the exec.
 */
static void exec_sigtrap_of_an_old_tracer_comes_once(void)
{
	struct utrace_test_record r[4];
	int fd = utd_open(), st = 0, n;
	pid_t pid;

	event_body = exec_true;
	pid = traced_child_between(fd, UTRACE_TEST_RECORD, 0, UTRACE_TEST_EVENT_EXEC, 0);
	if (pid < 0)
		goto out;
	if (pt(PTRACE_CONT, pid, 0, 0) || waitpid(pid, &st, __WALL) != pid ||
	    !WIFSTOPPED(st) || WSTOPSIG(st) != SIGTRAP || (st >> 16)) {
		CHECK(0, "no exec SIGTRAP: status %#x", st);
		kill(pid, SIGKILL);
		wait_end(pid);
		goto out;
	}
	n = utd_read(fd, r, 4);
	CHECK(n == 2 && r[0].id == INSIDE && r[1].id == OUTSIDE,
	      "at the exec SIGTRAP: %d records, wanted both engines' exec", n);
	st = cont_to_end_without_a_stop(pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %#x, wanted exit 0", st);
out:
	close(fd);
}

static void fork_and_reap(void)
{
	pid_t child = fork();

	if (child == 0)
		_exit(0);
	_exit(child > 0 && waitpid(child, NULL, 0) == child ? 0 : 1);
}

static void vfork_and_go_on(void)
{
	pid_t child = vfork();

	if (child == 0)
		_exit(0);
	_exit(child > 0 && waitpid(child, NULL, 0) == child ? 0 : 1);
}

static void *thread_returns(void *arg)
{
	return arg;
}

static void thread_and_join(void)
{
	pthread_t t;

	_exit(pthread_create(&t, NULL, thread_returns, NULL) == 0 &&
	      pthread_join(t, NULL) == 0 ? 0 : 1);
}

/*
 * The new task, auto-attached to us at the clone: waits for its first stop
 * and lets it go.  A thread stops in its SIGSTOP too (non-seize attach).
 */
static void release_new_task(pid_t child)
{
	int st = 0;

	CHECK(waitpid(child, &st, __WALL) == child && WIFSTOPPED(st),
	      "the new task %d: status %#x, wanted its first stop", child, st);
	CHECK(pt(PTRACE_DETACH, child, 0, 0) == 0, "PTRACE_DETACH %d: %s", child,
	      strerror(errno));
}

/*
 * A clone of kind @event (body @body): both engines hear of it, in attach
 * order, before the child runs; then the tracer stops with the new pid.
 */
static void clone_stop_between_the_engines(void (*body)(void), int event, long option,
					   const char *what)
{
	struct utrace_test_record r[4];
	unsigned long child = 0;
	int fd = utd_open(), st, n;
	pid_t pid;

	KTAP_DIAG("%s", what);
	event_body = body;
	pid = traced_child_between(fd, UTRACE_TEST_RECORD, 0, UTRACE_TEST_EVENT_CLONE, option);
	if (pid < 0)
		goto out;
	if (cont_to_event(pid, event, what)) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		goto out;
	}
	CHECK(pt(PTRACE_GETEVENTMSG, pid, 0, (unsigned long)&child) == 0 && child > 0,
	      "%s: no new pid in the event message", what);
	n = utd_read(fd, r, 4);
	CHECK(n == 2 && r[0].id == INSIDE && r[1].id == OUTSIDE &&
	      r[0].side == UTRACE_TEST_SIDE_CLONE && r[1].side == UTRACE_TEST_SIDE_CLONE &&
	      r[0].nr == (long long)child && r[1].nr == (long long)child,
	      "%s: at the tracer's stop %d records (engine %u side %u child %lld, engine %u side %u child %lld), wanted both engines' clone of %lu",
	      what, n, n > 0 ? r[0].id : 0, n > 0 ? r[0].side : 0, n > 0 ? (long long)r[0].nr : -1,
	      n > 1 ? r[1].id : 0, n > 1 ? r[1].side : 0, n > 1 ? (long long)r[1].nr : -1, child);
	CHECK(pt(PTRACE_CONT, pid, 0, 0) == 0, "PTRACE_CONT: %s", strerror(errno));
	if (child > 0)
		release_new_task(child);
	st = wait_end(pid);
	CHECK(utd_read(fd, r, 4) == 0, "%s: records after the tracer's stop", what);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s: status %#x, wanted exit 0", what,
	      st);
out:
	close(fd);
}

static void fork_stop_between_the_engines(void)
{
	clone_stop_between_the_engines(fork_and_reap, PTRACE_EVENT_FORK, PTRACE_O_TRACEFORK,
				       "fork");
}

static void vfork_stop_between_the_engines(void)
{
	clone_stop_between_the_engines(vfork_and_go_on, PTRACE_EVENT_VFORK,
				       PTRACE_O_TRACEVFORK, "vfork");
}

static void clone_stop_between_the_engines_for_a_thread(void)
{
	clone_stop_between_the_engines(thread_and_join, PTRACE_EVENT_CLONE,
				       PTRACE_O_TRACECLONE, "thread");
}

/* A tracer that does not stop at the clone: the engines hear of it all the same. */
static void clone_without_a_tracer_stop_is_one_round(void)
{
	struct utrace_test_record r[4];
	int fd = utd_open(), st, n;
	pid_t pid;

	event_body = fork_and_reap;
	pid = traced_child_between(fd, UTRACE_TEST_RECORD, 0, UTRACE_TEST_EVENT_CLONE, 0);
	if (pid < 0)
		goto out;
	st = cont_to_end(pid);
	n = utd_read(fd, r, 4);
	CHECK(n == 2 && r[0].id == INSIDE && r[1].id == OUTSIDE && r[0].nr == r[1].nr &&
	      r[0].nr > 0,
	      "%d records (engines %u %u, children %lld %lld), wanted engines 1 then 2, one child",
	      n, n > 0 ? r[0].id : 0, n > 1 ? r[1].id : 0, n > 0 ? (long long)r[0].nr : -1,
	      n > 1 ? (long long)r[1].nr : -1);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %#x, wanted exit 0", st);
out:
	close(fd);
}

/*
 * PTRACE_EVENT_VFORK_DONE: engine 1 hears that the vfork child let the
 * memory go before the tracer's stop, engine 2 after; both with the pid
 * the tracer's event message gives.
 */
static void vfork_done_stop_between_the_engines(void)
{
	struct utrace_test_record r;
	unsigned long child = 0;
	int fd = utd_open(), st;
	pid_t pid;

	event_body = vfork_and_go_on;
	pid = traced_child_between(fd, UTRACE_TEST_RECORD, 0, UTRACE_TEST_EVENT_VFORK_DONE,
				   PTRACE_O_TRACEVFORKDONE);
	if (pid < 0)
		goto out;
	if (cont_to_event(pid, PTRACE_EVENT_VFORK_DONE, "vfork-done")) {
		kill(pid, SIGKILL);
		wait_end(pid);
		goto out;
	}
	CHECK(pt(PTRACE_GETEVENTMSG, pid, 0, (unsigned long)&child) == 0 && child > 0,
	      "no child pid in the vfork-done message");
	if (expect_one(fd, INSIDE, UTRACE_TEST_SIDE_VFORK_DONE, &r,
		       "at the tracer's vfork-done stop") == 0)
		CHECK(r.nr == (long long)child, "engine 1 heard of child %lld, the tracer of %lu",
		      (long long)r.nr, child);
	/* The SIGCHLD of the vfork child's exit is passed on. */
	st = cont_to_end(pid);
	if (expect_one(fd, OUTSIDE, UTRACE_TEST_SIDE_VFORK_DONE, &r,
		       "after the tracer's vfork-done stop") == 0)
		CHECK(r.nr == (long long)child, "engine 2 heard of child %lld, the tracer of %lu",
		      (long long)r.nr, child);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %#x, wanted exit 0", st);
out:
	close(fd);
}

/* A tracer that does not stop at the vfork's end: one round, in attach order. */
static void vfork_done_without_a_tracer_stop_is_one_round(void)
{
	struct utrace_test_record r[4];
	int fd = utd_open(), st, n;
	pid_t pid;

	event_body = vfork_and_go_on;
	pid = traced_child_between(fd, UTRACE_TEST_RECORD, 0, UTRACE_TEST_EVENT_VFORK_DONE, 0);
	if (pid < 0)
		goto out;
	st = cont_to_end(pid);
	n = utd_read(fd, r, 4);
	CHECK(n == 2 && r[0].id == INSIDE && r[1].id == OUTSIDE &&
	      r[0].side == UTRACE_TEST_SIDE_VFORK_DONE && r[1].side == UTRACE_TEST_SIDE_VFORK_DONE &&
	      r[0].nr == r[1].nr && r[0].nr > 0,
	      "%d records (engines %u %u, children %lld %lld), wanted engines 1 then 2, one child",
	      n, n > 0 ? r[0].id : 0, n > 1 ? r[1].id : 0, n > 0 ? (long long)r[0].nr : -1,
	      n > 1 ? (long long)r[1].nr : -1);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %#x, wanted exit 0", st);
out:
	close(fd);
}

static void pause_forever(void)
{
	for (;;)
		pause();
}

/*
 * Forks a child that pauses, with engine 1 (a recorder of @events)
 * attached before its tracer; seizes it (PTRACE_SEIZE, @options) and
 * attaches engine 2 after.  Returns its pid, or -1 (case failed).
 */
static pid_t seized_child_between(int fd, unsigned int events, long options)
{
	int go[2];
	pid_t pid = utd_held_child(go, pause_forever);

	if (pid < 0)
		return -1;
	if (utd_attach_simple(fd, pid, UTRACE_TEST_RECORD, events, INSIDE, 0) < 0)
		goto fail;
	utd_release(go);
	if (pt(PTRACE_SEIZE, pid, 0, PTRACE_O_EXITKILL | options)) {
		CHECK(0, "PTRACE_SEIZE: %s", strerror(errno));
		goto fail;
	}
	if (utd_attach_simple(fd, pid, UTRACE_TEST_RECORD, events, OUTSIDE, 0) < 0)
		goto fail;
	return pid;
fail:
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return -1;
}

/*
 * Waits up to 2 s for @n job-control records, of engine 1 then engine 2
 * (@n == 2) with nr @nr (0: stopping, 1: continued).  CHECKs.
 */
static void expect_jctl_pair(int fd, long long nr, const char *when)
{
	struct utrace_test_record r[4];
	int n = 0;

	for (int i = 0; i < 200 && n < 2; i++) {
		int got = utd_read(fd, r + n, 4 - n);

		if (got > 0)
			n += got;
		else
			utd_msleep(10);
	}
	CHECK(n == 2 && r[0].id == INSIDE && r[1].id == OUTSIDE &&
	      r[0].side == UTRACE_TEST_SIDE_JCTL && r[1].side == UTRACE_TEST_SIDE_JCTL &&
	      r[0].nr == nr && r[1].nr == nr,
	      "%s: %d records (engine %u side %u nr %lld, engine %u side %u nr %lld), wanted both engines' job-control %s",
	      when, n, n > 0 ? r[0].id : 0, n > 0 ? r[0].side : 0, n > 0 ? (long long)r[0].nr : -1,
	      n > 1 ? r[1].id : 0, n > 1 ? r[1].side : 0, n > 1 ? (long long)r[1].nr : -1,
	      nr ? "continued" : "stopping");
}

/*
 * A traced task's group stop is its tracer's STOP trap.  The engines hear
 * of the stop before the trap, in attach order, whichever side of the
 * tracer they sit: the stop is the state of the whole task, not a value
 * passed from layer to layer (the SIGSTOP that caused it was: it reached
 * engine 2 only because the tracer let it through).  They hear that the
 * task runs again when it leaves the trap: here, after PTRACE_LISTEN, at
 * the SIGCONT.
 */
static void group_stop_and_listen_with_the_tracer_between(void)
{
	int fd = utd_open(), st = 0;
	pid_t pid = seized_child_between(fd, UTRACE_TEST_EVENT_JCTL, 0);

	if (pid < 0)
		goto out;
	kill(pid, SIGSTOP);
	/* The SIGSTOP's delivery stop: the tracer lets it through. */
	if (waitpid(pid, &st, __WALL) != pid || !WIFSTOPPED(st) || WSTOPSIG(st) != SIGSTOP ||
	    (st >> 16)) {
		CHECK(0, "no SIGSTOP delivery stop: status %#x", st);
		goto kill;
	}
	CHECK(utd_read(fd, (struct utrace_test_record[4]){}, 4) == 0,
	      "job-control records before the group stop");
	if (pt(PTRACE_CONT, pid, 0, SIGSTOP) || waitpid(pid, &st, __WALL) != pid ||
	    !WIFSTOPPED(st) || (st >> 16) != PTRACE_EVENT_STOP || WSTOPSIG(st) != SIGSTOP) {
		CHECK(0, "no group-stop trap: status %#x", st);
		goto kill;
	}
	expect_jctl_pair(fd, 0, "at the tracer's group-stop trap");
	CHECK(pt(PTRACE_LISTEN, pid, 0, 0) == 0, "PTRACE_LISTEN: %s", strerror(errno));
	/* Listening: the task stays stopped, and the engines hear nothing. */
	utd_msleep(50);
	CHECK(utd_read(fd, (struct utrace_test_record[4]){}, 4) == 0,
	      "job-control records while the tracer listens");
	/* An interrupt while listening: the task leaves the trap for another. */
	if (pt(PTRACE_INTERRUPT, pid, 0, 0) || waitpid(pid, &st, __WALL) != pid ||
	    !WIFSTOPPED(st) || (st >> 16) != PTRACE_EVENT_STOP) {
		CHECK(0, "no trap after PTRACE_INTERRUPT: status %#x", st);
		goto kill;
	}
	CHECK(utd_read(fd, (struct utrace_test_record[4]){}, 4) == 0,
	      "job-control records when an interrupt ended the listening");
	CHECK(pt(PTRACE_LISTEN, pid, 0, 0) == 0, "PTRACE_LISTEN: %s", strerror(errno));
	/* SIGCONT: the task traps again to tell the tracer, still held. */
	kill(pid, SIGCONT);
	if (waitpid(pid, &st, __WALL) != pid || !WIFSTOPPED(st) ||
	    (st >> 16) != PTRACE_EVENT_STOP) {
		CHECK(0, "no trap after SIGCONT: status %#x", st);
		goto kill;
	}
	CHECK(utd_read(fd, (struct utrace_test_record[4]){}, 4) == 0,
	      "job-control records while the tracer holds the task after SIGCONT");
	/* The tracer lets it go: now it runs again. */
	CHECK(pt(PTRACE_CONT, pid, 0, 0) == 0, "PTRACE_CONT: %s", strerror(errno));
	expect_jctl_pair(fd, 1, "after the tracer let the continued task go");
kill:
	kill(pid, SIGKILL);
	waitpid(pid, NULL, __WALL);
out:
	close(fd);
}

/* The same with a tracer of old (PTRACE_TRACEME): its group stop is a plain stop. */
static void group_stop_with_an_old_style_tracer_between(void)
{
	int fd = utd_open(), st = 0;
	pid_t pid;

	event_body = pause_forever;
	pid = traced_child_between(fd, UTRACE_TEST_RECORD, 0, UTRACE_TEST_EVENT_JCTL, 0);
	if (pid < 0)
		goto out;
	if (pt(PTRACE_CONT, pid, 0, 0)) {
		CHECK(0, "PTRACE_CONT: %s", strerror(errno));
		goto kill;
	}
	kill(pid, SIGSTOP);
	if (waitpid(pid, &st, __WALL) != pid || !WIFSTOPPED(st) || WSTOPSIG(st) != SIGSTOP) {
		CHECK(0, "no SIGSTOP delivery stop: status %#x", st);
		goto kill;
	}
	if (pt(PTRACE_CONT, pid, 0, SIGSTOP) || waitpid(pid, &st, __WALL) != pid ||
	    !WIFSTOPPED(st) || WSTOPSIG(st) != SIGSTOP) {
		CHECK(0, "no group stop: status %#x", st);
		goto kill;
	}
	expect_jctl_pair(fd, 0, "at the tracer's group stop");
	/* The tracer resumes it: it runs again, though its group is stopped. */
	CHECK(pt(PTRACE_CONT, pid, 0, 0) == 0, "PTRACE_CONT: %s", strerror(errno));
	expect_jctl_pair(fd, 1, "after the tracer resumed the group stop");
kill:
	kill(pid, SIGKILL);
	waitpid(pid, NULL, __WALL);
out:
	close(fd);
}

/*
 * A stopped task that a tracer seizes goes from its stop into the tracer's
 * trap: it runs again only when the tracer lets it go.
 */
static void seize_of_a_stopped_task_is_no_continue(void)
{
	struct utrace_test_record r[4];
	int go[2], fd = utd_open(), st = 0, n;
	pid_t pid = utd_held_child(go, pause_forever);

	if (pid < 0)
		goto out;
	if (utd_attach_simple(fd, pid, UTRACE_TEST_RECORD, UTRACE_TEST_EVENT_JCTL, INSIDE, 0) < 0)
		goto kill;
	utd_release(go);
	kill(pid, SIGSTOP);
	if (waitpid(pid, &st, WUNTRACED) != pid || !WIFSTOPPED(st)) {
		CHECK(0, "the child did not stop: status %#x", st);
		goto kill;
	}
	n = utd_read(fd, r, 4);
	CHECK(n == 1 && r[0].nr == 0, "%d records at the stop, wanted stopping", n);
	if (pt(PTRACE_SEIZE, pid, 0, PTRACE_O_EXITKILL) || waitpid(pid, &st, __WALL) != pid ||
	    !WIFSTOPPED(st) || (st >> 16) != PTRACE_EVENT_STOP) {
		CHECK(0, "no trap after PTRACE_SEIZE of the stopped child: status %#x", st);
		goto kill;
	}
	CHECK(utd_read(fd, r, 4) == 0, "job-control records when the tracer took the stop");
	CHECK(pt(PTRACE_CONT, pid, 0, 0) == 0, "PTRACE_CONT: %s", strerror(errno));
	for (int i = 0, got = 0; i < 200 && !got; i++) {
		got = utd_read(fd, r, 4);
		n = got;
		if (!got)
			utd_msleep(10);
	}
	CHECK(n == 1 && r[0].side == UTRACE_TEST_SIDE_JCTL && r[0].nr == 1,
	      "%d records after the tracer let it go, wanted continued", n);
kill:
	kill(pid, SIGKILL);
	waitpid(pid, NULL, __WALL);
out:
	close(fd);
}

/* A PTRACE_INTERRUPT trap is no group stop: the engines hear nothing. */
static void interrupt_trap_is_no_group_stop(void)
{
	int fd = utd_open(), st = 0;
	pid_t pid = seized_child_between(fd, UTRACE_TEST_EVENT_JCTL, 0);

	if (pid < 0)
		goto out;
	if (pt(PTRACE_INTERRUPT, pid, 0, 0) || waitpid(pid, &st, __WALL) != pid ||
	    !WIFSTOPPED(st) || (st >> 16) != PTRACE_EVENT_STOP) {
		CHECK(0, "no interrupt trap: status %#x", st);
		goto kill;
	}
	CHECK(pt(PTRACE_CONT, pid, 0, 0) == 0, "PTRACE_CONT: %s", strerror(errno));
	utd_msleep(50);
	CHECK(utd_read(fd, (struct utrace_test_record[4]){}, 4) == 0,
	      "job-control records for an interrupt trap");
kill:
	kill(pid, SIGKILL);
	waitpid(pid, NULL, __WALL);
out:
	close(fd);
}

static void *sleep_forever(void *arg)
{
	for (;;)
		pause();
	return arg;
}

/* Dumps core (in /tmp) from the main thread while a second thread sleeps. */
static void dump_core_beside_a_thread(void)
{
	struct rlimit rl = { RLIM_INFINITY, RLIM_INFINITY };
	pthread_t t;

	if (chdir("/tmp") || setrlimit(RLIMIT_CORE, &rl))
		_exit(2);
	if (pthread_create(&t, NULL, sleep_forever, NULL))
		_exit(3);
	usleep(100000);
	raise(SIGSEGV);
	_exit(4);
}

/* The one-letter state of task @tid of process @pid. */
static char task_state(pid_t pid, pid_t tid)
{
	char path[64], buf[256], *p;
	int fd, n;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", pid, tid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return '?';
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = 0;
	p = strrchr(buf, ')');
	return p && p[1] && p[2] ? p[2] : '?';
}

/*
 * A core dump waits for every other thread of the process to reach
 * synchronize_group_exit().  A tracer's exit stop there must come after,
 * as without engines: held before it, the thread would hang the dump
 * until the tracer let it go.  So when the second thread's exit stop is
 * reported, the dumping thread is no longer waiting (not in D state).
 */
static void exit_stop_in_a_core_dump_comes_after_the_dump(void)
{
	struct utrace_test_attach a = {
		.kind = UTRACE_TEST_RECORD, .events = UTRACE_TEST_EVENT_EXIT, .id = INSIDE,
		.nr = -1, .flags = UTRACE_TEST_INHERIT,
	};
	int go[2], fd = utd_open(), st = 0, exits = 0, dumped = 0;
	pid_t pid, who;

	event_body = dump_core_beside_a_thread;
	pid = utd_held_child(go, traced_child);
	if (pid < 0)
		goto out;
	a.pid = pid;
	if (utd_attach(fd, a) < 0)
		goto kill;
	utd_release(go);
	if (waitpid(pid, &st, 0) != pid || !WIFSTOPPED(st) ||
	    pt(PTRACE_SETOPTIONS, pid, 0, PTRACE_O_EXITKILL | PTRACE_O_TRACEEXIT |
					   PTRACE_O_TRACECLONE) ||
	    pt(PTRACE_CONT, pid, 0, 0)) {
		CHECK(0, "could not set the child up: status %#x", st);
		goto kill;
	}
	while ((who = waitpid(-1, &st, __WALL)) > 0) {
		int sig = 0;

		if (WIFEXITED(st) || WIFSIGNALED(st)) {
			if (who == pid) {
				dumped = WIFSIGNALED(st) && WCOREDUMP(st);
				break;
			}
			continue;
		}
		if ((st >> 8) == (SIGTRAP | (PTRACE_EVENT_EXIT << 8)) && who != pid && !exits++)
			CHECK(task_state(pid, pid) != 'D',
			      "the second thread's exit stop came while the dump waited for it (state %c)",
			      task_state(pid, pid));
		else if (WSTOPSIG(st) == SIGSEGV)
			sig = SIGSEGV;
		pt(PTRACE_CONT, who, 0, sig);
	}
	CHECK(exits == 1, "%d exit stops of the second thread, wanted 1", exits);
	CHECK(dumped, "the child did not dump core: status %#x", st);
	unlink("/tmp/core");
	goto out;
kill:
	kill(pid, SIGKILL);
	waitpid(pid, NULL, __WALL);
out:
	close(fd);
}

KTAP_MAIN("guest_ptrace_events",
	  KTAP_CASE(exit_stop_between_the_engines),
	  KTAP_CASE(exit_stop_after_the_engines_are_gone),
	  KTAP_CASE(exec_stop_between_the_engines),
	  KTAP_CASE(exec_sigtrap_of_an_old_tracer_comes_once),
	  KTAP_CASE(exit_stop_in_a_core_dump_comes_after_the_dump),
	  KTAP_CASE(fork_stop_between_the_engines),
	  KTAP_CASE(vfork_stop_between_the_engines),
	  KTAP_CASE(clone_stop_between_the_engines_for_a_thread),
	  KTAP_CASE(clone_without_a_tracer_stop_is_one_round),
	  KTAP_CASE(vfork_done_stop_between_the_engines),
	  KTAP_CASE(vfork_done_without_a_tracer_stop_is_one_round),
	  KTAP_CASE(group_stop_and_listen_with_the_tracer_between),
	  KTAP_CASE(group_stop_with_an_old_style_tracer_between),
	  KTAP_CASE(seize_of_a_stopped_task_is_no_continue),
	  KTAP_CASE(interrupt_trap_is_no_group_stop))
