// SPDX-License-Identifier: GPL-2.0

//! The traced task's memory, for engine callbacks.
//!
//! Callbacks run in the traced task itself, so its user memory is the
//! current address space: these are thin, bounded wrappers over
//! `kernel::uaccess` that report faults as `EFAULT` and never sleep for
//! longer than a page fault takes.

use kernel::prelude::*;
use kernel::uaccess::{UserPtr, UserSlice};

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
