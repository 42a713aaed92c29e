// SPDX-License-Identifier: GPL-2.0
/*
 * strace_oracle_test - the strace engine against Debian's strace.
 *
 * Each program of a corpus (busybox applets, the project's own sysinfo, a
 * dynamically linked program) runs twice from the same state: under
 * `strace -ff -q -s 32 -o FILE` (one file per process) and under
 * `utrace --strace -s 32 -o FILE`.
 * Both traces are masked, then compared line by line, process by
 * process: one case per program says how many of strace's lines the
 * engine wrote identically and prints the lines that differ ("- " what
 * strace wrote, "+ " what the engine wrote).  The last case holds the
 * whole corpus to at least 95% identical lines.
 *
 * What is masked, because it differs from one run to the next and says
 * nothing about the decoding:
 *  - the process prefixes (the engine's "[pid N] "): lines are compared
 *    per process, processes matched in the order of their pids;
 *  - addresses: every 0x... number;
 *  - process ids: every number in the lines of the calls that take or
 *    return one (getpid, clone, wait4, kill..., and rt_sigreturn, which
 *    returns what the interrupted call did) and in si_pid=;
 *  - times: tv_sec=, tv_nsec=, tv_usec=, si_utime=, si_stime= (and the
 *    seconds strace writes after them) and the numbers of time() and
 *    times();
 *  - random bytes: the data getrandom() got.
 * strace's "<unfinished ...>" and "<... resumed>" halves are joined into
 * one line, the line the engine writes at the call's exit.  The alignment
 * of results (" = " at column 40 of the line, its "[pid N] " counted) is
 * checked before masking, which changes widths: a line aligned as strace
 * aligns it has its padding squeezed to one space, a line aligned
 * otherwise is kept as it is, and so differs.  Nothing else is changed.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdlib.h>
#include <fcntl.h>
#include <glob.h>
#include <signal.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "ktap.h"
#include "run.h"

#define DIR		"/tmp/oracle"
#define STRACE_LOG	"/tmp/oracle-strace"
#define UTRACE_LOG	"/tmp/oracle-utrace.txt"
#define PROG_OUT	"/tmp/oracle-out.txt"
#define RUN_TIMEOUT	30
#define MAX_LINES	4096
#define MAX_PIDS	16
#define MAX_ARGS	8
#define MAX_SHOWN	40
/* strace's column for " = " (its -a default, 40, from 1). */
#define RESULT_COLUMN	39

struct program {
	const char *argv[MAX_ARGS];
};

/*
 * The 32-bit programs of the corpus: the engine marks their calls
 * "[ia32] ", strace does not (its personality notice, one line, is
 * hidden by -q).
 */
static const char *const programs32[] = { "sysinfo32", NULL };

/* The program being run has a pseudo-terminal as its standard input. */
static int on_a_tty;

/* The corpus: what each program runs, from the state reset() makes. */
static const struct program corpus[] = {
	{ { "busybox", "true" } },
	{ { "busybox", "false" } },
	{ { "busybox", "echo", "hello", "world" } },
	{ { "busybox", "cat", DIR "/f.txt" } },
	{ { "busybox", "ls", DIR } },
	{ { "busybox", "ls", "-l", DIR } },
	{ { "busybox", "uname", "-a" } },
	{ { "busybox", "id" } },
	{ { "busybox", "pwd" } },
	{ { "busybox", "wc", DIR "/f.txt" } },
	{ { "busybox", "head", "-n", "1", DIR "/f.txt" } },
	{ { "busybox", "sort", DIR "/f.txt" } },
	{ { "busybox", "stat", DIR "/f.txt" } },
	{ { "busybox", "readlink", "-f", DIR "/link" } },
	{ { "busybox", "mkdir", "-p", DIR "/d/e" } },
	{ { "busybox", "cp", DIR "/f.txt", DIR "/g.txt" } },
	{ { "busybox", "rm", "-f", DIR "/f.txt" } },
	{ { "busybox", "touch", DIR "/new" } },
	{ { "busybox", "ln", "-s", "f.txt", DIR "/l2" } },
	{ { "busybox", "grep", "hello", DIR "/f.txt" } },
	{ { "busybox", "sed", "s/hello/bye/", DIR "/f.txt" } },
	{ { "busybox", "seq", "3" } },
	{ { "busybox", "basename", "/a/b/c" } },
	{ { "busybox", "cat", DIR "/nope" } },
	{ { "busybox", "sh", "-c", "busybox true; exit 3" } },
	{ { "sysinfo", DIR "/f.txt" } },
	{ { "sysinfo", "--iov", DIR "/f.txt" } },
	{ { "strace", "-V" } },
	{ { "busybox", "ls", "-la", DIR } },
	{ { "busybox", "find", DIR } },
	{ { "busybox", "du", "-s", DIR } },
	{ { "busybox", "df", "/" } },
	{ { "busybox", "chmod", "600", DIR "/f.txt" } },
	{ { "busybox", "mv", DIR "/f.txt", DIR "/moved.txt" } },
	{ { "busybox", "dd", "if=" DIR "/f.txt", "of=/dev/null" } },
	{ { "busybox", "sleep", "0.01" } },
	{ { "busybox", "md5sum", DIR "/f.txt" } },
	{ { "busybox", "tar", "-cf", DIR "/a.tar", "-C", DIR, "f.txt" } },
	/* stat, lstat, newfstatat, statx and the access family, one call each. */
	{ { "sysinfo", "--stat", DIR "/f.txt", DIR "/link", DIR "/nope" } },
	/* A Unix server and client, a socket pair, IPv4 and IPv6 sockets. */
	{ { "sysinfo", "--net", DIR "/sock" } },
	/* A 32-bit program's calls, those decoded as their x86_64 twins. */
	{ { "sysinfo32", DIR } },
	/* A terminal's ioctls, on a pseudo-terminal. */
	{ { "sysinfo", "--tty" } },
	/* getrlimit and setrlimit. */
	{ { "sysinfo", "--limits" } },
};

#define CORPUS_SIZE ((int)(sizeof(corpus) / sizeof(corpus[0])))

static unsigned long total_lines, total_same;
/* The programs whose traces were compared (each case runs one). */
static int programs_compared;
/* The same files before each run. */
static void reset(void)
{
	int fd;

	if (system("rm -rf " DIR) != 0)
		KTAP_DIAG("rm -rf " DIR " failed");
	mkdir(DIR, 0755);
	fd = open(DIR "/f.txt", O_CREAT | O_WRONLY | O_TRUNC, 0644);
	if (fd >= 0) {
		if (write(fd, "hello oracle\nsecond line\n", 25) != 25)
			KTAP_DIAG("writing f.txt failed");
		close(fd);
	}
	if (symlink("f.txt", DIR "/link"))
		KTAP_DIAG("symlink: %s", strerror(errno));
}

/* Runs argv (searched in PATH) with its output in PROG_OUT; its status. */
static int run(const char *const argv[])
{
	int status, timed_out;
	pid_t pid;

	pid = fork();
	if (pid == 0) {
		int in = open("/dev/null", O_RDONLY);
		int out = open(PROG_OUT, O_CREAT | O_WRONLY | O_TRUNC, 0644);

		if (on_a_tty) {
			/* The master stays open (not close-on-exec): without it
			 * the terminal hangs up. */
			int master = posix_openpt(O_RDWR | O_NOCTTY);

			close(in);
			in = -1;
			if (master >= 0 && !grantpt(master) && !unlockpt(master))
				in = open(ptsname(master), O_RDWR | O_NOCTTY);
		}

		if (in < 0 || out < 0)
			_exit(126);
		dup2(in, 0);
		dup2(out, 1);
		dup2(out, 2);
		setpgid(0, 0);
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	if (pid < 0)
		return -1;
	setpgid(pid, pid);
	status = wait_with_deadline(pid, RUN_TIMEOUT, &timed_out);
	CHECK(!timed_out, "%s: killed after %d s", argv[0], RUN_TIMEOUT);
	return status;
}

/* One process's lines, masked. */
struct process {
	long pid;
	char *lines[MAX_LINES];
	int n;
	/* Of them, those the engine marked "[ia32] " (the mark is removed). */
	int ia32;
};

struct trace {
	struct process procs[MAX_PIDS];
	int n;
	int overflow;
};

static struct process *process_of(struct trace *t, long pid)
{
	for (int i = 0; i < t->n; i++)
		if (t->procs[i].pid == pid)
			return &t->procs[i];
	if (t->n == MAX_PIDS) {
		t->overflow = 1;
		return NULL;
	}
	t->procs[t->n].pid = pid;
	return &t->procs[t->n++];
}

/* Whether @line is a call to one of @names. */
static int call_of(const char *line, const char *const *names)
{
	for (; *names; names++) {
		size_t len = strlen(*names);

		if (!strncmp(line, *names, len) && line[len] == '(')
			return 1;
	}
	return 0;
}

static const char *const pid_calls[] = {
	"getpid", "getppid", "gettid", "set_tid_address", "clone", "clone3", "fork",
	"vfork", "wait4", "waitid", "kill", "tkill", "tgkill", "getpgid", "setpgid",
	"getsid", "getpgrp", "rt_sigreturn", NULL,
};
static const char *const time_calls[] = { "time", "times", NULL };

/* Replaces every decimal number that is not part of a word or of 0x.. */
static void mask_numbers(char *s, char *out, size_t size)
{
	size_t o = 0;

	for (size_t i = 0; s[i] && o + 2 < size; ) {
		int starts = isdigit((unsigned char)s[i]) &&
			(i == 0 || !(isalnum((unsigned char)s[i - 1]) || s[i - 1] == '_'));

		if (starts && !(s[i] == '0' && s[i + 1] == 'x')) {
			out[o++] = 'N';
			while (isdigit((unsigned char)s[i]))
				i++;
		} else {
			out[o++] = s[i++];
		}
	}
	out[o] = 0;
}

/* Masks what differs between runs (see the top of the file). */
static char *mask(const char *line)
{
	static const char *const counted[] = {
		"tv_sec=", "tv_nsec=", "tv_usec=", "si_pid=", "si_utime=", "si_stime=", NULL,
	};
	char a[1024], b[1024];
	size_t o = 0;

	/* Addresses. */
	for (size_t i = 0; line[i] && o + 4 < sizeof(a); ) {
		if (line[i] == '0' && line[i + 1] == 'x' && isxdigit((unsigned char)line[i + 2])) {
			memcpy(a + o, "0x?", 3);
			o += 3;
			i += 2;
			while (isxdigit((unsigned char)line[i]))
				i++;
		} else {
			a[o++] = line[i++];
		}
	}
	a[o] = 0;
	/* Process ids and times. */
	if (call_of(a, pid_calls) || call_of(a, time_calls)) {
		mask_numbers(a, b, sizeof(b));
		strcpy(a, b);
	}
	for (const char *const *c = counted; *c; c++) {
		for (char *p = a; (p = strstr(p, *c)); ) {
			char *num = p + strlen(*c), *end = num;

			while (isdigit((unsigned char)*end))
				end++;
			if (end > num) {
				*num = 'N';
				/* The seconds strace adds after ticks: 0.04 s. */
				if (!strncmp(end, " /* ", 4) && strstr(end, " s */"))
					end = strstr(end, " s */") + 5;
				memmove(num + 1, end, strlen(end) + 1);
			}
			p = num;
		}
	}
	/* Random bytes. */
	if (!strncmp(a, "getrandom(\"", 11)) {
		char *end = strstr(a + 11, "\", ");

		if (end)
			memmove(a + 11, end, strlen(end) + 1);
	}
	return strdup(a);
}

/*
 * @body without the padding before its result, if that padding is
 * strace's for a line whose first @prefix bytes were a process prefix
 * (any padding for a negative @prefix); else @body as it is.
 */
static void unalign(char *body, long prefix)
{
	char *sep = NULL;

	/* The last ")  = " of the line: strings before it may hold one. */
	for (char *p = strchr(body, ')'); p; p = strchr(p + 1, ')')) {
		size_t spaces = strspn(p + 1, " ");

		if (spaces && p[1 + spaces] == '=' && (p[2 + spaces] == ' ' || !p[2 + spaces]))
			sep = p + 1;
	}
	if (sep) {
		size_t call = sep - body, spaces = strspn(sep, " ");
		size_t want = prefix + call < RESULT_COLUMN ? RESULT_COLUMN - prefix - call + 1 : 1;

		if (prefix < 0 || spaces == want)
			memmove(sep + 1, sep + spaces, strlen(sep + spaces) + 1);
	}
}

/* Adds a line (masked) to process @pid of @t. */
static void add_line(struct trace *t, long pid, char *body)
{
	struct process *p = process_of(t, pid);

	if (p && p->n < MAX_LINES)
		p->lines[p->n++] = mask(body);
	else
		t->overflow = 1;
}

static char text[1 << 20];

/* Splits off the first line of *@cursor. */
static char *next_line(char **cursor)
{
	char *line = *cursor, *end;

	if (!*line)
		return NULL;
	end = strchr(line, '\n');
	if (end) {
		*end = 0;
		*cursor = end + 1;
	} else {
		*cursor = line + strlen(line);
	}
	return line;
}

/*
 * strace -ff's files, STRACE_LOG.PID: one process each, in pid order,
 * "<unfinished ...>" and "<... resumed>" halves joined.
 */
static int read_strace(struct trace *t)
{
	glob_t g;
	long pids[MAX_PIDS];
	int n = 0;

	memset(t, 0, sizeof(*t));
	if (glob(STRACE_LOG ".*", 0, NULL, &g))
		return -1;
	for (size_t i = 0; i < g.gl_pathc && n < MAX_PIDS; i++)
		pids[n++] = atol(strrchr(g.gl_pathv[i], '.') + 1);
	globfree(&g);
	/* In pid order. */
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && pids[j - 1] > pids[j]; j--) {
			long tmp = pids[j];

			pids[j] = pids[j - 1];
			pids[j - 1] = tmp;
		}
	for (int i = 0; i < n; i++) {
		char path[64], *cursor = text, *line, *unfinished = NULL;

		snprintf(path, sizeof(path), STRACE_LOG ".%ld", pids[i]);
		if (slurp(path, text, sizeof(text)) < 0)
			return -1;
		process_of(t, pids[i]);
		while ((line = next_line(&cursor))) {
			char *tail = strstr(line, " <unfinished ...>");

			if (tail && !tail[17]) {
				*tail = 0;
				free(unfinished);
				unfinished = strdup(line);
			} else if (!strncmp(line, "<... ", 5) && strstr(line, " resumed>")) {
				char joined[1024], *rest = strstr(line, " resumed>") + 9;

				/* The resumed half was aligned on its own: squeeze. */
				snprintf(joined, sizeof(joined), "%s%s", unfinished ? unfinished : "",
					 rest);
				unalign(joined, -1);
				add_line(t, pids[i], joined);
				free(unfinished);
				unfinished = NULL;
			} else {
				unalign(line, 0);
				add_line(t, pids[i], line);
			}
		}
		free(unfinished);
	}
	return n ? 0 : -1;
}

/* The engine's trace: the program's lines, then its children's "[pid N] ". */
static int read_utrace(struct trace *t)
{
	char *cursor = text, *line;

	memset(t, 0, sizeof(*t));
	if (slurp(UTRACE_LOG, text, sizeof(text)) < 0)
		return -1;
	process_of(t, 0);
	while ((line = next_line(&cursor))) {
		long pid = 0;
		char *body = line;

		if (!strncmp(line, "[pid ", 5)) {
			pid = strtol(line + 5, &body, 10);
			if (!strncmp(body, "] ", 2))
				body += 2;
		}
		unalign(body, body - line);
		if (!strncmp(body, "[ia32] ", 7)) {
			struct process *p = process_of(t, pid);

			if (p)
				p->ia32++;
			memmove(body, body + 7, strlen(body + 7) + 1);
		}
		add_line(t, pid, body);
	}
	/* Children in pid order, after the program. */
	for (int i = 2; i < t->n; i++)
		for (int j = i; j > 1 && t->procs[j - 1].pid > t->procs[j].pid; j--) {
			struct process tmp = t->procs[j];

			t->procs[j] = t->procs[j - 1];
			t->procs[j - 1] = tmp;
		}
	return 0;
}

static void free_trace(struct trace *t)
{
	for (int i = 0; i < t->n; i++) {
		for (int j = 0; j < t->procs[i].n; j++)
			free(t->procs[i].lines[j]);
	}
}

/*
 * The lines @a and @b have in common, in order (a longest common
 * subsequence); prints the others, at most *@shown of them in all.
 */
static int compare(struct process *a, struct process *b, int *shown)
{
	int n = a->n, m = b->n, same;
	uint16_t *l = calloc((size_t)(n + 1) * (m + 1), sizeof(*l));

	if (!l) {
		CHECK(0, "no memory to compare %d and %d lines", n, m);
		return 0;
	}
#define L(i, j) l[(size_t)(i) * (m + 1) + (j)]
	for (int i = n - 1; i >= 0; i--)
		for (int j = m - 1; j >= 0; j--)
			L(i, j) = !strcmp(a->lines[i], b->lines[j]) ? L(i + 1, j + 1) + 1 :
				  L(i + 1, j) > L(i, j + 1) ? L(i + 1, j) : L(i, j + 1);
	same = L(0, 0);
	for (int i = 0, j = 0; i < n || j < m; ) {
		if (i < n && j < m && !strcmp(a->lines[i], b->lines[j])) {
			i++;
			j++;
		} else if (j == m || (i < n && L(i + 1, j) >= L(i, j + 1))) {
			if ((*shown)++ < MAX_SHOWN)
				KTAP_DIAG("- %s", a->lines[i]);
			i++;
		} else {
			if ((*shown)++ < MAX_SHOWN)
				KTAP_DIAG("+ %s", b->lines[j]);
			j++;
		}
	}
#undef L
	free(l);
	return same;
}

/* The programs of the corpus this architecture has not (skipped). */
static int programs_skipped;

static int is_32bit(const struct program *prog)
{
	for (const char *const *p = programs32; *p; p++)
		if (!strcmp(prog->argv[0], *p))
			return 1;
	return 0;
}

static void oracle(int index)
{
	const struct program *prog = &corpus[index];
	const char *sargv[MAX_ARGS + 8] = {
		"strace", "-ff", "-q", "-s", "32", "-o", STRACE_LOG, "--",
	};
	const char *uargv[MAX_ARGS + 8] = {
		"utrace", "--strace", "-s", "32", "-o", UTRACE_LOG, "--",
	};
	static struct trace s, u;
	int sstatus, ustatus, lines = 0, same = 0, shown = 0;

	for (int i = 0; prog->argv[i]; i++) {
		sargv[8 + i] = prog->argv[i];
		uargv[7 + i] = prog->argv[i];
	}
#if !defined(__x86_64__)
	if (is_32bit(prog)) {
		/* ia32 is x86's (and arm64's AArch32 has no program here). */
		KTAP_SKIP("a 32-bit x86 program");
		programs_skipped++;
		return;
	}
#endif
	on_a_tty = prog->argv[1] && !strcmp(prog->argv[1], "--tty");
	reset();
	if (system("rm -f " STRACE_LOG ".*") != 0)
		KTAP_DIAG("rm " STRACE_LOG ".* failed");
	sstatus = run(sargv);
	reset();
	ustatus = run(uargv);
	CHECK(sstatus == ustatus, "exit status under strace %#x, under utrace %#x",
	      sstatus, ustatus);
	/* A 32-bit program exits 0 once every one of its calls worked (else
	 * the number of its first failed step). */
	if (is_32bit(prog))
		CHECK(sstatus == 0, "%s exited with status %#x under strace", prog->argv[0],
		      sstatus);
	CHECK(read_strace(&s) == 0, "no " STRACE_LOG ".PID file");
	CHECK(read_utrace(&u) == 0, UTRACE_LOG ": %s", strerror(errno));
	CHECK(!s.overflow && !u.overflow, "a trace has over %d processes or %d lines",
	      MAX_PIDS, MAX_LINES);
	CHECK(s.n > 0 && s.procs[0].n > 0, "strace wrote nothing");
	CHECK(u.n > 0 && u.procs[0].n > 0, "utrace wrote nothing");
	CHECK(u.n == s.n, "strace saw %d processes, utrace %d", s.n, u.n);
	/* The trace starts at the program, not at the tool's set-up. */
	if (u.n > 0 && u.procs[0].n > 0)
		CHECK(!strncmp(u.procs[0].lines[0], "execve(", 7),
		      "utrace's trace starts with '%s'", u.procs[0].lines[0]);
	/* Every call of a 32-bit program but the execve that started it is
	 * marked, none of another program. */
	if (u.n > 0)
		CHECK(u.procs[0].ia32 == (is_32bit(prog) ? u.procs[0].n - 2 : 0),
		      "%d of utrace's %d lines marked [ia32]", u.procs[0].ia32, u.procs[0].n);
	for (int i = 0; i < s.n; i++) {
		struct process empty = { 0 };

		lines += s.procs[i].n;
		same += compare(&s.procs[i], i < u.n ? &u.procs[i] : &empty, &shown);
	}
	for (int i = s.n; i < u.n; i++) {
		struct process empty = { 0 };

		compare(&empty, &u.procs[i], &shown);
	}
	if (shown > MAX_SHOWN)
		KTAP_DIAG("(%d more differing lines)", shown - MAX_SHOWN);
	KTAP_DIAG("%s %s: %d of %d lines identical", prog->argv[0],
		  prog->argv[1] ? prog->argv[1] : "", same, lines);
	/* The project's own programs make the same calls every run: every
	 * line must be strace's (the corpus's 95% would hide a difference). */
	if (is_32bit(prog) || !strcmp(prog->argv[0], "sysinfo"))
		CHECK(same == lines, "%d of %s's %d lines differ from strace's", lines - same,
		      prog->argv[0], lines);
	/* The terminal's program did all its calls. */
	if (on_a_tty)
		CHECK(sstatus == 0, "sysinfo --tty exited with status %#x", sstatus);
	total_lines += lines;
	total_same += same;
	programs_compared++;
	free_trace(&s);
	free_trace(&u);
}

#define ORACLE_CASE(i, name) static void name(void) { oracle(i); }
ORACLE_CASE(0, busybox_true)
ORACLE_CASE(1, busybox_false)
ORACLE_CASE(2, busybox_echo)
ORACLE_CASE(3, busybox_cat)
ORACLE_CASE(4, busybox_ls)
ORACLE_CASE(5, busybox_ls_l)
ORACLE_CASE(6, busybox_uname_a)
ORACLE_CASE(7, busybox_id)
ORACLE_CASE(8, busybox_pwd)
ORACLE_CASE(9, busybox_wc)
ORACLE_CASE(10, busybox_head)
ORACLE_CASE(11, busybox_sort)
ORACLE_CASE(12, busybox_stat)
ORACLE_CASE(13, busybox_readlink)
ORACLE_CASE(14, busybox_mkdir_p)
ORACLE_CASE(15, busybox_cp)
ORACLE_CASE(16, busybox_rm)
ORACLE_CASE(17, busybox_touch)
ORACLE_CASE(18, busybox_ln_s)
ORACLE_CASE(19, busybox_grep)
ORACLE_CASE(20, busybox_sed)
ORACLE_CASE(21, busybox_seq)
ORACLE_CASE(22, busybox_basename)
ORACLE_CASE(23, busybox_cat_missing_file)
ORACLE_CASE(24, busybox_sh_with_a_child)
ORACLE_CASE(25, sysinfo)
ORACLE_CASE(26, sysinfo_iov)
ORACLE_CASE(27, dynamic_strace_version)
ORACLE_CASE(28, busybox_ls_la)
ORACLE_CASE(29, busybox_find)
ORACLE_CASE(30, busybox_du)
ORACLE_CASE(31, busybox_df)
ORACLE_CASE(32, busybox_chmod)
ORACLE_CASE(33, busybox_mv)
ORACLE_CASE(34, busybox_dd)
ORACLE_CASE(35, busybox_sleep)
ORACLE_CASE(36, busybox_md5sum)
ORACLE_CASE(37, busybox_tar)
ORACLE_CASE(38, sysinfo_stat)
ORACLE_CASE(39, sysinfo_net)
ORACLE_CASE(40, sysinfo32)
ORACLE_CASE(41, sysinfo_tty)
ORACLE_CASE(42, sysinfo_limits)

static void whole_corpus_95_percent_identical(void)
{
	unsigned long permille = total_lines ? total_same * 1000 / total_lines : 0;

	KTAP_DIAG("%d programs: %lu of %lu lines identical (%lu.%lu%%)", programs_compared,
		  total_same, total_lines, permille / 10, permille % 10);
	CHECK(total_lines > 0 && permille >= 950, "under 95%% of strace's lines identical");
	/* Every program of the corpus has its case (one was once left out). */
	CHECK(programs_compared + programs_skipped == CORPUS_SIZE,
	      "%d of the corpus's %d programs compared, %d skipped", programs_compared,
	      CORPUS_SIZE, programs_skipped);
}

KTAP_MAIN("guest_strace_oracle",
	KTAP_CASE(busybox_true), KTAP_CASE(busybox_false), KTAP_CASE(busybox_echo),
	KTAP_CASE(busybox_cat), KTAP_CASE(busybox_ls), KTAP_CASE(busybox_ls_l),
	KTAP_CASE(busybox_uname_a), KTAP_CASE(busybox_id), KTAP_CASE(busybox_pwd),
	KTAP_CASE(busybox_wc), KTAP_CASE(busybox_head), KTAP_CASE(busybox_sort),
	KTAP_CASE(busybox_stat), KTAP_CASE(busybox_readlink), KTAP_CASE(busybox_mkdir_p),
	KTAP_CASE(busybox_cp), KTAP_CASE(busybox_rm), KTAP_CASE(busybox_touch),
	KTAP_CASE(busybox_ln_s), KTAP_CASE(busybox_grep), KTAP_CASE(busybox_sed),
	KTAP_CASE(busybox_seq), KTAP_CASE(busybox_basename),
	KTAP_CASE(busybox_cat_missing_file), KTAP_CASE(busybox_sh_with_a_child),
	KTAP_CASE(sysinfo), KTAP_CASE(sysinfo_iov), KTAP_CASE(dynamic_strace_version),
	KTAP_CASE(busybox_ls_la),
	KTAP_CASE(busybox_find), KTAP_CASE(busybox_du), KTAP_CASE(busybox_df),
	KTAP_CASE(busybox_chmod), KTAP_CASE(busybox_mv), KTAP_CASE(busybox_dd),
	KTAP_CASE(busybox_sleep), KTAP_CASE(busybox_md5sum), KTAP_CASE(busybox_tar),
	KTAP_CASE(sysinfo_stat), KTAP_CASE(sysinfo_net), KTAP_CASE(sysinfo32),
	KTAP_CASE(sysinfo_tty), KTAP_CASE(sysinfo_limits),
	KTAP_CASE(whole_corpus_95_percent_identical))
