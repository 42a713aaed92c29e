// SPDX-License-Identifier: GPL-2.0
/*
 * C helpers for ptrace-compat (declared in helpers.h): the tracee-side
 * calls a PTRACE_MULTI element makes, each one kernel API.
 */

#include <linux/compat.h>
#include <linux/mm.h>
#include <linux/ptrace.h>
#include <linux/sched.h>

#include "helpers.h"

/*
 * The ABI of the current task's ptrace call.  x86's x32 is refused: its
 * PEEKUSR takes offsets into the 64-bit user area, 8 bytes apart, while
 * its PEEKDATA words are 4 bytes, so a batch's word elements would have
 * no one stride.
 */
enum utrace_ptrace_abi utrace_helper_ptrace_abi(void)
{
	if (!in_compat_syscall())
		return UTRACE_PTRACE_ABI_NATIVE;
#ifdef CONFIG_X86_X32_ABI
	if (!in_ia32_syscall())
		return UTRACE_PTRACE_ABI_UNSUPPORTED;
#endif
	return UTRACE_PTRACE_ABI_COMPAT;
}

/* A ptrace request made alone, from inside a batch: same checks, same code. */
long utrace_helper_arch_ptrace(struct task_struct *child, long request,
			       unsigned long addr, unsigned long data)
{
	return arch_ptrace(child, request, addr, data);
}

/*
 * The same for a compat tracer: what compat_sys_ptrace() calls once it has
 * checked the tracee.  The numbers are the tracer's 32-bit ones, widened.
 */
long utrace_helper_compat_arch_ptrace(struct task_struct *child, long request,
				      unsigned long addr, unsigned long data)
{
#ifdef CONFIG_COMPAT
	return compat_arch_ptrace(child, request, addr, data);
#else
	return -EIO;
#endif
}

/*
 * Copies between the tracee's memory and @buf as PEEKDATA / POKEDATA do
 * (FOLL_FORCE: text pages too).  Returns the bytes copied.
 */
int utrace_helper_ptrace_access(struct task_struct *child, unsigned long addr,
				void *buf, int len, bool write)
{
	unsigned int flags = FOLL_FORCE | (write ? FOLL_WRITE : 0);

	return ptrace_access_vm(child, addr, buf, len, flags);
}
