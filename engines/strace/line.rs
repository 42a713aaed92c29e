// SPDX-License-Identifier: GPL-2.0

//! A fixed-size text line that formatting can never overflow.

use kernel::prelude::*;

/// Longest line an strace engine produces; longer ones end in `...`.
pub(crate) const LINE_MAX: usize = 512;

/// A line of at most [`LINE_MAX`] bytes, filled through `core::fmt::Write`.
#[derive(Zeroable)]
pub(crate) struct Line {
    buf: [u8; LINE_MAX],
    len: usize,
    cut: bool,
    /// Formats nothing and always has all its room: what the traced task
    /// renders a call into, to learn what memory the line shows (see
    /// [`record`](super::record)) without paying for its text.
    null: bool,
}

impl Line {
    /// An empty line.
    pub(crate) const fn new() -> Self {
        Self {
            buf: [0; LINE_MAX],
            len: 0,
            cut: false,
            null: false,
        }
    }

    /// A line that formats nothing: writes to it cost no `core::fmt`
    /// work, and it keeps all of [`LINE_MAX`] as room. Initialised in
    /// place.
    pub(crate) fn null() -> impl Init<Self> {
        init!(Line {
            null: true,
            ..Zeroable::init_zeroed()
        })
    }

    /// Empties the line.
    pub(crate) fn clear(&mut self) {
        self.len = 0;
        self.cut = false;
    }

    /// Bytes left before [`LINE_MAX`].
    pub(crate) fn room(&self) -> usize {
        LINE_MAX - self.len
    }

    /// The text so far.
    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }

    /// Appends spaces until the line is `column` bytes long (strace's
    /// alignment of results); nothing if it is already.
    pub(crate) fn pad_to(&mut self, column: usize) {
        const SPACES: &str = "                                        ";
        let n = column.saturating_sub(self.len).min(SPACES.len());
        let _ = core::fmt::Write::write_str(self, &SPACES[..n]);
    }

    /// Appends formatted text; what does not fit is cut.
    pub(crate) fn put_fmt(&mut self, args: core::fmt::Arguments<'_>) {
        let _ = core::fmt::Write::write_fmt(self, args);
    }

    /// Ends the line with `\n` (replacing its tail with `...\n` if it was
    /// cut).
    pub(crate) fn finish(&mut self) {
        if self.cut || self.len > LINE_MAX - 1 {
            self.len = LINE_MAX - 4;
            self.buf[self.len..self.len + 3].copy_from_slice(b"...");
            self.len += 3;
        }
        self.buf[self.len] = b'\n';
        self.len += 1;
    }
}

impl core::fmt::Write for Line {
    fn write_fmt(&mut self, args: core::fmt::Arguments<'_>) -> core::fmt::Result {
        // The null line skips the formatting itself, not only its bytes.
        if self.null {
            return Ok(());
        }
        core::fmt::write(self, args)
    }

    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        if self.null {
            return Ok(());
        }
        // Keep one byte for the newline `finish` adds.
        let room = LINE_MAX - 1 - self.len;
        let n = s.len().min(room);
        self.buf[self.len..self.len + n].copy_from_slice(&s.as_bytes()[..n]);
        self.len += n;
        if n < s.len() {
            self.cut = true;
        }
        Ok(())
    }
}
