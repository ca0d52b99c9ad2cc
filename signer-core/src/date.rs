//! The `X-Date` header: IMF-fixdate (RFC 9110 §5.6.7, formerly RFC 7231 §7.1.1.1) to and from
//! Unix seconds, and the clock-skew check.
//!
//! Decisions (SPEC §5.7):
//! - Only IMF-fixdate is accepted (`Sun, 06 Nov 1994 08:49:37 GMT`, exactly 29 bytes). The
//!   obsolete RFC 850 and asctime forms that HTTP recipients "should" accept are rejected: the
//!   date is signed, so a signer has no reason to send anything but the canonical form.
//! - Names are case-sensitive, as the grammar's `%s` strings are; the zone is exactly `GMT`.
//! - The weekday must match the date and the date must exist (no 30 February).
//! - Second `60` is rejected: Unix time has no leap seconds, so such a date has no timestamp.
//! - Years 1970 to 9999: before 1970 there is no Unix timestamp; after 9999 there is no 4-digit year.
//!
//! The core has no clock: [`check_skew`] takes `now` as an argument.

use core::fmt;

/// Unix seconds of 9999-12-31T23:59:59Z, the last instant an IMF-fixdate can name.
pub const MAX_TIMESTAMP: u64 = 253_402_300_799;

const SECONDS_PER_DAY: u64 = 86_400;
const WEEKDAYS: [&[u8; 3]; 7] = [b"Sun", b"Mon", b"Tue", b"Wed", b"Thu", b"Fri", b"Sat"];
const MONTHS: [&[u8; 3]; 12] = [
    b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec",
];

/// Why an `X-Date` value is not an acceptable IMF-fixdate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DateError {
    /// Not of the shape `Www, DD Mon YYYY HH:MM:SS GMT` (wrong length, separators or digits).
    Malformed,
    /// The weekday is not one of `Mon`..`Sun` (case-sensitive).
    UnknownWeekday,
    /// The month is not one of `Jan`..`Dec` (case-sensitive).
    UnknownMonth,
    /// The zone is not exactly `GMT`.
    NotGmt,
    /// The day does not exist in that month (00, 31 April, 29 February of a common year).
    InvalidDay,
    /// Hour above 23, minute above 59 or second above 59.
    InvalidTime,
    /// The year is before 1970, or the timestamp is past 9999-12-31T23:59:59Z.
    YearOutOfRange,
    /// The weekday is not the weekday of that date.
    WeekdayMismatch,
}

impl DateError {
    /// Stable identifier of this error (`date.*`), for logs and other languages.
    pub const fn kind(self) -> &'static str {
        match self {
            DateError::Malformed => "date.malformed",
            DateError::UnknownWeekday => "date.unknown_weekday",
            DateError::UnknownMonth => "date.unknown_month",
            DateError::NotGmt => "date.not_gmt",
            DateError::InvalidDay => "date.invalid_day",
            DateError::InvalidTime => "date.invalid_time",
            DateError::YearOutOfRange => "date.year_out_of_range",
            DateError::WeekdayMismatch => "date.weekday_mismatch",
        }
    }
}

impl fmt::Display for DateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DateError::Malformed => {
                "x-date is not an IMF-fixdate; send it as `Fri, 17 Jan 2020 19:59:29 GMT`"
            }
            DateError::UnknownWeekday => "x-date has an unknown weekday; use Mon, Tue, ... Sun",
            DateError::UnknownMonth => "x-date has an unknown month; use Jan, Feb, ... Dec",
            DateError::NotGmt => "x-date must end in `GMT`",
            DateError::InvalidDay => "x-date names a day that does not exist in that month",
            DateError::InvalidTime => {
                "x-date has an hour above 23, a minute above 59 or a second above 59"
            }
            DateError::YearOutOfRange => "x-date must lie between 1970 and 9999",
            DateError::WeekdayMismatch => "x-date's weekday does not match its date",
        })
    }
}

/// An IMF-fixdate, formatted: always 29 ASCII bytes.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct HttpDate([u8; 29]);

impl HttpDate {
    /// The date as text, e.g. `Fri, 17 Jan 2020 19:59:29 GMT`.
    pub fn as_str(&self) -> &str {
        // The bytes are ASCII by construction; the fallback is unreachable.
        core::str::from_utf8(&self.0).unwrap_or("")
    }

    /// The date's 29 ASCII bytes, without the UTF-8 check [`as_str`](Self::as_str) makes: what
    /// a signer feeds its MAC.
    pub fn as_bytes(&self) -> &[u8; 29] {
        &self.0
    }
}

crate::buffer::fmt_as_str!(HttpDate);

/// Formats Unix seconds as an IMF-fixdate.
///
/// ```
/// let date = ingo_signer_core::date::format_imf_fixdate(1_579_291_169).unwrap();
/// assert_eq!(date.as_str(), "Fri, 17 Jan 2020 19:59:29 GMT");
/// ```
///
/// # Errors
/// [`DateError::YearOutOfRange`] past 9999-12-31T23:59:59Z.
pub fn format_imf_fixdate(unix_seconds: u64) -> Result<HttpDate, DateError> {
    if unix_seconds > MAX_TIMESTAMP {
        return Err(DateError::YearOutOfRange);
    }
    let days = unix_seconds / SECONDS_PER_DAY;
    let second_of_day = unix_seconds % SECONDS_PER_DAY;
    let (year, month, day) = civil_from_days(days);
    let weekday = weekday_of(days);
    let name = WEEKDAYS.get(weekday).ok_or(DateError::YearOutOfRange)?;
    let month_name = MONTHS
        .get(usize::from(month.wrapping_sub(1)))
        .ok_or(DateError::YearOutOfRange)?;
    let [y0, y1, y2, y3] = four_digits(year);
    let [d0, d1] = two_digits(u64::from(day));
    let [h0, h1] = two_digits(second_of_day / 3600);
    let [m0, m1] = two_digits(second_of_day / 60 % 60);
    let [s0, s1] = two_digits(second_of_day % 60);
    let [w0, w1, w2] = **name;
    let [n0, n1, n2] = **month_name;
    Ok(HttpDate([
        w0, w1, w2, b',', b' ', d0, d1, b' ', n0, n1, n2, b' ', y0, y1, y2, y3, b' ', h0, h1, b':',
        m0, m1, b':', s0, s1, b' ', b'G', b'M', b'T',
    ]))
}

/// Parses an IMF-fixdate into Unix seconds, strictly (see the module docs for what is refused).
///
/// ```
/// use ingo_signer_core::date::{parse_imf_fixdate, DateError};
/// assert_eq!(parse_imf_fixdate(b"Fri, 17 Jan 2020 19:59:29 GMT"), Ok(1_579_291_169));
/// assert_eq!(parse_imf_fixdate(b"Sat, 17 Jan 2020 19:59:29 GMT"), Err(DateError::WeekdayMismatch));
/// ```
///
/// # Errors
/// A [`DateError`] naming the first rule the value breaks.
pub fn parse_imf_fixdate(value: &[u8]) -> Result<u64, DateError> {
    let Ok(bytes) = <&[u8; 29]>::try_from(value) else {
        return Err(DateError::Malformed);
    };
    let [
        w0,
        w1,
        w2,
        b',',
        b' ',
        d0,
        d1,
        b' ',
        n0,
        n1,
        n2,
        b' ',
        y0,
        y1,
        y2,
        y3,
        b' ',
        h0,
        h1,
        b':',
        m0,
        m1,
        b':',
        s0,
        s1,
        b' ',
        z0,
        z1,
        z2,
    ] = *bytes
    else {
        return Err(DateError::Malformed);
    };
    let day = parse_digits(&[d0, d1]).ok_or(DateError::Malformed)?;
    let year = parse_digits(&[y0, y1, y2, y3]).ok_or(DateError::Malformed)?;
    let hour = parse_digits(&[h0, h1]).ok_or(DateError::Malformed)?;
    let minute = parse_digits(&[m0, m1]).ok_or(DateError::Malformed)?;
    let second = parse_digits(&[s0, s1]).ok_or(DateError::Malformed)?;
    if [z0, z1, z2] != *b"GMT" {
        return Err(DateError::NotGmt);
    }
    let weekday = WEEKDAYS
        .iter()
        .position(|w| **w == [w0, w1, w2])
        .ok_or(DateError::UnknownWeekday)?;
    let month = MONTHS
        .iter()
        .position(|m| **m == [n0, n1, n2])
        .ok_or(DateError::UnknownMonth)?;
    if year < 1970 {
        return Err(DateError::YearOutOfRange);
    }
    // `month` is an index 0..=11, so the cast and the increment are exact.
    let month = u64::try_from(month).map_err(|_| DateError::UnknownMonth)?;
    let month = month.wrapping_add(1);
    if day == 0 || day > days_in_month(year, month) {
        return Err(DateError::InvalidDay);
    }
    if hour > 23 || minute > 59 || second > 59 {
        return Err(DateError::InvalidTime);
    }
    let days = days_from_civil(year, month, day);
    if weekday_of(days) != weekday {
        return Err(DateError::WeekdayMismatch);
    }
    Ok(timestamp(days, hour, minute, second))
}

/// How far, and in which direction, a request's date lies outside the allowed skew.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SkewError {
    /// Seconds between the request's `X-Date` and `now`.
    pub seconds: u64,
    /// `true` when the date lies after `now` (a clock running fast, or a pre-dated request).
    pub ahead: bool,
    /// The largest skew the policy allows, in seconds.
    pub limit: u64,
}

impl fmt::Display for SkewError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let relation = if self.ahead { "ahead of" } else { "older than" };
        write!(
            f,
            "x-date is {} s {relation} now; the limit is {} s (check the signer's clock)",
            self.seconds, self.limit
        )
    }
}

/// Checks `|now - date| <= max_skew` (inclusive; SPEC §5.7).
///
/// ```
/// use ingo_signer_core::date::check_skew;
/// assert!(check_skew(1_000, 1_300, 300).is_ok());
/// let err = check_skew(1_000, 1_412, 300).unwrap_err();
/// assert_eq!(err.to_string(), "x-date is 412 s older than now; the limit is 300 s (check the signer's clock)");
/// ```
///
/// # Errors
/// [`SkewError`] with the distance and direction when the bound is exceeded.
pub fn check_skew(date: u64, now: u64, max_skew: u64) -> Result<(), SkewError> {
    let seconds = date.abs_diff(now);
    if seconds <= max_skew {
        Ok(())
    } else {
        Err(SkewError {
            seconds,
            ahead: date > now,
            limit: max_skew,
        })
    }
}

/// Parses 2 or 4 ASCII digits.
fn parse_digits(digits: &[u8]) -> Option<u64> {
    digits.iter().try_fold(0u64, |acc, &b| {
        if b.is_ascii_digit() {
            acc.checked_mul(10)?
                .checked_add(u64::from(b.wrapping_sub(b'0')))
        } else {
            None
        }
    })
}

fn two_digits(value: u64) -> [u8; 2] {
    // `value % 10` and `value / 10 % 10` are below 10, so the casts are exact.
    [(value / 10 % 10) as u8 | b'0', (value % 10) as u8 | b'0']
}

fn four_digits(value: u64) -> [u8; 4] {
    let [a, b] = two_digits(value / 100);
    let [c, d] = two_digits(value);
    [a, b, c, d]
}

fn is_leap(year: u64) -> bool {
    year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400))
}

fn days_in_month(year: u64, month: u64) -> u64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Day of the week of a day count since 1970-01-01 (a Thursday): 0 is Sunday.
fn weekday_of(days: u64) -> usize {
    // The remainder is below 7, so the cast is exact.
    (days.wrapping_add(4) % 7) as usize
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
#[allow(clippy::arithmetic_side_effects)]
fn days_from_civil(year: u64, month: u64, day: u64) -> u64 {
    // Callers pass 1970 <= year <= 9999, 1 <= month <= 12, 1 <= day <= 31: every intermediate
    // value is below 2^32 and `y >= 1969`, so nothing here can overflow or underflow.
    let y = if month <= 2 { year - 1 } else { year };
    let era = y / 400;
    let year_of_era = y - era * 400;
    let shifted_month = (month + 9) % 12; // March is 0, so the leap day ends the year
    let day_of_year = (153 * shifted_month + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The proleptic Gregorian date of a day count since 1970-01-01 (Hinnant's `civil_from_days`).
#[allow(clippy::arithmetic_side_effects)]
fn civil_from_days(days: u64) -> (u64, u8, u8) {
    // Callers pass days <= MAX_TIMESTAMP / 86400 (2,932,896): every intermediate value is
    // below 2^32 and no subtraction can go negative.
    let z = days + 719_468;
    let era = z / 146_097;
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    };
    let year = year_of_era + era * 400 + u64::from(month <= 2);
    (year, month as u8, day as u8)
}

#[allow(clippy::arithmetic_side_effects)]
fn timestamp(days: u64, hour: u64, minute: u64, second: u64) -> u64 {
    // days <= 2,932,896 and the time fields are range-checked: the result is <= MAX_TIMESTAMP.
    days * SECONDS_PER_DAY + hour * 3600 + minute * 60 + second
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_dates() {
        // Values from Python's email.utils.formatdate(ts, usegmt=True).
        for (ts, text) in [
            (0, "Thu, 01 Jan 1970 00:00:00 GMT"),
            (784_111_777, "Sun, 06 Nov 1994 08:49:37 GMT"),
            (951_782_400, "Tue, 29 Feb 2000 00:00:00 GMT"),
            (1_498_151_721, "Thu, 22 Jun 2017 17:15:21 GMT"),
            (4_107_542_400, "Mon, 01 Mar 2100 00:00:00 GMT"),
            (MAX_TIMESTAMP, "Fri, 31 Dec 9999 23:59:59 GMT"),
        ] {
            assert_eq!(format_imf_fixdate(ts).unwrap().as_str(), text);
            assert_eq!(parse_imf_fixdate(text.as_bytes()), Ok(ts), "{text}");
        }
    }

    #[test]
    fn every_rule_rejects() {
        for (text, err) in [
            ("Fri, 17 Jan 2020 19:59:29 GMT ", DateError::Malformed),
            ("Fri 17 Jan 2020 19:59:29 GMT", DateError::Malformed),
            ("Friday, 17-Jan-20 19:59:29 GMT", DateError::Malformed),
            ("Fri Jan 17 19:59:29 2020     ", DateError::Malformed),
            ("Fri, 1a Jan 2020 19:59:29 GMT", DateError::Malformed),
            ("Fri, 17 Jan 2020 19:59:29 UTC", DateError::NotGmt),
            ("Fri, 17 Jan 2020 19:59:29 gmt", DateError::NotGmt),
            ("fri, 17 Jan 2020 19:59:29 GMT", DateError::UnknownWeekday),
            ("Fri, 17 jan 2020 19:59:29 GMT", DateError::UnknownMonth),
            ("Wed, 31 Dec 1969 23:59:59 GMT", DateError::YearOutOfRange),
            ("Mon, 29 Feb 2021 00:00:00 GMT", DateError::InvalidDay),
            ("Mon, 00 Feb 2021 00:00:00 GMT", DateError::InvalidDay),
            ("Thu, 31 Apr 2021 00:00:00 GMT", DateError::InvalidDay),
            ("Fri, 17 Jan 2020 24:00:00 GMT", DateError::InvalidTime),
            ("Fri, 17 Jan 2020 23:60:00 GMT", DateError::InvalidTime),
            ("Fri, 17 Jan 2020 23:59:60 GMT", DateError::InvalidTime),
            ("Sat, 17 Jan 2020 19:59:29 GMT", DateError::WeekdayMismatch),
        ] {
            assert_eq!(parse_imf_fixdate(text.as_bytes()), Err(err), "{text}");
        }
        assert_eq!(
            format_imf_fixdate(MAX_TIMESTAMP + 1),
            Err(DateError::YearOutOfRange)
        );
    }

    #[test]
    fn skew_bound_is_inclusive_both_ways() {
        assert!(check_skew(1_000, 1_300, 300).is_ok());
        assert!(check_skew(1_300, 1_000, 300).is_ok());
        assert_eq!(
            check_skew(1_301, 1_000, 300),
            Err(SkewError {
                seconds: 301,
                ahead: true,
                limit: 300
            })
        );
        assert_eq!(
            check_skew(0, u64::MAX, 300).map_err(|e| e.seconds),
            Err(u64::MAX)
        );
    }
}
