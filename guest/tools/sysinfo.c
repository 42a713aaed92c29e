// SPDX-License-Identifier: GPL-2.0
/*
 * sysinfo - a small program to run under the VM engine.
 *
 * Prints who it runs as, the host name and kernel release uname() gives,
 * and the first line of each file named on the command line: the things
 * the VM engine's identity, uname and redirect rules change.  With
 * --fork first, a child prints its uid too (to show children staying in
 * the VM).  With --stat, it instead asks each path-taking call of the
 * stat and access families about each path, one raw syscall per line
 * (after opening the current directory as one, with O_DIRECTORY and
 * O_NOFOLLOW, whose values differ between architectures).
 * With --caps, it prints only its effective capabilities.  With --iov
 * FILE, it reads FILE with readv and writes it out with writev.  With
 * --net SOCKET, it makes the socket calls of a small local server and its
 * client (a Unix stream socket bound at SOCKET, a descriptor passed over a
 * socket pair, an IPv4 and an IPv6 datagram socket on the loopback
 * addresses), for the strace oracle's socket lines.  With --tty, it makes
 * the terminal requests of ioctl on its standard input (a terminal); with
 * --limits, getrlimit and setrlimit calls.  With --execveat PROGRAM
 * ARGS..., it becomes PROGRAM through a raw execveat() of that path from
 * AT_FDCWD (the VM's redirect applies to its path as to execve's), and
 * says why if the call fails.  With --execveat-regs PATH, it makes two
 * execveat() calls of PATH that do not exec, one with AT_EXECVE_CHECK
 * and one with a bad flag, and prints each result and whether the path's
 * register came back as the program left it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>
#include <linux/stat.h>

/* The kernel's (6.14); bookworm's C library headers predate it. */
#ifndef AT_EXECVE_CHECK
#define AT_EXECVE_CHECK 0x10000
#endif

#ifndef SYS_faccessat2
#define SYS_faccessat2 439
#endif

/* One line: "@call @path: size N" (or "ok" for access), or the error. */
static int report(const char *call, const char *path, long ret, long size)
{
	if (ret < 0) {
		printf("%s %s: %s\n", call, path, strerror(errno));
		return 1;
	}
	if (size < 0)
		printf("%s %s: ok\n", call, path);
	else
		printf("%s %s: size %ld\n", call, path, size);
	return 0;
}

/*
 * The stat and access families, each as the raw syscall, on @path: those
 * the architecture has (arm64 has only the *at forms and statx).
 */
static int stat_all(const char *path)
{
	struct stat st;
	struct statx stx;
	int bad = 0;
	long r;

#ifdef SYS_stat
	r = syscall(SYS_stat, path, &st);
	bad |= report("stat", path, r, (long)st.st_size);
	r = syscall(SYS_lstat, path, &st);
	bad |= report("lstat", path, r, (long)st.st_size);
#endif
	r = syscall(SYS_newfstatat, AT_FDCWD, path, &st, 0);
	bad |= report("newfstatat", path, r, (long)st.st_size);
	r = syscall(SYS_statx, AT_FDCWD, path, 0, STATX_SIZE, &stx);
	bad |= report("statx", path, r, (long)stx.stx_size);
#ifdef SYS_access
	bad |= report("access", path, syscall(SYS_access, path, R_OK), -1);
#endif
	bad |= report("faccessat", path, syscall(SYS_faccessat, AT_FDCWD, path, R_OK), -1);
	bad |= report("faccessat2", path,
		      syscall(SYS_faccessat2, AT_FDCWD, path, R_OK, 0), -1);
	return bad;
}

/*
 * Sends "hi" and descriptor 0 from @pair[0] to @pair[1] (sendmsg with
 * SCM_RIGHTS), and receives them with room for a name (recvmsg).  0 if
 * both worked.
 */
static int pass_fd(const int pair[2])
{
	union {
		struct cmsghdr h;
		char space[CMSG_SPACE(sizeof(int))];
	} control = { 0 }, got;
	struct iovec iov = { "hi", 2 };
	struct msghdr m = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = &control, .msg_controllen = sizeof(control),
	};
	struct sockaddr_un from;
	char buf[8];
	int fd = 0, in;

	control.h.cmsg_level = SOL_SOCKET;
	control.h.cmsg_type = SCM_RIGHTS;
	control.h.cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(&control.h), &fd, sizeof(fd));
	if (sendmsg(pair[0], &m, 0) != 2)
		return 1;
	iov = (struct iovec){ buf, sizeof(buf) };
	m = (struct msghdr){
		.msg_name = &from, .msg_namelen = sizeof(from),
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = &got, .msg_controllen = sizeof(got),
	};
	if (recvmsg(pair[1], &m, MSG_CMSG_CLOEXEC) != 2)
		return 1;
	memcpy(&in, CMSG_DATA(&got.h), sizeof(in));
	return close(in);
}

/*
 * Options of a listening Unix socket @srv (an error, a type, a structure)
 * and one of another level that @cli refuses.  0 if the first three
 * worked.
 */
static int socket_options(int srv, int cli)
{
	struct linger linger;
	int value, one = 1;
	socklen_t len = sizeof(value);

	if (getsockopt(srv, SOL_SOCKET, SO_ERROR, &value, &len) ||
	    getsockopt(srv, SOL_SOCKET, SO_TYPE, &value, &len))
		return 1;
	len = sizeof(linger);
	if (getsockopt(srv, SOL_SOCKET, SO_LINGER, &linger, &len))
		return 1;
	setsockopt(cli, SOL_TCP, TCP_NODELAY, &one, sizeof(one));
	return 0;
}

/*
 * Addresses of other kinds: a Unix socket in the abstract namespace, one
 * named by a lone NUL (which autobinds), and a netlink socket.  0 if the
 * sockets could be made.
 */
static int other_addresses(void)
{
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	struct sockaddr_nl nl = { .nl_family = AF_NETLINK };
	static const char name[] = "utrace-oracle";
	int a = socket(AF_UNIX, SOCK_DGRAM, 0), b = socket(AF_UNIX, SOCK_DGRAM, 0);
	int n = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);

	if (a < 0 || b < 0 || n < 0)
		return 1;
	memcpy(un.sun_path + 1, name, sizeof(name) - 1);
	bind(a, (struct sockaddr *)&un, offsetof(struct sockaddr_un, sun_path) + sizeof(name));
	bind(b, (struct sockaddr *)&un, offsetof(struct sockaddr_un, sun_path) + 1);
	bind(n, (struct sockaddr *)&nl, sizeof(nl));
	close(a);
	close(b);
	close(n);
	return 0;
}

/*
 * A server and its client on a Unix stream socket bound at @path, then an
 * IPv4 and an IPv6 datagram socket connected to the loopback's port 9
 * (discard).  Each call once, with what its line shows varied: a named
 * and an unnamed address, an in-out length, flags, a socket option.  0 if
 * the Unix calls worked (the loopback ones may not: no network here).
 */
static int net_calls(const char *path)
{
	struct sockaddr_un un = { .sun_family = AF_UNIX }, got;
	struct sockaddr_in in4 = { .sin_family = AF_INET, .sin_port = htons(9) };
	struct sockaddr_in6 in6 = { .sin6_family = AF_INET6, .sin6_port = htons(9) };
	struct sockaddr_storage ss = { 0 };
	socklen_t len;
	int one = 1, pair[2], srv, cli, conn, s4, s6;
	char buf[8];

	strncpy(un.sun_path, path, sizeof(un.sun_path) - 1);
	unlink(path);
	srv = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (srv < 0 || setsockopt(srv, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(srv, (struct sockaddr *)&un, sizeof(un)) || listen(srv, 4))
		return 1;
	len = sizeof(got);
	if (getsockname(srv, (struct sockaddr *)&got, &len))
		return 1;
	cli = socket(AF_UNIX, SOCK_STREAM, 0);
	if (cli < 0 || connect(cli, (struct sockaddr *)&un, sizeof(un)))
		return 1;
	len = sizeof(got);
	conn = accept4(srv, (struct sockaddr *)&got, &len, SOCK_CLOEXEC);
	if (conn < 0 || socket_options(srv, cli))
		return 1;
	/* Calls that fail: nothing to receive yet, and no address to fill. */
	len = sizeof(got);
	recvfrom(conn, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&got, &len);
	getsockname(srv, NULL, &len);
	if (sendto(cli, "hi", 2, MSG_NOSIGNAL, NULL, 0) != 2 ||
	    recvfrom(conn, buf, sizeof(buf), 0, NULL, NULL) != 2 ||
	    shutdown(cli, SHUT_WR) || getpeername(cli, (struct sockaddr *)&got, &len))
		return 1;
	close(conn);
	close(cli);
	close(srv);
	unlink(path);
	if (socketpair(AF_UNIX, SOCK_DGRAM, 0, pair) || pass_fd(pair))
		return 1;
	close(pair[0]);
	close(pair[1]);
	if (other_addresses())
		return 1;

	in4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s4 = socket(AF_INET, SOCK_DGRAM, 0);
	setsockopt(s4, SOL_IP, IP_TTL, &one, sizeof(one));
	connect(s4, (struct sockaddr *)&in4, sizeof(in4));
	close(s4);
	in6.sin6_addr = in6addr_loopback;
	s6 = socket(AF_INET6, SOCK_DGRAM, IPPROTO_UDP);
	connect(s6, (struct sockaddr *)&in6, sizeof(in6));
	/* The same address in a sockaddr_storage, its length the storage's. */
	memcpy(&ss, &in6, sizeof(in6));
	connect(s6, (struct sockaddr *)&ss, sizeof(ss));
	close(s6);
	return 0;
}

/*
 * The terminal requests of ioctl on standard input, which must be a
 * terminal (the strace oracle gives it a pseudo-terminal): its termios
 * read, changed and set three ways, its window size set and read, the
 * bytes waiting, a flush, a flush of an unknown queue and an unknown
 * request (both refused), a drain (TCSBRK), non-blocking mode,
 * close-on-exec, and a read into NULL.  Each as the raw syscall.  0 if the calls that must work
 * did.
 */
static int tty_calls(void)
{
	struct termios t;
	struct winsize w = { .ws_row = 24, .ws_col = 80 };
	int n = -1, one = 1, bad = 0;

	bad |= syscall(SYS_ioctl, 0, TCGETS, &t) != 0;
	t.c_lflag &= ~ECHO;
	bad |= syscall(SYS_ioctl, 0, TCSETS, &t) != 0;
	bad |= syscall(SYS_ioctl, 0, TCSETSW, &t) != 0;
	t.c_lflag |= ECHO;
	bad |= syscall(SYS_ioctl, 0, TCSETSF, &t) != 0;
	bad |= syscall(SYS_ioctl, 0, TIOCSWINSZ, &w) != 0;
	bad |= syscall(SYS_ioctl, 0, TIOCGWINSZ, &w) != 0 || w.ws_col != 80;
	bad |= syscall(SYS_ioctl, 0, FIONREAD, &n) != 0 || n != 0;
	bad |= syscall(SYS_ioctl, 0, TCFLSH, TCIFLUSH) != 0;
	/* An unknown queue, and an unknown request: refused. */
	bad |= syscall(SYS_ioctl, 0, TCFLSH, 7) != -1;
	bad |= syscall(SYS_ioctl, 0, 0x1234, 0) != -1;
	bad |= tcdrain(0) != 0;
	bad |= syscall(SYS_ioctl, 0, FIONBIO, &one) != 0;
	bad |= syscall(SYS_ioctl, 0, FIOCLEX) != 0;
	bad |= syscall(SYS_ioctl, 0, TCGETS, NULL) != -1;
	return bad;
}

/*
 * execveat(AT_FDCWD, @path, argv, envp, @flags) by hand, so that the path
 * register can be looked at after it: *@same tells whether it still held
 * @path. The result, or -errno.
 */
static long execveat_keeps_path(const char *path, long flags, int *same)
{
	const char *const args[] = { path, NULL };
	const char *p = path;
	long ret;

#if defined(__x86_64__)
	register long r10 asm("r10") = (long)environ;
	register long r8 asm("r8") = flags;

	asm volatile("syscall"
		     : "=a"(ret), "+S"(p)
		     : "a"((long)SYS_execveat), "D"((long)AT_FDCWD), "d"(args), "r"(r10), "r"(r8)
		     : "rcx", "r11", "memory");
#elif defined(__aarch64__)
	register long x8 asm("x8") = SYS_execveat;
	register long x0 asm("x0") = AT_FDCWD;
	register const char *x1 asm("x1") = p;
	register long x2 asm("x2") = (long)args;
	register long x3 asm("x3") = (long)environ;
	register long x4 asm("x4") = flags;

	asm volatile("svc #0"
		     : "+r"(x0), "+r"(x1)
		     : "r"(x8), "r"(x2), "r"(x3), "r"(x4)
		     : "memory");
	ret = x0;
	p = x1;
#else
#error "execveat_keeps_path: no syscall sequence for this architecture"
#endif
	*same = p == path;
	return ret;
}

static int execveat_regs(const char *path)
{
	long flags[] = { AT_EXECVE_CHECK, 0x40000000 };
	int same;

	for (int i = 0; i < 2; i++) {
		long ret = execveat_keeps_path(path, flags[i], &same);

		printf("execveat %s %s: %ld, path register %s\n", path,
		       i ? "bad flag" : "check", ret, same ? "kept" : "changed");
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct utsname u;
	int status = 0;
	int uid, euid, gid, egid;

	/* One write per line, in call order: easy to follow under strace. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 1 && !strcmp(argv[1], "--caps")) {
		/* The effective capabilities, as /proc/self/status shows them. */
		char line[128];
		FILE *f = fopen("/proc/self/status", "r");

		while (f && fgets(line, sizeof(line), f))
			if (!strncmp(line, "CapEff:", 7))
				fputs(line, stdout);
		return f ? 0 : 1;
	}
	if (argc > 1 && !strcmp(argv[1], "--tty"))
		return tty_calls();
	if (argc > 2 && !strcmp(argv[1], "--execveat-regs"))
		return execveat_regs(argv[2]);
	if (argc > 2 && !strcmp(argv[1], "--execveat")) {
		syscall(SYS_execveat, AT_FDCWD, argv[2], &argv[2], environ, 0);
		printf("execveat %s: %s\n", argv[2], strerror(errno));
		return 1;
	}
	if (argc > 1 && !strcmp(argv[1], "--limits")) {
		/*
		 * The stack's limits read and set again as they were, an
		 * unknown resource's, and into NULL: raw calls, for the strace
		 * oracle's limits (libc makes prlimit64 of getrlimit).
		 */
		struct rlimit r;
		int bad = syscall(SYS_getrlimit, RLIMIT_STACK, &r) != 0;

		bad |= syscall(SYS_setrlimit, RLIMIT_STACK, &r) != 0;
		bad |= syscall(SYS_getrlimit, RLIMIT_CPU, &r) != 0;
		bad |= syscall(SYS_getrlimit, 99, &r) != -1;
		bad |= syscall(SYS_getrlimit, RLIMIT_NOFILE, NULL) != -1;
		return bad;
	}
	if (argc > 2 && !strcmp(argv[1], "--iov")) {
		/*
		 * FILE's bytes read into two buffers (readv), again at its end
		 * (0 bytes), from its second byte (preadv), and written out from
		 * both (pwritev to /dev/null, writev): for the strace oracle's
		 * iovecs.
		 */
		char a[4], b[64];
		struct iovec in[2] = { { a, sizeof(a) }, { b, sizeof(b) } };
		int fd = open(argv[2], O_RDONLY);
		ssize_t n = fd < 0 ? -1 : readv(fd, in, 2);

		if (n < 0 || readv(fd, in, 2) != 0 || preadv(fd, in, 2, 1) != (n > 0 ? n - 1 : 0))
			return 1;
		close(fd);
		struct iovec out[2] = { { a, n < 4 ? n : 4 }, { b, n > 4 ? n - 4 : 0 } };
		int null = open("/dev/null", O_WRONLY);

		if (pwritev(null, out, 2, 0) != n)
			return 1;
		close(null);
		return writev(1, out, 2) == n ? 0 : 1;
	}
	if (argc > 2 && !strcmp(argv[1], "--net"))
		return net_calls(argv[2]);
	if (argc > 1 && !strcmp(argv[1], "--stat")) {
		/*
		 * The current directory opened as one: open flags whose values
		 * are the architecture's (arm64's O_DIRECTORY is x86's O_DIRECT).
		 */
		int dir = open(".", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

		if (dir < 0 || close(dir))
			status = 1;
		for (int i = 2; i < argc; i++)
			status |= stat_all(argv[i]);
		return status;
	}
	uid = getuid();
	euid = geteuid();
	gid = getgid();
	egid = getegid();
	printf("uid=%d euid=%d gid=%d egid=%d\n", uid, euid, gid, egid);
	if (uname(&u) == 0)
		printf("nodename=%s release=%s\n", u.nodename, u.release);
	if (argc > 1 && !strcmp(argv[1], "--fork")) {
		pid_t child;

		fflush(stdout);
		child = fork();
		if (child == 0) {
			printf("child uid=%d\n", (int)getuid());
			return 0;
		}
		waitpid(child, NULL, 0);
		argv++;
		argc--;
	}
	for (int i = 1; i < argc; i++) {
		char line[256] = "";
		int fd = open(argv[i], O_RDONLY);
		ssize_t n;

		if (fd < 0) {
			printf("%s: %s\n", argv[i], strerror(errno));
			status = 1;
			continue;
		}
		n = read(fd, line, sizeof(line) - 1);
		close(fd);
		line[n > 0 ? n : 0] = 0;
		line[strcspn(line, "\n")] = 0;
		printf("%s: %s\n", argv[i], line);
	}
	return status;
}
