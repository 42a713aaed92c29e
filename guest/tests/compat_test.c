// SPDX-License-Identifier: GPL-2.0
/*
 * compat_test - 32-bit (ia32) calls under the engines and under ptrace.
 *
 * The test kernel has IA32 emulation (qemu-ci/kernel-debug.config), so a
 * 64-bit program can make an ia32 call with `int $0x80`: its number and
 * arguments are those of the 32-bit table (getuid32 is 199 there, 24 is
 * the 16-bit getuid; on x86_64, 24 is sched_yield).  The engines see such
 * a call's ABI (SyscallEntry::arch(), is_native()):
 *
 *  - the VM engine, whose rules name native calls, refuses every ia32
 *    call with ENOSYS while it has rules, as a seccomp filter that checks
 *    the arch would: never a rule applied to the wrong call, never a call
 *    let through that a rule meant to catch;
 *  - the strace engine prints it raw, with its arch:
 *    `[arch 0x40000003] syscall_0xc7(0x0, 0x0, ...) = 0`;
 *  - ptrace sees it as ia32 (PTRACE_GET_SYSCALL_INFO) and PTRACE_SYSVM
 *    skips it with the result the tracer set, as a native call;
 *  - a 32-bit tracer (ptrace through int $0x80) gets EIO from PTRACE_MULTI
 *    and the CHARDATA requests (no 32-bit layout yet).
 *
 * Run with --int80, the program prints what a native getuid and an ia32
 * getuid32 returned, for the cases that run it under /usr/bin/utrace.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <sys/ioctl.h>
#include <linux/audit.h>
#include <linux/utrace.h>
#include "ktap.h"
#include "ptrace.h"
#include "run.h"
#include "utrace_test_dev.h"

/* ia32 numbers (arch/x86/entry/syscalls/syscall_32.tbl). */
#define IA32_GETPID	20
#define IA32_PTRACE	26
#define IA32_GETUID32	199

#define SELF "/tests/compat_test"
#define OUT_FILE "/tmp/compat.out"
#define TRACE_FILE "/tmp/compat.trace"
#define RUN_TIMEOUT 60

/* An ia32 call with up to two arguments, from this 64-bit program. */
static int int80(long nr, long a, long b)
{
	long ret;

	asm volatile("int $0x80" : "=a"(ret) : "a"(nr), "b"(a), "c"(b) : "memory");
	return (int)ret;
}

/*
 * --int80-wide: an ia32 getpid whose argument registers have their upper
 * halves set, which the ia32 call does not use: the engines must see
 * what the kernel uses, 0 and 1.
 */
static int int80_wide(void)
{
	long ret, bx = 0xdeadbeef00000000L, cx = 0xfeedface00000001L;

	asm volatile("int $0x80" : "=a"(ret), "+b"(bx), "+c"(cx) : "a"((long)IA32_GETPID)
		     : "memory");
	return (int)ret == getpid() ? 0 : 1;
}

/* --execveat: becomes `compat_test --int80` through execveat. */
static int execveat_self(void)
{
	char *const args[] = { "compat_test", "--int80", NULL };

	syscall(SYS_execveat, AT_FDCWD, SELF, args, environ, 0);
	return 127;
}

/* An ia32 call with four arguments (ebx, ecx, edx, esi). */
static int int80_4(long nr, long a, long b, long c, long d)
{
	long ret;

	asm volatile("int $0x80" : "=a"(ret) : "a"(nr), "b"(a), "c"(b), "d"(c), "S"(d)
		     : "memory");
	return (int)ret;
}

/* --int80: what the two getuids return, one line, native calls only. */
static int print_uids(void)
{
	long native = syscall(SYS_getuid);
	int ia32 = int80(IA32_GETUID32, 0, 0);

	printf("native=%ld ia32=%d\n", native, ia32);
	return 0;
}

static char out[8192], trace[8192];

/*
 * Runs argv with stdout and stderr into OUT_FILE; returns its exit status
 * (-1 if it did not exit), the output in out.
 */
static int run_to_file(const char *const argv[])
{
	int timed_out, status = run_in_group(argv, OUT_FILE, OUT_FILE, RUN_TIMEOUT, &timed_out);

	slurp(OUT_FILE, out, sizeof(out));
	CHECK(!timed_out, "%s: killed after %d s", argv[0], RUN_TIMEOUT);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* The kernel runs ia32 calls: the baseline the other cases stand on. */
static void ia32_calls_run(void)
{
	CHECK(int80(IA32_GETUID32, 0, 0) == (int)getuid(), "ia32 getuid32 returned %d",
	      int80(IA32_GETUID32, 0, 0));
	CHECK(int80(IA32_GETPID, 0, 0) == getpid(), "ia32 getpid returned %d",
	      int80(IA32_GETPID, 0, 0));
}

/*
 * Under `return getuid 1000`, the native getuid gets 1000 and the ia32
 * getuid32 ENOSYS: the rule names the native call, and the VM refuses the
 * calls of an ABI its rules do not cover.
 */
static void vm_refuses_ia32_calls_under_rules(void)
{
	const char *argv[] = { "/usr/bin/utrace", "--vm", "return getuid 1000", "--",
		SELF, "--int80", NULL };

	CHECK(run_to_file(argv) == 0, "status; output:\n%s", out);
	CHECK(has_line(out, "native=1000 ia32=-38"), "output:\n%s", out);
}

/* Without rules the VM lets every call through, ia32 ones included. */
static void vm_without_rules_runs_ia32_calls(void)
{
	const char *argv[] = { "/usr/bin/utrace", "--vm", "# no rules", "--", SELF, "--int80",
		NULL };
	char want[64];

	snprintf(want, sizeof(want), "native=%d ia32=%d", (int)getuid(), (int)getuid());
	CHECK(run_to_file(argv) == 0, "status; output:\n%s", out);
	CHECK(has_line(out, want), "no line '%s' in:\n%s", want, out);
}

/* The strace engine prints an ia32 call raw, with its arch. */
static void strace_prints_ia32_calls_raw(void)
{
	const char *argv[] = { "/usr/bin/utrace", "--strace", "-o", TRACE_FILE, "--",
		SELF, "--int80", NULL };
	char want[64];
	const char *line;

	unlink(TRACE_FILE);
	CHECK(run_to_file(argv) == 0, "status; output:\n%s", out);
	slurp(TRACE_FILE, trace, sizeof(trace));
	snprintf(want, sizeof(want), "[arch %#x] syscall_0xc7(0x0, ", AUDIT_ARCH_I386);
	line = strstr(trace, want);
	CHECK(line && (line == trace || line[-1] == '\n'), "no line starting '%s' in:\n%s", want,
	      trace);
	if (line) {
		const char *end = strchrnul(line, '\n');
		char result[32];
		int n = snprintf(result, sizeof(result), " = %d", (int)getuid());

		CHECK(end - line > n && !strncmp(end - n, result, n),
		      "the line does not end with '%s':\n%.*s", result, (int)(end - line), line);
	}
	/* The native calls around it are decoded as usual. */
	CHECK(strstr(trace, "\ngetuid() "), "no native getuid line in:\n%s", trace);
}

/*
 * Forks a child that asks to be traced and stops itself with SIGSTOP (a
 * plain kill: raise() could make calls of its own after it), then writes
 * what @body returns to @p[1] and exits.  Returns its pid once it is in
 * that stop.
 */
static pid_t fork_tracee(int p[2], int (*body)(void))
{
	int status;
	pid_t pid;

	CHECK(pipe(p) == 0, "pipe");
	pid = fork();
	if (pid == 0) {
		int r;

		alarm(20);
		close(p[0]);
		if (syscall(SYS_ptrace, PTRACE_TRACEME, 0, 0, 0))
			_exit(100);
		syscall(SYS_kill, getpid(), SIGSTOP);
		r = body();
		_exit(write(p[1], &r, sizeof(r)) == sizeof(r) ? 0 : 101);
	}
	close(p[1]);
	CHECK(waitpid(pid, &status, 0) == pid && WIFSTOPPED(status) && WSTOPSIG(status) == SIGSTOP,
	      "no SIGSTOP stop: %#x", status);
	return pid;
}

/* Resumes the stopped tracee to its next syscall-entry stop. */
static void run_to_syscall_entry(pid_t pid)
{
	int status;

	CHECK(ptrace(PTRACE_SETOPTIONS, pid, 0, PTRACE_O_TRACESYSGOOD) == 0, "SETOPTIONS: %s",
	      strerror(errno));
	CHECK(ptrace(PTRACE_SYSCALL, pid, 0, 0) == 0, "SYSCALL: %s", strerror(errno));
	CHECK(waitpid(pid, &status, 0) == pid && WIFSTOPPED(status) &&
	      WSTOPSIG(status) == (SIGTRAP | 0x80), "no syscall-entry stop: %#x", status);
}

/* Tracee bodies: one getuid, ia32's getuid32 or the native one (-errno). */
static int ia32_getuid32(void)
{
	return int80(IA32_GETUID32, 0, 0);
}

static int native_getuid(void)
{
	/* syscall() returns -1 and sets errno on error: -errno. */
	long v = syscall(SYS_getuid);

	return v == -1 ? -errno : (int)v;
}

/*
 * ptrace: the entry stop of an ia32 call says so (arch AUDIT_ARCH_I386,
 * the ia32 number), and PTRACE_SYSVM's SKIPCALL skips it with the result
 * the tracer wrote, no exit stop.
 */
static void sysvm_skips_an_ia32_call(void)
{
	struct ptrace_syscall_info info;
	int p[2], status, got = 0;
	pid_t pid = fork_tracee(p, ia32_getuid32);
	long n;

	run_to_syscall_entry(pid);
	n = ptrace(PTRACE_GET_SYSCALL_INFO, pid, sizeof(info), &info);
	CHECK(n > 0 && info.op == PTRACE_SYSCALL_INFO_ENTRY, "GET_SYSCALL_INFO: %ld op %d (%s)",
	      n, info.op, strerror(errno));
	CHECK(info.arch == AUDIT_ARCH_I386 && info.entry.nr == IA32_GETUID32,
	      "the stop shows arch %#x nr %llu, wanted %#x %d", info.arch,
	      (unsigned long long)info.entry.nr, AUDIT_ARCH_I386, IA32_GETUID32);
	CHECK(ptrace(PTRACE_POKEUSR, pid, offsetof(struct user_regs_struct, rax), 4321) == 0,
	      "POKEUSER rax: %s", strerror(errno));
	CHECK(ptrace(PTRACE_SYSCALL, pid, PTRACE_VM_SKIPCALL, 0) == 0, "SYSCALL + SKIPCALL: %s",
	      strerror(errno));
	/* The next stop is the entry of the child's write: no exit stop. */
	CHECK(waitpid(pid, &status, 0) == pid && WIFSTOPPED(status) &&
	      WSTOPSIG(status) == (SIGTRAP | 0x80), "no syscall stop after the skip: %#x", status);
	n = ptrace(PTRACE_GET_SYSCALL_INFO, pid, sizeof(info), &info);
	CHECK(n > 0 && info.op == PTRACE_SYSCALL_INFO_ENTRY && info.arch == AUDIT_ARCH_X86_64 &&
	      info.entry.nr == SYS_write,
	      "after the skip: op %d arch %#x nr %llu, wanted the entry of write", info.op,
	      info.arch, (unsigned long long)info.entry.nr);
	CHECK(ptrace(PTRACE_DETACH, pid, 0, 0) == 0, "DETACH: %s", strerror(errno));
	CHECK(read(p[0], &got, sizeof(got)) == sizeof(got) && got == 4321,
	      "the child's ia32 getuid32 returned %d, wanted the tracer's 4321", got);
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "child status %#x", status);
	close(p[0]);
}

/*
 * An ia32 call uses the low 32 bits of its argument registers; the
 * engines see those (the strace engine's raw line shows 0x0 and 0x1), not
 * what a 64-bit caller left in the upper halves.
 */
static void engines_see_only_the_low_halves_of_ia32_arguments(void)
{
	const char *argv[] = { "/usr/bin/utrace", "--strace", "-o", TRACE_FILE, "--",
		SELF, "--int80-wide", NULL };
	char want[64];

	unlink(TRACE_FILE);
	CHECK(run_to_file(argv) == 0, "status; output:\n%s", out);
	slurp(TRACE_FILE, trace, sizeof(trace));
	snprintf(want, sizeof(want), "[arch %#x] syscall_0x14(0x0, 0x1, ", AUDIT_ARCH_I386);
	CHECK(strstr(trace, want), "no '%s' in:\n%s", want, trace);
}

/*
 * A successful exec's exit report comes with the number of the exec the
 * new program's personality implies (execve's, 59 for a 64-bit program),
 * not execveat's: the strace engine still ends the execveat line.
 */
static void strace_shows_an_execveat(void)
{
	const char *argv[] = { "/usr/bin/utrace", "--strace", "-o", TRACE_FILE, "--",
		SELF, "--execveat", NULL };
	const char *want = "execveat(AT_FDCWD, \"" SELF "\", [\"compat_test\", \"--int80\"], ";
	const char *line;

	unlink(TRACE_FILE);
	CHECK(run_to_file(argv) == 0, "status; output:\n%s", out);
	slurp(TRACE_FILE, trace, sizeof(trace));
	line = strstr(trace, want);
	CHECK(line, "no line starting '%s' in:\n%s", want, trace);
	if (line) {
		const char *end = strchrnul(line, '\n');

		CHECK(end - line > 4 && !strncmp(end - 4, " = 0", 4), "the line does not end "
		      "with ' = 0':\n%.*s", (int)(end - line), line);
	}
}

/*
 * The VM redirects an execve's path (it writes its own path and puts the
 * program's pointer back at the exit).  When the exec succeeded the
 * registers are the new program's, and for a 32-bit one the exit report
 * comes with the ia32 execve's number: nothing may be put back there.
 * ebx32 dies by SIGSEGV if its %ebx is 0 as exec left it, SIGILL if not.
 */
static void vm_leaves_a_32bit_programs_registers_alone(void)
{
	const char *argv[] = { "/usr/bin/utrace", "--vm", "redirect /virtual /usr/bin", "--",
		SELF, "--exec", "/virtual/ebx32", NULL };
	int status = run_to_file(argv);

	CHECK(status == 128 + SIGSEGV, "utrace's status %d, wanted %d (ebx32 killed by SIGSEGV; "
	      "%d: SIGILL, its %%ebx was written); output:\n%s", status, 128 + SIGSEGV,
	      128 + SIGILL, out);
}

/*
 * A 32-bit tracer (here: ptrace through int $0x80) gets EIO from
 * PTRACE_MULTI and the CHARDATA requests, whose structures have no 32-bit
 * layout yet, rather than a misread of its memory; PTRACE_SYSVM, which
 * takes no structure, works for it as for a 64-bit tracer.
 */
static void ia32_tracer_gets_eio_from_multi(void)
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		alarm(20);
		if (syscall(SYS_ptrace, PTRACE_TRACEME, 0, 0, 0))
			_exit(100);
		syscall(SYS_kill, getpid(), SIGSTOP);
		_exit(0);
	}
	CHECK(waitpid(pid, &status, 0) == pid && WIFSTOPPED(status), "no stop: %#x", status);
	/* The same requests from the 64-bit ABI, for contrast. */
	CHECK(syscall(SYS_ptrace, PTRACE_MULTI, pid, 0, 0) == 0, "64-bit MULTI of 0: %s",
	      strerror(errno));
	CHECK(int80_4(IA32_PTRACE, PTRACE_MULTI, pid, 0, 0) == -EIO,
	      "ia32 PTRACE_MULTI returned %d, wanted -EIO",
	      int80_4(IA32_PTRACE, PTRACE_MULTI, pid, 0, 0));
	CHECK(int80_4(IA32_PTRACE, PTRACE_PEEKCHARDATA, pid, 0, 0) == -EIO,
	      "ia32 PTRACE_PEEKCHARDATA returned %d, wanted -EIO",
	      int80_4(IA32_PTRACE, PTRACE_PEEKCHARDATA, pid, 0, 0));
	CHECK(int80_4(IA32_PTRACE, PTRACE_SYSVM, pid, 0, 0) == PTRACE_VM_MASK,
	      "ia32 PTRACE_SYSVM returned %d, wanted %#x",
	      int80_4(IA32_PTRACE, PTRACE_SYSVM, pid, 0, 0), PTRACE_VM_MASK);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
}

/*
 * A child, traced by this process, makes one getuid call (ia32's getuid32
 * through int $0x80 if @ia32) under the strace engine attached after the
 * tracer; @at_entry acts at the call's entry stop and resumes the child.
 * Returns what the call returned to the child; the trace is in trace.
 */
static int getuid_under_tracer_and_strace(int ia32, void (*at_entry)(pid_t))
{
	struct utrace_strace_attach a = { 0 };
	int p[2], fd, status, got = 0;
	size_t len = 0;
	ssize_t n;
	pid_t pid;

	trace[0] = 0;
	pid = fork_tracee(p, ia32 ? ia32_getuid32 : native_getuid);
	fd = open("/dev/utrace", O_RDWR | O_CLOEXEC);
	a.pid = pid;
	CHECK(fd >= 0 && ioctl(fd, UTRACE_ATTACH_STRACE, &a) == 0, "attach strace: %s",
	      strerror(errno));
	run_to_syscall_entry(pid);
	at_entry(pid);
	CHECK(waitpid(pid, &status, 0) == pid && WIFSTOPPED(status), "no stop: %#x", status);
	CHECK(ptrace(PTRACE_DETACH, pid, 0, 0) == 0, "DETACH: %s", strerror(errno));
	CHECK(read(p[0], &got, sizeof(got)) == sizeof(got), "no result from the child");
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status), "child status %#x", status);
	close(p[0]);
	/* The engine is detached at the task's death: the trace ends. */
	while (fd >= 0 && len < sizeof(trace) - 1 &&
	       (n = read(fd, trace + len, sizeof(trace) - 1 - len)) > 0)
		len += n;
	trace[len] = 0;
	if (fd >= 0)
		close(fd);
	return got;
}

/* Skips the call the classic way: its number set to -1 (-ENOSYS, exit stop). */
static void skip_by_number(pid_t pid)
{
	CHECK(ptrace(PTRACE_POKEUSR, pid, offsetof(struct user_regs_struct, orig_rax), -1L) == 0,
	      "POKEUSR orig_rax: %s", strerror(errno));
	CHECK(ptrace(PTRACE_SYSCALL, pid, 0, 0) == 0, "SYSCALL: %s", strerror(errno));
}

/*
 * A call whose number a tracer set to -1 (the skip of strace -e inject and
 * of gdb) reaches its exit with -1 for a number, as a sigreturn's does
 * (native or compat): the strace engine outside the tracer still ends the
 * line it began, with the result the program got.
 */
static void strace_ends_the_line_of_a_call_skipped_by_number(void)
{
	int got = getuid_under_tracer_and_strace(0, skip_by_number);

	CHECK(got == -ENOSYS, "the program's getuid returned %d, wanted -ENOSYS", got);
	CHECK(strstr(trace, "\ngetuid() ") || !strncmp(trace, "getuid() ", 9),
	      "no getuid line in:\n%s", trace);
	CHECK(strstr(trace, " = -1 ENOSYS (Function not implemented)"),
	      "no line ending '= -1 ENOSYS' in:\n%s", trace);
}

/*
 * The VM redirects an execve's path and puts the program's pointer back
 * at the exit, unless the exec went through (then the registers are the
 * new program's).  A tracer inside the VM that skips the execve by number
 * and makes it return 0 must get the program's pointer back in rdi: only
 * an exec report says an exec went through, not the exit's result.
 */
static int execve_virtual_ebx32(void)
{
	static const char path[] = "/virtual/ebx32";
	char *const args[] = { "ebx32", NULL };
	register long rdi asm("rdi");
	long ret;

	/* Set here: a call in between may use rdi. */
	rdi = (long)path;
	asm volatile("syscall" : "=a"(ret), "+D"(rdi)
		     : "a"((long)SYS_execve), "S"(args), "d"(environ)
		     : "rcx", "r11", "memory");
	/* Bit 0: the tracer's result came through; bit 1: rdi is ours. */
	return (ret == 0) | (rdi == (long)path) << 1;
}

static void vm_restores_the_path_of_an_exec_a_tracer_skipped(void)
{
	static const char rules_text[] = "redirect /virtual /usr/bin";
	struct utrace_vm_attach v = { 0 };
	int p[2], fd, status, kept = -1;
	pid_t pid = fork_tracee(p, execve_virtual_ebx32);

	fd = open("/dev/utrace", O_RDWR | O_CLOEXEC);
	v.pid = pid;
	v.rules = (unsigned long)rules_text;
	v.rules_len = strlen(rules_text);
	CHECK(fd >= 0 && ioctl(fd, UTRACE_ATTACH_VM, &v) == 0, "attach the VM: %s",
	      strerror(errno));
	run_to_syscall_entry(pid);
	/* Skipped by number; then, at the exit stop, made to return 0. */
	CHECK(ptrace(PTRACE_POKEUSR, pid, offsetof(struct user_regs_struct, orig_rax), -1L) == 0,
	      "POKEUSR orig_rax: %s", strerror(errno));
	CHECK(ptrace(PTRACE_SYSCALL, pid, 0, 0) == 0, "SYSCALL: %s", strerror(errno));
	CHECK(waitpid(pid, &status, 0) == pid && WIFSTOPPED(status) &&
	      WSTOPSIG(status) == (SIGTRAP | 0x80), "no exit stop: %#x", status);
	CHECK(ptrace(PTRACE_POKEUSR, pid, offsetof(struct user_regs_struct, rax), 0L) == 0,
	      "POKEUSR rax: %s", strerror(errno));
	CHECK(ptrace(PTRACE_DETACH, pid, 0, 0) == 0, "DETACH: %s", strerror(errno));
	CHECK(read(p[0], &kept, sizeof(kept)) == sizeof(kept), "no word from the child");
	CHECK(kept & 1, "the skipped execve did not return the tracer's 0");
	CHECK(kept & 2, "after the skipped execve the program's rdi is not its path pointer");
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "child status %#x", status);
	close(p[0]);
	if (fd >= 0)
		close(fd);
}

/*
 * Engines see an ia32 call's arguments as 32 bits; one that rewrites one
 * of them (the test engine's REWRITE_ARG, through set_arg, which writes
 * all six back) changes that low half only: the upper halves a 64-bit
 * caller of int $0x80 keeps in its registers (rbx and rbp are callee-saved
 * for it) stay as they were.
 */
static void engines_writing_an_ia32_argument_keep_the_upper_halves(void)
{
	long ret = IA32_GETPID, bx = 0x1111111100000001L, cx = 0x2222222200000002L;
	long dx = 0x3333333300000003L, si = 0x4444444400000004L, di = 0x5555555500000005L;
	long bp = 0x6666666600000006L;
	int fd = utd_open();

	utd_attach(fd, (struct utrace_test_attach){
		.pid = 0, .kind = UTRACE_TEST_REWRITE_ARG,
		.events = UTRACE_TEST_EVENT_SYSCALL_ENTRY, .id = 1, .nr = IA32_GETPID,
		.arg = 1, .value = 0x77 });
	asm volatile("push %%rbp\n\tmov %[bp], %%rbp\n\tint $0x80\n\t"
		     "mov %%rbp, %[bp]\n\tpop %%rbp"
		     : "+a"(ret), "+b"(bx), "+c"(cx), "+d"(dx), "+S"(si), "+D"(di), [bp] "+r"(bp)
		     : : "memory");
	close(fd);
	CHECK((int)ret == getpid(), "ia32 getpid returned %d", (int)ret);
	CHECK(cx == 0x2222222200000077L, "rcx %#lx, wanted 0x2222222200000077", cx);
	CHECK(bx == 0x1111111100000001L && dx == 0x3333333300000003L &&
	      si == 0x4444444400000004L && di == 0x5555555500000005L &&
	      bp == 0x6666666600000006L,
	      "the other registers changed: rbx %#lx rdx %#lx rsi %#lx rdi %#lx rbp %#lx",
	      bx, dx, si, di, bp);
}

int main(int argc, char **argv)
{
	static const struct ktap_case cases[] = {
		KTAP_CASE(ia32_calls_run),
		KTAP_CASE(vm_refuses_ia32_calls_under_rules),
		KTAP_CASE(vm_without_rules_runs_ia32_calls),
		KTAP_CASE(strace_prints_ia32_calls_raw),
		KTAP_CASE(sysvm_skips_an_ia32_call),
		KTAP_CASE(engines_see_only_the_low_halves_of_ia32_arguments),
		KTAP_CASE(strace_shows_an_execveat),
		KTAP_CASE(vm_leaves_a_32bit_programs_registers_alone),
		KTAP_CASE(ia32_tracer_gets_eio_from_multi),
		KTAP_CASE(strace_ends_the_line_of_a_call_skipped_by_number),
		KTAP_CASE(engines_writing_an_ia32_argument_keep_the_upper_halves),
		KTAP_CASE(vm_restores_the_path_of_an_exec_a_tracer_skipped),
	};

	if (argc > 1 && !strcmp(argv[1], "--int80"))
		return print_uids();
	if (argc > 1 && !strcmp(argv[1], "--int80-wide"))
		return int80_wide();
	if (argc > 1 && !strcmp(argv[1], "--execveat"))
		return execveat_self();
	if (argc > 2 && !strcmp(argv[1], "--exec")) {
		execv(argv[2], argv + 2);
		return 127;
	}
	return ktap_run("guest_compat", cases, sizeof(cases) / sizeof(cases[0]));
}
