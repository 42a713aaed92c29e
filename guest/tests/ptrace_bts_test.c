// SPDX-License-Identifier: GPL-2.0
/*
 * guest_ptrace_bts: the branch trace's ptrace requests, PTRACE_BTS_*
 * (<linux/utrace_branch.h>), a tracer's trace of its tracee over the
 * branch-trace engine.
 *
 * The tracee stops itself (PTRACE_TRACEME, SIGSTOP), and once resumed runs
 * br_seq_exit(n), the routine of branch_routine.h whose taken branches
 * are known to the byte.  The cases check that the records read by index
 * and drained at the tracee's exit stop are exactly the routine's; that a
 * ring keeps the last N; that a guaranteed flow through a small buffer
 * stops the tracee for its tracer (PTRACE_EVENT_BTS) and loses nothing
 * across many drains, whatever signals the tracee blocks, and counts what
 * a tracer that does not drain loses; that the trace ends when the tracer
 * ends it or detaches (also at a full buffer's stop) or dies, and its
 * memory goes back to the tracer's RLIMIT_MEMLOCK then; that
 * PTRACE_MULTI refuses the requests; and the refusals.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include "ptrace.h"
#include <linux/utrace_branch.h>
#include "ktap.h"
#include "branch_routine.h"
#include "utrace_test_dev.h"

/* How long a case waits for its tracee's next stop, at most (TCG). */
#define WAIT_SECONDS 60

#define MAX_RECORDS 100000
static struct utrace_branch got[MAX_RECORDS];
static struct utrace_branch want[3 * 1000 + 3];

static void on_alarm(int sig)
{
	(void)sig;
}

/*
 * The next status of @pid, waited for up to WAIT_SECONDS; -1 then, with
 * @pid killed and reaped.
 */
static int wait_for(pid_t pid)
{
	struct sigaction sa = { .sa_handler = on_alarm }; /* no SA_RESTART */
	int status;
	pid_t r;

	sigaction(SIGALRM, &sa, NULL);
	alarm(WAIT_SECONDS);
	r = waitpid(pid, &status, __WALL);
	alarm(0);
	if (r == pid)
		return status;
	KTAP_DIAG("no news of %d in %d s: killed", pid, WAIT_SECONDS);
	kill(pid, SIGKILL);
	waitpid(pid, &status, __WALL);
	return -1;
}

static void on_usr1(int sig)
{
	(void)sig;
}

/* Whether the next tracee start_tracee() makes blocks every signal. */
static int tracee_blocks;

/*
 * A tracee of this process, stopped in its own SIGSTOP, that runs
 * br_seq_exit(@n) once resumed (with @n == 0: pauses for ever, a SIGUSR1
 * handler running at each SIGUSR1).  Its exit stops (PTRACE_O_TRACEEXIT)
 * are on, and it dies with its tracer.
 */
static pid_t start_tracee(int n)
{
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		sigset_t block;

		if (tracee_blocks)
			sigfillset(&block);
		else
			sigemptyset(&block);
		sigprocmask(SIG_BLOCK, &block, NULL);
		signal(SIGUSR1, on_usr1);
		if (ptrace(PTRACE_TRACEME, 0, 0, 0))
			_exit(100);
		raise(SIGSTOP);
		if (n)
			br_seq_exit(n);
		for (;;)
			pause();
	}
	status = wait_for(pid);
	CHECK(status != -1 && WIFSTOPPED(status) && WSTOPSIG(status) == SIGSTOP,
	      "the tracee's stop: %#x", status);
	CHECK(ptrace(PTRACE_SETOPTIONS, pid, 0, PTRACE_O_TRACEEXIT | PTRACE_O_EXITKILL) == 0,
	      "options: %s", strerror(errno));
	return pid;
}

static long bts_config(pid_t pid, unsigned int flags, unsigned int reserved, uint64_t records)
{
	struct ptrace_bts_config c = { .flags = flags, .reserved = reserved, .records = records };

	return ptrace(PTRACE_BTS_CONFIG, pid, &c, sizeof(c));
}

static struct utrace_branch_status bts_status(pid_t pid)
{
	struct utrace_branch_status s;

	memset(&s, 0xff, sizeof(s));
	CHECK(ptrace(PTRACE_BTS_STATUS, pid, &s, sizeof(s)) == 0, "status: %s",
	      strerror(errno));
	return s;
}

static int is_exit_stop(int status)
{
	return status != -1 && WIFSTOPPED(status) &&
	       status >> 8 == (SIGTRAP | (PTRACE_EVENT_EXIT << 8));
}

/* Resumes @pid with @sig; its next status (wait_for()). */
static int resume(pid_t pid, int sig)
{
	CHECK(ptrace(PTRACE_CONT, pid, 0, sig) == 0, "resume: %s", strerror(errno));
	return wait_for(pid);
}

/* Lets @pid go from its exit stop and checks that it exits with 0. */
static void finish(pid_t pid)
{
	int status = resume(pid, 0);

	CHECK(status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "the tracee's end: %#x", status);
}

static int same(struct utrace_branch a, struct utrace_branch b)
{
	return a.from == b.from && a.to == b.to;
}

/*
 * A ring with room to spare, read at the exit stop: by index, newest
 * first, then drained, oldest first; both are the routine's branches,
 * exactly, and the drain empties the buffer.
 */
static void a_ring_read_at_the_exit_stop_holds_the_known_sequence(void)
{
	static struct utrace_branch by_index[MAX_RECORDS];
	pid_t pid = start_tracee(5);
	struct utrace_branch_status s;
	struct utrace_branch r;
	long size, n;
	int status;

	CHECK(bts_config(pid, PTRACE_BTS_O_TRACE, 0, 1 << 16) == 0, "config: %s",
	      strerror(errno));
	status = resume(pid, 0);
	CHECK(is_exit_stop(status), "status %#x, not the exit stop", status);
	if (!is_exit_stop(status))
		return;
	size = ptrace(PTRACE_BTS_SIZE, pid, 0, 0);
	s = bts_status(pid);
	CHECK(size > 0 && (uint64_t)size == s.held && s.held == s.branches &&
	      s.records == 1 << 16 && s.overwritten == 0 && s.state == UTRACE_BRANCH_STARTED,
	      "size %ld held %llu branches %llu records %llu overwritten %llu state %#x", size,
	      (unsigned long long)s.held, (unsigned long long)s.branches,
	      (unsigned long long)s.records, (unsigned long long)s.overwritten, s.state);
	for (long i = 0; i < size && i < MAX_RECORDS; i++)
		CHECK(ptrace(PTRACE_BTS_GET, pid, &by_index[size - 1 - i], i) == 0,
		      "get %ld: %s", i, strerror(errno));
	CHECK_ERRNO(ptrace(PTRACE_BTS_GET, pid, &r, size), EINVAL);
	/* The newest: br_seq's return, the last branch before exit_group. */
	CHECK(ptrace(PTRACE_BTS_GET, pid, &r, 0) == 0 &&
	      same(r, (struct utrace_branch){ A(br_end), A(br_x_after) }),
	      "newest %#llx -> %#llx", (unsigned long long)r.from, (unsigned long long)r.to);
	n = ptrace(PTRACE_BTS_DRAIN, pid, got, MAX_RECORDS);
	CHECK(n == size, "drained %ld of %ld: %s", n, size, strerror(errno));
	for (long i = 0; i < n && i < size; i++)
		if (!same(got[i], by_index[i])) {
			CHECK(0, "record %ld: drained %#llx -> %#llx, by index %#llx -> %#llx", i,
			      (unsigned long long)got[i].from, (unsigned long long)got[i].to,
			      (unsigned long long)by_index[i].from,
			      (unsigned long long)by_index[i].to);
			break;
		}
	check_same(got, routine_only(got, n), want, expected_seq_exit(5, want));
	CHECK(ptrace(PTRACE_BTS_SIZE, pid, 0, 0) == 0, "size after the drain");
	CHECK(ptrace(PTRACE_BTS_DRAIN, pid, got, 8) == 0, "a drain of nothing");
	finish(pid);
}

/* A ring of 4 keeps the routine's last 4 branches; the others are counted. */
static void a_ring_keeps_the_last_n(void)
{
	pid_t pid = start_tracee(50);
	struct utrace_branch_status s;
	int status;
	long n, m;

	CHECK(bts_config(pid, PTRACE_BTS_O_TRACE, 0, 4) == 0, "config: %s", strerror(errno));
	status = resume(pid, 0);
	CHECK(is_exit_stop(status), "status %#x, not the exit stop", status);
	if (!is_exit_stop(status))
		return;
	s = bts_status(pid);
	n = ptrace(PTRACE_BTS_DRAIN, pid, got, MAX_RECORDS);
	m = expected_seq_exit(50, want);
	CHECK(n == 4 && s.overwritten == s.branches - 4, "drained %ld, overwritten %llu of %llu",
	      n, (unsigned long long)s.overwritten, (unsigned long long)s.branches);
	/* The last 4 of the routine's: nothing comes after it. */
	memmove(want, want + m - 4, 4 * sizeof(want[0]));
	check_same(got, n, want, 4);
	finish(pid);
}

static int is_bts_stop(int status)
{
	return status != -1 && WIFSTOPPED(status) &&
	       status >> 8 == (SIGTRAP | (PTRACE_EVENT_BTS << 8));
}

/*
 * Runs @pid, configured for a guaranteed flow, to its exit stop: drains
 * the buffer into got[] at each PTRACE_EVENT_BTS stop (but the first
 * @skip ones, resumed without a drain), whose message must be the records
 * held, and at the exit stop.  Returns how many records it drained, -1 if
 * the tracee did not reach its exit stop; *@stops: the PTRACE_EVENT_BTS
 * stops.
 */
static long drain_to_exit(pid_t pid, int skip, long *stops)
{
	long total = 0;
	int status = resume(pid, 0);

	*stops = 0;
	while (is_bts_stop(status)) {
		unsigned long msg = 0;
		long n, held = ptrace(PTRACE_BTS_SIZE, pid, 0, 0);

		++*stops;
		CHECK(ptrace(PTRACE_GETEVENTMSG, pid, 0, &msg) == 0 && (long)msg == held &&
		      held > 0, "event message %lu, %ld held", msg, held);
		if (*stops > skip) {
			n = ptrace(PTRACE_BTS_DRAIN, pid, got + total, MAX_RECORDS - total);
			CHECK(n == held, "a drain at a full buffer's stop: %ld of %ld (%s)", n,
			      held, strerror(errno));
			if (n > 0)
				total += n;
		}
		status = resume(pid, 0);
	}
	CHECK(is_exit_stop(status), "status %#x, not the exit stop", status);
	if (!is_exit_stop(status))
		return -1;
	total += ptrace(PTRACE_BTS_DRAIN, pid, got + total, MAX_RECORDS - total);
	return total;
}

/*
 * A tracee that runs br_seq_exit(@loops), configured for a guaranteed flow
 * through @records, run to its exit stop by drain_to_exit(@skip); its
 * status there in *@s and its stops in *@stops.  Returns the records
 * drained, -1 if it did not reach its exit stop.
 */
static long flow_to_exit(int loops, uint64_t records, int skip, struct utrace_branch_status *s,
			 long *stops, pid_t *pid)
{
	long n;

	*pid = start_tracee(loops);
	CHECK(bts_config(*pid, PTRACE_BTS_O_TRACE | PTRACE_BTS_O_STOP, 0, records) == 0,
	      "config: %s", strerror(errno));
	n = drain_to_exit(*pid, skip, stops);
	if (n >= 0)
		*s = bts_status(*pid);
	return n;
}

/*
 * A guaranteed flow through 8 records: the tracee stops for its tracer at
 * each full buffer, and the drains lose nothing of 200 loops.
 */
static void a_flow_loses_nothing_across_many_drains(void)
{
	struct utrace_branch_status s;
	long stops;
	pid_t pid;
	long n = flow_to_exit(200, 8, 0, &s, &stops, &pid);

	if (n < 0)
		return;
	CHECK(s.overwritten == 0 && s.branches == (uint64_t)n && s.stops == (uint64_t)stops &&
	      stops >= n / 8, "drained %ld, overwritten %llu branches %llu stops %llu/%ld", n,
	      (unsigned long long)s.overwritten, (unsigned long long)s.branches,
	      (unsigned long long)s.stops, stops);
	check_same(got, routine_only(got, n), want, expected_seq_exit(200, want));
	finish(pid);
}

/*
 * A tracer that resumes a full buffer's stop without a drain: the next
 * record is lost, counted, and stops the tracee again.
 */
static void a_flow_not_drained_counts_what_it_loses(void)
{
	struct utrace_branch_status s;
	long stops;
	pid_t pid;
	long n = flow_to_exit(20, 4, 1, &s, &stops, &pid);

	if (n < 0)
		return;
	CHECK(s.overwritten == 1 && s.branches == (uint64_t)n + 1 && s.stops == (uint64_t)stops,
	      "drained %ld, overwritten %llu branches %llu stops %llu/%ld", n,
	      (unsigned long long)s.overwritten, (unsigned long long)s.branches,
	      (unsigned long long)s.stops, stops);
	finish(pid);
}

/*
 * The stop for a drain is no signal: a tracee that blocks every signal
 * stops all the same, loses nothing, and has no signal pending at its
 * exit (the review: a drain signal could be blocked, and left pending).
 */
static void a_flow_stops_a_tracee_that_blocks_every_signal(void)
{
	struct ptrace_peeksiginfo_args args = { .off = 0, .flags = 0, .nr = 64 };
	static siginfo_t queued[64];
	struct utrace_branch_status s;
	long n, stops, pending;
	pid_t pid;

	tracee_blocks = 1;
	n = flow_to_exit(20, 4, 0, &s, &stops, &pid);
	tracee_blocks = 0;
	if (n < 0)
		return;
	pending = ptrace(PTRACE_PEEKSIGINFO, pid, &args, queued);
	CHECK(pending == 0, "%ld signals pending (the first %d)", pending,
	      pending > 0 ? queued[0].si_signo : 0);
	CHECK(stops > 5 && s.overwritten == 0 && s.branches == (uint64_t)n,
	      "stops %ld overwritten %llu branches %llu drained %ld", stops,
	      (unsigned long long)s.overwritten, (unsigned long long)s.branches, n);
	check_same(got, routine_only(got, n), want, expected_seq_exit(20, want));
	finish(pid);
}

/*
 * A flow with scheduling records: the tracee's spans off its CPU among
 * its branches, and still nothing lost of the routine's, across the stops.
 */
static void a_flow_with_scheduling_records_loses_nothing(void)
{
	struct utrace_branch_status s;
	long n, stops, spans = 0;
	pid_t pid;

	pid = start_tracee(50);
	CHECK(bts_config(pid, PTRACE_BTS_O_TRACE | PTRACE_BTS_O_STOP | PTRACE_BTS_O_SCHED, 0,
			 UTRACE_BRANCH_SCHED_FLOW_MIN) == 0, "config: %s", strerror(errno));
	n = drain_to_exit(pid, 0, &stops);
	if (n < 0)
		return;
	s = bts_status(pid);
	for (long i = 0; i < n; i++)
		spans += got[i].from == UTRACE_BRANCH_SWITCHED_OUT;
	CHECK(s.overwritten == 0 && s.branches + 2 * s.switches == (uint64_t)n &&
	      (uint64_t)spans == s.switches && s.stops == (uint64_t)stops && stops > 0,
	      "drained %ld: branches %llu switches %llu (%ld seen) overwritten %llu stops %llu/%ld",
	      n, (unsigned long long)s.branches, (unsigned long long)s.switches, spans,
	      (unsigned long long)s.overwritten, (unsigned long long)s.stops, stops);
	check_same(got, routine_only(got, n), want, expected_seq_exit(50, want));
	finish(pid);
}

/*
 * Starts a tracee under a flow of 4 records and runs it into the full
 * buffer's stop; whether it is there.
 */
static int to_a_full_buffers_stop(pid_t *pid)
{
	int status;

	*pid = start_tracee(20);
	CHECK(bts_config(*pid, PTRACE_BTS_O_TRACE | PTRACE_BTS_O_STOP, 0, 4) == 0, "config: %s",
	      strerror(errno));
	status = resume(*pid, 0);
	CHECK(is_bts_stop(status), "status %#x, not the full buffer's stop", status);
	return is_bts_stop(status);
}

/* SIGKILL at a full buffer's stop ends the tracee, and its trace with it. */
static void sigkill_at_a_full_buffers_stop(void)
{
	pid_t pid;
	int status;

	to_a_full_buffers_stop(&pid);
	CHECK(kill(pid, SIGKILL) == 0, "kill: %s", strerror(errno));
	status = wait_for(pid);
	/* The exit stop a killed task does not make; then its end. */
	while (status != -1 && WIFSTOPPED(status))
		status = resume(pid, 0);
	CHECK(status != -1 && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
	      "the tracee's end: %#x", status);
}

/*
 * The trace ended at a full buffer's stop (@detach: by PTRACE_DETACH, else
 * by a config off then a resume): the tracee runs on to its end untraced,
 * and the kernel reports nothing (the review: the engine's last reference
 * went while its callback still ran).
 */
static void end_at_a_full_buffers_stop(int detach)
{
	pid_t pid;
	int status;

	if (!to_a_full_buffers_stop(&pid))
		return;
	CHECK(ptrace(PTRACE_BTS_DRAIN, pid, got, 4) == 4, "drain: %s", strerror(errno));
	if (detach) {
		CHECK(ptrace(PTRACE_DETACH, pid, 0, 0) == 0, "detach: %s", strerror(errno));
		status = wait_for(pid);
	} else {
		CHECK(bts_config(pid, 0, 0, 0) == 0, "config off: %s", strerror(errno));
		CHECK_ERRNO(ptrace(PTRACE_BTS_SIZE, pid, 0, 0), ENODATA);
		status = resume(pid, 0);
		/* No other stop: the exit stop. */
		CHECK(is_exit_stop(status), "status %#x, not the exit stop", status);
		if (is_exit_stop(status))
			status = resume(pid, 0);
	}
	CHECK(status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "the tracee's end: %#x", status);
}

static void a_config_off_at_a_full_buffers_stop_ends_the_trace(void)
{
	end_at_a_full_buffers_stop(0);
}

static void a_detach_at_a_full_buffers_stop_ends_the_trace(void)
{
	end_at_a_full_buffers_stop(1);
}

/*
 * A trace is the tracer's: a second one is EEXIST, as is a file's attach;
 * ending it frees the tracee for either; CLEAR drops what is held.
 */
static void config_off_and_clear(void)
{
	pid_t pid = start_tracee(3);
	struct utrace_branch_status s;
	struct utrace_branch r;
	struct utrace_branch_attach a = { .pid = pid, .records = 8 };
	int fd = open("/dev/utrace-branch", O_RDWR | O_CLOEXEC);
	int status;

	CHECK(fd >= 0, "open /dev/utrace-branch: %s", strerror(errno));
	CHECK_ERRNO(ptrace(PTRACE_BTS_SIZE, pid, 0, 0), ENODATA);
	CHECK_ERRNO(bts_config(pid, 0, 0, 0), ENODATA);
	CHECK(bts_config(pid, PTRACE_BTS_O_TRACE, 0, 8) == 0, "config: %s", strerror(errno));
	CHECK_ERRNO(bts_config(pid, PTRACE_BTS_O_TRACE, 0, 8), EEXIST);
	CHECK_ERRNO(ioctl(fd, UTRACE_BRANCH_ATTACH, &a), EEXIST);
	CHECK(bts_config(pid, 0, 0, 0) == 0, "config off: %s", strerror(errno));
	CHECK_ERRNO(ptrace(PTRACE_BTS_SIZE, pid, 0, 0), ENODATA);
	CHECK_ERRNO(ptrace(PTRACE_BTS_STATUS, pid, &s, sizeof(s)), ENODATA);
	CHECK_ERRNO(bts_config(pid, 0, 0, 0), ENODATA);
	/* The file's trace is not the tracer's. */
	CHECK(ioctl(fd, UTRACE_BRANCH_ATTACH, &a) == 0, "attach after off: %s", strerror(errno));
	CHECK_ERRNO(ptrace(PTRACE_BTS_SIZE, pid, 0, 0), ENODATA);
	CHECK_ERRNO(bts_config(pid, PTRACE_BTS_O_TRACE, 0, 8), EEXIST);
	close(fd);
	CHECK(bts_config(pid, PTRACE_BTS_O_TRACE, 0, 1 << 12) == 0, "config again: %s",
	      strerror(errno));
	status = resume(pid, 0);
	CHECK(is_exit_stop(status), "status %#x, not the exit stop", status);
	if (!is_exit_stop(status))
		return;
	CHECK(ptrace(PTRACE_BTS_SIZE, pid, 0, 0) > 0, "nothing held at the exit");
	/* Not in a batch, which could not return a drain's count: nothing taken. */
	{
		long held = ptrace(PTRACE_BTS_SIZE, pid, 0, 0);
		struct ptrace_multi m = { PTRACE_BTS_DRAIN, (long)got, (void *)8, 0 };

		CHECK_ERRNO(ptrace(PTRACE_MULTI, pid, &m, 1), EINVAL);
		CHECK(ptrace(PTRACE_BTS_SIZE, pid, 0, 0) == held, "a batch took records");
	}
	CHECK(ptrace(PTRACE_BTS_CLEAR, pid, 0, 0) == 0, "clear: %s", strerror(errno));
	CHECK(ptrace(PTRACE_BTS_SIZE, pid, 0, 0) == 0, "held after a clear");
	CHECK_ERRNO(ptrace(PTRACE_BTS_GET, pid, &r, 0), EINVAL);
	s = bts_status(pid);
	CHECK(s.held == 0 && s.overwritten == 0 && s.branches > 0,
	      "held %llu overwritten %llu branches %llu", (unsigned long long)s.held,
	      (unsigned long long)s.overwritten, (unsigned long long)s.branches);
	finish(pid);
}

/* Bad requests get their errno and change nothing. */
static void refusals(void)
{
	pid_t pid = start_tracee(3), other;
	struct ptrace_bts_config c = { .flags = PTRACE_BTS_O_TRACE, .records = 8 };
	struct utrace_branch_status s;
	struct utrace_branch r;
	long held;
	int status;

	CHECK_ERRNO(ptrace(PTRACE_BTS_CONFIG, pid, &c, sizeof(c) - 1), EINVAL);
	CHECK_ERRNO(ptrace(PTRACE_BTS_CONFIG, pid, &c, sizeof(c) + 8), EINVAL);
	CHECK_ERRNO(ptrace(PTRACE_BTS_CONFIG, pid, (void *)8, sizeof(c)), EFAULT);
	CHECK_ERRNO(bts_config(pid, PTRACE_BTS_O_TRACE | (1U << 3), 0, 8), EINVAL);
	CHECK_ERRNO(bts_config(pid, PTRACE_BTS_O_TRACE, 1, 8), EINVAL);
	CHECK_ERRNO(bts_config(pid, PTRACE_BTS_O_TRACE | PTRACE_BTS_O_STOP, 1U << 31, 8), EINVAL);
	CHECK_ERRNO(bts_config(pid, PTRACE_BTS_O_STOP, 0, 0), EINVAL);
	CHECK_ERRNO(bts_config(pid, PTRACE_BTS_O_TRACE, 0, 0), EINVAL);
	CHECK_ERRNO(bts_config(pid, PTRACE_BTS_O_TRACE, 0, UTRACE_BRANCH_MAX_RECORDS + 1), EINVAL);
	CHECK_ERRNO(bts_config(pid, PTRACE_BTS_O_TRACE | PTRACE_BTS_O_SCHED | PTRACE_BTS_O_STOP,
			       0, UTRACE_BRANCH_SCHED_FLOW_MIN - 1), EINVAL);
	CHECK_ERRNO(bts_config(pid, PTRACE_BTS_O_SCHED, 0, 0), EINVAL);
	/* None of those started a trace. */
	CHECK_ERRNO(ptrace(PTRACE_BTS_SIZE, pid, 0, 0), ENODATA);
	CHECK(bts_config(pid, PTRACE_BTS_O_TRACE, 0, 1 << 12) == 0, "config: %s",
	      strerror(errno));
	CHECK_ERRNO(ptrace(PTRACE_BTS_STATUS, pid, &s, sizeof(s) - 8), EINVAL);
	CHECK_ERRNO(ptrace(PTRACE_BTS_STATUS, pid, (void *)8, sizeof(s)), EFAULT);
	status = resume(pid, 0);
	CHECK(is_exit_stop(status), "status %#x, not the exit stop", status);
	if (!is_exit_stop(status))
		return;
	held = ptrace(PTRACE_BTS_SIZE, pid, 0, 0);
	CHECK(held > 0, "nothing held");
	CHECK_ERRNO(ptrace(PTRACE_BTS_DRAIN, pid, got, 0), EINVAL);
	CHECK_ERRNO(ptrace(PTRACE_BTS_DRAIN, pid, (void *)8, 8), EFAULT);
	CHECK_ERRNO(ptrace(PTRACE_BTS_GET, pid, (void *)8, 0), EFAULT);
	CHECK_ERRNO(ptrace(PTRACE_BTS_GET, pid, &r, -1L), EINVAL);
	CHECK(ptrace(PTRACE_BTS_SIZE, pid, 0, 0) == held, "a refused drain took records");
	finish(pid);

	/* Only a tracer, and only of a stopped tracee: ESRCH otherwise. */
	other = fork();
	if (other == 0) {
		for (;;)
			pause();
	}
	CHECK_ERRNO(bts_config(other, PTRACE_BTS_O_TRACE, 0, 8), ESRCH);
	CHECK_ERRNO(ptrace(PTRACE_BTS_SIZE, other, 0, 0), ESRCH);
	kill(other, SIGKILL);
	waitpid(other, &status, 0);
	pid = start_tracee(0);
	CHECK(ptrace(PTRACE_CONT, pid, 0, 0) == 0, "resume: %s", strerror(errno));
	CHECK_ERRNO(bts_config(pid, PTRACE_BTS_O_TRACE, 0, 8), ESRCH);
	kill(pid, SIGKILL);
	waitpid(pid, &status, __WALL);
}

/* The errno of a file's attach of a branch trace to @pid; 0 if it attached. */
static int file_attach_errno(pid_t pid)
{
	struct utrace_branch_attach a = { .pid = pid, .records = 8 };
	int fd = open("/dev/utrace-branch", O_RDWR | O_CLOEXEC), err;

	if (fd < 0)
		return errno;
	err = ioctl(fd, UTRACE_BRANCH_ATTACH, &a) ? errno : 0;
	close(fd);
	return err;
}

/*
 * Whether a file may attach a branch trace to @pid, tried for up to 5 s:
 * once the tracer's trace has ended (EEXIST until then).
 */
static int file_attaches(pid_t pid)
{
	for (int i = 0; i < 500; i++) {
		int err = file_attach_errno(pid);

		if (!err)
			return 1;
		if (err != EEXIST) {
			KTAP_DIAG("attach: %s", strerror(err));
			return 0;
		}
		usleep(10000);
	}
	return 0;
}

/* Whether @pid sleeps, polled for up to 5 s. */
static int sleeps(pid_t pid)
{
	for (int i = 0; i < 500; i++) {
		if (utd_proc_state(pid) == 'S')
			return 1;
		usleep(10000);
	}
	return 0;
}

/*
 * A tracer that detaches ends its trace then and there: the tracee, asleep
 * in pause(), runs no instruction before a file's trace may be attached,
 * and runs on, no step's trap delivered to it.
 */
static void a_detach_ends_the_trace_at_once(void)
{
	pid_t pid = start_tracee(0);
	int status;

	CHECK(bts_config(pid, PTRACE_BTS_O_TRACE, 0, 8) == 0, "config: %s", strerror(errno));
	CHECK(ptrace(PTRACE_CONT, pid, 0, 0) == 0, "resume: %s", strerror(errno));
	CHECK(sleeps(pid), "the tracee does not sleep");
	CHECK(kill(pid, SIGSTOP) == 0 && wait_for(pid) != -1, "no stop");
	CHECK(file_attach_errno(pid) == EEXIST, "no trace to detach from");
	CHECK(ptrace(PTRACE_DETACH, pid, 0, 0) == 0, "detach: %s", strerror(errno));
	CHECK(file_attach_errno(pid) == 0, "the tracer's trace outlived its detach");
	kill(pid, SIGCONT);
	CHECK(kill(pid, SIGUSR1) == 0 && sleeps(pid), "the tracee does not sleep again");
	CHECK(waitpid(pid, &status, WNOHANG) == 0, "the tracee ended: %#x", status);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
}

/*
 * A tracer that dies, its tracee running on (no PTRACE_O_EXITKILL): the
 * tracer forks the tracee, lets it run into pause(), writes its pid to
 * @fd and dies.  0 if all went well.
 */
static int trace_and_die(int fd, uint64_t records)
{
	pid_t tracer = fork(), tracee;
	int status;

	if (tracer == 0) {
		tracee = start_tracee(0);
		if (ptrace(PTRACE_SETOPTIONS, tracee, 0, 0) ||
		    bts_config(tracee, PTRACE_BTS_O_TRACE, 0, records) ||
		    ptrace(PTRACE_CONT, tracee, 0, 0))
			_exit(10);
		/* Asleep, it runs no instruction a dead tracer's trace would end at. */
		if (!sleeps(tracee))
			_exit(12);
		if (write(fd, &tracee, sizeof(tracee)) != sizeof(tracee))
			_exit(11);
		_exit(0);
	}
	if (waitpid(tracer, &status, 0) != tracer || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/*
 * The tracee of a tracer that configured a trace of @records and died
 * (trace_and_die()), asleep in pause(); -1 if that failed.  The pid comes
 * through a non-blocking pipe: the tracer is gone, and its tracee holds
 * the pipe open.
 */
static pid_t dead_tracers_tracee(uint64_t records)
{
	pid_t tracee = -1;
	int p[2];

	if (pipe2(p, O_NONBLOCK))
		return -1;
	if (trace_and_die(p[1], records) == 0 &&
	    read(p[0], &tracee, sizeof(tracee)) != sizeof(tracee))
		tracee = -1;
	close(p[0]);
	close(p[1]);
	return tracee;
}

/*
 * A dead tracer's trace ends when the tracee next runs, here for a
 * signal (whose report is the engine's first look); until then a file's
 * attach finds it.
 */
static void a_tracer_that_dies_ends_the_trace(void)
{
	pid_t tracee = dead_tracers_tracee(8);

	CHECK(tracee > 0, "the tracer failed");
	if (tracee <= 0)
		return;
	/* In pause(): it runs no instruction, so the trace is still there. */
	CHECK(file_attach_errno(tracee) == EEXIST, "the trace ended before the tracee ran");
	CHECK(kill(tracee, SIGUSR1) == 0, "the tracee is gone: %s", strerror(errno));
	CHECK(file_attaches(tracee), "the dead tracer's trace did not end");
	CHECK(kill(tracee, 0) == 0, "the tracee died: %s", strerror(errno));
	kill(tracee, SIGKILL);
}

/*
 * A new tracer of a tracee whose tracer died, asleep since: its config
 * ends the dead tracer's trace instead of failing with EEXIST.
 */
static void a_new_tracer_replaces_a_dead_tracers_trace(void)
{
	struct utrace_branch_status s;
	pid_t tracee = dead_tracers_tracee(8);
	int status;

	CHECK(tracee > 0, "the tracer failed");
	if (tracee <= 0)
		return;
	CHECK(ptrace(PTRACE_SEIZE, tracee, 0, PTRACE_O_EXITKILL) == 0, "seize: %s",
	      strerror(errno));
	CHECK(ptrace(PTRACE_INTERRUPT, tracee, 0, 0) == 0 && wait_for(tracee) != -1,
	      "interrupt: %s", strerror(errno));
	/* Not this tracer's: none to read, and the file's attach still refused. */
	CHECK_ERRNO(ptrace(PTRACE_BTS_SIZE, tracee, 0, 0), ENODATA);
	CHECK(file_attach_errno(tracee) == EEXIST, "the dead tracer's trace ended early");
	CHECK(bts_config(tracee, PTRACE_BTS_O_TRACE, 0, 16) == 0, "config: %s", strerror(errno));
	s = bts_status(tracee);
	CHECK(s.records == 16, "records %llu", (unsigned long long)s.records);
	kill(tracee, SIGKILL);
	waitpid(tracee, &status, __WALL);
}

/*
 * The buffer is locked memory of the tracer's user: refused over
 * RLIMIT_MEMLOCK with mlock's errors, and held until the trace ends, also
 * when it ends because its tracer died.  Run in a child under a uid of
 * its own (so without CAP_IPC_LOCK, and with a count nobody else adds
 * to), whose limit holds one buffer of 4096 records.  It exits with the
 * number of its first failed check, 0 if none failed.
 */
static void memlock_limit_is_kept(void)
{
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		/* 16 pages: 4096 records. */
		struct rlimit r = { 16 * 4096, 16 * 4096 };
		int check = 0, back = 0;
		pid_t y, x;

#define MUST(cond) do { check++; if (!(cond)) _exit(check); } while (0)
		MUST(!setresgid(4242, 4242, 4242) && !setresuid(4242, 4242, 4242) &&
		     !prctl(PR_SET_DUMPABLE, 1) && !setrlimit(RLIMIT_MEMLOCK, &r));
		y = start_tracee(0);
		/* One page over the limit: ENOMEM, nothing charged. */
		MUST(bts_config(y, PTRACE_BTS_O_TRACE, 0, 4097) == -1 && errno == ENOMEM);
		MUST(bts_config(y, PTRACE_BTS_O_TRACE, 0, 4096) == 0);
		/* Ended, its charge is given back. */
		MUST(bts_config(y, 0, 0, 0) == 0);
		/* A tracer that dies leaves its trace, and the charge, on x. */
		x = dead_tracers_tracee(4096);
		MUST(x > 0);
		MUST(bts_config(y, PTRACE_BTS_O_TRACE, 0, 1) == -1 && errno == ENOMEM);
		/* x runs: its trace ends, and the charge comes back. */
		kill(x, SIGUSR1);
		for (int i = 0; i < 500 && !back; i++) {
			back = bts_config(y, PTRACE_BTS_O_TRACE, 0, 4096) == 0;
			if (!back)
				usleep(10000);
		}
		MUST(back);
		/* A limit of 0: EPERM, as mlock(2). */
		r.rlim_cur = 0;
		MUST(setrlimit(RLIMIT_MEMLOCK, &r) == 0);
		MUST(bts_config(y, 0, 0, 0) == 0);
		MUST(bts_config(y, PTRACE_BTS_O_TRACE, 0, 1) == -1 && errno == EPERM);
#undef MUST
		kill(x, SIGKILL);
		kill(y, SIGKILL);
		_exit(0);
	}
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	      WEXITSTATUS(status) == 0,
	      "the limited tracer: status %#x (exit: the number of its failed check)", status);
}

KTAP_MAIN("guest_ptrace_bts",
	  KTAP_CASE(a_ring_read_at_the_exit_stop_holds_the_known_sequence),
	  KTAP_CASE(a_ring_keeps_the_last_n),
	  KTAP_CASE(a_flow_loses_nothing_across_many_drains),
	  KTAP_CASE(a_flow_not_drained_counts_what_it_loses),
	  KTAP_CASE(a_flow_stops_a_tracee_that_blocks_every_signal),
	  KTAP_CASE(a_flow_with_scheduling_records_loses_nothing),
	  KTAP_CASE(sigkill_at_a_full_buffers_stop),
	  KTAP_CASE(a_config_off_at_a_full_buffers_stop_ends_the_trace),
	  KTAP_CASE(a_detach_at_a_full_buffers_stop_ends_the_trace),
	  KTAP_CASE(config_off_and_clear),
	  KTAP_CASE(refusals),
	  KTAP_CASE(a_detach_ends_the_trace_at_once),
	  KTAP_CASE(a_tracer_that_dies_ends_the_trace),
	  KTAP_CASE(a_new_tracer_replaces_a_dead_tracers_trace),
	  KTAP_CASE(memlock_limit_is_kept))
