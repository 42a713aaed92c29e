// SPDX-License-Identifier: GPL-2.0
/*
 * engine_core_test - engine-core end to end, from a real process.
 *
 * Attaches the test engines of /dev/utrace-test (uapi/linux/utrace_test.h)
 * to this process or to a child, makes real syscalls, and checks exactly
 * what the engines logged and what the process got: the reporting order,
 * rewritten arguments, aborted results, attach errors, permissions, fork
 * and death, and attach / detach racing a task in a syscall loop.
 */
#include <fcntl.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/utrace_test.h>
#include "ktap.h"
#include "utrace_test_dev.h"

#define ENTRY UTRACE_TEST_EVENT_SYSCALL_ENTRY
#define EXIT UTRACE_TEST_EVENT_SYSCALL_EXIT
#define BOTH (ENTRY | EXIT)

static int attach(int fd, pid_t pid, unsigned int kind, unsigned int events,
		  unsigned int id, long nr, unsigned int arg, long value)
{
	struct utrace_test_attach a = {
		.pid = pid, .kind = kind, .events = events, .id = id,
		.nr = nr, .arg = arg, .value = value,
	};

	return ioctl(fd, UTRACE_TEST_ATTACH, &a);
}

/* Attaches, failing the case if it does not work. */
static int must_attach(int fd, pid_t pid, unsigned int kind,
		       unsigned int events, unsigned int id, long nr,
		       unsigned int arg, long value)
{
	int slot = attach(fd, pid, kind, events, id, nr, arg, value);

	CHECK(slot >= 0, "attach id %u: %s", id, strerror(errno));
	return slot;
}

/* Checks that the log is exactly @n records with these ids and sides. */
static void expect_log(int fd, int n, const unsigned int *ids,
		       const unsigned int *sides)
{
	struct utrace_test_record r[64];
	int got = utd_read(fd, r, 64);

	CHECK(got == n, "log has %d records, wanted %d", got, n);
	for (int i = 0; i < n && i < got; i++)
		CHECK(r[i].id == ids[i] && r[i].side == sides[i],
		      "record %d is engine %u side %u, wanted engine %u side %u",
		      i, r[i].id, r[i].side, ids[i], sides[i]);
}

#define N UTRACE_TEST_SIDE_ENTRY
#define X UTRACE_TEST_SIDE_EXIT

static void order_entry_reverse_exit_forward(void)
{
	int fd = utd_open();
	long ppid;

	for (unsigned int id = 1; id <= 3; id++)
		must_attach(fd, 0, UTRACE_TEST_RECORD, BOTH, id, SYS_getppid, 0, 0);
	ppid = syscall(SYS_getppid);
	{
		const unsigned int ids[] = { 3, 2, 1, 1, 2, 3 };
		const unsigned int sides[] = { N, N, N, X, X, X };

		expect_log(fd, 6, ids, sides);
	}
	CHECK(ppid == getppid(), "getppid %ld", ppid);
	close(fd);
}

static void rewritten_argument_seen_in_order(void)
{
	struct utrace_test_record r[16];
	int fd = utd_open();
	int f = open("/tmp/rewrite", O_CREAT | O_RDWR | O_TRUNC, 0600);
	off_t off;
	int n;

	CHECK(f >= 0, "open: %s", strerror(errno));
	/* Attached first: closest to the kernel. */
	must_attach(fd, 0, UTRACE_TEST_RECORD, BOTH, 1, SYS_lseek, 0, 0);
	must_attach(fd, 0, UTRACE_TEST_REWRITE_ARG, BOTH, 2, SYS_lseek, 1, 200);
	/* Attached last: closest to the program. */
	must_attach(fd, 0, UTRACE_TEST_RECORD, BOTH, 3, SYS_lseek, 0, 0);
	off = lseek(f, 100, SEEK_SET);
	CHECK(off == 200, "lseek(100) returned %ld, wanted the rewritten 200",
	      (long)off);
	n = utd_read(fd, r, 16);
	CHECK(n == 6, "%d records", n);
	if (n == 6) {
		CHECK(r[0].id == 3 && r[0].args[1] == 100,
		      "outermost saw id %u offset %llu, wanted 3 / 100",
		      r[0].id, (unsigned long long)r[0].args[1]);
		CHECK(r[1].id == 2 && r[1].args[1] == 100, "rewriter saw %llu",
		      (unsigned long long)r[1].args[1]);
		CHECK(r[2].id == 1 && r[2].args[1] == 200,
		      "innermost saw id %u offset %llu, wanted 1 / 200",
		      r[2].id, (unsigned long long)r[2].args[1]);
		for (int i = 3; i < 6; i++)
			CHECK(r[i].side == X && r[i].ret == 200 &&
			      r[i].id == (unsigned int)i - 2,
			      "exit record %d: id %u ret %lld", i, r[i].id,
			      (long long)r[i].ret);
	}
	close(f);
	close(fd);
}

/*
 * An engine takes a call's number away (-1: the call will not run), and an
 * engine after it gives the number back: the call runs as the program made
 * it.  arm64's syscall_set_nr(-1) puts -ENOSYS in x0, the first argument;
 * the second engine must not run write(-ENOSYS, ...).
 */
static void a_call_given_its_number_back_keeps_its_arguments(void)
{
	int fd = utd_open(), null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	int inner, outer;
	long ret;

	CHECK(null >= 0, "open /dev/null: %s", strerror(errno));
	/* Inside (called second at entry): a call without a number is write. */
	inner = must_attach(fd, 0, UTRACE_TEST_SET_NR, ENTRY, 1, -1, (unsigned int)-1,
			    SYS_write);
	/* Outside (called first): write has no number. */
	outer = must_attach(fd, 0, UTRACE_TEST_SET_NR, ENTRY, 2, SYS_write, SYS_write, -1);
	errno = 0;
	ret = syscall(SYS_write, null, "abc", 3);
	close(fd);
	CHECK(inner >= 0 && outer >= 0 && ret == 3,
	      "write(/dev/null, \"abc\", 3), renumbered -1 and back: %ld (%s), wanted 3",
	      ret, strerror(errno));
	close(null);
}

/* The child of the next case: syscall -1 with a first argument; 0 if ENOSYS. */
static void call_without_a_number(void)
{
	long ret = syscall(-1, 12345L, 0L, 0L, 0L, 0L, 0L);

	_exit(ret == -1 && errno == ENOSYS ? 0 : ret == 12345 ? 2 : 3);
}

/*
 * A call without a number (-1) returns -ENOSYS, whatever argument an
 * engine changes: on arm64 x0 is the first argument and the skipped
 * call's result, and writing the arguments back must not return the first
 * one (exit 2).
 */
static void a_call_without_a_number_returns_enosys_after_an_argument_change(void)
{
	int fd = utd_open(), go[2], status;
	pid_t pid = utd_held_child(go, call_without_a_number);

	must_attach(fd, pid, UTRACE_TEST_REWRITE_ARG, ENTRY, 1, -1, 5, 0);
	status = utd_release_and_wait(go, pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "status %#x (exit 2: syscall(-1, 12345) returned 12345, not ENOSYS)", status);
	close(fd);
}

static void aborted_call_returns_exact_result(void)
{
	struct utrace_test_record r[8];
	struct stat st;
	int fd = utd_open();
	long uid;
	int n;

	must_attach(fd, 0, UTRACE_TEST_ABORT, BOTH, 1, SYS_getuid, 0, 4242);
	uid = syscall(SYS_getuid);
	CHECK(uid == 4242, "getuid returned %ld", uid);
	must_attach(fd, 0, UTRACE_TEST_ABORT, ENTRY, 2, SYS_openat, 0, -EACCES);
	unlink("/tmp/never");
	CHECK_ERRNO(open("/tmp/never", O_CREAT | O_RDWR, 0600), EACCES);
	CHECK(stat("/tmp/never", &st) == -1 && errno == ENOENT,
	      "the aborted open created the file");
	n = utd_read(fd, r, 8);
	/* getuid entry + exit (exit sees the abort result), openat entry. */
	CHECK(n == 3, "%d records", n);
	if (n == 3) {
		CHECK(r[1].side == X && r[1].ret == 4242, "exit saw %lld",
		      (long long)r[1].ret);
		CHECK(r[2].id == 2 && r[2].nr == SYS_openat, "record 2: %u %lld",
		      r[2].id, (long long)r[2].nr);
	}
	close(fd);
	/* Detached on close: the calls are real again. */
	CHECK(syscall(SYS_getuid) == (long)getuid() && getuid() != 4242,
	      "getuid still aborted after close");
}

static void last_engine_called_decides(void)
{
	int fd = utd_open();
	int run_slot;

	/* Attached first, so called last at entry: lets the call run. */
	run_slot = must_attach(fd, 0, UTRACE_TEST_RUN, ENTRY, 1, SYS_getuid, 0, 0);
	must_attach(fd, 0, UTRACE_TEST_ABORT, ENTRY, 2, SYS_getuid, 0, 4242);
	CHECK(syscall(SYS_getuid) == 0, "the last engine's RUN did not win");
	CHECK(ioctl(fd, UTRACE_TEST_DETACH, run_slot) == 0, "detach: %s",
	      strerror(errno));
	CHECK(syscall(SYS_getuid) == 4242, "abort did not stand once alone");
	close(fd);
}

static void result_set_at_exit(void)
{
	struct utrace_test_record r[8];
	pid_t real = getppid();
	int fd = utd_open();
	int n;

	must_attach(fd, 0, UTRACE_TEST_SET_RETURN, EXIT, 1, SYS_getppid, 0, 777);
	must_attach(fd, 0, UTRACE_TEST_RECORD, EXIT, 2, SYS_getppid, 0, 0);
	CHECK(syscall(SYS_getppid) == 777, "getppid not rewritten");
	n = utd_read(fd, r, 8);
	CHECK(n == 2 && r[0].ret == real && r[1].ret == 777,
	      "exit records: %d, %lld, %lld", n, (long long)r[0].ret,
	      (long long)r[1].ret);
	close(fd);
}

static void attach_errors(void)
{
	struct utrace_test_events ev = { .slot = 0, .events = 1U << 20 };
	int fd = utd_open();
	int slot;
	pid_t child;

	slot = must_attach(fd, 0, UTRACE_TEST_RECORD, BOTH, 9, SYS_getppid, 0, 0);
	/* Exclusive by id. */
	{
		struct utrace_test_attach a = {
			.kind = UTRACE_TEST_RECORD, .events = BOTH, .id = 9,
			.nr = -1, .flags = UTRACE_TEST_EXCLUSIVE,
		};
		CHECK_ERRNO(ioctl(fd, UTRACE_TEST_ATTACH, &a), EEXIST);
		a.id = 10;
		CHECK(ioctl(fd, UTRACE_TEST_ATTACH, &a) >= 0, "exclusive 10: %s",
		      strerror(errno));
		a.flags = 1U << 7;
		CHECK_ERRNO(ioctl(fd, UTRACE_TEST_ATTACH, &a), EINVAL);
	}
	CHECK_ERRNO(attach(fd, 0, UTRACE_TEST_KIND_MAX + 1, BOTH, 1, -1, 0, 0), EINVAL);
	CHECK_ERRNO(attach(fd, 0, UTRACE_TEST_RECORD, 1U << 20, 1, -1, 0, 0), EINVAL);
	CHECK_ERRNO(attach(fd, 0, UTRACE_TEST_REWRITE_ARG, BOTH, 1, 0, 6, 0), EINVAL);
	CHECK_ERRNO(attach(fd, 0, UTRACE_TEST_RECORD, BOTH, 1, -2, 0, 0), EINVAL);
	CHECK_ERRNO(attach(fd, -5, UTRACE_TEST_RECORD, BOTH, 1, -1, 0, 0), EINVAL);
	CHECK_ERRNO(attach(fd, 999999, UTRACE_TEST_RECORD, BOTH, 1, -1, 0, 0), ESRCH);
	/* kthreadd: a kernel thread, refused even to root. */
	CHECK_ERRNO(attach(fd, 2, UTRACE_TEST_RECORD, BOTH, 1, -1, 0, 0), EPERM);
	CHECK_ERRNO(ioctl(fd, UTRACE_TEST_ATTACH, (void *)16), EFAULT);
	CHECK_ERRNO(ioctl(fd, UTRACE_TEST_SET_EVENTS, &ev), EINVAL);
	CHECK_ERRNO(ioctl(fd, UTRACE_TEST_DETACH, 63), EINVAL);
	CHECK_ERRNO(ioctl(fd, _IO(UTRACE_TEST_IOC_MAGIC, 99), 0), ENOTTY);
	/* Detach twice. */
	CHECK(ioctl(fd, UTRACE_TEST_DETACH, slot) == 0, "detach: %s",
	      strerror(errno));
	CHECK_ERRNO(ioctl(fd, UTRACE_TEST_DETACH, slot), ESRCH);
	ev.slot = slot;
	ev.events = BOTH;
	CHECK_ERRNO(ioctl(fd, UTRACE_TEST_SET_EVENTS, &ev), ESRCH);
	/* A zombie: exiting, so refused. */
	child = fork();
	if (child == 0)
		_exit(0);
	{
		siginfo_t info;

		/* Wait until it is a zombie, without reaping it. */
		CHECK(waitid(P_PID, child, &info, WEXITED | WNOWAIT) == 0, "waitid");
	}
	CHECK_ERRNO(attach(fd, child, UTRACE_TEST_RECORD, BOTH, 1, -1, 0, 0), ESRCH);
	waitpid(child, NULL, 0);
	close(fd);
}

/*
 * A task takes at most 256 engines (engine-core's policy::MAX_ENGINES): the
 * next attach gets ENOSPC and changes nothing; a detach frees a place.  Five
 * files, so that the device's own 64 slots per file are not what answers.
 */
static void engines_per_task_are_capped(void)
{
	int fd[5], attached = 0, first = -1;

	for (int i = 0; i < 5; i++)
		fd[i] = utd_open();
	for (int i = 0; i < 256; i++) {
		int slot = attach(fd[i / 64], 0, UTRACE_TEST_RECORD, BOTH, i,
				  SYS_getppid, 0, 0);

		if (slot < 0)
			break;
		if (i == 0)
			first = slot;
		attached++;
	}
	CHECK(attached == 256, "only %d engines attached: %s", attached, strerror(errno));
	CHECK_ERRNO(attach(fd[4], 0, UTRACE_TEST_RECORD, BOTH, 256, SYS_getppid, 0, 0), ENOSPC);
	/* The refused engine does not report; the others do. */
	syscall(SYS_getppid);
	{
		static struct utrace_test_record all[256];
		int n = utd_read(fd[3], all, 256), seen = utd_read(fd[4], all, 256);

		/* 64 engines, entry and exit each. */
		CHECK(n == 128 && seen == 0, "the last full file saw %d records, the "
		      "refused engine's %d", n, seen);
	}
	CHECK(ioctl(fd[0], UTRACE_TEST_DETACH, first) == 0, "detach: %s", strerror(errno));
	CHECK(attach(fd[4], 0, UTRACE_TEST_RECORD, BOTH, 257, SYS_getppid, 0, 0) >= 0,
	      "attach after a detach: %s", strerror(errno));
	for (int i = 0; i < 5; i++)
		close(fd[i]);
}

static void unprivileged_cannot_attach_to_others(void)
{
	pid_t child = fork();
	int status;

	if (child == 0) {
		int fd = open("/dev/utrace-test", O_RDWR);

		if (fd < 0 || setgid(65534) || setuid(65534))
			_exit(10);
		/* init is root's. */
		if (attach(fd, 1, UTRACE_TEST_RECORD, BOTH, 1, -1, 0, 0) != -1 ||
		    errno != EPERM)
			_exit(11);
		/* So is our parent. */
		if (attach(fd, getppid(), UTRACE_TEST_RECORD, BOTH, 1, -1, 0, 0) != -1 ||
		    errno != EPERM)
			_exit(12);
		/* Ourselves: always allowed. */
		if (attach(fd, 0, UTRACE_TEST_RECORD, BOTH, 1, -1, 0, 0) < 0)
			_exit(13);
		_exit(0);
	}
	CHECK(waitpid(child, &status, 0) == child, "waitpid");
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "child status %#x (10 setup, 11 init, 12 parent, 13 self)", status);
}

static int set_ptrace_scope(int scope)
{
	FILE *f = fopen("/proc/sys/kernel/yama/ptrace_scope", "w");
	int ok = f && fprintf(f, "%d", scope) > 0;

	if (f)
		ok = !fclose(f) && ok;
	return ok;
}

/*
 * Yama's ptrace_scope applies to engines as to ptrace: an unprivileged
 * task may attach to a same-uid task that is not its descendant under
 * scope 0 only, to its own child under 0 and 1, to neither under 2; to
 * itself always.  (Scope 3 is sticky and would stop the other tests.)
 */
static void yama_ptrace_scope_applies(void)
{
	/* bit 0: own child, bit 1: same-uid non-descendant, bit 2: self */
	static const int allowed[] = { 7, 5, 4 };

	for (int scope = 0; scope < 3; scope++) {
		pid_t sibling, child;
		int status = -1;

		CHECK(set_ptrace_scope(scope), "ptrace_scope %d: %s", scope, strerror(errno));
		sibling = fork();
		if (sibling == 0) {
			/* setuid() made it non-dumpable: ptrace would refuse that. */
			if (setgid(65534) || setuid(65534) || prctl(PR_SET_DUMPABLE, 1))
				_exit(1);
			alarm(20);
			pause();
			_exit(0);
		}
		child = fork();
		if (child == 0) {
			int fd = open("/dev/utrace-test", O_RDWR), got = 0;
			pid_t own;

			if (fd < 0 || setgid(65534) || setuid(65534) ||
			    prctl(PR_SET_DUMPABLE, 1))
				_exit(64);
			own = fork();
			if (own == 0) {
				alarm(20);
				pause();
				_exit(0);
			}
			if (attach(fd, own, UTRACE_TEST_RECORD, BOTH, 1, -1, 0, 0) >= 0)
				got |= 1;
			if (attach(fd, sibling, UTRACE_TEST_RECORD, BOTH, 2, -1, 0, 0) >= 0)
				got |= 2;
			if (attach(fd, 0, UTRACE_TEST_RECORD, BOTH, 3, -1, 0, 0) >= 0)
				got |= 4;
			kill(own, SIGKILL);
			waitpid(own, NULL, 0);
			_exit(got);
		}
		CHECK(waitpid(child, &status, 0) == child && WIFEXITED(status) &&
		      WEXITSTATUS(status) == allowed[scope],
		      "scope %d: attach results %#x, wanted %#x (1 child, 2 other, 4 self)",
		      scope, WIFEXITED(status) ? WEXITSTATUS(status) : -1, allowed[scope]);
		kill(sibling, SIGKILL);
		waitpid(sibling, NULL, 0);
	}
	CHECK(set_ptrace_scope(0), "restoring ptrace_scope 0");
}

static void forked_child_starts_without_engines(void)
{
	struct utrace_test_record r[8];
	int fd = utd_open();
	pid_t child;
	int status, n;

	must_attach(fd, 0, UTRACE_TEST_ABORT, BOTH, 1, SYS_getppid, 0, 4242);
	child = fork();
	if (child == 0)
		_exit(syscall(SYS_getppid) == 4242 ? 1 : 0);
	CHECK(waitpid(child, &status, 0) == child && WIFEXITED(status) &&
	      WEXITSTATUS(status) == 0, "the child inherited the engine");
	/* The parent's own engine saw none of the child's calls. */
	n = utd_read(fd, r, 8);
	CHECK(n == 0, "%d records from the child", n);
	close(fd);
}

static void death_detaches_engines(void)
{
	struct utrace_test_record r[8];
	int go[2];
	int fd = utd_open();
	pid_t child;
	int slot, n;
	char c = 0;

	CHECK(pipe(go) == 0, "pipe");
	child = fork();
	if (child == 0) {
		close(go[1]);
		if (read(go[0], &c, 1) != 1)
			_exit(2);
		_exit(syscall(SYS_getppid) == 555 ? 0 : 1);
	}
	close(go[0]);
	slot = must_attach(fd, child, UTRACE_TEST_SET_RETURN, BOTH, 1, SYS_getppid, 0, 555);
	CHECK(write(go[1], &c, 1) == 1, "write");
	CHECK(waitpid(child, &n, 0) == child && WIFEXITED(n) && WEXITSTATUS(n) == 0,
	      "the child did not see its engine's result (status %#x)", n);
	n = utd_read(fd, r, 8);
	CHECK(n == 2, "%d records", n);
	/* Its death detached the engine. */
	CHECK_ERRNO(ioctl(fd, UTRACE_TEST_DETACH, slot), ESRCH);
	close(go[1]);
	close(fd);
}

/*
 * Fails, in turn, each allocation of a first attach (the task's registry
 * included): every failure must give ENOMEM and leave the task with no
 * engine acting; kmemleak and KASAN watch the error paths.
 */
static void allocation_failures_leave_the_task_untouched(void)
{
	pid_t child;
	int status;
	FILE *f = fopen("/sys/kernel/debug/failslab/ignore-gfp-wait", "w");

	CHECK(f != NULL, "failslab: %s", strerror(errno));
	if (!f)
		return;
	fputs("N", f);
	fclose(f);
	child = fork();
	if (child == 0) {
		char path[64], buf[32];
		int fd = open("/dev/utrace-test", O_RDWR), nth, injected = 0;

		snprintf(path, sizeof(path), "/proc/self/task/%ld/fail-nth", syscall(SYS_gettid));
		nth = open(path, O_RDWR);
		if (fd < 0 || nth < 0)
			_exit(10);
		for (int i = 1; i < 100; i++) {
			int slot, e, left;

			snprintf(buf, sizeof(buf), "%d", i);
			if (write(nth, buf, strlen(buf)) < 0)
				_exit(11);
			slot = attach(fd, 0, UTRACE_TEST_ABORT, BOTH, 1, SYS_getuid, 0, 4242);
			e = errno;
			memset(buf, 0, sizeof(buf));
			if (pread(nth, buf, sizeof(buf) - 1, 0) < 0)
				_exit(12);
			left = atoi(buf);
			/* Whatever happened, disarm before checking. */
			if (write(nth, "0", 1) < 0)
				_exit(13);
			if (slot >= 0) {
				/*
				 * No allocation of the attach failed (the armed
				 * fault, if any, hit a later syscall): it must work.
				 */
				if (syscall(SYS_getuid) != 4242)
					_exit(14);
				_exit(injected ? 0 : 15);
			}
			/* It failed: because of the injected fault, with ENOMEM. */
			if (left != 0 || e != ENOMEM)
				_exit(16);
			injected++;
			/* No half-attached engine aborts getuid. */
			if (syscall(SYS_getuid) != 0)
				_exit(17);
		}
		_exit(18);
	}
	CHECK(waitpid(child, &status, 0) == child && WIFEXITED(status) &&
	      WEXITSTATUS(status) == 0,
	      "status %#x (11-13 fail-nth io, 14 final attach, 15 nothing failed, "
	      "16 not ENOMEM, 17 engine half-attached, 18 never succeeded)", status);
	f = fopen("/sys/kernel/debug/failslab/ignore-gfp-wait", "w");
	if (f) {
		fputs("Y", f);
		fclose(f);
	}
}

/*
 * An engine attached with UTRACE_TEST_INHERIT is attached to every child
 * and grandchild too, before it runs: a grandchild's getppid is logged by
 * the engine attached to its grandparent.  Without the flag, nothing is.
 */
static void inherited_engine_follows_children(void)
{
	for (int inherit = 0; inherit < 2; inherit++) {
		struct utrace_test_attach a = {
			.kind = UTRACE_TEST_RECORD, .events = BOTH, .id = 7,
			.nr = SYS_getppid, .flags = inherit ? UTRACE_TEST_INHERIT : 0,
		};
		struct utrace_test_record r[8];
		int go[2], status = -1, fd = utd_open(), n;
		char c;
		pid_t child;

		CHECK(pipe(go) == 0, "pipe");
		child = fork();
		if (child == 0) {
			pid_t grandchild;

			alarm(20);
			close(go[1]);
			if (read(go[0], &c, 1) != 1)
				_exit(2);
			grandchild = fork();
			if (grandchild == 0)
				_exit(syscall(SYS_getppid) > 0 ? 0 : 1);
			_exit(waitpid(grandchild, &status, 0) == grandchild &&
			      WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 3);
		}
		close(go[0]);
		a.pid = child;
		CHECK(ioctl(fd, UTRACE_TEST_ATTACH, &a) >= 0, "attach: %s", strerror(errno));
		CHECK(write(go[1], "g", 1) == 1, "release");
		close(go[1]);
		CHECK(waitpid(child, &status, 0) == child && WIFEXITED(status) &&
		      WEXITSTATUS(status) == 0, "child status %#x", status);
		n = utd_read(fd, r, 8);
		if (inherit)
			CHECK(n == 2 && r[0].id == 7 && r[0].side == N && r[1].side == X,
			      "the grandchild's getppid was not logged (%d records)", n);
		else
			CHECK(n == 0, "%d records without inheritance", n);
		close(fd);
	}
}

static void attach_detach_storm_against_syscall_loop(void)
{
	struct utrace_test_record r[64];
	int fd = utd_open();
	pid_t child;
	int status, fails = 0;

	child = fork();
	if (child == 0) {
		for (;;)
			syscall(SYS_getppid);
	}
	for (int i = 0; i < 300; i++) {
		int slot = attach(fd, child, i % 3 ? UTRACE_TEST_RECORD :
				  UTRACE_TEST_SET_RETURN, BOTH, i, SYS_getppid,
				  0, 1);

		if (slot < 0) {
			fails++;
			break;
		}
		if (ioctl(fd, UTRACE_TEST_DETACH, slot) ||
		    ioctl(fd, UTRACE_TEST_BARRIER, slot))
			fails++;
		/* Slots are never reused: start a new file now and then. */
		if (slot == 63) {
			close(fd);
			fd = utd_open();
		}
		/* The looping child runs on the other CPU while detach waits
		 * for a grace period: its records may overflow the log, which
		 * this case does not test. Drain without counting drops. */
		for (;;) {
			struct utrace_test_read rd = { .records = (unsigned long)r,
						       .max = 64 };

			if (ioctl(fd, UTRACE_TEST_READ, &rd) || rd.count < 64)
				break;
		}
	}
	CHECK(fails == 0, "%d attach / detach / barrier failures: %s", fails,
	      strerror(errno));
	kill(child, SIGKILL);
	CHECK(waitpid(child, &status, 0) == child && WIFSIGNALED(status),
	      "the looping child did not die of SIGKILL");
	close(fd);
}

/* waitpid with a deadline; 0 if the child is still running. */
static pid_t wait_for(pid_t pid, int *status, int ms)
{
	for (int i = 0; i < ms / 10; i++) {
		pid_t r = waitpid(pid, status, WNOHANG);

		if (r)
			return r;
		usleep(10000);
	}
	return 0;
}

/*
 * Waits (up to 10 s) until @n entry records are in the log: the stopping
 * engines have seen the call, so the child is at (or entering) its stop.
 */
static int wait_for_entries(int fd, int n)
{
	struct utrace_test_record r[8];
	int got = 0;

	for (int i = 0; i < 1000 && got < n; i++) {
		int k = utd_read(fd, r, 8);

		got += k > 0 ? k : 0;
		if (got < n)
			usleep(10000);
	}
	return got;
}

/*
 * A child blocked on a pipe; once released it calls getppid, its only
 * getppid, and exits 0 if it got the parent pid it was sent.  Returns its
 * pid and the pipe's write end (see release_child()).
 */
static pid_t stoppable_child(int *release)
{
	int go[2];
	pid_t child, parent;

	if (pipe(go))
		return -1;
	child = fork();
	if (child == 0) {
		close(go[1]);
		if (read(go[0], &parent, sizeof(parent)) != sizeof(parent))
			_exit(2);
		_exit(syscall(SYS_getppid) == parent ? 0 : 1);
	}
	close(go[0]);
	*release = go[1];
	return child;
}

/* Lets a stoppable_child() go on to its getppid. */
static int release_child(int release)
{
	pid_t me = getpid();

	return write(release, &me, sizeof(me)) == sizeof(me);
}

static void stop_holds_task_until_every_engine_resumes(void)
{
	int release, status = 0, s1, s2;
	/* Fork first: the child must not share the controlling file. */
	pid_t child = stoppable_child(&release);
	int fd = utd_open();

	s1 = must_attach(fd, child, UTRACE_TEST_STOP, ENTRY, 1, SYS_getppid, 0, 0);
	s2 = must_attach(fd, child, UTRACE_TEST_STOP, ENTRY, 2, SYS_getppid, 0, 0);
	CHECK(release_child(release), "write");
	/* Both engines saw the entry, before the syscall ran. */
	CHECK(wait_for_entries(fd, 2) == 2, "entry not reported to both");
	CHECK(wait_for(child, &status, 300) == 0, "the child ran past its stop");
	/*
	 * Stopped in a killable, freezable sleep that does not count in the
	 * load average: /proc shows it as idle ('I'), not 'D'.
	 */
	CHECK(utd_proc_state(child) == 'I', "child state %c", utd_proc_state(child));
	CHECK(ioctl(fd, UTRACE_TEST_RESUME, s2) == 0, "resume: %s", strerror(errno));
	CHECK(wait_for(child, &status, 300) == 0, "one resume of two released it");
	CHECK(ioctl(fd, UTRACE_TEST_RESUME, s1) == 0, "resume: %s", strerror(errno));
	CHECK(wait_for(child, &status, 5000) == child && WIFEXITED(status) &&
	      WEXITSTATUS(status) == 0, "child after resume: status %#x", status);
	close(release);
	close(fd);
}

/*
 * An engine that ends its stop asking for another report: the entry
 * callbacks run again, marked resumed, before the call; a plain resume
 * does not repeat them.
 */
static void resume_with_report_repeats_the_entry_reports(void)
{
	struct utrace_test_record r[16];
	int release, status = 0, s1, n;
	pid_t child = stoppable_child(&release);
	int fd = utd_open();

	s1 = must_attach(fd, child, UTRACE_TEST_STOP, BOTH, 1, SYS_getppid, 0, 0);
	must_attach(fd, child, UTRACE_TEST_RECORD, BOTH, 2, SYS_getppid, 0, 0);
	CHECK(release_child(release), "write");
	CHECK(wait_for_entries(fd, 2) == 2, "entry not reported to both");
	CHECK(wait_for(child, &status, 300) == 0, "the child ran past its stop");
	CHECK(ioctl(fd, UTRACE_TEST_RESUME_REPORT, s1) == 0, "resume: %s", strerror(errno));
	CHECK(wait_for(child, &status, 5000) == child && WIFEXITED(status) &&
	      WEXITSTATUS(status) == 0, "child after resume: status %#x", status);
	n = utd_read(fd, r, 16);
	/*
	 * wait_for_entries() took the first two entry records; then 2 and 1
	 * at entry again, marked resumed, and 1 and 2 at exit.
	 */
	CHECK(n == 4, "%d records", n);
	for (int i = 0; i < n && n != 4; i++)
		KTAP_DIAG("record %d: engine %u side %u ret %lld", i, r[i].id, r[i].side,
			  (long long)r[i].ret);
	if (n == 4) {
		static const unsigned int ids[] = { 2, 1, 1, 2 };
		static const unsigned int sides[] = { N, N, X, X };

		for (int i = 0; i < 4; i++)
			CHECK(r[i].id == ids[i] && r[i].side == sides[i] && (i >= 2 || r[i].ret == 1),
			      "record %d: engine %u side %u ret %lld", i, r[i].id, r[i].side,
			      (long long)r[i].ret);
	}
	/* Nothing to do for an engine that does not hold the task. */
	CHECK(ioctl(fd, UTRACE_TEST_RESUME_REPORT, s1) == 0 || errno == ESRCH,
	      "resume of a dead task: %s", strerror(errno));
	close(release);
	close(fd);
}

static void sigkill_ends_a_stop(void)
{
	int release, status = 0;
	pid_t child = stoppable_child(&release);
	int fd = utd_open();

	must_attach(fd, child, UTRACE_TEST_STOP, ENTRY, 1, SYS_getppid, 0, 0);
	CHECK(release_child(release), "write");
	CHECK(wait_for_entries(fd, 1) == 1, "entry not reported");
	CHECK(wait_for(child, &status, 300) == 0, "the child ran past its stop");
	kill(child, SIGKILL);
	CHECK(wait_for(child, &status, 5000) == child && WIFSIGNALED(status) &&
	      WTERMSIG(status) == SIGKILL, "stopped child not killed: %#x", status);
	close(release);
	close(fd);
}

static void closing_the_controller_releases_a_stop(void)
{
	int release, status = 0;
	pid_t child = stoppable_child(&release);
	int fd = utd_open();

	must_attach(fd, child, UTRACE_TEST_STOP, ENTRY, 1, SYS_getppid, 0, 0);
	CHECK(release_child(release), "write");
	CHECK(wait_for_entries(fd, 1) == 1, "entry not reported");
	CHECK(wait_for(child, &status, 300) == 0, "the child ran past its stop");
	close(fd);
	CHECK(wait_for(child, &status, 5000) == child && WIFEXITED(status) &&
	      WEXITSTATUS(status) == 0, "child after close: status %#x", status);
	close(release);
}

KTAP_MAIN("guest_engine_core",
	  KTAP_CASE(order_entry_reverse_exit_forward),
	  KTAP_CASE(rewritten_argument_seen_in_order),
	  KTAP_CASE(a_call_given_its_number_back_keeps_its_arguments),
	  KTAP_CASE(a_call_without_a_number_returns_enosys_after_an_argument_change),
	  KTAP_CASE(aborted_call_returns_exact_result),
	  KTAP_CASE(last_engine_called_decides),
	  KTAP_CASE(result_set_at_exit),
	  KTAP_CASE(attach_errors),
	  KTAP_CASE(engines_per_task_are_capped),
	  KTAP_CASE(unprivileged_cannot_attach_to_others),
	  KTAP_CASE(yama_ptrace_scope_applies),
	  KTAP_CASE(forked_child_starts_without_engines),
	  KTAP_CASE(death_detaches_engines),
	  KTAP_CASE(inherited_engine_follows_children),
	  KTAP_CASE(attach_detach_storm_against_syscall_loop),
	  KTAP_CASE(allocation_failures_leave_the_task_untouched),
	  KTAP_CASE(stop_holds_task_until_every_engine_resumes),
	  KTAP_CASE(resume_with_report_repeats_the_entry_reports),
	  KTAP_CASE(sigkill_ends_a_stop),
	  KTAP_CASE(closing_the_controller_releases_a_stop))
