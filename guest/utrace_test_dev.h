/* SPDX-License-Identifier: GPL-2.0 */
/*
 * utrace_test_dev.h - what the in-guest tests do with /dev/utrace-test
 * (uapi/linux/utrace_test.h) and with the children they trace: open the
 * device, attach a test engine, read its log, and fork a child that waits
 * for a go-ahead before it does anything.  Include after "ktap.h".
 */
#ifndef UTRACE_GUEST_TEST_DEV_H
#define UTRACE_GUEST_TEST_DEV_H

#include <fcntl.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <stdio.h>
#include <sys/wait.h>
#include <time.h>
#include <linux/utrace_test.h>

/* Opens /dev/utrace-test (a failed CHECK and -1 if it cannot). */
static inline int utd_open(void)
{
	int fd = open("/dev/utrace-test", O_RDWR | O_CLOEXEC);

	CHECK(fd >= 0, "open /dev/utrace-test: %s", strerror(errno));
	return fd;
}

/* Attaches a test engine as @a says; returns its slot, or -1 (CHECKed). */
static inline int utd_attach(int fd, struct utrace_test_attach a)
{
	int slot = ioctl(fd, UTRACE_TEST_ATTACH, &a);

	CHECK(slot >= 0, "attach id %u kind %u to %d: %s", a.id, a.kind, a.pid,
	      strerror(errno));
	return slot;
}

/* The common case: engine @id of @kind for every syscall or signal. */
static inline int utd_attach_simple(int fd, pid_t pid, unsigned int kind,
				    unsigned int events, unsigned int id,
				    long long value)
{
	struct utrace_test_attach a = {
		.pid = pid, .kind = kind, .events = events, .id = id,
		.nr = -1, .value = value,
	};

	return utd_attach(fd, a);
}

/*
 * Moves up to @max records out of the log; returns how many, or -1.  A
 * full log (records dropped) fails the case: no test means to fill it.
 */
static inline int utd_read(int fd, struct utrace_test_record *r,
			   unsigned int max)
{
	struct utrace_test_read rd = { .records = (unsigned long)r, .max = max };

	if (ioctl(fd, UTRACE_TEST_READ, &rd)) {
		CHECK(0, "read log: %s", strerror(errno));
		return -1;
	}
	CHECK(rd.dropped == 0, "%llu records dropped",
	      (unsigned long long)rd.dropped);
	return rd.count;
}

/*
 * A child that waits for a byte on @go, then runs @fn (and exits 101 if
 * @fn returns); returns its pid.  An alarm ends a child a broken test
 * would leave behind.
 */
static inline pid_t utd_held_child(int go[2], void (*fn)(void))
{
	pid_t pid;
	char c;

	CHECK(pipe(go) == 0, "pipe");
	pid = fork();
	if (pid == 0) {
		alarm(20);
		close(go[1]);
		if (read(go[0], &c, 1) != 1)
			_exit(100);
		fn();
		_exit(101);
	}
	close(go[0]);
	return pid;
}

/* Lets the child of utd_held_child() go. */
static inline void utd_release(int go[2])
{
	CHECK(write(go[1], "g", 1) == 1, "release the child");
	close(go[1]);
}

/* Lets it go and waits for it; returns its wait status. */
static inline int utd_release_and_wait(int go[2], pid_t pid)
{
	int status = -1;

	utd_release(go);
	CHECK(waitpid(pid, &status, 0) == pid, "waitpid: %s", strerror(errno));
	return status;
}

/* Polls @cond (an expression) up to ~5 s; evaluates to its last value. */
#define UTD_POLL(cond) ({						\
	int __ok = 0;							\
	for (int __i = 0; __i < 5000 && !(__ok = (cond)); __i++)	\
		usleep(1000);						\
	__ok;								\
})

/* Whether the task of engine @slot is parked in a stop. */
static inline int utd_stopped(int fd, int slot)
{
	return ioctl(fd, UTRACE_TEST_STOPPED, slot) == 1;
}

/* Seconds on the monotonic clock. */
static inline double utd_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Sleeps @ms milliseconds. */
static inline void utd_msleep(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/*
 * Waits up to about @ms for a hook to enter its armed race-test delay:
 * until @delayed_req (a UTRACE_TEST_*_DELAYED request) answers more than
 * @before.  Returns that answer.
 */
static inline int utd_wait_delay_entered(int fd, unsigned long delayed_req, int before, int ms)
{
	for (int i = 0; i < ms && ioctl(fd, delayed_req, 0) == before; i++)
		utd_msleep(1);
	return ioctl(fd, delayed_req, 0);
}

/*
 * Waits up to @ms for @pid to exit; returns 1 and its status if it did.
 * Otherwise returns 0 and leaves it running.
 */
static inline int utd_wait_exit_within(pid_t pid, int ms, int *status)
{
	for (int waited = 0; waited <= ms; waited += 10) {
		pid_t r = waitpid(pid, status, WNOHANG);

		if (r == pid)
			return 1;
		if (r < 0)
			return 0;
		utd_msleep(10);
	}
	return 0;
}

/* The state letter of /proc/@pid/stat (R, S, D, I, t...), or '?'. */
static inline char utd_proc_state(pid_t pid)
{
	char path[64], buf[512], *p;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return '?';
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	p = strrchr(buf, ')');
	return p && p[1] && p[2] ? p[2] : '?';
}

/* Whether @pid is in the system call @nr now (/proc/PID/syscall). */
static inline int utd_in_syscall(pid_t pid, long nr)
{
	char path[64], buf[256];
	long now = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/syscall", pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = 0;
	fclose(f);
	return sscanf(buf, "%ld", &now) == 1 && now == nr;
}

/* Whether @pid has a handler for signal @sig now (/proc/PID/status, SigCgt). */
static inline int utd_catches(pid_t pid, int sig)
{
	char path[64], line[256];
	unsigned long long caught = 0;
	int found = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f))
		found = sscanf(line, "SigCgt: %llx", &caught) == 1;
	fclose(f);
	return found && (caught >> (sig - 1) & 1);
}

#endif /* UTRACE_GUEST_TEST_DEV_H */
