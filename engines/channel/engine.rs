// SPDX-License-Identifier: GPL-2.0

//! The channel engine: at each event it asked for (syscall entries and
//! exits, clones, execs, the task's exit), the traced task hands the event
//! to the channel and sleeps in the callback until the monitor answers, so
//! that the decision is made at the engine's place in the order. With
//! `UTRACE_CHANNEL_FOLLOW`, each child gets an engine of the channel in
//! the clone report, before it runs.

use super::reply::{Decision, Kind};
use super::state::{self, AddFd, Channel, Event, OnClose};
use crate::engine_core::{cgroup_freezing, fatal_signal_pending, Disposition};
use crate::engine_core::{
    Attach, CallbackWait, ChildAttach, CloneReport, Engine, Events, ExecReport, ExitReport, Follow,
    Resume, SyscallEntry, SyscallExit, SyscallSet, Unfollowed, SYSCALL_ARGS,
};
use kernel::bindings;
use kernel::prelude::*;
use kernel::sync::aref::ARef;
use kernel::sync::atomic::{Atomic, Relaxed};
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
    /// The waiting task, for its memory and its pids (a reference, taken
    /// when it starts waiting: the monitor may still hold it after
    /// SIGKILL ended the wait).
    pub(crate) task: Option<ARef<Task>>,
    /// A clone event's child, for its tid in the reader's namespace.
    pub(crate) child: Option<ARef<Task>>,
    /// A monitor's `UTRACE_CHANNEL_ADDFD` for the task to serve (one at a
    /// time; see [`AddFd`]'s invariants).
    pub(crate) addfd: Option<Arc<AddFd>>,
    /// The SEND whose file the task is installing: the event's answer will
    /// be the descriptor, a reply meanwhile is refused.
    pub(crate) sending: Option<Arc<AddFd>>,
}

/// One channel engine, attached to one task.
#[pin_data]
pub(crate) struct ChannelEngine {
    channel: Arc<Channel>,
    /// Its slot in the channel.
    index: usize,
    /// Its number, as the attach returned it.
    number: u32,
    /// What its task does when let go without an answer.
    on_close: OnClose,
    /// The attach's `events` bits and what they ask of engine-core; a
    /// followed child's engine gets the same.
    bits: u32,
    events: Events,
    /// `UTRACE_CHANNEL_FOLLOW`.
    follow: bool,
    /// The number of the engine [`Follow::follow`] just gave the child
    /// being cloned, for the clone event; `u64::MAX` for none. Only the
    /// traced task touches it (the follow and the clone report run in it,
    /// one after the other): an atomic because the engine is shared.
    child_number: Atomic<u64>,
    /// The calls it is told of (`None`: all); a followed child's engine
    /// shares it.
    syscalls: Option<Arc<SyscallSet>>,
    /// The exchange (see the channel's locks: a spinlock, because the
    /// task's wait condition reads it).
    #[pin]
    pub(crate) waiting: SpinLock<Waiting>,
    /// The task sleeps here until the state leaves Queued / Delivered.
    #[pin]
    pub(crate) wake: CallbackWait,
}

/// The attach's `events` and `flags`, checked: what engine-core is asked
/// for. `EINVAL` for no event, an unknown event or flag.
pub(crate) fn events_of(bits: u32, flags: u32) -> Result<Events> {
    const MAP: [(u32, Events); 5] = [
        (bindings::UTRACE_CHANNEL_ENTRY, Events::SYSCALL_ENTRY),
        (bindings::UTRACE_CHANNEL_EXIT, Events::SYSCALL_EXIT),
        (bindings::UTRACE_CHANNEL_EVENT_CLONE, Events::CLONE),
        (bindings::UTRACE_CHANNEL_EVENT_EXEC, Events::EXEC),
        (bindings::UTRACE_CHANNEL_EVENT_TASK_EXIT, Events::EXIT),
    ];
    let known = MAP.iter().fold(0, |all, (bit, _)| all | bit);
    if bits == 0 || bits & !known != 0 || flags & !bindings::UTRACE_CHANNEL_FOLLOW != 0 {
        return Err(EINVAL);
    }
    Ok(MAP
        .iter()
        .filter(|(bit, _)| bits & bit != 0)
        .fold(Events::NONE, |all, (_, e)| all | *e))
}

/// How a wait ended.
enum Outcome {
    /// The monitor answered.
    Decided(Decision),
    /// Let go without an answer (a detach, the close): the close outcome.
    LetGo,
    /// Never queued (the channel closed, or the engine was detached from
    /// it, before the event): as without the engine.
    NotQueued,
    /// The task is being killed (SIGKILL ended the wait, or came before
    /// the answer was taken): the answer does not count.
    Killed,
}

impl ChannelEngine {
    /// An engine of `channel` in slot `index` at generation `gen`.
    ///
    /// `bits` and `flags` are the attach's, checked by [`events_of`].
    pub(crate) fn new(
        channel: Arc<Channel>,
        (index, gen, on_close): (usize, u32, OnClose),
        bits: u32,
        flags: u32,
        syscalls: Option<Arc<SyscallSet>>,
    ) -> Result<impl PinInit<Self, Error>> {
        let events = events_of(bits, flags)?;
        let number = state::number(index, gen);
        Ok(try_pin_init!(ChannelEngine {
            channel,
            index,
            number,
            on_close,
            bits,
            events,
            follow: flags & bindings::UTRACE_CHANNEL_FOLLOW != 0,
            child_number: Atomic::new(u64::MAX),
            syscalls,
            waiting <- kernel::new_spinlock!(
                Waiting {
                    state: Exchange::Idle,
                    event: Event::default(),
                    task: None,
                    child: None,
                    addfd: None,
                    sending: None,
                },
                "utrace_channel::waiting"
            ),
            wake <- CallbackWait::new(),
        }? Error))
    }

    /// Its number, as the attach returns it.
    pub(crate) fn number(&self) -> u32 {
        self.number
    }

    /// What `engine` asks engine-core for, to be attached: its events and
    /// its syscall set.
    pub(crate) fn attach_request(engine: Arc<ChannelEngine>) -> Attach<'static, ChannelEngine> {
        let (events, syscalls, follow) = (engine.events, engine.syscalls.clone(), engine.follow);
        let attach = Attach::new(engine).events(events).follow_if(follow);
        match syscalls {
            Some(set) => attach.syscalls(set),
            None => attach,
        }
    }

    /// Hands `event` (of a clone: its `child`) to the monitor and waits
    /// for its answer.
    fn exchange(&self, task: &Task, child: Option<ARef<Task>>, event: Event) -> Outcome {
        // A task being killed (its exit report, say) would only show the
        // monitor an event it cannot answer.
        if fatal_signal_pending(task) {
            return Outcome::Killed;
        }
        // Race tests: a delay armed by UTRACE_TEST_QUEUE_DELAY holds the
        // task here, before it queues (a detach and attaches meanwhile).
        #[cfg(CONFIG_UTRACE_TEST_DEVICE)]
        crate::engines::test_device::QUEUE_DELAY_HOOK.pass();
        match self.channel.queue(self, self.index, task, child, event) {
            Ok(true) => {}
            Ok(false) => return Outcome::NotQueued,
            // Not reached (see `queue`); the call must not run unapproved.
            Err(_) => return Outcome::Killed,
        }
        let answered = loop {
            let woken = self.wake.wait(|| {
                let w = self.waiting.lock();
                (w.addfd.is_some() && !cgroup_freezing())
                    || !matches!(w.state, Exchange::Queued | Exchange::Delivered)
            });
            // Race tests: a delay armed by UTRACE_TEST_ADDFD_DELAY holds
            // the woken task here, before it looks for a request.
            #[cfg(CONFIG_UTRACE_TEST_DEVICE)]
            crate::engines::test_device::ADDFD_DELAY_HOOK.pass();
            if !woken || fatal_signal_pending(task) {
                break false;
            }
            let w = self.waiting.lock();
            let (finished, request) = (
                !matches!(w.state, Exchange::Queued | Exchange::Delivered),
                w.addfd.is_some(),
            );
            drop(w);
            // A request that came with the answer or the release is
            // refused by `end_wait` (the event is not there to serve it).
            if finished {
                break true;
            }
            // A monitor's request to install a file is served here, in the
            // task's own context. The wait ends only with the event's
            // answer or release, never because a request was served or
            // found gone (review: a request withdrawn between the wakeup
            // and this look made the task leave its wait unanswered and
            // run the call). One that comes after the look above wakes
            // the task again: it is in the wait's condition.
            if request {
                self.channel.serve_addfd(self, task);
            }
        };
        let state = self.channel.end_wait(self);
        // An answer that came with or after SIGKILL does not count: a call
        // the task waited at when it was killed must not run (review: a
        // monitor that killed the task and answered at once ran the call).
        if !answered || fatal_signal_pending(task) {
            // A SEND's descriptor stays in the files of a task killed after
            // it answered: closing it by its number could close another
            // thread's file (a sharer of the table may outlive the task).
            return Outcome::Killed;
        }
        match state {
            Exchange::Answered(d) => Outcome::Decided(d),
            Exchange::Released => Outcome::LetGo,
            // Not reached: the loop ends only on an answer, a release or
            // SIGKILL. Were it reached, the call must not run unapproved.
            _ => {
                kernel::warn_on!(true);
                Outcome::Killed
            }
        }
    }

    /// The event record of `kind`; for a syscall, the call as the engines
    /// before left it.
    fn event(
        &self,
        kind: Kind,
        nr: i64,
        args: [u64; SYSCALL_ARGS],
        arch: u32,
        (ip, sp): (u64, u64),
    ) -> Event {
        let mut e = Event::default();
        e.0.kind = kind.to_uapi();
        e.0.engine = self.number;
        e.0.arch = arch;
        e.0.nr = nr;
        e.0.args = args;
        e.0.instruction_pointer = ip;
        e.0.stack_pointer = sp;
        e
    }
}

impl Follow for ChannelEngine {
    const NAME: &'static CStr = c"channel";

    /// Gives the child an engine of the channel, with this one's events,
    /// flags and set; its number goes in the clone event that follows.
    fn follow(&self, _child: &Task, attach: ChildAttach<'_, Self>) -> Result {
        let flags = bindings::UTRACE_CHANNEL_FOLLOW;
        let number =
            self.channel
                .attach_engine(self.bits, flags, self.syscalls.clone(), |engine| {
                    attach.attach(engine)
                })?;
        self.child_number.store(u64::from(number), Relaxed);
        Ok(())
    }

    /// A closed channel (`EPIPE`): the monitor is gone, the parent goes on
    /// alone, and so does the child. Otherwise the child would escape the
    /// monitor: killed before it runs, as a child the VM cannot hold.
    fn not_followed(&self, _child: &Task, e: Error) -> Unfollowed {
        if e == EPIPE {
            Unfollowed::Runs
        } else {
            Unfollowed::Killed
        }
    }
}

impl Engine for ChannelEngine {
    fn report_syscall_entry(&self, task: &Task, call: &mut SyscallEntry<'_>) -> Resume {
        let regs = (call.instruction_pointer(), call.stack_pointer());
        let mut event = self.event(Kind::Entry, call.nr(), call.args(), call.arch(), regs);
        if matches!(call.disposition(), Disposition::Abort(_)) {
            event.0.flags |= bindings::UTRACE_CHANNEL_ABORTED;
        }
        if call.is_resumed() {
            event.0.flags |= bindings::UTRACE_CHANNEL_RESUMED;
        }
        match self.exchange(task, None, event) {
            Outcome::Decided(d) => {
                if let Some(nr) = d.nr {
                    call.set_nr(nr);
                }
                if let Some(args) = d.args {
                    call.set_args(&args);
                }
                match d.abort {
                    // A SEND's descriptor is the answer: no engine after
                    // this one may run the call, and lose it.
                    Some(fd) if d.sent => call.skip(fd),
                    Some(result) => call.abort(result),
                    None => {}
                }
                if d.want_exit {
                    call.report_exit();
                }
            }
            Outcome::LetGo if self.on_close == OnClose::Enosys => {
                call.abort(-i64::from(bindings::ENOSYS));
            }
            Outcome::LetGo | Outcome::NotQueued => {}
            // The task dies: the call it waited at must not run (as after
            // a fatal signal in a ptrace entry stop), whatever the engines
            // after this one answer.
            Outcome::Killed => call.skip(-i64::from(bindings::ENOSYS)),
        }
        Resume::Resume
    }

    fn report_syscall_exit(&self, task: &Task, call: &mut SyscallExit<'_>) -> Resume {
        let regs = (call.instruction_pointer(), call.stack_pointer());
        let mut event = self.event(Kind::Exit, call.nr(), call.args(), call.arch(), regs);
        event.0.result = call.return_value();
        if call.was_aborted() {
            event.0.flags = bindings::UTRACE_CHANNEL_ABORTED;
        }
        if let Outcome::Decided(d) = self.exchange(task, None, event) {
            if let Some(args) = d.args {
                call.set_args(&args);
            }
            if let Some(result) = d.result {
                call.set_return_value(result);
            }
        }
        Resume::Resume
    }

    fn report_clone(&self, task: &Task, clone: &CloneReport<'_>) -> Resume {
        // Taken, so that a clone whose child was not followed does not
        // show the number of an earlier child.
        let number = self.child_number.xchg(u64::MAX, Relaxed);
        if self.bits & bindings::UTRACE_CHANNEL_EVENT_CLONE != 0 {
            let args = [0, number, clone.flags(), 0, 0, 0];
            let event = self.event(Kind::Clone, 0, args, 0, (0, 0));
            // Only acknowledged: the child's tid is filled in when read.
            self.exchange(task, Some(ARef::from(clone.child())), event);
        }
        Resume::Resume
    }

    fn report_exec(&self, task: &Task, exec: &ExecReport<'_>) -> Resume {
        if self.bits & bindings::UTRACE_CHANNEL_EVENT_EXEC != 0 {
            let regs = (exec.instruction_pointer(), exec.stack_pointer());
            let event = self.event(Kind::Exec, 0, [0; SYSCALL_ARGS], 0, regs);
            self.exchange(task, None, event);
        }
        Resume::Resume
    }

    fn report_exit(&self, task: &Task, exit: &mut ExitReport) -> Resume {
        // Killed by SIGKILL: no exit event, as the kernel makes no ptrace
        // exit stop for a killed task. Its SIGKILL is dequeued by now and
        // a second one is dropped (the group is exiting): a wait here
        // could not be ended by a signal, only by the monitor (guest_fuzz
        // found a child that SIGKILL did not reap in 20 s).
        if exit.code() & 0x7f == i64::from(bindings::SIGKILL) {
            return Resume::Resume;
        }
        let mut event = self.event(Kind::TaskExit, 0, [0; SYSCALL_ARGS], 0, (0, 0));
        event.0.result = exit.code();
        if let Outcome::Decided(Decision {
            result: Some(code), ..
        }) = self.exchange(task, None, event)
        {
            exit.set_code(code);
        }
        Resume::Resume
    }
}
