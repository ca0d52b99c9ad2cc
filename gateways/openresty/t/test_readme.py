"""The code blocks of gateways/openresty/README.md (and of this folder's section of the
repository's README.md) are what CI runs or what nginx.conf holds:

- a ```sh block marked `<!-- ci: runs in PATH -->`: every command line is a line of PATH;
- a ```nginx block: an excerpt of nginx.conf, line for line;
- the ```text answer: what a refused request gets from real nginx (`...` stands for the rest);
- the Kong ```lua block: run in real nginx, with a stand-in for the three calls it makes to
  Kong's PDK (kong.log, kong.response.exit, kong.service.request.set_header)."""

import json
import os
import re
import shutil
import tempfile
from pathlib import Path

import pytest

from conftest import HERE, ROOT, raw_request, send_raw, sign

README = HERE / "README.md"
FENCE = re.compile(r"(?:<!-- ci: ([^>]*?) -->\n)?```(\w+)\n(.*?)\n```", re.S)


def blocks(text):
    return [(marker, lang, body) for marker, lang, body in FENCE.findall(text)]


def our_section_of_the_main_readme():
    text = (ROOT / "README.md").read_text()
    m = re.search(r"^### nginx / OpenResty\n(.*?)(?=^#{1,3} )", text, re.S | re.M)
    assert m, "README.md has no `### nginx / OpenResty` section"
    return m.group(1)


@pytest.mark.parametrize("where", ["folder", "main"])
def test_command_blocks_are_what_ci_runs(where):
    text = README.read_text() if where == "folder" else our_section_of_the_main_readme()
    checked = 0
    for marker, lang, body in blocks(text):
        if lang != "sh":
            continue
        assert marker and marker.startswith("runs in "), f"unmarked sh block:\n{body}"
        script = (ROOT / marker[len("runs in "):]).read_text().splitlines()
        lines = {line.strip() for line in script}
        for line in body.splitlines():
            if line.strip() and not line.strip().startswith("#"):
                assert line.strip() in lines, f"{line!r} is not a line of {marker}"
                checked += 1
    assert checked >= 2


def test_nginx_blocks_are_excerpts_of_nginx_conf():
    conf = (HERE / "nginx.conf").read_text()
    found = [body for _, lang, body in blocks(README.read_text()) if lang == "nginx"]
    assert found
    for body in found:
        assert body + "\n" in conf, f"not in nginx.conf:\n{body}"


def test_the_answer_shown_is_what_nginx_answers(demo):
    [shown] = [body for _, lang, body in blocks(README.read_text()) if lang == "text"]
    head, _, body = shown.partition("\n\n")
    status_line, *header_lines = head.splitlines()
    body_headers = sign("POST", "/x", b"{}", secret="wrong")
    resp = send_raw(demo.port, raw_request("POST", "/x", [("Host", "x")] + body_headers, b"{}"))
    assert status_line == f"HTTP/1.1 {resp.status} Unauthorized"
    for line in header_lines:
        name, _, value = line.partition(": ")
        assert resp.header(name) == value
    pattern = re.escape(body).replace(re.escape("..."), ".*")
    assert re.fullmatch(pattern, resp.body.decode()), resp.body


KONG_STAND_IN = """
        -- Stand-ins for the PDK calls the README's access function makes.
        local cjson = require("cjson")
        kong = {
            log = {
                err = function(...) ngx.log(ngx.ERR, ...) end,
                info = function(...) ngx.log(ngx.INFO, ...) end,
            },
            response = {
                exit = function(status, body, headers)
                    ngx.status = status
                    for name, value in pairs(headers or {}) do
                        ngx.header[name] = value
                    end
                    ngx.header["Content-Type"] = "application/json"
                    ngx.print(cjson.encode(body))
                    return ngx.exit(status)
                end,
            },
            service = {
                request = {
                    set_header = function(name, value) ngx.req.set_header(name, value) end,
                },
            },
        }
"""


def test_the_kong_access_function_runs(nginx_factory, upstream, tmp_path, request):
    [code] = [body for marker, lang, body in blocks(README.read_text())
              if lang == "lua" and marker and marker.startswith("kong access")]
    # Kong makes the verifier in a worker: the key file must be readable by the workers' user
    # (nobody here), from a directory they may enter.
    shared = Path(tempfile.mkdtemp(prefix="ingo-openresty-kong-"))
    os.chmod(shared, 0o755)
    keys = shared / "keys.json"
    keys.write_text(json.dumps({"keys": [{"username": "demo",
                                          "secret": "demo-secret-not-for-production"}]}))
    os.chmod(keys, 0o644)
    request.addfinalizer(lambda: shutil.rmtree(shared, ignore_errors=True))
    init = KONG_STAND_IN + f"""
        kong_access = assert(loadstring({json.dumps(code)}))()
        kong_conf = {{ keys_file = "{keys}", clock_skew = 300, max_body = 65536 }}
        kong_bad_conf = {{ keys_file = "{tmp_path}/absent.json", clock_skew = 300,
                           max_body = 65536 }}
"""
    access = """
                kong_access(ngx.var.http_x_bad_conf and kong_bad_conf or kong_conf)
"""
    ngx = nginx_factory(init=init, access=access)
    body = b'{"a":1}'
    ok = send_raw(ngx.port, raw_request("POST", "/x", [("Host", "x")] + sign("POST", "/x", body),
                                        body))
    assert ok.status == 200 and json.loads(ok.body)["user"] == "demo"
    refused = send_raw(ngx.port, raw_request("POST", "/x", [("Host", "x")], body))
    assert refused.status == 401 and refused.header("www-authenticate") == "hmac"
    assert refused.json()["status"] == 401
    assert "no Authorization header" in refused.json()["client_message"]
    ngx.expect_error(r"ingo-hmac-auth: config\.invalid: cannot read keys_file")
    bad = send_raw(ngx.port, raw_request("POST", "/x", [("Host", "x"), ("X-Bad-Conf", "1")]
                                         + sign("POST", "/x", body), body))
    assert bad.status == 500
    assert len(upstream.requests) == 1
