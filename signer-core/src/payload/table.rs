//! The vocabulary of an endpoint's field table: what a field is ([`Field`]), its JSON type and
//! rules ([`Kind`], [`Format`], [`IntRule`]) and when it is required ([`Need`]).
//!
//! Below both the walker, which fills one slot per field, and the rules, which judge the slots:
//! each endpoint module describes its body as one `&'static [Field]`.

use super::report::Requirement;

/// The largest integer accepted in an integer field (`i64::MAX`).
pub(crate) const INTEGER_MAX: u64 = i64::MAX as u64;

pub(crate) use super::codes::HOST_URI_MAX;

/// What a text field's value must look like beyond its length.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Format {
    /// Any text.
    Free,
    /// A code of [`STATES`](super::codes::STATES).
    State,
    /// `^[0-9]{5}(-[0-9]{4})?$`.
    Zip,
    /// Exactly 10 ASCII digits.
    Phone,
    /// One `@`, non-empty local part and domain, no whitespace.
    Email,
    /// One of [`LOCALES`](super::codes::LOCALES).
    Locale,
    /// An absolute `http://` or `https://` URI with a host.
    HttpUri,
    /// A card expiration date `YYMM`.
    Yymm,
    /// Exactly this text; the second member is how a message shows it.
    Exact(&'static str, &'static str),
    /// One of these texts; the second member is how a message lists them.
    OneOf(&'static [&'static str], &'static str),
}

/// What an integer field's value must be.
#[derive(Clone, Copy, Debug)]
pub(crate) enum IntRule {
    /// From `min` to `max`.
    Range(u64, u64),
    /// Exactly this value; the text is how a message shows it.
    Exact(u64, &'static str),
    /// One of these values; the text is how a message lists them.
    OneOf(&'static [u64], &'static str),
}

/// The JSON type and rules of a field.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Kind {
    /// An object whose members are the fields naming this one as parent.
    Object,
    /// A string of `min..=max` characters (no maximum when `None`) in a format.
    Text {
        min: usize,
        max: Option<usize>,
        format: Format,
    },
    /// A JSON integer.
    Integer(IntRule),
    /// `amount`: a JSON number judged on its text (see the amount module).
    Amount,
    /// A number or a string (responses' `time`).
    NumberOrText,
}

/// When a field must be present.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Need {
    /// It may be absent (a cross-field rule may still require it).
    Optional,
    /// Whenever its object is present.
    Always,
    /// When the caller's options say so (one of the option requirements).
    When(Requirement),
}

/// One field of an endpoint's table.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Field {
    /// The key.
    pub(crate) name: &'static str,
    /// The dotted path from the top level.
    pub(crate) path: &'static str,
    /// The index of the object field holding it; `None` at the top level.
    pub(crate) parent: Option<usize>,
    pub(crate) kind: Kind,
    pub(crate) need: Need,
    /// Whether messages may show the value (see the report module).
    pub(crate) echo: bool,
}

impl Field {
    /// An optional free-text field of `min..=max` characters whose value is never echoed.
    pub(crate) const fn text(
        name: &'static str,
        path: &'static str,
        parent: Option<usize>,
        min: usize,
        max: usize,
    ) -> Self {
        Self {
            name,
            path,
            parent,
            kind: Kind::Text {
                min,
                max: Some(max),
                format: Format::Free,
            },
            need: Need::Optional,
            echo: false,
        }
    }

    /// An optional field of another kind.
    pub(crate) const fn new(
        name: &'static str,
        path: &'static str,
        parent: Option<usize>,
        kind: Kind,
    ) -> Self {
        Self {
            name,
            path,
            parent,
            kind,
            need: Need::Optional,
            echo: false,
        }
    }

    /// An optional text field in `format`, with no length bounds of its own.
    pub(crate) const fn format(
        name: &'static str,
        path: &'static str,
        parent: Option<usize>,
        format: Format,
    ) -> Self {
        Self::new(
            name,
            path,
            parent,
            Kind::Text {
                min: 0,
                max: None,
                format,
            },
        )
    }

    /// The same field, required as `need` says.
    pub(crate) const fn need(self, need: Need) -> Self {
        Self { need, ..self }
    }

    /// The same field, required whenever its object is present.
    pub(crate) const fn required(self) -> Self {
        self.need(Need::Always)
    }

    /// The same field, its values shown in messages.
    pub(crate) const fn echo(self) -> Self {
        Self { echo: true, ..self }
    }

    pub(crate) const fn is_object(&self) -> bool {
        matches!(self.kind, Kind::Object)
    }
}

/// Checks a field table: every path is its parent's path, a dot and its name, and every
/// parent is an object field listed before its members.
#[cfg(test)]
pub(crate) fn assert_table_consistent(fields: &[Field]) {
    for (i, f) in fields.iter().enumerate() {
        match f.parent {
            None => assert_eq!(f.path, f.name),
            Some(p) => {
                assert!(p < i, "{}: parent listed after it", f.path);
                assert!(fields[p].is_object(), "{}: parent is not an object", f.path);
                let prefix = f
                    .path
                    .strip_suffix(f.name)
                    .and_then(|r| r.strip_suffix('.'));
                assert_eq!(prefix, Some(fields[p].path), "{}", f.path);
            }
        }
    }
}
