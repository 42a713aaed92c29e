/* SPDX-License-Identifier: GPL-2.0 */
/*
 * run.h - what the in-guest tests that run commands share: reading a
 * file whole, waiting for a command with a deadline, running one with its
 * output in files, finding a line.
 *
 * A test that needs more (other credentials, other redirections) still
 * starts its command itself; these are the parts that were the same.
 */
#ifndef UTRACE_GUEST_RUN_H
#define UTRACE_GUEST_RUN_H

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

/*
 * Reads @fd to its end (or a read error) into @buf, NUL-terminated and cut
 * at @size - 1 bytes.  Returns the length read.
 */
static inline size_t read_to_end(int fd, char *buf, size_t size)
{
	size_t len = 0;
	ssize_t n;

	while (len < size - 1 && (n = read(fd, buf + len, size - 1 - len)) > 0)
		len += n;
	buf[len] = 0;
	return len;
}

/*
 * Reads @path into @buf, NUL-terminated and cut at @size - 1 bytes.
 * Returns its length, or -1 (and an empty @buf) if it cannot be opened.
 */
static inline long slurp(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY);
	size_t len;

	buf[0] = 0;
	if (fd < 0)
		return -1;
	len = read_to_end(fd, buf, size);
	close(fd);
	return len;
}

static volatile sig_atomic_t run_timed_out;

static inline void run_on_alarm(int sig)
{
	(void)sig;
	run_timed_out = 1;
}

/*
 * Waits for @pid, the leader of its own process group; after @seconds
 * the whole group is killed.  Returns the wait status (-1 if the wait
 * failed) and sets *@timed_out.
 */
static inline int wait_with_deadline(pid_t pid, unsigned int seconds, int *timed_out)
{
	struct sigaction sa = { .sa_handler = run_on_alarm };
	int status;

	run_timed_out = 0;
	sigaction(SIGALRM, &sa, NULL);
	alarm(seconds);
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			status = -1;
			break;
		}
		if (run_timed_out)
			kill(-pid, SIGKILL);
	}
	alarm(0);
	*timed_out = run_timed_out;
	return status;
}

/*
 * Runs @argv in its own process group, its stdout into @out_path and its
 * stderr into @err_path (one file, one offset, if the paths are the same);
 * after @seconds the whole group is killed, and so is anything it left
 * behind once it is waited for.  Returns the wait status (-1 if it could
 * not be started or waited for) and sets *@timed_out.
 */
static inline int run_in_group(const char *const argv[], const char *out_path,
			       const char *err_path, unsigned int seconds, int *timed_out)
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		int o = open(out_path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
		int e = strcmp(err_path, out_path) ?
			open(err_path, O_CREAT | O_WRONLY | O_TRUNC, 0644) : dup(o);

		setpgid(0, 0);
		if (o < 0 || e < 0 || dup2(o, 1) < 0 || dup2(e, 2) < 0)
			_exit(126);
		close(o);
		close(e);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	*timed_out = 0;
	if (pid < 0)
		return -1;
	setpgid(pid, pid);
	status = wait_with_deadline(pid, seconds, timed_out);
	kill(-pid, SIGKILL);
	return status;
}

/* Whether @text has @line as a whole line. */
static inline int has_line(const char *text, const char *line)
{
	size_t len = strlen(line);

	for (const char *p = text; (p = strstr(p, line)); p++)
		if ((p == text || p[-1] == '\n') && (p[len] == '\n' || !p[len]))
			return 1;
	return 0;
}

/* The line of @text that starts with @start, or NULL. */
static inline const char *line_starting(const char *text, const char *start)
{
	size_t n = strlen(start);

	for (const char *l = text; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL)
		if (!strncmp(l, start, n))
			return l;
	return NULL;
}

/* Whether the line at @line ends with @end. */
static inline int line_ends_with(const char *line, const char *end)
{
	const char *eol = strchr(line, '\n');
	size_t n = strlen(end);

	if (!eol)
		eol = line + strlen(line);

	return (size_t)(eol - line) >= n && !strncmp(eol - n, end, n);
}

#endif /* UTRACE_GUEST_RUN_H */
