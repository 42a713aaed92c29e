// SPDX-License-Identifier: GPL-2.0

//! The rules of PTRACE_MULTI, as pure functions over plain numbers.
//!
//! A batch is validated as a whole before any element runs
//! ([`check_batch`]): an invalid batch changes nothing. Each element is
//! classified by [`decode`] into what the runner (`request.rs`) does with
//! it. The ABI is documented in the patched `include/uapi/linux/ptrace.h`
//! and in `Documentation/ptrace-multi.md`.

use kernel::bindings;
use kernel::prelude::*;

/// Most elements in one batch (`PTRACE_MULTI_MAX`).
pub(crate) const MULTI_MAX: usize = bindings::PTRACE_MULTI_MAX as usize;

/// Largest `length` of one element, in words or bytes
/// (`PTRACE_MULTI_MAX_LENGTH`).
pub(crate) const MAX_LENGTH: i64 = bindings::PTRACE_MULTI_MAX_LENGTH as i64;

/// Size of one `struct ptrace_multi` in the caller's memory.
pub(crate) const ELEMENT_SIZE: usize = 4 * core::mem::size_of::<u64>();

/// Offset of `length` in `struct ptrace_multi` (where a failure is stored).
pub(crate) const LENGTH_OFFSET: usize = 3 * core::mem::size_of::<u64>();

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
/// (PTRACE_MULTI itself, and the requests that change who traces the task:
/// TRACEME, ATTACH, SEIZE, DETACH) and for a bad `length`: negative, over
/// [`MAX_LENGTH`], or non-zero for a request that takes none.
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
            || r == req(bindings::PTRACE_DETACH) =>
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

/// Validates a whole batch before anything runs: every element decodes,
/// and a resume request, if any, is the last element. `EINVAL` otherwise.
pub(crate) fn check_batch(elements: &[RawElement]) -> Result {
    let last = elements.len().saturating_sub(1);
    for (i, e) in elements.iter().enumerate() {
        if let Element::Resume { .. } = decode(e.request, e.length)? {
            if i != last {
                return Err(EINVAL);
            }
        }
    }
    Ok(())
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
        assert_eq!(decode(req(bindings::PTRACE_GETREGS), 1), Err(EINVAL));
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
        ] {
            assert_eq!(decode(req(r), 0), Err(EINVAL));
        }
    }

    #[test]
    fn other_and_resume_requests() {
        let getregs = req(bindings::PTRACE_GETREGS);
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
        let set = el(bindings::PTRACE_SETREGS, 0);
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
            bindings::PTRACE_GETREGS,
            bindings::PTRACE_CONT,
        ] {
            assert!(decode(req(r), 0).is_ok_and(|e| !reports_bytes(e)));
        }
    }

    #[test]
    fn string_prefix_stops_after_nul() {
        assert_eq!(string_prefix(b"ab\0cd"), (3, true));
        assert_eq!(string_prefix(b"\0"), (1, true));
        assert_eq!(string_prefix(b"abc"), (3, false));
        assert_eq!(string_prefix(b""), (0, false));
    }
}
