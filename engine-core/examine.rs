// SPDX-License-Identifier: GPL-2.0

//! Examining a task that an engine holds stopped, from another task: its
//! general registers and its memory, with a string mode (utrace's
//! `utrace_prepare_examine()` / `utrace_finish_examine()`, and the fast
//! access to a tracee's memory of kmview, seed 002).
//!
//! [`EngineHandle::examine`] checks that the engine holds the task parked
//! in a stop and waits until it is off its CPU; [`Examination::finish`]
//! says whether it stayed so (`EAGAIN` if it ran meanwhile: what was read
//! may be stale, a write of the registers may be lost; start again). A
//! register access pins the task in its stop for the access, even against
//! SIGKILL (`registry/examine.rs`); a memory access does not (it may wait
//! for a page as long as the page takes, and must not keep a killed task
//! from dying).
//!
//! These are in-kernel APIs, without a permission check of their own: the
//! engine was attached by someone ptrace's rules allowed (`access`). The
//! task's memory is refused (`EPERM`) when it is not dumpable by its
//! owner, where ptrace would refuse a tracer without `CAP_SYS_PTRACE`.

use super::engine::Engine;
use super::handle::EngineHandle;
use super::policy::string_chunk;
use super::registry::{Attachment, Registry};
use super::task;
use kernel::bindings;
use kernel::page::PAGE_SIZE;
use kernel::prelude::*;
use kernel::sync::aref::ARef;
use kernel::task::Task;

/// The general registers' regset (`<uapi/linux/elf.h>`'s `NT_PRSTATUS`).
const NT_PRSTATUS: u32 = bindings::NT_PRSTATUS;

/// A task held stopped by one engine, examined from another task (or by
/// the engine's callback in the task itself). Made by
/// [`EngineHandle::examine`]; ended by [`Examination::finish`], or by
/// dropping it (which says nothing of whether the task ran).
///
/// # Invariants
///
/// `task` is the task of `registry`; unless `own`, it was parked in a stop
/// `attachment` holds, off its CPU with `switches` context switches, when
/// the examination began.
pub struct Examination<'a> {
    registry: &'a Registry,
    attachment: &'a Attachment,
    task: ARef<Task>,
    own: bool,
    switches: usize,
}

impl<E: Engine> EngineHandle<E> {
    /// Begins an examination of the task, which this engine must hold
    /// stopped ([`EngineHandle::stop`], or a [`Resume::Stop`] answer).
    /// Errors, as utrace's `utrace_prepare_examine()`: `ESRCH` once the
    /// engine is detached or the task is dying; `EINVAL` if this engine
    /// does not hold the task stopped; `EAGAIN` if it does but the task has
    /// not stopped yet (or left its stop's sleep while this looked). May
    /// sleep until the task is off its CPU.
    ///
    /// [`Resume::Stop`]: super::Resume::Stop
    pub fn examine(&self) -> Result<Examination<'_>> {
        let mut ex = self.examination(0)?;
        if ex.own {
            return Ok(ex);
        }
        // While the task stays parked for us, it goes to sleep soon.
        let (registry, attachment) = (ex.registry, ex.attachment);
        ex.switches = wait_off_cpu(&ex.task, || registry.examine_target(attachment).map(|_| ()))?;
        // INVARIANT: checked by `examination`, and seen off its CPU with
        // `switches` switches.
        Ok(ex)
    }
}

/// Waits until `task`, parked in a stop, is off its CPU, and returns its
/// switch count. A task parks just before its stop's sleep, and a wake-up
/// it does not need (a barrier's, an unpin's) runs it a moment, so a few
/// tries do, a millisecond apart, each after `still()` says the wait is
/// still worth it (its error ends the wait); after a second, `EAGAIN`.
fn wait_off_cpu(task: &Task, still: impl Fn() -> Result) -> Result<usize> {
    for _ in 0..1000 {
        match task::wait_inactive(task) {
            0 => still()?,
            switches => return Ok(switches),
        }
        kernel::time::delay::fsleep(kernel::time::Delta::from_millis(1));
    }
    Err(EAGAIN)
}

/// utrace's split calls, for the C API, which cannot keep an
/// [`Examination`] between them: the beginning hands out the switch count,
/// the end takes it back.
impl<E: Engine> EngineHandle<E> {
    /// `utrace_prepare_examine()`: [`EngineHandle::examine`], returning the
    /// task's switch count (0 when the caller is the task).
    pub(crate) fn prepare_examine(&self) -> Result<usize> {
        self.examine().map(|ex| ex.switches)
    }

    /// An examination checked now, with `switches` the count its beginning
    /// saw ([`EngineHandle::examine`] waits for it; the C API's end is
    /// given it back).
    fn examination(&self, switches: usize) -> Result<Examination<'_>> {
        let (registry, attachment) = self.parts();
        let (task, own) = registry.examine_target(attachment)?;
        // INVARIANT: checked just above; `switches` is the count its
        // beginning saw (`examine` sets it; the C caller's word: at worst,
        // `finish` answers `EAGAIN`).
        Ok(Examination {
            registry,
            attachment,
            task,
            own,
            switches,
        })
    }

    /// `utrace_finish_examine()`: [`Examination::finish`].
    pub(crate) fn finish_examine(&self, switches: usize) -> Result {
        self.examination(switches)?.finish()
    }

    /// `utrace_examine_regset()`: [`Examination::read_regset`] of `note`
    /// into `buf`, or [`Examination::write_regset`] from it; returns the
    /// bytes read or written.
    pub(crate) fn examine_regset(&self, note: u32, buf: &mut [u8], write: bool) -> Result<usize> {
        let ex = self.examination(0)?;
        if write {
            ex.write_regset(note, buf).map(|()| buf.len())
        } else {
            ex.read_regset(note, buf)
        }
    }
}

impl Examination<'_> {
    /// The examined task.
    pub fn task(&self) -> &Task {
        &self.task
    }

    /// The size of the task's general registers: the layout of
    /// `PTRACE_GETREGSET`'s `NT_PRSTATUS` for the task's ABI (`struct
    /// user_regs_struct` for a 64-bit x86 task).
    pub fn regs_size(&self) -> Result<usize> {
        self.regset_size(NT_PRSTATUS)
    }

    /// The size of the task's register set `note` (an `NT_*` value of
    /// `PTRACE_GETREGSET`: `NT_PRFPREG` for the floating-point registers...):
    /// `EINVAL` if its ABI has no such set.
    pub fn regset_size(&self, note: u32) -> Result<usize> {
        // SAFETY: `pinned` keeps the task in its stop for the call, or the
        // task is the caller.
        self.pinned(|t| unsafe { task::regset_size(t, note) })
    }

    /// Runs `f` with the task pinned in its stop (errors as
    /// [`EngineHandle::examine`]; `EINTR` if SIGKILL ended a wait for
    /// another examiner's access).
    fn pinned<R>(&self, f: impl FnOnce(&Task) -> Result<R>) -> Result<R> {
        if self.own {
            return f(&self.task);
        }
        self.registry.pin_examined(self.attachment)?;
        // x86 keeps a task's FS/GS bases and FPU state in its thread struct
        // only once it is off its CPU. Pinned, it can only go back to sleep;
        // if it has not after a second, the access goes ahead, and `finish`
        // says the task ran.
        let _ = wait_off_cpu(&self.task, || Ok(()));
        // Race tests: a delay armed by UTRACE_TEST_EXAMINE_DELAY holds the
        // pin here, as a slow register access would.
        #[cfg(CONFIG_UTRACE_TEST_DEVICE)]
        crate::engines::test_device::EXAMINE_DELAY_HOOK.pass();
        let r = f(&self.task);
        self.registry.unpin_examined(&self.task);
        r
    }

    /// Reads the task's general registers into `buf`: at most
    /// [`Examination::regs_size`] bytes; returns how many.
    pub fn read_regs(&self, buf: &mut [u8]) -> Result<usize> {
        self.read_regset(NT_PRSTATUS, buf)
    }

    /// Writes the task's general registers from `regs`, which must be
    /// exactly [`Examination::regs_size`] bytes (`EINVAL` otherwise, and
    /// for the task examining itself). The architecture checks the values
    /// as for `PTRACE_SETREGSET`: a bad segment selector is `EIO` on x86,
    /// with the registers before it in the layout already written.
    pub fn write_regs(&self, regs: &[u8]) -> Result {
        self.write_regset(NT_PRSTATUS, regs)
    }

    /// Reads the task's register set `note` into `buf`: at most its
    /// [`Examination::regset_size`] bytes; returns how many. `EINVAL` for a
    /// set the task's ABI lacks, `ENODATA` for one it does not use now.
    pub fn read_regset(&self, note: u32, buf: &mut [u8]) -> Result<usize> {
        // SAFETY: `pinned` keeps the task in its stop and off its CPU for
        // the call, or the task is the caller.
        self.pinned(|t| unsafe { task::get_regset(t, note, buf) })
    }

    /// Writes the task's register set `note` from `regs`, exactly its size;
    /// the architecture checks the values as `PTRACE_SETREGSET` does (an
    /// invalid MXCSR is `EINVAL` on x86). `EINVAL` for the task examining
    /// itself: its registers are in use (a callback changes them through
    /// its report).
    pub fn write_regset(&self, note: u32, regs: &[u8]) -> Result {
        if self.own {
            return Err(EINVAL);
        }
        // SAFETY: as in `read_regset`; the task is not the caller (above).
        self.pinned(|t| unsafe { task::set_regset(t, note, regs) })
    }

    /// Reads `buf.len()` bytes of the task's memory at `addr`: returns how
    /// many could be read (fewer where a page is missing); `EFAULT` if
    /// none, `EPERM` if the task is not dumpable by its owner.
    pub fn read_memory(&self, addr: u64, buf: &mut [u8]) -> Result<usize> {
        self.check()?;
        task::access_vm(&self.task, addr, buf, false)
    }

    /// Writes `data` into the task's memory at `addr`, read-only mappings
    /// included (as ptrace's POKEDATA: a breakpoint into text): returns how
    /// many bytes were written; errors as [`Examination::read_memory`].
    pub fn write_memory(&self, addr: u64, data: &[u8]) -> Result<usize> {
        self.check()?;
        // The helper takes one buffer for both directions; a write only
        // reads it. A copy keeps `data` shared.
        // Charged to the caller's memory cgroup, as the data it came from.
        let mut copy = KVec::with_capacity(data.len(), GFP_KERNEL_ACCOUNT)?;
        copy.extend_from_slice(data, GFP_KERNEL_ACCOUNT)?;
        task::access_vm(&self.task, addr, &mut copy, true)
    }

    /// Reads the NUL-terminated string at `addr` into `buf`, page by page
    /// (a string that ends before a missing page is read whole). Returns
    /// its length, without the NUL, and whether it was cut: a string of
    /// `buf.len()` bytes or more is cut to `buf.len() - 1` and NUL
    /// terminated. `EFAULT` if its first byte cannot be read, `EINVAL` for
    /// an empty `buf`; a string that runs into a missing page ends there.
    pub fn read_string(&self, addr: u64, buf: &mut [u8]) -> Result<(usize, bool)> {
        let room = buf.len().checked_sub(1).ok_or(EINVAL)?;
        self.check()?;
        let mut len = 0;
        while len < room {
            let at = addr.checked_add(len as u64).ok_or(EFAULT)?;
            let want = string_chunk(at, room - len, PAGE_SIZE);
            let got = match task::access_vm(&self.task, at, &mut buf[len..len + want], false) {
                Ok(n) => n,
                // A missing page after the first byte ends the string.
                Err(e) if e == EFAULT && len > 0 => 0,
                Err(e) => return Err(e),
            };
            if let Some(nul) = buf[len..len + got].iter().position(|&b| b == 0) {
                return Ok((len + nul, false));
            }
            len += got;
            if got < want {
                break;
            }
        }
        buf[len] = 0;
        Ok((len, len == room))
    }

    /// Whether the examination still holds: the engine still holds the
    /// task in its stop (errors as [`EngineHandle::examine`]).
    fn check(&self) -> Result {
        if self.own {
            return Ok(());
        }
        self.registry.examine_target(self.attachment).map(|_| ())
    }

    /// Ends the examination (utrace's `utrace_finish_examine()`): `Ok` if
    /// the task stayed in its stop and off its CPU throughout, so what was
    /// read is what it has and what was written is what it will resume
    /// with; `EAGAIN` if it ran meanwhile (woken and parked again, say);
    /// `EINVAL` or `ESRCH` if this engine's stop or the task ended.
    pub fn finish(self) -> Result {
        if self.own {
            return Ok(());
        }
        self.check()?;
        if task::wait_inactive(&self.task) != self.switches {
            return Err(EAGAIN);
        }
        Ok(())
    }
}
