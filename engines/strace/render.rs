// SPDX-License-Identifier: GPL-2.0

//! A record's line, as strace writes it.
//!
//! [`render`] is what a reader calls: the whole line of a record. The
//! [`Render`] it uses is the decoder of a call's arguments and of what the
//! call wrote, reading the traced task's memory through a [`Source`]. The
//! traced task runs the same [`Render`] with a line that formats nothing
//! and a [`Capture`](super::record::Capture) source, to gather the memory
//! the line will show (see [`record`](super::record)): so everything that
//! reads memory goes through `self.mem`, and nothing here may read more
//! when it has less room to write in.

use super::decode::{self, ArgKind};
use super::line::{Line, Out};
use super::record::{CallEnd, CallEntry, ProbeHit, Record, Replay, Source};
use super::socket::{self, CONTROL_MAX, FAMILY_LEN, SOCKADDR_MAX};
use super::syscalls::{self, nr};
use crate::engine_core::SYSCALL_ARGS;
use core::mem::{offset_of, size_of};
use core::ops::Range;
use kernel::bindings;
use kernel::prelude::*;

/// Largest accepted `string_max`.
pub(crate) const STRING_MAX_LIMIT: usize = 256;

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
pub(crate) const RESULT_COLUMN: usize = 39;

/// The largest user structure read whole (`struct statx`: 256 bytes).
const USER_STRUCT_MAX: usize = 256;

/// An output argument, and the rest of the call after it, decoded at exit.
#[derive(Clone, Copy)]
pub(crate) enum AtExit {
    /// `uname`'s structure.
    Uname(u64),
    /// Argument `index` of the call (an [`ArgKind::is_output`] one), then
    /// the arguments after it.
    Output {
        decoding: Decoding,
        args: [u64; SYSCALL_ARGS],
        index: usize,
        /// The length an [`ArgKind::SockLenInOut`] argument held at entry,
        /// if the call has one and it could be read.
        len_in: Option<u32>,
    },
}

/// How a call's arguments are decoded.
#[derive(Clone, Copy)]
pub(crate) struct Decoding {
    /// The native call whose rules apply: the call itself, or another
    /// ABI's call's native twin; `None` for another ABI's call read by the
    /// kinds its own table declares.
    native: Option<i64>,
    /// Its arguments' kinds.
    kinds: &'static [ArgKind],
    /// How many of them the line shows ([`decode::shown_args`]).
    shown: usize,
}

impl Decoding {
    /// Native call `nr`'s, whose arguments are `args` and their kinds
    /// `kinds` ([`decode::arg_kinds`]).
    fn native(nr: i64, kinds: &'static [ArgKind], args: &[u64; SYSCALL_ARGS]) -> Self {
        Decoding {
            native: Some(nr),
            kinds,
            shown: decode::shown_args_of(nr, args, Some(kinds)).min(kinds.len()),
        }
    }
}

/// Whose layout an array of pointers or of `iovec`s has.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Layout {
    /// x86_64's: 64-bit pointers and lengths.
    Native,
    /// ia32's: 32-bit ones.
    Ia32,
}

impl Layout {
    /// The size of a pointer, in bytes.
    fn pointer(self) -> u64 {
        match self {
            Layout::Native => 8,
            Layout::Ia32 => 4,
        }
    }
}

/// A `sendmsg` or `recvmsg` message header, as bindgen lays it out.
type Msghdr = bindings::user_msghdr;

/// What the arguments shown at exit need to know of the call.
#[derive(Clone, Copy)]
struct Exit {
    /// What the call returned.
    ret: i64,
    /// [`AtExit::Output`]'s `len_in`.
    len_in: Option<u32>,
}

/// A copy of a user structure, laid out as bindgen gives its type, whose
/// fields are read at their `offset_of!`.
struct UserStruct {
    raw: [u8; USER_STRUCT_MAX],
}

impl UserStruct {
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

    /// The 16-bit field at `off`.
    fn u16_at(&self, off: usize) -> u16 {
        let mut b = [0u8; 2];
        b.copy_from_slice(&self.raw[off..off + 2]);
        u16::from_ne_bytes(b)
    }
}

/// The decoder of one call's line: writes to `line`, reads the traced
/// task's memory from `mem`, shows at most `string_max` bytes of a string.
pub(crate) struct Render<'a, S: Source, W: Out> {
    pub(crate) line: &'a mut W,
    pub(crate) mem: &'a mut S,
    pub(crate) string_max: usize,
}

impl<S: Source, W: Out> Render<'_, S, W> {
    /// The call part of the line, up to its output argument if it has one:
    /// what is left for the exit.
    pub(crate) fn call_entry(&mut self, call: &CallEntry) -> Option<AtExit> {
        let args = &call.args;
        let (name, decoding) = self.decoding(call)?;
        self.line.put_fmt(format_args!("{name}("));
        if decoding.native == Some(nr::CLONE) {
            let _ = decode::write_clone(self.line, args);
            self.line.put_fmt(format_args!(")"));
            return None;
        }
        if decoding.native == Some(nr::RT_SIGRETURN) {
            self.sigreturn_mask(call.sp);
            self.line.put_fmt(format_args!(")"));
            return None;
        }
        let kinds = decoding.kinds;
        // An output argument, and what follows it, is decoded at exit.
        let output = kinds.iter().position(|k| k.is_output());
        let (at_exit, stop) = match (decoding.native, output) {
            (Some(nr::UNAME), _) => (Some(AtExit::Uname(args[0])), 0),
            (_, Some(index)) => {
                // A length the call reads and sets: what it was, before
                // the call sets it.
                let len_at = kinds.iter().enumerate().find_map(|(i, &k)| match k {
                    // No address, no length: strace shows its address.
                    ArgKind::SockLenInOut
                        if i > 0 && kinds[i - 1] == ArgKind::SockaddrOut && args[i - 1] == 0 =>
                    {
                        None
                    }
                    ArgKind::SockLenInOut => Some(args[i]),
                    ArgKind::MsghdrOut if args[i] != 0 => {
                        Some(args[i].wrapping_add(offset_of!(Msghdr, msg_namelen) as u64))
                    }
                    _ => None,
                });
                let len_in = len_at.and_then(|at| self.read_u32(at));
                let at_exit = AtExit::Output {
                    decoding,
                    args: *args,
                    index,
                    len_in,
                };
                (Some(at_exit), index)
            }
            (_, None) => (None, SYSCALL_ARGS),
        };
        self.args(decoding, args, 0..stop, None);
        if at_exit.is_none() {
            self.line.put_fmt(format_args!(")"));
        }
        at_exit
    }

    /// How `call` is decoded, and the name its line shows, after the mark
    /// of its ABI if it is not the native one (`[ia32] `). `None` for a
    /// call shown raw, which is then written whole: one without a table
    /// here, a number without a call, a call the table leaves undecoded.
    ///
    /// Another ABI numbers its calls otherwise (ia32's 24 is getuid, not
    /// sched_yield): its call is never read with the native table, but as
    /// the native twin its own table names (`[ia32] read(3, "hi", 255)`), or
    /// by the kinds its table declares (`[ia32] stat64("/x", {...})`).
    fn decoding(&mut self, call: &CallEntry) -> Option<(&'static str, Decoding)> {
        let (nr, args) = (call.nr, &call.args);
        if call.native {
            let (Some(sig), Some(kinds)) = (syscalls::signature(nr), decode::arg_kinds(nr, args))
            else {
                self.raw_call(syscalls::syscall_name(nr), nr, args);
                return None;
            };
            return Some((sig.name, Decoding::native(nr, kinds, args)));
        }
        let Some(abi) = syscalls::ForeignAbi::of(call.arch) else {
            self.line.put_fmt(format_args!("[arch {:#x}] ", call.arch));
            self.raw_call(None, nr, args);
            return None;
        };
        self.line.put_fmt(format_args!("[{}] ", abi.label()));
        let Some(syscall) = abi.syscall(nr) else {
            self.raw_call(None, nr, args);
            return None;
        };
        let decoding = match (syscall.twin, syscall.args) {
            (Some(twin), _) => {
                decode::arg_kinds(twin, args).map(|k| Decoding::native(twin, k, args))
            }
            (None, Some(kinds)) => {
                // `fcntl`'s third argument, shown as for the native call.
                let shown = abi
                    .native_twin(nr)
                    .map_or(kinds.len(), |twin| decode::shown_args(twin, args))
                    .min(kinds.len());
                Some(Decoding {
                    native: None,
                    kinds,
                    shown,
                })
            }
            (None, None) => None,
        };
        match decoding {
            Some(decoding) => Some((syscall.name, decoding)),
            None => {
                self.raw_call(Some(syscall.name), nr, args);
                None
            }
        }
    }

    /// The rest of the call part, once the call returned `ret`.
    pub(crate) fn call_exit(&mut self, at_exit: Option<AtExit>, ret: i64) {
        match at_exit {
            Some(AtExit::Uname(buf)) => self.uname(buf, ret == 0),
            Some(AtExit::Output {
                decoding,
                args,
                index,
                len_in,
            }) => self.output(decoding, &args, index, Exit { ret, len_in }),
            None => {}
        }
    }

    /// The `T` at `addr`; `None`, with the address written (`NULL` for
    /// none), if it cannot be read.
    fn user_struct<T>(&mut self, addr: u64) -> Option<UserStruct> {
        let got = self.read_struct::<T>(addr);
        if got.is_none() {
            self.ptr(addr);
        }
        got
    }

    /// [`Render::user_struct`] without writing anything when it cannot be
    /// read.
    fn read_struct<T>(&mut self, addr: u64) -> Option<UserStruct> {
        const { assert!(size_of::<T>() <= USER_STRUCT_MAX) };
        let mut raw = [0u8; USER_STRUCT_MAX];
        if addr == 0 || self.mem.read(addr, &mut raw[..size_of::<T>()]).is_err() {
            return None;
        }
        Some(UserStruct { raw })
    }

    /// The 32 bits at `addr`, if it is not `NULL` and they can be read.
    fn read_u32(&mut self, addr: u64) -> Option<u32> {
        let mut b = [0u8; 4];
        if addr == 0 || self.mem.read(addr, &mut b).is_err() {
            return None;
        }
        Some(u32::from_ne_bytes(b))
    }

    /// An address, as strace shows one (`NULL`, `0x7ff...`).
    fn ptr(&mut self, addr: u64) {
        let _ = decode::write_arg(self.line, ArgKind::Ptr, addr);
    }

    /// A user string argument (at most `string_max` bytes), or its address
    /// if it cannot be read; returns what [`Render::cstr`] does.
    fn string(&mut self, addr: u64) -> usize {
        let budget = self.line.room().saturating_sub(TAIL_ROOM);
        self.cstr(addr, self.string_max, budget)
    }

    /// A path argument: as strace does, whole, whatever `string_max` is, up
    /// to `STRING_MAX_LIMIT` bytes and as far as the line has room, sharing
    /// it with the `paths` path arguments left (this one included) and
    /// keeping `TAIL_ROOM` for the result.
    fn path(&mut self, addr: u64, paths: usize) {
        let budget = self.line.room().saturating_sub(TAIL_ROOM) / paths.max(1);
        self.cstr(addr, STRING_MAX_LIMIT, budget);
    }

    /// At most `max` bytes of the user string at `addr`, no more than fit
    /// in `budget` bytes of text (`"..."...` beyond), or its address if it
    /// cannot be read. Returns `min(len, max)` of the string, 0 if none.
    fn cstr(&mut self, addr: u64, max: usize, budget: usize) -> usize {
        let mut buf = [0u8; STRING_MAX_LIMIT + 2];
        let max = max.min(STRING_MAX_LIMIT);
        match self.mem.read_cstr(addr, &mut buf[..max + 2]) {
            Ok((len, _)) => {
                let shown = decode::string_fit(&buf[..len.min(max)], budget);
                let _ = decode::write_string(self.line, &buf[..shown], len > shown);
                len.min(max)
            }
            Err(_) => {
                self.ptr(addr);
                0
            }
        }
    }

    /// Entry `i` of the user array of pointers at `addr`, laid out as
    /// `layout` says: `None` at its NULL end, `EFAULT` if it cannot be
    /// read.
    fn array_entry(
        mem: &mut impl FnMut(u64, &mut [u8]) -> Result,
        addr: u64,
        i: usize,
        layout: Layout,
    ) -> Result<Option<u64>> {
        let width = layout.pointer();
        let off = u64::try_from(i)
            .ok()
            .and_then(|i| i.checked_mul(width))
            .ok_or(EFAULT)?;
        let at = addr.checked_add(off).ok_or(EFAULT)?;
        let pointer = match layout {
            Layout::Native => {
                let mut word = [0u8; 8];
                mem(at, &mut word)?;
                u64::from_ne_bytes(word)
            }
            Layout::Ia32 => {
                let mut word = [0u8; 4];
                mem(at, &mut word)?;
                u32::from_ne_bytes(word).into()
            }
        };
        Ok(Some(pointer).filter(|&p| p != 0))
    }

    /// `execve`'s argv (its pointers laid out as `layout` says) as strace
    /// writes it, `["ls", "-l"]`: at most `string_max` strings, then
    /// `...`, and fewer if the line would have no room left for the rest
    /// of the call.
    fn argv(&mut self, addr: u64, layout: Layout) {
        let mut read = |a, b: &mut [u8]| self.mem.read(a, b);
        let first = Self::array_entry(&mut read, addr, 0, layout);
        let mut entry = match first {
            Ok(first) if addr != 0 => first,
            _ => {
                self.ptr(addr);
                return;
            }
        };
        self.line.put_fmt(format_args!("["));
        // What the strings shown so far took of the line, at least: the
        // null line does not count its text, so without this the traced
        // task would read `string_max` strings where a line shows a few
        // (review: they filled the capture area). A string here is never
        // cut for room (the check below leaves it `string_max * 4`), so it
        // takes its quotes and at least its `min(len, string_max)` bytes,
        // and a `, ` before it: the task still reads all a line can show.
        let mut spent = 0usize;
        let mut i = 0;
        while let Some(s) = entry {
            if i > 0 {
                self.line.put_fmt(format_args!(", "));
            }
            let room = if self.line.is_null() {
                self.line.room().saturating_sub(spent)
            } else {
                self.line.room()
            };
            if i >= self.string_max || room < TAIL_ROOM + self.string_max * 4 {
                self.line.put_fmt(format_args!("..."));
                break;
            }
            spent += 4 + self.string(s);
            i += 1;
            let mut read = |a, b: &mut [u8]| self.mem.read(a, b);
            entry = Self::array_entry(&mut read, addr, i, layout).unwrap_or(None);
        }
        self.line.put_fmt(format_args!("]"));
    }

    /// `execve`'s envp (its pointers laid out as `layout` says) as strace
    /// writes it, `0x... /* 5 vars */`, counting at most `ENVP_COUNT_MAX`
    /// strings.
    fn envp(&mut self, addr: u64, layout: Layout) {
        let vars = if addr == 0 {
            Some(0)
        } else {
            self.mem.counted(addr, |live| {
                let mut read = |a, b: &mut [u8]| live.read(a, b);
                (0..ENVP_COUNT_MAX)
                    .take_while(|&i| {
                        matches!(Self::array_entry(&mut read, addr, i, layout), Ok(Some(_)))
                    })
                    .count()
            })
        };
        match vars {
            Some(vars) => {
                let _ = decode::write_envp(self.line, addr, vars);
            }
            None => self.ptr(addr),
        }
    }

    /// A buffer argument of `count` bytes (`write`'s data, or what `read`
    /// got): `NULL`, or at most `string_max` bytes of it, fewer if their
    /// escapes (up to 4 bytes each) would leave the line no room for the
    /// rest of the call (`TAIL_ROOM`). Text is quoted as strace quotes
    /// strings; `data` (`getrandom`'s) is written in hex.
    fn buffer(&mut self, addr: u64, count: u64, data: bool) {
        if addr == 0 {
            self.ptr(addr);
            return;
        }
        let mut buf = [0u8; STRING_MAX_LIMIT];
        let fits = self.line.room().saturating_sub(TAIL_ROOM) / 4;
        let n = usize::try_from(count).map_or(self.string_max, |c| c.min(self.string_max));
        let n = n.min(fits).min(buf.len());
        match self.mem.read(addr, &mut buf[..n]) {
            Ok(()) if data => {
                let _ = decode::write_hex_string(self.line, &buf[..n], count > n as u64);
            }
            Ok(()) => {
                let _ = decode::write_string(self.line, &buf[..n], count > n as u64);
            }
            Err(_) => self.ptr(addr),
        }
    }

    /// A call shown without decoding: its name (`syscall_0x..` without
    /// one) and its six arguments in hex.
    fn raw_call(&mut self, name: Option<&str>, nr: i64, args: &[u64]) {
        match name {
            Some(name) => self.line.put_fmt(format_args!("{name}(")),
            None => self.line.put_fmt(format_args!("syscall_{nr:#x}(")),
        }
        for (i, a) in args.iter().enumerate() {
            let sep = if i == 0 { "" } else { ", " };
            self.line.put_fmt(format_args!("{sep}{a:#x}"));
        }
        self.line.put_fmt(format_args!(")"));
    }

    /// The arguments of the call `decoding` describes in `range` (of those
    /// it shows), each after a `, ` but the first of the call; `exit` once
    /// the call returned (`None` at entry).
    fn args(
        &mut self,
        decoding: Decoding,
        args: &[u64; SYSCALL_ARGS],
        range: Range<usize>,
        exit: Option<Exit>,
    ) {
        let Decoding {
            native,
            kinds,
            shown,
        } = decoding;
        let end = range.end.min(shown);
        for i in range.start..end {
            let (kind, value) = (kinds[i], args[i]);
            let next = args.get(i + 1).copied().unwrap_or(0);
            if i > 0 {
                self.line.put_fmt(format_args!(", "));
            }
            match kind {
                ArgKind::Path => {
                    let paths = kinds[i..end]
                        .iter()
                        .filter(|&&k| k == ArgKind::Path)
                        .count();
                    self.path(value, paths)
                }
                // The length is the next argument (`write`, `pwrite64`,
                // `sendto`).
                ArgKind::Buf => self.buffer(value, next, false),
                ArgKind::SockaddrIn => self.sockaddr(value, next as i32),
                ArgKind::MsghdrIn => self.msghdr(value, None),
                // Named by the socket's family, the option's level.
                ArgKind::SockProtocol => {
                    let _ = socket::write_protocol(self.line, args[0] as u32, value as u32);
                }
                ArgKind::SockOption => {
                    let get = native == Some(nr::GETSOCKOPT);
                    let _ = socket::write_option(self.line, args[1] as u32, value as u32, get);
                }
                ArgKind::SockoptIn => self.sockopt(value, next as i32, option_of(args), false),
                ArgKind::SockaddrOut | ArgKind::SockoptOut | ArgKind::SockLenInOut => match exit {
                    Some(exit) => self.socket_out(kind, value, next, option_of(args), exit),
                    None => self.ptr(value),
                },
                ArgKind::RlimitIn => self.rlimit(value),
                ArgKind::UtimesIn => self.utimes(value),
                ArgKind::TimespecIn => self.timespec(value),
                ArgKind::Timespec32In => self.timespec32(value),
                ArgKind::SigactionIn => self.sigaction(value),
                ArgKind::Sigaction32In => self.sigaction32(value),
                ArgKind::SigsetIn => self.sigset(value),
                ArgKind::IovIn => self.iovecs(value, next, None, Layout::Native),
                ArgKind::Iov32In => self.iovecs(value, next, None, Layout::Ia32),
                ArgKind::Argv => self.argv(value, Layout::Native),
                ArgKind::Argv32 => self.argv(value, Layout::Ia32),
                ArgKind::Envp => self.envp(value, Layout::Native),
                ArgKind::Envp32 => self.envp(value, Layout::Ia32),
                ArgKind::TermiosIn => self.termios(value),
                ArgKind::WinsizeIn => self.winsize(value),
                ArgKind::IntIn => self.int_ref(value),
                _ => {
                    let _ = decode::write_arg(self.line, kind, value);
                }
            }
        }
    }

    /// The end of the call part of a call that returned `ret` at its output
    /// argument `index`: what the call wrote there (its address if it
    /// failed), then the arguments after it.
    fn output(&mut self, decoding: Decoding, args: &[u64; SYSCALL_ARGS], index: usize, exit: Exit) {
        let ret = exit.ret;
        if index > 0 {
            self.line.put_fmt(format_args!(", "));
        }
        let addr = args[index];
        let kind = decoding.kinds.get(index).copied().unwrap_or(ArgKind::Ptr);
        match (kind, u64::try_from(ret)) {
            (ArgKind::OutBuf, Ok(got)) => self.buffer(addr, got, false),
            (ArgKind::BytesOut, Ok(got)) => self.buffer(addr, got, true),
            (ArgKind::StrOut, Ok(_)) => {
                self.string(addr);
            }
            (ArgKind::DirentsOut, Ok(got)) => self.dirents(addr, got),
            (ArgKind::GidsOut, Ok(n)) => self.gids(addr, n),
            (ArgKind::SigactionOut, Ok(0)) => self.sigaction(addr),
            (ArgKind::SigsetOut, Ok(0)) => self.sigset(addr),
            (ArgKind::WaitStatusOut, Ok(1..)) => self.wait_status(addr),
            (ArgKind::StatBuf, Ok(0)) => self.stat(addr),
            (ArgKind::Stat64Buf, Ok(0)) => self.stat64(addr),
            (ArgKind::StatxBuf, Ok(0)) => self.statx(addr),
            (ArgKind::TimespecOut, Ok(0)) => self.timespec(addr),
            (ArgKind::Timespec32Out, Ok(0)) => self.timespec32(addr),
            (ArgKind::Sigaction32Out, Ok(0)) => self.sigaction32(addr),
            (ArgKind::RlimitOut, Ok(0)) => self.rlimit(addr),
            (ArgKind::Rlimit32Out, Ok(0)) => self.rlimit32(addr),
            (ArgKind::TermiosOut, Ok(0)) => self.termios(addr),
            (ArgKind::WinsizeOut, Ok(0)) => self.winsize(addr),
            (ArgKind::IntOut, Ok(0)) => self.int_ref(addr),
            (ArgKind::IovOut, Ok(got)) => {
                let count = args.get(index + 1).copied().unwrap_or(0);
                self.iovecs(addr, count, Some(got), Layout::Native)
            }
            (ArgKind::Iov32Out, Ok(got)) => {
                let count = args.get(index + 1).copied().unwrap_or(0);
                self.iovecs(addr, count, Some(got), Layout::Ia32)
            }
            (ArgKind::SockaddrOut | ArgKind::SockoptOut, _) => {
                let len_at = args.get(index + 1).copied().unwrap_or(0);
                self.socket_out(kind, addr, len_at, option_of(args), exit)
            }
            (ArgKind::FdPairOut, Ok(0)) => self.fd_pair(addr),
            (ArgKind::MsghdrOut, _) => self.msghdr(addr, Some(exit)),
            _ => self.ptr(addr),
        }
        self.args(decoding, args, index + 1..SYSCALL_ARGS, Some(exit));
        self.line.put_fmt(format_args!(")"));
    }

    /// The socket address of `len` bytes at `addr` (a length as the call
    /// takes it, an `int`): its address if it is shorter than its family
    /// or cannot be read; at most [`SOCKADDR_MAX`] bytes, as the kernel
    /// reads.
    fn sockaddr(&mut self, addr: u64, len: i32) {
        let n = usize::try_from(len).map_or(0, |l| l.min(SOCKADDR_MAX));
        let mut raw = [0u8; SOCKADDR_MAX];
        if addr == 0 || n < FAMILY_LEN || self.mem.read(addr, &mut raw[..n]).is_err() {
            self.ptr(addr);
            return;
        }
        let budget = self.line.room().saturating_sub(TAIL_ROOM);
        let _ = socket::write_sockaddr(self.line, &raw[..n], budget);
    }

    /// The value of `len` bytes at `addr` of the socket option `option`
    /// (its level and name): `SO_LINGER`'s `struct linger`, an `int` as
    /// `[1]`, its address otherwise.
    fn sockopt(&mut self, addr: u64, len: i32, option: (u32, u32), get: bool) {
        type L = bindings::linger;
        let (level, name) = option;
        if option == (bindings::SOL_SOCKET, bindings::SO_LINGER) {
            // The whole structure; its first member alone when that is all
            // `getsockopt` gave; otherwise the address, as strace shows it.
            let n = match usize::try_from(len) {
                Ok(l) if l >= size_of::<L>() => size_of::<L>(),
                Ok(l) if get && l == size_of::<i32>() => l,
                _ => 0,
            };
            let mut raw = [0u8; size_of::<L>()];
            if addr != 0 && n > 0 && self.mem.read(addr, &mut raw[..n]).is_ok() {
                let _ = socket::write_linger(self.line, &raw[..n]);
            } else {
                self.ptr(addr);
            }
            return;
        }
        let int = usize::try_from(len) == Ok(size_of::<i32>());
        match if int { self.read_u32(addr) } else { None } {
            Some(v) => {
                let _ = socket::write_int_option(self.line, level, name, v as i32, get);
            }
            None => self.ptr(addr),
        }
    }

    /// At exit, an argument a socket call sets through a length it reads
    /// and sets at `len_at`: `kind` is [`ArgKind::SockaddrOut`] or
    /// [`ArgKind::SockoptOut`] (of the option `option`) at `addr`, shown
    /// with what the kernel copied, its address if the call failed; or
    /// [`ArgKind::SockLenInOut`], the length itself at `addr`: `[in]`, or
    /// `[in => out]` when the call changed it. Nothing is read for a call
    /// that failed but the length it was given, read at entry.
    fn socket_out(
        &mut self,
        kind: ArgKind,
        addr: u64,
        len_at: u64,
        option: (u32, u32),
        exit: Exit,
    ) {
        let ok = exit.ret >= 0;
        match kind {
            ArgKind::SockLenInOut => {
                let Some(len_in) = exit.len_in else {
                    self.ptr(addr);
                    return;
                };
                // Lengths are `int`s.
                let len_in = len_in as i32;
                match if ok { self.read_u32(addr) } else { None } {
                    Some(out) if out as i32 != len_in => self
                        .line
                        .put_fmt(format_args!("[{len_in} => {}]", out as i32)),
                    _ => self.line.put_fmt(format_args!("[{len_in}]")),
                }
            }
            ArgKind::SockaddrOut => match if ok && addr != 0 {
                self.read_u32(len_at)
            } else {
                None
            } {
                // The kernel gives the whole length and copies what fits.
                Some(out) => {
                    let shown = exit.len_in.map_or(out, |len_in| len_in.min(out));
                    self.sockaddr(addr, i32::try_from(shown).unwrap_or(-1))
                }
                None => self.ptr(addr),
            },
            _ => match if ok { self.read_u32(len_at) } else { None } {
                Some(out) => self.sockopt(addr, out as i32, option, true),
                None => self.ptr(addr),
            },
        }
    }

    /// The message header at `addr`: `sendmsg`'s at entry (`exit` is
    /// `None`), `recvmsg`'s at exit, as strace shows them: `{msg_name=NULL,
    /// msg_namelen=0, msg_iov=[{iov_base="hi", iov_len=2}], msg_iovlen=1,
    /// msg_controllen=0, msg_flags=0}`. For a `recvmsg` that failed, only
    /// the name's length it was given: `{msg_namelen=110}`.
    fn msghdr(&mut self, addr: u64, exit: Option<Exit>) {
        type M = Msghdr;
        const {
            assert!(offset_of!(M, msg_namelen) + 4 <= size_of::<M>());
            assert!(offset_of!(M, msg_flags) + 4 <= size_of::<M>());
        }
        if let Some(exit) = exit.filter(|e| e.ret < 0) {
            match exit.len_in {
                Some(len) => self
                    .line
                    .put_fmt(format_args!("{{msg_namelen={}}}", len as i32)),
                None => self.ptr(addr),
            }
            return;
        }
        let Some(raw) = self.user_struct::<M>(addr) else {
            return;
        };
        let name = raw.u64_at(offset_of!(M, msg_name));
        let namelen = raw.u32_at(offset_of!(M, msg_namelen));
        let iov = raw.u64_at(offset_of!(M, msg_iov));
        let iovlen = raw.u64_at(offset_of!(M, msg_iovlen));
        let control = raw.u64_at(offset_of!(M, msg_control));
        let controllen = raw.u64_at(offset_of!(M, msg_controllen));
        let flags = raw.u32_at(offset_of!(M, msg_flags));
        // At exit the name holds what the kernel copied: the smaller of
        // the length given and the one set.
        let len_in = exit.and_then(|e| e.len_in).unwrap_or(namelen);
        self.line.put_fmt(format_args!("{{msg_name="));
        match (name, exit) {
            (0, _) => self.ptr(0),
            (_, Some(_)) if namelen == 0 => self.ptr(name),
            _ => self.sockaddr(name, i32::try_from(len_in.min(namelen)).unwrap_or(-1)),
        }
        // Lengths are `int`s.
        let (was, is) = (len_in as i32, namelen as i32);
        if was != is {
            self.line
                .put_fmt(format_args!(", msg_namelen={was} => {is}, msg_iov="));
        } else {
            self.line
                .put_fmt(format_args!(", msg_namelen={is}, msg_iov="));
        }
        if iov == 0 {
            self.ptr(0);
        } else {
            let got = exit.map(|e| e.ret as u64);
            self.iovecs(iov, iovlen, got, Layout::Native);
        }
        self.line.put_fmt(format_args!(", msg_iovlen={iovlen}"));
        if controllen > 0 {
            self.line.put_fmt(format_args!(", msg_control="));
            self.cmsgs(control, controllen);
        }
        self.line
            .put_fmt(format_args!(", msg_controllen={controllen}, msg_flags="));
        let _ = socket::write_msg_flags(self.line, flags);
        self.line.put_fmt(format_args!("}}"));
    }

    /// The control messages at `addr`, `len` bytes: its address if it
    /// is shorter than a message's header or cannot be read.
    fn cmsgs(&mut self, addr: u64, len: u64) {
        let n = usize::try_from(len).map_or(CONTROL_MAX, |l| l.min(CONTROL_MAX));
        let mut raw = [0u8; CONTROL_MAX];
        if n < size_of::<bindings::cmsghdr>()
            || addr == 0
            || self.mem.read(addr, &mut raw[..n]).is_err()
        {
            self.ptr(addr);
            return;
        }
        let _ = socket::write_cmsgs(self.line, &raw[..n], addr, len);
    }

    /// The two descriptors at `addr` (`pipe`, `socketpair`): `[3, 4]`.
    fn fd_pair(&mut self, addr: u64) {
        type Fd = kernel::ffi::c_int;
        if let Some(raw) = self.user_struct::<[Fd; 2]>(addr) {
            let (a, b) = (raw.u32_at(0) as Fd, raw.u32_at(size_of::<Fd>()) as Fd);
            self.line.put_fmt(format_args!("[{a}, {b}]"));
        }
    }

    /// `utimensat`'s two `struct __kernel_timespec` at `addr` (`NULL` for
    /// none).
    fn utimes(&mut self, addr: u64) {
        type T = [bindings::__kernel_timespec; 2];
        type One = bindings::__kernel_timespec;
        let (sec, nsec) = (offset_of!(One, tv_sec), offset_of!(One, tv_nsec));
        const { assert!(size_of::<One>() == 16 && offset_of!(One, tv_nsec) == 8) };
        if let Some(raw) = self.user_struct::<T>(addr) {
            let time = |i: usize| {
                let at = i * size_of::<One>();
                (raw.u64_at(at + sec) as i64, raw.u64_at(at + nsec) as i64)
            };
            let _ = decode::write_utimes(self.line, [time(0), time(1)]);
        }
    }

    /// The `struct sigaction` at `addr` (`NULL` for none), as
    /// `rt_sigaction` reads and writes it (x86_64: the kernel's layout).
    fn sigaction(&mut self, addr: u64) {
        type S = bindings::sigaction;
        const {
            assert!(offset_of!(S, sa_handler) + 8 <= size_of::<S>());
            assert!(offset_of!(S, sa_flags) + 8 <= size_of::<S>());
            assert!(offset_of!(S, sa_restorer) + 8 <= size_of::<S>());
            assert!(offset_of!(S, sa_mask) + 8 <= size_of::<S>());
        }
        if let Some(raw) = self.user_struct::<S>(addr) {
            let _ = decode::write_sigaction(
                self.line,
                raw.u64_at(offset_of!(S, sa_handler)),
                raw.u64_at(offset_of!(S, sa_flags)),
                raw.u64_at(offset_of!(S, sa_restorer)),
                raw.u64_at(offset_of!(S, sa_mask)),
            );
        }
    }

    /// ia32's `struct compat_sigaction` at `addr` (`NULL` for none), as
    /// [`Render::sigaction`] shows the native one.
    fn sigaction32(&mut self, addr: u64) {
        type S = bindings::compat_sigaction;
        const {
            assert!(offset_of!(S, sa_handler) + 4 <= size_of::<S>());
            assert!(offset_of!(S, sa_flags) + 4 <= size_of::<S>());
            assert!(offset_of!(S, sa_restorer) + 4 <= size_of::<S>());
            assert!(offset_of!(S, sa_mask) + 8 <= size_of::<S>());
        }
        if let Some(raw) = self.user_struct::<S>(addr) {
            // The 64 signals in two 32-bit words, low one first: a
            // little-endian 64-bit set.
            let _ = decode::write_sigaction(
                self.line,
                raw.u32_at(offset_of!(S, sa_handler)).into(),
                raw.u32_at(offset_of!(S, sa_flags)).into(),
                raw.u32_at(offset_of!(S, sa_restorer)).into(),
                raw.u64_at(offset_of!(S, sa_mask)),
            );
        }
    }

    /// The 64-signal set at `addr` (`NULL` for none).
    fn sigset(&mut self, addr: u64) {
        if let Some(raw) = self.user_struct::<u64>(addr) {
            let _ = decode::write_sigset(self.line, raw.u64_at(0));
        }
    }

    /// The mask `rt_sigreturn` restores, `{mask=[]}`, from the signal frame
    /// its caller returned to it from: the handler's `ret` popped the
    /// frame's return address, so the frame's `struct ucontext` starts at
    /// the stack pointer.
    fn sigreturn_mask(&mut self, sp: u64) {
        type U = bindings::ucontext;
        const { assert!(offset_of!(U, uc_sigmask) + 8 <= size_of::<U>()) };
        let Some(addr) = sp.checked_add(offset_of!(U, uc_sigmask) as u64) else {
            return;
        };
        let mut raw = [0u8; 8];
        if self.mem.read(addr, &mut raw).is_ok() {
            self.line.put_fmt(format_args!("{{mask="));
            let _ = decode::write_sigset(self.line, u64::from_ne_bytes(raw));
            self.line.put_fmt(format_args!("}}"));
        }
    }

    /// The `wait` status at `addr`.
    fn wait_status(&mut self, addr: u64) {
        if let Some(raw) = self.user_struct::<i32>(addr) {
            let _ = decode::write_wait_status(self.line, raw.u32_at(0) as i32);
        }
    }

    /// `getdents64`'s buffer at `addr`, in which the call wrote `got` bytes
    /// of `struct linux_dirent64`: its address and how many entries
    /// (counting at most `DIRENTS_COUNT_MAX`, one user read each).
    fn dirents(&mut self, addr: u64, got: u64) {
        type D = bindings::linux_dirent64;
        let reclen_at = offset_of!(D, d_reclen) as u64;
        let entries = self.mem.counted(addr, |live| {
            let (mut off, mut entries) = (0u64, 0usize);
            while off < got && entries < DIRENTS_COUNT_MAX {
                let mut reclen = [0u8; 2];
                let at = addr.checked_add(off + reclen_at).ok_or(EFAULT);
                if at.and_then(|at| live.read(at, &mut reclen)).is_err() {
                    break;
                }
                match u16::from_ne_bytes(reclen) {
                    0 => break,
                    n => off += u64::from(n),
                }
                entries += 1;
            }
            entries
        });
        match entries {
            Some(entries) => {
                let _ = decode::write_dirents(self.line, addr, entries);
            }
            None => self.ptr(addr),
        }
    }

    /// The `n` group ids at `addr` (`getgroups`): at most `string_max` of
    /// them, as strace shows arrays.
    fn gids(&mut self, addr: u64, n: u64) {
        if addr == 0 {
            // `getgroups(0, NULL)`, as strace shows it.
            self.ptr(addr);
            return;
        }
        let mut ids = [0u32; STRING_MAX_LIMIT / 4];
        let total = usize::try_from(n).unwrap_or(usize::MAX);
        let shown = total.min(self.string_max).min(ids.len());
        let mut raw = [0u8; STRING_MAX_LIMIT];
        // None shown, none read (an undumpable task refuses even an empty
        // read: review).
        if shown > 0 && self.mem.read(addr, &mut raw[..4 * shown]).is_err() {
            self.ptr(addr);
            return;
        }
        for (id, raw) in ids[..shown].iter_mut().zip(raw.chunks_exact(4)) {
            let mut b = [0u8; 4];
            b.copy_from_slice(raw);
            *id = u32::from_ne_bytes(b);
        }
        let _ = decode::write_ids(self.line, &ids[..shown], total);
    }

    /// The `count` `struct iovec`s at `addr`, as strace shows them:
    /// `[{iov_base="hello", iov_len=5}, ...]`, at most `string_max` of them
    /// (then `...`), each buffer cut at `string_max` bytes. With `filled`
    /// (a `readv` that returned that many bytes), each buffer shows the
    /// part of them it got (`""` once they are all shown). Its address if
    /// the first element cannot be read, `...` where a later one cannot.
    /// The array is laid out as `layout` says (`struct iovec` or ia32's
    /// `struct compat_iovec`).
    fn iovecs(&mut self, addr: u64, count: u64, filled: Option<u64>, layout: Layout) {
        let shown = count.min(self.string_max as u64);
        let mut left = filled;
        for i in 0..shown {
            let Some((iov_base, iov_len)) = self.iovec(addr, i, layout) else {
                if i == 0 {
                    self.ptr(addr);
                    return;
                }
                self.line.put_fmt(format_args!(", ..."));
                break;
            };
            let sep = if i == 0 { "[" } else { ", " };
            self.line.put_fmt(format_args!("{sep}{{iov_base="));
            let bytes = match &mut left {
                Some(left) => {
                    let got = iov_len.min(*left);
                    *left -= got;
                    got
                }
                None => iov_len,
            };
            if bytes == 0 && iov_base != 0 {
                // Nothing to read (strace shows none either).
                self.line.put_fmt(format_args!("\"\""));
            } else {
                self.buffer(iov_base, bytes, false);
            }
            self.line.put_fmt(format_args!(", iov_len={iov_len}}}"));
        }
        if shown == 0 {
            self.line.put_fmt(format_args!("["));
        } else if count > shown {
            self.line.put_fmt(format_args!(", ..."));
        }
        self.line.put_fmt(format_args!("]"));
    }

    /// Element `i` of the `iovec` array at `addr`, laid out as `layout`
    /// says: its base and length, if it can be read.
    fn iovec(&mut self, addr: u64, i: u64, layout: Layout) -> Option<(u64, u64)> {
        type V = bindings::iovec;
        type V32 = bindings::compat_iovec;
        const {
            assert!(size_of::<V>() == 16 && offset_of!(V, iov_len) == 8);
            assert!(size_of::<V32>() == 8 && offset_of!(V32, iov_len) == 4);
        }
        match layout {
            Layout::Native => {
                let raw = self.read_struct::<V>(addr.wrapping_add(i * size_of::<V>() as u64))?;
                Some((
                    raw.u64_at(offset_of!(V, iov_base)),
                    raw.u64_at(offset_of!(V, iov_len)),
                ))
            }
            Layout::Ia32 => {
                let raw =
                    self.read_struct::<V32>(addr.wrapping_add(i * size_of::<V32>() as u64))?;
                Some((
                    raw.u32_at(offset_of!(V32, iov_base)).into(),
                    raw.u32_at(offset_of!(V32, iov_len)).into(),
                ))
            }
        }
    }

    /// ia32's `struct old_timespec32` at `addr`: 32-bit seconds and
    /// nanoseconds, signed.
    fn timespec32(&mut self, addr: u64) {
        type T = bindings::old_timespec32;
        const { assert!(size_of::<T>() == 8 && offset_of!(T, tv_nsec) == 4) };
        if let Some(raw) = self.user_struct::<T>(addr) {
            // Seconds signed, nanoseconds unsigned, as strace shows them.
            let sec = raw.u32_at(offset_of!(T, tv_sec)) as i32;
            let nsec = raw.u32_at(offset_of!(T, tv_nsec));
            let _ = decode::write_timespec(self.line, sec.into(), nsec.into());
        }
    }

    /// The `struct __kernel_timespec` at `addr`.
    fn timespec(&mut self, addr: u64) {
        type T = bindings::__kernel_timespec;
        let (sec, nsec) = (offset_of!(T, tv_sec), offset_of!(T, tv_nsec));
        const {
            assert!(
                offset_of!(T, tv_sec) + 8 <= size_of::<T>()
                    && offset_of!(T, tv_nsec) + 8 <= size_of::<T>()
            )
        };
        if let Some(raw) = self.user_struct::<T>(addr) {
            let _ = decode::write_timespec(self.line, raw.u64_at(sec) as i64, raw.u64_at(nsec));
        }
    }

    /// The `struct termios` at `addr` (`NULL` for none), as strace
    /// abbreviates it.
    fn termios(&mut self, addr: u64) {
        type T = bindings::termios;
        const {
            assert!(offset_of!(T, c_iflag) + 4 <= size_of::<T>());
            assert!(offset_of!(T, c_oflag) + 4 <= size_of::<T>());
            assert!(offset_of!(T, c_cflag) + 4 <= size_of::<T>());
            assert!(offset_of!(T, c_lflag) + 4 <= size_of::<T>());
        }
        if let Some(raw) = self.user_struct::<T>(addr) {
            let _ = decode::write_termios(
                self.line,
                raw.u32_at(offset_of!(T, c_iflag)),
                raw.u32_at(offset_of!(T, c_oflag)),
                raw.u32_at(offset_of!(T, c_cflag)),
                raw.u32_at(offset_of!(T, c_lflag)),
            );
        }
    }

    /// The `struct winsize` at `addr` (`NULL` for none).
    fn winsize(&mut self, addr: u64) {
        type W = bindings::winsize;
        const { assert!(offset_of!(W, ws_ypixel) + 2 <= size_of::<W>()) };
        if let Some(raw) = self.user_struct::<W>(addr) {
            let size = [
                raw.u16_at(offset_of!(W, ws_row)),
                raw.u16_at(offset_of!(W, ws_col)),
                raw.u16_at(offset_of!(W, ws_xpixel)),
                raw.u16_at(offset_of!(W, ws_ypixel)),
            ];
            let _ = decode::write_winsize(self.line, size);
        }
    }

    /// The `int` at `addr`, `[5]` (`NULL` for none, its address if it
    /// cannot be read).
    fn int_ref(&mut self, addr: u64) {
        match self.read_u32(addr) {
            Some(v) => self.line.put_fmt(format_args!("[{}]", v as i32)),
            None => self.ptr(addr),
        }
    }

    /// ia32's `struct compat_rlimit` at `addr` (`NULL` for none).
    fn rlimit32(&mut self, addr: u64) {
        type T = bindings::compat_rlimit;
        const { assert!(size_of::<T>() == 8 && offset_of!(T, rlim_max) == 4) };
        if let Some(raw) = self.user_struct::<T>(addr) {
            let (cur, max) = (offset_of!(T, rlim_cur), offset_of!(T, rlim_max));
            let _ = decode::write_rlimit32(self.line, raw.u32_at(cur), raw.u32_at(max));
        }
    }

    /// The `struct rlimit64` at `addr` (`NULL` for none).
    fn rlimit(&mut self, addr: u64) {
        type T = bindings::rlimit64;
        let (cur, max) = (offset_of!(T, rlim_cur), offset_of!(T, rlim_max));
        const {
            assert!(
                offset_of!(T, rlim_cur) + 8 <= size_of::<T>()
                    && offset_of!(T, rlim_max) + 8 <= size_of::<T>()
            )
        };
        if let Some(raw) = self.user_struct::<T>(addr) {
            let _ = decode::write_rlimit(self.line, raw.u64_at(cur), raw.u64_at(max));
        }
    }

    /// The `struct stat` at `addr` (its address if it cannot be read), with
    /// the fields strace shows, read at bindgen's offsets.
    fn stat(&mut self, addr: u64) {
        type S = bindings::stat;
        // The widths read below fit the struct bindgen gives.
        const {
            assert!(offset_of!(S, st_mode) + 4 <= size_of::<S>());
            assert!(offset_of!(S, st_size) + 8 <= size_of::<S>());
            assert!(offset_of!(S, st_rdev) + 8 <= size_of::<S>());
        }
        self.stat_fields::<S>(
            addr,
            [
                offset_of!(S, st_mode),
                offset_of!(S, st_size),
                offset_of!(S, st_rdev),
            ],
        );
    }

    /// The fields strace shows of the stat structure `T` at `addr`: its
    /// 32-bit mode, 64-bit size and 64-bit device at the offsets `at`
    /// (each caller checks they fit `T`); its address if it cannot be read.
    fn stat_fields<T>(&mut self, addr: u64, at: [usize; 3]) {
        let Some(raw) = self.user_struct::<T>(addr) else {
            return;
        };
        let [mode, size, rdev] = at;
        let _ = decode::write_stat(
            self.line,
            raw.u32_at(mode),
            raw.u64_at(size) as i64,
            raw.u64_at(rdev),
        );
    }

    /// ia32's `struct stat64` at `addr` (packed), as [`Render::stat`]
    /// shows a `struct stat`.
    #[cfg(CONFIG_IA32_EMULATION)]
    fn stat64(&mut self, addr: u64) {
        type S = bindings::stat64;
        const {
            assert!(offset_of!(S, st_mode) + 4 <= size_of::<S>());
            assert!(offset_of!(S, st_size) + 8 <= size_of::<S>());
            assert!(offset_of!(S, st_rdev) + 8 <= size_of::<S>());
        }
        self.stat_fields::<S>(
            addr,
            [
                offset_of!(S, st_mode),
                offset_of!(S, st_size),
                offset_of!(S, st_rdev),
            ],
        );
    }

    /// Without IA32 emulation no call is ia32's (and the bindings have no
    /// `struct stat64`): never reached, the address if it were.
    #[cfg(not(CONFIG_IA32_EMULATION))]
    fn stat64(&mut self, addr: u64) {
        self.ptr(addr);
    }

    /// The `struct statx` at `addr` (its address if it cannot be read
    /// whole, as strace shows it), with the fields strace shows.
    fn statx(&mut self, addr: u64) {
        type S = bindings::statx;
        const {
            assert!(offset_of!(S, stx_mask) + 4 <= size_of::<S>());
            assert!(offset_of!(S, stx_attributes) + 8 <= size_of::<S>());
            assert!(offset_of!(S, stx_mode) + 2 <= size_of::<S>());
            assert!(offset_of!(S, stx_size) + 8 <= size_of::<S>());
        }
        let Some(raw) = self.user_struct::<S>(addr) else {
            return;
        };
        let _ = decode::write_statx(
            self.line,
            raw.u32_at(offset_of!(S, stx_mask)),
            raw.u64_at(offset_of!(S, stx_attributes)),
            raw.u16_at(offset_of!(S, stx_mode)),
            raw.u64_at(offset_of!(S, stx_size)),
        );
    }

    /// A `uname` result: `{sysname="Linux", nodename="...", ...}`.
    fn uname(&mut self, buf: u64, ok: bool) {
        let mut uts = [0u8; 2 * 65];
        if !ok || self.mem.read(buf, &mut uts).is_err() {
            self.ptr(buf);
            self.line.put_fmt(format_args!(")"));
            return;
        }
        self.line.put_fmt(format_args!("{{"));
        for (i, name) in ["sysname", "nodename"].iter().enumerate() {
            let field = &uts[i * 65..(i + 1) * 65];
            let len = field.iter().position(|&c| c == 0).unwrap_or(64);
            self.line.put_fmt(format_args!("{name}="));
            let _ = decode::write_string(self.line, &field[..len], false);
            self.line.put_fmt(format_args!(", "));
        }
        self.line.put_fmt(format_args!("...}})"));
    }
}

/// The level and name of a socket option call's option (`setsockopt`,
/// `getsockopt`: its second and third arguments).
fn option_of(args: &[u64; SYSCALL_ARGS]) -> (u32, u32) {
    (args[1] as u32, args[2] as u32)
}

/// `[pid N]` before a child's line, as `strace -f` writes it.
fn pid_prefix(line: &mut Line, pid: Option<i32>) {
    if let Some(pid) = pid {
        line.put_fmt(format_args!("[pid {pid:5}] "));
    }
}

/// A call's line, but its `\n`: the call from `entry`, reading the memory
/// its entry read from `at_entry` and its exit's from `at_exit`, then how
/// it ended.
fn call_line(
    line: &mut Line,
    entry: &CallEntry,
    end: CallEnd,
    at_entry: &mut impl Source,
    at_exit: &mut impl Source,
) {
    pid_prefix(line, entry.pid);
    if let CallEnd::Resumed { ret } = end {
        // The call was written at entry as not returning: its end only.
        let name = if entry.native {
            syscalls::syscall_name(entry.nr)
        } else {
            let abi = syscalls::ForeignAbi::of(entry.arch);
            if let Some(abi) = abi {
                line.put_fmt(format_args!("[{}] ", abi.label()));
            }
            abi.and_then(|abi| abi.syscall(entry.nr)).map(|s| s.name)
        };
        match name {
            Some(name) => line.put_fmt(format_args!("<... {name} resumed>)")),
            None => line.put_fmt(format_args!("<... syscall_{:#x} resumed>)", entry.nr)),
        }
        line.pad_to(RESULT_COLUMN);
        // As a plain number: the call's own result kind says "no return".
        let _ = decode::write_result(line, -1, ret);
        return;
    }
    let string_max = usize::from(entry.string_max).min(STRING_MAX_LIMIT);
    let left = Render {
        line: &mut *line,
        mem: at_entry,
        string_max,
    }
    .call_entry(entry);
    match end {
        CallEnd::NoReturn | CallEnd::Resumed { .. } => {
            line.pad_to(RESULT_COLUMN);
            line.put_fmt(format_args!(" = ?"));
        }
        CallEnd::Returned { ret, decode_as } => {
            Render {
                line: &mut *line,
                mem: at_exit,
                string_max,
            }
            .call_exit(left, ret);
            line.pad_to(RESULT_COLUMN);
            let _ = decode::write_result(line, decode_as, ret);
        }
    }
}

/// A number as a breakpoint line shows it: `0`, or in hex.
struct Hex(u64);

impl core::fmt::Display for Hex {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self.0 {
            0 => f.write_str("0"),
            v => write!(f, "{v:#x}"),
        }
    }
}

/// A breakpoint's line, but its `\n`: `--- NAME(0x1, 0x3e9, 0, 0) ---` at
/// an entry, `--- NAME returned 0x3ea ---` at a return (strace's marks
/// for what is not a call).
fn probe_line(line: &mut Line, name: &[u8], hit: ProbeHit) {
    // The name was checked printable ASCII when it was given.
    let name = core::str::from_utf8(name).unwrap_or("?");
    match hit {
        ProbeHit::Entry([a, b, c, d]) => line.put_fmt(format_args!(
            "--- {name}({}, {}, {}, {}) ---",
            Hex(a),
            Hex(b),
            Hex(c),
            Hex(d)
        )),
        ProbeHit::Return(v) => line.put_fmt(format_args!("--- {name} returned {} ---", Hex(v))),
    }
}

/// The line of `record`, ended with `\n`, into the empty `line`.
pub(crate) fn render(record: &Record<'_>, line: &mut Line) {
    match record {
        Record::Call {
            entry,
            end,
            captures,
        } => call_line(
            line,
            entry,
            *end,
            &mut Replay::new(captures.0),
            &mut Replay::new(captures.1),
        ),
        Record::Signal {
            pid,
            signo,
            code,
            fields,
        } => {
            pid_prefix(line, *pid);
            let _ = decode::write_signal_line(line, *signo, *code, fields.as_ref());
        }
        Record::Exit { pid, code } => {
            pid_prefix(line, *pid);
            let _ = decode::write_exit_line(line, *code);
        }
        Record::NotTraced { pid, why } => {
            line.put_fmt(format_args!("<utrace: pid {pid} not traced: "));
            match *why {
                Ok(max) => line.put_fmt(format_args!(
                    "this file's {max} engines are in use (UTRACE_SET_MAX_ENGINES)>"
                )),
                Err(errno) if errno == ENOMEM.to_errno().abs() => {
                    line.put_fmt(format_args!("out of memory>"))
                }
                Err(errno) => line.put_fmt(format_args!("errno {errno}>")),
            }
        }
        Record::Dropped { count } => {
            line.put_fmt(format_args!("<utrace: {count} lines dropped>"));
        }
        Record::Probe { pid, hit, name } => {
            pid_prefix(line, *pid);
            probe_line(line, name, *hit);
        }
    }
    line.finish();
}

#[kunit_tests(utrace_strace_render)]
mod tests {
    use super::super::fake_memory::FakeMemory as Fake;
    use super::super::line::NullLine;
    use super::super::record::{Capture, Captures};
    use super::*;
    use kernel::str::BStr;

    /// The line of the call read straight from `mem`, and the line a
    /// reader renders from the record the traced task kept of it.
    fn both(entry: CallEntry, ret: i64, mem: &Fake<'_>) -> (KVVec<u8>, KVVec<u8>) {
        both_across(entry, ret, mem, mem)
    }

    /// [`both`], for a call that changed its memory: `before` is the
    /// memory at entry, `after` at exit.
    fn both_across(
        entry: CallEntry,
        ret: i64,
        before: &Fake<'_>,
        after: &Fake<'_>,
    ) -> (KVVec<u8>, KVVec<u8>) {
        let end = CallEnd::Returned {
            ret,
            decode_as: syscalls::decode_as(entry.native, entry.arch, entry.nr),
        };
        let mut direct = Line::new();
        call_line(
            &mut direct,
            &entry,
            end,
            &mut before.clone(),
            &mut after.clone(),
        );
        direct.finish();

        // The traced task: a null line, and captures.
        let mut captures = KBox::init(Captures::empty(), GFP_KERNEL).unwrap();
        let mut null = NullLine;
        let string_max = usize::from(entry.string_max);
        let left = Render {
            line: &mut null,
            mem: &mut Capture {
                from: before.clone(),
                into: &mut captures,
            },
            string_max,
        }
        .call_entry(&entry);
        captures.start_exit();
        Render {
            line: &mut null,
            mem: &mut Capture {
                from: after.clone(),
                into: &mut captures,
            },
            string_max,
        }
        .call_exit(left, ret);
        let record = Record::Call {
            entry,
            end,
            captures: captures.parts(),
        };
        let mut bytes = KVec::new();
        for p in record.encode().parts() {
            bytes.extend_from_slice(p, GFP_KERNEL).unwrap();
        }
        // The reader.
        let mut line = Line::new();
        render(&Record::decode(&bytes).unwrap(), &mut line);

        let mut a = KVVec::new();
        a.extend_from_slice(direct.as_bytes(), GFP_KERNEL).unwrap();
        let mut b = KVVec::new();
        b.extend_from_slice(line.as_bytes(), GFP_KERNEL).unwrap();
        (a, b)
    }

    /// Checks that each call of `cases`, returning its result, is the whole
    /// line given (but its newline), read in place and from the record
    /// alike; prints the line it got when it is not.
    fn assert_lines(cases: &[(CallEntry, i64, &[u8])], mem: &Fake<'_>) {
        for &(entry, ret, want) in cases {
            let (direct, from_record) = both(entry, ret, mem);
            let got = direct.strip_suffix(b"\n").unwrap_or(&direct);
            if got != want {
                pr_err!(
                    "want: {}\n got: {}\n",
                    BStr::from_bytes(want),
                    BStr::from_bytes(got)
                );
            }
            assert_eq!(got, want);
            assert_eq!(direct, from_record);
        }
    }

    fn call(name: &str, args: [u64; SYSCALL_ARGS], pid: Option<i32>, string_max: u16) -> CallEntry {
        CallEntry {
            pid,
            native: true,
            arch: 0,
            nr: syscalls::syscall_nr(name).unwrap(),
            args,
            sp: 0,
            string_max,
        }
    }

    #[test]
    fn a_record_renders_as_the_call_read_in_place() {
        let long_path = [b'p'; 300];
        let mut path_z = KVec::new();
        path_z.extend_from_slice(&long_path, GFP_KERNEL).unwrap();
        path_z.push(0, GFP_KERNEL).unwrap();
        // execve's strings, its argv (20 pointers, NULL) and envp (3).
        let mut strings = KVec::new();
        let mut argv = KVec::new();
        for i in 0..20u64 {
            let at = 0x5000 + strings.len() as u64;
            for p in at.to_ne_bytes() {
                argv.push(p, GFP_KERNEL).unwrap();
            }
            strings
                .extend_from_slice(b"an-argument-of-thirty-bytes-", GFP_KERNEL)
                .unwrap();
            strings.push(b'0' + i as u8 % 10, GFP_KERNEL).unwrap();
            strings.push(0, GFP_KERNEL).unwrap();
        }
        argv.extend_from_slice(&[0; 8], GFP_KERNEL).unwrap();
        // A long argv (review): 40 arguments of 40 bytes, at 0xa000 for
        // its strings and 0xb000 for its pointers.
        let mut long_strings = KVec::new();
        let mut long_argv = KVec::new();
        for _ in 0..40u64 {
            let at = 0xa000 + long_strings.len() as u64;
            long_argv
                .extend_from_slice(&at.to_ne_bytes(), GFP_KERNEL)
                .unwrap();
            long_strings
                .extend_from_slice(&[b'l'; 40], GFP_KERNEL)
                .unwrap();
            long_strings.push(0, GFP_KERNEL).unwrap();
        }
        long_argv.extend_from_slice(&[0; 8], GFP_KERNEL).unwrap();
        let envp: [u8; 32] = {
            let mut e = [0u8; 32];
            for i in 0..3 {
                e[i * 8..i * 8 + 8].copy_from_slice(&0x5000u64.to_ne_bytes());
            }
            e
        };
        // getdents64: two entries of 24 bytes (d_reclen at offset 16).
        let mut dirents = [0u8; 48];
        dirents[16] = 24;
        dirents[24 + 16] = 24;
        let stat = [0x11u8; 144];
        let regions: [(u64, &[u8]); 11] = [
            (0x1000, b"/etc/hostname\0"),
            (0x2000, b"hello from /tmp/real\n and more after the end"),
            (0x3000, &path_z),
            (0x4000, &argv),
            (0x5000, &strings),
            (0x6000, &envp),
            (0x7000, &dirents),
            (0x8000, &stat),
            (0xa000, &long_strings),
            (0xb000, &long_argv),
            // A string that runs into an unmapped page (review): 40 bytes
            // and no NUL, and times read from the same address.
            (0xc000, &[b'a'; 40]),
        ];
        let mem = Fake { regions: &regions };
        let at_fdcwd = -100i64 as u64;
        let cases = [
            (call("openat", [at_fdcwd, 0x1000, 0, 0, 0, 0], None, 32), 3),
            (
                call("openat", [at_fdcwd, 0x3000, 0, 0, 0, 0], Some(4242), 32),
                -2,
            ),
            (call("read", [3, 0x2000, 255, 0, 0, 0], None, 32), 21),
            (call("read", [3, 0x2000, 255, 0, 0, 0], Some(7), 8), 21),
            (call("read", [3, 0x2000, 255, 0, 0, 0], None, 256), 44),
            (call("write", [1, 0x9000, 10, 0, 0, 0], None, 32), 10),
            (
                call("write", [1, 0x2000, 21, 0, 0, 0], Some(99999), 256),
                21,
            ),
            (
                call("execve", [0x1000, 0x4000, 0x6000, 0, 0, 0], None, 32),
                0,
            ),
            (
                call("execve", [0x3000, 0x4000, 0x6000, 0, 0, 0], Some(31337), 32),
                0,
            ),
            (
                call("execve", [0x1000, 0x4000, 0x6000, 0, 0, 0], Some(1), 4),
                -13,
            ),
            (call("getdents64", [3, 0x7000, 4096, 0, 0, 0], None, 32), 48),
            (
                call("newfstatat", [at_fdcwd, 0x1000, 0x8000, 0, 0, 0], None, 32),
                0,
            ),
            (
                call(
                    "newfstatat",
                    [at_fdcwd, 0x3000, 0x8000, 0, 0, 0],
                    Some(12),
                    32,
                ),
                0,
            ),
        ];
        for (i, (entry, ret)) in cases.into_iter().enumerate() {
            let (direct, replayed) = both(entry, ret, &mem);
            if direct[..] != replayed[..] {
                pr_err!(
                    "case {i}:\n  read in place: {}\n  from record:   {}\n",
                    BStr::from_bytes(&direct),
                    BStr::from_bytes(&replayed)
                );
            }
            assert_eq!(direct[..], replayed[..]);
            // And the line is more than a name.
            assert!(direct.len() > 20);
        }
    }

    /// The text of one call read straight from `mem`.
    fn direct(entry: CallEntry, ret: i64, mem: &Fake<'_>) -> KVVec<u8> {
        both(entry, ret, mem).0
    }

    fn contains(hay: &[u8], needle: &[u8]) -> bool {
        hay.windows(needle.len()).any(|w| w == needle)
    }

    /// The line of a call that changed its memory, read in place and
    /// from its record (the two must agree), without its result.
    fn socket_line(
        name: &str,
        args: [u64; SYSCALL_ARGS],
        ret: i64,
        before: &Fake<'_>,
        after: &Fake<'_>,
    ) -> KVVec<u8> {
        let (a, b) = both_across(call(name, args, None, 32), ret, before, after);
        assert_eq!(&*a, &*b);
        let end = a.windows(3).rposition(|w| w == b" = ").unwrap_or(a.len());
        let mut call = KVVec::new();
        call.extend_from_slice(a[..end].trim_ascii_end(), GFP_KERNEL)
            .unwrap();
        call
    }

    // Socket calls as Debian's strace 6.1 shows them: the lengths a call
    // reads and sets, read at entry and at exit; what it filled, shown
    // with the length it gave; its address when it failed.
    #[test]
    fn socket_calls_show_what_they_read_and_set() {
        let eagain = -i64::from(bindings::EAGAIN);
        // A Unix socket's address at 0x1000 (14 bytes: "/tmp/sock.s"),
        // lengths at 0x2000, an int option at 0x3000, two fds at 0x4000.
        let mut un = [0u8; 110];
        un[..2].copy_from_slice(&(bindings::AF_UNIX as u16).to_ne_bytes());
        un[2..13].copy_from_slice(b"/tmp/sock.s");
        let len = |v: u32| v.to_ne_bytes();
        let (in110, in14, in2, in4, in8) = (len(110), len(14), len(2), len(4), len(8));
        let one = 1i32.to_ne_bytes();
        let mut fds = [0u8; 8];
        fds[..4].copy_from_slice(&3i32.to_ne_bytes());
        fds[4..].copy_from_slice(&4i32.to_ne_bytes());
        let before = [(0x1000, &un[..]), (0x2000, &in110[..]), (0x3000, &one[..])];
        let after = [(0x1000, &un[..]), (0x2000, &in14[..]), (0x3000, &one[..])];
        let (before, after) = (Fake { regions: &before }, Fake { regions: &after });
        let mut unnamed = un;
        unnamed[2..].fill(0);
        let after_unnamed = [(0x1000, &unnamed[..]), (0x2000, &in2[..])];
        let after_unnamed = Fake {
            regions: &after_unnamed,
        };

        assert_eq!(
            &*socket_line(
                "getsockname",
                [3, 0x1000, 0x2000, 0, 0, 0],
                0,
                &before,
                &after
            ),
            b"getsockname(3, {sa_family=AF_UNIX, sun_path=\"/tmp/sock.s\"}, [110 => 14])"
        );
        let flags = u64::from(bindings::SOCK_CLOEXEC);
        assert_eq!(
            &*socket_line(
                "accept4",
                [3, 0x1000, 0x2000, flags, 0, 0],
                5,
                &before,
                &after_unnamed
            ),
            b"accept4(3, {sa_family=AF_UNIX}, [110 => 2], SOCK_CLOEXEC)"
        );
        // A length smaller than the address: what fits, and the whole
        // length the kernel gave.
        let before2 = [(0x1000, &un[..]), (0x2000, &in2[..])];
        let before2 = Fake { regions: &before2 };
        assert_eq!(
            &*socket_line(
                "getpeername",
                [4, 0x1000, 0x2000, 0, 0, 0],
                0,
                &before2,
                &after
            ),
            b"getpeername(4, {sa_family=AF_UNIX}, [2 => 14])"
        );
        // Failed: the address, and the length as it went in.
        assert_eq!(
            &*socket_line(
                "accept4",
                [3, 0x1000, 0x2000, 0x804, 0, 0],
                eagain,
                &before,
                &after
            ),
            b"accept4(3, 0x1000, [110], SOCK_NONBLOCK|0x4)"
        );
        assert_eq!(
            &*socket_line("accept", [3, 0, 0, 0, 0, 0], 5, &before, &after),
            b"accept(3, NULL, NULL)"
        );
        // recvfrom's data, flags and no address; connect's address.
        let data = [(0x1000, &b"hi"[..])];
        let data = Fake { regions: &data };
        assert_eq!(
            &*socket_line("recvfrom", [5, 0x1000, 8, 0x22, 0, 0], 2, &data, &data),
            b"recvfrom(5, \"hi\", 8, MSG_PEEK|MSG_TRUNC, NULL, NULL)"
        );
        assert_eq!(
            &*socket_line("sendto", [4, 0x1000, 2, 0x4000, 0, 0], 2, &data, &data),
            b"sendto(4, \"hi\", 2, MSG_NOSIGNAL, NULL, 0)"
        );
        assert_eq!(
            &*socket_line("connect", [4, 0x1000, 110, 0, 0, 0], 0, &before, &before),
            b"connect(4, {sa_family=AF_UNIX, sun_path=\"/tmp/sock.s\"}, 110)"
        );
        assert_eq!(
            &*socket_line("connect", [4, 0x1000, 1, 0, 0, 0], 0, &before, &before),
            b"connect(4, 0x1000, 1)"
        );
        // Options: an int in, an int out with its length, and a length the
        // call lowered.
        let sol = u64::from(bindings::SOL_SOCKET);
        assert_eq!(
            &*socket_line("setsockopt", [3, sol, 2, 0x3000, 4, 0], 0, &before, &before),
            b"setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4)"
        );
        assert_eq!(
            &*socket_line("setsockopt", [3, sol, 9, 0x3000, 1, 0], 0, &before, &before),
            b"setsockopt(3, SOL_SOCKET, SO_KEEPALIVE, 0x3000, 1)"
        );
        assert_eq!(
            &*socket_line("setsockopt", [3, 6, 1, 0x3000, 4, 0], 0, &before, &before),
            b"setsockopt(3, SOL_TCP, TCP_NODELAY, [1], 4)"
        );
        let opt4 = [(0x3000, &one[..]), (0x2000, &in4[..])];
        let opt8 = [(0x3000, &one[..]), (0x2000, &in8[..])];
        let (opt4, opt8) = (Fake { regions: &opt4 }, Fake { regions: &opt8 });
        assert_eq!(
            &*socket_line(
                "getsockopt",
                [3, sol, 3, 0x3000, 0x2000, 0],
                0,
                &opt4,
                &opt4
            ),
            b"getsockopt(3, SOL_SOCKET, SO_TYPE, [1], [4])"
        );
        assert_eq!(
            &*socket_line(
                "getsockopt",
                [3, sol, 4, 0x3000, 0x2000, 0],
                0,
                &opt8,
                &opt4
            ),
            b"getsockopt(3, SOL_SOCKET, SO_ERROR, [EPERM], [8 => 4])"
        );
        // SO_LINGER's structure, as long as the length the call set.
        let mut linger = [0u8; 8];
        linger[..4].copy_from_slice(&1i32.to_ne_bytes());
        linger[4..].copy_from_slice(&30i32.to_ne_bytes());
        let lingers = [(0x3000, &linger[..]), (0x2000, &in8[..])];
        let lingers = Fake { regions: &lingers };
        let so_linger = u64::from(bindings::SO_LINGER);
        assert_eq!(
            &*socket_line(
                "getsockopt",
                [3, sol, so_linger, 0x3000, 0x2000, 0],
                0,
                &lingers,
                &lingers
            ),
            b"getsockopt(3, SOL_SOCKET, SO_LINGER, {l_onoff=1, l_linger=30}, [8])"
        );
        // No address but a length: strace reads neither (review).
        assert_eq!(
            &*socket_line("accept", [3, 0, 0x2000, 0, 0, 0], eagain, &before, &after),
            b"accept(3, NULL, 0x2000)"
        );
        // A failed recvfrom with an address: the length it was given.
        let dontwait = u64::from(bindings::MSG_DONTWAIT);
        assert_eq!(
            &*socket_line(
                "recvfrom",
                [5, 0x3000, 8, dontwait, 0x1000, 0x2000],
                eagain,
                &before,
                &before
            ),
            b"recvfrom(5, 0x3000, 8, MSG_DONTWAIT, 0x1000, [110])"
        );
        // A long abstract name is cut, so the line keeps its result.
        let mut long = [0xfeu8; 110];
        long[..2].copy_from_slice(&(bindings::AF_UNIX as u16).to_ne_bytes());
        long[2] = 0;
        let longs = [(0x1000, &long[..])];
        let longs = Fake { regions: &longs };
        let (line, _) = both_across(
            call("connect", [4, 0x1000, 110, 0, 0, 0], None, 32),
            -i64::from(bindings::ECONNREFUSED),
            &longs,
            &longs,
        );
        assert!(line.ends_with(b" = -1 ECONNREFUSED (Connection refused)\n"));
        assert!(contains(&line, br#"sun_path=@"\376\376"#));
        assert_eq!(
            &*socket_line(
                "getsockopt",
                [3, 77, 4, 0x3000, 0x2000, 0],
                eagain,
                &opt4,
                &opt4
            ),
            b"getsockopt(3, 0x4d /* SOL_?? */, 4, 0x3000, [4])"
        );
        // socketpair's and pipe2's descriptors.
        let pair = [(0x4000, &fds[..])];
        let pair = Fake { regions: &pair };
        let unix = u64::from(bindings::AF_UNIX);
        assert_eq!(
            &*socket_line("socketpair", [unix, 2, 0, 0x4000, 0, 0], 0, &pair, &pair),
            b"socketpair(AF_UNIX, SOCK_DGRAM, 0, [3, 4])"
        );
        assert_eq!(
            &*socket_line("pipe2", [0x4000, 0x80000, 0, 0, 0, 0], 0, &pair, &pair),
            b"pipe2([3, 4], O_CLOEXEC)"
        );
        assert_eq!(
            &*socket_line("socket", [2, 2, 0, 0, 0, 0], 3, &pair, &pair),
            b"socket(AF_INET, SOCK_DGRAM, IPPROTO_IP)"
        );
        assert_eq!(
            &*socket_line("socket", [1, 0x80001, 0, 0, 0, 0], 3, &pair, &pair),
            b"socket(AF_UNIX, SOCK_STREAM|SOCK_CLOEXEC, 0)"
        );
    }

    /// A message header: name, its length, iovecs and their count,
    /// control data and its length.
    fn msghdr(
        name: u64,
        namelen: u32,
        iov: u64,
        iovlen: u64,
        control: u64,
        controllen: u64,
    ) -> [u8; size_of::<Msghdr>()] {
        type M = Msghdr;
        let mut m = [0u8; size_of::<M>()];
        let mut put = |off: usize, b: &[u8]| m[off..off + b.len()].copy_from_slice(b);
        put(offset_of!(M, msg_name), &name.to_ne_bytes());
        put(offset_of!(M, msg_namelen), &namelen.to_ne_bytes());
        put(offset_of!(M, msg_iov), &iov.to_ne_bytes());
        put(offset_of!(M, msg_iovlen), &iovlen.to_ne_bytes());
        put(offset_of!(M, msg_control), &control.to_ne_bytes());
        put(offset_of!(M, msg_controllen), &controllen.to_ne_bytes());
        m
    }

    // sendmsg and recvmsg as Debian's strace 6.1 shows them.
    #[test]
    fn message_headers_show_their_data_names_and_descriptors() {
        // Two iovecs at 0x6000 over "helloworld" at 0x7000: 5 and 5 bytes
        // to send, 3 and 16 to receive into.
        let mut out_iov = [0u8; 32];
        out_iov[..8].copy_from_slice(&0x7000u64.to_ne_bytes());
        out_iov[8..16].copy_from_slice(&5u64.to_ne_bytes());
        out_iov[16..24].copy_from_slice(&0x7005u64.to_ne_bytes());
        out_iov[24..].copy_from_slice(&5u64.to_ne_bytes());
        let mut in_iov = out_iov;
        in_iov[8..16].copy_from_slice(&3u64.to_ne_bytes());
        in_iov[16..24].copy_from_slice(&0x7003u64.to_ne_bytes());
        in_iov[24..].copy_from_slice(&16u64.to_ne_bytes());
        let data = *b"helloworld\0\0\0\0\0\0\0\0\0";
        // One descriptor, 5, at 0x8000.
        let mut control = [0u8; 24];
        control[..8].copy_from_slice(&20u64.to_ne_bytes());
        control[8..12].copy_from_slice(&bindings::SOL_SOCKET.to_ne_bytes());
        control[12..16].copy_from_slice(&bindings::SCM_RIGHTS.to_ne_bytes());
        control[16..20].copy_from_slice(&5i32.to_ne_bytes());

        let send = msghdr(0, 0, 0x6000, 2, 0x8000, 24);
        let mem = [
            (0x5000, &send[..]),
            (0x6000, &out_iov[..]),
            (0x7000, &data[..]),
            (0x8000, &control[..]),
        ];
        let mem = Fake { regions: &mem };
        let nosignal = u64::from(bindings::MSG_NOSIGNAL);
        assert_eq!(
            &*socket_line("sendmsg", [3, 0x5000, nosignal, 0, 0, 0], 10, &mem, &mem),
            b"sendmsg(3, {msg_name=NULL, msg_namelen=0, msg_iov=[{iov_base=\"hello\", iov_len=5}, \
              {iov_base=\"world\", iov_len=5}], msg_iovlen=2, msg_control=[{cmsg_len=20, \
              cmsg_level=SOL_SOCKET, cmsg_type=SCM_RIGHTS, cmsg_data=[5]}], msg_controllen=24, \
              msg_flags=0}, MSG_NOSIGNAL)"
        );

        // recvmsg: a name of 110 bytes at 0x1000 that the call set to 0
        // (an unnamed peer), the data spread over the two buffers.
        let before = msghdr(0x1000, 110, 0x6000, 2, 0, 0);
        let after = msghdr(0x1000, 0, 0x6000, 2, 0, 0);
        let name = [0u8; 110];
        let before = [
            (0x1000, &name[..]),
            (0x5000, &before[..]),
            (0x6000, &in_iov[..]),
            (0x7000, &data[..]),
        ];
        let after = [
            (0x1000, &name[..]),
            (0x5000, &after[..]),
            (0x6000, &in_iov[..]),
            (0x7000, &data[..]),
        ];
        let (before, after) = (Fake { regions: &before }, Fake { regions: &after });
        assert_eq!(
            &*socket_line("recvmsg", [4, 0x5000, 0, 0, 0, 0], 10, &before, &after),
            b"recvmsg(4, {msg_name=0x1000, msg_namelen=110 => 0, msg_iov=[{iov_base=\"hel\", \
              iov_len=3}, {iov_base=\"loworld\", iov_len=16}], msg_iovlen=2, msg_controllen=0, \
              msg_flags=0}, 0)"
        );
        // Failed: the name's length it was given, alone.
        let eagain = -i64::from(bindings::EAGAIN);
        let dontwait = u64::from(bindings::MSG_DONTWAIT);
        assert_eq!(
            &*socket_line(
                "recvmsg",
                [4, 0x5000, dontwait, 0, 0, 0],
                eagain,
                &before,
                &before
            ),
            b"recvmsg(4, {msg_namelen=110}, MSG_DONTWAIT)"
        );
        assert_eq!(
            &*socket_line("sendmsg", [3, 8, 0, 0, 0, 0], eagain, &mem, &mem),
            b"sendmsg(3, 0x8, 0)"
        );
    }

    #[test]
    fn a_refused_exit_group_ends_as_strace_ends_an_unfinished_call() {
        let none = Fake { regions: &[] };
        let mut line = Line::new();
        let entry = call("exit_group", [3, 0, 0, 0, 0, 0], Some(7), 32);
        let enosys = -i64::from(bindings::ENOSYS);
        call_line(
            &mut line,
            &entry,
            CallEnd::Resumed { ret: enosys },
            &mut none.clone(),
            &mut none.clone(),
        );
        assert!(line
            .as_bytes()
            .starts_with(b"[pid     7] <... exit_group resumed>)"));
        assert!(line
            .as_bytes()
            .ends_with(b" = -1 ENOSYS (Function not implemented)"));
        // An ia32 one names its ABI and its own call.
        #[cfg(CONFIG_X86_64)]
        {
            let mut line = Line::new();
            let ia32 = CallEntry {
                native: false,
                arch: bindings::AUDIT_ARCH_I386,
                nr: 252,
                ..entry
            };
            call_line(
                &mut line,
                &ia32,
                CallEnd::Resumed { ret: 0 },
                &mut none.clone(),
                &mut none.clone(),
            );
            assert!(line
                .as_bytes()
                .starts_with(b"[pid     7] [ia32] <... exit_group resumed>)"));
            assert!(line.as_bytes().ends_with(b" = 0"));
        }
    }

    // An ia32 call with a native twin is decoded as the twin, entry and
    // exit, under its own name and mark: its buffer, its structure, its
    // result's kind; one without a twin by its table's kinds, its
    // structures and arrays read in ia32's layouts; one without kinds raw.
    // The line read in place and the one from the record agree.
    // (ia32's calls, and `struct stat64` in the bindings, exist only with
    // IA32 emulation: the test kernel's.)
    #[cfg(CONFIG_IA32_EMULATION)]
    #[test]
    fn ia32_calls_decode_as_their_native_twins() {
        let mut ts = [0u8; 16];
        ts[..8].copy_from_slice(&5u64.to_ne_bytes());
        ts[8..].copy_from_slice(&6u64.to_ne_bytes());
        // ia32's layouts: a stat64 (packed), one compat_iovec, an argv of
        // 32-bit pointers, a compat_sigaction.
        type S64 = bindings::stat64;
        type A32 = bindings::compat_sigaction;
        let mut st = [0u8; size_of::<S64>()];
        let mode = bindings::S_IFREG | 0o644;
        st[offset_of!(S64, st_mode)..][..4].copy_from_slice(&mode.to_ne_bytes());
        st[offset_of!(S64, st_size)..][..8].copy_from_slice(&16u64.to_ne_bytes());
        let mut iov = [0u8; 8];
        iov[..4].copy_from_slice(&0x1000u32.to_ne_bytes());
        iov[4..].copy_from_slice(&3u32.to_ne_bytes());
        // Two 32-bit pointers, then NULL: read as 64-bit words, they
        // would make one bad pointer.
        let mut argv = [0u8; 12];
        argv[..4].copy_from_slice(&0x3000u32.to_ne_bytes());
        argv[4..8].copy_from_slice(&0x3000u32.to_ne_bytes());
        let mut act = [0u8; size_of::<A32>()];
        act[offset_of!(A32, sa_handler)..][..4].copy_from_slice(&1u32.to_ne_bytes());
        let usr1 = 1u64 << (bindings::SIGUSR1 - 1);
        act[offset_of!(A32, sa_mask)..][..8].copy_from_slice(&usr1.to_ne_bytes());
        // A 32-bit timespec of {0, -1}: its nanoseconds unsigned.
        let mut bad = [0u8; 8];
        bad[4..].copy_from_slice(&u32::MAX.to_ne_bytes());
        // A compat_rlimit: 1024, and infinity.
        let mut rl32 = [0u8; 8];
        rl32[..4].copy_from_slice(&1024u32.to_ne_bytes());
        rl32[4..].copy_from_slice(&u32::MAX.to_ne_bytes());
        let regions: [(u64, &[u8]); 9] = [
            (0x1000, b"hi\n"),
            (0x8000, &bad),
            (0x9000, &rl32),
            (0x2000, &ts),
            (0x3000, b"/x\0"),
            (0x4000, &st),
            (0x5000, &iov),
            (0x6000, &argv),
            (0x7000, &act),
        ];
        let mem = Fake { regions: &regions };
        let ia32 = |nr: u32, args: [u64; SYSCALL_ARGS]| CallEntry {
            pid: None,
            native: false,
            arch: bindings::AUDIT_ARCH_I386,
            nr: nr.into(),
            args,
            sp: 0,
            string_max: 32,
        };
        let cases: [(CallEntry, i64, &[u8]); 14] = [
            (
                ia32(bindings::__NR_ia32_write, [1, 0x1000, 3, 0, 0, 0]),
                3,
                b"[ia32] write(1, \"hi\\n\", 3)              = 3",
            ),
            (
                ia32(bindings::__NR_ia32_read, [0, 0x1000, 255, 0, 0, 0]),
                2,
                b"[ia32] read(0, \"hi\", 255)               = 2",
            ),
            (
                ia32(bindings::__NR_ia32_clock_gettime64, [1, 0x2000, 0, 0, 0, 0]),
                0,
                b"[ia32] clock_gettime64(CLOCK_MONOTONIC, {tv_sec=5, tv_nsec=6}) = 0",
            ),
            // The 32-bit timespec: two 32-bit halves.
            (
                ia32(bindings::__NR_ia32_clock_gettime, [1, 0x2000, 0, 0, 0, 0]),
                0,
                b"[ia32] clock_gettime(CLOCK_MONOTONIC, {tv_sec=5, tv_nsec=0}) = 0",
            ),
            (
                ia32(bindings::__NR_ia32_stat64, [0x3000, 0x4000, 0, 0, 0, 0]),
                0,
                b"[ia32] stat64(\"/x\", {st_mode=S_IFREG|0644, st_size=16, ...}) = 0",
            ),
            // A failed call's structure: its address.
            (
                ia32(bindings::__NR_ia32_stat64, [0x3000, 0x4000, 0, 0, 0, 0]),
                -2,
                b"[ia32] stat64(\"/x\", 0x4000)             = -1 ENOENT (No such file or directory)",
            ),
            (
                ia32(bindings::__NR_ia32_readv, [3, 0x5000, 1, 0, 0, 0]),
                2,
                b"[ia32] readv(3, [{iov_base=\"hi\", iov_len=3}], 1) = 2",
            ),
            (
                ia32(bindings::__NR_ia32_execve, [0x3000, 0x6000, 0x6000, 0, 0, 0]),
                0,
                b"[ia32] execve(\"/x\", [\"/x\", \"/x\"], 0x6000 /* 2 vars */) = 0",
            ),
            (
                ia32(bindings::__NR_ia32_rt_sigaction, [10, 0x7000, 0, 8, 0, 0]),
                0,
                b"[ia32] rt_sigaction(SIGUSR1, {sa_handler=SIG_IGN, sa_mask=[USR1], sa_flags=0}, NULL, 8) = 0",
            ),
            (
                ia32(bindings::__NR_ia32_nanosleep, [0x8000, 0, 0, 0, 0, 0]),
                -22,
                b"[ia32] nanosleep({tv_sec=0, tv_nsec=4294967295}, NULL) = -1 EINVAL (Invalid argument)",
            ),
            // mmap2's flags by name, its result in hex.
            (
                ia32(bindings::__NR_ia32_mmap2, [0, 8192, 3, 0x22, 0xffff_ffff, 0]),
                0xf7f4_6000,
                b"[ia32] mmap2(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0xf7f46000",
            ),
            (
                ia32(bindings::__NR_ia32_ugetrlimit, [7, 0x9000, 0, 0, 0, 0]),
                0,
                b"[ia32] ugetrlimit(RLIMIT_NOFILE, {rlim_cur=1024, rlim_max=RLIM_INFINITY}) = 0",
            ),
            (
                ia32(bindings::__NR_ia32_ioctl, [0, 0x5401, 0x9000, 0, 0, 0]),
                -25,
                b"[ia32] ioctl(0, TCGETS, 0x9000)         = -1 ENOTTY (Inappropriate ioctl for device)",
            ),
            // A call without kinds: raw.
            (
                ia32(bindings::__NR_ia32_sigaction, [10, 0x7000, 0, 0, 0, 0]),
                0,
                b"[ia32] sigaction(0xa, 0x7000, 0x0, 0x0, 0x0, 0x0) = 0",
            ),
        ];
        assert_lines(&cases, &mem);
    }

    // A terminal's ioctls as strace 6.1 shows them: the structure or
    // `int` of each request named (at exit for those it fills), no third
    // argument where the request takes none, an unknown request by its
    // fields; ia32's the same (ioctl is a twin). In place and from the
    // record.
    #[test]
    fn ioctls_show_their_terminal_structures() {
        type T = bindings::termios;
        let mut termios = [0u8; size_of::<T>()];
        let flags = [
            (offset_of!(T, c_iflag), bindings::ICRNL | bindings::IXON),
            (offset_of!(T, c_oflag), bindings::OPOST | bindings::ONLCR),
            (
                offset_of!(T, c_cflag),
                bindings::B38400 | bindings::CS8 | bindings::CREAD,
            ),
            (
                offset_of!(T, c_lflag),
                bindings::ISIG | bindings::ICANON | bindings::ECHO,
            ),
        ];
        for (at, value) in flags {
            termios[at..at + 4].copy_from_slice(&value.to_ne_bytes());
        }
        let mut winsize = [0u8; 8];
        winsize[..2].copy_from_slice(&24u16.to_ne_bytes());
        winsize[2..4].copy_from_slice(&80u16.to_ne_bytes());
        let regions: [(u64, &[u8]); 3] = [
            (0x1000, &termios),
            (0x2000, &5u32.to_ne_bytes()),
            (0x3000, &winsize),
        ];
        let mem = Fake { regions: &regions };
        let cases: &[(CallEntry, i64, &[u8])] = &[
            (
                call("ioctl", [0, bindings::TCGETS.into(), 0x1000, 0, 0, 0], None, 32),
                0,
                b"ioctl(0, TCGETS, {c_iflag=ICRNL|IXON, c_oflag=NL0|CR0|TAB0|BS0|VT0|FF0|OPOST|ONLCR, c_cflag=B38400|CS8|CREAD, c_lflag=ISIG|ICANON|ECHO, ...}) = 0",
            ),
            (
                call("ioctl", [0, bindings::TCGETS.into(), 0x1000, 0, 0, 0], None, 32),
                -25,
                b"ioctl(0, TCGETS, 0x1000)                = -1 ENOTTY (Inappropriate ioctl for device)",
            ),
            (
                call("ioctl", [0, bindings::TCSETSW.into(), 0, 0, 0, 0], None, 32),
                -14,
                b"ioctl(0, SNDCTL_TMR_STOP or TCSETSW, NULL) = -1 EFAULT (Bad address)",
            ),
            (
                call("ioctl", [0, bindings::FIOCLEX.into(), 0x1000, 0, 0, 0], None, 32),
                0,
                b"ioctl(0, FIOCLEX)                       = 0",
            ),
            (
                call("ioctl", [0, bindings::FIONREAD.into(), 0x2000, 0, 0, 0], None, 32),
                0,
                b"ioctl(0, FIONREAD, [5])                 = 0",
            ),
            (
                call("ioctl", [0, bindings::TCFLSH.into(), 2, 0, 0, 0], None, 32),
                0,
                b"ioctl(0, TCFLSH, TCIOFLUSH)             = 0",
            ),
            (
                call("ioctl", [3, 0x1234, 0x10, 0, 0, 0], None, 32),
                0,
                b"ioctl(3, _IOC(_IOC_NONE, 0x12, 0x34, 0), 0x10) = 0",
            ),
            #[cfg(CONFIG_X86_64)]
            (
                CallEntry {
                    native: false,
                    arch: bindings::AUDIT_ARCH_I386,
                    nr: bindings::__NR_ia32_ioctl.into(),
                    args: [0, bindings::TIOCGWINSZ.into(), 0x3000, 0, 0, 0],
                    ..call("ioctl", [0; 6], None, 32)
                },
                0,
                b"[ia32] ioctl(0, TIOCGWINSZ, {ws_row=24, ws_col=80, ws_xpixel=0, ws_ypixel=0}) = 0",
            ),
        ];
        assert_lines(cases, &mem);
    }

    // iovecs as strace shows them: writev's whole buffers (cut at the
    // string limit), readv's bytes across its buffers, `""` past them; the
    // line read in place and the one from the record agree.
    #[test]
    fn iovecs_show_their_buffers() {
        let mut iov = [0u8; 32];
        iov[..8].copy_from_slice(&0x2000u64.to_ne_bytes());
        iov[8..16].copy_from_slice(&4u64.to_ne_bytes());
        iov[16..24].copy_from_slice(&0x2004u64.to_ne_bytes());
        iov[24..].copy_from_slice(&64u64.to_ne_bytes());
        let mut data = [b'x'; 68];
        data[..10].copy_from_slice(b"hello worl");
        let regions: [(u64, &[u8]); 2] = [(0x1000, &iov), (0x2000, &data)];
        let mem = Fake { regions: &regions };
        let vec_call = |name, args: [u64; 3], string_max| {
            call(name, [args[0], args[1], args[2], 1, 0, 0], None, string_max)
        };
        // The call, its result, and what its line must hold; the last
        // two: a count past the array, an array that cannot be read.
        let cases: [(CallEntry, i64, &[u8]); 7] = [
            (
                vec_call("writev", [1, 0x1000, 2], 8),
                68,
                b"writev(1, [{iov_base=\"hell\", iov_len=4}, {iov_base=\"o worlxx\"..., iov_len=64}], 2)",
            ),
            (
                vec_call("readv", [3, 0x1000, 2], 32),
                6,
                b"readv(3, [{iov_base=\"hell\", iov_len=4}, {iov_base=\"o \", iov_len=64}], 2) = 6",
            ),
            (
                vec_call("readv", [3, 0x1000, 2], 32),
                0,
                b"readv(3, [{iov_base=\"\", iov_len=4}, {iov_base=\"\", iov_len=64}], 2) = 0",
            ),
            (
                vec_call("preadv", [3, 0x1000, 2], 32),
                6,
                b"preadv(3, [{iov_base=\"hell\", iov_len=4}, {iov_base=\"o \", iov_len=64}], 2, 1) = 6",
            ),
            // One element shown at most with `-s 1`.
            (
                vec_call("writev", [1, 0x1000, 2], 1),
                68,
                b"writev(1, [{iov_base=\"h\"..., iov_len=4}, ...], 2)",
            ),
            (
                vec_call("writev", [1, 0x1000, 3], 8),
                68,
                b"iov_len=64}, ...], 3)",
            ),
            (
                vec_call("writev", [1, 0x9000, 1], 8),
                -14,
                b"writev(1, 0x9000, 1)",
            ),
        ];
        for (entry, ret, want) in cases {
            let (direct, replayed) = both(entry, ret, &mem);
            assert_eq!(direct[..], replayed[..]);
            if !contains(&direct, want) {
                pr_err!("got: {}\n", BStr::from_bytes(&direct));
            }
            assert!(contains(&direct, want));
        }
    }

    #[test]
    fn getgroups_of_nothing_reads_nothing() {
        // An undumpable task refuses even an empty read (review).
        let none = Fake { regions: &[] };
        let line = direct(
            call("getgroups", [0, 0x1000, 0, 0, 0, 0], None, 32),
            0,
            &none,
        );
        assert!(contains(&line, b"getgroups(0, [])"));
        // No array: strace's NULL (the oracle's ia32 getgroups32).
        let line = direct(call("getgroups", [0, 0, 0, 0, 0, 0], None, 32), 0, &none);
        assert!(contains(&line, b"getgroups(0, NULL)"));
    }

    #[test]
    fn envp_is_counted_however_long_argv_is() {
        // The strings of a long argv filled the capture area (review).
        let mut strings = KVec::new();
        let mut argv = KVec::new();
        for _ in 0..40u64 {
            let at = 0xa000 + strings.len() as u64;
            argv.extend_from_slice(&at.to_ne_bytes(), GFP_KERNEL)
                .unwrap();
            strings.extend_from_slice(&[b'l'; 40], GFP_KERNEL).unwrap();
            strings.push(0, GFP_KERNEL).unwrap();
        }
        argv.extend_from_slice(&[0; 8], GFP_KERNEL).unwrap();
        let mut envp = [0u8; 32];
        for i in 0..3 {
            envp[i * 8..i * 8 + 8].copy_from_slice(&0xa000u64.to_ne_bytes());
        }
        let regions: [(u64, &[u8]); 4] = [
            (0x1000, b"/usr/bin/cc\0"),
            (0xa000, &strings),
            (0xb000, &argv),
            (0x6000, &envp),
        ];
        let mem = Fake { regions: &regions };
        let (a, b) = both(
            call("execve", [0x1000, 0xb000, 0x6000, 0, 0, 0], None, 32),
            0,
            &mem,
        );
        assert!(contains(&a, b"/* 3 vars */"));
        assert!(contains(&b, b"/* 3 vars */"));
    }

    #[test]
    fn a_failed_path_does_not_hide_the_times() {
        // utimensat's path runs into an unmapped page; its times are read
        // from the same address (review: the failed read hid them).
        let page: [(u64, &[u8]); 1] = [(0xc000, &[b'a'; 40])];
        let mem = Fake { regions: &page };
        let at_fdcwd = -100i64 as u64;
        let entry = call("utimensat", [at_fdcwd, 0xc000, 0xc000, 0, 0, 0], None, 32);
        let (a, b) = both(entry, 0, &mem);
        assert!(contains(&a, b"tv_sec="));
        assert_eq!(a[..], b[..]);
    }

    /// The line a reader renders of the breakpoint record `hit`.
    fn probe_text(pid: Option<i32>, hit: ProbeHit) -> KVVec<u8> {
        let record = Record::Probe {
            pid,
            hit,
            name: b"probed_add",
        };
        let mut bytes = KVec::new();
        for p in record.encode().parts() {
            bytes.extend_from_slice(p, GFP_KERNEL).unwrap();
        }
        let mut line = Line::new();
        render(&Record::decode(&bytes).unwrap(), &mut line);
        let mut out = KVVec::new();
        out.extend_from_slice(line.as_bytes(), GFP_KERNEL).unwrap();
        out
    }

    #[test]
    fn breakpoint_lines_show_the_arguments_or_the_value() {
        let entry = probe_text(None, ProbeHit::Entry([1, 0x3e9, 0, u64::MAX]));
        assert_eq!(
            &entry[..],
            b"--- probed_add(0x1, 0x3e9, 0, 0xffffffffffffffff) ---\n"
        );
        let ret = probe_text(Some(42), ProbeHit::Return(0x3ea));
        assert_eq!(&ret[..], b"[pid    42] --- probed_add returned 0x3ea ---\n");
        let zero = probe_text(None, ProbeHit::Return(0));
        assert_eq!(&zero[..], b"--- probed_add returned 0 ---\n");
    }
}
