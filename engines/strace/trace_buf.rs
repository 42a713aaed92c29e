// SPDX-License-Identifier: GPL-2.0

//! The trace pipe between the strace engines of one `/dev/utrace` file and
//! its readers.
//!
//! Engines append whole lines, each in its traced task; readers take bytes
//! (`read(2)`) or whole lines (the `UTRACE_READ` ioctl). When a line does
//! not fit, it is dropped and counted, never waited for: a slow reader
//! cannot hold up the traced program. The count is not lost either: a
//! `<utrace: N lines dropped>` line goes into the text where the gap is,
//! with the first line that fits after it (or, if none comes, once the
//! reader has taken everything before the gap). It is text like any other,
//! so the stream a reader gets is exact: each read consumes what it copied.
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
//! wait interruptibly for their turn (poll() does not call the file
//! readable meanwhile), and nobody else. Its own buffer is allocated once
//! it holds the claim, sized to the text it takes and charged to it.
//! Readers sleep on [`TraceBuf::readable`], which a writer notifies when
//! the ring stops being empty, a reader when it gives its claim up, and the
//! last writer when it is closed.
//!
//! Each strace engine writes through a [`Writer`], closed when the engine
//! is detached: it writes nothing after that (a callback still finishing
//! loses its line), so once every writer is closed and the text is read,
//! the trace has ended for good.
//!
//! # Memory
//!
//! The ring is one kmalloc'ed block charged to the opener's memory cgroup
//! (`GFP_KERNEL_ACCOUNT`), between [`MIN_CAPACITY`] and [`MAX_CAPACITY`]
//! bytes. Its smallest size is above the page allocator's costly order, so
//! a charge or an allocation that fails returns ENOMEM to the opener and
//! never wakes an OOM killer (nor warns: a user chooses the size). Readers'
//! own buffers live for one call and are charged to the reader.

use crate::engines::strace::line::Line;
use kernel::alloc::flags::__GFP_NOWARN;
use kernel::bindings;
use kernel::fs::File;
use kernel::iov::IovIterDest;
use kernel::prelude::*;
use kernel::sync::atomic::{AtomicFlag, Relaxed};
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
    /// Lines dropped since the last notice went into the text.
    dropped: u64,
    /// Lines dropped in all.
    dropped_total: u64,
    /// Open [`Writer`]s: none, and the ring empty, is the end of the trace.
    writers: usize,
    /// A reader is copying text out and has not yet consumed it.
    reader_busy: bool,
}

impl Ring {
    /// An empty ring of `capacity` bytes, charged to the caller's memory
    /// cgroup.
    pub(crate) fn new(capacity: usize) -> Result<Ring> {
        Ok(Ring {
            bytes: KVec::from_elem(0, capacity, GFP_KERNEL_ACCOUNT | __GFP_NOWARN)?,
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

    /// Room left, in bytes.
    fn room(&self) -> usize {
        self.capacity() - self.used
    }

    /// Appends `bytes`, which fit.
    fn append(&mut self, bytes: &[u8]) {
        let cap = self.capacity();
        let end = self.wrap(self.start + self.used);
        let first = bytes.len().min(cap - end);
        self.bytes[end..end + first].copy_from_slice(&bytes[..first]);
        self.bytes[..bytes.len() - first].copy_from_slice(&bytes[first..]);
        self.used += bytes.len();
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

    /// Appends `line` whole, after the notice of the lines dropped before
    /// it if any (both, or neither); else drops and counts it. Returns
    /// whether it was appended.
    pub(crate) fn push(&mut self, line: &[u8]) -> bool {
        let notice = self.notice();
        let notice = notice.as_ref().map_or(&[][..], |n| n.as_bytes());
        if self.room() < notice.len() + line.len() {
            self.dropped += 1;
            self.dropped_total += 1;
            return false;
        }
        self.append(notice);
        self.dropped = 0;
        self.append(line);
        true
    }

    /// Appends the notice of the lines dropped since the last one, if any
    /// and if it fits: for a reader that took all the text before the gap,
    /// when no line followed it.
    fn flush_notice(&mut self) {
        if let Some(notice) = self.notice() {
            if self.room() >= notice.as_bytes().len() {
                self.append(notice.as_bytes());
                self.dropped = 0;
            }
        }
    }

    /// Copies the first `n` unread bytes (at most `used`) to `out`, without
    /// consuming them. Called under the ring's lock: `out` must have room
    /// for them (`GFP_NOWAIT` only in case it has not: never a sleep).
    fn peek(&self, n: usize, out: &mut KVVec<u8>) -> Result {
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
/// every writer is closed ([`Writer::close`], or dropped).
pub(crate) struct Writer {
    buf: Arc<TraceBuf>,
    /// Closed: it writes nothing more and is counted out of the pipe's
    /// writers. Set once, under the ring's lock, and read under it.
    closed: AtomicFlag,
}

impl Writer {
    /// Appends `line` (which must end with `\n`), or drops and counts it;
    /// nothing once the writer is closed. Never allocates and never
    /// sleeps.
    pub(crate) fn push(&self, line: &[u8]) {
        let mut ring = self.buf.ring.lock();
        if self.closed.load(Relaxed) {
            return;
        }
        let was_empty = !ring.readable();
        let pushed = ring.push(line);
        drop(ring);
        // Readers sleep only while the ring is empty (or for their turn,
        // which the reader that had it notifies): only the first line
        // after that wakes them. A reader adds itself to the queue before
        // it lets the lock go, so this sees it.
        if pushed && was_empty {
            self.buf.readable.notify_all();
        }
    }

    /// Another writer to the same pipe.
    pub(crate) fn another(&self) -> Writer {
        self.buf.writer()
    }

    /// This engine writes no more (it is detached): readers may see the
    /// end of the trace. Only the first call counts.
    pub(crate) fn close(&self) {
        let mut ring = self.buf.ring.lock();
        // Under the lock: a push either came before, or sees the flag.
        if self.closed.xchg(true, Relaxed) {
            return;
        }
        ring.writers -= 1;
        let last = ring.writers == 0;
        drop(ring);
        if last {
            // Readers waiting on an empty pipe see its end.
            self.buf.readable.notify_all();
        }
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        self.close();
    }
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

    /// A new writer (one strace engine's end of the pipe): until it is
    /// closed, an empty pipe is not at its end.
    pub(crate) fn writer(self: &Arc<Self>) -> Writer {
        self.ring.lock().writers += 1;
        Writer {
            buf: self.clone(),
            closed: AtomicFlag::new(false),
        }
    }

    /// Replaces the ring by an empty one of `capacity` bytes. Only while
    /// no writer is open, nothing is unread and no reader is at work:
    /// EBUSY otherwise, and EINVAL for a size out of bounds.
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
    /// false), claims the ring and takes up to `max` bytes of it (whole
    /// lines only for [`Take::Lines`]) into a buffer of the reader's.
    /// `Ok(None)`: nothing to take (the end of the trace, or an empty ring
    /// when not waiting for text). Once this returns a buffer, the caller
    /// must [`TraceBuf::release`] the claim.
    fn claim(
        &self,
        max: usize,
        how: Take,
        wait_for_text: bool,
        nowait: bool,
    ) -> Result<Option<KVVec<u8>>> {
        let mut ring = self.ring.lock();
        loop {
            if !ring.reader_busy {
                if ring.used == 0 {
                    // Everything before the gap is read: the notice of
                    // the lines dropped since is next.
                    ring.flush_notice();
                }
                if ring.used > 0 {
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
        ring.reader_busy = true;
        // The text only grows while the claim is held: `n` bytes stay
        // there to take.
        let n = match how {
            Take::Bytes => max.min(ring.used),
            Take::Lines => ring.whole_lines(max),
        };
        drop(ring);
        let mut out = match KVVec::with_capacity(n, GFP_KERNEL_ACCOUNT) {
            Ok(out) => out,
            Err(e) => {
                self.release(0);
                return Err(e.into());
            }
        };
        // `out` has room for the `n` bytes: this never allocates.
        let peeked = self.ring.lock().peek(n, &mut out);
        if let Err(e) = peeked {
            self.release(0);
            return Err(e);
        }
        Ok(Some(out))
    }

    /// Ends a claim: `delivered` bytes of what it took reached the reader
    /// and are consumed.
    fn release(&self, delivered: usize) {
        let mut ring = self.ring.lock();
        ring.consume(delivered);
        ring.reader_busy = false;
        drop(ring);
        // Other readers and pollers wait for their turn.
        self.readable.notify_all();
    }

    /// `read(2)`: copies text to `dest`, waiting for some unless `nowait`
    /// (EAGAIN then); returns the bytes copied, 0 at the end of the trace
    /// (every writer closed, everything read). A reader whose buffer faults
    /// gets EFAULT if nothing was copied, and loses nothing: exactly what
    /// was copied is consumed.
    pub(crate) fn read(&self, dest: &mut IovIterDest<'_>, nowait: bool) -> Result<usize> {
        let max = dest.len().min(MAX_READ);
        if max == 0 {
            return Ok(0);
        }
        let Some(out) = self.claim(max, Take::Bytes, true, nowait)? else {
            return Ok(0);
        };
        #[cfg(CONFIG_UTRACE_TEST_DEVICE)]
        crate::engines::test_device::READ_DELAY_HOOK.pass();
        // No lock held: the copy may fault and sleep.
        let copied = dest.copy_to_iter(&out);
        self.release(copied);
        if copied == 0 {
            return Err(EFAULT);
        }
        Ok(copied)
    }

    /// The ioctl's read: whole lines, at most `max` bytes; it waits for
    /// another reader's turn, never for text. `deliver` gets them and the
    /// count of lines ever dropped; only if it succeeds are they taken out
    /// of the ring, so a reader whose buffer faults loses nothing. It runs
    /// with no lock held.
    pub(crate) fn read_lines(
        &self,
        max: usize,
        deliver: impl FnOnce(&[u8], u64) -> Result,
    ) -> Result {
        let max = max.min(MAX_READ);
        let out = self.claim(max, Take::Lines, false, false)?;
        // Its own statement: the guard must be gone before `deliver` runs.
        let dropped_total = self.ring.lock().dropped_total;
        let Some(out) = out else {
            return deliver(&[], dropped_total);
        };
        #[cfg(CONFIG_UTRACE_TEST_DEVICE)]
        crate::engines::test_device::READ_DELAY_HOOK.pass();
        let result = deliver(&out, dropped_total);
        self.release(if result.is_ok() { out.len() } else { 0 });
        result
    }

    /// `poll(2)`: readable while there is text or a notice to take and no
    /// other reader is at work (a read would wait for its turn); hung up
    /// at the end of the trace.
    pub(crate) fn poll(&self, file: &File, table: PollTable<'_>) -> bindings::__poll_t {
        table.register_wait(file, &self.readable);
        let ring = self.ring.lock();
        if ring.reader_busy {
            0
        } else if ring.readable() {
            bindings::EPOLLIN | bindings::EPOLLRDNORM
        } else if ring.writers == 0 {
            bindings::EPOLLHUP
        } else {
            0
        }
    }
}

#[kunit_tests(utrace_trace_buf)]
mod tests {
    use super::*;

    fn unread(ring: &Ring) -> KVVec<u8> {
        let mut out = KVVec::with_capacity(ring.used, GFP_KERNEL).unwrap();
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
    fn the_notice_goes_where_the_gap_is() -> Result {
        let mut ring = Ring::new(MIN_CAPACITY)?;
        let cap = ring.capacity();
        let filler = KVec::from_elem(b'x', cap - 4, GFP_KERNEL)?;
        assert!(ring.push(&filler));
        assert!(ring.push(b"ab\n"));
        // One byte left: a line of two does not go in, not even in part;
        // nor does a line of one, which would need its notice before it.
        assert!(!ring.push(b"c\n"));
        assert!(!ring.push(b"\n"));
        assert_eq!(ring.used, cap - 1);
        assert_eq!((ring.dropped, ring.dropped_total), (2, 2));
        // Room again: the next line goes in after the notice of the gap.
        ring.consume(cap - 4);
        assert!(ring.push(b"d\n"));
        assert_eq!(&unread(&ring)[..], b"ab\n<utrace: 2 lines dropped>\nd\n");
        assert_eq!((ring.dropped, ring.dropped_total), (0, 2));
        Ok(())
    }

    #[test]
    fn a_gap_at_the_end_is_noticed_when_the_reader_gets_there() -> Result {
        let mut ring = Ring::new(MIN_CAPACITY)?;
        ring.dropped = 3;
        ring.dropped_total = 3;
        assert!(ring.readable());
        ring.flush_notice();
        assert_eq!(&unread(&ring)[..], b"<utrace: 3 lines dropped>\n");
        assert_eq!(ring.dropped, 0);
        // Nothing more to notice.
        ring.consume(usize::MAX);
        ring.flush_notice();
        assert!(!ring.readable());
        Ok(())
    }
}
