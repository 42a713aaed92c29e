// SPDX-License-Identifier: GPL-2.0
/*
 * ptrace_order_test - a ptrace tracer takes its place among the engines.
 *
 * Debian's unmodified strace (/usr/bin/strace, dynamic, packed with its
 * libraries by qemu-ci/initramfs.sh) traces /usr/bin/sysinfo, which runs
 * under the VM engine of /usr/bin/utrace.  sysinfo calls getuid and
 * geteuid (the VM answers them), uname (the VM edits the nodename) and
 * opens a path under /virtual (the VM rewrites it to /tmp/real).  Exact
 * strace lines:
 *
 *  - strace attached AFTER the engine (utrace ... -- strace PROG: the VM
 *    follows strace's child at fork, strace attaches after) sits outside
 *    it, closer to the program: it shows the path the program used and
 *    the results the program got.
 *
 *  - strace attached BEFORE the engine (strace -f utrace ... -- PROG:
 *    strace takes utrace's child at fork, utrace attaches the VM to it
 *    later) sits inside it: the path the VM wrote, and uname's real
 *    nodename, before the VM edits it on the way out.  getuid and geteuid
 *    look the same from inside: the VM aborts them at entry, before
 *    ptrace's turn.  An aborted call still passes the tracer's layer (its
 *    entry stop shows the call; it cannot make it run), and nothing under
 *    the tracer produces another result, so its exit stop shows the VM's
 *    answer: getuid() = 1000.  (Documentation/design.md, section 2.)
 *
 * Debian's gdb (gdb-minimal: gdb without Python, unpacked by
 * qemu-ci/setup.sh, /usr/bin/gdb in the guest) the same two ways, with
 * what a debugger needs beyond syscall stops: a breakpoint (an int3 it
 * pokes into the text, reported as SIGTRAP at signal delivery), a single
 * step, following a fork's child and catching its exec (inside the VM).
 * Its syscall catchpoints on uname and getuid print what gdb reads at
 * their return: the registers and, for uname, the nodename in the
 * program's buffer, with the same expectations as strace's lines.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include "ktap.h"
#include "run.h"

/* Seconds any one command may take before its process group is killed. */
#define RUN_TIMEOUT 60

#define OUT_FILE "/tmp/ptrace-order.out"
#define ERR_FILE "/tmp/ptrace-order.err"
#define LOG_FILE "/tmp/ptrace-order.strace"
#define GDB_SCRIPT "/tmp/ptrace-order.gdb"
#define REAL_FILE "/tmp/real/hostname"
#define CONTENT "hello from /tmp/real"

/*
 * The VM gives a whole identity, uid and euid.  strace started under the
 * VM believes it too: with a virtual uid apart from its real euid (0) it
 * takes itself for a set-uid program, drops its euid to that uid with
 * setreuid(), and then may not attach to its child (EPERM).
 */
static const char *rules =
	"return getuid 1000; return geteuid 1000; uname nodename vm-guest; "
	"redirect /virtual /tmp/real";
/* strace's own options: only these calls, no padding, no exit or signal lines. */
#define STRACE_QUIET "-qq", "-a0", "-e", "signal=none"
#define STRACE_CALLS "-e", "trace=execve,getuid,geteuid,uname,openat"

static char out[65536], err[65536], log_text[65536];
/*
 * Runs argv in its own process group, stdout and stderr into out and
 * err; returns its exit status, or -1.  After RUN_TIMEOUT seconds the
 * whole group (strace, utrace and the traced program) is killed.
 */
static int run(const char *const argv[])
{
	int status, timed_out;

	unlink(LOG_FILE);
	status = run_in_group(argv, OUT_FILE, ERR_FILE, RUN_TIMEOUT, &timed_out);
	slurp(OUT_FILE, out, sizeof(out));
	slurp(ERR_FILE, err, sizeof(err));
	slurp(LOG_FILE, log_text, sizeof(log_text));
	CHECK(!timed_out, "%s: killed after %d s", argv[0], RUN_TIMEOUT);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

#define CHECK_LINE(text, line) \
	CHECK(has_line(text, line), "no line '%s' in:\n%s", line, text)

#define ARRAY_SIZE(a) ((int)(sizeof(a) / sizeof((a)[0])))
#define MAX_LINES 64

/* One line of strace's log: the pid strace -f puts first (0 if none), the rest. */
struct log_line {
	long pid;
	char text[512];
};

static struct log_line lines[MAX_LINES];

/* Splits log_text into lines[]; returns how many. */
static int parse_log(void)
{
	const char *p = log_text;
	int n = 0;

	while (*p && n < MAX_LINES) {
		const char *end = strchrnul(p, '\n');
		const char *text = p;
		long pid = 0;

		while (*text >= '0' && *text <= '9')
			pid = pid * 10 + (*text++ - '0');
		if (text == p || *text != ' ') {
			/* Not a "PID text" line: all of it is text. */
			text = p;
			pid = 0;
		}
		while (*text == ' ')
			text++;
		lines[n].pid = pid;
		snprintf(lines[n].text, sizeof(lines[n].text), "%.*s", (int)(end - text), text);
		n++;
		p = *end ? end + 1 : end;
	}
	return n;
}

static int starts_with(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

/* The execve of sysinfo that strace shows, whatever the environment's address. */
static int is_sysinfo_execve(const char *text)
{
	return starts_with(text, "execve(\"/usr/bin/sysinfo\", [\"/usr/bin/sysinfo\", "
			   "\"/virtual/hostname\"], 0x") &&
	       ends_with(text, " vars */) = 0");
}

/*
 * Checks that the process that execs sysinfo in strace's log shows exactly
 * @want after that execve, nothing more; returns the index of the execve
 * line, or -1.
 */
static int check_sysinfo_lines(int n, const char *const want[], int nwant)
{
	int exec = -1, got = 0;

	for (int i = 0; i < n && exec < 0; i++)
		if (is_sysinfo_execve(lines[i].text))
			exec = i;
	CHECK(exec >= 0, "no execve of sysinfo in strace's log:\n%s", log_text);
	if (exec < 0)
		return -1;
	for (int i = exec + 1; i < n; i++) {
		if (lines[i].pid != lines[exec].pid)
			continue;
		CHECK(got < nwant && !strcmp(lines[i].text, want[got]),
		      "sysinfo's line %d is '%s', wanted '%s'; the log:\n%s",
		      got + 1, lines[i].text, got < nwant ? want[got] : "(none)", log_text);
		got++;
	}
	CHECK(got == nwant, "sysinfo has %d lines after execve, wanted %d; the log:\n%s",
	      got, nwant, log_text);
	return exec;
}

/* The program's own output: the VM answered it, whoever watched. */
static void check_program_in_the_vm(void)
{
	CHECK_LINE(out, "uid=1000 euid=1000 gid=0 egid=0");
	CHECK(starts_with(strstr(out, "nodename=") ?: "", "nodename=vm-guest release="),
	      "program output:\n%s", out);
	CHECK_LINE(out, "/virtual/hostname: " CONTENT);
}

/* strace's abbreviated uname line for @nodename, in @buf. */
static const char *uname_as_strace_shows(char *buf, size_t size, const char *nodename)
{
	snprintf(buf, size, "uname({sysname=\"Linux\", nodename=\"%s\", ...}) = 0", nodename);
	return buf;
}

static void setup_files(void)
{
	int fd;

	mkdir("/tmp/real", 0755);
	fd = open(REAL_FILE, O_CREAT | O_WRONLY | O_TRUNC, 0644);
	CHECK(fd >= 0, "%s: %s", REAL_FILE, strerror(errno));
	if (fd >= 0) {
		CHECK(write(fd, CONTENT "\n", sizeof(CONTENT)) == sizeof(CONTENT), "write");
		close(fd);
	}
}

/* Baseline: Debian's strace runs in the guest and shows the real calls. */
static void strace_alone(void)
{
	const char *argv[] = { "/usr/bin/strace", STRACE_QUIET, STRACE_CALLS, "-o", LOG_FILE,
		"/usr/bin/sysinfo", "/virtual/hostname", NULL };
	struct utsname u;
	char uid_line[64], euid_line[64], uname_line[256];
	const char *want[4];
	int n;

	CHECK(uname(&u) == 0, "uname: %s", strerror(errno));
	snprintf(uid_line, sizeof(uid_line), "getuid() = %d", (int)getuid());
	snprintf(euid_line, sizeof(euid_line), "geteuid() = %d", (int)geteuid());
	want[0] = uid_line;
	want[1] = euid_line;
	want[2] = uname_as_strace_shows(uname_line, sizeof(uname_line), u.nodename);
	want[3] = "openat(AT_FDCWD, \"/virtual/hostname\", O_RDONLY) = -1 ENOENT "
		  "(No such file or directory)";
	/* sysinfo fails to open /virtual/hostname: status 1. */
	CHECK(run(argv) == 1, "status; stderr:\n%s", err);
	n = parse_log();
	if (check_sysinfo_lines(n, want, ARRAY_SIZE(want)) >= 0)
		CHECK(lines[0].pid == 0 && is_sysinfo_execve(lines[0].text),
		      "strace's first line is not sysinfo's execve:\n%s", log_text);
}

/*
 * strace started under the VM: the engine follows strace's child at fork,
 * strace attaches to it after that.  strace sits outside the VM.
 */
static void strace_after_the_engine_sees_what_the_program_sees(void)
{
	const char *argv[] = { "/usr/bin/utrace", "--vm", rules, "--",
		"/usr/bin/strace", STRACE_QUIET, STRACE_CALLS, "-o", LOG_FILE,
		"/usr/bin/sysinfo", "/virtual/hostname", NULL };
	char uname_line[256];
	const char *want[] = {
		"getuid() = 1000",
		"geteuid() = 1000",
		uname_as_strace_shows(uname_line, sizeof(uname_line), "vm-guest"),
		"openat(AT_FDCWD, \"/virtual/hostname\", O_RDONLY) = 3",
	};
	int n;

	setup_files();
	CHECK(run(argv) == 0, "status; stderr:\n%s\nstdout:\n%s", err, out);
	check_program_in_the_vm();
	n = parse_log();
	/* Without -f strace traces sysinfo alone: the log is all its own. */
	if (check_sysinfo_lines(n, want, ARRAY_SIZE(want)) >= 0)
		CHECK(lines[0].pid == 0 && is_sysinfo_execve(lines[0].text),
		      "strace's first line is not sysinfo's execve:\n%s", log_text);
}

/*
 * strace -f started first: it takes utrace's child at fork, and utrace
 * attaches the VM to that child later.  strace sits inside the VM.
 */
static void strace_before_the_engine_sees_the_engines_version(void)
{
	const char *argv[] = { "/usr/bin/strace", "-f", STRACE_QUIET, STRACE_CALLS,
		"-o", LOG_FILE, "/usr/bin/utrace", "--vm", rules, "--",
		"/usr/bin/sysinfo", "/virtual/hostname", NULL };
	struct utsname u;
	char uname_line[256];
	const char *want[4];
	int n, exec;

	CHECK(uname(&u) == 0, "uname: %s", strerror(errno));
	/* A real nodename that the rule would change (else the case proves nothing). */
	CHECK(strcmp(u.nodename, "vm-guest"), "the guest is already called vm-guest");
	want[0] = "getuid() = 1000";
	want[1] = "geteuid() = 1000";
	want[2] = uname_as_strace_shows(uname_line, sizeof(uname_line), u.nodename);
	want[3] = "openat(AT_FDCWD, \"/tmp/real/hostname\", O_RDONLY) = 3";
	setup_files();
	CHECK(run(argv) == 0, "status; stderr:\n%s\nstdout:\n%s", err, out);
	check_program_in_the_vm();
	n = parse_log();
	exec = check_sysinfo_lines(n, want, ARRAY_SIZE(want));
	/* strace -f: every line has a pid; the first is utrace's own execve. */
	if (exec >= 0) {
		CHECK(n > 0 && lines[0].pid > 0 &&
		      starts_with(lines[0].text, "execve(\"/usr/bin/utrace\", "),
		      "strace's first line is not utrace's execve:\n%s", log_text);
		CHECK(lines[exec].pid > 0 && lines[exec].pid != lines[0].pid,
		      "sysinfo did not run in utrace's child:\n%s", log_text);
	}
}

/*
 * The registers gdb reads at a syscall stop, as each architecture names
 * them: the call's number, its first argument (at entry) and its result (at
 * exit).  x86 keeps the number in orig_rax; arm64 in x8, and its x0 is both
 * the first argument and the result.
 */
#if defined(__x86_64__)
#define GDB_NR "$orig_rax"
#define GDB_ARG0 "$rdi"
#define GDB_RET "$rax"
#elif defined(__aarch64__)
#define GDB_NR "$x8"
#define GDB_ARG0 "$x0"
#define GDB_RET "$x0"
#endif
#define STR_(x) #x
#define STR(x) STR_(x)

/*
 * gdb's commands, after it has started sysinfo and before sysinfo's main.
 * Syscalls by number (gdb-minimal has no syscall name table).  gdb stops at
 * each call's entry and at its return, alternately; $u and $g count which
 * of the two a stop is.  uname's buffer is taken at its entry, read at its
 * return.  A temporary breakpoint at main, one instruction stepped there,
 * then on to the end.
 */
#define GDB_FROM_MAIN \
	"tbreak main\n" \
	"commands\nsilent\nprintf \"GDB breakpoint in main\\n\"\nend\n" \
	"continue\n" \
	"set $before = $pc\n" \
	"stepi\n" \
	"printf \"\\nGDB stepped: %d\\n\", $pc != $before\n" \
	"set $u = 0\n" \
	"set $g = 0\n" \
	"catch syscall " STR(SYS_uname) " " STR(SYS_getuid) "\n" \
	"commands\nsilent\n" \
	"if " GDB_NR " == " STR(SYS_uname) "\n" \
	"  set $u = !$u\n" \
	"  if $u\n" \
	"    set $ubuf = " GDB_ARG0 "\n" \
	"  else\n" \
	"    printf \"GDB uname: %s\\n\", (char *)$ubuf + 65\n" \
	"  end\n" \
	"else\n" \
	"  set $g = !$g\n" \
	"  if !$g\n" \
	"    printf \"GDB getuid=%ld\\n\", " GDB_RET "\n" \
	"  end\n" \
	"end\n" \
	"continue\nend\n" \
	"continue\n" \
	"printf \"GDB done\\n\"\n"

#define GDB_SETTINGS "set pagination off\nset confirm off\n"

/*
 * gdb runs sysinfo itself: `starti` stops it at its first instruction,
 * before main.  (No shell: gdb would not stop before main otherwise.)
 */
static const char gdb_runs_sysinfo[] =
	GDB_SETTINGS "set startup-with-shell off\nstarti\n" GDB_FROM_MAIN;

/*
 * gdb runs utrace, follows its child at fork (detaching from utrace) and
 * stops at that child's exec of sysinfo: by then utrace has attached the
 * VM to the child, after gdb.  Through the shell, gdb's default: without
 * it gdb 13 splits the rules, an argument with spaces, at each space.
 */
static const char gdb_follows_utrace_child[] =
	GDB_SETTINGS "set follow-fork-mode child\ncatch exec\nrun\ndelete\n" GDB_FROM_MAIN;

#define GDB_ARGV "/usr/bin/gdb", "-nx", "-batch", "-x", GDB_SCRIPT


static void write_gdb_script(const char *script)
{
	int fd = open(GDB_SCRIPT, O_CREAT | O_WRONLY | O_TRUNC, 0644);
	size_t len = strlen(script);

	CHECK(fd >= 0 && write(fd, script, len) == (ssize_t)len, "%s: %s", GDB_SCRIPT,
	      strerror(errno));
	if (fd >= 0)
		close(fd);
}

/*
 * What gdb printed: the breakpoint and the step worked, its catchpoints
 * saw getuid return @uid and uname return @nodename, and it ran to the end.
 */
static void check_gdb_saw(int uid, const char *nodename)
{
	char getuid_line[64], uname_line[128];
	const char *want[] = {
		"GDB breakpoint in main", "GDB stepped: 1", getuid_line, uname_line, "GDB done",
	};

	snprintf(getuid_line, sizeof(getuid_line), "GDB getuid=%d", uid);
	snprintf(uname_line, sizeof(uname_line), "GDB uname: %s", nodename);
	for (int i = 0; i < ARRAY_SIZE(want); i++)
		CHECK(has_line(out, want[i]), "no line '%s' in gdb's output:\n%s\nstderr:\n%s",
		      want[i], out, err);
}

/* Baseline: Debian's gdb runs in the guest and debugs sysinfo. */
static void gdb_alone(void)
{
	const char *argv[] = { GDB_ARGV, "--args", "/usr/bin/sysinfo", NULL };
	struct utsname u;

	CHECK(uname(&u) == 0, "uname: %s", strerror(errno));
	write_gdb_script(gdb_runs_sysinfo);
	CHECK(run(argv) == 0, "status; stderr:\n%s\nstdout:\n%s", err, out);
	check_gdb_saw(getuid(), u.nodename);
}

/*
 * gdb started under the VM: the engine follows gdb's child at fork, gdb's
 * ptrace attaches to it after that (PTRACE_TRACEME).  gdb sits outside
 * the VM: it reads the results the program gets.
 */
static void gdb_after_the_engine_sees_what_the_program_sees(void)
{
	const char *argv[] = { "/usr/bin/utrace", "--vm", rules, "--",
		GDB_ARGV, "--args", "/usr/bin/sysinfo", "/virtual/hostname", NULL };

	setup_files();
	write_gdb_script(gdb_runs_sysinfo);
	CHECK(run(argv) == 0, "status; stderr:\n%s\nstdout:\n%s", err, out);
	check_program_in_the_vm();
	check_gdb_saw(1000, "vm-guest");
}

/*
 * gdb started first: it follows utrace's child at fork, and utrace
 * attaches the VM to that child later.  gdb sits inside the VM: uname's
 * real nodename, before the VM edits it on the way out; getuid's answer
 * from the VM, as strace inside shows it.
 */
static void gdb_before_the_engine_sees_the_engines_version(void)
{
	const char *argv[] = { GDB_ARGV, "--args", "/usr/bin/utrace", "--vm", rules, "--",
		"/usr/bin/sysinfo", "/virtual/hostname", NULL };
	struct utsname u;

	CHECK(uname(&u) == 0, "uname: %s", strerror(errno));
	CHECK(strcmp(u.nodename, "vm-guest"), "the guest is already called vm-guest");
	setup_files();
	write_gdb_script(gdb_follows_utrace_child);
	CHECK(run(argv) == 0, "status; stderr:\n%s\nstdout:\n%s", err, out);
	check_program_in_the_vm();
	check_gdb_saw(1000, u.nodename);
}

KTAP_MAIN("guest_ptrace_order",
	  KTAP_CASE(strace_alone),
	  KTAP_CASE(strace_after_the_engine_sees_what_the_program_sees),
	  KTAP_CASE(strace_before_the_engine_sees_the_engines_version),
	  KTAP_CASE(gdb_alone),
	  KTAP_CASE(gdb_after_the_engine_sees_what_the_program_sees),
	  KTAP_CASE(gdb_before_the_engine_sees_the_engines_version))
