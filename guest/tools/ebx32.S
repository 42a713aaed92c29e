/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ebx32 - a 32-bit program that makes no syscall and tells, by how it
 * dies, whether it started with %ebx as exec leaves it (0): SIGSEGV
 * (`hlt` in user mode) if so, SIGILL (`ud2`) if something wrote %ebx.
 * guest_compat runs it through a redirected execve under the VM engine,
 * whose exit report must not put the old program's path pointer back
 * into the new program's registers.  Built with gcc -m32 -nostdlib.
 */
	.text
	.globl	_start
_start:
	test	%ebx, %ebx
	jnz	1f
	hlt
1:	ud2
