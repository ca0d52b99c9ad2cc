"""The module in real nginx, beyond the vectors: the FFI layout against the C compiler's, the
answer's shape, the username header, bodies over the limit, stalled and chunked bodies,
keep-alive, configuration errors at load, the key sources, a reload, and run.sh as shipped."""

import json
import os
import re
import signal
import socket
import subprocess
import time

import pytest

from conftest import (DEMO_ACCESS, DEMO_INIT, DEMO_SECRET, DEMO_USER, HERE, ROOT, free_port, raw_request, read_response, send_raw, sign, wait_for_port)

BODY = b'{"participant_unique_id1":"70646041"}'
TARGET = "/api/v1/sessions/point-in-time/plugin"


def signed(body=BODY, target=TARGET, **kwargs):
    return [("Host", "127.0.0.1")] + sign("POST", target, body, **kwargs)


# ------------------------------------------------------------------------------------------
# The FFI's view of the header's types is the C compiler's.
# ------------------------------------------------------------------------------------------

def header_fields():
    """(struct, field) for every field of every struct in ingo_signer.h."""
    text = (ROOT / "signer-ffi/include/ingo_signer.h").read_text()
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    out = []
    for name, body in re.findall(r"typedef struct (?:INGO_ALIGNED\(\d+\) )?(\w+) \{(.*?)\} \1;",
                                 text, re.S):
        for decl in body.split(";"):
            m = re.search(r"(\w+)(\[\w+\])?\s*$", decl.strip())
            if m:
                out.append((name, m.group(1)))
    return out


def test_ffi_layout_is_the_c_compilers(tmp_path, nginx_factory):
    fields = header_fields()
    structs = sorted({s for s, _ in fields})
    assert "IngoPending" in structs and len(fields) > 30
    src = ['#include <stdalign.h>', '#include <stddef.h>', '#include <stdio.h>',
           '#include "ingo_signer.h"', "int main(void) {"]
    for s in structs:
        src.append(f'  printf("{s} %zu %zu\\n", sizeof({s}), alignof({s}));')
    for s, f in fields:
        src.append(f'  printf("{s}.{f} %zu\\n", offsetof({s}, {f}));')
    src.append("  return 0;\n}")
    (tmp_path / "layout.c").write_text("\n".join(src))
    subprocess.run(["gcc", "-std=c11", "-I", str(ROOT / "signer-ffi/include"),
                    str(tmp_path / "layout.c"), "-o", str(tmp_path / "layout")], check=True)
    from_c = subprocess.run([str(tmp_path / "layout")], capture_output=True, check=True,
                            text=True).stdout.splitlines()

    probe = """
        location = /layout {
            content_by_lua_block {
                local ffi = require("ffi")
                require("resty.ingo_signer")
                local want = require("cjson").decode(ngx.req.get_uri_args().q)
                local out = {}
                for _, s in ipairs(want.structs) do
                    out[#out + 1] = s .. " " .. ffi.sizeof(s) .. " " .. ffi.alignof(s)
                end
                for _, f in ipairs(want.fields) do
                    out[#out + 1] = f[1] .. "." .. f[2] .. " " .. ffi.offsetof(f[1], f[2])
                end
                -- What the module allocates per request is as aligned as the type says.
                for _ = 1, 64 do
                    local p = ffi.new("IngoPending")
                    if tonumber(ffi.cast("uintptr_t", ffi.cast("void *", p))) % 16 ~= 0 then
                        out[#out + 1] = "misaligned IngoPending"
                    end
                end
                ngx.print(table.concat(out, "\\n"), "\\n")
            }
        }"""
    ngx = nginx_factory(init=DEMO_INIT, access=DEMO_ACCESS, extra_server=probe)
    q = json.dumps({"structs": structs, "fields": fields})
    from urllib.parse import quote
    r = ngx.request("GET", "/layout?q=" + quote(q))
    assert r.status == 200, r
    assert r.body.decode().splitlines() == from_c


# ------------------------------------------------------------------------------------------
# Answers
# ------------------------------------------------------------------------------------------

def test_a_verified_request_reaches_the_upstream_as_sent(demo, upstream):
    headers = signed() + [("X-Ingo-Username", "mallory"), ("X-Ingo-Username", "eve"),
                          ("X-Test-Id", "spoof")]
    resp = send_raw(demo.port, raw_request("POST", TARGET, headers, BODY))
    assert resp.status == 200, resp
    [seen] = upstream.requests
    assert seen["body"] == BODY and seen["path"] == TARGET
    assert upstream.header_values("X-Ingo-Username") == [[DEMO_USER]]
    assert demo.next_access_line("spoof") == f"spoof|200|-|{DEMO_USER}"


def test_a_refusal_is_the_layers_answer(demo, upstream):
    headers = signed(secret="not-the-secret") + [("X-Test-Id", "wrong")]
    resp = send_raw(demo.port, raw_request("POST", TARGET, headers, BODY))
    assert resp.status == 401
    assert resp.header("www-authenticate") == "hmac"
    assert resp.header("content-type") == "application/json"
    body = resp.json()
    assert list(body) == ["status", "client_message"]
    assert body["status"] == 401 and "signature does not match" in body["client_message"]
    # The kind is in the log, not in the answer.
    assert "signature_mismatch" not in resp.body.decode()
    assert not any("ingo" in h for h in resp.headers if h != "www-authenticate")
    assert demo.next_access_line("wrong") == "wrong|401|verify.signature_mismatch|-"
    assert re.search(r"\[info\].*ingo_signer: refused with 401 \(verify\.signature_mismatch\)",
                     demo.error_log())
    assert upstream.requests == []


def test_an_unknown_username_is_refused_and_logged(demo, upstream):
    headers = signed(user="nobody") + [("X-Test-Id", "who")]
    resp = send_raw(demo.port, raw_request("POST", TARGET, headers, BODY))
    assert resp.status == 401 and resp.header("www-authenticate") == "hmac"
    # The client is told what a wrong signature is told (the core's for_client), so an answer
    # does not reveal which usernames exist; the log keeps the real kind.
    assert "signature does not match" in resp.json()["client_message"]
    assert "nobody" not in resp.body.decode() and "username" not in resp.body.decode()
    assert demo.next_access_line("who") == "who|401|verify.unknown_username|-"
    assert upstream.requests == []


# ------------------------------------------------------------------------------------------
# Bodies
# ------------------------------------------------------------------------------------------

def test_a_body_over_the_limit_is_refused_before_a_byte_is_read(demo, upstream):
    big = b"x" * 70000
    headers = signed(big) + [("X-Test-Id", "big")]
    with socket.create_connection(("127.0.0.1", demo.port), timeout=5) as sock:
        # The head only: the answer must come without the body.
        sock.sendall(raw_request("POST", TARGET, headers, b""))
        resp = read_response(sock)
    assert resp.status == 413, resp
    assert resp.header("www-authenticate") is None
    assert resp.json() == {"status": 413,
                           "client_message": "the body is larger than the limit of 65536 bytes"}
    assert demo.next_access_line("big") == "big|413|verify.body_too_large|-"
    # An unauthenticated head declaring a terabyte is refused at once too.
    headers = [("Host", "x"), ("Content-Length", str(10**12)), ("X-Test-Id", "tera")]
    with socket.create_connection(("127.0.0.1", demo.port), timeout=5) as sock:
        sock.sendall(raw_request("POST", TARGET, headers, b""))
        assert read_response(sock).status == 401
    assert demo.next_access_line("tera") == "tera|401|verify.missing_authorization|-"
    assert upstream.requests == []


def test_the_body_limit_is_the_configured_one(nginx_factory, upstream):
    init = DEMO_INIT.replace("} },", "} }, max_body = 40,")
    assert "max_body = 40" in init
    ngx = nginx_factory(init=init, access=DEMO_ACCESS)
    assert len(BODY) == 37
    assert send_raw(ngx.port, raw_request("POST", TARGET, signed(), BODY)).status == 200
    body = BODY + b"    "
    assert send_raw(ngx.port, raw_request("POST", TARGET, signed(body), body)).status == 413


def test_a_stalled_body_is_dropped_at_the_deadline(nginx_factory, upstream):
    ngx = nginx_factory(init=DEMO_INIT, access=DEMO_ACCESS, body_timeout="1s")
    socks = []
    started = time.monotonic()
    for i in range(40):
        sock = socket.create_connection(("127.0.0.1", ngx.port), timeout=10)
        # A valid head (each its own request) and half the body, then nothing.
        body = b'{"n":%d,"pad":"xxxxxxxxxxxxxxxx"}' % i
        sock.sendall(raw_request("POST", TARGET, signed(body) + [("X-Test-Id", f"stall{i}")],
                                 body[:20]))
        socks.append(sock)
    for sock in socks:
        assert sock.recv(1024) == b"", "nginx answered a stalled request"
        sock.close()
    assert time.monotonic() - started < 8
    lines = [ngx.next_access_line(f"stall{i}") for i in range(40)]
    assert all(line.split("|")[1:3] == ["408", "-"] for line in lines), lines
    assert upstream.requests == []
    # The worker goes on: the verifications in progress were discarded, nothing leaked.
    resp = send_raw(ngx.port, raw_request("POST", TARGET, signed(), BODY))
    assert resp.status == 200


def test_a_chunked_body_is_refused(demo, upstream):
    # Signed as usual, but framed with chunks instead of Content-Length.
    headers = [h for h in signed() if h[0] != "Content-Length"]
    chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(BODY), BODY)
    resp = send_raw(demo.port, raw_request(
        "POST", TARGET, headers + [("Transfer-Encoding", "chunked"), ("X-Test-Id", "chunked")],
        chunked))
    assert resp.status == 400, resp
    # The core refuses Transfer-Encoding before anything else (request smuggling).
    assert demo.next_access_line("chunked") == "chunked|400|verify.transfer_encoding|-"
    # With Content-Length too, nginx refuses the request itself (request smuggling).
    resp = send_raw(demo.port, raw_request(
        "POST", TARGET, signed() + [("Transfer-Encoding", "chunked"), ("X-Test-Id", "both")],
        chunked))
    assert resp.status == 400
    # nginx refuses it while reading the head: no phase ran, so nothing set a kind.
    assert demo.next_access_line("both") == "both|400||"
    assert upstream.requests == []


def test_a_body_buffered_to_a_file_fails_closed(nginx_factory, upstream):
    """A body nginx keeps in a file (client_body_in_file_only, or client_body_buffer_size below
    max_body) gets 500 and a clear log line, never an unverified request."""
    ngx = nginx_factory(init=DEMO_INIT, access=DEMO_ACCESS,
                        extra_location="client_body_in_file_only on;")
    ngx.expect_error(r"ingo_signer: refused with 500 \(openresty\.body_buffered_to_file\): "
                     r"the request body was buffered to a file: set client_body_buffer_size")
    resp = send_raw(ngx.port, raw_request("POST", TARGET, signed() + [("X-Test-Id", "f")], BODY))
    assert resp.status == 500
    assert resp.json() == {"status": 500,
                           "client_message": "the gateway could not verify the request"}
    assert ngx.next_access_line("f") == "f|500|openresty.body_buffered_to_file|-"
    assert upstream.requests == []


# ------------------------------------------------------------------------------------------
# Connections
# ------------------------------------------------------------------------------------------

def test_keep_alive_carries_verified_and_refused_requests(demo, upstream):
    expected = []
    with socket.create_connection(("127.0.0.1", demo.port), timeout=5) as sock:
        for i in range(30):
            body = b'{"n":%d}' % i
            good = i % 3 != 0
            headers = signed(body, secret=DEMO_SECRET if good else "wrong-secret")
            sock.sendall(raw_request("POST", TARGET, headers + [("X-Test-Id", f"k{i}")], body))
            resp = read_response(sock)
            assert resp.status == (200 if good else 401), (i, resp)
            expected += [f"k{i}"] if good else []
    assert sorted(upstream.saw_test_ids()) == sorted(expected)


def test_a_refused_requests_body_is_never_a_request(demo, upstream):
    """The body of a refused request is read and dropped by nginx, not parsed as the next
    request, even when it holds a complete, validly signed request."""
    inner = raw_request("POST", TARGET, signed() + [("X-Test-Id", "smuggled")], BODY)
    outer_headers = signed(inner, secret="wrong-secret") + [("X-Test-Id", "outer")]
    after = raw_request("POST", TARGET, signed() + [("X-Test-Id", "after")], BODY)
    with socket.create_connection(("127.0.0.1", demo.port), timeout=5) as sock:
        sock.sendall(raw_request("POST", TARGET, outer_headers, inner))
        assert read_response(sock).status == 401
        sock.sendall(after)
        resp = read_response(sock)
    assert resp is None or resp.status == 200
    assert "smuggled" not in upstream.saw_test_ids()
    assert upstream.saw_test_ids() <= {"after"}


def test_an_absolute_form_target_is_judged_as_sent(demo, upstream):
    """`POST http://evil.example/... HTTP/1.1` signed as `POST /...`: nginx would route and
    proxy it by its path, but the verifier sees the target as it was on the wire."""
    headers = signed() + [("X-Test-Id", "absolute")]
    resp = send_raw(demo.port, raw_request("POST", "http://evil.example" + TARGET, headers,
                                           BODY))
    assert resp.status == 401
    assert demo.next_access_line("absolute") == "absolute|401|verify.signature_mismatch|-"
    assert upstream.requests == []


# ------------------------------------------------------------------------------------------
# Configuration and keys
# ------------------------------------------------------------------------------------------

SECRET = "s3cret-that-must-never-be-logged"


def start_with(nginx_factory, tmp_path, conf_lua, env=None, main=""):
    init = f"""
        local verifier, kind, err = require("resty.ingo_signer").new({conf_lua})
        if not verifier then
            error("resty.ingo_signer: " .. kind .. ": " .. err, 0)
        end
        ingo_verifier = verifier
"""
    ngx = nginx_factory(init=init, access=DEMO_ACCESS, start=False, env=env, main=main)
    return ngx, ngx.start()


BAD_CONFIGS = [
    ("{}", "config.invalid: no keys: give keys_file, keys_env or keys"),
    (f'{{ keys = {{ {{ username = "demo", secret = "{SECRET}" }} }}, max_skew = -1 }}',
     "config.invalid: max_skew must be a whole number of seconds"),
    (f'{{ keys = {{ {{ username = "demo", secret = "{SECRET}" }} }}, maxskew = 1 }}',
     "config.invalid: unknown option maxskew"),
    (f'{{ keys = {{ {{ username = [[de"mo]], secret = "{SECRET}" }} }} }}',
     "key.username: keys[1]: "),
    ('{ keys = { { username = "demo", secret = "" } } }', "key.empty_secret: keys[1]: "),
    ('{ keys_file = "/nonexistent/keys.json" }',
     "config.invalid: cannot read keys_file /nonexistent/keys.json"),
    ("{ keys_file = KEYS_FILE }", "must be JSON like"),
    ("{ keys = { { username = 'demo', secret_file = SECRET_FILE } } }",
     "starts with a UTF-8 byte order mark"),
    ("{ keys_env = 'INGO_ABSENT' }",
     "config.invalid: keys_env: INGO_ABSENT_USERNAME and INGO_ABSENT_SECRET must be set"),
]


@pytest.mark.parametrize("conf,message", BAD_CONFIGS)
def test_a_configuration_error_stops_nginx_with_the_reason(nginx_factory, tmp_path, conf,
                                                           message):
    keys_file = tmp_path / "keys.json"
    # Broken JSON around a secret: the message must not quote it.
    keys_file.write_text('{"keys": [{"username": "demo", "secret": "%s"}' % SECRET)
    secret_file = tmp_path / "secret"
    secret_file.write_bytes(b"\xef\xbb\xbf" + SECRET.encode())
    conf = conf.replace("KEYS_FILE", f'"{keys_file}"').replace("SECRET_FILE", f'"{secret_file}"')
    ngx, (ok, out) = start_with(nginx_factory, tmp_path, conf)
    assert not ok, "nginx started with a bad configuration"
    assert message in out, out
    assert SECRET not in out
    ngx.expect_error(r"\[(error|emerg)\]")


def test_keys_from_a_file_the_environment_and_a_secret_mount(nginx_factory, tmp_path, upstream):
    keys_file = tmp_path / "keys.json"
    keys_file.write_text(json.dumps({"keys": [{"username": "file-user", "secret": "file-s3cret"},
                                              {"username": "demo", "secret": DEMO_SECRET}]}))
    os.chmod(keys_file, 0o600)
    mount = tmp_path / "secrets"
    mount.mkdir()
    (mount / "mounted").write_text("mounted-s3cret\n")  # as `echo secret > file` writes it
    env = {"INGO_T_USERNAME": "env-user", "INGO_T_SECRET": "env-s3cret-new",
           "INGO_T_SECRET_PREVIOUS": "env-s3cret-old", "MOUNT_SECRET_VAR": "var-s3cret"}
    conf = f"""{{
            keys_file = "{keys_file}",
            keys_env = "INGO_T",
            keys = {{
                {{ username = "mounted", secret_file = "{mount / 'mounted'}" }},
                {{ username = "var-user", secret_env = "MOUNT_SECRET_VAR" }},
            }},
        }}"""
    main = "".join(f"env {name};\n" for name in env)
    ngx, (ok, out) = start_with(nginx_factory, tmp_path, conf, env=env, main=main)
    assert ok, out
    cases = [("file-user", "file-s3cret"), ("demo", DEMO_SECRET), ("env-user", "env-s3cret-new"),
             ("env-user", "env-s3cret-old"), ("mounted", "mounted-s3cret"),
             ("var-user", "var-s3cret")]
    for user, secret in cases:
        resp = send_raw(ngx.port, raw_request("POST", TARGET, signed(user=user, secret=secret),
                                              BODY))
        assert resp.status == 200, (user, resp)
        assert json.loads(resp.body)["user"] == user
    # The newline a secret file ends with is not part of the key.
    resp = send_raw(ngx.port, raw_request(
        "POST", TARGET, signed(user="mounted", secret="mounted-s3cret\n"), BODY))
    assert resp.status == 401
    ngx.stop()
    logs = "".join(p.read_text("utf-8", "replace") for p in (ngx.prefix / "logs").glob("*"))
    for _, secret in cases:
        assert secret not in logs


def test_a_reload_picks_up_rotated_keys(nginx_factory, tmp_path, upstream):
    keys_file = tmp_path / "keys.json"
    keys_file.write_text(json.dumps({"keys": [{"username": "demo", "secret": "old-secret"}]}))
    ngx, (ok, out) = start_with(nginx_factory, tmp_path, f'{{ keys_file = "{keys_file}" }}')
    assert ok, out

    def status(secret):
        return send_raw(ngx.port, raw_request("POST", TARGET, signed(secret=secret),
                                              BODY)).status

    assert (status("old-secret"), status("new-secret")) == (200, 401)
    keys_file.write_text(json.dumps({"keys": [{"username": "demo", "secret": "new-secret"}]}))
    ngx.proc.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + 10
    while status("new-secret") != 200:
        assert time.monotonic() < deadline, "the reload did not take the new key"
        time.sleep(0.1)
    assert status("old-secret") == 401


# ------------------------------------------------------------------------------------------
# run.sh, as an operator starts it
# ------------------------------------------------------------------------------------------

def test_run_sh_serves_the_example_configuration(upstream, tmp_path):
    listen = free_port()
    env = dict(os.environ, INGO_GATEWAY_LISTEN=f"127.0.0.1:{listen}",
               INGO_GATEWAY_UPSTREAM=f"127.0.0.1:{upstream.port}", TMPDIR=str(tmp_path))
    os.chmod(tmp_path, 0o755)
    proc = subprocess.Popen(["bash", str(HERE / "run.sh")], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    try:
        assert wait_for_port(listen, proc), proc.stdout.read().decode()
        ok = send_raw(listen, raw_request("POST", TARGET, signed(), BODY))
        assert ok.status == 200 and ok.json()["user"] == DEMO_USER
        refused = send_raw(listen, raw_request("POST", TARGET, [("Host", "x")], BODY))
        assert refused.status == 401
        runtime = [p for p in tmp_path.iterdir() if p.name.startswith("ingo-openresty.")]
        assert len(runtime) == 1
        deadline = time.monotonic() + 5
        while True:
            log = (runtime[0] / "logs" / "access.log").read_text()
            if "kind=verify.missing_authorization" in log or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        assert "kind=- user=demo" in log and "kind=verify.missing_authorization" in log
    finally:
        proc.send_signal(signal.SIGTERM)
        out = proc.communicate(timeout=15)[0].decode()
    assert proc.returncode == 0, out
    assert "[error]" not in out and "[emerg]" not in out, out
    # The runtime directory (and the key file in it) is gone.
    assert not [p for p in tmp_path.iterdir() if p.name.startswith("ingo-openresty.")]


def test_every_header_reaches_the_verifier_however_many(demo, upstream):
    """ngx.req.get_headers stops at 100 by default: the module asks for all of them, so a
    repeated signed header after a hundred others is still seen."""
    filler = [(f"X-Filler-{i}", "x") for i in range(150)]
    headers = signed() + [("X-Test-Id", "many")] + filler
    ok = send_raw(demo.port, raw_request("POST", TARGET, headers, BODY))
    assert ok.status == 200, ok
    repeated = headers + [("X-Date", dict(signed())["X-Date"]), ("X-Test-Id", "many-repeated")]
    resp = send_raw(demo.port, raw_request("POST", TARGET, repeated, BODY))
    assert resp.status == 400
    assert "x-date" in resp.json()["client_message"]
    assert upstream.saw_test_ids() == {"many"}


def test_http_0_9_is_refused_as_unsigned(demo, upstream):
    """nginx still serves HTTP/0.9 (`GET /path`, no headers, no status line): the module
    answers 505 with the reason, as the tower layer does for a version the protocol does not
    name, and logs std.unsupported_version."""
    mark = demo.log_mark()
    with socket.create_connection(("127.0.0.1", demo.port), timeout=5) as sock:
        sock.sendall(b"GET /x\r\n")
        answer = b""
        while chunk := sock.recv(4096):
            answer += chunk
    assert json.loads(answer) == {
        "status": 505,
        "client_message": "HTTP/0.9 cannot be signed; the protocol names HTTP/1.0, HTTP/1.1 "
                          "and HTTP/2 only"}
    assert demo.next_access_line(after=mark).split("|")[1:3] == ["505", "std.unsupported_version"]
    assert upstream.requests == []


def test_a_clock_that_returns_no_number_fails_closed(nginx_factory, upstream):
    ngx = nginx_factory(init=DEMO_INIT.replace("} },", "} }, clock = function() end,"),
                        access=DEMO_ACCESS)
    ngx.expect_error(r"refused with 500 \(openresty\.clock\): the configured clock returned nil")
    resp = send_raw(ngx.port, raw_request("POST", TARGET, signed() + [("X-Test-Id", "c")], BODY))
    assert resp.status == 500
    assert ngx.next_access_line("c") == "c|500|openresty.clock|-"
    assert upstream.requests == []
