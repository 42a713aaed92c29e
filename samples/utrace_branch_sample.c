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
 * stops, steps, state, switches, switches_missed.  Unloading it ends the
 * trace.
 */
#include <linux/err.h>
#include <linux/kernel.h>
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

static struct utrace_branch_trace *trace;
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
	taken = utrace_branch_trace_read(trace, got, min(n, TAKE_MAX), true);
	mutex_unlock(&lock);
	return 0;
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
	for (i = 0; i < taken && i < GOT_SHOWN; i++)
		len += sysfs_emit_at(buf, len, "%llx %llx\n",
				     (unsigned long long)got[i].from,
				     (unsigned long long)got[i].to);
	mutex_unlock(&lock);
	return len;
}

static const struct kernel_param_ops got_ops = {
	.get = got_get,
};
module_param_cb(got, &got_ops, NULL, 0444);
MODULE_PARM_DESC(got, "the records the last take took");

static int status_get(char *buf, const struct kernel_param *kp)
{
	struct utrace_branch_status s;

	mutex_lock(&lock);
	utrace_branch_trace_status(trace, &s);
	mutex_unlock(&lock);
	return sysfs_emit(buf, "%llu %llu %llu %llu %llu %llu %u %llu %llu\n",
			  s.records, s.held, s.branches, s.overwritten, s.stops,
			  s.steps, s.state, s.switches, s.switches_missed);
}

static const struct kernel_param_ops status_ops = {
	.get = status_get,
};
module_param_cb(status, &status_ops, NULL, 0444);
MODULE_PARM_DESC(status, "the trace's counters");

static int __init branch_sample_init(void)
{
	struct utrace_branch_attach how = { .flags = flags, .records = records };
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
	trace = utrace_branch_trace_start(task, &how);
	put_task_struct(task);
	if (IS_ERR(trace)) {
		kfree(got);
		return PTR_ERR(trace);
	}
	return 0;
}

static void __exit branch_sample_exit(void)
{
	utrace_branch_trace_end(trace);
	kfree(got);
}

module_init(branch_sample_init);
module_exit(branch_sample_exit);
MODULE_DESCRIPTION("the branch trace of a task, from kernel code");
MODULE_LICENSE("GPL");
