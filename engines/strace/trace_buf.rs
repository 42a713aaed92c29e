// SPDX-License-Identifier: GPL-2.0

//! The trace pipe between the strace engines of one `/dev/utrace` file and
//! its readers.
//!
//! Engines append whole lines, each in its traced task; readers take bytes
//! (`read(2)`) or whole lines (the `UTRACE_READ` ioctl). When a line does
//! not fit, it is dropped and counted, never waited for: a slow reader
//! cannot hold up the traced program. The count is not lost either: the
//! reader gets a `<utrace: N lines dropped>` line where the gap is.
//!
//! # Locking
//!
//! The bytes and counters are one [`Ring`] behind one spinlock,
//! [`TraceBuf::ring`] (lock class `utrace_strace::ring`). A traced task
//! holds it only to copy one line in; a reader only to copy text out into
//! its own kernel buffer, and again to consume what it delivered. It is
//! never held across a copy to user space, a sleep or an allocation.
//!
//! A reader claims the ring ([`Ring::reader_busy`]) for the time of its copy
//! to user space, so that two readers of one file never deliver the same
//! text, without a lock the traced tasks take: a reader whose buffer faults
//! slowly (userfaultfd, FUSE) holds up the other readers of its file, which
//! wait interruptibly for their turn, and nobody else. Readers sleep on
//! [`TraceBuf::readable`], which a writer notifies when the ring stops
//! being empty, a reader when it gives its claim up, and the last writer
//! when it goes.
//!
//! # Memory
//!
//! The ring is one kmalloc'ed block charged to the opener's memory cgroup
//! (`GFP_KERNEL_ACCOUNT`), between [`MIN_CAPACITY`] and [`MAX_CAPACITY`]
//! bytes. Its smallest size is above the page allocator's costly order, so
//! a charge or an allocation that fails returns ENOMEM to the opener and
//! never wakes an OOM killer. Readers' own buffers live for one call.

use crate::engines::strace::line::Line;
use kernel::bindings;
use kernel::fs::File;
use kernel::iov::IovIterDest;
use kernel::prelude::*;
use kernel::sync::atomic::AtomicFlag;
use kernel::sync::poll::{PollCondVar, PollTable};
use kernel::sync::{Arc, SpinLock};

/// The ring's size when the file is opened.
pub(crate) const DEFAULT_CAPACITY: usize = 64 * 1024;
/// The smallest size `UTRACE_SET_BUFFER` takes: an order-4 block, so that a
/// refused allocation is ENOMEM and never an OOM kill.
pub(crate) const MIN_CAPACITY: usize = 64 * 1024;
/// The largest: kmalloc's largest block on x86_64 (`KMALLOC_MAX_SIZE`).
pub(crate) const MAX_CAPACITY: usize = 4 * 1024 * 1024;
/// Most bytes one read hands out.
pub(crate) const MAX_READ: usize = 64 * 1024;

/// The text waiting for readers, and what they need to know about it.
///
/// A plain byte ring: methods without locks, so that its index arithmetic
/// is tested on its own (the `utrace_trace_buf` KUnit suite).
pub(crate) struct Ring {
    /// The storage; `bytes.len()` is the capacity, fixed until the ring is
    /// replaced whole.
    bytes: KVec<u8>,
    /// Index of the first unread byte.
    start: usize,
    /// Unread bytes, from `start` on, wrapping at the end of `bytes`.
    used: usize,
    /// Lines dropped since a reader last delivered a notice of them.
    dropped: u64,
    /// Lines dropped in all.
    dropped_total: u64,
    /// Strace engines that may still write here (see
    /// [`TraceBuf::add_writer`]): none, and the ring empty, is the end of
    /// the trace.
    writers: usize,
    /// A reader is copying text out and has not yet consumed it.
    reader_busy: bool,
}

impl Ring {
    /// An empty ring of `capacity` bytes, charged to the caller's memory
    /// cgroup.
    pub(crate) fn new(capacity: usize) -> Result<Ring> {
        Ok(Ring {
            bytes: KVec::from_elem(0, capacity, GFP_KERNEL_ACCOUNT)?,
            start: 0,
            used: 0,
            dropped: 0,
            dropped_total: 0,
            writers: 0,
            reader_busy: false,
        })
    }

    /// The ring's size in bytes.
    pub(crate) fn capacity(&self) -> usize {
        self.bytes.len()
    }

    /// Index `i` of the ring, for an `i` below twice its capacity. Not `%`:
    /// the remainder's panic path for a zero divisor is one objtool does
    /// not know as noreturn.
    fn wrap(&self, i: usize) -> usize {
        let cap = self.capacity();
        if i >= cap {
            i - cap
        } else {
            i
        }
    }

    /// Whether a reader has something to take: text, or a drop notice.
    pub(crate) fn readable(&self) -> bool {
        self.used > 0 || self.dropped > 0
    }

    /// Appends `line` whole, or drops and counts it if it does not fit.
    /// Returns whether it was appended.
    pub(crate) fn push(&mut self, line: &[u8]) -> bool {
        let cap = self.capacity();
        if cap - self.used < line.len() {
            self.dropped += 1;
            self.dropped_total += 1;
            return false;
        }
        let end = self.wrap(self.start + self.used);
        let first = line.len().min(cap - end);
        self.bytes[end..end + first].copy_from_slice(&line[..first]);
        self.bytes[..line.len() - first].copy_from_slice(&line[first..]);
        self.used += line.len();
        true
    }

    /// Copies the first `n` unread bytes (at most `used`) to `out`, without
    /// consuming them. Called under the ring's lock: `out` must have room
    /// for them (`GFP_NOWAIT` only in case it has not: never a sleep).
    fn peek(&self, n: usize, out: &mut KVec<u8>) -> Result {
        let n = n.min(self.used);
        let cap = self.capacity();
        let first = n.min(cap - self.start);
        out.extend_from_slice(&self.bytes[self.start..self.start + first], GFP_NOWAIT)?;
        out.extend_from_slice(&self.bytes[..n - first], GFP_NOWAIT)?;
        Ok(())
    }

    /// The length of the longest run of whole lines at the start of the
    /// unread text that fits in `room` bytes.
    fn whole_lines(&self, room: usize) -> usize {
        let n = room.min(self.used);
        (0..n)
            .rev()
            .find(|&i| self.bytes[self.wrap(self.start + i)] == b'\n')
            .map_or(0, |i| i + 1)
    }

    /// Consumes the first `n` unread bytes (at most `used`).
    fn consume(&mut self, n: usize) {
        let n = n.min(self.used);
        self.used -= n;
        self.start = if self.used == 0 {
            0
        } else {
            self.wrap(self.start + n)
        };
    }

    /// The notice of the lines dropped since the last one, if any.
    fn notice(&self) -> Option<Line> {
        if self.dropped == 0 {
            return None;
        }
        let mut notice = Line::new();
        notice.put_fmt(format_args!("<utrace: {} lines dropped>\n", self.dropped));
        Some(notice)
    }

    /// A reader delivered `delivered` bytes of what it took: a notice of
    /// `noticed` lines (`notice_len` bytes) first, then text. A notice it
    /// did not deliver whole stays to be given again.
    fn delivered(&mut self, noticed: u64, notice_len: usize, delivered: usize) {
        if notice_len > 0 && delivered < notice_len {
            return;
        }
        // Lines dropped meanwhile stay counted for the next notice.
        self.dropped -= noticed;
        self.consume(delivered - notice_len);
    }
}

/// The trace pipe of one `/dev/utrace` file.
#[pin_data]
pub(crate) struct TraceBuf {
    /// The text and its counters.
    #[pin]
    ring: SpinLock<Ring>,
    /// Readers wait here, for text, for their turn or for the end of the
    /// trace; `poll()` registers here.
    #[pin]
    readable: PollCondVar,
}

/// One strace engine's end of a [`TraceBuf`]: the pipe's end comes once
/// every writer is gone ([`Writer::close`], or dropped).
pub(crate) struct Writer {
    buf: Arc<TraceBuf>,
    /// Closed: counted out of the pipe's writers (once).
    gone: AtomicFlag,
}

impl Writer {
    /// Appends `line` (which must end with `\n`), or drops and counts it.
    /// Never allocates and never sleeps.
    pub(crate) fn push(&self, line: &[u8]) {
        self.buf.push(line)
    }

    /// Another writer to the same pipe.
    pub(crate) fn another(&self) -> Writer {
        self.buf.writer()
    }

    /// This engine writes no more (it is retired): readers may see the
    /// end of the trace. Only the first call counts.
    pub(crate) fn close(&self) {
        if !self.gone.xchg(true, kernel::sync::atomic::Relaxed) {
            self.buf.remove_writer();
        }
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        self.close();
    }
}

/// What a reader took out of the ring, under its claim.
struct Taken {
    /// The notice (first), then the text.
    out: KVec<u8>,
    /// Lines the notice counts, and its length in `out`.
    noticed: u64,
    notice_len: usize,
}

/// How a reader takes text.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Take {
    /// Any bytes, as many as fit (`read(2)`).
    Bytes,
    /// Whole lines only (the ioctl).
    Lines,
}

impl TraceBuf {
    /// A new, empty pipe with a ring of [`DEFAULT_CAPACITY`] bytes.
    pub(crate) fn new() -> Result<Arc<TraceBuf>> {
        let ring = Ring::new(DEFAULT_CAPACITY)?;
        Arc::pin_init(
            pin_init!(TraceBuf {
                ring <- kernel::new_spinlock!(ring, "utrace_strace::ring"),
                readable <- kernel::new_poll_condvar!("utrace_strace::readable"),
            }),
            GFP_KERNEL_ACCOUNT,
        )
    }

    /// Appends `line` (which must end with `\n`), or drops and counts it.
    fn push(&self, line: &[u8]) {
        let mut ring = self.ring.lock();
        let was_empty = !ring.readable();
        let pushed = ring.push(line);
        drop(ring);
        // Readers sleep only while the ring is empty (or for their turn,
        // which the reader that had it notifies): only the first line
        // after that wakes them. A reader adds itself to the queue before
        // it lets the lock go, so this sees it.
        if pushed && was_empty {
            self.readable.notify_all();
        }
    }

    /// A writer (one strace engine's end of the pipe): until it goes, an
    /// empty pipe is not at its end.
    pub(crate) fn writer(self: &Arc<Self>) -> Writer {
        self.ring.lock().writers += 1;
        Writer {
            buf: self.clone(),
            gone: AtomicFlag::new(false),
        }
    }

    /// A writer made by [`TraceBuf::writer`] writes no more.
    fn remove_writer(&self) {
        let mut ring = self.ring.lock();
        ring.writers -= 1;
        let last = ring.writers == 0;
        drop(ring);
        if last {
            // Readers waiting on an empty pipe see its end.
            self.readable.notify_all();
        }
    }

    /// Replaces the ring by an empty one of `capacity` bytes. Only while
    /// no engine writes here and nothing is unread: EBUSY otherwise, and
    /// EINVAL for a size out of bounds.
    pub(crate) fn set_capacity(&self, capacity: usize) -> Result {
        if !(MIN_CAPACITY..=MAX_CAPACITY).contains(&capacity) {
            return Err(EINVAL);
        }
        let mut new = Ring::new(capacity)?;
        let mut ring = self.ring.lock();
        if ring.writers > 0 || ring.readable() || ring.reader_busy {
            return Err(EBUSY);
        }
        new.dropped_total = ring.dropped_total;
        core::mem::swap(&mut *ring, &mut new);
        drop(ring);
        // The old ring is freed here, with no lock held.
        drop(new);
        Ok(())
    }

    /// The ring's size in bytes.
    pub(crate) fn capacity(&self) -> usize {
        self.ring.lock().capacity()
    }

    /// Waits for a turn to read and for text (unless `wait_for_text` is
    /// false), claims the ring and takes up to `max` bytes out of it.
    /// `Ok(None)`: nothing to take (the end of the trace, or an empty ring
    /// when not waiting for text).
    fn claim(
        &self,
        max: usize,
        how: Take,
        wait_for_text: bool,
        nowait: bool,
    ) -> Result<Option<Taken>> {
        let mut out = KVec::with_capacity(max, GFP_KERNEL)?;
        let mut ring = self.ring.lock();
        loop {
            if !ring.reader_busy {
                if ring.readable() {
                    break;
                }
                if !wait_for_text || ring.writers == 0 {
                    return Ok(None);
                }
            }
            if nowait {
                return Err(EAGAIN);
            }
            if self.readable.wait_interruptible(&mut ring) {
                return Err(ERESTARTSYS);
            }
        }
        // `out` has room for `max` bytes: nothing below allocates.
        let (noticed, notice_len) = match ring.notice() {
            Some(notice) if notice.as_bytes().len() <= max => {
                out.extend_from_slice(notice.as_bytes(), GFP_NOWAIT)?;
                (ring.dropped, notice.as_bytes().len())
            }
            // Not even the notice fits: a byte reader must offer more room
            // (a notice is never split), a line reader gets nothing.
            Some(_) if how == Take::Bytes => return Err(EINVAL),
            Some(_) => return Ok(Some(self.claimed(&mut ring, out, 0, 0))),
            None => (0, 0),
        };
        let room = max - notice_len;
        let n = match how {
            Take::Bytes => room,
            Take::Lines => ring.whole_lines(room),
        };
        ring.peek(n, &mut out)?;
        Ok(Some(self.claimed(&mut ring, out, noticed, notice_len)))
    }

    /// Claims `ring` for a reader that took `out` (a notice of `noticed`
    /// lines, `notice_len` bytes, first).
    fn claimed(&self, ring: &mut Ring, out: KVec<u8>, noticed: u64, notice_len: usize) -> Taken {
        ring.reader_busy = true;
        Taken {
            out,
            noticed,
            notice_len,
        }
    }

    /// Ends a claim: `delivered` bytes of `taken` reached the reader.
    fn release(&self, taken: &Taken, delivered: usize) {
        let mut ring = self.ring.lock();
        ring.delivered(taken.noticed, taken.notice_len, delivered);
        ring.reader_busy = false;
        drop(ring);
        // Other readers wait for their turn.
        self.readable.notify_all();
    }

    /// `read(2)`: copies text to `dest`, waiting for some unless `nowait`
    /// (EAGAIN then); returns the bytes copied, 0 at the end of the trace
    /// (no engine left to write, everything read). A reader whose buffer
    /// faults gets EFAULT if nothing was copied, and loses nothing.
    pub(crate) fn read(&self, dest: &mut IovIterDest<'_>, nowait: bool) -> Result<usize> {
        let max = dest.len().min(MAX_READ);
        if max == 0 {
            return Ok(0);
        }
        let Some(taken) = self.claim(max, Take::Bytes, true, nowait)? else {
            return Ok(0);
        };
        #[cfg(CONFIG_UTRACE_TEST_DEVICE)]
        crate::engines::test_device::READ_DELAY_HOOK.pass();
        // No lock held: the copy may fault and sleep.
        let copied = dest.copy_to_iter(&taken.out);
        self.release(&taken, copied);
        if copied == 0 {
            return Err(EFAULT);
        }
        Ok(copied)
    }

    /// The ioctl's read: whole lines, at most `max` bytes, never waiting
    /// for text. `deliver` gets them and the count of lines ever dropped;
    /// only if it succeeds are they taken out of the ring, so a reader
    /// whose buffer faults loses nothing. It runs with no lock held.
    pub(crate) fn read_lines(
        &self,
        max: usize,
        deliver: impl FnOnce(&[u8], u64) -> Result,
    ) -> Result {
        let max = max.min(MAX_READ);
        let taken = self.claim(max, Take::Lines, false, false)?;
        // Its own statement: the guard must be gone before `deliver` runs.
        let dropped_total = self.ring.lock().dropped_total;
        let Some(taken) = taken else {
            return deliver(&[], dropped_total);
        };
        #[cfg(CONFIG_UTRACE_TEST_DEVICE)]
        crate::engines::test_device::READ_DELAY_HOOK.pass();
        let result = deliver(&taken.out, dropped_total);
        self.release(&taken, if result.is_ok() { taken.out.len() } else { 0 });
        result
    }

    /// `poll(2)`: readable while there is text or a notice to take; hung
    /// up at the end of the trace.
    pub(crate) fn poll(&self, file: &File, table: PollTable<'_>) -> u32 {
        table.register_wait(file, &self.readable);
        let ring = self.ring.lock();
        if ring.readable() {
            bindings::POLLIN | bindings::POLLRDNORM
        } else if ring.writers == 0 {
            bindings::POLLHUP
        } else {
            0
        }
    }
}

#[kunit_tests(utrace_trace_buf)]
mod tests {
    use super::*;

    fn unread(ring: &Ring) -> KVec<u8> {
        let mut out = KVec::new();
        ring.peek(usize::MAX, &mut out).unwrap();
        out
    }

    #[test]
    fn lines_wrap_around_the_end() -> Result {
        let mut ring = Ring::new(MIN_CAPACITY)?;
        let cap = ring.capacity();
        // Fill to 10 bytes short of the end, read all, then write across it.
        let filler = KVec::from_elem(b'x', cap - 10, GFP_KERNEL)?;
        assert!(ring.push(&filler));
        ring.consume(cap - 10);
        assert!(!ring.readable());
        // Emptied: the next line starts at the beginning again.
        assert!(ring.push(b"0123456789abcdef\n"));
        assert_eq!(&unread(&ring)[..], b"0123456789abcdef\n");
        // Now really across the end: two bytes stay unread before it.
        ring.consume(17);
        assert!(ring.push(&filler));
        ring.consume(cap - 12);
        assert!(ring.push(b"0123456789abcdefghijklmnopqrstuvwxyz\n"));
        assert_eq!(&unread(&ring)[..2], b"xx");
        ring.consume(2);
        assert_eq!(ring.start, cap - 10);
        assert_eq!(
            &unread(&ring)[..],
            b"0123456789abcdefghijklmnopqrstuvwxyz\n"
        );
        assert_eq!(ring.whole_lines(usize::MAX), 37);
        assert_eq!(ring.whole_lines(36), 0);
        ring.consume(5);
        assert_eq!(&unread(&ring)[..], b"56789abcdefghijklmnopqrstuvwxyz\n");
        Ok(())
    }

    #[test]
    fn a_full_ring_drops_whole_lines_and_counts_them() -> Result {
        let mut ring = Ring::new(MIN_CAPACITY)?;
        let cap = ring.capacity();
        let filler = KVec::from_elem(b'x', cap - 4, GFP_KERNEL)?;
        assert!(ring.push(&filler));
        assert!(ring.push(b"ab\n"));
        // One byte left: a line of two does not go in, not even in part.
        assert!(!ring.push(b"c\n"));
        assert!(ring.push(b"\n"));
        assert_eq!(ring.used, cap);
        assert!(!ring.push(b"\n"));
        assert_eq!((ring.dropped, ring.dropped_total), (2, 2));
        Ok(())
    }

    #[test]
    fn a_notice_goes_only_when_delivered_whole() -> Result {
        let mut ring = Ring::new(MIN_CAPACITY)?;
        ring.dropped = 3;
        ring.dropped_total = 3;
        assert!(ring.push(b"line\n"));
        let notice = ring.notice().unwrap();
        let len = notice.as_bytes().len();
        assert_eq!(notice.as_bytes(), b"<utrace: 3 lines dropped>\n");
        // Half the notice reached the reader: nothing is consumed.
        ring.delivered(3, len, len / 2);
        assert_eq!((ring.dropped, ring.used), (3, 5));
        // Two more dropped meanwhile; the notice of 3 and two bytes of
        // text delivered: 2 lines stay to be noticed, 3 bytes to be read.
        ring.dropped = 5;
        ring.delivered(3, len, len + 2);
        assert_eq!((ring.dropped, ring.used), (2, 3));
        assert_eq!(&unread(&ring)[..], b"ne\n");
        assert_eq!(ring.dropped_total, 3);
        Ok(())
    }
}
