// SPDX-License-Identifier: GPL-2.0

//! The rules of engine-core, as small pure functions over plain types.
//!
//! Nothing here touches a task, a register or a lock: the registry and the
//! dispatcher call these functions, and the KUnit suite at the bottom checks
//! them directly. The rules are utrace's:
//!
//! - **order**: syscall-entry reports run in reverse attach order (the last
//!   engine attached sits closest to user mode), syscall-exit reports in
//!   attach order;
//! - **resume actions** combine by precedence, the smallest wins:
//!   [`Resume::Stop`] over [`Resume::Report`] over [`Resume::Resume`];
//!   [`Resume::Detach`] concerns only the engine that returns it;
//! - **syscall disposition**: each engine sees the one left by the engines
//!   before it; the last engine called decides;
//! - **attach**: a lookup or a creation, optionally exclusive, matching
//!   existing attachments by engine type or by engine data;
//! - **signals**: each engine sees the disposition the engines before it
//!   chose; the last one called decides; a held signal stops the task;
//! - **control and tear-down**: which requests a handle may make of a task
//!   in which phase of its life, and with which errno it is refused.

use super::engine::Events;
use kernel::bindings;
use kernel::prelude::*;

/// `EALREADY`, which `kernel::error::code` does not name.
pub(crate) fn ealready() -> Error {
    Error::from_errno(-(bindings::EALREADY as i32))
}

/// `EINPROGRESS`, which `kernel::error::code` does not name.
pub(crate) fn einprogress() -> Error {
    Error::from_errno(-(bindings::EINPROGRESS as i32))
}

/// `EOPNOTSUPP`, which `kernel::error::code` does not name.
pub(crate) fn eopnotsupp() -> Error {
    Error::from_errno(-(bindings::EOPNOTSUPP as i32))
}

/// Which side of a syscall a report is for.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum SyscallSide {
    /// Before the syscall runs.
    Entry,
    /// After the syscall ran (or was aborted).
    Exit,
}

/// Who reports at one step of a syscall (or signal) report.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Reporter<T> {
    /// This engine.
    Engine(T),
    /// ptrace: the tracer's stop, at the place its attach time gives it
    /// among the engines.
    Ptrace,
}

/// ptrace's place among engines with attach sequence numbers `seqs` (in
/// attach order) for a tracer that attached at `ptrace_seq`: the number of
/// engines attached before it.
pub fn ptrace_slot(seqs: impl Iterator<Item = u64>, ptrace_seq: u64) -> usize {
    seqs.take_while(|&seq| seq < ptrace_seq).count()
}

/// The reporters of one `side` of a syscall, in order: `engines` in attach
/// order, with ptrace at `slot` among them (see [`ptrace_slot`]).
///
/// Everyone that attached is one layer between user mode and the kernel,
/// the last attached the closest to user mode: at entry the last attached
/// reports first, at exit the first attached does, and ptrace reports where
/// its attach time puts it:
/// - entry: `n-1, ..., slot, ptrace, slot-1, ..., 0`;
/// - exit: `0, ..., slot-1, ptrace, slot, ..., n-1`.
///
/// A plain iterator over the slice: the syscall path walks it per call.
pub fn syscall_order<T>(side: SyscallSide, engines: &[T], slot: usize) -> SyscallOrder<'_, T> {
    let (before, after) = engines.split_at(slot.min(engines.len()));
    SyscallOrder {
        side,
        before: before.iter(),
        after: after.iter(),
        ptrace_done: false,
    }
}

/// The iterator of [`syscall_order`].
pub struct SyscallOrder<'a, T> {
    side: SyscallSide,
    /// The engines attached before the tracer.
    before: core::slice::Iter<'a, T>,
    /// The engines attached after it.
    after: core::slice::Iter<'a, T>,
    /// The tracer's turn came.
    ptrace_done: bool,
}

impl<'a, T> Iterator for SyscallOrder<'a, T> {
    type Item = Reporter<&'a T>;

    fn next(&mut self) -> Option<Self::Item> {
        // Entry walks from user mode inwards (the last attached first),
        // exit from the kernel outwards.
        let first = match self.side {
            SyscallSide::Entry => self.after.next_back(),
            SyscallSide::Exit => self.before.next(),
        };
        if let Some(e) = first {
            return Some(Reporter::Engine(e));
        }
        if !self.ptrace_done {
            self.ptrace_done = true;
            return Some(Reporter::Ptrace);
        }
        match self.side {
            SyscallSide::Entry => self.before.next_back(),
            SyscallSide::Exit => self.after.next(),
        }
        .map(Reporter::Engine)
    }
}

/// The most engines a [`SideMasks`] describes: lists longer than that are
/// walked whole, each engine's mask tested ([`syscall_order`]).
pub const SIDE_MASK_ENGINES: usize = 32;

/// Which engines of a list want each side of a syscall: bit `i` of a side's
/// mask is the engine attached `i`-th. With them the syscall path visits
/// only the engines that want the side ([`masked_order`]): an engine that
/// wants no syscall costs a task's syscalls nothing.
///
/// A mask may name more engines than want the side (the report loop tests
/// each engine's events again), never fewer: [`SideMasks::ALL`] is right
/// for any list.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct SideMasks {
    entry: u32,
    exit: u32,
}

impl SideMasks {
    /// Every engine, on both sides: for a list whose masks are not computed.
    pub const ALL: SideMasks = SideMasks {
        entry: u32::MAX,
        exit: u32::MAX,
    };

    /// The masks of a list whose engines, in attach order, asked for
    /// `events` ([`SideMasks::ALL`] for a list too long for a mask).
    pub fn of(events: impl ExactSizeIterator<Item = Events>) -> SideMasks {
        if events.len() > SIDE_MASK_ENGINES {
            return SideMasks::ALL;
        }
        let mut masks = SideMasks { entry: 0, exit: 0 };
        for (i, e) in events.enumerate() {
            if e.contains(Events::SYSCALL_ENTRY) {
                masks.entry |= 1 << i;
            }
            if e.contains(Events::SYSCALL_EXIT) {
                masks.exit |= 1 << i;
            }
        }
        masks
    }

    /// The one engine of a list of `n` that wants `side`, if exactly one
    /// does (and the list fits a mask): its attach index. Masks name a
    /// superset ("maybe more", [`SideMasks::ALL`] names every engine): the
    /// caller checks that engine's events.
    pub fn only(self, side: SyscallSide, n: usize) -> Option<usize> {
        let mask = self.side(side, n)?;
        (mask.count_ones() == 1).then(|| mask.trailing_zeros() as usize)
    }

    /// The engines of a list of `n` that want `side`; `None` if the list is
    /// too long for a mask: walk it whole.
    #[inline]
    pub fn side(self, side: SyscallSide, n: usize) -> Option<u32> {
        let mask = match side {
            SyscallSide::Entry => self.entry,
            SyscallSide::Exit => self.exit,
        };
        match n {
            SIDE_MASK_ENGINES => Some(mask),
            n if n < SIDE_MASK_ENGINES => Some(mask & ((1 << n) - 1)),
            _ => None,
        }
    }
}

/// [`syscall_order`] over the engines a side's mask names (bit `i`: the
/// engine attached `i`-th, see [`SideMasks`]), with ptrace at `slot` among
/// all the engines. Yields attach indices.
pub fn masked_order(side: SyscallSide, wanting: u32, slot: usize) -> MaskedOrder {
    let below = if slot >= SIDE_MASK_ENGINES {
        u32::MAX
    } else {
        (1u32 << slot) - 1
    };
    MaskedOrder {
        side,
        before: wanting & below,
        after: wanting & !below,
        ptrace_done: false,
    }
}

/// The iterator of [`masked_order`].
pub struct MaskedOrder {
    side: SyscallSide,
    /// The engines attached before the tracer, not yet told.
    before: u32,
    /// The engines attached after it, not yet told.
    after: u32,
    /// The tracer's turn came.
    ptrace_done: bool,
}

impl MaskedOrder {
    /// Takes the highest (entry) or lowest (exit) engine out of `bits`.
    fn take(side: SyscallSide, bits: &mut u32) -> Option<usize> {
        if *bits == 0 {
            return None;
        }
        let i = match side {
            SyscallSide::Entry => 31 - bits.leading_zeros(),
            SyscallSide::Exit => bits.trailing_zeros(),
        };
        *bits &= !(1 << i);
        Some(i as usize)
    }
}

impl Iterator for MaskedOrder {
    type Item = Reporter<usize>;

    fn next(&mut self) -> Option<Self::Item> {
        // As `SyscallOrder`: entry from user mode inwards, exit outwards.
        let first = match self.side {
            SyscallSide::Entry => &mut self.after,
            SyscallSide::Exit => &mut self.before,
        };
        if let Some(i) = Self::take(self.side, first) {
            return Some(Reporter::Engine(i));
        }
        if !self.ptrace_done {
            self.ptrace_done = true;
            return Some(Reporter::Ptrace);
        }
        let second = match self.side {
            SyscallSide::Entry => &mut self.before,
            SyscallSide::Exit => &mut self.after,
        };
        Self::take(self.side, second).map(Reporter::Engine)
    }
}

/// The reporters of a task event that ptrace may stop at (exec, exit):
/// `engines` in attach order (`seq` gives an engine's attach sequence
/// number), told outwards from the kernel as a syscall exit is, with the
/// tracer at its place if it is attached at `tracer` (0: inside every
/// engine, a tracer that attached before the task had engines). `None`:
/// the engines alone.
pub fn event_order<'a, T>(
    engines: &'a [T],
    seq: impl Fn(&T) -> u64,
    tracer: Option<u64>,
) -> impl Iterator<Item = Reporter<&'a T>> + 'a {
    let slot = tracer.map_or(engines.len(), |at| ptrace_slot(engines.iter().map(seq), at));
    syscall_order(SyscallSide::Exit, engines, slot)
        .filter(move |r| tracer.is_some() || !matches!(r, Reporter::Ptrace))
}

/// What an engine wants the traced task to do once the report is over.
///
/// Declared in precedence order: when several engines answer, the smallest
/// value prevails ([`combine_resume`]).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
pub enum Resume {
    /// Stop the task, before the syscall runs at entry, until every engine
    /// that asked for the stop resumes it.
    Stop,
    /// Report again at the next safe point (a quiesce report).
    Report,
    /// Go on; nothing to ask.
    Resume,
    /// Detach this engine: it gets no further callbacks. For the others
    /// this counts as [`Resume::Resume`].
    Detach,
}

/// Combines the action accumulated so far with one engine's answer.
///
/// The smallest action wins; [`Resume::Detach`] is private to the engine
/// that returns it and counts as [`Resume::Resume`] for the task.
pub fn combine_resume(acc: Resume, answer: Resume) -> Resume {
    let answer = if answer == Resume::Detach {
        Resume::Resume
    } else {
        answer
    };
    core::cmp::min(acc, answer)
}

/// What happens to the syscall once every entry callback has run.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Disposition {
    /// The syscall runs, with the number and arguments the engines left.
    Run,
    /// The syscall does not run; the task gets this result (a negative
    /// errno for an error, as the syscall would have returned it).
    Abort(i64),
}

/// How an attach request looks for an existing attachment.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum MatchBy {
    /// Do not look: every request creates a new attachment.
    Nothing,
    /// An attachment whose engine has the same type.
    Type,
    /// An attachment whose engine has the same type and equal data.
    Data,
}

/// An attach request, as utrace's `UTRACE_ATTACH_*` flags express it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct AttachRequest {
    /// Create a new attachment (`UTRACE_ATTACH_CREATE`); without it, only
    /// look an existing one up.
    pub create: bool,
    /// With `create`: fail if a matching attachment exists
    /// (`UTRACE_ATTACH_EXCLUSIVE`).
    pub exclusive: bool,
    /// How to recognise an existing attachment.
    pub match_by: MatchBy,
    /// An engine of the parent follows it to a child, in the parent's clone
    /// report, before the child first runs (inheritance, or an engine's own
    /// follow attach): not held to [`MAX_ENGINES`], so that engines someone
    /// else put on the child in the meantime cannot keep it out of them.
    pub follows_clone: bool,
}

/// The outcome of an attach request, before anything is changed.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum AttachDecision {
    /// Add a new attachment.
    Create,
    /// Hand back the first matching attachment.
    UseExisting,
}

/// Decides an attach request against what the task has.
///
/// `found` tells whether an attachment matches the request. Errors:
/// - `EINVAL`: a lookup or an exclusive creation that matches by nothing
///   (it could never find anything, so it is a caller bug);
/// - `ENOENT`: a lookup that found nothing;
/// - `EEXIST`: an exclusive creation that found a match.
pub fn decide_attach(req: AttachRequest, found: bool) -> Result<AttachDecision> {
    match (req.create, req.exclusive, req.match_by, found) {
        (false, _, MatchBy::Nothing, _) | (true, true, MatchBy::Nothing, _) => Err(EINVAL),
        (false, true, _, _) => Err(EINVAL),
        (false, false, _, true) => Ok(AttachDecision::UseExisting),
        (false, false, _, false) => Err(ENOENT),
        (true, true, _, true) => Err(EEXIST),
        (true, _, _, _) => Ok(AttachDecision::Create),
    }
}

/// The most engines one task can have attached at once.
///
/// Every syscall of the task walks them, every attach copies the list, and
/// a user can attach to each task it may ptrace: the cap bounds what one
/// task can cost, in time and in (accounted) memory. utrace had none;
/// nothing that exists needs more than a handful. As many as one
/// `/dev/utrace` file may attach.
pub const MAX_ENGINES: usize = 256;

/// Whether a task with `attached` engines may get one more: `ENOSPC` at
/// [`MAX_ENGINES`] (as inotify answers at its watch limit), unless the new
/// one follows its parent to the task in the clone report
/// ([`AttachRequest::follows_clone`]).
pub fn check_engine_count(attached: usize, follows_clone: bool) -> Result {
    if attached >= MAX_ENGINES && !follows_clone {
        Err(ENOSPC)
    } else {
        Ok(())
    }
}

/// The most breakpoint subscriptions one attachment may hold.
///
/// Each one may make the kernel allocate a uprobe (unaccounted, in the
/// uprobes core) and walk every address space that maps the file: the cap
/// bounds what one engine can cost. A debugger's breakpoints or a
/// function tracer's probes are a few dozen.
pub const MAX_PROBES: usize = 64;

/// Whether an attachment holding `held` subscriptions, `duplicate` if one
/// of them is already to this probe and side, may take another: `EEXIST`
/// for a duplicate, `ENOSPC` at [`MAX_PROBES`] (as for engines).
pub fn check_probe_subscription(held: usize, duplicate: bool) -> Result {
    if duplicate {
        Err(EEXIST)
    } else if held >= MAX_PROBES {
        Err(ENOSPC)
    } else {
        Ok(())
    }
}

/// The state of a target task as far as attaching is concerned.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct TargetState {
    /// A kernel thread: it makes no syscalls from user mode.
    pub kthread: bool,
    /// An io_uring or vhost worker (`PF_USER_WORKER`): a kernel thread
    /// cloned from a user thread, which never returns to user mode; its
    /// "syscalls" are the kernel's own work for that user thread.
    pub user_worker: bool,
    /// `PF_EXITING` is set, or the task's death was already reported.
    pub exiting: bool,
}

/// Whether engines may be attached to a task in `state`.
///
/// `EPERM` for a kernel thread or a user worker, `ESRCH` for a task that is
/// exiting or dead.
pub fn check_target(state: TargetState) -> Result {
    check_lookup(state)?;
    if state.exiting {
        Err(ESRCH)
    } else {
        Ok(())
    }
}

/// Whether a task in `state` may be searched for an engine attached to it
/// (an attach without create): `EPERM` for a kernel thread or a user
/// worker, which never has engines. An exiting task's engines are found,
/// as utrace found them: a tracer reads its trace at the exit stop.
pub fn check_lookup(state: TargetState) -> Result {
    if state.kthread || state.user_worker {
        Err(EPERM)
    } else {
        Ok(())
    }
}

/// What the task does with a signal, as the engines choose it (utrace's
/// `UTRACE_SIGNAL_*` values).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum SignalAction {
    /// What the task's sigaction says: run the handler, or the default.
    Deliver,
    /// Drop the signal.
    Ignore,
    /// Kill the process, as a fatal signal with no core dump would.
    Terminate,
    /// Kill the process and dump core.
    CoreDump,
    /// Stop the thread group, as SIGSTOP would.
    Stop,
}

/// `UTRACE_SIGNAL_HOLD`: put the signal back in the queue.
pub const SIGNAL_HOLD: u32 = 0x100;
/// `UTRACE_SIGNAL_MASK`: the disposition bits of an answer.
pub const SIGNAL_MASK: u32 = 0xf0;

impl SignalAction {
    /// The `UTRACE_SIGNAL_*` value.
    pub const fn bits(self) -> u32 {
        match self {
            SignalAction::Deliver => 0x00,
            SignalAction::Ignore => 0x10,
            SignalAction::Terminate => 0x20,
            SignalAction::CoreDump => 0x30,
            SignalAction::Stop => 0x40,
        }
    }

    /// The disposition in the `UTRACE_SIGNAL_MASK` bits of `answer`:
    /// `EINVAL` for utrace's TSTP, REPORT and HANDLER (which utrace-rs
    /// does not offer) and anything else.
    pub fn from_bits(answer: u32) -> Result<SignalAction> {
        Ok(match answer & SIGNAL_MASK {
            0x00 => SignalAction::Deliver,
            0x10 => SignalAction::Ignore,
            0x20 => SignalAction::Terminate,
            0x30 => SignalAction::CoreDump,
            0x40 => SignalAction::Stop,
            _ => return Err(EINVAL),
        })
    }
}

/// `UTRACE_SIGNAL_REPORT`: the disposition bits of a made-up report with
/// no signal yet (C engines see it in `action`; answered, it makes none).
pub const SIGNAL_REPORT: u32 = 0x60;

/// The highest signal number (`_NSIG`): a made-up signal is in
/// `1..=MAX_SIGNAL`.
pub const MAX_SIGNAL: i32 = 64;

/// `SIGKILL`, which no engine makes up or diverts.
const SIGKILL: i32 = bindings::SIGKILL as i32;
/// `SIGSTOP`, likewise.
const SIGSTOP: i32 = bindings::SIGSTOP as i32;

/// Whether `signo` may be made up, or given a handler by an engine:
/// `EINVAL` outside `1..=MAX_SIGNAL`, and for SIGKILL and SIGSTOP (their
/// actions are the kernel's alone).
pub fn check_made_up_signal(signo: i32) -> Result {
    match signo {
        SIGKILL | SIGSTOP => Err(EINVAL),
        1..=MAX_SIGNAL => Ok(()),
        _ => Err(EINVAL),
    }
}

/// The handler a signal is delivered with (a sigaction's `sa_handler`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum SigHandler {
    /// `SIG_DFL`: the signal's default action.
    Default,
    /// `SIG_IGN`: nothing.
    Ignore,
    /// A function at this address in the task's user space.
    At(u64),
}

impl SigHandler {
    /// The handler of a raw `sa_handler` value.
    pub fn from_raw(raw: u64) -> SigHandler {
        match raw {
            0 => SigHandler::Default,
            1 => SigHandler::Ignore,
            addr => SigHandler::At(addr),
        }
    }

    /// The raw `sa_handler` value; `EINVAL` for an address that would
    /// read as `SIG_DFL` or `SIG_IGN`.
    pub fn to_raw(self) -> Result<u64> {
        match self {
            SigHandler::Default => Ok(0),
            SigHandler::Ignore => Ok(1),
            SigHandler::At(0 | 1) => Err(EINVAL),
            SigHandler::At(addr) => Ok(addr),
        }
    }
}

/// What the task's own sigaction would do with a signal: it decides under
/// which `Events::SIGNAL*` bit the signal is reported.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum SignalClass {
    /// A handler runs.
    Handler,
    /// Nothing happens (SIG_IGN, or ignored by default).
    Ignore,
    /// The default stops the thread group.
    Stop,
    /// The default kills the process.
    Terminate,
    /// The default kills the process and dumps core.
    CoreDump,
}

impl SignalClass {
    /// The event bit signals of this class are reported under.
    pub fn event(self) -> Events {
        match self {
            SignalClass::Handler => Events::SIGNAL,
            SignalClass::Ignore => Events::SIGNAL_IGN,
            SignalClass::Stop => Events::SIGNAL_STOP,
            SignalClass::Terminate => Events::SIGNAL_TERM,
            SignalClass::CoreDump => Events::SIGNAL_CORE,
        }
    }

    /// The class whose event bit is `bit` (one bit): `EINVAL` otherwise.
    pub fn from_event(bit: Events) -> Result<SignalClass> {
        [
            SignalClass::Handler,
            SignalClass::Ignore,
            SignalClass::Stop,
            SignalClass::Terminate,
            SignalClass::CoreDump,
        ]
        .into_iter()
        .find(|c| c.event() == bit)
        .ok_or(EINVAL)
    }
}

/// Where a task is in its life, as tear-down rules see it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Phase {
    /// Running (or stopped): everything is allowed.
    Alive,
    /// Its death report is running.
    Dying,
    /// Dead: only engines that asked for its reap are still attached.
    Dead,
}

/// A request a handle makes of its task (utrace's `utrace_control()`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Control {
    /// Stop the task at its next safe point.
    Stop,
    /// A quiesce report at the next safe point, breaking a sleep.
    Interrupt,
    /// A quiesce report at the next return to user mode.
    Report,
    /// Resume for one instruction.
    SingleStep,
    /// Resume until the next branch.
    BlockStep,
    /// Resume.
    Resume,
    /// Detach the engine.
    Detach,
}

/// What the architecture offers for stepping.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct StepSupport {
    /// `arch_has_single_step()`.
    pub single: bool,
    /// `arch_has_block_step()`.
    pub block: bool,
}

/// A step the task takes when it leaves its stop (the values are
/// `utrace_helper_set_step()`'s).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[repr(i8)]
pub enum Step {
    /// Run on.
    None = 0,
    /// One instruction.
    Single = 1,
    /// Until the next branch.
    Block = 2,
}

impl Step {
    /// The step a value of [`Step::raw`] names (anything else: none).
    pub fn from_raw(raw: i8) -> Step {
        match raw {
            1 => Step::Single,
            2 => Step::Block,
            _ => Step::None,
        }
    }

    /// The value `utrace_helper_set_step()` takes.
    pub fn raw(self) -> i8 {
        self as i8
    }
}

/// The step that serves two engines' asks: the finer one, since a single
/// step traps no later than a block step would, and an engine that asked
/// for a block step sees a trap inside its block (as it would at a branch).
pub fn combine_step(a: Step, b: Step) -> Step {
    match (a, b) {
        (Step::Single, _) | (_, Step::Single) => Step::Single,
        (Step::Block, _) | (_, Step::Block) => Step::Block,
        (Step::None, Step::None) => Step::None,
    }
}

/// What a signal the task reports is to the step its engines took
/// ([`step_end`]).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum StepEnd {
    /// No step's trap to judge: no step ran, or the kernel had turned it
    /// off by itself (the trap, if there is one, is no step's).
    NotAStep,
    /// A signal that is not the step's trap came first: the step ended,
    /// and the engines it served hear of the signal, even after a tracer
    /// that dropped it.
    Interrupted,
    /// The trap of the engines' step alone: judged by them, and never
    /// shown to a tracer, which did not step.
    Engines,
    /// The trap of a step the tracer asked for too: the engines hear of
    /// it, as observers, and the tracer decides.
    Shared,
}

/// What a signal is to the engines' running step: `trap`, it looks like a
/// step's trap ([`is_step_trap`]); `armed`, the step was still armed (the
/// kernel had not turned it off by itself, as x86 does to enter a
/// handler); `tracer_steps`, the tracer's last resume stepped too
/// (`PT_TRACER_STEP`: the same hardware step is then the tracer's as well).
pub fn step_end(trap: bool, armed: bool, tracer_steps: bool) -> StepEnd {
    match (trap, armed, tracer_steps) {
        (_, false, _) => StepEnd::NotAStep,
        (false, true, _) => StepEnd::Interrupted,
        (true, true, false) => StepEnd::Engines,
        (true, true, true) => StepEnd::Shared,
    }
}

/// How the architecture reports a step that ends in a syscall's exit work,
/// where the trap is sent rather than taken.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum StepReport {
    /// x86's `user_single_step_report()`: SIGTRAP with `TRAP_BRKPT`.
    Brkpt,
    /// arm64 (patch 0031): for an untraced task, SIGTRAP with `TRAP_TRACE`,
    /// as its step exception sends; `TRAP_BRKPT` is a `brk` instruction's.
    Trace,
}

impl StepReport {
    /// This architecture's.
    pub const ARCH: StepReport = if cfg!(CONFIG_X86) {
        StepReport::Brkpt
    } else {
        StepReport::Trace
    };
}

/// Whether a signal is the trap a step ends with: SIGTRAP with
/// `TRAP_TRACE` (an instruction stepped), `TRAP_BRANCH` (a block stepped),
/// or, on x86, `TRAP_BRKPT` (a syscall instruction stepped: its exit work
/// sends the trap). Another process cannot send those codes (kill(2) gives
/// `SI_USER`, and a signal whose siginfo was lost arrives as `SI_USER` too);
/// int3 and arm64's `brk` give `SI_KERNEL` and `TRAP_BRKPT`.
pub fn is_step_trap(signo: i32, code: i32, report: StepReport) -> bool {
    const SIGTRAP: i32 = bindings::SIGTRAP as i32;
    const TRAP_TRACE: i32 = bindings::TRAP_TRACE as i32;
    const TRAP_BRANCH: i32 = bindings::TRAP_BRANCH as i32;
    const TRAP_BRKPT: i32 = bindings::TRAP_BRKPT as i32;
    if signo != SIGTRAP {
        return false;
    }
    matches!(
        (code, report),
        (TRAP_TRACE | TRAP_BRANCH, _) | (TRAP_BRKPT, StepReport::Brkpt)
    )
}

/// Whether a handle may make request `ctl` of a task in `phase`; `events`
/// are its engine's. A detach is allowed in every phase. Errors, as
/// utrace's:
/// - `ESRCH`: anything but a detach on a dead task;
/// - `EINVAL`: a report or interrupt for an engine without
///   [`Events::QUIESCE`] (it would never see it);
/// - `EOPNOTSUPP`: a step the architecture cannot do.
pub fn check_control(ctl: Control, phase: Phase, events: Events, step: StepSupport) -> Result {
    match (ctl, phase) {
        // A detach always takes effect, even during the death report: no
        // callback of the engine starts after it (utrace answered EALREADY
        // there and still made the death and reap callbacks, which left a
        // module no safe moment to unload).
        (Control::Detach, _) => return Ok(()),
        (_, Phase::Dying | Phase::Dead) => return Err(ESRCH),
        (_, Phase::Alive) => {}
    }
    match ctl {
        Control::Interrupt | Control::Report if !events.contains(Events::QUIESCE) => Err(EINVAL),
        Control::SingleStep if !step.single => Err(eopnotsupp()),
        Control::BlockStep if !step.block => Err(eopnotsupp()),
        _ => Ok(()),
    }
}

/// Where a task stands for an engine that examines it from another task
/// (utrace's `utrace_prepare_examine()`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct ExamineTarget {
    /// The engine is detached.
    pub detached: bool,
    /// The task's phase.
    pub phase: Phase,
    /// The engine holds the task stopped.
    pub holds_stop: bool,
    /// The task is parked in its stop.
    pub parked: bool,
    /// A fatal signal is pending for the task: it leaves its stop to die
    /// (waiting only for an access under way).
    pub killed: bool,
}

/// Whether an engine may examine its task now. Errors, as utrace's:
/// - `ESRCH`: the engine is detached, or the task is dying or dead, or
///   killed (a fatal signal is pending: no new access may hold it back);
/// - `EINVAL`: the engine does not hold the task stopped (nothing keeps
///   it from running);
/// - `EAGAIN`: the engine holds it, but it has not stopped yet.
pub fn check_examine(t: ExamineTarget) -> Result {
    if t.detached || t.phase != Phase::Alive || t.killed {
        return Err(ESRCH);
    }
    if !t.holds_stop {
        return Err(EINVAL);
    }
    if !t.parked {
        return Err(EAGAIN);
    }
    Ok(())
}

/// How many bytes of a string at `addr` to read next, of the `left` the
/// caller still has room for: no further than the end of `addr`'s page
/// (`page` bytes, a power of two), so that a string ending before a
/// missing page is read whole.
pub fn string_chunk(addr: u64, left: usize, page: usize) -> usize {
    let in_page = page - (addr as usize & (page - 1));
    left.min(in_page)
}

/// Which of the kernel's syscall hooks a task's engines need
/// (`SYSCALL_WORK_UTRACE` and `SYSCALL_WORK_UTRACE_EXIT`).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct SyscallWork {
    /// The entry hook: while any engine wants either side of syscalls (the
    /// entry report is what tells the exit report whether the call ran).
    pub entry: bool,
    /// The exit hook: while an engine wants syscall exits, or an entry
    /// callback asked for the exit of the current call.
    pub exit: bool,
}

/// The hooks the engines' `wanted` events need, `exit_once` if an entry
/// callback asked for the exit report of the current call.
pub fn syscall_work(wanted: Events, exit_once: bool) -> SyscallWork {
    let exit = exit_once || wanted.contains(Events::SYSCALL_EXIT);
    SyscallWork {
        entry: exit || wanted.intersects(Events::SYSCALL),
        exit,
    }
}

/// Whether an engine's events may change from `old` to `new` in `phase`:
/// `EALREADY` for clearing [`Events::DEATH`] once the death report began,
/// or for asking for the death or quiesce report of a dying or dead task.
pub fn check_set_events(phase: Phase, old: Events, new: Events) -> Result {
    if phase == Phase::Alive {
        return Ok(());
    }
    let cleared_death = old.contains(Events::DEATH) && !new.contains(Events::DEATH);
    let added = Events::from_raw(new.bits() & !old.bits());
    if cleared_death || added.intersects(Events::DEATH | Events::QUIESCE) {
        return Err(ealready());
    }
    Ok(())
}

#[cfg(CONFIG_UTRACE_KUNIT_TEST)]
#[kunit_tests(utrace_policy)]
mod tests {
    use super::*;

    /// The attach indices called, in order, for `n` engines on `side`,
    /// with ptrace innermost (attached first; it reports as -1).
    fn order(side: SyscallSide, n: usize) -> KVec<isize> {
        let mut v = order_with_ptrace(side, n, 0);
        let innermost = if side == SyscallSide::Entry { n } else { 0 };
        assert_eq!(v.remove(innermost).unwrap(), -1);
        v
    }

    /// The reporters, in order, for `n` engines and ptrace at `slot`.
    fn order_with_ptrace(side: SyscallSide, n: usize, slot: usize) -> KVec<isize> {
        let mut engines = KVec::new();
        for i in 0..n {
            engines.push(i as isize, GFP_KERNEL).unwrap();
        }
        let mut v = KVec::new();
        for r in syscall_order(side, &engines, slot) {
            let r = match r {
                Reporter::Engine(&i) => i,
                Reporter::Ptrace => -1,
            };
            v.push(r, GFP_KERNEL).unwrap();
        }
        v
    }

    /// `masked_order`'s reporters, attach indices and -1 for ptrace.
    fn masked(side: SyscallSide, wanting: u32, slot: usize) -> KVec<isize> {
        let mut v = KVec::new();
        for r in masked_order(side, wanting, slot) {
            let r = match r {
                Reporter::Engine(i) => i as isize,
                Reporter::Ptrace => -1,
            };
            v.push(r, GFP_KERNEL).unwrap();
        }
        v
    }

    #[test]
    fn masked_order_is_syscall_order_of_the_engines_that_want_the_side() -> Result {
        // Every mask of 6 engines, every place of the tracer, both sides:
        // the masked order is the full order with the others left out.
        for side in [SyscallSide::Entry, SyscallSide::Exit] {
            for wanting in 0u32..64 {
                for slot in 0..=6 {
                    let mut want = order_with_ptrace(side, 6, slot);
                    want.retain(|i| *i < 0 || wanting & (1 << *i) != 0);
                    assert_eq!(masked(side, wanting, slot), want);
                }
            }
        }
        // The edges of the mask: engines 0 and 31, the tracer outside both.
        assert_eq!(masked(SyscallSide::Entry, 1 << 31 | 1, 32)[..], [-1, 31, 0]);
        assert_eq!(masked(SyscallSide::Entry, 1 << 31 | 1, 0)[..], [31, 0, -1]);
        assert_eq!(masked(SyscallSide::Exit, 1 << 31 | 1, 40)[..], [0, 31, -1]);
        assert_eq!(masked(SyscallSide::Exit, 0, 0)[..], [-1]);
        Ok(())
    }

    #[test]
    fn side_masks_name_the_engines_of_each_side() {
        let e = [
            Events::SYSCALL_ENTRY,
            Events::SIGNAL,
            Events::SYSCALL_EXIT | Events::EXEC,
            Events::SYSCALL,
        ];
        let m = SideMasks::of(e.iter().copied());
        assert_eq!(m.side(SyscallSide::Entry, 4), Some(0b1001));
        assert_eq!(m.side(SyscallSide::Exit, 4), Some(0b1100));
        // Not computed: every engine of the list, none beyond it.
        assert_eq!(SideMasks::ALL.side(SyscallSide::Entry, 3), Some(0b111));
        assert_eq!(SideMasks::ALL.side(SyscallSide::Exit, 0), Some(0));
        // Too many for a mask: walked whole.
        let many = [Events::SYSCALL_ENTRY; SIDE_MASK_ENGINES + 1];
        assert_eq!(SideMasks::of(many.iter().copied()), SideMasks::ALL);
        assert_eq!(
            SideMasks::ALL.side(SyscallSide::Entry, SIDE_MASK_ENGINES + 1),
            None
        );
        let most = [Events::SYSCALL_EXIT; SIDE_MASK_ENGINES];
        let m = SideMasks::of(most.iter().copied());
        assert_eq!(m.side(SyscallSide::Exit, SIDE_MASK_ENGINES), Some(u32::MAX));
        assert_eq!(m.side(SyscallSide::Entry, SIDE_MASK_ENGINES), Some(0));
    }

    #[test]
    fn the_one_engine_of_a_side() {
        let e = [Events::SIGNAL, Events::SYSCALL, Events::SYSCALL_EXIT];
        let m = SideMasks::of(e.iter().copied());
        // Entries: engine 1 alone; exits: 1 and 2.
        assert_eq!(m.only(SyscallSide::Entry, 3), Some(1));
        assert_eq!(m.only(SyscallSide::Exit, 3), None);
        assert_eq!(
            SideMasks::of([Events::EXEC].into_iter()).only(SyscallSide::Entry, 1),
            None
        );
        // Not computed: every engine may want it.
        assert_eq!(SideMasks::ALL.only(SyscallSide::Entry, 2), None);
        assert_eq!(SideMasks::ALL.only(SyscallSide::Entry, 1), Some(0));
        assert_eq!(
            SideMasks::ALL.only(SyscallSide::Entry, SIDE_MASK_ENGINES + 1),
            None
        );
    }

    #[test]
    fn engine_count_is_capped() {
        assert_eq!(check_engine_count(0, false), Ok(()));
        assert_eq!(check_engine_count(MAX_ENGINES - 1, false), Ok(()));
        assert_eq!(check_engine_count(MAX_ENGINES, false), Err(ENOSPC));
        assert_eq!(check_engine_count(usize::MAX, false), Err(ENOSPC));
        // The parent's engines follow it to a child someone else filled.
        assert_eq!(check_engine_count(MAX_ENGINES, true), Ok(()));
    }

    #[test]
    fn probe_subscriptions_are_capped_and_unique() {
        assert_eq!(check_probe_subscription(0, false), Ok(()));
        assert_eq!(check_probe_subscription(MAX_PROBES - 1, false), Ok(()));
        assert_eq!(check_probe_subscription(MAX_PROBES, false), Err(ENOSPC));
        assert_eq!(check_probe_subscription(3, true), Err(EEXIST));
        assert_eq!(check_probe_subscription(MAX_PROBES, true), Err(EEXIST));
    }

    #[test]
    fn syscall_work_per_side() {
        let work = |entry, exit| SyscallWork { entry, exit };
        assert_eq!(syscall_work(Events::NONE, false), work(false, false));
        assert_eq!(
            syscall_work(Events::EXEC | Events::DEATH, false),
            work(false, false)
        );
        // Entry-only engines cost the exit nothing...
        assert_eq!(
            syscall_work(Events::SYSCALL_ENTRY, false),
            work(true, false)
        );
        // ...unless one asked for this call's exit.
        assert_eq!(syscall_work(Events::SYSCALL_ENTRY, true), work(true, true));
        // Exit reports need the entry one too.
        assert_eq!(syscall_work(Events::SYSCALL_EXIT, false), work(true, true));
        assert_eq!(syscall_work(Events::SYSCALL, false), work(true, true));
    }

    #[test]
    fn exit_order_mirrors_entry_order() {
        for n in 0..6 {
            for slot in 0..=n {
                let entry = order_with_ptrace(SyscallSide::Entry, n, slot);
                let exit = order_with_ptrace(SyscallSide::Exit, n, slot);
                assert_eq!(entry.len(), n + 1);
                assert_eq!(exit.len(), n + 1);
                for i in 0..=n {
                    assert_eq!(entry[i], exit[n - i]);
                }
                // The tracer has `slot` engines inside it.
                assert_eq!(exit[slot], -1);
                for (i, &e) in exit.iter().enumerate().filter(|&(i, _)| i != slot) {
                    assert_eq!(e, if i < slot { i as isize } else { i as isize - 1 });
                }
            }
        }
    }

    #[test]
    fn ptrace_takes_its_attach_place() {
        // Three engines, the tracer attached after the second (slot 2).
        assert_eq!(
            &order_with_ptrace(SyscallSide::Entry, 3, 2)[..],
            &[2, -1, 1, 0]
        );
        assert_eq!(
            &order_with_ptrace(SyscallSide::Exit, 3, 2)[..],
            &[0, 1, -1, 2]
        );
        // Attached after every engine: outermost, as ptrace always was.
        assert_eq!(
            &order_with_ptrace(SyscallSide::Entry, 2, 2)[..],
            &[-1, 1, 0]
        );
        assert_eq!(&order_with_ptrace(SyscallSide::Exit, 2, 2)[..], &[0, 1, -1]);
        // Attached before every engine: innermost.
        assert_eq!(
            &order_with_ptrace(SyscallSide::Entry, 2, 0)[..],
            &[1, 0, -1]
        );
        assert_eq!(&order_with_ptrace(SyscallSide::Exit, 2, 0)[..], &[-1, 0, 1]);
        // A slot past the end (the tracer after every engine): outermost.
        assert_eq!(
            &order_with_ptrace(SyscallSide::Entry, 2, 5)[..],
            &[-1, 1, 0]
        );
        assert_eq!(&order_with_ptrace(SyscallSide::Exit, 2, 5)[..], &[0, 1, -1]);
        // No engines at all: ptrace alone.
        assert_eq!(&order_with_ptrace(SyscallSide::Entry, 0, 0)[..], &[-1]);
        assert_eq!(&order_with_ptrace(SyscallSide::Exit, 0, 0)[..], &[-1]);
    }

    /// The reporters of a task event over engines with sequence numbers
    /// `seqs`, as the numbers, 0 for the tracer.
    fn round(seqs: &[u64], tracer: Option<u64>) -> KVec<u64> {
        let mut out = KVec::new();
        for r in event_order(seqs, |s| *s, tracer) {
            let v = match r {
                Reporter::Engine(s) => *s,
                Reporter::Ptrace => 0,
            };
            out.push(v, GFP_KERNEL).unwrap();
        }
        out
    }

    #[test]
    fn task_events_put_the_tracer_at_its_place_in_attach_order() {
        let seqs = [1, 2, 4, 5];
        assert_eq!(&round(&seqs, None)[..], &[1, 2, 4, 5]);
        assert_eq!(&round(&seqs, Some(3))[..], &[1, 2, 0, 4, 5]);
        // Traced before the task had engines: inside all of them.
        assert_eq!(&round(&seqs, Some(0))[..], &[0, 1, 2, 4, 5]);
        assert_eq!(&round(&seqs, Some(9))[..], &[1, 2, 4, 5, 0]);
        assert_eq!(&round(&[], Some(3))[..], &[0]);
        assert_eq!(&round(&[], None)[..], &[]);
    }

    #[test]
    fn ptrace_slot_counts_engines_attached_before() {
        let seqs = [1u64, 2, 5, 9];
        assert_eq!(ptrace_slot(seqs.iter().copied(), 0), 0);
        assert_eq!(ptrace_slot(seqs.iter().copied(), 3), 2);
        assert_eq!(ptrace_slot(seqs.iter().copied(), 6), 3);
        assert_eq!(ptrace_slot(seqs.iter().copied(), 10), 4);
        assert_eq!(ptrace_slot(core::iter::empty(), 7), 0);
    }

    #[test]
    fn order_one_engine() {
        assert_eq!(&order(SyscallSide::Entry, 1)[..], &[0]);
        assert_eq!(&order(SyscallSide::Exit, 1)[..], &[0]);
    }

    #[test]
    fn order_two_engines() {
        assert_eq!(&order(SyscallSide::Entry, 2)[..], &[1, 0]);
        assert_eq!(&order(SyscallSide::Exit, 2)[..], &[0, 1]);
    }

    #[test]
    fn order_three_engines() {
        assert_eq!(&order(SyscallSide::Entry, 3)[..], &[2, 1, 0]);
        assert_eq!(&order(SyscallSide::Exit, 3)[..], &[0, 1, 2]);
    }

    #[test]
    fn resume_precedence() {
        use Resume::{Detach, Report, Resume as Go, Stop};
        assert_eq!(combine_resume(Go, Go), Go);
        assert_eq!(combine_resume(Go, Report), Report);
        assert_eq!(combine_resume(Report, Go), Report);
        assert_eq!(combine_resume(Report, Stop), Stop);
        assert_eq!(combine_resume(Stop, Report), Stop);
        assert_eq!(combine_resume(Stop, Go), Stop);
        // Detach is private to its engine.
        assert_eq!(combine_resume(Go, Detach), Go);
        assert_eq!(combine_resume(Report, Detach), Report);
        assert_eq!(combine_resume(Stop, Detach), Stop);
    }

    #[test]
    fn resume_fold_is_order_independent() {
        use Resume::{Detach, Report, Resume as Go, Stop};
        let answers = [Go, Detach, Report, Go, Stop, Report];
        let forward = answers.iter().fold(Go, |a, &b| combine_resume(a, b));
        let backward = answers.iter().rev().fold(Go, |a, &b| combine_resume(a, b));
        assert_eq!(forward, Stop);
        assert_eq!(backward, Stop);
    }

    fn req(create: bool, exclusive: bool, match_by: MatchBy) -> AttachRequest {
        AttachRequest {
            create,
            exclusive,
            match_by,
            follows_clone: false,
        }
    }

    #[test]
    fn attach_create() {
        let r = req(true, false, MatchBy::Nothing);
        assert_eq!(decide_attach(r, false), Ok(AttachDecision::Create));
        let r = req(true, false, MatchBy::Type);
        assert_eq!(decide_attach(r, true), Ok(AttachDecision::Create));
    }

    #[test]
    fn attach_exclusive() {
        for m in [MatchBy::Type, MatchBy::Data] {
            let r = req(true, true, m);
            assert_eq!(decide_attach(r, false), Ok(AttachDecision::Create));
            assert_eq!(decide_attach(r, true), Err(EEXIST));
        }
        assert_eq!(
            decide_attach(req(true, true, MatchBy::Nothing), false),
            Err(EINVAL)
        );
    }

    #[test]
    fn attach_lookup() {
        for m in [MatchBy::Type, MatchBy::Data] {
            let r = req(false, false, m);
            assert_eq!(decide_attach(r, true), Ok(AttachDecision::UseExisting));
            assert_eq!(decide_attach(r, false), Err(ENOENT));
        }
        assert_eq!(
            decide_attach(req(false, false, MatchBy::Nothing), true),
            Err(EINVAL)
        );
        assert_eq!(
            decide_attach(req(false, true, MatchBy::Type), true),
            Err(EINVAL)
        );
    }

    #[test]
    fn a_lookup_finds_an_exiting_tasks_engines_but_no_kernel_threads() {
        let ok = TargetState::default();
        let exiting = TargetState {
            exiting: true,
            ..ok
        };
        assert_eq!(check_lookup(ok), Ok(()));
        assert_eq!(check_lookup(exiting), Ok(()));
        assert_eq!(check_target(exiting), Err(ESRCH));
        for kthread in [
            TargetState {
                kthread: true,
                ..exiting
            },
            TargetState {
                user_worker: true,
                ..ok
            },
        ] {
            assert_eq!(check_lookup(kthread), Err(EPERM));
        }
    }

    #[test]
    fn target_rules() {
        let ok = TargetState::default();
        assert_eq!(check_target(ok), Ok(()));
        assert_eq!(
            check_target(TargetState {
                kthread: true,
                ..ok
            }),
            Err(EPERM)
        );
        assert_eq!(
            check_target(TargetState {
                exiting: true,
                ..ok
            }),
            Err(ESRCH)
        );
        assert_eq!(
            check_target(TargetState {
                user_worker: true,
                ..ok
            }),
            Err(EPERM)
        );
        let both = TargetState {
            kthread: true,
            exiting: true,
            ..ok
        };
        assert_eq!(check_target(both), Err(EPERM));
    }

    #[test]
    fn made_up_signals_are_real_signal_numbers() {
        for signo in [1, 10, 18, 20, 34, 64] {
            assert_eq!(check_made_up_signal(signo), Ok(()));
        }
        for signo in [i32::MIN, -1, 0, 9, 19, 65, i32::MAX] {
            assert_eq!(check_made_up_signal(signo), Err(EINVAL));
        }
    }

    #[test]
    fn sig_handler_raw_round_trip() {
        assert_eq!(SigHandler::from_raw(0), SigHandler::Default);
        assert_eq!(SigHandler::from_raw(1), SigHandler::Ignore);
        assert_eq!(SigHandler::from_raw(0x401000), SigHandler::At(0x401000));
        for h in [
            SigHandler::Default,
            SigHandler::Ignore,
            SigHandler::At(2),
            SigHandler::At(0x7fff_ffff_f000),
        ] {
            assert_eq!(h.to_raw().map(SigHandler::from_raw), Ok(h));
        }
        // An address that would read back as SIG_DFL or SIG_IGN.
        assert_eq!(SigHandler::At(0).to_raw(), Err(EINVAL));
        assert_eq!(SigHandler::At(1).to_raw(), Err(EINVAL));
    }

    #[test]
    fn signal_action_bits_round_trip() {
        for a in [
            SignalAction::Deliver,
            SignalAction::Ignore,
            SignalAction::Terminate,
            SignalAction::CoreDump,
            SignalAction::Stop,
        ] {
            assert_eq!(SignalAction::from_bits(a.bits()), Ok(a));
            assert_eq!(SignalAction::from_bits(a.bits() | SIGNAL_HOLD), Ok(a));
        }
        // utrace's TSTP, REPORT and HANDLER are not offered.
        for bits in [0x50, 0x60, 0x70, 0xf0] {
            assert_eq!(SignalAction::from_bits(bits), Err(EINVAL));
        }
    }

    #[test]
    fn signal_classes_have_one_event_each() {
        let mut all = Events::NONE;
        for c in [
            SignalClass::Handler,
            SignalClass::Ignore,
            SignalClass::Stop,
            SignalClass::Terminate,
            SignalClass::CoreDump,
        ] {
            assert!(!all.intersects(c.event()));
            all = all | c.event();
            assert_eq!(SignalClass::from_event(c.event()), Ok(c));
        }
        assert_eq!(all, Events::SIGNAL_ALL);
        assert_eq!(SignalClass::from_event(Events::SIGNAL_ALL), Err(EINVAL));
        assert_eq!(SignalClass::from_event(Events::EXEC), Err(EINVAL));
    }

    #[test]
    fn control_rules() {
        let both = StepSupport {
            single: true,
            block: true,
        };
        let none = StepSupport {
            single: false,
            block: false,
        };
        let q = Events::QUIESCE;
        let n = Events::NONE;
        assert_eq!(check_control(Control::Stop, Phase::Alive, n, both), Ok(()));
        assert_eq!(
            check_control(Control::Resume, Phase::Alive, n, both),
            Ok(())
        );
        assert_eq!(
            check_control(Control::Report, Phase::Alive, n, both),
            Err(EINVAL)
        );
        assert_eq!(
            check_control(Control::Interrupt, Phase::Alive, n, both),
            Err(EINVAL)
        );
        assert_eq!(
            check_control(Control::Report, Phase::Alive, q, both),
            Ok(())
        );
        assert_eq!(
            check_control(Control::Interrupt, Phase::Alive, q, both),
            Ok(())
        );
        assert_eq!(
            check_control(Control::SingleStep, Phase::Alive, n, both),
            Ok(())
        );
        assert_eq!(
            check_control(Control::SingleStep, Phase::Alive, n, none),
            Err(eopnotsupp())
        );
        assert_eq!(
            check_control(Control::BlockStep, Phase::Alive, n, none),
            Err(eopnotsupp())
        );
        for ctl in [
            Control::Stop,
            Control::Report,
            Control::Resume,
            Control::SingleStep,
        ] {
            assert_eq!(check_control(ctl, Phase::Dying, q, both), Err(ESRCH));
            assert_eq!(check_control(ctl, Phase::Dead, q, both), Err(ESRCH));
        }
        assert_eq!(
            check_control(Control::Detach, Phase::Dying, n, both),
            Ok(())
        );
        assert_eq!(check_control(Control::Detach, Phase::Dead, n, both), Ok(()));
        assert_eq!(
            check_control(Control::Detach, Phase::Alive, n, none),
            Ok(())
        );
    }

    #[test]
    fn steps_combine_to_the_finer() {
        let all = [Step::None, Step::Single, Step::Block];
        for a in all {
            for b in all {
                let want = if a == Step::Single || b == Step::Single {
                    Step::Single
                } else if a == Step::Block || b == Step::Block {
                    Step::Block
                } else {
                    Step::None
                };
                assert_eq!(combine_step(a, b), want);
                assert_eq!(Step::from_raw(a.raw()), a);
            }
        }
        assert_eq!(Step::from_raw(3), Step::None);
        assert_eq!(Step::from_raw(-1), Step::None);
    }

    #[test]
    fn a_trap_is_the_tracers_only_if_it_stepped() {
        use StepEnd::{Engines, Interrupted, NotAStep, Shared};
        // (trap, armed, tracer steps) -> what the signal is to the step.
        let table = [
            (true, true, false, Engines),
            (true, true, true, Shared),
            (false, true, false, Interrupted),
            (false, true, true, Interrupted),
            (true, false, false, NotAStep),
            (true, false, true, NotAStep),
            (false, false, false, NotAStep),
            (false, false, true, NotAStep),
        ];
        for (trap, armed, tracer, want) in table {
            assert_eq!(step_end(trap, armed, tracer), want);
        }
    }

    #[test]
    fn only_a_step_sigtrap_is_a_step_trap() {
        use StepReport::{Brkpt, Trace};
        // SIGTRAP is 5; TRAP_BRKPT 1, TRAP_TRACE 2, TRAP_BRANCH 3,
        // TRAP_HWBKPT 4; SI_USER 0, SI_KERNEL 0x80, SI_TKILL -6.
        for report in [Brkpt, Trace] {
            assert!(is_step_trap(5, 2, report));
            assert!(is_step_trap(5, 3, report));
            assert!(!is_step_trap(5, 4, report));
            // kill(2), a signal whose siginfo was lost, tgkill(2).
            assert!(!is_step_trap(5, 0, report));
            assert!(!is_step_trap(5, 0x80, report));
            assert!(!is_step_trap(5, -6, report));
            // SIGILL with ILL_ILLOPC (1), SIGSEGV with SEGV_MAPERR (1).
            assert!(!is_step_trap(4, 1, report));
            assert!(!is_step_trap(11, 2, report));
        }
        // x86's exit work sends TRAP_BRKPT; on arm64 that is a breakpoint.
        assert!(is_step_trap(5, 1, Brkpt));
        assert!(!is_step_trap(5, 1, Trace));
        let x86_report = StepReport::ARCH == Brkpt;
        assert_eq!(x86_report, cfg!(CONFIG_X86));
    }

    #[test]
    fn set_events_rules() {
        let d = Events::DEATH;
        let r = Events::REAP;
        assert_eq!(check_set_events(Phase::Alive, d, Events::NONE), Ok(()));
        assert_eq!(
            check_set_events(Phase::Alive, Events::NONE, Events::QUIESCE),
            Ok(())
        );
        for p in [Phase::Dying, Phase::Dead] {
            assert_eq!(check_set_events(p, d, Events::NONE), Err(ealready()));
            assert_eq!(check_set_events(p, r, r | d), Err(ealready()));
            assert_eq!(check_set_events(p, r, r | Events::QUIESCE), Err(ealready()));
            // Keeping DEATH, or dropping other events, is fine.
            assert_eq!(check_set_events(p, d | r, d), Ok(()));
            assert_eq!(check_set_events(p, d, d | r), Ok(()));
        }
    }

    #[test]
    fn examining_needs_a_stop_the_engine_holds_and_the_task_in_it() {
        let ok = ExamineTarget {
            detached: false,
            phase: Phase::Alive,
            holds_stop: true,
            parked: true,
            killed: false,
        };
        assert_eq!(check_examine(ok), Ok(()));
        // Killed: refused even while still parked (an access would hold
        // its death back).
        let killed = ExamineTarget { killed: true, ..ok };
        assert_eq!(check_examine(killed), Err(ESRCH));
        let not_yet = ExamineTarget {
            parked: false,
            ..ok
        };
        assert_eq!(check_examine(not_yet), Err(EAGAIN));
        // Another engine's stop keeps nothing still for this one.
        let others = ExamineTarget {
            holds_stop: false,
            ..ok
        };
        assert_eq!(check_examine(others), Err(EINVAL));
        // Gone before anything else: detached, dying, dead.
        let detached = ExamineTarget {
            detached: true,
            holds_stop: false,
            parked: false,
            ..ok
        };
        assert_eq!(check_examine(detached), Err(ESRCH));
        for phase in [Phase::Dying, Phase::Dead] {
            assert_eq!(check_examine(ExamineTarget { phase, ..ok }), Err(ESRCH));
        }
    }

    #[test]
    fn a_string_is_read_no_further_than_its_page() {
        assert_eq!(string_chunk(0x1000, 100, 4096), 100);
        assert_eq!(string_chunk(0x1ff0, 100, 4096), 16);
        assert_eq!(string_chunk(0x1fff, 100, 4096), 1);
        assert_eq!(string_chunk(0x2000, 8192, 4096), 4096);
        assert_eq!(string_chunk(0x2001, 0, 4096), 0);
        // The top of the address space: no overflow.
        assert_eq!(string_chunk(u64::MAX, 10, 4096), 1);
    }
}
