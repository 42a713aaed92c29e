/* SPDX-License-Identifier: GPL-2.0 */
/*
 * run.h - what the in-guest tests that run commands share: reading a
 * file whole, waiting for a command with a deadline, finding a line.
 *
 * Each test still starts its command its own way (its redirections, its
 * credentials); these are the parts that were the same in each.
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
 * Reads @path into @buf, NUL-terminated and cut at @size - 1 bytes.
 * Returns its length, or -1 (and an empty @buf) if it cannot be opened.
 */
static inline long slurp(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY);
	size_t len = 0;
	ssize_t n;

	buf[0] = 0;
	if (fd < 0)
		return -1;
	while (len < size - 1 && (n = read(fd, buf + len, size - 1 - len)) > 0)
		len += n;
	buf[len] = 0;
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

/* Whether @text has @line as a whole line. */
static inline int has_line(const char *text, const char *line)
{
	size_t len = strlen(line);

	for (const char *p = text; (p = strstr(p, line)); p++)
		if ((p == text || p[-1] == '\n') && (p[len] == '\n' || !p[len]))
			return 1;
	return 0;
}

#endif /* UTRACE_GUEST_RUN_H */
