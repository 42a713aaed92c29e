// SPDX-License-Identifier: GPL-2.0

//! Following a task to the children it creates.
//!
//! An engine attached with [`Attach::inherit`] is shared: every child gets
//! the same engine. An engine with state of its own per task (a trace's
//! pid prefix and pending call, a VM's redirected path, a channel's slot)
//! implements [`Follow`] and is attached with [`Attach::follow`]: each
//! child gets an engine of its own, made by the parent's engine. Either
//! way engine-core attaches the child's engine in the parent's clone
//! report, at the parent's engine's place in the order, before the child
//! first runs, with the parent's engine's events and syscall set, inside
//! the bracket of a callback of the parent's engine (so not at all once
//! that is detached, and waited for by its barrier). An inherited copy is
//! undone if the parent's engine is detached meanwhile (design.md,
//! "Inheritance"); a followed child's engine is another engine, which its
//! maker's owner holds and detaches. This is the one way engines follow
//! children.
//!
//! [`Attach::inherit`]: super::Attach::inherit
//! [`Attach::follow`]: super::Attach::follow

use super::engine::{downcast, Engine};
use super::handle::EngineHandle;
use super::registry::{Attachment, Children, Registry};
use super::report::CloneReport;
use core::marker::PhantomData;
use kernel::prelude::*;
use kernel::sync::Arc;
use kernel::task::Task;

/// What becomes of a child its parent's engine could not follow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unfollowed {
    /// It is killed before it first runs (a `SIGKILL` pending from its
    /// creation), with a rate-limited warning: a sandbox's or a VM's child
    /// must not escape it by forking.
    Killed,
    /// It runs without the engine.
    Runs,
}

/// An engine that gives each child of its task an engine of its own.
pub trait Follow: Engine + Sized {
    /// The engine's name in the warning about a child killed because it
    /// could not be followed.
    const NAME: &'static CStr;

    /// Gives `child` its engine: makes it and attaches it with `attach`
    /// (once), keeping the handle as the engine's owner needs. Called in
    /// the parent's clone report, in the parent, before the child first
    /// runs, just before the parent's engine's own
    /// [`Engine::report_clone`]; not at all if the parent's engine is
    /// detached by then. An error leaves the child without the engine
    /// (one attached already is detached again), and
    /// [`Follow::not_followed`] decides what becomes of it.
    fn follow(&self, child: &Task, attach: ChildAttach<'_, Self>) -> Result;

    /// The child could not be given its engine (`e`, from
    /// [`Follow::follow`]): whether it is killed or runs without it.
    fn not_followed(&self, _child: &Task, _e: Error) -> Unfollowed {
        Unfollowed::Killed
    }
}

/// The attach of a followed child's engine, for [`Follow::follow`].
pub struct ChildAttach<'a, E: Follow> {
    parent: &'a Attachment,
    child: &'a Task,
    /// Where the child's attachment is recorded, to be undone if `follow`
    /// fails after it.
    copy: &'a mut Option<(Arc<Registry>, Arc<Attachment>)>,
    _engine: PhantomData<fn() -> E>,
}

impl<E: Follow> ChildAttach<'_, E> {
    /// Attaches `engine` to the child, with the events the parent's engine
    /// has now and its syscall set, following the child's children in
    /// turn. Not held to the cap of engines per task: engines others put
    /// on the child before it first ran cannot keep the parent's out.
    pub fn attach(self, engine: Arc<E>) -> Result<EngineHandle<E>> {
        let new = self
            .parent
            .for_child(engine.clone(), Children::Own(follow_erased::<E>))?;
        let (registry, attachment) = Registry::attach_child(self.child, new)?;
        *self.copy = Some((registry.clone(), attachment.clone()));
        Ok(EngineHandle::attached(registry, attachment, engine))
    }
}

/// [`Follow::follow`] of `E`, for an attachment that cannot name its
/// engine's type: called by [`Registry`]'s clone report, inside the
/// callback bracket of `parent`, with its engine.
///
/// On failure, detaches the child's engine if it was attached, and applies
/// [`Follow::not_followed`].
pub(crate) fn follow_erased<E: Follow>(
    engine: &Arc<dyn Engine>,
    parent: &Attachment,
    clone: &CloneReport<'_>,
) {
    // The attachment was made with `E` (`ChildAttach::attach`,
    // `Attach::follow`): never `None`.
    let Some(engine) = downcast::<E>(engine) else {
        return;
    };
    let child = clone.child();
    let mut copy = None;
    let attach = ChildAttach {
        parent,
        child,
        copy: &mut copy,
        _engine: PhantomData,
    };
    let Err(e) = engine.follow(child, attach) else {
        return;
    };
    if let Some((registry, attachment)) = copy.take() {
        // ESRCH only if it is detached already.
        let _ = registry.detach(&attachment);
    }
    if engine.not_followed(child, e) == Unfollowed::Killed {
        clone.kill_child();
        // Rate-limited: any user can make this fail at every fork (a
        // file's engines all in use) and would flood the log otherwise.
        // SAFETY: the helper only uses its own static rate-limit state.
        if unsafe { kernel::bindings::utrace_helper_vm_follow_warn_ratelimit() } {
            pr_warn!(
                "utrace {}: child {} killed: it could not be given an engine (errno {})\n",
                E::NAME,
                child.pid(),
                -e.to_errno()
            );
        }
    }
}
