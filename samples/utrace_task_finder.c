// SPDX-License-Identifier: GPL-2.0
/*
 * utrace_task_finder - the logic of systemtap's task finder (systemtap's
 * runtime/task_finder.c of 2008-2011, the main production user of utrace),
 * ported to the C engine API of utrace-rs (include/linux/utrace.h).
 *
 * Loaded with path=EXE, it finds the tasks that run the executable EXE
 * (an absolute path, compared with the path of the task's executable
 * file, as /proc/PID/exe shows it); with pid=PID, it follows only the
 * process PID and its descendants (systemtap's "stap -x PID"), and
 * without path= it finds every task of those.  It counts, in read-only
 * parameters, what the original told its clients:
 *  - found:	tasks found (at the registration scan, when a found task
 *		clones, or when a followed task execs EXE), each reported
 *		from the task's quiesce report, before it runs on;
 *  - followed:	children the finder attached to in a clone report;
 *  - lost:	found tasks that exec'd: the program they were found as
 *		ended (a new program is matched again: the same EXE is
 *		lost, then found again, as the original's clients saw it);
 *  - deaths:	found tasks whose death was reported;
 *  - attached:	engines of the module attached now.
 * Unloading it detaches every engine it attached and waits for their
 * callbacks: the tasks run on with none of its engines.
 *
 * Kept from the original:
 *  - its two engines: the finder's own (CLONE, EXEC and DEATH) on every
 *    task it follows, and a target engine (QUIESCE and DEATH) on every
 *    task found, at most one of each kind per task;
 *  - the registration scan: every user thread (with pid=, the threads of
 *    that process only), kernel threads and init skipped (as the 2008-09
 *    finder skipped init), the finder's engine attached to each, a target
 *    engine to those that match;
 *  - matching by the path of the task's executable file (the original
 *    read the mm's executable mapping, later its exe file), never by the
 *    name an exec was called with, which may be relative;
 *  - clone: the parent's report attaches the finder's engine to the child
 *    before it runs, threads included, and if the parent runs EXE the
 *    child (a process or a thread) is found too;
 *  - a target engine holds its task (UTRACE_STOP) until its quiesce
 *    report, which reports it found, drops QUIESCE from its events and
 *    lets the task go;
 *  - exec: the target engine of the old program goes, reported as its
 *    end; the new program is matched as a new process;
 *  - death: a target's death is reported; each engine lets go;
 *  - unload: callbacks that see the finder stopping answer UTRACE_DETACH
 *    and attach nothing; every engine is detached, then waited for.
 * Left out: several targets and their lists of client callbacks (one
 * target, from the parameters; the counters stand for the callbacks),
 * pid targets without -x (a task found by its pid at the scan only), the
 * mmap/munmap/mprotect reports and their syscall entry and exit
 * engines, the unprivileged user's uid checks, the later EXIT event (DEATH
 * is the 2008-09 finder's, and the moment a task can run no more), the
 * post-registration UTRACE_INTERRUPT poke (a stop breaks a sleep here).
 *
 * Where the API made it differ (Documentation/c-api.md, "A port:
 * systemtap's task finder"): the quiesce callback releases the stop with
 * utrace_control(RESUME), an answer does not; engine->ops and
 * engine->data are not fields (the module names its ops tables and calls
 * utrace_engine_data()); report_death() answers nothing, the engine is
 * detached after it; no -EINPROGRESS to wait out with utrace_barrier()
 * after utrace_set_events(); the original attached under rcu_read_lock()
 * (utrace_attach_task() may sleep, in utrace too): the scan takes task
 * references first and attaches after.  The module keeps a record per
 * engine, as the engine's data, on a list under a spinlock; it sets no
 * release callback (utrace-rs calls it for a failed attach too, or not,
 * depending on where it failed): a record is freed once its engine is
 * detached, waited for (utrace_barrier()) and put, by a work item for the
 * engines that detach on their own, by the unload for the rest.
 */
#include <linux/atomic.h>
#include <linux/dcache.h>
#include <linux/err.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/limits.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/pid.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/utrace.h>
#include <linux/workqueue.h>

static char *path;
module_param(path, charp, 0444);
MODULE_PARM_DESC(path, "find the tasks that run this executable (an absolute path)");
static int pid;
module_param(pid, int, 0444);
MODULE_PARM_DESC(pid, "follow only this process and its descendants");

static atomic_t tf_found = ATOMIC_INIT(0);
module_param_named(found, tf_found.counter, int, 0444);
MODULE_PARM_DESC(found, "tasks found: at the registration scan, a clone or an exec");
static atomic_t tf_followed = ATOMIC_INIT(0);
module_param_named(followed, tf_followed.counter, int, 0444);
MODULE_PARM_DESC(followed, "children the finder attached to in a clone report");
static atomic_t tf_lost = ATOMIC_INIT(0);
module_param_named(lost, tf_lost.counter, int, 0444);
MODULE_PARM_DESC(lost, "found tasks that exec'd: the program they were found as ended");
static atomic_t tf_deaths = ATOMIC_INIT(0);
module_param_named(deaths, tf_deaths.counter, int, 0444);
MODULE_PARM_DESC(deaths, "found tasks whose death was reported");
static atomic_t tf_attached = ATOMIC_INIT(0);
module_param_named(attached, tf_attached.counter, int, 0444);
MODULE_PARM_DESC(attached, "engines of the finder attached now");

/* The finder's engine, on every task it follows. */
#define TF_FINDER_EVENTS \
	(UTRACE_EVENT(CLONE) | UTRACE_EVENT(EXEC) | UTRACE_EVENT(DEATH))
/* A found task's: its quiesce report says it is found, then its death. */
#define TF_TARGET_EVENTS	(UTRACE_EVENT(QUIESCE) | UTRACE_EVENT(DEATH))
#define TF_TARGET_BASE_EVENTS	UTRACE_EVENT(DEATH)
/* Scan passes at most: each catches the tasks forked during the last. */
#define TF_SCAN_PASSES		3

/*
 * One engine of the finder, and the engine's data.  On tf_live while the
 * engine is attached; on tf_dead once it is detached, or being detached
 * (its task's death, or an exec out of the program looked for), until the
 * reaper waits for its callbacks, puts it and frees the record.
 */
struct tf_engine {
	struct list_head node;
	struct utrace_engine *engine;
	bool listed;	/* on tf_live or tf_dead (tf_lock) */
	bool retired;	/* for tf_dead (tf_lock) */
	bool found;	/* a target reported found (by its own task) */
};

static DEFINE_SPINLOCK(tf_lock);
static LIST_HEAD(tf_live);
static LIST_HEAD(tf_dead);
/* The module is going: tf_stop_all() owns every record (tf_lock). */
static bool tf_stopping;

static void tf_reap(struct work_struct *work);
static DECLARE_WORK(tf_reap_work, tf_reap);

static const struct utrace_engine_ops tf_finder_ops;
static const struct utrace_engine_ops tf_target_ops;

/*
 * Lets an engine of ours go for good: detached (-ESRCH if it was already),
 * no callback of it running, our reference put, the record freed.  It
 * sleeps; no lock held.
 */
static void tf_release(struct tf_engine *te)
{
	utrace_control(NULL, te->engine, UTRACE_DETACH);
	/*
	 * SIGKILL ends the wait of a loader (not of an unload: c-api.md)
	 * while a callback may still run; wait again, as the original did.
	 */
	while (utrace_barrier(NULL, te->engine) == -ERESTARTSYS)
		schedule_timeout_uninterruptible(1);
	utrace_engine_put(te->engine);
	kfree(te);
}

/* Releases the engines that detached on their own. */
static void tf_reap(struct work_struct *work)
{
	struct tf_engine *te;

	for (;;) {
		spin_lock(&tf_lock);
		te = list_first_entry_or_null(&tf_dead, struct tf_engine, node);
		if (te)
			list_del(&te->node);
		spin_unlock(&tf_lock);
		if (!te)
			return;
		tf_release(te);
	}
}

/*
 * @te's engine is detached, or is being: hand it to the reaper.  Returns
 * false if it was retired already, or if the module is stopping (then
 * tf_stop_all() owns every record, and may have freed @te: it is not
 * looked at).  *@was_found, if asked for, says whether the target was
 * reported found.
 */
static bool tf_retire(struct tf_engine *te, bool *was_found)
{
	bool retired = false, reap = false;

	spin_lock(&tf_lock);
	if (!tf_stopping && !te->retired) {
		te->retired = true;
		retired = true;
		if (was_found)
			*was_found = te->found;
		/* Not listed yet: tf_attach() lists it as retired. */
		if (te->listed) {
			list_move_tail(&te->node, &tf_dead);
			atomic_dec(&tf_attached);
			reap = true;
		}
	}
	spin_unlock(&tf_lock);
	if (reap)
		schedule_work(&tf_reap_work);
	return retired;
}

/*
 * Holds @task (UTRACE_STOP) until the quiesce report that reports it
 * found, before it runs on, as the original did.
 */
static int tf_hold(struct task_struct *task, struct utrace_engine *engine)
{
	int ret = utrace_control(task, engine, UTRACE_STOP);

	if (ret == -EINPROGRESS)
		return 0;	/* it stops, and reports, at its next safe point */
	if (ret)
		return ret;
	/*
	 * Parked in another engine's stop already: a stop taken then brings
	 * no quiesce report.  Do not hold the task; ask for the report.
	 */
	utrace_control(task, engine, UTRACE_RESUME);
	return utrace_control(task, engine, UTRACE_INTERRUPT);
}

/*
 * Attaches an engine of @ops to @task with @events (@stop: held for its
 * quiesce report), one of each kind per task (-EEXIST), and lists it.
 * Returns 0, or -errno: the engine is not attached then (or is retired
 * already, -ESRCH).  It sleeps; no lock held.
 */
static int tf_attach(struct task_struct *task,
		     const struct utrace_engine_ops *ops,
		     unsigned long events, bool stop)
{
	struct utrace_engine *engine;
	struct tf_engine *te;
	bool reap = false;
	int ret;

	if (READ_ONCE(tf_stopping))
		return -ESRCH;
	te = kzalloc_obj(*te, GFP_KERNEL);
	if (!te)
		return -ENOMEM;
	engine = utrace_attach_task(task, UTRACE_ATTACH_CREATE |
				    UTRACE_ATTACH_EXCLUSIVE |
				    UTRACE_ATTACH_MATCH_OPS, ops, te);
	if (IS_ERR(engine)) {
		/* No release callback: the record is ours to free. */
		kfree(te);
		return PTR_ERR(engine);
	}
	te->engine = engine;
	/* It has no events until here: no callback could run before. */
	ret = utrace_set_events(task, engine, events);
	if (!ret && stop)
		ret = tf_hold(task, engine);
	if (ret)	/* the task is dying (-ESRCH, -EALREADY) */
		utrace_control(task, engine, UTRACE_DETACH);

	spin_lock(&tf_lock);
	if (tf_stopping) {
		/* tf_stop_all() missed it: ours to let go. */
		spin_unlock(&tf_lock);
		tf_release(te);
		return -ESRCH;
	}
	te->listed = true;
	if (ret || te->retired) {
		te->retired = true;
		list_add_tail(&te->node, &tf_dead);
		reap = true;
	} else {
		list_add_tail(&te->node, &tf_live);
		atomic_inc(&tf_attached);
	}
	spin_unlock(&tf_lock);
	if (reap)
		schedule_work(&tf_reap_work);
	return ret ?: (reap ? -ESRCH : 0);
}

/*
 * Whether @task is one to find: without path=, every task followed;
 * otherwise one whose executable file's path is @path.
 */
static bool tf_matches(struct task_struct *task)
{
	struct mm_struct *mm;
	struct file *exe;
	char *buf, *name;
	bool match = false;

	if (!path)
		return true;
	mm = get_task_mm(task);
	if (!mm)
		return false;
	rcu_read_lock();
	exe = get_file_rcu(&mm->exe_file);
	rcu_read_unlock();
	mmput(mm);
	if (!exe)
		return false;
	buf = kmalloc(PATH_MAX, GFP_KERNEL);
	if (buf) {
		name = d_path(&exe->f_path, buf, PATH_MAX);
		match = !IS_ERR(name) && !strcmp(name, path);
		kfree(buf);
	}
	fput(exe);
	return match;
}

/*
 * The parent's report, before @child runs: follow the child; if the
 * parent runs the program looked for, the child (a process or a thread:
 * the original found both) runs it too, and is found.
 */
static u32 tf_finder_clone(u32 action, struct utrace_engine *engine,
			   unsigned long clone_flags,
			   struct task_struct *child)
{
	if (READ_ONCE(tf_stopping))
		return UTRACE_DETACH;
	if (tf_attach(child, &tf_finder_ops, TF_FINDER_EVENTS, false))
		return UTRACE_RESUME;
	atomic_inc(&tf_followed);
	if (tf_matches(current))
		tf_attach(child, &tf_target_ops, TF_TARGET_EVENTS, true);
	return UTRACE_RESUME;
}

/*
 * The task runs a new program: the one it was found as, if any, ended
 * (its target engine goes), and the new one is matched as a new process.
 */
static u32 tf_finder_exec(u32 action, struct utrace_engine *engine,
			  const char *filename, struct pt_regs *regs)
{
	struct utrace_engine *target;
	bool was_found = false;

	if (READ_ONCE(tf_stopping))
		return UTRACE_DETACH;
	/* Found by its ops, as the original's detach found its engines. */
	target = utrace_attach_task(current, UTRACE_ATTACH_MATCH_OPS,
				    &tf_target_ops, NULL);
	if (!IS_ERR(target)) {
		if (!utrace_control(current, target, UTRACE_DETACH) &&
		    tf_retire(utrace_engine_data(target), &was_found) &&
		    was_found)
			atomic_inc(&tf_lost);
		utrace_engine_put(target);
	}
	if (tf_matches(current))
		tf_attach(current, &tf_target_ops, TF_TARGET_EVENTS, true);
	return UTRACE_RESUME;
}

/* The engine is detached after this report. */
static void tf_finder_death(struct utrace_engine *engine, bool group_dead,
			    int signal)
{
	tf_retire(utrace_engine_data(engine), NULL);
}

/* The stop tf_hold() asked for: the task is found. */
static u32 tf_target_quiesce(u32 action, struct utrace_engine *engine,
			     unsigned long event)
{
	struct tf_engine *te = utrace_engine_data(engine);

	if (READ_ONCE(tf_stopping))
		return UTRACE_DETACH;
	/* Once: from now on only its death matters. */
	utrace_set_events(current, engine, TF_TARGET_BASE_EVENTS);
	if (!te->found) {
		te->found = true;
		atomic_inc(&tf_found);
	}
	/*
	 * utrace let the task go on this answer; here an answer never
	 * releases a stop that utrace_control() asked for.
	 */
	utrace_control(current, engine, UTRACE_RESUME);
	return UTRACE_RESUME;
}

static void tf_target_death(struct utrace_engine *engine, bool group_dead,
			    int signal)
{
	bool was_found = false;

	if (tf_retire(utrace_engine_data(engine), &was_found) && was_found)
		atomic_inc(&tf_deaths);
}

static const struct utrace_engine_ops tf_finder_ops = {
	.report_clone = tf_finder_clone,
	.report_exec = tf_finder_exec,
	.report_death = tf_finder_death,
};

static const struct utrace_engine_ops tf_target_ops = {
	.report_quiesce = tf_target_quiesce,
	.report_death = tf_target_death,
};

static void tf_put_tasks(struct task_struct **tasks, unsigned int n)
{
	while (n)
		put_task_struct(tasks[--n]);
	kvfree(tasks);
}

/* Takes @t for the scan, if it is a user task other than init. */
static bool tf_take(struct task_struct **tasks, unsigned int cap,
		    unsigned int *n, struct task_struct *t)
{
	if ((t->flags & PF_KTHREAD) || is_global_init(t))
		return true;
	if (*n == cap)
		return false;
	get_task_struct(t);
	tasks[(*n)++] = t;
	return true;
}

/*
 * Under RCU, takes the threads of @p into @tasks; false if more than @cap.
 * for_each_thread() without its lockdep condition, which names the
 * tasklist_lock that modules cannot link against (CONFIG_PROVE_RCU_LIST).
 */
static bool tf_fill_threads(struct task_struct *p, struct task_struct **tasks,
			    unsigned int cap, unsigned int *n)
{
	struct task_struct *t;

	list_for_each_entry_rcu(t, &p->signal->thread_head, thread_node)
		if (!tf_take(tasks, cap, n, t))
			return false;
	return true;
}

/*
 * Takes the tasks of the scope (@leader's threads, or every task) into
 * @tasks; false if more than @cap.
 */
static bool tf_fill(struct task_struct *leader, struct task_struct **tasks,
		    unsigned int cap, unsigned int *n)
{
	struct task_struct *p;
	bool fit = true;

	*n = 0;
	rcu_read_lock();
	if (leader) {
		fit = tf_fill_threads(leader, tasks, cap, n);
	} else {
		for_each_process(p) {
			fit = tf_fill_threads(p, tasks, cap, n);
			if (!fit)
				break;
		}
	}
	rcu_read_unlock();
	return fit;
}

/*
 * The tasks of the scope, each with a reference, in *@out; returns how
 * many, or -ENOMEM.  Nothing sleeps under RCU: the array is allocated
 * before, and again larger while the tasks do not fit.
 */
static int tf_collect(struct task_struct *leader, struct task_struct ***out)
{
	struct task_struct **tasks;
	unsigned int cap = 256, n;

	for (;;) {
		tasks = kvmalloc_objs(*tasks, cap, GFP_KERNEL);
		if (!tasks)
			return -ENOMEM;
		if (tf_fill(leader, tasks, cap, &n))
			break;
		tf_put_tasks(tasks, n);
		cap *= 2;
	}
	*out = tasks;
	return n;
}

/*
 * The scan's step for @t: follow it, and find it if it matches.  Returns
 * 1 if the finder's engine is new on it; 0 if it is not a task to follow
 * (-EPERM: a kernel thread; -ESRCH: exiting) or is followed already
 * (-EEXIST: an earlier pass, or its parent's clone report); or -errno.
 */
static int tf_scan_task(struct task_struct *t)
{
	int ret = tf_attach(t, &tf_finder_ops, TF_FINDER_EVENTS, false);

	if (ret == -EPERM || ret == -ESRCH || ret == -EEXIST)
		return 0;
	if (ret)
		return ret;
	if (tf_matches(t)) {
		ret = tf_attach(t, &tf_target_ops, TF_TARGET_EVENTS, true);
		if (ret && ret != -EPERM && ret != -ESRCH && ret != -EEXIST)
			return ret;
	}
	return 1;
}

/*
 * The registration scan, in passes until one follows no task the others
 * missed (forked by a task not followed yet when the last pass took its
 * list).  Returns the number of tasks followed, or -errno.
 */
static int tf_scan(struct task_struct *leader)
{
	struct task_struct **tasks;
	int pass, i, n, ret, fresh, total = 0;

	for (pass = 0; pass < TF_SCAN_PASSES; pass++) {
		n = tf_collect(leader, &tasks);
		if (n < 0)
			return n;
		fresh = 0;
		ret = 0;
		for (i = 0; i < n && ret >= 0; i++) {
			ret = tf_scan_task(tasks[i]);
			if (ret > 0)
				fresh++;
		}
		tf_put_tasks(tasks, n);
		if (ret < 0)
			return ret;
		total += fresh;
		if (!fresh)
			break;
	}
	return total;
}

/*
 * Detaches every engine of ours and waits for its callbacks: after this
 * nothing calls into the module (c-api.md, "Unloading a module").  The
 * original set its state to stopping, detached its engines from every
 * thread by their ops, and polled a count of callbacks in progress.
 */
static void tf_stop_all(void)
{
	struct tf_engine *te, *next;
	LIST_HEAD(all);

	spin_lock(&tf_lock);
	WRITE_ONCE(tf_stopping, true);
	list_splice_init(&tf_live, &all);
	list_splice_init(&tf_dead, &all);
	spin_unlock(&tf_lock);
	/*
	 * Every engine detached first: none starts a callback after.  One
	 * running may still attach an engine to a child; it lets that one
	 * go itself (tf_attach()), and the barrier below waits for it.
	 */
	list_for_each_entry(te, &all, node)
		utrace_control(NULL, te->engine, UTRACE_DETACH);
	list_for_each_entry_safe(te, next, &all, node) {
		list_del(&te->node);
		tf_release(te);
	}
	/*
	 * Every callback has returned: none queues the reaper again.  Wait
	 * for it, or take it off the queue (its records were spliced above).
	 */
	cancel_work_sync(&tf_reap_work);
	atomic_set(&tf_attached, 0);
}

static int __init tf_init(void)
{
	struct task_struct *leader = NULL;
	int ret;

	/* Something to look for; a path as d_path() makes it. */
	if (pid < 0 || (path && path[0] != '/') || (!path && !pid))
		return -EINVAL;
	if (pid) {
		struct pid *p = find_get_pid(pid);

		leader = get_pid_task(p, PIDTYPE_TGID);
		put_pid(p);
		if (!leader)
			return -ESRCH;
		if (leader->flags & PF_KTHREAD) {
			put_task_struct(leader);
			return -EPERM;
		}
	}
	ret = tf_scan(leader);
	/* Not one thread of the process left to follow. */
	if (!ret && leader)
		ret = -ESRCH;
	if (leader)
		put_task_struct(leader);
	if (ret < 0) {
		tf_stop_all();
		return ret;
	}
	return 0;
}

static void __exit tf_exit(void)
{
	tf_stop_all();
}

module_init(tf_init);
module_exit(tf_exit);
MODULE_DESCRIPTION("utrace-rs: systemtap's task finder, ported to the C engine API");
MODULE_LICENSE("GPL");
