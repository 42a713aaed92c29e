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
 *  - the VM engine's rules name calls, and apply to an ia32 call by its
 *    name in the ia32 table (`return getuid` also covers getuid32; a
 *    redirected path an ia32 call could not reach is refused with
 *    ENOSYS): never a rule applied to the wrong call;
 *  - the strace engine names it from the ia32 table, its arguments
 *    decoded where they read the same in every ABI:
 *    `[ia32] getuid32() = 0`;
 *  - ptrace sees it as ia32 (PTRACE_GET_SYSCALL_INFO) and PTRACE_SYSVM
 *    skips it with the result the tracer set, as a native call;
 *  - a real 32-bit program (/usr/bin/calls32) is traced the same way;
 *  - a 32-bit tracer (ptrace through int $0x80) uses PTRACE_MULTI and the
 *    CHARDATA requests with its own layouts and 32-bit words.
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
#include <sys/mman.h>
#include <sys/socket.h>
#include <stdint.h>
#include <linux/audit.h>
#include <linux/utrace.h>
#include "ktap.h"
#include "ptrace.h"
#include "run.h"
#include "utrace_test_dev.h"

/* ia32 numbers (arch/x86/entry/syscalls/syscall_32.tbl). */
#define IA32_GETPID	20
#define IA32_BRK	45
#define IA32_OPEN	5
#define IA32_EXIT_GROUP	252
#define IA32_SETUID16	23
#define IA32_EXECVE	11
#define IA32_EXECVEAT	358

/* The kernel's (6.14); bookworm's C library headers predate it. */
#ifndef AT_EXECVE_CHECK
#define AT_EXECVE_CHECK 0x10000
#endif
#define IA32_MUNMAP	91
#define IA32_PTRACE	26
#define IA32_GETUID32	199
#define IA32_GETUID16	24
#define IA32_FCNTL64	221
#define IA32_F_GETLK64	12
#define IA32_UNAME	122
#define IA32_OLDUNAME	109
#define IA32_OLDOLDUNAME 59
#define IA32_SOCKETCALL	102
#define IA32_IPC	117

#define SELF "/tests/compat_test"
#define CALLS32 "/usr/bin/calls32"
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

/* An ia32 call with four arguments (ebx, ecx, edx, esi). */
static int int80_4(long nr, long a, long b, long c, long d)
{
	long ret;

	asm volatile("int $0x80" : "=a"(ret) : "a"(nr), "b"(a), "c"(b), "d"(c), "S"(d)
		     : "memory");
	return (int)ret;
}

/*
 * --int80-wide: an ia32 getpid and an ia32 brk whose argument registers
 * have their upper halves set, which an ia32 call does not use: the
 * engines must see what the kernel uses (brk's 0, a query: NULL).
 */
static int int80_wide(void)
{
	long ret, bx = 0xdeadbeef00000000L, cx = 0xfeedface00000001L;

	asm volatile("int $0x80" : "=a"(ret), "+b"(bx), "+c"(cx) : "a"((long)IA32_GETPID)
		     : "memory");
	if ((int)ret != getpid())
		return 1;
	bx = 0xdeadbeef00000000L;
	asm volatile("int $0x80" : "=a"(ret), "+b"(bx) : "a"((long)IA32_BRK) : "memory");
	if (ret <= 0)
		return 2;
	/* munmap(NULL, 0): EINVAL, both registers with garbage above. */
	bx = 0xdeadbeef00000000L;
	cx = 0xfeedface00000000L;
	asm volatile("int $0x80" : "=a"(ret), "+b"(bx), "+c"(cx) : "a"((long)IA32_MUNMAP)
		     : "memory");
	return (int)ret == -EINVAL ? 0 : 3;
}

/*
 * --int80-exit: an ia32 exit_group(3) that an engine refuses (the VM,
 * `return exit_group -38`): the program goes on and returns 5 (its
 * exit_group refused too, glibc's _exit() ends it with exit()).
 */
static int int80_exit(void)
{
	int80(IA32_EXIT_GROUP, 3, 0);
	return 5;
}

/* --exit-group-returns: a native exit_group(3), then 5 if it returned. */
static int exit_group_returns(void)
{
	syscall(SYS_exit_group, 3);
	return 5;
}

/*
 * --int80-setuid16: ia32's 16-bit setuid(0x10000), which a kernel with
 * CONFIG_UID16 takes as setuid(0) (the test kernel has no UID16: ENOSYS):
 * the program stays root (returns 0).
 */
static int int80_setuid16(void)
{
	int ret = int80(IA32_SETUID16, 0x10000, 0);

	if (ret != 0 && ret != -ENOSYS)
		return 1;
	return getuid() == 0 ? 0 : 2;
}

/*
 * --int80-open: an ia32 open of a path that does not exist, an ia32
 * fcntl64(0, F_GETLK64, ...), then an ia32 exit_group(3) (the path lies below 4 GiB, where an ia32 call can name
 * it).
 */
static int int80_open(void)
{
	static const char path[] = "/nonexistent/ia32";
	char *low32 = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);

	if (low32 == MAP_FAILED)
		return 1;
	memcpy(low32, path, sizeof(path));
	long ret;

	/* A mode without O_CREAT is not shown, whatever edx holds. */
	asm volatile("int $0x80" : "=a"(ret)
		     : "a"((long)IA32_OPEN), "b"(low32), "c"((long)O_RDONLY), "d"(0xdeadbeefL)
		     : "memory");
	if ((int)ret != -ENOENT)
		return 2;
	/* A flock64 command, which only 32-bit fcntl calls have. */
	int80_4(IA32_FCNTL64, 0, IA32_F_GETLK64, (long)(low32 + 2048), 0);
	int80(IA32_EXIT_GROUP, 3, 0);
	return 4;
}

/*
 * --int80-vm: under the VM of vm_applies_its_rules_to_ia32_calls, an ia32
 * uname and an ia32 open of a redirected path (both in memory below 4
 * GiB, where an ia32 call can name it); prints what they did.
 */
static int int80_vm(void)
{
	static const char path[] = "/virtual/compat_test";
	char *low32 = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
	char *uts;
	int fd, u;

	if (low32 == MAP_FAILED)
		return 1;
	memcpy(low32, path, sizeof(path));
	uts = low32 + 1024;
	fd = int80(IA32_OPEN, (long)low32, O_RDONLY);
	u = int80(IA32_UNAME, (long)uts, 0);
	/* The node name is new_utsname's second field. */
	printf("ia32 uname=%d nodename=%s open=%d\n", u, u == 0 ? uts + 65 : "?", fd);
	return 0;
}

/*
 * The native call @nr(@a, @b) made with the stack pointer at @sp (and put
 * back after).
 */
static long syscall_on_stack(long nr, long a, long b, char *sp)
{
	long ret;

	asm volatile("mov %%rsp, %%r12\n\tmov %[sp], %%rsp\n\tsyscall\n\tmov %%r12, %%rsp"
		     : "=a"(ret) : "a"(nr), "D"(a), "S"(b), [sp] "r"(sp)
		     : "rcx", "r11", "r12", "memory");
	return ret;
}

/*
 * The ia32 call @nr(@*bx, @c) made with the stack pointer at @sp; *@bx
 * is the whole of %rbx after it.
 */
static long int80_on_stack(long nr, long *bx, long c, char *sp)
{
	long ret;

	asm volatile("mov %%rsp, %%r12\n\tmov %[sp], %%rsp\n\tint $0x80\n\tmov %%r12, %%rsp"
		     : "=a"(ret), "+b"(*bx) : "a"(nr), "c"(c), [sp] "r"(sp)
		     : "r12", "memory");
	return ret;
}

/*
 * The ia32 execveat(AT_FDCWD, *@cx, @argv, @envp, AT_EXECVE_CHECK) made
 * with the stack pointer at @sp; *@cx is the whole of %rcx after it.
 */
static long int80_execveat_check_on_stack(long *cx, long argv, long envp, char *sp)
{
	long ret;

	asm volatile("mov %%rsp, %%r12\n\tmov %[sp], %%rsp\n\tint $0x80\n\tmov %%r12, %%rsp"
		     : "=a"(ret), "+c"(*cx)
		     : "a"(IA32_EXECVEAT), "b"((long)AT_FDCWD), "d"(argv), "S"(envp),
		       "D"((long)AT_EXECVE_CHECK), [sp] "r"(sp)
		     : "r12", "memory");
	return ret;
}

/*
 * --vm-edges: under the VM of vm_rules_edges, one line per case:
 *  - ia32's socketcall(SYS_SOCKET) and ipc(SEMOP), which `return socket`
 *    and `return semop` name;
 *  - ia32's olduname and oldolduname, edited in their layouts;
 *  - an open of a redirected path with the stack pointer in a read-only
 *    page (no room for the new path: refused, EFAULT), and one whose new
 *    path would be past PATH_MAX (ENAMETOOLONG): neither may run with the
 *    program's own path;
 *  - an ia32 open of a redirected path from this 64-bit program with its
 *    stack below 4 GiB: it is redirected, and %rbx (the path pointer, with
 *    garbage in its upper half that an ia32 call does not use) is as the
 *    program left it after;
 *  - the same for an ia32 execveat's path, %rcx, with AT_EXECVE_CHECK:
 *    the call answers whether the real file may be run (0) and runs
 *    nothing, so the exit is the program's own and %rcx is put back.
 */
static int vm_edges(void)
{
	static const char virt[] = "/virtual/compat_test";
	char *low = mmap(NULL, 65536, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
	char *ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *longpath = malloc(4096);
	const long garbage = (long)0xdead000000000000UL;
	long bx, fd;
	int n;

	if (low == MAP_FAILED || ro == MAP_FAILED || !longpath)
		return 1;
	/* socketcall(SYS_SOCKET, {AF_UNIX, SOCK_STREAM, 0}), ipc(SEMOP, 0). */
	((unsigned int *)low)[0] = AF_UNIX;
	((unsigned int *)low)[1] = SOCK_STREAM;
	printf("socketcall=%d ipc=%d\n", int80(IA32_SOCKETCALL, 1, (long)low),
	       int80(IA32_IPC, 1, 0));
	n = int80(IA32_OLDUNAME, (long)(low + 1024), 0);
	printf("olduname=%s ", n == 0 ? low + 1024 + 65 : "?");
	n = int80(IA32_OLDOLDUNAME, (long)(low + 2048), 0);
	printf("oldolduname=%s\n", n == 0 ? low + 2048 + 9 : "?");
	printf("ro-stack open=%ld\n",
	       syscall_on_stack(SYS_open, (long)virt, O_RDONLY, ro + 4096));
	memset(longpath, '/', 4094);
	memcpy(longpath, "/v", 2);
	memcpy(longpath + 4094 - strlen("compat_test"), "compat_test", strlen("compat_test"));
	longpath[4094] = 0;
	fd = syscall(SYS_open, longpath, O_RDONLY);
	printf("long open=%ld\n", fd < 0 ? -(long)errno : fd);
	memcpy(low + 4096, virt, sizeof(virt));
	bx = garbage | (long)(low + 4096);
	fd = int80_on_stack(IA32_OPEN, &bx, O_RDONLY, low + 65536);
	printf("low-stack open=%s rbx=%s\n", fd >= 0 ? "ok" : "failed",
	       bx == (garbage | (long)(low + 4096)) ? "kept" : "changed");
	/* argv { virt, NULL } and an empty envp, as 32-bit pointers. */
	((unsigned int *)(low + 8192))[0] = (unsigned int)(long)(low + 4096);
	((unsigned int *)(low + 8192))[1] = 0;
	((unsigned int *)(low + 8192))[2] = 0;
	bx = garbage | (long)(low + 4096);
	fd = int80_execveat_check_on_stack(&bx, (long)(low + 8192), (long)(low + 8192 + 8),
					   low + 65536);
	printf("low-stack execveat check=%ld rcx=%s\n", fd,
	       bx == (garbage | (long)(low + 4096)) ? "kept" : "changed");
	return 0;
}

/* --execveat: becomes `compat_test --int80` through execveat. */
static int execveat_self(void)
{
	char *const args[] = { "compat_test", "--int80", NULL };

	syscall(SYS_execveat, AT_FDCWD, SELF, args, environ, 0);
	return 127;
}

/* --int80: what the native getuid, ia32 getuid32 and 16-bit getuid return. */
static int print_uids(void)
{
	long native = syscall(SYS_getuid);
	int ia32 = int80(IA32_GETUID32, 0, 0);
	int ia32_16 = int80(IA32_GETUID16, 0, 0);

	printf("native=%ld ia32=%d ia32_16=%d\n", native, ia32, ia32_16);
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
 * Under `return getuid 1000`, the native getuid and the ia32 getuid32
 * (getuid's 32-bit-id twin in ia32's table, 199 there) both get 1000.
 * An ia32 uname is edited; an ia32 open of a redirected path from this
 * 64-bit program is refused (ENOSYS): the VM writes the new path below
 * the stack, above 4 GiB here, where an ia32 pointer cannot reach.
 */
static void vm_applies_its_rules_to_ia32_calls(void)
{
	const char *argv[] = { "/usr/bin/utrace", "--vm", "return getuid 1000", "--",
		SELF, "--int80", NULL };
	const char *argv2[] = { "/usr/bin/utrace", "--vm",
		"uname nodename vm32; redirect /virtual /tests", "--", SELF, "--int80-vm", NULL };

	CHECK(run_to_file(argv) == 0, "status; output:\n%s", out);
	CHECK(has_line(out, "native=1000 ia32=1000 ia32_16=1000"), "output:\n%s", out);
	CHECK(run_to_file(argv2) == 0, "status; output:\n%s", out);
	CHECK(has_line(out, "ia32 uname=0 nodename=vm32 open=-38"), "output:\n%s", out);
}

/*
 * An id past 65535: ia32's 16-bit getuid (24) gets the overflow id, as the
 * kernel answers it (kernel.overflowuid); getuid32 and the native call get
 * the id.
 */
static void vm_gives_a_16bit_id_call_the_overflow_id(void)
{
	const char *argv[] = { "/usr/bin/utrace", "--vm", "return getuid 70000", "--",
		SELF, "--int80", NULL };
	char want[64];
	int overflowuid = -1;
	FILE *f = fopen("/proc/sys/kernel/overflowuid", "r");

	CHECK(f && fscanf(f, "%d", &overflowuid) == 1, "read kernel.overflowuid");
	if (f)
		fclose(f);
	snprintf(want, sizeof(want), "native=70000 ia32=70000 ia32_16=%d", overflowuid);
	CHECK(run_to_file(argv) == 0, "status; output:\n%s", out);
	CHECK(has_line(out, want), "want '%s'; output:\n%s", want, out);
}

/*
 * Review findings on the VM's rules in ia32 (each line failed before the
 * fixes): calls made through socketcall and ipc, the older uname layouts,
 * a redirect that cannot be made (refused, never run with the program's
 * path), and an ia32 path pointer put back whole (see vm_edges()).
 */
static void vm_rules_edges(void)
{
	const char *argv[] = { "/usr/bin/utrace", "--vm",
		"return socket -13; return semop -1; uname nodename vm32; "
		"redirect /virtual /tests; redirect /v /tests/../tests/../tests",
		"--", SELF, "--vm-edges", NULL };

	CHECK(run_to_file(argv) == 0, "status; output:\n%s", out);
	CHECK(has_line(out, "socketcall=-13 ipc=-1"), "socketcall, ipc:\n%s", out);
	CHECK(has_line(out, "olduname=vm32 oldolduname=vm32"), "uname layouts:\n%s", out);
	CHECK(has_line(out, "ro-stack open=-14"), "no room for the path:\n%s", out);
	CHECK(has_line(out, "long open=-36"), "a path past PATH_MAX:\n%s", out);
	CHECK(has_line(out, "low-stack open=ok rbx=kept"), "ia32 redirect:\n%s", out);
	CHECK(has_line(out, "low-stack execveat check=0 rcx=kept"), "ia32 execveat redirect:\n%s",
	      out);
}

/*
 * A real 32-bit program in the VM: its getuid32 gets `return getuid`'s
 * value, its uname the node name, and its open of /nonexistent/calls32
 * is redirected to the program itself, below its stack (under 4 GiB).
 * calls32 exits with 42 (getuid32 gave 4321) + 100 (the open worked).
 */
static void vm_rules_apply_to_a_32bit_program(void)
{
	const char *argv[] = { "/usr/bin/utrace", "--vm",
		"return getuid 4321; uname nodename vm32; redirect /nonexistent /usr/bin", "--",
		CALLS32, NULL };
	const char *bare[] = { "/usr/bin/utrace", "--vm", "# no rules", "--", CALLS32, NULL };

	CHECK(run_to_file(argv) == 142, "calls32's status (42: not redirected, 100: getuid32 "
	      "not 4321); output:\n%s", out);
	CHECK(has_line(out, "vm32"), "no node name 'vm32' in:\n%s", out);
	CHECK(run_to_file(bare) == 0, "calls32's status without rules; output:\n%s", out);
}

/* Without rules the VM lets every call through, ia32 ones included. */
static void vm_without_rules_runs_ia32_calls(void)
{
	const char *argv[] = { "/usr/bin/utrace", "--vm", "# no rules", "--", SELF, "--int80",
		NULL };
	char want[64];

	/* The 16-bit call as this kernel runs it (-ENOSYS without CONFIG_UID16). */
	snprintf(want, sizeof(want), "native=%d ia32=%d ia32_16=%d", (int)getuid(), (int)getuid(),
		 int80(IA32_GETUID16, 0, 0));
	CHECK(run_to_file(argv) == 0, "status; output:\n%s", out);
	CHECK(has_line(out, want), "no line '%s' in:\n%s", want, out);
}

/*
 * The strace engine names an ia32 call from the ia32 table (199 is
 * getuid32 there, x86_64's fremovexattr) and marks its ABI.
 */
static void strace_names_ia32_calls(void)
{
	const char *argv[] = { "/usr/bin/utrace", "--strace", "-o", TRACE_FILE, "--",
		SELF, "--int80", NULL };
	const char *want = "[ia32] getuid32()";
	const char *line;

	unlink(TRACE_FILE);
	CHECK(run_to_file(argv) == 0, "status; output:\n%s", out);
	slurp(TRACE_FILE, trace, sizeof(trace));
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
 * An exit_group that an engine refuses returns: its line, written at
 * entry with ` = ?`, is followed by its result, as strace ends an
 * unfinished call (`<... exit_group resumed>) = -1 ENOSYS`), ia32 or
 * native.  An ia32 16-bit setuid shows the id a kernel with CONFIG_UID16
 * takes (0x10000 is 0).
 */
static void strace_ends_a_refused_ia32_exit_group_with_its_result(void)
{
	const char *argv[] = { "/usr/bin/utrace", "--vm", "return exit_group -38", "--strace",
		"-o", TRACE_FILE, "--", SELF, "--int80-exit", NULL };
	const char *argv16[] = { "/usr/bin/utrace", "--strace", "-o", TRACE_FILE, "--", SELF,
		"--int80-setuid16", NULL };
	const char *argvn[] = { "/usr/bin/utrace", "--vm", "return exit_group 7", "--strace", "-o",
		TRACE_FILE, "--", SELF, "--exit-group-returns", NULL };
	const char *line;

	unlink(TRACE_FILE);
	CHECK(run_to_file(argv) == 5, "status; output:\n%s", out);
	slurp(TRACE_FILE, trace, sizeof(trace));
	line = line_starting(trace, "[ia32] exit_group(3)");
	CHECK(line && line_ends_with(line, "= ?"), "no '[ia32] exit_group(3) ... = ?' line in:\n%s",
	      trace);
	line = line_starting(trace, "[ia32] <... exit_group resumed>)");
	CHECK(line && line_ends_with(line, "= -1 ENOSYS (Function not implemented)"),
	      "no '[ia32] <... exit_group resumed>) ... = -1 ENOSYS' line in:\n%s", trace);
	/* A native exit_group answered by a `return` rule: its value. */
	unlink(TRACE_FILE);
	CHECK(run_to_file(argvn) == 5, "native status; output:\n%s", out);
	slurp(TRACE_FILE, trace, sizeof(trace));
	CHECK(line_starting(trace, "exit_group(3)"), "no 'exit_group(3)' line in:\n%s", trace);
	line = line_starting(trace, "<... exit_group resumed>)");
	CHECK(line && line_ends_with(line, "= 7"),
	      "no '<... exit_group resumed>) ... = 7' line in:\n%s", trace);
	unlink(TRACE_FILE);
	CHECK(run_to_file(argv16) == 0, "setuid16 status; output:\n%s", out);
	slurp(TRACE_FILE, trace, sizeof(trace));
	CHECK(line_starting(trace, "[ia32] setuid(0)"), "no '[ia32] setuid(0)' line in:\n%s", trace);
}

/*
 * A 32-bit program that execs a 64-bit one: the ia32 execve's exit comes
 * with x86_64's numbers, and its line is still shown.
 */
static void strace_shows_an_ia32_exec_of_a_64bit_program(void)
{
	const char *argv[] = { "/usr/bin/utrace", "--strace", "-o", TRACE_FILE, "--",
		"/usr/bin/exec32", NULL };
	const char *line;

	unlink(TRACE_FILE);
	CHECK(run_to_file(argv) == 0, "status; output:\n%s", out);
	slurp(TRACE_FILE, trace, sizeof(trace));
	line = line_starting(trace, "[ia32] execve(\"/bin/busybox\", ");
	CHECK(line && line_ends_with(line, "= 0"), "no '[ia32] execve(\"/bin/busybox\", ... = 0' "
	      "line in:\n%s", trace);
}

/*
 * An strace engine attached with UTRACE_FROM_EXEC shows nothing until the
 * task's next exec: an ia32 execve counts (review: the gate let native
 * execs through only, so the trace began after the exec's own line).
 */
static void strace_from_exec_starts_at_an_ia32_exec(void)
{
	struct utrace_strace_attach a = { 0 };
	int go[2], status, fd;
	uint32_t *argv32, *envp32;
	char *low32;
	pid_t pid;

	low32 = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT,
		     -1, 0);
	CHECK(low32 != MAP_FAILED, "mmap(MAP_32BIT): %s", strerror(errno));
	if (low32 == MAP_FAILED || pipe(go))
		return;
	strcpy(low32, "/bin/busybox");
	strcpy(low32 + 64, "true");
	argv32 = (uint32_t *)(low32 + 128);
	argv32[0] = (uint32_t)(uintptr_t)(low32 + 64);
	argv32[1] = 0;
	envp32 = argv32 + 4;
	envp32[0] = 0;
	pid = fork();
	if (pid == 0) {
		char c;

		close(go[1]);
		alarm(20);
		if (read(go[0], &c, 1) != 1)
			_exit(100);
		/* Native calls before the exec: the gate hides them. */
		getppid();
		int80_4(IA32_EXECVE, (long)low32, (long)argv32, (long)envp32, 0);
		_exit(101);
	}
	close(go[0]);
	fd = open("/dev/utrace", O_RDWR | O_CLOEXEC);
	a.pid = pid;
	a.flags = UTRACE_FROM_EXEC;
	CHECK(fd >= 0 && ioctl(fd, UTRACE_ATTACH_STRACE, &a) == 0, "attach strace: %s",
	      strerror(errno));
	CHECK(write(go[1], "x", 1) == 1, "go: %s", strerror(errno));
	close(go[1]);
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "child status %#x (101: the ia32 execve failed)", status);
	/* The engine is detached at the task's death: the trace ends. */
	trace[0] = 0;
	if (fd >= 0) {
		read_to_end(fd, trace, sizeof(trace));
		close(fd);
	}
	munmap(low32, 4096);
	CHECK(!strncmp(trace, "[ia32] execve(\"/bin/busybox\", ", 30) &&
	      line_ends_with(trace, "= 0"),
	      "the trace does not begin with '[ia32] execve(\"/bin/busybox\", ... = 0':\n%s", trace);
}

/*
 * A real 32-bit program (guest/tools32/calls32.c, i386, no libc) under
 * the strace engine: its exec, then each of its calls named from the
 * ia32 table, its path decoded, its write's data and its uname's
 * structure decoded as their x86_64 twins', its exit_group ended with
 * ` = ?`.
 */
static void strace_traces_a_32bit_program(void)
{
	const char *argv[] = { "/usr/bin/utrace", "--strace", "-o", TRACE_FILE, "--", CALLS32,
		NULL };
	static const struct {
		const char *start, *end;
	} lines[] = {
		{ "execve(\"" CALLS32 "\"", "= 0" },
		{ "[ia32] write(1, \"calls32\\n\", 8)", "= 8" },
		{ "[ia32] getuid32()", "= 0" },
		{ "[ia32] uname({sysname=\"Linux\", nodename=\"", "...}) = 0" },
		{ "[ia32] open(\"/nonexistent/calls32\", O_RDONLY)",
		  "= -1 ENOENT (No such file or directory)" },
		{ "[ia32] exit_group(0)", "= ?" },
	};

	unlink(TRACE_FILE);
	CHECK(run_to_file(argv) == 0, "status; output:\n%s", out);
	CHECK(strstr(out, "calls32\n"), "the program's output is missing:\n%s", out);
	slurp(TRACE_FILE, trace, sizeof(trace));
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		const char *line = line_starting(trace, lines[i].start);

		CHECK(line && line_ends_with(line, lines[i].end), "no line '%s ... %s' in:\n%s",
		      lines[i].start, lines[i].end, trace);
	}
}

/*
 * PTRACE_SYSVM on a real 32-bit program: its tracer (this 64-bit
 * process) sees its getuid32 entry as ia32 and skips it with a result of
 * its own; the program exits with 42 when it got that result.
 */
static void sysvm_skips_a_32bit_programs_call(void)
{
	struct ptrace_syscall_info info;
	int status;
	/* Entry stops until getuid32's (write's entry and exit come first). */
	pid_t pid = trace_to_syscall_entry(CALLS32, IA32_GETUID32, 8, &status, &info);

	CHECK(pid > 0 && WIFSTOPPED(status) && info.op == PTRACE_SYSCALL_INFO_ENTRY &&
	      info.arch == AUDIT_ARCH_I386 && info.entry.nr == IA32_GETUID32,
	      "no ia32 getuid32 entry stop: status %#x, arch %#x, nr %llu", status, info.arch,
	      (unsigned long long)info.entry.nr);
	CHECK(ptrace(PTRACE_POKEUSR, pid, offsetof(struct user_regs_struct, rax), 4321) == 0,
	      "POKEUSER rax: %s", strerror(errno));
	status = skip_call_and_wait(pid);
	CHECK(status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 42,
	      "status %#x (%s), wanted exit 42 (0: getuid32 ran; 1: another result)", status,
	      status == -1 ? strerror(errno) : "ended");
}

/*
 * An ia32 open's path and flags are decoded, its error named, an ia32
 * fcntl64's flock64 command named (issue 21: F_GETLK64 showed as 12); an
 * ia32 exit_group's line is written at entry with ` = ?`, as a native one's is.
 */
static void strace_decodes_ia32_paths_and_exit_group(void)
{
	const char *argv[] = { "/usr/bin/utrace", "--strace", "-o", TRACE_FILE, "--",
		SELF, "--int80-open", NULL };
	const char *open_line = "\n[ia32] open(\"/nonexistent/ia32\", O_RDONLY)";
	const char *line, *end;

	unlink(TRACE_FILE);
	CHECK(run_to_file(argv) == 3, "status; output:\n%s", out);
	slurp(TRACE_FILE, trace, sizeof(trace));
	line = strstr(trace, open_line);
	CHECK(line, "no '%s' line in:\n%s", open_line + 1, trace);
	if (line) {
		end = strchrnul(line + 1, '\n');
		CHECK(end - line > 40 && !strncmp(end - 39, "= -1 ENOENT (No such file or directory)", 39),
		      "the open line does not end with ENOENT:\n%.*s", (int)(end - line), line);
	}
	line = strstr(trace, "\n[ia32] fcntl64(0, F_GETLK64, 0x");
	CHECK(line, "no '[ia32] fcntl64(0, F_GETLK64, 0x...' line in:\n%s", trace);
	line = strstr(trace, "\n[ia32] exit_group(3)");
	CHECK(line, "no '[ia32] exit_group(3)' line in:\n%s", trace);
	if (line) {
		end = strchrnul(line + 1, '\n');
		CHECK(end - line > 4 && !strncmp(end - 4, " = ?", 4),
		      "the exit_group line does not end with ' = ?':\n%.*s", (int)(end - line), line);
	}
}

/*
 * An ia32 call uses the low 32 bits of its argument registers; the
 * engines see those (the strace engine's line shows brk(NULL), its
 * pointer as the kernel takes it), not what a 64-bit caller left in the
 * upper halves.
 */
static void engines_see_only_the_low_halves_of_ia32_arguments(void)
{
	const char *argv[] = { "/usr/bin/utrace", "--strace", "-o", TRACE_FILE, "--",
		SELF, "--int80-wide", NULL };
	char want[64];

	unlink(TRACE_FILE);
	CHECK(run_to_file(argv) == 0, "status; output:\n%s", out);
	slurp(TRACE_FILE, trace, sizeof(trace));
	CHECK(strstr(trace, "\n[ia32] brk(NULL)"), "no '[ia32] brk(NULL)' line in:\n%s", trace);
	CHECK(strstr(trace, "\n[ia32] munmap(NULL, 0)"), "no '[ia32] munmap(NULL, 0)' line in:\n%s",
	      trace);
	snprintf(want, sizeof(want), "\n[ia32] getpid()");
	CHECK(strstr(trace, want), "no '%s' line in:\n%s", want + 1, trace);
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
 * A 32-bit tracer (here: ptrace through int $0x80, which the kernel takes
 * as an ia32 call) uses PTRACE_MULTI and the CHARDATA requests with its
 * own layouts: struct ptrace_multi and struct iovec with 32-bit longs and
 * pointers, 32-bit words, as the comment in <linux/ptrace.h> says.
 */
struct ptrace_multi32 {
	int32_t request;
	int32_t addr;
	uint32_t localaddr;
	int32_t length;
};

struct iovec32 {
	uint32_t base;
	uint32_t len;
};

/* user_regs_struct32 of arch/x86/include/asm/user32.h: 17 registers. */
#define IA32_REGS_SIZE (17 * 4)

/*
 * Two pages below 4 GiB, mapped before the fork: the child's copy is the
 * tracee's memory, ours the 32-bit tracer's buffers, at the same address
 * (everything a 32-bit tracer passes must lie there: this program's stack
 * is above 4 GiB).  Page 0 holds the tracee's data (PATTERN(i) at byte i,
 * a string at STRING_AT, words poked at POKE_AT); page 1 the tracer's
 * buffers, and the batch at its end (multi32()).
 */
static unsigned char *low;
#define PATTERN(i) ((unsigned char)(0xa0 + (i)))
/*
 * Two pages around 4 GiB, also mapped before the fork and filled with
 * EDGE_BYTE: what lies past the last address a 32-bit tracer can name,
 * in the tracee and in this (64-bit) tracer.
 */
#define EDGE ((unsigned char *)0xfffff000UL)
#define ABOVE_4G ((unsigned char *)0x100000000UL)
#define EDGE_BYTE 0x5a
#define STRING_AT 128
#define POKE_AT 64
#define LOW32(p) ((uint32_t)(uintptr_t)(p))

/* ptrace(2) as a 32-bit tracer makes it. */
static int ptrace32(long request, pid_t pid, const void *addr, const void *data)
{
	return int80_4(IA32_PTRACE, request, pid, LOW32(addr), LOW32(data));
}

/*
 * PTRACE_MULTI from a 32-bit tracer on the batch @r of @n elements: the
 * batch is copied below 4 GiB (the end of the tracer's page) for the call
 * and back after it.
 */
static int multi32(pid_t pid, struct ptrace_multi32 *r, int n)
{
	struct ptrace_multi32 *at = (struct ptrace_multi32 *)(low + 8192) - n;
	int ret;

	memcpy(at, r, n * sizeof(*r));
	ret = ptrace32(PTRACE_MULTI, pid, at, (void *)(long)n);
	memcpy(r, at, n * sizeof(*r));
	return ret;
}

/*
 * A child stopped under our trace with `low` mapped and filled; once
 * resumed, it exits with 42 if the word at POKE_AT is 0x11223344 (a
 * tracer poked it), 1 if not.
 */
static pid_t stopped_low_child(void)
{
	int status;
	pid_t pid;

	low = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT,
		   -1, 0);
	CHECK(low != MAP_FAILED && (uintptr_t)low < 0xfffff000u, "mmap(MAP_32BIT): %p %s", low,
	      strerror(errno));
	if (low == MAP_FAILED)
		return -1;
	CHECK(mmap(EDGE, 8192, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0) == EDGE,
	      "mmap at 4 GiB - 4 KiB: %s", strerror(errno));
	memset(EDGE, EDGE_BYTE, 8192);
	for (int i = 0; i < 4096; i++)
		low[i] = PATTERN(i);
	strcpy((char *)low + STRING_AT, "hello");
	pid = fork();
	if (pid == 0) {
		uint32_t word;

		alarm(20);
		if (syscall(SYS_ptrace, PTRACE_TRACEME, 0, 0, 0))
			_exit(100);
		syscall(SYS_kill, getpid(), SIGSTOP);
		memcpy(&word, low + POKE_AT, sizeof(word));
		_exit(word == 0x11223344 ? 42 : 1);
	}
	CHECK(waitpid(pid, &status, 0) == pid && WIFSTOPPED(status), "no stop: %#x", status);
	return pid;
}

static void end_low_child(pid_t pid)
{
	int status;

	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
	}
	if (low != MAP_FAILED && low)
		munmap(low, 8192);
	low = NULL;
	munmap(EDGE, 8192);
}

/*
 * One batch: three 32-bit words, five bytes, a string and GETREGS. The
 * words are 4 bytes apart on both sides (the byte after them untouched),
 * the CHARDATA lengths become the bytes copied, and GETREGS in the batch
 * gives what ia32's GETREGS alone gives: user_regs_struct32.
 */
static void ia32_tracer_multi_reads(void)
{
	pid_t pid = stopped_low_child();
	unsigned char *buf, *regs_alone;

	if (pid < 0)
		return;
	buf = low + 4096;
	memset(buf, 0, 4096);
	regs_alone = buf + 600;
	struct ptrace_multi32 r[] = {
		{ PTRACE_PEEKDATA, LOW32(low), LOW32(buf), 3 },
		{ PTRACE_PEEKCHARDATA, LOW32(low + 20), LOW32(buf + 100), 5 },
		{ PTRACE_PEEKSTRINGDATA, LOW32(low + STRING_AT), LOW32(buf + 200), 64 },
		{ PTRACE_GETREGS, 0, LOW32(buf + 300), 0 },
	};
	int ret = multi32(pid, r, 4);

	CHECK(ret == 0, "ia32 PTRACE_MULTI returned %d, lengths %d %d %d %d", ret, r[0].length,
	      r[1].length, r[2].length, r[3].length);
	for (int i = 0; i < 12; i++)
		CHECK(buf[i] == PATTERN(i), "word byte %d is %#x, wanted %#x", i, buf[i],
		      PATTERN(i));
	CHECK(buf[12] == 0, "a 4th word (or an 8-byte word) was written: %#x", buf[12]);
	CHECK(r[0].length == 3, "a word element's length became %d", r[0].length);
	CHECK(r[1].length == 5 && !memcmp(buf + 100, low + 20, 5) && buf[105] == 0,
	      "PEEKCHARDATA: length %d", r[1].length);
	CHECK(r[2].length == 6 && !strcmp((char *)buf + 200, "hello") && buf[206] == 0,
	      "PEEKSTRINGDATA: length %d, \"%.8s\"", r[2].length, buf + 200);
	memset(regs_alone, 0xff, IA32_REGS_SIZE);
	CHECK(ptrace32(PTRACE_GETREGS, pid, NULL, regs_alone) == 0, "GETREGS alone failed");
	CHECK(!memcmp(buf + 300, regs_alone, IA32_REGS_SIZE),
	      "GETREGS in the batch differs from GETREGS alone");
	CHECK(buf[300 + IA32_REGS_SIZE] == 0, "GETREGS wrote past user_regs_struct32");
	/* The same memory through the 64-bit ABI, for contrast: 8-byte words. */
	struct ptrace_multi r64[] = {
		{ PTRACE_PEEKDATA, (long)low, buf + 400, 1 },
	};
	CHECK(syscall(SYS_ptrace, PTRACE_MULTI, pid, r64, 1) == 0, "64-bit MULTI: %s",
	      strerror(errno));
	CHECK(!memcmp(buf + 400, low, 8), "64-bit PEEKDATA in a batch");
	end_low_child(pid);
}

/*
 * Writes: two 32-bit words and three bytes, then PTRACE_CONT as the last
 * element. The child sees the word it checks and exits with 42; the
 * bytes around what was written keep their values.
 */
static void ia32_tracer_multi_writes_and_resumes(void)
{
	pid_t pid = stopped_low_child();
	uint32_t *words;
	unsigned char *bytes;
	int status;
	long got;

	if (pid < 0)
		return;
	words = (uint32_t *)(low + 4096);
	bytes = low + 4096 + 64;
	words[0] = 0x11223344;
	words[1] = 0x55667788;
	memcpy(bytes, "xyz", 3);
	struct ptrace_multi32 r[] = {
		{ PTRACE_POKEDATA, LOW32(low + POKE_AT), LOW32(words), 2 },
		{ PTRACE_POKECHARDATA, LOW32(low + 256), LOW32(bytes), 3 },
	};
	int ret = multi32(pid, r, 2);

	CHECK(ret == 0 && r[1].length == 3, "ia32 PTRACE_MULTI returned %d, lengths %d %d", ret,
	      r[0].length, r[1].length);
	/* What the tracee has now, read with the 64-bit ABI. */
	errno = 0;
	got = ptrace(PTRACE_PEEKDATA, pid, low + POKE_AT, 0);
	CHECK(errno == 0 && got == 0x5566778811223344L, "words poked: %#lx (%s)", got,
	      strerror(errno));
	got = ptrace(PTRACE_PEEKDATA, pid, low + POKE_AT + 8, 0);
	CHECK((got & 0xff) == PATTERN(POKE_AT + 8), "the byte after the words: %#lx", got & 0xff);
	got = ptrace(PTRACE_PEEKDATA, pid, low + 256, 0);
	CHECK(!memcmp(&got, "xyz", 3) && ((unsigned char *)&got)[3] == PATTERN(259),
	      "bytes poked: %#lx", got);
	struct ptrace_multi32 go[] = {
		{ PTRACE_CONT, 0, 0, 0 },
	};
	CHECK(multi32(pid, go, 1) == 0, "ia32 MULTI with CONT failed");
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 42,
	      "child status %#x, wanted exit 42 (1: it did not see the poked word)", status);
	pid = -1;
	end_low_child(pid);
}

/*
 * A failing element: its 32-bit length holds the negative errno (the
 * int32 next to it untouched), the elements before it took effect, the
 * ones after it did not run. An invalid batch changes nothing.
 */
static void ia32_tracer_multi_names_the_failed_element(void)
{
	pid_t pid = stopped_low_child();
	unsigned char *buf;

	if (pid < 0)
		return;
	buf = low + 4096;
	memset(buf, 0, 4096);
	struct ptrace_multi32 r[] = {
		{ PTRACE_PEEKCHARDATA, LOW32(low), LOW32(buf), 4 },
		{ PTRACE_PEEKDATA, 16, LOW32(buf + 100), 1 },
		{ PTRACE_PEEKCHARDATA, LOW32(low), LOW32(buf + 200), 4 },
	};
	int ret = multi32(pid, r, 3);

	CHECK(ret == -EIO, "returned %d, wanted -EIO", ret);
	CHECK(r[0].length == 4 && !memcmp(buf, low, 4), "element 0: length %d", r[0].length);
	CHECK(r[1].length == -EIO && r[1].localaddr == LOW32(buf + 100),
	      "element 1: length %d (wanted %d), localaddr %#x", r[1].length, -EIO,
	      r[1].localaddr);
	CHECK(r[2].length == 4 && buf[200] == 0, "element 2 ran: length %d, byte %#x",
	      r[2].length, buf[200]);
	/* A resume that is not last: EINVAL, nothing run, nothing stored. */
	struct ptrace_multi32 bad[] = {
		{ PTRACE_CONT, 0, 0, 0 },
		{ PTRACE_PEEKCHARDATA, LOW32(low), LOW32(buf + 300), 4 },
	};
	CHECK(multi32(pid, bad, 2) == -EINVAL, "resume not last");
	CHECK(bad[1].length == 4 && buf[300] == 0, "an invalid batch ran");
	/* A negative 32-bit length is invalid, not a huge one. */
	struct ptrace_multi32 neg[] = {
		{ PTRACE_PEEKCHARDATA, LOW32(low), LOW32(buf + 300), -1 },
	};
	CHECK(multi32(pid, neg, 1) == -EINVAL, "negative length");
	end_low_child(pid);
}

/* Whether @n bytes of the tracee at @p all hold EDGE_BYTE (64-bit PEEKDATA). */
static int tracee_edge_intact(pid_t pid, const unsigned char *p, int n)
{
	for (int i = 0; i < n; i += 8) {
		long w;

		errno = 0;
		w = ptrace(PTRACE_PEEKDATA, pid, p + i, 0);
		if (errno || w != 0x5a5a5a5a5a5a5a5aL)
			return 0;
	}
	return 1;
}

/*
 * Nothing runs past 4 GiB, the last address a 32-bit tracer can name,
 * even where both tasks have memory there: a tracee byte copy stops at
 * it with EIO (what lies below is copied, as where memory ends), a word
 * or a tracer range that would cross it fails before it is touched.
 */
static void ia32_tracer_stops_at_4gib(void)
{
	pid_t pid = stopped_low_child();
	struct iovec32 *iov;
	unsigned char *buf;

	if (pid < 0)
		return;
	buf = low + 4096;
	memset(buf, 0, 2048);
	iov = (struct iovec32 *)(buf + 1024);
	/* The tracee's side: POKECHARDATA of 32 bytes at 4 GiB - 16. */
	memset(buf, 0x11, 32);
	*iov = (struct iovec32){ LOW32(buf), 32 };
	CHECK(ptrace32(PTRACE_POKECHARDATA, pid, ABOVE_4G - 16, iov) == -EIO,
	      "POKECHARDATA across 4 GiB returned %d, wanted -EIO",
	      ptrace32(PTRACE_POKECHARDATA, pid, ABOVE_4G - 16, iov));
	CHECK(tracee_edge_intact(pid, ABOVE_4G, 64), "POKECHARDATA wrote above 4 GiB");
	errno = 0;
	CHECK(ptrace(PTRACE_PEEKDATA, pid, ABOVE_4G - 8, 0) == 0x1111111111111111L,
	      "the bytes below 4 GiB were not written: %s", strerror(errno));
	/* PEEKCHARDATA the same way: 16 bytes, then EIO. */
	memset(buf, 0, 64);
	*iov = (struct iovec32){ LOW32(buf), 32 };
	CHECK(ptrace32(PTRACE_PEEKCHARDATA, pid, ABOVE_4G - 16, iov) == -EIO,
	      "PEEKCHARDATA across 4 GiB");
	CHECK(buf[15] == 0x11 && buf[16] == 0, "PEEKCHARDATA read above 4 GiB: %#x %#x",
	      buf[15], buf[16]);
	/* A word that would cross it: EIO, nothing written. */
	struct ptrace_multi32 word[] = {
		{ PTRACE_POKEDATA, (int32_t)0xfffffffe, LOW32(buf), 1 },
	};
	CHECK(multi32(pid, word, 1) == -EIO && word[0].length == -EIO, "POKEDATA across 4 GiB");
	CHECK(tracee_edge_intact(pid, ABOVE_4G, 8), "POKEDATA wrote above 4 GiB");
	/* The tracer's side: words read from 4 GiB - 4 on, bytes written there. */
	memset(EDGE + 4096 - 4, 0x22, 4);
	struct ptrace_multi32 poke[] = {
		{ PTRACE_POKEDATA, LOW32(low + POKE_AT), 0xfffffffc, 2 },
	};
	CHECK(multi32(pid, poke, 1) == -EFAULT && poke[0].length == -EFAULT,
	      "POKEDATA from a tracer range across 4 GiB: length %d", poke[0].length);
	errno = 0;
	CHECK(ptrace(PTRACE_PEEKDATA, pid, low + POKE_AT, 0) ==
	      *(long *)(low + POKE_AT), "the tracee's words changed: %s", strerror(errno));
	struct ptrace_multi32 peek[] = {
		{ PTRACE_PEEKCHARDATA, LOW32(low), 0xffffff00, 512 },
		{ PTRACE_PEEKDATA, LOW32(low), 0xfffffffc, 2 },
	};
	CHECK(multi32(pid, peek, 2) == -EFAULT && peek[0].length == -EFAULT,
	      "PEEKCHARDATA to a tracer range across 4 GiB: length %d", peek[0].length);
	CHECK(multi32(pid, peek + 1, 1) == -EFAULT && peek[1].length == -EFAULT,
	      "PEEKDATA to a tracer range across 4 GiB: length %d", peek[1].length);
	for (int i = 0; i < 512; i++)
		if (ABOVE_4G[i] != EDGE_BYTE) {
			CHECK(0, "the tracer's byte %#x above 4 GiB was written", i);
			break;
		}
	end_low_child(pid);
}

/*
 * PEEKUSR in a compat batch reads the 32-bit user area, as ia32's PEEKUSR
 * alone does (offsets 4 apart); a misaligned offset fails as alone. A
 * batch over 16 elements (read into an allocation) names its failed
 * element at the compat offset; bad counts and pointers change nothing.
 */
#define MULTI32 "/usr/bin/multi32"

/*
 * Runs the 32-bit program @path (20 s at most), which checks itself and
 * exits 0 when every check held, else with the number (10 and up) of the
 * first that failed; @name names it in the message.
 */
static void a_32bit_program_passes(const char *path, const char *name)
{
	int status = -1;
	pid_t pid = fork();

	if (pid == 0) {
		alarm(20);
		execl(path, path, (char *)NULL);
		_exit(127);
	}
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "%s: status %#x (an exit status of 10 and up names the check that failed)",
	      name, status);
}

/*
 * A real 32-bit tracer (guest/tools32/multi32.c: i386, no libc, its
 * struct ptrace_multi from <linux/ptrace.h> compiled with -m32) reads
 * words, a string and the registers of its tracee, pokes a word and
 * resumes it, all in one PTRACE_MULTI batch; it exits 0 when every check
 * held, else the number of the check that failed.
 */
static void a_32bit_tracer_uses_ptrace_multi(void)
{
	a_32bit_program_passes(MULTI32, "multi32");
}

#define CHANNEL32 "/usr/bin/channel32"

/*
 * A real 32-bit monitor (guest/tools32/channel32.c: i386, no libc, its
 * structures from <linux/utrace_channel.h> compiled with -m32) attaches a
 * channel engine to its child and answers its calls with
 * UTRACE_CHANNEL_EXCHANGE through the compat ioctl path: the child's
 * getpid (an ia32 call) gets 4321; it exits 0 when every check held, else
 * the number of the check that failed.
 */
static void a_32bit_monitor_uses_the_channel_s_exchange(void)
{
	a_32bit_program_passes(CHANNEL32, "channel32");
}

static void ia32_tracer_multi_user_area_and_large_batches(void)
{
	pid_t pid = stopped_low_child();
	uint32_t *alone;
	unsigned char *buf;

	if (pid < 0)
		return;
	buf = low + 4096;
	memset(buf, 0, 2048);
	alone = (uint32_t *)(buf + 512);
	for (int k = 0; k < 6; k++)
		CHECK(ptrace32(PTRACE_PEEKUSR, pid, (void *)(long)(4 * k), alone + k) == 0,
		      "PEEKUSR %d alone", 4 * k);
	struct ptrace_multi32 usr[] = {
		{ PTRACE_PEEKUSR, 0, LOW32(buf), 6 },
	};
	CHECK(multi32(pid, usr, 1) == 0, "PEEKUSR of 6 words in a batch");
	CHECK(!memcmp(buf, alone, 24) && buf[24] == 0, "PEEKUSR in a batch differs from alone");
	struct ptrace_multi32 odd[] = {
		{ PTRACE_PEEKUSR, 2, LOW32(buf + 100), 1 },
	};
	CHECK(multi32(pid, odd, 1) == -EIO && odd[0].length == -EIO, "misaligned PEEKUSR: %d",
	      odd[0].length);
	/* 17 elements, the last failing. */
	struct ptrace_multi32 many[17];

	for (int i = 0; i < 16; i++)
		many[i] = (struct ptrace_multi32){ PTRACE_PEEKCHARDATA, LOW32(low + i),
						   LOW32(buf + 1024 + i), 1 };
	many[16] = (struct ptrace_multi32){ PTRACE_PEEKDATA, 16, LOW32(buf + 1100), 1 };
	CHECK(multi32(pid, many, 17) == -EIO, "a batch of 17");
	CHECK(many[15].length == 1 && buf[1024 + 15] == PATTERN(15) && many[16].length == -EIO,
	      "a batch of 17: lengths %d %d", many[15].length, many[16].length);
	CHECK(ptrace32(PTRACE_MULTI, pid, low, (void *)1025L) == -EINVAL, "a count of 1025");
	CHECK(ptrace32(PTRACE_MULTI, pid, low, (void *)0xffffffffL) == -EINVAL,
	      "a count of 0xffffffff");
	CHECK(ptrace32(PTRACE_MULTI, pid, NULL, (void *)1L) == -EFAULT, "a NULL batch");
	end_low_child(pid);
}

/*
 * The probe (a batch of 0), CHARDATA alone with a 32-bit iovec, and
 * PTRACE_SYSVM, which takes no structure: as for a 64-bit tracer.
 */
static void ia32_tracer_probe_and_chardata_alone(void)
{
	pid_t pid = stopped_low_child();
	struct iovec32 *iov;
	unsigned char *buf;

	if (pid < 0)
		return;
	buf = low + 4096;
	memset(buf, 0, 4096);
	iov = (struct iovec32 *)(buf + 1024);
	CHECK(ptrace32(PTRACE_MULTI, pid, NULL, NULL) == 0, "the probe: %d",
	      ptrace32(PTRACE_MULTI, pid, NULL, NULL));
	*iov = (struct iovec32){ LOW32(buf), 7 };
	CHECK(ptrace32(PTRACE_PEEKCHARDATA, pid, low + 1, iov) == 7 && !memcmp(buf, low + 1, 7) &&
	      buf[7] == 0, "PEEKCHARDATA alone");
	*iov = (struct iovec32){ LOW32(buf + 100), 64 };
	CHECK(ptrace32(PTRACE_PEEKSTRINGDATA, pid, low + STRING_AT, iov) == 6 &&
	      !strcmp((char *)buf + 100, "hello"), "PEEKSTRINGDATA alone");
	/* compat_size_t is unsigned: 0xffffffff is above the limit, not -1. */
	*iov = (struct iovec32){ LOW32(buf + 200), 0xffffffffu };
	CHECK(ptrace32(PTRACE_PEEKCHARDATA, pid, low, iov) == -EINVAL && buf[200] == 0,
	      "a huge compat length");
	CHECK(ptrace32(PTRACE_SYSVM, pid, NULL, NULL) == PTRACE_VM_MASK,
	      "ia32 PTRACE_SYSVM returned %d, wanted %#x", ptrace32(PTRACE_SYSVM, pid, NULL, NULL),
	      PTRACE_VM_MASK);
	end_low_child(pid);
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
	if (fd >= 0) {
		read_to_end(fd, trace, sizeof(trace));
		close(fd);
	}
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
		KTAP_CASE(vm_applies_its_rules_to_ia32_calls),
	KTAP_CASE(vm_gives_a_16bit_id_call_the_overflow_id),
		KTAP_CASE(vm_rules_apply_to_a_32bit_program),
		KTAP_CASE(vm_rules_edges),
		KTAP_CASE(vm_without_rules_runs_ia32_calls),
		KTAP_CASE(strace_names_ia32_calls),
		KTAP_CASE(strace_decodes_ia32_paths_and_exit_group),
		KTAP_CASE(strace_traces_a_32bit_program),
		KTAP_CASE(sysvm_skips_a_32bit_programs_call),
		KTAP_CASE(strace_ends_a_refused_ia32_exit_group_with_its_result),
		KTAP_CASE(strace_shows_an_ia32_exec_of_a_64bit_program),
		KTAP_CASE(strace_from_exec_starts_at_an_ia32_exec),
		KTAP_CASE(sysvm_skips_an_ia32_call),
		KTAP_CASE(engines_see_only_the_low_halves_of_ia32_arguments),
		KTAP_CASE(strace_shows_an_execveat),
		KTAP_CASE(vm_leaves_a_32bit_programs_registers_alone),
		KTAP_CASE(ia32_tracer_multi_reads),
		KTAP_CASE(ia32_tracer_multi_writes_and_resumes),
		KTAP_CASE(ia32_tracer_multi_names_the_failed_element),
		KTAP_CASE(ia32_tracer_probe_and_chardata_alone),
		KTAP_CASE(ia32_tracer_stops_at_4gib),
		KTAP_CASE(ia32_tracer_multi_user_area_and_large_batches),
		KTAP_CASE(a_32bit_tracer_uses_ptrace_multi),
		KTAP_CASE(a_32bit_monitor_uses_the_channel_s_exchange),
		KTAP_CASE(strace_ends_the_line_of_a_call_skipped_by_number),
		KTAP_CASE(engines_writing_an_ia32_argument_keep_the_upper_halves),
		KTAP_CASE(vm_restores_the_path_of_an_exec_a_tracer_skipped),
	};

	if (argc > 1 && !strcmp(argv[1], "--int80"))
		return print_uids();
	if (argc > 1 && !strcmp(argv[1], "--vm-edges"))
		return vm_edges();
	if (argc > 1 && !strcmp(argv[1], "--int80-vm"))
		return int80_vm();
	if (argc > 1 && !strcmp(argv[1], "--int80-wide"))
		return int80_wide();
	if (argc > 1 && !strcmp(argv[1], "--int80-open"))
		return int80_open();
	if (argc > 1 && !strcmp(argv[1], "--int80-exit"))
		return int80_exit();
	if (argc > 1 && !strcmp(argv[1], "--exit-group-returns"))
		return exit_group_returns();
	if (argc > 1 && !strcmp(argv[1], "--int80-setuid16"))
		return int80_setuid16();
	if (argc > 1 && !strcmp(argv[1], "--execveat"))
		return execveat_self();
	if (argc > 2 && !strcmp(argv[1], "--exec")) {
		execv(argv[2], argv + 2);
		return 127;
	}
	return ktap_run("guest_compat", cases, sizeof(cases) / sizeof(cases[0]));
}
