// SPDX-License-Identifier: GPL-2.0

//! Files the current task receives from another process, for engine
//! callbacks (a monitor's file a channel engine installs in its task).
//!
//! The kernel installs a descriptor only in the current task's table, so a
//! task receives a file in its own callback, as a task receives one from
//! seccomp's ADDFD: with the security modules' check of a received file
//! and under its own limits. [`ReceivedFd`] splits the install in two, so
//! that an engine decides under its own lock whether the task sees the
//! file at all: the reservation (which may sleep) makes nothing visible,
//! the publication does not sleep.

use kernel::bindings;
use kernel::error::to_result;
use kernel::fs::file::{File, FileDescriptorReservation};
use kernel::prelude::*;
use kernel::sync::aref::ARef;

/// A descriptor of the current task reserved for a received file: no
/// thread of the task sees it until [`ReceivedFd::publish`]; dropped, the
/// number is given back, unseen.
pub struct ReceivedFd {
    reservation: FileDescriptorReservation,
    file: ARef<File>,
}

impl ReceivedFd {
    /// Reserves the lowest free descriptor of the current task for `file`
    /// (`o_flags`: `O_CLOEXEC` or 0), once the security modules allow the
    /// task to receive it. `EMFILE` at the task's `RLIMIT_NOFILE`.
    pub fn reserve(file: ARef<File>, o_flags: u32) -> Result<Self> {
        // SAFETY: `file` is a live file (a reference is held).
        to_result(unsafe { bindings::utrace_helper_file_receive_check(file.as_ptr()) })?;
        let reservation = FileDescriptorReservation::get_unused_fd_flags(o_flags)?;
        Ok(Self { reservation, file })
    }

    /// Publishes the descriptor: the task's threads see the file at its
    /// number from now on, which it returns. Does not sleep.
    pub fn publish(self) -> i32 {
        // Below the task's RLIMIT_NOFILE, itself an int.
        let fd = self.reservation.reserved_fd() as i32;
        // SAFETY: `file` is a live file (a reference is held).
        unsafe { bindings::utrace_helper_receive_sock(self.file.as_ptr()) };
        self.reservation.fd_install(self.file);
        fd
    }
}

/// Installs `file` at descriptor `fd` of the current task, closing the file
/// that was there (dup2(2)'s way: visible at once, and the close may flush
/// the old file and sleep as long as that takes). Returns `fd`.
pub fn receive_at(file: &File, fd: i32, o_flags: u32) -> Result<i32> {
    if fd < 0 {
        return Err(EBADF);
    }
    // SAFETY: `file` is live for the call (the function takes its own
    // reference for the table); `fd` is not negative.
    let ret = unsafe { bindings::receive_fd_replace(fd, file.as_ptr(), o_flags) };
    to_result(ret)?;
    Ok(ret)
}
