"""Every vector of test-vectors/ through the C ABI (ctypes over libingo_signer.so).

Signing and accept vectors: each intermediate value (signing string, digest, signature or
canonical Authorization; ingo_sign's headers where the signed list is one it writes) and
verification, one-shot and head-first streaming. Reject vectors: the expected code and HTTP
status, one-shot and streaming alike.
"""

import calendar
import ctypes
import email.utils
import json

import pytest

from conftest import (
    H,
    ROOT,
    Bytes,
    IngoPolicy,
    IngoRequestHead,
    IngoSigned,
    IngoSignRequest,
    IngoVerified,
    Keys,
    Out,
    Pending,
    code_kind,
    last_message,
    lib,
)

VECTORS_DIR = ROOT / "test-vectors"
VERSIONS = {"1.0": H["INGO_HTTP_1_0"], "1.1": H["INGO_HTTP_1_1"], "2.0": H["INGO_HTTP_2"]}
ALGORITHMS = {"hmac-sha512": H["INGO_HMAC_SHA512"], "hmac-sha256": H["INGO_HMAC_SHA256"]}


def _load():
    signing = json.loads((VECTORS_DIR / "signing.json").read_text(encoding="utf-8"))
    verification = json.loads((VECTORS_DIR / "verification.json").read_text(encoding="utf-8"))
    cases = [("signing", v) for v in signing["vectors"]]
    cases += [("accept", v) for v in verification["accept"]]
    cases += [("reject", v) for v in verification["reject"]]
    return cases


CASES = _load()


def test_every_vector_is_collected():
    assert len(CASES) == 42 + 29 + 178
    assert len({v["name"] for _, v in CASES}) == len(CASES)


class Case:
    def __init__(self, vector, keys_factory):
        self.v = vector
        self.mem = Bytes()
        req = vector["request"]
        self.body = req["body"].encode("utf-8")
        headers, count = self.mem.headers(req["headers"])
        self.head = IngoRequestHead(
            self.mem.str(req["method"]),
            self.mem.str(req["target"]),
            VERSIONS[req["version"]],
            headers,
            count,
        )
        p = vector["policy"]
        names, n_names = self.mem.names(p["required_headers"])
        self.policy = IngoPolicy(
            int(p["allow_legacy_sha256"]), p["max_skew"], p["max_body"], names, n_names
        )
        self.keys = keys_factory([(k["username"], k["secret"]) for k in vector["keys"]])

    def verify(self):
        out = IngoVerified()
        code = lib.ingo_verify(
            self.keys.array, len(self.keys.handles), ctypes.byref(self.policy),
            ctypes.byref(self.head), self.body, len(self.body), self.v["now"], ctypes.byref(out),
        )
        return code, out

    def verify_streaming(self, chunk):
        pending = Pending()
        code = lib.ingo_verify_head(
            self.keys.array, len(self.keys.handles), ctypes.byref(self.policy),
            ctypes.byref(self.head), self.v["now"], pending.ptr,
        )
        out = IngoVerified()
        if code != 0:
            assert lib.ingo_pending_finish(pending.ptr, None) == H["INGO_E_PENDING_STATE"]
            return code, out
        declared = ctypes.c_uint64()
        assert lib.ingo_pending_content_length(pending.ptr, ctypes.byref(declared)) == 0
        for at in range(0, len(self.body), chunk):
            piece = self.body[at : at + chunk]
            if lib.ingo_pending_update(pending.ptr, piece, len(piece)) != 0:
                break  # remembered: finish reports it
        code = lib.ingo_pending_finish(pending.ptr, ctypes.byref(out))
        if code == 0:
            assert declared.value == len(self.body)
        return code, out


def _header(v, name):
    for n, value in v["request"]["headers"]:
        if n.lower() == name:
            return value.strip(" \t")
    return None


def _check_steps(case, canonical):
    v = case.v
    list_text = " ".join(v["signed_headers"]).encode()

    out = Out(16384)
    assert lib.ingo_signing_string(list_text, len(list_text), ctypes.byref(case.head),
                                   ctypes.byref(out.buf)) == 0, last_message()
    assert out.text == v["signing_string"]

    alg = H["INGO_DIGEST_SHA256"] if v["digest_header"] == "content-sha256" else 0
    out = Out(128)
    assert lib.ingo_body_digest(alg, case.body, len(case.body), ctypes.byref(out.buf)) == 0
    assert out.text == v["digest"]

    key = Keys([(v["username"], v["secret"])])
    try:
        out = Out(4096)
        assert lib.ingo_sign_head(key.handles[0], ALGORITHMS[v["algorithm"]], list_text,
                                  len(list_text), ctypes.byref(case.head),
                                  ctypes.byref(out.buf)) == 0, last_message()
        if canonical:
            assert out.text == v["authorization"]
        else:
            assert 'signature="%s"' % v["signature"] in out.text
        if canonical:
            _check_signer(case, key.handles[0])
    finally:
        key.close()


def _check_signer(case, key):
    """Where the list is one ingo_sign writes, its headers must be the vector's."""
    v = case.v
    names = v["signed_headers"]
    digest = "content-sha256" if v["algorithm"] == "hmac-sha256" else "content-sha512"
    first = ["request-line", "x-date", "content-type"]
    if names[:5] == first + ["content-length", digest]:
        order = H["INGO_ORDER_DIGEST_LAST"]
    elif names[:5] == first + [digest, "content-length"]:
        order = H["INGO_ORDER_LENGTH_LAST"]
    else:
        return
    mem = case.mem
    extras, n_extras = mem.headers([(n, _header(v, n)) for n in names[5:]])
    req = v["request"]
    request = IngoSignRequest(
        method=mem.str(req["method"]),
        target=mem.str(req["target"]),
        content_type=mem.str(_header(v, "content-type")),
        body=mem.str(case.body),
        extra_headers=extras,
        extra_headers_len=n_extras,
        algorithm=ALGORITHMS[v["algorithm"]],
        version=VERSIONS[req["version"]],
        order=order,
    )
    when = calendar.timegm(email.utils.parsedate(_header(v, "x-date")))
    bufs = [Out(c) for c in (30, 21, 89, 2049)]
    signed = IngoSigned(x_date=bufs[0].buf, content_length=bufs[1].buf, digest=bufs[2].buf,
                        authorization=bufs[3].buf)
    assert lib.ingo_sign(key, ctypes.byref(request), when, ctypes.byref(signed)) == 0, \
        last_message()
    for buf, field in zip(bufs, ("x_date", "content_length", "digest", "authorization")):
        buf.buf.len = getattr(signed, field).len
    assert bufs[0].text == _header(v, "x-date")
    assert bufs[1].text == _header(v, "content-length")
    assert bufs[2].text == v["digest"]
    assert bufs[3].text == v["authorization"]
    assert signed.digest_header.decode().lower() == digest
    assert ctypes.string_at(signed.content_type.ptr, signed.content_type.len).decode() == \
        _header(v, "content-type")


@pytest.mark.parametrize("group,vector", CASES, ids=[v["name"] for _, v in CASES])
def test_vector(group, vector, keys_factory):
    case = Case(vector, keys_factory)
    code, verified = case.verify()
    message = last_message()
    for chunk in (7, max(len(case.body), 1)):
        streamed, streamed_out = case.verify_streaming(chunk)
        assert streamed == code, (code_kind(code), code_kind(streamed))
    if group == "reject":
        assert code_kind(code) == vector["expected_error"], message
        assert lib.ingo_error_http_status(code) == vector["http_status"]
        assert message  # the core's full message, never empty
    else:
        assert code == 0, f"{code_kind(code)}: {message}"
        assert verified.username.decode() == vector["username"]
        assert verified.username_len == len(vector["username"])
        assert verified.algorithm == ALGORITHMS[vector["algorithm"]]
        assert (streamed_out.username, streamed_out.key_index) == (
            verified.username, verified.key_index)
        _check_steps(case, canonical=(group == "signing"))
