// SPDX-License-Identifier: GPL-2.0

//! The engine trait and the event mask: what an engine is to engine-core.
//!
//! An engine is any `Send + Sync` type implementing [`Engine`]; each
//! attachment of it to a task owns one instance (shared through an `Arc`
//! with the [`EngineHandle`](super::EngineHandle)s that control it). The
//! callbacks run in the traced task's own process context, one engine at a
//! time, with no lock held: they may sleep and may allocate.

use super::policy::Resume;
use super::report::{CloneReport, DeathReport, ExecReport, ExitReport, SyscallEntry, SyscallExit};
use kernel::prelude::*;
use kernel::task::Task;

/// A set of events an engine asks to be told about.
///
/// The bit values are utrace's (`UTRACE_EVENT(x)`), so that the C ABI can
/// pass them through unchanged. Only the events engine-core reports today
/// are accepted by [`Events::from_bits`].
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct Events(u32);

impl Events {
    /// No events: the engine stays attached but is never called.
    pub const NONE: Events = Events(0);
    /// The task created a task (process or thread), reported in attach
    /// order before the child first runs.
    pub const CLONE: Events = Events(1 << 2);
    /// The task runs a new program (a successful execve), reported in
    /// attach order.
    pub const EXEC: Events = Events(1 << 3);
    /// The task is exiting, reported in attach order; the exit code may be
    /// edited.
    pub const EXIT: Events = Events(1 << 4);
    /// The task is dead, reported in attach order just before its engines
    /// are detached.
    pub const DEATH: Events = Events(1 << 5);
    /// Syscall entry, reported in reverse attach order.
    pub const SYSCALL_ENTRY: Events = Events(1 << 6);
    /// Syscall exit, reported in attach order.
    pub const SYSCALL_EXIT: Events = Events(1 << 7);
    /// Both sides of every syscall.
    pub const SYSCALL: Events = Events(Self::SYSCALL_ENTRY.0 | Self::SYSCALL_EXIT.0);

    /// Every event engine-core can report today.
    pub const SUPPORTED: Events =
        Events(Self::SYSCALL.0 | Self::CLONE.0 | Self::EXEC.0 | Self::EXIT.0 | Self::DEATH.0);

    /// The mask from its raw bits; `EINVAL` for a bit engine-core does not
    /// report (the mask is refused whole, nothing is changed).
    pub fn from_bits(bits: u32) -> Result<Events> {
        if bits & !Self::SUPPORTED.0 != 0 {
            return Err(EINVAL);
        }
        Ok(Events(bits))
    }

    /// Both sets of events.
    pub const fn union(self, other: Events) -> Events {
        Events(self.0 | other.0)
    }

    /// The raw bits.
    pub fn bits(self) -> u32 {
        self.0
    }

    /// Whether every event of `other` is in `self`.
    pub fn contains(self, other: Events) -> bool {
        self.0 & other.0 == other.0
    }

    /// Whether `self` and `other` share an event.
    pub fn intersects(self, other: Events) -> bool {
        self.0 & other.0 != 0
    }
}

impl core::ops::BitOr for Events {
    type Output = Events;
    fn bitor(self, rhs: Events) -> Events {
        Events(self.0 | rhs.0)
    }
}

/// A tracing engine: callbacks for the events of the tasks it is attached to.
///
/// Every callback has a default that lets the event pass untouched, so an
/// engine implements only what it asks for in its [`Events`] mask. Each
/// callback gets the traced task (always `current`) and returns the
/// [`Resume`] action it wants; see [`combine_resume`] for how the answers of
/// several engines combine.
///
/// [`combine_resume`]: super::policy::combine_resume
pub trait Engine: Send + Sync + 'static {
    /// The task is about to run a syscall.
    ///
    /// Called in reverse attach order: the engine attached last sees the
    /// call first, as the program made it. `call` shows the registers as
    /// the engines called before left them, and the disposition they chose;
    /// the last engine called decides whether the syscall runs.
    fn report_syscall_entry(&self, _task: &Task, _call: &mut SyscallEntry<'_>) -> Resume {
        Resume::Resume
    }

    /// The task created `clone.child()`, which has not run yet.
    ///
    /// Called in attach order. An engine that wants the child traced too
    /// attaches to it here (a new instance of itself, or another engine):
    /// attached before the child runs, it misses nothing. The child
    /// starts with no engines otherwise.
    fn report_clone(&self, _task: &Task, _clone: &CloneReport<'_>) -> Resume {
        Resume::Resume
    }

    /// The task runs a new program: `exec.path()` is the name it was
    /// executed by. Called in attach order, before a tracer's exec stop.
    fn report_exec(&self, _task: &Task, _exec: &ExecReport<'_>) -> Resume {
        Resume::Resume
    }

    /// The task is exiting with `exit.code()`. Called in attach order;
    /// each engine sees the code the engines before it left and may change
    /// it with [`ExitReport::set_code`]. The task makes no more syscalls.
    fn report_exit(&self, _task: &Task, _exit: &mut ExitReport) -> Resume {
        Resume::Resume
    }

    /// The task is dead. Called in attach order, then every engine is
    /// detached (the answer does not matter: none can keep it).
    fn report_death(&self, _task: &Task, _death: &DeathReport) {}

    /// The engine was just detached (by a handle, by its own
    /// [`Resume::Detach`], or by the task's death). Called once, by the
    /// task that detached it, with no lock held; no new callback starts
    /// after this, though one may still be finishing on the traced task.
    fn detached(&self) {}

    /// The task has finished a syscall (or had it aborted).
    ///
    /// Called in attach order: the engine attached last sees the result
    /// last, as the program will get it.
    fn report_syscall_exit(&self, _task: &Task, _call: &mut SyscallExit<'_>) -> Resume {
        Resume::Resume
    }
}
