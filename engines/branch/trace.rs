// SPDX-License-Identifier: GPL-2.0

//! Starting a branch trace on a task, for both ways in: `/dev/utrace-branch`
//! (`device.rs`) and the C API (`capi.rs`). The uapi's attach flags become
//! a [`Config`], the task is checked, the engine is made, attached and
//! started; the counters become the uapi's status.

use super::engine::{BranchEngine, Config, Status};
use super::ring::{Branch, Mode};
use crate::engine_core::{Attach, EngineHandle, Match};
use kernel::bindings;
use kernel::prelude::*;
use kernel::task::Task;

uapi_wrapper!(
    /// `struct utrace_branch_status`: the trace's counters.
    pub(super) StatusArgs(utrace_branch_status) {
        records, held, branches, overwritten, stops, steps, state, reserved, switches,
        switches_missed
    }
);
uapi_wrapper!(
    /// `struct utrace_branch`: one record as a reader gets it.
    pub(super) Record(utrace_branch) { from, to }
);

impl From<Branch> for Record {
    fn from(b: Branch) -> Self {
        Record(bindings::utrace_branch {
            from: b.from,
            to: b.to,
        })
    }
}

/// The attach flags the uapi defines.
const ATTACH_FLAGS: u32 = bindings::UTRACE_BRANCH_FLOW
    | bindings::UTRACE_BRANCH_FROM_EXEC
    | bindings::UTRACE_BRANCH_SCHED;

/// The trace `UTRACE_BRANCH_ATTACH`'s `flags` and `records` ask for:
/// `EINVAL` for an unknown flag, or as [`BranchEngine::check`].
pub(super) fn config(flags: u32, records: u64) -> Result<Config> {
    if flags & !ATTACH_FLAGS != 0 {
        return Err(EINVAL);
    }
    let config = Config {
        records,
        mode: if flags & bindings::UTRACE_BRANCH_FLOW != 0 {
            Mode::Flow
        } else {
            Mode::Overwrite
        },
        from_exec: flags & bindings::UTRACE_BRANCH_FROM_EXEC != 0,
        sched: flags & bindings::UTRACE_BRANCH_SCHED != 0,
        tracer: None,
    };
    BranchEngine::check(&config)?;
    Ok(config)
}

/// Starts a trace made as `config` says on `task`, which `attach` attaches
/// (with the caller's checks of the target). The errors, in order: `EPERM`
/// for the caller's own process; the engine's ([`BranchEngine::new`]);
/// `attach`'s (`EEXIST`: the task has a branch trace); `ESRCH` (the task died meanwhile) or `EOPNOTSUPP` (no single
/// step here) from the start. May sleep.
pub(super) fn start(
    task: &Task,
    config: Config,
    attach: impl FnOnce(&Task, Attach<'_, BranchEngine>) -> Result<EngineHandle<BranchEngine>>,
) -> Result<EngineHandle<BranchEngine>> {
    // A task of the caller's own process would wait for the caller in
    // guaranteed flow: refused, as ptrace refuses its own thread group.
    let current: &Task = kernel::current!();
    if task.tgid_nr_ns(None) == current.tgid_nr_ns(None) {
        return Err(EPERM);
    }
    let engine = BranchEngine::new(config)?;
    let request = Attach::new(engine.clone())
        .events(BranchEngine::events())
        .exclusive(Match::Type);
    let handle = attach(task, request)?;
    engine.watch_switches();
    if let Err(e) = engine.start(&handle) {
        let _ = handle.detach();
        // What the engine holds goes here, where sleeping is allowed,
        // not wherever engine-core lets go of the engine.
        engine.release_memory();
        return Err(e);
    }
    Ok(handle)
}

/// Ends a trace: the task runs on unstepped, one stopped for a drain goes
/// on, and the buffer and what the trace holds go at once. May sleep.
pub(super) fn end(handle: EngineHandle<BranchEngine>) {
    let _ = handle.detach();
    // A callback of the engine running now keeps the engine until the
    // task's next report, which may never come; its buffer and charge go
    // now. (Not a barrier: a callback reads the task's memory, whose
    // faults may wait for anything.)
    handle.engine().release_memory();
}

/// The counters as `UTRACE_BRANCH_STATUS` gives them.
pub(super) fn status(s: &Status) -> bindings::utrace_branch_status {
    let state = [
        (s.started, bindings::UTRACE_BRANCH_STARTED),
        (s.waiting, bindings::UTRACE_BRANCH_WAITING),
        (s.ended, bindings::UTRACE_BRANCH_ENDED),
    ]
    .iter()
    .filter(|(on, _)| *on)
    .fold(0, |state, (_, bit)| state | bit);
    bindings::utrace_branch_status {
        records: s.records,
        held: s.held,
        branches: s.branches,
        overwritten: s.lost,
        stops: s.stops,
        steps: s.steps,
        state,
        reserved: 0,
        switches: s.switches,
        switches_missed: s.switches_missed,
    }
}
