// SPDX-License-Identifier: GPL-2.0

//! What the VM engine's rules know of ia32, x86_64's 32-bit ABI (32-bit
//! programs, and `int $0x80` from any): the variants of a call that 32-bit
//! programs make instead of it (`getuid32`, `fcntl64`, `ugetrlimit`...),
//! the sub-calls of its `socketcall` and `ipc` multiplexers, its 16-bit id
//! calls, its old `uname` layouts and where its path arguments are. Built on
//! x86_64 only; [`super::rules`] asks it about ia32's calls.

use super::rules::{has_call, path_args, RuleError, UtsLayout};
use crate::engines::strace::syscalls::{Abi, ForeignAbi, SYSCALLS, SYSCALLS_IA32};
use core::mem::offset_of;
use kernel::bindings;
use kernel::prelude::*;

/// `struct old_utsname`: ia32's `olduname`.
const OLD_UTS: UtsLayout = UtsLayout::new(
    offset_of!(bindings::old_utsname, nodename),
    offset_of!(bindings::old_utsname, release),
);
/// `struct oldold_utsname`: ia32's `oldolduname`, whose fields hold 8 bytes.
const OLDOLD_UTS: UtsLayout = UtsLayout::new(
    offset_of!(bindings::oldold_utsname, nodename),
    offset_of!(bindings::oldold_utsname, release),
);

/// A call ia32 makes through a multiplexer: `socketcall(code, args)`
/// (`<linux/net.h>`'s `SYS_*` codes) or `ipc(code | version << 16, ...)`
/// (`<linux/ipc.h>`'s).
#[derive(Debug)]
pub(super) struct SubCall {
    name: &'static str,
    /// The multiplexer's number in ia32's table.
    via: i64,
    /// The sub-call's code.
    code: u32,
    /// The bits of the multiplexer's first argument that hold the code.
    mask: u32,
}

impl SubCall {
    const fn socket(name: &'static str, code: u32) -> Self {
        SubCall {
            name,
            via: bindings::__NR_ia32_socketcall as i64,
            code,
            mask: u32::MAX,
        }
    }

    const fn ipc(name: &'static str, code: u32) -> Self {
        SubCall {
            name,
            via: bindings::__NR_ia32_ipc as i64,
            code,
            // `ipc_parse_version()`: the version sits above.
            mask: 0xffff,
        }
    }

    fn made_by(&self, nr: i64, first: u64) -> bool {
        // The first argument is an int: its low 32 bits (truncation meant).
        nr == self.via && (first as u32) & self.mask == self.code
    }
}

/// Every call ia32 can make through `socketcall` or `ipc`, by name (some,
/// as `accept` and `semop`, only so).
const SUB_CALLS: &[SubCall] = &[
    SubCall::socket("socket", bindings::SYS_SOCKET),
    SubCall::socket("bind", bindings::SYS_BIND),
    SubCall::socket("connect", bindings::SYS_CONNECT),
    SubCall::socket("listen", bindings::SYS_LISTEN),
    SubCall::socket("accept", bindings::SYS_ACCEPT),
    SubCall::socket("getsockname", bindings::SYS_GETSOCKNAME),
    SubCall::socket("getpeername", bindings::SYS_GETPEERNAME),
    SubCall::socket("socketpair", bindings::SYS_SOCKETPAIR),
    SubCall::socket("send", bindings::SYS_SEND),
    SubCall::socket("recv", bindings::SYS_RECV),
    SubCall::socket("sendto", bindings::SYS_SENDTO),
    SubCall::socket("recvfrom", bindings::SYS_RECVFROM),
    SubCall::socket("shutdown", bindings::SYS_SHUTDOWN),
    SubCall::socket("setsockopt", bindings::SYS_SETSOCKOPT),
    SubCall::socket("getsockopt", bindings::SYS_GETSOCKOPT),
    SubCall::socket("sendmsg", bindings::SYS_SENDMSG),
    SubCall::socket("recvmsg", bindings::SYS_RECVMSG),
    SubCall::socket("accept4", bindings::SYS_ACCEPT4),
    SubCall::socket("recvmmsg", bindings::SYS_RECVMMSG),
    SubCall::socket("sendmmsg", bindings::SYS_SENDMMSG),
    SubCall::ipc("semop", bindings::SEMOP),
    SubCall::ipc("semget", bindings::SEMGET),
    SubCall::ipc("semctl", bindings::SEMCTL),
    SubCall::ipc("semtimedop", bindings::SEMTIMEDOP),
    SubCall::ipc("msgsnd", bindings::MSGSND),
    SubCall::ipc("msgrcv", bindings::MSGRCV),
    SubCall::ipc("msgget", bindings::MSGGET),
    SubCall::ipc("msgctl", bindings::MSGCTL),
    SubCall::ipc("shmat", bindings::SHMAT),
    SubCall::ipc("shmdt", bindings::SHMDT),
    SubCall::ipc("shmget", bindings::SHMGET),
    SubCall::ipc("shmctl", bindings::SHMCTL),
];

/// ia32's names for x86_64's calls that it makes under another name
/// (x86_64's name, ia32's), beyond the suffixed variants
/// ([`is_variant`]).
pub(super) const IA32_RENAMED: &[(&str, &str)] = &[
    ("getrlimit", "ugetrlimit"),
    ("lseek", "_llseek"),
    ("mmap", "mmap2"),
    ("select", "_newselect"),
    ("rt_sigaction", "sigaction"),
    ("rt_sigprocmask", "sigprocmask"),
    ("rt_sigpending", "sigpending"),
    ("rt_sigsuspend", "sigsuspend"),
    ("rt_sigreturn", "sigreturn"),
    ("wait4", "waitpid"),
    ("newfstatat", "fstatat64"),
    ("stat", "oldstat"),
    ("lstat", "oldlstat"),
    ("fstat", "oldfstat"),
    ("uname", "olduname"),
    ("uname", "oldolduname"),
];

/// Whether ia32's call `variant` is the call `name` under another name: a
/// call x86_64 does not have, named `name` with `32` (wider ids), `64`,
/// `_64` (wider offsets and sizes) or `_time64` (64-bit times) after it,
/// or one of [`IA32_RENAMED`].
fn is_variant(name: &str, variant: &str) -> bool {
    let suffixed = variant
        .strip_prefix(name)
        .is_some_and(|s| ["32", "64", "_64", "_time64"].contains(&s));
    (suffixed && Abi::Native.nr_of(variant).is_none()) || IA32_RENAMED.contains(&(name, variant))
}

/// The calls of ia32 a `return` rule for a call name applies to.
#[derive(Debug)]
pub(super) struct Ia32Calls {
    /// ia32's calls of that name and its variants ([`is_variant`]).
    calls: KVec<i64>,
    /// The sub-call of that name of ia32's `socketcall` or `ipc`.
    sub: Option<&'static SubCall>,
}

impl Ia32Calls {
    /// ia32's calls named `name`, its variants, and its sub-call.
    pub(super) fn named(name: &str) -> Result<Self, RuleError> {
        let mut calls = KVec::new();
        for call in SYSCALLS_IA32 {
            if call.name == name || is_variant(name, call.name) {
                calls
                    .push(call.nr, GFP_KERNEL_ACCOUNT)
                    .map_err(|_| RuleError::TooMany)?;
            }
        }
        Ok(Ia32Calls {
            calls,
            sub: SUB_CALLS.iter().find(|s| s.name == name),
        })
    }

    /// Whether there is no such call in ia32.
    pub(super) fn is_empty(&self) -> bool {
        self.calls.is_empty() && self.sub.is_none()
    }

    /// Whether ia32's call `nr`, whose first argument is `first`, is one.
    pub(super) fn contain(&self, nr: i64, first: u64) -> bool {
        self.calls.contains(&nr) || self.sub.is_some_and(|s| s.made_by(nr, first))
    }
}

/// Which id an ia32 16-bit id call returns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Id16 {
    Uid,
    Gid,
}

/// The id ia32's call `nr` returns in 16 bits, if it is one of the 16-bit
/// id getters (the kernel's `sys_getuid16()` and kin).
pub(super) fn id16_kind(nr: i64) -> Option<Id16> {
    let uid = [bindings::__NR_ia32_getuid, bindings::__NR_ia32_geteuid];
    let gid = [bindings::__NR_ia32_getgid, bindings::__NR_ia32_getegid];
    if uid.iter().any(|&n| i64::from(n) == nr) {
        Some(Id16::Uid)
    } else if gid.iter().any(|&n| i64::from(n) == nr) {
        Some(Id16::Gid)
    } else {
        None
    }
}

/// The layout of ia32's answer to its call `nr` if it is a uname: ia32's
/// `uname` takes x86_64's `struct new_utsname`, its old forms their own.
pub(super) fn uname_layout(nr: i64, new: UtsLayout) -> Option<UtsLayout> {
    match nr {
        _ if nr == Abi::Foreign(ForeignAbi::Ia32).uname() => Some(new),
        n if n == i64::from(bindings::__NR_ia32_olduname) => Some(OLD_UTS),
        n if n == i64::from(bindings::__NR_ia32_oldolduname) => Some(OLDOLD_UTS),
        _ => None,
    }
}

/// For each ia32 number, the path argument of its call if a `redirect`
/// rewrites it.
pub(super) static PATH_ARG: [u8; bindings::__NR_ia32_syscalls as usize] = path_args(SYSCALLS_IA32);

/// Each pair of [`IA32_RENAMED`] names a call of each table.
const fn renamed_exist() -> bool {
    let mut j = 0;
    while j < IA32_RENAMED.len() {
        let (native, ia32) = IA32_RENAMED[j];
        if !has_call(SYSCALLS, native) || !has_call(SYSCALLS_IA32, ia32) {
            return false;
        }
        j += 1;
    }
    true
}
const _: () = assert!(renamed_exist(), "a renamed call a table lacks");
