// SPDX-License-Identifier: GPL-2.0
/*
 * ptrace_multi_test - PTRACE_MULTI and the CHARDATA requests, end to end.
 *
 * The ABI is the comment above PTRACE_MULTI in the patched <linux/ptrace.h>
 * (and Documentation/ptrace-multi.md).  Each case forks a tracee that fills
 * its own copy of the globals below (the tracer's copy stays zero, so a
 * request that read the wrong process shows), asks to be traced and stops
 * itself with SIGSTOP; the case then runs batches on it and checks what the
 * batch returned, what it stored in the tracer's buffers, and what the
 * tracee itself finds in its memory and registers once resumed.
 *
 * Every wait is bounded: the tracees and helpers run under alarm(), and
 * each case arms an alarm in the tracer whose handler only interrupts the
 * blocking call (waitpid, read), which then fails the case.
 */
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <linux/audit.h>
#include "ptrace.h"
#include "regs.h"
#include "ktap.h"

/* A tracer address no access can reach (non-canonical on x86_64). */
#define BAD_PTR ((void *)0xdead000000000000UL)
/* A long that no tracee word and no poke value equals. */
#define CANARY 0x0badcafe0badcafeL

#define NWORDS 32
#define NCHARS 64

/*
 * The tracee's memory.  Same addresses in tracer and tracee (fork); only the
 * tracee fills them (fill_tracee_memory()).
 */
static long tdata[NWORDS];
static char tchars[NCHARS];
/* A page whose next page is unmapped (the hole), in both processes. */
static char *edge, *hole;
static long page;
/* PTRACE_MULTI_MAX_LENGTH bytes of pattern. */
static unsigned char *big;
/* The tracee's ends of the report and go pipes. */
static int report_fd = -1, go_fd = -1;

/* tchars as the tracee fills it: a string, its NUL, then more bytes. */
static const char tstring[] = "utrace-rs tracee string";
static const char tafter[] = "AFTER-THE-NUL";
/* The string the tracee puts in the last bytes of the edge page. */
static const char edge_string[] = "edge!";

static long tword(int i)
{
	return (long)(0x5eed000000000000UL | ((unsigned long)i * 0x10001UL));
}

static unsigned char big_byte(size_t i)
{
	return (unsigned char)(i * 7 + 3);
}

static void expected_tchars(char *c)
{
	memset(c, '.', NCHARS);
	memcpy(c, tstring, sizeof(tstring));
	memcpy(c + sizeof(tstring), tafter, sizeof(tafter) - 1);
}

/* A function the tracee may call, whose text a case overwrites. */
__attribute__((noinline, used)) static void text_target(void)
{
	asm volatile(".rept 32\n\tnop\n\t.endr");
}

static void (*volatile text_call)(void) = text_target;

static long pt(long req, pid_t pid, unsigned long addr, unsigned long data)
{
	return syscall(SYS_ptrace, req, pid, addr, data);
}

/*
 * PTRACE_MULTI, as the number of elements that took effect
 * (ptrace_multi_done()): a marked element's mark must be the call's errno.
 */
static long multi(pid_t pid, struct ptrace_multi *r, unsigned long count)
{
	long mark, ret = ptrace_multi_done(pid, (unsigned long)r, count, PTRACE_MULTI_MAX, &mark);
	int err = errno;

	CHECK(ret != LONG_MAX, "PTRACE_MULTI returned %ld: neither 0 nor -1", mark);
	if (ret >= 0 && (unsigned long)ret < count)
		CHECK(mark == -err, "element %ld's length is %ld, the call's errno %d", ret, mark,
		      err);
	errno = err;
	return ret;
}

static long chardata(long req, pid_t pid, const void *addr, void *buf, size_t len)
{
	struct iovec iov = { .iov_base = buf, .iov_len = len };

	return pt(req, pid, (unsigned long)addr, (unsigned long)&iov);
}

/* PEEKDATA alone, raw: the word at @addr in *@w; 0 or -1/errno. */
static long peek(pid_t pid, const void *addr, long *w)
{
	return pt(PTRACE_PEEKDATA, pid, (unsigned long)addr, (unsigned long)w);
}

/* The tracee's tdata[i] now, read alone; CANARY if that fails. */
static long tracee_word(pid_t pid, int i)
{
	long w = CANARY;

	if (peek(pid, &tdata[i], &w))
		return CANARY;
	return w;
}

static void on_alarm(int sig)
{
	(void)sig;
}

/*
 * Bounds the case: after @s seconds the tracer's blocking call fails with
 * EINTR (no SA_RESTART) and the case fails instead of hanging the guest.
 * Each case re-arms it.
 */
static void deadline(unsigned int s)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	alarm(s);
}

/* In a forked child: default SIGALRM, and a time limit. */
static void child_limits(void)
{
	signal(SIGALRM, SIG_DFL);
	alarm(30);
}

static int page_mapped(void *p)
{
	return msync(p, page, MS_ASYNC) == 0;
}

/*
 * Maps the edge page with the hole after it, and big.  Mapped once, in the
 * tracer, before any fork, so that every tracee has them.
 */
static int setup_memory(void)
{
	char *p;

	if (edge)
		return page_mapped(hole) ? -1 : 0;
	page = sysconf(_SC_PAGESIZE);
	p = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED || munmap(p + page, page))
		return -1;
	big = mmap(NULL, PTRACE_MULTI_MAX_LENGTH, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (big == MAP_FAILED)
		return -1;
	edge = p;
	hole = p + page;
	return 0;
}

static void fill_tracee_memory(void)
{
	for (int i = 0; i < NWORDS; i++)
		tdata[i] = tword(i);
	expected_tchars(tchars);
	memcpy(edge + page - sizeof(edge_string), edge_string,
	       sizeof(edge_string));
	for (size_t i = 0; i < PTRACE_MULTI_MAX_LENGTH; i++)
		big[i] = big_byte(i);
}

/* What a tracee writes to its report pipe at the end of its body. */
struct report {
	long data[NWORDS];
	char chars[NCHARS];
	long ret;
	long err;
};

static void send_report(long ret, long err)
{
	struct report r;

	memcpy(r.data, tdata, sizeof(r.data));
	memcpy(r.chars, tchars, sizeof(r.chars));
	r.ret = ret;
	r.err = err;
	if (write(report_fd, &r, sizeof(r)) != sizeof(r))
		_exit(3);
	_exit(0);
}

/* Tracee bodies: what the tracee does once resumed from its SIGSTOP. */
static void body_report(void)
{
	send_report(0, 0);
}

static void body_text(void)
{
	text_call();
	send_report(0, 0);
}

/* getppid with six recognizable arguments (getppid ignores them). */
static void body_getppid(void)
{
	long r;

	errno = 0;
	r = syscall(SYS_getppid, 0x1111, 0x2222, 0x3333, 0x4444, 0x5555, 0x6666);
	send_report(r, errno);
}

/* Blocks on the go pipe: a running (not stopped) tracee. */
static void body_block(void)
{
	char c;

	if (read(go_fd, &c, 1) != 1)
		_exit(4);
	send_report(0, 0);
}

/*
 * Forks a tracee running @body after its SIGSTOP.  Returns its pid, stopped
 * in that SIGSTOP, with the read end of its report pipe in *@report; or -1,
 * having failed the case.
 */
static pid_t start_tracee(void (*body)(void), int *report)
{
	int rep[2], go[2], st = 0;
	pid_t pid;

	*report = -1;
	if (setup_memory()) {
		KTAP_DIAG("cannot map the edge page and its hole (or the hole got mapped)");
		ktap_case_failed = 1;
		return -1;
	}
	if (pipe(rep) || pipe(go)) {
		KTAP_DIAG("pipe: %s", strerror(errno));
		ktap_case_failed = 1;
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		KTAP_DIAG("fork: %s", strerror(errno));
		ktap_case_failed = 1;
		return -1;
	}
	if (pid == 0) {
		close(rep[0]);
		close(go[1]);
		report_fd = rep[1];
		go_fd = go[0];
		child_limits();
		fill_tracee_memory();
		if (pt(PTRACE_TRACEME, 0, 0, 0))
			_exit(100);
		raise(SIGSTOP);
		body();
		_exit(0);
	}
	close(rep[1]);
	close(go[0]);
	/* The go pipe's write end stays open in the tracer only while needed. */
	go_fd = go[1];
	if (waitpid(pid, &st, 0) != pid || !WIFSTOPPED(st) ||
	    WSTOPSIG(st) != SIGSTOP) {
		KTAP_DIAG("tracee %d did not stop in its SIGSTOP: status %#x (%s)",
			  pid, st, strerror(errno));
		ktap_case_failed = 1;
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		close(rep[0]);
		close(go[1]);
		go_fd = -1;
		return -1;
	}
	*report = rep[0];
	return pid;
}

/* Kills and reaps a tracee, closes its pipes. */
static void kill_tracee(pid_t pid, int report)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	if (report >= 0)
		close(report);
	if (go_fd >= 0)
		close(go_fd);
	go_fd = -1;
}

static int read_full(int fd, void *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = read(fd, (char *)buf + done, len - done);

		if (n <= 0)
			return -1;
		done += n;
	}
	return 0;
}

/*
 * The tracee was resumed (by PTRACE_CONT or a batch): reads its report and
 * reaps it.  Returns 0 if it reported and exited 0.
 */
static int collect_report(pid_t pid, int report, struct report *r)
{
	int st = 0, ok;

	memset(r, 0, sizeof(*r));
	ok = read_full(report, r, sizeof(*r)) == 0;
	if (!ok)
		KTAP_DIAG("no report from tracee %d: %s", pid,
			  errno ? strerror(errno) : "EOF");
	else if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) ||
		 WEXITSTATUS(st) != 0) {
		KTAP_DIAG("tracee %d after its report: status %#x", pid, st);
		ok = 0;
	}
	kill_tracee(pid, report);
	return ok ? 0 : -1;
}

/* Resumes the stopped tracee with PTRACE_CONT and collects its report. */
static int finish_tracee(pid_t pid, int report, struct report *r)
{
	if (pt(PTRACE_CONT, pid, 0, 0)) {
		KTAP_DIAG("PTRACE_CONT: %s", strerror(errno));
		kill_tracee(pid, report);
		return -1;
	}
	return collect_report(pid, report, r);
}

/* True if @pid is still our stopped tracee: a PEEKDATA alone works. */
static int still_stopped(pid_t pid)
{
	long w;
	int st;

	return waitpid(pid, &st, WNOHANG) == 0 && peek(pid, &tdata[0], &w) == 0;
}

/*
 * Resumes with PTRACE_SYSCALL until the tracee is at the entry of syscall
 * @nr (PTRACE_O_TRACESYSGOOD set).  0 there, -1 (case failed) otherwise.
 */
static int to_syscall_entry(pid_t pid, long nr)
{
	struct ptrace_syscall_info info;
	int st = 0;

	for (int i = 0; i < 32; i++) {
		if (pt(PTRACE_SYSCALL, pid, 0, 0) ||
		    waitpid(pid, &st, 0) != pid || !WIFSTOPPED(st) ||
		    WSTOPSIG(st) != (SIGTRAP | 0x80))
			break;
		memset(&info, 0, sizeof(info));
		if (pt(PTRACE_GET_SYSCALL_INFO, pid, sizeof(info),
		       (unsigned long)&info) <= 0)
			break;
		if (info.op == PTRACE_SYSCALL_INFO_ENTRY && (long)info.entry.nr == nr)
			return 0;
	}
	KTAP_DIAG("tracee %d never reached the entry of syscall %ld: status %#x (%s)",
		  pid, nr, st, strerror(errno));
	ktap_case_failed = 1;
	return -1;
}

#define PM(req, a, local, len) \
	((struct ptrace_multi){ .request = (req), .addr = (long)(a), \
				.localaddr = (void *)(local), .length = (len) })

/* ------------------------------------------------------------------ */

static void count_zero_returns_zero(void)
{
	struct ptrace_multi r[1] = { PM(PTRACE_POKEDATA, &tdata[0], BAD_PTR, 0) };
	int report;
	pid_t pid;
	long ret;

	deadline(20);
	pid = start_tracee(body_report, &report);
	if (pid < 0)
		return;
	ret = multi(pid, r, 0);
	CHECK(ret == 0, "PTRACE_MULTI count 0 returned %ld (%s), wanted 0",
	      ret, strerror(errno));
	/* The probe form: no array at all. */
	ret = multi(pid, NULL, 0);
	CHECK(ret == 0, "PTRACE_MULTI(NULL, 0) (the documented probe) returned %ld (%s), wanted 0",
	      ret, strerror(errno));
	CHECK(r[0].length == 0, "count 0 touched the array: length %ld",
	      r[0].length);
	CHECK(tracee_word(pid, 0) == tword(0), "count 0 ran element 0");
	kill_tracee(pid, report);
}

static void peek_words_of_every_length(void)
{
	long out[32], text[4];
	long want_unaligned[2];
	int report;
	pid_t pid;
	long ret;

	deadline(20);
	pid = start_tracee(body_report, &report);
	if (pid < 0)
		return;
	for (int i = 0; i < 32; i++)
		out[i] = CANARY;
	{
		struct ptrace_multi r[] = {
			PM(PTRACE_PEEKDATA, &tdata[3], &out[0], 0),
			PM(PTRACE_PEEKDATA, &tdata[5], &out[2], 1),
			PM(PTRACE_PEEKDATA, &tdata[8], &out[4], 6),
			PM(PTRACE_PEEKTEXT, &tdata[20], &out[11], 0),
			PM(PTRACE_PEEKTEXT, &tdata[21], &out[13], 3),
			PM(PTRACE_PEEKTEXT, text_target, &out[17], 4),
			/* Unaligned: words straddle tdata[1..3]. */
			PM(PTRACE_PEEKDATA, (char *)&tdata[1] + 3, &out[22], 2),
		};

		ret = multi(pid, r, 7);
		CHECK(ret == 7, "batch of 7 PEEKs returned %ld (%s); element lengths %ld %ld %ld %ld %ld %ld %ld",
		      ret, strerror(errno), r[0].length, r[1].length,
		      r[2].length, r[3].length, r[4].length, r[5].length,
		      r[6].length);
	}
	CHECK(out[0] == tword(3), "PEEKDATA length 0 stored %#lx, wanted the tracee's %#lx",
	      out[0], tword(3));
	CHECK(out[1] == CANARY, "PEEKDATA length 0 stored more than one word");
	CHECK(out[2] == tword(5), "PEEKDATA length 1 stored %#lx, wanted %#lx",
	      out[2], tword(5));
	CHECK(out[3] == CANARY, "PEEKDATA length 1 stored more than one word");
	for (int k = 0; k < 6; k++)
		CHECK(out[4 + k] == tword(8 + k),
		      "PEEKDATA length 6: word %d is %#lx, wanted %#lx",
		      k, out[4 + k], tword(8 + k));
	CHECK(out[10] == CANARY, "PEEKDATA length 6 stored a 7th word");
	CHECK(out[11] == tword(20), "PEEKTEXT length 0 stored %#lx, wanted %#lx",
	      out[11], tword(20));
	CHECK(out[12] == CANARY, "PEEKTEXT length 0 stored more than one word");
	for (int k = 0; k < 3; k++)
		CHECK(out[13 + k] == tword(21 + k),
		      "PEEKTEXT length 3: word %d is %#lx, wanted %#lx",
		      k, out[13 + k], tword(21 + k));
	CHECK(out[16] == CANARY, "PEEKTEXT length 3 stored a 4th word");
	memcpy(text, (void *)text_target, sizeof(text));
	for (int k = 0; k < 4; k++)
		CHECK(out[17 + k] == text[k],
		      "PEEKTEXT of the text: word %d is %#lx, the program has %#lx",
		      k, out[17 + k], text[k]);
	CHECK(out[21] == CANARY, "PEEKTEXT length 4 stored a 5th word");
	{
		long src[4];

		for (int i = 0; i < 4; i++)
			src[i] = tword(i);
		memcpy(want_unaligned, (char *)&src[1] + 3, sizeof(want_unaligned));
	}
	CHECK(out[22] == want_unaligned[0] && out[23] == want_unaligned[1],
	      "unaligned PEEKDATA stored %#lx %#lx, wanted %#lx %#lx",
	      out[22], out[23], want_unaligned[0], want_unaligned[1]);
	CHECK(out[24] == CANARY, "unaligned PEEKDATA length 2 stored a 3rd word");
	kill_tracee(pid, report);
}

static void poke_words_of_every_length(void)
{
	long v0 = 0x1000000000000001L, v1 = 0x1000000000000002L;
	long v4[4] = { 0x2000000000000001L, 0x2000000000000002L,
		       0x2000000000000003L, 0x2000000000000004L };
	long v2[2] = { 0x3000000000000001L, 0x3000000000000002L };
	long t0 = 0x4000000000000001L;
	struct report rep;
	int report;
	pid_t pid;
	long ret;

	deadline(20);
	pid = start_tracee(body_report, &report);
	if (pid < 0)
		return;
	{
		struct ptrace_multi r[] = {
			PM(PTRACE_POKEDATA, &tdata[1], &v0, 0),
			PM(PTRACE_POKEDATA, &tdata[3], &v1, 1),
			PM(PTRACE_POKEDATA, &tdata[10], v4, 4),
			PM(PTRACE_POKETEXT, &tdata[20], &t0, 0),
			PM(PTRACE_POKETEXT, &tdata[24], v2, 2),
		};

		ret = multi(pid, r, 5);
		CHECK(ret == 5, "batch of 5 POKEs returned %ld (%s)", ret,
		      strerror(errno));
	}
	/* The tracer's buffers are only read. */
	CHECK(v0 == 0x1000000000000001L && v4[3] == 0x2000000000000004L,
	      "a POKE element wrote to its localaddr");
	if (finish_tracee(pid, report, &rep)) {
		ktap_case_failed = 1;
		return;
	}
	/* What the tracee itself finds in its memory. */
	CHECK(rep.data[1] == v0, "POKEDATA length 0: tracee has %#lx, wanted %#lx",
	      rep.data[1], v0);
	CHECK(rep.data[0] == tword(0) && rep.data[2] == tword(2),
	      "POKEDATA length 0 wrote beside its word: %#lx %#lx",
	      rep.data[0], rep.data[2]);
	CHECK(rep.data[3] == v1 && rep.data[4] == tword(4),
	      "POKEDATA length 1: tracee has %#lx %#lx, wanted %#lx and the untouched %#lx",
	      rep.data[3], rep.data[4], v1, tword(4));
	CHECK(rep.data[9] == tword(9), "POKEDATA length 4 wrote before its start");
	for (int k = 0; k < 4; k++)
		CHECK(rep.data[10 + k] == v4[k],
		      "POKEDATA length 4: word %d is %#lx, wanted %#lx",
		      k, rep.data[10 + k], v4[k]);
	CHECK(rep.data[14] == tword(14), "POKEDATA length 4 wrote a 5th word: %#lx",
	      rep.data[14]);
	CHECK(rep.data[20] == t0 && rep.data[21] == tword(21),
	      "POKETEXT length 0: tracee has %#lx %#lx", rep.data[20],
	      rep.data[21]);
	CHECK(rep.data[24] == v2[0] && rep.data[25] == v2[1] &&
	      rep.data[26] == tword(26),
	      "POKETEXT length 2: tracee has %#lx %#lx %#lx", rep.data[24],
	      rep.data[25], rep.data[26]);
	CHECK(tdata[1] == 0 && tdata[10] == 0, "a POKE wrote the tracer's own memory");
}

static void poketext_reaches_the_tracee_text(void)
{
	long int3 = REGS_BREAKPOINT_WORD, back[2] = { CANARY, CANARY };
	unsigned char mine;
	tracee_regs regs;
	int report, st = 0;
	pid_t pid;
	long ret;

	deadline(20);
	pid = start_tracee(body_text, &report);
	if (pid < 0)
		return;
	{
		struct ptrace_multi r[] = {
			PM(PTRACE_POKETEXT, text_target, &int3, 1),
			PM(PTRACE_PEEKTEXT, text_target, back, 2),
		};

		ret = multi(pid, r, 2);
		CHECK(ret == 2, "POKETEXT + PEEKTEXT returned %ld (%s), element 0 length %ld",
		      ret, strerror(errno), r[0].length);
	}
	memcpy(&mine, (void *)text_target, 1);
	CHECK(back[0] == int3, "PEEKTEXT after POKETEXT read %#lx, wanted %#lx",
	      back[0], int3);
	CHECK(mine != (unsigned char)REGS_BREAKPOINT_WORD,
	      "POKETEXT changed the tracer's own text");
	/* The tracee runs into the breakpoint at the start of text_target. */
	CHECK(pt(PTRACE_CONT, pid, 0, 0) == 0, "PTRACE_CONT: %s", strerror(errno));
	CHECK(waitpid(pid, &st, 0) == pid && WIFSTOPPED(st) &&
	      WSTOPSIG(st) == SIGTRAP,
	      "the tracee did not trap in the poked text: status %#x", st);
	if (WIFSTOPPED(st)) {
		CHECK(regs_read(pid, &regs) == 0, "reading the registers: %s",
		      strerror(errno));
		CHECK(regs_ip(&regs) == (unsigned long)text_target + REGS_BREAKPOINT_TRAP_IP,
		      "trapped at %#lx, wanted text_target + %d = %#lx", regs_ip(&regs),
		      REGS_BREAKPOINT_TRAP_IP,
		      (unsigned long)text_target + REGS_BREAKPOINT_TRAP_IP);
	}
	kill_tracee(pid, report);
}

#if defined(__x86_64__)
static void peek_poke_user_words(void)
{
	enum { NREGS = sizeof(struct user_regs_struct) / sizeof(long) };
	struct user_regs_struct regs, after;
	long uregs[NREGS + 1], rip = CANARY;
	long r13_r12[2] = { 0x1313131313131313L, 0x1212121212121212L };
	long rbx = 0x0b0b0b0b0b0b0b0bL;
	int report;
	pid_t pid;
	long ret;

	deadline(20);
	pid = start_tracee(body_report, &report);
	if (pid < 0)
		return;
	uregs[NREGS] = CANARY;
	{
		struct ptrace_multi r[] = {
			PM(PTRACE_PEEKUSR, offsetof(struct user, regs), uregs, NREGS),
			PM(PTRACE_GETREGS, 0, &regs, 0),
			PM(PTRACE_PEEKUSR, offsetof(struct user, regs.rip), &rip, 0),
		};

		ret = multi(pid, r, 3);
		CHECK(ret == 3, "PEEKUSR/GETREGS batch returned %ld (%s)", ret,
		      strerror(errno));
	}
	CHECK(memcmp(uregs, &regs, sizeof(regs)) == 0,
	      "PEEKUSR of %d words differs from GETREGS (rip %#lx vs %#llx)",
	      NREGS, uregs[16], regs.rip);
	CHECK(uregs[NREGS] == CANARY, "PEEKUSR stored past its length");
	CHECK(rip == (long)regs.rip, "PEEKUSR rip length 0: %#lx, GETREGS %#llx",
	      rip, regs.rip);
	{
		struct ptrace_multi r[] = {
			PM(PTRACE_POKEUSR, offsetof(struct user, regs.r13), r13_r12, 2),
			PM(PTRACE_POKEUSR, offsetof(struct user, regs.rbx), &rbx, 0),
			PM(PTRACE_GETREGS, 0, &after, 0),
		};

		ret = multi(pid, r, 3);
		CHECK(ret == 3, "POKEUSR batch returned %ld (%s), lengths %ld %ld",
		      ret, strerror(errno), r[0].length, r[1].length);
	}
	CHECK(after.r13 == (unsigned long)r13_r12[0] &&
	      after.r12 == (unsigned long)r13_r12[1],
	      "POKEUSR length 2: r13 %#llx r12 %#llx", after.r13, after.r12);
	CHECK(after.rbx == (unsigned long)rbx, "POKEUSR length 0: rbx %#llx",
	      after.rbx);
	CHECK(after.r14 == regs.r14 && after.rbp == regs.rbp &&
	      after.r11 == regs.r11,
	      "POKEUSR changed a register beside those it was given");
	kill_tracee(pid, report);
}
#else
static void peek_poke_user_words(void)
{
	KTAP_SKIP("x86's struct user words; arm64 has no PTRACE_PEEKUSR or POKEUSR");
}
#endif

static void chardata_alone(void)
{
	char want[NCHARS], buf[NCHARS + 8];
	int report;
	pid_t pid;
	long ret;

	deadline(20);
	pid = start_tracee(body_report, &report);
	if (pid < 0)
		return;
	expected_tchars(want);

	memset(buf, '#', sizeof(buf));
	ret = chardata(PTRACE_PEEKCHARDATA, pid, tchars + 3, buf, 13);
	CHECK(ret == 13, "PEEKCHARDATA of 13 bytes returned %ld (%s)", ret,
	      strerror(errno));
	CHECK(memcmp(buf, want + 3, 13) == 0, "PEEKCHARDATA bytes: \"%.13s\"", buf);
	CHECK(buf[13] == '#', "PEEKCHARDATA wrote past its 13 bytes");

	memset(buf, '#', sizeof(buf));
	ret = chardata(PTRACE_PEEKSTRINGDATA, pid, tchars + 7, buf, 40);
	CHECK(ret == (long)(sizeof(tstring) - 7),
	      "PEEKSTRINGDATA returned %ld (%s), wanted %zu (the string and its NUL)",
	      ret, strerror(errno), sizeof(tstring) - 7);
	CHECK(memcmp(buf, tstring + 7, sizeof(tstring) - 7) == 0,
	      "PEEKSTRINGDATA bytes: \"%s\"", buf);
	CHECK(buf[sizeof(tstring) - 7] == '#',
	      "PEEKSTRINGDATA went on after the NUL: '%c'", buf[sizeof(tstring) - 7]);

	memset(buf, '#', sizeof(buf));
	ret = chardata(PTRACE_PEEKSTRINGDATA, pid, tchars, buf, 5);
	CHECK(ret == 5, "PEEKSTRINGDATA with no NUL in 5 bytes returned %ld (%s), wanted 5",
	      ret, strerror(errno));
	CHECK(memcmp(buf, tstring, 5) == 0 && buf[5] == '#',
	      "PEEKSTRINGDATA of 5: \"%.6s\"", buf);

	memset(buf, '#', sizeof(buf));
	ret = chardata(PTRACE_PEEKCHARDATA, pid, tchars, buf, 0);
	CHECK(ret == 0 && buf[0] == '#', "PEEKCHARDATA of 0 bytes returned %ld (%s)",
	      ret, strerror(errno));

	ret = chardata(PTRACE_POKECHARDATA, pid, tchars + 1, (void *)"XYZ", 3);
	CHECK(ret == 3, "POKECHARDATA of 3 bytes returned %ld (%s)", ret,
	      strerror(errno));
	memset(buf, '#', sizeof(buf));
	ret = chardata(PTRACE_PEEKCHARDATA, pid, tchars, buf, 6);
	CHECK(ret == 6 && buf[0] == want[0] && memcmp(buf + 1, "XYZ", 3) == 0 &&
	      buf[4] == want[4] && buf[5] == want[5],
	      "after POKECHARDATA \"XYZ\" at 1 the tracee has \"%.6s\" (ret %ld)",
	      buf, ret);

	/* Errors: tracee side EIO, tracer side EFAULT. */
	CHECK_ERRNO(chardata(PTRACE_PEEKCHARDATA, pid, hole, buf, 8), EIO);
	CHECK_ERRNO(chardata(PTRACE_PEEKSTRINGDATA, pid, hole, buf, 8), EIO);
	CHECK_ERRNO(chardata(PTRACE_POKECHARDATA, pid, hole, buf, 8), EIO);
	CHECK_ERRNO(chardata(PTRACE_PEEKCHARDATA, pid, tchars, BAD_PTR, 8), EFAULT);
	CHECK_ERRNO(chardata(PTRACE_PEEKSTRINGDATA, pid, tchars, BAD_PTR, 8), EFAULT);
	/*
	 * A tracer buffer running past the end of the address space is
	 * refused whole, before the tracee is read: EFAULT even where the
	 * tracee's side alone would give EIO (CI's fuzz seed 3941131198).
	 */
	CHECK_ERRNO(chardata(PTRACE_PEEKSTRINGDATA, pid, hole, (void *)-8L, 128), EFAULT);
	CHECK_ERRNO(chardata(PTRACE_PEEKCHARDATA, pid, hole, (void *)-8L, 128), EFAULT);
	CHECK_ERRNO(chardata(PTRACE_POKECHARDATA, pid, tchars, BAD_PTR, 8), EFAULT);
	CHECK_ERRNO(pt(PTRACE_PEEKCHARDATA, pid, (unsigned long)tchars,
		       (unsigned long)BAD_PTR), EFAULT);
	CHECK_ERRNO(pt(PTRACE_POKECHARDATA, pid, (unsigned long)tchars,
		       (unsigned long)NULL), EFAULT);
	/* The failed POKE with a bad buffer wrote nothing. */
	memset(buf, '#', sizeof(buf));
	CHECK(chardata(PTRACE_PEEKCHARDATA, pid, tchars, buf, 12) == 12 &&
	      buf[0] == want[0] && memcmp(buf + 1, "XYZ", 3) == 0 &&
	      memcmp(buf + 4, want + 4, 8) == 0,
	      "a failed POKECHARDATA changed the tracee: \"%.12s\"", buf);
	kill_tracee(pid, report);
}

static void chardata_in_a_batch(void)
{
	char want[NCHARS], b1[16], b2[NCHARS + 8], b3[8], b4[4];
	struct report rep;
	int report;
	pid_t pid;
	long ret;

	deadline(20);
	pid = start_tracee(body_report, &report);
	if (pid < 0)
		return;
	expected_tchars(want);
	memset(b1, '#', sizeof(b1));
	memset(b2, '#', sizeof(b2));
	memset(b3, '#', sizeof(b3));
	memset(b4, '#', sizeof(b4));
	{
		struct ptrace_multi r[] = {
			PM(PTRACE_PEEKCHARDATA, tchars + 2, b1, 9),
			PM(PTRACE_POKECHARDATA, tchars + 30, "WXYZ", 4),
			PM(PTRACE_PEEKSTRINGDATA, tchars, b2, NCHARS),
			/* Elements run in order: this reads the POKE back. */
			PM(PTRACE_PEEKCHARDATA, tchars + 30, b3, 4),
			PM(PTRACE_PEEKCHARDATA, tchars, b4, 0),
		};

		ret = multi(pid, r, 5);
		CHECK(ret == 5, "CHARDATA batch returned %ld (%s); lengths %ld %ld %ld %ld %ld",
		      ret, strerror(errno), r[0].length, r[1].length,
		      r[2].length, r[3].length, r[4].length);
		/* Each CHARDATA element's length is now the bytes it copied. */
		CHECK(r[0].length == 9 && r[1].length == 4 &&
		      r[2].length == (long)sizeof(tstring) && r[3].length == 4 && r[4].length == 0,
		      "CHARDATA lengths after the batch: %ld %ld %ld %ld %ld, wanted 9 4 %zu 4 0",
		      r[0].length, r[1].length, r[2].length, r[3].length, r[4].length,
		      sizeof(tstring));
	}
	CHECK(memcmp(b1, want + 2, 9) == 0 && b1[9] == '#',
	      "PEEKCHARDATA element: \"%.10s\"", b1);
	CHECK(memcmp(b2, tstring, sizeof(tstring)) == 0,
	      "PEEKSTRINGDATA element: \"%s\"", b2);
	CHECK(b2[sizeof(tstring)] == '#',
	      "PEEKSTRINGDATA element went on after the NUL: '%c'",
	      b2[sizeof(tstring)]);
	CHECK(memcmp(b3, "WXYZ", 4) == 0 && b3[4] == '#',
	      "PEEKCHARDATA after POKECHARDATA in the same batch read \"%.5s\"", b3);
	CHECK(b4[0] == '#', "PEEKCHARDATA length 0 wrote a byte");
	if (finish_tracee(pid, report, &rep)) {
		ktap_case_failed = 1;
		return;
	}
	CHECK(memcmp(rep.chars + 30, "WXYZ", 4) == 0 &&
	      rep.chars[29] == want[29] && rep.chars[34] == want[34],
	      "the tracee has \"%.6s\" at 29, wanted \"%cWXYZ%c\"", rep.chars + 29,
	      want[29], want[34]);
}

static void peekstring_ends_before_an_unmapped_page(void)
{
	char *s;
	char buf[128];
	int report;
	pid_t pid;
	long ret;

	deadline(20);
	pid = start_tracee(body_report, &report);
	if (pid < 0)
		return;
	s = edge + page - sizeof(edge_string);
	memset(buf, '#', sizeof(buf));
	ret = chardata(PTRACE_PEEKSTRINGDATA, pid, s, buf, sizeof(buf));
	CHECK(ret == (long)sizeof(edge_string),
	      "PEEKSTRINGDATA of a string ending %zu bytes before an unmapped page returned %ld (%s), wanted %zu",
	      sizeof(edge_string), ret, strerror(errno), sizeof(edge_string));
	CHECK(memcmp(buf, edge_string, sizeof(edge_string)) == 0 &&
	      buf[sizeof(edge_string)] == '#',
	      "PEEKSTRINGDATA read \"%s\"", buf);
	memset(buf, '#', sizeof(buf));
	{
		struct ptrace_multi r[] = {
			PM(PTRACE_PEEKSTRINGDATA, s, buf, sizeof(buf)),
		};

		ret = multi(pid, r, 1);
		CHECK(ret == 1, "PEEKSTRINGDATA element at the page end returned %ld, length %ld",
		      ret, r[0].length);
	}
	CHECK(memcmp(buf, edge_string, sizeof(edge_string)) == 0,
	      "PEEKSTRINGDATA element read \"%s\"", buf);
	/* A byte copy over the same range does reach the hole. */
	CHECK_ERRNO(chardata(PTRACE_PEEKCHARDATA, pid, s, buf, sizeof(buf)), EIO);
	kill_tracee(pid, report);
}

static void chardata_max_length(void)
{
	unsigned char *buf = malloc(PTRACE_MULTI_MAX_LENGTH + 1);
	size_t bad = 0;
	int report;
	pid_t pid;
	long ret;

	deadline(30);
	CHECK(buf != NULL, "malloc");
	if (!buf)
		return;
	pid = start_tracee(body_report, &report);
	if (pid < 0) {
		free(buf);
		return;
	}
	memset(buf, 0, PTRACE_MULTI_MAX_LENGTH + 1);
	{
		struct ptrace_multi r[] = {
			PM(PTRACE_PEEKCHARDATA, big, buf, PTRACE_MULTI_MAX_LENGTH),
		};

		ret = multi(pid, r, 1);
		CHECK(ret == 1, "PEEKCHARDATA of PTRACE_MULTI_MAX_LENGTH bytes returned %ld (%s), length %ld",
		      ret, strerror(errno), r[0].length);
	}
	for (size_t i = 0; i < PTRACE_MULTI_MAX_LENGTH; i++)
		bad += buf[i] != big_byte(i);
	CHECK(bad == 0, "%zu of %d bytes differ", bad, PTRACE_MULTI_MAX_LENGTH);
	CHECK(buf[PTRACE_MULTI_MAX_LENGTH] == 0, "wrote past the length");
	memset(buf, 0, PTRACE_MULTI_MAX_LENGTH);
	ret = chardata(PTRACE_PEEKCHARDATA, pid, big, buf, PTRACE_MULTI_MAX_LENGTH);
	CHECK(ret == PTRACE_MULTI_MAX_LENGTH,
	      "PEEKCHARDATA alone of %d bytes returned %ld (%s)",
	      PTRACE_MULTI_MAX_LENGTH, ret, strerror(errno));
	CHECK(buf[PTRACE_MULTI_MAX_LENGTH - 1] == big_byte(PTRACE_MULTI_MAX_LENGTH - 1),
	      "last byte %#x", buf[PTRACE_MULTI_MAX_LENGTH - 1]);
	kill_tracee(pid, report);
	free(buf);
}

#if !defined(__x86_64__)
/* arm64's syscall number, read by a batch (NT_ARM_SYSTEM_CALL: an int). */
static int orig_nr;
#endif

static void getregs_and_syscall_info_in_a_batch(void)
{
	struct ptrace_syscall_info info;
	tracee_regs regs;
	struct iovec io;
#if !defined(__x86_64__)
	struct iovec io_nr = { &orig_nr, sizeof(orig_nr) };
#endif
	long orig = CANARY;
	int report;
	pid_t pid;
	long ret;

	deadline(20);
	pid = start_tracee(body_getppid, &report);
	if (pid < 0)
		return;
	CHECK(pt(PTRACE_SETOPTIONS, pid, 0, PTRACE_O_TRACESYSGOOD) == 0,
	      "SETOPTIONS: %s", strerror(errno));
	if (to_syscall_entry(pid, SYS_getppid)) {
		kill_tracee(pid, report);
		return;
	}
	memset(&info, 0, sizeof(info));
	memset(&regs, 0, sizeof(regs));
	{
		struct ptrace_multi r[] = {
			regs_multi(&regs, &io, 0),
			/* Returns a positive size alone: still a success. */
			PM(PTRACE_GET_SYSCALL_INFO, sizeof(info), &info, 0),
#if defined(__x86_64__)
			PM(PTRACE_PEEKUSR, offsetof(struct user, regs.orig_rax), &orig, 0),
#else
			/* arm64 keeps the number in a register set of its own. */
			PM(PTRACE_GETREGSET, NT_ARM_SYSTEM_CALL, &io_nr, 0),
#endif
			/* Returns PTRACE_VM_MASK alone: a success too. */
			PM(PTRACE_SYSVM, 0, 0, 0),
		};

		ret = multi(pid, r, 4);
#if !defined(__x86_64__)
		orig = orig_nr;
#endif
		CHECK(ret == 4, "registers + GET_SYSCALL_INFO + number + SYSVM returned %ld (%s); lengths %ld %ld %ld %ld",
		      ret, strerror(errno), r[0].length, r[1].length, r[2].length,
		      r[3].length);
	}
	CHECK(regs_arg(&regs, 0) == 0x1111 && regs_arg(&regs, 5) == 0x6666,
	      "registers element: first argument %#lx, sixth %#lx, wanted 0x1111 0x6666",
	      regs_arg(&regs, 0), regs_arg(&regs, 5));
	CHECK(info.op == PTRACE_SYSCALL_INFO_ENTRY && info.arch == REGS_AUDIT_ARCH &&
	      info.entry.nr == SYS_getppid && info.entry.args[0] == 0x1111 &&
	      info.entry.args[5] == 0x6666,
	      "GET_SYSCALL_INFO element: op %u arch %#x nr %llu args %#llx..%#llx",
	      info.op, info.arch, (unsigned long long)info.entry.nr,
	      (unsigned long long)info.entry.args[0],
	      (unsigned long long)info.entry.args[5]);
	CHECK(info.instruction_pointer == regs_ip(&regs) &&
	      info.stack_pointer == regs_sp(&regs),
	      "GET_SYSCALL_INFO ip/sp %#llx/%#llx, the registers' %#lx/%#lx",
	      (unsigned long long)info.instruction_pointer,
	      (unsigned long long)info.stack_pointer, regs_ip(&regs), regs_sp(&regs));
	CHECK(orig == SYS_getppid, "the number element read %ld", orig);
	kill_tracee(pid, report);
}

static void setregs_then_syscall_resumes_last(void)
{
	struct ptrace_syscall_info info;
	tracee_regs regs;
	struct report rep;
	int report, st = 0;
	pid_t pid;
	long ret;

	deadline(20);
	pid = start_tracee(body_getppid, &report);
	if (pid < 0)
		return;
	CHECK(pt(PTRACE_SETOPTIONS, pid, 0, PTRACE_O_TRACESYSGOOD) == 0,
	      "SETOPTIONS: %s", strerror(errno));
	if (to_syscall_entry(pid, SYS_getppid) || regs_read(pid, &regs)) {
		ktap_case_failed = 1;
		kill_tracee(pid, report);
		return;
	}
	/* The tracee asked for getppid; it will run getpid. */
	{
#if defined(__x86_64__)
		struct iovec io;

		regs.orig_rax = SYS_getpid;
		struct ptrace_multi set = regs_multi(&regs, &io, 1);
#else
		/* arm64's number is a register set of its own. */
		int nr = SYS_getpid;
		struct iovec io_nr = { &nr, sizeof(nr) };
		struct ptrace_multi set = PM(PTRACE_SETREGSET, NT_ARM_SYSTEM_CALL, &io_nr, 0);
#endif
		struct ptrace_multi r[] = {
			set,
			PM(PTRACE_SYSCALL, 0, 0, 0),
		};

		ret = multi(pid, r, 2);
		CHECK(ret == 2, "setting the number + PTRACE_SYSCALL returned %ld (%s); lengths %ld %ld",
		      ret, strerror(errno), r[0].length, r[1].length);
	}
	/* Resumed: the next stop is the exit of the rewritten call. */
	CHECK(waitpid(pid, &st, 0) == pid && WIFSTOPPED(st) &&
	      WSTOPSIG(st) == (SIGTRAP | 0x80),
	      "after the batch's PTRACE_SYSCALL: status %#x, wanted a syscall stop", st);
	memset(&info, 0, sizeof(info));
	CHECK(pt(PTRACE_GET_SYSCALL_INFO, pid, sizeof(info), (unsigned long)&info) > 0 &&
	      info.op == PTRACE_SYSCALL_INFO_EXIT && info.exit.rval == pid,
	      "exit stop: op %u rval %lld, wanted the exit of getpid = %d",
	      info.op, (long long)info.exit.rval, pid);
	if (finish_tracee(pid, report, &rep)) {
		ktap_case_failed = 1;
		return;
	}
	CHECK(rep.ret == pid, "the tracee's getppid returned %ld, wanted its own pid %d (SETREGS made it getpid)",
	      rep.ret, pid);
}

static void poke_then_cont_or_kill_last(void)
{
	long v = 0x7777777777777777L, w = CANARY;
	struct report rep;
	int report, st = 0;
	pid_t pid;
	long ret;

	deadline(20);
	pid = start_tracee(body_report, &report);
	if (pid < 0)
		return;
	{
		struct ptrace_multi r[] = {
			PM(PTRACE_POKEDATA, &tdata[4], &v, 0),
			PM(PTRACE_CONT, 0, 0, 0),
		};

		ret = multi(pid, r, 2);
		CHECK(ret == 2, "POKEDATA + PTRACE_CONT returned %ld (%s)", ret,
		      strerror(errno));
	}
	if (ret != 2) {
		kill_tracee(pid, report);
	} else if (collect_report(pid, report, &rep) == 0) {
		CHECK(rep.data[4] == v, "the tracee has %#lx, wanted the poked %#lx",
		      rep.data[4], v);
	} else {
		ktap_case_failed = 1;
	}

	pid = start_tracee(body_report, &report);
	if (pid < 0)
		return;
	{
		struct ptrace_multi r[] = {
			PM(PTRACE_PEEKDATA, &tdata[7], &w, 0),
			PM(PTRACE_KILL, 0, 0, 0),
		};

		ret = multi(pid, r, 2);
		CHECK(ret == 2, "PEEKDATA + PTRACE_KILL returned %ld (%s)", ret,
		      strerror(errno));
	}
	CHECK(w == tword(7), "PEEKDATA before PTRACE_KILL stored %#lx", w);
	CHECK(waitpid(pid, &st, 0) == pid && WIFSIGNALED(st) &&
	      WTERMSIG(st) == SIGKILL,
	      "after PTRACE_KILL as the last element: status %#x", st);
	kill_tracee(pid, report);
}

static void partial_failure_returns_the_index(void)
{
	long a = 0x0a0a0a0a0a0a0a0aL, b = 0x0b0b0b0b0b0b0b0bL;
	long c = 0x0c0c0c0c0c0c0c0cL, out = CANARY;
	int report;
	pid_t pid;
	long ret;

	deadline(20);
	pid = start_tracee(body_report, &report);
	if (pid < 0)
		return;
	{
		struct ptrace_multi r[] = {
			PM(PTRACE_POKEDATA, &tdata[0], &a, 1),
			PM(PTRACE_POKEDATA, &tdata[1], &b, 1),
			PM(PTRACE_PEEKDATA, hole, &out, 1),
			PM(PTRACE_POKEDATA, &tdata[2], &c, 1),
		};

		errno = 0;
		ret = multi(pid, r, 4);
		CHECK(ret == 2, "batch failing at element 2 returned %ld (errno %s), wanted 2",
		      ret, strerror(errno));
		CHECK(r[2].length == -EIO,
		      "reqs[2].length is %ld, wanted -EIO (%d)", r[2].length, -EIO);
		CHECK(r[0].length == 1 && r[1].length == 1 && r[3].length == 1,
		      "lengths of the other elements changed: %ld %ld %ld",
		      r[0].length, r[1].length, r[3].length);
	}
	CHECK(tracee_word(pid, 0) == a && tracee_word(pid, 1) == b,
	      "elements 0 and 1 did not take effect: %#lx %#lx",
	      tracee_word(pid, 0), tracee_word(pid, 1));
	CHECK(tracee_word(pid, 2) == tword(2),
	      "element 3 ran after the failure: tdata[2] = %#lx", tracee_word(pid, 2));
	CHECK(out == CANARY, "the failed PEEK stored %#lx", out);

	/* A failure of element 0 returns 0, not -1. */
	{
		struct ptrace_multi r[] = {
			PM(PTRACE_POKEDATA, hole, &a, 0),
			PM(PTRACE_POKEDATA, &tdata[3], &c, 0),
		};

		ret = multi(pid, r, 2);
		CHECK(ret == 0 && r[0].length == -EIO,
		      "batch failing at element 0 returned %ld (%s), length %ld, wanted 0 and -EIO",
		      ret, strerror(errno), r[0].length);
	}
	CHECK(tracee_word(pid, 3) == tword(3), "element 1 ran after element 0 failed");
	CHECK(still_stopped(pid), "the tracee is no longer stopped after a failed batch");
	kill_tracee(pid, report);
}

/*
 * Issue 16: a batch of up to 16 elements allocates nothing.  The tracer
 * thread's next allocation is made to fail (fail-nth, with failslab
 * failing sleeping allocations too): a batch of 16 PEEKDATA still
 * succeeds, and the fault is still armed after it.  Before, the batch's
 * vector took the fault and the call failed with ENOMEM.
 */
static void small_batch_allocates_nothing(void)
{
	struct ptrace_multi r[16];
	long out[16];
	char path[64], buf[16] = "";
	int report, nth, left = -1, e;
	FILE *f;
	pid_t pid;
	long ret;

	deadline(20);
	f = fopen("/sys/kernel/debug/failslab/ignore-gfp-wait", "w");
	CHECK(f != NULL, "failslab: %s", strerror(errno));
	if (!f)
		return;
	fputs("N", f);
	fclose(f);
	pid = start_tracee(body_report, &report);
	if (pid < 0)
		goto out;
	for (int k = 0; k < 16; k++) {
		out[k] = CANARY;
		r[k] = PM(PTRACE_PEEKDATA, &tdata[k], &out[k], 1);
	}
	snprintf(path, sizeof(path), "/proc/self/task/%ld/fail-nth", syscall(SYS_gettid));
	nth = open(path, O_RDWR);
	CHECK(nth >= 0, "open %s: %s", path, strerror(errno));
	if (nth < 0) {
		kill_tracee(pid, report);
		goto out;
	}
	CHECK(write(nth, "1", 1) == 1, "arm fail-nth: %s", strerror(errno));
	ret = multi(pid, r, 16);
	e = errno;
	if (pread(nth, buf, sizeof(buf) - 1, 0) > 0)
		left = atoi(buf);
	CHECK(write(nth, "0", 1) == 1, "disarm fail-nth: %s", strerror(errno));
	close(nth);
	CHECK(ret == 16, "a batch of 16 with the next allocation failing returned %ld (%s)",
	      ret, strerror(e));
	CHECK(left == 1, "the batch of 16 allocated (fail-nth left at %d)", left);
	for (int k = 0; k < 16 && ret == 16; k++)
		CHECK(out[k] == tword(k), "element %d read %#lx, wanted %#lx", k, out[k], tword(k));
	kill_tracee(pid, report);
out:
	f = fopen("/sys/kernel/debug/failslab/ignore-gfp-wait", "w");
	if (f) {
		fputs("Y", f);
		fclose(f);
	}
}

/*
 * Each element gets the checks of the request alone: the errno an element
 * stores is the one the same request alone fails with.
 */
static void element_errors_match_the_request_alone(void)
{
	struct ptrace_syscall_info info;
	char regset[64];
	struct iovec iov = { .iov_base = regset, .iov_len = sizeof(regset) };
	long w = 0, out, v = 0x5555555555555555L;
	const struct {
		const char *what;
		long req;
		unsigned long addr;
		void *local;		/* in the batch */
		unsigned long alone;	/* data when made alone */
		int want;		/* 0: whatever the request alone gives */
	} bad[] = {
		{ "unknown request 0x7777", 0x7777, 0, NULL, 0, EIO },
		/* glibc's struct user is shorter than the kernel's. */
		{ "PEEKUSR past struct user", PTRACE_PEEKUSR,
		  0x10000, &w, (unsigned long)&w, EIO },
		{ "PEEKUSR unaligned", PTRACE_PEEKUSR, 3, &w, (unsigned long)&w, EIO },
		{ "POKEUSR unaligned", PTRACE_POKEUSR, 5, &v, (unsigned long)v, EIO },
		{ "SETOPTIONS unknown option", PTRACE_SETOPTIONS, 0,
		  (void *)(1UL << 30), 1UL << 30, EINVAL },
		{ "GETREGSET unknown note", PTRACE_GETREGSET, 0x9999, &iov,
		  (unsigned long)&iov, 0 },
#if defined(__x86_64__)
		{ "GETREGS to a bad buffer", PTRACE_GETREGS, 0, BAD_PTR,
		  (unsigned long)BAD_PTR, EFAULT },
#else
		{ "GETREGSET to a bad iovec", PTRACE_GETREGSET, NT_PRSTATUS, BAD_PTR,
		  (unsigned long)BAD_PTR, EFAULT },
#endif
		{ "GETSIGINFO to a bad buffer", PTRACE_GETSIGINFO, 0, BAD_PTR,
		  (unsigned long)BAD_PTR, EFAULT },
		{ "GET_SYSCALL_INFO to a bad buffer", PTRACE_GET_SYSCALL_INFO,
		  sizeof(info), BAD_PTR, (unsigned long)BAD_PTR, EFAULT },
		{ "PEEKDATA of an unmapped page", PTRACE_PEEKDATA,
		  (unsigned long)hole, &w, (unsigned long)&w, EIO },
		{ "POKEDATA of an unmapped page", PTRACE_POKEDATA,
		  (unsigned long)hole, &v, (unsigned long)v, EIO },
		{ "PEEKDATA to a bad buffer", PTRACE_PEEKDATA,
		  (unsigned long)&tdata[9], BAD_PTR, (unsigned long)BAD_PTR, EFAULT },
	};
	long c = 0x0c0c0c0c0c0c0c0cL;
	int report;
	pid_t pid;
	long ret;

	deadline(30);
	pid = start_tracee(body_report, &report);
	if (pid < 0)
		return;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int alone;

		errno = 0;
		ret = pt(bad[i].req, pid, bad[i].addr, bad[i].alone);
		alone = ret == -1 ? errno : 0;
		CHECK(alone != 0, "%s: alone it returned %ld, wanted a failure",
		      bad[i].what, ret);
		CHECK(!bad[i].want || alone == bad[i].want,
		      "%s: alone it failed with %s, wanted %s", bad[i].what,
		      strerror(alone), strerror(bad[i].want));
		out = CANARY;
		{
			struct ptrace_multi r[] = {
				PM(PTRACE_PEEKDATA, &tdata[0], &out, 0),
				PM(bad[i].req, bad[i].addr, bad[i].local, 0),
				PM(PTRACE_POKEDATA, &tdata[6], &c, 0),
			};

			ret = multi(pid, r, 3);
			CHECK(ret == 1 && r[1].length == -alone,
			      "%s: the batch returned %ld (%s) with length %ld, wanted 1 and -%d (as alone)",
			      bad[i].what, ret, strerror(errno), r[1].length, alone);
		}
		CHECK(out == tword(0), "%s: element 0 stored %#lx", bad[i].what, out);
		CHECK(tracee_word(pid, 6) == tword(6),
		      "%s: the element after the failing one ran", bad[i].what);
	}
	/* A POKE element whose localaddr the tracer cannot read. */
	{
		struct ptrace_multi r[] = {
			PM(PTRACE_POKEDATA, &tdata[5], BAD_PTR, 0),
		};

		ret = multi(pid, r, 1);
		CHECK(ret == 0 && r[0].length == -EFAULT,
		      "POKEDATA from a bad localaddr returned %ld (%s), length %ld, wanted 0 and -EFAULT",
		      ret, strerror(errno), r[0].length);
	}
	CHECK(tracee_word(pid, 5) == tword(5), "POKEDATA from a bad buffer wrote %#lx",
	      tracee_word(pid, 5));
	kill_tracee(pid, report);
}

static void bad_reqs_pointer_is_efault_nothing_done(void)
{
	long v = 0x6666666666666666L;
	struct ptrace_multi *r, *ro;
	int report;
	pid_t pid;
	long ret;

	deadline(20);
	pid = start_tracee(body_report, &report);
	if (pid < 0)
		return;
	CHECK_ERRNO(multi(pid, BAD_PTR, 1), EFAULT);
	CHECK_ERRNO(multi(pid, NULL, 1), EFAULT);
	CHECK_ERRNO(multi(pid, (void *)hole, 3), EFAULT);
	/* Element 0 readable at the end of the edge page, element 1 in the hole. */
	r = (struct ptrace_multi *)(edge + page - sizeof(*r));
	CHECK(!page_mapped(hole), "the hole got mapped in the tracer");
	*r = PM(PTRACE_POKEDATA, &tdata[0], &v, 0);
	CHECK_ERRNO(multi(pid, r, 2), EFAULT);
	CHECK(tracee_word(pid, 0) == tword(0),
	      "element 0 of an array running into an unmapped page ran: %#lx",
	      tracee_word(pid, 0));
	ret = multi(pid, r, 1);
	CHECK(ret == 1 && tracee_word(pid, 0) == v,
	      "the same element alone in a batch returned %ld (%s)", ret,
	      strerror(errno));
	/*
	 * The array is readable but a failure cannot be stored in it: the
	 * answer is still the element's error, not EFAULT (element 0 did
	 * write the tracee); only which element failed is lost.
	 */
	ro = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		  -1, 0);
	CHECK(ro != MAP_FAILED, "mmap");
	if (ro != MAP_FAILED) {
		long w = 0x0d0d0d0d0d0d0d0dL, out = CANARY;

		ro[0] = PM(PTRACE_POKEDATA, &tdata[4], &w, 0);
		ro[1] = PM(PTRACE_PEEKDATA, hole, &out, 0);
		CHECK(mprotect(ro, page, PROT_READ) == 0, "mprotect");
		errno = 0;
		ret = pt(PTRACE_MULTI, pid, (unsigned long)ro, 2);
		CHECK(ret == -1 && errno == EIO,
		      "a failure at element 1 of a read-only batch returned %ld (%s), wanted EIO",
		      ret, strerror(errno));
		CHECK(ro[1].length == 0, "the read-only length changed to %ld", ro[1].length);
		CHECK(tracee_word(pid, 4) == w, "element 0 of the read-only batch did not run: %#lx",
		      tracee_word(pid, 4));
		munmap(ro, page);
	}
	CHECK(still_stopped(pid), "the tracee is no longer stopped");
	kill_tracee(pid, report);
}

/*
 * The elements are read and checked in order: the first one that cannot
 * be read or is invalid decides the error (Documentation/ptrace-multi.md),
 * and nothing runs.  Element 0 at the end of the edge page, element 1 in
 * the hole: a refused or misplaced element 0 is EINVAL (it was EFAULT
 * while every element was read before any was checked), a valid one
 * EFAULT.
 */
static void the_first_bad_element_decides_the_error(void)
{
	long v = 0x7777777777777777L;
	struct ptrace_multi *r;
	int report;
	pid_t pid;

	deadline(20);
	pid = start_tracee(body_report, &report);
	if (pid < 0)
		return;
	r = (struct ptrace_multi *)(edge + page - sizeof(*r));
	CHECK(!page_mapped(hole), "the hole got mapped in the tracer");
	*r = PM(PTRACE_ATTACH, 0, 0, 0);
	CHECK_ERRNO(multi(pid, r, 2), EINVAL);
	/* A resume that is not last. */
	*r = PM(PTRACE_CONT, 0, 0, 0);
	CHECK_ERRNO(multi(pid, r, 2), EINVAL);
	*r = PM(PTRACE_POKEDATA, &tdata[0], &v, 0);
	CHECK_ERRNO(multi(pid, r, 2), EFAULT);
	CHECK(tracee_word(pid, 0) == tword(0), "an element ran: %#lx", tracee_word(pid, 0));
	CHECK(still_stopped(pid), "the tracee is no longer stopped");
	kill_tracee(pid, report);
}

static void overlong_count_is_einval_nothing_done(void)
{
	const unsigned int n = PTRACE_MULTI_MAX + 1;
	struct ptrace_multi *r = calloc(n, sizeof(*r));
	long *out = calloc(n, sizeof(long));
	long v = 0x1234123412341234L, v2 = 0x4321432143214321L;
	unsigned int bad = 0;
	int report;
	pid_t pid;
	long ret;

	deadline(30);
	CHECK(r && out, "calloc");
	if (!r || !out)
		goto out;
	pid = start_tracee(body_report, &report);
	if (pid < 0)
		goto out;
	r[0] = PM(PTRACE_POKEDATA, &tdata[1], &v, 0);
	for (unsigned int i = 1; i < n; i++) {
		out[i] = CANARY;
		r[i] = PM(PTRACE_PEEKDATA, &tdata[i % NWORDS], &out[i], 0);
	}
	CHECK_ERRNO(multi(pid, r, n), EINVAL);
	CHECK(tracee_word(pid, 1) == tword(1),
	      "a batch of PTRACE_MULTI_MAX + 1 ran its POKE");
	for (unsigned int i = 1; i < n; i++)
		bad += out[i] != CANARY;
	CHECK(bad == 0, "a batch of PTRACE_MULTI_MAX + 1 ran %u PEEKs", bad);
	/* Counts whose low bits are small are still too large. */
	CHECK_ERRNO(multi(pid, r, (1UL << 32) | 1), EINVAL);
	CHECK_ERRNO(multi(pid, r, -1UL), EINVAL);
	CHECK(tracee_word(pid, 1) == tword(1),
	      "a batch with a huge count ran its POKE");
	/* PTRACE_MULTI_MAX itself is fine. */
	r[0] = PM(PTRACE_POKEDATA, &tdata[1], &v2, 0);
	ret = multi(pid, r, PTRACE_MULTI_MAX);
	CHECK(ret == PTRACE_MULTI_MAX, "a batch of PTRACE_MULTI_MAX returned %ld (%s)",
	      ret, strerror(errno));
	CHECK(tracee_word(pid, 1) == v2, "its POKE did not happen");
	bad = 0;
	for (unsigned int i = 2; i < PTRACE_MULTI_MAX; i++)
		bad += out[i] != (i % NWORDS == 1 ? v2 : tword(i % NWORDS));
	CHECK(bad == 0, "%u of its PEEKs read wrong words", bad);
	CHECK(out[PTRACE_MULTI_MAX] == CANARY, "it ran element PTRACE_MULTI_MAX");
	kill_tracee(pid, report);
out:
	free(r);
	free(out);
}

static void nested_and_tracer_changing_requests_rejected(void)
{
	static const struct {
		const char *what;
		long req;
	} refused[] = {
		{ "PTRACE_MULTI", PTRACE_MULTI },
		{ "PTRACE_TRACEME", PTRACE_TRACEME },
		{ "PTRACE_ATTACH", PTRACE_ATTACH },
		{ "PTRACE_SEIZE", PTRACE_SEIZE },
		{ "PTRACE_DETACH", PTRACE_DETACH },
	};
	long v = 0x2222222222222222L, out;
	int report;
	pid_t pid;

	deadline(20);
	pid = start_tracee(body_report, &report);
	if (pid < 0)
		return;
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		struct ptrace_multi inner[1] = {
			PM(PTRACE_POKEDATA, &tdata[2], &v, 0),
		};
		struct ptrace_multi r[] = {
			PM(PTRACE_POKEDATA, &tdata[2], &v, 0),
			PM(refused[i].req, 0, 0, 0),
			PM(PTRACE_PEEKDATA, &tdata[3], &out, 0),
		};

		if (refused[i].req == PTRACE_MULTI) {
			/* A well-formed inner batch of one POKE. */
			r[1].addr = (long)inner;
			r[1].localaddr = (void *)1;
		}
		out = CANARY;
		CHECK_ERRNO(multi(pid, r, 3), EINVAL);
		CHECK(tracee_word(pid, 2) == tword(2) && out == CANARY,
		      "a batch holding %s ran elements", refused[i].what);
		/* Last, or alone, it is refused too. */
		CHECK_ERRNO(multi(pid, &r[1], 1), EINVAL);
		r[2] = r[1];
		r[1] = PM(PTRACE_PEEKDATA, &tdata[3], &out, 0);
		CHECK_ERRNO(multi(pid, r, 3), EINVAL);
		CHECK(tracee_word(pid, 2) == tword(2) && out == CANARY,
		      "a batch ending in %s ran elements", refused[i].what);
		CHECK(still_stopped(pid), "after a batch with %s the tracee is no longer our stopped tracee",
		      refused[i].what);
	}
	kill_tracee(pid, report);
}

static void resume_not_last_rejected(void)
{
	static const struct {
		const char *what;
		long req;
	} resume[] = {
		{ "PTRACE_CONT", PTRACE_CONT },
		{ "PTRACE_SYSCALL", PTRACE_SYSCALL },
		{ "PTRACE_SINGLESTEP", PTRACE_SINGLESTEP },
#ifdef PTRACE_SINGLEBLOCK
		{ "PTRACE_SINGLEBLOCK", PTRACE_SINGLEBLOCK },
#endif
		{ "PTRACE_SYSEMU", PTRACE_SYSEMU },
		{ "PTRACE_SYSEMU_SINGLESTEP", PTRACE_SYSEMU_SINGLESTEP },
		{ "PTRACE_KILL", PTRACE_KILL },
		{ "PTRACE_LISTEN", PTRACE_LISTEN },
	};
	long v = 0x3333333333333333L, out;
	int report;
	pid_t pid;

	deadline(20);
	pid = start_tracee(body_report, &report);
	if (pid < 0)
		return;
	for (size_t i = 0; i < sizeof(resume) / sizeof(resume[0]); i++) {
		struct ptrace_multi r[] = {
			PM(PTRACE_POKEDATA, &tdata[2], &v, 0),
			PM(resume[i].req, 0, 0, 0),
			PM(PTRACE_PEEKDATA, &tdata[3], &out, 0),
		};

		out = CANARY;
		CHECK_ERRNO(multi(pid, r, 3), EINVAL);
		CHECK(tracee_word(pid, 2) == tword(2),
		      "%s not last: the POKE before it happened", resume[i].what);
		CHECK(out == CANARY, "%s not last: the PEEK after it happened",
		      resume[i].what);
		CHECK(still_stopped(pid), "%s not last: the tracee was resumed",
		      resume[i].what);
		/* Two resumes: the first is not last. */
		r[2] = PM(PTRACE_CONT, 0, 0, 0);
		CHECK_ERRNO(multi(pid, r, 3), EINVAL);
		CHECK(still_stopped(pid) && tracee_word(pid, 2) == tword(2),
		      "%s then PTRACE_CONT: something ran", resume[i].what);
	}
	kill_tracee(pid, report);
}

static void bad_lengths_rejected(void)
{
	static const struct {
		const char *what;
		long req;
		long length;
	} lengths[] = {
		{ "PEEKDATA length -1", PTRACE_PEEKDATA, -1 },
		{ "PEEKDATA length LONG_MIN", PTRACE_PEEKDATA, LONG_MIN },
		{ "PEEKDATA length MAX_LENGTH + 1", PTRACE_PEEKDATA,
		  PTRACE_MULTI_MAX_LENGTH + 1 },
		{ "POKEDATA length -1", PTRACE_POKEDATA, -1 },
		{ "PEEKUSR length MAX_LENGTH + 1", PTRACE_PEEKUSR,
		  PTRACE_MULTI_MAX_LENGTH + 1 },
		{ "PEEKCHARDATA length -5", PTRACE_PEEKCHARDATA, -5 },
		{ "POKECHARDATA length MAX_LENGTH + 1", PTRACE_POKECHARDATA,
		  PTRACE_MULTI_MAX_LENGTH + 1 },
		{ "PEEKSTRINGDATA length MAX_LENGTH + 1", PTRACE_PEEKSTRINGDATA,
		  PTRACE_MULTI_MAX_LENGTH + 1 },
#if defined(__x86_64__)
		{ "GETREGS length 1", PTRACE_GETREGS, 1 },
#else
		{ "GETREGSET length 1", PTRACE_GETREGSET, 1 },
#endif
		{ "GET_SYSCALL_INFO length 8", PTRACE_GET_SYSCALL_INFO, 8 },
		{ "GETSIGINFO length -1", PTRACE_GETSIGINFO, -1 },
		{ "PTRACE_CONT (last) length 1", PTRACE_CONT, 1 },
		{ "PTRACE_KILL (last) length 2", PTRACE_KILL, 2 },
	};
	long v = 0x4444444444444444L;
	static long sink[64];
	int report;
	pid_t pid;

	deadline(20);
	pid = start_tracee(body_report, &report);
	if (pid < 0)
		return;
	for (size_t i = 0; i < sizeof(lengths) / sizeof(lengths[0]); i++) {
		struct ptrace_multi r[] = {
			PM(PTRACE_POKEDATA, &tdata[3], &v, 0),
			PM(lengths[i].req, &tdata[4], sink, lengths[i].length),
		};

		if (lengths[i].req == PTRACE_CONT || lengths[i].req == PTRACE_KILL ||
		    lengths[i].req == REGS_GET_REQUEST ||
		    lengths[i].req == PTRACE_GETSIGINFO)
			r[1].addr = 0;
		if (lengths[i].req == PTRACE_CONT || lengths[i].req == PTRACE_KILL)
			r[1].localaddr = NULL;
		if (lengths[i].req == PTRACE_GET_SYSCALL_INFO)
			r[1].addr = sizeof(struct ptrace_syscall_info);
		CHECK_ERRNO(multi(pid, r, 2), EINVAL);
		CHECK(tracee_word(pid, 3) == tword(3),
		      "a batch with %s ran its POKE", lengths[i].what);
		CHECK(still_stopped(pid), "a batch with %s resumed or lost the tracee",
		      lengths[i].what);
	}
	kill_tracee(pid, report);
}

static void target_not_traced_or_not_stopped(void)
{
	struct ptrace_multi r[1];
	char buf[8];
	long w;
	int go[2], report, st = 0;
	pid_t other, pid, gone;

	deadline(20);
	r[0] = PM(PTRACE_PEEKDATA, &tdata[0], &w, 0);
	/* A child we do not trace. */
	CHECK(pipe(go) == 0, "pipe");
	other = fork();
	if (other == 0) {
		char c;

		child_limits();
		close(go[1]);
		_exit(read(go[0], &c, 1) == 1 ? 0 : 1);
	}
	close(go[0]);
	CHECK_ERRNO(peek(other, &tdata[0], &w), ESRCH);
	CHECK_ERRNO(multi(other, r, 1), ESRCH);
	CHECK_ERRNO(multi(other, r, 0), ESRCH);
	CHECK_ERRNO(chardata(PTRACE_PEEKCHARDATA, other, tchars, buf, 4), ESRCH);
	CHECK_ERRNO(pt(PTRACE_SYSVM, other, 0, 0), ESRCH);
	close(go[1]);
	waitpid(other, &st, 0);
	/* init, not ours. */
	CHECK_ERRNO(multi(1, r, 1), ESRCH);
	CHECK_ERRNO(chardata(PTRACE_PEEKSTRINGDATA, 1, tchars, buf, 4), ESRCH);
	/* A pid that no longer exists. */
	gone = fork();
	if (gone == 0)
		_exit(0);
	waitpid(gone, NULL, 0);
	CHECK_ERRNO(multi(gone, r, 1), ESRCH);
	/* Our tracee, but running (blocked reading its go pipe). */
	pid = start_tracee(body_block, &report);
	if (pid < 0)
		return;
	CHECK(pt(PTRACE_CONT, pid, 0, 0) == 0, "PTRACE_CONT: %s", strerror(errno));
	CHECK_ERRNO(multi(pid, r, 1), ESRCH);
	CHECK_ERRNO(multi(pid, r, 0), ESRCH);
	CHECK_ERRNO(chardata(PTRACE_POKECHARDATA, pid, tchars, buf, 4), ESRCH);
	{
		struct report rep;

		/* Release it: it reports and exits, unchanged. */
		CHECK(write(go_fd, "g", 1) == 1, "write");
		if (collect_report(pid, report, &rep) == 0)
			CHECK(memcmp(rep.chars, tstring, 4) == 0,
			      "the refused POKECHARDATA wrote the running tracee");
		else
			ktap_case_failed = 1;
	}
}

/*
 * An unprivileged helper (uid 65534): root's processes are not its
 * tracees, so the new requests fail as PEEKDATA does (ESRCH), while ptrace
 * itself refuses to let it attach (EPERM).  Its own child it may trace and
 * batch on.
 */
static void unprivileged_caller(void)
{
	pid_t helper;
	int st = 0;

	deadline(30);
	helper = fork();
	if (helper == 0) {
		struct ptrace_multi r[1];
		pid_t root = getppid(), mine;
		char buf[8];
		long w = 0;
		int s;

		child_limits();
		if (setgid(65534) || setuid(65534))
			_exit(10);
		/* setuid made us non-dumpable: our own child must be traceable. */
		if (prctl(PR_SET_DUMPABLE, 1))
			_exit(10);
		r[0] = PM(PTRACE_PEEKDATA, &tdata[0], &w, 0);
		if (multi(root, r, 1) != -1 || errno != ESRCH)
			_exit(11);
		if (chardata(PTRACE_PEEKCHARDATA, root, tchars, buf, 4) != -1 ||
		    errno != ESRCH)
			_exit(12);
		if (multi(1, r, 1) != -1 || errno != ESRCH)
			_exit(13);
		if (pt(PTRACE_ATTACH, root, 0, 0) != -1 || errno != EPERM)
			_exit(14);
		mine = fork();
		if (mine == 0) {
			tdata[0] = 77;
			if (pt(PTRACE_TRACEME, 0, 0, 0))
				_exit(1);
			raise(SIGSTOP);
			_exit(0);
		}
		if (waitpid(mine, &s, 0) != mine || !WIFSTOPPED(s))
			_exit(15);
		if (multi(mine, r, 1) != 1 || w != 77)
			_exit(16);
		kill(mine, SIGKILL);
		waitpid(mine, NULL, 0);
		_exit(0);
	}
	CHECK(waitpid(helper, &st, 0) == helper && WIFEXITED(st) &&
	      WEXITSTATUS(st) == 0,
	      "helper status %#x (10 setup, 11 MULTI on root's process not ESRCH, "
	      "12 PEEKCHARDATA not ESRCH, 13 MULTI on init not ESRCH, "
	      "14 ATTACH not EPERM, 15 own tracee did not stop, "
	      "16 MULTI on own tracee failed)", st);
}

KTAP_MAIN("guest_ptrace_multi",
	  KTAP_CASE(count_zero_returns_zero),
	  KTAP_CASE(peek_words_of_every_length),
	  KTAP_CASE(poke_words_of_every_length),
	  KTAP_CASE(poketext_reaches_the_tracee_text),
	  KTAP_CASE(peek_poke_user_words),
	  KTAP_CASE(chardata_alone),
	  KTAP_CASE(chardata_in_a_batch),
	  KTAP_CASE(peekstring_ends_before_an_unmapped_page),
	  KTAP_CASE(chardata_max_length),
	  KTAP_CASE(getregs_and_syscall_info_in_a_batch),
	  KTAP_CASE(setregs_then_syscall_resumes_last),
	  KTAP_CASE(poke_then_cont_or_kill_last),
	  KTAP_CASE(partial_failure_returns_the_index),
	  KTAP_CASE(small_batch_allocates_nothing),
	  KTAP_CASE(element_errors_match_the_request_alone),
	  KTAP_CASE(bad_reqs_pointer_is_efault_nothing_done),
	  KTAP_CASE(the_first_bad_element_decides_the_error),
	  KTAP_CASE(overlong_count_is_einval_nothing_done),
	  KTAP_CASE(nested_and_tracer_changing_requests_rejected),
	  KTAP_CASE(resume_not_last_rejected),
	  KTAP_CASE(bad_lengths_rejected),
	  KTAP_CASE(target_not_traced_or_not_stopped),
	  KTAP_CASE(unprivileged_caller))
