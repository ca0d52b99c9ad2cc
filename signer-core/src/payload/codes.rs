//! The value lists of SPEC §6 that formats are checked against (state codes and locale codes),
//! and the one length the report needs as well as the rules (`host_uri`'s).
//!
//! At the bottom of the payload modules: the rules check values against these lists, and the
//! report's messages show them.

/// The longest `host_uri` the Session Create page allows, in characters.
pub(crate) const HOST_URI_MAX: usize = 200;

/// The state codes of SPEC §6, in its order.
pub(crate) const STATES: [&str; 62] = [
    "AL", "AK", "AS", "AZ", "AR", "AA", "AE", "AP", "CA", "CO", "CT", "DE", "DC", "FM", "FL", "GA",
    "GU", "HI", "ID", "IL", "IN", "IA", "KS", "KY", "LA", "ME", "MH", "MD", "MA", "MI", "MN", "MS",
    "MO", "MT", "NE", "NV", "NH", "NJ", "NM", "NY", "NC", "ND", "MP", "OH", "OK", "OR", "PW", "PA",
    "PR", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VI", "VA", "WA", "WV", "WI", "WY",
];

/// The 28 `language_locale_code` values of the Session Create page.
pub(crate) const LOCALES: [&str; 28] = [
    "ar-SA", "cs-CZ", "da-DK", "de-DE", "en-GB", "en-US", "es-ES", "es-US", "fa-IR", "fi-FI",
    "fr-FR", "hmn-Latn", "it-IT", "ja-JP", "km-KH", "ko-KR", "nb-NO", "nl-NL", "pl-PL", "pt-BR",
    "ru-RU", "sv-SE", "tl-PH", "tr-TR", "vi-VN", "zh-CN", "zh-Hans", "zh-TW",
];

/// [`LOCALES`] as a message shows them.
pub(crate) const LOCALES_TEXT: &str = "ar-SA, cs-CZ, da-DK, de-DE, en-GB, en-US, es-ES, es-US, \
    fa-IR, fi-FI, fr-FR, hmn-Latn, it-IT, ja-JP, km-KH, ko-KR, nb-NO, nl-NL, pl-PL, pt-BR, ru-RU, \
    sv-SE, tl-PH, tr-TR, vi-VN, zh-CN, zh-Hans, zh-TW";
