// SPDX-License-Identifier: GPL-2.0
/*
 * sysinfo32 - a 32-bit (i386) static program without libc, for the strace
 * oracle's ia32 case: the calls the strace engine decodes as their x86_64
 * twins (same arguments, laid out the same) or in ia32's own layouts, made
 * by a real 32-bit program, so that Debian's strace and the engine can be
 * compared.
 *
 * Usage: sysinfo32 DIR.  In DIR (which must exist and hold no "s32.*"
 * names) it writes a file (write, writev), reads it back (read, readv),
 * links it, reads the link, lists DIR, asks fstat64, stat64, lstat64,
 * fstatat64, statx and faccessat2 about the file, sets its times with
 * utimensat_time64, and removes what it made.  It maps, protects and
 * unmaps anonymous memory (mmap2); asks uname, getcwd, prctl(PR_GET_NAME),
 * prlimit64, ugetrlimit, clock_gettime64, getrandom and getgroups32,
 * makes a TCGETS ioctl on its standard input; sleeps a
 * microsecond with clock_nanosleep_time64; asks and sleeps again with the
 * 32-bit timespec's clock_gettime and nanosleep; ignores SIGUSR1 and
 * restores it with rt_sigaction, blocks and unblocks it with
 * rt_sigprocmask.  It makes pipes, a Unix stream socket pair over which
 * it sends and receives, a socket bound at DIR/s32.sock with its options
 * and name and a client connected to it, and a wait4 that finds no child.
 * Then it runs itself again with a third argument (an ia32 execve), which
 * exits at once.  Exits 0 if every call that should work did, else the
 * number of the first step that failed.  The numbers and constants are
 * the kernel headers' (asm/unistd_32.h, uapi).
 */
#include "ia32.h"
#include <linux/fcntl.h>
#include <linux/mman.h>
#include <linux/prctl.h>
#include <linux/random.h>
#include <linux/resource.h>
#include <linux/signal.h>
#include <linux/socket.h>
#include <linux/stat.h>
#include <linux/time.h>
#include <linux/time_types.h>
#include <linux/uio.h>
#include <linux/un.h>
#include <asm/stat.h>
#include <linux/wait.h>
#include <asm/ioctls.h>

/* <linux/socket.h> leaves these to libc (the kernel's socket.h values). */
#define AF_UNIX		1
#define SOCK_STREAM	1
#define SOCK_CLOEXEC	O_CLOEXEC
#define SOL_SOCKET	1
#define SO_TYPE		3
#define SO_REUSEADDR	2
#define R_OK		4
/* <sys/stat.h>'s, which the uapi headers leave to libc. */
#define UTIME_NOW	((1L << 30) - 1)
#define UTIME_OMIT	((1L << 30) - 2)

void _start(void);
void start32(long *sp);

/* The entry point: the stack holds argc, then argv. */
asm(".globl _start\n"
	"_start:\n"
	"\tpush %esp\n"
	"\tcall start32\n"
	"\thlt\n");

/*
 * The sixth argument goes in %ebp, which the compiler may hold: it is set
 * from this absolute location around the call.
 */
static volatile long arg6;

static long call6(long nr, long a, long b, long c, long d, long e, long f)
{
	long ret;

	arg6 = f;
	asm volatile("push %%ebp\n\t"
		     "mov %[f], %%ebp\n\t"
		     "int $0x80\n\t"
		     "pop %%ebp"
		     : "=a"(ret)
		     : "a"(nr), "b"(a), "c"(b), "d"(c), "S"(d), "D"(e), [f] "m"(arg6)
		     : "memory");
	return ret;
}

static long call5(long nr, long a, long b, long c, long d, long e)
{
	return call6(nr, a, b, c, d, e, 0);
}

static unsigned long length(const char *s)
{
	unsigned long n = 0;

	while (s[n])
		n++;
	return n;
}

/* @dir "/" @name in @out (at most 96 bytes). */
static const char *join(char *out, const char *dir, const char *name)
{
	unsigned long i = 0, j = 0;

	while (dir[j] && i < 60)
		out[i++] = dir[j++];
	out[i++] = '/';
	for (j = 0; name[j] && i < 95; j++)
		out[i++] = name[j];
	out[i] = 0;
	return out;
}

static __attribute__((noreturn)) void finish(long code)
{
	call3(__NR_exit_group, code, 0, 0);
	__builtin_trap();
}

/* Fails step @step if @ok is false. */
static void step(int ok, long step)
{
	if (!ok)
		finish(step);
}

static char file[96], link[96], sock[96];
static char buf[512];
static struct statx stx;
static struct stat64 st;
static struct iovec iov[2];
static struct timespec ts32;
/* rt_sigaction's struct in ia32 (struct compat_sigaction). */
static struct {
	unsigned int handler, flags, restorer, mask[2];
} act, oldact;
static struct rlimit64 rl;
static struct {
	unsigned int cur, max;
} rl32;
static struct __kernel_timespec ts, times[2];
static int fds[2];
static struct sockaddr_un addr, peer;

static void files(const char *dir)
{
	static const char text[] = "hello from ia32\n";
	long fd, n;

	join(file, dir, "s32.txt");
	join(link, dir, "s32.lnk");
	fd = call3(__NR_open, (long)file, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	step(fd >= 0, 1);
	step(call3(__NR_write, fd, (long)text, sizeof(text) - 1) == sizeof(text) - 1, 2);
	iov[0].iov_base = (void *)text;
	iov[0].iov_len = 6;
	iov[1].iov_base = (void *)(text + 6);
	iov[1].iov_len = sizeof(text) - 7;
	step(call3(__NR_writev, fd, (long)iov, 2) == sizeof(text) - 1, 17);
	step(call3(__NR_ftruncate, fd, sizeof(text) - 1, 0) == 0, 18);
	call3(__NR_close, fd, 0, 0);
	fd = call4(__NR_openat, AT_FDCWD, (long)file, O_RDONLY, 0);
	step(fd >= 0, 3);
	n = call3(__NR_read, fd, (long)buf, 255);
	step(n == sizeof(text) - 1, 4);
	step(call3(__NR_read, fd, (long)buf, 255) == 0, 5);
	step(call3(__NR_fstat64, fd, (long)&st, 0) == 0 && st.st_size == n, 14);
	/* Back to the start, then the file's text across two buffers. */
	step(call3(__NR_lseek, fd, 0, 0 /* SEEK_SET */) == 0, 15);
	iov[0].iov_base = buf;
	iov[0].iov_len = 6;
	iov[1].iov_base = buf + 6;
	iov[1].iov_len = 64;
	step(call3(__NR_readv, fd, (long)iov, 2) == n, 16);
	call3(__NR_close, fd, 0, 0);
	step(call3(__NR_symlink, (long)"s32.txt", (long)link, 0) == 0, 6);
	step(call3(__NR_stat64, (long)link, (long)&st, 0) == 0 && st.st_size == n, 19);
	step(call3(__NR_lstat64, (long)link, (long)&st, 0) == 0 && st.st_size == 7, 31);
	step(call4(__NR_fstatat64, AT_FDCWD, (long)file, (long)&st, AT_SYMLINK_NOFOLLOW) == 0, 32);
	step(call3(__NR_stat64, (long)"/nonexistent/s32", (long)&st, 0) == -2 /* ENOENT */, 33);
	step(call3(__NR_readlink, (long)link, (long)buf, 64) == 7, 7);
	step(call4(__NR_readlinkat, AT_FDCWD, (long)link, (long)buf, 3) == 3, 8);
	step(call5(__NR_statx, AT_FDCWD, (long)file, AT_SYMLINK_NOFOLLOW, STATX_TYPE | STATX_MODE,
		   (long)&stx) == 0, 9);
	times[0].tv_nsec = UTIME_NOW;
	times[1].tv_nsec = UTIME_OMIT;
	step(call4(__NR_utimensat_time64, AT_FDCWD, (long)file, (long)times, 0) == 0, 13);
	step(call4(__NR_faccessat2, AT_FDCWD, (long)file, R_OK, 0) == 0, 10);
	fd = call3(__NR_open, (long)dir, O_RDONLY | O_DIRECTORY, 0);
	step(fd >= 0, 11);
	step(call3(__NR_getdents64, fd, (long)buf, sizeof(buf)) > 0, 12);
	call3(__NR_close, fd, 0, 0);
	call3(__NR_unlink, (long)link, 0, 0);
	call3(__NR_unlink, (long)file, 0, 0);
}

static void process(void)
{
	static struct new_utsname {
		char field[6][65];
	} uts;
	unsigned long long set = 1ULL << (SIGUSR1 - 1), old;

	long map;

	/* An anonymous mapping (mmap2's flags and its result, an address). */
	map = call6(__NR_mmap2, 0, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	step(map > 0 || map < -4095, 38);
	step(call3(__NR_mprotect, map, 4096, PROT_READ) == 0, 39);
	step(call3(__NR_munmap, map, 8192, 0) == 0, 56);
	step(call3(__NR_uname, (long)&uts, 0, 0) == 0, 20);
	step(call3(__NR_getcwd, (long)buf, 256, 0) > 0, 21);
	step(call3(__NR_prctl, PR_GET_NAME, (long)buf, 0) == 0, 22);
	step(call4(__NR_prlimit64, 0, RLIMIT_NOFILE, 0, (long)&rl) == 0, 23);
	/* The 32-bit limits: 32-bit fields, their own infinity. */
	step(call3(__NR_ugetrlimit, RLIMIT_NOFILE, (long)&rl32, 0) == 0, 57);
	step(call3(__NR_ugetrlimit, RLIMIT_CPU, (long)&rl32, 0) == 0, 58);
	/* Standard input is no terminal here: TCGETS fails. */
	call3(__NR_ioctl, 0, TCGETS, (long)buf);
	step(call3(__NR_clock_gettime64, CLOCK_MONOTONIC, (long)&ts, 0) == 0, 24);
	ts.tv_sec = 0;
	ts.tv_nsec = 1000;
	step(call4(__NR_clock_nanosleep_time64, CLOCK_MONOTONIC, 0, (long)&ts, 0) == 0, 30);
	/* Their 32-bit forms. */
	step(call3(__NR_clock_gettime, CLOCK_MONOTONIC, (long)&ts32, 0) == 0, 34);
	ts32.tv_sec = 0;
	ts32.tv_nsec = 1000;
	step(call3(__NR_nanosleep, (long)&ts32, 0, 0) == 0, 35);
	act.handler = 1 /* SIG_IGN */;
	act.flags = 0x10000000 /* SA_RESTART */;
	act.mask[0] = 1U << (SIGUSR2 - 1);
	step(call4(__NR_rt_sigaction, SIGUSR1, (long)&act, (long)&oldact, 8) == 0, 36);
	step(call4(__NR_rt_sigaction, SIGUSR1, (long)&oldact, 0, 8) == 0, 37);
	step(call3(__NR_getrandom, (long)buf, 4, GRND_INSECURE) == 4, 25);
	step(call3(__NR_getgroups32, 0, 0, 0) >= 0, 26);
	step(call4(__NR_rt_sigprocmask, SIG_BLOCK, (long)&set, (long)&old, 8) == 0, 27);
	step(call4(__NR_rt_sigprocmask, SIG_SETMASK, (long)&old, 0, 8) == 0, 28);
	step(call4(__NR_wait4, -1, (long)buf, WNOHANG, 0) == -10 /* ECHILD */, 29);
}

static void sockets(const char *dir)
{
	int one = 1, type = 0;
	unsigned int len = sizeof(type);
	long fd, client, conn;

	step(call3(__NR_pipe, (long)fds, 0, 0) == 0, 40);
	call3(__NR_close, fds[0], 0, 0);
	call3(__NR_close, fds[1], 0, 0);
	step(call3(__NR_pipe2, (long)fds, O_CLOEXEC, 0) == 0, 41);
	call3(__NR_close, fds[0], 0, 0);
	call3(__NR_close, fds[1], 0, 0);
	step(call4(__NR_socketpair, AF_UNIX, SOCK_STREAM, 0, (long)fds) == 0, 42);
	step(call6(__NR_sendto, fds[0], (long)"ping", 4, 0, 0, 0) == 4, 43);
	step(call6(__NR_recvfrom, fds[1], (long)buf, 64, 0, 0, 0) == 4, 44);
	step(call3(__NR_shutdown, fds[0], 1 /* SHUT_WR */, 0) == 0, 45);
	call3(__NR_close, fds[0], 0, 0);
	call3(__NR_close, fds[1], 0, 0);
	fd = call3(__NR_socket, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	step(fd >= 0, 46);
	step(call5(__NR_setsockopt, fd, SOL_SOCKET, SO_REUSEADDR, (long)&one, sizeof(one)) == 0,
	     47);
	step(call5(__NR_getsockopt, fd, SOL_SOCKET, SO_TYPE, (long)&type, (long)&len) == 0, 48);
	addr.sun_family = AF_UNIX;
	join(sock, dir, "s32.sock");
	for (unsigned long i = 0; sock[i]; i++)
		addr.sun_path[i] = sock[i];
	step(call3(__NR_bind, fd, (long)&addr, 2 + length(sock) + 1) == 0, 49);
	step(call3(__NR_listen, fd, 1, 0) == 0, 50);
	len = sizeof(addr);
	step(call3(__NR_getsockname, fd, (long)&addr, (long)&len) == 0, 51);
	client = call3(__NR_socket, AF_UNIX, SOCK_STREAM, 0);
	step(client >= 0, 52);
	step(call3(__NR_connect, client, (long)&addr, len) == 0, 53);
	len = sizeof(peer);
	conn = call4(__NR_accept4, fd, (long)&peer, (long)&len, SOCK_CLOEXEC);
	step(conn >= 0, 54);
	len = sizeof(peer);
	step(call3(__NR_getpeername, client, (long)&peer, (long)&len) == 0, 55);
	call3(__NR_close, conn, 0, 0);
	call3(__NR_close, client, 0, 0);
	call3(__NR_close, fd, 0, 0);
	call3(__NR_unlink, (long)sock, 0, 0);
}

void start32(long *sp)
{
	long argc = sp[0];
	const char **argv = (const char **)(sp + 1);
	const char **envp = argv + argc + 1;
	const char *dir = argv[1];
	static const char msg[] = "sysinfo32\n";
	static const char *again[4];

	if (argc < 2)
		finish(99);
	/* Run again by itself: its ia32 execve's argv and envp. */
	if (argc > 2)
		finish(0);
	call3(__NR_write, 1, (long)msg, sizeof(msg) - 1);
	files(dir);
	process();
	sockets(dir);
	again[0] = argv[0];
	again[1] = dir;
	again[2] = "--again";
	call3(__NR_execve, (long)"/proc/self/exe", (long)again, (long)envp);
	finish(60);
}
