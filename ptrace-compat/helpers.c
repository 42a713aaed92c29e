// SPDX-License-Identifier: GPL-2.0
/*
 * C helpers for ptrace-compat (declared in helpers.h): the tracee-side
 * calls a PTRACE_MULTI element makes, each one kernel API.
 */

#include <linux/mm.h>
#include <linux/ptrace.h>
#include <linux/sched.h>

#include "helpers.h"

/* A ptrace request made alone, from inside a batch: same checks, same code. */
long utrace_helper_arch_ptrace(struct task_struct *child, long request,
			       unsigned long addr, unsigned long data)
{
	return arch_ptrace(child, request, addr, data);
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
