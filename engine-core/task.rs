// SPDX-License-Identifier: GPL-2.0

//! The task side of engine-core: the registry pointer in task_struct, the
//! syscall work flag, task state, and the stop wait.
//!
//! Each function here is one call into `helpers.c` (the macros and inline
//! functions Rust cannot call), or one access to a task_struct field,
//! behind a safe signature; nothing above this file touches a raw task.
//! The only field read here is `task_struct::utrace`, the registry
//! pointer, at the offset bindgen gives it, which a build-time check
//! compares with C's (below; see
//! `Documentation/bindgen-empty-aligned-struct.md` for why).

use super::policy::SyscallWork;
use super::registry::Registry;
use core::ffi::c_void;
use core::ptr;
use core::ptr::NonNull;
use kernel::bindings;
use kernel::ffi::{c_long, c_uint, c_ulong};
use kernel::prelude::*;
use kernel::sync::aref::ARef;
use kernel::sync::atomic::{Acquire, Atomic, Full};
use kernel::sync::{Arc, ArcBorrow};
use kernel::task::Task;
use kernel::types::Opaque;

/// A registry's pointer to its task, which holds no reference.
///
/// # Invariants
///
/// Points to a task_struct that was alive when the pointer was made. Its
/// users dereference it only while they know the task is still alive; the
/// registry documents when that is ("The task pointer" in registry.rs), and
/// every function here that takes one is `unsafe` with that requirement.
pub(crate) struct TaskPtr(NonNull<bindings::task_struct>);

// SAFETY: a `TaskPtr` is only an address until a user that knows the task
// is alive passes it to the kernel's task functions, which any thread may
// call.
unsafe impl Send for TaskPtr {}
// SAFETY: as above; `TaskPtr` has no interior mutability.
unsafe impl Sync for TaskPtr {}

impl TaskPtr {
    /// The pointer of `task`.
    pub(crate) fn new(task: &Task) -> Self {
        // INVARIANT: `task` is alive for the borrow. `Task` is a
        // transparent wrapper of task_struct.
        Self(NonNull::from(task).cast())
    }

    /// Whether this is the pointer of `task`.
    #[inline]
    pub(crate) fn is(&self, task: &Task) -> bool {
        ptr::eq(self.0.as_ptr(), task.as_ptr())
    }
}

/// The `si_code` and `si_errno` of a siginfo.
///
/// # Safety
///
/// `info` must point to a valid `kernel_siginfo` for the duration of the
/// call.
pub(crate) unsafe fn siginfo_code_errno(info: *const bindings::kernel_siginfo) -> (i32, i32) {
    // SAFETY: per this function's contract `info` is valid.
    let code = unsafe { bindings::utrace_helper_siginfo_code(info) };
    // SAFETY: as above.
    let errno = unsafe { bindings::utrace_helper_siginfo_errno(info) };
    (code, errno)
}

/// Whether the current task is exiting (`PF_EXITING`).
pub(crate) fn current_exiting() -> bool {
    // SAFETY: reads the current task's flags.
    unsafe { bindings::utrace_helper_current_exiting() }
}

/// Queues `work`, which runs the quiesce report, on `task`, to run at its
/// next safe point; `interrupt` also breaks an interruptible sleep.
/// `ESRCH` if the task is exiting.
///
/// # Safety
///
/// `task` must be alive; `work` must not be queued already, and must stay
/// valid until it runs or the task_struct is freed.
pub(crate) unsafe fn kick(
    task: &TaskPtr,
    work: *mut bindings::callback_head,
    interrupt: bool,
) -> Result {
    // SAFETY: per this function's contract; task_work_add() refuses a task
    // that is past its last task_work run.
    kernel::error::to_result(unsafe {
        bindings::utrace_helper_kick(task.0.as_ptr(), work, interrupt)
    })
}

/// Makes `task` leave an interruptible sleep and run its queued task works
/// before it returns to user mode, as a `TWA_SIGNAL` task work would.
///
/// # Safety
///
/// `task` must be alive.
pub(crate) unsafe fn interrupt(task: &TaskPtr) {
    // SAFETY: per this function's contract.
    unsafe { bindings::utrace_helper_interrupt(task.0.as_ptr()) }
}

/// Turns stepping of the current task on (1 single, 2 block) or off (0).
pub(crate) fn set_step(how: i32) {
    // SAFETY: acts on the current task, which is leaving a stop or
    // reporting, in process context.
    unsafe { bindings::utrace_helper_set_step(how) }
}

/// Whether the current task is still set to step (the kernel may have
/// turned the step off itself: x86 does to enter a signal handler).
pub(crate) fn step_armed() -> bool {
    // SAFETY: reads the current task's flags.
    unsafe { bindings::utrace_helper_step_armed() }
}

/// Whether the current task's tracer asked for the step it takes (its
/// traps are the tracer's then; `PT_TRACER_STEP`).
pub(crate) fn tracer_steps() -> bool {
    // SAFETY: reads the current task's `ptrace` word.
    unsafe { bindings::utrace_helper_tracer_steps() }
}

/// The step a tracee is set to take (0 none, 1 single, 2 block).
///
/// # Safety
///
/// `tracee` is frozen in a ptrace stop by the current task, its tracer
/// (`ptrace_check_attach()`), so that its step flags are the tracer's.
pub(crate) unsafe fn step_of(tracee: &Task) -> i32 {
    // SAFETY: a live task (a reference), whose flags are read.
    unsafe { bindings::utrace_helper_step_of(tracee.as_ptr()) }
}

/// Sets the step a tracee takes when it leaves its ptrace stop (as the
/// tracer's resume does). May sleep.
///
/// # Safety
///
/// As [`step_of`].
pub(crate) unsafe fn set_step_of(tracee: &Task, how: i32) {
    // SAFETY: the function's contract: the tracee is frozen, as
    // `ptrace_resume()` has it for `user_enable_single_step()`.
    unsafe { bindings::utrace_helper_set_step_of(tracee.as_ptr(), how) }
}

/// What the architecture offers for stepping.
pub(crate) fn step_support() -> super::policy::StepSupport {
    // SAFETY: no preconditions.
    let bits = unsafe { bindings::utrace_helper_step_support() };
    super::policy::StepSupport {
        single: bits & 1 != 0,
        block: bits & 2 != 0,
    }
}

/// Whether the current task's thread group is dumping core.
pub(crate) fn core_dumping() -> bool {
    // SAFETY: the helper reads the current task's signal struct, alive
    // while it runs.
    unsafe { bindings::utrace_helper_core_dumping() }
}

/// An engine changed the current task's exit code from `orig` to `code`:
/// a group exit that already published `orig` as the process's status
/// publishes `code` instead.
pub(crate) fn edit_group_exit_code(orig: i64, code: i64) {
    // SAFETY: called by the exiting task itself, from its exit report.
    unsafe { bindings::utrace_helper_edit_group_exit_code(orig as c_long, code as c_long) }
}

/// `utrace_helper_task_flags()` bits.
const TARGET_KTHREAD: c_uint = 1;
const TARGET_EXITING: c_uint = 2;
const TARGET_USER_WORKER: c_uint = 4;

/// Sets or clears `SYSCALL_WORK_UTRACE` and `SYSCALL_WORK_UTRACE_EXIT` on
/// `task`, as `work` says.
///
/// # Safety
///
/// `task` must be alive.
pub(crate) unsafe fn set_syscall_work(task: &TaskPtr, work: SyscallWork) {
    // SAFETY: `task` is alive per the contract; the flags are changed with
    // atomic bit operations.
    unsafe { bindings::utrace_helper_set_syscall_work(task.0.as_ptr(), work.entry, work.exit) }
}

/// The current task's utrace syscall work flags (for the test device).
pub(crate) fn current_syscall_work() -> SyscallWork {
    // SAFETY: the current task is alive; the helper reads its flags.
    let bits = unsafe { bindings::utrace_helper_syscall_work(Task::current_raw()) };
    SyscallWork {
        entry: bits & 1 != 0,
        exit: bits & 2 != 0,
    }
}

/// What attaching needs to know of `task`.
pub(crate) fn target_of(task: &Task) -> super::policy::TargetState {
    // SAFETY: `task` is alive for the borrow; the helper reads its flags.
    let f = unsafe { bindings::utrace_helper_task_flags(task.as_ptr()) };
    super::policy::TargetState {
        kthread: f & TARGET_KTHREAD != 0,
        user_worker: f & TARGET_USER_WORKER != 0,
        exiting: f & TARGET_EXITING != 0,
    }
}

/// As [`target_of`], for a registry's task.
///
/// # Safety
///
/// `task` must be alive.
pub(crate) unsafe fn target_state(task: &TaskPtr) -> super::policy::TargetState {
    // SAFETY: `task` is alive per the contract, so a `&Task` to it is valid
    // for this call; `Task` is a transparent wrapper of task_struct.
    target_of(unsafe { &*task.0.as_ptr().cast::<Task>() })
}

/// A reference to a registry's task.
///
/// # Safety
///
/// `task` must be alive.
pub(crate) unsafe fn task_ref(task: &TaskPtr) -> ARef<Task> {
    // SAFETY: `task` is alive per the contract; `Task` is a transparent
    // wrapper of task_struct. Converting the borrow takes a reference.
    let task: &Task = unsafe { &*task.0.as_ptr().cast::<Task>() };
    task.into()
}

/// Whether a fatal signal is pending for a registry's task.
///
/// # Safety
///
/// `task` must be alive.
pub(crate) unsafe fn fatal_signal_pending_ptr(task: &TaskPtr) -> bool {
    // SAFETY: `task` is alive per the contract; the helper reads its
    // pending signals.
    unsafe { bindings::utrace_helper_fatal_signal_pending(task.0.as_ptr()) }
}

/// Waits until `task`, parked in a stop, is off its CPU; returns its
/// switch count (the same count later: it did not run in between), or 0
/// if it left its stop's sleep (`wait_task_inactive()`).
pub(crate) fn wait_inactive(task: &Task) -> usize {
    // SAFETY: `task` is referenced for the borrow.
    unsafe { bindings::utrace_helper_wait_inactive(task.as_ptr()) }
}

/// The size of `task`'s register set `note` (the ELF note type naming it in
/// `PTRACE_GETREGSET`: `NT_PRSTATUS` for the general registers); `EINVAL`
/// if its view has no such set.
///
/// # Safety
///
/// As [`get_regset`]: the view depends on the registers (x86 reads the
/// code segment saved on the task's stack).
pub(crate) unsafe fn regset_size(task: &Task, note: u32) -> Result<usize> {
    // SAFETY: `task` is referenced for the borrow and stays put per this
    // function's contract.
    let n = unsafe { bindings::utrace_helper_regset_size(task.as_ptr(), note) };
    usize::try_from(n).map_err(|_| Error::from_errno(n))
}

/// Reads `task`'s register set `note` into `buf` (at most its size);
/// returns the bytes read. `EINVAL` for a set its view lacks, `ENODATA`
/// for one it does not use now (an x86 task without extended state).
///
/// # Safety
///
/// `task` must be the current task, or stay in an engine's stop and off its
/// CPU for the call (its kernel stack and mm stay, its registers and FPU
/// state are saved, not in use).
pub(crate) unsafe fn get_regset(task: &Task, note: u32, buf: &mut [u8]) -> Result<usize> {
    let size = c_uint::try_from(buf.len()).map_err(|_| EINVAL)?;
    // SAFETY: `buf` is writable for `size` bytes; the regset writes at most
    // that many; the task stays put per this function's contract.
    let n = unsafe {
        bindings::utrace_helper_regset_get(task.as_ptr(), note, buf.as_mut_ptr().cast(), size)
    };
    usize::try_from(n).map_err(|_| Error::from_errno(n))
}

/// Writes `task`'s register set `note` from `regs`, which must be exactly
/// its size (`EINVAL` otherwise).
///
/// # Safety
///
/// As [`get_regset`], and `task` is not the current task (x86 refuses to
/// set the segments or the FPU state of the running task, with a warning).
pub(crate) unsafe fn set_regset(task: &Task, note: u32, regs: &[u8]) -> Result {
    let size = c_uint::try_from(regs.len()).map_err(|_| EINVAL)?;
    // SAFETY: `regs` is readable for `size` bytes; the task stays put per
    // this function's contract.
    let r = unsafe {
        bindings::utrace_helper_regset_set(task.as_ptr(), note, regs.as_ptr().cast(), size)
    };
    kernel::error::to_result(r)
}

/// Reads (`write`: writes) `buf.len()` bytes of `task`'s memory at `addr`,
/// as ptrace's PEEKDATA and POKEDATA do: returns the bytes done (a short
/// count where a page is missing); `EFAULT` if none, `EPERM` if the task
/// is not dumpable by its owner, `ESRCH` if it has no memory any more.
pub fn access_vm(task: &Task, addr: u64, buf: &mut [u8], write: bool) -> Result<usize> {
    let addr = usize::try_from(addr).map_err(|_| EFAULT)?;
    let len = i32::try_from(buf.len()).map_err(|_| EINVAL)?;
    // SAFETY: `task` is referenced for the borrow; `buf` is valid for
    // `len` bytes, read or written by the helper only within them.
    let n = unsafe {
        bindings::utrace_helper_access_vm(task.as_ptr(), addr, buf.as_mut_ptr().cast(), len, write)
    };
    usize::try_from(n).map_err(|_| Error::from_errno(n))
}

/// An initialiser for a wait queue head (one lock class for all of them:
/// "utrace stop wait", in helpers.c).
pub(crate) fn new_wait_queue() -> impl PinInit<Opaque<bindings::wait_queue_head>> {
    // SAFETY: the helper initialises the wait queue head in place, and a
    // pinned `Opaque` never moves.
    Opaque::ffi_init(|slot| unsafe { bindings::utrace_helper_init_waitqueue(slot) })
}

/// The condition of a [`wait_until`], called back from C.
///
/// # Safety
///
/// `arg` must point to an `F`.
unsafe extern "C" fn wait_condition<F: Fn() -> bool>(arg: *mut c_void) -> bool {
    // SAFETY: per this function's contract.
    let done = unsafe { &*arg.cast::<F>() };
    done()
}

/// How [`wait_until`] sleeps.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Sleep {
    /// A barrier: only SIGKILL ends it early.
    Killable,
    /// A stop: killable too, and freezable, and not counted in the load
    /// average.
    Stop,
    /// A barrier no signal ends: a module's exit path, which cannot fail,
    /// must not unload while a callback of its engine runs.
    Uninterruptible,
}

impl Sleep {
    fn to_c(self) -> bindings::utrace_helper_sleep {
        match self {
            Sleep::Killable => bindings::utrace_helper_sleep_UTRACE_SLEEP_KILLABLE,
            Sleep::Stop => bindings::utrace_helper_sleep_UTRACE_SLEEP_STOP,
            Sleep::Uninterruptible => bindings::utrace_helper_sleep_UTRACE_SLEEP_UNINTERRUPTIBLE,
        }
    }
}

/// Sleeps on `wq` until `done()` holds, as `how` says; a killable sleep
/// that SIGKILL ends early returns `false`. `done` runs in the wait loop,
/// after the task's state is set: it may take a spinlock, not sleep.
pub(crate) fn wait_until<F: Fn() -> bool>(
    wq: &Opaque<bindings::wait_queue_head>,
    how: Sleep,
    done: F,
) -> bool {
    let arg = ptr::from_ref(&done).cast_mut().cast::<c_void>();
    // SAFETY: `wq` is an initialised wait queue head (`new_wait_queue`);
    // the condition is `Some` (the helper calls it unchecked); `arg`
    // points to `done`, an `F`, alive across the call, and
    // `wait_condition::<F>` only reads it.
    unsafe {
        bindings::utrace_helper_wait(wq.get(), how.to_c(), Some(wait_condition::<F>), arg) == 0
    }
}

/// Whether some task waits on `wq` (`waitqueue_active()`). The caller must
/// have made the change waiters look for visible with a full barrier
/// before (as `waitqueue_active()` requires).
///
/// The test is made here, not in C: it runs after every callback, and a
/// call out to C costs more than the load.
pub(crate) fn has_waiters(wq: &Opaque<bindings::wait_queue_head>) -> bool {
    let wq = wq.get();
    // SAFETY: `wq` is an initialised wait queue head, so its list head is
    // valid memory. Reading `head.next` without the queue's lock is what
    // `waitqueue_active()` does (a `READ_ONCE()` of it); a volatile read is
    // that load.
    unsafe {
        let head = &raw mut (*wq).head;
        core::ptr::read_volatile(&raw const (*head).next) != head
    }
}

/// Whether `task` is being killed: a fatal signal is pending
/// (`fatal_signal_pending()`).
pub fn fatal_signal_pending(task: &Task) -> bool {
    // SAFETY: `task` is live for the borrow.
    unsafe { bindings::utrace_helper_fatal_signal_pending(task.as_ptr()) }
}

/// Wakes every task waiting on `wq` to recheck its condition.
pub(crate) fn wake_all(wq: &Opaque<bindings::wait_queue_head>) {
    // SAFETY: `wq` is an initialised wait queue head.
    unsafe { bindings::utrace_helper_wake_all(wq.get()) }
}

/// The pid of `task` in the current task's pid namespace (0 if it is not
/// visible there): `task_pid_vnr()`, an inline function of C's.
pub fn pid_vnr(task: &Task) -> i32 {
    // SAFETY: `task` is live for the borrow.
    unsafe { bindings::utrace_helper_task_pid_vnr(task.as_ptr()) }
}

// `task_struct::utrace` is read at bindgen's offset: it must be C's.
const _: () = assert!(
    core::mem::offset_of!(bindings::task_struct, utrace) == bindings::TASK_STRUCT_OFFSET_UTRACE
);

/// `task_struct::utrace`, the registry pointer: null, or a reference made
/// by [`Arc::into_raw`] in [`registry_or_create`], installed once with a
/// fully ordered cmpxchg and taken back in [`free_registry`].
///
/// # Safety
///
/// `task` is a task_struct that stays allocated for `'a`.
unsafe fn registry_slot<'a>(task: *mut bindings::task_struct) -> &'a Atomic<*mut Registry> {
    // SAFETY: `task` is valid for `'a` (this function's contract), so its
    // `utrace` field is: a pointer-sized, aligned `struct utrace *`. Every
    // access to it is atomic (READ_ONCE() in C, these in Rust) but two,
    // neither of which can race with a write that matters: fork copies
    // the parent's task_struct with memcpy (a plain read of the field,
    // racing an attach's cmpxchg at most), and `utrace_init_task()`
    // overwrites the child's copy with NULL before anyone can see the
    // child. The pointee type is opaque to C, which never dereferences
    // it: it is our `Registry`.
    unsafe { Atomic::from_ptr((&raw mut (*task).utrace).cast::<*mut Registry>()) }
}

/// The registry of `task`, if it has one, with a reference of our own.
pub(crate) fn registry(task: &Task) -> Option<Arc<Registry>> {
    // SAFETY: `task` is live for the borrow. Acquire: pairs with the
    // cmpxchg that installs the pointer, so the registry is initialised.
    let p = unsafe { registry_slot(task.as_ptr()) }.load(Acquire);
    if p.is_null() {
        return None;
    }
    // SAFETY: a non-null slot holds a reference from `Arc::into_raw`, given
    // back only in `free_registry` when the task_struct is freed; the
    // caller's `&Task` keeps the task, so that reference, alive.
    Some(unsafe { ArcBorrow::from_raw(p) }.into())
}

/// The registry of `task`, created if it has none yet.
pub(crate) fn registry_or_create(task: &Task) -> Result<Arc<Registry>> {
    if let Some(r) = registry(task) {
        return Ok(r);
    }
    let new = Registry::for_task(task)?;
    let raw = Arc::into_raw(new.clone()).cast_mut();
    // SAFETY: `task` is live for the borrow. The cmpxchg installs `raw`
    // only if the field is still null; fully ordered, it publishes the
    // initialised registry to the acquire loads.
    let installed = unsafe { registry_slot(task.as_ptr()) }.cmpxchg(ptr::null_mut(), raw, Full);
    match installed {
        Ok(_) => Ok(new),
        Err(_) => {
            // SAFETY: `raw` came from `Arc::into_raw` above and was not
            // published: we own that reference again.
            drop(unsafe { Arc::from_raw(raw) });
            registry(task).ok_or(ESRCH)
        }
    }
}

/// Runs `f` on the registry of the current task, if it has one.
pub(crate) fn with_current_registry<R>(f: impl FnOnce(&Task, &Registry) -> R) -> Option<R> {
    let task: &Task = kernel::current!();
    // SAFETY: `current` is live. Acquire: as in `registry`.
    let p = unsafe { registry_slot(task.as_ptr()) }.load(Acquire);
    if p.is_null() {
        return None;
    }
    // SAFETY: the registry reference held by the slot is given back only
    // when the task_struct is freed, which cannot happen while the task
    // runs this code.
    let reg = unsafe { &*p };
    Some(f(task, reg))
}

/// Takes the registry out of a task_struct being freed, and drops the
/// task's reference.
///
/// # Safety
///
/// `task` must be a task_struct in `free_task()`: no one else uses it.
pub(crate) unsafe fn free_registry(task: *mut bindings::task_struct) {
    // SAFETY: per the function's safety requirements `task` is valid and
    // unshared.
    let p = unsafe { registry_slot(task) }.xchg(ptr::null_mut(), Full);
    if !p.is_null() {
        // SAFETY: the slot holds a reference to the registry.
        if unsafe { (*p).has_switch_log() } {
            // SAFETY: `task` is in `free_task()`, after its last switch;
            // its registry says it registered a log.
            unsafe { super::switches::free_log(task) };
        }
        // SAFETY: the slot held the reference `registry_or_create` made
        // with `Arc::into_raw`; taking it out makes it ours to drop.
        drop(unsafe { Arc::from_raw(p) });
    }
}

/// The current task's ptrace event stop `event`, with `msg` as its message,
/// that an engine asked for ([`Registry::stop_for_tracer`]): none if the
/// task is not traced or is dying. Called by the task with nothing held,
/// between two callbacks; may sleep.
#[cold]
pub(crate) fn ptrace_event_stop(event: u8, msg: u64) {
    // SAFETY: the current task makes its own stop, as ptrace_event() does,
    // with nothing held (the caller's contract).
    unsafe { bindings::utrace_helper_ptrace_notify(event.into(), msg as c_ulong) };
}
