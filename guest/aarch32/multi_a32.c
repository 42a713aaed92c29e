// SPDX-License-Identifier: GPL-2.0
/*
 * multi_a32 - an AArch32 tracer without libc, for guest_aarch32: it reads
 * and writes its tracee with PTRACE_MULTI in the layout <linux/ptrace.h>
 * gives a 32-bit arm program (struct ptrace_multi of 32-bit longs and
 * pointers), as a 32-bit debugger built against the uapi header would.
 *
 * It forks; the child asks to be traced and stops.  One batch then reads
 * three words (PEEKDATA: 4 bytes each), a string (PEEKSTRINGDATA), the
 * registers (GETREGS: arm's 18 words, as GETREGS alone gives them) and
 * pokes a word (POKEDATA), and resumes the child as its last element
 * (PTRACE_CONT); the child exits with 42 if it finds the poked word.
 * multi_a32 exits 0 if all of that held, else the number of the first
 * check that failed (10 and up).
 */
#include <linux/ptrace.h>
#include "a32.h"

#define SIGSTOP 19
#define REGS 18		/* arm's struct pt_regs: r0-r15, cpsr, orig_r0 */

_Static_assert(sizeof(struct ptrace_multi) == 16, "a 32-bit ptrace_multi is four words");

static const unsigned int words[3] = { 0x01020304, 0x05060708, 0x090a0b0c };
static const char hello[] = "hello_a32";
static volatile unsigned int poked;

void _start(void);

static int same(const void *a, const void *b, unsigned int n)
{
	const unsigned char *x = a, *y = b;

	for (unsigned int i = 0; i < n; i++)
		if (x[i] != y[i])
			return 0;
	return 1;
}

static void tracee(void)
{
	if (call4(__NR_ptrace, PTRACE_TRACEME, 0, 0, 0))
		exit_a32(100);
	call3(__NR_kill, call3(__NR_getpid, 0, 0, 0), SIGSTOP, 0);
	exit_a32(poked == 0x11223344 ? 42 : 1);
}

void _start(void)
{
	unsigned int got[4] = { 0, 0, 0, 0xdeadbeef }, poke = 0x11223344;
	unsigned int regs[REGS + 1], regs_alone[REGS];
	char str[16];
	int status = 0;
	long pid = call3(__NR_fork, 0, 0, 0);
	struct ptrace_multi r[] = {
		{ PTRACE_PEEKDATA, (long)words, got, 3 },
		{ PTRACE_PEEKSTRINGDATA, (long)hello, str, sizeof(str) },
		{ PTRACE_GETREGS, 0, regs, 0 },
		{ PTRACE_POKEDATA, (long)&poked, &poke, 1 },
		{ PTRACE_CONT, 0, 0, 0 },
	};

	if (pid == 0)
		tracee();
	if (pid < 0)
		exit_a32(10);
	if (call4(__NR_wait4, pid, (long)&status, 0, 0) != pid || (status & 0xffff) != 0x137f)
		exit_a32(11);
	regs[REGS] = 0x5a5a5a5a;
	if (call4(__NR_ptrace, PTRACE_GETREGS, pid, 0, (long)regs_alone))
		exit_a32(13);
	if (call4(__NR_ptrace, PTRACE_MULTI, pid, (long)r, 5))
		exit_a32(14);
	if (!same(got, words, sizeof(words)) || got[3] != 0xdeadbeef || r[0].length != 3)
		exit_a32(15);
	if (r[1].length != sizeof(hello) || !same(str, hello, sizeof(hello)))
		exit_a32(16);
	if (!same(regs, regs_alone, sizeof(regs_alone)) || regs[REGS] != 0x5a5a5a5a)
		exit_a32(17);
	if (call4(__NR_wait4, pid, (long)&status, 0, 0) != pid || (status & 0xffff) != 0x2a00)
		exit_a32(18);
	exit_a32(0);
}
