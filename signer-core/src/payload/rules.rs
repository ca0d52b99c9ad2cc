//! Field rules shared by both endpoints: the formats of SPEC §6 (state, ZIP, phone, e-mail,
//! locale, `host_uri`, YYMM), lengths, integers, and the generic pass that judges every slot of
//! a table (the tables' vocabulary is the `table` module's).
//!
//! Each field breaks at most one rule: the first of, in order, its type, control characters,
//! its minimum and maximum length, and its format. A value with a wrong type says nothing
//! about its format, and a 300-character ZIP needs only one message.
//!
//! Decisions where SPEC §6 is silent:
//! - Lengths and formats count Unicode scalar values after JSON unescaping; formats that
//!   name digits (ZIP, phone, YYMM) mean the ASCII digits `0`-`9` only.
//! - Text fields must not contain control characters (`char::is_control`: U+0000 to U+001F,
//!   U+007F to U+009F), even escaped: a tab or line break in a name or address corrupts the
//!   fixed-width and CSV files payments end up in.
//! - `null` is not a way to omit a field: it is reported as a type error ("must be a string,
//!   not null"); omit the key instead.
//! - Integers must fit in a signed 64-bit integer (the widest type the server side can be
//!   expected to hold); `-0` is 0.
//! - A field that is only conditionally required (an option's field, `business_name`) is not
//!   satisfied by an empty string.
//! - Locale codes and the exact values (`CA`, `program`...) compare case-sensitively, as
//!   listed.

use super::amount;
use super::codes::{LOCALES, STATES};
use super::json::{JsonError, JsonStr};
use super::options::Options;
use super::report::{
    EmailProblem, JsonType, Path, Report, Requirement, Rule, Shown, UriProblem, Violation,
};
use super::table::{Field, Format, HOST_URI_MAX, IntRule, Kind, Need};
use super::walk::{Sink, Slot, walk};

impl Requirement {
    /// Whether the caller's options make this requirement apply.
    pub(crate) const fn applies(self, options: &Options) -> bool {
        match self {
            Self::Always => true,
            Self::PayPalEnabled => options.paypal_enabled,
            Self::SenderData => options.uses_sender_data,
            Self::LedgerService => options.ledger_service,
            Self::RetailCardPresent => options.retail_card_present,
            // Cross-field requirements are judged by the endpoint modules.
            Self::NoAccountToken | Self::NoFullName => false,
        }
    }
}

/// Whether `s` is a state code of [`STATES`].
pub(crate) fn is_state(s: JsonStr<'_>) -> bool {
    let mut it = s.chars();
    match (it.next(), it.next(), it.next()) {
        (Some(a), Some(b), None) => STATES.iter().any(|code| {
            let mut c = code.chars();
            c.next() == Some(a) && c.next() == Some(b)
        }),
        _ => false,
    }
}

/// Takes `n` ASCII digits from `it`.
fn digits(it: &mut impl Iterator<Item = char>, n: usize) -> bool {
    (0..n).all(|_| it.next().is_some_and(|c| c.is_ascii_digit()))
}

/// Whether `s` matches `^[0-9]{5}(-[0-9]{4})?$`.
pub(crate) fn is_zip(s: JsonStr<'_>) -> bool {
    let mut it = s.chars();
    if !digits(&mut it, 5) {
        return false;
    }
    match it.next() {
        None => true,
        Some('-') => digits(&mut it, 4) && it.next().is_none(),
        Some(_) => false,
    }
}

/// Whether `s` is exactly 10 ASCII digits.
pub(crate) fn is_phone(s: JsonStr<'_>) -> bool {
    let mut it = s.chars();
    digits(&mut it, 10) && it.next().is_none()
}

/// Whether `s` is a card expiration date `YYMM` with a month from 01 to 12.
pub(crate) fn is_yymm(s: JsonStr<'_>) -> bool {
    let mut it = s.chars();
    let mut all = [0u32; 4];
    for d in &mut all {
        match it
            .next()
            .and_then(|c| c.to_digit(10).filter(|_| c.is_ascii_digit()))
        {
            Some(v) => *d = v,
            None => return false,
        }
    }
    let [_, _, m1, m2] = all;
    let month = m1.saturating_mul(10).saturating_add(m2);
    it.next().is_none() && (1..=12).contains(&month)
}

/// The shape of an e-mail address: one `@`, something on each side, no whitespace.
pub(crate) fn check_email(s: JsonStr<'_>) -> Result<(), EmailProblem> {
    let (mut ats, mut local, mut domain) = (0usize, 0usize, 0usize);
    for c in s.chars() {
        if c.is_whitespace() {
            return Err(EmailProblem::Whitespace);
        }
        if c == '@' {
            ats = ats.saturating_add(1);
        } else if ats == 0 {
            local = local.saturating_add(1);
        } else {
            domain = domain.saturating_add(1);
        }
    }
    if ats != 1 {
        Err(EmailProblem::AtSign)
    } else if local == 0 {
        Err(EmailProblem::EmptyLocalPart)
    } else if domain == 0 {
        Err(EmailProblem::EmptyDomain)
    } else {
        Ok(())
    }
}

/// Whether `c` may appear in a URI (RFC 3986 unreserved, reserved, or `%`).
fn is_uri_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || b"-._~:/?#[]@!$&'()*+,;=%".contains(&c)
}

/// An absolute `http://` or `https://` URI with a host, as RFC 3986 writes one.
///
/// Decisions: the scheme compares case-insensitively (RFC 3986 §3.1); user information is
/// rejected, because `https://digitalpay.example@evil.example` reads as one host and is
/// another; a port must be 1 to 65535; the URI must be ASCII (internationalised hosts are
/// sent in their punycode form).
pub(crate) fn check_http_uri(s: JsonStr<'_>) -> Result<(), UriProblem> {
    // At most HOST_URI_MAX characters (checked before), each at most 4 bytes.
    let mut buf = [0u8; 4 * HOST_URI_MAX];
    let uri = s.unescape_into(&mut buf).ok_or(UriProblem::Character)?;
    let bytes = uri.as_bytes();
    if !bytes.iter().all(|&c| is_uri_char(c)) {
        return Err(UriProblem::Character);
    }
    // Every % starts a two-hex-digit escape.
    let mut rest = uri;
    while let Some(at) = rest.find('%') {
        let after = rest.get(at.saturating_add(1)..).unwrap_or("");
        let hex = after.as_bytes().get(..2).unwrap_or(&[]);
        if hex.len() != 2 || !hex.iter().all(u8::is_ascii_hexdigit) {
            return Err(UriProblem::Character);
        }
        rest = after;
    }
    let after_scheme = ["https://", "http://"]
        .iter()
        .find_map(|scheme| {
            let head = uri.get(..scheme.len())?;
            head.eq_ignore_ascii_case(scheme)
                .then(|| uri.get(scheme.len()..))
                .flatten()
        })
        .ok_or(UriProblem::Scheme)?;
    let authority = after_scheme
        .split(['/', '?', '#'])
        .next()
        .unwrap_or_default();
    if authority.contains('@') {
        return Err(UriProblem::UserInfo);
    }
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        let (inside, after) = v6.split_once(']').ok_or(UriProblem::MissingHost)?;
        match after {
            "" => (inside, None),
            p => (inside, Some(p.strip_prefix(':').ok_or(UriProblem::Port)?)),
        }
    } else {
        match authority.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        }
    };
    if host.is_empty() {
        return Err(UriProblem::MissingHost);
    }
    if let Some(port) = port {
        let valid = !port.is_empty()
            && port.len() <= 5
            && port.bytes().all(|b| b.is_ascii_digit())
            && port.parse::<u32>().is_ok_and(|p| (1..=65535).contains(&p));
        if !valid {
            return Err(UriProblem::Port);
        }
    }
    Ok(())
}

/// Judges a string against a text kind.
pub(crate) fn check_text(
    s: JsonStr<'_>,
    min: usize,
    max: Option<usize>,
    format: Format,
) -> Result<(), Rule> {
    let mut len = 0usize;
    for c in s.chars() {
        if c.is_control() {
            return Err(Rule::ControlCharacter);
        }
        len = len.saturating_add(1);
    }
    if len < min {
        return Err(Rule::MinLength { min, actual: len });
    }
    if let Some(max) = max
        && len > max
    {
        return Err(Rule::MaxLength { max, actual: len });
    }
    let holds = |ok: bool, rule: Rule| if ok { Ok(()) } else { Err(rule) };
    match format {
        Format::Free => Ok(()),
        Format::State => holds(is_state(s), Rule::State),
        Format::Zip => holds(is_zip(s), Rule::Zip),
        Format::Phone => holds(is_phone(s), Rule::Phone),
        Format::Yymm => holds(is_yymm(s), Rule::ExpirationDate),
        Format::Email => check_email(s).map_err(Rule::Email),
        Format::HttpUri => check_http_uri(s).map_err(Rule::Uri),
        Format::Locale => holds(LOCALES.iter().any(|l| s.eq_text(l)), Rule::Locale),
        Format::Exact(v, shown) => holds(s.eq_text(v), Rule::ExactValue(shown)),
        Format::OneOf(list, shown) => holds(list.iter().any(|v| s.eq_text(v)), Rule::OneOf(shown)),
    }
}

/// The value of an integer literal (digits only, after an optional `-`), `None` when it has
/// a fraction or exponent; `Some(None)` when it does not fit in a `u64`. The second member
/// tells whether it is negative (and non-zero).
fn integer_value(text: &str) -> Option<(Option<u64>, bool)> {
    if text.contains(['.', 'e', 'E']) {
        return None;
    }
    let (negative, digits) = match text.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, text),
    };
    let mut value = Some(0u64);
    for d in digits.bytes() {
        let digit = u64::from(d.wrapping_sub(b'0'));
        value = value
            .and_then(|v| v.checked_mul(10))
            .and_then(|v| v.checked_add(digit));
    }
    Some((value, negative && value != Some(0)))
}

/// Judges a JSON number literal against an integer rule.
pub(crate) fn check_integer(text: &str, rule: IntRule) -> Result<(), Rule> {
    let (value, negative) = integer_value(text).ok_or(Rule::Integer)?;
    let value = if negative { None } else { value };
    match rule {
        IntRule::Range(min, max) => match value {
            Some(v) if (min..=max).contains(&v) => Ok(()),
            _ => Err(Rule::IntegerRange { min, max }),
        },
        IntRule::Exact(n, shown) => {
            if value == Some(n) {
                Ok(())
            } else {
                Err(Rule::ExactValue(shown))
            }
        }
        IntRule::OneOf(list, shown) => match value {
            Some(v) if list.contains(&v) => Ok(()),
            _ => Err(Rule::OneOf(shown)),
        },
    }
}

/// The generic pass and the bookkeeping shared with the endpoints' cross-field rules.
pub(crate) struct Judge<'a, 'r> {
    pub(crate) fields: &'static [Field],
    pub(crate) slots: &'r [Slot<'a>],
    pub(crate) options: &'r Options,
    pub(crate) report: &'r mut Report<'a>,
    /// Bit `i` set when field `i` already has its violation.
    judged: u64,
}

impl<'a, 'r> Judge<'a, 'r> {
    pub(crate) fn new(
        fields: &'static [Field],
        slots: &'r [Slot<'a>],
        options: &'r Options,
        report: &'r mut Report<'a>,
    ) -> Self {
        Self {
            fields,
            slots,
            options,
            report,
            judged: 0,
        }
    }

    pub(crate) fn slot(&self, index: usize) -> Slot<'a> {
        self.slots.get(index).copied().unwrap_or(Slot::Absent)
    }

    /// Whether the object holding field `index` is in the body (the top level always is).
    pub(crate) fn parent_present(&self, index: usize) -> bool {
        match self.fields.get(index).and_then(|f| f.parent) {
            None => true,
            Some(p) => self.slot(p) == Slot::Object,
        }
    }

    /// Records that field `index` breaks `rule`.
    pub(crate) fn violation(&mut self, index: usize, rule: Rule) {
        let Some(field) = self.fields.get(index) else {
            return;
        };
        self.judged |= 1u64.checked_shl(index as u32).unwrap_or(0);
        let echo = field.echo
            && !matches!(
                rule,
                Rule::Required(_)
                    | Rule::ForbiddenWithToken
                    | Rule::MinLength { .. }
                    | Rule::MaxLength { .. }
                    | Rule::ControlCharacter
            );
        let uri = matches!(
            field.kind,
            Kind::Text {
                format: Format::HttpUri,
                ..
            }
        );
        let shown = match self.slot(index) {
            // A URI may carry a password or a token: it is shown without them.
            Slot::Str(s) if echo && uri => Some(Shown::Uri(s.raw())),
            Slot::Str(s) if echo => Some(Shown::Str(s.raw())),
            Slot::Scalar(t) if echo => Some(Shown::Literal(t)),
            _ => None,
        };
        self.report
            .push(Violation::new(Path::Known(field.path), rule, shown));
    }

    fn is_judged(&self, index: usize) -> bool {
        self.judged.checked_shr(index as u32).unwrap_or(0) & 1 == 1
    }

    /// Judges every field not judged yet, in table order.
    pub(crate) fn run(&mut self) {
        for index in 0..self.fields.len() {
            if !self.is_judged(index)
                && self.parent_present(index)
                && let Err(rule) = self.judge(index)
            {
                self.violation(index, rule);
            }
        }
    }

    /// The rule field `index` breaks, if any.
    fn judge(&self, index: usize) -> Result<(), Rule> {
        let Some(field) = self.fields.get(index) else {
            return Ok(());
        };
        let slot = self.slot(index);
        let condition = match field.need {
            Need::Optional => None,
            Need::Always => Some(Requirement::Always),
            Need::When(r) => Some(r).filter(|r| r.applies(self.options)),
        };
        let Some(found) = slot.json_type() else {
            return match condition {
                Some(r) => Err(Rule::Required(r)),
                None => Ok(()),
            };
        };
        let wrong = |expected| Err(Rule::Type { expected, found });
        match (field.kind, slot) {
            (Kind::Object, Slot::Object) => Ok(()),
            (Kind::Object, _) => wrong(JsonType::Object),
            (Kind::Text { min, max, format }, Slot::Str(s)) => {
                // A conditional requirement is not met by an empty string.
                if let (Need::When(_), Some(r)) = (field.need, condition)
                    && s.is_empty()
                {
                    return Err(Rule::Required(r));
                }
                check_text(s, min, max, format)
            }
            (Kind::Text { .. }, _) => wrong(JsonType::String),
            (Kind::Integer(rule), Slot::Scalar(t)) if found == JsonType::Number => {
                check_integer(t, rule)
            }
            (Kind::Integer(_), _) => wrong(JsonType::Integer),
            (Kind::Amount, Slot::Scalar(t)) if found == JsonType::Number => amount::check(t),
            (Kind::Amount, _) => wrong(JsonType::Number),
            (Kind::NumberOrText, Slot::Str(_)) => Ok(()),
            (Kind::NumberOrText, Slot::Scalar(_)) if found == JsonType::Number => Ok(()),
            (Kind::NumberOrText, _) => wrong(JsonType::Number),
        }
    }
}

/// Records unknown and duplicate keys of a request as violations.
struct ReportSink<'r, 'a> {
    fields: &'static [Field],
    report: &'r mut Report<'a>,
}

impl<'a> Sink<'a> for ReportSink<'_, 'a> {
    fn unknown(&mut self, parent: Option<usize>, key: &'a str) {
        let parent = parent
            .and_then(|p| self.fields.get(p))
            .map_or("", |f| f.path);
        self.report.push(Violation::new(
            Path::Unknown { parent, key },
            Rule::UnknownField,
            None,
        ));
    }

    fn duplicate(&mut self, field: usize) {
        if let Some(f) = self.fields.get(field) {
            self.report.push(Violation::new(
                Path::Known(f.path),
                Rule::DuplicateField,
                None,
            ));
        }
    }
}

/// Validates a request body (already through the strict scanner) against an endpoint's
/// table: reads it into slots, runs the endpoint's cross-field rules, then every field's own.
pub(crate) fn validate_table<'a, const N: usize>(
    body: &'a [u8],
    fields: &'static [Field; N],
    options: &Options,
    report: &mut Report<'a>,
    cross_field: fn(&mut Judge<'a, '_>),
) -> Result<(), JsonError> {
    // The judged-field bitmask has 64 bits.
    const { assert!(N <= 64) };
    let mut slots = [Slot::Absent; N];
    walk(
        body,
        fields,
        &mut slots,
        &mut ReportSink {
            fields,
            report: &mut *report,
        },
    )?;
    let mut judge = Judge::new(fields, &slots, options, report);
    cross_field(&mut judge);
    judge.run();
    Ok(())
}
