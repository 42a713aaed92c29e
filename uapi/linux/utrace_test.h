/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * /dev/utrace-test: the test-only interface of utrace-rs
 * (CONFIG_UTRACE_TEST_DEVICE).
 *
 * Through it the in-guest tests attach small test engines to a process
 * (themselves, or a process they may ptrace) and read what the engines
 * saw.  Each open file has its own engines and its own log; closing it
 * detaches them.  Not a stable ABI: the real control interface is
 * /dev/utrace (see <linux/utrace.h> of the engines).
 */
#ifndef _UAPI_LINUX_UTRACE_TEST_H
#define _UAPI_LINUX_UTRACE_TEST_H

#include <linux/ioctl.h>
#include <linux/types.h>

/* Event bits, as engine-core's Events (utrace's UTRACE_EVENT values). */
#define UTRACE_TEST_EVENT_QUIESCE	(1U << 0)
#define UTRACE_TEST_EVENT_REAP		(1U << 1)
#define UTRACE_TEST_EVENT_CLONE		(1U << 2)
#define UTRACE_TEST_EVENT_EXEC		(1U << 3)
#define UTRACE_TEST_EVENT_EXIT		(1U << 4)
#define UTRACE_TEST_EVENT_DEATH		(1U << 5)
#define UTRACE_TEST_EVENT_SYSCALL_ENTRY	(1U << 6)
#define UTRACE_TEST_EVENT_SYSCALL_EXIT	(1U << 7)
#define UTRACE_TEST_EVENT_SIGNAL	(1U << 8)	/* handled */
#define UTRACE_TEST_EVENT_SIGNAL_IGN	(1U << 9)	/* ignored */
#define UTRACE_TEST_EVENT_SIGNAL_STOP	(1U << 10)	/* default: stop */
#define UTRACE_TEST_EVENT_SIGNAL_TERM	(1U << 11)	/* default: kill */
#define UTRACE_TEST_EVENT_SIGNAL_CORE	(1U << 12)	/* default: core */
#define UTRACE_TEST_EVENT_SIGNAL_ALL	(0x1fU << 8)
#define UTRACE_TEST_EVENT_JCTL		(1U << 13)
#define UTRACE_TEST_EVENT_VFORK_DONE	(1U << 14)
/*
 * With SIGNAL_TERM / SIGNAL_CORE: observe fatal signals rather than
 * intercept them (the kernel keeps its fatal-signal short cut).
 */
#define UTRACE_TEST_EVENT_SIGNAL_OBSERVE (1U << 15)
/* A breakpoint the engine subscribed to (UTRACE_TEST_PROBE). */
#define UTRACE_TEST_EVENT_BREAKPOINT	(1U << 16)
/*
 * After each quiesce report (UTRACE_TEST_INTERRUPT, UTRACE_TEST_REPORT),
 * at the task's next signal check: a report with no signal, in which the
 * engine may make one up (UTRACE_TEST_MAKE_UP); utrace's
 * UTRACE_SIGNAL_REPORT.
 */
#define UTRACE_TEST_EVENT_SIGNAL_REPORT	(1U << 17)

/* Signal dispositions (utrace's UTRACE_SIGNAL_* values). */
#define UTRACE_TEST_SIGNAL_DELIVER	0x00
#define UTRACE_TEST_SIGNAL_IGN		0x10
#define UTRACE_TEST_SIGNAL_TERM		0x20
#define UTRACE_TEST_SIGNAL_CORE		0x30
#define UTRACE_TEST_SIGNAL_STOP		0x40
#define UTRACE_TEST_SIGNAL_HOLD		0x100

/* What a test engine does (it always logs what it sees first). */
enum utrace_test_kind {
	UTRACE_TEST_RECORD = 0,		/* only log */
	UTRACE_TEST_REWRITE_ARG = 1,	/* entry: args[arg] = value */
	UTRACE_TEST_ABORT = 2,		/* entry: abort, result = value */
	UTRACE_TEST_SET_RETURN = 3,	/* exit: return value (or exit code) = value */
	UTRACE_TEST_RUN = 4,		/* entry: let the call run */
	UTRACE_TEST_STOP = 5,		/* entry: stop until resumed (not again
					 * on a repeated report); the exit
					 * report: stop until resumed */
	UTRACE_TEST_SIGNAL = 6,		/* signal nr (-1: all): disposition =
					 * value (UTRACE_TEST_SIGNAL_*); arg
					 * bit 0: also stop; bit 1: only the
					 * first time; bit 2: stop at the
					 * entry into its handler */
	UTRACE_TEST_DWELL = 7,		/* syscall and signal callbacks, and
					 * the report of a job-control stop,
					 * sleep value us (1..100000) after
					 * logging: a callback that takes its
					 * time, for race tests */
	UTRACE_TEST_MAKE_UP = 8,	/* a report of EVENT_SIGNAL_REPORT: make
					 * up signal nr (1..64) with si_code
					 * arg (as an int), disposition value
					 * (UTRACE_TEST_SIGNAL_*, no HOLD);
					 * once per engine */
	UTRACE_TEST_HANDLER = 9,	/* signal nr (-1: all): deliver it with
					 * the handler value instead of the
					 * task's (0: SIG_DFL, 1: SIG_IGN, else
					 * a user address); the task's own
					 * sigaction is left as it is */
	UTRACE_TEST_SET_NR = 10,	/* entry: if the syscall number is arg
					 * (as an int: -1, a call an engine
					 * before took the number of), make it
					 * value */
	UTRACE_TEST_KIND_MAX = 10,
};

/* attach flags */
#define UTRACE_TEST_EXCLUSIVE	(1U << 0)	/* EEXIST if the id is taken */
#define UTRACE_TEST_INHERIT	(1U << 1)	/* children get the engine too */
/*
 * The engine's reap report calls barrier() on the engine itself (a
 * callback waiting for itself must return at once); the REAP record's
 * args[0] is the barrier's result, 0 or -errno.  Not with INHERIT.
 */
#define UTRACE_TEST_BARRIER_IN_REAP	(1U << 2)

struct utrace_test_attach {
	__s32 pid;	/* target, in the caller's pid namespace; 0: caller */
	__u32 kind;	/* enum utrace_test_kind */
	__u32 events;	/* UTRACE_TEST_EVENT_* */
	__u32 id;	/* the engine's name in the log */
	__s64 nr;	/* the syscall it acts on and logs; -1: all */
	__u32 arg;	/* REWRITE_ARG: which argument, 0..5; SET_NR: the
			 * number it replaces */
	__u32 flags;	/* UTRACE_TEST_EXCLUSIVE */
	__s64 value;	/* new argument, abort result or return value */
};

struct utrace_test_events {
	__u32 slot;	/* as returned by UTRACE_TEST_ATTACH */
	__u32 events;
};

#define UTRACE_TEST_SIDE_ENTRY	1
#define UTRACE_TEST_SIDE_EXIT	2
/*
 * Task events: nr is -1; EXEC: args hold the first 47 bytes of the path,
 * NUL-terminated; EXIT: ret is the exit code the engine saw; DEATH: ret is
 * 1 if the thread group died with the task, args[0] (as a signed value)
 * the signal the parent gets: report_death()'s @signal (-1: reaped at
 * once, -2: a group leader whose parent hears later), args[1] 1 if the
 * dying task still had a signal pending (TIF_SIGPENDING).
 */
#define UTRACE_TEST_SIDE_EXEC	3
#define UTRACE_TEST_SIDE_EXIT_EVENT	4
#define UTRACE_TEST_SIDE_DEATH	5
/*
 * SIGNAL: nr is the signal, args[0] its si_code, args[1] its
 * UTRACE_TEST_EVENT_SIGNAL* class, args[2] the disposition the engines
 * before chose (| HOLD), ret 1 on a repeated report.  JCTL: nr is 0
 * (about to stop) or 1 (continued).  QUIESCE: nr is -1.  REAP: nr is the
 * reaped task's pid, logged in the reaper's context.
 */
#define UTRACE_TEST_SIDE_SIGNAL	6
#define UTRACE_TEST_SIDE_JCTL	7
#define UTRACE_TEST_SIDE_QUIESCE	8
#define UTRACE_TEST_SIDE_REAP	9
/* CLONE: nr is the child's pid (it has not run yet), args[0] the flags. */
#define UTRACE_TEST_SIDE_CLONE	10
/* VFORK_DONE: nr is the vfork child's pid (it exec'd or exited). */
#define UTRACE_TEST_SIDE_VFORK_DONE	11
/*
 * SIGNAL_HANDLER: the task entered the handler of signal nr, logged by a
 * SIGNAL engine with arg bit 2 (which stops it there); args[0] is its
 * si_code, args[1] 1 if an engine's step ended at the entry.
 */
#define UTRACE_TEST_SIDE_SIGNAL_HANDLER	12
/*
 * BREAKPOINT: the task hit a probed instruction; nr is the probe's offset
 * in its file, args the six argument registers (as the engines before
 * left them), ret the instruction's address.  KIND_REWRITE_ARG sets an
 * argument, KIND_STOP stops the task (before the instruction runs),
 * KIND_DWELL sleeps in the callback.
 * BREAKPOINT_RETURN: the probed function returns; nr is the offset,
 * args[0] the function's address, ret the return value as the engines
 * before left it.  KIND_SET_RETURN sets it, KIND_STOP stops the task.
 */
#define UTRACE_TEST_SIDE_BREAKPOINT	13
#define UTRACE_TEST_SIDE_BREAKPOINT_RETURN	14
/*
 * SIGNAL_REPORT: a report with no signal dequeued (EVENT_SIGNAL_REPORT);
 * nr is the signal the engines before made up (0: none), args[0] its
 * si_code, args[2] their disposition, ret 1 on a repeated report.  In
 * it, KIND_STOP stops the task (the first time only) and KIND_DWELL
 * sleeps, whatever nr.
 * A SIGNAL record's args[3] is the handler the signal would be delivered
 * with, as the engines before left it (0: SIG_DFL, 1: SIG_IGN, else the
 * address).
 */
#define UTRACE_TEST_SIDE_SIGNAL_REPORT	15

struct utrace_test_record {
	__u32 id;	/* engine id */
	__u32 side;	/* UTRACE_TEST_SIDE_* */
	__s64 nr;
	__u64 args[6];
	__s64 ret;	/* exit: the result the engine saw; exec: the new IP */
};

struct utrace_test_read {
	__u64 records;	/* user pointer to struct utrace_test_record[max] */
	__u32 max;
	__u32 count;	/* out: records copied (and removed from the log) */
	__u64 dropped;	/* out: records lost because the log was full */
};

#define UTRACE_TEST_IOC_MAGIC	0xb7
/* Returns the new engine's slot in this file (>= 0). */
#define UTRACE_TEST_ATTACH	_IOW(UTRACE_TEST_IOC_MAGIC, 1, struct utrace_test_attach)
/* Argument: the slot, by value. */
#define UTRACE_TEST_DETACH	_IO(UTRACE_TEST_IOC_MAGIC, 2)
#define UTRACE_TEST_SET_EVENTS	_IOW(UTRACE_TEST_IOC_MAGIC, 3, struct utrace_test_events)
#define UTRACE_TEST_READ	_IOWR(UTRACE_TEST_IOC_MAGIC, 4, struct utrace_test_read)
/* Argument: the slot, by value.  Waits for a running callback. */
#define UTRACE_TEST_BARRIER	_IO(UTRACE_TEST_IOC_MAGIC, 5)
/* Argument: the slot, by value.  Releases the engine's stop, if any. */
#define UTRACE_TEST_RESUME	_IO(UTRACE_TEST_IOC_MAGIC, 6)
/*
 * Argument: the slot, by value.  Releases the engine's stop and asks for
 * another report: a task stopped at syscall entry runs the entry callbacks
 * again (records with ret = 1), then the call.
 */
#define UTRACE_TEST_RESUME_REPORT	_IO(UTRACE_TEST_IOC_MAGIC, 7)
/*
 * Argument: the slot, by value.  Stops the task for the engine: returns 0
 * if it is stopped now, fails with EINPROGRESS if it stops at its next
 * safe point (poll UTRACE_TEST_STOPPED).
 */
#define UTRACE_TEST_STOP_TASK	_IO(UTRACE_TEST_IOC_MAGIC, 8)
/* Argument: the slot.  A quiesce report, breaking a sleep (or not). */
#define UTRACE_TEST_INTERRUPT	_IO(UTRACE_TEST_IOC_MAGIC, 9)
#define UTRACE_TEST_REPORT	_IO(UTRACE_TEST_IOC_MAGIC, 10)
/* Argument: the slot.  Resume from the engine's stop for one step. */
#define UTRACE_TEST_SINGLESTEP	_IO(UTRACE_TEST_IOC_MAGIC, 11)
#define UTRACE_TEST_BLOCKSTEP	_IO(UTRACE_TEST_IOC_MAGIC, 12)
/* Argument: the slot.  Returns 1 if the task is parked in a stop, else 0. */
#define UTRACE_TEST_STOPPED	_IO(UTRACE_TEST_IOC_MAGIC, 13)
/*
 * Race tests of /dev/utrace.  Argument: milliseconds, by value, at most
 * 10000 (0 disarms).  The next /dev/utrace attach sleeps that long between
 * its check of the target (step 3 of <linux/utrace.h>) and the attach
 * (step 7); one attach only.
 */
#define UTRACE_TEST_ATTACH_DELAY	_IO(UTRACE_TEST_IOC_MAGIC, 14)
/* Returns how many attaches have entered an armed delay since boot. */
#define UTRACE_TEST_ATTACH_DELAYED	_IO(UTRACE_TEST_IOC_MAGIC, 15)
/*
 * Race tests of engine-core's stops.  Argument: milliseconds, by value, at
 * most 10000 (0 disarms).  The next UTRACE_TEST_STOP engine to stop a task
 * at syscall entry logs its record, then sleeps that long in its callback
 * before it answers "stop"; one callback only.
 */
#define UTRACE_TEST_STOP_DELAY	_IO(UTRACE_TEST_IOC_MAGIC, 16)
/*
 * Race tests of the death report.  Argument: milliseconds, by value, at
 * most 10000 (0 disarms).  The next test engine told of a task's death
 * logs its DEATH record, then sleeps that long in its callback before it
 * returns: the engines after it in attach order wait for their report
 * meanwhile.  One callback only.
 */
#define UTRACE_TEST_DEATH_DELAY	_IO(UTRACE_TEST_IOC_MAGIC, 17)
/*
 * Race tests of engine-core's inheritance.  Argument: milliseconds, by
 * value, at most 10000 (0 disarms).  The next clone report that copies an
 * inherited (UTRACE_TEST_INHERIT) engine to the new child sleeps that long
 * before it attaches the copy; one copy only.
 */
#define UTRACE_TEST_INHERIT_DELAY	_IO(UTRACE_TEST_IOC_MAGIC, 18)
/* Returns how many copies have entered an armed delay since boot. */
#define UTRACE_TEST_INHERIT_DELAYED	_IO(UTRACE_TEST_IOC_MAGIC, 19)
/*
 * Returns the calling task's utrace syscall work flags: bit 0
 * SYSCALL_WORK_UTRACE (its syscall entries go to the engines), bit 1
 * SYSCALL_WORK_UTRACE_EXIT (its exits do): what its syscalls pay.
 */
#define UTRACE_TEST_SYSCALL_WORK	_IO(UTRACE_TEST_IOC_MAGIC, 20)
/*
 * Argument: an engine id, by value.  Returns how many test engines whose
 * id is congruent to it modulo 64 exist in the kernel: a detached engine
 * counts until the last reference to it goes (the handles, and the list
 * its task reports from).
 */
#define UTRACE_TEST_LIVE_ENGINES	_IO(UTRACE_TEST_IOC_MAGIC, 21)
/*
 * Race tests of the barrier.  Argument: milliseconds, by value, at most
 * 10000 (0 disarms).  The next barrier sleeps that long after its wait,
 * before it decides whether the engine is retired; one barrier only.
 */
#define UTRACE_TEST_BARRIER_DELAY	_IO(UTRACE_TEST_IOC_MAGIC, 22)
/* Returns how many barriers have entered an armed delay since boot. */
#define UTRACE_TEST_BARRIER_DELAYED	_IO(UTRACE_TEST_IOC_MAGIC, 23)
/*
 * Returns how many times since boot a test engine was told it is retired
 * while one of its dwelling (UTRACE_TEST_DWELL) callbacks ran: 0 unless
 * engine-core breaks its word.
 */
#define UTRACE_TEST_RETIRED_IN_CALLBACK	_IO(UTRACE_TEST_IOC_MAGIC, 24)
/*
 * Race tests of detach.  Argument: milliseconds, by value, at most 10000
 * (0 disarms).  The next detach sleeps that long once the engine is marked
 * detached, before the engine is told; one detach only.
 */
#define UTRACE_TEST_DETACH_DELAY	_IO(UTRACE_TEST_IOC_MAGIC, 25)
/* Returns how many detaches have entered an armed delay since boot. */
#define UTRACE_TEST_DETACH_DELAYED	_IO(UTRACE_TEST_IOC_MAGIC, 26)
/*
 * Race tests of /dev/utrace's readers.  Argument: milliseconds, by value,
 * at most 10000 (0 disarms).  The next read of trace text (read(2) or
 * UTRACE_READ) sleeps that long once it has taken its text and before it
 * copies it to user space, as a reader whose buffer faults slowly
 * (userfaultfd, FUSE) would; one read only.
 */
#define UTRACE_TEST_READ_DELAY	_IO(UTRACE_TEST_IOC_MAGIC, 27)
/* Returns how many reads have entered an armed delay since boot. */
#define UTRACE_TEST_READ_DELAYED	_IO(UTRACE_TEST_IOC_MAGIC, 28)
/*
 * Race tests of steps.  Argument: milliseconds, by value, at most 10000
 * (0 disarms).  The next task that turns stepping on for its engines
 * sleeps that long once it is set to step, before it returns to user
 * mode; one step only.
 */
#define UTRACE_TEST_STEP_DELAY		_IO(UTRACE_TEST_IOC_MAGIC, 29)
/* Returns how many steps have entered an armed delay since boot. */
#define UTRACE_TEST_STEP_DELAYED	_IO(UTRACE_TEST_IOC_MAGIC, 30)

/*
 * Examine the task the engine of @slot holds stopped, from the caller
 * (EngineHandle::examine): begin, make one access, end.  Returns the
 * bytes read or written (STRING: the string's length; the string and its
 * NUL are copied to @buf), or -1 with errno: the beginning's (ESRCH: the
 * engine is detached or the task dying; EINVAL: the engine holds no stop;
 * EAGAIN: not stopped yet), the access's (EFAULT, EPERM: the task is not
 * dumpable), or the end's (EAGAIN: the task ran meanwhile; EINVAL: the
 * engine's stop ended).  What was read is copied to @buf even when the
 * end fails.
 */
struct utrace_test_examine {
	__u32 slot;
	__u32 op;	/* UTRACE_TEST_EXAMINE_* */
	__u64 addr;	/* READ, WRITE, STRING: the task's address;
			 * REGSET, SET_REGSET: the set's NT_* type */
	__u64 buf;	/* the caller's buffer */
	__u32 len;	/* its size: 1..4096 */
	__u32 flags;	/* UTRACE_TEST_EXAMINE_THEN_* */
};

#define UTRACE_TEST_EXAMINE_REGS	1	/* read the general registers */
#define UTRACE_TEST_EXAMINE_SET_REGS	2	/* write them: @len is their size */
#define UTRACE_TEST_EXAMINE_READ	3	/* read memory */
#define UTRACE_TEST_EXAMINE_WRITE	4	/* write memory */
#define UTRACE_TEST_EXAMINE_STRING	5	/* read a NUL-terminated string */
#define UTRACE_TEST_EXAMINE_REGSET	6	/* read register set @addr (NT_*) */
#define UTRACE_TEST_EXAMINE_SET_REGSET	7	/* write it: @len is its size */

/* Between the access and the end (at most one): */
#define UTRACE_TEST_EXAMINE_THEN_RESUME	(1U << 0)	/* resume the task */
#define UTRACE_TEST_EXAMINE_THEN_RESTOP	(1U << 1)	/* resume it, stop it
							 * again, wait until
							 * it is parked */

#define UTRACE_TEST_EXAMINE	_IOW(UTRACE_TEST_IOC_MAGIC, 31, struct utrace_test_examine)
/*
 * Race tests of examinations.  Argument: milliseconds, by value, at most
 * 10000 (0 disarms).  The next register access of an examination sleeps
 * that long with the task pinned in its stop; one access only.
 */
#define UTRACE_TEST_EXAMINE_DELAY	_IO(UTRACE_TEST_IOC_MAGIC, 32)
/* Returns how many register accesses have entered an armed delay. */
#define UTRACE_TEST_EXAMINE_DELAYED	_IO(UTRACE_TEST_IOC_MAGIC, 33)
/*
 * Race tests of /dev/utrace-channel's ADDFD.  Argument: milliseconds, by
 * value, at most 10000 (0 disarms).  ADDFD_DELAY: the next channel task
 * woken in its wait sleeps that long before it looks for a request;
 * INSTALL_DELAY: the next task installing a monitor's file sleeps that
 * long just before the install, as a slow ->flush() of the file it
 * replaces would.  One pass each.
 */
#define UTRACE_TEST_ADDFD_DELAY		_IO(UTRACE_TEST_IOC_MAGIC, 34)
#define UTRACE_TEST_ADDFD_DELAYED	_IO(UTRACE_TEST_IOC_MAGIC, 35)
#define UTRACE_TEST_INSTALL_DELAY	_IO(UTRACE_TEST_IOC_MAGIC, 36)
#define UTRACE_TEST_INSTALL_DELAYED	_IO(UTRACE_TEST_IOC_MAGIC, 37)

/*
 * Breakpoints: subscribes the engine of a slot, for its task, to the
 * instruction at @offset in the file open (for reading) as @fd, or with
 * UTRACE_TEST_PROBE_RETURN to the return from the function it starts.
 * Returns the subscription's index (>= 0), which UTRACE_TEST_UNPROBE takes
 * by value; closing the file drops the rest.  Errors: EBADF (fd not open
 * for reading), EEXIST (subscribed already), ENOSPC (too many), ESRCH
 * (engine detached), EINVAL (bad slot, flags, or offset).
 */
#define UTRACE_TEST_PROBE_RETURN	(1U << 0)
struct utrace_test_probe {
	__u32 slot;
	__s32 fd;
	__u64 offset;
	__u32 flags;	/* UTRACE_TEST_PROBE_* */
	__u32 pad;	/* 0 */
};
#define UTRACE_TEST_PROBE	_IOW(UTRACE_TEST_IOC_MAGIC, 38, struct utrace_test_probe)
#define UTRACE_TEST_UNPROBE	_IO(UTRACE_TEST_IOC_MAGIC, 39)
/*
 * Race test of a drop inside a breakpoint callback.  Argument: a
 * subscription's index, by value: it is taken from the file and dropped by
 * the next breakpoint callback of a KIND_DWELL engine, after its dwell.
 */
#define UTRACE_TEST_HAND_PROBE	_IO(UTRACE_TEST_IOC_MAGIC, 40)
/*
 * How many switch watches (engine-core/switches.rs) are held now: the
 * scheduler's preempt-notifier key is on while it is not 0.  Returned as
 * the ioctl's value.
 */
#define UTRACE_TEST_SWITCH_WATCHES	_IO(UTRACE_TEST_IOC_MAGIC, 41)
/*
 * How many switch watches were taken since boot: each one taken while
 * none was held turned the key on (patching kernel text on every CPU).
 * Returned as the ioctl's value.
 */
#define UTRACE_TEST_SWITCH_WATCHES_TAKEN	_IO(UTRACE_TEST_IOC_MAGIC, 42)

/*
 * Race tests of /dev/utrace-channel's slots.  QUEUE_DELAY (milliseconds,
 * by value, at most 10000; 0 disarms): the next channel task about to
 * queue an event sleeps that long first; one pass.  CHANNEL_GEN_STEP (by
 * value, 1 to 2^20; 0 restores 1): how far a reused slot's generation
 * advances, so that a test wraps the 2^20 generations in a few attaches.
 */
#define UTRACE_TEST_QUEUE_DELAY		_IO(UTRACE_TEST_IOC_MAGIC, 43)
#define UTRACE_TEST_QUEUE_DELAYED	_IO(UTRACE_TEST_IOC_MAGIC, 44)
#define UTRACE_TEST_CHANNEL_GEN_STEP	_IO(UTRACE_TEST_IOC_MAGIC, 45)

#endif /* _UAPI_LINUX_UTRACE_TEST_H */
