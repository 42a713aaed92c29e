/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The C helpers of ptrace-compat (helpers.c).  The Rust bindings include
 * this header (patch 0019), so that request.rs calls them through
 * prototypes the build checks.
 */
#ifndef UTRACE_PTRACE_COMPAT_HELPERS_H
#define UTRACE_PTRACE_COMPAT_HELPERS_H

#include <linux/types.h>
/* struct compat_ptrace_multi and struct compat_iovec, for the bindings. */
#include <linux/compat.h>

struct task_struct;

/* The tracer's ABI, as utrace_helper_ptrace_abi() tells it. */
enum utrace_ptrace_abi {
	/* The kernel's own: struct ptrace_multi, struct iovec, long words. */
	UTRACE_PTRACE_ABI_NATIVE,
	/* 32-bit compat: struct compat_ptrace_multi and compat_iovec. */
	UTRACE_PTRACE_ABI_COMPAT,
	/* One PTRACE_MULTI does not serve: x86's x32 (see helpers.c). */
	UTRACE_PTRACE_ABI_UNSUPPORTED,
};

enum utrace_ptrace_abi utrace_helper_ptrace_abi(void);
long utrace_helper_arch_ptrace(struct task_struct *child, long request,
			       unsigned long addr, unsigned long data);
long utrace_helper_compat_arch_ptrace(struct task_struct *child, long request,
				      unsigned long addr, unsigned long data);
int utrace_helper_ptrace_access(struct task_struct *child, unsigned long addr,
				void *buf, int len, bool write);

#endif /* UTRACE_PTRACE_COMPAT_HELPERS_H */
