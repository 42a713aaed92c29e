// SPDX-License-Identifier: GPL-2.0
/*
 * guest_branch_tool: `utrace --branches N`, the tool's view of the
 * branch-trace engine (<linux/utrace_branch.h>).
 *
 * The tool runs this program itself, in its --victim mode: it calls a
 * routine written in assembly below, which exits the process from inside
 * it, so that the last branches are known to the byte.  The cases check
 * that the tool prints them last, exactly, named by the routine's
 * function symbols; that a ring of 3 keeps the last 3 and the summary
 * says how many were overwritten; and that bad values of N are refused
 * before anything runs.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/wait.h>
#include "ktap.h"
#include "run.h"

#define TOOL		"/usr/bin/utrace"
#define SELF		"/tests/branch_tool_test"
#define TOOL_OUT	"/tmp/branch-tool-out.txt"
#define TOOL_ERR	"/tmp/branch-tool-err.txt"
/*
 * Every instruction of the victim is stepped, its static C library's
 * start-up included: tens of thousands, up to a minute in a debug TCG
 * guest.
 */
#define TOOL_SECONDS	120
/*
 * Whether stepping the victim's whole static C library start-up fits in
 * TOOL_SECONDS here.  Not in arm64's debug TCG guest (guest_branch's
 * cases that exec measured about 400 us a step there).
 */
#if defined(__x86_64__)
#define STEPS_A_STARTUP 1
#else
#define STEPS_A_STARTUP 0
#endif
#define SLOW_STARTUP_SKIP "arm64's TCG guest steps too slowly for a whole C library start-up"

/* What the victim writes on stdout before the routine. */
#define VICTIM_SAYS	"victim: calling bt_outer\n"

/*
 * The routine.  bt_outer calls bt_inner three times in a loop, then exits
 * the process with a raw exit_group(0): no branch comes after the last
 * return.  Both are function symbols with their sizes, which is what the
 * tool names addresses by; the labels inside them (global, of no type)
 * are not.
 */
#if defined(__x86_64__)
asm(".text\n"
    ".globl bt_outer\n"
    ".type bt_outer,@function\n"
    "bt_outer:\n"
    "	mov $3, %ebx\n"
    ".globl bt_call\n"
    "bt_call:\n"
    "	call bt_inner\n"
    ".globl bt_after\n"
    "bt_after:\n"
    "	dec %ebx\n"
    ".globl bt_jnz\n"
    "bt_jnz:\n"
    "	jnz bt_call\n"
    "	mov $231, %eax\n"
    "	xor %edi, %edi\n"
    "	syscall\n"
    "	ud2\n"
    ".size bt_outer, .-bt_outer\n"
    ".globl bt_inner\n"
    ".type bt_inner,@function\n"
    "bt_inner:\n"
    "	nop\n"
    ".globl bt_ret\n"
    "bt_ret:\n"
    "	ret\n"
    ".size bt_inner, .-bt_inner\n");
#else
asm(".text\n"
    ".balign 4\n"
    ".globl bt_outer\n"
    ".type bt_outer,%function\n"
    "bt_outer:\n"
    "	mov w19, #3\n"
    ".globl bt_call\n"
    "bt_call:\n"
    "	bl bt_inner\n"
    ".globl bt_after\n"
    "bt_after:\n"
    "	subs w19, w19, #1\n"
    ".globl bt_jnz\n"
    "bt_jnz:\n"
    "	b.ne bt_call\n"
    "	mov x8, #94\n"	/* exit_group */
    "	mov x0, #0\n"
    "	svc #0\n"
    "	udf #0\n"
    ".size bt_outer, .-bt_outer\n"
    ".globl bt_inner\n"
    ".type bt_inner,%function\n"
    "bt_inner:\n"
    "	nop\n"
    ".globl bt_ret\n"
    "bt_ret:\n"
    "	ret\n"
    ".size bt_inner, .-bt_inner\n");
#endif

void bt_outer(void) __attribute__((noreturn));
void bt_inner(void);
extern char bt_call[], bt_after[], bt_jnz[], bt_ret[];

#define A(label) ((unsigned long long)(uintptr_t)(label))

/* The routine's branches, from the call of bt_outer on. */
#define ROUTINE_BRANCHES 8
/* A line: "branch: ", two addresses of at most ADDR_LEN - 1, " -> ". */
#define ADDR_LEN 100
#define LINE_MAX_LEN 256

static char out[1 << 16], err[1 << 16];

/* @addr as the tool shows it, in function @fn that starts at @start. */
static void show(char *buf, size_t size, unsigned long long addr, const char *fn,
		 unsigned long long start)
{
	if (addr == start)
		snprintf(buf, size, "0x%llx <%s>", addr, fn);
	else
		snprintf(buf, size, "0x%llx <%s+0x%llx>", addr, fn, addr - start);
}

/* The tool's line of a branch from @from (in @ffn) to @to (in @tfn). */
static void branch_line(char *buf, unsigned long long from, const char *ffn,
			unsigned long long fstart, unsigned long long to, const char *tfn,
			unsigned long long tstart)
{
	char f[ADDR_LEN], t[ADDR_LEN];

	show(f, sizeof(f), from, ffn, fstart);
	show(t, sizeof(t), to, tfn, tstart);
	snprintf(buf, LINE_MAX_LEN, "branch: %s -> %s", f, t);
}

/*
 * The lines of the routine's branches, after the call of bt_outer, in
 * order: each turn's call of bt_inner and its return, and the jnz back
 * (not taken the last time).  The exit_group call ends the trace.
 */
static void expected(char want[ROUTINE_BRANCHES][LINE_MAX_LEN])
{
	unsigned long long outer = A((void *)bt_outer), inner = A((void *)bt_inner);
	int k = 0;

	for (int i = 0; i < 3; i++) {
		branch_line(want[k++], A(bt_call), "bt_outer", outer, inner, "bt_inner", inner);
		branch_line(want[k++], A(bt_ret), "bt_inner", inner, A(bt_after), "bt_outer", outer);
		if (i < 2)
			branch_line(want[k++], A(bt_jnz), "bt_outer", outer, A(bt_call), "bt_outer",
				    outer);
	}
}

/*
 * Whether this program is not position-independent (ET_EXEC), as the
 * tool needs to name its addresses; a failed check if not.
 */
static int not_pie(void)
{
	Elf64_Ehdr eh;
	int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	int ok = fd >= 0 && read(fd, &eh, sizeof(eh)) == sizeof(eh) &&
		 !memcmp(eh.e_ident, ELFMAG, SELFMAG);

	if (fd >= 0)
		close(fd);
	CHECK(ok, "cannot read the ELF header of /proc/self/exe: %s", strerror(errno));
	if (!ok)
		return 0;
	CHECK(eh.e_type == ET_EXEC,
	      "this test is built position-independent (e_type %u, not ET_EXEC): -static must give a non-PIE program for the tool to name its addresses",
	      eh.e_type);
	return eh.e_type == ET_EXEC;
}

/*
 * Runs the tool with --branches @n over the victim; its wait status, its
 * stdout in out and its stderr in err.
 */
static int run_tool(const char *n)
{
	const char *argv[] = { TOOL, "--branches", n, "--", SELF, "--victim", NULL };
	int status, timed_out;

	status = run_in_group(argv, TOOL_OUT, TOOL_ERR, TOOL_SECONDS, &timed_out);
	CHECK(!timed_out, "utrace --branches %s did not end in %d s: killed", n, TOOL_SECONDS);
	slurp(TOOL_OUT, out, sizeof(out));
	slurp(TOOL_ERR, err, sizeof(err));
	return status;
}

/*
 * The summary line of err for @shown branches shown: recorded and
 * overwritten into *@recorded and *@overwritten.  Whether it is there.
 */
static int summary(unsigned long long shown, unsigned long long *recorded,
		   unsigned long long *overwritten)
{
	char head[64];
	const char *p;

	snprintf(head, sizeof(head), "utrace: %llu branches shown, ", shown);
	p = strstr(err, head);
	return p && (p == err || p[-1] == '\n') &&
	       sscanf(p + strlen(head), "%llu recorded, %llu overwritten\n", recorded,
		      overwritten) == 2;
}

/* Splits err into lines, and points @lines at the branch: ones; how many. */
#define MAX_LINES 1024
static int branch_lines(char *lines[MAX_LINES])
{
	int n = 0;

	for (char *p = err, *next; *p; p = next) {
		char *nl = strchr(p, '\n');

		next = nl ? nl + 1 : p + strlen(p);
		if (nl)
			*nl = 0;
		if (!strncmp(p, "branch: ", 8) && n < MAX_LINES)
			lines[n++] = p;
	}
	return n;
}

/*
 * A ring of 64: 64 lines, the last ones the routine's, exactly, with the
 * function forms <bt_outer+0x5> and <bt_inner>; before them the call of
 * bt_outer, from a function of the program too.
 */
static void branches_are_printed_with_symbols(void)
{
	char want[ROUTINE_BRANCHES][LINE_MAX_LEN], entry[LINE_MAX_LEN], *lines[MAX_LINES];
	unsigned long long recorded, overwritten;
	int status, n;

	if (!not_pie())
		return;
	if (!STEPS_A_STARTUP) {
		KTAP_SKIP(SLOW_STARTUP_SKIP);
		return;
	}
	expected(want);
	status = run_tool("64");
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %#x; the tool said:\n%s",
	      status, err);
	CHECK(strstr(out, VICTIM_SAYS), "the victim did not run: its stdout '%s'", out);
	CHECK(summary(64, &recorded, &overwritten) && recorded == 64 + overwritten,
	      "no summary of 64 branches shown, or a wrong one, in:\n%s", err);
	CHECK(!strstr(err, "not symbolized"), "the tool did not name the addresses:\n%s", err);
	n = branch_lines(lines);
	CHECK(n == 64, "%d branch lines, wanted 64", n);
	if (n < ROUTINE_BRANCHES + 1)
		return;
	for (int k = 0; k < ROUTINE_BRANCHES; k++) {
		const char *got = lines[n - ROUTINE_BRANCHES + k];

		CHECK(!strcmp(got, want[k]), "branch %d of the routine: '%s', wanted '%s'", k, got,
		      want[k]);
	}
	/* The call of bt_outer: from C, where the compiler put it. */
	snprintf(entry, sizeof(entry), " -> 0x%llx <bt_outer>", A((void *)bt_outer));
	n -= ROUTINE_BRANCHES + 1;
	CHECK(strlen(lines[n]) > strlen(entry) &&
	      !strcmp(lines[n] + strlen(lines[n]) - strlen(entry), entry) &&
	      strstr(lines[n], "> -> "),
	      "the call of bt_outer: '%s', wanted 'branch: 0x... <FUNCTION+0x...>%s'", lines[n],
	      entry);
}

/*
 * A ring of 3: the routine's last 3 branches only, and the summary says
 * that the others were overwritten.
 */
static void branches_ring_keeps_last_n(void)
{
	char want[ROUTINE_BRANCHES][LINE_MAX_LEN], *lines[MAX_LINES];
	unsigned long long recorded = 0, overwritten = 0;
	int status, n;

	if (!not_pie())
		return;
	if (!STEPS_A_STARTUP) {
		KTAP_SKIP(SLOW_STARTUP_SKIP);
		return;
	}
	expected(want);
	status = run_tool("3");
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %#x; the tool said:\n%s",
	      status, err);
	CHECK(summary(3, &recorded, &overwritten), "no summary of 3 branches shown in:\n%s", err);
	CHECK(overwritten > 0 && recorded == 3 + overwritten, "%llu recorded, %llu overwritten",
	      recorded, overwritten);
	n = branch_lines(lines);
	CHECK(n == 3, "%d branch lines, wanted 3", n);
	for (int k = 0; k < 3 && k < n; k++)
		CHECK(!strcmp(lines[k], want[ROUTINE_BRANCHES - 3 + k]),
		      "line %d: '%s', wanted '%s'", k, lines[k], want[ROUTINE_BRANCHES - 3 + k]);
}

/* N not from 1 to 1000000: a usage error (2) naming --branches; nothing runs. */
static void bad_branches_values_are_refused(void)
{
	static const char *const bad[] = { "0", "x", "2000000", "1000001", "-1", "" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int status = run_tool(bad[i]);

		CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 2,
		      "--branches '%s': status %#x, wanted exit 2", bad[i], status);
		CHECK(strstr(err, "--branches"), "--branches '%s': the tool said '%s'", bad[i], err);
		CHECK(!strstr(err, "branch: ") && !strstr(out, VICTIM_SAYS),
		      "--branches '%s': the victim ran; stdout '%s', stderr '%s'", bad[i], out, err);
	}
}

int main(int argc, char **argv)
{
	static const struct ktap_case cases[] = {
		KTAP_CASE(branches_are_printed_with_symbols),
		KTAP_CASE(branches_ring_keeps_last_n),
		KTAP_CASE(bad_branches_values_are_refused),
	};

	if (argc == 2 && !strcmp(argv[1], "--victim")) {
		if (write(1, VICTIM_SAYS, strlen(VICTIM_SAYS)) != (ssize_t)strlen(VICTIM_SAYS))
			return 1;
		bt_outer();
	}
	return ktap_run("guest_branch_tool", cases, sizeof(cases) / sizeof(cases[0]));
}
