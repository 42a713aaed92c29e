// SPDX-License-Identifier: GPL-2.0
/*
 * task_finder_test - the port of systemtap's task finder to the C engine
 * API (samples/utrace_task_finder.c, /lib/modules/utrace_task_finder.ko).
 *
 * The programs the finder looks for are copies of this one, in /tmp:
 * TF_TARGET (the path= of most cases), TF_OTHER (the same bytes at
 * another path: never found) and TF_SUID (set-uid root, for the unload
 * case).  Exec'd with TF_ROLE in the environment, a copy plays that role
 * (tf_role(), below) with the pipes named by TF_FDS, and exits: "hold"
 * says it runs (a byte on its first pipe) and waits for a byte on its
 * second, then exits TF_EXIT.  What a task's quiesce report counts
 * (found) is counted before the task runs on: a program that says it
 * runs was counted; a death is counted before the parent's wait returns.
 */
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "ktap.h"
#include "task_finder_module.h"

#define TF_TARGET	"/tmp/tf-target"
#define TF_OTHER	"/tmp/tf-other"
#define TF_SUID		"/tmp/tf-suid"
#define TF_EXIT		42
#define NOBODY		65534
/* /proc/sys/kernel/tainted: an oops (D) or a warning (W). */
#define TAINT_DIE_OR_WARN	((1 << 7) | (1 << 9))

/* Execs @file as @role with the pipe ends @fds; exits 97 if it cannot. */
static void exec_role(const char *file, const char *role, const int *fds, int nfds)
{
	char env_role[32], env_fds[96] = "TF_FDS=";
	char *const argv[] = { (char *)file, NULL };
	char *const envp[] = { env_role, env_fds, NULL };
	size_t len = strlen(env_fds);

	snprintf(env_role, sizeof(env_role), "TF_ROLE=%s", role);
	for (int i = 0; i < nfds && len < sizeof(env_fds); i++)
		len += snprintf(env_fds + len, sizeof(env_fds) - len, "%d ", fds[i]);
	execve(file, argv, envp);
	_exit(97);
}

/* Says it runs on @ready, waits for a byte on @go: TF_EXIT, or 99. */
static int hold(int ready, int go)
{
	char c;

	return write(ready, "x", 1) == 1 && read(go, &c, 1) == 1 ? TF_EXIT : 99;
}

static int status_of(int status)
{
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/*
 * "fork" (ready1 go1 ready2 go2): a found process forks a child, which is
 * found at the clone; the child holds, then execs TF_TARGET to hold again.
 */
static int role_fork(const int *fd)
{
	pid_t kid = fork();
	int status;

	if (kid < 0)
		return 90;
	if (kid == 0) {
		alarm(30);
		if (hold(fd[0], fd[1]) != TF_EXIT)
			_exit(91);
		exec_role(TF_TARGET, "hold", fd + 2, 2);
	}
	if (waitpid(kid, &status, 0) != kid)
		return 93;
	return status_of(status);
}

static void *hold_thread(void *arg)
{
	const int *fd = arg;

	return (void *)(long)hold(fd[0], fd[1]);
}

/* "thread" (ready go): a found process's thread, found at its clone. */
static int role_thread(const int *fd)
{
	pthread_t t;
	void *ret;

	if (pthread_create(&t, NULL, hold_thread, (void *)fd))
		return 90;
	if (pthread_join(t, &ret))
		return 93;
	return (int)(long)ret;
}

/*
 * "pair" (ready1 go1 ready2 go2 results): a found process forks two
 * children, found at their clones.  Let go, each becomes nobody and execs
 * the set-uid TF_SUID, which exits 0 if it runs as root (it gained its
 * privileges: the task had no engines) and 1 if not.  The process writes
 * each child's status, in order, on results.
 */
static int role_pair(const int *fd)
{
	pid_t kid[2];
	int status;

	for (int i = 0; i < 2; i++) {
		kid[i] = fork();
		if (kid[i] < 0)
			return 90;
		if (kid[i] == 0) {
			char c;

			alarm(30);
			if (write(fd[2 * i], "x", 1) != 1 || read(fd[2 * i + 1], &c, 1) != 1)
				_exit(91);
			if (setgid(NOBODY) || setuid(NOBODY))
				_exit(92);
			exec_role(TF_SUID, "euid", NULL, 0);
		}
	}
	for (int i = 0; i < 2; i++) {
		unsigned char st;

		if (waitpid(kid[i], &status, 0) != kid[i])
			return 93;
		st = status_of(status);
		if (write(fd[4], &st, 1) != 1)
			return 94;
	}
	return 0;
}

/* The roles of the copies of this program (TF_ROLE, TF_FDS). */
__attribute__((constructor)) static void tf_role(void)
{
	const char *role = getenv("TF_ROLE"), *list = getenv("TF_FDS");
	int fd[6] = { -1, -1, -1, -1, -1, -1 };

	if (!role)
		return;
	if (list && *list && sscanf(list, "%d %d %d %d %d %d",
				    &fd[0], &fd[1], &fd[2], &fd[3], &fd[4], &fd[5]) < 1)
		_exit(96);
	if (!strcmp(role, "hold"))
		_exit(hold(fd[0], fd[1]));
	if (!strcmp(role, "exec-other"))	/* found, then runs another */
		exec_role(TF_OTHER, "hold", fd, 2);
	if (!strcmp(role, "fork"))
		_exit(role_fork(fd));
	if (!strcmp(role, "thread"))
		_exit(role_thread(fd));
	if (!strcmp(role, "pair"))
		_exit(role_pair(fd));
	if (!strcmp(role, "euid"))
		_exit(geteuid() == 0 ? 0 : 1);
	_exit(95);
}

/* Copies this program to @to with @mode; 0 or -1. */
static int copy_self(const char *to, mode_t mode)
{
	static char buf[1 << 16];
	int in = open("/proc/self/exe", O_RDONLY | O_CLOEXEC), out;
	ssize_t n = -1;

	unlink(to);
	out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0700);
	if (in >= 0 && out >= 0) {
		while ((n = read(in, buf, sizeof(buf))) > 0)
			if (write(out, buf, n) != n) {
				n = -1;
				break;
			}
		if (n == 0 && fchmod(out, mode))
			n = -1;
	}
	if (in >= 0)
		close(in);
	if (out >= 0 && close(out))
		n = -1;
	return n == 0 ? 0 : -1;
}

/* The copies, made once; false (the case failed) if they cannot be. */
static int setup(void)
{
	static int done;

	if (!done)
		done = !copy_self(TF_TARGET, 0755) && !copy_self(TF_OTHER, 0755) &&
		       !copy_self(TF_SUID, 04755);
	CHECK(done, "copying this program to /tmp: %s", strerror(errno));
	return done;
}

/* @n pipes, inherited across exec. */
static void open_pipes(int p[][2], int n)
{
	for (int i = 0; i < n; i++)
		CHECK(pipe(p[i]) == 0, "pipe: %s", strerror(errno));
}

static void close_pipes(int p[][2], int n)
{
	for (int i = 0; i < n; i++) {
		close(p[i][0]);
		close(p[i][1]);
	}
}

/*
 * Forks a child that, once @start (a pipe's read end; -1: at once) gives
 * it a byte, execs @file as @role with @fds.
 */
static pid_t spawn(int start, const char *file, const char *role, const int *fds, int nfds)
{
	pid_t pid = fork();
	char c;

	if (pid == 0) {
		alarm(30);
		if (start >= 0 && read(start, &c, 1) != 1)
			_exit(98);
		exec_role(file, role, fds, nfds);
	}
	CHECK(pid > 0, "fork: %s", strerror(errno));
	return pid;
}

/* A byte from @fd within 10 s, or -1. */
static int wait_byte(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	unsigned char c;

	if (poll(&pfd, 1, 10000) != 1 || read(fd, &c, 1) != 1)
		return -1;
	return c;
}

static void let_go(int fd)
{
	CHECK(write(fd, "g", 1) == 1, "write: %s", strerror(errno));
}

/* The child's exit status (128 + the signal that killed it), or -1. */
static int reap(pid_t pid)
{
	int status;

	if (pid <= 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return status_of(status);
}

static long tainted(void)
{
	char buf[32] = "";
	int fd = open("/proc/sys/kernel/tainted", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);

	if (fd >= 0)
		close(fd);
	return n > 0 ? atol(buf) : -1;
}

#define CHECK_PARAM(name, want)						\
	do {								\
		int __v = tf_param(name, -1);				\
		CHECK(__v == (want), "%s is %d, wanted %d", name, __v, (want)); \
	} while (0)

static void bad_parameters_fail_the_load(void)
{
	CHECK(tf_load("path=") == EINVAL, "an empty path");
	CHECK(tf_load("path=tmp/tf-target") == EINVAL, "a relative path");
	CHECK(tf_load("") == EINVAL, "nothing to look for");
	CHECK(tf_load("pid=-1 path=" TF_TARGET) == EINVAL, "a negative pid");
	CHECK(tf_load("pid=999999 path=" TF_TARGET) == ESRCH, "no such process");
	/* kthreadd: kernel threads are not followed. */
	CHECK(tf_load("pid=2 path=" TF_TARGET) == EPERM, "a kernel thread");
	CHECK(tf_unload() == ENOENT, "a failed load left the module in");
}

/*
 * A followed process (pid=) execs the program: found before it runs an
 * instruction of it, its death counted, its engines gone with it.
 */
static void a_child_exec_is_found(void)
{
	int p[3][2];	/* start, ready, go */
	char params[96];
	pid_t kid;
	int err;

	if (!setup())
		return;
	open_pipes(p, 3);
	kid = spawn(p[0][0], TF_TARGET, "hold", (int[]){ p[1][1], p[2][0] }, 2);
	snprintf(params, sizeof(params), "pid=%d path=" TF_TARGET, kid);
	err = tf_load(params);
	CHECK(err == 0, "load: %s", strerror(err));
	CHECK_PARAM("found", 0);
	CHECK_PARAM("attached", 1);	/* the finder's engine on the child */
	let_go(p[0][1]);
	CHECK(wait_byte(p[1][0]) == 'x', "the program did not start");
	CHECK_PARAM("found", 1);
	CHECK_PARAM("attached", 2);	/* and the target's */
	let_go(p[2][1]);
	CHECK(reap(kid) == TF_EXIT, "the program's exit");
	CHECK_PARAM("deaths", 1);
	CHECK_PARAM("attached", 0);
	CHECK_PARAM("followed", 0);
	CHECK_PARAM("lost", 0);
	CHECK(tf_unload() == 0, "unload: %s", strerror(errno));
	close_pipes(p, 3);
}

/* The same bytes at another path are not the program: not found. */
static void a_program_not_looked_for_is_not_found(void)
{
	int p[3][2];
	char params[96];
	pid_t kid;
	int err;

	if (!setup())
		return;
	open_pipes(p, 3);
	kid = spawn(p[0][0], TF_OTHER, "hold", (int[]){ p[1][1], p[2][0] }, 2);
	snprintf(params, sizeof(params), "pid=%d path=" TF_TARGET, kid);
	err = tf_load(params);
	CHECK(err == 0, "load: %s", strerror(err));
	let_go(p[0][1]);
	CHECK(wait_byte(p[1][0]) == 'x', "the program did not start");
	CHECK_PARAM("found", 0);
	CHECK_PARAM("attached", 1);	/* followed all the same */
	let_go(p[2][1]);
	CHECK(reap(kid) == TF_EXIT, "the program's exit");
	CHECK_PARAM("deaths", 0);
	CHECK_PARAM("attached", 0);
	CHECK(tf_unload() == 0, "unload: %s", strerror(errno));
	close_pipes(p, 3);
}

/*
 * A found process forks: the child is followed and found at the clone;
 * exec'ing the program again, it is lost and found again (systemtap's
 * clients saw an end and a begin).
 */
static void a_found_process_fork_is_followed_and_found(void)
{
	int p[5][2];	/* start, ready1, go1, ready2, go2 */
	char params[96];
	pid_t kid;
	int err;

	if (!setup())
		return;
	open_pipes(p, 5);
	kid = spawn(p[0][0], TF_TARGET, "fork",
		    (int[]){ p[1][1], p[2][0], p[3][1], p[4][0] }, 4);
	snprintf(params, sizeof(params), "pid=%d path=" TF_TARGET, kid);
	err = tf_load(params);
	CHECK(err == 0, "load: %s", strerror(err));
	let_go(p[0][1]);
	CHECK(wait_byte(p[1][0]) == 'x', "the grandchild did not start");
	CHECK_PARAM("followed", 1);
	CHECK_PARAM("found", 2);	/* the process at its exec, the child at its clone */
	CHECK_PARAM("attached", 4);
	let_go(p[2][1]);
	CHECK(wait_byte(p[3][0]) == 'x', "the grandchild's exec did not start");
	CHECK_PARAM("lost", 1);
	CHECK_PARAM("found", 3);
	CHECK_PARAM("attached", 4);
	let_go(p[4][1]);
	CHECK(reap(kid) == TF_EXIT, "the process's exit (the grandchild's status)");
	CHECK_PARAM("deaths", 2);
	CHECK_PARAM("attached", 0);
	CHECK(tf_unload() == 0, "unload: %s", strerror(errno));
	close_pipes(p, 5);
}

/* The original followed threads too: a found process's thread is found. */
static void threads_of_a_found_process_are_found(void)
{
	int p[3][2];
	char params[96];
	pid_t kid;
	int err;

	if (!setup())
		return;
	open_pipes(p, 3);
	kid = spawn(p[0][0], TF_TARGET, "thread", (int[]){ p[1][1], p[2][0] }, 2);
	snprintf(params, sizeof(params), "pid=%d path=" TF_TARGET, kid);
	err = tf_load(params);
	CHECK(err == 0, "load: %s", strerror(err));
	let_go(p[0][1]);
	CHECK(wait_byte(p[1][0]) == 'x', "the thread did not start");
	CHECK_PARAM("followed", 1);
	CHECK_PARAM("found", 2);
	CHECK_PARAM("attached", 4);
	let_go(p[2][1]);
	CHECK(reap(kid) == TF_EXIT, "the process's exit");
	CHECK_PARAM("deaths", 2);
	CHECK_PARAM("attached", 0);
	CHECK(tf_unload() == 0, "unload: %s", strerror(errno));
	close_pipes(p, 3);
}

/* A found process execs another program: lost, and not found again. */
static void an_exec_of_another_program_is_lost(void)
{
	int p[3][2];
	char params[96];
	pid_t kid;
	int err;

	if (!setup())
		return;
	open_pipes(p, 3);
	kid = spawn(p[0][0], TF_TARGET, "exec-other", (int[]){ p[1][1], p[2][0] }, 2);
	snprintf(params, sizeof(params), "pid=%d path=" TF_TARGET, kid);
	err = tf_load(params);
	CHECK(err == 0, "load: %s", strerror(err));
	let_go(p[0][1]);
	CHECK(wait_byte(p[1][0]) == 'x', "the other program did not start");
	CHECK_PARAM("found", 1);
	CHECK_PARAM("lost", 1);
	CHECK_PARAM("attached", 1);
	let_go(p[2][1]);
	CHECK(reap(kid) == TF_EXIT, "the other program's exit");
	CHECK_PARAM("deaths", 0);
	CHECK_PARAM("attached", 0);
	CHECK(tf_unload() == 0, "unload: %s", strerror(errno));
	close_pipes(p, 3);
}

/*
 * The registration scan finds a process that runs the program already,
 * asleep in read(): its stop breaks the sleep, and the read goes on.
 */
static void the_scan_finds_a_running_process(void)
{
	int p[2][2];
	char params[96];
	pid_t kid;
	int err;

	if (!setup())
		return;
	open_pipes(p, 2);
	kid = spawn(-1, TF_TARGET, "hold", (int[]){ p[0][1], p[1][0] }, 2);
	CHECK(wait_byte(p[0][0]) == 'x', "the program did not start");
	snprintf(params, sizeof(params), "pid=%d path=" TF_TARGET, kid);
	err = tf_load(params);
	CHECK(err == 0, "load: %s", strerror(err));
	CHECK(tf_wait_param("found", 1) == 1, "found %d", tf_param("found", -1));
	CHECK_PARAM("attached", 2);
	let_go(p[1][1]);
	CHECK(reap(kid) == TF_EXIT, "the read did not go on after the stop");
	CHECK_PARAM("deaths", 1);
	CHECK(tf_unload() == 0, "unload: %s", strerror(errno));
	close_pipes(p, 2);
}

/* pid= alone: every task of the process is found (stap -x's begin probe). */
static void a_pid_alone_finds_its_process(void)
{
	int p[2][2];
	char params[96];
	pid_t kid;
	int err;

	open_pipes(p, 2);
	kid = fork();
	if (kid == 0) {
		alarm(30);
		_exit(hold(p[0][1], p[1][0]));
	}
	CHECK(wait_byte(p[0][0]) == 'x', "the child did not start");
	snprintf(params, sizeof(params), "pid=%d", kid);
	err = tf_load(params);
	CHECK(err == 0, "load: %s", strerror(err));
	CHECK(tf_wait_param("found", 1) == 1, "found %d", tf_param("found", -1));
	CHECK_PARAM("attached", 2);
	let_go(p[1][1]);
	CHECK(reap(kid) == TF_EXIT, "the child's exit");
	CHECK_PARAM("deaths", 1);
	CHECK(tf_unload() == 0, "unload: %s", strerror(errno));
	close_pipes(p, 2);
}

/*
 * path= alone: the scan looks at every process (this one included), and
 * finds the two that run the program, not the one that runs a copy.
 * One of them dies of SIGKILL: counted as well.
 */
static void the_scan_covers_every_process(void)
{
	int p[6][2];
	pid_t kid[3];
	int err;

	if (!setup())
		return;
	open_pipes(p, 6);
	for (int i = 0; i < 3; i++) {
		kid[i] = spawn(-1, i < 2 ? TF_TARGET : TF_OTHER, "hold",
			       (int[]){ p[2 * i][1], p[2 * i + 1][0] }, 2);
		CHECK(wait_byte(p[2 * i][0]) == 'x', "program %d did not start", i);
	}
	err = tf_load("path=" TF_TARGET);
	CHECK(err == 0, "load: %s", strerror(err));
	CHECK(tf_wait_param("found", 2) == 2, "found %d", tf_param("found", -1));
	/* The finder's engine on this process and the three, targets on two. */
	CHECK(tf_param("attached", -1) >= 6, "attached %d", tf_param("attached", -1));
	CHECK(kill(kid[1], SIGKILL) == 0, "kill: %s", strerror(errno));
	let_go(p[1][1]);
	let_go(p[5][1]);
	CHECK(reap(kid[0]) == TF_EXIT, "the first program's exit");
	CHECK(reap(kid[1]) == 128 + SIGKILL, "the second program's death");
	CHECK(reap(kid[2]) == TF_EXIT, "the copy's exit");
	CHECK_PARAM("deaths", 2);
	CHECK_PARAM("found", 2);
	CHECK(tf_unload() == 0, "unload: %s", strerror(errno));
	close_pipes(p, 6);
}

/*
 * Unloading with followed tasks alive detaches every engine of the
 * module and leaves the tasks running.  A task with engines gains no
 * privileges at exec (kernel patch 0005): a set-uid exec before the
 * unload runs unprivileged (the control), one after it runs as root, so
 * nothing of the module is left on the task; the tasks run on, exec and
 * exit, and the kernel took no oops nor warning.
 */
static void unloading_leaves_followed_tasks_running_and_free(void)
{
	int p[6][2];	/* start, ready1, go1, ready2, go2, results */
	char params[96];
	long taint;
	pid_t kid;
	int err;

	if (!setup())
		return;
	taint = tainted();
	open_pipes(p, 6);
	kid = spawn(p[0][0], TF_TARGET, "pair",
		    (int[]){ p[1][1], p[2][0], p[3][1], p[4][0], p[5][1] }, 5);
	snprintf(params, sizeof(params), "pid=%d path=" TF_TARGET, kid);
	err = tf_load(params);
	CHECK(err == 0, "load: %s", strerror(err));
	let_go(p[0][1]);
	CHECK(wait_byte(p[1][0]) == 'x' && wait_byte(p[3][0]) == 'x',
	      "the grandchildren did not start");
	CHECK_PARAM("followed", 2);
	CHECK_PARAM("found", 3);
	CHECK_PARAM("attached", 6);
	/* The control: with the finder's engines, no privileges. */
	let_go(p[2][1]);
	CHECK(wait_byte(p[5][0]) == 1, "a set-uid exec with engines attached");
	CHECK_PARAM("lost", 1);
	CHECK_PARAM("attached", 4);
	CHECK(tf_unload() == 0, "unload: %s", strerror(errno));
	CHECK(!tf_loaded(), "the module is still loaded");
	let_go(p[4][1]);
	CHECK(wait_byte(p[5][0]) == 0, "a set-uid exec after the unload: the task kept engines");
	CHECK(reap(kid) == 0, "the found process's exit");
	CHECK(taint >= 0 && !((tainted() & ~taint) & TAINT_DIE_OR_WARN),
	      "the kernel is tainted %#lx, it was %#lx", tainted(), taint);
	close_pipes(p, 6);
}

KTAP_MAIN("guest_task_finder",
	  KTAP_CASE(bad_parameters_fail_the_load),
	  KTAP_CASE(a_child_exec_is_found),
	  KTAP_CASE(a_program_not_looked_for_is_not_found),
	  KTAP_CASE(a_found_process_fork_is_followed_and_found),
	  KTAP_CASE(threads_of_a_found_process_are_found),
	  KTAP_CASE(an_exec_of_another_program_is_lost),
	  KTAP_CASE(the_scan_finds_a_running_process),
	  KTAP_CASE(a_pid_alone_finds_its_process),
	  KTAP_CASE(the_scan_covers_every_process),
	  KTAP_CASE(unloading_leaves_followed_tasks_running_and_free))
