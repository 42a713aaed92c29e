// SPDX-License-Identifier: GPL-2.0

//! A branch buffer's charge to its owner's locked-memory limit.
//!
//! The buffer is kernel memory a user makes the kernel hold for as long as
//! the trace lives, up to a gigabyte: like io_uring's rings it is counted
//! as locked memory of the user who asked for it (`user->locked_vm`),
//! against `RLIMIT_MEMLOCK`, with mlock(2)'s errors, besides being charged
//! to the caller's memory cgroup when allocated (`GFP_KERNEL_ACCOUNT`).

use kernel::bindings;
use kernel::error::to_result;
use kernel::page::PAGE_SIZE;
use kernel::prelude::*;

/// Pages of locked memory charged to a user.
///
/// # Invariants
///
/// `user` holds a reference taken by `utrace_branch_charge()`, which
/// charged `pages` pages to it; both are given back on drop.
pub(crate) struct MemlockCharge {
    user: *mut bindings::user_struct,
    pages: usize,
}

// SAFETY: the charge is an atomic count and a reference on a refcounted
// `user_struct`: any thread may give it back.
unsafe impl Send for MemlockCharge {}
// SAFETY: a shared reference gives no access to the pointer.
unsafe impl Sync for MemlockCharge {}

impl MemlockCharge {
    /// Charges the pages `bytes` take to the caller's user: `EPERM` if its
    /// `RLIMIT_MEMLOCK` is 0, `ENOMEM` if the charge would pass it (not for
    /// `CAP_IPC_LOCK`).
    /// With `CAP_IPC_LOCK` nothing is counted, as io_uring does.
    pub(crate) fn new(bytes: usize) -> Result<Self> {
        let mut pages = bytes.div_ceil(PAGE_SIZE);
        let mut user = core::ptr::null_mut();
        // SAFETY: `pages` and `user` are valid for writes; the helper runs
        // on the current task, which has credentials.
        to_result(unsafe { bindings::utrace_branch_charge(&mut pages, &mut user) })?;
        // INVARIANT: the helper took a reference and charged `pages`.
        Ok(Self { user, pages })
    }
}

impl Drop for MemlockCharge {
    fn drop(&mut self) {
        // SAFETY: by the type invariant, the charge and the reference are
        // ours to give back, once.
        unsafe { bindings::utrace_branch_uncharge(self.user, self.pages) };
    }
}
