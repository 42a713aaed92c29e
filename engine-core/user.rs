// SPDX-License-Identifier: GPL-2.0

//! The traced task's memory, for engine callbacks.
//!
//! Callbacks run in the traced task itself, so its user memory is the
//! current address space: these are thin, bounded wrappers over
//! `kernel::uaccess` that report faults as `EFAULT`. A fault may sleep as
//! long as the memory behind it takes (a FUSE or NFS file): the traced
//! task waits for its own memory, as it would in the syscall.
//!
//! An engine that shows the task's memory to someone else (the strace
//! engine) asks [`shown_to_tracers`] first, as ptrace's memory access
//! checks the mm's dumpability.

use kernel::bindings;
use kernel::prelude::*;
use kernel::uaccess::{UserPtr, UserSlice};

/// Whether the current task's memory may be shown to those tracing it:
/// it is dumpable by its owner. Not after `prctl(PR_SET_DUMPABLE, 0)`
/// nor after an exec that made it undumpable (a program its user may not
/// read, a change of credentials), where ptrace would refuse a tracer
/// without `CAP_SYS_PTRACE` the memory (`ptracer_access_allowed()`).
/// Engines keep no attacher's credentials: they show nothing then.
pub fn shown_to_tracers() -> bool {
    // SAFETY: the helper only reads the current task's own mm flags.
    unsafe { bindings::utrace_helper_current_mm_dumpable() }
}

/// Reads the NUL-terminated string at `addr` into `buf`.
///
/// Returns the string's length (without NUL) and whether it was cut: a
/// string longer than `buf.len() - 1` bytes is truncated to that length.
/// `EFAULT` on a bad address, `EINVAL` for an empty `buf`.
pub fn read_cstr(addr: u64, buf: &mut [u8]) -> Result<(usize, bool)> {
    let addr = usize::try_from(addr).map_err(|_| EFAULT)?;
    let cap = buf.len();
    let s = UserSlice::new(UserPtr::from_addr(addr), cap)
        .reader()
        .strcpy_into_buf(buf)?;
    let len = s.to_bytes().len();
    // A string that filled the buffer was cut by strcpy_into_buf.
    Ok((len, len + 1 == cap))
}

/// Reads `buf.len()` bytes at `addr`: `EFAULT` on a bad address.
pub fn read(addr: u64, buf: &mut [u8]) -> Result {
    let addr = usize::try_from(addr).map_err(|_| EFAULT)?;
    UserSlice::new(UserPtr::from_addr(addr), buf.len())
        .reader()
        .read_slice(buf)
}

/// Writes `data` at `addr`: `EFAULT` on a bad address.
pub fn write(addr: u64, data: &[u8]) -> Result {
    let addr = usize::try_from(addr).map_err(|_| EFAULT)?;
    UserSlice::new(UserPtr::from_addr(addr), data.len())
        .writer()
        .write_slice(data)
}
