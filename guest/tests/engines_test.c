// SPDX-License-Identifier: GPL-2.0
/*
 * engines_test - the strace and VM engines, through the utrace tool and
 * /dev/utrace.
 *
 * Runs /usr/bin/utrace over /usr/bin/sysinfo and checks exact lines: what
 * the program prints under each VM rule, what the strace engine writes,
 * and how the two differ between the right order (strace closest to the
 * program) and the naive one.  Then the control device's errors.
 */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <linux/capability.h>
#include <linux/utrace.h>
#include "ktap.h"
#include "run.h"
#include "utrace_test_dev.h"

static char out[65536], err[65536];

/*
 * Undoes strace's alignment of results (" = " at column 40) in @text, so
 * that lines compare as written here: spaces before "= " become one.  The
 * oracle test (strace_oracle_test.c) holds the alignment to strace's.
 */
static void unalign(char *text)
{
	char *o = text;

	for (char *p = text; *p; ) {
		size_t spaces = strspn(p, " ");

		if (spaces > 1 && p[spaces] == '=' && p[spaces + 1] == ' ') {
			*o++ = ' ';
			p += spaces;
		} else if (spaces) {
			memmove(o, p, spaces);
			o += spaces;
			p += spaces;
		} else {
			*o++ = *p++;
		}
	}
	*o = 0;
}

/* Runs argv as @uid (-1: as we are), capturing stdout and stderr. */
static int run_as(int uid, const char *const argv[])
{
	int o[2], e[2], status = -1;
	size_t no = 0, ne = 0;
	pid_t pid;

	if (pipe(o) || pipe(e))
		return -1;
	pid = fork();
	if (pid == 0) {
		if (uid >= 0 && (setgid(uid) || setuid(uid)))
			_exit(126);
		dup2(o[1], 1);
		dup2(e[1], 2);
		close(o[0]);
		close(e[0]);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(o[1]);
	close(e[1]);
	/* Both pipes are small: read them in turn until both close. */
	for (int open_fds = 2; open_fds;) {
		ssize_t n;

		open_fds = 0;
		if (o[0] >= 0) {
			n = read(o[0], out + no, sizeof(out) - 1 - no);
			if (n > 0)
				no += n;
			else {
				close(o[0]);
				o[0] = -1;
			}
		}
		if (e[0] >= 0) {
			n = read(e[0], err + ne, sizeof(err) - 1 - ne);
			if (n > 0)
				ne += n;
			else {
				close(e[0]);
				e[0] = -1;
			}
		}
		open_fds = (o[0] >= 0) + (e[0] >= 0);
	}
	out[no] = 0;
	err[ne] = 0;
	unalign(err);
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Runs argv, capturing stdout and stderr; returns the exit status. */
static int run(const char *const argv[])
{
	return run_as(-1, argv);
}

/* Whether a line of @text starts with @prefix. */
static int has_line_prefix(const char *text, const char *prefix)
{
	for (const char *p = text; (p = strstr(p, prefix)); p++)
		if (p == text || p[-1] == '\n')
			return 1;
	return 0;
}

/* Whether a line of @text starts with @prefix and ends with @suffix. */
static int has_line_with(const char *text, const char *prefix, const char *suffix)
{
	size_t plen = strlen(prefix), slen = strlen(suffix);

	for (const char *p = text; (p = strstr(p, prefix)); p++) {
		const char *end = strchr(p, '\n');

		if (p != text && p[-1] != '\n')
			continue;
		if (!end)
			end = p + strlen(p);
		if ((size_t)(end - p) >= plen + slen && !strncmp(end - slen, suffix, slen))
			return 1;
	}
	return 0;
}

#define CHECK_LINE(text, line) \
	CHECK(has_line(text, line), "no line '%s' in:\n%s", line, text)
#define CHECK_NO_LINE(text, line) \
	CHECK(!has_line(text, line), "unexpected line '%s'", line)

static void setup_files(void)
{
	int fd;

	mkdir("/tmp/real", 0755);
	fd = open("/tmp/real/hostname", O_CREAT | O_WRONLY | O_TRUNC, 0644);
	if (fd >= 0) {
		if (write(fd, "real-host\n", 10) != 10)
			ktap_case_failed = 1;
		close(fd);
	}
}

static void vm_identity(void)
{
	const char *argv[] = { "/usr/bin/utrace", "--vm",
		"return getuid 1000; return geteuid 1001\nreturn getgid 100;return getegid 101",
		"--", "/usr/bin/sysinfo", NULL };

	CHECK(run(argv) == 0, "status; stderr: %s", err);
	CHECK_LINE(out, "uid=1000 euid=1001 gid=100 egid=101");
}

static void vm_uname(void)
{
	const char *argv[] = { "/usr/bin/utrace", "--vm",
		"uname nodename vm-guest; uname release 7.2-vm",
		"--", "/usr/bin/sysinfo", NULL };

	CHECK(run(argv) == 0, "status; stderr: %s", err);
	CHECK_LINE(out, "nodename=vm-guest release=7.2-vm");
}

static void vm_redirect(void)
{
	const char *argv[] = { "/usr/bin/utrace", "--vm", "redirect /virtual /tmp/real",
		"--", "/usr/bin/sysinfo", "/virtual/hostname", "/virtualx", NULL };
	const char *bare[] = { "/usr/bin/sysinfo", "/virtual/hostname", NULL };

	setup_files();
	CHECK(run(argv) == 1, "status; stderr: %s", err);
	CHECK_LINE(out, "/virtual/hostname: real-host");
	/* Only whole path components match. */
	CHECK_LINE(out, "/virtualx: No such file or directory");
	CHECK(run(bare) == 1, "bare status");
	CHECK_LINE(out, "/virtual/hostname: No such file or directory");
}

/* A copy of /usr/bin/sysinfo at @path, executable. */
static void copy_sysinfo(const char *path, mode_t mode)
{
	char buf[65536];
	int in = open("/usr/bin/sysinfo", O_RDONLY);
	int outf = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0700);
	ssize_t n;

	CHECK(in >= 0 && outf >= 0, "copy to %s: %s", path, strerror(errno));
	while ((n = read(in, buf, sizeof(buf))) > 0)
		CHECK(write(outf, buf, n) == n, "write");
	close(in);
	close(outf);
	CHECK(chmod(path, mode) == 0, "chmod %s: %s", path, strerror(errno));
}

/* What sysinfo --stat makes: arm64 lacks the old forms (stat, lstat, access). */
static const char *const stat_calls[] = {
#ifdef SYS_stat
	"stat", "lstat",
#endif
	"newfstatat", "statx",
#ifdef SYS_access
	"access",
#endif
	"faccessat", "faccessat2",
};

/*
 * The redirect rule on the stat and access families (each as its raw
 * syscall) and on execve, with the strace lines of each in both orders.
 */
static void vm_redirect_stat_access_execve(void)
{
	const char *rule = "redirect /virtual /tmp/real";
	const char *stat_argv[] = { "/usr/bin/utrace", "--vm", rule, "--strace", "--",
		"/usr/bin/sysinfo", "--stat", "/virtual/hostname", NULL };
	const char *naive_argv[] = { "/usr/bin/utrace", "--order", "forward", "--vm", rule,
		"--strace", "--", "/usr/bin/sysinfo", "--stat", "/virtual/hostname", NULL };
	const char *exec_argv[] = { "/usr/bin/utrace", "--vm", rule, "--strace", "--",
		"/virtual/sysinfo", "/virtual/hostname", NULL };
	const char *bare[] = { "/virtual/sysinfo", NULL };
	char line[128];

	setup_files();
	CHECK(run(stat_argv) == 0, "status; out: %s err: %s", out, err);
	for (size_t i = 0; i < sizeof(stat_calls) / sizeof(stat_calls[0]); i++) {
		int is_access = !strncmp(stat_calls[i], "access", 6) ||
				!strncmp(stat_calls[i], "faccessat", 9);

		snprintf(line, sizeof(line), "%s /virtual/hostname: %s", stat_calls[i],
			 is_access ? "ok" : "size 10");
		CHECK_LINE(out, line);
	}
	for (int naive = 0; naive < 2; naive++) {
		const char *path = naive ? "\"/tmp/real/hostname\"" : "\"/virtual/hostname\"";
		const char *calls[][2] = {
			/* The struct as strace abbreviates it, decoded at exit. */
#ifdef SYS_stat
			{ "stat(%s, {st_mode=S_IFREG|0644, st_size=10, ...}", ") = 0" },
			{ "lstat(%s, {st_mode=S_IFREG|0644, st_size=10, ...}", ") = 0" },
#endif
			{ "newfstatat(AT_FDCWD, %s, {st_mode=S_IFREG|0644, st_size=10, ...}",
			  ", 0) = 0" },
			{ "statx(AT_FDCWD, %s, AT_STATX_SYNC_AS_STAT, STATX_SIZE, {stx_mask=",
			  ", stx_attributes=0, stx_mode=S_IFREG|0644, stx_size=10, ...}) = 0" },
#ifdef SYS_access
			{ "access(%s, R_OK) = 0", "" },
#endif
			{ "faccessat(AT_FDCWD, %s, R_OK) = 0", "" },
			{ "faccessat2(AT_FDCWD, %s, R_OK, 0) = 0", "" },
		};

		if (naive)
			CHECK(run(naive_argv) == 0, "naive status; err: %s", err);
		for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
			snprintf(line, sizeof(line), calls[i][0], path);
			CHECK(has_line_with(err, line, calls[i][1]), "%s order: no line '%s...%s' in:\n%s",
			      naive ? "naive" : "right", line, calls[i][1], err);
		}
	}

	copy_sysinfo("/tmp/real/sysinfo", 0755);
	CHECK(run(exec_argv) == 0, "exec status; out: %s err: %s", out, err);
	CHECK_LINE(out, "/virtual/hostname: real-host");
	CHECK(has_line_prefix(err, "execve(\"/virtual/sysinfo\", "),
	      "execve not shown with the program's path:\n%s", err);
	CHECK(run(bare) != 0, "/virtual/sysinfo ran without the VM");
	unlink("/tmp/real/sysinfo");
}

/*
 * The redirect rule on execveat's path, its second argument: the program
 * runs from the real place, and strace outside the VM shows the program's
 * path, strace inside it the real one. A redirected path with nothing at
 * its real place fails there (ENOENT). An execveat that execs nothing
 * (AT_EXECVE_CHECK, or a bad flag) answers for the real file and leaves
 * the path's register as the program set it.
 */
static void vm_redirect_execveat(void)
{
	const char *rule = "redirect /virtual /tmp/real";
	const char *argv[] = { "/usr/bin/utrace", "--vm", rule, "--strace", "--", "/usr/bin/sysinfo",
		"--execveat", "/virtual/sysinfo", "/virtual/hostname", NULL };
	const char *naive[] = { "/usr/bin/utrace", "--order", "forward", "--vm", rule, "--strace",
		"--", "/usr/bin/sysinfo", "--execveat", "/virtual/sysinfo", "/virtual/hostname", NULL };
	const char *missing[] = { "/usr/bin/utrace", "--vm", rule, "--strace", "--",
		"/usr/bin/sysinfo", "--execveat", "/virtual/nothing", NULL };
	const char *missing_naive[] = { "/usr/bin/utrace", "--order", "forward", "--vm", rule,
		"--strace", "--", "/usr/bin/sysinfo", "--execveat", "/virtual/nothing", NULL };
	const char *regs[] = { "/usr/bin/utrace", "--vm", rule, "--", "/usr/bin/sysinfo",
		"--execveat-regs", "/virtual/sysinfo", NULL };

	setup_files();
	copy_sysinfo("/tmp/real/sysinfo", 0755);
	CHECK(run(argv) == 0, "status; out: %s err: %s", out, err);
	CHECK_LINE(out, "/virtual/hostname: real-host");
	CHECK(has_line_prefix(err, "execveat(AT_FDCWD, \"/virtual/sysinfo\", "
			      "[\"/virtual/sysinfo\", \"/virtual/hostname\"], 0x"),
	      "execveat not shown with the program's path:\n%s", err);
	CHECK(run(naive) == 0, "naive status; out: %s err: %s", out, err);
	CHECK(has_line_prefix(err, "execveat(AT_FDCWD, \"/tmp/real/sysinfo\", "),
	      "naive order: execveat not shown with the real path:\n%s", err);
	CHECK(run(missing) == 1, "missing status; out: %s err: %s", out, err);
	CHECK_LINE(out, "execveat /virtual/nothing: No such file or directory");
	CHECK(has_line_with(err, "execveat(AT_FDCWD, \"/virtual/nothing\", ",
			    ") = -1 ENOENT (No such file or directory)"),
	      "no failed execveat line with the program's path:\n%s", err);
	CHECK(run(missing_naive) == 1, "missing naive status; out: %s err: %s", out, err);
	CHECK(has_line_with(err, "execveat(AT_FDCWD, \"/tmp/real/nothing\", ",
			    ") = -1 ENOENT (No such file or directory)"),
	      "naive order: no failed execveat line with the real path:\n%s", err);
	CHECK(run(regs) == 0, "regs status; out: %s err: %s", out, err);
	CHECK_LINE(out, "execveat /virtual/sysinfo check: 0, path register kept");
	CHECK_LINE(out, "execveat /virtual/sysinfo bad flag: -22, path register kept");
	unlink("/tmp/real/sysinfo");
}

static void strace_lines(void)
{
	const char *argv[] = { "/usr/bin/utrace", "--strace", "--",
		"/usr/bin/sysinfo", "/nope", NULL };

	CHECK(run(argv) == 1, "status");
	CHECK_LINE(err, "getuid() = 0");
	CHECK_LINE(err, "geteuid() = 0");
	CHECK_LINE(err, "openat(AT_FDCWD, \"/nope\", O_RDONLY) = -1 ENOENT (No such file or directory)");
	CHECK_LINE(err, "write(1, \"uid=0 euid=0 gid=0 egid=0\\n\", 26) = 26");
	/* stdio's fstat of its stdout, our pipe: the struct decoded at exit. */
	CHECK_LINE(err, "newfstatat(1, \"\", {st_mode=S_IFIFO|0600, st_size=0, ...}, AT_EMPTY_PATH) = 0");
	CHECK_LINE(err, "exit_group(1) = ?");
	CHECK_LINE(err, "+++ exited with 1 +++");
	CHECK(has_line_with(err, "execve(\"/usr/bin/sysinfo\", [\"/usr/bin/sysinfo\", \"/nope\"], 0x",
			    " vars */) = 0"),
	      "no execve line with its argv and envp:\n%s", err);
	/* The C library's start-up calls, with their constants and structures. */
	CHECK(has_line_prefix(err, "prlimit64(0, RLIMIT_STACK, NULL, {rlim_cur="),
	      "no prlimit64 line:\n%s", err);
#if defined(__x86_64__)
	/* arm64's static C library reads the clock from the vDSO: no call. */
	CHECK(has_line_prefix(err, "clock_gettime(CLOCK_MONOTONIC, {tv_sec="),
	      "no clock_gettime line:\n%s", err);
#endif
	/* The random bytes in hex, or the address if the pool is not ready. */
	CHECK((has_line_prefix(err, "getrandom(\"\\x") && strstr(err, ", GRND_NONBLOCK) = 8")) ||
	      (has_line_prefix(err, "getrandom(0x") && strstr(err, ", GRND_NONBLOCK) = -1 EAGAIN")),
	      "no getrandom line:\n%s", err);
#if defined(__x86_64__)
	CHECK(has_line_prefix(err, "arch_prctl(ARCH_SET_FS, 0x"), "no arch_prctl line:\n%s", err);
#endif
	CHECK(strstr(err, ", PROT_READ) = 0\n") && has_line_prefix(err, "mprotect(0x"),
	      "no mprotect line:\n%s", err);
	/* The trace starts at the program, not at the tool's set-up. */
	CHECK(!strncmp(err, "execve(\"/usr/bin/sysinfo\", ", 27), "the trace starts with:\n%s", err);
}

/*
 * Signals the program takes, and its death by one, as strace shows them.
 * The strace engine observes signals (Events::SIGNAL_OBSERVE): the kernel
 * keeps its short cuts, as for an untraced task, so a fatal signal the
 * shell sends itself kills it before it dequeues the signal, and one it
 * ignores is dropped when sent: only the ends are shown for them.
 */
static void strace_signal_lines(void)
{
	const char *argv[] = { "/usr/bin/utrace", "--strace", "--",
		"/bin/sh", "-c", "kill -USR1 $$", NULL };
	const char *ignored[] = { "/usr/bin/utrace", "--strace", "--",
		"/bin/sh", "-c", "trap '' USR2; kill -USR2 $$; exit 4", NULL };
	const char *handled[] = { "/usr/bin/utrace", "--strace", "--",
		"/bin/sh", "-c", "trap 'exit 3' USR1; kill -USR1 $$; sleep 5", NULL };

	run(argv);
	CHECK_LINE(err, "+++ killed by SIGUSR1 +++");
	/* An ignored signal changes nothing, and is dropped when sent. */
	CHECK(run(ignored) == 4, "status; stderr: %s", err);
	CHECK_LINE(err, "+++ exited with 4 +++");
	CHECK(!strstr(err, "--- SIGUSR2"), "a line for a signal dropped when sent:\n%s", err);
	/* A signal the program handles is dequeued, and shown. */
	CHECK(run(handled) == 3, "status; stderr: %s", err);
	CHECK(has_line_with(err, "--- SIGUSR1 {si_signo=SIGUSR1, si_code=SI_USER, si_pid=",
			    ", si_uid=0} ---"), "no SIGUSR1 line:\n%s", err);
	CHECK_LINE(err, "+++ exited with 3 +++");
}

static const char *stacked_rules =
	"return getuid 1000; redirect /virtual /tmp/real; uname nodename vm-guest";

static void strace_over_vm_shows_what_the_program_sees(void)
{
	const char *argv[] = { "/usr/bin/utrace", "--vm", stacked_rules, "--strace",
		"--", "/usr/bin/sysinfo", "/virtual/hostname", NULL };

	setup_files();
	CHECK(run(argv) == 0, "status; stderr: %s", err);
	CHECK_LINE(out, "uid=1000 euid=0 gid=0 egid=0");
	CHECK_LINE(out, "/virtual/hostname: real-host");
	CHECK_LINE(err, "getuid() = 1000");
	CHECK_LINE(err, "openat(AT_FDCWD, \"/virtual/hostname\", O_RDONLY) = 3");
	/* The data read, decoded at exit, as the program got it. */
	CHECK_LINE(err, "read(3, \"real-host\\n\", 255) = 10");
	CHECK(has_line(err, "uname({sysname=\"Linux\", nodename=\"vm-guest\", ...}) = 0"),
	      "uname not shown as the program got it:\n%s", err);
	/* Cut at -s, as strace does. */
	{
		const char *cut[] = { "/usr/bin/utrace", "--strace", "-s", "4", "--",
			"/usr/bin/sysinfo", "/tmp/real/hostname", NULL };

		CHECK(run(cut) == 0, "status; stderr: %s", err);
		CHECK_LINE(err, "read(3, \"real\"..., 255) = 10");
	}
	/* Binary data at -s 256 (4 bytes an escape): the result still fits. */
	{
		const char *bin[] = { "/usr/bin/utrace", "--strace", "-s", "256", "--",
			"/usr/bin/sysinfo", "/usr/bin/sysinfo", NULL };

		run(bin);
		CHECK(has_line_with(err, "read(3, \"\\177ELF", "..., 255) = 255"),
		      "no whole read line of an ELF file:\n%s", err);
	}
}

static void naive_order_shows_what_the_program_never_saw(void)
{
	const char *argv[] = { "/usr/bin/utrace", "--order", "forward", "--vm", stacked_rules,
		"--strace", "--", "/usr/bin/sysinfo", "/virtual/hostname", NULL };

	setup_files();
	CHECK(run(argv) == 0, "status; stderr: %s", err);
	/* The program sees the same... */
	CHECK_LINE(out, "/virtual/hostname: real-host");
	CHECK(has_line_prefix(out, "nodename=vm-guest"), "program output:\n%s", out);
	/* ...but strace, under the VM, shows the real path and nodename. */
	CHECK_LINE(err, "openat(AT_FDCWD, \"/tmp/real/hostname\", O_RDONLY) = 3");
	CHECK_NO_LINE(err, "openat(AT_FDCWD, \"/virtual/hostname\", O_RDONLY) = 3");
	CHECK(!has_line_prefix(err, "uname({sysname=\"Linux\", nodename=\"vm-guest\""),
	      "strace under the VM saw the edited uname");
}

static void children_stay_in_the_vm(void)
{
	const char *argv[] = { "/usr/bin/utrace", "--vm", "return getuid 1000", "--strace",
		"--", "/usr/bin/sysinfo", "--fork", NULL };
	const char *no[] = { "/usr/bin/utrace", "--no-follow", "--vm", "return getuid 1000",
		"--strace", "--", "/usr/bin/sysinfo", "--fork", NULL };
	char line[64];
	const char *p;

	CHECK(run(argv) == 0, "status; stderr: %s", err);
	CHECK_LINE(out, "child uid=1000");
	CHECK(has_line_prefix(out, "uid=1000 "), "parent: %s", out);
	/* The child's strace lines carry its pid. */
	p = strstr(err, "\n[pid ");
	CHECK(p != NULL, "no [pid N] line in:\n%s", err);
	if (p) {
		int pid = atoi(p + 6);

		snprintf(line, sizeof(line), "[pid %5d] getuid() = 1000", pid);
		CHECK_LINE(err, line);
	}
	CHECK(run(no) == 0, "status; stderr: %s", err);
	CHECK_LINE(out, "child uid=0");
	CHECK(!strstr(err, "[pid "), "a child was traced with --no-follow");
}

/*
 * A set-uid, set-gid root program run by nobody: alone it gets root's
 * euid and egid; under an engine nobody attached, it runs as nobody.
 */
static void setid_exec_gains_nothing_under_engines(void)
{
	const char *alone[] = { "/tmp/setid-sysinfo", NULL };
	const char *traced[] = { "/usr/bin/utrace", "--strace", "--", "/tmp/setid-sysinfo", NULL };
	const char *vm[] = { "/usr/bin/utrace", "--vm", "uname nodename x", "--",
		"/tmp/setid-sysinfo", NULL };
	char buf[65536];
	int in = open("/usr/bin/sysinfo", O_RDONLY);
	int outf = open("/tmp/setid-sysinfo", O_CREAT | O_WRONLY | O_TRUNC, 0755);
	ssize_t n;

	CHECK(in >= 0 && outf >= 0, "copy: %s", strerror(errno));
	while ((n = read(in, buf, sizeof(buf))) > 0)
		CHECK(write(outf, buf, n) == n, "write");
	close(in);
	close(outf);
	CHECK(chmod("/tmp/setid-sysinfo", 06755) == 0, "chmod: %s", strerror(errno));

	CHECK(run_as(65534, alone) == 0, "alone: %s", err);
	CHECK_LINE(out, "uid=65534 euid=0 gid=65534 egid=0");
	CHECK(run_as(65534, traced) == 0, "traced: %s", err);
	CHECK_LINE(out, "uid=65534 euid=65534 gid=65534 egid=65534");
	CHECK(run_as(65534, vm) == 0, "vm: %s", err);
	CHECK_LINE(out, "uid=65534 euid=65534 gid=65534 egid=65534");
	unlink("/tmp/setid-sysinfo");
}

/*
 * A program with CAP_SETUID in its file capabilities (effective), run by
 * nobody: alone it has the capability; under an engine nobody attached,
 * it has none.
 */
static void file_caps_exec_gains_nothing_under_engines(void)
{
	const char *alone[] = { "/tmp/fcap-sysinfo", "--caps", NULL };
	const char *traced[] = { "/usr/bin/utrace", "--strace", "--", "/tmp/fcap-sysinfo",
		"--caps", NULL };
	struct vfs_cap_data cap = {
		.magic_etc = VFS_CAP_REVISION_2 | VFS_CAP_FLAGS_EFFECTIVE,
		.data = { { .permitted = 1u << CAP_SETUID } },
	};

	copy_sysinfo("/tmp/fcap-sysinfo", 0755);
	CHECK(setxattr("/tmp/fcap-sysinfo", "security.capability", &cap,
		       XATTR_CAPS_SZ_2, 0) == 0, "setxattr: %s", strerror(errno));
	CHECK(run_as(65534, alone) == 0, "alone: %s", err);
	CHECK_LINE(out, "CapEff:\t0000000000000080");
	CHECK(run_as(65534, traced) == 0, "traced: %s", err);
	CHECK_LINE(out, "CapEff:\t0000000000000000");
	unlink("/tmp/fcap-sysinfo");
}

static void rejected_rules(void)
{
	static const struct { const char *rules, *message; } cases[] = {
		{ "return nosuchcall 1", "utrace: --vm: line 1: unknown syscall (Invalid argument)" },
		{ "frobnicate", "utrace: --vm: line 1: not a rule (Invalid argument)" },
		{ "return getuid\nreturn getgid x", "utrace: --vm: line 1: not a rule (Invalid argument)" },
		{ "redirect relative /x", "utrace: --vm: line 1: prefix is not an absolute path (Invalid argument)" },
		{ "uname nodename 0123456789012345678901234567890123456789012345678901234567890123456789",
		  "utrace: --vm: line 1: prefix or value too long (File name too long)" },
	};

	for (unsigned int i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *argv[] = { "/usr/bin/utrace", "--vm", cases[i].rules, "--",
			"/usr/bin/sysinfo", NULL };

		CHECK(run(argv) == 2, "rules '%s' accepted", cases[i].rules);
		CHECK_LINE(err, cases[i].message);
		/* The program never ran. */
		CHECK(out[0] == 0, "the program ran: %s", out);
	}
}

static void control_errors(void)
{
	int fd = open("/dev/utrace", O_RDWR);
	struct utrace_strace_attach s = { 0 };
	struct utrace_vm_attach v = { 0 };
	struct utrace_read r = { 0 };
	int slot;

	CHECK(fd >= 0, "open: %s", strerror(errno));
	s.flags = 1U << 2;	/* not a flag */
	CHECK_ERRNO(ioctl(fd, UTRACE_ATTACH_STRACE, &s), EINVAL);
	s.flags = 0;
	s.reserved = 7;
	CHECK_ERRNO(ioctl(fd, UTRACE_ATTACH_STRACE, &s), EINVAL);
	s.reserved = 0;
	s.string_max = 1000;
	CHECK_ERRNO(ioctl(fd, UTRACE_ATTACH_STRACE, &s), EINVAL);
	s.string_max = 0;
	s.pid = 2;
	CHECK_ERRNO(ioctl(fd, UTRACE_ATTACH_STRACE, &s), EPERM);
	s.pid = 999999;
	CHECK_ERRNO(ioctl(fd, UTRACE_ATTACH_STRACE, &s), ESRCH);
	CHECK_ERRNO(ioctl(fd, UTRACE_ATTACH_STRACE, (void *)8), EFAULT);
	v.flags = 1U << 5;
	v.rules = (unsigned long)"return getuid 1";
	v.rules_len = 15;
	CHECK_ERRNO(ioctl(fd, UTRACE_ATTACH_VM, &v), EINVAL);
	v.flags = UTRACE_FROM_EXEC;	/* strace's only */
	CHECK_ERRNO(ioctl(fd, UTRACE_ATTACH_VM, &v), EINVAL);
	v.flags = 0;
	v.reserved = 1;
	CHECK_ERRNO(ioctl(fd, UTRACE_ATTACH_VM, &v), EINVAL);
	v.reserved = 0;
	s.flags = 1U << 5;
	CHECK_ERRNO(ioctl(fd, UTRACE_ATTACH_STRACE, &s), EINVAL);
	s.flags = 0;
	v.rules_len = 0;
	CHECK_ERRNO(ioctl(fd, UTRACE_ATTACH_VM, &v), EINVAL);
	CHECK(v.error == UTRACE_VM_NOT_TEXT, "error %u", v.error);
	v.rules_len = 5000;
	v.error = 0;
	CHECK_ERRNO(ioctl(fd, UTRACE_ATTACH_VM, &v), EINVAL);
	CHECK(v.error == UTRACE_VM_NOT_TEXT, "error %u", v.error);
	v.rules_len = 10;
	v.rules = 8;
	CHECK_ERRNO(ioctl(fd, UTRACE_ATTACH_VM, &v), EFAULT);
	v.rules = (unsigned long)"ab\0cd";
	v.rules_len = 5;
	CHECK_ERRNO(ioctl(fd, UTRACE_ATTACH_VM, &v), EINVAL);
	/* Detach twice. */
	s.pid = 0;
	slot = ioctl(fd, UTRACE_ATTACH_STRACE, &s);
	CHECK(slot >= 0, "attach: %s", strerror(errno));
	CHECK(ioctl(fd, UTRACE_DETACH_ENGINE, slot) == 0, "detach: %s", strerror(errno));
	CHECK_ERRNO(ioctl(fd, UTRACE_DETACH_ENGINE, slot), ESRCH);
	CHECK_ERRNO(ioctl(fd, UTRACE_DETACH_ENGINE, 40), EINVAL);
	r.buf = 8;
	r.len = 100;
	/* Empty buffer: nothing to copy, even to a bad pointer. */
	CHECK(ioctl(fd, UTRACE_READ, &r) == 0 && r.got == 0, "empty read");
	CHECK_ERRNO(ioctl(fd, _IO(UTRACE_IOC_MAGIC, 77), 0), ENOTTY);
	close(fd);
}

/*
 * The order of the attach errors (<linux/utrace.h>): the target before
 * the rules, the rules before the file's room, the room before the answer
 * is written back.  And the slots of a file with no following engine and
 * none detached: 0, 1, 2, ..., a refused attach taking none.
 */
static void attach_errors_in_order(void)
{
	static const char good[] = "return getuid 1000", bad[] = "frobnicate";
	struct utrace_vm_attach v = { .pid = 2, .rules = 8, .rules_len = 10 }, *ro;
	struct utrace_strace_attach s = { 0 };
	int fd = open("/dev/utrace", O_RDWR), status, slot = 0;
	pid_t pid;
	siginfo_t si;

	CHECK(fd >= 0, "open: %s", strerror(errno));
	/* The arguments come first. */
	v.flags = 1U << 5;
	CHECK_ERRNO(ioctl(fd, UTRACE_ATTACH_VM, &v), EINVAL);
	v.flags = 0;
	/* Then the target, whatever the rules: a kernel thread... */
	v.error = 77;
	CHECK_ERRNO(ioctl(fd, UTRACE_ATTACH_VM, &v), EPERM);
	v.rules_len = 0;
	CHECK_ERRNO(ioctl(fd, UTRACE_ATTACH_VM, &v), EPERM);
	v.rules = (unsigned long)bad;
	v.rules_len = strlen(bad);
	CHECK_ERRNO(ioctl(fd, UTRACE_ATTACH_VM, &v), EPERM);
	CHECK(v.error == 77, "error %u written back for a target we may not attach to", v.error);
	/* ... no such pid, a negative one, a zombie. */
	v.rules = 8;
	v.pid = 999999;
	CHECK_ERRNO(ioctl(fd, UTRACE_ATTACH_VM, &v), ESRCH);
	v.pid = -7;
	CHECK_ERRNO(ioctl(fd, UTRACE_ATTACH_VM, &v), EINVAL);
	pid = fork();
	if (pid == 0)
		_exit(0);
	waitid(P_PID, pid, &si, WEXITED | WNOWAIT);
	v.pid = pid;
	CHECK_ERRNO(ioctl(fd, UTRACE_ATTACH_VM, &v), ESRCH);
	s.pid = pid;
	CHECK_ERRNO(ioctl(fd, UTRACE_ATTACH_STRACE, &s), ESRCH);
	waitpid(pid, NULL, 0);

	/* A block we cannot write to: the target's EPERM still comes first. */
	ro = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(ro != MAP_FAILED, "mmap: %s", strerror(errno));
	if (ro == MAP_FAILED)
		return;
	*ro = (struct utrace_vm_attach){ .pid = 2, .rules = (unsigned long)good,
					 .rules_len = strlen(good) };
	mprotect(ro, 4096, PROT_READ);
	CHECK_ERRNO(ioctl(fd, UTRACE_ATTACH_VM, ro), EPERM);

	/* As nobody: init is not ours, whatever the rules. */
	pid = fork();
	if (pid == 0) {
		int nfd = open("/dev/utrace", O_RDWR);
		struct utrace_vm_attach n = { .pid = 1, .rules = 8, .rules_len = 10 };

		if (nfd < 0 || setgid(65534) || setuid(65534))
			_exit(2);
		_exit(ioctl(nfd, UTRACE_ATTACH_VM, &n) == -1 && errno == EPERM ? 0 : 1);
	}
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "nobody's VM attach to init with bad rules: status %#x, wanted EPERM", status);

	/* A file of 256 engines at most, so that the file fills first. */
	CHECK(ioctl(fd, UTRACE_SET_MAX_ENGINES, 256) == 256, "limit: %s", strerror(errno));
	/*
	 * Fill the file with strace engines on a child that sleeps in pause():
	 * slots 0, 1, 2, ..., and the refused attaches in between take none.
	 */
	pid = fork();
	if (pid == 0) {
		pause();
		_exit(0);
	}
	s.pid = pid;
	mprotect(ro, 4096, PROT_READ | PROT_WRITE);
	ro->pid = pid;
	mprotect(ro, 4096, PROT_READ);
	for (int i = 0; i < 256; i++) {
		long got = ioctl(fd, UTRACE_ATTACH_STRACE, &s);

		if (got != slot) {
			CHECK(0, "attach %d: slot %ld (%s), wanted %d", i, got, strerror(errno), slot);
			break;
		}
		slot++;
		if (i == 100) {
			/* A refused VM attach: its answer cannot be written back. */
			CHECK_ERRNO(ioctl(fd, UTRACE_ATTACH_VM, ro), EFAULT);
		}
	}
	/* Full: the target's errors still come first, then the rules'. */
	s.pid = 2;
	CHECK_ERRNO(ioctl(fd, UTRACE_ATTACH_STRACE, &s), EPERM);
	s.pid = pid;
	CHECK_ERRNO(ioctl(fd, UTRACE_ATTACH_STRACE, &s), ENOSPC);
	v = (struct utrace_vm_attach){ .pid = pid, .rules = 8, .rules_len = 10 };
	CHECK_ERRNO(ioctl(fd, UTRACE_ATTACH_VM, &v), EFAULT);
	v.rules = (unsigned long)bad;
	v.rules_len = strlen(bad);
	CHECK_ERRNO(ioctl(fd, UTRACE_ATTACH_VM, &v), EINVAL);
	CHECK(v.error == UTRACE_VM_MALFORMED, "error %u", v.error);
	v.rules = (unsigned long)good;
	v.rules_len = strlen(good);
	CHECK_ERRNO(ioctl(fd, UTRACE_ATTACH_VM, &v), ENOSPC);
	/* The room comes before the answer is written back. */
	CHECK_ERRNO(ioctl(fd, UTRACE_ATTACH_VM, ro), ENOSPC);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	munmap(ro, 4096);
	close(fd);
}

struct vm_attach_job {
	int fd;
	struct utrace_vm_attach v;
	long ret;
	int err;
};

static void *vm_attach_thread(void *p)
{
	struct vm_attach_job *j = p;

	errno = 0;
	j->ret = ioctl(j->fd, UTRACE_ATTACH_VM, &j->v);
	j->err = errno;
	return NULL;
}

/* clone3's argument, as far as set_tid (<linux/sched.h> clashes with glibc's). */
struct clone3_args {
	__u64 flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
	__u64 set_tid, set_tid_size;
};

/*
 * An attach lands on the task whose pid was checked, or on nothing: the
 * target is checked (step 3 of the header), then dies, is reaped and its
 * pid is taken by a new process (clone3 with set_tid, as root) while the
 * attach sleeps in the test device's delay, before step 7.  The attach
 * must fail with ESRCH, and the new process must not get the engine (its
 * getuid() stays 0, not the rules' 4242).
 */
static void attach_never_lands_on_a_reused_pid(void)
{
	static const char rules[] = "return getuid 4242";
	struct vm_attach_job j = { .ret = -2 };
	int tfd = utd_open(), go[2], res[2], delayed, threaded;
	struct clone3_args ca = { .exit_signal = SIGCHLD, .set_tid_size = 1 };
	uid_t uid = (uid_t)-1;
	pthread_t th;
	pid_t c, b;

	j.fd = open("/dev/utrace", O_RDWR);
	CHECK(j.fd >= 0, "open: %s", strerror(errno));
	if (j.fd < 0 || tfd < 0 || pipe(go) || pipe(res))
		return;
	c = fork();
	if (c == 0) {
		alarm(30);
		pause();
		_exit(0);
	}
	j.v = (struct utrace_vm_attach){ .pid = c, .rules = (unsigned long)rules,
					 .rules_len = strlen(rules) };
	delayed = ioctl(tfd, UTRACE_TEST_ATTACH_DELAYED, 0);
	CHECK(ioctl(tfd, UTRACE_TEST_ATTACH_DELAY, 3000) == 0, "arm the delay: %s", strerror(errno));
	threaded = pthread_create(&th, NULL, vm_attach_thread, &j) == 0;
	CHECK(threaded, "pthread_create");
	/* The attach is in the window once it counted itself. */
	CHECK(utd_wait_delay_entered(tfd, UTRACE_TEST_ATTACH_DELAYED, delayed, 5000) == delayed + 1,
	      "the attach never reached the delay");
	kill(c, SIGKILL);
	CHECK(waitpid(c, NULL, 0) == c, "reap the target: %s", strerror(errno));
	ca.set_tid = (unsigned long)&c;
	b = syscall(SYS_clone3, &ca, sizeof(ca));
	if (b == 0) {
		char x;

		alarm(30);
		close(go[1]);
		if (read(go[0], &x, 1) != 1)
			_exit(100);
		uid = syscall(SYS_getuid);
		_exit(write(res[1], &uid, sizeof(uid)) == sizeof(uid) ? 0 : 101);
	}
	close(go[0]);
	close(res[1]);
	CHECK(b == c, "clone3 with set_tid %d: %ld (%s)", c, (long)b, strerror(errno));
	if (threaded)
		pthread_join(th, NULL);
	if (b > 0) {
		CHECK(write(go[1], "g", 1) == 1, "release the new process");
		CHECK(read(res[0], &uid, sizeof(uid)) == sizeof(uid), "its getuid()");
		waitpid(b, NULL, 0);
	}
	CHECK(j.ret == -1 && j.err == ESRCH,
	      "the attach to the reaped target returned %ld (%s), wanted ESRCH", j.ret,
	      strerror(j.err));
	CHECK(uid == 0, "the new process with the reaped target's pid %d: getuid() = %d, wanted 0 "
	      "(the engine landed on it)", c, (int)uid);
	ioctl(tfd, UTRACE_TEST_ATTACH_DELAY, 0);
	close(go[1]);
	close(res[0]);
	close(j.fd);
	close(tfd);
}

static void dropped_lines_are_counted_and_reported(void)
{
	static char buf[65536];
	struct utrace_strace_attach s = { 0 };
	struct utrace_read r;
	int fd = open("/dev/utrace", O_RDWR);
	unsigned long lines = 0, calls = 6000;
	int slot, notice = 0;

	slot = ioctl(fd, UTRACE_ATTACH_STRACE, &s);
	CHECK(slot >= 0, "attach: %s", strerror(errno));
	/* ~15 bytes a line: overflows the 64 KiB buffer without a reader. */
	for (unsigned long i = 0; i < calls; i++)
		syscall(SYS_getppid);
	CHECK(ioctl(fd, UTRACE_DETACH_ENGINE, slot) == 0, "detach: %s", strerror(errno));
	do {
		r = (struct utrace_read){ .buf = (unsigned long)buf, .len = sizeof(buf) };
		CHECK(ioctl(fd, UTRACE_READ, &r) == 0, "read: %s", strerror(errno));
		for (unsigned int i = 0; i < r.got; i++)
			lines += buf[i] == '\n';
		buf[r.got < sizeof(buf) ? r.got : sizeof(buf) - 1] = 0;
		notice |= strstr(buf, "<utrace: ") && strstr(buf, " lines dropped>");
	} while (r.got);
	CHECK(r.dropped > 0, "nothing dropped");
	CHECK(notice, "no drop notice in the text");
	/* Every getppid is either a line or counted (plus a few other calls). */
	CHECK(lines - 1 + r.dropped >= calls, "%lu lines + %llu dropped < %lu calls",
	      lines, (unsigned long long)r.dropped, calls);
	close(fd);
}

KTAP_MAIN("guest_engines",
	  KTAP_CASE(vm_identity),
	  KTAP_CASE(vm_uname),
	  KTAP_CASE(vm_redirect),
	  KTAP_CASE(vm_redirect_stat_access_execve),
	  KTAP_CASE(vm_redirect_execveat),
	  KTAP_CASE(strace_lines),
	  KTAP_CASE(strace_signal_lines),
	  KTAP_CASE(strace_over_vm_shows_what_the_program_sees),
	  KTAP_CASE(naive_order_shows_what_the_program_never_saw),
	  KTAP_CASE(children_stay_in_the_vm),
	  KTAP_CASE(setid_exec_gains_nothing_under_engines),
	  KTAP_CASE(file_caps_exec_gains_nothing_under_engines),
	  KTAP_CASE(rejected_rules),
	  KTAP_CASE(control_errors),
	  KTAP_CASE(attach_errors_in_order),
	  KTAP_CASE(attach_never_lands_on_a_reused_pid),
	  KTAP_CASE(dropped_lines_are_counted_and_reported))
