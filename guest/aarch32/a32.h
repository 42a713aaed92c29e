/* SPDX-License-Identifier: GPL-2.0 */
/*
 * a32.h - what the AArch32 programs of guest/aarch32 share: a system call
 * with up to four arguments through `svc #0` (EABI: the number in r7, the
 * arguments in r0-r3, the result in r0), and the numbers of arm's
 * asm/unistd.h (EABI).  They have no libc.
 */
#ifndef GUEST_AARCH32_A32_H
#define GUEST_AARCH32_A32_H

#include <asm/unistd.h>

static inline long call3(long nr, long a, long b, long c)
{
	register long r0 asm("r0") = a;
	register long r1 asm("r1") = b;
	register long r2 asm("r2") = c;
	register long r7 asm("r7") = nr;

	asm volatile("svc #0" : "+r"(r0) : "r"(r1), "r"(r2), "r"(r7) : "memory");
	return r0;
}

static inline long call4(long nr, long a, long b, long c, long d)
{
	register long r0 asm("r0") = a;
	register long r1 asm("r1") = b;
	register long r2 asm("r2") = c;
	register long r3 asm("r3") = d;
	register long r7 asm("r7") = nr;

	asm volatile("svc #0" : "+r"(r0) : "r"(r1), "r"(r2), "r"(r3), "r"(r7) : "memory");
	return r0;
}

/*
 * exit_group(@code), then exit(@code) for as long as it returns, as a C
 * library's _Exit does (musl's): an engine that refused both would leave
 * the program spinning here, which a test's time limit shows.
 */
static inline __attribute__((noreturn)) void exit_a32(long code)
{
	call3(__NR_exit_group, code, 0, 0);
	for (;;)
		call3(__NR_exit, code, 0, 0);
}

#endif /* GUEST_AARCH32_A32_H */
