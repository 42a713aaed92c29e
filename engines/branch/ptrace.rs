// SPDX-License-Identifier: GPL-2.0

//! The branch trace's ptrace requests, `PTRACE_BTS_*`: a tracer's trace of
//! its tracee, over the engine `/dev/utrace-branch` attaches. The ABI and
//! its rules are in `<linux/utrace_branch.h>` (patch 0034), the numbers in
//! `<linux/ptrace.h>`.
//!
//! ptrace-compat hands the requests over once the ptrace syscall checked
//! that the caller traces the tracee, which is stopped and frozen in its
//! stop. The trace is the tracee's branch-trace engine made for the caller
//! ([`BranchEngine::is_traced_for`]). Nothing here holds its handle: the
//! engine holds its own while attached, and lets go of it when the tracer
//! ends the trace, when the tracee dies, or at the tracee's first trap
//! after the tracer left. [`decode_config`] holds a configuration's rules,
//! as a pure function with the KUnit suite below.

use super::engine::{BranchEngine, Config};
use super::ring::Mode;
use super::trace::{self, Record, StatusArgs};
use crate::engine_core::{EngineHandle, Match};
use core::mem::size_of;
use kernel::bindings;
use kernel::ffi::c_long;
use kernel::prelude::*;
use kernel::sync::aref::ARef;
use kernel::task::Task;
use kernel::uaccess::{UserPtr, UserSlice};

uapi_wrapper!(
    /// `struct ptrace_bts_config`.
    ConfigArgs(ptrace_bts_config) { flags, reserved, records }
);

/// The configuration flags the uapi defines.
const CONFIG_FLAGS: u32 =
    bindings::PTRACE_BTS_O_TRACE | bindings::PTRACE_BTS_O_SCHED | bindings::PTRACE_BTS_O_STOP;

/// What a `PTRACE_BTS_CONFIG` asks for.
enum Configure {
    /// End the tracer's trace.
    Off,
    /// Start a trace made so (its tracer is not set yet).
    On(Config),
}

/// `ENODATA`, which the `kernel` crate does not name: the tracer has no
/// trace of the tracee.
fn enodata() -> Error {
    Error::from_errno(-(bindings::ENODATA as i32))
}

/// A `PTRACE_BTS_CONFIG`'s structure, judged: `EINVAL` for an unknown
/// flag; for `reserved` not 0; for a flag or a size given to end the
/// trace; for a buffer size [`BranchEngine::check`] refuses.
fn decode_config(c: &bindings::ptrace_bts_config) -> Result<Configure> {
    if c.flags & !CONFIG_FLAGS != 0 || c.reserved != 0 {
        return Err(EINVAL);
    }
    if c.flags & bindings::PTRACE_BTS_O_TRACE == 0 {
        return if c.flags == 0 && c.records == 0 {
            Ok(Configure::Off)
        } else {
            Err(EINVAL)
        };
    }
    let flow = c.flags & bindings::PTRACE_BTS_O_STOP != 0;
    let config = Config {
        records: c.records,
        mode: if flow { Mode::Flow } else { Mode::Overwrite },
        from_exec: false,
        sched: c.flags & bindings::PTRACE_BTS_O_SCHED != 0,
        tracer: None,
    };
    BranchEngine::check(&config)?;
    Ok(Configure::On(config))
}

/// The caller's trace of `tracee`: `ENODATA` if it has none.
fn find(tracee: &Task) -> Result<EngineHandle<BranchEngine>> {
    let tracer: &Task = kernel::current!();
    let mine = |e: &BranchEngine| e.is_traced_for(tracer);
    EngineHandle::find(tracee, Match::Data(&mine)).map_err(
        |e| {
            if e == ENOENT {
                enodata()
            } else {
                e
            }
        },
    )
}

/// Ends a trace of `tracee` whose tracer left it: the caller traces it
/// now. Such a trace would end at the tracee's next instruction anyway
/// (its tracer died: a detach ends it at once); refusing the caller's
/// until then would help nobody.
fn end_stale(tracee: &Task) {
    let tracer: &Task = kernel::current!();
    let stale = |e: &BranchEngine| e.has_tracer() && !e.is_traced_for(tracer);
    if let Ok(handle) = EngineHandle::find(tracee, Match::Data(&stale)) {
        trace::end(handle);
    }
}

/// The current task detaches from `tracee` (frozen in its stop): its trace
/// of it, if any, ends now. May sleep.
pub(crate) fn tracer_detaches(tracee: &Task) {
    if let Ok(handle) = find(tracee) {
        trace::end(handle);
    }
}

/// `len` bytes of the tracer's memory at `addr`.
fn user(addr: u64, len: usize) -> UserSlice {
    UserSlice::new(UserPtr::from_addr(addr as usize), len)
}

/// `PTRACE_BTS_CONFIG`: starts or ends the caller's trace of `tracee`.
/// The errors, in order: `EINVAL` (the size), `EFAULT`, `EINVAL` as
/// [`decode_config`]; to end one, `ENODATA`; to start one, as
/// [`trace::start`] (`EEXIST` if the tracee has a branch trace; the
/// charge's `EPERM` and `ENOMEM`).
fn configure(tracee: &Task, addr: u64, data: u64) -> Result {
    if data != size_of::<ConfigArgs>() as u64 {
        return Err(EINVAL);
    }
    let c: ConfigArgs = user(addr, size_of::<ConfigArgs>()).reader().read()?;
    match decode_config(&c)? {
        Configure::Off => {
            trace::end(find(tracee)?);
            Ok(())
        }
        Configure::On(mut config) => {
            end_stale(tracee);
            let tracer: &Task = kernel::current!();
            config.tracer = Some(ARef::from(tracer));
            // The handle goes: the engine holds its own while attached.
            trace::start(tracee, config, |task, request| request.attach_to_task(task)).map(|_| ())
        }
    }
}

/// `PTRACE_BTS_DRAIN`: takes up to `room` records, oldest first, into the
/// tracer's array at `addr`; how many. `EINVAL` for no room; `EFAULT` if
/// not even the first could be written.
fn drain(trace: &BranchEngine, addr: u64, room: u64) -> Result<usize> {
    if room == 0 {
        return Err(EINVAL);
    }
    // No more than the buffer can hold: the array's size fits a usize.
    let room = room.min(u64::from(bindings::UTRACE_BRANCH_MAX_RECORDS)) as usize;
    let mut out = user(addr, room * size_of::<Record>()).writer();
    let taken = trace.read(room, true, |batch| {
        batch
            .iter()
            .take_while(|b| out.write(&Record::from(**b)).is_ok())
            .count()
    });
    match taken {
        // Nothing held: none to take.
        Err(e) if e == EAGAIN => Ok(0),
        taken => taken,
    }
}

/// Whether `request` is one of the `PTRACE_BTS_*` requests.
pub(crate) fn is_bts(request: i64) -> bool {
    (i64::from(bindings::PTRACE_BTS_CONFIG)..=i64::from(bindings::PTRACE_BTS_DRAIN))
        .contains(&request)
}

/// Runs a `PTRACE_BTS_*` request of the current task on `tracee`, which
/// it traces, stopped and frozen in its stop; its non-negative result.
pub(crate) fn request(tracee: &Task, request: i64, addr: u64, data: u64) -> Result<c_long> {
    let Ok(request) = u32::try_from(request) else {
        return Err(EIO);
    };
    if request == bindings::PTRACE_BTS_CONFIG {
        return configure(tracee, addr, data).map(|()| 0);
    }
    let handle = find(tracee)?;
    let trace = handle.engine();
    match request {
        bindings::PTRACE_BTS_STATUS => {
            if data != size_of::<StatusArgs>() as u64 {
                return Err(EINVAL);
            }
            let out = StatusArgs(trace::status(&trace.status()));
            user(addr, size_of::<StatusArgs>()).writer().write(&out)?;
            Ok(0)
        }
        // At most UTRACE_BRANCH_MAX_RECORDS: fits a C long.
        bindings::PTRACE_BTS_SIZE => Ok(trace.status().held as c_long),
        bindings::PTRACE_BTS_GET => {
            let out = Record::from(trace.newest(data)?);
            user(addr, size_of::<Record>()).writer().write(&out)?;
            Ok(0)
        }
        bindings::PTRACE_BTS_CLEAR => trace.clear().map(|()| 0),
        // At most UTRACE_BRANCH_MAX_RECORDS: fits a C long.
        bindings::PTRACE_BTS_DRAIN => drain(trace, addr, data).map(|n| n as c_long),
        _ => Err(EIO),
    }
}

#[kunit_tests(utrace_branch_ptrace)]
mod tests {
    use super::*;

    fn config(flags: u32, reserved: u32, records: u64) -> Result<Configure> {
        decode_config(&bindings::ptrace_bts_config {
            flags,
            reserved,
            records,
        })
    }

    /// The configuration of a trace asked for; panics for `Off` or an error.
    fn on(flags: u32, records: u64) -> Config {
        match config(flags, 0, records) {
            Ok(Configure::On(c)) => c,
            _ => panic!("refused: {flags:#x} {records}"),
        }
    }

    const TRACE: u32 = bindings::PTRACE_BTS_O_TRACE;
    const SCHED: u32 = bindings::PTRACE_BTS_O_SCHED;
    const STOP: u32 = bindings::PTRACE_BTS_O_STOP;

    #[test]
    fn all_zero_ends_the_trace_and_nothing_else_does() {
        assert!(matches!(config(0, 0, 0), Ok(Configure::Off)));
        assert_eq!(config(0, 0, 16).err(), Some(EINVAL));
        assert_eq!(config(0, 1, 0).err(), Some(EINVAL));
        assert_eq!(config(SCHED, 0, 0).err(), Some(EINVAL));
        assert_eq!(config(STOP, 0, 0).err(), Some(EINVAL));
    }

    #[test]
    fn a_trace_is_a_ring_or_with_stop_a_flow_its_tracer_drains() {
        let c = on(TRACE, 16);
        assert_eq!((c.mode, c.records, c.sched), (Mode::Overwrite, 16, false));
        assert!(c.tracer.is_none() && !c.from_exec);
        assert!(on(TRACE | SCHED, 1).sched);
        let c = on(TRACE | STOP, 16);
        assert_eq!(c.mode, Mode::Flow);
    }

    #[test]
    fn reserved_unknown_flags_and_sizes_the_engine_refuses_are_einval() {
        assert_eq!(config(TRACE, 1, 16).err(), Some(EINVAL));
        assert_eq!(config(TRACE | 0x8, 0, 16).err(), Some(EINVAL));
        assert_eq!(config(1 << 31, 0, 0).err(), Some(EINVAL));
        assert_eq!(config(TRACE, 0, 0).err(), Some(EINVAL));
        let max = u64::from(bindings::UTRACE_BRANCH_MAX_RECORDS);
        assert!(matches!(config(TRACE, 0, max), Ok(Configure::On(_))));
        assert_eq!(config(TRACE, 0, max + 1).err(), Some(EINVAL));
        // A flow with scheduling records keeps room for a step's records.
        let min = u64::from(bindings::UTRACE_BRANCH_SCHED_FLOW_MIN);
        assert_eq!(config(TRACE | SCHED | STOP, 0, min - 1).err(), Some(EINVAL));
        assert!(matches!(
            config(TRACE | SCHED | STOP, 0, min),
            Ok(Configure::On(_))
        ));
    }
}
