// SPDX-License-Identifier: GPL-2.0
/*
 * channel32 - a 32-bit (i386) monitor without libc, for guest_compat: it
 * attaches a channel engine and answers its events with
 * UTRACE_CHANNEL_EXCHANGE, in the layouts <linux/utrace_channel.h> gives a
 * 32-bit program, as a 32-bit virtual machine built against the uapi
 * header would (the ioctls go through the compat path).
 *
 * It forks; the child waits on a pipe, then calls getpid() and exits with
 * 42 if it got 4321 (the monitor's answer), else 1.  The parent opens the
 * channel after the fork, attaches an engine that hears of every syscall
 * entry, refuses a malformed exchange, lets the child go, and answers:
 * getpid (an ia32 call: nr 20, AUDIT_ARCH_I386) aborted with 4321, any
 * other call (the child's exit_group) continued.  channel32 exits 0 if all
 * of that held, else the number of the first check that failed (10 and
 * up).
 */
#include <linux/audit.h>
#include <linux/fcntl.h>
#include <linux/utrace_channel.h>
#include "ia32.h"

_Static_assert(sizeof(struct utrace_channel_exchange) == 32, "two pointers and four words");
_Static_assert(sizeof(struct utrace_channel_event) == 112, "the native layout");
_Static_assert(sizeof(struct utrace_channel_reply) == 80, "the native layout");

void _start(void);

static void die(int check)
{
	call3(__NR_exit_group, check, 0, 0);
	__builtin_trap();
}

/* Static: zeroed without a memset, which a program without libc lacks. */
static struct utrace_channel_attach attach;
static struct utrace_channel_exchange x;
static struct utrace_channel_event ev;
static struct utrace_channel_reply reply;

static void child(int go)
{
	char c;

	if (call3(__NR_read, go, (long)&c, 1) != 1)
		die(100);
	die(call3(__NR_getpid, 0, 0, 0) == 4321 ? 42 : 1);
}

/* One exchange: the reply in `reply` if @nr_replies, then at most one event. */
static long exchange(int fd, unsigned int nr_replies, unsigned int nr_events)
{
	x.replies = (unsigned long)&reply;
	x.nr_replies = nr_replies;
	x.events = (unsigned long)&ev;
	x.nr_events = nr_events;
	x.flags = 0;
	return call3(__NR_ioctl, fd, UTRACE_CHANNEL_EXCHANGE, (long)&x);
}

void _start(void)
{
	int pipe[2], status = 0, fd, getpids = 0;
	long pid;

	if (call3(__NR_pipe, (long)pipe, 0, 0))
		die(10);
	pid = call3(__NR_fork, 0, 0, 0);
	if (pid == 0)
		child(pipe[0]);
	if (pid < 0)
		die(11);
	fd = call3(__NR_open, (long)"/dev/utrace-channel", O_RDWR | O_CLOEXEC, 0);
	if (fd < 0)
		die(12);
	attach.pid = pid;
	attach.events = UTRACE_CHANNEL_ENTRY;
	if (call3(__NR_ioctl, fd, UTRACE_CHANNEL_ATTACH, (long)&attach) < 0)
		die(13);
	/* Malformed: refused with nothing written back. */
	x.flags = 1;
	x.replied = 7;
	if (call3(__NR_ioctl, fd, UTRACE_CHANNEL_EXCHANGE, (long)&x) != -22 || x.replied != 7)
		die(14);
	if (call3(__NR_write, pipe[1], (long)"g", 1) != 1)
		die(15);
	/* The first event, then each answered with the exchange that reads the next. */
	if (exchange(fd, 0, 1) != 1)
		die(16);
	for (;;) {
		reply = (struct utrace_channel_reply){ .id = ev.id };
		if (ev.kind != UTRACE_CHANNEL_SYSCALL_ENTRY || ev.pid != pid)
			die(17);
		if (ev.nr == __NR_getpid) {
			if (ev.arch != AUDIT_ARCH_I386)
				die(18);
			reply.action = UTRACE_CHANNEL_ABORT;
			reply.result = 4321;
			getpids++;
		}
		if (ev.nr == __NR_exit_group)
			break;
		if (exchange(fd, 1, 1) != 1 || x.replied != 1)
			die(19);
	}
	/* The exit_group's reply, reading nothing. */
	if (exchange(fd, 1, 0) != 0 || x.replied != 1)
		die(20);
	if (call3(__NR_waitpid, pid, (long)&status, 0) != pid || (status & 0xffff) != 0x2a00)
		die(21);
	die(getpids == 1 ? 0 : 22);
}
