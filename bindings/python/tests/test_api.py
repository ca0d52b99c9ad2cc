"""The package's Python surface: types in and out, errors, secrets, the clock, the GIL."""

from __future__ import annotations

import base64
import hashlib
import hmac
import pickle
import sys
import threading
import time
from typing import Any, Dict, List

import pytest

import ingo_signer
from conftest import load_vectors

KA = next(v for g, v in load_vectors() if v["name"] == "session-create-spec-known-answer")
SECRET = KA["secret"]
BODY = KA["request"]["body"].encode("utf-8")
TARGET = KA["request"]["target"]
NOW = KA["now"]


def key() -> ingo_signer.SigningKey:
    return ingo_signer.SigningKey("demo", SECRET.encode())


def signed(**options: Any) -> Dict[str, str]:
    return ingo_signer.sign(key(), "POST", TARGET, BODY, now=NOW, **options)


def test_known_answer_against_hmac_and_hashlib() -> None:
    """SPEC §7's known answer, recomputed here with the standard library alone."""
    headers = signed()
    digest = base64.b64encode(hashlib.sha512(BODY).digest()).decode()
    assert headers["Content-sha512"] == digest == KA["digest"]
    text = (
        f"POST {TARGET} HTTP/1.1\nx-date: {headers['X-Date']}\ncontent-type: application/json\n"
        f"content-length: {len(BODY)}\ncontent-sha512: {digest}"
    )
    mac = hmac.new(SECRET.encode(), text.encode(), hashlib.sha512).digest()
    assert f'signature="{base64.b64encode(mac).decode()}"' in headers["Authorization"]
    assert headers["Authorization"] == KA["authorization"]


def test_headers_come_in_signing_order() -> None:
    assert list(signed()) == [
        "X-Date",
        "Content-Type",
        "Content-Length",
        "Content-sha512",
        "Authorization",
    ]
    legacy = signed(algorithm="hmac-sha256", order="length-last")
    assert list(legacy) == [
        "X-Date",
        "Content-Type",
        "Content-Length",
        "Content-sha256",
        "Authorization",
    ]
    assert (
        'headers="request-line x-date content-type content-sha256 content-length"'
        in legacy["Authorization"]
    )


@pytest.mark.parametrize("body", [BODY, BODY.decode(), bytearray(BODY), memoryview(BODY)])
def test_body_bytes_and_text_sign_alike(body: Any) -> None:
    assert ingo_signer.sign(key(), "POST", TARGET, body, now=NOW) == signed()


def test_secret_bytes_and_text_key_alike() -> None:
    text_key = ingo_signer.SigningKey("demo", SECRET)
    assert ingo_signer.sign(text_key, "POST", TARGET, BODY, now=NOW) == signed()
    # A str secret is its UTF-8, never Latin-1.
    a = ingo_signer.sign(ingo_signer.SigningKey("u", "clé"), "POST", "/", b"{}", now=NOW)
    b = ingo_signer.sign(ingo_signer.SigningKey("u", "clé".encode()), "POST", "/", b"{}", now=NOW)
    c = ingo_signer.sign(
        ingo_signer.SigningKey("u", "clé".encode("latin-1")), "POST", "/", b"{}", now=NOW
    )
    assert a == b != c


def test_no_body_is_the_empty_body() -> None:
    a = ingo_signer.sign(key(), "GET", "/x", now=NOW)
    b = ingo_signer.sign(key(), "GET", "/x", b"", now=NOW)
    assert a == b and a["Content-Length"] == "0"


@pytest.mark.parametrize("body", [42, [1, 2], {"a": 1}, 1.5])
def test_other_bodies_are_a_type_error(body: Any) -> None:
    with pytest.raises(TypeError, match="body must be bytes"):
        ingo_signer.sign(key(), "POST", TARGET, body, now=NOW)


def test_the_secret_never_shows() -> None:
    k = ingo_signer.SigningKey("demo", b"s3cr3t-value")
    for text in (repr(k), str(k), repr(ingo_signer.Verifier([k]))):
        assert "s3cr3t" not in text
    assert repr(k) == "SigningKey(username='demo', secret=<redacted>)"
    with pytest.raises(TypeError):
        pickle.dumps(k)


def test_now_defaults_to_the_system_clock() -> None:
    before = int(time.time())
    headers = ingo_signer.sign(key(), "POST", TARGET, BODY)
    after = int(time.time())
    stamps = {
        time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(t)) for t in range(before, after + 1)
    }
    assert headers["X-Date"] in stamps
    verified = ingo_signer.Verifier(key()).verify("POST", TARGET, headers, BODY)
    assert verified.username == "demo"
    with pytest.raises(ingo_signer.VerifyError) as refused:
        ingo_signer.Verifier(key()).verify("POST", TARGET, headers, BODY, now=before + 1000)
    assert refused.value.kind == "verify.date_skew"


def test_sign_errors_carry_the_core_kind() -> None:
    with pytest.raises(ingo_signer.SignError) as e:
        signed(content_type="text/plain")
    assert e.value.kind == "sign.content_type" and e.value.http_status is None
    assert isinstance(e.value, ingo_signer.SignerError)
    with pytest.raises(ingo_signer.SignError) as e:
        signed(extra_headers=[("Authorization", "x")])
    assert e.value.kind == "sign.unsignable_header"
    with pytest.raises(ingo_signer.SignError) as e:
        ingo_signer.sign(key(), "POST", "/a b", b"{}", now=NOW)
    assert e.value.kind == "signing_string.invalid_target"


def test_key_errors_carry_the_core_kind() -> None:
    with pytest.raises(ingo_signer.InvalidKeyError) as e:
        ingo_signer.SigningKey("demo", b"")
    assert (e.value.kind, e.value.http_status) == ("key.empty_secret", None)
    with pytest.raises(ingo_signer.InvalidKeyError) as e:
        ingo_signer.SigningKey('de"mo', b"s")
    assert e.value.kind == "key.username"


@pytest.mark.parametrize(
    "option", [{"algorithm": "hmac-sha1"}, {"order": "random"}, {"http_version": "3"}]
)
def test_unknown_options_are_a_value_error(option: Dict[str, str]) -> None:
    with pytest.raises(ValueError, match=next(iter(option))):
        signed(**option)


def test_verify_error_attributes_and_pickle() -> None:
    headers = signed()
    with pytest.raises(ingo_signer.VerifyError) as e:
        ingo_signer.Verifier(key()).verify("POST", TARGET, headers, BODY[:-1] + b" ", now=NOW)
    error = e.value
    assert (error.kind, error.http_status) == ("digest.mismatch", 401)
    assert isinstance(error, ingo_signer.SignerError)
    assert error.message == str(error) and "content-sha512" in error.message
    assert error.for_client() is error
    again = pickle.loads(pickle.dumps(error))
    assert (type(again), again.kind, again.http_status, again.message) == (
        ingo_signer.VerifyError,
        error.kind,
        error.http_status,
        error.message,
    )
    assert "kind='digest.mismatch'" in repr(error)


def test_unknown_username_is_told_as_a_signature_mismatch() -> None:
    """CONTRACTS.md: the client hears a mismatch; the log keeps the original kind."""
    headers = signed()
    other = ingo_signer.Verifier(ingo_signer.SigningKey("someone-else", b"x"))
    with pytest.raises(ingo_signer.VerifyError) as e:
        other.verify("POST", TARGET, headers, BODY, now=NOW)
    assert e.value.kind == "verify.unknown_username"
    with pytest.raises(ingo_signer.VerifyError) as mismatch:
        ingo_signer.Verifier(ingo_signer.SigningKey("demo", b"wrong")).verify(
            "POST", TARGET, headers, BODY, now=NOW
        )
    told = e.value.for_client()
    expected = mismatch.value
    assert (told.kind, told.http_status, told.message) == (
        expected.kind,
        expected.http_status,
        expected.message,
    )


@pytest.mark.parametrize(
    "shape",
    ["pairs", "lists", "dict", "bytes", "items"],
)
def test_headers_in_every_usual_shape(shape: str) -> None:
    h = signed()
    forms: Dict[str, Any] = {
        "pairs": list(h.items()),
        "lists": [[n, v] for n, v in h.items()],
        "dict": h,
        "bytes": [(n.lower().encode(), v.encode()) for n, v in h.items()],
        "items": h.items(),
    }
    assert (
        ingo_signer.Verifier(key()).verify("POST", TARGET, forms[shape], BODY, now=NOW).username
        == "demo"
    )


@pytest.mark.parametrize("headers", ["X-Date: x", b"raw", [("only-a-name",)], [1, 2]])
def test_malformed_header_lists_are_a_type_error(headers: Any) -> None:
    with pytest.raises(TypeError):
        ingo_signer.Verifier(key()).verify("POST", TARGET, headers, BODY, now=NOW)


def test_repeated_headers_reach_the_core() -> None:
    h = list(signed().items()) + [("authorization", "hmac x")]
    with pytest.raises(ingo_signer.VerifyError) as e:
        ingo_signer.Verifier(key()).verify("POST", TARGET, h, BODY, now=NOW)
    assert e.value.kind == "verify.repeated_authorization"


def test_key_rotation_reports_the_matching_key() -> None:
    old = ingo_signer.SigningKey("demo", b"old-secret")
    verifier = ingo_signer.Verifier([old, key()])
    verified = verifier.verify("POST", TARGET, signed(), BODY, now=NOW)
    assert (verified.username, verified.algorithm, verified.key_index) == ("demo", "hmac-sha512", 1)
    assert repr(verified) == "Verified(username='demo', algorithm='hmac-sha512', key_index=1)"


def test_policy_options() -> None:
    verifier = ingo_signer.Verifier(key(), max_skew=10, max_body=100, required_headers=["host"])
    assert (verifier.max_skew, verifier.max_body, verifier.required_headers) == (10, 100, ["host"])
    assert ingo_signer.Verifier(key()).max_body == 65536
    with pytest.raises(ingo_signer.VerifyError) as e:
        verifier.verify("POST", TARGET, signed(), BODY, now=NOW)
    assert e.value.kind == "verify.required_header_unsigned"
    with pytest.raises(ingo_signer.VerifyError) as e:
        ingo_signer.Verifier(key(), max_body=100).verify("POST", TARGET, signed(), BODY, now=NOW)
    assert (e.value.kind, e.value.http_status) == ("verify.body_too_large", 413)
    with pytest.raises(ingo_signer.VerifyError) as e:
        ingo_signer.Verifier(key()).verify(
            "POST", TARGET, signed(algorithm="hmac-sha256"), BODY, now=NOW
        )
    assert e.value.kind == "verify.algorithm_not_allowed"
    legacy = ingo_signer.Verifier(key(), allow_legacy_sha256=True)
    assert (
        legacy.verify("POST", TARGET, signed(algorithm="hmac-sha256"), BODY, now=NOW).algorithm
        == "hmac-sha256"
    )


def test_a_str_is_not_a_list_of_required_headers() -> None:
    with pytest.raises(TypeError):
        ingo_signer.Verifier(key(), required_headers="host")


def test_pending_body_streams_and_finishes_once() -> None:
    pending = ingo_signer.Verifier(key()).verify_head("POST", TARGET, signed(), now=NOW)
    assert (pending.username, pending.content_length) == ("demo", len(BODY))
    for at in range(0, len(BODY), 100):
        pending.update(BODY[at : at + 100])
    assert pending.finish().username == "demo"
    with pytest.raises(RuntimeError, match="finished"):
        pending.finish()
    with pytest.raises(RuntimeError, match="finished"):
        pending.update(b"x")


def test_pending_body_stays_failed_after_an_overrun() -> None:
    pending = ingo_signer.Verifier(key()).verify_head("POST", TARGET, signed(), now=NOW)
    with pytest.raises(ingo_signer.VerifyError) as first:
        pending.update(BODY + b"x")
    with pytest.raises(ingo_signer.VerifyError) as again:
        pending.finish()
    assert first.value.kind == again.value.kind == "verify.content_length_mismatch"


def test_a_tampered_body_is_refused() -> None:
    """The vector harness's negative control: one flipped byte of an accepted request."""
    body = bytearray(BODY)
    body[100] ^= 1
    with pytest.raises(ingo_signer.VerifyError) as e:
        ingo_signer.Verifier(key()).verify("POST", TARGET, signed(), bytes(body), now=NOW)
    assert (e.value.kind, e.value.http_status) == ("digest.mismatch", 401)


def test_validate() -> None:
    assert ingo_signer.validate("session-create", BODY) == []
    bad = BODY.replace(b'"zip_code":"37233"', b'"zip_code":"3723"')
    [violation] = ingo_signer.validate("session-create", bad)
    assert (violation.path, violation.rule, violation.value) == (
        "recipient_information.zip_code",
        "zip",
        "3723",
    )
    assert violation.message == str(violation)
    assert violation.message.startswith('recipient_information.zip_code: "3723" must be 5 digits')
    no_email = BODY.replace(b',"email_address":"jack.frost@example.com"', b"")
    assert ingo_signer.validate("session-create", no_email) == []
    [required] = ingo_signer.validate("session-create", no_email, paypal=True)
    assert (required.path, required.rule) == ("recipient_information.email_address", "required")
    [json_error] = ingo_signer.validate("push-to-card", "{")
    assert (json_error.path, json_error.rule) == ("$", "json.unexpected_end")


def test_validate_refuses_options_of_the_other_endpoint() -> None:
    with pytest.raises(ValueError, match="sender=True applies to the push-to-card endpoint only"):
        ingo_signer.validate("session-create", BODY, sender=True)
    with pytest.raises(ValueError, match="paypal"):
        ingo_signer.validate("push-to-card", b"{}", paypal=True)
    with pytest.raises(ValueError, match="endpoint"):
        ingo_signer.validate("sessions", BODY)  # type: ignore[arg-type]


def _progress_during(work: Any) -> int:
    """How far a Python loop gets on this thread while ``work`` runs on another."""
    done = threading.Event()

    def run() -> None:
        work()
        done.set()

    thread = threading.Thread(target=run)
    count = 0
    thread.start()
    while not done.is_set():
        count += 1
    thread.join()
    return count


def test_the_gil_is_released_while_a_large_body_is_hashed() -> None:
    big = b"x" * (32 << 20)
    k = key()
    start = time.perf_counter()
    headers = ingo_signer.sign(k, "POST", "/", big, now=NOW)
    hashing = time.perf_counter() - start
    # The control: a call as long that keeps the GIL (sum over a range is one C call).
    n = 1
    while True:
        start = time.perf_counter()
        sum(range(n))
        if time.perf_counter() - start > hashing:
            break
        n *= 2
    verifier = ingo_signer.Verifier(k, max_body=len(big))
    pending = verifier.verify_head("POST", "/", headers, now=NOW)
    # A short switch interval: the main thread gets little time before the worker takes the GIL.
    interval = sys.getswitchinterval()
    sys.setswitchinterval(0.0005)
    try:
        held = _progress_during(lambda: sum(range(n)))
        signing = _progress_during(lambda: ingo_signer.sign(k, "POST", "/", big, now=NOW))
        streaming = _progress_during(lambda: pending.update(big))
    finally:
        sys.setswitchinterval(interval)
    assert signing > 10 * max(held, 1000), (held, signing)
    assert streaming > 10 * max(held, 1000), (held, streaming)
    assert pending.finish().username == "demo"


def test_version() -> None:
    assert ingo_signer.__version__.count(".") == 2


def test_all_is_the_public_api() -> None:
    names: List[str] = ingo_signer.__all__
    assert all(hasattr(ingo_signer, n) for n in names)
    assert ingo_signer.SigningKey.__module__ == "ingo_signer"
