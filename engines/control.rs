// SPDX-License-Identifier: GPL-2.0

//! `/dev/utrace`: the control interface of the engines.
//!
//! The ABI is `<linux/utrace.h>` (`include/uapi/linux/utrace.h`, patch
//! 0020), whose structures and values reach this file through the
//! bindings: attach an strace or a VM engine to a process, detach it, read
//! the strace text with read(2) (blocking, or not with `O_NONBLOCK`),
//! poll(2) or the `UTRACE_READ` ioctl, and show a breakpoint's hits in an
//! strace engine's trace (`UTRACE_PROBE`). Targets are looked up with
//! engine-core's access rules (ptrace's). The device grants nothing by
//! itself, since every attach is checked against the caller's right to
//! ptrace the target: making it world-accessible (0666, as the test guest
//! does) is safe.

use super::session::{Session, Slot};
use super::strace::trace_buf::{TraceBuf, MAX_READ};
use super::strace::{StraceEngine, DEFAULT_STRING_MAX, STRING_MAX_LIMIT};
use super::vm::{rules, VmEngine};
use crate::engine_core::{access, ProbeKind, ProbeSite, ProbeSubscription};
use core::mem::size_of;
use kernel::bindings;
use kernel::fs::{File, Kiocb, LocalFile};
use kernel::iov::IovIterDest;
use kernel::miscdevice::{MiscDevice, MiscDeviceRegistration};
use kernel::prelude::*;
use kernel::sync::poll::PollTable;
use kernel::sync::{Arc, Mutex};
use kernel::uaccess::{UserPtr, UserSlice};

/// Longest VM rule text.
const MAX_RULES_TEXT: usize = 4096;

uapi_wrapper!(
    /// `struct utrace_strace_attach`.
    StraceArgs(utrace_strace_attach) { pid, string_max, flags, reserved }
);
uapi_wrapper!(
    /// `struct utrace_vm_attach`.
    VmArgs(utrace_vm_attach) { pid, rules_len, rules, flags, error, error_line, reserved }
);
uapi_wrapper!(
    /// `struct utrace_read`.
    ReadArgs(utrace_read) { buf, len, got, dropped }
);
uapi_wrapper!(
    /// `struct utrace_probe`.
    ProbeArgs(utrace_probe) { slot, fd, offset, flags, label_len, label }
);

/// `UTRACE_PROBE_RETURN`.
const PROBE_RETURN: u32 = bindings::UTRACE_PROBE_RETURN;
/// The longest probe label (the uapi header's).
const PROBE_LABEL_MAX: usize = 63;
/// The most probes one file holds (each engine has its own cap too).
const MAX_FILE_PROBES: usize = 1024;

/// `enum utrace_vm_error`.
fn vm_error_code(e: rules::RuleError) -> u32 {
    match e {
        rules::RuleError::Malformed => bindings::utrace_vm_error_UTRACE_VM_MALFORMED,
        rules::RuleError::UnknownSyscall => bindings::utrace_vm_error_UTRACE_VM_UNKNOWN_SYSCALL,
        rules::RuleError::TooLong => bindings::utrace_vm_error_UTRACE_VM_TOO_LONG,
        rules::RuleError::TooMany => bindings::utrace_vm_error_UTRACE_VM_TOO_MANY,
        rules::RuleError::NotAbsolute => bindings::utrace_vm_error_UTRACE_VM_NOT_ABSOLUTE,
    }
}
const VM_NOT_TEXT: u32 = bindings::utrace_vm_error_UTRACE_VM_NOT_TEXT;

/// `UTRACE_FOLLOW`.
const FOLLOW: u32 = bindings::UTRACE_FOLLOW;
/// `UTRACE_FROM_EXEC` (strace engines only).
const FROM_EXEC: u32 = bindings::UTRACE_FROM_EXEC;

/// One open `/dev/utrace`.
#[pin_data(PinnedDrop)]
pub(crate) struct ControlFile {
    out: Arc<TraceBuf>,
    session: Arc<Session>,
    /// The breakpoints of `UTRACE_PROBE`, kept as long as the file.
    #[pin]
    probes: Mutex<KVec<ProbeSubscription>>,
}

impl ControlFile {
    /// The session engines that follow children add to, if `flags` asks.
    fn follow(&self, flags: u32) -> Option<Arc<Session>> {
        (flags & FOLLOW != 0).then(|| self.session.clone())
    }

    fn attach_strace(&self, arg: usize) -> Result<isize> {
        let a: StraceArgs = UserSlice::new(UserPtr::from_addr(arg), size_of::<StraceArgs>())
            .reader()
            .read()?;
        if a.flags & !(FOLLOW | FROM_EXEC) != 0
            || a.reserved != 0
            || a.string_max as usize > STRING_MAX_LIMIT
        {
            return Err(EINVAL);
        }
        // The order of the errors is the uapi header's. The task checked
        // here is the one attached to: its pid is not looked up again.
        let task = access::attach_target(a.pid)?;
        let string_max = match a.string_max {
            0 => DEFAULT_STRING_MAX,
            n => n as usize,
        };
        let room = self.session.reserve()?;
        let engine = StraceEngine::new(
            self.out.writer(),
            string_max,
            self.follow(a.flags),
            None,
            a.flags & FROM_EXEC != 0,
        )?;
        let engine = Arc::pin_init(engine, GFP_KERNEL_ACCOUNT)?;
        #[cfg(CONFIG_UTRACE_TEST_DEVICE)]
        super::test_device::ATTACH_DELAY_HOOK.pass();
        let handle = access::with_attach_task(&task, |task| {
            StraceEngine::attach_request(engine).attach_to_task(task)
        })?;
        Ok(room.add(Slot::Strace(handle))? as isize)
    }

    fn attach_vm(&self, arg: usize) -> Result<isize> {
        let slice = UserSlice::new(UserPtr::from_addr(arg), size_of::<VmArgs>());
        let (mut reader, mut writer) = slice.reader_writer();
        let mut a: VmArgs = reader.read()?;
        let len = a.rules_len as usize;
        if a.flags & !FOLLOW != 0 || a.reserved != 0 {
            return Err(EINVAL);
        }
        // The order of the errors is the uapi header's: the target before
        // the rules, so that a caller who may not attach to it gets EPERM
        // whatever it passed, and nothing is copied for it. The task checked
        // here is the one attached to: its pid is not looked up again.
        let task = access::attach_target(a.pid)?;
        let mut text = KVec::new();
        let parsed = if len == 0 || len > MAX_RULES_TEXT {
            Err((VM_NOT_TEXT, 0, EINVAL))
        } else {
            UserSlice::new(UserPtr::from_addr(a.rules as usize), len)
                .read_all(&mut text, GFP_KERNEL)?;
            if text.contains(&0) {
                Err((VM_NOT_TEXT, 0, EINVAL))
            } else {
                rules::parse(&text).map_err(|e| (vm_error_code(e.error), e.line, e.error.errno()))
            }
        };
        let rules = match parsed {
            Ok(r) => Arc::new(r, GFP_KERNEL_ACCOUNT)?,
            Err((code, line, errno)) => {
                a.error = code;
                a.error_line = line;
                writer.write(&a)?;
                return Err(errno);
            }
        };
        let room = self.session.reserve()?;
        let engine = Arc::pin_init(
            VmEngine::new(rules, self.follow(a.flags)),
            GFP_KERNEL_ACCOUNT,
        )?;
        // The answer is written before the engine is attached: a caller
        // whose argument cannot be written back gets EFAULT with nothing
        // attached (after the target's, the rules' and the file's errors).
        a.error = 0;
        a.error_line = 0;
        writer.write(&a)?;
        #[cfg(CONFIG_UTRACE_TEST_DEVICE)]
        super::test_device::ATTACH_DELAY_HOOK.pass();
        let handle = access::with_attach_task(&task, |task| {
            VmEngine::attach_request(engine).attach_to_task(task)
        })?;
        Ok(room.add(Slot::Vm(handle))? as isize)
    }

    fn detach(&self, slot: usize) -> Result<isize> {
        let s = self.session.get(slot)?;
        match s.detach() {
            Ok(()) => {}
            // Detached before (its task died): the slot is given back.
            Err(e) if e == ESRCH => {
                self.session.release(slot, &s);
                return Err(e);
            }
            // EALREADY: detached when its task's death report ends.
            Err(e) => return Err(e),
        }
        // The slot is given back once no callback of its engine runs, so
        // that the file never holds more engines than its limit; a fatal
        // signal that cuts the wait short gives it back all the same.
        let waited = s.barrier();
        self.session.release(slot, &s);
        waited?;
        Ok(0)
    }

    /// `UTRACE_PROBE`: the strace engine of a slot shows its task's hits
    /// of a breakpoint.
    fn probe(&self, arg: usize) -> Result<isize> {
        access::may_probe()?;
        let a: ProbeArgs = UserSlice::new(UserPtr::from_addr(arg), size_of::<ProbeArgs>())
            .reader()
            .read()?;
        let len = a.label_len as usize;
        if a.flags & !PROBE_RETURN != 0 || !(1..=PROBE_LABEL_MAX).contains(&len) {
            return Err(EINVAL);
        }
        let mut label = KVec::new();
        UserSlice::new(UserPtr::from_addr(a.label as usize), len)
            .read_all(&mut label, GFP_KERNEL)?;
        if !label.iter().all(u8::is_ascii_graphic) {
            return Err(EINVAL);
        }
        let slot = self.session.get(a.slot as usize)?;
        let Slot::Strace(handle) = &*slot else {
            return Err(EINVAL);
        };
        let kind = match a.flags {
            PROBE_RETURN => ProbeKind::Return,
            _ => ProbeKind::Entry,
        };
        let fd = u32::try_from(a.fd).map_err(|_| EBADF)?;
        let file = LocalFile::fget(fd).map_err(|_| EBADF)?;
        let mut probes = self.probes.lock();
        if probes.len() >= MAX_FILE_PROBES {
            return Err(ENOSPC);
        }
        probes.reserve(1, GFP_KERNEL_ACCOUNT)?;
        // Named before the first hit can come.
        handle
            .engine()
            .name_probe(ProbeSite::of(&file, a.offset), &label)?;
        let sub = handle.probe(&file, a.offset, kind)?;
        // Within the capacity reserved above.
        let _ = probes.push_within_capacity(sub);
        Ok(0)
    }

    /// `UTRACE_SET_MAX_ENGINES`: the most engines the session holds at
    /// once; 0 asks for it, anything else sets it.
    fn set_max_engines(&self, max: usize) -> Result<isize> {
        if max != 0 {
            self.session.set_max(max)?;
        }
        // At most MAX_ENGINES_LIMIT: fits the isize.
        Ok(self.session.max() as isize)
    }

    fn read(&self, arg: usize) -> Result<isize> {
        let slice = UserSlice::new(UserPtr::from_addr(arg), size_of::<ReadArgs>());
        let (mut reader, mut writer) = slice.reader_writer();
        let mut r: ReadArgs = reader.read()?;
        let max = (r.len as usize).min(MAX_READ);
        // Nothing is taken from the buffer unless both writes succeed.
        self.out.read_lines(max, |bytes, dropped| {
            UserSlice::new(UserPtr::from_addr(r.buf as usize), bytes.len())
                .writer()
                .write_slice(bytes)?;
            // At most MAX_READ bytes: fits the u32.
            r.got = bytes.len() as u32;
            r.dropped = dropped;
            writer.write(&r)
        })?;
        Ok(0)
    }

    /// `UTRACE_SET_BUFFER`: the trace buffer's size in bytes; 0 asks for
    /// it, anything else sets it.
    fn set_buffer(&self, bytes: usize) -> Result<isize> {
        if bytes != 0 {
            self.out.set_capacity(bytes)?;
        }
        // At most MAX_CAPACITY: fits the isize.
        Ok(self.out.capacity() as isize)
    }
}

#[vtable]
impl MiscDevice for ControlFile {
    type Ptr = Pin<KBox<Self>>;

    fn open(file: &File, _misc: &MiscDeviceRegistration<Self>) -> Result<Pin<KBox<Self>>> {
        // A trace pipe has no offsets: pread(2) and lseek(2) get ESPIPE,
        // and reads do not take the file position lock.
        // SAFETY: `file` is the file being opened, whose mode the open may
        // set; `stream_open()` only changes `f_mode` (its inode is unused).
        unsafe { bindings::stream_open(core::ptr::null_mut(), file.as_ptr()) };
        KBox::try_pin_init(
            try_pin_init!(ControlFile {
                out: TraceBuf::new()?,
                session: Session::new()?,
                probes <- kernel::new_mutex!(KVec::new(), "utrace_control::probes"),
            }),
            // Everything an open allocates is charged to the opener.
            GFP_KERNEL_ACCOUNT,
        )
    }

    fn ioctl(me: Pin<&ControlFile>, _file: &File, cmd: u32, arg: usize) -> Result<isize> {
        match cmd {
            bindings::UTRACE_ATTACH_STRACE => me.attach_strace(arg),
            bindings::UTRACE_ATTACH_VM => me.attach_vm(arg),
            bindings::UTRACE_DETACH_ENGINE => me.detach(arg),
            bindings::UTRACE_READ => me.read(arg),
            bindings::UTRACE_SET_BUFFER => me.set_buffer(arg),
            bindings::UTRACE_SET_MAX_ENGINES => me.set_max_engines(arg),
            bindings::UTRACE_PROBE => me.probe(arg),
            _ => Err(ENOTTY),
        }
    }

    fn read_iter(kiocb: Kiocb<'_, Self::Ptr>, iov: &mut IovIterDest<'_>) -> Result<usize> {
        let nowait = kiocb.is_nowait();
        kiocb.file().out.read(iov, nowait)
    }

    fn poll(me: Pin<&ControlFile>, file: &File, table: PollTable<'_>) -> bindings::__poll_t {
        me.out.poll(file, table)
    }
}

#[pinned_drop]
impl PinnedDrop for ControlFile {
    fn drop(self: Pin<&mut Self>) {
        // The breakpoints first: no hit is reported from here on.
        self.probes.lock().clear();
        // Detaches every engine, those that followed children too, and
        // breaks the session <-> engine reference cycle.
        self.session.close();
    }
}
