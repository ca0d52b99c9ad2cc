//! The `headers` parameter: which headers a signature covers, and in which order.
//!
//! SPEC §4: lower-case header names separated by single spaces; no empty name, no name twice, at
//! most 16 names. `request-line` is a pseudo-header naming the request line (SPEC §3).

use core::fmt;

use crate::scan::any_byte;

/// At most this many names may be signed (SPEC §4).
pub const MAX_SIGNED_HEADERS: usize = 16;

/// The pseudo-header that stands for the request line.
pub const REQUEST_LINE: &str = "request-line";

/// Why a `headers` list is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HeaderListError {
    /// The list is empty, has a double space, or starts or ends with a space.
    EmptyName,
    /// A name is not a lower-case HTTP token (an upper-case letter, a tab, a colon...).
    InvalidName,
    /// A name appears twice.
    DuplicateName,
    /// More than [`MAX_SIGNED_HEADERS`] names.
    TooMany,
}

impl HeaderListError {
    /// Stable identifier of this error.
    pub const fn kind(self) -> &'static str {
        match self {
            HeaderListError::EmptyName | HeaderListError::InvalidName => {
                "authorization.header_list"
            }
            HeaderListError::DuplicateName => "authorization.duplicate_header_name",
            HeaderListError::TooMany => "authorization.too_many_headers",
        }
    }
}

impl fmt::Display for HeaderListError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            HeaderListError::EmptyName => {
                "the headers list has an empty name; separate names with exactly one space"
            }
            HeaderListError::InvalidName => {
                "the headers list holds a name that is not a lower-case HTTP token"
            }
            HeaderListError::DuplicateName => "the headers list names a header twice",
            HeaderListError::TooMany => "the headers list names more than 16 headers",
        })
    }
}

/// A validated `headers` list, borrowed from the Authorization header or the signer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HeaderList<'a>(&'a str);

impl<'a> HeaderList<'a> {
    /// The seed's order, which signers use by default:
    /// `request-line x-date content-type content-length content-sha512`.
    pub const DEFAULT: HeaderList<'static> =
        HeaderList("request-line x-date content-type content-length content-sha512");

    /// The seed's order with the legacy SHA-256 digest.
    pub(crate) const SHA256_DIGEST_LAST: HeaderList<'static> =
        HeaderList("request-line x-date content-type content-length content-sha256");

    /// The digest before the length, SHA-512.
    pub(crate) const SHA512_LENGTH_LAST: HeaderList<'static> =
        HeaderList("request-line x-date content-type content-sha512 content-length");

    /// The digest before the length, legacy SHA-256.
    pub(crate) const SHA256_LENGTH_LAST: HeaderList<'static> =
        HeaderList("request-line x-date content-type content-sha256 content-length");

    /// The lists a [`Signer`](crate::signer::Signer) sends without extra headers, the seed's
    /// first: nearly every request a verifier sees carries one of these.
    const SIGNERS_LISTS: [HeaderList<'static>; 4] = [
        HeaderList::DEFAULT,
        HeaderList::SHA256_DIGEST_LAST,
        HeaderList::SHA512_LENGTH_LAST,
        HeaderList::SHA256_LENGTH_LAST,
    ];

    /// One of the signers' lists, recognised by its text: valid without a parse (a test parses
    /// each one).
    pub(crate) fn known(list: &[u8]) -> Option<HeaderList<'static>> {
        Self::SIGNERS_LISTS
            .into_iter()
            .find(|known| known.0.as_bytes() == list)
    }

    /// Validates a space-separated list of names.
    ///
    /// ```
    /// use ingo_signer_core::header_list::{HeaderList, HeaderListError};
    /// let list = HeaderList::parse("request-line x-date host").unwrap();
    /// assert_eq!(list.iter().count(), 3);
    /// assert_eq!(HeaderList::parse("x-date  host"), Err(HeaderListError::EmptyName));
    /// assert_eq!(HeaderList::parse("X-Date"), Err(HeaderListError::InvalidName));
    /// ```
    ///
    /// # Errors
    /// The first [`HeaderListError`] the list breaks.
    pub fn parse(list: &'a str) -> Result<Self, HeaderListError> {
        if Self::known(list.as_bytes()).is_none() {
            check_names(list)?;
        }
        Ok(HeaderList(list))
    }

    /// The names, in signing order.
    pub fn iter(&self) -> impl Iterator<Item = &'a str> + 'a {
        split_spaces(self.0)
    }

    /// Whether the list names `name` (lower-case).
    pub fn contains(&self, name: &str) -> bool {
        self.iter().any(|listed| listed == name)
    }

    /// The list as it is written in the Authorization header.
    pub fn as_str(&self) -> &'a str {
        self.0
    }
}

/// The grammar of a list (SPEC §4), for a list that is not one of the signers' own.
///
/// # Errors
/// The first [`HeaderListError`] the list breaks.
fn check_names(list: &str) -> Result<(), HeaderListError> {
    // Most lists hold only token characters and spaces: one scan of the whole list proves
    // it, and the names then need no check of their own. Otherwise each name is checked in
    // turn, so the error reported is still the first one the list breaks.
    let all_tokens = !any_byte(list.as_bytes(), |b| !is_list_byte(b));
    let mut seen = [""; MAX_SIGNED_HEADERS];
    let mut count = 0usize;
    for name in split_spaces(list) {
        if name.is_empty() {
            return Err(HeaderListError::EmptyName);
        }
        if !all_tokens && any_byte(name.as_bytes(), |b| !is_lower_tchar(b)) {
            return Err(HeaderListError::InvalidName);
        }
        if seen.get(..count).unwrap_or_default().contains(&name) {
            return Err(HeaderListError::DuplicateName);
        }
        match seen.get_mut(count) {
            Some(slot) => *slot = name,
            None => return Err(HeaderListError::TooMany),
        }
        count = count.saturating_add(1);
    }
    Ok(())
}

/// `list.split(' ')` without the memchr-based char searcher, which costs more than the names.
fn split_spaces(list: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(list);
    core::iter::from_fn(move || {
        let current = rest?;
        // Names are short (most under 16 bytes), so a plain loop finds the space sooner than a
        // block scan would.
        match current.bytes().position(|b| b == b' ') {
            Some(space) => {
                rest = current.get(space.saturating_add(1)..);
                current.get(..space)
            }
            None => {
                rest = None;
                Some(current)
            }
        }
    })
}

/// An HTTP token character (RFC 9110 §5.6.2) that is not an upper-case letter.
pub(crate) fn is_lower_tchar(b: u8) -> bool {
    token_class(b) & LOWER_TCHAR != 0
}

/// An HTTP token character (RFC 9110 §5.6.2): what a method and a header name are made of.
///
/// ```
/// use ingo_signer_core::header_list::is_tchar;
/// assert!(b"Content-sha512".iter().all(|&b| is_tchar(b)));
/// assert!(!is_tchar(b' ') && !is_tchar(b':') && !is_tchar(0x7f));
/// ```
pub fn is_tchar(b: u8) -> bool {
    token_class(b) & TCHAR != 0
}

/// Whether a byte belongs in a header list: a lower-case token character or the separating
/// space.
fn is_list_byte(b: u8) -> bool {
    token_class(b) & LIST_BYTE != 0
}

/// One load from a table instead of a chain of range tests per byte.
fn token_class(b: u8) -> u8 {
    TOKEN_CLASS.get(usize::from(b)).copied().unwrap_or(0)
}

const TCHAR: u8 = 1;
const LOWER_TCHAR: u8 = 2;
const LIST_BYTE: u8 = 4;

/// The classes above for every byte value, built at compile time from the RFC's definition.
// Evaluated by the compiler: an out-of-range index or overflow here fails the build, it cannot
// happen at run time.
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
static TOKEN_CLASS: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut b = 0u8;
    loop {
        let tchar = matches!(b, b'!' | b'#'..=b'\'' | b'*' | b'+' | b'-' | b'.' | b'0'..=b'9' | b'A'..=b'Z' | b'^'..=b'z' | b'|' | b'~');
        let lower = tchar && !b.is_ascii_uppercase();
        table[b as usize] = (tchar as u8 * TCHAR)
            | (lower as u8 * LOWER_TCHAR)
            | ((lower || b == b' ') as u8 * LIST_BYTE);
        if b == u8::MAX {
            break table;
        }
        b += 1;
    }
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_classes_follow_the_rfc() {
        let symbols = b"!#$%&'*+-.^_`|~";
        for b in 0..=u8::MAX {
            let tchar = b.is_ascii_alphanumeric() || symbols.contains(&b);
            assert_eq!(is_tchar(b), tchar, "{b:#04x}");
            assert_eq!(
                is_lower_tchar(b),
                tchar && !b.is_ascii_uppercase(),
                "{b:#04x}"
            );
            assert_eq!(is_list_byte(b), is_lower_tchar(b) || b == b' ', "{b:#04x}");
        }
    }

    #[test]
    fn bounds() {
        let sixteen = "a b c d e f g h i j k l m n o p";
        assert!(HeaderList::parse(sixteen).is_ok());
        assert_eq!(
            HeaderList::parse("a b c d e f g h i j k l m n o p q"),
            Err(HeaderListError::TooMany)
        );
        assert_eq!(HeaderList::parse(""), Err(HeaderListError::EmptyName));
        assert_eq!(HeaderList::parse(" a"), Err(HeaderListError::EmptyName));
        assert_eq!(HeaderList::parse("a "), Err(HeaderListError::EmptyName));
        assert_eq!(HeaderList::parse("a\tb"), Err(HeaderListError::InvalidName));
        assert_eq!(
            HeaderList::parse("a b a"),
            Err(HeaderListError::DuplicateName)
        );
        assert!(HeaderList::DEFAULT.contains("content-sha512"));
    }

    /// The lists taken at sight are lists the full check accepts, and nothing else is taken.
    #[test]
    fn the_known_lists_are_valid_lists() {
        for known in HeaderList::SIGNERS_LISTS {
            assert_eq!(HeaderList::known(known.as_str().as_bytes()), Some(known));
            // The grammar any other list goes through accepts it too.
            assert_eq!(check_names(known.as_str()), Ok(()), "{known:?}");
        }
        for other in [
            "request-line x-date content-type content-length",
            "request-line x-date content-type content-length content-sha512 ",
            "Request-line x-date content-type content-length content-sha512",
        ] {
            assert_eq!(HeaderList::known(other.as_bytes()), None, "{other}");
        }
    }
}
