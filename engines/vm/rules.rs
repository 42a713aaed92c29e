// SPDX-License-Identifier: GPL-2.0

//! The VM engine's rule language: parsing, and the pure path rewrite.
//!
//! Rules are text, one per line (or separated by `;`), `#` starts a
//! comment:
//!
//! ```text
//! return getuid 1000          # skip the call; the program gets 1000
//! return geteuid 1000
//! uname nodename vm-guest     # edit uname's result at exit
//! uname release 7.2.0-vm
//! redirect /virtual /tmp/real # rewrite path arguments at entry
//! ```
//!
//! `return` takes any syscall of the syscall tables by name and a decimal
//! value (a negative errno for an error); `redirect` takes two absolute
//! prefixes of at most [`MAX_PREFIX`] bytes and applies to the path
//! argument of the open, stat, access, readlink, chdir and execve families
//! ([`REDIRECTED`]). A rule set that does not parse is refused whole, with
//! the number of the offending line.
//!
//! Rules name calls, not numbers, and apply in every ABI that has a table
//! ([`Abi`]): a call of ia32 (a 32-bit program, or `int $0x80`) is matched
//! in ia32's table, where `getuid` is 24 and not x86_64's 102. In ia32 a
//! `return` rule also covers the call's variants, which 32-bit programs
//! make instead ([`ReturnRule`]): `getuid32`, `fcntl64`, `clock_gettime64`,
//! `ugetrlimit`..., and the sub-calls of `socketcall` and `ipc` of that
//! name. A call of an ABI without a table (x32) is refused while there are
//! rules ([`Rules::answer_for_other_abi`]): never read with another ABI's
//! numbers.

#[cfg(CONFIG_X86_64)]
use super::ia32::{self, Ia32Calls};
use crate::engine_core::UntabledCall;
use crate::engines::strace::decode::ArgKind;
use crate::engines::strace::syscalls::{Abi, Syscall, SYSCALLS};
#[cfg(CONFIG_X86_64)]
use crate::engines::strace::syscalls::{ForeignAbi, SYSCALLS_IA32};
use core::mem::offset_of;
use kernel::bindings;
use kernel::prelude::*;

/// Longest prefix in a `redirect` rule, in bytes.
pub(crate) const MAX_PREFIX: usize = 255;
/// Longest uname field value (`__NEW_UTS_LEN`).
pub(crate) const UTS_LEN: usize = NEW_UTS.field - 1;
/// Most rules in one set.
pub(crate) const MAX_RULES: usize = 32;
/// Longest path, its NUL included (`PATH_MAX`).
pub(crate) const PATH_MAX: usize = bindings::PATH_MAX as usize;

/// Why a rule set was refused.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum RuleError {
    /// Not a rule: unknown keyword, missing or extra words, bad number.
    Malformed,
    /// `return` names a syscall that is not known.
    UnknownSyscall,
    /// A prefix or uname value is too long.
    TooLong,
    /// More than [`MAX_RULES`] rules.
    TooMany,
    /// A prefix is not an absolute path.
    NotAbsolute,
}

impl RuleError {
    /// The errno user space gets for it.
    pub(crate) fn errno(self) -> Error {
        match self {
            RuleError::TooLong => enametoolong(),
            RuleError::TooMany => E2BIG,
            _ => EINVAL,
        }
    }
}

/// A uname field value.
#[derive(Clone, Copy)]
pub(crate) struct UtsValue {
    pub(crate) bytes: [u8; UTS_LEN],
    pub(crate) len: usize,
}

/// A path prefix rewrite.
pub(crate) struct Redirect {
    pub(crate) from: KVec<u8>,
    pub(crate) to: KVec<u8>,
}

/// Where uname's answer keeps the fields a `uname` rule edits, in one of
/// its layouts (byte offsets, and the size of a field with its NUL).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct UtsLayout {
    pub(crate) nodename: u64,
    pub(crate) release: u64,
    pub(crate) field: usize,
}

impl UtsLayout {
    pub(super) const fn new(nodename: usize, release: usize) -> Self {
        UtsLayout {
            nodename: nodename as u64,
            release: release as u64,
            // The fields are arrays of one size, one after the other.
            field: release - nodename,
        }
    }
}

/// `struct new_utsname`: `uname` (x86_64, arm64 and ia32).
const NEW_UTS: UtsLayout = UtsLayout::new(
    offset_of!(bindings::new_utsname, nodename),
    offset_of!(bindings::new_utsname, release),
);
/// A `return` rule: the calls it applies to in each ABI, and the value the
/// program gets.
#[derive(Debug)]
pub(crate) struct ReturnRule {
    /// The call of that name in the native table.
    native: Option<i64>,
    /// ia32's calls of that name, its variants and its sub-call.
    #[cfg(CONFIG_X86_64)]
    ia32: Ia32Calls,
    /// What the program gets.
    value: i64,
}

impl ReturnRule {
    /// The rule for the call `name`: `UnknownSyscall` if no table has a
    /// call of that name.
    fn new(name: &str, value: i64) -> Result<Self, RuleError> {
        let rule = ReturnRule {
            native: Abi::Native.nr_of(name),
            #[cfg(CONFIG_X86_64)]
            ia32: Ia32Calls::named(name)?,
            value,
        };
        match rule.native.is_some() || !rule.is_foreign_empty() {
            true => Ok(rule),
            false => Err(RuleError::UnknownSyscall),
        }
    }

    /// Whether no other ABI than the native one has a call of the rule's
    /// name.
    fn is_foreign_empty(&self) -> bool {
        #[cfg(CONFIG_X86_64)]
        return self.ia32.is_empty();
        #[cfg(not(CONFIG_X86_64))]
        true
    }

    /// Whether the rule applies to the call `nr` of `abi` whose first
    /// argument is `first` (ia32's multiplexers': unused on arm64).
    #[cfg_attr(not(CONFIG_X86_64), allow(unused_variables))]
    fn applies(&self, abi: Abi, nr: i64, first: u64) -> bool {
        match abi {
            Abi::Native => self.native == Some(nr),
            #[cfg(CONFIG_X86_64)]
            Abi::Foreign(ForeignAbi::Ia32) => self.ia32.contain(nr, first),
        }
    }
}

/// The ids a 16-bit id call answers for an id it cannot hold (ia32's: arm64
/// has no such call).
#[derive(Clone, Copy, Debug)]
#[cfg_attr(not(CONFIG_X86_64), allow(dead_code))]
struct OverflowIds {
    uid: i64,
    gid: i64,
}

impl OverflowIds {
    /// The sysctls' values now (`kernel.overflowuid`, `kernel.overflowgid`).
    fn current() -> Self {
        // SAFETY: plain ints the kernel defines for its whole life; a
        // sysctl may write them meanwhile, so each is read once, as the
        // kernel's own `high2lowuid()` reads them.
        let (uid, gid) = unsafe {
            (
                core::ptr::read_volatile(&raw const bindings::overflowuid),
                core::ptr::read_volatile(&raw const bindings::overflowgid),
            )
        };
        Self {
            uid: i64::from(uid),
            gid: i64::from(gid),
        }
    }
}

/// A parsed rule set.
#[derive(Default)]
pub(crate) struct Rules {
    /// The `return` rules.
    pub(crate) returns: KVec<ReturnRule>,
    pub(crate) nodename: Option<UtsValue>,
    pub(crate) release: Option<UtsValue>,
    pub(crate) redirects: KVec<Redirect>,
}

impl Rules {
    /// The value a `return` rule gives the call `nr` of `abi` whose first
    /// argument is `first`, if one does. A 32-bit program gets 32 bits: a
    /// value they cannot hold is `-EOVERFLOW` for it, as a compat call
    /// answers a result it cannot represent.
    ///
    /// ia32's 16-bit id calls (`getuid`, `geteuid`, `getgid`, `getegid`,
    /// the ones without `32`) get an id past 65535 as the kernel's own
    /// answer it: the overflow id (`kernel.overflowuid` /
    /// `kernel.overflowgid`, 65534 by default).
    pub(crate) fn return_for(&self, abi: Abi, nr: i64, first: u64) -> Option<i64> {
        self.return_with_overflow_ids(abi, nr, first, OverflowIds::current())
    }

    /// [`Rules::return_for`] with the overflow ids given (only ia32's 16-bit
    /// id calls have one: unused on arm64).
    #[cfg_attr(not(CONFIG_X86_64), allow(unused_variables))]
    fn return_with_overflow_ids(
        &self,
        abi: Abi,
        nr: i64,
        first: u64,
        overflow: OverflowIds,
    ) -> Option<i64> {
        let rule = self.returns.iter().find(|r| r.applies(abi, nr, first))?;
        let value = rule.value;
        Some(match abi {
            Abi::Native => value,
            Abi::Foreign(_) if i32::try_from(value).is_err() => -i64::from(bindings::EOVERFLOW),
            // `high2lowuid()`: any bit above the low 16 makes it the
            // overflow id; an error (negative) is passed as it is.
            #[cfg(CONFIG_X86_64)]
            Abi::Foreign(ForeignAbi::Ia32) if value > 0xffff => match ia32::id16_kind(nr) {
                Some(ia32::Id16::Uid) => overflow.uid,
                Some(ia32::Id16::Gid) => overflow.gid,
                None => value,
            },
            Abi::Foreign(_) => value,
        })
    }

    /// The layout of the answer of the call `nr` of `abi` if it is a
    /// uname that a `uname` rule edits.
    pub(crate) fn uname_layout(&self, abi: Abi, nr: i64) -> Option<UtsLayout> {
        if self.nodename.is_none() && self.release.is_none() {
            return None;
        }
        match abi {
            Abi::Native if nr == abi.uname() => Some(NEW_UTS),
            Abi::Native => None,
            #[cfg(CONFIG_X86_64)]
            Abi::Foreign(ForeignAbi::Ia32) => ia32::uname_layout(nr, NEW_UTS),
        }
    }

    /// The result of a call of an ABI without a table here (AArch32, x32),
    /// whose numbers and arguments the rules cannot be matched against:
    /// `-ENOSYS` (the call is refused) if there is any rule, else `None` (it
    /// runs: with no rule there is nothing to misread). A call that ends
    /// the task or returns from a signal handler always runs: it has no
    /// result to misread, and refused it would leave a program that cannot
    /// exit (a C library's `_Exit` calls `exit` again for ever) or return
    /// from its handlers.
    pub(crate) fn answer_for_other_abi(&self, call: UntabledCall) -> Option<i64> {
        if call != UntabledCall::Other {
            return None;
        }
        // Every kind of rule, named: a new one fails to build here until it
        // is counted.
        let Rules {
            returns,
            nodename,
            release,
            redirects,
        } = self;
        let empty =
            returns.is_empty() && nodename.is_none() && release.is_none() && redirects.is_empty();
        (!empty).then(|| -i64::from(bindings::ENOSYS))
    }
}

/// A parse failure and the 1-based line it happened on.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct ParseError {
    pub(crate) line: u32,
    pub(crate) error: RuleError,
}

fn parse_int(word: &[u8]) -> Option<i64> {
    let (neg, digits) = match word.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, word),
    };
    if digits.is_empty() || digits.len() > 19 {
        return None;
    }
    let mut v: i64 = 0;
    for &d in digits {
        if !d.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add(i64::from(d - b'0'))?;
    }
    Some(if neg { -v } else { v })
}

fn uts_value(word: &[u8]) -> Result<UtsValue, RuleError> {
    if word.len() > UTS_LEN - 1 {
        return Err(RuleError::TooLong);
    }
    let mut bytes = [0u8; UTS_LEN];
    bytes[..word.len()].copy_from_slice(word);
    Ok(UtsValue {
        bytes,
        len: word.len(),
    })
}

fn prefix(word: &[u8]) -> Result<KVec<u8>, RuleError> {
    if word.len() > MAX_PREFIX {
        return Err(RuleError::TooLong);
    }
    if word.first() != Some(&b'/') {
        return Err(RuleError::NotAbsolute);
    }
    // A trailing slash (but the root) would break component matching.
    let trimmed = if word.len() > 1 && word.ends_with(b"/") {
        &word[..word.len() - 1]
    } else {
        word
    };
    let mut v = KVec::new();
    v.extend_from_slice(trimmed, GFP_KERNEL_ACCOUNT)
        .map_err(|_| RuleError::TooMany)?;
    Ok(v)
}

/// Parses one rule (already split into words) into `rules`.
fn parse_rule(words: &[&[u8]], rules: &mut Rules) -> Result<(), RuleError> {
    match words {
        [b"return", name, value] => {
            let name = core::str::from_utf8(name).map_err(|_| RuleError::Malformed)?;
            let value = parse_int(value).ok_or(RuleError::Malformed)?;
            let rule = ReturnRule::new(name, value)?;
            rules
                .returns
                .push(rule, GFP_KERNEL_ACCOUNT)
                .map_err(|_| RuleError::TooMany)
        }
        [b"uname", b"nodename", value] => {
            rules.nodename = Some(uts_value(value)?);
            Ok(())
        }
        [b"uname", b"release", value] => {
            rules.release = Some(uts_value(value)?);
            Ok(())
        }
        [b"redirect", from, to] => {
            let r = Redirect {
                from: prefix(from)?,
                to: prefix(to)?,
            };
            rules
                .redirects
                .push(r, GFP_KERNEL_ACCOUNT)
                .map_err(|_| RuleError::TooMany)
        }
        _ => Err(RuleError::Malformed),
    }
}

/// Parses a rule set. Empty lines and comments are allowed; an empty set
/// is valid (the engine then does nothing).
pub(crate) fn parse(text: &[u8]) -> Result<Rules, ParseError> {
    let mut rules = Rules::default();
    let mut count = 0;
    for (i, line) in text.split(|&c| c == b'\n').enumerate() {
        let line_no = u32::try_from(i + 1).unwrap_or(u32::MAX);
        let fail = |error| ParseError {
            line: line_no,
            error,
        };
        let line = match line.iter().position(|&c| c == b'#') {
            Some(p) => &line[..p],
            None => line,
        };
        for rule in line.split(|&c| c == b';') {
            let mut words: [&[u8]; 4] = [&[]; 4];
            let mut n = 0;
            for w in rule
                .split(|c| c.is_ascii_whitespace())
                .filter(|w| !w.is_empty())
            {
                if n == words.len() {
                    return Err(fail(RuleError::Malformed));
                }
                words[n] = w;
                n += 1;
            }
            if n == 0 {
                continue;
            }
            count += 1;
            if count > MAX_RULES {
                return Err(fail(RuleError::TooMany));
            }
            parse_rule(&words[..n], &mut rules).map_err(fail)?;
        }
    }
    Ok(rules)
}

/// Rewrites `path` by the first redirect whose prefix it starts with, on a
/// path-component boundary, into `out` (with a trailing NUL). Returns
/// `false`, leaving `out` empty, when no redirect applies;
/// `ENAMETOOLONG` when one does but the result would exceed [`PATH_MAX`]
/// (the kernel's answer to such a path), `ENOMEM`.
pub(crate) fn rewrite_path(
    path: &[u8],
    redirects: &[Redirect],
    out: &mut KVec<u8>,
) -> Result<bool> {
    out.clear();
    for r in redirects {
        let from = &r.from[..];
        let matches = path.starts_with(from)
            && (from == b"/" || path.len() == from.len() || path[from.len()] == b'/');
        if !matches {
            continue;
        }
        let rest = if from == b"/" {
            &path[1..]
        } else {
            &path[from.len()..]
        };
        let to = &r.to[..];
        // Redirecting "/" to "/x" makes "/a" "/x/a": put back the slash
        // the root prefix consumed.
        let sep: &[u8] = if from == b"/" && to != b"/" {
            b"/"
        } else {
            b""
        };
        if to.len() + sep.len() + rest.len() + 1 > PATH_MAX {
            return Err(enametoolong());
        }
        let made = out
            .extend_from_slice(to, GFP_KERNEL)
            .and_then(|()| out.extend_from_slice(sep, GFP_KERNEL))
            .and_then(|()| out.extend_from_slice(rest, GFP_KERNEL))
            .and_then(|()| out.push(0, GFP_KERNEL));
        if made.is_err() {
            out.clear();
            return Err(ENOMEM);
        }
        return Ok(true);
    }
    Ok(false)
}

/// The calls whose path argument a `redirect` rule rewrites, by name, in
/// every ABI that has them: the open, stat, access, readlink, chdir and
/// execve families. Each is a call of some table whose signature there
/// declares the path ([`ArgKind::Path`]); both are checked at build time.
pub(crate) const REDIRECTED: &[&str] = &[
    "open",
    "creat",
    "openat",
    "openat2",
    "stat",
    "lstat",
    "oldstat",
    "oldlstat",
    "stat64",
    "lstat64",
    "newfstatat",
    "fstatat64",
    "statx",
    "access",
    "faccessat",
    "faccessat2",
    "readlink",
    "readlinkat",
    "chdir",
    "execve",
    "execveat",
];

/// An errno the kernel crate does not name (`ENAMETOOLONG`, `ENOSYS`).
pub(crate) fn errno(code: u32) -> Error {
    // The C headers' errno values are small positive numbers.
    Error::from_errno(-(code as i32))
}

fn enametoolong() -> Error {
    errno(bindings::ENAMETOOLONG)
}

/// Marks a number of a path-argument index that is not [`REDIRECTED`].
pub(super) const NO_PATH: u8 = u8::MAX;

const fn same_name(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

const fn is_redirected(name: &str) -> bool {
    let mut i = 0;
    while i < REDIRECTED.len() {
        if same_name(name, REDIRECTED[i]) {
            return true;
        }
        i += 1;
    }
    false
}

/// For each number below `N`, the path argument of `table`'s call with that
/// number if it is [`REDIRECTED`]: the first argument its signature
/// declares a path. Built at compile time: a redirected call that declares
/// no path fails the build.
pub(super) const fn path_args<const N: usize>(table: &[Syscall]) -> [u8; N] {
    let mut out = [NO_PATH; N];
    let mut i = 0;
    while i < table.len() {
        let call = &table[i];
        if is_redirected(call.name) {
            let Some(kinds) = call.args else {
                panic!("a redirected call without a signature");
            };
            let mut k = 0;
            while k < kinds.len() && !matches!(kinds[k], ArgKind::Path) {
                k += 1;
            }
            assert!(k < kinds.len(), "a redirected call without a path argument");
            // In range: the table's numbers are below `N` (checked with
            // the table); `k` is below six.
            out[call.nr as usize] = k as u8;
        }
        i += 1;
    }
    out
}

#[cfg(CONFIG_X86_64)]
pub(super) const fn has_call(table: &[Syscall], name: &str) -> bool {
    let mut i = 0;
    while i < table.len() {
        if same_name(table[i].name, name) {
            return true;
        }
        i += 1;
    }
    false
}

/// Every name of [`REDIRECTED`] is a call of some table, x86_64's or
/// ia32's. (arm64's table lacks the old forms, `open`, `stat`...: the x86_64
/// build checks the list.)
#[cfg(CONFIG_X86_64)]
const fn names_exist() -> bool {
    let mut j = 0;
    while j < REDIRECTED.len() {
        if !has_call(SYSCALLS, REDIRECTED[j]) && !has_call(SYSCALLS_IA32, REDIRECTED[j]) {
            return false;
        }
        j += 1;
    }
    true
}
#[cfg(CONFIG_X86_64)]
const _: () = assert!(names_exist(), "a redirected call no table has");

static PATH_ARG: [u8; bindings::__NR_syscalls as usize] = path_args(SYSCALLS);

/// The argument holding the path, for the calls of `abi` a redirect
/// applies to.
pub(crate) fn path_arg(abi: Abi, nr: i64) -> Option<usize> {
    let table: &[u8] = match abi {
        Abi::Native => &PATH_ARG,
        #[cfg(CONFIG_X86_64)]
        Abi::Foreign(ForeignAbi::Ia32) => &ia32::PATH_ARG,
    };
    let at = *table.get(usize::try_from(nr).ok()?)?;
    (at != NO_PATH).then_some(usize::from(at))
}

#[cfg(CONFIG_UTRACE_KUNIT_TEST)]
#[kunit_tests(utrace_vm_rules)]
mod tests {
    use super::*;

    fn err(text: &[u8]) -> Option<ParseError> {
        parse(text).err()
    }

    fn nr(n: u32) -> i64 {
        i64::from(n)
    }

    #[cfg(CONFIG_X86_64)]
    const IA32: Abi = Abi::Foreign(ForeignAbi::Ia32);

    #[cfg(CONFIG_ARM64)]
    #[test]
    fn return_rules_apply_by_name_in_arm64s_table() -> Result {
        let r = parse(b"return getuid 1000; return newfstatat -2").map_err(|_| EINVAL)?;
        assert_eq!(
            r.return_for(Abi::Native, nr(bindings::__NR_getuid), 0),
            Some(1000)
        );
        assert_eq!(
            r.return_for(Abi::Native, nr(bindings::__NR_newfstatat), 0),
            Some(-2)
        );
        // 102 is x86_64's getuid, arm64's getitimer.
        assert_eq!(r.return_for(Abi::Native, 102, 0), None);
        // The old forms arm64 has not are no calls here.
        for name in [
            &b"return open 0"[..],
            b"return stat 0",
            b"return getuid32 0",
        ] {
            assert_eq!(
                err(name),
                Some(ParseError {
                    line: 1,
                    error: RuleError::UnknownSyscall
                })
            );
        }
        Ok(())
    }

    #[cfg(CONFIG_X86_64)]
    #[test]
    fn return_rules_apply_by_name_in_each_abi() -> Result {
        let r = parse(b"return getuid 1000; return getuid32 7; return stat64 -2; return chown 0")
            .map_err(|_| EINVAL)?;
        // x86_64's getuid, and ia32's (24: x86_64's sched_yield) with
        // its 32-bit-id twin.
        assert_eq!(
            r.return_for(Abi::Native, nr(bindings::__NR_getuid), 0),
            Some(1000)
        );
        assert_eq!(
            r.return_for(IA32, nr(bindings::__NR_ia32_getuid), 0),
            Some(1000)
        );
        assert_eq!(
            r.return_for(IA32, nr(bindings::__NR_ia32_getuid32), 0),
            Some(1000)
        );
        assert_eq!(
            r.return_for(Abi::Native, nr(bindings::__NR_sched_yield), 0),
            None
        );
        assert_eq!(r.return_for(IA32, nr(bindings::__NR_getuid), 0), None);
        // ia32-only names apply in ia32 only: the first rule that applies
        // wins (getuid32 is getuid's twin).
        assert_eq!(
            r.return_for(IA32, nr(bindings::__NR_ia32_stat64), 0),
            Some(-2)
        );
        assert_eq!(
            r.return_for(Abi::Native, nr(bindings::__NR_ia32_stat64), 0),
            None
        );
        assert_eq!(
            r.return_for(IA32, nr(bindings::__NR_ia32_chown), 0),
            Some(0)
        );
        assert_eq!(
            r.return_for(IA32, nr(bindings::__NR_ia32_chown32), 0),
            Some(0)
        );
        assert_eq!(
            r.return_for(Abi::Native, nr(bindings::__NR_chown), 0),
            Some(0)
        );
        Ok(())
    }

    #[test]
    fn uname_is_edited_in_each_abi_and_layout() -> Result {
        let r = parse(b"uname nodename vm").map_err(|_| EINVAL)?;
        let new = Some(UtsLayout {
            nodename: 65,
            release: 130,
            field: 65,
        });
        assert_eq!(r.uname_layout(Abi::Native, nr(bindings::__NR_uname)), new);
        assert_eq!(r.uname_layout(Abi::Native, nr(bindings::__NR_getpid)), None);
        #[cfg(CONFIG_X86_64)]
        {
            assert_eq!(r.uname_layout(IA32, nr(bindings::__NR_ia32_uname)), new);
            // old_utsname's fields are new_utsname's; oldold_utsname's hold
            // 8 bytes and a NUL.
            assert_eq!(r.uname_layout(IA32, nr(bindings::__NR_ia32_olduname)), new);
            assert_eq!(
                r.uname_layout(IA32, nr(bindings::__NR_ia32_oldolduname)),
                Some(UtsLayout {
                    nodename: 9,
                    release: 18,
                    field: 9,
                })
            );
            // 63 is x86_64's uname, ia32's ulimit.
            assert_eq!(r.uname_layout(IA32, nr(bindings::__NR_uname)), None);
        }
        let none = parse(b"return getuid 0").map_err(|_| EINVAL)?;
        assert_eq!(
            none.uname_layout(Abi::Native, nr(bindings::__NR_uname)),
            None
        );
        Ok(())
    }

    #[cfg(CONFIG_X86_64)]
    #[test]
    fn return_rules_cover_ia32_variants_and_sub_calls() -> Result {
        let r = parse(
            b"return fcntl -9; return stat -2; return getrlimit -3; return clock_gettime -4;\n\
              return socket -97; return accept -13; return semop -1; return getdents -5",
        )
        .map_err(|_| EINVAL)?;
        let ia32 = |n: u32, first: u64| r.return_for(IA32, nr(n), first);
        assert_eq!(ia32(bindings::__NR_ia32_fcntl, 0), Some(-9));
        assert_eq!(ia32(bindings::__NR_ia32_fcntl64, 0), Some(-9));
        for n in [
            bindings::__NR_ia32_stat,
            bindings::__NR_ia32_stat64,
            bindings::__NR_ia32_oldstat,
        ] {
            assert_eq!(ia32(n, 0), Some(-2));
        }
        assert_eq!(ia32(bindings::__NR_ia32_ugetrlimit, 0), Some(-3));
        assert_eq!(ia32(bindings::__NR_ia32_clock_gettime64, 0), Some(-4));
        // getdents64 is a call of its own in both tables, not a variant.
        assert_eq!(ia32(bindings::__NR_ia32_getdents, 0), Some(-5));
        assert_eq!(ia32(bindings::__NR_ia32_getdents64, 0), None);
        // socketcall's and ipc's sub-calls, by their first argument; ipc
        // keeps a version above the code.
        let socketcall = bindings::__NR_ia32_socketcall;
        assert_eq!(ia32(socketcall, bindings::SYS_SOCKET.into()), Some(-97));
        assert_eq!(ia32(socketcall, bindings::SYS_ACCEPT.into()), Some(-13));
        assert_eq!(ia32(socketcall, bindings::SYS_BIND.into()), None);
        assert_eq!(ia32(socketcall, 0xffff_ffff_0000_0001), Some(-97));
        let ipc = bindings::__NR_ia32_ipc;
        assert_eq!(ia32(ipc, bindings::SEMOP.into()), Some(-1));
        assert_eq!(ia32(ipc, u64::from(bindings::SEMOP) | 1 << 16), Some(-1));
        assert_eq!(ia32(ipc, bindings::SEMGET.into()), None);
        // Natively the sub-calls are calls of their own.
        assert_eq!(
            r.return_for(Abi::Native, nr(bindings::__NR_socket), 0),
            Some(-97)
        );
        assert_eq!(
            r.return_for(Abi::Native, nr(bindings::__NR_semop), 0),
            Some(-1)
        );
        // `send` exists only inside ia32's socketcall: still a call.
        assert!(parse(b"return send 0").is_ok());
        Ok(())
    }

    #[cfg(CONFIG_X86_64)]
    #[test]
    fn an_ia32_program_gets_eoverflow_for_a_value_past_32_bits() -> Result {
        let r = parse(b"return getuid 4294967296; return getgid -1").map_err(|_| EINVAL)?;
        let eoverflow = -i64::from(bindings::EOVERFLOW);
        assert_eq!(
            r.return_for(Abi::Native, nr(bindings::__NR_getuid), 0),
            Some(1 << 32)
        );
        assert_eq!(
            r.return_for(IA32, nr(bindings::__NR_ia32_getuid32), 0),
            Some(eoverflow)
        );
        assert_eq!(
            r.return_for(IA32, nr(bindings::__NR_ia32_getgid32), 0),
            Some(-1)
        );
        Ok(())
    }

    // Issue 21: an ia32 16-bit id call gets an id past 65535 as the kernel
    // answers one, the overflow id (given here, as the sysctl would); its
    // 32-bit twin, the native call and an error get the value.
    #[cfg(CONFIG_X86_64)]
    #[test]
    fn a_16bit_id_call_gets_the_overflow_id() -> Result {
        let r = parse(b"return getuid 70000; return getegid 65536; return geteuid -1")
            .map_err(|_| EINVAL)?;
        let ids = OverflowIds {
            uid: 1234,
            gid: 4321,
        };
        let ret = |abi, n: u32| r.return_with_overflow_ids(abi, nr(n), 0, ids);
        assert_eq!(ret(IA32, bindings::__NR_ia32_getuid), Some(1234));
        assert_eq!(ret(IA32, bindings::__NR_ia32_getuid32), Some(70000));
        assert_eq!(ret(Abi::Native, bindings::__NR_getuid), Some(70000));
        assert_eq!(ret(IA32, bindings::__NR_ia32_getegid), Some(4321));
        assert_eq!(ret(IA32, bindings::__NR_ia32_geteuid), Some(-1));
        let r = parse(b"return getgid 65535").map_err(|_| EINVAL)?;
        let ret = |n: u32| r.return_with_overflow_ids(IA32, nr(n), 0, ids);
        assert_eq!(ret(bindings::__NR_ia32_getgid), Some(65535));
        Ok(())
    }

    #[cfg(CONFIG_X86_64)]
    #[test]
    fn abis_without_a_table_are_none() {
        assert_eq!(
            Abi::of(true, bindings::AUDIT_ARCH_X86_64),
            Some(Abi::Native)
        );
        assert_eq!(Abi::of(false, bindings::AUDIT_ARCH_I386), Some(IA32));
        // x32: not native, with x86_64's arch.
        assert_eq!(Abi::of(false, bindings::AUDIT_ARCH_X86_64), None);
    }

    #[test]
    fn parses_every_kind() -> Result {
        let r = parse(
            b"return getuid 1000\n# comment\n\nreturn getegid -1 ; uname nodename vm\n\
              uname release 7.2-vm\nredirect /virtual/ /tmp/real",
        )
        .map_err(|_| EINVAL)?;
        assert_eq!(
            r.return_for(Abi::Native, nr(bindings::__NR_getuid), 0),
            Some(1000)
        );
        assert_eq!(
            r.return_for(Abi::Native, nr(bindings::__NR_getegid), 0),
            Some(-1)
        );
        assert_eq!(
            r.return_for(Abi::Native, nr(bindings::__NR_getpid), 0),
            None
        );
        let n = r.nodename.ok_or(EINVAL)?;
        assert_eq!(&n.bytes[..n.len], b"vm");
        let rel = r.release.ok_or(EINVAL)?;
        assert_eq!(&rel.bytes[..rel.len], b"7.2-vm");
        assert_eq!(r.redirects.len(), 1);
        assert_eq!(&r.redirects[0].from[..], b"/virtual");
        assert_eq!(&r.redirects[0].to[..], b"/tmp/real");
        Ok(())
    }

    #[test]
    fn calls_of_another_abi_are_refused_when_there_are_rules() -> Result {
        // ENOSYS, as the C headers number it.
        let enosys = -i64::from(kernel::bindings::ENOSYS);
        for text in [
            &b"return getuid 1000"[..],
            b"uname nodename vm",
            b"uname release 7.2-vm",
            b"redirect /virtual /tmp/real",
        ] {
            let r = parse(text).map_err(|_| EINVAL)?;
            assert_eq!(r.answer_for_other_abi(UntabledCall::Other), Some(enosys));
            // A call that ends the task or returns from a handler runs.
            assert_eq!(r.answer_for_other_abi(UntabledCall::Exit), None);
            assert_eq!(r.answer_for_other_abi(UntabledCall::SignalReturn), None);
        }
        // No rule, nothing to misread: the call runs.
        let none = parse(b"# no rules\n").map_err(|_| EINVAL)?;
        assert_eq!(none.answer_for_other_abi(UntabledCall::Other), None);
        Ok(())
    }

    #[test]
    fn aarch32s_exits_and_signal_returns_are_known_by_number() {
        // arm's EABI numbers (arch/arm/tools/syscall.tbl), on arm64 with
        // AArch32; elsewhere, or for another arch, every call is "other".
        let arm = kernel::bindings::AUDIT_ARCH_ARM;
        let known = cfg!(all(CONFIG_ARM64, CONFIG_COMPAT));
        let want = |kind| if known { kind } else { UntabledCall::Other };
        assert_eq!(UntabledCall::of(arm, 1), want(UntabledCall::Exit));
        assert_eq!(UntabledCall::of(arm, 248), want(UntabledCall::Exit));
        assert_eq!(UntabledCall::of(arm, 119), want(UntabledCall::SignalReturn));
        assert_eq!(UntabledCall::of(arm, 173), want(UntabledCall::SignalReturn));
        assert_eq!(UntabledCall::of(arm, 0), want(UntabledCall::SignalReturn));
        assert_eq!(UntabledCall::of(arm, 4), UntabledCall::Other);
        assert_eq!(UntabledCall::of(arm, -1), UntabledCall::Other);
        assert_eq!(
            UntabledCall::of(kernel::bindings::AUDIT_ARCH_X86_64, 60),
            UntabledCall::Other
        );
    }

    #[test]
    fn rejects_with_line_numbers() {
        let e = |line, error| Some(ParseError { line, error });
        assert_eq!(err(b"return nosuchcall 1"), e(1, RuleError::UnknownSyscall));
        assert_eq!(err(b"\n\nreturn getuid"), e(3, RuleError::Malformed));
        assert_eq!(err(b"return getuid 12x"), e(1, RuleError::Malformed));
        assert_eq!(
            err(b"return getuid 99999999999999999999"),
            e(1, RuleError::Malformed)
        );
        assert_eq!(err(b"frobnicate"), e(1, RuleError::Malformed));
        assert_eq!(err(b"uname sysname x"), e(1, RuleError::Malformed));
        assert_eq!(err(b"redirect relative /x"), e(1, RuleError::NotAbsolute));
        assert_eq!(err(b"return getuid 1 2"), e(1, RuleError::Malformed));
        let mut long = [b'a'; 300];
        long[0] = b'/';
        let mut text = KVec::new();
        assert!(text.extend_from_slice(b"redirect ", GFP_KERNEL).is_ok());
        assert!(text.extend_from_slice(&long, GFP_KERNEL).is_ok());
        assert!(text.extend_from_slice(b" /x", GFP_KERNEL).is_ok());
        assert_eq!(err(&text), e(1, RuleError::TooLong));
        assert_eq!(
            err(b"uname nodename aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
            e(1, RuleError::TooLong)
        );
    }

    #[test]
    fn rejects_too_many_rules() {
        let mut text = KVec::new();
        for _ in 0..=MAX_RULES {
            assert!(text
                .extend_from_slice(b"return getuid 1\n", GFP_KERNEL)
                .is_ok());
        }
        assert_eq!(err(&text).map(|e| e.error), Some(RuleError::TooMany));
        assert_eq!(RuleError::TooMany.errno(), E2BIG);
        assert_eq!(RuleError::Malformed.errno(), EINVAL);
    }

    fn redirect(from: &[u8], to: &[u8]) -> Result<KVec<Redirect>> {
        let mut v = KVec::new();
        let mut f = KVec::new();
        f.extend_from_slice(from, GFP_KERNEL)?;
        let mut t = KVec::new();
        t.extend_from_slice(to, GFP_KERNEL)?;
        v.push(Redirect { from: f, to: t }, GFP_KERNEL)?;
        Ok(v)
    }

    #[test]
    fn rewrites_on_component_boundaries() -> Result {
        let r = redirect(b"/virtual", b"/tmp/real")?;
        let mut out = KVec::new();
        assert_eq!(
            rewrite_path(b"/virtual/etc/hostname", &r, &mut out),
            Ok(true)
        );
        assert_eq!(&out[..], b"/tmp/real/etc/hostname\0");
        assert_eq!(rewrite_path(b"/virtual", &r, &mut out), Ok(true));
        assert_eq!(&out[..], b"/tmp/real\0");
        assert_eq!(rewrite_path(b"/virtualx/a", &r, &mut out), Ok(false));
        assert!(out.is_empty());
        assert_eq!(rewrite_path(b"/etc/virtual", &r, &mut out), Ok(false));
        assert_eq!(rewrite_path(b"relative", &r, &mut out), Ok(false));
        // A rule applies, but the result is past PATH_MAX: the kernel's
        // own answer to such a path, not the program's path let through.
        let long = redirect(b"/v", b"/tests/../tests/../tests")?;
        let mut path = KVec::new();
        path.extend_from_slice(b"/v", GFP_KERNEL)?;
        for _ in 0..PATH_MAX - 20 {
            path.push(b'/', GFP_KERNEL)?;
        }
        assert_eq!(rewrite_path(&path, &long, &mut out), Err(enametoolong()));
        assert!(out.is_empty());
        Ok(())
    }

    #[test]
    fn path_arguments() {
        // x86_64: what the engine rewrote before the tables said it.
        let native = |n| path_arg(Abi::Native, nr(n));
        #[cfg(CONFIG_X86_64)]
        for n in [
            bindings::__NR_open,
            bindings::__NR_stat,
            bindings::__NR_lstat,
            bindings::__NR_access,
            bindings::__NR_execve,
            bindings::__NR_chdir,
            bindings::__NR_readlink,
            bindings::__NR_creat,
        ] {
            assert_eq!(native(n), Some(0));
        }
        #[cfg(CONFIG_ARM64)]
        for n in [bindings::__NR_execve, bindings::__NR_chdir] {
            assert_eq!(native(n), Some(0));
        }
        for n in [
            bindings::__NR_openat,
            bindings::__NR_newfstatat,
            bindings::__NR_readlinkat,
            bindings::__NR_faccessat,
            bindings::__NR_statx,
            bindings::__NR_faccessat2,
            bindings::__NR_openat2,
        ] {
            assert_eq!(native(n), Some(1));
        }
        assert_eq!(native(bindings::__NR_read), None);
        // execveat's path follows its directory, as openat's does.
        assert_eq!(native(bindings::__NR_execveat), Some(1));
        // Exactly those sixteen (on arm64, without the six old forms).
        let count = if cfg!(CONFIG_X86_64) { 16 } else { 10 };
        assert_eq!(PATH_ARG.iter().filter(|&&a| a != NO_PATH).count(), count);
        assert_eq!(path_arg(Abi::Native, -1), None);
        assert_eq!(path_arg(Abi::Native, 1 << 20), None);
        #[cfg(CONFIG_X86_64)]
        path_arguments_of_ia32(native);
    }

    #[cfg(CONFIG_X86_64)]
    fn path_arguments_of_ia32(native: impl Fn(u32) -> Option<usize>) {
        // ia32: its own numbers and its own families.
        let ia32 = |n| path_arg(IA32, nr(n));
        assert_eq!(ia32(bindings::__NR_ia32_open), Some(0));
        assert_eq!(ia32(bindings::__NR_ia32_stat64), Some(0));
        assert_eq!(ia32(bindings::__NR_ia32_oldstat), Some(0));
        assert_eq!(ia32(bindings::__NR_ia32_execve), Some(0));
        assert_eq!(ia32(bindings::__NR_ia32_openat), Some(1));
        assert_eq!(ia32(bindings::__NR_ia32_execveat), Some(1));
        assert_eq!(ia32(bindings::__NR_ia32_fstatat64), Some(1));
        assert_eq!(ia32(bindings::__NR_ia32_statx), Some(1));
        for n in [
            bindings::__NR_ia32_lstat64,
            bindings::__NR_ia32_oldlstat,
            bindings::__NR_ia32_access,
            bindings::__NR_ia32_readlink,
            bindings::__NR_ia32_chdir,
            bindings::__NR_ia32_creat,
        ] {
            assert_eq!(ia32(n), Some(0));
        }
        for n in [
            bindings::__NR_ia32_readlinkat,
            bindings::__NR_ia32_faccessat2,
            bindings::__NR_ia32_openat2,
        ] {
            assert_eq!(ia32(n), Some(1));
        }
        // 5 is x86_64's fstat, which takes no path.
        assert_eq!(native(bindings::__NR_ia32_open), None);
        assert_eq!(ia32(bindings::__NR_ia32_getuid32), None);
    }
}
