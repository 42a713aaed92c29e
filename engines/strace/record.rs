// SPDX-License-Identifier: GPL-2.0

//! What an strace engine hands to its readers: binary records, turned into
//! text by the reader ([`render`](super::render)), not by the traced task.
//!
//! A call's record holds its registers (number, arguments, result...) and
//! the **captures**: each piece of the traced task's memory that the line
//! shows (a path, a buffer, a structure), read in the task's own context
//! while it is in the call, as it must be. How does the task know what the
//! line will show, without formatting it? It runs the same renderer the
//! reader runs, against a line that formats nothing ([`NullLine`]) and a
//! [`Capture`] source that reads the memory and keeps what it read. The
//! reader then runs the renderer against a real line and a [`Replay`] of
//! those captures. One decoder, so the two cannot disagree on what a call
//! needs; the traced task pays for its reads and a copy, not for
//! `core::fmt`.
//!
//! A reader's line may have less room than the null line (the `[pid N]`
//! prefix, long arguments), so it may show less than was captured, never
//! more: every decision the renderer takes on room only shows less when
//! there is less room. What the capture area could not hold is missing at
//! replay, and the line shows the address instead, as strace shows memory
//! it cannot read.
//!
//! Records are plain bytes (so that a ring holds them end to end), encoded
//! and decoded here only: [`Record::encode`] and [`Record::decode`].
//!
//! [`NullLine`]: super::line::NullLine

use crate::engine_core::{user, SigInfoFields, SYSCALL_ARGS};
use kernel::prelude::*;

/// Bytes of captured memory one call's record holds, entry and exit
/// together: the longest line (512 bytes) quotes far less; and with the
/// rest of an engine's pending call it fits a 2 KiB allocation.
pub(crate) const CAPTURE_MAX: usize = 1792;

/// Bytes of a record's header, the most any kind takes.
pub(crate) const HEADER_MAX: usize = 128;

/// The longest record.
pub(crate) const RECORD_MAX: usize = HEADER_MAX + CAPTURE_MAX;

/// Memory a renderer reads: the traced task's, or what was kept of it.
pub(crate) trait Memory {
    /// Fills `buf` with the bytes at `addr`: `EFAULT` (or `EPERM`) if it
    /// cannot, and the line shows the address.
    fn read(&mut self, addr: u64, buf: &mut [u8]) -> Result;

    /// Reads the string at `addr` into `buf`, as [`user::read_cstr`]:
    /// its length (at most `buf.len() - 1`) and whether it was cut.
    fn read_cstr(&mut self, addr: u64, buf: &mut [u8]) -> Result<(usize, bool)>;
}

/// Where a renderer reads the traced task's memory from.
pub(crate) trait Source: Memory {
    /// `count()` of the memory, computed where the memory is, for the
    /// address `addr`. For counts that read much to give one number
    /// (`execve`'s environment strings, a directory's entries): a record
    /// keeps the number, not the reads.
    /// `None` if the count was not kept: the line shows the address alone.
    fn counted(&mut self, addr: u64, count: impl FnOnce(&mut dyn Memory) -> usize)
        -> Option<usize>;
}

/// The traced task's memory, read in its context, as tracers may see it:
/// `EPERM` if it may not be shown to tracers ([`user::shown_to_tracers`]),
/// and the address is shown instead, as strace shows it when ptrace
/// refuses it the memory.
pub(crate) struct Live;

impl Memory for Live {
    fn read(&mut self, addr: u64, buf: &mut [u8]) -> Result {
        if !user::shown_to_tracers() {
            return Err(EPERM);
        }
        user::read(addr, buf)
    }

    fn read_cstr(&mut self, addr: u64, buf: &mut [u8]) -> Result<(usize, bool)> {
        if !user::shown_to_tracers() {
            return Err(EPERM);
        }
        user::read_cstr(addr, buf)
    }
}

/// The tag of one capture.
mod tag {
    /// `read()`: the request's length, then the bytes.
    pub(super) const READ: u8 = 1;
    /// `read_cstr()`: the buffer's length, the string's, then the string.
    pub(super) const CSTR: u8 = 2;
    /// `counted()`: the count.
    pub(super) const COUNT: u8 = 3;
}

/// Bytes of a capture's head: tag, address, length.
const CAPTURE_HEAD: usize = 1 + 8 + 4;

/// Bytes at the end of the area only counts may take: a call counts at
/// most once per side (envp, or a directory's entries), and the count
/// must not be lost to the strings before it (review: a long argv left
/// execve's envp `/* 0 vars */`).
const COUNT_ROOM: usize = 2 * CAPTURE_HEAD;

/// The captures of one call, entry's then exit's, in the order the
/// renderer read them. All zeroes is an empty one.
#[derive(Zeroable)]
pub(crate) struct Captures {
    bytes: [u8; CAPTURE_MAX],
    /// Bytes in use.
    len: usize,
    /// Where the exit's captures start (the entry's end), once they do:
    /// 0 until then (the exit's start is above 0 once the entry kept one).
    exit_at: usize,
    /// The exit's captures have started.
    at_exit: bool,
}

impl Captures {
    /// No captures, initialised in place (the area is 2 KiB: not for the
    /// stack of a clone report).
    pub(crate) fn empty() -> impl Init<Self> {
        init!(Captures {
            ..Zeroable::init_zeroed()
        })
    }

    /// Forgets every capture, for a new call.
    pub(crate) fn clear(&mut self) {
        self.len = 0;
        self.exit_at = 0;
        self.at_exit = false;
    }

    /// The entry's captures end here; the exit's follow.
    pub(crate) fn start_exit(&mut self) {
        self.exit_at = self.len;
        self.at_exit = true;
    }

    /// The entry's and the exit's captures.
    pub(crate) fn parts(&self) -> (&[u8], &[u8]) {
        let exit_at = if self.at_exit { self.exit_at } else { self.len };
        (&self.bytes[..exit_at], &self.bytes[exit_at..self.len])
    }

    /// Keeps a capture, if it fits whole (else it is missing at replay).
    /// Only a count may take the last [`COUNT_ROOM`] bytes.
    fn keep(&mut self, tag: u8, addr: u64, n: u32, data: &[&[u8]]) {
        let size = CAPTURE_HEAD + data.iter().map(|d| d.len()).sum::<usize>();
        let reserved = if tag == tag::COUNT { 0 } else { COUNT_ROOM };
        if CAPTURE_MAX - self.len < size + reserved {
            return;
        }
        let mut at = self.len;
        let mut put = |b: &[u8]| {
            self.bytes[at..at + b.len()].copy_from_slice(b);
            at += b.len();
        };
        put(&[tag]);
        put(&addr.to_ne_bytes());
        put(&n.to_ne_bytes());
        for d in data {
            put(d);
        }
        self.len = at;
    }
}

/// The renderer's [`Source`] in the traced task: reads `from` ([`Live`])
/// and keeps what it read in the call's [`Captures`].
pub(crate) struct Capture<'a, M: Memory> {
    pub(crate) from: M,
    pub(crate) into: &'a mut Captures,
}

/// A length as a capture holds it (buffers are far below 4 GiB).
fn len32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl<M: Memory> Memory for Capture<'_, M> {
    fn read(&mut self, addr: u64, buf: &mut [u8]) -> Result {
        // A read that fails is not kept: missing at replay, it fails
        // there too. (Kept, a failed long read at an address hid a good
        // shorter one at the same address: review.)
        self.from.read(addr, buf)?;
        self.into.keep(tag::READ, addr, len32(buf.len()), &[buf]);
        Ok(())
    }

    fn read_cstr(&mut self, addr: u64, buf: &mut [u8]) -> Result<(usize, bool)> {
        let (len, cut) = self.from.read_cstr(addr, buf)?;
        let len = len.min(buf.len());
        let strlen = len32(len).to_ne_bytes();
        self.into
            .keep(tag::CSTR, addr, len32(buf.len()), &[&strlen, &buf[..len]]);
        Ok((len, cut))
    }
}

impl<M: Memory> Source for Capture<'_, M> {
    fn counted(
        &mut self,
        addr: u64,
        count: impl FnOnce(&mut dyn Memory) -> usize,
    ) -> Option<usize> {
        let n = count(&mut self.from);
        self.into.keep(tag::COUNT, addr, len32(n), &[]);
        Some(n)
    }
}

/// One capture, as [`Replay`] finds it.
struct Captured<'a> {
    tag: u8,
    addr: u64,
    n: u32,
    data: &'a [u8],
}

/// The renderer's [`Source`] in the reader: answers from one side's
/// captures (entry or exit) what the traced task read.
pub(crate) struct Replay<'a> {
    captures: &'a [u8],
}

impl<'a> Replay<'a> {
    /// A replay of `captures` (one side's, from [`Record::decode`]).
    pub(crate) fn new(captures: &'a [u8]) -> Self {
        Self { captures }
    }

    /// The captures, each once, in order; a malformed tail ends them.
    fn iter(&self) -> impl Iterator<Item = Captured<'a>> {
        let mut rest = self.captures;
        core::iter::from_fn(move || {
            let (head, tail) = rest.split_at_checked(CAPTURE_HEAD)?;
            let tag = head[0];
            let addr = u64::from_ne_bytes(head[1..9].try_into().ok()?);
            let n = u32::from_ne_bytes(head[9..13].try_into().ok()?);
            let size = match tag {
                tag::READ => n as usize,
                tag::CSTR => 4 + u32::from_ne_bytes(tail.get(..4)?.try_into().ok()?) as usize,
                _ => 0,
            };
            let (data, tail) = tail.split_at_checked(size)?;
            rest = tail;
            Some(Captured { tag, addr, n, data })
        })
    }

    /// The first capture of `addr` with `tag`.
    fn find(&self, addr: u64, tag: u8) -> Option<Captured<'a>> {
        self.iter().find(|c| c.addr == addr && c.tag == tag)
    }
}

impl Memory for Replay<'_> {
    fn read(&mut self, addr: u64, buf: &mut [u8]) -> Result {
        // The first capture of this address long enough: the renderer
        // here asks for at most what it asked for in the task.
        let found = self
            .iter()
            .find(|c| c.tag == tag::READ && c.addr == addr && c.n as usize >= buf.len());
        // None: failed in the task, or not kept (the capture area was full).
        let c = found.ok_or(EFAULT)?;
        buf.copy_from_slice(&c.data[..buf.len()]);
        Ok(())
    }

    fn read_cstr(&mut self, addr: u64, buf: &mut [u8]) -> Result<(usize, bool)> {
        let Some(c) = self.find(addr, tag::CSTR) else {
            return Err(EFAULT);
        };
        if buf.is_empty() {
            return Err(EFAULT);
        }
        let got = &c.data[4..];
        let whole = got.len() + 1 < c.n as usize;
        // What a read into `buf` would have given: the string, cut at
        // `buf.len() - 1` bytes; known only if the task read that far.
        let len = got.len().min(buf.len() - 1);
        if len == got.len() && !whole && len + 1 < buf.len() {
            return Err(EFAULT);
        }
        buf[..len].copy_from_slice(&got[..len]);
        Ok((len, len + 1 == buf.len()))
    }
}

impl Source for Replay<'_> {
    fn counted(
        &mut self,
        addr: u64,
        _count: impl FnOnce(&mut dyn Memory) -> usize,
    ) -> Option<usize> {
        self.find(addr, tag::COUNT).map(|c| c.n as usize)
    }
}

/// The part of a call's record known at its entry.
#[derive(Clone, Copy)]
pub(crate) struct CallEntry {
    /// `[pid N]` before the line.
    pub(crate) pid: Option<i32>,
    /// The call is of the native ABI.
    pub(crate) native: bool,
    /// Its `AUDIT_ARCH_*`.
    pub(crate) arch: u32,
    pub(crate) nr: i64,
    pub(crate) args: [u64; SYSCALL_ARGS],
    /// The stack pointer at entry (`rt_sigreturn`'s frame).
    pub(crate) sp: u64,
    /// Bytes shown of a string (`-s`).
    pub(crate) string_max: u16,
}

impl CallEntry {
    /// How many of its arguments the line can show: the rest are not kept.
    /// All six of a call shown raw (another ABI's, or one the table does
    /// not decode).
    fn args_used(&self) -> usize {
        if !self.native {
            return SYSCALL_ARGS;
        }
        super::decode::arg_kinds(self.nr, &self.args)
            .map_or(SYSCALL_ARGS, |kinds| kinds.len().min(SYSCALL_ARGS))
    }
}

/// How a call's line ends.
#[derive(Clone, Copy)]
pub(crate) enum CallEnd {
    /// It does not return (`exit_group`): ` = ?`, written at entry.
    NoReturn,
    /// A call written at entry as not returning came back with `ret` (an
    /// engine or a tracer refused it): `<... exit_group resumed>) = ret`,
    /// as strace ends a call it wrote unfinished.
    Resumed { ret: i64 },
    /// It returned `ret`, decoded as a result of call `decode_as` (-1:
    /// as a plain number).
    Returned { ret: i64, decode_as: i64 },
}

/// A record, as the engine writes it and the reader decodes it.
pub(crate) enum Record<'a> {
    /// A call: its entry, its end, and the memory its line shows.
    Call {
        entry: CallEntry,
        end: CallEnd,
        /// The entry's and the exit's captures.
        captures: (&'a [u8], &'a [u8]),
    },
    /// A signal the task took.
    Signal {
        pid: Option<i32>,
        signo: i32,
        code: i32,
        fields: Option<SigInfoFields>,
    },
    /// The task's end, with its exit code.
    Exit { pid: Option<i32>, code: i64 },
    /// A child the engine could not follow: the session's limit of
    /// engines (`Ok(max)`), or the attach's error.
    NotTraced {
        pid: i32,
        why: core::result::Result<usize, i32>,
    },
    /// Records the ring dropped here, for want of room.
    Dropped { count: u64 },
    /// A breakpoint hit (`UTRACE_PROBE`), with the probe's name.
    Probe {
        pid: Option<i32>,
        hit: ProbeHit,
        name: &'a [u8],
    },
}

/// What a breakpoint line shows of the hit.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum ProbeHit {
    /// The function's entry: its first four integer arguments.
    Entry([u64; 4]),
    /// Its return: the value.
    Return(u64),
}

/// A call record's flags, its second byte: which fields follow.
mod flag {
    pub(super) const PID: u8 = 1;
    pub(super) const NATIVE: u8 = 2;
    pub(super) const RETURNED: u8 = 4;
    pub(super) const SP: u8 = 8;
    pub(super) const RESUMED: u8 = 16;
}

/// The kind of a record, its first byte.
mod kind {
    pub(super) const CALL: u8 = 1;
    pub(super) const SIGNAL: u8 = 2;
    pub(super) const EXIT: u8 = 3;
    pub(super) const NOT_TRACED: u8 = 4;
    pub(super) const DROPPED: u8 = 5;
    pub(super) const PROBE: u8 = 6;
}

/// Writes fixed-size fields into a header.
struct Enc {
    buf: [u8; HEADER_MAX],
    at: usize,
}

impl Enc {
    fn bytes(&mut self, b: &[u8]) {
        self.buf[self.at..self.at + b.len()].copy_from_slice(b);
        self.at += b.len();
    }
    fn u8(&mut self, v: u8) {
        self.bytes(&[v]);
    }
    fn u32(&mut self, v: u32) {
        self.bytes(&v.to_ne_bytes());
    }
    fn u64(&mut self, v: u64) {
        self.bytes(&v.to_ne_bytes());
    }
    fn pid(&mut self, pid: Option<i32>) {
        self.u8(pid.is_some().into());
        self.u32(pid.unwrap_or(0) as u32);
    }
    /// An unsigned number in 7-bit groups, low first (LEB128): a small
    /// one takes a byte.
    fn uv(&mut self, mut v: u64) {
        while v >= 0x80 {
            self.u8(v as u8 | 0x80);
            v >>= 7;
        }
        self.u8(v as u8);
    }
    /// A signed one, zig-zagged first: -1 takes a byte.
    fn sv(&mut self, v: i64) {
        self.uv(((v << 1) ^ (v >> 63)) as u64);
    }
}

/// Reads them back; `None` past the end.
struct Dec<'a> {
    rest: &'a [u8],
}

impl<'a> Dec<'a> {
    fn bytes(&mut self, n: usize) -> Option<&'a [u8]> {
        let (b, rest) = self.rest.split_at_checked(n)?;
        self.rest = rest;
        Some(b)
    }
    fn u8(&mut self) -> Option<u8> {
        Some(self.bytes(1)?[0])
    }
    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_ne_bytes(self.bytes(4)?.try_into().ok()?))
    }
    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_ne_bytes(self.bytes(8)?.try_into().ok()?))
    }
    fn pid(&mut self) -> Option<Option<i32>> {
        let some = self.u8()? != 0;
        let pid = self.u32()? as i32;
        Some(some.then_some(pid))
    }
    fn uv(&mut self) -> Option<u64> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.u8()?;
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Some(v);
            }
        }
        None
    }
    fn sv(&mut self) -> Option<i64> {
        let z = self.uv()?;
        Some((z >> 1) as i64 ^ -((z & 1) as i64))
    }
}

/// A record's encoded header, and the captures that follow it.
pub(crate) struct Encoded<'a> {
    head: Enc,
    captures: [&'a [u8]; 2],
}

impl Encoded<'_> {
    /// The record's parts, in order: a ring writes them end to end.
    pub(crate) fn parts(&self) -> [&[u8]; 3] {
        [
            &self.head.buf[..self.head.at],
            self.captures[0],
            self.captures[1],
        ]
    }
}

impl<'a> Record<'a> {
    /// The record in bytes, as [`Record::decode`] reads it.
    pub(crate) fn encode(&self) -> Encoded<'a> {
        let mut e = Enc {
            buf: [0; HEADER_MAX],
            at: 0,
        };
        let mut captures: [&'a [u8]; 2] = [&[], &[]];
        match self {
            Record::Call {
                entry,
                end,
                captures: (at_entry, at_exit),
            } => {
                // Small numbers in a byte, and only the arguments the line
                // can show: a call takes fewer bytes than its line did.
                let used = entry.args_used();
                let mut flags = 0;
                if entry.pid.is_some() {
                    flags |= flag::PID;
                }
                if entry.native {
                    flags |= flag::NATIVE;
                }
                match end {
                    CallEnd::Returned { .. } => flags |= flag::RETURNED,
                    CallEnd::Resumed { .. } => flags |= flag::RESUMED,
                    CallEnd::NoReturn => {}
                }
                if entry.sp != 0 {
                    flags |= flag::SP;
                }
                e.u8(kind::CALL);
                e.u8(flags);
                if let Some(pid) = entry.pid {
                    e.sv(pid.into());
                }
                if !entry.native {
                    e.uv(entry.arch.into());
                }
                e.sv(entry.nr);
                e.uv(entry.string_max.into());
                e.u8(used as u8);
                for a in &entry.args[..used] {
                    e.uv(*a);
                }
                if entry.sp != 0 {
                    e.uv(entry.sp);
                }
                match end {
                    CallEnd::Returned { ret, decode_as } => {
                        e.sv(*ret);
                        e.sv(*decode_as);
                    }
                    CallEnd::Resumed { ret } => e.sv(*ret),
                    CallEnd::NoReturn => {}
                }
                e.uv(at_entry.len() as u64);
                e.uv(at_exit.len() as u64);
                captures = [at_entry, at_exit];
            }
            Record::Signal {
                pid,
                signo,
                code,
                fields,
            } => {
                e.u8(kind::SIGNAL);
                e.pid(*pid);
                e.u32(*signo as u32);
                e.u32(*code as u32);
                e.u8(fields.is_some().into());
                let f = fields.unwrap_or_default();
                e.u32(f.pid as u32);
                e.u32(f.uid);
                e.u32(f.status as u32);
                e.u64(f.utime as u64);
                e.u64(f.stime as u64);
                e.u64(f.addr);
            }
            Record::Exit { pid, code } => {
                e.u8(kind::EXIT);
                e.pid(*pid);
                e.u64(*code as u64);
            }
            Record::NotTraced { pid, why } => {
                e.u8(kind::NOT_TRACED);
                e.u32(*pid as u32);
                match why {
                    Ok(max) => {
                        e.u8(0);
                        e.u64(*max as u64);
                    }
                    Err(errno) => {
                        e.u8(1);
                        e.u64(*errno as u64);
                    }
                }
            }
            Record::Dropped { count } => {
                e.u8(kind::DROPPED);
                e.u64(*count);
            }
            Record::Probe { pid, hit, name } => {
                e.u8(kind::PROBE);
                e.pid(*pid);
                match hit {
                    ProbeHit::Entry(args) => {
                        e.u8(0);
                        for a in args {
                            e.uv(*a);
                        }
                    }
                    ProbeHit::Return(value) => {
                        e.u8(1);
                        e.uv(*value);
                    }
                }
                e.uv(name.len() as u64);
                captures = [name, &[]];
            }
        }
        Encoded { head: e, captures }
    }

    /// The record `bytes` hold, as [`Record::encode`] wrote it; `None` if
    /// they are not one.
    pub(crate) fn decode(bytes: &'a [u8]) -> Option<Record<'a>> {
        let mut d = Dec { rest: bytes };
        let record = match d.u8()? {
            kind::CALL => {
                let flags = d.u8()?;
                let pid = if flags & flag::PID != 0 {
                    Some(i32::try_from(d.sv()?).ok()?)
                } else {
                    None
                };
                let native = flags & flag::NATIVE != 0;
                let arch = if native {
                    0
                } else {
                    u32::try_from(d.uv()?).ok()?
                };
                let nr = d.sv()?;
                let string_max = u16::try_from(d.uv()?).ok()?;
                let used = usize::from(d.u8()?);
                let mut args = [0u64; SYSCALL_ARGS];
                for a in args.get_mut(..used)? {
                    *a = d.uv()?;
                }
                let sp = if flags & flag::SP != 0 { d.uv()? } else { 0 };
                let end = if flags & flag::RETURNED != 0 {
                    CallEnd::Returned {
                        ret: d.sv()?,
                        decode_as: d.sv()?,
                    }
                } else if flags & flag::RESUMED != 0 {
                    CallEnd::Resumed { ret: d.sv()? }
                } else {
                    CallEnd::NoReturn
                };
                let at_entry = usize::try_from(d.uv()?).ok()?;
                let at_exit = usize::try_from(d.uv()?).ok()?;
                let captures = (d.bytes(at_entry)?, d.bytes(at_exit)?);
                Record::Call {
                    entry: CallEntry {
                        pid,
                        native,
                        arch,
                        nr,
                        args,
                        sp,
                        string_max,
                    },
                    end,
                    captures,
                }
            }
            kind::SIGNAL => {
                let pid = d.pid()?;
                let signo = d.u32()? as i32;
                let code = d.u32()? as i32;
                let has = d.u8()? != 0;
                let f = SigInfoFields {
                    pid: d.u32()? as i32,
                    uid: d.u32()?,
                    status: d.u32()? as i32,
                    utime: d.u64()? as i64,
                    stime: d.u64()? as i64,
                    addr: d.u64()?,
                };
                Record::Signal {
                    pid,
                    signo,
                    code,
                    fields: has.then_some(f),
                }
            }
            kind::EXIT => Record::Exit {
                pid: d.pid()?,
                code: d.u64()? as i64,
            },
            kind::NOT_TRACED => {
                let pid = d.u32()? as i32;
                let errno = d.u8()? != 0;
                let v = d.u64()?;
                let why = if errno {
                    Err(v as i32)
                } else {
                    Ok(usize::try_from(v).ok()?)
                };
                Record::NotTraced { pid, why }
            }
            kind::DROPPED => Record::Dropped { count: d.u64()? },
            kind::PROBE => {
                let pid = d.pid()?;
                let hit = match d.u8()? {
                    0 => ProbeHit::Entry([d.uv()?, d.uv()?, d.uv()?, d.uv()?]),
                    1 => ProbeHit::Return(d.uv()?),
                    _ => return None,
                };
                let len = usize::try_from(d.uv()?).ok()?;
                Record::Probe {
                    pid,
                    hit,
                    name: d.bytes(len)?,
                }
            }
            _ => return None,
        };
        // Nothing may follow.
        d.rest.is_empty().then_some(record)
    }
}

#[kunit_tests(utrace_strace_record)]
mod tests {
    use super::super::fake_memory::FakeMemory;
    use super::super::syscalls::nr;
    use super::*;

    /// Captures as a task would keep them, without a task: `data` is the
    /// memory at `addr`, and nothing else is readable.
    fn keep_read(c: &mut Captures, addr: u64, data: &[u8]) {
        c.keep(tag::READ, addr, len32(data.len()), &[data]);
    }

    fn keep_cstr(c: &mut Captures, addr: u64, buf_len: usize, s: &[u8]) {
        let n = len32(s.len()).to_ne_bytes();
        c.keep(tag::CSTR, addr, len32(buf_len), &[&n, s]);
    }

    #[test]
    fn a_replay_gives_what_was_read_and_no_more() {
        let mut c = KBox::init(Captures::empty(), GFP_KERNEL).unwrap();
        keep_read(&mut c, 0x1000, b"hello, world");
        let mut r = Replay::new(c.parts().0);
        let mut buf = [0u8; 5];
        // A shorter read of the same address: its prefix.
        assert!(r.read(0x1000, &mut buf).is_ok());
        assert_eq!(&buf, b"hello");
        // Longer than what the task read, another address, a failed read.
        let mut long = [0u8; 13];
        assert_eq!(r.read(0x1000, &mut long), Err(EFAULT));
        assert_eq!(r.read(0x1001, &mut buf), Err(EFAULT));
    }

    #[test]
    fn a_replayed_string_is_cut_where_a_read_would_cut_it() {
        let mut c = KBox::init(Captures::empty(), GFP_KERNEL).unwrap();
        // A whole string of 5, read with a buffer of 34; one of 33 bytes
        // and more, cut by its buffer of 34.
        keep_cstr(&mut c, 0x10, 34, b"/tmp/");
        keep_cstr(&mut c, 0x20, 34, &[b'x'; 33]);
        let mut r = Replay::new(c.parts().0);
        let mut buf = [0u8; 34];
        assert_eq!(r.read_cstr(0x10, &mut buf), Ok((5, false)));
        assert_eq!(&buf[..5], b"/tmp/");
        assert_eq!(r.read_cstr(0x20, &mut buf), Ok((33, true)));
        // A smaller buffer cuts sooner.
        let mut small = [0u8; 4];
        assert_eq!(r.read_cstr(0x10, &mut small), Ok((3, true)));
        // A larger one: the whole string is known, the cut one is not.
        let mut big = [0u8; 100];
        assert_eq!(r.read_cstr(0x10, &mut big), Ok((5, false)));
        assert_eq!(r.read_cstr(0x20, &mut big), Err(EFAULT));
    }

    #[test]
    fn a_failed_read_does_not_hide_a_good_one() {
        // A path read of 258 bytes that ran into an unmapped page, then a
        // structure of 32 at the same address (review).
        let mut c = KBox::init(Captures::empty(), GFP_KERNEL).unwrap();
        // 40 readable bytes, no NUL among them.
        let mut cap = Capture {
            from: FakeMemory {
                regions: &[(0x10, &[7u8; 40])],
            },
            into: &mut c,
        };
        let mut path = [0u8; 258];
        assert!(cap.read_cstr(0x10, &mut path).is_err());
        let mut times = [0u8; 32];
        assert!(cap.read(0x10, &mut times).is_ok());
        let mut r = Replay::new(c.parts().0);
        let mut buf = [0u8; 32];
        assert!(r.read(0x10, &mut buf).is_ok());
        assert_eq!(buf, [7u8; 32]);
        assert_eq!(r.read_cstr(0x10, &mut path), Err(EFAULT));
    }

    #[test]
    fn entry_and_exit_captures_stay_apart() {
        let mut c = KBox::init(Captures::empty(), GFP_KERNEL).unwrap();
        // One address read at entry and again at exit (`rt_sigaction` with
        // one structure for both): each side finds its own.
        keep_read(&mut c, 0x40, b"in");
        c.start_exit();
        keep_read(&mut c, 0x40, b"ou");
        let (entry, exit) = c.parts();
        let mut buf = [0u8; 2];
        assert!(Replay::new(entry).read(0x40, &mut buf).is_ok());
        assert_eq!(&buf, b"in");
        assert!(Replay::new(exit).read(0x40, &mut buf).is_ok());
        assert_eq!(&buf, b"ou");
    }

    #[test]
    fn a_full_capture_area_keeps_nothing_more() {
        let mut c = KBox::init(Captures::empty(), GFP_KERNEL).unwrap();
        let big =
            KVec::from_elem(7u8, CAPTURE_MAX - COUNT_ROOM - CAPTURE_HEAD - 4, GFP_KERNEL).unwrap();
        keep_read(&mut c, 1, &big);
        keep_read(&mut c, 2, b"12345");
        // The room left for counts takes a count, and no data.
        c.keep(tag::COUNT, 3, 9, &[]);
        let mut r = Replay::new(c.parts().0);
        let mut buf = [0u8; 5];
        assert_eq!(r.read(2, &mut buf), Err(EFAULT));
        let mut one = [0u8; 1];
        assert!(r.read(1, &mut one).is_ok());
        assert_eq!(r.counted(3, |_| 0), Some(9));
    }

    #[test]
    fn records_decode_as_they_were_encoded() {
        let entry = CallEntry {
            pid: Some(42),
            native: true,
            arch: 0xc000003e,
            nr: nr::READ,
            args: [3, 0x7ffd_0000_1000, 255, 0, 0, u64::MAX],
            sp: 0x7ffd_0000_0ff0,
            string_max: 32,
        };
        let rec = Record::Call {
            entry,
            end: CallEnd::Returned {
                ret: -2,
                decode_as: nr::READ,
            },
            captures: (b"ab", b"cde"),
        };
        let enc = rec.encode();
        let mut bytes = KVec::new();
        for p in enc.parts() {
            bytes.extend_from_slice(p, GFP_KERNEL).unwrap();
        }
        match Record::decode(&bytes) {
            Some(Record::Call {
                entry: e,
                end: CallEnd::Returned { ret, decode_as },
                captures,
            }) => {
                // The native ABI's arch is not kept: it is the kernel's.
                assert_eq!(
                    (e.pid, e.native, e.arch, e.nr),
                    (Some(42), true, 0, nr::READ)
                );
                // read() takes three arguments: the others are not kept.
                assert_eq!(e.args, [3, 0x7ffd_0000_1000, 255, 0, 0, 0]);
                assert_eq!((e.sp, e.string_max), (entry.sp, 32));
                assert_eq!((ret, decode_as), (-2, nr::READ));
                assert_eq!(captures, (&b"ab"[..], &b"cde"[..]));
            }
            _ => panic!("not the call encoded"),
        }
        // Another ABI's call keeps all six, and its arch.
        let ia32 = Record::Call {
            entry: CallEntry {
                native: false,
                arch: 0x4000_0003,
                ..entry
            },
            end: CallEnd::NoReturn,
            captures: (&[], &[]),
        }
        .encode();
        match Record::decode(ia32.parts()[0]) {
            Some(Record::Call {
                entry: e,
                end: CallEnd::NoReturn,
                ..
            }) => assert_eq!((e.native, e.arch, e.args), (false, 0x4000_0003, entry.args)),
            _ => panic!("not the ia32 call encoded"),
        }
        // A call written as not returning that came back: its result.
        let resumed = Record::Call {
            entry,
            end: CallEnd::Resumed { ret: -38 },
            captures: (&[], &[]),
        }
        .encode();
        match Record::decode(resumed.parts()[0]) {
            Some(Record::Call {
                entry: e,
                end: CallEnd::Resumed { ret },
                ..
            }) => assert_eq!((e.nr, ret), (entry.nr, -38)),
            _ => panic!("not the resumed call encoded"),
        }
        // Cut short, or with a byte too many: not a record.
        assert!(Record::decode(&bytes[..bytes.len() - 1]).is_none());
        bytes.push(0, GFP_KERNEL).unwrap();
        assert!(Record::decode(&bytes).is_none());

        let f = SigInfoFields {
            pid: 7,
            uid: 1000,
            status: -3,
            utime: 5,
            stime: 6,
            addr: 0xdead,
        };
        let sig = Record::Signal {
            pid: None,
            signo: 17,
            code: 1,
            fields: Some(f),
        }
        .encode();
        match Record::decode(sig.parts()[0]) {
            Some(Record::Signal {
                pid: None,
                signo: 17,
                code: 1,
                fields: Some(got),
            }) => assert_eq!(got, f),
            _ => panic!("not the signal encoded"),
        }
        let nt = Record::NotTraced {
            pid: 9,
            why: Err(12),
        }
        .encode();
        assert!(matches!(
            Record::decode(nt.parts()[0]),
            Some(Record::NotTraced {
                pid: 9,
                why: Err(12)
            })
        ));
    }
}
