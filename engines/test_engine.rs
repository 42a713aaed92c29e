// SPDX-License-Identifier: GPL-2.0

//! The test engine: logs the syscalls it is told about, and acts on one.
//!
//! What it does is one of `enum utrace_test_kind` (uapi/linux/utrace_test.h):
//! only log, rewrite an argument at entry, abort the call at entry, set the
//! result at exit, let an aborted call run, or take its time (dwell). The log is shared by all the
//! engines of one open `/dev/utrace-test` file, so a test reads the order in
//! which several engines saw a call.

use crate::engine_core::EngineHandle;
use crate::engine_core::{
    policy::{check_made_up_signal, SigHandler, SignalAction, SIGNAL_HOLD, SIGNAL_MASK},
    Arg, BreakpointReport, CloneReport, DeathReport, Engine, Events, ExecReport, ExitReport,
    JobControl, ProbeKind, Resume, SignalHandlerReport, SignalReport, SyscallEntry, SyscallExit,
    VforkDoneReport, SYSCALL_ARGS,
};
use kernel::bindings;
use kernel::prelude::*;
use kernel::sync::atomic::{Atomic, AtomicFlag, Relaxed};
use kernel::sync::{Arc, Mutex};
use kernel::task::Task;

/// The longest [`STOP_DELAY_MS`] one can arm, in milliseconds.
pub(crate) const MAX_STOP_DELAY_MS: usize = 10_000;

/// Race tests of engine-core's stops (`UTRACE_TEST_STOP_DELAY`): the next
/// [`Action::Stop`] callback logs its record, then sleeps this long (ms)
/// before it answers `Stop`. One callback only; 0: none.
pub(crate) static STOP_DELAY_MS: Atomic<u32> = Atomic::new(0);

/// The longest [`DEATH_DELAY_MS`] one can arm, in milliseconds.
pub(crate) const MAX_DEATH_DELAY_MS: usize = 10_000;

/// Race tests of the death report (`UTRACE_TEST_DEATH_DELAY`): the next
/// death callback of a test engine logs its record, then sleeps this long
/// (ms) before it returns, while the engines after it wait for their turn.
/// One callback only; 0: none.
pub(crate) static DEATH_DELAY_MS: Atomic<u32> = Atomic::new(0);

/// Sleeps the delay armed in `armed`, if any, and disarms it (once).
fn delay_once(armed: &Atomic<u32>) {
    let ms = armed.xchg(0, Relaxed);
    if ms != 0 {
        kernel::time::delay::fsleep(kernel::time::Delta::from_millis(i64::from(ms)));
    }
}

/// Sleeps the armed [`STOP_DELAY_MS`], if any (once).
fn stop_delay() {
    delay_once(&STOP_DELAY_MS);
}

/// An engine's handle on itself, for `UTRACE_TEST_BARRIER_IN_REAP`: set by
/// the device after the attach, dropped at the reap report or when the
/// engine is detached (it would otherwise keep the engine alive forever).
pub(crate) type OwnHandle = Mutex<Option<EngineHandle<TestEngine>>>;

/// Records kept before new ones are dropped (and counted).
pub(crate) const LOG_CAPACITY: usize = 1024;

/// `struct utrace_test_record`, readable as bytes.
#[repr(transparent)]
#[derive(Clone, Copy, Default)]
pub(crate) struct Record(pub(crate) bindings::utrace_test_record);

// SAFETY: `struct utrace_test_record` is `repr(C)` with no padding (4 + 4
// + 8 + 48 + 8 bytes, all naturally aligned), so every byte is initialised.
unsafe impl kernel::transmute::AsBytes for Record {}

/// The header's event bits and signal dispositions are engine-core's: the
/// device hands them to engine-core as they come.
const _: () = {
    use bindings as b;
    use Events as E;
    use SignalAction as S;
    const SAME: [(u32, u32); 25] = [
        (b::UTRACE_TEST_EVENT_QUIESCE, E::QUIESCE.bits()),
        (b::UTRACE_TEST_EVENT_REAP, E::REAP.bits()),
        (b::UTRACE_TEST_EVENT_CLONE, E::CLONE.bits()),
        (b::UTRACE_TEST_EVENT_EXEC, E::EXEC.bits()),
        (b::UTRACE_TEST_EVENT_EXIT, E::EXIT.bits()),
        (b::UTRACE_TEST_EVENT_DEATH, E::DEATH.bits()),
        (b::UTRACE_TEST_EVENT_SYSCALL_ENTRY, E::SYSCALL_ENTRY.bits()),
        (b::UTRACE_TEST_EVENT_SYSCALL_EXIT, E::SYSCALL_EXIT.bits()),
        (b::UTRACE_TEST_EVENT_SIGNAL, E::SIGNAL.bits()),
        (b::UTRACE_TEST_EVENT_SIGNAL_IGN, E::SIGNAL_IGN.bits()),
        (b::UTRACE_TEST_EVENT_SIGNAL_STOP, E::SIGNAL_STOP.bits()),
        (b::UTRACE_TEST_EVENT_SIGNAL_TERM, E::SIGNAL_TERM.bits()),
        (b::UTRACE_TEST_EVENT_SIGNAL_CORE, E::SIGNAL_CORE.bits()),
        (b::UTRACE_TEST_EVENT_SIGNAL_ALL, E::SIGNAL_ALL.bits()),
        (b::UTRACE_TEST_EVENT_JCTL, E::JCTL.bits()),
        (b::UTRACE_TEST_EVENT_VFORK_DONE, E::VFORK_DONE.bits()),
        (
            b::UTRACE_TEST_EVENT_SIGNAL_OBSERVE,
            E::SIGNAL_OBSERVE.bits(),
        ),
        (b::UTRACE_TEST_EVENT_BREAKPOINT, E::BREAKPOINT.bits()),
        (b::UTRACE_TEST_EVENT_SIGNAL_REPORT, E::SIGNAL_REPORT.bits()),
        (b::UTRACE_TEST_SIGNAL_DELIVER, S::Deliver.bits()),
        (b::UTRACE_TEST_SIGNAL_IGN, S::Ignore.bits()),
        (b::UTRACE_TEST_SIGNAL_TERM, S::Terminate.bits()),
        (b::UTRACE_TEST_SIGNAL_CORE, S::CoreDump.bits()),
        (b::UTRACE_TEST_SIGNAL_STOP, S::Stop.bits()),
        (b::UTRACE_TEST_SIGNAL_HOLD, SIGNAL_HOLD),
    ];
    let mut i = 0;
    while i < SAME.len() {
        assert!(SAME[i].0 == SAME[i].1);
        i += 1;
    }
};

/// The records of one open file.
pub(crate) struct LogBuf {
    /// Capacity reserved up front: callbacks never allocate.
    pub(crate) records: KVec<Record>,
    pub(crate) dropped: u64,
}

/// The shared log.
pub(crate) type Log = Mutex<LogBuf>;

/// A new, empty log.
pub(crate) fn new_log() -> Result<Arc<Log>> {
    let records = KVec::with_capacity(LOG_CAPACITY, GFP_KERNEL)?;
    Arc::pin_init(
        kernel::new_mutex!(
            LogBuf {
                records,
                dropped: 0
            },
            "utrace_test::log"
        ),
        GFP_KERNEL,
    )
}

fn log(log: &Log, rec: Record) {
    let mut buf = log.lock();
    if buf.records.push_within_capacity(rec).is_err() {
        buf.dropped += 1;
    }
}

/// What a test engine does besides logging.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Action {
    /// Only log.
    Record,
    /// At entry, set this argument.
    RewriteArg(Arg, u64),
    /// At entry, make a call of number `from` call number `to`.
    SetNr { from: i64, to: i64 },
    /// At entry, abort the call with this result.
    Abort(i64),
    /// At exit, set this result.
    SetReturn(i64),
    /// At entry, let the call run.
    Run,
    /// At entry, and in the exit report, stop the task until resumed.
    Stop,
    /// In syscall and signal callbacks (and the report of a job-control
    /// stop), sleep this many microseconds after logging.
    Dwell(u32),
    /// For a signal: choose this disposition, maybe hold the signal,
    /// maybe stop; maybe only the first time.
    Signal {
        action: SignalAction,
        hold: bool,
        stop: bool,
        once: bool,
        /// Also stop at the entry into the signal's handler.
        stop_in_handler: bool,
    },
    /// In a made-up report, make up the attach's signal with this
    /// `si_code` and disposition (once).
    MakeUp { code: i32, action: SignalAction },
    /// Deliver the attach's signal with this handler.
    Handler(SigHandler),
}

/// The end of x86-64's user address space: a test engine's handler must
/// be below (engine-core checks the task's own limit again).
const USER_END: u64 = 0x0000_8000_0000_0000;

impl Action {
    /// Decodes `kind`, `arg`, `value` of `struct utrace_test_attach`.
    pub(crate) fn decode(kind: u32, arg: u32, value: i64) -> Result<Action> {
        Ok(match kind {
            bindings::utrace_test_kind_UTRACE_TEST_RECORD => Action::Record,
            bindings::utrace_test_kind_UTRACE_TEST_REWRITE_ARG => {
                let which = match arg {
                    0 => Arg::A0,
                    1 => Arg::A1,
                    2 => Arg::A2,
                    3 => Arg::A3,
                    4 => Arg::A4,
                    5 => Arg::A5,
                    _ => return Err(EINVAL),
                };
                Action::RewriteArg(which, value as u64)
            }
            bindings::utrace_test_kind_UTRACE_TEST_ABORT => Action::Abort(value),
            bindings::utrace_test_kind_UTRACE_TEST_SET_RETURN => Action::SetReturn(value),
            bindings::utrace_test_kind_UTRACE_TEST_RUN => Action::Run,
            bindings::utrace_test_kind_UTRACE_TEST_STOP => Action::Stop,
            bindings::utrace_test_kind_UTRACE_TEST_SIGNAL => {
                let bits = u32::try_from(value).map_err(|_| EINVAL)?;
                if bits & !(SIGNAL_HOLD | SIGNAL_MASK) != 0 || arg & !7 != 0 {
                    return Err(EINVAL);
                }
                Action::Signal {
                    action: SignalAction::from_bits(bits)?,
                    hold: bits & SIGNAL_HOLD != 0,
                    stop: arg & 1 != 0,
                    once: arg & 2 != 0,
                    stop_in_handler: arg & 4 != 0,
                }
            }
            bindings::utrace_test_kind_UTRACE_TEST_DWELL => match u32::try_from(value) {
                Ok(us @ 1..=MAX_DWELL_US) => Action::Dwell(us),
                _ => return Err(EINVAL),
            },
            bindings::utrace_test_kind_UTRACE_TEST_MAKE_UP => {
                let bits = u32::try_from(value).map_err(|_| EINVAL)?;
                if bits & !SIGNAL_MASK != 0 {
                    return Err(EINVAL);
                }
                Action::MakeUp {
                    // The si_code, a C int, carried in a u32.
                    code: arg as i32,
                    action: SignalAction::from_bits(bits)?,
                }
            }
            bindings::utrace_test_kind_UTRACE_TEST_HANDLER => match u64::try_from(value) {
                Ok(raw) if raw < USER_END => Action::Handler(SigHandler::from_raw(raw)),
                _ => return Err(EINVAL),
            },
            bindings::utrace_test_kind_UTRACE_TEST_SET_NR => Action::SetNr {
                // The number, a C int, carried in a u32.
                from: i64::from(arg as i32),
                to: i64::from(i32::try_from(value).map_err(|_| EINVAL)?),
            },
            _ => return Err(EINVAL),
        })
    }

    /// Whether the action may act on signal `nr` (the attach's): one to
    /// make up is a signal; a handler is for a signal, or all (-1).
    pub(crate) fn check_signal(&self, nr: i64) -> Result {
        let signo = i32::try_from(nr).map_err(|_| EINVAL);
        match self {
            Action::MakeUp { .. } => check_made_up_signal(signo?),
            Action::Handler(_) if nr == -1 => Ok(()),
            Action::Handler(_) => check_made_up_signal(signo?),
            _ => Ok(()),
        }
    }
}

/// The longest [`Action::Dwell`], in microseconds.
pub(crate) const MAX_DWELL_US: u32 = 100_000;

/// Sleeps `us` microseconds in a callback ([`Action::Dwell`]), in steps
/// of at most 1 ms, and no longer once a signal is pending: a dwelling task
/// can still be killed.
fn dwell(us: u32) {
    let mut left = i64::from(us);
    while left > 0 && !kernel::current!().signal_pending() {
        let step = left.min(1000);
        kernel::time::delay::fsleep(kernel::time::Delta::from_micros(step));
        left -= step;
    }
}

/// How many [`TestEngine`]s exist, by id modulo [`LIVE_BUCKETS`]
/// (`UTRACE_TEST_LIVE_ENGINES`): a test sees when the last reference to a
/// detached one goes, unmoved by the engines of other tests (other ids).
pub(crate) static LIVE_ENGINES: [Atomic<i32>; LIVE_BUCKETS] =
    [const { Atomic::new(0) }; LIVE_BUCKETS];
/// The buckets of [`LIVE_ENGINES`].
pub(crate) const LIVE_BUCKETS: usize = 64;

/// How many times [`Engine::retired`] came while a callback of the same
/// engine was running (`UTRACE_TEST_RETIRED_IN_CALLBACK`): never, if
/// engine-core keeps its word.
pub(crate) static RETIRED_IN_CALLBACK: Atomic<u32> = Atomic::new(0);

/// The [`LIVE_ENGINES`] counter of engine `id`.
pub(crate) fn live_engines(id: u32) -> &'static Atomic<i32> {
    &LIVE_ENGINES[id as usize % LIVE_BUCKETS]
}

/// A logging, optionally rewriting, engine.
pub(crate) struct TestEngine {
    pub(crate) id: u32,
    /// The syscall it logs and acts on; -1: all.
    nr: i64,
    action: Action,
    log: Arc<Log>,
    /// A once-only signal action was taken.
    acted: AtomicFlag,
    /// `UTRACE_TEST_BARRIER_IN_REAP`: the reap report calls
    /// `barrier()` on this handle of the engine itself.
    pub(crate) own: Option<Arc<OwnHandle>>,
    /// Dwelling callbacks running now (see [`RETIRED_IN_CALLBACK`]).
    dwelling: Atomic<u32>,
}

impl TestEngine {
    pub(crate) fn new(
        id: u32,
        nr: i64,
        action: Action,
        log: Arc<Log>,
        barrier_in_reap: bool,
    ) -> Result<Self> {
        let own = match barrier_in_reap {
            true => Some(Arc::pin_init(
                kernel::new_mutex!(None, "utrace_test::own"),
                GFP_KERNEL,
            )?),
            false => None,
        };
        live_engines(id).fetch_add(1, Relaxed);
        Ok(Self {
            id,
            nr,
            action,
            log,
            acted: AtomicFlag::new(false),
            own,
            dwelling: Atomic::new(0),
        })
    }

    /// A dwelling callback: counted in `dwelling` while it sleeps.
    fn dwell(&self, us: u32) {
        self.dwelling.fetch_add(1, Relaxed);
        dwell(us);
        self.dwelling.fetch_sub(1, Relaxed);
    }

    /// Takes the engine's handle on itself, if it has one.
    fn take_own(&self) -> Option<EngineHandle<TestEngine>> {
        self.own.as_ref().and_then(|o| o.lock().take())
    }

    fn wants(&self, nr: i64) -> bool {
        self.nr == -1 || self.nr == nr
    }

    /// Logs what this engine sees of call `nr` on `side`.
    fn record(&self, side: u32, nr: i64, args: [u64; SYSCALL_ARGS], ret: i64) {
        log(
            &self.log,
            Record(bindings::utrace_test_record {
                id: self.id,
                side,
                nr,
                args,
                ret,
            }),
        );
    }
}

impl TestEngine {
    /// A made-up signal report: logs the signal the engines before made
    /// up (0: none), and makes one up if told to (once).
    fn report_made_up(&self, sig: &mut SignalReport<'_>) -> Resume {
        // The values are small ints; the code is logged as the C reader
        // reads an int it sign-extends.
        let args = [
            i64::from(sig.code()) as u64,
            0,
            u64::from(sig.action().bits()),
            0,
            0,
            0,
        ];
        self.record(
            bindings::UTRACE_TEST_SIDE_SIGNAL_REPORT,
            i64::from(sig.signo()),
            args,
            i64::from(sig.is_resumed()),
        );
        match self.action {
            Action::MakeUp { code, action } if !self.acted.xchg(true, Relaxed) => {
                // The signal number was checked at attach time.
                if sig.make_up(self.nr as i32, code).is_ok() {
                    sig.set_action(action);
                }
            }
            // Holds the task in the report (once: a repeated report goes on).
            Action::Stop if !sig.is_resumed() && !self.acted.xchg(true, Relaxed) => {
                return Resume::Stop;
            }
            Action::Dwell(us) => self.dwell(us),
            _ => {}
        }
        Resume::Resume
    }
}

impl Drop for TestEngine {
    fn drop(&mut self) {
        live_engines(self.id).fetch_sub(1, Relaxed);
    }
}

impl Engine for TestEngine {
    fn report_signal(&self, _task: &Task, sig: &mut SignalReport<'_>) -> Resume {
        if sig.is_made_up() {
            return self.report_made_up(sig);
        }
        let signo = i64::from(sig.signo());
        if !self.wants(signo) {
            return Resume::Resume;
        }
        let before = sig.action().bits() | if sig.is_held() { SIGNAL_HOLD } else { 0 };
        let handler = sig.handler().and_then(|h| h.to_raw().ok()).unwrap_or(0);
        // The values are small non-negative ints.
        let args = [
            sig.code() as u64,
            u64::from(sig.class().event().bits()),
            u64::from(before),
            handler,
            0,
            0,
        ];
        self.record(
            bindings::UTRACE_TEST_SIDE_SIGNAL,
            signo,
            args,
            i64::from(sig.is_resumed()),
        );
        if let Action::Dwell(us) = self.action {
            self.dwell(us);
        }
        if let Action::Handler(handler) = self.action {
            // EINVAL only outside the task's user space: it keeps its own.
            let _ = sig.set_handler(handler);
        }
        if let Action::Signal {
            action,
            hold,
            stop,
            once,
            ..
        } = self.action
        {
            if once && self.acted.xchg(true, Relaxed) {
                return Resume::Resume;
            }
            sig.set_action(action);
            sig.hold(hold);
            if stop && !sig.is_resumed() {
                return Resume::Stop;
            }
        }
        Resume::Resume
    }

    fn report_signal_handler(&self, _task: &Task, handler: &SignalHandlerReport<'_>) -> Resume {
        let signo = i64::from(handler.signo());
        // Only engines that asked to stop there log it: the others' logs
        // stay as the signal tests read them.
        if !self.wants(signo)
            || !matches!(
                self.action,
                Action::Signal {
                    stop_in_handler: true,
                    ..
                }
            )
        {
            return Resume::Resume;
        }
        // The values are small non-negative ints.
        let args = [
            handler.code() as u64,
            u64::from(handler.stepped()),
            0,
            0,
            0,
            0,
        ];
        self.record(bindings::UTRACE_TEST_SIDE_SIGNAL_HANDLER, signo, args, 0);
        Resume::Stop
    }

    fn report_breakpoint(&self, _task: &Task, hit: &mut BreakpointReport<'_>) -> Resume {
        let offset = hit.site().offset as i64;
        match hit.kind() {
            ProbeKind::Entry => {
                let args = [Arg::A0, Arg::A1, Arg::A2, Arg::A3, Arg::A4, Arg::A5]
                    .map(|a| hit.arg(a).unwrap_or(0));
                self.record(
                    bindings::UTRACE_TEST_SIDE_BREAKPOINT,
                    offset,
                    args,
                    hit.function() as i64,
                );
                if let Action::RewriteArg(which, v) = self.action {
                    let _ = hit.set_arg(which, v);
                }
            }
            ProbeKind::Return => {
                let mut args = [0; SYSCALL_ARGS];
                args[0] = hit.function();
                // The value as the engines before left it.
                let value = hit.return_value().unwrap_or(0) as i64;
                self.record(
                    bindings::UTRACE_TEST_SIDE_BREAKPOINT_RETURN,
                    offset,
                    args,
                    value,
                );
                if let Action::SetReturn(v) = self.action {
                    let _ = hit.set_return_value(v as u64);
                }
            }
        }
        match self.action {
            Action::Stop => Resume::Stop,
            Action::Dwell(us) => {
                self.dwell(us);
                // UTRACE_TEST_HAND_PROBE: dropped here, in the handler.
                drop(super::test_device::take_handed_probe());
                Resume::Resume
            }
            _ => Resume::Resume,
        }
    }

    fn report_jctl(&self, _task: &Task, what: JobControl) -> Resume {
        let nr = match what {
            JobControl::Stopping => 0,
            JobControl::Continued => 1,
        };
        self.record(bindings::UTRACE_TEST_SIDE_JCTL, nr, [0; SYSCALL_ARGS], 0);
        if let (Action::Dwell(us), JobControl::Stopping) = (self.action, what) {
            // Race tests: the stopping task dwells here, with siglock
            // dropped, before it takes the stop.
            self.dwell(us);
        }
        Resume::Resume
    }

    fn report_quiesce(&self, _task: &Task) -> Resume {
        self.record(bindings::UTRACE_TEST_SIDE_QUIESCE, -1, [0; SYSCALL_ARGS], 0);
        Resume::Resume
    }

    fn report_reap(&self, task: &Task) {
        let pid = crate::engine_core::pid_vnr(task);
        // UTRACE_TEST_BARRIER_IN_REAP: a barrier from this very callback
        // must return at once; args[0] is its result (0 or -errno).
        let mut args = [0; SYSCALL_ARGS];
        if let Some(h) = self.take_own() {
            args[0] = match h.barrier() {
                Ok(()) => 0,
                Err(e) => i64::from(e.to_errno()) as u64,
            };
        }
        self.record(bindings::UTRACE_TEST_SIDE_REAP, i64::from(pid), args, 0);
    }

    fn detached(&self) {
        drop(self.take_own());
    }

    fn retired(&self) {
        if self.dwelling.load(Relaxed) != 0 {
            RETIRED_IN_CALLBACK.fetch_add(1, Relaxed);
        }
    }

    fn report_clone(&self, _task: &Task, clone: &CloneReport<'_>) -> Resume {
        let pid = crate::engine_core::pid_vnr(clone.child());
        let mut args = [0; SYSCALL_ARGS];
        args[0] = clone.flags();
        self.record(bindings::UTRACE_TEST_SIDE_CLONE, i64::from(pid), args, 0);
        Resume::Resume
    }

    fn report_vfork_done(&self, _task: &Task, done: &VforkDoneReport) -> Resume {
        self.record(
            bindings::UTRACE_TEST_SIDE_VFORK_DONE,
            i64::from(done.child_pid()),
            [0; SYSCALL_ARGS],
            0,
        );
        Resume::Resume
    }

    fn report_exec(&self, _task: &Task, exec: &ExecReport<'_>) -> Resume {
        // The path's first bytes, NUL-terminated, in the six argument words.
        let mut bytes = [0u8; SYSCALL_ARGS * 8];
        let path = exec.path().to_bytes();
        let n = path.len().min(bytes.len() - 1);
        bytes[..n].copy_from_slice(&path[..n]);
        let mut args = [0u64; SYSCALL_ARGS];
        for (word, chunk) in args.iter_mut().zip(bytes.chunks_exact(8)) {
            let mut b = [0u8; 8];
            b.copy_from_slice(chunk);
            *word = u64::from_ne_bytes(b);
        }
        // The result word: where the new program starts.
        self.record(
            bindings::UTRACE_TEST_SIDE_EXEC,
            -1,
            args,
            exec.instruction_pointer() as i64,
        );
        Resume::Resume
    }

    fn report_exit(&self, _task: &Task, exit: &mut ExitReport) -> Resume {
        self.record(
            bindings::UTRACE_TEST_SIDE_EXIT_EVENT,
            -1,
            [0; SYSCALL_ARGS],
            exit.code(),
        );
        match self.action {
            Action::SetReturn(v) => exit.set_code(v),
            Action::Stop => return Resume::Stop,
            _ => {}
        }
        Resume::Resume
    }

    fn report_death(&self, _task: &Task, death: &DeathReport) {
        // Whether the dying task still has a signal (or TIF_SIGPENDING)
        // pending: its exit's interruptible waits would not wait.
        let pending = kernel::current!().signal_pending();
        self.record(
            bindings::UTRACE_TEST_SIDE_DEATH,
            -1,
            // The signal, sign-extended as the log's C reader reads it.
            [
                death.signal().to_utrace() as u64,
                u64::from(pending),
                0,
                0,
                0,
                0,
            ],
            i64::from(death.group_dead()),
        );
        // UTRACE_TEST_DEATH_DELAY: logged, then held open.
        delay_once(&DEATH_DELAY_MS);
    }

    fn report_syscall_entry(&self, _task: &Task, call: &mut SyscallEntry<'_>) -> Resume {
        let nr = call.nr();
        if !self.wants(nr) {
            return Resume::Resume;
        }
        // At entry, `ret` tells a repeated report after a stop.
        self.record(
            bindings::UTRACE_TEST_SIDE_ENTRY,
            nr,
            call.args(),
            i64::from(call.is_resumed()),
        );
        match self.action {
            Action::RewriteArg(which, v) => call.set_arg(which, v),
            Action::SetNr { from, to } if nr == from => call.set_nr(to),
            Action::Abort(result) => call.abort(result),
            Action::Run => call.run(),
            // Once: a repeated report goes on.
            Action::Stop if !call.is_resumed() => {
                stop_delay();
                return Resume::Stop;
            }
            Action::Stop => {}
            Action::Dwell(us) => self.dwell(us),
            Action::Record
            | Action::SetNr { .. }
            | Action::SetReturn(_)
            | Action::Signal { .. }
            | Action::MakeUp { .. }
            | Action::Handler(_) => {}
        }
        Resume::Resume
    }

    fn report_syscall_exit(&self, _task: &Task, call: &mut SyscallExit<'_>) -> Resume {
        let nr = call.nr();
        if !self.wants(nr) {
            return Resume::Resume;
        }
        self.record(
            bindings::UTRACE_TEST_SIDE_EXIT,
            nr,
            call.args(),
            call.return_value(),
        );
        match self.action {
            Action::SetReturn(v) => call.set_return_value(v),
            Action::Dwell(us) => self.dwell(us),
            _ => {}
        }
        Resume::Resume
    }
}
