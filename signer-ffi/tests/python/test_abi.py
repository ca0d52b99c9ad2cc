"""The ABI's contract from Python: the code table, buffers, the pending state machine, threads."""

import base64
import ctypes
import hashlib
import re
import struct
import threading

import pytest

from conftest import (
    H,
    Bytes,
    IngoRequestHead,
    IngoSigned,
    IngoSignRequest,
    IngoVerified,
    Out,
    Pending,
    code_kind,
    last_message,
    lib,
)

NOW = 1_579_291_169
BODY = b'{"participant_unique_id1":"70646041"}'
DEMO = [("demo", "demo-secret-not-for-production")]


def codes():
    return {n: v for n, v in H.items() if n == "INGO_OK" or n.startswith("INGO_E_")}


def test_versions():
    assert lib.ingo_abi_version() == H["INGO_ABI_VERSION"]
    assert re.fullmatch(rb"\d+\.\d+\.\d+", lib.ingo_version())


def test_every_code_in_the_header_has_a_kind_message_and_status():
    table = codes()
    assert len(table) == 84
    assert len(set(table.values())) == len(table)
    kinds = {}
    for name, code in table.items():
        kind = code_kind(code)
        assert kind != "unknown", name
        # The constant's name is the kind, upper-cased, with E_ and FFI kinds folded.
        if "." in kind and not kind.startswith("ffi."):
            assert name == "INGO_E_" + kind.replace(".", "_").upper(), (name, kind)
        assert lib.ingo_error_message(code) != b"unknown error code"
        assert lib.ingo_error_http_status(code) in (0, 400, 401, 413, 503)
        kinds[kind] = code
    assert len(kinds) == len(table)
    assert code_kind(-1) == "unknown" and code_kind(11001) == "unknown"


def sign(key, mem, **fields):
    request = IngoSignRequest(
        method=mem.str("POST"), target=mem.str("/api/v1/sessions/point-in-time/plugin"),
        body=mem.str(BODY), **fields,
    )
    bufs = [Out(c) for c in (30, 21, 89, 2049)]
    signed = signed_into(bufs)
    code = lib.ingo_sign(key, ctypes.byref(request), NOW, ctypes.byref(signed))
    return code, signed, bufs


def signed_into(bufs):
    """An IngoSigned whose four buffers are `bufs`' (X-Date, length, digest, Authorization)."""
    return IngoSigned(x_date=bufs[0].buf, content_length=bufs[1].buf, digest=bufs[2].buf,
                      authorization=bufs[3].buf)


def head_of(mem, signed, bufs):
    pairs = [
        ("X-Date", bufs[0].c_string),
        ("Content-Type", ctypes.string_at(signed.content_type.ptr, signed.content_type.len)),
        ("Content-Length", bufs[1].c_string),
        (signed.digest_header, bufs[2].c_string),
        ("Authorization", bufs[3].c_string),
    ]
    headers, n = mem.headers(pairs)
    return IngoRequestHead(mem.str("POST"), mem.str("/api/v1/sessions/point-in-time/plugin"),
                           0, headers, n)


class SignedDemo:
    """The demo key, and the demo request it signed: the head as sent (`mem` keeps the bytes
    the head points to alive)."""

    def __init__(self, keys):
        self.keys = keys
        self.mem = Bytes()
        code, signed, bufs = sign(keys.handles[0], self.mem)
        assert code == 0
        self.head = head_of(self.mem, signed, bufs)
        self.authorization = bufs[3].c_string


@pytest.fixture
def demo(keys_factory):
    return SignedDemo(keys_factory(DEMO))


def test_sign_size_query_then_exact_buffers(keys_factory):
    keys = keys_factory(DEMO)
    mem = Bytes()
    request = IngoSignRequest(method=mem.str("POST"), target=mem.str("/p"), body=mem.str(BODY))
    query = IngoSigned()
    code = lib.ingo_sign(keys.handles[0], ctypes.byref(request), NOW, ctypes.byref(query))
    assert code == H["INGO_E_BUFFER_TOO_SMALL"]
    lengths = [query.x_date.len, query.content_length.len, query.digest.len,
               query.authorization.len]
    assert lengths[:3] == [H["INGO_X_DATE_LEN"], len(str(len(BODY))), H["INGO_DIGEST_SHA512_LEN"]]
    bufs = [Out(n + 1) for n in lengths]
    signed = signed_into(bufs)
    assert lib.ingo_sign(keys.handles[0], ctypes.byref(request), NOW, ctypes.byref(signed)) == 0
    assert bufs[0].c_string == "Fri, 17 Jan 2020 19:59:29 GMT"


def test_streaming_phases_and_misuse(demo):
    keys, head = demo.keys, demo.head
    pending = Pending()

    # Phase one: the head is authenticated before any of the body is read.
    assert lib.ingo_verify_head(keys.array, 1, None, ctypes.byref(head), NOW, pending.ptr) == 0
    name = Out(H["INGO_USERNAME_MAX"] + 1)
    assert lib.ingo_pending_username(pending.ptr, ctypes.byref(name.buf)) == 0
    assert name.text == "demo"
    # Phase two: the body in chunks, then the verdict.
    for at in range(0, len(BODY), 5):
        assert lib.ingo_pending_update(pending.ptr, BODY[at : at + 5], len(BODY[at : at + 5])) == 0
    out = IngoVerified()
    assert lib.ingo_pending_finish(pending.ptr, ctypes.byref(out)) == 0
    assert (out.username, out.algorithm, out.key_index) == (b"demo", H["INGO_HMAC_SHA512"], 0)
    # Finished: not in progress any more.
    assert lib.ingo_pending_update(pending.ptr, b"x", 1) == H["INGO_E_PENDING_STATE"]
    assert "not in progress" in last_message()

    # Misaligned storage is refused, never used.
    misaligned = ctypes.c_void_p(pending.ptr.value + 8)
    code = lib.ingo_verify_head(keys.array, 1, None, ctypes.byref(head), NOW, misaligned)
    assert code == H["INGO_E_INVALID_ARGUMENT"]

    # A tampered body fails at finish with the digest code, a 401.
    assert lib.ingo_verify_head(keys.array, 1, None, ctypes.byref(head), NOW, pending.ptr) == 0
    tampered = BODY.replace(b"7", b"8", 1)
    assert lib.ingo_pending_update(pending.ptr, tampered, len(tampered)) == 0
    code = lib.ingo_pending_finish(pending.ptr, None)
    assert code_kind(code) == "digest.mismatch"
    assert lib.ingo_error_http_status(code) == 401


def replay_key(username, algorithm, mac):
    """The documented derivation, computed here with hashlib (independent of the library)."""
    h = hashlib.new("sha512_256")
    h.update(b"ingo-signer replay key v1\0")
    for field in (username.encode(), algorithm.encode(), mac):
        h.update(struct.pack(">Q", len(field)))
        h.update(field)
    return h.digest()


def test_replay_key_and_x_date_before_the_body_and_after(demo):
    keys, head = demo.keys, demo.head
    mac = base64.b64decode(re.search(r'signature="([^"]+)"', demo.authorization).group(1))
    expected = replay_key("demo", "hmac-sha512", mac)
    pending = Pending()
    assert lib.ingo_verify_head(keys.array, 1, None, ctypes.byref(head), NOW, pending.ptr) == 0
    x_date = ctypes.c_uint64()
    assert lib.ingo_pending_x_date(pending.ptr, ctypes.byref(x_date)) == 0
    assert x_date.value == NOW
    key = (ctypes.c_uint8 * H["INGO_REPLAY_KEY_LEN"])()
    assert lib.ingo_pending_replay_key(pending.ptr, ctypes.byref(key)) == 0
    assert bytes(key) == expected
    assert lib.ingo_pending_update(pending.ptr, BODY, len(BODY)) == 0
    out = IngoVerified()
    assert lib.ingo_pending_finish(pending.ptr, ctypes.byref(out)) == 0
    assert (out.x_date, bytes(out.replay_key)) == (NOW, expected)
    # Finished: the pending state gives nothing any more.
    assert lib.ingo_pending_replay_key(pending.ptr, ctypes.byref(key)) == H["INGO_E_PENDING_STATE"]
    assert lib.ingo_pending_x_date(pending.ptr, ctypes.byref(x_date)) == H["INGO_E_PENDING_STATE"]
    # The entry outlives the last second a copy verifies, and no more.
    until = lib.ingo_replay_expires_at(NOW, 300)
    assert until == NOW + 301
    assert lib.ingo_verify(keys.array, 1, None, ctypes.byref(head), BODY, len(BODY), until - 1,
                           None) == 0
    code = lib.ingo_verify(keys.array, 1, None, ctypes.byref(head), BODY, len(BODY), until, None)
    assert code_kind(code) == "verify.date_skew"
    assert lib.ingo_replay_expires_at(2**64 - 1, 300) == 2**64 - 1
    for kind, status in (("verify.replayed", 401), ("verify.replay_unavailable", 503)):
        code = H["INGO_E_" + kind.replace(".", "_").upper()]
        assert code_kind(code) == kind and lib.ingo_error_http_status(code) == status


def test_payload_lines_and_truncation():
    body = (b'{"participant_unique_id1": "p-1", "recipient_information": '
            b'{"business_name": "Acme", "zip_code": "3723", "state": "XX"}}')
    out = Out(1024)
    count = ctypes.c_size_t()
    code = lib.ingo_payload_validate(H["INGO_ENDPOINT_SESSION_CREATE"], 0, body, len(body),
                                     ctypes.byref(out.buf), ctypes.byref(count))
    assert code_kind(code) == "payload.invalid"
    lines = out.text.splitlines()
    assert count.value == len(lines) == 2
    assert 'recipient_information.zip_code: "3723" must be 5 digits or 5+4 digits' in lines
    small = Out(len(lines[0]) + 2)
    lib.ingo_payload_validate(H["INGO_ENDPOINT_SESSION_CREATE"], 0, body, len(body),
                              ctypes.byref(small.buf), None)
    assert small.buf.len == out.buf.len
    assert small.c_string == lines[0] + "\n"  # whole lines only


def test_threads_share_keys_and_keep_their_own_last_error(demo):
    keys, head = demo.keys, demo.head
    results = {}
    barrier = threading.Barrier(4)

    def worker(index):
        barrier.wait()
        codes_seen = set()
        for _ in range(200):
            now = NOW if index % 2 == 0 else NOW + 10_000  # odd threads fail on the skew
            codes_seen.add(lib.ingo_verify(keys.array, 1, None, ctypes.byref(head), BODY,
                                           len(BODY), now, None))
        results[index] = (codes_seen, last_message())

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for index, (codes_seen, message) in results.items():
        if index % 2 == 0:
            assert codes_seen == {0} and message == ""
        else:
            assert codes_seen == {H["INGO_E_VERIFY_DATE_SKEW"]}
            assert message.startswith("x-date is 10000 s older than now"), message



def client_message():
    buf = ctypes.create_string_buffer(1024)
    lib.ingo_last_error_client_message(buf, len(buf))
    return buf.value.decode()


def test_a_freed_handle_is_refused_not_taken_for_the_next_key(keys_factory):
    mem = Bytes()
    alice = keys_factory([("alice", "alice-secret")])
    code, signed, bufs = sign(alice.handles[0], mem)
    assert code == 0
    head = head_of(mem, signed, bufs)
    stale = alice.handles[0]
    lib.ingo_key_free(stale)
    alice.handles.clear()  # freed here; the factory must not free it again (harmless anyway)
    mallory = keys_factory([("mallory", "mallory-secret")] * 8)
    assert stale not in mallory.handles
    assert sign(stale, mem)[0] == H["INGO_E_INVALID_HANDLE"]
    assert code_kind(H["INGO_E_INVALID_HANDLE"]) == "ffi.invalid_handle"
    assert "not a live key handle" in last_message()
    array = (ctypes.c_void_p * 2)(mallory.handles[0], stale)
    code = lib.ingo_verify(array, 2, None, ctypes.byref(head), BODY, len(BODY), NOW, None)
    assert code == H["INGO_E_INVALID_HANDLE"]
    lib.ingo_key_free(stale)  # a double free does nothing
    assert sign(mallory.handles[0], mem)[0] == 0


def test_an_unknown_username_is_told_as_a_mismatch(keys_factory):
    mem = Bytes()
    demo = keys_factory(DEMO)
    stranger = keys_factory([("stranger", DEMO[0][1])])
    wrong = keys_factory([("demo", "wrong")])
    answers = []
    for signer in (stranger, wrong):
        code, signed, bufs = sign(signer.handles[0], mem)
        assert code == 0
        head = head_of(mem, signed, bufs)
        code = lib.ingo_verify(demo.array, 1, None, ctypes.byref(head), BODY, len(BODY), NOW, None)
        told = lib.ingo_error_for_client(code)
        answers.append((code_kind(code), code_kind(told), lib.ingo_error_http_status(told),
                        client_message(), last_message()))
    (unknown, told_u, status_u, client_u, log_u), (mismatch, told_m, status_m, client_m, _) = answers
    assert (unknown, mismatch) == ("verify.unknown_username", "verify.signature_mismatch")
    assert (told_u, status_u, client_u) == (told_m, status_m, client_m)
    assert "not known" in log_u and "not known" not in client_u
    assert lib.ingo_error_for_client(-5) == -5


def test_transfer_encoding_and_fragment_are_refused(demo):
    keys, head = demo.keys, demo.head
    pairs = [(ctypes.string_at(head.headers[i].name.ptr, head.headers[i].name.len),
              ctypes.string_at(head.headers[i].value.ptr, head.headers[i].value.len))
             for i in range(head.headers_len)]
    mem = Bytes()
    headers, n = mem.headers(pairs + [(b"Transfer-Encoding", b"chunked")])
    chunked = IngoRequestHead(head.method, head.target, 0, headers, n)
    code = lib.ingo_verify(keys.array, 1, None, ctypes.byref(chunked), BODY, len(BODY), NOW, None)
    assert code_kind(code) == "verify.transfer_encoding"
    assert lib.ingo_error_http_status(code) == 400
    fragment = IngoRequestHead(mem.str("POST"), mem.str("/api/v1/sessions/point-in-time/plugin#x"),
                               0, head.headers, head.headers_len)
    code = lib.ingo_verify(keys.array, 1, None, ctypes.byref(fragment), BODY, len(BODY), NOW, None)
    assert code_kind(code) == "signing_string.target_fragment"
    assert lib.ingo_error_http_status(code) == 400
