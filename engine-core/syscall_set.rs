// SPDX-License-Identifier: GPL-2.0

//! An engine's syscall set: the native calls whose entry and exit it is
//! told of ([`Attach::syscalls`](super::Attach::syscalls)).
//!
//! The set is fixed when the engine is attached and shared, unchanged,
//! with the copies a child gets: the task reads it without a lock. Pure: a
//! bitmap and the rule of which calls it names, with its KUnit tests.

use kernel::prelude::*;
use kernel::sync::Arc;

/// Calls a set can name: numbers `0..MAX_CALLS` of the native ABI.
pub const MAX_CALLS: usize = 1024;

/// A set of native syscall numbers.
///
/// A call of another ABI (ia32, x32) is always in the set: the numbers
/// name native calls, and an engine that asked for a set must not miss a
/// call it cannot name. Negative numbers (no call: a tracer or an engine
/// set -1) and numbers past the bitmap are not.
pub struct SyscallSet {
    /// Call `n` is bit `n % 8` of byte `n / 8`.
    bits: KVec<u8>,
}

impl SyscallSet {
    /// The set of the bitmap `bytes` (call `n` is bit `n % 8` of byte
    /// `n / 8`), charged to the caller's memory cgroup. `EINVAL` for a
    /// bitmap longer than [`MAX_CALLS`] bits.
    pub fn from_bitmap(bytes: &[u8]) -> Result<Arc<SyscallSet>> {
        if bytes.len() > MAX_CALLS / 8 {
            return Err(EINVAL);
        }
        let mut bits = KVec::with_capacity(bytes.len(), GFP_KERNEL_ACCOUNT)?;
        bits.extend_from_slice(bytes, GFP_KERNEL_ACCOUNT)?;
        Ok(Arc::new(SyscallSet { bits }, GFP_KERNEL_ACCOUNT)?)
    }

    /// Whether the call `nr` of the native ABI (`native`), or of another
    /// one, is in the set.
    pub fn contains(&self, nr: i64, native: bool) -> bool {
        if !native {
            return true;
        }
        let Ok(nr) = usize::try_from(nr) else {
            return false;
        };
        self.bits
            .get(nr / 8)
            .is_some_and(|byte| byte & (1 << (nr % 8)) != 0)
    }
}

#[kunit_tests(utrace_syscall_set)]
mod tests {
    use super::*;

    #[test]
    fn names_the_bits_of_its_bitmap() -> Result {
        // getpid (39) and getuid (102) on x86_64; any numbers do here.
        let mut bytes = [0u8; 16];
        bytes[39 / 8] |= 1 << (39 % 8);
        bytes[102 / 8] |= 1 << (102 % 8);
        let set = SyscallSet::from_bitmap(&bytes)?;
        assert!(set.contains(39, true));
        assert!(set.contains(102, true));
        assert!(!set.contains(38, true));
        assert!(!set.contains(40, true));
        assert!(!set.contains(0, true));
        assert!(!set.contains(103, true));
        Ok(())
    }

    #[test]
    fn numbers_past_the_bitmap_and_negative_ones_are_out() -> Result {
        let set = SyscallSet::from_bitmap(&[0xff; 2])?;
        assert!(set.contains(0, true));
        assert!(set.contains(15, true));
        assert!(!set.contains(16, true));
        assert!(!set.contains(-1, true));
        assert!(!set.contains(i64::MIN, true));
        assert!(!set.contains(i64::MAX, true));
        Ok(())
    }

    #[test]
    fn calls_of_another_abi_are_always_in() -> Result {
        let set = SyscallSet::from_bitmap(&[])?;
        assert!(!set.contains(0, true));
        assert!(set.contains(0, false));
        assert!(set.contains(-1, false));
        assert!(set.contains(5000, false));
        Ok(())
    }

    #[test]
    fn a_bitmap_past_the_limit_is_refused() -> Result {
        assert!(SyscallSet::from_bitmap(&[0u8; MAX_CALLS / 8]).is_ok());
        assert_eq!(
            SyscallSet::from_bitmap(&[0u8; MAX_CALLS / 8 + 1]).err(),
            Some(EINVAL)
        );
        Ok(())
    }
}
