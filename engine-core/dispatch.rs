// SPDX-License-Identifier: GPL-2.0

//! The hooks the patched kernel calls (see `include/linux/utrace.h`).
//!
//! Thin: each hook finds the current task's registry and hands over to it,
//! with the task's user registers behind [`LiveRegs`].

use super::engine::Events;
use super::policy::{Disposition, SignalAction, SignalClass, SIGNAL_HOLD};
use super::report::{
    AfterTracer, CloneReport, DeathReport, ExecReport, JobControl, PtraceEvent, PtraceSignal,
    PtraceStops, SignalReport, SyscallEntry, SyscallRegs, VforkDoneReport, SYSCALL_ARGS,
};
use super::task;
use core::ffi::CStr;
use kernel::bindings;
use kernel::ffi::{c_char, c_int, c_long, c_uint, c_ulong};
use kernel::macros::export;
use kernel::str::CStrExt;
use kernel::task::Task;

/// The user registers of the current task, at a syscall boundary.
///
/// # Invariants
///
/// `regs` is the current task's user register frame, valid for the
/// lifetime of the value (a syscall hook's argument); `at_exit` says
/// whether the call has run (the hook is the exit's).
struct LiveRegs {
    regs: *mut bindings::pt_regs,
    at_exit: bool,
}

impl SyscallRegs for LiveRegs {
    fn nr(&self) -> i64 {
        // SAFETY: by the type invariant `regs` is current's register frame.
        // `c_long` is `isize`: it widens to `i64` on every architecture.
        (unsafe { bindings::utrace_helper_syscall_get_nr(self.regs) }) as i64
    }

    fn set_nr(&mut self, nr: i64) {
        // Syscall numbers are C ints; anything else is "no syscall".
        let nr = i32::try_from(nr).unwrap_or(-1);
        // SAFETY: by the type invariant `regs` is current's register frame.
        unsafe { bindings::utrace_helper_syscall_set_nr(self.regs, nr) }
    }

    fn args(&self) -> [u64; SYSCALL_ARGS] {
        let mut args: [c_ulong; SYSCALL_ARGS] = [0; SYSCALL_ARGS];
        // SAFETY: by the type invariant `regs` is current's register frame;
        // `args` has room for the six arguments the helper writes.
        unsafe { bindings::utrace_helper_syscall_get_arguments(self.regs, args.as_mut_ptr()) };
        args.map(|a| a as u64)
    }

    fn set_args(&mut self, args: &[u64; SYSCALL_ARGS]) {
        let args: [c_ulong; SYSCALL_ARGS] = args.map(|a| a as c_ulong);
        // SAFETY: by the type invariant `regs` is current's register frame,
        // at exit if `at_exit`; `args` holds the six arguments the helper
        // reads.
        unsafe {
            bindings::utrace_helper_syscall_set_arguments(self.regs, args.as_ptr(), self.at_exit)
        }
    }

    fn return_value(&self) -> i64 {
        // SAFETY: by the type invariant `regs` is current's register frame.
        (unsafe { bindings::utrace_helper_syscall_get_return_value(self.regs) }) as i64
    }

    fn stack_pointer(&self) -> u64 {
        // SAFETY: by the type invariant `regs` is current's register frame.
        (unsafe { bindings::utrace_helper_user_stack_pointer(self.regs) }) as u64
    }

    fn instruction_pointer(&self) -> u64 {
        // SAFETY: by the type invariant `regs` is current's register frame.
        (unsafe { bindings::utrace_helper_instruction_pointer(self.regs) }) as u64
    }

    fn arch(&self) -> u32 {
        // SAFETY: the helper reads the current task's syscall state, which
        // the registers of `regs` (current's, by the type invariant) are.
        unsafe { bindings::utrace_helper_syscall_arch() }
    }

    fn is_native(&self) -> bool {
        // SAFETY: as in `arch`.
        unsafe { bindings::utrace_helper_syscall_is_native() }
    }

    fn raw_regs(&self) -> *mut bindings::pt_regs {
        self.regs
    }

    fn set_return_value(&mut self, value: i64) {
        // Syscall results are C longs: this only narrows on 32-bit, where
        // no result can be wider.
        let value = value as kernel::ffi::c_long;
        // SAFETY: by the type invariant `regs` is current's register frame.
        unsafe { bindings::utrace_helper_syscall_set_return_value(self.regs, value) }
    }
}

/// The kernel's ptrace syscall stops of the current task.
///
/// # Invariants
///
/// `regs` is the current task's user register frame and `work` the syscall
/// work the entry code read for this syscall boundary.
struct LivePtrace {
    regs: *mut bindings::pt_regs,
    work: c_ulong,
    /// At entry: the task has seccomp filters and its tracer asked for
    /// their RET_TRACE stops, which come right after its entry stop.
    traces_seccomp: bool,
    /// At entry: where seccomp's RET_TRACE stop writes the call the
    /// tracer let go, for seccomp's check once the engines have run.
    traced: *mut bindings::seccomp_data,
    /// At entry: the tracer had its RET_TRACE stop for this call.
    seccomp_stopped: bool,
}

impl LivePtrace {
    /// ptrace's stops at a syscall entry.
    ///
    /// # Safety
    ///
    /// `regs` is the current task's register frame at syscall entry,
    /// `work` the syscall work the entry code read, and `traced` the entry
    /// code's buffer for the call a seccomp stop lets go.
    unsafe fn entry(
        regs: *mut bindings::pt_regs,
        work: c_ulong,
        traced: *mut bindings::seccomp_data,
    ) -> Self {
        // A task with filters pays a call to learn whether its tracer asked
        // for their stops; one without pays this test.
        let traces_seccomp = work & SECCOMP_WORK != 0
            // SAFETY: reads the current task's ptrace options.
            && unsafe { bindings::utrace_helper_ptrace_traces_seccomp() };
        // INVARIANT: the caller's contract.
        Self {
            regs,
            work,
            traces_seccomp,
            traced,
            seccomp_stopped: false,
        }
    }

    /// ptrace's stop at a syscall exit.
    ///
    /// # Safety
    ///
    /// `regs` is the current task's register frame at syscall exit and
    /// `work` the syscall work the exit code read.
    unsafe fn exit(regs: *mut bindings::pt_regs, work: c_ulong) -> Self {
        // INVARIANT: the caller's contract.
        Self {
            regs,
            work,
            traces_seccomp: false,
            traced: core::ptr::null_mut(),
            seccomp_stopped: false,
        }
    }
}

/// The bits of the entry code's work word (the generic entry code's syscall
/// work, arm64's thread flags) that make ptrace stop at syscall entry
/// (`syscall_ptrace_enter()`'s test), and at exit (`syscall_ptrace_exit()`'s).
const PTRACE_ENTRY_WORK: c_ulong = bindings::UTRACE_WORK_PTRACE_ENTRY;
const PTRACE_EXIT_WORK: c_ulong = bindings::UTRACE_WORK_PTRACE_EXIT;
/// The work bit of a task with seccomp filters (or strict mode).
const SECCOMP_WORK: c_ulong = bindings::UTRACE_WORK_SECCOMP;

impl PtraceStops for LivePtrace {
    fn entry_stop(&mut self, _regs: &mut dyn SyscallRegs, aborted: bool) -> bool {
        // The helpers' own tests, made here to spare an untraced task the
        // calls.
        if self.work & PTRACE_ENTRY_WORK != 0
            // SAFETY: by the type invariant, `regs` is current's register
            // frame at syscall entry and `work` its syscall work.
            && unsafe { bindings::utrace_helper_ptrace_entry_stop(self.regs, self.work) }
        {
            return true;
        }
        if !self.traces_seccomp || aborted {
            return false;
        }
        // SAFETY: at entry (`traces_seccomp` is only set there), `traced`
        // is the entry code's buffer, written before the call returns.
        match unsafe { bindings::seccomp_trace_stop(self.traced) } {
            bindings::seccomp_trace_SECCOMP_TRACE_STOPPED => {
                self.seccomp_stopped = true;
                false
            }
            bindings::seccomp_trace_SECCOMP_TRACE_SKIP => true,
            _ => false,
        }
    }

    #[inline]
    fn traces_entry(&self) -> bool {
        self.work & PTRACE_ENTRY_WORK != 0 || self.traces_seccomp
    }

    fn exit_stop(&mut self, _regs: &mut dyn SyscallRegs) {
        // As at entry.
        if self.work & PTRACE_EXIT_WORK == 0 {
            return;
        }
        // SAFETY: by the type invariant, `regs` is current's register frame
        // at syscall exit and `work` its syscall work.
        unsafe { bindings::utrace_helper_ptrace_exit_stop(self.regs, self.work) }
    }
}

/// Whether the current syscall is one the uprobes core makes for itself
/// (`uretprobe()`, `uprobe()`): a load and two compares for any other;
/// the C helper, which also rules out compat calls, only for those numbers.
///
/// # Safety
///
/// `regs` is the current task's register frame at a syscall boundary.
#[cfg(CONFIG_X86_64)]
#[inline(always)]
unsafe fn uprobes_call(regs: *mut bindings::pt_regs) -> bool {
    // SAFETY: `regs` is current's frame (this function's contract).
    let nr = unsafe { (*regs).orig_ax };
    let ours = [
        bindings::__NR_uretprobe as c_ulong,
        bindings::__NR_uprobe as c_ulong,
    ];
    // SAFETY: as above.
    ours.contains(&nr) && unsafe { bindings::utrace_helper_uprobes_syscall(regs) }
}

/// The uprobes core has syscalls of its own on x86_64 alone: elsewhere no
/// syscall is one of them.
///
/// # Safety
///
/// None: the x86_64 version's contract, kept for its callers.
#[cfg(not(CONFIG_X86_64))]
#[inline(always)]
unsafe fn uprobes_call(_regs: *mut bindings::pt_regs) -> bool {
    false
}

/// Syscall entry of a task with `SYSCALL_WORK_UTRACE`: reports to its
/// engines and makes ptrace's entry stop, and seccomp's RET_TRACE stop
/// after it, at its place among them. Returns what the entry code does
/// next: skip the syscall (its result already set), or check it with
/// seccomp and run it, telling seccomp whether the RET_TRACE stop came.
///
/// # Safety
///
/// `regs` is the current task's register frame at syscall entry, `work`
/// the syscall work the entry code read, and `traced` a buffer for the
/// call a seccomp RET_TRACE stop lets go, read by the entry code after a
/// `UTRACE_ENTRY_RUN_TRACED` answer.
#[export]
pub(crate) unsafe extern "C" fn utrace_report_syscall_entry(
    regs: *mut bindings::pt_regs,
    work: c_ulong,
    traced: *mut bindings::seccomp_data,
) -> bindings::utrace_syscall_entry {
    // INVARIANT: the entry code passes the current task's register frame
    // and the syscall work it read; the call has not run.
    let mut live = LiveRegs {
        regs,
        at_exit: false,
    };
    // SAFETY: as above, and `traced` is the entry code's buffer.
    let mut ptrace = unsafe { LivePtrace::entry(regs, work, traced) };
    // The uprobes core's own calls are not the program's: engines neither
    // see nor abort them (an aborted uretprobe() would return to its
    // function's return value).
    // SAFETY: `regs` is current's frame at syscall entry.
    let engines = !unsafe { uprobes_call(regs) };
    let disposition = match engines
        .then(|| {
            task::with_current_registry(|task, reg| {
                reg.report_syscall_entry(task, &mut live, &mut ptrace)
            })
        })
        .flatten()
    {
        Some(disposition) => disposition,
        // No registry (the flag outlived it), or a call of the uprobes
        // core: ptrace alone.
        None => {
            let mut call = SyscallEntry::new(&mut live);
            call.ptrace_entry_stop(&mut ptrace);
            call.disposition()
        }
    };
    match disposition {
        Disposition::Abort(result) => {
            live.set_return_value(result);
            bindings::utrace_syscall_entry_UTRACE_ENTRY_SKIP
        }
        Disposition::Run if ptrace.seccomp_stopped => {
            bindings::utrace_syscall_entry_UTRACE_ENTRY_RUN_TRACED
        }
        Disposition::Run => bindings::utrace_syscall_entry_UTRACE_ENTRY_RUN,
    }
}

/// Syscall exit of a task with `SYSCALL_WORK_UTRACE`: reports to its
/// engines and makes ptrace's exit stop at its place among them.
///
/// # Safety
///
/// `regs` is the current task's register frame at syscall exit and
/// `work` the syscall work the exit code read.
#[export]
pub(crate) unsafe extern "C" fn utrace_report_syscall_exit(
    regs: *mut bindings::pt_regs,
    work: c_ulong,
) {
    // INVARIANT: the exit code passes the current task's register frame and
    // the syscall work it read, after the call.
    let mut live = LiveRegs {
        regs,
        at_exit: true,
    };
    // SAFETY: as above.
    let mut ptrace = unsafe { LivePtrace::exit(regs, work) };
    // SAFETY: `regs` is current's frame at syscall exit.
    let engines = !unsafe { uprobes_call(regs) };
    let reported = engines
        .then(|| {
            task::with_current_registry(|task, reg| {
                reg.report_syscall_exit(task, &mut live, &mut ptrace)
            })
        })
        .flatten();
    if reported.is_none() {
        ptrace.exit_stop(&mut live);
    }
}

/// The current task's tracer just attached to `child` (called from
/// `__ptrace_link()` under `tasklist_lock`, for a task with a registry).
///
/// # Safety
///
/// `child` is a live task, kept from being reaped for the call
/// (`__ptrace_link()` runs under `tasklist_lock`).
#[export]
pub(crate) unsafe extern "C" fn __utrace_ptrace_link(child: *mut bindings::task_struct) {
    // SAFETY: `__ptrace_link()` passes a task it holds (its caller found it
    // under RCU or created it, and `tasklist_lock` keeps it from being
    // reaped); `Task` is a transparent wrapper of task_struct.
    let child: &Task = unsafe { &*child.cast::<Task>() };
    if let Some(reg) = task::registry(child) {
        reg.ptrace_link();
    }
}

/// The current task, `child`'s tracer, set or cleared its step, resuming
/// or detaching it from a ptrace stop (called from `ptrace_resume()` and
/// `ptrace_detach()` for a task with a registry): a step its engines take
/// is armed again.
///
/// # Safety
///
/// `child` is the current task's tracee, frozen in a ptrace stop
/// (`ptrace_check_attach()` froze it; it cannot run, exit or be reaped).
#[export]
pub(crate) unsafe extern "C" fn __utrace_ptrace_resume(child: *mut bindings::task_struct) {
    // SAFETY: the caller's tracee, frozen, so live for the call; `Task` is
    // a transparent wrapper of task_struct.
    let child: &Task = unsafe { &*child.cast::<Task>() };
    if let Some(reg) = task::registry(child) {
        // SAFETY: `child` is the registry's task, frozen by its tracer,
        // the current task (this function's contract).
        unsafe { reg.ptrace_resumed(child) };
    }
}

/// The kernel's ptrace stop at a task event of the current task:
/// `ptrace_event(event, msg)`, whose exit event takes the code the engines
/// inside the tracer left instead of `msg`.
struct LivePtraceEvent {
    event: c_int,
    msg: c_ulong,
}

impl PtraceEvent for LivePtraceEvent {
    fn event_stop(&mut self, exit_code: Option<i64>) {
        // The code is a C long: as a message it is an unsigned long, as
        // `ptrace_event(PTRACE_EVENT_EXIT, code)` passes it.
        let msg = exit_code.map_or(self.msg, |c| c as c_ulong);
        // SAFETY: the current task makes its own ptrace stop, in a report
        // hook called with nothing held.
        unsafe { bindings::utrace_helper_ptrace_event(self.event, msg) }
    }
}

/// No tracer stop: the kernel makes it elsewhere.
struct NoPtraceEvent;

impl PtraceEvent for NoPtraceEvent {
    fn event_stop(&mut self, _exit_code: Option<i64>) {}
}

/// The kernel's vfork-done stop of the current task:
/// `ptrace_event_pid(PTRACE_EVENT_VFORK_DONE, child)`.
///
/// # Invariants
///
/// `child` is the vfork child's `struct pid`, which `kernel_clone()` holds
/// a reference on for the life of the value.
struct LivePtraceVforkDone {
    child: *mut bindings::pid,
}

impl PtraceEvent for LivePtraceVforkDone {
    fn event_stop(&mut self, _exit_code: Option<i64>) {
        // SAFETY: the current task makes its own ptrace stop, in a report
        // hook called with nothing held; by the type invariant `child` is
        // a live struct pid.
        unsafe {
            bindings::utrace_helper_ptrace_event_pid(
                bindings::PTRACE_EVENT_VFORK_DONE as c_int,
                self.child,
            )
        }
    }
}

/// The vfork child `child` released the current task's memory (called
/// from `kernel_clone()` for tasks that have a registry): its engines hear
/// of it, and its tracer makes its vfork-done stop at its place among them.
///
/// # Safety
///
/// `child` is the vfork child's `struct pid`, on which the caller holds a
/// reference for the call.
#[export]
pub(crate) unsafe extern "C" fn __utrace_report_vfork_done(child: *mut bindings::pid) {
    // SAFETY: `child` is a live struct pid (this function's contract).
    let report = VforkDoneReport::new(unsafe { bindings::pid_vnr(child) });
    // INVARIANT: the caller holds its reference for the call, which
    // `ptrace` does not outlive.
    let mut ptrace = LivePtraceVforkDone { child };
    let reported =
        task::with_current_registry(|task, reg| reg.report_vfork_done(task, &report, &mut ptrace));
    if reported.is_none() {
        ptrace.event_stop(None);
    }
}

/// The current task created `child`, which has not run yet (called from
/// `kernel_clone()` for tasks that have a registry).
///
/// # Safety
///
/// `child` is the task `kernel_clone()` just created, which it keeps
/// alive through the call.
#[export]
pub(crate) unsafe extern "C" fn __utrace_report_clone(
    child: *mut bindings::task_struct,
    flags: u64,
) {
    // SAFETY: `kernel_clone()` passes the task it just created, which it
    // keeps alive through this call; `Task` is a transparent wrapper of
    // task_struct.
    let child: &Task = unsafe { &*child.cast::<Task>() };
    let report = CloneReport::new(child, flags);
    task::with_current_registry(|task, reg| reg.report_clone(task, &report));
}

/// Whether `task` has engines (exec's privilege check, called with the
/// task's `cred_guard_mutex` held).
///
/// # Safety
///
/// `task` is a live task for the call (exec passes the current task).
#[export]
pub(crate) unsafe extern "C" fn __utrace_has_engines(task: *mut bindings::task_struct) -> bool {
    // SAFETY: exec passes the current task, alive for the call; `Task` is a
    // transparent wrapper of task_struct.
    let task: &Task = unsafe { &*task.cast::<Task>() };
    task::registry(task).is_some_and(|r| r.has_engines())
}

/// The current task runs a new program, executed as `filename` (called
/// from `exec_binprm()` for tasks that have a registry): its engines hear
/// of it, and its tracer makes its exec stop (message `old_vpid`) at its
/// place among them.
///
/// # Safety
///
/// `filename` is a NUL-terminated string that lives across the call
/// (`bprm->filename`).
#[export]
pub(crate) unsafe extern "C" fn __utrace_report_exec(filename: *const c_char, old_vpid: c_int) {
    // SAFETY: exec passes `bprm->filename`, a NUL-terminated string that
    // lives as long as the bprm, i.e. across this call.
    let path = unsafe { CStr::from_char_ptr(filename) };
    // SAFETY: the current task's own register frame, called from
    // `exec_binprm()` once the new program is in place.
    let report = unsafe { ExecReport::new(path, bindings::utrace_helper_current_regs()) };
    let mut ptrace = LivePtraceEvent {
        event: bindings::PTRACE_EVENT_EXEC as c_int,
        // A pid is positive: the cast keeps its value.
        msg: old_vpid as c_ulong,
    };
    let reported =
        task::with_current_registry(|task, reg| reg.report_exec(task, &report, &mut ptrace));
    if reported.is_none() {
        ptrace.event_stop(None);
    }
}

/// The current task exits with `*code` (called first thing in `do_exit()`
/// for tasks that have a registry, before the code is published to the
/// thread group): its engines hear of it and may change `*code`, and its
/// tracer makes its exit stop at its place among them. Returns whether the
/// tracer's stop was made: not during a core dump, whose threads must reach
/// `synchronize_group_exit()` before a tracer may hold them (the caller
/// makes it there, after every engine).
///
/// # Safety
///
/// `code` points to the exit code, `do_exit()`'s local.
#[export]
pub(crate) unsafe extern "C" fn __utrace_report_exit(code: *mut c_long) -> bool {
    // SAFETY: `do_exit()` passes its own local (this function's contract).
    let code = unsafe { &mut *code };
    let orig = *code as i64;
    let tracer_stops = !task::core_dumping();
    let mut ptrace = LivePtraceEvent {
        event: bindings::PTRACE_EVENT_EXIT as c_int,
        msg: *code as c_ulong,
    };
    let mut skipped = NoPtraceEvent;
    let tracer: &mut dyn PtraceEvent = if tracer_stops {
        &mut ptrace
    } else {
        &mut skipped
    };
    let Some(new) = task::with_current_registry(|task, reg| reg.report_exit(task, orig, tracer))
    else {
        return false;
    };
    if new != orig {
        task::edit_group_exit_code(orig, new);
    }
    // Exit codes are C longs: this only narrows on 32-bit, where the
    // engines' code came from a C long too unless an engine set a wider one.
    *code = new as c_long;
    tracer_stops
}

/// The current task is dead (called from `do_exit()` just before
/// `exit_notify()`): its engines hear of it and are detached.
///
/// # Safety
///
/// Called by the current task in `do_exit()` only, with nothing held.
#[export]
pub(crate) unsafe extern "C" fn __utrace_report_death(
    _task: *mut bindings::task_struct,
    group_dead: bool,
) {
    let death = DeathReport::new(group_dead);
    task::with_current_registry(|task, reg| reg.report_death(task, &death));
}

/// Whether the current task's engines want signals of `class` (one
/// `UTRACE_EVENT_SIGNAL_*` bit) reported; called under siglock.
///
/// # Safety
///
/// Called by the current task only, with its siglock held.
#[export]
pub(crate) unsafe extern "C" fn utrace_signal_wanted(class: c_uint) -> bool {
    let class = Events::from_raw(class);
    task::with_current_registry(|_, reg| reg.wants_signal(class)).unwrap_or(false)
}

/// The kernel's ptrace signal-delivery stop of the current task.
///
/// # Invariants
///
/// `info` is the siginfo get_signal() dequeued into, and `ptype` the
/// `enum pid_type` it was dequeued from.
struct LivePtraceSignal {
    info: *mut bindings::kernel_siginfo,
    ptype: c_int,
}

impl PtraceSignal for LivePtraceSignal {
    fn signal_stop(&mut self, sig: &mut SignalReport<'_>) -> AfterTracer {
        let mut class: c_uint = 0;
        let (orig_ka, return_ka) = sig.raw_sigactions();
        // SAFETY: by the type invariant `info` is current's dequeued
        // siginfo and `ptype` its queue; `class` is valid for writes, and
        // the report's sigactions are its own copies, valid and written
        // by nobody else during the report (`SignalReport::with_sigactions`).
        let signo = unsafe {
            bindings::utrace_helper_ptrace_signal(
                sig.signo(),
                self.info,
                self.ptype,
                &mut class,
                orig_ka,
                return_ka,
            )
        };
        if signo == 0 {
            return AfterTracer::Dropped;
        }
        let Ok(class) = SignalClass::from_event(Events::from_raw(class)) else {
            return AfterTracer::Final(signo);
        };
        // SAFETY: as above; the tracer may have rewritten the siginfo.
        let (code, errno) = unsafe { task::siginfo_code_errno(self.info) };
        sig.retarget(signo, code, errno, class);
        AfterTracer::Report
    }
}

/// The current task dequeued `signr` (`info`, from queue `ptype`) of
/// `class` (called from `__utrace_report_signal()` with siglock dropped).
/// Makes the tracer's stop at its place among the engines; returns the
/// signal to act on (0: none) and sets `*act` to the `UTRACE_SIGNAL_*`
/// disposition, with `UTRACE_SIGNAL_HOLD` for a signal to put back.
///
/// # Safety
///
/// Called by the current task without its siglock (the tracer's stop
/// takes it). `info` is the siginfo `get_signal()` dequeued `signr` into,
/// not shared across the call, `ptype` the queue it came from, and `act`
/// is valid for a write. `orig_ka` and `return_ka` are distinct copies of
/// the task's sigaction for `signr`, valid and not shared across the call.
#[export]
pub(crate) unsafe extern "C" fn utrace_signal_report(
    signr: c_int,
    info: *mut bindings::kernel_siginfo,
    class: c_uint,
    ptype: c_int,
    act: *mut c_int,
    orig_ka: *mut bindings::k_sigaction,
    return_ka: *mut bindings::k_sigaction,
) -> c_int {
    // INVARIANT: get_signal() passes the siginfo it dequeued into and the
    // queue it came from.
    let mut ptrace = LivePtraceSignal { info, ptype };
    let (signo, action, hold) = match SignalClass::from_event(Events::from_raw(class)) {
        Ok(class) => {
            // SAFETY: the siginfo is valid and not shared across the call.
            let (code, errno) = unsafe { task::siginfo_code_errno(info) };
            // SAFETY: `info` is the siginfo get_signal() dequeued `signr`
            // into, and `orig_ka`, `return_ka` distinct sigaction copies,
            // none shared across the call (this function's contract).
            let mut report = unsafe {
                SignalReport::new(signr, code, errno, class, info)
                    .with_sigactions(orig_ka, return_ka)
            };
            task::with_current_registry(|task, reg| {
                reg.report_signal(task, &mut report, &mut ptrace)
            })
            .unwrap_or((signr, SignalAction::Deliver, false))
        }
        Err(_) => (signr, SignalAction::Deliver, false),
    };
    // The values are below 0x200: they fit a C int.
    let bits = (action.bits() | if hold { SIGNAL_HOLD } else { 0 }) as c_int;
    // SAFETY: `__utrace_report_signal()` passes its `act` out-parameter.
    unsafe { *act = bits };
    signo
}

/// Whether a quiesce report of the current task's engines left a report
/// with no signal for its next signal check ([`Events::SIGNAL_REPORT`]).
///
/// # Safety
///
/// Called by the current task only.
#[export]
pub(crate) unsafe extern "C" fn __utrace_signal_report_pending() -> bool {
    task::with_current_registry(|task, reg| reg.signal_report_pending(task)).unwrap_or(false)
}

/// The report with no signal that `__utrace_signal_report_pending()`
/// said is due (called from `__utrace_made_up_signal()` with siglock
/// dropped). Returns the signal the engines made up (0: none), with its
/// siginfo in `info`, the sigaction to deliver it with in `return_ka`, and
/// the `UTRACE_SIGNAL_*` disposition in `*act` (never `IGN`: an ignored
/// signal is none).
///
/// # Safety
///
/// Called by the current task only, without its siglock; `info` (a
/// cleared siginfo), `orig_ka` and `return_ka` (distinct cleared
/// sigactions) and `act` are valid for writes and not shared across the
/// call.
#[export]
pub(crate) unsafe extern "C" fn utrace_made_up_report(
    info: *mut bindings::kernel_siginfo,
    act: *mut c_int,
    orig_ka: *mut bindings::k_sigaction,
    return_ka: *mut bindings::k_sigaction,
) -> c_int {
    // SAFETY: `info`, `orig_ka` and `return_ka` are valid, distinct and
    // not shared across the call (this function's contract).
    let mut report = unsafe { SignalReport::made_up(info, orig_ka, return_ka) };
    let (signo, action) =
        task::with_current_registry(|task, reg| reg.report_made_up_signal(task, &mut report))
            .unwrap_or((0, SignalAction::Deliver));
    // The values are below 0x100: they fit a C int.
    // SAFETY: `__utrace_made_up_signal()` passes its `act` out-parameter.
    unsafe { *act = action.bits() as c_int };
    signo
}

/// The current task is at a safe point a handle asked for: `work`, one of
/// its registry's kicks queued by `utrace_helper_kick()`, runs.
///
/// # Safety
///
/// Called by the current task only, from its task work; `work` is only
/// compared, never dereferenced.
#[export]
pub(crate) unsafe extern "C" fn utrace_quiesce_report(work: *mut bindings::callback_head) {
    // `work` is only compared with the registry's own kick.
    task::with_current_registry(|task, reg| reg.run_kick(task, work));
}

/// The current task is about to take part in a group stop
/// (`CLD_STOPPED`), or was continued (`CLD_CONTINUED`); no lock held.
///
/// # Safety
///
/// Called by the current task only, with no lock held.
#[export]
pub(crate) unsafe extern "C" fn __utrace_report_jctl(why: c_int) {
    let what = match why as u32 {
        bindings::CLD_STOPPED => JobControl::Stopping,
        _ => JobControl::Continued,
    };
    task::with_current_registry(|task, reg| reg.report_jctl(task, what));
}

/// The current task entered the handler of the signal `info` describes
/// (called from `signal_delivered()`, no lock held); `stepping`: the arch
/// code turned a step off to get there.
///
/// # Safety
///
/// Called by the current task only, with nothing held; `info` is the
/// delivered signal's siginfo, valid for the call.
#[export]
pub(crate) unsafe extern "C" fn __utrace_report_signal_handler(
    info: *mut bindings::kernel_siginfo,
    stepping: bool,
) {
    task::with_current_registry(|task, reg| {
        // SAFETY: `info` is valid for the call (this function's contract).
        let (code, _) = unsafe { task::siginfo_code_errno(info) };
        // SAFETY: as above.
        let signo = unsafe { bindings::utrace_helper_siginfo_signo(info) };
        reg.report_signal_handler(task, signo, code, stepping, info)
    });
}

/// The current task left a ptrace STOP trap (called from `get_signal()`,
/// no lock held): if its engines heard of a group stop, the trap was that
/// stop, and they hear that the task runs again.
///
/// # Safety
///
/// Called by the current task only, from `get_signal()` with no lock
/// held.
#[export]
pub(crate) unsafe extern "C" fn __utrace_report_jctl_trapped() {
    task::with_current_registry(|task, reg| reg.report_jctl_trapped(task));
}

/// Whether a made-up signal report of `task`'s engines is armed: its
/// `recalc_sigpending()` keeps `TIF_SIGPENDING` set until the report is
/// made. `task` is the current task (`recalc_sigpending_tsk()` is only
/// called for it); for another, false, with a warning once.
///
/// # Safety
///
/// Called with `task`'s siglock held (every caller of
/// `recalc_sigpending_tsk()` holds it); `task` is a valid task_struct.
#[export]
pub(crate) unsafe extern "C" fn __utrace_signal_report_armed(
    task: *mut bindings::task_struct,
) -> bool {
    if kernel::warn_on!(task != Task::current_raw()) {
        return false;
    }
    // The registry of the running task is borrowed, not referenced: this
    // is every recalc_sigpending() of a task with engines.
    task::with_current_registry(|_, r| r.signal_report_armed()).unwrap_or(false)
}

/// Whether engines of `task` asked for signals of the classes `events`
/// (called by signal senders with the task's siglock held, maybe in IRQ
/// context): for the fatal classes, whether one intercepts them
/// (`Registry::defers_signals`).
///
/// # Safety
///
/// The caller holds `task`'s siglock with interrupts off (signal senders
/// do): an RCU read-side section, which keeps the task from being freed
/// for the call; or `task` is the current task (`signal_delivered()`).
#[export]
pub(crate) unsafe extern "C" fn __utrace_wants_signals(
    task: *mut bindings::task_struct,
    events: c_uint,
) -> bool {
    // SAFETY: `task` is not freed while its siglock is held with
    // interrupts off, nor while it runs this (this function's contract);
    // `Task` is a transparent wrapper of task_struct.
    let task: &Task = unsafe { &*task.cast::<Task>() };
    task::registry(task).is_some_and(|r| r.defers_signals(Events::from_raw(events)))
}

/// `task` is being reaped (called from `release_task()` by the reaper).
///
/// # Safety
///
/// `task` is the task `release_task()` is reaping, which its caller
/// holds until the last `put_task_struct()`, after this call.
#[export]
pub(crate) unsafe extern "C" fn __utrace_report_reap(task: *mut bindings::task_struct) {
    // SAFETY: release_task() is handed a task its caller holds until the
    // last put_task_struct, after this call; `Task` is a transparent
    // wrapper of task_struct.
    let task: &Task = unsafe { &*task.cast::<Task>() };
    if let Some(reg) = task::registry(task) {
        reg.report_reap(task);
    }
}

/// A task_struct is being freed: drops its registry.
///
/// # Safety
///
/// Called by `free_task()` only, on a task no one else uses any more.
#[export]
pub(crate) unsafe extern "C" fn utrace_free_task(task: *mut bindings::task_struct) {
    // SAFETY: per this function's contract `task` is unshared.
    unsafe { task::free_registry(task) }
}
