// SPDX-License-Identifier: GPL-2.0
/*
 * trace_pipe_test - /dev/utrace read as a trace pipe (uapi/linux/utrace.h):
 * read(2) that waits for text and ends with the trace, O_NONBLOCK, poll(2),
 * the drop notice, the buffer's size, and a reader that stalls in its copy
 * to user space without holding up any traced task.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/utrace.h>
#include <linux/utrace_test.h>
#include "ktap.h"
#include "utrace_test_dev.h"

static char text[1 << 20];

/* An strace engine of @fd on @pid; its slot, or -1 (CHECKed). */
static int attach_strace(int fd, pid_t pid)
{
	struct utrace_strace_attach s = { .pid = pid };
	int slot = ioctl(fd, UTRACE_ATTACH_STRACE, &s);

	CHECK(slot >= 0, "attach strace to %d: %s", pid, strerror(errno));
	return slot;
}

static void three_getppids(void)
{
	for (int i = 0; i < 3; i++)
		syscall(SYS_getppid);
	_exit(0);
}

static void on_alarm(int sig)
{
	(void)sig;
}

/* SIGALRM without SA_RESTART: a read that would wait forever fails EINTR. */
static void alarm_interrupts(void)
{
	struct sigaction sa = { .sa_handler = on_alarm };

	sigaction(SIGALRM, &sa, NULL);
}

/*
 * Reads @fd with blocking read(2) until it returns 0 (or fails); returns
 * the bytes read into text[], NUL-terminated, or -1 with errno.
 */
static long read_to_end(int fd)
{
	long len = 0;
	ssize_t n;

	alarm(15);
	while ((n = read(fd, text + len, sizeof(text) - 1 - len)) > 0)
		len += n;
	alarm(0);
	text[len] = 0;
	return n < 0 ? -1 : len;
}

/*
 * A blocking read(2) waits for the traced child's lines and returns 0 once
 * the child is dead and everything is read: the trace as a pipe.
 */
static void read_waits_and_ends_with_the_trace(void)
{
	int fd = open("/dev/utrace", O_RDWR), go[2], st = 0;
	pid_t pid = utd_held_child(go, three_getppids);
	long len;
	char *p;
	int calls = 0;

	alarm_interrupts();
	if (attach_strace(fd, pid) < 0)
		goto out;
	utd_release(go);
	len = read_to_end(fd);
	CHECK(len > 0, "read to the end: %ld, %s", len, len < 0 ? strerror(errno) : "");
	for (p = text; (p = strstr(p, "getppid() = ")); p++)
		calls++;
	CHECK(calls == 3, "%d getppid lines, wanted 3:\n%s", calls, text);
	CHECK(strstr(text, "+++ exited with 0 +++\n"), "no exit line:\n%s", text);
	/* The end stays the end. */
	CHECK(read(fd, text, 10) == 0, "a read after the end");
out:
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	close(fd);
}

/* A file with no engine is at the end of its trace at once. */
static void a_file_without_engines_is_at_its_end(void)
{
	int fd = open("/dev/utrace", O_RDWR | O_NONBLOCK);
	struct pollfd p = { .fd = fd, .events = POLLIN };

	CHECK(read(fd, text, 100) == 0, "read: %s", strerror(errno));
	CHECK(poll(&p, 1, 0) == 1 && p.revents == POLLHUP, "poll: revents %#x", p.revents);
	close(fd);
}

static int hold_fd = -1;

/* getppid once, then wait for a byte on hold_fd, then getppid and exit. */
static void getppid_hold_getppid(void)
{
	char c;

	syscall(SYS_getppid);
	if (read(hold_fd, &c, 1) != 1)
		_exit(100);
	syscall(SYS_getppid);
	_exit(0);
}

/*
 * O_NONBLOCK: EAGAIN while the engine lives and nothing is there; poll(2)
 * says readable once a line is, and hung up once the child is dead and
 * everything read.
 */
static void nonblocking_read_and_poll(void)
{
	int fd = open("/dev/utrace", O_RDWR | O_NONBLOCK), go[2], hold[2], st = 0;
	struct pollfd p = { .fd = fd, .events = POLLIN };
	pid_t pid;
	ssize_t n, len;

	CHECK(pipe(hold) == 0, "pipe");
	hold_fd = hold[0];
	pid = utd_held_child(go, getppid_hold_getppid);
	close(hold[0]);
	/* Attached once the child sleeps on @go: nothing comes until it goes. */
	for (int i = 0; i < 2000 && utd_proc_state(pid) != 'S'; i++)
		utd_msleep(1);
	if (attach_strace(fd, pid) < 0)
		goto out;
	n = read(fd, text, sizeof(text) - 1);
	text[n > 0 ? n : 0] = 0;
	CHECK(n == -1 && errno == EAGAIN, "read of an empty pipe: %zd %s '%s'", n, strerror(errno),
	      text);
	CHECK(poll(&p, 1, 0) == 0, "poll on an empty pipe: revents %#x", p.revents);
	utd_release(go);
	/* The child's calls since its fork (glibc's own), then its getppid. */
	len = 0;
	while (!strstr(text, "getppid() = ")) {
		CHECK(poll(&p, 1, 10000) == 1 && p.revents == POLLIN, "poll: revents %#x",
		      p.revents);
		n = read(fd, text + len, sizeof(text) - 1 - len);
		CHECK(n > 0, "read: %zd %s", n, strerror(errno));
		if (n <= 0)
			break;
		len += n;
		text[len] = 0;
	}
	CHECK(write(hold[1], "g", 1) == 1, "release the child again");
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0,
	      "status %#x", st);
	/* Dead: the rest of its lines, then the end. */
	while ((n = read(fd, text, sizeof(text))) > 0)
		;
	CHECK(n == 0, "read after the child's death: %zd %s", n, strerror(errno));
	CHECK(poll(&p, 1, 0) == 1 && p.revents == POLLHUP, "poll at the end: revents %#x",
	      p.revents);
out:
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	close(hold[1]);
	close(fd);
}

/* Byte by byte, a line comes whole and in order, as from a pipe. */
static void small_reads_take_bytes_in_order(void)
{
	int fd = open("/dev/utrace", O_RDWR | O_NONBLOCK), slot, i = 0;
	char line[256];

	slot = attach_strace(fd, 0);
	syscall(SYS_getppid);
	CHECK(ioctl(fd, UTRACE_DETACH, slot) == 0, "detach: %s", strerror(errno));
	while (i < (int)sizeof(line) - 1 && read(fd, line + i, 1) == 1 && line[i] != '\n')
		i++;
	line[i + 1] = 0;
	CHECK(!strncmp(line, "getppid() = ", 12) && line[i] == '\n', "line read byte by byte: '%s'",
	      line);
	close(fd);
}

/*
 * Lines dropped for want of room come back as a notice ahead of the text
 * that follows the gap; a read(2) too small for the notice is EINVAL.
 */
static void drop_notice_in_the_stream(void)
{
	int fd = open("/dev/utrace", O_RDWR | O_NONBLOCK), slot;
	ssize_t n;

	slot = attach_strace(fd, 0);
	/* ~15 bytes a line: overflows the 64 KiB buffer without a reader. */
	for (int i = 0; i < 6000; i++)
		syscall(SYS_getppid);
	CHECK(ioctl(fd, UTRACE_DETACH, slot) == 0, "detach: %s", strerror(errno));
	CHECK_ERRNO(read(fd, text, 10), EINVAL);
	n = read(fd, text, sizeof(text) - 1);
	CHECK(n > 0, "read: %s", strerror(errno));
	text[n > 0 ? n : 0] = 0;
	CHECK(!strncmp(text, "<utrace: ", 9) && strstr(text, " lines dropped>\n"),
	      "the text does not start with the notice: %.60s", text);
	close(fd);
}

/*
 * UTRACE_SET_BUFFER: 0 asks; bounds; EBUSY while an engine may write or
 * text is unread.
 */
static void buffer_size(void)
{
	int fd = open("/dev/utrace", O_RDWR | O_NONBLOCK), slot;

	CHECK(ioctl(fd, UTRACE_SET_BUFFER, 0) == 65536, "default size: %s", strerror(errno));
	CHECK_ERRNO(ioctl(fd, UTRACE_SET_BUFFER, 4096), EINVAL);
	CHECK_ERRNO(ioctl(fd, UTRACE_SET_BUFFER, 5 << 20), EINVAL);
	CHECK(ioctl(fd, UTRACE_SET_BUFFER, 1 << 20) == 1 << 20, "1 MiB: %s", strerror(errno));
	CHECK(ioctl(fd, UTRACE_SET_BUFFER, 0) == 1 << 20, "size after set");
	slot = attach_strace(fd, 0);
	CHECK_ERRNO(ioctl(fd, UTRACE_SET_BUFFER, 128 << 10), EBUSY);
	CHECK(ioctl(fd, UTRACE_DETACH, slot) == 0, "detach: %s", strerror(errno));
	/* Detached, but its lines are unread. */
	CHECK_ERRNO(ioctl(fd, UTRACE_SET_BUFFER, 128 << 10), EBUSY);
	while (read(fd, text, sizeof(text)) > 0)
		;
	CHECK(ioctl(fd, UTRACE_SET_BUFFER, 128 << 10) == 128 << 10, "128 KiB: %s",
	      strerror(errno));
	CHECK(ioctl(fd, UTRACE_SET_BUFFER, 0) == 128 << 10, "size after the second set");
	close(fd);
}

struct stalled_reader {
	int fd;
	volatile int done;
};

/* Reads with the ioctl, which enters the armed read delay. */
static void *stalled_read(void *arg)
{
	static char buf[4096];
	struct stalled_reader *r = arg;
	struct utrace_read rd = { .buf = (unsigned long)buf, .len = sizeof(buf) };

	ioctl(r->fd, UTRACE_READ, &rd);
	r->done = 1;
	return NULL;
}

static int ready_fd = -1;

/* getppid, say so, then getppid until killed. */
static void getppid_forever(void)
{
	syscall(SYS_getppid);
	if (write(ready_fd, "r", 1) != 1)
		_exit(100);
	for (;;)
		syscall(SYS_getppid);
}

/*
 * A reader whose copy to user space stalls (the test device's read delay
 * stands for a userfaultfd or FUSE page) holds up no traced task: the
 * child keeps making traced calls meanwhile, and SIGKILL ends it while the
 * reader is still stalled.  Before the trace pipe, the reader copied under
 * the buffer's mutex, which the child's next line waited for, unkillably.
 */
static void a_stalled_reader_holds_up_no_traced_task(void)
{
	struct stalled_reader r = { .done = 0 };
	int tfd = utd_open(), go[2], ready[2], st = 0, before;
	pthread_t reader;
	pid_t pid;
	char c;

	r.fd = open("/dev/utrace", O_RDWR);
	CHECK(pipe(ready) == 0, "pipe");
	ready_fd = ready[1];
	pid = utd_held_child(go, getppid_forever);
	close(ready[1]);
	if (attach_strace(r.fd, pid) < 0)
		goto out;
	utd_release(go);
	/* The child's first line is in the buffer: the reader has text. */
	CHECK(read(ready[0], &c, 1) == 1, "the child did not start");
	before = ioctl(tfd, UTRACE_TEST_READ_DELAYED, 0);
	CHECK(ioctl(tfd, UTRACE_TEST_READ_DELAY, 6000) == 0, "arm: %s", strerror(errno));
	pthread_create(&reader, NULL, stalled_read, &r);
	CHECK(utd_wait_delay_entered(tfd, UTRACE_TEST_READ_DELAYED, before, 3000) > before,
	      "the reader did not enter its delay");
	/* Let the child make traced calls while the reader is stalled. */
	utd_msleep(300);
	kill(pid, SIGKILL);
	CHECK(waitpid(pid, &st, 0) == pid && WIFSIGNALED(st), "status %#x", st);
	CHECK(!r.done, "the child ended only after the stalled reader went on");
	pthread_join(reader, NULL);
	pid = -1;
out:
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	ioctl(tfd, UTRACE_TEST_READ_DELAY, 0);
	close(ready[0]);
	close(r.fd);
	close(tfd);
}

KTAP_MAIN("guest_trace_pipe",
	  KTAP_CASE(read_waits_and_ends_with_the_trace),
	  KTAP_CASE(a_file_without_engines_is_at_its_end),
	  KTAP_CASE(nonblocking_read_and_poll),
	  KTAP_CASE(small_reads_take_bytes_in_order),
	  KTAP_CASE(drop_notice_in_the_stream),
	  KTAP_CASE(buffer_size),
	  KTAP_CASE(a_stalled_reader_holds_up_no_traced_task))
