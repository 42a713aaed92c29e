// SPDX-License-Identifier: GPL-2.0

//! The branch trace's policy, as pure functions over plain values: which
//! step was a taken branch ([`Stepper`]) and how the buffer keeps records
//! in each mode ([`Ring`]). The engine (`engine.rs`) feeds them from the
//! traced task's traps; the KUnit suite at the bottom proves them.

use kernel::prelude::*;

/// A taken branch: the branch instruction and where the task went.
#[derive(Clone, Copy, Default, PartialEq, Eq, Debug)]
pub(crate) struct Branch {
    /// The address of the branch instruction.
    pub(crate) from: u64,
    /// The address the task went to.
    pub(crate) to: u64,
}

/// What the buffer does when it is full.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Mode {
    /// A ring: a new record replaces the oldest.
    Overwrite,
    /// Guaranteed flow: the record that fills the buffer says so, and the
    /// task stops until a reader takes records; nothing is replaced.
    Flow,
}

/// What [`Ring::push`] did with a record.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Pushed {
    /// Stored; there is room for more, or the ring overwrites.
    Stored,
    /// Stored, and the buffer is full: in guaranteed flow, the task must
    /// stop until records are taken.
    Filled,
    /// Stored in place of the oldest record (overwrite mode).
    Overwrote,
    /// Not stored: the buffer of a guaranteed flow was full (the task did
    /// not stop for the drain, as an exiting task does not).
    Lost,
}

/// The records of one trace, oldest first, in a buffer of fixed capacity
/// allocated once: a push never allocates.
///
/// In guaranteed flow, the buffer counts as full for the task while no
/// more than `slack` records are free: what one step of the task brings
/// (its records of switches, then its branch) always fits the room a
/// reader made before letting it go.
///
/// # Invariants
///
/// `len <= capacity`, `head < capacity`, `slots.len() <= capacity`; the
/// records are the `len` slots from `head` on, wrapping at `capacity`, and
/// those slots are initialised (`slots` grows up to `capacity` and then is
/// only overwritten).
pub(crate) struct Ring {
    slots: KVVec<Branch>,
    capacity: usize,
    head: usize,
    len: usize,
    mode: Mode,
    /// Guaranteed flow: the records kept free for one step's records
    /// beyond the first.
    slack: usize,
    /// The sequence number of the oldest record held: records are
    /// numbered from 0 in the order they were pushed.
    first: u64,
    /// Records pushed since the ring was made, stored or not.
    pub(crate) seen: u64,
    /// Records lost: replaced by newer ones, or not stored (see
    /// [`Pushed::Lost`]).
    pub(crate) lost: u64,
    /// The sequence number after the last record a reader copied out and
    /// has not yet taken ([`Ring::peek_oldest`] to [`Ring::consume_to`];
    /// one reader at a time). A record below it that a push replaces is
    /// in the reader's hands: counted when the reader says whether it
    /// delivered it, not at the push.
    reading_to: u64,
}

impl Ring {
    /// An empty ring of `capacity` records, which in guaranteed flow
    /// counts as full while `slack` records or fewer are free: `EINVAL`
    /// for none, or for a flow with no more than `slack`; `ENOMEM` if the
    /// memory cannot be had (charged to the caller's memory cgroup).
    pub(crate) fn new(capacity: usize, mode: Mode, slack: usize) -> Result<Ring> {
        let slack = if mode == Mode::Flow { slack } else { 0 };
        if capacity <= slack {
            return Err(EINVAL);
        }
        Ok(Ring {
            slots: KVVec::with_capacity(capacity, GFP_KERNEL_ACCOUNT)?,
            capacity,
            head: 0,
            len: 0,
            mode,
            slack,
            first: 0,
            seen: 0,
            lost: 0,
            reading_to: 0,
        })
    }

    /// How many records it holds at most.
    pub(crate) fn capacity(&self) -> usize {
        self.capacity
    }

    /// How many records it holds.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Whether it is full: it holds `capacity` records, or in guaranteed
    /// flow no more than the slack is free.
    pub(crate) fn is_full(&self) -> bool {
        self.len + self.slack >= self.capacity
    }

    /// The slot `n` places after the oldest record (`n <= capacity`).
    fn slot(&self, n: usize) -> usize {
        // `head < capacity` and `n <= capacity`: the sum fits (a KVVec
        // holds fewer than `isize::MAX` bytes) and wraps at most once.
        let at = self.head + n;
        if at >= self.capacity {
            at - self.capacity
        } else {
            at
        }
    }

    /// Stores `b` as the newest record.
    pub(crate) fn push(&mut self, b: Branch) -> Pushed {
        self.seen += 1;
        if self.len == self.capacity {
            if self.mode == Mode::Flow || self.capacity == 0 {
                self.lost += 1;
                return Pushed::Lost;
            }
            // The oldest record is lost, unless a reader holds its copy.
            if self.first >= self.reading_to {
                self.lost += 1;
            }
            // The oldest slot becomes the newest.
            self.slots[self.head] = b;
            self.head = self.slot(1);
            self.first += 1;
            return Pushed::Overwrote;
        }
        let at = self.slot(self.len);
        if at == self.slots.len() {
            // Below capacity: the room is there, nothing is allocated.
            if self.slots.push_within_capacity(b).is_err() {
                // INVARIANT: cannot happen (`slots.len() < capacity`);
                // counted rather than stored if it did.
                self.lost += 1;
                return Pushed::Lost;
            }
        } else {
            self.slots[at] = b;
        }
        self.len += 1;
        if self.mode == Mode::Flow && self.is_full() {
            Pushed::Filled
        } else {
            Pushed::Stored
        }
    }

    /// Gives up the buffer (returned, to be freed with no lock held): the
    /// ring holds nothing from now on, and a push is lost.
    pub(crate) fn release(&mut self) -> KVVec<Branch> {
        // INVARIANT: capacity 0, nothing held, no slot.
        self.capacity = 0;
        self.head = 0;
        self.len = 0;
        core::mem::take(&mut self.slots)
    }

    /// Copies the oldest records into `out`, as many as fit, without
    /// taking them: returns the sequence number of the first and how many.
    /// A reader takes those it could deliver with [`Ring::consume_to`].
    pub(crate) fn peek_oldest(&mut self, out: &mut [Branch]) -> (u64, usize) {
        let mut n = 0;
        for o in out.iter_mut().take(self.len) {
            if let Some(b) = self.slots.get(self.slot(n)) {
                *o = *b;
            }
            n += 1;
        }
        self.reading_to = self.first + n as u64;
        (self.first, n)
    }

    /// The record `back` places before the newest (0: the newest), if
    /// the ring holds it.
    pub(crate) fn newest(&self, back: usize) -> Option<Branch> {
        if back >= self.len {
            return None;
        }
        // `back < len <= capacity`: the slot is one of the records held.
        self.slots.get(self.slot(self.len - 1 - back)).copied()
    }

    /// Drops every record held; none counts as lost (their owner asked).
    /// Not while a reader holds copies (the one reader of a trace is the
    /// one that clears it).
    pub(crate) fn clear(&mut self) {
        self.head = self.slot(self.len);
        // At most `capacity`: fits a u64.
        self.first += self.len as u64;
        self.len = 0;
        self.reading_to = 0;
    }

    /// Takes the records numbered below `seq` (those a reader delivered;
    /// in overwrite mode some may have been replaced meanwhile, and are
    /// gone already).
    pub(crate) fn consume_to(&mut self, seq: u64) {
        // The records the reader copied that pushes replaced meanwhile
        // (below both `first` and `reading_to`): lost if it did not deliver
        // them (from `seq` on), read otherwise.
        self.lost += self.first.min(self.reading_to).saturating_sub(seq);
        self.reading_to = 0;
        // At most `len`: fits a usize.
        let n = seq.saturating_sub(self.first).min(self.len as u64) as usize;
        self.head = self.slot(n);
        self.len -= n;
        self.first += n as u64;
    }
}

/// Judges each step: whether the instruction stepped was a taken branch.
///
/// The task is stepped one instruction at a time; before each, the
/// stepper knows the address of the instruction the task is about to run
/// and, from its length, the address of the next one. If the task traps
/// anywhere else, the instruction was a branch that was taken.
#[derive(Clone, Copy, Default, PartialEq, Eq, Debug)]
pub(crate) struct Stepper {
    /// The instruction about to run and the address after it; `None`
    /// while unknown (before the first step, or where an instruction could
    /// not be read or decoded).
    at: Option<(u64, u64)>,
}

impl Stepper {
    /// The task is about to run the instruction at `ip`, of `len` bytes
    /// (`None`: unknown, so the next step cannot be judged).
    pub(crate) fn expect(&mut self, ip: u64, len: Option<u32>) {
        self.at = len.map(|len| (ip, ip.wrapping_add(len.into())));
    }

    /// The step ended at `ip`, whose instruction has `len` bytes: the
    /// branch, if the instruction stepped was a taken branch.
    ///
    /// A step that ends where it began ran no instruction through: an
    /// iteration of a REP string instruction (each traps), a syscall the
    /// kernel restarts (back on the `syscall` instruction), the trap at a
    /// new program's entry after an exec. None is a branch, so a jump to
    /// itself (an endless loop but for `loop`'s count) is not one either.
    pub(crate) fn stepped_to(&mut self, ip: u64, len: Option<u32>) -> Option<Branch> {
        let branch = match self.at {
            Some((from, _)) if ip == from => return None,
            Some((from, next)) if ip != next => Some(Branch { from, to: ip }),
            _ => None,
        };
        self.expect(ip, len);
        branch
    }

    /// The task was sent to `ip` without running the instruction it was
    /// about to (a signal handler's entry): a branch from that
    /// instruction, if it is known.
    pub(crate) fn diverted_to(&mut self, ip: u64, len: Option<u32>) -> Option<Branch> {
        let branch = self.at.map(|(from, _)| Branch { from, to: ip });
        self.expect(ip, len);
        branch
    }

    /// Forgets where the task is: the next step is not judged.
    pub(crate) fn forget(&mut self) {
        self.at = None;
    }
}

#[kunit_tests(utrace_branch_ring)]
mod tests {
    use super::*;

    fn b(from: u64, to: u64) -> Branch {
        Branch { from, to }
    }

    /// Takes up to `out.len()` of the oldest records.
    fn take(r: &mut Ring, out: &mut [Branch]) -> usize {
        let (first, n) = r.peek_oldest(out);
        r.consume_to(first + n as u64);
        n
    }

    fn drain(r: &mut Ring) -> KVec<Branch> {
        let mut out = [Branch::default(); 8];
        let mut all = KVec::new();
        loop {
            let n = take(r, &mut out);
            if n == 0 {
                return all;
            }
            for x in &out[..n] {
                all.push(*x, GFP_KERNEL).unwrap();
            }
        }
    }

    #[test]
    fn newest_counts_back_from_the_last_across_the_wrap() {
        let mut r = Ring::new(3, Mode::Overwrite, 0).unwrap();
        assert_eq!(r.newest(0), None);
        for i in 0..5 {
            r.push(b(i, i + 100));
        }
        // Holds 2, 3, 4, wrapped: head is not slot 0.
        assert_eq!(r.newest(0), Some(b(4, 104)));
        assert_eq!(r.newest(1), Some(b(3, 103)));
        assert_eq!(r.newest(2), Some(b(2, 102)));
        assert_eq!(r.newest(3), None);
        // Looking takes nothing.
        assert_eq!(r.len(), 3);
    }

    #[test]
    fn clear_drops_what_is_held_and_the_ring_goes_on() {
        let mut r = Ring::new(3, Mode::Flow, 0).unwrap();
        r.push(b(1, 2));
        r.push(b(3, 4));
        assert_eq!(r.push(b(5, 6)), Pushed::Filled);
        r.clear();
        assert_eq!((r.len(), r.lost, r.newest(0)), (0, 0, None));
        assert!(!r.is_full());
        // Room for three again, in order, after the wrap.
        assert_eq!(r.push(b(7, 8)), Pushed::Stored);
        assert_eq!(r.push(b(9, 10)), Pushed::Stored);
        assert_eq!(&drain(&mut r)[..], &[b(7, 8), b(9, 10)]);
    }

    #[test]
    fn no_capacity_is_refused() {
        assert!(Ring::new(0, Mode::Overwrite, 0).is_err());
        assert!(Ring::new(0, Mode::Flow, 0).is_err());
    }

    #[test]
    fn overwrite_keeps_the_last_n_in_order() {
        let mut r = Ring::new(3, Mode::Overwrite, 0).unwrap();
        for i in 0..3 {
            assert_eq!(r.push(b(i, i + 100)), Pushed::Stored);
        }
        assert!(r.is_full());
        for i in 3..7 {
            assert_eq!(r.push(b(i, i + 100)), Pushed::Overwrote);
        }
        assert_eq!((r.seen, r.lost, r.len()), (7, 4, 3));
        let got = drain(&mut r);
        assert_eq!(&got[..], &[b(4, 104), b(5, 105), b(6, 106)]);
        assert_eq!(r.len(), 0);
    }

    #[test]
    fn flow_fills_once_and_loses_only_past_full() {
        let mut r = Ring::new(2, Mode::Flow, 0).unwrap();
        assert_eq!(r.push(b(1, 2)), Pushed::Stored);
        assert_eq!(r.push(b(3, 4)), Pushed::Filled);
        assert_eq!(r.push(b(5, 6)), Pushed::Lost);
        assert_eq!((r.seen, r.lost), (3, 1));
        let mut one = [Branch::default(); 1];
        assert_eq!(take(&mut r, &mut one), 1);
        assert_eq!(one[0], b(1, 2));
        // Room again: the next record fills it once more, after the one
        // left, in order.
        assert_eq!(r.push(b(7, 8)), Pushed::Filled);
        assert_eq!(&drain(&mut r)[..], &[b(3, 4), b(7, 8)]);
    }

    #[test]
    fn many_drains_across_the_wrap_lose_nothing() {
        let mut r = Ring::new(5, Mode::Flow, 0).unwrap();
        let mut next_in = 0u64;
        let mut next_out = 0u64;
        let mut out = [Branch::default(); 3];
        for _ in 0..50 {
            while r.push(b(next_in, !next_in)) != Pushed::Filled {
                next_in += 1;
            }
            next_in += 1;
            let n = take(&mut r, &mut out);
            for x in &out[..n] {
                assert_eq!(*x, b(next_out, !next_out));
                next_out += 1;
            }
        }
        for x in drain(&mut r).iter() {
            assert_eq!(*x, b(next_out, !next_out));
            next_out += 1;
        }
        assert_eq!((next_out, r.lost), (next_in, 0));
    }

    #[test]
    fn a_flow_with_slack_stops_the_task_early_and_keeps_the_slack() {
        let mut r = Ring::new(5, Mode::Flow, 2).unwrap();
        assert_eq!(r.push(b(1, 1)), Pushed::Stored);
        assert_eq!(r.push(b(2, 2)), Pushed::Stored);
        // Two free: full for the task, which stops after this step.
        assert_eq!(r.push(b(3, 3)), Pushed::Filled);
        assert!(r.is_full());
        // The rest of the step's records still fit, in order.
        assert_eq!(r.push(b(4, 4)), Pushed::Filled);
        assert_eq!(r.push(b(5, 5)), Pushed::Filled);
        assert_eq!(r.push(b(6, 6)), Pushed::Lost);
        let mut out = [Branch::default(); 2];
        assert_eq!(take(&mut r, &mut out), 2);
        // Three held, two free: still full for the task.
        assert!(r.is_full());
        assert_eq!(take(&mut r, &mut out[..1]), 1);
        assert!(!r.is_full());
        assert_eq!(&drain(&mut r)[..], &[b(4, 4), b(5, 5)]);
        assert_eq!((r.seen, r.lost), (6, 1));
    }

    #[test]
    fn a_flow_must_have_room_beyond_its_slack() {
        assert!(Ring::new(2, Mode::Flow, 2).is_err());
        assert!(Ring::new(3, Mode::Flow, 2).is_ok());
        // A ring overwrites: no slack, whatever was asked.
        let mut r = Ring::new(2, Mode::Overwrite, 2).unwrap();
        assert_eq!(r.push(b(1, 1)), Pushed::Stored);
        assert_eq!(r.push(b(2, 2)), Pushed::Stored);
        assert_eq!(r.push(b(3, 3)), Pushed::Overwrote);
    }

    #[test]
    fn records_peeked_stay_until_consumed() {
        let mut r = Ring::new(4, Mode::Flow, 0).unwrap();
        for i in 0..4 {
            r.push(b(i, i));
        }
        let mut out = [Branch::default(); 3];
        assert_eq!(r.peek_oldest(&mut out), (0, 3));
        // Still full while the reader copies: the task's push is lost,
        // never a record the reader holds.
        assert_eq!(r.push(b(8, 8)), Pushed::Lost);
        // The reader delivered only the first one.
        r.consume_to(1);
        assert_eq!(r.push(b(9, 9)), Pushed::Filled);
        assert_eq!(&drain(&mut r)[..], &[b(1, 1), b(2, 2), b(3, 3), b(9, 9)]);
        assert_eq!((r.seen, r.lost), (6, 1));
    }

    #[test]
    fn a_ring_overwriting_what_a_reader_holds_takes_only_the_rest() {
        let mut r = Ring::new(3, Mode::Overwrite, 0).unwrap();
        for i in 0..3 {
            r.push(b(i, i));
        }
        let mut out = [Branch::default(); 2];
        assert_eq!(r.peek_oldest(&mut out), (0, 2));
        // Two newer records replace 0 and 1 while the reader copies them.
        r.push(b(3, 3));
        r.push(b(4, 4));
        r.consume_to(2);
        // The reader delivered 0 and 1: read, not lost (each record is
        // read, held or lost, once; the fuzzer's seed 3985611720 found one
        // counted both).
        assert_eq!((r.seen, r.lost, r.len()), (5, 0, 3));
        assert_eq!(&drain(&mut r)[..], &[b(2, 2), b(3, 3), b(4, 4)]);
        // A sequence number from before everything held takes nothing.
        r.push(b(5, 5));
        r.consume_to(1);
        assert_eq!(r.len(), 1);
    }

    #[test]
    fn a_record_replaced_while_a_read_fails_is_lost() {
        let mut r = Ring::new(3, Mode::Overwrite, 0).unwrap();
        for i in 0..3 {
            r.push(b(i, i));
        }
        let mut out = [Branch::default(); 3];
        assert_eq!(r.peek_oldest(&mut out), (0, 3));
        // 0 is replaced while the reader copies; the copy fails whole.
        r.push(b(3, 3));
        r.consume_to(0);
        assert_eq!((r.seen, r.lost, r.len()), (4, 1, 3));
        assert_eq!(&drain(&mut r)[..], &[b(1, 1), b(2, 2), b(3, 3)]);
    }

    #[test]
    fn a_step_elsewhere_than_next_is_a_branch() {
        let mut s = Stepper::default();
        // Nothing is known before the first instruction.
        assert_eq!(s.stepped_to(0x1000, Some(2)), None);
        // 0x1000 (2 bytes) fell through to 0x1002: no branch.
        assert_eq!(s.stepped_to(0x1002, Some(5)), None);
        // 0x1002 (5 bytes) went to 0x2000: a taken branch.
        assert_eq!(s.stepped_to(0x2000, Some(1)), Some(b(0x1002, 0x2000)));
        // A step that ends where it began (a REP iteration, a restarted
        // syscall) is no branch, and the instruction is still the one to
        // judge the next step by.
        assert_eq!(s.stepped_to(0x2000, Some(1)), None);
        assert_eq!(s.stepped_to(0x2000, Some(1)), None);
        // A conditional branch not taken falls through.
        assert_eq!(s.stepped_to(0x2001, None), None);
        // An instruction that could not be decoded: the next step is not
        // judged, whatever it is.
        assert_eq!(s.stepped_to(0x9000, Some(3)), None);
        assert_eq!(s.stepped_to(0x9003, Some(3)), None);
    }

    #[test]
    fn a_released_ring_holds_nothing_and_loses_every_push() {
        for mode in [Mode::Overwrite, Mode::Flow] {
            let mut r = Ring::new(2, mode, 0).unwrap();
            r.push(b(1, 1));
            let slots = r.release();
            assert_eq!(slots.len(), 1);
            assert_eq!(r.push(b(2, 2)), Pushed::Lost);
            assert_eq!((r.len(), r.seen, r.lost), (0, 2, 1));
            assert!(drain(&mut r).is_empty());
        }
    }

    #[test]
    fn a_diversion_branches_from_the_instruction_not_run() {
        let mut s = Stepper::default();
        assert_eq!(s.diverted_to(0x5000, Some(1)), None);
        s.expect(0x1000, Some(4));
        assert_eq!(s.diverted_to(0x5000, Some(1)), Some(b(0x1000, 0x5000)));
        assert_eq!(s.stepped_to(0x5001, Some(1)), None);
        s.forget();
        assert_eq!(s.stepped_to(0x7000, Some(1)), None);
    }

    #[test]
    fn addresses_wrap_without_overflow() {
        let mut s = Stepper::default();
        s.expect(u64::MAX - 1, Some(4));
        assert_eq!(s.stepped_to(2, Some(1)), None);
    }
}
