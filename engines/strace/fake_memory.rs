// SPDX-License-Identifier: GPL-2.0

//! For the KUnit suites of the strace engine (`record`, `render`): a
//! traced task's memory without a task, as readable regions.

use super::record::{Memory, Source};
use kernel::prelude::*;

/// Readable regions of a traced task's memory; any other address faults.
#[derive(Clone)]
pub(crate) struct FakeMemory<'a> {
    /// The start address and the bytes of each region.
    pub(crate) regions: &'a [(u64, &'a [u8])],
}

impl FakeMemory<'_> {
    /// The `len` bytes at `addr`, if one region holds them all.
    fn at(&self, addr: u64, len: usize) -> Option<&[u8]> {
        self.regions.iter().find_map(|&(start, bytes)| {
            let off = usize::try_from(addr.checked_sub(start)?).ok()?;
            bytes.get(off..off.checked_add(len)?)
        })
    }
}

impl Memory for FakeMemory<'_> {
    fn read(&mut self, addr: u64, buf: &mut [u8]) -> Result {
        buf.copy_from_slice(self.at(addr, buf.len()).ok_or(EFAULT)?);
        Ok(())
    }

    fn read_cstr(&mut self, addr: u64, buf: &mut [u8]) -> Result<(usize, bool)> {
        // As strncpy_from_user: up to buf.len() - 1 bytes, or EFAULT
        // before a NUL or the buffer's end.
        let max = buf.len() - 1;
        for (i, to) in buf[..max].iter_mut().enumerate() {
            let c = self.at(addr + i as u64, 1).ok_or(EFAULT)?[0];
            if c == 0 {
                return Ok((i, false));
            }
            *to = c;
        }
        Ok((max, true))
    }
}

impl Source for FakeMemory<'_> {
    fn counted(
        &mut self,
        _addr: u64,
        count: impl FnOnce(&mut dyn Memory) -> usize,
    ) -> Option<usize> {
        Some(count(self))
    }
}
