// SPDX-License-Identifier: GPL-2.0
/*
 * kselftest_ptrace - the kernel's own ptrace selftests, one KTAP case each.
 *
 * make builds every program of tools/testing/selftests/ptrace (the
 * TEST_GEN_PROGS of its Makefile) statically, against the patched uapi
 * headers; the initramfs holds them in /kselftest/ptrace.  This runs each
 * one, in name order, the way kselftest's own runner.sh does: in that
 * directory, with a time limit (kselftest's default, 45 s), and judged by
 * its exit status: 0 passes, 4 (KSFT_SKIP) skips, anything else fails, and
 * so does running out of time.
 *
 * A program's stdout and stderr (its own KTAP, TH_LOG lines...) become
 * "# NAME: ..." diagnostics before its case line, as they come, so that a
 * failure or a hang can be read from the results log.  A skip carries the
 * reason the program printed on its "# SKIP" line.  Once a program has
 * exited or run out of time, every process it left behind is killed, so
 * that nothing outlives its case.
 *
 * Then every program runs again under a utrace-rs engine that follows its
 * children (cases NAME_under_engines): ptrace must keep working when its
 * syscall stops are made by the engines' dispatcher.
 *
 * A harness test that fails on every 7.2 kernel, patched or not, is left
 * out of its program's run (-T) and reported as a skipped case of its own,
 * with the reason: see excluded[] below.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SUITE "kselftest_ptrace"
#ifndef KSFT_DIR
#define KSFT_DIR "/kselftest/ptrace"
#endif
#ifndef LIMIT_S
#define LIMIT_S 45
#endif
/* After the program is gone: how long its killed leftovers get to close the pipe. */
#define DRAIN_S 5
#define KSFT_SKIP 4

/*
 * Harness tests left out of their program's run (kselftest_harness's -T),
 * each reported as a skipped case of its own with the reason.  Only for a
 * test that fails on every kernel of this version, never to hide a
 * failure of utrace-rs.
 */
static const struct excluded {
	const char *prog, *test, *why;
} excluded[] = {
	{ "vmaccess", "attach",
	  "fails on any 7.2 kernel: it expects PTRACE_ATTACH to fail with EAGAIN "
	  "while exec waits in de_thread() for the tracer to reap a traced thread, "
	  "but 7.2's ptrace_attach() sleeps on the cred_guard_mutex that exec holds "
	  "(a deadlock until the harness kills it after 30 s; the EAGAIN fix is not in 7.2)" },
#if !defined(__x86_64__)
	{ "get_set_sud", "get_set_sud",
	  "fails on any 7.2 arm64 kernel: syscall user dispatch needs the generic entry "
	  "code, which 7.2's arm64 does not use (PR_SET_SYSCALL_USER_DISPATCH is EINVAL)" },
#endif
};
#define N_EXCLUDED (sizeof(excluded) / sizeof(excluded[0]))

struct outcome {
	char line[1024];	/* the output line being gathered */
	size_t len;
	char skip_reason[256];	/* from the last "# SKIP" line */
	int skipped_cases;	/* "ok N ... # SKIP" lines at the top level */
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* One whole line of the program's output: a diagnostic; notes skips. */
static void out_line(const char *name, struct outcome *o)
{
	char *skip;

	o->line[o->len] = '\0';
	printf("    # %s: %s\n", name, o->line);
	skip = strstr(o->line, "# SKIP");
	if (skip) {
		skip += strlen("# SKIP");
		skip += strspn(skip, " :");
		snprintf(o->skip_reason, sizeof(o->skip_reason), "%s",
			 *skip ? skip : "(no reason given)");
		if (!strncmp(o->line, "ok ", 3))
			o->skipped_cases++;
	}
	o->len = 0;
}

static void out_bytes(const char *name, struct outcome *o, const char *buf,
		      size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (buf[i] == '\n') {
			out_line(name, o);
			continue;
		}
		o->line[o->len++] = buf[i];
		if (o->len == sizeof(o->line) - 1)
			out_line(name, o);
	}
}

/*
 * The second pass runs each program under a utrace-rs engine that follows
 * its children (a VM engine that only edits uname's nodename), so that
 * every ptrace syscall stop of the tests goes through the engines'
 * dispatcher, at ptrace's place in their order.
 */
static const char *const under_engines[] = {
	"/usr/bin/utrace", "--vm", "uname nodename kselftest", "--",
};
#define N_UNDER (sizeof(under_engines) / sizeof(under_engines[0]))

static void child(int out, const char *name, bool engines)
{
	int null = open("/dev/null", O_RDONLY);
	const char *argv[N_UNDER + 2 + 2 * N_EXCLUDED];
	char path[300];
	int argc = 0;

	if (engines)
		for (size_t i = 0; i < N_UNDER; i++)
			argv[argc++] = under_engines[i];
	snprintf(path, sizeof(path), "./%s", name);
	argv[argc++] = engines ? path : name;

	for (size_t i = 0; i < N_EXCLUDED; i++) {
		if (!strcmp(excluded[i].prog, name)) {
			argv[argc++] = "-T";
			argv[argc++] = excluded[i].test;
		}
	}

	setpgid(0, 0);
	if (null < 0 || dup2(null, 0) < 0 || dup2(out, 1) < 0 ||
	    dup2(out, 2) < 0 || chdir(KSFT_DIR) < 0) {
		dprintf(out, "runner: setting up %s: %s\n", name,
			strerror(errno));
		_exit(127);
	}
	argv[argc] = NULL;
	execv(argv[0], (char **)argv);
	fprintf(stderr, "runner: exec %s/%s: %s\n", KSFT_DIR, name,
		strerror(errno));
	_exit(127);
}

/*
 * Kills what the program left behind.  The runner is a child subreaper, so
 * every orphan of the program's tree is its child by now (the harness puts
 * each test in a process group of its own, so killing the program's group
 * is not enough).  Returns how many of them were still running.
 */
static int kill_leftovers(void)
{
	int running = 0;

	for (int round = 0; round < DRAIN_S * 10; round++) {
		struct dirent *d;
		int found = 0;
		DIR *proc;

		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
		proc = opendir("/proc");
		if (!proc)
			break;
		while ((d = readdir(proc))) {
			char path[64], buf[512], *paren;
			int pid = atoi(d->d_name), ppid, fd;
			ssize_t n;
			char state;

			if (pid <= 0)
				continue;
			snprintf(path, sizeof(path), "/proc/%d/stat", pid);
			fd = open(path, O_RDONLY);
			if (fd < 0)
				continue;
			n = read(fd, buf, sizeof(buf) - 1);
			close(fd);
			if (n <= 0)
				continue;
			buf[n] = '\0';
			/* "pid (comm) state ppid ...": comm may hold anything. */
			paren = strrchr(buf, ')');
			if (!paren || sscanf(paren + 1, " %c %d", &state, &ppid) != 2 ||
			    ppid != getpid())
				continue;
			found++;
			if (round == 0 && state != 'Z')
				running++;
			kill(pid, SIGKILL);
		}
		closedir(proc);
		if (!found)
			break;
		usleep(100 * 1000);
	}
	return running;
}

/*
 * Runs one program (under engines: see under_engines) and prints its case
 * line; returns true if it failed.
 */
static bool run_one(const char *prog, int num, bool engines)
{
	char name[300];
	struct outcome o = { .len = 0 };
	double start = now(), stop = start + LIMIT_S;
	bool timed_out = false;
	int fds[2], status = 0, left;
	char buf[4096];
	pid_t pid;

	snprintf(name, sizeof(name), "%s%s", prog, engines ? "_under_engines" : "");
	printf("    # %s: running, time limit %d s\n", name, LIMIT_S);
	for (size_t i = 0; i < N_EXCLUDED; i++)
		if (!strcmp(excluded[i].prog, prog))
			printf("    # %s: without its test %s (case %s.%s below)\n",
			       name, excluded[i].test, prog, excluded[i].test);
	fflush(stdout);
	if (pipe2(fds, O_CLOEXEC) < 0) {
		printf("    # %s: pipe: %s\n    not ok %d %s\n", name,
		       strerror(errno), num, name);
		return true;
	}
	pid = fork();
	if (pid < 0) {
		printf("    # %s: fork: %s\n    not ok %d %s\n", name,
		       strerror(errno), num, name);
		close(fds[0]);
		close(fds[1]);
		return true;
	}
	if (pid == 0)
		child(fds[1], prog, engines);
	/* Also here, so that kill(-pid) below can never miss the group. */
	setpgid(pid, pid);
	close(fds[1]);

	/* Its output as it comes, until it exits or runs out of time. */
	for (bool eof = false;;) {
		struct pollfd p = { .fd = fds[0], .events = POLLIN };
		ssize_t n;

		if (eof)
			usleep(100 * 1000);
		else if (poll(&p, 1, 100) > 0) {
			n = read(fds[0], buf, sizeof(buf));
			if (n > 0)
				out_bytes(name, &o, buf, n);
			else if (n == 0 || errno != EINTR)
				eof = true;
		}
		if (waitpid(pid, &status, WNOHANG) == pid)
			break;
		if (now() >= stop) {
			timed_out = true;
			kill(-pid, SIGKILL);
			waitpid(pid, &status, 0);
			break;
		}
	}
	kill(-pid, SIGKILL);
	left = kill_leftovers();

	/* The rest of its output: the pipe ends with the last process holding it. */
	for (stop = now() + DRAIN_S; now() < stop;) {
		struct pollfd p = { .fd = fds[0], .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, 100) <= 0)
			continue;
		n = read(fds[0], buf, sizeof(buf));
		if (n > 0)
			out_bytes(name, &o, buf, n);
		else if (n == 0 || errno != EINTR)
			break;
	}
	close(fds[0]);
	if (o.len)
		out_line(name, &o);

	printf("    # %s: ", name);
	if (timed_out)
		printf("killed after the time limit of %d s\n", LIMIT_S);
	else if (WIFSIGNALED(status))
		printf("killed by signal %d (%s) after %.1f s\n",
		       WTERMSIG(status), strsignal(WTERMSIG(status)),
		       now() - start);
	else
		printf("exit status %d after %.1f s\n", WEXITSTATUS(status),
		       now() - start);
	if (left)
		printf("    # %s: killed %d process%s it left running\n", name,
		       left, left == 1 ? "" : "es");

	if (!timed_out && WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		if (o.skipped_cases)
			printf("    # %s: passed, but %d of its cases skipped (last: %s)\n",
			       name, o.skipped_cases, o.skip_reason);
		printf("    ok %d %s\n", num, name);
		return false;
	}
	if (!timed_out && WIFEXITED(status) &&
	    WEXITSTATUS(status) == KSFT_SKIP) {
		printf("    ok %d %s # SKIP %s\n", num, name,
		       o.skip_reason[0] ? o.skip_reason :
		       "exit status 4 (KSFT_SKIP), no \"# SKIP\" line printed");
		return false;
	}
	printf("    not ok %d %s\n", num, name);
	return true;
}

/* Whether program @name is among the @n found. */
static bool found(const char *name, struct dirent **progs, int n)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(progs[i]->d_name, name))
			return true;
	return false;
}

/* The programs: regular executable files of KSFT_DIR. */
static int is_prog(const struct dirent *d)
{
	char path[512];
	struct stat st;

	if (d->d_name[0] == '.')
		return 0;
	snprintf(path, sizeof(path), "%s/%s", KSFT_DIR, d->d_name);
	return !stat(path, &st) && S_ISREG(st.st_mode) && (st.st_mode & 0111);
}

int main(void)
{
	struct dirent **progs;
	int n, n_excluded = 0, failed = 0;
	bool excluded_found[N_EXCLUDED];

	setvbuf(stdout, NULL, _IOLBF, 0);
	/* An inherited SIG_IGN would reap the programs (and their children) unseen. */
	signal(SIGCHLD, SIG_DFL);
	/* Orphans of the programs come to the runner, to be killed (kill_leftovers). */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	n = scandir(KSFT_DIR, &progs, is_prog, alphasort);
	printf("    KTAP version 1\n    # Subtest: %s\n", SUITE);
	if (n <= 0) {
		printf("    1..1\n    # no programs in %s (%s)\n    not ok 1 programs\n",
		       KSFT_DIR, n < 0 ? strerror(errno) : "empty");
		printf("not ok 1 %s\n", SUITE);
		return 1;
	}
	for (size_t i = 0; i < N_EXCLUDED; i++) {
		excluded_found[i] = found(excluded[i].prog, progs, n);
		n_excluded += excluded_found[i];
	}
	printf("    1..%d\n", 2 * n + n_excluded);
	for (int i = 0; i < n; i++)
		failed += run_one(progs[i]->d_name, i + 1, false);
	for (int i = 0; i < n; i++) {
		failed += run_one(progs[i]->d_name, n + i + 1, true);
		free(progs[i]);
	}
	for (size_t i = 0, num = 2 * n + 1; i < N_EXCLUDED; i++)
		if (excluded_found[i])
			printf("    ok %zu %s.%s # SKIP %s\n", num++,
			       excluded[i].prog, excluded[i].test,
			       excluded[i].why);
	free(progs);
	printf("%sok 1 %s\n", failed ? "not " : "", SUITE);
	return failed ? 1 : 0;
}
