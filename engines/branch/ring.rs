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
    /// Records stored since the ring was made.
    pub(crate) stored: u64,
    /// Records lost: replaced by newer ones, or not stored (see
    /// [`Pushed::Lost`]).
    pub(crate) lost: u64,
}

impl Ring {
    /// An empty ring of `capacity` records: `EINVAL` for none, `ENOMEM`
    /// if the memory cannot be had (charged to the caller's memory cgroup).
    pub(crate) fn new(capacity: usize, mode: Mode) -> Result<Ring> {
        if capacity == 0 {
            return Err(EINVAL);
        }
        Ok(Ring {
            slots: KVVec::with_capacity(capacity, GFP_KERNEL_ACCOUNT)?,
            capacity,
            head: 0,
            len: 0,
            mode,
            stored: 0,
            lost: 0,
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

    /// Whether it holds `capacity` records.
    pub(crate) fn is_full(&self) -> bool {
        self.len == self.capacity
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
        if self.len == self.capacity {
            if self.mode == Mode::Flow {
                self.lost += 1;
                return Pushed::Lost;
            }
            // The oldest slot becomes the newest.
            self.slots[self.head] = b;
            self.head = self.slot(1);
            self.stored += 1;
            self.lost += 1;
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
        self.stored += 1;
        if self.len == self.capacity && self.mode == Mode::Flow {
            Pushed::Filled
        } else {
            Pushed::Stored
        }
    }

    /// Moves the oldest records into `out`, as many as fit; returns how
    /// many.
    pub(crate) fn take_oldest(&mut self, out: &mut [Branch]) -> usize {
        let mut n = 0;
        for o in out.iter_mut().take(self.len) {
            if let Some(b) = self.slots.get(self.slot(n)) {
                *o = *b;
            }
            n += 1;
        }
        self.head = self.slot(n);
        self.len -= n;
        n
    }

    /// Puts back `records` (the oldest taken, in order) in front of the
    /// records held: a reader that could not copy them out gives them
    /// back. Those that no longer fit are lost (counted).
    pub(crate) fn put_back(&mut self, records: &[Branch]) {
        for b in records.iter().rev() {
            if self.len == self.capacity {
                self.lost += 1;
                continue;
            }
            self.head = self.slot(self.capacity - 1);
            self.slots[self.head] = *b;
            self.len += 1;
        }
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
    pub(crate) fn stepped_to(&mut self, ip: u64, len: Option<u32>) -> Option<Branch> {
        let branch = match self.at {
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

    fn drain(r: &mut Ring) -> KVec<Branch> {
        let mut out = [Branch::default(); 8];
        let mut all = KVec::new();
        loop {
            let n = r.take_oldest(&mut out);
            if n == 0 {
                return all;
            }
            for x in &out[..n] {
                all.push(*x, GFP_KERNEL).unwrap();
            }
        }
    }

    #[test]
    fn no_capacity_is_refused() {
        assert!(Ring::new(0, Mode::Overwrite).is_err());
        assert!(Ring::new(0, Mode::Flow).is_err());
    }

    #[test]
    fn overwrite_keeps_the_last_n_in_order() {
        let mut r = Ring::new(3, Mode::Overwrite).unwrap();
        for i in 0..3 {
            assert_eq!(r.push(b(i, i + 100)), Pushed::Stored);
        }
        assert!(r.is_full());
        for i in 3..7 {
            assert_eq!(r.push(b(i, i + 100)), Pushed::Overwrote);
        }
        assert_eq!((r.stored, r.lost, r.len()), (7, 4, 3));
        let got = drain(&mut r);
        assert_eq!(&got[..], &[b(4, 104), b(5, 105), b(6, 106)]);
        assert_eq!(r.len(), 0);
    }

    #[test]
    fn flow_fills_once_and_loses_only_past_full() {
        let mut r = Ring::new(2, Mode::Flow).unwrap();
        assert_eq!(r.push(b(1, 2)), Pushed::Stored);
        assert_eq!(r.push(b(3, 4)), Pushed::Filled);
        assert_eq!(r.push(b(5, 6)), Pushed::Lost);
        assert_eq!((r.stored, r.lost), (2, 1));
        let mut one = [Branch::default(); 1];
        assert_eq!(r.take_oldest(&mut one), 1);
        assert_eq!(one[0], b(1, 2));
        // Room again: the next record fills it once more, after the one
        // left, in order.
        assert_eq!(r.push(b(7, 8)), Pushed::Filled);
        assert_eq!(&drain(&mut r)[..], &[b(3, 4), b(7, 8)]);
    }

    #[test]
    fn many_drains_across_the_wrap_lose_nothing() {
        let mut r = Ring::new(5, Mode::Flow).unwrap();
        let mut next_in = 0u64;
        let mut next_out = 0u64;
        let mut out = [Branch::default(); 3];
        for _ in 0..50 {
            while r.push(b(next_in, !next_in)) != Pushed::Filled {
                next_in += 1;
            }
            next_in += 1;
            let n = r.take_oldest(&mut out);
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
    fn records_put_back_come_first() {
        let mut r = Ring::new(4, Mode::Flow).unwrap();
        for i in 0..4 {
            r.push(b(i, i));
        }
        let mut out = [Branch::default(); 3];
        assert_eq!(r.take_oldest(&mut out), 3);
        r.push(b(9, 9));
        // The reader copied out only the first one.
        r.put_back(&out[1..]);
        assert_eq!(r.lost, 0);
        assert_eq!(&drain(&mut r)[..], &[b(1, 1), b(2, 2), b(3, 3), b(9, 9)]);
        // Past capacity, the ones that do not fit are counted.
        for i in 0..4 {
            r.push(b(i, i));
        }
        r.put_back(&[b(7, 7)]);
        assert_eq!((r.len(), r.lost), (4, 1));
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
        // A backward branch to itself is taken too.
        assert_eq!(s.stepped_to(0x2000, Some(1)), Some(b(0x2000, 0x2000)));
        // A conditional branch not taken falls through.
        assert_eq!(s.stepped_to(0x2001, None), None);
        // An instruction that could not be decoded: the next step is not
        // judged, whatever it is.
        assert_eq!(s.stepped_to(0x9000, Some(3)), None);
        assert_eq!(s.stepped_to(0x9003, Some(3)), None);
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
