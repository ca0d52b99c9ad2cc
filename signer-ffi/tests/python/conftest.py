"""ctypes bindings of libingo_signer.so for the tests, declared from include/ingo_signer.h.

The library is the one named by $INGO_SIGNER_LIB (signer-ffi/ci.sh sets it), else the release
build under $CARGO_TARGET_DIR or ./target. Constants are read from the committed header, so
the tests use the numbers a C program compiles against.
"""

import ctypes
import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
HEADER = ROOT / "signer-ffi" / "include" / "ingo_signer.h"


def _constants():
    defines = re.findall(r"^#define (INGO_\w+) (\d+)$", HEADER.read_text(), re.M)
    return {name: int(value) for name, value in defines}


H = _constants()


def _library_path():
    explicit = os.environ.get("INGO_SIGNER_LIB")
    if explicit:
        return explicit
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    return str(target / "release" / "libingo_signer.so")


lib = ctypes.CDLL(_library_path())

c_char_p = ctypes.c_char_p
size_t = ctypes.c_size_t


class IngoStr(ctypes.Structure):
    _fields_ = [("ptr", ctypes.c_void_p), ("len", size_t)]


class IngoHeader(ctypes.Structure):
    _fields_ = [("name", IngoStr), ("value", IngoStr)]


class IngoBuf(ctypes.Structure):
    _fields_ = [("ptr", ctypes.c_void_p), ("cap", size_t), ("len", size_t)]


class IngoSignRequest(ctypes.Structure):
    _fields_ = [
        ("method", IngoStr),
        ("target", IngoStr),
        ("content_type", IngoStr),
        ("body", IngoStr),
        ("extra_headers", ctypes.POINTER(IngoHeader)),
        ("extra_headers_len", size_t),
        ("algorithm", ctypes.c_int32),
        ("version", ctypes.c_int32),
        ("order", ctypes.c_int32),
    ]


class IngoSigned(ctypes.Structure):
    _fields_ = [
        ("x_date", IngoBuf),
        ("content_type", IngoStr),
        ("content_length", IngoBuf),
        ("digest_header", c_char_p),
        ("digest", IngoBuf),
        ("authorization", IngoBuf),
    ]


class IngoRequestHead(ctypes.Structure):
    _fields_ = [
        ("method", IngoStr),
        ("target", IngoStr),
        ("version", ctypes.c_int32),
        ("headers", ctypes.POINTER(IngoHeader)),
        ("headers_len", size_t),
    ]


class IngoPolicy(ctypes.Structure):
    _fields_ = [
        ("allow_legacy_sha256", ctypes.c_uint8),
        ("max_skew", ctypes.c_uint64),
        ("max_body", ctypes.c_uint64),
        ("required_headers", ctypes.POINTER(IngoStr)),
        ("required_headers_len", size_t),
    ]


class IngoVerified(ctypes.Structure):
    _fields_ = [
        ("username", ctypes.c_char * H["INGO_USERNAME_BUF"]),
        ("username_len", size_t),
        ("algorithm", ctypes.c_int32),
        ("key_index", size_t),
        ("x_date", ctypes.c_uint64),
        ("replay_key", ctypes.c_uint8 * H["INGO_REPLAY_KEY_LEN"]),
    ]


class IngoPending(ctypes.Structure):
    # 16-byte aligned in C; ctypes before Python 3.13 cannot say so, see `Pending` below.
    _fields_ = [("opaque", ctypes.c_uint64 * H["INGO_PENDING_WORDS"])]


KeyP = ctypes.c_void_p
KeysP = ctypes.POINTER(ctypes.c_void_p)
i32 = ctypes.c_int32


def _declare(name, restype, *argtypes):
    f = getattr(lib, name)
    f.restype = restype
    f.argtypes = list(argtypes)


_declare("ingo_abi_version", ctypes.c_uint32)
_declare("ingo_version", c_char_p)
_declare("ingo_error_message", c_char_p, i32)
_declare("ingo_error_kind", c_char_p, i32)
_declare("ingo_error_http_status", i32, i32)
_declare("ingo_last_error_message", size_t, ctypes.c_char_p, size_t)
_declare("ingo_last_error_client_message", size_t, ctypes.c_char_p, size_t)
_declare("ingo_error_for_client", i32, i32)
_declare("ingo_key_new", i32, c_char_p, size_t, c_char_p, size_t, ctypes.POINTER(KeyP))
_declare("ingo_key_free", None, KeyP)
_declare("ingo_sign", i32, KeyP, ctypes.POINTER(IngoSignRequest), ctypes.c_uint64,
         ctypes.POINTER(IngoSigned))
_declare("ingo_sign_head", i32, KeyP, i32, c_char_p, size_t, ctypes.POINTER(IngoRequestHead),
         ctypes.POINTER(IngoBuf))
_declare("ingo_signing_string", i32, c_char_p, size_t, ctypes.POINTER(IngoRequestHead),
         ctypes.POINTER(IngoBuf))
_declare("ingo_body_digest", i32, i32, c_char_p, size_t, ctypes.POINTER(IngoBuf))
_declare("ingo_policy_default", IngoPolicy)
_declare("ingo_verify", i32, KeysP, size_t, ctypes.POINTER(IngoPolicy),
         ctypes.POINTER(IngoRequestHead), c_char_p, size_t, ctypes.c_uint64,
         ctypes.POINTER(IngoVerified))
_declare("ingo_verify_head", i32, KeysP, size_t, ctypes.POINTER(IngoPolicy),
         ctypes.POINTER(IngoRequestHead), ctypes.c_uint64, ctypes.c_void_p)
_declare("ingo_pending_update", i32, ctypes.c_void_p, c_char_p, size_t)
_declare("ingo_pending_finish", i32, ctypes.c_void_p, ctypes.POINTER(IngoVerified))
_declare("ingo_pending_discard", None, ctypes.c_void_p)
_declare("ingo_pending_content_length", i32, ctypes.c_void_p, ctypes.POINTER(ctypes.c_uint64))
_declare("ingo_pending_username", i32, ctypes.c_void_p, ctypes.POINTER(IngoBuf))
_declare("ingo_pending_x_date", i32, ctypes.c_void_p, ctypes.POINTER(ctypes.c_uint64))
_declare("ingo_pending_replay_key", i32, ctypes.c_void_p,
         ctypes.POINTER(ctypes.c_uint8 * H["INGO_REPLAY_KEY_LEN"]))
_declare("ingo_replay_expires_at", ctypes.c_uint64, ctypes.c_uint64, ctypes.c_uint64)
_declare("ingo_payload_validate", i32, i32, ctypes.c_uint32, c_char_p, size_t,
         ctypes.POINTER(IngoBuf), ctypes.POINTER(size_t))
_declare("ingo_idempotency_key_validate", i32, c_char_p, size_t)


class Bytes:
    """Keeps byte strings alive while C holds pointers to them."""

    def __init__(self):
        self._keep = []

    def str(self, data):
        if isinstance(data, str):
            data = data.encode("utf-8")
        buf = ctypes.create_string_buffer(data, len(data) or 1)
        self._keep.append(buf)
        return IngoStr(ctypes.cast(buf, ctypes.c_void_p), len(data))

    def headers(self, pairs):
        arr = (IngoHeader * max(len(pairs), 1))()
        for i, (name, value) in enumerate(pairs):
            arr[i] = IngoHeader(self.str(name), self.str(value))
        self._keep.append(arr)
        return arr, len(pairs)

    def names(self, names):
        arr = (IngoStr * max(len(names), 1))()
        for i, name in enumerate(names):
            arr[i] = self.str(name)
        self._keep.append(arr)
        return arr, len(names)


class Out:
    """An IngoBuf over a fresh buffer of `cap` bytes."""

    def __init__(self, cap=4096):
        self.raw = ctypes.create_string_buffer(cap) if cap else None
        self.buf = IngoBuf(ctypes.cast(self.raw, ctypes.c_void_p) if cap else None, cap, 0)

    @property
    def text(self):
        return self.raw.raw[: self.buf.len].decode("utf-8") if self.raw else ""

    @property
    def c_string(self):
        """What a C caller sees: up to the NUL."""
        return self.raw.value.decode("utf-8")


class Pending:
    """An IngoPending, 16-byte aligned by hand inside a larger ctypes buffer."""

    def __init__(self):
        size = ctypes.sizeof(IngoPending)
        self._raw = ctypes.create_string_buffer(size + 16)
        address = ctypes.addressof(self._raw)
        self.ptr = ctypes.c_void_p(address + (-address % 16))


def code_kind(code):
    return lib.ingo_error_kind(code).decode()


def last_message():
    n = lib.ingo_last_error_message(None, 0)
    buf = ctypes.create_string_buffer(n + 1)
    lib.ingo_last_error_message(buf, n + 1)
    return buf.value.decode("utf-8")


class Keys:
    """Key handles for a store; freed on close."""

    def __init__(self, pairs):
        self.handles = []
        for username, secret in pairs:
            handle = KeyP()
            u, s = username.encode(), secret.encode()
            code = lib.ingo_key_new(u, len(u), s, len(s), ctypes.byref(handle))
            if code == 0:
                self.handles.append(handle.value)
            else:
                # A username no key can have (a backslash) stays out of the store; those
                # vectors fail on the Authorization grammar first.
                assert code_kind(code) == "key.username", last_message()
                assert handle.value is None
        self.array = (ctypes.c_void_p * max(len(self.handles), 1))(*self.handles)

    def close(self):
        for handle in self.handles:
            lib.ingo_key_free(handle)
        self.handles = []


@pytest.fixture
def keys_factory():
    made = []

    def make(pairs):
        keys = Keys(pairs)
        made.append(keys)
        return keys

    yield make
    for keys in made:
        keys.close()
