// SPDX-License-Identifier: GPL-2.0

//! The channel engine: at each syscall event it asked for, the traced task
//! hands the event to the channel and sleeps in the callback until the
//! monitor answers, so that the decision is made at the engine's place in
//! the order.

use super::channel::{Channel, Event, OnClose};
use super::reply::{Decision, Side};
use crate::engine_core::{CallbackWait, Engine, Events, Resume, SyscallEntry, SyscallExit};
use kernel::bindings;
use kernel::prelude::*;
use kernel::sync::aref::ARef;
use kernel::sync::{Arc, SpinLock};
use kernel::task::Task;

/// Where an engine's task is in the exchange with the monitor.
pub(crate) enum Exchange {
    /// Not waiting.
    Idle,
    /// Waiting; the event is not read yet.
    Queued,
    /// Waiting; the event was read and waits for its reply.
    Delivered,
    /// Answered: the task applies the decision when it wakes.
    Answered(Decision),
    /// Let go without an answer (a detach, the channel's close).
    Released,
}

/// What [`ChannelEngine::waiting`] protects.
pub(crate) struct Waiting {
    pub(crate) state: Exchange,
    /// The event (meaningful while the task waits).
    pub(crate) event: Event,
    /// Its place among the channel's events: the order of reads.
    pub(crate) seq: u64,
    /// The waiting task, for its memory and its pids (a reference, taken
    /// when it starts waiting: the monitor may still hold it after
    /// SIGKILL ended the wait).
    pub(crate) task: Option<ARef<Task>>,
}

/// One channel engine, attached to one task.
#[pin_data]
pub(crate) struct ChannelEngine {
    channel: Arc<Channel>,
    /// Its slot in the channel, and the slot's generation when attached.
    index: usize,
    gen: u32,
    /// Its number, as the attach returned it.
    number: u32,
    /// What its task does when let go without an answer.
    on_close: OnClose,
    /// The exchange (see the channel's locks: a spinlock, because the
    /// task's wait condition reads it).
    #[pin]
    pub(crate) waiting: SpinLock<Waiting>,
    /// The task sleeps here until the state leaves Queued / Delivered.
    #[pin]
    pub(crate) wake: CallbackWait,
}

/// The events of `UTRACE_CHANNEL_ENTRY` / `UTRACE_CHANNEL_EXIT`.
pub(crate) fn events_of(bits: u32) -> Result<Events> {
    const ENTRY: u32 = bindings::UTRACE_CHANNEL_ENTRY;
    const EXIT: u32 = bindings::UTRACE_CHANNEL_EXIT;
    if bits == 0 || bits & !(ENTRY | EXIT) != 0 {
        return Err(EINVAL);
    }
    let mut events = Events::NONE;
    if bits & ENTRY != 0 {
        events = events | Events::SYSCALL_ENTRY;
    }
    if bits & EXIT != 0 {
        events = events | Events::SYSCALL_EXIT;
    }
    Ok(events)
}

/// How a wait ended.
enum Outcome {
    /// The monitor answered.
    Decided(Decision),
    /// Let go without an answer, or never queued (the channel closed,
    /// the engine detached from it).
    LetGo,
    /// SIGKILL ended the wait.
    Killed,
}

impl ChannelEngine {
    /// An engine of `channel` in slot `index` at generation `gen`.
    pub(crate) fn new(
        channel: Arc<Channel>,
        index: usize,
        gen: u32,
        number: u32,
        on_close: OnClose,
    ) -> impl PinInit<Self, Error> {
        try_pin_init!(ChannelEngine {
            channel,
            index,
            gen,
            number,
            on_close,
            waiting <- kernel::new_spinlock!(
                Waiting {
                    state: Exchange::Idle,
                    event: Event::default(),
                    seq: 0,
                    task: None,
                },
                "utrace_channel::waiting"
            ),
            wake <- CallbackWait::new(),
        }? Error)
    }

    /// Hands `event` to the monitor and waits for its answer.
    fn exchange(&self, task: &Task, event: Event) -> Outcome {
        if !self.channel.queue(self, self.index, self.gen, task, event) {
            return Outcome::LetGo;
        }
        let answered = self.wake.wait(|| {
            !matches!(
                self.waiting.lock().state,
                Exchange::Queued | Exchange::Delivered
            )
        });
        match self.channel.end_wait(self) {
            Exchange::Answered(d) => Outcome::Decided(d),
            Exchange::Released => Outcome::LetGo,
            _ if !answered => Outcome::Killed,
            // Not reached: the wait ends only on an answer, a release or
            // SIGKILL.
            _ => Outcome::LetGo,
        }
    }

    /// The event record of a call, as the engines before left it.
    fn event(&self, side: Side, nr: i64, args: [u64; 6], arch: u32, (ip, sp): (u64, u64)) -> Event {
        let mut e = Event::default();
        e.0.kind = side.to_uapi();
        e.0.engine = self.number;
        e.0.arch = arch;
        e.0.nr = nr;
        e.0.args = args;
        e.0.instruction_pointer = ip;
        e.0.stack_pointer = sp;
        e
    }
}

impl Engine for ChannelEngine {
    fn report_syscall_entry(&self, task: &Task, call: &mut SyscallEntry<'_>) -> Resume {
        let regs = (call.instruction_pointer(), call.stack_pointer());
        let event = self.event(Side::Entry, call.nr(), call.args(), call.arch(), regs);
        match self.exchange(task, event) {
            Outcome::Decided(d) => {
                if let Some(nr) = d.nr {
                    call.set_nr(nr);
                }
                if let Some(args) = d.args {
                    call.set_args(&args);
                }
                if let Some(result) = d.abort {
                    call.abort(result);
                }
                if d.want_exit {
                    call.report_exit();
                }
            }
            Outcome::LetGo if self.on_close == OnClose::Enosys => {
                call.abort(-i64::from(bindings::ENOSYS));
            }
            Outcome::LetGo => {}
            // The task dies: the call it waited at must not run (as after
            // a fatal signal in a ptrace entry stop).
            Outcome::Killed => call.abort(-i64::from(bindings::ENOSYS)),
        }
        Resume::Resume
    }

    fn report_syscall_exit(&self, task: &Task, call: &mut SyscallExit<'_>) -> Resume {
        let regs = (call.instruction_pointer(), call.stack_pointer());
        let mut event = self.event(Side::Exit, call.nr(), call.args(), call.arch(), regs);
        event.0.result = call.return_value();
        if call.was_aborted() {
            event.0.flags = bindings::UTRACE_CHANNEL_ABORTED;
        }
        if let Outcome::Decided(d) = self.exchange(task, event) {
            if let Some(args) = d.args {
                call.set_args(&args);
            }
            if let Some(result) = d.result {
                call.set_return_value(result);
            }
        }
        Resume::Resume
    }
}
