// SPDX-License-Identifier: GPL-2.0

//! The registry's side of an examination: whether the task is parked in a
//! stop the examining engine holds, and the pin that keeps it there while
//! an examiner reads or writes its registers.
//!
//! A parked task leaves its stop only through `inner` (the wake condition
//! of [`Registry::park`] and its fatal-signal path both take it), so a
//! check made under `inner` holds until the lock is dropped. A register
//! set may sleep for a moment (x86 looks a segment base up under the mm's
//! LDT mutex), so the examiner cannot keep the lock across it: it sets
//! `SUMMARY_EXAMINED` under the lock instead, and the task does not leave
//! its stop while that bit is set, not even for SIGKILL (it waits for the
//! register access, which is short). Memory access needs no pin: it goes
//! through the task's mm reference, which outlives the task's exit.

use super::{Attachment, Inner, Owner, Registry, SUMMARY_EXAMINED, SUMMARY_EXAMINE_WAITERS};
use crate::engine_core::policy::{check_examine, ExamineTarget};
use crate::engine_core::task;
use kernel::prelude::*;
use kernel::sync::aref::ARef;
use kernel::sync::atomic::Relaxed;
use kernel::task::Task;

impl Registry {
    /// Whether `att`'s engine may examine the task now
    /// ([`check_examine`]).
    fn check_examine_locked(&self, inner: &Inner, att: &Attachment) -> Result {
        let killed = match &self.owner {
            // SAFETY: parked under `inner`, so alive; the phase check of
            // `check_examine` comes first only in the result, so look
            // only at a parked task.
            Owner::Task(t) if inner.parked => unsafe { task::fatal_signal_pending_ptr(t) },
            _ => false,
        };
        check_examine(ExamineTarget {
            detached: att.is_detached(),
            phase: inner.phase,
            holds_stop: att.stopping.load(Relaxed),
            parked: inner.parked,
            killed,
        })
    }

    /// Whether an examiner pins the task in its stop.
    pub(super) fn is_examined(&self, _inner: &Inner) -> bool {
        // Only written under `inner`.
        self.summary.load(Relaxed) & SUMMARY_EXAMINED != 0
    }

    /// The task, if `att`'s engine may examine it now: `ESRCH`, `EINVAL`,
    /// `EAGAIN` as [`check_examine`] says. The second value is `true` when
    /// the caller is the task itself (a callback examining its own task:
    /// nothing to wait for or pin).
    pub(crate) fn examine_target(&self, att: &Attachment) -> Result<(ARef<Task>, bool)> {
        let Owner::Task(t) = &self.owner else {
            // A test registry has no task to examine.
            return Err(EINVAL);
        };
        let current = kernel::current!();
        if self.is_owner(current) {
            if att.is_detached() {
                return Err(ESRCH);
            }
            let me: &Task = current;
            return Ok((me.into(), true));
        }
        let inner = self.inner.lock();
        self.check_examine_locked(&inner, att)?;
        // SAFETY: parked, so alive (it leaves the park only through
        // `inner`, which we hold).
        Ok((unsafe { task::task_ref(t) }, false))
    }

    /// Pins the task in the stop `att`'s engine holds, for a register
    /// access: errors as [`Registry::examine_target`]; `EINTR` if a fatal
    /// signal ended a wait for another examiner's pin. Each success must be
    /// followed by one [`Registry::unpin_examined`].
    pub(crate) fn pin_examined(&self, att: &Attachment) -> Result {
        loop {
            {
                let inner = self.inner.lock();
                self.check_examine_locked(&inner, att)?;
                if !self.is_examined(&inner) {
                    self.set_kept_bits(&inner, SUMMARY_EXAMINED, 0);
                    return Ok(());
                }
                // Asks the holder to wake the queue when it is done.
                self.set_kept_bits(&inner, SUMMARY_EXAMINE_WAITERS, 0);
            }
            // Another examiner's access: a moment. Woken by its unpin, or
            // by anything else on the queue (then look again).
            let free = || {
                let inner = self.inner.lock();
                !self.is_examined(&inner) || self.check_examine_locked(&inner, att).is_err()
            };
            if !task::wait_until(&self.wait, task::Sleep::Killable, free) {
                return Err(EINTR);
            }
        }
    }

    /// Ends a pin of [`Registry::pin_examined`]; `task` is the pinned task.
    /// Wakes the queue only if someone may wait for the pin (another
    /// examiner, or the task with no stop left or a fatal signal): the
    /// task sleeps on the same queue, and a wake-up it did not need counts
    /// as its running, which fails the examination's end (`EAGAIN`; with
    /// two examiners at once, one of them may get it).
    pub(crate) fn unpin_examined(&self, task: &Task) {
        let (task_waits, examiners_wait) = {
            let inner = self.inner.lock();
            let waiters = self.summary.load(Relaxed) & SUMMARY_EXAMINE_WAITERS != 0;
            self.set_kept_bits(&inner, 0, SUMMARY_EXAMINED | SUMMARY_EXAMINE_WAITERS);
            (inner.stops == 0, waiters)
        };
        // A fatal signal that woke the task found the pin set under `inner`
        // before the clearing above, so it is pending by now: it stays
        // pending until the task leaves the kernel.
        if task_waits || examiners_wait || task::fatal_signal_pending(task) {
            task::wake_all(&self.wait);
        }
    }
}
