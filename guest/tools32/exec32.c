// SPDX-License-Identifier: GPL-2.0
/*
 * exec32 - a 32-bit (i386) static program without libc that execs the
 * 64-bit /bin/busybox as `true`: an ia32 execve whose exit comes with the
 * new program's (x86_64) numbers, for guest_compat.  Exits with 127 if the
 * exec fails.
 */
#include "ia32.h"

void _start(void);

void _start(void)
{
	static const char path[] = "/bin/busybox";
	static const char arg0[] = "true";
	static const char *const argv[] = { arg0, 0 };
	static const char *const envp[] = { 0 };

	call3(__NR_execve, (long)path, (long)argv, (long)envp);
	call3(__NR_exit_group, 127, 0, 0);
	/* Refused (an engine that refuses ia32 calls): die, do not spin. */
	__builtin_trap();
}
