// SPDX-License-Identifier: GPL-2.0

//! The trace pipe between the strace engines of one `/dev/utrace` file and
//! its readers.
//!
//! Engines append whole [`Record`]s, each in its traced task, into the
//! ring of the CPU it runs on ([`CpuRing`]), without a lock; readers merge
//! the rings in the order the records were written, turn them into text
//! ([`render`]) in their own context, and take bytes (`read(2)`) or whole
//! lines (the `UTRACE_READ` ioctl). When a record fits in no ring, it is
//! dropped and counted, never waited for: a slow reader cannot hold up the
//! traced program. The count is not lost either: a [`Record::Dropped`]
//! (`<utrace: N lines dropped>`) goes where the gap is, before the next
//! record written in that ring (or, if none comes, once the reader has
//! taken everything before it). It is a line like any other, so the
//! stream a reader gets is exact: each read consumes what it copied; text
//! rendered and not yet copied waits in the reader's [`Scratch`] for the
//! next read.
//!
//! # Locking and ordering
//!
//! A traced task takes no lock: it tries the claim of its CPU's ring (of
//! another CPU's if a preempted task holds it, or if it is full), writes,
//! and gives the claim back ([`cpu_ring`](super::cpu_ring) says how the
//! ring's indices are ordered). It takes the reader's lock only to wake a
//! reader that announced it waits ([`TraceBuf::waiting`]).
//!
//! The reader's side is one [`Reader`] behind one spinlock,
//! [`TraceBuf::reader`] (lock class `utrace_strace::reader`): the claim a
//! reader holds while it renders and copies out, its undelivered text,
//! the open writers and the current rings. It is never held across
//! rendering, a copy to user space, a sleep or an allocation.
//!
//! A reader claims the pipe ([`Reader::busy`]) for the time of its
//! rendering and copy to user space, so that two readers of one file never
//! deliver the same text and each ring has one consumer: a reader whose
//! buffer faults slowly (userfaultfd, FUSE) holds up the other readers of
//! its file, which wait interruptibly for their turn (poll() does not call
//! the file readable meanwhile), and nobody else.
//!
//! Barriers, each with its pair:
//! - A reader or poller that finds nothing sets [`TraceBuf::waiting`], then
//!   a full barrier, then looks at the rings again before it sleeps; a
//!   producer publishes its record, gives its claim back (a fully ordered
//!   xchg), then reads `waiting`: either the reader sees the record, or the
//!   producer sees `waiting` and wakes it (under the reader's lock, so the
//!   wake-up cannot fall between the reader's look and its sleep).
//! - [`Writer::close`] sets `closed` with a fully ordered xchg, under the
//!   reader's lock; a producer checks `closed` after it took a claim (a
//!   fully ordered cmpxchg). The reader declares the end of the trace when
//!   no writer is open, and, after a full barrier, no ring is claimed or
//!   holds a record: a producer that saw `closed` clear is then seen
//!   holding its claim, and its record comes before the end, never after.
//!
//! Each strace engine writes through a [`Writer`], closed when the engine
//! is detached: it writes nothing after that (a callback still finishing
//! loses its record), so once every writer is closed and the rings are
//! read, the trace has ended for good.
//!
//! # Memory
//!
//! Each possible CPU has a ring, its share of the buffer's size (64 KiB
//! unless `UTRACE_SET_BUFFER` sets 64 KiB .. 4 MiB) and at least 64 KiB,
//! rounded up to a power of two, kmalloc'ed and charged to the opener's
//! memory cgroup (`GFP_KERNEL_ACCOUNT`): a task that fills its CPU's ring
//! goes on in the others, so one traced task has them all. Each is above
//! the page allocator's costly order, so a charge
//! or an allocation that fails returns ENOMEM to the opener and never
//! wakes an OOM killer (nor warns: a user chooses the size). Readers'
//! buffers ([`Scratch`]) are charged to the reader who first needed them
//! and stay with the file until it is closed: a block of [`BATCH`] bytes
//! for records and one of [`MAX_READ`] for text, never grown, where the
//! text a read rendered but did not deliver waits for the next read.

use crate::engines::strace::cpu_ring::{records, CpuRing, FRAME};
use crate::engines::strace::line::{Line, LINE_MAX};
use crate::engines::strace::record::{Record, RECORD_MAX};
use crate::engines::strace::render::render;
use kernel::bindings;
use kernel::cpu::{nr_cpu_ids, CpuId};
use kernel::fs::File;
use kernel::iov::IovIterDest;
use kernel::prelude::*;
use kernel::sync::atomic::{Atomic, AtomicFlag, Full, Relaxed};
use kernel::sync::barrier::smp_mb;
use kernel::sync::poll::{PollCondVar, PollTable};
use kernel::sync::{Arc, SpinLock};

/// The buffer's size when the file is opened.
pub(crate) const DEFAULT_CAPACITY: usize = 64 * 1024;
/// The smallest size `UTRACE_SET_BUFFER` takes: an order-4 block, so that a
/// refused allocation is ENOMEM and never an OOM kill.
pub(crate) const MIN_CAPACITY: usize = 64 * 1024;
/// The largest: kmalloc's largest block on x86_64 (`KMALLOC_MAX_SIZE`).
pub(crate) const MAX_CAPACITY: usize = 4 * 1024 * 1024;
/// Most bytes one read hands out.
pub(crate) const MAX_READ: usize = 64 * 1024;
/// Most bytes of records a reader takes out at once: the longest record
/// fits (else a reader would take nothing, forever).
const BATCH: usize = 16 * 1024;
const _: () = assert!(BATCH >= FRAME + RECORD_MAX + 8);

/// The rings of a pipe, one per possible CPU.
pub(crate) struct Rings {
    cpus: KVec<CpuRing>,
    /// The buffer's size, as asked.
    size: usize,
}

impl Rings {
    /// Rings for a buffer of `size` bytes: one per possible CPU, each its
    /// share of the size and at least [`MIN_CAPACITY`] (so that a refused
    /// allocation is ENOMEM, never an OOM kill). A task that fills its
    /// CPU's ring goes on in the others: one task has the whole size.
    fn new(size: usize) -> Result<Arc<Rings>> {
        let n = nr_cpu_ids().max(1) as usize;
        let each = (size / n).max(MIN_CAPACITY);
        let mut cpus = KVec::with_capacity(n, GFP_KERNEL_ACCOUNT)?;
        for _ in 0..n {
            cpus.push(CpuRing::new(each)?, GFP_KERNEL_ACCOUNT)?;
        }
        Ok(Arc::new(Rings { cpus, size }, GFP_KERNEL_ACCOUNT)?)
    }

    /// Whether a record waits in some ring.
    fn readable(&self) -> bool {
        self.cpus.iter().any(|c| !c.is_empty())
    }

    /// Whether a producer holds some ring.
    fn claimed(&self) -> bool {
        self.cpus.iter().any(|c| c.claimed())
    }

    /// The rings in the order a producer on CPU `here` tries them: its
    /// own first.
    fn from(&self, here: usize) -> impl Iterator<Item = &CpuRing> {
        let (earlier, from_here) = self.cpus.split_at(here.min(self.cpus.len()));
        Iterator::chain(from_here.iter(), earlier.iter())
    }

    /// Takes out, into `out`, at most `max` records (fewer if `out` has no
    /// room) in the order of their sequence numbers; returns how many.
    /// The claim's holder only.
    fn merge(&self, out: &mut KVVec<u8>, max: usize) -> Result<usize> {
        let mut taken = 0;
        while taken < max {
            // Twice over the rings: a record written before the one the
            // first pass found (by a task that then moved to another CPU)
            // is published before it, so the second pass, whose loads come
            // after the first pass's acquire of that one, sees it.
            let mut first: Option<(usize, u32)> = None;
            for _ in 0..2 {
                for (i, ring) in self.cpus.iter().enumerate() {
                    if let Some(seq) = ring.peek() {
                        if first.is_none_or(|(_, s)| (seq.wrapping_sub(s) as i32) < 0) {
                            first = Some((i, seq));
                        }
                    }
                }
            }
            let Some((i, _)) = first else {
                break;
            };
            if !self.cpus[i].pop(out)? {
                break;
            }
            taken += 1;
        }
        Ok(taken)
    }
}

/// The reader's side of a pipe.
pub(crate) struct Reader {
    /// The rings readers take from and new writers write to.
    rings: Arc<Rings>,
    /// Open [`Writer`]s: none, and nothing left, is the end of the trace.
    writers: usize,
    /// A reader is rendering or copying text out and has not yet handed
    /// back what it did not deliver.
    busy: bool,
    /// Text rendered from records and not yet delivered (the rest of what
    /// a read took), and the reader's buffers. Only the reader holding the
    /// claim touches it (it takes it out while it works).
    scratch: Scratch,
}

/// What a reader works in, kept from one read to the next: allocated by
/// the first read and freed with the file: [`BATCH`] bytes of records and
/// [`MAX_READ`] of text, each allocated once at that size and never grown
/// (a vector left to grow could have doubled to a 256 KiB block: the
/// review), charged to the reader. When each read
/// allocated and freed them (page-allocator blocks both), the page
/// allocator took 7.7% of a profile of strace over the VM with a reader
/// draining (`qemu-ci/profile.sh`); kept, 0.4%.
#[derive(Default)]
struct Scratch {
    /// Rendered text; what a read did not deliver stays at its start.
    /// Its capacity is 0 or [`MAX_READ`].
    text: KVVec<u8>,
    /// The records a read takes out of the rings at once
    /// ([`Rings::merge`]), cleared before each merge.
    batch: KVVec<u8>,
}

impl Reader {
    /// Whether a reader has something to take: text, a record, or the
    /// notice of records dropped (`drops`, the pipe's count).
    fn readable(&self, drops: &Atomic<u64>) -> bool {
        !self.scratch.text.is_empty() || self.rings.readable() || drops.load(Relaxed) > 0
    }

    /// Whether the trace has ended: no writer, nothing left, no producer
    /// at work (see the module's barriers).
    fn ended(&self, drops: &Atomic<u64>) -> bool {
        if self.writers > 0 || !self.scratch.text.is_empty() {
            return false;
        }
        // Pairs with the fully ordered xchg of `closed` in `Writer::close`
        // and the producer's fully ordered cmpxchg of its claim.
        smp_mb();
        !self.rings.claimed() && !self.readable(drops)
    }
}

/// The trace pipe of one `/dev/utrace` file.
#[pin_data]
pub(crate) struct TraceBuf {
    /// The reader's side, and what attach, close and resize change.
    #[pin]
    reader: SpinLock<Reader>,
    /// Readers wait here, for text, for their turn or for the end of the
    /// trace; `poll()` registers here.
    #[pin]
    readable: PollCondVar,
    /// The next record's sequence number: the order readers merge in.
    seq: Atomic<u32>,
    /// A reader or poller found nothing and may sleep: a producer that
    /// publishes a record wakes it (see the module's barriers).
    waiting: AtomicFlag,
    /// Records dropped since the last notice: a producer that drops adds
    /// to it; the next one that writes, or the reader that finds the rings
    /// empty, takes it (an xchg each: no drop counted twice or lost).
    drops: Atomic<u64>,
    /// Records dropped in all.
    dropped_total: Atomic<u64>,
}

/// One strace engine's end of a [`TraceBuf`]: the pipe's end comes once
/// every writer is closed ([`Writer::close`], or dropped).
pub(crate) struct Writer {
    buf: Arc<TraceBuf>,
    /// The rings it writes to: those of its attach. A resize replaces the
    /// pipe's only when no writer is open, and a closed writer writes
    /// nothing, so it never writes to rings nobody reads.
    rings: Arc<Rings>,
    /// Closed: it writes nothing more and is counted out of the pipe's
    /// writers (see the module's barriers).
    closed: AtomicFlag,
}

impl Writer {
    /// Appends `record`, or drops and counts it; nothing once the writer
    /// is closed. Never allocates, never sleeps, takes no lock unless a
    /// reader waits.
    pub(crate) fn push(&self, record: &Record<'_>) {
        self.push_with(record, || {})
    }

    /// [`Writer::push`], running `before_claim` just before it tries the
    /// first ring: where the KUnit cases put what races with it.
    fn push_with(&self, record: &Record<'_>, before_claim: impl FnOnce()) {
        if self.closed.load(Relaxed) {
            return;
        }
        let encoded = record.encode();
        let parts = encoded.parts();
        // Where the task runs now, or ran a moment ago: any ring will do,
        // its own is the one no other CPU's tasks write to.
        let here = CpuId::current().as_u32() as usize;
        before_claim();
        // The first ring claimed stays claimed until the end: the count of
        // records dropped moves only under a claim, so that a reader that
        // finds no claim finds the count too (see the module's barriers).
        let mut first = None;
        // Records dropped before this one (by any writer of the pipe):
        // their notice goes just before it.
        let mut notice = 0;
        for ring in self.rings.from(here) {
            let Some(claim) = ring.try_claim() else {
                continue;
            };
            if first.is_none() {
                // After the claim: a close before it is seen here.
                if self.closed.load(Relaxed) {
                    drop(claim);
                    self.wake_if_waiting();
                    return;
                }
                notice = self.buf.take_drops();
            }
            // The notice with its record, or neither (second review: a
            // notice alone per record dropped in a gap).
            let written = if notice > 0 {
                let n = Record::Dropped { count: notice }.encode();
                claim.write_all(&self.buf.seq, &[&n.parts(), &parts])
            } else {
                claim.write_all(&self.buf.seq, &[&parts])
            };
            if written {
                drop(claim);
                drop(first);
                self.wake_if_waiting();
                return;
            }
            if first.is_none() {
                first = Some(claim);
            }
        }
        // Every ring full, or held by other producers.
        self.buf.dropped_total.add(1, Relaxed);
        if first.is_some() {
            // Giving the claim back orders the count before the look of a
            // reader that finds it free.
            self.buf.count_drops(notice + 1);
        } else {
            // No claim had (each ring held at that moment): counted under
            // the reader's lock, where `close` sets `closed` and the end is
            // judged, unless the writer is closed: so never after the end
            // (second review: the notice was lost).
            let r = self.buf.reader.lock();
            if !self.closed.load(Relaxed) {
                self.buf.count_drops(1);
            }
            drop(r);
        }
        drop(first);
        self.wake_if_waiting();
    }

    /// Wakes the readers and pollers if one announced it waits. Called
    /// after a claim was given back (fully ordered: see the module's
    /// barriers).
    fn wake_if_waiting(&self) {
        if self.buf.waiting.load(Relaxed) {
            self.buf.wake();
        }
    }

    /// Another writer to the same pipe (for a followed child); `ESRCH`
    /// once this one is closed: a trace that has ended stays ended
    /// (review: a child followed while its parent's engine was detached
    /// reopened it).
    pub(crate) fn another(&self) -> Result<Writer> {
        let mut r = self.buf.reader.lock();
        // Under the lock `close` sets it under.
        if self.closed.load(Relaxed) {
            return Err(ESRCH);
        }
        r.writers += 1;
        Ok(Writer {
            buf: self.buf.clone(),
            rings: self.rings.clone(),
            closed: AtomicFlag::new(false),
        })
    }

    /// This engine writes no more (it is detached): readers may see the
    /// end of the trace. Only the first call counts.
    pub(crate) fn close(&self) {
        let mut r = self.buf.reader.lock();
        // Fully ordered: pairs with a producer's claim (see the module).
        if self.closed.xchg(true, Full) {
            return;
        }
        r.writers -= 1;
        let last = r.writers == 0;
        drop(r);
        if last {
            // Readers waiting on an empty pipe see its end.
            self.buf.wake();
        }
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        self.close();
    }
}

impl TraceBuf {
    /// A new, empty pipe with rings of [`DEFAULT_CAPACITY`] bytes.
    pub(crate) fn new() -> Result<Arc<TraceBuf>> {
        let reader = Reader {
            rings: Rings::new(DEFAULT_CAPACITY)?,
            writers: 0,
            busy: false,
            scratch: Scratch::default(),
        };
        Arc::pin_init(
            pin_init!(TraceBuf {
                reader <- kernel::new_spinlock!(reader, "utrace_strace::reader"),
                readable <- kernel::new_poll_condvar!("utrace_strace::readable"),
                seq: Atomic::new(0),
                waiting: AtomicFlag::new(false),
                drops: Atomic::new(0),
                dropped_total: Atomic::new(0),
            }),
            GFP_KERNEL_ACCOUNT,
        )
    }

    /// Counts `n` records dropped for want of room (or of a free ring).
    fn count_drops(&self, n: u64) {
        if n > 0 {
            self.drops.add(n, Relaxed);
        }
    }

    /// Takes the count of records dropped since the last notice: a plain
    /// load first, so that a pipe without drops costs no locked
    /// instruction.
    fn take_drops(&self) -> u64 {
        if self.drops.load(Relaxed) == 0 {
            return 0;
        }
        self.drops.xchg(0, Relaxed)
    }

    /// Wakes every reader and poller; they announce again if they sleep
    /// again.
    fn wake(&self) {
        let guard = self.reader.lock();
        self.waiting.store(false, Relaxed);
        drop(guard);
        self.readable.notify_all();
    }

    /// A new writer (one strace engine's end of the pipe): until it is
    /// closed, an empty pipe is not at its end.
    pub(crate) fn writer(self: &Arc<Self>) -> Writer {
        let mut r = self.reader.lock();
        r.writers += 1;
        Writer {
            buf: self.clone(),
            rings: r.rings.clone(),
            closed: AtomicFlag::new(false),
        }
    }

    /// Replaces the rings by empty ones of `capacity` bytes each. Only
    /// while no writer is open, nothing is unread and no reader is at
    /// work: EBUSY otherwise, and EINVAL for a size out of bounds.
    pub(crate) fn set_capacity(&self, capacity: usize) -> Result {
        self.set_capacity_with(capacity, |_| {})
    }

    /// [`TraceBuf::set_capacity`], running `between(0)` while it allocates
    /// and `between(1)` between its looks at the contents and the claims:
    /// where the KUnit cases put what races with it.
    fn set_capacity_with(&self, capacity: usize, mut between: impl FnMut(u32)) -> Result {
        if !(MIN_CAPACITY..=MAX_CAPACITY).contains(&capacity) {
            return Err(EINVAL);
        }
        let busy = |r: &Reader, between: &mut dyn FnMut(u32)| {
            // The claims before the contents, as `Reader::ended` looks: a
            // producer that saw its writer open either still holds its
            // claim, or has published (second review: contents first
            // missed a record published between the looks).
            r.writers > 0
                || r.busy
                || {
                    smp_mb();
                    r.rings.claimed()
                }
                || {
                    between(1);
                    r.readable(&self.drops)
                }
        };
        // Before allocating: a refused resize costs no allocation.
        if busy(&self.reader.lock(), &mut between) {
            return Err(EBUSY);
        }
        between(0);
        let new = Rings::new(capacity)?;
        let mut r = self.reader.lock();
        if busy(&r, &mut between) {
            drop(r);
            drop(new);
            return Err(EBUSY);
        }
        let old = core::mem::replace(&mut r.rings, new);
        drop(r);
        // The old rings are freed here (or by the last closed writer that
        // still holds them), with no lock held.
        drop(old);
        Ok(())
    }

    /// The buffer's size in bytes, as asked (its rings hold at least
    /// that).
    pub(crate) fn capacity(&self) -> usize {
        self.reader.lock().rings.size
    }

    /// Waits for a turn to read and for something to read (unless
    /// `wait_for_text` is false), claims the pipe and takes the reader's
    /// scratch (with the text rendered before and not delivered) and the
    /// rings. `Ok(None)`: nothing to take (the end of the trace, or nothing
    /// when not waiting for text). Once this returns the scratch, the
    /// caller must [`TraceBuf::release`] the claim with it.
    fn claim(&self, wait_for_text: bool, nowait: bool) -> Result<Option<(Scratch, Arc<Rings>)>> {
        let mut r = self.reader.lock();
        let mut announced = false;
        loop {
            if !r.busy {
                if r.readable(&self.drops) {
                    break;
                }
                if !wait_for_text || r.ended(&self.drops) {
                    return Ok(None);
                }
            }
            if !announced {
                // Then look again: pairs with a producer's release of its
                // claim before it reads `waiting`.
                self.waiting.store(true, Relaxed);
                smp_mb();
                announced = true;
                continue;
            }
            if nowait {
                return Err(EAGAIN);
            }
            if self.readable.wait_interruptible(&mut r) {
                return Err(ERESTARTSYS);
            }
            announced = false;
        }
        r.busy = true;
        let scratch = core::mem::take(&mut r.scratch);
        Ok(Some((scratch, r.rings.clone())))
    }

    /// Renders records, in the claim's holder's context and with no lock
    /// held, into the scratch's text until it holds `want` bytes, its block
    /// has no room for another line, or the rings are empty. The records
    /// are taken out in batches, and a record taken out is in the text
    /// before this returns, even on error (but for a ring found corrupt:
    /// `merge`'s EIO loses the batch taken before it).
    fn fill(&self, rings: &Rings, scratch: &mut Scratch, want: usize) -> Result {
        let Scratch { text, batch } = scratch;
        if text.len() >= want {
            // What the last read left is enough (a reader a byte at a time).
            return Ok(());
        }
        // Both at their whole size the first time, so that nothing below
        // allocates (records once taken out are never lost to a failed
        // allocation) and nothing grows: charged to the reader, kept for
        // the next reads. A vector asked for its whole size from empty
        // gets exactly that.
        if text.capacity() < MAX_READ {
            text.reserve(MAX_READ - text.len(), GFP_KERNEL_ACCOUNT)?;
        }
        if batch.capacity() < BATCH {
            batch.reserve(BATCH, GFP_KERNEL_ACCOUNT)?;
        }
        let mut line = Line::new();
        while text.len() < want {
            // As many lines as the read still wants and the room left holds
            // (a line is at most LINE_MAX); a read may get less than it
            // asked, never a line cut.
            let room = (text.capacity() - text.len()) / LINE_MAX;
            if room == 0 {
                break;
            }
            let lines = ((want - text.len()) / LINE_MAX).clamp(1, room);
            batch.clear();
            if rings.merge(batch, lines)? == 0 {
                // Everything before the gap is read: its notice.
                let dropped = self.take_drops();
                if dropped == 0 {
                    break;
                }
                line.clear();
                render(&Record::Dropped { count: dropped }, &mut line);
                text.extend_from_slice(line.as_bytes(), GFP_NOWAIT)?;
                continue;
            }
            for record in records(batch) {
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

    /// Ends a claim: `delivered` bytes of the scratch's text reached the
    /// reader, the rest waits for the next read. The scratch goes back,
    /// its buffers kept.
    fn release(&self, mut scratch: Scratch, delivered: usize) {
        let text = &mut scratch.text;
        let delivered = delivered.min(text.len());
        let rest = text.len() - delivered;
        text.copy_within(delivered.., 0);
        text.truncate(rest);
        let mut r = self.reader.lock();
        // What the claim took out was an empty default: nothing is freed
        // under the lock.
        r.scratch = scratch;
        r.busy = false;
        drop(r);
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
        let scratch = loop {
            let Some((mut scratch, rings)) = self.claim(true, nowait)? else {
                return Ok(0);
            };
            let filled = self.fill(&rings, &mut scratch, max);
            if !scratch.text.is_empty() {
                break scratch;
            }
            // Nothing rendered: a failed allocation; or else the claim saw
            // text, a record or a count, which always renders, so this is
            // not a loop that spins.
            self.release(scratch, 0);
            filled?;
        };
        #[cfg(CONFIG_UTRACE_TEST_DEVICE)]
        crate::engines::test_device::READ_DELAY_HOOK.pass();
        // No lock held: the copy may fault and sleep.
        let text = &scratch.text;
        let copied = dest.copy_to_iter(&text[..max.min(text.len())]);
        self.release(scratch, copied);
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
        let claimed = self.claim(false, false)?;
        let dropped_total = self.dropped_total.load(Relaxed);
        let Some((mut scratch, rings)) = claimed else {
            return deliver(&[], dropped_total);
        };
        if let Err(e) = self.fill(&rings, &mut scratch, max) {
            if scratch.text.is_empty() {
                self.release(scratch, 0);
                return Err(e);
            }
        }
        let n = whole_lines(&scratch.text, max);
        #[cfg(CONFIG_UTRACE_TEST_DEVICE)]
        crate::engines::test_device::READ_DELAY_HOOK.pass();
        let result = deliver(&scratch.text[..n], dropped_total);
        self.release(scratch, if result.is_ok() { n } else { 0 });
        result
    }

    /// `poll(2)`: readable while there is something to take and no other
    /// reader is at work (a read would wait for its turn); hung up at the
    /// end of the trace.
    pub(crate) fn poll(&self, file: &File, table: PollTable<'_>) -> bindings::__poll_t {
        table.register_wait(file, &self.readable);
        self.poll_mask(|| {})
    }

    /// `poll(2)`'s answer, once registered; `between` runs, under the
    /// reader's lock, between the first look and the announcement: where
    /// the KUnit cases put what races with it.
    fn poll_mask(&self, between: impl FnOnce()) -> bindings::__poll_t {
        let r = self.reader.lock();
        if r.busy {
            return 0;
        }
        if !r.readable(&self.drops) {
            if r.ended(&self.drops) {
                return bindings::EPOLLHUP;
            }
            between();
            // Announce, then look again (see `claim`): for a record, and
            // for the end, which a producer's letting go of its claim may
            // have brought meanwhile (review: poll never saw EPOLLHUP).
            self.waiting.store(true, Relaxed);
            smp_mb();
            if !r.readable(&self.drops) {
                return if r.ended(&self.drops) {
                    bindings::EPOLLHUP
                } else {
                    0
                };
            }
        }
        bindings::EPOLLIN | bindings::EPOLLRDNORM
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

#[kunit_tests(utrace_trace_buf)]
mod tests {
    use super::*;
    use crate::engines::strace::record::{CallEnd, CallEntry};

    /// The end of a task that exited with `status` (its low byte shows).
    fn exit(status: i64) -> Record<'static> {
        Record::Exit {
            pid: None,
            code: status << 8,
        }
    }

    /// Text of at least `want` bytes (less if the pipe has less), as a
    /// reader takes it, left with the pipe.
    fn take(buf: &TraceBuf, want: usize) -> KVVec<u8> {
        let (mut scratch, rings) = buf.claim(false, true).unwrap().unwrap();
        buf.fill(&rings, &mut scratch, want).unwrap();
        let mut out = KVVec::new();
        out.extend_from_slice(&scratch.text, GFP_KERNEL).unwrap();
        buf.release(scratch, out.len());
        out
    }

    /// All the text the pipe has, as readers take it.
    fn drain(buf: &TraceBuf) -> KVVec<u8> {
        let mut all = KVVec::new();
        while buf.reader.lock().readable(&buf.drops) {
            let got = take(buf, MAX_READ);
            all.extend_from_slice(&got, GFP_KERNEL).unwrap();
        }
        all
    }

    fn contains(hay: &[u8], needle: &[u8]) -> bool {
        hay.windows(needle.len()).any(|w| w == needle)
    }

    #[test]
    fn rings_are_merged_in_the_order_records_were_written() -> Result {
        let rings = Rings::new(MIN_CAPACITY)?;
        if rings.cpus.len() < 2 {
            return Ok(());
        }
        // A task that wrote on CPU 1, then CPU 0, then CPU 1 again.
        let seq = Atomic::new(7u32);
        let written = |cpu: usize, status: i64| {
            let e = exit(status).encode();
            assert!(rings.cpus[cpu].try_claim().unwrap().write(&seq, &e.parts()));
        };
        written(1, 1);
        written(0, 2);
        written(1, 3);
        let mut out = KVVec::with_capacity(BATCH, GFP_KERNEL)?;
        assert_eq!(rings.merge(&mut out, 10)?, 3);
        let mut statuses = KVec::new();
        for record in records(&out) {
            match Record::decode(record) {
                Some(Record::Exit { code, .. }) => statuses.push(code >> 8, GFP_KERNEL)?,
                _ => panic!("not an exit"),
            }
        }
        assert_eq!(&statuses[..], &[1, 2, 3]);
        Ok(())
    }

    #[test]
    fn the_notice_goes_where_the_gap_is() -> Result {
        let buf = TraceBuf::new()?;
        let w = buf.writer();
        // Every ring full: the next two are dropped.
        let mut pushed = 0;
        while buf.dropped_total.load(Relaxed) == 0 {
            w.push(&exit(1));
            pushed += 1;
        }
        w.push(&exit(2));
        assert_eq!(buf.dropped_total.load(Relaxed), 2);
        // Room again in every ring (more than half of them is read), and a
        // record after the gap: its notice before it.
        let line = b"+++ exited with 1 +++\n".len();
        let mut seen = take(&buf, line * (pushed - 1) / 2 + line).len();
        w.push(&exit(3));
        let rest = drain(&buf);
        seen += rest.len();
        assert!(contains(
            &rest,
            b"<utrace: 2 lines dropped>\n+++ exited with 3 +++\n"
        ));
        assert!(seen > line * (pushed - 1));
        Ok(())
    }

    #[test]
    fn a_reader_keeps_its_buffers_from_one_read_to_the_next() -> Result {
        let buf = TraceBuf::new()?;
        let w = buf.writer();
        let buffers = |buf: &TraceBuf| {
            let r = buf.reader.lock();
            let s = &r.scratch;
            (
                s.text.as_ptr(),
                s.text.capacity(),
                s.batch.as_ptr(),
                s.batch.capacity(),
            )
        };
        w.push(&exit(1));
        assert_eq!(&take(&buf, MAX_READ)[..], b"+++ exited with 1 +++\n");
        let first = buffers(&buf);
        assert_eq!((first.1, first.3), (MAX_READ, BATCH));
        // A second read renders into the same blocks: it allocates nothing.
        w.push(&exit(2));
        assert_eq!(&take(&buf, MAX_READ)[..], b"+++ exited with 2 +++\n");
        assert!(buffers(&buf) == first);
        // Empty between reads: nothing is read twice.
        assert!(!buf.reader.lock().readable(&buf.drops));
        // More than a read's worth, and a read that delivers only a little
        // of it (a copy that faulted): the text left and the next read's
        // lines share the same block, which never grows (review: a vector
        // left to grow reached 131,156 bytes that way).
        while buf.dropped_total.load(Relaxed) == 0 {
            w.push(&exit(3));
        }
        for delivered in [100, usize::MAX] {
            let (mut scratch, rings) = buf.claim(false, true)?.ok_or(EINVAL)?;
            buf.fill(&rings, &mut scratch, MAX_READ)?;
            // 100 bytes delivered leave the rest for the next round.
            assert!(scratch.text.len() > 100 && scratch.text.len() <= MAX_READ);
            buf.release(scratch, delivered);
            assert!(buffers(&buf) == first);
        }
        Ok(())
    }

    #[test]
    fn a_gap_at_the_end_is_noticed_when_the_reader_gets_there() -> Result {
        let buf = TraceBuf::new()?;
        buf.count_drops(3);
        assert!(buf.reader.lock().readable(&buf.drops));
        assert_eq!(&drain(&buf)[..], b"<utrace: 3 lines dropped>\n");
        assert!(!buf.reader.lock().readable(&buf.drops));
        Ok(())
    }

    #[test]
    fn the_end_waits_for_a_producer_still_writing() -> Result {
        let buf = TraceBuf::new()?;
        let w = buf.writer();
        assert!(!buf.reader.lock().ended(&buf.drops));
        let rings = buf.reader.lock().rings.clone();
        // A producer that took its claim before the close.
        let claim = rings.cpus[0].try_claim().unwrap();
        w.close();
        assert!(!buf.reader.lock().ended(&buf.drops));
        drop(claim);
        assert!(buf.reader.lock().ended(&buf.drops));
        // A closed writer writes nothing.
        w.push(&exit(1));
        assert!(buf.reader.lock().ended(&buf.drops));
        Ok(())
    }

    #[test]
    fn poll_sees_the_end_when_the_last_producer_lets_go_meanwhile() -> Result {
        // A producer still finishing holds a claim at the first look; it
        // lets go (finding its writer closed, writing nothing) before the
        // poller announces that it waits: nobody will wake it (review).
        let buf = TraceBuf::new()?;
        let w = buf.writer();
        let rings = buf.reader.lock().rings.clone();
        let claim = rings.cpus[0].try_claim().unwrap();
        w.close();
        assert_eq!(buf.poll_mask(|| drop(claim)), bindings::EPOLLHUP);
        Ok(())
    }

    #[test]
    fn no_drop_count_comes_after_the_end() -> Result {
        // Drops counted while the writer was open; a push takes them, and
        // the close and a reader's look at the end come before it claims
        // a ring (review: the reader saw the end, then the notice).
        let buf = TraceBuf::new()?;
        let w = buf.writer();
        buf.count_drops(2);
        let mut ended_meanwhile = None;
        w.push_with(&exit(1), || {
            w.close();
            ended_meanwhile = Some(buf.reader.lock().ended(&buf.drops));
        });
        assert_eq!(ended_meanwhile, Some(false));
        assert_eq!(&drain(&buf)[..], b"<utrace: 2 lines dropped>\n");
        assert!(buf.reader.lock().ended(&buf.drops));
        Ok(())
    }

    #[test]
    fn no_resize_under_a_producer_still_writing() -> Result {
        // A producer that saw its writer open still holds its claim: the
        // rings it writes to must not be replaced (review: its record was
        // lost, uncounted).
        let buf = TraceBuf::new()?;
        let w = buf.writer();
        let rings = buf.reader.lock().rings.clone();
        let claim = rings.cpus[0].try_claim().unwrap();
        w.close();
        assert_eq!(buf.set_capacity(2 * MIN_CAPACITY), Err(EBUSY));
        drop(claim);
        assert_eq!(buf.set_capacity(2 * MIN_CAPACITY), Ok(()));
        Ok(())
    }

    #[test]
    fn no_resize_while_a_record_lands_between_the_looks() -> Result {
        // A producer that saw its writer open publishes between the
        // resize's look at the contents and its look at the claims
        // (second review: the record was lost with the old rings).
        let buf = TraceBuf::new()?;
        let w = buf.writer();
        w.close();
        let rings = buf.reader.lock().rings.clone();
        let mut claim = None;
        let mut wrote = false;
        let e = exit(1).encode();
        let got = buf.set_capacity_with(2 * MIN_CAPACITY, |stage| match stage {
            // The producer claims while the resize allocates...
            0 => claim = rings.cpus[0].try_claim(),
            // ...and publishes between its two looks.
            _ => {
                if let Some(c) = claim.take() {
                    wrote = c.write(&buf.seq, &e.parts());
                }
            }
        });
        // A producer still holding its claim finishes now.
        if let Some(c) = claim.take() {
            wrote = c.write(&buf.seq, &e.parts());
        }
        assert!(wrote);
        assert_eq!(got, Err(EBUSY));
        assert_eq!(&drain(&buf)[..], b"+++ exited with 1 +++\n");
        Ok(())
    }

    #[test]
    fn a_record_dropped_with_every_ring_held_is_noticed() -> Result {
        // Every ring held by another producer: the record is dropped, and
        // its notice must still come (second review: it was lost).
        let buf = TraceBuf::new()?;
        let w = buf.writer();
        let rings = buf.reader.lock().rings.clone();
        let mut held = KVec::new();
        for ring in rings.cpus.iter() {
            held.push(ring.try_claim().unwrap(), GFP_KERNEL)?;
        }
        w.push(&exit(1));
        drop(held);
        assert_eq!(&drain(&buf)[..], b"<utrace: 1 lines dropped>\n");
        Ok(())
    }

    #[test]
    fn a_gap_gets_one_notice_however_many_records_fall_in_it() -> Result {
        // A little room again, not enough for a large record: the notice
        // must not go in without its record (second review: a `1 lines
        // dropped` line per record dropped).
        let buf = TraceBuf::new()?;
        let w = buf.writer();
        while buf.dropped_total.load(Relaxed) == 0 {
            w.push(&exit(1));
        }
        let line = b"+++ exited with 1 +++\n".len();
        take(&buf, 3 * line);
        let big = [0u8; 1500];
        let large = Record::Call {
            entry: CallEntry {
                pid: None,
                native: true,
                arch: 0,
                nr: crate::engines::strace::syscalls::syscall_nr("getppid").unwrap(),
                args: [0; 6],
                sp: 0,
                string_max: 32,
            },
            end: CallEnd::Returned {
                ret: 1,
                decode_as: 110,
            },
            captures: (&big, &[]),
        };
        for _ in 0..3 {
            w.push(&large);
        }
        let text = drain(&buf);
        let notices = text.windows(13).filter(|w| w == b"lines dropped").count();
        assert_eq!(notices, 1);
        assert!(contains(&text, b"<utrace: 4 lines dropped>\n"));
        Ok(())
    }

    #[test]
    fn a_dropped_record_takes_no_sequence_number() -> Result {
        // Every ring full: a record that fits nowhere must not use up
        // numbers (review: one per ring tried, which wraps the order).
        let buf = TraceBuf::new()?;
        let w = buf.writer();
        while buf.dropped_total.load(Relaxed) == 0 {
            w.push(&exit(1));
        }
        let seq = buf.seq.load(Relaxed);
        for _ in 0..3 {
            w.push(&exit(1));
        }
        assert_eq!(buf.seq.load(Relaxed), seq);
        Ok(())
    }

    #[test]
    fn a_closed_writer_adds_no_writer() -> Result {
        // A child followed while its parent's engine is being detached:
        // once the trace has ended, no writer may reopen it (review).
        let buf = TraceBuf::new()?;
        let w = buf.writer();
        w.close();
        assert!(w.another().is_err());
        assert_eq!(buf.reader.lock().writers, 0);
        Ok(())
    }

    #[test]
    fn a_ring_holds_as_many_calls_as_the_text_ring_held_lines() -> Result {
        // `getppid()` and its result took 47 bytes of text; a ring of
        // records must hold at least as many (review: 108-byte records
        // held half as many).
        let ring = CpuRing::new(MIN_CAPACITY)?;
        let call = Record::Call {
            entry: CallEntry {
                pid: None,
                native: true,
                arch: 0,
                nr: crate::engines::strace::syscalls::syscall_nr("getppid").unwrap(),
                // What the registers held from the call before.
                args: [0x7ffc_1234_5678, 0x7f00_0000_1000, 4096, 8, 0, 0x0040_1122],
                sp: 0,
                string_max: 32,
            },
            end: CallEnd::Returned {
                ret: 1234,
                decode_as: 110,
            },
            captures: (&[], &[]),
        }
        .encode();
        let claim = ring.try_claim().unwrap();
        let seq = Atomic::new(0u32);
        while claim.write(&seq, &call.parts()) {}
        assert!(seq.load(Relaxed) as usize >= MIN_CAPACITY / 47);
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
