// SPDX-License-Identifier: GPL-2.0
/*
 * examine_test - examining a stopped task from another process
 * (EngineHandle::examine, through UTRACE_TEST_EXAMINE).
 *
 * A test engine stops a child at the entry of a write(2); the parent
 * reads the child's registers and memory, changes them, and lets the call
 * run: the write goes where the new registers say, with the new bytes.
 * Then the errors, strings that end at a missing page, the end of an
 * examination that sees the task ran, and SIGKILL during a register
 * access (a race test: the access is held open by a delay hook).
 */
#include <elf.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include "ptrace.h"
#include "regs.h"
#include "ktap.h"
#include "utrace_test_dev.h"

/* Shared with the children. */
struct shared {
	char msg[64];
	volatile long ret;
	volatile int dumpable;
	volatile unsigned int mxcsr;	/* x86's MXCSR, arm64's FPCR */
};

static struct shared *sh;
static int out_fd;

/* One examination with one access; returns the ioctl's answer. */
static long examine(int fd, int slot, unsigned int op, unsigned long addr,
		    void *buf, unsigned int len, unsigned int flags)
{
	struct utrace_test_examine e = {
		.slot = slot, .op = op, .addr = addr,
		.buf = (unsigned long)buf, .len = len, .flags = flags,
	};

	return ioctl(fd, UTRACE_TEST_EXAMINE, &e);
}

/* The child: write(77, msg, 5), which the engine stops at its entry. */
static void write_to_77(void)
{
	if (!sh->dumpable)
		prctl(PR_SET_DUMPABLE, 0);
	sh->ret = syscall(SYS_write, 77, sh->msg, 5);
	_exit(0);
}

/* A child stopped at the entry of its write; returns the engine's slot. */
static int stopped_writer(int fd, pid_t *pid)
{
	int go[2], slot;
	struct utrace_test_attach a = {
		.kind = UTRACE_TEST_STOP, .events = UTRACE_TEST_EVENT_SYSCALL_ENTRY,
		.id = 1, .nr = SYS_write,
	};

	*pid = utd_held_child(go, write_to_77);
	a.pid = *pid;
	slot = utd_attach(fd, a);
	utd_release(go);
	CHECK(UTD_POLL(utd_stopped(fd, slot)), "the child did not stop at write");
	return slot;
}

static void end_child(pid_t pid, int sig)
{
	int status = -1;

	CHECK(waitpid(pid, &status, 0) == pid, "waitpid");
	if (sig)
		CHECK(WIFSIGNALED(status) && WTERMSIG(status) == sig,
		      "status %#x", status);
	else
		CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "status %#x", status);
}

/*
 * The registers and the memory of a task stopped at a syscall's entry
 * are read and written: the call then runs with what was written.
 */
static void registers_and_memory_of_a_stopped_task(void)
{
	int fd = utd_open(), slot, pipefd[2];
	tracee_regs r;
	char buf[64] = "";
	pid_t pid;

	CHECK(pipe(pipefd) == 0, "pipe");
	snprintf(sh->msg, sizeof(sh->msg), "hello");
	sh->dumpable = 1;
	sh->ret = 0;
	slot = stopped_writer(fd, &pid);

	CHECK(examine(fd, slot, UTRACE_TEST_EXAMINE_REGS, 0, &r, sizeof(r), 0) ==
	      sizeof(r), "regs: %s", strerror(errno));
	CHECK(regs_nr_word(&r) == SYS_write && regs_arg(&r, 0) == 77 && regs_arg(&r, 2) == 5 &&
	      regs_arg(&r, 1) == (unsigned long)sh->msg,
	      "nr %ld args %lu %#lx %lu", regs_nr_word(&r), regs_arg(&r, 0),
	      regs_arg(&r, 1), regs_arg(&r, 2));
	CHECK(examine(fd, slot, UTRACE_TEST_EXAMINE_STRING, regs_arg(&r, 1), buf,
		      sizeof(buf), 0) == 5 && !strcmp(buf, "hello"),
	      "string: %s", buf);
	memset(buf, 0, sizeof(buf));
	CHECK(examine(fd, slot, UTRACE_TEST_EXAMINE_READ, regs_arg(&r, 1) + 1, buf, 3, 0) ==
	      3 && !memcmp(buf, "ell", 3), "read: %s", buf);
	CHECK(examine(fd, slot, UTRACE_TEST_EXAMINE_WRITE, regs_arg(&r, 1), "HELLO", 5, 0) ==
	      5, "write: %s", strerror(errno));
	regs_set_arg(&r, 0, pipefd[1]);
	CHECK(examine(fd, slot, UTRACE_TEST_EXAMINE_SET_REGS, 0, &r, sizeof(r), 0) ==
	      sizeof(r), "set regs: %s", strerror(errno));
	memset(&r, 0, sizeof(r));
	CHECK(examine(fd, slot, UTRACE_TEST_EXAMINE_REGS, 0, &r, sizeof(r), 0) ==
	      sizeof(r) && regs_arg(&r, 0) == (unsigned long)pipefd[1],
	      "first argument after set: %lu", regs_arg(&r, 0));

	CHECK(ioctl(fd, UTRACE_TEST_RESUME, slot) == 0, "resume");
	end_child(pid, 0);
	CHECK(sh->ret == 5, "write returned %ld", sh->ret);
	memset(buf, 0, sizeof(buf));
	CHECK(read(pipefd[0], buf, sizeof(buf)) == 5 && !memcmp(buf, "HELLO", 5),
	      "the pipe got '%s'", buf);
	close(pipefd[0]);
	close(pipefd[1]);
	close(fd);
}

/*
 * A string is read up to its NUL, or to a missing page, or cut to the
 * buffer; its first byte missing is EFAULT.
 */
static void strings_end_at_nul_missing_page_or_buffer(void)
{
	long page = sysconf(_SC_PAGESIZE);
	char *two = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *tail = two + page - 4, *nul_end = two + page - 16;
	int fd, slot;
	char buf[64];
	pid_t pid;

	CHECK(two != MAP_FAILED, "mmap");
	CHECK(munmap(two + page, page) == 0, "munmap");
	memset(two, 'x', page);
	memcpy(tail, "abcd", 4);		/* no NUL: the page ends it */
	memcpy(nul_end, "wxyz", 5);		/* ends with its NUL */
	nul_end[4] = 0;
	fd = utd_open();
	snprintf(sh->msg, sizeof(sh->msg), "hello");
	sh->dumpable = 1;
	slot = stopped_writer(fd, &pid);

	memset(buf, 0, sizeof(buf));
	CHECK(examine(fd, slot, UTRACE_TEST_EXAMINE_STRING, (unsigned long)nul_end,
		      buf, sizeof(buf), 0) == 4 && !strcmp(buf, "wxyz"),
	      "before the end of the page: '%s'", buf);
	memset(buf, 0, sizeof(buf));
	CHECK(examine(fd, slot, UTRACE_TEST_EXAMINE_STRING, (unsigned long)tail,
		      buf, sizeof(buf), 0) == 4 && !strcmp(buf, "abcd"),
	      "up to the missing page: '%s'", buf);
	/* A long string, cut to the buffer and terminated. */
	memset(buf, 0, sizeof(buf));
	CHECK(examine(fd, slot, UTRACE_TEST_EXAMINE_STRING, (unsigned long)two,
		      buf, 10, 0) == 9 && !strcmp(buf, "xxxxxxxxx"),
	      "cut: '%s'", buf);
	CHECK_ERRNO(examine(fd, slot, UTRACE_TEST_EXAMINE_STRING,
			    (unsigned long)two + page, buf, sizeof(buf), 0), EFAULT);
	CHECK_ERRNO(examine(fd, slot, UTRACE_TEST_EXAMINE_READ,
			    (unsigned long)two + page, buf, 8, 0), EFAULT);
	/* A read across the end of the mapping gets what there is. */
	CHECK(examine(fd, slot, UTRACE_TEST_EXAMINE_READ, (unsigned long)tail,
		      buf, 8, 0) == 4, "read across the end: %s", strerror(errno));
	CHECK(ioctl(fd, UTRACE_TEST_RESUME, slot) == 0, "resume");
	end_child(pid, 0);
	munmap(two, page);
	close(fd);
}

static void sleep_in_read(void)
{
	char c;

	if (read(out_fd, &c, 1) < 0)
		_exit(1);
	_exit(0);
}

/*
 * The floating-point control register and its rounding mode: x86's MXCSR
 * (exceptions masked, RC in bits 13-14), arm64's FPCR (RMode in bits
 * 22-23); the register set that holds it (NT_PRFPREG) and its field.
 */
#if defined(__x86_64__)
typedef struct user_fpregs_struct fp_regs;
#define FP_CONTROL(fp) ((fp).mxcsr)
#define ROUND_TO_ZERO 0x7f80u
#define ROUND_DOWN 0x3f80u
#else
typedef struct user_fpsimd_state fp_regs;
#define FP_CONTROL(fp) ((fp).fpcr)
#define ROUND_TO_ZERO (3u << 22)
#define ROUND_DOWN (2u << 22)
#endif

static void set_fp_control(unsigned int csr)
{
#if defined(__x86_64__)
	__asm__ volatile("ldmxcsr %0" : : "m"(csr));
#else
	__asm__ volatile("msr fpcr, %0" : : "r"((unsigned long)csr));
#endif
}

static unsigned int fp_control(void)
{
#if defined(__x86_64__)
	unsigned int csr;

	__asm__ volatile("stmxcsr %0" : "=m"(csr));
	return csr;
#else
	unsigned long csr;

	__asm__ volatile("mrs %0, fpcr" : "=r"(csr));
	return csr;
#endif
}

/* The child: rounding toward zero, write(77, msg, 5), the control after. */
static void round_to_zero_then_write(void)
{
	set_fp_control(ROUND_TO_ZERO);
	sh->ret = syscall(SYS_write, 77, sh->msg, 5);
	sh->mxcsr = fp_control();
	_exit(0);
}

/*
 * Other register sets than the general registers, by their NT_* type: the
 * floating-point registers of a stopped task are read (its MXCSR as it
 * set it) and written (the task resumes with the new rounding mode).
 */
static void floating_point_registers_are_read_and_written(void)
{
	int fd = utd_open(), go[2], slot;
	fp_regs fp;
	struct utrace_test_attach a = {
		.kind = UTRACE_TEST_STOP, .events = UTRACE_TEST_EVENT_SYSCALL_ENTRY,
		.id = 1, .nr = SYS_write,
	};
	pid_t pid;

	snprintf(sh->msg, sizeof(sh->msg), "hello");
	sh->dumpable = 1;
	sh->mxcsr = 0;
	pid = utd_held_child(go, round_to_zero_then_write);
	a.pid = pid;
	slot = utd_attach(fd, a);
	utd_release(go);
	CHECK(UTD_POLL(utd_stopped(fd, slot)), "the child did not stop at write");
	memset(&fp, 0, sizeof(fp));
	CHECK(examine(fd, slot, UTRACE_TEST_EXAMINE_REGSET, NT_PRFPREG, &fp, sizeof(fp), 0) ==
	      sizeof(fp) && FP_CONTROL(fp) == ROUND_TO_ZERO,
	      "fp regs: %s, control %#x", strerror(errno), FP_CONTROL(fp));
	FP_CONTROL(fp) = ROUND_DOWN;
	CHECK(examine(fd, slot, UTRACE_TEST_EXAMINE_SET_REGSET, NT_PRFPREG, &fp, sizeof(fp),
		      0) == sizeof(fp), "set fp regs: %s", strerror(errno));
	/* A set the ABI has not, and a short write: refused. */
	CHECK_ERRNO(examine(fd, slot, UTRACE_TEST_EXAMINE_REGSET, 0x999, &fp, sizeof(fp), 0),
		    EINVAL);
	CHECK_ERRNO(examine(fd, slot, UTRACE_TEST_EXAMINE_SET_REGSET, NT_PRFPREG, &fp, 64, 0),
		    EINVAL);
	CHECK(ioctl(fd, UTRACE_TEST_RESUME, slot) == 0, "resume");
	end_child(pid, 0);
	CHECK(sh->mxcsr == ROUND_DOWN, "the child's control register after: %#x", sh->mxcsr);
	close(fd);
}

/* What an examination refuses, and the end that sees the task ran. */
static void examine_errors(void)
{
	int fd = utd_open(), go[2], slot, p[2];
	tracee_regs r;
	char buf[16];
	pid_t pid;

	/* An engine that holds no stop may not examine: EINVAL. */
	CHECK(pipe(p) == 0, "pipe");
	out_fd = p[0];
	pid = utd_held_child(go, sleep_in_read);
	slot = utd_attach_simple(fd, pid, UTRACE_TEST_RECORD,
				 UTRACE_TEST_EVENT_QUIESCE, 1, 0);
	utd_release(go);
	CHECK_ERRNO(examine(fd, slot, UTRACE_TEST_EXAMINE_REGS, 0, &r, sizeof(r), 0),
		    EINVAL);
	/* Stopped for it: fine. */
	ioctl(fd, UTRACE_TEST_STOP_TASK, slot);
	CHECK(UTD_POLL(utd_stopped(fd, slot)), "the child did not stop");
	CHECK(examine(fd, slot, UTRACE_TEST_EXAMINE_REGS, 0, &r, sizeof(r), 0) ==
	      sizeof(r), "regs: %s", strerror(errno));
	/* Bad requests change nothing. */
	CHECK_ERRNO(examine(fd, slot, 9, 0, buf, sizeof(buf), 0), EINVAL);
	CHECK_ERRNO(examine(fd, slot, UTRACE_TEST_EXAMINE_REGS, 0, buf, 0, 0), EINVAL);
	CHECK_ERRNO(examine(fd, slot, UTRACE_TEST_EXAMINE_REGS, 0, buf, 4097, 0), EINVAL);
	CHECK_ERRNO(examine(fd, slot, UTRACE_TEST_EXAMINE_REGS, 0, &r, sizeof(r), 3),
		    EINVAL);
	CHECK_ERRNO(examine(fd, slot, UTRACE_TEST_EXAMINE_SET_REGS, 0, &r, 8, 0),
		    EINVAL);
	CHECK_ERRNO(examine(fd, 99, UTRACE_TEST_EXAMINE_REGS, 0, &r, sizeof(r), 0),
		    EINVAL);
	CHECK_ERRNO(examine(fd, slot, UTRACE_TEST_EXAMINE_READ, 0, buf, 8, 0), EFAULT);
	CHECK(utd_stopped(fd, slot), "a bad request let the child go");
	/* Resumed during the examination: its end says the stop is over. */
	CHECK_ERRNO(examine(fd, slot, UTRACE_TEST_EXAMINE_REGS, 0, &r, sizeof(r),
			    UTRACE_TEST_EXAMINE_THEN_RESUME), EINVAL);
	CHECK(UTD_POLL(!utd_stopped(fd, slot)), "still stopped after the resume");
	/* Stopped again during it: the end says the task ran. */
	ioctl(fd, UTRACE_TEST_STOP_TASK, slot);
	CHECK(UTD_POLL(utd_stopped(fd, slot)), "the child did not stop again");
	CHECK_ERRNO(examine(fd, slot, UTRACE_TEST_EXAMINE_REGS, 0, &r, sizeof(r),
			    UTRACE_TEST_EXAMINE_THEN_RESTOP), EAGAIN);
	CHECK(utd_stopped(fd, slot), "not stopped after the restop");
	/* Detached: ESRCH. */
	CHECK(ioctl(fd, UTRACE_TEST_DETACH, slot) == 0, "detach");
	CHECK_ERRNO(examine(fd, slot, UTRACE_TEST_EXAMINE_REGS, 0, &r, sizeof(r), 0),
		    ESRCH);
	CHECK(write(p[1], "x", 1) == 1, "wake the child");
	end_child(pid, 0);
	close(p[0]);
	close(p[1]);
	close(fd);
}

/* The memory of an undumpable task is refused; its registers are not. */
static void undumpable_memory_is_refused(void)
{
	int fd = utd_open(), slot;
	tracee_regs r;
	char buf[8];
	pid_t pid;

	snprintf(sh->msg, sizeof(sh->msg), "hello");
	sh->dumpable = 0;
	slot = stopped_writer(fd, &pid);
	CHECK_ERRNO(examine(fd, slot, UTRACE_TEST_EXAMINE_READ,
			    (unsigned long)sh->msg, buf, 5, 0), EPERM);
	CHECK_ERRNO(examine(fd, slot, UTRACE_TEST_EXAMINE_STRING,
			    (unsigned long)sh->msg, buf, 8, 0), EPERM);
	CHECK_ERRNO(examine(fd, slot, UTRACE_TEST_EXAMINE_WRITE,
			    (unsigned long)sh->msg, "HELLO", 5, 0), EPERM);
	CHECK(examine(fd, slot, UTRACE_TEST_EXAMINE_REGS, 0, &r, sizeof(r), 0) ==
	      sizeof(r), "regs: %s", strerror(errno));
	CHECK(ioctl(fd, UTRACE_TEST_RESUME, slot) == 0, "resume");
	end_child(pid, 0);
	CHECK(!strcmp(sh->msg, "hello"), "the memory changed: %s", sh->msg);
	sh->dumpable = 1;
	close(fd);
}

struct racer {
	int fd, slot;
	long ret;
	int err;
	tracee_regs r;
};

static void *read_regs_slowly(void *arg)
{
	struct racer *x = arg;

	x->ret = examine(x->fd, x->slot, UTRACE_TEST_EXAMINE_REGS, 0, &x->r,
			 sizeof(x->r), 0);
	x->err = errno;
	return NULL;
}

/*
 * SIGKILL during a register access: the task stays in its stop until the
 * access is done (its stack and mm stay), then dies.  The delay hook holds
 * the access open for 300 ms.
 */
static void sigkill_waits_for_a_register_access(void)
{
	struct racer x = { .fd = utd_open() };
	int before, status = -1;
	pthread_t t;
	pid_t pid;

	snprintf(sh->msg, sizeof(sh->msg), "hello");
	sh->dumpable = 1;
	x.slot = stopped_writer(x.fd, &pid);
	before = ioctl(x.fd, UTRACE_TEST_EXAMINE_DELAYED, 0);
	CHECK(ioctl(x.fd, UTRACE_TEST_EXAMINE_DELAY, 300) == 0, "arm");
	CHECK(pthread_create(&t, NULL, read_regs_slowly, &x) == 0, "thread");
	CHECK(utd_wait_delay_entered(x.fd, UTRACE_TEST_EXAMINE_DELAYED, before,
				     2000) > before, "the access did not begin");
	CHECK(kill(pid, SIGKILL) == 0, "kill");
	utd_msleep(50);
	CHECK(waitpid(pid, &status, WNOHANG) == 0,
	      "the child died during the register access");
	/*
	 * Killed, still held by the access under way: no new examination may
	 * begin (examiners taking turns would keep it from dying for good).
	 */
	{
		char buf[8];

		CHECK_ERRNO(examine(x.fd, x.slot, UTRACE_TEST_EXAMINE_READ,
				    (unsigned long)sh->msg, buf, 5, 0), ESRCH);
	}
	pthread_join(t, NULL);
	/* The access was made; its end finds the stop over. */
	CHECK(x.ret == -1 && (x.err == EAGAIN || x.err == ESRCH),
	      "examine: %ld %s", x.ret, strerror(x.err));
	CHECK(regs_nr_word(&x.r) == SYS_write, "the registers read: nr %ld",
	      regs_nr_word(&x.r));
	end_child(pid, SIGKILL);
	close(x.fd);
}

/*
 * A task may examine itself (utrace let it): it reads its registers, but
 * may not write them that way (they are in use: a callback changes them
 * through its report).
 */
static void a_task_reads_but_does_not_write_its_own_registers(void)
{
	int fd = utd_open(), slot;
	tracee_regs r;

	slot = utd_attach_simple(fd, 0, UTRACE_TEST_RECORD, UTRACE_TEST_EVENT_QUIESCE,
				 1, 0);
	memset(&r, 0, sizeof(r));
	CHECK(examine(fd, slot, UTRACE_TEST_EXAMINE_REGS, 0, &r, sizeof(r), 0) ==
	      sizeof(r) && regs_nr_word(&r) == SYS_ioctl,
	      "own registers: %s, nr %ld", strerror(errno), regs_nr_word(&r));
	CHECK_ERRNO(examine(fd, slot, UTRACE_TEST_EXAMINE_SET_REGS, 0, &r, sizeof(r), 0),
		    EINVAL);
	CHECK(ioctl(fd, UTRACE_TEST_DETACH, slot) == 0, "detach");
	close(fd);
}

int main(void)
{
	static const struct ktap_case cases[] = {
		KTAP_CASE(registers_and_memory_of_a_stopped_task),
		KTAP_CASE(strings_end_at_nul_missing_page_or_buffer),
		KTAP_CASE(floating_point_registers_are_read_and_written),
		KTAP_CASE(examine_errors),
		KTAP_CASE(undumpable_memory_is_refused),
		KTAP_CASE(sigkill_waits_for_a_register_access),
		KTAP_CASE(a_task_reads_but_does_not_write_its_own_registers),
	};

	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		return 1;
	sh->dumpable = 1;
	return ktap_run("guest_examine", cases, sizeof(cases) / sizeof(cases[0]));
}
