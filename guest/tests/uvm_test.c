// SPDX-License-Identifier: GPL-2.0
/*
 * guest_uvm: uvm, the VM engine's rules applied by a monitor in user space
 * through /dev/utrace-channel (guest/tools/uvm.c).
 *
 * Runs /usr/bin/uvm over /usr/bin/sysinfo and checks what the program
 * prints against what it prints under the in-kernel VM engine (the same
 * rules, the same effects), the exit status, that calls outside the
 * engine's syscall set never reach the monitor (uvm --stats counts what
 * it saw), refused rules, and uvm stacked with the strace engine in both
 * orders.  With --getpids, this program is the traced one: it calls getpid
 * 100 times and getuid once, and prints what they returned last.
 */
#include <sys/syscall.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include "ktap.h"
#include "run.h"

#define LIMIT 120	/* seconds for one command (a debug TCG guest) */

static const char rules[] =
	"return getuid 1000; uname nodename vm-guest; redirect /virtual /tmp/real";

static char out[16384], err[65536];

/*
 * Runs @argv with its stdout in out and its stderr in err; returns its
 * exit status (128 + the signal if killed), -1 if it did not end in time.
 */
static int run(const char *const argv[])
{
	int timed_out, st = run_in_group(argv, "/tmp/uvm_test.out", "/tmp/uvm_test.err", LIMIT,
					 &timed_out);

	slurp("/tmp/uvm_test.out", out, sizeof(out));
	slurp("/tmp/uvm_test.err", err, sizeof(err));
	if (timed_out || st == -1)
		return -1;
	return WIFSIGNALED(st) ? 128 + WTERMSIG(st) : WEXITSTATUS(st);
}

static void setup_files(void)
{
	int fd;

	mkdir("/tmp/real", 0755);
	fd = open("/tmp/real/hostname", O_CREAT | O_WRONLY | O_TRUNC, 0644);
	CHECK(fd >= 0 && write(fd, "real-host\n", 10) == 10, "/tmp/real/hostname: %s",
	      strerror(errno));
	close(fd);
}

/* What sysinfo /virtual/hostname prints under the rules. */
static void expected_output(char *buf, size_t len)
{
	struct utsname u;

	uname(&u);
	snprintf(buf, len,
		 "uid=1000 euid=%d gid=%d egid=%d\n"
		 "nodename=vm-guest release=%s\n"
		 "/virtual/hostname: real-host\n",
		 (int)geteuid(), (int)getgid(), (int)getegid(), u.release);
}

static void sysinfo_sees_what_the_kernel_s_vm_shows(void)
{
	const char *uvm[] = { "/usr/bin/uvm", "--rules", rules, "--",
		"/usr/bin/sysinfo", "/virtual/hostname", NULL };
	const char *kvm[] = { "/usr/bin/utrace", "--vm", rules, "--",
		"/usr/bin/sysinfo", "/virtual/hostname", NULL };
	char want[512];

	setup_files();
	expected_output(want, sizeof(want));
	CHECK(run(uvm) == 0, "uvm's status; stderr:\n%s", err);
	CHECK(!strcmp(out, want), "uvm: the program printed:\n%s\nwanted:\n%s", out, want);
	CHECK(run(kvm) == 0, "utrace --vm's status; stderr:\n%s", err);
	CHECK(!strcmp(out, want), "utrace --vm: the program printed:\n%s", out);
}

static void the_exit_status_is_the_program_s(void)
{
	const char *seven[] = { "/usr/bin/uvm", "--", "/bin/sh", "-c", "exit 7", NULL };
	const char *killed[] = { "/usr/bin/uvm", "--rules", "return getuid 5", "--",
		"/bin/sh", "-c", "kill -9 $$", NULL };
	const char *nope[] = { "/usr/bin/uvm", "--rules", rules, "--",
		"/usr/bin/sysinfo", "/nope", NULL };
	const char *missing[] = { "/usr/bin/uvm", "--", "/no/such/program", NULL };
	int st;

	CHECK((st = run(seven)) == 7, "exit 7: %d; stderr:\n%s", st, err);
	CHECK((st = run(killed)) == 128 + SIGKILL, "killed: %d; stderr:\n%s", st, err);
	CHECK((st = run(nope)) == 1, "sysinfo /nope: %d; stderr:\n%s", st, err);
	CHECK(has_line(out, "/nope: No such file or directory"), "sysinfo printed:\n%s", out);
	CHECK((st = run(missing)) == 127, "a missing program: %d", st);
	CHECK(has_line(err, "uvm: /no/such/program: ENOENT (No such file or directory)"),
	      "stderr:\n%s", err);
}

/*
 * uvm has no table for the 32-bit ABI (ia32 on x86_64, AArch32 on arm64):
 * under rules it refuses its calls (ENOSYS), but not those that end the
 * task or return from a handler, as the in-kernel VM.  The 32-bit program
 * prints nothing (its write is refused) and exits with 1 (its getuid32
 * got -ENOSYS); refused, its exit_group would leave it trapping (calls32)
 * or calling exit for ever (calls_a32).
 */
static void a_32bit_program_exits_under_rules(void)
{
#if defined(__x86_64__)
	const char *prog = "/usr/bin/calls32";
#else
	const char *prog = "/usr/bin/calls_a32";
#endif
	const char *argv[] = { "/usr/bin/uvm", "--rules", "return getuid 1000", "--", prog, NULL };
	int st = run(argv);

	CHECK(st == 1, "%s under uvm: %d, wanted 1 (-1: did not end); stdout:\n%s\nstderr:\n%s",
	      prog, st, out, err);
	CHECK(!out[0], "a refused write printed:\n%s", out);
}

static void children_stay_in_the_vm(void)
{
	const char *argv[] = { "/usr/bin/uvm", "--rules", "return getuid 1000", "--",
		"/usr/bin/sysinfo", "--fork", NULL };

	CHECK(run(argv) == 0, "status; stderr:\n%s", err);
	CHECK(has_line(out, "child uid=1000"), "the program printed:\n%s", out);
}

/* This program, for uvm to run with --getpids. */
static char self[256];

/* Whether err has uvm's stats line "@call: @entries entries, 0 exits". */
static int stats_line(const char *call, int entries)
{
	char line[128];

	snprintf(line, sizeof(line), "uvm: %s: %d entries, 0 exits", call, entries);
	return has_line(err, line);
}

/* The events uvm read, from its stats (-1 if not there). */
static long events_read(void)
{
	const char *p = strstr(err, "uvm: ");
	long n;

	return p && sscanf(p, "uvm: %ld events in ", &n) == 1 ? n : -1;
}

static void calls_outside_the_set_never_reach_the_monitor(void)
{
	const char *argv[] = { "/usr/bin/uvm", "--stats", "--rules", "return getuid 1000", "--",
		self, "--getpids", NULL };
	const char *both[] = { "/usr/bin/uvm", "--stats", "--rules",
		"return getuid 1000; return getpid 7", "--", self, "--getpids", NULL };
	long pid = 0, uid = 0;

	CHECK(run(argv) == 0, "status; stderr:\n%s", err);
	CHECK(sscanf(out, "getpid=%ld getuid=%ld", &pid, &uid) == 2 && pid > 1 && uid == 1000,
	      "the program printed:\n%s", out);
	/* getuid, and nothing else: not getpid, nor the C library's calls. */
	CHECK(stats_line("getuid", 1) && events_read() == 1, "uvm's stats:\n%s", err);
	CHECK(!strstr(err, "getpid"), "getpid reached the monitor:\n%s", err);
	/* Counted when in the set. */
	CHECK(run(both) == 0, "status; stderr:\n%s", err);
	CHECK(!strcmp(out, "getpid=7 getuid=1000\n"), "the program printed:\n%s", out);
	CHECK(stats_line("getpid", 100) && stats_line("getuid", 1) && events_read() == 101,
	      "uvm's stats:\n%s", err);
}

static void rules_that_do_not_parse_are_refused(void)
{
	const char *unknown[] = { "/usr/bin/uvm", "--rules", "return nosuchcall 1", "--",
		"/usr/bin/sysinfo", NULL };
	const char *third[] = { "/usr/bin/uvm", "--rules", "return getuid 1\n# fine\nfrobnicate",
		"--", "/usr/bin/sysinfo", NULL };

	CHECK(run(unknown) == 2 && !strcmp(err, "uvm: --rules: line 1: unknown syscall\n"),
	      "stderr:\n%s", err);
	CHECK(!out[0], "the program ran:\n%s", out);
	CHECK(run(third) == 2 && !strcmp(err, "uvm: --rules: line 3: not a rule\n"),
	      "stderr:\n%s", err);
}

/*
 * Whether @text has a line "[[pid N] ]@call = @result", strace's spaces
 * before the '=' any number.
 */
static int has_call(const char *text, const char *call, const char *result)
{
	size_t clen = strlen(call), rlen = strlen(result);

	for (const char *p = text; (p = strstr(p, call)); p++) {
		const char *q = p + clen;

		if (p != text && p[-1] != '\n' && (p - text < 2 || strncmp(p - 2, "] ", 2)))
			continue;
		while (*q == ' ')
			q++;
		if (!strncmp(q, "= ", 2) && !strncmp(q + 2, result, rlen) &&
		    (q[2 + rlen] == '\n' || !q[2 + rlen]))
			return 1;
	}
	return 0;
}

/*
 * The strace engine attached after uvm's engine sits closer to the
 * program: it shows the calls as the program made them and the results as
 * it got them.  Attached before (utrace's engines follow uvm's child from
 * its fork, before uvm attaches), it shows what the kernel did: the real
 * path, the real host name.  The program sees the same either way.
 */
static void stacked_with_the_strace_engine_in_both_orders(void)
{
	const char *right[] = { "/usr/bin/uvm", "--rules", rules, "--", "/usr/bin/utrace",
		"--strace", "--", "/usr/bin/sysinfo", "/virtual/hostname", NULL };
	const char *naive[] = { "/usr/bin/utrace", "--strace", "--", "/usr/bin/uvm", "--rules",
		rules, "--", "/usr/bin/sysinfo", "/virtual/hostname", NULL };
	const char *virtual_open = "openat(AT_FDCWD, \"/virtual/hostname\", O_RDONLY)";
	const char *real_open = "openat(AT_FDCWD, \"/tmp/real/hostname\", O_RDONLY)";
	char want[512];

	setup_files();
	expected_output(want, sizeof(want));
	CHECK(run(right) == 0, "right order: status; stderr:\n%s", err);
	CHECK(!strcmp(out, want), "right order: the program printed:\n%s", out);
	CHECK(has_call(err, "getuid()", "1000"), "right order: no getuid() = 1000:\n%s", err);
	CHECK(has_call(err, virtual_open, "3") && !strstr(err, real_open),
	      "right order: not the program's path:\n%s", err);
	CHECK(has_call(err, "uname({sysname=\"Linux\", nodename=\"vm-guest\", ...})", "0"),
	      "right order: not the program's uname:\n%s", err);

	CHECK(run(naive) == 0, "naive order: status; stderr:\n%s", err);
	CHECK(!strcmp(out, want), "naive order: the program printed:\n%s", out);
	CHECK(has_call(err, real_open, "3") && !strstr(err, virtual_open),
	      "naive order: not the real path:\n%s", err);
	CHECK(strstr(err, "uname({sysname=\"Linux\", nodename=\"") &&
	      !strstr(err, "nodename=\"vm-guest\""), "naive order: the edited uname:\n%s", err);
}

static const struct ktap_case cases[] = {
	KTAP_CASE(sysinfo_sees_what_the_kernel_s_vm_shows),
	KTAP_CASE(the_exit_status_is_the_program_s),
	KTAP_CASE(children_stay_in_the_vm),
	KTAP_CASE(a_32bit_program_exits_under_rules),
	KTAP_CASE(calls_outside_the_set_never_reach_the_monitor),
	KTAP_CASE(rules_that_do_not_parse_are_refused),
	KTAP_CASE(stacked_with_the_strace_engine_in_both_orders),
};

int main(int argc, char **argv)
{
	ssize_t n;

	if (argc > 1 && !strcmp(argv[1], "--getpids")) {
		long pid = 0;

		for (int i = 0; i < 100; i++)
			pid = syscall(SYS_getpid);
		printf("getpid=%ld getuid=%ld\n", pid, (long)syscall(SYS_getuid));
		return 0;
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	self[n > 0 ? n : 0] = 0;
	return ktap_run("guest_uvm", cases, sizeof(cases) / sizeof(cases[0]));
}
