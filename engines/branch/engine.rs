// SPDX-License-Identifier: GPL-2.0

//! The branch-trace engine: steps its task one instruction at a time
//! (engine-core's [`EngineHandle::resume_step`]) and records each taken
//! branch (the software backend).
//!
//! Each step ends with a SIGTRAP the engine takes and drops: it reads the
//! address the task trapped at and the length of the instruction there
//! (the kernel's instruction decoder, `helpers.c`), asks [`Stepper`]
//! whether the step was a taken branch, stores the record in the [`Ring`]
//! and asks for the next step. In guaranteed flow, the record that fills
//! the buffer also stops the task, until a reader takes records.
//!
//! With scheduling records (`UTRACE_BRANCH_SCHED`), each step first
//! stores the spans the task spent off its CPU since the step before
//! (engine-core's switch log, [`switches`]), as two records each, then
//! its branch. In guaranteed flow the buffer then counts as full while
//! no more than what one step can bring beyond its first record is free
//! (the ring's slack), so a step's records always fit.
//!
//! # Locking
//!
//! One spinlock, [`BranchEngine::inner`] (lock class `utrace_branch::inner`),
//! holds the buffer and the trace's state. The traced task takes it in its
//! callbacks, a reader in `read(2)` and `UTRACE_BRANCH_STATUS`; it is never
//! held across a user-memory access, a wake-up or an engine-core request.
//! [`BranchEngine::me`], the engine's own handle, has a lock of its own
//! (`utrace_branch::me`): the task takes it to reach engine-core on every
//! step, and a reader or the detach must not wait for the buffer for that.
//! It is taken inside `inner` only by [`BranchEngine::start`], never the
//! other way round.
//!
//! # Stopping for a drain
//!
//! A trace made by ptrace's `PTRACE_BTS_CONFIG` (one with a
//! [`Config::tracer`]) stops its task otherwise: the task that fills the buffer asks
//! engine-core for a ptrace event stop ([`EngineHandle::stop_for_tracer`],
//! `PTRACE_EVENT_BTS`), made as soon as the callback returned, before the
//! task runs another instruction; its tracer drains the buffer there
//! before it resumes it. An engine's stop would
//! not do there: its tracer could not wait for it, nor make a request of
//! a task not in a ptrace stop. A signal would not either: it can be
//! blocked, merged with the program's own, and left pending once the
//! trace ended (the review). What follows is the way of every other trace
//! (a file's, the C API's).
//!
//! The task that fills the buffer asks engine-core for the stop itself
//! ([`EngineHandle::stop`], which holds the stop at once) before it tells
//! readers the buffer waits (`waiting`): a reader that sees `waiting`
//! always finds the stop held, and its resume releases it, whether the task
//! has parked yet or not. (A callback's [`Resume::Stop`] answer would only
//! be held once the callback returned, after a reader may have resumed.)
//! `waiting` is set under `inner` only if the buffer is still full: a
//! reader that took records between the push and the stop found nothing
//! to resume, and the task resumes itself. Either the reader's take or the
//! task's look comes first under `inner`, so one of them ends the stop.

use super::charge::MemlockCharge;
use super::ring::{Branch, Mode, Pushed, Ring, Stepper};
use crate::engine_core::switches::{self, Span, SPANS};
use crate::engine_core::{
    Engine, EngineHandle, Events, ExecReport, Resume, SignalAction, SignalHandlerReport,
    SignalReport,
};
use core::mem::size_of;
use kernel::bindings;
use kernel::prelude::*;
use kernel::sync::aref::ARef;
use kernel::sync::atomic::{Atomic, Relaxed};
use kernel::sync::poll::PollCondVar;
use kernel::sync::{Arc, SpinLock};
use kernel::task::Task;

/// The event of a tracer's stop for a drain (`PTRACE_EVENT_BTS`, 8).
const PTRACE_EVENT_BTS: u8 = bindings::PTRACE_EVENT_BTS as u8;
const _: () = assert!(bindings::PTRACE_EVENT_BTS <= 0xff);

// The uapi's bound on one step's spans is engine-core's log.
const _: () = assert!(SPANS == bindings::UTRACE_BRANCH_SPANS as usize);

/// In guaranteed flow with scheduling records, the records kept free for
/// a step's records beyond its first: [`SPANS`] spans of two and a branch.
const SCHED_SLACK: usize = 2 * SPANS;

/// The smallest buffer of a guaranteed flow with scheduling records:
/// twice what a step brings, so that a reader that empties the buffer
/// lets the task run a step without stopping again, the span of its own
/// stop for the drain included (at the slack's size, the review found
/// every step stopping).
const SCHED_FLOW_MIN: usize = 2 * (SCHED_SLACK + 1);
const _: () = assert!(bindings::UTRACE_BRANCH_SCHED_FLOW_MIN as usize == SCHED_FLOW_MIN);

/// [`BranchEngine::switch_cursor`] before the task's switches are logged.
const NOT_WATCHING: u64 = u64::MAX;

/// Records a read moves per batch (on the stack: 1 KiB).
pub(crate) const READ_BATCH: usize = 64;

/// The state of one trace, behind [`BranchEngine::inner`].
struct Inner {
    /// The records.
    ring: Ring,
    /// Whether the step the task trapped at was a taken branch.
    stepper: Stepper,
    /// The task is being stepped (from the attach, or from its next exec
    /// with `UTRACE_BRANCH_FROM_EXEC`).
    started: bool,
    /// The task stopped (guaranteed flow) because the buffer is full; a
    /// reader that takes records resumes it and clears this.
    waiting: bool,
    /// The engine is detached (the task died, or the file was closed): no
    /// record will come.
    ended: bool,
    /// A reader is delivering records (readers take turns).
    reading: bool,
    /// Stops for a drain so far.
    stops: u64,
    /// Instructions stepped so far.
    steps: u64,
    /// Branches taken so far.
    branches: u64,
    /// Spans off the CPU recorded so far.
    switches: u64,
    /// Spans off the CPU not recorded (past [`SPANS`] in one step).
    switches_missed: u64,
}

/// What a step's records did to the buffer.
#[derive(Clone, Copy, Default)]
struct Stored {
    /// A record was stored: readers may take it.
    recorded: bool,
    /// A record filled the buffer of a guaranteed flow.
    filled: bool,
    /// A record was lost: the buffer of a guaranteed flow was full.
    lost: bool,
}

/// What `UTRACE_BRANCH_STATUS` reports.
pub(crate) struct Status {
    pub(crate) records: u64,
    pub(crate) held: u64,
    pub(crate) branches: u64,
    pub(crate) lost: u64,
    pub(crate) stops: u64,
    pub(crate) steps: u64,
    pub(crate) switches: u64,
    pub(crate) switches_missed: u64,
    pub(crate) started: bool,
    pub(crate) waiting: bool,
    pub(crate) ended: bool,
}

/// A branch-trace engine, attached to one task.
#[pin_data]
pub(crate) struct BranchEngine {
    #[pin]
    inner: SpinLock<Inner>,
    /// The engine's own handle, for the task's requests on each step (set
    /// once attached, taken when detached: the engine <-> handle cycle
    /// lives only while the engine is attached).
    #[pin]
    me: SpinLock<Option<EngineHandle<BranchEngine>>>,
    /// Readers wait here for records or the end; pollers too.
    #[pin]
    readable: PollCondVar,
    /// Start at the next exec rather than at once.
    from_exec: bool,
    /// Record the task's spans off its CPU too.
    sched: bool,
    /// The tracer whose trace this is (`PTRACE_BTS_CONFIG`), if any: a
    /// full flow then stops the task for it, in a ptrace event stop,
    /// rather than in the engine's stop for a reader.
    tracer: Option<ARef<Task>>,
    /// The number of the task's next departure from its CPU not yet
    /// recorded, in engine-core's switch log; [`NOT_WATCHING`] until the
    /// task's first step. Only the task touches it (an atomic for the
    /// engine's `Sync`, not for ordering).
    switch_cursor: Atomic<u64>,
    /// What the trace holds until its file is closed, given back with the
    /// buffer ([`BranchEngine::release_memory`]), where sleeping is
    /// allowed (lock class `utrace_branch::held`).
    #[pin]
    held: SpinLock<Option<Held>>,
}

/// What a trace holds for its file's life.
struct Held {
    /// The buffer's charge to its owner's `RLIMIT_MEMLOCK`.
    _charge: MemlockCharge,
    /// With scheduling records, once attached: the scheduler calls the
    /// switch notifiers (its drop may sleep).
    watch: Option<switches::Watch>,
}

/// How a trace is made: `UTRACE_BRANCH_ATTACH`'s choices, or
/// `PTRACE_BTS_CONFIG`'s.
#[derive(Clone)]
pub(crate) struct Config {
    /// Buffer size, in records.
    pub(crate) records: u64,
    pub(crate) mode: Mode,
    /// Start at the next exec.
    pub(crate) from_exec: bool,
    /// Record the task's spans off its CPU.
    pub(crate) sched: bool,
    /// The ptrace tracer whose trace this is, if it is one: only it
    /// reaches the trace, which ends when it no longer traces the task,
    /// and a full flow stops the task for it (`PTRACE_EVENT_BTS`) rather
    /// than in the engine's stop for a reader.
    pub(crate) tracer: Option<ARef<Task>>,
}

impl BranchEngine {
    /// A buffer size the uapi allows, as a count: `EINVAL` for 0 records
    /// or more than `UTRACE_BRANCH_MAX_RECORDS`.
    pub(crate) fn buffer_records(records: u64) -> Result<usize> {
        if records == 0 || records > u64::from(bindings::UTRACE_BRANCH_MAX_RECORDS) {
            return Err(EINVAL);
        }
        // At most 2^26: fits a usize, and its bytes too.
        Ok(records as usize)
    }

    /// Whether a configuration is one the uapi allows: `EINVAL` as
    /// [`BranchEngine::buffer_records`], or for a guaranteed flow with
    /// scheduling records and fewer than `UTRACE_BRANCH_SCHED_FLOW_MIN`.
    pub(crate) fn check(config: &Config) -> Result<usize> {
        let records = Self::buffer_records(config.records)?;
        if Self::slack(config) != 0 && records < SCHED_FLOW_MIN {
            return Err(EINVAL);
        }
        Ok(records)
    }

    /// The ring's slack for a configuration.
    fn slack(config: &Config) -> usize {
        if config.sched && config.mode == Mode::Flow {
            SCHED_SLACK
        } else {
            0
        }
    }

    /// An engine made as `config` says, its buffer charged to the caller:
    /// `EINVAL` as [`BranchEngine::check`], then the charge's errors
    /// (`EPERM`, `ENOMEM`), then `ENOMEM`. May sleep.
    pub(crate) fn new(config: Config) -> Result<Arc<Self>> {
        let records = Self::check(&config)?;
        let charge = MemlockCharge::new(records * size_of::<Branch>())?;
        let ring = Ring::new(records, config.mode, Self::slack(&config))?;
        let held = Held {
            _charge: charge,
            watch: None,
        };
        Arc::pin_init(
            pin_init!(BranchEngine {
                inner <- kernel::new_spinlock!(
                    Inner {
                        ring,
                        stepper: Stepper::default(),
                        started: false,
                        waiting: false,
                        ended: false,
                        reading: false,
                        stops: 0,
                        steps: 0,
                        branches: 0,
                        switches: 0,
                        switches_missed: 0,
                    },
                    "utrace_branch::inner"
                ),
                me <- kernel::new_spinlock!(None, "utrace_branch::me"),
                readable <- kernel::new_poll_condvar!("utrace_branch::readable"),
                from_exec: config.from_exec,
                sched: config.sched,
                tracer: config.tracer,
                switch_cursor: Atomic::new(NOT_WATCHING),
                held <- kernel::new_spinlock!(Some(held), "utrace_branch::held"),
            }),
            GFP_KERNEL_ACCOUNT,
        )
    }

    /// The events the engine asks for: every signal (the step traps, in
    /// SIGTRAP's class or the handler class if the program handles
    /// SIGTRAP; and every other signal, which ends the step running, so
    /// that the engine asks for it again), the entries into handlers (a
    /// branch), the exec (where the stepping starts again, or starts), the
    /// quiesce reports (where the first step starts). The signals are
    /// intercepted, not observed (a trap is dropped): as under a ptrace
    /// tracer, the kernel's short cuts for ignored and fatal signals are
    /// off for the task (SIGKILL keeps its own).
    pub(crate) fn events() -> Events {
        Events::SIGNAL_ALL | Events::EXEC | Events::QUIESCE
    }

    /// Turns the scheduler's switch notifiers on for the trace, if it
    /// records switches: once attached, so that a refused attach does not
    /// turn them on and off (each turn patches kernel text). May sleep.
    pub(crate) fn watch_switches(&self) {
        if !self.sched {
            return;
        }
        let watch = switches::Watch::on();
        let spare = match &mut *self.held.lock() {
            Some(held) if held.watch.is_none() => {
                held.watch = Some(watch);
                None
            }
            // Released already (the file was closed).
            _ => Some(watch),
        };
        // Dropped with no lock held.
        drop(spare);
        // Detached meanwhile (the task died): `detached()` may have come
        // before the watch was stored, so it is taken back here.
        if self.inner.lock().ended {
            drop(self.take_watch());
        }
    }

    /// Takes the trace's switch watch out, to be dropped with no lock held.
    fn take_watch(&self) -> Option<switches::Watch> {
        match &mut *self.held.lock() {
            Some(held) => held.watch.take(),
            None => None,
        }
    }

    /// Takes the engine's handle, just attached, and starts the trace:
    /// at once (the first step is taken on the task's way back to user
    /// mode), or at its next exec. Errors as [`EngineHandle::resume_step`]
    /// (`EOPNOTSUPP` where the architecture cannot single-step).
    pub(crate) fn start(&self, handle: &EngineHandle<BranchEngine>) -> Result {
        let started = {
            let mut inner = self.inner.lock();
            if inner.ended {
                // Detached already (the task died): nothing to start, and
                // a handle kept now would never be let go of.
                return Err(ESRCH);
            }
            // `me` inside `inner`: the one place both are held.
            *self.me.lock() = Some(handle.clone());
            if !self.from_exec {
                inner.started = true;
            }
            // With `from_exec`, an exec that came before this found no
            // handle to step on with: started, and stepped on here, from
            // wherever the task is (its first step is not judged).
            inner.stepper.forget();
            inner.started
        };
        if started {
            handle.resume_step(false)
        } else {
            Ok(())
        }
    }

    /// Asks for the next step, and for the stop if the buffer just filled
    /// (see the module documentation); wakes readers if a record was
    /// stored.
    ///
    /// Called by the traced task itself, in its callbacks. A task that
    /// runs instructions the engine does not decode (an AArch32 program on
    /// arm64) is not stepped on: no step of it could be judged, and each
    /// would cost a trap for nothing. Its next exec into code the engine
    /// decodes steps on again ([`Engine::report_exec`]; not tested: no
    /// test program execs from AArch32 into A64).
    fn step_on(&self, stored: Stored) {
        // SAFETY: reads the current task's own register frame.
        if !unsafe { bindings::utrace_branch_decodes_current() } {
            return;
        }
        let Some(me) = self.me.lock().clone() else {
            return;
        };
        // Fails only once detached: the trace is over then.
        let _ = me.resume_step(false);
        if self.tracer.is_some() {
            // A callback that outlived the trace, or one whose tracer left
            // (the next signal report ends the trace), asks for no stop.
            let held = {
                let inner = self.inner.lock();
                ((stored.filled || stored.lost) && !inner.ended).then(|| inner.ring.len())
            };
            // At most UTRACE_BRANCH_MAX_RECORDS: fits the u64.
            if let Some(held) = held.filter(|_| !self.tracer_left()) {
                // The stop is made once this callback returned (engine-core
                // makes it between callbacks: the review found the
                // engine's last reference gone under its running callback
                // when the stop was made here); counted now, so the tracer
                // reads the count at the stop.
                if me.stop_for_tracer(PTRACE_EVENT_BTS, held as u64).is_ok() {
                    self.inner.lock().stops += 1;
                }
            }
        } else if stored.filled && me.stop().is_ok() {
            // A reader may have taken records since the push: it found no
            // `waiting` to clear, so the task lets itself go. Otherwise a
            // reader that comes later finds `waiting`, and the stop held.
            let mut inner = self.inner.lock();
            let full = inner.ring.is_full();
            if full {
                inner.waiting = true;
                inner.stops += 1;
            }
            drop(inner);
            if !full {
                let _ = me.resume();
            }
        }
        if stored.recorded {
            self.readable.notify_all();
        }
        // The handle goes last, with no lock held: the engine's callback
        // runs under engine-core's reference, but nothing here relies on
        // it after this.
        drop(me);
    }

    /// The spans the task spent off its CPU since its last step, and how
    /// many more the switch log no longer kept: none without scheduling
    /// records, or at the first step, which starts the log. Called by
    /// the task itself, in its callbacks.
    fn new_spans(&self, out: &mut [Span; SPANS]) -> (usize, u64) {
        if !self.sched {
            return (0, 0);
        }
        let mut cursor = self.switch_cursor.load(Relaxed);
        if cursor == NOT_WATCHING {
            if self.inner.lock().ended {
                // A callback that outlived the trace: no log for it.
                return (0, 0);
            }
            // A failure (no memory) leaves the log for the next step.
            if let Ok(now) = switches::watch_current() {
                self.switch_cursor.store(now, Relaxed);
            }
            return (0, 0);
        }
        let got = switches::read_current(&mut cursor, out);
        self.switch_cursor.store(cursor, Relaxed);
        got
    }

    /// The task is about to run its next instruction, after a step
    /// (`diverted`: after a jump no instruction made); records the spans
    /// it spent off its CPU since the last step, if asked, then the branch
    /// if there was one. Returns what the records did to the buffer.
    fn stepped(&self, diverted: bool) -> Stored {
        // The spans first: reading the next instruction may fault and
        // sleep, after the step's branch; such a span is the next step's
        // (the review found it stored before the branch).
        let mut spans = [Span::default(); SPANS];
        let (n, missed) = self.new_spans(&mut spans);
        let (ip, insn) = next_instruction();
        let mut inner = self.inner.lock();
        inner.steps += 1;
        inner.switches_missed += missed;
        let mut outcome = Stored::default();
        let mut store = |ring: &mut Ring, b: Branch| match ring.push(b) {
            Pushed::Lost => outcome.lost = true,
            Pushed::Filled => {
                outcome.recorded = true;
                outcome.filled = true;
            }
            Pushed::Stored | Pushed::Overwrote => outcome.recorded = true,
        };
        for span in &spans[..n] {
            let out = Branch {
                from: bindings::UTRACE_BRANCH_SWITCHED_OUT,
                to: span.out,
            };
            let back = Branch {
                from: bindings::UTRACE_BRANCH_SWITCHED_IN,
                to: span.back,
            };
            store(&mut inner.ring, out);
            store(&mut inner.ring, back);
        }
        // At most SPANS: fits the u64.
        inner.switches += n as u64;
        let branch = if diverted {
            inner.stepper.diverted_to(ip, insn)
        } else {
            inner.stepper.stepped_to(ip, insn)
        };
        if let Some(b) = branch {
            inner.branches += 1;
            store(&mut inner.ring, b);
        }
        outcome
    }

    /// Gives back the buffer's memory and its charge, once the trace's
    /// file is closed: the engine itself may live on until engine-core
    /// retires it (a callback of it may be running), and waiting for that
    /// could wait for the task's page faults. A callback that comes later
    /// records nothing.
    pub(crate) fn release_memory(&self) {
        let slots = self.inner.lock().ring.release();
        let held = self.held.lock().take();
        // Freed with no lock held (vfree and the watch's end may sleep).
        drop((slots, held));
    }

    /// read(2): delivers the oldest records through `copy`, at most
    /// `room`, batch by batch, and resumes a task stopped for the drain as
    /// soon as there is room. Waits for a record unless `nowait`
    /// (`EAGAIN`), and for another reader of the trace to finish (readers
    /// take turns, so that two never deliver the same records); a signal
    /// ends either wait (`ERESTARTSYS`). Returns how many records were
    /// delivered: 0 once the trace ended and every record was read.
    ///
    /// `copy` copies a batch out and returns how many records it copied
    /// whole; those are taken, the others stay, oldest first, for the next
    /// read (`EFAULT` if it copied none of the first batch). A record is
    /// never taken before it was copied, so none is lost, even while the
    /// task fills the room a read made.
    pub(crate) fn read(
        &self,
        room: usize,
        nowait: bool,
        mut copy: impl FnMut(&[Branch]) -> usize,
    ) -> Result<usize> {
        let mut inner = self.inner.lock();
        loop {
            if !inner.reading && (inner.ring.len() != 0 || inner.ended) {
                break;
            }
            if nowait {
                return Err(EAGAIN);
            }
            if self.readable.wait_interruptible(&mut inner) {
                return Err(ERESTARTSYS);
            }
        }
        if inner.ring.len() == 0 {
            return Ok(0);
        }
        // INVARIANT: the turn is given back below, on every path.
        inner.reading = true;
        drop(inner);
        let mut batch = [Branch::default(); READ_BATCH];
        let mut done = 0;
        let mut result = Ok(());
        while done < room {
            let want = (room - done).min(READ_BATCH);
            let (first, n) = self.inner.lock().ring.peek_oldest(&mut batch[..want]);
            if n == 0 {
                break;
            }
            let copied = copy(&batch[..n]).min(n);
            // At most READ_BATCH: fits the u64.
            self.inner.lock().ring.consume_to(first + copied as u64);
            self.resume_if_drained();
            done += copied;
            if copied < n {
                if done == 0 {
                    result = Err(EFAULT);
                }
                break;
            }
        }
        self.inner.lock().reading = false;
        // The next reader's turn.
        self.readable.notify_all();
        result.map(|()| done)
    }

    /// Resumes a task stopped for a drain, if records were taken.
    pub(crate) fn resume_if_drained(&self) {
        let resume = {
            let mut inner = self.inner.lock();
            let drained = inner.waiting && !inner.ring.is_full();
            if drained {
                inner.waiting = false;
            }
            drained
        };
        if !resume {
            return;
        }
        let me = self.me.lock().clone();
        if let Some(me) = me {
            // Fails only once detached, which ends the stop too.
            let _ = me.resume();
        }
    }

    /// The record `back` places before the newest (`PTRACE_BTS_GET`):
    /// `EINVAL` past the oldest.
    pub(crate) fn newest(&self, back: u64) -> Result<Branch> {
        let back = usize::try_from(back).map_err(|_| EINVAL)?;
        self.inner.lock().ring.newest(back).ok_or(EINVAL)
    }

    /// Drops every record held (`PTRACE_BTS_CLEAR`): `EBUSY` while a
    /// reader delivers records. A task stopped for a drain goes on.
    pub(crate) fn clear(&self) -> Result {
        {
            let mut inner = self.inner.lock();
            if inner.reading {
                return Err(EBUSY);
            }
            inner.ring.clear();
        }
        self.resume_if_drained();
        Ok(())
    }

    /// Whether this is `tracer`'s trace (`PTRACE_BTS_CONFIG`'s).
    pub(crate) fn is_traced_for(&self, tracer: &Task) -> bool {
        self.tracer
            .as_ref()
            .is_some_and(|t| core::ptr::eq(t.as_ptr(), tracer.as_ptr()))
    }

    /// Whether the trace is a tracer's (`PTRACE_BTS_CONFIG`'s).
    pub(crate) fn has_tracer(&self) -> bool {
        self.tracer.is_some()
    }

    /// Whether the trace is a tracer's that no longer traces the task:
    /// such a trace ends. Called by the task itself, in its callbacks.
    fn tracer_left(&self) -> bool {
        let Some(tracer) = &self.tracer else {
            return false;
        };
        // SAFETY: `tracer` is a task we hold a reference on; the helper
        // only compares it with the current task's tracer.
        !unsafe { bindings::utrace_branch_traced_by(tracer.as_ptr()) }
    }

    /// Whether a read would not wait: records wait, or the trace ended.
    pub(crate) fn is_readable(&self) -> bool {
        let inner = self.inner.lock();
        inner.ring.len() != 0 || inner.ended
    }

    /// The queue readers and pollers wait on.
    pub(crate) fn readable(&self) -> &PollCondVar {
        &self.readable
    }

    /// The counters of `UTRACE_BRANCH_STATUS`.
    pub(crate) fn status(&self) -> Status {
        let inner = self.inner.lock();
        Status {
            records: inner.ring.capacity() as u64,
            held: inner.ring.len() as u64,
            branches: inner.branches,
            lost: inner.ring.lost,
            stops: inner.stops,
            steps: inner.steps,
            switches: inner.switches,
            switches_missed: inner.switches_missed,
            started: inner.started,
            waiting: inner.waiting,
            ended: inner.ended,
        }
    }
}

/// The current task's next instruction: its address, and its length if
/// it can be read and decoded.
fn next_instruction() -> (u64, Option<u32>) {
    let mut ip = 0u64;
    // SAFETY: `ip` is valid for writes; the helper reads the current
    // task's own registers and user memory, and may fault pages in: it is
    // called from the task's engine callbacks, which may sleep.
    let len = unsafe { bindings::utrace_branch_next_insn(&mut ip) };
    (ip, u32::try_from(len).ok().filter(|&l| l > 0))
}

impl Engine for BranchEngine {
    fn report_quiesce(&self, _task: &Task) -> Resume {
        let mut inner = self.inner.lock();
        if inner.started && inner.stepper == Stepper::default() {
            // The first step starts on this way back to user mode: the
            // instruction it runs first is the one to judge it by.
            drop(inner);
            let (ip, len) = next_instruction();
            inner = self.inner.lock();
            inner.stepper.expect(ip, len);
        }
        Resume::Resume
    }

    fn report_exec(&self, _task: &Task, _exec: &ExecReport<'_>) -> Resume {
        // The new program runs from its entry: the kernel turned the step
        // off (a step running before traps once more, at the entry: not a
        // branch, see `Stepper::stepped_to`), and what came before is
        // another program.
        let (ip, len) = next_instruction();
        let started = {
            let mut inner = self.inner.lock();
            if self.from_exec {
                inner.started = true;
            }
            inner.stepper.expect(ip, len);
            inner.started
        };
        if started {
            self.step_on(Stored::default());
        }
        Resume::Resume
    }

    fn report_signal(&self, _task: &Task, sig: &mut SignalReport<'_>) -> Resume {
        if self.tracer_left() {
            // The tracer detached or died: its trace ends here, with the
            // step running (whose trap this may be: not the program's).
            if sig.is_step_trap() {
                sig.set_action(SignalAction::Ignore);
            }
            return Resume::Detach;
        }
        if sig.is_made_up() || !self.inner.lock().started {
            return Resume::Resume;
        }
        if !sig.is_step_trap() {
            // The program's own signal, left alone; it ended the step
            // running (engine-core's rule): ask for the next one, from
            // where the task is now (a breakpoint's trap comes after its
            // instruction ran, with no step's trap: it is no branch). A
            // handler it runs is reported as a branch.
            let (ip, len) = next_instruction();
            self.inner.lock().stepper.expect(ip, len);
            self.step_on(Stored::default());
            return Resume::Resume;
        }
        let stored = self.stepped(false);
        // The trap is the engine's: the program never sees it.
        sig.set_action(SignalAction::Ignore);
        self.step_on(stored);
        Resume::Resume
    }

    fn report_signal_handler(&self, _task: &Task, _handler: &SignalHandlerReport<'_>) -> Resume {
        if !self.inner.lock().started {
            return Resume::Resume;
        }
        // The task enters a handler: a branch from the instruction the
        // signal interrupted, and the stepping goes on in the handler (the
        // kernel turned a step running off to get here).
        let stored = self.stepped(true);
        self.step_on(stored);
        Resume::Resume
    }

    fn detached(&self) {
        {
            let mut inner = self.inner.lock();
            inner.ended = true;
            inner.waiting = false;
        }
        // The cycle through the handle ends here; the handle goes with no
        // lock held.
        let me = self.me.lock().take();
        drop(me);
        // No record comes any more: the scheduler's notifiers go back
        // now, not at the close, which may come much later (the review).
        // Sleeping is allowed: the engine asks for no reap report, so it
        // is detached by a handle (the file's release, the C API's stop
        // or end, a failed start), by its own Detach answer, or by its
        // task's death report, all in process context with no lock held.
        drop(self.take_watch());
        self.readable.notify_all();
        if self.tracer.is_some() {
            // No file or C caller holds a tracer's trace, to let go of its
            // memory at its close: it goes now (sleeping is allowed, as
            // above), and with it the charge to the tracer's user.
            self.release_memory();
        }
    }
}
