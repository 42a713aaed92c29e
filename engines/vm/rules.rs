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
//! `return` rule also covers the call's 32-bit-id twin (`getuid32` for
//! `getuid`: the same call with wider ids, which 32-bit programs make). A
//! call of an ABI without a table (x32) is refused while there are rules
//! ([`Rules::answer_for_other_abi`]): never read with another ABI's numbers.

use crate::engines::strace::decode::ArgKind;
use crate::engines::strace::syscalls::{Abi, ForeignAbi, Syscall, SYSCALLS, SYSCALLS_IA32};
use kernel::bindings;
use kernel::prelude::*;

/// Longest prefix in a `redirect` rule, in bytes.
pub(crate) const MAX_PREFIX: usize = 255;
/// Longest uname field value (`__NEW_UTS_LEN`).
pub(crate) const UTS_LEN: usize = 64;
/// Most rules in one set.
pub(crate) const MAX_RULES: usize = 32;
/// Longest rewritten path (`PATH_MAX` with its NUL).
pub(crate) const PATH_MAX: usize = 4096;

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
            RuleError::TooLong => Error::from_errno(-(kernel::bindings::ENAMETOOLONG as i32)),
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

/// A `return` rule: the numbers of the call it names, in each ABI that
/// has a call of that name, and the value the program gets.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ReturnRule {
    /// In x86_64's table.
    native: Option<i64>,
    /// In ia32's: the call of that name and its 32-bit-id twin.
    ia32: [Option<i64>; 2],
    /// What the program gets.
    value: i64,
}

impl ReturnRule {
    /// The rule for the call `name` (in any table), or `None` if no table
    /// has a call of that name.
    fn new(name: &str, value: i64) -> Option<Self> {
        let ia32 = Abi::Foreign(ForeignAbi::Ia32);
        let twin = ia32
            .table()
            .iter()
            .find(|s| s.name.strip_suffix("32") == Some(name))
            .map(|s| s.nr);
        let rule = ReturnRule {
            native: Abi::Native.nr_of(name),
            ia32: [ia32.nr_of(name), twin],
            value,
        };
        (rule.native.is_some() || rule.ia32[0].is_some()).then_some(rule)
    }

    fn applies(&self, abi: Abi, nr: i64) -> bool {
        match abi {
            Abi::Native => self.native == Some(nr),
            Abi::Foreign(ForeignAbi::Ia32) => self.ia32.contains(&Some(nr)),
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
    /// The value a `return` rule gives the call `nr` of `abi`, if one does.
    pub(crate) fn return_for(&self, abi: Abi, nr: i64) -> Option<i64> {
        self.returns
            .iter()
            .find(|r| r.applies(abi, nr))
            .map(|r| r.value)
    }

    /// Whether a `uname` rule edits the result of the call `nr` of `abi`.
    pub(crate) fn edits_uname(&self, abi: Abi, nr: i64) -> bool {
        nr == abi.uname() && (self.nodename.is_some() || self.release.is_some())
    }

    /// The result of a call of an ABI without a table here (x32), whose
    /// numbers and arguments the rules cannot be matched against: `-ENOSYS`
    /// (the call is refused) if there is any rule, else `None` (it runs:
    /// with no rule there is nothing to misread). Also the answer to a
    /// call a rule applies to but cannot be applied to (a redirected path
    /// that an ia32 call could not reach).
    pub(crate) fn answer_for_other_abi(&self) -> Option<i64> {
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
            let rule = ReturnRule::new(name, value).ok_or(RuleError::UnknownSyscall)?;
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
/// `false`, leaving `out` empty, when no redirect applies or the result
/// would exceed [`PATH_MAX`].
pub(crate) fn rewrite_path(path: &[u8], redirects: &[Redirect], out: &mut KVec<u8>) -> bool {
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
            return false;
        }
        let ok = out.extend_from_slice(to, GFP_KERNEL).is_ok()
            && out.extend_from_slice(sep, GFP_KERNEL).is_ok()
            && out.extend_from_slice(rest, GFP_KERNEL).is_ok()
            && out.push(0, GFP_KERNEL).is_ok();
        if !ok {
            out.clear();
        }
        return ok;
    }
    false
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
];

/// Marks a number of a path-argument index that is not [`REDIRECTED`].
const NO_PATH: u8 = u8::MAX;

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
const fn path_args<const N: usize>(table: &[Syscall]) -> [u8; N] {
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

/// Every name of [`REDIRECTED`] is a call of some table.
const fn all_redirected_exist() -> bool {
    let mut j = 0;
    while j < REDIRECTED.len() {
        let tables = [SYSCALLS, SYSCALLS_IA32];
        let mut found = false;
        let mut t = 0;
        while t < tables.len() {
            let mut i = 0;
            while i < tables[t].len() {
                found |= same_name(tables[t][i].name, REDIRECTED[j]);
                i += 1;
            }
            t += 1;
        }
        if !found {
            return false;
        }
        j += 1;
    }
    true
}
const _: () = assert!(all_redirected_exist(), "a redirected name no table has");

static PATH_ARG: [u8; bindings::__NR_syscalls as usize] = path_args(SYSCALLS);
static PATH_ARG_IA32: [u8; bindings::__NR_ia32_syscalls as usize] = path_args(SYSCALLS_IA32);

/// The argument holding the path, for the calls of `abi` a redirect
/// applies to.
pub(crate) fn path_arg(abi: Abi, nr: i64) -> Option<usize> {
    let table: &[u8] = match abi {
        Abi::Native => &PATH_ARG,
        Abi::Foreign(ForeignAbi::Ia32) => &PATH_ARG_IA32,
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

    const IA32: Abi = Abi::Foreign(ForeignAbi::Ia32);

    #[test]
    fn return_rules_apply_by_name_in_each_abi() -> Result {
        let r = parse(b"return getuid 1000; return getuid32 7; return stat64 -2; return chown 0")
            .map_err(|_| EINVAL)?;
        // x86_64's getuid, and ia32's (24: x86_64's sched_yield) with
        // its 32-bit-id twin.
        assert_eq!(r.return_for(Abi::Native, nr(bindings::__NR_getuid)), Some(1000));
        assert_eq!(r.return_for(IA32, nr(bindings::__NR_ia32_getuid)), Some(1000));
        assert_eq!(r.return_for(IA32, nr(bindings::__NR_ia32_getuid32)), Some(1000));
        assert_eq!(r.return_for(Abi::Native, nr(bindings::__NR_sched_yield)), None);
        assert_eq!(r.return_for(IA32, nr(bindings::__NR_getuid)), None);
        // ia32-only names apply in ia32 only: the first rule that applies
        // wins (getuid32 is getuid's twin).
        assert_eq!(r.return_for(IA32, nr(bindings::__NR_ia32_stat64)), Some(-2));
        assert_eq!(r.return_for(Abi::Native, nr(bindings::__NR_ia32_stat64)), None);
        assert_eq!(r.return_for(IA32, nr(bindings::__NR_ia32_chown)), Some(0));
        assert_eq!(r.return_for(IA32, nr(bindings::__NR_ia32_chown32)), Some(0));
        assert_eq!(r.return_for(Abi::Native, nr(bindings::__NR_chown)), Some(0));
        Ok(())
    }

    #[test]
    fn uname_is_edited_in_each_abi() -> Result {
        let r = parse(b"uname nodename vm").map_err(|_| EINVAL)?;
        assert!(r.edits_uname(Abi::Native, nr(bindings::__NR_uname)));
        assert!(r.edits_uname(IA32, nr(bindings::__NR_ia32_uname)));
        // ia32's olduname has another layout; 63 is x86_64's uname.
        assert!(!r.edits_uname(IA32, nr(bindings::__NR_ia32_olduname)));
        assert!(!r.edits_uname(IA32, nr(bindings::__NR_uname)));
        let none = parse(b"return getuid 0").map_err(|_| EINVAL)?;
        assert!(!none.edits_uname(Abi::Native, nr(bindings::__NR_uname)));
        Ok(())
    }

    #[test]
    fn parses_every_kind() -> Result {
        let r = parse(
            b"return getuid 1000\n# comment\n\nreturn getegid -1 ; uname nodename vm\n\
              uname release 7.2-vm\nredirect /virtual/ /tmp/real",
        )
        .map_err(|_| EINVAL)?;
        assert_eq!(r.return_for(Abi::Native, nr(bindings::__NR_getuid)), Some(1000));
        assert_eq!(r.return_for(Abi::Native, nr(bindings::__NR_getegid)), Some(-1));
        assert_eq!(r.return_for(Abi::Native, nr(bindings::__NR_getpid)), None);
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
            assert_eq!(r.answer_for_other_abi(), Some(enosys));
        }
        // No rule, nothing to misread: the call runs.
        let none = parse(b"# no rules\n").map_err(|_| EINVAL)?;
        assert_eq!(none.answer_for_other_abi(), None);
        Ok(())
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
        assert!(rewrite_path(b"/virtual/etc/hostname", &r, &mut out));
        assert_eq!(&out[..], b"/tmp/real/etc/hostname\0");
        assert!(rewrite_path(b"/virtual", &r, &mut out));
        assert_eq!(&out[..], b"/tmp/real\0");
        assert!(!rewrite_path(b"/virtualx/a", &r, &mut out));
        assert!(out.is_empty());
        assert!(!rewrite_path(b"/etc/virtual", &r, &mut out));
        assert!(!rewrite_path(b"relative", &r, &mut out));
        Ok(())
    }

    #[test]
    fn path_arguments() {
        // x86_64: what the engine rewrote before the tables said it.
        let native = |n| path_arg(Abi::Native, nr(n));
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
        assert_eq!(native(bindings::__NR_execveat), None);
        assert_eq!(path_arg(Abi::Native, -1), None);
        assert_eq!(path_arg(Abi::Native, 1 << 20), None);
        // ia32: its own numbers and its own families.
        let ia32 = |n| path_arg(IA32, nr(n));
        assert_eq!(ia32(bindings::__NR_ia32_open), Some(0));
        assert_eq!(ia32(bindings::__NR_ia32_stat64), Some(0));
        assert_eq!(ia32(bindings::__NR_ia32_oldstat), Some(0));
        assert_eq!(ia32(bindings::__NR_ia32_execve), Some(0));
        assert_eq!(ia32(bindings::__NR_ia32_openat), Some(1));
        assert_eq!(ia32(bindings::__NR_ia32_fstatat64), Some(1));
        assert_eq!(ia32(bindings::__NR_ia32_statx), Some(1));
        // 5 is x86_64's fstat, which takes no path.
        assert_eq!(native(bindings::__NR_ia32_open), None);
        assert_eq!(ia32(bindings::__NR_ia32_getuid32), None);
    }
}
