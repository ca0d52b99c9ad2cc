"""Reference verifier for the test vectors (Python standard library only).

This is NOT the project's verifier and shares no code with the Rust crate. It exists so that
`generate.py` can check, before writing anything, that every vector behaves as labelled:
signing and accept vectors verify, and each reject vector fails with exactly the error code it
names, under the check order of `/work/notes/error-codes.md` (first failure wins).

`verify(vector)` returns None when the request is accepted, else the error code string.

Three decisions of the project go beyond that order (issue 13; signer-core's verifier documents
them): a request carrying Transfer-Encoding is refused before anything else
(verify.transfer_encoding); a `#` in the request-target is refused with the request line
(signing_string.target_fragment); and an unknown username is reported where a wrong signature
is, after the signing string is built, so a defect of the signing string gets the same answer
whether the username exists or not.
"""

import base64
import hashlib
import hmac
import re

TCHAR = set("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
LOWER_TOKEN = re.compile(r"^[a-z0-9!#$%&'*+\-.^_`|~]+$")
METHOD_TOKEN = re.compile(r"^[A-Za-z0-9!#$%&'*+\-.^_`|~]+$")
TARGET = re.compile(r"^[\x21-\x7e]+$")
PARAMS = ("username", "algorithm", "headers", "signature")
MAC_LEN = {"hmac-sha512": 64, "hmac-sha256": 32}
HASHES = {"hmac-sha512": hashlib.sha512, "hmac-sha256": hashlib.sha256}
DIGEST_LEN = {"content-sha512": 64, "content-sha256": 32}
DIGEST_FN = {"content-sha512": hashlib.sha512, "content-sha256": hashlib.sha256}
WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
U64_MAX = 2**64 - 1


class Reject(Exception):
    def __init__(self, code):
        super().__init__(code)
        self.code = code


def _value_char_ok(c):
    o = ord(c)
    return o in (0x20, 0x21) or 0x23 <= o <= 0x5B or 0x5D <= o <= 0x7E


def _canonical_b64(text, length):
    """'encoding' if not canonical padded standard base64, 'length' if wrong size, else bytes."""
    if len(text) % 4 != 0 or not re.fullmatch(r"[A-Za-z0-9+/]*={0,2}", text):
        return "encoding"
    try:
        raw = base64.b64decode(text, validate=True)
    except Exception:
        return "encoding"
    if base64.b64encode(raw).decode("ascii") != text:
        return "encoding"  # non-zero pad bits, or '=' in the wrong place
    if len(raw) != length:
        return "length"
    return raw


def parse_authorization(raw):
    if len(raw.encode("utf-8")) > 2048:
        raise Reject("authorization.too_long")
    s = raw.strip(" \t")
    n = len(s)
    if n < 5 or s[:4].lower() != "hmac" or s[4] != " ":
        raise Reject("authorization.scheme")
    i = 4
    while i < n and s[i] == " ":
        i += 1
    params = []
    while True:
        start = i
        while i < n and s[i] in TCHAR:
            i += 1
        name = s[start:i]
        if not name:
            raise Reject("authorization.syntax")
        while i < n and s[i] in " \t":
            i += 1
        if i >= n or s[i] != "=":
            raise Reject("authorization.syntax")
        i += 1
        while i < n and s[i] in " \t":
            i += 1
        if i >= n or s[i] != '"':
            raise Reject("authorization.missing_quote")
        i += 1
        vstart = i
        while i < n and s[i] != '"':
            if s[i] == "\\":
                raise Reject("authorization.backslash")
            if not _value_char_ok(s[i]):
                raise Reject("authorization.invalid_character")
            i += 1
        if i >= n:
            raise Reject("authorization.missing_quote")
        value = s[vstart:i]
        i += 1
        lname = name.lower()
        if lname not in PARAMS:
            raise Reject("authorization.unknown_parameter")
        if any(p == lname for p, _ in params):
            raise Reject("authorization.duplicate_parameter")
        if value == "":
            raise Reject("authorization.empty_parameter")
        params.append((lname, value))
        ws = i
        while i < n and s[i] in " \t":
            i += 1
        if i >= n:
            break
        if s[i] == ",":
            i += 1
            while i < n and s[i] in " \t":
                i += 1
            if i >= n or s[i] == ",":
                raise Reject("authorization.syntax")  # trailing comma / empty element
            continue
        if i > ws and s[i] in TCHAR:
            raise Reject("authorization.missing_comma")
        raise Reject("authorization.syntax")  # garbage after a value
    p = dict(params)
    for k in PARAMS:
        if k not in p:
            raise Reject("authorization.missing_parameter")
    if len(p["username"].encode("utf-8")) > 256:
        raise Reject("authorization.username_too_long")
    if p["algorithm"] not in MAC_LEN:
        raise Reject("authorization.unsupported_algorithm")
    names = p["headers"].split(" ")
    for nm in names:
        if nm == "" or not LOWER_TOKEN.match(nm):
            raise Reject("authorization.header_list")
    if len(set(names)) != len(names):
        raise Reject("authorization.duplicate_header_name")
    if len(names) > 16:
        raise Reject("authorization.too_many_headers")
    sig = _canonical_b64(p["signature"], MAC_LEN[p["algorithm"]])
    if sig == "encoding":
        raise Reject("authorization.signature_encoding")
    if sig == "length":
        raise Reject("authorization.signature_length")
    return p["username"], p["algorithm"], names, sig


def parse_imf_date(value):
    """Unix seconds of an IMF-fixdate, or Reject with a date.* code."""
    v = value.strip(" \t")
    b = v.encode("utf-8")
    shape = re.fullmatch(
        rb"([A-Za-z]{3}), ([0-9]{2}) ([A-Za-z]{3}) ([0-9]{4}) ([0-9]{2}):([0-9]{2}):([0-9]{2}) (.{3})",
        b,
        re.S,
    )
    if len(b) != 29 or not shape:
        raise Reject("date.malformed")
    wd, dd, mon, yyyy, hh, mm, ss, zone = (g.decode("latin-1") for g in shape.groups())
    if wd not in WEEKDAYS:
        raise Reject("date.unknown_weekday")
    if mon not in MONTHS:
        raise Reject("date.unknown_month")
    if zone != "GMT":
        raise Reject("date.not_gmt")
    day, month, year = int(dd), MONTHS.index(mon) + 1, int(yyyy)
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    mdays = [31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
    if day < 1 or day > mdays:
        raise Reject("date.invalid_day")
    h, m, s = int(hh), int(mm), int(ss)
    if h > 23 or m > 59 or s > 59:
        raise Reject("date.invalid_time")
    if year < 1970:
        raise Reject("date.year_out_of_range")
    # days from civil (proleptic Gregorian), written out rather than borrowed from datetime
    y = year - (1 if month <= 2 else 0)
    era = y // 400
    yoe = y - era * 400
    mp = (month + 9) % 12
    doy = (153 * mp + 2) // 5 + day - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    days = era * 146097 + doe - 719468
    if WEEKDAYS[(days + 3) % 7] != wd:  # 1970-01-01 was a Thursday (index 3)
        raise Reject("date.weekday_mismatch")
    return days * 86400 + h * 3600 + m * 60 + s


def _check(vector):
    req = vector["request"]
    headers = req["headers"]
    policy = vector["policy"]
    body = req["body"].encode("utf-8")

    # Framing first: SPEC frames bodies by Content-Length alone.
    if any(k.lower() == "transfer-encoding" for k, _ in headers):
        raise Reject("verify.transfer_encoding")

    auths = [v for k, v in headers if k.lower() == "authorization"]
    if not auths:
        raise Reject("verify.missing_authorization")
    if len(auths) > 1:
        raise Reject("verify.repeated_authorization")
    username, algorithm, names, sig = parse_authorization(auths[0])

    if algorithm == "hmac-sha256" and not policy["allow_legacy_sha256"]:
        raise Reject("verify.algorithm_not_allowed")

    if algorithm == "hmac-sha512" and "content-sha256" in names:
        raise Reject("verify.digest_algorithm_mismatch")
    required = ["request-line", "x-date", "content-type", "content-length"] + list(
        policy["required_headers"]
    )
    if any(r not in names for r in required):
        raise Reject("verify.required_header_unsigned")
    if algorithm == "hmac-sha512" and "content-sha512" not in names:
        raise Reject("verify.required_header_unsigned")
    if algorithm == "hmac-sha256" and not ("content-sha256" in names or "content-sha512" in names):
        raise Reject("verify.required_header_unsigned")

    # The username is looked up here, but a miss is reported with the MAC below.
    secrets = [k["secret"] for k in vector["keys"] if k["username"] == username]

    lines = []
    values = {}
    for nm in names:
        if nm == "request-line":
            if not METHOD_TOKEN.match(req["method"]):
                raise Reject("signing_string.invalid_method")
            if not TARGET.match(req["target"]):
                raise Reject("signing_string.invalid_target")
            if "#" in req["target"]:
                raise Reject("signing_string.target_fragment")
            lines.append("%s %s HTTP/%s" % (req["method"], req["target"], req["version"]))
            continue
        found = [v for k, v in headers if k.lower() == nm]
        if not found:
            raise Reject("signing_string.header_missing")
        if len(found) > 1:
            raise Reject("signing_string.header_repeated")
        if any(c in found[0] for c in "\r\n\x00"):
            raise Reject("signing_string.header_value_invalid")
        values[nm] = found[0].strip(" \t")
        lines.append("%s: %s" % (nm, values[nm]))
    signing_string = "\n".join(lines).encode("utf-8")

    if not secrets:
        raise Reject("verify.unknown_username")
    ok = False
    for secret in secrets:
        mac = hmac.new(secret.encode("utf-8"), signing_string, HASHES[algorithm]).digest()
        ok |= hmac.compare_digest(mac, sig)
    if not ok:
        raise Reject("verify.signature_mismatch")

    date = parse_imf_date(values["x-date"])
    if abs(vector["now"] - date) > policy["max_skew"]:
        raise Reject("verify.date_skew")

    media = values["content-type"].split(";", 1)[0].strip(" \t")
    if media.lower() != "application/json":
        raise Reject("verify.content_type")

    cl = values["content-length"]
    if not re.fullmatch(r"0|[1-9][0-9]*", cl) or int(cl) > U64_MAX:
        raise Reject("verify.content_length_invalid")
    if int(cl) > policy["max_body"]:
        raise Reject("verify.body_too_large")

    digests = [nm for nm in names if nm in DIGEST_LEN]
    expected = {}
    for nm in digests:
        raw = _canonical_b64(values[nm], DIGEST_LEN[nm])
        if isinstance(raw, str):
            raise Reject("digest.malformed")
        expected[nm] = raw

    # body phase
    if len(body) != int(cl):
        raise Reject("verify.content_length_mismatch")
    for nm in digests:
        if not hmac.compare_digest(DIGEST_FN[nm](body).digest(), expected[nm]):
            raise Reject("digest.mismatch")


def verify(vector):
    try:
        _check(vector)
    except Reject as r:
        return r.code
    return None
