/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The branch-trace tests' routine (guest_branch, guest_ptrace_bts): code
 * in assembly whose taken branches are known to the byte, what a trace of
 * it must hold, and the check that one does (ktap.h's CHECK).  Defines the routine's symbols: include it in
 * one file of a program.
 */
#ifndef UTRACE_GUEST_BRANCH_ROUTINE_H
#define UTRACE_GUEST_BRANCH_ROUTINE_H

#include <stdint.h>
#include <time.h>
#include <linux/utrace_branch.h>
#include "ktap.h"

/*
 * The routine.  br_seq(n) loops n times (n >= 1), calling a leaf each
 * time, then jumps to its end and returns; br_seq_exit(n) calls br_seq(n)
 * and then exits the process with a raw exit_group(0), so that no branch
 * comes after br_seq's; br_crash calls through a null pointer.  Every
 * branch instruction and target has a label.  br_rep_exit (x86 only)
 * runs a REP STOSB, then jumps to br_seq_exit; br_ud2 faults on an
 * undefined instruction, then jumps to br_seq_exit(5); br_sleep_exit(n, t)
 * sleeps for *t with a raw nanosleep, then jumps to br_seq_exit(n);
 * br_nops_exit runs 1000 nops, then jumps to br_seq_exit(1).
 * arm64's version
 * keeps br_seq's return address in x11 (its leaf call overwrites x30) and
 * returns through it.
 */
#if defined(__x86_64__)
asm(".text\n"
    ".globl br_first\n"
    "br_first:\n"
    ".globl br_seq\n"
    "br_seq:\n"
    "	mov %edi, %ecx\n"
    "	xor %eax, %eax\n"
    ".globl br_top\n"
    "br_top:\n"
    "	inc %eax\n"
    ".globl br_call\n"
    "br_call:\n"
    "	call br_leaf\n"
    ".globl br_after_call\n"
    "br_after_call:\n"
    "	dec %ecx\n"
    ".globl br_jnz\n"
    "br_jnz:\n"
    "	jnz br_top\n"
    ".globl br_jmp\n"
    "br_jmp:\n"
    "	jmp br_end\n"
    "	ud2\n"
    ".globl br_end\n"
    "br_end:\n"
    "	ret\n"
    ".globl br_leaf\n"
    "br_leaf:\n"
    "	nop\n"
    ".globl br_leaf_ret\n"
    "br_leaf_ret:\n"
    "	ret\n"
    ".globl br_seq_exit\n"
    "br_seq_exit:\n"
    ".globl br_x_call\n"
    "br_x_call:\n"
    "	call br_seq\n"
    ".globl br_x_after\n"
    "br_x_after:\n"
    "	mov $231, %eax\n"
    "	xor %edi, %edi\n"
    "	syscall\n"
    "	ud2\n"
    ".globl br_crash\n"
    "br_crash:\n"
    "	xor %eax, %eax\n"
    ".globl br_crash_call\n"
    "br_crash_call:\n"
    "	call *%rax\n"
    "	ud2\n"
    ".globl br_rep_exit\n"
    "br_rep_exit:\n"
    "	mov %rdi, %rbx\n"
    "	mov %rsi, %rdi\n"
    "	mov $4096, %ecx\n"
    "	xor %eax, %eax\n"
    ".globl br_rep\n"
    "br_rep:\n"
    "	rep stosb\n"
    "	mov %rbx, %rdi\n"
    ".globl br_rep_jmp\n"
    "br_rep_jmp:\n"
    "	jmp br_seq_exit\n"
    ".globl br_ud2\n"
    "br_ud2:\n"
    "	ud2\n"
    "	mov $5, %edi\n"
    ".globl br_ud2_jmp\n"
    "br_ud2_jmp:\n"
    "	jmp br_seq_exit\n"
    ".globl br_sleep_exit\n"
    "br_sleep_exit:\n"
    "	mov %rdi, %rbx\n"
    "	mov %rsi, %rdi\n"
    "	xor %esi, %esi\n"
    "	mov $35, %eax\n"	/* nanosleep */
    "	syscall\n"
    "	mov %rbx, %rdi\n"
    ".globl br_sleep_jmp\n"
    "br_sleep_jmp:\n"
    "	jmp br_seq_exit\n"
    ".globl br_nops_exit\n"
    "br_nops_exit:\n"
    "	.rept 1000\n"
    "	nop\n"
    "	.endr\n"
    "	mov $1, %edi\n"
    ".globl br_nops_jmp\n"
    "br_nops_jmp:\n"
    "	jmp br_seq_exit\n"
    ".globl br_last\n"
    "br_last:\n");
#else
asm(".text\n"
    ".balign 4\n"
    ".globl br_first\n"
    "br_first:\n"
    ".globl br_seq\n"
    "br_seq:\n"
    "	mov w9, w0\n"
    "	mov w10, #0\n"
    "	mov x11, x30\n"
    ".globl br_top\n"
    "br_top:\n"
    "	add w10, w10, #1\n"
    ".globl br_call\n"
    "br_call:\n"
    "	bl br_leaf\n"
    ".globl br_after_call\n"
    "br_after_call:\n"
    "	subs w9, w9, #1\n"
    ".globl br_jnz\n"
    "br_jnz:\n"
    "	b.ne br_top\n"
    ".globl br_jmp\n"
    "br_jmp:\n"
    "	b br_end\n"
    "	udf #0\n"
    ".globl br_end\n"
    "br_end:\n"
    "	ret x11\n"
    ".globl br_leaf\n"
    "br_leaf:\n"
    "	nop\n"
    ".globl br_leaf_ret\n"
    "br_leaf_ret:\n"
    "	ret\n"
    ".globl br_seq_exit\n"
    "br_seq_exit:\n"
    ".globl br_x_call\n"
    "br_x_call:\n"
    "	bl br_seq\n"
    ".globl br_x_after\n"
    "br_x_after:\n"
    "	mov x8, #94\n"	/* exit_group */
    "	mov x0, #0\n"
    "	svc #0\n"
    "	udf #0\n"
    ".globl br_crash\n"
    "br_crash:\n"
    "	mov x9, #0\n"
    ".globl br_crash_call\n"
    "br_crash_call:\n"
    "	blr x9\n"
    "	udf #0\n"
    ".globl br_ud2\n"
    "br_ud2:\n"
    "	udf #0\n"
    "	mov w0, #5\n"
    ".globl br_ud2_jmp\n"
    "br_ud2_jmp:\n"
    "	b br_seq_exit\n"
    ".globl br_sleep_exit\n"
    "br_sleep_exit:\n"
    "	mov x19, x0\n"
    "	mov x0, x1\n"
    "	mov x1, #0\n"
    "	mov x8, #101\n"	/* nanosleep */
    "	svc #0\n"
    "	mov x0, x19\n"
    ".globl br_sleep_jmp\n"
    "br_sleep_jmp:\n"
    "	b br_seq_exit\n"
    ".globl br_nops_exit\n"
    "br_nops_exit:\n"
    "	.rept 1000\n"
    "	nop\n"
    "	.endr\n"
    "	mov w0, #1\n"
    ".globl br_nops_jmp\n"
    "br_nops_jmp:\n"
    "	b br_seq_exit\n"
    ".globl br_last\n"
    "br_last:\n");
#endif

extern char br_first[], br_seq[], br_top[], br_call[], br_after_call[];
extern char br_jnz[], br_jmp[], br_end[], br_leaf[], br_leaf_ret[];
extern char br_x_call[], br_x_after[];
extern char br_crash_call[], br_last[];

void br_seq_exit(int n);
void br_crash(void);
void br_ud2(void);
extern char br_ud2_jmp[];
void br_sleep_exit(long n, const struct timespec *t);
extern char br_sleep_jmp[];
void br_nops_exit(void);
extern char br_nops_jmp[];
#if defined(__x86_64__)
void br_rep_exit(long n, void *buf);
extern char br_rep[], br_rep_jmp[];
#endif

#define A(label) ((uint64_t)(uintptr_t)(label))

/* Whether @from lies in the routine. */
static inline int in_routine(uint64_t from)
{
	return from >= A(br_first) && from < A(br_last);
}

/*
 * The branches br_seq_exit(n) takes, in order, into @out (room for
 * 3 * n + 3): the call of br_seq, each loop's call, return and jnz (not
 * taken the last time), the jmp to the end, the return to br_seq_exit.
 * The exit_group call ends it.  Returns how many.
 */
static inline int expected_seq_exit(int n, struct utrace_branch *out)
{
	int k = 0;

	out[k++] = (struct utrace_branch){ A(br_x_call), A(br_seq) };
	for (int i = 0; i < n; i++) {
		out[k++] = (struct utrace_branch){ A(br_call), A(br_leaf) };
		out[k++] = (struct utrace_branch){ A(br_leaf_ret), A(br_after_call) };
		if (i < n - 1)
			out[k++] = (struct utrace_branch){ A(br_jnz), A(br_top) };
	}
	out[k++] = (struct utrace_branch){ A(br_jmp), A(br_end) };
	out[k++] = (struct utrace_branch){ A(br_end), A(br_x_after) };
	return k;
}

/* The records from the routine among @recs[0..n), compacted to its front; how many. */
static inline long routine_only(struct utrace_branch *recs, long n)
{
	long k = 0;

	for (long i = 0; i < n; i++)
		if (in_routine(recs[i].from))
			recs[k++] = recs[i];
	return k;
}

/* Checks that @got[0..n) is @want[0..m), naming the first difference. */
static inline void check_same(const struct utrace_branch *got, long n,
		       const struct utrace_branch *want, long m)
{
	CHECK(n == m, "%ld records from the routine, wanted %ld", n, m);
	for (long i = 0; i < n && i < m; i++) {
		if (got[i].from == want[i].from && got[i].to == want[i].to)
			continue;
		CHECK(0, "record %ld: %#llx -> %#llx, wanted %#llx -> %#llx", i,
		      (unsigned long long)got[i].from, (unsigned long long)got[i].to,
		      (unsigned long long)want[i].from, (unsigned long long)want[i].to);
		return;
	}
}

/* expected_seq_exit(), after a jump to br_seq_exit from @jmp. */
static inline int expected_jmp_seq_exit(const void *jmp, int n, struct utrace_branch *out)
{
	out[0] = (struct utrace_branch){ A(jmp), A(br_seq_exit) };
	return 1 + expected_seq_exit(n, out + 1);
}

#endif /* UTRACE_GUEST_BRANCH_ROUTINE_H */
