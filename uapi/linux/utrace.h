/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * /dev/utrace: attach utrace-rs engines to a process and read their output.
 *
 * Each open file owns the engines it attached, and those they attached to
 * followed children (until it is closed, or the engine is detached, or the
 * traced task dies), and one trace buffer all its strace engines write to.
 *
 * Limit: at most 1024 engines of a file at once (UTRACE_SET_MAX_ENGINES
 * changes it, 1..16384), the engines UTRACE_FOLLOW attaches to children
 * included; detached engines do not count.  An engine's slot is given
 * back when UTRACE_DETACH detaches it, and, at a later attach, when it
 * was detached otherwise (its task died).  At the limit, an attach fails
 * with ENOSPC, and a followed child gets no engine: under strace it runs
 * untraced and the trace says so where it happened, "<utrace: pid N not
 * traced: REASON>" (the reasons: the file's engines all in use, out of
 * memory, or an errno); a child that cannot be put in a VM is killed
 * (SIGKILL) before it runs, so that no program escapes its VM by forking,
 * and the kernel log says so (rate-limited).  The memory of every engine
 * is charged to the memory cgroup of the task that attached it or of the
 * traced task.
 *
 * Targets: pid 0 is the caller; any other pid (in the caller's pid
 * namespace) must be a process the caller may PTRACE_ATTACH to (same
 * rules: uid/gid, CAP_SYS_PTRACE, dumpability, Yama), else EPERM.  Kernel
 * threads: EPERM.  Exiting or unknown tasks: ESRCH.
 *
 * Order: engines attached later sit closer to user mode: at syscall entry
 * they are called first, at exit last.  To trace what a program sees under
 * a VM, attach the VM engine first and the strace engine second.
 *
 * Slots.  A successful attach returns its engine's slot in the file, the
 * number UTRACE_DETACH takes.  Use the value returned; do not compute it:
 * the engines UTRACE_FOLLOW attaches to children take slots of the same
 * file (their numbers are not returned to anyone), a child created while
 * the attach that follows it is still in progress may take a number
 * before the attach's own, and a slot given back is given out again under
 * another number.  What holds:
 *  - a slot names one engine, from the attach that returns it until that
 *    engine is detached (UTRACE_DETACH, its task's death, or the file's
 *    close); meanwhile no other engine of the file has that number;
 *  - once its slot is given back, the number names no engine: UTRACE_DETACH
 *    answers ESRCH (a number comes back only after the file's whole table
 *    of slots has been reused 65536 times);
 *  - a refused attach takes no slot and attaches nothing;
 *  - while a file has no engine attached with UTRACE_FOLLOW and none of
 *    its engines has been detached, its attaches without UTRACE_FOLLOW get
 *    0, 1, 2, ... in the order they succeed.
 *
 * Errors of both attaches, in the order they are checked (the first that
 * applies is returned):
 *  1. EFAULT: the argument block cannot be read.
 *  2. EINVAL: an unknown flag, reserved != 0, string_max > 256.
 *  3. The target: EINVAL for a negative pid, ESRCH for no such process,
 *     EPERM if the caller may not attach to it (above) or it is a kernel
 *     thread, ESRCH if it is exiting.  The target comes before anything
 *     else is read from the caller's memory: a caller who may not attach
 *     learns nothing more (not even whether its rules would parse), and
 *     the kernel copies nothing for it.
 *  4. UTRACE_ATTACH_VM, the rules: EINVAL if rules_len is 0 or > 4096,
 *     EFAULT if the text cannot be read, EINVAL if it holds a NUL, then
 *     the parser's EINVAL, E2BIG or ENAMETOOLONG.  error and error_line
 *     say why (EFAULT if they cannot be written back).
 *  5. ENOSPC: the file holds its most engines (see Limit).
 *  6. UTRACE_ATTACH_VM: EFAULT if the answer (error 0) cannot be written
 *     back.
 *  7. The attach itself checks the target again, under its exec lock:
 *     ESRCH if it is exiting or dead by now, EPERM if the caller may no
 *     longer attach to it: anything since step 3 that makes ptrace's check
 *     fail, such as an exec of a set-uid, set-gid or file-capability
 *     program, a change of its credentials (setresuid(), setgroups()...)
 *     or prctl(PR_SET_DUMPABLE, 0); ENOSPC if it has 256 engines already
 *     (of any kind: a cap per task).  It attaches to the process step 3
 *     found, never to another one: the pid is looked up once, so if that
 *     process died meanwhile the answer is ESRCH, even when its pid
 *     already names a new process (which gets no engine).
 * ENOMEM may come from any step from 4 on (each allocates: the rules'
 * copy, the file's room, the engine, the attach), and changes nothing:
 * nothing is attached and no slot is taken.
 * UTRACE_ATTACH_VM writes error and error_line back only at step 4 (the
 * reason) and step 6 (0 and 0): after an error of steps 1-3 or 5 they are
 * as the caller left them, and an attach refused at step 7 (ESRCH, EPERM,
 * ENOMEM) has already written back error = 0.  Only the return value says
 * whether an engine was attached.
 * A signal that arrives while step 7 waits for an exec of the target to
 * finish restarts the call (it never fails with EINTR).
 */
#ifndef _UAPI_LINUX_UTRACE_H
#define _UAPI_LINUX_UTRACE_H

#include <linux/ioctl.h>
#include <linux/types.h>

/*
 * Attach flag: follow the process's children.  Each task it creates gets
 * an engine of the same kind and configuration before it first runs, in
 * the same order as its parent's; a child's strace lines start with
 * "[pid N] " (N in five columns, as strace -f writes it; N and the si_pid
 * of signal lines are pids of the traced task's pid namespace).  Children's
 * engines belong to the same file.
 */
#define UTRACE_FOLLOW		(1U << 0)
/*
 * strace attach flag: show nothing of the process until its next execve
 * or execveat, whose line comes first (whatever its result), or until the
 * exec itself if the engine was attached during one.  For a tool
 * that attaches to its own child before the child execs the program: the
 * trace shows the program, not the tool's set-up, as strace's does.  The
 * children UTRACE_FOLLOW follows are shown from their start.
 * UTRACE_ATTACH_VM refuses it (EINVAL).
 */
#define UTRACE_FROM_EXEC	(1U << 1)

struct utrace_strace_attach {
	__s32 pid;
	__u32 string_max;	/* string bytes shown (paths: up to 256
				 * whatever it is); 0: 32; at most 256 */
	__u32 flags;		/* UTRACE_FOLLOW, UTRACE_FROM_EXEC */
	__u32 reserved;		/* must be 0 */
};

/* Why a VM rule set was refused (utrace_vm_attach.error). */
enum utrace_vm_error {
	UTRACE_VM_OK = 0,
	UTRACE_VM_MALFORMED = 1,	/* not a rule */
	UTRACE_VM_UNKNOWN_SYSCALL = 2,	/* `return` names no known syscall */
	UTRACE_VM_TOO_LONG = 3,		/* prefix > 255 or uname value > 64 */
	UTRACE_VM_TOO_MANY = 4,		/* more than 32 rules */
	UTRACE_VM_NOT_ABSOLUTE = 5,	/* a prefix is not an absolute path */
	UTRACE_VM_NOT_TEXT = 6,		/* rules_len 0 or > 4096, or a NUL */
};

struct utrace_vm_attach {
	__s32 pid;
	__u32 rules_len;	/* bytes at rules, 1..4096, no NUL */
	__u64 rules;		/* user pointer to the rule text */
	__u32 flags;		/* UTRACE_FOLLOW */
	__u32 error;		/* out: enum utrace_vm_error */
	__u32 error_line;	/* out: 1-based line of the error, or 0 */
	__u32 reserved;		/* must be 0 */
};

struct utrace_read {
	__u64 buf;		/* user pointer */
	__u32 len;		/* bytes at buf */
	__u32 got;		/* out: bytes written, whole lines only */
	__u64 dropped;		/* out: lines dropped so far (buffer full) */
};

#define UTRACE_IOC_MAGIC	0xb6
/* Each returns the new engine's slot in this file (>= 0). */
#define UTRACE_ATTACH_STRACE	_IOW(UTRACE_IOC_MAGIC, 1, struct utrace_strace_attach)
#define UTRACE_ATTACH_VM	_IOWR(UTRACE_IOC_MAGIC, 2, struct utrace_vm_attach)
/*
 * Argument: the slot, by value.  Detaches the engine, waits until no
 * callback of it is running and gives its slot back.  EINVAL if the file
 * never gave that number, ESRCH if its engine is already detached (its
 * task died; the slot is given back then) or its slot was given back,
 * EALREADY while its task's death is being reported (the engine is
 * detached when that report ends).  Only a fatal signal cuts the wait
 * short: the engine is detached and its slot given back all the same.
 */
#define UTRACE_DETACH		_IO(UTRACE_IOC_MAGIC, 3)
/*
 * Takes whole lines out of the trace buffer, at most len (and 64 KiB);
 * got = 0 when it is empty or the first line does not fit.  Never waits
 * for text (read(2) does, see below), but waits, interruptibly, while
 * another reader of the file takes its text.  Nothing is taken unless
 * both the text and the answer could be written: EFAULT then, nothing
 * lost.
 */
#define UTRACE_READ		_IOWR(UTRACE_IOC_MAGIC, 4, struct utrace_read)
/*
 * Argument: a size in bytes, by value.  Returns the trace buffer's size:
 * 0 only asks for it; any other value replaces the buffer by an empty one
 * of that size first: EINVAL outside 64 KiB .. 4 MiB, EBUSY once an strace
 * engine of the file exists (until every one is detached), while text is
 * unread or while a read is in progress, ENOMEM if the memory cannot be
 * had.  Opening the file allocates
 * 64 KiB.  The buffer is charged to the memory cgroup of the task that
 * opened the file or set the size, and a refused charge is ENOMEM: it
 * never triggers an OOM kill.
 */
#define UTRACE_SET_BUFFER	_IO(UTRACE_IOC_MAGIC, 5)
/*
 * Argument: a count, by value.  Returns the most engines the file holds
 * at once (see Limit; 1024 when opened): 0 only asks for it; any other
 * value sets it first, EINVAL outside 1 .. 16384.  Lowering it under the
 * engines held detaches none: attaches fail with ENOSPC until enough of
 * them are detached.
 */
#define UTRACE_SET_MAX_ENGINES	_IO(UTRACE_IOC_MAGIC, 6)

/*
 * read(2) on the file is the trace as a byte stream, as a pipe: it waits
 * until there is text (interruptibly; EAGAIN if the file is O_NONBLOCK),
 * then copies what fits (at most 64 KiB per call) and consumes exactly
 * what it copied.  The file offset plays no part (pread(2) reads the
 * stream too; preadv2(RWF_NOWAIT) is EOPNOTSUPP).  It returns 0, the end
 * of the trace, when the buffer is empty and no strace engine of the file
 * is left to write (all detached, by UTRACE_DETACH, by their tasks' death
 * or by a failed attach; or none attached yet).  A reader whose buffer
 * faults gets EFAULT if nothing was copied, and loses no text; ENOMEM if
 * the kernel has no memory for its copy.  Lines that did not fit in the
 * buffer are dropped, never waited for, and counted: the text holds
 * "<utrace: N lines dropped>\n" where they were, after the lines written
 * before them and before those written after.  Readers of one file take
 * turns: two never get the same text, and one waits (or gets EAGAIN)
 * while another copies its text out.  A traced task never waits for a
 * reader.
 *
 * poll(2), select(2), epoll: readable (EPOLLIN) while there is text and
 * no other reader is at work; hung up (EPOLLHUP) at the end of the trace.
 */

#endif /* _UAPI_LINUX_UTRACE_H */
