// SPDX-License-Identifier: GPL-2.0

//! A fixed-size text line that formatting can never overflow.

/// Longest line an strace engine produces; longer ones end in `...`.
pub(crate) const LINE_MAX: usize = 512;

/// A line of at most [`LINE_MAX`] bytes, filled through `core::fmt::Write`.
pub(crate) struct Line {
    buf: [u8; LINE_MAX],
    len: usize,
    cut: bool,
}

impl Line {
    /// An empty line.
    pub(crate) const fn new() -> Self {
        Self {
            buf: [0; LINE_MAX],
            len: 0,
            cut: false,
        }
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
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
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

/// What a renderer writes to: a [`Line`], or the [`NullLine`] of the
/// traced task's pass.
pub(crate) trait Out: core::fmt::Write {
    /// Bytes left before [`LINE_MAX`].
    fn room(&self) -> usize;

    /// Appends formatted text; what does not fit is cut.
    fn put_fmt(&mut self, args: core::fmt::Arguments<'_>);

    /// Whether this formats nothing.
    fn is_null(&self) -> bool {
        false
    }
}

impl Out for Line {
    fn room(&self) -> usize {
        Line::room(self)
    }

    fn put_fmt(&mut self, args: core::fmt::Arguments<'_>) {
        Line::put_fmt(self, args)
    }
}

/// A line that formats nothing and always has all of [`LINE_MAX`] as
/// room: what the traced task renders a call into, to learn what memory
/// the line shows (see [`record`](super::record)) without paying for its
/// text. Writes to it return before `core::fmt` runs.
pub(crate) struct NullLine;

impl core::fmt::Write for NullLine {
    fn write_fmt(&mut self, _args: core::fmt::Arguments<'_>) -> core::fmt::Result {
        Ok(())
    }

    fn write_str(&mut self, _s: &str) -> core::fmt::Result {
        Ok(())
    }
}

impl Out for NullLine {
    fn room(&self) -> usize {
        LINE_MAX
    }

    fn put_fmt(&mut self, _args: core::fmt::Arguments<'_>) {}

    fn is_null(&self) -> bool {
        true
    }
}
