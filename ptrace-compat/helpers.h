/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The C helpers of ptrace-compat (helpers.c).  The Rust bindings include
 * this header (patch 0019), so that request.rs calls them through
 * prototypes the build checks.
 */
#ifndef UTRACE_PTRACE_COMPAT_HELPERS_H
#define UTRACE_PTRACE_COMPAT_HELPERS_H

#include <linux/types.h>

struct task_struct;

long utrace_helper_arch_ptrace(struct task_struct *child, long request,
			       unsigned long addr, unsigned long data);
int utrace_helper_ptrace_access(struct task_struct *child, unsigned long addr,
				void *buf, int len, bool write);

#endif /* UTRACE_PTRACE_COMPAT_HELPERS_H */
