// SPDX-License-Identifier: GPL-2.0

//! The bounded buffer between strace engines and their reader.
//!
//! Engines append whole lines; the reader takes whole lines. When a line
//! does not fit, it is dropped and counted, never waited for: a slow
//! reader cannot block the traced program. The count is not lost either:
//! the reader gets a `<utrace: N lines dropped>` line where the gap is.

use kernel::prelude::*;
use kernel::sync::{Arc, Mutex};

/// Bytes of text kept for the reader.
pub(crate) const CAPACITY: usize = 64 * 1024;

/// The text and the drop count.
pub(crate) struct Inner {
    /// Complete lines, each ending with `\n`; capacity fixed at creation.
    text: KVec<u8>,
    /// Lines dropped since the reader last took text.
    dropped: u64,
    /// Lines dropped in all.
    dropped_total: u64,
}

/// A trace buffer, shared by the engines of one control file.
pub(crate) type TraceBuf = Mutex<Inner>;

/// A new, empty buffer.
pub(crate) fn new() -> Result<Arc<TraceBuf>> {
    let text = KVec::with_capacity(CAPACITY, GFP_KERNEL_ACCOUNT)?;
    Arc::pin_init(
        kernel::new_mutex!(
            Inner {
                text,
                dropped: 0,
                dropped_total: 0
            },
            "utrace_strace::buf"
        ),
        GFP_KERNEL,
    )
}

/// Appends `line` (which must end with `\n`), or drops and counts it.
/// Never allocates.
pub(crate) fn push(buf: &TraceBuf, line: &[u8]) {
    let mut b = buf.lock();
    if b.text.capacity() - b.text.len() < line.len() {
        b.dropped += 1;
        b.dropped_total += 1;
        return;
    }
    for &c in line {
        // Cannot fail: the room was checked above.
        let _ = b.text.push_within_capacity(c);
    }
}

/// Moves up to `max` bytes of whole lines into `out`, the drop notice
/// first if lines were dropped. Returns the total dropped so far.
/// `deliver` gets the text (whole lines, at most `max` bytes, after a
/// notice of the lines dropped since the last read) and the count of lines
/// ever dropped; only if it succeeds is
/// the text removed from the buffer, so a reader whose buffer faults loses
/// nothing. It runs under the buffer's mutex (it may fault in user memory).
pub(crate) fn take(
    buf: &TraceBuf,
    out: &mut KVec<u8>,
    max: usize,
    deliver: impl FnOnce(&[u8], u64) -> Result,
) -> Result {
    let mut b = buf.lock();
    let mut notice_taken = false;
    if b.dropped > 0 {
        let mut notice = crate::engines::strace::line::Line::new();
        notice.put_fmt(format_args!("<utrace: {} lines dropped>\n", b.dropped));
        if notice.as_bytes().len() <= max {
            out.extend_from_slice(notice.as_bytes(), GFP_KERNEL)?;
            notice_taken = true;
        }
    }
    let room = max.saturating_sub(out.len());
    // The end of the last whole line that fits.
    let end = b.text[..room.min(b.text.len())]
        .iter()
        .rposition(|&c| c == b'\n')
        .map_or(0, |p| p + 1);
    out.extend_from_slice(&b.text[..end], GFP_KERNEL)?;
    deliver(out, b.dropped_total)?;
    if notice_taken {
        b.dropped = 0;
    }
    let len = b.text.len();
    b.text.copy_within(end..len, 0);
    b.text.truncate(len - end);
    Ok(())
}
