// SPDX-License-Identifier: GPL-2.0

//! engine-core: the per-task registry of tracing engines and its reports.
//!
//! An [`Engine`] is attached to a task with [`Attach`], which returns an
//! [`EngineHandle`] to control it: set its [`Events`], detach it, wait for a
//! running callback with a barrier, resume the task it stopped. The patched
//! kernel calls the hooks in `dispatch` at every syscall entry and exit of
//! a task that has engines; they report to the engines in the project's
//! defining order:
//!
//! - **syscall entry: reverse attach order** — the engine attached last is
//!   closest to user mode and sees the call as the program made it;
//! - **syscall exit: attach order** — the same engine sees the result last,
//!   as the program gets it;
//! - **every other event** (clone, exec, exit, death, reap, signal,
//!   job control, quiesce, breakpoint): attach order.
//!
//! A handle can also stop the task from outside, ask for a quiesce report
//! at its next safe point, and resume it, for one step if need be.
//!
//! `policy` holds these rules as pure functions; `registry` the state and
//! its locking (one spinlock per task, never held across a callback);
//! `task` and `helpers.c` the few touches of task_struct and pt_regs;
//! `switches` the log of a task's switches off its CPU, for engines that
//! record them.

pub mod access;
mod dispatch;
mod engine;
mod examine;
mod follow;
mod handle;
pub mod policy;
#[cfg(CONFIG_UPROBES)]
mod probe;
pub mod received;
mod registry;
mod report;
pub mod switches;
pub mod syscall_set;
mod task;
pub(crate) use task::current_syscall_work;
pub use task::{access_vm, fatal_signal_pending, pid_vnr};
pub mod user;
mod wait;

#[cfg(CONFIG_UTRACE_KUNIT_TEST)]
mod tests;

pub use engine::{AsAny, Engine, Events};
pub use examine::Examination;
pub use follow::{ChildAttach, Follow, Unfollowed};
pub use handle::{Attach, EngineHandle, Match};
pub use policy::{Disposition, Resume, SigHandler, SignalAction, SignalClass};
#[cfg(CONFIG_UPROBES)]
pub(crate) use probe::init as init_probes;
#[cfg(CONFIG_UPROBES)]
pub use probe::ProbeSubscription;
pub use registry::StopState;
pub use report::{
    Arg, BreakpointReport, CloneReport, DeathReport, DeathSignal, ExecReport, ExitReport,
    JobControl, ProbeKind, ProbeSite, SigInfoFields, SignalHandlerReport, SignalReport,
    SyscallEntry, SyscallExit, SyscallRegs, UntabledCall, VforkDoneReport, SYSCALL_ARGS,
};
pub use syscall_set::SyscallSet;
pub use wait::{cgroup_freezing, CallbackWait};
