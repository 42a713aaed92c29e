// SPDX-License-Identifier: GPL-2.0

//! The report loops: each event, to the engines that asked for it, in the
//! order (syscall entry in reverse attach order, everything else in attach
//! order), with ptrace's stops at the tracer's place among them.
//!
//! Each callback runs with nothing held, between two short critical
//! sections: before it, the engine is checked to be attached and recorded
//! as reporting; after it, its answer is applied.

use super::{
    Attachment, Children, Registry, Settled, TracerStop, STEP_IN_HANDLER, SUMMARY_ENGINES,
};
use crate::engine_core::engine::{Engine, Events};
use crate::engine_core::policy::{
    combine_resume, event_order, masked_order, ptrace_slot, syscall_order, Disposition, Reporter,
    Resume, SigHandler, SignalAction, StepEnd, SyscallSide,
};
use crate::engine_core::report::{
    AfterTracer, BreakpointReport, CloneReport, ExecReport, ExitReport, JobControl, PtraceEvent,
    PtraceSignal, PtraceStops, SignalHandlerReport, SignalReport, SyscallEntry, SyscallExit,
    SyscallRegs, VforkDoneReport,
};
use crate::engine_core::task;
use kernel::bindings;
use kernel::prelude::*;
use kernel::sync::atomic::{Acquire, Full, Relaxed};
use kernel::sync::Arc;
use kernel::task::Task;

/// Who runs a report loop's callbacks, for the mark [`Registry::call`]
/// leaves in `reporting`: the task itself (the mark names the attachment
/// called), or the reaper in the reap report (the mark names the reaper:
/// a barrier one of its callbacks calls must not wait for itself).
pub(super) struct ReportScope<'a> {
    registry: &'a Registry,
    /// 0 for the task; the reaper's address with `REAPER_MARK` set.
    reaper: usize,
    /// The callbacks may ask for a ptrace event stop (the task's signal and
    /// handler rounds only).
    tracer_stops: bool,
}

/// The first ptrace event number the kernel does not make itself (its own
/// are `PTRACE_EVENT_FORK` to `PTRACE_EVENT_SECCOMP`, and `PTRACE_EVENT_STOP`).
const EVENT_FIRST_FREE: u8 = bindings::PTRACE_EVENT_SECCOMP as u8 + 1;

/// Set in `Registry::reporting` while a reap callback runs: the rest is
/// the reaper's task address (task_structs are aligned: bit 0 is free; an
/// attachment's address, the mark of the task's own callbacks, never has
/// it).
pub(super) const REAPER_MARK: usize = 1;

impl Registry {
    /// A [`ReportScope`] for `runner`, which must be the current task: the
    /// registry's task, or the reaper for the reap report.
    pub(super) fn report_scope(&self, runner: &Task) -> ReportScope<'_> {
        let reaper = if self.is_owner(runner) {
            0
        } else {
            runner.as_ptr() as usize | REAPER_MARK
        };
        ReportScope {
            registry: self,
            reaper,
            tracer_stops: false,
        }
    }

    /// A [`ReportScope`] for the task's signal and handler rounds, whose
    /// callbacks may ask for a ptrace event stop
    /// ([`Registry::stop_for_tracer`]).
    fn tracer_stop_scope(&self, task: &Task) -> ReportScope<'_> {
        ReportScope {
            tracer_stops: self.is_owner(task),
            ..self.report_scope(task)
        }
    }

    /// Calls `f` on the engine of `att`, unless it is detached, with
    /// `reporting` naming it for [`Registry::barrier`]. Returns the answer,
    /// with a Stop already taken; `None` if the engine was not called or
    /// was detached while it ran (its answer is ignored then).
    ///
    /// Always inlined: it is the syscall path's bracket around each
    /// callback, and each report loop has its own closure `f`.
    #[inline(always)]
    pub(super) fn call(
        &self,
        scope: &ReportScope<'_>,
        att: &Attachment,
        f: impl FnOnce(&dyn Engine) -> Resume,
    ) -> Option<Resume> {
        debug_assert!(core::ptr::eq(scope.registry, self));
        let mark = if scope.reaper != 0 {
            scope.reaper
        } else {
            att.id()
        };
        // Fully ordered: pairs with the exchange of `detached` in `detach`.
        if scope.tracer_stops {
            // SAFETY: the task's own round (`tracer_stop_scope`).
            unsafe { att.tracer_stop.replace(TracerStop::Allowed) };
        }
        self.reporting.xchg(mark, Full);
        let answer = if att.detached.load(Relaxed) {
            None
        } else {
            // SAFETY: inside the bracket of an attachment found not
            // detached: the slot is not written until the bracket closes.
            unsafe { att.engine.get() }.map(|e| f(&**e))
        };
        // Fully ordered: pairs with `prepare_to_wait()` in `barrier`, and
        // is the barrier `has_waiters` needs before it looks at the queue.
        self.reporting.xchg(0, Full);
        if task::has_waiters(&self.wait) {
            self.callback_ended();
        }
        // Going on is the same whether the engine is still attached or not:
        // only another answer needs the check.
        let answer = answer.filter(|&a| a == Resume::Resume || !att.is_detached());
        if answer == Some(Resume::Stop) {
            let mut inner = self.inner.lock();
            self.hold_stop_locked(&mut inner, att);
        }
        if scope.tracer_stops {
            // After the Stop answer is held: a resume made at the tracer's
            // stop releases it (the third review).
            self.make_tracer_stop(att);
        }
        answer
    }

    /// Makes the ptrace event stop `att`'s callback asked for, if it did
    /// and is still attached (what the stop was for is gone otherwise).
    #[cold]
    fn make_tracer_stop(&self, att: &Attachment) {
        // SAFETY: the task's own round (`tracer_stop_scope`).
        let asked = unsafe { att.tracer_stop.replace(TracerStop::Refused) };
        if let TracerStop::Asked(event, msg) = asked {
            if !att.is_detached() {
                task::ptrace_event_stop(event, msg);
            }
        }
    }

    /// Asks for a ptrace event stop of the task, `event` with `msg` as its
    /// message, made as soon as the callback of `att` that asks returns:
    /// between two callbacks, as the tracer's own stops are, never with a
    /// callback on the task's stack (where the stop's task work could run
    /// a nested report, and the tracer could end the engine under its
    /// callback). No option gates the event: the tracer asked the engine
    /// for it. `EINVAL` for an event the kernel makes itself (1 to 7, 128
    /// and above), and unless the caller is the task, in a callback of
    /// `att` in its signal or handler round; `ESRCH` once `att` is
    /// detached.
    pub(crate) fn stop_for_tracer(&self, att: &Attachment, event: u8, msg: u64) -> Result {
        if !(EVENT_FIRST_FREE..bindings::PTRACE_EVENT_STOP as u8).contains(&event) {
            return Err(EINVAL);
        }
        let current = kernel::current!();
        if !self.is_owner(current) || self.reporting.load(Relaxed) != att.id() {
            return Err(EINVAL);
        }
        // SAFETY: the caller is the registry's task (checked above), in the
        // callback of `att` running now.
        if unsafe { att.tracer_stop.get() } == TracerStop::Refused {
            return Err(EINVAL);
        }
        if att.is_detached() {
            return Err(ESRCH);
        }
        // SAFETY: as above.
        unsafe { att.tracer_stop.replace(TracerStop::Asked(event, msg)) };
        Ok(())
    }

    /// Folds `att`'s answer (as [`Registry::call`] returns it) into the
    /// round's `action`, and acts on the part `call` leaves: a detach.
    /// Returns the new action.
    #[inline]
    pub(super) fn take_answer(
        &self,
        att: &Attachment,
        action: Resume,
        answer: Option<Resume>,
    ) -> Resume {
        let answer = match answer {
            // The common case: nothing asked.
            None | Some(Resume::Resume) => return action,
            Some(answer) => answer,
        };
        if answer == Resume::Detach {
            // An error can only mean it is detached already.
            let _ = self.detach(att);
        }
        combine_resume(action, answer)
    }

    /// Where ptrace reports among `engines` (the [`syscall_order`] slot).
    pub(super) fn ptrace_slot(&self, engines: &[Arc<Attachment>]) -> usize {
        // Pairs with the release store in `ptrace_link`.
        let at = self.ptrace_seq.load(Acquire);
        if at == 0 {
            // Not traced, or traced before any engine came: innermost.
            return 0;
        }
        ptrace_slot(engines.iter().map(|a| a.seq.load(Relaxed)), at)
    }

    /// Reports a syscall entry to every engine that asked, in reverse
    /// attach order, with the tracer's entry stop at its place among them.
    /// Returns the disposition the last reporter left.
    ///
    /// Generic over the registers and the tracer's state, so that the
    /// test for a report that can be skipped ([`Registry::skip_entry_report`],
    /// every call of a task whose monitor names a few) reads them without
    /// a call through a vtable and is made in the caller, the entry hook,
    /// without a call of its own. The report itself is not generic.
    #[inline]
    pub(crate) fn report_syscall_entry<R: SyscallRegs, P: PtraceStops>(
        &self,
        task: &Task,
        regs: &mut R,
        ptrace: &mut P,
    ) -> Disposition {
        // A task that is not the owner takes no list there: not skipped,
        // and refused below.
        if self.skip_entry_report(task, &*regs, &*ptrace) {
            return Disposition::Run;
        }
        self.report_syscall_entry_unskipped(task, regs, ptrace)
    }

    /// [`Registry::report_syscall_entry`] for a call whose report was not
    /// skipped.
    #[inline(never)]
    fn report_syscall_entry_unskipped(
        &self,
        task: &Task,
        regs: &mut dyn SyscallRegs,
        ptrace: &mut dyn PtraceStops,
    ) -> Disposition {
        // Only the task reports its own syscalls (the dispatcher passes the
        // current task's registry): the `TaskOnly` fields below rely on it.
        if kernel::warn_on!(!self.is_owner(task)) {
            return Disposition::Run;
        }
        let mut call = SyscallEntry::new(regs);
        let action = self.entry_reporters(task, &mut call, ptrace);
        if action == Resume::Stop || self.needs_attention() {
            self.settle_entry(task, action, &mut call, ptrace);
        }
        let disposition = call.disposition();
        // SAFETY: the owner task runs this report (checked above).
        if unsafe { self.exit_requested.get() } {
            // Keep the exit hook on for this call, whatever the engines
            // that want exits do meanwhile (a detach would turn it off and
            // lose the exit asked for); the exit report turns it off.
            self.set_exit_once(true);
        }
        // The mark outlives this call only if the exit takes the plain path
        // (no engine wants exits); the next entry report overwrites it, and
        // when the entry hook goes off, `publish_summary` clears it.
        self.entry_aborted
            .store(matches!(disposition, Disposition::Abort(_)), Relaxed);
        disposition
    }

    /// The entry report's stop: parks while an engine holds the task, and
    /// makes the report again if an engine resumes it asking for that.
    /// Apart from [`Registry::report_syscall_entry`], which is on every
    /// syscall of a traced task, since it is not.
    #[cold]
    fn settle_entry(
        &self,
        task: &Task,
        mut action: Resume,
        call: &mut SyscallEntry<'_>,
        ptrace: &mut dyn PtraceStops,
    ) {
        loop {
            match self.settle_slow(task, action) {
                Settled::Go => return,
                Settled::Killed => {
                    // SIGKILL ended the stop: the syscall must not run.
                    call.abort(-i64::from(kernel::bindings::EINTR));
                    return;
                }
                Settled::Again => {
                    call.resume();
                    action = self.entry_reporters(task, call, ptrace);
                }
            }
        }
    }

    /// Turns the exit hook on for the current call only, or off again.
    fn set_exit_once(&self, on: bool) {
        let mut inner = self.inner.lock();
        if inner.exit_once != on {
            inner.exit_once = on;
            self.publish_summary(&mut inner);
        }
    }

    /// One round of entry reports: every engine that asked, in reverse
    /// attach order, and the tracer's entry stop at its place (not on a
    /// repeated round: the tracer had its stop). Returns the combined action.
    pub(super) fn entry_reporters(
        &self,
        task: &Task,
        call: &mut SyscallEntry<'_>,
        ptrace: &mut dyn PtraceStops,
    ) -> Resume {
        // Pairs with the release stores under `inner`.
        let summary = self.summary.load(Acquire);
        if summary & Events::SYSCALL_ENTRY.bits() == 0 {
            // An exit-only engine costs the entry nothing but this test.
            if !call.is_resumed() {
                call.ptrace_entry_stop(ptrace);
            }
            return Resume::Resume;
        }
        let reporters = self.reporters(task, summary);
        let engines = reporters.engines();
        let scope = self.report_scope(task);
        let mut action = Resume::Resume;
        let slot = self.ptrace_slot(engines);
        let Some(wanting) = reporters.wanting(SyscallSide::Entry) else {
            return self.entry_reporters_all(&scope, task, engines, slot, call, ptrace);
        };
        // Only the engines that want entries.
        for reporter in masked_order(SyscallSide::Entry, wanting, slot) {
            match reporter {
                Reporter::Engine(i) => {
                    // The mask names engines of the list only (`SideMasks::side`).
                    debug_assert!(i < engines.len());
                    if let Some(att) = engines.get(i) {
                        action = self.entry_one(&scope, task, att, call, action);
                    }
                }
                Reporter::Ptrace => {
                    if !call.is_resumed() {
                        call.ptrace_entry_stop(ptrace);
                    }
                }
            }
        }
        action
    }

    /// [`Registry::entry_reporters`] for a list too long for a mask: every
    /// engine is looked at.
    #[cold]
    fn entry_reporters_all(
        &self,
        scope: &ReportScope<'_>,
        task: &Task,
        engines: &[Arc<Attachment>],
        slot: usize,
        call: &mut SyscallEntry<'_>,
        ptrace: &mut dyn PtraceStops,
    ) -> Resume {
        let mut action = Resume::Resume;
        for reporter in syscall_order(SyscallSide::Entry, engines, slot) {
            match reporter {
                Reporter::Engine(att) => action = self.entry_one(scope, task, att, call, action),
                Reporter::Ptrace => {
                    if !call.is_resumed() {
                        call.ptrace_entry_stop(ptrace);
                    }
                }
            }
        }
        action
    }

    /// Reports the syscall entry `call` to `att` if it asks for entries,
    /// and folds its answer into `action`.
    #[inline(always)]
    fn entry_one(
        &self,
        scope: &ReportScope<'_>,
        task: &Task,
        att: &Attachment,
        call: &mut SyscallEntry<'_>,
        action: Resume,
    ) -> Resume {
        // `call` skips a detached engine.
        if !att.wants(Events::SYSCALL_ENTRY) {
            return action;
        }
        let resumed = call.is_resumed();
        // SAFETY: the owner task runs the entry report (checked in
        // `report_syscall_entry`, the only way here).
        if !unsafe { att.wants_entry(|| call.nr(), || call.is_native(), resumed) } {
            return action;
        }
        let answer = self.call(scope, att, |e| e.report_syscall_entry(task, &mut *call));
        if call.take_exit_request() {
            // SAFETY: the owner task runs the entry report (checked in
            // `report_syscall_entry`, the only way here), and `att` is one
            // of its registry's attachments.
            unsafe {
                att.exit_once.replace(true);
                self.exit_requested.replace(true);
            }
        }
        self.take_answer(att, action, answer)
    }

    /// Reports a syscall exit to every engine that asked, in attach order,
    /// with the tracer's exit stop at its place among them.
    pub(crate) fn report_syscall_exit(
        &self,
        task: &Task,
        regs: &mut dyn SyscallRegs,
        ptrace: &mut dyn PtraceStops,
    ) {
        // As in `report_syscall_entry`.
        if kernel::warn_on!(!self.is_owner(task)) {
            return;
        }
        // A load and a store, not an exchange (a locked instruction on x86):
        // only the task sets the mark, and every other store clears it
        // (`publish_summary`), so no store of another can be lost here.
        let aborted = self.entry_aborted.load(Relaxed);
        if aborted {
            self.entry_aborted.store(false, Relaxed);
        }
        // SAFETY: the owner task runs this report (checked above).
        let requested = unsafe { self.exit_requested.replace(false) };
        if requested {
            // Rare: an entry callback asked for this exit.
            self.set_exit_once(false);
        }
        // Pairs with the release stores under `inner`.
        let summary = self.summary.load(Acquire);
        if !requested && summary & Events::SYSCALL_EXIT.bits() == 0 {
            // An entry-only engine costs the exit nothing but this test
            // (and ptrace's stop, if the task is traced).
            SyscallExit::new(regs, aborted).ptrace_exit_stop(ptrace);
            self.settle(task, Resume::Resume);
            return;
        }
        let reporters = self.reporters(task, summary);
        let engines = reporters.engines();
        let scope = self.report_scope(task);
        let mut call = SyscallExit::new(regs, aborted);
        let mut action = Resume::Resume;
        let slot = self.ptrace_slot(engines);
        match reporters.wanting(SyscallSide::Exit) {
            // Only the engines that want exits; all of them when an entry
            // callback asked for this exit (its engine may want none).
            Some(wanting) if !requested => {
                for reporter in masked_order(SyscallSide::Exit, wanting, slot) {
                    match reporter {
                        Reporter::Engine(i) => {
                            debug_assert!(i < engines.len());
                            if let Some(att) = engines.get(i) {
                                action = self.exit_one(&scope, task, att, &mut call, false, action);
                            }
                        }
                        Reporter::Ptrace => call.ptrace_exit_stop(ptrace),
                    }
                }
            }
            _ => {
                action = self
                    .exit_reporters_all(&scope, task, engines, slot, &mut call, requested, ptrace)
            }
        }
        drop(reporters);
        // A kill ends the stop; the task then dies on its way out. A
        // request for another report has nothing to report again here.
        self.settle(task, action);
    }

    /// The exit reports of a list too long for a mask, or of an exit an
    /// entry callback asked for: every engine is looked at.
    #[cold]
    #[expect(clippy::too_many_arguments)]
    fn exit_reporters_all(
        &self,
        scope: &ReportScope<'_>,
        task: &Task,
        engines: &[Arc<Attachment>],
        slot: usize,
        call: &mut SyscallExit<'_>,
        requested: bool,
        ptrace: &mut dyn PtraceStops,
    ) -> Resume {
        let mut action = Resume::Resume;
        for reporter in syscall_order(SyscallSide::Exit, engines, slot) {
            match reporter {
                Reporter::Engine(att) => {
                    action = self.exit_one(scope, task, att, call, requested, action)
                }
                Reporter::Ptrace => call.ptrace_exit_stop(ptrace),
            }
        }
        action
    }

    /// Reports the syscall exit `call` to `att` if it asks for exits, or for
    /// this one (`requested`: an entry callback asked for it), and folds its
    /// answer into `action`.
    #[inline(always)]
    fn exit_one(
        &self,
        scope: &ReportScope<'_>,
        task: &Task,
        att: &Attachment,
        call: &mut SyscallExit<'_>,
        requested: bool,
        action: Resume,
    ) -> Resume {
        // Only an entry callback that set `exit_requested` set it.
        // SAFETY: the owner task runs the exit report (checked in
        // `report_syscall_exit`, the only way here), and `att` is one of its
        // registry's attachments.
        let once = requested && unsafe { att.exit_once.replace(false) };
        // `call` skips a detached engine.
        if !once && !att.wants(Events::SYSCALL_EXIT) {
            return action;
        }
        // SAFETY: as above.
        let in_set = unsafe { att.wants_exit(|| call.nr(), || call.is_native()) };
        if !once && !in_set {
            return action;
        }
        let answer = self.call(scope, att, |e| e.report_syscall_exit(task, &mut *call));
        self.take_answer(att, action, answer)
    }

    /// Reports a task event to every engine that asked for `event`, in
    /// attach order, with the stop of the tracer attached at `tracer`, if
    /// given, at its place; then parks while an engine holds the task
    /// stopped.
    /// `f` makes each report: an engine's callback, or the tracer's stop
    /// ([`Reporter::Ptrace`], whose answer is ignored).
    pub(super) fn report_event(
        &self,
        task: &Task,
        event: Events,
        tracer: Option<u64>,
        f: impl FnMut(Reporter<&dyn Engine>) -> Resume,
    ) -> Settled {
        let action = self.report_round(task, event, tracer, f);
        self.settle(task, action)
    }

    /// One round of reports of `event` (see [`Registry::report_event`]).
    /// Returns the combined action.
    pub(super) fn report_round(
        &self,
        task: &Task,
        event: Events,
        tracer: Option<u64>,
        mut f: impl FnMut(Reporter<&dyn Engine>) -> Resume,
    ) -> Resume {
        // Pairs with the release stores under `inner`.
        let summary = self.summary.load(Acquire);
        if summary & SUMMARY_ENGINES == 0 {
            if tracer.is_some() {
                f(Reporter::Ptrace);
            }
            return Resume::Resume;
        }
        let reporters = self.reporters(task, summary);
        let scope = self.report_scope(task);
        let mut action = Resume::Resume;
        for reporter in event_order(reporters.engines(), |a| a.seq.load(Relaxed), tracer) {
            let att = match reporter {
                Reporter::Engine(att) => att,
                Reporter::Ptrace => {
                    f(Reporter::Ptrace);
                    continue;
                }
            };
            action = self.report_to(&scope, att, event, action, |e| f(Reporter::Engine(e)));
        }
        action
    }

    /// Reports `event` to `att` through `f` if the engine asked for it and
    /// is attached, and folds its answer into `action`. Returns the new
    /// action.
    fn report_to(
        &self,
        scope: &ReportScope<'_>,
        att: &Attachment,
        event: Events,
        action: Resume,
        f: impl FnOnce(&dyn Engine) -> Resume,
    ) -> Resume {
        if att.is_detached() || !att.wants(event) {
            return action;
        }
        let answer = self.call(scope, att, f);
        self.take_answer(att, action, answer)
    }

    /// The attach sequence number of the task's tracer: 0 (inside every
    /// engine) unless it attached while the task had this registry.
    fn tracer_seq(&self) -> u64 {
        // Pairs with the release store in `ptrace_link`.
        self.ptrace_seq.load(Acquire)
    }

    /// Reports that the task runs a new program, with the tracer's exec
    /// stop at its place.
    pub(crate) fn report_exec(
        &self,
        task: &Task,
        exec: &ExecReport<'_>,
        ptrace: &mut dyn PtraceEvent,
    ) {
        self.report_with_tracer_stop(task, Events::EXEC, ptrace, |e| e.report_exec(task, exec));
    }

    /// Reports `event` (through `f`) in attach order, with the tracer's
    /// stop for it, whose message the engines do not change, at its place.
    fn report_with_tracer_stop(
        &self,
        task: &Task,
        event: Events,
        ptrace: &mut dyn PtraceEvent,
        mut f: impl FnMut(&dyn Engine) -> Resume,
    ) {
        let tracer = Some(self.tracer_seq());
        self.report_event(task, event, tracer, |r| match r {
            Reporter::Engine(e) => f(e),
            Reporter::Ptrace => {
                ptrace.event_stop(None);
                Resume::Resume
            }
        });
    }

    /// Reports that the task's vfork child released its memory, with the
    /// tracer's vfork-done stop at its place.
    pub(crate) fn report_vfork_done(
        &self,
        task: &Task,
        done: &VforkDoneReport,
        ptrace: &mut dyn PtraceEvent,
    ) {
        self.report_with_tracer_stop(task, Events::VFORK_DONE, ptrace, |e| {
            e.report_vfork_done(task, done)
        });
    }

    /// Reports that the task entered the handler of signal `signo`
    /// (`si_code` `code`; `info`, its siginfo, for C engines) to the engines
    /// with [`Events::SIGNAL`] and to those whose step the kernel turned off
    /// to get there (`stepping`), in attach order; parks while an engine
    /// holds the task stopped. ptrace's SIGTRAP for a step into the handler
    /// comes after, in the kernel. [`SignalHandlerReport::stepped`] is each
    /// engine's own: whether its step ended here.
    pub(crate) fn report_signal_handler(
        &self,
        task: &Task,
        signo: i32,
        code: i32,
        stepping: bool,
        info: *mut bindings::kernel_siginfo,
    ) {
        let stepped = self.end_step_at_handler(stepping);
        // Pairs with the release stores under `inner`.
        let summary = self.summary.load(Acquire);
        if !stepped && summary & Events::SIGNAL.bits() == 0 {
            return;
        }
        let reporters = self.reporters(task, summary);
        let scope = self.tracer_stop_scope(task);
        let mut action = Resume::Resume;
        for reporter in event_order(reporters.engines(), |a| a.seq.load(Relaxed), None) {
            let Reporter::Engine(att) = reporter else {
                continue;
            };
            // `step` is read under `inner` (its rule); only when a step ended.
            let stepper = stepped && {
                let _inner = self.inner.lock();
                att.step.load(Relaxed) == STEP_IN_HANDLER
            };
            if att.is_detached() || !(att.wants(Events::SIGNAL) || stepper) {
                continue;
            }
            // SAFETY: `info` is the delivered signal's siginfo, valid for
            // this report (the dispatcher's contract); C engines only read it.
            let report = unsafe { SignalHandlerReport::new(signo, code, stepper, info) };
            let answer = self.call(&scope, att, |e| e.report_signal_handler(task, &report));
            action = self.take_answer(att, action, answer);
        }
        drop(reporters);
        if stepped {
            self.forget_step_in_handler();
        }
        self.settle(task, action);
    }

    /// Reports a breakpoint hit to the engines that asked for
    /// [`Events::BREAKPOINT`] and for which `subscribed` holds (they
    /// subscribed to this probe for this task), in attach order; each sees
    /// the registers the engines before it left. Returns whether an engine
    /// stopped the task.
    ///
    /// Called from the uprobe handler, which must not block on user space:
    /// a stop asked for is not taken here but at the task's next safe
    /// point, the kick's task work, which runs on its way back to user
    /// mode (at an entry, the handler has the uprobes core send the task
    /// back to the breakpoint, not on to the probed instruction: see
    /// `probe`).
    pub(crate) fn report_breakpoint(
        &self,
        task: &Task,
        hit: &mut BreakpointReport<'_>,
        subscribed: impl Fn(&Attachment) -> bool,
    ) -> bool {
        // Pairs with the release stores under `inner`.
        let summary = self.summary.load(Acquire);
        if summary & Events::BREAKPOINT.bits() == 0 {
            return false;
        }
        let reporters = self.reporters(task, summary);
        let scope = self.report_scope(task);
        let mut action = Resume::Resume;
        for reporter in event_order(reporters.engines(), |a| a.seq.load(Relaxed), None) {
            let Reporter::Engine(att) = reporter else {
                continue;
            };
            if att.is_detached() || !att.wants(Events::BREAKPOINT) || !subscribed(att) {
                continue;
            }
            let answer = self.call(&scope, att, |e| e.report_breakpoint(task, hit));
            action = self.take_answer(att, action, answer);
        }
        drop(reporters);
        if action != Resume::Stop {
            return false;
        }
        // The stop is held (`call`): the kick parks the task at its
        // quiesce report. An exiting task never parks; the kick's error
        // says so, and nothing is left to undo.
        let mut inner = self.inner.lock();
        self.kick_locked(&mut inner, false).is_ok()
    }

    /// Reports a dequeued signal to the engines that asked for its class,
    /// in attach order, with the tracer's signal stop at its place among
    /// them. Returns the signal to act on (0: none), the disposition the
    /// last engine left, and whether the signal is held (put back in the
    /// queue by the caller).
    ///
    /// A held signal stops the task, for the engine that held it if no
    /// engine asked for a stop, and is reported anew when it resumes.
    ///
    /// The trap of a step whose engines were all detached, before the
    /// reports or during them, is dropped: no one expects it, and SIGTRAP
    /// unhandled would kill the task. A tracer sees the trap of a step only
    /// if it asked for the step ([`StepEnd`]).
    pub(crate) fn report_signal(
        &self,
        task: &Task,
        sig: &mut SignalReport<'_>,
        ptrace: &mut dyn PtraceSignal,
    ) -> (i32, SignalAction, bool) {
        let end = self.end_step(sig.is_step_trap());
        match end {
            StepEnd::NotAStep | StepEnd::Shared => {
                return self.report_signal_round(task, sig, ptrace, end)
            }
            StepEnd::Interrupted => {
                let result = self.report_signal_round(task, sig, ptrace, end);
                self.forget_interrupted_steps();
                return result;
            }
            StepEnd::Engines => (),
        }
        let result = self
            .step_trap_served(false)
            .then(|| self.report_signal_round(task, sig, ptrace, end));
        if let Some(held @ (_, _, true)) = result {
            // Back in the queue, and reported anew: judged then.
            self.keep_step_trap();
            return held;
        }
        let served = self.step_trap_served(true);
        match result {
            // The engines let their own trap through: it would kill the
            // task. A tracer, which its place skipped for the trap, gets
            // its stop for it now, as for any signal that would kill its
            // tracee (none is made for an untraced task).
            Some((signo, SignalAction::Deliver, false)) if served && sig.is_step_trap_as(signo) => {
                match ptrace.signal_stop(sig) {
                    AfterTracer::Dropped => (0, SignalAction::Deliver, false),
                    AfterTracer::Final(signo) => (signo, SignalAction::Deliver, false),
                    AfterTracer::Report => (sig.signo(), sig.action(), false),
                }
            }
            Some((signo, action, held))
                if served || action != SignalAction::Deliver || !sig.is_step_trap_as(signo) =>
            {
                (signo, action, held)
            }
            _ => (0, SignalAction::Deliver, false),
        }
    }

    /// [`Registry::report_signal`]'s reports; `end`, what the signal is to
    /// the engines' step, decides who hears of it:
    /// - [`StepEnd::NotAStep`]: every reporter, the tracer's stop at its
    ///   place, as always;
    /// - [`StepEnd::Interrupted`]: as that, but the engines whose step it
    ///   interrupted hear of it even after a tracer's stop that dropped or
    ///   decided it, as observers: their step ended;
    /// - [`StepEnd::Engines`]: the trap of the engines' step alone, with no
    ///   tracer stop;
    /// - [`StepEnd::Shared`]: the trap of a step the tracer took too: every
    ///   engine observes it (what it does to the signal is undone), the
    ///   tracer decides.
    fn report_signal_round(
        &self,
        task: &Task,
        sig: &mut SignalReport<'_>,
        ptrace: &mut dyn PtraceSignal,
        end: StepEnd,
    ) -> (i32, SignalAction, bool) {
        loop {
            let mut holder: Option<Arc<Attachment>> = None;
            let mut action = Resume::Resume;
            let mut ended = None;
            // Pairs with the release stores under `inner`.
            let reporters = self.reporters(task, self.summary.load(Acquire));
            let engines = reporters.engines();
            let scope = self.tracer_stop_scope(task);
            // Attach order, as a syscall exit's, with the tracer at its place.
            for reporter in syscall_order(SyscallSide::Exit, engines, self.ptrace_slot(engines)) {
                let att = match reporter {
                    Reporter::Engine(att) => att,
                    Reporter::Ptrace => {
                        // On a repeated report the tracer had its stop; a
                        // signal the engines inside it dropped or hold is
                        // not one the tracer could see, nor the trap of a
                        // step it did not ask for.
                        if sig.is_resumed()
                            || sig.is_held()
                            || sig.action() == SignalAction::Ignore
                            || end == StepEnd::Engines
                        {
                            continue;
                        }
                        match ptrace.signal_stop(sig) {
                            AfterTracer::Report => continue,
                            AfterTracer::Dropped => ended = Some(0),
                            AfterTracer::Final(signo) => ended = Some(signo),
                        }
                        // The engines after the tracer hear of a shared
                        // trap too, and those whose step the signal
                        // interrupted: their step ended with it.
                        if matches!(end, StepEnd::Shared | StepEnd::Interrupted) {
                            continue;
                        }
                        break;
                    }
                };
                let after_tracer = ended.is_some();
                if end == StepEnd::Interrupted && !self.step_heard_of_signal(att) && after_tracer {
                    // The tracer kept the signal from this engine, whose
                    // step it did not interrupt.
                    continue;
                }
                if att.is_detached() || !att.events().intersects(sig.class().event()) {
                    continue;
                }
                let held_before = sig.is_held();
                let observer = match end {
                    // The tracer's trap as well, or a signal the tracer
                    // decided: no engine may change it.
                    StepEnd::Shared => Some(ObservedSignal::snapshot(att, sig)),
                    StepEnd::Interrupted if after_tracer => {
                        Some(ObservedSignal::snapshot(att, sig))
                    }
                    _ => ObservedSignal::of(att, sig),
                };
                let answer = self.call(&scope, att, |e| e.report_signal(task, &mut *sig));
                let answer = match observer {
                    Some(before) => self.undo_observer(att, sig, before, answer),
                    None => answer,
                };
                if let Some(answer) = answer {
                    if sig.is_held() && !held_before {
                        holder = Some(att.clone());
                    }
                    action = self.take_answer(att, action, Some(answer));
                }
            }
            drop(reporters);
            if let Some(signo) = ended {
                // The tracer decided; a stop the engines before it asked
                // for is still honoured. (A traced task's step traps are
                // not judged: `end_step`.)
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

    /// Whether a quiesce report left a made-up signal report for the
    /// task's next signal check (`task`, the caller, is the owner).
    pub(crate) fn signal_report_pending(&self, task: &Task) -> bool {
        // SAFETY: the owner task runs this (checked first).
        self.is_owner(task) && unsafe { self.signal_report.get() }
    }

    /// After a quiesce report: leaves a made-up signal report for the
    /// task's next signal check if an engine asked for them
    /// ([`Events::SIGNAL_REPORT`]). The kick's task work, which runs on
    /// the task's way back to user mode, makes sure it goes through that
    /// check ([`Registry::arm_signal_report`]); a quiesce report made
    /// elsewhere (before a stop, in the middle of a syscall's entry) queues
    /// the kick for it, so that the syscall does not see a signal pending.
    pub(crate) fn leave_signal_report(&self, task: &Task) {
        // Pairs with the release stores under `inner`.
        let summary = self.summary.load(Acquire);
        if summary & Events::SIGNAL_REPORT.bits() == 0 || !self.is_owner(task) {
            return;
        }
        // SAFETY: the owner task runs this (checked above).
        unsafe { self.signal_report.replace(true) };
        let mut inner = self.inner.lock();
        if !inner.in_kick {
            // An exiting task never gets there: nothing to undo.
            let _ = self.queue_kick_locked(&mut inner, false);
        }
    }

    /// In the kick's task work, on the way back to user mode: if a made-up
    /// signal report is due, makes the task go through `get_signal()`
    /// first, as for a pending signal (`TIF_SIGPENDING`; io_uring's
    /// task-work runs clear `TIF_NOTIFY_SIGNAL`). An interruptible sleep
    /// this task work broke (an interrupt) returns as for a signal.
    pub(super) fn arm_signal_report(&self, task: &Task) {
        // A task on its way out never makes the report (kicks still run
        // in its exit: the exit stop, io_uring's cancel, its last task
        // works): armed, it would keep TIF_SIGPENDING through its exit.
        if !self.signal_report_pending(task) || task::current_exiting() {
            return;
        }
        {
            let inner = self.inner.lock();
            self.set_kept_bits(&inner, super::SUMMARY_SIGNAL_REPORT, 0);
        }
        if let super::Owner::Task(_) = self.owner {
            // SAFETY: called by the current task, the owner, for itself.
            unsafe { bindings::utrace_helper_force_sigpending() };
        }
    }

    /// Whether a made-up signal report is armed for the current task,
    /// its owner: `recalc_sigpending()` keeps `TIF_SIGPENDING` set until
    /// it is made. Never for a task on its way out (it dies first): its
    /// group exit's `recalc_sigpending()` then clears the flag, so that
    /// its exit's interruptible waits wait.
    pub(crate) fn signal_report_armed(&self) -> bool {
        // Pairs with the release store of `set_kept_bits`.
        self.summary.load(Acquire) & super::SUMMARY_SIGNAL_REPORT != 0 && !task::current_exiting()
    }

    /// The made-up signal report a quiesce report left (`sig`: no signal
    /// yet), to the engines with [`Events::SIGNAL_REPORT`], in attach
    /// order; each sees the signal the engines before made up and may
    /// make up another. Parks while an engine holds the task stopped
    /// (reporting again if it is resumed with a request for it). Returns
    /// the signal to deliver at once (0: none, or an ignored one; a held
    /// one is delivered: it was never queued, there is no queue to put it
    /// back in) and its disposition.
    pub(crate) fn report_made_up_signal(
        &self,
        task: &Task,
        sig: &mut SignalReport<'_>,
    ) -> (i32, SignalAction) {
        // SAFETY: the owner task runs this (checked first).
        if !self.is_owner(task) || !unsafe { self.signal_report.replace(false) } {
            return (0, SignalAction::Deliver);
        }
        if self.signal_report_armed() {
            let inner = self.inner.lock();
            self.set_kept_bits(&inner, 0, super::SUMMARY_SIGNAL_REPORT);
        }
        loop {
            // Pairs with the release stores under `inner`.
            let summary = self.summary.load(Acquire);
            if summary & Events::SIGNAL_REPORT.bits() == 0 {
                return (0, SignalAction::Deliver);
            }
            let round = engines_only(|e| e.report_signal(task, &mut *sig));
            match self.report_event(task, Events::SIGNAL_REPORT, None, round) {
                Settled::Again => sig.resume(),
                // SIGKILL ended the stop: it comes first.
                Settled::Killed => return (0, SignalAction::Deliver),
                Settled::Go => break,
            }
        }
        match (sig.signo(), sig.action()) {
            (0, _) | (_, SignalAction::Ignore) => (0, SignalAction::Deliver),
            (signo, action) => (signo, action),
        }
    }

    /// Reports a job-control transition, in attach order.
    pub(crate) fn report_jctl(&self, task: &Task, what: JobControl) {
        // Only the task reports its own transitions (the dispatcher passes
        // the current task's registry).
        if kernel::warn_on!(!self.is_owner(task)) {
            return;
        }
        // SAFETY: the owner task runs this report (checked above).
        let heard = unsafe { self.jctl_stopped.replace(what == JobControl::Stopping) };
        if heard && what == JobControl::Stopping {
            // A traced task comes back to the stop before its tracer's
            // trap: its engines heard of the stop already.
            return;
        }
        self.report_event(
            task,
            Events::JCTL,
            None,
            engines_only(|e| e.report_jctl(task, what)),
        );
    }

    /// The task left a ptrace STOP trap: if the engines heard of a group
    /// stop (the trap was that stop), they hear that the task runs again.
    pub(crate) fn report_jctl_trapped(&self, task: &Task) {
        if kernel::warn_on!(!self.is_owner(task)) {
            return;
        }
        // SAFETY: the owner task runs this report (checked above).
        if unsafe { self.jctl_stopped.get() } {
            self.report_jctl(task, JobControl::Continued);
        }
    }

    /// The task is at a safe point a handle asked for: reports it to the
    /// engines that asked for [`Events::QUIESCE`], in attach order, and
    /// parks while an engine holds the task stopped (reporting again if it
    /// is resumed with a request for it).
    pub(super) fn report_quiesce(&self, task: &Task) {
        // A report made before a park already served the request.
        if !self.take_kick() {
            return;
        }
        // A step running goes on: its trap ends it (`end_step`), unless
        // the kernel turned it off meanwhile.
        self.forget_disarmed_step();
        while self.report_event(
            task,
            Events::QUIESCE,
            None,
            engines_only(|e| e.report_quiesce(task)),
        ) == Settled::Again
        {}
        self.leave_signal_report(task);
        self.take_step();
    }

    /// Reports that the task exits with `code`, with the tracer's exit
    /// stop at its place (its message is the code the engines inside it
    /// left); returns the code the engines leave.
    pub(crate) fn report_exit(&self, task: &Task, code: i64, ptrace: &mut dyn PtraceEvent) -> i64 {
        let mut exit = ExitReport::new(code);
        let tracer = Some(self.tracer_seq());
        self.report_event(task, Events::EXIT, tracer, |r| match r {
            Reporter::Engine(e) => e.report_exit(task, &mut exit),
            Reporter::Ptrace => {
                ptrace.event_stop(Some(exit.code()));
                Resume::Resume
            }
        });
        exit.code()
    }

    /// Reports that the task created a task, before the child runs, in
    /// attach order; the child gets the engines that follow it on the way.
    ///
    /// The tracer's stop at the clone is not among these reports: it must
    /// come after the child is woken (a tracer waits for the new child at
    /// that stop), and every engine must hear of the child before it runs,
    /// to follow it. So the kernel makes that stop after this report; an
    /// engine can change nothing the tracer sees there (design.md,
    /// section 2).
    ///
    /// A child its parent's tracer traces too gets the tracer at the same
    /// place among the engines that follow it here as in the parent.
    pub(crate) fn report_clone(&self, task: &Task, report: &CloneReport<'_>) {
        let ptrace_seq = self.tracer_seq();
        let mut ptrace_placed = false;
        let mut action = Resume::Resume;
        // Pairs with the release stores under `inner`.
        let summary = self.summary.load(Acquire);
        if summary & SUMMARY_ENGINES != 0 {
            let reporters = self.reporters(task, summary);
            let scope = self.report_scope(task);
            for att in reporters.engines() {
                if !ptrace_placed && att.seq.load(Relaxed) > ptrace_seq {
                    report.place_child_tracer();
                    ptrace_placed = true;
                }
                if !matches!(att.children, Children::Nothing) && !att.is_detached() {
                    // The child's tracer and engines keep the parent's order.
                    self.give_child(&scope, att, report);
                }
                action = self.report_to(&scope, att, Events::CLONE, action, |e| {
                    e.report_clone(task, report)
                });
            }
        }
        if !ptrace_placed {
            // After the reports: an engine that follows the child by
            // attaching in its callback has made the child's registry.
            report.place_child_tracer();
        }
        self.settle(task, action);
    }
}

/// A signal an engine only observes, as it was before its callback: one
/// of a class the senders' short cuts decide about ([`Events::SIGNAL_IGN`],
/// [`Events::SIGNAL_TERM`], [`Events::SIGNAL_CORE`]) reported to an engine
/// that asked for [`Events::SIGNAL_OBSERVE`]. Whether such an engine sees
/// the signal at all depends on the short cut, so it must not change it.
#[derive(Clone, Copy)]
struct ObservedSignal {
    action: SignalAction,
    held: bool,
    code: i32,
    errno: i32,
    handler: Option<SigHandler>,
    /// The engine held the task stopped already.
    stopping: bool,
}

impl ObservedSignal {
    /// `sig` as `att`'s engine is about to see it, if it only observes it.
    fn of(att: &Attachment, sig: &SignalReport<'_>) -> Option<ObservedSignal> {
        let judged = Events::SIGNAL_IGN
            .union(Events::SIGNAL_TERM)
            .union(Events::SIGNAL_CORE);
        (att.events().contains(Events::SIGNAL_OBSERVE) && sig.class().event().intersects(judged))
            .then(|| Self::snapshot(att, sig))
    }

    /// `sig` as `att`'s engine is about to see it.
    fn snapshot(att: &Attachment, sig: &SignalReport<'_>) -> ObservedSignal {
        ObservedSignal {
            action: sig.action(),
            held: sig.is_held(),
            code: sig.code(),
            errno: sig.errno(),
            handler: sig.handler(),
            stopping: att.stopping.load(Relaxed),
        }
    }
}

impl Registry {
    /// Undoes what an observer's callback did to the signal it observed
    /// (`before`), and a stop its answer took: it may only go on, or
    /// detach. Whatever the answer, also one `call` dropped because the
    /// engine was detached meanwhile.
    fn undo_observer(
        &self,
        att: &Attachment,
        sig: &mut SignalReport<'_>,
        before: ObservedSignal,
        answer: Option<Resume>,
    ) -> Option<Resume> {
        sig.set_action(before.action);
        sig.hold(before.held);
        if (sig.code(), sig.errno()) != (before.code, before.errno) {
            sig.set_code_errno(before.code, before.errno);
        }
        if let Some(handler) = before.handler.filter(|h| sig.handler() != Some(*h)) {
            // It was the sigaction's handler: valid to put back.
            let _ = sig.set_handler(handler);
        }
        if answer != Some(Resume::Stop) {
            return answer;
        }
        if !before.stopping {
            // The task runs this report: it is not parked, none to wake.
            let mut inner = self.inner.lock();
            self.release_stop_locked(&mut inner, att);
        }
        Some(Resume::Resume)
    }
}

/// `f` as a report function of [`Registry::report_event`] for an event with
/// no tracer stop.
pub(super) fn engines_only(
    mut f: impl FnMut(&dyn Engine) -> Resume,
) -> impl FnMut(Reporter<&dyn Engine>) -> Resume {
    move |r| match r {
        Reporter::Engine(e) => f(e),
        Reporter::Ptrace => Resume::Resume,
    }
}
