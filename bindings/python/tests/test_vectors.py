"""Every vector of test-vectors/ through the package: signing, accept and reject.

Each request is verified one-shot and head first (streamed in 7-byte chunks and in one chunk);
a reject vector must fail with its exact kind and HTTP status both ways, an accepted one must
name its username and algorithm. Where a vector's signed list is one that ``sign`` writes, the
package must reproduce the vector's headers byte for byte (the vectors come from the
independent Python generator, test-vectors/generate.py).
"""

from __future__ import annotations

import calendar
import email.utils
from typing import Any, Dict, List, Optional, Tuple

import pytest

import ingo_signer
from conftest import load_vectors

CASES = load_vectors()


def test_every_vector_is_collected() -> None:
    groups = {
        g: sum(1 for group, _ in CASES if group == g) for g in ("signing", "accept", "reject")
    }
    # The counts when this suite was written; vectors may be added, never silently lost.
    assert groups["signing"] >= 42 and groups["accept"] >= 29 and groups["reject"] >= 170, groups
    assert len({v["name"] for _, v in CASES}) == len(CASES)


def _verifier(v: Dict[str, Any]) -> ingo_signer.Verifier:
    keys = []
    for k in v["keys"]:
        try:
            keys.append(ingo_signer.SigningKey(k["username"], k["secret"]))
        except ingo_signer.InvalidKeyError as e:
            # A username no key can have (a backslash, 257 bytes) stays out of the store; those
            # vectors fail on the Authorization grammar first.
            assert e.kind == "key.username" and e.http_status is None, e
    p = v["policy"]
    return ingo_signer.Verifier(
        keys,
        max_skew=p["max_skew"],
        allow_legacy_sha256=p["allow_legacy_sha256"],
        max_body=p["max_body"],
        required_headers=p["required_headers"],
    )


def _verify(
    v: Dict[str, Any],
) -> Tuple[Optional[ingo_signer.Verified], Optional[ingo_signer.VerifyError]]:
    req = v["request"]
    headers = [(n, value) for n, value in req["headers"]]
    try:
        verified = _verifier(v).verify(
            req["method"],
            req["target"],
            headers,
            req["body"].encode("utf-8"),
            now=v["now"],
            http_version=req["version"],
        )
        return verified, None
    except ingo_signer.VerifyError as e:
        return None, e


def _verify_streaming(
    v: Dict[str, Any], chunk: int
) -> Tuple[Optional[ingo_signer.Verified], Optional[ingo_signer.VerifyError]]:
    req = v["request"]
    body = req["body"].encode("utf-8")
    try:
        pending = _verifier(v).verify_head(
            req["method"], req["target"], req["headers"], now=v["now"], http_version=req["version"]
        )
    except ingo_signer.VerifyError as e:
        return None, e
    assert pending.content_length >= 0
    for at in range(0, len(body), chunk):
        try:
            pending.update(body[at : at + chunk])
        except ingo_signer.VerifyError:
            break  # remembered: finish raises it again
    try:
        return pending.finish(), None
    except ingo_signer.VerifyError as e:
        return None, e


def _header(v: Dict[str, Any], name: str) -> Optional[str]:
    for n, value in v["request"]["headers"]:
        if n.lower() == name:
            return str(value).strip(" \t")
    return None


def _check_signer(v: Dict[str, Any]) -> bool:
    """Signs the vector's request with ``sign`` where its list is one sign writes; False when
    it is not (a list in another order, or without the digest)."""
    names: List[str] = v["signed_headers"]
    digest = "content-sha256" if v["algorithm"] == "hmac-sha256" else "content-sha512"
    first = ["request-line", "x-date", "content-type"]
    if names[:5] == first + ["content-length", digest]:
        order = "digest-last"
    elif names[:5] == first + [digest, "content-length"]:
        order = "length-last"
    else:
        return False
    req = v["request"]
    x_date = _header(v, "x-date")
    assert x_date is not None
    parsed = email.utils.parsedate(x_date)
    assert parsed is not None
    key = ingo_signer.SigningKey(v["username"], v["secret"])
    signed = ingo_signer.sign(
        key,
        req["method"],
        req["target"],
        req["body"].encode("utf-8"),
        now=calendar.timegm(parsed),
        content_type=_header(v, "content-type"),
        algorithm=v["algorithm"],
        order=order,  # type: ignore[arg-type]
        http_version=req["version"],
        extra_headers=[(n, _header(v, n) or "") for n in names[5:]],
    )
    wire_digest = "Content-sha256" if digest == "content-sha256" else "Content-sha512"
    assert list(signed) == [
        "X-Date",
        "Content-Type",
        "Content-Length",
        wire_digest,
        "Authorization",
    ]
    assert signed["X-Date"] == x_date
    assert signed["Content-Type"] == _header(v, "content-type")
    assert signed["Content-Length"] == _header(v, "content-length")
    assert signed[wire_digest] == v["digest"]
    assert signed["Authorization"] == v["authorization"]
    return True


@pytest.mark.parametrize("group,vector", CASES, ids=[v["name"] for _, v in CASES])
def test_vector(group: str, vector: Dict[str, Any]) -> None:
    verified, error = _verify(vector)
    for chunk in (7, max(len(vector["request"]["body"].encode("utf-8")), 1)):
        streamed, streamed_error = _verify_streaming(vector, chunk)
        assert (streamed_error and streamed_error.kind) == (error and error.kind)
    if group == "reject":
        assert error is not None, "accepted a request the vector rejects"
        assert error.kind == vector["expected_error"], error.message
        assert error.http_status == vector["http_status"]
        assert error.message  # the core's full message, never empty
        assert vector["secret"] not in error.message
    else:
        assert error is None, f"{error and error.kind}: {error and error.message}"
        assert verified is not None and streamed is not None
        assert verified.username == vector["username"] == streamed.username
        assert verified.algorithm == vector["algorithm"]
        assert verified.key_index == streamed.key_index


SIGNABLE = [v for group, v in CASES if group == "signing"]


@pytest.mark.parametrize("vector", SIGNABLE, ids=[v["name"] for v in SIGNABLE])
def test_sign_reproduces_vector(vector: Dict[str, Any]) -> None:
    if not _check_signer(vector):
        pytest.skip("signed list is not one sign() writes (it is checked by verification)")


def test_most_signing_vectors_are_reproduced() -> None:
    reproduced = sum(_check_signer(v) for v in SIGNABLE)
    assert reproduced >= len(SIGNABLE) // 2, reproduced
