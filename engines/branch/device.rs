// SPDX-License-Identifier: GPL-2.0

//! `/dev/utrace-branch`: one branch trace per open file.
//!
//! The ABI is `<linux/utrace_branch.h>` (patch 0029), whose structures and
//! values reach this file through the bindings: `UTRACE_BRANCH_ATTACH`
//! attaches a [`BranchEngine`] to a task the caller may ptrace, read(2)
//! and poll(2) take its records, `UTRACE_BRANCH_STATUS` tells its counters,
//! and closing the file detaches it.

use super::engine::{BranchEngine, Config};
use super::ring::Mode;
use crate::engine_core::{access, Attach, EngineHandle, Match};
use core::mem::size_of;
use kernel::bindings;
use kernel::fs::{File, Kiocb};
use kernel::iov::IovIterDest;
use kernel::miscdevice::{MiscDevice, MiscDeviceRegistration};
use kernel::prelude::*;
use kernel::sync::poll::PollTable;
use kernel::sync::Mutex;
use kernel::task::Task;
use kernel::transmute::AsBytes;
use kernel::uaccess::{UserPtr, UserSlice};

uapi_wrapper!(
    /// `struct utrace_branch_attach`.
    AttachArgs(utrace_branch_attach) { pid, flags, records }
);
uapi_wrapper!(
    /// `struct utrace_branch_status`.
    StatusArgs(utrace_branch_status) {
        records, held, branches, overwritten, stops, steps, state, reserved, switches,
        switches_missed
    }
);
uapi_wrapper!(
    /// `struct utrace_branch`: one record as read(2) gives it.
    Record(utrace_branch) { from, to }
);

/// `EBADFD`, which the `kernel` crate does not name: a file in the wrong
/// state (no trace attached yet).
fn ebadfd() -> Error {
    Error::from_errno(-(bindings::EBADFD as i32))
}

/// The attach flags the uapi defines.
const ATTACH_FLAGS: u32 = bindings::UTRACE_BRANCH_FLOW
    | bindings::UTRACE_BRANCH_FROM_EXEC
    | bindings::UTRACE_BRANCH_SCHED;

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
    /// own process; `EBUSY` for a ptraced task; the charge's (`EPERM`,
    /// `ENOMEM`); `EEXIST` (the task has a branch trace).
    fn attach(&self, arg: usize) -> Result<isize> {
        let a: AttachArgs = UserSlice::new(UserPtr::from_addr(arg), size_of::<AttachArgs>())
            .reader()
            .read()?;
        if a.flags & !ATTACH_FLAGS != 0 {
            return Err(EINVAL);
        }
        let config = Config {
            records: a.records,
            mode: if a.flags & bindings::UTRACE_BRANCH_FLOW != 0 {
                Mode::Flow
            } else {
                Mode::Overwrite
            },
            from_exec: a.flags & bindings::UTRACE_BRANCH_FROM_EXEC != 0,
            sched: a.flags & bindings::UTRACE_BRANCH_SCHED != 0,
        };
        BranchEngine::check(&config)?;
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

    /// The attach itself, once the file is claimed.
    fn attach_to(pid: i32, config: Config) -> Result<EngineHandle<BranchEngine>> {
        let task = access::attach_target(pid)?;
        // A task of the caller's own process would wait for the caller in
        // guaranteed flow: refused, as ptrace refuses its own thread
        // group. The target was found by its pid in the caller's
        // namespace, so its tgid there is not 0.
        let current: &Task = kernel::current!();
        if task.tgid_nr_ns(None) == current.tgid_nr_ns(None) {
            return Err(EPERM);
        }
        // SAFETY: `task` is a live task we hold a reference on; the helper
        // reads one word of it.
        if unsafe { bindings::utrace_branch_ptraced(task.as_ptr()) } {
            // Its tracer would see every step's trap (see the uapi header).
            return Err(EBUSY);
        }
        let engine = BranchEngine::new(config)?;
        let handle = access::with_attach_task(&task, |task| {
            Attach::new(engine.clone())
                .events(BranchEngine::events())
                .exclusive(Match::Type)
                .attach_to_task(task)
        })?;
        if let Err(e) = engine.start(&handle) {
            let _ = handle.detach();
            // What the engine holds goes here, where sleeping is allowed,
            // not wherever engine-core lets go of the engine.
            engine.release_memory();
            return Err(e);
        }
        Ok(handle)
    }

    /// `UTRACE_BRANCH_STATUS`.
    fn status(&self, arg: usize) -> Result<isize> {
        let s = self.handle()?.engine().status();
        let state = [
            (s.started, bindings::UTRACE_BRANCH_STARTED),
            (s.waiting, bindings::UTRACE_BRANCH_WAITING),
            (s.ended, bindings::UTRACE_BRANCH_ENDED),
        ]
        .iter()
        .filter(|(on, _)| *on)
        .fold(0, |state, (_, bit)| state | bit);
        let out = StatusArgs(bindings::utrace_branch_status {
            records: s.records,
            held: s.held,
            branches: s.branches,
            overwritten: s.lost,
            stops: s.stops,
            steps: s.steps,
            state,
            reserved: 0,
            switches: s.switches,
            switches_missed: s.switches_missed,
        });
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
                let r = Record(bindings::utrace_branch {
                    from: b.from,
                    to: b.to,
                });
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
            let _ = handle.detach();
            // A callback of the engine running now keeps the engine until
            // the task's next report, which may never come; its buffer and
            // charge go now. (Not a barrier: a callback reads the task's
            // memory, whose faults may wait for anything.)
            handle.engine().release_memory();
        }
    }
}
