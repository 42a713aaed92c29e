// SPDX-License-Identifier: GPL-2.0

//! The per-task engine registry: its state, its lock, and what readers
//! that cannot take the lock see.
//!
//! The operations are in three parts: `changes` (attach, detach, death and
//! reap), `reporting` (the report loops and the engine order) and `stop`
//! (stops, kicks, steps and barriers).
//!
//! # State and locking
//!
//! Everything writers and the reporting task share sits in one
//! [`Inner`] behind one spinlock, [`Registry::inner`] (lock class
//! `utrace::Registry::inner`). It is never held across a callback, an
//! allocation or a sleep: callbacks run in the traced task with nothing held
//! and may sleep.
//!
//! - The engine list is an immutable [`EngineList`] in attach order.
//!   Writers build a new list outside the lock, publish it in
//!   `Inner::list` under the lock if the list did not change meanwhile
//!   (else they build again), and drop the old one after unlocking.
//! - The task reports from its own reference to a list,
//!   [`Registry::task_list`], which only it touches: no lock, no reference
//!   count and no atomic operation on the syscall path. A writer that
//!   publishes a list sets the `SUMMARY_LIST_STALE` bit of
//!   [`Registry::summary`] (`SUMMARY_LIST_STALE`); the task takes the new
//!   list under the lock at its next report. So a detached engine stays
//!   referenced (never called) until then; a detach queues the kick's task
//!   work so that the task lets go of it on its next way to user mode, and
//!   the engine is told when it is idle ([`Engine::retired`]) apart from
//!   when it is freed. No RCU: no reader ever dereferences a list it holds
//!   no reference to, so no grace period is needed and detach does not
//!   wait.
//! - Detach marks the attachment detached under the lock and never fails
//!   for want of memory: a detached attachment may stay in the list (skipped
//!   by every report) until the next change rebuilds the list.
//! - Around each callback the task sets and clears `Registry::reporting`
//!   with fully ordered exchanges, checking the engine's `detached` mark
//!   after the first and before taking its answer (a Stop is applied under
//!   the lock, which checks the mark again). So no callback starts after
//!   [`Registry::detach`] returns, the answer of an engine detached
//!   meanwhile is ignored, and [`Registry::barrier`] waits exactly for the
//!   callback that was running.
//!
//! The syscall path takes no lock: it reads `summary` once (the side's
//! events, a stale list, the attention bit that makes it look at the stop
//! state), and exchanges `reporting` around each callback. Three kinds of reader cannot take the lock at all:
//! - signal senders, under the target's siglock, maybe in interrupt
//!   context: they read [`Registry::summary`] (see there);
//! - `__ptrace_link()`, under `tasklist_lock`, which softirq readers take:
//!   the attach sequence numbers are atomics (taking `inner` there would
//!   order a softirq-safe lock before a softirq-unsafe one);
//! - the stop and barrier waits test their conditions under the lock, from
//!   the wait loop of `wait_event_*()` (`task::wait_until`).
//!
//! # The task pointer
//!
//! A registry outlives its task when handles hold it. It touches its task
//! (syscall work flag, task_work) only under `inner` while the phase is not
//! [`Phase::Dead`]: until its death report ends, the task runs, so its
//! task_struct is alive. A registry installed on a task whose death hook
//! had already looked (the task was exiting) never gets an attachment
//! ([`Registry::attach`] refuses an exiting task), so no handle can make it
//! touch its task.

mod changes;
mod examine;
mod reporting;
mod stop;

use super::engine::{Engine, Events};
use super::policy::{syscall_work, Phase, SideMasks, Step, SyscallSide, SyscallWork};
use super::report::{CloneReport, PtraceStops, SyscallRegs};
use super::syscall_set::SyscallSet;
use super::task::{self, TaskPtr};
use core::cell::UnsafeCell;
use core::ptr;
use kernel::bindings;
use kernel::prelude::*;
use kernel::sync::aref::ARef;
use kernel::sync::atomic::{Acquire, Atomic, AtomicFlag, Relaxed, Release};
use kernel::sync::{Arc, SpinLock};
use kernel::task::Task;
use kernel::types::Opaque;

/// What the children a task creates get of one of its engines.
#[derive(Clone, Copy)]
pub(crate) enum Children {
    /// Nothing.
    Nothing,
    /// The same engine, shared ([`super::Attach::inherit`]).
    Same,
    /// An engine of their own, which the engine makes
    /// ([`super::Attach::follow`]): its type's [`super::Follow`], through
    /// [`super::follow::follow_erased`].
    Own(fn(&Arc<dyn Engine>, &Attachment, &CloneReport<'_>)),
}

/// One engine attached to one task.
pub(crate) struct Attachment {
    /// The engine, until it is retired: then taken out, so that a list the
    /// task still holds (its own, until its next report) keeps this small
    /// attachment alive, not the engine and its state. The handles hold
    /// their own reference.
    engine: EngineSlot,
    /// The [`Events`] bits the engine asked for. Written under its
    /// registry's `inner`; read without it by the reporting task, which
    /// may act on the old mask for the event in hand (a change takes
    /// effect from the next event).
    events: Atomic<u32>,
    /// Set once, under `inner`, when the engine is detached; never
    /// cleared. The reporting task reads it without the lock to skip
    /// detached engines early, and again under the lock before a callback.
    detached: AtomicFlag,
    /// This engine holds the task stopped. Read and written under `inner`
    /// only (an atomic because the attachment is shared, not for ordering).
    stopping: AtomicFlag,
    /// The step this engine asked for and the task has not taken yet
    /// ([`Step::raw`]), or [`STEP_TAKEN`]: the running step serves it, or
    /// [`STEP_TRAPPED`]: that step ended at the signal report running now,
    /// or [`STEP_IN_HANDLER`]: it ended at the entry into the signal
    /// handler being reported, or [`STEP_INTERRUPTED`]: a signal's report
    /// interrupted it and has not come to the engine yet.
    /// Read and written under `inner` only, as `stopping`. A detached
    /// engine's value counts for nothing: the task takes no step for it,
    /// and drops a trap that no attached engine's step asked for.
    step: Atomic<i8>,
    /// The engine asked for the exit report of the current syscall.
    exit_once: TaskOnly<bool>,
    /// Whether the current syscall's entry was in the engine's syscall set
    /// ([`ENTRY_UNSEEN`], [`ENTRY_OUT`], [`ENTRY_IN`]), for an engine with
    /// a set and both entry and exit events: its exit follows its entry,
    /// whatever number the call has by then.
    entry_in_set: TaskOnly<u8>,
    /// Whether the engine's running callback may ask for a ptrace event
    /// stop, and what it asked ([`Registry::stop_for_tracer`]), made by
    /// [`Registry::call`] once the callback returned, where none is on the
    /// task's stack. Touched only by rounds that allow such stops.
    tracer_stop: TaskOnly<TracerStop>,
    /// [`Engine::retired`] was called (set once, by whoever calls it).
    retired: AtomicFlag,
    /// When it was attached, in its registry's attach sequence (set once,
    /// under `inner`, before the attachment is published).
    seq: Atomic<u64>,
    /// What the children the task creates get of the engine.
    pub(crate) children: Children,
    /// The native calls whose entries and exits the engine is told of
    /// (`None`: every call). Fixed at the attach; a child's copy shares it.
    syscalls: Option<Arc<SyscallSet>>,
}

impl Attachment {
    /// A new, not yet attached, attachment of `engine`.
    pub(crate) fn new<E: Engine>(
        engine: Arc<E>,
        events: Events,
        children: Children,
        syscalls: Option<Arc<SyscallSet>>,
    ) -> Result<Arc<Self>> {
        Self::build(engine, events, children, syscalls)
    }

    /// The engine, inside a [`Registry::call`] bracket of this attachment.
    ///
    /// # Safety
    ///
    /// The caller runs inside such a bracket, which found the attachment
    /// not detached.
    pub(super) unsafe fn engine_in_bracket(&self) -> Option<&Arc<dyn Engine>> {
        // SAFETY: the caller's guarantee is `EngineSlot::get`'s.
        unsafe { self.engine.get() }
    }

    /// A new attachment for a child of the task: of this attachment's
    /// engine (inherited, `children` [`Children::Same`]), or of the engine
    /// `engine` of the same type that this one made (followed); same
    /// events, same syscall set, giving the child's children the same in
    /// turn.
    pub(crate) fn for_child(
        &self,
        engine: Arc<dyn Engine>,
        children: Children,
    ) -> Result<Arc<Self>> {
        let syscalls = self.syscalls.clone();
        Self::build(engine, self.events(), children, syscalls)
    }

    fn build(
        engine: Arc<dyn Engine>,
        events: Events,
        children: Children,
        syscalls: Option<Arc<SyscallSet>>,
    ) -> Result<Arc<Self>> {
        Ok(Arc::new(
            Attachment {
                engine: EngineSlot(UnsafeCell::new(Some(engine))),
                events: Atomic::new(events.bits()),
                detached: AtomicFlag::new(false),
                stopping: AtomicFlag::new(false),
                step: Atomic::new(Step::None.raw()),
                exit_once: TaskOnly::new(false),
                entry_in_set: TaskOnly::new(ENTRY_UNSEEN),
                tracer_stop: TaskOnly::new(TracerStop::Refused),
                retired: AtomicFlag::new(false),
                seq: Atomic::new(0),
                children,
                syscalls,
            },
            GFP_KERNEL_ACCOUNT,
        )?)
    }

    /// The events the engine asked for.
    pub(crate) fn events(&self) -> Events {
        // The mask was validated when stored.
        Events::from_bits(self.events.load(Relaxed)).unwrap_or(Events::NONE)
    }

    /// Whether the engine asked for any of `events` (without validating
    /// the mask, for the report loops).
    pub(crate) fn wants(&self, events: Events) -> bool {
        self.events.load(Relaxed) & events.bits() != 0
    }

    /// Whether the entry of the call `nr` (of the native ABI if `native`)
    /// is in the engine's syscall set; the call is looked at only if the
    /// engine has a set. `resumed`: a repeated round of the same entry, in
    /// which the call may have another number: its exit is the engine's if
    /// either round was.
    ///
    /// # Safety
    ///
    /// The caller is the owner task, in its entry report.
    #[inline(always)]
    pub(crate) unsafe fn wants_entry(
        &self,
        nr: impl FnOnce() -> i64,
        native: impl FnOnce() -> bool,
        resumed: bool,
    ) -> bool {
        let Some(set) = &self.syscalls else {
            return true;
        };
        let wanted = set.contains(nr(), native());
        let seen = self.entry_seen(wanted);
        // SAFETY: the caller is the owner task, which alone touches
        // `TaskOnly` fields.
        unsafe {
            if !resumed || self.entry_in_set.get() != ENTRY_IN {
                self.entry_in_set.replace(seen);
            }
        }
        wanted
    }

    /// What [`Attachment::wants_entry`] keeps for the exit of a call whose
    /// entry was in the engine's set (`wanted`) or not.
    #[inline(always)]
    fn entry_seen(&self, wanted: bool) -> u8 {
        match (wanted, self.wants(Events::SYSCALL_EXIT)) {
            // No exit to match: nothing kept for it.
            (_, false) => ENTRY_UNSEEN,
            (true, true) => ENTRY_IN,
            (false, true) => ENTRY_OUT,
        }
    }

    /// Records, as [`Attachment::wants_entry`] would for a first round,
    /// the entry of a call the caller found outside the engine's set.
    ///
    /// # Safety
    ///
    /// The caller is the owner task, in its entry report.
    #[inline(always)]
    pub(crate) unsafe fn entry_outside_set(&self) {
        let seen = self.entry_seen(false);
        // SAFETY: the caller is the owner task, which alone touches
        // `TaskOnly` fields.
        unsafe { self.entry_in_set.replace(seen) };
    }

    /// Whether the exit of the call `nr` (of the native ABI if `native`)
    /// is in the engine's syscall set: whether its entry was, if the
    /// engine was told of the entry or not for its set (the number may
    /// have changed since); else (an exit-only engine, one attached during
    /// the call, a child's first return) whether the call is.
    ///
    /// # Safety
    ///
    /// The caller is the owner task, in its exit report.
    #[inline(always)]
    pub(crate) unsafe fn wants_exit(
        &self,
        nr: impl FnOnce() -> i64,
        native: impl FnOnce() -> bool,
    ) -> bool {
        let Some(set) = &self.syscalls else {
            return true;
        };
        // SAFETY: the caller is the owner task.
        match unsafe { self.entry_in_set.replace(ENTRY_UNSEEN) } {
            ENTRY_IN => true,
            ENTRY_OUT => false,
            _ => set.contains(nr(), native()),
        }
    }

    /// Whether the engine has been detached.
    pub(crate) fn is_detached(&self) -> bool {
        self.detached.load(Acquire)
    }

    /// An identity for `Registry::reporting`: the attachment's address.
    fn id(&self) -> usize {
        ptr::from_ref(self) as usize
    }
}

/// [`Attachment::entry_in_set`]: no entry of the current call was seen for
/// the engine's set.
const ENTRY_UNSEEN: u8 = 0;
/// [`Attachment::entry_in_set`]: the current call's entry was outside the
/// engine's set.
const ENTRY_OUT: u8 = 1;
/// [`Attachment::entry_in_set`]: the current call's entry was in the
/// engine's set.
const ENTRY_IN: u8 = 2;

/// [`Attachment::step`] of an engine whose step the task took: the step
/// running now serves it (the other values are [`Step::raw`]'s).
const STEP_TAKEN: i8 = 3;
/// [`Attachment::step`] of an engine whose step ended at the signal report
/// running now, until that report decides whether the trap is anyone's.
const STEP_TRAPPED: i8 = 4;
/// [`Attachment::step`] of an engine whose step the kernel turned off to
/// enter a signal handler, during the handler's report
/// ([`Registry::report_signal_handler`]).
const STEP_IN_HANDLER: i8 = 5;
/// [`Attachment::step`] of an engine whose step the signal report running
/// now interrupted (the signal is not its trap), until the report comes to
/// the engine, which then hears of the signal (as an observer if a tracer
/// before it dropped or decided it): its step ended there.
const STEP_INTERRUPTED: i8 = 6;

/// An immutable list of attachments, in attach order, with the task's
/// masks of who wants each syscall side.
struct EngineList {
    engines: Attachments,
    /// Which attachments want each syscall side, for the task's syscall
    /// reports: computed by the task when it takes the list
    /// ([`Registry::reporters`]), again when an engine's syscall events
    /// change (which marks the list stale), and [`SideMasks::ALL`] until
    /// then.
    sides: TaskOnly<SideMasks>,
}

// A list and its masks must stay in kmalloc-32 with the `Arc` header (the
// memory goal of a task's first engine counts on it).
const _: () = assert!(core::mem::size_of::<EngineList>() <= 24);

impl EngineList {
    /// A list of the attached engines of `cur`, plus `extra`; `None` if that
    /// is no engine at all.
    fn rebuild(
        cur: Option<&EngineList>,
        extra: Option<&Arc<Attachment>>,
    ) -> Result<Option<Arc<EngineList>>> {
        let live = |a: &&Arc<Attachment>| !a.is_detached();
        let kept = cur.map_or(0, EngineList::live);
        let n = kept + usize::from(extra.is_some());
        if n == 0 {
            return Ok(None);
        }
        // Charged to the caller's memory cgroup, as everything a user can
        // make engine-core allocate.
        let mut engines = KVec::with_capacity(n, GFP_KERNEL_ACCOUNT)?;
        for a in cur.iter().flat_map(|l| l.engines.iter()).filter(live) {
            engines.push(a.clone(), GFP_KERNEL_ACCOUNT)?;
        }
        if let Some(a) = extra {
            engines.push(a.clone(), GFP_KERNEL_ACCOUNT)?;
        }
        let list = EngineList {
            engines: Attachments::new(engines)?,
            sides: TaskOnly::new(SideMasks::ALL),
        };
        Ok(Some(Arc::new(list, GFP_KERNEL_ACCOUNT)?))
    }

    /// How many of the list's attachments are not detached.
    fn live(&self) -> usize {
        self.engines.iter().filter(|a| !a.is_detached()).count()
    }

    /// The attachments of `list`, none if there is no list.
    fn engines_of(list: Option<&EngineList>) -> &[Arc<Attachment>] {
        list.map_or(&[], |l| &l.engines)
    }

    /// Computes the masks of who wants each syscall side from the engines'
    /// events as they are now.
    ///
    /// # Safety
    ///
    /// The caller is the owner task of the list's registry ([`TaskOnly`]).
    unsafe fn compute_sides(&self) {
        let masks = SideMasks::of(self.engines.iter().map(|a| a.events()));
        // SAFETY: the caller's guarantee.
        unsafe { self.sides.replace(masks) };
    }

    /// The attach indices of the engines that want `side` (maybe more),
    /// `None` for a list too long for a mask.
    ///
    /// # Safety
    ///
    /// As for [`EngineList::compute_sides`].
    #[inline]
    unsafe fn wanting(&self, side: SyscallSide) -> Option<u32> {
        // SAFETY: the caller's guarantee.
        unsafe { self.sides.get() }.side(side, self.engines.len())
    }

    /// Whether some attachment of the list is detached (the list can be
    /// pruned).
    fn has_detached(&self) -> bool {
        self.engines.iter().any(|a| a.is_detached())
    }
}

/// The attachments of an [`EngineList`]: a `KVec` taken apart into its
/// pointer, length and capacity (as `u32`s), 16 bytes where the `KVec` is 24,
/// which keeps the list with its masks in kmalloc-32.
///
/// # Invariants
///
/// `ptr`, `len` and `cap` are the raw parts of a `KVec<Arc<Attachment>>`
/// that this value owns.
struct Attachments {
    ptr: ptr::NonNull<Arc<Attachment>>,
    len: u32,
    cap: u32,
}

// SAFETY: `Attachments` owns a vector of `Arc<Attachment>`, which are `Send`
// and `Sync`, and hands out only shared references to them.
unsafe impl Send for Attachments {}
// SAFETY: as above.
unsafe impl Sync for Attachments {}

impl Attachments {
    /// Takes `v` apart. A list is at most
    /// [`MAX_ENGINES`](super::policy::MAX_ENGINES) engines plus those that
    /// follow a clone: the `u32` conversions cannot fail in practice, and
    /// fail with `EOVERFLOW`, dropping `v`, if they ever did.
    fn new(v: KVec<Arc<Attachment>>) -> Result<Self> {
        let (len, cap) = (u32::try_from(v.len()), u32::try_from(v.capacity()));
        let (Ok(len), Ok(cap)) = (len, cap) else {
            return Err(EOVERFLOW);
        };
        let (ptr, _, _) = v.into_raw_parts();
        // INVARIANT: the raw parts of the vector, whose length and capacity
        // fit in `u32` (checked above).
        Ok(Self {
            // SAFETY: a vector's pointer is never null (a dangling one when
            // nothing is allocated).
            ptr: unsafe { ptr::NonNull::new_unchecked(ptr) },
            len,
            cap,
        })
    }
}

impl core::ops::Deref for Attachments {
    type Target = [Arc<Attachment>];

    fn deref(&self) -> &[Arc<Attachment>] {
        // SAFETY: `ptr` and `len` describe the initialised elements of the
        // vector this value owns (type invariant).
        unsafe { core::slice::from_raw_parts(self.ptr.as_ptr(), self.len as usize) }
    }
}

impl Drop for Attachments {
    fn drop(&mut self) {
        // SAFETY: the raw parts of a vector this value owns (type invariant),
        // put back together once, here.
        drop(unsafe {
            KVec::from_raw_parts(self.ptr.as_ptr(), self.len as usize, self.cap as usize)
        });
    }
}

/// An attachment's engine, taken out when it is retired.
///
/// # Invariants
///
/// Written once, by `Registry::retire` under the registry's `inner`, when
/// the attachment is detached and no callback of it runs or will
/// (`Registry::retire_if_idle`, or a barrier that waited for the callback
/// seen after the detach). Read under `inner`, or without it by the task
/// inside a `Registry::call` bracket that found the attachment not
/// detached: no retire comes until that bracket closes.
struct EngineSlot(UnsafeCell<Option<Arc<dyn Engine>>>);

// SAFETY: the slot holds an `Arc<dyn Engine>` (engines are `Send + Sync`),
// and every access follows the type invariant: one writer, under `inner`,
// when no reader without the lock can be there.
unsafe impl Send for EngineSlot {}
// SAFETY: as above.
unsafe impl Sync for EngineSlot {}

impl EngineSlot {
    /// The engine, for the task inside a `call` bracket of a not detached
    /// attachment.
    ///
    /// # Safety
    ///
    /// The caller is in such a bracket (type invariant), or holds `inner`.
    unsafe fn get(&self) -> Option<&Arc<dyn Engine>> {
        // SAFETY: no write can come meanwhile (type invariant and the
        // caller's guarantee).
        unsafe { (*self.0.get()).as_ref() }
    }

    /// Takes the engine out.
    ///
    /// # Safety
    ///
    /// The caller holds `inner`, and the attachment is detached and idle
    /// (type invariant).
    unsafe fn take(&self) -> Option<Arc<dyn Engine>> {
        // SAFETY: the caller's guarantee: no reader without the lock can be
        // at the slot, and the lock excludes the others.
        unsafe { (*self.0.get()).take() }
    }
}

/// A value only the registry's owner task touches: from its entry report
/// to its exit report, or across its job-control reports. A plain cell, not
/// an atomic: an atomic exchange is a locked instruction on x86 (and, in a
/// kernel built without `CONFIG_RUST_INLINE_HELPERS`, a call into C), which
/// the syscall path would pay for nothing. The report paths that touch it
/// check at run time that they run in the owner task.
///
/// # Invariants
///
/// Only the owner task of the registry the cell belongs to (directly or
/// through one of its attachments) reads or writes the value, while it runs:
/// the same task as [`TaskList`]'s.
/// Where an engine's callback stands for a ptrace event stop
/// ([`Registry::stop_for_tracer`]).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum TracerStop {
    /// Not in a callback of a round that allows one (the signal and handler
    /// rounds, in the task): elsewhere the stop could come where the task
    /// must not sleep (a uprobe handler), after its task work is gone (the
    /// death report), or in a round whose state a tracer could change
    /// under it (a syscall's).
    Refused,
    /// In such a callback, nothing asked.
    Allowed,
    /// Asked: the event and its message.
    Asked(u8, u64),
}

struct TaskOnly<T: Copy>(UnsafeCell<T>);

// SAFETY: one task at a time touches the value (type invariant); moving
// the value between CPUs as that task migrates needs only `T: Send`.
unsafe impl<T: Copy + Send> Sync for TaskOnly<T> {}

impl<T: Copy> TaskOnly<T> {
    const fn new(value: T) -> Self {
        Self(UnsafeCell::new(value))
    }

    /// The value.
    ///
    /// # Safety
    ///
    /// The caller is the registry's owner task (type invariant).
    #[inline]
    unsafe fn get(&self) -> T {
        // SAFETY: no other task touches the cell (the caller's guarantee),
        // and a `Copy` read leaves no borrow behind.
        unsafe { *self.0.get() }
    }

    /// Sets the value; returns the old one.
    ///
    /// # Safety
    ///
    /// As for [`TaskOnly::get`].
    #[inline]
    unsafe fn replace(&self, value: T) -> T {
        // SAFETY: as in `get`.
        unsafe { core::mem::replace(&mut *self.0.get(), value) }
    }
}

/// The task's own reference to an engine list ([`Registry::task_list`]).
///
/// # Invariants
///
/// Only the registry's owner task, while it runs (its report paths, which
/// run in it; for a test registry, the one KUnit thread playing the task),
/// touches the cell, and only through [`TaskList::take`] and
/// [`TaskList::put`], each one move that leaves no borrow behind: a report
/// nested in another (a quiesce report in a stop) finds the cell empty or
/// full, never borrowed. The task's last access is in its death report;
/// after that only the registry's drop touches it.
struct TaskList(UnsafeCell<Option<Arc<EngineList>>>);

impl TaskList {
    /// Moves the list out, leaving the cell empty. `owner` is the caller's
    /// proof that it is the owner task ([`Registry::is_owner`]).
    #[inline]
    fn take(&self, owner: bool) -> Option<Arc<EngineList>> {
        if !owner {
            return None;
        }
        // SAFETY: only the owner task gets here (`owner`), and it never
        // holds a borrow of the cell (type invariant).
        unsafe { (*self.0.get()).take() }
    }

    /// Puts `list` back if the cell is empty (else a nested report put a
    /// newer one there: `list` is dropped).
    #[inline]
    fn put(&self, owner: bool, list: Option<Arc<EngineList>>) {
        let cell = self.0.get();
        // SAFETY: only the owner task gets to the cell (`owner`), and it
        // never holds a borrow of it (type invariant).
        if owner && unsafe { (*cell).is_none() } {
            // SAFETY: as above; the cell holds `None`, which needs no drop.
            unsafe { ptr::write(cell, list) };
        } else {
            drop_list(list);
        }
    }
}

/// Drops a list reference out of line: the report paths' common case drops
/// none, and should not carry the drop's code.
#[cold]
#[inline(never)]
fn drop_list(list: Option<Arc<EngineList>>) {
    drop(list);
}

/// The engines of one report of the task, from [`Registry::reporters`]:
/// the task's own list, put back when the report is over.
pub(super) struct Reporters<'a> {
    registry: &'a Registry,
    /// The list came from the task's own cell (the reporter is its owner).
    owner: bool,
    list: Option<Arc<EngineList>>,
}

impl Reporters<'_> {
    /// The attachments, in attach order (none if there is no list).
    pub(super) fn engines(&self) -> &[Arc<Attachment>] {
        EngineList::engines_of(self.list.as_deref())
    }

    /// The attach indices of the engines that want `side` (maybe more), or
    /// `None`: look at every engine (a list too long for a mask, or a
    /// report not made by the owner task).
    #[inline]
    pub(super) fn wanting(&self, side: SyscallSide) -> Option<u32> {
        if !self.owner {
            return None;
        }
        // SAFETY: the owner task makes this report (`owner`).
        self.list
            .as_deref()
            .map_or(Some(0), |l| unsafe { l.wanting(side) })
    }
}

impl Drop for Reporters<'_> {
    #[inline]
    fn drop(&mut self) {
        self.registry.task_list.put(self.owner, self.list.take());
    }
}

/// Whether two optional lists are the same list (or both none).
fn same_list(a: &Option<Arc<EngineList>>, b: &Option<Arc<EngineList>>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => Arc::ptr_eq(a, b),
        _ => false,
    }
}

/// Whom a registry belongs to.
enum Owner {
    /// A task (see "The task pointer" above).
    Task(TaskPtr),
    /// No task: a registry for the KUnit suites, which records the syscall
    /// work flag in `Inner::test_syscall_work` instead of setting it on a
    /// task. Any thread plays the task ([`Registry::is_owner`]): a KUnit
    /// case drives one from one thread only. (Naming that thread would
    /// cost the registry 8 bytes, over its kmalloc-128 budget.)
    #[cfg_attr(not(CONFIG_UTRACE_KUNIT_TEST), expect(dead_code))]
    Test,
}

/// What writers and the reporting task share, under [`Registry::inner`].
struct Inner {
    /// The engines, in attach order; detached ones may stay until the next
    /// change rebuilds the list (module documentation).
    list: Option<Arc<EngineList>>,
    /// Where the task is in its life.
    phase: Phase,
    /// How many attachments hold the task stopped (have `stopping` set).
    /// (At most one per attachment, and a task has at most
    /// `policy::MAX_ENGINES`: a `u16` holds it, and keeps the registry in
    /// kmalloc-128.)
    stops: u16,
    /// The task is parked in a stop (set and cleared by the task).
    parked: bool,
    /// An engine ended a stop asking for another report.
    report_again: bool,
    /// A quiesce report was asked for and not made yet.
    kick_requested: bool,
    /// `Registry::kick_work` is on the task's task_work list (set when
    /// queued, cleared by the work when it runs: a queued `callback_head`
    /// must not be queued again).
    kick_queued: bool,
    /// The queued kick breaks sleeps (it was queued so, or upgraded).
    kick_interrupts: bool,
    /// An engine held the step trap being judged (`STEP_TRAPPED` marks
    /// kept): it comes back from the queue to be judged again.
    step_trap_held: bool,
    /// The step the task turned on for its engines (none: not stepping),
    /// until the signal report that ends it (the trap's, or one before).
    /// The kernel may turn a step off by itself (to enter a signal
    /// handler): the task then finds it disarmed (`task::step_armed`).
    stepping: Step,
    /// The task runs its kick's quiesce reports: a callback's own request
    /// for another is served by that loop, not by a new task work (which
    /// the task_work loop running this one would run, forever).
    in_kick: bool,
    /// Callbacks that returned while someone waited on the queue (a
    /// wrapping count): a barrier waits for it to move rather than for a
    /// moment without the engine's callback, which an engine called back
    /// to back may never leave ([`Registry::barrier`]).
    /// (A `u16`: for a barrier to miss the end it waits for, 65,536
    /// callbacks would have to end, each waking it, before it looks again.)
    callbacks_ended: u16,
    /// An entry callback asked for the exit report of the current call
    /// (set and cleared by the task, under the lock, so that the exit hook
    /// is turned on for it: see [`Registry::publish_summary`]).
    exit_once: bool,
    /// A test registry's syscall work flags (see [`Owner::Test`]).
    #[cfg(CONFIG_UTRACE_KUNIT_TEST)]
    test_syscall_work: SyscallWork,
}

/// Whether [`Registry::stop`] found the task stopped.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum StopState {
    /// The task is parked, and stays so until the engine resumes it.
    Stopped,
    /// The task stops at its next safe point (utrace's `-EINPROGRESS`).
    Pending,
}

impl StopState {
    /// utrace's answer to `UTRACE_STOP`: 0 once stopped, `EINPROGRESS`
    /// while pending (for the C API and user-space interfaces).
    pub fn to_utrace(self) -> Result {
        match self {
            StopState::Stopped => Ok(()),
            StopState::Pending => Err(super::policy::einprogress()),
        }
    }
}

/// Whether a task leaving a stop goes on, was killed, or was asked for
/// another report of the same event.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Settled {
    /// It was not stopped, or was resumed.
    Go,
    /// A fatal signal ended the stop (or the task is exiting).
    Killed,
    /// An engine resumed it asking for another report.
    Again,
}

/// [`Registry::summary`] bit: an engine intercepts fatal signals (it asked
/// for [`Events::SIGNAL_TERM`] without [`Events::SIGNAL_OBSERVE`]):
/// senders give up their fatal short cut. (`complete_signal()` takes it
/// only for signals that dump no core: `SIGNAL_CORE` does not count.)
const SUMMARY_FATAL_INTERCEPT: u32 = 1 << 26;
/// [`Registry::summary`] bit: an engine intercepts ignored signals (it
/// asked for [`Events::SIGNAL_IGN`] without [`Events::SIGNAL_OBSERVE`]):
/// senders queue them rather than drop them.
const SUMMARY_IGN_INTERCEPT: u32 = 1 << 25;
/// [`Registry::summary`] bit: `Inner::list` changed since the task took
/// its own reference ([`Registry::task_list`]): it takes the new one.
/// State, not a summary: kept across recomputations (`KEPT_BITS`).
const SUMMARY_LIST_STALE: u32 = 1 << 27;
/// [`Registry::summary`] bit: the task may hold a list in
/// [`Registry::task_list`] (set when it takes one, cleared at its death):
/// a detach by another task then queues the kick's task work, so that the
/// task lets go of the detached engine soon. State, as `SUMMARY_LIST_STALE`.
const SUMMARY_TASK_LIST: u32 = 1 << 28;
/// [`Registry::summary`] bit: some engine asked for a step the task has not
/// taken yet (a hint: the attachments' `step` say which; the task takes
/// the step when it leaves its stop or ends its quiesce report). State, as
/// `SUMMARY_LIST_STALE`; read and written under `inner`.
const SUMMARY_STEP_ASKED: u32 = 1 << 24;
/// The bits of [`Registry::summary`] that are state rather than a summary
/// of `inner`: every store is made under `inner`, so they live there
/// without a byte in `Inner` (which must stay small: see the size check).
const KEPT_BITS: u32 = SUMMARY_LIST_STALE
    | SUMMARY_TASK_LIST
    | SUMMARY_STEP_ASKED
    | SUMMARY_EXAMINED
    | SUMMARY_EXAMINE_WAITERS
    | SUMMARY_SIGNAL_REPORT
    | SUMMARY_SWITCH_LOG;
/// [`Registry::summary`] bit: the task registered its switch log
/// (`switches.rs`), which its notifier list holds and `free_task()` frees.
/// State, as `SUMMARY_LIST_STALE`; set once, by the task, under `inner`.
const SUMMARY_SWITCH_LOG: u32 = 1 << 20;
/// [`Registry::summary`] bit: a made-up signal report is due and the task
/// is on its way back to user mode, through `get_signal()`, which takes
/// it (`Registry::arm_signal_report`): the task's `recalc_sigpending()`
/// keeps `TIF_SIGPENDING` set for it until the report is made, unless the
/// task is on its way out. State, as `SUMMARY_LIST_STALE`; written under
/// `inner`, read by `recalc_sigpending()` under the task's siglock
/// (acquire, pairing with that store).
const SUMMARY_SIGNAL_REPORT: u32 = 1 << 21;
/// [`Registry::summary`] bit: an examiner reads or writes the registers of
/// the parked task (`registry/examine.rs`): the task does not leave its
/// stop, even for SIGKILL, until the bit is clear. State, as
/// `SUMMARY_LIST_STALE`; read and written under `inner`.
const SUMMARY_EXAMINED: u32 = 1 << 23;
/// [`Registry::summary`] bit: another examiner waits for the pin of
/// `SUMMARY_EXAMINED`; its holder wakes the queue when done. State, as
/// `SUMMARY_LIST_STALE`.
const SUMMARY_EXAMINE_WAITERS: u32 = 1 << 22;
/// [`Registry::summary`] bit: the task must look at its stop state after
/// a report: an engine holds it stopped, asked for a report again, or a
/// quiesce report is asked for. Without it the report path skips the lock.
const SUMMARY_ATTENTION: u32 = 1 << 29;
/// [`Registry::summary`] bit: some engine is attached.
const SUMMARY_ENGINES: u32 = 1 << 30;
/// [`Registry::summary`] bit: the engines turned stepping on (or an
/// engine held a step's trap), so the task's SIGTRAP must be reported (to
/// turn stepping off, and judge the trap).
const SUMMARY_STEPPING: u32 = 1 << 31;

/// The engines of one task.
#[pin_data]
pub(crate) struct Registry {
    owner: Owner,
    /// The shared state (module documentation).
    #[pin]
    inner: SpinLock<Inner>,
    /// The union of the events of the attached engines, with
    /// `SUMMARY_ENGINES`, `SUMMARY_STEPPING` and `SUMMARY_ATTENTION`: what
    /// readers that cannot take `inner`, and the task's report path before
    /// it takes it, test. Stored with release under `inner` after what it
    /// summarises changed; loaded with acquire (pairs with that store). A
    /// stale answer only keeps or drops a signal's short cut a moment
    /// early or late, as for `task->ptrace` read by the same senders.
    summary: Atomic<u32>,
    /// The next attach sequence number, for engines and the tracer alike
    /// (an atomic: `ptrace_link` runs under `tasklist_lock`).
    next_seq: Atomic<u64>,
    /// The sequence number the task's tracer attached at: 0 (before every
    /// engine) unless it attached while the task had this registry. Stored
    /// with release in `ptrace_link`, loaded with acquire by the task.
    ptrace_seq: Atomic<u64>,
    /// Whether the last syscall entry was aborted (only the task touches
    /// it, from its entry report to its exit report).
    entry_aborted: AtomicFlag,
    /// An entry callback asked for the exit report of this syscall (from
    /// the task's entry report to its exit report).
    exit_requested: TaskOnly<bool>,
    /// The engines heard that the task stops with its group and not yet
    /// that it runs again (a traced task's stop is its tracer's STOP trap,
    /// which ends in another hook).
    jctl_stopped: TaskOnly<bool>,
    /// A quiesce report left a made-up signal report
    /// ([`Events::SIGNAL_REPORT`]) for the task's next signal check.
    signal_report: TaskOnly<bool>,
    /// [`Attachment::id`] of the attachment whose callback the task runs,
    /// the reaper's mark during a reap callback (`REAPER_MARK`), or 0. Set
    /// and cleared around each callback with fully ordered exchanges: the
    /// first pairs with the exchange of [`Attachment::detached`] in detach
    /// (either the callback is not started, or the detacher's barrier sees
    /// it running), the second with the barrier's `prepare_to_wait()`
    /// (either the barrier sees the callback over, or the task sees it on
    /// the wait queue and wakes it: `Registry::callback_ended`). An
    /// atomic, not `inner`, because it is set twice per callback on the
    /// syscall path.
    reporting: Atomic<usize>,
    /// Where the task sleeps in a stop, and barriers wait for a callback.
    #[pin]
    wait: Opaque<bindings::wait_queue_head>,
    /// The kick's task work, queued only while `Inner::kick_queued` says it
    /// is free.
    #[pin]
    kick_work: Opaque<bindings::callback_head>,
    /// The list the task reports from (module documentation).
    task_list: TaskList,
}

// SAFETY: `wait` and `kick_work` are only used through the kernel's
// thread-safe wait-queue and task_work APIs; `task_list` is only touched by
// one task (its type invariant), and `exit_requested`, `jctl_stopped`
// and `signal_report` likewise; every other field is a lock, an atomic, or
// `owner`, whose `TaskPtr` is `Send` and `Sync`.
unsafe impl Send for Registry {}
// SAFETY: as above.
unsafe impl Sync for Registry {}

// A task's first engine costs its registry: with the `Arc` header (a
// refcount, padded to 8) it must fit kmalloc-128 (the benchmark's memory
// goal of at most 256 bytes for a task's first engine counts on it).
// Debugging options (lockdep, spinlock debugging) make locks larger.
#[cfg(not(any(CONFIG_DEBUG_LOCK_ALLOC, CONFIG_DEBUG_SPINLOCK)))]
const _: () = assert!(core::mem::size_of::<Registry>() <= 120);

impl Registry {
    fn new(owner: Owner) -> impl PinInit<Self, Error> {
        try_pin_init!(Registry {
            owner,
            inner <- kernel::new_spinlock!(
                Inner {
                    list: None,
                    phase: Phase::Alive,
                    stops: 0,
                    parked: false,
                    report_again: false,
                    kick_requested: false,
                    kick_queued: false,
                    kick_interrupts: false,
                    step_trap_held: false,
                    stepping: Step::None,
                    in_kick: false,
                    callbacks_ended: 0,
                    exit_once: false,
                    #[cfg(CONFIG_UTRACE_KUNIT_TEST)]
                    test_syscall_work: SyscallWork::default(),
                },
                "utrace::Registry::inner"
            ),
            summary: Atomic::new(0),
            next_seq: Atomic::new(1),
            ptrace_seq: Atomic::new(0),
            entry_aborted: AtomicFlag::new(false),
            exit_requested: TaskOnly::new(false),
            jctl_stopped: TaskOnly::new(false),
            signal_report: TaskOnly::new(false),
            reporting: Atomic::new(0),
            wait <- task::new_wait_queue(),
            kick_work: Opaque::uninit(),
            task_list: TaskList(UnsafeCell::new(None)),
        }? Error)
    }

    /// A new, empty registry for `task`.
    pub(crate) fn for_task(task: &Task) -> Result<Arc<Self>> {
        Arc::pin_init(
            Self::new(Owner::Task(TaskPtr::new(task))),
            GFP_KERNEL_ACCOUNT,
        )
    }

    /// A new, empty registry owned by no task, for the KUnit suites.
    #[cfg(CONFIG_UTRACE_KUNIT_TEST)]
    pub(crate) fn for_test() -> Result<Arc<Self>> {
        Arc::pin_init(Self::new(Owner::Test), GFP_KERNEL)
    }

    /// For a test registry: the syscall work flags it would set.
    #[cfg(CONFIG_UTRACE_KUNIT_TEST)]
    pub(crate) fn test_syscall_work(&self) -> SyscallWork {
        match &self.owner {
            Owner::Test => self.inner.lock().test_syscall_work,
            Owner::Task(_) => SyscallWork::default(),
        }
    }

    /// Whether the task registered its switch log (`switches.rs`): only
    /// the task sets it, so the task, or `free_task()` after it, reads it
    /// without the lock.
    pub(super) fn has_switch_log(&self) -> bool {
        self.summary.load(Relaxed) & SUMMARY_SWITCH_LOG != 0
    }

    /// The task registered its switch log.
    pub(super) fn set_has_switch_log(&self) {
        let inner = self.inner.lock();
        self.set_kept_bits(&inner, SUMMARY_SWITCH_LOG, 0);
    }

    /// The current list, with a reference of our own (for writers and the
    /// death report; the task's reports use [`Registry::reporters`]).
    fn list(&self) -> Option<Arc<EngineList>> {
        self.inner.lock().list.clone()
    }

    /// A reference to the task, for a breakpoint subscription of `att`'s
    /// engine: `ESRCH` once `att` is detached or the task is dead; `EINVAL`
    /// for a test registry, which has no task.
    pub(crate) fn subscriber_task(&self, att: &Attachment) -> Result<ARef<Task>> {
        let Owner::Task(t) = &self.owner else {
            return Err(EINVAL);
        };
        let inner = self.inner.lock();
        if att.is_detached() || inner.phase == Phase::Dead {
            return Err(ESRCH);
        }
        // SAFETY: under `inner` with the phase not `Dead`, the task is
        // alive ("The task pointer" above).
        Ok(unsafe { task::task_ref(t) })
    }

    /// The engine of `att`, with a reference of our own; `None` once it is
    /// retired.
    pub(crate) fn engine_of(&self, att: &Attachment) -> Option<Arc<dyn Engine>> {
        Self::engine_locked(&self.inner.lock(), att)
    }

    /// [`Registry::engine_of`], with `inner` held (by `_inner`).
    fn engine_locked(_inner: &Inner, att: &Attachment) -> Option<Arc<dyn Engine>> {
        // SAFETY: under `inner`, which `_inner` proves held.
        unsafe { att.engine.get() }.cloned()
    }

    /// Publishes `list` as the registry's list; returns the old one, to be
    /// dropped with the lock released.
    fn replace_list_locked(
        &self,
        inner: &mut Inner,
        list: Option<Arc<EngineList>>,
    ) -> Option<Arc<EngineList>> {
        self.set_kept_bits(inner, SUMMARY_LIST_STALE, 0);
        core::mem::replace(&mut inner.list, list)
    }

    /// Sets and clears [`KEPT_BITS`] of [`Registry::summary`] (under
    /// `inner`, as every store of it).
    fn set_kept_bits(&self, _inner: &Inner, set: u32, clear: u32) {
        let bits = (self.summary.load(Relaxed) | set) & !clear;
        // Pairs with the acquire loads of the report paths.
        self.summary.store(bits, Release);
    }

    /// Whether the task may hold a list of its own.
    fn task_holds_list(&self, _inner: &Inner) -> bool {
        self.summary.load(Relaxed) & SUMMARY_TASK_LIST != 0
    }

    /// The engines for a report of the task, `task`, which must be the
    /// current task and the registry's owner: its own list, taken anew
    /// under the lock only if a writer changed the list since it last took
    /// it. `summary` is the caller's load of [`Registry::summary`].
    #[inline]
    pub(super) fn reporters(&self, task: &Task, summary: u32) -> Reporters<'_> {
        let owner = self.is_owner(task);
        let list = self.task_list.take(owner);
        let list = if list.is_none() || summary & SUMMARY_LIST_STALE != 0 {
            let list = self.take_new_list(list);
            if let Some(l) = list.as_deref().filter(|_| owner) {
                // SAFETY: the owner task takes its list (`owner`).
                unsafe { l.compute_sides() };
            }
            list
        } else {
            list
        };
        Reporters {
            registry: self,
            owner,
            list,
        }
    }

    /// Skips the task's entry report for the call in `regs` if it goes to
    /// no engine and nothing else is due: no tracer stops at syscall
    /// entries (`ptrace`: its stops are made in the report, at its place),
    /// no change of engines the task has not taken and no stop is asked,
    /// and the one engine of the task's list that wants entries has a
    /// syscall set without the call. Returns whether it did. A task whose
    /// monitor names a few calls pays this test for the others, not the
    /// report.
    ///
    /// A skipped report leaves what the report would: the engine's entry
    /// is recorded as outside its set ([`Attachment::wants_entry`]: its
    /// exit then follows the entry), and no abort is marked. A report that
    /// is not skipped finds nothing changed.
    #[inline(always)]
    pub(super) fn skip_entry_report<R: SyscallRegs, P: PtraceStops>(
        &self,
        task: &Task,
        regs: &R,
        ptrace: &P,
    ) -> bool {
        if ptrace.traces_entry() {
            return false;
        }
        // A stale summary only delays a change to the next call, as a
        // change made while the report runs does: no ordering is needed,
        // the list and its masks being the task's own.
        if self.summary.load(Relaxed) & (SUMMARY_LIST_STALE | SUMMARY_ATTENTION) != 0 {
            return false;
        }
        let owner = self.is_owner(task);
        // A list only for the owner task.
        let list = self.task_list.take(owner);
        let skipped = list.as_deref().is_some_and(|l| {
            // SAFETY: `take` gave a list only to the owner task.
            let sides = unsafe { l.sides.get() };
            // The list in the task's cell had its sides computed when the
            // task took it (`reporters`); a change of events since marked
            // it stale. A superset of bits ("maybe more") only skips less.
            let Some(att) = sides
                .only(SyscallSide::Entry, l.engines.len())
                .and_then(|i| l.engines.get(i))
            else {
                return false;
            };
            let (nr, native) = (regs.nr(), regs.is_native());
            let outside = att
                .syscalls
                .as_ref()
                .is_some_and(|s| !s.contains(nr, native))
                && att.wants(Events::SYSCALL_ENTRY)
                && !att.is_detached();
            if outside {
                // SAFETY: the owner task (`take` gave it the list), for
                // the entry of this call, which its set leaves out.
                unsafe { att.entry_outside_set() };
            }
            outside
        });
        self.task_list.put(owner, list);
        if skipped {
            // What the report stores for a call nobody aborted.
            self.entry_aborted.store(false, Relaxed);
        }
        skipped
    }

    /// The task takes the registry's current list, and lets go of `old`.
    #[cold]
    fn take_new_list(&self, old: Option<Arc<EngineList>>) -> Option<Arc<EngineList>> {
        let list = {
            let inner = self.inner.lock();
            if inner.phase == Phase::Dead {
                // Dead: it lets go of every list (`report_death`).
                None
            } else {
                let holds = if inner.list.is_some() {
                    SUMMARY_TASK_LIST
                } else {
                    0
                };
                self.set_kept_bits(&inner, holds, SUMMARY_LIST_STALE);
                inner.list.clone()
            }
        };
        // With the lock released: this may drop the last reference to a
        // detached engine.
        drop(old);
        list
    }

    /// The task lets go of its list (at its death).
    fn drop_task_list(&self, task: &Task) {
        drop(self.task_list.take(self.is_owner(task)));
        let inner = self.inner.lock();
        self.set_kept_bits(&inner, 0, SUMMARY_TASK_LIST);
    }

    /// Whether `task`, the current task, is the registry's owner (any
    /// thread, for a test registry: see [`Owner::Test`]).
    #[inline]
    fn is_owner(&self, task: &Task) -> bool {
        debug_assert!(task.as_ptr() == Task::current_raw());
        match &self.owner {
            Owner::Task(t) => t.is(task),
            Owner::Test => true,
        }
    }

    /// Whether the owner may get new attachments (`create`): `EPERM` for a
    /// kernel thread or an io_uring/vhost worker, `ESRCH` once it is
    /// exiting or dead; or be searched for one ([`policy::check_lookup`]:
    /// exiting or not). Callers of [`Registry::attach`] hold the task.
    ///
    /// [`policy::check_lookup`]: super::policy::check_lookup
    fn check_target(&self, inner: &Inner, create: bool) -> Result {
        let t = match &self.owner {
            Owner::Task(t) => {
                // Pairs with `atomic_dec_and_test(&tsk->signal->live)` in
                // do_exit(), between its `PF_EXITING` store and its death
                // hook's read of `task->utrace`: either we see the task
                // exiting, or it sees this registry and makes its death
                // report. For the attacher that installed the registry its
                // cmpxchg already orders; one that found it installed by
                // another needs this.
                kernel::sync::barrier::smp_mb();
                // SAFETY: attach callers hold a reference to the task (the
                // `&Task` of `attach_to_task` or `find`, the clone report's
                // child), so it is alive.
                unsafe { task::target_state(t) }
            }
            Owner::Test => super::policy::TargetState::default(),
        };
        let state = super::policy::TargetState {
            exiting: t.exiting || inner.phase != Phase::Alive,
            ..t
        };
        if create {
            super::policy::check_target(state)
        } else {
            super::policy::check_lookup(state)
        }
    }

    /// [`Registry::summary`] as `inner` says it should be.
    fn summarise(&self, inner: &Inner) -> u32 {
        let mut bits = 0;
        for a in inner.list.iter().flat_map(|l| l.engines.iter()) {
            if !a.is_detached() {
                let events = a.events();
                bits |= events.bits() | SUMMARY_ENGINES;
                if !events.contains(Events::SIGNAL_OBSERVE) {
                    if events.contains(Events::SIGNAL_TERM) {
                        bits |= SUMMARY_FATAL_INTERCEPT;
                    }
                    if events.contains(Events::SIGNAL_IGN) {
                        bits |= SUMMARY_IGN_INTERCEPT;
                    }
                }
            }
        }
        if inner.stepping != Step::None || inner.step_trap_held {
            bits |= SUMMARY_STEPPING;
        }
        if inner.stops != 0 || inner.report_again || inner.kick_requested {
            bits |= SUMMARY_ATTENTION;
        }
        // Every store of `summary` is made under `inner`: this reads the
        // last one.
        bits | (self.summary.load(Relaxed) & KEPT_BITS)
    }

    /// Recomputes [`Registry::summary`] after the stop state changed.
    fn refresh_attention(&self, inner: &Inner) {
        // Pairs with the acquire load in `needs_attention`.
        self.summary.store(self.summarise(inner), Release);
    }

    /// Whether the task must look at its stop state after a report (a
    /// stale "no" is harmless: a stop asked for from outside also queues a
    /// kick, which brings the task back here).
    pub(super) fn needs_attention(&self) -> bool {
        // Pairs with the release stores under `inner`.
        self.summary.load(Acquire) & SUMMARY_ATTENTION != 0
    }

    /// Recomputes [`Registry::summary`] and the syscall work flags after the
    /// list, an event mask, stepping or `Inner::exit_once` changed: the exit
    /// hook only while some engine wants exits or `exit_once` is set
    /// ([`syscall_work`]).
    fn publish_summary(&self, inner: &mut Inner) {
        let bits = self.summarise(inner);
        // Pairs with the acquire loads in `wants_signal` and `has_engines`.
        self.summary.store(bits, Release);
        let wanted = Events::from_bits(bits & Events::SYSCALL.bits()).unwrap_or(Events::NONE);
        let work = syscall_work(wanted, inner.exit_once);
        match &self.owner {
            // A dead task makes no more syscalls, and its task_struct may be
            // gone (module documentation): leave it alone.
            Owner::Task(_) if inner.phase == Phase::Dead => {}
            // SAFETY: under `inner` with the phase not `Dead`: the task is
            // alive (module documentation).
            Owner::Task(t) => unsafe { task::set_syscall_work(t, work) },
            #[cfg(CONFIG_UTRACE_KUNIT_TEST)]
            Owner::Test => inner.test_syscall_work = work,
            #[cfg(not(CONFIG_UTRACE_KUNIT_TEST))]
            Owner::Test => {}
        }
        if !work.entry {
            // No entry report until the hook is on again: an abort mark
            // left by the last one must not reach the exit report of a
            // later call (an exit engine attached during it). A task in
            // its entry report right now may store a mark after this one;
            // a later call sees it only if an exit engine is attached in
            // the middle of that call: a narrow window, documented.
            self.entry_aborted.store(false, Relaxed);
        }
    }

    /// Whether any engine is attached.
    pub(crate) fn has_engines(&self) -> bool {
        // Pairs with the release store in `publish_summary`.
        self.summary.load(Acquire) & SUMMARY_ENGINES != 0
    }

    /// The task was just made a tracee: its tracer takes the next place in
    /// the attach order. Called under `tasklist_lock`: atomics only.
    pub(crate) fn ptrace_link(&self) {
        self.ptrace_seq
            .store(self.next_seq.fetch_add(1, Relaxed), Release);
    }

    /// Whether an engine wants signals of class `class` reported, or
    /// stepping must be turned off. Called under siglock, maybe in
    /// interrupt context: reads [`Registry::summary`] only.
    pub(crate) fn wants_signal(&self, class: Events) -> bool {
        // Pairs with the release store in `publish_summary`.
        self.summary.load(Acquire) & (class.bits() | SUMMARY_STEPPING) != 0
    }

    /// What signal senders (and the kernel's job-control code) ask: whether
    /// the signal classes `classes` must be queued and delivered as for a
    /// ptraced task, without the senders' short cuts. Only engines that
    /// intercept them say yes ([`Events::SIGNAL_OBSERVE`]): for ignored
    /// signals (the drop of `sig_ignored()`; a running step too, whose
    /// trap must be reported) and fatal ones (the group kill of
    /// `complete_signal()`, asked as `SIGNAL_TERM | SIGNAL_CORE`; a step
    /// needs no signal that kills the task). For the others, as
    /// [`Registry::wants_signal`]. Under siglock, maybe in interrupt
    /// context: reads [`Registry::summary`] only.
    pub(crate) fn defers_signals(&self, classes: Events) -> bool {
        let fatal = Events::SIGNAL_TERM.union(Events::SIGNAL_CORE);
        let judged = fatal.union(Events::SIGNAL_IGN);
        // Pairs with the release store in `publish_summary`.
        let summary = self.summary.load(Acquire);
        let others = classes.bits() & !judged.bits();
        (others != 0 && summary & (others | SUMMARY_STEPPING) != 0)
            || (classes.contains(Events::SIGNAL_IGN)
                && summary & (SUMMARY_IGN_INTERCEPT | SUMMARY_STEPPING) != 0)
            || (classes.intersects(fatal) && summary & SUMMARY_FATAL_INTERCEPT != 0)
    }

    /// The task's phase.
    #[cfg(CONFIG_UTRACE_KUNIT_TEST)]
    pub(crate) fn phase(&self) -> Phase {
        self.inner.lock().phase
    }
}
