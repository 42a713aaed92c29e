// SPDX-License-Identifier: GPL-2.0
/*
 * calls_a32 - an AArch32 (EABI) static program without libc, for
 * guest_aarch32: the calls of a 32-bit program on arm64, as the engines and
 * ptrace see them.
 *
 * In order it makes write(1, "calls_a32\n", 10), getuid32(), uname() (and
 * writes the node name it got, and a newline), then exit_group(): 42 if
 * getuid32() returned 4321 (a tracer's answer), 0 if it returned 0, 1
 * otherwise; if exit_group() returns, exit() until it works (a32.h).  Built by
 * clang for armv7-a (see the Makefile); the numbers are arm's
 * asm/unistd.h's.
 */
#include "a32.h"

void _start(void);

/* struct new_utsname: six strings of 65 bytes. */
struct utsname_a32 {
	char field[6][65];
};

void _start(void)
{
	static const char msg[] = "calls_a32\n";
	static struct utsname_a32 uts;
	long uid, len = 0;

	call3(__NR_write, 1, (long)msg, sizeof(msg) - 1);
	uid = call3(__NR_getuid32, 0, 0, 0);
	if (call3(__NR_uname, (long)&uts, 0, 0) == 0) {
		while (len < 64 && uts.field[1][len])
			len++;
		uts.field[1][len] = '\n';
		call3(__NR_write, 1, (long)uts.field[1], len + 1);
	}
	exit_a32(uid == 4321 ? 42 : uid == 0 ? 0 : 1);
}
