//! The strict JSON layer: the gate every body passes before `serde-json-core` reads it.
//!
//! `serde-json-core` does the reading (see [`walk`](super::walk)), but it has three known
//! limits, and this module closes each one with the smallest piece of code that can:
//!
//! 1. **It skips unknown values without checking them**, and a skipped number or literal is
//!    consumed by chomping bytes up to the next `,`, `}` or `]`: `{"x": hello}` reads as fine.
//!    It also lets raw control characters through inside strings. [`check`] therefore scans the
//!    whole body once against RFC 8259 before `serde-json-core` sees it: UTF-8, every token,
//!    every escape (a `\u` high surrogate must be followed by a low one, a lone surrogate is
//!    rejected), every number and literal, and nothing but whitespace after the top-level
//!    object. Unknown values are then only skipped by the parser, never trusted unchecked.
//! 2. **It has no depth limit**: skipping a value recurses once per `[` or `{`, so a
//!    50,000-deep array in an unknown field would exhaust the stack. [`check`] is iterative
//!    (a counter and a 64-bit stack of container kinds, no recursion) and rejects any body
//!    nested deeper than [`MAX_DEPTH`], so every recursion the parser and our visitors do
//!    afterwards is bounded by that number.
//! 3. **It does not unescape strings unless asked**, and when asked it needs a buffer as large
//!    as the longest string and rejects valid surrogate pairs (`\ud83d\ude00` becomes an
//!    error, because it decodes each `\u` escape alone). We never ask: every string arrives as
//!    its raw text, wrapped in a [`JsonStr`], whose [`chars`](JsonStr::chars) decode escapes
//!    lazily (pairs included) without any buffer, so lengths count Unicode scalar values
//!    after unescaping and formats are judged on the unescaped text.
//!
//! One more gap concerns rules rather than grammar: `serde-json-core` can hand a number to us
//! only as an integer or a float, never as its text, so `"amount": 0.005` and `1e2` could not
//! be told apart from what the parser returns, and a float would round. [`scalar_after_key`]
//! recovers the literal text of a scalar from the body itself, starting at the key the parser
//! handed us (keys arrive as slices of the body, so their position is known).
//!
//! The depth bound is 16 nested containers, counting the top-level object. Valid requests of
//! both endpoints nest at most 3 deep (`sender.name_personal.first_name`) and responses 2, so
//! the bound leaves room for servers to add structure while keeping the parser's worst-case
//! stack use small (the payload tests run it on a 64 KiB thread).

use core::fmt;

/// The largest body accepted, in bytes (64 KiB). Larger bodies are rejected before parsing.
pub const MAX_BODY_LEN: usize = 64 * 1024;

/// The deepest nesting accepted: at most this many containers (objects or arrays) may be open
/// at once, counting the top-level object as the first.
pub const MAX_DEPTH: usize = 16;

// The scanner keeps one bit per open container in a u64.
const _: () = assert!(MAX_DEPTH <= 64);

/// Why a body is not strict JSON (or not a JSON object small enough to judge).
///
/// Offsets (`at`) are byte offsets into the body, counted from 0.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum JsonError {
    /// The body is larger than [`MAX_BODY_LEN`] bytes; it was not parsed.
    TooLarge {
        /// The body's length in bytes.
        len: usize,
    },
    /// The body is empty or only whitespace.
    Empty,
    /// The body is not valid UTF-8.
    InvalidUtf8 {
        /// Offset of the first byte that is not valid UTF-8.
        at: usize,
    },
    /// The top-level value is not an object (an array, a string, a number, a literal or a
    /// stray byte).
    NotAnObject {
        /// Offset of the top-level value.
        at: usize,
    },
    /// A byte that cannot appear here in JSON.
    Syntax {
        /// Offset of the offending byte.
        at: usize,
        /// What the grammar allowed at that point.
        expected: Expected,
    },
    /// The body ends in the middle of a value.
    UnexpectedEnd {
        /// What the grammar still needed.
        expected: Expected,
    },
    /// A backslash escape that JSON does not define (`\x`, `\u12`, `\u00G0`).
    InvalidEscape {
        /// Offset of the backslash.
        at: usize,
    },
    /// A `\u` escape of a UTF-16 surrogate that is not part of a high-low pair.
    LoneSurrogate {
        /// Offset of the backslash of the unpaired escape.
        at: usize,
    },
    /// A raw control character (U+0000 to U+001F) inside a string; JSON requires it escaped.
    ControlCharacter {
        /// Offset of the control character.
        at: usize,
    },
    /// A number that JSON does not allow (`01`, `1.`, `.5`, `+1`, `1e`, `-`).
    InvalidNumber {
        /// Offset of the number's first byte.
        at: usize,
    },
    /// A bare word other than `true`, `false` or `null`.
    InvalidLiteral {
        /// Offset of the word's first byte.
        at: usize,
    },
    /// Containers nest deeper than [`MAX_DEPTH`].
    TooDeep {
        /// Offset of the container that went one level too deep.
        at: usize,
    },
    /// Something other than whitespace follows the top-level object.
    TrailingData {
        /// Offset of the first byte after the object that is not whitespace.
        at: usize,
    },
    /// `serde-json-core` rejected a body that the strict scanner accepted. This should never
    /// happen; it is reported instead of being ignored.
    Parser,
}

/// What the JSON grammar allowed where a [`JsonError::Syntax`] or
/// [`JsonError::UnexpectedEnd`] occurred.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Expected {
    /// A value: an object, array, string, number, `true`, `false` or `null`.
    Value,
    /// A value or the `]` closing an empty array.
    ValueOrArrayEnd,
    /// A quoted key or the `}` closing an empty object.
    KeyOrObjectEnd,
    /// A quoted key (after a comma in an object).
    Key,
    /// The `:` after a key.
    Colon,
    /// A `,` or the `}` closing the object.
    CommaOrObjectEnd,
    /// A `,` or the `]` closing the array.
    CommaOrArrayEnd,
    /// The rest of a string and its closing quote.
    StringEnd,
    /// The rest of an escape sequence.
    Escape,
    /// The rest of a number.
    Digit,
    /// The rest of `true`, `false` or `null`.
    Literal,
}

impl JsonError {
    /// Stable identifier of the cause, for programs (and later the C ABI) to match on.
    pub const fn kind(&self) -> &'static str {
        match self {
            Self::TooLarge { .. } => "json.too_large",
            Self::Empty => "json.empty",
            Self::InvalidUtf8 { .. } => "json.invalid_utf8",
            Self::NotAnObject { .. } => "json.not_an_object",
            Self::Syntax { .. } => "json.syntax",
            Self::UnexpectedEnd { .. } => "json.unexpected_end",
            Self::InvalidEscape { .. } => "json.invalid_escape",
            Self::LoneSurrogate { .. } => "json.lone_surrogate",
            Self::ControlCharacter { .. } => "json.control_character",
            Self::InvalidNumber { .. } => "json.invalid_number",
            Self::InvalidLiteral { .. } => "json.invalid_literal",
            Self::TooDeep { .. } => "json.too_deep",
            Self::TrailingData { .. } => "json.trailing_data",
            Self::Parser => "json.parser",
        }
    }

    /// The HTTP status a server would answer with: 413 for a body over the size limit, 400
    /// otherwise.
    pub const fn http_status(&self) -> u16 {
        match self {
            Self::TooLarge { .. } => 413,
            _ => 400,
        }
    }
}

impl fmt::Display for Expected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Value => "a value",
            Self::ValueOrArrayEnd => "a value or `]`",
            Self::KeyOrObjectEnd => "a quoted key or `}`",
            Self::Key => "a quoted key",
            Self::Colon => "`:`",
            Self::CommaOrObjectEnd => "`,` or `}`",
            Self::CommaOrArrayEnd => "`,` or `]`",
            Self::StringEnd => "the rest of the string and its closing `\"`",
            Self::Escape => "the rest of the escape sequence",
            Self::Digit => "a digit",
            Self::Literal => "the rest of `true`, `false` or `null`",
        })
    }
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::TooLarge { len } => write!(
                f,
                "the body is {len} bytes; at most {MAX_BODY_LEN} are accepted, so send a smaller body"
            ),
            Self::Empty => f.write_str("the body is empty; send a JSON object"),
            Self::InvalidUtf8 { at } => write!(
                f,
                "byte {at} is not valid UTF-8; encode the body as UTF-8"
            ),
            Self::NotAnObject { at } => write!(
                f,
                "the value at byte {at} is not a JSON object; the body must be one object `{{...}}`"
            ),
            Self::Syntax { at, expected } => {
                write!(f, "invalid JSON at byte {at}: expected {expected}")
            }
            Self::UnexpectedEnd { expected } => write!(
                f,
                "the body ends too early: expected {expected}; send the whole JSON object"
            ),
            Self::InvalidEscape { at } => write!(
                f,
                "invalid escape sequence at byte {at}; JSON allows only \\\" \\\\ \\/ \\b \\f \\n \\r \\t and \\uXXXX"
            ),
            Self::LoneSurrogate { at } => write!(
                f,
                "the \\u escape at byte {at} is half of a UTF-16 surrogate pair; escape characters above U+FFFF as a high and low pair, or send them unescaped"
            ),
            Self::ControlCharacter { at } => write!(
                f,
                "raw control character at byte {at} inside a string; escape it (\\n, \\t, \\u0000...)"
            ),
            Self::InvalidNumber { at } => write!(
                f,
                "invalid JSON number at byte {at} (no leading zeros, `+`, bare `.` or empty exponent)"
            ),
            Self::InvalidLiteral { at } => write!(
                f,
                "invalid word at byte {at}; only true, false and null are allowed unquoted"
            ),
            Self::TooDeep { at } => write!(
                f,
                "the container at byte {at} nests deeper than {MAX_DEPTH} levels"
            ),
            Self::TrailingData { at } => write!(
                f,
                "unexpected data at byte {at} after the JSON object; send exactly one object"
            ),
            Self::Parser => f.write_str(
                "the JSON parser rejected a body the strict scanner accepted (an internal error; please report it)",
            ),
        }
    }
}

/// Checks that `body` is one strict JSON object of at most [`MAX_BODY_LEN`] bytes nested at
/// most [`MAX_DEPTH`] deep (see the module docs for why this runs before `serde-json-core`).
///
/// Iterative: its stack use does not depend on the body.
pub(crate) fn check(body: &[u8]) -> Result<(), JsonError> {
    if body.len() > MAX_BODY_LEN {
        return Err(JsonError::TooLarge { len: body.len() });
    }
    if let Err(e) = core::str::from_utf8(body) {
        return Err(JsonError::InvalidUtf8 {
            at: e.valid_up_to(),
        });
    }
    let mut s = Scanner {
        b: body,
        i: 0,
        depth: 0,
        objects: 0,
    };
    s.skip_ws();
    match s.peek() {
        None => Err(JsonError::Empty),
        Some(b'{') => s.run(),
        Some(_) => Err(JsonError::NotAnObject { at: s.i }),
    }
}

/// Where the scanner is in the grammar.
#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Value,
    ValueOrArrayEnd,
    KeyOrObjectEnd,
    Key,
    Colon,
    CommaOrEnd,
    Done,
}

struct Scanner<'a> {
    b: &'a [u8],
    i: usize,
    /// Open containers.
    depth: usize,
    /// Bit `n` is set when the container at depth `n + 1` is an object.
    objects: u64,
}

impl Scanner<'_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn bump(&mut self) {
        self.i = self.i.saturating_add(1);
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.bump();
        }
    }

    fn in_object(&self) -> bool {
        match self.depth.checked_sub(1) {
            Some(level) => self.objects.checked_shr(level as u32).unwrap_or(0) & 1 == 1,
            None => false,
        }
    }

    /// Opens a container at the current byte (`{` or `[`).
    fn open(&mut self, object: bool) -> Result<State, JsonError> {
        if self.depth >= MAX_DEPTH {
            return Err(JsonError::TooDeep { at: self.i });
        }
        let bit = 1u64.checked_shl(self.depth as u32).unwrap_or(0);
        if object {
            self.objects |= bit;
        } else {
            self.objects &= !bit;
        }
        self.depth = self.depth.saturating_add(1);
        self.bump();
        Ok(if object {
            State::KeyOrObjectEnd
        } else {
            State::ValueOrArrayEnd
        })
    }

    /// Closes the innermost container at the current byte (`}` or `]`).
    fn close(&mut self) -> Result<State, JsonError> {
        self.bump();
        self.depth = self.depth.saturating_sub(1);
        if self.depth > 0 {
            return Ok(State::CommaOrEnd);
        }
        self.skip_ws();
        if self.i < self.b.len() {
            return Err(JsonError::TrailingData { at: self.i });
        }
        Ok(State::Done)
    }

    fn run(&mut self) -> Result<(), JsonError> {
        let mut state = State::Value;
        loop {
            self.skip_ws();
            let at = self.i;
            let c = self.peek();
            state = match state {
                State::Done => return Ok(()),
                State::Value | State::ValueOrArrayEnd => match c {
                    Some(b']') if state == State::ValueOrArrayEnd => self.close()?,
                    Some(b'{') => self.open(true)?,
                    Some(b'[') => self.open(false)?,
                    Some(b'"') => {
                        self.string()?;
                        State::CommaOrEnd
                    }
                    Some(b'-' | b'0'..=b'9') => {
                        self.number()?;
                        State::CommaOrEnd
                    }
                    Some(b't') => self.literal(b"true")?,
                    Some(b'f') => self.literal(b"false")?,
                    Some(b'n') => self.literal(b"null")?,
                    Some(b'a'..=b'z' | b'A'..=b'Z') => {
                        return Err(JsonError::InvalidLiteral { at });
                    }
                    _ => {
                        let expected = if state == State::Value {
                            Expected::Value
                        } else {
                            Expected::ValueOrArrayEnd
                        };
                        return Err(match c {
                            None => JsonError::UnexpectedEnd { expected },
                            Some(_) => JsonError::Syntax { at, expected },
                        });
                    }
                },
                State::KeyOrObjectEnd | State::Key => match c {
                    Some(b'}') if state == State::KeyOrObjectEnd => self.close()?,
                    Some(b'"') => {
                        self.string()?;
                        State::Colon
                    }
                    _ => {
                        let expected = if state == State::Key {
                            Expected::Key
                        } else {
                            Expected::KeyOrObjectEnd
                        };
                        return Err(match c {
                            None => JsonError::UnexpectedEnd { expected },
                            Some(_) => JsonError::Syntax { at, expected },
                        });
                    }
                },
                State::Colon => match c {
                    Some(b':') => {
                        self.bump();
                        State::Value
                    }
                    None => {
                        return Err(JsonError::UnexpectedEnd {
                            expected: Expected::Colon,
                        });
                    }
                    Some(_) => {
                        return Err(JsonError::Syntax {
                            at,
                            expected: Expected::Colon,
                        });
                    }
                },
                State::CommaOrEnd => {
                    let object = self.in_object();
                    match c {
                        Some(b',') => {
                            self.bump();
                            if object { State::Key } else { State::Value }
                        }
                        Some(b'}') if object => self.close()?,
                        Some(b']') if !object => self.close()?,
                        _ => {
                            let expected = if object {
                                Expected::CommaOrObjectEnd
                            } else {
                                Expected::CommaOrArrayEnd
                            };
                            return Err(match c {
                                None => JsonError::UnexpectedEnd { expected },
                                Some(_) => JsonError::Syntax { at, expected },
                            });
                        }
                    }
                }
            };
        }
    }

    /// A string starting at the opening quote.
    fn string(&mut self) -> Result<(), JsonError> {
        self.bump();
        loop {
            match self.peek() {
                None => {
                    return Err(JsonError::UnexpectedEnd {
                        expected: Expected::StringEnd,
                    });
                }
                Some(b'"') => {
                    self.bump();
                    return Ok(());
                }
                Some(b'\\') => self.escape()?,
                Some(0x00..=0x1f) => return Err(JsonError::ControlCharacter { at: self.i }),
                // Multi-byte UTF-8 sequences (already validated) only hold bytes >= 0x80.
                Some(_) => self.bump(),
            }
        }
    }

    /// An escape sequence starting at the backslash.
    fn escape(&mut self) -> Result<(), JsonError> {
        let at = self.i;
        self.bump();
        match self.peek() {
            None => Err(JsonError::UnexpectedEnd {
                expected: Expected::Escape,
            }),
            Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => {
                self.bump();
                Ok(())
            }
            Some(b'u') => {
                self.bump();
                let unit = self.hex4(at)?;
                if is_low_surrogate(unit) {
                    return Err(JsonError::LoneSurrogate { at });
                }
                if is_high_surrogate(unit) {
                    if self.peek() != Some(b'\\')
                        || self.b.get(self.i.saturating_add(1)) != Some(&b'u')
                    {
                        return Err(JsonError::LoneSurrogate { at });
                    }
                    let second = self.i;
                    self.bump();
                    self.bump();
                    if !is_low_surrogate(self.hex4(second)?) {
                        return Err(JsonError::LoneSurrogate { at });
                    }
                }
                Ok(())
            }
            Some(_) => Err(JsonError::InvalidEscape { at }),
        }
    }

    /// Four hex digits of a `\u` escape whose backslash is at `at`.
    fn hex4(&mut self, at: usize) -> Result<u16, JsonError> {
        let mut unit: u16 = 0;
        for _ in 0..4 {
            let Some(c) = self.peek() else {
                return Err(JsonError::UnexpectedEnd {
                    expected: Expected::Escape,
                });
            };
            let Some(digit) = hex_value(c) else {
                return Err(JsonError::InvalidEscape { at });
            };
            unit = unit.wrapping_shl(4) | digit;
            self.bump();
        }
        Ok(unit)
    }

    fn digits(&mut self) -> usize {
        let mut n = 0usize;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.bump();
            n = n.saturating_add(1);
        }
        n
    }

    /// A number starting at `-` or a digit.
    fn number(&mut self) -> Result<(), JsonError> {
        let at = self.i;
        let bad = Err(JsonError::InvalidNumber { at });
        if self.peek() == Some(b'-') {
            self.bump();
        }
        match self.peek() {
            Some(b'0') => self.bump(),
            Some(b'1'..=b'9') => {
                self.digits();
            }
            None => {
                return Err(JsonError::UnexpectedEnd {
                    expected: Expected::Digit,
                });
            }
            Some(_) => return bad,
        }
        if self.peek() == Some(b'.') {
            self.bump();
            if self.digits() == 0 {
                return bad;
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.bump();
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.bump();
            }
            if self.digits() == 0 {
                return bad;
            }
        }
        // `01`, `1.2.3`, `1x`: the number must end at a delimiter.
        match self.peek() {
            Some(c) if c.is_ascii_alphanumeric() || matches!(c, b'.' | b'+' | b'-') => bad,
            _ => Ok(()),
        }
    }

    /// `true`, `false` or `null`.
    fn literal(&mut self, word: &[u8]) -> Result<State, JsonError> {
        let at = self.i;
        let end = at.saturating_add(word.len());
        match self.b.get(at..end) {
            Some(found) if found == word => {}
            Some(_) => return Err(JsonError::InvalidLiteral { at }),
            None if self.b.get(at..).is_some_and(|rest| word.starts_with(rest)) => {
                return Err(JsonError::UnexpectedEnd {
                    expected: Expected::Literal,
                });
            }
            None => return Err(JsonError::InvalidLiteral { at }),
        }
        self.i = end;
        if self.peek().is_some_and(|c| c.is_ascii_alphanumeric()) {
            return Err(JsonError::InvalidLiteral { at });
        }
        Ok(State::CommaOrEnd)
    }
}

fn hex_value(c: u8) -> Option<u16> {
    match c {
        b'0'..=b'9' => Some(u16::from(c.wrapping_sub(b'0'))),
        b'a'..=b'f' => Some(u16::from(c.wrapping_sub(b'a').wrapping_add(10))),
        b'A'..=b'F' => Some(u16::from(c.wrapping_sub(b'A').wrapping_add(10))),
        _ => None,
    }
}

const fn is_high_surrogate(unit: u16) -> bool {
    matches!(unit, 0xD800..=0xDBFF)
}

const fn is_low_surrogate(unit: u16) -> bool {
    matches!(unit, 0xDC00..=0xDFFF)
}

/// The literal text of the scalar (number, `true`, `false` or `null`) that is the value of the
/// object member whose key `serde-json-core` handed us as `key`, a slice of `body` (the raw
/// text between the key's quotes).
///
/// `serde-json-core` gives no access to a number's text or to its own position, but keys are
/// borrowed from the body, so the key's address tells where the member starts. Returns `None`
/// when `key` is not a slice of `body` or no scalar follows it (neither can happen after
/// [`check`] passed).
pub(crate) fn scalar_after_key<'a>(body: &'a [u8], key: &str) -> Option<&'a str> {
    // Where `key` starts inside `body`, checked to be the very same bytes.
    let start = (key.as_ptr() as usize).checked_sub(body.as_ptr() as usize)?;
    let end = start.checked_add(key.len())?;
    let same = body.get(start..end)?;
    if !core::ptr::eq(same.as_ptr(), key.as_ptr()) {
        return None;
    }
    let mut i = end;
    if body.get(i) != Some(&b'"') {
        return None;
    }
    i = i.checked_add(1)?;
    let ws = |b: &u8| matches!(b, b' ' | b'\t' | b'\n' | b'\r');
    while body.get(i).is_some_and(ws) {
        i = i.checked_add(1)?;
    }
    if body.get(i) != Some(&b':') {
        return None;
    }
    i = i.checked_add(1)?;
    while body.get(i).is_some_and(ws) {
        i = i.checked_add(1)?;
    }
    let value = i;
    while body
        .get(i)
        .is_some_and(|b| !ws(b) && !matches!(b, b',' | b'}' | b']'))
    {
        i = i.checked_add(1)?;
    }
    let text = core::str::from_utf8(body.get(value..i)?).ok()?;
    match text.as_bytes().first() {
        Some(b'-' | b'0'..=b'9' | b't' | b'f' | b'n') => Some(text),
        _ => None,
    }
}

/// A JSON string exactly as it appears in the body: the raw text between the quotes, escapes
/// still in place, borrowed and never copied.
///
/// Its [`chars`](Self::chars) are the string's Unicode scalar values after unescaping
/// (`"\u00e9"` is one character, `"\ud83d\ude00"` one character). A `JsonStr` only comes out of
/// a body that passed the strict scanner, so its escapes are well formed.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct JsonStr<'a> {
    raw: &'a str,
}

impl<'a> JsonStr<'a> {
    /// Wraps the raw text of a string the strict scanner accepted.
    pub(crate) const fn from_raw(raw: &'a str) -> Self {
        Self { raw }
    }

    /// The raw text between the quotes, escapes not decoded (`A\u00e9` stays 7 bytes).
    pub const fn raw(&self) -> &'a str {
        self.raw
    }

    /// The text itself, when it holds no escape (then the raw text is the text).
    pub fn as_plain(&self) -> Option<&'a str> {
        if self.raw.contains('\\') {
            None
        } else {
            Some(self.raw)
        }
    }

    /// The string's characters (Unicode scalar values) after unescaping.
    pub fn chars(&self) -> Chars<'a> {
        Chars { rest: self.raw }
    }

    /// The number of characters (Unicode scalar values) after unescaping: the length every
    /// SPEC §6 length rule counts.
    pub fn char_count(&self) -> usize {
        self.chars().count()
    }

    /// Whether the string is empty (`""`).
    pub const fn is_empty(&self) -> bool {
        self.raw.is_empty()
    }

    /// Whether the unescaped text equals `text`.
    pub fn eq_text(&self, text: &str) -> bool {
        match self.as_plain() {
            Some(plain) => plain == text,
            None => self.chars().eq(text.chars()),
        }
    }

    /// Writes the unescaped text into `buf` and returns it, or `None` when `buf` is too
    /// small (the raw length is always enough: unescaping never grows a string).
    pub fn unescape_into<'b>(&self, buf: &'b mut [u8]) -> Option<&'b str> {
        let mut len = 0usize;
        for c in self.chars() {
            let end = len.checked_add(c.len_utf8())?;
            c.encode_utf8(buf.get_mut(len..end)?);
            len = end;
        }
        core::str::from_utf8(buf.get(..len)?).ok()
    }
}

impl fmt::Display for JsonStr<'_> {
    /// Writes the unescaped text.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use fmt::Write;
        for c in self.chars() {
            f.write_char(c)?;
        }
        Ok(())
    }
}

impl fmt::Debug for JsonStr<'_> {
    /// Writes the raw JSON text, quoted, as it appears in the body.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\"{}\"", self.raw)
    }
}

/// Iterator over the characters of a [`JsonStr`] after unescaping; see [`JsonStr::chars`].
///
/// An escape that is not well formed (impossible after the strict scanner) yields U+FFFD
/// instead of panicking.
#[derive(Clone, Debug)]
pub struct Chars<'a> {
    rest: &'a str,
}

impl Chars<'_> {
    /// Reads four hex digits at the start of `rest`, advancing past them.
    fn hex4(&mut self) -> Option<u16> {
        let digits = self.rest.as_bytes().get(..4)?;
        let mut unit: u16 = 0;
        for &d in digits {
            unit = unit.wrapping_shl(4) | hex_value(d)?;
        }
        self.rest = self.rest.get(4..)?;
        Some(unit)
    }

    /// Decodes the escape after a backslash (already consumed).
    fn escape(&mut self) -> Option<char> {
        let mut it = self.rest.chars();
        let c = it.next()?;
        self.rest = it.as_str();
        Some(match c {
            '"' => '"',
            '\\' => '\\',
            '/' => '/',
            'b' => '\u{8}',
            'f' => '\u{c}',
            'n' => '\n',
            'r' => '\r',
            't' => '\t',
            'u' => {
                let unit = self.hex4()?;
                if is_high_surrogate(unit) {
                    let low_text = self.rest.strip_prefix("\\u")?;
                    self.rest = low_text;
                    let low = self.hex4()?;
                    if !is_low_surrogate(low) {
                        return None;
                    }
                    let high = u32::from(unit).wrapping_sub(0xD800);
                    let low = u32::from(low).wrapping_sub(0xDC00);
                    char::from_u32(0x10000u32.wrapping_add(high.wrapping_shl(10) | low))?
                } else {
                    char::from_u32(u32::from(unit))?
                }
            }
            _ => return None,
        })
    }
}

impl Iterator for Chars<'_> {
    type Item = char;

    fn next(&mut self) -> Option<char> {
        let mut it = self.rest.chars();
        let c = it.next()?;
        self.rest = it.as_str();
        if c != '\\' {
            return Some(c);
        }
        match self.escape() {
            Some(c) => Some(c),
            None => {
                // Unreachable after the scanner; stop decoding rather than guess.
                self.rest = "";
                Some(char::REPLACEMENT_CHARACTER)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chars_decode_pairs_and_simple_escapes() {
        let s = JsonStr::from_raw(r"a\u00e9\ud83d\ude00\n\/");
        let mut buf = [0u8; 32];
        assert_eq!(s.unescape_into(&mut buf), Some("a\u{e9}\u{1F600}\n/"));
        assert_eq!(s.char_count(), 5);
    }

    #[test]
    fn scalar_after_key_reads_number_text() {
        let body = br#"{"amount" :	1010.50 ,"x":true}"#;
        let text = core::str::from_utf8(body).unwrap();
        let key = &text[2..8];
        assert_eq!(key, "amount");
        assert_eq!(scalar_after_key(body, key), Some("1010.50"));
        let x = &text[22..23];
        assert_eq!(scalar_after_key(body, x), Some("true"));
        // A string that is not a slice of the body is refused.
        assert_eq!(scalar_after_key(body, "amount"), None);
    }
}
