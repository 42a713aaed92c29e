// SPDX-License-Identifier: GPL-2.0

//! The per-task engine registry: who is attached, and the reports.
//!
//! # State and locking
//!
//! Everything writers and the reporting task share sits in one
//! [`Inner`] behind one spinlock, [`Registry::inner`] (lock class
//! `utrace::Registry::inner`). It is never held across a callback, an
//! allocation or a sleep: callbacks run in the traced task with nothing held
//! and may sleep.
//!
//! - The engine list is an immutable [`EngineList`] in attach order. The
//!   reporting task takes a reference to the current one under the lock
//!   (one increment) and walks it with the lock dropped; writers build a new
//!   list outside the lock, publish it under the lock if the list did not
//!   change meanwhile (else they build again), and drop the old one after
//!   unlocking. No RCU: no reader ever dereferences a list it holds no
//!   reference to, so no grace period is needed and detach does not wait.
//! - Detach marks the attachment detached under the lock and never fails
//!   for want of memory: a detached attachment may stay in the list (skipped
//!   by every report) until the next change rebuilds the list.
//! - Before each callback the task checks, under the lock, that the engine
//!   is still attached and records whose callback runs (`reporting`); after
//!   it, it clears that and applies the answer under the lock. So no
//!   callback starts after [`Registry::detach`] returns, the answer of an
//!   engine detached meanwhile is ignored, and [`Registry::barrier`] waits
//!   exactly for the callback that was running.
//!
//! Three kinds of reader cannot take the lock, and read atomics instead:
//! - signal senders, under the target's siglock, maybe in interrupt
//!   context: they read [`Registry::summary`] (see there);
//! - `__ptrace_link()`, under `tasklist_lock`, which softirq readers take:
//!   the attach sequence numbers are atomics (taking `inner` there would
//!   order a softirq-safe lock before a softirq-unsafe one);
//! - the stop and barrier waits test their conditions under the lock, from
//!   the wait loop of `wait_event_*()` (`task::wait_until`).
//!
//! # The task pointer
//!
//! A registry outlives its task when handles hold it. It touches its task
//! (syscall work flag, task_work) only under `inner` while the phase is not
//! [`Phase::Dead`]: until its death report ends, the task runs, so its
//! task_struct is alive. A registry installed on a task whose death hook
//! had already looked (the task was exiting) never gets an attachment
//! ([`Registry::attach`] refuses an exiting task), so no handle can make it
//! touch its task.
//!
//! # Stops
//!
//! An engine holds the task stopped by answering [`Resume::Stop`], or from
//! outside with [`Registry::stop`]; `Inner::stops` counts the engines that
//! hold it. The task parks (sleeps killably on the registry's own wait
//! queue) at the end of any report while the count is not zero. A stop
//! asked for from outside reaches a running or sleeping task through a
//! task_work "kick" (two `callback_head`s embedded in the registry: no
//! allocation): the task runs its quiesce report at its next safe point and
//! parks there. An exiting task never parks: a fatal signal could no longer
//! wake it.
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
use super::task::{self, TaskPtr};
use core::any::TypeId;
use core::ptr;
use kernel::bindings;
use kernel::prelude::*;
use kernel::sync::atomic::{Acquire, Atomic, AtomicFlag, Relaxed, Release};
use kernel::sync::{Arc, SpinLock, SpinLockGuard};
use kernel::task::Task;
use kernel::types::Opaque;

/// One engine attached to one task.
pub(crate) struct Attachment {
    /// The engine; shared with the handles that control it.
    pub(crate) engine: Arc<dyn Engine>,
    /// The concrete type of `engine`, for matching by type.
    pub(crate) type_id: TypeId,
    /// The [`Events`] bits the engine asked for. Written under its
    /// registry's `inner`; read without it by the reporting task, which
    /// may act on the old mask for the event in hand (a change takes
    /// effect from the next event).
    events: Atomic<u32>,
    /// Set once, under `inner`, when the engine is detached; never
    /// cleared. The reporting task reads it without the lock to skip
    /// detached engines early, and again under the lock before a callback.
    detached: AtomicFlag,
    /// This engine holds the task stopped. Read and written under `inner`
    /// only (an atomic because the attachment is shared, not for ordering).
    stopping: AtomicFlag,
    /// The engine asked for the exit report of the current syscall. Only
    /// the task itself touches it.
    exit_once: AtomicFlag,
    /// When it was attached, in its registry's attach sequence (set once,
    /// under `inner`, before the attachment is published).
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

    /// An identity for `Inner::reporting`: the attachment's address.
    fn id(&self) -> usize {
        ptr::from_ref(self) as usize
    }
}

/// An immutable list of attachments, in attach order.
struct EngineList {
    engines: KVec<Arc<Attachment>>,
}

impl EngineList {
    /// A list of the attached engines of `cur`, plus `extra`; `None` if that
    /// is no engine at all.
    fn rebuild(
        cur: Option<&EngineList>,
        extra: Option<&Arc<Attachment>>,
    ) -> Result<Option<Arc<EngineList>>> {
        let live = |a: &&Arc<Attachment>| !a.is_detached();
        let kept = cur.map_or(0, |l| l.engines.iter().filter(live).count());
        let n = kept + usize::from(extra.is_some());
        if n == 0 {
            return Ok(None);
        }
        let mut engines = KVec::with_capacity(n, GFP_KERNEL)?;
        for a in cur.iter().flat_map(|l| l.engines.iter()).filter(live) {
            engines.push(a.clone(), GFP_KERNEL)?;
        }
        if let Some(a) = extra {
            engines.push(a.clone(), GFP_KERNEL)?;
        }
        Ok(Some(Arc::new(EngineList { engines }, GFP_KERNEL)?))
    }

    /// Whether some attachment of the list is detached (the list can be
    /// pruned).
    fn has_detached(&self) -> bool {
        self.engines.iter().any(|a| a.is_detached())
    }
}

/// Whether two optional lists are the same list (or both none).
fn same_list(a: &Option<Arc<EngineList>>, b: &Option<Arc<EngineList>>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => Arc::ptr_eq(a, b),
        _ => false,
    }
}

/// Whom a registry belongs to.
enum Owner {
    /// A task (see "The task pointer" above).
    Task(TaskPtr),
    /// No task: a registry for the KUnit suites, which records the syscall
    /// work flag instead of setting it on a task.
    #[cfg_attr(not(CONFIG_UTRACE_KUNIT_TEST), expect(dead_code))]
    Test(AtomicFlag),
}

/// The two kicks a registry can have queued on its task: one that waits
/// for the next return to user mode, one that also breaks sleeps.
const KICK_RESUME: usize = 0;
const KICK_INTERRUPT: usize = 1;

/// What writers and the reporting task share, under [`Registry::inner`].
struct Inner {
    /// The engines, in attach order; detached ones may stay until the next
    /// change rebuilds the list (module documentation).
    list: Option<Arc<EngineList>>,
    /// Where the task is in its life.
    phase: Phase,
    /// How many attachments hold the task stopped (have `stopping` set).
    stops: u32,
    /// The task is parked in a stop (set and cleared by the task).
    parked: bool,
    /// An engine ended a stop asking for another report.
    report_again: bool,
    /// A quiesce report was asked for and not made yet.
    kick_requested: bool,
    /// Which of `Registry::kick_work` are on the task's task_work list
    /// (set when queued, cleared by the work when it runs: a queued
    /// `callback_head` must not be queued again).
    kick_queued: [bool; 2],
    /// The step to take when the task leaves its stop: 0 none, 1 single,
    /// 2 block (`utrace_helper_set_step()`'s values).
    step_request: i32,
    /// The task turned stepping on for its engines.
    stepping: bool,
    /// [`Attachment::id`] of the attachment whose callback runs, or 0.
    reporting: usize,
    /// The task running that callback (the traced task, or its reaper for
    /// the reap report), by address, for comparison only; 0 if none.
    reporter: usize,
    /// How many [`Registry::barrier`] calls wait for `reporting` to change.
    barrier_waiters: u32,
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

/// [`Registry::summary`] bit: some engine is attached.
const SUMMARY_ENGINES: u32 = 1 << 30;
/// [`Registry::summary`] bit: the engines turned stepping on, so the
/// task's SIGTRAP must be reported (to turn it off).
const SUMMARY_STEPPING: u32 = 1 << 31;

/// The engines of one task.
#[pin_data]
pub(crate) struct Registry {
    owner: Owner,
    /// The shared state (module documentation).
    #[pin]
    inner: SpinLock<Inner>,
    /// The union of the events of the attached engines, with
    /// `SUMMARY_ENGINES` and `SUMMARY_STEPPING`: what readers that cannot
    /// take `inner` test. Stored with release under `inner` after what it
    /// summarises changed; loaded with acquire (pairs with that store). A
    /// stale answer only keeps or drops a signal's short cut a moment
    /// early or late, as for `task->ptrace` read by the same senders.
    summary: Atomic<u32>,
    /// The next attach sequence number, for engines and the tracer alike
    /// (an atomic: `ptrace_link` runs under `tasklist_lock`).
    next_seq: Atomic<u64>,
    /// The sequence number the task's tracer attached at: 0 (before every
    /// engine) unless it attached while the task had this registry. Stored
    /// with release in `ptrace_link`, loaded with acquire by the task.
    ptrace_seq: Atomic<u64>,
    /// Whether the last syscall entry was aborted (only the task touches
    /// it, from its entry report to its exit report).
    entry_aborted: AtomicFlag,
    /// Where the task sleeps in a stop, and barriers wait for a callback.
    #[pin]
    wait: Opaque<bindings::wait_queue_head>,
    /// The kicks' task works (`KICK_RESUME`, `KICK_INTERRUPT`), queued
    /// only while `Inner::kick_queued` says they are free.
    #[pin]
    kick_work: [Opaque<bindings::callback_head>; 2],
}

// SAFETY: `wait` and `kick_work` are only used through the kernel's
// thread-safe wait-queue and task_work APIs; every other field is a lock,
// an atomic, or `owner`, whose `TaskPtr` is `Send` and `Sync`.
unsafe impl Send for Registry {}
// SAFETY: as above.
unsafe impl Sync for Registry {}

impl Registry {
    fn new(owner: Owner) -> impl PinInit<Self, Error> {
        try_pin_init!(Registry {
            owner,
            inner <- kernel::new_spinlock!(
                Inner {
                    list: None,
                    phase: Phase::Alive,
                    stops: 0,
                    parked: false,
                    report_again: false,
                    kick_requested: false,
                    kick_queued: [false; 2],
                    step_request: 0,
                    stepping: false,
                    reporting: 0,
                    reporter: 0,
                    barrier_waiters: 0,
                },
                "utrace::Registry::inner"
            ),
            summary: Atomic::new(0),
            next_seq: Atomic::new(1),
            ptrace_seq: Atomic::new(0),
            entry_aborted: AtomicFlag::new(false),
            wait <- task::new_wait_queue(),
            kick_work: [Opaque::uninit(), Opaque::uninit()],
        }? Error)
    }

    /// A new, empty registry for `task`.
    pub(crate) fn for_task(task: &Task) -> Result<Arc<Self>> {
        Arc::pin_init(Self::new(Owner::Task(TaskPtr::new(task))), GFP_KERNEL)
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
            Owner::Task(_) => false,
        }
    }

    /// The current list, with a reference of our own.
    fn list(&self) -> Option<Arc<EngineList>> {
        self.inner.lock().list.clone()
    }

    /// Whether the owner may get new attachments: `EPERM` for a kernel
    /// thread or an io_uring/vhost worker, `ESRCH` once it is exiting or
    /// dead. Callers of [`Registry::attach`] hold the task.
    fn check_target(&self, inner: &Inner) -> Result {
        let t = match &self.owner {
            // SAFETY: attach callers hold a reference to the task (the
            // `&Task` of `attach_to_task` or `find`, the clone report's
            // child), so it is alive.
            Owner::Task(t) => unsafe { task::target_state(t) },
            Owner::Test(_) => super::policy::TargetState::default(),
        };
        super::policy::check_target(super::policy::TargetState {
            exiting: t.exiting || inner.phase != Phase::Alive,
            ..t
        })
    }

    /// Recomputes [`Registry::summary`] and the syscall work flag after the
    /// list, an event mask or stepping changed.
    fn publish_summary(&self, inner: &Inner) {
        let mut bits = 0;
        for a in inner.list.iter().flat_map(|l| l.engines.iter()) {
            if !a.is_detached() {
                bits |= a.events().bits() | SUMMARY_ENGINES;
            }
        }
        if inner.stepping {
            bits |= SUMMARY_STEPPING;
        }
        // Pairs with the acquire loads in `wants_signal` and `has_engines`.
        self.summary.store(bits, Release);
        let syscalls = bits & Events::SYSCALL.bits() != 0;
        match &self.owner {
            // A dead task makes no more syscalls, and its task_struct may be
            // gone (module documentation): leave it alone.
            Owner::Task(_) if inner.phase == Phase::Dead => {}
            // SAFETY: under `inner` with the phase not `Dead`: the task is
            // alive (module documentation).
            Owner::Task(t) => unsafe { task::set_syscall_work(t, syscalls) },
            Owner::Test(flag) => flag.store(syscalls, Relaxed),
        }
    }

    /// Whether any engine is attached.
    pub(crate) fn has_engines(&self) -> bool {
        // Pairs with the release store in `publish_summary`.
        self.summary.load(Acquire) & SUMMARY_ENGINES != 0
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
        loop {
            let cur = {
                let inner = self.inner.lock();
                self.check_target(&inner)?;
                inner.list.clone()
            };
            let found = cur.as_ref().and_then(|l| {
                l.engines
                    .iter()
                    .find(|a| !a.is_detached() && matches(a))
                    .cloned()
            });
            match decide_attach(req, found.is_some())? {
                AttachDecision::UseExisting => return found.map(|a| (a, false)).ok_or(ENOENT),
                AttachDecision::Create => {}
            }
            let new = new.as_ref().ok_or(EINVAL)?;
            let list = EngineList::rebuild(cur.as_deref(), Some(new))?;
            let mut inner = self.inner.lock();
            // Another writer changed the list since we looked (so the
            // exclusivity check may be stale): look again.
            if !same_list(&inner.list, &cur) {
                drop(inner);
                continue;
            }
            self.check_target(&inner)?;
            new.seq.store(self.next_seq.fetch_add(1, Relaxed), Relaxed);
            let old = core::mem::replace(&mut inner.list, list);
            self.publish_summary(&inner);
            drop(inner);
            // The old list (and any detached engine only it held) goes
            // with the lock dropped.
            drop(old);
            return Ok((new.clone(), true));
        }
    }

    /// Detaches `att`: `ESRCH` if it was detached already. Never fails
    /// otherwise, in any phase.
    ///
    /// When this returns, no new callback of the engine will start; one
    /// may still be running: see [`Registry::barrier`].
    pub(crate) fn detach(&self, att: &Attachment) -> Result {
        let mut inner = self.inner.lock();
        check_control(
            Control::Detach,
            inner.phase,
            att.events(),
            task::step_support(),
        )?;
        if att.detached.xchg(true, Relaxed) {
            return Err(ESRCH);
        }
        let wake = self.release_stop_locked(&mut inner, att);
        self.publish_summary(&inner);
        drop(inner);
        if wake {
            task::wake_all(&self.wait);
        }
        att.engine.detached();
        self.prune();
        Ok(())
    }

    /// Drops detached attachments from the list, if there are any and the
    /// memory for a new list can be had; else they stay, skipped.
    fn prune(&self) {
        let cur = self.list();
        if !cur.as_ref().is_some_and(|l| l.has_detached()) {
            return;
        }
        let Ok(list) = EngineList::rebuild(cur.as_deref(), None) else {
            return;
        };
        let mut inner = self.inner.lock();
        if !same_list(&inner.list, &cur) {
            // Whoever changed it pruned it.
            return;
        }
        let old = core::mem::replace(&mut inner.list, list);
        drop(inner);
        drop(old);
    }

    /// Changes the events `att` is told about: `ESRCH` if it is detached.
    pub(crate) fn set_events(&self, att: &Attachment, events: Events) -> Result {
        let inner = self.inner.lock();
        if att.is_detached() {
            return Err(ESRCH);
        }
        check_set_events(inner.phase, att.events(), events)?;
        att.events.store(events.bits(), Relaxed);
        self.publish_summary(&inner);
        Ok(())
    }

    /// Waits until no callback of `att` is running.
    ///
    /// Returns at once when called by the task running the callbacks (a
    /// callback cannot wait for itself; this covers a reap callback, run
    /// by the reaper); `ERESTARTSYS` if a signal interrupts the wait.
    pub(crate) fn barrier(&self, att: &Attachment) -> Result {
        let me = att.id();
        {
            let mut inner = self.inner.lock();
            if inner.reporting != me || inner.reporter == Task::current_raw() as usize {
                return Ok(());
            }
            inner.barrier_waiters += 1;
        }
        let woken = task::wait_until(&self.wait, false, || self.inner.lock().reporting != me);
        self.inner.lock().barrier_waiters -= 1;
        if woken {
            Ok(())
        } else {
            Err(ERESTARTSYS)
        }
    }

    /// Calls `f` on the engine of `att`, unless it is detached, with
    /// `reporting` naming it for [`Registry::barrier`]. Returns the answer,
    /// with a Stop already taken; `None` if the engine was not called or
    /// was detached while it ran (its answer is ignored then).
    fn call(&self, att: &Attachment, f: impl FnOnce(&dyn Engine) -> Resume) -> Option<Resume> {
        {
            let mut inner = self.inner.lock();
            if att.is_detached() {
                return None;
            }
            inner.reporting = att.id();
            inner.reporter = Task::current_raw() as usize;
        }
        let answer = f(&*att.engine);
        let mut inner = self.inner.lock();
        inner.reporting = 0;
        inner.reporter = 0;
        let wake = inner.barrier_waiters != 0;
        let answer = if att.is_detached() {
            None
        } else {
            if answer == Resume::Stop {
                self.hold_stop_locked(&mut inner, att);
            }
            Some(answer)
        };
        drop(inner);
        if wake {
            task::wake_all(&self.wait);
        }
        answer
    }

    /// Acts on the part of an answer [`Registry::call`] leaves: a detach.
    fn take_answer(&self, att: &Attachment, answer: Resume) {
        if answer == Resume::Detach {
            // An error can only mean it is detached already.
            let _ = self.detach(att);
        }
    }

    /// Makes `att` hold the task stopped (if it is still attached).
    fn hold_stop_locked(&self, inner: &mut Inner, att: &Attachment) {
        if !att.is_detached() && !att.stopping.xchg(true, Relaxed) {
            inner.stops += 1;
        }
    }

    /// Lets the task go on as far as `att` is concerned, if it held it
    /// stopped. Returns whether the parked task must be woken.
    fn release_stop_locked(&self, inner: &mut Inner, att: &Attachment) -> bool {
        if !att.stopping.xchg(false, Relaxed) {
            return false;
        }
        inner.stops -= 1;
        inner.stops == 0 && inner.parked
    }

    /// Checks a control request of `att`'s engine against the task's phase.
    fn check_control_locked(&self, inner: &Inner, att: &Attachment, ctl: Control) -> Result {
        if att.is_detached() {
            return Err(ESRCH);
        }
        check_control(ctl, inner.phase, att.events(), task::step_support())
    }

    /// Lets the task go on as far as `att` is concerned: `ESRCH` once
    /// `att` is detached or the task is dying.
    pub(crate) fn resume(&self, att: &Attachment) -> Result {
        let mut inner = self.inner.lock();
        self.check_control_locked(&inner, att, Control::Resume)?;
        let wake = self.release_stop_locked(&mut inner, att);
        drop(inner);
        if wake {
            task::wake_all(&self.wait);
        }
        Ok(())
    }

    /// Lets the task go on as far as `att` is concerned, and asks for the
    /// event to be reported again (at syscall entry, the entry callbacks run
    /// again, marked resumed). `ESRCH` once `att` is detached; nothing to
    /// do if `att` does not hold the task stopped.
    pub(crate) fn resume_and_report(&self, att: &Attachment) -> Result {
        let mut inner = self.inner.lock();
        self.check_control_locked(&inner, att, Control::Resume)?;
        if !att.stopping.load(Relaxed) {
            return Ok(());
        }
        // Read by the task when it leaves the stop; cleared if it does not
        // park at all (a stop that was pending: nothing to report again).
        inner.report_again = true;
        let wake = self.release_stop_locked(&mut inner, att);
        drop(inner);
        if wake {
            task::wake_all(&self.wait);
        }
        Ok(())
    }

    /// Holds the task stopped for `att`'s engine: at once if it is parked,
    /// else at its next safe point. `ESRCH` once `att` is detached or the
    /// task is dying.
    pub(crate) fn stop(&self, att: &Attachment) -> Result<StopState> {
        let mut inner = self.inner.lock();
        self.check_control_locked(&inner, att, Control::Stop)?;
        self.hold_stop_locked(&mut inner, att);
        if inner.parked {
            return Ok(StopState::Stopped);
        }
        match self.kick_locked(&mut inner, true) {
            Ok(()) => Ok(StopState::Pending),
            // The task is exiting: it will never stop.
            Err(e) => {
                // Not parked: no one to wake.
                self.release_stop_locked(&mut inner, att);
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
        let mut inner = self.inner.lock();
        self.check_control_locked(&inner, att, ctl)?;
        self.kick_locked(&mut inner, interrupt)
    }

    /// utrace's REPORT control: resumes the task from `att`'s stop asking
    /// for a report again, or, if `att` holds no stop, asks for a quiesce
    /// report.
    pub(crate) fn report(&self, att: &Attachment) -> Result {
        // Each branch checks the request for itself; a stop taken or
        // released in between makes this the other branch's request, as
        // if it had come a moment later.
        let stopping = {
            let _inner = self.inner.lock();
            att.stopping.load(Relaxed)
        };
        if stopping {
            self.resume_and_report(att)
        } else {
            self.request_report(att, false)
        }
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
        let mut inner = self.inner.lock();
        self.check_control_locked(&inner, att, ctl)?;
        inner.step_request = if block { 2 } else { 1 };
        if att.stopping.load(Relaxed) {
            let wake = self.release_stop_locked(&mut inner, att);
            drop(inner);
            if wake {
                task::wake_all(&self.wait);
            }
            return Ok(());
        }
        self.kick_locked(&mut inner, false)
    }

    /// Makes the task run its quiesce report at its next safe point;
    /// `interrupt` also breaks an interruptible sleep. `ESRCH` if the task
    /// is exiting or dead.
    fn kick_locked(&self, inner: &mut SpinLockGuard<'_, Inner>, interrupt: bool) -> Result {
        let Owner::Task(t) = &self.owner else {
            return Ok(());
        };
        if inner.phase == Phase::Dead {
            return Err(ESRCH);
        }
        inner.kick_requested = true;
        // A queued interrupting kick serves every request; a queued
        // resume-time kick serves those that need not break a sleep.
        if inner.kick_queued[KICK_INTERRUPT] || (!interrupt && inner.kick_queued[KICK_RESUME]) {
            return Ok(());
        }
        let which = if interrupt {
            KICK_INTERRUPT
        } else {
            KICK_RESUME
        };
        // SAFETY: under `inner` with the phase not `Dead`, the task is
        // alive (module documentation); `kick_work[which]` is not queued
        // (`kick_queued`), and lives as long as the registry, which the
        // task holds until its task_struct is freed, after its task works
        // ran or were cancelled.
        let r = unsafe { task::kick(t, self.kick_work[which].get(), interrupt) };
        match r {
            Ok(()) => inner.kick_queued[which] = true,
            Err(_) if !inner.kick_queued[KICK_RESUME] => inner.kick_requested = false,
            Err(_) => {}
        }
        r
    }

    /// A kick's task work runs (in the task): `work` is free again.
    pub(crate) fn kick_ran(&self, work: *mut bindings::callback_head) {
        let mut inner = self.inner.lock();
        for (i, w) in self.kick_work.iter().enumerate() {
            if w.get() == work {
                inner.kick_queued[i] = false;
            }
        }
    }

    /// Takes the pending kick request: whether there was one. Cleared
    /// before the report it asks for, so that a request made from now on
    /// asks for another.
    fn take_kick(&self) -> bool {
        core::mem::take(&mut self.inner.lock().kick_requested)
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
        // Pairs with the release store in `ptrace_link`.
        let at = self.ptrace_seq.load(Acquire);
        ptrace_slot(list.engines.iter().map(|a| a.seq.load(Relaxed)), at)
    }

    /// The task is dead: reports it to the engines that asked, in attach
    /// order, then detaches every engine but those that wait for the reap
    /// report. Called by the task itself.
    pub(crate) fn report_death(&self, task: &Task, death: &DeathReport) {
        let list = {
            let mut inner = self.inner.lock();
            // No attach from now on (`check_target`).
            inner.phase = Phase::Dying;
            inner.list.clone()
        };
        let engines = list.iter().flat_map(|l| l.engines.iter());
        for att in engines.clone() {
            if att.events().contains(Events::DEATH) {
                self.call(att, |e| {
                    e.report_death(task, death);
                    Resume::Detach
                });
            }
        }
        self.inner.lock().phase = Phase::Dead;
        for att in engines {
            if !att.events().contains(Events::REAP) {
                self.detach_dead(att);
            }
        }
        self.prune();
    }

    /// Detaches `att` from a dead task, if it is not detached already.
    fn detach_dead(&self, att: &Attachment) {
        let mut inner = self.inner.lock();
        if att.detached.xchg(true, Relaxed) {
            return;
        }
        // A dead task is not parked: no one to wake.
        self.release_stop_locked(&mut inner, att);
        self.publish_summary(&inner);
        drop(inner);
        att.engine.detached();
    }

    /// The dead task is being reaped (called by the reaper): the engines
    /// still attached, those that asked for [`Events::REAP`], hear of it
    /// in attach order and are detached.
    pub(crate) fn report_reap(&self, task: &Task) {
        let list = {
            let mut inner = self.inner.lock();
            if inner.phase != Phase::Dead {
                // A task is reaped after its death report, always; a
                // registry that never saw one has nothing to report.
                return;
            }
            inner.list.take()
        };
        let Some(list) = list else {
            return;
        };
        for att in list.engines.iter() {
            if att.events().contains(Events::REAP) {
                self.call(att, |e| {
                    e.report_reap(task);
                    Resume::Detach
                });
            }
            self.detach_dead(att);
        }
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
        let list = self.list();
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
            if att.is_detached() || !att.events().contains(Events::SYSCALL_ENTRY) {
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
        let list = self.list();
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
            if att.is_detached() || (!once && !att.events().contains(Events::SYSCALL_EXIT)) {
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
        let Some(list) = self.list() else {
            return Resume::Resume;
        };
        let mut action = Resume::Resume;
        for att in list.engines.iter() {
            before_each(att);
            if att.is_detached() || !att.events().intersects(event) {
                continue;
            }
            if let Some(answer) = self.call(att, &mut f) {
                action = combine_resume(action, answer);
                self.take_answer(att, answer);
            }
        }
        action
    }

    /// Whether some engine holds the task stopped; if none does, a request
    /// for another report left by a stop that never parked is dropped.
    fn held(&self) -> bool {
        let mut inner = self.inner.lock();
        if inner.stops == 0 {
            inner.report_again = false;
            return false;
        }
        true
    }

    /// After a round of reports that combined to `action`: parks while an
    /// engine holds the task stopped, and tells how the stop ended. A task
    /// about to park for a stop asked for from outside makes its quiesce
    /// report first (the kick would come too late: it runs on the way back
    /// to user mode).
    fn settle(&self, task: &Task, mut action: Resume) -> Settled {
        if action != Resume::Stop && !self.held() {
            return Settled::Go;
        }
        if self.take_kick() {
            let quiesce = self.report_round(Events::QUIESCE, |_| {}, |e| e.report_quiesce(task));
            action = combine_resume(action, quiesce);
            if action != Resume::Stop && !self.held() {
                return Settled::Go;
            }
        }
        let woken = self.park();
        let again = core::mem::take(&mut self.inner.lock().report_again);
        match (woken, again) {
            (false, _) => Settled::Killed,
            (true, true) => Settled::Again,
            (true, false) => Settled::Go,
        }
    }

    /// Sleeps while some engine holds the task stopped, with
    /// `Inner::parked` set. Returns `false` if a fatal signal ended the
    /// stop, or the task is exiting (it does not stop then). A task that
    /// leaves the stop takes the step an engine asked for.
    fn park(&self) -> bool {
        let Owner::Task(_) = &self.owner else {
            // A test registry has no task to put to sleep.
            return true;
        };
        if task::current_exiting() {
            return false;
        }
        self.inner.lock().parked = true;
        let woken = task::wait_until(&self.wait, true, || self.inner.lock().stops == 0);
        let step = {
            let mut inner = self.inner.lock();
            inner.parked = false;
            core::mem::take(&mut inner.step_request)
        };
        if !woken {
            return false;
        }
        self.start_step(step);
        true
    }

    /// Turns stepping on if an engine resumed the task with a step (`how`:
    /// 1 single, 2 block).
    fn start_step(&self, how: i32) {
        if how == 0 {
            return;
        }
        task::set_step(how);
        let mut inner = self.inner.lock();
        inner.stepping = true;
        self.publish_summary(&inner);
    }

    /// Takes a step asked for while the task was not stopped.
    fn take_step(&self) {
        let how = core::mem::take(&mut self.inner.lock().step_request);
        self.start_step(how);
    }

    /// Turns stepping off if the engines turned it on (the task took its
    /// step and reports the trap, or a quiesce report).
    fn end_step(&self) {
        let mut inner = self.inner.lock();
        if !core::mem::take(&mut inner.stepping) {
            return;
        }
        self.publish_summary(&inner);
        drop(inner);
        task::set_step(0);
    }

    /// Reports that the task runs a new program.
    pub(crate) fn report_exec(&self, task: &Task, exec: &ExecReport<'_>) {
        self.report_event(task, Events::EXEC, |_| {}, |e| e.report_exec(task, exec));
    }

    /// Whether an engine wants signals of class `class` reported, or
    /// stepping must be turned off. Called under siglock, maybe in
    /// interrupt context: reads [`Registry::summary`] only.
    pub(crate) fn wants_signal(&self, class: Events) -> bool {
        // Pairs with the release store in `publish_summary`.
        self.summary.load(Acquire) & (class.bits() | SUMMARY_STEPPING) != 0
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
            let list = self.list();
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
                if att.is_detached() || !att.events().intersects(sig.class().event()) {
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
                    let mut inner = self.inner.lock();
                    self.hold_stop_locked(&mut inner, att);
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

    /// Whether the task is parked in a stop.
    pub(crate) fn is_parked(&self) -> bool {
        self.inner.lock().parked
    }

    /// The task's phase.
    #[cfg(CONFIG_UTRACE_KUNIT_TEST)]
    pub(crate) fn phase(&self) -> Phase {
        self.inner.lock().phase
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
        self.inner.lock().stops as i32
    }
}
