//! Responses of both endpoints, parsed into borrowed views, and their `status` classified.
//!
//! Requests are judged strictly; responses are read tolerantly, because servers add fields:
//! unknown keys (at any level) are skipped, and `null` reads as absent. What stays strict:
//! the body must pass the same scanner as requests (strict JSON, at most
//! [`MAX_BODY_LEN`](super::MAX_BODY_LEN) bytes, [`MAX_DEPTH`](super::MAX_DEPTH) deep, so a
//! hostile or broken server cannot exhaust the client's stack), `status` must be present as
//! an integer, a known field must have its documented type, and a known field must not
//! appear twice (two `status` values would let two readers see two outcomes).
//!
//! Strings are [`JsonStr`] views of the body (escapes decoded on demand); `time` arrives as a
//! number from Session Create (`0.8`) and as a string from push to card (`"1.1275"`), so it
//! is a [`Time`] holding either.

use core::fmt;

use super::json::{self, JsonError, JsonStr};
use super::report::JsonType;
use super::table::{Field, Format, IntRule, Kind};
use super::walk::{Sink, Slot, walk};

/// A response `status`, classified.
///
/// The pages define 100 (success), 101 (Session Create: an idempotent repeat, the existing
/// session returned), 102 (push to card: success, pending the issuer's response) and 130
/// (push to card: "Success - OFAC Suspended": accepted, but the funds are held while the
/// sanctions screening is reviewed). Any other code is a failure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// 100: success.
    Success,
    /// 101: the same `Idempotency-Key` was used within its window; the existing session is
    /// returned and none created. A success.
    IdempotentRepeat,
    /// 102: accepted, the issuer's response is pending. A success.
    PendingIssuerResponse,
    /// 130: accepted but suspended for OFAC review: neither paid nor failed. Do not retry (it
    /// would duplicate the payment) and do not report it as paid.
    OfacSuspended,
    /// Any other code: the request failed; the code says why.
    Failure(u32),
}

impl Status {
    /// Classifies a status code.
    pub const fn from_code(code: u32) -> Self {
        match code {
            100 => Self::Success,
            101 => Self::IdempotentRepeat,
            102 => Self::PendingIssuerResponse,
            130 => Self::OfacSuspended,
            other => Self::Failure(other),
        }
    }

    /// The numeric code.
    pub const fn code(self) -> u32 {
        match self {
            Self::Success => 100,
            Self::IdempotentRepeat => 101,
            Self::PendingIssuerResponse => 102,
            Self::OfacSuspended => 130,
            Self::Failure(code) => code,
        }
    }

    /// Whether the request succeeded: 100, 101 or 102.
    pub const fn is_success(self) -> bool {
        matches!(
            self,
            Self::Success | Self::IdempotentRepeat | Self::PendingIssuerResponse
        )
    }

    /// Whether the request failed: any code but 100, 101, 102 and 130.
    pub const fn is_failure(self) -> bool {
        matches!(self, Self::Failure(_))
    }

    /// Stable identifier of the class.
    pub const fn kind(self) -> &'static str {
        match self {
            Self::Success => "success",
            Self::IdempotentRepeat => "idempotent_repeat",
            Self::PendingIssuerResponse => "pending_issuer_response",
            Self::OfacSuspended => "ofac_suspended",
            Self::Failure(_) => "failure",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = match self {
            Self::Success => "success",
            Self::IdempotentRepeat => "success (idempotent repeat: existing session returned)",
            Self::PendingIssuerResponse => "success (pending issuer response)",
            Self::OfacSuspended => "accepted but suspended for OFAC review",
            Self::Failure(_) => "failure",
        };
        write!(f, "{} {text}", self.code())
    }
}

/// The response's `time`: server processing time in seconds, as a number or a string.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Time<'a> {
    /// A JSON number; its literal text (`0.8`).
    Number(&'a str),
    /// A JSON string (`"1.1275"`).
    Text(JsonStr<'a>),
}

impl Time<'_> {
    /// The time in whole milliseconds (truncated), when it is written as plain decimal
    /// seconds (`0.8` is 800, `"1.1275"` is 1127); `None` for any other text.
    pub fn millis(&self) -> Option<u64> {
        match self {
            Self::Number(t) => decimal_millis(t.chars()),
            Self::Text(s) => decimal_millis(s.chars()),
        }
    }
}

/// Whole milliseconds of `digits[.digits]` seconds.
fn decimal_millis(chars: impl Iterator<Item = char>) -> Option<u64> {
    let mut whole: u64 = 0;
    let mut millis: u64 = 0;
    let mut places = 0u32;
    let mut seen_point = false;
    let mut any_digit = false;
    for c in chars {
        match (c, seen_point) {
            ('.', false) => seen_point = true,
            ('0'..='9', _) => {
                any_digit = true;
                let d = u64::from(c.to_digit(10)?);
                if !seen_point {
                    whole = whole.checked_mul(10)?.checked_add(d)?;
                } else if places < 3 {
                    millis = millis.checked_mul(10)?.checked_add(d)?;
                    places = places.checked_add(1)?;
                }
            }
            _ => return None,
        }
    }
    if !any_digit {
        return None;
    }
    let scale = 10u64.checked_pow(3u32.checked_sub(places)?)?;
    whole
        .checked_mul(1000)?
        .checked_add(millis.checked_mul(scale)?)
}

/// Why a response body could not be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ResponseError {
    /// The body is not strict JSON (or too large, or too deep).
    Json(JsonError),
    /// `status` is absent or `null`.
    MissingStatus,
    /// A known field has the wrong JSON type.
    Type {
        /// The field's dotted path.
        path: &'static str,
        /// The documented type.
        expected: JsonType,
        /// The type found.
        found: JsonType,
    },
    /// An integer field holds a number with a fraction or exponent, a negative number, or
    /// one too large (`status` must fit in 32 bits, the others in 64).
    Integer {
        /// The field's dotted path.
        path: &'static str,
    },
    /// A known field appears twice in the same object.
    DuplicateField {
        /// The field's dotted path.
        path: &'static str,
    },
}

impl ResponseError {
    /// Stable identifier of the cause (the JSON error's own for [`Self::Json`]).
    pub const fn kind(&self) -> &'static str {
        match self {
            Self::Json(e) => e.kind(),
            Self::MissingStatus => "response.missing_status",
            Self::Type { .. } => "response.type",
            Self::Integer { .. } => "response.integer",
            Self::DuplicateField { .. } => "response.duplicate_field",
        }
    }
}

impl fmt::Display for ResponseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Json(e) => write!(f, "response: {e}"),
            Self::MissingStatus => f.write_str("response: `status` is missing"),
            Self::Type {
                path,
                expected,
                found,
            } => write!(
                f,
                "response: `{path}` should be of type {}, not {}",
                expected.name(),
                found.name()
            ),
            Self::Integer { path } => write!(
                f,
                "response: `{path}` should be a non-negative whole number within range"
            ),
            Self::DuplicateField { path } => {
                write!(f, "response: `{path}` appears more than once")
            }
        }
    }
}

/// A response: the envelope both endpoints share, and the endpoint's own `data`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Response<'a, D> {
    /// The classified `status`.
    pub status: Status,
    /// `client_message`: the human-readable description of the status.
    pub client_message: Option<JsonStr<'a>>,
    /// `data`, when present.
    pub data: Option<D>,
    /// `time`: server processing time in seconds.
    pub time: Option<Time<'a>>,
}

/// The Session Create response.
pub type SessionCreateResponse<'a> = Response<'a, SessionCreateData<'a>>;

/// The `data` object of a Session Create response.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SessionCreateData<'a> {
    /// `session_identifier`: the created session's identifier.
    pub session_identifier: Option<JsonStr<'a>>,
    /// `authorized_url`: the signed URL that launches the iFrame (use within 30 seconds).
    pub authorized_url: Option<JsonStr<'a>>,
    /// `authorized_url_expiration_utc`: when `authorized_url` expires.
    pub authorized_url_expiration_utc: Option<JsonStr<'a>>,
    /// `participant_unique_id1`: echo of the request's.
    pub participant_unique_id1: Option<JsonStr<'a>>,
    /// `participant_unique_id2`: echo of the request's.
    pub participant_unique_id2: Option<JsonStr<'a>>,
}

/// The push-to-card response.
pub type PushToCardResponse<'a> = Response<'a, PushToCardData<'a>>;

/// The `data` object of a push-to-card response.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PushToCardData<'a> {
    /// `estimated_posting_time`: when the payment should post, in words.
    pub estimated_posting_time: Option<JsonStr<'a>>,
    /// `estimated_posting_date`: the date the payment should post (`MM/DD/YYYY`).
    pub estimated_posting_date: Option<JsonStr<'a>>,
    /// `transaction_id`: Ingo's transaction identifier; log it for support.
    pub transaction_id: Option<u64>,
    /// `request_timestamp`: Unix time of the request.
    pub request_timestamp: Option<u64>,
    /// `customer_account_token`: echo of the request's.
    pub customer_account_token: Option<JsonStr<'a>>,
    /// `participant_unique_id1`: echo of the request's.
    pub participant_unique_id1: Option<JsonStr<'a>>,
    /// `participant_unique_id2`: echo of the request's.
    pub participant_unique_id2: Option<JsonStr<'a>>,
}

const ROOT: Option<usize> = None;
const DATA: usize = 2;

const fn text(name: &'static str, path: &'static str, parent: Option<usize>) -> Field {
    Field::format(name, path, parent, Format::Free)
}

const fn integer(name: &'static str, path: &'static str, parent: Option<usize>) -> Field {
    let rule = Kind::Integer(IntRule::Range(0, u64::MAX));
    Field::new(name, path, parent, rule)
}

/// A member of `data`, free text or an integer: `data!(text "session_identifier")`.
macro_rules! data {
    ($kind:ident $name:literal) => {
        $kind($name, concat!("data.", $name), Some(DATA))
    };
}

const STATUS_FIELD: Field = integer("status", "status", ROOT);
const MESSAGE_FIELD: Field = text("client_message", "client_message", ROOT);
const DATA_FIELD: Field = Field::new("data", "data", ROOT, Kind::Object);
const TIME_FIELD: Field = Field::new("time", "time", ROOT, Kind::NumberOrText);

/// The members both responses end with: the request's ids, echoed.
const ID1: Field = data!(text "participant_unique_id1");
const ID2: Field = data!(text "participant_unique_id2");

static SESSION_CREATE: [Field; 9] = [
    STATUS_FIELD,
    MESSAGE_FIELD,
    DATA_FIELD,
    TIME_FIELD,
    data!(text "session_identifier"),
    data!(text "authorized_url"),
    data!(text "authorized_url_expiration_utc"),
    ID1,
    ID2,
];

static PUSH_TO_CARD: [Field; 11] = [
    STATUS_FIELD,
    MESSAGE_FIELD,
    DATA_FIELD,
    TIME_FIELD,
    data!(text "estimated_posting_time"),
    data!(text "estimated_posting_date"),
    data!(integer "transaction_id"),
    data!(integer "request_timestamp"),
    data!(text "customer_account_token"),
    ID1,
    ID2,
];

/// Skips unknown keys and remembers the first duplicate.
struct Tolerant {
    duplicate: Option<usize>,
}

impl Sink<'_> for Tolerant {
    fn unknown(&mut self, _: Option<usize>, _: &str) {}

    fn duplicate(&mut self, field: usize) {
        self.duplicate.get_or_insert(field);
    }
}

/// The slots of a response, read from a checked body.
struct Read<'a, const N: usize> {
    fields: &'static [Field; N],
    slots: [Slot<'a>; N],
}

impl<'a, const N: usize> Read<'a, N> {
    fn new(body: &'a [u8], fields: &'static [Field; N]) -> Result<Self, ResponseError> {
        json::check(body).map_err(ResponseError::Json)?;
        let mut slots = [Slot::Absent; N];
        let mut sink = Tolerant { duplicate: None };
        walk(body, fields, &mut slots, &mut sink).map_err(ResponseError::Json)?;
        if let Some(i) = sink.duplicate {
            return Err(ResponseError::DuplicateField {
                path: Self::path_of(fields, i),
            });
        }
        Ok(Self { fields, slots })
    }

    fn path_of(fields: &'static [Field; N], index: usize) -> &'static str {
        fields.get(index).map_or("", |f| f.path)
    }

    fn path(&self, index: usize) -> &'static str {
        Self::path_of(self.fields, index)
    }

    /// The slot, `None` when absent or `null`.
    fn given(&self, index: usize) -> Option<(Slot<'a>, JsonType)> {
        let slot = self.slots.get(index).copied().unwrap_or(Slot::Absent);
        let found = slot.json_type()?;
        (found != JsonType::Null).then_some((slot, found))
    }

    fn wrong(&self, index: usize, expected: JsonType, found: JsonType) -> ResponseError {
        ResponseError::Type {
            path: self.path(index),
            expected,
            found,
        }
    }

    fn text(&self, index: usize) -> Result<Option<JsonStr<'a>>, ResponseError> {
        match self.given(index) {
            None => Ok(None),
            Some((Slot::Str(s), _)) => Ok(Some(s)),
            Some((_, found)) => Err(self.wrong(index, JsonType::String, found)),
        }
    }

    fn integer(&self, index: usize) -> Result<Option<u64>, ResponseError> {
        match self.given(index) {
            None => Ok(None),
            Some((Slot::Scalar(t), JsonType::Number)) => {
                if t.bytes().all(|b| b.is_ascii_digit()) {
                    t.parse::<u64>()
                        .map(Some)
                        .map_err(|_| ResponseError::Integer {
                            path: self.path(index),
                        })
                } else {
                    Err(ResponseError::Integer {
                        path: self.path(index),
                    })
                }
            }
            Some((_, found)) => Err(self.wrong(index, JsonType::Integer, found)),
        }
    }

    fn object(&self, index: usize) -> Result<bool, ResponseError> {
        match self.given(index) {
            None => Ok(false),
            Some((Slot::Object, _)) => Ok(true),
            Some((_, found)) => Err(self.wrong(index, JsonType::Object, found)),
        }
    }

    /// `status`, `client_message` and `time`, common to both responses (indices 0, 1, 3).
    /// The envelope, with `data` read by `read_data` when the object is present.
    fn response<D>(
        &self,
        read_data: impl FnOnce(&Self) -> Result<D, ResponseError>,
    ) -> Result<Response<'a, D>, ResponseError> {
        let (status, client_message, time) = self.common()?;
        let data = if self.object(DATA)? {
            Some(read_data(self)?)
        } else {
            None
        };
        Ok(Response {
            status,
            client_message,
            data,
            time,
        })
    }

    fn common(&self) -> Result<(Status, Option<JsonStr<'a>>, Option<Time<'a>>), ResponseError> {
        let code = self.integer(0)?.ok_or(ResponseError::MissingStatus)?;
        let code = u32::try_from(code).map_err(|_| ResponseError::Integer { path: "status" })?;
        let time = match self.given(3) {
            None => None,
            Some((Slot::Str(s), _)) => Some(Time::Text(s)),
            Some((Slot::Scalar(t), JsonType::Number)) => Some(Time::Number(t)),
            Some((_, found)) => return Err(self.wrong(3, JsonType::Number, found)),
        };
        Ok((Status::from_code(code), self.text(1)?, time))
    }
}

/// Parses a Session Create response body into a borrowed view.
pub fn parse_session_create_response(
    body: &[u8],
) -> Result<SessionCreateResponse<'_>, ResponseError> {
    Read::new(body, &SESSION_CREATE)?.response(|r| {
        Ok(SessionCreateData {
            session_identifier: r.text(4)?,
            authorized_url: r.text(5)?,
            authorized_url_expiration_utc: r.text(6)?,
            participant_unique_id1: r.text(7)?,
            participant_unique_id2: r.text(8)?,
        })
    })
}

/// Parses a push-to-card response body into a borrowed view.
pub fn parse_push_to_card_response(body: &[u8]) -> Result<PushToCardResponse<'_>, ResponseError> {
    Read::new(body, &PUSH_TO_CARD)?.response(|r| {
        Ok(PushToCardData {
            estimated_posting_time: r.text(4)?,
            estimated_posting_date: r.text(5)?,
            transaction_id: r.integer(6)?,
            request_timestamp: r.integer(7)?,
            customer_account_token: r.text(8)?,
            participant_unique_id1: r.text(9)?,
            participant_unique_id2: r.text(10)?,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tables_and_their_indices_agree() {
        for table in [&SESSION_CREATE[..], &PUSH_TO_CARD[..]] {
            crate::payload::table::assert_table_consistent(table);
            let common = [0, 1, 2, 3].map(|i| table[i].path);
            assert_eq!(common, ["status", "client_message", "data", "time"]);
            assert_eq!(table[DATA].path, "data");
        }
        assert_eq!(PUSH_TO_CARD[6].path, "data.transaction_id");
        assert_eq!(PUSH_TO_CARD[7].path, "data.request_timestamp");
        assert_eq!(SESSION_CREATE[8].path, "data.participant_unique_id2");
    }
}
