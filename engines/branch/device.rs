// SPDX-License-Identifier: GPL-2.0

//! `/dev/utrace-branch`: one branch trace per open file.
//!
//! The ABI is `<linux/utrace_branch.h>` (patch 0029), whose structures and
//! values reach this file through the bindings: `UTRACE_BRANCH_ATTACH`
//! attaches a [`BranchEngine`] to a task the caller may ptrace, read(2)
//! and poll(2) take its records, `UTRACE_BRANCH_STATUS` tells its counters,
//! and closing the file detaches it.

use super::engine::{BranchEngine, Config};
use super::trace::{self, Record, StatusArgs};
use crate::engine_core::{access, EngineHandle};
use core::mem::size_of;
use kernel::bindings;
use kernel::fs::{File, Kiocb};
use kernel::iov::IovIterDest;
use kernel::miscdevice::{MiscDevice, MiscDeviceRegistration};
use kernel::prelude::*;
use kernel::sync::poll::PollTable;
use kernel::sync::Mutex;
use kernel::transmute::AsBytes;
use kernel::uaccess::{UserPtr, UserSlice};

uapi_wrapper!(
    /// `struct utrace_branch_attach`.
    AttachArgs(utrace_branch_attach) { pid, flags, records }
);

/// `EBADFD`, which the `kernel` crate does not name: a file in the wrong
/// state (no trace attached yet).
fn ebadfd() -> Error {
    Error::from_errno(-(bindings::EBADFD as i32))
}

/// Where a file stands.
enum State {
    /// No trace yet.
    Free,
    /// An attach is under way (it may wait for the target's exec).
    Attaching,
    /// The trace.
    Attached(EngineHandle<BranchEngine>),
}

/// One open `/dev/utrace-branch`.
#[pin_data(PinnedDrop)]
pub(crate) struct BranchFile {
    /// Where the file stands (lock class `utrace_branch::file`): held only
    /// to look at or change the state, never across the attach itself,
    /// which may wait for the target's exec.
    #[pin]
    state: Mutex<State>,
}

impl BranchFile {
    /// The trace's handle: `EBADFD` before an attach.
    fn handle(&self) -> Result<EngineHandle<BranchEngine>> {
        match &*self.state.lock() {
            State::Attached(h) => Ok(h.clone()),
            State::Free | State::Attaching => Err(ebadfd()),
        }
    }

    /// `UTRACE_BRANCH_ATTACH`. The errors, in order: `EFAULT`; `EINVAL`
    /// (an unknown flag, 0 or too many records, too few for a flow with
    /// scheduling records); `EBUSY` (this file traces
    /// already); the target's (`ESRCH`, `EPERM`); `EPERM` for the caller's
    /// own process; the charge's (`EPERM`, `ENOMEM`); `EEXIST` (the task
    /// has a branch trace).
    fn attach(&self, arg: usize) -> Result<isize> {
        let a: AttachArgs = UserSlice::new(UserPtr::from_addr(arg), size_of::<AttachArgs>())
            .reader()
            .read()?;
        let config = trace::config(a.flags, a.records)?;
        // The file is claimed for the attach: a second attach meanwhile is
        // refused, and nothing waits for the first.
        {
            let mut state = self.state.lock();
            if !matches!(*state, State::Free) {
                return Err(EBUSY);
            }
            *state = State::Attaching;
        }
        let attached = Self::attach_to(a.pid, config);
        *self.state.lock() = match attached {
            Ok(ref handle) => State::Attached(handle.clone()),
            Err(_) => State::Free,
        };
        attached.map(|_| 0)
    }

    /// The attach itself, once the file is claimed: the target is looked
    /// up and checked (ptrace's rules), then checked again under its exec
    /// lock for the attach.
    fn attach_to(pid: i32, config: Config) -> Result<EngineHandle<BranchEngine>> {
        let task = access::attach_target(pid)?;
        trace::start(&task, config, |task, request| {
            access::with_attach_task(task, |task| request.attach_to_task(task))
        })
    }

    /// `UTRACE_BRANCH_STATUS`.
    fn status(&self, arg: usize) -> Result<isize> {
        let out = StatusArgs(trace::status(&self.handle()?.engine().status()));
        UserSlice::new(UserPtr::from_addr(arg), size_of::<StatusArgs>())
            .writer()
            .write(&out)?;
        Ok(0)
    }

    /// read(2): whole records, oldest first (see the uapi header).
    fn read(&self, dest: &mut IovIterDest<'_>, nowait: bool) -> Result<usize> {
        let handle = self.handle()?;
        let room = dest.len() / size_of::<Record>();
        if room == 0 {
            return Err(EINVAL);
        }
        let records = handle.engine().read(room, nowait, |batch| {
            let mut copied = 0;
            for b in batch {
                let r = Record::from(*b);
                if dest.copy_to_iter(r.as_bytes()) < size_of::<Record>() {
                    break;
                }
                copied += 1;
            }
            copied
        })?;
        Ok(records * size_of::<Record>())
    }
}

#[vtable]
impl MiscDevice for BranchFile {
    type Ptr = Pin<KBox<Self>>;

    fn open(file: &File, _misc: &MiscDeviceRegistration<Self>) -> Result<Pin<KBox<Self>>> {
        // Records have no offsets: pread(2) and lseek(2) get ESPIPE.
        // SAFETY: `file` is the file being opened, whose mode the open may
        // set; `stream_open()` only changes `f_mode` (its inode is unused).
        unsafe { bindings::stream_open(core::ptr::null_mut(), file.as_ptr()) };
        KBox::try_pin_init(
            try_pin_init!(BranchFile {
                state <- kernel::new_mutex!(State::Free, "utrace_branch::file"),
            }),
            GFP_KERNEL_ACCOUNT,
        )
    }

    fn ioctl(me: Pin<&BranchFile>, _file: &File, cmd: u32, arg: usize) -> Result<isize> {
        match cmd {
            bindings::UTRACE_BRANCH_ATTACH => me.attach(arg),
            bindings::UTRACE_BRANCH_STATUS => me.status(arg),
            _ => Err(ENOTTY),
        }
    }

    fn read_iter(kiocb: Kiocb<'_, Self::Ptr>, iov: &mut IovIterDest<'_>) -> Result<usize> {
        let nowait = kiocb.is_nowait();
        kiocb.file().read(iov, nowait)
    }

    fn poll(me: Pin<&BranchFile>, file: &File, table: PollTable<'_>) -> bindings::__poll_t {
        let Ok(handle) = me.handle() else {
            // Nothing to wait for before an attach. (`EPOLLERR` is a
            // `__force` cast bindgen does not evaluate; `POLLERR` is its
            // value.)
            return bindings::POLLERR;
        };
        let engine = handle.engine();
        table.register_wait(file, engine.readable());
        if engine.is_readable() {
            bindings::EPOLLIN | bindings::EPOLLRDNORM
        } else {
            0
        }
    }
}

#[pinned_drop]
impl PinnedDrop for BranchFile {
    fn drop(self: Pin<&mut Self>) {
        // The task runs on unstepped; one stopped for a drain goes on.
        let state = core::mem::replace(&mut *self.state.lock(), State::Free);
        if let State::Attached(handle) = state {
            trace::end(handle);
        }
    }
}
