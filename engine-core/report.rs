// SPDX-License-Identifier: GPL-2.0

//! What a callback sees and may change: safe views of each event.
//!
//! [`SyscallEntry`] and [`SyscallExit`] wrap the registers of the traced
//! task through the [`SyscallRegs`] trait: the kernel's pt_regs in the real
//! dispatcher, a plain struct in the KUnit suites. An abort result is not
//! written to the registers by the engine that chose it (on some
//! architectures the return register is also the first argument): the
//! dispatcher writes it once, after the last engine has decided.

use super::policy::{
    check_made_up_signal, is_step_trap, Disposition, SigHandler, SignalAction, SignalClass,
    StepReport,
};
use core::ffi::CStr;
use kernel::bindings;
use kernel::prelude::*;

/// Number of syscall arguments the generic entry code exposes.
pub const SYSCALL_ARGS: usize = 6;

/// What a call of an ABI utrace-rs has no syscall table for (AArch32's on
/// arm64) is, as far as an engine that cannot read its number and
/// arguments must know: whether it ends the task, or returns from a signal
/// handler, or is any other call.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum UntabledCall {
    /// `exit`, `exit_group`: when it works, nothing comes back.
    Exit,
    /// `sigreturn`, `rt_sigreturn`, `restart_syscall`: its result is the
    /// registers it restores.
    SignalReturn,
    /// Any other call.
    Other,
}

impl UntabledCall {
    /// Call `nr` of the ABI `arch` (an `AUDIT_ARCH_*` value), from the
    /// kernel's numbers for that ABI; [`UntabledCall::Other`] for an ABI
    /// the kernel has none of here.
    pub fn of(arch: u32, nr: i64) -> Self {
        let nr = kernel::ffi::c_long::try_from(nr).unwrap_or(-1);
        // SAFETY: a pure function of its two numbers.
        match unsafe { bindings::utrace_helper_untabled_call(arch, nr) } {
            bindings::utrace_untabled_call_UTRACE_UNTABLED_EXIT => Self::Exit,
            bindings::utrace_untabled_call_UTRACE_UNTABLED_SIGNAL_RETURN => Self::SignalReturn,
            _ => Self::Other,
        }
    }
}

/// One syscall argument, by position.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Arg {
    /// The first argument.
    A0 = 0,
    /// The second argument.
    A1 = 1,
    /// The third argument.
    A2 = 2,
    /// The fourth argument.
    A3 = 3,
    /// The fifth argument.
    A4 = 4,
    /// The sixth argument.
    A5 = 5,
}

/// Access to the syscall state of the traced task.
///
/// Implemented by the dispatcher over the task's user registers, and by
/// test doubles. Numbers and results are the architecture's: `-1` as a
/// syscall number means "no syscall".
pub trait SyscallRegs {
    /// The syscall number.
    fn nr(&self) -> i64;
    /// Replaces the syscall number.
    fn set_nr(&mut self, nr: i64);
    /// The six arguments.
    fn args(&self) -> [u64; SYSCALL_ARGS];
    /// Replaces the six arguments.
    fn set_args(&mut self, args: &[u64; SYSCALL_ARGS]);
    /// The return value (meaningful at exit).
    fn return_value(&self) -> i64;
    /// Sets the value the task will see returned (a negative errno is an
    /// error).
    fn set_return_value(&mut self, value: i64);
    /// The task's user stack pointer.
    fn stack_pointer(&self) -> u64;
    /// The address of the instruction after the syscall instruction.
    fn instruction_pointer(&self) -> u64;
    /// The syscall's ABI, as an `AUDIT_ARCH_*` value (what seccomp filters
    /// see as `seccomp_data.arch`).
    fn arch(&self) -> u32;
    /// Whether the syscall is of the kernel's native ABI: its number and
    /// arguments mean what the native syscall table says. A compat call
    /// (an ia32 `int $0x80` on x86_64) numbers its calls otherwise.
    fn is_native(&self) -> bool;
    /// The kernel's register frame behind these registers, for engines
    /// written in C; null for test doubles.
    fn raw_regs(&self) -> *mut bindings::pt_regs {
        core::ptr::null_mut()
    }
}

/// The traced task's ptrace syscall stops: one more reporter in the engine
/// order, at the place its attach time gives it.
///
/// Implemented by the dispatcher over the kernel's ptrace (which reads the
/// live registers itself and ignores `regs`), and by test doubles, which
/// act on `regs` as a tracer would.
pub(crate) trait PtraceStops {
    /// The tracer's syscall-entry stop, if it traces syscalls, then its
    /// seccomp RET_TRACE stop, if a filter traces the call as the tracer
    /// left it and the engines outside the tracer did not abort it
    /// (`aborted`: seccomp never sees a call that does not run). Returns
    /// `true` if the call must not run (PTRACE_SYSEMU, PTRACE_VM_SKIPCALL,
    /// a negative number set at the seccomp stop, or a fatal signal): its
    /// result is what the registers hold.
    fn entry_stop(&mut self, regs: &mut dyn SyscallRegs, aborted: bool) -> bool;
    /// Whether [`PtraceStops::entry_stop`] may stop: the tracer traces
    /// syscall entries, or seccomp's RET_TRACE verdicts of a task with
    /// filters.
    fn traces_entry(&self) -> bool;
    /// The tracer's syscall-exit (or single-step) stop, if it asked for one.
    fn exit_stop(&mut self, regs: &mut dyn SyscallRegs);
}

/// The traced task's ptrace stop at a task event (the kernel's
/// `ptrace_event()`): PTRACE_EVENT_EXEC or PTRACE_EVENT_EXIT. One more
/// reporter in the attach order of the event, at the place its attach
/// time gives it.
///
/// Implemented by the dispatcher over the kernel's `ptrace_event()` (a
/// no-op unless the tracer asked for the event), and by test doubles.
pub(crate) trait PtraceEvent {
    /// The tracer's stop. `exit_code` is, for the exit event, the code the
    /// engines inside the tracer left: the event's message.
    fn event_stop(&mut self, exit_code: Option<i64>);
}

/// A syscall about to run, as an entry callback sees it.
pub struct SyscallEntry<'a> {
    regs: &'a mut dyn SyscallRegs,
    disposition: Disposition,
    exit_wanted: bool,
    resumed: bool,
    /// The tracer skipped the call (PTRACE_SYSEMU, PTRACE_VM_SKIPCALL), or
    /// a fatal signal ended its entry stop: the call never runs, whatever
    /// the engines inside the tracer answer, in this round or a repeated
    /// one. A sandbox or a SYSEMU-based virtualizer relies on it.
    skipped: bool,
}

impl<'a> SyscallEntry<'a> {
    /// A view over `regs` with the syscall set to run.
    pub(crate) fn new(regs: &'a mut dyn SyscallRegs) -> Self {
        Self {
            regs,
            disposition: Disposition::Run,
            exit_wanted: false,
            resumed: false,
            skipped: false,
        }
    }

    /// The same call, reported again after a stop that an engine ended
    /// with a request for another report ([`EngineHandle::resume_and_report`]):
    /// the engines may read the registers again (someone may have changed
    /// them meanwhile) and decide again.
    ///
    /// [`EngineHandle::resume_and_report`]: super::EngineHandle::resume_and_report
    pub(crate) fn resume(&mut self) {
        if !self.skipped {
            self.disposition = Disposition::Run;
        }
        self.exit_wanted = false;
        self.resumed = true;
    }

    /// Whether this is a repeated report of the call, after a stop (utrace's
    /// `UTRACE_SYSCALL_RESUMED`).
    pub fn is_resumed(&self) -> bool {
        self.resumed
    }

    /// ptrace's turn at entry: the tracer's stop. A tracer that skips the
    /// call aborts it with the result it left; otherwise it keeps what the
    /// engines before it decided, as an engine that lets it stand does.
    ///
    /// A skip is final: [`SyscallEntry::run`] cannot undo it.
    pub(crate) fn ptrace_entry_stop(&mut self, ptrace: &mut dyn PtraceStops) {
        let aborted = matches!(self.disposition, Disposition::Abort(_));
        if ptrace.entry_stop(&mut *self.regs, aborted) {
            self.abort_with_register_result();
            self.skipped = true;
        }
    }

    /// Whether the tracer skipped the call (or a fatal signal ended its
    /// stop, or an engine skipped it with [`SyscallEntry::skip`]): it will
    /// not run, and [`SyscallEntry::run`] does nothing.
    pub fn skipped_by_tracer(&self) -> bool {
        self.skipped
    }

    /// Aborts the call with the result the registers hold (set there by a
    /// tracer, or by an engine written in C).
    pub(crate) fn abort_with_register_result(&mut self) {
        self.disposition = Disposition::Abort(self.regs.return_value());
    }

    /// Takes the calling engine's request for this call's exit report, if
    /// it made one (see [`SyscallEntry::report_exit`]).
    pub(crate) fn take_exit_request(&mut self) -> bool {
        core::mem::take(&mut self.exit_wanted)
    }

    /// The syscall number, as the engines before this one left it.
    pub fn nr(&self) -> i64 {
        self.regs.nr()
    }

    /// Changes the syscall that will run.
    pub fn set_nr(&mut self, nr: i64) {
        self.regs.set_nr(nr)
    }

    /// All six arguments. For an ia32 call, the low halves of its argument
    /// registers: what the call uses, not what a 64-bit caller of
    /// `int $0x80` left above them.
    pub fn args(&self) -> [u64; SYSCALL_ARGS] {
        self.regs.args()
    }

    /// One argument (see [`SyscallEntry::args`]).
    pub fn arg(&self, which: Arg) -> u64 {
        self.regs.args()[which as usize]
    }

    /// Changes one argument. For an ia32 call only its low half is written,
    /// as by [`SyscallEntry::set_args`].
    pub fn set_arg(&mut self, which: Arg, value: u64) {
        let mut args = self.regs.args();
        args[which as usize] = value;
        self.regs.set_args(&args);
    }

    /// Changes all six arguments. For an ia32 call the low half of each
    /// register is written and its upper half kept (a 64-bit caller of
    /// `int $0x80` keeps what it had there).
    pub fn set_args(&mut self, args: &[u64; SYSCALL_ARGS]) {
        self.regs.set_args(args)
    }

    /// The task's user stack pointer (to place data for a rewritten
    /// argument below it).
    pub fn stack_pointer(&self) -> u64 {
        self.regs.stack_pointer()
    }

    /// The address of the instruction after the syscall instruction.
    pub fn instruction_pointer(&self) -> u64 {
        self.regs.instruction_pointer()
    }

    /// The syscall's ABI, an `AUDIT_ARCH_*` value (see
    /// [`SyscallEntry::is_native`]).
    pub fn arch(&self) -> u32 {
        self.regs.arch()
    }

    /// Whether the call is of the kernel's native ABI. An engine that
    /// decodes numbers or arguments with the native table must not apply
    /// it to a call for which this is false: the same number is another
    /// call there (ia32's 24 is getuid, x86_64's 24 sched_yield).
    pub fn is_native(&self) -> bool {
        self.regs.is_native()
    }

    /// The kernel's register frame, for the C engine API (null in tests).
    pub(crate) fn raw_regs(&self) -> *mut bindings::pt_regs {
        self.regs.raw_regs()
    }

    /// The disposition the engines called before chose.
    pub fn disposition(&self) -> Disposition {
        self.disposition
    }

    /// Skips the syscall: the task gets `result` (a negative errno for an
    /// error), unless an engine called later lets the call run again.
    pub fn abort(&mut self, result: i64) {
        self.disposition = Disposition::Abort(result);
    }

    /// Aborts the call for good: the task gets `result` and no engine
    /// called later can let the call run ([`SyscallEntry::run`] does
    /// nothing, as after the tracer's skip). For an engine whose decision
    /// was cut short because the task is being killed (a
    /// [`CallbackWait`](super::CallbackWait) that SIGKILL ended): a call
    /// nobody approved must not run on the way out, whatever the engines
    /// after it answer.
    pub fn skip(&mut self, result: i64) {
        self.disposition = Disposition::Abort(result);
        self.skipped = true;
    }

    /// Lets the syscall run, overriding an abort by an earlier engine; but
    /// not a skip by the tracer ([`SyscallEntry::skipped_by_tracer`]) or by
    /// an engine ([`SyscallEntry::skip`]): an engine inside the tracer
    /// cannot run a call its tracer chose not to run.
    pub fn run(&mut self) {
        if !self.skipped {
            self.disposition = Disposition::Run;
        }
    }

    /// Asks for the exit report of this syscall, even without
    /// [`Events::SYSCALL_EXIT`](super::Events::SYSCALL_EXIT) in the mask: an
    /// engine that edits a few calls pays nothing at the exit of the others.
    pub fn report_exit(&mut self) {
        self.exit_wanted = true;
    }
}

/// A finished syscall, as an exit callback sees it.
pub struct SyscallExit<'a> {
    regs: &'a mut dyn SyscallRegs,
    aborted: bool,
}

impl<'a> SyscallExit<'a> {
    /// A view over `regs`; `aborted` tells whether the entry was aborted.
    pub(crate) fn new(regs: &'a mut dyn SyscallRegs, aborted: bool) -> Self {
        Self { regs, aborted }
    }

    /// The syscall number.
    pub fn nr(&self) -> i64 {
        self.regs.nr()
    }

    /// The syscall's ABI, an `AUDIT_ARCH_*` value (see
    /// [`SyscallEntry::is_native`]).
    pub fn arch(&self) -> u32 {
        self.regs.arch()
    }

    /// Whether the call is of the kernel's native ABI (see
    /// [`SyscallEntry::is_native`]).
    pub fn is_native(&self) -> bool {
        self.regs.is_native()
    }

    /// The address of the instruction after the syscall instruction.
    pub fn instruction_pointer(&self) -> u64 {
        self.regs.instruction_pointer()
    }

    /// The task's user stack pointer.
    pub fn stack_pointer(&self) -> u64 {
        self.regs.stack_pointer()
    }

    /// The six arguments (as the entry engines left them, unless an exit
    /// engine restored them).
    pub fn args(&self) -> [u64; SYSCALL_ARGS] {
        self.regs.args()
    }

    /// Changes the arguments the task will find in its registers (used to
    /// restore what an entry engine rewrote).
    pub fn set_args(&mut self, args: &[u64; SYSCALL_ARGS]) {
        self.regs.set_args(args)
    }

    /// The result, as the engines before this one left it.
    pub fn return_value(&self) -> i64 {
        self.regs.return_value()
    }

    /// Changes the result the task will get.
    pub fn set_return_value(&mut self, value: i64) {
        self.regs.set_return_value(value)
    }

    /// ptrace's turn at exit: the tracer's stop.
    pub(crate) fn ptrace_exit_stop(&mut self, ptrace: &mut dyn PtraceStops) {
        ptrace.exit_stop(&mut *self.regs)
    }

    /// The kernel's register frame, for the C engine API (null in tests).
    pub(crate) fn raw_regs(&self) -> *mut bindings::pt_regs {
        self.regs.raw_regs()
    }

    /// Whether an entry engine aborted the call (it did not run).
    pub fn was_aborted(&self) -> bool {
        self.aborted
    }
}

/// A successful execve, as an exec callback sees it.
///
/// # Invariants
///
/// `regs` is the current task's user register frame, where the new
/// program starts, for the life of the value.
pub struct ExecReport<'a> {
    path: &'a CStr,
    regs: *mut bindings::pt_regs,
}

impl<'a> ExecReport<'a> {
    /// A report of the program executed as `path`, which starts with the
    /// registers `regs`.
    ///
    /// # Safety
    ///
    /// `regs` is the current task's user register frame (the exec hook
    /// passes it once the new program is in place).
    pub(crate) unsafe fn new(path: &'a CStr, regs: *mut bindings::pt_regs) -> Self {
        // INVARIANT: per this function's contract.
        Self { path, regs }
    }

    /// The name the program was executed by (as passed to execve, or
    /// `/dev/fd/N` for an fd).
    pub fn path(&self) -> &'a CStr {
        self.path
    }

    /// Where the new program starts: its entry point, or its ELF
    /// interpreter's (utrace passed the registers to `report_exec`).
    pub fn instruction_pointer(&self) -> u64 {
        // SAFETY: by the type invariant `regs` is current's register frame.
        unsafe { ip_of(self.regs) }
    }

    /// The new program's initial stack pointer (its argc, argv, envp and
    /// auxiliary vector are there).
    pub fn stack_pointer(&self) -> u64 {
        // SAFETY: as above.
        unsafe { sp_of(self.regs) }
    }

    /// The register frame, for the C API's `report_exec`.
    pub(crate) fn raw_regs(&self) -> *mut bindings::pt_regs {
        self.regs
    }
}

/// The instruction pointer in `regs`.
///
/// # Safety
///
/// `regs` is the current task's user register frame.
unsafe fn ip_of(regs: *mut bindings::pt_regs) -> u64 {
    // SAFETY: per this function's contract. A C unsigned long, 64 bits
    // wide here (UTRACE depends on X86_64).
    unsafe { bindings::utrace_helper_instruction_pointer(regs) as u64 }
}

/// The stack pointer in `regs`.
///
/// # Safety
///
/// As [`ip_of`].
unsafe fn sp_of(regs: *mut bindings::pt_regs) -> u64 {
    // SAFETY: per this function's contract.
    unsafe { bindings::utrace_helper_user_stack_pointer(regs) as u64 }
}

/// The end of a vfork wait, as a vfork-done callback sees it.
pub struct VforkDoneReport {
    child: i32,
}

impl VforkDoneReport {
    /// A report of the vfork child whose pid is `child` in the task's
    /// namespace.
    pub(crate) fn new(child: i32) -> Self {
        Self { child }
    }

    /// The vfork child's pid, in the traced task's pid namespace (0 if it
    /// is not visible there). It may be reaped already.
    pub fn child_pid(&self) -> i32 {
        self.child
    }
}

/// A task exiting, as an exit callback sees it.
pub struct ExitReport {
    orig: i64,
    code: i64,
}

impl ExitReport {
    /// A report of an exit with `code` (the kernel's exit code: status
    /// << 8, or a signal number).
    pub(crate) fn new(code: i64) -> Self {
        Self { orig: code, code }
    }

    /// The exit code as the task began exiting.
    pub fn orig_code(&self) -> i64 {
        self.orig
    }

    /// The exit code as the engines before this one left it.
    pub fn code(&self) -> i64 {
        self.code
    }

    /// Changes the exit code: the parent sees it in `wait()`, as the
    /// kernel encodes it (`status << 8`, or a signal number).
    pub fn set_code(&mut self, code: i64) {
        self.code = code;
    }
}

/// A dead task, as a death callback sees it.
pub struct DeathReport {
    group_dead: bool,
    /// Fixed by a KUnit case; else looked up when asked for.
    signal: Option<DeathSignal>,
}

impl DeathReport {
    /// A report of the current task's death; `group_dead` if it ends its
    /// thread group.
    pub(crate) fn new(group_dead: bool) -> Self {
        Self {
            group_dead,
            signal: None,
        }
    }

    /// A report with a given signal, for registries without a task.
    #[cfg(CONFIG_UTRACE_KUNIT_TEST)]
    pub(crate) fn with_signal(group_dead: bool, signal: DeathSignal) -> Self {
        Self {
            group_dead,
            signal: Some(signal),
        }
    }

    /// Whether the task was the last live thread of its thread group.
    pub fn group_dead(&self) -> bool {
        self.group_dead
    }

    /// What the task's parent (or tracer) will be told (utrace's
    /// `signal` argument), as the kernel would decide now: a thread of the
    /// group exiting at the same moment, or a tracer detaching, may change
    /// it before the parent is told. Looked up when asked for (under
    /// `tasklist_lock`, read), so a death nobody asks about costs nothing.
    pub fn signal(&self) -> DeathSignal {
        self.signal.unwrap_or_else(|| {
            // SAFETY: a death report is made by the dying task itself, in
            // do_exit() before exit_notify(): `current` is that task.
            DeathSignal::from_utrace(unsafe { bindings::utrace_helper_death_signal() })
        })
    }
}

/// What a death sends the task's parent, by [`DeathReport::signal`].
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum DeathSignal {
    /// This signal (the task's exit signal, or `SIGCHLD` to a tracer; 0:
    /// none, though the parent may still wait for it).
    Parent(i32),
    /// A thread other than the group leader, untraced: reaped at once,
    /// nobody is told (`UTRACE_DEATH_REAP`).
    Reap,
    /// The group leader while other threads live: its parent is told when
    /// the last of them dies (`UTRACE_DEATH_DELAYED_GROUP_LEADER`).
    DelayedGroupLeader,
}

impl DeathSignal {
    /// From the C value (`utrace_helper_death_signal()`).
    pub(crate) fn from_utrace(v: i32) -> Self {
        match v {
            bindings::UTRACE_DEATH_REAP => DeathSignal::Reap,
            bindings::UTRACE_DEATH_DELAYED_GROUP_LEADER => DeathSignal::DelayedGroupLeader,
            sig => DeathSignal::Parent(sig),
        }
    }

    /// The C API's value (`report_death()`'s `signal`).
    pub fn to_utrace(self) -> i32 {
        match self {
            DeathSignal::Parent(sig) => sig,
            DeathSignal::Reap => bindings::UTRACE_DEATH_REAP,
            DeathSignal::DelayedGroupLeader => bindings::UTRACE_DEATH_DELAYED_GROUP_LEADER,
        }
    }
}

/// `CLONE_THREAD`: the child shares the parent's thread group.
const CLONE_THREAD: u64 = 0x0001_0000;

/// A new task, as a clone callback sees it.
pub struct CloneReport<'a> {
    child: &'a kernel::task::Task,
    flags: u64,
}

impl<'a> CloneReport<'a> {
    /// A report of `child`, created with `flags` (`CLONE_*`).
    pub(crate) fn new(child: &'a kernel::task::Task, flags: u64) -> Self {
        Self { child, flags }
    }

    /// The new task. It has not run yet: engines attached to it now see
    /// everything it does.
    pub fn child(&self) -> &'a kernel::task::Task {
        self.child
    }

    /// The `CLONE_*` flags it was created with.
    pub fn flags(&self) -> u64 {
        self.flags
    }

    /// Kills the child before it first runs (a `SIGKILL` pending from its
    /// creation, taken on its way to user mode): for an engine that must
    /// not let it run without it, such as a VM that could not follow it.
    /// A thread takes its whole process with it.
    pub fn kill_child(&self) {
        // SAFETY: the child is alive: its parent is still in
        // `kernel_clone()`, reporting it, and holds it.
        unsafe { bindings::utrace_helper_kill_new_child(self.child.as_ptr()) }
    }

    /// Whether the child is a thread of the parent's process.
    pub fn is_thread(&self) -> bool {
        self.flags & CLONE_THREAD != 0
    }

    /// Gives the child's tracer (if the parent's tracer traces it too) its
    /// place in the child's order: after the engines the child has now.
    pub(crate) fn place_child_tracer(&self) {
        if let Some(reg) = super::task::registry(self.child) {
            reg.ptrace_link();
        }
    }
}

/// The siginfo fields beyond the number and code that tools show (see
/// [`SignalReport::info_fields`]).
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
pub struct SigInfoFields {
    /// `si_pid`: the sender (`SI_USER`, `SI_TKILL`...), or the child
    /// (`SIGCHLD`).
    pub pid: i32,
    /// `si_uid`, with `si_pid`.
    pub uid: u32,
    /// `SIGCHLD`'s `si_status`: the exit status, or a signal number.
    pub status: i32,
    /// `SIGCHLD`'s `si_utime`, in clock ticks (`USER_HZ`).
    pub utime: i64,
    /// `SIGCHLD`'s `si_stime`, in clock ticks.
    pub stime: i64,
    /// A fault's `si_addr` (`SIGSEGV`, `SIGBUS`, `SIGILL`, `SIGFPE`).
    pub addr: u64,
}

/// The entry into a signal handler, as [`Engine::report_signal_handler`]
/// sees it.
///
/// [`Engine::report_signal_handler`]: super::Engine::report_signal_handler
pub struct SignalHandlerReport<'a> {
    signo: i32,
    code: i32,
    stepped: bool,
    info: *mut bindings::kernel_siginfo,
    _info: core::marker::PhantomData<&'a bindings::kernel_siginfo>,
}

impl<'a> SignalHandlerReport<'a> {
    /// A report of the handler of signal `signo` (`si_code` `code`);
    /// `stepped` if an engine's step ended at its entry; `info` is the
    /// delivered siginfo, for C engines (null in tests).
    ///
    /// # Safety
    ///
    /// `info` is null, or the siginfo of the delivered signal, valid for
    /// `'a` (C engines read it; they must not write it).
    pub(crate) unsafe fn new(
        signo: i32,
        code: i32,
        stepped: bool,
        info: *mut bindings::kernel_siginfo,
    ) -> Self {
        Self {
            signo,
            code,
            stepped,
            info,
            _info: core::marker::PhantomData,
        }
    }

    /// The signal whose handler the task entered.
    pub fn signo(&self) -> i32 {
        self.signo
    }

    /// Its `si_code`.
    pub fn code(&self) -> i32 {
        self.code
    }

    /// Whether this engine's step was running: the kernel turned it off to
    /// enter the handler, and it ends here, without a trap. An engine that
    /// wants to step on in the handler stops the task here and asks for a
    /// step again.
    pub fn stepped(&self) -> bool {
        self.stepped
    }

    /// The siginfo, for the C API (null in tests).
    pub(crate) fn raw_info(&self) -> *mut bindings::kernel_siginfo {
        self.info
    }
}

/// A signal the task dequeued, as a signal callback sees it; or, in a
/// made-up report ([`Events::SIGNAL_REPORT`]), none yet, or the one the
/// engines before made up.
///
/// [`Events::SIGNAL_REPORT`]: super::Events::SIGNAL_REPORT
pub struct SignalReport<'a> {
    signo: i32,
    code: i32,
    errno: i32,
    class: SignalClass,
    action: SignalAction,
    hold: bool,
    resumed: bool,
    made_up: bool,
    info: *mut bindings::kernel_siginfo,
    /// The task's sigaction for the signal, copied under siglock (null in
    /// tests and in a made-up report).
    orig_ka: *mut bindings::k_sigaction,
    /// The sigaction the signal is delivered with (null in tests).
    return_ka: *mut bindings::k_sigaction,
    _info: core::marker::PhantomData<&'a mut bindings::kernel_siginfo>,
}

impl<'a> SignalReport<'a> {
    /// A report of signal `signo` (`si_code` `code`, `si_errno` `errno`)
    /// of class `class`; `info` is the kernel's siginfo, for C engines
    /// (null in tests).
    ///
    /// # Safety
    ///
    /// `info` is null, or the siginfo `get_signal()` dequeued `signo`
    /// into, valid and written by nobody else for `'a`.
    pub(crate) unsafe fn new(
        signo: i32,
        code: i32,
        errno: i32,
        class: SignalClass,
        info: *mut bindings::kernel_siginfo,
    ) -> Self {
        Self {
            signo,
            code,
            errno,
            class,
            action: SignalAction::Deliver,
            hold: false,
            resumed: false,
            made_up: false,
            info,
            orig_ka: core::ptr::null_mut(),
            return_ka: core::ptr::null_mut(),
            _info: core::marker::PhantomData,
        }
    }

    /// The report with the task's sigaction for the signal (`orig_ka`)
    /// and the one it is to be delivered with (`return_ka`, a copy the
    /// engines may change).
    ///
    /// # Safety
    ///
    /// `orig_ka` and `return_ka` are distinct, valid, and written by
    /// nobody else for `'a` (the tracer's stop reloads both, through
    /// `utrace_helper_ptrace_signal()`, when it changes the signal).
    pub(crate) unsafe fn with_sigactions(
        mut self,
        orig_ka: *mut bindings::k_sigaction,
        return_ka: *mut bindings::k_sigaction,
    ) -> Self {
        self.orig_ka = orig_ka;
        self.return_ka = return_ka;
        self
    }

    /// A made-up report: no signal yet; `info`, `orig_ka` and `return_ka`
    /// (cleared) are where a signal an engine makes up is written: its
    /// siginfo, the task's sigaction for it then, and the one to deliver
    /// it with.
    ///
    /// # Safety
    ///
    /// `info`, `orig_ka` and `return_ka` are null (tests) or valid,
    /// distinct, and written by nobody else, for `'a`.
    pub(crate) unsafe fn made_up(
        info: *mut bindings::kernel_siginfo,
        orig_ka: *mut bindings::k_sigaction,
        return_ka: *mut bindings::k_sigaction,
    ) -> Self {
        // SAFETY: `info` is null or valid for `'a` (this function's
        // contract).
        let mut report = unsafe { Self::new(0, 0, 0, SignalClass::Handler, info) };
        report.made_up = true;
        report.orig_ka = orig_ka;
        report.return_ka = return_ka;
        report
    }

    /// The signal number (0 in a made-up report before an engine made one
    /// up).
    pub fn signo(&self) -> i32 {
        self.signo
    }

    /// Whether this is a made-up report ([`Events::SIGNAL_REPORT`]): no
    /// signal was dequeued; [`SignalReport::signo`] is the one the
    /// engines before made up, or 0.
    ///
    /// [`Events::SIGNAL_REPORT`]: super::Events::SIGNAL_REPORT
    pub fn is_made_up(&self) -> bool {
        self.made_up
    }

    /// In a made-up report, makes up signal `signo` with `si_code` `code`
    /// (its other siginfo fields zero), in place of the one the engines
    /// before made up, if any. It is delivered with the task's sigaction
    /// for it, under the disposition [`SignalAction::Deliver`] unless
    /// this engine or the ones after choose another; at once, even if the
    /// task blocks it, and never queued. `EINVAL` outside a made-up report
    /// or for a number that is not a signal.
    pub fn make_up(&mut self, signo: i32, code: i32) -> Result {
        if !self.made_up {
            return Err(EINVAL);
        }
        check_made_up_signal(signo)?;
        let class = if self.info.is_null() || self.orig_ka.is_null() || self.return_ka.is_null() {
            SignalClass::Handler
        } else {
            // SAFETY: `info`, `orig_ka` and `return_ka` are ours to write
            // for `'a` (see `made_up`); `signo` is a signal number that
            // may be made up (checked).
            let class = unsafe {
                bindings::utrace_helper_make_up_signal(
                    self.info,
                    self.orig_ka,
                    self.return_ka,
                    signo,
                    code,
                )
            };
            SignalClass::from_event(super::Events::from_raw(class))?
        };
        self.signo = signo;
        self.code = code;
        self.errno = 0;
        self.class = class;
        self.action = SignalAction::Deliver;
        Ok(())
    }

    /// A C engine answered `UTRACE_SIGNAL_REPORT` in a made-up report: no
    /// signal.
    pub(crate) fn cancel_made_up(&mut self) {
        if !self.info.is_null() {
            // SAFETY: `info` is ours to write for `'a` (see `made_up`).
            unsafe { bindings::utrace_helper_clear_siginfo(self.info) };
        }
        self.signo = 0;
        self.code = 0;
        self.errno = 0;
        self.action = SignalAction::Deliver;
    }

    /// After a C engine's made-up report: takes the signal it wrote in
    /// the siginfo (`si_signo`), if it changed, with the task's sigaction
    /// for it as `orig_ka` (the engine wrote `return_ka` itself); one
    /// that may not be made up (not a signal number, SIGKILL, SIGSTOP)
    /// makes none (with a warning once).
    pub(crate) fn adopt_made_up(&mut self) {
        if self.info.is_null() {
            return;
        }
        // SAFETY: `info` is valid for `'a` (see `made_up`).
        let signo = unsafe { bindings::utrace_helper_siginfo_signo(self.info) };
        if signo == self.signo {
            // SAFETY: as above.
            let (code, errno) = unsafe { super::task::siginfo_code_errno(self.info) };
            self.code = code;
            self.errno = errno;
            return;
        }
        if check_made_up_signal(signo).is_err() {
            if signo != 0 {
                kernel::pr_warn_once!("utrace: a C engine made up signal {signo}: none\n");
            }
            self.cancel_made_up();
            return;
        }
        let class = match self.orig_ka.is_null() {
            true => bindings::UTRACE_EVENT_SIGNAL,
            // SAFETY: `signo` is a signal number (checked); `orig_ka` is
            // ours to write for `'a` (see `made_up`); no lock held.
            false => unsafe { bindings::utrace_helper_signal_class(signo, self.orig_ka) },
        };
        // SAFETY: as above.
        let (code, errno) = unsafe { super::task::siginfo_code_errno(self.info) };
        self.signo = signo;
        self.code = code;
        self.errno = errno;
        self.class =
            SignalClass::from_event(super::Events::from_raw(class)).unwrap_or(SignalClass::Handler);
    }

    /// The handler the signal is delivered with, as the engines before
    /// left it (the task's own unless they changed it); `None` in tests,
    /// and in a made-up report with no signal yet.
    pub fn handler(&self) -> Option<SigHandler> {
        if self.return_ka.is_null() || (self.made_up && self.signo == 0) {
            return None;
        }
        // SAFETY: `return_ka` is valid for `'a` (see `with_sigactions`).
        Some(SigHandler::from_raw(
            unsafe { bindings::utrace_helper_ka_handler(self.return_ka) } as u64,
        ))
    }

    /// Delivers the signal with `handler` instead (utrace's `return_ka`):
    /// for this delivery only, the task's own sigaction is left as it is
    /// (its `SA_RESETHAND` included); the handler runs with the task's
    /// flags and mask for the signal. Under [`SignalAction::Deliver`]
    /// only: another disposition does not look at the handler. `EINVAL`
    /// for an address outside the task's user space, an address for
    /// SIGKILL or SIGSTOP, or for a signal the task never gave a handler
    /// (its sigaction has no `SA_RESTORER`, which x86 needs to build the
    /// frame); with no sigaction (tests), or in a made-up report with no
    /// signal yet.
    pub fn set_handler(&mut self, handler: SigHandler) -> Result {
        if self.return_ka.is_null() || (self.made_up && self.signo == 0) {
            return Err(EINVAL);
        }
        let raw = usize::try_from(handler.to_raw()?).map_err(|_| EINVAL)?;
        // SAFETY: `return_ka` is ours to write for `'a` (see
        // `with_sigactions`).
        kernel::error::to_result(unsafe {
            bindings::utrace_helper_ka_set_handler(self.return_ka, self.signo, raw)
        })
    }

    /// The task's own sigaction, for the C API (null in tests, and in a
    /// made-up report with no signal yet).
    pub(crate) fn raw_orig_ka(&self) -> *const bindings::k_sigaction {
        match self.made_up && self.signo == 0 {
            true => core::ptr::null(),
            false => self.orig_ka,
        }
    }

    /// The sigaction to deliver with, for the C API (null in tests).
    pub(crate) fn raw_return_ka(&self) -> *mut bindings::k_sigaction {
        self.return_ka
    }

    /// Both sigactions, for the tracer's stop, which reloads them if it
    /// changes the signal.
    pub(crate) fn raw_sigactions(
        &self,
    ) -> (*mut bindings::k_sigaction, *mut bindings::k_sigaction) {
        (self.orig_ka, self.return_ka)
    }

    /// Its `si_code` (`SI_USER`, `SI_TKILL`, `TRAP_TRACE`...).
    pub fn code(&self) -> i32 {
        self.code
    }

    /// Whether signal `signo` with this report's siginfo is the trap a step
    /// ends with, as this architecture reports steps
    /// ([`is_step_trap`](crate::engine_core::policy::is_step_trap)).
    pub fn is_step_trap_as(&self, signo: i32) -> bool {
        is_step_trap(signo, self.code, StepReport::ARCH)
    }

    /// Whether this signal is the trap a step ends with.
    pub fn is_step_trap(&self) -> bool {
        self.is_step_trap_as(self.signo)
    }

    /// Its `si_errno`.
    pub fn errno(&self) -> i32 {
        self.errno
    }

    /// What the task's sigaction would do with it.
    pub fn class(&self) -> SignalClass {
        self.class
    }

    /// What the engines called before chose to do with it.
    pub fn action(&self) -> SignalAction {
        self.action
    }

    /// Chooses what the task does with the signal (the last engine called
    /// decides).
    pub fn set_action(&mut self, action: SignalAction) {
        self.action = action;
    }

    /// Whether the signal is to be held.
    pub fn is_held(&self) -> bool {
        self.hold
    }

    /// Holds the signal (or, `false`, lets it go): it goes back in the
    /// queue, the task stops until this engine resumes it, and the signal
    /// is reported anew then. Ignored in a made-up report: that signal
    /// was never queued.
    pub fn hold(&mut self, hold: bool) {
        self.hold = hold;
    }

    /// Whether this is a repeated report, after a stop the task was
    /// resumed from with a request for another report.
    pub fn is_resumed(&self) -> bool {
        self.resumed
    }

    /// Marks the report as repeated.
    pub(crate) fn resume(&mut self) {
        self.resumed = true;
    }

    /// The fields of the signal's siginfo that strace shows beyond its
    /// number and code, as the kernel filled them; `None` without a
    /// siginfo (in tests). Which of them mean anything depends on the
    /// signal and its code: the caller decides.
    pub fn info_fields(&self) -> Option<SigInfoFields> {
        if self.info.is_null() {
            return None;
        }
        // SAFETY: `info` is the kernel's siginfo of the signal reported,
        // valid for `'a` (see `new`). Every variant of `_sifields` is made
        // of integers and pointers, for which any bits are valid, and
        // every siginfo that reaches a signal report is initialised
        // whole: the kernel clears one before it fills it
        // (`clear_siginfo()`), or copies it whole from another or from
        // user space (`rt_sigqueueinfo()`, `PTRACE_SETSIGINFO`). Whichever
        // variant was written, reading any of them reads initialised
        // memory.
        unsafe {
            let f = &(*self.info).__bindgen_anon_1._sifields;
            Some(SigInfoFields {
                pid: f._kill._pid,
                uid: f._kill._uid,
                status: f._sigchld._status,
                utime: f._sigchld._utime as i64,
                stime: f._sigchld._stime as i64,
                addr: f._sigfault._addr as usize as u64,
            })
        }
    }

    /// Changes the siginfo's `si_code` and `si_errno`: the engines after
    /// this one, and the handler (`SA_SIGINFO`), see the new values, as
    /// utrace let a `report_signal` edit its siginfo. The signal itself is
    /// changed through the disposition, not here. A signal put back
    /// (held) is queued again with the edited siginfo, and `si_code`
    /// decides how it is queued: an engine that holds a signal should not
    /// change its code.
    pub fn set_code_errno(&mut self, code: i32, errno: i32) {
        if !self.info.is_null() {
            // SAFETY: `info` is the siginfo get_signal() dequeued into, ours
            // to write for `'a` (see `new`).
            unsafe { bindings::utrace_helper_siginfo_set(self.info, code, errno) };
        }
        self.code = code;
        self.errno = errno;
    }

    /// The kernel's siginfo, for the C API (null in tests).
    pub(crate) fn raw_info(&self) -> *mut bindings::kernel_siginfo {
        self.info
    }

    /// Reads `si_code` and `si_errno` again, after a C engine may have
    /// written the siginfo; puts `si_signo` back if it changed it (the
    /// kernel finds queued signals, and names the dumped one, by it), with
    /// a warning once.
    pub(crate) fn reread_info(&mut self) {
        if !self.info.is_null() {
            // SAFETY: as in `set_code_errno`.
            unsafe { bindings::utrace_helper_siginfo_keep_signo(self.info, self.signo) };
            // SAFETY: as in `set_code_errno`.
            let (code, errno) = unsafe { super::task::siginfo_code_errno(self.info) };
            self.code = code;
            self.errno = errno;
        }
    }

    /// The tracer let another signal through (or the same one with
    /// another siginfo): the engines after it see that one.
    pub(crate) fn retarget(&mut self, signo: i32, code: i32, errno: i32, class: SignalClass) {
        self.signo = signo;
        self.code = code;
        self.errno = errno;
        self.class = class;
    }
}

/// What the tracer's signal-delivery stop left of a signal.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum AfterTracer {
    /// A signal for the engines after it (the same, or as retargeted).
    Report,
    /// The tracer cancelled it: nothing to act on.
    Dropped,
    /// The tracer let through this signal, which no engine may see or
    /// change any more (SIGKILL, or an immutable action).
    Final(i32),
}

/// The traced task's ptrace signal-delivery stop: one more reporter in the
/// attach order of signals, at the place its attach time gives it.
///
/// Implemented by the dispatcher over the kernel's `ptrace_signal()` (a
/// no-op for an untraced task), and by test doubles.
pub(crate) trait PtraceSignal {
    /// The tracer's stop for `sig`; retargets `sig` if the tracer changed
    /// the signal or its siginfo.
    fn signal_stop(&mut self, sig: &mut SignalReport<'_>) -> AfterTracer;
}

/// A job-control transition, as a job-control callback sees it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum JobControl {
    /// The task is about to stop with its thread group (`CLD_STOPPED`).
    Stopping,
    /// The task was continued (`CLD_CONTINUED`), or killed, and runs again.
    Continued,
}

/// Which side of a probed instruction a breakpoint subscription reports.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ProbeKind {
    /// The instruction, before it runs: a function's entry, if it is the
    /// function's first.
    Entry,
    /// The return from the function whose first instruction it is (the
    /// kernel replaces the return address on entry, as for a uretprobe).
    Return,
}

/// Where a probe is: an offset in a file, named by its device and inode.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct ProbeSite {
    /// The file's device (its filesystem's `s_dev`).
    pub dev: u32,
    /// The file's inode number.
    pub inode: u64,
    /// The probed instruction's offset in the file.
    pub offset: u64,
}

/// A breakpoint hit, as [`Engine::report_breakpoint`] sees it: which probe,
/// and the task's registers, readable and writable by the calling
/// convention of its architecture (x86-64's SysV; a 32-bit task's
/// arguments are on its stack, not here).
///
/// # Invariants
///
/// `regs` is the current task's user register frame, for the life of the
/// value.
///
/// [`Engine::report_breakpoint`]: super::Engine::report_breakpoint
pub struct BreakpointReport<'a> {
    site: ProbeSite,
    kind: ProbeKind,
    function: u64,
    regs: *mut bindings::pt_regs,
    _regs: core::marker::PhantomData<&'a mut bindings::pt_regs>,
}

impl BreakpointReport<'_> {
    /// A hit of the probe at `site`, on its `kind` side, in the function at
    /// `function` (the probed address in the task).
    ///
    /// # Safety
    ///
    /// `regs` is the current task's user register frame (the uprobe
    /// handler's), valid and not otherwise accessed for `'a`.
    pub(crate) unsafe fn new(
        site: ProbeSite,
        kind: ProbeKind,
        function: u64,
        regs: *mut bindings::pt_regs,
    ) -> Self {
        // INVARIANT: per this function's contract.
        Self {
            site,
            kind,
            function,
            regs,
            _regs: core::marker::PhantomData,
        }
    }

    /// The probe hit.
    pub fn site(&self) -> ProbeSite {
        self.site
    }

    /// The side hit: the instruction, or the return from its function.
    pub fn kind(&self) -> ProbeKind {
        self.kind
    }

    /// The probed instruction's address in the task (on a return: the
    /// address of the function returning).
    pub fn function(&self) -> u64 {
        self.function
    }

    /// Where the task goes on: the probed instruction, or on a return the
    /// address returned to.
    pub fn instruction_pointer(&self) -> u64 {
        // SAFETY: by the type invariant `regs` is current's register frame.
        unsafe { ip_of(self.regs) }
    }

    /// The stack pointer.
    pub fn stack_pointer(&self) -> u64 {
        // SAFETY: as above.
        unsafe { sp_of(self.regs) }
    }

    /// The register frame, for the C API's `report_breakpoint`.
    pub(crate) fn raw_regs(&self) -> *mut bindings::pt_regs {
        self.regs
    }

    /// Whether the arguments and the return value are in registers: a
    /// 64-bit task's. `EOPNOTSUPP` for a 32-bit one.
    fn check_registers(&self) -> Result {
        // SAFETY: by the type invariant `regs` is current's register frame.
        match unsafe { bindings::utrace_helper_user_64bit(self.regs) } {
            true => Ok(()),
            false => Err(super::policy::eopnotsupp()),
        }
    }

    /// Argument `which` of the function, at an entry (at a return the
    /// register holds whatever the function left there).
    pub fn arg(&self, which: Arg) -> Result<u64> {
        self.check_registers()?;
        // SAFETY: by the type invariant `regs` is current's register frame;
        // `which` is 0..5, an argument register.
        Ok(unsafe { bindings::utrace_helper_regs_arg(self.regs, which as u32) } as u64)
    }

    /// Replaces argument `which` before the function reads it. `EINVAL` at
    /// a return.
    pub fn set_arg(&mut self, which: Arg, value: u64) -> Result {
        self.check_registers()?;
        if self.kind != ProbeKind::Entry {
            return Err(EINVAL);
        }
        // SAFETY: as in `arg`; the frame is ours to write for `'a`.
        unsafe { bindings::utrace_helper_regs_set_arg(self.regs, which as u32, value as usize) };
        Ok(())
    }

    /// The function's return value (its integer register). `EINVAL` at an
    /// entry.
    pub fn return_value(&self) -> Result<u64> {
        self.check_registers()?;
        if self.kind != ProbeKind::Return {
            return Err(EINVAL);
        }
        // SAFETY: by the type invariant `regs` is current's register frame.
        Ok(unsafe { bindings::utrace_helper_regs_return_value(self.regs) } as u64)
    }

    /// Replaces the value the function returns to its caller. `EINVAL` at
    /// an entry.
    pub fn set_return_value(&mut self, value: u64) -> Result {
        self.check_registers()?;
        if self.kind != ProbeKind::Return {
            return Err(EINVAL);
        }
        // SAFETY: as in `return_value`; the frame is ours to write for `'a`.
        unsafe { bindings::utrace_helper_regs_set_return_value(self.regs, value as usize) };
        Ok(())
    }
}
