// SPDX-License-Identifier: GPL-2.0
/*
 * C helpers for engine-core: the inline functions and macros of the
 * syscall, task and wait-queue APIs, as functions Rust can call
 * (engine-core/task.rs declares them).  Each one wraps one kernel API.
 */

#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/cgroup.h>
#include <linux/compat.h>
#include <linux/dcache.h>
#ifdef CONFIG_GENERIC_ENTRY
/* syscall_ptrace_enter() and _exit(); arm64 declares its own in asm/syscall.h. */
#include <linux/entry-common.h>
#endif
#include <linux/fs.h>
#include <linux/path.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/preempt.h>
#include <linux/rcupdate.h>
#include <linux/seccomp.h>
#include <linux/sched.h>
#include <linux/ptrace.h>
#include <linux/ratelimit.h>
#include <linux/regset.h>
#include <linux/sched/coredump.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/sched/task_stack.h>
#include <linux/security.h>
#include <linux/slab.h>
#include <linux/task_work.h>
#include <linux/utrace.h>
#include <linux/wait.h>
#include <net/sock.h>
#include <asm/syscall.h>
#if defined(CONFIG_ARM64) && defined(CONFIG_COMPAT)
#include <asm/unistd_compat_32.h>
#endif

#include "helpers.h"

void utrace_helper_set_syscall_work(struct task_struct *task, bool entry,
				    bool exit)
{
	/* Locked bit operations only for a change. */
	if (entry != test_task_syscall_work(task, UTRACE)) {
		if (entry)
			set_task_syscall_work(task, UTRACE);
		else
			clear_task_syscall_work(task, UTRACE);
	}
	if (exit != test_task_syscall_work(task, UTRACE_EXIT)) {
		if (exit)
			set_task_syscall_work(task, UTRACE_EXIT);
		else
			clear_task_syscall_work(task, UTRACE_EXIT);
	}
}

/* Bit 0: SYSCALL_WORK_UTRACE; bit 1: SYSCALL_WORK_UTRACE_EXIT. */
unsigned int utrace_helper_syscall_work(struct task_struct *task)
{
	return test_task_syscall_work(task, UTRACE) |
	       test_task_syscall_work(task, UTRACE_EXIT) << 1;
}

/*
 * Bit 0: a kernel thread.  Bit 1: exiting or dead, or about to be (a fatal
 * signal pending, a group exit or exec under way: it will never stop or
 * return to user mode for its engines).  Bit 2: a user worker.
 */
unsigned int utrace_helper_task_flags(struct task_struct *task)
{
	unsigned int flags = READ_ONCE(task->flags);
	bool exiting = (flags & PF_EXITING) || READ_ONCE(task->exit_state) ||
		       fatal_signal_pending(task) ||
		       (READ_ONCE(task->signal->flags) & SIGNAL_GROUP_EXIT);

	return ((flags & PF_KTHREAD) ? 1 : 0) | (exiting ? 2 : 0) |
	       ((flags & PF_USER_WORKER) ? 4 : 0);
}

/*
 * Each registry has its own wait queue: its task sleeps there in a stop,
 * and utrace_barrier() callers wait there for a callback to return.  One
 * lock class for all of them.
 */
void utrace_helper_init_waitqueue(struct wait_queue_head *wq)
{
	static struct lock_class_key key;

	__init_waitqueue_head(wq, "utrace stop wait", &key);
}

/*
 * Sleeps on @wq until @done(@arg) holds; only SIGKILL ends the wait early.
 * A stop (@stop) is also freezable, so that suspend and cgroup freezing (v1
 * and v2) go on while an engine holds the task, and does not count in the
 * load average, like a ptrace stop.  @done takes the registry's spinlock to read
 * its state, after wait_event_state() set the task state.
 */
int utrace_helper_wait(struct wait_queue_head *wq, enum utrace_helper_sleep how,
		       bool (*done)(void *arg), void *arg)
{
	int ret;

	if (how == UTRACE_SLEEP_KILLABLE)
		return wait_event_killable(*wq, done(arg));
	/*
	 * A module's exit cannot fail: once it waits for a callback of its
	 * own to return, it must not leave before, or the callback runs on
	 * in freed module text (as flush_work() and synchronize_rcu() wait).
	 */
	if (how == UTRACE_SLEEP_UNINTERRUPTIBLE) {
		wait_event(*wq, done(arg));
		return 0;
	}
	/*
	 * A task parked by an engine counts as frozen for the cgroup v2
	 * freezer, as a ptrace stop does (ptrace_stop()): a group can finish
	 * freezing while an engine holds one of its tasks, and the freezer's
	 * trap (JOBCTL_TRAP_FREEZE) catches the task when the engine lets it
	 * go.  TASK_FREEZABLE does the same for suspend and the v1 freezer.
	 */
	cgroup_enter_frozen();
	ret = wait_event_state(*wq, done(arg),
			       TASK_KILLABLE | TASK_NOLOAD | TASK_FREEZABLE);
	cgroup_leave_frozen(true);
	return ret;
}

/*
 * The cgroup v2 freezer is freezing the current task (its trap is set): a
 * task waiting in a stop counts as frozen, so it must not leave its sleep
 * for work of its own until the thaw clears the trap and wakes it.
 */
bool utrace_helper_cgroup_freezing(void)
{
	return READ_ONCE(current->jobctl) & JOBCTL_TRAP_FREEZE;
}

/*
 * The two halves of receive_fd() around the descriptor's publication, for
 * an engine that installs a file in its own task in two steps (reserve,
 * then publish or give the number back under its lock): the security
 * modules' check of a received file, and a socket's cgroup data.
 */
int utrace_helper_file_receive_check(struct file *file)
{
	return security_file_receive(file);
}

void utrace_helper_receive_sock(struct file *file)
{
	__receive_sock(file);
}

void utrace_helper_wake_all(struct wait_queue_head *wq)
{
	wake_up_all(wq);
}

long utrace_helper_syscall_get_nr(struct pt_regs *regs)
{
	return syscall_get_nr(current, regs);
}

void utrace_helper_syscall_set_nr(struct pt_regs *regs, int nr)
{
#ifdef CONFIG_ARM64
	/*
	 * arm64's syscall_set_nr(-1) puts -ENOSYS in x0 for the skipped call
	 * to return, and x0 is also the first argument: a call an engine
	 * gives a number again gets its first argument back from orig_x0,
	 * which stays the first argument while the number is -1 (ptrace's
	 * regsets keep it so too).
	 */
	if (regs->syscallno == NO_SYSCALL && nr != NO_SYSCALL)
		syscall_rollback(current, regs);
#endif
	syscall_set_nr(current, regs, nr);
}

/*
 * Whether the current call takes 32-bit arguments, in the low halves of
 * its argument registers: an ia32 call on x86_64 (x32's are 64-bit), an
 * AArch32 task's on arm64.
 */
static bool syscall_args_are_32bit(void)
{
#if defined(CONFIG_IA32_EMULATION)
	return in_ia32_syscall();
#elif defined(CONFIG_ARM64) && defined(CONFIG_COMPAT)
	return is_compat_task();
#else
	return false;
#endif
}

/*
 * What call @nr of ABI @arch is, for an ABI utrace-rs has no syscall table
 * for (AArch32's on arm64): engines cannot read its number or arguments,
 * but must tell the calls that end the task (exit, exit_group: nothing
 * comes back) and those whose result is the registers they restore
 * (sigreturn, rt_sigreturn, restart_syscall) from the rest.  x32 (no test
 * kernel has it) is not classified: all its calls are "other".
 */
enum utrace_untabled_call utrace_helper_untabled_call(u32 arch, long nr)
{
#if defined(CONFIG_ARM64) && defined(CONFIG_COMPAT)
	if (arch == AUDIT_ARCH_ARM) {
		switch (nr) {
		case __NR_compat32_exit:
		case __NR_compat32_exit_group:
			return UTRACE_UNTABLED_EXIT;
		case __NR_compat32_sigreturn:
		case __NR_compat32_rt_sigreturn:
		case __NR_compat32_restart_syscall:
			return UTRACE_UNTABLED_SIGNAL_RETURN;
		}
	}
#endif
	return UTRACE_UNTABLED_OTHER;
}

void utrace_helper_syscall_get_arguments(struct pt_regs *regs,
					 unsigned long *args)
{
	int i;

	syscall_get_arguments(current, regs, args);
	/*
	 * A 32-bit call takes the low halves of its argument registers: the
	 * upper ones (what a 64-bit program doing int $0x80 left there) are
	 * not its arguments, and engines must not act on them.
	 */
	if (syscall_args_are_32bit())
		for (i = 0; i < 6; i++)
			args[i] = (u32)args[i];
}

/*
 * @at_exit: the call has run.  arm64's x0 is both the first argument and
 * the result: at exit the result stays in x0, and the first argument is
 * orig_x0 alone (what syscall_get_arguments() reads there).  An engine
 * that puts back an argument it changed at entry must not give the
 * program its first argument for a result.
 */
void utrace_helper_syscall_set_arguments(struct pt_regs *regs,
					 const unsigned long *args, bool at_exit)
{
	unsigned long words[6];
	int i;

	/*
	 * Engines see a 32-bit call's arguments as their low halves (above):
	 * they write those.  On x86_64 the upper halves a 64-bit caller of
	 * int $0x80 has in its registers (rbx and rbp are callee-saved) stay;
	 * an AArch32 task's are zero, and stay so: arm64's compat table runs
	 * many calls through their native handlers, which read whole x
	 * registers, and seccomp reads them whole too.
	 */
	if (syscall_args_are_32bit()) {
		syscall_get_arguments(current, regs, words);
		for (i = 0; i < 6; i++)
			words[i] = (IS_ENABLED(CONFIG_X86) ? words[i] & ~0xffffffffUL : 0) |
				   (u32)args[i];
		args = words;
	}
#ifdef CONFIG_ARM64
	/*
	 * Likewise for a call without a number, which will not run: x0 is
	 * the result it returns (-ENOSYS, or what a tracer or an engine
	 * set), orig_x0 its first argument (syscall_rollback() puts it back
	 * if an engine gives the call a number again).
	 */
	if (at_exit || regs->syscallno == NO_SYSCALL) {
		unsigned long result = regs->regs[0];

		syscall_set_arguments(current, regs, args);
		regs->regs[0] = result;
		return;
	}
#endif
	syscall_set_arguments(current, regs, args);
}

/*
 * Whether the current task's memory may be shown to those who trace it:
 * it is dumpable by its owner (TASK_DUMPABLE_OWNER).  ptrace refuses a
 * tracer the memory of any other task (ptracer_access_allowed()) unless
 * it has CAP_SYS_PTRACE in the task's user namespace; engines do not keep
 * their attacher's credentials, so they show none of it.
 */
bool utrace_helper_current_mm_dumpable(void)
{
	return task_exec_state_get_dumpable(current) == TASK_DUMPABLE_OWNER;
}

unsigned long utrace_helper_user_stack_pointer(struct pt_regs *regs)
{
	return user_stack_pointer(regs);
}

unsigned long utrace_helper_instruction_pointer(struct pt_regs *regs)
{
	return instruction_pointer(regs);
}

/* The AUDIT_ARCH_* value of the current task's syscall, as seccomp sees it. */
u32 utrace_helper_syscall_arch(void)
{
	return syscall_get_arch(current);
}

/*
 * Whether the current task's syscall is of the kernel's native ABI: not a
 * compat one, whose numbers and argument layouts differ (an ia32 call on
 * x86_64, and also an x32 one, which syscall_get_arch() reports as
 * AUDIT_ARCH_X86_64 with __X32_SYSCALL_BIT in the number).
 */
bool utrace_helper_syscall_is_native(void)
{
	return !in_compat_syscall();
}

/* The current task's user registers, as it will return to user mode. */
struct pt_regs *utrace_helper_current_regs(void)
{
	return current_pt_regs();
}

long utrace_helper_syscall_get_return_value(struct pt_regs *regs)
{
	return syscall_get_return_value(current, regs);
}

void utrace_helper_syscall_set_return_value(struct pt_regs *regs, long value)
{
	syscall_set_return_value(current, regs,
				 IS_ERR_VALUE(value) ? (int)value : 0, value);
}

struct task_struct *utrace_helper_get_task_by_vpid(pid_t pid)
{
	return find_get_task_by_vpid(pid);
}

bool utrace_helper_may_attach(struct task_struct *task)
{
	return ptrace_may_access(task, PTRACE_MODE_ATTACH_REALCREDS);
}

/* Holds off exec's credential change, as ptrace_attach() does. */
bool utrace_helper_lock_exec(struct task_struct *task)
{
	return mutex_lock_interruptible(&task->signal->cred_guard_mutex) == 0;
}

void utrace_helper_unlock_exec(struct task_struct *task)
{
	mutex_unlock(&task->signal->cred_guard_mutex);
}

pid_t utrace_helper_task_pid_vnr(struct task_struct *task)
{
	return task_pid_vnr(task);
}

/* fatal_signal_pending(), an inline function: the task is being killed. */
bool utrace_helper_fatal_signal_pending(struct task_struct *task)
{
	return fatal_signal_pending(task);
}

/*
 * ptrace's syscall stops, made by the engines' dispatcher at ptrace's place
 * in their order (the entry code skips its own calls for such tasks).
 * @work is the work word the entry code read (linux/utrace.h).  At entry,
 * seccomp's RET_TRACE stop follows (the dispatcher calls
 * seccomp_trace_stop()), where syscall_trace_enter() runs seccomp for a task
 * without engines.
 */
bool utrace_helper_ptrace_entry_stop(struct pt_regs *regs, unsigned long work)
{
	if (!(work & UTRACE_WORK_PTRACE_ENTRY))
		return false;
	return syscall_ptrace_enter(regs, work);
}

/* Whether the current task's tracer asked for seccomp's RET_TRACE stops. */
bool utrace_helper_ptrace_traces_seccomp(void)
{
	return ptrace_event_enabled(current, PTRACE_EVENT_SECCOMP);
}

void utrace_helper_ptrace_exit_stop(struct pt_regs *regs, unsigned long work)
{
	syscall_ptrace_exit(regs, work);
}

/*
 * ptrace's exec and exit stops, made by the engines' dispatcher at ptrace's
 * place in their order (exec.c and exit.c skip their own calls for such
 * tasks).  No-ops unless the tracer asked for @event.
 */
void utrace_helper_ptrace_event(int event, unsigned long msg)
{
	ptrace_event(event, msg);
}

/*
 * A ptrace event stop an engine asked for (Registry::stop_for_tracer), made
 * by the dispatcher between two callbacks.  Unlike ptrace_event(), no
 * option gates it: the tracer asked the engine for it.  None if current is
 * not traced or is dying (as ptrace_stop() would not stop then either).
 */
void utrace_helper_ptrace_notify(int event, unsigned long msg)
{
	if (current->ptrace && !fatal_signal_pending(current))
		ptrace_notify((event << 8) | SIGTRAP, msg);
}

/*
 * ptrace's vfork-done stop, made by the engines' dispatcher at ptrace's
 * place in their order (kernel_clone() skips its own call for such tasks):
 * the message is @child's pid in the tracer's namespace.
 */
void utrace_helper_ptrace_event_pid(int event, struct pid *child)
{
	ptrace_event_pid(event, child);
}

/*
 * An engine changed current's exit code from @orig to @code.  A group exit
 * (exit_group, a fatal signal) published @orig as the process's status
 * before do_exit(): publish @code instead, unless a thread did already.
 */
void utrace_helper_edit_group_exit_code(long orig, long code)
{
	struct signal_struct *signal = current->signal;

	spin_lock_irq(&current->sighand->siglock);
	if ((signal->flags & SIGNAL_GROUP_EXIT) &&
	    signal->group_exit_code == orig)
		signal->group_exit_code = code;
	spin_unlock_irq(&current->sighand->siglock);
}

/*
 * Whether the current task's thread group dumps core: set by the dumping
 * thread (under siglock) before it kills the others, so a thread that
 * exits because of it sees it.
 */
bool utrace_helper_core_dumping(void)
{
	return READ_ONCE(current->signal->core_state) != NULL;
}

/*
 * Whether the current task is exiting, or its thread group is being taken
 * down: it stops for no engine any more, as no new SIGKILL could end the
 * stop (complete_signal() drops those once SIGNAL_GROUP_EXIT is set).
 */
bool utrace_helper_current_exiting(void)
{
	return (current->flags & PF_EXITING) ||
	       (READ_ONCE(current->signal->flags) & SIGNAL_GROUP_EXIT) ||
	       READ_ONCE(current->signal->group_exec_task);
}

/* The UTRACE_EVENT_SIGNAL_* class of @signr: what current's sigaction does. */
static unsigned int utrace_signal_class(int signr)
{
	__sighandler_t handler = current->sighand->action[signr - 1].sa.sa_handler;

	if (handler == SIG_IGN ||
	    (handler == SIG_DFL && sig_kernel_ignore(signr)))
		return UTRACE_EVENT_SIGNAL_IGN;
	if (handler != SIG_DFL)
		return UTRACE_EVENT_SIGNAL;
	if (sig_kernel_stop(signr))
		return UTRACE_EVENT_SIGNAL_STOP;
	if (sig_kernel_coredump(signr))
		return UTRACE_EVENT_SIGNAL_CORE;
	return UTRACE_EVENT_SIGNAL_TERM;
}

/*
 * Whether two sigactions are the same, field by field (a struct copy need
 * not copy padding).
 */
static bool utrace_ka_equal(const struct k_sigaction *a,
			    const struct k_sigaction *b)
{
	return a->sa.sa_handler == b->sa.sa_handler &&
	       a->sa.sa_flags == b->sa.sa_flags &&
#ifdef __ARCH_HAS_SA_RESTORER
	       a->sa.sa_restorer == b->sa.sa_restorer &&
#endif
#ifdef __ARCH_HAS_KA_RESTORER
	       a->ka_restorer == b->ka_restorer &&
#endif
	       sigequalsets(&a->sa.sa_mask, &b->sa.sa_mask);
}

/*
 * Whether the engines' sigaction for @signr may be delivered with: no
 * handler for SIGKILL or SIGSTOP (C engines write it whole; the Rust side
 * refuses it), with a warning once.
 */
static bool utrace_ka_allowed(int signr, const struct k_sigaction *ka)
{
	return !WARN_ONCE(sig_kernel_only(signr) &&
			  ka->sa.sa_handler != SIG_DFL &&
			  ka->sa.sa_handler != SIG_IGN,
			  "utrace: an engine gave signal %d a handler\n", signr);
}

/*
 * Signals.  get_signal() calls this with siglock held, for a task with a
 * registry.  The engines run without it (as ptrace's signal stop does);
 * the Rust side (utrace_signal_report()) makes the tracer's stop at its
 * place among them through utrace_helper_ptrace_signal(), and returns the
 * signal to act on, with the disposition the engines chose in *@act,
 * or'd with UTRACE_SIGNAL_HOLD for a signal to put back.
 *
 * The engines see the task's sigaction for the signal in a copy taken
 * under siglock (@orig_ka: the task may change its own meanwhile), and
 * may change another copy, *@return_ka: if it differs at the end, the
 * signal is delivered with it (UTRACE_SIGNAL_RETURN_KA), and the task's
 * own sigaction is left as it is.
 */
int __utrace_report_signal(int signr, struct kernel_siginfo *info,
			   enum pid_type type, int *act,
			   struct k_sigaction *return_ka)
{
	struct sighand_struct *sighand = current->sighand;
	unsigned int class = utrace_signal_class(signr);
	struct k_sigaction orig_ka;

	*act = UTRACE_SIGNAL_DELIVER;
	if (!utrace_signal_wanted(class))
		return current->ptrace ? utrace_ptrace_signal(signr, info, type) :
					 signr;

	orig_ka = sighand->action[signr - 1];
	*return_ka = orig_ka;
	/*
	 * As ptrace_signal() does before its stop: whatever signal and
	 * disposition the engines choose, a stop may follow, which a
	 * SIGCONT sent meanwhile cancels by clearing this.
	 */
	current->jobctl |= JOBCTL_STOP_DEQUEUED;
	spin_unlock_irq(&sighand->siglock);
	signr = utrace_signal_report(signr, info, class, type, act, &orig_ka,
				     return_ka);
	spin_lock_irq(&sighand->siglock);

	if (signr && (*act & UTRACE_SIGNAL_HOLD)) {
		/* Back in the queue: get_signal() finds it again. */
		send_signal_locked(signr, info, current, type);
		signr = 0;
	}
	*act &= UTRACE_SIGNAL_MASK;
	if (signr && !utrace_ka_equal(return_ka, &orig_ka) &&
	    utrace_ka_allowed(signr, return_ka))
		*act |= UTRACE_SIGNAL_RETURN_KA;
	return signr;
}

/*
 * The report with no signal a quiesce report left for the current task's
 * next signal check (siglock held, dropped while the engines run; see
 * utrace_made_up_signal()).  A signal made up is delivered as dequeued
 * signals are: a stop is marked before the engines run, as
 * __utrace_report_signal() does.  @orig_ka is the task's sigaction for
 * the signal made up, as it was then: if the engines left *@return_ka
 * equal to it, the task's sigaction as it is now is used (its
 * SA_RESETHAND applies, and a change the task made meanwhile counts).
 */
int __utrace_made_up_signal(struct kernel_siginfo *info, int *act,
			    struct k_sigaction *return_ka)
{
	struct sighand_struct *sighand = current->sighand;
	struct k_sigaction orig_ka;
	int signr;

	if (!__utrace_signal_report_pending())
		return 0;
	clear_siginfo(info);
	memset(return_ka, 0, sizeof(*return_ka));
	memset(&orig_ka, 0, sizeof(orig_ka));
	*act = UTRACE_SIGNAL_DELIVER;
	current->jobctl |= JOBCTL_STOP_DEQUEUED;
	spin_unlock_irq(&sighand->siglock);
	signr = utrace_made_up_report(info, act, &orig_ka, return_ka);
	spin_lock_irq(&sighand->siglock);

	if (!signr) {
		*act = UTRACE_SIGNAL_DELIVER;
		return 0;
	}
	*act = (*act & UTRACE_SIGNAL_MASK) | UTRACE_SIGNAL_MADE_UP;
	if (!utrace_ka_equal(return_ka, &orig_ka) &&
	    utrace_ka_allowed(signr, return_ka))
		*act |= UTRACE_SIGNAL_RETURN_KA;
	return signr;
}

/*
 * A made-up report's engine makes up @signr (1.._NSIG) with @code: its
 * siginfo in *@info, the task's sigaction for it in *@orig_ka and
 * *@return_ka (read under siglock).  Returns its UTRACE_EVENT_SIGNAL_*
 * class.
 */
unsigned int utrace_helper_make_up_signal(struct kernel_siginfo *info,
					  struct k_sigaction *orig_ka,
					  struct k_sigaction *return_ka,
					  int signr, int code)
{
	unsigned int class;

	clear_siginfo(info);
	info->si_signo = signr;
	info->si_code = code;
	class = utrace_helper_signal_class(signr, orig_ka);
	*return_ka = *orig_ka;
	return class;
}

/*
 * The class of @signr, which an engine made up, and the task's sigaction
 * for it in *@orig_ka (no lock held).
 */
unsigned int utrace_helper_signal_class(int signr, struct k_sigaction *orig_ka)
{
	struct sighand_struct *sighand = current->sighand;
	unsigned int class;

	spin_lock_irq(&sighand->siglock);
	class = utrace_signal_class(signr);
	*orig_ka = sighand->action[signr - 1];
	spin_unlock_irq(&sighand->siglock);
	return class;
}

/* The handler of @ka: SIG_DFL (0), SIG_IGN (1) or a user address. */
unsigned long utrace_helper_ka_handler(const struct k_sigaction *ka)
{
	return (unsigned long)ka->sa.sa_handler;
}

/*
 * Sets the handler of @ka, signal @signr's, for one delivery: SIG_DFL,
 * SIG_IGN, or an address in the current task's user space.  -EINVAL for
 * an address out of it, for SIGKILL and SIGSTOP, and, on x86-64, for a
 * native (64-bit) sigaction without SA_RESTORER, with which the frame
 * cannot be built (the task never gave this signal a handler); ia32 and
 * other architectures fall back to the vDSO's trampoline.
 */
int utrace_helper_ka_set_handler(struct k_sigaction *ka, int signr,
				 unsigned long handler)
{
	if (handler > (unsigned long)SIG_IGN) {
		if (handler >= TASK_SIZE || sig_kernel_only(signr))
			return -EINVAL;
#ifdef CONFIG_X86_64
		if (!(ka->sa.sa_flags & (SA_RESTORER | SA_IA32_ABI | SA_X32_ABI)))
			return -EINVAL;
#endif
	}
	ka->sa.sa_handler = (__sighandler_t)handler;
	return 0;
}

/* Clears a made-up signal's siginfo: no signal. */
void utrace_helper_clear_siginfo(struct kernel_siginfo *info)
{
	clear_siginfo(info);
}

/*
 * A quiesce report left a report with no signal for the task's next
 * signal check, and the task is on its way back to user mode (the kick's
 * task work): make sure it goes through get_signal() first, as for a
 * pending signal (TIF_SIGPENDING: TIF_NOTIFY_SIGNAL alone is cleared by
 * io_uring's task-work runs).  Under siglock, as recalc_sigpending()
 * clears it.
 */
void utrace_helper_force_sigpending(void)
{
	struct sighand_struct *sighand = current->sighand;

	spin_lock_irq(&sighand->siglock);
	set_thread_flag(TIF_SIGPENDING);
	spin_unlock_irq(&sighand->siglock);
}

/*
 * The tracer's signal-delivery stop, if current is traced (no lock held).
 * Returns the signal the tracer lets through (0: none) and, in *@class,
 * its UTRACE_EVENT_SIGNAL_* class, or 0 if no engine may see it any more
 * (SIGKILL, or an immutable action).
 */
int utrace_helper_ptrace_signal(int signr, struct kernel_siginfo *info,
				int type, unsigned int *class,
				struct k_sigaction *orig_ka,
				struct k_sigaction *return_ka)
{
	struct sighand_struct *sighand = current->sighand;
	int before = signr;

	spin_lock_irq(&sighand->siglock);
	if (current->ptrace)
		signr = utrace_ptrace_signal(signr, info, (enum pid_type)type);
	*class = 0;
	if (signr && signr != SIGKILL &&
	    !(sighand->action[signr - 1].sa.sa_flags & SA_IMMUTABLE))
		*class = utrace_signal_class(signr);
	/* Another signal: the engines after the tracer start from its own. */
	if (signr && signr != before) {
		*orig_ka = sighand->action[signr - 1];
		*return_ka = *orig_ka;
	}
	spin_unlock_irq(&sighand->siglock);
	return signr;
}

int utrace_helper_siginfo_signo(const struct kernel_siginfo *info)
{
	return info->si_signo;
}

int utrace_helper_siginfo_code(const struct kernel_siginfo *info)
{
	return info->si_code;
}

int utrace_helper_siginfo_errno(const struct kernel_siginfo *info)
{
	return info->si_errno;
}

void utrace_helper_siginfo_set(struct kernel_siginfo *info, int code, int errno_val)
{
	info->si_code = code;
	info->si_errno = errno_val;
}

/*
 * A C engine may edit the siginfo of the signal reported, but not its
 * number: the kernel finds a queued signal (a held one is queued again),
 * and names the one a core dump is for, by si_signo.
 */
void utrace_helper_siginfo_keep_signo(struct kernel_siginfo *info, int signo)
{
	if (info->si_signo != signo) {
		pr_warn_once("utrace: an engine changed si_signo %d to %d; put back\n",
			     signo, info->si_signo);
		info->si_signo = signo;
	}
}

/*
 * Quiesce: utrace_helper_kick() makes @task run the engines' quiesce
 * report at its next safe point (the next return to user mode, or the
 * next look at its signals), through task_work.  @interrupt also breaks an
 * interruptible sleep, as a signal would, and the syscall restarts.  @work
 * is embedded in the task's registry, which says when it is free to be
 * queued; no allocation, so a stop never fails for memory.
 */
static void utrace_kick_work(struct callback_head *work)
{
	utrace_quiesce_report(work);
}

int utrace_helper_kick(struct task_struct *task, struct callback_head *work,
		       bool interrupt)
{
	init_task_work(work, utrace_kick_work);
	return task_work_add(task, work, interrupt ? TWA_SIGNAL : TWA_RESUME);
}

/*
 * The queued kick was queued to wait for the return to user mode, and a
 * request needs it to break a sleep: what task_work_add(TWA_SIGNAL) does.
 */
void utrace_helper_interrupt(struct task_struct *task)
{
	set_notify_signal(task);
}

/*
 * Whether the current task is still set to step: the kernel turns a step
 * off by itself to enter a signal handler (x86's handle_signal()), and a
 * tracer's resume or detach sets or clears it too.
 */
bool utrace_helper_step_armed(void)
{
	return utrace_helper_step_of(current) != 0;
}

/*
 * The step @task is set to take: 0 none, 1 single, 2 block.  For the
 * current task, or for a tracee its tracer froze in a ptrace stop.
 */
int utrace_helper_step_of(struct task_struct *task)
{
#if defined(TIF_SINGLESTEP)
	if (!test_tsk_thread_flag(task, TIF_SINGLESTEP))
		return 0;
#elif defined(TIF_SINGLE_STEP)
	if (!test_tsk_thread_flag(task, TIF_SINGLE_STEP))
		return 0;
#else
	if (!arch_has_single_step())
		return 0;
#endif
#if defined(TIF_BLOCKSTEP)
	if (test_tsk_thread_flag(task, TIF_BLOCKSTEP))
		return 2;
#endif
	return 1;
}

/*
 * Whether @addr lies in a module being unloaded (its exit runs): the C
 * API's barrier on one of its engines then waits uninterruptibly, since
 * the exit cannot fail and must not free a running callback's code.
 */
bool utrace_helper_module_going(const void *addr)
{
	struct module *mod;

	guard(rcu)();
	mod = __module_address((unsigned long)addr);
	return mod && mod->state == MODULE_STATE_GOING;
}

/*
 * Whether the current task's tracer asked for the step it takes: its traps
 * are then the tracer's (PT_TRACER_STEP, set by ptrace_resume()).
 */
bool utrace_helper_tracer_steps(void)
{
	return READ_ONCE(current->ptrace) & PT_TRACER_STEP;
}

/* Stepping, by the current task leaving a stop: 0 off, 1 single, 2 block. */
void utrace_helper_set_step(int how)
{
	utrace_helper_set_step_of(current, how);
}

/*
 * Stepping of @task: the current task, or a tracee its tracer froze in a
 * ptrace stop (as ptrace_resume() sets it).  May sleep (x86 reads the
 * instruction at the task's IP).
 */
void utrace_helper_set_step_of(struct task_struct *task, int how)
{
	if (how == 2)
		user_enable_block_step(task);
	else if (how == 1)
		user_enable_single_step(task);
	else
		user_disable_single_step(task);
}

/* Bit 0: single-step is supported.  Bit 1: block-step is. */
unsigned int utrace_helper_step_support(void)
{
	return (arch_has_single_step() ? 1 : 0) |
	       (arch_has_block_step() ? 2 : 0);
}

/*
 * Whether the VM engine may print its warning about a followed child it
 * could not put in the VM now: printk's default rate limit (10 in 5 s),
 * since any user can make children fail that way (its file's engines all
 * in use).
 */
bool utrace_helper_vm_follow_warn_ratelimit(void)
{
	static DEFINE_RATELIMIT_STATE(rs, DEFAULT_RATELIMIT_INTERVAL,
				      DEFAULT_RATELIMIT_BURST);

	return __ratelimit(&rs);
}

/*
 * Kills @child, a task its parent's clone report is about, before it
 * first runs: a SIGKILL pending from its creation, which it takes on its
 * way to user mode (ret_from_fork), so it never runs a user instruction.
 * The VM engine does this to a child it cannot put in the VM.
 */
void utrace_helper_kill_new_child(struct task_struct *child)
{
	send_sig(SIGKILL, child, 1);
}

/*
 * What the current task's death will tell its parent, as exit_notify()
 * decides it (report_death()'s @signal): a tracer gets SIGCHLD unless it
 * is the parent of a task whose group ends; an untraced thread other than
 * the leader reaps itself; a leader whose threads live tells its parent
 * when the last one dies; else the parent gets the exit signal.  Read
 * under tasklist_lock, which exit_notify() takes to decide; the decision
 * can still change before it does.
 */
int utrace_helper_death_signal(void)
{
	struct task_struct *tsk = current;
	int sig;

	read_lock(&tasklist_lock);
	if (tsk->ptrace)
		sig = thread_group_empty(tsk) && !ptrace_reparented(tsk) ?
		      tsk->exit_signal : SIGCHLD;
	else if (!thread_group_leader(tsk))
		sig = UTRACE_DEATH_REAP;
	else if (!thread_group_empty(tsk))
		sig = UTRACE_DEATH_DELAYED_GROUP_LEADER;
	else
		sig = tsk->exit_signal;
	read_unlock(&tasklist_lock);
	return sig;
}

/*
 * Examining a task an engine holds stopped, from another task
 * (engine-core/examine.rs, utrace_prepare_examine()).
 */

/*
 * Waits until @task, parked in an engine's stop, is off its CPU; returns
 * its switch count (the same count later: it did not run meanwhile), or 0
 * if it left the stop's sleep.  The stop sleeps TASK_UNINTERRUPTIBLE (with
 * WAKEKILL, NOLOAD and FREEZABLE); a frozen task is in TASK_FROZEN, which
 * matches too, as in ptrace_check_attach().
 */
unsigned long utrace_helper_wait_inactive(struct task_struct *task)
{
	return wait_task_inactive(task, TASK_UNINTERRUPTIBLE | TASK_FROZEN);
}

/*
 * A task's register sets, by the ELF note type that names them in a core
 * dump and in PTRACE_GETREGSET (NT_PRSTATUS: the general registers, the
 * first regset of every view; NT_PRFPREG: the floating-point ones...),
 * in the task's own view (a compat task's is its ABI's).  Their get and
 * set may sleep (x86 looks a segment base up under the mm's LDT mutex),
 * so engine-core calls them with the task pinned in its stop and off its
 * CPU, not under its spinlock (registry/examine.rs): the FPU state of a
 * task off its CPU is in its fpstate, where the regsets read and write it.
 */
static const struct user_regset *utrace_regset(struct task_struct *task,
					       unsigned int note)
{
	const struct user_regset_view *view = task_user_regset_view(task);
	unsigned int i;

	for (i = 0; i < view->n; i++)
		if (view->regsets[i].core_note_type == note)
			return &view->regsets[i];
	return NULL;
}

/* The size of regset @note, or -EINVAL if the task's view has none. */
int utrace_helper_regset_size(struct task_struct *task, unsigned int note)
{
	const struct user_regset *regset = utrace_regset(task, note);

	return regset ? regset->n * regset->size : -EINVAL;
}

/* Returns the bytes read (@size, cut to the regset's size), or -errno. */
int utrace_helper_regset_get(struct task_struct *task, unsigned int note,
			     void *buf, unsigned int size)
{
	const struct user_regset *regset = utrace_regset(task, note);

	if (!regset)
		return -EINVAL;
	if (regset->active && regset->active(task, regset) <= 0)
		return -ENODATA;
	return regset_get(task, regset, size, buf);
}

/* @size must be the regset's size: the whole set is written at once. */
int utrace_helper_regset_set(struct task_struct *task, unsigned int note,
			     const void *buf, unsigned int size)
{
	const struct user_regset *regset = utrace_regset(task, note);

	if (!regset)
		return -EINVAL;
	if (!regset->set)
		return -EOPNOTSUPP;
	if (size != regset->n * regset->size)
		return -EINVAL;
	return regset->set(task, regset, 0, size, buf, NULL);
}

/*
 * Reads or writes @task's memory as ptrace's PEEKDATA and POKEDATA do
 * (FOLL_FORCE: a breakpoint can be written into read-only text).  Engines
 * keep no attacher's credentials, so memory that ptrace would hide from a
 * tracer without CAP_SYS_PTRACE (an undumpable task) is refused: -EPERM.
 * Returns the bytes done, -EFAULT if none, -ESRCH if the task has no mm.
 */
int utrace_helper_access_vm(struct task_struct *task, unsigned long addr,
			    void *buf, int len, bool write)
{
	unsigned int flags = FOLL_FORCE | (write ? FOLL_WRITE : 0);
	struct mm_struct *mm;
	int ret;

	/*
	 * The mm first, as ptrace_access_vm(): an exec swaps the mm and the
	 * dumpability together, so a check after sees an exec's new state
	 * (undumpable until it is known readable) with the old mm at worst.
	 */
	mm = get_task_mm(task);
	if (!mm)
		return -ESRCH;
	if (task_exec_state_get_dumpable(task) != TASK_DUMPABLE_OWNER) {
		mmput(mm);
		return -EPERM;
	}
	ret = access_remote_vm(mm, addr, buf, len, flags);
	mmput(mm);
	return ret > 0 || !len ? ret : -EFAULT;
}

/*
 * Breakpoint events (engine-core/probe.rs): a probe's file must be open
 * for reading, as for read(2).
 */
bool utrace_helper_file_readable(struct file *file)
{
	return file->f_mode & FMODE_READ;
}

/*
 * The inode a probe of @file names: the real one under an overlay, which
 * is the one the file's mappings have (as uprobe_events takes it).
 */
struct inode *utrace_helper_probe_inode(struct file *file)
{
	return d_real_inode(file->f_path.dentry);
}

/*
 * Holds @file's path in @path for a probe's life: the uprobes core takes
 * no reference, and wants the inode and its mount kept (a mount whose
 * file is probed stays busy).  Returns the probe's inode.
 */
struct inode *utrace_helper_probe_hold(struct file *file, struct path *path)
{
	*path = file->f_path;
	path_get(path);
	return d_real_inode(path->dentry);
}

void utrace_helper_probe_release(struct path *path)
{
	path_put(path);
}

/*
 * Whether the caller may have a probe made for it from user space: as
 * perf's uprobes, CAP_PERFMON (or CAP_SYS_ADMIN).  A registration
 * write-locks every mm that maps the file and blocks fork system-wide
 * while it reads the instruction.
 */
bool utrace_helper_may_probe(void)
{
	return perfmon_capable();
}

/*
 * Whether the current syscall is one the uprobes core makes for itself
 * (the return trampoline's uretprobe(), an optimized probe's uprobe()):
 * not the program's, so engines neither see nor abort it, as seccomp lets
 * it through (seccomp_uprobe_exception()).
 */
bool utrace_helper_uprobes_syscall(struct pt_regs *regs)
{
	long nr;

	if (in_compat_syscall())
		return false;
	nr = syscall_get_nr(current, regs);
#ifdef __NR_uretprobe
	if (nr == __NR_uretprobe)
		return true;
#endif
#ifdef __NR_uprobe
	if (nr == __NR_uprobe)
		return true;
#endif
	return false;
}

/*
 * Whether @mm is @task's address space: the uprobe filter's question.  A
 * plain read, compared and never dereferenced, as trace_uprobe's filter
 * does: a task in exec or exit answers for its old or new mm, and the
 * handler, in the task itself, decides for sure.
 */
bool utrace_helper_task_mm_is(struct task_struct *task, struct mm_struct *mm)
{
	return READ_ONCE(task->mm) == mm;
}

/*
 * Whether @regs are a 64-bit task's, whose calls follow the calling
 * convention utrace_arg_reg() knows (x86-64's SysV, or AArch64's).
 */
bool utrace_helper_user_64bit(struct pt_regs *regs)
{
#ifdef CONFIG_X86_64
	return user_64bit_mode(regs);
#else
	return !compat_user_mode(regs);
#endif
}

/*
 * The register of the calling convention's integer argument @n (0..5) in
 * @regs, or NULL: x86-64's SysV (rdi, rsi, rdx, rcx, r8, r9), or AArch64's
 * (x0 to x5).
 */
static unsigned long *utrace_arg_reg(struct pt_regs *regs, unsigned int n)
{
#ifdef CONFIG_X86_64
	switch (n) {
	case 0:
		return &regs->di;
	case 1:
		return &regs->si;
	case 2:
		return &regs->dx;
	case 3:
		return &regs->cx;
	case 4:
		return &regs->r8;
	case 5:
		return &regs->r9;
	}
	return NULL;
#else
	return n < 6 ? (unsigned long *)&regs->regs[n] : NULL;
#endif
}

unsigned long utrace_helper_regs_arg(struct pt_regs *regs, unsigned int n)
{
	unsigned long *reg = utrace_arg_reg(regs, n);

	return reg ? *reg : 0;
}

void utrace_helper_regs_set_arg(struct pt_regs *regs, unsigned int n,
				unsigned long value)
{
	unsigned long *reg = utrace_arg_reg(regs, n);

	if (reg)
		*reg = value;
}

unsigned long utrace_helper_regs_return_value(struct pt_regs *regs)
{
	return regs_return_value(regs);
}

void utrace_helper_regs_set_return_value(struct pt_regs *regs,
					 unsigned long value)
{
	regs_set_return_value(regs, value);
}

/*
 * A task's switch log (engine-core/switches.rs): registers @n, calling
 * @ops, on the current task, for good (the log lives until the task is
 * freed).  Preemption is off around it, as KVM has it: the scheduler
 * walks the task's notifier list at each of its switches.
 */
void utrace_helper_watch_switches(struct preempt_notifier *n,
				  struct preempt_ops *ops)
{
	preempt_notifier_init(n, ops);
	preempt_disable();
	preempt_notifier_register(n);
	preempt_enable();
}

/* The notifier calling @ops on @task's list (the current task's, or one in free_task()). */
struct preempt_notifier *utrace_helper_find_switch_notifier(struct task_struct *task,
							    struct preempt_ops *ops)
{
	struct preempt_notifier *n;

	hlist_for_each_entry(n, &task->preempt_notifiers, link)
		if (n->ops == ops)
			return n;
	return NULL;
}
