"""Every vector of test-vectors/ sent as a real request, byte for byte, through real nginx.

Each vector's key store and policy become one verifier in init_by_lua; the request carries
`X-Test-Config` (which verifier) and `X-Test-Now` (the vector's clock: the test configuration's
`clock` reads it; the example configuration uses ngx.time), both unsigned, and `X-Test-Id`. An
unsigned `Host` is added when the vector has none (HTTP/1.1 requires one) unless the vector signs
`host`.

- signing and accept vectors: 200 from the upstream, which saw the exact body and the vector's
  username in X-Ingo-Username;
- reject vectors: the vector's status, the JSON refusal (WWW-Authenticate on 401), the vector's
  kind in the access log, and nothing at the upstream;
- a few vectors never reach the verifier because nginx's own parser refuses them first: each is
  listed in NGINX_REFUSES with what nginx does and why, and is checked to be exactly that (and
  never accepted). A vector not listed must get the core's verdict.

The whole set runs twice (Test::Nginx's repeat_each(2)).
"""

import json
import os

import pytest

from conftest import VECTORS, lua_string, raw_request, send_h2, send_raw

# Vectors nginx 1.22 answers itself, before any phase handler runs: the verifier never sees
# them (nothing is logged with a kind) and the upstream never does either. Each is refused;
# none can be accepted. name: (the status nginx logs, what nginx does).
NGINX_REFUSES = {
    "invalid-method-space": (400, "a space inside the method splits the request line; nginx "
                                  "refuses the line"),
    "invalid-method-empty": (400, "a request line that starts with a space is not one"),
    "invalid-target-space": (400, "a space inside the query: nginx refuses the request line"),
    "listed-header-absent-host": (400, "HTTP/1.1 without Host is refused by nginx (RFC 9112 "
                                       "§3.2) before the verifier could say the signed host is "
                                       "missing"),
    "authorization-repeated": (400, "nginx refuses a repeated Authorization header itself"),
    "authorization-repeated-differing-case": (400, "the same: header names are "
                                                   "case-insensitive to nginx too"),
    "repeated-extra-header": (400, "nginx refuses a repeated Host header"),
    "header-value-cr": (400, "a bare CR inside a header value: nginx refuses the line"),
    "header-value-nul": (400, "a NUL inside a header value: nginx refuses the line"),
    "header-value-obs-fold": (400, "a line folded onto the next (obs-fold): nginx refuses the "
                                   "continuation line"),
    "content-length-plus-sign": (400, "nginx parses Content-Length itself and refuses a sign"),
    "content-length-minus-sign": (400, "likewise a minus sign"),
    "content-length-inner-spaces": (400, "likewise spaces inside the number"),
    "content-length-decimal-point": (400, "likewise a decimal point"),
    "content-length-hex": (400, "likewise hex digits"),
    "content-length-empty": (400, "likewise an empty value"),
    "content-length-over-u64": (400, "likewise a number nginx cannot hold"),
    "body-shorter-than-declared": (408, "nginx frames the body by Content-Length: a body one "
                                        "byte short is a stalled body, dropped at "
                                        "client_body_timeout without an answer"),
    "body-empty-declared-nonzero": (408, "the same: the declared bytes never come"),
    "unknown-username-with-header-missing": (400, "its signed Host is absent: HTTP/1.1 without "
                                                  "Host is refused by nginx, as above"),
    "transfer-encoding-chunked": (400, "Transfer-Encoding with Content-Length: nginx refuses "
                                       "the request itself (request smuggling, RFC 9112 §6.3); "
                                       "chunked alone reaches the core (test_gateway.py)"),
    "transfer-encoding-signed": (501, "Transfer-Encoding: identity: nginx implements only "
                                      "chunked and answers 501 itself"),
    "transfer-encoding-lower-case-no-authorization": (400, "the same, the name in lower case"),
}

# Vectors nginx reshapes before the verifier sees them: the verifier refuses what it gets,
# with another kind than the vector's. name: (kind, status, what nginx does).
NGINX_RESHAPES = {
    "header-value-lf": ("verify.signature_mismatch", 401,
                        "nginx ends a header line at a bare LF and drops the rest, a line "
                        "without a colon (ignore_invalid_headers): the signed value arrives "
                        "cut short"),
    "header-value-crlf-injection": ("signing_string.header_repeated", 400,
                                    "the CRLF ends the Host line, so the injected X-Date is "
                                    "a second X-Date header"),
    "body-longer-than-declared": ("digest.mismatch", 401,
                                  "nginx reads exactly Content-Length bytes: the verifier gets "
                                  "the body one byte short (the extra byte is the start of the "
                                  "next request on the connection, which nginx refuses)"),
}


def load_vectors():
    signing = json.loads((VECTORS / "signing.json").read_text("utf-8"))
    verification = json.loads((VECTORS / "verification.json").read_text("utf-8"))
    out = []
    for group, vectors in (("signing", signing["vectors"]), ("accept", verification["accept"]),
                           ("reject", verification["reject"])):
        for v in vectors:
            out.append((group, v))
    return out


VECTOR_LIST = load_vectors()


def config_key(v):
    return json.dumps([v["keys"], v["policy"]], sort_keys=True)


def lua_config(v):
    p = v["policy"]
    keys = ", ".join("{ username = %s, secret = %s }" % (lua_string(k["username"]),
                                                          lua_string(k["secret"]))
                     for k in v["keys"])
    required = ", ".join(lua_string(n) for n in p["required_headers"])
    # Without replay protection: the vectors share signatures, and each is sent twice (the
    # replay check is tested in test_replay.py).
    return ("{ keys = { %s }, max_skew = %d, max_body = %d, allow_legacy_sha256 = %s, "
            "required_headers = { %s }, replay_dict = false }" % (keys, p["max_skew"], p["max_body"],
                                             "true" if p["allow_legacy_sha256"] else "false",
                                             required))


# The test configuration: one verifier per distinct (keys, policy). A key the C library refuses
# (the vectors' usernames with a backslash, a quote, a tab, DEL or non-ASCII) is left out, as
# the C test does; its refusal at load is asserted, and the verifier gets a placeholder key
# when none is left (those vectors fail before any key is looked up).
INIT_TEMPLATE = """
        local ingo = require("resty.ingo_signer")
        local configs = { %s }
        local function clock()
            return tonumber(ngx.var.http_x_test_now)
        end
        ingo_test_verifiers = {}
        ingo_test_refused_keys = {}
        for i, conf in ipairs(configs) do
            local keys = {}
            for _, key in ipairs(conf.keys) do
                local one, kind = ingo.new({ keys = { key } })
                if one then
                    keys[#keys + 1] = key
                else
                    assert(kind == "key.username", kind)
                    ingo_test_refused_keys[#ingo_test_refused_keys + 1] = key.username
                end
            end
            if #keys == 0 then
                keys[1] = { username = "placeholder", secret = "placeholder-secret" }
            end
            conf.keys = keys
            conf.clock = clock
            ingo_test_verifiers[i] = assert(ingo.new(conf))
        end
"""

ACCESS = """
                local v = ingo_test_verifiers[tonumber(ngx.var.http_x_test_config)]
                if not v then
                    return ngx.exit(500)
                end
                v:access()
"""
# ci.sh's negative control: the same suite with verification switched off must fail.
if os.environ.get("INGO_NEGATIVE_CONTROL") == "skip-verification":
    ACCESS = "return"

# The vectors' usernames ingo_key_new refuses (key.username).
REFUSED_KEYS = {"de\\mo", 'de"mo', "d\u00e9mo", "de\tmo", "de\x7fmo", "u" * 257}


@pytest.fixture(scope="module")
def vector_nginx():
    from conftest import Nginx, Upstream
    configs = {}
    for _, v in VECTOR_LIST:
        configs.setdefault(config_key(v), (len(configs) + 1, v))
    init = INIT_TEMPLATE % ",\n".join(lua_config(v) for _, v in configs.values())
    up = Upstream()
    ngx = Nginx(init=init, access=ACCESS,
                upstream_port=up.port,
                h2=True, body_timeout="1s", extra_server="""
        location = /refused-keys {
            content_by_lua_block {
                ngx.print(require("cjson").encode(ingo_test_refused_keys))
            }
        }""")
    ok, out = ngx.start()
    assert ok, out
    yield ngx, up, {k: i for k, (i, _) in configs.items()}
    ngx.stop()
    up.stop()
    errors = ngx.serious_errors()
    ngx.cleanup()
    assert not errors, errors


def test_keys_the_library_refuses_are_exactly_the_vectors_invalid_usernames(vector_nginx):
    ngx, _, _ = vector_nginx
    mark = ngx.log_mark()
    r = ngx.request("GET", "/refused-keys")
    assert ngx.next_access_line(after=mark) is not None
    assert set(json.loads(r.body)) == REFUSED_KEYS


def wire_request(v, config, test_id):
    req = v["request"]
    headers = [("X-Test-Id", test_id), ("X-Test-Config", str(config)),
               ("X-Test-Now", str(v["now"]))]
    names = {n.lower() for n, _ in req["headers"]}
    if "host" not in names and "host" not in v.get("signed_headers", []):
        headers.append(("Host", "127.0.0.1"))
    headers += [(n, val) for n, val in req["headers"]]
    return raw_request(req["method"], req["target"], headers, req["body"],
                       version="HTTP/" + req["version"])


@pytest.mark.parametrize("round_", [1, 2], ids=["round1", "round2"])
@pytest.mark.parametrize("group,vector", VECTOR_LIST,
                         ids=[f"{g}:{v['name']}" for g, v in VECTOR_LIST])
def test_vector(vector_nginx, group, vector, round_):
    ngx, up, configs = vector_nginx
    name = vector["name"]
    test_id = f"{group}:{name}:{round_}"
    config = configs[config_key(vector)]
    mark = ngx.log_mark()
    if vector["request"]["version"] == "2.0":
        # An HTTP/2 head is sent over HTTP/2 (h2c with prior knowledge, by curl).
        req = vector["request"]
        headers = [("X-Test-Id", test_id), ("X-Test-Config", str(config)),
                   ("X-Test-Now", str(vector["now"]))] + [tuple(h) for h in req["headers"]]
        resp = send_h2(ngx.h2_port, req["method"], req["target"], headers,
                       req["body"].encode("utf-8"))
    else:
        resp = send_raw(ngx.port, wire_request(vector, config, test_id))
    # nginx logs no id for a request whose request line it refuses.
    id_logged = name not in ("invalid-method-space", "invalid-method-empty",
                             "invalid-target-space")
    line = ngx.next_access_line(test_id if id_logged else None, after=mark)
    assert line is not None, "no access-log line"
    logged_id, logged_status, kind, user = line.split("|", 3)
    reached_upstream = test_id in up.saw_test_ids()

    if name in NGINX_REFUSES:
        status, _why = NGINX_REFUSES[name]
        assert group == "reject"
        assert resp is None or resp.status == status, resp
        assert int(logged_status) == status
        assert kind in ("-", ""), "nginx's parser refuses it, the verifier never runs"
        assert not reached_upstream
        return

    assert resp is not None, "nginx closed the connection without answering"
    if group in ("signing", "accept"):
        assert resp.status == 200, (resp, line)
        assert resp.json()["user"] == vector["username"]
        assert reached_upstream
        seen = [r for r in up.requests
                if ("x-test-id", test_id) in [(n.lower(), v) for n, v in r["headers"]]]
        assert len(seen) == 1
        assert seen[0]["body"] == vector["request"]["body"].encode("utf-8")
        assert [v for n, v in seen[0]["headers"] if n.lower() == "x-ingo-username"] == \
            [vector["username"]]
        assert (kind, user) == ("-", vector["username"])
        return

    expected_kind, expected_status = vector["expected_error"], vector["http_status"]
    if name in NGINX_RESHAPES:
        expected_kind, expected_status, _why = NGINX_RESHAPES[name]
    assert not reached_upstream, "a refused request reached the upstream"
    assert (resp.status, kind) == (expected_status, expected_kind), (resp, line)
    assert logged_id == test_id
    assert resp.header("content-type") == "application/json"
    assert (resp.header("www-authenticate") == "hmac") == (expected_status == 401)
    body = resp.json()
    assert set(body) == {"status", "client_message"}
    assert body["status"] == expected_status
    assert body["client_message"]


def test_an_http2_version_in_an_http1_request_line_is_refused_by_nginx(vector_nginx):
    """`HTTP/2.0` cannot arrive in an HTTP/1 request line: nginx answers 505 before any phase
    (tampered-version and http-2 are sent over real HTTP/2 above)."""
    ngx, up, configs = vector_nginx
    vector = next(v for _, v in VECTOR_LIST if v["name"] == "http-2")
    mark = ngx.log_mark()
    resp = send_raw(ngx.port, wire_request(vector, configs[config_key(vector)], "h2-over-h1"))
    assert resp.status == 505
    assert ngx.next_access_line(after=mark).split("|", 3)[:3] == ["-", "505", ""]
    assert "h2-over-h1" not in up.saw_test_ids()
