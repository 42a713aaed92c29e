// SPDX-License-Identifier: GPL-2.0
/*
 * calls32 - a 32-bit (i386) static program without libc, for the ia32
 * cases of guest_compat: the calls of a real 32-bit program, as the
 * engines and ptrace see them, beside the `int $0x80` of a 64-bit one.
 *
 * In order it makes write(1, "calls32\n", 8), getuid32(), uname() (and
 * writes the node name it got, and a newline), and
 * open("/nonexistent/calls32", O_RDONLY), then exit_group(): 42 if
 * getuid32() returned 4321 (a tracer's answer), 0 if it returned 0, 1
 * otherwise; 100 more if the open worked (a VM redirected it).  If the
 * open's path pointer (%ebx) is not what it was after the call (a VM
 * that redirected it did not put it back), exit_group(3).  Built
 * with -m32 -nostdlib -ffreestanding (see the Makefile); the numbers are
 * asm/unistd_32.h's.
 */
#include "ia32.h"

#define O_RDONLY 0

void _start(void);

/* struct new_utsname: six strings of 65 bytes. */
struct utsname32 {
	char field[6][65];
};

void _start(void)
{
	static const char msg[] = "calls32\n";
	static const char path[] = "/nonexistent/calls32";
	static struct utsname32 uts;
	long uid, opened, len = 0;

	call3(__NR_write, 1, (long)msg, sizeof(msg) - 1);
	uid = call3(__NR_getuid32, 0, 0, 0);
	if (call3(__NR_uname, (long)&uts, 0, 0) == 0) {
		while (len < 64 && uts.field[1][len])
			len++;
		uts.field[1][len] = '\n';
		call3(__NR_write, 1, (long)uts.field[1], len + 1);
	}
	{
		const char *p = path;

		asm volatile("int $0x80" : "=a"(opened), "+b"(p)
			     : "a"((long)__NR_open), "c"((long)O_RDONLY), "d"(0L) : "memory");
		if (p != path)
			call3(__NR_exit_group, 3, 0, 0);
		opened = opened >= 0;
	}
	call3(__NR_exit_group, (uid == 4321 ? 42 : uid == 0 ? 0 : 1) + (opened ? 100 : 0), 0, 0);
	/* Refused (an engine that refuses ia32 calls): die, do not spin. */
	__builtin_trap();
}
