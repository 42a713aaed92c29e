// SPDX-License-Identifier: GPL-2.0

//! One CPU's ring of records in a trace pipe, without a lock.
//!
//! Traced tasks write records into the ring of the CPU they run on; the
//! reader of the pipe takes them out. Producers take turns through a claim
//! they try and never wait for ([`CpuRing::try_claim`]): a task preempted
//! while it holds it makes the next producer on that CPU try another ring,
//! never spin. So each ring has one producer at a time and one consumer
//! (the reader holding the pipe's claim), and the words are atomics: a
//! racing second consumer could only read garbage, never cause undefined
//! behaviour.
//!
//! A record is a word (its length in bytes in the low half, its sequence
//! number in the pipe in the high half) and then its bytes, packed into
//! words. The sequence numbers let the reader merge the rings in the order
//! the records were written (`trace_buf`); they wrap, and are compared by
//! their difference, which the records in the rings at once keep far
//! below 2^31.
//!
//! # Ordering
//!
//! - `head` (words written, free-running): the producer stores it with
//!   release after the record's words, the consumer loads it with acquire
//!   before reading them.
//! - `tail` (words consumed, free-running): the consumer stores it with
//!   release after it read a record, the producer loads it with acquire
//!   before it overwrites those words.
//! - `writing` (the claim): taken with a fully ordered cmpxchg and given
//!   back with a fully ordered xchg. The pipe relies on both: a producer
//!   checks its writer's `closed` flag after taking the claim, and the
//!   reader declares the end of the trace only after seeing every claim
//!   free (the barrier after the claim pairs with the one in
//!   `Writer::close`); and a producer looks at the reader's `waiting` flag
//!   after giving the claim back (that barrier pairs with the one the
//!   reader makes after setting the flag, before it looks at the rings).

use crate::engines::strace::record::RECORD_MAX;
use kernel::alloc::flags::__GFP_NOWARN;
use kernel::prelude::*;
use kernel::sync::atomic::{Acquire, Atomic, AtomicFlag, Full, Relaxed, Release};

/// Bytes of a record's length before it in a batch [`CpuRing::pop`] fills.
pub(crate) const FRAME: usize = 4;

/// The records of a batch [`CpuRing::pop`] filled, in order; a malformed
/// tail ends them.
pub(crate) fn records(batch: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut rest = batch;
    core::iter::from_fn(move || {
        let (len, tail) = rest.split_at_checked(FRAME)?;
        let len = u32::from_ne_bytes([len[0], len[1], len[2], len[3]]) as usize;
        let (record, tail) = tail.split_at_checked(len)?;
        rest = tail;
        Some(record)
    })
}

/// Words of a record's head: its length and its sequence number.
const HEAD_WORDS: usize = 1;

/// Words a record of `len` bytes takes.
fn words_for(len: usize) -> usize {
    HEAD_WORDS + len.div_ceil(8)
}

/// What producers write, on a cache line of its own.
#[repr(align(64))]
struct Produced {
    /// Words written, free-running (see the module's ordering).
    head: Atomic<usize>,
    /// A producer holds the ring.
    writing: AtomicFlag,
}

/// What the consumer writes, on another.
#[repr(align(64))]
struct Consumed {
    /// Words consumed, free-running (see the module's ordering).
    tail: Atomic<usize>,
}

/// One CPU's ring of records. The indices wrap (`wrapping_add`): on a
/// 32-bit kernel a ring passes 2^32 words.
pub(crate) struct CpuRing {
    /// The storage: a power of two of words.
    words: KVec<Atomic<u64>>,
    prod: Produced,
    cons: Consumed,
}

impl CpuRing {
    /// An empty ring of at least `bytes` bytes (rounded up to a power of
    /// two of words), charged to the caller's memory cgroup.
    pub(crate) fn new(bytes: usize) -> Result<CpuRing> {
        let n = bytes.div_ceil(8).next_power_of_two();
        // kmalloc, not vmalloc: at the pipe's sizes (64 KiB and up) above
        // the page allocator's costly order, so a refused allocation is
        // ENOMEM and never an OOM kill; a user chooses the size: no warning.
        let mut words = KVec::with_capacity(n, GFP_KERNEL_ACCOUNT | __GFP_NOWARN)?;
        for _ in 0..n {
            // The capacity is there: this never allocates.
            words.push(Atomic::new(0), GFP_KERNEL_ACCOUNT)?;
        }
        Ok(CpuRing {
            words,
            prod: Produced {
                head: Atomic::new(0),
                writing: AtomicFlag::new(false),
            },
            cons: Consumed {
                tail: Atomic::new(0),
            },
        })
    }

    /// The ring's size in bytes.
    pub(crate) fn capacity(&self) -> usize {
        self.words.len() * 8
    }

    /// Word `i` (free-running) of the storage.
    fn word(&self, i: usize) -> &Atomic<u64> {
        // A power of two: the mask is the remainder.
        &self.words[i & (self.words.len() - 1)]
    }

    /// The claim, if no other producer holds it.
    pub(crate) fn try_claim(&self) -> Option<Claim<'_>> {
        self.prod
            .writing
            .cmpxchg(false, true, Full)
            .ok()
            .map(|_| Claim { ring: self })
    }

    /// Whether a producer holds the ring (the reader's test before it
    /// declares the end of the trace).
    pub(crate) fn claimed(&self) -> bool {
        self.prod.writing.load(Acquire)
    }

    /// Whether there is no record to take. Consumer only.
    pub(crate) fn is_empty(&self) -> bool {
        self.prod.head.load(Acquire) == self.cons.tail.load(Relaxed)
    }

    /// The sequence number of the first record, if there is one. Consumer
    /// only.
    pub(crate) fn peek(&self) -> Option<u32> {
        let tail = self.cons.tail.load(Relaxed);
        if self.prod.head.load(Acquire) == tail {
            return None;
        }
        Some((self.word(tail).load(Relaxed) >> 32) as u32)
    }

    /// Takes the first record out, appending its bytes after their length
    /// ([`FRAME`] bytes; [`records`] reads them back) to `out`, if `out` has
    /// the room: never allocates. `Ok(false)`: no record, or no room.
    /// Consumer only.
    pub(crate) fn pop(&self, out: &mut KVVec<u8>) -> Result<bool> {
        let tail = self.cons.tail.load(Relaxed);
        let head = self.prod.head.load(Acquire);
        if head == tail {
            return Ok(false);
        }
        let len = self.word(tail).load(Relaxed) as u32 as usize;
        let n = words_for(len);
        if len > RECORD_MAX || n > head.wrapping_sub(tail) {
            // Never written so: drop the rest rather than read garbage.
            self.cons.tail.store(head, Release);
            return Err(EIO);
        }
        if out.capacity() - out.len() < FRAME + n * 8 {
            return Ok(false);
        }
        out.extend_from_slice(&(len as u32).to_ne_bytes(), GFP_NOWAIT)?;
        let at = out.len();
        for i in HEAD_WORDS..n {
            let w = self.word(tail.wrapping_add(i)).load(Relaxed);
            out.extend_from_slice(&w.to_ne_bytes(), GFP_NOWAIT)?;
        }
        out.truncate(at + len);
        // The words are read: the producer may write them again.
        self.cons.tail.store(tail.wrapping_add(n), Release);
        Ok(true)
    }
}

/// A producer's hold on a [`CpuRing`], given back when dropped.
pub(crate) struct Claim<'a> {
    ring: &'a CpuRing,
}

impl Claim<'_> {
    /// Appends the record made of `parts`, numbered from `seq` once it is
    /// known to fit: false, and nothing written nor numbered, if it does
    /// not (a number per record tried would run the numbers round while a
    /// reader is slow, and the order of the rings with them: review).
    pub(crate) fn write(&self, seq: &Atomic<u32>, parts: &[&[u8]]) -> bool {
        self.write_all(seq, &[parts])
    }

    /// Appends the records `records` (each made of its parts), all or
    /// none, numbered from `seq` once they are known to fit.
    pub(crate) fn write_all(&self, seq: &Atomic<u32>, records: &[&[&[u8]]]) -> bool {
        let ring = self.ring;
        let len = |parts: &[&[u8]]| parts.iter().map(|p| p.len()).sum::<usize>();
        let mut need = 0;
        for parts in records {
            if len(parts) > RECORD_MAX {
                return false;
            }
            need += words_for(len(parts));
        }
        // Only this claim writes `head`; the last holder's release of the
        // claim (fully ordered) and this one's taking of it order it.
        let head = ring.prod.head.load(Relaxed);
        let tail = ring.cons.tail.load(Acquire);
        let used = head.wrapping_sub(tail);
        // Checked, not subtracted blindly: a consumer that broke the rules
        // must not make the producer panic.
        if used > ring.words.len() || ring.words.len() - used < need {
            return false;
        }
        let mut at = head;
        for parts in records {
            at = self.put(at, seq.fetch_add(1, Relaxed), parts);
        }
        // Publish: the consumer's acquire load of `head` sees the words.
        ring.prod.head.store(at, Release);
        true
    }

    /// Writes one record at word `at` (room checked), returns where the
    /// next goes.
    fn put(&self, at: usize, seq: u32, parts: &[&[u8]]) -> usize {
        let ring = self.ring;
        let len: usize = parts.iter().map(|p| p.len()).sum();
        ring.word(at)
            .store(len as u64 | u64::from(seq) << 32, Relaxed);
        let mut at = at.wrapping_add(HEAD_WORDS);
        let mut acc = [0u8; 8];
        let mut fill = 0;
        for part in parts {
            let mut rest = *part;
            if fill == 0 {
                let mut chunks = rest.chunks_exact(8);
                for c in &mut chunks {
                    let w = u64::from_ne_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
                    ring.word(at).store(w, Relaxed);
                    at = at.wrapping_add(1);
                }
                rest = chunks.remainder();
            }
            for &b in rest {
                acc[fill] = b;
                fill += 1;
                if fill == 8 {
                    ring.word(at).store(u64::from_ne_bytes(acc), Relaxed);
                    at = at.wrapping_add(1);
                    fill = 0;
                }
            }
        }
        if fill > 0 {
            acc[fill..].fill(0);
            ring.word(at).store(u64::from_ne_bytes(acc), Relaxed);
            at = at.wrapping_add(1);
        }
        at
    }
}

impl Drop for Claim<'_> {
    fn drop(&mut self) {
        // Fully ordered (see the module's ordering): the record is
        // published before a later look at the reader's `waiting`.
        self.ring.prod.writing.xchg(false, Full);
    }
}

#[kunit_tests(utrace_cpu_ring)]
mod tests {
    use super::*;

    fn take(ring: &CpuRing) -> Option<KVVec<u8>> {
        let mut out = KVVec::with_capacity(4 + RECORD_MAX + 16, GFP_KERNEL).unwrap();
        ring.pop(&mut out).unwrap().then_some(out)
    }

    #[test]
    fn records_come_out_whole_and_in_order_across_the_end() {
        let ring = CpuRing::new(256).unwrap();
        assert_eq!(ring.capacity(), 256);
        let claim = ring.try_claim().unwrap();
        // A second producer does not get the ring while it is held.
        assert!(ring.try_claim().is_none());
        // 3 words each (13 bytes): 30 of the 32 words; the one that does
        // not fit takes no number.
        let seq = Atomic::new(0u32);
        while claim.write(&seq, &[b"abcde", b"fghijklm"]) {}
        assert_eq!(seq.load(Relaxed), 10);
        drop(claim);
        assert!(!ring.claimed());
        for i in 0..8 {
            assert_eq!(ring.peek(), Some(i));
            assert_eq!(&take(&ring).unwrap()[..], b"\x0d\0\0\0abcdefghijklm");
        }
        // Two records (6 words) left, 26 free from word 30: six of 4 words
        // (17 bytes), the first across the end of the storage, and not a
        // seventh.
        let claim = ring.try_claim().unwrap();
        let seq = Atomic::new(100u32);
        for i in 0..6u8 {
            assert!(claim.write(&seq, &[&[i; 17]]));
        }
        assert!(!claim.write(&seq, &[&[9; 17]]));
        assert_eq!(seq.load(Relaxed), 106);
        drop(claim);
        for i in 8..10 {
            assert_eq!(ring.peek(), Some(i));
            take(&ring).unwrap();
        }
        for i in 0..6u8 {
            assert_eq!(ring.peek(), Some(100 + u32::from(i)));
            let got = take(&ring).unwrap();
            assert_eq!(&got[..FRAME], &17u32.to_ne_bytes());
            assert_eq!(&got[4..], &[i; 17]);
        }
        assert!(ring.is_empty());
        assert!(take(&ring).is_none());
    }

    #[test]
    fn a_record_waits_for_a_reader_with_room() {
        let ring = CpuRing::new(4096).unwrap();
        let seq = Atomic::new(1u32);
        assert!(ring.try_claim().unwrap().write(&seq, &[&[7; 100]]));
        let mut small = KVVec::with_capacity(50, GFP_KERNEL).unwrap();
        assert!(!ring.pop(&mut small).unwrap());
        assert_eq!(ring.peek(), Some(1));
        assert_eq!(take(&ring).unwrap().len(), 104);
        // Longer than any record: never written.
        let big = KVec::from_elem(0u8, RECORD_MAX + 1, GFP_KERNEL).unwrap();
        assert!(!ring.try_claim().unwrap().write(&seq, &[&big]));
        assert!(ring.is_empty());
    }
}
