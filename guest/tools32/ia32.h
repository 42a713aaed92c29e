/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ia32.h - what the 32-bit programs of guest/tools32 share: a system call
 * with up to four arguments through int $0x80, and the numbers of
 * asm/unistd_32.h.  They have no libc.
 */
#ifndef GUEST_TOOLS32_IA32_H
#define GUEST_TOOLS32_IA32_H

#include <asm/unistd_32.h>

static inline long call3(long nr, long a, long b, long c)
{
	long ret;

	asm volatile("int $0x80" : "=a"(ret) : "a"(nr), "b"(a), "c"(b), "d"(c) : "memory");
	return ret;
}

static inline long call4(long nr, long a, long b, long c, long d)
{
	long ret;

	asm volatile("int $0x80" : "=a"(ret) : "a"(nr), "b"(a), "c"(b), "d"(c), "S"(d)
		     : "memory");
	return ret;
}

#endif /* GUEST_TOOLS32_IA32_H */
