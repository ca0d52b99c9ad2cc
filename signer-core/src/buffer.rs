//! Writing text into a caller's fixed buffer, for callers with no allocator; and the two small
//! helpers of types that keep their bytes or text in a fixed array.

use core::fmt;

/// The caller's buffer cannot hold the text; `needed` says how large it must be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BufferTooSmall {
    /// The number of bytes the complete text needs.
    pub needed: usize,
}

impl fmt::Display for BufferTooSmall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "output buffer too small: {} bytes needed", self.needed)
    }
}

/// The first `len` bytes of a fixed array that holds `len` meaningful ones (a MAC or digest of
/// 32 or 64 bytes in a 64-byte array); all of it if `len` is larger, which no caller asks.
pub(crate) fn used(bytes: &[u8], len: usize) -> &[u8] {
    bytes.get(..len).unwrap_or(bytes)
}

/// `Debug` (quoted, escaped) and `Display` (as is) for types whose text is their `as_str()`.
macro_rules! fmt_as_str {
    ($($type:ty),+ $(,)?) => {$(
        impl core::fmt::Debug for $type {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                core::fmt::Debug::fmt(self.as_str(), f)
            }
        }

        impl core::fmt::Display for $type {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    )+};
}
pub(crate) use fmt_as_str;

/// A cursor over a caller's buffer that keeps counting after it is full, so that an overflow can
/// report the size that would have been needed.
pub(crate) struct SliceWriter<'b> {
    buf: &'b mut [u8],
    len: usize,
}

impl<'b> SliceWriter<'b> {
    pub(crate) fn new(buf: &'b mut [u8]) -> Self {
        SliceWriter { buf, len: 0 }
    }

    pub(crate) fn push(&mut self, bytes: &[u8]) {
        let end = self.len.saturating_add(bytes.len());
        if let Some(dst) = self.buf.get_mut(self.len..end) {
            dst.copy_from_slice(bytes);
        }
        self.len = end;
    }

    /// The written text, or how much room it needed. `valid_utf8` bytes only are ever pushed.
    pub(crate) fn finish(self) -> Result<&'b str, BufferTooSmall> {
        let needed = self.len;
        match self.buf.get(..needed) {
            Some(written) => core::str::from_utf8(written).map_err(|_| BufferTooSmall { needed }),
            None => Err(BufferTooSmall { needed }),
        }
    }
}

impl fmt::Write for SliceWriter<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.push(s.as_bytes());
        Ok(())
    }
}
