//! `ingo-sign explain`: what a person reaches for after a 401. Shows the signing string with its
//! line breaks visible, the body digest computed versus the header's, the skew, and a verdict
//! for each check of SPEC §5, in order; the last line is the core verifier's own verdict.
//!
//! Every check is the core's: the Authorization parser, [`write_signing_string`] (the function
//! behind `signing_string_into`), [`BodyDigest`], [`parse_imf_fixdate`] and [`check_skew`], the
//! content-header rules, and the [`Verifier`] itself for the checks that only it makes (the
//! algorithm policy, the required set and the constant-time MAC comparison).
//!
//! It never prints the secret, nor the signature the secret would give: for a mismatching request
//! it prints the *received* signature and "does not match", so that `explain` cannot serve as a
//! signing oracle. Everything it shows from the request (the request line, header values) is
//! escaped: a control, bidi or other format character in a request cannot rewrite the terminal.
//!
//! A request that carries `Transfer-Encoding` gets a check 0 before SPEC's ten: the verifier
//! refuses it before anything else (one framing, by Content-Length).

use std::fmt::Write as _;

use ingo_signer_core::authorization::Authorization;
use ingo_signer_core::content_headers::{is_json_content_type, parse_content_length};
use ingo_signer_core::date::{check_skew, format_imf_fixdate, parse_imf_fixdate};
use ingo_signer_core::digest::BodyDigest;
use ingo_signer_core::header_list::REQUEST_LINE;
use ingo_signer_core::signing_string::{
    HeaderLookup, Headers as _, single_header, trim_ows, write_signing_string,
};
use ingo_signer_core::{DigestAlgorithm, KeyStore as _, Policy, SigningKey, Verifier, VerifyError};

use crate::args::{Prepared, VerifyArgs};
use crate::{CliError, Io, Status, with_kind};

/// One check's outcome.
enum Verdict {
    Ok(String),
    Failed(String),
    NotChecked(&'static str),
}

impl Verdict {
    fn failed(error: VerifyError) -> Self {
        Verdict::Failed(with_kind(error, error.kind()))
    }

    fn render(&self) -> String {
        match self {
            Verdict::Ok(detail) if detail.is_empty() => "ok".to_owned(),
            Verdict::Ok(detail) => format!("ok: {detail}"),
            Verdict::Failed(reason) => format!("FAILED: {reason}"),
            Verdict::NotChecked(why) => format!("not checked: {why}"),
        }
    }
}

/// The SPEC §5 step a verifier error belongs to (0: the framing check before them).
fn step_of(error: VerifyError) -> u8 {
    match error {
        VerifyError::TransferEncoding => 0,
        VerifyError::MissingAuthorization
        | VerifyError::RepeatedAuthorization
        | VerifyError::Authorization(_) => 1,
        VerifyError::AlgorithmNotAllowed(_) => 2,
        VerifyError::DigestAlgorithmMismatch | VerifyError::RequiredHeaderUnsigned(_) => 3,
        VerifyError::UnknownUsername => 4,
        VerifyError::SigningString(_) => 5,
        VerifyError::SignatureMismatch => 6,
        VerifyError::Date(_) | VerifyError::DateSkew(_) => 7,
        VerifyError::ContentType => 8,
        VerifyError::ContentLengthInvalid
        | VerifyError::ContentLengthMismatch { .. }
        | VerifyError::BodyTooLarge { .. } => 9,
        VerifyError::Digest(_) => 10,
        // A gateway's replay guard, after every step of the SPEC; `explain` keeps no store.
        VerifyError::Replayed | VerifyError::ReplayCheckUnavailable => 11,
    }
}

/// Verdict of step `step` from a verifier run that stops at its first failure: failed there,
/// passed when the run got further.
fn verdict_from_run(step: u8, run: Result<(), VerifyError>, ok: &str) -> Verdict {
    match run {
        Err(e) if step_of(e) == step => Verdict::failed(e),
        Err(e) if step_of(e) < step => Verdict::NotChecked("an earlier check failed"),
        _ => Verdict::Ok(ok.to_owned()),
    }
}

/// Prints the explanation; [`Status::Success`] when the request verifies, else
/// [`Status::Rejected`].
///
/// # Errors
/// [`CliError`] for input problems (see [`VerifyArgs::prepare`]).
pub fn run(args: &VerifyArgs, io: &mut Io<'_>) -> Result<Status, CliError> {
    let prepared = args.prepare(io)?;
    let required = prepared.required_names();
    let policy = prepared.policy(&required);
    let (text, verdict) = explain(&prepared, policy, args);
    io.stdout.write_all(text.as_bytes())?;
    Ok(if verdict.is_ok() {
        Status::Success
    } else {
        Status::Rejected
    })
}

/// Builds the report and returns it with the verifier's verdict.
fn explain(
    prepared: &Prepared,
    policy: Policy<'_>,
    args: &VerifyArgs,
) -> (String, Result<(), VerifyError>) {
    let request = &prepared.request;
    let head = request.head();
    let headers = &request.headers[..];
    let body = &request.body[..];
    let now = prepared.now;
    let mut out = String::new();

    // The request and the clock.
    let _ = writeln!(
        out,
        "request      {} {} HTTP/{}, {}, {}-byte body",
        escape(request.method.as_bytes()),
        escape(request.target.as_bytes()),
        request.version.as_str(),
        count(request.headers.len(), "header field"),
        body.len()
    );
    let now_date =
        format_imf_fixdate(now).map_or_else(|_| "?".to_owned(), |d| d.as_str().to_owned());
    let source = if prepared.now_from_system {
        "system clock"
    } else {
        "--now"
    };
    let _ = writeln!(out, "now          {now} ({now_date}, {source})");
    let _ = writeln!(
        out,
        "policy       max skew {} s, max body {} bytes, hmac-sha256 {}{}",
        policy.skew_limit(),
        policy.body_limit(),
        if policy.allows_legacy_sha256() {
            "allowed"
        } else {
            "refused"
        },
        if policy.required_headers().is_empty() {
            String::new()
        } else {
            format!(", also required: {}", required_list(policy))
        }
    );
    let secret_source = match (&args.secret.secret_env, &args.secret.secret_file) {
        (Some(var), _) => format!("environment variable {}", escape(var.as_bytes())),
        (None, Some(path)) => format!("file {}", escape(path.as_os_str().as_encoded_bytes())),
        (None, None) => "?".to_owned(),
    };

    // Check 0: one framing. The verifier refuses Transfer-Encoding before anything else.
    let step0 = match headers.lookup("transfer-encoding") {
        HeaderLookup::Absent => None,
        _ => Some(Verdict::failed(VerifyError::TransferEncoding)),
    };

    // Step 1: the Authorization header.
    let _ = writeln!(out, "\nauthorization");
    let auth: Result<Authorization<'_>, VerifyError> = match headers.lookup("authorization") {
        HeaderLookup::Absent => Err(VerifyError::MissingAuthorization),
        HeaderLookup::Repeated => Err(VerifyError::RepeatedAuthorization),
        HeaderLookup::Once(value) => {
            Authorization::parse(trim_ows(value)).map_err(VerifyError::Authorization)
        }
    };
    match &auth {
        Ok(auth) => {
            let _ = writeln!(out, "  username   {:?}", auth.username());
            let _ = writeln!(out, "  algorithm  {}", auth.algorithm());
            let _ = writeln!(out, "  headers    {}", auth.headers().as_str());
            let _ = writeln!(out, "  signature  {} (received)", received_signature(auth));
        }
        Err(e) => {
            let _ = writeln!(out, "  unusable: {}", with_kind(e, e.kind()));
        }
    }
    let step1 = match &auth {
        Ok(_) => Verdict::Ok(String::new()),
        Err(e) => Verdict::failed(*e),
    };

    // Steps 2 and 3, as the verifier decides them: with no keys it stops at step 4 at the latest.
    let no_keys: &[SigningKey] = &[];
    let probe = |policy: Policy<'_>| {
        Verifier::new(no_keys, policy)
            .verify_head(&head, now)
            .map(|_| ())
    };
    let (step2, step3) = if auth.is_ok() {
        let step2 = verdict_from_run(2, probe(policy), "");
        // Step 3 judged on its own, even when step 2 refused the algorithm.
        let step3 = verdict_from_run(3, probe(policy.allow_legacy_sha256(true)), "");
        (step2, step3)
    } else {
        (
            Verdict::NotChecked("no usable Authorization header"),
            Verdict::NotChecked("no usable Authorization header"),
        )
    };

    // Step 4: the username has a key.
    let step4 = match (&auth, &prepared.expected_username) {
        (Ok(auth), Some(expected)) => {
            if prepared.keys[..].keys_for(auth.username()).next().is_some() {
                Verdict::Ok(format!(
                    "{:?} is --username; secret from {secret_source}",
                    auth.username()
                ))
            } else {
                Verdict::Failed(with_kind(
                    format_args!(
                        "{} (the request is signed by {:?}; --username is {expected:?})",
                        VerifyError::UnknownUsername,
                        auth.username()
                    ),
                    VerifyError::UnknownUsername.kind(),
                ))
            }
        }
        (Ok(auth), None) => Verdict::Ok(format!(
            "{:?} taken from the request; secret from {secret_source}",
            auth.username()
        )),
        (Err(_), _) => Verdict::NotChecked("no usable Authorization header"),
    };

    // Step 5 and the signing string.
    let step5 = match &auth {
        Ok(auth) => {
            let mut string = Vec::new();
            let built = write_signing_string(auth.headers(), &head, |piece| {
                string.extend_from_slice(piece)
            });
            let lines: Vec<&[u8]> = string.split(|&b| b == b'\n').collect();
            let _ = writeln!(
                out,
                "\nsigning string ({}, {} bytes; each line is shown after `| `, `\\n` marks the line feed that joins it to the next; none follows the last)",
                count(lines.len(), "line"),
                string.len()
            );
            let last = lines.len().saturating_sub(1);
            for (i, line) in lines.iter().enumerate() {
                let join = if i < last { "\\n" } else { "" };
                let _ = writeln!(out, "  | {}{join}", escape(line));
            }
            match built {
                Ok(()) => Verdict::Ok(format!(
                    "{}, each present once and single-line",
                    count(
                        auth.headers().iter().filter(|n| *n != REQUEST_LINE).count(),
                        "signed header"
                    )
                )),
                Err(e) => {
                    let _ = writeln!(
                        out,
                        "  (incomplete: stops where {})",
                        with_kind(e, e.kind())
                    );
                    Verdict::failed(VerifyError::SigningString(e))
                }
            }
        }
        Err(_) => Verdict::NotChecked("no usable Authorization header"),
    };

    // Step 6: the MAC, compared by the verifier (constant time); never the expected value.
    let verifier = Verifier::new(&prepared.keys[..], policy);
    let head_run = verifier.verify_head(&head, now).map(|_| ());
    let step6 = match (&auth, head_run) {
        (Ok(auth), Err(VerifyError::SignatureMismatch)) => Verdict::Failed(format!(
            "the received signature {} does not match the request under this secret: {}",
            received_signature(auth),
            with_kind(
                VerifyError::SignatureMismatch,
                VerifyError::SignatureMismatch.kind()
            )
        )),
        (Err(_), _) => Verdict::NotChecked("no usable Authorization header"),
        (Ok(_), run) => verdict_from_run(6, run, "the signature matches"),
    };

    // Step 7: X-Date and the skew.
    let _ = writeln!(out, "\nx-date");
    let step7 = match single_header(headers, "x-date") {
        Err(e) => {
            let _ = writeln!(out, "  {}", with_kind(e, e.kind()));
            Verdict::failed(VerifyError::SigningString(e))
        }
        Ok(value) => {
            let _ = writeln!(out, "  header     {}", escape(value));
            match parse_imf_fixdate(value) {
                Err(e) => Verdict::failed(VerifyError::Date(e)),
                Ok(date) => {
                    let distance = now.abs_diff(date);
                    let direction = if date > now {
                        "x-date is ahead of now (the signer's clock is fast, or the request is pre-dated)"
                    } else if date < now {
                        "x-date is older than now"
                    } else {
                        "x-date is now"
                    };
                    let _ = writeln!(out, "  x-date     {date}");
                    let _ = writeln!(out, "  now        {now}");
                    let _ = writeln!(
                        out,
                        "  skew       {distance} s: {direction}; the limit is {} s either way",
                        policy.skew_limit()
                    );
                    match check_skew(date, now, policy.skew_limit()) {
                        Ok(()) => Verdict::Ok(format!(
                            "skew {distance} s, within {} s",
                            policy.skew_limit()
                        )),
                        Err(e) => Verdict::failed(VerifyError::DateSkew(e)),
                    }
                }
            }
        }
    };

    // Step 8: Content-Type.
    let step8 = match single_header(headers, "content-type") {
        Err(e) => Verdict::failed(VerifyError::SigningString(e)),
        Ok(value) if is_json_content_type(value) => Verdict::Ok(escape(value)),
        Ok(_) => Verdict::failed(VerifyError::ContentType),
    };

    // Step 9: Content-Length against the body and the limit.
    let received = u64::try_from(body.len()).unwrap_or(u64::MAX);
    let step9 = match single_header(headers, "content-length") {
        Err(e) => Verdict::failed(VerifyError::SigningString(e)),
        Ok(value) => match parse_content_length(value) {
            None => Verdict::failed(VerifyError::ContentLengthInvalid),
            Some(declared) if declared > policy.body_limit() => {
                Verdict::failed(VerifyError::BodyTooLarge {
                    limit: policy.body_limit(),
                })
            }
            Some(declared) if declared != received => {
                Verdict::failed(VerifyError::ContentLengthMismatch { declared, received })
            }
            Some(declared) => Verdict::Ok(format!("{declared} bytes, as received")),
        },
    };

    // Step 10: the body digest(s): the ones signed, or (with no usable header list) the ones sent.
    let _ = writeln!(out, "\nbody digest");
    let digests: Vec<DigestAlgorithm> = [DigestAlgorithm::Sha512, DigestAlgorithm::Sha256]
        .into_iter()
        .filter(|alg| match &auth {
            Ok(auth) => auth.headers().contains(alg.header_name()),
            Err(_) => !matches!(headers.lookup(alg.header_name()), HeaderLookup::Absent),
        })
        .collect();
    let mut step10 = Verdict::Ok(String::new());
    if digests.is_empty() {
        let why = if auth.is_ok() {
            "no digest header is signed"
        } else {
            "no usable Authorization header, and no digest header is sent"
        };
        let _ = writeln!(out, "  {why}");
        step10 = Verdict::NotChecked(why);
    }
    for alg in digests {
        let computed = BodyDigest::of(alg, body);
        let _ = writeln!(out, "  {}", alg.header_name());
        let verdict = match single_header(headers, alg.header_name()) {
            Err(e) => {
                let _ = writeln!(out, "    header   ({})", with_kind(e, e.kind()));
                Verdict::failed(VerifyError::SigningString(e))
            }
            Ok(value) => {
                let _ = writeln!(out, "    header   {}", escape(value));
                match BodyDigest::from_header(alg, value) {
                    Err(e) => Verdict::failed(VerifyError::Digest(e)),
                    Ok(sent) => match computed.verify(&sent) {
                        Ok(()) => Verdict::Ok(String::new()),
                        Err(e) => Verdict::failed(VerifyError::Digest(e)),
                    },
                }
            }
        };
        let _ = writeln!(out, "    computed {}", computed.to_base64().as_str());
        let _ = writeln!(
            out,
            "    {}",
            if matches!(verdict, Verdict::Ok(_)) {
                "equal"
            } else {
                "differ"
            }
        );
        if matches!(step10, Verdict::Ok(_)) {
            step10 = verdict;
        }
    }

    let checks = [
        ("Authorization header present once and well-formed", step1),
        ("algorithm allowed by the policy", step2),
        ("required headers signed", step3),
        ("username has a key", step4),
        ("signed headers present once, single-line", step5),
        ("signature", step6),
        ("x-date valid and within the skew", step7),
        ("content-type is application/json", step8),
        ("content-length matches the body", step9),
        ("body digest matches", step10),
    ];
    let _ = writeln!(out, "\nchecks (SPEC §5, in order)");
    if let Some(verdict) = step0 {
        let _ = writeln!(
            out,
            "  {:>2}. {:<50} {}",
            0,
            "no Transfer-Encoding (Content-Length frames the body)",
            verdict.render()
        );
    }
    for (i, (name, verdict)) in checks.iter().enumerate() {
        let _ = writeln!(out, "  {:>2}. {name:<50} {}", i + 1, verdict.render());
    }

    // The verdict is the verifier's, on the whole request.
    let result = verifier.verify(&head, body, now).map(|_| ());
    match result {
        Ok(()) => {
            let _ = writeln!(out, "\nverdict: ok");
        }
        Err(e) => {
            let _ = writeln!(out, "\nverdict: rejected: {}", prepared.describe(e));
        }
    }
    (out, result)
}

/// `1 line`, `5 lines`.
fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// The policy's extra required headers, for display.
fn required_list(policy: Policy<'_>) -> String {
    policy.required_headers().join(" ")
}

/// The received signature in its base64 form, as the core's canonical formatter writes it (the
/// parser accepts only canonical base64, so it is the text that was sent).
fn received_signature(auth: &Authorization<'_>) -> String {
    let canonical = auth.to_string();
    canonical
        .rsplit_once("signature=\"")
        .map_or(String::new(), |(_, s)| s.trim_end_matches('"').to_owned())
}

/// Shows bytes on one line: printable ASCII as is, `\` doubled, anything else escaped (`\t`,
/// `\r`, `\xNN`), so that a `\n` in the display is always a marker.
fn escape(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for &b in bytes {
        match b {
            b'\\' => out.push_str("\\\\"),
            b'\t' => out.push_str("\\t"),
            b'\r' => out.push_str("\\r"),
            b'\n' => out.push_str("\\n"),
            b' '..=b'~' => out.push(char::from(b)),
            _ => {
                let _ = write!(out, "\\x{b:02x}");
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_keeps_line_feed_markers_unambiguous() {
        assert_eq!(escape(b"a\\nb"), "a\\\\nb");
        assert_eq!(escape(b"a\tb\x7f\xc3\xa9"), "a\\tb\\x7f\\xc3\\xa9");
    }
}
