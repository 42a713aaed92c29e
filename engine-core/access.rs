// SPDX-License-Identifier: GPL-2.0

//! Who may attach engines to whom: ptrace's rules, and exec's lock.
//!
//! Every interface that lets user space attach an engine to a task goes
//! through [`with_attach_target`] (a pid) or [`with_attach_task`] (the task
//! an earlier [`attach_target`] looked up and checked: a pid is resolved
//! once, so an attach never lands on a task that reused it). Attaching to
//! oneself is always allowed (an engine can do nothing to a task that the
//! task cannot do to itself with ptrace's help). Any other target must pass
//! `ptrace_may_access(PTRACE_MODE_ATTACH_REALCREDS)`: the same uid / gid
//! checks, `CAP_SYS_PTRACE`, dumpability and LSM hooks (Yama's
//! ptrace_scope among them) as `PTRACE_ATTACH`.
//!
//! The check and the attach happen under the target's `cred_guard_mutex`,
//! as in `ptrace_attach()`: an exec in progress either sees the engine
//! (and gains no privileges: kernel-patches/0005) or has committed its new
//! credentials, which the check then sees.

use super::policy;
use super::task::target_of;
use kernel::bindings;
use kernel::prelude::*;
use kernel::sync::aref::ARef;
use kernel::task::Task;

/// The task with `pid` in the caller's pid namespace; `0`: the caller.
fn lookup(pid: i32) -> Result<ARef<Task>> {
    if pid < 0 {
        return Err(EINVAL);
    }
    if pid == 0 {
        let task: &Task = kernel::current!();
        return Ok(task.into());
    }
    // SAFETY: any pid value is acceptable; the helper returns a referenced
    // task or null.
    let raw = unsafe { bindings::utrace_helper_get_task_by_vpid(pid) };
    let raw = core::ptr::NonNull::new(raw.cast::<Task>()).ok_or(ESRCH)?;
    // SAFETY: the helper took a reference on the task for us (`Task` is a
    // transparent wrapper of task_struct).
    Ok(unsafe { ARef::from_raw(raw) })
}

/// The target's `cred_guard_mutex`, held.
///
/// # Invariants
///
/// The mutex of `task` is held by the current task.
struct ExecGuard<'a> {
    task: &'a Task,
}

impl<'a> ExecGuard<'a> {
    /// Takes the lock: `ERESTARTNOINTR` if a signal interrupts the wait.
    fn lock(task: &'a Task) -> Result<Self> {
        // SAFETY: `task` is referenced for the borrow.
        if unsafe { bindings::utrace_helper_lock_exec(task.as_ptr()) } {
            // INVARIANT: the helper took the lock.
            Ok(Self { task })
        } else {
            Err(ERESTARTNOINTR)
        }
    }
}

impl Drop for ExecGuard<'_> {
    fn drop(&mut self) {
        // SAFETY: by the type invariant the lock is held by us.
        unsafe { bindings::utrace_helper_unlock_exec(self.task.as_ptr()) }
    }
}

/// Whether the caller may attach engines to `task`: `EPERM` if ptrace's
/// rules forbid it or it is a kernel thread, `ESRCH` if it is exiting or
/// dead (in that order).
fn check_target(task: &Task) -> Result {
    let is_self = task.as_ptr() == Task::current_raw();
    // SAFETY: `task` is referenced for the duration of the call.
    if !is_self && !unsafe { bindings::utrace_helper_may_attach(task.as_ptr()) } {
        return Err(EPERM);
    }
    policy::check_target(target_of(task))
}

/// The task with `pid` (`0`: the caller), if the caller may attach engines
/// to it now: `EINVAL` for a negative pid, then `ESRCH`, `EPERM` as in
/// [`with_attach_target`].
///
/// For interfaces that check the target before they read anything else
/// from the caller's memory: a caller who may not attach learns nothing
/// more, and nothing is copied for it. It is only an early answer: the
/// attach ([`with_attach_task`], given this very task, never the pid
/// again) checks again, under the target's exec lock. The reference keeps
/// the task, not its pid: if the task dies and its pid is reused
/// meanwhile, the attach fails with `ESRCH` and the new owner of the pid is
/// never touched.
pub fn attach_target(pid: i32) -> Result<ARef<Task>> {
    let task = lookup(pid)?;
    check_target(&task)?;
    Ok(task)
}

/// Runs `attach` on `task`, if the caller may attach engines to it, with
/// exec held off: `EPERM` if ptrace's rules forbid it (now) or it is a
/// kernel thread, `ESRCH` if it is exiting or dead, `ERESTARTNOINTR` if a
/// signal interrupts the wait for an exec. The attach itself checks the
/// last two again (the task may start exiting meanwhile).
pub fn with_attach_task<R>(task: &Task, attach: impl FnOnce(&Task) -> Result<R>) -> Result<R> {
    let _exec = ExecGuard::lock(task)?;
    check_target(task)?;
    attach(task)
}

/// Runs `attach` on the task with `pid` (`0`: the caller), if the caller
/// may attach engines to it, with exec held off.
///
/// `EINVAL` for a negative pid, `ESRCH` if there is no such task, then as
/// [`with_attach_task`]. The pid is resolved once, here: an interface that
/// checked the target earlier ([`attach_target`]) passes that task to
/// [`with_attach_task`] instead of its pid.
pub fn with_attach_target<R>(pid: i32, attach: impl FnOnce(&Task) -> Result<R>) -> Result<R> {
    let task = lookup(pid)?;
    with_attach_task(&task, attach)
}

/// Whether the caller may have breakpoints set for it from user space
/// (`EPERM` if not): as perf's uprobes, with `CAP_PERFMON` (or
/// `CAP_SYS_ADMIN`). Setting one write-locks every address space that maps
/// the file and holds up every fork while the kernel reads the probed
/// instruction, which a file of the caller's own (FUSE) can make last; on
/// top of ptrace's rules for the task, which the attach checked.
pub fn may_probe() -> Result {
    // SAFETY: no precondition: it asks about the current task's
    // credentials.
    if unsafe { bindings::utrace_helper_may_probe() } {
        Ok(())
    } else {
        Err(EPERM)
    }
}
