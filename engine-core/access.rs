// SPDX-License-Identifier: GPL-2.0

//! Who may attach engines to whom: ptrace's rules.
//!
//! Every interface that lets user space attach an engine to a task looks
//! the task up here. Attaching to oneself is always allowed (an engine can
//! do nothing to a task that the task cannot do to itself with ptrace's
//! help, and a process may not ptrace itself only because it could not
//! then wait for itself). Any other target must pass
//! `ptrace_may_access(PTRACE_MODE_ATTACH_REALCREDS)`: the same uid / gid
//! checks, `CAP_SYS_PTRACE`, dumpability and LSM hooks (Yama's
//! ptrace_scope among them) as `PTRACE_ATTACH`.

use kernel::bindings;
use kernel::prelude::*;
use kernel::sync::aref::ARef;
use kernel::task::Task;

#[expect(
    improper_ctypes,
    reason = "task_struct is only passed by pointer; its opaque members never cross"
)]
extern "C" {
    fn utrace_helper_get_task_by_vpid(pid: i32) -> *mut bindings::task_struct;
    fn utrace_helper_may_attach(task: *mut bindings::task_struct) -> bool;
}

/// The task with `pid` in the caller's pid namespace (`0`: the caller),
/// if the caller may attach engines to it.
///
/// `ESRCH` if there is no such task, `EPERM` if ptrace's rules forbid it.
/// Kernel threads and exiting tasks are refused when attaching.
pub fn task_for_attach(pid: i32) -> Result<ARef<Task>> {
    if pid < 0 {
        return Err(EINVAL);
    }
    if pid == 0 {
        let task: &Task = kernel::current!();
        return Ok(task.into());
    }
    // SAFETY: any pid value is acceptable; the helper returns a referenced
    // task or null.
    let raw = unsafe { utrace_helper_get_task_by_vpid(pid) };
    let raw = core::ptr::NonNull::new(raw.cast::<Task>()).ok_or(ESRCH)?;
    // SAFETY: the helper took a reference on the task for us (`Task` is a
    // transparent wrapper of task_struct).
    let task = unsafe { ARef::from_raw(raw) };
    if task.as_ptr() == Task::current_raw() {
        return Ok(task);
    }
    // SAFETY: `task` is referenced for the duration of the call.
    if !unsafe { utrace_helper_may_attach(task.as_ptr()) } {
        return Err(EPERM);
    }
    Ok(task)
}
