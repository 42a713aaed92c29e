// SPDX-License-Identifier: GPL-2.0
/*
 * aarch32_test - AArch32 (32-bit arm, EABI) programs on arm64, under the
 * engines and under ptrace.
 *
 * The arm64 test kernel runs AArch32 programs (CONFIG_COMPAT).  Their
 * calls reach the engines with arm's ABI, AUDIT_ARCH_ARM, for which
 * utrace-rs has no syscall table: 4 is write there, 199 getuid32, where
 * arm64's 199 is an unrelated call.  No engine may read such a call with
 * arm64's numbers:
 *
 *  - the VM engine refuses it (ENOSYS) while it has rules, as a seccomp
 *    filter that checks the arch does, and lets it run without rules; an
 *    exit or exit_group always runs (the kernel's numbers for AArch32 tell
 *    them, engine_core::UntabledCall);
 *  - an engine that writes an argument writes its low half;
 *  - the strace engine shows it raw, with its arch:
 *    `[arch 0x40000028] syscall_0x4(0x1, ...) = 10`, and an exit_group's
 *    line at its entry, `= ?`;
 *  - the branch engine records none of the program's branches (it decodes
 *    A64 only), and does not step it;
 *  - ptrace sees the call as arm's (PTRACE_GET_SYSCALL_INFO), and
 *    PTRACE_SYSVM skips it with the result the tracer set, as a native one;
 *  - an AArch32 tracer uses PTRACE_MULTI with its own 32-bit layout.
 *
 * The programs are /usr/bin/calls_a32 and /usr/bin/multi_a32
 * (guest/aarch32/); the numbers are arm's asm/unistd.h, through the
 * Makefile's eabi_nr.h.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <linux/audit.h>
#include <linux/utrace_branch.h>
#include "eabi_nr.h"
#include "ktap.h"
#include "ptrace.h"
#include "run.h"
#include "utrace_test_dev.h"

#define CALLS_A32 "/usr/bin/calls_a32"
#define OUT_FILE "/tmp/aarch32.out"
#define TRACE_FILE "/tmp/aarch32.trace"
#define RUN_TIMEOUT 60

/* What the strace engine writes before a call of arm's ABI. */
#define ARM_MARK "[arch 0x40000028] "

static char out[8192], trace[16384];

/*
 * Runs argv with stdout and stderr into OUT_FILE; returns its exit status
 * (128 + the signal if a signal ended it, -1 if it was not waited for),
 * the output in out.
 */
static int run_to_file(const char *const argv[])
{
	int timed_out, status = run_in_group(argv, OUT_FILE, OUT_FILE, RUN_TIMEOUT, &timed_out);

	slurp(OUT_FILE, out, sizeof(out));
	CHECK(!timed_out, "%s: killed after %d s", argv[0], RUN_TIMEOUT);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* What calls_a32 prints when its calls run: its name, then the node name. */
static void expect_calls_ran(const char *why)
{
	struct utsname u;
	char want[128];

	CHECK(uname(&u) == 0, "uname: %s", strerror(errno));
	snprintf(want, sizeof(want), "calls_a32\n%s\n", u.nodename);
	CHECK(strstr(out, want), "%s: no '%s' in calls_a32's output:\n%s", why, want, out);
}

/* The baseline the other cases stand on: the kernel runs the program. */
static void an_aarch32_program_runs(void)
{
	const char *argv[] = { CALLS_A32, NULL };

	CHECK(run_to_file(argv) == 0, "calls_a32's status (1: getuid32 did not return 0); "
	      "output:\n%s", out);
	expect_calls_ran("alone");
}

/*
 * Under rules the VM refuses every call of an ABI it has no table for
 * (ENOSYS): calls_a32's write fails, so it prints nothing, and its
 * getuid32, so it exits with 1.  `return getuid 4321` read with arm64's
 * numbers would have answered another call.  Its exit_group runs: a
 * refused one would leave it calling exit for ever (as a C library's
 * _Exit does), until the time limit.
 */
static void vm_refuses_aarch32_calls_under_rules(void)
{
	const char *argv[] = { "/usr/bin/utrace", "--vm", "return getuid 4321", "--", CALLS_A32,
		NULL };
	int status = run_to_file(argv);

	CHECK(status == 1, "utrace's status %d, wanted 1 (calls_a32's getuid32 refused, its "
	      "exit_group run); output:\n%s", status, out);
	CHECK(!strstr(out, "calls_a32"), "a refused write printed:\n%s", out);
}

/* Without rules the VM lets every call through, arm's included. */
static void vm_without_rules_runs_aarch32_calls(void)
{
	const char *argv[] = { "/usr/bin/utrace", "--vm", "# no rules", "--", CALLS_A32, NULL };

	CHECK(run_to_file(argv) == 0, "status; output:\n%s", out);
	expect_calls_ran("under a VM without rules");
}

/*
 * The strace engine shows arm's calls raw, with their arch and number,
 * never named from arm64's table (whose 4 and 199 are other calls).
 */
static void strace_shows_aarch32_calls_raw_with_their_arch(void)
{
	const char *argv[] = { "/usr/bin/utrace", "--strace", "-o", TRACE_FILE, "--", CALLS_A32,
		NULL };
	char write_start[64], getuid_start[64], exit_start[64];
	const char *line;

	snprintf(write_start, sizeof(write_start), ARM_MARK "syscall_%#x(0x1, ", EABI_NR_write);
	snprintf(getuid_start, sizeof(getuid_start), ARM_MARK "syscall_%#x(", EABI_NR_getuid32);
	snprintf(exit_start, sizeof(exit_start), ARM_MARK "syscall_%#x(0x0, ", EABI_NR_exit_group);
	unlink(TRACE_FILE);
	CHECK(run_to_file(argv) == 0, "status; output:\n%s", out);
	expect_calls_ran("under the strace engine");
	slurp(TRACE_FILE, trace, sizeof(trace));
	line = line_starting(trace, write_start);
	CHECK(line && line_ends_with(line, "= 10"), "no line '%s... = 10' in:\n%s", write_start,
	      trace);
	line = line_starting(trace, getuid_start);
	CHECK(line && line_ends_with(line, "= 0"), "no line '%s... = 0' in:\n%s", getuid_start,
	      trace);
	/* exit_group does not return: its line is written at its entry. */
	line = line_starting(trace, exit_start);
	CHECK(line && line_ends_with(line, "= ?"), "no line '%s... = ?' in:\n%s", exit_start,
	      trace);
	for (const char *p = trace; (p = strstr(p, ARM_MARK)); p += strlen(ARM_MARK))
		CHECK(!strncmp(p + strlen(ARM_MARK), "syscall_0x", 10),
		      "an arm call named from another table: %.60s", p);
}

/*
 * The branch engine decodes A64 instructions only: an AArch32 program's
 * steps are not judged, so none of its branches is recorded (calls_a32
 * takes a dozen), rather than judged by A64's lengths.
 */
static void branch_records_no_branch_of_an_aarch32_program(void)
{
	const char *argv[] = { "/usr/bin/utrace", "--branches", "64", "--", CALLS_A32, NULL };
	const char *want = "utrace: 0 branches shown, 0 recorded, 0 overwritten";

	CHECK(run_to_file(argv) == 0, "status; output:\n%s", out);
	expect_calls_ran("under the branch engine");
	CHECK(has_line(out, want), "no line '%s' in:\n%s", want, out);
}

/*
 * Nor does it step an AArch32 program (a trap an instruction, for
 * nothing): attached to a child from its exec, it has stepped no
 * instruction when the child, which execs calls_a32, has exited.
 */
static void branch_does_not_step_an_aarch32_program(void)
{
	struct utrace_branch_attach a = {
		.flags = UTRACE_BRANCH_FROM_EXEC, .records = 64,
	};
	struct utrace_branch_status st;
	int fd = open("/dev/utrace-branch", O_RDWR | O_CLOEXEC), status;
	pid_t pid;

	CHECK(fd >= 0, "open /dev/utrace-branch: %s", strerror(errno));
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		alarm(20);
		if (null < 0 || dup2(null, 1) < 0)
			_exit(102);
		raise(SIGSTOP);
		execl(CALLS_A32, CALLS_A32, (char *)NULL);
		_exit(101);
	}
	CHECK(waitpid(pid, &status, WUNTRACED) == pid && WIFSTOPPED(status), "child: %#x",
	      status);
	a.pid = pid;
	CHECK(ioctl(fd, UTRACE_BRANCH_ATTACH, &a) == 0, "attach: %s", strerror(errno));
	kill(pid, SIGCONT);
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "calls_a32's status %#x", status);
	memset(&st, 0xff, sizeof(st));
	CHECK(ioctl(fd, UTRACE_BRANCH_STATUS, &st) == 0, "status: %s", strerror(errno));
	CHECK(st.steps == 0 && st.branches == 0, "%llu instructions stepped, %llu branches",
	      (unsigned long long)st.steps, (unsigned long long)st.branches);
	close(fd);
}

/*
 * ptrace sees calls_a32's getuid32 as a call of arm's ABI, by arm's
 * number; PTRACE_SYSVM skips it with the result the tracer wrote in r0 (an
 * AArch32 tracee's NT_PRSTATUS is its 18 32-bit registers): calls_a32
 * exits with 42 when getuid32 returned 4321.
 */
static void sysvm_skips_an_aarch32_call_with_the_tracers_result(void)
{
	struct ptrace_syscall_info info;
	uint32_t regs[18];
	struct iovec iov = { regs, sizeof(regs) };
	int status;
	/* Entry stops until getuid32's (write's entry and exit come first). */
	pid_t pid = trace_to_syscall_entry(CALLS_A32, EABI_NR_getuid32, 8, &status, &info);

	CHECK(pid > 0 && WIFSTOPPED(status) && info.op == PTRACE_SYSCALL_INFO_ENTRY &&
	      info.arch == AUDIT_ARCH_ARM && info.entry.nr == EABI_NR_getuid32,
	      "no arm getuid32 entry stop: status %#x, arch %#x, nr %llu", status, info.arch,
	      (unsigned long long)info.entry.nr);
	CHECK(ptrace(PTRACE_GETREGSET, pid, NT_PRSTATUS, &iov) == 0 && iov.iov_len == sizeof(regs),
	      "GETREGSET: %s, %zu bytes (wanted AArch32's %zu)", strerror(errno), iov.iov_len,
	      sizeof(regs));
	regs[0] = 4321;
	CHECK(ptrace(PTRACE_SETREGSET, pid, NT_PRSTATUS, &iov) == 0, "SETREGSET r0: %s",
	      strerror(errno));
	status = skip_call_and_wait(pid);
	CHECK(status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 42,
	      "status %#x (%s), wanted exit 42 (0: getuid32 ran; 1: another result)", status,
	      status == -1 ? strerror(errno) : "ended");
}

/*
 * An AArch32 tracer (/usr/bin/multi_a32) reads, writes and resumes its
 * tracee in one PTRACE_MULTI batch of 32-bit elements: words of 4 bytes,
 * a string, arm's 18 registers, as its GETREGS alone gives them.
 */
static void an_aarch32_tracer_uses_ptrace_multi(void)
{
	const char *argv[] = { "/usr/bin/multi_a32", NULL };
	int status = run_to_file(argv);

	CHECK(status == 0, "multi_a32's status %d: the first check that failed (see "
	      "guest/aarch32/multi_a32.c); output:\n%s", status, out);
}

/*
 * An engine that writes an AArch32 call's argument writes its low half:
 * the task has 32-bit registers, and arm64's compat table runs many calls
 * through their native handlers, which read whole x registers.  A test
 * engine sets every write's count (its third argument) to 0x100000004:
 * calls_a32 then writes 4 bytes a call ("call", then the node name's
 * first four), where a count of 2^32 + 4 would write up to the end of its
 * mapping.
 */
static void an_engine_writes_the_low_half_of_an_aarch32_argument(void)
{
	int fd, status, file = open(OUT_FILE, O_CREAT | O_WRONLY | O_TRUNC, 0644);
	struct utsname u;
	char want[16];
	pid_t pid;

	CHECK(file >= 0 && uname(&u) == 0, "%s, uname: %s", OUT_FILE, strerror(errno));
	pid = fork();
	if (pid == 0) {
		alarm(20);
		if (dup2(file, 1) < 0)
			_exit(102);
		raise(SIGSTOP);
		execl(CALLS_A32, CALLS_A32, (char *)NULL);
		_exit(101);
	}
	close(file);
	CHECK(waitpid(pid, &status, WUNTRACED) == pid && WIFSTOPPED(status), "child: %#x",
	      status);
	fd = utd_open();
	utd_attach(fd, (struct utrace_test_attach){
		.pid = pid, .kind = UTRACE_TEST_REWRITE_ARG,
		.events = UTRACE_TEST_EVENT_SYSCALL_ENTRY, .id = 1, .nr = EABI_NR_write,
		.arg = 2, .value = 0x100000004ULL });
	kill(pid, SIGCONT);
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "calls_a32's status %#x", status);
	close(fd);
	slurp(OUT_FILE, out, sizeof(out));
	snprintf(want, sizeof(want), "call%.4s", u.nodename);
	CHECK(!strcmp(out, want), "calls_a32 wrote %zu bytes, wanted '%s': '%.64s'",
	      strlen(out), want, out);
}

KTAP_MAIN("guest_aarch32",
	  KTAP_CASE(an_aarch32_program_runs),
	  KTAP_CASE(vm_refuses_aarch32_calls_under_rules),
	  KTAP_CASE(vm_without_rules_runs_aarch32_calls),
	  KTAP_CASE(strace_shows_aarch32_calls_raw_with_their_arch),
	  KTAP_CASE(branch_records_no_branch_of_an_aarch32_program),
	  KTAP_CASE(branch_does_not_step_an_aarch32_program),
	  KTAP_CASE(sysvm_skips_an_aarch32_call_with_the_tracers_result),
	  KTAP_CASE(an_aarch32_tracer_uses_ptrace_multi),
	  KTAP_CASE(an_engine_writes_the_low_half_of_an_aarch32_argument))
