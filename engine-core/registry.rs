// SPDX-License-Identifier: GPL-2.0

//! The per-task engine registry: who is attached, and the reports.
//!
//! # Locking
//!
//! Writers (attach, detach, set events, death) serialise on
//! [`Registry::state`], a mutex: they may allocate and sleep. They never
//! change a published engine list: they build a new one, publish it in
//! [`Registry::list`], and drop the old one only after an RCU grace period.
//!
//! The reporting path runs in the traced task only. It takes no lock and
//! allocates nothing: inside an RCU read-side section it takes one reference
//! on the published list (one atomic increment), leaves the section, and
//! calls the engines of that list, with nothing held. So:
//! - an engine attached during a report is not in the list being reported:
//!   it does not see that event;
//! - an engine detached during a report is marked detached before it leaves
//!   the list, and the reporting path checks the mark before each callback:
//!   it is not called again;
//! - an engine is freed only when the last list or handle referring to it
//!   goes, in process context; never under a callback that uses it.
//!
//! [`Registry::reporting`] names the attachment whose callback is running,
//! so that [`Registry::barrier`] can wait for it to return.
//!
//! # Stops
//!
//! An engine holds the task stopped by answering [`Resume::Stop`], or from
//! outside with [`Registry::stop`]; [`Registry::stops`] counts the engines
//! that hold it. The task parks (sleeps killably) at the end of any report
//! while the count is not zero, and [`Registry::parked`] says it does. A
//! stop asked for from outside reaches a running or sleeping task through
//! a task_work "kick": the task runs its quiesce report at its next safe
//! point and parks there. An exiting task never parks: a fatal signal
//! could no longer wake it.
use super::engine::{Engine, Events};
use super::policy::{
    check_control, check_set_events, combine_resume, decide_attach, ptrace_slot, report_step,
    AttachDecision, AttachRequest, Control, Disposition, MatchBy, Phase, Reporter, Resume,
    SignalAction, SyscallSide,
};
use super::report::{
    AfterTracer, CloneReport, DeathReport, ExecReport, ExitReport, JobControl, PtraceSignal,
    PtraceStops, SignalReport, SyscallEntry, SyscallExit, SyscallRegs,
};
use super::task;
use core::any::TypeId;
use core::ptr::{self, NonNull};
use kernel::prelude::*;
use kernel::sync::atomic::{Acquire, Atomic, AtomicFlag, Full, Relaxed, Release};
use kernel::sync::{rcu, Arc, ArcBorrow, Mutex};
use kernel::task::Task;

/// One engine attached to one task.
pub(crate) struct Attachment {
    /// The engine; shared with the handles that control it.
    pub(crate) engine: Arc<dyn Engine>,
    /// The concrete type of `engine`, for matching by type.
    pub(crate) type_id: TypeId,
    /// The [`Events`] bits the engine asked for.
    events: Atomic<u32>,
    /// Set once, when the engine is detached; never cleared.
    detached: AtomicFlag,
    /// Set while this engine holds the task stopped.
    stopping: AtomicFlag,
    /// The engine asked for the exit report of the current syscall.
    exit_once: AtomicFlag,
    /// When it was attached, in its registry's attach sequence (set once,
    /// before the attachment is published).
    seq: Atomic<u64>,
    /// Children get the same engine, attached before they run.
    inherit: bool,
}

impl Attachment {
    /// A new, not yet attached, attachment of `engine`.
    pub(crate) fn new<E: Engine>(
        engine: Arc<E>,
        events: Events,
        inherit: bool,
    ) -> Result<Arc<Self>> {
        Self::build(engine, TypeId::of::<E>(), events, inherit)
    }

    /// A new attachment of the same engine, for a child: same type, same
    /// events, inherited further.
    fn for_child(&self) -> Result<Arc<Self>> {
        Self::build(self.engine.clone(), self.type_id, self.events(), true)
    }

    /// `type_id` must be the concrete type of `engine` (see `engine_as`).
    fn build(
        engine: Arc<dyn Engine>,
        type_id: TypeId,
        events: Events,
        inherit: bool,
    ) -> Result<Arc<Self>> {
        Ok(Arc::new(
            Attachment {
                engine,
                type_id,
                events: Atomic::new(events.bits()),
                detached: AtomicFlag::new(false),
                stopping: AtomicFlag::new(false),
                exit_once: AtomicFlag::new(false),
                seq: Atomic::new(0),
                inherit,
            },
            GFP_KERNEL,
        )?)
    }

    /// The events the engine asked for.
    pub(crate) fn events(&self) -> Events {
        // The mask was validated when stored.
        Events::from_bits(self.events.load(Relaxed)).unwrap_or(Events::NONE)
    }

    /// Whether the engine has been detached.
    pub(crate) fn is_detached(&self) -> bool {
        self.detached.load(Acquire)
    }

    /// The engine as its concrete type, if it is an `E`.
    pub(crate) fn engine_as<E: Engine>(&self) -> Option<&E> {
        if self.type_id != TypeId::of::<E>() {
            return None;
        }
        let p = Arc::as_ptr(&self.engine).cast::<E>();
        // SAFETY: `type_id` is the `TypeId` of the type `engine` was created
        // with (see `Attachment::new`), so the data pointer of the trait
        // object points to a live `E`, kept alive by `self.engine`.
        Some(unsafe { &*p })
    }
}

/// An immutable list of attachments, in attach order.
struct EngineList {
    engines: KVec<Arc<Attachment>>,
}

impl EngineList {
    /// Whether some engine of the list asked for one of `events`.
    fn wants(&self, events: Events) -> bool {
        self.engines.iter().any(|a| a.events().intersects(events))
    }
}

/// Whom a registry belongs to.
enum Owner {
    /// A task: the registry lives as long as its task_struct (and handles).
    Task(NonNull<kernel::bindings::task_struct>),
    /// No task: a registry for the KUnit suites, which records the syscall
    /// work flag instead of setting it on a task.
    #[cfg_attr(not(CONFIG_UTRACE_KUNIT_TEST), expect(dead_code))]
    Test(AtomicFlag),
}

/// What the writers change, under [`Registry::state`].
struct State {
    /// The published list (also reachable through [`Registry::list`]).
    current: Option<Arc<EngineList>>,
    /// Where the task is in its life: no attachments once it is dying.
    phase: Phase,
}

/// Whether a task leaving a stop goes on, was killed, or was asked for
/// another report of the same event.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Settled {
    /// It was not stopped, or was resumed.
    Go,
    /// A fatal signal ended the stop (or the task is exiting).
    Killed,
    /// An engine resumed it asking for another report.
    Again,
}

/// Whether [`Registry::stop`] found the task stopped.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum StopState {
    /// The task is parked, and stays so until the engine resumes it.
    Stopped,
    /// The task stops at its next safe point (utrace's `-EINPROGRESS`).
    Pending,
}

impl StopState {
    /// utrace's answer to `UTRACE_STOP`: 0 once stopped, `EINPROGRESS`
    /// while pending (for the C API and user-space interfaces).
    pub fn to_utrace(self) -> Result {
        match self {
            StopState::Stopped => Ok(()),
            StopState::Pending => Err(super::policy::einprogress()),
        }
    }
}

/// The engines of one task.
#[pin_data]
pub(crate) struct Registry {
    owner: Owner,
    #[pin]
    state: Mutex<State>,
    /// `Arc::as_ptr` of `state.current`, or null: what reports read.
    list: Atomic<*mut EngineList>,
    /// The attachment whose callback runs now, or null.
    reporting: Atomic<*mut Attachment>,
    /// Whether the last syscall entry was aborted (read at its exit).
    entry_aborted: AtomicFlag,
    /// How many attachments hold the task stopped.
    stops: Atomic<i32>,
    /// An engine ended a stop asking for another report.
    report_again: AtomicFlag,
    /// The next attach sequence number, for engines and the tracer alike.
    next_seq: Atomic<u64>,
    /// The sequence number the task's tracer attached at: 0 (before every
    /// engine) unless it attached while the task had this registry.
    ptrace_seq: Atomic<u64>,
    /// The task is parked in a stop (set and cleared by the task).
    parked: AtomicFlag,
    /// A kick that breaks sleeps is queued on the task and has not run.
    kick_interrupt: AtomicFlag,
    /// A kick that waits for the next return to user mode is queued on the
    /// task and has not run (an interrupting one serves it too).
    kick_report: AtomicFlag,
    /// The step to take when the task leaves its stop: 0 none, 1 single,
    /// 2 block (`utrace_helper_set_step()`'s values).
    step_request: Atomic<i32>,
    /// The task turned stepping on for its engines (only the task touches
    /// it).
    stepping: AtomicFlag,
}

// SAFETY: `owner` is the only field that is not `Send` by itself; the
// task_struct it points to is only used through the kernel's thread-safe
// task primitives (atomic bit operations, flag reads), from any thread.
unsafe impl Send for Registry {}
// SAFETY: as above; every other field is a lock or an atomic.
unsafe impl Sync for Registry {}

impl Registry {
    fn new(owner: Owner) -> impl PinInit<Self, Error> {
        try_pin_init!(Registry {
            owner,
            state <- kernel::new_mutex!(
                State { current: None, phase: Phase::Alive },
                "utrace::Registry::state"
            ),
            list: Atomic::new(ptr::null_mut()),
            reporting: Atomic::new(ptr::null_mut()),
            entry_aborted: AtomicFlag::new(false),
            stops: Atomic::new(0),
            report_again: AtomicFlag::new(false),
            next_seq: Atomic::new(1),
            ptrace_seq: Atomic::new(0),
            parked: AtomicFlag::new(false),
            kick_interrupt: AtomicFlag::new(false),
            kick_report: AtomicFlag::new(false),
            step_request: Atomic::new(0),
            stepping: AtomicFlag::new(false),
        }? Error)
    }

    /// A new, empty registry for `task`.
    pub(crate) fn for_task(task: &Task) -> Result<Arc<Self>> {
        let owner = Owner::Task(NonNull::new(task.as_ptr()).ok_or(EINVAL)?);
        Arc::pin_init(Self::new(owner), GFP_KERNEL)
    }

    /// A new, empty registry owned by no task, for the KUnit suites.
    #[cfg(CONFIG_UTRACE_KUNIT_TEST)]
    pub(crate) fn for_test() -> Result<Arc<Self>> {
        Arc::pin_init(Self::new(Owner::Test(AtomicFlag::new(false))), GFP_KERNEL)
    }

    /// For a test registry: whether the syscall work flag is set.
    #[cfg(CONFIG_UTRACE_KUNIT_TEST)]
    pub(crate) fn test_syscall_work(&self) -> bool {
        match &self.owner {
            Owner::Test(flag) => flag.load(Relaxed),
            Owner::Task(t) => task::syscall_work(t.as_ptr()),
        }
    }

    /// Whether the owner may get new attachments: `EPERM` for a kernel
    /// thread, `ESRCH` once it is exiting or dead.
    fn check_target(&self, state: &State) -> Result {
        let (kthread, exiting) = match &self.owner {
            Owner::Task(t) => task::target_flags(t.as_ptr()),
            Owner::Test(_) => (false, false),
        };
        super::policy::check_target(super::policy::TargetState {
            kthread,
            exiting: exiting || state.phase != Phase::Alive,
        })
    }

    /// Sets or clears the owner's syscall work flag.
    fn set_syscall_work(&self, on: bool) {
        match &self.owner {
            Owner::Task(t) => task::set_syscall_work(t.as_ptr(), on),
            Owner::Test(flag) => flag.store(on, Relaxed),
        }
    }

    /// Publishes `engines` as the new list, and keeps the syscall work flag
    /// in step. Returns the old list, to drop after [`rcu_sync`].
    fn publish(
        &self,
        state: &mut State,
        engines: Option<Arc<EngineList>>,
    ) -> Option<Arc<EngineList>> {
        let raw = engines
            .as_ref()
            .map_or(ptr::null_mut(), |l| Arc::as_ptr(l).cast_mut());
        let wants = engines.as_ref().is_some_and(|l| l.wants(Events::SYSCALL));
        let old = core::mem::replace(&mut state.current, engines);
        self.list.store(raw, Release);
        self.set_syscall_work(wants);
        old
    }

    /// Whether any engine is attached.
    pub(crate) fn has_engines(&self) -> bool {
        !self.list.load(Acquire).is_null()
    }

    /// Recomputes the syscall work flag after an event mask changed.
    fn refresh_syscall_work(&self, state: &State) {
        let wants = state
            .current
            .as_ref()
            .is_some_and(|l| l.wants(Events::SYSCALL));
        self.set_syscall_work(wants);
    }

    /// Attaches a new engine, or finds an existing one, as `req` says.
    ///
    /// `new` is the attachment to add if the request creates one;
    /// `matches` recognises an existing attachment. Returns the attachment
    /// and whether it was created.
    pub(crate) fn attach(
        &self,
        req: AttachRequest,
        new: Option<Arc<Attachment>>,
        matches: &dyn Fn(&Attachment) -> bool,
    ) -> Result<(Arc<Attachment>, bool)> {
        let old;
        let result;
        {
            let mut state = self.state.lock();
            self.check_target(&state)?;
            let found = state.current.as_ref().and_then(|l| {
                l.engines
                    .iter()
                    .find(|a| !a.is_detached() && matches(a))
                    .cloned()
            });
            match decide_attach(req, found.is_some())? {
                AttachDecision::UseExisting => return found.map(|a| (a, false)).ok_or(ENOENT),
                AttachDecision::Create => {}
            }
            let new = new.ok_or(EINVAL)?;
            let len = state.current.as_ref().map_or(0, |l| l.engines.len());
            let mut engines = KVec::with_capacity(len + 1, GFP_KERNEL)?;
            if let Some(l) = &state.current {
                for a in l.engines.iter() {
                    engines.push(a.clone(), GFP_KERNEL)?;
                }
            }
            engines.push(new.clone(), GFP_KERNEL)?;
            let list = Arc::new(EngineList { engines }, GFP_KERNEL)?;
            // Published with the list (its store is a release).
            new.seq.store(self.next_seq.fetch_add(1, Relaxed), Relaxed);
            old = self.publish(&mut state, Some(list));
            result = (new, true);
        }
        drop_after_grace_period(old);
        Ok(result)
    }

    /// Detaches `att`: `ESRCH` if it was detached already.
    ///
    /// When this returns, no new callback of the engine will start; one
    /// may still be running: see [`Registry::barrier`].
    pub(crate) fn detach(&self, att: &Arc<Attachment>) -> Result {
        let old;
        {
            let mut state = self.state.lock();
            if att.is_detached() {
                return Err(ESRCH);
            }
            check_control(
                Control::Detach,
                state.phase,
                att.events(),
                task::step_support(),
            )?;
            // The new list first: if it cannot be allocated, nothing changed.
            let list = match state.current.as_ref() {
                Some(cur) => {
                    let mut engines = KVec::with_capacity(cur.engines.len(), GFP_KERNEL)?;
                    for a in cur.engines.iter() {
                        if !Arc::ptr_eq(a, att) {
                            engines.push(a.clone(), GFP_KERNEL)?;
                        }
                    }
                    if engines.is_empty() {
                        None
                    } else {
                        Some(Arc::new(EngineList { engines }, GFP_KERNEL)?)
                    }
                }
                None => None,
            };
            // Fully ordered against the reporting path's `reporting` store:
            // either it sees the mark, or `barrier` sees it reporting. Under
            // the lock, so no other detach of `att` raced us here.
            att.detached.xchg(true, Full);
            self.release_stop(att);
            old = self.publish(&mut state, list);
        }
        att.engine.detached();
        drop_after_grace_period(old);
        Ok(())
    }

    /// Changes the events `att` is told about: `ESRCH` if it is detached.
    pub(crate) fn set_events(&self, att: &Attachment, events: Events) -> Result {
        let state = self.state.lock();
        if att.is_detached() {
            return Err(ESRCH);
        }
        check_set_events(state.phase, att.events(), events)?;
        att.events.store(events.bits(), Relaxed);
        self.refresh_syscall_work(&state);
        Ok(())
    }

    /// Waits until no callback of `att` is running.
    ///
    /// Returns at once when called from the traced task itself (a callback
    /// cannot wait for itself); `ERESTARTSYS` if a signal interrupts the
    /// wait.
    pub(crate) fn barrier(&self, att: &Attachment) -> Result {
        let me = ptr::from_ref(att).cast_mut();
        if let Owner::Task(t) = &self.owner {
            if t.as_ptr() == Task::current_raw() {
                return Ok(());
            }
        }
        while self.reporting.load(Acquire) == me {
            if task::wait_a_tick() {
                return Err(ERESTARTSYS);
            }
        }
        Ok(())
    }

    /// The task is dead: reports it to the engines that asked, in attach
    /// order, then detaches every engine but those that wait for the reap
    /// report. Called by the task itself.
    pub(crate) fn report_death(&self, task: &Task, death: &DeathReport) {
        self.state.lock().phase = Phase::Dying;
        if let Some(list) = self.snapshot() {
            for att in list.engines.iter() {
                if att.events().contains(Events::DEATH) {
                    self.call(att, |e| {
                        e.report_death(task, death);
                        Resume::Detach
                    });
                }
            }
        }
        let old;
        {
            let mut state = self.state.lock();
            state.phase = Phase::Dead;
            let keep = state.current.as_deref().and_then(reap_watchers);
            if let Some(cur) = state.current.as_ref() {
                for a in cur.engines.iter() {
                    let stays = keep
                        .as_ref()
                        .is_some_and(|k| k.engines.iter().any(|x| Arc::ptr_eq(x, a)));
                    if !stays {
                        a.detached.store(true, Release);
                        self.release_stop(a);
                    }
                }
            }
            old = self.publish(&mut state, keep);
        }
        if let Some(list) = old.as_deref() {
            for a in list.engines.iter() {
                if a.is_detached() {
                    a.engine.detached();
                }
            }
        }
        // The owner is the only reader of its list, and it is here: no
        // reader can hold the old list, no grace period is needed.
        drop(old);
    }

    /// The dead task is being reaped (called by the reaper): the engines
    /// still attached, those that asked for [`Events::REAP`], hear of it
    /// in attach order and are detached.
    pub(crate) fn report_reap(&self, task: &Task) {
        let old = {
            let mut state = self.state.lock();
            if state.phase != Phase::Dead {
                // A task is reaped after its death report, always; a
                // registry that never saw one has nothing to report.
                return;
            }
            self.publish(&mut state, None)
        };
        let Some(list) = old else {
            return;
        };
        for att in list.engines.iter() {
            if att.events().contains(Events::REAP) {
                self.call(att, |e| {
                    e.report_reap(task);
                    Resume::Detach
                });
            }
            if !att.detached.xchg(true, Full) {
                att.engine.detached();
            }
        }
        // The dead owner reads no list any more: no grace period needed.
    }

    /// Lets the task go on as far as `att` is concerned, and asks for the
    /// event to be reported again (at syscall entry, the entry callbacks run
    /// again, marked resumed). `ESRCH` once `att` is detached; nothing to
    /// do if `att` does not hold the task stopped.
    pub(crate) fn resume_and_report(&self, att: &Attachment) -> Result {
        self.check_control(att, Control::Resume)?;
        // A task this engine does not hold stopped has nothing to report
        // again.
        if att.stopping.load(Acquire) {
            // Set before the stop count drops: the woken task reads it after.
            self.report_again.xchg(true, Full);
            self.release_stop(att);
        }
        Ok(())
    }

    /// Lets the task go on as far as `att` is concerned: `ESRCH` once
    /// `att` is detached or the task is dying.
    pub(crate) fn resume(&self, att: &Attachment) -> Result {
        self.check_control(att, Control::Resume)?;
        self.release_stop(att);
        Ok(())
    }

    /// Lets the task go on as far as `att` is concerned, if it held it
    /// stopped. Returns whether it did.
    pub(crate) fn release_stop(&self, att: &Attachment) -> bool {
        if att.stopping.xchg(false, Full) {
            self.stops.fetch_sub(1, Full);
            task::wake_stopped();
            true
        } else {
            false
        }
    }

    /// The published list, with a reference of our own, or `None`.
    fn snapshot(&self) -> Option<Arc<EngineList>> {
        let _guard = rcu::read_lock();
        let p = self.list.load(Acquire);
        if p.is_null() {
            return None;
        }
        // SAFETY: a non-null `list` is `state.current`, dropped only a grace
        // period after it is replaced (`drop_after_grace_period`); we are in
        // an RCU read-side critical section, so its count is still non-zero.
        let borrowed = unsafe { ArcBorrow::from_raw(p) };
        Some(borrowed.into())
    }

    /// Calls `f` on the engine of `att`, unless it is detached, with
    /// `reporting` naming it for [`Registry::barrier`].
    fn call(&self, att: &Attachment, f: impl FnOnce(&dyn Engine) -> Resume) -> Option<Resume> {
        let me = ptr::from_ref(att).cast_mut();
        // Fully ordered: pairs with the `detached` exchange in `detach`.
        self.reporting.xchg(me, Full);
        let answer = if att.detached.load(Relaxed) {
            None
        } else {
            Some(f(&*att.engine))
        };
        self.reporting.store(ptr::null_mut(), Release);
        answer
    }

    /// Acts on one engine's answer: a detach, or a stop to hold.
    fn take_answer(&self, att: &Arc<Attachment>, answer: Resume) {
        match answer {
            // An error can only mean it is detached already.
            Resume::Detach => {
                let _ = self.detach(att);
            }
            Resume::Stop => {
                if !att.stopping.xchg(true, Full) {
                    self.stops.fetch_add(1, Full);
                }
            }
            Resume::Report | Resume::Resume => {}
        }
    }

    /// The task was just made a tracee: its tracer takes the next place in
    /// the attach order. Called under `tasklist_lock`: atomics only.
    pub(crate) fn ptrace_link(&self) {
        self.ptrace_seq
            .store(self.next_seq.fetch_add(1, Relaxed), Release);
    }

    /// How many engines `list` has (none: no list), and ptrace's place
    /// among them: the bounds of [`report_step`].
    fn reporters(&self, list: Option<&EngineList>) -> (usize, usize) {
        list.map_or((0, 0), |l| (l.engines.len(), self.ptrace_slot(l)))
    }

    /// Where ptrace reports among the engines of `list`.
    fn ptrace_slot(&self, list: &EngineList) -> usize {
        let at = self.ptrace_seq.load(Acquire);
        ptrace_slot(list.engines.iter().map(|a| a.seq.load(Relaxed)), at)
    }

    /// Reports a syscall entry to every engine that asked, in reverse
    /// attach order, with the tracer's entry stop at its place among them.
    /// Returns the disposition the last reporter left.
    pub(crate) fn report_syscall_entry(
        &self,
        task: &Task,
        regs: &mut dyn SyscallRegs,
        ptrace: &mut dyn PtraceStops,
    ) -> Disposition {
        let mut call = SyscallEntry::new(regs);
        loop {
            let action = self.entry_reporters(task, &mut call, ptrace);
            match self.settle(task, action) {
                Settled::Go => break,
                Settled::Killed => {
                    // SIGKILL ended the stop: the syscall must not run.
                    call.abort(-i64::from(kernel::bindings::EINTR));
                    break;
                }
                Settled::Again => call.resume(),
            }
        }
        let disposition = call.disposition();
        self.entry_aborted
            .store(matches!(disposition, Disposition::Abort(_)), Relaxed);
        disposition
    }

    /// One round of entry reports: every engine that asked, in reverse
    /// attach order, and the tracer's entry stop at its place (not on a
    /// repeated round: the tracer had its stop). Returns the combined action.
    fn entry_reporters(
        &self,
        task: &Task,
        call: &mut SyscallEntry<'_>,
        ptrace: &mut dyn PtraceStops,
    ) -> Resume {
        let list = self.snapshot();
        let (n, slot) = self.reporters(list.as_deref());
        let mut action = Resume::Resume;
        for step in 0..=n {
            let att = match report_step(SyscallSide::Entry, n, slot, step) {
                Reporter::Ptrace => {
                    if !call.is_resumed() {
                        call.ptrace_entry_stop(ptrace);
                    }
                    continue;
                }
                // `n > 0`, so there is a list.
                Reporter::Engine(i) => match list.as_deref() {
                    Some(l) => &l.engines[i],
                    None => continue,
                },
            };
            if !att.events().contains(Events::SYSCALL_ENTRY) {
                continue;
            }
            if let Some(answer) = self.call(att, |e| e.report_syscall_entry(task, &mut *call)) {
                if call.take_exit_request() {
                    att.exit_once.store(true, Relaxed);
                }
                action = combine_resume(action, answer);
                self.take_answer(att, answer);
            }
        }
        action
    }

    /// Reports a syscall exit to every engine that asked, in attach order,
    /// with the tracer's exit stop at its place among them.
    pub(crate) fn report_syscall_exit(
        &self,
        task: &Task,
        regs: &mut dyn SyscallRegs,
        ptrace: &mut dyn PtraceStops,
    ) {
        let aborted = self.entry_aborted.xchg(false, Relaxed);
        let list = self.snapshot();
        let (n, slot) = self.reporters(list.as_deref());
        let mut call = SyscallExit::new(regs, aborted);
        let mut action = Resume::Resume;
        for step in 0..=n {
            let att = match report_step(SyscallSide::Exit, n, slot, step) {
                Reporter::Ptrace => {
                    call.ptrace_exit_stop(ptrace);
                    continue;
                }
                Reporter::Engine(i) => match list.as_deref() {
                    Some(l) => &l.engines[i],
                    None => continue,
                },
            };
            // Only the task itself touches `exit_once`: relaxed is enough.
            let once = att.exit_once.xchg(false, Relaxed);
            if !once && !att.events().contains(Events::SYSCALL_EXIT) {
                continue;
            }
            if let Some(answer) = self.call(att, |e| e.report_syscall_exit(task, &mut call)) {
                action = combine_resume(action, answer);
                self.take_answer(att, answer);
            }
        }
        drop(list);
        // A kill ends the stop; the task then dies on its way out. A
        // request for another report has nothing to report again here.
        self.settle(task, action);
    }

    /// Reports a task event to every engine that asked for `event`, in
    /// attach order, then parks while an engine holds the task stopped.
    /// `before_each` sees every attachment, in order, before its report.
    fn report_event(
        &self,
        task: &Task,
        event: Events,
        before_each: impl FnMut(&Attachment),
        f: impl FnMut(&dyn Engine) -> Resume,
    ) -> Settled {
        let action = self.report_round(event, before_each, f);
        self.settle(task, action)
    }

    /// One round of reports of `event`, in attach order, to the engines
    /// whose events intersect it. Returns the combined action.
    fn report_round(
        &self,
        event: Events,
        mut before_each: impl FnMut(&Attachment),
        mut f: impl FnMut(&dyn Engine) -> Resume,
    ) -> Resume {
        let Some(list) = self.snapshot() else {
            return Resume::Resume;
        };
        let mut action = Resume::Resume;
        for att in list.engines.iter() {
            before_each(att);
            if !att.events().intersects(event) {
                continue;
            }
            if let Some(answer) = self.call(att, &mut f) {
                action = combine_resume(action, answer);
                self.take_answer(att, answer);
            }
        }
        action
    }

    /// After a round of reports that combined to `action`: parks while an
    /// engine holds the task stopped, and tells how the stop ended. A task
    /// about to park for a stop asked for from outside makes its quiesce
    /// report first (the kick would come too late: it runs on the way back
    /// to user mode).
    fn settle(&self, task: &Task, mut action: Resume) -> Settled {
        if action != Resume::Stop && self.stops.load(Acquire) == 0 {
            return Settled::Go;
        }
        if self.take_kick() {
            let quiesce = self.report_round(Events::QUIESCE, |_| {}, |e| e.report_quiesce(task));
            action = combine_resume(action, quiesce);
            if action != Resume::Stop && self.stops.load(Acquire) == 0 {
                return Settled::Go;
            }
        }
        if !self.park() {
            self.report_again.store(false, Relaxed);
            return Settled::Killed;
        }
        match self.report_again.xchg(false, Full) {
            true => Settled::Again,
            false => Settled::Go,
        }
    }

    /// Sleeps while some engine holds the task stopped, with
    /// [`Registry::parked`] set. Returns `false` if a fatal signal ended
    /// the stop, or the task is exiting (it does not stop then). A task
    /// that leaves the stop takes the step an engine asked for.
    fn park(&self) -> bool {
        let Owner::Task(_) = &self.owner else {
            // A test registry has no task to put to sleep.
            return true;
        };
        if task::current_exiting() {
            return false;
        }
        loop {
            self.parked.store(true, Release);
            let woken = task::wait_while_stopped(self.stops.as_ptr());
            // Fully ordered against `stop`'s count increment: either it
            // sees the task unparked (and kicks it), or the task sees its
            // stop here and parks again.
            self.parked.xchg(false, Full);
            if !woken {
                return false;
            }
            if self.stops.load(Acquire) == 0 {
                break;
            }
        }
        self.take_step();
        true
    }

    /// Turns stepping on if an engine resumed the task with a step.
    fn take_step(&self) {
        let how = self.step_request.xchg(0, Full);
        if how != 0 {
            task::set_step(how);
            self.stepping.store(true, Relaxed);
        }
    }

    /// Turns stepping off if the engines turned it on (the task took its
    /// step and reports the trap, or a quiesce report).
    fn end_step(&self) {
        if self.stepping.xchg(false, Relaxed) {
            task::set_step(0);
        }
    }

    /// Reports that the task runs a new program.
    pub(crate) fn report_exec(&self, task: &Task, exec: &ExecReport<'_>) {
        self.report_event(task, Events::EXEC, |_| {}, |e| e.report_exec(task, exec));
    }

    /// Whether an engine wants signals of class `class` reported, or
    /// stepping must be turned off. Called under siglock: atomics only.
    pub(crate) fn wants_signal(&self, class: Events) -> bool {
        if self.stepping.load(Relaxed) {
            return true;
        }
        let _guard = rcu::read_lock();
        let p = self.list.load(Acquire);
        if p.is_null() {
            return false;
        }
        // SAFETY: a non-null `list` is dropped only a grace period after it
        // is replaced, and we are in an RCU read-side critical section.
        let list = unsafe { &*p };
        list.wants(class)
    }

    /// Reports a dequeued signal to the engines that asked for its class,
    /// in attach order, with the tracer's signal stop at its place among
    /// them. Returns the signal to act on (0: none), the disposition the
    /// last engine left, and whether the signal is held (put back in the
    /// queue by the caller).
    ///
    /// A held signal stops the task, for the engine that held it if no
    /// engine asked for a stop, and is reported anew when it resumes.
    pub(crate) fn report_signal(
        &self,
        task: &Task,
        sig: &mut SignalReport<'_>,
        ptrace: &mut dyn PtraceSignal,
    ) -> (i32, SignalAction, bool) {
        self.end_step();
        loop {
            let mut holder: Option<Arc<Attachment>> = None;
            let mut action = Resume::Resume;
            let mut ended = None;
            let list = self.snapshot();
            let (n, slot) = self.reporters(list.as_deref());
            // Attach order, as a syscall exit's, with the tracer at its place.
            for step in 0..=n {
                let att = match report_step(SyscallSide::Exit, n, slot, step) {
                    Reporter::Ptrace => {
                        // On a repeated report the tracer had its stop; a
                        // signal the engines inside it dropped or hold is
                        // not one the tracer could see.
                        if sig.is_resumed() || sig.is_held() || sig.action() == SignalAction::Ignore
                        {
                            continue;
                        }
                        match ptrace.signal_stop(sig) {
                            AfterTracer::Report => continue,
                            AfterTracer::Dropped => ended = Some(0),
                            AfterTracer::Final(signo) => ended = Some(signo),
                        }
                        break;
                    }
                    Reporter::Engine(i) => match list.as_deref() {
                        Some(l) => &l.engines[i],
                        None => continue,
                    },
                };
                if !att.events().intersects(sig.class().event()) {
                    continue;
                }
                let held_before = sig.is_held();
                if let Some(answer) = self.call(att, |e| e.report_signal(task, &mut *sig)) {
                    if sig.is_held() && !held_before {
                        holder = Some(att.clone());
                    }
                    action = combine_resume(action, answer);
                    self.take_answer(att, answer);
                }
            }
            drop(list);
            if let Some(signo) = ended {
                // The tracer decided; a stop the engines before it asked
                // for is still honoured.
                self.settle(task, action);
                return (signo, SignalAction::Deliver, false);
            }
            if sig.is_held() && action != Resume::Stop {
                if let Some(att) = holder.as_ref() {
                    self.take_answer(att, Resume::Stop);
                }
                action = Resume::Stop;
            }
            match self.settle(task, action) {
                Settled::Again if !sig.is_held() => sig.resume(),
                _ => return (sig.signo(), sig.action(), sig.is_held()),
            }
        }
    }

    /// Reports a job-control transition, in attach order.
    pub(crate) fn report_jctl(&self, task: &Task, what: JobControl) {
        self.report_event(task, Events::JCTL, |_| {}, |e| e.report_jctl(task, what));
    }

    /// The task is at a safe point a handle asked for: reports it to the
    /// engines that asked for [`Events::QUIESCE`], in attach order, and
    /// parks while an engine holds the task stopped (reporting again if it
    /// is resumed with a request for it).
    pub(crate) fn report_quiesce(&self, task: &Task) {
        // A report made before a park already served the request.
        if !self.take_kick() {
            return;
        }
        self.end_step();
        while self.report_event(task, Events::QUIESCE, |_| {}, |e| e.report_quiesce(task))
            == Settled::Again
        {}
        self.take_step();
    }

    /// Takes the pending kick requests: whether there were any. Cleared
    /// before the report they ask for, so that a request made from now on
    /// queues another kick.
    fn take_kick(&self) -> bool {
        let interrupt = self.kick_interrupt.xchg(false, Full);
        let report = self.kick_report.xchg(false, Full);
        interrupt || report
    }

    /// Checks a control request of `att`'s engine against the task's phase.
    fn check_control(&self, att: &Attachment, ctl: Control) -> Result {
        if att.is_detached() {
            return Err(ESRCH);
        }
        let phase = self.state.lock().phase;
        check_control(ctl, phase, att.events(), task::step_support())
    }

    /// utrace's REPORT control: resumes the task from `att`'s stop asking
    /// for a report again, or, if `att` holds no stop, asks for a quiesce
    /// report.
    pub(crate) fn report(&self, att: &Attachment) -> Result {
        // Each branch checks the request for itself.
        if att.stopping.load(Acquire) {
            self.resume_and_report(att)
        } else {
            self.request_report(att, false)
        }
    }

    /// Makes the task run its quiesce report at its next safe point;
    /// `interrupt` also breaks an interruptible sleep.
    fn kick(&self, interrupt: bool) -> Result {
        let Owner::Task(t) = &self.owner else {
            return Ok(());
        };
        // A queued kick serves every request it can until it runs: at most
        // two are queued (one that breaks sleeps, one that does not).
        let (flag, other) = match interrupt {
            true => (&self.kick_interrupt, None),
            false => (&self.kick_report, Some(&self.kick_interrupt)),
        };
        if other.is_some_and(|f| f.load(Acquire)) || flag.xchg(true, Full) {
            return Ok(());
        }
        let r = task::kick(t.as_ptr(), interrupt);
        if r.is_err() {
            flag.store(false, Relaxed);
        }
        r
    }

    /// Holds the task stopped for `att`'s engine: at once if it is parked,
    /// else at its next safe point. `ESRCH` once `att` is detached or the
    /// task is dying.
    pub(crate) fn stop(&self, att: &Attachment) -> Result<StopState> {
        self.check_control(att, Control::Stop)?;
        if !att.stopping.xchg(true, Full) {
            self.stops.fetch_add(1, Full);
        }
        // Ordered after the (fully ordered) increment: see `park`.
        if self.parked.load(Acquire) {
            return Ok(StopState::Stopped);
        }
        match self.kick(true) {
            Ok(()) => Ok(StopState::Pending),
            // The task is exiting: it will never stop.
            Err(e) => {
                self.release_stop(att);
                Err(e)
            }
        }
    }

    /// Asks for a quiesce report at the task's next safe point (breaking
    /// an interruptible sleep if `interrupt`). `EINVAL` if `att`'s engine
    /// did not ask for [`Events::QUIESCE`].
    pub(crate) fn request_report(&self, att: &Attachment, interrupt: bool) -> Result {
        let ctl = if interrupt {
            Control::Interrupt
        } else {
            Control::Report
        };
        self.check_control(att, ctl)?;
        self.kick(interrupt)
    }

    /// Resumes the task from `att`'s stop for one step (`block`: until the
    /// next branch). A task `att` does not hold stopped takes the step
    /// after its next quiesce report. `EOPNOTSUPP` where the architecture
    /// cannot step.
    pub(crate) fn resume_step(&self, att: &Attachment, block: bool) -> Result {
        let ctl = if block {
            Control::BlockStep
        } else {
            Control::SingleStep
        };
        self.check_control(att, ctl)?;
        self.step_request.xchg(if block { 2 } else { 1 }, Full);
        if !self.release_stop(att) {
            self.kick(false)?;
        }
        Ok(())
    }

    /// Whether the task is parked in a stop.
    pub(crate) fn is_parked(&self) -> bool {
        self.parked.load(Acquire)
    }

    /// The task's phase.
    #[cfg(CONFIG_UTRACE_KUNIT_TEST)]
    pub(crate) fn phase(&self) -> Phase {
        self.state.lock().phase
    }

    /// Reports that the task exits with `code`; returns the code the
    /// engines leave.
    pub(crate) fn report_exit(&self, task: &Task, code: i64) -> i64 {
        let mut exit = ExitReport::new(code);
        self.report_event(
            task,
            Events::EXIT,
            |_| {},
            |e| e.report_exit(task, &mut exit),
        );
        exit.code()
    }

    /// Reports that the task created a task, in attach order.
    ///
    /// A child its parent's tracer traces too gets the tracer at the same
    /// place among the engines that follow it here as in the parent.
    pub(crate) fn report_clone(&self, task: &Task, report: &CloneReport<'_>) {
        let ptrace_seq = self.ptrace_seq.load(Acquire);
        let mut ptrace_placed = false;
        let before_each = |att: &Attachment| {
            if !ptrace_placed && att.seq.load(Relaxed) > ptrace_seq {
                report.place_child_tracer();
                ptrace_placed = true;
            }
            if att.inherit && !att.is_detached() {
                // The child's tracer and engines keep the parent's order.
                // A child that cannot get the engine (ENOMEM) runs without
                // it, as a fork that raced a detach would.
                let _ = Self::inherit(att, report.child());
            }
        };
        self.report_event(task, Events::CLONE, before_each, |e| {
            e.report_clone(task, report)
        });
        if !ptrace_placed {
            report.place_child_tracer();
        }
    }

    /// Attaches the engine of `att` to `child` too.
    fn inherit(att: &Attachment, child: &Task) -> Result {
        let registry = task::registry_or_create(child)?;
        registry.attach(
            AttachRequest {
                create: true,
                exclusive: false,
                match_by: MatchBy::Nothing,
            },
            Some(att.for_child()?),
            &|_| false,
        )?;
        Ok(())
    }

    /// For the KUnit suites: how many engines hold the task stopped.
    #[cfg(CONFIG_UTRACE_KUNIT_TEST)]
    pub(crate) fn stop_count(&self) -> i32 {
        self.stops.load(Relaxed)
    }
}

/// The engines of `list` that stay attached past the death report: those
/// that asked for the reap report. `None` if there are none, or if the
/// list cannot be allocated (then none stays: a missed reap report is
/// better than a task that cannot be reaped cleanly).
fn reap_watchers(list: &EngineList) -> Option<Arc<EngineList>> {
    let stays = |a: &&Arc<Attachment>| a.events().contains(Events::REAP);
    let n = list.engines.iter().filter(stays).count();
    if n == 0 {
        return None;
    }
    let mut engines = KVec::with_capacity(n, GFP_KERNEL).ok()?;
    for a in list.engines.iter().filter(stays) {
        engines.push_within_capacity(a.clone()).ok()?;
    }
    Arc::new(EngineList { engines }, GFP_KERNEL).ok()
}

/// Drops a replaced engine list once no reporting path can still be
/// taking a reference on it.
fn drop_after_grace_period(old: Option<Arc<EngineList>>) {
    if old.is_some() {
        task::synchronize_rcu();
        drop(old);
    }
}
