//! Byte scans over header text, in fixed blocks with no branch per byte, and the trim of HTTP's
//! optional whitespace around a header value.
//!
//! Every request runs a handful of scans: a value for CR/LF/NUL, the target for non-visible
//! bytes, the Authorization parameters for their closing quote, the header list for spaces. A
//! byte-at-a-time loop that stops at the first match (`Iterator::position`) costs several
//! instructions and a hard-to-predict branch per byte. Here each 16-byte block is tested as a
//! whole with a branch-free fold, which the compiler turns into a few vector compares, and only
//! the block that holds a match is walked byte by byte. The answer is the same as
//! `Iterator::position`'s; a test checks that on every block boundary.

/// Bytes per block: one SSE2 vector.
const BLOCK: usize = 16;

/// The index of the first byte of `bytes` for which `test` holds, as
/// `bytes.iter().position(|&b| test(b))` would return it.
pub(crate) fn find_byte(bytes: &[u8], test: impl Fn(u8) -> bool) -> Option<usize> {
    let mut offset = 0usize;
    let mut blocks = bytes.chunks_exact(BLOCK);
    for block in &mut blocks {
        // A fixed-size array lets the fold become straight-line vector code.
        let hit = match <&[u8; BLOCK]>::try_from(block) {
            // OR-ing integers rather than bools keeps the compiler from turning the fold back
            // into early exits.
            Ok(array) => array.iter().fold(0u8, |hit, &b| hit | u8::from(test(b))) != 0,
            // `chunks_exact` yields only full blocks; were it not to, scan this one plainly.
            Err(_) => true,
        };
        if hit && let Some(at) = block.iter().position(|&b| test(b)) {
            return Some(offset.saturating_add(at));
        }
        offset = offset.saturating_add(BLOCK);
    }
    blocks
        .remainder()
        .iter()
        .position(|&b| test(b))
        .map(|at| offset.saturating_add(at))
}

/// Whether any byte of `bytes` satisfies `test`.
pub(crate) fn any_byte(bytes: &[u8], test: impl Fn(u8) -> bool) -> bool {
    find_byte(bytes, test).is_some()
}

/// Removes leading and trailing spaces and tabs (HTTP's OWS).
pub fn trim_ows(value: &[u8]) -> &[u8] {
    let is_ows = |b: &u8| *b == b' ' || *b == b'\t';
    let start = value.iter().position(|b| !is_ows(b)).unwrap_or(value.len());
    let end = value
        .iter()
        .rposition(|b| !is_ows(b))
        .map_or(start, |i| i.saturating_add(1));
    value.get(start..end).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_only_spaces_and_tabs() {
        let cases: [(&[u8], &[u8]); 3] =
            [(b" \t a b\t ", b"a b"), (b"   ", b""), (b"\x0ba", b"\x0ba")];
        for (value, trimmed) in cases {
            assert_eq!(trim_ows(value), trimmed, "{value:?}");
        }
    }

    #[test]
    fn finds_what_position_finds_on_every_block_boundary() {
        let mut bytes = [b'a'; 70];
        assert_eq!(find_byte(&bytes, |b| b == b'"'), None);
        assert_eq!(find_byte(&[], |b| b == b'"'), None);
        for len in 0..=bytes.len() {
            for at in 0..len {
                bytes[at] = b'"';
                // A second match later must not win.
                if let Some(later) = bytes.get_mut(at + 17) {
                    *later = b'"';
                }
                let slice = &bytes[..len];
                assert_eq!(
                    find_byte(slice, |b| b == b'"'),
                    slice.iter().position(|&b| b == b'"'),
                    "len {len}, at {at}"
                );
                assert!(any_byte(slice, |b| b == b'"'));
                bytes = [b'a'; 70];
            }
            assert!(!any_byte(&bytes[..len], |b| b == b'"'));
        }
    }
}
