// SPDX-License-Identifier: GPL-2.0

//! The rules of PTRACE_MULTI, as pure functions over plain numbers.
//!
//! A batch is validated as a whole before any element runs
//! ([`check_element`] on each): an invalid batch changes nothing. Each element is
//! classified by [`decode`] into what the runner (`request.rs`) does with
//! it. The ABI is documented in the patched `include/uapi/linux/ptrace.h`
//! and in `Documentation/ptrace-multi.md`.

use crate::engines::branch::ptrace as bts;
use core::mem::{offset_of, size_of};
use kernel::bindings;
use kernel::ffi::{c_long, c_ulong};
use kernel::prelude::*;

/// Most elements in one batch (`PTRACE_MULTI_MAX`).
pub(crate) const MULTI_MAX: usize = bindings::PTRACE_MULTI_MAX as usize;

/// Largest `length` of one element, in words or bytes
/// (`PTRACE_MULTI_MAX_LENGTH`).
pub(crate) const MAX_LENGTH: i64 = bindings::PTRACE_MULTI_MAX_LENGTH as i64;

/// The tracer's ABI: how it lays out what PTRACE_MULTI reads and writes
/// in its memory, and how wide its words and addresses are.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Abi {
    /// The kernel's own: `struct ptrace_multi`, `struct iovec`, words of a
    /// C long.
    Native,
    /// A 32-bit tracer on a 64-bit kernel: `struct compat_ptrace_multi`,
    /// `struct compat_iovec`, 32-bit words, addresses below 4 GiB.
    Compat,
}

/// The most bytes of one element, in any ABI.
pub(crate) const ELEMENT_MAX: usize = 32;

// A count or errno stored back fits a compat long.
const _: () = assert!(MAX_LENGTH <= i32::MAX as i64);

/// The most bytes of one iovec, in any ABI.
pub(crate) const IOVEC_MAX: usize = 16;

const _: () =
    assert!(Abi::Native.element_size() <= ELEMENT_MAX && Abi::Compat.element_size() <= ELEMENT_MAX);
const _: () =
    assert!(Abi::Native.iovec_size() <= IOVEC_MAX && Abi::Compat.iovec_size() <= IOVEC_MAX);

/// The `N` bytes at `off` of a field of `bytes`, for a `from_ne_bytes()`
/// (zeros where `bytes` ends first: callers pass whole structures).
fn field<const N: usize>(bytes: &[u8], off: usize) -> [u8; N] {
    debug_assert!(off + N <= bytes.len());
    let mut out = [0u8; N];
    if let Some(b) = bytes.get(off..off + N) {
        out.copy_from_slice(b);
    }
    out
}

impl Abi {
    /// Bytes of one element in the tracer's memory.
    pub(crate) const fn element_size(self) -> usize {
        match self {
            Abi::Native => size_of::<bindings::ptrace_multi>(),
            Abi::Compat => size_of::<bindings::compat_ptrace_multi>(),
        }
    }

    /// Offset of `length` in an element (where a count or failure is
    /// stored back).
    pub(crate) const fn length_offset(self) -> usize {
        match self {
            Abi::Native => offset_of!(bindings::ptrace_multi, length),
            Abi::Compat => offset_of!(bindings::compat_ptrace_multi, length),
        }
    }

    /// Bytes of a word: what one PEEKDATA moves.
    pub(crate) const fn word(self) -> u64 {
        match self {
            Abi::Native => size_of::<c_ulong>() as u64,
            Abi::Compat => size_of::<bindings::compat_ulong_t>() as u64,
        }
    }

    /// Bytes of the iovec a CHARDATA request made alone points to.
    pub(crate) const fn iovec_size(self) -> usize {
        match self {
            Abi::Native => size_of::<bindings::iovec>(),
            Abi::Compat => size_of::<bindings::compat_iovec>(),
        }
    }

    /// The highest address the tracer can name, of its own memory or of
    /// the tracee's.
    pub(crate) const fn last_address(self) -> u64 {
        match self {
            Abi::Native => u64::MAX,
            Abi::Compat => u32::MAX as u64,
        }
    }

    /// One element from its [`Abi::element_size`] bytes in the tracer's
    /// memory. A compat element widens as `compat_ptrace_request()` does:
    /// the request and length sign-extended (a negative length stays
    /// negative, and invalid), the addresses zero-extended.
    pub(crate) fn element(self, bytes: &[u8]) -> RawElement {
        match self {
            Abi::Native => {
                // Longs and a pointer, of the kernel's own width: widened
                // as the syscall widens its own arguments.
                type M = bindings::ptrace_multi;
                RawElement {
                    request: c_long::from_ne_bytes(field(bytes, offset_of!(M, request))) as i64,
                    addr: c_ulong::from_ne_bytes(field(bytes, offset_of!(M, addr))) as u64,
                    localaddr: usize::from_ne_bytes(field(bytes, offset_of!(M, localaddr))) as u64,
                    length: c_long::from_ne_bytes(field(bytes, offset_of!(M, length))) as i64,
                }
            }
            Abi::Compat => {
                type M = bindings::compat_ptrace_multi;
                RawElement {
                    request: i32::from_ne_bytes(field(bytes, offset_of!(M, request))).into(),
                    addr: u32::from_ne_bytes(field(bytes, offset_of!(M, addr))).into(),
                    localaddr: u32::from_ne_bytes(field(bytes, offset_of!(M, localaddr))).into(),
                    length: i32::from_ne_bytes(field(bytes, offset_of!(M, length))).into(),
                }
            }
        }
    }

    /// An iovec's base and length from its [`Abi::iovec_size`] bytes.
    pub(crate) fn iovec(self, bytes: &[u8]) -> (u64, u64) {
        match self {
            Abi::Native => {
                type V = bindings::iovec;
                (
                    usize::from_ne_bytes(field(bytes, offset_of!(V, iov_base))) as u64,
                    usize::from_ne_bytes(field(bytes, offset_of!(V, iov_len))) as u64,
                )
            }
            Abi::Compat => {
                type V = bindings::compat_iovec;
                (
                    u32::from_ne_bytes(field(bytes, offset_of!(V, iov_base))).into(),
                    u32::from_ne_bytes(field(bytes, offset_of!(V, iov_len))).into(),
                )
            }
        }
    }

    /// What is stored back in an element's `length`: `value` (a count of at
    /// most [`MAX_LENGTH`] or a negative errno, so it fits either width) in
    /// the ABI's long. Returns the buffer and how many bytes of it count.
    pub(crate) fn length_bytes(self, value: i64) -> ([u8; 8], usize) {
        let mut out = [0u8; 8];
        let n = match self {
            Abi::Native => {
                let b = (value as c_long).to_ne_bytes();
                out[..b.len()].copy_from_slice(&b);
                b.len()
            }
            Abi::Compat => {
                let b = (value as bindings::compat_long_t).to_ne_bytes();
                out[..b.len()].copy_from_slice(&b);
                b.len()
            }
        };
        (out, n)
    }

    /// `base + off`, if the ABI can name it.
    fn address(self, base: u64, off: u64) -> Option<u64> {
        base.checked_add(off).filter(|&a| a <= self.last_address())
    }

    /// `base + off` for a tracee address: `EIO` past the last address the
    /// ABI can name, as for any address the tracee cannot have.
    pub(crate) fn tracee_at(self, base: u64, off: u64) -> Result<u64> {
        self.address(base, off).ok_or(EIO)
    }

    /// `base + off` for an address of the tracer's: `EFAULT` past the last
    /// address the ABI can name.
    pub(crate) fn local_at(self, base: u64, off: u64) -> Result<u64> {
        self.address(base, off).ok_or(EFAULT)
    }

    /// Checks that the tracer's `len` bytes at `base` lie below the last
    /// address the ABI can name: `EFAULT` if they do not.
    pub(crate) fn local_range(self, base: u64, len: usize) -> Result {
        match (len as u64).checked_sub(1) {
            None => Ok(()),
            Some(last) => self.local_at(base, last).map(|_| ()),
        }
    }

    /// How many of `want` bytes of the tracee at `at` (an address
    /// [`Abi::tracee_at`] gave) lie below the last address the ABI can
    /// name: a copy stops there, as where the tracee's memory ends.
    pub(crate) fn tracee_room(self, at: u64, want: usize) -> usize {
        let room = self.last_address().saturating_sub(at).saturating_add(1);
        want.min(usize::try_from(room).unwrap_or(usize::MAX))
    }
}

/// One `struct ptrace_multi`, as read from the caller.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub(crate) struct RawElement {
    /// The ptrace request.
    pub request: i64,
    /// The tracee address (or what the request takes as `addr`).
    pub addr: u64,
    /// The tracer's buffer (or what the request takes as `data`).
    pub localaddr: u64,
    /// Words or bytes, per request.
    pub length: i64,
}

/// What running one element means.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Element {
    /// PEEKTEXT / PEEKDATA / PEEKUSR, made alone once per word.
    PeekWords {
        /// The PEEK request.
        request: i64,
        /// How many words (at least one).
        words: usize,
    },
    /// POKETEXT / POKEDATA / POKEUSR, made alone once per word, each word
    /// read from the tracer's buffer.
    PokeWords {
        /// The POKE request.
        request: i64,
        /// How many words (at least one).
        words: usize,
    },
    /// PEEKCHARDATA: bytes from the tracee.
    PeekBytes {
        /// How many bytes.
        len: usize,
    },
    /// POKECHARDATA: bytes to the tracee.
    PokeBytes {
        /// How many bytes.
        len: usize,
    },
    /// PEEKSTRINGDATA: bytes from the tracee up to and including a NUL.
    PeekString {
        /// At most this many bytes.
        len: usize,
    },
    /// A request that resumes the tracee: it may only come last.
    Resume {
        /// The request.
        request: i64,
    },
    /// Any other request, made as if alone with `data = localaddr`.
    Other {
        /// The request.
        request: i64,
    },
}

const fn req(r: u32) -> i64 {
    r as i64
}

/// Classifies one element. `EINVAL` for a request a batch may not hold
/// (PTRACE_MULTI itself; the requests that change who traces the task:
/// TRACEME, ATTACH, SEIZE, DETACH; the branch trace's PTRACE_BTS_*, whose
/// counts a batch could not return: a DRAIN's records would be taken
/// unseen) and for a bad `length`: negative, over [`MAX_LENGTH`], or
/// non-zero for a request that takes none.
pub(crate) fn decode(request: i64, length: i64) -> Result<Element> {
    if !(0..=MAX_LENGTH).contains(&length) {
        return Err(EINVAL);
    }
    // In range: 0 ..= MAX_LENGTH fits in usize.
    let n = length as usize;
    let words = n.max(1);
    let element = match request {
        r if r == req(bindings::PTRACE_MULTI)
            || r == req(bindings::PTRACE_TRACEME)
            || r == req(bindings::PTRACE_ATTACH)
            || r == req(bindings::PTRACE_SEIZE)
            || r == req(bindings::PTRACE_DETACH)
            || bts::is_bts(r) =>
        {
            return Err(EINVAL)
        }
        r if r == req(bindings::PTRACE_PEEKTEXT)
            || r == req(bindings::PTRACE_PEEKDATA)
            || r == req(bindings::PTRACE_PEEKUSR) =>
        {
            Element::PeekWords { request, words }
        }
        r if r == req(bindings::PTRACE_POKETEXT)
            || r == req(bindings::PTRACE_POKEDATA)
            || r == req(bindings::PTRACE_POKEUSR) =>
        {
            Element::PokeWords { request, words }
        }
        r if r == req(bindings::PTRACE_PEEKCHARDATA) => Element::PeekBytes { len: n },
        r if r == req(bindings::PTRACE_POKECHARDATA) => Element::PokeBytes { len: n },
        r if r == req(bindings::PTRACE_PEEKSTRINGDATA) => Element::PeekString { len: n },
        r if is_resume(r) => {
            if n != 0 {
                return Err(EINVAL);
            }
            Element::Resume { request }
        }
        _ => {
            if n != 0 {
                return Err(EINVAL);
            }
            Element::Other { request }
        }
    };
    Ok(element)
}

/// Whether a successful `element` reports the bytes it copied (in its
/// `length`, in a PTRACE_MULTI batch; as the return value, alone): the
/// three CHARDATA requests.
pub(crate) fn reports_bytes(element: Element) -> bool {
    matches!(
        element,
        Element::PeekBytes { .. } | Element::PeekString { .. } | Element::PokeBytes { .. }
    )
}

/// Whether `request` resumes the tracee (after it, nothing of the batch
/// could run on a stopped task).
pub(crate) fn is_resume(request: i64) -> bool {
    [
        bindings::PTRACE_CONT,
        bindings::PTRACE_SYSCALL,
        bindings::PTRACE_SINGLESTEP,
        // x86's block step; arm64 has none.
        #[cfg(CONFIG_X86_64)]
        bindings::PTRACE_SINGLEBLOCK,
        bindings::PTRACE_SYSEMU,
        bindings::PTRACE_SYSEMU_SINGLESTEP,
        bindings::PTRACE_KILL,
        bindings::PTRACE_LISTEN,
    ]
    .iter()
    .any(|&r| req(r) == request)
}

/// Checks the element count of a batch: `EINVAL` above [`MULTI_MAX`].
pub(crate) fn check_count(count: u64) -> Result<usize> {
    match usize::try_from(count) {
        Ok(n) if n <= MULTI_MAX => Ok(n),
        _ => Err(EINVAL),
    }
}

/// Checks element `i` of a batch of `count`, before anything of the batch
/// runs: it decodes, and a resume request is the last element. Returns its
/// decoding, which the runner uses as it is; `EINVAL` otherwise. A batch
/// runs only once every element passed, so an invalid one changes nothing.
pub(crate) fn check_element(i: usize, count: usize, e: &RawElement) -> Result<Element> {
    let element = decode(e.request, e.length)?;
    if matches!(element, Element::Resume { .. }) && i + 1 != count {
        return Err(EINVAL);
    }
    Ok(element)
}

/// How many bytes of `chunk` a string copy takes: up to and including the
/// first NUL (and whether it found one), or all of it.
pub(crate) fn string_prefix(chunk: &[u8]) -> (usize, bool) {
    match chunk.iter().position(|&b| b == 0) {
        Some(i) => (i + 1, true),
        None => (chunk.len(), false),
    }
}

#[cfg(CONFIG_UTRACE_KUNIT_TEST)]
#[kunit_tests(utrace_ptrace_multi)]
mod tests {
    use super::*;

    /// A request of the architecture's own, which decoding passes on as it
    /// is: x86's `PTRACE_GETREGS`, arm64's `PTRACE_PEEKMTETAGS`.
    #[cfg(CONFIG_X86_64)]
    const ARCH_REQUEST: u32 = bindings::PTRACE_GETREGS;
    #[cfg(CONFIG_ARM64)]
    const ARCH_REQUEST: u32 = bindings::PTRACE_PEEKMTETAGS;

    /// Every element of `elements` checked, in order, as the runner does.
    fn check_batch(elements: &[RawElement]) -> Result {
        for (i, e) in elements.iter().enumerate() {
            check_element(i, elements.len(), e)?;
        }
        Ok(())
    }

    fn el(request: u32, length: i64) -> RawElement {
        RawElement {
            request: req(request),
            length,
            ..Default::default()
        }
    }

    #[test]
    fn words_zero_means_one() {
        let peek = req(bindings::PTRACE_PEEKDATA);
        assert_eq!(
            decode(peek, 0),
            Ok(Element::PeekWords {
                request: peek,
                words: 1
            })
        );
        assert_eq!(
            decode(peek, 3),
            Ok(Element::PeekWords {
                request: peek,
                words: 3
            })
        );
        let poke = req(bindings::PTRACE_POKEUSR);
        assert_eq!(
            decode(poke, 0),
            Ok(Element::PokeWords {
                request: poke,
                words: 1
            })
        );
    }

    #[test]
    fn bytes_are_exact() {
        assert_eq!(
            decode(req(bindings::PTRACE_PEEKCHARDATA), 0),
            Ok(Element::PeekBytes { len: 0 })
        );
        assert_eq!(
            decode(req(bindings::PTRACE_POKECHARDATA), 5),
            Ok(Element::PokeBytes { len: 5 })
        );
        assert_eq!(
            decode(req(bindings::PTRACE_PEEKSTRINGDATA), 256),
            Ok(Element::PeekString { len: 256 })
        );
    }

    #[test]
    fn bad_lengths() {
        let peek = req(bindings::PTRACE_PEEKDATA);
        assert_eq!(decode(peek, -1), Err(EINVAL));
        assert_eq!(decode(peek, MAX_LENGTH + 1), Err(EINVAL));
        assert!(decode(peek, MAX_LENGTH).is_ok());
        // Requests that take no length.
        assert_eq!(decode(req(ARCH_REQUEST), 1), Err(EINVAL));
        assert_eq!(decode(req(bindings::PTRACE_SYSCALL), 8), Err(EINVAL));
    }

    #[test]
    fn refused_requests() {
        for r in [
            bindings::PTRACE_MULTI,
            bindings::PTRACE_TRACEME,
            bindings::PTRACE_ATTACH,
            bindings::PTRACE_SEIZE,
            bindings::PTRACE_DETACH,
            bindings::PTRACE_BTS_CONFIG,
            bindings::PTRACE_BTS_STATUS,
            bindings::PTRACE_BTS_SIZE,
            bindings::PTRACE_BTS_GET,
            bindings::PTRACE_BTS_CLEAR,
            bindings::PTRACE_BTS_DRAIN,
        ] {
            assert_eq!(decode(req(r), 0), Err(EINVAL));
        }
        // The request after the branch trace's is not refused.
        let after = req(bindings::PTRACE_BTS_DRAIN) + 1;
        assert_eq!(decode(after, 0), Ok(Element::Other { request: after }));
    }

    #[test]
    fn other_and_resume_requests() {
        let getregs = req(ARCH_REQUEST);
        assert_eq!(decode(getregs, 0), Ok(Element::Other { request: getregs }));
        let info = req(bindings::PTRACE_GET_SYSCALL_INFO);
        assert_eq!(decode(info, 0), Ok(Element::Other { request: info }));
        for r in [
            bindings::PTRACE_CONT,
            bindings::PTRACE_SYSCALL,
            bindings::PTRACE_SINGLESTEP,
            bindings::PTRACE_SYSEMU,
            bindings::PTRACE_KILL,
            bindings::PTRACE_LISTEN,
        ] {
            assert_eq!(decode(req(r), 0), Ok(Element::Resume { request: req(r) }));
        }
        assert!(!is_resume(req(bindings::PTRACE_INTERRUPT)));
    }

    #[test]
    fn resume_only_last() {
        let set = el(ARCH_REQUEST, 0);
        let go = el(bindings::PTRACE_SYSCALL, 0);
        let peek = el(bindings::PTRACE_PEEKDATA, 2);
        assert_eq!(check_batch(&[set, go]), Ok(()));
        assert_eq!(check_batch(&[go]), Ok(()));
        assert_eq!(check_batch(&[go, peek]), Err(EINVAL));
        assert_eq!(check_batch(&[peek, go, go]), Err(EINVAL));
        assert_eq!(check_batch(&[]), Ok(()));
        // One bad element anywhere refuses the whole batch.
        assert_eq!(
            check_batch(&[peek, el(bindings::PTRACE_MULTI, 0), set]),
            Err(EINVAL)
        );
    }

    #[test]
    fn count_cap() {
        assert_eq!(check_count(0), Ok(0));
        assert_eq!(check_count(MULTI_MAX as u64), Ok(MULTI_MAX));
        assert_eq!(check_count(MULTI_MAX as u64 + 1), Err(EINVAL));
        assert_eq!(check_count(u64::MAX), Err(EINVAL));
    }

    #[test]
    fn only_chardata_reports_bytes() {
        let bytes = [
            bindings::PTRACE_PEEKCHARDATA,
            bindings::PTRACE_POKECHARDATA,
            bindings::PTRACE_PEEKSTRINGDATA,
        ];
        for r in bytes {
            assert!(decode(req(r), 4).is_ok_and(reports_bytes));
        }
        for r in [
            bindings::PTRACE_PEEKDATA,
            ARCH_REQUEST,
            bindings::PTRACE_CONT,
        ] {
            assert!(decode(req(r), 0).is_ok_and(|e| !reports_bytes(e)));
        }
    }

    /// A compat element's bytes, in the tracer's (the machine's) order.
    fn compat_bytes(request: i32, addr: u32, localaddr: u32, length: i32) -> [u8; 16] {
        let mut b = [0u8; 16];
        b[0..4].copy_from_slice(&request.to_ne_bytes());
        b[4..8].copy_from_slice(&addr.to_ne_bytes());
        b[8..12].copy_from_slice(&localaddr.to_ne_bytes());
        b[12..16].copy_from_slice(&length.to_ne_bytes());
        b
    }

    #[test]
    fn layouts_are_the_abis() {
        // x86-64 and its ia32 compat: four longs, four 32-bit fields.
        assert_eq!(Abi::Native.element_size(), 32);
        assert_eq!(Abi::Native.length_offset(), 24);
        assert_eq!(Abi::Native.word(), 8);
        assert_eq!(Abi::Native.iovec_size(), 16);
        assert_eq!(Abi::Compat.element_size(), 16);
        assert_eq!(Abi::Compat.length_offset(), 12);
        assert_eq!(Abi::Compat.word(), 4);
        assert_eq!(Abi::Compat.iovec_size(), 8);
    }

    #[test]
    fn compat_elements_widen_as_compat_ptrace_does() {
        let e = Abi::Compat.element(&compat_bytes(0x4301, 0xffff_fff0, 0x8000_0000, 7));
        assert_eq!(e.request, 0x4301);
        // Addresses are unsigned: no sign extension into the upper half.
        assert_eq!(e.addr, 0xffff_fff0);
        assert_eq!(e.localaddr, 0x8000_0000);
        assert_eq!(e.length, 7);
        // A negative length stays negative, so `decode` refuses it.
        let e = Abi::Compat.element(&compat_bytes(bindings::PTRACE_PEEKDATA as i32, 0, 0, -1));
        assert_eq!(e.length, -1);
        assert_eq!(decode(e.request, e.length), Err(EINVAL));
        // So does a negative request: no request has that number.
        assert_eq!(Abi::Compat.element(&compat_bytes(-2, 0, 0, 0)).request, -2);
    }

    #[test]
    fn native_elements_are_read_whole() {
        let mut b = [0u8; 32];
        b[0..8].copy_from_slice(&i64::from(bindings::PTRACE_POKEDATA).to_ne_bytes());
        b[8..16].copy_from_slice(&0xffff_8000_0000_0010u64.to_ne_bytes());
        b[16..24].copy_from_slice(&0x7fff_0000_1000u64.to_ne_bytes());
        b[24..32].copy_from_slice(&3i64.to_ne_bytes());
        let e = Abi::Native.element(&b);
        assert_eq!(
            e,
            RawElement {
                request: req(bindings::PTRACE_POKEDATA),
                addr: 0xffff_8000_0000_0010,
                localaddr: 0x7fff_0000_1000,
                length: 3,
            }
        );
    }

    #[test]
    fn iovecs_per_abi() {
        let mut b = [0u8; 16];
        b[0..8].copy_from_slice(&0x1234_5678_9000u64.to_ne_bytes());
        b[8..16].copy_from_slice(&300u64.to_ne_bytes());
        assert_eq!(Abi::Native.iovec(&b), (0x1234_5678_9000, 300));
        let mut b = [0u8; 8];
        b[0..4].copy_from_slice(&0xf000_0000u32.to_ne_bytes());
        b[4..8].copy_from_slice(&0xffff_ffffu32.to_ne_bytes());
        // compat_size_t is unsigned: a huge length, which `decode` refuses.
        assert_eq!(Abi::Compat.iovec(&b), (0xf000_0000, 0xffff_ffff));
    }

    #[test]
    fn stored_lengths_have_the_abis_width() {
        let (b, n) = Abi::Compat.length_bytes(-5);
        assert_eq!(n, 4);
        assert_eq!(i32::from_ne_bytes([b[0], b[1], b[2], b[3]]), -5);
        let (b, n) = Abi::Native.length_bytes(1 << 20);
        assert_eq!(n, 8);
        assert_eq!(i64::from_ne_bytes(b), 1 << 20);
    }

    #[test]
    fn compat_elements_meet_the_same_rules() {
        // A nested PTRACE_MULTI is refused in a compat batch too.
        let e = Abi::Compat.element(&compat_bytes(bindings::PTRACE_MULTI as i32, 0, 0, 0));
        assert_eq!(decode(e.request, e.length), Err(EINVAL));
        let (b, n) = Abi::Compat.length_bytes(-i64::from(bindings::EFAULT));
        assert_eq!(n, 4);
        assert_eq!(
            i32::from_ne_bytes([b[0], b[1], b[2], b[3]]),
            -(bindings::EFAULT as i32)
        );
    }

    #[test]
    fn compat_ranges_end_at_4_gib() {
        // The tracer's: the whole range, to its last byte.
        assert_eq!(Abi::Compat.local_range(0xffff_ff00, 0x100), Ok(()));
        assert_eq!(Abi::Compat.local_range(0xffff_ff00, 0x101), Err(EFAULT));
        assert_eq!(Abi::Compat.local_range(0xffff_ffff, 0), Ok(()));
        assert_eq!(Abi::Native.local_range(0xffff_ff00, 0x101), Ok(()));
        assert_eq!(Abi::Native.local_range(u64::MAX, 2), Err(EFAULT));
        // The tracee's: a copy stops at the last address.
        assert_eq!(Abi::Compat.tracee_room(0xffff_fff0, 256), 16);
        assert_eq!(Abi::Compat.tracee_room(0xffff_ffff, 256), 1);
        assert_eq!(Abi::Compat.tracee_room(0x1000, 256), 256);
        assert_eq!(Abi::Native.tracee_room(0xffff_fff0, 256), 256);
        assert_eq!(Abi::Native.tracee_room(u64::MAX, 256), 1);
    }

    #[test]
    fn compat_addresses_end_at_4_gib() {
        assert_eq!(Abi::Compat.tracee_at(0xffff_fff8, 4), Ok(0xffff_fffc));
        assert_eq!(Abi::Compat.tracee_at(0xffff_fffc, 4), Err(EIO));
        assert_eq!(Abi::Compat.local_at(0xffff_fffc, 4), Err(EFAULT));
        assert_eq!(Abi::Native.tracee_at(0xffff_fffc, 4), Ok(0x1_0000_0000));
        assert_eq!(Abi::Native.tracee_at(u64::MAX, 1), Err(EIO));
        assert_eq!(Abi::Native.local_at(u64::MAX - 1, 1), Ok(u64::MAX));
        assert_eq!(Abi::Native.local_at(u64::MAX, 1), Err(EFAULT));
    }

    #[test]
    fn string_prefix_stops_after_nul() {
        assert_eq!(string_prefix(b"ab\0cd"), (3, true));
        assert_eq!(string_prefix(b"\0"), (1, true));
        assert_eq!(string_prefix(b"abc"), (3, false));
        assert_eq!(string_prefix(b""), (0, false));
    }
}
