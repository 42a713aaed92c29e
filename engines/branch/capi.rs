// SPDX-License-Identifier: GPL-2.0

//! The branch trace's C entry points: `utrace_branch_trace_start()`,
//! `_read()`, `_status()`, `_stop()` and `_end()` of `<linux/utrace.h>` (kernel patch
//! 0032), exported by `capi/capi.c`. Kernel code gets the trace
//! `/dev/utrace-branch` gives user space, with the same uapi structures.
//!
//! A `struct utrace_branch_trace *` is a boxed [`CTrace`]: made by the
//! start, freed by the end once every other call returned (the C
//! contract), so each call borrows it; a stop may run beside a read (it
//! only detaches: the box and the engine stay).

use super::engine::BranchEngine;
use super::ring::Branch;
use super::trace;
use crate::capi::ptr_or_err;
use crate::engine_core::EngineHandle;
use kernel::bindings;
use kernel::ffi::c_long;
use kernel::prelude::*;
use kernel::task::Task;

/// What a `struct utrace_branch_trace *` points to.
struct CTrace {
    handle: EngineHandle<BranchEngine>,
}

/// The start, with the errors of `UTRACE_BRANCH_ATTACH` (but the file's):
/// `EINVAL`, `EPERM`, the charge's, `EEXIST`, `ESRCH`,
/// `EOPNOTSUPP`.
fn start(task: &Task, how: &bindings::utrace_branch_attach) -> Result<KBox<CTrace>> {
    let config = trace::config(how.flags, how.records)?;
    // The box first: a trace started is handed out.
    let slot = KBox::<CTrace>::new_uninit(GFP_KERNEL_ACCOUNT)?;
    let handle = trace::start(task, config, |task, request| request.attach_to_task(task))?;
    Ok(slot.write(CTrace { handle }))
}

/// `utrace_branch_trace_start()`.
///
/// # Safety
///
/// `task` is a task the caller holds a reference on, not a kernel thread
/// (`capi.c` refuses those); `how` is valid for a read. It may sleep.
#[export]
pub(crate) unsafe extern "C" fn utrace_rs_branch_trace_start(
    task: *mut bindings::task_struct,
    how: *const bindings::utrace_branch_attach,
) -> *mut bindings::utrace_branch_trace {
    // SAFETY: per this function's contract; `Task` is a transparent
    // wrapper of task_struct.
    let task: &Task = unsafe { &*task.cast::<Task>() };
    // SAFETY: per this function's contract.
    let how = unsafe { &*how };
    ptr_or_err(start(task, how).map(|trace| KBox::into_raw(trace).cast()))
}

/// The trace behind a pointer the start handed out.
///
/// # Safety
///
/// `trace` was returned by `utrace_rs_branch_trace_start()` and is not
/// ended for `'a` (other calls may share it: each only reads the box).
unsafe fn borrow<'a>(trace: *mut bindings::utrace_branch_trace) -> &'a CTrace {
    // SAFETY: per this function's contract, it is a live `CTrace` box.
    unsafe { &*trace.cast::<CTrace>() }
}

/// `utrace_branch_trace_read()`: as read(2) on the device, into kernel
/// memory: `EINVAL` for no room.
///
/// # Safety
///
/// As for [`borrow`], but a `utrace_rs_branch_trace_stop()` may run
/// meanwhile; `records` is valid for writes of `count` records. It may
/// sleep.
#[export]
pub(crate) unsafe extern "C" fn utrace_rs_branch_trace_read(
    trace: *mut bindings::utrace_branch_trace,
    records: *mut bindings::utrace_branch,
    count: usize,
    nonblock: bool,
) -> c_long {
    if count == 0 {
        return EINVAL.to_errno() as c_long;
    }
    // SAFETY: per this function's contract.
    let trace = unsafe { borrow(trace) };
    let mut at = 0;
    let read = trace
        .handle
        .engine()
        .read(count, nonblock, |batch: &[Branch]| {
            // At most the room left (the engine asks for no more).
            let n = batch.len().min(count - at);
            for (i, b) in batch[..n].iter().enumerate() {
                let r = bindings::utrace_branch {
                    from: b.from,
                    to: b.to,
                };
                // SAFETY: `at + i < count`, and `records` holds `count`
                // records (this function's contract); written one by one, as
                // no slice of the caller's memory is made.
                unsafe { records.add(at + i).write(r) };
            }
            // Kernel memory does not fault: every record is copied.
            at += n;
            n
        });
    match read {
        // At most `count` records, which fit in memory: fits a c_long.
        Ok(n) => n as c_long,
        Err(e) => e.to_errno() as c_long,
    }
}

/// `utrace_branch_trace_status()`.
///
/// # Safety
///
/// As for [`borrow`]; `status` is valid for a write.
#[export]
pub(crate) unsafe extern "C" fn utrace_rs_branch_trace_status(
    trace: *mut bindings::utrace_branch_trace,
    status: *mut bindings::utrace_branch_status,
) {
    // SAFETY: per this function's contract.
    let trace = unsafe { borrow(trace) };
    let s = trace::status(&trace.handle.engine().status());
    // SAFETY: per this function's contract.
    unsafe { status.write(s) };
}

/// `utrace_branch_trace_stop()`: detaches the engine; a read waiting
/// returns, and the records left stay readable.
///
/// # Safety
///
/// As for [`borrow`], but a `utrace_rs_branch_trace_read()` may run
/// meanwhile. It may sleep.
#[export]
pub(crate) unsafe extern "C" fn utrace_rs_branch_trace_stop(
    trace: *mut bindings::utrace_branch_trace,
) {
    // SAFETY: per this function's contract.
    let trace = unsafe { borrow(trace) };
    // Detached already: nothing to do.
    let _ = trace.handle.detach();
}

/// `utrace_branch_trace_end()`.
///
/// # Safety
///
/// `trace` was returned by `utrace_rs_branch_trace_start()`, is not used
/// again, and every other call on it has returned. It may sleep.
#[export]
pub(crate) unsafe extern "C" fn utrace_rs_branch_trace_end(
    trace: *mut bindings::utrace_branch_trace,
) {
    // SAFETY: per this function's contract, the box is ours again.
    let trace = KBox::into_inner(unsafe { KBox::from_raw(trace.cast::<CTrace>()) });
    trace::end(trace.handle);
}
