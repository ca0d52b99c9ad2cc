//! Text from a request, shown back to a person: escaped so that it cannot rewrite the terminal
//! or the log it lands in.
//!
//! An error message or a report that quotes what it was sent (a field's value, an unknown key,
//! a request-target) puts text of the sender's choosing in front of an operator. A control
//! character can move the cursor or clear a terminal line; a bidirectional override (U+202E)
//! can make `txt.exe` read as `exe.txt`, or a rejected value look like another; a zero-width or
//! other format character (Unicode category Cf) hides text. [`Escaped`] writes every such
//! character as a Rust-style escape (`\u{202e}`), and everything else as it is.
//!
//! Which characters are escaped is `char::escape_debug`'s choice, from the Unicode tables of
//! the Rust toolchain: controls (Cc: C0, DEL, C1), format characters (Cf: the bidi embeddings,
//! overrides and isolates U+202A–U+202E and U+2066–U+2069, the marks U+200E, U+200F and
//! U+061C, zero-width characters, U+FEFF, the soft hyphen...), line and paragraph separators,
//! unassigned and private-use code points, and grapheme extenders. Unlike `{:?}`, quotes and
//! backslashes are left as they are, so a JSON text with its escapes reads as it was sent.

use core::fmt;

/// Displays a text with its control, bidi and other format characters escaped (`\u{202e}`).
///
/// ```
/// use ingo_signer_core::echo::Escaped;
/// let shown = Escaped("invoice\u{202e}txt.exe \"quoted\" \\ é\u{1b}[2J");
/// assert_eq!(shown.to_string(), r#"invoice\u{202e}txt.exe "quoted" \ é\u{1b}[2J"#);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Escaped<'a>(pub &'a str);

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Runs of characters that need no escape are written whole.
        let mut rest = self.0;
        while let Some((at, c)) = rest.char_indices().find(|&(_, c)| needs_escape(c)) {
            let (plain, tail) = rest.split_at_checked(at).unwrap_or((rest, ""));
            f.write_str(plain)?;
            write!(f, "\\u{{{:x}}}", u32::from(c))?;
            rest = tail.get(c.len_utf8()..).unwrap_or_default();
        }
        f.write_str(rest)
    }
}

/// Whether `c` is shown escaped: what `escape_debug` escapes, but for the quotes and the
/// backslash, which it escapes only to delimit a Rust literal.
pub fn needs_escape(c: char) -> bool {
    !matches!(c, '"' | '\'' | '\\') && c.escape_debug().len() > 1
}

#[cfg(test)]
mod tests {
    use core::fmt::Write as _;

    use super::*;

    fn shown(text: &str) -> heapless::String<256> {
        let mut out = heapless::String::new();
        write!(out, "{}", Escaped(text)).unwrap();
        out
    }

    #[test]
    fn escapes_controls_bidi_and_format_characters_only() {
        // Every character the issue names, and the C0/C1 controls around them.
        for c in [
            '\u{0}',
            '\t',
            '\n',
            '\r',
            '\u{1b}',
            '\u{7f}',
            '\u{80}',
            '\u{85}',
            '\u{9f}',
            '\u{ad}',
            '\u{61c}',
            '\u{200b}',
            '\u{200e}',
            '\u{200f}',
            '\u{2028}',
            '\u{2029}',
            '\u{202a}',
            '\u{202b}',
            '\u{202c}',
            '\u{202d}',
            '\u{202e}',
            '\u{2066}',
            '\u{2067}',
            '\u{2068}',
            '\u{2069}',
            '\u{feff}',
            '\u{e0001}',
        ] {
            let mut expected = heapless::String::<16>::new();
            write!(expected, "\\u{{{:x}}}", u32::from(c)).unwrap();
            let mut text = heapless::String::<8>::new();
            text.push(c).unwrap();
            assert_eq!(shown(&text).as_str(), expected.as_str(), "{c:?}");
        }
        for plain in [
            "",
            "abc",
            "\"q\" 'a' \\n",
            "S\u{e3}o Paulo",
            "\u{4e2d}\u{6587}",
            "%7e~",
        ] {
            assert_eq!(shown(plain).as_str(), plain);
        }
        assert_eq!(
            shown("a\u{202e}b\u{202c}c").as_str(),
            "a\\u{202e}b\\u{202c}c"
        );
    }
}
