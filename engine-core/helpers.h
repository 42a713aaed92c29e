/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The C helpers of engine-core (helpers.c).  The Rust bindings include
 * this header (patch 0019), so that Rust calls them through prototypes
 * the build checks (bindings::utrace_helper_*).
 */
#ifndef UTRACE_ENGINE_CORE_HELPERS_H
#define UTRACE_ENGINE_CORE_HELPERS_H

#include <linux/types.h>
/* seccomp_trace_stop(), which the dispatcher calls itself. */
#include <linux/seccomp.h>

struct callback_head;
struct file;
struct k_sigaction;
struct kernel_siginfo;
struct pid;
struct preempt_notifier;
struct preempt_ops;
struct pt_regs;
struct task_struct;
struct wait_queue_head;

void utrace_helper_set_syscall_work(struct task_struct *task, bool entry,
				    bool exit);
unsigned int utrace_helper_syscall_work(struct task_struct *task);
unsigned int utrace_helper_task_flags(struct task_struct *task);
void utrace_helper_init_waitqueue(struct wait_queue_head *wq);
/* How utrace_helper_wait() sleeps. */
enum utrace_helper_sleep {
	UTRACE_SLEEP_KILLABLE,		/* a barrier: SIGKILL ends it */
	UTRACE_SLEEP_STOP,		/* a stop: killable, freezable, no load */
	UTRACE_SLEEP_UNINTERRUPTIBLE,	/* a barrier a module's exit waits in */
};

int utrace_helper_wait(struct wait_queue_head *wq, enum utrace_helper_sleep how,
		       bool (*done)(void *arg), void *arg);
bool utrace_helper_cgroup_freezing(void);
int utrace_helper_file_receive_check(struct file *file);
void utrace_helper_receive_sock(struct file *file);
void utrace_helper_wake_all(struct wait_queue_head *wq);
long utrace_helper_syscall_get_nr(struct pt_regs *regs);
/* What a call of an ABI without a table is (utrace_helper_untabled_call()). */
enum utrace_untabled_call {
	UTRACE_UNTABLED_OTHER,		/* its number cannot be read here */
	UTRACE_UNTABLED_EXIT,		/* exit, exit_group */
	UTRACE_UNTABLED_SIGNAL_RETURN,	/* sigreturn, rt_sigreturn, restart_syscall */
};

enum utrace_untabled_call utrace_helper_untabled_call(u32 arch, long nr);
void utrace_helper_syscall_set_nr(struct pt_regs *regs, int nr);
void utrace_helper_syscall_get_arguments(struct pt_regs *regs,
					 unsigned long *args);
void utrace_helper_syscall_set_arguments(struct pt_regs *regs,
					 const unsigned long *args, bool at_exit);
unsigned long utrace_helper_user_stack_pointer(struct pt_regs *regs);
unsigned long utrace_helper_instruction_pointer(struct pt_regs *regs);
u32 utrace_helper_syscall_arch(void);
bool utrace_helper_syscall_is_native(void);
struct pt_regs *utrace_helper_current_regs(void);
bool utrace_helper_current_mm_dumpable(void);
long utrace_helper_syscall_get_return_value(struct pt_regs *regs);
void utrace_helper_syscall_set_return_value(struct pt_regs *regs, long value);
struct task_struct *utrace_helper_get_task_by_vpid(pid_t pid);
bool utrace_helper_may_attach(struct task_struct *task);
bool utrace_helper_lock_exec(struct task_struct *task);
void utrace_helper_unlock_exec(struct task_struct *task);
pid_t utrace_helper_task_pid_vnr(struct task_struct *task);
bool utrace_helper_fatal_signal_pending(struct task_struct *task);
bool utrace_helper_ptrace_entry_stop(struct pt_regs *regs, unsigned long work);
bool utrace_helper_ptrace_traces_seccomp(void);
void utrace_helper_ptrace_exit_stop(struct pt_regs *regs, unsigned long work);
void utrace_helper_ptrace_event(int event, unsigned long msg);
void utrace_helper_ptrace_notify(int event, unsigned long msg);
void utrace_helper_ptrace_event_pid(int event, struct pid *child);
void utrace_helper_edit_group_exit_code(long orig, long code);
bool utrace_helper_current_exiting(void);
bool utrace_helper_core_dumping(void);
int utrace_helper_ptrace_signal(int signr, struct kernel_siginfo *info,
				int type, unsigned int *class,
				struct k_sigaction *orig_ka,
				struct k_sigaction *return_ka);
unsigned int utrace_helper_make_up_signal(struct kernel_siginfo *info,
					  struct k_sigaction *orig_ka,
					  struct k_sigaction *return_ka,
					  int signr, int code);
unsigned int utrace_helper_signal_class(int signr, struct k_sigaction *orig_ka);
unsigned long utrace_helper_ka_handler(const struct k_sigaction *ka);
int utrace_helper_ka_set_handler(struct k_sigaction *ka, int signr,
				 unsigned long handler);
void utrace_helper_clear_siginfo(struct kernel_siginfo *info);
void utrace_helper_force_sigpending(void);
int utrace_helper_siginfo_signo(const struct kernel_siginfo *info);
int utrace_helper_siginfo_code(const struct kernel_siginfo *info);
int utrace_helper_siginfo_errno(const struct kernel_siginfo *info);
void utrace_helper_siginfo_set(struct kernel_siginfo *info, int code, int errno_val);
void utrace_helper_siginfo_keep_signo(struct kernel_siginfo *info, int signo);
int utrace_helper_kick(struct task_struct *task, struct callback_head *work,
		       bool interrupt);
void utrace_helper_interrupt(struct task_struct *task);
void utrace_helper_set_step(int how);
void utrace_helper_set_step_of(struct task_struct *task, int how);
int utrace_helper_step_of(struct task_struct *task);
bool utrace_helper_step_armed(void);
bool utrace_helper_tracer_steps(void);
bool utrace_helper_module_going(const void *addr);
unsigned int utrace_helper_step_support(void);
bool utrace_helper_vm_follow_warn_ratelimit(void);
void utrace_helper_kill_new_child(struct task_struct *child);
int utrace_helper_death_signal(void);
/* Examining a task an engine holds stopped (engine-core/examine.rs). */
unsigned long utrace_helper_wait_inactive(struct task_struct *task);
int utrace_helper_regset_size(struct task_struct *task, unsigned int note);
int utrace_helper_regset_get(struct task_struct *task, unsigned int note,
			     void *buf, unsigned int size);
int utrace_helper_regset_set(struct task_struct *task, unsigned int note,
			     const void *buf, unsigned int size);
int utrace_helper_access_vm(struct task_struct *task, unsigned long addr,
			    void *buf, int len, bool write);

/* Breakpoint events (engine-core/probe.rs). */
bool utrace_helper_file_readable(struct file *file);
struct inode *utrace_helper_probe_inode(struct file *file);
struct inode *utrace_helper_probe_hold(struct file *file, struct path *path);
void utrace_helper_probe_release(struct path *path);
bool utrace_helper_may_probe(void);
bool utrace_helper_uprobes_syscall(struct pt_regs *regs);
bool utrace_helper_task_mm_is(struct task_struct *task, struct mm_struct *mm);
bool utrace_helper_user_64bit(struct pt_regs *regs);
unsigned long utrace_helper_regs_arg(struct pt_regs *regs, unsigned int n);
void utrace_helper_regs_set_arg(struct pt_regs *regs, unsigned int n,
				unsigned long value);
unsigned long utrace_helper_regs_return_value(struct pt_regs *regs);
void utrace_helper_regs_set_return_value(struct pt_regs *regs,
					 unsigned long value);

void utrace_helper_watch_switches(struct preempt_notifier *n,
				  struct preempt_ops *ops);

struct preempt_notifier *utrace_helper_find_switch_notifier(struct task_struct *task,
							    struct preempt_ops *ops);

#endif /* UTRACE_ENGINE_CORE_HELPERS_H */
