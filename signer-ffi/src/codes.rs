//! The stable numeric error codes of the C ABI, and what each means.
//!
//! Every entry point that can fail returns an `int32_t`: [`INGO_OK`] (0) or one of these codes.
//! A code never changes meaning and is never reused; new kinds get new numbers.
//!
//! - `1..=99`: the ABI's own (a NULL pointer, a buffer too small, ...), kind `ffi.*`;
//! - from `1000` on: one code per stable `kind()` string of signer-core's errors, in blocks of
//!   1000 per concern (`verify.*` 1001, `authorization.*` 2001, `signing_string.*` 3001,
//!   `date.*` 4001, `digest.*` 5001, `key.*` 6001, `sign.*` 7001, `json.*` 8001,
//!   `payload.*` 9001, `idempotency_key.*` 10001). Block 11000 is reserved for `response.*`
//!   (response parsing is not in this ABI yet).
//!
//! [`ERRORS`] is the one table from which the kind, the message and the HTTP status of a code
//! are read, and through which a core error's `kind()` finds its code.

/// Success.
pub const INGO_OK: i32 = 0;

/// A pointer argument (or a pointer inside a struct) is NULL where a value is required. A
/// pointer may be NULL only where its length is 0.
pub const INGO_E_NULL_POINTER: i32 = 1;
/// An output buffer is too small. Its `len` field holds the length of the complete text
/// (excluding the terminating NUL): retry with a capacity of at least `len + 1`.
pub const INGO_E_BUFFER_TOO_SMALL: i32 = 2;
/// A text argument that must be UTF-8 (a username, a header list, a required header name, an
/// extra header to sign, a content type) is not.
pub const INGO_E_INVALID_UTF8: i32 = 3;
/// An argument is out of range: an unknown algorithm, HTTP version, order, endpoint or option
/// bit; a length above `PTRDIFF_MAX`; a misaligned array; more than
/// `INGO_MAX_REQUIRED_HEADERS` required headers.
pub const INGO_E_INVALID_ARGUMENT: i32 = 4;
/// The `IngoPending` is not in progress: `ingo_verify_head` did not succeed on it, or it was
/// already finished or discarded.
pub const INGO_E_PENDING_STATE: i32 = 5;
/// A panic was caught at the ABI boundary. It is a bug in this library; nothing was returned.
pub const INGO_E_PANIC: i32 = 6;
/// signer-core reported an error that this version of the ABI has no code for (it cannot
/// happen with the signer-core this library was built with).
pub const INGO_E_INTERNAL: i32 = 7;
/// A key handle is not live: it was freed with `ingo_key_free` (even if a new key now sits
/// where it was), or it never came from `ingo_key_new`. Nothing was signed or verified.
pub const INGO_E_INVALID_HANDLE: i32 = 8;

/// `verify.missing_authorization`: the request has no Authorization header.
pub const INGO_E_VERIFY_MISSING_AUTHORIZATION: i32 = 1001;
/// `verify.repeated_authorization`: more than one Authorization header.
pub const INGO_E_VERIFY_REPEATED_AUTHORIZATION: i32 = 1002;
/// `verify.algorithm_not_allowed`: hmac-sha256 under a policy without legacy.
pub const INGO_E_VERIFY_ALGORITHM_NOT_ALLOWED: i32 = 1003;
/// `verify.digest_algorithm_mismatch`: content-sha256 signed with hmac-sha512.
pub const INGO_E_VERIFY_DIGEST_ALGORITHM_MISMATCH: i32 = 1004;
/// `verify.required_header_unsigned`: a required header is not in the signed list.
pub const INGO_E_VERIFY_REQUIRED_HEADER_UNSIGNED: i32 = 1005;
/// `verify.unknown_username`: no key for the username.
pub const INGO_E_VERIFY_UNKNOWN_USERNAME: i32 = 1006;
/// `verify.signature_mismatch`: the MAC does not match (every key of the username was tried).
pub const INGO_E_VERIFY_SIGNATURE_MISMATCH: i32 = 1007;
/// `verify.date_skew`: X-Date is too far from now.
pub const INGO_E_VERIFY_DATE_SKEW: i32 = 1008;
/// `verify.content_type`: Content-Type is not application/json.
pub const INGO_E_VERIFY_CONTENT_TYPE: i32 = 1009;
/// `verify.content_length_invalid`: Content-Length is not plain decimal.
pub const INGO_E_VERIFY_CONTENT_LENGTH_INVALID: i32 = 1010;
/// `verify.content_length_mismatch`: the body's length differs from Content-Length.
pub const INGO_E_VERIFY_CONTENT_LENGTH_MISMATCH: i32 = 1011;
/// `verify.body_too_large`: Content-Length is above the policy's body limit.
pub const INGO_E_VERIFY_BODY_TOO_LARGE: i32 = 1012;
/// `verify.replayed`: the gateway's replay store already holds the request's replay key (the
/// core never returns it; a gateway's replay check does, and answers with this code's status).
pub const INGO_E_VERIFY_REPLAYED: i32 = 1013;
/// `verify.replay_unavailable`: the replay store could not answer, so the request is refused
/// (fail closed; as `INGO_E_VERIFY_REPLAYED`, a gateway's own verdict).
pub const INGO_E_VERIFY_REPLAY_UNAVAILABLE: i32 = 1014;
/// `verify.transfer_encoding`: the request carries a Transfer-Encoding header (bodies are framed
/// by Content-Length alone).
pub const INGO_E_VERIFY_TRANSFER_ENCODING: i32 = 1015;

/// `authorization.too_long`: the Authorization value exceeds 2048 bytes.
pub const INGO_E_AUTHORIZATION_TOO_LONG: i32 = 2001;
/// `authorization.scheme`: the value does not start with `hmac` and a space.
pub const INGO_E_AUTHORIZATION_SCHEME: i32 = 2002;
/// `authorization.syntax`: the parameter list is malformed.
pub const INGO_E_AUTHORIZATION_SYNTAX: i32 = 2003;
/// `authorization.missing_quote`: a parameter value is not a quoted string.
pub const INGO_E_AUTHORIZATION_MISSING_QUOTE: i32 = 2004;
/// `authorization.missing_comma`: two parameters not separated by a comma.
pub const INGO_E_AUTHORIZATION_MISSING_COMMA: i32 = 2005;
/// `authorization.backslash`: a backslash inside a quoted value.
pub const INGO_E_AUTHORIZATION_BACKSLASH: i32 = 2006;
/// `authorization.invalid_character`: a control, DEL or non-ASCII byte inside a quoted value.
pub const INGO_E_AUTHORIZATION_INVALID_CHARACTER: i32 = 2007;
/// `authorization.unknown_parameter`: a parameter other than username, algorithm, headers,
/// signature.
pub const INGO_E_AUTHORIZATION_UNKNOWN_PARAMETER: i32 = 2008;
/// `authorization.duplicate_parameter`: a parameter given twice.
pub const INGO_E_AUTHORIZATION_DUPLICATE_PARAMETER: i32 = 2009;
/// `authorization.empty_parameter`: a parameter with an empty value.
pub const INGO_E_AUTHORIZATION_EMPTY_PARAMETER: i32 = 2010;
/// `authorization.missing_parameter`: one of the four parameters is absent.
pub const INGO_E_AUTHORIZATION_MISSING_PARAMETER: i32 = 2011;
/// `authorization.username_too_long`: the username exceeds 256 bytes.
pub const INGO_E_AUTHORIZATION_USERNAME_TOO_LONG: i32 = 2012;
/// `authorization.unsupported_algorithm`: not exactly hmac-sha512 or hmac-sha256.
pub const INGO_E_AUTHORIZATION_UNSUPPORTED_ALGORITHM: i32 = 2013;
/// `authorization.header_list`: the headers list has an empty or invalid name.
pub const INGO_E_AUTHORIZATION_HEADER_LIST: i32 = 2014;
/// `authorization.duplicate_header_name`: the headers list names a header twice.
pub const INGO_E_AUTHORIZATION_DUPLICATE_HEADER_NAME: i32 = 2015;
/// `authorization.too_many_headers`: the headers list names more than 16 headers.
pub const INGO_E_AUTHORIZATION_TOO_MANY_HEADERS: i32 = 2016;
/// `authorization.signature_encoding`: the signature is not canonical padded base64.
pub const INGO_E_AUTHORIZATION_SIGNATURE_ENCODING: i32 = 2017;
/// `authorization.signature_length`: the signature has the wrong length for the algorithm.
pub const INGO_E_AUTHORIZATION_SIGNATURE_LENGTH: i32 = 2018;

/// `signing_string.invalid_method`: the method is empty or not an HTTP token.
pub const INGO_E_SIGNING_STRING_INVALID_METHOD: i32 = 3001;
/// `signing_string.invalid_target`: the target is empty or not visible ASCII.
pub const INGO_E_SIGNING_STRING_INVALID_TARGET: i32 = 3002;
/// `signing_string.header_missing`: a signed header is absent from the request.
pub const INGO_E_SIGNING_STRING_HEADER_MISSING: i32 = 3003;
/// `signing_string.header_repeated`: a signed header occurs more than once.
pub const INGO_E_SIGNING_STRING_HEADER_REPEATED: i32 = 3004;
/// `signing_string.header_value_invalid`: a signed header's value holds CR, LF or NUL.
pub const INGO_E_SIGNING_STRING_HEADER_VALUE_INVALID: i32 = 3005;
/// `signing_string.target_fragment`: the request target holds a `#` (a fragment).
pub const INGO_E_SIGNING_STRING_TARGET_FRAGMENT: i32 = 3006;

/// `date.malformed`: X-Date is not an IMF-fixdate.
pub const INGO_E_DATE_MALFORMED: i32 = 4001;
/// `date.unknown_weekday`: X-Date has an unknown weekday.
pub const INGO_E_DATE_UNKNOWN_WEEKDAY: i32 = 4002;
/// `date.unknown_month`: X-Date has an unknown month.
pub const INGO_E_DATE_UNKNOWN_MONTH: i32 = 4003;
/// `date.not_gmt`: X-Date's zone is not GMT.
pub const INGO_E_DATE_NOT_GMT: i32 = 4004;
/// `date.invalid_day`: X-Date names a day the month does not have.
pub const INGO_E_DATE_INVALID_DAY: i32 = 4005;
/// `date.invalid_time`: X-Date has an hour, minute or second out of range.
pub const INGO_E_DATE_INVALID_TIME: i32 = 4006;
/// `date.year_out_of_range`: X-Date (or the signer's clock) lies outside 1970 to 9999.
pub const INGO_E_DATE_YEAR_OUT_OF_RANGE: i32 = 4007;
/// `date.weekday_mismatch`: X-Date's weekday does not match its date.
pub const INGO_E_DATE_WEEKDAY_MISMATCH: i32 = 4008;

/// `digest.malformed`: the digest header is not canonical base64 of the digest's length.
pub const INGO_E_DIGEST_MALFORMED: i32 = 5001;
/// `digest.mismatch`: the digest header differs from the body's digest.
pub const INGO_E_DIGEST_MISMATCH: i32 = 5002;

/// `key.username`: the username is empty, too long, or holds a byte the Authorization header
/// cannot carry.
pub const INGO_E_KEY_USERNAME: i32 = 6001;
/// `key.empty_secret`: the secret is empty.
pub const INGO_E_KEY_EMPTY_SECRET: i32 = 6002;

/// `sign.too_many_extra_headers`: more than `INGO_MAX_EXTRA_HEADERS` extra headers.
pub const INGO_E_SIGN_TOO_MANY_EXTRA_HEADERS: i32 = 7001;
/// `sign.content_type`: the content type to sign is not application/json.
pub const INGO_E_SIGN_CONTENT_TYPE: i32 = 7002;
/// `sign.digest_algorithm`: a pre-computed digest uses the other algorithm.
pub const INGO_E_SIGN_DIGEST_ALGORITHM: i32 = 7003;
/// `sign.authorization_too_long`: the Authorization header would exceed 2048 bytes.
pub const INGO_E_SIGN_AUTHORIZATION_TOO_LONG: i32 = 7004;
/// `sign.unsignable_header`: an extra header no verifier accepts signed (authorization, or
/// content-sha256 under hmac-sha512).
pub const INGO_E_SIGN_UNSIGNABLE_HEADER: i32 = 7005;

/// `json.too_large`: the body is larger than 64 KiB.
pub const INGO_E_JSON_TOO_LARGE: i32 = 8001;
/// `json.empty`: the body is empty.
pub const INGO_E_JSON_EMPTY: i32 = 8002;
/// `json.invalid_utf8`: the body is not UTF-8.
pub const INGO_E_JSON_INVALID_UTF8: i32 = 8003;
/// `json.not_an_object`: the top-level value is not an object.
pub const INGO_E_JSON_NOT_AN_OBJECT: i32 = 8004;
/// `json.syntax`: a character that JSON does not allow there.
pub const INGO_E_JSON_SYNTAX: i32 = 8005;
/// `json.unexpected_end`: the body ends inside a value.
pub const INGO_E_JSON_UNEXPECTED_END: i32 = 8006;
/// `json.invalid_escape`: an invalid escape sequence in a string.
pub const INGO_E_JSON_INVALID_ESCAPE: i32 = 8007;
/// `json.lone_surrogate`: a `\u` escape names half a surrogate pair.
pub const INGO_E_JSON_LONE_SURROGATE: i32 = 8008;
/// `json.control_character`: a raw control character inside a string.
pub const INGO_E_JSON_CONTROL_CHARACTER: i32 = 8009;
/// `json.invalid_number`: a malformed number.
pub const INGO_E_JSON_INVALID_NUMBER: i32 = 8010;
/// `json.invalid_literal`: a malformed `true`, `false` or `null`.
pub const INGO_E_JSON_INVALID_LITERAL: i32 = 8011;
/// `json.too_deep`: the body nests deeper than the limit.
pub const INGO_E_JSON_TOO_DEEP: i32 = 8012;
/// `json.trailing_data`: data after the top-level object.
pub const INGO_E_JSON_TRAILING_DATA: i32 = 8013;
/// `json.parser`: the reader failed on a body the strict check accepted.
pub const INGO_E_JSON_PARSER: i32 = 8014;

/// `payload.invalid`: the body is JSON but breaks field rules; the violations are listed.
pub const INGO_E_PAYLOAD_INVALID: i32 = 9001;

/// `idempotency_key.empty`: the Idempotency-Key value is empty.
pub const INGO_E_IDEMPOTENCY_KEY_EMPTY: i32 = 10001;
/// `idempotency_key.too_long`: the Idempotency-Key value exceeds 250 characters.
pub const INGO_E_IDEMPOTENCY_KEY_TOO_LONG: i32 = 10002;
/// `idempotency_key.invalid_character`: a character that is not printable ASCII.
pub const INGO_E_IDEMPOTENCY_KEY_INVALID_CHARACTER: i32 = 10003;
/// `idempotency_key.surrounding_whitespace`: a leading or trailing space.
pub const INGO_E_IDEMPOTENCY_KEY_SURROUNDING_WHITESPACE: i32 = 10004;

/// One code: its stable kind string, its short message and the HTTP status a verifier or server
/// answers with (0 where none applies).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ErrorInfo {
    /// The number returned across the ABI.
    pub code: i32,
    /// The stable kind, NUL-terminated: signer-core's `kind()` string, or `ffi.*` / `ok`.
    pub kind: &'static core::ffi::CStr,
    /// A short, static, NUL-terminated message for `ingo_error_message`.
    pub message: &'static core::ffi::CStr,
    /// 400, 401, 413 or 503; 0 when the code is not a verdict on a request.
    pub http_status: u16,
}

const fn e(
    code: i32,
    kind: &'static core::ffi::CStr,
    message: &'static core::ffi::CStr,
    http_status: u16,
) -> ErrorInfo {
    ErrorInfo {
        code,
        kind,
        message,
        http_status,
    }
}

/// Every code, in numeric order. Tests check that codes and kinds are unique, that every kind
/// signer-core produces is here, and that docs/ffi.md lists the same table.
pub const ERRORS: &[ErrorInfo] = &[
    e(INGO_OK, c"ok", c"success", 0),
    e(INGO_E_NULL_POINTER, c"ffi.null_pointer", c"a required pointer is NULL", 0),
    e(INGO_E_BUFFER_TOO_SMALL, c"ffi.buffer_too_small", c"an output buffer is too small; its len field holds the length needed", 0),
    e(INGO_E_INVALID_UTF8, c"ffi.invalid_utf8", c"a text argument is not valid UTF-8", 0),
    e(INGO_E_INVALID_ARGUMENT, c"ffi.invalid_argument", c"an argument is out of range", 0),
    e(INGO_E_PENDING_STATE, c"ffi.pending_state", c"the pending verification is not in progress (not started, failed to start, finished or discarded)", 0),
    e(INGO_E_PANIC, c"ffi.panic", c"internal error: a panic was caught at the ABI boundary", 0),
    e(INGO_E_INTERNAL, c"ffi.internal", c"internal error: an error this version of the ABI has no code for", 0),
    e(INGO_E_INVALID_HANDLE, c"ffi.invalid_handle", c"a key handle is not live: it was freed, or did not come from ingo_key_new", 0),
    e(INGO_E_VERIFY_MISSING_AUTHORIZATION, c"verify.missing_authorization", c"the request has no Authorization header", 401),
    e(INGO_E_VERIFY_REPEATED_AUTHORIZATION, c"verify.repeated_authorization", c"the request has more than one Authorization header", 401),
    e(INGO_E_VERIFY_ALGORITHM_NOT_ALLOWED, c"verify.algorithm_not_allowed", c"the signature algorithm is not allowed by the policy", 401),
    e(INGO_E_VERIFY_DIGEST_ALGORITHM_MISMATCH, c"verify.digest_algorithm_mismatch", c"content-sha256 cannot be signed with hmac-sha512", 401),
    e(INGO_E_VERIFY_REQUIRED_HEADER_UNSIGNED, c"verify.required_header_unsigned", c"a required header is not signed", 401),
    e(INGO_E_VERIFY_UNKNOWN_USERNAME, c"verify.unknown_username", c"the username is not known", 401),
    e(INGO_E_VERIFY_SIGNATURE_MISMATCH, c"verify.signature_mismatch", c"the signature does not match the request", 401),
    e(INGO_E_VERIFY_DATE_SKEW, c"verify.date_skew", c"x-date is too far from the current time", 401),
    e(INGO_E_VERIFY_CONTENT_TYPE, c"verify.content_type", c"content-type must be application/json", 400),
    e(INGO_E_VERIFY_CONTENT_LENGTH_INVALID, c"verify.content_length_invalid", c"content-length is not a plain decimal number", 400),
    e(INGO_E_VERIFY_CONTENT_LENGTH_MISMATCH, c"verify.content_length_mismatch", c"the body length differs from content-length", 400),
    e(INGO_E_VERIFY_BODY_TOO_LARGE, c"verify.body_too_large", c"the body is larger than the policy allows", 413),
    e(INGO_E_VERIFY_REPLAYED, c"verify.replayed", c"the request was already accepted once (a replay); sign every request anew", 401),
    e(INGO_E_VERIFY_REPLAY_UNAVAILABLE, c"verify.replay_unavailable", c"the replay check cannot be made now, so the request is refused; retry later", 503),
    e(INGO_E_VERIFY_TRANSFER_ENCODING, c"verify.transfer_encoding", c"the request carries Transfer-Encoding; bodies are framed by Content-Length alone", 400),
    e(INGO_E_AUTHORIZATION_TOO_LONG, c"authorization.too_long", c"the Authorization header is longer than 2048 bytes", 401),
    e(INGO_E_AUTHORIZATION_SCHEME, c"authorization.scheme", c"the Authorization header does not use the hmac scheme", 401),
    e(INGO_E_AUTHORIZATION_SYNTAX, c"authorization.syntax", c"the Authorization parameters are malformed", 401),
    e(INGO_E_AUTHORIZATION_MISSING_QUOTE, c"authorization.missing_quote", c"an Authorization parameter value is not a quoted string", 401),
    e(INGO_E_AUTHORIZATION_MISSING_COMMA, c"authorization.missing_comma", c"Authorization parameters are not separated by a comma", 401),
    e(INGO_E_AUTHORIZATION_BACKSLASH, c"authorization.backslash", c"an Authorization parameter value holds a backslash", 401),
    e(INGO_E_AUTHORIZATION_INVALID_CHARACTER, c"authorization.invalid_character", c"an Authorization parameter value holds a control, DEL or non-ASCII byte", 401),
    e(INGO_E_AUTHORIZATION_UNKNOWN_PARAMETER, c"authorization.unknown_parameter", c"the Authorization header has an unknown parameter", 401),
    e(INGO_E_AUTHORIZATION_DUPLICATE_PARAMETER, c"authorization.duplicate_parameter", c"an Authorization parameter is given twice", 401),
    e(INGO_E_AUTHORIZATION_EMPTY_PARAMETER, c"authorization.empty_parameter", c"an Authorization parameter is empty", 401),
    e(INGO_E_AUTHORIZATION_MISSING_PARAMETER, c"authorization.missing_parameter", c"an Authorization parameter is missing", 401),
    e(INGO_E_AUTHORIZATION_USERNAME_TOO_LONG, c"authorization.username_too_long", c"the username is longer than 256 bytes", 401),
    e(INGO_E_AUTHORIZATION_UNSUPPORTED_ALGORITHM, c"authorization.unsupported_algorithm", c"the algorithm is not hmac-sha512 or hmac-sha256", 401),
    e(INGO_E_AUTHORIZATION_HEADER_LIST, c"authorization.header_list", c"the headers list has an empty or invalid name", 401),
    e(INGO_E_AUTHORIZATION_DUPLICATE_HEADER_NAME, c"authorization.duplicate_header_name", c"the headers list names a header twice", 401),
    e(INGO_E_AUTHORIZATION_TOO_MANY_HEADERS, c"authorization.too_many_headers", c"the headers list names more than 16 headers", 401),
    e(INGO_E_AUTHORIZATION_SIGNATURE_ENCODING, c"authorization.signature_encoding", c"the signature is not canonical padded base64", 401),
    e(INGO_E_AUTHORIZATION_SIGNATURE_LENGTH, c"authorization.signature_length", c"the signature length does not fit the algorithm", 401),
    e(INGO_E_SIGNING_STRING_INVALID_METHOD, c"signing_string.invalid_method", c"the request method is not an HTTP token", 400),
    e(INGO_E_SIGNING_STRING_INVALID_TARGET, c"signing_string.invalid_target", c"the request target is empty or not visible ASCII", 400),
    e(INGO_E_SIGNING_STRING_HEADER_MISSING, c"signing_string.header_missing", c"a signed header is absent from the request", 400),
    e(INGO_E_SIGNING_STRING_HEADER_REPEATED, c"signing_string.header_repeated", c"a signed header occurs more than once", 400),
    e(INGO_E_SIGNING_STRING_HEADER_VALUE_INVALID, c"signing_string.header_value_invalid", c"a signed header value holds CR, LF or NUL", 400),
    e(INGO_E_SIGNING_STRING_TARGET_FRAGMENT, c"signing_string.target_fragment", c"the request target holds a fragment (#)", 400),
    e(INGO_E_DATE_MALFORMED, c"date.malformed", c"x-date is not an IMF-fixdate", 400),
    e(INGO_E_DATE_UNKNOWN_WEEKDAY, c"date.unknown_weekday", c"x-date has an unknown weekday", 400),
    e(INGO_E_DATE_UNKNOWN_MONTH, c"date.unknown_month", c"x-date has an unknown month", 400),
    e(INGO_E_DATE_NOT_GMT, c"date.not_gmt", c"x-date must end in GMT", 400),
    e(INGO_E_DATE_INVALID_DAY, c"date.invalid_day", c"x-date names a day that does not exist", 400),
    e(INGO_E_DATE_INVALID_TIME, c"date.invalid_time", c"x-date has an invalid time of day", 400),
    e(INGO_E_DATE_YEAR_OUT_OF_RANGE, c"date.year_out_of_range", c"the date lies outside 1970 to 9999", 400),
    e(INGO_E_DATE_WEEKDAY_MISMATCH, c"date.weekday_mismatch", c"x-date's weekday does not match its date", 400),
    e(INGO_E_DIGEST_MALFORMED, c"digest.malformed", c"the digest header is not canonical base64 of the digest", 400),
    e(INGO_E_DIGEST_MISMATCH, c"digest.mismatch", c"the digest header does not match the body", 401),
    e(INGO_E_KEY_USERNAME, c"key.username", c"the username cannot be used in an Authorization header", 0),
    e(INGO_E_KEY_EMPTY_SECRET, c"key.empty_secret", c"the HMAC secret is empty", 0),
    e(INGO_E_SIGN_TOO_MANY_EXTRA_HEADERS, c"sign.too_many_extra_headers", c"too many extra headers to sign", 0),
    e(INGO_E_SIGN_CONTENT_TYPE, c"sign.content_type", c"the content type to sign must be application/json", 0),
    e(INGO_E_SIGN_DIGEST_ALGORITHM, c"sign.digest_algorithm", c"the pre-computed digest uses another algorithm than the signer", 0),
    e(INGO_E_SIGN_AUTHORIZATION_TOO_LONG, c"sign.authorization_too_long", c"the Authorization header would exceed 2048 bytes", 0),
    e(INGO_E_SIGN_UNSIGNABLE_HEADER, c"sign.unsignable_header", c"an extra header cannot be signed", 0),
    e(INGO_E_JSON_TOO_LARGE, c"json.too_large", c"the body is larger than 64 KiB", 413),
    e(INGO_E_JSON_EMPTY, c"json.empty", c"the body is empty", 400),
    e(INGO_E_JSON_INVALID_UTF8, c"json.invalid_utf8", c"the body is not valid UTF-8", 400),
    e(INGO_E_JSON_NOT_AN_OBJECT, c"json.not_an_object", c"the body is not a JSON object", 400),
    e(INGO_E_JSON_SYNTAX, c"json.syntax", c"the body is not valid JSON", 400),
    e(INGO_E_JSON_UNEXPECTED_END, c"json.unexpected_end", c"the body ends inside a JSON value", 400),
    e(INGO_E_JSON_INVALID_ESCAPE, c"json.invalid_escape", c"the body has an invalid JSON escape", 400),
    e(INGO_E_JSON_LONE_SURROGATE, c"json.lone_surrogate", c"the body has a lone UTF-16 surrogate escape", 400),
    e(INGO_E_JSON_CONTROL_CHARACTER, c"json.control_character", c"the body has a raw control character in a string", 400),
    e(INGO_E_JSON_INVALID_NUMBER, c"json.invalid_number", c"the body has a malformed number", 400),
    e(INGO_E_JSON_INVALID_LITERAL, c"json.invalid_literal", c"the body has a malformed literal", 400),
    e(INGO_E_JSON_TOO_DEEP, c"json.too_deep", c"the body nests too deeply", 400),
    e(INGO_E_JSON_TRAILING_DATA, c"json.trailing_data", c"the body has data after the JSON object", 400),
    e(INGO_E_JSON_PARSER, c"json.parser", c"the body could not be read", 400),
    e(INGO_E_PAYLOAD_INVALID, c"payload.invalid", c"the body breaks payload field rules", 400),
    e(INGO_E_IDEMPOTENCY_KEY_EMPTY, c"idempotency_key.empty", c"the Idempotency-Key is empty", 400),
    e(INGO_E_IDEMPOTENCY_KEY_TOO_LONG, c"idempotency_key.too_long", c"the Idempotency-Key is longer than 250 characters", 400),
    e(INGO_E_IDEMPOTENCY_KEY_INVALID_CHARACTER, c"idempotency_key.invalid_character", c"the Idempotency-Key has a character that is not printable ASCII", 400),
    e(INGO_E_IDEMPOTENCY_KEY_SURROUNDING_WHITESPACE, c"idempotency_key.surrounding_whitespace", c"the Idempotency-Key starts or ends with a space", 400),
];

/// The entry for `code`, if it is one.
pub fn info(code: i32) -> Option<&'static ErrorInfo> {
    ERRORS.iter().find(|entry| entry.code == code)
}

/// The code a client is told for `code`: `verify.unknown_username` is answered as
/// `verify.signature_mismatch` (signer-core's `VerifyError::for_client`); every other number is
/// itself.
pub fn for_client(code: i32) -> i32 {
    match code {
        INGO_E_VERIFY_UNKNOWN_USERNAME => INGO_E_VERIFY_SIGNATURE_MISMATCH,
        other => other,
    }
}

/// The code of a signer-core `kind()` string; `INGO_E_INTERNAL` for a kind this table lacks
/// (a test shows none is).
pub fn code_of_kind(kind: &str) -> i32 {
    ERRORS
        .iter()
        .find(|entry| entry.kind.to_bytes() == kind.as_bytes())
        .map_or(INGO_E_INTERNAL, |entry| entry.code)
}
