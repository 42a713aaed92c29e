// SPDX-License-Identifier: GPL-2.0
/*
 * The branch-trace engine's touches of the instruction decoder, of the
 * locked-memory accounting and of a tracer's trace (its tracer): inline
 * functions and structures Rust does not reach.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/mm.h>
#include <linux/ptrace.h>
#include <linux/resource.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/task_stack.h>
#include <linux/sched/user.h>
#ifdef CONFIG_X86
#include <asm/insn.h>
#include <asm/insn-eval.h>
#else
#include <asm/insn-def.h>
#endif

#include "helpers.h"

/*
 * Whether the current task runs instructions the engine decodes: on arm64
 * not an AArch32 task's (A32 and T32, whose Thumb instructions are 2 or 4
 * bytes), which the engine does not step at all, since it could judge no
 * step of it.  Every x86 task's (64-bit and ia32 code alike).
 */
bool utrace_branch_decodes_current(void)
{
#ifdef CONFIG_ARM64
	return !compat_user_mode(current_pt_regs());
#else
	return true;
#endif
}

/*
 * The current task's next user instruction: stores its address in *@ip
 * and returns its length.  On x86, from the kernel's decoder, in the mode
 * the task's code segment gives (64-bit, or 32-bit for an ia32 task); on
 * arm64, where every A64 instruction is 4 bytes, that size (an AArch32
 * task, whose Thumb instructions are 2 or 4, is refused with -EINVAL).
 * -EFAULT if its bytes cannot be read, -EINVAL if they are no valid
 * instruction.  Called by the task itself, in an engine callback: the
 * read may fault pages in.
 */
#ifdef CONFIG_X86
int utrace_branch_next_insn(u64 *ip)
{
	struct pt_regs *regs = current_pt_regs();
	u8 buf[MAX_INSN_SIZE];
	struct insn insn;
	int n;

	*ip = instruction_pointer(regs);
	n = insn_fetch_from_user(regs, buf);
	if (n <= 0)
		return -EFAULT;
	if (!insn_decode_from_regs(&insn, regs, buf, n))
		return -EINVAL;
	return insn.length;
}
#else
int utrace_branch_next_insn(u64 *ip)
{
	struct pt_regs *regs = current_pt_regs();

	*ip = instruction_pointer(regs);
	if (compat_user_mode(regs))
		return -EINVAL;
	return AARCH64_INSN_SIZE;
}
#endif

/*
 * Charges @pages to the current user's locked memory, as io_uring charges
 * its rings: against RLIMIT_MEMLOCK, with mlock(2)'s errors: -EPERM if the
 * limit is 0, -ENOMEM if the charge would pass it.  CAP_IPC_LOCK lifts the
 * limit, and then nothing is counted (as io_uring: a privileged trace does
 * not take the room of the user's other locked memory): *@pages is set to
 * what was charged, for the uncharge.  On success *@user holds a
 * reference for it.  The count is an atomic: charging and uncharging
 * sleep nowhere.
 */
int utrace_branch_charge(unsigned long *pages, struct user_struct **user)
{
	unsigned long bytes = rlimit(RLIMIT_MEMLOCK);
	unsigned long limit = bytes >> PAGE_SHIFT;
	struct user_struct *u = current_user();
	unsigned long cur, new;

	if (capable(CAP_IPC_LOCK)) {
		*pages = 0;
		*user = get_uid(u);
		return 0;
	}
	if (!bytes)
		return -EPERM;
	cur = atomic_long_read(&u->locked_vm);
	do {
		if (check_add_overflow(cur, *pages, &new) || new > limit)
			return -ENOMEM;
	} while (!atomic_long_try_cmpxchg(&u->locked_vm, &cur, new));
	*user = get_uid(u);
	return 0;
}

/* Gives back a charge utrace_branch_charge() made, and its reference. */
void utrace_branch_uncharge(struct user_struct *user, unsigned long pages)
{
	atomic_long_sub(pages, &user->locked_vm);
	free_uid(user);
}

/* Whether @tracer is the current task's ptrace tracer. */
bool utrace_branch_traced_by(struct task_struct *tracer)
{
	bool traced;

	rcu_read_lock();
	traced = ptrace_parent(current) == tracer;
	rcu_read_unlock();
	return traced;
}
