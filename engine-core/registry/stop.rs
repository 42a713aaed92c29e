// SPDX-License-Identifier: GPL-2.0

//! Stops, kicks, steps and barriers.
//!
//! An engine holds the task stopped by answering [`Resume::Stop`], or from
//! outside with [`Registry::stop`]; `Inner::stops` counts the engines that
//! hold it. The task parks (sleeps killably on the registry's own wait
//! queue) at the end of any report while the count is not zero. A stop
//! asked for from outside reaches a running or sleeping task through a
//! task_work "kick" (a `callback_head` embedded in the registry: no
//! allocation): the task runs its quiesce report at its next safe point and
//! parks there. An exiting task never parks: a fatal signal could no longer
//! wake it.
//!
//! A step is asked for by an engine ([`Registry::resume_step`]) and kept on
//! its attachment (`Attachment::step`), not on the task: the task takes the
//! step (the finest asked for, [`combine_step`]) when it leaves its stop
//! or ends a quiesce report, and marks the askers as served. A step asked
//! for by an engine detached before it was taken is never taken; the trap
//! of a step whose every asker was detached before it came is dropped
//! ([`Registry::end_step`]): no engine is left to expect it, and a
//! SIGTRAP nobody handles would kill the task. A quiesce report does not
//! end a step running (the kick of a stop asked for meanwhile would
//! otherwise cancel a step before its instruction ran); the trap's signal
//! report does.
//!
//! A traced task's tracer may step it too, with the same hardware step:
//! its resume records whether it did (`PT_TRACER_STEP`) and arms the
//! engines' step again ([`Registry::ptrace_resumed`]). A trap is the
//! tracer's only if the tracer stepped ([`StepEnd`]).

use super::reporting::{engines_only, REAPER_MARK};
use super::{
    Attachment, Inner, Owner, Registry, Settled, StopState, STEP_INTERRUPTED, STEP_IN_HANDLER,
    STEP_TAKEN, STEP_TRAPPED,
};
use crate::engine_core::engine::Events;
use crate::engine_core::policy::{
    check_control, combine_resume, combine_step, step_end, Control, Phase, Resume, Step, StepEnd,
};
use crate::engine_core::task;
use core::cell::Cell;
use kernel::bindings;
use kernel::prelude::*;
use kernel::sync::atomic::{Acquire, Relaxed};
use kernel::sync::SpinLockGuard;
use kernel::task::Task;

impl Registry {
    /// Waits until the callback of `att` that is running, if one is, has
    /// returned (a later callback of the engine may run by then).
    ///
    /// Returns at once when called by the task running the callbacks (a
    /// callback cannot wait for itself; this covers a reap callback, run
    /// by the reaper); `ERESTARTSYS` if SIGKILL ends the wait, which only
    /// a [`task::Sleep::Killable`] wait allows.
    pub(crate) fn barrier(&self, att: &Attachment, how: task::Sleep) -> Result {
        let current = kernel::current!();
        if self.is_owner(current) {
            // The task runs its own callbacks: one of them calling this
            // cannot wait for itself, and outside them none runs. Only the
            // task writes `reporting` while it lives (the reaper comes
            // after its death): what it reads is exact.
            if att.is_detached() && self.reporting.load(Relaxed) != att.id() {
                self.retire(att);
            }
            return Ok(());
        }
        if self.reporting.load(Relaxed) == current.as_ptr() as usize | REAPER_MARK {
            // A reap callback, run by the reaper: it cannot wait for itself.
            return Ok(());
        }
        // Only an engine detached before the wait began is retired after
        // it: no callback of it starts after the mark (the exchange in
        // `call` pairs with the one in `detach`), and the wait's first
        // look, after this load, sees the one that may still run. A mark
        // set later may come while the task is in a newer callback, which
        // this wait did not see (the detach leaves that one to a later
        // barrier). Acquire: pairs with the fully ordered exchange in
        // `detach`.
        let detached_before = att.is_detached();
        // The wait queues us, then (fully ordered, in set_current_state())
        // reads `reporting`: pairs with the clearing exchange in `call`,
        // after which the task looks at the queue. Either we see the
        // callback over, or it sees us and wakes us.
        // Waits for the callback running at the first look to return, not
        // for a moment with no callback of the engine running: one called
        // back to back (every syscall entry and exit) would starve us.
        //
        // `reporting` is read before `callbacks_ended`: a callback that
        // ended before the one seen running counted its end before that
        // one began (the same task, in order), and the acquire load of
        // `reporting` makes that count visible to the lock taken after it.
        // So a count after the first look is the end of the callback seen
        // then, or of a later one.
        let first = Cell::new(None);
        let woken = task::wait_until(&self.wait, how, || {
            if !Self::may_run(self.reporting.load(Acquire), att) {
                return true;
            }
            let ended = self.inner.lock().callbacks_ended;
            match first.get() {
                None => {
                    first.set(Some(ended));
                    false
                }
                Some(seen) => seen != ended,
            }
        });
        if !woken {
            return Err(ERESTARTSYS);
        }
        // Race tests: a delay armed by UTRACE_TEST_BARRIER_DELAY holds the
        // barrier here, between its wait and its look at the mark.
        #[cfg(CONFIG_UTRACE_TEST_DEVICE)]
        crate::engines::test_device::BARRIER_DELAY_HOOK.pass();
        if detached_before {
            // None runs now, none will.
            self.retire(att);
        }
        Ok(())
    }

    /// A callback returned while a task waits on the registry's queue:
    /// counts it for [`Registry::barrier`] and wakes the waiters. Called by
    /// the task running the callbacks, after clearing `reporting`.
    pub(super) fn callback_ended(&self) {
        {
            let mut inner = self.inner.lock();
            inner.callbacks_ended = inner.callbacks_ended.wrapping_add(1);
        }
        task::wake_all(&self.wait);
    }

    /// Makes `att` hold the task stopped (if it is still attached).
    pub(super) fn hold_stop_locked(&self, inner: &mut Inner, att: &Attachment) {
        if !att.is_detached() && !att.stopping.xchg(true, Relaxed) {
            inner.stops += 1;
            self.refresh_attention(inner);
        }
    }

    /// Lets the task go on as far as `att` is concerned, if it held it
    /// stopped. Returns whether the parked task must be woken.
    pub(super) fn release_stop_locked(&self, inner: &mut Inner, att: &Attachment) -> bool {
        if !att.stopping.xchg(false, Relaxed) {
            return false;
        }
        inner.stops -= 1;
        self.refresh_attention(inner);
        inner.stops == 0 && inner.parked
    }

    /// Checks a control request of `att`'s engine against the task's phase.
    pub(super) fn check_control_locked(
        &self,
        inner: &Inner,
        att: &Attachment,
        ctl: Control,
    ) -> Result {
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
        if inner.parked {
            // Taken by the task together with leaving the park (`park`). A
            // stop it has not parked for yet ends as a plain resume: it has
            // reported nothing it could report again.
            inner.report_again = true;
            self.refresh_attention(&inner);
        }
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
    /// cannot step. The step is `att`'s: if `att` is detached before the
    /// task takes it, the task does not step.
    pub(crate) fn resume_step(&self, att: &Attachment, block: bool) -> Result {
        let (ctl, step) = if block {
            (Control::BlockStep, Step::Block)
        } else {
            (Control::SingleStep, Step::Single)
        };
        let mut inner = self.inner.lock();
        self.check_control_locked(&inner, att, ctl)?;
        att.step.store(step.raw(), Relaxed);
        self.set_kept_bits(&inner, super::SUMMARY_STEP_ASKED, 0);
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
    pub(super) fn kick_locked(
        &self,
        inner: &mut SpinLockGuard<'_, Inner>,
        interrupt: bool,
    ) -> Result {
        if let Owner::Test = self.owner {
            return Ok(());
        }
        inner.kick_requested = true;
        self.refresh_attention(inner);
        let r = self.queue_kick_locked(inner, interrupt);
        if r.is_err() {
            inner.kick_requested = false;
            self.refresh_attention(inner);
        }
        r
    }

    /// Queues the kick's task work, unless it is queued (or the task runs
    /// it now and will look again). `interrupt` also breaks an
    /// interruptible sleep. `ESRCH` if the task is exiting or dead.
    pub(super) fn queue_kick_locked(
        &self,
        inner: &mut SpinLockGuard<'_, Inner>,
        interrupt: bool,
    ) -> Result {
        let Owner::Task(t) = &self.owner else {
            return Ok(());
        };
        if inner.phase == Phase::Dead {
            return Err(ESRCH);
        }
        // SAFETY: under `inner` with the phase not `Dead`, the task is
        // alive (module documentation of the registry).
        if unsafe { task::target_state(t) }.exiting {
            // It will never stop again, and a kick queued from its last
            // task_work run would be run by that same loop, forever.
            return Err(ESRCH);
        }
        if inner.in_kick && self.is_owner(kernel::current!()) {
            // A callback of the kick's own quiesce report asks for more: a
            // task work queued here would be run by the task_work loop
            // running this one, forever (`run_kick`).
            return Ok(());
        }
        if inner.kick_queued {
            // The queued kick serves this request too; one that waits for
            // the return to user mode is made to break sleeps if needed.
            if interrupt && !inner.kick_interrupts {
                // SAFETY: the task is alive (as above).
                unsafe { task::interrupt(t) };
                inner.kick_interrupts = true;
            }
            return Ok(());
        }
        // SAFETY: under `inner` with the phase not `Dead`, the task is
        // alive (module documentation); `kick_work` is not queued
        // (`kick_queued`), and lives as long as the registry, which the
        // task holds until its task_struct is freed, after its task works
        // ran or were cancelled.
        let r = unsafe { task::kick(t, self.kick_work.get(), interrupt) };
        if r.is_ok() {
            inner.kick_queued = true;
            inner.kick_interrupts = interrupt;
        }
        r
    }

    /// The kick's task work runs in the task: `work` is free again; the
    /// task makes the quiesce report asked for, and parks while an engine
    /// holds it stopped. A request its own callbacks make meanwhile queues
    /// no task work (`in_kick`): a stop is served by this report's settle,
    /// another report at the task's next safe point after this one. Either
    /// way the task_work loop running this work ends.
    pub(crate) fn run_kick(&self, task: &Task, work: *mut bindings::callback_head) {
        if work != self.kick_work.get() {
            return;
        }
        {
            let mut inner = self.inner.lock();
            inner.kick_queued = false;
            inner.kick_interrupts = false;
            inner.in_kick = true;
        }
        self.report_quiesce(task);
        self.inner.lock().in_kick = false;
        self.arm_signal_report(task);
        // A kick may only be asked to let go of detached engines: the task
        // takes the current list if its own is stale.
        drop(self.reporters(task, self.summary.load(Acquire)));
    }

    /// Takes the pending kick request: whether there was one. Cleared
    /// before the report it asks for, so that a request made from now on
    /// asks for another.
    pub(super) fn take_kick(&self) -> bool {
        let mut inner = self.inner.lock();
        let requested = core::mem::take(&mut inner.kick_requested);
        self.refresh_attention(&inner);
        requested
    }

    /// Whether some engine holds the task stopped; if none does, a request
    /// for another report left by a stop that never parked is dropped.
    pub(super) fn held(&self) -> bool {
        if !self.needs_attention() {
            return false;
        }
        let mut inner = self.inner.lock();
        if inner.stops == 0 {
            inner.report_again = false;
            self.refresh_attention(&inner);
            return false;
        }
        true
    }

    /// After a round of reports that combined to `action`: parks while an
    /// engine holds the task stopped, and tells how the stop ended. A task
    /// about to park for a stop asked for from outside makes its quiesce
    /// report first (the kick would come too late: it runs on the way back
    /// to user mode).
    #[inline]
    pub(super) fn settle(&self, task: &Task, action: Resume) -> Settled {
        // The common case, inline: nothing asked of the stop state.
        if action != Resume::Stop && !self.needs_attention() {
            return Settled::Go;
        }
        self.settle_slow(task, action)
    }

    /// [`Registry::settle`] when a stop, a kick or a report again may be
    /// pending.
    pub(super) fn settle_slow(&self, task: &Task, mut action: Resume) -> Settled {
        if action != Resume::Stop && !self.held() {
            return Settled::Go;
        }
        if self.take_kick() {
            let quiesce = self.report_round(
                task,
                Events::QUIESCE,
                None,
                engines_only(|e| e.report_quiesce(task)),
            );
            self.leave_signal_report(task);
            action = combine_resume(action, quiesce);
            if action != Resume::Stop && !self.held() {
                // The kick was taken here, so its task work will find
                // none and make no report: the step asked for with it
                // (before a stop a resume ended already) is taken now, as
                // `report_quiesce` takes it (`guest_branch`:
                // `flow_with_a_fast_reader_loses_nothing`).
                self.take_step();
                return Settled::Go;
            }
        }
        match self.park() {
            None => Settled::Killed,
            Some(true) => Settled::Again,
            Some(false) => Settled::Go,
        }
    }

    /// Sleeps while some engine holds the task stopped, with
    /// `Inner::parked` set. Returns `None` if a fatal signal ended the stop,
    /// or the task is exiting (it does not stop then); else whether an
    /// engine resumed it asking for another report. A task that leaves the
    /// stop takes the step an engine asked for.
    pub(super) fn park(&self) -> Option<bool> {
        let Owner::Task(_) = &self.owner else {
            // A test registry has no task to put to sleep, and is never
            // parked, so never asked for another report.
            return Some(false);
        };
        if task::current_exiting() {
            return None;
        }
        self.inner.lock().parked = true;
        let left = Cell::new((Step::None, false));
        let woken = task::wait_until(&self.wait, task::Sleep::Stop, || {
            let mut inner = self.inner.lock();
            // An examiner's register access keeps the task here a moment
            // longer (`registry/examine.rs`); its unpin wakes the task.
            if inner.stops != 0 || self.is_examined(&inner) {
                return false;
            }
            // Leave the park in the critical section that saw the stop end:
            // a `stop()` from now on finds the task not parked and kicks it,
            // and the step and report-again asked for with the resume are
            // taken with it.
            inner.parked = false;
            let step = self.take_step_asks_locked(&mut inner);
            let again = core::mem::take(&mut inner.report_again);
            self.refresh_attention(&inner);
            left.set((step, again));
            true
        });
        if !woken {
            let mut inner = self.wait_unexamined();
            inner.parked = false;
            inner.report_again = false;
            // The task dies: the steps asked for are never taken.
            self.set_kept_bits(&inner, 0, super::SUMMARY_STEP_ASKED);
            self.refresh_attention(&inner);
            return None;
        }
        let (step, again) = left.get();
        self.start_step(step);
        Some(again)
    }

    /// `inner`, taken once no examiner pins the task in its stop: a fatal
    /// signal does not end a stop while an examiner reads or writes the
    /// registers (a moment: `registry/examine.rs`), as ptrace's frozen
    /// tracee waits for the tracer's request.
    fn wait_unexamined(&self) -> SpinLockGuard<'_, Inner> {
        loop {
            let inner = self.inner.lock();
            if !self.is_examined(&inner) {
                return inner;
            }
            drop(inner);
            task::wait_until(&self.wait, task::Sleep::Uninterruptible, || {
                !self.is_examined(&self.inner.lock())
            });
        }
    }

    /// The step the engines asked for, if any asked since the last one
    /// was taken: the finest asked for by an engine still attached. Marks
    /// those engines as served by the step ([`STEP_TAKEN`]). Iterates the
    /// engines under the spinlock only when a step was asked for.
    fn take_step_asks_locked(&self, inner: &mut Inner) -> Step {
        // Only written under `inner`: its last store.
        if self.summary.load(Relaxed) & super::SUMMARY_STEP_ASKED == 0 {
            return Step::None;
        }
        self.set_kept_bits(inner, 0, super::SUMMARY_STEP_ASKED);
        let mut step = Step::None;
        for att in inner.list.iter().flat_map(|l| l.engines.iter()) {
            if att.is_detached() {
                continue;
            }
            let asked = Step::from_raw(att.step.load(Relaxed));
            if asked != Step::None {
                step = combine_step(step, asked);
                att.step.store(STEP_TAKEN, Relaxed);
            }
        }
        step
    }

    /// Turns on the step the engines asked for, combined with the one
    /// running if there is one (a single step asked for while a block
    /// step runs makes it single; a block step does not coarsen a single
    /// step that has not trapped yet).
    pub(super) fn start_step(&self, asked: Step) {
        if asked == Step::None {
            return;
        }
        let armed = task::step_armed();
        let mut inner = self.inner.lock();
        // A step the kernel turned off by itself runs no more.
        let running = if armed { inner.stepping } else { Step::None };
        let step = combine_step(running, asked);
        if step == running {
            return;
        }
        inner.stepping = step;
        self.publish_summary(&mut inner);
        drop(inner);
        task::set_step(step.raw().into());
        // Race tests: a delay armed by UTRACE_TEST_STEP_DELAY holds the
        // task here, set to step but not yet back in user mode.
        #[cfg(CONFIG_UTRACE_TEST_DEVICE)]
        crate::engines::test_device::STEP_DELAY_HOOK.pass();
    }

    /// Takes a step asked for while the task was not stopped.
    pub(super) fn take_step(&self) {
        let step = self.take_step_asks_locked(&mut self.inner.lock());
        self.start_step(step);
    }

    /// At a quiesce report: forgets a step the kernel turned off by itself
    /// (x86 does to enter a signal handler; a tracer's resume may), so
    /// that the task stops reporting every signal for it.
    pub(super) fn forget_disarmed_step(&self) {
        // Only the task turns stepping on and off: its own last store.
        if self.summary.load(Relaxed) & super::SUMMARY_STEPPING == 0 || task::step_armed() {
            return;
        }
        let mut inner = self.inner.lock();
        if core::mem::replace(&mut inner.stepping, Step::None) == Step::None {
            return;
        }
        Self::relabel_steps_locked(&inner, STEP_TAKEN, Step::None.raw());
        self.publish_summary(&mut inner);
    }

    /// The kernel turned the task's step off to enter a signal handler
    /// (`stepping`, from the arch code): if it was the engines' step, it
    /// ends here, without a trap, and its engines are marked
    /// [`STEP_IN_HANDLER`] for the handler's report. Returns whether it was.
    pub(super) fn end_step_at_handler(&self, stepping: bool) -> bool {
        // Only the task sets and clears stepping: its own last store. An
        // arch that steps on into the handler (arm64) leaves the step
        // armed: its trap comes after the handler's first instruction.
        if !stepping || self.summary.load(Relaxed) & super::SUMMARY_STEPPING == 0 {
            return false;
        }
        if task::step_armed() {
            return false;
        }
        let mut inner = self.inner.lock();
        if core::mem::replace(&mut inner.stepping, Step::None) == Step::None {
            return false;
        }
        Self::relabel_steps_locked(&inner, STEP_TAKEN, STEP_IN_HANDLER);
        self.publish_summary(&mut inner);
        true
    }

    /// After the handler's report: the ended step's marks go (a step asked
    /// for meanwhile keeps its own).
    pub(super) fn forget_step_in_handler(&self) {
        let inner = self.inner.lock();
        Self::relabel_steps_locked(&inner, STEP_IN_HANDLER, Step::None.raw());
    }

    /// Turns stepping off if the engines turned it on: the task reports a
    /// signal, the step's trap or one that came first (which ends the step
    /// too: its engines hear of that signal instead). `trap`: the signal
    /// looks like a step's trap ([`is_step_trap`]).
    ///
    /// Returns what the signal is to the step ([`StepEnd`]). A trap ends a
    /// step only if the step was still armed (the kernel had not turned it
    /// off by itself, so the trap is its own). It is the engines' alone to
    /// judge unless the tracer asked for a step too (`PT_TRACER_STEP`):
    /// the engines the step served are then marked [`STEP_TRAPPED`] until
    /// [`Registry::step_trap_served`] forgets them; otherwise their marks
    /// are cleared here.
    ///
    /// [`is_step_trap`]: crate::engine_core::policy::is_step_trap
    pub(super) fn end_step(&self, trap: bool) -> StepEnd {
        // Only the task sets and clears stepping and a held trap: its own
        // last store. The common case, a signal with no step: no lock.
        if self.summary.load(Relaxed) & super::SUMMARY_STEPPING == 0 {
            return StepEnd::NotAStep;
        }
        // The tracer wrote it before waking the task from its stop.
        let tracers = task::tracer_steps();
        let armed = task::step_armed();
        let mut inner = self.inner.lock();
        if core::mem::take(&mut inner.step_trap_held) {
            // The trap an engine held, back from the queue: judged with
            // the marks it left. A step asked for with the resume from
            // that hold runs on: this trap is not its.
            self.publish_summary(&mut inner);
            if trap && !tracers {
                return StepEnd::Engines;
            }
            Self::relabel_steps_locked(&inner, STEP_TRAPPED, Step::None.raw());
            return StepEnd::NotAStep;
        }
        if core::mem::replace(&mut inner.stepping, Step::None) == Step::None {
            return StepEnd::NotAStep;
        }
        let end = step_end(trap, armed, tracers);
        let mark = match end {
            StepEnd::Engines => STEP_TRAPPED,
            StepEnd::Interrupted => STEP_INTERRUPTED,
            _ => Step::None.raw(),
        };
        Self::relabel_steps_locked(&inner, STEP_TAKEN, mark);
        self.publish_summary(&mut inner);
        drop(inner);
        task::set_step(0);
        end
    }

    /// The report of the signal that interrupted the step
    /// ([`StepEnd::Interrupted`]) comes to `att`'s engine: the step ended
    /// for it. Returns whether the step was its.
    pub(super) fn step_heard_of_signal(&self, att: &Attachment) -> bool {
        let _inner = self.inner.lock();
        let interrupted = att.step.load(Relaxed) == STEP_INTERRUPTED;
        if interrupted {
            att.step.store(Step::None.raw(), Relaxed);
        }
        interrupted
    }

    /// After the report of the signal that interrupted the step: the marks
    /// of engines it did not come to (detached) are cleared.
    pub(super) fn forget_interrupted_steps(&self) {
        let inner = self.inner.lock();
        Self::relabel_steps_locked(&inner, STEP_INTERRUPTED, Step::None.raw());
    }

    /// The tracer of `tracee` (the current task) set or cleared its step,
    /// resuming or detaching it from a ptrace stop: the engines' step, if
    /// one runs, is armed again, the finer of the two if the tracer steps
    /// too (its traps stay the tracer's: `PT_TRACER_STEP`). May sleep.
    ///
    /// # Safety
    ///
    /// `tracee` is this registry's task, frozen in a ptrace stop by the
    /// current task (`ptrace_resume()`, `ptrace_detach()`).
    pub(crate) unsafe fn ptrace_resumed(&self, tracee: &Task) {
        // Only the task writes `stepping`, and it is frozen: exact.
        let engines = self.inner.lock().stepping;
        if engines == Step::None {
            return;
        }
        // SAFETY: the function's contract: the tracee is frozen.
        let tracer = Step::from_raw(unsafe { task::step_of(tracee) } as i8);
        let step = combine_step(tracer, engines);
        if step != tracer {
            // SAFETY: as above.
            unsafe { task::set_step_of(tracee, step.raw().into()) };
        }
    }

    /// The step trap being reported was held: it goes back in the queue,
    /// and [`Registry::end_step`] judges it when it comes back, with the
    /// marks it leaves.
    pub(super) fn keep_step_trap(&self) {
        let mut inner = self.inner.lock();
        inner.step_trap_held = true;
        self.publish_summary(&mut inner);
    }

    /// Marks `to` every attachment whose `step` is `from` (a step taken,
    /// trapped or forgotten: `STEP_TAKEN`, `STEP_TRAPPED`, none).
    fn relabel_steps_locked(inner: &Inner, from: i8, to: i8) {
        for att in inner.list.iter().flat_map(|l| l.engines.iter()) {
            if att.step.load(Relaxed) == from {
                att.step.store(to, Relaxed);
            }
        }
    }

    /// After [`Registry::end_step`] returned `true`: whether an engine
    /// still attached asked for the step that ended, or for another (it
    /// expects a trap too). `forget`: the report is over, the ended step's
    /// marks are cleared.
    pub(super) fn step_trap_served(&self, forget: bool) -> bool {
        let inner = self.inner.lock();
        let mut served = false;
        for att in inner.list.iter().flat_map(|l| l.engines.iter()) {
            let asked = att.step.load(Relaxed);
            if asked == Step::None.raw() {
                continue;
            }
            served |= !att.is_detached();
            if forget && asked == STEP_TRAPPED {
                att.step.store(Step::None.raw(), Relaxed);
            }
        }
        served
    }

    /// For the KUnit suites: the step the task would take now (and takes:
    /// the askers are marked served), without turning stepping on.
    #[cfg(CONFIG_UTRACE_KUNIT_TEST)]
    pub(crate) fn take_step_asks_for_test(&self) -> Step {
        self.take_step_asks_locked(&mut self.inner.lock())
    }

    /// Whether the task is parked in a stop.
    pub(crate) fn is_parked(&self) -> bool {
        self.inner.lock().parked
    }

    /// For the KUnit suites: how many engines hold the task stopped.
    #[cfg(CONFIG_UTRACE_KUNIT_TEST)]
    pub(crate) fn stop_count(&self) -> i32 {
        i32::from(self.inner.lock().stops)
    }
}
