// SPDX-License-Identifier: GPL-2.0
/*
 * utrace_sample - an engine written in C, as a module, through the C
 * engine API of utrace-rs (include/linux/utrace.h).
 *
 * Loaded with pid=PID nr=NR arg=I value=V, it attaches to task PID an
 * engine that, at the entry of syscall NR, replaces argument I with V;
 * with abort=1 it aborts the call instead, with V as its result.  With
 * signal=S it drops signal S instead, whatever the task's sigaction says,
 * and once the task is stopped for it (stop=1, through utrace_control()),
 * it lets the task go from its quiesce report; with restop=1 it asks for
 * the stop again from there instead (a task parked for good, until
 * SIGKILL), with restop=2 it lets the task go and asks for another quiesce
 * report (one that engine-core makes at the task's next safe point after
 * this one, not in a loop inside it).  With watch=1 it counts the
 * task's job-control stops and continues and, staying attached past its
 * death, its reap.  With death=1 it counts the task's death report.  With
 * vfork=1 it counts the ends of the task's vfork waits that name a child.
 * With si_errno=E it delivers signal S, with E written into its
 * siginfo's si_errno, instead of dropping it (clobber_signo=1 zeroes its
 * si_signo too, which engine-core puts back).  With by_pid=1 it names the
 * task by its struct pid in every call (utrace_set_events_pid(),
 * utrace_control_pid(), utrace_barrier_pid()).  With getput=1 it takes a
 * second reference to its engine (utrace_engine_get()) and drops the
 * first at load, so that only the second keeps the engine for unloading.
 * With slow=MS its entry callback sleeps MS milliseconds in each call NR
 * (an unload then waits for it, even when the unloading task is killed).
 * Writing 1 to its parameter "poke" calls utrace_control_pid(RESUME) now,
 * and "poked" says what it returned.  Writing 1 to "examine", with the
 * task stopped for the engine, reads its registers and writes them back
 * through utrace_prepare_examine(), utrace_examine_regs() and
 * utrace_finish_examine(); "examined" says how many bytes, or the error.
 * With regset=NOTE it does so with the register set NOTE instead
 * (utrace_examine_regset(), NT_PRFPREG...), and "word" is the 32-bit word
 * at byte word_at=OFFSET of what it read.
 * With death=1, "death_signal" is the death report's signal.  With
 * signal=S, "handlers" counts the task's entries into the handler of S
 * (report_signal() with UTRACE_SIGNAL_HANDLER).  With probe=FILE
 * probe_offset=OFF it subscribes to the breakpoint at OFF in FILE
 * (utrace_probe()), with probe_return=1 to the return from the function
 * there, and counts the hits in "probe_hits"; "probe_arg" is the first
 * argument of the last entry hit, and with value=V a return hit makes the
 * function return V.  With make_up=S, it makes up signal S (si_code
 * SI_KERNEL, the task's own sigaction) in the report with no signal that
 * follows a quiesce report (utrace's UTRACE_SIGNAL_REPORT), counted in
 * "made_up"; writing 1 to "interrupt" asks for that report
 * (utrace_control(INTERRUPT), its result in "interrupted").  With
 * divert=1 and signal=S, S is delivered with SIG_IGN instead of the
 * task's handler (return_ka), the task's own sigaction left as it is.  It
 * counts what it did in the read-only parameter "hits".  Unloading it
 * detaches the engine and waits for any callback still running.
 */
#include <linux/delay.h>
#include <linux/err.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/pid.h>
#include <linux/slab.h>
#include <linux/utrace.h>
#include <asm/syscall.h>

static int pid;
module_param(pid, int, 0444);
MODULE_PARM_DESC(pid, "the task to attach to");
static int nr = -1;
module_param(nr, int, 0444);
MODULE_PARM_DESC(nr, "the syscall to act on");
static int arg;
module_param(arg, int, 0444);
MODULE_PARM_DESC(arg, "the argument to replace, 0..5");
static long value;
module_param(value, long, 0444);
MODULE_PARM_DESC(value, "the new argument, or the result with abort=1");
static bool abort_call;
module_param_named(abort, abort_call, bool, 0444);
MODULE_PARM_DESC(abort, "abort the call with value as its result");
static int signo;
module_param_named(signal, signo, int, 0444);
MODULE_PARM_DESC(signal, "the signal to drop");
static unsigned int slow;
module_param(slow, uint, 0444);
MODULE_PARM_DESC(slow, "milliseconds the entry callback of call nr sleeps");
static bool watch;
module_param(watch, bool, 0444);
MODULE_PARM_DESC(watch, "count job-control stops and continues, and the reap");
static bool stop;
module_param(stop, bool, 0444);
MODULE_PARM_DESC(stop, "stop the task at load, and resume it when it quiesces");
static bool death;
module_param(death, bool, 0444);
MODULE_PARM_DESC(death, "count the task's death report");
static bool vfork_done;
module_param_named(vfork, vfork_done, bool, 0444);
MODULE_PARM_DESC(vfork, "count the ends of the task's vfork waits");
static int restop;
static bool by_pid;
module_param(by_pid, bool, 0444);
MODULE_PARM_DESC(by_pid, "name the task by its struct pid (the *_pid calls)");
static bool getput;
module_param(getput, bool, 0444);
MODULE_PARM_DESC(getput, "hold the engine by a reference from utrace_engine_get()");
static struct pid *task_pid_ref;
static int si_errno;
module_param(si_errno, int, 0444);
MODULE_PARM_DESC(si_errno, "with signal=S: deliver S with this si_errno instead of dropping it");
static bool clobber_signo;
module_param(clobber_signo, bool, 0444);
MODULE_PARM_DESC(clobber_signo, "with si_errno: also zero si_signo, which engine-core puts back");
static int poked;
module_param(poked, int, 0444);
MODULE_PARM_DESC(poked, "what the last poke's utrace_control_pid() returned");
module_param(restop, int, 0444);
MODULE_PARM_DESC(restop, "with stop=1: from the quiesce report, 1: stop again, 2: resume and ask for another report");
static int death_signal;
module_param(death_signal, int, 0444);
MODULE_PARM_DESC(death_signal, "with death=1: the death report's signal");
static int examined;
module_param(examined, int, 0444);
MODULE_PARM_DESC(examined, "what the last examine did: bytes of registers, or -errno");
static unsigned int regset;
module_param(regset, uint, 0444);
MODULE_PARM_DESC(regset, "examine this NT_* register set, not the general registers");
static unsigned int word_at;
module_param(word_at, uint, 0444);
MODULE_PARM_DESC(word_at, "the offset in the examined registers that \"word\" shows");
static unsigned int word;
module_param(word, uint, 0444);
MODULE_PARM_DESC(word, "the 32-bit word at word_at of the registers last examined");
/* Room for any architecture's general registers, and x86's NT_PRFPREG. */
#define EXAMINE_MAX	1024
static atomic_t hits = ATOMIC_INIT(0);
static atomic_t handlers = ATOMIC_INIT(0);
module_param_named(handlers, handlers.counter, int, 0444);
MODULE_PARM_DESC(handlers, "entries into the handler of signal S so far");
module_param_named(hits, hits.counter, int, 0444);
MODULE_PARM_DESC(hits, "calls acted on so far");

static int make_up;
module_param(make_up, int, 0444);
MODULE_PARM_DESC(make_up, "make up this signal after each quiesce report");
static atomic_t made_up = ATOMIC_INIT(0);
module_param_named(made_up, made_up.counter, int, 0444);
MODULE_PARM_DESC(made_up, "signals made up so far");
static int interrupted;
module_param(interrupted, int, 0444);
MODULE_PARM_DESC(interrupted, "what the last interrupt's utrace_control() returned");
static bool divert;
module_param(divert, bool, 0444);
MODULE_PARM_DESC(divert, "with signal=S: deliver S (dequeued or made up) with SIG_IGN, not the task's handler");
static unsigned int orig_flags;
module_param(orig_flags, uint, 0444);
MODULE_PARM_DESC(orig_flags, "with divert=1: sa_flags of the task's own sigaction for S, as orig_ka showed it");

static char *probe;
module_param(probe, charp, 0444);
MODULE_PARM_DESC(probe, "the file of a breakpoint");
static unsigned long probe_offset;
module_param(probe_offset, ulong, 0444);
MODULE_PARM_DESC(probe_offset, "the breakpoint's offset in it");
static bool probe_return;
module_param(probe_return, bool, 0444);
MODULE_PARM_DESC(probe_return, "1: the return from the function there");
static atomic_t probe_hits = ATOMIC_INIT(0);
module_param_named(probe_hits, probe_hits.counter, int, 0444);
MODULE_PARM_DESC(probe_hits, "hits of the breakpoint so far");
static long probe_arg;
module_param(probe_arg, long, 0444);
MODULE_PARM_DESC(probe_arg, "the first argument at the last entry hit");

static struct utrace_engine *engine;
static struct utrace_probe *subscription;

static u32 sample_syscall_entry(u32 action, struct utrace_engine *e,
				struct pt_regs *regs)
{
	unsigned long args[6];

	if (syscall_get_nr(current, regs) != nr)
		return action;	/* keep what the engines before decided */
	atomic_inc(&hits);
	if (slow)
		msleep(slow);
	if (abort_call) {
		syscall_set_return_value(current, regs, value < 0 ? value : 0,
					 value);
		return UTRACE_RESUME | UTRACE_SYSCALL_ABORT;
	}
	syscall_get_arguments(current, regs, args);
	args[arg] = value;
	syscall_set_arguments(current, regs, args);
	return action;
}

static u32 sample_signal(u32 action, struct utrace_engine *e,
			 struct pt_regs *regs, struct kernel_siginfo *info,
			 const struct k_sigaction *orig_ka,
			 struct k_sigaction *return_ka)
{
	struct sighand_struct *sighand = current->sighand;

	/* The task entered a handler: counted apart, it goes on. */
	if ((action & UTRACE_SIGNAL_MASK) == UTRACE_SIGNAL_HANDLER) {
		if (info->si_signo == signo)
			atomic_inc(&handlers);
		return UTRACE_RESUME;
	}
	/* No signal: make one up, delivered as the task's sigaction says. */
	if ((action & UTRACE_SIGNAL_MASK) == UTRACE_SIGNAL_REPORT) {
		if (!make_up)
			return action;
		info->si_signo = make_up;
		info->si_code = SI_KERNEL;
		spin_lock_irq(&sighand->siglock);
		*return_ka = sighand->action[make_up - 1];
		spin_unlock_irq(&sighand->siglock);
		atomic_inc(&made_up);
		return UTRACE_RESUME | UTRACE_SIGNAL_DELIVER;
	}
	if (info->si_signo != signo)
		return action;	/* the disposition the engines before chose */
	atomic_inc(&hits);
	if (divert) {
		/* This delivery only: the task's own sigaction stays. */
		orig_flags = orig_ka->sa.sa_flags;
		return_ka->sa.sa_handler = SIG_IGN;
		return UTRACE_RESUME | UTRACE_SIGNAL_DELIVER;
	}
	if (si_errno) {
		/* Delivered as the engines before chose, with our si_errno. */
		info->si_errno = si_errno;
		if (clobber_signo)
			info->si_signo = 0;
		return action;
	}
	return UTRACE_RESUME | UTRACE_SIGNAL_IGN;
}

/*
 * The task is at the safe point our stop asked for: count it, and let it
 * go (a stop is released through utrace_control(), even from here).  With
 * restop, ask the task's own engine-core for more from inside its report
 * (guest_v2_review): that must neither loop nor keep SIGKILL out.
 */
static u32 sample_quiesce(u32 action, struct utrace_engine *e,
			  unsigned long event)
{
	atomic_inc(&hits);
	if (restop == 1) {
		utrace_control(current, e, UTRACE_STOP);
		return UTRACE_RESUME;
	}
	utrace_control(current, e, UTRACE_RESUME);
	if (restop == 2)
		utrace_control(current, e, UTRACE_REPORT);
	return UTRACE_RESUME;
}

static u32 sample_jctl(u32 action, struct utrace_engine *e, int type)
{
	atomic_inc(&hits);
	return UTRACE_RESUME;
}

/* The task's vfork child exec'd or exited: the task runs on. */
static u32 sample_vfork_done(u32 action, struct utrace_engine *e,
			     pid_t child_vpid)
{
	if (child_vpid > 0)
		atomic_inc(&hits);
	return UTRACE_RESUME;
}

/* In the reaper's context: the task is gone, and the engine next. */
static void sample_reap(struct utrace_engine *e, struct task_struct *task)
{
	atomic_inc(&hits);
}

/* In the dying task; the engine is detached after it. */
static void sample_death(struct utrace_engine *e, bool group_dead,
			 int signal)
{
	death_signal = signal;
	atomic_inc(&hits);
}

/*
 * The first argument and the return value in the calling convention's
 * registers (x86-64's rdi and rax, AArch64's x0): the kernel's accessors,
 * which read the same registers for a 64-bit task's function as for the
 * kernel's own.
 */
static u32 sample_breakpoint(u32 action, struct utrace_engine *e,
			     struct pt_regs *regs, unsigned long func,
			     loff_t offset, unsigned int flags)
{
	atomic_inc(&probe_hits);
	if (flags & UTRACE_BREAKPOINT_RETURN) {
		if (value)
			regs_set_return_value(regs, value);
	} else {
		probe_arg = regs_get_kernel_argument(regs, 0);
	}
	return UTRACE_RESUME;
}

/* Subscribes to the breakpoint of the probe parameters. */
static int sample_probe(void)
{
	struct file *file = filp_open(probe, O_RDONLY, 0);
	struct utrace_probe *p;

	if (IS_ERR(file))
		return PTR_ERR(file);
	p = utrace_probe(NULL, engine, file, probe_offset,
			 probe_return ? UTRACE_BREAKPOINT_RETURN : 0);
	/* The subscription holds the inode: the file may go. */
	fput(file);
	if (IS_ERR(p))
		return PTR_ERR(p);
	subscription = p;
	return 0;
}

static const struct utrace_engine_ops sample_ops = {
	.report_syscall_entry = sample_syscall_entry,
	.report_signal = sample_signal,
	.report_quiesce = sample_quiesce,
	.report_jctl = sample_jctl,
	.report_death = sample_death,
	.report_reap = sample_reap,
	.report_vfork_done = sample_vfork_done,
	.report_breakpoint = sample_breakpoint,
};

/* Writing 1 to "poke": utrace_control_pid(RESUME), its result in "poked". */
static int sample_poke(const char *val, const struct kernel_param *kp)
{
	bool now;
	int ret = kstrtobool(val, &now);

	if (ret)
		return ret;
	if (!engine)
		return -EINVAL;	/* a load parameter: no engine yet */
	if (now)
		poked = utrace_control_pid(task_pid_ref, engine, UTRACE_RESUME);
	return 0;
}

/*
 * Writing 1 to "examine", with the task stopped for this engine: reads
 * its general registers (or the set "regset") between
 * utrace_prepare_examine() and utrace_finish_examine(), writes them back
 * unchanged, and sets "examined" to the bytes read, or to the first error.
 */
static int sample_examine(const char *val, const struct kernel_param *kp)
{
	struct utrace_examiner exam;
	bool now;
	int ret = kstrtobool(val, &now);
	void *regs;

	if (ret || !now)
		return ret;
	if (!engine)
		return -EINVAL;	/* a load parameter: no engine yet */
	regs = kzalloc(EXAMINE_MAX, GFP_KERNEL);
	if (!regs)
		return -ENOMEM;
	examined = utrace_prepare_examine(NULL, engine, &exam);
	if (!examined) {
		int n = regset ?
			utrace_examine_regset(engine, regset, regs, EXAMINE_MAX, false) :
			utrace_examine_regs(engine, regs, EXAMINE_MAX, false);
		int w = n <= 0 ? n : regset ?
			utrace_examine_regset(engine, regset, regs, n, true) :
			utrace_examine_regs(engine, regs, n, true);
		int end = utrace_finish_examine(NULL, engine, &exam);

		examined = n < 0 ? n : w < 0 ? w : end < 0 ? end : n;
		if (n >= (int)sizeof(word) && word_at <= n - sizeof(word))
			memcpy(&word, regs + word_at, sizeof(word));
	}
	kfree(regs);
	return 0;
}

static const struct kernel_param_ops examine_ops = {
	.set = sample_examine,
};
module_param_cb(examine, &examine_ops, NULL, 0200);
MODULE_PARM_DESC(examine, "1: read and rewrite the stopped task's registers now");

static const struct kernel_param_ops poke_ops = {
	.set = sample_poke,
};
module_param_cb(poke, &poke_ops, NULL, 0200);
MODULE_PARM_DESC(poke, "1: call utrace_control_pid(RESUME) now");

/* utrace_control(), or utrace_control_pid() with by_pid=1. */
static int sample_control(enum utrace_resume_action action)
{
	return by_pid ? utrace_control_pid(task_pid_ref, engine, action) :
			utrace_control(NULL, engine, action);
}

/* Writing 1 to "interrupt": utrace_control(INTERRUPT) now. */
static int sample_interrupt(const char *val, const struct kernel_param *kp)
{
	bool now;
	int ret = kstrtobool(val, &now);

	if (ret)
		return ret;
	if (!engine)
		return -EINVAL;	/* a load parameter: no engine yet */
	if (now)
		interrupted = sample_control(UTRACE_INTERRUPT);
	return 0;
}

static const struct kernel_param_ops interrupt_ops = {
	.set = sample_interrupt,
};
module_param_cb(interrupt, &interrupt_ops, NULL, 0200);
MODULE_PARM_DESC(interrupt, "1: call utrace_control(INTERRUPT) now");

static int __init sample_init(void)
{
	unsigned long events;
	int ret;

	if (arg < 0 || arg > 5 || restop < 0 || restop > 2 ||
	    make_up < 0 || make_up > _NSIG)
		return -EINVAL;
	task_pid_ref = find_get_pid(pid);
	engine = utrace_attach_pid(task_pid_ref, UTRACE_ATTACH_CREATE |
				   UTRACE_ATTACH_EXCLUSIVE |
				   UTRACE_ATTACH_MATCH_OPS, &sample_ops, NULL);
	if (IS_ERR(engine)) {
		put_pid(task_pid_ref);
		return PTR_ERR(engine);
	}
	if (getput) {
		utrace_engine_get(engine);
		utrace_engine_put(engine);
	}
	events = UTRACE_EVENT_SYSCALL_ENTRY |
		 (signo ? UTRACE_EVENT_SIGNAL_ALL : 0) |
		 (stop || make_up || divert ? UTRACE_EVENT_QUIESCE : 0) |
		 (watch ? UTRACE_EVENT_JCTL | UTRACE_EVENT_REAP : 0) |
		 (death ? UTRACE_EVENT_DEATH : 0) |
		 (vfork_done ? UTRACE_EVENT_VFORK_DONE : 0) |
		 (probe ? UTRACE_EVENT_BREAKPOINT : 0);
	ret = probe ? sample_probe() : 0;
	if (!ret && by_pid)
		ret = utrace_set_events_pid(task_pid_ref, engine, events);
	else if (!ret)
		ret = utrace_set_events(NULL, engine, events);
	if (!ret && stop) {
		/* Not stopped yet: it will be at its next safe point. */
		ret = sample_control(UTRACE_STOP);
		if (ret == -EINPROGRESS)
			ret = 0;
	}
	if (ret) {
		if (subscription)
			utrace_unprobe(subscription);
		utrace_control(NULL, engine, UTRACE_DETACH);
		utrace_engine_put(engine);
		put_pid(task_pid_ref);
	}
	return ret;
}

static void __exit sample_exit(void)
{
	int ret = -ESRCH;

	if (subscription)
		utrace_unprobe(subscription);
	/* With by_pid=1, through the struct pid while it names the task. */
	if (by_pid && sample_control(UTRACE_DETACH) != -ESRCH)
		ret = utrace_barrier_pid(task_pid_ref, engine);
	/* The task may have died, and detached the engine already. */
	if (ret == -ESRCH) {
		utrace_control(NULL, engine, UTRACE_DETACH);
		utrace_barrier(NULL, engine);
	}
	utrace_engine_put(engine);
	put_pid(task_pid_ref);
}

module_init(sample_init);
module_exit(sample_exit);
MODULE_DESCRIPTION("utrace-rs sample engine in C");
MODULE_LICENSE("GPL");
