//! The report of a payload's violations: which field, which rule, and what to do about it.
//!
//! A [`Report`] keeps at most [`MAX_VIOLATIONS`] violations in a fixed-size `heapless::Vec`
//! and counts the rest ([`Report::omitted`]): a hostile body with thousands of unknown keys
//! costs a counter, not memory, and the report stays a few KiB on the stack. 32 is more than
//! a real body breaks (one violation per field at most, and the largest request has 42
//! fields), yet small enough to move by value.
//!
//! Each [`Violation`] borrows from the body: the path of an unknown field is the key's raw
//! text, and an echoed value is the raw JSON text of the value. Values are echoed only for
//! fields whose values are codes or amounts (state, ZIP, locale, `host_uri`, enumerations,
//! `amount`, integers); names, e-mail addresses, phone numbers, card numbers, expiration
//! dates, tokens and keys are never echoed, so a report can be logged without leaking
//! personal or card data. A `host_uri` is echoed without its user information and without
//! its query or fragment (`https://…@host/path?…`): either may hold a password or a token.
//! Echoed text (values and unknown keys) is cut after 40 characters (64 for keys), and its
//! control, bidi and other format characters are escaped ([`Escaped`](crate::echo::Escaped)),
//! so a report cannot rewrite the terminal or the log it is shown in.

use core::fmt;

use crate::echo::Escaped;

use super::codes::LOCALES_TEXT;

/// The most violations a [`Report`] keeps; further ones are only counted.
pub const MAX_VIOLATIONS: usize = 32;

/// How many characters of a value a message shows at most.
const ECHO_CHARS: usize = 40;

/// How many characters of an unknown key a path shows at most.
const KEY_CHARS: usize = 64;

/// The JSON path of a field, dotted from the top-level object:
/// `recipient_information.zip_code`, `sender.contact_address.state`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Path<'a> {
    /// A field the endpoint defines.
    Known(&'static str),
    /// A key the endpoint does not define, inside the object at `parent` (`""` for the top
    /// level). `key` is the key's raw JSON text, escapes not decoded.
    Unknown {
        /// Path of the object holding the key, `""` at the top level.
        parent: &'static str,
        /// The key's raw text.
        key: &'a str,
    },
}

impl Path<'_> {
    /// Whether this is the path `dotted` (for an unknown key, compared with its raw text).
    pub fn is(&self, dotted: &str) -> bool {
        match *self {
            Self::Known(p) => p == dotted,
            Self::Unknown { parent, key } => {
                if parent.is_empty() {
                    key == dotted
                } else {
                    dotted
                        .strip_prefix(parent)
                        .and_then(|rest| rest.strip_prefix('.'))
                        == Some(key)
                }
            }
        }
    }
}

impl fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::Known(p) => f.write_str(p),
            Self::Unknown { parent, key } => {
                if !parent.is_empty() {
                    write!(f, "{parent}.")?;
                }
                write_cut(f, key, KEY_CHARS)
            }
        }
    }
}

/// Writes at most `max` characters of `text`, escaped, then `…` if it was cut.
fn write_cut(f: &mut fmt::Formatter<'_>, text: &str, max: usize) -> fmt::Result {
    let mut out = Cut::new(f, max);
    out.piece(text)?;
    out.end()
}

/// Writes pieces of one echoed text: escaped ([`Escaped`]), at most `left` characters of the
/// text in all, then `…` once if it was cut.
struct Cut<'f, 'g> {
    f: &'f mut fmt::Formatter<'g>,
    left: usize,
    cut: bool,
}

impl<'f, 'g> Cut<'f, 'g> {
    fn new(f: &'f mut fmt::Formatter<'g>, max: usize) -> Self {
        Cut {
            f,
            left: max,
            cut: false,
        }
    }

    /// The next piece, while characters are left.
    fn piece(&mut self, text: &str) -> fmt::Result {
        if self.cut {
            return Ok(());
        }
        let shown = match text.char_indices().nth(self.left) {
            Some((at, _)) => {
                self.cut = true;
                text.get(..at).unwrap_or(text)
            }
            None => text,
        };
        self.left = self.left.saturating_sub(shown.chars().count());
        fmt::Display::fmt(&Escaped(shown), self.f)
    }

    /// Marks a text cut short.
    fn end(self) -> fmt::Result {
        if self.cut {
            self.f.write_str("…")
        } else {
            Ok(())
        }
    }
}

/// Writes a URI without what may be secret in it: the user information (`user:password@`)
/// becomes `…@`, and a query or fragment becomes `?…` (`#…`). The rest (scheme, host, port,
/// path) is what a person needs to see which URI was refused. The raw JSON text is unescaped
/// first, so `\u0040` hides nothing; a URI too long to unescape here is not shown.
fn write_uri(f: &mut fmt::Formatter<'_>, raw: &str) -> fmt::Result {
    const MAX_BYTES: usize = 4 * super::codes::HOST_URI_MAX;
    let mut buf = [0u8; MAX_BYTES];
    let Some(uri) = super::json::JsonStr::from_raw(raw).unescape_into(&mut buf) else {
        return f.write_str("…");
    };
    let (scheme, rest) = match uri.split_once("://") {
        Some((scheme, rest))
            if !scheme.is_empty()
                && scheme
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.')) =>
        {
            (
                uri.get(..scheme.len().saturating_add(3)).unwrap_or(""),
                rest,
            )
        }
        _ => ("", uri),
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, after) = rest.split_at_checked(authority_end).unwrap_or((rest, ""));
    let (user_info, host) = match authority.rsplit_once('@') {
        Some((_, host)) => (true, host),
        None => (false, authority),
    };
    let path_end = after.find(['?', '#']).unwrap_or(after.len());
    let (path, tail) = after.split_at_checked(path_end).unwrap_or((after, ""));
    let mut out = Cut::new(f, ECHO_CHARS);
    out.piece(scheme)?;
    if user_info {
        out.piece("…@")?;
    }
    out.piece(host)?;
    out.piece(path)?;
    if let Some(mark) = tail.get(..1) {
        out.piece(mark)?;
        out.piece("…")?;
    }
    out.end()
}

/// A JSON type, as a rule expects it or a body has it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JsonType {
    /// A string.
    String,
    /// A number (any JSON number).
    Number,
    /// A number written as a whole number (no fraction, no exponent).
    Integer,
    /// `true` or `false`.
    Boolean,
    /// `null`.
    Null,
    /// An object.
    Object,
    /// An array.
    Array,
}

impl JsonType {
    /// Stable name of the type (`"string"`, `"integer"`...).
    pub const fn name(self) -> &'static str {
        match self {
            Self::String => "string",
            Self::Number => "number",
            Self::Integer => "integer",
            Self::Boolean => "boolean",
            Self::Null => "null",
            Self::Object => "object",
            Self::Array => "array",
        }
    }

    const fn with_article(self) -> &'static str {
        match self {
            Self::String => "a string",
            Self::Number => "a number",
            Self::Integer => "an integer",
            Self::Boolean => "a boolean",
            Self::Null => "null",
            Self::Object => "an object",
            Self::Array => "an array",
        }
    }
}

/// Why a field that may be absent is required in this body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Requirement {
    /// The field is always required (when its object is present).
    Always,
    /// The participant is PayPal-enabled ([`Options::paypal_enabled`](super::Options)).
    PayPalEnabled,
    /// The participant uses sender data ([`Options::uses_sender_data`](super::Options)).
    SenderData,
    /// The participant uses the ledger service ([`Options::ledger_service`](super::Options)).
    LedgerService,
    /// The participant is retail card-present
    /// ([`Options::retail_card_present`](super::Options)).
    RetailCardPresent,
    /// `customer_account_token` is absent, so the raw account fields must be sent.
    NoAccountToken,
    /// `first_name` and `last_name` are not both given, so `business_name` must be.
    NoFullName,
}

impl Requirement {
    /// Stable snake_case identifier of the requirement.
    pub const fn kind(self) -> &'static str {
        match self {
            Self::Always => "always",
            Self::PayPalEnabled => "paypal_enabled",
            Self::SenderData => "sender_data",
            Self::LedgerService => "ledger_service",
            Self::RetailCardPresent => "retail_card_present",
            Self::NoAccountToken => "no_account_token",
            Self::NoFullName => "no_full_name",
        }
    }

    const fn reason(self) -> &'static str {
        match self {
            Self::Always => "",
            Self::PayPalEnabled => " for PayPal-enabled participants",
            Self::SenderData => " for participants that use sender data",
            Self::LedgerService => " for participants using the ledger service",
            Self::RetailCardPresent => " for retail card-present participants",
            Self::NoAccountToken => " when customer_account_token is not given",
            Self::NoFullName => " unless both first_name and last_name are given",
        }
    }
}

/// What is wrong with an e-mail address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EmailProblem {
    /// It has no `@` or more than one.
    AtSign,
    /// Nothing before the `@`.
    EmptyLocalPart,
    /// Nothing after the `@`.
    EmptyDomain,
    /// It contains a space or other whitespace.
    Whitespace,
}

impl EmailProblem {
    /// Stable snake_case identifier of the problem.
    pub const fn kind(self) -> &'static str {
        match self {
            Self::AtSign => "at_sign",
            Self::EmptyLocalPart => "empty_local_part",
            Self::EmptyDomain => "empty_domain",
            Self::Whitespace => "whitespace",
        }
    }
}

/// What is wrong with a `host_uri`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UriProblem {
    /// It does not start with `http://` or `https://`.
    Scheme,
    /// No host follows the scheme.
    MissingHost,
    /// It carries user information (`user@host`), which can disguise the real host.
    UserInfo,
    /// The port is not a number from 1 to 65535.
    Port,
    /// A character that a URI may not contain (space, non-ASCII, `<`, a bad `%` escape...).
    Character,
}

impl UriProblem {
    /// Stable snake_case identifier of the problem.
    pub const fn kind(self) -> &'static str {
        match self {
            Self::Scheme => "scheme",
            Self::MissingHost => "missing_host",
            Self::UserInfo => "user_info",
            Self::Port => "port",
            Self::Character => "character",
        }
    }
}

/// A rule of SPEC §6 (or of strict JSON) that a field breaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Rule {
    /// The key is not a field of this object.
    UnknownField,
    /// The key appears more than once in the same object.
    DuplicateField,
    /// The field is absent (or empty) but required.
    Required(Requirement),
    /// A raw account field was sent together with `customer_account_token`.
    ForbiddenWithToken,
    /// The value has the wrong JSON type.
    Type {
        /// The type the rule expects.
        expected: JsonType,
        /// The type found.
        found: JsonType,
    },
    /// Fewer characters than the minimum (counted after unescaping).
    MinLength {
        /// The minimum.
        min: usize,
        /// The value's length.
        actual: usize,
    },
    /// More characters than the maximum (counted after unescaping).
    MaxLength {
        /// The maximum.
        max: usize,
        /// The value's length.
        actual: usize,
    },
    /// A control character (U+0000 to U+001F, U+007F to U+009F) in a text field.
    ControlCharacter,
    /// Not one of the two-letter state codes of SPEC §6.
    State,
    /// Not 5 digits or 5+4 digits (`^[0-9]{5}(-[0-9]{4})?$`).
    Zip,
    /// Not exactly 10 ASCII digits.
    Phone,
    /// Not the shape of an e-mail address.
    Email(EmailProblem),
    /// Not one of the 28 locale codes of the Session Create page.
    Locale,
    /// Not an absolute `http://` or `https://` URI with a host.
    Uri(UriProblem),
    /// Not the one value the field allows (`account_type` `"CA"`, `version` 11).
    ExactValue(&'static str),
    /// Not one of the values the field allows.
    OneOf(&'static str),
    /// A number with a fraction or an exponent where an integer is required.
    Integer,
    /// An integer outside the field's range.
    IntegerRange {
        /// The smallest allowed value.
        min: u64,
        /// The largest allowed value.
        max: u64,
    },
    /// `amount` written with an exponent (`1e2`).
    AmountExponent,
    /// `amount` written with more than two decimal places.
    AmountDecimals,
    /// `amount` below 0.01.
    AmountMinimum,
    /// Not a card expiration date written `YYMM` (month 01 to 12).
    ExpirationDate,
}

impl Rule {
    /// Stable snake_case identifier of the rule, for programs (and later the C ABI) to match on.
    pub const fn kind(&self) -> &'static str {
        match self {
            Self::UnknownField => "unknown_field",
            Self::DuplicateField => "duplicate_field",
            Self::Required(_) => "required",
            Self::ForbiddenWithToken => "forbidden_with_token",
            Self::Type { .. } => "type",
            Self::MinLength { .. } => "min_length",
            Self::MaxLength { .. } => "max_length",
            Self::ControlCharacter => "control_character",
            Self::State => "state",
            Self::Zip => "zip",
            Self::Phone => "phone",
            Self::Email(_) => "email",
            Self::Locale => "locale",
            Self::Uri(_) => "uri",
            Self::ExactValue(_) => "exact_value",
            Self::OneOf(_) => "one_of",
            Self::Integer => "integer",
            Self::IntegerRange { .. } => "integer_range",
            Self::AmountExponent => "amount_exponent",
            Self::AmountDecimals => "amount_decimals",
            Self::AmountMinimum => "amount_minimum",
            Self::ExpirationDate => "expiration_date",
        }
    }

    /// Writes what the value must be (the part after the path and the echoed value).
    fn write_message(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::UnknownField => f.write_str("is not a field of this request; remove it"),
            Self::DuplicateField => f.write_str("appears more than once; send it once"),
            Self::Required(r) => write!(f, "is required{}", r.reason()),
            Self::ForbiddenWithToken => {
                f.write_str("must be omitted when customer_account_token is given")
            }
            Self::Type { expected, found } => write!(
                f,
                "must be {}, not {}",
                expected.with_article(),
                found.with_article()
            ),
            Self::MinLength { min: 1, .. } => f.write_str("must not be empty"),
            Self::MinLength { min, actual } => {
                write!(f, "must be at least {min} characters (it has {actual})")
            }
            Self::MaxLength { max, actual } => {
                write!(f, "must be at most {max} characters (it has {actual})")
            }
            Self::ControlCharacter => f.write_str(
                "must not contain control characters (tabs, line breaks, U+0000 to U+001F, U+007F to U+009F)",
            ),
            Self::State => f.write_str(
                "must be a two-letter upper-case US state, territory or military code such as GA",
            ),
            Self::Zip => f.write_str("must be 5 digits or 5+4 digits"),
            Self::Phone => f.write_str("must be exactly 10 digits"),
            Self::Email(p) => f.write_str(match p {
                EmailProblem::AtSign => "must be an e-mail address with exactly one @",
                EmailProblem::EmptyLocalPart => "must be an e-mail address with a name before the @",
                EmailProblem::EmptyDomain => "must be an e-mail address with a domain after the @",
                EmailProblem::Whitespace => "must be an e-mail address without spaces",
            }),
            Self::Locale => write!(f, "must be one of {}", LOCALES_TEXT),
            Self::Uri(p) => {
                f.write_str("must be an absolute http:// or https:// URI with a host")?;
                f.write_str(match p {
                    UriProblem::Scheme => "",
                    UriProblem::MissingHost => " (the host is missing)",
                    UriProblem::UserInfo => " and no user@ part",
                    UriProblem::Port => " (the port must be 1 to 65535)",
                    UriProblem::Character => {
                        " (no spaces, non-ASCII characters or invalid % escapes)"
                    }
                })
            }
            Self::ExactValue(v) => write!(f, "must be exactly {v}"),
            Self::OneOf(list) => write!(f, "must be one of {list}"),
            Self::Integer => f.write_str("must be a whole number, without fraction or exponent"),
            Self::IntegerRange { min: 0, max } => {
                write!(f, "must be a non-negative integer no larger than {max}")
            }
            Self::IntegerRange { min: 1, max } => {
                write!(f, "must be a positive integer no larger than {max}")
            }
            Self::IntegerRange { min, max } => {
                write!(f, "must be an integer from {min} to {max}")
            }
            Self::AmountExponent => f.write_str("must be written without an exponent"),
            Self::AmountDecimals => f.write_str("must have at most two decimal places"),
            Self::AmountMinimum => f.write_str("must be at least 0.01"),
            Self::ExpirationDate => {
                f.write_str("must be the card's expiration date written YYMM (month 01 to 12)")
            }
        }
    }
}

/// A value shown in a message: the raw JSON text of a string (shown quoted) or of a scalar.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Shown<'a> {
    /// The raw text between a string's quotes.
    Str(&'a str),
    /// The raw text between the quotes of a URI, shown without user information, query or
    /// fragment.
    Uri(&'a str),
    /// A number or literal.
    Literal(&'a str),
}

/// One rule broken by one field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Violation<'a> {
    path: Path<'a>,
    rule: Rule,
    shown: Option<Shown<'a>>,
}

impl<'a> Violation<'a> {
    pub(crate) const fn new(path: Path<'a>, rule: Rule, shown: Option<Shown<'a>>) -> Self {
        Self { path, rule, shown }
    }

    /// The field's JSON path.
    pub const fn path(&self) -> Path<'a> {
        self.path
    }

    /// The rule broken.
    pub const fn rule(&self) -> Rule {
        self.rule
    }

    /// The rule's stable identifier (same as `self.rule().kind()`).
    pub const fn kind(&self) -> &'static str {
        self.rule.kind()
    }

    /// The raw JSON text of the offending value, when the field's values may be echoed (see
    /// the module docs); for a string, the text between the quotes. Never a URI's (it may hold
    /// a password): the message shows it without its secret parts. The text is as sent: escape
    /// it before showing it ([`Escaped`]), as the message does.
    pub fn value(&self) -> Option<&'a str> {
        match self.shown? {
            Shown::Str(s) | Shown::Literal(s) => Some(s),
            Shown::Uri(_) => None,
        }
    }
}

impl fmt::Display for Violation<'_> {
    /// `recipient_information.zip_code: "3723" must be 5 digits or 5+4 digits`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.path)?;
        match self.shown {
            Some(Shown::Str(s)) => {
                f.write_str("\"")?;
                write_cut(f, s, ECHO_CHARS)?;
                f.write_str("\" ")?;
            }
            Some(Shown::Uri(s)) => {
                f.write_str("\"")?;
                write_uri(f, s)?;
                f.write_str("\" ")?;
            }
            Some(Shown::Literal(s)) => {
                write_cut(f, s, ECHO_CHARS)?;
                f.write_str(" ")?;
            }
            None => {}
        }
        self.rule.write_message(f)
    }
}

/// Every violation found in a body (up to [`MAX_VIOLATIONS`], then counted).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report<'a> {
    violations: heapless::Vec<Violation<'a>, MAX_VIOLATIONS>,
    omitted: usize,
}

impl<'a> Report<'a> {
    /// An empty report.
    pub const fn new() -> Self {
        Self {
            violations: heapless::Vec::new(),
            omitted: 0,
        }
    }

    pub(crate) fn push(&mut self, v: Violation<'a>) {
        if self.violations.push(v).is_err() {
            self.omitted = self.omitted.saturating_add(1);
        }
    }

    /// The violations kept, in the order found: unknown and duplicate keys in body order,
    /// then field rules in the order the endpoint defines its fields.
    pub fn violations(&self) -> &[Violation<'a>] {
        &self.violations
    }

    /// How many violations were found beyond [`MAX_VIOLATIONS`] and not kept.
    pub const fn omitted(&self) -> usize {
        self.omitted
    }

    /// How many violations were found in all (kept and omitted).
    pub fn total(&self) -> usize {
        self.violations.len().saturating_add(self.omitted)
    }

    /// Whether no violation was found.
    pub fn is_empty(&self) -> bool {
        self.total() == 0
    }

    /// The first kept violation at `path`, if any.
    pub fn find(&self, path: &str) -> Option<&Violation<'a>> {
        self.violations.iter().find(|v| v.path.is(path))
    }
}

impl fmt::Display for Report<'_> {
    /// The violations, separated by `; `, then how many were omitted.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, v) in self.violations.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{v}")?;
        }
        if self.omitted > 0 {
            write!(f, "; and {} more", self.omitted)?;
        }
        Ok(())
    }
}
