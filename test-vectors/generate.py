#!/usr/bin/env python3
"""Generate the language-neutral test vectors for the Ingo HMAC request-signing profile.

Independent of the project's Rust code: Python 3.11 standard library only (hmac, hashlib,
base64, json, email.utils). Deterministic: no randomness, no clock.

    python3 test-vectors/generate.py          (re)write signing.json and verification.json
    python3 test-vectors/generate.py --check  exit 1 if the committed files differ

Before writing anything it asserts the known answers of SPEC section 7 with its own code, then
runs every vector through reference_verifier.py (an independent re-implementation of the
verifier's check order) and refuses to write if any vector is not labelled as it behaves.
"""

import base64
import email.utils
import hashlib
import hmac
import json
import os
import sys

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import reference_verifier  # noqa: E402

GENERATOR = "test-vectors/generate.py"

# --------------------------------------------------------------------------------------------
# 1. The primitives, written out plainly (SPEC sections 2 and 3)
# --------------------------------------------------------------------------------------------

HASH_OF_ALGORITHM = {
    "hmac-sha512": hashlib.sha512,
    "hmac-sha256": hashlib.sha256,
    # only used to build rejection vectors: MD5 and SHA-1 are never accepted
    "hmac-sha1": hashlib.sha1,
    "hmac-md5": hashlib.md5,
    "hmac-sha384": hashlib.sha384,
}
HASH_OF_DIGEST_HEADER = {"content-sha512": hashlib.sha512, "content-sha256": hashlib.sha256}


def b64(raw):
    """Standard base64 (RFC 4648 section 4, '+/' alphabet, '=' padded)."""
    return base64.b64encode(raw).decode("ascii")


def body_digest(digest_header, body_bytes):
    """base64 of SHA-512 (content-sha512) or SHA-256 (content-sha256) of the exact body bytes."""
    return b64(HASH_OF_DIGEST_HEADER[digest_header](body_bytes).digest())


def mac(algorithm, secret, signing_string):
    """base64(HMAC(secret as UTF-8 bytes, signing string as UTF-8 bytes))."""
    key = secret.encode("utf-8")
    msg = signing_string.encode("utf-8")
    return b64(hmac.new(key, msg, HASH_OF_ALGORITHM[algorithm]).digest())


def request_line(method, target, version):
    """METHOD SP request-target SP "HTTP/" version; the target exactly as on the wire."""
    return method + " " + target + " HTTP/" + version


def strip_ows(value):
    """Remove leading and trailing spaces and tabs (and only those)."""
    return value.strip(" \t")


def build_signing_string(request, names, missing="fail", repeated="fail"):
    """SPEC section 3: one line per listed name, joined with LF, no trailing LF.

    missing="kong" writes `name:` for an absent header (Kong's behaviour; used only to build
    rejection vectors); repeated="first" signs the first of repeated headers (Kong again).
    """
    lines = []
    for name in names:
        if name == "request-line":
            lines.append(request_line(request["method"], request["target"], request["version"]))
            continue
        values = [v for (k, v) in request["headers"] if k.lower() == name]
        if not values:
            if missing != "kong":
                raise ValueError("listed header %r is absent" % name)
            lines.append(name + ":")
            continue
        if len(values) > 1 and repeated != "first":
            raise ValueError("listed header %r is repeated" % name)
        lines.append(name + ": " + strip_ows(values[0]))
    return "\n".join(lines)


def authorization_value(username, algorithm, names, signature):
    """The canonical signer form: username, algorithm, headers, signature, joined by ', '."""
    return 'hmac username="%s", algorithm="%s", headers="%s", signature="%s"' % (
        username,
        algorithm,
        " ".join(names),
        signature,
    )


def imf_date(ts):
    """IMF-fixdate of Unix seconds, always GMT."""
    return email.utils.formatdate(ts, usegmt=True)


# --------------------------------------------------------------------------------------------
# 2. Seed bodies (verbatim `--data '...'` text of the two API pages in /work/shared/spec/seeds)
# --------------------------------------------------------------------------------------------

SESSION_SEED_TEXT = """
{
"participant_unique_id1": "70646041-01ea-4cd6-b657-18ff88e465c7",
"host_uri": "https://digitalpay-test.ingo.money",
"language_locale_code": "en-US",
"recipient_information": {
"first_name": "Alex",
"last_name": "Rivera",
"business_name": "Acme Limited",
"address_line1": "100 Innovation Way",
"city": "Anytown",
"state": "GA",
"zip_code": "37233",
"email_address": "jack.frost@example.com",
"phone_number": "1231231234",
"mobile_number": "1231231234",
"open_banking": {
"mobus_customer_id": "9999"
}
}
}
"""

PUSH_SEED_TEXT = """
{
"participant_id": 12345,
"account_type": "CA",
"amount": 1010.5,
"customer_account_token": "ca875cce-58c0-46a0-8f14-676190cc7df6",
"source_of_funds": 4,
"recipient_phone": "1231231234",
"participant_unique_id1": "1f2739ed-3531-4af2-ae36-e6faf7936462",
"participant_unique_id2": "90759390-01c7-47e7-8a90-6faa89b18ff6",
"sender": {
"sender_account": "ACC-00123456",
"name_personal": {
"first_name": "Alex",
"last_name": "Rivera"
},
"contact_address": {
"address1": "100 Innovation Way",
"address2": "",
"city": "Anytown",
"state": "GA",
"zip": "00000"
},
"contact_telcom": {
"email": "jane.doe@example.com",
"phone_home": "5555550101",
"phone_mobile": "5555550100"
}
},
"ledger": {
"api_key": "lk_live_abc123xyz",
"user_id": "usr_00456",
"entity_type": "program",
"entity_id": "ent_00789"
},
"timestamp": 1576099257,
"version": 11
}
"""


def minify(text):
    """The brief's "minified": json.dumps in key order, no spaces, UTF-8 kept."""
    return json.dumps(json.loads(text), separators=(",", ":"), ensure_ascii=False)


SESSION_BODY = minify(SESSION_SEED_TEXT)
PUSH_BODY = minify(PUSH_SEED_TEXT)

DEMO_USER = "demo"
DEMO_SECRET = "demo-secret-not-for-production"
SEED_TS = 1579291169  # Fri, 17 Jan 2020 19:59:29 GMT
SESSION_TARGET = "/api/v1/sessions/point-in-time/plugin"
CARD_TARGET = "/gateway/process--card"
DEFAULT_NAMES = ["request-line", "x-date", "content-type", "content-length", "content-sha512"]
DIGEST_FIRST_NAMES = ["request-line", "x-date", "content-type", "content-sha512", "content-length"]
LEGACY_NAMES = ["request-line", "x-date", "content-type", "content-length", "content-sha256"]

# --------------------------------------------------------------------------------------------
# 3. Known answers (SPEC section 7, RFC 4231, RFC 9530, Kong) asserted with the code above
# --------------------------------------------------------------------------------------------


def assert_known_answers():
    assert len(SESSION_BODY.encode("utf-8")) == 470, "minified Session Create body is 470 bytes"
    assert imf_date(SEED_TS) == "Fri, 17 Jan 2020 19:59:29 GMT"
    req = {
        "method": "POST",
        "target": SESSION_TARGET,
        "version": "1.1",
        "headers": [
            ["X-Date", imf_date(SEED_TS)],
            ["Content-Type", "application/json"],
            ["Content-Length", "470"],
            ["Content-sha512", body_digest("content-sha512", SESSION_BODY.encode())],
            ["Content-sha256", body_digest("content-sha256", SESSION_BODY.encode())],
        ],
        "body": SESSION_BODY,
    }
    # SPEC section 7, hmac-sha512 with the default header order
    assert req["headers"][3][1] == (
        "3q0SjtvYQ+sYK547xTH/wGVanywHfrt/keOUVNMqGUGilvU74qWUYpK4jVkLjxxXWA5VQC0lFK8+6phwJFMHOw=="
    ), "SPEC 7 Content-sha512"
    ss = build_signing_string(req, DEFAULT_NAMES)
    assert mac("hmac-sha512", DEMO_SECRET, ss) == (
        "UtGXHtk9yGReskjL9IuB/rnDaqcfwzALea2D3Lr+f7hQKvZw/y1Y9Ad1MwnG85+vIBgJWH0sWPOA8Z+4KLmhbQ=="
    ), "SPEC 7 hmac-sha512 signature"
    # SPEC section 7, legacy hmac-sha256 with content-sha256 last
    assert req["headers"][4][1] == "5LFHO2vW+LIwmRoLGopYZQZvcixg84tRchhKVgToN7E=", "SPEC 7 sha256"
    ss = build_signing_string(req, LEGACY_NAMES)
    assert mac("hmac-sha256", DEMO_SECRET, ss) == "qp8rLccOWFvchoxEtPoltMDSVPkEyH7CY+OsfMbnWL4=", (
        "SPEC 7 legacy signature"
    )
    # RFC 9530 Appendix D
    assert body_digest("content-sha512", b'{"hello": "world"}') == (
        "WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew=="
    ), "RFC 9530 Appendix D"
    # Kong's published example: the signing string built by the same function
    kong = {
        "method": "GET",
        "target": "/requests",
        "version": "1.1",
        "headers": [["Date", "Thu, 22 Jun 2017 17:15:21 GMT"]],
        "body": "",
    }
    kong_ss = build_signing_string(kong, ["date", "request-line"])
    assert kong_ss == "date: Thu, 22 Jun 2017 17:15:21 GMT\nGET /requests HTTP/1.1"
    assert mac("hmac-sha256", "secret", kong_ss) == "ujWCGHeec9Xd6UD2zlyxiNMCiXnDOWeVFMu5VeRUxtw=", (
        "Kong example"
    )
    # RFC 4231 test cases 2 (short key) and 6 (131-byte key, hashed first) for the primitives
    tc2 = ("Jefe", b"what do ya want for nothing?")
    assert hmac.new(tc2[0].encode(), tc2[1], hashlib.sha256).hexdigest() == (
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    )
    assert hmac.new(tc2[0].encode(), tc2[1], hashlib.sha512).hexdigest() == (
        "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
        "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737"
    )
    tc6 = (b"\xaa" * 131, b"Test Using Larger Than Block-Size Key - Hash Key First")
    assert hmac.new(tc6[0], tc6[1], hashlib.sha256).hexdigest() == (
        "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
    )
    assert hmac.new(tc6[0], tc6[1], hashlib.sha512).hexdigest() == (
        "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f352"
        "6b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598"
    )
    # SHA-512 of the empty body (used by the empty-body vectors). Note: the Content-sha512
    # example on Ingo's Session Create page, z4PhNX7v...9v0w=, shares only its first 56
    # characters with this value and is 76 characters long: not a SHA-512 digest at all.
    assert body_digest("content-sha512", b"") == (
        "z4PhNX7vuL3xVChQ1m2AB9Yg5AULVxXcg/SpIdNs6c5H0NE8XYXysP+DGNKHfuwvY7kxvUdBeoGlODJ6+SfaPg=="
    )


# --------------------------------------------------------------------------------------------
# 4. Builders
# --------------------------------------------------------------------------------------------

STATUS = {
    "verify.missing_authorization": 401,
    "verify.repeated_authorization": 401,
    "verify.algorithm_not_allowed": 401,
    "verify.digest_algorithm_mismatch": 401,
    "verify.required_header_unsigned": 401,
    "verify.unknown_username": 401,
    "verify.signature_mismatch": 401,
    "verify.date_skew": 401,
    "verify.content_type": 400,
    "verify.content_length_invalid": 400,
    "verify.body_too_large": 413,
    "verify.content_length_mismatch": 400,
    "digest.malformed": 400,
    "digest.mismatch": 401,
    "signing_string.invalid_method": 400,
    "signing_string.invalid_target": 400,
    "signing_string.header_missing": 400,
    "signing_string.header_repeated": 400,
    "signing_string.header_value_invalid": 400,
    "signing_string.target_fragment": 400,
    "verify.transfer_encoding": 400,
}
for _c in (
    "too_long scheme syntax missing_quote missing_comma backslash invalid_character "
    "unknown_parameter duplicate_parameter empty_parameter missing_parameter username_too_long "
    "unsupported_algorithm header_list duplicate_header_name too_many_headers "
    "signature_encoding signature_length"
).split():
    STATUS["authorization." + _c] = 401
for _c in (
    "malformed unknown_weekday unknown_month not_gmt invalid_day invalid_time "
    "year_out_of_range weekday_mismatch"
).split():
    STATUS["date." + _c] = 400
ALL_CODES = list(STATUS)


def policy(allow_legacy_sha256=False, max_skew=300, max_body=65536, required_headers=()):
    return {
        "allow_legacy_sha256": allow_legacy_sha256,
        "max_skew": max_skew,
        "max_body": max_body,
        "required_headers": list(required_headers),
    }


def demo_keys():
    return [{"username": DEMO_USER, "secret": DEMO_SECRET}]


def make_request(
    body=SESSION_BODY,
    method="POST",
    target=SESSION_TARGET,
    version="1.1",
    date=None,
    ts=SEED_TS,
    content_type="application/json",
    content_length=None,
    digests=("content-sha512",),
    digest_values=None,
    digest_after_length=False,
    before=(),
    after=(),
):
    """A request head in the seed's layout: X-Date, Content-Type, Content-Length, Content-sha512.

    `before`/`after` add further header pairs; digest values default to the true digest.
    """
    raw = body.encode("utf-8")
    headers = [list(h) for h in before]
    headers.append(["X-Date", imf_date(ts) if date is None else date])
    headers.append(["Content-Type", content_type])
    length = ["Content-Length", str(len(raw)) if content_length is None else content_length]
    dig = []
    for d in digests:
        value = body_digest(d, raw)
        if digest_values and d in digest_values:
            value = digest_values[d]
        dig.append(["Content-" + d[len("content-"):], value])
    if digest_after_length:
        headers += [length] + dig
    else:
        headers += dig + [length]
    headers += [list(h) for h in after]
    return {"method": method, "target": target, "version": version, "headers": headers, "body": body}


def seed_request(**kw):
    """make_request with the seed's header order (Content-Length before Content-sha512)."""
    kw.setdefault("digest_after_length", True)
    return make_request(**kw)


def build(
    name,
    description,
    request,
    *,
    username=DEMO_USER,
    secret=DEMO_SECRET,
    algorithm="hmac-sha512",
    names=None,
    keys=None,
    pol=None,
    now=SEED_TS,
    signing_string=None,
    missing="fail",
    repeated="fail",
    auth=None,
    auth_position=None,
    after_signing=None,
    expected_error=None,
):
    """Sign `request` and return a vector.

    signing_string: overrides what the signer signed (to model a faulty signer).
    auth: a function (username, algorithm, names, signature) -> Authorization value as sent,
          or None for the canonical form.
    auth_position: index in request.headers for the Authorization header (default: last).
    after_signing: a function applied to the request after signing (tampering in transit).
    """
    names = list(DEFAULT_NAMES if names is None else names)
    req = json.loads(json.dumps(request))  # deep copy
    ss = signing_string
    if ss is None:
        ss = build_signing_string(req, names, missing=missing, repeated=repeated)
    signature = mac(algorithm, secret, ss)
    auth_value = (auth or authorization_value)(username, algorithm, names, signature)
    if auth_value is not None:
        pair = ["Authorization", auth_value]
        if auth_position is None:
            req["headers"].append(pair)
        else:
            req["headers"].insert(auth_position, pair)
    if after_signing:
        after_signing(req)
    digest_header = next((n for n in names if n in HASH_OF_DIGEST_HEADER), None)
    v = {
        "name": name,
        "description": description,
        "keys": demo_keys() if keys is None else keys,
        "policy": policy() if pol is None else pol,
        "now": now,
        "request": req,
    }
    inter = {
        "username": username,
        "secret": secret,
        "algorithm": algorithm,
        "signed_headers": names,
        "signing_string": ss,
    }
    if digest_header:
        inter["digest_header"] = digest_header
        inter["digest"] = body_digest(digest_header, request["body"].encode("utf-8"))
    inter["signature"] = signature
    if auth_value is not None:
        inter["authorization"] = auth_value
    v.update(inter)
    if expected_error is not None:
        v["expected_error"] = expected_error
        v["http_status"] = STATUS[expected_error]
    return v


def set_header(req, name, value, occurrence=0):
    """Replace the value of the n-th header called `name` (case-insensitive)."""
    seen = 0
    for pair in req["headers"]:
        if pair[0].lower() == name.lower():
            if seen == occurrence:
                pair[1] = value
                return
            seen += 1
    raise KeyError(name)


def drop_header(req, name):
    req["headers"] = [p for p in req["headers"] if p[0].lower() != name.lower()]


def with_auth(text_fn):
    """auth= helper: text_fn(username, algorithm, headers_string, signature) -> header value."""
    return lambda u, a, n, s: text_fn(u, a, " ".join(n), s)


def non_canonical_last_char(sig):
    """Same decoded bytes, but non-zero pad bits in the last base64 character before '='."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    stripped = sig.rstrip("=")
    pad = sig[len(stripped):]
    last = alphabet.index(stripped[-1])
    bits = 4 if len(pad) == 2 else 2  # unused low bits of the last character
    assert last & ((1 << bits) - 1) == 0
    bumped = alphabet[last | 1]
    out = stripped[:-1] + bumped + pad
    assert base64.b64decode(out) == base64.b64decode(sig) and out != sig
    return out


def pad_name_for_length(base_names, target_len, username=DEMO_USER):
    """An extra header name `x-pad-aaa...` making the canonical Authorization exactly target_len."""
    sig_len = 88
    fixed = len(authorization_value(username, "hmac-sha512", base_names + ["x-pad-"], "A" * sig_len))
    return "x-pad-" + "a" * (target_len - fixed)


# --------------------------------------------------------------------------------------------
# 5. Signing vectors (must verify)
# --------------------------------------------------------------------------------------------

NON_ASCII_BODY = json.dumps(
    {
        "participant_unique_id1": "ünïcødé-Ωμέγα-東京-🚀",
        "host_uri": "https://digitalpay-test.ingo.money",
        "language_locale_code": "ja-JP",
        "recipient_information": {
            "first_name": "Zoë",
            "last_name": "Ñúñez-Øster",
            "business_name": "東京トレーディング株式会社",
            "address_line1": "Rua São João, 100",
            "city": "São Paulo",
            "state": "GA",
            "zip_code": "37233",
        },
    },
    separators=(",", ":"),
    ensure_ascii=False,
)

LONG_TARGET = SESSION_TARGET + "?" + "&".join(
    "k%03d=v%%2F%03d%%20x" % (i, i) for i in range(200)
)


def signing_vectors():
    V = []
    legacy = policy(allow_legacy_sha256=True)

    V.append(build(
        "session-create-spec-known-answer",
        "SPEC section 7: the seed's Session Create body minified (470 bytes), default header order; "
        "digest and signature equal the values printed in SPEC section 7.",
        seed_request(),
    ))
    V.append(build(
        "session-create-legacy-sha256-known-answer",
        "SPEC section 7 legacy pair: hmac-sha256 with Content-sha256 last, under a policy that "
        "allows legacy; reproduces the printed Content-sha256 and signature.",
        seed_request(digests=("content-sha256",)),
        algorithm="hmac-sha256",
        names=LEGACY_NAMES,
        pol=legacy,
    ))
    V.append(build(
        "session-create-digest-before-length",
        "The other documented order: request-line x-date content-type content-sha512 "
        "content-length (Ingo's guide), headers sent in that order too.",
        make_request(),
        names=DIGEST_FIRST_NAMES,
    ))
    V.append(build(
        "session-create-signed-order-differs-from-wire-order",
        "The signing string follows the headers parameter, not the order headers arrive in: "
        "wire order Content-Length, Content-sha512, Content-Type, X-Date.",
        {
            "method": "POST",
            "target": SESSION_TARGET,
            "version": "1.1",
            "headers": [
                ["Content-Length", "470"],
                ["Content-sha512", body_digest("content-sha512", SESSION_BODY.encode())],
                ["Content-Type", "application/json"],
                ["X-Date", imf_date(SEED_TS)],
            ],
            "body": SESSION_BODY,
        },
    ))
    V.append(build(
        "session-create-pretty-seed-body",
        "The Session Create body exactly as the seed's curl sends it (leading and trailing LF, "
        "one field per line), not minified: the digest covers every byte.",
        seed_request(body=SESSION_SEED_TEXT),
    ))
    V.append(build(
        "push-to-card-seed-body",
        "Push to card (POST /gateway/process--card) with the seed's body minified.",
        seed_request(body=PUSH_BODY, target=CARD_TARGET, ts=1576099257),
        now=1576099257,
    ))
    V.append(build(
        "push-to-card-seed-body-as-sent",
        "Push to card with the seed's body byte for byte as in the curl example (newlines kept).",
        seed_request(body=PUSH_SEED_TEXT, target=CARD_TARGET, ts=1576099257),
        now=1576099257,
    ))
    V.append(build(
        "query-string-percent-encoded",
        "Query string kept exactly as sent: x=1&y=%2Fa%20b is neither decoded nor re-encoded.",
        seed_request(body=PUSH_BODY, target=CARD_TARGET + "?x=1&y=%2Fa%20b"),
    ))
    V.append(build(
        "query-tilde-upper-hex",
        "An unreserved character sent percent-encoded with upper-case hex (%7E) stays %7E.",
        seed_request(body=PUSH_BODY, target=CARD_TARGET + "?name=%7Ealex&path=%2F"),
    ))
    V.append(build(
        "query-tilde-lower-hex",
        "Lower-case hex is kept as sent (%7e, %2f), not upper-cased.",
        seed_request(body=PUSH_BODY, target=CARD_TARGET + "?name=%7ealex&path=%2f"),
    ))
    V.append(build(
        "query-mixed-hex-case-and-empty-values",
        "Mixed %2F/%2f in one target, an empty value, a bare key and a repeated key, all verbatim.",
        seed_request(body=PUSH_BODY, target=CARD_TARGET + "?a=%2F%2f&b=&c&a=2"),
    ))
    V.append(build(
        "empty-body-get",
        "GET with an empty body: Content-Length 0 and the SHA-512 of zero bytes.",
        seed_request(body="", method="GET", target="/api/v1/sessions/point-in-time/plugin/status"),
    ))
    V.append(build(
        "method-put",
        "PUT with a JSON body.",
        seed_request(method="PUT", target="/api/v1/recipients/70646041"),
    ))
    V.append(build(
        "method-patch",
        "PATCH with a small JSON body.",
        seed_request(method="PATCH", target="/api/v1/recipients/70646041", body='{"city":"Anytown"}'),
    ))
    V.append(build(
        "method-delete-empty-body",
        "DELETE with an empty body.",
        seed_request(method="DELETE", target="/api/v1/recipients/70646041", body=""),
    ))
    V.append(build(
        "http-1-0",
        "Request travelling as HTTP/1.0: the request-line says HTTP/1.0.",
        seed_request(version="1.0"),
    ))
    V.append(build(
        "http-2",
        "Request travelling over HTTP/2: the request-line says HTTP/2.0, as Kong writes it.",
        seed_request(version="2.0"),
    ))
    V.append(build(
        "non-ascii-utf8-body",
        "Body with non-ASCII UTF-8 (accents, Greek, CJK, an emoji): Content-Length counts bytes, "
        "the digest is over the UTF-8 bytes.",
        seed_request(body=NON_ASCII_BODY),
    ))
    V.append(build(
        "long-target",
        "A request-target of %d bytes with 200 query parameters." % len(LONG_TARGET),
        seed_request(target=LONG_TARGET),
    ))
    V.append(build(
        "extra-host-first",
        "An extra signed header, host, listed before request-line.",
        seed_request(before=[["Host", "iip-session-management-uat.ingo.money"]]),
        names=["host"] + DEFAULT_NAMES,
    ))
    V.append(build(
        "extra-idempotency-key-middle",
        "Idempotency-Key signed between x-date and content-type.",
        seed_request(after=[["Idempotency-Key", "3f2a1b4c-9d8e-7f6a-5b4c-3d2e1f0a9b8c"]]),
        names=["request-line", "x-date", "idempotency-key", "content-type", "content-length",
               "content-sha512"],
    ))
    V.append(build(
        "extra-host-and-idempotency-key-last",
        "host and idempotency-key both signed, after the digest, in an order unlike the wire order.",
        seed_request(
            before=[["Host", "iip-session-management-uat.ingo.money"]],
            after=[["Idempotency-Key", "3f2a1b4c-9d8e-7f6a-5b4c-3d2e1f0a9b8c"]],
        ),
        names=DEFAULT_NAMES + ["idempotency-key", "host"],
    ))
    V.append(build(
        "header-names-odd-case",
        "Header names sent as x-DATE, CONTENT-TYPE, content-LENGTH, CONTENT-SHA512; the list and "
        "the signing string use lower case.",
        {
            "method": "POST",
            "target": SESSION_TARGET,
            "version": "1.1",
            "headers": [
                ["x-DATE", imf_date(SEED_TS)],
                ["CONTENT-TYPE", "application/json"],
                ["content-LENGTH", "470"],
                ["CONTENT-SHA512", body_digest("content-sha512", SESSION_BODY.encode())],
            ],
            "body": SESSION_BODY,
        },
    ))
    V.append(build(
        "header-values-surrounding-whitespace",
        "X-Date and Idempotency-Key sent with leading/trailing spaces and tabs; the signing "
        "string holds the stripped values.",
        seed_request(
            date=" \t" + imf_date(SEED_TS) + "\t  ",
            after=[["Idempotency-Key", "\t  key with inner  spaces \t"]],
        ),
        names=DEFAULT_NAMES + ["idempotency-key"],
    ))
    V.append(build(
        "content-type-charset",
        "Content-Type application/json; charset=utf-8, signed as sent.",
        seed_request(content_type="application/json; charset=utf-8"),
    ))
    V.append(build(
        "secret-long-200-bytes",
        "A 200-byte secret (longer than SHA-512's 128-byte block, so HMAC hashes the key first).",
        seed_request(),
        secret="L" * 100 + "0123456789" * 10,
        keys=[{"username": DEMO_USER, "secret": "L" * 100 + "0123456789" * 10}],
    ))
    s128 = "k" * 128
    V.append(build(
        "secret-exactly-128-bytes",
        "A 128-byte secret: exactly one SHA-512 block, used as is (boundary).",
        seed_request(),
        secret=s128,
        keys=[{"username": DEMO_USER, "secret": s128}],
    ))
    s129 = "k" * 129
    V.append(build(
        "secret-129-bytes",
        "A 129-byte secret: one byte over the SHA-512 block, hashed first (boundary).",
        seed_request(),
        secret=s129,
        keys=[{"username": DEMO_USER, "secret": s129}],
    ))
    s100 = "legacy-" + "x" * 93
    V.append(build(
        "secret-long-legacy-sha256",
        "hmac-sha256 with a 100-byte secret (longer than SHA-256's 64-byte block).",
        seed_request(digests=("content-sha256",)),
        algorithm="hmac-sha256",
        names=LEGACY_NAMES,
        secret=s100,
        keys=[{"username": DEMO_USER, "secret": s100}],
        pol=legacy,
    ))
    V.append(build(
        "secret-short-1-byte",
        "A one-byte secret.",
        seed_request(),
        secret="k",
        keys=[{"username": DEMO_USER, "secret": "k"}],
    ))
    s_utf8 = "sécret-ключ-秘密-🔑"
    V.append(build(
        "secret-non-ascii-utf8",
        "A secret with non-ASCII characters: the key is its UTF-8 bytes, never decoded further.",
        seed_request(),
        secret=s_utf8,
        keys=[{"username": DEMO_USER, "secret": s_utf8}],
    ))
    s_b64 = "ZGVtby1zZWNyZXQ="
    V.append(build(
        "secret-looks-like-base64",
        "A secret that looks like base64 is still used as its literal UTF-8 bytes, not decoded.",
        seed_request(),
        secret=s_b64,
        keys=[{"username": DEMO_USER, "secret": s_b64}],
    ))
    u1 = "Acme Payments, Inc. (prod) #1"
    V.append(build(
        "username-spaces-and-punctuation",
        "A username with spaces, a comma, dots, parentheses and '#', all allowed inside the quotes.",
        seed_request(),
        username=u1,
        keys=[{"username": u1, "secret": DEMO_SECRET}],
    ))
    u2 = "!#$%&'()*+,-./:;<=>?@[]^_`{|}~ user=x, y"
    V.append(build(
        "username-every-allowed-punctuation",
        "A username holding every printable ASCII punctuation mark the grammar allows (all but "
        "DQUOTE and backslash), including ',' and '=' that a naive split would break on.",
        seed_request(),
        username=u2,
        keys=[{"username": u2, "secret": DEMO_SECRET}],
    ))
    V.append(build(
        "key-store-several-usernames",
        "The store holds three usernames; the request uses the second one's key.",
        seed_request(),
        username="partner-b",
        secret="partner-b-secret",
        keys=[
            {"username": "partner-a", "secret": "partner-a-secret"},
            {"username": "partner-b", "secret": "partner-b-secret"},
            {"username": DEMO_USER, "secret": DEMO_SECRET},
        ],
    ))
    V.append(build(
        "date-unix-epoch",
        "X-Date Thu, 01 Jan 1970 00:00:00 GMT (Unix time 0) with now = 0.",
        seed_request(ts=0),
        now=0,
    ))
    V.append(build(
        "date-year-9999",
        "X-Date Fri, 31 Dec 9999 23:59:59 GMT, the last IMF-fixdate second, with now equal to it.",
        seed_request(ts=253402300799),
        now=253402300799,
    ))
    V.append(build(
        "date-leap-day",
        "X-Date Sat, 29 Feb 2020 12:00:00 GMT, a real leap day.",
        seed_request(ts=1582977600),
        now=1582977600,
    ))
    V.append(build(
        "legacy-sha256-with-content-sha512",
        "hmac-sha256 with content-sha512 as the body digest, allowed by SPEC 5.3 under legacy.",
        seed_request(),
        algorithm="hmac-sha256",
        pol=legacy,
    ))
    V.append(build(
        "authorization-sent-first",
        "The Authorization header arrives first; it is built last but its position does not matter.",
        seed_request(),
        auth_position=0,
    ))
    V.append(build(
        "unlisted-headers-ignored",
        "Headers outside the list (User-Agent, Accept twice, an unsigned Date) do not take part.",
        seed_request(
            before=[["User-Agent", "curl/8.5.0"], ["Accept", "application/json"]],
            after=[["Accept", "text/plain"], ["Date", "Thu, 01 Jan 1970 00:00:00 GMT"]],
        ),
    ))
    V.append(build(
        "post-empty-json-object",
        "The smallest JSON body, {} (2 bytes).",
        seed_request(body="{}", target="/api/v1/ping"),
    ))
    return V


# --------------------------------------------------------------------------------------------
# 6. Accept vectors (unusual but valid)
# --------------------------------------------------------------------------------------------


def accept_vectors():
    A = []
    legacy = policy(allow_legacy_sha256=True)
    req = seed_request()

    def fmt(template):
        return with_auth(lambda u, a, h, s: template.format(u=u, a=a, h=h, s=s))

    A.append(build(
        "auth-params-reordered",
        "Authorization parameters in the order signature, headers, algorithm, username.",
        req,
        auth=fmt('hmac signature="{s}", headers="{h}", algorithm="{a}", username="{u}"'),
    ))
    A.append(build(
        "auth-scheme-upper-case",
        "Scheme written HMAC.",
        req,
        auth=fmt('HMAC username="{u}", algorithm="{a}", headers="{h}", signature="{s}"'),
    ))
    A.append(build(
        "auth-scheme-mixed-case",
        "Scheme written Hmac.",
        req,
        auth=fmt('Hmac username="{u}", algorithm="{a}", headers="{h}", signature="{s}"'),
    ))
    A.append(build(
        "auth-param-names-upper-case",
        "Parameter names in upper case (values unchanged).",
        req,
        auth=fmt('hmac USERNAME="{u}", ALGORITHM="{a}", HEADERS="{h}", SIGNATURE="{s}"'),
    ))
    A.append(build(
        "auth-param-names-mixed-case",
        "Parameter names in mixed case.",
        req,
        auth=fmt('hmac UserName="{u}", Algorithm="{a}", hEaDeRs="{h}", SignaturE="{s}"'),
    ))
    A.append(build(
        "auth-several-spaces-after-scheme",
        "Four spaces between the scheme and the first parameter (1*SP).",
        req,
        auth=fmt('hmac    username="{u}", algorithm="{a}", headers="{h}", signature="{s}"'),
    ))
    A.append(build(
        "auth-ows-around-commas",
        "Spaces and tabs before and after the commas (OWS), and no space at all after one.",
        req,
        auth=fmt('hmac username="{u}" ,\talgorithm="{a}"\t,  headers="{h}",signature="{s}"'),
    ))
    A.append(build(
        "auth-bws-around-equals",
        "Spaces and tabs around '=' (BWS).",
        req,
        auth=fmt('hmac username ="{u}", algorithm= "{a}", headers\t=\t"{h}", signature  =  "{s}"'),
    ))
    A.append(build(
        "auth-trailing-ows",
        "Trailing spaces and a tab after the last parameter.",
        req,
        auth=fmt('hmac username="{u}", algorithm="{a}", headers="{h}", signature="{s}"  \t '),
    ))
    A.append(build(
        "auth-leading-ows",
        "Leading spaces and a tab before the scheme (the header value is trimmed of SP/HTAB).",
        req,
        auth=fmt(' \t hmac username="{u}", algorithm="{a}", headers="{h}", signature="{s}"'),
    ))
    A.append(build(
        "auth-header-name-lower-case",
        "The header itself sent as 'authorization' (names are case-insensitive).",
        req,
        after_signing=lambda r: r["headers"].__setitem__(
            -1, ["authorization", r["headers"][-1][1]]
        ),
    ))
    A.append(build(
        "auth-header-name-upper-case",
        "The header itself sent as 'AUTHORIZATION'.",
        req,
        after_signing=lambda r: r["headers"].__setitem__(
            -1, ["AUTHORIZATION", r["headers"][-1][1]]
        ),
    ))
    A.append(build(
        "skew-plus-300",
        "now is exactly 300 s after X-Date: the bound is inclusive.",
        req,
        now=SEED_TS + 300,
    ))
    A.append(build(
        "skew-minus-300",
        "now is exactly 300 s before X-Date (a clock 300 s ahead): inclusive bound.",
        req,
        now=SEED_TS - 300,
    ))
    A.append(build(
        "skew-custom-policy-900",
        "A policy with max_skew 900 accepts a request 900 s old.",
        req,
        now=SEED_TS + 900,
        pol=policy(max_skew=900),
    ))
    A.append(build(
        "skew-zero-policy-exact",
        "A policy with max_skew 0 accepts a request whose X-Date equals now.",
        req,
        pol=policy(max_skew=0),
    ))
    A.append(build(
        "key-rotation-second-key",
        "Key rotation: the store holds two secrets for 'demo'; the request is signed with the "
        "second (every key of the username is tried).",
        req,
        secret="demo-secret-rotated-2020",
        keys=[
            {"username": DEMO_USER, "secret": DEMO_SECRET},
            {"username": DEMO_USER, "secret": "demo-secret-rotated-2020"},
        ],
    ))
    A.append(build(
        "key-rotation-first-key",
        "Key rotation: two secrets for 'demo', request signed with the first (old) one.",
        req,
        keys=[
            {"username": DEMO_USER, "secret": DEMO_SECRET},
            {"username": DEMO_USER, "secret": "demo-secret-rotated-2020"},
        ],
    ))
    A.append(build(
        "content-type-mixed-case-with-charset",
        "Content-Type Application/JSON; charset=UTF-8: the media type matches case-insensitively.",
        seed_request(content_type="Application/JSON; charset=UTF-8"),
    ))
    A.append(build(
        "content-type-space-before-parameter",
        "Content-Type 'application/json ; charset=utf-8': the media type is trimmed before ';'.",
        seed_request(content_type="application/json ; charset=utf-8"),
    ))
    A.append(build(
        "legacy-allowed-by-policy",
        "hmac-sha256 with content-sha256 under a policy that allows legacy (SPEC 7's legacy pair).",
        seed_request(digests=("content-sha256",)),
        algorithm="hmac-sha256",
        names=LEGACY_NAMES,
        pol=legacy,
    ))
    A.append(build(
        "legacy-both-digests",
        "hmac-sha256 listing both content-sha256 and content-sha512, both correct (both checked).",
        seed_request(digests=("content-sha256", "content-sha512")),
        algorithm="hmac-sha256",
        names=DEFAULT_NAMES[:4] + ["content-sha256", "content-sha512"],
        pol=legacy,
    ))
    pad = pad_name_for_length(DEFAULT_NAMES, 2048)
    A.append(build(
        "authorization-exactly-2048-bytes",
        "An Authorization value of exactly 2048 bytes (a long extra header name pads it): the "
        "bound is inclusive.",
        seed_request(after=[[pad, "padding"]]),
        names=DEFAULT_NAMES + [pad],
    ))
    u256 = "u" * 256
    A.append(build(
        "username-exactly-256-bytes",
        "A username of exactly 256 bytes: inclusive bound.",
        req,
        username=u256,
        keys=[{"username": u256, "secret": DEMO_SECRET}],
    ))
    extra11 = ["x-extra-%02d" % i for i in range(1, 12)]
    A.append(build(
        "sixteen-header-names",
        "16 names in the list (the maximum): the five required plus 11 extra headers.",
        seed_request(after=[[n.upper(), "value-" + n[-2:]] for n in extra11]),
        names=DEFAULT_NAMES + extra11,
    ))
    A.append(build(
        "body-at-policy-limit",
        "Content-Length 470 under a policy with max_body 470: the limit is inclusive.",
        req,
        pol=policy(max_body=470),
    ))
    A.append(build(
        "policy-required-header-signed",
        "A policy that also requires idempotency-key; the request signs it.",
        seed_request(after=[["Idempotency-Key", "3f2a1b4c-9d8e-7f6a-5b4c-3d2e1f0a9b8c"]]),
        names=DEFAULT_NAMES + ["idempotency-key"],
        pol=policy(required_headers=["idempotency-key"]),
    ))
    A.append(build(
        "content-length-zero-empty-body",
        "POST with Content-Length 0 and an empty body ('0' is plain decimal, not a leading zero).",
        seed_request(body=""),
    ))
    A.append(build(
        "request-line-header-present-but-ignored",
        "The request carries a real header named Request-Line; it is not listed and the "
        "pseudo-header request-line is built from the request itself.",
        seed_request(after=[["Request-Line", "GET /elsewhere HTTP/1.1"]]),
    ))
    return A


# --------------------------------------------------------------------------------------------
# 7. Reject vectors (each breaks exactly one rule)
# --------------------------------------------------------------------------------------------


def reject_vectors():
    R = []
    legacy = policy(allow_legacy_sha256=True)
    req = seed_request()
    sess_digest = body_digest("content-sha512", SESSION_BODY.encode())

    def rej(name, code, description, request=None, **kw):
        kw.setdefault("repeated", "first")  # a Kong-like signer signs the first of repeats
        R.append(build(name, description, req if request is None else request,
                       expected_error=code, **kw))

    def fmt(template):
        return with_auth(lambda u, a, h, s: template.format(u=u, a=a, h=h, s=s))

    # --- Framing, before anything else (a decision beyond SPEC section 5: bodies are framed by
    # Content-Length alone, and a second framing is a request-smuggling set-up)
    rej("transfer-encoding-chunked", "verify.transfer_encoding",
        "A valid signed request that also carries Transfer-Encoding: chunked (unsigned).",
        after_signing=lambda r: r["headers"].insert(0, ["Transfer-Encoding", "chunked"]))
    rej("transfer-encoding-signed", "verify.transfer_encoding",
        "Transfer-Encoding: identity, listed and signed: signing it does not make one framing.",
        seed_request(after=[["Transfer-Encoding", "identity"]]),
        names=DEFAULT_NAMES + ["transfer-encoding"])
    rej("transfer-encoding-lower-case-no-authorization", "verify.transfer_encoding",
        "transfer-encoding (lower case) on a request with no Authorization header: framing is "
        "judged first.",
        seed_request(before=[["transfer-encoding", "chunked"]]),
        auth=lambda u, a, n, s: None)

    # --- Authorization header presence (error-codes step 1)
    rej("missing-authorization", "verify.missing_authorization",
        "No Authorization header at all (the request is otherwise signed and valid).",
        auth=lambda u, a, n, s: None)
    rej("authorization-only-proxy-authorization", "verify.missing_authorization",
        "The signature is sent in Proxy-Authorization, which is not Authorization.",
        after_signing=lambda r: r["headers"].__setitem__(
            -1, ["Proxy-Authorization", r["headers"][-1][1]]))
    rej("authorization-repeated", "verify.repeated_authorization",
        "Two identical Authorization headers.",
        after_signing=lambda r: r["headers"].append(list(r["headers"][-1])))
    rej("authorization-repeated-differing-case", "verify.repeated_authorization",
        "Authorization and authorization, two headers differing only in the name's case.",
        after_signing=lambda r: r["headers"].insert(0, ["authorization", r["headers"][-1][1]]))

    # --- Authorization grammar (step 2)
    pad = pad_name_for_length(DEFAULT_NAMES, 2049)
    rej("authorization-2049-bytes", "authorization.too_long",
        "An Authorization value of 2049 bytes, one over the bound (otherwise valid and signed).",
        seed_request(after=[[pad, "padding"]]), names=DEFAULT_NAMES + [pad])
    rej("auth-scheme-bearer", "authorization.scheme",
        "Scheme Bearer, as the seed's curl placeholder shows, with the hmac parameters after it.",
        auth=fmt('Bearer username="{u}", algorithm="{a}", headers="{h}", signature="{s}"'))
    rej("auth-scheme-no-space", "authorization.scheme",
        "No space between the scheme and the first parameter (hmacusername=...).",
        auth=fmt('hmacusername="{u}", algorithm="{a}", headers="{h}", signature="{s}"'))
    rej("auth-scheme-tab-separator", "authorization.scheme",
        "A tab instead of a space after the scheme (the grammar says 1*SP).",
        auth=fmt('hmac\tusername="{u}", algorithm="{a}", headers="{h}", signature="{s}"'))
    rej("auth-scheme-signature", "authorization.scheme",
        "The draft-cavage 'Signature' scheme instead of hmac.",
        auth=fmt('Signature username="{u}", algorithm="{a}", headers="{h}", signature="{s}"'))
    rej("auth-scheme-only", "authorization.scheme",
        "The value is just 'hmac' with nothing after it.",
        auth=fmt("hmac"))
    rej("auth-syntax-trailing-comma", "authorization.syntax",
        "A trailing comma after the last parameter.",
        auth=fmt('hmac username="{u}", algorithm="{a}", headers="{h}", signature="{s}",'))
    rej("auth-syntax-empty-element", "authorization.syntax",
        "An empty list element (',,') between two parameters.",
        auth=fmt('hmac username="{u}",, algorithm="{a}", headers="{h}", signature="{s}"'))
    rej("auth-syntax-leading-comma", "authorization.syntax",
        "A comma before the first parameter.",
        auth=fmt('hmac , username="{u}", algorithm="{a}", headers="{h}", signature="{s}"'))
    rej("auth-syntax-missing-equals", "authorization.syntax",
        "A parameter without '=' (username \"demo\").",
        auth=fmt('hmac username "{u}", algorithm="{a}", headers="{h}", signature="{s}"'))
    rej("auth-syntax-name-not-token", "authorization.syntax",
        "A parameter name holding a non-token character (user@name).",
        auth=fmt('hmac user@name="{u}", algorithm="{a}", headers="{h}", signature="{s}"'))
    rej("auth-syntax-empty-name", "authorization.syntax",
        "A parameter with an empty name (=\"...\").",
        auth=fmt('hmac username="{u}", ="x", algorithm="{a}", headers="{h}", signature="{s}"'))
    rej("auth-syntax-garbage-after-value", "authorization.syntax",
        "Characters directly after a closing quote (\"demo\"x).",
        auth=fmt('hmac username="{u}"x, algorithm="{a}", headers="{h}", signature="{s}"'))
    rej("auth-missing-quote-unquoted-value", "authorization.missing_quote",
        "An unquoted value (username=demo).",
        auth=fmt('hmac username={u}, algorithm="{a}", headers="{h}", signature="{s}"'))
    rej("auth-missing-quote-single-quotes", "authorization.missing_quote",
        "A value in single quotes.",
        auth=fmt("hmac username='{u}', algorithm=\"{a}\", headers=\"{h}\", signature=\"{s}\""))
    rej("auth-missing-quote-unterminated", "authorization.missing_quote",
        "The last value's closing quote is missing.",
        auth=fmt('hmac username="{u}", algorithm="{a}", headers="{h}", signature="{s}'))
    rej("auth-missing-comma", "authorization.missing_comma",
        "Two parameters separated by a space only.",
        auth=fmt('hmac username="{u}" algorithm="{a}", headers="{h}", signature="{s}"'))
    rej("auth-missing-comma-before-signature", "authorization.missing_comma",
        "headers and signature separated by two spaces, no comma.",
        auth=fmt('hmac username="{u}", algorithm="{a}", headers="{h}"  signature="{s}"'))
    u_bs = "de\\mo"
    rej("auth-backslash-in-username", "authorization.backslash",
        "A backslash inside the username value (the key store holds that exact name).",
        username=u_bs, keys=[{"username": u_bs, "secret": DEMO_SECRET}])
    u_q = 'de"mo'
    rej("auth-backslash-quoted-pair", "authorization.backslash",
        "The username de\"mo written with a quoted-pair (\\\"): quoted-pairs are not part "
        "of this grammar.",
        username=u_q, keys=[{"username": u_q, "secret": DEMO_SECRET}],
        auth=with_auth(lambda u, a, hh, s: authorization_value(
            u.replace('"', '\\"'), a, hh.split(" "), s)))
    u_na = "démo"
    rej("auth-invalid-character-non-ascii", "authorization.invalid_character",
        "A non-ASCII character (é) in the username value.",
        username=u_na, keys=[{"username": u_na, "secret": DEMO_SECRET}])
    u_tab = "de\tmo"
    rej("auth-invalid-character-tab", "authorization.invalid_character",
        "A horizontal tab inside the username value.",
        username=u_tab, keys=[{"username": u_tab, "secret": DEMO_SECRET}])
    u_del = "de\x7fmo"
    rej("auth-invalid-character-del", "authorization.invalid_character",
        "A DEL (0x7F) inside the username value.",
        username=u_del, keys=[{"username": u_del, "secret": DEMO_SECRET}])
    rej("auth-invalid-character-tab-in-header-list", "authorization.invalid_character",
        "A tab separating two names of the headers list: HTAB is outside the quoted-value "
        "characters, so the scan fails before the list is examined.",
        auth=fmt('hmac username="{u}", algorithm="{a}", headers="' +
                 " ".join(DEFAULT_NAMES).replace(" ", "\t", 1) + '", signature="{s}"'))
    rej("auth-unknown-parameter-realm", "authorization.unknown_parameter",
        "A fifth parameter, realm.",
        auth=fmt('hmac username="{u}", algorithm="{a}", headers="{h}", signature="{s}", '
                 'realm="ingo"'))
    rej("auth-unknown-parameter-keyid", "authorization.unknown_parameter",
        "A keyId parameter (draft-cavage) next to the four.",
        auth=fmt('hmac keyId="{u}", username="{u}", algorithm="{a}", headers="{h}", '
                 'signature="{s}"'))
    rej("auth-duplicate-parameter", "authorization.duplicate_parameter",
        "username given twice with the same value.",
        auth=fmt('hmac username="{u}", username="{u}", algorithm="{a}", headers="{h}", '
                 'signature="{s}"'))
    rej("auth-duplicate-parameter-case-insensitive", "authorization.duplicate_parameter",
        "algorithm and ALGORITHM: the same name compared case-insensitively.",
        auth=fmt('hmac username="{u}", algorithm="{a}", headers="{h}", signature="{s}", '
                 'ALGORITHM="{a}"'))
    rej("auth-empty-username", "authorization.empty_parameter",
        "username=\"\".",
        auth=fmt('hmac username="", algorithm="{a}", headers="{h}", signature="{s}"'))
    rej("auth-empty-signature", "authorization.empty_parameter",
        "signature=\"\".",
        auth=fmt('hmac username="{u}", algorithm="{a}", headers="{h}", signature=""'))
    rej("auth-missing-algorithm", "authorization.missing_parameter",
        "No algorithm parameter.",
        auth=fmt('hmac username="{u}", headers="{h}", signature="{s}"'))
    rej("auth-missing-headers", "authorization.missing_parameter",
        "No headers parameter (Kong would default to signing only the date).",
        auth=fmt('hmac username="{u}", algorithm="{a}", signature="{s}"'))
    rej("auth-missing-signature", "authorization.missing_parameter",
        "No signature parameter.",
        auth=fmt('hmac username="{u}", algorithm="{a}", headers="{h}"'))
    u257 = "u" * 257
    rej("auth-username-257-bytes", "authorization.username_too_long",
        "A username of 257 bytes, one over the bound (the store holds it).",
        username=u257, keys=[{"username": u257, "secret": DEMO_SECRET}])
    rej("algorithm-hmac-md5", "authorization.unsupported_algorithm",
        "algorithm hmac-md5, really signed with HMAC-MD5: never accepted.",
        algorithm="hmac-md5")
    rej("algorithm-hmac-sha1", "authorization.unsupported_algorithm",
        "algorithm hmac-sha1, really signed with HMAC-SHA-1: never accepted.",
        algorithm="hmac-sha1")
    rej("algorithm-hmac-sha1-legacy-policy", "authorization.unsupported_algorithm",
        "hmac-sha1 even under a policy that allows legacy hmac-sha256.",
        algorithm="hmac-sha1", pol=legacy)
    rej("algorithm-hmac-sha384", "authorization.unsupported_algorithm",
        "algorithm hmac-sha384 (signed with it): not in the profile.",
        algorithm="hmac-sha384")
    rej("algorithm-upper-case-value", "authorization.unsupported_algorithm",
        "algorithm HMAC-SHA512: values are case-sensitive (the MAC is a correct HMAC-SHA512).",
        auth=fmt('hmac username="{u}", algorithm="HMAC-SHA512", headers="{h}", signature="{s}"'))
    h = " ".join(DEFAULT_NAMES)
    rej("header-list-double-space", "authorization.header_list",
        "Two spaces between two names of the headers list (an empty name).",
        auth=fmt('hmac username="{u}", algorithm="{a}", headers="' +
                 h.replace("x-date ", "x-date  ") + '", signature="{s}"'))
    rej("header-list-leading-space", "authorization.header_list",
        "A space before the first name of the headers list.",
        auth=fmt('hmac username="{u}", algorithm="{a}", headers=" ' + h + '", signature="{s}"'))
    rej("header-list-trailing-space", "authorization.header_list",
        "A space after the last name of the headers list.",
        auth=fmt('hmac username="{u}", algorithm="{a}", headers="' + h + ' ", signature="{s}"'))
    rej("header-list-upper-case-name", "authorization.header_list",
        "X-Date in upper case in the list (the signing string used x-date).",
        auth=fmt('hmac username="{u}", algorithm="{a}", headers="' +
                 h.replace("x-date", "X-Date") + '", signature="{s}"'))
    rej("header-list-comma-separated", "authorization.header_list",
        "Names separated by ', ' instead of single spaces ('request-line,' is not a token).",
        auth=fmt('hmac username="{u}", algorithm="{a}", headers="' +
                 h.replace(" ", ", ") + '", signature="{s}"'))
    rej("header-list-colon-in-name", "authorization.header_list",
        "A name with a trailing colon (x-date:).",
        auth=fmt('hmac username="{u}", algorithm="{a}", headers="' +
                 h.replace("x-date", "x-date:") + '", signature="{s}"'))
    rej("header-list-duplicate-name", "authorization.duplicate_header_name",
        "x-date listed twice (the signing string really holds the X-Date line twice).",
        names=DEFAULT_NAMES + ["x-date"])
    rej("header-list-duplicate-request-line", "authorization.duplicate_header_name",
        "request-line listed twice.",
        names=["request-line"] + DEFAULT_NAMES)
    extra12 = ["x-extra-%02d" % i for i in range(1, 13)]
    rej("header-list-17-names", "authorization.too_many_headers",
        "17 names in the list, one over the bound (all present in the request, all signed).",
        seed_request(after=[[n.upper(), "value-" + n[-2:]] for n in extra12]),
        names=DEFAULT_NAMES + extra12)

    def sig_auth(transform):
        return with_auth(lambda u, a, hh, s: authorization_value(u, a, hh.split(" "), transform(s)))

    rej("signature-url-safe-alphabet", "authorization.signature_encoding",
        "The SPEC 7 signature written in the url-safe alphabet ('-' and '_' for '+' and '/').",
        auth=sig_auth(lambda s: s.replace("+", "-").replace("/", "_")))
    rej("signature-missing-padding", "authorization.signature_encoding",
        "The SPEC 7 signature without its '==' padding.",
        auth=sig_auth(lambda s: s.rstrip("=")))
    rej("signature-half-padding", "authorization.signature_encoding",
        "The SPEC 7 signature with one '=' instead of two.",
        auth=sig_auth(lambda s: s[:-1]))
    rej("signature-non-canonical-pad-bits", "authorization.signature_encoding",
        "The SPEC 7 signature with non-zero unused bits in its last character (decodes to the "
        "same bytes with a lenient decoder).",
        auth=sig_auth(non_canonical_last_char))
    rej("signature-embedded-space", "authorization.signature_encoding",
        "A space in the middle of the signature.",
        auth=sig_auth(lambda s: s[:44] + " " + s[44:]))
    rej("signature-32-bytes-for-sha512", "authorization.signature_length",
        "hmac-sha512 with a 32-byte signature (the HMAC-SHA256 of the same string).",
        auth=with_auth(lambda u, a, hh, s: authorization_value(
            u, a, hh.split(" "),
            mac("hmac-sha256", DEMO_SECRET, build_signing_string(req, DEFAULT_NAMES)))))
    rej("signature-65-bytes", "authorization.signature_length",
        "88 base64 characters that decode to 65 bytes (the MAC plus one byte).",
        auth=sig_auth(lambda s: b64(base64.b64decode(s) + b"\x00")))
    rej("signature-63-bytes", "authorization.signature_length",
        "The MAC truncated to 63 bytes, canonically encoded.",
        auth=sig_auth(lambda s: b64(base64.b64decode(s)[:63])))
    rej("signature-64-bytes-for-sha256", "authorization.signature_length",
        "hmac-sha256 (legacy allowed) carrying a 64-byte signature (the HMAC-SHA512 of the same "
        "string).",
        seed_request(digests=("content-sha256",)),
        algorithm="hmac-sha256", names=LEGACY_NAMES, pol=legacy,
        auth=with_auth(lambda u, a, hh, s: authorization_value(
            u, a, hh.split(" "), mac("hmac-sha512", DEMO_SECRET, build_signing_string(
                seed_request(digests=("content-sha256",)), LEGACY_NAMES)))))

    # --- Policy on the algorithm (step 3) and the required set (step 4)
    rej("legacy-sha256-default-policy", "verify.algorithm_not_allowed",
        "The SPEC 7 legacy hmac-sha256 request under the default policy.",
        seed_request(digests=("content-sha256",)),
        algorithm="hmac-sha256", names=LEGACY_NAMES)
    rej("legacy-sha256-with-sha512-digest-default-policy", "verify.algorithm_not_allowed",
        "hmac-sha256 over content-sha512 under the default policy.",
        algorithm="hmac-sha256")
    rej("content-sha256-with-hmac-sha512", "verify.digest_algorithm_mismatch",
        "hmac-sha512 whose list names content-sha256 as the body digest.",
        seed_request(digests=("content-sha256",)),
        names=LEGACY_NAMES)
    rej("both-digests-with-hmac-sha512", "verify.digest_algorithm_mismatch",
        "hmac-sha512 listing content-sha512 and also content-sha256.",
        seed_request(digests=("content-sha512", "content-sha256")),
        names=DEFAULT_NAMES + ["content-sha256"])
    for missing in DEFAULT_NAMES:
        rej("required-unsigned-" + missing, "verify.required_header_unsigned",
            "The list omits %s (the request still carries it)." % missing,
            names=[n for n in DEFAULT_NAMES if n != missing])
    rej("required-unsigned-legacy-no-digest", "verify.required_header_unsigned",
        "hmac-sha256 (legacy allowed) whose list holds no digest header.",
        seed_request(digests=("content-sha256",)),
        algorithm="hmac-sha256", names=LEGACY_NAMES[:4], pol=legacy)
    rej("required-unsigned-date-instead-of-x-date", "verify.required_header_unsigned",
        "Date signed instead of X-Date (Kong would accept the Date header for the skew check).",
        seed_request(before=[["Date", imf_date(SEED_TS)]]),
        names=["request-line", "date", "content-type", "content-length", "content-sha512"])
    rej("required-unsigned-policy-header", "verify.required_header_unsigned",
        "The policy requires idempotency-key; the request sends it but does not sign it.",
        seed_request(after=[["Idempotency-Key", "3f2a1b4c-9d8e-7f6a-5b4c-3d2e1f0a9b8c"]]),
        pol=policy(required_headers=["idempotency-key"]))
    rej("unknown-username", "verify.unknown_username",
        "username 'nobody' is not in the store (signed with the demo secret).",
        username="nobody")
    rej("unknown-username-case-differs", "verify.unknown_username",
        "username 'Demo': values are case-sensitive, the store holds 'demo'.",
        username="Demo")
    # An unknown username is reported where a wrong signature is (after the signing string),
    # so a defect of the signing string says the same for a known and an unknown username.
    rej("unknown-username-with-header-missing", "signing_string.header_missing",
        "username 'nobody' (not in the store) with a listed Host header absent: the signing "
        "string fails first, as it would for 'demo'.",
        username="nobody", names=DEFAULT_NAMES + ["host"], missing="kong")
    rej("unknown-username-with-target-fragment", "signing_string.target_fragment",
        "username 'nobody' (not in the store) with '#x' after the target.",
        username="nobody",
        after_signing=lambda r: r.__setitem__("target", SESSION_TARGET + "#x"))

    # --- Building the signing string (step 6)
    rej("invalid-method-space", "signing_string.invalid_method",
        "Method 'PO ST' is not a token.",
        seed_request(method="PO ST"))
    rej("invalid-method-empty", "signing_string.invalid_method",
        "An empty method.",
        seed_request(method=""))
    rej("invalid-target-space", "signing_string.invalid_target",
        "A request-target holding a space.",
        seed_request(target=SESSION_TARGET + "?q=a b"))
    rej("invalid-target-non-ascii", "signing_string.invalid_target",
        "A request-target holding a raw non-ASCII character (é, not percent-encoded).",
        seed_request(target=SESSION_TARGET + "?city=S\u00e3o"))
    rej("target-fragment-added-in-transit", "signing_string.target_fragment",
        "'#x' appended to the signed target: an HTTP library drops the fragment, so two wire "
        "targets would share one signature.",
        after_signing=lambda r: r.__setitem__("target", SESSION_TARGET + "#x"))
    rej("target-fragment-signed", "signing_string.target_fragment",
        "A target with a query and a fragment, signed as it stands: a fragment is never sent, "
        "signed or not.",
        seed_request(target=SESSION_TARGET + "?a=1#section"))
    rej("target-fragment-empty", "signing_string.target_fragment",
        "A bare '#' at the end of the target.",
        seed_request(target=SESSION_TARGET + "#"))
    rej("listed-header-absent-host", "signing_string.header_missing",
        "host is listed but the request has no Host header (the signer wrote Kong's 'host:' line).",
        names=DEFAULT_NAMES + ["host"], missing="kong")
    rej("listed-header-absent-x-date", "signing_string.header_missing",
        "x-date is listed but X-Date is absent (signed Kong-style with an 'x-date:' line).",
        dict(req, headers=[p for p in req["headers"] if p[0] != "X-Date"]),
        missing="kong")
    rej("listed-header-removed-in-transit", "signing_string.header_missing",
        "Idempotency-Key was signed, then dropped before reaching the verifier.",
        seed_request(after=[["Idempotency-Key", "3f2a1b4c-9d8e-7f6a-5b4c-3d2e1f0a9b8c"]]),
        names=DEFAULT_NAMES + ["idempotency-key"],
        after_signing=lambda r: drop_header(r, "idempotency-key"))
    rej("repeated-x-date", "signing_string.header_repeated",
        "Two X-Date headers; the signer signed the first.",
        seed_request(after=[["X-Date", imf_date(SEED_TS + 1)]]))
    rej("repeated-x-date-differing-case", "signing_string.header_repeated",
        "X-Date and x-date, the same header twice under different case.",
        seed_request(after=[["x-date", imf_date(SEED_TS)]]))
    rej("repeated-content-sha512", "signing_string.header_repeated",
        "Two Content-sha512 headers, the first correct (Kong signs only the first), the second "
        "the digest of another body.",
        seed_request(after=[["Content-sha512", body_digest("content-sha512", b"{}")]]))
    rej("repeated-content-type", "signing_string.header_repeated",
        "Content-Type sent twice with the same value.",
        seed_request(after=[["Content-Type", "application/json"]]))
    rej("repeated-extra-header", "signing_string.header_repeated",
        "Host is listed and sent twice.",
        seed_request(before=[["Host", "a.example"], ["Host", "b.example"]]),
        names=DEFAULT_NAMES + ["host"])
    idem = DEFAULT_NAMES + ["idempotency-key"]
    for label, ch in (("cr", "\r"), ("lf", "\n"), ("nul", "\x00")):
        rej("header-value-%s" % label, "signing_string.header_value_invalid",
            "A listed header (Idempotency-Key) whose value holds %s." % label.upper(),
            seed_request(after=[["Idempotency-Key", "3f2a1b4c" + ch + "9d8e"]]),
            names=idem)
    rej("header-value-obs-fold", "signing_string.header_value_invalid",
        "A listed value continued by obsolete line folding (CRLF then a space).",
        seed_request(after=[["Idempotency-Key", "3f2a1b4c\r\n 9d8e"]]),
        names=idem)
    rej("header-value-crlf-injection", "signing_string.header_value_invalid",
        "A listed Host value smuggling a second header line.",
        seed_request(before=[["Host", "a.example\r\nX-Date: " + imf_date(SEED_TS)]]),
        names=["host"] + DEFAULT_NAMES)

    # --- The MAC (step 7)
    rej("tampered-target", "verify.signature_mismatch",
        "The target gained a query string after signing.",
        after_signing=lambda r: r.__setitem__("target", SESSION_TARGET + "?x=1"))
    rej("tampered-method", "verify.signature_mismatch",
        "POST changed to PUT after signing.",
        after_signing=lambda r: r.__setitem__("method", "PUT"))
    rej("tampered-version", "verify.signature_mismatch",
        "Signed as HTTP/1.1, delivered as HTTP/2.0.",
        after_signing=lambda r: r.__setitem__("version", "2.0"))
    rej("tampered-date", "verify.signature_mismatch",
        "X-Date moved one second after signing (still a valid date within the skew).",
        after_signing=lambda r: set_header(r, "x-date", imf_date(SEED_TS + 1)))
    rej("tampered-content-type", "verify.signature_mismatch",
        "Content-Type changed to another acceptable value after signing.",
        after_signing=lambda r: set_header(r, "content-type", "application/json; charset=utf-8"))
    rej("tampered-extra-header", "verify.signature_mismatch",
        "The signed Idempotency-Key changed after signing.",
        seed_request(after=[["Idempotency-Key", "3f2a1b4c-9d8e-7f6a-5b4c-3d2e1f0a9b8c"]]),
        names=idem,
        after_signing=lambda r: set_header(r, "idempotency-key", "another-key"))

    def replace_body(r):
        r["body"] = PUSH_BODY
        set_header(r, "content-length", str(len(PUSH_BODY.encode())))
        set_header(r, "content-sha512", body_digest("content-sha512", PUSH_BODY.encode()))

    rej("tampered-body-with-consistent-length-and-digest", "verify.signature_mismatch",
        "The body, Content-Length and Content-sha512 all replaced consistently after signing: "
        "only the MAC can tell.",
        after_signing=replace_body)
    rej("wrong-secret", "verify.signature_mismatch",
        "Signed with a secret the store does not hold for that username.",
        secret="not-the-demo-secret")
    rej("signed-with-other-users-key", "verify.signature_mismatch",
        "username demo, but signed with partner-b's secret (also in the store).",
        secret="partner-b-secret",
        keys=demo_keys() + [{"username": "partner-b", "secret": "partner-b-secret"}])
    rej("key-rotated-away", "verify.signature_mismatch",
        "Signed with the old secret after the store dropped it (only the new one remains).",
        keys=[{"username": DEMO_USER, "secret": "demo-secret-rotated-2020"}])
    rej("signature-last-byte-flipped", "verify.signature_mismatch",
        "The correct MAC with its last byte changed (the comparison covers the full length).",
        auth=sig_auth(lambda s: b64(base64.b64decode(s)[:63] + bytes(
            [base64.b64decode(s)[63] ^ 1]))))
    rej("signature-first-byte-flipped", "verify.signature_mismatch",
        "The correct MAC with its first byte changed.",
        auth=sig_auth(lambda s: b64(bytes([base64.b64decode(s)[0] ^ 0x80]) +
                                    base64.b64decode(s)[1:])))
    rej("signed-in-other-order", "verify.signature_mismatch",
        "The signer signed content-length before content-type but listed them the other way.",
        signing_string=build_signing_string(
            req, ["request-line", "x-date", "content-length", "content-type", "content-sha512"]))
    rej("signing-string-trailing-lf", "verify.signature_mismatch",
        "The signer ended its signing string with a LF.",
        signing_string=build_signing_string(req, DEFAULT_NAMES) + "\n")
    rej("signing-string-crlf", "verify.signature_mismatch",
        "The signer joined the lines with CRLF instead of LF.",
        signing_string=build_signing_string(req, DEFAULT_NAMES).replace("\n", "\r\n"))
    rej("signing-string-name-as-sent", "verify.signature_mismatch",
        "The signer wrote the header names as sent (X-Date, Content-Type ...) not lower case.",
        signing_string="\n".join(
            [request_line("POST", SESSION_TARGET, "1.1")] +
            ["%s: %s" % (k, v) for k, v in req["headers"]]))
    ws_req = seed_request(date="  " + imf_date(SEED_TS) + "\t")
    rej("signing-string-value-not-stripped", "verify.signature_mismatch",
        "X-Date sent with surrounding whitespace; the signer did not strip it.",
        ws_req,
        signing_string=build_signing_string(ws_req, DEFAULT_NAMES).replace(
            "x-date: " + imf_date(SEED_TS), "x-date:   " + imf_date(SEED_TS) + "\t"))
    rej("target-decoded-by-signer", "verify.signature_mismatch",
        "Target sent as ?name=%7Ealex; the signer signed the decoded ?name=~alex.",
        seed_request(target=SESSION_TARGET + "?name=%7Ealex"),
        signing_string=build_signing_string(
            seed_request(target=SESSION_TARGET + "?name=~alex"), DEFAULT_NAMES))
    rej("target-hex-case-normalised-by-signer", "verify.signature_mismatch",
        "Target sent with %2f; the signer upper-cased it to %2F before signing.",
        seed_request(target=SESSION_TARGET + "?path=%2fa"),
        signing_string=build_signing_string(
            seed_request(target=SESSION_TARGET + "?path=%2Fa"), DEFAULT_NAMES))
    fake = seed_request(after=[["Request-Line", "GET /elsewhere HTTP/1.1"]])
    rej("request-line-read-from-real-header", "verify.signature_mismatch",
        "The request carries a real Request-Line header and the signer signed its value: the "
        "pseudo-header is never read from a real header.",
        fake,
        signing_string=build_signing_string(fake, DEFAULT_NAMES).replace(
            request_line("POST", SESSION_TARGET, "1.1"), "request-line: GET /elsewhere HTTP/1.1"))

    # --- X-Date (step 8)
    def date_rej(name, code, value, description, now=SEED_TS):
        rej(name, code, description + " (signed as sent)", seed_request(date=value), now=now)

    date_rej("date-rfc850", "date.malformed", "Friday, 17-Jan-20 19:59:29 GMT",
             "An RFC 850 date")
    date_rej("date-asctime", "date.malformed", "Fri Jan 17 19:59:29 2020",
             "An asctime date")
    date_rej("date-missing-comma", "date.malformed", "Fri 17 Jan 2020 19:59:29 GMT",
             "No comma after the weekday")
    date_rej("date-single-digit-day", "date.malformed", "Fri, 7 Feb 2020 19:59:29 GMT",
             "A one-digit day", now=1581105569)
    date_rej("date-non-digit-year", "date.malformed", "Fri, 17 Jan 2O20 19:59:29 GMT",
             "A letter O in the year")
    date_rej("date-iso-8601", "date.malformed", "2020-01-17T19:59:29Z",
             "An ISO 8601 timestamp")
    date_rej("date-unix-seconds", "date.malformed", "1579291169",
             "Unix seconds instead of a date")
    date_rej("date-lower-case-weekday", "date.unknown_weekday", "fri, 17 Jan 2020 19:59:29 GMT",
             "Weekday 'fri' in lower case")
    date_rej("date-unknown-weekday", "date.unknown_weekday", "Fre, 17 Jan 2020 19:59:29 GMT",
             "Weekday 'Fre'")
    date_rej("date-lower-case-month", "date.unknown_month", "Fri, 17 jan 2020 19:59:29 GMT",
             "Month 'jan' in lower case")
    date_rej("date-unknown-month", "date.unknown_month", "Fri, 17 Jnu 2020 19:59:29 GMT",
             "Month 'Jnu'")
    date_rej("date-zone-utc", "date.not_gmt", "Fri, 17 Jan 2020 19:59:29 UTC",
             "Zone UTC instead of GMT")
    date_rej("date-zone-lower-case-gmt", "date.not_gmt", "Fri, 17 Jan 2020 19:59:29 gmt",
             "Zone 'gmt' in lower case")
    date_rej("date-day-zero", "date.invalid_day", "Wed, 00 Jan 2020 19:59:29 GMT",
             "Day 00")
    date_rej("date-30-february", "date.invalid_day", "Sun, 30 Feb 2020 19:59:29 GMT",
             "30 February", now=1583006369)
    date_rej("date-29-february-2021", "date.invalid_day", "Mon, 29 Feb 2021 12:00:00 GMT",
             "29 February of a non-leap year", now=1614600000)
    date_rej("date-31-april", "date.invalid_day", "Fri, 31 Apr 2020 12:00:00 GMT",
             "31 April", now=1588334400)
    date_rej("date-hour-24", "date.invalid_time", "Fri, 17 Jan 2020 24:00:00 GMT",
             "Hour 24", now=1579305600)
    date_rej("date-minute-60", "date.invalid_time", "Fri, 17 Jan 2020 19:60:00 GMT",
             "Minute 60", now=1579291200)
    date_rej("date-leap-second", "date.invalid_time", "Sat, 31 Dec 2016 23:59:60 GMT",
             "A leap second 23:59:60 (a real one; Unix time has none)", now=1483228800)
    date_rej("date-year-1969", "date.year_out_of_range", "Wed, 31 Dec 1969 23:59:59 GMT",
             "Wed, 31 Dec 1969 23:59:59 GMT, one second before the epoch (weekday correct, now 0)",
             now=0)
    date_rej("date-weekday-mismatch", "date.weekday_mismatch", "Thu, 17 Jan 2020 19:59:29 GMT",
             "Thursday for a Friday")
    rej("date-skew-plus-301", "verify.date_skew",
        "now is 301 s after X-Date, one second past the bound.", now=SEED_TS + 301)
    rej("date-skew-minus-301", "verify.date_skew",
        "now is 301 s before X-Date, one second past the bound.", now=SEED_TS - 301)
    rej("date-skew-custom-policy", "verify.date_skew",
        "max_skew 0 and a request one second old.", now=SEED_TS + 1, pol=policy(max_skew=0))

    # --- Content-Type (step 9)
    for name, ct, d in (
        ("content-type-text-plain", "text/plain", "text/plain"),
        ("content-type-jsonx", "application/jsonx", "application/jsonx (a prefix match is wrong)"),
        ("content-type-form", "application/x-www-form-urlencoded", "a form encoding"),
        ("content-type-json-suffix", "application/problem+json",
         "application/problem+json (only application/json itself)"),
        ("content-type-empty", "", "an empty Content-Type value"),
    ):
        rej(name, "verify.content_type", "Content-Type is %s (signed as sent)." % d,
            seed_request(content_type=ct))

    # --- Content-Length (step 10)
    for name, cl, d in (
        ("content-length-plus-sign", "+470", "'+470' (a sign)"),
        ("content-length-leading-zero", "0470", "'0470' (a leading zero)"),
        ("content-length-inner-spaces", " 4 70", "' 4 70' (spaces inside)"),
        ("content-length-minus-sign", "-470", "'-470'"),
        ("content-length-decimal-point", "470.0", "'470.0'"),
        ("content-length-hex", "0x1d6", "'0x1d6' (hexadecimal)"),
        ("content-length-empty", "", "empty"),
        ("content-length-over-u64", "18446744073709551616", "2^64, beyond u64"),
    ):
        rej(name, "verify.content_length_invalid",
            "Content-Length %s for a 470-byte body (signed as sent)." % d,
            seed_request(content_length=cl))
    rej("content-length-double-zero-empty-body", "verify.content_length_invalid",
        "Content-Length '00' for an empty body (a leading zero).",
        seed_request(body="", content_length="00"))
    rej("body-too-large-policy", "verify.body_too_large",
        "Content-Length 470 under a policy with max_body 469.",
        pol=policy(max_body=469))
    rej("body-too-large-zero-limit", "verify.body_too_large",
        "Content-Length 2 under a policy with max_body 0.",
        seed_request(body="{}"), pol=policy(max_body=0))

    # --- Digest header shape (step 11)
    hexd = hashlib.sha512(SESSION_BODY.encode()).hexdigest()
    rej("digest-hex", "digest.malformed",
        "Content-sha512 in hex (128 characters) instead of base64 (signed as sent).",
        seed_request(digest_values={"content-sha512": hexd}))
    rej("digest-87-chars", "digest.malformed",
        "Content-sha512 of 87 characters (one '=' of padding dropped).",
        seed_request(digest_values={"content-sha512": sess_digest[:-1]}))
    rej("digest-no-padding", "digest.malformed",
        "Content-sha512 without its '==' padding (86 characters).",
        seed_request(digest_values={"content-sha512": sess_digest.rstrip("=")}))
    rej("digest-url-safe", "digest.malformed",
        "Content-sha512 in the url-safe alphabet.",
        seed_request(digest_values={
            "content-sha512": sess_digest.replace("+", "-").replace("/", "_")}))
    rej("digest-non-canonical-pad-bits", "digest.malformed",
        "Content-sha512 with non-zero unused bits in its last character.",
        seed_request(digest_values={"content-sha512": non_canonical_last_char(sess_digest)}))
    rej("digest-sha256-length-in-sha512-header", "digest.malformed",
        "Content-sha512 holding a 44-character SHA-256 digest.",
        seed_request(digest_values={
            "content-sha512": body_digest("content-sha256", SESSION_BODY.encode())}))
    rej("digest-sha256-wrong-length-legacy", "digest.malformed",
        "Legacy Content-sha256 holding an 88-character SHA-512 digest.",
        seed_request(digests=("content-sha256",),
                     digest_values={"content-sha256": sess_digest}),
        algorithm="hmac-sha256", names=LEGACY_NAMES, pol=legacy)
    rej("digest-ingo-doc-example-value", "digest.malformed",
        "Content-sha512 set to the example value printed on Ingo's Session Create page: 76 "
        "characters, not a 64-byte digest.",
        seed_request(digest_values={
            "content-sha512": "z4PhNX7vuL3xVChQ1m2AB9Yg5AULVxXcg/SpIdNs6c5H0NE8XYXysP+TW2kyaTeRs9mBqbH9v0w="}))
    rej("digest-algorithm-prefix", "digest.malformed",
        "Content-sha512 written 'sha-512=<base64>' (RFC 9530 style) instead of bare base64.",
        seed_request(digest_values={"content-sha512": "sha-512=" + sess_digest}))

    # --- Body phase (steps 12 and 13)
    rej("body-shorter-than-declared", "verify.content_length_mismatch",
        "Content-Length 471 but the 470-byte body ends early (digest of the body actually sent).",
        seed_request(content_length="471"))
    rej("body-longer-than-declared", "verify.content_length_mismatch",
        "Content-Length 469 but 470 bytes arrive.",
        seed_request(content_length="469"))
    rej("body-empty-declared-nonzero", "verify.content_length_mismatch",
        "Content-Length 2 with an empty body.",
        seed_request(body="", content_length="2"))
    tampered = SESSION_BODY.replace('"Alex"', '"Alec"')
    assert len(tampered) == len(SESSION_BODY)
    rej("tampered-body", "digest.mismatch",
        "The body changed after signing (Alex -> Alec, same length): the signed digest no "
        "longer matches.",
        after_signing=lambda r: r.__setitem__("body", tampered))
    pretty_digest = body_digest("content-sha512", SESSION_SEED_TEXT.encode())
    rej("digest-of-pretty-body-sent-minified", "digest.mismatch",
        "The signer hashed the pretty-printed body but sent it minified (Content-Length right).",
        seed_request(digest_values={"content-sha512": pretty_digest}))
    rej("digest-legacy-sha256-mismatch", "digest.mismatch",
        "Legacy content-sha256 over a tampered body.",
        seed_request(digests=("content-sha256",)),
        algorithm="hmac-sha256", names=LEGACY_NAMES, pol=legacy,
        after_signing=lambda r: r.__setitem__("body", tampered))
    rej("digest-legacy-both-one-wrong", "digest.mismatch",
        "hmac-sha256 listing both digests; content-sha256 right, content-sha512 of another body.",
        seed_request(digests=("content-sha256", "content-sha512"),
                     digest_values={"content-sha512": pretty_digest}),
        algorithm="hmac-sha256",
        names=DEFAULT_NAMES[:4] + ["content-sha256", "content-sha512"], pol=legacy)
    rej("digest-empty-body-of-other", "digest.mismatch",
        "Empty body with Content-Length 0, Content-sha512 of '{}'.",
        seed_request(body="", digest_values={
            "content-sha512": body_digest("content-sha512", b"{}")}))
    return R


# --------------------------------------------------------------------------------------------
# 8. Self-check and output
# --------------------------------------------------------------------------------------------


def self_check(signing, accept, reject):
    names = [v["name"] for v in signing + accept + reject]
    dup = sorted({n for n in names if names.count(n) > 1})
    assert not dup, "duplicate vector names: %s" % dup
    for v in signing + accept:
        got = reference_verifier.verify(v)
        assert got is None, "%s should verify, got %s" % (v["name"], got)
        assert ["Authorization", v["authorization"]] in [
            [k.title() if k.lower() == "authorization" else k, val]
            for k, val in v["request"]["headers"]
        ], v["name"]
    for v in signing:
        assert v["authorization"] == authorization_value(
            v["username"], v["algorithm"], v["signed_headers"], v["signature"]
        ), v["name"]
    for v in reject:
        got = reference_verifier.verify(v)
        assert got == v["expected_error"], "%s: expected %s, got %s" % (
            v["name"], v["expected_error"], got)
    # the reference verifier's own calendar arithmetic agrees with email.utils on the dates used
    for ts in (0, 1, 86399, 951782400, 1579291169, 1582977600, 4107542400, 253402300799):
        assert reference_verifier.parse_imf_date(imf_date(ts)) == ts, ts
    covered = {v["expected_error"] for v in reject}
    missing = [c for c in ALL_CODES if c not in covered]
    assert not missing, "error codes without a reject vector: %s" % missing
    assert len(signing) >= 30 and len(reject) >= 40


def _scalar(x):
    return not isinstance(x, (dict, list))


def to_json(obj, level=0):
    """json.dumps(indent=2) but with flat arrays (header pairs, name lists) and small flat
    objects (keys, policy) on one line, so a vector reads top to bottom."""
    pad, end = "  " * (level + 1), "  " * level
    if isinstance(obj, list):
        if not obj:
            return "[]"
        if all(_scalar(x) for x in obj):
            return "[" + ", ".join(json.dumps(x, ensure_ascii=False) for x in obj) + "]"
        return "[\n" + ",\n".join(pad + to_json(x, level + 1) for x in obj) + "\n" + end + "]"
    if isinstance(obj, dict):
        if not obj:
            return "{}"
        flat = all(_scalar(v) or (isinstance(v, list) and all(map(_scalar, v)))
                   for v in obj.values())
        if flat:
            one = "{" + ", ".join(json.dumps(k, ensure_ascii=False) + ": " + to_json(v)
                                  for k, v in obj.items()) + "}"
            if len(one) <= 120:
                return one
        items = [pad + json.dumps(k, ensure_ascii=False) + ": " + to_json(v, level + 1)
                 for k, v in obj.items()]
        return "{\n" + ",\n".join(items) + "\n" + end + "}"
    return json.dumps(obj, ensure_ascii=False)


def render():
    assert_known_answers()
    signing = signing_vectors()
    accept = accept_vectors()
    reject = reject_vectors()
    self_check(signing, accept, reject)
    files = {
        "signing.json": {
            "description": "Signing vectors for the Ingo HMAC request-signing profile (SPEC "
            "sections 2-3): every request must sign to exactly these intermediate values and "
            "must verify under its policy and now.",
            "generator": GENERATOR,
            "vectors": signing,
        },
        "verification.json": {
            "description": "Verification vectors (SPEC sections 4-5, error codes and check order "
            "of notes/error-codes.md): 'accept' requests must verify; each 'reject' request "
            "breaks one rule and must fail with expected_error and http_status.",
            "generator": GENERATOR,
            "accept": accept,
            "reject": reject,
        },
    }
    for name, doc in files.items():
        assert json.loads(to_json(doc)) == doc, name
    return {
        name: to_json(doc) + "\n" for name, doc in files.items()
    }


def main(argv):
    check = "--check" in argv[1:]
    unknown = [a for a in argv[1:] if a != "--check"]
    if unknown:
        print("usage: generate.py [--check]", file=sys.stderr)
        return 2
    out = render()
    stale = []
    for name, text in out.items():
        path = os.path.join(HERE, name)
        if check:
            try:
                with open(path, encoding="utf-8", newline="") as f:
                    if f.read() != text:
                        stale.append(name)
            except FileNotFoundError:
                stale.append(name)
        else:
            with open(path, "w", encoding="utf-8", newline="") as f:
                f.write(text)
    if stale:
        print(
            "test-vectors: out of date: %s (not what generate.py writes); run "
            "`python3 test-vectors/generate.py` and commit the result." % ", ".join(stale),
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
