// SPDX-License-Identifier: GPL-2.0
/*
 * The C engine API of utrace-rs (include/linux/utrace.h): the exported
 * entry points.  Each one hands over to its Rust implementation in
 * capi/mod.rs (declared in <linux/utrace.h>), which works on the same
 * registry as the Rust engines; the *_pid() calls only add the pid
 * lookup.
 */

#include <linux/export.h>
#include <linux/elf.h>
#include <linux/err.h>
#include <linux/pid.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/utrace.h>

struct utrace_engine *utrace_attach_task(struct task_struct *task, int flags,
					 const struct utrace_engine_ops *ops,
					 void *data)
{
	return utrace_rs_attach_task(task, flags, ops, data);
}
EXPORT_SYMBOL_GPL(utrace_attach_task);

struct utrace_engine *utrace_attach_pid(struct pid *pid, int flags,
					const struct utrace_engine_ops *ops,
					void *data)
{
	struct task_struct *task = get_pid_task(pid, PIDTYPE_PID);
	struct utrace_engine *engine;

	if (!task)
		return ERR_PTR(-ESRCH);
	engine = utrace_rs_attach_task(task, flags, ops, data);
	put_task_struct(task);
	return engine;
}
EXPORT_SYMBOL_GPL(utrace_attach_pid);

/* @task is the engine's task, as in utrace; the engine knows it already. */
int utrace_set_events(struct task_struct *task, struct utrace_engine *engine,
		      unsigned long events)
{
	return utrace_rs_set_events(engine, events);
}
EXPORT_SYMBOL_GPL(utrace_set_events);

int utrace_control(struct task_struct *task, struct utrace_engine *engine,
		   enum utrace_resume_action action)
{
	return utrace_rs_control(engine, action);
}
EXPORT_SYMBOL_GPL(utrace_control);

int utrace_barrier(struct task_struct *task, struct utrace_engine *engine)
{
	return utrace_rs_barrier(engine);
}
EXPORT_SYMBOL_GPL(utrace_barrier);

/* @task is the engine's, as in utrace_set_events(). */
struct utrace_probe *utrace_probe(struct task_struct *task,
				  struct utrace_engine *engine,
				  struct file *file, loff_t offset,
				  unsigned int flags)
{
	return utrace_rs_probe(engine, file, offset, flags);
}
EXPORT_SYMBOL_GPL(utrace_probe);

void utrace_unprobe(struct utrace_probe *probe)
{
	utrace_rs_unprobe(probe);
}
EXPORT_SYMBOL_GPL(utrace_unprobe);

/*
 * utrace's examination of a stopped task.  @exam->state is kept for
 * utrace's layout and unused: the switch count says whether the task ran.
 */
int utrace_prepare_examine(struct task_struct *task,
			   struct utrace_engine *engine,
			   struct utrace_examiner *exam)
{
	exam->state = 0;
	return utrace_rs_prepare_examine(engine, &exam->ncsw);
}
EXPORT_SYMBOL_GPL(utrace_prepare_examine);

int utrace_finish_examine(struct task_struct *task,
			  struct utrace_engine *engine,
			  struct utrace_examiner *exam)
{
	return utrace_rs_finish_examine(engine, exam->ncsw);
}
EXPORT_SYMBOL_GPL(utrace_finish_examine);

/*
 * Reads (or, with @write, writes) the register set @note (an NT_* value of
 * PTRACE_GETREGSET, in its layout) of the task @engine holds stopped: at
 * most @size bytes read, exactly the set's size written.  Returns the
 * bytes, or -errno as utrace_prepare_examine(); -EINVAL for a set the
 * task's ABI lacks, -ENODATA for one it does not use now.  The
 * architecture checks written values as PTRACE_SETREGSET does.
 */
int utrace_examine_regset(struct utrace_engine *engine, unsigned int note,
			  void *buf, unsigned int size, bool write)
{
	return utrace_rs_examine_regset(engine, note, buf, size, write);
}
EXPORT_SYMBOL_GPL(utrace_examine_regset);

/* The general registers: utrace_examine_regset() of NT_PRSTATUS. */
int utrace_examine_regs(struct utrace_engine *engine, void *buf,
			unsigned int size, bool write)
{
	return utrace_rs_examine_regset(engine, NT_PRSTATUS, buf, size, write);
}
EXPORT_SYMBOL_GPL(utrace_examine_regs);

void *utrace_engine_data(struct utrace_engine *engine)
{
	return utrace_rs_engine_data(engine);
}
EXPORT_SYMBOL_GPL(utrace_engine_data);

void utrace_engine_get(struct utrace_engine *engine)
{
	utrace_rs_engine_get(engine);
}
EXPORT_SYMBOL_GPL(utrace_engine_get);

void utrace_engine_put(struct utrace_engine *engine)
{
	utrace_rs_engine_put(engine);
}
EXPORT_SYMBOL_GPL(utrace_engine_put);

/*
 * The *_pid calls: utrace's, for callers that keep a struct pid rather
 * than a task reference.  As in utrace, a pid that no longer has a task
 * is -ESRCH; the engine itself knows its task.
 */
static bool names_a_task(struct pid *pid)
{
	return pid && pid_has_task(pid, PIDTYPE_PID);
}

int utrace_set_events_pid(struct pid *pid, struct utrace_engine *engine,
			  unsigned long events)
{
	return names_a_task(pid) ? utrace_rs_set_events(engine, events) : -ESRCH;
}
EXPORT_SYMBOL_GPL(utrace_set_events_pid);

int utrace_control_pid(struct pid *pid, struct utrace_engine *engine,
		       enum utrace_resume_action action)
{
	return names_a_task(pid) ? utrace_rs_control(engine, action) : -ESRCH;
}
EXPORT_SYMBOL_GPL(utrace_control_pid);

int utrace_barrier_pid(struct pid *pid, struct utrace_engine *engine)
{
	return names_a_task(pid) ? utrace_rs_barrier(engine) : -ESRCH;
}
EXPORT_SYMBOL_GPL(utrace_barrier_pid);

/*
 * The branch trace (kernel/utrace/engines/branch/capi.rs).  A kernel
 * thread runs no user code to trace: refused here, as the devices refuse
 * it.
 */
struct utrace_branch_trace *
utrace_branch_trace_start(struct task_struct *task,
			  const struct utrace_branch_attach *how)
{
	if (task->flags & PF_KTHREAD)
		return ERR_PTR(-EPERM);
	return utrace_rs_branch_trace_start(task, how);
}
EXPORT_SYMBOL_GPL(utrace_branch_trace_start);

long utrace_branch_trace_read(struct utrace_branch_trace *trace,
			      struct utrace_branch *records, size_t count,
			      bool nonblock)
{
	return utrace_rs_branch_trace_read(trace, records, count, nonblock);
}
EXPORT_SYMBOL_GPL(utrace_branch_trace_read);

void utrace_branch_trace_status(struct utrace_branch_trace *trace,
				struct utrace_branch_status *status)
{
	utrace_rs_branch_trace_status(trace, status);
}
EXPORT_SYMBOL_GPL(utrace_branch_trace_status);

void utrace_branch_trace_stop(struct utrace_branch_trace *trace)
{
	utrace_rs_branch_trace_stop(trace);
}
EXPORT_SYMBOL_GPL(utrace_branch_trace_stop);

void utrace_branch_trace_end(struct utrace_branch_trace *trace)
{
	utrace_rs_branch_trace_end(trace);
}
EXPORT_SYMBOL_GPL(utrace_branch_trace_end);
