// SPDX-License-Identifier: GPL-2.0

//! The strace engine: one line per syscall, as strace(1) writes it.
//!
//! The traced task does not format: at a call's entry and exit it keeps a
//! [`record`] (the registers, and the memory the line will show, read in
//! the task's own context: user strings of at most `string_max` bytes,
//! `"..."...` beyond), and at exit it hands the record to the file's
//! [`trace_buf`]. The reader turns it into `name(arg, ...) = result`, with
//! the errno name and message on error ([`render`]). A call that does not
//! return (`exit_group`) is recorded at entry and shows ` = ?`, and if an
//! engine or a tracer refused it, its result follows at exit as strace ends
//! an unfinished call: `<... exit_group resumed>) = -1 ENOSYS (...)`. An exit
//! whose entry the engine did not see (it was attached in between) is not
//! recorded. Output arguments are read at exit, as strace shows them:
//! `uname`'s structure, the data `read` and `pread64` got (`read(3,
//! "hello\n", 255) = 6`), the `struct stat` of the stat calls
//! (`{st_mode=S_IFREG|0644, st_size=6, ...}`): which is where the order of
//! engines shows.
//!
//! Signals the task dequeues show as `--- SIGUSR1 {si_signo=SIGUSR1,
//! si_code=SI_TKILL} ---`, and its end as `+++ exited with 0 +++` or
//! `+++ killed by SIGTERM +++`, as strace writes them; the engine never
//! changes what the task does with a signal, and only observes them
//! ([`STRACE_EVENTS`]): a signal the kernel drops or turns into a group
//! kill when it is sent, as for an untraced task, has no `---` line.
//!
//! In a following session, the engine attaches a new strace engine to
//! each child the task creates, before the child runs (a child it cannot
//! attach to runs untraced, and the trace says so where it happened:
//! `<utrace: pid 42 not traced: out of memory>`); the child's lines
//! start with `[pid N]` (the pid right-aligned in five columns), as with
//! `strace -f`.
//!
//! Lines are laid out as strace lays them out: ` = ` at column 40 when
//! the call is shorter. An engine attached to start at the next exec
//! (`UTRACE_FROM_EXEC`) shows nothing of its task until an `execve` or
//! `execveat` call, which is its first line: so a tool that attaches to
//! its own child before that child execs the program shows the program,
//! as strace does, and not the tool's set-up.

pub(crate) mod cpu_ring;
pub(crate) mod decode;
#[cfg(CONFIG_UTRACE_KUNIT_TEST)]
mod fake_memory;
pub(crate) mod line;
pub(crate) mod record;
pub(crate) mod render;
pub(crate) mod socket;
pub(crate) mod syscalls;
pub(crate) mod trace_buf;

use super::session::{Session, Slot};
use crate::engine_core::{
    fatal_signal_pending, pid_vnr, Arg, Attach, BreakpointReport, ChildAttach, Engine, Events,
    ExecReport, ExitReport, Follow, ProbeKind, ProbeSite, Resume, SignalReport, SyscallEntry,
    SyscallExit, Unfollowed, UntabledCall,
};
use decode::RetKind;
use kernel::prelude::*;
use kernel::sync::atomic::{AtomicFlag, Relaxed};
use kernel::sync::{Arc, Mutex};
use kernel::task::Task;
use line::NullLine;
use record::{CallEnd, CallEntry, Capture, Captures, Live, ProbeHit, Record};
use render::{AtExit, Render};
use syscalls::nr;
use trace_buf::Writer;

/// Default cap on shown string bytes (strace's `-s 32`).
pub(crate) const DEFAULT_STRING_MAX: usize = 32;
/// Largest accepted `string_max`.
pub(crate) use render::STRING_MAX_LIMIT;

/// The events an strace engine asks for. It observes signals: the kernel
/// keeps its short cuts, so a task the engine traces dies of SIGTERM in a
/// killable sleep as an untraced one does (no `---` line is written for a
/// signal the task does not dequeue: one it ignores, or a fatal one that
/// killed the group at once; the `+++ killed by` line is).
pub(crate) const STRACE_EVENTS: Events = Events::SYSCALL
    .union(Events::EXEC)
    .union(Events::SIGNAL_ALL)
    .union(Events::SIGNAL_OBSERVE)
    .union(Events::EXIT)
    .union(Events::BREAKPOINT);

/// The most breakpoints one engine names (engine-core's cap on its
/// subscriptions).
const MAX_PROBE_NAMES: usize = crate::engine_core::policy::MAX_PROBES;

/// The name a breakpoint's lines show (`UTRACE_PROBE`'s label).
struct ProbeName {
    site: ProbeSite,
    len: usize,
    bytes: [u8; PROBE_NAME_MAX],
}

/// The longest breakpoint name.
pub(crate) const PROBE_NAME_MAX: usize = 63;

/// Why a followed child gets no engine.
enum NotTraced {
    /// The session holds its most engines (the limit given).
    SessionFull(usize),
    /// The attach failed.
    Error(Error),
}

/// The entry half of a call's record, waiting for its exit. Only the
/// traced task touches it. One per engine: it stays within a 2 KiB
/// allocation.
struct Pending {
    /// The call begun; `None` when nothing waits.
    entry: Option<CallEntry>,
    /// What is left to decode at exit.
    at_exit: Option<AtExit>,
    /// The call begun does not return when it works (`exit_group`): its
    /// line was written at entry, ending with ` = ?`; if it returns all the
    /// same (an engine or a tracer refused it), its result follows.
    no_return: bool,
    /// The memory its line shows, read so far.
    captures: Captures,
}

/// One strace engine, attached to one task.
#[pin_data]
pub(crate) struct StraceEngine {
    /// The file's trace pipe, this engine's end of it.
    out: Writer,
    string_max: usize,
    /// Where to add the engines attached to children; `None`: children
    /// are not followed.
    follow: Option<Arc<Session>>,
    /// The traced task's pid, for a child's lines.
    pid_prefix: Option<i32>,
    /// Nothing is shown until the task's next exec call. Only the traced
    /// task reads and writes it (every callback runs in that task), so
    /// no ordering is needed: an atomic because the engine is shared.
    before_exec: AtomicFlag,
    /// Only the traced task touches it.
    #[pin]
    pending: Mutex<KBox<Pending>>,
    /// The names of the breakpoints the engine shows.
    #[pin]
    probe_names: Mutex<KVec<ProbeName>>,
}

const _: () = assert!(core::mem::size_of::<Pending>() <= 2048);

impl StraceEngine {
    /// An engine writing to `out`, showing at most `string_max` bytes of a
    /// string, following children into `follow` if given, starting its
    /// lines with `[pid N]` if `pid_prefix` is given, and showing nothing
    /// before the task's next exec call if `from_exec`.
    pub(crate) fn new(
        out: Writer,
        string_max: usize,
        follow: Option<Arc<Session>>,
        pid_prefix: Option<i32>,
        from_exec: bool,
    ) -> Result<impl PinInit<Self, Error>> {
        // In place: the capture area is 2 KiB, and this runs in a clone
        // report too.
        let pending = KBox::init(
            init!(Pending {
                entry: None,
                at_exit: None,
                no_return: false,
                captures <- Captures::empty(),
            }),
            GFP_KERNEL_ACCOUNT,
        )?;
        Ok(try_pin_init!(StraceEngine {
            out,
            string_max,
            follow,
            pid_prefix,
            before_exec: AtomicFlag::new(from_exec),
            pending <- kernel::new_mutex!(pending, "utrace_strace::pending"),
            probe_names <- kernel::new_mutex!(KVec::new(), "utrace_strace::probe_names"),
        }? Error))
    }

    /// The attach of `engine`: its events, following the task's children
    /// if it has a session to add their engines to.
    pub(crate) fn attach_request(engine: Arc<Self>) -> Attach<'static, Self> {
        let follows = engine.follow.is_some();
        Attach::new(engine).events(STRACE_EVENTS).follow_if(follows)
    }

    /// Names the breakpoint at `site` `name` in the engine's lines (at
    /// most [`PROBE_NAME_MAX`] bytes): before it subscribes, so that no
    /// hit goes unnamed. `EINVAL` for a longer name, `ENOSPC` past the
    /// most probes an engine may have.
    pub(crate) fn name_probe(&self, site: ProbeSite, name: &[u8]) -> Result {
        let mut bytes = [0; PROBE_NAME_MAX];
        bytes
            .get_mut(..name.len())
            .ok_or(EINVAL)?
            .copy_from_slice(name);
        let new = ProbeName {
            site,
            len: name.len(),
            bytes,
        };
        let mut names = self.probe_names.lock();
        if let Some(old) = names.iter_mut().find(|n| n.site == site) {
            *old = new;
            return Ok(());
        }
        if names.len() >= MAX_PROBE_NAMES {
            return Err(ENOSPC);
        }
        names.push(new, GFP_KERNEL_ACCOUNT)?;
        Ok(())
    }

    /// Says in the trace that the child `pid` runs untraced, and why:
    /// `<utrace: pid 42 not traced: out of memory>`.
    fn not_traced(&self, pid: i32, why: NotTraced) {
        let why = match why {
            NotTraced::SessionFull(max) => Ok(max),
            NotTraced::Error(e) => Err(-e.to_errno()),
        };
        self.out.push(&Record::NotTraced { pid, why });
    }

    /// The decoder, as the traced task runs it: formatting nothing, reading
    /// its memory into `p`'s captures.
    fn capture<R>(
        &self,
        p: &mut Pending,
        f: impl FnOnce(&mut Render<'_, Capture<'_, Live>, NullLine>) -> R,
    ) -> R {
        let mut mem = Capture {
            from: Live,
            into: &mut p.captures,
        };
        f(&mut Render {
            line: &mut NullLine,
            mem: &mut mem,
            string_max: self.string_max,
        })
    }
}

impl Follow for StraceEngine {
    const NAME: &'static CStr = c"strace";

    /// Gives the child a new engine writing to another end of the same
    /// pipe, its lines starting with `[pid N]`: a slot of the session
    /// first, so that a full session attaches nothing.
    fn follow(&self, child: &Task, attach: ChildAttach<'_, Self>) -> Result {
        // Attached to follow only with a session.
        let session = self.follow.as_ref().ok_or(EINVAL)?;
        let room = session.reserve()?;
        let init = StraceEngine::new(
            self.out.another()?,
            self.string_max,
            Some(session.clone()),
            Some(pid_vnr(child)),
            false,
        )?;
        let handle = attach.attach(Arc::pin_init(init, GFP_KERNEL_ACCOUNT)?)?;
        room.add(Slot::Strace(handle))?;
        Ok(())
    }

    /// The child runs untraced, and the trace says so.
    fn not_followed(&self, child: &Task, e: Error) -> Unfollowed {
        let why = match &self.follow {
            Some(session) if e == ENOSPC => NotTraced::SessionFull(session.max()),
            _ => NotTraced::Error(e),
        };
        self.not_traced(pid_vnr(child), why);
        Unfollowed::Runs
    }
}

impl Engine for StraceEngine {
    fn report_syscall_entry(&self, _task: &Task, call: &mut SyscallEntry<'_>) -> Resume {
        let nr = call.nr();
        // One call into C, for the three uses below.
        let native = call.is_native();
        if self.before_exec.load(Relaxed) {
            // Another ABI's numbers are not the native execve's (the arch
            // is asked for only then: a call into C).
            let arch = if native { 0 } else { call.arch() };
            if !syscalls::is_exec(native, arch, nr) {
                return Resume::Resume;
            }
            self.before_exec.store(false, Relaxed);
        }
        let entry = CallEntry {
            pid: self.pid_prefix,
            native,
            arch: if native { 0 } else { call.arch() },
            nr,
            args: call.args(),
            // ia32's 15 is chmod.
            sp: if native && nr == nr::RT_SIGRETURN {
                call.stack_pointer()
            } else {
                0
            },
            // At most STRING_MAX_LIMIT (the control file's check): fits.
            string_max: self.string_max.min(STRING_MAX_LIMIT) as u16,
        };
        let mut guard = self.pending.lock();
        let p = &mut **guard;
        p.captures.clear();
        p.at_exit = self.capture(p, |r| r.call_entry(&entry));
        p.captures.start_exit();
        p.no_return = if native {
            decode::ret_kind(nr) == RetKind::NoReturn
        } else if let Some(abi) = syscalls::ForeignAbi::of(entry.arch) {
            abi.no_return(nr)
        } else {
            // An ABI without a table (AArch32): its exits are known by
            // number all the same.
            UntabledCall::of(entry.arch, nr) == UntabledCall::Exit
        };
        if p.no_return {
            // Written now: once the call goes through, the task's other
            // threads are killed and may write their lines before this
            // task reaches any later report of its own.
            self.out.push(&Record::Call {
                entry,
                end: CallEnd::NoReturn,
                captures: p.captures.parts(),
            });
        }
        p.entry = Some(entry);
        Resume::Resume
    }

    fn detached(&self) {
        // No callback of this engine starts from now on, and one still
        // finishing writes nothing more: the pipe's readers may see its
        // end once every engine of the file is detached. (Not at
        // retirement, which a detach whose barrier is cut short never
        // reaches before the task's death.)
        self.out.close();
        // Its slot can be given back.
        if let Some(session) = &self.follow {
            session.note_detached();
        }
    }

    fn report_exec(&self, _task: &Task, _exec: &ExecReport<'_>) -> Resume {
        // Attached while the exec was under way, after its syscall entry:
        // the program is shown from here on.
        self.before_exec.store(false, Relaxed);
        Resume::Resume
    }

    fn report_signal(&self, _task: &Task, signal: &mut SignalReport<'_>) -> Resume {
        if self.before_exec.load(Relaxed) {
            return Resume::Resume;
        }
        self.out.push(&Record::Signal {
            pid: self.pid_prefix,
            signo: signal.signo(),
            code: signal.code(),
            fields: signal.info_fields(),
        });
        Resume::Resume
    }

    fn report_breakpoint(&self, _task: &Task, hit: &mut BreakpointReport<'_>) -> Resume {
        if self.before_exec.load(Relaxed) {
            return Resume::Resume;
        }
        let names = self.probe_names.lock();
        let Some(name) = names.iter().find(|n| n.site == hit.site()) else {
            return Resume::Resume;
        };
        // A 32-bit task's arguments are not in registers: shown as 0.
        let what = match hit.kind() {
            ProbeKind::Entry => ProbeHit::Entry(
                [Arg::A0, Arg::A1, Arg::A2, Arg::A3].map(|a| hit.arg(a).unwrap_or(0)),
            ),
            ProbeKind::Return => ProbeHit::Return(hit.return_value().unwrap_or(0)),
        };
        self.out.push(&Record::Probe {
            pid: self.pid_prefix,
            hit: what,
            name: &name.bytes[..name.len],
        });
        Resume::Resume
    }

    fn report_exit(&self, _task: &Task, exit: &mut ExitReport) -> Resume {
        if self.before_exec.load(Relaxed) {
            return Resume::Resume;
        }
        self.out.push(&Record::Exit {
            pid: self.pid_prefix,
            code: exit.code(),
        });
        Resume::Resume
    }

    fn report_syscall_exit(&self, task: &Task, call: &mut SyscallExit<'_>) -> Resume {
        let nr = call.nr();
        let ret = call.return_value();
        let mut guard = self.pending.lock();
        let p = &mut **guard;
        let Some(entry) = p.entry.take() else {
            return Resume::Resume;
        };
        if p.no_return {
            // Written at entry. It came back: refused by an engine or a
            // tracer, whose result follows; or ended by a fatal signal in a
            // stop at its entry, as strace's ` = ?` already says.
            if !fatal_signal_pending(task) {
                self.out.push(&Record::Call {
                    entry,
                    end: CallEnd::Resumed { ret },
                    captures: (&[], &[]),
                });
            }
            return Resume::Resume;
        }
        let ours = entry.nr;
        // A successful exec's exit comes with the number of the new
        // program's execve (`set_personality_64bit()`, or the ia32 one's
        // for a 32-bit program), whichever exec call it was, in whichever
        // ABI.
        let exec_done = syscalls::is_exec(entry.native, entry.arch, ours) && ret == 0;
        // A number of -1 at exit: a signal frame's registers replaced a
        // sigreturn's (native or compat), or a tracer skipped the call by
        // setting its number to -1. Either way the call is the one begun.
        if ours != nr && !exec_done && nr != -1 {
            return Resume::Resume;
        }
        let at_exit = p.at_exit.take();
        self.capture(p, |r| r.call_exit(at_exit, ret));
        let native = call.is_native();
        let decode_as = syscalls::decode_as(native, if native { 0 } else { call.arch() }, nr);
        self.out.push(&Record::Call {
            entry,
            end: CallEnd::Returned { ret, decode_as },
            captures: p.captures.parts(),
        });
        Resume::Resume
    }
}
