// SPDX-License-Identifier: GPL-2.0

//! `/dev/utrace-channel`: engines whose decisions a user-space monitor
//! makes (seed 002's kmview).
//!
//! The ABI is `<linux/utrace_channel.h>` (patch 0023), whose structures and
//! values reach these files through the bindings. Each open file is a
//! [`state::Channel`]; a monitor attaches [`engine::ChannelEngine`]s to
//! tasks it may ptrace, reads their events with read(2) and poll(2), and
//! answers them with write(2) ([`reply`] decodes the answers), or does
//! both in one `UTRACE_CHANNEL_EXCHANGE`. Targets are
//! looked up with engine-core's access rules (ptrace's): the device grants
//! nothing by itself, and may be world-accessible.
//!
//! - `state`: the channel's slot table, its events and the monitor's side;
//! - `engine`: the engine, whose task waits in its callback for an answer;
//! - `reply`: the pure rules of a reply, with their KUnit tests.

mod engine;
mod reply;
mod state;

pub(crate) use state::GENERATIONS;

use crate::engine_core::{access, syscall_set, SyscallSet};
use core::mem::size_of;
use engine::{events_of, ChannelEngine};
use kernel::bindings;
use kernel::fs::{file, File, Kiocb};
use kernel::iov::{IovIterDest, IovIterSource};
use kernel::miscdevice::{MiscDevice, MiscDeviceRegistration};
use kernel::prelude::*;
use kernel::sync::poll::PollTable;
use kernel::sync::Arc;
use kernel::task::Task;
use kernel::transmute::{AsBytes, FromBytes};
use kernel::uaccess::{UserPtr, UserSlice};
use state::{Channel, OnClose};

/// `struct utrace_channel_attach`.
#[repr(transparent)]
#[derive(Clone, Copy, Default)]
struct AttachArgs(bindings::utrace_channel_attach);

// No padding: four 32-bit fields and a pointer.
const _: () = assert!(size_of::<AttachArgs>() == 4 * 4 + 8);
// The uapi's limit is engine-core's.
const _: () = assert!(bindings::UTRACE_CHANNEL_SYSCALLS_MAX as usize * 8 == syscall_set::MAX_CALLS);
// SAFETY: `repr(transparent)` over a `repr(C)` structure of integers without
// padding (checked above): any bytes are a valid value, and every byte of a
// value is initialised.
unsafe impl FromBytes for AttachArgs {}
// SAFETY: as above.
unsafe impl AsBytes for AttachArgs {}

/// One open `/dev/utrace-channel`.
#[pin_data(PinnedDrop)]
pub(crate) struct ChannelFile {
    channel: Arc<Channel>,
}

impl ChannelFile {
    /// `UTRACE_CHANNEL_ATTACH`: returns the new engine's number.
    fn attach(&self, arg: usize) -> Result<isize> {
        let a: AttachArgs = UserSlice::new(UserPtr::from_addr(arg), size_of::<AttachArgs>())
            .reader()
            .read()?;
        let a = a.0;
        events_of(a.events, a.flags)?;
        let syscalls = match a.syscalls_size {
            0 => None,
            n if n > bindings::UTRACE_CHANNEL_SYSCALLS_MAX => return Err(EINVAL),
            n => {
                let mut bitmap = [0u8; bindings::UTRACE_CHANNEL_SYSCALLS_MAX as usize];
                let bitmap = &mut bitmap[..n as usize];
                UserSlice::new(UserPtr::from_addr(a.syscalls as usize), bitmap.len())
                    .reader()
                    .read_slice(bitmap)?;
                Some(SyscallSet::from_bitmap(bitmap)?)
            }
        };
        // The order of the errors is the uapi header's. The task checked
        // here is the one attached to: its pid is not looked up again.
        let task = access::attach_target(a.pid)?;
        // A task of the monitor's own process would wait for the monitor
        // (its read, or the attach's own exit): refused, as ptrace refuses
        // its own thread group.
        // The caller's own thread group: the target was found by its pid
        // in the caller's namespace, so its tgid there is not 0.
        let current: &Task = kernel::current!();
        if task.tgid_nr_ns(None) == current.tgid_nr_ns(None) {
            return Err(EPERM);
        }
        let number = self
            .channel
            .attach_engine(a.events, a.flags, syscalls, |engine| {
                access::with_attach_task(&task, |task| {
                    ChannelEngine::attach_request(engine).attach_to_task(task)
                })
            })?;
        // Below 2^30: fits the isize.
        Ok(number as isize)
    }

    /// `UTRACE_CHANNEL_SET_ON_CLOSE`.
    fn set_on_close(&self, arg: usize) -> Result<isize> {
        let on_close = match u32::try_from(arg) {
            Ok(bindings::utrace_channel_on_close_UTRACE_CHANNEL_ON_CLOSE_RUN) => OnClose::Run,
            Ok(bindings::utrace_channel_on_close_UTRACE_CHANNEL_ON_CLOSE_ENOSYS) => OnClose::Enosys,
            _ => return Err(EINVAL),
        };
        self.channel.set_on_close(on_close)?;
        Ok(0)
    }
}

#[vtable]
impl MiscDevice for ChannelFile {
    type Ptr = Pin<KBox<Self>>;

    fn open(file: &File, _misc: &MiscDeviceRegistration<Self>) -> Result<Pin<KBox<Self>>> {
        // Events and replies have no offsets: pread(2), pwrite(2) and
        // lseek(2) get ESPIPE.
        // SAFETY: `file` is the file being opened, whose mode the open may
        // set; `stream_open()` only changes `f_mode` (its inode is unused).
        unsafe { bindings::stream_open(core::ptr::null_mut(), file.as_ptr()) };
        KBox::try_pin_init(
            try_pin_init!(ChannelFile {
                channel: Channel::new()?,
            }),
            // Everything an open allocates is charged to the opener.
            GFP_KERNEL_ACCOUNT,
        )
    }

    fn ioctl(me: Pin<&ChannelFile>, file: &File, cmd: u32, arg: usize) -> Result<isize> {
        match cmd {
            bindings::UTRACE_CHANNEL_ATTACH => me.attach(arg),
            bindings::UTRACE_CHANNEL_DETACH => me.channel.detach(arg).map(|()| 0),
            bindings::UTRACE_CHANNEL_MEM => me.channel.mem(arg),
            bindings::UTRACE_CHANNEL_SET_ON_CLOSE => me.set_on_close(arg),
            bindings::UTRACE_CHANNEL_ADDFD => me.channel.addfd(arg, file),
            bindings::UTRACE_CHANNEL_EXCHANGE => {
                let nowait = file.flags() & file::flags::O_NONBLOCK != 0;
                me.channel.exchange(arg, nowait)
            }
            _ => Err(ENOTTY),
        }
    }

    fn read_iter(kiocb: Kiocb<'_, Self::Ptr>, iov: &mut IovIterDest<'_>) -> Result<usize> {
        let nowait = kiocb.is_nowait();
        kiocb.file().channel.read(iov, nowait)
    }

    fn write_iter(kiocb: Kiocb<'_, Self::Ptr>, iov: &mut IovIterSource<'_>) -> Result<usize> {
        kiocb.file().channel.write(iov)
    }

    fn poll(me: Pin<&ChannelFile>, file: &File, table: PollTable<'_>) -> bindings::__poll_t {
        me.channel.poll(file, table)
    }
}

#[pinned_drop]
impl PinnedDrop for ChannelFile {
    fn drop(self: Pin<&mut Self>) {
        // Lets every waiting task go, detaches every engine, and breaks
        // the channel <-> engine reference cycle.
        self.channel.close();
    }
}
