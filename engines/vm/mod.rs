// SPDX-License-Identifier: GPL-2.0

//! The partial virtual-machine engine, in the spirit of umview and
//! fakeroot-ng: a process sees a slightly different system.
//!
//! Driven by [`rules::Rules`]:
//! - `return`: the call is skipped at entry; the program gets the value;
//! - `uname`: the call runs; its result is edited at exit in the program's
//!   buffer;
//! - `redirect`: a path argument is rewritten at entry: the new path is
//!   written below the program's stack red zone and the argument pointed
//!   at it; at exit the original pointer is put back, so the program (and
//!   any engine closer to it) finds its registers as it left them.
//!
//! Rules name calls and apply in each ABI by its own table: an ia32 call
//! (a 32-bit program's, or `int $0x80`) is matched in ia32's, by name; a
//! call of an ABI without a table (x32) is refused while there are rules.
//!
//! Every other call runs untouched, and the engine is not called at its
//! exit: it asks for exit reports one call at a time.
//!
//! In a following session, the engine attaches a VM engine with the same
//! rules to each child the task creates, before the child runs: the whole
//! process tree lives in the VM.

#[cfg(CONFIG_X86_64)]
mod ia32;
pub(crate) mod rules;

use super::session::{Session, Slot};
use crate::engine_core::{
    user, Attach, ChildAttach, Engine, Events, ExecReport, Follow, Resume, SyscallEntry,
    SyscallExit, Unfollowed, UntabledCall, SYSCALL_ARGS,
};
use crate::engines::strace::syscalls::Abi;
use kernel::prelude::*;
use kernel::sync::Arc;
use kernel::sync::Mutex;
use kernel::task::Task;
use rules::{rewrite_path, PATH_MAX};

/// The x86_64 ABI's red zone below the stack pointer, which the program
/// may use without moving it.
const RED_ZONE: u64 = 128;

/// What an entry left for the exit of the same call.
#[derive(Default)]
struct Pending {
    /// An argument rewritten at entry, to put back at exit.
    restore: Option<Restore>,
    /// The `uname` buffer to edit, and its layout.
    uname_buf: Option<(u64, rules::UtsLayout)>,
    /// The call was an exec that went through ([`Engine::report_exec`]):
    /// its exit's registers are the new program's. Not the exit's number
    /// and result: the kernel renumbers a successful exec (execve's, or
    /// the ia32 one's for a 32-bit program), and a tracer that skipped the
    /// exec can still make it return 0.
    exec_ran: bool,
}

/// What a `redirect` rule did to a call's path argument.
enum Redirected {
    /// Nothing: no rule applies to the path (or the call will fail on it
    /// anyway: it cannot be read, or is longer than `PATH_MAX`).
    No,
    /// The path was rewritten; the program's own pointer, to put back.
    Yes(u64),
    /// A rule applies but cannot be applied: the call is refused with
    /// this error rather than let through with the program's path.
    Refused(Error),
}

/// An argument the VM rewrote (a redirected path), to put back at the
/// call's exit.
#[derive(Clone, Copy)]
struct Restore {
    /// Which argument.
    which: usize,
    /// The program's own value.
    orig: u64,
}

/// One VM engine, attached to one task.
#[pin_data]
pub(crate) struct VmEngine {
    rules: Arc<rules::Rules>,
    /// Where to add the engines attached to children; `None`: children
    /// are not followed.
    follow: Option<Arc<Session>>,
    /// Only the traced task touches it, between the entry and the exit of
    /// one call.
    #[pin]
    pending: Mutex<Pending>,
}

impl VmEngine {
    /// The events a VM engine asks for: entries (it asks for the exits it
    /// needs one call at a time), and execs, to know that an exec's exit
    /// has the new program's registers.
    pub(crate) const EVENTS: Events = Events::SYSCALL_ENTRY.union(Events::EXEC);

    /// The attach of `engine`: its events, following the task's children
    /// if it has a session to add their engines to.
    pub(crate) fn attach_request(engine: Arc<Self>) -> Attach<'static, Self> {
        let follows = engine.follow.is_some();
        Attach::new(engine).events(Self::EVENTS).follow_if(follows)
    }

    /// An engine applying `rules`, following children into `follow` if
    /// given.
    pub(crate) fn new(
        rules: Arc<rules::Rules>,
        follow: Option<Arc<Session>>,
    ) -> impl PinInit<Self, Error> {
        try_pin_init!(VmEngine {
            rules,
            follow,
            pending <- kernel::new_mutex!(Pending::default(), "utrace_vm::pending"),
        }? Error)
    }

    /// Rewrites the path argument `which` of a call of `abi`, if a
    /// redirect applies.
    fn redirect(&self, call: &mut SyscallEntry<'_>, abi: Abi, which: usize) -> Redirected {
        let args = call.args();
        let Some(&orig) = args.get(which) else {
            return Redirected::No;
        };
        // One byte more than the longest path: a path that fills it is
        // longer than the kernel takes (ENAMETOOLONG whatever the rules).
        let Ok(mut path) = KVec::from_elem(0u8, PATH_MAX + 1, GFP_KERNEL) else {
            return Redirected::Refused(ENOMEM);
        };
        let len = match user::read_cstr(orig, &mut path) {
            Ok((len, false)) => len,
            _ => return Redirected::No,
        };
        let mut new = KVec::new();
        match rewrite_path(&path[..len], &self.rules.redirects, &mut new) {
            Ok(true) => {}
            Ok(false) => return Redirected::No,
            Err(e) => return Redirected::Refused(e),
        }
        // Below the red zone, 16-byte aligned. A stack pointer with no
        // writable room below it (a program may point it anywhere before
        // the call) refuses the call as a fault would.
        let room = (new.len() as u64 + 15) & !15;
        let Some(addr) = call.stack_pointer().checked_sub(RED_ZONE + room) else {
            return Redirected::Refused(EFAULT);
        };
        // An ia32 call's pointers are 32 bits: a 64-bit program's stack
        // (its `int $0x80`) is out of their reach. No overflow: the sum is
        // below the stack pointer.
        if abi != Abi::Native && addr + room > 1 << 32 {
            return Redirected::Refused(rules::errno(kernel::bindings::ENOSYS));
        }
        if user::write(addr, &new).is_err() {
            return Redirected::Refused(EFAULT);
        }
        let mut args = args;
        args[which] = addr;
        call.set_args(&args);
        Redirected::Yes(orig)
    }

    /// Edits the answer of a uname in `buf`, laid out as `layout`; a value
    /// longer than the layout's fields hold is cut, as the kernel cuts the
    /// node name for the oldest layout.
    fn edit_uname(&self, buf: u64, layout: rules::UtsLayout) {
        for (offset, value) in [
            (layout.nodename, &self.rules.nodename),
            (layout.release, &self.rules.release),
        ] {
            if let Some(v) = value {
                let len = v.len.min(layout.field - 1);
                let mut field = [0u8; rules::UTS_LEN + 1];
                field[..len].copy_from_slice(&v.bytes[..len]);
                // A fault leaves the program's buffer as the kernel wrote it.
                let _ = user::write(buf.wrapping_add(offset), &field[..len + 1]);
            }
        }
    }
}

impl Follow for VmEngine {
    const NAME: &'static CStr = c"vm";

    /// Gives the child a VM engine with the same rules: a slot of the
    /// session first, so that a full session attaches nothing. A child
    /// that cannot be given one would run outside the VM: it is killed
    /// before it runs instead ([`Follow::not_followed`]), so that no
    /// program escapes its VM by forking.
    fn follow(&self, _child: &Task, attach: ChildAttach<'_, Self>) -> Result {
        // Attached to follow only with a session.
        let session = self.follow.as_ref().ok_or(EINVAL)?;
        let room = session.reserve()?;
        let engine = Arc::pin_init(
            VmEngine::new(self.rules.clone(), Some(session.clone())),
            GFP_KERNEL_ACCOUNT,
        )?;
        room.add(Slot::Vm(attach.attach(engine)?))?;
        Ok(())
    }

    /// The child is killed, except when the VM's file was closed (the
    /// session's `ESRCH`): the parent is out of the VM then too, and the
    /// child, which would have been let go with it, runs.
    fn not_followed(&self, _child: &Task, e: Error) -> Unfollowed {
        match &self.follow {
            Some(session) if e == ESRCH && session.is_closed() => Unfollowed::Runs,
            _ => Unfollowed::Killed,
        }
    }
}

impl Engine for VmEngine {
    fn report_syscall_entry(&self, _task: &Task, call: &mut SyscallEntry<'_>) -> Resume {
        let Some(abi) = Abi::of(call.is_native(), call.arch()) else {
            // An ABI without a table (AArch32, x32): the rules cannot be
            // matched against its calls, which are refused, as a seccomp
            // filter that checks the arch refuses them, never misread; but
            // those that end the task or return from a handler run.
            let untabled = UntabledCall::of(call.arch(), call.nr());
            if let Some(value) = self.rules.answer_for_other_abi(untabled) {
                call.abort(value);
            }
            return Resume::Resume;
        };
        let nr = call.nr();
        let args = call.args();
        if let Some(value) = self.rules.return_for(abi, nr, args[0]) {
            call.abort(value);
            return Resume::Resume;
        }
        if let Some(layout) = self.rules.uname_layout(abi, nr) {
            self.pending.lock().uname_buf = Some((args[0], layout));
            call.report_exit();
            return Resume::Resume;
        }
        if let Some(which) = rules::path_arg(abi, nr) {
            if !self.rules.redirects.is_empty() {
                match self.redirect(call, abi, which) {
                    Redirected::No => {}
                    Redirected::Yes(orig) => {
                        let mut pending = self.pending.lock();
                        pending.restore = Some(Restore { which, orig });
                        pending.exec_ran = false;
                        drop(pending);
                        call.report_exit();
                    }
                    Redirected::Refused(e) => call.abort(e.to_errno().into()),
                }
            }
        }
        Resume::Resume
    }

    fn report_exec(&self, _task: &Task, _exec: &ExecReport<'_>) -> Resume {
        self.pending.lock().exec_ran = true;
        Resume::Resume
    }

    fn detached(&self) {
        // Its slot can be given back.
        if let Some(session) = &self.follow {
            session.note_detached();
        }
    }

    fn report_syscall_exit(&self, _task: &Task, call: &mut SyscallExit<'_>) -> Resume {
        let pending = core::mem::take(&mut *self.pending.lock());
        if let Some(Restore { which, orig }) = pending.restore {
            // After an exec that went through the registers are the new
            // program's (maybe a 32-bit one's, whose ebx is the first
            // argument): there is nothing of the old one to put back.
            if !pending.exec_ran {
                let mut args: [u64; SYSCALL_ARGS] = call.args();
                if let Some(a) = args.get_mut(which) {
                    *a = orig;
                    call.set_args(&args);
                }
            }
        }
        if let Some((buf, layout)) = pending.uname_buf {
            if call.return_value() == 0 {
                self.edit_uname(buf, layout);
            }
        }
        Resume::Resume
    }
}
