// SPDX-License-Identifier: GPL-2.0
/*
 * events_test - the task events of engine-core: exec, exit, death, reap.
 *
 * Attaches test engines of /dev/utrace-test (uapi/linux/utrace_test.h) to
 * a child, lets it exec, exit, or die of a signal, and checks what the
 * engines logged, in which order, and what the parent's wait() saw.
 */
#include <dirent.h>
#include <elf.h>
#include <fcntl.h>
#include <stdlib.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/utrace_test.h>
#include "ktap.h"
#include "utrace_test_dev.h"

#define TASK_EVENTS (UTRACE_TEST_EVENT_EXEC | UTRACE_TEST_EVENT_EXIT | \
		     UTRACE_TEST_EVENT_DEATH)
#define EXEC UTRACE_TEST_SIDE_EXEC
#define EXIT UTRACE_TEST_SIDE_EXIT_EVENT
#define DEATH UTRACE_TEST_SIDE_DEATH

static void exec_true(void)
{
	execl("/bin/true", "true", (char *)NULL);
}

static void exit_zero(void)
{
	_exit(0);
}

static void wait_for_a_signal(void)
{
	pause();
}

/* The entry point of the static executable at @path (e_entry), or 0. */
static unsigned long elf_entry(const char *path)
{
	Elf64_Ehdr eh;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int ok = fd >= 0 && read(fd, &eh, sizeof(eh)) == sizeof(eh) &&
		 !memcmp(eh.e_ident, ELFMAG, SELFMAG) && eh.e_type == ET_EXEC;

	if (fd >= 0)
		close(fd);
	return ok ? eh.e_entry : 0;
}

/*
 * Two engines hear exec, exit and death, each in attach order; the exec
 * report has the new program's registers: /bin/true (busybox, a static
 * executable) starts at its ELF entry point.
 */
static void exec_exit_death_in_attach_order(void)
{
	static const unsigned int ids[] = { 1, 2, 1, 2, 1, 2 };
	static const unsigned int sides[] = { EXEC, EXEC, EXIT, EXIT, DEATH, DEATH };
	struct utrace_test_record r[16];
	int go[2], fd = utd_open(), status, n;
	pid_t pid = utd_held_child(go, exec_true);

	utd_attach_simple(fd, pid, UTRACE_TEST_RECORD, TASK_EVENTS, 1, 0);
	utd_attach_simple(fd, pid, UTRACE_TEST_RECORD, TASK_EVENTS, 2, 0);
	status = utd_release_and_wait(go, pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %#x", status);
	n = utd_read(fd, r, 16);
	CHECK(n == 6, "%d records, wanted 6", n);
	for (int i = 0; i < n && i < 6; i++)
		CHECK(r[i].id == ids[i] && r[i].side == sides[i],
		      "record %d: engine %u side %u, wanted engine %u side %u",
		      i, r[i].id, r[i].side, ids[i], sides[i]);
	if (n == 6) {
		unsigned long entry = elf_entry("/bin/true");

		CHECK(!strcmp((const char *)r[0].args, "/bin/true"),
		      "exec path '%.47s'", (const char *)r[0].args);
		CHECK(entry && (unsigned long)r[0].ret == entry && r[1].ret == r[0].ret,
		      "the exec report's instruction pointer %#llx, the ELF entry %#lx",
		      (unsigned long long)r[0].ret, entry);
		CHECK(r[2].ret == 0 && r[3].ret == 0, "exit codes %lld %lld",
		      (long long)r[2].ret, (long long)r[3].ret);
		CHECK(r[4].ret == 1, "the process's only thread died: group_dead %lld",
		      (long long)r[4].ret);
		CHECK((long long)r[4].args[0] == SIGCHLD && r[5].args[0] == r[4].args[0],
		      "the parent gets signal %lld", (long long)r[4].args[0]);
	}
	close(fd);
}

/*
 * An engine edits the exit code: the engine after it sees the new code,
 * and so does the parent's wait(), for an exit_group and for a death by a
 * signal alike.
 */
static void exit_code_edited(void)
{
	for (int by_signal = 0; by_signal < 2; by_signal++) {
		struct utrace_test_record r[8];
		int go[2], fd = utd_open(), status, n;
		pid_t pid = utd_held_child(go, by_signal ? wait_for_a_signal : exit_zero);

		utd_attach_simple(fd, pid, UTRACE_TEST_SET_RETURN, UTRACE_TEST_EVENT_EXIT, 1, 7 << 8);
		utd_attach_simple(fd, pid, UTRACE_TEST_RECORD, UTRACE_TEST_EVENT_EXIT, 2, 0);
		if (by_signal) {
			CHECK(write(go[1], "g", 1) == 1, "release");
			/* It may be killed before or after it reads the byte. */
			kill(pid, SIGTERM);
			close(go[1]);
			CHECK(waitpid(pid, &status, 0) == pid, "waitpid");
		} else {
			status = utd_release_and_wait(go, pid);
		}
		CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 7,
		      "%s: the parent saw status %#x, wanted exit 7",
		      by_signal ? "SIGTERM" : "_exit(0)", status);
		n = utd_read(fd, r, 8);
		CHECK(n == 2, "%d records", n);
		if (n == 2) {
			long long orig = by_signal ? SIGTERM : 0;

			CHECK(r[0].id == 1 && r[0].ret == orig, "first engine saw %lld, wanted %lld",
			      (long long)r[0].ret, orig);
			CHECK(r[1].id == 2 && r[1].ret == 7 << 8,
			      "second engine saw %lld, wanted the edited %d",
			      (long long)r[1].ret, 7 << 8);
		}
		close(fd);
	}
}

static int thread_fd;

static void *thread_attaches_to_itself(void *arg)
{
	(void)arg;
	/* pid 0 is the calling thread. */
	utd_attach_simple(thread_fd, 0, UTRACE_TEST_RECORD, UTRACE_TEST_EVENT_DEATH, 1, 0);
	return NULL;
}

/* A thread's death does not end its thread group; the last thread's does. */
static void thread_death_is_not_group_death(void)
{
	struct utrace_test_record r[8];
	pthread_t t;
	int n;

	thread_fd = utd_open();
	CHECK(pthread_create(&t, NULL, thread_attaches_to_itself, NULL) == 0,
	      "pthread_create");
	CHECK(pthread_join(t, NULL) == 0, "pthread_join");
	/*
	 * pthread_join returns when the exiting thread releases its memory
	 * map, a little before its death report: wait for the record (the
	 * alarm bounds the wait; nothing else can produce it).
	 */
	alarm(10);
	while ((n = utd_read(thread_fd, r, 8)) == 0)
		sched_yield();
	alarm(0);
	CHECK(n == 1, "%d records", n);
	if (n == 1)
		CHECK(r[0].side == DEATH && r[0].ret == 0 &&
		      (long long)r[0].args[0] == -1,
		      "thread death: side %u group_dead %lld signal %lld",
		      r[0].side, (long long)r[0].ret, (long long)r[0].args[0]);
	close(thread_fd);
}

static void *exit_group_later(void *arg)
{
	usleep(100000);
	_exit(0);
	return arg;
}

/* The child: the leader exits alone; its thread ends the group later. */
static void leader_exits_first(void)
{
	pthread_t t;

	if (pthread_create(&t, NULL, exit_group_later, NULL))
		_exit(2);
	syscall(SYS_exit, 0);
	_exit(3);
}

/*
 * A group leader that dies while a thread of its group lives tells its
 * parent nothing yet: its death report says so (utrace's
 * DEATH_DELAYED_GROUP_LEADER, -2), and the parent gets the group's exit
 * when the thread ends it.
 */
static void a_leader_that_dies_first_is_reported_as_delayed(void)
{
	struct utrace_test_record r[4];
	int go[2], fd = utd_open(), status, n;
	pid_t pid = utd_held_child(go, leader_exits_first);

	utd_attach_simple(fd, pid, UTRACE_TEST_RECORD, UTRACE_TEST_EVENT_DEATH, 1, 0);
	status = utd_release_and_wait(go, pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %#x", status);
	n = utd_read(fd, r, 4);
	CHECK(n == 1 && r[0].side == DEATH && r[0].ret == 0 &&
	      (long long)r[0].args[0] == -2,
	      "%d records: side %u group_dead %lld signal %lld", n, r[0].side,
	      (long long)r[0].ret, (long long)r[0].args[0]);
	close(fd);
}

/* An engine without the events hears nothing; detaching still works. */
static void no_events_no_reports(void)
{
	struct utrace_test_record r[8];
	int go[2], fd = utd_open(), status;
	pid_t pid = utd_held_child(go, exec_true);

	utd_attach_simple(fd, pid, UTRACE_TEST_RECORD, UTRACE_TEST_EVENT_SYSCALL_ENTRY, 1, 0);
	/* Syscall records only for nr -1 would be many: use a task event
	 * mask with none of the three instead. */
	CHECK(ioctl(fd, UTRACE_TEST_SET_EVENTS,
		    &(struct utrace_test_events){ .slot = 0, .events = 0 }) == 0,
	      "set events: %s", strerror(errno));
	/* On two CPUs the child's first calls (alarm, close, read) may be
	 * reported before the events are cleared: wait for a report in
	 * flight, and drop what came before. */
	CHECK(ioctl(fd, UTRACE_TEST_BARRIER, 0) == 0, "barrier: %s", strerror(errno));
	while (utd_read(fd, r, 8) > 0)
		;
	status = utd_release_and_wait(go, pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %#x", status);
	CHECK(utd_read(fd, r, 8) == 0, "an engine with no events was told something");
	close(fd);
}

static void *exec_from_a_thread(void *arg)
{
	(void)arg;
	execl("/bin/true", "true", (char *)NULL);
	return NULL;
}

/* The child: a second thread execs; the leader waits in pthread_join. */
static void thread_execs(void)
{
	pthread_t t;

	if (pthread_create(&t, NULL, exec_from_a_thread, NULL))
		_exit(98);
	pthread_join(t, NULL);
	_exit(99);
}

/*
 * A thread execs: exec kills the other threads and reaps the old leader
 * itself (de_thread()), so an inherited engine with DEATH and REAP hears
 * the leader die and be reaped before the exec report; the new program's
 * end is then reported, and reaped by the parent's wait().
 */
static void exec_from_a_thread_reaps_the_old_leader(void)
{
	const unsigned int ev = UTRACE_TEST_EVENT_EXEC | UTRACE_TEST_EVENT_DEATH |
				UTRACE_TEST_EVENT_REAP;
	struct utrace_test_record r[16];
	struct utrace_test_attach a = {
		.kind = UTRACE_TEST_RECORD, .events = ev, .id = 1, .nr = -1,
		.flags = UTRACE_TEST_INHERIT,
	};
	int go[2], fd = utd_open(), status, n, exec_at = -1, reaps = 0;
	pid_t pid = utd_held_child(go, thread_execs);

	a.pid = pid;
	utd_attach(fd, a);
	status = utd_release_and_wait(go, pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %#x, wanted /bin/true's 0",
	      status);
	n = utd_read(fd, r, 16);
	for (int i = 0; i < n; i++) {
		if (r[i].side == EXEC && exec_at < 0)
			exec_at = i;
		reaps += r[i].side == UTRACE_TEST_SIDE_REAP;
	}
	/* The old leader: death, then reap, both before the exec report. */
	CHECK(exec_at >= 2 && r[0].side == DEATH && r[0].ret == 0 &&
	      r[1].side == UTRACE_TEST_SIDE_REAP,
	      "%d records, exec at %d, first sides %u %u", n, exec_at,
	      n > 0 ? r[0].side : 0, n > 1 ? r[1].side : 0);
	/* The process's end: death (group dead), reaped by our wait(). */
	CHECK(n >= 2 && r[n - 2].side == DEATH && r[n - 2].ret == 1 &&
	      r[n - 1].side == UTRACE_TEST_SIDE_REAP && r[n - 1].nr == pid,
	      "last records: side %u ret %lld, side %u nr %lld (pid %d)",
	      n >= 2 ? r[n - 2].side : 0, n >= 2 ? (long long)r[n - 2].ret : 0,
	      n >= 1 ? r[n - 1].side : 0, n >= 1 ? (long long)r[n - 1].nr : 0, pid);
	CHECK(reaps == 2, "%d reap records, wanted 2", reaps);
	close(fd);
}

static int t_go[2], main_go[2];

static void *thread_exits_on_go(void *arg)
{
	char c;

	if (read(t_go[0], &c, 1) == 1)
		syscall(SYS_exit, 0);
	return arg;
}

/* The child: a thread that exits on a byte, the main thread on another. */
static void two_threads_exit_one_by_one(void)
{
	pthread_t t;
	char c;

	if (pthread_create(&t, NULL, thread_exits_on_go, NULL))
		_exit(2);
	if (read(main_go[0], &c, 1) == 1)
		syscall(SYS_exit, 0);
	_exit(3);
}

/*
 * A thread held stopped in its exit report stays killable.  Thread T
 * exits and an engine holds it in its exit report; then the main thread
 * exits too.  Had T left the group's count of live threads before its
 * report, the main thread's exit would publish the group's exit without
 * a SIGKILL for T, and later SIGKILLs would be dropped: T would sleep
 * until the engine let it go.  A SIGKILL must end the whole process.
 */
static void thread_held_in_its_exit_report_stays_killable(void)
{
	struct utrace_test_attach a = {
		.kind = UTRACE_TEST_STOP, .events = UTRACE_TEST_EVENT_EXIT, .id = 1, .nr = -1,
	};
	int go[2], fd = utd_open(), status = 0, slot, parked = 0;
	pid_t pid;

	CHECK(pipe(t_go) == 0 && pipe(main_go) == 0, "pipes");
	pid = utd_held_child(go, two_threads_exit_one_by_one);
	utd_release(go);
	/* T's tid: the child's other thread, from /proc. */
	for (int i = 0; i < 200 && !a.pid; i++) {
		char path[64];
		DIR *d;
		struct dirent *e;

		snprintf(path, sizeof(path), "/proc/%d/task", pid);
		d = opendir(path);
		while (d && (e = readdir(d)))
			if (atoi(e->d_name) > 0 && atoi(e->d_name) != pid)
				a.pid = atoi(e->d_name);
		if (d)
			closedir(d);
		if (!a.pid)
			utd_msleep(10);
	}
	CHECK(a.pid > 0, "the child's second thread never showed");
	slot = a.pid > 0 ? utd_attach(fd, a) : -1;
	if (slot >= 0 && write(t_go[1], "g", 1) == 1)
		for (int i = 0; i < 200 && !parked; i++) {
			parked = ioctl(fd, UTRACE_TEST_STOPPED, slot) == 1;
			if (!parked)
				utd_msleep(10);
		}
	CHECK(parked, "the thread never parked in its exit report");
	CHECK(write(main_go[1], "g", 1) == 1, "release the main thread");
	utd_msleep(100);
	kill(pid, SIGKILL);
	CHECK(utd_wait_exit_within(pid, 3000, &status),
	      "the process outlived a SIGKILL by 3 s: its thread is held in its exit report");
	/* Closing the file lets the thread go, whatever happened. */
	close(fd);
	if (!WIFSIGNALED(status))
		waitpid(pid, &status, 0);
	for (int i = 0; i < 2; i++) {
		close(t_go[i]);
		close(main_go[i]);
	}
}

KTAP_MAIN("guest_events",
	  KTAP_CASE(exec_exit_death_in_attach_order),
	  KTAP_CASE(exit_code_edited),
	  KTAP_CASE(thread_death_is_not_group_death),
	  KTAP_CASE(a_leader_that_dies_first_is_reported_as_delayed),
	  KTAP_CASE(no_events_no_reports),
	  KTAP_CASE(exec_from_a_thread_reaps_the_old_leader),
	  KTAP_CASE(thread_held_in_its_exit_report_stays_killable))
