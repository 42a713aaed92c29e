// SPDX-License-Identifier: GPL-2.0

//! Attaching engines to tasks, and the handles that control them.
//!
//! [`Attach`] builds an attach request in utrace's terms (create, exclusive,
//! match by type or data) with types that make the invalid combinations
//! unwritable; [`EngineHandle::find`] is the lookup. An [`EngineHandle`] is a
//! reference to one attachment: dropping it does not detach the engine.
//!
//! These are in-kernel APIs: they do not check permissions. Whoever
//! exposes them to user space (the control device) applies ptrace's rules.

use super::engine::{downcast, Engine, Events};
use super::follow::{follow_erased, Follow};
use super::policy::{AttachRequest, MatchBy};
#[cfg(CONFIG_UPROBES)]
use super::probe::ProbeSubscription;
use super::registry::{Attachment, Children, Registry, StopState};
#[cfg(CONFIG_UPROBES)]
use super::report::ProbeKind;
use super::syscall_set::SyscallSet;
use super::task;
use core::marker::PhantomData;
#[cfg(CONFIG_UPROBES)]
use kernel::fs::LocalFile;
use kernel::prelude::*;
use kernel::sync::Arc;
use kernel::task::Task;

/// How to recognise an existing attachment of an `E` engine.
pub enum Match<'a, E> {
    /// Any attachment of an engine of type `E`.
    Type,
    /// An attachment of an `E` engine for which the predicate holds.
    Data(&'a dyn Fn(&E) -> bool),
}

impl<E: Engine> Match<'_, E> {
    fn by(&self) -> MatchBy {
        match self {
            Match::Type => MatchBy::Type,
            Match::Data(_) => MatchBy::Data,
        }
    }

    fn matches(&self, engine: &Arc<dyn Engine>) -> bool {
        match (self, downcast::<E>(engine)) {
            (_, None) => false,
            (Match::Type, Some(_)) => true,
            (Match::Data(pred), Some(e)) => pred(e),
        }
    }
}

/// A request to attach a new engine to a task.
///
/// ```ignore
/// let handle = Attach::new(Arc::new(MyEngine::new(), GFP_KERNEL)?)
///     .events(Events::SYSCALL)
///     .exclusive(Match::Type)
///     .attach_to_task(&task)?;
/// ```
pub struct Attach<'a, E: Engine> {
    engine: Arc<E>,
    events: Events,
    exclusive: Option<Match<'a, E>>,
    children: Children,
    syscalls: Option<Arc<SyscallSet>>,
}

impl<'a, E: Engine> Attach<'a, E> {
    /// Attaches `engine`, with no events, alongside any other engine.
    pub fn new(engine: Arc<E>) -> Self {
        Self {
            engine,
            events: Events::NONE,
            exclusive: None,
            children: Children::Nothing,
            syscalls: None,
        }
    }

    /// Every child the task creates from now on (and their children) gets
    /// the same engine too, attached before it runs, with the events it has
    /// at that moment. The engine is shared: it sees all those tasks.
    pub fn inherit(mut self) -> Self {
        self.children = Children::Same;
        self
    }

    /// Every child the task creates from now on (and their children) gets
    /// an engine of its own, which the engine makes ([`Follow::follow`]),
    /// attached before it runs, with the events this one has at that
    /// moment and its syscall set.
    pub fn follow(mut self) -> Self
    where
        E: Follow,
    {
        self.children = Children::Own(follow_erased::<E>);
        self
    }

    /// [`Attach::follow`] if `follows`.
    pub fn follow_if(self, follows: bool) -> Self
    where
        E: Follow,
    {
        if follows {
            self.follow()
        } else {
            self
        }
    }

    /// The events the engine starts with (before it can miss any).
    pub fn events(mut self, events: Events) -> Self {
        self.events = events;
        self
    }

    /// The engine is told of the entries and exits of the calls in `set`
    /// only (with [`Events::SYSCALL_ENTRY`] / [`Events::SYSCALL_EXIT`]):
    /// for another call it is skipped as an engine that does not ask for
    /// syscalls is, but for the test of one bit. An exit an entry callback
    /// asked for ([`SyscallEntry::report_exit`]) is reported whatever the
    /// set. Children that get the engine get the same set.
    ///
    /// [`SyscallEntry::report_exit`]: super::SyscallEntry::report_exit
    pub fn syscalls(mut self, set: Arc<SyscallSet>) -> Self {
        self.syscalls = Some(set);
        self
    }

    /// Fails with `EEXIST` if an attachment matching `m` exists.
    pub fn exclusive(mut self, m: Match<'a, E>) -> Self {
        self.exclusive = Some(m);
        self
    }

    /// Attaches to `task`: `EPERM` for a kernel thread, `ESRCH` for a task
    /// that is exiting, `EEXIST` for an exclusive conflict, `ENOMEM`.
    pub fn attach_to_task(self, task: &Task) -> Result<EngineHandle<E>> {
        let registry = task::registry_or_create(task)?;
        self.attach(registry, false)
    }

    /// Attaches to a registry (a task's, or a test's).
    pub(crate) fn attach_to_registry(self, registry: Arc<Registry>) -> Result<EngineHandle<E>> {
        self.attach(registry, false)
    }

    fn attach(self, registry: Arc<Registry>, follows_clone: bool) -> Result<EngineHandle<E>> {
        let req = AttachRequest {
            create: true,
            exclusive: self.exclusive.is_some(),
            match_by: self.exclusive.as_ref().map_or(MatchBy::Nothing, |m| m.by()),
            follows_clone,
        };
        let engine = self.engine.clone();
        let new = Attachment::new(
            self.engine,
            self.events.check()?,
            self.children,
            self.syscalls,
        )?;
        let matcher = |_: &Attachment, e: &Arc<dyn Engine>| {
            self.exclusive.as_ref().is_some_and(|m| m.matches(e))
        };
        let (attachment, _) = registry.attach(req, Some(new), &matcher)?;
        Ok(EngineHandle::attached(registry, attachment, engine))
    }
}

/// A reference to one engine attached to one task.
///
/// # Invariants
///
/// `engine` is an `E`, the engine of `attachment` (which lets go of it when
/// it is retired: the handle keeps its own reference).
#[must_use = "dropping the handle does not detach the engine"]
pub struct EngineHandle<E: Engine> {
    registry: Arc<Registry>,
    attachment: Arc<Attachment>,
    engine: Arc<dyn Engine>,
    _engine: PhantomData<fn() -> E>,
}

impl<E: Engine> Clone for EngineHandle<E> {
    fn clone(&self) -> Self {
        // INVARIANT: the same attachment, so the same engine type.
        Self {
            registry: self.registry.clone(),
            attachment: self.attachment.clone(),
            engine: self.engine.clone(),
            _engine: PhantomData,
        }
    }
}

impl<E: Engine> EngineHandle<E> {
    /// The handle of `attachment`, just attached to `registry` with
    /// `engine`.
    pub(crate) fn attached(
        registry: Arc<Registry>,
        attachment: Arc<Attachment>,
        engine: Arc<E>,
    ) -> Self {
        // INVARIANT: `engine` is an `E`, by its type; the callers pass the
        // engine `attachment` was made with.
        Self {
            registry,
            attachment,
            engine,
            _engine: PhantomData,
        }
    }

    /// Finds an `E` engine attached to `task`, exiting or not: `ENOENT` if
    /// there is none.
    pub fn find(task: &Task, m: Match<'_, E>) -> Result<Self> {
        let registry = task::registry(task).ok_or(ENOENT)?;
        Self::find_in(registry, m)
    }

    /// Finds an `E` engine in a registry.
    pub(crate) fn find_in(registry: Arc<Registry>, m: Match<'_, E>) -> Result<Self> {
        let req = AttachRequest {
            create: false,
            exclusive: false,
            match_by: m.by(),
            follows_clone: false,
        };
        let (attachment, _) = registry.attach(req, None, &|_, e| m.matches(e))?;
        // Retired since it was found: detached, as if found a moment later.
        let engine = registry.engine_of(&attachment).ok_or(ENOENT)?;
        if downcast::<E>(&engine).is_none() {
            return Err(EINVAL);
        }
        // INVARIANT: the type was checked just above.
        Ok(Self {
            registry,
            attachment,
            engine,
            _engine: PhantomData,
        })
    }

    /// The engine.
    pub fn engine(&self) -> &E {
        let p = Arc::as_ptr(&self.engine).cast::<E>();
        // SAFETY: by the type invariant the engine is an `E`; `self.engine`
        // keeps it alive as long as `self`.
        unsafe { &*p }
    }

    /// The events the engine is told about.
    pub fn events(&self) -> Events {
        self.attachment.events()
    }

    /// Changes the events the engine is told about: `ESRCH` once detached,
    /// `EINVAL` for a set no engine may ask for ([`Events::check`]). Takes
    /// effect from the task's next event on.
    pub fn set_events(&self, events: Events) -> Result {
        self.registry.set_events(&self.attachment, events.check()?)
    }

    /// Detaches the engine: `ESRCH` if it is detached already (through
    /// this handle or another, or by the task's death).
    ///
    /// No callback of the engine starts after this returns; one that runs
    /// on the task right now may still finish: [`EngineHandle::barrier`]
    /// waits for it.
    pub fn detach(&self) -> Result {
        self.registry.detach(&self.attachment)
    }

    /// Subscribes the engine, for this attachment's task only, to the
    /// `kind` side of the instruction at `offset` in `file` (open for
    /// reading): with [`Events::BREAKPOINT`] the engine hears of the task's
    /// hits in `report_breakpoint` until the subscription is dropped.
    /// Other tasks that map the file, and other threads of the task, run
    /// untouched. `ESRCH` once the engine is detached or the task dead;
    /// `EBADF` for a file not open for reading; `EEXIST` for a second
    /// subscription to the same probe and side; `ENOSPC` past
    /// [`MAX_PROBES`]; the uprobes core's errors (`EINVAL` for an offset
    /// outside the file or not on an instruction boundary it accepts).
    /// It may sleep: not from `report_breakpoint` (see `probe`'s module
    /// documentation).
    ///
    /// [`MAX_PROBES`]: super::policy::MAX_PROBES
    #[cfg(CONFIG_UPROBES)]
    pub fn probe(
        &self,
        file: &LocalFile,
        offset: u64,
        kind: ProbeKind,
    ) -> Result<ProbeSubscription> {
        let task = self.registry.subscriber_task(&self.attachment)?;
        super::probe::subscribe(&self.attachment, task, file, offset, kind)
    }

    /// Waits until the callback of this engine that is running, if one is,
    /// has returned (a later one may have started by then: after a detach
    /// none does). Only SIGKILL ends the wait early (`ERESTARTSYS`); a
    /// path that must not leave before the callback returns (a module's
    /// exit, which then frees the engine's code) uses
    /// [`EngineHandle::barrier_uninterruptible`].
    pub fn barrier(&self) -> Result {
        self.registry
            .barrier(&self.attachment, task::Sleep::Killable)
    }

    /// [`EngineHandle::barrier`] in a sleep no signal ends, as
    /// `flush_work()` waits: for a module's exit path, which cannot fail.
    /// A callback that never returns hangs the caller (the hung-task
    /// detector names it); SIGKILL to the traced task ends a callback's
    /// killable sleeps.
    pub fn barrier_uninterruptible(&self) {
        // Only a killable wait can fail.
        let _ = self
            .registry
            .barrier(&self.attachment, task::Sleep::Uninterruptible);
    }

    /// Lets the task go on if this engine held it stopped: `ESRCH` once the
    /// engine is detached.
    pub fn resume(&self) -> Result {
        self.registry.resume(&self.attachment)
    }

    /// Lets the task go on if this engine held it stopped, and asks for
    /// another report: a task stopped at syscall entry runs its entry
    /// callbacks again, marked resumed ([`SyscallEntry::is_resumed`]),
    /// before the call. `ESRCH` once the engine is detached.
    ///
    /// [`SyscallEntry::is_resumed`]: super::SyscallEntry::is_resumed
    pub fn resume_and_report(&self) -> Result {
        self.registry.resume_and_report(&self.attachment)
    }

    /// Stops the task for this engine (utrace's `UTRACE_STOP` control):
    /// at once if it is already parked in a stop, else at its next safe
    /// point, where engines with [`Events::QUIESCE`] get a quiesce report;
    /// an interruptible sleep is broken (and the syscall restarted) to get
    /// there. The task stays stopped until this engine resumes it
    /// ([`EngineHandle::resume`]) or a fatal signal comes. `ESRCH` once the
    /// engine is detached or the task is dying, `ENOMEM`.
    pub fn stop(&self) -> Result<StopState> {
        self.registry.stop(&self.attachment)
    }

    /// Asks for a quiesce report at the task's next safe point, breaking
    /// an interruptible sleep to get there (`UTRACE_INTERRUPT`). `EINVAL`
    /// unless the engine asked for [`Events::QUIESCE`]; `ESRCH` once it is
    /// detached or the task is dying.
    pub fn interrupt(&self) -> Result {
        self.registry.request_report(&self.attachment, true)
    }

    /// Asks for a quiesce report when the task next returns to user mode,
    /// without breaking a sleep (`UTRACE_REPORT`); errors as
    /// [`EngineHandle::interrupt`].
    pub fn request_report(&self) -> Result {
        self.registry.request_report(&self.attachment, false)
    }

    /// Lets the task go on from this engine's stop for one instruction
    /// (`block`: until the next branch); the trap comes back as a SIGTRAP
    /// signal report (`TRAP_TRACE` or `TRAP_BRANCH`), after which the task
    /// runs on normally. A task this engine does not hold stopped takes
    /// the step when it leaves another engine's stop, or at the end of the
    /// quiesce report this asks for. The step is this engine's: detached
    /// before the task takes it, it is not taken; detached before its trap
    /// is reported to it (or while it holds the trap), the trap is dropped,
    /// unless another attached engine asked for a step too, or the task is
    /// traced (the tracer gets it). A signal reported before the trap ends
    /// the step. `EOPNOTSUPP` where the architecture cannot step so.
    pub fn resume_step(&self, block: bool) -> Result {
        self.registry.resume_step(&self.attachment, block)
    }

    /// Asks for a ptrace event stop of the task (`event`, whose message is
    /// `msg`), made as soon as the engine's callback that asks returns:
    /// never with the callback on the task's stack. For an engine whose
    /// user is the task's tracer (the branch trace's `PTRACE_EVENT_BTS`).
    /// `EINVAL` unless called from the engine's own callback, in the task;
    /// `ESRCH` once detached. Nothing happens if the task is not traced.
    pub fn stop_for_tracer(&self, event: u8, msg: u64) -> Result {
        self.registry.stop_for_tracer(&self.attachment, event, msg)
    }

    /// utrace's `UTRACE_REPORT` control: if this engine holds the task
    /// stopped, [`EngineHandle::resume_and_report`]; otherwise
    /// [`EngineHandle::request_report`].
    pub fn report(&self) -> Result {
        self.registry.report(&self.attachment)
    }

    /// Whether the task is parked in a stop (for this engine or another).
    pub fn is_task_stopped(&self) -> bool {
        self.registry.is_parked()
    }

    /// Whether the engine is detached.
    pub fn is_detached(&self) -> bool {
        self.attachment.is_detached()
    }

    /// The registry and the attachment, for engine-core's other parts.
    pub(crate) fn parts(&self) -> (&Registry, &Attachment) {
        (&self.registry, &self.attachment)
    }
}
