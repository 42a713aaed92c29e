// SPDX-License-Identifier: GPL-2.0

//! One channel: its engines, the events their tasks wait in, and the
//! monitor's side of the exchange (read the events, answer them, reach the
//! waiting tasks' memory, detach, close).
//!
//! # Locks
//!
//! - [`Channel::inner`] (a mutex): the slot table, the queue of unread
//!   events, the channel's closing. Taken by the monitor's calls and by a
//!   traced task when it starts or ends a wait, never across a copy to or
//!   from user memory.
//! - [`ChannelEngine::waiting`](super::engine::ChannelEngine) (a spinlock,
//!   one per engine): where its task is in the exchange. A second lock
//!   because the task's wait condition reads it after setting its task
//!   state, where a mutex may not be taken. Always taken inside `inner`
//!   when both are held. Every change of a queued or delivered exchange
//!   is made under both; an answered or released one is its task's alone,
//!   which ends it under `waiting` only ([`Channel::end_wait`]).
//!
//! A task queues its event under `inner`, so that a reader which found
//! nothing to read, and sleeps on [`Channel::readable`] with `inner`
//! released by the condition variable, is always woken by it.

use super::engine::{ChannelEngine, Exchange, Waiting};
use super::reply::{self, Decision, Kind};
use crate::engine_core::received::{self, ReceivedFd};
use crate::engine_core::{
    access_vm, fatal_signal_pending, pid_vnr, user, EngineHandle, SyscallSet,
};
use core::mem::{offset_of, size_of};
use core::ptr;
use kernel::bindings;
use kernel::fs::file::{File, LocalFile};
use kernel::iov::{IovIterDest, IovIterSource};
use kernel::page::PAGE_SIZE;
use kernel::prelude::*;
use kernel::sync::aref::ARef;
use kernel::sync::poll::PollCondVar;
use kernel::sync::{Arc, CondVar, LockedBy, Mutex};
use kernel::task::Task;
use kernel::transmute::{AsBytes, FromBytes};
use kernel::uaccess::{UserPtr, UserSlice};

/// Engines a channel holds at once (detached ones not counted).
pub(crate) const MAX_ENGINES: usize = 1024;
// The uapi header states it, as the limit of engines and of an exchange's
// replies (one event of each engine can wait).
const _: () = assert!(MAX_ENGINES == 1024);
/// An engine's number is its slot's index plus its generation times this.
const NUMBER_STRIDE: u32 = MAX_ENGINES as u32;
/// Generations wrap here: every number fits in an `int`.
pub(crate) const GENERATIONS: u32 = 1 << 20;
/// An event's id is its sequence number shifted by this, plus its slot's
/// index (below `1 << ID_SHIFT`).
pub(crate) const ID_SHIFT: u32 = 16;
const _: () = assert!(MAX_ENGINES <= 1 << ID_SHIFT);
/// Events one read(2) takes at most (on the stack while they are copied).
const READ_BATCH: usize = 4;
/// The most bytes one `UTRACE_CHANNEL_MEM` moves.
const MEM_MAX: u64 = 1 << 20;

/// `struct utrace_channel_event`, readable as bytes.
#[repr(transparent)]
#[derive(Clone, Copy, Default)]
pub(crate) struct Event(pub(crate) bindings::utrace_channel_event);

/// `struct utrace_channel_reply`, writable from bytes.
#[repr(transparent)]
#[derive(Clone, Copy, Default)]
struct Reply(bindings::utrace_channel_reply);

/// `struct utrace_channel_mem`.
#[repr(transparent)]
#[derive(Clone, Copy, Default)]
struct MemArgs(bindings::utrace_channel_mem);

/// `struct utrace_channel_addfd`.
#[repr(transparent)]
#[derive(Clone, Copy, Default)]
struct AddFdArgs(bindings::utrace_channel_addfd);

/// `struct utrace_channel_exchange`.
#[repr(transparent)]
#[derive(Clone, Copy, Default)]
struct ExchangeArgs(bindings::utrace_channel_exchange);

// No padding: the sizes of the fields add up to the structures' sizes.
const _: () = assert!(size_of::<Event>() == 8 + 6 * 4 + 8 + 6 * 8 + 3 * 8);
const _: () = assert!(size_of::<Reply>() == 8 + 2 * 4 + 8 + 6 * 8 + 8);
const _: () = assert!(size_of::<MemArgs>() == 8 + 2 * 4 + 3 * 8);
const _: () = assert!(size_of::<AddFdArgs>() == 8 + 4 * 4);
const _: () = assert!(size_of::<ExchangeArgs>() == 2 * 8 + 4 * 4);

// SAFETY: `repr(transparent)` over `repr(C)` structures of integers without
// padding (checked above): any bytes are a valid value, and every byte of a
// value is initialised.
unsafe impl FromBytes for Event {}
// SAFETY: as above.
unsafe impl AsBytes for Event {}
// SAFETY: as above.
unsafe impl FromBytes for Reply {}
// SAFETY: as above.
unsafe impl AsBytes for Reply {}
// SAFETY: as above.
unsafe impl FromBytes for MemArgs {}
// SAFETY: as above.
unsafe impl AsBytes for MemArgs {}
// SAFETY: as above.
unsafe impl FromBytes for AddFdArgs {}
// SAFETY: as above.
unsafe impl AsBytes for AddFdArgs {}
// SAFETY: as above.
unsafe impl FromBytes for ExchangeArgs {}

/// Where a `UTRACE_CHANNEL_ADDFD` request is (see [`AddFd`]).
#[derive(Clone, Copy)]
enum AddFdState {
    /// In its engine's [`Waiting::addfd`](super::engine::Waiting), for the
    /// task to take.
    Pending,
    /// Taken by the task, which installs the file with no lock held.
    Installing,
    /// Its monitor gave up while the task installed it: the task does not
    /// publish the descriptor it reserved (an install at SETFD's number,
    /// seen at once, stays).
    Withdrawn,
    /// Finished: the descriptor's number in the task, or why there is none.
    Done(Result<i32>),
}

/// A `UTRACE_CHANNEL_ADDFD` request: one of the monitor's files, which the
/// waiting task installs in its own files (the kernel installs a file only
/// in the current task's table, as seccomp's ADDFD does).
///
/// # Invariants
///
/// `state` is `Pending` exactly while the request is in its engine's
/// `Waiting::addfd`; whoever takes it out of there does so under
/// [`Channel::inner`] and sets another state at once. So a monitor that
/// finds it `Pending` under `inner` can withdraw it from there.
pub(crate) struct AddFd {
    file: ARef<File>,
    /// `UTRACE_CHANNEL_ADDFD_SETFD`'s number, or the lowest free one.
    at: Option<i32>,
    /// `O_CLOEXEC`, or 0.
    o_flags: u32,
    /// The event is answered with the new descriptor.
    send: bool,
    state: LockedBy<AddFdState, Inner>,
}

/// What the task did with a request's file, with no lock held.
enum Installed {
    /// Reserved a descriptor, which nobody sees yet.
    Reserved(ReceivedFd),
    /// Installed it at SETFD's number (seen at once; not undone).
    At(i32),
}

impl AddFd {
    /// The task's half of the install that may sleep: `EPERM` for a task
    /// that is not dumpable by its owner (as `UTRACE_CHANNEL_MEM`'s access).
    fn install(&self) -> Result<Installed> {
        if !user::shown_to_tracers() {
            return Err(EPERM);
        }
        match self.at {
            Some(at) => received::receive_at(&self.file, at, self.o_flags).map(Installed::At),
            None => ReceivedFd::reserve(self.file.clone(), self.o_flags).map(Installed::Reserved),
        }
    }
}

/// What a task waiting in the channel gets when it is let go without an
/// answer (`enum utrace_channel_on_close`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum OnClose {
    /// The call goes on.
    Run,
    /// A call waiting at entry fails with ENOSYS.
    Enosys,
}

/// Whether a slot holds an engine.
enum SlotState {
    /// Free for the next attach.
    Free,
    /// An attach in progress: its engine (once made) may already report
    /// and wait, before the handle is stored.
    Reserved(Option<Arc<ChannelEngine>>),
    /// An engine of the channel.
    Held(EngineHandle<ChannelEngine>),
}

/// One entry of the slot table.
struct Slot {
    /// Bumped each time the slot is given out again: an engine number or
    /// an engine of an older generation names nothing here.
    gen: u32,
    state: SlotState,
}

/// What [`Channel::inner`] protects.
struct Inner {
    /// The file is closed: no task waits any more.
    closed: bool,
    /// The outcome for tasks let go without an answer.
    on_close: OnClose,
    /// An engine was attached once: the outcome is fixed.
    attached_once: bool,
    /// Attaches between their reservation and its end: the outcome is
    /// fixed while they run too (their engines took it).
    attaching: usize,
    /// The next event's sequence number (the order of reads).
    next_seq: u64,
    /// The ids of the events queued and not read yet, oldest first (an id
    /// orders as its sequence number, in its high bits): the engines
    /// whose exchange is [`Exchange::Queued`], each once.
    ///
    /// # Invariants
    ///
    /// Its capacity is at least `slots.len()`, so that a queued event
    /// (at most one per slot) always finds room without an allocation.
    unread: KVec<u64>,
    /// The engines, by index.
    slots: KVec<Slot>,
}

impl Inner {
    /// The engine in slot `index`, if it holds one.
    fn engine(&self, index: usize) -> Option<&ChannelEngine> {
        slot_engine(&self.slots, index)
    }
}

/// The engine in slot `index` of `slots`, if it holds one (for a caller
/// that changes another field of [`Inner`] meanwhile).
fn slot_engine(slots: &[Slot], index: usize) -> Option<&ChannelEngine> {
    match &slots.get(index)?.state {
        SlotState::Held(h) => Some(h.engine()),
        SlotState::Reserved(Some(e)) => Some(e),
        _ => None,
    }
}

/// A channel: what an open `/dev/utrace-channel` shares with its engines.
#[pin_data]
pub(crate) struct Channel {
    #[pin]
    inner: Mutex<Inner>,
    /// Readers and pollers wait here for an event.
    #[pin]
    readable: PollCondVar,
    /// `UTRACE_CHANNEL_ADDFD` calls wait here for their task (under
    /// `inner`, which every outcome is set under).
    #[pin]
    addfd_done: CondVar,
}

/// How far a reused slot's generation advances: 1, or in the test
/// kernel what a race test asked for (to wrap the generations quickly).
fn generation_step() -> u32 {
    #[cfg(CONFIG_UTRACE_TEST_DEVICE)]
    {
        use kernel::sync::atomic::Relaxed;
        let step = crate::engines::test_device::CHANNEL_GENERATION_STEP.load(Relaxed);
        if step != 0 {
            return step;
        }
    }
    1
}

/// The engine number of slot `index` at generation `gen`.
pub(crate) fn number(index: usize, gen: u32) -> u32 {
    // index < MAX_ENGINES, gen < GENERATIONS: below 2^30.
    index as u32 + gen * NUMBER_STRIDE
}

/// The slot index an event id names.
fn id_index(id: u64) -> usize {
    (id & ((1 << ID_SHIFT) - 1)) as usize
}

impl Channel {
    /// An empty channel.
    pub(crate) fn new() -> Result<Arc<Channel>> {
        Arc::pin_init(
            pin_init!(Channel {
                inner <- kernel::new_mutex!(
                    Inner {
                        closed: false,
                        on_close: OnClose::Run,
                        attached_once: false,
                        attaching: 0,
                        next_seq: 1,
                        unread: KVec::new(),
                        slots: KVec::new(),
                    },
                    "utrace_channel::inner"
                ),
                readable <- kernel::new_poll_condvar!("utrace_channel::readable"),
                addfd_done <- kernel::new_condvar!("utrace_channel::addfd_done"),
            }),
            GFP_KERNEL_ACCOUNT,
        )
    }

    /// `UTRACE_CHANNEL_SET_ON_CLOSE`: `EBUSY` once an engine was attached.
    pub(crate) fn set_on_close(&self, on_close: OnClose) -> Result {
        let mut inner = self.inner.lock();
        if inner.attached_once || inner.attaching > 0 {
            return Err(EBUSY);
        }
        inner.on_close = on_close;
        Ok(())
    }

    /// Reserves a slot for an attach: its index, generation and the
    /// outcome its engine applies when let go. A slot whose engine was
    /// detached otherwise (its task died) is given out again. `ENOSPC` at
    /// the limit; `EPIPE` once the channel is closed (a followed child's
    /// attach racing with the close).
    fn reserve(&self) -> Result<(usize, u32, OnClose)> {
        let mut old = None;
        let mut inner = self.inner.lock();
        if inner.closed {
            return Err(EPIPE);
        }
        let reusable = inner.slots.iter().position(|s| match &s.state {
            SlotState::Free => true,
            SlotState::Held(h) => h.is_detached(),
            SlotState::Reserved(_) => false,
        });
        let index = match reusable {
            Some(i) => {
                let slot = &mut inner.slots[i];
                slot.gen = (slot.gen + generation_step()) % GENERATIONS;
                old = Some(core::mem::replace(
                    &mut slot.state,
                    SlotState::Reserved(None),
                ));
                i
            }
            None if inner.slots.len() < MAX_ENGINES => {
                // INVARIANT: room for one more slot's event first.
                let more = (inner.slots.len() + 1).saturating_sub(inner.unread.len());
                inner.unread.reserve(more, GFP_KERNEL_ACCOUNT)?;
                inner.slots.push(
                    Slot {
                        gen: 0,
                        state: SlotState::Reserved(None),
                    },
                    GFP_KERNEL_ACCOUNT,
                )?;
                inner.slots.len() - 1
            }
            None => return Err(ENOSPC),
        };
        inner.attaching += 1;
        let reserved = (index, inner.slots[index].gen, inner.on_close);
        drop(inner);
        // The old engine's handle goes with no lock held.
        drop(old);
        Ok(reserved)
    }

    /// Attaches an engine of the channel with the attach's `bits`,
    /// `flags` (checked) and syscall set, by `attach` (to a task, or to a
    /// clone's child), which gets the engine: returns its number. `ENOSPC`
    /// at the channel's limit, `EPIPE` if the channel closed meanwhile (a
    /// followed child's attach), else `attach`'s error.
    pub(crate) fn attach_engine(
        self: &Arc<Self>,
        bits: u32,
        flags: u32,
        syscalls: Option<Arc<SyscallSet>>,
        attach: impl FnOnce(Arc<ChannelEngine>) -> Result<EngineHandle<ChannelEngine>>,
    ) -> Result<u32> {
        let reserved = self.reserve()?;
        let index = reserved.0;
        let attached = ChannelEngine::new(self.clone(), reserved, bits, flags, syscalls)
            .and_then(|init| Arc::pin_init(init, GFP_KERNEL_ACCOUNT))
            .and_then(|engine| {
                let number = engine.number();
                // Readers find it (and its first event) from now on.
                self.stage(index, engine.clone());
                Ok((number, attach(engine)?))
            });
        match attached {
            Ok((number, handle)) => match self.fill(index, Some(handle)) {
                None => Ok(number),
                Some(unheld) => {
                    let _ = unheld.detach();
                    Err(EPIPE)
                }
            },
            Err(e) => {
                self.fill(index, None);
                Err(e)
            }
        }
    }

    /// The engine of a reservation, before it is attached.
    fn stage(&self, index: usize, engine: Arc<ChannelEngine>) {
        let mut inner = self.inner.lock();
        if let Some(slot) = inner.slots.get_mut(index) {
            slot.state = SlotState::Reserved(Some(engine));
        }
    }

    /// Ends a reservation: the attach stored `handle`, or failed (`None`:
    /// the slot is free again). A handle the channel cannot hold any more
    /// (it was closed meanwhile, by a followed child's attach) is given
    /// back, for the caller to detach.
    fn fill(
        &self,
        index: usize,
        handle: Option<EngineHandle<ChannelEngine>>,
    ) -> Option<EngineHandle<ChannelEngine>> {
        let mut inner = self.inner.lock();
        inner.attaching -= 1;
        let Some(slot) = inner.slots.get_mut(index) else {
            // Closed: the close took the slot table.
            return handle;
        };
        let old = core::mem::replace(
            &mut slot.state,
            match handle {
                Some(h) => SlotState::Held(h),
                None => SlotState::Free,
            },
        );
        if matches!(slot.state, SlotState::Held(_)) {
            inner.attached_once = true;
        }
        drop(inner);
        // The staged reference goes with no lock held.
        drop(old);
        None
    }

    /// `UTRACE_CHANNEL_DETACH`: detaches the engine `number` names and lets
    /// its task go if it waits. `ESRCH` if the number names no engine of
    /// the channel now, or one whose task died (its slot is freed then).
    ///
    /// No barrier: a callback of the engine running now was let go and
    /// finishes on its own, and everything it touches is kept alive by
    /// references. A barrier would wait for a frozen task to thaw.
    pub(crate) fn detach(&self, number: usize) -> Result {
        let index = number % MAX_ENGINES;
        let gen = number / MAX_ENGINES;
        let mut inner = self.inner.lock();
        let slot = inner.slots.get_mut(index).ok_or(ESRCH)?;
        if slot.gen as usize != gen || !matches!(slot.state, SlotState::Held(_)) {
            return Err(ESRCH);
        }
        let SlotState::Held(handle) = core::mem::replace(&mut slot.state, SlotState::Free) else {
            return Err(ESRCH);
        };
        let failed = release(&mut inner, handle.engine());
        drop(inner);
        if failed {
            self.addfd_done.notify_all();
        }
        handle.detach()
    }

    /// The file's close: detaches every engine and lets every waiting
    /// task go; later waits are refused.
    pub(crate) fn close(&self) {
        let mut inner = self.inner.lock();
        inner.closed = true;
        let slots = core::mem::take(&mut inner.slots);
        for slot in slots.iter() {
            match &slot.state {
                SlotState::Held(h) => release(&mut inner, h.engine()),
                SlotState::Reserved(Some(e)) => release(&mut inner, e),
                _ => false,
            };
        }
        drop(inner);
        self.addfd_done.notify_all();
        // No barrier (see `detach`): the release may run in a kworker
        // (a delayed fput), which must not wait for a traced task.
        for slot in slots.iter() {
            if let SlotState::Held(h) = &slot.state {
                let _ = h.detach();
            }
        }
        self.readable.notify_all();
        drop(slots);
    }

    /// A task starts waiting in `engine` (at `index`) with `event`:
    /// queued for the readers. `Ok(false)` if it may not (the engine was
    /// detached from the channel, or the channel closed): the task goes on
    /// as when let go. An error only if the queue had no room, which its
    /// invariant rules out: the task must not run the call then.
    pub(crate) fn queue(
        &self,
        engine: &ChannelEngine,
        index: usize,
        task: &Task,
        child: Option<ARef<Task>>,
        mut event: Event,
    ) -> Result<bool> {
        let mut inner = self.inner.lock();
        // This very engine, not only a slot of its generation: after a
        // detach, 2^20 attaches give the slot the same generation again
        // (review: a task held before its queue then queued into the next
        // occupant's slot, where nothing could answer or release it).
        let holds = inner.engine(index).is_some_and(|e| ptr::eq(e, engine));
        if inner.closed || !holds {
            return Ok(false);
        }
        let id = (inner.next_seq << ID_SHIFT) | index as u64;
        // By the invariant of `unread`: never refused (the slot holds no
        // other queued event).
        if inner.unread.push_within_capacity(id).is_err() {
            kernel::warn_on!(true);
            return Err(ENOMEM);
        }
        inner.next_seq += 1;
        event.0.id = id;
        let mut w = engine.waiting.lock();
        w.event = event;
        w.task = Some(ARef::from(task));
        w.child = child;
        w.state = Exchange::Queued;
        drop(w);
        drop(inner);
        self.readable.notify_all();
        Ok(true)
    }

    /// The waiting task of `engine` ends its wait: returns what it got.
    /// An event still unread (SIGKILL ended the wait) is taken back.
    pub(crate) fn end_wait(&self, engine: &ChannelEngine) -> Exchange {
        let mut w = engine.waiting.lock();
        if w.addfd.is_none() && matches!(w.state, Exchange::Answered(_) | Exchange::Released) {
            // The common end, without `inner`: an answered or released
            // exchange is the task's alone (every other writer of the
            // state takes a queued or delivered one; a request is only
            // added to a delivered one), and its event is read.
            let state = core::mem::replace(&mut w.state, Exchange::Idle);
            let tasks = (w.task.take(), w.child.take());
            drop(w);
            drop(tasks);
            return state;
        }
        drop(w);
        let mut inner = self.inner.lock();
        let mut w = engine.waiting.lock();
        let state = core::mem::replace(&mut w.state, Exchange::Idle);
        let tasks = (w.task.take(), w.child.take());
        let addfd = w.addfd.take();
        let id = w.event.0.id;
        drop(w);
        if matches!(state, Exchange::Queued) {
            take_back(&mut inner, id);
        }
        if let Some(req) = &addfd {
            // INVARIANT: taken out of the wait above, under `inner`: the
            // task will not serve it.
            *req.state.access_mut(&mut inner) = AddFdState::Done(Err(ESRCH));
        }
        drop(inner);
        if addfd.is_some() {
            self.addfd_done.notify_all();
        }
        // The references go with no lock held.
        drop((tasks, addfd));
        state
    }

    /// read(2): whole events, oldest first, as many as fit in `dest` (at
    /// most [`READ_BATCH`]); waits for one unless `nowait` (`EAGAIN`).
    pub(crate) fn read(&self, dest: &mut IovIterDest<'_>, nowait: bool) -> Result<usize> {
        let room = dest.len() / size_of::<Event>();
        if room == 0 {
            return Err(EINVAL);
        }
        let n = self.read_events(room, nowait, |e| {
            dest.copy_to_iter(e.as_bytes()) == size_of::<Event>()
        })?;
        Ok(n * size_of::<Event>())
    }

    /// Takes up to `room` (at most [`READ_BATCH`], at least one) unread
    /// events, oldest first, and gives each to `copy`, which returns
    /// whether the reader got it whole; waits for one unless `nowait`
    /// (`EAGAIN`; a signal: `ERESTARTSYS`). Returns how many were copied:
    /// those after the first `copy` refused stay unread (`EFAULT` if it
    /// refused the first).
    fn read_events(
        &self,
        room: usize,
        nowait: bool,
        mut copy: impl FnMut(&Event) -> bool,
    ) -> Result<usize> {
        let room = room.min(READ_BATCH);
        // Filled by `take_oldest`; `None` costs a tag, not a zeroed record.
        let mut events = [None; READ_BATCH];
        let mut inner = self.inner.lock();
        while inner.unread.is_empty() {
            if nowait {
                return Err(EAGAIN);
            }
            if self.readable.wait_interruptible(&mut inner) {
                return Err(ERESTARTSYS);
            }
        }
        let n = take_oldest(&mut inner, &mut events[..room]);
        drop(inner);
        let mut copied = 0;
        for e in &events[..n] {
            // `take_oldest` filled the first `n`. Were one empty, the
            // count would stop there, and only the events after it, not
            // copied, would go back below (review: a count that skipped
            // it would have queued a copied event again).
            let Some(e) = e else {
                break;
            };
            if !copy(e) {
                break;
            }
            copied += 1;
        }
        if copied < n {
            // What the reader did not get stays unread (a part of one
            // copied is not counted as read).
            let mut inner = self.inner.lock();
            for e in events[copied..n].iter().flatten() {
                unread_again(&mut inner, e.0.id);
            }
            drop(inner);
            self.readable.notify_all();
        }
        if copied == 0 {
            return Err(EFAULT);
        }
        Ok(copied)
    }

    /// write(2): replies, taken in order; the bytes of those taken, or the
    /// first one's error.
    pub(crate) fn write(&self, src: &mut IovIterSource<'_>) -> Result<usize> {
        let len = src.len();
        if len == 0 || len % size_of::<Reply>() != 0 {
            return Err(EINVAL);
        }
        let (taken, refused) = self.answer_in_order(len / size_of::<Reply>(), || {
            let mut r = Reply::default();
            if src.copy_from_iter(r.as_bytes_mut()) < size_of::<Reply>() {
                Err(EFAULT)
            } else {
                Ok(r)
            }
        });
        match refused {
            Some(e) if taken == 0 => Err(e),
            _ => Ok(taken * size_of::<Reply>()),
        }
    }

    /// Up to `count` replies, each got from `next` and answered in order,
    /// up to the first that cannot be got (`EFAULT`) or is refused: returns
    /// how many were taken, and that one's error. write(2) and the
    /// exchange take their replies by this one rule.
    fn answer_in_order(
        &self,
        count: usize,
        mut next: impl FnMut() -> Result<Reply>,
    ) -> (usize, Option<Error>) {
        for taken in 0..count {
            if let Err(e) = next().and_then(|r| self.answer(&r.0)) {
                return (taken, Some(e));
            }
        }
        (count, None)
    }

    /// `UTRACE_CHANNEL_EXCHANGE`: the replies, taken in order up to the
    /// first refused one (whose error is the call's), then `replied`
    /// written back (if there were replies), then the events read as
    /// [`Channel::read`] reads them. Returns how many events were read.
    pub(crate) fn exchange(&self, arg: usize, nowait: bool) -> Result<isize> {
        type X = bindings::utrace_channel_exchange;
        let x: ExchangeArgs = UserSlice::new(UserPtr::from_addr(arg), size_of::<X>())
            .reader()
            .read()?;
        let x = x.0;
        // At most one event of each engine waits: more replies than
        // engines could not all be taken. The bound keeps the loop below
        // short and its length (80 KiB) within a `usize` of 32 bits.
        if x.flags != 0 || x.nr_replies as usize > MAX_ENGINES {
            return Err(EINVAL);
        }
        // One field of the caller's argument, and no other: a field the
        // caller changes meanwhile is not put back. (`arg + offset` was
        // read above: no overflow.)
        let put = |offset: usize, value: u32| {
            UserSlice::new(UserPtr::from_addr(arg + offset), size_of::<u32>())
                .writer()
                .write(&value)
        };
        let mut replies = UserSlice::new(
            UserPtr::from_addr(x.replies as usize),
            x.nr_replies as usize * size_of::<Reply>(),
        )
        .reader();
        let (replied, refused) =
            self.answer_in_order(x.nr_replies as usize, || replies.read::<Reply>());
        // Not written by a call with no replies to give: a call restarted
        // after its replies (below) leaves the count of the first. (At
        // most MAX_ENGINES: fits the u32.)
        if x.nr_replies > 0 {
            put(offset_of!(X, replied), replied as u32)?;
        }
        if let Some(e) = refused {
            return Err(e);
        }
        if x.nr_events == 0 {
            return Ok(0);
        }
        let events_len = (x.nr_events as usize).min(READ_BATCH) * size_of::<Event>();
        let mut events = UserSlice::new(UserPtr::from_addr(x.events as usize), events_len).writer();
        match self.read_events(x.nr_events as usize, nowait, |e| events.write(e).is_ok()) {
            // A signal, a stop or the freezer ended the wait after the
            // replies were given: the call restarts (or returns EINTR to a
            // handler without SA_RESTART), and its replies must not be
            // given again (the first, its event answered, would be
            // refused): the restarted call finds none.
            //
            // If the caller's `nr_replies` cannot be cleared, the call may
            // not restart: it fails with EINTR (as select(2) does when it
            // cannot write its time left), `replied` written above.
            Err(e) if e == ERESTARTSYS && replied > 0 => match put(offset_of!(X, nr_replies), 0) {
                Ok(()) => Err(e),
                Err(_) => Err(EINTR),
            },
            // Below READ_BATCH: fits the isize.
            n => n.map(|n| n as isize),
        }
    }

    /// One reply: the event it names gets its decision, and its task
    /// wakes. `ENOENT` if the event was not read or waits no more,
    /// `EINVAL` for a reply its kind of event does not take.
    fn answer(&self, r: &bindings::utrace_channel_reply) -> Result {
        let inner = self.inner.lock();
        let engine = inner.engine(id_index(r.id)).ok_or(ENOENT)?;
        let mut w = engine.waiting.lock();
        if !matches!(w.state, Exchange::Delivered) || w.event.0.id != r.id {
            return Err(ENOENT);
        }
        if w.sending.is_some() || w.addfd.as_ref().is_some_and(|a| a.send) {
            // The descriptor being installed is the answer.
            return Err(EBUSY);
        }
        let kind = Kind::from_uapi(w.event.0.kind).ok_or(EINVAL)?;
        w.state = Exchange::Answered(reply::decode(kind, r)?);
        drop(w);
        engine.wake.wake();
        Ok(())
    }

    /// `UTRACE_CHANNEL_MEM`: reads or writes the memory of the task that
    /// waits on the event the request names; returns the bytes done.
    pub(crate) fn mem(&self, arg: usize) -> Result<isize> {
        let m: MemArgs = UserSlice::new(UserPtr::from_addr(arg), size_of::<MemArgs>())
            .reader()
            .read()?;
        let m = m.0;
        let (write, string) = match m.op {
            bindings::utrace_channel_mem_op_UTRACE_CHANNEL_MEM_READ => (false, false),
            bindings::utrace_channel_mem_op_UTRACE_CHANNEL_MEM_WRITE => (true, false),
            bindings::utrace_channel_mem_op_UTRACE_CHANNEL_MEM_STRING => (false, true),
            _ => return Err(EINVAL),
        };
        if m.reserved != 0 || m.len > MEM_MAX {
            return Err(EINVAL);
        }
        let task = self.waiting_task(m.id)?;
        let len = m.len as usize;
        let mut chunk = KVec::from_elem(0u8, len.min(PAGE_SIZE), GFP_KERNEL_ACCOUNT)?;
        let local = UserSlice::new(UserPtr::from_addr(m.buf as usize), len);
        let mut done = 0;
        if write {
            let mut from = local.reader();
            while done < len {
                let want = (len - done).min(PAGE_SIZE);
                if let Err(e) = from.read_slice(&mut chunk[..want]) {
                    // What was written stays written: its count, if any.
                    return partial(done, e);
                }
                let at = m.addr.checked_add(done as u64).ok_or(EIO)?;
                let n = tracee_access(&task, at, &mut chunk[..want], true, done)?;
                done += n;
                if n < want {
                    break;
                }
            }
        } else {
            let mut to = local.writer();
            while done < len {
                let want = (len - done).min(PAGE_SIZE);
                let at = m.addr.checked_add(done as u64).ok_or(EIO)?;
                let n = tracee_access(&task, at, &mut chunk[..want], false, done)?;
                let (take, nul) = match chunk[..n].iter().position(|&b| b == 0) {
                    Some(i) if string => (i + 1, true),
                    _ => (n, false),
                };
                if let Err(e) = to.write_slice(&chunk[..take]) {
                    return partial(done, e);
                }
                done += take;
                if nul || n < want {
                    break;
                }
            }
        }
        // At most MEM_MAX: fits the isize.
        Ok(done as isize)
    }

    /// The task waiting on event `id` (read, not answered): `ENOENT` if
    /// none does.
    fn waiting_task(&self, id: u64) -> Result<ARef<Task>> {
        let inner = self.inner.lock();
        let engine = inner.engine(id_index(id)).ok_or(ENOENT)?;
        let w = engine.waiting.lock();
        match (&w.state, &w.task) {
            (Exchange::Delivered, Some(task)) if w.event.0.id == id => Ok(task.clone()),
            _ => Err(ENOENT),
        }
    }

    /// `UTRACE_CHANNEL_ADDFD`: the task waiting on the event the request
    /// names installs the monitor's file; returns its number there. `own`
    /// is the channel's file (a channel's file is not installed: a traced
    /// task holding its channel would keep it, and its own waits, open).
    pub(crate) fn addfd(&self, arg: usize, own: &File) -> Result<isize> {
        let a: AddFdArgs = UserSlice::new(UserPtr::from_addr(arg), size_of::<AddFdArgs>())
            .reader()
            .read()?;
        let a = a.0;
        let setfd = a.flags & bindings::UTRACE_CHANNEL_ADDFD_SETFD != 0;
        let send = a.flags & bindings::UTRACE_CHANNEL_ADDFD_SEND != 0;
        let known = bindings::UTRACE_CHANNEL_ADDFD_SETFD | bindings::UTRACE_CHANNEL_ADDFD_SEND;
        if a.flags & !known != 0
            || a.newfd_flags & !bindings::O_CLOEXEC != 0
            || (!setfd && a.newfd != 0)
        {
            return Err(EINVAL);
        }
        // Past INT_MAX: past any RLIMIT_NOFILE, as the task would answer.
        let at = match setfd {
            true => Some(i32::try_from(a.newfd).map_err(|_| EBADF)?),
            false => None,
        };
        let file = LocalFile::fget(a.srcfd).map_err(|_| EBADF)?;
        // SAFETY: this thread is in an ioctl, which makes no `fdget_pos()`
        // call: the file may go to the task.
        let file = unsafe { LocalFile::assume_no_fdget_pos(file) };
        // SAFETY: `f_op` is set when a file is opened and never changes
        // while it is referenced; both files are.
        let (theirs, ours) = unsafe { ((*file.as_ptr()).f_op, (*own.as_ptr()).f_op) };
        if ptr::eq(theirs, ours) {
            return Err(EINVAL);
        }
        let req = Arc::new(
            AddFd {
                file,
                at,
                o_flags: a.newfd_flags,
                send,
                state: LockedBy::new(&self.inner, AddFdState::Pending),
            },
            GFP_KERNEL_ACCOUNT,
        )?;
        let index = id_index(a.id);
        let mut inner = self.inner.lock();
        {
            let engine = inner.engine(index).ok_or(ENOENT)?;
            let mut w = engine.waiting.lock();
            if !matches!(w.state, Exchange::Delivered) || w.event.0.id != a.id {
                return Err(ENOENT);
            }
            match Kind::from_uapi(w.event.0.kind) {
                // The task's files are closed right after its exit report.
                Some(Kind::TaskExit) | None => return Err(EINVAL),
                Some(Kind::Entry | Kind::Exit) => {}
                Some(_) if send => return Err(EINVAL),
                Some(_) => {}
            }
            if w.addfd.is_some() {
                return Err(EBUSY);
            }
            // INVARIANT: in the wait, `Pending`.
            w.addfd = Some(req.clone());
            drop(w);
            engine.wake.wake();
        }
        loop {
            let state = *req.state.access(&inner);
            if let AddFdState::Done(outcome) = state {
                // A descriptor number is not negative: it fits the isize.
                return outcome.map(|fd| fd as isize);
            }
            if self.addfd_done.wait_interruptible(&mut inner) {
                break;
            }
        }
        // A signal: the request is withdrawn, whatever became of it.
        let state = *req.state.access(&inner);
        if let AddFdState::Done(outcome) = state {
            return outcome.map(|fd| fd as isize);
        }
        let pending = matches!(state, AddFdState::Pending);
        if !pending {
            // Installing: the task does not publish what it reserved; a
            // reply may answer the event meanwhile.
            *req.state.access_mut(&mut inner) = AddFdState::Withdrawn;
        }
        if let Some(engine) = inner.engine(index) {
            let mut w = engine.waiting.lock();
            // Pending: by the type invariant, still in its engine's wait.
            // Installing: the event's SEND mark goes with it.
            let mark = if pending {
                &mut w.addfd
            } else {
                &mut w.sending
            };
            if mark.as_ref().is_some_and(|r| Arc::ptr_eq(r, &req)) {
                *mark = None;
            }
        }
        drop(inner);
        Err(ERESTARTSYS)
    }

    /// The waiting task of `engine` (`task`) serves the monitor's
    /// `UTRACE_CHANNEL_ADDFD`, if one is pending. The part that may sleep
    /// runs with no lock held (a descriptor is reserved, or SETFD's
    /// replaces the task's file there, whose close may flush: a FUSE flush
    /// waits for its daemon, maybe a task of this channel); then, under
    /// `inner`, the reserved descriptor is published, with a SEND's answer,
    /// or given back unseen if the monitor withdrew the request or the SEND
    /// cannot answer any more. No descriptor is ever closed by its number:
    /// another thread of the task may hold that number by then.
    pub(crate) fn serve_addfd(&self, engine: &ChannelEngine, task: &Task) {
        let mut inner = self.inner.lock();
        let mut w = engine.waiting.lock();
        let Some(req) = w.addfd.take() else {
            return;
        };
        let kind = Kind::from_uapi(w.event.0.kind);
        if !matches!(w.state, Exchange::Delivered) {
            drop(w);
            // INVARIANT: taken out of the wait, finished at once.
            *req.state.access_mut(&mut inner) = AddFdState::Done(Err(ESRCH));
            drop(inner);
            self.addfd_done.notify_all();
            return;
        }
        if req.send {
            // A reply meanwhile would race the SEND's answer: refused.
            w.sending = Some(req.clone());
        }
        drop(w);
        // INVARIANT: taken out of the wait, now being installed.
        *req.state.access_mut(&mut inner) = AddFdState::Installing;
        drop(inner);
        // Race tests: a delay armed by UTRACE_TEST_INSTALL_DELAY stands
        // for a slow install (the ->flush() of a replaced file).
        #[cfg(CONFIG_UTRACE_TEST_DEVICE)]
        crate::engines::test_device::INSTALL_DELAY_HOOK.pass();
        let installed = req.install();
        let mut inner = self.inner.lock();
        let mut w = engine.waiting.lock();
        if w.sending.as_ref().is_some_and(|r| Arc::ptr_eq(r, &req)) {
            w.sending = None;
        }
        // Every writer of the state holds `inner`, which we hold from here.
        let answerable = matches!(w.state, Exchange::Delivered) && !fatal_signal_pending(task);
        drop(w);
        let withdrawn = matches!(req.state.access(&inner), AddFdState::Withdrawn);
        let outcome = match installed {
            Err(e) => Err(e),
            // Nobody waits for it, or the SEND cannot answer (the event was
            // let go, the task is being killed): given back, unseen.
            Ok(Installed::Reserved(reserved)) if withdrawn || (req.send && !answerable) => {
                drop(reserved);
                Err(if withdrawn { EINTR } else { ESRCH })
            }
            Ok(installed) => {
                let fd = match installed {
                    Installed::Reserved(reserved) => reserved.publish(),
                    Installed::At(fd) => fd,
                };
                match (req.send, answerable) {
                    (false, _) => Ok(fd),
                    // SETFD's install is not undone: reported as not sent.
                    (true, false) => Err(ESRCH),
                    (true, true) => {
                        // The kind was checked by `addfd`: an entry or an exit.
                        let fd64 = i64::from(fd);
                        let decision = match kind {
                            Some(Kind::Entry) => Decision {
                                abort: Some(fd64),
                                sent: true,
                                ..Decision::default()
                            },
                            _ => Decision {
                                result: Some(fd64),
                                sent: true,
                                ..Decision::default()
                            },
                        };
                        engine.waiting.lock().state = Exchange::Answered(decision);
                        Ok(fd)
                    }
                }
            }
        };
        *req.state.access_mut(&mut inner) = AddFdState::Done(outcome);
        drop(inner);
        self.addfd_done.notify_all();
        // The file's reference goes with no lock held.
        drop(req);
    }

    /// poll(2): readable while an event is unread.
    pub(crate) fn poll(
        &self,
        file: &kernel::fs::File,
        table: kernel::sync::poll::PollTable<'_>,
    ) -> bindings::__poll_t {
        table.register_wait(file, &self.readable);
        if !self.inner.lock().unread.is_empty() {
            bindings::EPOLLIN | bindings::EPOLLRDNORM
        } else {
            0
        }
    }
}

/// The bytes done so far, or `e` if none were.
fn partial(done: usize, e: Error) -> Result<isize> {
    match done {
        0 => Err(e),
        // At most MEM_MAX: fits the isize.
        n => Ok(n as isize),
    }
}

/// `n` bytes of the traced task's memory at `at`, moved through `buf`
/// (`write`: into the task). `done` bytes were moved before: a first
/// access that fails is `EIO` (the task's side, as the CHARDATA requests
/// answer), a later one ends the copy short.
fn tracee_access(task: &Task, at: u64, buf: &mut [u8], write: bool, done: usize) -> Result<usize> {
    match access_vm(task, at, buf, write) {
        Ok(n) => Ok(n),
        Err(e) if e == EFAULT && done == 0 => Err(EIO),
        Err(e) if e == EFAULT => Ok(0),
        Err(e) => Err(e),
    }
}

/// Lets the task waiting in `engine`, if one does, go without an answer;
/// its pending `UTRACE_CHANNEL_ADDFD`, if any, fails: then `true`, for the
/// caller to wake the monitors once `inner` is released.
fn release(inner: &mut Inner, engine: &ChannelEngine) -> bool {
    let mut w = engine.waiting.lock();
    match w.state {
        Exchange::Queued => take_back(inner, w.event.0.id),
        Exchange::Delivered => {}
        _ => return false,
    }
    w.state = Exchange::Released;
    let addfd = w.addfd.take();
    drop(w);
    engine.wake.wake();
    let Some(req) = addfd else {
        return false;
    };
    // INVARIANT: taken out of the wait just above, under `inner`.
    *req.state.access_mut(inner) = AddFdState::Done(Err(ESRCH));
    // Dropped under the mutex: `fput()` never releases a file at once
    // (task work, or a kworker), and the monitor holds its own reference.
    drop(req);
    true
}

/// Takes the oldest unread events into `out` (marked read, each with the
/// pids of its task in the reader's pid namespace); returns how many.
fn take_oldest(inner: &mut Inner, out: &mut [Option<Event>]) -> usize {
    let n = out.len().min(READ_BATCH).min(inner.unread.len());
    let mut taken = 0;
    for &id in &inner.unread[..n] {
        let w = inner.engine(id_index(id)).map(|e| e.waiting.lock());
        match w {
            Some(mut w) if matches!(w.state, Exchange::Queued) && w.event.0.id == id => {
                out[taken] = Some(deliver(&mut w));
                taken += 1;
            }
            // Not reached: every change of a queued exchange updates
            // `unread`. Were it, the id goes, naming nothing.
            _ => {
                kernel::warn_on!(true);
            }
        }
    }
    inner.unread.as_mut_slice().copy_within(n.., 0);
    inner.unread.truncate(inner.unread.len() - n);
    taken
}

/// The queued event `w` holds, marked read, with the pids of its task
/// (and a clone's child) in the reader's pid namespace.
fn deliver(w: &mut Waiting) -> Event {
    w.state = Exchange::Delivered;
    let mut e = w.event;
    if let Some(task) = &w.task {
        e.0.pid = task.tgid_nr_ns(None);
        e.0.tid = pid_vnr(task);
    }
    if let Some(child) = &w.child {
        // A tid is not negative (0: not visible to the reader).
        e.0.args[0] = pid_vnr(child) as u64;
    }
    e
}

/// Event `id` is no longer queued (its task's wait ended, or it was let
/// go, before a reader took it): out of `unread`.
fn take_back(inner: &mut Inner, id: u64) {
    if let Some(at) = inner.unread.iter().position(|&q| q == id) {
        let _ = inner.unread.remove(at);
    }
}

/// Event `id`, which its reader did not get, is unread again (if its task
/// still waits on it).
fn unread_again(inner: &mut Inner, id: u64) {
    let Inner { slots, unread, .. } = inner;
    let Some(engine) = slot_engine(slots, id_index(id)) else {
        return;
    };
    let mut w = engine.waiting.lock();
    if matches!(w.state, Exchange::Delivered) && w.event.0.id == id {
        // In its place by age: another reader may have put back older
        // ones meanwhile. Room by the invariant of `unread` (this slot
        // has no other event queued).
        let at = unread.iter().position(|&q| q > id).unwrap_or(unread.len());
        if unread.insert_within_capacity(at, id).is_ok() {
            w.state = Exchange::Queued;
        } else {
            kernel::warn_on!(true);
        }
    }
}
