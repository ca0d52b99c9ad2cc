//! `amount` (push to card), judged on its literal text, never through a float.
//!
//! SPEC §6: a JSON number, at least 0.01, at most two decimal places, no exponent. None of
//! that can be judged from what `serde-json-core` returns for a number: it parses into an
//! `f32`/`f64` (or an integer), and a float has neither decimal places nor an exponent to
//! count (`10.10`, `10.1` and `1.01e1` all arrive as the same bits), nor can it hold 0.01
//! exactly, so `0.01 >= 0.01` would be a rounding question. The text comes instead from the
//! body itself ([`scalar_after_key`](super::json::scalar_after_key)), and this module judges
//! it with a few lines of string handling.
//!
//! The text has already passed the strict scanner, so it is a JSON number:
//! `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`. Decisions: `1010.5` and `1010.50` are
//! both fine (at most two places); `0.010` is rejected (three places, even though the value
//! is 0.01), because the rule is about how the amount is written; any minus sign fails the
//! minimum (`-0` is not at least 0.01). No maximum is set here: limits belong to the
//! participant's configuration, which the server knows.

use super::report::Rule;

/// Judges the literal text of `amount`.
pub(crate) fn check(text: &str) -> Result<(), Rule> {
    if text.contains(['e', 'E']) {
        return Err(Rule::AmountExponent);
    }
    let (negative, unsigned) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    if fraction.len() > 2 {
        return Err(Rule::AmountDecimals);
    }
    // With at most two decimal places, any non-zero digit makes the amount at least 0.01.
    let non_zero = whole.bytes().chain(fraction.bytes()).any(|b| b != b'0');
    if negative || !non_zero {
        return Err(Rule::AmountMinimum);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boundaries_from_the_spec() {
        assert_eq!(check("0.01"), Ok(()));
        assert_eq!(check("1010.5"), Ok(()));
        assert_eq!(check("0.009"), Err(Rule::AmountDecimals));
        assert_eq!(check("0.00"), Err(Rule::AmountMinimum));
        assert_eq!(check("1e2"), Err(Rule::AmountExponent));
        assert_eq!(check("-5"), Err(Rule::AmountMinimum));
    }
}
