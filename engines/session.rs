// SPDX-License-Identifier: GPL-2.0

//! A session: the engines one `/dev/utrace` file attached, including those
//! that followed the traced program's children.
//!
//! The file owns the session; engines that follow children hold it too,
//! to add the engines they attach to a child. Closing the file ends the
//! session: every engine is detached, and later additions are refused.
//!
//! Each engine has a slot, whose number `UTRACE_DETACH_ENGINE` takes. A slot is
//! given back when its engine is detached through the file, and, at the
//! next attach, when its engine was detached otherwise (its task died;
//! the following engines note it): the limit counts engines not detached,
//! so a session may trace any number of short-lived children, and keeps
//! no memory for the dead ones. A slot number holds its entry's
//! generation: a number given back names no engine (`ESRCH`), even once
//! its entry holds another one.
//!
//! No lock is held while detaching or waiting in a barrier: a clone
//! callback adding to the session may be what the barrier waits for.

use super::strace::StraceEngine;
use super::vm::VmEngine;
use crate::engine_core::EngineHandle;
use core::mem::MaybeUninit;
use kernel::prelude::*;
use kernel::sync::atomic::{AtomicFlag, Relaxed};
use kernel::sync::{Arc, Mutex, UniqueArc};

/// Engines a session holds at once unless `UTRACE_SET_MAX_ENGINES` says
/// otherwise (those attached through the file and those that followed
/// children, detached ones not counted).
pub(crate) const DEFAULT_MAX_ENGINES: usize = 1024;
/// The largest limit `UTRACE_SET_MAX_ENGINES` accepts. The slot table it
/// bounds (16 bytes an entry, in a `KVVec`, charged to the file's opener)
/// stays under 512 KiB.
pub(crate) const MAX_ENGINES_LIMIT: usize = 16384;

/// A slot number is its entry's index plus its generation times this
/// (the indexes stay under `MAX_ENGINES_LIMIT` plus the reservations).
const ID_STRIDE: usize = 1 << 15;
/// Generations wrap here, so that every slot number fits in an `int`.
const GENERATIONS: usize = 1 << 16;

/// An engine of the session. Dropping it detaches the engine: a session
/// never leaves behind an engine it no longer holds.
pub(crate) enum Slot {
    /// An strace engine.
    Strace(EngineHandle<StraceEngine>),
    /// A VM engine.
    Vm(EngineHandle<VmEngine>),
}

impl Slot {
    /// Detaches the engine: `ESRCH` if it was detached already.
    pub(crate) fn detach(&self) -> Result {
        match self {
            Slot::Strace(h) => h.detach(),
            Slot::Vm(h) => h.detach(),
        }
    }

    /// Whether the engine is detached (by anyone, or at its task's death).
    pub(crate) fn is_detached(&self) -> bool {
        match self {
            Slot::Strace(h) => h.is_detached(),
            Slot::Vm(h) => h.is_detached(),
        }
    }

    /// Waits for a running callback of the engine.
    pub(crate) fn barrier(&self) -> Result {
        match self {
            Slot::Strace(h) => h.barrier(),
            Slot::Vm(h) => h.barrier(),
        }
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        // ESRCH only means it is detached already.
        let _ = self.detach();
    }
}

/// One entry of the slot table.
struct Entry {
    /// The engine; `None` once its slot was given back.
    slot: Option<Arc<Slot>>,
    /// How many times the entry was given out before (modulo
    /// `GENERATIONS`): part of the slot number, so that the number of a
    /// slot given back does not name the entry's next engine.
    generation: usize,
}

impl Entry {
    /// The slot number of the entry at `index`.
    fn id(&self, index: usize) -> usize {
        self.generation * ID_STRIDE + index
    }
}

/// The session's state, under [`Session::inner`].
///
/// # Invariants
///
/// - `held` is the number of entries whose `slot` is `Some`.
/// - Every reservation can be added: `entries.len() - held` (free
///   entries) plus the spare capacity of `entries` is at least `reserved`.
struct Slots {
    /// The slot table, by index. It grows (new indexes, generation 0) up
    /// to `max` entries before any entry is reused, and entries are reused
    /// in turn from `cursor`: a number given back comes back only after
    /// `GENERATIONS` turns of the whole table.
    entries: KVVec<Entry>,
    /// Entries whose `slot` is `Some`: engines not known to be detached.
    held: usize,
    /// Room held by attaches in progress ([`Session::reserve`]).
    reserved: usize,
    /// Where the search for a free entry to reuse starts.
    cursor: usize,
    /// The most engines held at once.
    max: usize,
    closed: bool,
}

impl Slots {
    /// Gives back the slots of engines detached meanwhile (their task
    /// died): how many. Their `Slot`s are dropped here, under the lock,
    /// which is safe because their engines are detached already: the drop
    /// only finds that out under the registry's spinlock, and frees.
    fn reclaim(&mut self) -> usize {
        let mut freed = 0;
        for e in self.entries.iter_mut() {
            if e.slot.as_ref().is_some_and(|s| s.is_detached()) {
                e.slot = None;
                freed += 1;
            }
        }
        self.held -= freed;
        freed
    }

    /// Puts `slot` in an entry: a new one while the table is under `max`
    /// and has the capacity `reserve` made (or has no free entry), else the
    /// next free one from `cursor`, in its next generation. Its slot
    /// number; `None` if there is no room (never, by the invariants).
    fn insert(&mut self, slot: Arc<Slot>) -> Option<usize> {
        let len = self.entries.len();
        let free = len - self.held;
        if len < self.entries.capacity() && (len < self.max || free == 0) {
            let entry = Entry {
                slot: Some(slot),
                generation: 0,
            };
            self.entries.push_within_capacity(entry).ok()?;
            self.held += 1;
            return Some(len);
        }
        let start = self.cursor.min(len);
        let index =
            Iterator::chain(start..len, 0..start).find(|&i| self.entries[i].slot.is_none())?;
        let e = &mut self.entries[index];
        e.generation = (e.generation + 1) % GENERATIONS;
        e.slot = Some(slot);
        self.held += 1;
        self.cursor = index + 1;
        Some(e.id(index))
    }
}

/// Room for one engine in a [`Session`], held from before the engine is
/// attached until [`Reservation::add`]: an attach finds the session full
/// before it attaches anything, and nothing can fail once it has
/// attached. Dropped unused, it gives the room back.
pub(crate) struct Reservation<'a> {
    session: &'a Session,
    /// The slot's memory; `None` once added.
    mem: Option<UniqueArc<MaybeUninit<Slot>>>,
}

impl Reservation<'_> {
    /// Adds the engine attached with this room; returns its slot number.
    /// `ESRCH` only if the session was closed meanwhile: the engine is
    /// detached again, as the slot is dropped.
    pub(crate) fn add(mut self, slot: Slot) -> Result<usize> {
        let Some(mem) = self.mem.take() else {
            return Err(EINVAL);
        };
        let slot: Arc<Slot> = mem.write(slot).into();
        let mut inner = self.session.inner.lock();
        inner.reserved -= 1;
        if inner.closed {
            // The slot is dropped after the guard: detached outside the lock.
            return Err(ESRCH);
        }
        // INVARIANT: `reserve` left room for this reservation.
        inner.insert(slot).ok_or(ENOMEM)
    }
}

impl Drop for Reservation<'_> {
    fn drop(&mut self) {
        if self.mem.is_some() {
            self.session.inner.lock().reserved -= 1;
        }
    }
}

/// The engines of one control file.
#[pin_data]
pub(crate) struct Session {
    #[pin]
    inner: Mutex<Slots>,
    /// An engine of the session was detached since `reserve` last looked
    /// ([`Session::note_detached`]).
    detached: AtomicFlag,
}

impl Session {
    /// A new, empty session.
    pub(crate) fn new() -> Result<Arc<Self>> {
        Arc::pin_init(
            pin_init!(Session {
                inner <- kernel::new_mutex!(
                    Slots {
                        entries: KVVec::new(),
                        held: 0,
                        reserved: 0,
                        cursor: 0,
                        max: DEFAULT_MAX_ENGINES,
                        closed: false,
                    },
                    "utrace_session::inner"
                ),
                detached: AtomicFlag::new(false),
            }),
            // Lives as long as the file: charged to its opener.
            GFP_KERNEL_ACCOUNT,
        )
    }

    /// Holds room for one engine: `ESRCH` once the session is closed,
    /// `ENOSPC` when the engines it holds and the rooms held already reach
    /// its limit (after giving back the slots of engines detached since),
    /// `ENOMEM`.
    pub(crate) fn reserve(&self) -> Result<Reservation<'_>> {
        let mem = UniqueArc::<Slot>::new_uninit(GFP_KERNEL_ACCOUNT)?;
        let mut inner = self.inner.lock();
        if inner.closed {
            return Err(ESRCH);
        }
        // Engines of the session detached since the last look (a task of
        // the traced program died): give their slots back now, so that
        // the memory of dead tasks' engines is not kept. Relaxed: a note
        // seen late only delays this to the next reserve, or to the limit.
        let noted = self.detached.xchg(false, Relaxed);
        if noted || inner.held + inner.reserved >= inner.max {
            inner.reclaim();
        }
        if inner.held + inner.reserved >= inner.max {
            return Err(ENOSPC);
        }
        // INVARIANT: room for one more reservation, in a free entry or in
        // spare capacity, growing the table only up to `max`.
        // With `held + reserved + 1 <= max`: spare capacity for
        // `min(reserved + 1, max - len)` entries, plus the `len - held`
        // free ones, covers `reserved + 1`.
        let len = inner.entries.len();
        if len < inner.max {
            let want = (inner.reserved + 1).min(inner.max - len);
            inner.entries.reserve(want, GFP_KERNEL_ACCOUNT)?;
        }
        inner.reserved += 1;
        drop(inner);
        Ok(Reservation {
            session: self,
            mem: Some(mem),
        })
    }

    /// Notes that an engine of the session was detached (its task died):
    /// the next [`Session::reserve`] gives back the slots of detached
    /// engines. Any context; takes no lock.
    pub(crate) fn note_detached(&self) {
        self.detached.store(true, Relaxed);
    }

    /// The engine with slot number `id`: `EINVAL` if no engine ever had
    /// it, `ESRCH` if its slot was given back.
    pub(crate) fn get(&self, id: usize) -> Result<Arc<Slot>> {
        let (index, generation) = (id % ID_STRIDE, id / ID_STRIDE);
        let inner = self.inner.lock();
        let e = inner.entries.get(index).ok_or(EINVAL)?;
        if generation > e.generation {
            return Err(EINVAL);
        }
        match &e.slot {
            Some(slot) if generation == e.generation => Ok(slot.clone()),
            _ => Err(ESRCH),
        }
    }

    /// Gives back slot `id`, whose engine `slot` is detached: the number
    /// names no engine from now on, and the room is free.
    pub(crate) fn release(&self, id: usize, slot: &Arc<Slot>) {
        let index = id % ID_STRIDE;
        let taken = {
            let mut inner = self.inner.lock();
            let taken = inner
                .entries
                .get_mut(index)
                .filter(|e| e.id(index) == id)
                .filter(|e| e.slot.as_ref().is_some_and(|s| Arc::ptr_eq(s, slot)))
                .and_then(|e| e.slot.take());
            if taken.is_some() {
                inner.held -= 1;
            }
            taken
        };
        // Dropped here, outside the lock.
        drop(taken);
    }

    /// Sets the most engines the session holds at once: `EINVAL` outside
    /// 1..=`MAX_ENGINES_LIMIT`. Engines held beyond a lowered limit stay;
    /// attaches fail until enough of them are detached.
    pub(crate) fn set_max(&self, max: usize) -> Result {
        if !(1..=MAX_ENGINES_LIMIT).contains(&max) {
            return Err(EINVAL);
        }
        self.inner.lock().max = max;
        Ok(())
    }

    /// The most engines the session holds at once.
    pub(crate) fn max(&self) -> usize {
        self.inner.lock().max
    }

    /// Whether the session was ended ([`Session::close`]).
    pub(crate) fn is_closed(&self) -> bool {
        self.inner.lock().closed
    }

    /// Ends the session: detaches every engine and waits for their running
    /// callbacks. Later [`Session::reserve`]s get `ESRCH`, and so do the
    /// [`Reservation::add`]s of rooms held before.
    pub(crate) fn close(&self) {
        let entries = {
            let mut inner = self.inner.lock();
            inner.closed = true;
            inner.held = 0;
            core::mem::take(&mut inner.entries)
        };
        let slots = || entries.iter().filter_map(|e| e.slot.as_ref());
        for s in slots() {
            // ESRCH only means it is detached already.
            let _ = s.detach();
        }
        for s in slots() {
            // Only a signal interrupts it; the engine stays safe anyway.
            let _ = s.barrier();
        }
        // Dropped here, outside the lock.
        drop(entries);
    }
}
