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
use kernel::prelude::*;
use kernel::sync::{Arc, Mutex};

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
    closed: bool,
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
                    Slots { slots: KVec::new(), closed: false },
                    "utrace_session::inner"
                ),
            }),
            GFP_KERNEL,
        )
    }

    /// Adds an attached engine; returns its slot number. If the session
    /// is closed (`ESRCH`), full (`ENOSPC`) or memory runs out, the engine
    /// is detached again, as the slot is dropped.
    pub(crate) fn add(&self, slot: Slot) -> Result<usize> {
        let slot = Arc::new(slot, GFP_KERNEL)?;
        let mut inner = self.inner.lock();
        if inner.closed {
            return Err(ESRCH);
        }
        if inner.slots.len() >= MAX_SLOTS {
            return Err(ENOSPC);
        }
        inner.slots.push(slot, GFP_KERNEL)?;
        Ok(inner.slots.len() - 1)
    }

    /// Whether [`Session::add`] would find room: `ESRCH` once closed,
    /// `ENOSPC` when full (`add` checks again).
    pub(crate) fn check_room(&self) -> Result {
        let inner = self.inner.lock();
        if inner.closed {
            Err(ESRCH)
        } else if inner.slots.len() >= MAX_SLOTS {
            Err(ENOSPC)
        } else {
            Ok(())
        }
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
