# Sign a request, then verify it as a server would, through libingo_signer.so (ctypes).
# INGO_SIGNER_LIB=target/release/libingo_signer.so python3 examples/ffi/example.py
import ctypes, os, time

lib = ctypes.CDLL(os.environ.get("INGO_SIGNER_LIB", "libingo_signer.so"))
size_t, i32, u64, ptr, cstr = (ctypes.c_size_t, ctypes.c_int32, ctypes.c_uint64,
                               ctypes.c_void_p, ctypes.c_char_p)

class Str(ctypes.Structure):  # IngoStr: bytes as pointer and length
    _fields_ = [("ptr", cstr), ("len", size_t)]

class Buf(ctypes.Structure):  # IngoBuf: your buffer, its capacity, the length written
    _fields_ = [("ptr", ptr), ("cap", size_t), ("len", size_t)]

class Header(ctypes.Structure):
    _fields_ = [("name", Str), ("value", Str)]

class SignRequest(ctypes.Structure):
    _fields_ = [("method", Str), ("target", Str), ("content_type", Str), ("body", Str),
                ("extra_headers", ptr), ("extra_headers_len", size_t),
                ("algorithm", i32), ("version", i32), ("order", i32)]

class Signed(ctypes.Structure):
    _fields_ = [("x_date", Buf), ("content_type", Str), ("content_length", Buf),
                ("digest_header", cstr), ("digest", Buf), ("authorization", Buf)]

class RequestHead(ctypes.Structure):
    _fields_ = [("method", Str), ("target", Str), ("version", i32),
                ("headers", ctypes.POINTER(Header)), ("headers_len", size_t)]

def fn(name, restype, *argtypes):
    f = getattr(lib, name)
    f.restype, f.argtypes = restype, list(argtypes)
    return f

key_new = fn("ingo_key_new", i32, cstr, size_t, cstr, size_t, ctypes.POINTER(ptr))
key_free = fn("ingo_key_free", None, ptr)
sign = fn("ingo_sign", i32, ptr, ctypes.POINTER(SignRequest), u64, ctypes.POINTER(Signed))
verify = fn("ingo_verify", i32, ctypes.POINTER(ptr), size_t, ptr, ctypes.POINTER(RequestHead),
            cstr, size_t, u64, ptr)
error_kind = fn("ingo_error_kind", cstr, i32)
http_status = fn("ingo_error_http_status", i32, i32)

def s(data):
    return Str(data, len(data))

key = ptr()
secret = b"demo-secret-not-for-production"
assert key_new(b"demo", 4, secret, len(secret), ctypes.byref(key)) == 0

body = b'{"participant_unique_id1":"70646041"}'
method, target = b"POST", b"/api/v1/sessions/point-in-time/plugin"
raw = [ctypes.create_string_buffer(n) for n in (30, 21, 89, 2049)]  # INGO_*_MAX + 1
bufs = [Buf(ctypes.cast(b, ptr), len(b), 0) for b in raw]
out = Signed(x_date=bufs[0], content_length=bufs[1], digest=bufs[2], authorization=bufs[3])
now = int(time.time())
assert sign(key, SignRequest(method=s(method), target=s(target), body=s(body)), now, out) == 0
headers = [(b"X-Date", raw[0].value), (b"Content-Type", b"application/json"),
           (b"Content-Length", raw[1].value), (out.digest_header, raw[2].value),
           (b"Authorization", raw[3].value)]
for name, value in headers:
    print(name.decode() + ": " + value.decode())

# Verify as received; the key store is an array of handles, None is the default policy.
array = (Header * len(headers))(*(Header(s(n), s(v)) for n, v in headers))
head = RequestHead(s(method), s(target), 11, array, len(headers))  # 11: INGO_HTTP_1_1
keys = (ptr * 1)(key)
for sent in (body, body.replace(b"7", b"8")):
    code = verify(keys, 1, None, head, sent, len(sent), now, None)
    print("verified" if code == 0 else
          f"refused: {error_kind(code).decode()}, HTTP {http_status(code)}")
key_free(key)
