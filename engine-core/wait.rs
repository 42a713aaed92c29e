// SPDX-License-Identifier: GPL-2.0

//! A wait inside a callback, as engine-core's own stops wait.
//!
//! Callbacks run in the traced task's context and may sleep: an engine
//! whose decision comes from elsewhere (a user-space monitor, say) can
//! wait for it at its own place in the order, before the engines after it
//! are called. [`CallbackWait`] is that sleep, the kind a stop is: only
//! SIGKILL ends it, the freezer (suspend, cgroup v1 and v2) freezes the
//! task in it, and it is not counted in the load average. No engine-core
//! lock is held while a callback runs, so nothing else waits for it.

use super::task::{new_wait_queue, wait_until, wake_all, Sleep};
use kernel::bindings;
use kernel::prelude::*;
use kernel::types::Opaque;

/// A wait queue a callback sleeps on until its engine's condition holds.
#[pin_data]
pub struct CallbackWait {
    #[pin]
    wq: Opaque<bindings::wait_queue_head>,
}

// SAFETY: a wait queue head is made to be shared: every access goes through
// the kernel's wait-queue API, under the head's own spinlock, from any task.
unsafe impl Send for CallbackWait {}
// SAFETY: as above.
unsafe impl Sync for CallbackWait {}

impl CallbackWait {
    /// A wait queue nobody waits on.
    pub fn new() -> impl PinInit<Self> {
        pin_init!(CallbackWait {
            wq <- new_wait_queue(),
        })
    }

    /// Sleeps, as a stop does, until `done()` holds: `true` then, `false`
    /// if SIGKILL ended the sleep first (at a syscall entry, the engine
    /// then skips the call with [`SyscallEntry::skip`], so that no engine
    /// after it runs a call nobody approved).
    ///
    /// `done` runs after the task state is set: it may take a spinlock or
    /// read an atomic, never sleep. The side that makes it hold calls
    /// [`CallbackWait::wake`] after.
    ///
    /// [`SyscallEntry::skip`]: super::SyscallEntry::skip
    pub fn wait(&self, done: impl Fn() -> bool) -> bool {
        wait_until(&self.wq, Sleep::Stop, done)
    }

    /// Wakes every task in [`CallbackWait::wait`] to look at its condition
    /// again (a full barrier when one is woken, as `wake_up()`).
    pub fn wake(&self) {
        wake_all(&self.wq);
    }
}

/// Whether the cgroup v2 freezer is freezing the current task. A task
/// waiting in a [`CallbackWait`] counts as frozen for it, as a stop does;
/// a callback that would leave its wait for work other than its answer (a
/// monitor's request) leaves that work for after the thaw, which wakes the
/// task to look again. The v1 freezer and suspend freeze the sleep itself.
pub fn cgroup_freezing() -> bool {
    // SAFETY: the helper only reads the current task's job-control flags.
    unsafe { bindings::utrace_helper_cgroup_freezing() }
}
