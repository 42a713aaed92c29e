// SPDX-License-Identifier: GPL-2.0
/*
 * trace_pipe_test - /dev/utrace read as a trace pipe (<linux/utrace.h>):
 * read(2) that waits for text and ends with the trace, O_NONBLOCK, poll(2),
 * the drop notice, the buffer's size, and a reader that stalls in its copy
 * to user space without holding up any traced task.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/userfaultfd.h>
#include <linux/utrace.h>
#include <linux/utrace_test.h>
#include "cgroup.h"
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
	for (p = text; (p = strstr(p, "getppid()  ")); p++)
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

/* A pipe has no offsets: pread(2) and lseek(2) fail with ESPIPE. */
static void the_trace_pipe_has_no_offsets(void)
{
	int fd = open("/dev/utrace", O_RDWR | O_NONBLOCK);

	CHECK(fd >= 0, "open: %s", strerror(errno));
	CHECK_ERRNO(pread(fd, text, 100, 0), ESPIPE);
	CHECK_ERRNO(lseek(fd, 0, SEEK_SET), ESPIPE);
	CHECK(read(fd, text, 100) == 0, "read: %s", strerror(errno));
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
	while (!strstr(text, "getppid()  ")) {
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
	CHECK(ioctl(fd, UTRACE_DETACH_ENGINE, slot) == 0, "detach: %s", strerror(errno));
	while (i < (int)sizeof(line) - 1 && read(fd, line + i, 1) == 1 && line[i] != '\n')
		i++;
	line[i + 1] = 0;
	CHECK(!strncmp(line, "getppid()  ", 11) && strstr(line, " = ") && line[i] == '\n', "line read byte by byte: '%s'",
	      line);
	close(fd);
}

/*
 * Lines dropped for want of room come back as a notice where the gap is:
 * after the text that fit before it, before the lines that fit after it.
 * Read by reads that fault after 5 bytes, the stream stays exact: each
 * read consumes what it copied, of the notice too.
 */
static void drop_notice_where_the_gap_is(void)
{
	int fd = open("/dev/utrace", O_RDWR | O_NONBLOCK), slot, notices = 0, bad = 0;
	long len, getppids = 0, getppids_after = 0, getpids = 0, getpids_before = 0;
	long dropped = 0, n_drop;
	char *page = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *edge = page + 4096 - 5, *line, *next;
	ssize_t n;

	munmap(page + 4096, 4096);
	slot = attach_strace(fd, 0);
	/* ~15 bytes a line: overflows the 64 KiB buffer without a reader. */
	for (int i = 0; i < 6000; i++)
		syscall(SYS_getppid);
	/* Room again: the notice goes in with the next line, then 10 more. */
	n = read(fd, text, 16384);
	CHECK(n == 16384, "read: %zd %s", n, strerror(errno));
	len = n > 0 ? n : 0;
	for (int i = 0; i < 10; i++)
		syscall(SYS_getpid);
	CHECK(ioctl(fd, UTRACE_DETACH_ENGINE, slot) == 0, "detach: %s", strerror(errno));
	while ((n = read(fd, edge, 100)) > 0 && len + n < (long)sizeof(text) - 1) {
		CHECK(n <= 5, "a read into 5 bytes before a hole copied %zd", n);
		memcpy(text + len, edge, n);
		len += n;
	}
	CHECK(n == 0, "the end of the trace: %zd %s", n, strerror(errno));
	text[len] = 0;
	for (line = text; *line; line = next) {
		next = strchr(line, '\n');
		next = next ? next + 1 : line + strlen(line);
		if (!strncmp(line, "getppid()  ", 11)) {
			getppids++;
			getppids_after += notices;
		} else if (!strncmp(line, "getpid()  ", 10)) {
			getpids++;
			getpids_before += !notices;
		} else if (sscanf(line, "<utrace: %ld lines dropped>\n", &n_drop) == 1) {
			notices++;
			dropped += n_drop;
		} else if (strncmp(line, "read(", 5)) {
			if (!bad++)
				KTAP_DIAG("odd line: %.*s", (int)(next - line), line);
		}
	}
	CHECK(notices == 1 && bad == 0, "%d notices, %d odd lines", notices, bad);
	CHECK(getpids == 10 && getpids_before == 0,
	      "%ld getpid lines, %ld of them before the notice", getpids, getpids_before);
	CHECK(getppids > 0 && getppids_after == 0,
	      "%ld getppid lines (from before the gap), %ld of them after the notice", getppids,
	      getppids_after);
	CHECK(getppids + dropped == 6000, "%ld getppid lines + %ld dropped, wanted 6000",
	      getppids, dropped);
	munmap(page, 4096);
	close(fd);
}

static void *read_one(void *arg)
{
	static char buf[4096];
	int fd = *(int *)arg;

	if (read(fd, buf, sizeof(buf)) < 0)
		KTAP_DIAG("read: %s", strerror(errno));
	return NULL;
}

/*
 * While a reader copies its text out, poll(2) does not call the file
 * readable (a read would only wait for its turn, or spin on EAGAIN); once
 * it is done, and the trace is over, poll says so.
 */
static void poll_waits_while_another_reader_works(void)
{
	int tfd = utd_open(), fd = open("/dev/utrace", O_RDWR | O_NONBLOCK), slot, before;
	struct pollfd p = { .fd = fd, .events = POLLIN };
	pthread_t reader;

	slot = attach_strace(fd, 0);
	syscall(SYS_getppid);
	CHECK(ioctl(fd, UTRACE_DETACH_ENGINE, slot) == 0, "detach: %s", strerror(errno));
	CHECK(poll(&p, 1, 0) == 1 && p.revents == POLLIN, "text to read: revents %#x", p.revents);
	before = ioctl(tfd, UTRACE_TEST_READ_DELAYED, 0);
	CHECK(ioctl(tfd, UTRACE_TEST_READ_DELAY, 2000) == 0, "arm: %s", strerror(errno));
	pthread_create(&reader, NULL, read_one, &fd);
	CHECK(utd_wait_delay_entered(tfd, UTRACE_TEST_READ_DELAYED, before, 3000) > before,
	      "the reader did not enter its delay");
	p.revents = 0;
	CHECK(poll(&p, 1, 0) == 0, "poll while another reader works: revents %#x", p.revents);
	CHECK_ERRNO(read(fd, text, sizeof(text)), EAGAIN);
	pthread_join(reader, NULL);
	CHECK(poll(&p, 1, 0) == 1 && p.revents == POLLHUP, "after it: revents %#x", p.revents);
	ioctl(tfd, UTRACE_TEST_READ_DELAY, 0);
	close(fd);
	close(tfd);
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
	CHECK(ioctl(fd, UTRACE_DETACH_ENGINE, slot) == 0, "detach: %s", strerror(errno));
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

struct faulting_reader {
	int fd;
	char *buf;
	ssize_t got;
	volatile int done;
};

/* read(2) into a page that faults until the test resolves it. */
static void *faulting_read(void *arg)
{
	struct faulting_reader *r = arg;

	r->got = read(r->fd, r->buf, 4096);
	r->done = 1;
	return NULL;
}

/*
 * The real thing: a reader whose buffer is a userfaultfd page nobody has
 * filled yet sleeps in its copy to user space.  Meanwhile another reader
 * of the file is told to wait (EAGAIN), the traced child runs on and
 * SIGKILL ends it; once the page is filled the reader gets its text.
 */
static void a_reader_faulting_on_userfaultfd_holds_up_no_traced_task(void)
{
	struct faulting_reader r = { .got = -1 };
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MISSING };
	struct uffdio_zeropage zero = { 0 };
	int uffd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK), go[2], ready[2], st = 0;
	struct pollfd p = { .fd = uffd, .events = POLLIN };
	pthread_t reader;
	pid_t pid;
	char c;

	CHECK(uffd >= 0, "userfaultfd: %s (CONFIG_USERFAULTFD?)", strerror(errno));
	if (uffd < 0)
		return;
	r.buf = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	reg.range.start = (unsigned long)r.buf;
	reg.range.len = 4096;
	CHECK(ioctl(uffd, UFFDIO_API, &api) == 0 && ioctl(uffd, UFFDIO_REGISTER, &reg) == 0,
	      "register the page: %s", strerror(errno));
	r.fd = open("/dev/utrace", O_RDWR);
	CHECK(pipe(ready) == 0, "pipe");
	ready_fd = ready[1];
	pid = utd_held_child(go, getppid_forever);
	close(ready[1]);
	if (attach_strace(r.fd, pid) < 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		goto out;
	}
	utd_release(go);
	CHECK(read(ready[0], &c, 1) == 1, "the child did not start");
	pthread_create(&reader, NULL, faulting_read, &r);
	/* The reader has taken text and faults on the page. */
	CHECK(poll(&p, 1, 5000) == 1, "the reader never faulted on its buffer");
	fcntl(r.fd, F_SETFL, O_NONBLOCK);
	CHECK_ERRNO(read(r.fd, text, sizeof(text)), EAGAIN);
	utd_msleep(300);
	kill(pid, SIGKILL);
	CHECK(utd_wait_exit_within(pid, 5000, &st) && WIFSIGNALED(st),
	      "the traced child did not end while a reader faulted (state %c)",
	      utd_proc_state(pid));
	CHECK(!r.done, "the faulting reader returned before its page was filled");
	zero.range = reg.range;
	CHECK(ioctl(uffd, UFFDIO_ZEROPAGE, &zero) == 0, "fill the page: %s", strerror(errno));
	pthread_join(reader, NULL);
	CHECK(r.got > 0, "the reader got %zd once its page was filled", r.got);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
out:
	close(ready[0]);
	close(r.fd);
	munmap(r.buf, 4096);
	close(uffd);
}

static int uffd_go_fd = -1, uffd_fill_fd = -1, uffd_ready_fd = -1;

struct uffd_filler {
	int uffd, go;
	char *page;
};

#define FIFO_PATH "/tmp/trace_pipe_fifo"

/* Fills the page with FIFO_PATH once told to. */
static void *fill_when_told(void *arg)
{
	static char src[4096] __attribute__((aligned(4096))) = FIFO_PATH;
	struct uffd_filler *f = arg;
	struct uffdio_copy copy = {
		.dst = (unsigned long)f->page, .src = (unsigned long)src, .len = 4096,
	};
	char c;

	if (read(f->go, &c, 1) == 1)
		ioctl(f->uffd, UFFDIO_COPY, &copy);
	return NULL;
}

/*
 * A traced child whose openat() path is a userfaultfd page nobody has
 * filled: the strace engine's entry callback, reading the path, sleeps
 * there until a thread of the child fills the page (told by the test)
 * with the path of a FIFO nobody writes to, whose open then sleeps: the
 * child never goes back to user mode.
 */
static void openat_of_an_unfilled_page(void)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MISSING };
	static struct uffd_filler f;
	pthread_t filler;
	char c;

	f.uffd = syscall(SYS_userfaultfd, O_CLOEXEC);
	f.go = uffd_fill_fd;
	f.page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	reg.range.start = (unsigned long)f.page;
	reg.range.len = 4096;
	if (f.uffd < 0 || ioctl(f.uffd, UFFDIO_API, &api) || ioctl(f.uffd, UFFDIO_REGISTER, &reg))
		_exit(100);
	pthread_create(&filler, NULL, fill_when_told, &f);
	/* Ready; the test attaches the engine and says go. */
	if (write(uffd_ready_fd, "r", 1) != 1 || read(uffd_go_fd, &c, 1) != 1)
		_exit(101);
	syscall(SYS_openat, AT_FDCWD, f.page, O_RDONLY);
	_exit(0);
}

/*
 * The end of the trace comes once every engine is detached, even when the
 * detach's wait for a running callback was cut short: a UTRACE_DETACH_ENGINE
 * whose caller is killed while the engine's callback sleeps (here on a
 * userfaultfd page) leaves the engine detached but not retired, and, the
 * child then sleeping in the same syscall, it stays so; the file's reader
 * must see the end of the trace all the same.
 */
static void detach_cut_short_still_ends_the_trace(void)
{
	int fd = open("/dev/utrace", O_RDWR), go[2], ready[2], tell[2], fill[2], st = 0, slot;
	pid_t pid, detacher;
	long len;
	char c;

	CHECK(pipe(ready) == 0 && pipe(tell) == 0 && pipe(fill) == 0, "pipe");
	unlink(FIFO_PATH);
	CHECK(mkfifo(FIFO_PATH, 0600) == 0, "mkfifo: %s", strerror(errno));
	uffd_ready_fd = ready[1];
	uffd_go_fd = tell[0];
	uffd_fill_fd = fill[0];
	pid = utd_held_child(go, openat_of_an_unfilled_page);
	close(ready[1]);
	close(tell[0]);
	close(fill[0]);
	utd_release(go);
	CHECK(read(ready[0], &c, 1) == 1, "the child did not get ready");
	slot = attach_strace(fd, pid);
	if (slot < 0)
		goto out;
	/* Go: the openat's entry callback faults on the page and sleeps. */
	CHECK(write(tell[1], "g", 1) == 1, "tell the child to go");
	for (int i = 0; i < 200 && utd_proc_state(pid) == 'R'; i++)
		utd_msleep(10);
	utd_msleep(300);
	detacher = fork();
	if (detacher == 0)
		_exit(ioctl(fd, UTRACE_DETACH_ENGINE, slot) ? errno : 0);
	/* The detach waits for the sleeping callback: cut it short. */
	utd_msleep(300);
	kill(detacher, SIGKILL);
	CHECK(waitpid(detacher, &st, 0) == detacher && WIFSIGNALED(st),
	      "the detach did not wait for the sleeping callback: status %#x (child state %c)",
	      st, utd_proc_state(pid));
	/* Fill the page: the callback returns, the open sleeps on the FIFO. */
	CHECK(write(fill[1], "f", 1) == 1, "tell the child to fill its page");
	alarm_interrupts();
	len = read_to_end(fd);
	CHECK(len >= 0, "the trace did not end (child state %c): %s", utd_proc_state(pid),
	      strerror(errno));
	CHECK(waitpid(pid, &st, WNOHANG) == 0, "the child did not sleep in its open: %#x", st);
out:
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	close(ready[0]);
	close(tell[1]);
	close(fill[1]);
	close(fd);
	unlink(FIFO_PATH);
}

/* The memory cgroup of the ENOMEM case (guest/cgroup.h's v2 hierarchy). */
#define CG_MEM_NAME "utrace_trace_pipe"
#define CG_MEM_GROUP CG_V2 "/" CG_MEM_NAME

/*
 * In a memory cgroup of 4 MiB, a process opens /dev/utrace until it can
 * no more: the trace buffers are charged to it, the open that does not
 * fit fails with ENOMEM, and nobody is OOM-killed.
 *
 * The child reports through its exit status, not a pipe: a pipe write
 * allocates a page charged to the group the child has just filled, and
 * that charge would invoke the group's OOM killer on the test itself.
 */
#define OPENS_WITHOUT_ENOMEM 255

static void buffers_are_charged_and_refused_with_enomem(void)
{
	char events[512] = "";
	int st = 0, f;
	pid_t pid;

	f = cg_v2_group(CG_MEM_NAME);
	if (f) {
		CHECK(0, "cgroup v2 group: %s", strerror(-f));
		return;
	}
	f = cg_write_file(CG_V2 "/cgroup.subtree_control", "+memory");
	CHECK(f == 0, "enable the memory controller: %s (CONFIG_MEMCG?)", strerror(-f));
	f = cg_write_file(CG_MEM_GROUP "/memory.max", "4194304");
	CHECK(f == 0, "memory.max: %s", strerror(-f));
	pid = fork();
	if (pid == 0) {
		int opened;

		if (cg_v2_move(CG_MEM_NAME, getpid()))
			_exit(OPENS_WITHOUT_ENOMEM - 1);
		for (opened = 0; opened < 200; opened++) {
			if (open("/dev/utrace", O_RDWR) < 0)
				_exit(errno == ENOMEM ? opened : OPENS_WITHOUT_ENOMEM - 2);
		}
		_exit(OPENS_WITHOUT_ENOMEM);
	}
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st),
	      "the child ended with status %#x (an OOM kill is SIGKILL, 0x9)", st);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) > 0 && WEXITSTATUS(st) < 64,
	      "exit %d: wanted fewer than 64 opens (4 MiB of 64 KiB buffers), then ENOMEM "
	      "(%d: no ENOMEM in %d opens; %d: another errno; %d: no cgroup)",
	      WEXITSTATUS(st), OPENS_WITHOUT_ENOMEM, 200, OPENS_WITHOUT_ENOMEM - 2,
	      OPENS_WITHOUT_ENOMEM - 1);
	f = open(CG_MEM_GROUP "/memory.events", O_RDONLY);
	CHECK(f >= 0 && read(f, events, sizeof(events) - 1) > 0, "memory.events");
	if (f >= 0)
		close(f);
	CHECK(strstr(events, "oom_kill 0\n"), "an OOM kill in the group:\n%s", events);
	rmdir(CG_MEM_GROUP);
}

static void visible_then_undumpable_writes(void)
{
	int null = open("/dev/null", O_WRONLY);

	if (write(null, "VISIBLE", 7) != 7)
		_exit(1);
	prctl(PR_SET_DUMPABLE, 0);
	if (write(null, "SECRET", 6) != 6)
		_exit(1);
	_exit(0);
}

/*
 * Memory ptrace would refuse to show a tracer (an undumpable mm) is not
 * shown in the trace either: addresses, as strace shows them then.
 */
static void undumpable_memory_is_not_shown(void)
{
	int fd = open("/dev/utrace", O_RDWR), go[2], st = 0;
	pid_t pid = utd_held_child(go, visible_then_undumpable_writes);

	alarm_interrupts();
	if (attach_strace(fd, pid) >= 0) {
		utd_release(go);
		CHECK(read_to_end(fd) > 0, "read: %s", strerror(errno));
		CHECK(strstr(text, ", \"VISIBLE\", 7)"), "the dumpable write:\n%s", text);
		CHECK(!strstr(text, "SECRET"), "undumpable memory shown:\n%s", text);
		CHECK(strstr(text, ", 0x") && strstr(text, ", 6)  "), "no write by address:\n%s",
		      text);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	close(fd);
}

static void rename_long_paths(void)
{
	char a[256], b[256];

	memset(a, 0xff, 255);
	memset(b, 0xfe, 255);
	a[255] = b[255] = 0;
	a[0] = b[0] = '/';
	/* renameat: arm64 has no rename (glibc's rename() makes renameat there). */
	syscall(SYS_renameat, AT_FDCWD, a, AT_FDCWD, b);
	_exit(0);
}

/*
 * Two paths of 255 bytes that quote to 4 bytes each: they share the line
 * and leave room for the result, which a traced program cannot hide.
 */
static void long_paths_leave_room_for_the_result(void)
{
	int fd = open("/dev/utrace", O_RDWR), go[2], st = 0;
	pid_t pid = utd_held_child(go, rename_long_paths);
	char *line;

	alarm_interrupts();
	if (attach_strace(fd, pid) >= 0) {
		utd_release(go);
		CHECK(read_to_end(fd) > 0, "read: %s", strerror(errno));
		line = strstr(text, "renameat(AT_FDCWD, \"/\\377");
		CHECK(line, "no renameat line:\n%s", text);
		if (line) {
			*strchrnul(line, '\n') = 0;
			CHECK(strstr(line, "\"..., AT_FDCWD, \"/\\376") &&
			      strstr(line, "\"...) = -1 ENOENT (No such file or directory)"),
			      "the rename line: %s", line);
		}
	}
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	close(fd);
}

#define CLOSES 5000 /* 10,000 lines of ~72 bytes: text[] holds them */

/* close(base + i) for i in 0..CLOSES, pinned to CPU @cpu: numbered lines. */
static void closes_on(int cpu, long base)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
	for (long i = 0; i < CLOSES; i++)
		syscall(SYS_close, base + i);
	_exit(0);
}

static void closes_on_cpu0(void)
{
	closes_on(0, 100000);
}

static void closes_on_cpu1(void)
{
	closes_on(1, 200000);
}

/*
 * Two traced programs on the two CPUs write into their rings at once while
 * this one reads: each program's lines come out whole and in its order,
 * and every line is read or counted in a drop notice.
 */
static void two_cpus_write_at_once_and_keep_their_order(void)
{
	int fd = open("/dev/utrace", O_RDWR), go0[2], go1[2], st = 0;
	pid_t a = utd_held_child(go0, closes_on_cpu0);
	pid_t b = utd_held_child(go1, closes_on_cpu1);
	long len, seen[2] = { 0, 0 }, last[2] = { -1, -1 }, lost = 0, bad = 0;
	char *p, *end;

	alarm_interrupts();
	if (attach_strace(fd, a) < 0 || attach_strace(fd, b) < 0)
		goto out;
	utd_release(go0);
	utd_release(go1);
	len = read_to_end(fd);
	CHECK(len > 0, "read to the end: %ld, %s", len, len < 0 ? strerror(errno) : "");
	for (p = text; len > 0 && *p; p = end + 1) {
		long n, d;

		end = strchrnul(p, '\n');
		if (!*end)
			break;
		if (sscanf(p, "close(%ld)", &n) == 1 && n >= 100000 && n < 300000) {
			int who = n >= 200000;

			if (n <= last[who])
				bad++;
			last[who] = n;
			seen[who]++;
		} else if (sscanf(p, "<utrace: %ld lines dropped>", &d) == 1) {
			lost += d;
		}
	}
	CHECK(bad == 0, "%ld lines out of their program's order", bad);
	CHECK(seen[0] > 0 && seen[1] > 0, "lines of each: %ld, %ld", seen[0], seen[1]);
	/* Each program's exit_group and exit lines are not close lines. */
	CHECK(seen[0] + seen[1] + lost >= 2 * CLOSES,
	      "%ld + %ld lines and %ld dropped, wanted %d in all", seen[0], seen[1], lost,
	      2 * CLOSES);
out:
	kill(a, SIGKILL);
	kill(b, SIGKILL);
	waitpid(a, &st, 0);
	waitpid(b, &st, 0);
	close(fd);
}

KTAP_MAIN("guest_trace_pipe",
	  KTAP_CASE(read_waits_and_ends_with_the_trace),
	  KTAP_CASE(a_file_without_engines_is_at_its_end),
	  KTAP_CASE(the_trace_pipe_has_no_offsets),
	  KTAP_CASE(nonblocking_read_and_poll),
	  KTAP_CASE(small_reads_take_bytes_in_order),
	  KTAP_CASE(drop_notice_where_the_gap_is),
	  KTAP_CASE(poll_waits_while_another_reader_works),
	  KTAP_CASE(buffer_size),
	  KTAP_CASE(a_stalled_reader_holds_up_no_traced_task),
	  KTAP_CASE(a_reader_faulting_on_userfaultfd_holds_up_no_traced_task),
	  KTAP_CASE(detach_cut_short_still_ends_the_trace),
	  KTAP_CASE(buffers_are_charged_and_refused_with_enomem),
	  KTAP_CASE(undumpable_memory_is_not_shown),
	  KTAP_CASE(long_paths_leave_room_for_the_result),
	  KTAP_CASE(two_cpus_write_at_once_and_keep_their_order))
