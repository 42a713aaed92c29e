// SPDX-License-Identifier: GPL-2.0

//! Registry changes: attach, detach, the death and reap reports that
//! detach everyone, and inheritance by children.
//!
//! Writers build a new engine list outside the lock and publish it under
//! the lock if the list did not change meanwhile; detach marks and never
//! fails; the lists they replace are dropped with the lock released.

use super::reporting::{ReportScope, REAPER_MARK};
use super::{same_list, Attachment, Children, EngineList, Inner, Registry, SUMMARY_LIST_STALE};
use crate::engine_core::engine::{Engine, Events};
use crate::engine_core::policy::{
    check_control, check_engine_count, check_set_events, decide_attach, AttachDecision,
    AttachRequest, Control, MatchBy, Phase, Resume,
};
use crate::engine_core::report::{CloneReport, DeathReport};
use crate::engine_core::task;
use kernel::prelude::*;
use kernel::sync::atomic::{Acquire, Full, Relaxed};
use kernel::sync::{Arc, SpinLockGuard};
use kernel::task::Task;

impl Registry {
    /// Attaches a new engine, or finds an existing one, as `req` says.
    ///
    /// `new` is the attachment to add if the request creates one;
    /// `matches` recognises an existing attachment. Returns the attachment
    /// and whether it was created.
    pub(crate) fn attach(
        &self,
        req: AttachRequest,
        new: Option<Arc<Attachment>>,
        matches: &dyn Fn(&Attachment, &Arc<dyn Engine>) -> bool,
    ) -> Result<(Arc<Attachment>, bool)> {
        loop {
            let cur = {
                let inner = self.inner.lock();
                self.check_target(&inner, req.create)?;
                inner.list.clone()
            };
            let found = cur.as_ref().and_then(|l| {
                l.engines
                    .iter()
                    .find(|a| !a.is_detached() && self.engine_of(a).is_some_and(|e| matches(a, &e)))
                    .cloned()
            });
            match decide_attach(req, found.is_some())? {
                AttachDecision::UseExisting => return found.map(|a| (a, false)).ok_or(ENOENT),
                AttachDecision::Create => {}
            }
            let new = new.as_ref().ok_or(EINVAL)?;
            check_engine_count(
                cur.as_deref().map_or(0, EngineList::live),
                req.follows_clone,
            )?;
            let list = EngineList::rebuild(cur.as_deref(), Some(new))?;
            let mut inner = self.inner.lock();
            // Another writer changed the list since we looked (so the
            // exclusivity check may be stale): look again.
            if !same_list(&inner.list, &cur) {
                drop(inner);
                continue;
            }
            self.check_target(&inner, true)?;
            new.seq.store(self.next_seq.fetch_add(1, Relaxed), Relaxed);
            let old = self.replace_list_locked(&mut inner, list);
            self.publish_summary(&mut inner);
            let pruned = cur.as_deref().is_some_and(EngineList::has_detached);
            let owner = if pruned {
                self.let_go_of_detached(inner)
            } else {
                drop(inner);
                false
            };
            // The old list (and any detached engine only it held) goes
            // with the lock dropped.
            drop(old);
            if owner {
                self.take_list_now();
            }
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
        // Fully ordered: pairs with the exchange of `reporting` in `call`.
        if att.detached.xchg(true, Full) {
            return Err(ESRCH);
        }
        let wake = self.release_stop_locked(&mut inner, att);
        self.publish_summary(&mut inner);
        // Taken in the critical section that set the mark: a barrier may
        // retire the attachment (empty its slot) as soon as the lock goes,
        // and the engine must still hear of its detach.
        let engine = Self::engine_locked(&inner, att);
        drop(inner);
        if wake {
            task::wake_all(&self.wait);
        }
        // Race tests: a delay armed by UTRACE_TEST_DETACH_DELAY holds the
        // detach here, marked but the engine not yet told.
        #[cfg(CONFIG_UTRACE_TEST_DEVICE)]
        crate::engines::test_device::DETACH_DELAY_HOOK.pass();
        if let Some(engine) = engine {
            engine.detached();
        }
        self.retire_if_idle(att);
        self.prune();
        Ok(())
    }

    /// Tells the engine of the detached `att` that none of its callbacks
    /// runs now or will again ([`Engine::retired`]), if that is so: no
    /// callback of it is running (after `detached` was set: no new one
    /// starts). Else the first [`Registry::barrier`] that waits for the
    /// running one tells it.
    ///
    /// [`Engine::retired`]: crate::engine_core::engine::Engine::retired
    pub(super) fn retire_if_idle(&self, att: &Attachment) {
        // The fully ordered exchange that set `detached` comes before this
        // load: pairs with the exchange of `reporting` in `call`. Either
        // the task's check of `detached` there sees the mark and calls
        // nothing, or this sees its callback running.
        // Acquire: a 0 read from the task's clearing exchange orders the
        // callback's accesses before what `retired` frees.
        if !Self::may_run(self.reporting.load(Acquire), att) {
            self.retire(att);
        }
    }

    /// Whether, by the mark `reporting` holds, a callback of `att` may be
    /// running: one of the task's callbacks names its attachment, a reap
    /// callback only the reaper.
    pub(super) fn may_run(reporting: usize, att: &Attachment) -> bool {
        reporting == att.id() || reporting & REAPER_MARK != 0
    }

    /// Tells the engine of the detached, idle `att` that it is retired,
    /// once.
    ///
    /// The engine leaves the attachment: a list the task still holds keeps
    /// only the attachment alive, not the engine's state.
    pub(super) fn retire(&self, att: &Attachment) {
        if att.retired.xchg(true, Relaxed) {
            return;
        }
        let engine = {
            let _inner = self.inner.lock();
            // SAFETY: under `inner`; `att` is detached and idle (the
            // callers' conditions).
            unsafe { att.engine.take() }
        };
        if let Some(engine) = engine {
            engine.retired();
        }
    }

    /// Drops detached attachments from the list, if there are any and the
    /// memory for a new list can be had; else they stay, skipped. Another
    /// writer's list may have been built before the detach this follows,
    /// so a change meanwhile makes it look again.
    pub(super) fn prune(&self) {
        loop {
            let cur = self.list();
            if !cur.as_ref().is_some_and(|l| l.has_detached()) {
                return;
            }
            let Ok(list) = EngineList::rebuild(cur.as_deref(), None) else {
                return;
            };
            let mut inner = self.inner.lock();
            if !same_list(&inner.list, &cur) {
                continue;
            }
            let old = self.replace_list_locked(&mut inner, list);
            self.refresh_attention(&inner);
            let owner = self.let_go_of_detached(inner);
            drop(old);
            if owner {
                self.take_list_now();
            }
            return;
        }
    }

    /// After a list without detached attachments replaced one that had
    /// some: the task's own list may still refer to them. Another task
    /// makes the task take the new list on its next way to user mode
    /// (`run_kick`), or, if it cannot be kicked (exiting), its death
    /// report does. Returns whether the caller is the task itself, which
    /// takes it at once ([`Registry::take_list_now`]) once `inner` is
    /// released.
    pub(super) fn let_go_of_detached(&self, mut inner: SpinLockGuard<'_, Inner>) -> bool {
        let owner = self.is_owner(kernel::current!());
        if !owner && self.task_holds_list(&inner) {
            let _ = self.queue_kick_locked(&mut inner, false);
        }
        owner
    }

    /// The task itself takes the current list (after it changed).
    pub(super) fn take_list_now(&self) {
        drop(self.reporters(kernel::current!(), self.summary.load(Acquire)));
    }

    /// Changes the events `att` is told about: `ESRCH` if it is detached.
    pub(crate) fn set_events(&self, att: &Attachment, events: Events) -> Result {
        let mut inner = self.inner.lock();
        if att.is_detached() {
            return Err(ESRCH);
        }
        let old = att.events();
        check_set_events(inner.phase, old, events)?;
        att.events.store(events.bits(), Relaxed);
        if (old.bits() ^ events.bits()) & Events::SYSCALL.bits() != 0 {
            // The task's masks of who wants each syscall side are stale: it
            // takes the list again, and computes them anew.
            self.set_kept_bits(&inner, SUMMARY_LIST_STALE, 0);
        }
        self.publish_summary(&mut inner);
        Ok(())
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
        let scope = self.report_scope(task);
        for att in engines.clone() {
            if att.events().contains(Events::DEATH) {
                self.call(&scope, att, |e| {
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
        self.retire_held(task);
        self.drop_task_list(task);
        self.prune();
    }

    /// Retires the detached engines of the list the dead task still holds
    /// (pruned from the registry's list, so `detach_dead` did not see
    /// them): detached by a handle whose barrier did not wait it out (cut
    /// short by a signal) or by their own answer, they are idle now, the
    /// task being here in no callback of theirs. Retired, they leave no
    /// engine in their attachments for `free_task()`, maybe an RCU
    /// callback, to drop.
    fn retire_held(&self, task: &Task) {
        let held = self.task_list.take(self.is_owner(task));
        for att in held.iter().flat_map(|l| l.engines.iter()) {
            if att.is_detached() {
                self.retire_if_idle(att);
            }
        }
        self.task_list.put(self.is_owner(task), held);
    }

    /// Detaches `att` from a dead task, if it is not detached already.
    pub(super) fn detach_dead(&self, att: &Attachment) {
        let mut inner = self.inner.lock();
        // Fully ordered: pairs with the exchange of `reporting` in `call`.
        if att.detached.xchg(true, Full) {
            drop(inner);
            // Detached before, and still in the list: idle now, as in
            // `retire_held`.
            self.retire_if_idle(att);
            return;
        }
        // A dead task is not parked: no one to wake.
        self.release_stop_locked(&mut inner, att);
        self.publish_summary(&mut inner);
        // As in `detach`: before a barrier can retire it.
        let engine = Self::engine_locked(&inner, att);
        drop(inner);
        if let Some(engine) = engine {
            engine.detached();
        }
        self.retire_if_idle(att);
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
        // The reaper runs these callbacks, not `task`.
        let scope = self.report_scope(kernel::current!());
        for att in list.engines.iter() {
            if att.events().contains(Events::REAP) {
                self.call(&scope, att, |e| {
                    e.report_reap(task);
                    Resume::Detach
                });
            }
            self.detach_dead(att);
        }
    }

    /// Gives the child `clone` reports, which has not run yet, what `att`
    /// gives children: the same engine (inherited) or one the engine makes
    /// for it (followed, [`crate::engine_core::Follow`]).
    ///
    /// Made as a callback of `att` is (inside [`Registry::call`]): not at
    /// all if `att` is detached, and waited for by its barrier. If `att` is
    /// detached while an inherited engine is attached to the child, that
    /// copy is detached too before the child can run, so after `detach`
    /// and `barrier` return no task gets the engine any more. A child that
    /// cannot get an inherited engine (ENOMEM) runs without it, as a fork
    /// that raced a detach would. A followed child's engine is another
    /// engine, which its maker's owner holds (a session, a channel): a
    /// detach of the parent's leaves it, as it leaves the engines given to
    /// earlier children; what becomes of a child a following engine could
    /// not follow is that engine's choice.
    pub(super) fn give_child(
        &self,
        scope: &ReportScope<'_>,
        att: &Attachment,
        clone: &CloneReport<'_>,
    ) {
        let mut copy = None;
        self.call(scope, att, |_| {
            // SAFETY: inside the `call` bracket of `att`, which found it not
            // detached: its engine slot is not written meanwhile.
            let Some(engine) = (unsafe { att.engine_in_bracket() }) else {
                return Resume::Resume;
            };
            match att.children {
                Children::Nothing => {}
                Children::Same => {
                    copy = att
                        .for_child(engine.clone(), Children::Same)
                        .and_then(|new| Self::attach_child(clone.child(), new))
                        .ok();
                }
                Children::Own(follow) => follow(engine, att, clone),
            }
            if let Some((registry, c)) = copy.as_ref().filter(|_| att.is_detached()) {
                // Detached while the copy was made: undone before the
                // bracket closes, so the detacher's barrier waits for it.
                let _ = registry.detach(c);
            }
            Resume::Resume
        });
        // Checked after the bracket too: a detach that came after the
        // check inside it let its barrier return when the bracket closed;
        // the copy goes before the child can run, though after that
        // barrier (design.md, "Inheritance").
        if let Some((registry, copy)) = copy {
            if att.is_detached() {
                // ESRCH only if it is detached already.
                let _ = registry.detach(&copy);
            }
        }
    }

    /// Attaches `new`, made for `child` by its parent's engine, to `child`,
    /// which has not run yet. Not held to the cap of engines per task.
    pub(crate) fn attach_child(
        child: &Task,
        new: Arc<Attachment>,
    ) -> Result<(Arc<Registry>, Arc<Attachment>)> {
        // Race tests: a delay armed by UTRACE_TEST_INHERIT_DELAY holds the
        // copy open here, before it is attached.
        #[cfg(CONFIG_UTRACE_TEST_DEVICE)]
        crate::engines::test_device::INHERIT_DELAY_HOOK.pass();
        let registry = task::registry_or_create(child)?;
        let (copy, _) = registry.attach(
            AttachRequest {
                create: true,
                exclusive: false,
                match_by: MatchBy::Nothing,
                follows_clone: true,
            },
            Some(new),
            &|_, _| false,
        )?;
        Ok((registry, copy))
    }
}
