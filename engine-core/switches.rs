// SPDX-License-Identifier: GPL-2.0

//! A task's switches off and back onto a CPU, for engines that record
//! them (the branch trace's scheduling records).
//!
//! The first time an engine of a task asks ([`watch_current`], from one of
//! its callbacks), the task registers a preempt notifier on itself. The
//! scheduler calls it each time the task leaves its CPU and each time it
//! comes back, and it logs the times (`CLOCK_MONOTONIC`, in ns) of the
//! last [`SPANS`] spans the task spent off the CPU. An engine reads the
//! spans that came after its cursor from its callbacks ([`read_current`]).
//!
//! # Who touches the log
//!
//! Only the task itself. The notifier runs for the task leaving its CPU
//! (in the scheduler, before the switch, interrupts off) and for the task
//! coming back (after it, on its new CPU, preemption off); the readers are the
//! task's engine callbacks. So a write can interrupt a read, when the task
//! is switched out while it reads, but never run beside it: every such
//! interruption begins with a departure, which moves `departures`, and a
//! reader that finds it moved reads again (a sequence count with the
//! task's own switches as the writer). The release store of `departures`
//! pairs with the reader's acquire load of it, and the reader's
//! `smp_rmb()` with the order of the notifier's stores; across CPUs, the
//! scheduler's own barriers at a migration order the rest.
//!
//! # Lifetime
//!
//! The log is allocated once per task and found through the task's
//! notifier list (by its ops), which only the task changes; the task's
//! registry notes that it has one. `free_task()` frees it
//! ([`free_log`]), after the task's last switch, so the notifier is never
//! unregistered: it stays on the task's list until the task is freed.
//! (A child's list starts empty in `sched_fork()`; a child whose fork
//! failed before that has the parent's list head copied, and no registry:
//! nothing of it is looked at.)
//!
//! The scheduler calls preempt notifiers only while the kernel's key for
//! them is on: a [`Watch`] holds it on (an engine that records switches
//! holds one). While any is held, every task that once had its switches
//! logged pays the notifier's call at each of its switches, and every
//! switch on the system the walk of the switching tasks' notifier lists
//! (empty for most); with none held the scheduler tests a static key.

use super::registry::Registry;
use super::task;
use core::ptr;
use kernel::bindings;
use kernel::prelude::*;
use kernel::sync::atomic::{Acquire, Atomic, Relaxed, Release};
use kernel::sync::barrier::smp_rmb;
use kernel::task::Task;
use kernel::types::Opaque;

/// How many of a task's spans off the CPU its log keeps.
pub const SPANS: usize = 8;

/// A span the task spent off its CPU: when it left, when it came back
/// (`CLOCK_MONOTONIC`, in ns).
#[derive(Clone, Copy, Default, PartialEq, Eq, Debug)]
pub struct Span {
    /// The departure.
    pub out: u64,
    /// The return.
    pub back: u64,
}

/// Which departures a reader whose cursor is `cursor` reads when
/// `departures` were logged: the number of the first one to read, and how
/// many before it the log no longer keeps (it keeps the last [`SPANS`]).
/// A cursor ahead of the log reads nothing.
pub fn unread(cursor: u64, departures: u64) -> (u64, u64) {
    let oldest_kept = departures.saturating_sub(SPANS as u64);
    let first = cursor.max(oldest_kept).min(departures);
    (first, first.saturating_sub(cursor))
}

/// The slot of departure `n` in the log.
fn slot(n: u64) -> usize {
    // Less than SPANS: fits a usize.
    (n % SPANS as u64) as usize
}

/// One task's log of its spans off the CPU, with the notifier that keeps
/// it (module documentation).
#[pin_data]
pub(crate) struct SwitchLog {
    /// Registered on the task once ([`watch`]), never unregistered.
    #[pin]
    notifier: Opaque<bindings::preempt_notifier>,
    /// How many times the task left its CPU since the log was made.
    /// Stored with release by the notifier after the departure's slot;
    /// loaded with acquire by readers (module documentation).
    departures: Atomic<u64>,
    /// Departure `n`'s time, in slot `slot(n)`.
    out: [Atomic<u64>; SPANS],
    /// The return after departure `n`, in slot `slot(n)`; 0 until then.
    back: [Atomic<u64>; SPANS],
}

/// The notifier's calls, the same for every task.
static SWITCH_OPS: bindings::preempt_ops = bindings::preempt_ops {
    sched_in: Some(switched_in),
    sched_out: Some(switched_out),
};

/// The current `CLOCK_MONOTONIC` time, in ns, readable in the scheduler.
fn now() -> u64 {
    // SAFETY: takes no lock and has no precondition (the clock for any
    // context, NMI included).
    unsafe { bindings::ktime_get_mono_fast_ns() }
}

impl SwitchLog {
    fn new() -> impl PinInit<Self> {
        pin_init!(Self {
            notifier: Opaque::uninit(),
            departures: Atomic::new(0),
            out: [const { Atomic::new(0) }; SPANS],
            back: [const { Atomic::new(0) }; SPANS],
        })
    }

    /// The log whose notifier is `n`.
    ///
    /// # Safety
    ///
    /// `n` is the `notifier` of a live `SwitchLog`.
    unsafe fn from_notifier<'a>(n: *mut bindings::preempt_notifier) -> &'a SwitchLog {
        let n = n.cast::<Opaque<bindings::preempt_notifier>>();
        // SAFETY: per the contract, `n` is the `notifier` field of a live
        // `SwitchLog` (`Opaque` is transparent).
        unsafe { &*kernel::container_of!(n, SwitchLog, notifier) }
    }

    /// The task leaves its CPU at `t`.
    fn departed(&self, t: u64) {
        let n = self.departures.load(Relaxed);
        self.out[slot(n)].store(t, Relaxed);
        self.back[slot(n)].store(0, Relaxed);
        // Pairs with the acquire load in `read`: a reader that sees the
        // new count sees the slot it names.
        self.departures.store(n.wrapping_add(1), Release);
    }

    /// The task is back on a CPU at `t`.
    fn arrived(&self, t: u64) {
        let n = self.departures.load(Relaxed);
        // A return before any departure (the one the notifier was
        // registered in) closes no span.
        if n != 0 {
            self.back[slot(n - 1)].store(t, Relaxed);
        }
    }

    /// The spans after `cursor` (see [`read_current`]).
    fn read(&self, cursor: &mut u64, out: &mut [Span; SPANS]) -> (usize, u64) {
        loop {
            let n = self.departures.load(Acquire);
            let (first, missed) = unread(*cursor, n);
            // At most SPANS: fits a usize.
            let count = (n - first) as usize;
            for (i, o) in out[..count].iter_mut().enumerate() {
                let k = slot(first + i as u64);
                *o = Span {
                    out: self.out[k].load(Relaxed),
                    back: self.back[k].load(Relaxed),
                };
            }
            // The slots are read before the count is checked again.
            smp_rmb();
            if self.departures.load(Relaxed) == n {
                *cursor = n;
                return (count, missed);
            }
            // The task was switched out while it read: read again.
        }
    }
}

/// The scheduler's call for a task leaving its CPU.
///
/// # Safety
///
/// Called by the scheduler only, for a notifier registered by
/// [`watch`]: `n` is the `notifier` of a live `SwitchLog`.
unsafe extern "C" fn switched_out(
    n: *mut bindings::preempt_notifier,
    _next: *mut bindings::task_struct,
) {
    // SAFETY: per this function's contract; the log lives until its
    // task is freed, after its last switch.
    unsafe { SwitchLog::from_notifier(n) }.departed(now());
}

/// The scheduler's call for a task back on a CPU.
///
/// # Safety
///
/// As for [`switched_out`].
unsafe extern "C" fn switched_in(n: *mut bindings::preempt_notifier, _cpu: c_int) {
    // SAFETY: as in `switched_out`.
    unsafe { SwitchLog::from_notifier(n) }.arrived(now());
}

/// The switch log on `task`'s notifier list, if it has one.
///
/// # Safety
///
/// `task` is the current task, or a task in `free_task()`: no one else
/// changes its list meanwhile.
unsafe fn find<'a>(task: *mut bindings::task_struct) -> Option<&'a SwitchLog> {
    // SAFETY: per this function's contract, the walk races with no change
    // of the list; the scheduler only reads it.
    let n = unsafe {
        bindings::utrace_helper_find_switch_notifier(task, ptr::from_ref(&SWITCH_OPS).cast_mut())
    };
    // SAFETY: a notifier with these ops is a registered log's (`watch`),
    // alive until its task is freed.
    (!n.is_null()).then(|| unsafe { SwitchLog::from_notifier(n) })
}

/// Starts logging the current task's switches if it was not already;
/// returns the current departure count. May sleep.
fn watch(current: &Task, reg: &Registry) -> Result<u64> {
    if reg.has_switch_log() {
        // SAFETY: `current` is the current task.
        let log = unsafe { find(current.as_ptr()) }.ok_or(EINVAL)?;
        return Ok(log.departures.load(Acquire));
    }
    let log = KBox::pin_init(SwitchLog::new(), GFP_KERNEL_ACCOUNT)?;
    // The scheduler's key must be on while a notifier is registered (it
    // warns otherwise), whatever became of the engine's own watch: a
    // callback that began before its engine's trace ended may get here
    // after (the review's WARN, `guest_branch`).
    let _on = Watch::on();
    // SAFETY: the log is never moved out of its box: the raw pointer is
    // only turned back into the box to be freed (`free_log`).
    let raw = KBox::into_raw(unsafe { Pin::into_inner_unchecked(log) });
    // SAFETY: `raw` is a live log, which stays where it is until
    // `free_log`, after the task's last switch; the helper registers it on
    // the current task. The kernel never writes through `ops`.
    unsafe {
        bindings::utrace_helper_watch_switches(
            (*raw).notifier.get(),
            ptr::from_ref(&SWITCH_OPS).cast_mut(),
        )
    };
    reg.set_has_switch_log();
    Ok(0)
}

/// Frees the switch log of a task being freed.
///
/// # Safety
///
/// `task` is in `free_task()`, and its registry says it registered a log.
pub(super) unsafe fn free_log(task: *mut bindings::task_struct) {
    // SAFETY: per this function's contract, no one changes the list.
    if let Some(log) = unsafe { find(task) } {
        let raw = ptr::from_ref(log).cast_mut();
        // SAFETY: the log came from `KBox::into_raw` in `watch`, and the
        // task ran its last switch: the scheduler walks its list no more.
        drop(unsafe { KBox::from_raw(raw) });
    }
}

/// While one is held, the scheduler calls the switch notifiers (the
/// kernel's preempt notifier key is on).
pub struct Watch(());

/// The watches held now, for the test device: the key is on while it is
/// not 0.
static WATCHES: Atomic<i64> = Atomic::new(0);

/// The watches taken since boot, for the test device: each one that found
/// no other held turned the key on.
static TAKEN: Atomic<u64> = Atomic::new(0);

/// How many watches are held now (`UTRACE_TEST_SWITCH_WATCHES`).
pub fn watches() -> i64 {
    WATCHES.load(Relaxed)
}

/// How many watches were taken since boot
/// (`UTRACE_TEST_SWITCH_WATCHES_TAKEN`).
pub fn watches_taken() -> u64 {
    TAKEN.load(Relaxed)
}

impl Watch {
    /// Turns the notifiers on, until the watch is dropped. May sleep.
    pub fn on() -> Self {
        // SAFETY: no precondition; may sleep, as the caller may.
        unsafe { bindings::preempt_notifier_inc() };
        WATCHES.fetch_add(1, Relaxed);
        TAKEN.fetch_add(1, Relaxed);
        Watch(())
    }
}

impl Drop for Watch {
    /// May sleep: a watch is dropped where the caller may sleep.
    fn drop(&mut self) {
        // SAFETY: undoes the `preempt_notifier_inc()` of `on`.
        unsafe { bindings::preempt_notifier_dec() };
        WATCHES.fetch_sub(1, Relaxed);
    }
}

/// Starts logging the current task's switches off the CPU, if they were
/// not already: returns the cursor of a reader that reads from now on
/// ([`read_current`]). `ESRCH` if the task has no engines (no registry),
/// `ENOMEM`. For an engine's callbacks: the task itself, where it may
/// sleep. The log is filled only while some [`Watch`] is held.
pub fn watch_current() -> Result<u64> {
    task::with_current_registry(watch).ok_or(ESRCH)?
}

/// The spans the current task spent off its CPU since `cursor` (from
/// [`watch_current`] or an earlier read), oldest first, into `out`; moves
/// the cursor on. Returns how many, and how many earlier departures the
/// log no longer kept (their spans are not in `out`). Nothing before
/// [`watch_current`]. For an engine's callbacks (the task itself).
pub fn read_current(cursor: &mut u64, out: &mut [Span; SPANS]) -> (usize, u64) {
    let current: &Task = kernel::current!();
    // SAFETY: the current task.
    match unsafe { find(current.as_ptr()) } {
        Some(log) => log.read(cursor, out),
        None => (0, 0),
    }
}

#[kunit_tests(utrace_switches)]
mod tests {
    use super::*;

    #[test]
    fn unread_reads_what_came_after_the_cursor() {
        assert_eq!(unread(0, 0), (0, 0));
        assert_eq!(unread(3, 5), (3, 0));
        assert_eq!(unread(5, 5), (5, 0));
    }

    #[test]
    fn unread_counts_what_the_log_no_longer_keeps() {
        let n = SPANS as u64;
        assert_eq!(unread(0, n), (0, 0));
        assert_eq!(unread(0, n + 1), (1, 1));
        assert_eq!(unread(2, n + 5), (5, 3));
    }

    #[test]
    fn a_cursor_ahead_reads_nothing() {
        assert_eq!(unread(9, 4), (4, 0));
    }

    fn log() -> Pin<KBox<SwitchLog>> {
        KBox::pin_init(SwitchLog::new(), GFP_KERNEL).unwrap()
    }

    #[test]
    fn spans_come_in_order_and_once() {
        let log = log();
        // The return the notifier was registered in closes nothing.
        log.arrived(5);
        let mut cursor = 0;
        let mut out = [Span::default(); SPANS];
        assert_eq!(log.read(&mut cursor, &mut out), (0, 0));
        log.departed(10);
        log.arrived(20);
        log.departed(30);
        log.arrived(45);
        assert_eq!(log.read(&mut cursor, &mut out), (2, 0));
        assert_eq!(out[0], Span { out: 10, back: 20 });
        assert_eq!(out[1], Span { out: 30, back: 45 });
        assert_eq!(cursor, 2);
        assert_eq!(log.read(&mut cursor, &mut out), (0, 0));
    }

    #[test]
    fn a_reader_left_behind_gets_the_last_spans() {
        let log = log();
        let mut cursor = 0;
        let mut out = [Span::default(); SPANS];
        for i in 0..(SPANS as u64 + 3) {
            log.departed(100 * i);
            log.arrived(100 * i + 7);
        }
        assert_eq!(log.read(&mut cursor, &mut out), (SPANS, 3));
        assert_eq!(
            out[0],
            Span {
                out: 300,
                back: 307
            }
        );
        assert_eq!(out[SPANS - 1].out, 100 * (SPANS as u64 + 2));
        assert_eq!(cursor, SPANS as u64 + 3);
    }
}
