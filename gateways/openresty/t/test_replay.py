"""Replay protection through real nginx: a request is accepted once. The check runs once the
head is authenticated, in a lua_shared_dict every worker shares (an atomic add-if-absent of the
library's replay key, living until the request's X-Date can no longer be accepted); a dict that
cannot take a key fails closed (503, verify.replay_unavailable)."""

import re
import socket
import threading

from conftest import (DEMO_ACCESS, DEMO_INIT, DEMO_USER, raw_request, read_response, send_raw,
                      sign)

TARGET = "/gateway/process--card"


def request(n, **kwargs):
    body = b'{"transaction_id":"%08d"}' % n
    headers = [("Host", "127.0.0.1"), ("X-Test-Id", f"r{n}")] + sign("POST", TARGET, body,
                                                                       **kwargs)
    return raw_request("POST", TARGET, headers, body)


def test_a_request_is_accepted_once(demo, upstream):
    first = request(1)
    assert send_raw(demo.port, first).status == 200
    again = send_raw(demo.port, first)
    assert again.status == 401 and again.header("www-authenticate") == "hmac"
    assert again.json() == {"status": 401, "client_message": "the request was already accepted "
                                                             "once (a replay); sign every "
                                                             "request anew"}
    lines = [demo.next_access_line("r1"), demo.next_access_line("r1")]
    assert lines == ["r1|200|-|demo", "r1|401|verify.replayed|-"]
    # The same request with another unsigned header (an Idempotency-Key, X-Forwarded-For) is
    # still the same signed request.
    changed = first.replace(b"X-Test-Id: r1", b"X-Test-Id: r1-again\r\nX-Forwarded-For: 10.9.8.7")
    assert send_raw(demo.port, changed).status == 401
    assert upstream.saw_test_ids() == {"r1"}


def test_a_refused_head_does_not_use_up_the_request(demo, upstream):
    """Only an authenticated head is remembered: a forged copy that arrives first does not lock
    the genuine request out."""
    genuine = request(2)
    forged = genuine.replace(b"Authorization: hmac username=\"demo\"",
                             b"Authorization: hmac username=\"demo2\"")
    assert forged != genuine
    assert send_raw(demo.port, forged).status == 401
    assert send_raw(demo.port, genuine).status == 200


def test_copies_sent_at_once_to_two_workers_are_accepted_once(nginx_factory, upstream):
    ngx = nginx_factory(init=DEMO_INIT, access=DEMO_ACCESS, workers=2)
    for n in range(10):
        copy = request(100 + n)
        statuses = []
        socks = [socket.create_connection(("127.0.0.1", ngx.port), timeout=10)
                 for _ in range(8)]
        barrier = threading.Barrier(len(socks))

        def send(sock):
            barrier.wait()
            sock.sendall(copy)
            statuses.append(read_response(sock).status)
            sock.close()

        threads = [threading.Thread(target=send, args=(s,)) for s in socks]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(statuses) == [200] + [401] * 7, statuses
    assert len(upstream.requests) == 10


def test_a_full_replay_store_fails_closed(nginx_factory, upstream):
    """A dict too small to remember another request refuses it (503, no WWW-Authenticate)
    rather than forget one it holds: nothing is accepted it could not remember."""
    init = DEMO_INIT.replace("} },", '} }, replay_dict = "tiny",')
    ngx = nginx_factory(init=init, access=DEMO_ACCESS,
                        extra_http="    lua_shared_dict tiny 12k;")
    answers = {}
    for n in range(300):
        resp = send_raw(ngx.port, request(1000 + n))
        answers[n] = resp
        if resp.status == 503:
            break
    accepted = [n for n, r in answers.items() if r.status == 200]
    full = answers[max(answers)]
    assert full.status == 503, "the tiny dict never filled up"
    assert full.header("www-authenticate") is None
    assert full.json() == {"status": 503, "client_message": "the replay check cannot be made "
                                                            "now, so the request is refused; "
                                                            "retry later"}
    line = ngx.next_access_line(f"r{1000 + max(answers)}")
    assert line.split("|")[1:3] == ["503", "verify.replay_unavailable"]
    assert re.search(r"verify\.replay_unavailable\): .*\(lua_shared_dict tiny: no memory\)",
                     ngx.error_log())
    # Every request the dict took is still refused as a replay: none was evicted.
    for n in accepted:
        assert send_raw(ngx.port, request(1000 + n)).status in (401, 503)
    assert sorted(upstream.saw_test_ids()) == sorted(f"r{1000 + n}" for n in accepted)
    print(f"\na 12k lua_shared_dict held {len(accepted)} replay keys")


def test_replay_protection_needs_its_dict(nginx_factory):
    init = """
        local v, kind, err = require("resty.ingo_signer").new({
            keys = { { username = "demo", secret = "x" } }, replay_dict = "absent" })
        error(kind .. ": " .. err, 0)
"""
    ngx = nginx_factory(init=init, access=DEMO_ACCESS, start=False)
    ok, out = ngx.start()
    assert not ok
    assert ("config.invalid: replay protection needs `lua_shared_dict absent 10m;` in the http "
            "block (or replay_dict = false to go without it)") in out
    ngx.expect_error(r"\[(error|emerg)\]")


def test_memory_per_remembered_request(nginx_factory):
    """How many replay keys a lua_shared_dict holds per MiB, measured: keys are added as the
    module adds them until the dict is full. Printed for sizing (README.md)."""
    probe = """
        location = /fill {
            content_by_lua_block {
                local dict = ngx.shared.ingo_replay
                local n = 0
                while true do
                    local key = string.rep(string.char(n % 251), 16)
                        .. string.format("%016x", n)
                    local ok, err = dict:safe_add(key, true, 600)
                    if not ok then
                        assert(err == "no memory", err)
                        break
                    end
                    n = n + 1
                end
                ngx.say(n)
            }
        }"""
    ngx = nginx_factory(init=DEMO_INIT, access=DEMO_ACCESS, extra_server=probe)
    n = int(ngx.request("GET", "/fill").body)
    assert n > 1000
    print(f"\na 1 MiB lua_shared_dict holds {n} replay keys ({1048576 / n:.0f} bytes each)")
    assert DEMO_USER
