// SPDX-License-Identifier: GPL-2.0
/*
 * utrace_branch_sample - the branch trace from kernel code, through the C
 * API of utrace-rs (utrace_branch_trace_*() in include/linux/utrace.h).
 *
 * Loaded with pid=PID records=N flags=F, it starts a branch trace of task
 * PID with N records and the attach flags F of <linux/utrace_branch.h>;
 * the load fails with the start's error.  Writing N to its parameter
 * "take" takes up to N records (at most TAKE_MAX) without waiting, and
 * "taken" says how many it took, or the -errno; reading "got" gives them,
 * one "from to" line each, in hex (the first GOT_SHOWN), and reading
 * "status" the trace's counters: records, held, branches, overwritten,
 * stops, steps, state, switches, switches_missed.  With reader=1 a kernel
 * thread takes the records instead, waiting for them ("read_total" counts
 * them).  Unloading it stops the trace (which lets a waiting reader go),
 * stops the thread and ends the trace.  The parameters that touch the
 * trace work only while the module is live (-ENODEV before its init and
 * after its exit began), and show the task's addresses to root only.
 */
#include <linux/err.h>
#include <linux/kernel.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/pid.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/sysfs.h>
#include <linux/utrace.h>
#include <uapi/linux/utrace_branch.h>

#define TAKE_MAX	1024
/* What fits in a page of "got": 34 bytes a line at most. */
#define GOT_SHOWN	100

static int pid;
module_param(pid, int, 0444);
MODULE_PARM_DESC(pid, "the task to trace");
static unsigned long records = 1024;
module_param(records, ulong, 0444);
MODULE_PARM_DESC(records, "the buffer size, in records");
static unsigned int flags;
module_param(flags, uint, 0444);
MODULE_PARM_DESC(flags, "UTRACE_BRANCH_FLOW, _FROM_EXEC, _SCHED");
static long taken;
module_param(taken, long, 0444);
MODULE_PARM_DESC(taken, "records the last take took, or -errno");

static bool reader;
module_param(reader, bool, 0444);
MODULE_PARM_DESC(reader, "read the records in a kernel thread, waiting for them");
/* Written by the reader thread only. */
static long read_total;
module_param(read_total, long, 0444);
MODULE_PARM_DESC(read_total, "records the reader thread took");

static struct utrace_branch_trace *trace;
static struct task_struct *reader_thread;
/* Serialises the parameters' calls on the trace (one caller at a time). */
static DEFINE_MUTEX(lock);
static struct utrace_branch *got;

static int take_set(const char *val, const struct kernel_param *kp)
{
	unsigned int n;
	int ret = kstrtouint(val, 0, &n);

	if (ret)
		return ret;
	mutex_lock(&lock);
	if (trace)
		taken = utrace_branch_trace_read(trace, got, min(n, TAKE_MAX), true);
	else
		ret = -ENODEV;
	mutex_unlock(&lock);
	return ret;
}

static const struct kernel_param_ops take_ops = {
	.set = take_set,
};
module_param_cb(take, &take_ops, NULL, 0200);
MODULE_PARM_DESC(take, "take up to this many records now");

static int got_get(char *buf, const struct kernel_param *kp)
{
	int len = 0;
	long i;

	mutex_lock(&lock);
	for (i = 0; trace && i < taken && i < GOT_SHOWN; i++)
		len += sysfs_emit_at(buf, len, "%llx %llx\n",
				     (unsigned long long)got[i].from,
				     (unsigned long long)got[i].to);
	mutex_unlock(&lock);
	return len;
}

/* Read-only parameters: a value given at load is refused. */
static int refuse_set(const char *val, const struct kernel_param *kp)
{
	return -EPERM;
}

static const struct kernel_param_ops got_ops = {
	.set = refuse_set,
	.get = got_get,
};
module_param_cb(got, &got_ops, NULL, 0400);
MODULE_PARM_DESC(got, "the records the last take took");

static int status_get(char *buf, const struct kernel_param *kp)
{
	struct utrace_branch_status s;

	mutex_lock(&lock);
	if (!trace) {
		mutex_unlock(&lock);
		return -ENODEV;
	}
	utrace_branch_trace_status(trace, &s);
	mutex_unlock(&lock);
	return sysfs_emit(buf, "%llu %llu %llu %llu %llu %llu %u %llu %llu\n",
			  s.records, s.held, s.branches, s.overwritten, s.stops,
			  s.steps, s.state, s.switches, s.switches_missed);
}

static const struct kernel_param_ops status_ops = {
	.set = refuse_set,
	.get = status_get,
};
module_param_cb(status, &status_ops, NULL, 0400);
MODULE_PARM_DESC(status, "the trace's counters");

/*
 * The reader thread: takes records, waiting for them, until the trace
 * ends (the unload stops it first, which lets a waiting read go).
 */
static int reader_fn(void *data)
{
	static struct utrace_branch recs[64];
	struct utrace_branch_trace *t = data;
	long n;

	while ((n = utrace_branch_trace_read(t, recs, ARRAY_SIZE(recs), false)) > 0)
		WRITE_ONCE(read_total, read_total + n);
	while (!kthread_should_stop())
		schedule_timeout_interruptible(HZ / 10);
	return 0;
}

static int __init branch_sample_init(void)
{
	struct utrace_branch_attach how = { .flags = flags, .records = records };
	struct utrace_branch_trace *t;
	struct task_struct *task;
	struct pid *task_pid;

	got = kcalloc(TAKE_MAX, sizeof(*got), GFP_KERNEL);
	if (!got)
		return -ENOMEM;
	task_pid = find_get_pid(pid);
	task = get_pid_task(task_pid, PIDTYPE_PID);
	put_pid(task_pid);
	if (!task) {
		kfree(got);
		return -ESRCH;
	}
	t = utrace_branch_trace_start(task, &how);
	put_task_struct(task);
	if (IS_ERR(t)) {
		kfree(got);
		return PTR_ERR(t);
	}
	if (reader) {
		reader_thread = kthread_run(reader_fn, t, "branch_sample");
		if (IS_ERR(reader_thread)) {
			utrace_branch_trace_end(t);
			kfree(got);
			return PTR_ERR(reader_thread);
		}
	}
	/* Published once whole: the parameters see no half-made trace. */
	mutex_lock(&lock);
	trace = t;
	mutex_unlock(&lock);
	return 0;
}

static void __exit branch_sample_exit(void)
{
	struct utrace_branch_trace *t;

	mutex_lock(&lock);
	t = trace;
	trace = NULL;
	mutex_unlock(&lock);
	/* A read waiting in the thread returns; then the thread goes. */
	utrace_branch_trace_stop(t);
	if (reader_thread)
		kthread_stop(reader_thread);
	utrace_branch_trace_end(t);
	kfree(got);
}

module_init(branch_sample_init);
module_exit(branch_sample_exit);
MODULE_DESCRIPTION("the branch trace of a task, from kernel code");
MODULE_LICENSE("GPL");
