// SPDX-License-Identifier: GPL-2.0

//! A session: the engines one `/dev/utrace` file attached, including those
//! that followed the traced program's children.
//!
//! The file owns the session; engines that follow children hold it too,
//! to add the engines they attach to a child. Closing the file ends the
//! session: every engine is detached, and later additions are refused.
//!
//! No lock is held while detaching or waiting in a barrier: a clone
//! callback adding to the session may be what the barrier waits for.

use super::strace::StraceEngine;
use super::vm::VmEngine;
use crate::engine_core::EngineHandle;
use core::mem::MaybeUninit;
use kernel::prelude::*;
use kernel::sync::{Arc, Mutex, UniqueArc};

/// Engines one session may hold (those attached through the file and
/// those that followed children).
pub(crate) const MAX_SLOTS: usize = 256;

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

struct Slots {
    slots: KVec<Arc<Slot>>,
    /// Room held by attaches in progress ([`Session::reserve`]).
    reserved: usize,
    closed: bool,
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
            return Err(ESRCH);
        }
        // `reserve` made room for every reservation: this cannot fail.
        let pushed = inner.slots.push_within_capacity(slot);
        match pushed {
            Ok(()) => Ok(inner.slots.len() - 1),
            Err(e) => {
                // Detached outside the lock, as everywhere.
                drop(inner);
                drop(e);
                Err(ENOMEM)
            }
        }
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
}

impl Session {
    /// A new, empty session.
    pub(crate) fn new() -> Result<Arc<Self>> {
        Arc::pin_init(
            pin_init!(Session {
                inner <- kernel::new_mutex!(
                    Slots { slots: KVec::new(), reserved: 0, closed: false },
                    "utrace_session::inner"
                ),
            }),
            // Lives as long as the file: charged to its opener.
            GFP_KERNEL_ACCOUNT,
        )
    }

    /// Holds room for one engine: `ESRCH` once the session is closed,
    /// `ENOSPC` when its engines and the rooms held already fill it,
    /// `ENOMEM`.
    pub(crate) fn reserve(&self) -> Result<Reservation<'_>> {
        let mem = UniqueArc::<Slot>::new_uninit(GFP_KERNEL_ACCOUNT)?;
        let mut inner = self.inner.lock();
        if inner.closed {
            return Err(ESRCH);
        }
        if inner.slots.len() + inner.reserved >= MAX_SLOTS {
            return Err(ENOSPC);
        }
        let room = inner.reserved + 1;
        inner.slots.reserve(room, GFP_KERNEL_ACCOUNT)?;
        inner.reserved = room;
        Ok(Reservation {
            session: self,
            mem: Some(mem),
        })
    }

    /// Adds an engine attached without a [`Reservation`]; returns its slot
    /// number. If the session is closed (`ESRCH`), full (`ENOSPC`) or
    /// memory runs out, the engine is detached again, as the slot is
    /// dropped.
    pub(crate) fn add(&self, slot: Slot) -> Result<usize> {
        self.reserve()?.add(slot)
    }

    /// The engine in slot `n`: `EINVAL` if there is none.
    pub(crate) fn get(&self, n: usize) -> Result<Arc<Slot>> {
        self.inner.lock().slots.get(n).cloned().ok_or(EINVAL)
    }

    /// Ends the session: detaches every engine and waits for their running
    /// callbacks. Later [`Session::add`]s are refused.
    pub(crate) fn close(&self) {
        let slots = {
            let mut inner = self.inner.lock();
            inner.closed = true;
            core::mem::take(&mut inner.slots)
        };
        for s in slots.iter() {
            // ESRCH only means it is detached already.
            let _ = s.detach();
        }
        for s in slots.iter() {
            // Only a signal interrupts it; the engine stays safe anyway.
            let _ = s.barrier();
        }
        // Dropped here, outside the lock.
        drop(slots);
    }
}
