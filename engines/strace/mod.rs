// SPDX-License-Identifier: GPL-2.0

//! The strace engine: one line per syscall, as strace(1) writes it.
//!
//! At entry it formats `name(arg, ...)` with the decoders of [`decode`],
//! reading user strings (at most `string_max` bytes, `"..."...` beyond) in
//! the traced task's own context; at exit it appends ` = result`, with the
//! errno name and message on error, and hands the line to the file's
//! [`trace_buf`]. A call that does not return (`exit_group`) is written at
//! entry with ` = ?`. An exit whose entry the engine did not see (it was
//! attached in between) is not written. Output arguments are decoded at
//! exit, as strace shows them: `uname`'s structure, the data `read` and
//! `pread64` got (`read(3, "hello\n", 255) = 6`), the `struct stat` of
//! the stat calls (`{st_mode=S_IFREG|0644, st_size=6, ...}`): which is
//! where the order of engines shows.
//!
//! Signals the task takes show as `--- SIGUSR1 {si_signo=SIGUSR1,
//! si_code=SI_TKILL} ---`, and its end as `+++ exited with 0 +++` or
//! `+++ killed by SIGTERM +++`, as strace writes them; the engine never
//! changes what the task does with a signal.
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

pub(crate) mod decode;
pub(crate) mod line;
pub(crate) mod syscalls;
pub(crate) mod trace_buf;

use super::session::{Session, Slot};
use crate::engine_core::{
    pid_vnr, user, Attach, CloneReport, Engine, Events, ExecReport, ExitReport, Resume,
    SignalReport, SyscallEntry, SyscallExit, SYSCALL_ARGS,
};
use core::mem::{offset_of, size_of};
use core::ops::Range;
use decode::{ArgKind, RetKind};
use kernel::bindings;
use kernel::prelude::*;
use kernel::sync::atomic::{AtomicFlag, Relaxed};
use kernel::sync::{Arc, Mutex};
use kernel::task::Task;
use line::Line;
use syscalls::nr;
use trace_buf::Writer;

/// Default cap on shown string bytes (strace's `-s 32`).
pub(crate) const DEFAULT_STRING_MAX: usize = 32;
/// Largest accepted `string_max`.
pub(crate) const STRING_MAX_LIMIT: usize = 256;

/// The events an strace engine asks for.
pub(crate) const STRACE_EVENTS: Events = Events::SYSCALL
    .union(Events::CLONE)
    .union(Events::EXEC)
    .union(Events::SIGNAL_ALL)
    .union(Events::EXIT);

/// The most environment strings counted for `execve`'s envp (each count
/// reads the traced task's memory).
const ENVP_COUNT_MAX: usize = 4096;

/// The most directory entries counted in a `getdents64` result (each
/// count reads the traced task's memory).
const DIRENTS_COUNT_MAX: usize = 4096;

/// Bytes a line keeps, after a buffer's data, for the rest of the call
/// and its result (`, 832) = 832`, an errno's name and message).
const TAIL_ROOM: usize = 96;

/// The column strace writes a result's ` = ` at, when the call is
/// shorter (its `-a` option's default, 40, counted from 1).
const RESULT_COLUMN: usize = 39;

/// An output argument, and the rest of the call after it, decoded at exit.
#[derive(Clone, Copy)]
enum AtExit {
    /// `uname`'s structure.
    Uname(u64),
    /// Argument `index` of the call (an [`ArgKind::is_output`] one), then
    /// the arguments after it.
    Output {
        nr: i64,
        args: [u64; SYSCALL_ARGS],
        index: usize,
    },
}

/// Reads the traced task's memory for a line: `EPERM` if it may not be
/// shown ([`user::shown_to_tracers`]), and the address is shown instead,
/// as strace shows it when ptrace refuses it the memory.
fn read_shown(addr: u64, buf: &mut [u8]) -> Result {
    if !user::shown_to_tracers() {
        return Err(EPERM);
    }
    user::read(addr, buf)
}

/// [`user::read_cstr`], under the rule of [`read_shown`].
fn read_cstr_shown(addr: u64, buf: &mut [u8]) -> Result<(usize, bool)> {
    if !user::shown_to_tracers() {
        return Err(EPERM);
    }
    user::read_cstr(addr, buf)
}

/// Why a followed child gets no engine.
enum NotTraced {
    /// The session holds its most engines (the limit given).
    SessionFull(usize),
    /// The attach failed.
    Error(Error),
}

/// The entry half of a line, waiting for its exit.
struct Pending {
    line: Line,
    /// The syscall it is for; `None` when nothing waits.
    nr: Option<i64>,
    /// What is left to decode at exit.
    at_exit: Option<AtExit>,
}

/// The largest user structure read whole (`struct stat`: 144 bytes).
const USER_STRUCT_MAX: usize = 256;

/// A copy of a user structure, laid out as bindgen gives its type, whose
/// fields are read at their `offset_of!`.
struct UserStruct {
    raw: [u8; USER_STRUCT_MAX],
}

impl UserStruct {
    /// The `T` at `addr`; `None`, with the address written to `line`
    /// (`NULL` for none), if it cannot be read.
    fn read<T>(line: &mut Line, addr: u64) -> Option<UserStruct> {
        const { assert!(size_of::<T>() <= USER_STRUCT_MAX) };
        let mut raw = [0u8; USER_STRUCT_MAX];
        if addr == 0 || read_shown(addr, &mut raw[..size_of::<T>()]).is_err() {
            let _ = decode::write_arg(line, ArgKind::Ptr, addr);
            return None;
        }
        Some(UserStruct { raw })
    }

    /// The 64-bit field at `off`.
    fn u64_at(&self, off: usize) -> u64 {
        let mut b = [0u8; 8];
        b.copy_from_slice(&self.raw[off..off + 8]);
        u64::from_ne_bytes(b)
    }

    /// The 32-bit field at `off`.
    fn u32_at(&self, off: usize) -> u32 {
        let mut b = [0u8; 4];
        b.copy_from_slice(&self.raw[off..off + 4]);
        u32::from_ne_bytes(b)
    }
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
}

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
        let pending = KBox::new(
            Pending {
                line: Line::new(),
                nr: None,
                at_exit: None,
            },
            GFP_KERNEL_ACCOUNT,
        )?;
        Ok(try_pin_init!(StraceEngine {
            out,
            string_max,
            follow,
            pid_prefix,
            before_exec: AtomicFlag::new(from_exec),
            pending <- kernel::new_mutex!(pending, "utrace_strace::pending"),
        }? Error))
    }

    /// Writes a user string argument (at most `string_max` bytes), or its
    /// address if it cannot be read.
    fn put_string(&self, line: &mut Line, addr: u64) {
        let budget = line.room().saturating_sub(TAIL_ROOM);
        Self::put_cstr(line, addr, self.string_max, budget);
    }

    /// Writes a path argument: as strace does, whole, whatever
    /// `string_max` is, up to `STRING_MAX_LIMIT` bytes and as far as the
    /// line has room, sharing it with the `paths` path arguments left
    /// (this one included) and keeping `TAIL_ROOM` for the result.
    fn put_path(line: &mut Line, addr: u64, paths: usize) {
        let budget = line.room().saturating_sub(TAIL_ROOM) / paths.max(1);
        Self::put_cstr(line, addr, STRING_MAX_LIMIT, budget);
    }

    /// Writes at most `max` bytes of the user string at `addr`, no more
    /// than fit in `budget` bytes of text (`"..."...` beyond), or its
    /// address if it cannot be read.
    fn put_cstr(line: &mut Line, addr: u64, max: usize, budget: usize) {
        let mut buf = [0u8; STRING_MAX_LIMIT + 2];
        let max = max.min(STRING_MAX_LIMIT);
        match read_cstr_shown(addr, &mut buf[..max + 2]) {
            Ok((len, _)) => {
                let shown = decode::string_fit(&buf[..len.min(max)], budget);
                let _ = decode::write_string(line, &buf[..shown], len > shown);
            }
            Err(_) => {
                let _ = decode::write_arg(line, ArgKind::Ptr, addr);
            }
        }
    }

    /// Reads entry `i` of the user array of pointers at `addr`: `None` at
    /// its NULL end, `EFAULT` if it cannot be read.
    fn array_entry(addr: u64, i: usize) -> Result<Option<u64>> {
        let off = u64::try_from(i)
            .ok()
            .and_then(|i| i.checked_mul(8))
            .ok_or(EFAULT)?;
        let mut word = [0u8; 8];
        read_shown(addr.checked_add(off).ok_or(EFAULT)?, &mut word)?;
        Ok(Some(u64::from_ne_bytes(word)).filter(|&p| p != 0))
    }

    /// Writes `execve`'s argv as strace does, `["ls", "-l"]`: at most
    /// `string_max` strings, then `...`, and fewer if the line would have
    /// no room left for the rest of the call.
    fn put_argv(&self, line: &mut Line, addr: u64) {
        let mut entry = match Self::array_entry(addr, 0) {
            Ok(first) if addr != 0 => first,
            _ => {
                let _ = decode::write_arg(line, ArgKind::Ptr, addr);
                return;
            }
        };
        line.put_fmt(format_args!("["));
        let mut i = 0;
        while let Some(s) = entry {
            if i > 0 {
                line.put_fmt(format_args!(", "));
            }
            if i >= self.string_max || line.room() < TAIL_ROOM + self.string_max * 4 {
                line.put_fmt(format_args!("..."));
                break;
            }
            self.put_string(line, s);
            i += 1;
            entry = Self::array_entry(addr, i).unwrap_or(None);
        }
        line.put_fmt(format_args!("]"));
    }

    /// Writes `execve`'s envp as strace does, `0x... /* 5 vars */`,
    /// counting at most `ENVP_COUNT_MAX` strings.
    fn put_envp(line: &mut Line, addr: u64) {
        let vars = if addr == 0 {
            0
        } else {
            (0..ENVP_COUNT_MAX)
                .take_while(|&i| matches!(Self::array_entry(addr, i), Ok(Some(_))))
                .count()
        };
        let _ = decode::write_envp(line, addr, vars);
    }

    /// Writes a buffer argument of `count` bytes (`write`'s data, or what
    /// `read` got): `NULL`, or at most `string_max` bytes of it, fewer if
    /// their escapes (up to 4 bytes each) would leave the line no room
    /// for the rest of the call (`TAIL_ROOM`). Text is quoted as strace
    /// quotes strings; `data` (`getrandom`'s) is written in hex.
    fn put_buffer(&self, line: &mut Line, addr: u64, count: u64, data: bool) {
        if addr == 0 {
            let _ = decode::write_arg(line, ArgKind::Ptr, addr);
            return;
        }
        let mut buf = [0u8; STRING_MAX_LIMIT];
        let fits = line.room().saturating_sub(TAIL_ROOM) / 4;
        let n = usize::try_from(count).map_or(self.string_max, |c| c.min(self.string_max));
        let n = n.min(fits);
        let write: fn(&mut Line, &[u8], bool) -> core::fmt::Result = if data {
            decode::write_hex_string
        } else {
            decode::write_string
        };
        match read_shown(addr, &mut buf[..n]) {
            Ok(()) => {
                let _ = write(line, &buf[..n], count > n as u64);
            }
            Err(_) => {
                let _ = decode::write_arg(line, ArgKind::Ptr, addr);
            }
        }
    }

    /// A call shown without decoding: its name (`syscall_0x..` without
    /// one) and its six arguments in hex.
    fn put_raw_call(line: &mut Line, name: Option<&str>, nr: i64, args: &[u64]) {
        match name {
            Some(name) => line.put_fmt(format_args!("{name}(")),
            None => line.put_fmt(format_args!("syscall_{nr:#x}(")),
        }
        for (i, a) in args.iter().enumerate() {
            let sep = if i == 0 { "" } else { ", " };
            line.put_fmt(format_args!("{sep}{a:#x}"));
        }
        line.put_fmt(format_args!(")"));
    }

    /// Formats the call part of the line; `native`: the call is of the
    /// native ABI ([`SyscallEntry::is_native`]).
    fn put_call(&self, p: &mut Pending, call: &SyscallEntry<'_>, native: bool) {
        let nr = call.nr();
        let args = call.args();
        if !native {
            // Another ABI numbers its calls otherwise (ia32's 24 is getuid,
            // not sched_yield): shown raw with its ABI, never read with the
            // native table.
            p.line.put_fmt(format_args!("[arch {:#x}] ", call.arch()));
            Self::put_raw_call(&mut p.line, None, nr, &args);
            return;
        }
        let (Some(sig), Some(kinds)) = (syscalls::signature(nr), decode::arg_kinds(nr, &args))
        else {
            Self::put_raw_call(&mut p.line, syscalls::syscall_name(nr), nr, &args);
            return;
        };
        p.line.put_fmt(format_args!("{}(", sig.name));
        if nr == nr::CLONE {
            let _ = decode::write_clone(&mut p.line, &args);
            p.line.put_fmt(format_args!(")"));
            p.at_exit = None;
            return;
        }
        if nr == nr::RT_SIGRETURN {
            Self::put_sigreturn_mask(&mut p.line, call.stack_pointer());
            p.line.put_fmt(format_args!(")"));
            p.at_exit = None;
            return;
        }
        // An output argument, and what follows it, is decoded at exit.
        let output = kinds.iter().position(|k| k.is_output());
        let (at_exit, stop) = match (nr, output) {
            (nr::UNAME, _) => (Some(AtExit::Uname(args[0])), 0),
            (_, Some(index)) => (Some(AtExit::Output { nr, args, index }), index),
            (_, None) => (None, SYSCALL_ARGS),
        };
        self.put_args(&mut p.line, nr, &args, 0..stop);
        if at_exit.is_none() {
            p.line.put_fmt(format_args!(")"));
        }
        p.at_exit = at_exit;
    }

    /// Writes the arguments of the call in `range` (of those it shows),
    /// each after a `, ` but the first of the call.
    fn put_args(&self, line: &mut Line, nr: i64, args: &[u64; SYSCALL_ARGS], range: Range<usize>) {
        let Some(kinds) = decode::arg_kinds(nr, args) else {
            return;
        };
        let shown = decode::shown_args(nr, args).min(kinds.len());
        let end = range.end.min(shown);
        for i in range.start..end {
            let (kind, value) = (kinds[i], args[i]);
            if i > 0 {
                line.put_fmt(format_args!(", "));
            }
            match kind {
                ArgKind::Path => {
                    let paths = kinds[i..end]
                        .iter()
                        .filter(|&&k| k == ArgKind::Path)
                        .count();
                    Self::put_path(line, value, paths)
                }
                ArgKind::Buf if nr == nr::WRITE => self.put_buffer(line, value, args[2], false),
                ArgKind::RlimitIn => Self::put_rlimit(line, value),
                ArgKind::UtimesIn => Self::put_utimes(line, value),
                ArgKind::TimespecIn => Self::put_timespec(line, value),
                ArgKind::SigactionIn => Self::put_sigaction(line, value),
                ArgKind::SigsetIn => Self::put_sigset(line, value),
                ArgKind::Argv => self.put_argv(line, value),
                ArgKind::Envp => Self::put_envp(line, value),
                ArgKind::Buf => {
                    let _ = decode::write_arg(line, ArgKind::Ptr, value);
                }
                _ => {
                    let _ = decode::write_arg(line, kind, value);
                }
            }
        }
    }

    /// Ends the line of a call that returned `ret` at its output argument
    /// `index`: what the call wrote there (its address if it failed), then
    /// the arguments after it.
    fn put_output(
        &self,
        line: &mut Line,
        nr: i64,
        args: &[u64; SYSCALL_ARGS],
        index: usize,
        ret: i64,
    ) {
        if index > 0 {
            line.put_fmt(format_args!(", "));
        }
        let addr = args[index];
        let kind = decode::arg_kinds(nr, args)
            .and_then(|k| k.get(index).copied())
            .unwrap_or(ArgKind::Ptr);
        match (kind, u64::try_from(ret)) {
            (ArgKind::OutBuf, Ok(got)) => self.put_buffer(line, addr, got, false),
            (ArgKind::BytesOut, Ok(got)) => self.put_buffer(line, addr, got, true),
            (ArgKind::StrOut, Ok(_)) => self.put_string(line, addr),
            (ArgKind::DirentsOut, Ok(got)) => Self::put_dirents(line, addr, got),
            (ArgKind::GidsOut, Ok(n)) => self.put_gids(line, addr, n),
            (ArgKind::SigactionOut, Ok(0)) => Self::put_sigaction(line, addr),
            (ArgKind::SigsetOut, Ok(0)) => Self::put_sigset(line, addr),
            (ArgKind::WaitStatusOut, Ok(1..)) => Self::put_wait_status(line, addr),
            (ArgKind::StatBuf, Ok(0)) => Self::put_stat(line, addr),
            (ArgKind::TimespecOut, Ok(0)) => Self::put_timespec(line, addr),
            (ArgKind::RlimitOut, Ok(0)) => Self::put_rlimit(line, addr),
            _ => {
                let _ = decode::write_arg(line, ArgKind::Ptr, addr);
            }
        }
        self.put_args(line, nr, args, index + 1..SYSCALL_ARGS);
        line.put_fmt(format_args!(")"));
    }

    /// Writes `utimensat`'s two `struct __kernel_timespec` at `addr`
    /// (`NULL` for none).
    fn put_utimes(line: &mut Line, addr: u64) {
        type T = [bindings::__kernel_timespec; 2];
        type One = bindings::__kernel_timespec;
        let (sec, nsec) = (offset_of!(One, tv_sec), offset_of!(One, tv_nsec));
        const { assert!(size_of::<One>() == 16 && offset_of!(One, tv_nsec) == 8) };
        if let Some(raw) = UserStruct::read::<T>(line, addr) {
            let time = |i: usize| {
                let at = i * size_of::<One>();
                (raw.u64_at(at + sec) as i64, raw.u64_at(at + nsec) as i64)
            };
            let _ = decode::write_utimes(line, [time(0), time(1)]);
        }
    }

    /// Writes the `struct sigaction` at `addr` (`NULL` for none), as
    /// `rt_sigaction` reads and writes it (x86_64: the kernel's layout).
    fn put_sigaction(line: &mut Line, addr: u64) {
        type S = bindings::sigaction;
        const {
            assert!(offset_of!(S, sa_handler) + 8 <= size_of::<S>());
            assert!(offset_of!(S, sa_flags) + 8 <= size_of::<S>());
            assert!(offset_of!(S, sa_restorer) + 8 <= size_of::<S>());
            assert!(offset_of!(S, sa_mask) + 8 <= size_of::<S>());
        }
        if let Some(raw) = UserStruct::read::<S>(line, addr) {
            let _ = decode::write_sigaction(
                line,
                raw.u64_at(offset_of!(S, sa_handler)),
                raw.u64_at(offset_of!(S, sa_flags)),
                raw.u64_at(offset_of!(S, sa_restorer)),
                raw.u64_at(offset_of!(S, sa_mask)),
            );
        }
    }

    /// Writes the 64-signal set at `addr` (`NULL` for none).
    fn put_sigset(line: &mut Line, addr: u64) {
        if let Some(raw) = UserStruct::read::<u64>(line, addr) {
            let _ = decode::write_sigset(line, raw.u64_at(0));
        }
    }

    /// Writes the mask `rt_sigreturn` restores, `{mask=[]}`, from the
    /// signal frame its caller returned to it from: the handler's `ret`
    /// popped the frame's return address, so the frame's `struct
    /// ucontext` starts at the stack pointer.
    fn put_sigreturn_mask(line: &mut Line, sp: u64) {
        type U = bindings::ucontext;
        const { assert!(offset_of!(U, uc_sigmask) + 8 <= size_of::<U>()) };
        let Some(addr) = sp.checked_add(offset_of!(U, uc_sigmask) as u64) else {
            return;
        };
        let mut raw = [0u8; 8];
        if read_shown(addr, &mut raw).is_ok() {
            line.put_fmt(format_args!("{{mask="));
            let _ = decode::write_sigset(line, u64::from_ne_bytes(raw));
            line.put_fmt(format_args!("}}"));
        }
    }

    /// Writes the `wait` status at `addr`.
    fn put_wait_status(line: &mut Line, addr: u64) {
        if let Some(raw) = UserStruct::read::<i32>(line, addr) {
            let _ = decode::write_wait_status(line, raw.u32_at(0) as i32);
        }
    }

    /// Writes `getdents64`'s buffer at `addr`, in which the call wrote
    /// `got` bytes of `struct linux_dirent64`: its address and how many
    /// entries (counting at most `DIRENTS_COUNT_MAX`, one user read each).
    fn put_dirents(line: &mut Line, addr: u64, got: u64) {
        type D = bindings::linux_dirent64;
        let reclen_at = offset_of!(D, d_reclen) as u64;
        let (mut off, mut entries) = (0u64, 0usize);
        while off < got && entries < DIRENTS_COUNT_MAX {
            let mut reclen = [0u8; 2];
            let at = addr.checked_add(off + reclen_at).ok_or(EFAULT);
            if at.and_then(|at| read_shown(at, &mut reclen)).is_err() {
                break;
            }
            match u16::from_ne_bytes(reclen) {
                0 => break,
                n => off += u64::from(n),
            }
            entries += 1;
        }
        let _ = decode::write_dirents(line, addr, entries);
    }

    /// Writes the `n` group ids at `addr` (`getgroups`): at most
    /// `string_max` of them, as strace shows arrays.
    fn put_gids(&self, line: &mut Line, addr: u64, n: u64) {
        let mut ids = [0u32; STRING_MAX_LIMIT / 4];
        let total = usize::try_from(n).unwrap_or(usize::MAX);
        let shown = total.min(self.string_max).min(ids.len());
        for (i, id) in ids[..shown].iter_mut().enumerate() {
            let mut raw = [0u8; 4];
            let at = addr.checked_add(4 * i as u64).ok_or(EFAULT);
            if at.and_then(|at| read_shown(at, &mut raw)).is_err() {
                let _ = decode::write_arg(line, ArgKind::Ptr, addr);
                return;
            }
            *id = u32::from_ne_bytes(raw);
        }
        let _ = decode::write_ids(line, &ids[..shown], total);
    }

    /// Writes the `struct __kernel_timespec` at `addr`.
    fn put_timespec(line: &mut Line, addr: u64) {
        type T = bindings::__kernel_timespec;
        let (sec, nsec) = (offset_of!(T, tv_sec), offset_of!(T, tv_nsec));
        const {
            assert!(
                offset_of!(T, tv_sec) + 8 <= size_of::<T>()
                    && offset_of!(T, tv_nsec) + 8 <= size_of::<T>()
            )
        };
        if let Some(raw) = UserStruct::read::<T>(line, addr) {
            let _ = decode::write_timespec(line, raw.u64_at(sec) as i64, raw.u64_at(nsec) as i64);
        }
    }

    /// Writes the `struct rlimit64` at `addr` (`NULL` for none).
    fn put_rlimit(line: &mut Line, addr: u64) {
        type T = bindings::rlimit64;
        let (cur, max) = (offset_of!(T, rlim_cur), offset_of!(T, rlim_max));
        const {
            assert!(
                offset_of!(T, rlim_cur) + 8 <= size_of::<T>()
                    && offset_of!(T, rlim_max) + 8 <= size_of::<T>()
            )
        };
        if let Some(raw) = UserStruct::read::<T>(line, addr) {
            let _ = decode::write_rlimit(line, raw.u64_at(cur), raw.u64_at(max));
        }
    }

    /// Writes the `struct stat` at `addr` (its address if it cannot be
    /// read), with the fields strace shows, read at bindgen's offsets.
    fn put_stat(line: &mut Line, addr: u64) {
        type S = bindings::stat;
        // The widths read below fit the struct bindgen gives.
        const {
            assert!(offset_of!(S, st_mode) + 4 <= size_of::<S>());
            assert!(offset_of!(S, st_size) + 8 <= size_of::<S>());
            assert!(offset_of!(S, st_rdev) + 8 <= size_of::<S>());
        }
        let Some(raw) = UserStruct::read::<S>(line, addr) else {
            return;
        };
        let mode = raw.u32_at(offset_of!(S, st_mode));
        let size = raw.u64_at(offset_of!(S, st_size)) as i64;
        let rdev = raw.u64_at(offset_of!(S, st_rdev));
        let _ = decode::write_stat(line, mode, size, rdev);
    }

    /// Decodes a `uname` result: `{sysname="Linux", nodename="...", ...}`.
    fn put_uname(line: &mut Line, buf: u64, ok: bool) {
        let mut uts = [0u8; 2 * 65];
        if !ok || read_shown(buf, &mut uts).is_err() {
            let _ = decode::write_arg(line, ArgKind::Ptr, buf);
            line.put_fmt(format_args!(")"));
            return;
        }
        line.put_fmt(format_args!("{{"));
        for (i, name) in ["sysname", "nodename"].iter().enumerate() {
            let field = &uts[i * 65..(i + 1) * 65];
            let len = field.iter().position(|&c| c == 0).unwrap_or(64);
            line.put_fmt(format_args!("{name}="));
            let _ = decode::write_string(line, &field[..len], false);
            line.put_fmt(format_args!(", "));
        }
        line.put_fmt(format_args!("...}})"));
    }

    /// Starts a line of its own (a signal, the end), with the child's
    /// `[pid N]` if any.
    fn event_line(&self) -> Line {
        let mut line = Line::new();
        if let Some(pid) = self.pid_prefix {
            line.put_fmt(format_args!("[pid {pid:5}] "));
        }
        line
    }

    /// Says in the trace that the child `pid` runs untraced, and why:
    /// `<utrace: pid 42 not traced: out of memory>`.
    fn not_traced(&self, pid: i32, why: NotTraced) {
        let mut line = Line::new();
        line.put_fmt(format_args!("<utrace: pid {pid} not traced: "));
        match why {
            NotTraced::SessionFull(max) => line.put_fmt(format_args!(
                "this file's {max} engines are in use (UTRACE_SET_MAX_ENGINES)>"
            )),
            NotTraced::Error(e) if e == ENOMEM => line.put_fmt(format_args!("out of memory>")),
            NotTraced::Error(e) => line.put_fmt(format_args!("errno {}>", -e.to_errno())),
        }
        self.emit(&mut line);
    }

    fn emit(&self, line: &mut Line) {
        line.finish();
        self.out.push(line.as_bytes());
        line.clear();
    }
}

impl Engine for StraceEngine {
    fn report_syscall_entry(&self, _task: &Task, call: &mut SyscallEntry<'_>) -> Resume {
        let nr = call.nr();
        // One call into C, for the three uses below.
        let native = call.is_native();
        if self.before_exec.load(Relaxed) {
            // Another ABI's numbers are not the native execve's.
            if !native || (nr != nr::EXECVE && nr != nr::EXECVEAT) {
                return Resume::Resume;
            }
            self.before_exec.store(false, Relaxed);
        }
        let mut guard = self.pending.lock();
        let p = &mut **guard;
        p.line.clear();
        p.at_exit = None;
        if let Some(pid) = self.pid_prefix {
            p.line.put_fmt(format_args!("[pid {pid:5}] "));
        }
        self.put_call(p, call, native);
        if native && decode::ret_kind(nr) == RetKind::NoReturn {
            p.line.pad_to(RESULT_COLUMN);
            p.line.put_fmt(format_args!(" = ?"));
            self.emit(&mut p.line);
            p.nr = None;
        } else {
            p.nr = Some(nr);
        }
        Resume::Resume
    }

    fn report_clone(&self, _task: &Task, clone: &CloneReport<'_>) -> Resume {
        let Some(session) = &self.follow else {
            return Resume::Resume;
        };
        let child = clone.child();
        let pid = pid_vnr(child);
        // The room first: a full session attaches nothing.
        let room = match session.reserve() {
            Ok(room) => room,
            Err(e) if e == ENOSPC => {
                self.not_traced(pid, NotTraced::SessionFull(session.max()));
                return Resume::Resume;
            }
            Err(e) => {
                self.not_traced(pid, NotTraced::Error(e));
                return Resume::Resume;
            }
        };
        let attached = StraceEngine::new(
            self.out.another(),
            self.string_max,
            Some(session.clone()),
            Some(pid),
            false,
        )
        .and_then(|init| Arc::pin_init(init, GFP_KERNEL_ACCOUNT))
        .and_then(|engine| {
            Attach::new(engine)
                .events(STRACE_EVENTS)
                .attach_to_clone_child(clone)
        })
        .and_then(|handle| room.add(Slot::Strace(handle)));
        if let Err(e) = attached {
            self.not_traced(pid, NotTraced::Error(e));
        }
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
        let mut line = self.event_line();
        let fields = signal.info_fields();
        let _ =
            decode::write_signal_line(&mut line, signal.signo(), signal.code(), fields.as_ref());
        self.emit(&mut line);
        Resume::Resume
    }

    fn report_exit(&self, _task: &Task, exit: &mut ExitReport) -> Resume {
        if self.before_exec.load(Relaxed) {
            return Resume::Resume;
        }
        let mut line = self.event_line();
        let _ = decode::write_exit_line(&mut line, exit.code());
        self.emit(&mut line);
        Resume::Resume
    }

    fn report_syscall_exit(&self, _task: &Task, call: &mut SyscallExit<'_>) -> Resume {
        let nr = call.nr();
        let ret = call.return_value();
        let mut guard = self.pending.lock();
        let p = &mut **guard;
        let ours = p.nr.take();
        // A successful exec's exit comes with the number of the new
        // program's execve (`set_personality_64bit()`, or the ia32 one's
        // for a 32-bit program), whichever exec call it was.
        let exec_done = matches!(ours, Some(nr::EXECVE | nr::EXECVEAT)) && ret == 0;
        // A number of -1 at exit: a signal frame's registers replaced a
        // sigreturn's (native or compat), or a tracer skipped the call by
        // setting its number to -1. Either way the call is the one begun.
        if ours != Some(nr) && !exec_done && !(ours.is_some() && nr == -1) {
            return Resume::Resume;
        }
        match p.at_exit.take() {
            Some(AtExit::Uname(buf)) => Self::put_uname(&mut p.line, buf, ret == 0),
            Some(AtExit::Output { nr, args, index }) => {
                self.put_output(&mut p.line, nr, &args, index, ret)
            }
            None => {}
        }
        p.line.pad_to(RESULT_COLUMN);
        // Another ABI's call: its result as a plain number (-1: no call of
        // the native table).
        let decode_as = if call.is_native() { nr } else { -1 };
        let _ = decode::write_result(&mut p.line, decode_as, ret);
        self.emit(&mut p.line);
        Resume::Resume
    }
}
