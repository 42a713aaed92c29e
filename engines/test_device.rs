// SPDX-License-Identifier: GPL-2.0

//! `/dev/utrace-test`: attach test engines from user space, read their log.
//!
//! The ABI is `uapi/linux/utrace_test.h`, whose structures and values come
//! through a test kernel's bindings (patch 35). Each open file owns the
//! engines it attached (up to [`MAX_SLOTS`], never reused, so that a second
//! detach of a slot reaches engine-core and gets its `ESRCH`) and one log;
//! closing the file detaches them and waits for any running callback. Targets
//! are looked up with engine-core's access rules (ptrace's).
//!
//! It also arms the race-test delays ([`ArmedDelay`]), each the window a
//! race test needs to hit: in `/dev/utrace`'s attaches, between the check
//! of the target and the attach; in engine-core's inheritance, before a
//! parent's engine is attached to its new child; in barriers, between the
//! wait and the retirement of a detached engine; and in detach, between
//! the mark and the engine's notification.

use super::test_engine::{new_log, Action, Log, Record, TestEngine};
use crate::engine_core::{access, Attach, EngineHandle, Events, Match, StopState};
#[cfg(CONFIG_UPROBES)]
use crate::engine_core::{ProbeKind, ProbeSubscription};
use core::mem::size_of;
use kernel::bindings;
use kernel::fs::File;
#[cfg(CONFIG_UPROBES)]
use kernel::fs::LocalFile;
use kernel::miscdevice::{MiscDevice, MiscDeviceRegistration};
use kernel::prelude::*;
use kernel::sync::atomic::{Atomic, Relaxed};
use kernel::sync::{Arc, Mutex};
use kernel::transmute::{AsBytes, FromBytes};
use kernel::uaccess::{UserPtr, UserSlice};

/// Engines one open file may attach.
const MAX_SLOTS: usize = 64;
/// Breakpoint subscriptions one open file may make (dropped ones count).
#[cfg(CONFIG_UPROBES)]
const MAX_PROBES: usize = 256;

/// `struct utrace_test_attach`, readable from bytes.
#[repr(transparent)]
#[derive(Clone, Copy, Default)]
struct AttachArgs(bindings::utrace_test_attach);

// SAFETY: `repr(C)`, integers only, no padding (4 * 4 + 8 + 2 * 4 + 8):
// any bytes are a valid value.
unsafe impl FromBytes for AttachArgs {}

/// `struct utrace_test_events`, readable from bytes.
#[repr(transparent)]
#[derive(Clone, Copy, Default)]
struct EventsArgs(bindings::utrace_test_events);

// SAFETY: `repr(C)`, two `__u32`, no padding.
unsafe impl FromBytes for EventsArgs {}

/// `struct utrace_test_read`, read from and written back to the caller.
#[repr(transparent)]
#[derive(Clone, Copy, Default)]
struct ReadArgs(bindings::utrace_test_read);

// SAFETY: `repr(C)`, integers only, no padding (8 + 4 + 4 + 8).
unsafe impl FromBytes for ReadArgs {}
// SAFETY: as above: every byte is initialised.
unsafe impl AsBytes for ReadArgs {}

/// `struct utrace_test_examine`, readable from bytes.
#[repr(transparent)]
#[derive(Clone, Copy, Default)]
struct ExamineArgs(bindings::utrace_test_examine);

// SAFETY: `repr(C)`, integers only, no padding (4 + 4 + 8 + 8 + 4 + 4).
unsafe impl FromBytes for ExamineArgs {}

/// `struct utrace_test_probe`, readable from bytes.
#[repr(transparent)]
#[derive(Clone, Copy, Default)]
struct ProbeArgs(bindings::utrace_test_probe);

// SAFETY: `repr(C)`, integers only, no padding (4 + 4 + 8 + 4 + 4).
unsafe impl FromBytes for ProbeArgs {}

/// The largest buffer of one `UTRACE_TEST_EXAMINE`.
const EXAMINE_MAX: usize = 4096;

/// A race-test delay in one place of the kernel: user space arms it (in
/// milliseconds, at most [`ArmedDelay::MAX_MS`]); the first time the code
/// passes its hook after that, it counts itself and sleeps that long, once.
/// Only in kernels with this device.
pub(crate) struct ArmedDelay {
    /// The armed delay, in ms (0: none).
    ms: Atomic<u32>,
    /// How many passes have entered an armed delay since boot.
    taken: Atomic<u32>,
}

impl ArmedDelay {
    /// The longest delay one can arm, in milliseconds.
    const MAX_MS: usize = 10_000;

    const fn new() -> Self {
        Self {
            ms: Atomic::new(0),
            taken: Atomic::new(0),
        }
    }

    /// The hook: sleeps if a delay is armed, and disarms it.
    pub(crate) fn pass(&self) {
        let ms = self.ms.xchg(0, Relaxed);
        if ms != 0 {
            self.taken.fetch_add(1, Relaxed);
            kernel::time::delay::fsleep(kernel::time::Delta::from_millis(i64::from(ms)));
        }
    }

    /// `UTRACE_TEST_*_DELAY`: arms the delay (0 disarms it).
    fn arm(&self, ms: usize) -> Result<isize> {
        if ms > Self::MAX_MS {
            return Err(EINVAL);
        }
        // At most MAX_MS: fits the u32.
        self.ms.store(ms as u32, Relaxed);
        Ok(0)
    }

    /// `UTRACE_TEST_*_DELAYED`: how many passes entered an armed delay.
    fn taken(&self) -> isize {
        self.taken.load(Relaxed) as isize
    }
}

/// A subscription handed over by `UTRACE_TEST_HAND_PROBE`, for the next
/// breakpoint callback of a dwelling test engine to drop (null: none):
/// the race test of a drop inside a breakpoint callback.
#[cfg(CONFIG_UPROBES)]
static HANDED_PROBE: Atomic<*mut ProbeSubscription> = Atomic::new(core::ptr::null_mut());

/// Takes the handed subscription, if any (the caller drops it).
#[cfg(CONFIG_UPROBES)]
pub(crate) fn take_handed_probe() -> Option<KBox<ProbeSubscription>> {
    let p = HANDED_PROBE.xchg(core::ptr::null_mut(), Relaxed);
    // SAFETY: a non-null pointer came from `KBox::into_raw` in
    // `hand_probe`, and the exchange took it out of the slot.
    (!p.is_null()).then(|| unsafe { KBox::from_raw(p) })
}

/// In `/dev/utrace`'s attaches, after the target was checked (and the
/// rules copied) and before the attach (`UTRACE_TEST_ATTACH_DELAY`).
pub(crate) static ATTACH_DELAY_HOOK: ArmedDelay = ArmedDelay::new();
/// In `/dev/utrace`'s reads of trace text, once the reader took its text
/// and before it copies it to user space (`UTRACE_TEST_READ_DELAY`).
pub(crate) static READ_DELAY_HOOK: ArmedDelay = ArmedDelay::new();
/// In engine-core's inheritance, in the parent's clone report before it
/// attaches a copy of an inherited engine to the child
/// (`UTRACE_TEST_INHERIT_DELAY`).
pub(crate) static INHERIT_DELAY_HOOK: ArmedDelay = ArmedDelay::new();
/// In engine-core's barrier, after its wait and before it decides whether
/// the engine is retired (`UTRACE_TEST_BARRIER_DELAY`).
pub(crate) static BARRIER_DELAY_HOOK: ArmedDelay = ArmedDelay::new();
/// In engine-core's detach, once the attachment is marked and the lock
/// released, before the engine is told (`UTRACE_TEST_DETACH_DELAY`).
pub(crate) static DETACH_DELAY_HOOK: ArmedDelay = ArmedDelay::new();
/// In engine-core's steps, once the task is set to step and before it
/// returns to user mode (`UTRACE_TEST_STEP_DELAY`).
pub(crate) static STEP_DELAY_HOOK: ArmedDelay = ArmedDelay::new();

/// In engine-core's examinations, with the task pinned in its stop for a
/// register access, before the access (`UTRACE_TEST_EXAMINE_DELAY`).
pub(crate) static EXAMINE_DELAY_HOOK: ArmedDelay = ArmedDelay::new();
/// In the channel engine's wait, once its task woke and before it looks
/// for a monitor's ADDFD request (`UTRACE_TEST_ADDFD_DELAY`).
pub(crate) static ADDFD_DELAY_HOOK: ArmedDelay = ArmedDelay::new();
/// In the channel's ADDFD, in the traced task just before it installs the
/// monitor's file (`UTRACE_TEST_INSTALL_DELAY`).
pub(crate) static INSTALL_DELAY_HOOK: ArmedDelay = ArmedDelay::new();
/// In the channel engine's exchange, before its task queues the event
/// (`UTRACE_TEST_QUEUE_DELAY`).
pub(crate) static QUEUE_DELAY_HOOK: ArmedDelay = ArmedDelay::new();
/// How far a reused channel slot's generation advances
/// (`UTRACE_TEST_CHANNEL_GEN_STEP`; 0 stands for 1).
pub(crate) static CHANNEL_GENERATION_STEP: Atomic<u32> = Atomic::new(0);

/// One open `/dev/utrace-test`.
#[pin_data(PinnedDrop)]
pub(crate) struct TestFile {
    log: Arc<Log>,
    #[pin]
    slots: Mutex<KVec<EngineHandle<TestEngine>>>,
    /// Breakpoint subscriptions, by the index `UTRACE_TEST_PROBE` returned
    /// (`None` once dropped by `UTRACE_TEST_UNPROBE`; never reused).
    #[cfg(CONFIG_UPROBES)]
    #[pin]
    probes: Mutex<KVec<Option<ProbeSubscription>>>,
}

impl TestFile {
    /// `UTRACE_TEST_PROBE`: subscribes a slot's engine to a breakpoint.
    #[cfg(CONFIG_UPROBES)]
    fn probe(&self, arg: usize) -> Result<isize> {
        access::may_probe()?;
        let ProbeArgs(a) = UserSlice::new(UserPtr::from_addr(arg), size_of::<ProbeArgs>())
            .reader()
            .read()?;
        if a.flags & !bindings::UTRACE_TEST_PROBE_RETURN != 0 || a.pad != 0 {
            return Err(EINVAL);
        }
        let kind = match a.flags {
            bindings::UTRACE_TEST_PROBE_RETURN => ProbeKind::Return,
            _ => ProbeKind::Entry,
        };
        let handle = self
            .slots
            .lock()
            .get(a.slot as usize)
            .ok_or(EINVAL)?
            .clone();
        let fd = u32::try_from(a.fd).map_err(|_| EBADF)?;
        let file = LocalFile::fget(fd).map_err(|_| EBADF)?;
        let mut probes = self.probes.lock();
        if probes.len() >= MAX_PROBES {
            return Err(ENOSPC);
        }
        probes.reserve(1, GFP_KERNEL_ACCOUNT)?;
        let sub = handle.probe(&file, a.offset, kind)?;
        let index = probes.len();
        // Within the capacity reserved above.
        let _ = probes.push_within_capacity(Some(sub));
        // At most MAX_PROBES: fits.
        Ok(index as isize)
    }

    /// `UTRACE_TEST_HAND_PROBE`: hands a subscription to the next
    /// breakpoint callback of a dwelling test engine, which drops it there
    /// ([`take_handed_probe`]).
    #[cfg(CONFIG_UPROBES)]
    fn hand_probe(&self, index: usize) -> Result<isize> {
        let sub = self.take_probe(index)?;
        let new = KBox::into_raw(KBox::new(sub, GFP_KERNEL)?);
        let old = HANDED_PROBE.xchg(new, Relaxed);
        if !old.is_null() {
            // SAFETY: from `KBox::into_raw` above, taken out of the slot.
            drop(unsafe { KBox::from_raw(old) });
        }
        Ok(0)
    }

    /// `UTRACE_TEST_UNPROBE`: drops a subscription.
    #[cfg(CONFIG_UPROBES)]
    fn unprobe(&self, index: usize) -> Result<isize> {
        // Dropped with the file's lock released.
        drop(self.take_probe(index)?);
        Ok(0)
    }

    /// Takes subscription `index` out of the file: `EINVAL` if it never
    /// was, or was taken already.
    #[cfg(CONFIG_UPROBES)]
    fn take_probe(&self, index: usize) -> Result<ProbeSubscription> {
        let sub = self.probes.lock().get_mut(index).and_then(Option::take);
        sub.ok_or(EINVAL)
    }

    fn attach(&self, arg: usize) -> Result<isize> {
        use bindings::{
            UTRACE_TEST_BARRIER_IN_REAP as IN_REAP, UTRACE_TEST_EXCLUSIVE as EXCLUSIVE,
            UTRACE_TEST_INHERIT as INHERIT,
        };
        let AttachArgs(a) = UserSlice::new(UserPtr::from_addr(arg), size_of::<AttachArgs>())
            .reader()
            .read()?;
        let events = Events::from_bits(a.events)?;
        let action = Action::decode(a.kind, a.arg, a.value)?;
        action.check_signal(a.nr)?;
        if a.flags & !(EXCLUSIVE | INHERIT | IN_REAP) != 0
            || a.flags & (INHERIT | IN_REAP) == INHERIT | IN_REAP
            || a.nr < -1
        {
            return Err(EINVAL);
        }
        let mut slots = self.slots.lock();
        if slots.len() >= MAX_SLOTS {
            return Err(ENOSPC);
        }
        slots.reserve(1, GFP_KERNEL)?;
        let barrier_in_reap = a.flags & IN_REAP != 0;
        let engine = Arc::new(
            TestEngine::new(a.id, a.nr, action, self.log.clone(), barrier_in_reap)?,
            GFP_KERNEL,
        )?;
        let own = engine.own.clone();
        let id = a.id;
        let same_id = |e: &TestEngine| e.id == id;
        let mut req = Attach::new(engine).events(events);
        if a.flags & EXCLUSIVE != 0 {
            req = req.exclusive(Match::Data(&same_id));
        }
        if a.flags & INHERIT != 0 {
            req = req.inherit();
        }
        let handle = access::with_attach_target(a.pid, |task| req.attach_to_task(task))?;
        if let Some(own) = own {
            // Dropped by the engine at its reap report, or when detached.
            *own.lock() = Some(handle.clone());
        }
        let slot = slots.len();
        // Capacity was reserved above: this cannot fail.
        if let Err(e) = slots.push_within_capacity(handle) {
            let _ = e.0.detach();
            return Err(ENOMEM);
        }
        Ok(slot as isize)
    }

    fn with_slot(
        &self,
        slot: usize,
        f: impl FnOnce(&EngineHandle<TestEngine>) -> Result,
    ) -> Result<isize> {
        // A copy, used with the lock released: a barrier may wait long,
        // and another thread of the test must meanwhile reach the slots.
        let handle = self.slots.lock().get(slot).ok_or(EINVAL)?.clone();
        f(&handle)?;
        Ok(0)
    }

    /// `UTRACE_TEST_EXAMINE`: one access to the stopped task, between the
    /// beginning and the end of an examination.
    fn examine(&self, arg: usize) -> Result<isize> {
        use bindings::{
            UTRACE_TEST_EXAMINE_READ as READ, UTRACE_TEST_EXAMINE_REGS as REGS,
            UTRACE_TEST_EXAMINE_REGSET as REGSET, UTRACE_TEST_EXAMINE_SET_REGS as SET_REGS,
            UTRACE_TEST_EXAMINE_SET_REGSET as SET_REGSET, UTRACE_TEST_EXAMINE_STRING as STRING,
            UTRACE_TEST_EXAMINE_THEN_RESTOP as THEN_RESTOP,
            UTRACE_TEST_EXAMINE_THEN_RESUME as THEN_RESUME, UTRACE_TEST_EXAMINE_WRITE as WRITE,
        };
        let ExamineArgs(a) = UserSlice::new(UserPtr::from_addr(arg), size_of::<ExamineArgs>())
            .reader()
            .read()?;
        let len = a.len as usize;
        if !(1..=EXAMINE_MAX).contains(&len)
            || a.flags & !(THEN_RESUME | THEN_RESTOP) != 0
            || a.flags == THEN_RESUME | THEN_RESTOP
        {
            return Err(EINVAL);
        }
        let handle = self
            .slots
            .lock()
            .get(a.slot as usize)
            .ok_or(EINVAL)?
            .clone();
        let user = UserSlice::new(UserPtr::from_addr(a.buf as usize), len);
        let (mut reader, mut writer) = user.reader_writer();
        let mut buf = KVec::from_elem(0u8, len, GFP_KERNEL_ACCOUNT)?;
        let writes = matches!(a.op, SET_REGS | WRITE | SET_REGSET);
        // REGSET and SET_REGSET name the set by its NT_* type in `addr`.
        let note = u32::try_from(a.addr).unwrap_or(u32::MAX);
        if writes {
            reader.read_slice(&mut buf)?;
        }
        let ex = handle.examine()?;
        let (done, out) = match a.op {
            REGS => (ex.read_regs(&mut buf)?, None),
            SET_REGS => (ex.write_regs(&buf).map(|()| len)?, None),
            READ => (ex.read_memory(a.addr, &mut buf)?, None),
            WRITE => (ex.write_memory(a.addr, &buf)?, None),
            REGSET => (ex.read_regset(note, &mut buf)?, None),
            SET_REGSET => (ex.write_regset(note, &buf).map(|()| len)?, None),
            STRING => {
                let (n, _cut) = ex.read_string(a.addr, &mut buf)?;
                // The string and its NUL.
                (n, Some(n + 1))
            }
            _ => return Err(EINVAL),
        };
        // What was read goes out even if the end fails (a race test looks
        // at what a register access read while the task was killed).
        if !writes {
            writer.write_slice(&buf[..out.unwrap_or(done)])?;
        }
        if a.flags != 0 {
            handle.resume()?;
        }
        if a.flags & THEN_RESTOP != 0 {
            let _ = handle.stop()?;
            for _ in 0..2000 {
                if handle.is_task_stopped() {
                    break;
                }
                kernel::time::delay::fsleep(kernel::time::Delta::from_millis(1));
            }
        }
        ex.finish()?;
        Ok(done as isize)
    }

    fn read(&self, arg: usize) -> Result<isize> {
        let slice = UserSlice::new(UserPtr::from_addr(arg), size_of::<ReadArgs>());
        let (mut reader, mut writer) = slice.reader_writer();
        let ReadArgs(mut r) = reader.read()?;
        let max = (r.max as usize).min(super::test_engine::LOG_CAPACITY);
        // Copy the records out under the lock (it is a mutex: user memory
        // may fault), and remove them only once the caller has them all.
        let mut out: KVec<Record> = KVec::with_capacity(max, GFP_KERNEL)?;
        let mut buf = self.log.lock();
        let n = max.min(buf.records.len());
        for rec in buf.records.iter().take(n) {
            out.push_within_capacity(*rec).map_err(|_| ENOMEM)?;
        }
        r.dropped = buf.dropped;
        let mut dst = UserSlice::new(
            UserPtr::from_addr(r.records as usize),
            out.len() * size_of::<Record>(),
        )
        .writer();
        for rec in out.iter() {
            dst.write(rec)?;
        }
        // At most LOG_CAPACITY records: fits the u32.
        r.count = n as u32;
        writer.write(&ReadArgs(r))?;
        let rest = buf.records.len() - n;
        for i in 0..rest {
            buf.records[i] = buf.records[i + n];
        }
        buf.records.truncate(rest);
        Ok(0)
    }
}

#[vtable]
impl MiscDevice for TestFile {
    type Ptr = Pin<KBox<Self>>;

    fn open(_file: &File, _misc: &MiscDeviceRegistration<Self>) -> Result<Pin<KBox<Self>>> {
        KBox::try_pin_init(
            try_pin_init!(TestFile {
                log: new_log()?,
                slots <- kernel::new_mutex!(KVec::new(), "utrace_test::slots"),
                #[cfg(CONFIG_UPROBES)]
                probes <- kernel::new_mutex!(KVec::new(), "utrace_test::probes"),
            }),
            GFP_KERNEL,
        )
    }

    fn ioctl(me: Pin<&TestFile>, _file: &File, cmd: u32, arg: usize) -> Result<isize> {
        match cmd {
            bindings::UTRACE_TEST_ATTACH => me.attach(arg),
            bindings::UTRACE_TEST_DETACH => me.with_slot(arg, |h| h.detach()),
            bindings::UTRACE_TEST_SET_EVENTS => {
                let EventsArgs(e) =
                    UserSlice::new(UserPtr::from_addr(arg), size_of::<EventsArgs>())
                        .reader()
                        .read()?;
                let events = Events::from_bits(e.events)?;
                me.with_slot(e.slot as usize, |h| h.set_events(events))
            }
            bindings::UTRACE_TEST_READ => me.read(arg),
            bindings::UTRACE_TEST_BARRIER => me.with_slot(arg, |h| h.barrier()),
            bindings::UTRACE_TEST_RESUME => me.with_slot(arg, |h| h.resume()),
            bindings::UTRACE_TEST_RESUME_REPORT => me.with_slot(arg, |h| h.resume_and_report()),
            bindings::UTRACE_TEST_STOP_TASK => {
                me.with_slot(arg, |h| h.stop().and_then(StopState::to_utrace))
            }
            bindings::UTRACE_TEST_INTERRUPT => me.with_slot(arg, |h| h.interrupt()),
            bindings::UTRACE_TEST_REPORT => me.with_slot(arg, |h| h.request_report()),
            bindings::UTRACE_TEST_SINGLESTEP => me.with_slot(arg, |h| h.resume_step(false)),
            bindings::UTRACE_TEST_BLOCKSTEP => me.with_slot(arg, |h| h.resume_step(true)),
            bindings::UTRACE_TEST_ATTACH_DELAY => ATTACH_DELAY_HOOK.arm(arg),
            bindings::UTRACE_TEST_ATTACH_DELAYED => Ok(ATTACH_DELAY_HOOK.taken()),
            bindings::UTRACE_TEST_INHERIT_DELAY => INHERIT_DELAY_HOOK.arm(arg),
            bindings::UTRACE_TEST_INHERIT_DELAYED => Ok(INHERIT_DELAY_HOOK.taken()),
            bindings::UTRACE_TEST_LIVE_ENGINES => {
                let id = u32::try_from(arg).map_err(|_| EINVAL)?;
                Ok(super::test_engine::live_engines(id).load(Relaxed) as isize)
            }
            bindings::UTRACE_TEST_BARRIER_DELAY => BARRIER_DELAY_HOOK.arm(arg),
            bindings::UTRACE_TEST_BARRIER_DELAYED => Ok(BARRIER_DELAY_HOOK.taken()),
            bindings::UTRACE_TEST_DETACH_DELAY => DETACH_DELAY_HOOK.arm(arg),
            bindings::UTRACE_TEST_DETACH_DELAYED => Ok(DETACH_DELAY_HOOK.taken()),
            bindings::UTRACE_TEST_READ_DELAY => READ_DELAY_HOOK.arm(arg),
            bindings::UTRACE_TEST_READ_DELAYED => Ok(READ_DELAY_HOOK.taken()),
            bindings::UTRACE_TEST_STEP_DELAY => STEP_DELAY_HOOK.arm(arg),
            bindings::UTRACE_TEST_STEP_DELAYED => Ok(STEP_DELAY_HOOK.taken()),
            bindings::UTRACE_TEST_EXAMINE => me.examine(arg),
            #[cfg(CONFIG_UPROBES)]
            bindings::UTRACE_TEST_PROBE => me.probe(arg),
            #[cfg(CONFIG_UPROBES)]
            bindings::UTRACE_TEST_UNPROBE => me.unprobe(arg),
            #[cfg(CONFIG_UPROBES)]
            bindings::UTRACE_TEST_HAND_PROBE => me.hand_probe(arg),
            bindings::UTRACE_TEST_EXAMINE_DELAY => EXAMINE_DELAY_HOOK.arm(arg),
            bindings::UTRACE_TEST_EXAMINE_DELAYED => Ok(EXAMINE_DELAY_HOOK.taken()),
            bindings::UTRACE_TEST_ADDFD_DELAY => ADDFD_DELAY_HOOK.arm(arg),
            bindings::UTRACE_TEST_ADDFD_DELAYED => Ok(ADDFD_DELAY_HOOK.taken()),
            bindings::UTRACE_TEST_INSTALL_DELAY => INSTALL_DELAY_HOOK.arm(arg),
            bindings::UTRACE_TEST_INSTALL_DELAYED => Ok(INSTALL_DELAY_HOOK.taken()),
            bindings::UTRACE_TEST_QUEUE_DELAY => QUEUE_DELAY_HOOK.arm(arg),
            bindings::UTRACE_TEST_QUEUE_DELAYED => Ok(QUEUE_DELAY_HOOK.taken()),
            bindings::UTRACE_TEST_CHANNEL_GEN_STEP => {
                let step = u32::try_from(arg).map_err(|_| EINVAL)?;
                if step > crate::engines::channel::GENERATIONS {
                    return Err(EINVAL);
                }
                CHANNEL_GENERATION_STEP.store(step, Relaxed);
                Ok(0)
            }
            // At most one a trace: fits an isize.
            bindings::UTRACE_TEST_SWITCH_WATCHES => {
                Ok(crate::engine_core::switches::watches() as isize)
            }
            // Wraps past `isize::MAX`: the tests compare differences.
            bindings::UTRACE_TEST_SWITCH_WATCHES_TAKEN => {
                Ok(crate::engine_core::switches::watches_taken() as isize)
            }
            bindings::UTRACE_TEST_RETIRED_IN_CALLBACK => {
                Ok(super::test_engine::RETIRED_IN_CALLBACK.load(Relaxed) as isize)
            }
            bindings::UTRACE_TEST_SYSCALL_WORK => {
                let work = crate::engine_core::current_syscall_work();
                Ok(isize::from(work.entry) | isize::from(work.exit) << 1)
            }
            bindings::UTRACE_TEST_STOP_DELAY => {
                if arg > super::test_engine::MAX_STOP_DELAY_MS {
                    return Err(EINVAL);
                }
                // At most MAX_STOP_DELAY_MS: fits the u32.
                super::test_engine::STOP_DELAY_MS.store(arg as u32, Relaxed);
                Ok(0)
            }
            bindings::UTRACE_TEST_DEATH_DELAY => {
                if arg > super::test_engine::MAX_DEATH_DELAY_MS {
                    return Err(EINVAL);
                }
                // At most MAX_DEATH_DELAY_MS: fits the u32.
                super::test_engine::DEATH_DELAY_MS.store(arg as u32, Relaxed);
                Ok(0)
            }
            bindings::UTRACE_TEST_STOPPED => {
                let slots = me.slots.lock();
                let h = slots.get(arg).ok_or(EINVAL)?;
                Ok(isize::from(h.is_task_stopped()))
            }
            _ => Err(ENOTTY),
        }
    }
}

#[pinned_drop]
impl PinnedDrop for TestFile {
    fn drop(self: Pin<&mut Self>) {
        #[cfg(CONFIG_UPROBES)]
        self.probes.lock().clear();
        for h in self.slots.lock().iter() {
            // ESRCH only means it is detached already.
            let _ = h.detach();
            // Interrupted only by a signal; the engine stays safe anyway
            // (its list holds it), this only waits for it to finish.
            let _ = h.barrier();
        }
    }
}
