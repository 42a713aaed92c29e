// SPDX-License-Identifier: GPL-2.0

//! The engine trait and the event mask: what an engine is to engine-core.
//!
//! An engine is any `Send + Sync` type implementing [`Engine`]; each
//! attachment of it to a task owns one instance (shared through an `Arc`
//! with the [`EngineHandle`](super::EngineHandle)s that control it). The
//! callbacks run in the traced task's own process context, one engine at a
//! time, with no lock held: they may sleep and may allocate.

use super::policy::Resume;
use super::report::{
    BreakpointReport, CloneReport, DeathReport, ExecReport, ExitReport, JobControl,
    SignalHandlerReport, SignalReport, SyscallEntry, SyscallExit, VforkDoneReport,
};
use core::any::Any;
use kernel::prelude::*;
use kernel::sync::Arc;
use kernel::task::Task;

/// A set of events an engine asks to be told about.
///
/// The bit values are utrace's (`UTRACE_EVENT(x)`), so that the C ABI can
/// pass them through unchanged; [`Events::from_bits`] accepts every event
/// engine-core reports.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct Events(u32);

impl Events {
    /// No events: the engine stays attached but is never called.
    pub const NONE: Events = Events(0);
    /// The task is at a safe point a handle asked for (a stop, an
    /// interrupt or a report request), reported in attach order.
    pub const QUIESCE: Events = Events(1 << 0);
    /// The dead task is reaped: reported, in the reaper's context, to the
    /// engines that asked (they stay attached past the death report until
    /// then), which are then detached.
    pub const REAP: Events = Events(1 << 1);
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
    /// A signal the task would run a handler for.
    pub const SIGNAL: Events = Events(1 << 8);
    /// A signal the task ignores (SIG_IGN, or ignored by default).
    pub const SIGNAL_IGN: Events = Events(1 << 9);
    /// A signal whose default action, taken, stops the thread group.
    pub const SIGNAL_STOP: Events = Events(1 << 10);
    /// A signal whose default action, taken, kills the process.
    pub const SIGNAL_TERM: Events = Events(1 << 11);
    /// A signal whose default action, taken, kills and dumps core.
    pub const SIGNAL_CORE: Events = Events(1 << 12);
    /// Every signal the task dequeues (but SIGKILL).
    pub const SIGNAL_ALL: Events = Events(0x1f << 8);
    /// The task is about to take part in a job-control stop, or was
    /// continued from one; reported in attach order.
    pub const JCTL: Events = Events(1 << 13);
    /// A vfork child the task waited for released its memory (exec'd or
    /// exited), reported in attach order.
    pub const VFORK_DONE: Events = Events(1 << 14);
    /// A modifier of [`Events::SIGNAL_IGN`], [`Events::SIGNAL_TERM`] and
    /// [`Events::SIGNAL_CORE`]: the engine observes those signals, it does
    /// not intercept them. The kernel then keeps its short cuts as for a
    /// task without engines: a signal the task ignores is dropped when it
    /// is sent, and a fatal signal a sender queues kills the whole group
    /// at once (`complete_signal()`), which also ends killable sleeps. The
    /// engine hears of such signals only when the task dequeues one (a
    /// fatal signal that was blocked when sent, say), and of the death in
    /// any case; what it answers for one is undone (it cannot hold, drop,
    /// edit or stop for it: whether it even sees it depends on the short
    /// cut). An engine that asks for [`Events::SIGNAL_IGN`] or
    /// [`Events::SIGNAL_TERM`] without this bit takes the short cuts away,
    /// as a ptrace tracer does: the task dequeues the signal and the
    /// engines decide, but a task in a killable sleep sleeps on
    /// (core-dumping signals have no short cut). Not utrace's (the C API
    /// refuses it).
    pub const SIGNAL_OBSERVE: Events = Events(1 << 15);
    /// The task hit a breakpoint the engine subscribed to
    /// ([`EngineHandle::probe`]): an instruction in a file, or the return
    /// from the function there. Reported in attach order, to the engines
    /// that subscribed for this task. Not utrace's (which left breakpoints
    /// to its engines).
    ///
    /// [`EngineHandle::probe`]: super::EngineHandle::probe
    pub const BREAKPOINT: Events = Events(1 << 16);
    /// After each quiesce report, at the task's next signal check, a
    /// signal report with no signal ([`SignalReport::is_made_up`]), in
    /// attach order: the engine may make a signal up
    /// ([`SignalReport::make_up`]), which is delivered at once, not
    /// queued, whatever the task blocks. utrace's `UTRACE_SIGNAL_REPORT`,
    /// which its C engines got with `UTRACE_EVENT(QUIESCE)` and a
    /// `report_signal` callback (the C API sets this bit for them).
    ///
    /// [`SignalReport::is_made_up`]: super::SignalReport::is_made_up
    /// [`SignalReport::make_up`]: super::SignalReport::make_up
    pub const SIGNAL_REPORT: Events = Events(1 << 17);

    /// Every event engine-core reports.
    pub const SUPPORTED: Events = Events(
        Self::QUIESCE.0
            | Self::REAP.0
            | Self::SYSCALL.0
            | Self::CLONE.0
            | Self::EXEC.0
            | Self::EXIT.0
            | Self::DEATH.0
            | Self::SIGNAL_ALL.0
            | Self::JCTL.0
            | Self::VFORK_DONE.0
            | Self::SIGNAL_OBSERVE.0
            | Self::BREAKPOINT.0
            | Self::SIGNAL_REPORT.0,
    );

    /// The mask from its raw bits; `EINVAL` for a bit engine-core does not
    /// report (the mask is refused whole, nothing is changed).
    pub fn from_bits(bits: u32) -> Result<Events> {
        if bits & !Self::SUPPORTED.0 != 0 {
            return Err(EINVAL);
        }
        Events(bits).check()
    }

    /// The set, if an engine may ask for it: `EINVAL` for
    /// [`Events::SIGNAL_REPORT`] with [`Events::SIGNAL_OBSERVE`] (an
    /// observer changes no signal, and makes none up).
    pub fn check(self) -> Result<Events> {
        match self.contains(Self::SIGNAL_OBSERVE.union(Self::SIGNAL_REPORT)) {
            true => Err(EINVAL),
            false => Ok(self),
        }
    }

    /// The events of `bits` that engine-core reports, the others dropped.
    pub(crate) const fn from_raw(bits: u32) -> Events {
        Events(bits & Self::SUPPORTED.0)
    }

    /// Both sets of events.
    pub const fn union(self, other: Events) -> Events {
        Events(self.0 | other.0)
    }

    /// The raw bits.
    pub const fn bits(self) -> u32 {
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
pub trait Engine: AsAny + Send + Sync + 'static {
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

    /// The vfork child `done.child_pid()` released the task's memory (it
    /// exec'd or exited), and the task, which waited for it since its
    /// clone report, goes on. Called in attach order, with a tracer's
    /// vfork-done stop at its place among the engines.
    fn report_vfork_done(&self, _task: &Task, _done: &VforkDoneReport) -> Resume {
        Resume::Resume
    }

    /// The task is exiting with `exit.code()`. Called in attach order;
    /// each engine sees the code the engines before it left and may change
    /// it with [`ExitReport::set_code`]. The task makes no more syscalls.
    fn report_exit(&self, _task: &Task, _exit: &mut ExitReport) -> Resume {
        Resume::Resume
    }

    /// The task is dead. Called in attach order; then every engine is
    /// detached, but those that asked for [`Events::REAP`], which stay
    /// until the task is reaped.
    fn report_death(&self, _task: &Task, _death: &DeathReport) {}

    /// The task dequeued a signal: `signal` tells which, under which
    /// `Events::SIGNAL*` class, and what the engines before chose to do
    /// with it. Called in attach order, after ptrace's signal stop; the
    /// last engine called decides ([`SignalReport::set_action`],
    /// [`SignalReport::hold`], and the handler it is delivered with,
    /// [`SignalReport::set_handler`]). SIGKILL is never reported.
    ///
    /// With [`Events::SIGNAL_REPORT`], also called with no signal after a
    /// quiesce report ([`SignalReport::is_made_up`]): the engine may make
    /// one up ([`SignalReport::make_up`]).
    fn report_signal(&self, _task: &Task, _signal: &mut SignalReport<'_>) -> Resume {
        Resume::Resume
    }

    /// The task has just entered a signal handler: its frame is set up and
    /// its registers are the handler's first instruction (utrace's
    /// `UTRACE_SIGNAL_HANDLER`). Called, in attach order, for engines with
    /// [`Events::SIGNAL`] (handled signals), and for those whose step the
    /// kernel turned off to enter the handler
    /// ([`SignalHandlerReport::stepped`]: the step ends here, with no trap).
    /// [`Resume::Stop`] stops the task there, where a step may start.
    ///
    /// [`SignalHandlerReport::stepped`]: super::SignalHandlerReport::stepped
    fn report_signal_handler(&self, _task: &Task, _handler: &SignalHandlerReport<'_>) -> Resume {
        Resume::Resume
    }

    /// The task is about to take part in a job-control (group) stop, or
    /// was just continued from one. Called in attach order.
    fn report_jctl(&self, _task: &Task, _what: JobControl) -> Resume {
        Resume::Resume
    }

    /// The task is at a safe point a handle asked for
    /// ([`EngineHandle::stop`], [`EngineHandle::interrupt`],
    /// [`EngineHandle::request_report`]): between two instructions of its
    /// program, with its registers saved. Called in attach order.
    ///
    /// [`EngineHandle::stop`]: super::EngineHandle::stop
    /// [`EngineHandle::interrupt`]: super::EngineHandle::interrupt
    /// [`EngineHandle::request_report`]: super::EngineHandle::request_report
    fn report_quiesce(&self, _task: &Task) -> Resume {
        Resume::Resume
    }

    /// The task hit a breakpoint the engine subscribed to for it
    /// ([`EngineHandle::probe`]): `hit` tells which (file, offset, entry or
    /// return) and gives the registers, which the engine may change (the
    /// arguments at an entry, the return value at a return); the engines
    /// after it see the change. Called in attach order.
    ///
    /// It runs inside the kernel's uprobe handler, in a tasks-trace RCU
    /// read section: it may sleep a moment (fault in memory, take a mutex)
    /// but must not wait for user space, which would hold up every
    /// uprobe's unregistration. [`Resume::Stop`] is the way to wait: the
    /// task parks once the handler returns, before the probed instruction
    /// runs (engines with [`Events::QUIESCE`] hear of the stop first).
    ///
    /// [`EngineHandle::probe`]: super::EngineHandle::probe
    fn report_breakpoint(&self, _task: &Task, _hit: &mut BreakpointReport<'_>) -> Resume {
        Resume::Resume
    }

    /// The dead task is reaped. Called in the reaper's context (not the
    /// task's), maybe under locks of the reaper's: it must not sleep long
    /// or attach engines. The engine is detached next.
    fn report_reap(&self, _task: &Task) {}

    /// The engine was just detached (by a handle, by its own
    /// [`Resume::Detach`], or by the task's death). Called once, by the
    /// task that detached it, with no lock held; no new callback starts
    /// after this, though one may still be finishing on the traced task.
    fn detached(&self) {}

    /// One of the engine's attachments is detached and idle: none of its
    /// callbacks on that task runs now or will run again, and the
    /// attachment lets go of its reference to the engine. Called once per
    /// attachment (an inherited engine has one per task), with no lock
    /// held: by the detach if no callback of the engine was running then,
    /// else by the first [`EngineHandle::barrier`] that waited for it
    /// (never, if nobody waits: the attachment then keeps the engine until
    /// the task lets go of it, at its next report or its death). It may
    /// come before [`Engine::detached`] has returned, from another thread.
    ///
    /// [`EngineHandle::barrier`]: super::EngineHandle::barrier
    fn retired(&self) {}

    /// The task has finished a syscall (or had it aborted).
    ///
    /// Called in attach order: the engine attached last sees the result
    /// last, as the program will get it.
    fn report_syscall_exit(&self, _task: &Task, _call: &mut SyscallExit<'_>) -> Resume {
        Resume::Resume
    }
}

/// An engine as [`Any`], for engine-core's downcast. Every `'static` type
/// has it; an engine does not implement it itself.
///
/// (Not trait upcasting from `dyn Engine` to `dyn Any`: that needs Rust
/// 1.86, and the kernel builds with 1.85.)
pub trait AsAny {
    /// `self`, as [`Any`].
    fn as_any(&self) -> &dyn Any;
}

// Only for sized types: `dyn Engine` itself does not get it, so a call on
// one goes through its vtable to the engine's own type.
impl<T: Any> AsAny for T {
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// `engine` as its concrete type, if it is an `E`: the one checked
/// downcast, safe.
pub(crate) fn downcast<E: Engine>(engine: &Arc<dyn Engine>) -> Option<&E> {
    // `(**engine)`, the `dyn Engine`: `engine.as_any()` would be the
    // `Arc`'s own, which is not an `E`.
    let engine: &dyn Engine = &**engine;
    engine.as_any().downcast_ref::<E>()
}
