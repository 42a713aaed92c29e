// SPDX-License-Identifier: GPL-2.0
/*
 * guest_branch: /dev/utrace-branch, the branch-trace engine
 * (<linux/utrace_branch.h>).
 *
 * A child runs a routine written in assembly (branch_routine.h), whose
 * taken branches are known to the byte: the cases check that the trace
 * holds exactly them, in order, in both modes; that a ring keeps the last N; that a
 * guaranteed flow through a small buffer loses nothing across many
 * drains; that the buffer is charged to RLIMIT_MEMLOCK; that closing the
 * file or SIGKILL ends a wait for a drain; that the branches before a
 * crash stay readable; that the engine stacks with the strace engine;
 * and the refusals.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <ucontext.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include "ptrace.h"
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/userfaultfd.h>
#include <linux/utrace.h>
#include <linux/utrace_branch.h>
#include <linux/utrace_test.h>
#include "kmod.h"
#include "ktap.h"
#include "branch_routine.h"
#include "utrace_test_dev.h"

/*
 * br_svc: a register the kernel keeps across a syscall (x86's r8, arm64's
 * x7) set to 0x77, getpid made, the register returned.
 */
#if defined(__x86_64__)
asm(".text\n"
    ".globl br_svc\n"
    "br_svc:\n"
    "	mov $0x77, %r8\n"
    "	mov $39, %eax\n"
    "	syscall\n"
    "	mov %r8, %rax\n"
    "	ret\n");
#else
asm(".text\n"
    ".balign 4\n"
    ".globl br_svc\n"
    "br_svc:\n"
    "	mov x7, #0x77\n"
    "	mov x8, #172\n"
    "	svc #0\n"
    "	mov x0, x7\n"
    "	ret\n");
#endif
long br_svc(void);

/*
 * br_read_jmp(fd, buf, target): a raw read of one byte from fd into buf,
 * then a jump to target (br_read_jmp_jmp), the first instruction after
 * the syscall; br_read_nops_jmp the same with two nops before the jump.
 * br_nops_exit: 1000 nops, then br_seq_exit(1) (in the
 * routine, from br_nops_jmp).
 */
#if defined(__x86_64__)
asm(".text\n"
    ".globl br_read_jmp\n"
    "br_read_jmp:\n"
    "	mov %rdx, %rbx\n"
    "	mov $1, %edx\n"
    "	xor %eax, %eax\n"
    "	syscall\n"
    ".globl br_read_jmp_jmp\n"
    "br_read_jmp_jmp:\n"
    "	jmp *%rbx\n"
    ".globl br_read_nops_jmp\n"
    "br_read_nops_jmp:\n"
    "	mov %rdx, %rbx\n"
    "	mov $1, %edx\n"
    "	xor %eax, %eax\n"
    "	syscall\n"
    "	nop\n"
    "	nop\n"
    ".globl br_read_nops_jmp_jmp\n"
    "br_read_nops_jmp_jmp:\n"
    "	jmp *%rbx\n");
#else
asm(".text\n"
    ".balign 4\n"
    ".globl br_read_jmp\n"
    "br_read_jmp:\n"
    "	mov x9, x2\n"
    "	mov x2, #1\n"
    "	mov x8, #63\n"
    "	svc #0\n"
    ".globl br_read_jmp_jmp\n"
    "br_read_jmp_jmp:\n"
    "	br x9\n"
    ".globl br_read_nops_jmp\n"
    "br_read_nops_jmp:\n"
    "	mov x9, x2\n"
    "	mov x2, #1\n"
    "	mov x8, #63\n"
    "	svc #0\n"
    "	nop\n"
    "	nop\n"
    ".globl br_read_nops_jmp_jmp\n"
    "br_read_nops_jmp_jmp:\n"
    "	br x9\n");
#endif
void br_read_jmp(int fd, void *buf, void *target);
void br_read_nops_jmp(int fd, void *buf, void *target);
extern char br_read_jmp_jmp[], br_read_nops_jmp_jmp[];

/* How long a case waits for a child, at most (a debug TCG guest). */
#define WAIT_SECONDS 60

/*
 * Whether stepping an exec'd program's static C library start-up fits in
 * WAIT_SECONDS here.  Not in arm64's debug TCG guest: 147,200 steps in 60
 * s (about 400 us each), and the start-up takes more.
 */
#if defined(__x86_64__)
#define STEPS_A_STARTUP 1
#else
#define STEPS_A_STARTUP 0
#endif
#define SLOW_STARTUP_SKIP "arm64's TCG guest steps too slowly for a whole C library start-up"

static int wait_for_waiting(int fd);
static void exec_self(int n);
static void sleep_forever(int unused);

/* The child of the running case, for the diagnostics of a stall. */
static pid_t case_child;

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

/* A child held on a pipe until release() lets it run @fn(@arg). */
struct child {
	pid_t pid;
	int go;
};

static struct child spawn(void (*fn)(int), int arg)
{
	struct child c = { -1, -1 };
	int p[2];
	char x;

	if (pipe2(p, O_CLOEXEC))
		return c;
	c.pid = fork();
	if (c.pid == 0) {
		close(p[1]);
		if (read(p[0], &x, 1) != 1)
			_exit(100);
		fn(arg);
		_exit(101);
	}
	close(p[0]);
	c.go = p[1];
	case_child = c.pid;
	return c;
}

static void release(struct child *c)
{
	CHECK(write(c->go, "g", 1) == 1, "release the child: %s", strerror(errno));
	close(c->go);
	c->go = -1;
}

/* Prints the kernel stack of @pid, for the diagnostics of a stall. */
static void dump_stack_of(pid_t pid)
{
	char path[64], line[256];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stack", pid);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		KTAP_DIAG("stack of %d: %s", pid, strtok(line, "\n"));
	if (f)
		fclose(f);
}

/* Waits up to WAIT_SECONDS for @pid; its status, or -1 (killed then). */
static int wait_child(pid_t pid)
{
	double end = now() + WAIT_SECONDS;
	int status;

	while (now() < end) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid)
			return status;
		if (r < 0)
			return -1;
		usleep(2000);
	}
	KTAP_DIAG("child %d did not end in %d s: killed", pid, WAIT_SECONDS);
	dump_stack_of(pid);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return -1;
}

static int br_open(void)
{
	int fd = open("/dev/utrace-branch", O_RDWR | O_CLOEXEC);

	CHECK(fd >= 0, "open /dev/utrace-branch: %s", strerror(errno));
	return fd;
}

static int br_attach(int fd, pid_t pid, unsigned int flags, uint64_t records)
{
	struct utrace_branch_attach a = {
		.pid = pid, .flags = flags, .records = records,
	};

	return ioctl(fd, UTRACE_BRANCH_ATTACH, &a);
}

static struct utrace_branch_status status_of(int fd)
{
	struct utrace_branch_status s;

	memset(&s, 0xff, sizeof(s));
	CHECK(ioctl(fd, UTRACE_BRANCH_STATUS, &s) == 0, "status: %s", strerror(errno));
	return s;
}

/*
 * Waits up to WAIT_SECONDS until the traced task has stopped for a drain
 * (or its trace ended): a slow reader's first read then finds a full
 * buffer, whatever the relative speed of the two.  A fixed pause before
 * each read did not make sure of it: a cold run's reader kept up with a
 * 34-record flow and its child never stopped.
 */
static void wait_for_a_drain_stop(int fd)
{
	double end = now() + WAIT_SECONDS;

	while (now() < end) {
		struct utrace_branch_status s = status_of(fd);

		if (s.state & (UTRACE_BRANCH_WAITING | UTRACE_BRANCH_ENDED))
			return;
		usleep(1000);
	}
	KTAP_DIAG("the task did not stop for a drain in %d s", WAIT_SECONDS);
}

/*
 * Reads every record until the end of the trace (read returns 0), into
 * @out (room for @max; the rest are read and counted, not kept), sleeping
 * @pause_us before each read (a slow reader); the reads that returned
 * records are counted in *@reads if it is not NULL.  Returns how many
 * records were read, or -1 on an error or a stall of WAIT_SECONDS.
 */
static long read_slowly(int fd, struct utrace_branch *out, long max, int pause_us,
			long *reads)
{
	struct utrace_branch buf[256];
	double end = now() + WAIT_SECONDS;
	long total = 0;

	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (now() > end) {
			struct utrace_branch_status st;

			KTAP_DIAG("the trace did not end in %d s", WAIT_SECONDS);
			if (ioctl(fd, UTRACE_BRANCH_STATUS, &st) == 0)
				KTAP_DIAG("held %llu branches %llu stops %llu steps %llu state %#x",
					  (unsigned long long)st.held,
					  (unsigned long long)st.branches,
					  (unsigned long long)st.stops,
					  (unsigned long long)st.steps, st.state);
			dump_stack_of(case_child);
			return -1;
		}
		if (poll(&p, 1, 1000) <= 0)
			continue;
		if (pause_us)
			usleep(pause_us);
		n = read(fd, buf, sizeof(buf));
		if (n == 0)
			return total;
		if (n < 0 || n % sizeof(buf[0])) {
			KTAP_DIAG("read: %zd (%s)", n, strerror(errno));
			return -1;
		}
		if (reads)
			++*reads;
		for (long i = 0; i < n / (long)sizeof(buf[0]); i++, total++)
			if (total < max)
				out[total] = buf[i];
	}
}

static long read_all(int fd, struct utrace_branch *out, long max)
{
	return read_slowly(fd, out, max, 0, NULL);
}

static void run_seq_exit(int n)
{
	br_seq_exit(n);
}

#define MAX_RECORDS 100000
static struct utrace_branch got[MAX_RECORDS];
static struct utrace_branch want[3 * 1000 + 3];

/*
 * Checks that the routine's records among the @n read into got[] are
 * want[0..m) (got[] keeps MAX_RECORDS at most).
 */
static void check_routine(long n, long m)
{
	check_same(got, routine_only(got, n > MAX_RECORDS ? MAX_RECORDS : n), want, m);
}

/* Records of got[0..n) from an instruction to itself. */
static long self_records(long n)
{
	long self = 0;

	for (long i = 0; i < n && i < MAX_RECORDS; i++)
		self += got[i].from == got[i].to;
	return self;
}

/* Lets @c go and waits for it to exit with 0. */
static void run_to_exit(struct child *c)
{
	int status;

	release(c);
	status = wait_child(c->pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %#x", status);
}

/*
 * Overwrite mode with room to spare: the routine's branches are all
 * there, exactly, in order, and the trace ends with the task.
 */
static void ring_holds_the_known_sequence(void)
{
	int fd = br_open();
	struct child c = spawn(run_seq_exit, 5);
	struct utrace_branch_status s;
	long n, m;

	CHECK(br_attach(fd, c.pid, 0, 1 << 16) == 0, "attach: %s", strerror(errno));
	s = status_of(fd);
	CHECK(s.records == 1 << 16 && s.state & UTRACE_BRANCH_STARTED &&
	      !(s.state & UTRACE_BRANCH_ENDED), "records %llu state %#x",
	      (unsigned long long)s.records, s.state);
	run_to_exit(&c);
	n = read_all(fd, got, MAX_RECORDS);
	s = status_of(fd);
	CHECK(s.state & UTRACE_BRANCH_ENDED, "state %#x", s.state);
	CHECK(n > 0 && (uint64_t)n == s.branches && s.overwritten == 0 && s.held == 0,
	      "read %ld, branches %llu overwritten %llu held %llu", n,
	      (unsigned long long)s.branches, (unsigned long long)s.overwritten,
	      (unsigned long long)s.held);
	CHECK(s.steps > (uint64_t)n, "%llu steps for %ld branches",
	      (unsigned long long)s.steps, n);
	m = expected_seq_exit(5, want);
	check_routine(n, m);
	close(fd);
}

/* A ring of 4 keeps the last 4 branches: the routine's last ones. */
static void ring_keeps_the_last_n(void)
{
	int fd = br_open();
	struct child c = spawn(run_seq_exit, 50);
	struct utrace_branch_status s;
	long n, m;

	CHECK(br_attach(fd, c.pid, 0, 4) == 0, "attach: %s", strerror(errno));
	run_to_exit(&c);
	n = read_all(fd, got, MAX_RECORDS);
	s = status_of(fd);
	m = expected_seq_exit(50, want);
	CHECK(n == 4, "read %ld records", n);
	check_same(got, n, want + m - 4, 4);
	CHECK(s.overwritten == s.branches - 4 && s.branches >= (uint64_t)m,
	      "branches %llu overwritten %llu", (unsigned long long)s.branches,
	      (unsigned long long)s.overwritten);
	close(fd);
}

/*
 * Guaranteed flow through 8 records, read by a slow reader: the child
 * stops when they are full, the reader drains them, and across the many
 * drains no record is lost: the routine's 603 branches are all there, in
 * order.
 */
static void flow_loses_nothing_across_many_drains(void)
{
	int fd = br_open();
	struct child c = spawn(run_seq_exit, 200);
	struct utrace_branch_status s;
	long n, m, reads = 0;
	int status;

	CHECK(br_attach(fd, c.pid, UTRACE_BRANCH_FLOW, 8) == 0, "attach: %s",
	      strerror(errno));
	release(&c);
	wait_for_a_drain_stop(fd);
	n = read_slowly(fd, got, MAX_RECORDS, 20 * 1000, &reads);
	status = wait_child(c.pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %#x", status);
	s = status_of(fd);
	m = expected_seq_exit(200, want);
	CHECK(n > 0 && (uint64_t)n == s.branches && s.overwritten == 0,
	      "read %ld, branches %llu, lost %llu", n,
	      (unsigned long long)s.branches, (unsigned long long)s.overwritten);
	/*
	 * Each stop is a full buffer of new records, and only a read ends
	 * one (a read may deliver more than 8: the task it resumes refills
	 * the buffer while the read goes on, as arm64's guest saw, 75 reads
	 * for 608 records).
	 */
	CHECK(s.stops >= 1 && s.stops <= (uint64_t)n / 8 && reads >= (long)s.stops,
	      "%llu stops, %ld reads for %ld records", (unsigned long long)s.stops,
	      reads, n);
	KTAP_DIAG("%ld records in %ld reads, %llu stops for a drain", n, reads,
		  (unsigned long long)s.stops);
	check_routine(n, m);
	close(fd);
}

/*
 * Guaranteed flow through 4 records, read through a buffer whose second
 * record lies on an unmapped page: each read copies one record and
 * leaves the rest.  None is lost or read twice, though the task fills
 * the room each read makes while the reader copies.
 */
static void flow_reads_that_fault_lose_nothing(void)
{
	long page = sysconf(_SC_PAGESIZE), n = 0, m, faults = 0;
	struct child c = spawn(run_seq_exit, 60);
	int fd = br_open();
	struct utrace_branch_status s;
	char *map = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct utrace_branch *one = (void *)(map + page - sizeof(*one));
	double end = now() + WAIT_SECONDS;
	int status;

	CHECK(map != MAP_FAILED && !mprotect(map + page, page, PROT_NONE), "mmap");
	CHECK(br_attach(fd, c.pid, UTRACE_BRANCH_FLOW, 4) == 0, "attach: %s",
	      strerror(errno));
	release(&c);
	while (now() < end && n < MAX_RECORDS) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t r;

		if (poll(&p, 1, 1000) <= 0)
			continue;
		r = read(fd, one, 4 * sizeof(*one));
		if (r == 0)
			break;
		if (r != sizeof(*one)) {
			CHECK(0, "read: %zd (%s)", r, strerror(errno));
			break;
		}
		got[n++] = *one;
		faults++;
	}
	status = wait_child(c.pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %#x", status);
	s = status_of(fd);
	CHECK((uint64_t)n == s.branches && s.overwritten == 0 && s.held == 0,
	      "read %ld, branches %llu, lost %llu, held %llu", n,
	      (unsigned long long)s.branches, (unsigned long long)s.overwritten,
	      (unsigned long long)s.held);
	KTAP_DIAG("%ld records in %ld reads of one, %llu stops", n, faults,
		  (unsigned long long)s.stops);
	m = expected_seq_exit(60, want);
	check_same(got, routine_only(got, n), want, m);
	munmap(map, 2 * page);
	close(fd);
}

/*
 * Guaranteed flow through 1 record with a reader that never pauses: the
 * task stops at every record and the reader resumes it at once, often
 * while the task is still in the report that asked for the stop.  Three
 * runs; each loses nothing (engine-core once took a kick there without
 * the step asked with it, and the task ran on unstepped).
 */
static void flow_with_a_fast_reader_loses_nothing(void)
{
	for (int run = 0; run < 3; run++) {
		struct child c = spawn(run_seq_exit, 150);
		int fd = br_open();
		struct utrace_branch_status s;
		long n, m;
		int status;

		CHECK(br_attach(fd, c.pid, UTRACE_BRANCH_FLOW, 1) == 0, "attach: %s",
		      strerror(errno));
		release(&c);
		n = read_all(fd, got, MAX_RECORDS);
		status = wait_child(c.pid);
		CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %#x", status);
		s = status_of(fd);
		m = expected_seq_exit(150, want);
		CHECK(n == (long)s.branches && s.overwritten == 0, "run %d: read %ld of %llu", run,
		      n, (unsigned long long)s.branches);
		check_routine(n, m);
		close(fd);
		if (ktap_case_failed)
			break;
	}
}

static void on_sigill(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;

	(void)sig;
	(void)si;
#if defined(__x86_64__)
	uc->uc_mcontext.gregs[REG_RIP] += 2;	/* over the ud2 */
#else
	uc->uc_mcontext.pc += 4;		/* over the udf */
#endif
}

static void run_ud2(int unused)
{
	struct sigaction sa = { .sa_sigaction = on_sigill, .sa_flags = SA_SIGINFO };

	(void)unused;
	sigaction(SIGILL, &sa, NULL);
	br_ud2();
}

/*
 * A fault the program handles: the entry into its handler is a branch
 * from the faulting instruction, and the trace goes on through the
 * handler and after it (the routine's branches are all there).
 */
static void a_handled_fault_is_a_branch_and_the_trace_goes_on(void)
{
	struct child c = spawn(run_ud2, 0);
	int fd = br_open();
	long n, m, found = 0;

	CHECK(br_attach(fd, c.pid, 0, 1 << 16) == 0, "attach: %s", strerror(errno));
	run_to_exit(&c);
	n = read_all(fd, got, MAX_RECORDS);
	for (long i = 0; i < n && i < MAX_RECORDS; i++)
		found += got[i].from == A(br_ud2) && got[i].to == A(on_sigill);
	CHECK(found == 1, "%ld records br_ud2 -> on_sigill", found);
	want[0] = (struct utrace_branch){ A(br_ud2), A(on_sigill) };
	m = 1 + expected_jmp_seq_exit(br_ud2_jmp, 5, want + 1);
	check_routine(n, m);
	close(fd);
}

static void run_svc(int unused)
{
	(void)unused;
	_exit(br_svc() == 0x77 ? 0 : 7);
}

/*
 * A syscall stepped over keeps the program's registers (ptrace's
 * syscall-exit stop writes arm64's x7 for the tracer while it lasts; the
 * step's trap at the syscall's exit is the engine's, and no stop).
 */
static void a_stepped_syscall_keeps_the_programs_registers(void)
{
	struct child c = spawn(run_svc, 0);
	int fd = br_open();

	CHECK(br_attach(fd, c.pid, 0, 1 << 16) == 0, "attach: %s", strerror(errno));
	run_to_exit(&c);
	close(fd);
}

static void on_usr1(int sig)
{
	(void)sig;
}

/*
 * A signal the program handles, sent while the task waits for a drain:
 * the trace goes on after the handler, and loses nothing.
 */
static void a_signal_during_a_wait_for_a_drain_keeps_the_trace(void)
{
	struct child c;
	int fd, status;
	struct utrace_branch_status s;
	long n, m;

	/* Installed before the fork: the child has it from its first step. */
	signal(SIGUSR1, on_usr1);
	c = spawn(run_seq_exit, 100);
	signal(SIGUSR1, SIG_DFL);
	fd = br_open();

	CHECK(br_attach(fd, c.pid, UTRACE_BRANCH_FLOW, 2) == 0, "attach: %s",
	      strerror(errno));
	release(&c);
	CHECK(wait_for_waiting(fd), "the task never waited for a drain");
	CHECK(kill(c.pid, SIGUSR1) == 0, "kill");
	n = read_all(fd, got, MAX_RECORDS);
	status = wait_child(c.pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %#x", status);
	s = status_of(fd);
	CHECK(n == (long)s.branches && s.overwritten == 0, "read %ld of %llu", n,
	      (unsigned long long)s.branches);
	m = expected_seq_exit(100, want);
	check_routine(n, m);
	close(fd);
}

#if defined(__x86_64__)
static char rep_buf[4096];

static void run_rep(int n)
{
	br_rep_exit(n, rep_buf);
}
#endif

/*
 * A REP string instruction traps at each iteration without moving: no
 * record of it (4096 iterations), and the branches around it are exact.
 */
static void a_rep_instruction_is_no_branch(void)
{
#if defined(__x86_64__)
	struct child c = spawn(run_rep, 3);
	int fd = br_open();
	long n, m, self;

	CHECK(br_attach(fd, c.pid, 0, 1 << 16) == 0, "attach: %s", strerror(errno));
	run_to_exit(&c);
	n = read_all(fd, got, MAX_RECORDS);
	self = self_records(n);
	CHECK(self == 0, "%ld records from an instruction to itself (br_rep %#llx)", self,
	      (unsigned long long)A(br_rep));
	m = expected_jmp_seq_exit(br_rep_jmp, 3, want);
	check_routine(n, m);
	close(fd);
#else
	KTAP_SKIP("x86's: REP string instructions");
#endif
}

/*
 * An exec while the trace runs (not UTRACE_BRANCH_FROM_EXEC): the trace
 * goes on in the new program, and the trap at its entry is no branch.
 */
static void an_exec_during_the_trace_goes_on_in_the_new_program(void)
{
	if (!STEPS_A_STARTUP) {
		KTAP_SKIP(SLOW_STARTUP_SKIP);
		return;
	}
	{
		struct child c = spawn(exec_self, 2);
		int fd = br_open();
		long n, m, self;

		CHECK(br_attach(fd, c.pid, 0, 1 << 20) == 0, "attach: %s", strerror(errno));
		run_to_exit(&c);
		n = read_all(fd, got, MAX_RECORDS);
		self = self_records(n);
		CHECK(self == 0, "%ld records from an instruction to itself", self);
		m = expected_seq_exit(2, want);
		check_routine(n, m);
		close(fd);
	}
}

/*
 * A tracer that attaches after the trace gets its own single-step trap,
 * and the trace goes on (it ended there before the tracer's steps and the
 * engine's were told apart).
 */
static void a_later_tracer_gets_its_step_trap(void)
{
	struct child c = spawn(sleep_forever, 0);
	int fd = br_open();
	double end;
	int status = 0, stopped = 0;

	CHECK(br_attach(fd, c.pid, 0, 64) == 0, "attach: %s", strerror(errno));
	release(&c);
	usleep(100 * 1000);
	CHECK(ptrace(PTRACE_SEIZE, c.pid, 0, 0) == 0, "seize: %s", strerror(errno));
	CHECK(ptrace(PTRACE_INTERRUPT, c.pid, 0, 0) == 0, "interrupt: %s", strerror(errno));
	CHECK(waitpid(c.pid, &status, 0) == c.pid && WIFSTOPPED(status), "stop %#x", status);
	CHECK(ptrace(PTRACE_SINGLESTEP, c.pid, 0, 0) == 0, "singlestep: %s", strerror(errno));
	for (end = now() + 5; now() < end && !stopped; usleep(2000))
		stopped = waitpid(c.pid, &status, WNOHANG) == c.pid;
	CHECK(stopped && WIFSTOPPED(status) && WSTOPSIG(status) == SIGTRAP,
	      "no SIGTRAP stop for the tracer's step (status %#x)", status);
	CHECK(!(status_of(fd).state & UTRACE_BRANCH_ENDED), "the trace ended");
	kill(c.pid, SIGKILL);
	waitpid(c.pid, &status, 0);
	close(fd);
}

/* A syscall stepped over, then br_seq_exit(@n). */
static void run_getppid_seq_exit(int n)
{
	syscall(SYS_getppid);
	br_seq_exit(n);
}

/*
 * Seizes @c for this process (@opts, and PTRACE_O_EXITKILL) and starts a
 * trace of it on a new file, the trace first if @trace_first; the file.
 */
static int seize_and_trace(struct child *c, int opts, int trace_first)
{
	int fd = br_open();

	if (trace_first)
		CHECK(br_attach(fd, c->pid, 0, 1 << 16) == 0, "attach: %s", strerror(errno));
	CHECK(ptrace(PTRACE_SEIZE, c->pid, 0, opts | PTRACE_O_EXITKILL) == 0, "seize: %s",
	      strerror(errno));
	if (!trace_first)
		CHECK(br_attach(fd, c->pid, 0, 1 << 16) == 0, "attach: %s", strerror(errno));
	return fd;
}

/*
 * Reads the trace of @fd into got[] and checks that it has br_seq_exit(@n)'s
 * routine exactly; how many records it read.
 */
static long check_seq_trace(int fd, int n)
{
	long got_n = read_all(fd, got, MAX_RECORDS);

	check_routine(got_n, expected_seq_exit(n, want));
	return got_n;
}

/* What a tracer saw of its tracee, to its exit. */
struct tracer_view {
	int entries, exits, traps, other, status, emulated;
	uint64_t emulated_ip; /* the IP after the emulated call's instruction */
	int unpaired; /* an exit stop without its entry before it */
};

/*
 * The last status of a tracee its tracer waited for (@status): if that is
 * not its end (a stop, or the wait gave up), it is killed and reaped, and
 * that is its last status.
 */
static int end_tracee(pid_t pid, int status)
{
	if (!WIFEXITED(status) && !WIFSIGNALED(status)) {
		KTAP_DIAG("the tracee did not end: status %#x", status);
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
	}
	return status;
}

/* trace_to_exit()'s ways with the tracee's other signals. */
enum { PASS_SIGNALS, DROP_SIGNALS, EMULATE_SYSCALLS };

/*
 * Traces @c (seized already, held on its pipe) to its exit: releases it
 * from an interrupt stop and resumes every stop with @request (counting
 * syscall stops by PTRACE_GET_SYSCALL_INFO and SIGTRAP signal stops;
 * other signals passed on or dropped, as @how says; with EMULATE_SYSCALLS
 * the call after the pipe's read is skipped by PTRACE_SYSEMU, the others
 * run under PTRACE_SYSCALL).
 */
static struct tracer_view trace_to_exit_as(struct child *c, int request, int how)
{
	struct tracer_view v = { 0 };
	int status, in_call = 0, emulate_next = 0;
	double end = now() + WAIT_SECONDS;

	CHECK(ptrace(PTRACE_INTERRUPT, c->pid, 0, 0) == 0, "interrupt: %s", strerror(errno));
	CHECK(waitpid(c->pid, &status, 0) == c->pid && WIFSTOPPED(status), "stop %#x", status);
	release(c);
	if (how == EMULATE_SYSCALLS)
		request = PTRACE_SYSCALL;
	CHECK(ptrace(request, c->pid, 0, 0) == 0, "resume: %s", strerror(errno));
	while (now() < end) {
		struct ptrace_syscall_info info;
		int sig = 0;

		if (waitpid(c->pid, &status, 0) != c->pid)
			break;
		if (WIFEXITED(status) || WIFSIGNALED(status))
			break;
		if (WSTOPSIG(status) == (SIGTRAP | 0x80)) {
			memset(&info, 0, sizeof(info));
			ptrace(PTRACE_GET_SYSCALL_INFO, c->pid, sizeof(info), &info);
			if (info.op == PTRACE_SYSCALL_INFO_ENTRY) {
				v.entries++;
				in_call = !emulate_next;
				if (emulate_next) {
					v.emulated++;
					v.emulated_ip = info.instruction_pointer;
					emulate_next = 0;
				}
			} else if (info.op == PTRACE_SYSCALL_INFO_EXIT) {
				/* The pipe's read got its byte: emulate the next. */
				if (how == EMULATE_SYSCALLS && info.exit.rval == 1 && !v.emulated)
					emulate_next = 1;
				v.exits++;
				v.unpaired += !in_call;
				in_call = 0;
			}
		} else if (WSTOPSIG(status) == SIGTRAP && status >> 16 == 0) {
			v.traps++;
		} else if (status >> 16 == 0) {
			v.other++;
			sig = how == DROP_SIGNALS ? 0 : WSTOPSIG(status);
		}
		ptrace(emulate_next ? PTRACE_SYSEMU : request, c->pid, 0, sig);
	}
	v.status = status;
	end_tracee(c->pid, status);
	return v;
}

static struct tracer_view trace_to_exit(struct child *c, int request)
{
	return trace_to_exit_as(c, request, PASS_SIGNALS);
}

/* A signal handled (or dropped by a tracer), then br_seq_exit(@n). */
static void run_usr1_seq_exit(int n)
{
	signal(SIGUSR1, on_usr1);
	raise(SIGUSR1);
	br_seq_exit(n);
}

/*
 * A tracer attached before the trace, so its signal stop comes before the
 * engine's report, that passes a signal on (@drop 0: the program handles
 * it) or drops it: the trace still has the routine, after the signal,
 * exactly, and the tracer gets no SIGTRAP stop. The review found a
 * dropped signal ended the trace's stepping for good (the engine never
 * heard of it, so never asked for its next step), and a handled one gave
 * the tracer the SIGTRAP of a step into the handler it did not take.
 */
static void a_tracers_signal_and_the_trace(int drop)
{
	struct child c = spawn(run_usr1_seq_exit, 5);
	int fd;
	struct tracer_view v;

	fd = seize_and_trace(&c, PTRACE_O_TRACESYSGOOD, 0);
	v = trace_to_exit_as(&c, PTRACE_CONT, drop ? DROP_SIGNALS : PASS_SIGNALS);
	KTAP_DIAG("the tracer saw %d SIGTRAPs, %d other signals", v.traps, v.other);
	CHECK(WIFEXITED(v.status) && WEXITSTATUS(v.status) == 0, "status %#x", v.status);
	CHECK(v.traps == 0 && v.other == 1, "%d SIGTRAP stops, %d other", v.traps, v.other);
	check_seq_trace(fd, 5);
	close(fd);
}

static void a_signal_a_tracer_drops_leaves_the_trace_stepping(void)
{
	a_tracers_signal_and_the_trace(1);
}

static void a_handled_signal_gives_the_tracer_no_step_trap(void)
{
	a_tracers_signal_and_the_trace(0);
}

static volatile int spin_flag;

/* Spins until its tracer sets spin_flag, then br_seq_exit(@n). */
static void run_spin_seq_exit(int n)
{
	signal(SIGUSR1, on_usr1);
	while (!spin_flag)
		;
	br_seq_exit(n);
}

/*
 * The same with a signal that comes while the trace steps a loop (as a
 * breakpoint or a kill comes to a debugged program): the tracer, attached
 * before the trace, drops it (@drop) or passes it on to the program's
 * handler, and lets the loop end.
 */
static void a_tracers_async_signal_and_the_trace(int drop)
{
	struct child c = spawn(run_spin_seq_exit, 5);
	int fd, status = 0, stops = 0, traps = 0;
	double end = now() + WAIT_SECONDS;

	fd = seize_and_trace(&c, 0, 0);
	release(&c);
	/*
	 * Its handler first: stepped through signal(), the child may take
	 * longer than a fixed pause to install it (a cold start once did),
	 * and a SIGUSR1 passed on before it kills the child.
	 */
	while (now() < end && !utd_catches(c.pid, SIGUSR1))
		usleep(10 * 1000);
	CHECK(utd_catches(c.pid, SIGUSR1), "the child has no SIGUSR1 handler");
	usleep(100 * 1000);
	CHECK(kill(c.pid, SIGUSR1) == 0, "kill: %s", strerror(errno));
	while (now() < end && waitpid(c.pid, &status, 0) == c.pid && WIFSTOPPED(status)) {
		int sig = WSTOPSIG(status);

		if (sig == SIGUSR1 && !stops++) {
			errno = 0;
			ptrace(PTRACE_POKEDATA, c.pid, (void *)&spin_flag, (void *)1L);
			CHECK(errno == 0, "poke: %s", strerror(errno));
		}
		traps += sig == SIGTRAP;
		ptrace(PTRACE_CONT, c.pid, 0, drop || sig == SIGTRAP ? 0 : sig);
	}
	KTAP_DIAG("the tracer saw %d SIGUSR1 stops, %d SIGTRAPs", stops, traps);
	status = end_tracee(c.pid, status);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %#x", status);
	CHECK(stops == 1 && traps == 0, "%d SIGUSR1 stops, %d SIGTRAPs", stops, traps);
	check_seq_trace(fd, 5);
	close(fd);
}

/*
 * A breakpoint instruction, as a debugger plants, then br_seq_exit(@n);
 * the program handles SIGUSR1.
 */
static void run_bkpt_seq_exit(int n)
{
	signal(SIGUSR1, on_usr1);
#if defined(__x86_64__)
	__asm__ volatile(".globl br_bkpt_insn\nbr_bkpt_insn:\n\tint3");
#else
	__asm__ volatile(".globl br_bkpt_insn\nbr_bkpt_insn:\n\tbrk #0");
#endif
	br_seq_exit(n);
}

extern char br_bkpt_insn[];

/* Moves a tracee stopped at a brk past it (x86's int3 trap is past it). */
static void skip_bkpt(pid_t pid)
{
#if defined(__aarch64__)
	struct user_pt_regs regs;
	struct iovec io = { &regs, sizeof(regs) };

	CHECK(ptrace(PTRACE_GETREGSET, pid, (void *)NT_PRSTATUS, &io) == 0, "getregset: %s",
	      strerror(errno));
	regs.pc += 4;
	CHECK(ptrace(PTRACE_SETREGSET, pid, (void *)NT_PRSTATUS, &io) == 0, "setregset: %s",
	      strerror(errno));
#else
	(void)pid;
#endif
}

/*
 * A breakpoint's SIGTRAP (not a step's) in a task a tracer traces, the
 * tracer attached before the trace: the tracer gets it, drops it as a
 * debugger does (@pass 0) or delivers SIGUSR1 instead, to the program's
 * handler, and the trace goes on through the routine exactly; the tracer
 * gets no other stop.  The review found the step ended at a dropped
 * signal's report, which the engine never got after the tracer's (so
 * never asked for its next step): the first case failed so.  (It also
 * found that an engine's step armed when the task enters a handler makes
 * a SIGTRAP stop for the tracer; the second case does not reach that: the
 * engine hears of the signal the tracer delivers, and its next step is
 * taken after the handler's frame is set up.)
 */
static void a_breakpoint_and_the_trace(int pass)
{
	struct child c = spawn(run_bkpt_seq_exit, pass ? 5 : 4);
	int fd, status = 0, bkpts = 0, others = 0;
	double end = now() + WAIT_SECONDS;
	long n;

	fd = seize_and_trace(&c, 0, 0);
	release(&c);
	while (now() < end && waitpid(c.pid, &status, 0) == c.pid && WIFSTOPPED(status)) {
		siginfo_t si;
		int sig = 0;

		memset(&si, 0, sizeof(si));
		ptrace(PTRACE_GETSIGINFO, c.pid, 0, &si);
		if (WSTOPSIG(status) == SIGTRAP && (si.si_code == SI_KERNEL ||
						    si.si_code == TRAP_BRKPT)) {
			bkpts++;
			skip_bkpt(c.pid);
			sig = pass ? SIGUSR1 : 0;
		} else {
			others++;
		}
		ptrace(PTRACE_CONT, c.pid, 0, sig);
	}
	KTAP_DIAG("the tracer saw %d breakpoints, %d other stops", bkpts, others);
	status = end_tracee(c.pid, status);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %#x", status);
	CHECK(bkpts == 1 && others == 0, "%d breakpoints, %d other stops", bkpts, others);
	n = check_seq_trace(fd, pass ? 5 : 4);
	/* The breakpoint is no branch: the step after it starts after it. */
	for (long i = 0; i < n && i < MAX_RECORDS; i++)
		CHECK(got[i].from != A(br_bkpt_insn), "a record from the breakpoint: %#llx -> %#llx",
		      (unsigned long long)got[i].from, (unsigned long long)got[i].to);
	close(fd);
}

static void a_breakpoint_the_tracer_drops_leaves_the_trace_stepping(void)
{
	a_breakpoint_and_the_trace(0);
}

static void a_signal_the_tracer_delivers_instead_leaves_the_trace_exact(void)
{
	a_breakpoint_and_the_trace(1);
}

static void a_kill_a_tracer_drops_leaves_the_trace_stepping(void)
{
	a_tracers_async_signal_and_the_trace(1);
}

static void a_kill_into_a_handler_gives_the_tracer_no_step_trap(void)
{
	a_tracers_async_signal_and_the_trace(0);
}

/*
 * A tracer that emulates a call (PTRACE_SYSEMU, as UML does), getppid,
 * under a trace: no record comes from the call's instruction (the review
 * found the step over an emulated call trapped one instruction late: a
 * false branch from it), the trace has the routine exactly, and the
 * tracer gets no SIGTRAP.
 */
static void an_emulating_tracer_and_the_trace(void)
{
	struct child c = spawn(run_getppid_seq_exit, 5);
	int fd;
	struct tracer_view v;
	long n;

	fd = seize_and_trace(&c, PTRACE_O_TRACESYSGOOD, 0);
	v = trace_to_exit_as(&c, PTRACE_SYSCALL, EMULATE_SYSCALLS);
	KTAP_DIAG("the tracer emulated %d call, saw %d SIGTRAPs", v.emulated, v.traps);
	CHECK(WIFEXITED(v.status) && WEXITSTATUS(v.status) == 0, "status %#x", v.status);
	CHECK(v.emulated == 1 && v.traps == 0 && v.other == 0,
	      "%d emulated, %d SIGTRAP stops, %d other", v.emulated, v.traps, v.other);
	n = check_seq_trace(fd, 5);
	for (long i = 0; i < n && i < MAX_RECORDS; i++)
		CHECK(got[i].from < v.emulated_ip - 4 || got[i].from >= v.emulated_ip,
		      "a record from the emulated call: %#llx -> %#llx",
		      (unsigned long long)got[i].from, (unsigned long long)got[i].to);
	close(fd);
}

/*
 * A tracer that makes every syscall stop and never steps (strace -p), and
 * a trace of the same task, attached before it (@trace_first) or after
 * it: the tracer gets every syscall stop, entry and exit, and never a
 * step's SIGTRAP (the traps are the trace's, and the exit of a stepped
 * syscall, getppid's, is still a syscall-exit stop); the trace has the
 * routine exactly (the tracer's resumes leave the stepping on).
 */
static void a_syscall_tracer_and_the_trace(int trace_first)
{
	struct child c = spawn(run_getppid_seq_exit, 5);
	int fd = seize_and_trace(&c, PTRACE_O_TRACESYSGOOD, trace_first);
	struct tracer_view v;
	v = trace_to_exit(&c, PTRACE_SYSCALL);
	KTAP_DIAG("the tracer saw %d entries, %d exits, %d SIGTRAPs, %d other signals",
		  v.entries, v.exits, v.traps, v.other);
	CHECK(WIFEXITED(v.status) && WEXITSTATUS(v.status) == 0, "status %#x", v.status);
	CHECK(v.traps == 0 && v.other == 0, "%d SIGTRAP stops, %d other", v.traps, v.other);
	/* The pipe's read, getppid, then exit_group, which does not return. */
	CHECK(v.entries >= 3 && v.exits == v.entries - 1 && v.unpaired == 0,
	      "%d entries, %d exits, %d unpaired", v.entries, v.exits, v.unpaired);
	check_seq_trace(fd, 5);
	close(fd);
}

static void a_syscall_tracer_inside_the_trace(void)
{
	a_syscall_tracer_and_the_trace(0);
}

static void a_syscall_tracer_outside_the_trace(void)
{
	a_syscall_tracer_and_the_trace(1);
}

/*
 * A tracer that single-steps its tracee to its exit while a trace records
 * it: the tracer gets a SIGTRAP stop for each of its steps (none dropped
 * by the trace, which steps too), and the trace still has the routine
 * exactly.
 */
static void a_stepping_tracer_and_the_trace(void)
{
	struct child c = spawn(run_seq_exit, 5);
	int fd;
	struct utrace_branch_status s;
	struct tracer_view v;

	fd = seize_and_trace(&c, PTRACE_O_TRACESYSGOOD, 1);
	v = trace_to_exit(&c, PTRACE_SINGLESTEP);
	s = status_of(fd);
	KTAP_DIAG("the tracer saw %d SIGTRAPs, the trace %llu steps", v.traps,
		  (unsigned long long)s.steps);
	CHECK(WIFEXITED(v.status) && WEXITSTATUS(v.status) == 0, "status %#x", v.status);
	/* The routine alone is some 30 instructions: each one a tracer's stop. */
	CHECK(v.traps >= 30 && v.other == 0, "%d SIGTRAP stops, %d other", v.traps, v.other);
	check_seq_trace(fd, 5);
	close(fd);
}

/* Waits until the trace of @fd waits for a drain; whether it did. */
static int wait_for_waiting(int fd)
{
	double end = now() + WAIT_SECONDS;

	while (now() < end) {
		if (status_of(fd).state & UTRACE_BRANCH_WAITING)
			return 1;
		usleep(2000);
	}
	return 0;
}

/* The state letter of /proc/@pid/stat. */
static char proc_state(pid_t pid)
{
	char path[64], buf[512], *p;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return '?';
	p = fgets(buf, sizeof(buf), f) ? strrchr(buf, ')') : NULL;
	fclose(f);
	return p && p[1] == ' ' ? p[2] : '?';
}

/*
 * Closing the file while the task waits for a drain detaches the engine
 * and lets it go: it runs to its end.
 */
static void close_lets_a_waiting_task_go(void)
{
	/* Forked first: a child holding the file would keep it open. */
	struct child c = spawn(run_seq_exit, 100);
	int fd = br_open();
	int status;

	CHECK(br_attach(fd, c.pid, UTRACE_BRANCH_FLOW, 2) == 0, "attach: %s",
	      strerror(errno));
	release(&c);
	CHECK(wait_for_waiting(fd), "the task never waited for a drain");
	usleep(100 * 1000);
	CHECK(status_of(fd).state & UTRACE_BRANCH_WAITING, "no longer waiting");
	CHECK(waitpid(c.pid, &status, WNOHANG) == 0, "the child ended while waiting");
	close(fd);
	status = wait_child(c.pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %#x", status);
}

/*
 * SIGKILL ends a wait for a drain; the records taken before stay
 * readable, and the trace ends.
 */
static void sigkill_ends_a_wait_for_a_drain(void)
{
	int fd = br_open();
	struct child c = spawn(run_seq_exit, 100);
	struct utrace_branch_status s;
	long n;
	int status;

	CHECK(br_attach(fd, c.pid, UTRACE_BRANCH_FLOW, 3) == 0, "attach: %s",
	      strerror(errno));
	release(&c);
	CHECK(wait_for_waiting(fd), "the task never waited for a drain");
	CHECK(proc_state(c.pid) != 'R', "the waiting task runs");
	CHECK(kill(c.pid, SIGKILL) == 0, "kill");
	status = wait_child(c.pid);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "status %#x", status);
	n = read_all(fd, got, MAX_RECORDS);
	s = status_of(fd);
	CHECK(n == 3 && s.state & UTRACE_BRANCH_ENDED && !(s.state & UTRACE_BRANCH_WAITING),
	      "read %ld, state %#x", n, s.state);
	close(fd);
}

static void run_crash(int unused)
{
	(void)unused;
	br_crash();
}

/*
 * A call through a null pointer: the last branch recorded is that call,
 * to address 0, and it is readable after the task died of SIGSEGV.
 */
static void the_branch_before_a_crash_is_readable(void)
{
	int fd = br_open();
	struct child c = spawn(run_crash, 0);
	long n;
	int status;

	CHECK(br_attach(fd, c.pid, 0, 16) == 0, "attach: %s", strerror(errno));
	release(&c);
	status = wait_child(c.pid);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV, "status %#x", status);
	n = read_all(fd, got, 16);
	CHECK(n >= 2, "%ld records", n);
	if (n >= 2) {
		CHECK(got[n - 1].from == A(br_crash_call) && got[n - 1].to == 0,
		      "last %#llx -> %#llx", (unsigned long long)got[n - 1].from,
		      (unsigned long long)got[n - 1].to);
		CHECK(got[n - 2].to == A((void *)br_crash), "the call of br_crash: %#llx -> %#llx",
		      (unsigned long long)got[n - 2].from, (unsigned long long)got[n - 2].to);
	}
	close(fd);
}

/*
 * With the strace engine of /dev/utrace on the same task: both traces
 * are whole (the strace line of the exit_group, the exact branches).
 */
static void stacked_with_strace(void)
{
	int fd = br_open(), sfd = open("/dev/utrace", O_RDWR | O_CLOEXEC);
	struct utrace_strace_attach sa = { 0 };
	struct child c = spawn(run_seq_exit, 3);
	/*
	 * Room for every line: the strace engine, attached first, hears each
	 * of the branch engine's step traps before the branch engine takes it
	 * (a "--- SIGTRAP" line a step; 8 KiB ended before exit_group's line
	 * on arm64 once).
	 */
	static char text[65536];
	long n, m, len = 0;

	CHECK(sfd >= 0, "open /dev/utrace: %s", strerror(errno));
	sa.pid = c.pid;
	CHECK(ioctl(sfd, UTRACE_ATTACH_STRACE, &sa) >= 0, "strace attach: %s", strerror(errno));
	CHECK(br_attach(fd, c.pid, 0, 4096) == 0, "attach: %s", strerror(errno));
	run_to_exit(&c);
	n = read_all(fd, got, MAX_RECORDS);
	m = expected_seq_exit(3, want);
	check_routine(n, m);
	for (;;) {
		struct pollfd p = { .fd = sfd, .events = POLLIN };
		ssize_t r;

		if (poll(&p, 1, 5000) <= 0)
			break;
		r = read(sfd, text + len, sizeof(text) - 1 - len);
		if (r <= 0)
			break;
		len += r;
	}
	text[len] = 0;
	CHECK(strstr(text, "exit_group(0)"), "strace text:\n%s", text);
	close(sfd);
	close(fd);
}

static void sleep_forever(int unused)
{
	(void)unused;
	for (;;)
		pause();
}

/*
 * The buffer is locked memory of the caller's user: refused over
 * RLIMIT_MEMLOCK with mlock's errors, given back at the close.  Run in a
 * child under a uid of its own (so without CAP_IPC_LOCK, and with a
 * count nobody else adds to), tracing a child of its own.
 */
static void memlock_limit_is_kept(void)
{
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		/* 16 pages: 4096 records. */
		struct rlimit r = { 16 * 4096, 16 * 4096 };
		struct child t;
		int a, b, bad = 0;

		if (setresgid(4242, 4242, 4242) || setresuid(4242, 4242, 4242) ||
		    prctl(PR_SET_DUMPABLE, 1) || setrlimit(RLIMIT_MEMLOCK, &r))
			_exit(10);
		t = spawn(sleep_forever, 0);
		a = open("/dev/utrace-branch", O_RDWR);
		b = open("/dev/utrace-branch", O_RDWR);
		/* One page over the limit: ENOMEM, nothing charged. */
		bad |= !(br_attach(a, t.pid, 0, 4097) == -1 && errno == ENOMEM) << 0;
		bad |= !(br_attach(a, t.pid, 0, 4096) == 0) << 1;
		/* The limit is the user's: a second buffer does not fit. */
		bad |= !(br_attach(b, t.pid, 0, 1) == -1 && errno == ENOMEM) << 2;
		/* Closed, its charge is given back. */
		close(a);
		bad |= !(br_attach(b, t.pid, 0, 4096) == 0) << 3;
		close(b);
		r.rlim_cur = 0;
		if (setrlimit(RLIMIT_MEMLOCK, &r))
			_exit(11);
		b = open("/dev/utrace-branch", O_RDWR);
		/* A limit of 0: EPERM, as mlock(2). */
		bad |= !(br_attach(b, t.pid, 0, 1) == -1 && errno == EPERM) << 4;
		kill(t.pid, SIGKILL);
		_exit(bad ? 20 + bad : 0);
	}
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	      WEXITSTATUS(status) == 0,
	      "the limited caller: status %#x (exit 20 + bits of the failed checks)", status);
}

/* Whether @pid sleeps (proc_state() 'S'), polled up to 5 s; 0 once it is gone. */
static int sleeps(pid_t pid)
{
	for (int i = 0; i < 5000; i++) {
		char state = proc_state(pid);

		if (state == 'S')
			return 1;
		if (state == '?')
			return 0;
		usleep(1000);
	}
	return 0;
}

/* Bad attaches and requests get their errno and change nothing. */
static void refusals(void)
{
	int fd = br_open(), fd2 = br_open();
	struct child t = spawn(sleep_forever, 0);
	struct utrace_branch rec;
	struct utrace_branch_status s;
	int status;

	/*
	 * The child sleeps in its read of the go pipe before the attach: a
	 * child still on its way there from fork() would take branches, and
	 * the non-blocking read below would find them.
	 */
	CHECK(sleeps(t.pid), "the child does not sleep in its read");

	struct pollfd pf = { .fd = fd, .events = POLLIN };

	CHECK_ERRNO(read(fd, &rec, sizeof(rec)), EBADFD);
	CHECK_ERRNO(ioctl(fd, UTRACE_BRANCH_STATUS, &s), EBADFD);
	/* Nothing to wait for before an attach. */
	CHECK(poll(&pf, 1, 0) == 1 && pf.revents == POLLERR, "poll: revents %#x",
	      pf.revents);
	CHECK_ERRNO(br_attach(fd, t.pid, 1U << 7, 8), EINVAL);
	CHECK_ERRNO(br_attach(fd, t.pid, 0, 0), EINVAL);
	CHECK_ERRNO(br_attach(fd, t.pid, 0, UTRACE_BRANCH_MAX_RECORDS + 1), EINVAL);
	/* A flow with scheduling records keeps room for a step's records. */
	CHECK_ERRNO(br_attach(fd, t.pid, UTRACE_BRANCH_FLOW | UTRACE_BRANCH_SCHED,
			      UTRACE_BRANCH_SCHED_FLOW_MIN - 1), EINVAL);
	CHECK_ERRNO(br_attach(fd, getpid(), 0, 8), EPERM);
	CHECK_ERRNO(br_attach(fd, 999999, 0, 8), ESRCH);
	CHECK_ERRNO(br_attach(fd, 2, 0, 8), EPERM);
	CHECK_ERRNO(ioctl(fd, UTRACE_BRANCH_ATTACH, (void *)8), EFAULT);
	CHECK_ERRNO(ioctl(fd, _IO(UTRACE_BRANCH_IOC_MAGIC, 0x6f), 0), ENOTTY);
	CHECK(br_attach(fd, t.pid, 0, 8) == 0, "attach: %s", strerror(errno));
	CHECK_ERRNO(br_attach(fd, t.pid, 0, 8), EBUSY);
	CHECK_ERRNO(br_attach(fd2, t.pid, 0, 8), EEXIST);
	CHECK_ERRNO(read(fd, &rec, sizeof(rec) - 1), EINVAL);
	CHECK_ERRNO(ioctl(fd, UTRACE_BRANCH_STATUS, (void *)8), EFAULT);
	fcntl(fd, F_SETFL, O_NONBLOCK);
	memset(&rec, 0, sizeof(rec));
	CHECK_ERRNO(read(fd, &rec, sizeof(rec)), EAGAIN);
	if (rec.from || rec.to)
		KTAP_DIAG("a record: %#llx -> %#llx (the child ran after the attach)",
			  (unsigned long long)rec.from, (unsigned long long)rec.to);
	close(fd);
	kill(t.pid, SIGKILL);
	waitpid(t.pid, &status, 0);
	close(t.go);
	/* Refused attaches left the file free for a good one. */
	t = spawn(sleep_forever, 0);
	CHECK(br_attach(fd2, t.pid, 0, 8) == 0, "attach after refusals: %s", strerror(errno));
	kill(t.pid, SIGKILL);
	waitpid(t.pid, &status, 0);
	close(t.go);
	close(fd2);
}

/* The test's CLOCK_MONOTONIC, in ns: the clock of scheduling records. */
static uint64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000ULL + t.tv_nsec;
}

#define SLEEP_NS (50 * 1000 * 1000ULL)

static void run_sleep(int n)
{
	struct timespec t = { 0, SLEEP_NS };

	br_sleep_exit(n, &t);
}

static int is_switch(const struct utrace_branch *b)
{
	return b->from == UTRACE_BRANCH_SWITCHED_OUT || b->from == UTRACE_BRANCH_SWITCHED_IN;
}

/*
 * Checks the scheduling records among got[0..n): each span is an OUT
 * then an IN, times within [@t0, @t1] and never going back.  Returns how
 * many spans; the index of the first one of at least SLEEP_NS in *@slept
 * (-1 if none).
 */
static long check_spans(long n, uint64_t t0, uint64_t t1, long *slept)
{
	uint64_t last = t0;
	long spans = 0;

	*slept = -1;
	for (long i = 0; i < n && i < MAX_RECORDS; i++) {
		if (!is_switch(&got[i]))
			continue;
		if (got[i].from != UTRACE_BRANCH_SWITCHED_OUT || i + 1 >= n ||
		    got[i + 1].from != UTRACE_BRANCH_SWITCHED_IN) {
			CHECK(0, "record %ld: a switch (%#llx) not in an OUT, IN pair", i,
			      (unsigned long long)got[i].from);
			return spans;
		}
		if (got[i].to < last || got[i + 1].to < got[i].to || got[i + 1].to > t1) {
			CHECK(0, "span %ld: %llu..%llu, after %llu, before %llu", spans,
			      (unsigned long long)got[i].to, (unsigned long long)got[i + 1].to,
			      (unsigned long long)last, (unsigned long long)t1);
			return spans;
		}
		if (*slept < 0 && got[i + 1].to - got[i].to >= SLEEP_NS)
			*slept = i;
		last = got[i + 1].to;
		spans++;
		i++;
	}
	return spans;
}

/*
 * Every one of the @n records read is a branch or half of one of the
 * @spans spans, as the status @s counts them, and none was lost.
 */
static void check_sched_counts(long n, long spans, const struct utrace_branch_status *s)
{
	CHECK(n == (long)(s->branches + 2 * s->switches) && (uint64_t)spans == s->switches &&
	      s->overwritten == 0, "read %ld, %ld spans; status: branches %llu spans %llu lost %llu",
	      n, spans, (unsigned long long)s->branches, (unsigned long long)s->switches,
	      (unsigned long long)s->overwritten);
}

/* The index of the record @from -> @to in got[0..n), or -1. */
static long index_of(long n, const void *from, const void *to)
{
	for (long i = 0; i < n && i < MAX_RECORDS; i++)
		if (got[i].from == A(from) && got[i].to == A(to))
			return i;
	return -1;
}

/*
 * UTRACE_BRANCH_SCHED in a ring: the child's 50 ms nanosleep is a span
 * off the CPU of at least 50 ms, timed with the test's own clock, between
 * the call into the routine and the jump that follows the syscall; the
 * routine's branches are all there, and every record is a branch or half
 * of a span.
 */
static void sched_records_time_a_sleep(void)
{
	int fd = br_open();
	struct child c = spawn(run_sleep, 3);
	struct utrace_branch_status s;
	uint64_t t0, t1;
	long n, m, spans, slept, jmp, call;

	CHECK(br_attach(fd, c.pid, UTRACE_BRANCH_SCHED, 1 << 16) == 0, "attach: %s",
	      strerror(errno));
	t0 = now_ns();
	run_to_exit(&c);
	t1 = now_ns();
	n = read_all(fd, got, MAX_RECORDS);
	s = status_of(fd);
	spans = check_spans(n, t0, t1, &slept);
	jmp = index_of(n, br_sleep_jmp, br_seq_exit);
	for (call = 0; call < n && call < MAX_RECORDS; call++)
		if (got[call].to == A(br_sleep_exit))
			break;
	if (call == n || call == MAX_RECORDS)
		call = -1;
	KTAP_DIAG("%ld records: %llu branches, %llu spans off the CPU (%llu missed)", n,
		  (unsigned long long)s.branches, (unsigned long long)s.switches,
		  (unsigned long long)s.switches_missed);
	check_sched_counts(n, spans, &s);
	CHECK(call >= 0 && slept > call && jmp > slept,
	      "the call into the routine at %ld, the sleep's span at %ld, the jump after it at %ld",
	      call, slept, jmp);
	m = expected_jmp_seq_exit(br_sleep_jmp, 3, want);
	check_routine(n, m);
	close(fd);
}

/*
 * UTRACE_BRANCH_SCHED in guaranteed flow, through the smallest buffer it
 * allows, read slowly: a step's records always fit (the task stops for a
 * drain while fewer than a step can bring are free, and its stops are
 * spans off the CPU too), and nothing is lost, spans or branches, across
 * the many drains of the routine's 603 branches.
 */
static void sched_records_in_a_flow_lose_nothing(void)
{
	int fd = br_open();
	struct child c = spawn(run_sleep, 200);
	struct utrace_branch_status s;
	uint64_t t0, t1;
	long n, m, spans, slept;
	int status;

	CHECK(br_attach(fd, c.pid, UTRACE_BRANCH_FLOW | UTRACE_BRANCH_SCHED,
			UTRACE_BRANCH_SCHED_FLOW_MIN) == 0, "attach: %s", strerror(errno));
	t0 = now_ns();
	release(&c);
	wait_for_a_drain_stop(fd);
	n = read_slowly(fd, got, MAX_RECORDS, 20 * 1000, NULL);
	status = wait_child(c.pid);
	t1 = now_ns();
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %#x", status);
	s = status_of(fd);
	spans = check_spans(n, t0, t1, &slept);
	KTAP_DIAG("%ld records: %llu branches, %llu spans (%llu missed), %llu stops", n,
		  (unsigned long long)s.branches, (unsigned long long)s.switches,
		  (unsigned long long)s.switches_missed, (unsigned long long)s.stops);
	check_sched_counts(n, spans, &s);
	CHECK(s.stops >= 1 && s.switches >= 1 && slept >= 0,
	      "%llu stops, %llu spans, the sleep's at %ld", (unsigned long long)s.stops,
	      (unsigned long long)s.switches, slept);
	m = expected_jmp_seq_exit(br_sleep_jmp, 200, want);
	check_routine(n, m);
	close(fd);
}

static void run_seq_handling_usr1(int n)
{
	struct sigaction sa = { .sa_handler = on_usr1 };

	sigaction(SIGUSR1, &sa, NULL);
	br_seq_exit(n);
}

/*
 * A span and a branch of the same step: the child is stopped (SIGSTOP)
 * between two steps for at least 150 ms, and a SIGUSR1 sent meanwhile
 * sends it into its handler as it comes back, with no step between. The
 * span is recorded first, as it happened: among the spans right before
 * the entry into the handler is one of at least 100 ms.
 */
static void a_span_comes_before_the_branch_of_its_step(void)
{
	int fd = br_open();
	struct child c = spawn(run_seq_handling_usr1, 1000000);
	struct utrace_branch_status s;
	uint64_t t0, t1, longest = 0;
	double end;
	long n, k, slept;
	int status;

	CHECK(br_attach(fd, c.pid, UTRACE_BRANCH_SCHED, 1 << 20) == 0, "attach: %s",
	      strerror(errno));
	t0 = now_ns();
	release(&c);
	/* In the routine's loop: some branches recorded. */
	end = now() + WAIT_SECONDS;
	do {
		usleep(10 * 1000);
		s = status_of(fd);
	} while (s.branches < 2000 && now() < end);
	kill(c.pid, SIGSTOP);
	end = now() + WAIT_SECONDS;
	while (proc_state(c.pid) != 'T' && now() < end)
		usleep(1000);
	CHECK(proc_state(c.pid) == 'T', "the child did not stop: state %c", proc_state(c.pid));
	usleep(150 * 1000);
	kill(c.pid, SIGUSR1);
	kill(c.pid, SIGCONT);
	usleep(200 * 1000);
	kill(c.pid, SIGKILL);
	waitpid(c.pid, &status, 0);
	close(c.go);
	t1 = now_ns();
	n = read_all(fd, got, MAX_RECORDS);
	check_spans(n, t0, t1, &slept);
	for (k = 0; k < n && k < MAX_RECORDS; k++)
		if (got[k].to == A(on_usr1))
			break;
	CHECK(k >= 2 && k < n && in_routine(got[k].from),
	      "the handler's entry at %ld of %ld records, from %#llx", k, n,
	      k < n ? (unsigned long long)got[k].from : 0ULL);
	for (long i = k - 2; i >= 0 && i + 1 < n && is_switch(&got[i]); i -= 2)
		if (got[i + 1].to - got[i].to > longest)
			longest = got[i + 1].to - got[i].to;
	CHECK(longest >= 100 * 1000 * 1000ULL,
	      "the longest span right before the handler's entry: %llu ns",
	      (unsigned long long)longest);
	close(fd);
}

/*
 * A child that jumps, as the first instruction after a syscall, to a page
 * a userfaultfd holds missing: the engine's callback for that step waits
 * in the fault, reading the instruction there, until the test fills the
 * page with a raw exit(0).
 */
struct uffd_child {
	struct child c;
	int uffd, go;		/* the child's userfaultfd, here; its second go */
	uint64_t page;
};

/* Whether the child runs two instructions, stepped, before the jump. */
static int uffd_nops_first;

static void run_uffd_jump(int fds)
{
	long size = sysconf(_SC_PAGESIZE);
	int info = fds & 0xffff, go = fds >> 16, uffd;
	char *page = mmap(NULL, size, PROT_READ | PROT_WRITE | PROT_EXEC,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MISSING };
	uint64_t msg[2];
	char x;

	uffd = syscall(SYS_userfaultfd, O_CLOEXEC);
	reg.range.start = (uintptr_t)page;
	reg.range.len = size;
	if (page == MAP_FAILED || uffd < 0 || ioctl(uffd, UFFDIO_API, &api) ||
	    ioctl(uffd, UFFDIO_REGISTER, &reg))
		_exit(110);
	msg[0] = uffd;
	msg[1] = (uintptr_t)page;
	if (write(info, msg, sizeof(msg)) != sizeof(msg))
		_exit(111);
	if (uffd_nops_first)
		br_read_nops_jmp(go, &x, page);
	else
		br_read_jmp(go, &x, page);
}

/* Starts it: the child waits in its second read, untraced. */
static struct uffd_child uffd_spawn(void)
{
	struct uffd_child u = { .uffd = -1, .go = -1 };
	int info[2], go[2], pidfd;
	uint64_t msg[2];

	CHECK(!pipe2(info, O_CLOEXEC) && !pipe(go), "pipes");
	u.c = spawn(run_uffd_jump, info[1] | go[0] << 16);
	close(info[1]);
	close(go[0]);
	u.go = go[1];
	release(&u.c);
	CHECK(read(info[0], msg, sizeof(msg)) == sizeof(msg), "the child's userfaultfd");
	close(info[0]);
	pidfd = syscall(SYS_pidfd_open, u.c.pid, 0);
	u.uffd = syscall(SYS_pidfd_getfd, pidfd, (int)msg[0], 0);
	close(pidfd);
	u.page = msg[1];
	CHECK(u.uffd >= 0, "pidfd_getfd: %s", strerror(errno));
	CHECK(sleeps(u.c.pid), "the child does not sleep in its read");
	return u;
}

/* Lets the child jump; returns once it waits in the fault of its page. */
static int uffd_wait_fault(struct uffd_child *u)
{
	struct pollfd p = { .fd = u->uffd, .events = POLLIN };
	struct uffd_msg m;

	CHECK(write(u->go, "g", 1) == 1, "let the child jump");
	if (poll(&p, 1, WAIT_SECONDS * 1000) != 1 || read(u->uffd, &m, sizeof(m)) != sizeof(m) ||
	    m.event != UFFD_EVENT_PAGEFAULT) {
		CHECK(0, "no fault from the child");
		return -1;
	}
	return 0;
}

/* Fills the page with a raw exit(0); the child exits. */
static void uffd_fill_exit(struct uffd_child *u)
{
	static unsigned char code[65536] __attribute__((aligned(65536)));
#if defined(__x86_64__)
	static const unsigned char exit0[] = {
		0xb8, 0x3c, 0, 0, 0,	/* mov $60, %eax */
		0x31, 0xff,		/* xor %edi, %edi */
		0x0f, 0x05,		/* syscall */
	};
#else
	static const uint32_t exit0[] = {
		0xd2800ba8,		/* mov x8, #93 */
		0xd2800000,		/* mov x0, #0 */
		0xd4000001,		/* svc #0 */
	};
#endif
	struct uffdio_copy copy = {
		.dst = u->page, .src = (uintptr_t)code, .len = sysconf(_SC_PAGESIZE),
	};
	int status;

	memcpy(code, exit0, sizeof(exit0));
	CHECK(ioctl(u->uffd, UFFDIO_COPY, &copy) == 0, "UFFDIO_COPY: %s", strerror(errno));
	status = wait_child(u->c.pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %#x", status);
	close(u->uffd);
	close(u->go);
}

/* The kernel's taint flags: bit 9 (TAINT_WARN) is set by a WARN. */
static unsigned long tainted(void)
{
	char buf[32] = "";
	int fd = open("/proc/sys/kernel/tainted", O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		if (read(fd, buf, sizeof(buf) - 1) < 0)
			buf[0] = 0;
		close(fd);
	}
	return strtoul(buf, NULL, 10);
}

/*
 * The file of a trace with scheduling records is closed while the
 * task's first step waits in a fault, inside the engine's callback: the
 * callback goes on after the close, and must not register the task's
 * switch notifier with the scheduler's key off (the review found it
 * did: a WARN any user could cause).
 */
static void a_close_during_the_first_step_warns_nothing(void)
{
	struct uffd_child u = uffd_spawn();
	unsigned long taint = tainted();
	int fd = br_open();

	CHECK(br_attach(fd, u.c.pid, UTRACE_BRANCH_SCHED, 64) == 0, "attach: %s",
	      strerror(errno));
	if (uffd_wait_fault(&u) == 0) {
		close(fd);
		fd = -1;
	}
	uffd_fill_exit(&u);
	if (fd >= 0)
		close(fd);
	CHECK(!(tainted() & ~taint & (1UL << 9)), "a WARN: tainted %#lx, was %#lx", tainted(),
	      taint);
}

/*
 * A span that begins after a step's branch, while the engine's callback
 * for that step waits in a fault of the page the branch went to, is
 * stored after that branch: it happened after the branch completed (the
 * review found it stored before).
 */
static void a_span_during_the_callback_comes_after_the_branch(void)
{
	struct uffd_child u;
	int fd = br_open();
	long n, k, span = -1, slept;

	/* Steps before the jump: the switch log is started by then. */
	uffd_nops_first = 1;
	u = uffd_spawn();
	uffd_nops_first = 0;

	CHECK(br_attach(fd, u.c.pid, UTRACE_BRANCH_SCHED, 1 << 16) == 0, "attach: %s",
	      strerror(errno));
	if (uffd_wait_fault(&u) == 0)
		usleep(150 * 1000);
	uffd_fill_exit(&u);
	n = read_all(fd, got, MAX_RECORDS);
	check_spans(n, 0, now_ns(), &slept);
	k = index_of(n, br_read_nops_jmp_jmp, (void *)(uintptr_t)u.page);
	for (long i = 0; i + 1 < n && i < MAX_RECORDS; i++)
		if (got[i].from == UTRACE_BRANCH_SWITCHED_OUT &&
		    got[i + 1].to - got[i].to >= 100 * 1000 * 1000ULL)
			span = i;
	CHECK(k >= 0 && span > k, "the jump at %ld, the wait's span at %ld, of %ld records", k,
	      span, n);
	close(fd);
}

/*
 * 300 attaches refused (EEXIST: the task has a trace without scheduling
 * records) take no switch watch with scheduling records asked for: a
 * refused attach does not turn the scheduler's notifier key on and off
 * (each turn patches kernel text, interrupting every CPU; the review
 * found it did, for any user).  Counted by the test device, not by the
 * IPIs seen (arm64's TCG guest takes hundreds a second for other reasons).
 */
static void refused_attaches_leave_the_scheduler_alone(void)
{
	int test = open("/dev/utrace-test", O_RDWR | O_CLOEXEC);
	struct child t = spawn(sleep_forever, 0);
	int fd = br_open(), fd2 = br_open(), status;
	long t0, taken;

	CHECK(test >= 0, "open /dev/utrace-test: %s", strerror(errno));
	CHECK(sleeps(t.pid), "the child does not sleep in its read");
	CHECK(br_attach(fd, t.pid, 0, 8) == 0, "attach: %s", strerror(errno));
	t0 = ioctl(test, UTRACE_TEST_SWITCH_WATCHES_TAKEN);
	for (int i = 0; i < 300; i++)
		CHECK_ERRNO(br_attach(fd2, t.pid, UTRACE_BRANCH_SCHED, 8), EEXIST);
	taken = ioctl(test, UTRACE_TEST_SWITCH_WATCHES_TAKEN) - t0;
	KTAP_DIAG("switch watches taken by 300 refused attaches: %ld", taken);
	CHECK(taken == 0, "%ld switch watches taken", taken);
	/* The counter counts: an accepted attach takes one. */
	close(fd);
	CHECK(br_attach(fd2, t.pid, UTRACE_BRANCH_SCHED, 8) == 0, "attach: %s", strerror(errno));
	taken = ioctl(test, UTRACE_TEST_SWITCH_WATCHES_TAKEN) - t0;
	CHECK(taken == 1, "%ld switch watches taken by one attach", taken);
	close(fd2);
	close(test);
	kill(t.pid, SIGKILL);
	waitpid(t.pid, &status, 0);
	close(t.go);
}

static void run_nops(int unused)
{
	(void)unused;
	br_nops_exit();
}

/*
 * A guaranteed flow with scheduling records, of the smallest size, read
 * by a reader that never pauses, through 1000 nops: a step without a
 * branch does not stop the task for a drain (the review found that at the
 * smallest size each stop's own span filled the buffer again, so every
 * step stopped).
 */
static void a_small_sched_flow_does_not_stop_every_step(void)
{
	int fd = br_open();
	struct child c = spawn(run_nops, 0);
	struct utrace_branch_status s;
	long n, m;
	int status;

	CHECK(br_attach(fd, c.pid, UTRACE_BRANCH_FLOW | UTRACE_BRANCH_SCHED,
			UTRACE_BRANCH_SCHED_FLOW_MIN) == 0, "attach: %s", strerror(errno));
	release(&c);
	n = read_all(fd, got, MAX_RECORDS);
	status = wait_child(c.pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %#x", status);
	s = status_of(fd);
	KTAP_DIAG("%llu steps, %llu stops, %llu branches, %llu spans",
		  (unsigned long long)s.steps, (unsigned long long)s.stops,
		  (unsigned long long)s.branches, (unsigned long long)s.switches);
	CHECK(s.stops * 20 < s.steps, "%llu stops in %llu steps", (unsigned long long)s.stops,
	      (unsigned long long)s.steps);
	m = expected_jmp_seq_exit(br_nops_jmp, 1, want);
	check_routine(n, m);
	close(fd);
}

/*
 * A trace with scheduling records whose task died gives the scheduler's
 * notifier key back though its file stays open (the review found the
 * key held until the close: every switch on the system paid for a dead
 * trace).
 */
static void a_dead_tasks_trace_gives_the_key_back(void)
{
	int test = open("/dev/utrace-test", O_RDWR | O_CLOEXEC), fd = br_open();
	struct child c = spawn(run_seq_exit, 5);
	struct utrace_branch_status s;
	long before, during, after;

	CHECK(test >= 0, "open /dev/utrace-test: %s", strerror(errno));
	before = ioctl(test, UTRACE_TEST_SWITCH_WATCHES);
	CHECK(br_attach(fd, c.pid, UTRACE_BRANCH_SCHED, 1 << 10) == 0, "attach: %s",
	      strerror(errno));
	during = ioctl(test, UTRACE_TEST_SWITCH_WATCHES);
	run_to_exit(&c);
	s = status_of(fd);
	after = ioctl(test, UTRACE_TEST_SWITCH_WATCHES);
	KTAP_DIAG("watches: %ld before, %ld traced, %ld once the task died", before, during,
		  after);
	CHECK(s.state & UTRACE_BRANCH_ENDED, "state %#x", s.state);
	CHECK(during == before + 1 && after == before, "watches: %ld, %ld, %ld", before, during,
	      after);
	close(fd);
	close(test);
}

#define BRANCH_KO	"/lib/modules/utrace_branch_sample.ko"
#define BRANCH_MOD	"utrace_branch_sample"

/* Writes @val to the branch sample's parameter @param; 0 or the errno. */
static int bmod_write(const char *param, const char *val)
{
	char path[128];
	int fd, ret = 0;

	snprintf(path, sizeof(path), "/sys/module/%s/parameters/%s", BRANCH_MOD, param);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	if (write(fd, val, strlen(val)) < 0)
		ret = errno;
	close(fd);
	return ret;
}

/* Reads the branch sample's parameter @param into @buf; bytes, or -1. */
static long bmod_read(const char *param, char *buf, size_t size)
{
	char path[128];
	long n;
	int fd;

	snprintf(path, sizeof(path), "/sys/module/%s/parameters/%s", BRANCH_MOD, param);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, size - 1);
	close(fd);
	buf[n > 0 ? n : 0] = 0;
	return n;
}

/*
 * Takes up to @n records through the C API (utrace_branch_trace_read(),
 * not waiting) into got[@at...]: how many, or -errno.
 */
static long bmod_take(long n, long at)
{
	static char buf[8192];
	char val[16], *line;
	long taken, k = 0;

	snprintf(val, sizeof(val), "%ld", n);
	if (bmod_write("take", val) || bmod_read("taken", buf, sizeof(buf)) <= 0)
		return -EIO;
	taken = atol(buf);
	if (taken <= 0)
		return taken;
	if (bmod_read("got", buf, sizeof(buf)) <= 0)
		return -EIO;
	for (line = strtok(buf, "\n"); line && at + k < MAX_RECORDS; line = strtok(NULL, "\n")) {
		unsigned long long from, to;

		if (sscanf(line, "%llx %llx", &from, &to) != 2)
			return -EIO;
		got[at + k++] = (struct utrace_branch){ from, to };
	}
	return k == taken ? taken : -EIO;
}

/* The sample's status fields, as UTRACE_BRANCH_STATUS's. */
static struct utrace_branch_status bmod_status(void)
{
	struct utrace_branch_status s;
	unsigned long long v[9];
	char buf[256];

	memset(&s, 0xff, sizeof(s));
	if (bmod_read("status", buf, sizeof(buf)) <= 0 ||
	    sscanf(buf, "%llu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2],
		   &v[3], &v[4], &v[5], &v[6], &v[7], &v[8]) != 9) {
		CHECK(0, "the sample's status: \"%s\"", buf);
		return s;
	}
	s = (struct utrace_branch_status){
		.records = v[0], .held = v[1], .branches = v[2], .overwritten = v[3],
		.stops = v[4], .steps = v[5], .state = v[6], .switches = v[7],
		.switches_missed = v[8],
	};
	return s;
}

/*
 * The C API (utrace_branch_trace_start(), _read(), _status(), _end(), from
 * samples/utrace_branch_sample.c): a ring holds the routine's branches
 * exactly, as the device gives them; unloading ends the trace.
 */
static void the_c_api_traces_the_known_sequence(void)
{
	struct child c = spawn(run_seq_exit, 5);
	struct utrace_branch_status s;
	char params[96];
	long n, m;
	int err;

	snprintf(params, sizeof(params), "pid=%d records=4096 flags=0", c.pid);
	err = kmod_load(BRANCH_KO, params);
	CHECK(err == 0, "load: %s", strerror(err));
	if (err) {
		kill(c.pid, SIGKILL);
		waitpid(c.pid, NULL, 0);
		return;
	}
	s = bmod_status();
	CHECK(s.records == 4096 && s.state & UTRACE_BRANCH_STARTED, "records %llu state %#x",
	      (unsigned long long)s.records, s.state);
	run_to_exit(&c);
	n = bmod_take(1024, 0);
	s = bmod_status();
	CHECK(n > 0 && (uint64_t)n == s.branches && s.held == 0 &&
	      s.state & UTRACE_BRANCH_ENDED, "took %ld; branches %llu held %llu state %#x", n,
	      (unsigned long long)s.branches, (unsigned long long)s.held, s.state);
	/* Ended and empty: 0, as read(2) gives. */
	CHECK(bmod_take(1, 0) == 0, "a take after the end");
	m = expected_seq_exit(5, want);
	check_routine(n < 0 ? 0 : n, m);
	CHECK(kmod_unload(BRANCH_MOD) == 0, "unload: %s", strerror(errno));
}

/*
 * The C API in guaranteed flow through 8 records, taken 3 at a time
 * without waiting (-EAGAIN when none waits): nothing lost, and the task
 * goes on when records are taken.
 */
static void the_c_api_drains_a_flow(void)
{
	struct child c = spawn(run_seq_exit, 60);
	struct utrace_branch_status s;
	double end = now() + WAIT_SECONDS;
	char params[96];
	long n = 0, m, r, again = 0;
	int err, status;

	snprintf(params, sizeof(params), "pid=%d records=8 flags=%u", c.pid,
		 UTRACE_BRANCH_FLOW);
	err = kmod_load(BRANCH_KO, params);
	CHECK(err == 0, "load: %s", strerror(err));
	if (err) {
		kill(c.pid, SIGKILL);
		waitpid(c.pid, NULL, 0);
		return;
	}
	release(&c);
	while (now() < end && n < MAX_RECORDS) {
		r = bmod_take(3, n);
		if (r == 0)
			break;
		if (r == -EAGAIN) {
			again++;
			usleep(500);
			continue;
		}
		if (r < 0) {
			CHECK(0, "take: %ld", r);
			break;
		}
		n += r;
	}
	status = wait_child(c.pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %#x", status);
	s = bmod_status();
	KTAP_DIAG("%ld records, %llu stops, %ld takes found none", n,
		  (unsigned long long)s.stops, again);
	CHECK((uint64_t)n == s.branches && s.overwritten == 0 && s.stops >= 1,
	      "took %ld, branches %llu, lost %llu, stops %llu", n,
	      (unsigned long long)s.branches, (unsigned long long)s.overwritten,
	      (unsigned long long)s.stops);
	m = expected_seq_exit(60, want);
	check_routine(n, m);
	CHECK(kmod_unload(BRANCH_MOD) == 0, "unload: %s", strerror(errno));
}

/* The pid of the kernel thread named @comm, or -1. */
static pid_t kthread_named(const char *comm)
{
	for (pid_t p = 2; p < 32768; p++) {
		char path[64], buf[32] = "";
		int fd;

		snprintf(path, sizeof(path), "/proc/%d/comm", p);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (read(fd, buf, sizeof(buf) - 1) < 0)
			buf[0] = 0;
		close(fd);
		if (!strcmp(strtok(buf, "\n") ?: "", comm))
			return p;
	}
	return -1;
}

/*
 * A kernel thread waits in utrace_branch_trace_read() when the module
 * unloads: the module ends the trace, which wakes the reader with 0, then
 * stops the thread, then frees the trace (the review found the end freed
 * the engine under the waiting reader, and nothing could wake it).
 */
static void the_c_api_end_wakes_a_waiting_kernel_reader(void)
{
	struct child t = spawn(sleep_forever, 0);
	char params[96];
	pid_t k = -1;
	int err, status;

	CHECK(sleeps(t.pid), "the child does not sleep in its read");
	snprintf(params, sizeof(params), "pid=%d records=64 reader=1", t.pid);
	err = kmod_load(BRANCH_KO, params);
	CHECK(err == 0, "load: %s", strerror(err));
	for (int i = 0; err == 0 && i < 1000 && (k < 0 || proc_state(k) != 'S'); i++) {
		k = kthread_named("branch_sample");
		usleep(2000);
	}
	CHECK(k > 0 && proc_state(k) == 'S', "the reader thread: %d, state %c", k,
	      k > 0 ? proc_state(k) : '?');
	if (err == 0)
		CHECK(kmod_unload(BRANCH_MOD) == 0, "unload: %s", strerror(errno));
	CHECK(waitpid(t.pid, &status, WNOHANG) == 0, "the child is not alive");
	kill(t.pid, SIGKILL);
	waitpid(t.pid, &status, 0);
	close(t.go);
}

/*
 * The C API's edges: a take of 0 records is EINVAL (not the end); a
 * ptraced task is traced; an unload while the task waits for a drain lets
 * it go; a zombie is ESRCH.
 */
static void the_c_api_edges(void)
{
	struct child t = spawn(sleep_forever, 0), c;
	char params[96];
	int err, status;
	pid_t z;

	CHECK(sleeps(t.pid), "the child does not sleep in its read");
	snprintf(params, sizeof(params), "pid=%d records=8", t.pid);
	err = kmod_load(BRANCH_KO, params);
	CHECK(err == 0, "load: %s", strerror(err));
	if (err == 0) {
		CHECK(bmod_write("take", "0") == 0 && kmod_param(BRANCH_MOD, "taken", 0) == -EINVAL,
		      "a take of 0: %d", kmod_param(BRANCH_MOD, "taken", 0));
		CHECK(kmod_unload(BRANCH_MOD) == 0, "unload: %s", strerror(errno));
	}
	kill(t.pid, SIGKILL);
	waitpid(t.pid, &status, 0);
	close(t.go);

	/* A ptraced task can be traced. */
	t = spawn(sleep_forever, 0);
	CHECK(ptrace(PTRACE_SEIZE, t.pid, 0, 0) == 0, "seize: %s", strerror(errno));
	snprintf(params, sizeof(params), "pid=%d records=8", t.pid);
	err = kmod_load(BRANCH_KO, params);
	CHECK(err == 0, "load on a ptraced task: %s", strerror(err));
	if (err == 0)
		CHECK(kmod_unload(BRANCH_MOD) == 0, "unload: %s", strerror(errno));
	kill(t.pid, SIGKILL);
	waitpid(t.pid, &status, 0);
	close(t.go);

	/* A flow of 8 nobody reads: the task waits; the unload lets it go. */
	c = spawn(run_seq_exit, 60);
	snprintf(params, sizeof(params), "pid=%d records=8 flags=%u", c.pid, UTRACE_BRANCH_FLOW);
	err = kmod_load(BRANCH_KO, params);
	CHECK(err == 0, "load: %s", strerror(err));
	release(&c);
	if (err == 0) {
		double end = now() + WAIT_SECONDS;

		while (!(bmod_status().state & UTRACE_BRANCH_WAITING) && now() < end)
			usleep(2000);
		CHECK(bmod_status().state & UTRACE_BRANCH_WAITING, "the task never waited");
		CHECK(kmod_unload(BRANCH_MOD) == 0, "unload: %s", strerror(errno));
	}
	status = wait_child(c.pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %#x", status);

	z = fork();
	if (z == 0)
		_exit(0);
	while (proc_state(z) != 'Z')
		usleep(1000);
	snprintf(params, sizeof(params), "pid=%d records=8", z);
	CHECK(kmod_load(BRANCH_KO, params) == ESRCH, "a zombie");
	waitpid(z, &status, 0);
}

/*
 * Parameters used outside a trace's life: "take" given at load (before
 * the init) fails the load; nothing oopses.
 */
static void the_c_api_sample_takes_nothing_at_load(void)
{
	struct child t = spawn(sleep_forever, 0);
	char params[96];
	int status;

	CHECK(sleeps(t.pid), "the child does not sleep in its read");
	snprintf(params, sizeof(params), "pid=%d records=8 take=1", t.pid);
	CHECK(kmod_load(BRANCH_KO, params) != 0, "a take at load succeeded");
	kmod_unload(BRANCH_MOD);
	kill(t.pid, SIGKILL);
	waitpid(t.pid, &status, 0);
	close(t.go);
}

/* The C API's refusals: each load fails with the start's errno. */
static void the_c_api_refusals(void)
{
	struct child t = spawn(sleep_forever, 0);
	char params[128];
	int fd = br_open(), status, err;

	CHECK(sleeps(t.pid), "the child does not sleep in its read");
	snprintf(params, sizeof(params), "pid=%d records=0", t.pid);
	CHECK(kmod_load(BRANCH_KO, params) == EINVAL, "0 records");
	snprintf(params, sizeof(params), "pid=%d records=8 flags=%u", t.pid, 1U << 9);
	CHECK(kmod_load(BRANCH_KO, params) == EINVAL, "an unknown flag");
	snprintf(params, sizeof(params), "pid=%d records=%d flags=%u", t.pid,
		 UTRACE_BRANCH_SCHED_FLOW_MIN - 1, UTRACE_BRANCH_FLOW | UTRACE_BRANCH_SCHED);
	CHECK(kmod_load(BRANCH_KO, params) == EINVAL, "a flow with switches, too small");
	/* The module's init runs in this process: its own. */
	snprintf(params, sizeof(params), "pid=%d records=8", getpid());
	CHECK(kmod_load(BRANCH_KO, params) == EPERM, "the loader's own process");
	CHECK(kmod_load(BRANCH_KO, "pid=2 records=8") == EPERM, "a kernel thread");
	CHECK(kmod_load(BRANCH_KO, "pid=999999 records=8") == ESRCH, "no such task");
	/*
	 * One branch trace a task, whoever made it: the device's attach to a
	 * task the C API traces is refused. (The other way round, the
	 * loader's EEXIST could not be told from a module loaded already.)
	 */
	snprintf(params, sizeof(params), "pid=%d records=8", t.pid);
	err = kmod_load(BRANCH_KO, params);
	CHECK(err == 0, "load: %s", strerror(err));
	CHECK_ERRNO(br_attach(fd, t.pid, 0, 8), EEXIST);
	CHECK(kmod_unload(BRANCH_MOD) == 0, "unload: %s", strerror(errno));
	/* Its trace ended with the module: the device's may start. */
	CHECK(br_attach(fd, t.pid, 0, 8) == 0, "attach after the unload: %s", strerror(errno));
	close(fd);
	kill(t.pid, SIGKILL);
	waitpid(t.pid, &status, 0);
	close(t.go);
}

/* --seq N: run by the exec case, from main. */
static int seq_main(int n)
{
	br_seq_exit(n);
	return 102;
}

static void exec_self(int n)
{
	char arg[16];

	snprintf(arg, sizeof(arg), "%d", n);
	execl("/proc/self/exe", "branch_test", "--seq", arg, (char *)NULL);
	_exit(103);
}

/*
 * UTRACE_BRANCH_FROM_EXEC: nothing is stepped before the exec; the new
 * program is, from its first instruction (its entry's first branch is
 * recorded), to the routine's end.
 */
static void from_exec_starts_at_the_program(void)
{
	if (!STEPS_A_STARTUP) {
		KTAP_SKIP(SLOW_STARTUP_SKIP);
		return;
	}
	{
		int fd = br_open();
		struct child c = spawn(exec_self, 4);
		struct utrace_branch_status s;
		long n, m;

		CHECK(br_attach(fd, c.pid, UTRACE_BRANCH_FROM_EXEC, 1 << 20) == 0, "attach: %s",
		      strerror(errno));
		s = status_of(fd);
		CHECK(!(s.state & UTRACE_BRANCH_STARTED) && s.steps == 0, "state %#x steps %llu",
		      s.state, (unsigned long long)s.steps);
		run_to_exit(&c);
		n = read_all(fd, got, MAX_RECORDS);
		s = status_of(fd);
		CHECK(s.state & UTRACE_BRANCH_STARTED && s.steps > 0, "state %#x", s.state);
		KTAP_DIAG("%llu instructions stepped, %ld branches", (unsigned long long)s.steps, n);
		m = expected_seq_exit(4, want);
		check_routine(n, m);
		close(fd);
	}
}

int main(int argc, char **argv)
{
	static const struct ktap_case cases[] = {
		KTAP_CASE(ring_holds_the_known_sequence),
		KTAP_CASE(ring_keeps_the_last_n),
		KTAP_CASE(flow_loses_nothing_across_many_drains),
		KTAP_CASE(flow_reads_that_fault_lose_nothing),
		KTAP_CASE(flow_with_a_fast_reader_loses_nothing),
		KTAP_CASE(a_handled_fault_is_a_branch_and_the_trace_goes_on),
		KTAP_CASE(a_signal_during_a_wait_for_a_drain_keeps_the_trace),
		KTAP_CASE(a_stepped_syscall_keeps_the_programs_registers),
		KTAP_CASE(a_rep_instruction_is_no_branch),
		KTAP_CASE(an_exec_during_the_trace_goes_on_in_the_new_program),
		KTAP_CASE(a_later_tracer_gets_its_step_trap),
		KTAP_CASE(close_lets_a_waiting_task_go),
		KTAP_CASE(sigkill_ends_a_wait_for_a_drain),
		KTAP_CASE(the_branch_before_a_crash_is_readable),
		KTAP_CASE(stacked_with_strace),
		KTAP_CASE(memlock_limit_is_kept),
		KTAP_CASE(refusals),
		KTAP_CASE(from_exec_starts_at_the_program),
		KTAP_CASE(sched_records_time_a_sleep),
		KTAP_CASE(sched_records_in_a_flow_lose_nothing),
		KTAP_CASE(a_span_comes_before_the_branch_of_its_step),
		KTAP_CASE(the_c_api_traces_the_known_sequence),
		KTAP_CASE(the_c_api_drains_a_flow),
		KTAP_CASE(the_c_api_refusals),
		KTAP_CASE(a_close_during_the_first_step_warns_nothing),
		KTAP_CASE(a_span_during_the_callback_comes_after_the_branch),
		KTAP_CASE(refused_attaches_leave_the_scheduler_alone),
		KTAP_CASE(a_syscall_tracer_inside_the_trace),
		KTAP_CASE(a_syscall_tracer_outside_the_trace),
		KTAP_CASE(a_stepping_tracer_and_the_trace),
		KTAP_CASE(a_signal_a_tracer_drops_leaves_the_trace_stepping),
		KTAP_CASE(a_handled_signal_gives_the_tracer_no_step_trap),
		KTAP_CASE(an_emulating_tracer_and_the_trace),
		KTAP_CASE(a_kill_a_tracer_drops_leaves_the_trace_stepping),
		KTAP_CASE(a_breakpoint_the_tracer_drops_leaves_the_trace_stepping),
		KTAP_CASE(a_signal_the_tracer_delivers_instead_leaves_the_trace_exact),
		KTAP_CASE(a_kill_into_a_handler_gives_the_tracer_no_step_trap),
		KTAP_CASE(a_small_sched_flow_does_not_stop_every_step),
		KTAP_CASE(the_c_api_end_wakes_a_waiting_kernel_reader),
		KTAP_CASE(the_c_api_edges),
		KTAP_CASE(the_c_api_sample_takes_nothing_at_load),
		KTAP_CASE(a_dead_tasks_trace_gives_the_key_back),
	};

	if (argc == 3 && !strcmp(argv[1], "--seq"))
		return seq_main(atoi(argv[2]));
	return ktap_run("guest_branch", cases, sizeof(cases) / sizeof(cases[0]));
}
