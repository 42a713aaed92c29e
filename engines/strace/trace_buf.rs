// SPDX-License-Identifier: GPL-2.0

//! The trace pipe between the strace engines of one `/dev/utrace` file and
//! its readers.
//!
//! Engines append whole [`Record`]s, each in its traced task; readers turn
//! them into text ([`render`]) in their own context and take bytes
//! (`read(2)`) or whole lines (the `UTRACE_READ` ioctl). When a record does
//! not fit, it is dropped and counted, never waited for: a slow reader
//! cannot hold up the traced program. The count is not lost either: a
//! [`Record::Dropped`] (`<utrace: N lines dropped>`) goes into the ring
//! where the gap is, with the first record that fits after it (or, if none
//! comes, once the reader has taken everything before the gap). It is a
//! line like any other, so the stream a reader gets is exact: each read
//! consumes what it copied; text rendered and not yet copied waits in
//! [`Ring::text`] for the next read.
//!
//! # Locking
//!
//! The records and counters are one [`Ring`] behind one spinlock,
//! [`TraceBuf::ring`] (lock class `utrace_strace::ring`). A traced task
//! holds it only to copy one record in; a reader only to copy one record
//! out into its own kernel buffer, and to hand its unread text back. It is
//! never held across rendering, a copy to user space, a sleep or an
//! allocation.
//!
//! A reader claims the ring ([`Ring::reader_busy`]) for the time of its
//! rendering and copy to user space, so that two readers of one file never
//! deliver the same text, without a lock the traced tasks take: a reader
//! whose buffer faults slowly (userfaultfd, FUSE) holds up the other
//! readers of its file, which wait interruptibly for their turn (poll()
//! does not call the file readable meanwhile), and nobody else. Its
//! buffers are allocated once it holds the claim, and charged to it.
//! Readers sleep on [`TraceBuf::readable`], which a writer notifies when
//! the ring stops being empty, a reader when it gives its claim up, and the
//! last writer when it is closed.
//!
//! Each strace engine writes through a [`Writer`], closed when the engine
//! is detached: it writes nothing after that (a callback still finishing
//! loses its record), so once every writer is closed and the ring is read,
//! the trace has ended for good.
//!
//! # Memory
//!
//! The ring is one kmalloc'ed block charged to the opener's memory cgroup
//! (`GFP_KERNEL_ACCOUNT`), between [`MIN_CAPACITY`] and [`MAX_CAPACITY`]
//! bytes. Its smallest size is above the page allocator's costly order, so
//! a charge or an allocation that fails returns ENOMEM to the opener and
//! never wakes an OOM killer (nor warns: a user chooses the size). Readers'
//! buffers are charged to the reader: the record and the text of one call
//! live for that call, and the text it rendered but did not deliver (at
//! most [`MAX_READ`] and a line) stays with the file until the next read.

use crate::engines::strace::line::{Line, LINE_MAX};
use crate::engines::strace::record::{Record, RECORD_MAX};
use crate::engines::strace::render::render;
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
/// Most bytes of records a reader takes out of the ring in one lock hold:
/// the longest record fits (else a reader would take nothing, forever).
const BATCH: usize = 16 * 1024;
const _: () = assert!(BATCH >= FRAME + RECORD_MAX);

/// Bytes of a record's length, before it in the ring.
const FRAME: usize = 4;

/// The records waiting for readers, and what they need to know about them.
///
/// A plain ring of records, each its length then its bytes: methods
/// without locks, so that its index arithmetic is tested on its own (the
/// `utrace_trace_buf` KUnit suite).
pub(crate) struct Ring {
    /// The storage; `bytes.len()` is the capacity, fixed until the ring is
    /// replaced whole.
    bytes: KVec<u8>,
    /// Index of the first unread byte.
    start: usize,
    /// Unread bytes, from `start` on, wrapping at the end of `bytes`.
    used: usize,
    /// Records dropped since the last notice went into the ring.
    dropped: u64,
    /// Records dropped in all.
    dropped_total: u64,
    /// Open [`Writer`]s: none, and the ring empty, is the end of the trace.
    writers: usize,
    /// A reader is rendering or copying text out and has not yet handed
    /// back what it did not deliver.
    reader_busy: bool,
    /// Text rendered from records and not yet delivered: the rest of what
    /// a read took. Only the reader holding the claim touches it (it takes
    /// it out while it works).
    text: KVVec<u8>,
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
            text: KVVec::new(),
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

    /// Whether a reader has something to take: text, a record, or a drop
    /// notice.
    pub(crate) fn readable(&self) -> bool {
        self.used > 0 || self.dropped > 0 || !self.text.is_empty()
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

    /// Appends one record made of `parts`, which fits.
    fn append_record(&mut self, parts: &[&[u8]]) {
        let len: usize = parts.iter().map(|p| p.len()).sum();
        self.append(&(len as u32).to_ne_bytes());
        for p in parts {
            self.append(p);
        }
    }

    /// Appends the record made of `parts` whole (at most [`RECORD_MAX`]
    /// bytes), after the notice of the records dropped before it if any
    /// (both, or neither); else drops and counts it. Returns whether it
    /// was appended.
    pub(crate) fn push(&mut self, parts: &[&[u8]]) -> bool {
        let len: usize = parts.iter().map(|p| p.len()).sum();
        // The notice is encoded only when there is one.
        let notice = (self.dropped > 0).then(|| {
            Record::Dropped {
                count: self.dropped,
            }
            .encode()
        });
        let notice = notice.as_ref().map(|n| n.parts());
        let notice_len = notice
            .as_ref()
            .map_or(0, |n| FRAME + n.iter().map(|p| p.len()).sum::<usize>());
        if len > RECORD_MAX || self.room() < notice_len + FRAME + len {
            self.dropped += 1;
            self.dropped_total += 1;
            return false;
        }
        if let Some(notice) = notice {
            self.append_record(&notice);
            self.dropped = 0;
        }
        self.append_record(parts);
        true
    }

    /// Appends the notice of the records dropped since the last one, if
    /// any and if it fits: for a reader that took everything before the
    /// gap, when no record followed it.
    fn flush_notice(&mut self) {
        if self.dropped == 0 {
            return;
        }
        let notice = Record::Dropped {
            count: self.dropped,
        }
        .encode();
        let notice = notice.parts();
        if self.room() >= FRAME + notice.iter().map(|p| p.len()).sum::<usize>() {
            self.append_record(&notice);
            self.dropped = 0;
        }
    }

    /// Copies `n` bytes from offset `at` of the unread bytes to `out`.
    fn copy_out(&self, at: usize, n: usize, out: &mut [u8]) {
        let from = self.wrap(self.start + at);
        let first = n.min(self.capacity() - from);
        out[..first].copy_from_slice(&self.bytes[from..from + first]);
        out[first..n].copy_from_slice(&self.bytes[..n - first]);
    }

    /// Takes the first records out, as many as `out` (emptied first) has
    /// capacity for and at most `max`, each still after its length:
    /// called under the ring's lock, this never allocates. Returns how
    /// many it took.
    fn pop(&mut self, out: &mut KVVec<u8>, max: usize) -> Result<usize> {
        out.clear();
        let mut taken = 0;
        while taken < max && self.used >= FRAME {
            let mut len = [0u8; FRAME];
            self.copy_out(0, FRAME, &mut len);
            let len = u32::from_ne_bytes(len) as usize;
            if len > RECORD_MAX || FRAME + len > self.used {
                // Never written so; drop the rest rather than read garbage.
                self.consume(self.used);
                return Err(EIO);
            }
            let at = out.len();
            if out.capacity() - at < FRAME + len {
                break;
            }
            out.resize(at + FRAME + len, 0, GFP_NOWAIT)?;
            self.copy_out(0, FRAME + len, &mut out[at..]);
            self.consume(FRAME + len);
            taken += 1;
        }
        Ok(taken)
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

/// The length of the longest run of whole lines at the start of `text`
/// that fits in `room` bytes.
fn whole_lines(text: &[u8], room: usize) -> usize {
    let n = room.min(text.len());
    text[..n]
        .iter()
        .rposition(|&c| c == b'\n')
        .map_or(0, |i| i + 1)
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
    /// Appends `record`, or drops and counts it; nothing once the writer
    /// is closed. Never allocates and never sleeps.
    pub(crate) fn push(&self, record: &Record<'_>) {
        // Encoded before the lock is taken: under it, only the copy.
        let encoded = record.encode();
        let mut ring = self.buf.ring.lock();
        if self.closed.load(Relaxed) {
            return;
        }
        let was_empty = !ring.readable();
        let pushed = ring.push(&encoded.parts());
        drop(ring);
        // Readers sleep only while the ring is empty (or for their turn,
        // which the reader that had it notifies): only the first record
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

    /// Waits for a turn to read and for something to read (unless
    /// `wait_for_text` is false), claims the ring and takes the text
    /// rendered before and not delivered. `Ok(None)`: nothing to take (the
    /// end of the trace, or an empty ring when not waiting for text). Once
    /// this returns the text, the caller must [`TraceBuf::release`] the
    /// claim with it.
    fn claim(&self, wait_for_text: bool, nowait: bool) -> Result<Option<KVVec<u8>>> {
        let mut ring = self.ring.lock();
        loop {
            if !ring.reader_busy {
                if ring.used == 0 {
                    // Everything before the gap is read: the notice of
                    // the records dropped since is next.
                    ring.flush_notice();
                }
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
        ring.reader_busy = true;
        Ok(Some(core::mem::take(&mut ring.text)))
    }

    /// Renders records, in the claim's holder's context and with no lock
    /// held, into `text` until it holds `want` bytes or the ring is empty.
    /// The records are taken out in batches, one lock hold each, and a
    /// record taken out is in `text` before this returns, even on error.
    fn fill(&self, text: &mut KVVec<u8>, want: usize) -> Result {
        if text.len() >= want {
            // What the last read left is enough (a reader a byte at a time).
            return Ok(());
        }
        let mut batch = KVVec::with_capacity(BATCH, GFP_KERNEL_ACCOUNT)?;
        let mut line = Line::new();
        while text.len() < want {
            // Room for the batch's lines first, so that records once taken
            // out are never lost to a failed allocation.
            let lines = ((want - text.len()) / LINE_MAX).max(1);
            text.reserve(lines * LINE_MAX, GFP_KERNEL_ACCOUNT)?;
            let taken = {
                let mut ring = self.ring.lock();
                if ring.used == 0 {
                    ring.flush_notice();
                }
                ring.pop(&mut batch, lines)
            }?;
            if taken == 0 {
                break;
            }
            let mut rest = &batch[..];
            while let Some((len, tail)) = rest.split_at_checked(FRAME) {
                let len = u32::from_ne_bytes([len[0], len[1], len[2], len[3]]) as usize;
                let Some((record, tail)) = tail.split_at_checked(len) else {
                    break;
                };
                rest = tail;
                line.clear();
                match Record::decode(record) {
                    Some(r) => render(&r, &mut line),
                    None => {
                        line.put_fmt(format_args!("<utrace: a record could not be read>"));
                        line.finish();
                    }
                }
                // `text` has room for it: this never allocates.
                text.extend_from_slice(line.as_bytes(), GFP_NOWAIT)?;
            }
        }
        Ok(())
    }

    /// Ends a claim: `delivered` bytes of `text` reached the reader, the
    /// rest waits for the next read.
    fn release(&self, mut text: KVVec<u8>, delivered: usize) {
        let delivered = delivered.min(text.len());
        let rest = text.len() - delivered;
        text.copy_within(delivered.., 0);
        text.truncate(rest);
        // An empty text is freed here, with no lock held.
        let text = if rest == 0 { KVVec::new() } else { text };
        let mut ring = self.ring.lock();
        // What the claim took out was empty: nothing is freed under the lock.
        ring.text = text;
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
        let text = loop {
            let Some(mut text) = self.claim(true, nowait)? else {
                return Ok(0);
            };
            let filled = self.fill(&mut text, max);
            if !text.is_empty() {
                break text;
            }
            // Nothing rendered: a failed allocation; or else the claim saw
            // text or a record, which always renders, so this is not a
            // loop that spins.
            self.release(text, 0);
            filled?;
        };
        #[cfg(CONFIG_UTRACE_TEST_DEVICE)]
        crate::engines::test_device::READ_DELAY_HOOK.pass();
        // No lock held: the copy may fault and sleep.
        let copied = dest.copy_to_iter(&text[..max.min(text.len())]);
        self.release(text, copied);
        if copied == 0 {
            return Err(EFAULT);
        }
        Ok(copied)
    }

    /// The ioctl's read: whole lines, at most `max` bytes; it waits for
    /// another reader's turn, never for text. `deliver` gets them and the
    /// count of lines ever dropped; only if it succeeds are they taken out
    /// of the pipe, so a reader whose buffer faults loses nothing. It runs
    /// with no lock held.
    pub(crate) fn read_lines(
        &self,
        max: usize,
        deliver: impl FnOnce(&[u8], u64) -> Result,
    ) -> Result {
        let max = max.min(MAX_READ);
        let text = self.claim(false, false)?;
        // Its own statement: the guard must be gone before `deliver` runs.
        let dropped_total = self.ring.lock().dropped_total;
        let Some(mut text) = text else {
            return deliver(&[], dropped_total);
        };
        if let Err(e) = self.fill(&mut text, max) {
            if text.is_empty() {
                self.release(text, 0);
                return Err(e);
            }
        }
        let n = whole_lines(&text, max);
        #[cfg(CONFIG_UTRACE_TEST_DEVICE)]
        crate::engines::test_device::READ_DELAY_HOOK.pass();
        let result = deliver(&text[..n], dropped_total);
        self.release(text, if result.is_ok() { n } else { 0 });
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

    /// The records in `ring`, each rendered, in order; the ring emptied.
    fn drain(ring: &mut Ring) -> KVVec<u8> {
        let mut text = KVVec::new();
        let mut record = KVVec::with_capacity(FRAME + RECORD_MAX, GFP_KERNEL).unwrap();
        let mut line = Line::new();
        loop {
            if ring.used == 0 {
                ring.flush_notice();
            }
            if ring.pop(&mut record, 1).unwrap() == 0 {
                return text;
            }
            line.clear();
            render(&Record::decode(&record[FRAME..]).unwrap(), &mut line);
            text.extend_from_slice(line.as_bytes(), GFP_KERNEL).unwrap();
        }
    }

    /// The end of a task that exited with `status` (its low byte shows).
    fn exit(status: i64) -> Record<'static> {
        Record::Exit {
            pid: None,
            code: status << 8,
        }
    }

    fn push(ring: &mut Ring, record: &Record<'_>) -> bool {
        ring.push(&record.encode().parts())
    }

    /// The bytes `record` takes in a ring.
    fn size(record: &Record<'_>) -> usize {
        FRAME
            + record
                .encode()
                .parts()
                .iter()
                .map(|p| p.len())
                .sum::<usize>()
    }

    #[test]
    fn records_wrap_around_the_end() -> Result {
        let mut ring = Ring::new(MIN_CAPACITY)?;
        let cap = ring.capacity();
        let one = size(&exit(0));
        // Fill to less than a record short of the end, read all, then
        // write across it.
        // (`checked_div`: a division's panic path for a zero divisor is
        // one objtool does not know as noreturn.)
        let n = cap.checked_div(one).unwrap_or(2) - 1;
        for i in 0..n {
            assert!(push(&mut ring, &exit(i as i64)));
        }
        drain(&mut ring);
        assert!(!ring.readable());
        // Emptied: the next record starts at the beginning again.
        assert_eq!(ring.start, 0);
        for i in 0..n {
            assert!(push(&mut ring, &exit(i as i64)));
        }
        let mut record = KVVec::with_capacity(FRAME + RECORD_MAX, GFP_KERNEL)?;
        for _ in 0..n - 1 {
            assert_eq!(ring.pop(&mut record, 1)?, 1);
        }
        // One left near the end; the next two go across it.
        assert!(push(&mut ring, &exit(7)));
        assert!(push(&mut ring, &exit(8)));
        assert!(ring.start + 3 * one > cap);
        assert_eq!(
            &drain(&mut ring)[..],
            alloc_fmt(format_args!(
                "+++ exited with {} +++\n+++ exited with 7 +++\n+++ exited with 8 +++\n",
                (n - 1) & 0xff
            ))
            .as_slice()
        );
        Ok(())
    }

    fn alloc_fmt(args: core::fmt::Arguments<'_>) -> KVVec<u8> {
        let mut line = Line::new();
        line.put_fmt(args);
        let mut v = KVVec::new();
        v.extend_from_slice(line.as_bytes(), GFP_KERNEL).unwrap();
        v
    }

    #[test]
    fn the_notice_goes_where_the_gap_is() -> Result {
        let mut ring = Ring::new(MIN_CAPACITY)?;
        let one = size(&exit(0));
        let mut pushed = 0;
        while push(&mut ring, &exit(1)) {
            pushed += 1;
        }
        // The one that did not fit is dropped, not in part; so is the
        // next.
        assert!(!push(&mut ring, &exit(2)));
        assert_eq!((ring.dropped, ring.dropped_total), (2, 2));
        assert!(ring.room() < one);
        // Room again: the next record goes in after the notice of the gap.
        // Several at once, as a reader takes them: as many as asked.
        let mut records = KVVec::with_capacity(MIN_CAPACITY, GFP_KERNEL)?;
        assert_eq!(ring.pop(&mut records, pushed - 1)?, pushed - 1);
        assert!(push(&mut ring, &exit(3)));
        assert_eq!(
            &drain(&mut ring)[..],
            b"+++ exited with 1 +++\n<utrace: 2 lines dropped>\n+++ exited with 3 +++\n"
        );
        assert_eq!((ring.dropped, ring.dropped_total), (0, 2));
        Ok(())
    }

    #[test]
    fn a_gap_at_the_end_is_noticed_when_the_reader_gets_there() -> Result {
        let mut ring = Ring::new(MIN_CAPACITY)?;
        ring.dropped = 3;
        ring.dropped_total = 3;
        assert!(ring.readable());
        assert_eq!(&drain(&mut ring)[..], b"<utrace: 3 lines dropped>\n");
        assert_eq!(ring.dropped, 0);
        // Nothing more to notice.
        assert!(!ring.readable());
        Ok(())
    }

    #[test]
    fn the_ring_holds_as_many_calls_as_it_held_lines() -> Result {
        // `getppid()` and its result took 47 bytes of text; a ring of
        // records must hold at least as many (review: 108-byte records
        // held half as many).
        use crate::engines::strace::record::{CallEnd, CallEntry};
        let mut ring = Ring::new(MIN_CAPACITY)?;
        let call = Record::Call {
            entry: CallEntry {
                pid: None,
                native: true,
                arch: 0,
                nr: crate::engines::strace::syscalls::syscall_nr("getppid").unwrap(),
                // What the registers held from the call before.
                args: [0x7ffc_1234_5678, 0x7f00_0000_1000, 4096, 8, 0, 0x0040_1122],
                sp: 0x7ffc_1234_5000,
                string_max: 32,
            },
            end: CallEnd::Returned {
                ret: 1234,
                decode_as: 110,
            },
            captures: (&[], &[]),
        };
        let mut n = 0;
        while push(&mut ring, &call) {
            n += 1;
        }
        assert!(n >= MIN_CAPACITY / 47);
        Ok(())
    }

    #[test]
    fn a_record_too_long_is_dropped_whole() -> Result {
        let mut ring = Ring::new(MIN_CAPACITY)?;
        let big = KVec::from_elem(0u8, RECORD_MAX + 1, GFP_KERNEL)?;
        assert!(!ring.push(&[&big]));
        assert_eq!((ring.used, ring.dropped), (0, 1));
        Ok(())
    }

    #[test]
    fn whole_lines_stop_at_the_last_newline_that_fits() {
        assert_eq!(whole_lines(b"ab\ncd\n", 100), 6);
        assert_eq!(whole_lines(b"ab\ncd\n", 5), 3);
        assert_eq!(whole_lines(b"ab\ncd\n", 2), 0);
        assert_eq!(whole_lines(b"", 10), 0);
    }
}
