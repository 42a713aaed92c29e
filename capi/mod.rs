// SPDX-License-Identifier: GPL-2.0

//! The C engine API: engines written in C, as `struct utrace_engine_ops`
//! tables, attached to the same registry as the Rust engines.
//!
//! A C engine is a [`CEngine`]: an [`Engine`] whose callbacks call the ops.
//! The `struct utrace_engine *` that C code holds points to it inside its
//! `Arc`, one reference per pointer handed out (`utrace_engine_put` drops
//! one). `capi.c` exports the entry points; the declarations and the
//! contract are in `include/linux/utrace.h` (kernel patch 0010) and
//! `Documentation/c-api.md`.

use crate::engine_core::{
    Attach, BreakpointReport, CloneReport, DeathReport, Disposition, Engine, EngineHandle, Events,
    ExecReport, ExitReport, JobControl, Match, ProbeKind, Resume, SignalAction,
    SignalHandlerReport, SignalReport, StopState, SyscallEntry, SyscallExit, VforkDoneReport,
};
use core::ptr;
use kernel::bindings;
use kernel::ffi::{c_int, c_long, c_uint, c_ulong, c_void};
use kernel::prelude::*;
use kernel::sync::atomic::{Acquire, Atomic, Full};
use kernel::sync::{Arc, ArcBorrow, Mutex};
use kernel::task::Task;

// utrace's values (include/linux/utrace.h).
const UTRACE_STOP: u32 = bindings::utrace_resume_action_UTRACE_STOP;
const UTRACE_INTERRUPT: u32 = bindings::utrace_resume_action_UTRACE_INTERRUPT;
const UTRACE_REPORT: u32 = bindings::utrace_resume_action_UTRACE_REPORT;
const UTRACE_SINGLESTEP: u32 = bindings::utrace_resume_action_UTRACE_SINGLESTEP;
const UTRACE_BLOCKSTEP: u32 = bindings::utrace_resume_action_UTRACE_BLOCKSTEP;
const UTRACE_RESUME: u32 = bindings::utrace_resume_action_UTRACE_RESUME;
const UTRACE_DETACH: u32 = bindings::utrace_resume_action_UTRACE_DETACH;
const RESUME_MASK: u32 = bindings::UTRACE_RESUME_MASK;
const SYSCALL_ABORT: u32 = bindings::UTRACE_SYSCALL_ABORT;
const SYSCALL_MASK: u32 = bindings::UTRACE_SYSCALL_MASK;
const SYSCALL_RESUMED: u32 = bindings::UTRACE_SYSCALL_RESUMED;
const SIGNAL_HOLD: u32 = bindings::UTRACE_SIGNAL_HOLD;
const SIGNAL_HANDLER: u32 = bindings::utrace_signal_action_UTRACE_SIGNAL_HANDLER;
const SIGNAL_REPORT: u32 = bindings::utrace_signal_action_UTRACE_SIGNAL_REPORT;
const SIGNAL_MASK: u32 = bindings::UTRACE_SIGNAL_MASK;
const ATTACH_MATCH_OPS: c_int = bindings::UTRACE_ATTACH_MATCH_OPS as c_int;
const ATTACH_MATCH_DATA: c_int = bindings::UTRACE_ATTACH_MATCH_DATA as c_int;
const ATTACH_CREATE: c_int = bindings::UTRACE_ATTACH_CREATE as c_int;
const ATTACH_EXCLUSIVE: c_int = bindings::UTRACE_ATTACH_EXCLUSIVE as c_int;
const PROBE_RETURN: c_uint = bindings::UTRACE_BREAKPOINT_RETURN;

// engine-core passes event masks through unchanged: its bits are utrace's.
const _: () = assert!(Events::BREAKPOINT.bits() == bindings::UTRACE_EVENT_BREAKPOINT);

/// A result for C: the pointer, or the error as the pointer `ERR_PTR()`
/// makes of it (its negative errno), for the C API's calls that return
/// a pointer.
pub(crate) fn ptr_or_err<T>(result: Result<*mut T>) -> *mut T {
    match result {
        Ok(p) => p,
        Err(e) => e.to_errno() as isize as *mut T,
    }
}

/// A callback's answer, as engine-core's [`Resume`]. INTERRUPT,
/// SINGLESTEP and BLOCKSTEP are requests of `utrace_control()`; answered
/// by a callback, they resume.
fn resume_of(answer: u32) -> Resume {
    match answer & RESUME_MASK {
        UTRACE_STOP => Resume::Stop,
        UTRACE_REPORT => Resume::Report,
        UTRACE_DETACH => Resume::Detach,
        _ => Resume::Resume,
    }
}

/// An engine written in C.
///
/// # Invariants
///
/// `ops` points to an ops table valid as long as the engine can be called
/// (until it is detached and a barrier passed), and every
/// `CEngine` lives in an `Arc` (it is only built by [`attach`]).
#[pin_data(PinnedDrop)]
pub(crate) struct CEngine {
    ops: *const bindings::utrace_engine_ops,
    data: *mut c_void,
    /// `ops->release`, read at attach: the engine may be freed after its
    /// module dropped its last reference and stopped using `ops`.
    release: Option<unsafe extern "C" fn(data: *mut c_void)>,
    /// References C code holds (pointers handed out, not yet put).
    external: Atomic<i32>,
    /// The handle, while the engine is attached or C code may still ask
    /// for a barrier. It refers to the attachment, which refers to this
    /// engine: it is dropped once both are over, which ends the cycle.
    #[pin]
    handle: Mutex<Option<EngineHandle<CEngine>>>,
}

// SAFETY: the ops table is immutable and the C contract makes the callbacks
// and `data` usable from any task; the rest is a lock and an atomic.
unsafe impl Send for CEngine {}
// SAFETY: as above.
unsafe impl Sync for CEngine {}

impl CEngine {
    fn ops(&self) -> &bindings::utrace_engine_ops {
        // SAFETY: by the type invariant the table outlives the engine.
        unsafe { &*self.ops }
    }

    /// Whether the module that holds this engine's ops table is being
    /// unloaded (its exit runs).
    fn module_going(&self) -> bool {
        // SAFETY: the helper only compares the address with the module
        // tree's ranges, under RCU.
        unsafe { bindings::utrace_helper_module_going(self.ops.cast()) }
    }

    /// The `struct utrace_engine *` of this engine.
    fn as_c(&self) -> *mut bindings::utrace_engine {
        ptr::from_ref(self).cast_mut().cast()
    }

    /// A copy of the handle, taken without holding the lock across the
    /// registry's operations (which call back into [`CEngine::detached`]).
    fn handle(&self) -> Result<EngineHandle<CEngine>> {
        self.handle.lock().clone().ok_or(ESRCH)
    }

    /// Drops the handle once the engine is detached and no C reference is
    /// left: nothing can use it any more.
    fn maybe_release_handle(&self) {
        let mut h = self.handle.lock();
        if self.external.load(Acquire) == 0 && h.as_ref().is_some_and(|h| h.is_detached()) {
            *h = None;
        }
    }
}

#[pinned_drop]
impl PinnedDrop for CEngine {
    fn drop(self: Pin<&mut Self>) {
        if let Some(release) = self.release {
            // SAFETY: the engine is gone: no callback runs any more, as
            // `release` requires; `data` is the caller's.
            unsafe { release(self.data) }
        }
    }
}

impl Engine for CEngine {
    fn report_syscall_entry(&self, _task: &Task, call: &mut SyscallEntry<'_>) -> Resume {
        let Some(f) = self.ops().report_syscall_entry else {
            return Resume::Resume;
        };
        let before = match call.disposition() {
            Disposition::Abort(_) => SYSCALL_ABORT,
            Disposition::Run => 0,
        };
        let resumed = if call.is_resumed() {
            SYSCALL_RESUMED
        } else {
            0
        };
        // SAFETY: the callback gets this engine and the task's registers,
        // in the task's own context, as the C API documents.
        let answer = unsafe {
            f(
                UTRACE_RESUME | before | resumed,
                self.as_c(),
                call.raw_regs(),
            )
        };
        if answer & SYSCALL_MASK == SYSCALL_ABORT {
            call.abort_with_register_result();
        } else {
            call.run();
        }
        resume_of(answer)
    }

    fn report_syscall_exit(&self, _task: &Task, call: &mut SyscallExit<'_>) -> Resume {
        let Some(f) = self.ops().report_syscall_exit else {
            return Resume::Resume;
        };
        // SAFETY: as for the entry.
        resume_of(unsafe { f(UTRACE_RESUME, self.as_c(), call.raw_regs()) })
    }

    fn report_clone(&self, _task: &Task, clone: &CloneReport<'_>) -> Resume {
        let Some(f) = self.ops().report_clone else {
            return Resume::Resume;
        };
        // `CLONE_*` flags fit an unsigned long.
        let flags = clone.flags() as c_ulong;
        // SAFETY: the child is alive for the report (kernel_clone holds it).
        resume_of(unsafe { f(UTRACE_RESUME, self.as_c(), flags, clone.child().as_ptr()) })
    }

    fn report_exec(&self, _task: &Task, exec: &ExecReport<'_>) -> Resume {
        let Some(f) = self.ops().report_exec else {
            return Resume::Resume;
        };
        // SAFETY: the path is a NUL-terminated string alive for the report,
        // and the registers are the task's own.
        resume_of(unsafe {
            f(
                UTRACE_RESUME,
                self.as_c(),
                exec.path().as_char_ptr(),
                exec.raw_regs(),
            )
        })
    }

    fn report_exit(&self, _task: &Task, exit: &mut ExitReport) -> Resume {
        let Some(f) = self.ops().report_exit else {
            return Resume::Resume;
        };
        // Exit codes are C longs.
        let mut code = exit.code() as c_long;
        // SAFETY: `code` is valid for writes for the call.
        let answer = unsafe {
            f(
                UTRACE_RESUME,
                self.as_c(),
                exit.orig_code() as c_long,
                &mut code,
            )
        };
        exit.set_code(code as i64);
        resume_of(answer)
    }

    fn report_death(&self, _task: &Task, death: &DeathReport) {
        if let Some(f) = self.ops().report_death {
            // SAFETY: as for the other callbacks.
            unsafe { f(self.as_c(), death.group_dead(), death.signal().to_utrace()) }
        }
    }

    fn report_signal(&self, _task: &Task, signal: &mut SignalReport<'_>) -> Resume {
        let Some(f) = self.ops().report_signal else {
            return Resume::Resume;
        };
        // SAFETY: called by the current task (a report runs in it).
        let regs = unsafe { bindings::utrace_helper_current_regs() };
        if signal.is_made_up() {
            // utrace's UTRACE_SIGNAL_REPORT: no signal until one is made
            // up, in the siginfo and the sigaction to deliver it with.
            let before = match signal.signo() {
                0 => SIGNAL_REPORT,
                _ => signal.action().bits(),
            };
            // SAFETY: the siginfo and the sigactions are the made-up
            // report's, alive and ours for the report (the task's own
            // sigaction to read, null until a signal is made up; the one
            // to deliver with to write).
            let answer = unsafe {
                f(
                    UTRACE_RESUME | before,
                    self.as_c(),
                    regs,
                    signal.raw_info(),
                    signal.raw_orig_ka(),
                    signal.raw_return_ka(),
                )
            };
            if answer & SIGNAL_MASK == SIGNAL_REPORT {
                signal.cancel_made_up();
            } else {
                signal.adopt_made_up();
                if let Ok(action) = SignalAction::from_bits(answer) {
                    signal.set_action(action);
                }
            }
            return resume_of(answer);
        }
        let hold = if signal.is_held() { SIGNAL_HOLD } else { 0 };
        let before = UTRACE_RESUME | signal.action().bits() | hold;
        // SAFETY: the siginfo is the one get_signal() dequeued, alive and
        // ours to write for the report; the sigactions are the report's
        // copies, the task's own to read and the one to deliver with to
        // write (null in tests).
        let answer = unsafe {
            f(
                before,
                self.as_c(),
                regs,
                signal.raw_info(),
                signal.raw_orig_ka(),
                signal.raw_return_ka(),
            )
        };
        // The engine may have edited the siginfo: the engines after it
        // see the new code and errno.
        signal.reread_info();
        // A disposition utrace-rs does not offer leaves the one before.
        if let Ok(action) = SignalAction::from_bits(answer) {
            signal.set_action(action);
        }
        signal.hold(answer & SIGNAL_HOLD != 0);
        resume_of(answer)
    }

    fn report_signal_handler(&self, _task: &Task, handler: &SignalHandlerReport<'_>) -> Resume {
        let Some(f) = self.ops().report_signal else {
            return Resume::Resume;
        };
        // SAFETY: the siginfo is the delivered signal's, alive for the
        // report; utrace's C engines got it as a pointer to write, but a
        // change means nothing after delivery (documented).
        let answer = unsafe {
            f(
                UTRACE_RESUME | SIGNAL_HANDLER,
                self.as_c(),
                bindings::utrace_helper_current_regs(),
                handler.raw_info(),
                core::ptr::null(),
                core::ptr::null_mut(),
            )
        };
        // Only the resume action counts: the signal is delivered.
        resume_of(answer)
    }

    fn report_jctl(&self, _task: &Task, what: JobControl) -> Resume {
        let Some(f) = self.ops().report_jctl else {
            return Resume::Resume;
        };
        let why = match what {
            JobControl::Stopping => bindings::CLD_STOPPED,
            JobControl::Continued => bindings::CLD_CONTINUED,
        } as c_int;
        // SAFETY: as for the other callbacks.
        resume_of(unsafe { f(UTRACE_RESUME, self.as_c(), why) })
    }

    fn report_vfork_done(&self, _task: &Task, done: &VforkDoneReport) -> Resume {
        let Some(f) = self.ops().report_vfork_done else {
            return Resume::Resume;
        };
        // SAFETY: as for the other callbacks.
        resume_of(unsafe { f(UTRACE_RESUME, self.as_c(), done.child_pid()) })
    }

    fn report_quiesce(&self, _task: &Task) -> Resume {
        let Some(f) = self.ops().report_quiesce else {
            return Resume::Resume;
        };
        // SAFETY: as for the other callbacks. No event follows a quiesce
        // report here (utrace's `event` argument): 0.
        resume_of(unsafe { f(UTRACE_RESUME, self.as_c(), 0) })
    }

    fn report_breakpoint(&self, _task: &Task, hit: &mut BreakpointReport<'_>) -> Resume {
        let Some(f) = self.ops().report_breakpoint else {
            return Resume::Resume;
        };
        let flags = match hit.kind() {
            ProbeKind::Entry => 0,
            ProbeKind::Return => PROBE_RETURN,
        };
        // An offset the uprobes core took as a `loff_t`: it fits.
        let offset = hit.site().offset as bindings::loff_t;
        // SAFETY: as for the other callbacks; the registers are the
        // task's, the engine's to change for the report.
        resume_of(unsafe {
            f(
                UTRACE_RESUME,
                self.as_c(),
                hit.raw_regs(),
                hit.function() as c_ulong,
                offset,
                flags,
            )
        })
    }

    fn report_reap(&self, task: &Task) {
        if let Some(f) = self.ops().report_reap {
            // SAFETY: the reaper holds the task for the report.
            unsafe { f(self.as_c(), task.as_ptr()) }
        }
    }

    fn detached(&self) {
        self.maybe_release_handle();
    }
}

/// Hands a reference out to C code.
fn hand_out(engine: Arc<CEngine>) -> *mut bindings::utrace_engine {
    engine.external.fetch_add(1, Full);
    Arc::into_raw(engine).cast_mut().cast()
}

/// The engine behind a pointer C code holds.
///
/// # Safety
///
/// `engine` must be a pointer handed out by [`hand_out`] and not yet put,
/// or the `engine` argument of a callback while that callback runs (the
/// registry holds the engine then).
unsafe fn borrow<'a>(engine: *mut bindings::utrace_engine) -> ArcBorrow<'a, CEngine> {
    // SAFETY: per the function's contract the pointer comes from
    // `Arc::into_raw` and its reference is still held.
    unsafe { ArcBorrow::from_raw(engine.cast::<CEngine>()) }
}

fn attach(
    task: &Task,
    flags: c_int,
    ops: *const bindings::utrace_engine_ops,
    data: *mut c_void,
) -> Result<*mut bindings::utrace_engine> {
    let known = ATTACH_MATCH_OPS | ATTACH_MATCH_DATA | ATTACH_CREATE | ATTACH_EXCLUSIVE;
    if ops.is_null() || flags & !known != 0 {
        return Err(EINVAL);
    }
    let by_data = flags & ATTACH_MATCH_DATA != 0;
    let by_ops = by_data || flags & ATTACH_MATCH_OPS != 0;
    let same = |e: &CEngine| ptr::eq(e.ops, ops) && (!by_data || e.data == data);
    if flags & ATTACH_CREATE == 0 {
        if !by_ops {
            return Err(EINVAL);
        }
        let found = EngineHandle::<CEngine>::find(task, Match::Data(&same))?;
        let p = ptr::from_ref(found.engine());
        // SAFETY: by the type invariant every `CEngine` lives in an `Arc`,
        // kept alive here by `found`, which holds a reference to it.
        let engine: Arc<CEngine> = unsafe { ArcBorrow::from_raw(p) }.into();
        return Ok(hand_out(engine));
    }
    // SAFETY: the C API's caller passes a valid ops table.
    let release = unsafe { (*ops).release };
    // INVARIANT: the caller passes an ops table that outlives the engine's
    // callbacks (the API's contract); the engine is built in an `Arc`.
    let engine = Arc::pin_init(
        pin_init!(CEngine {
            ops,
            data,
            release,
            external: Atomic::new(0),
            handle <- kernel::new_mutex!(None, "utrace::CEngine::handle"),
        }),
        GFP_KERNEL,
    )?;
    let mut req = Attach::new(engine.clone()).events(Events::NONE);
    if flags & ATTACH_EXCLUSIVE != 0 {
        if !by_ops {
            return Err(EINVAL);
        }
        req = req.exclusive(Match::Data(&same));
    }
    let handle = req.attach_to_task(task)?;
    *engine.handle.lock() = Some(handle);
    let out = hand_out(engine.clone());
    // Detached already (the task died)? Then the handle may go now.
    engine.maybe_release_handle();
    Ok(out)
}

/// `utrace_attach_task()`.
///
/// # Safety
///
/// `task` is a task the caller holds a reference on, and `ops` a valid
/// engine ops table that outlives the engine (the C API's contract). It
/// may sleep: not from atomic context, nor from a `report_reap` callback.
#[export]
pub(crate) unsafe extern "C" fn utrace_rs_attach_task(
    task: *mut bindings::task_struct,
    flags: c_int,
    ops: *const bindings::utrace_engine_ops,
    data: *mut c_void,
) -> *mut bindings::utrace_engine {
    // SAFETY: the C API's caller passes a task it holds a reference on;
    // `Task` is a transparent wrapper of task_struct.
    let task: &Task = unsafe { &*task.cast::<Task>() };
    ptr_or_err(attach(task, flags, ops, data))
}

/// `utrace_set_events()`.
///
/// # Safety
///
/// `engine` is a pointer `utrace_rs_attach_task()` handed out, whose
/// reference the caller still holds, or the `engine` argument of a
/// callback while that callback runs.
#[export]
pub(crate) unsafe extern "C" fn utrace_rs_set_events(
    engine: *mut bindings::utrace_engine,
    events: c_ulong,
) -> c_int {
    // SAFETY: `engine` is held by the caller or is a running callback's
    // (this function's contract).
    let engine = unsafe { borrow(engine) };
    let result = u32::try_from(events)
        .map_err(|_| EINVAL)
        .and_then(Events::from_bits)
        // Not utrace events: C engines intercept fatal signals, as
        // utrace's did; and get made-up signal reports as utrace's did,
        // with a quiesce report and a report_signal callback.
        .and_then(
            |ev| match ev.intersects(Events::SIGNAL_OBSERVE.union(Events::SIGNAL_REPORT)) {
                true => Err(EINVAL),
                false => Ok(ev),
            },
        )
        .map(
            |ev| match ev.contains(Events::QUIESCE) && engine.ops().report_signal.is_some() {
                true => ev.union(Events::SIGNAL_REPORT),
                false => ev,
            },
        )
        .and_then(|ev| engine.handle()?.set_events(ev));
    to_int(result)
}

/// `utrace_probe()`: subscribes the engine to a breakpoint (see
/// [`EngineHandle::probe`]); the subscription is a boxed
/// [`ProbeSubscription`] behind the opaque `struct utrace_probe *`.
///
/// # Safety
///
/// `engine` is held by the caller (as for [`utrace_rs_set_events`]);
/// `file` is a file the caller holds a reference on.
///
/// [`ProbeSubscription`]: crate::engine_core::ProbeSubscription
#[export]
pub(crate) unsafe extern "C" fn utrace_rs_probe(
    engine: *mut bindings::utrace_engine,
    file: *mut bindings::file,
    offset: bindings::loff_t,
    flags: c_uint,
) -> *mut bindings::utrace_probe {
    // SAFETY: `engine` is held by the caller (this function's contract).
    let engine = unsafe { borrow(engine) };
    // SAFETY: the caller holds `file`, across this call, in which no
    // fdget_pos() of this thread is active.
    let file = unsafe { kernel::fs::LocalFile::from_raw_file(file) };
    ptr_or_err(probe(&engine, file, offset, flags))
}

#[cfg(CONFIG_UPROBES)]
fn probe(
    engine: &CEngine,
    file: &kernel::fs::LocalFile,
    offset: bindings::loff_t,
    flags: c_uint,
) -> Result<*mut bindings::utrace_probe> {
    let kind = match flags {
        0 => ProbeKind::Entry,
        PROBE_RETURN => ProbeKind::Return,
        _ => return Err(EINVAL),
    };
    let offset = u64::try_from(offset).map_err(|_| EINVAL)?;
    let sub = engine.handle()?.probe(file, offset, kind)?;
    let boxed = KBox::new(sub, GFP_KERNEL_ACCOUNT)?;
    Ok(KBox::into_raw(boxed).cast())
}

#[cfg(not(CONFIG_UPROBES))]
fn probe(
    _engine: &CEngine,
    _file: &kernel::fs::LocalFile,
    _offset: bindings::loff_t,
    _flags: c_uint,
) -> Result<*mut bindings::utrace_probe> {
    Err(crate::engine_core::policy::eopnotsupp())
}

/// `utrace_unprobe()`: ends a subscription of `utrace_probe()`.
///
/// # Safety
///
/// `probe` was returned by `utrace_rs_probe()` and is not used again.
#[export]
pub(crate) unsafe extern "C" fn utrace_rs_unprobe(probe: *mut bindings::utrace_probe) {
    #[cfg(CONFIG_UPROBES)]
    // SAFETY: `probe` came from `KBox::into_raw` in `probe()`, and is given
    // back once (this function's contract).
    drop(unsafe { KBox::from_raw(probe.cast::<crate::engine_core::ProbeSubscription>()) });
    #[cfg(not(CONFIG_UPROBES))]
    let _ = probe;
}

/// `utrace_control()`. STOP returns `-EINPROGRESS` while the task is not
/// stopped yet; REPORT resumes a task this engine holds stopped asking
/// for the event to be reported again, or asks for a quiesce report.
///
/// # Safety
///
/// As for [`utrace_rs_set_events`].
#[export]
pub(crate) unsafe extern "C" fn utrace_rs_control(
    engine: *mut bindings::utrace_engine,
    action: c_uint,
) -> c_int {
    // SAFETY: `engine` is held by the caller or is a running callback's
    // (this function's contract).
    let engine = unsafe { borrow(engine) };
    let Ok(h) = engine.handle() else {
        return ESRCH.to_errno();
    };
    let result = match action {
        UTRACE_STOP => h.stop().and_then(StopState::to_utrace),
        UTRACE_INTERRUPT => h.interrupt(),
        UTRACE_REPORT => h.report(),
        UTRACE_SINGLESTEP => h.resume_step(false),
        UTRACE_BLOCKSTEP => h.resume_step(true),
        UTRACE_RESUME => h.resume(),
        UTRACE_DETACH => h.detach(),
        _ => Err(EINVAL),
    };
    to_int(result)
}

/// `utrace_barrier()`. SIGKILL ends the wait (`-ERESTARTSYS`), as utrace's
/// did, except in the unload recipe: a detached engine whose ops table
/// lies in a module being unloaded. There no signal ends it: the module's
/// exit cannot fail, and leaving while a callback runs would free the code
/// it runs.
///
/// # Safety
///
/// As for [`utrace_rs_set_events`].
#[export]
pub(crate) unsafe extern "C" fn utrace_rs_barrier(engine: *mut bindings::utrace_engine) -> c_int {
    // SAFETY: `engine` is held by the caller or is a running callback's
    // (this function's contract).
    let engine = unsafe { borrow(engine) };
    to_int(engine.handle().and_then(|h| {
        if h.is_detached() && engine.module_going() {
            h.barrier_uninterruptible();
            Ok(())
        } else {
            h.barrier()
        }
    }))
}

/// `utrace_prepare_examine()`: stores the task's switch count in `*ncsw`.
///
/// # Safety
///
/// As for [`utrace_rs_set_events`]; `ncsw` is valid for a write.
#[export]
pub(crate) unsafe extern "C" fn utrace_rs_prepare_examine(
    engine: *mut bindings::utrace_engine,
    ncsw: *mut c_ulong,
) -> c_int {
    // SAFETY: `engine` is held by the caller or is a running callback's
    // (this function's contract).
    let engine = unsafe { borrow(engine) };
    to_int(engine.handle().and_then(|h| h.prepare_examine()).map(|n| {
        // SAFETY: `ncsw` is valid for a write (this function's contract).
        unsafe { ncsw.write(n) }
    }))
}

/// `utrace_finish_examine()`: `ncsw` is what `utrace_rs_prepare_examine`
/// stored.
///
/// # Safety
///
/// As for [`utrace_rs_set_events`].
#[export]
pub(crate) unsafe extern "C" fn utrace_rs_finish_examine(
    engine: *mut bindings::utrace_engine,
    ncsw: c_ulong,
) -> c_int {
    // SAFETY: `engine` is held by the caller or is a running callback's
    // (this function's contract).
    let engine = unsafe { borrow(engine) };
    to_int(engine.handle().and_then(|h| h.finish_examine(ncsw)))
}

/// `utrace_examine_regset()`: reads the register set `note` (an `NT_*`
/// value of `PTRACE_GETREGSET`) of the task the engine holds stopped into
/// `buf` (at most `size` bytes), or writes it from `buf` (exactly its
/// size); returns the bytes, or `-errno`.
///
/// # Safety
///
/// As for [`utrace_rs_set_events`]; `buf` is valid for `size` bytes.
#[export]
pub(crate) unsafe extern "C" fn utrace_rs_examine_regset(
    engine: *mut bindings::utrace_engine,
    note: c_uint,
    buf: *mut c_void,
    size: c_uint,
    write: bool,
) -> c_int {
    // SAFETY: `engine` is held by the caller or is a running callback's
    // (this function's contract).
    let engine = unsafe { borrow(engine) };
    if buf.is_null() || size == 0 {
        return EINVAL.to_errno();
    }
    // SAFETY: `buf` is valid for `size` bytes (this function's contract),
    // and the C caller does not touch it during the call.
    let buf = unsafe { core::slice::from_raw_parts_mut(buf.cast::<u8>(), size as usize) };
    match engine
        .handle()
        .and_then(|h| h.examine_regset(note, buf, write))
    {
        // At most `size`, a `c_uint`, but the regsets are small.
        Ok(n) => c_int::try_from(n).unwrap_or(c_int::MAX),
        Err(e) => e.to_errno(),
    }
}

/// `utrace_engine_data()`.
///
/// # Safety
///
/// As for [`utrace_rs_set_events`].
#[export]
pub(crate) unsafe extern "C" fn utrace_rs_engine_data(
    engine: *mut bindings::utrace_engine,
) -> *mut c_void {
    // SAFETY: `engine` is held by the caller or is a running callback's
    // (this function's contract).
    unsafe { borrow(engine) }.data
}

/// `utrace_engine_get()`: one more reference, for one more
/// `utrace_engine_put()`.
///
/// # Safety
///
/// As for [`utrace_rs_set_events`].
#[export]
pub(crate) unsafe extern "C" fn utrace_rs_engine_get(engine: *mut bindings::utrace_engine) {
    // SAFETY: the caller holds a reference on `engine`, or runs one of its
    // callbacks (this function's contract).
    let engine: Arc<CEngine> = unsafe { borrow(engine) }.into();
    // The new reference goes to the caller; `utrace_rs_engine_put` takes
    // it back.
    let _ = hand_out(engine);
}

/// `utrace_engine_put()`.
///
/// # Safety
///
/// `engine` is a pointer `utrace_rs_attach_task()` handed out; the
/// caller gives its reference back and does not use it again.
#[export]
pub(crate) unsafe extern "C" fn utrace_rs_engine_put(engine: *mut bindings::utrace_engine) {
    // SAFETY: the caller gives back the reference of one pointer handed
    // out by `hand_out`.
    let engine = unsafe { Arc::from_raw(engine.cast::<CEngine>()) };
    engine.external.fetch_sub(1, Full);
    engine.maybe_release_handle();
}

fn to_int(result: Result) -> c_int {
    match result {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}
