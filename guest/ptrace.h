/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The patched kernel's ptrace API for guest programs.
 *
 * PTRACE_MULTI, the CHARDATA requests and PTRACE_SYSVM are in the patched
 * <linux/ptrace.h> (installed by kernel.sh), which cannot be included
 * together with glibc's <sys/ptrace.h> (both define the requests and the
 * same structures).  Guest programs include this instead: the kernel's
 * header, and glibc's ptrace() wrapper declared by hand (the same symbol
 * and calling convention; PEEK requests return the word, as documented in
 * ptrace(2)).
 */
#ifndef UTRACE_GUEST_PTRACE_H
#define UTRACE_GUEST_PTRACE_H

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <linux/ptrace.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

long ptrace(int request, ...);

/*
 * The length of element @i of the PTRACE_MULTI array at @reqs, read
 * without faulting (the array may be unmapped on purpose); 0 if it cannot
 * be read.
 */
static inline int ptrace_multi_length(unsigned long reqs, unsigned long i, long *len)
{
	struct iovec local = { len, sizeof(*len) };
	struct iovec remote = {
		(void *)(reqs + i * sizeof(struct ptrace_multi) +
			 offsetof(struct ptrace_multi, length)),
		sizeof(*len)
	};

	return syscall(SYS_process_vm_readv, getpid(), &local, 1UL, &remote, 1UL, 0UL) ==
	       (long)sizeof(*len);
}

/*
 * PTRACE_MULTI on @count elements at @reqs, as the number of elements that
 * took effect.  The call returns 0 when all did; when element i fails, it
 * fails with that element's error and marks reqs[i].length with the
 * -errno (lengths are checked >= 0 before anything runs, so the mark is
 * the first length that turned negative).  So: @count on success; i for a
 * marked element, *@mark then holding the mark (for the caller to check
 * against errno); -1 when it failed with nothing marked (nothing done, or
 * the mark could not be stored); LONG_MAX, *@mark holding the result, when
 * the call returned neither 0 nor -1.  Looks at @max elements at most.
 * errno is the call's.
 */
static inline long ptrace_multi_done(pid_t pid, unsigned long reqs, unsigned long count,
				     unsigned long max, long *mark)
{
	unsigned long n = count < max ? count : max, i;
	long ret, len;
	int err;

	/* Only the readable elements before any negative length given (then
	 * the batch is refused whole) can be marked. */
	for (i = 0; i < n && ptrace_multi_length(reqs, i, &len) && len >= 0; i++)
		;
	n = i;
	ret = syscall(SYS_ptrace, PTRACE_MULTI, pid, reqs, count);
	err = errno;
	*mark = 0;
	if (ret == 0)
		return count;
	if (ret != -1) {
		*mark = ret;
		return LONG_MAX;
	}
	for (i = 0; i < n && ptrace_multi_length(reqs, i, &len); i++) {
		if (len < 0) {
			*mark = len;
			errno = err;
			return i;
		}
	}
	errno = err;
	return -1;
}

/*
 * Starts @path (no arguments, its stdout on /dev/null) as a child that
 * asks to be traced, and takes it from syscall stop to syscall stop
 * (PTRACE_O_TRACESYSGOOD) until the entry of its call @nr, at most
 * @max_stops stops.  Returns the child's pid (-1 if fork failed); *@status
 * is the last wait status, and *@info the last stop's
 * PTRACE_GET_SYSCALL_INFO (op PTRACE_SYSCALL_INFO_ENTRY and entry.nr @nr
 * if the child stopped there).  The child dies of SIGALRM after 20 s.
 */
static inline pid_t trace_to_syscall_entry(const char *path, unsigned long long nr,
					   int max_stops, int *status,
					   struct ptrace_syscall_info *info)
{
	pid_t pid = fork();
	int stops = 0;

	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		alarm(20);
		if (null < 0 || dup2(null, 1) < 0)
			_exit(102);
		if (ptrace(PTRACE_TRACEME, 0, 0, 0))
			_exit(100);
		execl(path, path, (char *)NULL);
		_exit(101);
	}
	memset(info, 0, sizeof(*info));
	*status = 0;
	if (pid < 0 || waitpid(pid, status, 0) != pid || !WIFSTOPPED(*status) ||
	    ptrace(PTRACE_SETOPTIONS, pid, 0, PTRACE_O_TRACESYSGOOD))
		return pid;
	while (stops++ < max_stops) {
		if (ptrace(PTRACE_SYSCALL, pid, 0, 0) || waitpid(pid, status, 0) != pid ||
		    !WIFSTOPPED(*status))
			break;
		if (ptrace(PTRACE_GET_SYSCALL_INFO, pid, sizeof(*info), info) > 0 &&
		    info->op == PTRACE_SYSCALL_INFO_ENTRY && info->entry.nr == nr)
			break;
	}
	return pid;
}

/*
 * Lets the child trace_to_syscall_entry() stopped go with the call skipped
 * (PTRACE_CONT with PTRACE_VM_SKIPCALL; its result is what the tracer put
 * in the return register) and waits for it.  Returns that wait status, or
 * -1 if the resume failed (errno says why); a child that did not end
 * then is killed.
 */
static inline int skip_call_and_wait(pid_t pid)
{
	int status = -1;

	if (pid <= 0)
		return -1;
	if (ptrace(PTRACE_CONT, pid, PTRACE_VM_SKIPCALL, 0) == 0 &&
	    waitpid(pid, &status, 0) == pid && (WIFEXITED(status) || WIFSIGNALED(status)))
		return status;
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return status;
}

#endif /* UTRACE_GUEST_PTRACE_H */
