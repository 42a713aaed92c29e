// SPDX-License-Identifier: GPL-2.0

//! PTRACE_MULTI and the CHARDATA requests: what `ptrace_request()` hands
//! over (see `include/linux/utrace.h`).
//!
//! The ptrace syscall has already found the tracee, checked that the
//! caller traces it and that it is stopped, and frozen it in its stop
//! (`ptrace_check_attach()`); it unfreezes it when this returns. Each
//! element runs through the code of the request made alone: word requests
//! through `arch_ptrace()` (`compat_arch_ptrace()` for a 32-bit tracer),
//! byte copies through `ptrace_access_vm()`, as PEEKDATA does. The rules
//! and the two ABIs' layouts are in `multi.rs`.

use super::multi::{self, Abi, Element, RawElement};
use crate::engines::branch::ptrace as bts;
use kernel::bindings;
use kernel::ffi::{c_int, c_long, c_ulong};
use kernel::prelude::*;
use kernel::task::Task;
use kernel::uaccess::{UserPtr, UserSlice};

/// Bytes moved per tracee access: a bounded stack buffer.
const CHUNK: usize = 256;

/// The tracee of the ptrace call in progress.
///
/// # Invariants
///
/// The current task traces `task`, which is stopped and frozen in its stop
/// for as long as the value lives (the ptrace syscall's checks, made before
/// `ptrace_request()`, hold until it returns). `abi` is the ABI of the
/// current task's ptrace call.
struct Tracee<'a> {
    task: &'a Task,
    abi: Abi,
}

impl Tracee<'_> {
    /// A ptrace request, made as if alone. Its non-negative result.
    fn request(&self, request: i64, addr: u64, data: u64) -> Result<c_long> {
        let (task, request, addr, data) = (
            self.task.as_ptr(),
            request as c_long,
            addr as c_ulong,
            data as c_ulong,
        );
        // SAFETY: by the type invariant `task` is our stopped tracee, as
        // `arch_ptrace()` and `compat_arch_ptrace()` require; the numbers
        // are the ones the call of the tracer's ABI would pass (a compat
        // element's fields are 32-bit: widening them changes nothing).
        let ret = unsafe {
            match self.abi {
                Abi::Native => bindings::utrace_helper_arch_ptrace(task, request, addr, data),
                Abi::Compat => {
                    bindings::utrace_helper_compat_arch_ptrace(task, request, addr, data)
                }
            }
        };
        if ret < 0 {
            // Errors are errnos: they fit an i32.
            Err(Error::from_errno(ret as i32))
        } else {
            Ok(ret)
        }
    }

    /// Copies between the tracee at `addr` and `buf`. Returns the bytes
    /// copied: fewer than asked where the tracee's memory ends.
    fn access(&self, addr: u64, buf: &mut [u8], write: bool) -> usize {
        // `buf` is a CHUNK-sized buffer at most: its length fits a C int.
        let len = buf.len() as c_int;
        // SAFETY: by the type invariant `task` is our stopped tracee; `buf`
        // is valid for `len` bytes of reads and writes.
        let n = unsafe {
            bindings::utrace_helper_ptrace_access(
                self.task.as_ptr(),
                addr as c_ulong,
                buf.as_mut_ptr().cast(),
                len,
                write,
            )
        };
        usize::try_from(n).unwrap_or(0)
    }
}

/// The tracer's memory at `addr`, `len` bytes: `EFAULT` if its ABI cannot
/// name all of them (a compat tracer's past 4 GiB).
fn local(abi: Abi, addr: u64, len: usize) -> Result<UserSlice> {
    abi.local_range(addr, len)?;
    Ok(UserSlice::new(UserPtr::from_addr(addr as usize), len))
}

/// Runs one element. Returns what the request made alone returns: the
/// bytes copied for the CHARDATA kinds, 0 otherwise.
fn run(tracee: &Tracee<'_>, e: &RawElement, element: Element) -> Result<usize> {
    let abi = tracee.abi;
    let word = abi.word();
    match element {
        Element::PeekWords { request, words } => {
            for k in 0..words as u64 {
                // Each word whole below the ABI's last address, on both
                // sides: the request gets the first byte's address.
                abi.local_at(e.localaddr, k * word + word - 1)?;
                abi.tracee_at(e.addr, k * word + word - 1)?;
                let to = e.localaddr + k * word;
                tracee.request(request, e.addr + k * word, to)?;
            }
            Ok(0)
        }
        Element::PokeWords { request, words } => {
            // At most MAX_LENGTH words of 8 bytes: no overflow.
            let mut words_in = local(abi, e.localaddr, words * word as usize)?.reader();
            for k in 0..words as u64 {
                // The ABI's word (`Abi::word`), widened.
                let value = match abi {
                    Abi::Native => words_in.read::<c_ulong>()? as u64,
                    Abi::Compat => words_in.read::<bindings::compat_ulong_t>()?.into(),
                };
                abi.tracee_at(e.addr, k * word + word - 1)?;
                tracee.request(request, e.addr + k * word, value)?;
            }
            Ok(0)
        }
        Element::PeekBytes { len } => peek_bytes(tracee, e.addr, e.localaddr, len, false),
        Element::PeekString { len } => peek_bytes(tracee, e.addr, e.localaddr, len, true),
        Element::PokeBytes { len } => poke_bytes(tracee, e.addr, e.localaddr, len),
        Element::Resume { request } | Element::Other { request } => {
            tracee.request(request, e.addr, e.localaddr)?;
            Ok(0)
        }
    }
}

/// PEEKCHARDATA / PEEKSTRINGDATA: `len` bytes from the tracee's `addr` to
/// the tracer's `to`; a string stops after its NUL. `EIO` where the
/// tracee's memory ends first, `EFAULT` for a bad tracer buffer.
fn peek_bytes(tracee: &Tracee<'_>, addr: u64, to: u64, len: usize, string: bool) -> Result<usize> {
    let mut out = local(tracee.abi, to, len)?.writer();
    let mut buf = [0u8; CHUNK];
    let mut done = 0;
    while done < len {
        let at = tracee.abi.tracee_at(addr, done as u64)?;
        let want = tracee.abi.tracee_room(at, (len - done).min(CHUNK));
        let got = tracee.access(at, &mut buf[..want], false);
        if got == 0 {
            return Err(EIO);
        }
        let (take, nul) = if string {
            multi::string_prefix(&buf[..got])
        } else {
            (got, false)
        };
        out.write_slice(&buf[..take])?;
        done += take;
        if nul {
            break;
        }
    }
    Ok(done)
}

/// POKECHARDATA: `len` bytes from the tracer's `from` to the tracee's
/// `addr`. `EFAULT` for a bad tracer buffer, `EIO` for tracee memory that
/// cannot be written.
fn poke_bytes(tracee: &Tracee<'_>, addr: u64, from: u64, len: usize) -> Result<usize> {
    let mut input = local(tracee.abi, from, len)?.reader();
    let mut buf = [0u8; CHUNK];
    let mut done = 0;
    while done < len {
        let want = (len - done).min(CHUNK);
        input.read_slice(&mut buf[..want])?;
        let mut put = 0;
        while put < want {
            let at = tracee.abi.tracee_at(addr, (done + put) as u64)?;
            let room = put + tracee.abi.tracee_room(at, want - put);
            let n = tracee.access(at, &mut buf[put..room], true);
            if n == 0 {
                return Err(EIO);
            }
            put += n;
        }
        done += want;
    }
    Ok(done)
}

/// The batches [`run_batch`] reads onto the stack (16 elements, each read
/// and decoded: 896 bytes).
const SMALL_BATCH: usize = 16;

/// PTRACE_MULTI: validates the batch, then runs it. Fails with the error
/// of the first element that fails, stored in that element's `length` too
/// (so the caller can tell which one: the elements before it took effect);
/// fails with nothing stored if nothing was done.
///
/// Success is 0, not the count, as in the 2009 proposal (seed 000), whose
/// callers test `if (ptrace(PTRACE_MULTI, ...))` for an error.
///
/// A batch of up to [`SMALL_BATCH`] elements is read onto the stack: the
/// common batch (registers, a buffer and the resume) allocates nothing.
fn run_batch(tracee: &Tracee<'_>, reqs: u64, count: u64) -> Result {
    let count = multi::check_count(count)?;
    let abi = tracee.abi;
    let size = abi.element_size();
    let mut input = local(abi, reqs, count * size)?.reader();
    // Each element is read and checked once, before any runs, and keeps its
    // decoding for the run. A slot starts as `None`: a tag to write, not an
    // element to zero.
    let mut small = [None; SMALL_BATCH];
    let mut large = KVVec::new();
    let elements: &mut [Option<(RawElement, Element)>] = if count <= SMALL_BATCH {
        &mut small[..count]
    } else {
        // Charged to the tracer: up to MULTI_MAX elements, 56 KiB, which
        // kvmalloc takes from vmalloc rather than fail as a costly order
        // (review: a KVec made it an order-4 page allocation).
        large.resize(count, None, GFP_KERNEL_ACCOUNT)?;
        &mut large[..]
    };
    let mut bytes = [0u8; multi::ELEMENT_MAX];
    for (i, slot) in elements.iter_mut().enumerate() {
        input.read_slice(&mut bytes[..size])?;
        let e = abi.element(&bytes[..size]);
        *slot = Some((e, multi::check_element(i, count, &e)?));
    }
    // Stores `value` in element `i`'s length, in the ABI's width.
    let store_length = |i: usize, value: i64| {
        let (b, n) = abi.length_bytes(value);
        let at = reqs + (i * size + abi.length_offset()) as u64;
        local(abi, at, n)?.writer().write_slice(&b[..n])
    };
    for (i, slot) in elements.iter().enumerate() {
        // Not reached: the loop above filled every slot or returned. The
        // index stays the element's own either way (review: a skipped slot
        // would have moved every later error to the wrong element).
        let Some((e, element)) = *slot else {
            return Err(EINVAL);
        };
        match run(tracee, &e, element) {
            Ok(copied) if multi::reports_bytes(element) => {
                // A CHARDATA element's length becomes the bytes copied (a
                // string's, up to its NUL; at most MAX_LENGTH). A tracer
                // that made `reqs` unwritable meanwhile loses only that
                // count.
                let _ = store_length(i, copied as i64);
                continue;
            }
            Ok(_) => continue,
            Err(err) => {
                // The answer is the element's error whatever becomes of the
                // store: an EFAULT of the store would name the wrong cause.
                // `reqs` was readable a moment ago; a tracer that makes it
                // unwritable meanwhile loses only which element failed.
                // (Cannot overflow: `reqs + count * size` was read.)
                let _ = store_length(i, err.to_errno().into());
                return Err(err);
            }
        }
    }
    Ok(())
}

/// A CHARDATA request made alone: `data` points to a `struct iovec` (a
/// `struct compat_iovec` for a 32-bit tracer) for the tracer's buffer.
/// Returns the bytes copied.
fn run_alone(tracee: &Tracee<'_>, request: i64, addr: u64, data: u64) -> Result<usize> {
    let size = tracee.abi.iovec_size();
    let mut bytes = [0u8; multi::IOVEC_MAX];
    local(tracee.abi, data, size)?
        .reader()
        .read_slice(&mut bytes[..size])?;
    let (base, len) = tracee.abi.iovec(&bytes[..size]);
    let len = i64::try_from(len).map_err(|_| EINVAL)?;
    let e = RawElement {
        request,
        addr,
        localaddr: base,
        length: len,
    };
    let element = multi::decode(request, len)?;
    run(tracee, &e, element)
}

/// The hook: PTRACE_MULTI, PEEKCHARDATA, POKECHARDATA, PEEKSTRINGDATA on
/// `child`, already checked by the ptrace syscall (see the module doc);
/// and the branch trace's PTRACE_BTS_* requests, which its engine answers.
///
/// # Safety
///
/// `child` is the current task's tracee, stopped and frozen in its stop
/// until `ptrace_request()` returns, which holds a reference on it.
#[export]
pub(crate) unsafe extern "C" fn utrace_ptrace_request(
    child: *mut bindings::task_struct,
    request: c_long,
    addr: c_ulong,
    data: c_ulong,
) -> c_long {
    // SAFETY: `ptrace_request()` passes the tracee it holds a reference
    // on; `Task` is a transparent wrapper of task_struct.
    let task: &Task = unsafe { &*child.cast::<Task>() };
    let request = request as i64;
    if bts::is_bts(request) {
        // Fixed-size structures: the same for every ABI.
        return match bts::request(task, request, addr as u64, data as u64) {
            Ok(n) => n,
            Err(e) => e.to_errno() as c_long,
        };
    }
    // SAFETY: reads the current task's syscall state.
    let abi = match unsafe { bindings::utrace_helper_ptrace_abi() } {
        bindings::utrace_ptrace_abi_UTRACE_PTRACE_ABI_NATIVE => Abi::Native,
        bindings::utrace_ptrace_abi_UTRACE_PTRACE_ABI_COMPAT => Abi::Compat,
        // x32: no one word size serves its word requests.
        _ => return EIO.to_errno() as c_long,
    };
    // INVARIANT: the ptrace syscall checked that we trace `task`, stopped,
    // and keeps it frozen until `ptrace_request()` returns; `abi` is its
    // call's.
    let tracee = Tracee { task, abi };
    let result = if request == i64::from(bindings::PTRACE_MULTI) {
        run_batch(&tracee, addr as u64, data as u64).map(|()| 0)
    } else {
        run_alone(&tracee, request, addr as u64, data as u64)
    };
    match result {
        // At most MULTI_MAX or MAX_LENGTH: fits a C long.
        Ok(n) => n as c_long,
        Err(e) => e.to_errno() as c_long,
    }
}

/// The hook of `ptrace_detach()`: the current task detaches from `child`;
/// what utrace-rs keeps for it as its tracer, its branch trace
/// (`PTRACE_BTS_CONFIG`), ends now.
///
/// # Safety
///
/// `child` is the current task's tracee, frozen in its stop by
/// `ptrace_check_attach()` (it cannot run, exit or be reaped) until the
/// detach lets it go, after this returns.
#[export]
pub(crate) unsafe extern "C" fn __utrace_ptrace_detach(child: *mut bindings::task_struct) {
    // SAFETY: the caller's tracee, frozen, so live for the call; `Task` is
    // a transparent wrapper of task_struct.
    let task: &Task = unsafe { &*child.cast::<Task>() };
    bts::tracer_detaches(task);
}
